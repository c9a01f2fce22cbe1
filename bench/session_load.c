/*
 * session_load.c - closed-loop load on charon-fcgi's session endpoints
 * (see bench/README.md "## session_load").
 *
 *   session_load --connect unix:/path|tcp:HOST:PORT
 *                --mode check|refresh|login|password --conns N --duration S
 *                [--warmup S] [--prefix /auth] [--issuer-key-file F]
 *                [--username U] [--password-file F] [--revoked-status N]
 *                [--server-pid PID] [--timeout-ms N]
 *
 * N threads, each with one connection kept open (FCGI_KEEP_CONN, request
 * id 1, RESPONDER role) and one request in flight, as fcgi_load:
 *
 *   check     one issuer-key login per connection (not counted), then
 *             GET {prefix}/check with its access token, encoded once and
 *             re-sent (expects 200);
 *   refresh   one issuer-key login per connection (not counted), then a
 *             chain POST {prefix}/session/refresh, each with the refresh
 *             token of the previous reply (expects 200); a broken chain
 *             counts as a bad status and starts again with a new login;
 *   login     POST {prefix}/session with X-Charon-Issuer-Key and a new
 *             user id every time (expects 201): the session-creation rate;
 *   password  POST {prefix}/session with --username and the password in
 *             --password-file (expects 201): the credentials plugin's hash.
 *
 * The check request carries what nginx's auth_request sends with Debian's
 * fastcgi_params (REQUEST_URI of the protected request, DOCUMENT_URI of
 * /check) and the protected request's browser headers; the session
 * requests are those of a backend or native app using bearer tokens, so
 * without Sec-Fetch-* (charon refuses bearer transport to browsers).
 *
 * Before the load it checks the target (preflight, exit 2 on a surprise):
 * a login answers 201 with tokens and a wrong issuer key 401; then, by
 * mode, check 200 and a tampered token 401 (with --revoked-status N: the
 * session logged out, its token gets N: 401 with require_session, 200
 * without); refresh 200 twice along a chain and 401 for an access token;
 * password 201 and a wrong password 401.
 *
 * Counting, latency and CPU accounting are fcgi_load's (load_stats.h).
 * Prints one line:
 *
 *   session_load mode=refresh conns=2 seconds=10.00 requests=12345
 *   rps=1234.5 p50_us=800 p99_us=2100 p999_us=4000 max_us=9000
 *   bad_status=0 errors=0 reconnects=0 relogins=0
 *   client_cpu_us_per_req=9.1 [server_cpu_us_per_req=55.2] request_bytes=1020
 *
 * (request_bytes: the mean over the counted requests.)  Exit status: 0;
 * 1 if any bad status or error was counted, or nothing completed; 2 if
 * the preflight failed; 64 on usage errors.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_stats.h"
#include "session_load_req.h"

#define SL_MAX_CONNS 1024

enum sl_phase { SL_WARMUP, SL_MEASURE, SL_STOP };

static const char *const sl_mode_names[] = {
    "check", "refresh", "login", "password"
};

struct sl_worker {
    pthread_t tid;
    atomic_int *phase;
    char who[32];
    struct sl_conn c;
    uint64_t requests, bad_status, errors, reconnects, relogins, req_bytes;
    uint64_t *hist;                    /* LOAD_HIST_BUCKETS counts */
    char first_bad[256];               /* the first unexpected reply */
};

/* The next request of the loop in c->req: 0, or -1 (log in first). */
static int
sl_prepare(struct sl_conn *c, int *ready)
{
    const struct sl_opts *o = c->o;

    switch (o->mode) {
    case SL_MODE_CHECK:      /* one session, then the same bytes again */
        if (*ready)
            return 0;
        if (sl_login(c, "access_token") != 0
            || sl_encode(c, SL_CHECK, c->token) != 0)
            return -1;
        break;
    case SL_MODE_REFRESH:
        if (!*ready && sl_login(c, "refresh_token") != 0)
            return -1;
        if (sl_encode(c, SL_REFRESH, c->token) != 0)
            return -1;
        break;
    case SL_MODE_LOGIN:
        return sl_encode(c, SL_LOGIN_ISSUER, NULL);
    default:
        if (*ready)
            return 0;
        if (sl_encode(c, SL_LOGIN_PASSWORD, NULL) != 0)
            return -1;
    }
    *ready = 1;
    return 0;
}

