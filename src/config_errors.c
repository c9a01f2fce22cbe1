/*
 * config_errors.c - the collector of configuration messages.
 *
 * Lines are kept in an array grown one slot ahead, so that when an
 * allocation fails there is always room to record "out of memory" once.
 */
#include "config_errors.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_ERRORS_WHAT_MAX 512  /* one problem, before the prefix    */
#define CONFIG_ERRORS_SHOW_MAX 200  /* bytes of a value shown in a message */

/* Stand-ins used when memory runs out; never freed.  Read-only data,
 * not mutable state: the casts below only fit the char ** field. */
static const char config_errors_oom_line[] = "out of memory";
static const char *const config_errors_oom_lines[] = {
    config_errors_oom_line
};

static bool
config_errors_is_oom_array(const struct config_errors *e)
{
    return e->lines == (char **)config_errors_oom_lines;
}

static bool
config_errors_has_oom(const struct config_errors *e)
{
    size_t i;

    for (i = 0; i < e->n; i++)
        if (e->lines[i] == config_errors_oom_line)
            return true;
    return false;
}

static void
config_errors_record_oom(struct config_errors *e)
{
    if (e->lines == NULL) {
        e->lines = (char **)config_errors_oom_lines;
        e->n = 1;
        return;
    }
    if (config_errors_has_oom(e))
        return;
    /* Every successful add leaves one spare slot (see below). */
    e->lines[e->n++] = (char *)config_errors_oom_line;
}

void
config_errors_add(struct config_errors *e, const char *fmt, ...)
{
    va_list ap;
    char **grown;
    char *line;
    int len;

    if (e == NULL || config_errors_is_oom_array(e))
        return;
    va_start(ap, fmt);
    len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0)
        return;
    line = malloc((size_t)len + 1);
    if (line == NULL) {
        config_errors_record_oom(e);
        return;
    }
    va_start(ap, fmt);
    vsnprintf(line, (size_t)len + 1, fmt, ap);
    va_end(ap);
    /* n lines plus this one plus a spare for the out-of-memory note. */
    grown = realloc(e->lines, (e->n + 2) * sizeof(*grown));
    if (grown == NULL) {
        free(line);
        config_errors_record_oom(e);
        return;
    }
    e->lines = grown;
    e->lines[e->n++] = line;
}

/* Splits "FILE:LINE: ..." (or "FILE: ...") into the length of FILE and
 * LINE (0 when absent): the first ':' followed by digits and ':', or
 * by a space, ends the file name. */
static void
config_errors_key(const char *s, size_t *file_len, long *line)
{
    const char *p, *d;

    *file_len = 0;
    *line = 0;
    for (p = strchr(s, ':'); p != NULL; p = strchr(p + 1, ':')) {
        for (d = p + 1; *d >= '0' && *d <= '9'; d++)
            ;
        if (d > p + 1 && *d == ':') {
            *file_len = (size_t)(p - s);
            *line = strtol(p + 1, NULL, 10);
            return;
        }
        if (p[1] == ' ') {
            *file_len = (size_t)(p - s);
            return;
        }
    }
}

struct config_errors_item {
    char *text;
    size_t file_rank;   /* order of first appearance of the file */
    long line;
    size_t index;       /* original position: makes the sort stable */
};

static int
config_errors_cmp(const void *a, const void *b)
{
    const struct config_errors_item *x = a, *y = b;

    if (x->file_rank != y->file_rank)
        return x->file_rank < y->file_rank ? -1 : 1;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->index != y->index)
        return x->index < y->index ? -1 : 1;
    return 0;
}

void
config_errors_sort(struct config_errors *e)
{
    struct config_errors_item *items;
    size_t i, j, flen, jlen;
    long line;

    if (e == NULL || e->n < 2 || config_errors_is_oom_array(e))
        return;
    items = calloc(e->n, sizeof(*items));
    if (items == NULL)
        return;                 /* unsorted beats lost */
    for (i = 0; i < e->n; i++) {
        config_errors_key(e->lines[i], &flen, &line);
        items[i].text = e->lines[i];
        items[i].line = line;
        items[i].index = i;
        items[i].file_rank = i;
        for (j = 0; j < i; j++) {
            config_errors_key(e->lines[j], &jlen, &line);
            if (jlen == flen && strncmp(e->lines[j], e->lines[i], flen) == 0) {
                items[i].file_rank = items[j].file_rank;
                break;
            }
        }
    }
    qsort(items, e->n, sizeof(*items), config_errors_cmp);
    for (i = 0; i < e->n; i++)
        e->lines[i] = items[i].text;
    free(items);
}

void
config_errors_free(struct config_errors *e)
{
    size_t i;

    if (e == NULL)
        return;
    if (!config_errors_is_oom_array(e)) {
        for (i = 0; i < e->n; i++)
            if (e->lines[i] != config_errors_oom_line)
                free(e->lines[i]);
        free(e->lines);
    }
    e->lines = NULL;
    e->n = 0;
}

void
config_errors_at(struct config_errors *e, const struct config_where *w,
                 const char *fmt, ...)
{
    char what[CONFIG_ERRORS_WHAT_MAX], at[32] = "";
    char show[CONFIG_ERRORS_SHOW_MAX + 4];
    char sec[CONFIG_ERRORS_WHAT_MAX / 2] = "";
    char key[CONFIG_ERRORS_WHAT_MAX] = "";
    va_list ap;
    size_t i;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (w->line > 0)
        snprintf(at, sizeof(at), "%d:", w->line);
    if (w->section != NULL)
        snprintf(sec, sizeof(sec), "[%s] ", w->section);
    if (w->key != NULL && w->secret) {
        snprintf(key, sizeof(key), "%s = (hidden): ", w->key);
    } else if (w->key != NULL && w->value != NULL) {
        /* Control bytes would garble a terminal or a log line. */
        for (i = 0; w->value[i] != '\0' && i < CONFIG_ERRORS_SHOW_MAX; i++)
            show[i] = iscntrl((unsigned char)w->value[i]) ? '?' : w->value[i];
        strcpy(show + i, w->value[i] != '\0' ? "..." : "");
        snprintf(key, sizeof(key), "%s = \"%s\": ", w->key, show);
    } else if (w->key != NULL) {
        snprintf(key, sizeof(key), "%s: ", w->key);
    }
    config_errors_add(e, "%s:%s %s%s%s", w->file, at, sec, key, what);
}
