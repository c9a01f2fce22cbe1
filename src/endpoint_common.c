/* endpoint_common.c - shared checks of the session endpoints. */
#include "endpoint_common.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "authorizer.h"
#include "log.h"
#include "request.h"
#include "snapshot.h"
#include "token_check.h"
#include "token_extract.h"
#include "worker.h"

const char *
endpoint_header(const struct request *req, const char *name)
{
    char param[160];
    size_t i, n = 5;

    memcpy(param, "HTTP_", 5);
    for (i = 0; name[i] != '\0'; i++) {
        if (n + 1 >= sizeof(param))
            return NULL;
        param[n++] = name[i] == '-' ? '_'
                                    : (char)toupper((unsigned char)name[i]);
    }
    param[n] = '\0';
    return request_param(req, param);
}

int
endpoint_check_csrf(struct worker *w, const struct request *req,
                    int transport)
{
    const char *name = w->snap->cfg->endpoints.csrf_header;
    char msg[192];

    if (transport != TOKEN_TRANSPORT_COOKIE &&
        transport != TOKEN_TRANSPORT_COOKIE_ONLY)
        return CHARON_OK;
    if (name == NULL || name[0] == '\0' || endpoint_header(req, name) != NULL)
        return CHARON_OK;
    snprintf(msg, sizeof(msg), "a request authenticated by a cookie must "
             "send the %s header", name);
    http_reply_json_error(&w->reply, 403, "csrf_header_missing", msg);
    return CHARON_EINVAL;
}

int
endpoint_check_browser(struct worker *w, const struct policy *p,
                       const struct request *req, int transport)
{
    if (transport != TOKEN_TRANSPORT_BEARER ||
        !p->charon->enforce_browser_cookies ||
        request_param(req, "HTTP_SEC_FETCH_MODE") == NULL)
        return CHARON_OK;
    http_reply_json_error(&w->reply, 400, "invalid_request",
                          "Token transport method bearer is not allowed for "
                          "browser clients.");
    return CHARON_EINVAL;
}

void
endpoint_store_error(struct worker *w, int rc, const struct charon_err *err)
{
    const char *store = w->snap->store.handle.hdr->name;

    if (rc == CHARON_ECONFLICT) {
        http_reply_json_error(&w->reply, 409, "conflict",
                              "A conflict occurred when updating a session. "
                              "The update was cancelled.");
        return;
    }
    log_msg(CHARON_LOG_ERR, "%s: %s", store, err->msg);
    if (rc == CHARON_EUNAVAIL || rc == CHARON_ENOMEM)
        http_reply_json_error(&w->reply, 503, "service_unavailable",
                              "the session store is unavailable");
    else
        http_reply_json_error(&w->reply, 500, "server_error",
                              ENDPOINT_STORE_FAILED);
}

int
endpoint_check_access(struct worker *w, const struct policy *p,
                      const struct request *req, struct token_check *tc)
{
    /* Whatever require_session says: a token whose session has ended
     * (logged out, revoked) must not reach the user's other sessions.
     * A store that keeps nothing has no session to ask for. */
    struct token_check_want want = {
        .type = "access",
        .cookie_name = p->charon->access_cookie_name,
        .apply_rules = 0,
        .load_session = (snapshot_store(w->snap)->caps &
                         CHARON_STORE_CAP_PERSIST) != 0,
        .check_fresh = 0,
    };

    token_check_run(w, p, req, &want, tc, NULL);
    if (tc->status == 200)
        return CHARON_OK;
    return endpoint_token_error(w, tc);
}

int
endpoint_token_error(struct worker *w, const struct token_check *tc)
{
    authorizer_deny(&w->reply, tc);
    return tc->status < 500 ? CHARON_ETOKEN : CHARON_EUNAVAIL;
}

void
endpoint_no_content(struct worker *w)
{
    w->reply.status = 204;
    http_reply_header(&w->reply, "Cache-Control", "no-store");
    charon_buf_reset(&w->reply.body);
}
