/* config_table.c - applies a struct charon_option[] table to a struct.
 * Values are parsed strictly (no sign, no trailing junk, overflow checked),
 * defaults by the same parsers.  Allocations live in a config_arena; user
 * strings point into the config_doc, which outlives the result. */
#include "config_table.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <charon/err.h>

#include "config_path.h"

#define CONFIG_TABLE_WHAT_MAX 512   /* one problem, before the prefix  */

struct config_arena {
    void **ptrs;
    size_t n, cap;
};

struct config_arena *
config_table_arena_new(void)
{
    return calloc(1, sizeof(struct config_arena));
}

void *
config_table_alloc(struct config_arena *arena, size_t size)
{
    void **grown, *p;
    size_t cap;

    if (arena->n == arena->cap) {
        cap = arena->cap == 0 ? 16 : arena->cap * 2;
        grown = realloc(arena->ptrs, cap * sizeof(*grown));
        if (grown == NULL)
            return NULL;
        arena->ptrs = grown;
        arena->cap = cap;
    }
    p = calloc(1, size > 0 ? size : 1);
    if (p != NULL)
        arena->ptrs[arena->n++] = p;
    return p;
}

char *
config_table_strdup(struct config_arena *arena, const char *s)
{
    size_t len = strlen(s) + 1;
    char *p = config_table_alloc(arena, len);

    if (p != NULL)
        memcpy(p, s, len);
    return p;
}

void
config_table_arena_free(struct config_arena *arena)
{
    size_t i;

    if (arena == NULL)
        return;
    for (i = 0; i < arena->n; i++)
        free(arena->ptrs[i]);
    free(arena->ptrs);
    free(arena);
}

/* Digits only, range-checked; -1 with what filled on error. */
static int
config_table_number(const struct charon_option *o, const char *v,
                    unsigned long limit, unsigned long *out,
                    char *what, size_t len)
{
    unsigned long n;
    char *end;

    if (v[0] == '-' && isdigit((unsigned char)v[1])) {
        snprintf(what, len, "must not be negative");
        return -1;
    }
    if (!isdigit((unsigned char)v[0])) {
        snprintf(what, len, o->type == CHARON_OPT_SECONDS
                 ? (o->max == 0 ? "not a number of seconds or \"infinite\""
                                : "not a number of seconds")
                 : "not a whole number");
        return -1;
    }
    errno = 0;
    n = strtoul(v, &end, 10);
    if (*end != '\0') {
        snprintf(what, len, o->type == CHARON_OPT_SECONDS
                 ? "not a number of seconds" : "not a whole number");
        return -1;
    }
    if (errno == ERANGE || n > limit || n < o->min
        || (o->max != 0 && n > o->max)) {
        if (o->max == 0)
            snprintf(what, len, "must be at least %lu", o->min);
        else
            snprintf(what, len, "out of range %lu..%lu", o->min, o->max);
        return -1;
    }
    *out = n;
    return 0;
}

static int
config_table_bool(const char *v, int *out)
{
    static const char *const words[] = {
        "false", "true", "no", "yes", "off", "on", "0", "1", NULL
    };
    size_t i;

    for (i = 0; words[i] != NULL; i++) {
        if (strcasecmp(v, words[i]) == 0) {
            *out = (int)(i % 2);
            return 0;
        }
    }
    return -1;
}

/* The words of v appended to (append) or replacing the list. */
static int
config_table_list(struct config_arena *arena, const char *v, bool append,
                  struct charon_opt_list *list)
{
    static const char space[] = " \t\r\n\f\v";
    size_t keep = append ? list->count : 0, n = keep, wlen;
    const char **items;
    char *word;

    /* A word and its separator take at least two bytes. */
    items = config_table_alloc(arena, (keep + strlen(v) / 2 + 2)
                                      * sizeof(*items));
    if (items == NULL)
        return CHARON_ENOMEM;
    if (keep > 0)
        memcpy(items, list->items, keep * sizeof(*items));
    for (v += strspn(v, space); *v != '\0'; v += strspn(v, space)) {
        wlen = strcspn(v, space);
        word = config_table_alloc(arena, wlen + 1);
        if (word == NULL)
            return CHARON_ENOMEM;
        memcpy(word, v, wlen);
        items[n++] = word;
        v += wlen;
    }
    list->items = items;
    list->count = n;
    return CHARON_OK;
}

/*
 * Parses one value of a non-MAP option into its field.  Returns
 * CHARON_OK, CHARON_ENOMEM, or CHARON_ECONFIG with what filled
 * (keyonly: the message must not repeat the value).
 */
