/* session_codec.c - signed JSON session blobs. */
#include "session_codec.h"

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

static int
session_codec_mac(const unsigned char *key, size_t key_len, const char *data,
                  size_t len, unsigned char mac[SESSION_MAC_LEN])
{
    return hmac_cache_sha256(key, key_len, data, len, mac);
}

static int
session_codec_put_int(struct charon_buf *b, const char *name, int64_t v)
{
    char num[64];
    int n = snprintf(num, sizeof(num), ",\"%s\":%lld", name, (long long)v);

    return charon_buf_append(b, num, (size_t)n);
}

static int
session_codec_put_str(struct charon_buf *b, const char *name, const char *v)
{
    char key[64];
    int n = snprintf(key, sizeof(key), ",\"%s\":", name);

    if (charon_buf_append(b, key, (size_t)n) != CHARON_OK)
        return CHARON_ENOMEM;
    return http_reply_json_string(b, v);
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
        rc = rc ? rc : charon_buf_puts(b, ",\"extra_payload\":");
        rc = rc ? rc : charon_buf_puts(b, s->extra_payload != NULL
                                              ? s->extra_payload : "{}");
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
session_codec_encode(const struct session *s,
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
    if (session_codec_mac(key, SESSION_KEY_LEN, (const char *)json.data,
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
session_codec_check_mac(const void *blob, size_t len, const unsigned char *key,
                        size_t key_len, const char **data, size_t *data_len)
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
            return -1;
        sig = given;
        *data = p + ulen + 44;
    } else {
        return -1;
    }
    *data_len = len - (size_t)(*data - p);
    /* The MAC fails only for want of memory: that is no verdict on the
     * blob, and must not make a live session look forged (absent). */
    if (session_codec_mac(key, key_len, *data, *data_len, mac) < 0)
        return -2;
    if (CRYPTO_memcmp(mac, sig, SESSION_MAC_LEN) != 0)
        return -1;
    return 0;
}

/* Copies a string field into out; -1 if absent, not a string or too long. */
static int
session_codec_str(const struct json_claims *c, const char *name, char *out)
{
    const struct json_claims_value *v = json_claims_get(c, name);

    if (v == NULL || v->type != JSON_CLAIMS_STRING)
        return -1;
    return json_claims_text(v, out, SESSION_FIELD_MAX) < 0 ? -1 : 0;
}

static int
session_codec_int(const struct json_claims *c, const char *name, int64_t *out)
{
    const struct json_claims_value *v = json_claims_get(c, name);

    return v == NULL ? -1 : json_claims_int(v, out);
}

/* Fills s from the signed JSON; -1 with *why if a field is wrong. */
static int
session_codec_fields(const struct json_claims *c, struct session *s,
                     const char **why)
{
    const struct json_claims_value *v;
    int64_t n;

    *why = "malformed";
    if (session_codec_int(c, "version", &n) < 0)
        return -1;
    if (n != SESSION_VERSION) {
        *why = "of an unsupported version";
        return -1;
    }
    s->version = (int)n;
    v = json_claims_get(c, "user_id");
    if (v == NULL)
        return -1;
    s->user_id_is_int = v->type == JSON_CLAIMS_NUMBER;
    if (s->user_id_is_int
            ? json_claims_integer_text(v, s->user_id, SESSION_FIELD_MAX) < 0
            : v->type != JSON_CLAIMS_STRING ||
              json_claims_text(v, s->user_id, SESSION_FIELD_MAX) < 0)
        return -1;
    v = json_claims_get(c, "expires_at");
    if (v != NULL && json_claims_string_is(v, "infinite"))
        s->expires_at = SESSION_INFINITE;
    else if (v == NULL || json_claims_int(v, &s->expires_at) < 0)
        return -1;
    if (session_codec_str(c, "id", s->id) < 0 ||
        session_codec_str(c, "type", s->type) < 0 ||
        session_codec_str(c, "refresh_token_id", s->refresh_token_id) < 0 ||
        session_codec_int(c, "created_at", &s->created_at) < 0 ||
        session_codec_int(c, "refresh_expires_at", &s->refresh_expires_at) < 0 ||
        session_codec_int(c, "refreshed_at", &s->refreshed_at) < 0 ||
        session_codec_int(c, "tokens_fresh_from", &s->tokens_fresh_from) < 0 ||
        session_codec_int(c, "prev_tokens_fresh_from",
                          &s->prev_tokens_fresh_from) < 0 ||
        session_codec_int(c, "lock_version", &n) < 0 || n < 0)
        return -1;
    s->lock_version = (uint64_t)n;
    v = json_claims_get(c, "extra_payload");
    if (v == NULL || v->type != JSON_CLAIMS_OBJECT)
        return -1;
    s->extra_payload = strndup(v->p, v->len);
    if (s->extra_payload == NULL) {
        *why = "out of memory";
        return -1;
    }
    return 0;
}

int
session_codec_decode(const void *blob, size_t len,
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
    switch (session_codec_check_mac(blob, len, key, SESSION_KEY_LEN, &data,
                                    &data_len)) {
    case 0:
        break;
    case -2:
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    default:
        return charon_err_set(err, CHARON_ENOTFOUND, "invalid signature");
    }
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
    if (session_codec_fields(&c, &s, &why) < 0) {
        rc = s.extra_payload == NULL && strcmp(why, "out of memory") == 0
                 ? CHARON_ENOMEM : CHARON_ENOTFOUND;
        charon_err_set(err, rc, "%s", why);
        goto out;
    }
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

void
session_free(struct session *s)
{
    free(s->extra_payload);
    s->extra_payload = NULL;
}
