/* session_codec.c - signed JSON session blobs. */
#include "session_codec.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "b64url.h"
#include "hmac_cache.h"
#include "http_reply.h"
#include "json_claims.h"

#define SESSION_PREFIX "signed."
#define SESSION_PREFIX_U64 "signed_u64."
#define SESSION_MAC_LEN 32
#define SESSION_ACCESS_OVERRIDES "access_claim_overrides"
#define SESSION_REFRESH_OVERRIDES "refresh_claim_overrides"

static int
session_codec_mac(struct hmac_cache *hc, const unsigned char *key,
                  size_t key_len, const char *data, size_t len,
                  unsigned char mac[SESSION_MAC_LEN])
{
    return hmac_cache_sha256(hc, key, key_len, data, len, mac);
}

static int
session_codec_put_int(struct charon_buf *b, const char *name, int64_t v)
{
    char num[64];
    int n = snprintf(num, sizeof(num), ",\"%s\":%lld", name, (long long)v);

    return charon_buf_append(b, num, (size_t)n);
}

/* ,"name": */
static int
session_codec_put_name(struct charon_buf *b, const char *name)
{
    char key[64];
    int n = snprintf(key, sizeof(key), ",\"%s\":", name);

    return charon_buf_append(b, key, (size_t)n);
}

static int
session_codec_put_str(struct charon_buf *b, const char *name, const char *v)
{
    int rc = session_codec_put_name(b, name);

    return rc ? rc : http_reply_json_string(b, v);
}

/* name and a JSON text that is already valid (an object). */
static int
session_codec_put_raw(struct charon_buf *b, const char *name,
                      const char *json)
{
    int rc = session_codec_put_name(b, name);

    return rc ? rc : charon_buf_puts(b, json);
}

int
session_codec_json_fields(const struct session *s, int for_client,
                          struct charon_buf *b)
{
    int rc;

    rc = charon_buf_puts(b, "{\"id\":");
    rc = rc ? rc : http_reply_json_string(b, s->id);
    rc = rc ? rc : charon_buf_puts(b, ",\"user_id\":");
    rc = rc ? rc : (s->user_id_is_int ? charon_buf_puts(b, s->user_id)
                                      : http_reply_json_string(b, s->user_id));
    rc = rc ? rc : session_codec_put_str(b, "type", s->type);
    rc = rc ? rc : session_codec_put_int(b, "created_at", s->created_at);
    if (rc == CHARON_OK && s->expires_at == SESSION_INFINITE)
        rc = session_codec_put_str(b, "expires_at", "infinite");
    else
        rc = rc ? rc : session_codec_put_int(b, "expires_at", s->expires_at);
    rc = rc ? rc : session_codec_put_int(b, "refresh_expires_at",
                                         s->refresh_expires_at);
    if (!for_client)
        rc = rc ? rc : session_codec_put_str(b, "refresh_token_id",
                                             s->refresh_token_id);
    rc = rc ? rc : session_codec_put_int(b, "refreshed_at", s->refreshed_at);
    rc = rc ? rc : session_codec_put_int(b, "tokens_fresh_from",
                                         s->tokens_fresh_from);
    rc = rc ? rc : session_codec_put_int(b, "prev_tokens_fresh_from",
                                         s->prev_tokens_fresh_from);
    rc = rc ? rc : session_codec_put_int(b, "lock_version",
                                         (int64_t)s->lock_version);
    if (!for_client) {
        rc = rc ? rc : session_codec_put_raw(b, "extra_payload",
                                             s->extra_payload != NULL
                                                 ? s->extra_payload : "{}");
        /* Absent when none: a blob without overrides reads as before. */
        if (s->access_overrides != NULL)
            rc = rc ? rc : session_codec_put_raw(b, SESSION_ACCESS_OVERRIDES,
                                                 s->access_overrides);
        if (s->refresh_overrides != NULL)
            rc = rc ? rc : session_codec_put_raw(b, SESSION_REFRESH_OVERRIDES,
                                                 s->refresh_overrides);
    }
    return rc ? rc : session_codec_put_int(b, "version", SESSION_VERSION);
}

int
session_codec_json(const struct session *s, struct charon_buf *b)
{
    int rc = session_codec_json_fields(s, 0, b);

    return rc ? rc : charon_buf_puts(b, "}");
}

int
session_codec_encode(struct hmac_cache *hc, const struct session *s,
                     const unsigned char key[SESSION_KEY_LEN],
                     struct charon_buf *out, struct charon_err *err)
{
    struct charon_buf json = CHARON_BUF_INIT;
    unsigned char mac[SESSION_MAC_LEN];
    int rc;

