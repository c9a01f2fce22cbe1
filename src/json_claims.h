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

/* Members are indexed in the struct up to JSON_CLAIMS_INLINE, then in a
 * heap array the struct keeps for the next parse.  The limit is above
 * what the longest token can hold (a 65536-byte token carries at most
 * 49152 bytes of payload, 5 of which make the smallest member), so no
 * signed token is refused for its number of claims. */
#define JSON_CLAIMS_INLINE 64
#define JSON_CLAIMS_MAX_MEMBERS 16384
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

/* Zero it (or use JSON_CLAIMS_INIT) before the first parse; it may be
 * parsed into again and again; json_claims_free when done. */
struct json_claims {
    struct json_claims_member *m;   /* n members: inline_m or the heap */
    size_t n;
    size_t cap;                     /* heap members, when m is not inline_m */
    struct json_claims_member inline_m[JSON_CLAIMS_INLINE];
};

#define JSON_CLAIMS_INIT { NULL, 0, 0, { { NULL, 0, 0, { 0, NULL, 0 } } } }

/* Parses text (len bytes; it need not be NUL-terminated).  0; -1 if it
 * is not exactly one JSON object, nests deeper than JSON_CLAIMS_MAX_DEPTH,
 * has more than JSON_CLAIMS_MAX_MEMBERS members or a repeated name; -2
 * if the member index could not grow (out of memory). */
int json_claims_parse(const char *text, size_t len, struct json_claims *out);

/* Frees the heap index, if any; out is then as if zeroed.  NULL-safe. */
void json_claims_free(struct json_claims *c);

/* The member called name, or NULL. */
const struct json_claims_value *json_claims_get(const struct json_claims *c,
                                                const char *name);

/* An integer number (a fraction is cut, as a time claim may be 1.5e9);
 * -1 if v is not a number or outside ±1e15. */
int json_claims_int(const struct json_claims_value *v, int64_t *out);

/*
 * The digits of an integer of any size (a bigint or Snowflake user id
 * such as 9007199254740993 is kept exactly, never read through a
 * double), NUL-terminated in buf: "-0" is written "0", as JSON readers
 * that keep integers exact (Elixir's Jason) read it.  Returns the
 * length, or -1 if v is not a number without fraction and exponent or
 * does not fit in cap - 1 bytes.
 */
int json_claims_integer_text(const struct json_claims_value *v, char *buf,
                             size_t cap);

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
