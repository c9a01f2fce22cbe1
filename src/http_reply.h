/*
 * http_reply.h - building a CGI response (status, headers, body) and
 * turning charon_rc codes into HTTP statuses, in this one place.
 */
#ifndef CHARON_HTTP_REPLY_H
#define CHARON_HTTP_REPLY_H

#include <stddef.h>

#include <charon/buf.h>

struct http_reply {
    int status;                 /* 0 until set                        */
    struct charon_buf head;     /* "Name: value\r\n" lines            */
    struct charon_buf body;
    int head_only;              /* HEAD: keep headers, drop the body  */
    int failed;                 /* an allocation failed along the way */
};

void http_reply_init(struct http_reply *r);
void http_reply_reset(struct http_reply *r);
void http_reply_free(struct http_reply *r);

/* Appends a header; value is cleaned of CR, LF and other control bytes
 * (replaced by a space) so that no claim can inject a header. */
void http_reply_header(struct http_reply *r, const char *name,
                       const char *value);

/* status + JSON {"error":code,"message":message} with Content-Type and
 * Cache-Control: no-store. */
void http_reply_json_error(struct http_reply *r, int status,
                           const char *code, const char *message);

/* status + a JSON body given as text, with Cache-Control: no-store. */
void http_reply_json(struct http_reply *r, int status, const char *json,
                     size_t len);

/* The same with another Cache-Control value (one header, never two). */
void http_reply_json_cache(struct http_reply *r, int status,
                           const char *cache_control, const char *json,
                           size_t len);

/* The reason phrase of a status ("Unauthorized"). */
const char *http_reply_reason(int status);

/* HTTP status for a charon_rc: EINVAL 400, ETOKEN/ENOTFOUND 401,
 * ECONFLICT 409, ETOOBIG 413, EUNAVAIL/ENOMEM 503, else 500. */
int http_reply_status_for(int rc);

/* Serialises "Status: N Reason\r\n" + headers + "\r\n" + body into out.
 * An allocation failure along the way turns the reply into a bare 503. */
int http_reply_serialize(const struct http_reply *r, struct charon_buf *out);

/* Appends s as a JSON string literal (quotes included). */
int http_reply_json_string(struct charon_buf *b, const char *s);

#endif /* CHARON_HTTP_REPLY_H */
