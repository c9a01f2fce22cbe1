/* session_reply.c - tokens, cookies and sessions in replies. */
#include "session_reply.h"

#include <stdio.h>
#include <string.h>

#include "cookies.h"
#include "http_reply.h"
#include "session_tokens.h"
#include "snapshot.h"
#include "token_extract.h"

static int
session_reply_int(struct charon_buf *b, const char *name, int64_t v)
{
    char num[160];

    snprintf(num, sizeof(num), ",\"%s\":%lld", name, (long long)v);
    return charon_buf_puts(b, num);
}

int
session_reply_session_json(struct charon_buf *b, const struct session *s,
                           int current)
{
    int rc = session_codec_json_fields(s, 1, b);

    if (rc == CHARON_OK && current >= 0)
        rc = charon_buf_puts(b, current ? ",\"current\":true"
                                        : ",\"current\":false");
    return rc ? rc : charon_buf_puts(b, "}");
}

/* One token into the body (and its cookie), as the transport says. */
static int
session_reply_token(struct http_reply *reply, const struct policy *p,
                    struct charon_buf *b, int transport, const char *name,
                    const char *cookie_name, const char *token, int64_t exp,
                    int64_t ttl, int64_t now)
{
    const char *dot = strrchr(token, '.');
    char exp_name[64];
    int rc;

    rc = charon_buf_puts(b, "\"");
    rc = rc ? rc : charon_buf_puts(b, name);
    rc = rc ? rc : charon_buf_puts(b, "\":");
    if (rc != CHARON_OK)
        return rc;
    if (transport == TOKEN_TRANSPORT_COOKIE_ONLY) {
        rc = charon_buf_puts(b, "null");
        cookies_set(reply, p->charon, cookie_name, token, ttl, now);
    } else if (transport == TOKEN_TRANSPORT_COOKIE && dot != NULL) {
        /* body "header.payload", cookie ".signature" */
        rc = charon_buf_puts(b, "\"");
        rc = rc ? rc : charon_buf_append(b, token, (size_t)(dot - token));
        rc = rc ? rc : charon_buf_puts(b, "\"");
        cookies_set(reply, p->charon, cookie_name, dot, ttl, now);
    } else {
        rc = http_reply_json_string(b, token);
    }
    snprintf(exp_name, sizeof(exp_name), "%s_exp", name);
    return rc ? rc : session_reply_int(b, exp_name, exp);
}

void
session_reply_tokens(struct http_reply *reply, const struct policy *p,
                     int status, int transport,
                     const struct session_tokens *st, int64_t now)
{
    struct charon_buf b = CHARON_BUF_INIT;
    int rc;

    rc = charon_buf_puts(&b, "{\"tokens\":{");
    rc = rc ? rc : session_reply_token(reply, p, &b, transport,
                                       "access_token",
                                       p->charon->access_cookie_name,
                                       st->access_token, st->access_exp,
                                       st->access_ttl, now);
    rc = rc ? rc : charon_buf_puts(&b, ",");
    rc = rc ? rc : session_reply_token(reply, p, &b, transport,
                                       "refresh_token",
                                       p->charon->refresh_cookie_name,
                                       st->refresh_token, st->refresh_exp,
                                       st->refresh_ttl, now);
    rc = rc ? rc : charon_buf_puts(&b, "},\"session\":");
    rc = rc ? rc : session_reply_session_json(&b, &st->session, -1);
    rc = rc ? rc : charon_buf_puts(&b, "}");
    if (rc != CHARON_OK)
        reply->failed = 1;
    else
        http_reply_json(reply, status, (const char *)b.data, b.len);
    charon_buf_free(&b);
}

int
session_reply_ready(void *ctx, const struct session_tokens *st)
{
    struct session_reply_ctx *c = ctx;

    session_reply_tokens(c->reply, c->p, c->status, c->transport, st,
                         c->now);
    if (c->reply->failed ||
        charon_buf_reserve(c->out, c->reply->head.len + c->reply->body.len +
                                       128) != CHARON_OK)
        return CHARON_ENOMEM;
    return CHARON_OK;
}

void
session_reply_hook(struct session_reply_ctx *ctx,
                   struct session_tokens_hook *hook, struct http_reply *reply,
                   struct charon_buf *out, const struct policy *p, int status,
                   int transport, int64_t now)
{
    ctx->reply = reply;
    ctx->out = out;
    ctx->p = p;
    ctx->status = status;
    ctx->transport = transport;
    ctx->now = now;
    hook->ready = session_reply_ready;
    hook->ctx = ctx;
}
