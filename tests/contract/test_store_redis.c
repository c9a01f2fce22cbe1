/*
 * test_store_redis.c - store_redis through the store contract against a
 * real redis-server (started here in the scratch directory, stopped by
 * PID; a missing redis-server fails the suites), then what only a Redis
 * store has: the key layout and its hash tag, key_prefix isolation,
 * pruning and key TTLs, the function library (hashed name, reload after
 * FUNCTION FLUSH, EVALSHA where FUNCTION is forbidden), AUTH with an ACL
 * user, one command per operation (counted with MONITOR), and a killed,
 * hung or restarted Redis.  It lends the contract suite a raw writer
 * that HSETs the blob hash through its own connection.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cu_main.h"
#include "redis_server.h"
#include "store_contract.h"

#define T0 INT64_C(1700000000)
#define SO "plugins/store_redis/.libs/store_redis.so"
#define SP store_contract_plugin()
#define SOCK_INI "socket = @TESTDIR@/redis/redis.sock\n"
#define CONTRACT_PREFIX "ct_"

/* ---- the key layout, restated (plugins/store_redis/redis_keys.c) ----- */

/* Appends the plugin's escaping of s: bytes 0x21..0x7e except '%', '{'
 * and '}' as they are, others as %XX. */
static void
esc(char *out, size_t cap, const char *s)
{
    size_t n = strlen(out);
    const unsigned char *p = (const unsigned char *)s;

    for (; *p != '\0' && n + 4 < cap; p++) {
        if (*p > 0x20 && *p < 0x7f && *p != '%' && *p != '{' && *p != '}')
            out[n++] = (char)*p;
        else
            n += (size_t)snprintf(out + n, cap - n, "%%%02X", *p);
    }
    out[n] = '\0';
}

/* <prefix>{u:<esc(user)>}<esc(type)>.<kind> */
static void
key_name(char *out, size_t cap, const char *prefix, const char *user,
         const char *type, const char *kind)
{
    snprintf(out, cap, "%s{u:", prefix);
    esc(out, cap, user);
    snprintf(out + strlen(out), cap - strlen(out), "}");
    esc(out, cap, type);
    snprintf(out + strlen(out), cap - strlen(out), ".%s", kind);
}

/* Redis Cluster's CRC16 (XMODEM) and key slot rule. */
static unsigned
crc16(const char *buf, size_t len)
{
    unsigned crc = 0;
    size_t i;
    int b;

    for (i = 0; i < len; i++) {
        crc ^= (unsigned)(unsigned char)buf[i] << 8;
        for (b = 0; b < 8; b++)
            crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff
                               : (crc << 1) & 0xffff;
    }
    return crc;
}

/* The slot of key; *tag_len gets the hash tag's length (0: none). */
static unsigned
key_slot(const char *key, size_t *tag_len)
{
    const char *open = strchr(key, '{'), *close;

    *tag_len = 0;
    if (open != NULL && (close = strchr(open + 1, '}')) != NULL
        && close > open + 1) {
        *tag_len = (size_t)(close - open - 1);
        return crc16(open + 1, *tag_len) & 16383;
    }
    return crc16(key, strlen(key)) & 16383;
}

/* ---- the contract's raw writer ----------------------------------------- */

static int
redis_write_raw(const struct charon_store_key *key, const void *blob,
                size_t len)
{
    char se[1024];
    const char *argv[4];
    size_t lens[4];
    redisReply *r;
    int ok;

    se[0] = '\0';
    key_name(se, sizeof(se), CONTRACT_PREFIX, key->user_id, key->type, "se");
    if (redis_admin_int("HEXISTS %s %s", se, key->session_id) != 1) {
        fprintf(stderr, "raw writer: no field %s in %s\n", key->session_id,
                se);
        return -1;
    }
    argv[0] = "HSET";
    argv[1] = se;
    argv[2] = key->session_id;
    argv[3] = len > 0 ? blob : "";
    lens[0] = 4;
    lens[1] = strlen(se);
    lens[2] = strlen(key->session_id);
    lens[3] = len;
    r = redis_admin_argv(4, argv, lens);
    ok = r != NULL && r->type == REDIS_REPLY_INTEGER;
    if (r != NULL)
        freeReplyObject(r);
    return ok ? 0 : -1;
}

static int
open_contract(void)
{
    if (redis_server_start() != 0)
        return -1;
    return store_contract_open(SO, "[store_redis]\n" SOCK_INI
                               "key_prefix = " CONTRACT_PREFIX "\n");
}

/* ---- instances with their own thread state ------------------------------ */

struct rinst {
    struct config *cfg;
    void *inst;
    void *ts;
};

static int
rinst_open(struct rinst *ri, const char *ini, struct charon_err *err)
{
    int rc;

    memset(ri, 0, sizeof(*ri));
    charon_err_clear(err);
    rc = store_contract_instance_new(ini, &ri->cfg, &ri->inst, err);
    if (rc != CHARON_OK)
        return rc;
    rc = SP->hdr.thread_init(ri->inst, &ri->ts, err);
    if (rc != CHARON_OK) {
        store_contract_instance_free(ri->cfg, ri->inst);
        memset(ri, 0, sizeof(*ri));
    }
    return rc;
}

static void
rinst_close(struct rinst *ri)
{
    if (ri->inst == NULL)
        return;
    if (ri->ts != NULL)
        SP->hdr.thread_fini(ri->inst, ri->ts);
    store_contract_instance_free(ri->cfg, ri->inst);
    memset(ri, 0, sizeof(*ri));
}

static int
r_put(struct rinst *ri, const char *user, const char *type, const char *sid,
      uint64_t expect, const char *blob, int64_t ttl, struct charon_err *err)
{
    struct charon_store_key k = store_contract_key(user, type, sid);

    charon_err_clear(err);
    return SP->upsert(ri->inst, ri->ts, &k, expect, blob, strlen(blob),
                      store_contract_now() + ttl, err);
}

/* get into out (reset first) */
static int
r_get(struct rinst *ri, const char *user, const char *type, const char *sid,
      struct charon_buf *out, uint64_t *lock, struct charon_err *err)
{
    struct charon_store_key k = store_contract_key(user, type, sid);

    charon_err_clear(err);
    charon_buf_reset(out);
    return SP->get(ri->inst, ri->ts, &k, out, lock, err);
}

