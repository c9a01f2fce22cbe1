/*
 * fcgi_load.c - closed-loop FastCGI load generator (see bench/README.md).
 *
 *   fcgi_load --connect unix:/path|tcp:HOST:PORT --conns N --duration S
 *             [--warmup S] [--role authorizer|responder] [--token-file F]
 *             [--expect-status 200] [--param NAME=VALUE]...
 *             [--server-pid PID] [--timeout-ms N] [--connect-per-request]
 *
 * N threads, each with one connection kept open with FCGI_KEEP_CONN and
 * one request in flight.  Every request carries the params nginx sends
 * with Debian's fastcgi_params for a GET, plus browser-like HTTP_*
 * headers (28 params), plus HTTP_AUTHORIZATION "Bearer <token>" from
 * --token-file; --param replaces a param of that name or adds one.  The
 * request bytes are encoded once and re-sent (request id 1, empty
 * STDIN, as nginx does).
 *
 * After the warm-up it counts, for --duration seconds, completed
 * requests, their latency (log-linear histogram: exact below 2048 µs,
 * then within 0.1%), replies whose HTTP status differs from
 * --expect-status, protocol errors/timeouts, and reconnects (the server
 * closed a kept connection; the request is retried on a new one).  With
 * --server-pid it reads that process's utime+stime from /proc at the
 * window's edges and reports server CPU µs per request.  Prints one line:
 *
 *   fcgi_load conns=2 seconds=10.00 requests=123456 rps=12345.6 p50_us=80
 *   p99_us=400 p999_us=900 max_us=2100 bad_status=0 errors=0 reconnects=0
 *   client_cpu_us_per_req=9.1 [server_cpu_us_per_req=15.2] request_bytes=1184
 *
 * Exit status: 0; 1 if any bad status or error was counted (or nothing
 * completed); 2 if the
 * first request (sent before the load starts) fails; 64 on usage errors.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fastcgi.h>

#include "helpers/fcgi_client.h"
#include "load_stats.h"

#define LOAD_MAX_CONNS 4096
#define LOAD_MAX_PARAMS 256

enum load_phase { PHASE_WARMUP, PHASE_MEASURE, PHASE_STOP };

/* What nginx 1.22 sends with Debian's fastcgi_params for
 * "GET /api/items?page=2" on http://app.example.test, plus the headers
 * of a browser fetch. */
static const char *const default_params[] = {
    "QUERY_STRING=page=2",
    "REQUEST_METHOD=GET",
    "CONTENT_TYPE=",
    "CONTENT_LENGTH=",
    "SCRIPT_NAME=/api/items",
    "REQUEST_URI=/api/items?page=2",
    "DOCUMENT_URI=/api/items",
    "DOCUMENT_ROOT=/var/www/html",
    "SERVER_PROTOCOL=HTTP/1.1",
    "REQUEST_SCHEME=http",
    "GATEWAY_INTERFACE=CGI/1.1",
    "SERVER_SOFTWARE=nginx/1.22.1",
    "REMOTE_ADDR=192.0.2.44",
    "REMOTE_PORT=51544",
    "REMOTE_USER=",
    "SERVER_ADDR=192.0.2.10",
    "SERVER_PORT=80",
    "SERVER_NAME=app.example.test",
    "REDIRECT_STATUS=200",
    "HTTP_HOST=app.example.test",
    "HTTP_USER_AGENT=Mozilla/5.0 (X11; Linux x86_64; rv:128.0) "
        "Gecko/20100101 Firefox/128.0",
    "HTTP_ACCEPT=application/json, text/plain, */*",
    "HTTP_ACCEPT_LANGUAGE=en-US,en;q=0.7,de;q=0.3",
    "HTTP_ACCEPT_ENCODING=gzip, deflate, br",
    "HTTP_REFERER=http://app.example.test/dashboard",
    "HTTP_CONNECTION=keep-alive",
    "HTTP_SEC_FETCH_MODE=cors",
    "HTTP_SEC_FETCH_SITE=same-origin",
};

struct load_opts {
    const char *addr;
    long conns;
    double duration, warmup;
    int role, expect, timeout_ms, per_request;
    long server_pid;
    const char *token_file;
    const char *params[LOAD_MAX_PARAMS];
    size_t nparams;
};

/* Shared by all workers; read-only except phase. */
struct load_shared {
    const struct load_opts *o;
    const unsigned char *req;
    size_t req_len;
    atomic_int phase;
};

