/* jwt_codec.c - making and checking compact JWTs for token_jwt. */
#include "jwt_codec.h"
#include "jwt_json_check.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include <json-c/json_object.h>
#include <openssl/rand.h>

#include "b64url.h"
#include "jwt_sig.h"

#define JWT_CODEC_UNSET_PREFIX "kid_not_set."
/* Offsets inside a Poly1305 header segment. */
#define JWT_CODEC_P1305_NONCE_AT JWT_P1305_HEAD_B64_LEN
#define JWT_CODEC_P1305_KID_AT (JWT_CODEC_P1305_NONCE_AT + \
                                JWT_P1305_NONCE_B64_LEN)
#define JWT_CODEC_P1305_TAIL_AT (JWT_CODEC_P1305_KID_AT + \
                                 JWT_P1305_KID_B64_LEN)

static int
jwt_codec_reject(struct charon_err *err, const char *reason)
{
    return charon_err_set(err, CHARON_ETOKEN, "%s", reason);
}

static bool
jwt_codec_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Parses exactly s[0..len) (whitespace around it allowed) as one JSON
 * value with the thread's strict tokener; NULL if it is not that. */
static struct json_object *
jwt_codec_parse(struct jwt_thread *ts, const char *s, size_t len)
{
    struct json_object *obj;
    size_t end;

    if (len > INT_MAX)
        return NULL;
    json_tokener_reset(ts->tok);
    obj = json_tokener_parse_ex(ts->tok, s, (int)len);
    if (obj == NULL)
        return NULL;
    for (end = json_tokener_get_parse_end(ts->tok);
         end < len && jwt_codec_is_space(s[end]); end++)
        ;
    if (end != len) {
        json_object_put(obj);
        return NULL;
    }
    return obj;
}

/* Exactly three non-empty segments; d1 and d2 are the two dots. */
static bool
jwt_codec_split(const char *t, size_t len, size_t *d1, size_t *d2)
{
    const char *p, *q;

    p = memchr(t, '.', len);
    if (p == NULL)
        return false;
    *d1 = (size_t)(p - t);
    q = memchr(p + 1, '.', len - *d1 - 1);
    if (q == NULL)
        return false;
    *d2 = (size_t)(q - t);
    if (memchr(q + 1, '.', len - *d2 - 1) != NULL)
        return false;
    return *d1 > 0 && *d2 > *d1 + 1 && *d2 + 1 < len;
}

/* The 16 base64url characters of a nonce -> its 12 bytes. */
static bool
jwt_codec_nonce(const char *s, size_t len, unsigned char *nonce)
{
    unsigned char buf[B64URL_DECODED_MAX(JWT_NONCE_B64_LEN)];
    size_t n;

    if (len != JWT_NONCE_B64_LEN || b64url_decode(s, len, buf, &n) != 0 ||
        n != JWT_NONCE_LEN)
        return false;
    memcpy(nonce, buf, JWT_NONCE_LEN);
    return true;
}

/*
 * The fast path: a header segment that is exactly one key's precomputed
 * header (or, for Poly1305, the fixed pieces around a nonce and that
 * key's header tail).  1: *kp found; 0: none, take the slow path;
 * CHARON_ETOKEN: a Poly1305 nonce piece that is not "<nonce>",.
 */
static int
jwt_codec_fast_key(const struct jwt_keyset *ks, const char *t, size_t d1,
                   const struct jwt_key **kp, unsigned char *nonce,
                   struct charon_err *err)
{
    unsigned char seg[B64URL_DECODED_MAX(JWT_P1305_NONCE_B64_LEN)];
    const struct jwt_key *k;
    size_t i, n;

    for (i = 0; i < ks->count; i++) {
        k = &ks->keys[i];
        if (k->alg != JWT_ALG_POLY1305) {
            if (d1 == k->hdr_b64_len && memcmp(t, k->hdr_b64, d1) == 0)
                break;
            continue;
        }
        if (d1 == JWT_CODEC_P1305_TAIL_AT + k->hdr_b64_len &&
            memcmp(t, JWT_P1305_HEAD_B64, JWT_P1305_HEAD_B64_LEN) == 0 &&
            memcmp(t + JWT_CODEC_P1305_KID_AT, JWT_P1305_KID_B64,
                   JWT_P1305_KID_B64_LEN) == 0 &&
            memcmp(t + JWT_CODEC_P1305_TAIL_AT, k->hdr_b64,
                   k->hdr_b64_len) == 0)
            break;
    }
    if (i == ks->count)
        return 0;
    *kp = k;
    if (k->alg != JWT_ALG_POLY1305)
        return 1;
    if (b64url_decode(t + JWT_CODEC_P1305_NONCE_AT, JWT_P1305_NONCE_B64_LEN,
                      seg, &n) != 0 || n != JWT_NONCE_B64_LEN + 2 ||
        seg[JWT_NONCE_B64_LEN] != '"' || seg[JWT_NONCE_B64_LEN + 1] != ',' ||
        !jwt_codec_nonce((const char *)seg, JWT_NONCE_B64_LEN, nonce))
        return jwt_codec_reject(err, "malformed token");
    return 1;
}