static int
config_table_parse(struct config_arena *arena, const struct charon_option *o,
                   const char *v, void *field, bool append, bool files,
                   bool *keyonly, char *what, size_t len)
{
    unsigned long n;
    size_t i, off;
    int b;

    *keyonly = false;
    switch (o->type) {
    case CHARON_OPT_STRING:
        if (v[0] != '\0' && v[0] != '/' && config_path_named(o)) {
            snprintf(what, len, "not an absolute path");
            return CHARON_ECONFIG;
        }
        *(const char **)field = v;
        return CHARON_OK;
    case CHARON_OPT_UINT:
        if (config_table_number(o, v, ULONG_MAX, &n, what, len) < 0)
            return CHARON_ECONFIG;
        *(unsigned long *)field = n;
        return CHARON_OK;
    case CHARON_OPT_SECONDS:
        if (strcasecmp(v, "infinite") == 0) {
            if (o->max != 0) {
                snprintf(what, len, "not allowed here; use %lu..%lu seconds",
                         o->min, o->max);
                return CHARON_ECONFIG;
            }
            *(long *)field = -1L;
            return CHARON_OK;
        }
        if (config_table_number(o, v, LONG_MAX, &n, what, len) < 0)
            return CHARON_ECONFIG;
        *(long *)field = (long)n;
        return CHARON_OK;
    case CHARON_OPT_BOOL:
        if (config_table_bool(v, &b) < 0) {
            snprintf(what, len, "not a boolean (use true/false, yes/no, "
                     "on/off or 1/0)");
            return CHARON_ECONFIG;
        }
        *(int *)field = b;
        return CHARON_OK;
    case CHARON_OPT_PATH:
        if (v[0] == '\0') {
            if (o->flags & CHARON_OPT_REQUIRED) {
                snprintf(what, len, "must name a file");
                return CHARON_ECONFIG;
            }
            *(const char **)field = NULL;
            return CHARON_OK;
        }
        if (files && config_path_file(o, v, keyonly, what, len) < 0)
            return CHARON_ECONFIG;
        *(const char **)field = v;
        return CHARON_OK;
    case CHARON_OPT_ENUM:
        for (i = 0; o->choices != NULL && o->choices[i] != NULL; i++) {
            if (strcasecmp(v, o->choices[i]) == 0) {
                *(int *)field = (int)i;
                return CHARON_OK;
            }
        }
        off = (size_t)snprintf(what, len, "not one of ");
        for (i = 0; o->choices != NULL && o->choices[i] != NULL; i++)
            if (off < len)
                off += (size_t)snprintf(what + off, len - off, "%s%s",
                                        i > 0 ? ", " : "", o->choices[i]);
        return CHARON_ECONFIG;
    case CHARON_OPT_LIST:
        return config_table_list(arena, v, append, field);
    default:
        snprintf(what, len, "option type %u is not known to this version",
                 (unsigned)o->type);
        return CHARON_ECONFIG;
    }
}

/* Does key belong to option o (exact name, or MAP prefix)? */
static bool
config_table_key_is(const struct charon_option *o, const char *key)
{
    if (o->type == CHARON_OPT_MAP)
        return strncmp(key, o->name, strlen(o->name)) == 0;
    return strcmp(key, o->name) == 0;
}

const struct charon_option *
config_table_find(const struct charon_option *options, const char *key)
{
    const struct charon_option *o;

    for (o = options; o->name != NULL; o++)
        if (config_table_key_is(o, key))
            return o;
    return NULL;
}

static bool
config_table_listed(const char *const *only, const char *name)
{
    size_t i;

    if (only == NULL)
        return true;
    for (i = 0; only[i] != NULL; i++)
        if (strcmp(only[i], name) == 0)
            return true;
    return false;
}

/* Does entry e of [section] belong to option o? */
static bool
config_table_match(const struct config_entry *e, const char *section,
                   const struct charon_option *o)
{
    return strcmp(e->section, section) == 0 && config_table_key_is(o, e->key);
}

/* The earlier entry with the same key in e's section, or NULL. */
static const struct config_entry *
config_table_earlier(const struct config_doc *doc,
                     const struct config_entry *e)
{
    const struct config_entry *p;

    for (p = doc->entries; p < e; p++)
        if (p->section_index == e->section_index
            && strcmp(p->key, e->key) == 0)
            return p;
    return NULL;
}

/* Sets id in the (already private) map, replacing an earlier section's. */
static void
config_table_map_set(struct charon_opt_map *map, struct charon_opt_entry *arr,
                     const struct config_entry *e, const char *id)
{
    size_t i;

    for (i = 0; i < map->count; i++) {
        if (strcmp(arr[i].id, id) == 0) {
            arr[i].value = e->value;
            arr[i].line = e->line;
            return;
        }
    }
    arr[map->count].id = id;
    arr[map->count].value = e->value;
    arr[map->count].line = e->line;
    map->count++;
}

