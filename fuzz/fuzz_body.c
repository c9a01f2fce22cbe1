/*
 * fuzz_body.c - body_parse over hostile login bodies.  The input's first
 * byte picks the Content-Type (0: JSON, 1: form, 2: none, other: a
 * parameterised JSON type); the rest is the body.  A parsed body must be
 * an object whose string members read back as C strings of their full
 * length (no NUL inside).  A JSON body body_parse takes, json-c's own
 * parser (safe when no allocation fails, as here) must read into the
 * same tree: the same types, numbers, bytes and member order (unless
 * it holds an escape json-c decodes wrongly, fuzz_jsonc_bug).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fuzz_types[] = {
    "application/json", "application/x-www-form-urlencoded", NULL,
    "Application/JSON; charset=utf-8"
};

/* json-c's reading of text, the way body.c read it before: strict, and
 * one level deeper (json-c counts a value inside the 16th object or
 * array as a 17th level, body.c does not). */
static json_object *
fuzz_jsonc(const char *text, size_t len)
{
    struct json_tokener *tok = json_tokener_new_ex(17);
    json_object *obj;

    if (tok == NULL)
        abort();
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    obj = json_tokener_parse_ex(tok, text, (int)len);
    json_tokener_free(tok);
    return obj;
}

/*
 * Does text escape a high surrogate that json-c 0.16 decodes wrongly?
 * It turns a pair whose code point is U+xD800..U+xDFFF of a supplementary
 * plane ("\ud836\ude00", U+1DA00) into U+FFFD, as if it were a lone
 * surrogate (it masks the code point with 0xF800), and two such names
 * into one; body.c decodes the pair.  Those are the high surrogates with
 * (hi & 0x3E) == 0x36.  (An escaped backslash before "u" counts too: only
 * the comparison is skipped.)
 */
static int
fuzz_jsonc_bug(const char *text, size_t len)
{
    const char *p = text, *end = text + len;
    unsigned long hi;
    char hex[5], *stop;

    while ((p = memchr(p, '\\', (size_t)(end - p))) != NULL) {
        if (end - p >= 6 && p[1] == 'u') {
            memcpy(hex, p + 2, 4);
            hex[4] = '\0';
            hi = strtoul(hex, &stop, 16);
            if (*stop == '\0' && (hi & 0xfc00) == 0xd800 &&
                (hi & 0x3e) == 0x36)
                return 1;
        }
        p++;
    }
    return 0;
}

/* Our reader keeps an integer beyond 64 bits digit for digit, as a
 * double holding its text; json-c clamps it to an int.  Both read the
 * same input, so that pair counts as the same value. */
static int
fuzz_bigint(json_object *jsonc, json_object *ours)
{
    const char *t;
    size_t neg;

    if (!json_object_is_type(jsonc, json_type_int) ||
        !json_object_is_type(ours, json_type_double))
        return 0;
    t = json_object_to_json_string(ours);
    neg = t[0] == '-';
    if (t[neg] == '\0' || strspn(t + neg, "0123456789") != strlen(t + neg))
        return 0;
    errno = 0;
    if (neg)
        (void)strtoll(t, NULL, 10);
    else
        (void)strtoull(t, NULL, 10);
    return errno == ERANGE;
}

static int
fuzz_same(json_object *a, json_object *b)
{
    struct json_object_iterator ia, ib, ea, eb;
    double da, db;
    size_t i, n;

    if (fuzz_bigint(a, b))
        return 1;
    if (json_object_get_type(a) != json_object_get_type(b))
        return 0;
    switch (json_object_get_type(a)) {
    case json_type_null:
        return 1;
    case json_type_boolean:
        return json_object_get_boolean(a) == json_object_get_boolean(b);
    case json_type_int:
        return json_object_get_int64(a) == json_object_get_int64(b) &&
               json_object_get_uint64(a) == json_object_get_uint64(b);
    case json_type_double:
        /* (1e999 is inf in both: compare the bits) */
        da = json_object_get_double(a);
        db = json_object_get_double(b);
        return memcmp(&da, &db, sizeof(da)) == 0 &&
               strcmp(json_object_to_json_string(a),
                      json_object_to_json_string(b)) == 0;
    case json_type_string:
        return json_object_get_string_len(a) ==
                   json_object_get_string_len(b) &&
               memcmp(json_object_get_string(a), json_object_get_string(b),
                      (size_t)json_object_get_string_len(a)) == 0;
    case json_type_array:
        n = json_object_array_length(a);
        if (n != json_object_array_length(b))
            return 0;
        for (i = 0; i < n; i++)
            if (!fuzz_same(json_object_array_get_idx(a, i),
                           json_object_array_get_idx(b, i)))
                return 0;
        return 1;
    case json_type_object:
        if (json_object_object_length(a) != json_object_object_length(b))
            return 0;
        ia = json_object_iter_begin(a);
        ib = json_object_iter_begin(b);
        ea = json_object_iter_end(a);
        eb = json_object_iter_end(b);
        while (!json_object_iter_equal(&ia, &ea) &&
               !json_object_iter_equal(&ib, &eb)) {
            if (strcmp(json_object_iter_peek_name(&ia),
                       json_object_iter_peek_name(&ib)) != 0 ||
                !fuzz_same(json_object_iter_peek_value(&ia),
                           json_object_iter_peek_value(&ib)))
                return 0;
            json_object_iter_next(&ia);
            json_object_iter_next(&ib);
        }
        return 1;
    }
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {
        "username", "password", "token_transport", "user_id",
        "session_type", NULL
    };
    struct charon_err err;
    json_object *obj = NULL, *ref;
    const char *v;
    char *text;
    int i, rc;

    if (size == 0)
        return 0;
    text = malloc(size);
    if (text == NULL)
        abort();
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    charon_err_clear(&err);
    rc = body_parse(fuzz_types[data[0] & 3], text, size - 1, &obj, &err);
    if (rc == CHARON_OK) {
        if (obj == NULL || !json_object_is_type(obj, json_type_object))
            abort();
        for (i = 0; names[i] != NULL; i++) {
            v = body_string(obj, names[i]);
            if (v != NULL && strlen(v) > size)
                abort();
        }
        if (((data[0] & 3) == 0 || (data[0] & 3) == 3) &&
            !fuzz_jsonc_bug(text, size - 1)) {
            ref = fuzz_jsonc(text, size - 1);
            if (ref == NULL || !fuzz_same(ref, obj))
                abort();
            json_object_put(ref);
        }
        json_object_put(obj);
    } else if (obj != NULL || err.msg[0] == '\0') {
        abort();
    }
    free(text);
    return 0;
}
