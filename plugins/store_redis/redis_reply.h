/*
 * redis_reply.h - what store_redis makes of Redis' replies: the reply each
 * operation of the library (redis_lua.c) and each step of the connect
 * handshake may give, and what it means.  No connection here, so that
 * fuzz/fuzz_redis_reply.c can hand these any reply at all.
 *
 * The operations' interpreters return what the store answers, or
 * CHARON_EIO when the reply is none the operation can give (err then
 * says what was wrong, in printable ASCII, without the reply's bytes
 * beyond a short error or status text): redis_conn.c drops the
 * connection on that and answers CHARON_EUNAVAIL.  They never keep a
 * pointer into the reply.
 */
#ifndef STORE_REDIS_REPLY_H
#define STORE_REDIS_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include <charon/buf.h>
#include <charon/err.h>
#include <charon/store.h>

#include "redis_lua.h"

/*
 * get: nil is CHARON_ENOTFOUND; an array of two strings appends the blob
 * to *out and sets *lock_version (CHARON_OK), unless the lock_version is
 * not a decimal uint64: then the record counts as absent (ENOTFOUND) and
 * *ignored is 1.  CHARON_ENOMEM; CHARON_EIO for anything else.  Nothing
 * is appended unless CHARON_OK.
 */
int redis_reply_get(const redisReply *r, struct charon_buf *out,
                    uint64_t *lock_version, size_t *ignored,
                    struct charon_err *err);

/*
 * get_all: an array of blob, lock_version pairs, all strings (else
 * CHARON_EIO, before any call of each).  each runs once per pair whose
 * lock_version is a decimal uint64; the others are counted in *ignored.
 * A non-zero return of each stops the walk and lands in *stopped; the
 * call is then still CHARON_OK (the reply was fine).
 */
int redis_reply_get_all(const redisReply *r, charon_store_each_fn each,
                        void *ctx, int *stopped, size_t *ignored,
                        struct charon_err *err);

/* upsert: the integer 1 is CHARON_OK, 0 and -1 are CHARON_ECONFLICT (a
 * live session has this id when expect is 0, else lock_version moved on;
 * the session is gone); anything else CHARON_EIO. */
int redis_reply_upsert(const redisReply *r, uint64_t expect,
                       struct charon_err *err);

/* delete and delete_all (op): the integer 1 is CHARON_OK, anything else
 * CHARON_EIO. */
int redis_reply_deleted(const redisReply *r, enum redis_op op,
                        struct charon_err *err);

/* PING: the status PONG is CHARON_OK, anything else CHARON_EIO. */
int redis_reply_pong(const redisReply *r, struct charon_err *err);

/* AUTH, SELECT: 1 for the status OK, else 0. */
int redis_reply_ok(const redisReply *r);

/* FUNCTION LOAD of library: 1 loaded (or was already, or a read-only
 * replica that has its primary's), 0 FUNCTION refused (unknown command,
 * no permission: use scripts), -1 anything else. */
int redis_reply_loaded(const redisReply *r, const char *library);

/* SCRIPT LOAD: 1 if it answered sha (the digest of our script), else 0. */
int redis_reply_script(const redisReply *r, const char *sha);

/* 1 if r is an error reply starting with prefix. */
int redis_reply_error_is(const redisReply *r, const char *prefix);

/* What r is, for a message: "the integer 7", "an array of 3 elements",
 * "the error \"ERR ...\"" (at most 60 bytes of text, non-printable bytes
 * as '?'). */
void redis_reply_describe(const redisReply *r, char *buf, size_t cap);

#endif /* STORE_REDIS_REPLY_H */