/* Applies every entry of [section] that belongs to option o. */
static int
config_table_overlay_one(const struct config_table_ctx *ctx,
                         const char *section, const struct charon_option *o,
                         void *base)
{
    struct config_doc *doc = ctx->doc;
    struct config_where w = { doc->file, 0, section, NULL, NULL, false };
    void *field = (char *)base + o->offset;
    struct charon_opt_map *map = field;
    struct charon_opt_entry *arr = NULL;
    const struct config_entry *first;
    struct config_entry *e;
    char what[CONFIG_TABLE_WHAT_MAX];
    size_t i, k = 0;
    bool keyonly, listed = false;
    int rc = CHARON_OK, r;

    for (i = 0; i < doc->nentries; i++)
        if (config_table_match(&doc->entries[i], section, o))
            k++;
    if (k > 0 && o->type == CHARON_OPT_MAP) {
        /* A private copy: the base struct may share the old array. */
        arr = config_table_alloc(ctx->arena, (map->count + k) * sizeof(*arr));
        if (arr == NULL)
            return CHARON_ENOMEM;
        if (map->count > 0)
            memcpy(arr, map->entries, map->count * sizeof(*arr));
        map->entries = arr;
    }
    for (i = 0; i < doc->nentries; i++) {
        e = &doc->entries[i];
        if (!config_table_match(e, section, o))
            continue;
        e->used = true;
        w.line = e->line;
        w.key = e->key;
        w.value = NULL;
        w.secret = false;
        first = config_table_earlier(doc, e);
        if (first != NULL && o->type != CHARON_OPT_LIST) {
            config_errors_at(ctx->errs, &w, "duplicate key; first set at "
                             "line %d", first->line);
            rc = CHARON_ECONFIG;
            continue;
        }
        if (e->cont_line != 0 && o->type != CHARON_OPT_LIST) {
            w.line = e->cont_line;
            w.key = NULL;
            config_errors_at(ctx->errs, &w, "indented line continues key "
                             "\"%s\"; unindent it or join the lines",
                             e->key);
            rc = CHARON_ECONFIG;
            continue;
        }
        if ((o->flags & CHARON_OPT_DEPRECATED) && ctx->warnings != NULL)
            config_errors_at(ctx->warnings, &w, "deprecated%s%s",
                             o->help != NULL ? "; " : "",
                             o->help != NULL ? o->help : "");
        if (o->type == CHARON_OPT_MAP) {
            if (e->key[strlen(o->name)] == '\0') {
                config_errors_at(ctx->errs, &w, "missing the name after "
                                 "\"%s\"", o->name);
                rc = CHARON_ECONFIG;
            } else {
                config_table_map_set(map, arr, e, e->key + strlen(o->name));
            }
            continue;
        }
        r = config_table_parse(ctx->arena, o, e->value, field, listed, true,
                               &keyonly, what, sizeof(what));
        listed = true;
        if (r == CHARON_ENOMEM)
            return r;
        if (r != CHARON_OK) {
            w.value = keyonly ? NULL : e->value;
            w.secret = !keyonly && (o->flags & CHARON_OPT_SECRET);
            config_errors_at(ctx->errs, &w, "%s", what);
            rc = CHARON_ECONFIG;
        }
    }
    return rc;
}

int
config_table_overlay(const struct config_table_ctx *ctx, const char *section,
                     const struct charon_option *options, void *base,
                     const char *const *only)
{
    const struct charon_option *o;
    int rc = CHARON_OK, r;

    for (o = options; o->name != NULL; o++) {
        if (!config_table_listed(only, o->name))
            continue;
        r = config_table_overlay_one(ctx, section, o, base);
        if (r == CHARON_ENOMEM)
            return r;
        if (r != CHARON_OK)
            rc = r;
    }
    return rc;
}

static bool
config_table_present(const struct config_doc *doc, const char *const *sections,
                     const struct charon_option *o)
{
    size_t i, s;

    for (s = 0; sections[s] != NULL; s++)
        for (i = 0; i < doc->nentries; i++)
            if (config_table_match(&doc->entries[i], sections[s], o))
                return true;
    return false;
}

