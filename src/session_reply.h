/*
 * session_reply.h - what the session endpoints answer: the tokens of a
 * login or refresh in the body and cookies of its transport
 * (docs/CHARON.md §8.2), and sessions as JSON.
 *
 *   bearer       body: whole tokens                  cookies: none
 *   cookie       body: "header.payload"              cookies: ".signature"
 *   cookie_only  body: null                          cookies: whole tokens
 */
#ifndef CHARON_SESSION_REPLY_H
#define CHARON_SESSION_REPLY_H

#include <charon/buf.h>

#include "session_codec.h"

struct http_reply;
struct policy;
struct session_tokens;
struct session_tokens_hook;

/*
 * Fills reply with status and
 * {"tokens":{"access_token":…,"access_token_exp":…,"refresh_token":…,
 *  "refresh_token_exp":…},"session":{…}} and, for the cookie transports,
 * the two Set-Cookie headers (max-age = each token's TTL).
 */
void session_reply_tokens(struct http_reply *reply, const struct policy *p,
                          int status, int transport,
                          const struct session_tokens *st, int64_t now);

/* What session_reply_ready needs to build the reply. */
struct session_reply_ctx {
    struct http_reply *reply;
    struct charon_buf *out;       /* the worker's serialisation buffer */
    const struct policy *p;
    int status;
    int transport;
    int64_t now;
};

/*
 * A session_tokens_hook: builds the tokens reply (session_reply_tokens)
 * before the session is stored, and reserves room in out to serialise
 * it, so that nothing after the store write can fail for memory.  0, or
 * -1 when memory ran out (the operation is then cancelled).
 */
int session_reply_ready(void *ctx, const struct session_tokens *st);

/* Fills ctx and hook so that session_tokens_* build the tokens reply
 * (status, transport) into reply before the session is stored. */
void session_reply_hook(struct session_reply_ctx *ctx,
                        struct session_tokens_hook *hook,
                        struct http_reply *reply, struct charon_buf *out,
                        const struct policy *p, int status, int transport,
                        int64_t now);

/*
 * Appends the session as the client sees it: every field but
 * extra_payload (server-side data) and refresh_token_id.  With
 * current >= 0, adds "current":true/false.
 */
int session_reply_session_json(struct charon_buf *b, const struct session *s,
                               int current);

#endif /* CHARON_SESSION_REPLY_H */
