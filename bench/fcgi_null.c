/*
 * fcgi_null.c - the do-nothing FastCGI application: the benchmark baseline.
 *
 *   fcgi_null --listen unix:/path [--threads N]        (default 2 threads)
 *   fcgi_null --listen tcp:HOST:PORT [--threads N]
 *
 * libfcgi's thread-safe API, no accept mutex (docs/HACKING.md §7): each
 * worker runs its own FCGX_Accept_r loop and answers every request, in
 * the RESPONDER and the AUTHORIZER role alike, with
 * "Status: 200 OK\r\n\r\n" and no body, or "Status: 401 Unauthorized"
 * when HTTP_AUTHORIZATION is absent.  FCGI_STDIN is drained first, so an
 * unread empty STDIN record cannot break the next request on a kept
 * connection (docs/HACKING.md §7); a client that sends no STDIN at all
 * (Apache's authorizer) would therefore stall a worker.
 *
 * Signals are blocked in the workers; the main thread sigwait()s for
 * SIGTERM/SIGINT, then sets FCGX_ShutdownPending(), shuts the listening
 * socket and every worker's open connection down, joins and exits 0.
 * A unix socket gets mode 0660; its path must not contain ':' (libfcgi
 * would take it for HOST:PORT).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/stat.h>

#include <fcgiapp.h>

#define NULL_MAX_THREADS 1024

struct null_worker {
    pthread_t tid;
    FCGX_Request req;           /* req.ipcFd is read by main at shutdown */
};

static void
null_answer(FCGX_Request *r)
{
    static const char ok[] = "Status: 200 OK\r\n\r\n";
    static const char deny[] = "Status: 401 Unauthorized\r\n\r\n";
    char sink[4096];

    while (FCGX_GetStr(sink, sizeof(sink), r->in) > 0)
        ;
    if (FCGX_GetParam("HTTP_AUTHORIZATION", r->envp) != NULL)
        FCGX_PutStr(ok, (int)sizeof(ok) - 1, r->out);
    else
        FCGX_PutStr(deny, (int)sizeof(deny) - 1, r->out);
}

static void *
null_worker_main(void *arg)
{
    struct null_worker *w = arg;

    while (FCGX_Accept_r(&w->req) >= 0)
        null_answer(&w->req);
    FCGX_Free(&w->req, 1);
    return NULL;
}

static void
usage(FILE *f)
{
    fputs("usage: fcgi_null --listen unix:/path|tcp:HOST:PORT "
          "[--threads N]\n", f);
}

/* "unix:/p" -> "/p" (is_unix 1), "tcp:H:P" -> "H:P"; NULL if neither. */
static const char *
listen_path(const char *addr, int *is_unix)
{
    *is_unix = strncmp(addr, "unix:", 5) == 0;
    if (*is_unix && addr[5] != '\0' && strchr(addr + 5, ':') == NULL)
        return addr + 5;
    if (strncmp(addr, "tcp:", 4) == 0 && strchr(addr + 4, ':') != NULL)
        return addr + 4;
    return NULL;
}

static int
parse_args(int argc, char **argv, const char **addr, long *threads)
{
    static const struct option longopts[] = {
        { "listen", required_argument, NULL, 'l' },
        { "threads", required_argument, NULL, 't' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    char *end;
    int c;

    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'l':
            *addr = optarg;
            break;
        case 't':
            errno = 0;
            *threads = strtol(optarg, &end, 10);
            if (errno != 0 || end == optarg || *end != '\0' || *threads < 1
                || *threads > NULL_MAX_THREADS)
                return -1;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            return -1;
        }
    }
    return *addr != NULL && optind == argc ? 0 : -1;
}

int
main(int argc, char **argv)
{
    struct null_worker *workers;
    const char *addr = NULL, *path;
    sigset_t set;
    long threads = 2, i, started = 0;
    int is_unix, listen_fd, sig, fd, rc = 0;

    if (parse_args(argc, argv, &addr, &threads) < 0
        || (path = listen_path(addr, &is_unix)) == NULL) {
        usage(stderr);
        return 64;
    }
    /* Before FCGX_Init, which installs handlers only over SIG_DFL/SIG_IGN,
     * and before any thread, so every worker inherits the mask. */
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    if (FCGX_Init() != 0) {
        fputs("fcgi_null: FCGX_Init failed\n", stderr);
        return 1;
    }
    listen_fd = FCGX_OpenSocket(path, 1024);
    if (listen_fd < 0) {
        fprintf(stderr, "fcgi_null: cannot listen on %s\n", addr);
        return 1;
    }
    if (is_unix && chmod(path, 0660) < 0) {
        fprintf(stderr, "fcgi_null: chmod %s: %s\n", path, strerror(errno));
        return 1;
    }
    workers = calloc((size_t)threads, sizeof(*workers));
    if (workers == NULL)
        return 1;
    for (i = 0; i < threads; i++) {
        if (FCGX_InitRequest(&workers[i].req, listen_fd, 0) != 0
            || pthread_create(&workers[i].tid, NULL, null_worker_main,
                              &workers[i]) != 0) {
            fputs("fcgi_null: cannot start a worker\n", stderr);
            rc = 1;
            break;
        }
        started++;
    }
    if (rc == 0) {
        fprintf(stderr, "fcgi_null: listening on %s, %ld threads\n", addr,
                threads);
        while (sigwait(&set, &sig) != 0)
            ;
    }
    FCGX_ShutdownPending();
    shutdown(listen_fd, SHUT_RDWR);
    /* Workers parked on a kept connection wake up when it is shut down. */
    for (i = 0; i < started; i++) {
        fd = __atomic_load_n(&workers[i].req.ipcFd, __ATOMIC_RELAXED);
        if (fd >= 0 && fd != listen_fd)
            shutdown(fd, SHUT_RDWR);
    }
    for (i = 0; i < started; i++)
        pthread_join(workers[i].tid, NULL);
    close(listen_fd);
    if (is_unix)
        unlink(path);
    free(workers);
    return rc;
}