/* Expects get to return exactly blob. */
static void
assert_blob(struct rinst *ri, const char *user, const char *type,
            const char *sid, const char *blob)
{
    struct charon_buf b = CHARON_BUF_INIT;
    struct charon_err err;
    uint64_t lock = 0;

    CU_ASSERT_EQUAL(CHARON_OK, r_get(ri, user, type, sid, &b, &lock, &err));
    CU_ASSERT(b.data != NULL && strcmp((const char *)b.data, blob) == 0);
    charon_buf_free(&b);
}

static int
count_each(void *ctx, const void *blob, size_t len, uint64_t lock_version)
{
    (void)blob;
    (void)len;
    (void)lock_version;
    (*(int *)ctx)++;
    return 0;
}

static int
r_count(struct rinst *ri, const char *user, const char *type)
{
    struct charon_store_key k = store_contract_key(user, type, NULL);
    struct charon_err err;
    int n = 0;

    charon_err_clear(&err);
    if (SP->get_all(ri->inst, ri->ts, &k, count_each, &n, &err) != CHARON_OK)
        return -1;
    return n;
}

static int
r_del_all(struct rinst *ri, const char *user, const char *type,
          const char *except)
{
    struct charon_store_key k = store_contract_key(user, type, NULL);
    struct charon_err err;

    charon_err_clear(&err);
    return SP->delete_all(ri->inst, ri->ts, &k, except, &err);
}

static int
r_del_one(struct rinst *ri, const char *user, const char *type,
          const char *sid)
{
    struct charon_store_key k = store_contract_key(user, type, sid);
    struct charon_err err;

    charon_err_clear(&err);
    return SP->delete_one(ri->inst, ri->ts, &k, &err);
}

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* Writes text to <scratch>/name with mode; its path in out. */
static void
write_file(const char *name, const char *text, mode_t mode, char *out,
           size_t cap)
{
    FILE *f;

    snprintf(out, cap, "%s/%s", cu_scratch_dir(), name);
    f = fopen(out, "w");
    CU_ASSERT_FATAL(f != NULL);
    fputs(text, f);
    fclose(f);
    chmod(out, mode);
}

#define INI_BASE "[store_redis]\n" SOCK_INI \
                 "connect_timeout_ms = 300\ncommand_timeout_ms = 300\n"
#define INI_RS INI_BASE "key_prefix = rs_\n"


/* ---- the plugin and its config ------------------------------------------ */

static void
test_store_redis_declares_persist_and_list_and_a_thread_state(void)
{
    CU_ASSERT_STRING_EQUAL("store_redis", SP->hdr.name);
    CU_ASSERT_EQUAL(CHARON_STORE_CAP_PERSIST | CHARON_STORE_CAP_LIST,
                    SP->caps);
    CU_ASSERT_PTR_NOT_NULL(SP->hdr.thread_init);
    CU_ASSERT_PTR_NOT_NULL(SP->hdr.thread_fini);
}

/* Expects ini to fail with ECONFIG and a message holding want. */
static void
assert_config_error(const char *ini, const char *want)
{
    struct config *cfg = NULL;
    struct charon_err err;
    void *inst = NULL;

    charon_err_clear(&err);
    CU_ASSERT_EQUAL(CHARON_ECONFIG, store_contract_instance_new(ini, &cfg,
                                                                &inst, &err));
    CU_ASSERT_PTR_NULL(inst);
    if (strstr(err.msg, want) == NULL) {
        fprintf(stderr, "\n  config error \"%s\" lacks \"%s\"\n", err.msg,
                want);
        CU_FAIL("config error message");
    }
}

static void
test_bad_configs_are_refused_with_a_clear_message(void)
{
    char path[4096];

    assert_config_error("[store_redis]\nkey_prefix = a{b\n",
                        "would break the keys' Redis Cluster hash tag");
    assert_config_error("[store_redis]\nkey_prefix = a}b\n", "key_prefix");
    assert_config_error("[store_redis]\nusername = app\n",
                        "username is set but password_file is not");
    assert_config_error("[store_redis]\nport = 0\n", "port");
    assert_config_error("[store_redis]\ncommand_timeout_ms = 0\n",
                        "command_timeout_ms");
    write_file("pw-open", "hunter2-open\n", 0644, path, sizeof(path));
    assert_config_error("[store_redis]\npassword_file = @TESTDIR@/pw-open\n",
                        "chmod 600");
    write_file("pw-empty", "\n", 0600, path, sizeof(path));
    assert_config_error("[store_redis]\npassword_file = @TESTDIR@/pw-empty\n",
                        "is empty");
}

/* ---- key layout ---------------------------------------------------------- */

static void
test_the_keys_of_a_user_and_type_share_one_hash_tag(void)
{
    static const char *const kinds[3] = { "se", "e", "l" };
    static const char *const types[3] = { "hash", "zset", "hash" };
    const char *user = "odd{user}.x%y z";
    struct rinst ri;
    struct charon_err err;
    char name[3][512], want[512];
    unsigned slot[3];
    size_t tag[3];
    redisReply *r;
    long long ttl;
    int i;

    store_contract_set_now(T0);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, rinst_open(&ri, INI_RS, &err));
    CU_ASSERT_EQUAL(CHARON_OK, r_put(&ri, user, "full.v2", "s1", 0, "b",
                                     3600, &err));
    for (i = 0; i < 3; i++) {
        name[i][0] = '\0';
        key_name(name[i], sizeof(name[i]), "rs_", user, "full.v2", kinds[i]);
        CU_ASSERT_EQUAL(1, redis_admin_int("EXISTS %s", name[i]));
        r = redis_admin("TYPE %s", name[i]);
        CU_ASSERT(r != NULL && r->type == REDIS_REPLY_STATUS
                  && strcmp(r->str, types[i]) == 0);
        if (r != NULL)
            freeReplyObject(r);
        ttl = redis_admin_int("TTL %s", name[i]);
        CU_ASSERT(ttl > 3590 && ttl <= 3601);
        slot[i] = key_slot(name[i], &tag[i]);
        CU_ASSERT(tag[i] > 0);
    }
    snprintf(want, sizeof(want), "rs_{u:odd%%7Buser%%7D.x%%25y%%20z}"
             "full.v2.se");
    CU_ASSERT_STRING_EQUAL(want, name[0]);
    CU_ASSERT_EQUAL(slot[0], slot[1]);
    CU_ASSERT_EQUAL(slot[0], slot[2]);
    /* The empty user id still has a tag. */
    CU_ASSERT_EQUAL(CHARON_OK, r_put(&ri, "", "full", "s1", 0, "e", 60, &err));
    CU_ASSERT_EQUAL(1, redis_admin_int("EXISTS rs_{u:}full.e"));
    key_slot("rs_{u:}full.e", &tag[0]);
    CU_ASSERT_EQUAL(2u, tag[0]);
    rinst_close(&ri);
}