    rc = session_codec_json(s, &json);
    if (rc != CHARON_OK) {
        rc = charon_err_set(err, CHARON_ENOMEM, "out of memory");
        goto out;
    }
    if (session_codec_mac(hc, key, SESSION_KEY_LEN, (const char *)json.data,
                          json.len, mac) < 0) {
        rc = charon_err_set(err, CHARON_EIO, "HMAC failed");
        goto out;
    }
    if (charon_buf_puts(out, SESSION_PREFIX) != CHARON_OK ||
        charon_buf_append(out, mac, sizeof(mac)) != CHARON_OK ||
        charon_buf_append(out, ".", 1) != CHARON_OK ||
        charon_buf_append(out, json.data, json.len) != CHARON_OK)
        rc = charon_err_set(err, CHARON_ENOMEM, "out of memory");
out:
    charon_buf_free(&json);
    return rc;
}

int
session_codec_check_mac(struct hmac_cache *hc, const void *blob, size_t len,
                        const unsigned char *key, size_t key_len,
                        const char **data, size_t *data_len)
{
    const char *p = blob;
    unsigned char mac[SESSION_MAC_LEN], given[SESSION_MAC_LEN + 2];
    size_t plen = sizeof(SESSION_PREFIX) - 1;
    size_t ulen = sizeof(SESSION_PREFIX_U64) - 1, n;
    const unsigned char *sig;

    if (len > plen + SESSION_MAC_LEN && memcmp(p, SESSION_PREFIX, plen) == 0 &&
        p[plen + SESSION_MAC_LEN] == '.') {
        sig = (const unsigned char *)p + plen;
        *data = p + plen + SESSION_MAC_LEN + 1;
    } else if (len > ulen + 43 && memcmp(p, SESSION_PREFIX_U64, ulen) == 0 &&
               p[ulen + 43] == '.') {
        if (b64url_decode(p + ulen, 43, given, &n) != 0 ||
            n != SESSION_MAC_LEN)
            return CHARON_ENOTFOUND;
        sig = given;
        *data = p + ulen + 44;
    } else {
        return CHARON_ENOTFOUND;
    }
    *data_len = len - (size_t)(*data - p);
    /* The MAC fails only for want of memory: that is no verdict on the
     * blob, and must not make a live session look forged (absent). */
    if (session_codec_mac(hc, key, key_len, *data, *data_len, mac) < 0)
        return CHARON_ENOMEM;
    if (CRYPTO_memcmp(mac, sig, SESSION_MAC_LEN) != 0)
        return CHARON_ENOTFOUND;
    return CHARON_OK;
}

/* Copies a string field into out; CHARON_EINVAL if absent, not a string
 * or too long. */
static int
session_codec_str(const struct json_claims *c, const char *name, char *out)
{
    const struct json_claims_value *v = json_claims_get(c, name);

    if (v == NULL || v->type != JSON_CLAIMS_STRING ||
        json_claims_text(v, out, SESSION_FIELD_MAX) < 0)
        return CHARON_EINVAL;
    return CHARON_OK;
}

/* An integer field; CHARON_EINVAL if absent or not an integer. */
static int
session_codec_int(const struct json_claims *c, const char *name, int64_t *out)
{
    const struct json_claims_value *v = json_claims_get(c, name);

    if (v == NULL || json_claims_int(v, out) < 0)
        return CHARON_EINVAL;
    return CHARON_OK;
}

/* Copies the text of an object member into *out (heap); absent is NULL
 * unless required.  CHARON_EINVAL if wrong, CHARON_ENOMEM. */
static int
session_codec_object(const struct json_claims *c, const char *name,
                     bool required, char **out)
{
    const struct json_claims_value *v = json_claims_get(c, name);

    if (v == NULL && !required)
        return CHARON_OK;
    if (v == NULL || v->type != JSON_CLAIMS_OBJECT)
        return CHARON_EINVAL;
    *out = strndup(v->p, v->len);
    return *out != NULL ? CHARON_OK : CHARON_ENOMEM;
}

/* The user id and expires_at of s; CHARON_EINVAL if either is wrong. */
static int
session_codec_owner(const struct json_claims *c, struct session *s)
{
    const struct json_claims_value *v = json_claims_get(c, "user_id");

    if (v == NULL)
        return CHARON_EINVAL;
    s->user_id_is_int = v->type == JSON_CLAIMS_NUMBER;
    if (s->user_id_is_int
            ? json_claims_integer_text(v, s->user_id, SESSION_FIELD_MAX) < 0
            : v->type != JSON_CLAIMS_STRING ||
              json_claims_text(v, s->user_id, SESSION_FIELD_MAX) < 0)
        return CHARON_EINVAL;
    v = json_claims_get(c, "expires_at");
    if (v != NULL && json_claims_string_is(v, "infinite"))
        s->expires_at = SESSION_INFINITE;
    else if (v == NULL || json_claims_int(v, &s->expires_at) < 0)
        return CHARON_EINVAL;
    return CHARON_OK;
}

/*
 * Fills s from the signed JSON: CHARON_OK, CHARON_ENOMEM, or
 * CHARON_ENOTFOUND with *why if a field is wrong (the blob is then
 * treated as absent).
 */
