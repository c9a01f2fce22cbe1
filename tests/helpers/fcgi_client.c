/* fcgi_client.c - a small FastCGI 1.0 client: records, I/O, CGI status.
 * Wire format as in libfcgi's <fastcgi.h>; contracts in fcgi_client.h. */
#include "fcgi_client.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <fastcgi.h>

/* Content bytes per record: a multiple of 8, so full records need no pad. */
#define FCGI_CLIENT_CHUNK 65528u
#define FCGI_CLIENT_MAX_NV_LEN 0x7fffffffu

/* Makes *data hold at least need bytes (doubling). */
static int
grow(unsigned char **data, size_t *cap, size_t need)
{
    size_t ncap = *cap != 0 ? *cap : 256;
    unsigned char *p;

    if (need <= *cap)
        return FCGI_CLIENT_OK;
    while (ncap < need)
        ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
    p = realloc(*data, ncap);
    if (p == NULL)
        return FCGI_CLIENT_ENOMEM;
    *data = p;
    *cap = ncap;
    return FCGI_CLIENT_OK;
}

/* Appends n bytes; callers that grew the buffer first may ignore the rc. */
static int
buf_append(struct fcgi_client_buf *b, const void *p, size_t n)
{
    if (n > SIZE_MAX - b->len || grow(&b->data, &b->cap, b->len + n) != 0)
        return FCGI_CLIENT_ENOMEM;
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    return FCGI_CLIENT_OK;
}

void
fcgi_client_buf_free(struct fcgi_client_buf *b)
{
    if (b == NULL)
        return;
    free(b->data);
    memset(b, 0, sizeof(*b));
}

static size_t
nv_len_encode(unsigned char *p, size_t len)
{
    if (len < 128) {
        p[0] = (unsigned char)len;
        return 1;
    }
    p[0] = (unsigned char)(((len >> 24) & 0x7f) | 0x80);
    p[1] = (unsigned char)(len >> 16);
    p[2] = (unsigned char)(len >> 8);
    p[3] = (unsigned char)len;
    return 4;
}

int
fcgi_client_params_add(struct fcgi_client_buf *params,
                       const void *name, size_t name_len,
                       const void *value, size_t value_len)
{
    unsigned char lens[8];
    size_t n;

    if (name_len > FCGI_CLIENT_MAX_NV_LEN || value_len > FCGI_CLIENT_MAX_NV_LEN)
        return FCGI_CLIENT_EINVAL;
    n = nv_len_encode(lens, name_len);
    n += nv_len_encode(lens + n, value_len);
    if (grow(&params->data, &params->cap,
             params->len + n + name_len + value_len) != FCGI_CLIENT_OK)
        return FCGI_CLIENT_ENOMEM;
    buf_append(params, lens, n);
    buf_append(params, name, name_len);
    buf_append(params, value, value_len);
    return FCGI_CLIENT_OK;
}

int
fcgi_client_params_add_pair(struct fcgi_client_buf *params, const char *pair)
{
    const char *eq = pair != NULL ? strchr(pair, '=') : NULL;

    if (eq == NULL || eq == pair)
        return FCGI_CLIENT_EINVAL;
    return fcgi_client_params_add(params, pair, (size_t)(eq - pair),
                                  eq + 1, strlen(eq + 1));
}

int
fcgi_client_encode_record(struct fcgi_client_buf *out, int type,
                          uint16_t request_id, const void *content,
                          size_t content_len)
{
    static const unsigned char zeros[8];
    size_t pad = (8 - content_len % 8) % 8;
    unsigned char hdr[FCGI_HEADER_LEN] = {
        FCGI_VERSION_1, (unsigned char)type, (unsigned char)(request_id >> 8),
        (unsigned char)request_id, (unsigned char)(content_len >> 8),
        (unsigned char)content_len, (unsigned char)pad, 0
    };

    if (content_len > FCGI_MAX_LENGTH || type < 0 || type > 255)
        return FCGI_CLIENT_EINVAL;
    if (grow(&out->data, &out->cap, out->len + sizeof(hdr) + content_len + pad)
        != FCGI_CLIENT_OK)
        return FCGI_CLIENT_ENOMEM;
    buf_append(out, hdr, sizeof(hdr));
    buf_append(out, content, content_len);
    buf_append(out, zeros, pad);
    return FCGI_CLIENT_OK;
}

