/* request.c - params, routing path and body of one request. */
#include "request.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <charon/err.h>

/* The params request_index looks for, with where each one goes. */
struct request_slot {
    const char *name;
    size_t len;
    size_t offset;
};

static const struct request_slot request_slots[] = {
    { "HTTP_AUTHORIZATION", sizeof("HTTP_AUTHORIZATION") - 1,
      offsetof(struct request, authorization) },
    { "HTTP_COOKIE", sizeof("HTTP_COOKIE") - 1,
      offsetof(struct request, cookie) },
    { "CHARON_PROFILE", sizeof("CHARON_PROFILE") - 1,
      offsetof(struct request, profile) },
    { "REQUEST_METHOD", sizeof("REQUEST_METHOD") - 1,
      offsetof(struct request, method) },
    { "CONTENT_LENGTH", sizeof("CONTENT_LENGTH") - 1,
      offsetof(struct request, content_length) },
    { "DOCUMENT_URI", sizeof("DOCUMENT_URI") - 1,
      offsetof(struct request, document_uri) },
    { "SCRIPT_NAME", sizeof("SCRIPT_NAME") - 1,
      offsetof(struct request, script_name) },
    { "PATH_INFO", sizeof("PATH_INFO") - 1,
      offsetof(struct request, path_info) },
    { "REQUEST_URI", sizeof("REQUEST_URI") - 1,
      offsetof(struct request, request_uri) },
};

void
request_index(struct request *r)
{
    char *const *p;
    const char *eq, **field;
    size_t i, len, n = sizeof(request_slots) / sizeof(request_slots[0]);

    r->params_size = 0;
    for (i = 0; i < n; i++)
        *(const char **)((char *)r + request_slots[i].offset) = NULL;
    for (p = r->envp; p != NULL && *p != NULL; p++) {
        eq = strchr(*p, '=');
        len = strlen(*p);
        r->params_size += len + 1;
        if (eq == NULL)
            continue;
        for (i = 0; i < n; i++) {
            if ((size_t)(eq - *p) != request_slots[i].len ||
                memcmp(*p, request_slots[i].name, request_slots[i].len) != 0)
                continue;
            field = (const char **)((char *)r + request_slots[i].offset);
            if (*field == NULL)
                *field = eq + 1;
            break;
        }
    }
}

const char *
request_route_path(const struct request *r, char *buf, size_t buf_len)
{
    const char *doc = r->document_uri;
    const char *script = r->script_name;
    const char *info = r->path_info;
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
    uri = r->request_uri;
    if (uri == NULL)
        uri = "";
    n = strcspn(uri, "?#");
    if (n >= buf_len)
        return NULL;
    memcpy(buf, uri, n);
    buf[n] = '\0';
    return buf;
}

const char *
request_param(const struct request *r, const char *name)
{
    char *const *p;
    size_t n = strlen(name);

    for (p = r->envp; p != NULL && *p != NULL; p++)
        if (strncmp(*p, name, n) == 0 && (*p)[n] == '=')
            return *p + n + 1;
    return NULL;
}

int
request_read_body(struct request *r, size_t max, struct charon_buf *out)
{
    unsigned long long want = 0;
    int known = 0;
    ssize_t n;
    char *end;

    charon_buf_reset(out);
    if (r->content_length != NULL && r->content_length[0] != '\0') {
        want = strtoull(r->content_length, &end, 10);
        if (*end != '\0')
            return CHARON_EINVAL;
        if (want > max)
            return CHARON_ETOOBIG;
        known = 1;
    }
    if (r->read_body == NULL)
        return known && want > 0 ? CHARON_EIO : CHARON_OK;
    for (;;) {
        if (known && out->len == want)
            break;
        if (charon_buf_reserve(out, 4096) != CHARON_OK)
            return CHARON_ENOMEM;
        n = r->read_body(r->read_ctx, out->data + out->len,
                         known ? (size_t)(want - out->len) < 4096
                                     ? (size_t)(want - out->len) : 4096
                               : 4096);
        if (n < 0)
            return CHARON_EIO;
        if (n == 0)
            return known ? CHARON_EIO : CHARON_OK;
        out->len += (size_t)n;
        out->data[out->len] = '\0';
        if (out->len > max)
            return CHARON_ETOOBIG;
    }
    return CHARON_OK;
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
