/*
 * redis_conn.h - store_redis' per-thread Redis connection: connecting
 * lazily, AUTH/SELECT, loading the Lua library, running one operation in
 * one round trip within command_timeout_ms, and backing off while Redis
 * is away or answers garbage.
 */
#ifndef STORE_REDIS_CONN_H
#define STORE_REDIS_CONN_H

#include <stdint.h>

#include <hiredis/hiredis.h>

#include "redis_keys.h"
#include "redis_lua.h"
#include "redis_reader.h"
#include "store_redis.h"

/* First and last wait between two connect attempts, in ms. */
#define REDIS_CONN_BACKOFF_MIN 50u
#define REDIS_CONN_BACKOFF_MAX 1000u

/* One worker thread's connection (the thread state). */
struct redis_conn {
    const struct store_redis *s;
    redisContext *c;                /* NULL: not connected               */
    struct redis_reader rd;         /* parses c's replies (not c->reader) */
    int scripts;                    /* FUNCTION refused: EVALSHA mode    */
    int guard_sigpipe;              /* SIGPIPE not ignored by the process */
    uint64_t next_try_ms;           /* no connect before (CLOCK_MONOTONIC) */
    unsigned backoff_ms;            /* 0: the last operation succeeded   */
    char why[200];                  /* why the last failure happened     */
    struct charon_buf keys;         /* scratch for key names             */
};

int redis_conn_new(const struct store_redis *s, struct redis_conn **out,
                   struct charon_err *err);
void redis_conn_free(struct redis_conn *rc);

/*
 * Takes the reply to an operation (redis_reply.c): fills the caller's
 * results through ctx and returns what the operation answers
 * (CHARON_OK, CHARON_ENOTFOUND, CHARON_ECONFLICT, CHARON_ENOMEM), or
 * CHARON_EIO when the reply is none the operation can give, with err
 * saying what it was.  The reply is valid during the call only.
 */
typedef int (*redis_conn_take_fn)(void *ctx, const redisReply *r,
                                  struct charon_err *err);

/*
 * Runs op on the three keys k with nargs arguments (lens[i] bytes each):
 * FCALL (FCALL_RO for reads), or EVALSHA in script mode, and hands the
 * reply to take.  One round trip on a ready connection; connecting first
 * if there is none (unless backing off: then CHARON_EUNAVAIL at once).
 * A library Redis lost ("Function not found", NOSCRIPT) is loaded again
 * and the call made once more.  Error replies are CHARON_EUNAVAIL.  A
 * reply not whole within command_timeout_ms, I/O errors, bytes that are
 * no RESP2 reply or break the reader's limits, bytes after the reply,
 * and a reply take calls CHARON_EIO drop the connection and are
 * CHARON_EUNAVAIL, logged once with what was wrong.
 */
int redis_conn_op(struct redis_conn *rc, enum redis_op op,
                  const struct redis_keys *k, int nargs,
                  const char *const *args, const size_t *lens,
                  redis_conn_take_fn take, void *ctx,
                  struct charon_err *err);

/* PING: CHARON_OK (PONG) or CHARON_EUNAVAIL. */
int redis_conn_ping(struct redis_conn *rc, struct charon_err *err);

#endif /* STORE_REDIS_CONN_H */
