/* fcgi_loop.c - libfcgi worker threads and graceful shutdown. */
#include "fcgi_loop.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <fastcgi.h>
#include <fcgiapp.h>

#include "clock.h"
#include "log.h"
#include "request.h"
#include "router.h"
#include "signals.h"
#include "snapshot.h"
#include "worker.h"

#define FCGI_LOOP_STACK_SIZE (512u * 1024u)

struct fcgi_loop;

struct fcgi_thread {
    struct fcgi_loop *loop;
    pthread_t tid;
    int started;
    atomic_int busy;           /* 1 while a request is being answered  */
    atomic_int conn_fd;        /* connection of the last request, or -1 */
};

struct fcgi_loop {
    const struct snapshot *snap;
    int listen_fd;
    atomic_int stopping;
    struct fcgi_thread *threads;
    unsigned nthreads;
};

static ssize_t
fcgi_loop_read_body(void *ctx, void *buf, size_t n)
{
    int got = FCGX_GetStr(buf, (int)n, (FCGX_Stream *)ctx);

    return got < 0 ? -1 : (ssize_t)got;
}

static void
fcgi_loop_serve(struct worker *w, FCGX_Request *fr)
{
    struct request req;

    memset(&req, 0, sizeof(req));
    req.role = fr->role == FCGI_AUTHORIZER ? REQUEST_AUTHORIZER
                                           : REQUEST_RESPONDER;
    req.envp = fr->envp;
    req.read_body = fcgi_loop_read_body;
    req.read_ctx = fr->in;
    req.now = clock_now();
    router_handle(w, &req);
    /* A responder's stdin must be read to its end before the next request
     * on a kept connection.  An authorizer's is never read: Apache sends
     * none at all, and waiting for it would hang. */
    if (req.role == REQUEST_RESPONDER)
        request_drain_body(&req);
    if (http_reply_serialize(&w->reply, &w->out) == CHARON_OK)
        FCGX_PutStr((const char *)w->out.data, (int)w->out.len, fr->out);
}

static void *
fcgi_loop_thread(void *arg)
{
    struct fcgi_thread *t = arg;
    struct fcgi_loop *loop = t->loop;
    struct charon_err err;
    struct worker w;
    FCGX_Request fr;

    if (worker_init(&w, loop->snap, &err) != CHARON_OK) {
        log_msg(CHARON_LOG_ERR, "worker thread: %s", err.msg);
        return NULL;
    }
    if (FCGX_InitRequest(&fr, loop->listen_fd, 0) != 0) {
        log_msg(CHARON_LOG_ERR, "FCGX_InitRequest failed");
        worker_fini(&w);
        return NULL;
    }
    for (;;) {
        if (FCGX_Accept_r(&fr) < 0)
            break;
        atomic_store(&t->busy, 1);
        atomic_store(&t->conn_fd, fr.ipcFd);
        fcgi_loop_serve(&w, &fr);
        FCGX_Finish_r(&fr);
        atomic_store(&t->busy, 0);
        /* Paired with the main thread: it sets stopping, then looks at
         * busy; we clear busy, then look at stopping.  One of us sees the
         * other, so a kept connection never outlives the shutdown. */
        if (atomic_load(&loop->stopping))
            break;
    }
    atomic_store(&t->conn_fd, -1);
    FCGX_Free(&fr, 1);
    worker_fini(&w);
    return NULL;
}

static void
fcgi_loop_stop(struct fcgi_loop *loop)
{
    unsigned i;
    int fd;

    atomic_store(&loop->stopping, 1);
    FCGX_ShutdownPending();
    /* Wakes every thread blocked in accept(). */
    shutdown(loop->listen_fd, SHUT_RDWR);
    /* Wakes threads parked on an idle kept connection; a busy thread
     * finishes its request and then sees stopping. */
    for (i = 0; i < loop->nthreads; i++) {
        if (atomic_load(&loop->threads[i].busy))
            continue;
        fd = atomic_load(&loop->threads[i].conn_fd);
        if (fd >= 0)
            shutdown(fd, SHUT_RDWR);
    }
}

int
fcgi_loop_run(const struct snapshot *snap, int listen_fd, unsigned threads,
              struct charon_err *err)
{
    struct fcgi_loop loop;
    pthread_attr_t attr;
    unsigned i;
    int sig, rc = CHARON_OK;

    memset(&loop, 0, sizeof(loop));
    loop.snap = snap;
    loop.listen_fd = listen_fd;
    loop.nthreads = threads;
    atomic_init(&loop.stopping, 0);
    if (FCGX_Init() != 0)
        return charon_err_set(err, CHARON_EIO, "FCGX_Init failed");
    loop.threads = calloc(threads, sizeof(*loop.threads));
    if (loop.threads == NULL)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, FCGI_LOOP_STACK_SIZE);
    for (i = 0; i < threads; i++) {
        loop.threads[i].loop = &loop;
        atomic_init(&loop.threads[i].busy, 0);
        atomic_init(&loop.threads[i].conn_fd, -1);
        if (pthread_create(&loop.threads[i].tid, &attr, fcgi_loop_thread,
                           &loop.threads[i]) != 0) {
            rc = charon_err_set(err, CHARON_ENOMEM,
                                "cannot start worker thread %u of %u", i + 1,
                                threads);
            break;
        }
        loop.threads[i].started = 1;
    }
    pthread_attr_destroy(&attr);
    if (rc == CHARON_OK) {
        log_msg(CHARON_LOG_INFO, "serving with %u threads", threads);
        for (;;) {
            sig = signals_wait();
            if (sig == SIGHUP) {
                log_msg(CHARON_LOG_WARN, "SIGHUP: this version reloads "
                        "nothing; restart to apply a new configuration");
                continue;
            }
            log_msg(CHARON_LOG_INFO, "signal %d: finishing requests in "
                    "progress, then exiting", sig);
            break;
        }
    }
    fcgi_loop_stop(&loop);
    for (i = 0; i < threads; i++)
        if (loop.threads[i].started)
            pthread_join(loop.threads[i].tid, NULL);
    free(loop.threads);
    return rc;
}
