/* fcgi_shed.c - the shed thread: 503 once every worker thread is stuck. */
#include "fcgi_shed.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <fastcgi.h>

#include "events.h"
#include "http_reply.h"
#include "log.h"

/* How long the shed thread gives one connection to send its
 * FCGI_BEGIN_REQUEST and to take the answer: it must not be pinned
 * itself by the clients it turns away. */
#define FCGI_SHED_IO_MS 1000
/* The answer, FastCGI records included, fits in this. */
#define FCGI_SHED_MAX 1024

static int64_t
fcgi_shed_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads or writes exactly n bytes of fd before deadline (ms). */
static int
fcgi_shed_io(int fd, unsigned char *buf, size_t n, int out, int64_t deadline)
{
    struct pollfd p = { .fd = fd, .events = out ? POLLOUT : POLLIN };
    size_t done = 0;
    ssize_t got;
    int64_t left;

    while (done < n) {
        got = out ? send(fd, buf + done, n - done, MSG_DONTWAIT | MSG_NOSIGNAL)
                  : recv(fd, buf + done, n - done, MSG_DONTWAIT);
        if (got > 0) {
            done += (size_t)got;
            continue;
        }
        if (got == 0 || (errno != EAGAIN && errno != EINTR))
            return -1;
        left = deadline - fcgi_shed_now_ms();
        if (left <= 0 || poll(&p, 1, (int)left) < 0)
            return -1;
    }
    return 0;
}

static void
fcgi_shed_header(unsigned char *h, int type, unsigned id, size_t len)
{
    memset(h, 0, FCGI_HEADER_LEN);
    h[0] = FCGI_VERSION_1;
    h[1] = (unsigned char)type;
    h[2] = (unsigned char)(id >> 8);
    h[3] = (unsigned char)id;
    h[4] = (unsigned char)(len >> 8);
    h[5] = (unsigned char)len;
}

/*
 * Reads the connection's FCGI_BEGIN_REQUEST for its request id, answers
 * it with the 503 (one FCGI_STDOUT record, the empty one that ends the
 * stream, FCGI_END_REQUEST) and closes the connection, after reading what
 * the web server already sent so that the close is not a reset.
 */
static void
fcgi_shed_answer(const struct fcgi_shed *s, int fd)
{
    unsigned char in[2 * FCGI_HEADER_LEN], out[FCGI_SHED_MAX], junk[4096];
    int64_t deadline = fcgi_shed_now_ms() + FCGI_SHED_IO_MS;
    size_t n = 0, len = s->reply.len;
    unsigned id;
    int i;

    if (fcgi_shed_io(fd, in, sizeof(in), 0, deadline) == 0 &&
        in[0] == FCGI_VERSION_1 && in[1] == FCGI_BEGIN_REQUEST &&
        in[4] == 0 && in[5] == sizeof(FCGI_BeginRequestBody)) {
        id = (unsigned)in[2] << 8 | in[3];
        fcgi_shed_header(out, FCGI_STDOUT, id, len);
        memcpy(out + FCGI_HEADER_LEN, s->reply.data, len);
        n = FCGI_HEADER_LEN + len;
        fcgi_shed_header(out + n, FCGI_STDOUT, id, 0);
        n += FCGI_HEADER_LEN;
        fcgi_shed_header(out + n, FCGI_END_REQUEST, id,
                         sizeof(FCGI_EndRequestBody));
        n += FCGI_HEADER_LEN;
        memset(out + n, 0, sizeof(FCGI_EndRequestBody));
        out[n + 4] = FCGI_REQUEST_COMPLETE;
        n += sizeof(FCGI_EndRequestBody);
        if (fcgi_shed_io(fd, out, n, 1, deadline) == 0)
            events_connection_refused();
        shutdown(fd, SHUT_WR);
        for (i = 0; i < 64 && recv(fd, junk, sizeof(junk), MSG_DONTWAIT) > 0;
             i++)
            ;
    }
    close(fd);
}

/* Answers the connections waiting now, while every thread stays busy. */
static void
fcgi_shed_drain(struct fcgi_shed *s, unsigned gen)
{
    int fd;

    while (atomic_load(&s->idle) == 0 && atomic_load(&s->serving) == 0 &&
           atomic_load(&s->freed) == gen &&
           !atomic_load(s->stopping)) {
        fd = fcgi_accept(s->listen_fd, s->accept);
        if (fd < 0)
            return;
        fcgi_shed_answer(s, fd);
    }
}

static void
fcgi_shed_watch(int epfd, int fd, int on)
{
    struct epoll_event ev = { .events = EPOLLIN };

    epoll_ctl(epfd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, fd, &ev);
}

