/*
 * jwt_keys.h - the token_jwt keyset: every "key.<kid> = <ALG>:<source>"
 * entry becomes one key bound to one algorithm, with its header bytes
 * precomputed in base64url.  Built once by create(), then read-only and
 * shared by every thread.
 */
#ifndef TOKEN_JWT_KEYS_H
#define TOKEN_JWT_KEYS_H

#include <stddef.h>

#include <openssl/evp.h>

#include <charon/plugin.h>

#include "token_jwt_config.h"

enum jwt_alg {
    JWT_ALG_HS256,
    JWT_ALG_HS384,
    JWT_ALG_HS512,
    JWT_ALG_EDDSA,
    JWT_ALG_POLY1305
};

#define JWT_SIG_MAX 114            /* Ed448: the longest raw signature   */
#define JWT_KID_MAX 128            /* longest kid accepted in the config */
#define JWT_NONCE_LEN 12           /* Poly1305 nonce bytes               */
#define JWT_NONCE_B64_LEN 16

/* The fixed pieces of a Poly1305 header (docs/CHARON.md §9.2): each
 * is a multiple of 3 bytes long, so their encodings concatenate. */
/* {"alg":"Poly1305","typ":"JWT","nonce":" */
#define JWT_P1305_HEAD_B64 \
    "eyJhbGciOiJQb2x5MTMwNSIsInR5cCI6IkpXVCIsIm5vbmNlIjoi"
#define JWT_P1305_HEAD_B64_LEN 52
#define JWT_P1305_NONCE_B64_LEN 24 /* <16-char nonce>",  */
#define JWT_P1305_KID_B64 "ImtpZCI6"
#define JWT_P1305_KID_B64_LEN 8    /* "kid":             */

struct jwt_key {
    char *kid;
    size_t kid_len;
    enum jwt_alg alg;
    int can_sign;              /* 0 for an EdDSA public key             */
    size_t sig_len;            /* raw signature bytes                   */
    size_t sig_b64_len;        /* its base64url length                  */
    /* Poly1305: b64url of "<kid>"} (the header tail); other keys:
     * b64url of {"alg":"<ALG>","typ":"JWT","kid":"<kid>"}. */
    char *hdr_b64;
    size_t hdr_b64_len;
    EVP_MAC_CTX *hmac;         /* HMAC: keyed template, dup'd per thread */
    unsigned char *poly_key;   /* Poly1305: the 32-byte ChaCha20 key     */
    EVP_PKEY *pkey;            /* EdDSA: Ed25519 or Ed448                */
};

struct jwt_keyset {
    struct jwt_key *keys;
    size_t count;
    size_t signing;            /* index of the signing key            */
    size_t poly_count;         /* how many Poly1305 keys              */
    EVP_MAC *poly1305;         /* fetched when poly_count > 0         */
    char *jwks;                /* {"keys":[...]}, NUL-terminated      */
    size_t jwks_len;
};

/*
 * Loads every key of cfg (or the default keyset), checks the signing key
 * and builds the JWKS.  Errors name the kid, its value and INI line,
 * never key bytes.  CHARON_ECONFIG or CHARON_ENOMEM.
 */
int jwt_keyset_load(const struct charon_host *host,
                    const struct token_jwt_config *cfg,
                    struct jwt_keyset **out, struct charon_err *err);

/* Wipes and frees; NULL-safe. */
void jwt_keyset_free(struct jwt_keyset *ks);

/* The key named kid (kid_len bytes, not NUL-terminated), or NULL. */
const struct jwt_key *jwt_keyset_find(const struct jwt_keyset *ks,
                                      const char *kid, size_t kid_len);

/* "HS256", "HS384", "HS512", "EdDSA" or "Poly1305". */
const char *jwt_alg_name(enum jwt_alg alg);

#endif /* TOKEN_JWT_KEYS_H */
