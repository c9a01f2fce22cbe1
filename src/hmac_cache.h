/*
 * hmac_cache.h - HMAC-SHA256 with a keyed OpenSSL context kept per thread,
 * for the session blobs every require_session check and refresh signs or
 * verifies.  OpenSSL's one-shot HMAC() fetches the algorithms and keys a
 * new context on every call, about four times the cost of re-using one
 * (docs/HACKING.md §6, bench/README.md).
 */
#ifndef CHARON_HMAC_CACHE_H
#define CHARON_HMAC_CACHE_H

#include <stddef.h>

#define HMAC_CACHE_LEN 32

/*
 * out = HMAC-SHA256(key, data).  Each thread keeps the context of the
 * last key it used (freed when the thread exits); another key re-keys
 * it; a key over 64 bytes takes OpenSSL's one-shot HMAC().  Returns 0,
 * or -1 if OpenSSL fails.
 */
int hmac_cache_sha256(const unsigned char *key, size_t key_len,
                      const void *data, size_t len,
                      unsigned char out[HMAC_CACHE_LEN]);

#endif /* CHARON_HMAC_CACHE_H */
