/*
 * request.h - one HTTP request as the web server handed it over, the
 * same for FastCGI and CGI: its role, its CGI/FastCGI params and its
 * body stream.  Params are borrowed from libfcgi (or the environment)
 * and valid until the request is finished.
 */
#ifndef CHARON_REQUEST_H
#define CHARON_REQUEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <charon/buf.h>

enum request_role {
    REQUEST_RESPONDER = 1,
    REQUEST_AUTHORIZER = 2
};

struct request {
    int role;                      /* enum request_role               */
    char *const *envp;             /* "NAME=VALUE", NULL-terminated   */
    /* Reads up to n body bytes; 0 at the end, -1 on error. */
    ssize_t (*read_body)(void *ctx, void *buf, size_t n);
    void *read_ctx;
    int64_t now;                   /* the request time                */
    /* Filled by request_index() in one pass (first occurrence wins, as
     * FCGX_GetParam); NULL when absent. */
    const char *authorization;     /* HTTP_AUTHORIZATION              */
    const char *cookie;            /* HTTP_COOKIE                     */
    const char *profile;           /* CHARON_PROFILE                  */
    const char *method;            /* REQUEST_METHOD                  */
    const char *content_length;    /* CONTENT_LENGTH                  */
    const char *document_uri;      /* DOCUMENT_URI                    */
    const char *script_name;       /* SCRIPT_NAME                     */
    const char *path_info;         /* PATH_INFO                       */
    const char *request_uri;       /* REQUEST_URI                     */
    size_t params_size;            /* all params: names, values, '=', NUL */
};

/* Indexes the params the daemon reads, in one pass over envp. */
void request_index(struct request *r);

/*
 * The path that selects the endpoint: DOCUMENT_URI, else SCRIPT_NAME +
 * PATH_INFO, else the path of REQUEST_URI (without the query).  nginx's
 * auth_request passes the protected page as REQUEST_URI, so it is the
 * last resort.  Writes into buf; returns buf, or NULL if too long.
 */
const char *request_route_path(const struct request *r, char *buf,
                               size_t buf_len);

/* The first param called name, or NULL (a linear scan: for params read
 * once per request by an endpoint, not on the authorizer's path). */
const char *request_param(const struct request *r, const char *name);

/*
 * Reads the whole body into out (reset first): CONTENT_LENGTH bytes if
 * given, else up to the end.  CHARON_ETOOBIG past max bytes, CHARON_EIO
 * when the stream ends early or fails, CHARON_ENOMEM.
 */
int request_read_body(struct request *r, size_t max, struct charon_buf *out);

/* Reads and drops what is left of the body (up to a bound). */
void request_drain_body(struct request *r);

#endif /* CHARON_REQUEST_H */