static void *
fcgi_shed_thread(void *arg)
{
    struct fcgi_shed *s = arg;
    struct epoll_event ev[3];
    int64_t now, since = -1;
    unsigned gen = 0, g;
    int epfd, timeout, shed, listening = 0, shedding = 0;
    uint64_t v;

    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) {
        log_msg(CHARON_LOG_ERR, "shed thread: epoll: %s", strerror(errno));
        return NULL;
    }
    fcgi_shed_watch(epfd, s->wake_fd, 1);
    fcgi_shed_watch(epfd, s->full_fd, 1);
    while (!atomic_load(s->stopping)) {
        timeout = -1;
        shed = 0;
        if (atomic_load(&s->idle) == 0 && atomic_load(&s->serving) == 0) {
            now = fcgi_shed_now_ms();
            g = atomic_load(&s->freed);
            if (since < 0 || g != gen) {
                since = now;
                gen = g;
            }
            if (now - since >= s->after_ms)
                shed = 1;
            else
                timeout = (int)(since + s->after_ms - now);
        } else {
            since = -1;
        }
        /* The listening socket is watched only while shedding: at other
         * times its connections are the worker threads'. */
        if (shed != listening)
            fcgi_shed_watch(epfd, s->listen_fd, shed);
        listening = shed;
        if (shed && !shedding)
            log_msg(CHARON_LOG_WARN, "all %u threads have held their "
                    "connections for %ld ms: answering new connections 503 "
                    "(raise --threads?)", s->threads, s->after_ms);
        else if (!shed && shedding)
            log_msg(CHARON_LOG_INFO, "a thread is free again: no longer "
                    "answering 503");
        shedding = shed;
        if (shed)
            fcgi_shed_drain(s, gen);
        if (epoll_wait(epfd, ev, 3, timeout) < 0 && errno != EINTR)
            break;
        if (read(s->full_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
            break;
    }
    close(epfd);
    return NULL;
}

/* Wakes the shed thread: every thread may now be stuck. */
static void
fcgi_shed_wake(struct fcgi_shed *s)
{
    uint64_t one = 1;

    if (write(s->full_fd, &one, sizeof(one)) < 0)
        log_msg(CHARON_LOG_ERR, "waking the shed thread: %s", strerror(errno));
}

void
fcgi_shed_hold(struct fcgi_shed *s)
{
    if (atomic_fetch_sub(&s->idle, 1) == 1)
        fcgi_shed_wake(s);
}

void
fcgi_shed_serving(struct fcgi_shed *s, int on)
{
    if (on) {
        atomic_fetch_add(&s->serving, 1);
        return;
    }
    atomic_fetch_add(&s->freed, 1);
    if (atomic_fetch_sub(&s->serving, 1) == 1 && atomic_load(&s->idle) == 0)
        fcgi_shed_wake(s);
}

void
fcgi_shed_release(struct fcgi_shed *s)
{
    atomic_fetch_add(&s->freed, 1);
    atomic_fetch_add(&s->idle, 1);
}

int
fcgi_shed_start(struct fcgi_shed *s, int listen_fd, int wake_fd,
                const atomic_int *stopping,
                const struct fcgi_accept_opts *accept, unsigned threads,
                long queue_timeout_s, struct charon_err *err)
{
    struct http_reply r;
    int rc;

    memset(s, 0, sizeof(*s));
    atomic_init(&s->idle, threads);
    atomic_init(&s->freed, 0);
    atomic_init(&s->serving, 0);
    s->listen_fd = listen_fd;
    s->wake_fd = wake_fd;
    s->stopping = stopping;
    s->accept = accept;
    s->threads = threads;
    s->after_ms = queue_timeout_s * 1000;
    http_reply_init(&r);
    http_reply_json_error(&r, 503, "service_unavailable",
                          "every connection of this worker is busy; "
                          "try again");
    http_reply_header(&r, "Retry-After", "1");
    rc = http_reply_serialize(&r, &s->reply);
    http_reply_free(&r);
    if (rc != CHARON_OK || s->reply.len > FCGI_SHED_MAX - 4 * FCGI_HEADER_LEN) {
        charon_buf_free(&s->reply);
        return charon_err_set(err, CHARON_ENOMEM, "cannot build the 503 reply");
    }
    s->full_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (s->full_fd < 0) {
        charon_buf_free(&s->reply);
        return charon_err_set(err, CHARON_EIO, "shed thread: eventfd: %s",
                              strerror(errno));
    }
    if (pthread_create(&s->tid, NULL, fcgi_shed_thread, s) != 0) {
        close(s->full_fd);
        charon_buf_free(&s->reply);
        return charon_err_set(err, CHARON_ENOMEM, "cannot start the shed "
                              "thread");
    }
    s->started = 1;
    return CHARON_OK;
}

void
fcgi_shed_join(struct fcgi_shed *s)
{
    if (!s->started)
        return;
    pthread_join(s->tid, NULL);
    close(s->full_fd);
    charon_buf_free(&s->reply);
    s->started = 0;
}
