/*
 * jwt_sig.h - the signature of a JWT signing input ("header.payload")
 * under one key: HMAC-SHA256/384/512, pure Ed25519/Ed448, or Charon's
 * Poly1305 with a one-time key from ChaCha20 (docs/CHARON.md §9.3).
 */
#ifndef TOKEN_JWT_SIG_H
#define TOKEN_JWT_SIG_H

#include <stddef.h>

#include <charon/err.h>

#include "jwt_keys.h"
#include "jwt_thread.h"

/*
 * Writes k->sig_len signature bytes of data to sig (JWT_SIG_MAX bytes of
 * room).  nonce is the 12-byte Poly1305 nonce (NULL for other keys).
 * k must be able to sign.  CHARON_OK or CHARON_ENOMEM.
 */
int jwt_sig_make(const struct jwt_keyset *ks, const struct jwt_key *k,
                 struct jwt_thread *ts, const unsigned char *nonce,
                 const char *data, size_t len, unsigned char *sig,
                 struct charon_err *err);

/*
 * CHARON_OK when sig (k->sig_len bytes) is k's signature of data,
 * compared in constant time; CHARON_ETOKEN "signature invalid";
 * CHARON_ENOMEM.
 */
int jwt_sig_check(const struct jwt_keyset *ks, const struct jwt_key *k,
                  struct jwt_thread *ts, const unsigned char *nonce,
                  const char *data, size_t len, const unsigned char *sig,
                  struct charon_err *err);

#endif /* TOKEN_JWT_SIG_H */
