/*
 * key_cache.h - derived keys kept on disk between processes, so that
 * charon-fcgi run as a plain CGI (one process per request) pays PBKDF2
 * once, not on every request.
 *
 * Layout: one file per derived key in the cache directory, named by
 * SHA-256 over (a version tag, the secret, the salt, the iteration count
 * and the length), so daemons with different secrets can share one
 * directory.  The file holds the key followed by a 16-byte check
 * (HMAC-SHA256 keyed with the secret over the key): a damaged file is
 * derived again, never trusted.  A file name is a fast test of a guessed
 * secret, so the directory must belong to the process owner with no
 * group/other access (0700; created so if missing) -- whoever can list it
 * can read the secret file anyway -- and no message names a file.  Files are 0600,
 * written to a temporary name and renamed into place.  The cache holds
 * secret material: it is as sensitive as the base secret file.
 */
#ifndef CHARON_KEY_CACHE_H
#define CHARON_KEY_CACHE_H

#include <stddef.h>

#include <charon/err.h>

/* CHARON_OK and out filled; CHARON_ENOTFOUND if no entry; another code
 * (with a message) if the directory or file is unsafe or damaged. */
int key_cache_load(const char *dir, const unsigned char *secret,
                   size_t secret_len, const char *salt, unsigned iterations,
                   unsigned char *out, size_t len, struct charon_err *err);

int key_cache_store(const char *dir, const unsigned char *secret,
                    size_t secret_len, const char *salt, unsigned iterations,
                    const unsigned char *key, size_t len,
                    struct charon_err *err);

#endif /* CHARON_KEY_CACHE_H */