/* "(e.g. x = y)" in the help text becomes "; e.g. x = y". */
static void
config_table_missing(const struct config_table_ctx *ctx, const char *section,
                     const struct charon_option *o)
{
    struct config_where w = { .file = ctx->doc->file, .section = section,
                              .key = o->name };
    const char *eg = o->help != NULL ? strstr(o->help, "(e.g. ") : NULL;
    const char *close = eg != NULL ? strchr(eg, ')') : NULL;

    if (close != NULL)
        config_errors_at(ctx->errs, &w, "missing (required; %.*s)",
                         (int)(close - eg - 1), eg + 1);
    else
        config_errors_at(ctx->errs, &w, "missing (required)");
}

int
config_table_apply(const struct config_table_ctx *ctx,
                   const char *const *sections,
                   const struct charon_option *options, void *base)
{
    const struct charon_option *o;
    struct config_where w = { .file = ctx->doc->file, .section = sections[0] };
    char what[CONFIG_TABLE_WHAT_MAX], *dflt;
    bool keyonly;
    size_t s;
    int rc = CHARON_OK, r;

    /* Defaults first, so that a bad value leaves a sane one behind; a
     * PATH default is checked only when it is used. */
    for (o = options; o->name != NULL; o++) {
        if (o->dflt == NULL || o->type == CHARON_OPT_MAP
            || (o->type == CHARON_OPT_PATH
                && config_table_present(ctx->doc, sections, o)))
            continue;
        dflt = config_table_strdup(ctx->arena, o->dflt);
        if (dflt == NULL)
            return CHARON_ENOMEM;
        r = config_table_parse(ctx->arena, o, dflt, (char *)base + o->offset,
                               false, true, &keyonly, what, sizeof(what));
        if (r == CHARON_ENOMEM)
            return r;
        if (r != CHARON_OK) {
            w.key = o->name;
            w.value = keyonly ? NULL : dflt;
            config_errors_at(ctx->errs, &w, "%s (built-in default)", what);
            rc = r;
        }
    }
    for (s = 0; sections[s] != NULL; s++) {
        r = config_table_overlay(ctx, sections[s], options, base, NULL);
        if (r == CHARON_ENOMEM)
            return r;
        if (r != CHARON_OK)
            rc = r;
    }
    for (o = options; o->name != NULL; o++) {
        if ((o->flags & CHARON_OPT_REQUIRED) && o->dflt == NULL
            && !config_table_present(ctx->doc, sections, o)) {
            config_table_missing(ctx, sections[0], o);
            rc = CHARON_ECONFIG;
        }
    }
    return rc;
}

int
config_table_check_table(const char *table_name,
                         const struct charon_option *options,
                         struct config_errors *errs)
{
    const struct charon_option *o, *p;
    char what[CONFIG_TABLE_WHAT_MAX];
    union {                     /* a field of any option type */
        const char *s;
        unsigned long u;
        long l;
        int i;
        struct charon_opt_list list;
    } field;
    struct config_arena *arena;
    size_t len;
    bool keyonly, bad;
    int rc = CHARON_OK, r;

    arena = config_table_arena_new();
    if (arena == NULL)
        return CHARON_ENOMEM;
    for (o = options; o->name != NULL; o++) {
        len = strlen(o->name);
        bad = len == 0 || o->type < CHARON_OPT_STRING
              || o->type > CHARON_OPT_LIST
              || (o->type == CHARON_OPT_MAP) != (o->name[len - 1] == '.')
              || (o->type == CHARON_OPT_ENUM
                  && (o->choices == NULL || o->choices[0] == NULL))
              || (o->max != 0 && o->min > o->max
                  && (o->type == CHARON_OPT_UINT
                      || o->type == CHARON_OPT_SECONDS))
              || (o->type == CHARON_OPT_MAP && o->dflt != NULL);
        if (bad) {
            config_errors_add(errs, "%s: option \"%s\": bad name, type, "
                              "choices, range or default", table_name,
                              o->name);
            rc = CHARON_ECONFIG;
            continue;
        }
        for (p = options; p < o; p++)
            if (strcmp(p->name, o->name) == 0)
                break;
        if (p < o) {
            config_errors_add(errs, "%s: option \"%s\" is listed twice",
                              table_name, o->name);
            rc = CHARON_ECONFIG;
        }
        if (o->dflt == NULL || o->type == CHARON_OPT_MAP)
            continue;
        memset(&field, 0, sizeof(field));
        r = config_table_parse(arena, o, o->dflt, &field, false, false,
                               &keyonly, what, sizeof(what));
        if (r == CHARON_ENOMEM) {
            rc = r;
            break;
        }
        if (r != CHARON_OK) {
            config_errors_add(errs, "%s: option \"%s\": default \"%s\": %s",
                              table_name, o->name, o->dflt, what);
            rc = CHARON_ECONFIG;
        }
    }
    config_table_arena_free(arena);
    return rc;
}
