/*
 * store_redis.h - internals of the store_redis plugin, shared by its
 * source files only (never installed, never seen by the core).
 */
#ifndef STORE_REDIS_H
#define STORE_REDIS_H

#include <stddef.h>

#include <charon/store.h>

#include "redis_lua.h"

/* [store_redis], filled by the core from store_redis_options. */
struct store_redis_config {
    const char *host;               /* TCP host (name or address)        */
    unsigned long port;
    const char *socket;             /* unix socket path; "" = use TCP    */
    const char *username;           /* ACL user; "" = AUTH password only */
    const char *password_file;      /* NULL: no AUTH                     */
    unsigned long database;         /* SELECTed when not 0               */
    const char *key_prefix;
    unsigned long connect_timeout_ms;
    unsigned long command_timeout_ms;
};

/* Longest password_file content we accept. */
#define STORE_REDIS_PASSWORD_MAX 4096u

/* The instance: read-only once create() returns, shared by all threads. */
struct store_redis {
    const struct charon_host *host;
    const struct store_redis_config *cfg;  /* owned by the core        */
    char *password;                 /* NULL: no AUTH; wiped on destroy   */
    size_t password_len;
    char where[320];                /* "unix:/path" or "host:port"       */
    struct redis_lua lua;
};

#endif /* STORE_REDIS_H */