static void *
sl_worker_main(void *arg)
{
    struct sl_worker *w = arg;
    struct sl_conn *c = &w->c;
    const int mode = c->o->mode;
    const int expect = mode <= SL_MODE_REFRESH ? 200 : 201;
    int ready = 0, was_ready, measuring, status;
    uint64_t t0, t1;

    while (atomic_load_explicit(w->phase, memory_order_relaxed) != SL_STOP) {
        was_ready = ready;
        if (sl_prepare(c, &ready) != 0) {
            if (atomic_load(w->phase) == SL_MEASURE)
                w->errors++;
            load_sleep_s(0.01);        /* do not spin on a dead server */
            continue;
        }
        if (!was_ready && ready && c->seq > 1
            && atomic_load(w->phase) == SL_MEASURE)
            w->relogins++;             /* after a broken refresh chain */
        t0 = load_now_ns();
        status = sl_exchange(c);
        t1 = load_now_ns();
        if (mode == SL_MODE_REFRESH
            && (status != 200 || sl_reply_string(c, "refresh_token", c->token,
                                                  sizeof(c->token)) != 0))
            ready = 0;
        if (status < 0)
            load_sleep_s(0.01);
        measuring = atomic_load_explicit(w->phase, memory_order_relaxed)
                    == SL_MEASURE;
        if (!measuring)
            continue;
        w->reconnects += (uint64_t)c->reconnected;
        if (status < 0) {
            w->errors++;
            continue;
        }
        w->requests++;
        if (status != expect && w->bad_status++ == 0)
            snprintf(w->first_bad, sizeof(w->first_bad), "%s",
                     (const char *)c->reply.out);
        w->req_bytes += c->req.len;
        w->hist[load_hist_bucket((t1 - t0) / 1000)]++;
    }
    return NULL;
}

static void
usage(FILE *f)
{
    fputs("usage: session_load --connect unix:/path|tcp:HOST:PORT\n"
          "                    --mode check|refresh|login|password "
          "--conns N --duration S\n"
          "                    [--warmup S] [--prefix /auth] "
          "[--issuer-key-file F]\n"
          "                    [--username U] [--password-file F] "
          "[--revoked-status N]\n"
          "                    [--server-pid PID] [--timeout-ms N]\n", f);
}

/* The file's content without one trailing newline (as charon-fcgi reads
 * the issuer key), or its first line: 0 or -1 (message printed). */
static int
sl_read_secret(const char *path, int first_line, char *out, size_t len)
{
    FILE *f = fopen(path, "r");
    size_t n;

    if (f == NULL) {
        fprintf(stderr, "session_load: %s: %s\n", path, strerror(errno));
        return -1;
    }
    n = fread(out, 1, len - 1, f);
    fclose(f);
    out[n] = '\0';
    if (n < len - 1 && strlen(out) == n) {
        if (first_line)
            out[strcspn(out, "\r\n")] = '\0';
        else if (n > 0 && out[n - 1] == '\n')
            out[n - 1] = '\0';
    } else {
        out[0] = '\0';                 /* too long, or a NUL inside */
    }
    if (out[0] == '\0' || !sl_json_plain(out)) {
        fprintf(stderr, "session_load: %s: empty, too long, or holds control "
                "characters, quotes or backslashes\n", path);
        return -1;
    }
    return 0;
}

