/* endpoint_login.c - POST {prefix}/session: a new session and its tokens,
 * for a username and password (the credentials plugin) or, for a trusted
 * backend holding the issuer key, for any user id. */
#include "endpoint_session.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "body.h"
#include "endpoint_common.h"
#include "json_print.h"
#include "log.h"
#include "request.h"
#include "session_reply.h"
#include "session_tokens.h"
#include "snapshot.h"
#include "token_extract.h"
#include "worker.h"

#define LOGIN_TYPE_MAX 64      /* a session type                     */

struct login {
    json_object *body;
    struct charon_buf user_id;           /* from the credentials plugin */
    struct session_opts opts;
    char *extra_payload;                 /* heap: JSON text             */
    int transport;
};

/*
 * Every login_read_* and login_check_* step returns CHARON_OK to go on,
 * or a negative charon_rc once it has answered (endpoint_common.h).
 */

/* 503 for want of memory. */
static int
login_out_of_memory(struct worker *w)
{
    http_reply_json_error(&w->reply, 503, "service_unavailable",
                          "out of memory");
    return CHARON_ENOMEM;
}

/* 400 invalid_request with message. */
static int
login_bad_request(struct worker *w, const char *message)
{
    http_reply_json_error(&w->reply, 400, "invalid_request", message);
    return CHARON_EINVAL;
}

static int
login_read_transport(struct worker *w, struct login *l)
{
    json_object *v;
    const char *t;

    if (!json_object_object_get_ex(l->body, "token_transport", &v)) {
        l->transport = TOKEN_TRANSPORT_BEARER;
        return CHARON_OK;
    }
    t = json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                 : "";
    if (strcmp(t, "bearer") == 0)
        l->transport = TOKEN_TRANSPORT_BEARER;
    else if (strcmp(t, "cookie") == 0)
        l->transport = TOKEN_TRANSPORT_COOKIE;
    else if (strcmp(t, "cookie_only") == 0)
        l->transport = TOKEN_TRANSPORT_COOKIE_ONLY;
    else
        return login_bad_request(w, "token_transport must be bearer, "
                                 "cookie or cookie_only");
    return CHARON_OK;
}

/* A session type: 1..64 of [A-Za-z0-9_.-]. */
static bool
login_type_valid(const char *t)
{
    size_t i, n = strlen(t);

    if (n == 0 || n > LOGIN_TYPE_MAX)
        return false;
    for (i = 0; i < n; i++)
        if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= 'A' && t[i] <= 'Z') ||
              (t[i] >= '0' && t[i] <= '9') || strchr("_.-", t[i]) != NULL))
            return false;
    return true;
}

/* An object member into *out, NULL if absent; 400 if not an object. */
static int
login_read_object(struct worker *w, json_object *body, const char *name,
                  json_object **out)
{
    *out = NULL;
    if (!json_object_object_get_ex(body, name, out) || *out == NULL) {
        *out = NULL;
        return CHARON_OK;
    }
    if (!json_object_is_type(*out, json_type_object)) {
        char msg[96];

        snprintf(msg, sizeof(msg), "%s must be a JSON object", name);
        return login_bad_request(w, msg);
    }
    return CHARON_OK;
}

/* A JSON integer of any size: json-c's int, or the double body.c makes
 * of one beyond 64 bits (its text has no fraction or exponent). */
static int
login_integer(json_object *v)
{
    const char *text;

    if (json_object_is_type(v, json_type_int))
        return 1;
    if (!json_object_is_type(v, json_type_double))
        return 0;
    text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
    return text != NULL && text[0] != '\0' && strpbrk(text, ".eE") == NULL &&
           strspn(text + (text[0] == '-'), "0123456789") ==
               strlen(text + (text[0] == '-'));
}

