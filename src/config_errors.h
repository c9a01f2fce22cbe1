/*
 * config_errors.h - collects configuration messages so that one run shows
 * everything to fix.  Each line reads "FILE:LINE: [section] key: what is
 * wrong" (or "FILE:LINE: what is wrong" / "FILE: what is wrong" when there
 * is no key or line).
 */
#ifndef CHARON_CONFIG_ERRORS_H
#define CHARON_CONFIG_ERRORS_H

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

#endif /* CHARON_CONFIG_ERRORS_H */
