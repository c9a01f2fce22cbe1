/*
 * fuzz_json_claims.c - json_claims_parse on arbitrary bytes, then every
 * accessor on every member: get by name, int, text into a small, a large
 * and an exact-size buffer, string_is, and a walk of every array (nested ones too).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_claims.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_SMALL 8

static void
fuzz_value(const struct json_claims_value *v, size_t cap, int depth)
{
    struct json_claims_value elem;
    char small[FUZZ_SMALL];
    char *large, *exact;
    int64_t n;
    size_t pos = 0, count = 0;
    int ns, nl;

    (void)json_claims_int(v, &n);
    large = malloc(cap);
    if (large == NULL)
        abort();
    ns = json_claims_text(v, small, sizeof(small));
    nl = json_claims_text(v, large, cap);
    if (ns >= 0) {
        /* What fits the small buffer fits the large one, identically. */
        if (ns >= FUZZ_SMALL || small[ns] != '\0' || strlen(small) !=
            (size_t)ns || nl != ns || memcmp(small, large, (size_t)ns) != 0)
            abort();
    }
    if (nl >= 0) {
        if ((size_t)nl >= cap || large[nl] != '\0' ||
            strlen(large) != (size_t)nl)
            abort();
        if (v->type == JSON_CLAIMS_STRING &&
            json_claims_string_is(v, large) != 1)
            abort();
        /* "-1 for a string longer than cap - 1": a buffer of exactly
         * nl + 1 bytes fits, one byte less does not. */
        exact = malloc((size_t)nl + 1);
        if (exact == NULL)
            abort();
        if (json_claims_text(v, exact, (size_t)nl + 1) != nl ||
            memcmp(exact, large, (size_t)nl + 1) != 0 ||
            json_claims_text(v, exact, (size_t)nl) != -1)
            abort();
        free(exact);
    } else if (v->type != JSON_CLAIMS_OBJECT &&
               v->type != JSON_CLAIMS_ARRAY &&
               v->type != JSON_CLAIMS_STRING) {
        /* A scalar other than a string always has a text (its raw
         * bytes, which are shorter than the input). */
        abort();
    }
    (void)json_claims_string_is(v, "");
    (void)json_claims_string_is(v, "HS256");
    while (json_claims_array_next(v, &pos, &elem) == 1) {
        if (elem.p < v->p || elem.p + elem.len > v->p + v->len ||
            ++count > v->len)
            abort();
        if (depth < JSON_CLAIMS_MAX_DEPTH + 2)
            fuzz_value(&elem, cap, depth + 1);
    }
    if (v->type != JSON_CLAIMS_ARRAY && count != 0)
        abort();
    free(large);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct json_claims *c;
    const struct json_claims_value *got;
    char *name;
    size_t i;

    c = calloc(1, sizeof(*c));
    if (c == NULL)
        abort();
    if (json_claims_parse((const char *)data, size, c) == 0) {
        if (c->n > JSON_CLAIMS_MAX_MEMBERS)
            abort();
        for (i = 0; i < c->n; i++) {
            const struct json_claims_member *m = &c->m[i];

            if (m->value.p < (const char *)data ||
                m->value.p + m->value.len > (const char *)data + size)
                abort();
            if (!m->name_escaped) {
                name = strndup(m->name, m->name_len);
                if (name == NULL)
                    abort();
                got = json_claims_get(c, name);
                /* Names are unique, so the lookup finds this member
                 * (unless the name holds a NUL, which JSON forbids). */
                if (strlen(name) == m->name_len && got != &m->value)
                    abort();
                free(name);
            }
            fuzz_value(&m->value, size + 1, 0);
        }
        (void)json_claims_get(c, "exp");
        (void)json_claims_get(c, "");
    }
    json_claims_free(c);
    free(c);
    return 0;
}