static void
test_user_ids_with_braces_dots_and_percent_never_collide(void)
{
    static const char *const pairs[][2] = {
        { "a}b", "full" }, { "a%7Db", "full" }, { "a", "}b.full" },
        { "a{", "full" }, { "{", "full" }, { "}", "full" },
        { "a.b", "c" }, { "a", "b.c" }, { "a b", "full" }, { "a%20b", "full" },
        { "\xc3\xa9t\xc3\xa9", "full" }, { "", "full" }
    };
    struct rinst ri;
    struct charon_err err;
    char blob[32];
    size_t i, n = sizeof(pairs) / sizeof(pairs[0]);

    store_contract_set_now(T0);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, rinst_open(&ri, INI_BASE
                                                "key_prefix = nc_\n", &err));
    for (i = 0; i < n; i++) {
        snprintf(blob, sizeof(blob), "blob-%zu", i);
        CU_ASSERT_EQUAL(CHARON_OK, r_put(&ri, pairs[i][0], pairs[i][1], "s",
                                         0, blob, 600, &err));
    }
    for (i = 0; i < n; i++) {
        snprintf(blob, sizeof(blob), "blob-%zu", i);
        assert_blob(&ri, pairs[i][0], pairs[i][1], "s", blob);
        CU_ASSERT_EQUAL(1, r_count(&ri, pairs[i][0], pairs[i][1]));
    }
    rinst_close(&ri);
}

static void
test_instances_with_different_key_prefixes_do_not_see_each_other(void)
{
    struct rinst a, b;
    struct charon_err err;

    store_contract_set_now(T0);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, rinst_open(&a, INI_BASE
                                                "key_prefix = iso_a_\n", &err));
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, rinst_open(&b, INI_BASE
                                                "key_prefix = iso_b_\n", &err));
    CU_ASSERT_EQUAL(CHARON_OK, r_put(&a, "u", "full", "s1", 0, "from-a", 600,
                                     &err));
    CU_ASSERT_EQUAL(1, r_count(&a, "u", "full"));
    CU_ASSERT_EQUAL(0, r_count(&b, "u", "full"));
    /* The same id inserts in b: no live session there. */
    CU_ASSERT_EQUAL(CHARON_OK, r_put(&b, "u", "full", "s1", 0, "from-b", 600,
                                     &err));
    assert_blob(&a, "u", "full", "s1", "from-a");
    assert_blob(&b, "u", "full", "s1", "from-b");
    CU_ASSERT_EQUAL(CHARON_OK, r_del_all(&a, "u", "full", NULL));
    CU_ASSERT_EQUAL(0, r_count(&a, "u", "full"));
    assert_blob(&b, "u", "full", "s1", "from-b");
    rinst_close(&a);
    rinst_close(&b);
}

/* ---- expiry ---------------------------------------------------------------- */

static void
test_a_write_prunes_expired_sessions_and_the_ttl_follows_the_latest(void)
{
    struct rinst ri;
    struct charon_err err;
    char sid[16], e[256], se[256], l[256];
    int i;

    e[0] = se[0] = l[0] = '\0';
    key_name(e, sizeof(e), "rs_", "u-prune", "full", "e");
    key_name(se, sizeof(se), "rs_", "u-prune", "full", "se");
    key_name(l, sizeof(l), "rs_", "u-prune", "full", "l");
    store_contract_set_now(T0);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, rinst_open(&ri, INI_RS, &err));
    for (i = 0; i < 5; i++) {
        snprintf(sid, sizeof(sid), "old%d", i);
        CU_ASSERT_EQUAL(CHARON_OK, r_put(&ri, "u-prune", "full", sid, 0, "o",
                                         10, &err));
    }
    CU_ASSERT_EQUAL(5, redis_admin_int("ZCARD %s", e));
    CU_ASSERT(redis_admin_int("TTL %s", e) <= 11);
    store_contract_set_now(T0 + 100);
    CU_ASSERT_EQUAL(0, r_count(&ri, "u-prune", "full"));
    CU_ASSERT_EQUAL(CHARON_OK, r_put(&ri, "u-prune", "full", "new", 0, "n",
                                     3600, &err));
    CU_ASSERT_EQUAL(1, redis_admin_int("ZCARD %s", e));
    CU_ASSERT_EQUAL(1, redis_admin_int("HLEN %s", se));
    CU_ASSERT_EQUAL(1, redis_admin_int("HLEN %s", l));
    CU_ASSERT(redis_admin_int("TTL %s", se) > 3590);
    store_contract_set_now(T0);
    rinst_close(&ri);
}

static void
test_a_delete_lowers_the_ttl_and_the_last_one_removes_the_keys(void)
{
    struct rinst ri;
    struct charon_err err;
    char e[256], se[256], l[256];
    long long ttl;

    e[0] = se[0] = l[0] = '\0';
    key_name(e, sizeof(e), "rs_", "u-ttl", "full", "e");
    key_name(se, sizeof(se), "rs_", "u-ttl", "full", "se");
    key_name(l, sizeof(l), "rs_", "u-ttl", "full", "l");
    store_contract_set_now(T0);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, rinst_open(&ri, INI_RS, &err));
    CU_ASSERT_EQUAL(CHARON_OK, r_put(&ri, "u-ttl", "full", "s1", 0, "1", 100,
                                     &err));
    CU_ASSERT_EQUAL(CHARON_OK, r_put(&ri, "u-ttl", "full", "s2", 0, "2", 5000,
                                     &err));
    ttl = redis_admin_int("TTL %s", l);
    CU_ASSERT(ttl > 4990 && ttl <= 5001);
    CU_ASSERT_EQUAL(CHARON_OK, r_del_one(&ri, "u-ttl", "full", "s2"));
    ttl = redis_admin_int("TTL %s", se);
    CU_ASSERT(ttl > 90 && ttl <= 101);
    CU_ASSERT_EQUAL(CHARON_OK, r_del_one(&ri, "u-ttl", "full", "s1"));
    CU_ASSERT_EQUAL(0, redis_admin_int("EXISTS %s %s %s", se, e, l));
    rinst_close(&ri);
}

