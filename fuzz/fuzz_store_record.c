/*
 * fuzz_store_record.c - store_local's record decoder, as the store meets
 * it: the input becomes raw values in the plugin's own LMDB environment
 * (the bytes of an LMDB value become a session), and the built
 * store_local.so then reads, lists, updates, inserts and deletes them
 * through its descriptor, as the core drives it.
 *
 * Input: up to STORE_RECORD_MAX records, each
 *     1 byte   slot: bits 0-1 the session id (s0..s3), bit 2 the user
 *              ("a" or "ab", whose key shares "a"'s first bytes), bit 3
 *              also write the expiry index entry the plugin would write
 *              for the record's header (if it has one)
 *     2 bytes  value length, big-endian (cut to what is left)
 *     n bytes  the value: be64 lock_version, be64 expires_at, blob
 * (store_local.h has the layout; it is restated here, as
 * tests/contract/test_store_local.c does).  A later record for the same
 * slot replaces an earlier one.
 *
 * Checks beyond "no crash, no leak, no UB", all from the store contract
 * (include/charon/store.h): get returns a session exactly when its record
 * holds a header with a lock_version (>= 1; the plugin never writes 0)
 * and an expiry not before now, and then returns the record's blob and
 * lock_version; a shorter or otherwise corrupt record reads as absent;
 * get_all agrees with get, in key order, and never strays into another
 * user; an insert (expect 0) is refused over a live session and takes the
 * place of an absent one; an update with the right lock_version moves it
 * by one, a wrong one is refused and changes nothing; after any write the
 * expiry index holds exactly one entry for the written session; a delete
 * leaves no record and no index entry behind, delete_all keeps exactly
 * the session it was told to keep, and the other user is untouched.
 *
 * The plugin is dlopen()ed and one instance created once, in
 * LLVMFuzzerInitialize (before libFuzzer starts, so that the plugin's
 * coverage counts); that fixture is the only global state.  Its
 * directory is removed right after create(): LMDB and the plugin keep
 * their files open, so nothing is left behind, even after a crash.  The
 * plugin is found in the build tree (FUZZ_BUILDDIR, compiled in; override
 * with CHARON_FUZZ_PLUGIN_DIR).
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include <charon/buf.h>
#include <charon/err.h>
#include <charon/plugin.h>
#include <charon/store.h>

#include "store_local.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STORE_RECORD_NOW INT64_C(1700000000)
#define STORE_RECORD_MAX 8          /* records per input        */
#define STORE_RECORD_USERS 2
#define STORE_RECORD_SIDS 4
#define STORE_RECORD_SLOTS (STORE_RECORD_USERS * STORE_RECORD_SIDS)

static const char *const fuzz_users[STORE_RECORD_USERS] = { "a", "ab" };
static const char *const fuzz_sids[STORE_RECORD_SIDS] = {
    "s0", "s1", "s2", "s3"
};

struct fuzz_sr {
    const struct charon_store_plugin *plugin;
    struct store_local_config cfg;
    struct store_local *inst;       /* the plugin's instance, for raw access */
};

static struct fuzz_sr *fuzz_sr;

/* What the input put in one slot. */
struct fuzz_slot {
    int present;
    const uint8_t *val;
    size_t len;
};

static void
fuzz_log(const struct charon_host *host, enum charon_log_level level,
         const char *fmt, ...)
{
    (void)host;
    (void)level;
    (void)fmt;
}

static int
fuzz_derive(const struct charon_host *host, const char *salt,
            unsigned char *out, size_t outlen, struct charon_err *err)
{
    (void)host;
    (void)salt;
    (void)out;
    (void)outlen;
    return charon_err_set(err, CHARON_EINVAL, "a store derives no key");
}

static int64_t
fuzz_now(const struct charon_host *host)
{
    (void)host;
    return STORE_RECORD_NOW;
}

static const struct charon_host fuzz_host = {
    .abi_version = CHARON_ABI_VERSION,
    .core = NULL,
    .log = fuzz_log,
    .derive_key = fuzz_derive,
    .now = fuzz_now,
};

static void __attribute__((noreturn))
fuzz_die(const char *what, const char *why)
{
    fprintf(stderr, "fuzz_store_record: %s: %s\n", what, why);
    abort();
}

static void
fuzz_check(int ok, const char *what)
{
    if (!ok)
        fuzz_die("check failed", what);
}

static void
fuzz_put64(unsigned char *p, uint64_t v)
{
    int i;

    for (i = 7; i >= 0; i--) {
        p[i] = (unsigned char)(v & 0xffu);
        v >>= 8;
    }
}

