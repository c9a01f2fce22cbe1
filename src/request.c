/* request.c - params, routing path and body of one request. */
#include "request.h"

#include <string.h>

#include <charon/err.h>

const char *
request_param(const struct request *r, const char *name)
{
    size_t len = strlen(name);
    char *const *p;

    for (p = r->envp; p != NULL && *p != NULL; p++)
        if (strncmp(*p, name, len) == 0 && (*p)[len] == '=')
            return *p + len + 1;
    return NULL;
}

size_t
request_params_size(const struct request *r)
{
    char *const *p;
    size_t total = 0;

    for (p = r->envp; p != NULL && *p != NULL; p++)
        total += strlen(*p) + 1;
    return total;
}

const char *
request_route_path(const struct request *r, char *buf, size_t buf_len)
{
    const char *doc = request_param(r, "DOCUMENT_URI");
    const char *script = request_param(r, "SCRIPT_NAME");
    const char *info = request_param(r, "PATH_INFO");
    const char *uri;
    size_t n;

    if (doc != NULL && doc[0] != '\0') {
        n = strlen(doc);
        if (n >= buf_len)
            return NULL;
        memcpy(buf, doc, n + 1);
        return buf;
    }
    if ((script != NULL && script[0] != '\0') ||
        (info != NULL && info[0] != '\0')) {
        if (script == NULL)
            script = "";
        if (info == NULL)
            info = "";
        n = strlen(script) + strlen(info);
        if (n >= buf_len)
            return NULL;
        memcpy(buf, script, strlen(script));
        memcpy(buf + strlen(script), info, strlen(info) + 1);
        return buf;
    }
    uri = request_param(r, "REQUEST_URI");
    if (uri == NULL)
        uri = "";
    n = strcspn(uri, "?#");
    if (n >= buf_len)
        return NULL;
    memcpy(buf, uri, n);
    buf[n] = '\0';
    return buf;
}

int
request_read_body(struct request *r, size_t max, struct charon_buf *out)
{
    char chunk[4096];
    ssize_t n;

    if (r->read_body == NULL)
        return CHARON_OK;
    for (;;) {
        n = r->read_body(r->read_ctx, chunk, sizeof(chunk));
        if (n < 0)
            return CHARON_EIO;
        if (n == 0)
            return CHARON_OK;
        if (out->len + (size_t)n > max) {
            request_drain_body(r);
            return CHARON_ETOOBIG;
        }
        if (charon_buf_append(out, chunk, (size_t)n) != CHARON_OK)
            return CHARON_ENOMEM;
    }
}

void
request_drain_body(struct request *r)
{
    char chunk[4096];
    size_t total = 0;
    ssize_t n;

    if (r->read_body == NULL)
        return;
    /* Bounded: a client streaming forever must not pin the thread. */
    while (total < (64u << 20) &&
           (n = r->read_body(r->read_ctx, chunk, sizeof(chunk))) > 0)
        total += (size_t)n;
}
