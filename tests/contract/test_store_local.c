/*
 * test_store_local.c - store_local through the store contract, then the
 * rules only an embedded, persistent, multi-process store has: data
 * survives a restart, a full file is a clear 503 and not a crash, expired
 * sessions are pruned, concurrent writers never both win, and processes
 * sharing the directory lose nothing.  It also lends the contract suite
 * its raw writer, which rewrites a record in the LMDB files directly.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lmdb.h>

#include "cu_main.h"
#include "store_contract.h"
#include "store_local.h"

#define T0 INT64_C(1700000000)
#define SO "plugins/store_local/.libs/store_local.so"
#define SP store_contract_plugin()

static int
open_contract(void)
{
    return store_contract_open(SO, "[store_local]\n"
                               "path = @TESTDIR@/contract\n");
}

/* ---- the contract's raw writer ---------------------------------------- */

/*
 * store_local's layout (plugins/store_local/store_local.h), restated here
 * because the test must not link plugin code: database "sessions", key
 * be16(len type) type be16(len user_id) user_id session_id, value
 * be64(lock_version) be64(expires_at) blob.  If the plugin changes it,
 * the raw writer finds no record and the contract tests fail.
 */
#define LOCAL_VALUE_HDR 16u

/* Builds the session key of key into buf, or only its (type, user_id)
 * prefix if key->session_id is NULL; its length, or 0 if too long. */
static size_t
local_raw_key(const struct charon_store_key *key, unsigned char *buf,
              size_t cap)
{
    size_t tlen = strlen(key->type), ulen = strlen(key->user_id);
    size_t slen = key->session_id != NULL ? strlen(key->session_id) : 0;
    size_t pos = 0;

    if (tlen > 0xffffu || ulen > 0xffffu || 4 + tlen + ulen + slen > cap)
        return 0;
    buf[pos++] = (unsigned char)(tlen >> 8);
    buf[pos++] = (unsigned char)(tlen & 0xffu);
    memcpy(buf + pos, key->type, tlen);
    pos += tlen;
    buf[pos++] = (unsigned char)(ulen >> 8);
    buf[pos++] = (unsigned char)(ulen & 0xffu);
    memcpy(buf + pos, key->user_id, ulen);
    pos += ulen;
    if (slen > 0)
        memcpy(buf + pos, key->session_id, slen);
    return pos + slen;
}

/* Where local_write_raw writes ("contract": the contract suite's store),
 * and whether it replaces the whole record, header included, rather than
 * only the blob. */
static const char *local_raw_dir = "contract";
static int local_raw_whole;

/* In the child of local_write_raw: opens the environment in dir afresh,
 * replaces the blob under key k, keeping the lock_version and expiry in
 * front of it (so the expiry index stays right), or with local_raw_whole
 * the whole record.  Its exit status. */
static int
local_write_raw_child(const char *dir, const unsigned char *k, size_t klen,
                      const void *blob, size_t len)
{
    unsigned char hdr[LOCAL_VALUE_HDR];
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    MDB_val kv, v;
    int rc;

    rc = mdb_env_create(&env);
    if (rc != 0) {
        env = NULL;
        goto out;
    }
    rc = mdb_env_set_maxdbs(env, 3);
    if (rc == 0)
        rc = mdb_env_open(env, dir, MDB_NOTLS, 0600);
    if (rc == 0)
        rc = mdb_txn_begin(env, NULL, 0, &txn);
    if (rc != 0) {
        txn = NULL;
        goto out;
    }
    rc = mdb_dbi_open(txn, "sessions", 0, &dbi);
    kv.mv_data = (void *)k;
    kv.mv_size = klen;
    if (rc == 0)
        rc = mdb_get(txn, dbi, &kv, &v);
    if (rc == 0 && local_raw_whole) {
        v.mv_data = (void *)blob;
        v.mv_size = len;
        rc = mdb_put(txn, dbi, &kv, &v, 0);
        goto commit;
    }
    if (rc == 0 && v.mv_size < LOCAL_VALUE_HDR)
        rc = MDB_CORRUPTED;
    if (rc != 0)
        goto out;
    memcpy(hdr, v.mv_data, sizeof(hdr));
    v.mv_data = NULL;
    v.mv_size = sizeof(hdr) + len;
    rc = mdb_put(txn, dbi, &kv, &v, MDB_RESERVE);
    if (rc != 0)
        goto out;
    memcpy(v.mv_data, hdr, sizeof(hdr));
    if (len > 0)
        memcpy((unsigned char *)v.mv_data + sizeof(hdr), blob, len);
commit:
    if (rc != 0)
        goto out;
    rc = mdb_txn_commit(txn);
    txn = NULL;
out:
    if (txn != NULL)
        mdb_txn_abort(txn);
    if (env != NULL)
        mdb_env_close(env);
    if (rc != 0)
        fprintf(stderr, "raw writer: %s: %s\n", dir, mdb_strerror(rc));
    return rc == 0 ? 0 : 1;
}

/*
 * The raw writer of the contract suite (store_contract_set_raw_writer):
 * rewrites the record in the contract suite's directory from a child
 * process, as another program with access to the files would.  Not from
 * this process: LMDB forbids opening one environment twice in a process
 * (closing the second drops the first's file locks).
 */
