/*
 * redis_exchange.c - one round trip on a store_redis connection.
 *
 * hiredis formats the commands and writes them (redisBufferWrite, the
 * socket's send timeout being command_timeout_ms); the replies are read
 * here rather than by redisGetReply, whose wait is per read(2): a server
 * that sends a byte now and then would hold it for ever, and hiredis'
 * reader believes every declared length.  So: poll(2) against one
 * deadline for the whole round trip, the bytes into redis_reader.c's
 * bounded parser, and no byte may follow the last reply (whose reply
 * would the next command get?).  "what" names the step in messages.
 */
#include "redis_exchange.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

uint64_t
redis_exchange_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Writes what hiredis buffered (the commands appended) by deadline; 0 or
 * -1 (why set). */
static int
redis_exchange_send(struct redis_conn *rc, const char *what,
                    uint64_t deadline)
{
    unsigned long ms = rc->s->cfg->command_timeout_ms;
    int done = 0, e;

    while (!done) {
        if (redisBufferWrite(rc->c, &done) != REDIS_OK) {
            e = errno;
            if (e == EAGAIN || e == EWOULDBLOCK)
                snprintf(rc->why, sizeof(rc->why), "%s: not sent within "
                         "command_timeout_ms (%lu ms)", what, ms);
            else
                snprintf(rc->why, sizeof(rc->why), "%s: cannot send: %s",
                         what, rc->c->errstr[0] != '\0' ? rc->c->errstr
                                                        : "I/O error");
            return -1;
        }
        if (!done && redis_exchange_now_ms() >= deadline) {
            snprintf(rc->why, sizeof(rc->why), "%s: not sent within "
                     "command_timeout_ms (%lu ms)", what, ms);
            return -1;
        }
    }
    return 0;
}

/* Reads from the socket into the reader, waiting at most until
 * deadline; 0 or -1 (why set). */
static int
redis_exchange_read(struct redis_conn *rc, const char *what,
                    uint64_t deadline)
{
    char buf[16384];
    struct charon_err err;
    struct pollfd p;
    uint64_t now;
    ssize_t n;
    int ready;

    for (;;) {
        now = redis_exchange_now_ms();
        if (now >= deadline) {
            snprintf(rc->why, sizeof(rc->why), "%s: no whole reply within "
                     "command_timeout_ms (%lu ms)", what,
                     rc->s->cfg->command_timeout_ms);
            return -1;
        }
        p.fd = rc->c->fd;
        p.events = POLLIN;
        p.revents = 0;
        ready = poll(&p, 1, (int)(deadline - now));
        if (ready < 0 && errno != EINTR) {
            snprintf(rc->why, sizeof(rc->why), "%s: poll: %m", what);
            return -1;
        }
        if (ready <= 0)
            continue;
        n = read(rc->c->fd, buf, sizeof(buf));
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0) {
            snprintf(rc->why, sizeof(rc->why), "%s: read: %m", what);
            return -1;
        }
        if (n == 0) {
            snprintf(rc->why, sizeof(rc->why), "%s: Redis closed the "
                     "connection", what);
            return -1;
        }
        if (redis_reader_feed(&rc->rd, buf, (size_t)n, &err) != CHARON_OK) {
            snprintf(rc->why, sizeof(rc->why), "%s: %.150s", what, err.msg);
            return -1;
        }
        return 0;
    }
}

int
redis_exchange(struct redis_conn *rc, const char *what,
               redisReply **replies, int n)
{
    uint64_t deadline = redis_exchange_now_ms()
                        + rc->s->cfg->command_timeout_ms;
    struct charon_err err;
    size_t extra;
    int got = 0;

    if (redis_exchange_send(rc, what, deadline) != 0)
        return -1;
    while (got < n) {
        if (redis_reader_next(&rc->rd, &replies[got], &err) != CHARON_OK) {
            snprintf(rc->why, sizeof(rc->why), "%s: malformed reply: %.150s",
                     what, err.msg);
            goto fail;
        }
        if (replies[got] != NULL)
            got++;
        else if (redis_exchange_read(rc, what, deadline) != 0)
            goto fail;
    }
    extra = redis_reader_pending(&rc->rd);
    if (extra > 0) {
        /* Whose reply did we just take?  Not necessarily ours. */
        snprintf(rc->why, sizeof(rc->why), "%s: %zu unexpected byte(s) "
                 "after the reply", what, extra);
        goto fail;
    }
    return 0;
fail:
    while (got > 0) {
        freeReplyObject(replies[--got]);
        replies[got] = NULL;
    }
    return -1;
}

redisReply *
redis_exchange_command(struct redis_conn *rc, const char *what, int argc,
                       const char **argv, const size_t *lens)
{
    redisReply *r = NULL;

    if (redisAppendCommandArgv(rc->c, argc, argv, lens) != REDIS_OK) {
        snprintf(rc->why, sizeof(rc->why), "%s: out of memory", what);
        return NULL;
    }
    if (redis_exchange(rc, what, &r, 1) != 0)
        return NULL;
    return r;
}