static int
session_codec_fields(const struct json_claims *c, struct session *s,
                     const char **why)
{
    int64_t n;
    int rc;

    *why = "malformed";
    if (session_codec_int(c, "version", &n) != CHARON_OK)
        return CHARON_ENOTFOUND;
    if (n != SESSION_VERSION) {
        *why = "of an unsupported version";
        return CHARON_ENOTFOUND;
    }
    s->version = (int)n;
    rc = session_codec_owner(c, s);
    rc = rc ? rc : session_codec_str(c, "id", s->id);
    rc = rc ? rc : session_codec_str(c, "type", s->type);
    rc = rc ? rc : session_codec_str(c, "refresh_token_id",
                                     s->refresh_token_id);
    rc = rc ? rc : session_codec_int(c, "created_at", &s->created_at);
    rc = rc ? rc : session_codec_int(c, "refresh_expires_at",
                                     &s->refresh_expires_at);
    rc = rc ? rc : session_codec_int(c, "refreshed_at", &s->refreshed_at);
    rc = rc ? rc : session_codec_int(c, "tokens_fresh_from",
                                     &s->tokens_fresh_from);
    rc = rc ? rc : session_codec_int(c, "prev_tokens_fresh_from",
                                     &s->prev_tokens_fresh_from);
    rc = rc ? rc : session_codec_int(c, "lock_version", &n);
    if (rc == CHARON_OK && n < 0)
        rc = CHARON_EINVAL;
    if (rc == CHARON_OK)
        s->lock_version = (uint64_t)n;
    rc = rc ? rc : session_codec_object(c, "extra_payload", true,
                                        &s->extra_payload);
    rc = rc ? rc : session_codec_object(c, SESSION_ACCESS_OVERRIDES, false,
                                        &s->access_overrides);
    rc = rc ? rc : session_codec_object(c, SESSION_REFRESH_OVERRIDES, false,
                                        &s->refresh_overrides);
    if (rc == CHARON_ENOMEM)
        *why = "out of memory";
    return rc == CHARON_EINVAL ? CHARON_ENOTFOUND : rc;
}

int
session_codec_decode(struct hmac_cache *hc, const void *blob, size_t len,
                     const unsigned char key[SESSION_KEY_LEN],
                     const struct session_expect *want, struct session *out,
                     struct charon_err *err)
{
    struct json_claims c = JSON_CLAIMS_INIT;
    struct session s;
    const char *data, *why;
    size_t data_len;
    int rc = CHARON_ENOTFOUND;

    memset(&s, 0, sizeof(s));
    rc = session_codec_check_mac(hc, blob, len, key, SESSION_KEY_LEN, &data,
                                 &data_len);
    if (rc != CHARON_OK)
        return charon_err_set(err, rc, rc == CHARON_ENOMEM
                                           ? "out of memory"
                                           : "invalid signature");
    rc = CHARON_ENOTFOUND;
    switch (json_claims_parse(data, data_len, &c)) {
    case 0:
        break;
    case -2:
        rc = charon_err_set(err, CHARON_ENOMEM, "out of memory");
        goto out;
    default:
        charon_err_set(err, rc, "malformed");
        goto out;
    }
    rc = session_codec_fields(&c, &s, &why);
    if (rc != CHARON_OK) {
        charon_err_set(err, rc, "%s", why);
        goto out;
    }
    rc = CHARON_ENOTFOUND;
    if (s.refresh_expires_at < want->now)
        why = "expired";
    else if (s.user_id_is_int != want->user_id_is_int ||
             strcmp(s.user_id, want->user_id) != 0)
        why = "of another user";
    else if (strcmp(s.type, want->type) != 0)
        why = "of another type";
    else if (want->session_id != NULL && strcmp(s.id, want->session_id) != 0)
        why = "stored under another id";
    else
        why = NULL;
    if (why != NULL) {
        charon_err_set(err, rc, "%s", why);
        goto out;
    }
    *out = s;
    memset(&s, 0, sizeof(s));
    rc = CHARON_OK;
out:
    json_claims_free(&c);
    session_free(&s);
    return rc;
}

/* *dst = a heap copy of src (NULL stays NULL). */
static int
session_codec_dup(char **dst, const char *src)
{
    *dst = NULL;
    if (src != NULL && (*dst = strdup(src)) == NULL)
        return CHARON_ENOMEM;
    return CHARON_OK;
}

int
session_copy(struct session *dst, const struct session *src)
{
    *dst = *src;
    dst->extra_payload = NULL;
    dst->access_overrides = NULL;
    dst->refresh_overrides = NULL;
    if (session_codec_dup(&dst->extra_payload, src->extra_payload) ||
        session_codec_dup(&dst->access_overrides, src->access_overrides) ||
        session_codec_dup(&dst->refresh_overrides, src->refresh_overrides)) {
        session_free(dst);
        return CHARON_ENOMEM;
    }
    return CHARON_OK;
}

void
session_free(struct session *s)
{
    free(s->extra_payload);
    free(s->access_overrides);
    free(s->refresh_overrides);
    s->extra_payload = NULL;
    s->access_overrides = NULL;
    s->refresh_overrides = NULL;
}
