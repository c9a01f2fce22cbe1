/*
 * redis_keys.h - the names of store_redis' keys (layout in redis_keys.c).
 */
#ifndef STORE_REDIS_KEYS_H
#define STORE_REDIS_KEYS_H

#include <stddef.h>

#include <charon/buf.h>
#include <charon/store.h>

/* The three keys of one (user, type), pointing into a caller's buffer. */
struct redis_keys {
    const char *key[3];           /* se, e, l */
    size_t len[3];
};

/*
 * Builds the keys of (key->user_id, key->type) under prefix into buf
 * (reset first) and points k at them.  CHARON_EINVAL if user_id or type
 * is NULL, CHARON_ENOMEM if buf cannot grow.
 */
int redis_keys_build(const char *prefix, const struct charon_store_key *key,
                     struct charon_buf *buf, struct redis_keys *k,
                     struct charon_err *err);

/* Appends the escaped form of s (see redis_keys.c); CHARON_ENOMEM. */
int redis_keys_escape(struct charon_buf *buf, const char *s);

#endif /* STORE_REDIS_KEYS_H */
