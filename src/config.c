/*
 * config.c - loads charon.ini: [charon], [endpoints], [authorizer] and
 * the [profile NAME] overlays now; the plugins' sections on demand
 * (config_apply_plugin); and in the end, what nobody claimed is reported
 * (config_finish).  Nothing is printed: every message is collected.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <charon/err.h>

#include "config_ini.h"
#include "config_table.h"

#define CONFIG_NAME_MAX 64   /* longer names get no did-you-mean hint */

static const char *const config_core_sections[] = {
    "charon", "endpoints", "authorizer", NULL
};

/* "profile NAME" -> "NAME" ("" if unnamed); NULL if not a profile. */
static const char *
config_profile_name(const char *section)
{
    const char *p;

    if (strncmp(section, "profile", 7) != 0)
        return NULL;
    p = section + 7;
    if (*p != '\0' && !isspace((unsigned char)*p))
        return NULL;
    while (isspace((unsigned char)*p))
        p++;
    return p;
}

/* Edit distance ignoring case, or SIZE_MAX for names too long to bother. */
static size_t
config_distance(const char *a, size_t la, const char *b, size_t lb)
{
    size_t row[2][CONFIG_NAME_MAX + 1], i, j, best;

    if (la > CONFIG_NAME_MAX || lb > CONFIG_NAME_MAX)
        return SIZE_MAX;
    for (j = 0; j <= lb; j++)
        row[0][j] = j;
    for (i = 1; i <= la; i++) {
        row[i % 2][0] = i;
        for (j = 1; j <= lb; j++) {
            best = row[(i - 1) % 2][j - 1]
                   + (tolower((unsigned char)a[i - 1])
                      != tolower((unsigned char)b[j - 1]));
            if (row[(i - 1) % 2][j] + 1 < best)
                best = row[(i - 1) % 2][j] + 1;
            if (row[i % 2][j - 1] + 1 < best)
                best = row[i % 2][j - 1] + 1;
            row[i % 2][j] = best;
        }
    }
    return row[la % 2][lb];
}

static bool
config_listed(const char *const *list, const char *name)
{
    size_t i;

    for (i = 0; list != NULL && list[i] != NULL; i++)
        if (strcmp(list[i], name) == 0)
            return true;
    return false;
}

/*
 * Improves *best (distance, <= 2 to count) with the options of a table
 * (limited to only, if not NULL); for a MAP key "prefix.id" the prefix
 * is compared and the id kept in the hint written to buf.
 */
static void
config_suggest(const struct charon_option *options, const char *const *only,
               const char *key, size_t *best, char *buf, size_t len)
{
    const struct charon_option *o;
    const char *dot = strchr(key, '.');
    bool map;
    size_t d;

    for (o = options; o != NULL && o->name != NULL; o++) {
        if (only != NULL && !config_listed(only, o->name))
            continue;
        map = o->type == CHARON_OPT_MAP && dot != NULL;
        d = config_distance(key, map ? (size_t)(dot - key) + 1 : strlen(key),
                            o->name, strlen(o->name));
        if (d <= 2 && d < *best && strcmp(key, o->name) != 0) {
            *best = d;
            snprintf(buf, len, "%s%s", o->name, map ? dot + 1 : "");
        }
    }
}

/* Reports the entries of sec no table consumed; marks them reported. */
static void
config_unknown_keys(struct config_doc *doc, struct config_section *sec,
                    struct config_errors *errs)
{
    struct config_where w = { doc->file, 0, sec->name, NULL, NULL, false };
    char hint[CONFIG_NAME_MAX * 2 + 8];
    struct config_entry *e;
    size_t i, best;