/* user_id, session_type, claim overrides and payload of an issuer call. */
static int
login_read_issuer(struct worker *w, struct login *l)
{
    json_object *v, *extra;
    const char *type;
    int rc;

    if (!json_object_object_get_ex(l->body, "user_id", &v) || v == NULL)
        return login_bad_request(w, "user_id is required");
    if (login_integer(v)) {
        /* Digit for digit: an integer beyond 64 bits is a json-c double
         * that keeps its text (body.c). */
        if (json_print(v, &l->user_id) != CHARON_OK)
            return login_out_of_memory(w);
        l->opts.user_id_is_int = 1;
    } else if (json_object_is_type(v, json_type_string) &&
               json_object_get_string_len(v) > 0 &&
               body_string(l->body, "user_id") != NULL) {
        if (charon_buf_puts(&l->user_id, json_object_get_string(v)))
            return login_out_of_memory(w);
    } else {
        return login_bad_request(w, "user_id must be a non-empty string or "
                                 "an integer");
    }
    type = body_string(l->body, "session_type");
    if (json_object_object_get_ex(l->body, "session_type", NULL) &&
        (type == NULL || !login_type_valid(type)))
        return login_bad_request(w, "session_type must be 1 to 64 of A-Z "
                                 "a-z 0-9 _ . -");
    if (type != NULL)
        l->opts.type = type;
    rc = login_read_object(w, l->body, "access_claim_overrides",
                           &l->opts.access_overrides);
    rc = rc ? rc : login_read_object(w, l->body, "refresh_claim_overrides",
                                     &l->opts.refresh_overrides);
    rc = rc ? rc : login_read_object(w, l->body, "extra_session_payload",
                                     &extra);
    if (rc != CHARON_OK)
        return rc;
    if (extra != NULL) {
        /* Our printer: json-c's can drop a member when memory runs out,
         * and this text is stored with the session. */
        struct charon_buf text = CHARON_BUF_INIT;

        if (json_print(extra, &text) != CHARON_OK) {
            charon_buf_free(&text);
            return login_out_of_memory(w);
        }
        l->extra_payload = (char *)text.data;
        l->opts.extra_payload = l->extra_payload;
    }
    return CHARON_OK;
}

/* username + password through the credentials plugin. */
static int
login_check_password(struct worker *w, struct login *l)
{
    const struct charon_cred_plugin *cp = snapshot_cred(w->snap);
    const char *user = body_string(l->body, "username");
    const char *pass = body_string(l->body, "password");
    struct charon_err err;
    int rc;

    if (user == NULL || pass == NULL || user[0] == '\0')
        return login_bad_request(w, "username and password are required");
    if (json_object_object_get_ex(l->body, "user_id", NULL) ||
        json_object_object_get_ex(l->body, "session_type", NULL) ||
        json_object_object_get_ex(l->body, "access_claim_overrides", NULL) ||
        json_object_object_get_ex(l->body, "refresh_claim_overrides", NULL) ||
        json_object_object_get_ex(l->body, "extra_session_payload", NULL))
        return login_bad_request(w, "user_id, session_type, claim "
                                 "overrides and extra_session_payload need "
                                 "the issuer key");
    if (cp == NULL) {
        http_reply_json_error(&w->reply, 403, "login_disabled",
                              "password login is not configured");
        return CHARON_EUNSUPP;
    }
    charon_err_clear(&err);
    rc = cp->check(w->snap->cred.instance, w->cred_ts, user, pass,
                   &l->user_id, &err);
    if (rc == CHARON_ENOTFOUND) {
        char quser[LOG_QUOTE_SIZE];

        log_msg(CHARON_LOG_INFO, "login refused for user %s",
                log_quote(quser, sizeof(quser), user));
        http_reply_json_error(&w->reply, 401, "invalid_credentials",
                              "invalid username or password");
        return CHARON_ENOTFOUND;
    }
    if (rc != CHARON_OK || l->user_id.len == 0) {
        log_msg(CHARON_LOG_ERR, "%s: %s", w->snap->cred.handle.hdr->name,
                err.msg);
        http_reply_json_error(&w->reply, rc == CHARON_EUNAVAIL ? 503 : 500,
                              "service_unavailable",
                              "the credentials cannot be checked");
        return rc != CHARON_OK ? rc : CHARON_EIO;
    }
    return CHARON_OK;
}

/* The X-Charon-Issuer-Key header: *is_issuer when sent and good; 401
 * when sent and wrong, 503 when it cannot be checked for want of
 * memory. */
