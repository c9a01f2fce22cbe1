/*
 * redis_reader.h - store_redis' reply parser: hiredis' own (redisReader,
 * which builds the redisReply objects), with the limits hiredis 0.14
 * lacks, so that what a broken or hostile server declares cannot make it
 * allocate more than the wire carries.
 */
#ifndef STORE_REDIS_READER_H
#define STORE_REDIS_READER_H

#include <stddef.h>

#include <hiredis/hiredis.h>

#include <charon/err.h>

/* The largest reply store_redis takes: a get_all of some ten thousand
 * sessions with large extra payloads is far below it. */
#define REDIS_READER_MAX_BYTES (64u << 20)
/* The fewest bytes one element of an array takes on the wire ("+\r\n"):
 * a reply may declare at most its byte limit / this many elements. */
#define REDIS_READER_MIN_ELEMENT 3u

struct redis_reader {
    redisReader *r;                  /* hiredis' parser                  */
    redisReplyObjectFunctions fn;    /* r->fn: hiredis' own, limited     */
    const redisReplyObjectFunctions *hiredis;   /* hiredis' defaults     */
    size_t max_bytes;                /* largest reply taken              */
    size_t fed;                      /* bytes fed toward this reply      */
    size_t elements;                 /* elements this reply declared     */
    char why[96];                    /* why a limit refused it           */
};

/* An empty reader taking replies of at most max_bytes (> 0).  The struct
 * must not move until redis_reader_fini(): hiredis keeps &rd->fn.
 * CHARON_OK or CHARON_ENOMEM. */
int redis_reader_init(struct redis_reader *rd, size_t max_bytes,
                      struct charon_err *err);
/* Frees the parser and any reply it was building; accepts one that
 * redis_reader_init() failed on or never saw (zeroed). */
void redis_reader_fini(struct redis_reader *rd);

/*
 * Hands len bytes from the server to the parser.  CHARON_ETOOBIG when the
 * reply being read would grow past max_bytes, CHARON_ENOMEM; err says
 * which.  After a failure the reader is unusable (finish it).
 */
int redis_reader_feed(struct redis_reader *rd, const void *buf, size_t len,
                      struct charon_err *err);

/*
 * The next whole reply: CHARON_OK with *reply set (the caller's, to free
 * with freeReplyObject), or NULL when more bytes are needed.  CHARON_EIO
 * when the bytes are no RESP2 reply or break a limit (err says how);
 * the reader is then unusable.
 */
int redis_reader_next(struct redis_reader *rd, redisReply **reply,
                      struct charon_err *err);

/* Bytes fed and not yet part of a reply handed out. */
size_t redis_reader_pending(const struct redis_reader *rd);

#endif /* STORE_REDIS_READER_H */
