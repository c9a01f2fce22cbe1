/*
 * jwt_codec.h - JWT compact serialisation as charon-fcgi makes and checks
 * it: header "." b64url(payload) "." b64url(signature), the fast path for
 * our own exact header bytes and the general (slow) path for any other
 * header (docs/CHARON.md §9.2-§9.4, with each key bound to one alg).
 */
#ifndef TOKEN_JWT_CODEC_H
#define TOKEN_JWT_CODEC_H

#include <stddef.h>

#include <charon/buf.h>
#include <charon/err.h>

#include "jwt_keys.h"
#include "jwt_thread.h"

/*
 * Signs payload (a JSON object, len bytes) with the signing key and
 * appends the token to out.  CHARON_OK; CHARON_EINVAL when the payload is
 * not a JSON object; CHARON_ENOMEM; CHARON_EIO if the CSPRNG fails.
 */
int jwt_codec_sign(const struct jwt_keyset *ks, struct jwt_thread *ts,
                   const char *payload, size_t len, struct charon_buf *out,
                   struct charon_err *err);

/*
 * Verifies token (len bytes) and appends its decoded payload to out.
 * CHARON_OK; CHARON_ETOKEN with err->msg one of "malformed token",
 * "encoding invalid", "json invalid", "malformed header", "key not
 * found", "signature invalid", "algorithm mismatch", "token too long";
 * CHARON_ENOMEM.  On failure out is unchanged.
 */
int jwt_codec_verify(const struct jwt_keyset *ks, size_t max_token_bytes,
                     struct jwt_thread *ts, const char *token, size_t len,
                     struct charon_buf *out, struct charon_err *err);

#endif /* TOKEN_JWT_CODEC_H */
