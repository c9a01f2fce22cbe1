/*
 * fcgi_client.h - a small FastCGI 1.0 client for tests and benchmarks.
 *
 * Our own record layer (no libfcgi on the client side), so a test can
 * check the daemon's libfcgi server against an independent encoder.
 * One request in flight per connection, as nginx, lighttpd and Apache
 * do; the request id is the caller's.
 *
 * Every wait is bounded: each call takes a timeout in milliseconds
 * (> 0) that bounds the whole call, and uses poll() before any read or
 * write, so a mute or dead server costs at most that long.  Short reads
 * and writes and EINTR are handled inside.  Sockets are used with
 * MSG_DONTWAIT / MSG_NOSIGNAL, so the fd may be blocking or not and
 * SIGPIPE is never raised.
 *
 * Thread-safety: no shared state; different threads may use different
 * connections concurrently.
 */
#ifndef CHARON_TESTS_FCGI_CLIENT_H
#define CHARON_TESTS_FCGI_CLIENT_H

#include <stddef.h>
#include <stdint.h>

/* Return codes of the request functions: 0 or one of these. */
enum fcgi_client_rc {
    FCGI_CLIENT_OK       =  0,
    FCGI_CLIENT_EIO      = -1, /* a socket call failed (errno is kept)  */
    FCGI_CLIENT_ETIMEOUT = -2, /* timeout_ms elapsed before END_REQUEST */
    FCGI_CLIENT_EPROTO   = -3, /* malformed or truncated reply records  */
    FCGI_CLIENT_ECLOSED  = -4, /* peer closed (or reset) the connection
                                * before sending any byte of the reply:
                                * e.g. a kept connection the server has
                                * dropped; reconnecting and retrying is
                                * safe */
    FCGI_CLIENT_ENOMEM   = -5, /* allocation failed or reply too large  */
    FCGI_CLIENT_EINVAL   = -6  /* bad argument (param without '=', ...) */
};

/* Upper bound on the STDOUT and STDERR bytes kept for one reply. */
#define FCGI_CLIENT_MAX_REPLY (64u * 1024 * 1024)

/* Flags of fcgi_client_encode_request(). */
#define FCGI_CLIENT_KEEP_CONN 0x01   /* set FCGI_KEEP_CONN in BEGIN_REQUEST */
#define FCGI_CLIENT_NO_STDIN  0x100  /* send no FCGI_STDIN records at all
                                      * (what Apache does for authorizers) */

/* A growable byte buffer (encoded params, a whole request stream). */
struct fcgi_client_buf {
    unsigned char *data;
    size_t len;
    size_t cap;
};

/* What the application sent for one request.  Zero-initialise it before
 * the first use; it may be reused for later requests (the buffers are
 * kept and overwritten) and must be released with
 * fcgi_client_reply_free().  After a call that returned 0, out and err
 * are non-NULL and NUL-terminated (the NUL is not counted in the
 * lengths); after an error they hold what had arrived. */
struct fcgi_client_reply {
    unsigned char *out;        /* FCGI_STDOUT bytes */
    size_t out_len;
    unsigned char *err;        /* FCGI_STDERR bytes */
    size_t err_len;
    uint32_t app_status;       /* FCGI_END_REQUEST appStatus */
    int protocol_status;       /* FCGI_END_REQUEST protocolStatus; -1 until
                                * END_REQUEST was read */
    size_t out_cap;            /* private: allocated sizes */
    size_t err_cap;
};

/* Connects to "unix:/path" or "tcp:HOST:PORT" (HOST may be a name, an
 * IPv4 address or "[IPv6]") within timeout_ms.  Returns a connected,
 * non-blocking, close-on-exec socket, or -1 with errno set (ETIMEDOUT
 * on timeout, EINVAL for a malformed address). */
int fcgi_client_connect(const char *addr, int timeout_ms);

