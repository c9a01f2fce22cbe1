/*
 * store_local.c - the embedded, persistent session store (LMDB).
 *
 * Sessions live in one directory ([store_local] path) shared by every
 * charon-fcgi process on the host; see store_local.h for the layout and
 * lmdb_env.c for the environment.  Every write is one LMDB write
 * transaction, so a session is never half-written; LMDB serialises
 * writers across threads and processes, readers never block.
 *
 * Expiry: a session whose expires_at is before host->now() is never
 * returned and counts as absent for upsert.  Expired sessions are pruned
 * (removed from both databases) inside the write transaction that brings
 * the shared write counter to a multiple of prune_every (0: never on the
 * counter), and whenever a write (insert, update or delete) finds the
 * map full, before it is retried (twice at most: store_local_write).
 *
 * Threading: the instance is read-only after create(); every operation
 * may be called from any thread, concurrently; no thread state.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "store_local.h"

static const char *const store_local_sync_names[] = {
    "full", "data", "none", NULL
};

static const struct charon_option store_local_options[] = {
    { .name = "path", .type = CHARON_OPT_STRING,
      .offset = offsetof(struct store_local_config, path),
      .dflt = "/var/lib/charon-fcgi/sessions",
      .help = "directory of the session database (created 0700 if missing)" },
    { .name = "map_size_mb", .type = CHARON_OPT_UINT,
      .offset = offsetof(struct store_local_config, map_size_mb),
      .dflt = "1024", .min = 1, .max = 65536,
      .help = "largest size of the session file, in MiB" },
    { .name = "prune_every", .type = CHARON_OPT_UINT,
      .offset = offsetof(struct store_local_config, prune_every),
      .dflt = "1000", .min = 0, .max = 1000000000,
      .help = "remove expired sessions every N writes (0: only when full)" },
    { .name = "sync", .type = CHARON_OPT_ENUM,
      .offset = offsetof(struct store_local_config, sync),
      .dflt = "full", .choices = store_local_sync_names,
      .help = "full: every commit waits for the disk; data: not for the "
              "meta page (a system crash may undo the last commit); none: "
              "the OS flushes (a system crash may undo recent commits)" },
    { .name = NULL }
};

static int
store_local_create(const struct charon_host *host, const void *config,
                   void **instance, struct charon_err *err)
{
    const struct store_local_config *c = config;
    struct store_local *s;
    int rc;

    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    s->host = host;
    s->path = c->path;
    s->lock_fd = -1;
    s->map_size_mb = c->map_size_mb;
    s->prune_every = c->prune_every;
    rc = store_local_env_open(s, c, err);
    if (rc != CHARON_OK)
        goto fail;
    *instance = s;
    return CHARON_OK;
fail:
    store_local_env_close(s);
    free(s);
    return rc;
}

static void
store_local_destroy(void *instance)
{
    struct store_local *s = instance;

    if (s == NULL)
        return;
    store_local_env_close(s);
    free(s);
}

/*
 * Decodes a sessions value into its lock_version and expiry.  Returns
 * false for a record this plugin cannot have written, which reads as
 * absent (never returned, overwritten by an insert, removed by a delete,
 * a warning each time): one too short for its header (*expires_at is then
 * INT64_MIN), or one whose lock_version is 0.  The plugin stores
 * expect + 1, never 0, and a live session of lock_version 0 would also
 * pass for the room an insert (expect 0) asks for; its expiry is still
 * given, so that a delete removes its index entry.
 */
static bool
store_local_decode(const struct store_local *s, const MDB_val *v,
                   uint64_t *lock, int64_t *expires_at)
{
    const unsigned char *p = v->mv_data;

    if (v->mv_size < STORE_LOCAL_HDR) {
        s->host->log(s->host, CHARON_LOG_WARN, "ignored a corrupt session "
                     "record (%zu bytes)", v->mv_size);
        *lock = 0;
        *expires_at = INT64_MIN;
        return false;
    }
    *lock = store_local_get64(p);
    *expires_at = (int64_t)store_local_get64(p + 8);
    if (*lock == 0) {
        s->host->log(s->host, CHARON_LOG_WARN, "ignored a corrupt session "
                     "record (lock_version 0)");
        return false;
    }
    return true;
}

static int
store_local_get(void *instance, void *ts, const struct charon_store_key *key,
                struct charon_buf *out, uint64_t *lock_version,
                struct charon_err *err)
{
    struct store_local *s = instance;
    unsigned char kb[STORE_LOCAL_KEY_MAX];
    MDB_txn *txn = NULL;
    MDB_val k, v;
    uint64_t lock = 0;
    int64_t exp = 0;
    size_t klen;
    int rc;

