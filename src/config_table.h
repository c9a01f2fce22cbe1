/*
 * config_table.h - the one engine that turns [section]s into structs,
 * driven by a const struct charon_option[] table (charon/option.h).
 *
 * Used for the core's own sections (config_charon.c) and for every
 * plugin's section.  Messages follow docs/HACKING.md §6:
 *     FILE:LINE: [section] key = "value": what is wrong
 *     FILE:LINE: [section] key: what is wrong
 *     FILE: [section] key: missing (required)
 *
 * Table conventions beyond option.h:
 * - UINT with max == 0 has no upper bound; SECONDS with max == 0 has no
 *   upper bound and also accepts "infinite" (stored as -1).
 * - An empty PATH value means "no file" (NULL), an error if REQUIRED.
 * - A REQUIRED option whose help text holds "(e.g. ...)" shows that
 *   example in its "missing" message.
 * - A LIST key may repeat in a section (and continue on indented
 *   lines): the words append.  Any other key may appear once per section.
 * - MAP entries of a later section replace those with the same id.
 */
#ifndef CHARON_CONFIG_TABLE_H
#define CHARON_CONFIG_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include <charon/option.h>

#include "config_errors.h"
#include "config_ini.h"

/* Owns every allocation made for the structs the engine fills. */
struct config_arena;

struct config_arena *config_table_arena_new(void);
/* size zeroed bytes owned by the arena, or NULL. */
void *config_table_alloc(struct config_arena *arena, size_t size);
char *config_table_strdup(struct config_arena *arena, const char *s);
void config_table_arena_free(struct config_arena *arena);

/* What one apply/overlay call works with. */
struct config_table_ctx {
    struct config_doc *doc;          /* entries are marked used          */
    struct config_arena *arena;
    struct config_errors *errs;
    struct config_errors *warnings;  /* DEPRECATED keys; NULL: dropped   */
};

/*
 * Fills base (zeroed by the caller) for an option table: defaults, then
 * the entries of sections[] (NULL-terminated; later sections override
 * earlier ones; a bad value leaves the default in place); then REQUIRED
 * is checked.  Messages name sections[0] for missing keys.  Returns
 * CHARON_OK, CHARON_ECONFIG (messages added) or CHARON_ENOMEM.
 */
int config_table_apply(const struct config_table_ctx *ctx,
                       const char *const *sections,
                       const struct charon_option *options, void *base);

/*
 * Applies the entries of one [section] on top of an already filled base,
 * without defaults or REQUIRED checks.  When only is not NULL, just the
 * options named there (NULL-terminated) are applied.
 */
int config_table_overlay(const struct config_table_ctx *ctx,
                         const char *section,
                         const struct charon_option *options, void *base,
                         const char *const *only);

/* The option that key belongs to (plain name, or MAP prefix plus id). */
const struct charon_option *config_table_find(
    const struct charon_option *options, const char *key);

/*
 * Checks a table itself: names, types, MAP names ending in '.', ENUM
 * choices, ranges and that every default parses.  For tests and the
 * plugin loader; table_name prefixes the messages.
 */
int config_table_check_table(const char *table_name,
                             const struct charon_option *options,
                             struct config_errors *errs);

#endif /* CHARON_CONFIG_TABLE_H */
