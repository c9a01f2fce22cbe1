/*
 * config_errors.h - collects configuration messages so that one run shows
 * everything to fix.  Each line reads "FILE:LINE: [section] key: what is
 * wrong" (or "FILE:LINE: what is wrong" / "FILE: what is wrong" when there
 * is no key or line).
 */
#ifndef CHARON_CONFIG_ERRORS_H
#define CHARON_CONFIG_ERRORS_H

#include <stdbool.h>
#include <stddef.h>

struct config_errors {
    char **lines;      /* in the order added */
    size_t n;
};

#define CONFIG_ERRORS_INIT { NULL, 0 }

/* Appends one formatted line (no trailing newline).  On allocation
 * failure the line is dropped and "out of memory" is recorded once. */
void config_errors_add(struct config_errors *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Sorts lines by file then line number (stable), for file-order output. */
void config_errors_sort(struct config_errors *e);

void config_errors_free(struct config_errors *e);

/* Where a message points; NULL/0 members are left out. */
struct config_where {
    const char *file;
    int line;            /* 0: no line                             */
    const char *section; /* shown as "[section] "                  */
    const char *key;     /* shown as "key: "                       */
    const char *value;   /* with key: shown as key = "value": ...  */
    bool secret;         /* with key: shown as key = (hidden): ... */
};

/* Appends "FILE:LINE: [section] key = "value": what" (docs/HACKING.md §6);
 * control bytes of the value are shown as '?', long values cut. */
void config_errors_at(struct config_errors *e, const struct config_where *w,
                      const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* CHARON_CONFIG_ERRORS_H */
