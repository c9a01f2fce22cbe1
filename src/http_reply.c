/* http_reply.c - CGI responses and the rc -> HTTP status mapping. */
#include "http_reply.h"

#include <stdio.h>
#include <string.h>

#include <charon/err.h>

#include "json_escape.h"

void
http_reply_init(struct http_reply *r)
{
    memset(r, 0, sizeof(*r));
}

void
http_reply_reset(struct http_reply *r)
{
    r->status = 0;
    r->head_only = 0;
    r->failed = 0;
    charon_buf_reset(&r->head);
    charon_buf_reset(&r->body);
}

void
http_reply_free(struct http_reply *r)
{
    charon_buf_free(&r->head);
    charon_buf_free(&r->body);
}

static void
http_reply_put(struct http_reply *r, struct charon_buf *b, const void *p,
               size_t n)
{
    if (charon_buf_append(b, p, n) != CHARON_OK)
        r->failed = 1;
}

void
http_reply_header(struct http_reply *r, const char *name, const char *value)
{
    size_t start, i;

    http_reply_put(r, &r->head, name, strlen(name));
    http_reply_put(r, &r->head, ": ", 2);
    start = r->head.len;
    http_reply_put(r, &r->head, value, strlen(value));
    if (!r->failed)
        for (i = start; i < r->head.len; i++)
            if (r->head.data[i] < 0x20 || r->head.data[i] == 0x7f)
                r->head.data[i] = ' ';
    http_reply_put(r, &r->head, "\r\n", 2);
}

int
http_reply_json_string(struct charon_buf *b, const char *s)
{
    return json_escape(b, s, strlen(s), JSON_ESCAPE_UTF8);
}

void
http_reply_json_error(struct http_reply *r, int status, const char *code,
                      const char *message)
{
    r->status = status;
    http_reply_header(r, "Content-Type", "application/json");
    http_reply_header(r, "Cache-Control", "no-store");
    charon_buf_reset(&r->body);
    http_reply_put(r, &r->body, "{\"error\":", 9);
    if (http_reply_json_string(&r->body, code) != CHARON_OK)
        r->failed = 1;
    http_reply_put(r, &r->body, ",\"message\":", 11);
    if (http_reply_json_string(&r->body, message) != CHARON_OK)
        r->failed = 1;
    http_reply_put(r, &r->body, "}", 1);
}

void
http_reply_json_cache(struct http_reply *r, int status,
                      const char *cache_control, const char *json, size_t len)
{
    r->status = status;
    http_reply_header(r, "Content-Type", "application/json");
    http_reply_header(r, "Cache-Control", cache_control);
    charon_buf_reset(&r->body);
    http_reply_put(r, &r->body, json, len);
}

void
http_reply_json(struct http_reply *r, int status, const char *json,
                size_t len)
{
    http_reply_json_cache(r, status, "no-store", json, len);
}

const char *
http_reply_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default:  return "Unknown";
    }
}

int
http_reply_status_for(int rc)
{
    switch (rc) {
    case CHARON_OK:        return 200;
    case CHARON_EINVAL:    return 400;
    case CHARON_ETOKEN:
    case CHARON_ENOTFOUND: return 401;
    case CHARON_ECONFLICT: return 409;
    case CHARON_ETOOBIG:   return 413;
    case CHARON_EUNAVAIL:
    case CHARON_ENOMEM:    return 503;
    default:               return 500;
    }
}

int
http_reply_serialize(const struct http_reply *r, struct charon_buf *out)
{
    static const char oom[] =
        "Status: 503 Service Unavailable\r\n"
        "Content-Type: application/json\r\n\r\n"
        "{\"error\":\"service_unavailable\",\"message\":\"out of memory\"}";
    char line[64];
    int n, status = r->status != 0 ? r->status : 500;

    charon_buf_reset(out);
    if (r->failed)
        goto oom;
    n = snprintf(line, sizeof(line), "Status: %d %s\r\n", status,
                 http_reply_reason(status));
    if (charon_buf_append(out, line, (size_t)n) != CHARON_OK ||
        charon_buf_append(out, r->head.data, r->head.len) != CHARON_OK ||
        charon_buf_append(out, "\r\n", 2) != CHARON_OK)
        goto oom;
    if (!r->head_only &&
        charon_buf_append(out, r->body.data, r->body.len) != CHARON_OK)
        goto oom;
    return CHARON_OK;
oom:
    charon_buf_reset(out);
    if (charon_buf_append(out, oom, sizeof(oom) - 1) != CHARON_OK)
        return CHARON_ENOMEM;
    return CHARON_OK;
}
