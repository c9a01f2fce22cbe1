/* session_tokens.c - create a session and sign its tokens. */
#include "session_tokens.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

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

int
session_tokens_create(struct worker *w, const struct policy *p,
                      const char *user_id, const char *session_type,
                      int64_t now, struct session_tokens *out,
                      struct charon_err *err)
{
    const struct charon_store_plugin *sp = snapshot_store(w->snap);
    const struct charon_section *c = p->charon;
    struct session_tokens st;
    struct charon_store_key key;
    char refresh_id[IDS_LEN + 1], access_id[IDS_LEN + 1];
    json_object *claims = NULL;
    int64_t session_exp, ttl_left, refresh_ttl, access_ttl;
    const char *blob;
    int rc;

    memset(&st, 0, sizeof(st));
    rc = ids_generate(st.session_id, err);
    if (rc == CHARON_OK)
        rc = ids_generate(refresh_id, err);
    if (rc == CHARON_OK)
        rc = ids_generate(access_id, err);
    if (rc != CHARON_OK)
        return rc;
    /* CHARON-SEMANTICS §4.1, create. */
    if (c->session_ttl == CONFIG_TTL_INFINITE) {
        session_exp = -1;
        ttl_left = INT64_MAX;
    } else {
        session_exp = now + c->session_ttl;
        ttl_left = c->session_ttl;
    }
    refresh_ttl = session_tokens_min(c->refresh_token_ttl, ttl_left);
    access_ttl = session_tokens_min(c->access_token_ttl, refresh_ttl);
    st.refresh_exp = now + refresh_ttl;
    st.access_exp = now + access_ttl;

    rc = CHARON_ENOMEM;
    st.session = json_object_new_object();
    if (st.session == NULL)
        goto fail;
    json_object_object_add(st.session, "id",
                           json_object_new_string(st.session_id));
    json_object_object_add(st.session, "user_id",
                           json_object_new_string(user_id));
    json_object_object_add(st.session, "type",
                           json_object_new_string(session_type));
    json_object_object_add(st.session, "created_at", json_object_new_int64(now));
    json_object_object_add(st.session, "expires_at", session_exp < 0
                           ? json_object_new_string("infinite")
                           : json_object_new_int64(session_exp));
    json_object_object_add(st.session, "refresh_expires_at",
                           json_object_new_int64(st.refresh_exp));
    json_object_object_add(st.session, "refresh_token_id",
                           json_object_new_string(refresh_id));
    json_object_object_add(st.session, "refreshed_at",
                           json_object_new_int64(now));
    json_object_object_add(st.session, "tokens_fresh_from",
                           json_object_new_int64(now));
    json_object_object_add(st.session, "prev_tokens_fresh_from",
                           json_object_new_int64(now));
    json_object_object_add(st.session, "lock_version", json_object_new_int(0));
    json_object_object_add(st.session, "extra_payload",
                           json_object_new_object());
    json_object_object_add(st.session, "version", json_object_new_int(7));

    /* The store increments lock_version; the caller sees the new one. */
    key.session_id = st.session_id;
    key.user_id = user_id;
    key.type = session_type;
    json_object_object_add(st.session, "lock_version", json_object_new_int(1));
    blob = json_object_to_json_string_ext(
        st.session, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    if (blob == NULL)
        goto fail;
    rc = sp->upsert(w->snap->store.instance, w->store_ts, &key, 0, blob,
                    strlen(blob), st.refresh_exp, err);
    if (rc != CHARON_OK)
        goto fail;

    rc = CHARON_ENOMEM;
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
    return CHARON_OK;
fail:
    if (rc == CHARON_ENOMEM)
        charon_err_set(err, rc, "out of memory");
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