/* The stream's data in records of at most FCGI_CLIENT_CHUNK bytes, then
 * the empty record that ends the stream. */
static int
encode_stream(struct fcgi_client_buf *out, int type, uint16_t request_id,
              const unsigned char *p, size_t n)
{
    int rc;

    while (n > 0) {
        size_t chunk = n < FCGI_CLIENT_CHUNK ? n : FCGI_CLIENT_CHUNK;

        rc = fcgi_client_encode_record(out, type, request_id, p, chunk);
        if (rc != FCGI_CLIENT_OK)
            return rc;
        p += chunk;
        n -= chunk;
    }
    return fcgi_client_encode_record(out, type, request_id, NULL, 0);
}

int
fcgi_client_encode_request(struct fcgi_client_buf *out, uint16_t request_id,
                           int role, int flags, const void *params,
                           size_t params_len, const void *body,
                           size_t body_len)
{
    unsigned char begin[8] = { 0 };
    size_t start = out->len;
    int rc;

    if (role < 0 || role > 0xffff || (params == NULL && params_len > 0)
        || (body == NULL && body_len > 0))
        return FCGI_CLIENT_EINVAL;
    begin[0] = (unsigned char)(role >> 8);
    begin[1] = (unsigned char)role;
    begin[2] = (flags & FCGI_CLIENT_KEEP_CONN) ? FCGI_KEEP_CONN : 0;
    rc = fcgi_client_encode_record(out, FCGI_BEGIN_REQUEST, request_id,
                                   begin, sizeof(begin));
    if (rc == FCGI_CLIENT_OK)
        rc = encode_stream(out, FCGI_PARAMS, request_id, params, params_len);
    if (rc == FCGI_CLIENT_OK && !(flags & FCGI_CLIENT_NO_STDIN))
        rc = encode_stream(out, FCGI_STDIN, request_id, body, body_len);
    if (rc != FCGI_CLIENT_OK)
        out->len = start;
    return rc;
}

static int64_t
now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t
deadline_in(int timeout_ms)
{
    return now_us() + (int64_t)timeout_ms * 1000;
}

/* Milliseconds left until deadline (µs), rounded up; 0 when past. */
static int
ms_left(int64_t deadline)
{
    int64_t left = deadline - now_us();

    return left <= 0 ? 0 : (int)((left + 999) / 1000);
}

/* A non-blocking socket connected within the deadline, or -1 (errno). */
static int
connect_one(int family, const struct sockaddr *sa, socklen_t salen,
            int64_t deadline)
{
    struct pollfd pfd = { .events = POLLOUT };
    socklen_t len = sizeof(int);
    int fd, rc, soerr = 0, one = 1;

    fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    while ((rc = connect(fd, sa, salen)) < 0 && errno == EAGAIN
           && ms_left(deadline) > 0)
        poll(NULL, 0, 1);               /* unix socket with a full backlog */
    if (rc < 0 && errno == EAGAIN)
        errno = ETIMEDOUT;
    else if (rc < 0 && (errno == EINPROGRESS || errno == EINTR)) {
        pfd.fd = fd;
        while ((rc = poll(&pfd, 1, ms_left(deadline))) < 0 && errno == EINTR)
            ;
        if (rc == 0)
            errno = ETIMEDOUT;
        else if (rc > 0)
            errno = getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0
                    ? errno : soerr;
        rc = rc > 0 && errno == 0 ? 0 : -1;
    }
    if (rc < 0) {
        soerr = errno;
        close(fd);
        errno = soerr;
        return -1;
    }
    if (family != AF_UNIX)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

static int
connect_unix(const char *path, int64_t deadline)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };

    if (path[0] == '\0' || strlen(path) >= sizeof(sun.sun_path)) {
        errno = EINVAL;
        return -1;
    }
    memcpy(sun.sun_path, path, strlen(path) + 1);
    return connect_one(AF_UNIX, (const struct sockaddr *)&sun, sizeof(sun),
                       deadline);
}