static int
local_write_raw(const struct charon_store_key *key, const void *blob,
                size_t len)
{
    unsigned char k[512];
    char dir[4096];
    size_t klen;
    pid_t pid;
    int status;

    klen = local_raw_key(key, k, sizeof(k));
    if (klen == 0) {
        fprintf(stderr, "raw writer: session key too long\n");
        return -1;
    }
    snprintf(dir, sizeof(dir), "%s/%s", cu_scratch_dir(), local_raw_dir);
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0)
        _exit(local_write_raw_child(dir, k, klen, blob, len));
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int
open_local(void)
{
    return store_contract_open(SO, "[store_local]\n"
                               "path = @TESTDIR@/local\n");
}

/* Upserts len bytes of fill into inst (no thread state: store_local keeps
 * none), expiring ttl seconds from now. */
static int
put_n(void *inst, const char *user, const char *sid, uint64_t expect,
      const unsigned char *blob, size_t len, int64_t ttl,
      struct charon_err *err)
{
    struct charon_store_key k = store_contract_key(user, "full", sid);

    charon_err_clear(err);
    return SP->upsert(inst, NULL, &k, expect, blob, len,
                      store_contract_now() + ttl, err);
}

static int
put_s(void *inst, const char *user, const char *sid, uint64_t expect,
      const char *blob, int64_t ttl)
{
    struct charon_err err;

    return put_n(inst, user, sid, expect, (const unsigned char *)blob,
                 strlen(blob), ttl, &err);
}

static int
get_lock(void *inst, const char *user, const char *sid, uint64_t *lock)
{
    struct charon_store_key k = store_contract_key(user, "full", sid);
    struct charon_buf b = CHARON_BUF_INIT;
    struct charon_err err;
    int rc;

    charon_err_clear(&err);
    rc = SP->get(inst, NULL, &k, &b, lock, &err);
    charon_buf_free(&b);
    return rc;
}

static int
count_each(void *ctx, const void *blob, size_t len, uint64_t lock_version)
{
    (void)blob;
    (void)len;
    (void)lock_version;
    (*(size_t *)ctx)++;
    return 0;
}

/* How many live sessions get_all sees for (user, "full"); -1 on error. */
static long
count_sessions(void *inst, const char *user)
{
    struct charon_store_key k = store_contract_key(user, "full", NULL);
    struct charon_err err;
    size_t n = 0;

    charon_err_clear(&err);
    if (SP->get_all(inst, NULL, &k, count_each, &n, &err) != CHARON_OK)
        return -1;
    return (long)n;
}

/* A record shorter than store_local's own header (lock_version, expiry)
 * was not written by it: it reads as absent, get_all skips it, an insert
 * overwrites it and a delete removes it, with a warning, never an error. */
static void
test_a_record_too_short_for_its_header_reads_as_absent(void)
{
    void *inst = store_contract_instance();
    struct charon_store_key k = store_contract_key("u-short", "full", "s1");
    struct charon_err err;
    uint64_t lock = 0;

    store_contract_set_now(T0);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, put_s(inst, "u-short", "s1", 0, "a",
                                           3600));
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, put_s(inst, "u-short", "s2", 0, "b",
                                           3600));
    local_raw_dir = "local";
    local_raw_whole = 1;
    CU_ASSERT_EQUAL_FATAL(0, local_write_raw(&k, "short", 5));
    k.session_id = "s2";
    CU_ASSERT_EQUAL_FATAL(0, local_write_raw(&k, "", 0));
    local_raw_dir = "contract";
    local_raw_whole = 0;
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, get_lock(inst, "u-short", "s1", &lock));
    CU_ASSERT_EQUAL(0, count_sessions(inst, "u-short"));
    CU_ASSERT_PTR_NOT_NULL(strstr(store_contract_log(),
                                  "corrupt session record (5 bytes)"));
    /* An insert (expect 0) takes its place. */
    CU_ASSERT_EQUAL(CHARON_OK, put_s(inst, "u-short", "s1", 0, "new", 3600));
    CU_ASSERT_EQUAL(CHARON_OK, get_lock(inst, "u-short", "s1", &lock));
    CU_ASSERT_EQUAL(1u, lock);
    /* A delete removes the other one for good. */
    charon_err_clear(&err);
    CU_ASSERT_EQUAL(CHARON_OK, SP->delete_one(inst, NULL, &k, &err));
    CU_ASSERT_EQUAL(CHARON_OK, SP->delete_all(inst, NULL, &k, NULL, &err));
    CU_ASSERT_EQUAL(0, count_sessions(inst, "u-short"));
}

/* Writes the whole record of (user, sid) in the "local" store: header
 * (lock_version, expiry T0 + 3600) and blob. */
static int
local_write_header(const char *user, const char *sid, uint64_t lock,
                   const char *blob)
{
    struct charon_store_key k = store_contract_key(user, "full", sid);
    unsigned char rec[LOCAL_VALUE_HDR + 64];
    uint64_t exp = (uint64_t)(T0 + 3600);
    size_t len = strlen(blob);
    int i, rc;

    for (i = 7; i >= 0; i--) {
        rec[i] = (unsigned char)(lock & 0xffu);
        rec[8 + i] = (unsigned char)(exp & 0xffu);
        lock >>= 8;
        exp >>= 8;
    }
    memcpy(rec + LOCAL_VALUE_HDR, blob, len);
    local_raw_dir = "local";
    local_raw_whole = 1;
    rc = local_write_raw(&k, rec, LOCAL_VALUE_HDR + len);
    local_raw_dir = "contract";
    local_raw_whole = 0;
    return rc;
}

