/* fcgi_loop.c - libfcgi worker threads and graceful shutdown. */
#define _GNU_SOURCE   /* pthread_timedjoin_np */
#include "fcgi_loop.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <fastcgi.h>
#include <fcgiapp.h>

#include "clock.h"
#include "config_charon.h"
#include "fcgi_accept.h"
#include "fcgi_shed.h"
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
    atomic_int busy;           /* 1 while a request is being answered   */
    atomic_int kept_fd;        /* idle kept connection, or -1           */
};

struct fcgi_loop {
    const struct snapshot *snap;
    int listen_fd;
    int wake_fd;               /* eventfd: readable once stopping       */
    atomic_int stopping;
    struct fcgi_accept_opts accept;
    struct fcgi_shed shed;     /* 503 when every thread stays busy      */
    struct fcgi_thread *threads;
    unsigned nthreads;
    /* Start-up: every thread reports whether its worker_init worked. */
    pthread_mutex_t start_lock;
    pthread_cond_t start_cond;
    unsigned start_done;
    unsigned start_failed;
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

static void
fcgi_loop_report_start(struct fcgi_loop *loop, int failed)
{
    pthread_mutex_lock(&loop->start_lock);
    loop->start_done++;
    loop->start_failed += failed ? 1u : 0u;
    pthread_cond_signal(&loop->start_cond);
    pthread_mutex_unlock(&loop->start_lock);
}

/*
 * This thread's epoll set: the listening socket with EPOLLEXCLUSIVE, so
 * that a new connection wakes one idle thread and not all of them (with
 * poll() every idle thread woke, and all but one went back to sleep:
 * with nginx's auth_request, which opens a connection per check, that
 * cost ~40 context switches per request at 64 threads), and the stop
 * eventfd without it, so that the stop wakes every thread.  -1 on error.
 */
static int
fcgi_loop_epoll(const struct fcgi_loop *loop)
{
    struct epoll_event ev;
    int epfd = epoll_create1(EPOLL_CLOEXEC);

    if (epfd < 0)
        return -1;
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, loop->listen_fd, &ev) == 0) {
        ev.events = EPOLLIN;
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, loop->wake_fd, &ev) == 0)
            return epfd;
    }
    close(epfd);
    return -1;
}

/*
 * Waits until the listening socket has a connection or the loop stops,
 * and takes the connection: its fd, or -1 when it is time to stop.  The
 * socket is non-blocking, so a connection another thread took first
 * only sends us back to waiting.
 */
static int
fcgi_loop_wait(struct fcgi_loop *loop, int epfd, unsigned *errors)
{
    struct epoll_event ev[2];
    int fd;

    for (;;) {
        while (epoll_wait(epfd, ev, 2, -1) < 0)
            if (errno != EINTR)
                return -1;
        if (atomic_load(&loop->stopping))
            return -1;
        fd = fcgi_accept(loop->listen_fd, &loop->accept);
        if (fd >= 0)
            return fd;
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
            errno == ECONNABORTED)
            continue;
        /* EMFILE and friends: say so now and then, and go on. */
        if ((*errors)++ % 1000 == 0)
            log_msg(CHARON_LOG_WARN, "accepting a connection: %s",
                    strerror(errno));
        usleep(10000);
    }
}