    (void)ts;
    rc = store_local_key(s, key, 1, kb, &klen, err);
    if (rc != CHARON_OK)
        return rc;
    rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (rc != 0) {
        txn = NULL;
        rc = store_local_mdb_err(s, rc, "begin read transaction", err);
        goto out;
    }
    k.mv_data = kb;
    k.mv_size = klen;
    rc = mdb_get(txn, s->sessions, &k, &v);
    if (rc == MDB_NOTFOUND) {
        rc = charon_err_set(err, CHARON_ENOTFOUND, "no such session");
        goto out;
    }
    if (rc != 0) {
        rc = store_local_mdb_err(s, rc, "read session", err);
        goto out;
    }
    if (!store_local_decode(s, &v, &lock, &exp) ||
        exp < s->host->now(s->host)) {
        rc = charon_err_set(err, CHARON_ENOTFOUND, "no such session");
        goto out;
    }
    rc = charon_buf_append(out, (const unsigned char *)v.mv_data +
                           STORE_LOCAL_HDR, v.mv_size - STORE_LOCAL_HDR);
    if (rc != CHARON_OK) {
        rc = charon_err_set(err, CHARON_ENOMEM, "out of memory");
        goto out;
    }
    *lock_version = lock;
out:
    if (txn != NULL)
        mdb_txn_abort(txn);
    return rc;
}

static int
store_local_get_all(void *instance, void *ts,
                    const struct charon_store_key *key,
                    charon_store_each_fn each, void *ctx,
                    struct charon_err *err)
{
    struct store_local *s = instance;
    unsigned char pb[STORE_LOCAL_KEY_MAX];
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    uint64_t lock = 0;
    int64_t exp = 0, now;
    size_t plen;
    int rc, mrc;

    (void)ts;
    rc = store_local_key(s, key, 0, pb, &plen, err);
    if (rc != CHARON_OK)
        return rc;
    now = s->host->now(s->host);
    mrc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (mrc != 0) {
        txn = NULL;
        rc = store_local_mdb_err(s, mrc, "begin read transaction", err);
        goto out;
    }
    mrc = mdb_cursor_open(txn, s->sessions, &cur);
    if (mrc != 0) {
        cur = NULL;
        rc = store_local_mdb_err(s, mrc, "open cursor", err);
        goto out;
    }
    k.mv_data = pb;
    k.mv_size = plen;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); mrc == 0;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size < plen || memcmp(k.mv_data, pb, plen) != 0)
            break;                      /* past (type, user_id) */
        if (!store_local_decode(s, &v, &lock, &exp) || exp < now)
            continue;
        rc = each(ctx, (const unsigned char *)v.mv_data + STORE_LOCAL_HDR,
                  v.mv_size - STORE_LOCAL_HDR, lock);
        if (rc != 0)
            goto out;
    }
    if (mrc != 0 && mrc != MDB_NOTFOUND) {
        rc = store_local_mdb_err(s, mrc, "list sessions", err);
        goto out;
    }
    rc = CHARON_OK;
out:
    if (cur != NULL)
        mdb_cursor_close(cur);
    if (txn != NULL)
        mdb_txn_abort(txn);
    return rc;
}

/*
 * The body of a write: works in txn and returns 0 (commit), an LMDB code
 * (MDB_NOTFOUND: nothing to write, abort and succeed; any other: abort
 * and fail), or a charon code with err set (abort and fail).
 */
typedef int (*store_local_txn_fn)(struct store_local *s, MDB_txn *txn,
                                  void *ctx, int64_t now,
                                  struct charon_err *err);

/* Runs fn in a write transaction of its own, counts the write (which
 * prunes now and then) and commits; returns what store_local_txn_fn
 * returns, or the LMDB code of the commit. */
static int
store_local_write_once(struct store_local *s, store_local_txn_fn fn,
                       void *ctx, struct charon_err *err)
{
    int64_t now = s->host->now(s->host);
    MDB_txn *txn = NULL;
    int rc;

    rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc != 0)
        return rc;
    rc = fn(s, txn, ctx, now, err);
    if (rc == 0)
        rc = store_local_count_write(s, txn, now);
    if (rc != 0) {
        mdb_txn_abort(txn);
        return rc;
    }
    return mdb_txn_commit(txn);
}

/*
 * Runs one write (store_local_write_once) and returns a charon code; an
 * LMDB failure is reported as failing to what.  A full map is not final:
 * prune, or at least commit a small write so that the pages the last
 * deletes freed become reusable (LMDB reuses a page two transactions
 * after the one that freed it), then try again, twice at most.  Every
 * write takes this path: a delete needs new pages too (LMDB copies on
 * write), so on a full map it fails like an insert.
 */
