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

/* Writes each exported claim present in the payload, with name_of()
 * choosing the header name. */
static void
authorizer_export(struct http_reply *reply, const struct policy *p,
                  json_object *payload, int as_variables)
{
    char buf[64], name[SNAPSHOT_NAME_MAX + 16];
    const struct export_claim *e;
    const char *text;
    json_object *v;
    size_t i;

    for (i = 0; i < p->nexports; i++) {
        e = &p->exports[i];
        if (!json_object_object_get_ex(payload, e->claim, &v))
            continue;
        text = claims_scalar_text(v, buf, sizeof(buf));
        if (text == NULL && json_object_is_type(v, json_type_array)) {
            /* Lists travel space-separated, as OAuth scopes do. */
            size_t k, n = json_object_array_length(v);
            struct charon_buf joined = CHARON_BUF_INIT;
            const char *item;

            for (k = 0; k < n; k++) {
                item = claims_scalar_text(json_object_array_get_idx(v, k),
                                          buf, sizeof(buf));
                if (item == NULL)
                    continue;
                if ((joined.len > 0 && charon_buf_append(&joined, " ", 1)) ||
                    charon_buf_puts(&joined, item))
                    reply->failed = 1;
            }
            snprintf(name, sizeof(name), "%s%s",
                     as_variables ? "Variable-" : "",
                     as_variables ? e->variable : e->header);
            http_reply_header(reply, name,
                              joined.data != NULL ? (char *)joined.data : "");
            charon_buf_free(&joined);
            continue;
        }
        if (text == NULL)
            text = json_object_to_json_string_ext(
                v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (text == NULL) {             /* out of memory */
            reply->failed = 1;
            continue;
        }
        snprintf(name, sizeof(name), "%s%s", as_variables ? "Variable-" : "",
                 as_variables ? e->variable : e->header);
        http_reply_header(reply, name, text);
    }
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
    authorizer_export(reply, p, tc->payload, as_variables);
}

void
authorizer_handle(struct worker *w, const struct policy *p,
                  const struct request *req)
{
    struct token_check tc;

    token_check_access(w, p, req, &tc);
    if (tc.status != 200) {
        authorizer_deny(&w->reply, &tc);
    } else {
        w->reply.status = 200;
        authorizer_allow_headers(&w->reply, p, &tc, 1);
    }
    token_check_done(&tc);
}