static void *
fcgi_loop_thread(void *arg)
{
    struct fcgi_thread *t = arg;
    struct fcgi_loop *loop = t->loop;
    struct charon_err err;
    struct worker w;
    FCGX_Request fr;
    unsigned errors = 0;
    int rc, epfd, fd;

    if (worker_init(&w, loop->snap, &err) != CHARON_OK) {
        log_msg(CHARON_LOG_ERR, "worker thread: %s", err.msg);
        fcgi_loop_report_start(loop, 1);
        return NULL;
    }
    /* No listening socket for libfcgi: we accept (fcgi_loop_wait), and
     * when a connection ends before a request libfcgi's own accept must
     * fail at once instead of taking a connection we cannot count. */
    if (FCGX_InitRequest(&fr, -1, 0) != 0) {
        log_msg(CHARON_LOG_ERR, "FCGX_InitRequest failed");
        worker_fini(&w);
        fcgi_loop_report_start(loop, 1);
        return NULL;
    }
    epfd = fcgi_loop_epoll(loop);
    if (epfd < 0) {
        log_msg(CHARON_LOG_ERR, "worker thread: epoll: %s", strerror(errno));
        FCGX_Free(&fr, 1);
        worker_fini(&w);
        fcgi_loop_report_start(loop, 1);
        return NULL;
    }
    fcgi_loop_report_start(loop, 0);
    for (;;) {
        /* No kept connection: wait for a new one (or the stop), and hand
         * it to libfcgi as if it were kept, so that FCGX_Accept_r reads
         * its request instead of accepting. */
        if (fr.ipcFd < 0) {
            fd = fcgi_loop_wait(loop, epfd, &errors);
            if (fd < 0)
                break;
            fcgi_shed_hold(&loop->shed);
            fr.ipcFd = fd;
            fr.keepConnection = 1;
        }
        /* Detached while a request is awaited: when the connection ends
         * or times out instead, libfcgi closes it outright; attached it
         * would first wait up to 2 s for the peer's close, holding the
         * thread.  A request served ends with libfcgi's graceful close. */
        FCGX_Detach(&fr);
        rc = FCGX_Accept_r(&fr);
        if (rc == 0)
            FCGX_Attach(&fr);
        if (rc < 0) {
            /* The connection ended (closed, timed out, or broken) before
             * a whole request; libfcgi closed it. */
            fcgi_shed_release(&loop->shed);
            if (atomic_load(&loop->stopping))
                break;
            continue;
        }
        atomic_store(&t->busy, 1);
        fcgi_shed_serving(&loop->shed, 1);
        fcgi_loop_serve(&w, &fr);
        FCGX_Finish_r(&fr);
        fcgi_shed_serving(&loop->shed, 0);
        /* ipcFd is still open only when the web server keeps it. */
        atomic_store(&t->kept_fd, fr.ipcFd);
        atomic_store(&t->busy, 0);
        if (fr.ipcFd < 0)
            fcgi_shed_release(&loop->shed);
        /* Paired with fcgi_loop_stop: it sets stopping, then looks at
         * busy; we clear busy, then look at stopping.  One of us sees the
         * other, so a kept connection never outlives the shutdown. */
        if (atomic_load(&loop->stopping))
            break;
    }
    atomic_store(&t->kept_fd, -1);
    close(epfd);
    FCGX_Free(&fr, 1);
    worker_fini(&w);
    return NULL;
}

/* Closes the idle kept connections, which block their threads in read. */
static void
fcgi_loop_close_idle(struct fcgi_loop *loop)
{
    unsigned i;
    int fd;

    for (i = 0; i < loop->nthreads; i++) {
        if (!loop->threads[i].started || atomic_load(&loop->threads[i].busy))
            continue;
        fd = atomic_load(&loop->threads[i].kept_fd);
        if (fd >= 0)
            shutdown(fd, SHUT_RDWR);
    }
}

static void
fcgi_loop_stop(struct fcgi_loop *loop)
{
    uint64_t one = 1;
    struct timespec ts;
    unsigned i;

    atomic_store(&loop->stopping, 1);
    FCGX_ShutdownPending();
    /* Wakes every thread waiting for a connection; the listening socket
     * itself is left alone (it may be shared, e.g. spawn-fcgi -F N). */
    if (write(loop->wake_fd, &one, sizeof(one)) < 0)
        log_msg(CHARON_LOG_ERR, "waking worker threads: %m");
    fcgi_loop_close_idle(loop);
    for (i = 0; i < loop->nthreads; i++) {
        if (!loop->threads[i].started)
            continue;
        /* A thread between its request and its next read may have been
         * missed above: look again until it is gone. */
        for (;;) {
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 200000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            if (pthread_timedjoin_np(loop->threads[i].tid, NULL, &ts) == 0)
                break;
            fcgi_loop_close_idle(loop);
        }
        loop->threads[i].started = 0;
    }
}