/* "HOST:PORT" or "[V6]:PORT"; tries each address getaddrinfo() gives. */
static int
connect_tcp(const char *hostport, int64_t deadline)
{
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_NUMERICSERV }, *res, *ai;
    const char *h = hostport, *colon;
    char host[256];
    size_t hlen;
    int fd = -1;

    if (h[0] == '[') {
        colon = strchr(++h, ']');
        if (colon == NULL || *++colon != ':')
            colon = NULL;
        hlen = colon != NULL ? (size_t)(colon - h - 1) : 0;
    } else {
        colon = strrchr(h, ':');
        hlen = colon != NULL ? (size_t)(colon - h) : 0;
    }
    if (hlen == 0 || hlen >= sizeof(host) || colon[1] == '\0') {
        errno = EINVAL;
        return -1;
    }
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    if (getaddrinfo(host, colon + 1, &hints, &res) != 0) {
        errno = EINVAL;
        return -1;
    }
    errno = 0;
    for (ai = res; ai != NULL && fd < 0 && errno != ETIMEDOUT; ai = ai->ai_next)
        fd = connect_one(ai->ai_family, ai->ai_addr, ai->ai_addrlen, deadline);
    freeaddrinfo(res);
    return fd;
}

int
fcgi_client_connect(const char *addr, int timeout_ms)
{
    if (addr != NULL && timeout_ms > 0 && strncmp(addr, "unix:", 5) == 0)
        return connect_unix(addr + 5, deadline_in(timeout_ms));
    if (addr != NULL && timeout_ms > 0 && strncmp(addr, "tcp:", 4) == 0)
        return connect_tcp(addr + 4, deadline_in(timeout_ms));
    errno = EINVAL;
    return -1;
}

/* Reply parser state; buf holds one incomplete record (the largest fits). */
struct reader {
    uint16_t id;
    int started;               /* any reply byte seen */
    int done;                  /* END_REQUEST read */
    size_t have;
    unsigned char buf[FCGI_HEADER_LEN + FCGI_MAX_LENGTH + 255];
};

/* Appends to a reply stream, keeping it NUL-terminated. */
static int
reply_append(unsigned char **buf, size_t *len, size_t *cap,
             const unsigned char *p, size_t n)
{
    if (n > FCGI_CLIENT_MAX_REPLY - *len || grow(buf, cap, *len + n + 1) != 0)
        return FCGI_CLIENT_ENOMEM;
    if (n > 0)
        memcpy(*buf + *len, p, n);
    *len += n;
    (*buf)[*len] = '\0';
    return FCGI_CLIENT_OK;
}

/* Is this header acceptable in a reply to request id? */
static int
header_ok(const unsigned char *h, uint16_t id)
{
    unsigned int rid = ((unsigned int)h[2] << 8) | h[3];

    if (h[0] != FCGI_VERSION_1)
        return 0;
    if (rid == FCGI_NULL_REQUEST_ID)        /* management: skipped */
        return h[1] == FCGI_GET_VALUES_RESULT || h[1] == FCGI_UNKNOWN_TYPE;
    if (rid != id)
        return 0;
    if (h[1] == FCGI_END_REQUEST)
        return h[4] == 0 && h[5] == 8;
    return h[1] == FCGI_STDOUT || h[1] == FCGI_STDERR;
}

/* Applies one complete record whose header passed header_ok(). */
static int
record_apply(struct reader *rd, const unsigned char *h, size_t clen,
             struct fcgi_client_reply *r)
{
    const unsigned char *c = h + FCGI_HEADER_LEN;

    if (h[2] == 0 && h[3] == 0)
        return FCGI_CLIENT_OK;
    if (h[1] == FCGI_STDOUT)
        return reply_append(&r->out, &r->out_len, &r->out_cap, c, clen);
    if (h[1] == FCGI_STDERR)
        return reply_append(&r->err, &r->err_len, &r->err_cap, c, clen);
    r->app_status = ((uint32_t)c[0] << 24) | ((uint32_t)c[1] << 16)
                    | ((uint32_t)c[2] << 8) | c[3];
    r->protocol_status = c[4];
    rd->done = 1;
    return FCGI_CLIENT_OK;
}

