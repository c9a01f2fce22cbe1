/* session_tokens.c - create or refresh a session and sign its tokens. */
#include "session_tokens.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "events.h"
#include "freshness.h"
#include "ids.h"
#include "json_print.h"
#include "session_limit.h"
#include "snapshot.h"
#include "worker.h"

static int64_t
session_tokens_min(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* Signs claims with the token plugin into a new heap string. */
static int
session_tokens_sign(struct worker *w, json_object *claims, char **out,
                    struct charon_err *err)
{
    const struct charon_token_plugin *tp = snapshot_token(w->snap);
    struct charon_buf json = CHARON_BUF_INIT;
    int rc;

    /* Compact and without "\/": the bytes Charon would sign. */
    rc = json_print(claims, &json);
    if (rc != CHARON_OK) {
        charon_buf_free(&json);
        return charon_err_set(err, rc, rc == CHARON_ENOMEM
                                           ? "out of memory"
                                           : "a claim cannot be printed");
    }
    charon_buf_reset(&w->out);
    rc = tp->sign(w->snap->token.instance, w->token_ts,
                  (const char *)json.data, json.len, &w->out, err);
    charon_buf_free(&json);
    if (rc != CHARON_OK)
        return rc;
    *out = strndup((const char *)w->out.data, w->out.len);
    charon_buf_reset(&w->out);
    if (*out == NULL)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    return CHARON_OK;
}

/* Adds v under name to c; 0, or -1 if v or the add failed (memory). */
static int
session_tokens_put(json_object *c, const char *name, json_object *v)
{
    if (v == NULL)
        return -1;
    if (json_object_object_add(c, name, v) != 0) {
        json_object_put(v);
        return -1;
    }
    return 0;
}

/* The sub claim: a string, or an integer written with the user id's own
 * digits (json_print prints a json-c double made with its text as that
 * text, so a bigint is never rounded or clamped). */
static json_object *
session_tokens_sub(const struct session *s)
{
    long long n;

    if (!s->user_id_is_int)
        return json_object_new_string(s->user_id);
    errno = 0;
    n = strtoll(s->user_id, NULL, 10);
    if (errno != ERANGE)
        return json_object_new_int64(n);
    return json_object_new_double_s(strtod(s->user_id, NULL), s->user_id);
}

/* The claims of one token (§5), overrides merged last; NULL when memory
 * runs out (never a claim silently left null). */
static json_object *
session_tokens_claims(const struct policy *p, const struct session *s,
                      const char *jti, const char *type, int64_t now,
                      int64_t exp, json_object *overrides)
{
    json_object *c = json_object_new_object();
    int bad = 0;

    if (c == NULL)
        return NULL;
    bad |= session_tokens_put(c, "exp", json_object_new_int64(exp));
    bad |= session_tokens_put(c, "iat", json_object_new_int64(now));
    bad |= session_tokens_put(c, "iss", json_object_new_string(
                                            p->charon->token_issuer));
    bad |= session_tokens_put(c, "jti", json_object_new_string(jti));
    bad |= session_tokens_put(c, "nbf", json_object_new_int64(now));
    bad |= session_tokens_put(c, "sid", json_object_new_string(s->id));
    bad |= session_tokens_put(c, "styp", json_object_new_string(s->type));
    bad |= session_tokens_put(c, "sub", session_tokens_sub(s));
    bad |= session_tokens_put(c, "type", json_object_new_string(type));
    if (overrides != NULL) {
        json_object_object_foreach(overrides, k, v) {
            if (json_object_object_add(c, k, json_object_get(v)) != 0) {
                json_object_put(v);
                bad = -1;
            }
        }
    }
    if (bad) {
        json_object_put(c);
        return NULL;
    }
    return c;
}

/*
 * A user id the tokens can carry and the checks read back: an integer of
 * up to 255 digits, kept as its text (a bigint or Snowflake id stays
 * exact; the token readers never take it through a double), or 1..255
 * bytes of text without control characters (they would be cut from
 * headers and logs).  Checked before anything is stored.
 */
static int
session_tokens_user_ok(const char *id, int is_int)
{
    size_t i, n = strlen(id);

    if (n == 0 || n >= SESSION_FIELD_MAX)
        return 0;
    if (is_int) {
        i = id[0] == '-' ? 1 : 0;
        if (n == i || (id[i] == '0' && n - i > 1) ||
            (id[i] == '0' && i == 1))          /* "-0" is "0" */
            return 0;
        for (; i < n; i++)
            if (id[i] < '0' || id[i] > '9')
                return 0;
        return 1;
    }
    for (i = 0; i < n; i++)
        if ((unsigned char)id[i] < 0x20 || id[i] == 0x7f)
            return 0;
    return 1;
}

/* Token lifetimes at now for a session ending at expires_at (§4.1). */
static int
session_tokens_times(const struct charon_section *c, int64_t expires_at,
                     int64_t now, struct session_tokens *st,
                     struct charon_err *err)
{
    int64_t ttl_left = expires_at == SESSION_INFINITE ? INT64_MAX
                                                      : expires_at - now;

    st->refresh_ttl = session_tokens_min(c->refresh_token_ttl, ttl_left);
    st->access_ttl = session_tokens_min(c->access_token_ttl, st->refresh_ttl);
    /* Charon writes nothing and issues tokens anyway when the session is
     * already over; charon-fcgi refuses (deviation f). */
    if (st->refresh_ttl <= 0)
        return charon_err_set(err, CHARON_ENOTFOUND, "session expired");
    st->refresh_exp = now + st->refresh_ttl;
    st->access_exp = now + st->access_ttl;
    return CHARON_OK;
}

/* Signs one token of s into *out. */
static int
session_tokens_one(struct worker *w, const struct policy *p,
                   const struct session *s, const char *jti,
                   const char *type, int64_t now, int64_t exp,
                   json_object *overrides, char **out, struct charon_err *err)
{
    json_object *claims = session_tokens_claims(p, s, jti, type, now, exp,
                                                overrides);
    int rc;

    if (claims == NULL)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    rc = session_tokens_sign(w, claims, out, err);
    json_object_put(claims);
    return rc;
}

/*
 * Signs the refresh and the access token, lets hook build the reply,
 * then stores st->session (expect: the lock it was read at).  Everything
 * that can fail for memory comes first and leaves the store untouched;
 * a failed store write only throws the tokens away: nothing is ever
 * half-written, and a client is never told of a failure the store did
 * not have.
 */
static int
session_tokens_issue(struct worker *w, const struct policy *p,
                     uint64_t expect, json_object *access_overrides,
                     json_object *refresh_overrides, int64_t now,
                     const struct session_tokens_hook *hook,
                     struct session_tokens *st, struct charon_err *err)
{
    const struct charon_store_plugin *sp = snapshot_store(w->snap);
    struct session *s = &st->session;
    struct charon_buf blob = CHARON_BUF_INIT;
    struct charon_store_key key;
    char access_id[IDS_LEN + 1];
    int rc;

    rc = ids_generate(access_id, err);
    if (rc != CHARON_OK)
        return rc;
    /* The stored blob carries the store's new lock_version, and so does
     * the session handed back (charon-fcgi deviation c). */
    s->lock_version = expect + 1;
    rc = session_tokens_one(w, p, s, s->refresh_token_id, "refresh", now,
                            st->refresh_exp, refresh_overrides,
                            &st->refresh_token, err);
    if (rc == CHARON_OK)
        rc = session_tokens_one(w, p, s, access_id, "access", now,
                                st->access_exp, access_overrides,
                                &st->access_token, err);
    if (rc == CHARON_OK)
        rc = session_codec_encode(s, w->snap->session_key, &blob, err);
    if (rc == CHARON_OK && hook != NULL && hook->ready(hook->ctx, st) != 0)
        rc = charon_err_set(err, CHARON_ENOMEM, "out of memory");
    if (rc != CHARON_OK) {
        charon_buf_free(&blob);
        return rc;
    }
    key.session_id = s->id;
    key.user_id = s->user_id;
    key.type = s->type;
    rc = sp->upsert(w->snap->store.instance, w->store_ts, &key, expect,
                    blob.data, blob.len, s->refresh_expires_at, err);
    charon_buf_free(&blob);
    if (rc == CHARON_ECONFLICT)
        events_session(EVENTS_SESSION_LOCK_CONFLICT, s->id, s->user_id,
                       s->type);
    if (rc != CHARON_OK)
        return rc;
    events_session(expect == 0 ? EVENTS_SESSION_CREATE
                               : EVENTS_SESSION_REFRESH,
                   s->id, s->user_id, s->type);
    return CHARON_OK;
}

int
session_tokens_create(struct worker *w, const struct policy *p,
                      const struct session_opts *o, int64_t now,
                      const struct session_tokens_hook *hook,
                      struct session_tokens *out, struct charon_err *err)
{
    const struct charon_section *c = p->charon;
    struct session_tokens st;
    struct session *s = &st.session;
    int rc;

    memset(&st, 0, sizeof(st));
    if (!session_tokens_user_ok(o->user_id, o->user_id_is_int))
        return charon_err_set(err, CHARON_EINVAL, "user_id must be an "
                              "integer of at most 255 digits or 1 to 255 "
                              "bytes of text without control characters");
    snprintf(s->user_id, sizeof(s->user_id), "%s", o->user_id);
    if (snprintf(s->type, sizeof(s->type), "%s", o->type) >=
        (int)sizeof(s->type))
        return charon_err_set(err, CHARON_EINVAL, "session type too long");
    s->user_id_is_int = o->user_id_is_int;
    rc = ids_generate(s->id, err);
    if (rc == CHARON_OK)
        rc = ids_generate(s->refresh_token_id, err);
    if (rc != CHARON_OK)
        return rc;
    s->expires_at = c->session_ttl == CONFIG_TTL_INFINITE
                        ? SESSION_INFINITE : now + c->session_ttl;
    rc = session_tokens_times(c, s->expires_at, now, &st, err);
    if (rc != CHARON_OK)
        return rc;
    s->created_at = now;
    s->refresh_expires_at = st.refresh_exp;
    s->refreshed_at = now;
    s->tokens_fresh_from = now;
    s->prev_tokens_fresh_from = now;      /* Charon: now, not 0 */
    s->version = SESSION_VERSION;
    if (o->extra_payload != NULL &&
        (s->extra_payload = strdup(o->extra_payload)) == NULL)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    rc = session_tokens_issue(w, p, 0, o->access_overrides,
                              o->refresh_overrides, now, hook, &st, err);
    if (rc != CHARON_OK) {
        session_tokens_free(&st);
        return rc;
    }
    session_limit_enforce(w, p, &st.session, now);
    *out = st;
    return CHARON_OK;
}

int
session_tokens_refresh(struct worker *w, const struct policy *p,
                       const struct session *loaded, int new_cycle,
                       int64_t now, const struct session_tokens_hook *hook,
                       struct session_tokens *out, struct charon_err *err)
{
    struct session_tokens st;
    struct session *s = &st.session;
    int rc;

    memset(&st, 0, sizeof(st));
    *s = *loaded;
    s->extra_payload = NULL;
    if (loaded->extra_payload != NULL &&
        (s->extra_payload = strdup(loaded->extra_payload)) == NULL)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    /* The stored expires_at wins over session_ttl: never extended. */
    rc = session_tokens_times(p->charon, s->expires_at, now, &st, err);
    if (rc == CHARON_OK)
        rc = ids_generate(s->refresh_token_id, err);
    if (rc == CHARON_OK) {
        s->refresh_expires_at = st.refresh_exp;
        s->refreshed_at = now;
        s->version = SESSION_VERSION;
        freshness_advance(new_cycle, now, &s->tokens_fresh_from,
                          &s->prev_tokens_fresh_from);
        rc = session_tokens_issue(w, p, loaded->lock_version, NULL, NULL,
                                  now, hook, &st, err);
    }
    if (rc != CHARON_OK) {
        session_tokens_free(&st);
        return rc;
    }
    *out = st;
    return CHARON_OK;
}

static void
session_tokens_wipe(char *s)
{
    if (s != NULL) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

void
session_tokens_free(struct session_tokens *st)
{
    session_tokens_wipe(st->access_token);
    session_tokens_wipe(st->refresh_token);
    st->access_token = NULL;
    st->refresh_token = NULL;
    session_free(&st->session);
}
