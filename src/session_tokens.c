/* session_tokens.c - create a session and sign its tokens. */
#include "session_tokens.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "session_codec.h"
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
    /* Plain and without "\/": the bytes Charon would sign. */
    const char *json = json_object_to_json_string_ext(
        claims, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    int rc;

    if (json == NULL)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    charon_buf_reset(&w->out);
    rc = tp->sign(w->snap->token.instance, w->token_ts, json, strlen(json),
                  &w->out, err);
    if (rc != CHARON_OK)
        return rc;
    *out = strndup((const char *)w->out.data, w->out.len);
    charon_buf_reset(&w->out);
    if (*out == NULL)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    return CHARON_OK;
}

static json_object *
session_tokens_claims(const struct policy *p, json_object *session,
                      const char *jti, const char *type, int64_t now,
                      int64_t exp)
{
    json_object *c = json_object_new_object();
    json_object *v;

    if (c == NULL)
        return NULL;
    json_object_object_add(c, "exp", json_object_new_int64(exp));
    json_object_object_add(c, "iat", json_object_new_int64(now));
    json_object_object_add(c, "iss",
                           json_object_new_string(p->charon->token_issuer));
    json_object_object_add(c, "jti", json_object_new_string(jti));
    json_object_object_add(c, "nbf", json_object_new_int64(now));
    json_object_object_get_ex(session, "id", &v);
    json_object_object_add(c, "sid", json_object_get(v));
    json_object_object_get_ex(session, "type", &v);
    json_object_object_add(c, "styp", json_object_get(v));
    json_object_object_get_ex(session, "user_id", &v);
    json_object_object_add(c, "sub", json_object_get(v));
    json_object_object_add(c, "type", json_object_new_string(type));
    return c;
}

/* The session a login creates at now (CHARON-SEMANTICS §4.1-4.2). */
static void
session_tokens_new(const struct charon_section *c, const char *user_id,
                   const char *type, const char *sid, const char *refresh_id,
                   int64_t now, struct session *s)
{
    int64_t ttl_left, refresh_ttl;

    memset(s, 0, sizeof(*s));
    snprintf(s->id, sizeof(s->id), "%s", sid);
    snprintf(s->user_id, sizeof(s->user_id), "%s", user_id);
    snprintf(s->type, sizeof(s->type), "%s", type);
    snprintf(s->refresh_token_id, sizeof(s->refresh_token_id), "%s",
             refresh_id);
    if (c->session_ttl == CONFIG_TTL_INFINITE) {
        s->expires_at = SESSION_INFINITE;
        ttl_left = INT64_MAX;
    } else {
        s->expires_at = now + c->session_ttl;
        ttl_left = c->session_ttl;
    }
    refresh_ttl = session_tokens_min(c->refresh_token_ttl, ttl_left);
    s->created_at = now;
    s->refresh_expires_at = now + refresh_ttl;
    s->refreshed_at = now;
    s->tokens_fresh_from = now;
    s->prev_tokens_fresh_from = now;      /* Charon: now, not 0 */
    s->version = SESSION_VERSION;
}

int
session_tokens_create(struct worker *w, const struct policy *p,
                      const char *user_id, const char *session_type,
                      int64_t now, struct session_tokens *out,
                      struct charon_err *err)
{
    const struct charon_store_plugin *sp = snapshot_store(w->snap);
    struct charon_buf blob = CHARON_BUF_INIT, json = CHARON_BUF_INIT;
    char refresh_id[IDS_LEN + 1], access_id[IDS_LEN + 1];
    struct session_tokens st;
    struct charon_store_key key;
    struct session s;
    json_object *claims = NULL;
    int rc;

    memset(&st, 0, sizeof(st));
    memset(&s, 0, sizeof(s));
    rc = ids_generate(st.session_id, err);
    if (rc == CHARON_OK)
        rc = ids_generate(refresh_id, err);
    if (rc == CHARON_OK)
        rc = ids_generate(access_id, err);
    if (rc != CHARON_OK)
        return rc;
    session_tokens_new(p->charon, user_id, session_type, st.session_id,
                       refresh_id, now, &s);
    st.refresh_exp = s.refresh_expires_at;
    st.access_exp = now + session_tokens_min(p->charon->access_token_ttl,
                                             s.refresh_expires_at - now);
    /* The stored blob already carries the store's lock_version + 1, and so
     * does the session handed back (charon-fcgi deviation c). */
    s.lock_version = 1;
    rc = session_codec_encode(&s, w->snap->session_key, &blob, err);
    if (rc != CHARON_OK)
        goto fail;
    key.session_id = st.session_id;
    key.user_id = user_id;
    key.type = session_type;
    rc = sp->upsert(w->snap->store.instance, w->store_ts, &key, 0, blob.data,
                    blob.len, st.refresh_exp, err);
    if (rc != CHARON_OK)
        goto fail;
    rc = CHARON_ENOMEM;
    if (session_codec_json(&s, &json) != CHARON_OK ||
        (st.session = json_tokener_parse((const char *)json.data)) == NULL)
        goto fail;
    claims = session_tokens_claims(p, st.session, refresh_id, "refresh", now,
                                   st.refresh_exp);
    if (claims == NULL)
        goto fail;
    rc = session_tokens_sign(w, claims, &st.refresh_token, err);
    json_object_put(claims);
    if (rc != CHARON_OK)
        goto fail;
    rc = CHARON_ENOMEM;
    claims = session_tokens_claims(p, st.session, access_id, "access", now,
                                   st.access_exp);
    if (claims == NULL)
        goto fail;
    rc = session_tokens_sign(w, claims, &st.access_token, err);
    json_object_put(claims);
    if (rc != CHARON_OK)
        goto fail;
    *out = st;
    charon_buf_free(&blob);
    charon_buf_free(&json);
    return CHARON_OK;
fail:
    if (rc == CHARON_ENOMEM)
        charon_err_set(err, rc, "out of memory");
    charon_buf_free(&blob);
    charon_buf_free(&json);
    session_tokens_free(&st);
    return rc;
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
    if (st->session != NULL)
        json_object_put(st->session);
    st->session = NULL;
}
