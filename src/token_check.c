/* token_check.c - verify an access token and apply the policy. */
#include "token_check.h"

#include <stdio.h>
#include <string.h>

#include "events.h"
#include "freshness.h"
#include "log.h"
#include "session_codec.h"
#include "snapshot.h"
#include "token_extract.h"
#include "user_id.h"
#include "worker.h"

/* why counts a 401/403 on /metrics; a 5xx is no token event. */
static void
token_check_fail(struct token_check *tc, int status, const char *error,
                 enum events_reason why, const char *reason)
{
    tc->status = status;
    tc->error = error;
    tc->why = why;
    if (reason != tc->reason)
        snprintf(tc->reason, sizeof(tc->reason), "%s", reason);
}

/* A time claim: missing → "not found"; not a sane number → "invalid". */
static int
token_check_time_claim(const struct json_claims *claims, const char *name,
                       int64_t *out, char *reason, size_t reason_len)
{
    const struct json_claims_value *v = json_claims_get(claims, name);

    if (v == NULL) {
        snprintf(reason, reason_len, "bearer token claim %s not found", name);
        return CHARON_ETOKEN;
    }
    if (json_claims_int(v, out) < 0) {
        snprintf(reason, reason_len, "bearer token claim %s invalid", name);
        return CHARON_ETOKEN;
    }
    return CHARON_OK;
}

int
token_check_verify(struct worker *w, const char *token, size_t len,
                   int64_t now, long clock_skew, enum events_reason *why,
                   char *reason, size_t reason_len, char *detail,
                   size_t detail_len)
{
    const struct charon_token_plugin *tp = snapshot_token(w->snap);
    struct charon_err err;
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
        *why = EVENTS_REASON_SIGNATURE;
        snprintf(reason, reason_len, "bearer token signature invalid");
        return CHARON_ETOKEN;
    }
    rc = json_claims_parse((const char *)w->payload.data, w->payload.len,
                           &w->claims);
    if (rc == -2) {
        if (detail != NULL)
            snprintf(detail, detail_len, "out of memory");
        return CHARON_ENOMEM;
    }
    if (rc < 0) {
        if (detail != NULL)
            snprintf(detail, detail_len, "json invalid");
        *why = EVENTS_REASON_SIGNATURE;
        snprintf(reason, reason_len, "bearer token signature invalid");
        return CHARON_ETOKEN;
    }
    /* A missing or malformed nbf/exp is a claim failure. */
    *why = EVENTS_REASON_CLAIM;
    rc = token_check_time_claim(&w->claims, "nbf", &nbf, reason, reason_len);
    /* now >= nbf - skew and now < exp + skew, written so that no claim
     * value can overflow the sum (now and skew are small). */
    if (rc == CHARON_OK && nbf > now + clock_skew) {
        *why = EVENTS_REASON_NOT_YET_VALID;
        snprintf(reason, reason_len, "bearer token not yet valid");
        rc = CHARON_ETOKEN;
    }
    if (rc == CHARON_OK)
        rc = token_check_time_claim(&w->claims, "exp", &exp, reason,
                                    reason_len);
    if (rc == CHARON_OK && exp <= now - clock_skew) {
        *why = EVENTS_REASON_EXPIRED;
        snprintf(reason, reason_len, "bearer token expired");
        rc = CHARON_ETOKEN;
    }
    return rc;
}

/* Copies claim name as text into out: a string without control bytes
 * (an integer of any size too when is_int is not NULL, digit for digit).
 * 0 ok, -1 absent, -2 invalid. */
static int
token_check_id(const struct json_claims *claims, const char *name,
               int *is_int, char *out)
{
    const struct json_claims_value *v = json_claims_get(claims, name);
    int len, i;

    if (v == NULL)
        return -1;
    if (v->type == JSON_CLAIMS_NUMBER && is_int != NULL) {
        if (json_claims_integer_text(v, out, TOKEN_CHECK_ID_MAX) < 0)
            return -2;
        *is_int = 1;
        return 0;
    }
    if (v->type != JSON_CLAIMS_STRING)
        return -2;
    len = json_claims_text(v, out, TOKEN_CHECK_ID_MAX);
    if (len <= 0)
        return -2;
    for (i = 0; i < len; i++)
        if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
            return -2;
    /* The user id: only one the web server passes on unchanged (a token
     * minted elsewhere may carry " admin "). */
    if (is_int != NULL && user_id_check(out, (size_t)len, 0, NULL) < 0)
        return -2;
    return 0;
}