/* The key named by the header's kid, or kid_not_set.<alg> without one. */
static const struct jwt_key *
jwt_codec_header_key(const struct jwt_keyset *ks, struct json_object *hdr,
                     const char *alg, size_t alg_len)
{
    char unset[sizeof(JWT_CODEC_UNSET_PREFIX) + JWT_KID_MAX];
    const size_t plen = sizeof(JWT_CODEC_UNSET_PREFIX) - 1;
    struct json_object *v;

    if (json_object_object_get_ex(hdr, "kid", &v)) {
        if (!json_object_is_type(v, json_type_string))
            return NULL;
        return jwt_keyset_find(ks, json_object_get_string(v),
                               (size_t)json_object_get_string_len(v));
    }
    if (alg_len > JWT_KID_MAX)
        return NULL;
    memcpy(unset, JWT_CODEC_UNSET_PREFIX, plen);
    memcpy(unset + plen, alg, alg_len);
    return jwt_keyset_find(ks, unset, plen + alg_len);
}

static bool
jwt_codec_alg_is(const char *alg, size_t alg_len, const char *name)
{
    return alg_len == strlen(name) && memcmp(alg, name, alg_len) == 0;
}

/* The slow path: decode and parse the header, find the key by kid and
 * insist that the header's alg is the key's. */
static int
jwt_codec_slow_key(const struct jwt_keyset *ks, struct jwt_thread *ts,
                   const char *t, size_t d1, const struct jwt_key **kp,
                   unsigned char *nonce, struct charon_err *err)
{
    struct json_object *hdr = NULL, *v;
    const struct jwt_key *k;
    const char *alg, *want;
    size_t n, alg_len;
    int rc;

    if (b64url_decode(t, d1, ts->scratch, &n) != 0)
        return jwt_codec_reject(err, "encoding invalid");
    hdr = jwt_codec_parse(ts, (const char *)ts->scratch, n);
    if (hdr == NULL)
        return jwt_codec_reject(err, "json invalid");
    if (!json_object_is_type(hdr, json_type_object) ||
        !json_object_object_get_ex(hdr, "alg", &v) ||
        !json_object_is_type(v, json_type_string)) {
        rc = jwt_codec_reject(err, "malformed header");
        goto out;
    }
    alg = json_object_get_string(v);
    alg_len = (size_t)json_object_get_string_len(v);
    k = jwt_codec_header_key(ks, hdr, alg, alg_len);
    if (k == NULL) {
        rc = jwt_codec_reject(err, "key not found");
        goto out;
    }
    /* charon-fcgi binds each key to its alg: no "none", no HS256 token
     * verified with an EdDSA public key as HMAC secret.  An EdDSA key
     * also takes its curve's fully specified name (RFC 9864). */
    want = jwt_alg_name(k->alg);
    if (!jwt_codec_alg_is(alg, alg_len, want) &&
        !(k->alg == JWT_ALG_EDDSA &&
          jwt_codec_alg_is(alg, alg_len,
                           k->sig_len == 114 ? "Ed448" : "Ed25519"))) {
        rc = jwt_codec_reject(err, "algorithm mismatch");
        goto out;
    }
    if (k->alg == JWT_ALG_POLY1305 &&
        (!json_object_object_get_ex(hdr, "nonce", &v) ||
         !json_object_is_type(v, json_type_string) ||
         !jwt_codec_nonce(json_object_get_string(v),
                          (size_t)json_object_get_string_len(v), nonce))) {
        rc = jwt_codec_reject(err, "malformed header");
        goto out;
    }
    *kp = k;
    rc = CHARON_OK;
out:
    json_object_put(hdr);
    return rc;
}

int
jwt_codec_verify(const struct jwt_keyset *ks, size_t max_token_bytes,
                 struct jwt_thread *ts, const char *token, size_t len,
                 struct charon_buf *out, struct charon_err *err)
{
    unsigned char nonce[JWT_NONCE_LEN];
    const struct jwt_key *k = NULL;
    const char *payload;
    unsigned char *dst;
    size_t d1, d2, n, sig_seg_len;
    int rc;

