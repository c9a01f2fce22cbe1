/*
 * jwt_key_file.h - reading key material named by a token_jwt key source:
 * raw secret bytes ("file:PATH") and EdDSA PEM files.  Errors name the
 * path and what is wrong with it, never key bytes.
 */
#ifndef TOKEN_JWT_KEY_FILE_H
#define TOKEN_JWT_KEY_FILE_H

#include <stddef.h>

#include <openssl/evp.h>

#include <charon/err.h>

/*
 * Reads the raw key in path: a private file (lib/trusted_file.h),
 * min..max bytes long (max <= 4096), taken verbatim.
 * Fills out (room for max bytes) and *out_len.  CHARON_ECONFIG or
 * CHARON_ENOMEM.
 */
int jwt_key_file_raw(const char *path, size_t min, size_t max,
                     unsigned char *out, size_t *out_len,
                     struct charon_err *err);

/*
 * Reads an Ed25519 or Ed448 key from the PEM file path: a private key
 * (then the file must be private, lib/trusted_file.h; *is_private = 1)
 * or a public key (*is_private = 0; a trusted file nobody else may
 * write).  Encrypted keys are refused.
 */
int jwt_key_file_pem(const char *path, EVP_PKEY **out, int *is_private,
                     struct charon_err *err);

#endif /* TOKEN_JWT_KEY_FILE_H */