void
token_check_expect(const struct token_check *tc, const char *session_id,
                   int64_t now, struct session_expect *out)
{
    out->user_id = tc->user_id;
    out->user_id_is_int = tc->user_id_is_int;
    out->type = tc->session_type;
    out->session_id = session_id;
    out->now = now;
}

static void
token_check_session(struct worker *w, struct token_check *tc,
                    struct session *out)
{
    const struct charon_store_plugin *sp = snapshot_store(w->snap);
    struct charon_store_key key;
    struct session_expect want;
    struct session session;
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
    if (rc == CHARON_OK) {
        /* A blob that is not a valid, signed, live session of this user
         * counts as absent: the store is not trusted. */
        token_check_expect(tc, tc->session_id, w->now, &want);
        rc = session_codec_decode(&w->session_mac, w->out.data, w->out.len,
                                  w->snap->session_key, &want, &session,
                                  &err);
        if (rc == CHARON_OK) {
            if (out != NULL) {
                session.lock_version = lock;
                *out = session;
            } else {
                session_free(&session);
            }
            charon_buf_reset(&w->out);
            return;
        }
        if (rc == CHARON_ENOTFOUND) {
            char qsid[LOG_QUOTE_SIZE], quser[LOG_QUOTE_SIZE];

            log_msg(CHARON_LOG_WARN, "ignored stored session %s of user %s: "
                    "%s", log_quote(qsid, sizeof(qsid), tc->session_id),
                    log_quote(quser, sizeof(quser), tc->user_id), err.msg);
        }
    }
    charon_buf_reset(&w->out);
    if (rc == CHARON_ENOTFOUND) {
        token_check_fail(tc, 401, "invalid_token", EVENTS_REASON_SESSION,
                         "session not found");
        return;
    }
    log_msg(CHARON_LOG_ERR, "%s: %s", w->snap->store.handle.hdr->name,
            err.msg);
    token_check_fail(tc, http_reply_status_for(rc), "service_unavailable",
                     EVENTS_REASON_MAX, "could not fetch session");
}

/* type == want and iss == the policy's issuer (each profile may have
 * its own: a token of another site, same keys, must not pass here). */
static int
token_check_kind(const struct json_claims *claims, const char *type,
                 const char *issuer, struct token_check *tc)
{
    const struct json_claims_value *v;

    v = json_claims_get(claims, "type");
    if (v == NULL || !json_claims_string_is(v, type)) {
        token_check_fail(tc, 401, "invalid_token", EVENTS_REASON_CLAIM,
                         v == NULL ? "bearer token claim type not found"
                                   : "bearer token claim type invalid");
        return 0;
    }
    v = json_claims_get(claims, "iss");
    if (v == NULL || !json_claims_string_is(v, issuer)) {
        token_check_fail(tc, 401, "invalid_token", EVENTS_REASON_CLAIM,
                         v == NULL ? "bearer token claim iss not found"
                                   : "bearer token claim iss invalid");
        return 0;
    }
    return 1;
}

/* Charon's VerifyTokenFreshness on the loaded session (docs/CHARON.md
 * §6). */
static int
token_check_fresh(struct worker *w, const struct policy *p,
                  struct token_check *tc, const struct session *s)
{
    const struct json_claims_value *v = json_claims_get(&w->claims, "iat");
    struct freshness f;
    int64_t iat;

    if (v == NULL) {
        token_check_fail(tc, 401, "invalid_token", EVENTS_REASON_CLAIM,
                         "bearer token claim iat not found");
        return 0;
    }
    if (json_claims_int(v, &iat) < 0) {
        token_check_fail(tc, 401, "invalid_token", EVENTS_REASON_CLAIM,
                         "bearer token claim iat invalid");
        return 0;
    }
    f = freshness_judge(s->tokens_fresh_from, s->prev_tokens_fresh_from, iat,
                        w->now, p->charon->fresh_cycle,
                        p->charon->clock_skew);
    tc->new_cycle = f.new_cycle;
    if (!f.fresh) {
        token_check_fail(tc, 401, "invalid_token", EVENTS_REASON_STALE,
                         "token stale");
        return 0;
    }
    return 1;
}

const char *
token_check_transport_name(int transport)
{
    switch (transport) {
    case TOKEN_TRANSPORT_BEARER:
        return "bearer";
    case TOKEN_TRANSPORT_COOKIE:
        return "cookie";
    case TOKEN_TRANSPORT_COOKIE_ONLY:
        return "cookie_only";
    default:
        return NULL;
    }
}

