/* endpoint_refresh.c - POST {prefix}/session/refresh: Charon's refresh
 * pipeline (refresh token, session loaded, freshness), then the session
 * upserted with its lock and new tokens in the transport it came by. */
#include "endpoint_session.h"

#include <string.h>

#include "endpoint_common.h"
#include "request.h"
#include "session_reply.h"
#include "session_tokens.h"
#include "snapshot.h"
#include "token_check.h"
#include "worker.h"

/* With a store that keeps nothing (store_dummy) there is no session to
 * load: as in Charon, the refresh creates a new one from the token. */
static int
refresh_stateless(struct worker *w, const struct policy *p,
                  const struct token_check *tc,
                  const struct session_tokens_hook *hook,
                  struct session_tokens *st, struct charon_err *err)
{
    struct session_opts o;

    memset(&o, 0, sizeof(o));
    o.user_id = tc->user_id;
    o.user_id_is_int = tc->user_id_is_int;
    o.type = tc->session_type;
    return session_tokens_create(w, p, &o, w->now, hook, st, err);
}

void
endpoint_refresh(struct worker *w, const struct policy *p,
                 struct request *req)
{
    int persist = snapshot_store(w->snap)->caps & CHARON_STORE_CAP_PERSIST;
    struct token_check_want want = {
        .type = "refresh",
        .cookie_name = p->charon->refresh_cookie_name,
        .apply_rules = 0,
        .load_session = persist,
        .check_fresh = persist,
    };
    struct session_tokens_hook hook;
    struct session_reply_ctx rctx;
    struct token_check tc;
    struct session_tokens st;
    struct session loaded;
    struct charon_err err;
    int rc;

    request_drain_body(req);
    token_check_run(w, p, req, &want, &tc, &loaded);
    if (tc.status != 200) {
        endpoint_token_error(w, &tc);
        goto done;
    }
    if (endpoint_check_csrf(w, req, tc.transport) != CHARON_OK ||
        endpoint_check_browser(w, p, req, tc.transport) != CHARON_OK)
        goto done;
    session_reply_hook(&rctx, &hook, &w->reply, &w->out, p, 200,
                       tc.transport, req->now);
    charon_err_clear(&err);
    /* The reply is built before the session is stored (the hook). */
    if (persist)
        rc = session_tokens_refresh(w, p, &loaded, tc.new_cycle, req->now,
                                    &hook, &st, &err);
    else
        rc = refresh_stateless(w, p, &tc, &hook, &st, &err);
    if (rc != CHARON_OK)
        http_reply_reset(&w->reply);
    if (rc == CHARON_ENOTFOUND) {
        http_reply_header(&w->reply, "WWW-Authenticate",
                          "Bearer error=\"invalid_token\", "
                          "error_description=\"session not found\"");
        http_reply_json_error(&w->reply, 401, "invalid_token",
                              "session not found");
        goto done;
    }
    if (rc != CHARON_OK) {
        endpoint_store_error(w, rc, &err);
        goto done;
    }
    session_tokens_free(&st);
done:
    session_free(&loaded);
}
