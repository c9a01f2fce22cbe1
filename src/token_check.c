/* token_check.c - verify an access token and apply the policy. */
#include "token_check.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "snapshot.h"
#include "token_extract.h"
#include "worker.h"

static void
token_check_fail(struct token_check *tc, int status, const char *error,
                 const char *reason)
{
    tc->status = status;
    tc->error = error;
    if (reason != tc->reason)
        snprintf(tc->reason, sizeof(tc->reason), "%s", reason);
    if (tc->payload != NULL)
        json_object_put(tc->payload);
    tc->payload = NULL;
}

/* A time claim: missing → "not found"; not a number → "invalid". */
static int
token_check_time_claim(json_object *payload, const char *name, int64_t *out,
                       char *reason, size_t reason_len)
{
    json_object *v;

    if (!json_object_object_get_ex(payload, name, &v)) {
        snprintf(reason, reason_len, "bearer token claim %s not found", name);
        return CHARON_ETOKEN;
    }
    if (json_object_is_type(v, json_type_int)) {
        *out = json_object_get_int64(v);
        return CHARON_OK;
    }
    /* A double outside ±1e15 s (or NaN) has no sane time and would be
     * undefined behaviour to convert. */
    if (json_object_is_type(v, json_type_double) &&
        json_object_get_double(v) > -1e15 && json_object_get_double(v) < 1e15) {
        *out = (int64_t)json_object_get_double(v);
        return CHARON_OK;
    }
    snprintf(reason, reason_len, "bearer token claim %s invalid", name);
    return CHARON_ETOKEN;
}

int
token_check_verify(struct worker *w, const char *token, size_t len,
                   int64_t now, long clock_skew, json_object **payload,
                   char *reason, size_t reason_len, char *detail,
                   size_t detail_len)
{
    const struct charon_token_plugin *tp = snapshot_token(w->snap);
    struct charon_err err;
    json_object *obj;
    int64_t nbf, exp;
    int rc;

    charon_buf_reset(&w->payload);
    charon_err_clear(&err);
    rc = tp->verify(w->snap->token.instance, w->token_ts, token, len,
                    &w->payload, &err);
    if (rc != CHARON_OK) {
        if (detail != NULL)
            snprintf(detail, detail_len, "%s", err.msg);
        if (rc != CHARON_ETOKEN)
            return rc;
        snprintf(reason, reason_len, "bearer token signature invalid");
        return CHARON_ETOKEN;
    }
    json_tokener_reset(w->tok);
    obj = json_tokener_parse_ex(w->tok, (const char *)w->payload.data,
                                (int)w->payload.len);
    if (obj == NULL || json_tokener_get_error(w->tok) != json_tokener_success ||
        json_tokener_get_parse_end(w->tok) != w->payload.len ||
        !json_object_is_type(obj, json_type_object)) {
        json_object_put(obj);
        if (detail != NULL)
            snprintf(detail, detail_len, "json invalid");
        snprintf(reason, reason_len, "bearer token signature invalid");
        return CHARON_ETOKEN;
    }
    rc = token_check_time_claim(obj, "nbf", &nbf, reason, reason_len);
    /* now >= nbf - skew and now < exp + skew, written so that no
     * claim value can overflow the sum (now and skew are small). */
    if (rc == CHARON_OK && nbf > now + clock_skew) {
        snprintf(reason, reason_len, "bearer token not yet valid");
        rc = CHARON_ETOKEN;
    }
    if (rc == CHARON_OK)
        rc = token_check_time_claim(obj, "exp", &exp, reason, reason_len);
    if (rc == CHARON_OK && exp <= now - clock_skew) {
        snprintf(reason, reason_len, "bearer token expired");
        rc = CHARON_ETOKEN;
    }
    if (rc != CHARON_OK) {
        json_object_put(obj);
        return rc;
    }
    *payload = obj;
    return CHARON_OK;
}

/* "sub" as text: a string without control bytes, or an integer. */
static const char *
token_check_user_id(json_object *payload, char *buf, size_t buf_len)
{
    const unsigned char *p;
    json_object *v;

    if (!json_object_object_get_ex(payload, "sub", &v))
        return NULL;
    if (json_object_is_type(v, json_type_int)) {
        snprintf(buf, buf_len, "%lld", (long long)json_object_get_int64(v));
        return buf;
    }
    if (!json_object_is_type(v, json_type_string))
        return "";
    p = (const unsigned char *)json_object_get_string(v);
    if (p[0] == '\0')
        return "";
    for (; *p != '\0'; p++)
        if (*p < 0x20 || *p == 0x7f)
            return "";
    return json_object_get_string(v);
}

