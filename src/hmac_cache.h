/*
 * hmac_cache.h - HMAC-SHA256 with a keyed OpenSSL context that its owner
 * keeps between calls, for the session blobs every require_session check
 * and refresh signs or verifies.  OpenSSL's one-shot HMAC() fetches the
 * algorithms and keys a new context on every call, about four times the
 * cost of re-using one (docs/HACKING.md §6, bench/README.md).
 *
 * A struct hmac_cache belongs to one thread at a time: each worker thread
 * has one in its struct worker (worker.h), freed by worker_fini.
 */
#ifndef CHARON_HMAC_CACHE_H
#define CHARON_HMAC_CACHE_H

#include <stddef.h>

#define HMAC_CACHE_LEN 32
#define HMAC_CACHE_KEY_MAX 64

struct evp_mac_ctx_st;

struct hmac_cache {
    struct evp_mac_ctx_st *ctx;             /* keyed with key, or NULL */
    unsigned char key[HMAC_CACHE_KEY_MAX];  /* the key ctx holds       */
    size_t key_len;
    unsigned long keyings;                  /* contexts keyed so far   */
};

#define HMAC_CACHE_INIT { NULL, { 0 }, 0, 0 }

/*
 * out = HMAC-SHA256(key, data).  c keeps the context of the last key it
 * was given; another key re-keys it.  With c NULL, or a key over
 * HMAC_CACHE_KEY_MAX bytes, OpenSSL's one-shot HMAC() answers.  Returns
 * 0, or -1 if OpenSSL fails.
 */
int hmac_cache_sha256(struct hmac_cache *c, const unsigned char *key,
                      size_t key_len, const void *data, size_t len,
                      unsigned char out[HMAC_CACHE_LEN]);

/* Frees the context and wipes the key; c may be NULL, and is a fresh
 * HMAC_CACHE_INIT afterwards. */
void hmac_cache_free(struct hmac_cache *c);

#endif /* CHARON_HMAC_CACHE_H */