static void
test_database_is_selected(void)
{
    struct rinst ri;
    struct charon_err err;
    char se[256];

    se[0] = '\0';
    key_name(se, sizeof(se), "rs_", "u-db", "full", "se");
    store_contract_set_now(T0);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, rinst_open(&ri, INI_RS "database = 3\n",
                                                &err));
    CU_ASSERT_EQUAL(CHARON_OK, r_put(&ri, "u-db", "full", "s1", 0, "db3", 60,
                                     &err));
    CU_ASSERT_EQUAL(0, redis_admin_int("EXISTS %s", se));
    freeReplyObject(redis_admin("SELECT 3"));
    CU_ASSERT_EQUAL(1, redis_admin_int("EXISTS %s", se));
    freeReplyObject(redis_admin("SELECT 0"));
    assert_blob(&ri, "u-db", "full", "s1", "db3");
    rinst_close(&ri);
}

/* ---- the function library ------------------------------------------------ */

/* The libraries FUNCTION LIST shows: names into names[i] (up to max),
 * their function counts into nfn[i]; how many, or -1. */
static int
list_libraries(char names[][64], int *nfn, int max)
{
    redisReply *r = redis_admin("FUNCTION LIST"), *lib, *v;
    size_t i, j;
    int n = 0;

    if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
        if (r != NULL)
            freeReplyObject(r);
        return -1;
    }
    for (i = 0; i < r->elements && n < max; i++) {
        lib = r->element[i];
        names[n][0] = '\0';
        nfn[n] = 0;
        for (j = 0; lib->type == REDIS_REPLY_ARRAY && j + 1 < lib->elements;
             j += 2) {
            v = lib->element[j + 1];
            if (strcmp(lib->element[j]->str, "library_name") == 0
                && v->type == REDIS_REPLY_STRING)
                snprintf(names[n], 64, "%s", v->str);
            if (strcmp(lib->element[j]->str, "functions") == 0
                && v->type == REDIS_REPLY_ARRAY)
                nfn[n] = (int)v->elements;
        }
        n++;
    }
    freeReplyObject(r);
    return n;
}

/* The index of our library (charon_fcgi_ + 16 hex digits, not the
 * test's decoy of zeros) in names, or -1. */
static int
find_ours(char names[][64], int n)
{
    int i;

    for (i = 0; i < n; i++)
        if (strncmp(names[i], "charon_fcgi_", 12) == 0
            && strlen(names[i]) == 28
            && strspn(names[i] + 12, "0123456789abcdef") == 16
            && strcmp(names[i] + 12, "0000000000000000") != 0)
            return i;
    return -1;
}

#define DECOY "charon_fcgi_0000000000000000"

static void
test_the_library_loads_under_a_hashed_name_beside_other_versions(void)
{
    char names[16][64];
    int nfn[16], n, ours;
    struct rinst ri;
    struct charon_err err;
    redisReply *r;

    /* Another version's library, as an older charon-fcgi would leave. */
    freeReplyObject(redis_admin("FUNCTION FLUSH"));
    r = redis_admin("FUNCTION LOAD %s", "#!lua name=" DECOY "\n"
                    "redis.register_function('" DECOY "_get', "
                    "function(keys, args) return 'decoy' end)");
    CU_ASSERT(r != NULL && r->type == REDIS_REPLY_STRING);
    if (r != NULL)
        freeReplyObject(r);
    store_contract_set_now(T0);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, rinst_open(&ri, INI_RS, &err));
    CU_ASSERT_EQUAL(CHARON_OK, r_put(&ri, "u-lib", "full", "s1", 0, "v", 60,
                                     &err));
    assert_blob(&ri, "u-lib", "full", "s1", "v");
    n = list_libraries(names, nfn, 16);
    CU_ASSERT_EQUAL(2, n);
    ours = find_ours(names, n);
    CU_ASSERT_FATAL(ours >= 0);
    printf("\n  library %s, %d functions\n", names[ours], nfn[ours]);
    CU_ASSERT_EQUAL(5, nfn[ours]);
    /* The other version is untouched and still answers. */
    r = redis_admin("FCALL " DECOY "_get 0");
    CU_ASSERT(r != NULL && r->type == REDIS_REPLY_STRING
              && strcmp(r->str, "decoy") == 0);
    if (r != NULL)
        freeReplyObject(r);
    /* Loading it again from another instance is fine ("already exists"). */
    rinst_close(&ri);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, rinst_open(&ri, INI_RS, &err));
    assert_blob(&ri, "u-lib", "full", "s1", "v");
    CU_ASSERT_EQUAL(2, list_libraries(names, nfn, 16));
    rinst_close(&ri);
}

static void
test_the_library_is_loaded_again_after_function_flush(void)
{
    char names[16][64];
    int nfn[16];
    struct rinst ri;
    struct charon_err err;
    long long loads;
    redisReply *r;

    store_contract_set_now(T0);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, rinst_open(&ri, INI_RS, &err));
    CU_ASSERT_EQUAL(CHARON_OK, r_put(&ri, "u-flush", "full", "s1", 0, "kept",
                                     60, &err));
    freeReplyObject(redis_admin("FUNCTION FLUSH"));
    CU_ASSERT_EQUAL(0, list_libraries(names, nfn, 16));
    freeReplyObject(redis_admin("CONFIG RESETSTAT"));
    /* The same connection: FCALL says "Function not found", the plugin
     * loads the library and calls again. */
    assert_blob(&ri, "u-flush", "full", "s1", "kept");
    CU_ASSERT(find_ours(names, list_libraries(names, nfn, 16)) >= 0);
    r = redis_admin("INFO commandstats");
    CU_ASSERT_FATAL(r != NULL && r->type == REDIS_REPLY_STRING);
    loads = strstr(r->str, "cmdstat_function|load:calls=1,") != NULL;
    CU_ASSERT_EQUAL(1, loads);
    CU_ASSERT_PTR_NOT_NULL(strstr(r->str, "cmdstat_fcall_ro:calls=2,"));
    freeReplyObject(r);
    CU_ASSERT_PTR_NOT_NULL(strstr(store_contract_log(), "loaded it again"));
    CU_ASSERT_EQUAL(CHARON_OK, r_put(&ri, "u-flush", "full", "s1", 1, "k2",
                                     60, &err));
    rinst_close(&ri);
}

