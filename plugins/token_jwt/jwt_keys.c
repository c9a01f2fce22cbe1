/* jwt_keys.c - building the token_jwt keyset from key.<kid> entries. */
#include "jwt_keys.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/params.h>

#include "b64url.h"
#include "jwt_key_file.h"

#define JWT_KEYS_HMAC_MAX 4096     /* longest raw HMAC key file */
#define JWT_KEYS_HMAC_MIN 32       /* shortest HMAC key, any hash       */
#define JWT_KEYS_DERIVED_MAX 64    /* longest derived key (the host's)  */
#define JWT_KEYS_POLY_LEN 32
#define JWT_KEYS_UNSET_PREFIX "kid_not_set."

struct jwt_keys_alg {
    const char *name;
    enum jwt_alg alg;
    const char *digest;    /* HMAC only                         */
    size_t sig_len;        /* EdDSA: 0, the key decides (64/114) */
};

/* Indexed by enum jwt_alg. */
static const struct jwt_keys_alg jwt_keys_algs[] = {
    { "HS256", JWT_ALG_HS256, "SHA256", 32 },
    { "HS384", JWT_ALG_HS384, "SHA384", 48 },
    { "HS512", JWT_ALG_HS512, "SHA512", 64 },
    { "EdDSA", JWT_ALG_EDDSA, NULL, 0 },
    { "Poly1305", JWT_ALG_POLY1305, NULL, 16 },
};

#define JWT_KEYS_ALG_COUNT (sizeof(jwt_keys_algs) / sizeof(jwt_keys_algs[0]))
#define JWT_KEYS_ALG_LIST "HS256, HS384, HS512, EdDSA, Poly1305"

/* Charon's default keyset: { "default" => HS256 key derived with salt
 * "charon_jwt_default" }. */
static const struct charon_opt_entry jwt_keys_default_entry = {
    .id = "default", .value = "HS256:derived", .line = 0
};

const char *
jwt_alg_name(enum jwt_alg alg)
{
    return jwt_keys_algs[alg].name;
}

