/*
 * redis_reply.c - the replies store_redis accepts, and nothing else.
 *
 * The library (redis_lua.c) answers get with nil or {blob, lock}, get_all
 * with {blob, lock, blob, lock, ...}, upsert with 1, 0 or -1, delete and
 * delete_all with 1; blobs and locks are what HGET gives, strings.  Any
 * other shape did not come from that code: another library under its
 * name, a proxy, a desynchronised stream.  Its meaning is unknown, so it
 * is refused whole (CHARON_EIO), before anything is handed on; "success"
 * is never guessed from a reply that merely looks truthy.  The values
 * inside a right shape are Redis' data and may be damaged like any
 * stored record: a lock_version that is not a number makes that one
 * record absent, as a blob that does not verify does in the core.
 */
#include "redis_reply.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses a stored lock_version: 0, or -1 if r is no decimal uint64. */
static int
redis_reply_lock(const redisReply *r, uint64_t *lock)
{
    char buf[24];
    char *end;
    unsigned long long v;

    if (r->type != REDIS_REPLY_STRING || r->len == 0
        || r->len >= sizeof(buf))
        return -1;
    memcpy(buf, r->str, r->len);
    buf[r->len] = '\0';
    if (buf[0] < '0' || buf[0] > '9')
        return -1;
    errno = 0;
    v = strtoull(buf, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *lock = (uint64_t)v;
    return 0;
}

/* Copies at most 60 bytes of len bytes of s, non-printable as '?'. */
static void
redis_reply_text(char *dst, size_t cap, const char *s, size_t len)
{
    size_t i, n = len < 60 ? len : 60;

    if (cap == 0)
        return;
    if (n > cap - 1)
        n = cap - 1;
    for (i = 0; i < n; i++)
        dst[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
    dst[n] = '\0';
}

void
redis_reply_describe(const redisReply *r, char *buf, size_t cap)
{
    char text[64];

    switch (r->type) {
    case REDIS_REPLY_STRING:
        snprintf(buf, cap, "a string of %zu bytes", r->len);
        break;
    case REDIS_REPLY_ARRAY:
        snprintf(buf, cap, "an array of %zu elements", r->elements);
        break;
    case REDIS_REPLY_INTEGER:
        snprintf(buf, cap, "the integer %lld", r->integer);
        break;
    case REDIS_REPLY_NIL:
        snprintf(buf, cap, "nil");
        break;
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
        redis_reply_text(text, sizeof(text), r->str, r->len);
        snprintf(buf, cap, "the %s \"%s\"", r->type == REDIS_REPLY_STATUS
                 ? "status" : "error", text);
        break;
    default:
        snprintf(buf, cap, "a reply of type %d", r->type);
        break;
    }
}

/* CHARON_EIO: "unexpected reply to OP: <what r is> (expected WANT)";
 * for an array, also its first element that is no string. */
static int
redis_reply_unexpected(const redisReply *r, const char *op, const char *want,
                       struct charon_err *err)
{
    char what[96], elem[96];
    size_t i;

    redis_reply_describe(r, what, sizeof(what));
    for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++)
        if (r->element[i] != NULL
            && r->element[i]->type != REDIS_REPLY_STRING) {
            redis_reply_describe(r->element[i], elem, sizeof(elem));
            return charon_err_set(err, CHARON_EIO, "unexpected reply to %s: "
                                  "%s, element %zu being %s (expected %s)",
                                  op, what, i, elem, want);
        }
    return charon_err_set(err, CHARON_EIO, "unexpected reply to %s: %s "
                          "(expected %s)", op, what, want);
}

/* 1 if r is an array of n strings (any n when n == 0). */
static int
redis_reply_strings(const redisReply *r, size_t n)
{
    size_t i;

    if (r->type != REDIS_REPLY_ARRAY || (n != 0 && r->elements != n))
        return 0;
    for (i = 0; i < r->elements; i++)
        if (r->element[i] == NULL
            || r->element[i]->type != REDIS_REPLY_STRING)
            return 0;
    return 1;
}

int
redis_reply_get(const redisReply *r, struct charon_buf *out,
                uint64_t *lock_version, size_t *ignored,
                struct charon_err *err)
{
    uint64_t lock;

    *ignored = 0;
    if (r->type == REDIS_REPLY_NIL)
        return charon_err_set(err, CHARON_ENOTFOUND, "no such session");
    if (!redis_reply_strings(r, 2))
        return redis_reply_unexpected(r, "get", "nil or an array of a blob "
                                      "and a lock_version", err);
    if (redis_reply_lock(r->element[1], &lock) != 0) {
        *ignored = 1;
        return charon_err_set(err, CHARON_ENOTFOUND, "no such session (the "
                              "stored lock_version is not a number)");
    }
    if (charon_buf_append(out, r->element[0]->str, r->element[0]->len)
        != CHARON_OK)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    *lock_version = lock;
    return CHARON_OK;
}

int
redis_reply_get_all(const redisReply *r, charon_store_each_fn each,
                    void *ctx, int *stopped, size_t *ignored,
                    struct charon_err *err)
{
    uint64_t lock;
    size_t i;
    int rv;

    *stopped = 0;
    *ignored = 0;
    if (!redis_reply_strings(r, 0) || r->elements % 2 != 0)
        return redis_reply_unexpected(r, "get_all", "an array of blob and "
                                      "lock_version strings, in pairs", err);
    for (i = 0; i < r->elements; i += 2) {
        if (redis_reply_lock(r->element[i + 1], &lock) != 0) {
            (*ignored)++;
            continue;
        }
        rv = each(ctx, r->element[i]->str, r->element[i]->len, lock);
        if (rv != 0) {
            *stopped = rv;
            break;
        }
    }
    return CHARON_OK;
}

int
redis_reply_upsert(const redisReply *r, uint64_t expect,
                   struct charon_err *err)
{
    if (r->type != REDIS_REPLY_INTEGER || r->integer < -1 || r->integer > 1)
        return redis_reply_unexpected(r, "upsert", "1, 0 or -1", err);
    if (r->integer == 1)
        return CHARON_OK;
    if (r->integer == 0)
        return charon_err_set(err, CHARON_ECONFLICT, expect == 0
                              ? "a live session has this id"
                              : "lock_version moved on");
    return charon_err_set(err, CHARON_ECONFLICT, "the session is gone "
                          "(deleted or expired)");
}

int
redis_reply_deleted(const redisReply *r, enum redis_op op,
                    struct charon_err *err)
{
    if (r->type != REDIS_REPLY_INTEGER || r->integer != 1)
        return redis_reply_unexpected(r, redis_lua_op_name(op), "1", err);
    return CHARON_OK;
}

int
redis_reply_pong(const redisReply *r, struct charon_err *err)
{
    if (r->type != REDIS_REPLY_STATUS || r->len != 4
        || memcmp(r->str, "PONG", 4) != 0)
        return redis_reply_unexpected(r, "PING", "PONG", err);
    return CHARON_OK;
}

int
redis_reply_ok(const redisReply *r)
{
    return r->type == REDIS_REPLY_STATUS && r->len == 2
           && memcmp(r->str, "OK", 2) == 0;
}

int
redis_reply_error_is(const redisReply *r, const char *prefix)
{
    size_t n = strlen(prefix);

    return r->type == REDIS_REPLY_ERROR && r->str != NULL && r->len >= n
           && memcmp(r->str, prefix, n) == 0;
}

int
redis_reply_loaded(const redisReply *r, const char *library)
{
    static const char exists[] = "' already exists";
    size_t n = strlen(library);

    if (r->type == REDIS_REPLY_STRING && r->len == n
        && memcmp(r->str, library, n) == 0)
        return 1;
    /* "ERR Library '<library>' already exists": this same code (the name
     * is its hash) is there already, from another thread or process. */
    if (redis_reply_error_is(r, "ERR Library '")
        && r->len == 13 + n + sizeof(exists) - 1
        && memcmp(r->str + 13, library, n) == 0
        && memcmp(r->str + 13 + n, exists, sizeof(exists) - 1) == 0)
        return 1;
    if (redis_reply_error_is(r, "READONLY"))
        return 1;
    if (redis_reply_error_is(r, "ERR unknown command")
        || redis_reply_error_is(r, "ERR unknown subcommand")
        || redis_reply_error_is(r, "NOPERM"))
        return 0;
    return -1;
}

int
redis_reply_script(const redisReply *r, const char *sha)
{
    size_t n = strlen(sha);

    return r->type == REDIS_REPLY_STRING && r->len == n
           && memcmp(r->str, sha, n) == 0;
}