static int
fcgi_loop_start(struct fcgi_loop *loop, struct charon_err *err)
{
    pthread_attr_t attr;
    unsigned i, started = 0;
    int rc = CHARON_OK;

    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, FCGI_LOOP_STACK_SIZE);
    for (i = 0; i < loop->nthreads; i++) {
        loop->threads[i].loop = loop;
        atomic_init(&loop->threads[i].busy, 0);
        atomic_init(&loop->threads[i].kept_fd, -1);
        if (pthread_create(&loop->threads[i].tid, &attr, fcgi_loop_thread,
                           &loop->threads[i]) != 0) {
            rc = charon_err_set(err, CHARON_ENOMEM,
                                "cannot start worker thread %u of %u", i + 1,
                                loop->nthreads);
            break;
        }
        loop->threads[i].started = 1;
        started++;
    }
    pthread_attr_destroy(&attr);
    pthread_mutex_lock(&loop->start_lock);
    while (loop->start_done < started)
        pthread_cond_wait(&loop->start_cond, &loop->start_lock);
    if (rc == CHARON_OK && loop->start_failed > 0)
        rc = charon_err_set(err, CHARON_EIO,
                            "%u of %u worker threads could not start",
                            loop->start_failed, loop->nthreads);
    pthread_mutex_unlock(&loop->start_lock);
    return rc;
}

int
fcgi_loop_run(const struct snapshot *snap, int listen_fd, unsigned threads,
              struct charon_err *err)
{
    struct fcgi_loop loop;
    int sig, flags, rc;

    memset(&loop, 0, sizeof(loop));
    loop.snap = snap;
    loop.listen_fd = listen_fd;
    loop.nthreads = threads;
    loop.accept.timeout_s = snap->cfg->charon.read_timeout;
    loop.accept.web_server_addrs = getenv("FCGI_WEB_SERVER_ADDRS");
    atomic_init(&loop.stopping, 0);
    pthread_mutex_init(&loop.start_lock, NULL);
    pthread_cond_init(&loop.start_cond, NULL);
    flags = fcntl(listen_fd, F_GETFL);
    if (flags < 0 || fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return charon_err_set(err, CHARON_EIO, "listening socket: %m");
    if (FCGX_Init() != 0)
        return charon_err_set(err, CHARON_EIO, "FCGX_Init failed");
    loop.wake_fd = eventfd(0, EFD_CLOEXEC);
    loop.threads = calloc(threads, sizeof(*loop.threads));
    if (loop.wake_fd < 0 || loop.threads == NULL) {
        rc = charon_err_set(err, CHARON_ENOMEM, "cannot set up %u threads",
                            threads);
        goto out;
    }
    rc = fcgi_shed_start(&loop.shed, listen_fd, loop.wake_fd, &loop.stopping,
                         &loop.accept, threads,
                         snap->cfg->charon.queue_timeout, err);
    if (rc != CHARON_OK)
        goto out;
    rc = fcgi_loop_start(&loop, err);
    if (rc == CHARON_OK) {
        log_msg(CHARON_LOG_INFO, "serving with %u threads", threads);
        for (;;) {
            sig = signals_wait();
            if (sig == SIGTERM || sig == SIGINT)
                break;
            log_msg(CHARON_LOG_INFO, "signal %d ignored by worker %d: the "
                    "master (pid %d) reloads on SIGHUP", sig, (int)getpid(),
                    (int)getppid());
        }
        log_msg(CHARON_LOG_INFO, "signal %d: finishing requests in "
                "progress, then exiting", sig);
    }
    fcgi_loop_stop(&loop);
    fcgi_shed_join(&loop.shed);
out:
    free(loop.threads);
    if (loop.wake_fd >= 0)
        close(loop.wake_fd);
    pthread_cond_destroy(&loop.start_cond);
    pthread_mutex_destroy(&loop.start_lock);
    return rc;
}
