/*
 * json_claims.h - a strict, allocation-free reader for a token payload: a
 * JSON object whose top-level members are indexed in place.
 *
 * The request path parses one payload per request; json-c allocates every
 * value and costs several times the HMAC, so this reader validates the
 * whole text (RFC 8259 grammar, nesting depth, no duplicate top-level
 * names) and keeps (name, value) spans into the caller's buffer, which
 * must outlive the struct.  Values are decoded on demand.
 */
#ifndef CHARON_JSON_CLAIMS_H
#define CHARON_JSON_CLAIMS_H

#include <stddef.h>
#include <stdint.h>

#define JSON_CLAIMS_MAX_MEMBERS 64
#define JSON_CLAIMS_MAX_DEPTH 16

enum json_claims_type {
    JSON_CLAIMS_STRING = 1,
    JSON_CLAIMS_NUMBER,
    JSON_CLAIMS_TRUE,
    JSON_CLAIMS_FALSE,
    JSON_CLAIMS_NULL,
    JSON_CLAIMS_OBJECT,
    JSON_CLAIMS_ARRAY
};

/* A value's raw JSON text (a string with its quotes). */
struct json_claims_value {
    int type;                 /* enum json_claims_type */
    const char *p;
    size_t len;
};

struct json_claims_member {
    const char *name;         /* raw, between the quotes */
    size_t name_len;
    int name_escaped;         /* the raw name holds a backslash */
    struct json_claims_value value;
};

struct json_claims {
    struct json_claims_member m[JSON_CLAIMS_MAX_MEMBERS];
    size_t n;
};

/* Parses text (len bytes; it need not be NUL-terminated).  0, or -1 if it
 * is not exactly one JSON object, nests deeper than JSON_CLAIMS_MAX_DEPTH,
 * has more than JSON_CLAIMS_MAX_MEMBERS members or a repeated name. */
int json_claims_parse(const char *text, size_t len, struct json_claims *out);

/* The member called name, or NULL. */
const struct json_claims_value *json_claims_get(const struct json_claims *c,
                                                const char *name);

/* An integer number (a fraction is cut, as a time claim may be 1.5e9);
 * -1 if v is not a number or outside ±1e15. */
int json_claims_int(const struct json_claims_value *v, int64_t *out);

/*
 * The text of a scalar: a string's decoded bytes, a number's digits, or
 * "true"/"false"/"null", written NUL-terminated into buf.  Returns the
 * length, or -1 for an array/object, a string longer than cap - 1 or
 * decoding to a NUL byte.
 */
int json_claims_text(const struct json_claims_value *v, char *buf,
                     size_t cap);

/* Does string v decode to exactly s? */
int json_claims_string_is(const struct json_claims_value *v, const char *s);

/* Walks an array: *pos starts at 0; returns 1 with the next element in
 * *elem, 0 at the end (or if v is not an array). */
int json_claims_array_next(const struct json_claims_value *v, size_t *pos,
                           struct json_claims_value *elem);

/*
 * For a reader that builds a tree of the whole text (a request body,
 * body.c); the token path does not use these.
 */

/* Validates text as exactly one JSON value of any type, white space
 * around it, nested at most JSON_CLAIMS_MAX_DEPTH deep; counting members
 * and elements and refusing repeated names are the caller's.  0 with the
 * value in *out, or -1. */
int json_claims_value_parse(const char *text, size_t len,
                            struct json_claims_value *out);

/* Walks an object's members (v from json_claims_value_parse, or found
 * inside one), as json_claims_array_next walks an array. */
int json_claims_object_next(const struct json_claims_value *v, size_t *pos,
                            struct json_claims_member *m);

/* The decoded name of m, NUL-terminated in buf: its length, or -1 if it
 * is longer than cap - 1 bytes or decodes to a NUL byte. */
int json_claims_name_text(const struct json_claims_member *m, char *buf,
                          size_t cap);

/* As json_claims_text for a string, but "\u0000" gives a NUL byte in buf
 * instead of -1, for a caller that keeps the length: the length, or -1
 * if v is not a string or does not fit in cap - 1 bytes.  The decoded
 * bytes are never more than the raw ones (v->len - 2). */
int json_claims_string_bytes(const struct json_claims_value *v, char *buf,
                             size_t cap);

#endif /* CHARON_JSON_CLAIMS_H */
