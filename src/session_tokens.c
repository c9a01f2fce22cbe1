/* session_tokens.c - create or refresh a session and sign its tokens. */
#include "session_tokens.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "body.h"
#include "events.h"
#include "freshness.h"
#include "ids.h"
#include "json_print.h"
#include "session_limit.h"
#include "snapshot.h"
#include "user_id.h"
#include "worker.h"

static int64_t
session_tokens_min(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* Claims (or claim overrides) as JSON text into json, freed on failure. */
static int
session_tokens_print(json_object *v, struct charon_buf *json,
                     struct charon_err *err)
{
    int rc = json_print(v, json);

    if (rc == CHARON_OK)
        return CHARON_OK;
    charon_buf_free(json);
    return charon_err_set(err, rc, rc == CHARON_ENOMEM
                                       ? "out of memory"
                                       : "a claim cannot be printed");
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
    rc = session_tokens_print(claims, &json, err);
    if (rc != CHARON_OK)
        return rc;
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

/* Adds v under name to c; CHARON_ENOMEM if v or the add failed. */
static int
session_tokens_put(json_object *c, const char *name, json_object *v)
{
    if (v == NULL)
        return CHARON_ENOMEM;
    if (json_object_object_add(c, name, v) != 0) {
        json_object_put(v);
        return CHARON_ENOMEM;
    }
    return CHARON_OK;
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

/* The claims of one token (docs/CHARON.md §5), overrides merged last;
 * NULL when memory runs out (never a claim silently left null). */
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
                bad = CHARON_ENOMEM;
            }
        }
    }
    if (bad) {
        json_object_put(c);
        return NULL;
    }
    return c;
}

/* The exp a refresh claim override sets, if it is an integer, else
 * INT64_MAX: the refresh token says it ends then, so the session's
 * refresh lifetime does too. */
static int64_t
session_tokens_refresh_cap(json_object *refresh_overrides)
{
    json_object *v;

    if (refresh_overrides != NULL &&
        json_object_object_get_ex(refresh_overrides, "exp", &v) &&
        json_object_is_type(v, json_type_int))
        return json_object_get_int64(v);
    return INT64_MAX;
}

/* Token lifetimes at now for a session ending at expires_at
 * (docs/CHARON.md §4.1), the refresh token's no later than cap
 * (session_tokens_refresh_cap). */
static int
session_tokens_times(const struct charon_section *c, int64_t expires_at,
                     int64_t cap, int64_t now, struct session_tokens *st,
                     struct charon_err *err)
{
    int64_t ttl_left = expires_at == SESSION_INFINITE ? INT64_MAX
                                                      : expires_at - now;

    if (cap != INT64_MAX)
        ttl_left = session_tokens_min(ttl_left, cap <= now ? 0 : cap - now);

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

/* The claim overrides of a session, read from its text (NULL: none). */
struct session_tokens_overrides {
    json_object *access;
    json_object *refresh;
};

static int
session_tokens_parse_one(const char *text, json_object **out,
                         struct charon_err *err)
{
    *out = NULL;
    if (text == NULL)
        return CHARON_OK;
    return body_parse("application/json", text, strlen(text), out, err);
}

/* Parses s's overrides (free them with session_tokens_overrides_free). */
static int
session_tokens_overrides_parse(const struct session *s,
                               struct session_tokens_overrides *o,
                               struct charon_err *err)
{
    int rc;

    o->refresh = NULL;
    rc = session_tokens_parse_one(s->access_overrides, &o->access, err);
    if (rc == CHARON_OK)
        rc = session_tokens_parse_one(s->refresh_overrides, &o->refresh, err);
    return rc;
}

/* The text of overrides (NULL: none) into *out, kept with the session. */
static int
session_tokens_keep(json_object *overrides, char **out,
                    struct charon_err *err)
{
    struct charon_buf text = CHARON_BUF_INIT;
    int rc;

    if (overrides == NULL)
        return CHARON_OK;
    rc = session_tokens_print(overrides, &text, err);
    if (rc != CHARON_OK)
        return rc;
    *out = (char *)text.data;
    return CHARON_OK;
}

static void
session_tokens_overrides_free(struct session_tokens_overrides *o)
{
    if (o->access != NULL)
        json_object_put(o->access);
    if (o->refresh != NULL)
        json_object_put(o->refresh);
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
                     uint64_t expect,
                     const struct session_tokens_overrides *o, int64_t now,
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
                            st->refresh_exp, o->refresh, &st->refresh_token,
                            err);
    if (rc == CHARON_OK)
        rc = session_tokens_one(w, p, s, access_id, "access", now,
                                st->access_exp, o->access, &st->access_token,
                                err);
    if (rc == CHARON_OK)
        rc = session_codec_encode(&w->session_mac, s, w->snap->session_key,
                                  &blob, err);
    if (rc == CHARON_OK && hook != NULL &&
        hook->ready(hook->ctx, st) != CHARON_OK)
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
    const struct session_tokens_overrides ov = {
        .access = o->access_overrides,
        .refresh = o->refresh_overrides,
    };
    struct session_tokens st;
    struct session *s = &st.session;
    int rc;

    memset(&st, 0, sizeof(st));
    /* Checked before anything is stored: an id the tokens can carry and
     * the web server passes on unchanged. */
    rc = user_id_check(o->user_id, strlen(o->user_id), o->user_id_is_int,
                       err);
    if (rc != CHARON_OK)
        return rc;
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
    if (session_tokens_refresh_cap(ov.refresh) <= now)
        return charon_err_set(err, CHARON_EINVAL, "refresh_claim_overrides: "
                              "exp is not in the future");
    s->expires_at = c->session_ttl == CONFIG_TTL_INFINITE
                        ? SESSION_INFINITE : now + c->session_ttl;
    rc = session_tokens_times(c, s->expires_at,
                              session_tokens_refresh_cap(ov.refresh), now,
                              &st, err);
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
    /* Kept with the session: every refresh applies them again. */
    rc = session_tokens_keep(ov.access, &s->access_overrides, err);
    if (rc == CHARON_OK)
        rc = session_tokens_keep(ov.refresh, &s->refresh_overrides, err);
    if (rc == CHARON_OK)
        rc = session_tokens_issue(w, p, 0, &ov, now, hook, &st, err);
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
    struct session_tokens_overrides ov = { NULL, NULL };
    struct session_tokens st;
    struct session *s = &st.session;
    int rc;

    memset(&st, 0, sizeof(st));
    if (session_copy(s, loaded) != CHARON_OK)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    /* The login's claim overrides, on every pair of tokens. */
    rc = session_tokens_overrides_parse(s, &ov, err);
    /* The stored expires_at wins over session_ttl: never extended. */
    if (rc == CHARON_OK)
        rc = session_tokens_times(p->charon, s->expires_at,
                                  session_tokens_refresh_cap(ov.refresh), now,
                                  &st, err);
    if (rc == CHARON_OK)
        rc = ids_generate(s->refresh_token_id, err);
    if (rc == CHARON_OK) {
        s->refresh_expires_at = st.refresh_exp;
        s->refreshed_at = now;
        s->version = SESSION_VERSION;
        freshness_advance(new_cycle, now, &s->tokens_fresh_from,
                          &s->prev_tokens_fresh_from);
        rc = session_tokens_issue(w, p, loaded->lock_version, &ov, now,
                                  hook, &st, err);
    }
    session_tokens_overrides_free(&ov);
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