/* Sends one request and reads the reply until FCGI_END_REQUEST for
 * request_id.  params are "NAME=VALUE" strings, split at the first '='
 * (the value may contain '='); role is FCGI_RESPONDER, FCGI_AUTHORIZER
 * or FCGI_FILTER; keep_conn sets FCGI_KEEP_CONN.  The params stream and
 * body go out in as many records as needed, each followed by an empty
 * terminator record.  Returns 0 or a negative enum fcgi_client_rc; on
 * error the connection must be closed. */
int fcgi_client_request(int fd, uint16_t request_id, int role, int keep_conn,
                        const char *const *params, size_t nparams,
                        const void *body, size_t body_len, int timeout_ms,
                        struct fcgi_client_reply *reply);

/* Frees the reply's buffers and zeroes it; NULL-safe. */
void fcgi_client_reply_free(struct fcgi_client_reply *reply);

/* Parses "Status: NNN" from the CGI header block at the start of
 * reply->out (case-insensitive name, LF or CRLF line ends).  Returns
 * the status, 200 if the block has no Status header, or -1 if the block
 * is malformed (no blank line ending it, a line without ':', a status
 * that is not three digits in 100..999). */
int fcgi_client_http_status(const struct fcgi_client_reply *reply);

/* A short English text for an enum fcgi_client_rc. */
const char *fcgi_client_strerror(int rc);

/* --- lower level: for tests of malformed input and for fcgi_load --- */

/* Frees the buffer and zeroes it; NULL-safe. */
void fcgi_client_buf_free(struct fcgi_client_buf *b);

/* Appends one name-value pair in FastCGI encoding (lengths < 128 in one
 * byte, else four bytes with the high bit set; each at most 2^31 - 1).
 * Names and values are arbitrary bytes. */
int fcgi_client_params_add(struct fcgi_client_buf *params,
                           const void *name, size_t name_len,
                           const void *value, size_t value_len);

/* Appends "NAME=VALUE", split at the first '=': "A=b=c" is name "A",
 * value "b=c".  FCGI_CLIENT_EINVAL if there is no '=' or no name. */
int fcgi_client_params_add_pair(struct fcgi_client_buf *params,
                                const char *pair);

/* Appends to out the byte stream of one whole request: BEGIN_REQUEST,
 * the encoded params in FCGI_PARAMS records of at most 65535 content
 * bytes, an empty FCGI_PARAMS, the body in FCGI_STDIN records and an
 * empty FCGI_STDIN (unless FCGI_CLIENT_NO_STDIN).  Every record is
 * padded to a multiple of 8 bytes.  flags: FCGI_CLIENT_* above. */
int fcgi_client_encode_request(struct fcgi_client_buf *out,
                               uint16_t request_id, int role, int flags,
                               const void *params, size_t params_len,
                               const void *body, size_t body_len);

/* Appends one record with the given header fields and content, padded
 * to a multiple of 8 (content_len must be <= 65535). */
int fcgi_client_encode_record(struct fcgi_client_buf *out, int type,
                              uint16_t request_id, const void *content,
                              size_t content_len);

/* Writes the request bytes req (an encoded request stream) while reading
 * the reply, then reads until FCGI_END_REQUEST for request_id.  Reading
 * while writing avoids a deadlock with servers that answer before they
 * have read all of a large FCGI_STDIN.  If END_REQUEST arrives before
 * all of req is written, the rest is not sent.  Management records
 * (request id 0) are skipped; records of another request id, an unknown
 * type, a wrong version or bytes after END_REQUEST are FCGI_CLIENT_EPROTO. */
int fcgi_client_exchange(int fd, uint16_t request_id, const void *req,
                         size_t req_len, int timeout_ms,
                         struct fcgi_client_reply *reply);

/* Writes n raw bytes (e.g. a malformed record) within timeout_ms.
 * Returns 0 or a negative enum fcgi_client_rc. */
int fcgi_client_send_raw(int fd, const void *p, size_t n, int timeout_ms);

#endif /* CHARON_TESTS_FCGI_CLIENT_H */