/* store_local stores expect + 1, never 0: a live record of lock_version 0
 * was not written by it, and would pass both for a session and for the
 * room an insert (expect 0) asks for.  It reads as absent, like a short
 * record. */
static void
test_a_record_of_lock_version_0_reads_as_absent(void)
{
    void *inst = store_contract_instance();
    struct charon_store_key k = store_contract_key("u-lock0", "full", "s1");
    struct charon_err err;
    uint64_t lock = 0;

    store_contract_set_now(T0);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, put_s(inst, "u-lock0", "s1", 0, "a",
                                           3600));
    CU_ASSERT_EQUAL_FATAL(0, local_write_header("u-lock0", "s1", 0, "zero"));
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, get_lock(inst, "u-lock0", "s1", &lock));
    CU_ASSERT_EQUAL(0, count_sessions(inst, "u-lock0"));
    CU_ASSERT_PTR_NOT_NULL(strstr(store_contract_log(),
                                  "corrupt session record (lock_version 0)"));
    CU_ASSERT_EQUAL(CHARON_OK, put_s(inst, "u-lock0", "s1", 0, "new", 3600));
    CU_ASSERT_EQUAL(CHARON_OK, get_lock(inst, "u-lock0", "s1", &lock));
    CU_ASSERT_EQUAL(1u, lock);
    charon_err_clear(&err);
    CU_ASSERT_EQUAL(CHARON_OK, SP->delete_one(inst, NULL, &k, &err));
}

/* A lock_version of 2^64 - 1 (not one store_local writes, but a store
 * may hold anything) cannot move on: expect + 1 would wrap to 0. */
static void
test_an_update_from_lock_version_2_64_minus_1_is_econflict(void)
{
    void *inst = store_contract_instance();
    uint64_t lock = 0;

    store_contract_set_now(T0);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, put_s(inst, "u-lockmax", "s1", 0, "a",
                                           3600));
    CU_ASSERT_EQUAL_FATAL(0, local_write_header("u-lockmax", "s1",
                                                UINT64_MAX, "max"));
    CU_ASSERT_EQUAL(CHARON_OK, get_lock(inst, "u-lockmax", "s1", &lock));
    CU_ASSERT_EQUAL(UINT64_MAX, lock);
    CU_ASSERT_EQUAL(CHARON_ECONFLICT, put_s(inst, "u-lockmax", "s1",
                                            UINT64_MAX, "wrapped", 3600));
    CU_ASSERT_EQUAL(CHARON_OK, get_lock(inst, "u-lockmax", "s1", &lock));
    CU_ASSERT_EQUAL(UINT64_MAX, lock);
}

static void
test_store_local_declares_persist_and_list_and_no_thread_state(void)
{
    CU_ASSERT_STRING_EQUAL("store_local", SP->hdr.name);
    CU_ASSERT_EQUAL(CHARON_STORE_CAP_PERSIST | CHARON_STORE_CAP_LIST,
                    SP->caps);
    CU_ASSERT_PTR_NULL(SP->hdr.thread_init);
    CU_ASSERT_PTR_NULL(SP->hdr.thread_fini);
}

static void
test_sessions_persist_across_destroy_and_create(void)
{
    struct charon_err err;
    uint64_t lock = 0;

    store_contract_set_now(T0);
    CU_ASSERT_EQUAL(CHARON_OK, put_s(store_contract_instance(), "u-persist",
                                     "s1", 0, "kept", 3600));
    CU_ASSERT_EQUAL(CHARON_OK, put_s(store_contract_instance(), "u-persist",
                                     "s1", 1, "kept2", 3600));
    charon_err_clear(&err);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, store_contract_reopen(&err));
    CU_ASSERT_EQUAL(CHARON_OK, get_lock(store_contract_instance(),
                                        "u-persist", "s1", &lock));
    CU_ASSERT_EQUAL(2u, lock);
}

static void
test_create_makes_the_directory_with_mode_0700(void)
{
    char path[4096];
    struct config *cfg = NULL;
    struct charon_err err;
    struct stat st;
    void *inst = NULL;

    charon_err_clear(&err);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, store_contract_instance_new(
        "[store_local]\npath = @TESTDIR@/fresh\n", &cfg, &inst, &err));
    snprintf(path, sizeof(path), "%s/fresh", cu_scratch_dir());
    CU_ASSERT_EQUAL(0, stat(path, &st));
    CU_ASSERT(S_ISDIR(st.st_mode));
    CU_ASSERT_EQUAL(0700, st.st_mode & 07777);
    snprintf(path, sizeof(path), "%s/fresh/data.mdb", cu_scratch_dir());
    CU_ASSERT_EQUAL(0, access(path, F_OK));
    store_contract_instance_free(cfg, inst);
}

/* LMDB writes lock.mdb (its reader table) through a shared mapping and
 * creates it sparse: a page the file system has not allocated raises
 * SIGBUS when first touched on a full disk.  So every page must be on
 * disk once the store is open. */
static void
test_create_reserves_every_page_of_lock_mdb_on_disk(void)
{
    char path[4096];
    struct stat st;

    snprintf(path, sizeof(path), "%s/local/lock.mdb", cu_scratch_dir());
    CU_ASSERT_EQUAL_FATAL(0, stat(path, &st));
    CU_ASSERT(st.st_size > 0);
    CU_ASSERT((long long)st.st_blocks * 512 >= (long long)st.st_size);
}