    for (i = 0; i < doc->nentries; i++) {
        e = &doc->entries[i];
        if (e->used || &doc->sections[e->section_index] != sec)
            continue;
        e->used = true;
        best = SIZE_MAX;
        if (config_profile_name(sec->name) != NULL) {
            config_suggest(config_charon_options, config_profile_keys,
                           e->key, &best, hint, sizeof(hint));
            config_suggest(config_authorizer_options, NULL, e->key, &best,
                           hint, sizeof(hint));
        } else {
            config_suggest(sec->options, NULL, e->key, &best, hint,
                           sizeof(hint));
        }
        w.line = e->line;
        if (best != SIZE_MAX)
            config_errors_at(errs, &w, "unknown key \"%s\" (did you mean "
                             "\"%s\"?)", e->key, hint);
        else
            config_errors_at(errs, &w, "unknown key \"%s\"", e->key);
    }
}

/* Claims a section of the core: marks it used, with its table. */
static void
config_claim(struct config_doc *doc, const char *name,
             const struct charon_option *options)
{
    struct config_section *sec = config_ini_section(doc, name);

    if (sec != NULL) {
        sec->used = true;
        sec->options = options;
    }
}

static int
config_load_core(struct config *cfg, const struct config_table_ctx *ctx)
{
    static const char *const charon[] = { "charon", NULL };
    static const char *const endpoints[] = { "endpoints", NULL };
    static const char *const authz[] = { "authorizer", NULL };
    struct config_doc *doc = cfg->doc;

    if (config_table_apply(ctx, charon, config_charon_options,
                           &cfg->charon) == CHARON_ENOMEM
        || config_table_apply(ctx, endpoints, config_endpoints_options,
                              &cfg->endpoints) == CHARON_ENOMEM
        || config_table_apply(ctx, authz, config_authorizer_options,
                              &cfg->authz) == CHARON_ENOMEM)
        return CHARON_ENOMEM;
    config_charon_check(doc, "charon", &cfg->charon, false, ctx->errs);
    config_charon_check_endpoints(doc, "endpoints", ctx->errs);
    config_charon_check_authorizer(doc, "authorizer", ctx->errs);
    config_claim(doc, "charon", config_charon_options);
    config_claim(doc, "endpoints", config_endpoints_options);
    config_claim(doc, "authorizer", config_authorizer_options);
    return CHARON_OK;
}

/* The line of the first [profile NAME] section. */
static int
config_profile_line(const struct config_doc *doc, const char *name)
{
    const char *n;
    size_t i;

    for (i = 0; i < doc->nsections; i++) {
        n = config_profile_name(doc->sections[i].name);
        if (n != NULL && strcmp(n, name) == 0)
            return doc->sections[i].line;
    }
    return 0;
}

/* A profile section already reported as a whole: its keys say no more. */
static void
config_profile_reject(struct config_doc *doc, const struct config_section *sec)
{
    size_t i;

    for (i = 0; i < doc->nentries; i++)
        if (&doc->sections[doc->entries[i].section_index] == sec)
            doc->entries[i].used = true;
}

/* One [profile NAME]: the base [charon]/[authorizer] with its keys. */
static int
config_load_profile(struct config *cfg, const struct config_table_ctx *ctx,
                    struct config_section *sec, const char *name)
{
    struct config_profile *p = &cfg->profiles[cfg->nprofiles];
    struct config_doc *doc = cfg->doc;
    struct config_where w = { doc->file, sec->line, sec->name, NULL, NULL,
                              false };
    struct config_entry *e;
    size_t i;

    sec->used = true;
    if (name[0] == '\0') {
        config_errors_at(ctx->errs, &w, "missing the profile name "
                         "(e.g. [profile shop])");
        config_profile_reject(doc, sec);
        return CHARON_OK;
    }
    for (i = 0; i < cfg->nprofiles; i++) {
        if (strcmp(cfg->profiles[i].name, name) == 0) {
            w.section = NULL;
            config_errors_at(ctx->errs, &w, "duplicate section [%s]; first "
                             "at line %d", sec->name,
                             config_profile_line(doc, name));
            config_profile_reject(doc, sec);
            return CHARON_OK;
        }
    }
    p->name = name;
    p->charon = cfg->charon;
    p->authz = cfg->authz;
    if (config_table_overlay(ctx, sec->name, config_charon_options,
                             &p->charon, config_profile_keys) == CHARON_ENOMEM
        || config_table_overlay(ctx, sec->name, config_authorizer_options,
                                &p->authz, NULL) == CHARON_ENOMEM)
        return CHARON_ENOMEM;
    config_charon_check(doc, sec->name, &p->charon, true, ctx->errs);
    config_charon_check_authorizer(doc, sec->name, ctx->errs);
    for (i = 0; i < doc->nentries; i++) {
        e = &doc->entries[i];
        if (e->used || &doc->sections[e->section_index] != sec
            || config_table_find(config_charon_options, e->key) == NULL)
            continue;
        e->used = true;
        w.line = e->line;
        w.key = e->key;
        config_errors_at(ctx->errs, &w, "cannot be set per profile; set it "
                         "in [charon]");
    }
    cfg->nprofiles++;
    return CHARON_OK;
}