static uint64_t
fuzz_get64(const unsigned char *p)
{
    uint64_t v = 0;
    int i;

    for (i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

/* The session key of (user, sid) in store_local's layout; its length. */
static size_t
fuzz_skey(int user, int sid, unsigned char *buf)
{
    const char *u = fuzz_users[user], *s = fuzz_sids[sid];
    size_t ulen = strlen(u), slen = strlen(s), pos = 0;

    buf[pos++] = 0;
    buf[pos++] = 4;
    memcpy(buf + pos, "full", 4);
    pos += 4;
    buf[pos++] = 0;
    buf[pos++] = (unsigned char)ulen;
    memcpy(buf + pos, u, ulen);
    pos += ulen;
    memcpy(buf + pos, s, slen);
    return pos + slen;
}

/* The expiry index key of (expires_at, session key). */
static size_t
fuzz_ekey(uint64_t expires_at, const unsigned char *skey, size_t slen,
          unsigned char *buf)
{
    fuzz_put64(buf, expires_at ^ ((uint64_t)1 << 63));
    memcpy(buf + 8, skey, slen);
    return 8 + slen;
}

static struct fuzz_sr *
fuzz_setup(void)
{
    static char dir[] = "/tmp/charon-fuzz-store.XXXXXX";
    struct charon_err err;
    char so[4096], path[4200];
    const char *pdir;
    struct fuzz_sr *sr;
    void *dl, *inst = NULL;

    sr = calloc(1, sizeof(*sr));
    if (sr == NULL)
        abort();
    pdir = getenv("CHARON_FUZZ_PLUGIN_DIR");
    snprintf(so, sizeof(so), "%s/store_local.so",
             pdir != NULL ? pdir : FUZZ_BUILDDIR "/plugins/store_local/.libs");
    dl = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    if (dl == NULL)
        fuzz_die(so, dlerror());
    sr->plugin = dlsym(dl, CHARON_PLUGIN_SYMBOL);
    if (sr->plugin == NULL)
        fuzz_die(so, "no descriptor");
    if (strcmp(sr->plugin->hdr.name, "store_local") != 0 ||
        sr->plugin->hdr.config_size != sizeof(struct store_local_config))
        fuzz_die(so, "not the store_local this harness was built with");
    if (mkdtemp(dir) == NULL)
        fuzz_die(dir, "mkdtemp failed");
    sr->cfg.path = dir;
    sr->cfg.map_size_mb = 64;
    sr->cfg.prune_every = 1;        /* every write prunes: that reads too */
    sr->cfg.sync = STORE_LOCAL_SYNC_NONE;
    charon_err_clear(&err);
    if (sr->plugin->hdr.create(&fuzz_host, &sr->cfg, &inst, &err) != 0)
        fuzz_die("create", err.msg);
    sr->inst = inst;
    /* The environment keeps its files open: the directory can go now. */
    snprintf(path, sizeof(path), "%s/data.mdb", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/lock.mdb", dir);
    unlink(path);
    rmdir(dir);
    return sr;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (fuzz_sr == NULL)
        fuzz_sr = fuzz_setup();
    return 0;
}

/* Empties the three databases and writes the input's records. */
static void
fuzz_write_raw(struct fuzz_sr *sr, const struct fuzz_slot *slots,
               const int *indexed)
{
    struct store_local *s = sr->inst;
    unsigned char kb[64], eb[80];
    MDB_txn *txn;
    MDB_val k, v;
    size_t klen;
    int i, rc;

    rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc != 0)
        fuzz_die("mdb_txn_begin", mdb_strerror(rc));
    if (mdb_drop(txn, s->sessions, 0) != 0 ||
        mdb_drop(txn, s->expiry, 0) != 0 || mdb_drop(txn, s->meta, 0) != 0)
        fuzz_die("mdb_drop", "failed");
    for (i = 0; i < STORE_RECORD_SLOTS; i++) {
        if (!slots[i].present)
            continue;
        klen = fuzz_skey(i / STORE_RECORD_SIDS, i % STORE_RECORD_SIDS, kb);
        k.mv_data = kb;
        k.mv_size = klen;
        v.mv_data = (void *)slots[i].val;
        v.mv_size = slots[i].len;
        rc = mdb_put(txn, s->sessions, &k, &v, 0);
        if (rc == 0 && indexed[i] && slots[i].len >= STORE_LOCAL_HDR) {
            k.mv_data = eb;
            k.mv_size = fuzz_ekey(fuzz_get64(slots[i].val + 8), kb, klen, eb);
            v.mv_data = NULL;
            v.mv_size = 0;
            rc = mdb_put(txn, s->expiry, &k, &v, 0);
        }
        if (rc != 0)
            fuzz_die("mdb_put", mdb_strerror(rc));
    }
    rc = mdb_txn_commit(txn);
    if (rc != 0)
        fuzz_die("mdb_txn_commit", mdb_strerror(rc));
}

/* How many expiry index entries name the session key skey; the expiry of
 * the last one in *exp. */
static int
fuzz_index_count(struct fuzz_sr *sr, const unsigned char *skey, size_t slen,
                 uint64_t *exp)
{
    struct store_local *s = sr->inst;
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v;
    int n = 0, rc;

    rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (rc == 0)
        rc = mdb_cursor_open(txn, s->expiry, &cur);
    if (rc != 0)
        fuzz_die("read the expiry index", mdb_strerror(rc));
    while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
        fuzz_check(k.mv_size >= 8, "an index key shorter than its expiry");
        if (k.mv_size - 8 == slen &&
            memcmp((const unsigned char *)k.mv_data + 8, skey, slen) == 0) {
            n++;
            *exp = fuzz_get64(k.mv_data) ^ ((uint64_t)1 << 63);
        }
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return n;
}

/* True if the sessions database holds a record under skey. */
static int
fuzz_has_record(struct fuzz_sr *sr, const unsigned char *skey, size_t slen)
{
    struct store_local *s = sr->inst;
    MDB_txn *txn;
    MDB_val k, v;
    int rc;

    rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (rc != 0)
        fuzz_die("mdb_txn_begin", mdb_strerror(rc));
    k.mv_data = (void *)skey;
    k.mv_size = slen;
    rc = mdb_get(txn, s->sessions, &k, &v);
    mdb_txn_abort(txn);
    if (rc != 0 && rc != MDB_NOTFOUND)
        fuzz_die("mdb_get", mdb_strerror(rc));
    return rc == 0;
}

/* True if the slot's record is a live session by the contract. */
static int
fuzz_live(const struct fuzz_slot *sl)
{
    return sl->present && sl->len >= STORE_LOCAL_HDR &&
           fuzz_get64(sl->val) != 0 &&
           (int64_t)fuzz_get64(sl->val + 8) >= STORE_RECORD_NOW;
}

static struct charon_store_key
fuzz_key(int user, int sid)
{
    struct charon_store_key k;

    k.session_id = sid >= 0 ? fuzz_sids[sid] : NULL;
    k.user_id = fuzz_users[user];
    k.type = "full";
    return k;
}

/* get of (user, sid): CHARON_OK with the blob and lock, or ENOTFOUND. */
static int
fuzz_get(struct fuzz_sr *sr, int user, int sid, struct charon_buf *out,
         uint64_t *lock)
{
    struct charon_store_key k = fuzz_key(user, sid);
    struct charon_err err;
    int rc;

    charon_err_clear(&err);
    out->len = 0;
    rc = sr->plugin->get(sr->inst, NULL, &k, out, lock, &err);
    fuzz_check(rc == CHARON_OK || rc == CHARON_ENOTFOUND,
               "get returns OK or ENOTFOUND");
    if (rc != CHARON_OK)
        fuzz_check(out->len == 0, "a failed get appends nothing");
    return rc;
}

/* What get_all hands over, in order. */
struct fuzz_list {
    int n;
    struct charon_buf blob[STORE_RECORD_SIDS];
    uint64_t lock[STORE_RECORD_SIDS];
};

static int
fuzz_list_each(void *ctx, const void *blob, size_t len, uint64_t lock)
{
    struct fuzz_list *l = ctx;

    fuzz_check(l->n < STORE_RECORD_SIDS, "get_all strays past the user");
    l->blob[l->n].len = 0;
    if (charon_buf_append(&l->blob[l->n], blob, len) != CHARON_OK)
        abort();
    l->lock[l->n] = lock;
    l->n++;
    return 0;
}

/* get_all of user agrees with get of each of its sessions, in order. */
static void
fuzz_check_list(struct fuzz_sr *sr, int user, struct charon_buf *tmp)
{
    struct charon_store_key k = fuzz_key(user, -1);
    struct fuzz_list l;
    struct charon_err err;
    uint64_t lock = 0;
    int i, j = 0;

    memset(&l, 0, sizeof(l));
    charon_err_clear(&err);
    fuzz_check(sr->plugin->get_all(sr->inst, NULL, &k, fuzz_list_each, &l,
                                   &err) == CHARON_OK, "get_all succeeds");
    for (i = 0; i < STORE_RECORD_SIDS; i++) {
        if (fuzz_get(sr, user, i, tmp, &lock) != CHARON_OK)
            continue;
        fuzz_check(j < l.n, "get_all lists every session get finds");
        fuzz_check(l.lock[j] == lock && l.blob[j].len == tmp->len &&
                   (tmp->len == 0 ||
                    memcmp(l.blob[j].data, tmp->data, tmp->len) == 0),
                   "get_all hands over what get returns");
        j++;
    }
    fuzz_check(j == l.n, "get_all lists only what get finds");
    for (i = 0; i < STORE_RECORD_SIDS; i++)
        charon_buf_free(&l.blob[i]);
}

static int
fuzz_upsert(struct fuzz_sr *sr, int user, int sid, uint64_t expect,
            const char *blob, int64_t expires_at)
{
    struct charon_store_key k = fuzz_key(user, sid);
    struct charon_err err;

    charon_err_clear(&err);
    return sr->plugin->upsert(sr->inst, NULL, &k, expect, blob, strlen(blob),
                              expires_at, &err);
}

/* After a successful write of (user, sid): get returns blob and lock,
 * and the index holds exactly its one entry. */
static void
fuzz_check_written(struct fuzz_sr *sr, int user, int sid, const char *blob,
                   uint64_t lock, int64_t expires_at, struct charon_buf *tmp)
{
    unsigned char kb[64];
    uint64_t got = 0, exp = 0;
    size_t klen = fuzz_skey(user, sid, kb);

    fuzz_check(fuzz_get(sr, user, sid, tmp, &got) == CHARON_OK,
               "a written session reads back");
    fuzz_check(got == lock, "a write stores expect + 1");
    fuzz_check(tmp->len == strlen(blob) &&
               memcmp(tmp->data, blob, tmp->len) == 0,
               "a written session reads back its blob");
    fuzz_check(fuzz_index_count(sr, kb, klen, &exp) == 1 &&
               (int64_t)exp == expires_at,
               "a written session has exactly its one index entry");
}

/* Every session of user is gone but keep (-1: none): no record, no
 * index entry (the harness indexes records as the plugin would, so a
 * leftover entry is the plugin's). */
static void
fuzz_check_gone(struct fuzz_sr *sr, int user, int keep)
{
    unsigned char kb[64];
    uint64_t exp = 0;
    size_t klen;
    int i;

    for (i = 0; i < STORE_RECORD_SIDS; i++) {
        if (i == keep)
            continue;
        klen = fuzz_skey(user, i, kb);
        fuzz_check(!fuzz_has_record(sr, kb, klen),
                   "a deleted session leaves no record");
        fuzz_check(fuzz_index_count(sr, kb, klen, &exp) == 0,
                   "a deleted session leaves no index entry");
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_slot slots[STORE_RECORD_SLOTS];
    int indexed[STORE_RECORD_SLOTS];
    struct charon_buf tmp = CHARON_BUF_INIT, keep = CHARON_BUF_INIT;
    struct charon_store_key k;
    struct charon_err err;
    struct fuzz_sr *sr;
    uint64_t lock = 0, keep_lock = 0, other_lock[STORE_RECORD_SIDS];
    size_t pos = 0, len;
    int n, slot, i, rc, live, keep_live;
    int other_rc[STORE_RECORD_SIDS];

    if (fuzz_sr == NULL)
        fuzz_sr = fuzz_setup();
    sr = fuzz_sr;
    memset(slots, 0, sizeof(slots));
    memset(indexed, 0, sizeof(indexed));
    for (n = 0; n < STORE_RECORD_MAX && size - pos >= 3; n++) {
        slot = ((data[pos] >> 2) & 1) * STORE_RECORD_SIDS + (data[pos] & 3);
        indexed[slot] = (data[pos] >> 3) & 1;
        len = ((size_t)data[pos + 1] << 8) | data[pos + 2];
        pos += 3;
        if (len > size - pos)
            len = size - pos;
        slots[slot].present = 1;
        slots[slot].val = data + pos;
        slots[slot].len = len;
        pos += len;
    }
    fuzz_write_raw(sr, slots, indexed);

    /* Reads: get by the contract, get_all agreeing with it. */
    for (slot = 0; slot < STORE_RECORD_SLOTS; slot++) {
        rc = fuzz_get(sr, slot / STORE_RECORD_SIDS, slot % STORE_RECORD_SIDS,
                      &tmp, &lock);
        live = fuzz_live(&slots[slot]);
        fuzz_check((rc == CHARON_OK) == live,
                   "get finds exactly the live sessions");
        if (rc == CHARON_OK) {
            fuzz_check(lock == fuzz_get64(slots[slot].val),
                       "get returns the stored lock_version");
            fuzz_check(tmp.len == slots[slot].len - STORE_LOCAL_HDR &&
                       (tmp.len == 0 ||
                        memcmp(tmp.data, slots[slot].val + STORE_LOCAL_HDR,
                               tmp.len) == 0),
                       "get returns the stored blob");
        }
    }
    fuzz_check_list(sr, 0, &tmp);
    fuzz_check_list(sr, 1, &tmp);
    for (i = 0; i < STORE_RECORD_SIDS; i++)
        other_rc[i] = fuzz_get(sr, 1, i, &tmp, &other_lock[i]);

    /* Writes on user "a", s0: an insert over a live session is refused,
     * a wrong lock_version is refused, the right one (or an insert over
     * an absent one) succeeds and moves it by one. */
    live = fuzz_get(sr, 0, 0, &tmp, &lock) == CHARON_OK;
    if (live) {
        fuzz_check(fuzz_upsert(sr, 0, 0, 0, "insert", STORE_RECORD_NOW + 60)
                   == CHARON_ECONFLICT, "an insert over a live session is "
                   "ECONFLICT");
        fuzz_check(fuzz_upsert(sr, 0, 0, lock + 7, "stale",
                               STORE_RECORD_NOW + 60) == CHARON_ECONFLICT,
                   "a wrong lock_version is ECONFLICT");
        rc = fuzz_upsert(sr, 0, 0, lock, "update", STORE_RECORD_NOW + 60);
        if (lock == UINT64_MAX) {
            fuzz_check(rc == CHARON_ECONFLICT, "a lock_version that cannot "
                       "move on is ECONFLICT");
        } else {
            fuzz_check(rc == CHARON_OK, "an update with the stored "
                       "lock_version succeeds");
            fuzz_check_written(sr, 0, 0, "update", lock + 1,
                               STORE_RECORD_NOW + 60, &tmp);
        }
    } else {
        fuzz_check(fuzz_upsert(sr, 0, 0, 3, "update", STORE_RECORD_NOW + 60)
                   == CHARON_ECONFLICT, "an update of an absent session is "
                   "ECONFLICT");
        fuzz_check(fuzz_upsert(sr, 0, 0, 0, "insert", STORE_RECORD_NOW + 60)
                   == CHARON_OK, "an insert takes an absent session's place");
        fuzz_check_written(sr, 0, 0, "insert", 1, STORE_RECORD_NOW + 60,
                           &tmp);
    }
    /* An insert of s2 behind an expired or corrupt record, if absent. */
    if (fuzz_get(sr, 0, 2, &tmp, &lock) == CHARON_ENOTFOUND) {
        fuzz_check(fuzz_upsert(sr, 0, 2, 0, "s2", STORE_RECORD_NOW + 30)
                   == CHARON_OK, "an insert takes an absent session's place");
        fuzz_check_written(sr, 0, 2, "s2", 1, STORE_RECORD_NOW + 30, &tmp);
    }
    fuzz_check_list(sr, 0, &tmp);

    /* delete_all keeps s1 exactly as it was, then delete_one ends it. */
    keep_live = fuzz_get(sr, 0, 1, &keep, &keep_lock) == CHARON_OK;
    k = fuzz_key(0, -1);
    charon_err_clear(&err);
    fuzz_check(sr->plugin->delete_all(sr->inst, NULL, &k, "s1", &err)
               == CHARON_OK, "delete_all succeeds");
    fuzz_check_gone(sr, 0, 1);
    rc = fuzz_get(sr, 0, 1, &tmp, &lock);
    fuzz_check((rc == CHARON_OK) == keep_live &&
               (!keep_live || (lock == keep_lock && tmp.len == keep.len &&
                               (tmp.len == 0 ||
                                memcmp(tmp.data, keep.data, tmp.len) == 0))),
               "delete_all keeps the excepted session as it was");
    k = fuzz_key(0, 1);
    charon_err_clear(&err);
    fuzz_check(sr->plugin->delete_one(sr->inst, NULL, &k, &err) == CHARON_OK,
               "delete_one succeeds");
    fuzz_check_gone(sr, 0, -1);
    fuzz_check_list(sr, 0, &tmp);

    /* The other user saw none of it. */
    for (i = 0; i < STORE_RECORD_SIDS; i++) {
        rc = fuzz_get(sr, 1, i, &tmp, &lock);
        fuzz_check(rc == other_rc[i] &&
                   (rc != CHARON_OK || lock == other_lock[i]),
                   "the other user is untouched");
    }
    fuzz_check_list(sr, 1, &tmp);
    charon_buf_free(&tmp);
    charon_buf_free(&keep);
    return 0;
}