static void
test_create_refuses_a_path_that_is_not_a_directory(void)
{
    char path[4096];
    struct config *cfg = NULL;
    struct charon_err err;
    void *inst = NULL;
    FILE *f;

    snprintf(path, sizeof(path), "%s/a-file", cu_scratch_dir());
    f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    fclose(f);
    charon_err_clear(&err);
    CU_ASSERT_EQUAL(CHARON_ECONFIG, store_contract_instance_new(
        "[store_local]\npath = @TESTDIR@/a-file\n", &cfg, &inst, &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "a-file is not a directory"));
    CU_ASSERT_PTR_NULL(inst);
}

/* create on @TESTDIR@/<dir> must be ECONFIG with a message holding part. */
static void
expect_store_dir_refused(const char *dir, const char *part)
{
    char ini[256];
    struct config *cfg = NULL;
    struct charon_err err;
    void *inst = NULL;

    snprintf(ini, sizeof(ini), "[store_local]\npath = @TESTDIR@/%s\n", dir);
    charon_err_clear(&err);
    CU_ASSERT_EQUAL(CHARON_ECONFIG,
                    store_contract_instance_new(ini, &cfg, &inst, &err));
    if (strstr(err.msg, part) == NULL)
        fprintf(stderr, "\n  \"%s\" lacks \"%s\"\n", err.msg, part);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, part));
    CU_ASSERT_PTR_NULL(inst);
    if (inst != NULL)
        store_contract_instance_free(cfg, inst);
}

/* A fresh 0700 directory @TESTDIR@/<dir>; its path in out. */
static void
store_dir_new(const char *dir, char *out, size_t len)
{
    snprintf(out, len, "%s/%s", cu_scratch_dir(), dir);
    CU_ASSERT_EQUAL_FATAL(0, mkdir(out, 0700));
}

/* An LMDB file planted as a link to a root-owned 0600 file: LMDB would
 * write through it (a charonctl run as root overwrote such a file). */
static void
test_create_refuses_planted_lmdb_file_links(void)
{
    static const char *const names[] = { "lock.mdb", "data.mdb" };
    char dir[4096], link[4200], victim[4200], part[64], back[16];
    size_t i;
    FILE *f;

    for (i = 0; i < 2; i++) {
        snprintf(part, sizeof(part), "planted-%zu", i);
        store_dir_new(part, dir, sizeof(dir));
        snprintf(victim, sizeof(victim), "%s/victim-%zu", cu_scratch_dir(), i);
        f = fopen(victim, "w");
        CU_ASSERT_FATAL(f != NULL);
        fputs("victim", f);
        fclose(f);
        CU_ASSERT_EQUAL_FATAL(0, chmod(victim, 0600));
        snprintf(link, sizeof(link), "%s/%s", dir, names[i]);
        CU_ASSERT_EQUAL_FATAL(0, symlink(victim, link));
        snprintf(part, sizeof(part), "%s is a symbolic link", names[i]);
        snprintf(link, sizeof(link), "planted-%zu", i);
        expect_store_dir_refused(link, part);
        f = fopen(victim, "r");
        CU_ASSERT_FATAL(f != NULL);
        memset(back, 0, sizeof(back));
        CU_ASSERT_EQUAL(6, fread(back, 1, sizeof(back), f));
        fclose(f);
        CU_ASSERT_STRING_EQUAL("victim", back);
    }
}

static void
test_create_refuses_a_directory_others_may_write(void)
{
    char dir[4096];

    store_dir_new("open-dir", dir, sizeof(dir));
    CU_ASSERT_EQUAL_FATAL(0, chmod(dir, 0770));
    expect_store_dir_refused("open-dir", "writable by group or others "
                             "(mode 0770)");
    CU_ASSERT_EQUAL_FATAL(0, chmod(dir, 0703));
    expect_store_dir_refused("open-dir", "writable by group or others "
                             "(mode 0703)");
}

