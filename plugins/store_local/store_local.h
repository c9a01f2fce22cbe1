/*
 * store_local.h - internals of the store_local plugin, shared by its
 * source files only (never installed, never seen by the core).
 *
 * Layout of the LMDB environment (one directory, data.mdb + lock.mdb):
 *
 *   "sessions"  key   = session key (below)
 *               value = lock_version (8 bytes, big-endian)
 *                       expires_at   (8 bytes, big-endian, two's complement)
 *                       blob         (the rest, opaque)
 *   "expiry"    key   = expires_at (8 bytes, big-endian, sign bit flipped so
 *                       that byte order is numeric order) || session key
 *               value = empty
 *   "meta"      "writes" -> count of write transactions (8 bytes,
 *                           big-endian), shared by every process; pruning
 *                           runs when it reaches a multiple of prune_every
 *
 *   session key = be16(len type) || type || be16(len user_id) || user_id
 *                 || session_id
 *
 * The length prefixes make (type, user_id) an unambiguous prefix: a range
 * scan from be16(1) "a" never meets user "ab", whose prefix is be16(2) "ab".
 */
#ifndef STORE_LOCAL_H
#define STORE_LOCAL_H

#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

#include <charon/store.h>

struct store_local_config {
    const char *path;             /* directory holding data.mdb, lock.mdb */
    unsigned long map_size_mb;    /* LMDB map size                        */
    unsigned long prune_every;    /* prune after every N writes; 0: never */
    int sync;                     /* enum store_local_sync                */
};

/* [store_local] sync: how far a commit waits for the disk.  A crash of
 * the daemon loses nothing in any mode (a commit is in the page cache);
 * these only matter when the machine itself goes down. */
enum store_local_sync {
    STORE_LOCAL_SYNC_FULL = 0,    /* data and meta page flushed per commit */
    STORE_LOCAL_SYNC_DATA,        /* MDB_NOMETASYNC: the last commit may be
                                     undone by a system crash           */
    STORE_LOCAL_SYNC_NONE         /* MDB_NOSYNC: the OS flushes when it
                                     likes; a system crash may undo the
                                     last seconds of writes             */
};

/* The instance: read-only once create() returns. */
struct store_local {
    const struct charon_host *host;
    const char *path;             /* [store_local] path (config's string) */
    MDB_env *env;
    int lock_fd;                  /* lock.mdb, open until env_close (-1) */
    MDB_dbi sessions;             /* session key -> lock, expiry, blob */
    MDB_dbi expiry;               /* expiry key -> empty               */
    MDB_dbi meta;                 /* "writes" -> counter               */
    unsigned long map_size_mb;
    unsigned long prune_every;
    size_t max_key;               /* mdb_env_get_maxkeysize()          */
};

/* Bytes of the value header: lock_version + expires_at. */
#define STORE_LOCAL_HDR 16u
/* Bytes of the expiry prefix in the expiry index key. */
#define STORE_LOCAL_EXP 8u
/* Reader slots in lock.mdb, shared by every process (64 bytes each). */
#define STORE_LOCAL_MAX_READERS 1024u
/* Most sessions one prune removes, so that a write that prunes stays
 * short; the rest go on the next prune. */
#define STORE_LOCAL_PRUNE_MAX 10000u
/* Largest session key we build (LMDB's default limit is 511). */
#define STORE_LOCAL_KEY_MAX 512u

/* True for an LMDB code or an errno, false for a charon_rc. */
#define STORE_LOCAL_IS_MDB(rc) \
    ((rc) > 0 || ((rc) >= MDB_KEYEXIST && (rc) <= MDB_LAST_ERRCODE))

/* lmdb_env.c: opening and closing the environment (s->lock_fd must be
 * -1 before the first open). */
/* store_dir.c: creates path (0700) if missing, then refuses a directory
 * that is a symbolic link, is not the euid's or that others may write,
 * and a data.mdb or lock.mdb in it that is a link, not a regular file,
 * not the euid's or writable by others.  CHARON_ECONFIG. */
int store_local_dir_check(const char *path, struct charon_err *err);

int store_local_env_open(struct store_local *s,
                         const struct store_local_config *c,
                         struct charon_err *err);
void store_local_env_close(struct store_local *s);

/* Maps an LMDB (or errno) code of operation op to a charon_rc and
 * message: MDB_MAP_FULL -> CHARON_EUNAVAIL "the session file is full";
 * ENOSPC, EDQUOT, and EIO (LMDB's short write) while the file system is
 * nearly full -> CHARON_EUNAVAIL "no space left on device in PATH". */
int store_local_mdb_err(const struct store_local *s, int mdb_rc,
                        const char *op, struct charon_err *err);

/* key.c: encoding. */
void store_local_put64(unsigned char *p, uint64_t v);
uint64_t store_local_get64(const unsigned char *p);
/* Builds the session key (with_sid) or the (type, user_id) prefix into
 * buf (STORE_LOCAL_KEY_MAX bytes); *len gets its length.  CHARON_EINVAL
 * if a part is NULL or the key would pass the limit. */
int store_local_key(const struct store_local *s,
                    const struct charon_store_key *key, int with_sid,
                    unsigned char *buf, size_t *len, struct charon_err *err);
/* Builds the expiry index key for (expires_at, session key). */
void store_local_exp_key(int64_t expires_at, const unsigned char *skey,
                         size_t slen, unsigned char *buf, size_t *len);

/* prune.c: deleting and pruning inside a write transaction; these
 * return LMDB codes. */
/* Removes the session under skey, whose expiry is expires_at, from both
 * databases; an absent entry is not an error. */
int store_local_del_session(struct store_local *s, MDB_txn *txn,
                            const unsigned char *skey, size_t slen,
                            int64_t expires_at);
/* Removes up to STORE_LOCAL_PRUNE_MAX sessions that expired before now;
 * *pruned counts them. */
int store_local_prune_txn(struct store_local *s, MDB_txn *txn, int64_t now,
                          size_t *pruned);
/* Counts one write in the shared counter; prunes when it reaches a
 * multiple of prune_every. */
int store_local_count_write(struct store_local *s, MDB_txn *txn, int64_t now);
/* For a full map: prunes expired sessions in a transaction of its own,
 * then commits one more small write, so that the pages the prune (or
 * earlier deletes) freed become reusable; returns how many sessions
 * went (0 also on failure). */
size_t store_local_make_room(struct store_local *s);

#endif /* STORE_LOCAL_H */