static void
token_check_pipeline(struct worker *w, const struct policy *p,
                     const struct request *req,
                     const struct token_check_want *want,
                     struct token_check *tc, struct session *session_out)
{
    char detail[CHARON_ERR_MSG_MAX], qdetail[LOG_QUOTE_SIZE];
    int rc, sid, styp;

    memset(tc, 0, sizeof(*tc));
    if (session_out != NULL)
        memset(session_out, 0, sizeof(*session_out));
    tc->status = 200;
    w->now = req->now;
    tc->transport = token_extract(req->authorization, req->cookie,
                                  want->cookie_name, &w->token);
    if (tc->transport < 0) {
        token_check_fail(tc, 503, "service_unavailable", EVENTS_REASON_MAX,
                         "out of memory");
        return;
    }
    if (tc->transport == TOKEN_TRANSPORT_NONE) {
        token_check_fail(tc, 401, "invalid_token", EVENTS_REASON_NOT_FOUND,
                         "bearer token not found");
        return;
    }
    detail[0] = '\0';
    rc = token_check_verify(w, (const char *)w->token.data, w->token.len,
                            req->now, p->charon->clock_skew, &tc->why,
                            tc->reason, sizeof(tc->reason), detail,
                            sizeof(detail));
    if (rc != CHARON_OK) {
        if (rc == CHARON_ETOKEN)
            token_check_fail(tc, 401, "invalid_token", tc->why, tc->reason);
        else
            token_check_fail(tc, http_reply_status_for(rc),
                             "service_unavailable", EVENTS_REASON_MAX,
                             "token check failed");
        if (detail[0] != '\0')
            log_msg(CHARON_LOG_DEBUG, "token rejected: %s (%s)", tc->reason,
                    log_quote(qdetail, sizeof(qdetail), detail));
        return;
    }
    tc->claims = &w->claims;
    if (!token_check_kind(&w->claims, want->type, p->charon->token_issuer,
                          tc))
        return;
    rc = token_check_id(&w->claims, "sub", &tc->user_id_is_int,
                        tc->user_id);
    if (rc < 0) {
        token_check_fail(tc, 401, "invalid_token", EVENTS_REASON_CLAIM,
                         rc == -1 ? "bearer token claim sub not found"
                                  : "bearer token claim sub invalid");
        return;
    }
    sid = token_check_id(&w->claims, "sid", NULL, tc->session_id);
    styp = token_check_id(&w->claims, "styp", NULL, tc->session_type);
    if (want->apply_rules &&
        claims_check(&p->rules, &w->claims, tc->reason,
                     sizeof(tc->reason)) != CHARON_OK) {
        token_check_fail(tc, 403, "insufficient_scope", EVENTS_REASON_CLAIM,
                         tc->reason);
        return;
    }
    if (want->load_session) {
        if (sid < 0 || styp < 0) {
            token_check_fail(tc, 401, "invalid_token", EVENTS_REASON_CLAIM,
                             "bearer token claim sub, sid or styp not found");
            return;
        }
        token_check_session(w, tc, session_out);
        if (tc->status != 200)
            return;
        tc->session_loaded = 1;
        if (want->check_fresh && session_out != NULL &&
            !token_check_fresh(w, p, tc, session_out))
            return;
    }
    if (sid < 0)
        tc->session_id[0] = '\0';
    if (styp < 0)
        snprintf(tc->session_type, sizeof(tc->session_type), "full");
}

void
token_check_run(struct worker *w, const struct policy *p,
                const struct request *req,
                const struct token_check_want *want, struct token_check *tc,
                struct session *session_out)
{
    int loaded;

    token_check_pipeline(w, p, req, want, tc, session_out);
    if (tc->status >= 500)
        return;                 /* not the token's fault: no token event */
    loaded = tc->session_loaded;
    events_token(want->type, loaded,
                 token_check_transport_name(tc->transport), tc->user_id,
                 tc->session_id, tc->session_type, tc->why,
                 tc->status == 200 ? NULL : tc->reason);
}

void
token_check_access(struct worker *w, const struct policy *p,
                   const struct request *req, struct token_check *tc)
{
    struct token_check_want want = {
        .type = "access",
        .cookie_name = p->charon->access_cookie_name,
        .apply_rules = 1,
        .load_session = p->authz->require_session,
        .check_fresh = 0,
    };

    token_check_run(w, p, req, &want, tc, NULL);
}