static void
test_create_refuses_a_directory_or_file_of_another_uid(void)
{
    char dir[4096], path[4200];
    FILE *f;

    store_dir_new("foreign-dir", dir, sizeof(dir));
    CU_ASSERT_EQUAL_FATAL(0, chown(dir, 12345, 12345));
    expect_store_dir_refused("foreign-dir", "belongs to uid 12345");

    store_dir_new("foreign-lock", dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/lock.mdb", dir);
    f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    fclose(f);
    CU_ASSERT_EQUAL_FATAL(0, chmod(path, 0600));
    CU_ASSERT_EQUAL_FATAL(0, chown(path, 12345, 12345));
    expect_store_dir_refused("foreign-lock", "lock.mdb belongs to uid 12345");
}

static void
test_create_refuses_a_symlinked_directory_or_odd_files(void)
{
    char dir[4096], path[4200];

    store_dir_new("real-dir", dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/link-dir", cu_scratch_dir());
    CU_ASSERT_EQUAL_FATAL(0, symlink(dir, path));
    expect_store_dir_refused("link-dir", "link-dir is a symbolic link");

    store_dir_new("fifo-data", dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/data.mdb", dir);
    CU_ASSERT_EQUAL_FATAL(0, mkfifo(path, 0600));
    expect_store_dir_refused("fifo-data", "data.mdb is not a regular file");
}

static void
test_map_size_mb_outside_1_to_65536_is_a_config_error(void)
{
    struct config *cfg = NULL;
    struct charon_err err;
    void *inst = NULL;

    charon_err_clear(&err);
    CU_ASSERT_EQUAL(CHARON_ECONFIG, store_contract_instance_new(
        "[store_local]\npath = @TESTDIR@/bad\nmap_size_mb = 0\n",
        &cfg, &inst, &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "map_size_mb"));
    CU_ASSERT_EQUAL(CHARON_ECONFIG, store_contract_instance_new(
        "[store_local]\npath = @TESTDIR@/bad\nmap_size_mb = 65537\n",
        &cfg, &inst, &err));
}

/* sync = full | data | none picks LMDB's flush flags; anything else is a
 * config error. */
static void
test_sync_picks_the_flush_flags(void)
{
    static const struct {
        const char *value;
        unsigned int flags;
    } cases[] = {
        { "full", 0 }, { "data", MDB_NOMETASYNC }, { "none", MDB_NOSYNC }
    };
    char ini[256];
    struct config *cfg = NULL;
    struct charon_err err;
    unsigned int flags;
    void *inst = NULL;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(ini, sizeof(ini), "[store_local]\npath = @TESTDIR@/sync-%s\n"
                 "sync = %s\n", cases[i].value, cases[i].value);
        charon_err_clear(&err);
        CU_ASSERT_EQUAL_FATAL(CHARON_OK, store_contract_instance_new(
            ini, &cfg, &inst, &err));
        flags = 0;
        mdb_env_get_flags(((struct store_local *)inst)->env, &flags);
        CU_ASSERT_EQUAL(cases[i].flags,
                        flags & (MDB_NOMETASYNC | MDB_NOSYNC));
        CU_ASSERT_EQUAL(CHARON_OK, put_s(inst, "u-sync", "s1", 0, "v",
                                         3600));
        store_contract_instance_free(cfg, inst);
    }
    CU_ASSERT_EQUAL(CHARON_ECONFIG, store_contract_instance_new(
        "[store_local]\npath = @TESTDIR@/bad\nsync = sometimes\n",
        &cfg, &inst, &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "sync"));
}

static void
test_a_session_key_over_the_limit_is_einval(void)
{
    char user[700];
    struct charon_err err;

    memset(user, 'u', sizeof(user) - 1);
    user[sizeof(user) - 1] = '\0';
    store_contract_set_now(T0);
    CU_ASSERT_EQUAL(CHARON_EINVAL, put_n(store_contract_instance(), user,
                                         "s1", 0, (const unsigned char *)"x",
                                         1, 60, &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "over the limit"));
}

/* Fills a 1 MiB store with 100 KiB sessions (ttl seconds) until an upsert
 * fails; returns how many fitted, and the failure in *rc / err. */
static int
fill(void *inst, const char *user, int64_t ttl, int *rc,
     struct charon_err *err)
{
    static unsigned char blob[100 * 1024];
    char sid[32];
    int i;

    memset(blob, 0xa5, sizeof(blob));
    for (i = 0; i < 64; i++) {
        snprintf(sid, sizeof(sid), "s%d", i);
        blob[0] = (unsigned char)i;
        *rc = put_n(inst, user, sid, 0, blob, sizeof(blob), ttl, err);
        if (*rc != CHARON_OK)
            return i;
    }
    return i;
}

static void
test_a_full_map_is_eunavail_with_a_clear_message_and_still_reads(void)
{
    struct config *cfg = NULL;
    struct charon_store_key k = store_contract_key("u-full", "full", "s0");
    struct charon_buf b = CHARON_BUF_INIT;
    struct charon_err err;
    void *inst = NULL;
    uint64_t lock = 0;
    int n, rc = CHARON_OK;
    char sid[32];

    store_contract_set_now(T0);
    charon_err_clear(&err);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, store_contract_instance_new(
        "[store_local]\npath = @TESTDIR@/full\nmap_size_mb = 1\n"
        "prune_every = 0\n", &cfg, &inst, &err));
    n = fill(inst, "u-full", 3600, &rc, &err);
    CU_ASSERT(n >= 1 && n < 64);
    CU_ASSERT_EQUAL(CHARON_EUNAVAIL, rc);
    CU_ASSERT_EQUAL(CHARON_EUNAVAIL, err.code);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "the session file is full "
                                  "(map_size_mb = 1); raise map_size_mb"));
    /* The failed write left nothing behind; the others still read. */
    snprintf(sid, sizeof(sid), "s%d", n);
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, get_lock(inst, "u-full", sid, &lock));
    charon_err_clear(&err);
    CU_ASSERT_EQUAL(CHARON_OK, SP->get(inst, NULL, &k, &b, &lock, &err));
    CU_ASSERT_EQUAL(100u * 1024, b.len);
    CU_ASSERT(b.len > 1 && b.data[0] == 0 && b.data[1] == 0xa5);
    CU_ASSERT_EQUAL(1u, lock);
    CU_ASSERT_EQUAL((long)n, count_sessions(inst, "u-full"));
    CU_ASSERT_EQUAL(CHARON_OK, SP->health(inst, NULL, &err));
    /* Deleting makes room again. */
    CU_ASSERT_EQUAL(CHARON_OK, SP->delete_one(inst, NULL, &k, &err));
    CU_ASSERT_EQUAL(CHARON_OK, put_s(inst, "u-full", "small", 0, "x", 60));
    charon_buf_free(&b);
    store_contract_instance_free(cfg, inst);
}

