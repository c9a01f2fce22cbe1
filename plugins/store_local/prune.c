/*
 * prune.c - removing sessions from both databases, the shared write
 * counter, and pruning expired sessions through the expiry index.
 */
#include <string.h>

#include "store_local.h"

static const char store_local_writes_key[] = "writes";

/* Removes the session under skey, whose expiry is expires_at, from both
 * databases; an absent entry is not an error.  Returns an LMDB code. */
int
store_local_del_session(struct store_local *s, MDB_txn *txn,
                        const unsigned char *skey, size_t slen,
                        int64_t expires_at)
{
    unsigned char eb[STORE_LOCAL_KEY_MAX];
    MDB_val k;
    size_t elen;
    int rc;

    store_local_exp_key(expires_at, skey, slen, eb, &elen);
    k.mv_data = eb;
    k.mv_size = elen;
    rc = mdb_del(txn, s->expiry, &k, NULL);
    if (rc != 0 && rc != MDB_NOTFOUND)
        return rc;
    k.mv_data = (void *)skey;
    k.mv_size = slen;
    rc = mdb_del(txn, s->sessions, &k, NULL);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Removes the sessions that expired before now, at most
 * STORE_LOCAL_PRUNE_MAX (the rest go next time); *pruned counts them.
 * The expiry index is sorted by time, so this stops at the first live
 * entry.  Returns an LMDB code. */
int
store_local_prune_txn(struct store_local *s, MDB_txn *txn, int64_t now,
                      size_t *pruned)
{
    unsigned char eb[STORE_LOCAL_KEY_MAX];
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    int64_t exp;
    size_t elen;
    int rc;

    *pruned = 0;
    rc = mdb_cursor_open(txn, s->expiry, &cur);
    if (rc != 0)
        return rc;
    for (;;) {
        rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
        if (rc != 0)
            break;
        if (k.mv_size < STORE_LOCAL_EXP || k.mv_size > sizeof(eb)) {
            rc = MDB_CORRUPTED;
            break;
        }
        exp = (int64_t)(store_local_get64(k.mv_data) ^ ((uint64_t)1 << 63));
        if (exp >= now || *pruned >= STORE_LOCAL_PRUNE_MAX)
            break;
        /* Copy first: k points into a page the deletes may touch. */
        elen = k.mv_size;
        memcpy(eb, k.mv_data, elen);
        rc = mdb_cursor_del(cur, 0);
        if (rc != 0)
            break;
        /* Remove the session only if it is still the expired one: the
         * index entry of a session is replaced with it, but be safe. */
        k.mv_data = eb + STORE_LOCAL_EXP;
        k.mv_size = elen - STORE_LOCAL_EXP;
        rc = mdb_get(txn, s->sessions, &k, &v);
        if (rc == MDB_NOTFOUND)
            continue;
        if (rc != 0)
            break;
        if (v.mv_size >= STORE_LOCAL_HDR &&
            (int64_t)store_local_get64((const unsigned char *)v.mv_data + 8)
            >= now)
            continue;
        rc = mdb_del(txn, s->sessions, &k, NULL);
        if (rc != 0)
            break;
        (*pruned)++;
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Counts one write in the shared counter and prunes when it reaches a
 * multiple of prune_every.  Returns an LMDB code. */
int
store_local_count_write(struct store_local *s, MDB_txn *txn, int64_t now)
{
    unsigned char nb[8];
    MDB_val k, v;
    uint64_t n = 0;
    size_t pruned;
    int rc;

    k.mv_data = (void *)store_local_writes_key;
    k.mv_size = sizeof(store_local_writes_key) - 1;
    rc = mdb_get(txn, s->meta, &k, &v);
    if (rc == 0 && v.mv_size == 8)
        n = store_local_get64(v.mv_data);
    else if (rc != 0 && rc != MDB_NOTFOUND)
        return rc;
    n++;
    store_local_put64(nb, n);
    v.mv_data = nb;
    v.mv_size = sizeof(nb);
    rc = mdb_put(txn, s->meta, &k, &v, 0);
    if (rc != 0 || s->prune_every == 0 || n % s->prune_every != 0)
        return rc;
    return store_local_prune_txn(s, txn, now, &pruned);
}

/*
 * For a full map: prunes expired sessions in a transaction of their own,
 * then commits one more small write whether anything was pruned or not.
 * LMDB keeps the pages a transaction frees for the previous snapshot
 * until the next commit, so only a write two transactions after a prune
 * (or after the deletes that ran before the map filled) can reuse them;
 * a failed write commits nothing, so without this small one the map
 * would stay full for every write of the same size.
 * Returns how many sessions went (0 also on any failure).
 */
size_t
store_local_make_room(struct store_local *s)
{
    MDB_txn *txn;
    int64_t now = s->host->now(s->host);
    size_t pruned = 0;

    if (mdb_txn_begin(s->env, NULL, 0, &txn) != 0)
        return 0;
    if (store_local_prune_txn(s, txn, now, &pruned) != 0) {
        mdb_txn_abort(txn);
        pruned = 0;
    } else if (pruned > 0 && mdb_txn_commit(txn) != 0) {
        return 0;
    } else if (pruned == 0) {
        mdb_txn_abort(txn);
    }
    if (mdb_txn_begin(s->env, NULL, 0, &txn) != 0)
        return pruned;
    if (store_local_count_write(s, txn, now) != 0) {
        mdb_txn_abort(txn);
        return pruned;
    }
    mdb_txn_commit(txn);
    return pruned;
}