struct load_worker {
    pthread_t tid;
    struct load_shared *sh;
    uint64_t requests, bad_status, errors, reconnects;
    uint64_t *hist;                            /* LOAD_HIST_BUCKETS counts */
};

/* One request, retried once on a fresh connection if the server had
 * closed the kept one.  Updates the counters when measuring. */
static void
load_one(struct load_worker *w, int *fd, struct fcgi_client_reply *reply)
{
    const struct load_shared *sh = w->sh;
    const struct load_opts *o = sh->o;
    uint64_t t0, t1;
    int rc, measuring, status;

    t0 = load_now_ns();
    if (*fd < 0)
        *fd = fcgi_client_connect(o->addr, o->timeout_ms);
    rc = *fd < 0 ? FCGI_CLIENT_EIO
         : fcgi_client_exchange(*fd, 1, sh->req, sh->req_len, o->timeout_ms,
                                reply);
    measuring = atomic_load_explicit(&sh->phase, memory_order_relaxed)
                == PHASE_MEASURE;
    if (rc == FCGI_CLIENT_ECLOSED && !o->per_request) {
        close(*fd);
        *fd = -1;
        if (measuring)
            w->reconnects++;
        return;
    }
    t1 = load_now_ns();
    if (rc != FCGI_CLIENT_OK || reply->protocol_status != FCGI_REQUEST_COMPLETE
        || o->per_request) {
        if (*fd >= 0)
            close(*fd);
        *fd = -1;
    }
    if (rc == FCGI_CLIENT_EIO)
        load_sleep_s(0.01);             /* do not spin on a dead server */
    if (!measuring)
        return;
    if (rc != FCGI_CLIENT_OK
        || reply->protocol_status != FCGI_REQUEST_COMPLETE) {
        w->errors++;
        return;
    }
    status = fcgi_client_http_status(reply);
    if (status != o->expect)
        w->bad_status++;
    w->requests++;
    w->hist[load_hist_bucket((t1 - t0) / 1000)]++;
}

static void *
load_worker_main(void *arg)
{
    struct load_worker *w = arg;
    struct fcgi_client_reply reply;
    int fd = -1;

    memset(&reply, 0, sizeof(reply));
    while (atomic_load_explicit(&w->sh->phase, memory_order_relaxed)
           != PHASE_STOP)
        load_one(w, &fd, &reply);
    if (fd >= 0)
        close(fd);
    fcgi_client_reply_free(&reply);
    return NULL;
}

static void
usage(FILE *f)
{
    fputs("usage: fcgi_load --connect unix:/path|tcp:HOST:PORT --conns N "
          "--duration S\n"
          "                 [--warmup S] [--role authorizer|responder] "
          "[--token-file F]\n"
          "                 [--expect-status 200] [--param NAME=VALUE]...\n"
          "                 [--server-pid PID] [--timeout-ms N] "
          "[--connect-per-request]\n", f);
}

