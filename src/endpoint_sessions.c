/* endpoint_sessions.c - GET {prefix}/sessions: the user's live sessions
 * of the token's session type, each checked like any stored session. */
#include "endpoint_session.h"

#include <string.h>

#include "endpoint_common.h"
#include "log.h"
#include "request.h"
#include "session_codec.h"
#include "session_reply.h"
#include "snapshot.h"
#include "token_check.h"
#include "worker.h"

struct sessions_walk {
    struct worker *w;
    const struct token_check *tc;
    struct charon_buf *json;
    size_t shown;
    size_t ignored;
};

static int
sessions_each(void *ctx, const void *blob, size_t len, uint64_t lock)
{
    struct sessions_walk *walk = ctx;
    const struct token_check *tc = walk->tc;
    struct session_expect want;
    struct session s;
    struct charon_err err;
    int rc;

    token_check_expect(tc, NULL, walk->w->now, &want);
    rc = session_codec_decode(&walk->w->session_mac, blob, len,
                              walk->w->snap->session_key, &want, &s, &err);
    if (rc == CHARON_ENOTFOUND) {
        walk->ignored++;
        return CHARON_OK;
    }
    if (rc != CHARON_OK)
        return rc;
    s.lock_version = lock;
    rc = charon_buf_puts(walk->json, walk->shown > 0 ? "," : "");
    rc = rc ? rc : session_reply_session_json(walk->json, &s,
                                              strcmp(s.id, tc->session_id)
                                                  == 0);
    session_free(&s);
    walk->shown++;
    return rc;
}

void
endpoint_sessions_list(struct worker *w, const struct policy *p,
                       struct request *req)
{
    const struct charon_store_plugin *sp = snapshot_store(w->snap);
    struct charon_buf json = CHARON_BUF_INIT;
    struct sessions_walk walk;
    struct charon_store_key key;
    struct token_check tc;
    struct charon_err err;
    int rc;

    request_drain_body(req);
    if (!(sp->caps & CHARON_STORE_CAP_LIST)) {
        http_reply_json_error(&w->reply, 501, "not_implemented",
                              "the session store cannot list sessions");
        return;
    }
    if (endpoint_check_access(w, p, req, &tc) != CHARON_OK)
        return;
    memset(&walk, 0, sizeof(walk));
    walk.w = w;
    walk.tc = &tc;
    walk.json = &json;
    key.session_id = NULL;
    key.user_id = tc.user_id;
    key.type = tc.session_type;
    charon_err_clear(&err);
    rc = charon_buf_puts(&json, "{\"sessions\":[");
    if (rc == CHARON_OK)
        rc = sp->get_all(w->snap->store.instance, w->store_ts, &key,
                         sessions_each, &walk, &err);
    if (rc == CHARON_ENOMEM && err.msg[0] == '\0')
        charon_err_set(&err, rc, "out of memory");
    if (rc == CHARON_OK)
        rc = charon_buf_puts(&json, "]}");
    if (walk.ignored > 0) {
        char quser[LOG_QUOTE_SIZE];

        log_msg(CHARON_LOG_WARN, "ignored %zu stored session(s) of user %s: "
                "invalid signature or fields", walk.ignored,
                log_quote(quser, sizeof(quser), tc.user_id));
    }
    if (rc != CHARON_OK)
        endpoint_store_error(w, rc, &err);
    else
        http_reply_json(&w->reply, 200, (const char *)json.data, json.len);
    charon_buf_free(&json);
}