static int
config_load_doc(struct config_doc *doc, struct config **out,
                struct config_errors *errs, size_t nerrs)
{
    struct config_table_ctx ctx;
    struct config_section *sec;
    struct config *cfg;
    const char *name;
    size_t i, n = 0;
    int rc;

    cfg = calloc(1, sizeof(*cfg));
    if (cfg == NULL) {
        config_ini_free(doc);
        return CHARON_ENOMEM;
    }
    cfg->doc = doc;
    cfg->file = doc->file;
    cfg->arena = config_table_arena_new();
    if (cfg->arena == NULL) {
        rc = CHARON_ENOMEM;
        goto out;
    }
    ctx.doc = doc;
    ctx.arena = cfg->arena;
    ctx.errs = errs;
    ctx.warnings = &doc->warnings;
    rc = config_load_core(cfg, &ctx);
    if (rc != CHARON_OK)
        goto out;
    for (i = 0; i < doc->nsections; i++)
        if (config_profile_name(doc->sections[i].name) != NULL)
            n++;
    cfg->profiles = config_table_alloc(cfg->arena,
                                       n * sizeof(*cfg->profiles));
    if (cfg->profiles == NULL) {
        rc = CHARON_ENOMEM;
        goto out;
    }
    for (i = 0; i < doc->nsections; i++) {
        sec = &doc->sections[i];
        name = config_profile_name(sec->name);
        if (name == NULL)
            continue;
        rc = config_load_profile(cfg, &ctx, sec, name);
        if (rc != CHARON_OK)
            goto out;
    }
    /* Unknown keys of the core's sections belong to this run's report. */
    for (i = 0; i < doc->nsections; i++) {
        sec = &doc->sections[i];
        if (config_listed(config_core_sections, sec->name)
            || config_profile_name(sec->name) != NULL)
            config_unknown_keys(doc, sec, errs);
    }
    rc = CHARON_OK;
    if (errs->n > nerrs) {
        config_errors_sort(errs);
        rc = CHARON_ECONFIG;
    }
out:
    if (rc == CHARON_OK) {
        *out = cfg;
        return rc;
    }
    config_free(cfg);
    return rc;
}

int
config_load_file(const char *path, struct config **out,
                 struct config_errors *errs)
{
    struct config_doc *doc;
    size_t nerrs = errs->n;
    int rc;

    *out = NULL;
    rc = config_ini_parse_file(path, &doc, errs);
    if (rc != CHARON_OK)
        return rc;
    return config_load_doc(doc, out, errs, nerrs);
}

int
config_load_string(const char *name, const char *text, struct config **out,
                   struct config_errors *errs)
{
    struct config_doc *doc;
    size_t nerrs = errs->n;
    int rc;

    *out = NULL;
    rc = config_ini_parse_string(name, text, &doc, errs);
    if (rc != CHARON_OK)
        return rc;
    return config_load_doc(doc, out, errs, nerrs);
}