/* Runs put/get/get_all/delete/delete_all on ri; all must work. */
static void
exercise(struct rinst *ri, const char *user)
{
    struct charon_err err;

    store_contract_set_now(T0);
    CU_ASSERT_EQUAL(CHARON_OK, r_put(ri, user, "full", "s1", 0, "a", 60,
                                     &err));
    CU_ASSERT_EQUAL(CHARON_OK, r_put(ri, user, "full", "s1", 1, "a2", 60,
                                     &err));
    CU_ASSERT_EQUAL(CHARON_ECONFLICT, r_put(ri, user, "full", "s1", 1, "a3",
                                            60, &err));
    CU_ASSERT_EQUAL(CHARON_OK, r_put(ri, user, "full", "s2", 0, "b", 60,
                                     &err));
    CU_ASSERT_EQUAL(CHARON_OK, r_put(ri, user, "full", "s3", 0, "c", 60,
                                     &err));
    assert_blob(ri, user, "full", "s1", "a2");
    CU_ASSERT_EQUAL(3, r_count(ri, user, "full"));
    CU_ASSERT_EQUAL(CHARON_OK, r_del_one(ri, user, "full", "s3"));
    CU_ASSERT_EQUAL(2, r_count(ri, user, "full"));
    CU_ASSERT_EQUAL(CHARON_OK, r_del_all(ri, user, "full", "s2"));
    CU_ASSERT_EQUAL(1, r_count(ri, user, "full"));
    assert_blob(ri, user, "full", "s2", "b");
}

static void
test_evalsha_runs_the_same_code_where_function_is_forbidden(void)
{
    char path[4096], ini[8192];
    struct rinst ri;
    struct charon_err err;
    redisReply *r;

    r = redis_admin("ACL SETUSER nofn reset on >nofn-pass-5150 ~* &* +@all "
                    "-function -fcall -fcall_ro");
    CU_ASSERT(r != NULL && r->type == REDIS_REPLY_STATUS);
    if (r != NULL)
        freeReplyObject(r);
    write_file("pw-nofn", "nofn-pass-5150\n", 0600, path, sizeof(path));
    snprintf(ini, sizeof(ini), "%susername = nofn\npassword_file = %s\n",
             INI_RS, path);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, rinst_open(&ri, ini, &err));
    exercise(&ri, "u-script");
    CU_ASSERT_PTR_NOT_NULL(strstr(store_contract_log(), "using EVALSHA"));
    /* Redis forgets the script: NOSCRIPT, then EVAL. */
    freeReplyObject(redis_admin("SCRIPT FLUSH"));
    assert_blob(&ri, "u-script", "full", "s2", "b");
    CU_ASSERT_PTR_NOT_NULL(strstr(store_contract_log(), "lost the script"));
    exercise(&ri, "u-script2");
    rinst_close(&ri);
}

/* ---- AUTH ------------------------------------------------------------------ */

static void
test_auth_as_an_acl_user_works_and_a_wrong_password_is_a_clear_eunavail(void)
{
    char path[4096], ini[8192];
    struct charon_buf b = CHARON_BUF_INIT;
    struct rinst ri;
    struct charon_err err;
    uint64_t lock = 0;
    redisReply *r;

    r = redis_admin("ACL SETUSER app reset on >app-pass-8086 ~* &* +@all");
    CU_ASSERT(r != NULL && r->type == REDIS_REPLY_STATUS);
    if (r != NULL)
        freeReplyObject(r);
    write_file("pw-app", "app-pass-8086\n", 0600, path, sizeof(path));
    snprintf(ini, sizeof(ini), "%susername = app\npassword_file = %s\n",
             INI_RS, path);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, rinst_open(&ri, ini, &err));
    exercise(&ri, "u-auth");
    rinst_close(&ri);

    write_file("pw-wrong", "wrong-pass-4711\n", 0600, path, sizeof(path));
    snprintf(ini, sizeof(ini), "%susername = app\npassword_file = %s\n",
             INI_RS, path);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, rinst_open(&ri, ini, &err));
    CU_ASSERT_EQUAL(CHARON_EUNAVAIL, r_get(&ri, "u-auth", "full", "s2", &b,
                                           &lock, &err));
    CU_ASSERT_EQUAL(CHARON_EUNAVAIL, err.code);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "AUTH as user \"app\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "WRONGPASS"));
    CU_ASSERT_PTR_NULL(strstr(err.msg, "wrong-pass"));
    CU_ASSERT_PTR_NULL(strstr(err.msg, "app-pass"));
    printf("\n  wrong password: %s\n", err.msg);
    charon_err_clear(&err);
    CU_ASSERT_EQUAL(CHARON_EUNAVAIL, SP->health(ri.inst, ri.ts, &err));
    CU_ASSERT_PTR_NULL(strstr(store_contract_log(), "wrong-pass"));
    CU_ASSERT_PTR_NULL(strstr(store_contract_log(), "app-pass"));
    CU_ASSERT_PTR_NULL(strstr(store_contract_log(), "nofn-pass"));
    charon_buf_free(&b);
    rinst_close(&ri);
}

/* ---- one round trip per operation ---------------------------------------- */

/* Commands the server saw from clients while op ran on ri. */
struct op_count {
    const char *what;
    const char *want;            /* the one command it must be */
};

static void
test_every_operation_is_one_command_on_the_server(void)
{
    static const struct op_count ops[] = {
        { "get", "FCALL_RO" }, { "get_all", "FCALL_RO" },
        { "upsert (insert)", "FCALL" }, { "upsert (update)", "FCALL" },
        { "upsert (conflict)", "FCALL" }, { "delete_one", "FCALL" },
        { "delete_all", "FCALL" }, { "delete_all(except)", "FCALL" },
        { "health", "PING" }
    };
    struct charon_buf b = CHARON_BUF_INIT;
    struct redis_monitor m;
    struct rinst ri;
    struct charon_err err;
    uint64_t lock = 0;
    char names[256];
    size_t i;
    int n;

    store_contract_set_now(T0);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, rinst_open(&ri, INI_RS, &err));
    CU_ASSERT_EQUAL(CHARON_OK, SP->health(ri.inst, ri.ts, &err)); /* connect */
    CU_ASSERT_EQUAL(CHARON_OK, r_put(&ri, "u-rt", "full", "s0", 0, "x", 60,
                                     &err));
    for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        CU_ASSERT_EQUAL_FATAL(0, redis_monitor_start(&m));
        switch (i) {
        case 0:
            CU_ASSERT_EQUAL(CHARON_OK, r_get(&ri, "u-rt", "full", "s0", &b,
                                             &lock, &err));
            break;
        case 1:
            CU_ASSERT_EQUAL(1, r_count(&ri, "u-rt", "full"));
            break;
        case 2:
            CU_ASSERT_EQUAL(CHARON_OK, r_put(&ri, "u-rt", "full", "s1", 0,
                                             "y", 60, &err));
            break;
        case 3:
            CU_ASSERT_EQUAL(CHARON_OK, r_put(&ri, "u-rt", "full", "s1", 1,
                                             "y2", 60, &err));
            break;
        case 4:
            CU_ASSERT_EQUAL(CHARON_ECONFLICT, r_put(&ri, "u-rt", "full", "s1",
                                                    1, "y3", 60, &err));
            break;
        case 5:
            CU_ASSERT_EQUAL(CHARON_OK, r_del_one(&ri, "u-rt", "full", "s1"));
            break;
        case 6:
            CU_ASSERT_EQUAL(CHARON_OK, r_del_all(&ri, "u-rt", "other", NULL));
            break;
        case 7:
            CU_ASSERT_EQUAL(CHARON_OK, r_del_all(&ri, "u-rt", "full", "s0"));
            break;
        default:
            CU_ASSERT_EQUAL(CHARON_OK, SP->health(ri.inst, ri.ts, &err));
            break;
        }
        n = redis_monitor_stop(&m, names, sizeof(names));
        printf("\n  %-20s %d command(s) on the server: %s", ops[i].what, n,
               names);
        CU_ASSERT_EQUAL(1, n);
        CU_ASSERT_STRING_EQUAL(ops[i].want, names);
    }
    printf("\n");
    charon_buf_free(&b);
    rinst_close(&ri);
}