static int
store_local_write(struct store_local *s, store_local_txn_fn fn, void *ctx,
                  const char *what, struct charon_err *err)
{
    int rc, attempt;

    rc = store_local_write_once(s, fn, ctx, err);
    for (attempt = 0; rc == MDB_MAP_FULL && attempt < 2; attempt++) {
        store_local_make_room(s);
        charon_err_clear(err);
        rc = store_local_write_once(s, fn, ctx, err);
    }
    if (rc == MDB_NOTFOUND)
        return CHARON_OK;
    if (STORE_LOCAL_IS_MDB(rc))
        rc = store_local_mdb_err(s, rc, what, err);
    return rc;
}

/* What an upsert writes. */
struct store_local_upsert_args {
    const unsigned char *skey;
    size_t slen;
    uint64_t expect;
    const void *blob;
    size_t len;
    int64_t expires_at;
};

/* The body of an upsert (a store_local_txn_fn). */
static int
store_local_upsert_txn(struct store_local *s, MDB_txn *txn, void *ctx,
                       int64_t now, struct charon_err *err)
{
    const struct store_local_upsert_args *a = ctx;
    unsigned char eb[STORE_LOCAL_KEY_MAX];
    MDB_val k, v;
    uint64_t lock = 0;
    int64_t old_exp = 0;
    size_t elen;
    int rc, live = 0, found = 0;

    k.mv_data = (void *)a->skey;
    k.mv_size = a->slen;
    rc = mdb_get(txn, s->sessions, &k, &v);
    if (rc == 0) {
        found = 1;
        live = store_local_decode(s, &v, &lock, &old_exp) && old_exp >= now;
    } else if (rc != MDB_NOTFOUND) {
        return rc;
    }
    if (live ? lock != a->expect : a->expect != 0)
        return charon_err_set(err, CHARON_ECONFLICT, live
                              ? "lock_version moved on"
                              : "the session is gone (deleted or expired)");
    if (found) {
        store_local_exp_key(old_exp, a->skey, a->slen, eb, &elen);
        k.mv_data = eb;
        k.mv_size = elen;
        rc = mdb_del(txn, s->expiry, &k, NULL);
        if (rc != 0 && rc != MDB_NOTFOUND)
            return rc;
    }
    k.mv_data = (void *)a->skey;
    k.mv_size = a->slen;
    v.mv_data = NULL;
    v.mv_size = STORE_LOCAL_HDR + a->len;
    rc = mdb_put(txn, s->sessions, &k, &v, MDB_RESERVE);
    if (rc != 0)
        return rc;
    store_local_put64(v.mv_data, a->expect + 1);
    store_local_put64((unsigned char *)v.mv_data + 8,
                      (uint64_t)a->expires_at);
    if (a->len > 0)
        memcpy((unsigned char *)v.mv_data + STORE_LOCAL_HDR, a->blob,
               a->len);
    store_local_exp_key(a->expires_at, a->skey, a->slen, eb, &elen);
    k.mv_data = eb;
    k.mv_size = elen;
    v.mv_data = NULL;
    v.mv_size = 0;
    return mdb_put(txn, s->expiry, &k, &v, 0);
}

static int
store_local_upsert(void *instance, void *ts,
                   const struct charon_store_key *key, uint64_t expect,
                   const void *blob, size_t len, int64_t expires_at,
                   struct charon_err *err)
{
    struct store_local *s = instance;
    struct store_local_upsert_args a;
    unsigned char kb[STORE_LOCAL_KEY_MAX];
    int rc;

    (void)ts;
    rc = store_local_key(s, key, 1, kb, &a.slen, err);
    if (rc != CHARON_OK)
        return rc;
    if (len > 0xffffffffu - STORE_LOCAL_HDR)
        return charon_err_set(err, CHARON_ETOOBIG, "session blob of %zu "
                              "bytes is too large", len);
    if (blob == NULL && len > 0)
        return charon_err_set(err, CHARON_EINVAL, "session blob is NULL");
    /* expect + 1 would wrap to 0, which reads as a corrupt record. */
    if (expect == UINT64_MAX)
        return charon_err_set(err, CHARON_ECONFLICT, "lock_version %" PRIu64
                              " cannot move on", expect);
    a.skey = kb;
    a.expect = expect;
    a.blob = blob;
    a.len = len;
    a.expires_at = expires_at;
    return store_local_write(s, store_local_upsert_txn, &a, "write session",
                             err);
}

/* What a delete names: a session key, or a (type, user_id) prefix and
 * the session id to keep (NULL: none). */
struct store_local_delete_args {
    const unsigned char *key;
    size_t len;
    const char *except;
};

