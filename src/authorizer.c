/* authorizer.c - AUTHORIZER role replies. */
#include "authorizer.h"

#include <stdio.h>

#include "claims.h"
#include "snapshot.h"
#include "token_check.h"
#include "worker.h"

void
authorizer_deny(struct http_reply *reply, const struct token_check *tc)
{
    char www[320];

    if (tc->status == 401 || tc->status == 403) {
        snprintf(www, sizeof(www),
                 "Bearer error=\"%s\", error_description=\"%s\"",
                 tc->status == 403 ? "insufficient_scope" : "invalid_token",
                 tc->reason);
        http_reply_header(reply, "WWW-Authenticate", www);
    }
    http_reply_json_error(reply, tc->status, tc->error, tc->reason);
}

/* Writes each exported claim present in the token: scalars as text,
 * lists joined with spaces (as OAuth scopes travel). */
static void
authorizer_export(struct http_reply *reply, const struct policy *p,
                  const struct json_claims *claims, int as_variables)
{
    char name[SNAPSHOT_NAME_MAX + 16], text[CLAIMS_TEXT_MAX];
    const struct json_claims_value *v;
    struct json_claims_value elem;
    struct charon_buf joined = CHARON_BUF_INIT;
    const struct export_claim *e;
    size_t i, pos;

    for (i = 0; i < p->nexports; i++) {
        e = &p->exports[i];
        v = json_claims_get(claims, e->claim);
        if (v == NULL)
            continue;
        snprintf(name, sizeof(name), "%s%s", as_variables ? "Variable-" : "",
                 as_variables ? e->variable : e->header);
        if (v->type != JSON_CLAIMS_ARRAY) {
            /* An object travels as its JSON text. */
            if (json_claims_text(v, text, sizeof(text)) < 0)
                snprintf(text, sizeof(text), "%.*s",
                         v->len < sizeof(text) ? (int)v->len : 0, v->p);
            http_reply_header(reply, name, text);
            continue;
        }
        charon_buf_reset(&joined);
        pos = 0;
        while (json_claims_array_next(v, &pos, &elem)) {
            if (json_claims_text(&elem, text, sizeof(text)) < 0)
                continue;
            if ((joined.len > 0 && charon_buf_append(&joined, " ", 1)) ||
                charon_buf_puts(&joined, text))
                reply->failed = 1;
        }
        http_reply_header(reply, name,
                          joined.data != NULL ? (char *)joined.data : "");
    }
    charon_buf_free(&joined);
}

void
authorizer_allow_headers(struct http_reply *reply, const struct policy *p,
                         const struct token_check *tc, int as_variables)
{
    if (as_variables) {
        http_reply_header(reply, "Variable-REMOTE_USER", tc->user_id);
        http_reply_header(reply, "Variable-CHARON_USER_ID", tc->user_id);
        http_reply_header(reply, "Variable-CHARON_SESSION_ID",
                          tc->session_id);
        http_reply_header(reply, "Variable-CHARON_SESSION_TYPE",
                          tc->session_type);
    } else {
        http_reply_header(reply, "X-Charon-User-Id", tc->user_id);
        http_reply_header(reply, "X-Charon-Session-Id", tc->session_id);
        http_reply_header(reply, "X-Charon-Session-Type", tc->session_type);
    }
    authorizer_export(reply, p, tc->claims, as_variables);
}

void
authorizer_answer(struct worker *w, const struct policy *p,
                  const struct request *req, int as_variables)
{
    struct token_check tc;

    token_check_access(w, p, req, &tc);
    if (tc.status != 200) {
        authorizer_deny(&w->reply, &tc);
        return;
    }
    w->reply.status = 200;
    authorizer_allow_headers(&w->reply, p, &tc, as_variables);
    /* Never on the AUTHORIZER role: Apache passes any non-Variable
     * header of an allow on to the client. */
    if (!as_variables)
        http_reply_header(&w->reply, "Cache-Control", "no-store");
}