static void
test_a_full_map_prunes_expired_sessions_and_the_write_succeeds(void)
{
    static unsigned char blob[100 * 1024];
    struct config *cfg = NULL;
    struct charon_err err;
    void *inst = NULL;
    int n, rc = CHARON_OK;

    store_contract_set_now(T0);
    charon_err_clear(&err);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, store_contract_instance_new(
        "[store_local]\npath = @TESTDIR@/full2\nmap_size_mb = 1\n"
        "prune_every = 0\n", &cfg, &inst, &err));
    n = fill(inst, "u-full2", 10, &rc, &err);
    CU_ASSERT(n >= 1 && n < 64);
    CU_ASSERT_EQUAL(CHARON_EUNAVAIL, rc);
    store_contract_set_now(T0 + 100);
    memset(blob, 0x5a, sizeof(blob));
    CU_ASSERT_EQUAL(CHARON_OK, put_n(inst, "u-full2", "after", 0, blob,
                                     sizeof(blob), 3600, &err));
    store_contract_set_now(T0);
    /* Back in time, the pruned sessions do not come back. */
    CU_ASSERT_EQUAL(1, count_sessions(inst, "u-full2"));
    store_contract_instance_free(cfg, inst);
}

/*
 * What delete_all of key's (type, user_id) does, done directly in the
 * LMDB environment of inst (the layout restated above; the expiry index
 * key is the expiry with its sign bit flipped, then the session key), in
 * a write transaction that is always aborted: whether such a delete fits
 * in the map as it is.  Returns the LMDB code.
 */
static int
local_raw_delete_fits(void *inst, const struct charon_store_key *key)
{
    const struct store_local *sl = inst;
    unsigned char pb[512], kb[512], eb[8 + 512];
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    MDB_val k, v, ek;
    size_t plen = local_raw_key(key, pb, sizeof(pb)), klen;
    int rc;

    rc = mdb_txn_begin(sl->env, NULL, 0, &txn);
    if (rc == 0)
        rc = mdb_cursor_open(txn, sl->sessions, &cur);
    k.mv_data = pb;
    k.mv_size = plen;
    if (rc == 0)
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && k.mv_size >= plen && k.mv_size <= sizeof(kb) &&
           memcmp(k.mv_data, pb, plen) == 0 &&
           v.mv_size >= LOCAL_VALUE_HDR) {
        klen = k.mv_size;
        memcpy(kb, k.mv_data, klen);
        memcpy(eb, (const unsigned char *)v.mv_data + 8, 8);
        eb[0] ^= 0x80;
        memcpy(eb + 8, kb, klen);
        ek.mv_data = eb;
        ek.mv_size = 8 + klen;
        rc = mdb_del(txn, sl->expiry, &ek, NULL);
        if (rc == 0)
            rc = mdb_cursor_del(cur, 0);
        k.mv_data = kb;
        k.mv_size = klen;
        if (rc == 0)
            rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    }
    if (cur != NULL)
        mdb_cursor_close(cur);
    if (txn != NULL)
        mdb_txn_abort(txn);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/*
 * A delete copies pages on write like any other write, so it too can
 * find the map full, and then prunes and tries again as an insert does.
 * Here u-many's sessions expire between u-keep's, so deleting them copies
 * every leaf of the expiry index at once (none of them empties), in a map
 * filled with 100 KiB sessions that have since expired and then with
 * small ones: as it stands the delete does not fit (checked first), and
 * after the prune it does.
 */
static void
test_a_delete_on_a_full_map_prunes_and_succeeds(void)
{
    static unsigned char blob[2048];
    struct config *cfg = NULL;
    struct charon_store_key k = store_contract_key("u-many", "full", NULL);
    struct charon_err err;
    void *inst = NULL;
    char sid[32];
    int i, n, rc = CHARON_OK;

    store_contract_set_now(T0);
    charon_err_clear(&err);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, store_contract_instance_new(
        "[store_local]\npath = @TESTDIR@/full-delete\nmap_size_mb = 1\n"
        "prune_every = 0\nsync = none\n", &cfg, &inst, &err));
    for (i = 0; i < 1000; i++) {
        snprintf(sid, sizeof(sid), "s%04d", i);
        CU_ASSERT_EQUAL(CHARON_OK, put_n(inst, "u-many", sid, 0,
                                         (const unsigned char *)"m", 1,
                                         3600 + 2 * i, &err));
        CU_ASSERT_EQUAL(CHARON_OK, put_n(inst, "u-keep", sid, 0,
                                         (const unsigned char *)"k", 1,
                                         3601 + 2 * i, &err));
    }
    n = fill(inst, "u-big", 10, &rc, &err);
    CU_ASSERT(n >= 1 && n < 64);
    memset(blob, 0x3c, sizeof(blob));
    rc = CHARON_OK;
    for (i = 0; i < 1000 && rc == CHARON_OK; i++) {
        snprintf(sid, sizeof(sid), "pad%d", i);
        rc = put_n(inst, "u-pad", sid, 0, blob, sizeof(blob), 7200, &err);
    }
    CU_ASSERT_EQUAL(CHARON_EUNAVAIL, rc);
    store_contract_set_now(T0 + 100);
    CU_ASSERT_EQUAL(MDB_MAP_FULL, local_raw_delete_fits(inst, &k));
    charon_err_clear(&err);
    CU_ASSERT_EQUAL(CHARON_OK, SP->delete_all(inst, NULL, &k, NULL, &err));
    CU_ASSERT_EQUAL(0, count_sessions(inst, "u-many"));
    CU_ASSERT_EQUAL(1000, count_sessions(inst, "u-keep"));
    CU_ASSERT_EQUAL(0, count_sessions(inst, "u-big"));
    store_contract_instance_free(cfg, inst);
}