/* Consumes the complete records at the start of rd->buf. */
static int
reader_parse(struct reader *rd, struct fcgi_client_reply *r)
{
    size_t off = 0, clen, total;
    const unsigned char *h;
    int rc = FCGI_CLIENT_OK;

    while (rc == FCGI_CLIENT_OK && rd->have - off >= FCGI_HEADER_LEN) {
        h = rd->buf + off;
        if (rd->done || !header_ok(h, rd->id))
            return FCGI_CLIENT_EPROTO;  /* bad header, or bytes after END */
        clen = ((size_t)h[4] << 8) | h[5];
        total = FCGI_HEADER_LEN + clen + h[6];
        if (rd->have - off < total)
            break;
        rc = record_apply(rd, h, clen, r);
        off += total;
    }
    if (rd->done && off < rd->have)
        return FCGI_CLIENT_EPROTO;
    memmove(rd->buf, rd->buf + off, rd->have - off);
    rd->have -= off;
    return rc;
}

/* Reads what is there without blocking: 0 (more needed, or done) or rc. */
static int
read_available(int fd, struct reader *rd, struct fcgi_client_reply *r)
{
    ssize_t n;
    int rc;

    while (!rd->done) {
        n = recv(fd, rd->buf + rd->have, sizeof(rd->buf) - rd->have,
                 MSG_DONTWAIT);
        if (n > 0) {
            rd->started = 1;
            rd->have += (size_t)n;
            rc = reader_parse(rd, r);
            if (rc != FCGI_CLIENT_OK)
                return rc;
        } else if (n == 0) {
            return rd->started ? FCGI_CLIENT_EPROTO : FCGI_CLIENT_ECLOSED;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return FCGI_CLIENT_OK;
        } else if (errno != EINTR) {
            return !rd->started && (errno == ECONNRESET || errno == EPIPE)
                   ? FCGI_CLIENT_ECLOSED : FCGI_CLIENT_EIO;
        }
    }
    return FCGI_CLIENT_OK;
}

static int
reply_reset(struct fcgi_client_reply *r)
{
    r->out_len = r->err_len = 0;
    r->app_status = 0;
    r->protocol_status = -1;
    return reply_append(&r->out, &r->out_len, &r->out_cap, NULL, 0) != 0
           || reply_append(&r->err, &r->err_len, &r->err_cap, NULL, 0) != 0
           ? FCGI_CLIENT_ENOMEM : FCGI_CLIENT_OK;
}

/* Writes p[0..n) and, if rd is not NULL, reads the reply until
 * END_REQUEST, both within the deadline.  Reading goes on while writing,
 * and stops the writing once the reply is complete. */
static int
io_run(int fd, const unsigned char *p, size_t n, int64_t deadline,
       struct reader *rd, struct fcgi_client_reply *r)
{
    struct pollfd pfd;
    size_t sent = 0;
    ssize_t w;
    int rc, gone = 0;

    for (;;) {
        while (sent < n) {
            w = send(fd, p + sent, n - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (w >= 0)
                sent += (size_t)w;
            else if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            else if (errno == EPIPE || errno == ECONNRESET)
                sent = n, gone = 1;     /* read what the peer left us */
            else if (errno != EINTR)
                return FCGI_CLIENT_EIO;
        }
        if (rd == NULL && sent == n)
            return gone ? FCGI_CLIENT_ECLOSED : FCGI_CLIENT_OK;
        pfd.fd = fd;
        pfd.events = (short)((rd != NULL ? POLLIN : 0)
                             | (sent < n ? POLLOUT : 0));
        pfd.revents = 0;
        rc = poll(&pfd, 1, ms_left(deadline));
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0 || (pfd.revents & POLLNVAL))
            return FCGI_CLIENT_EIO;
        if (rc == 0)
            return FCGI_CLIENT_ETIMEOUT;
        if (rd != NULL && (pfd.revents & (POLLIN | POLLHUP | POLLERR))) {
            rc = read_available(fd, rd, r);
            if (rc != FCGI_CLIENT_OK || rd->done)
                return rc;
        }
    }
}

int
fcgi_client_exchange(int fd, uint16_t request_id, const void *req,
                     size_t req_len, int timeout_ms,
                     struct fcgi_client_reply *reply)
{
    struct reader rd;

