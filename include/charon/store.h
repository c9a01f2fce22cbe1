/*
 * charon/store.h - the session store plugin kind (store_local,
 * store_redis, store_dummy).
 *
 * A store keeps opaque, already-signed session blobs indexed by
 * (user_id, type, session_id), with an optimistic-lock counter per
 * session.  The core builds, signs, checks and upgrades the blobs; the
 * store never parses them.  A store must never return a session whose
 * refresh expiry (the expires_at given at upsert) is before now.
 */
#ifndef CHARON_STORE_H
#define CHARON_STORE_H

#include <charon/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Capability bits (charon_store_plugin.caps). */
#define CHARON_STORE_CAP_PERSIST 0x01u  /* get can return what upsert wrote */
#define CHARON_STORE_CAP_LIST    0x02u  /* get_all and delete_all work      */

/* Which session; all three strings are borrowed for the call. */
struct charon_store_key {
    const char *session_id;   /* "sid"; ignored by get_all/delete_all */
    const char *user_id;      /* "sub" as text                        */
    const char *type;         /* session type, e.g. "full"            */
};

/* Called by get_all once per live session; a non-zero return stops the
 * walk and is returned by get_all.  blob is valid during the call only. */
typedef int (*charon_store_each_fn)(void *ctx, const void *blob, size_t len,
                                    uint64_t lock_version);

struct charon_store_plugin {
    struct charon_plugin_header hdr;   /* hdr.kind == CHARON_PLUGIN_STORE */
    uint32_t caps;                     /* CHARON_STORE_CAP_* bits          */

    /* Appends the stored blob to out and sets *lock_version;
     * CHARON_ENOTFOUND if absent or expired. */
    int (*get)(void *instance, void *ts, const struct charon_store_key *key,
               struct charon_buf *out, uint64_t *lock_version,
               struct charon_err *err);

    /* Calls each for every live session of (user_id, type). */
    int (*get_all)(void *instance, void *ts,
                   const struct charon_store_key *key,
                   charon_store_each_fn each, void *ctx,
                   struct charon_err *err);

    /*
     * expect 0 inserts: it writes blob iff no live session exists under
     * key.  expect > 0 updates: it writes iff a live session exists and
     * its stored lock_version equals expect, so that a refresh racing a
     * logout (or an expiry) cannot bring the session back.  The stored
     * lock_version becomes expect + 1.  Otherwise CHARON_ECONFLICT and
     * nothing changes.
     * expires_at (Unix seconds) is the session's refresh expiry: after it
     * the session is gone.  All or nothing: never half-written.
     */
    int (*upsert)(void *instance, void *ts, const struct charon_store_key *key,
                  uint64_t expect, const void *blob, size_t len,
                  int64_t expires_at, struct charon_err *err);

    /* Removes one session; removing an absent one is CHARON_OK. */
    int (*delete_one)(void *instance, void *ts,
                      const struct charon_store_key *key,
                      struct charon_err *err);

    /* Removes every session of (user_id, type) except
     * except_session_id (NULL: none kept). */
    int (*delete_all)(void *instance, void *ts,
                      const struct charon_store_key *key,
                      const char *except_session_id,
                      struct charon_err *err);

    /* CHARON_OK when the backend answers, else CHARON_EUNAVAIL. */
    int (*health)(void *instance, void *ts, struct charon_err *err);
};

#ifdef __cplusplus
}
#endif
#endif /* CHARON_STORE_H */
