/*
 * keys.h - keys derived from the base secret, as Charon's KeyGenerator:
 * PBKDF2-HMAC-SHA256(secret, salt, 250000 iterations, 32 bytes).
 *
 * Each (salt, length) is derived once per process and kept in memory;
 * with a key cache directory the result is also kept on disk
 * (key_cache.h) so that a CGI cold start does not pay ~0.1 s of PBKDF2.
 * Thread-safe.
 */
#ifndef CHARON_KEYS_H
#define CHARON_KEYS_H

#include <stddef.h>

#include <charon/err.h>

#define KEYS_PBKDF2_ITERATIONS 250000
#define KEYS_MAX_LEN 64

/*
 * The salt of the key that signs stored session blobs, whatever the store.
 * The text is Charon's (its Redis store introduced it), kept so that
 * charon-fcgi and a Phoenix app on the same base secret read each other's
 * sessions.  The core's own key: not part of the plugin ABI.
 */
#define KEYS_SALT_SESSION "RedisStore HMAC"

struct keys;

/* Takes ownership of secret (heap, wiped on free).  cache_dir may be NULL
 * or "" (no disk cache). */
int keys_new(unsigned char *secret, size_t secret_len, const char *cache_dir,
             struct keys **out, struct charon_err *err);
void keys_free(struct keys *k);

/* Fills out with outlen (1..KEYS_MAX_LEN) derived bytes. */
int keys_derive(struct keys *k, const char *salt, unsigned char *out,
                size_t outlen, struct charon_err *err);

/* Plain PBKDF2-HMAC-SHA256, no cache (also used by tests). */
int keys_pbkdf2(const unsigned char *secret, size_t secret_len,
                const char *salt, unsigned iterations, unsigned char *out,
                size_t outlen, struct charon_err *err);

/* How many derivations actually ran PBKDF2 (for tests and logs). */
unsigned keys_pbkdf2_runs(const struct keys *k);

#endif /* CHARON_KEYS_H */
