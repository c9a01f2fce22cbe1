/* endpoint_logout.c - DELETE {prefix}/session (or POST
 * /session/logout), DELETE /sessions and DELETE /sessions/others. */
#include "endpoint_session.h"

#include <string.h>

#include "cookies.h"
#include "endpoint_common.h"
#include "events.h"
#include "request.h"
#include "session_codec.h"
#include "snapshot.h"
#include "token_check.h"
#include "worker.h"

/* The access token of a state change: verified, its session still
 * there, and with a cookie transport the CSRF header (a *_check_* step:
 * see endpoint_common.h). */
static int
logout_check_token(struct worker *w, const struct policy *p,
                   struct request *req, struct token_check *tc)
{
    int rc;

    request_drain_body(req);
    rc = endpoint_check_access(w, p, req, tc);
    return rc ? rc : endpoint_check_csrf(w, req, tc->transport);
}

void
endpoint_logout(struct worker *w, const struct policy *p,
                struct request *req)
{
    const struct charon_store_plugin *sp = snapshot_store(w->snap);
    struct charon_store_key key;
    struct token_check tc;
    struct charon_err err;
    int rc;

    if (logout_check_token(w, p, req, &tc) != CHARON_OK)
        return;
    /* Charon deletes only when the token names its session; either way
     * the cookies go. */
    if (tc.session_id[0] != '\0') {
        key.session_id = tc.session_id;
        key.user_id = tc.user_id;
        key.type = tc.session_type;
        charon_err_clear(&err);
        rc = sp->delete_one(w->snap->store.instance, w->store_ts, &key, &err);
        if (rc != CHARON_OK) {
            endpoint_store_error(w, rc, &err);
            return;
        }
        events_session(EVENTS_SESSION_DELETE, tc.session_id, tc.user_id,
                       tc.session_type);
    }
    endpoint_no_content(w);
    cookies_clear_both(&w->reply, p->charon);
}

/* DELETE /sessions, or with keep_current DELETE /sessions/others. */
static void
logout_sessions(struct worker *w, const struct policy *p,
                struct request *req, int keep_current)
{
    const struct charon_store_plugin *sp = snapshot_store(w->snap);
    struct charon_store_key key;
    struct token_check tc;
    struct charon_err err;
    int rc;

    if (!(sp->caps & CHARON_STORE_CAP_LIST)) {
        request_drain_body(req);
        http_reply_json_error(&w->reply, 501, "not_implemented",
                              "the session store cannot list sessions");
        return;
    }
    if (logout_check_token(w, p, req, &tc) != CHARON_OK)
        return;
    if (keep_current && tc.session_id[0] == '\0') {
        http_reply_json_error(&w->reply, 400, "invalid_request",
                              "the token names no session to keep");
        return;
    }
    key.session_id = NULL;
    key.user_id = tc.user_id;
    key.type = tc.session_type;
    charon_err_clear(&err);
    rc = sp->delete_all(w->snap->store.instance, w->store_ts, &key,
                        keep_current ? tc.session_id : NULL, &err);
    if (rc != CHARON_OK) {
        endpoint_store_error(w, rc, &err);
        return;
    }
    events_session(EVENTS_SESSION_DELETE_ALL, NULL, tc.user_id,
                   tc.session_type);
    endpoint_no_content(w);
    if (!keep_current)
        cookies_clear_both(&w->reply, p->charon);
}

void
endpoint_sessions_delete_all(struct worker *w, const struct policy *p,
                             struct request *req)
{
    logout_sessions(w, p, req, 0);
}

void
endpoint_sessions_delete_others(struct worker *w, const struct policy *p,
                                struct request *req)
{
    logout_sessions(w, p, req, 1);
}