/* Puts 5 sessions that expire at T0 + 10, moves past them, writes
 * 10 times elsewhere, then goes back to T0 and counts what is left. */
static long
expire_and_write(const char *ini, const char *user)
{
    struct config *cfg = NULL;
    struct charon_err err;
    void *inst = NULL;
    char sid[32];
    long left;
    int i;

    store_contract_set_now(T0);
    charon_err_clear(&err);
    if (store_contract_instance_new(ini, &cfg, &inst, &err) != CHARON_OK)
        return -2;
    for (i = 0; i < 5; i++) {
        snprintf(sid, sizeof(sid), "old%d", i);
        CU_ASSERT_EQUAL(CHARON_OK, put_s(inst, user, sid, 0, "old", 10));
    }
    CU_ASSERT_EQUAL(5, count_sessions(inst, user));
    store_contract_set_now(T0 + 100);
    CU_ASSERT_EQUAL(0, count_sessions(inst, user));
    for (i = 0; i < 10; i++) {
        snprintf(sid, sizeof(sid), "new%d", i);
        CU_ASSERT_EQUAL(CHARON_OK, put_s(inst, "u-other", sid, 0, "new",
                                         3600));
    }
    store_contract_set_now(T0);
    left = count_sessions(inst, user);
    CU_ASSERT_EQUAL(10, count_sessions(inst, "u-other"));
    store_contract_instance_free(cfg, inst);
    return left;
}

static void
test_pruning_every_n_writes_removes_expired_sessions_for_good(void)
{
    /* Control: without pruning the clock going back revives them, which
     * shows the check below can see a missed prune. */
    CU_ASSERT_EQUAL(5, expire_and_write("[store_local]\n"
        "path = @TESTDIR@/noprune\nprune_every = 0\n", "u-p0"));
    CU_ASSERT_EQUAL(0, expire_and_write("[store_local]\n"
        "path = @TESTDIR@/prune\nprune_every = 10\n", "u-p10"));
}

/* ---- threads ---------------------------------------------------------- */

#define RACE_THREADS 8
#define RACE_ROUNDS 200
#define RACE_MAX (RACE_THREADS * RACE_ROUNDS + 2)

struct race {
    unsigned wins[RACE_MAX];      /* successes per expect value */
    unsigned successes;
    unsigned errors;
};

static void *
race_thread(void *arg)
{
    struct race *r = arg;
    struct charon_err err;
    uint64_t lock;
    char blob[32];
    int i, rc;

    for (i = 0; i < RACE_ROUNDS; i++) {
        lock = 0;
        if (get_lock(store_contract_instance(), "u-race", "s1", &lock)
            != CHARON_OK) {
            __atomic_add_fetch(&r->errors, 1, __ATOMIC_SEQ_CST);
            continue;
        }
        snprintf(blob, sizeof(blob), "v%llu", (unsigned long long)lock + 1);
        rc = put_n(store_contract_instance(), "u-race", "s1", lock,
                   (const unsigned char *)blob, strlen(blob), 3600, &err);
        if (rc == CHARON_OK) {
            __atomic_add_fetch(&r->successes, 1, __ATOMIC_SEQ_CST);
            if (lock < RACE_MAX)
                __atomic_add_fetch(&r->wins[lock], 1, __ATOMIC_SEQ_CST);
        } else if (rc != CHARON_ECONFLICT) {
            __atomic_add_fetch(&r->errors, 1, __ATOMIC_SEQ_CST);
        }
    }
    return NULL;
}

static void
test_racing_upserts_never_both_win_on_one_lock_version(void)
{
    static struct race r;
    pthread_t t[RACE_THREADS];
    uint64_t lock = 0, i;
    int n, twice = 0;

    memset(&r, 0, sizeof(r));
    store_contract_set_now(T0);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, put_s(store_contract_instance(),
                                           "u-race", "s1", 0, "v1", 3600));
    r.successes = 1;
    r.wins[0] = 1;
    for (n = 0; n < RACE_THREADS; n++)
        CU_ASSERT_EQUAL_FATAL(0, pthread_create(&t[n], NULL, race_thread, &r));
    for (n = 0; n < RACE_THREADS; n++)
        pthread_join(t[n], NULL);
    CU_ASSERT_EQUAL(0u, r.errors);
    CU_ASSERT_EQUAL(CHARON_OK, get_lock(store_contract_instance(), "u-race",
                                        "s1", &lock));
    CU_ASSERT_EQUAL((uint64_t)r.successes, lock);
    CU_ASSERT(r.successes > (unsigned)RACE_ROUNDS);
    for (i = 0; i < RACE_MAX; i++)
        if (r.wins[i] != (i < lock ? 1u : 0u))
            twice++;
    CU_ASSERT_EQUAL(0, twice);
}

/* ---- processes -------------------------------------------------------- */

#define PROCS 4
#define PROC_SESSIONS 200

/*
 * A child process (this program again, exec'd with STORE_LOCAL_TEST_CHILD
 * = "ID FD DIR", so that it inherits no LMDB environment and no heap):
 * opens its own instance on DIR/local, waits for the start signal on FD
 * and writes its sessions.  Exit status 0 on success.
 */
