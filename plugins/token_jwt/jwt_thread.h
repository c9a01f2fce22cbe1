/*
 * jwt_thread.h - what one worker thread of token_jwt owns: a pre-keyed
 * HMAC context per HMAC key (re-initialised per operation with
 * EVP_MAC_init(ctx, NULL, 0, NULL)), the Poly1305/ChaCha20 and EdDSA
 * contexts, a json-c tokener and a scratch buffer.  Never shared.
 */
#ifndef TOKEN_JWT_THREAD_H
#define TOKEN_JWT_THREAD_H

#include <stddef.h>

#include <json-c/json_tokener.h>
#include <openssl/evp.h>

#include <charon/err.h>

#include "jwt_keys.h"

struct jwt_thread {
    EVP_MAC_CTX **hmac;         /* [ks->count]; NULL for non-HMAC keys */
    EVP_MAC_CTX *poly1305;      /* NULL without Poly1305 keys          */
    EVP_CIPHER_CTX *chacha20;   /* NULL without Poly1305 keys          */
    EVP_CIPHER *chacha20_alg;   /* fetched at the first Poly1305 token */
    EVP_MD_CTX *md;             /* EdDSA sign/verify                   */
    json_tokener *tok;          /* strict; reset before each use       */
    unsigned char *scratch;     /* decoded header or signature         */
    size_t scratch_len;
};

/* Builds the state for ks; scratch holds any segment of a token of up to
 * max_token_bytes.  CHARON_ENOMEM. */
int jwt_thread_new(const struct jwt_keyset *ks, size_t max_token_bytes,
                   struct jwt_thread **out, struct charon_err *err);

/* NULL-safe. */
void jwt_thread_free(const struct jwt_keyset *ks, struct jwt_thread *ts);

#endif /* TOKEN_JWT_THREAD_H */
