/*
 * test_fcgi_client.c - the test FastCGI client against a real libfcgi
 * server running in threads of this program, and against hand-made
 * reply bytes on a socketpair.
 *
 * The echo server answers every request with its role, every param and
 * the stdin bytes:
 *     [Status: <TEST_STATUS>\r\n] Content-Type: text/plain\r\n\r\n
 *     role <n>\n  nparams <n>\n  (param <len> <NAME=VALUE>\n)*
 *     stdin <len>\n<bytes>
 * and writes the TEST_STDERR param, if any, to FCGI_STDERR.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/un.h>

#include <fcgiapp.h>
#include <fastcgi.h>

#include "cu_main.h"
#include "helpers/fcgi_client.h"

#define ECHO_THREADS 2
#define TIMEOUT_MS 10000

/* The suite fixture (file-scope, as CUnit init functions take no args). */
struct echo_server {
    int listen_fd;
    char path[PATH_MAX];
    char addr[PATH_MAX + 8];
    pthread_t threads[ECHO_THREADS];
    int nthreads;
};
static struct echo_server echo = { -1, "", "", { 0 }, 0 };

/* Source bytes for long values. */
static const unsigned char zeros[140000];

/* ------------------------------------------------------------------ */
/* the server side (libfcgi) */

/* libfcgi's FCGX_FPrintF has its own formatter (no %zu): format here. */
static void __attribute__((format(printf, 2, 3)))
echo_printf(FCGX_Request *r, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n > 0)
        FCGX_PutStr(line, n < (int)sizeof(line) ? n : (int)sizeof(line) - 1,
                    r->out);
}

static void
echo_request(FCGX_Request *r)
{
    struct fcgi_client_buf in = { NULL, 0, 0 };
    const char *status = FCGX_GetParam("TEST_STATUS", r->envp);
    const char *err = FCGX_GetParam("TEST_STDERR", r->envp);
    char chunk[8192];
    char **e;
    int n, count = 0;

    while ((n = FCGX_GetStr(chunk, sizeof(chunk), r->in)) > 0) {
        unsigned char *p = realloc(in.data, in.len + (size_t)n);

        if (p == NULL)
            break;
        in.data = p;
        memcpy(in.data + in.len, chunk, (size_t)n);
        in.len += (size_t)n;
    }
    if (status != NULL)
        echo_printf(r, "Status: %s\r\n", status);
    echo_printf(r, "Content-Type: text/plain\r\n\r\nrole %d\n", r->role);
    for (e = r->envp; *e != NULL; e++)
        count++;
    echo_printf(r, "nparams %d\n", count);
    for (e = r->envp; *e != NULL; e++) {
        echo_printf(r, "param %zu ", strlen(*e));
        FCGX_PutS(*e, r->out);
        FCGX_PutChar('\n', r->out);
    }
    echo_printf(r, "stdin %zu\n", in.len);
    if (in.len > 0)
        FCGX_PutStr((const char *)in.data, (int)in.len, r->out);
    if (err != NULL)
        FCGX_PutS(err, r->err);
    fcgi_client_buf_free(&in);
}

static void *
echo_thread(void *arg)
{
    FCGX_Request r;

    (void)arg;
    if (FCGX_InitRequest(&r, echo.listen_fd, 0) != 0)
        return NULL;
    while (FCGX_Accept_r(&r) >= 0)
        echo_request(&r);
    FCGX_Free(&r, 1);
    return NULL;
}

static int
echo_start(void)
{
    int i;

    snprintf(echo.path, sizeof(echo.path), "%s/echo.sock", cu_scratch_dir());
    snprintf(echo.addr, sizeof(echo.addr), "unix:%s", echo.path);
    if (FCGX_Init() != 0)
        return -1;
    echo.listen_fd = FCGX_OpenSocket(echo.path, 16);
    if (echo.listen_fd < 0)
        return -1;
    for (i = 0; i < ECHO_THREADS; i++) {
        if (pthread_create(&echo.threads[i], NULL, echo_thread, NULL) != 0)
            return -1;
        echo.nthreads++;
    }
    return 0;
}

/* docs/HACKING.md §7: flag, then shut the listening socket to wake
 * accept(). */