static int
parse_args(int argc, char **argv, struct sl_opts *o)
{
    static const struct option longopts[] = {
        { "connect", required_argument, NULL, 'c' },
        { "mode", required_argument, NULL, 'm' },
        { "conns", required_argument, NULL, 'n' },
        { "duration", required_argument, NULL, 'd' },
        { "warmup", required_argument, NULL, 'w' },
        { "prefix", required_argument, NULL, 'x' },
        { "issuer-key-file", required_argument, NULL, 'K' },
        { "username", required_argument, NULL, 'u' },
        { "password-file", required_argument, NULL, 'W' },
        { "revoked-status", required_argument, NULL, 'r' },
        { "server-pid", required_argument, NULL, 'P' },
        { "timeout-ms", required_argument, NULL, 't' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    double v;
    size_t i;
    int c, bad = 0;

    while (!bad && (c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            o->addr = optarg;
            break;
        case 'm':
            o->mode = -1;
            for (i = 0; i < sizeof(sl_mode_names) / sizeof(sl_mode_names[0]);
                 i++)
                if (strcmp(optarg, sl_mode_names[i]) == 0)
                    o->mode = (int)i;
            bad = o->mode < 0;
            break;
        case 'n':
            bad = load_parse_num(optarg, 1, SL_MAX_CONNS, &v);
            o->conns = (long)v;
            break;
        case 'd':
            bad = load_parse_num(optarg, 0.1, 86400, &o->duration);
            break;
        case 'w':
            bad = load_parse_num(optarg, 0, 3600, &o->warmup);
            break;
        case 'x':
            o->prefix = optarg;
            bad = strlen(optarg) > 200;
            break;
        case 'K':
            o->issuer_key_file = optarg;
            break;
        case 'u':
            o->username = optarg;
            bad = optarg[0] == '\0' || strlen(optarg) > 200
                  || !sl_json_plain(optarg);
            break;
        case 'W':
            o->password_file = optarg;
            break;
        case 'r':
            bad = load_parse_num(optarg, 100, 999, &v);
            o->revoked_status = (int)v;
            break;
        case 'P':
            bad = load_parse_num(optarg, 1, 4194304, &v);
            o->server_pid = (long)v;
            break;
        case 't':
            bad = load_parse_num(optarg, 1, 3600000, &v);
            o->timeout_ms = (int)v;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            bad = 1;
        }
    }
    if (bad || optind != argc || o->addr == NULL || o->conns < 1
        || o->duration <= 0 || o->mode < 0)
        return -1;
    if (o->issuer_key_file == NULL) {
        fputs("session_load: every mode needs --issuer-key-file\n", stderr);
        return -1;
    }
    if (o->mode == SL_MODE_PASSWORD && o->password_file == NULL) {
        fputs("session_load: --mode password needs --password-file\n",
              stderr);
        return -1;
    }
    return 0;
}

static void
report(const struct sl_opts *o, struct sl_worker *w, double secs,
       double client_cpu, long long server_ticks)
{
    uint64_t *hist = w[0].hist, req = 0, bad = 0, err = 0, rec = 0, rel = 0;
    uint64_t bytes = 0;
    size_t b;
    long k;

    for (k = 0; k < o->conns; k++) {
        req += w[k].requests;
        bad += w[k].bad_status;
        err += w[k].errors;
        rec += w[k].reconnects;
        rel += w[k].relogins;
        bytes += w[k].req_bytes;
        for (b = 0; k > 0 && b < LOAD_HIST_BUCKETS; b++)
            hist[b] += w[k].hist[b];
        if (w[k].first_bad[0] != '\0')
            fprintf(stderr, "session_load: connection %ld: %llu unexpected "
                    "replies, the first: %s\n", k,
                    (unsigned long long)w[k].bad_status, w[k].first_bad);
    }
    printf("session_load mode=%s conns=%ld seconds=%.2f requests=%llu "
           "rps=%.1f p50_us=%llu p99_us=%llu p999_us=%llu max_us=%llu "
           "bad_status=%llu errors=%llu reconnects=%llu relogins=%llu "
           "client_cpu_us_per_req=%.1f", sl_mode_names[o->mode], o->conns,
           secs, (unsigned long long)req, (double)req / secs,
           (unsigned long long)load_hist_percentile(hist, req, 0.50),
           (unsigned long long)load_hist_percentile(hist, req, 0.99),
           (unsigned long long)load_hist_percentile(hist, req, 0.999),
           (unsigned long long)load_hist_max(hist),
           (unsigned long long)bad, (unsigned long long)err,
           (unsigned long long)rec, (unsigned long long)rel,
           req ? client_cpu * 1e6 / (double)req : 0.0);
    if (server_ticks >= 0)
        printf(" server_cpu_us_per_req=%.1f",
               load_ticks_us_per_op(server_ticks, req));
    printf(" request_bytes=%llu\n",
           (unsigned long long)(req ? bytes / req : 0));
    fflush(stdout);
}

int
main(int argc, char **argv)
{
    struct sl_opts o;
    struct sl_conn pre;
    struct sl_worker *w = NULL;
    atomic_int phase;
    long long t0_ticks = -1, t1_ticks = -1;
    double cpu0 = 0, cpu1 = 0;
    uint64_t t0 = 0, t1 = 0;
    long k, started = 0;
    int rc = 2;

    memset(&o, 0, sizeof(o));
    o.mode = -1;
    o.timeout_ms = 5000;
    o.warmup = 1;
    o.prefix = "/auth";
    o.username = "bench";
    if (parse_args(argc, argv, &o) < 0) {
        usage(stderr);
        return 64;
    }
    if (sl_read_secret(o.issuer_key_file, 0, o.issuer_key,
                       sizeof(o.issuer_key)) < 0
        || (o.password_file != NULL
            && sl_read_secret(o.password_file, 1, o.password,
                              sizeof(o.password)) < 0))
        return 64;
    fprintf(stderr, "session_load: %s, mode %s, %ld conns\n", o.addr,
            sl_mode_names[o.mode], o.conns);
    sl_conn_init(&pre, &o, "bench-preflight");
    if (sl_preflight(&pre) != 0) {
        sl_conn_free(&pre);
        return 2;
    }
    sl_conn_free(&pre);
    atomic_init(&phase, SL_WARMUP);
    w = calloc((size_t)o.conns, sizeof(*w));
    if (w == NULL)
        goto out;
    for (k = 0; k < o.conns; k++) {
        w[k].phase = &phase;
        snprintf(w[k].who, sizeof(w[k].who), "bench-c%ld", k);
        sl_conn_init(&w[k].c, &o, w[k].who);
        w[k].hist = calloc(LOAD_HIST_BUCKETS, sizeof(uint64_t));
        if (w[k].hist == NULL
            || pthread_create(&w[k].tid, NULL, sl_worker_main, &w[k]) != 0)
            break;
        started++;
    }
    if (started == o.conns) {
        load_sleep_s(o.warmup);
        if (o.server_pid > 0)
            t0_ticks = load_proc_cpu_ticks(o.server_pid);
        cpu0 = load_self_cpu_s();
        t0 = load_now_ns();
        atomic_store(&phase, SL_MEASURE);
        load_sleep_s(o.duration);
        atomic_store(&phase, SL_STOP);
        t1 = load_now_ns();
        cpu1 = load_self_cpu_s();
        if (o.server_pid > 0)
            t1_ticks = load_proc_cpu_ticks(o.server_pid);
    }
    atomic_store(&phase, SL_STOP);
    for (k = 0; k < started; k++)
        pthread_join(w[k].tid, NULL);
    if (started == o.conns) {
        report(&o, w, (double)(t1 - t0) / 1e9, cpu1 - cpu0,
               t0_ticks >= 0 && t1_ticks >= 0 ? t1_ticks - t0_ticks : -1);
        rc = 1;                                /* nothing completed */
        for (k = 0; k < o.conns; k++)
            if (w[k].requests > 0)
                rc = 0;
        for (k = 0; k < o.conns; k++)
            if (w[k].bad_status > 0 || w[k].errors > 0)
                rc = 1;
    } else {
        fputs("session_load: cannot start the worker threads\n", stderr);
    }

out:
    for (k = 0; w != NULL && k < o.conns; k++) {
        if (w[k].c.o != NULL)               /* initialised */
            sl_conn_free(&w[k].c);
        free(w[k].hist);
    }
    free(w);
    explicit_bzero(o.issuer_key, sizeof(o.issuer_key));
    explicit_bzero(o.password, sizeof(o.password));
    return rc;
}