    if (fd < 0 || timeout_ms <= 0 || reply == NULL || (req == NULL && req_len))
        return FCGI_CLIENT_EINVAL;
    if (reply_reset(reply) != FCGI_CLIENT_OK)
        return FCGI_CLIENT_ENOMEM;
    rd.id = request_id;
    rd.started = rd.done = 0;
    rd.have = 0;
    return io_run(fd, req, req_len, deadline_in(timeout_ms), &rd, reply);
}

int
fcgi_client_request(int fd, uint16_t request_id, int role, int keep_conn,
                    const char *const *params, size_t nparams,
                    const void *body, size_t body_len, int timeout_ms,
                    struct fcgi_client_reply *reply)
{
    struct fcgi_client_buf enc = { NULL, 0, 0 }, req = { NULL, 0, 0 };
    size_t i;
    int rc = FCGI_CLIENT_OK;

    for (i = 0; i < nparams && rc == FCGI_CLIENT_OK; i++)
        rc = params != NULL ? fcgi_client_params_add_pair(&enc, params[i])
                            : FCGI_CLIENT_EINVAL;
    if (rc == FCGI_CLIENT_OK)
        rc = fcgi_client_encode_request(&req, request_id, role,
                                        keep_conn ? FCGI_CLIENT_KEEP_CONN : 0,
                                        enc.data, enc.len, body, body_len);
    if (rc == FCGI_CLIENT_OK)
        rc = fcgi_client_exchange(fd, request_id, req.data, req.len,
                                  timeout_ms, reply);
    fcgi_client_buf_free(&enc);
    fcgi_client_buf_free(&req);
    return rc;
}

void
fcgi_client_reply_free(struct fcgi_client_reply *reply)
{
    if (reply == NULL)
        return;
    free(reply->out);
    free(reply->err);
    *reply = (struct fcgi_client_reply){ .protocol_status = -1 };
}

int
fcgi_client_send_raw(int fd, const void *p, size_t n, int timeout_ms)
{
    if (fd < 0 || timeout_ms <= 0 || (p == NULL && n > 0))
        return FCGI_CLIENT_EINVAL;
    return io_run(fd, p, n, deadline_in(timeout_ms), NULL, NULL);
}

/* " 401 Unauthorized" -> 401; -1 unless three digits in 100..999. */
static int
parse_status_value(const char *v, size_t n)
{
    for (; n > 0 && (*v == ' ' || *v == '\t'); n--)
        v++;
    if (n < 3 || v[0] < '1' || v[0] > '9' || v[1] < '0' || v[1] > '9'
        || v[2] < '0' || v[2] > '9' || (n > 3 && v[3] != ' ' && v[3] != '\t'))
        return -1;
    return (v[0] - '0') * 100 + (v[1] - '0') * 10 + (v[2] - '0');
}

int
fcgi_client_http_status(const struct fcgi_client_reply *reply)
{
    const char *p, *end, *nl, *colon;
    size_t len;
    int status = -2;            /* none seen yet */

    if (reply == NULL || reply->out == NULL)
        return -1;
    p = (const char *)reply->out;
    end = p + reply->out_len;
    for (;;) {
        nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL)
            return -1;          /* the block never ends */
        len = (size_t)(nl - p);
        if (len > 0 && p[len - 1] == '\r')
            len--;
        if (len == 0)
            return status == -2 ? 200 : status;
        colon = memchr(p, ':', len);
        if (colon == NULL || colon == p)
            return -1;
        if (memchr(p, ' ', (size_t)(colon - p)) != NULL
            || memchr(p, '\t', (size_t)(colon - p)) != NULL)
            return -1;          /* a name with blanks */
        if (colon - p == 6 && strncasecmp(p, "Status", 6) == 0) {
            if (status != -2)
                return -1;      /* two Status headers */
            status = parse_status_value(colon + 1,
                                        len - (size_t)(colon + 1 - p));
            if (status < 0)
                return -1;
        }
        p = nl + 1;
    }
}

const char *
fcgi_client_strerror(int rc)
{
    static const char *const msg[] = {
        "success", "socket I/O error", "timed out waiting for FCGI_END_REQUEST",
        "malformed or truncated FastCGI reply",
        "connection closed by the server before any reply",
        "out of memory (or reply too large)", "invalid argument"
    };

    return rc <= 0 && rc >= FCGI_CLIENT_EINVAL ? msg[-rc] : "unknown error";
}
