/*
 * token_jwt_config.h - the [token_jwt] section as the core hands it to
 * create(): built by the core from the plugin's option table (defaults,
 * then the user's values, ranges checked).  Tests that drive the plugin
 * through its descriptor fill one themselves.
 *
 *     [token_jwt]
 *     signing_key = default                  ; the kid that signs
 *     key.default = HS256:derived            ; ALG:SOURCE, one per kid
 *     key.k2025 = EdDSA:/etc/charon-fcgi/ed25519.pem
 *     key.kid_not_set.HS256 = HS256:derived  ; for tokens without "kid"
 *     max_token_bytes = 8192
 *
 * ALG is HS256, HS384, HS512, EdDSA or Poly1305.  SOURCE is "derived"
 * (PBKDF2 of the base secret, salt "charon_jwt_default"), "derived:SALT",
 * "file:PATH" (raw key bytes in a file only its owner may read) or, for
 * EdDSA, a PEM path (also written "file:PATH") holding an Ed25519 or
 * Ed448 private key (signs and verifies) or public key (verifies only).
 * No key.* entry at all means { default = HS256:derived }, as in Charon.
 */
#ifndef TOKEN_JWT_CONFIG_H
#define TOKEN_JWT_CONFIG_H

#include <charon/option.h>

#define TOKEN_JWT_MAX_TOKEN_MIN 256ul
#define TOKEN_JWT_MAX_TOKEN_MAX 65536ul

struct token_jwt_config {
    const char *signing_key;        /* kid of the signing key          */
    struct charon_opt_map keys;     /* key.<kid> = <ALG>:<source>      */
    unsigned long max_token_bytes;  /* longer tokens: "token too long" */
};

#endif /* TOKEN_JWT_CONFIG_H */
