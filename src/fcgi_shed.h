/*
 * fcgi_shed.h - "503, try again" instead of a queue that never moves.
 *
 * libfcgi gives each connection a thread until the web server closes it,
 * so a worker serves at most --threads connections at once; the next ones
 * wait in the listening socket's backlog.  That wait is harmless while
 * threads keep coming free (nginx's auth_request opens a connection per
 * check and closes it microseconds later), and an outage when they do not
 * (kept-alive connections, or clients that connect and say nothing, hold
 * every thread).  The shed thread watches for the second case: once every
 * thread has held its connection for queue_timeout with none let go in
 * between, it accepts the waiting connections itself and answers each
 * with a 503 (Retry-After: 1) until a thread is free again.  It never
 * answers while a thread is free, so a burst only queues.
 */
#ifndef CHARON_FCGI_SHED_H
#define CHARON_FCGI_SHED_H

#include <pthread.h>
#include <stdatomic.h>

#include <charon/buf.h>
#include <charon/err.h>

#include "fcgi_accept.h"

struct fcgi_shed {
    atomic_uint idle;          /* worker threads holding no connection  */
    atomic_uint freed;         /* +1 whenever one lets a connection go
                                  or finishes a request                 */
    atomic_uint serving;       /* threads answering a request now       */
    int full_fd;               /* eventfd: idle just reached 0          */
    int listen_fd;
    int wake_fd;               /* readable once the loop stops          */
    const atomic_int *stopping;
    const struct fcgi_accept_opts *accept;
    long after_ms;             /* queue_timeout                         */
    unsigned threads;
    struct charon_buf reply;   /* the 503, as a CGI response            */
    pthread_t tid;
    int started;
};

/*
 * Starts the shed thread for a worker of threads threads (all idle).
 * listen_fd, wake_fd, stopping and accept belong to the loop.  Fills err and
 * returns a charon_rc on failure (nothing to undo then).
 */
int fcgi_shed_start(struct fcgi_shed *s, int listen_fd, int wake_fd,
                    const atomic_int *stopping,
                    const struct fcgi_accept_opts *accept, unsigned threads,
                    long queue_timeout_s, struct charon_err *err);

/* A worker thread took a connection / let its connection go. */
void fcgi_shed_hold(struct fcgi_shed *s);
void fcgi_shed_release(struct fcgi_shed *s);

/* A worker thread starts / has finished answering a request.  A thread
 * that is answering will come free by itself (a slow login is not a
 * stuck connection), so only threads all waiting to read count. */
void fcgi_shed_serving(struct fcgi_shed *s, int on);

/* Waits for the shed thread to see the stop (wake_fd written, stopping
 * set) and frees what fcgi_shed_start made. */
void fcgi_shed_join(struct fcgi_shed *s);

#endif /* CHARON_FCGI_SHED_H */