static int
child_main(const char *spec)
{
    char dir[4096], ini[4200], sid[32], c;
    int id, fd, i, bad = 0;

    if (sscanf(spec, "%d %d %4095s", &id, &fd, dir) != 3)
        return 2;
    snprintf(ini, sizeof(ini), "[store_local]\npath = %s/local\n", dir);
    if (store_contract_open(SO, ini) != 0)
        return 2;
    store_contract_set_now(T0);
    while (read(fd, &c, 1) < 0 && errno == EINTR)
        ;
    for (i = 0; i < PROC_SESSIONS; i++) {
        snprintf(sid, sizeof(sid), "p%d-%d", id, i);
        if (put_s(store_contract_instance(), "u-procs", sid, 0, sid, 3600)
            != CHARON_OK)
            bad++;
    }
    store_contract_close();
    return bad == 0 ? 0 : 3;
}

static void
test_processes_sharing_the_directory_lose_no_session(void)
{
    char spec[4200], self[4096];
    pid_t pid[PROCS];
    ssize_t n;
    int fds[2], i, status, ok = 0;

    store_contract_set_now(T0);
    /* Resolved here, not by exec: under valgrind /proc/self/exe is the
     * tool, while readlink() answers this program. */
    n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    CU_ASSERT_FATAL(n > 0);
    self[n] = '\0';
    CU_ASSERT_EQUAL_FATAL(0, pipe(fds));
    fflush(NULL);
    for (i = 0; i < PROCS; i++) {
        snprintf(spec, sizeof(spec), "%d %d %s", i, fds[0], cu_scratch_dir());
        pid[i] = fork();
        if (pid[i] == 0) {
            close(fds[1]);
            setenv("STORE_LOCAL_TEST_CHILD", spec, 1);
            execl(self, "test_store_local", (char *)NULL);
            _exit(4);
        }
        CU_ASSERT(pid[i] > 0);
    }
    close(fds[0]);
    /* Meanwhile this process writes through its own instance too. */
    CU_ASSERT_EQUAL(CHARON_OK, put_s(store_contract_instance(), "u-procs",
                                     "parent", 0, "parent", 3600));
    close(fds[1]);                        /* go */
    for (i = 0; i < PROCS; i++) {
        if (pid[i] > 0 && waitpid(pid[i], &status, 0) == pid[i] &&
            WIFEXITED(status) && WEXITSTATUS(status) == 0)
            ok++;
    }
    CU_ASSERT_EQUAL(PROCS, ok);
    CU_ASSERT_EQUAL(PROCS * PROC_SESSIONS + 1,
                    count_sessions(store_contract_instance(), "u-procs"));
}

static const CU_TestInfo store_local_tests[] = {
    { "store_local declares persist and list and keeps no thread state",
      test_store_local_declares_persist_and_list_and_no_thread_state },
    { "a record too short for its header reads as absent, and is "
      "overwritten or deleted",
      test_a_record_too_short_for_its_header_reads_as_absent },
    { "a record of lock_version 0 reads as absent, and an insert takes "
      "its place",
      test_a_record_of_lock_version_0_reads_as_absent },
    { "an update from lock_version 2^64 - 1 is ECONFLICT",
      test_an_update_from_lock_version_2_64_minus_1_is_econflict },
    { "sessions persist across destroy and create of the instance",
      test_sessions_persist_across_destroy_and_create },
    { "create makes the session directory with mode 0700",
      test_create_makes_the_directory_with_mode_0700 },
    { "create reserves every page of lock.mdb on disk",
      test_create_reserves_every_page_of_lock_mdb_on_disk },
    { "create refuses a path that is not a directory",
      test_create_refuses_a_path_that_is_not_a_directory },
    { "a planted lock.mdb or data.mdb link is refused, its target intact",
      test_create_refuses_planted_lmdb_file_links },
    { "a session directory others may write is refused",
      test_create_refuses_a_directory_others_may_write },
    { "a session directory or lock.mdb of another uid is refused",
      test_create_refuses_a_directory_or_file_of_another_uid },
    { "a symlinked session directory or a FIFO data.mdb is refused",
      test_create_refuses_a_symlinked_directory_or_odd_files },
    { "map_size_mb outside 1..65536 is a config error",
      test_map_size_mb_outside_1_to_65536_is_a_config_error },
    { "sync = full, data or none picks LMDB's flush flags",
      test_sync_picks_the_flush_flags },
    { "a session key over LMDB's key limit is EINVAL",
      test_a_session_key_over_the_limit_is_einval },
    { "a full map is EUNAVAIL with a clear message and existing sessions "
      "still read",
      test_a_full_map_is_eunavail_with_a_clear_message_and_still_reads },
    { "a full map prunes expired sessions and the write then succeeds",
      test_a_full_map_prunes_expired_sessions_and_the_write_succeeds },
    { "a delete on a full map prunes expired sessions and then succeeds",
      test_a_delete_on_a_full_map_prunes_and_succeeds },
    { "pruning every N writes removes expired sessions for good",
      test_pruning_every_n_writes_removes_expired_sessions_for_good },
    { "8 threads racing upserts never both win on one lock_version",
      test_racing_upserts_never_both_win_on_one_lock_version },
    { "4 processes sharing the directory lose no session",
      test_processes_sharing_the_directory_lose_no_session },
    CU_TEST_INFO_NULL
};

int
main(void)
{
    static const struct cu_suite suites[] = {
        { "store_local: store contract", open_contract,
          store_contract_close, store_contract_tests },
        { "store_local", open_local, store_contract_close, store_local_tests },
        { NULL, NULL, NULL, NULL }
    };
    const char *child = getenv("STORE_LOCAL_TEST_CHILD");

    if (child != NULL)
        return child_main(child);
    store_contract_set_raw_writer(local_write_raw);
    return cu_main(suites);
}