/* The body of delete_one (a store_local_txn_fn). */
static int
store_local_delete_one_txn(struct store_local *s, MDB_txn *txn, void *ctx,
                           int64_t now, struct charon_err *err)
{
    const struct store_local_delete_args *a = ctx;
    MDB_val k, v;
    uint64_t lock = 0;
    int64_t exp = 0;
    int rc;

    (void)now;
    (void)err;
    k.mv_data = (void *)a->key;
    k.mv_size = a->len;
    rc = mdb_get(txn, s->sessions, &k, &v);
    if (rc != 0)
        return rc;              /* MDB_NOTFOUND: nothing to do, no write */
    (void)store_local_decode(s, &v, &lock, &exp);   /* corrupt goes too */
    return store_local_del_session(s, txn, a->key, a->len, exp);
}

static int
store_local_delete_one(void *instance, void *ts,
                       const struct charon_store_key *key,
                       struct charon_err *err)
{
    struct store_local *s = instance;
    struct store_local_delete_args a;
    unsigned char kb[STORE_LOCAL_KEY_MAX];
    int rc;

    (void)ts;
    rc = store_local_key(s, key, 1, kb, &a.len, err);
    if (rc != CHARON_OK)
        return rc;
    a.key = kb;
    a.except = NULL;
    return store_local_write(s, store_local_delete_one_txn, &a,
                             "delete session", err);
}

/* The body of delete_all (a store_local_txn_fn): every session under
 * the prefix but the one whose session_id is except. */
static int
store_local_delete_all_txn(struct store_local *s, MDB_txn *txn, void *ctx,
                           int64_t now, struct charon_err *err)
{
    const struct store_local_delete_args *a = ctx;
    const unsigned char *pb = a->key;
    const char *except = a->except;
    size_t plen = a->len;
    unsigned char kb[STORE_LOCAL_KEY_MAX];
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    uint64_t lock = 0;
    int64_t exp = 0;
    size_t klen, xlen = except != NULL ? strlen(except) : 0;
    int rc;

    (void)now;
    (void)err;
    rc = mdb_cursor_open(txn, s->sessions, &cur);
    if (rc != 0)
        return rc;
    k.mv_data = (void *)pb;
    k.mv_size = plen;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0) {
        if (k.mv_size < plen || memcmp(k.mv_data, pb, plen) != 0 ||
            k.mv_size > sizeof(kb))
            break;                      /* past (type, user_id) */
        if (except != NULL && k.mv_size - plen == xlen &&
            memcmp((const unsigned char *)k.mv_data + plen, except,
                   xlen) == 0) {
            rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
            continue;
        }
        (void)store_local_decode(s, &v, &lock, &exp);  /* corrupt too */
        /* Copy the key, delete, then seek past it again: no reliance on
         * cursor positioning after a delete. */
        klen = k.mv_size;
        memcpy(kb, k.mv_data, klen);
        rc = store_local_del_session(s, txn, kb, klen, exp);
        if (rc != 0)
            break;
        k.mv_data = kb;
        k.mv_size = klen;
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static int
store_local_delete_all(void *instance, void *ts,
                       const struct charon_store_key *key,
                       const char *except_session_id, struct charon_err *err)
{
    struct store_local *s = instance;
    struct store_local_delete_args a;
    unsigned char pb[STORE_LOCAL_KEY_MAX];
    int rc;

    (void)ts;
    rc = store_local_key(s, key, 0, pb, &a.len, err);
    if (rc != CHARON_OK)
        return rc;
    a.key = pb;
    a.except = except_session_id;
    return store_local_write(s, store_local_delete_all_txn, &a,
                             "delete sessions", err);
}

static int
store_local_health(void *instance, void *ts, struct charon_err *err)
{
    struct store_local *s = instance;
    MDB_txn *txn;
    int rc;

    (void)ts;
    rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (rc != 0) {
        store_local_mdb_err(s, rc, "begin read transaction", err);
        if (err != NULL)
            err->code = CHARON_EUNAVAIL;
        return CHARON_EUNAVAIL;
    }
    mdb_txn_abort(txn);
    return CHARON_OK;
}

extern CHARON_PLUGIN_EXPORT const struct charon_store_plugin charon_plugin;
CHARON_PLUGIN_EXPORT const struct charon_store_plugin charon_plugin = {
    .hdr = {
        .abi_version = CHARON_ABI_VERSION,
        .kind        = CHARON_PLUGIN_STORE,
        .name        = "store_local",
        .version     = PACKAGE_VERSION,
        .config_size = sizeof(struct store_local_config),
        .options     = store_local_options,
        .create      = store_local_create,
        .destroy     = store_local_destroy,
        .thread_init = NULL,
        .thread_fini = NULL,
    },
    .caps       = CHARON_STORE_CAP_PERSIST | CHARON_STORE_CAP_LIST,
    .get        = store_local_get,
    .get_all    = store_local_get_all,
    .upsert     = store_local_upsert,
    .delete_one = store_local_delete_one,
    .delete_all = store_local_delete_all,
    .health     = store_local_health,
};
