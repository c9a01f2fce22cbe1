/*
 * snapshot.h - everything a request reads, built once and then immutable:
 * the parsed config, the derived keys, the loaded plugins with their
 * instances, and one compiled policy per profile.
 */
#ifndef CHARON_SNAPSHOT_H
#define CHARON_SNAPSHOT_H

#include <stddef.h>

#include <charon/cred.h>
#include <charon/store.h>
#include <charon/token.h>

#include "claims.h"
#include "config.h"
#include "plugin_host.h"
#include "plugin_loader.h"

#define SNAPSHOT_NAME_MAX 128

/* One claim passed on to the backend. */
struct export_claim {
    const char *claim;                 /* name in the token            */
    char variable[SNAPSHOT_NAME_MAX];  /* CHARON_CLAIM_<NAME> [A-Z0-9_] */
    char header[SNAPSHOT_NAME_MAX];    /* X-Charon-Claim-<Name>         */
};

/* The effective [charon]/[authorizer] of the base or of one profile. */
struct policy {
    const char *name;                       /* "" for the base */
    const struct charon_section *charon;
    const struct authorizer_section *authz;
    struct claim_rules rules;
    struct export_claim *exports;
    size_t nexports;
};

/* A loaded plugin with its instance. */
struct plugin_slot {
    struct plugin_handle handle;
    struct plugin_host host;
    void *config;                           /* owned by the config */
    void *instance;
};

struct snapshot {
    struct config *cfg;
    struct keys *keys;
    struct plugin_slot token;
    struct plugin_slot store;
    struct plugin_slot cred;                /* [endpoints] credentials;
                                               hdr NULL when unset     */
    /* SHA-256 of [endpoints] issuer_key_file's key, when set. */
    unsigned char issuer_key_hash[32];
    int has_issuer_key;
    /* Signs stored sessions: PBKDF2(secret, "RedisStore HMAC"); derived
     * only when the store keeps sessions. */
    unsigned char session_key[32];
    struct policy base;
    struct policy *profiles;
    size_t nprofiles;
};

/* Loads path: config, secret, keys, plugins, policies.  On failure every
 * problem is in errs (one line each, naming file:line where known) and
 * CHARON_ECONFIG (or CHARON_ENOMEM) is returned.  Warnings go to the log. */
int snapshot_load(const char *path, struct snapshot **out,
                  struct config_errors *errs);

/* Same from an already-parsed config, which the snapshot then owns (it is
 * freed on failure too). */
int snapshot_build(struct config *cfg, struct snapshot **out,
                   struct config_errors *errs);

void snapshot_free(struct snapshot *s);

/* The profile's policy; NULL or "" gives the base; NULL if unknown. */
const struct policy *snapshot_policy(const struct snapshot *s,
                                     const char *profile);

static inline const struct charon_token_plugin *
snapshot_token(const struct snapshot *s)
{
    return (const struct charon_token_plugin *)s->token.handle.hdr;
}

static inline const struct charon_store_plugin *
snapshot_store(const struct snapshot *s)
{
    return (const struct charon_store_plugin *)s->store.handle.hdr;
}

/* The credentials plugin, or NULL when password login is off. */
static inline const struct charon_cred_plugin *
snapshot_cred(const struct snapshot *s)
{
    return (const struct charon_cred_plugin *)s->cred.handle.hdr;
}

/* Whether key (len bytes) is the issuer key, in constant time: 1 yes,
 * 0 no (or none configured), CHARON_ENOMEM if it could not be hashed. */
int snapshot_issuer_key_ok(const struct snapshot *s, const char *key,
                           size_t len);

#endif /* CHARON_SNAPSHOT_H */