static int
parse_args(int argc, char **argv, struct load_opts *o)
{
    static const struct option longopts[] = {
        { "connect", required_argument, NULL, 'c' },
        { "conns", required_argument, NULL, 'n' },
        { "duration", required_argument, NULL, 'd' },
        { "warmup", required_argument, NULL, 'w' },
        { "role", required_argument, NULL, 'r' },
        { "token-file", required_argument, NULL, 'T' },
        { "expect-status", required_argument, NULL, 'e' },
        { "param", required_argument, NULL, 'p' },
        { "server-pid", required_argument, NULL, 'P' },
        { "timeout-ms", required_argument, NULL, 't' },
        { "connect-per-request", no_argument, NULL, 'R' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    double v;
    int c, bad = 0;

    while (!bad && (c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            o->addr = optarg;
            break;
        case 'n':
            bad = load_parse_num(optarg, 1, LOAD_MAX_CONNS, &v);
            o->conns = (long)v;
            break;
        case 'd':
            bad = load_parse_num(optarg, 0.1, 86400, &o->duration);
            break;
        case 'w':
            bad = load_parse_num(optarg, 0, 3600, &o->warmup);
            break;
        case 'e':
            bad = load_parse_num(optarg, 100, 999, &v);
            o->expect = (int)v;
            break;
        case 'P':
            bad = load_parse_num(optarg, 1, 4194304, &v);
            o->server_pid = (long)v;
            break;
        case 't':
            bad = load_parse_num(optarg, 1, 3600000, &v);
            o->timeout_ms = (int)v;
            break;
        case 'T':
            o->token_file = optarg;
            break;
        case 'R':
            o->per_request = 1;
            break;
        case 'r':
            if (strcmp(optarg, "authorizer") == 0)
                o->role = FCGI_AUTHORIZER;
            else if (strcmp(optarg, "responder") == 0)
                o->role = FCGI_RESPONDER;
            else
                bad = 1;
            break;
        case 'p':
            bad = strchr(optarg, '=') == NULL || optarg[0] == '='
                  || o->nparams == LOAD_MAX_PARAMS;
            if (!bad)
                o->params[o->nparams++] = optarg;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            bad = 1;
        }
    }
    return bad || optind != argc || o->addr == NULL || o->conns < 1
           || o->duration <= 0 ? -1 : 0;
}

/* "Bearer " + the first line of the token file, in *out (malloc). */
static int
read_token(const char *path, char **out)
{
    char buf[8192];
    size_t n;
    FILE *f = fopen(path, "r");

    if (f == NULL) {
        fprintf(stderr, "fcgi_load: %s: %s\n", path, strerror(errno));
        return -1;
    }
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    if (buf[0] == '\0') {
        fprintf(stderr, "fcgi_load: %s: no token\n", path);
        return -1;
    }
    *out = malloc(strlen(buf) + sizeof("HTTP_AUTHORIZATION=Bearer "));
    if (*out == NULL)
        return -1;
    sprintf(*out, "HTTP_AUTHORIZATION=Bearer %s", buf);
    return 0;
}

/* Defaults, then the token, then --param (same name: replaced). */
static int
build_request(const struct load_opts *o, const char *auth,
              struct fcgi_client_buf *req, size_t *nparams)
{
    const char *list[LOAD_MAX_PARAMS + 64];
    size_t n = 0, i, j, len;
    struct fcgi_client_buf enc = { NULL, 0, 0 };
    int rc = 0;

    for (i = 0; i < sizeof(default_params) / sizeof(default_params[0]); i++)
        list[n++] = default_params[i];
    if (auth != NULL)
        list[n++] = auth;
    for (i = 0; i < o->nparams; i++) {
        len = (size_t)(strchr(o->params[i], '=') - o->params[i]) + 1;
        for (j = 0; j < n && strncmp(list[j], o->params[i], len) != 0; j++)
            ;
        list[j] = o->params[i];
        n += j == n;
    }
    for (i = 0; i < n && rc == 0; i++)
        rc = fcgi_client_params_add_pair(&enc, list[i]);
    if (rc == 0)
        rc = fcgi_client_encode_request(req, 1, o->role, o->per_request
                                        ? 0 : FCGI_CLIENT_KEEP_CONN,
                                        enc.data, enc.len, NULL, 0);
    fcgi_client_buf_free(&enc);
    *nparams = n;
    return rc;
}

/* One request before the load: the target must answer as expected. */
static int
preflight(const struct load_shared *sh)
{
    struct fcgi_client_reply reply;
    int fd, rc, status = -1;

    memset(&reply, 0, sizeof(reply));
    fd = fcgi_client_connect(sh->o->addr, sh->o->timeout_ms);
    if (fd < 0) {
        fprintf(stderr, "fcgi_load: connect %s: %s\n", sh->o->addr,
                strerror(errno));
        return -1;
    }
    rc = fcgi_client_exchange(fd, 1, sh->req, sh->req_len, sh->o->timeout_ms,
                              &reply);
    close(fd);
    if (rc == FCGI_CLIENT_OK)
        status = fcgi_client_http_status(&reply);
    if (rc != FCGI_CLIENT_OK)
        fprintf(stderr, "fcgi_load: first request: %s\n",
                fcgi_client_strerror(rc));
    else if (status != sh->o->expect)
        fprintf(stderr, "fcgi_load: warning: first request got status %d, "
                "expected %d\n", status, sh->o->expect);
    fcgi_client_reply_free(&reply);
    return rc == FCGI_CLIENT_OK ? 0 : -1;
}

static void
report(const struct load_opts *o, struct load_worker *w, double secs,
       double client_cpu, long long server_ticks, size_t req_len)
{
    uint64_t *hist = w[0].hist, req = 0, bad = 0, err = 0, rec = 0;
    size_t b;
    long k;

    for (k = 0; k < o->conns; k++) {
        req += w[k].requests;
        bad += w[k].bad_status;
        err += w[k].errors;
        rec += w[k].reconnects;
        for (b = 0; k > 0 && b < LOAD_HIST_BUCKETS; b++)
            hist[b] += w[k].hist[b];
    }
    printf("fcgi_load conns=%ld seconds=%.2f requests=%llu rps=%.1f "
           "p50_us=%llu p99_us=%llu p999_us=%llu max_us=%llu bad_status=%llu "
           "errors=%llu reconnects=%llu client_cpu_us_per_req=%.1f",
           o->conns, secs, (unsigned long long)req, (double)req / secs,
           (unsigned long long)load_hist_percentile(hist, req, 0.50),
           (unsigned long long)load_hist_percentile(hist, req, 0.99),
           (unsigned long long)load_hist_percentile(hist, req, 0.999),
           (unsigned long long)load_hist_max(hist),
           (unsigned long long)bad, (unsigned long long)err,
           (unsigned long long)rec, req ? client_cpu * 1e6 / (double)req : 0.0);
    if (server_ticks >= 0)
        printf(" server_cpu_us_per_req=%.1f",
               load_ticks_us_per_op(server_ticks, req));
    printf(" request_bytes=%zu\n", req_len);
    fflush(stdout);
}

int
main(int argc, char **argv)
{
    struct load_opts o;
    struct load_shared sh;
    struct fcgi_client_buf req = { NULL, 0, 0 };
    struct load_worker *w = NULL;
    char *auth = NULL;
    long long t0_ticks = -1, t1_ticks = -1;
    double cpu0 = 0, cpu1 = 0;
    uint64_t t0 = 0, t1 = 0;
    size_t nparams;
    long k, started = 0;
    int rc = 2;

    memset(&o, 0, sizeof(o));
    o.role = FCGI_AUTHORIZER;
    o.expect = 200;
    o.timeout_ms = 5000;
    o.warmup = 1;
    if (parse_args(argc, argv, &o) < 0) {
        usage(stderr);
        return 64;
    }
    if ((o.token_file != NULL && read_token(o.token_file, &auth) < 0)
        || build_request(&o, auth, &req, &nparams) != 0)
        goto out;
    sh.o = &o;
    sh.req = req.data;
    sh.req_len = req.len;
    atomic_init(&sh.phase, PHASE_WARMUP);
    fprintf(stderr, "fcgi_load: %s, %ld conns, %zu params, %zu request bytes\n",
            o.addr, o.conns, nparams, req.len);
    if (preflight(&sh) < 0)
        goto out;
    w = calloc((size_t)o.conns, sizeof(*w));
    if (w == NULL)
        goto out;
    for (k = 0; k < o.conns; k++) {
        w[k].sh = &sh;
        w[k].hist = calloc(LOAD_HIST_BUCKETS, sizeof(uint64_t));
        if (w[k].hist == NULL
            || pthread_create(&w[k].tid, NULL, load_worker_main, &w[k]) != 0)
            break;
        started++;
    }
    if (started == o.conns) {
        load_sleep_s(o.warmup);
        if (o.server_pid > 0)
            t0_ticks = load_proc_cpu_ticks(o.server_pid);
        cpu0 = load_self_cpu_s();
        t0 = load_now_ns();
        atomic_store(&sh.phase, PHASE_MEASURE);
        load_sleep_s(o.duration);
        atomic_store(&sh.phase, PHASE_STOP);
        t1 = load_now_ns();
        cpu1 = load_self_cpu_s();
        if (o.server_pid > 0)
            t1_ticks = load_proc_cpu_ticks(o.server_pid);
    }
    atomic_store(&sh.phase, PHASE_STOP);
    for (k = 0; k < started; k++)
        pthread_join(w[k].tid, NULL);
    if (started == o.conns) {
        report(&o, w, (double)(t1 - t0) / 1e9, cpu1 - cpu0,
               t0_ticks >= 0 && t1_ticks >= 0 ? t1_ticks - t0_ticks : -1,
               req.len);
        rc = 1;                                /* nothing completed */
        for (k = 0; k < o.conns; k++)
            if (w[k].requests > 0)
                rc = 0;
        for (k = 0; k < o.conns; k++)
            if (w[k].bad_status > 0 || w[k].errors > 0)
                rc = 1;
    } else {
        fputs("fcgi_load: cannot start the worker threads\n", stderr);
    }

out:
    for (k = 0; w != NULL && k < o.conns; k++)
        free(w[k].hist);
    free(w);
    free(auth);
    fcgi_client_buf_free(&req);
    return rc;
}