int
config_apply_plugin(struct config *cfg, const char *section,
                    const struct charon_option *options, size_t config_size,
                    void **out, struct config_errors *errs)
{
    const char *const sections[] = { section, NULL };
    struct config_table_ctx ctx = { cfg->doc, cfg->arena, errs,
                                    &cfg->doc->warnings };
    size_t nerrs = errs->n;
    void *base;
    int rc;

    *out = NULL;
    base = config_table_alloc(cfg->arena, config_size);
    if (base == NULL)
        return CHARON_ENOMEM;
    rc = config_table_apply(&ctx, sections, options, base);
    config_claim(cfg->doc, section, options);
    if (rc == CHARON_ENOMEM)
        return rc;
    if (errs->n > nerrs) {
        config_errors_sort(errs);
        return CHARON_ECONFIG;
    }
    *out = base;
    return CHARON_OK;
}

/* Why an installed plugin's section is not read, for the warning. */
static void
config_unused_reason(const struct config *cfg, const char *name,
                     char *buf, size_t len)
{
    const char *key = NULL, *value = NULL;

    if (strncmp(name, "store_", 6) == 0) {
        key = "session_store";
        value = cfg->charon.session_store;
    } else if (strncmp(name, "token_", 6) == 0) {
        key = "token_factory";
        value = cfg->charon.token_factory;
    } else if (strncmp(name, "cred_", 5) == 0) {
        key = "credentials";
        value = cfg->endpoints.credentials;
    }
    if (key == NULL)
        snprintf(buf, len, "no loaded plugin reads it");
    else if (value == NULL || value[0] == '\0')
        snprintf(buf, len, "%s is not set", key);
    else
        snprintf(buf, len, "%s = %s", key, value);
}

/* A hint for a misspelt section: a core section or an ignorable one. */
static bool
config_section_hint(const char *name, const char *const *ignorable,
                    char *buf, size_t len)
{
    const char *const *lists[] = { config_core_sections, ignorable };
    size_t i, j, d, best = 3;

    for (i = 0; i < 2; i++) {
        for (j = 0; lists[i] != NULL && lists[i][j] != NULL; j++) {
            d = config_distance(name, strlen(name), lists[i][j],
                                strlen(lists[i][j]));
            if (d < best) {
                best = d;
                snprintf(buf, len, "%s", lists[i][j]);
            }
        }
    }
    return best <= 2;
}

int
config_finish(struct config *cfg, const char *const *ignorable,
              struct config_errors *errs, struct config_errors *warnings)
{
    struct config_doc *doc = cfg->doc;
    struct config_where w = { doc->file, 0, NULL, NULL, NULL, false };
    struct config_section *sec;
    char why[CONFIG_NAME_MAX * 4];
    size_t i, nerrs = errs->n;

    for (i = 0; i < doc->nsections; i++) {
        sec = &doc->sections[i];
        w.line = sec->line;
        if (sec->used)
            config_unknown_keys(doc, sec, errs);
        else if (config_listed(ignorable, sec->name)) {
            config_unused_reason(cfg, sec->name, why, sizeof(why));
            config_errors_at(warnings, &w, "section [%s] is not used (%s)",
                             sec->name, why);
        } else if (config_section_hint(sec->name, ignorable, why,
                                       sizeof(why)))
            config_errors_at(errs, &w, "unknown section [%s] (did you mean "
                             "[%s]?)", sec->name, why);
        else
            config_errors_at(errs, &w, "unknown section [%s]", sec->name);
    }
    for (i = 0; i < doc->warnings.n; i++)
        config_errors_add(warnings, "%s", doc->warnings.lines[i]);
    config_errors_free(&doc->warnings);
    config_errors_sort(errs);
    config_errors_sort(warnings);
    return errs->n > nerrs ? CHARON_ECONFIG : CHARON_OK;
}

int
config_key_line(const struct config *cfg, const char *section,
                const char *key)
{
    return config_ini_key_line(cfg->doc, section, key);
}

const struct config_profile *
config_profile_find(const struct config *cfg, const char *name)
{
    size_t i;

    for (i = 0; i < cfg->nprofiles; i++)
        if (strcmp(cfg->profiles[i].name, name) == 0)
            return &cfg->profiles[i];
    return NULL;
}

void
config_free(struct config *cfg)
{
    if (cfg == NULL)
        return;
    config_table_arena_free(cfg->arena);
    config_ini_free(cfg->doc);
    free(cfg);
}