static int
login_check_issuer_key(struct worker *w, const struct request *req,
                       bool *is_issuer)
{
    const char *key = endpoint_header(req, "X-Charon-Issuer-Key");
    int ok;

    *is_issuer = false;
    if (key == NULL)
        return CHARON_OK;
    ok = snapshot_issuer_key_ok(w->snap, key, strlen(key));
    if (ok < 0)
        return login_out_of_memory(w);
    if (ok == 1) {
        *is_issuer = true;
        return CHARON_OK;
    }
    log_msg(CHARON_LOG_WARN, "login with a wrong or unconfigured issuer key");
    http_reply_json_error(&w->reply, 401, "invalid_issuer_key",
                          "the issuer key is not valid");
    return CHARON_ETOKEN;
}

/* The body, parsed (JSON or form) into l->body; the raw bytes wiped. */
static int
login_read_body(struct worker *w, struct request *req, struct login *l)
{
    const size_t max = w->snap->cfg->charon.max_body_bytes;
    struct charon_err err;
    int rc;

    rc = request_read_body(req, max, &w->out);
    if (rc == CHARON_ENOMEM)
        return login_out_of_memory(w);
    if (rc == CHARON_ETOOBIG) {
        http_reply_json_error(&w->reply, 413, "payload_too_large",
                              "request body too large");
        return rc;
    }
    if (rc != CHARON_OK)
        return login_bad_request(w, "the request body could not be read");
    charon_err_clear(&err);
    rc = body_parse(request_param(req, "CONTENT_TYPE"),
                    (const char *)w->out.data, w->out.len, &l->body, &err);
    OPENSSL_cleanse(w->out.data, w->out.len);    /* it held the password */
    charon_buf_reset(&w->out);
    if (rc == CHARON_EUNSUPP) {
        http_reply_json_error(&w->reply, 415, "unsupported_media_type",
                              err.msg);
        return rc;
    }
    if (rc == CHARON_ENOMEM)
        return login_out_of_memory(w);
    if (rc != CHARON_OK)
        return login_bad_request(w, err.msg);
    return CHARON_OK;
}

static void
login_wipe_password(json_object *body)
{
    json_object *v;

    if (body != NULL && json_object_object_get_ex(body, "password", &v) &&
        json_object_is_type(v, json_type_string))
        OPENSSL_cleanse((char *)json_object_get_string(v),
                        (size_t)json_object_get_string_len(v));
}

void
endpoint_login(struct worker *w, const struct policy *p, struct request *req)
{
    struct session_tokens_hook hook;
    struct session_reply_ctx rctx;
    struct session_tokens st;
    struct charon_err err;
    struct login l;
    bool issuer;
    int rc;

    memset(&l, 0, sizeof(l));
    l.opts.type = "full";
    rc = login_check_issuer_key(w, req, &issuer);
    rc = rc ? rc : login_read_body(w, req, &l);
    rc = rc ? rc : login_read_transport(w, &l);
    rc = rc ? rc : endpoint_check_browser(w, p, req, l.transport);
    if (rc == CHARON_OK)
        rc = issuer ? login_read_issuer(w, &l) : login_check_password(w, &l);
    if (rc != CHARON_OK)
        goto done;
    l.opts.user_id = (const char *)l.user_id.data;
    session_reply_hook(&rctx, &hook, &w->reply, &w->out, p, 201,
                       l.transport, req->now);
    charon_err_clear(&err);
    /* The reply is built before the session is stored (the hook). */
    rc = session_tokens_create(w, p, &l.opts, req->now, &hook, &st, &err);
    if (rc != CHARON_OK)
        http_reply_reset(&w->reply);
    if (rc == CHARON_EINVAL) {
        login_bad_request(w, err.msg);
        goto done;
    }
    if (rc != CHARON_OK) {
        endpoint_store_error(w, rc, &err);
        goto done;
    }
    session_tokens_free(&st);
done:
    login_wipe_password(l.body);
    if (l.body != NULL)
        json_object_put(l.body);
    charon_buf_free(&l.user_id);
    free(l.extra_payload);
}
