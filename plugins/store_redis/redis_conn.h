/*
 * redis_conn.h - store_redis' per-thread Redis connection: connecting
 * lazily, AUTH/SELECT, loading the Lua library, running one operation in
 * one round trip, and backing off while Redis is away.
 */
#ifndef STORE_REDIS_CONN_H
#define STORE_REDIS_CONN_H

#include <stdint.h>

#include <hiredis/hiredis.h>

#include "redis_keys.h"
#include "redis_lua.h"
#include "store_redis.h"

/* First and last wait between two connect attempts, in ms. */
#define REDIS_CONN_BACKOFF_MIN 50u
#define REDIS_CONN_BACKOFF_MAX 1000u

/* One worker thread's connection (the thread state). */
struct redis_conn {
    const struct store_redis *s;
    redisContext *c;                /* NULL: not connected               */
    int scripts;                    /* FUNCTION refused: EVALSHA mode    */
    char sha[41];                   /* SCRIPT LOAD's digest of the script */
    int guard_sigpipe;              /* SIGPIPE not ignored by the process */
    uint64_t next_try_ms;           /* no connect before (CLOCK_MONOTONIC) */
    unsigned backoff_ms;            /* 0: the last connect succeeded     */
    char why[160];                  /* why the last connect failed       */
    struct charon_buf keys;         /* scratch for key names             */
};

int redis_conn_new(const struct store_redis *s, struct redis_conn **out,
                   struct charon_err *err);
void redis_conn_free(struct redis_conn *rc);

/*
 * Runs op on the three keys k with nargs arguments (lens[i] bytes each):
 * FCALL (FCALL_RO for reads), or EVALSHA in script mode.  One round trip
 * on a ready connection; connecting first if there is none (unless
 * backing off: then CHARON_EUNAVAIL at once).  A library Redis lost
 * ("Function not found", NOSCRIPT) is loaded again and the call made
 * once more.  *reply (a non-error reply) is the caller's to free with
 * freeReplyObject().  I/O errors and timeouts drop the connection and
 * are CHARON_EUNAVAIL, as are error replies.
 */
int redis_conn_op(struct redis_conn *rc, enum redis_op op,
                  const struct redis_keys *k, int nargs,
                  const char *const *args, const size_t *lens,
                  redisReply **reply, struct charon_err *err);

/* PING: CHARON_OK or CHARON_EUNAVAIL. */
int redis_conn_ping(struct redis_conn *rc, struct charon_err *err);

#endif /* STORE_REDIS_CONN_H */