static int
echo_stop(void)
{
    int i;

    FCGX_ShutdownPending();
    if (echo.listen_fd >= 0)
        shutdown(echo.listen_fd, SHUT_RDWR);
    for (i = 0; i < echo.nthreads; i++)
        pthread_join(echo.threads[i], NULL);
    if (echo.listen_fd >= 0)
        close(echo.listen_fd);
    unlink(echo.path);
    rmdir(cu_scratch_dir());
    return 0;
}

/* ------------------------------------------------------------------ */
/* helpers */

static const unsigned char *
find(const unsigned char *hay, size_t n, const void *needle, size_t m)
{
    size_t i;

    for (i = 0; m <= n && i <= n - m; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return hay + i;
    return NULL;
}

/* Does the echo show this exact "NAME=VALUE" param? */
static int
has_pair(const struct fcgi_client_reply *r, const char *pair)
{
    size_t max = strlen(pair) + 32;
    char *want = malloc(max);
    int n, found;

    CU_ASSERT_FATAL(want != NULL);
    n = snprintf(want, max, "param %zu %s\n", strlen(pair), pair);
    found = find(r->out, r->out_len, want, (size_t)n) != NULL;
    free(want);
    return found;
}

/* The echoed stdin equals body. */
static int
stdin_is(const struct fcgi_client_reply *r, const void *body, size_t len)
{
    char head[64];
    const unsigned char *p;
    int n = snprintf(head, sizeof(head), "stdin %zu\n", len);

    p = find(r->out, r->out_len, head, (size_t)n);
    return p != NULL && (size_t)(r->out + r->out_len - p) == (size_t)n + len
           && (len == 0 || memcmp(p + n, body, len) == 0);
}

static int
echo_connect(void)
{
    return fcgi_client_connect(echo.addr, TIMEOUT_MS);
}

/* One request on a fresh connection; the reply must be complete. */
static int
echo_call(int role, const char *const *params, size_t n, const void *body,
          size_t len, struct fcgi_client_reply *r)
{
    int fd = echo_connect(), rc;

    CU_ASSERT_FATAL(fd >= 0);
    rc = fcgi_client_request(fd, 1, role, 0, params, n, body, len,
                             TIMEOUT_MS, r);
    close(fd);
    CU_ASSERT_EQUAL(FCGI_CLIENT_OK, rc);
    CU_ASSERT_EQUAL(FCGI_REQUEST_COMPLETE, r->protocol_status);
    return rc;
}

/* nlen x nc, '=', vlen x vc; free() it. */
static char *
make_pair(size_t nlen, char nc, size_t vlen, char vc)
{
    char *s = malloc(nlen + vlen + 2);

    CU_ASSERT_FATAL(s != NULL);
    memset(s, nc, nlen);
    s[nlen] = '=';
    memset(s + nlen + 1, vc, vlen);
    s[nlen + 1 + vlen] = '\0';
    return s;
}

/* Walks an encoded stream: counts records of a type, checks framing. */
static int
count_records(const struct fcgi_client_buf *b, int type, size_t *max_content)
{
    size_t off = 0, clen, pad;
    int count = 0;

    *max_content = 0;
    while (off + 8 <= b->len) {
        const unsigned char *h = b->data + off;

        clen = ((size_t)h[4] << 8) | h[5];
        pad = h[6];
        if (h[0] != 1 || (clen + pad) % 8 != 0 || off + 8 + clen + pad > b->len)
            return -1;
        if (h[1] == type) {
            count++;
            if (clen > *max_content)
                *max_content = clen;
        }
        off += 8 + clen + pad;
    }
    return off == b->len ? count : -1;
}

/* ------------------------------------------------------------------ */
/* encoding */

static void
test_nv_lengths_use_one_or_four_bytes(void)
{
    struct fcgi_client_buf b = { NULL, 0, 0 };

    CU_ASSERT_EQUAL(0, fcgi_client_params_add(&b, "N", 1, zeros, 127));
    CU_ASSERT_EQUAL(2 + 1 + 127, b.len);
    CU_ASSERT_EQUAL(0, memcmp("\x01\x7fN", b.data, 3));
    b.len = 0;
    CU_ASSERT_EQUAL(0, fcgi_client_params_add(&b, zeros, 128, "x", 1));
    CU_ASSERT_EQUAL(4 + 1 + 128 + 1, b.len);
    CU_ASSERT_EQUAL(0, memcmp("\x80\x00\x00\x80\x01", b.data, 5));
    b.len = 0;
    CU_ASSERT_EQUAL(0, fcgi_client_params_add(&b, "N", 1, zeros, 70000));
    CU_ASSERT_EQUAL(0, memcmp("\x01\x80\x01\x11\x70", b.data, 5));
    fcgi_client_buf_free(&b);
}

static void
test_pair_splits_at_first_equals(void)
{
    struct fcgi_client_buf b = { NULL, 0, 0 };

    CU_ASSERT_EQUAL(0, fcgi_client_params_add_pair(&b, "Q=a=b==c"));
    CU_ASSERT_EQUAL(2 + 1 + 6, b.len);
    CU_ASSERT_EQUAL(0, memcmp("\x01\x06Qa=b==c", b.data, b.len));
    CU_ASSERT_EQUAL(FCGI_CLIENT_EINVAL,
                    fcgi_client_params_add_pair(&b, "NOEQ"));
    CU_ASSERT_EQUAL(FCGI_CLIENT_EINVAL, fcgi_client_params_add_pair(&b, "=v"));
    fcgi_client_buf_free(&b);
}

static void
test_streams_are_split_padded_and_terminated(void)
{
    struct fcgi_client_buf p = { NULL, 0, 0 }, req = { NULL, 0, 0 };
    size_t maxc;

    CU_ASSERT_EQUAL(0, fcgi_client_params_add(&p, "BIG", 3, zeros, 140000));
    CU_ASSERT_EQUAL(0, fcgi_client_encode_request(&req, 1, FCGI_RESPONDER, 0,
                                                  p.data, p.len, zeros, 70001));
    CU_ASSERT_EQUAL(1, count_records(&req, FCGI_BEGIN_REQUEST, &maxc));
    CU_ASSERT_EQUAL(4, count_records(&req, FCGI_PARAMS, &maxc)); /* 3 + end */
    CU_ASSERT(maxc <= 65535);
    CU_ASSERT_EQUAL(3, count_records(&req, FCGI_STDIN, &maxc));  /* 2 + end */
    CU_ASSERT(maxc <= 65535);
    /* the last record is the empty STDIN terminator */
    CU_ASSERT_EQUAL(0, memcmp("\x01\x05\x00\x01\x00\x00\x00\x00",
                              req.data + req.len - 8, 8));
    req.len = 0;
    CU_ASSERT_EQUAL(0, fcgi_client_encode_request(&req, 7, FCGI_AUTHORIZER,
                                                  FCGI_CLIENT_KEEP_CONN
                                                  | FCGI_CLIENT_NO_STDIN,
                                                  NULL, 0, NULL, 0));
    CU_ASSERT_EQUAL(0, memcmp("\x01\x01\x00\x07\x00\x08\x00\x00"
                              "\x00\x02\x01\x00\x00\x00\x00\x00"
                              "\x01\x04\x00\x07\x00\x00\x00\x00",
                              req.data, 24));
    CU_ASSERT_EQUAL(24, req.len);
    fcgi_client_buf_free(&p);
    fcgi_client_buf_free(&req);
}

/* ------------------------------------------------------------------ */
/* against libfcgi */

static void
test_short_params_and_equals_in_value(void)
{
    const char *params[] = { "REQUEST_METHOD=GET", "QUERY_STRING=a=1&b==2",
                             "EMPTY=" };
    struct fcgi_client_reply r = { 0 };

    echo_call(FCGI_RESPONDER, params, 3, NULL, 0, &r);
    CU_ASSERT(has_pair(&r, "REQUEST_METHOD=GET"));
    CU_ASSERT(has_pair(&r, "QUERY_STRING=a=1&b==2"));
    CU_ASSERT(has_pair(&r, "EMPTY="));
    CU_ASSERT(has_pair(&r, "FCGI_ROLE=RESPONDER"));
    CU_ASSERT_PTR_NOT_NULL(strstr((char *)r.out, "role 1\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr((char *)r.out, "nparams 4\n"));
    CU_ASSERT(stdin_is(&r, NULL, 0));
    fcgi_client_reply_free(&r);
}

static void
test_long_names_and_values_across_records(void)
{
    char *p[5] = { make_pair(4, 'A', 127, 'a'), make_pair(4, 'B', 128, 'b'),
                   make_pair(128, 'N', 300, 'c'), make_pair(4, 'H', 70000, 'd'),
                   make_pair(200, 'M', 65535, 'e') };
    const char *params[] = { p[0], p[1], p[2], p[3], p[4], "AFTER=x" };
    struct fcgi_client_reply r = { 0 };
    int i;

    echo_call(FCGI_RESPONDER, params, 6, NULL, 0, &r);
    for (i = 0; i < 6; i++)
        CU_ASSERT(has_pair(&r, params[i]));
    CU_ASSERT_PTR_NOT_NULL(strstr((char *)r.out, "nparams 7\n"));
    fcgi_client_reply_free(&r);
    for (i = 0; i < 5; i++)
        free(p[i]);
}

static void
test_hundred_params(void)
{
    char bufs[100][32];
    const char *params[100];
    struct fcgi_client_reply r = { 0 };
    int i;

    for (i = 0; i < 100; i++) {
        snprintf(bufs[i], sizeof(bufs[i]), "P%03d=value-%d", i, i * 7);
        params[i] = bufs[i];
    }
    echo_call(FCGI_RESPONDER, params, 100, NULL, 0, &r);
    CU_ASSERT_PTR_NOT_NULL(strstr((char *)r.out, "nparams 101\n"));
    for (i = 0; i < 100; i++)
        CU_ASSERT(has_pair(&r, params[i]));
    fcgi_client_reply_free(&r);
}

static void
test_bodies_of_0_1_and_70000_bytes(void)
{
    static const size_t sizes[] = { 0, 1, 70000 };
    struct fcgi_client_reply r = { 0 };
    unsigned char *body = malloc(70000);
    size_t i;

    CU_ASSERT_FATAL(body != NULL);
    for (i = 0; i < 70000; i++)
        body[i] = (unsigned char)(i * 31 + 7);
    for (i = 0; i < 3; i++) {
        echo_call(FCGI_RESPONDER, NULL, 0, body, sizes[i], &r);
        CU_ASSERT(stdin_is(&r, body, sizes[i]));
    }
    fcgi_client_reply_free(&r);
    free(body);
}

static void
test_authorizer_role_and_stderr(void)
{
    const char *params[] = { "HTTP_AUTHORIZATION=Bearer abc.def=",
                             "TEST_STDERR=warned" };
    struct fcgi_client_reply r = { 0 };

    echo_call(FCGI_AUTHORIZER, params, 2, NULL, 0, &r);
    CU_ASSERT_PTR_NOT_NULL(strstr((char *)r.out, "role 2\n"));
    CU_ASSERT(has_pair(&r, "FCGI_ROLE=AUTHORIZER"));
    CU_ASSERT(has_pair(&r, params[0]));
    CU_ASSERT_EQUAL(6, r.err_len);
    CU_ASSERT_STRING_EQUAL("warned", (char *)r.err);
    fcgi_client_reply_free(&r);
}

static void
test_keep_conn_serves_three_requests_on_one_fd(void)
{
    struct fcgi_client_reply r = { 0 };
    char pair[32];
    const char *params[1] = { pair };
    int fd = echo_connect(), i;

    CU_ASSERT_FATAL(fd >= 0);
    for (i = 0; i < 3; i++) {
        snprintf(pair, sizeof(pair), "SEQ=%d", i);
        CU_ASSERT_EQUAL(FCGI_CLIENT_OK,
                        fcgi_client_request(fd, 1, FCGI_RESPONDER, 1, params, 1,
                                            "b", 1, TIMEOUT_MS, &r));
        CU_ASSERT(has_pair(&r, pair));
        CU_ASSERT(stdin_is(&r, "b", 1));
    }
    close(fd);
    fcgi_client_reply_free(&r);
}

static void
test_without_keep_conn_the_server_closes(void)
{
    struct fcgi_client_reply r = { 0 };
    int fd = echo_connect();

    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(FCGI_CLIENT_OK, fcgi_client_request(fd, 1, FCGI_RESPONDER,
                                    0, NULL, 0, NULL, 0, TIMEOUT_MS, &r));
    CU_ASSERT_EQUAL(FCGI_CLIENT_ECLOSED, fcgi_client_request(fd, 1,
                    FCGI_RESPONDER, 0, NULL, 0, NULL, 0, TIMEOUT_MS, &r));
    close(fd);
    fcgi_client_reply_free(&r);
}

static void
test_status_from_the_server(void)
{
    const char *s401[] = { "TEST_STATUS=401 Unauthorized" };
    const char *s302[] = { "TEST_STATUS=302" };
    struct fcgi_client_reply r = { 0 };

    echo_call(FCGI_AUTHORIZER, NULL, 0, NULL, 0, &r);
    CU_ASSERT_EQUAL(200, fcgi_client_http_status(&r));
    echo_call(FCGI_AUTHORIZER, s401, 1, NULL, 0, &r);
    CU_ASSERT_EQUAL(401, fcgi_client_http_status(&r));
    echo_call(FCGI_RESPONDER, s302, 1, NULL, 0, &r);
    CU_ASSERT_EQUAL(302, fcgi_client_http_status(&r));
    fcgi_client_reply_free(&r);
}

static void
test_malformed_records_make_the_server_drop_the_connection(void)
{
    /* version 2 header, then an unknown role: libfcgi closes both */
    static const unsigned char v2[8] = { 2, 1, 0, 1, 0, 8, 0, 0 };
    struct fcgi_client_buf req = { NULL, 0, 0 };
    struct fcgi_client_reply r = { 0 };
    int fd = echo_connect();

    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(0, fcgi_client_send_raw(fd, v2, sizeof(v2), TIMEOUT_MS));
    CU_ASSERT_EQUAL(FCGI_CLIENT_ECLOSED,
                    fcgi_client_exchange(fd, 1, NULL, 0, TIMEOUT_MS, &r));
    close(fd);
    fd = echo_connect();
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(0, fcgi_client_encode_request(&req, 1, 9, 0, NULL, 0,
                                                  NULL, 0));
    CU_ASSERT_EQUAL(FCGI_CLIENT_ECLOSED,
                    fcgi_client_exchange(fd, 1, req.data, req.len,
                                         TIMEOUT_MS, &r));
    close(fd);
    fcgi_client_buf_free(&req);
    fcgi_client_reply_free(&r);
}

/* ------------------------------------------------------------------ */
/* errors and timeouts */

static void
test_timeout_when_nobody_accepts(void)
{
    struct sockaddr_un sun;
    struct fcgi_client_reply r = { 0 };
    char addr[PATH_MAX + 8];
    time_t t0;
    int lfd, fd;

    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/mute.sock",
             cu_scratch_dir());
    snprintf(addr, sizeof(addr), "unix:%s", sun.sun_path);
    lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    CU_ASSERT_FATAL(lfd >= 0);
    CU_ASSERT_FATAL(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
    CU_ASSERT_FATAL(listen(lfd, 4) == 0);
    fd = fcgi_client_connect(addr, TIMEOUT_MS);
    CU_ASSERT_FATAL(fd >= 0);
    t0 = time(NULL);
    CU_ASSERT_EQUAL(FCGI_CLIENT_ETIMEOUT,
                    fcgi_client_request(fd, 1, FCGI_RESPONDER, 0, NULL, 0,
                                        NULL, 0, 200, &r));
    CU_ASSERT(time(NULL) - t0 < 10);     /* an upper bound only */
    CU_ASSERT_EQUAL(-1, r.protocol_status);
    close(fd);
    close(lfd);
    unlink(sun.sun_path);
    fcgi_client_reply_free(&r);
}

static void
test_connect_failures(void)
{
    char addr[PATH_MAX + 16];

    snprintf(addr, sizeof(addr), "unix:%s/missing.sock", cu_scratch_dir());
    errno = 0;
    CU_ASSERT_EQUAL(-1, fcgi_client_connect(addr, 1000));
    CU_ASSERT_EQUAL(ENOENT, errno);
    CU_ASSERT_EQUAL(-1, fcgi_client_connect("/no/prefix", 1000));
    CU_ASSERT_EQUAL(EINVAL, errno);
    CU_ASSERT_EQUAL(-1, fcgi_client_connect("tcp:noport", 1000));
    CU_ASSERT_EQUAL(EINVAL, errno);
    CU_ASSERT_EQUAL(-1, fcgi_client_connect("unix:", 1000));
    CU_ASSERT_EQUAL(-1, fcgi_client_connect("unix:/nonexistent", 0));
    CU_ASSERT_EQUAL(EINVAL, errno);
}

/* ------------------------------------------------------------------ */
/* hand-made replies on a socketpair */

struct feeder {
    int fd;
    const unsigned char *p;
    size_t n;
    size_t chunk;
    int close_after;
};

/* Writes chunk bytes at a time, so records may arrive in pieces. */
static void *
feed_bytes(void *arg)
{
    struct feeder *f = arg;
    size_t i, k;

    for (i = 0; i < f->n; i += k) {
        k = f->n - i < f->chunk ? f->n - i : f->chunk;
        if (write(f->fd, f->p + i, k) != (ssize_t)k)
            break;
        sched_yield();
    }
    if (f->close_after)
        shutdown(f->fd, SHUT_WR);
    return NULL;
}

/* Runs one exchange whose reply is the n bytes p, written chunk bytes at
 * a time (0: in one write), then EOF if close_after. */
static int
canned(const void *p, size_t n, size_t chunk, int close_after,
       struct fcgi_client_reply *r)
{
    struct feeder f;
    pthread_t t;
    int sv[2], rc;

    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    f.fd = sv[1];
    f.p = p;
    f.n = n;
    f.chunk = chunk != 0 ? chunk : n + 1;
    f.close_after = close_after;
    CU_ASSERT_FATAL(pthread_create(&t, NULL, feed_bytes, &f) == 0);
    rc = fcgi_client_exchange(sv[0], 1, "x", 1, TIMEOUT_MS, r);
    pthread_join(t, NULL);
    close(sv[0]);
    close(sv[1]);
    return rc;
}

/* END_REQUEST for id 1: appStatus 0x102, REQUEST_COMPLETE */
#define END_OK "\x01\x03\x00\x01\x00\x08\x00\x00" \
               "\x00\x00\x01\x02\x00\x00\x00\x00"

static void
test_reply_parsing_in_pieces(void)
{
    static const char good[] =
        "\x01\x06\x00\x01\x00\x09\x07\x00" "Status: 4" "\0\0\0\0\0\0\0"
        "\x01\x0b\x00\x00\x00\x08\x00\x00" "\x63\0\0\0\0\0\0\0" /* mgmt */
        "\x01\x07\x00\x01\x00\x02\x00\x00" "e!"
        "\x01\x06\x00\x01\x00\x06\x00\x00" "03\r\n\r\n"
        "\x01\x06\x00\x01\x00\x00\x00\x00" END_OK;
    struct fcgi_client_reply r = { 0 };

    CU_ASSERT_EQUAL(FCGI_CLIENT_OK, canned(good, sizeof(good) - 1, 1, 0, &r));
    CU_ASSERT_EQUAL(15, r.out_len);
    CU_ASSERT_STRING_EQUAL("Status: 403\r\n\r\n", (char *)r.out);
    CU_ASSERT_STRING_EQUAL("e!", (char *)r.err);
    CU_ASSERT_EQUAL(0x102, r.app_status);
    CU_ASSERT_EQUAL(403, fcgi_client_http_status(&r));
    fcgi_client_reply_free(&r);
}

static void
test_bad_replies_are_errors(void)
{
    static const char wrong_version[] = "\x02\x06\x00\x01\x00\x00\x00\x00";
    static const char other_id[] = "\x01\x06\x00\x02\x00\x00\x00\x00";
    static const char short_end[] = "\x01\x03\x00\x01\x00\x04\x04\x00"
                                    "\0\0\0\0\0\0\0\0";
    static const char after_end[] = END_OK "\x01";
    static const char truncated[] = "\x01\x06\x00\x01\x00\x09\x07\x00" "Stat";
    struct fcgi_client_reply r = { 0 };

    CU_ASSERT_EQUAL(FCGI_CLIENT_EPROTO, canned(wrong_version, 8, 0, 1, &r));
    CU_ASSERT_EQUAL(FCGI_CLIENT_EPROTO, canned(other_id, 8, 0, 1, &r));
    CU_ASSERT_EQUAL(FCGI_CLIENT_EPROTO, canned(short_end, 16, 0, 1, &r));
    CU_ASSERT_EQUAL(FCGI_CLIENT_EPROTO, canned(truncated, 12, 0, 1, &r));
    CU_ASSERT_EQUAL(FCGI_CLIENT_ECLOSED, canned("", 0, 0, 1, &r));
    /* a byte that arrives with END_REQUEST (one write) */
    CU_ASSERT_EQUAL(FCGI_CLIENT_EPROTO, canned(after_end, 17, 0, 0, &r));
    fcgi_client_reply_free(&r);
}

static void
test_status_parsing(void)
{
    static const struct {
        const char *out;
        int status;
    } cases[] = {
        { "Content-Type: text/plain\r\n\r\nbody", 200 },
        { "Status: 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\n\r\n", 401 },
        { "status:404\n\n", 404 },
        { "X: y\nSTATUS: 500 Oops\n\nStatus: 200\n", 500 },
        { "\r\n", 200 },
        { "", -1 },
        { "Status: 200\r\n", -1 },               /* block never ends */
        { "no colon here\r\n\r\n", -1 },
        { "Status: 20\r\n\r\n", -1 },
        { "Status: 2000\r\n\r\n", -1 },
        { "Status: 099\r\n\r\n", -1 },
        { "Status: 200\r\nStatus: 401\r\n\r\n", -1 },
        { "Bad Name: x\r\n\r\n", -1 },
    };
    struct fcgi_client_reply r = { 0 };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        r.out = (unsigned char *)(uintptr_t)cases[i].out;
        r.out_len = strlen(cases[i].out);
        CU_ASSERT_EQUAL(cases[i].status, fcgi_client_http_status(&r));
    }
    r.out = NULL;
    CU_ASSERT_EQUAL(-1, fcgi_client_http_status(&r));
}

static const CU_TestInfo encode_tests[] = {
    { "name/value lengths use 1 byte below 128, else 4 with the high bit",
      test_nv_lengths_use_one_or_four_bytes },
    { "NAME=VALUE is split at the first '='",
      test_pair_splits_at_first_equals },
    { "params and stdin are split into <= 65535-byte padded records and "
      "terminated", test_streams_are_split_padded_and_terminated },
    { "Status is read from the CGI header block", test_status_parsing },
    CU_TEST_INFO_NULL
};

static const CU_TestInfo reply_tests[] = {
    { "a reply arriving byte by byte is reassembled",
      test_reply_parsing_in_pieces },
    { "malformed, foreign or truncated replies are errors",
      test_bad_replies_are_errors },
    { "a listening socket nobody serves times out",
      test_timeout_when_nobody_accepts },
    { "connect to a missing socket or a bad address fails",
      test_connect_failures },
    CU_TEST_INFO_NULL
};

static const CU_TestInfo libfcgi_tests[] = {
    { "short params arrive, '=' stays in the value",
      test_short_params_and_equals_in_value },
    { "long names and values (127/128/65535/70000 B) arrive intact",
      test_long_names_and_values_across_records },
    { "100 params arrive", test_hundred_params },
    { "bodies of 0, 1 and 70000 bytes arrive as stdin",
      test_bodies_of_0_1_and_70000_bytes },
    { "AUTHORIZER role is seen as FCGI_AUTHORIZER; stderr is returned",
      test_authorizer_role_and_stderr },
    { "keep-conn serves 3 sequential requests on one fd",
      test_keep_conn_serves_three_requests_on_one_fd },
    { "without keep-conn a second request gets ECLOSED",
      test_without_keep_conn_the_server_closes },
    { "HTTP status: absent is 200, 401 Unauthorized, 302",
      test_status_from_the_server },
    { "a bad version or an unknown role makes libfcgi drop the connection",
      test_malformed_records_make_the_server_drop_the_connection },
    CU_TEST_INFO_NULL
};

int
main(void)
{
    static const struct cu_suite suites[] = {
        { "fcgi_client encoding", NULL, NULL, encode_tests },
        { "fcgi_client replies and errors", NULL, NULL, reply_tests },
        { "fcgi_client against libfcgi", echo_start, echo_stop,
          libfcgi_tests },
        { NULL, NULL, NULL, NULL }
    };

    return cu_main(suites);
}