/* ---- Redis away ------------------------------------------------------------ */

/* Calls get for about 1.6 s (a call every 2 ms) while Redis is away;
 * all must be EUNAVAIL.  Returns how many tried to connect (their message
 * lacks "next connect attempt in"); *calls gets how many ran, *slowest
 * the longest call in s.  Without backoff every call would try. */
static int
gets_while_away(struct rinst *ri, int *calls, double *slowest)
{
    struct charon_buf b = CHARON_BUF_INIT;
    struct charon_err err;
    uint64_t lock;
    double t, start = now_s();
    int tries = 0;

    *slowest = 0;
    *calls = 0;
    while (now_s() - start < 1.6) {
        t = now_s();
        CU_ASSERT_EQUAL(CHARON_EUNAVAIL, r_get(ri, "u-away", "full", "s1",
                                               &b, &lock, &err));
        t = now_s() - t;
        if (t > *slowest)
            *slowest = t;
        if (strstr(err.msg, "next connect attempt in") == NULL)
            tries++;
        (*calls)++;
        sleep_ms(2);
    }
    charon_buf_free(&b);
    return tries;
}

/* Waits (up to 10 s) until get stops being EUNAVAIL; its last code. */
static int
wait_back(struct rinst *ri)
{
    struct charon_buf b = CHARON_BUF_INIT;
    struct charon_err err;
    uint64_t lock;
    int i, rc = CHARON_EUNAVAIL;

    for (i = 0; i < 1000 && rc == CHARON_EUNAVAIL; i++) {
        rc = r_get(ri, "u-away", "full", "s1", &b, &lock, &err);
        if (rc == CHARON_EUNAVAIL)
            sleep_ms(10);
    }
    charon_buf_free(&b);
    return rc;
}

static void
test_a_killed_redis_is_a_quick_eunavail_and_the_instance_recovers(void)
{
    struct charon_buf b = CHARON_BUF_INIT;
    struct rinst ri;
    struct charon_err err;
    uint64_t lock = 0;
    double slowest, t;
    int tries, calls;

    store_contract_set_now(T0);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, rinst_open(&ri, INI_RS, &err));
    CU_ASSERT_EQUAL(CHARON_OK, r_put(&ri, "u-away", "full", "s1", 0, "v", 60,
                                     &err));
    redis_server_kill();
    t = now_s();
    CU_ASSERT_EQUAL(CHARON_EUNAVAIL, r_get(&ri, "u-away", "full", "s1", &b,
                                           &lock, &err));
    t = now_s() - t;
    printf("\n  killed: first get EUNAVAIL in %.1f ms: %s", t * 1e3, err.msg);
    CU_ASSERT(t < 2.0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "unavailable"));
    CU_ASSERT_EQUAL(CHARON_EUNAVAIL, SP->health(ri.inst, ri.ts, &err));
    tries = gets_while_away(&ri, &calls, &slowest);
    printf("\n  killed: %d gets in 1.6 s tried to connect %d time(s), "
           "slowest %.1f ms\n", calls, tries, slowest * 1e3);
    /* 50, 100, 200, 400, 800 ms: about 5 windows in 1.6 s. */
    CU_ASSERT(tries >= 2 && tries <= 10);
    CU_ASSERT(slowest < 2.0);
    CU_ASSERT_EQUAL_FATAL(0, redis_server_start());
    /* The same instance and thread state: no restart needed.  The data
     * went with the process (no persistence). */
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, wait_back(&ri));
    CU_ASSERT_EQUAL(CHARON_OK, r_put(&ri, "u-away", "full", "s1", 0, "v2", 60,
                                     &err));
    assert_blob(&ri, "u-away", "full", "s1", "v2");
    CU_ASSERT_EQUAL(CHARON_OK, SP->health(ri.inst, ri.ts, &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(store_contract_log(), "is back"));
    charon_buf_free(&b);
    rinst_close(&ri);
}

static void
test_a_hung_redis_times_out_with_backoff_and_the_instance_recovers(void)
{
    struct charon_buf b = CHARON_BUF_INIT;
    struct rinst ri;
    struct charon_err err;
    uint64_t lock = 0;
    double slowest, t;
    int tries, calls;

    store_contract_set_now(T0);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, rinst_open(&ri, INI_RS, &err));
    CU_ASSERT_EQUAL(CHARON_OK, r_del_all(&ri, "u-away", "full", NULL));
    CU_ASSERT_EQUAL(CHARON_OK, r_put(&ri, "u-away", "full", "s1", 0, "h", 60,
                                     &err));
    CU_ASSERT_EQUAL_FATAL(0, redis_server_signal(SIGSTOP));
    t = now_s();
    CU_ASSERT_EQUAL(CHARON_EUNAVAIL, r_get(&ri, "u-away", "full", "s1", &b,
                                           &lock, &err));
    t = now_s() - t;
    printf("\n  hung: first get EUNAVAIL in %.1f ms: %s", t * 1e3, err.msg);
    CU_ASSERT(t < 2.0);
    tries = gets_while_away(&ri, &calls, &slowest);
    printf("\n  hung: %d gets in 1.6 s tried to connect %d time(s), "
           "slowest %.1f ms\n", calls, tries, slowest * 1e3);
    CU_ASSERT(tries >= 1 && tries <= 10);
    CU_ASSERT(slowest < 2.0);
    CU_ASSERT_EQUAL_FATAL(0, redis_server_signal(SIGCONT));
    CU_ASSERT_EQUAL(CHARON_OK, wait_back(&ri));
    assert_blob(&ri, "u-away", "full", "s1", "h");
    charon_buf_free(&b);
    rinst_close(&ri);
}