    if (len > max_token_bytes)
        return jwt_codec_reject(err, "token too long");
    if (!jwt_codec_split(token, len, &d1, &d2))
        return jwt_codec_reject(err, "malformed token");
    sig_seg_len = len - d2 - 1;
    rc = jwt_codec_fast_key(ks, token, d1, &k, nonce, err);
    if (rc == 1 && sig_seg_len != k->sig_b64_len)
        return jwt_codec_reject(err, "malformed token");
    if (rc == 0)
        rc = jwt_codec_slow_key(ks, ts, token, d1, &k, nonce, err);
    if (rc < 0)
        return rc;

    if (b64url_decode(token + d2 + 1, sig_seg_len, ts->scratch, &n) != 0)
        return jwt_codec_reject(err, "malformed token");
    if (n != k->sig_len)
        return jwt_codec_reject(err, "signature invalid");
    rc = jwt_sig_check(ks, k, ts, k->alg == JWT_ALG_POLY1305 ? nonce : NULL,
                       token, d2, ts->scratch, err);
    if (rc != CHARON_OK)
        return rc;

    /* Decode straight into out; commit only a JSON object's bytes. */
    payload = token + d1 + 1;
    if (charon_buf_reserve(out, B64URL_DECODED_MAX(d2 - d1 - 1)) !=
        CHARON_OK)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    dst = out->data + out->len;
    if (b64url_decode(payload, d2 - d1 - 1, dst, &n) != 0)
        rc = jwt_codec_reject(err, "encoding invalid");
    else if (n == 0 || dst[0] != '{')
        rc = jwt_codec_reject(err, "json invalid");
    else
        out->len += n;
    out->data[out->len] = '\0';
    return rc;
}

/* The header segment of a new Poly1305 token with a fresh nonce. */
static int
jwt_codec_poly1305_header(const struct jwt_key *k, unsigned char *nonce,
                          char *p, struct charon_err *err)
{
    unsigned char seg[JWT_NONCE_B64_LEN + 2];

    if (RAND_bytes(nonce, JWT_NONCE_LEN) != 1)
        return charon_err_set(err, CHARON_EIO, "RAND_bytes failed");
    b64url_encode(nonce, JWT_NONCE_LEN, (char *)seg);
    seg[JWT_NONCE_B64_LEN] = '"';
    seg[JWT_NONCE_B64_LEN + 1] = ',';
    memcpy(p, JWT_P1305_HEAD_B64, JWT_P1305_HEAD_B64_LEN);
    b64url_encode(seg, sizeof(seg), p + JWT_CODEC_P1305_NONCE_AT);
    memcpy(p + JWT_CODEC_P1305_KID_AT, JWT_P1305_KID_B64,
           JWT_P1305_KID_B64_LEN);
    memcpy(p + JWT_CODEC_P1305_TAIL_AT, k->hdr_b64, k->hdr_b64_len);
    return CHARON_OK;
}

int
jwt_codec_sign(const struct jwt_keyset *ks, struct jwt_thread *ts,
               const char *payload, size_t len, struct charon_buf *out,
               struct charon_err *err)
{
    const struct jwt_key *k = &ks->keys[ks->signing];
    unsigned char nonce[JWT_NONCE_LEN], sig[JWT_SIG_MAX];
    size_t i, hdr_len, total;
    char *start, *p;
    bool is_object;
    int rc;

    for (i = 0; i < len && jwt_codec_is_space(payload[i]); i++)
        ;
    /* Checked without json-c: its parser allocates, and crashed when an
     * allocation failed. */
    is_object = jwt_json_check_object(payload, len);
    if (!is_object)
        return charon_err_set(err, CHARON_EINVAL,
                              "payload is not a JSON object");
    /* Sign the object without the whitespace around it: verify() wants
     * the payload to start with '{'. */
    payload += i;
    len -= i;
    while (len > 0 && jwt_codec_is_space(payload[len - 1]))
        len--;

    hdr_len = k->hdr_b64_len;
    if (k->alg == JWT_ALG_POLY1305)
        hdr_len += JWT_CODEC_P1305_TAIL_AT;
    total = hdr_len + 1 + B64URL_ENCODED_LEN(len) + 1 + k->sig_b64_len;
    if (charon_buf_reserve(out, total) != CHARON_OK)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    start = (char *)out->data + out->len;
    if (k->alg == JWT_ALG_POLY1305) {
        rc = jwt_codec_poly1305_header(k, nonce, start, err);
        if (rc != CHARON_OK)
            return rc;
    } else {
        memcpy(start, k->hdr_b64, hdr_len);
    }
    p = start + hdr_len;
    *p++ = '.';
    p += b64url_encode((const unsigned char *)payload, len, p);
    rc = jwt_sig_make(ks, k, ts, nonce, start, (size_t)(p - start), sig, err);
    if (rc == CHARON_OK) {
        *p++ = '.';
        p += b64url_encode(sig, k->sig_len, p);
        out->len += (size_t)(p - start);
    }
    out->data[out->len] = '\0';
    return rc;
}
