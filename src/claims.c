/* claims.c - claim_equals / claim_in / claim_has_all / claim_has_any. */
#include "claims.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
claims_free_values(char **values, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(values[i]);
    free(values);
}

/* Splits value on ASCII white space into a new array of strings. */
static int
claims_split(const char *value, char ***out, size_t *out_n)
{
    const char *p = value, *start;
    char **v = NULL, **grown;
    size_t n = 0;

    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            break;
        start = p;
        while (*p != '\0' && *p != ' ' && *p != '\t')
            p++;
        grown = realloc(v, (n + 1) * sizeof(*v));
        if (grown == NULL)
            goto nomem;
        v = grown;
        v[n] = strndup(start, (size_t)(p - start));
        if (v[n] == NULL)
            goto nomem;
        n++;
    }
    *out = v;
    *out_n = n;
    return CHARON_OK;
nomem:
    claims_free_values(v, n);
    return CHARON_ENOMEM;
}

static int
claims_add_map(struct claim_rules *r, const struct charon_opt_map *map,
               int kind, int whole_value, struct charon_err *err)
{
    size_t i;
    struct claim_rule *rule;

    for (i = 0; i < map->count; i++) {
        rule = &r->rules[r->n];
        rule->kind = kind;
        rule->claim = map->entries[i].id;
        if (whole_value) {
            rule->values = malloc(sizeof(char *));
            if (rule->values == NULL ||
                (rule->values[0] = strdup(map->entries[i].value)) == NULL) {
                free(rule->values);
                return charon_err_set(err, CHARON_ENOMEM, "out of memory");
            }
            rule->nvalues = 1;
        } else if (claims_split(map->entries[i].value, &rule->values,
                                &rule->nvalues) != CHARON_OK) {
            return charon_err_set(err, CHARON_ENOMEM, "out of memory");
        }
        r->n++;
    }
    return CHARON_OK;
}

static int
claims_cmp_rule(const void *a, const void *b)
{
    const struct claim_rule *ra = a, *rb = b;

    return strcmp(ra->claim, rb->claim);
}

int
claims_compile(const struct authorizer_section *a, struct claim_rules *out,
               struct charon_err *err)
{
    struct claim_rules r = { NULL, 0 };
    size_t total, ordered;
    int rc;

    total = a->claim_equals.count + a->claim_in.count +
            a->claim_has_all.count + a->claim_has_any.count;
    if (total > 0) {
        r.rules = calloc(total, sizeof(*r.rules));
        if (r.rules == NULL)
            return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    }
    rc = claims_add_map(&r, &a->claim_equals, CLAIM_EQUALS, 1, err);
    if (rc == CHARON_OK)
        rc = claims_add_map(&r, &a->claim_in, CLAIM_IN, 0, err);
    ordered = r.n;
    if (rc == CHARON_OK)
        rc = claims_add_map(&r, &a->claim_has_all, CLAIM_HAS_ALL, 0, err);
    if (rc == CHARON_OK)
        rc = claims_add_map(&r, &a->claim_has_any, CLAIM_HAS_ANY, 0, err);
    if (rc != CHARON_OK) {
        claims_free(&r);
        return rc;
    }
    /* OrdsetClaimHas walks its claims in sorted order (a stable sort is
     * not needed: has_all and has_any of one claim are distinct rules). */
    if (r.n > ordered)
        qsort(r.rules + ordered, r.n - ordered, sizeof(*r.rules),
              claims_cmp_rule);
    *out = r;
    return CHARON_OK;
}

void
claims_free(struct claim_rules *r)
{
    size_t i;

    for (i = 0; i < r->n; i++)
        claims_free_values(r->rules[i].values, r->rules[i].nvalues);
    free(r->rules);
    r->rules = NULL;
    r->n = 0;
}

static int
claims_value_in(const char *text, char *const *values, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(text, values[i]) == 0)
            return 1;
    return 0;
}

/* Does the token's list claim hold expected?  Arrays compare element
 * texts; a string is split on spaces (OAuth "scope"). */
static int
claims_list_has(const struct json_claims_value *v, const char *expected)
{
    struct json_claims_value elem;
    char text[CLAIMS_TEXT_MAX];
    const char *p, *end;
    size_t pos = 0, len = strlen(expected);

    if (v->type == JSON_CLAIMS_ARRAY) {
        while (json_claims_array_next(v, &pos, &elem))
            if (json_claims_text(&elem, text, sizeof(text)) >= 0 &&
                strcmp(text, expected) == 0)
                return 1;
        return 0;
    }
    if (json_claims_text(v, text, sizeof(text)) < 0)
        return 0;
    for (p = text; *p != '\0'; p = end) {
        while (*p == ' ')
            p++;
        end = p;
        while (*end != '\0' && *end != ' ')
            end++;
        if ((size_t)(end - p) == len && memcmp(p, expected, len) == 0)
            return 1;
    }
    return 0;
}

static int
claims_check_one(const struct claim_rule *rule,
                 const struct json_claims_value *v)
{
    char text[CLAIMS_TEXT_MAX];
    size_t i, hits = 0;

    switch (rule->kind) {
    case CLAIM_EQUALS:
    case CLAIM_IN:
        return json_claims_text(v, text, sizeof(text)) >= 0 &&
               claims_value_in(text, rule->values, rule->nvalues);
    default:
        if (v->type != JSON_CLAIMS_ARRAY && v->type != JSON_CLAIMS_STRING)
            return 0;
        for (i = 0; i < rule->nvalues; i++)
            hits += (size_t)claims_list_has(v, rule->values[i]);
        if (rule->kind == CLAIM_HAS_ALL)
            return hits == rule->nvalues;
        return hits > 0 || rule->nvalues == 0;
    }
}

int
claims_check(const struct claim_rules *r, const struct json_claims *payload,
             char *reason, size_t reason_len)
{
    const struct claim_rule *rule;
    const struct json_claims_value *v;
    int failed = 0;
    size_t i;

    for (i = 0; i < r->n; i++) {
        rule = &r->rules[i];
        v = json_claims_get(payload, rule->claim);
        if (v == NULL) {
            snprintf(reason, reason_len, "bearer token claim %s not found",
                     rule->claim);
            failed = 1;
        } else if (!claims_check_one(rule, v)) {
            snprintf(reason, reason_len, "bearer token claim %s invalid",
                     rule->claim);
            failed = 1;
        } else {
            continue;
        }
        /* equals/in stop at the first error; has_* go on (Charon). */
        if (rule->kind == CLAIM_EQUALS || rule->kind == CLAIM_IN)
            return CHARON_ETOKEN;
    }
    return failed ? CHARON_ETOKEN : CHARON_OK;
}