static void
test_a_connection_the_server_closed_is_replaced_before_the_next_command(void)
{
    struct rinst ri;
    struct charon_err err;
    redisReply *r;
    int i;

    store_contract_set_now(T0);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, rinst_open(&ri, INI_RS, &err));
    CU_ASSERT_EQUAL(CHARON_OK, r_put(&ri, "u-killed", "full", "s1", 0, "k",
                                     60, &err));
    for (i = 0; i < 3; i++) {
        r = redis_admin("CLIENT KILL TYPE normal SKIPME yes");
        CU_ASSERT(r != NULL && r->type == REDIS_REPLY_INTEGER
                  && r->integer >= 1);
        if (r != NULL)
            freeReplyObject(r);
        /* The very next call works: no EUNAVAIL, no SIGPIPE. */
        assert_blob(&ri, "u-killed", "full", "s1", "k");
    }
    rinst_close(&ri);
}

/* A primary turned replica (a failover, host still naming it): writes
 * are EUNAVAIL with Redis' READONLY and drop the connection; reads go on
 * after reconnecting; writes work again once it is a primary. */
static void
test_a_read_only_replica_serves_reads_and_writes_are_eunavail(void)
{
    struct rinst ri;
    struct charon_err err;
    redisReply *r;
    int rc, i;

    store_contract_set_now(T0);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, rinst_open(&ri, INI_RS, &err));
    CU_ASSERT_EQUAL(CHARON_OK, r_put(&ri, "u-ro", "full", "s1", 0, "ro", 60,
                                     &err));
    /* A primary that is never there: the data stays, writes are refused. */
    r = redis_admin("REPLICAOF 127.0.0.1 1");
    CU_ASSERT(r != NULL && r->type == REDIS_REPLY_STATUS);
    if (r != NULL)
        freeReplyObject(r);
    CU_ASSERT_EQUAL(CHARON_EUNAVAIL, r_put(&ri, "u-ro", "full", "s1", 1,
                                           "ro2", 60, &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "READONLY"));
    printf("\n  replica: %s\n", err.msg);
    sleep_ms(60);                       /* past the first backoff */
    assert_blob(&ri, "u-ro", "full", "s1", "ro");
    CU_ASSERT_EQUAL(1, r_count(&ri, "u-ro", "full"));
    r = redis_admin("REPLICAOF NO ONE");
    CU_ASSERT(r != NULL && r->type == REDIS_REPLY_STATUS);
    if (r != NULL)
        freeReplyObject(r);
    for (i = 0, rc = CHARON_EUNAVAIL; i < 100 && rc == CHARON_EUNAVAIL; i++) {
        rc = r_put(&ri, "u-ro", "full", "s1", 1, "ro2", 60, &err);
        if (rc == CHARON_EUNAVAIL)
            sleep_ms(20);
    }
    CU_ASSERT_EQUAL(CHARON_OK, rc);
    assert_blob(&ri, "u-ro", "full", "s1", "ro2");
    rinst_close(&ri);
}

/* Redis hangs up on a bulk longer than proto-max-bulk-len as soon as it
 * reads its header, while the plugin is still writing the rest: EPIPE.
 * The process keeps its default SIGPIPE action, so a SIGPIPE the plugin
 * let through would kill this test. */
static void
test_a_server_hanging_up_mid_command_is_eunavail_without_sigpipe(void)
{
    struct charon_store_key k = store_contract_key("u-pipe", "full", "s1");
    struct sigaction sa;
    struct rinst ri;
    struct charon_err err;
    sigset_t pending;
    size_t len = 4u << 20;
    char *blob = malloc(len);
    redisReply *r;

    CU_ASSERT_FATAL(blob != NULL);
    memset(blob, 'p', len);
    CU_ASSERT_EQUAL_FATAL(0, sigaction(SIGPIPE, NULL, &sa));
    CU_ASSERT_FATAL(sa.sa_handler == SIG_DFL);
    store_contract_set_now(T0);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, rinst_open(&ri, INI_RS, &err));
    CU_ASSERT_EQUAL(CHARON_OK, SP->health(ri.inst, ri.ts, &err));
    r = redis_admin("CONFIG SET proto-max-bulk-len 1048576");
    CU_ASSERT(r != NULL && r->type == REDIS_REPLY_STATUS);
    if (r != NULL)
        freeReplyObject(r);
    charon_err_clear(&err);
    CU_ASSERT_EQUAL(CHARON_EUNAVAIL, SP->upsert(ri.inst, ri.ts, &k, 0, blob,
                                                len, T0 + 60, &err));
    printf("\n  hang-up: %s\n", err.msg);
    CU_ASSERT_EQUAL(0, sigpending(&pending));
    CU_ASSERT_EQUAL(0, sigismember(&pending, SIGPIPE));
    r = redis_admin("CONFIG SET proto-max-bulk-len 536870912");
    CU_ASSERT(r != NULL && r->type == REDIS_REPLY_STATUS);
    if (r != NULL)
        freeReplyObject(r);
    /* Back after the backoff; nothing was written. */
    sleep_ms(60);
    CU_ASSERT_EQUAL(0, r_count(&ri, "u-pipe", "full"));
    CU_ASSERT_EQUAL(CHARON_OK, r_put(&ri, "u-pipe", "full", "s1", 0, "small",
                                     60, &err));
    free(blob);
    rinst_close(&ri);
}

/* ---- threads ----------------------------------------------------------------- */

#define RACE_THREADS 8
#define RACE_ROUNDS 100
#define RACE_MAX (RACE_THREADS * RACE_ROUNDS + 2)

struct race {
    void *inst;
    unsigned wins[RACE_MAX];
    unsigned successes, errors;
};

