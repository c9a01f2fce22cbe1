/*
 * jwt_key_der.h - the common PEM forms of an Ed25519 or Ed448 key read
 * without OpenSSL's decoder machinery: setting up a decoder costs a CGI
 * cold start several million instructions per key, and these forms are
 * fixed bytes around the raw key (RFC 8410).
 */
#ifndef TOKEN_JWT_KEY_DER_H
#define TOKEN_JWT_KEY_DER_H

#include <stddef.h>

#include <openssl/evp.h>

/*
 * The key of pem (len bytes) if its first PEM block is an unencrypted
 * "PRIVATE KEY" (PKCS#8 v1, as charonctl keygen and openssl genpkey
 * write) or "PUBLIC KEY" (SubjectPublicKeyInfo) of an Ed25519 or Ed448
 * key, with *is_private set; NULL for anything else (the caller then
 * asks OpenSSL's decoders, which read every other form).
 */
EVP_PKEY *jwt_key_der_eddsa(const unsigned char *pem, size_t len,
                            int *is_private);

#endif /* TOKEN_JWT_KEY_DER_H */