static const char *
token_check_string_claim(json_object *payload, const char *name)
{
    json_object *v;

    if (!json_object_object_get_ex(payload, name, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static int
token_check_issuer(json_object *payload, const char *issuer,
                   struct token_check *tc)
{
    json_object *v;

    if (!json_object_object_get_ex(payload, "iss", &v)) {
        token_check_fail(tc, 401, "invalid_token",
                         "bearer token claim iss not found");
        return 0;
    }
    if (!json_object_is_type(v, json_type_string) ||
        strcmp(json_object_get_string(v), issuer) != 0) {
        token_check_fail(tc, 401, "invalid_token",
                         "bearer token claim iss invalid");
        return 0;
    }
    return 1;
}

static void
token_check_session(struct worker *w, struct token_check *tc)
{
    const struct charon_store_plugin *sp = snapshot_store(w->snap);
    struct charon_store_key key;
    struct charon_err err;
    uint64_t lock;
    int rc;

    key.session_id = tc->session_id;
    key.user_id = tc->user_id;
    key.type = tc->session_type;
    charon_err_clear(&err);
    charon_buf_reset(&w->out);
    rc = sp->get(w->snap->store.instance, w->store_ts, &key, &w->out, &lock,
                 &err);
    charon_buf_reset(&w->out);
    if (rc == CHARON_OK)
        return;
    if (rc == CHARON_ENOTFOUND) {
        token_check_fail(tc, 401, "invalid_token", "session not found");
        return;
    }
    log_msg(CHARON_LOG_ERR, "%s: %s", w->snap->store.handle.hdr->name,
            err.msg);
    token_check_fail(tc, http_reply_status_for(rc), "service_unavailable",
                     "could not fetch session");
}

void
token_check_access(struct worker *w, const struct policy *p,
                   const struct request *req, struct token_check *tc)
{
    const char *type;
    char detail[CHARON_ERR_MSG_MAX];
    int rc;

    memset(tc, 0, sizeof(*tc));
    tc->status = 200;
    tc->transport = token_extract(request_param(req, "HTTP_AUTHORIZATION"),
                                  request_param(req, "HTTP_COOKIE"),
                                  p->charon->access_cookie_name, &w->token);
    if (tc->transport < 0) {
        token_check_fail(tc, 503, "service_unavailable", "out of memory");
        return;
    }
    if (tc->transport == TOKEN_TRANSPORT_NONE) {
        token_check_fail(tc, 401, "invalid_token", "bearer token not found");
        return;
    }
    detail[0] = '\0';
    rc = token_check_verify(w, (const char *)w->token.data, w->token.len,
                            req->now, p->charon->clock_skew, &tc->payload,
                            tc->reason, sizeof(tc->reason), detail,
                            sizeof(detail));
    if (rc != CHARON_OK) {
        if (rc == CHARON_ETOKEN)
            token_check_fail(tc, 401, "invalid_token", tc->reason);
        else
            token_check_fail(tc, http_reply_status_for(rc),
                             "service_unavailable", "token check failed");
        if (detail[0] != '\0')
            log_msg(CHARON_LOG_DEBUG, "token rejected: %s (%s)", tc->reason,
                    detail);
        return;
    }
    type = token_check_string_claim(tc->payload, "type");
    if (type == NULL || strcmp(type, "access") != 0) {
        token_check_fail(tc, 401, "invalid_token",
                         json_object_object_get_ex(tc->payload, "type", NULL)
                             ? "bearer token claim type invalid"
                             : "bearer token claim type not found");
        return;
    }
    /* Each profile may have its own issuer; a token of another site
     * (same keys, same user ids) must not pass here. */
    if (!token_check_issuer(tc->payload, p->charon->token_issuer, tc))
        return;
    tc->user_id = token_check_user_id(tc->payload, tc->user_id_buf,
                                      sizeof(tc->user_id_buf));
    if (tc->user_id == NULL || tc->user_id[0] == '\0') {
        token_check_fail(tc, 401, "invalid_token",
                         tc->user_id == NULL ? "bearer token claim sub not found"
                                             : "bearer token claim sub invalid");
        return;
    }
    tc->session_id = token_check_string_claim(tc->payload, "sid");
    tc->session_type = token_check_string_claim(tc->payload, "styp");
    if (claims_check(&p->rules, tc->payload, tc->reason,
                     sizeof(tc->reason)) != CHARON_OK) {
        token_check_fail(tc, 403, "insufficient_scope", tc->reason);
        return;
    }
    if (p->authz->require_session) {
        if (tc->session_id == NULL || tc->session_type == NULL) {
            token_check_fail(tc, 401, "invalid_token",
                             "bearer token claim sub, sid or styp not found");
            return;
        }
        token_check_session(w, tc);
        if (tc->status != 200)
            return;
    }
    if (tc->session_id == NULL)
        tc->session_id = "";
    if (tc->session_type == NULL)
        tc->session_type = "full";
}

void
token_check_done(struct token_check *tc)
{
    if (tc->payload != NULL)
        json_object_put(tc->payload);
    tc->payload = NULL;
}