static void *
race_thread(void *arg)
{
    struct race *rc = arg;
    struct rinst ri;
    struct charon_buf b = CHARON_BUF_INIT;
    struct charon_err err;
    uint64_t lock;
    char blob[32];
    int i, r;

    memset(&ri, 0, sizeof(ri));
    ri.inst = rc->inst;
    if (SP->hdr.thread_init(ri.inst, &ri.ts, &err) != CHARON_OK) {
        __atomic_add_fetch(&rc->errors, 1, __ATOMIC_SEQ_CST);
        return NULL;
    }
    for (i = 0; i < RACE_ROUNDS; i++) {
        lock = 0;
        if (r_get(&ri, "u-race", "full", "s1", &b, &lock, &err)
            != CHARON_OK) {
            __atomic_add_fetch(&rc->errors, 1, __ATOMIC_SEQ_CST);
            continue;
        }
        snprintf(blob, sizeof(blob), "v%llu", (unsigned long long)lock + 1);
        r = r_put(&ri, "u-race", "full", "s1", lock, blob, 600, &err);
        if (r == CHARON_OK) {
            __atomic_add_fetch(&rc->successes, 1, __ATOMIC_SEQ_CST);
            if (lock < RACE_MAX)
                __atomic_add_fetch(&rc->wins[lock], 1, __ATOMIC_SEQ_CST);
        } else if (r != CHARON_ECONFLICT) {
            __atomic_add_fetch(&rc->errors, 1, __ATOMIC_SEQ_CST);
        }
    }
    charon_buf_free(&b);
    SP->hdr.thread_fini(ri.inst, ri.ts);
    return NULL;
}

static void
test_threads_racing_upserts_never_both_win_on_one_lock_version(void)
{
    static struct race rc;
    pthread_t t[RACE_THREADS];
    struct charon_buf b = CHARON_BUF_INIT;
    struct rinst ri;
    struct charon_err err;
    uint64_t lock = 0, i;
    int n, twice = 0;

    memset(&rc, 0, sizeof(rc));
    store_contract_set_now(T0);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, rinst_open(&ri, INI_RS, &err));
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, r_put(&ri, "u-race", "full", "s1", 0,
                                           "v1", 600, &err));
    rc.inst = ri.inst;
    rc.successes = 1;
    rc.wins[0] = 1;
    for (n = 0; n < RACE_THREADS; n++)
        CU_ASSERT_EQUAL_FATAL(0, pthread_create(&t[n], NULL, race_thread,
                                                &rc));
    for (n = 0; n < RACE_THREADS; n++)
        pthread_join(t[n], NULL);
    CU_ASSERT_EQUAL(0u, rc.errors);
    CU_ASSERT_EQUAL(CHARON_OK, r_get(&ri, "u-race", "full", "s1", &b, &lock,
                                     &err));
    CU_ASSERT_EQUAL((uint64_t)rc.successes, lock);
    CU_ASSERT(rc.successes > (unsigned)RACE_ROUNDS / 2);
    for (i = 0; i < RACE_MAX; i++)
        if (rc.wins[i] != (i < lock ? 1u : 0u))
            twice++;
    CU_ASSERT_EQUAL(0, twice);
    charon_buf_free(&b);
    rinst_close(&ri);
}

/* ---- suites ------------------------------------------------------------------ */

static int
open_redis_suite(void)
{
    if (redis_server_start() != 0)
        return -1;
    return store_contract_open(SO, "[store_redis]\n" SOCK_INI
                               "key_prefix = rs_main_\n");
}

/* The last suite: the server goes with it (before cu_main removes the
 * scratch directory). */
static int
close_redis_suite(void)
{
    store_contract_close();
    redis_server_stop();
    return 0;
}

static const CU_TestInfo store_redis_tests[] = {
    { "store_redis declares persist and list and keeps a thread state",
      test_store_redis_declares_persist_and_list_and_a_thread_state },
    { "bad configs are refused with a clear message",
      test_bad_configs_are_refused_with_a_clear_message },
    { "the keys of a (user_id, type) share one non-empty hash tag",
      test_the_keys_of_a_user_and_type_share_one_hash_tag },
    { "user ids with braces, dots and percent never collide",
      test_user_ids_with_braces_dots_and_percent_never_collide },
    { "instances with different key_prefix do not see each other",
      test_instances_with_different_key_prefixes_do_not_see_each_other },
    { "a write prunes expired sessions and the key TTL follows the latest "
      "expiry",
      test_a_write_prunes_expired_sessions_and_the_ttl_follows_the_latest },
    { "a delete lowers the key TTL and the last one removes the keys",
      test_a_delete_lowers_the_ttl_and_the_last_one_removes_the_keys },
    { "database is SELECTed", test_database_is_selected },
    { "the library loads under a hashed name beside other versions",
      test_the_library_loads_under_a_hashed_name_beside_other_versions },
    { "the library is loaded again after FUNCTION FLUSH",
      test_the_library_is_loaded_again_after_function_flush },
    { "EVALSHA runs the same code where FUNCTION is forbidden",
      test_evalsha_runs_the_same_code_where_function_is_forbidden },
    { "AUTH as an ACL user works; a wrong password is a clear EUNAVAIL "
      "without the password",
      test_auth_as_an_acl_user_works_and_a_wrong_password_is_a_clear_eunavail },
    { "every operation is one command on the server",
      test_every_operation_is_one_command_on_the_server },
    { "a connection the server closed is replaced before the next command",
      test_a_connection_the_server_closed_is_replaced_before_the_next_command },
    { "a read-only replica serves reads; writes are EUNAVAIL (READONLY)",
      test_a_read_only_replica_serves_reads_and_writes_are_eunavail },
    { "a server hanging up mid-command is EUNAVAIL and raises no SIGPIPE",
      test_a_server_hanging_up_mid_command_is_eunavail_without_sigpipe },
    { "8 threads racing upserts never both win on one lock_version",
      test_threads_racing_upserts_never_both_win_on_one_lock_version },
    { "a killed Redis is a quick EUNAVAIL and the same instance recovers",
      test_a_killed_redis_is_a_quick_eunavail_and_the_instance_recovers },
    { "a hung Redis times out, with backoff, and the instance recovers",
      test_a_hung_redis_times_out_with_backoff_and_the_instance_recovers },
    CU_TEST_INFO_NULL
};

int
main(void)
{
    static const struct cu_suite suites[] = {
        { "store_redis: store contract", open_contract,
          store_contract_close, store_contract_tests },
        { "store_redis", open_redis_suite, close_redis_suite,
          store_redis_tests },
        { NULL, NULL, NULL, NULL }
    };
    int rc;

    store_contract_set_raw_writer(redis_write_raw);
    rc = cu_main(suites);
    redis_server_stop();
    return rc;
}