/* Fails with "key.<kid> = "<value>" (line N): <why>". */
static __attribute__((format(printf, 4, 5))) int
jwt_keys_fail(struct charon_err *err, int code,
              const struct charon_opt_entry *e, const char *fmt, ...)
{
    char why[CHARON_ERR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    if (e->line > 0)
        return charon_err_set(err, code, "key.%s = \"%s\" (line %d): %s",
                              e->id, e->value, e->line, why);
    return charon_err_set(err, code, "key.%s = \"%s\" (default keyset): %s",
                          e->id, e->value, why);
}

/* A kid goes into the header without JSON escaping (as in Charon), so
 * only characters that need none are accepted. */
static bool
jwt_keys_kid_ok(const char *kid)
{
    size_t i, n = strlen(kid);

    if (n == 0 || n > JWT_KID_MAX)
        return false;
    for (i = 0; i < n; i++)
        if (kid[i] <= 0x20 || kid[i] >= 0x7f || kid[i] == '"' ||
            kid[i] == '\\')
            return false;
    return true;
}

/*
 * "SALT" or "SALT:LEN" after "derived:": a last ':' field of digits is
 * the length in bytes (Charon's derive_key(salt, length: LEN)).  Sets
 * *salt_len and *len (left as is without a length); 0, or -1 if the
 * length is out of min..max.
 */
static int
jwt_keys_derived_len(const char *salt, size_t *salt_len, size_t min,
                     size_t max, size_t *len)
{
    const char *colon = strrchr(salt, ':');
    unsigned long n = 0;
    const char *d;

    *salt_len = strlen(salt);
    if (colon == NULL || colon[1] == '\0' ||
        strspn(colon + 1, "0123456789") != strlen(colon + 1))
        return 0;
    for (d = colon + 1; *d != '\0'; d++) {
        n = n * 10 + (unsigned long)(*d - '0');
        if (n > max)
            return -1;
    }
    if (n < min)
        return -1;
    *salt_len = (size_t)(colon - salt);
    *len = (size_t)n;
    return 0;
}

/*
 * Derived or file secret of an HMAC or Poly1305 key: derived ones are
 * dflt bytes long unless "derived:SALT:LEN" says otherwise (min..max),
 * files hold min..cap bytes.
 */
static int
jwt_keys_secret(const struct charon_host *host,
                const struct charon_opt_entry *e, const char *src,
                size_t dflt, size_t min, size_t cap, unsigned char *out,
                size_t *out_len, struct charon_err *err)
{
    struct charon_err inner = { 0, "" };
    char salt[512];
    size_t len = dflt, salt_len;
    size_t max = cap < JWT_KEYS_DERIVED_MAX ? cap : JWT_KEYS_DERIVED_MAX;
    int rc;

    if (strcmp(src, "derived") == 0) {
        snprintf(salt, sizeof(salt), "%s", CHARON_KEY_JWT_DEFAULT);
    } else if (strncmp(src, "derived:", 8) == 0) {
        if (jwt_keys_derived_len(src + 8, &salt_len, min, max, &len) < 0)
            return jwt_keys_fail(err, CHARON_ECONFIG, e,
                                 "derived key length not in %zu..%zu bytes",
                                 min, max);
        if (salt_len == 0)
            return jwt_keys_fail(err, CHARON_ECONFIG, e,
                                 "empty salt after \"derived:\"");
        if (salt_len >= sizeof(salt))
            return jwt_keys_fail(err, CHARON_ECONFIG, e, "salt too long");
        memcpy(salt, src + 8, salt_len);
        salt[salt_len] = '\0';
    } else if (strncmp(src, "file:", 5) == 0) {
        if (src[5] == '\0')
            return jwt_keys_fail(err, CHARON_ECONFIG, e,
                                 "empty path after \"file:\"");
        rc = jwt_key_file_raw(src + 5, min, cap, out, out_len, &inner);
        if (rc != CHARON_OK)
            return jwt_keys_fail(err, rc, e, "%s", inner.msg);
        return CHARON_OK;
    } else {
        return jwt_keys_fail(err, CHARON_ECONFIG, e,
                             "unknown key source \"%s\"; expected derived, "
                             "derived:SALT[:LEN] or file:PATH", src);
    }
    if (host == NULL || host->derive_key == NULL)
        return jwt_keys_fail(err, CHARON_ECONFIG, e,
                             "the host offers no key derivation");
    /* dflt is the hash output (RFC 7518 §3.2), so HS256 derives 32 bytes
     * exactly as Charon's KeyGenerator does. */
    rc = host->derive_key(host, salt, out, len, &inner);
    if (rc != CHARON_OK)
        return jwt_keys_fail(err, rc, e, "cannot derive the key: %s",
                             inner.msg);
    *out_len = len;
    return CHARON_OK;
}

static int
jwt_keys_load_hmac(const struct charon_host *host,
                   const struct charon_opt_entry *e, const char *src,
                   const struct jwt_keys_alg *a, EVP_MAC *hmac,
                   struct jwt_key *k, struct charon_err *err)
{
    unsigned char secret[JWT_KEYS_HMAC_MAX];
    OSSL_PARAM params[2];
    size_t len = 0;
    int rc;

    rc = jwt_keys_secret(host, e, src, a->sig_len, JWT_KEYS_HMAC_MIN,
                         sizeof(secret), secret, &len, err);
    if (rc != CHARON_OK)
        goto out;
    /* Charon derives 32 bytes unless told otherwise, whatever the hash:
     * its HS384/HS512 keysets are configured so, with a warning. */
    if (len < a->sig_len && host != NULL && host->log != NULL)
        host->log(host, CHARON_LOG_WARN, "key.%s: a %zu-byte %s key is "
                  "below RFC 7518's minimum of %zu bytes; accepted for "
                  "Charon keysets, use %zu bytes for new keys", e->id, len,
                  a->name, a->sig_len, a->sig_len);
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 (char *)a->digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    k->hmac = EVP_MAC_CTX_new(hmac);
    if (k->hmac == NULL || !EVP_MAC_init(k->hmac, secret, len, params)) {
        ERR_clear_error();
        rc = jwt_keys_fail(err, CHARON_ENOMEM, e, "cannot set up HMAC-%s",
                           a->digest);
        goto out;
    }
    k->can_sign = 1;
    rc = CHARON_OK;
out:
    OPENSSL_cleanse(secret, sizeof(secret));
    return rc;
}

static int
jwt_keys_load_poly1305(const struct charon_host *host,
                       const struct charon_opt_entry *e, const char *src,
                       struct jwt_key *k, struct charon_err *err)
{
    size_t len = 0;
    int rc;

    k->poly_key = OPENSSL_malloc(JWT_KEYS_POLY_LEN);
    if (k->poly_key == NULL)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    rc = jwt_keys_secret(host, e, src, JWT_KEYS_POLY_LEN, JWT_KEYS_POLY_LEN,
                         JWT_KEYS_POLY_LEN, k->poly_key, &len, err);
    if (rc != CHARON_OK)
        return rc;
    k->can_sign = 1;
    return CHARON_OK;
}

static int
jwt_keys_load_eddsa(const struct charon_opt_entry *e, const char *src,
                    struct jwt_key *k, struct charon_err *err)
{
    struct charon_err inner = { 0, "" };
    const char *path = src;
    int rc;

    if (strcmp(src, "derived") == 0 || strncmp(src, "derived:", 8) == 0)
        return jwt_keys_fail(err, CHARON_ECONFIG, e,
                             "EdDSA keys come from a PEM file "
                             "(EdDSA:/path/key.pem); make one with "
                             "charonctl keygen ed25519 -o FILE.pem");
    if (strncmp(src, "file:", 5) == 0)
        path = src + 5;
    if (path[0] == '\0')
        return jwt_keys_fail(err, CHARON_ECONFIG, e, "empty PEM path");
    rc = jwt_key_file_pem(path, &k->pkey, &k->can_sign, &inner);
    if (rc != CHARON_OK)
        return jwt_keys_fail(err, rc, e, "%s", inner.msg);
    k->sig_len = EVP_PKEY_is_a(k->pkey, "ED448") ? 114 : 64;
    return CHARON_OK;
}

/* The precomputed base64url header (or Poly1305 header tail). */
static int
jwt_keys_header(struct jwt_key *k, struct charon_err *err)
{
    char json[64 + JWT_KID_MAX];
    int n;

    if (k->alg == JWT_ALG_POLY1305)
        n = snprintf(json, sizeof(json), "\"%s\"}", k->kid);
    else
        n = snprintf(json, sizeof(json),
                     "{\"alg\":\"%s\",\"typ\":\"JWT\",\"kid\":\"%s\"}",
                     jwt_alg_name(k->alg), k->kid);
    k->hdr_b64 = malloc(B64URL_ENCODED_LEN((size_t)n) + 1);
    if (k->hdr_b64 == NULL)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    k->hdr_b64_len = b64url_encode((const unsigned char *)json, (size_t)n,
                                   k->hdr_b64);
    k->hdr_b64[k->hdr_b64_len] = '\0';
    return CHARON_OK;
}

static int
jwt_keys_load_one(const struct charon_host *host,
                  const struct charon_opt_entry *e, EVP_MAC *hmac,
                  struct jwt_key *k, struct charon_err *err)
{
    const struct jwt_keys_alg *a = NULL;
    const char *colon, *unset_alg;
    size_t i, alg_len;
    int rc;

    if (!jwt_keys_kid_ok(e->id))
        return jwt_keys_fail(err, CHARON_ECONFIG, e,
                             "a kid is 1..%d printable ASCII characters "
                             "without spaces, quotes or backslashes",
                             JWT_KID_MAX);
    colon = strchr(e->value, ':');
    alg_len = colon != NULL ? (size_t)(colon - e->value) : 0;
    for (i = 0; i < JWT_KEYS_ALG_COUNT && a == NULL; i++)
        if (strlen(jwt_keys_algs[i].name) == alg_len &&
            memcmp(jwt_keys_algs[i].name, e->value, alg_len) == 0)
            a = &jwt_keys_algs[i];
    if (a == NULL)
        return jwt_keys_fail(err, CHARON_ECONFIG, e,
                             "expected <ALG>:<source> with ALG one of "
                             JWT_KEYS_ALG_LIST);
    if (strncmp(e->id, JWT_KEYS_UNSET_PREFIX,
                strlen(JWT_KEYS_UNSET_PREFIX)) == 0) {
        unset_alg = e->id + strlen(JWT_KEYS_UNSET_PREFIX);
        if (strcmp(unset_alg, a->name) != 0)
            return jwt_keys_fail(err, CHARON_ECONFIG, e,
                                 "the fallback for tokens without kid and "
                                 "with alg %s must be a %s key", unset_alg,
                                 unset_alg);
    }
    k->kid = strdup(e->id);
    if (k->kid == NULL)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    k->kid_len = strlen(k->kid);
    k->alg = a->alg;
    k->sig_len = a->sig_len;
    if (a->digest != NULL)
        rc = jwt_keys_load_hmac(host, e, colon + 1, a, hmac, k, err);
    else if (a->alg == JWT_ALG_POLY1305)
        rc = jwt_keys_load_poly1305(host, e, colon + 1, k, err);
    else
        rc = jwt_keys_load_eddsa(e, colon + 1, k, err);
    if (rc != CHARON_OK)
        return rc;
    k->sig_b64_len = B64URL_ENCODED_LEN(k->sig_len);
    return jwt_keys_header(k, err);
}

/* {"keys":[{"kty":"OKP","crv":...,"x":...,"kid":...,"alg":"EdDSA",
 * "use":"sig"},...]} for every EdDSA key, private or public. */
static int
jwt_keys_build_jwks(struct jwt_keyset *ks, struct charon_err *err)
{
    struct charon_buf b = CHARON_BUF_INIT;
    char x[B64URL_ENCODED_LEN(57) + 1], jwk[256 + JWT_KID_MAX];
    unsigned char pub[57];
    const char *sep = "";
    size_t i, pub_len;
    int rc = CHARON_ENOMEM, n;

    if (charon_buf_puts(&b, "{\"keys\":[") != CHARON_OK)
        goto out;
    for (i = 0; i < ks->count; i++) {
        const struct jwt_key *k = &ks->keys[i];

        if (k->alg != JWT_ALG_EDDSA)
            continue;
        pub_len = sizeof(pub);
        if (!EVP_PKEY_get_raw_public_key(k->pkey, pub, &pub_len)) {
            ERR_clear_error();
            rc = charon_err_set(err, CHARON_ECONFIG, "key.%s: cannot read "
                                "the raw public key", k->kid);
            goto out;
        }
        x[b64url_encode(pub, pub_len, x)] = '\0';
        n = snprintf(jwk, sizeof(jwk), "%s{\"kty\":\"OKP\",\"crv\":\"%s\","
                     "\"x\":\"%s\",\"kid\":\"%s\",\"alg\":\"EdDSA\","
                     "\"use\":\"sig\"}", sep,
                     k->sig_len == 114 ? "Ed448" : "Ed25519", x, k->kid);
        if (charon_buf_append(&b, jwk, (size_t)n) != CHARON_OK)
            goto out;
        sep = ",";
    }
    if (charon_buf_puts(&b, "]}") != CHARON_OK)
        goto out;
    ks->jwks = (char *)b.data;
    ks->jwks_len = b.len;
    b.data = NULL;
    rc = CHARON_OK;
out:
    if (rc == CHARON_ENOMEM)
        charon_err_set(err, rc, "out of memory");
    free(b.data);
    return rc;
}

static int
jwt_keys_pick_signing(struct jwt_keyset *ks, const char *kid,
                      const struct charon_opt_entry *entries,
                      struct charon_err *err)
{
    const struct jwt_key *k;

    if (kid == NULL || kid[0] == '\0')
        return charon_err_set(err, CHARON_ECONFIG, "signing_key is empty");
    k = jwt_keyset_find(ks, kid, strlen(kid));
    if (k == NULL)
        return charon_err_set(err, CHARON_ECONFIG,
                              "signing_key = \"%s\": no such key; add "
                              "key.%s = <ALG>:<source>", kid, kid);
    ks->signing = (size_t)(k - ks->keys);
    if (!k->can_sign)
        return charon_err_set(err, CHARON_ECONFIG,
                              "signing_key = \"%s\": key.%s (line %d) is an "
                              "EdDSA public key, which can only verify; give "
                              "the private key PEM", kid, kid,
                              entries[ks->signing].line);
    return CHARON_OK;
}

int
jwt_keyset_load(const struct charon_host *host,
                const struct token_jwt_config *cfg, struct jwt_keyset **out,
                struct charon_err *err)
{
    const struct charon_opt_entry *entries = cfg->keys.entries;
    size_t i, j, n = cfg->keys.count;
    struct jwt_keyset *ks;
    EVP_MAC *hmac = NULL;
    int rc = CHARON_ENOMEM;

    if (n == 0) {
        entries = &jwt_keys_default_entry;
        n = 1;
    }
    ks = calloc(1, sizeof(*ks));
    if (ks == NULL || (ks->keys = calloc(n, sizeof(*ks->keys))) == NULL) {
        rc = charon_err_set(err, CHARON_ENOMEM, "out of memory");
        goto out;
    }
    hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (hmac == NULL) {
        rc = charon_err_set(err, CHARON_ECONFIG, "OpenSSL offers no HMAC");
        goto out;
    }
    for (i = 0; i < n; i++) {
        for (j = 0; j < i; j++)
            if (strcmp(entries[j].id, entries[i].id) == 0) {
                rc = jwt_keys_fail(err, CHARON_ECONFIG, &entries[i],
                                   "kid defined twice (first on line %d)",
                                   entries[j].line);
                goto out;
            }
        ks->count = i + 1;    /* so that a half-loaded key is freed too */
        rc = jwt_keys_load_one(host, &entries[i], hmac, &ks->keys[i], err);
        if (rc != CHARON_OK)
            goto out;
        if (ks->keys[i].alg == JWT_ALG_POLY1305)
            ks->poly_count++;
    }
    if (ks->poly_count > 0) {
        /* ChaCha20 is fetched by each thread at its first Poly1305
         * token (jwt_sig.c): the first cipher fetch builds OpenSSL's whole
         * cipher table, which a CGI checking another key's token would
         * pay for nothing. */
        ks->poly1305 = EVP_MAC_fetch(NULL, "POLY1305", NULL);
        if (ks->poly1305 == NULL) {
            rc = charon_err_set(err, CHARON_ECONFIG,
                                "OpenSSL offers no Poly1305");
            goto out;
        }
    }
    rc = jwt_keys_pick_signing(ks, cfg->signing_key, entries, err);
    if (rc != CHARON_OK)
        goto out;
    rc = jwt_keys_build_jwks(ks, err);
    if (rc != CHARON_OK)
        goto out;
    *out = ks;
    ks = NULL;
out:
    ERR_clear_error();
    EVP_MAC_free(hmac);
    jwt_keyset_free(ks);
    return rc;
}

void
jwt_keyset_free(struct jwt_keyset *ks)
{
    size_t i;

    if (ks == NULL)
        return;
    for (i = 0; i < ks->count; i++) {
        struct jwt_key *k = &ks->keys[i];

        free(k->kid);
        free(k->hdr_b64);
        EVP_MAC_CTX_free(k->hmac);
        OPENSSL_clear_free(k->poly_key, JWT_KEYS_POLY_LEN);
        EVP_PKEY_free(k->pkey);
    }
    free(ks->keys);
    EVP_MAC_free(ks->poly1305);
    free(ks->jwks);
    free(ks);
}

const struct jwt_key *
jwt_keyset_find(const struct jwt_keyset *ks, const char *kid, size_t kid_len)
{
    size_t i;

    for (i = 0; i < ks->count; i++)
        if (ks->keys[i].kid_len == kid_len &&
            memcmp(ks->keys[i].kid, kid, kid_len) == 0)
            return &ks->keys[i];
    return NULL;
}
