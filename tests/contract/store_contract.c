/*
 * store_contract.c - the session store contract: a fixture that loads a
 * store plugin the way charon-fcgi does, and the tests every store must
 * pass, each named as the rule it checks.  See store_contract.h.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "cu_main.h"
#include "plugin_loader.h"
#include "store_contract.h"
#include "store_contract_blobs.h"

#define T0 INT64_C(1700000000)     /* the fake clock at the start of a test */
#define TTL 3600                   /* a live session's remaining life       */

/* The fixture: file-scope statics, as CUnit inits take no argument. */
static struct plugin_handle fx_handle;
static const struct charon_store_plugin *fx_sp;
static struct config *fx_cfg;
static void *fx_conf;              /* the plugin's config, owned by fx_cfg */
static void *fx_inst;
static void *fx_ts;
static int64_t fx_now = T0;
static unsigned fx_derive;
static pthread_mutex_t fx_log_lock = PTHREAD_MUTEX_INITIALIZER;
static char fx_log[16384];
static size_t fx_log_len;
static store_contract_raw_writer_fn fx_write_raw;

static int64_t
fx_host_now(const struct charon_host *host)
{
    (void)host;
    return __atomic_load_n(&fx_now, __ATOMIC_SEQ_CST);
}

static void __attribute__((format(printf, 3, 4)))
fx_host_log(const struct charon_host *host, enum charon_log_level level,
            const char *fmt, ...)
{
    va_list ap;
    int n;

    (void)host;
    pthread_mutex_lock(&fx_log_lock);
    if (fx_log_len < sizeof(fx_log) - 1) {
        n = snprintf(fx_log + fx_log_len, sizeof(fx_log) - fx_log_len,
                     "<%d> ", (int)level);
        if (n > 0)
            fx_log_len += (size_t)n;
    }
    if (fx_log_len < sizeof(fx_log) - 1) {
        va_start(ap, fmt);
        n = vsnprintf(fx_log + fx_log_len, sizeof(fx_log) - fx_log_len,
                      fmt, ap);
        va_end(ap);
        if (n > 0)
            fx_log_len += (size_t)n;
    }
    if (fx_log_len < sizeof(fx_log) - 1)
        fx_log[fx_log_len++] = '\n';
    if (fx_log_len >= sizeof(fx_log))
        fx_log_len = sizeof(fx_log) - 1;
    fx_log[fx_log_len] = '\0';
    pthread_mutex_unlock(&fx_log_lock);
}

static int
fx_host_derive_key(const struct charon_host *host, const char *salt,
                   unsigned char *out, size_t outlen, struct charon_err *err)
{
    (void)host;
    (void)salt;
    (void)out;
    (void)outlen;
    __atomic_add_fetch(&fx_derive, 1, __ATOMIC_SEQ_CST);
    return charon_err_set(err, CHARON_EUNSUPP,
                          "the store contract host lends no keys");
}

static struct charon_host fx_host = {
    .abi_version = CHARON_ABI_VERSION,
    .core = NULL,
    .log = fx_host_log,
    .derive_key = fx_host_derive_key,
    .now = fx_host_now,
};

void
store_contract_set_now(int64_t now)
{
    __atomic_store_n(&fx_now, now, __ATOMIC_SEQ_CST);
}

int64_t
store_contract_now(void)
{
    return fx_host_now(&fx_host);
}

const char *
store_contract_log(void)
{
    return fx_log;
}

unsigned
store_contract_derive_calls(void)
{
    return __atomic_load_n(&fx_derive, __ATOMIC_SEQ_CST);
}

void
store_contract_set_raw_writer(store_contract_raw_writer_fn write_raw)
{
    fx_write_raw = write_raw;
}

store_contract_raw_writer_fn
store_contract_raw_writer(void)
{
    return fx_write_raw;
}

const struct charon_store_plugin *
store_contract_plugin(void)
{
    return fx_sp;
}

void *
store_contract_instance(void)
{
    return fx_inst;
}

void *
store_contract_ts(void)
{
    return fx_ts;
}

/* "[charon]..." + ini with @TESTDIR@ expanded; NULL on overflow. */
static char *
fx_ini_text(const char *ini)
{
    static const char head[] = "[charon]\ntoken_issuer = x\n"
                               "base_secret_env = X\n";
    const char *dir = cu_scratch_dir(), *p, *at;
    size_t cap = sizeof(head) + strlen(ini) * 2 + 4096, len;
    char *text = malloc(cap);

    if (text == NULL)
        return NULL;
    memcpy(text, head, sizeof(head));
    len = sizeof(head) - 1;
    for (p = ini; (at = strstr(p, "@TESTDIR@")) != NULL; p = at + 9) {
        if (len + (size_t)(at - p) + strlen(dir) + 1 > cap)
            goto fail;
        memcpy(text + len, p, (size_t)(at - p));
        len += (size_t)(at - p);
        memcpy(text + len, dir, strlen(dir));
        len += strlen(dir);
    }
    if (len + strlen(p) + 1 > cap)
        goto fail;
    memcpy(text + len, p, strlen(p) + 1);
    return text;
fail:
    free(text);
    return NULL;
}

/* Config (owned by *cfg, also returned in *confp) and instance from ini. */
static int
fx_instance_new(const char *ini, struct config **cfg, void **confp,
                void **instance, struct charon_err *err)
{
    struct config_errors errs = CONFIG_ERRORS_INIT;
    struct config *c = NULL;
    void *conf = NULL;
    char *text = fx_ini_text(ini);
    int rc;

    if (text == NULL)
        return charon_err_set(err, CHARON_ENOMEM, "test INI too long");
    rc = config_load_string("contract.ini", text, &c, &errs);
    if (rc == CHARON_OK)
        rc = config_apply_plugin(c, fx_sp->hdr.name, fx_sp->hdr.options,
                                 fx_sp->hdr.config_size, &conf, &errs);
    if (rc != CHARON_OK) {
        charon_err_set(err, rc, "config: %s",
                       errs.n > 0 ? errs.lines[0] : "failed");
        goto out;
    }
    rc = fx_sp->hdr.create(&fx_host, conf, instance, err);
    if (rc == CHARON_OK) {
        *cfg = c;
        *confp = conf;
        c = NULL;
    }
out:
    config_free(c);
    config_errors_free(&errs);
    free(text);
    return rc;
}

int
store_contract_instance_new(const char *ini, struct config **cfg,
                            void **instance, struct charon_err *err)
{
    void *conf;

    return fx_instance_new(ini, cfg, &conf, instance, err);
}

void
store_contract_instance_free(struct config *cfg, void *instance)
{
    fx_sp->hdr.destroy(instance);
    config_free(cfg);
}

int
store_contract_open(const char *plugin_rel_path, const char *ini)
{
    struct charon_err err;
    char path[4096];

    charon_err_clear(&err);
    snprintf(path, sizeof(path), "%s/%s", cu_builddir(), plugin_rel_path);
    /* Run by hand from tests/ (valgrind, gdb) without the harness's
     * CHARON_TEST_BUILDDIR: the top build dir is then "..". */
    if (access(path, F_OK) != 0 && getenv("CHARON_TEST_BUILDDIR") == NULL)
        snprintf(path, sizeof(path), "../%s", plugin_rel_path);
    memset(&fx_handle, 0, sizeof(fx_handle));
    if (plugin_loader_open(path, CHARON_PLUGIN_STORE, &fx_handle, &err)
        != CHARON_OK) {
        fprintf(stderr, "store contract: %s\n", err.msg);
        return -1;
    }
    fx_sp = (const struct charon_store_plugin *)fx_handle.hdr;
    store_contract_set_now(T0);
    if (fx_instance_new(ini, &fx_cfg, &fx_conf, &fx_inst, &err)
        != CHARON_OK) {
        fprintf(stderr, "store contract: create %s: %s\n",
                fx_sp->hdr.name, err.msg);
        goto fail;
    }
    if (fx_sp->hdr.thread_init != NULL &&
        fx_sp->hdr.thread_init(fx_inst, &fx_ts, &err) != CHARON_OK) {
        fprintf(stderr, "store contract: thread_init: %s\n", err.msg);
        goto fail;
    }
    return 0;
fail:
    store_contract_close();
    return -1;
}

int
store_contract_close(void)
{
    if (fx_sp != NULL) {
        if (fx_ts != NULL && fx_sp->hdr.thread_fini != NULL)
            fx_sp->hdr.thread_fini(fx_inst, fx_ts);
        if (fx_inst != NULL)
            fx_sp->hdr.destroy(fx_inst);
    }
    config_free(fx_cfg);
    fx_cfg = NULL;
    fx_conf = NULL;
    fx_inst = NULL;
    fx_ts = NULL;
    fx_sp = NULL;
    plugin_loader_close(&fx_handle);
    return 0;
}

int
store_contract_reopen(struct charon_err *err)
{
    void *inst = NULL;
    int rc;

    if (fx_ts != NULL && fx_sp->hdr.thread_fini != NULL)
        fx_sp->hdr.thread_fini(fx_inst, fx_ts);
    fx_ts = NULL;
    fx_sp->hdr.destroy(fx_inst);
    fx_inst = NULL;
    /* The same config struct, as on a restart with the same file. */
    rc = fx_sp->hdr.create(&fx_host, fx_conf, &inst, err);
    if (rc != CHARON_OK)
        return rc;
    fx_inst = inst;
    if (fx_sp->hdr.thread_init != NULL)
        rc = fx_sp->hdr.thread_init(fx_inst, &fx_ts, err);
    return rc;
}

struct charon_store_key
store_contract_key(const char *user, const char *type, const char *sid)
{
    struct charon_store_key k;

    k.user_id = user;
    k.type = type;
    k.session_id = sid;
    return k;
}

/* ------------------------------------------------------------------ */
/* Helpers for the tests.                                              */

#define SP store_contract_plugin()
#define PERSIST ((SP->caps & CHARON_STORE_CAP_PERSIST) != 0)
#define LIST ((SP->caps & CHARON_STORE_CAP_LIST) != 0)

/* Upserts blob (a string, NUL excluded) expiring ttl seconds from now. */
static int
put(const char *user, const char *type, const char *sid, uint64_t expect,
    const char *blob, int64_t ttl)
{
    struct charon_store_key k = store_contract_key(user, type, sid);
    struct charon_err err;

    charon_err_clear(&err);
    return SP->upsert(fx_inst, fx_ts, &k, expect, blob, strlen(blob),
                      store_contract_now() + ttl, &err);
}

/* Gets into out (reset first); *lock set on success. */
static int
get(const char *user, const char *type, const char *sid,
    struct charon_buf *out, uint64_t *lock)
{
    struct charon_store_key k = store_contract_key(user, type, sid);
    struct charon_err err;

    charon_err_clear(&err);
    charon_buf_reset(out);
    return SP->get(fx_inst, fx_ts, &k, out, lock, &err);
}

static int
del_one(const char *user, const char *type, const char *sid)
{
    struct charon_store_key k = store_contract_key(user, type, sid);
    struct charon_err err;

    charon_err_clear(&err);
    return SP->delete_one(fx_inst, fx_ts, &k, &err);
}

static int
del_all(const char *user, const char *type, const char *except)
{
    struct charon_store_key k = store_contract_key(user, type, NULL);
    struct charon_err err;

    charon_err_clear(&err);
    return SP->delete_all(fx_inst, fx_ts, &k, except, &err);
}

/* What get_all saw: blobs as strings, sorted by the caller if needed. */
struct seen {
    int n;
    int stop_at;                  /* return 7 when n reaches it; 0: never */
    char blob[16][64];
    uint64_t lock[16];
};

static int
seen_each(void *ctx, const void *blob, size_t len, uint64_t lock_version)
{
    struct seen *s = ctx;

    if (s->n < 16) {
        if (len > 63)
            len = 63;
        memcpy(s->blob[s->n], blob, len);
        s->blob[s->n][len] = '\0';
        s->lock[s->n] = lock_version;
    }
    s->n++;
    return s->stop_at != 0 && s->n == s->stop_at ? 7 : 0;
}

static int
list(const char *user, const char *type, struct seen *s)
{
    struct charon_store_key k = store_contract_key(user, type, NULL);
    struct charon_err err;

    charon_err_clear(&err);
    return SP->get_all(fx_inst, fx_ts, &k, seen_each, s, &err);
}

/* True if get_all saw blob. */
static int
seen_has(const struct seen *s, const char *blob)
{
    int i;

    for (i = 0; i < s->n && i < 16; i++)
        if (strcmp(s->blob[i], blob) == 0)
            return 1;
    return 0;
}

/* Expects get to find exactly blob with lock, or ENOTFOUND without
 * CAP_PERSIST. */
#define ASSERT_GET(user, type, sid, want_blob, want_lock) do {           \
    struct charon_buf b_ = CHARON_BUF_INIT;                              \
    uint64_t l_ = 0;                                                     \
    if (PERSIST) {                                                       \
        CU_ASSERT_EQUAL(CHARON_OK, get(user, type, sid, &b_, &l_));      \
        CU_ASSERT_EQUAL((uint64_t)(want_lock), l_);                      \
        CU_ASSERT_EQUAL(strlen(want_blob), b_.len);                      \
        CU_ASSERT(b_.data != NULL &&                                     \
                  strcmp((const char *)b_.data, want_blob) == 0);        \
    } else {                                                             \
        CU_ASSERT_EQUAL(CHARON_ENOTFOUND, get(user, type, sid, &b_, &l_)); \
    }                                                                    \
    charon_buf_free(&b_);                                                \
} while (0)

#define ASSERT_MISSING(user, type, sid) do {                             \
    struct charon_buf b_ = CHARON_BUF_INIT;                              \
    uint64_t l_ = 0;                                                     \
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, get(user, type, sid, &b_, &l_));   \
    CU_ASSERT_EQUAL(0u, b_.len);                                         \
    charon_buf_free(&b_);                                                \
} while (0)

/* ------------------------------------------------------------------ */
/* The contract.                                                       */

static void
test_upsert_then_get_returns_the_blob_and_lock_1(void)
{
    store_contract_set_now(T0);
    CU_ASSERT_EQUAL(CHARON_OK, put("u-rt", "full", "s1", 0, "blob-1", TTL));
    ASSERT_GET("u-rt", "full", "s1", "blob-1", 1);
}

static void
test_get_of_a_missing_session_is_enotfound(void)
{
    store_contract_set_now(T0);
    ASSERT_MISSING("u-none", "full", "nope");
}

static void
test_upsert_expect_0_on_a_live_session_is_econflict_and_changes_nothing(void)
{
    store_contract_set_now(T0);
    CU_ASSERT_EQUAL(CHARON_OK, put("u-c0", "full", "s1", 0, "first", TTL));
    /* Without CAP_PERSIST nothing is stored, so nothing can conflict. */
    CU_ASSERT_EQUAL(PERSIST ? CHARON_ECONFLICT : CHARON_OK,
                    put("u-c0", "full", "s1", 0, "second", TTL));
    ASSERT_GET("u-c0", "full", "s1", "first", 1);
}

static void
test_upsert_with_the_stored_lock_succeeds_and_increments_it(void)
{
    store_contract_set_now(T0);
    CU_ASSERT_EQUAL(CHARON_OK, put("u-inc", "full", "s1", 0, "v1", TTL));
    CU_ASSERT_EQUAL(CHARON_OK, put("u-inc", "full", "s1", 1, "v2", TTL));
    CU_ASSERT_EQUAL(CHARON_OK, put("u-inc", "full", "s1", 2, "v3", TTL));
    ASSERT_GET("u-inc", "full", "s1", "v3", 3);
}

static void
test_upsert_with_a_stale_lock_is_econflict_and_changes_nothing(void)
{
    store_contract_set_now(T0);
    CU_ASSERT_EQUAL(CHARON_OK, put("u-stale", "full", "s1", 0, "v1", TTL));
    CU_ASSERT_EQUAL(CHARON_OK, put("u-stale", "full", "s1", 1, "v2", TTL));
    if (PERSIST) {
        CU_ASSERT_EQUAL(CHARON_ECONFLICT,
                        put("u-stale", "full", "s1", 1, "old", TTL));
        CU_ASSERT_EQUAL(CHARON_ECONFLICT,
                        put("u-stale", "full", "s1", 5, "ahead", TTL));
    }
    ASSERT_GET("u-stale", "full", "s1", "v2", 2);
}

static void
test_a_session_is_live_through_its_expiry_second(void)
{
    store_contract_set_now(T0);
    CU_ASSERT_EQUAL(CHARON_OK, put("u-edge", "full", "s1", 0, "edge", 10));
    store_contract_set_now(T0 + 10);
    ASSERT_GET("u-edge", "full", "s1", "edge", 1);
    store_contract_set_now(T0 + 11);
    ASSERT_MISSING("u-edge", "full", "s1");
    store_contract_set_now(T0);
}

static void
test_an_expired_session_is_not_returned_and_may_be_reinserted(void)
{
    struct seen s;

    store_contract_set_now(T0);
    CU_ASSERT_EQUAL(CHARON_OK, put("u-exp", "full", "s1", 0, "v1", 10));
    CU_ASSERT_EQUAL(CHARON_OK, put("u-exp", "full", "s1", 1, "v2", 10));
    store_contract_set_now(T0 + 100);
    ASSERT_MISSING("u-exp", "full", "s1");
    if (LIST) {
        memset(&s, 0, sizeof(s));
        CU_ASSERT_EQUAL(CHARON_OK, list("u-exp", "full", &s));
        CU_ASSERT_EQUAL(0, s.n);
    }
    /* Expired counts as absent: insert with expect 0 gives lock 1. */
    CU_ASSERT_EQUAL(CHARON_OK, put("u-exp", "full", "s1", 0, "again", TTL));
    ASSERT_GET("u-exp", "full", "s1", "again", 1);
    store_contract_set_now(T0);
}

/* A refresh that loaded the session at lock_version N must not bring it
 * back once a logout deleted it or it expired: expect > 0 on a session
 * that is not live is a conflict, and nothing is written. */
static void
test_an_update_of_a_deleted_or_expired_session_is_a_conflict(void)
{
    const struct charon_store_plugin *sp = store_contract_plugin();
    struct charon_store_key k;
    struct charon_err err;

    if (!PERSIST)
        return;
    store_contract_set_now(T0);
    CU_ASSERT_EQUAL(CHARON_OK, put("u-gone", "full", "s1", 0, "v1", TTL));
    k.user_id = "u-gone";
    k.type = "full";
    k.session_id = "s1";
    charon_err_clear(&err);
    CU_ASSERT_EQUAL(CHARON_OK, sp->delete_one(store_contract_instance(),
                                              store_contract_ts(), &k, &err));
    CU_ASSERT_EQUAL(CHARON_ECONFLICT, put("u-gone", "full", "s1", 1, "back",
                                          TTL));
    ASSERT_MISSING("u-gone", "full", "s1");
    CU_ASSERT_EQUAL(CHARON_ECONFLICT, put("u-never", "full", "s1", 3, "new",
                                          TTL));
    ASSERT_MISSING("u-never", "full", "s1");
    CU_ASSERT_EQUAL(CHARON_OK, put("u-gone", "full", "s2", 0, "v1", 10));
    store_contract_set_now(T0 + 100);
    CU_ASSERT_EQUAL(CHARON_ECONFLICT, put("u-gone", "full", "s2", 1, "late",
                                          TTL));
    ASSERT_MISSING("u-gone", "full", "s2");
    store_contract_set_now(T0);
}

static void
test_an_already_expired_upsert_is_never_returned(void)
{
    store_contract_set_now(T0);
    CU_ASSERT_EQUAL(CHARON_OK, put("u-dead", "full", "s1", 0, "dead", -1));
    ASSERT_MISSING("u-dead", "full", "s1");
}

static void
test_get_tells_apart_keys_whose_parts_concatenate_alike(void)
{
    store_contract_set_now(T0);
    CU_ASSERT_EQUAL(CHARON_OK, put("ab", "x", "c", 0, "ab/c", TTL));
    CU_ASSERT_EQUAL(CHARON_OK, put("a", "x", "bc", 0, "a/bc", TTL));
    CU_ASSERT_EQUAL(CHARON_OK, put("b", "xa", "c", 0, "xa/b/c", TTL));
    ASSERT_GET("ab", "x", "c", "ab/c", 1);
    ASSERT_GET("a", "x", "bc", "a/bc", 1);
    ASSERT_GET("b", "xa", "c", "xa/b/c", 1);
    ASSERT_MISSING("a", "x", "c");
    ASSERT_MISSING("ab", "x", "bc");
}

static void
test_get_all_returns_exactly_the_live_sessions_of_user_and_type(void)
{
    struct seen s;

    store_contract_set_now(T0);
    CU_ASSERT_EQUAL(CHARON_OK, put("a", "full", "s1", 0, "a-1", TTL));
    CU_ASSERT_EQUAL(CHARON_OK, put("a", "full", "s2", 0, "a-2", TTL));
    CU_ASSERT_EQUAL(CHARON_OK, put("a", "full", "s2", 1, "a-2b", TTL));
    CU_ASSERT_EQUAL(CHARON_OK, put("a", "full", "old", 0, "a-old", 5));
    CU_ASSERT_EQUAL(CHARON_OK, put("a", "other", "s3", 0, "a-other", TTL));
    CU_ASSERT_EQUAL(CHARON_OK, put("ab", "full", "s4", 0, "ab-1", TTL));
    CU_ASSERT_EQUAL(CHARON_OK, put("", "full", "s5", 0, "empty-user", TTL));
    store_contract_set_now(T0 + 10);
    memset(&s, 0, sizeof(s));
    if (!LIST) {
        CU_ASSERT_EQUAL(CHARON_EUNSUPP, list("a", "full", &s));
        CU_ASSERT_EQUAL(0, s.n);
        store_contract_set_now(T0);
        return;
    }
    CU_ASSERT_EQUAL(CHARON_OK, list("a", "full", &s));
    CU_ASSERT_EQUAL(2, s.n);
    CU_ASSERT(seen_has(&s, "a-1"));
    CU_ASSERT(seen_has(&s, "a-2b"));
    CU_ASSERT(s.lock[0] + s.lock[1] == 3);        /* 1 and 2 */
    memset(&s, 0, sizeof(s));
    CU_ASSERT_EQUAL(CHARON_OK, list("ab", "full", &s));
    CU_ASSERT_EQUAL(1, s.n);
    CU_ASSERT(seen_has(&s, "ab-1"));
    memset(&s, 0, sizeof(s));
    CU_ASSERT_EQUAL(CHARON_OK, list("a", "other", &s));
    CU_ASSERT_EQUAL(1, s.n);
    CU_ASSERT(seen_has(&s, "a-other"));
    store_contract_set_now(T0);
}

static void
test_get_all_of_a_user_without_sessions_calls_nothing(void)
{
    struct seen s;

    store_contract_set_now(T0);
    memset(&s, 0, sizeof(s));
    CU_ASSERT_EQUAL(LIST ? CHARON_OK : CHARON_EUNSUPP,
                    list("u-nobody", "full", &s));
    CU_ASSERT_EQUAL(0, s.n);
}

static void
test_get_all_stops_and_returns_the_callbacks_nonzero_value(void)
{
    struct seen s;

    store_contract_set_now(T0);
    CU_ASSERT_EQUAL(CHARON_OK, put("u-stop", "full", "s1", 0, "1", TTL));
    CU_ASSERT_EQUAL(CHARON_OK, put("u-stop", "full", "s2", 0, "2", TTL));
    CU_ASSERT_EQUAL(CHARON_OK, put("u-stop", "full", "s3", 0, "3", TTL));
    memset(&s, 0, sizeof(s));
    s.stop_at = 2;
    CU_ASSERT_EQUAL(LIST ? 7 : CHARON_EUNSUPP, list("u-stop", "full", &s));
    CU_ASSERT_EQUAL(LIST ? 2 : 0, s.n);
}

static void
test_get_after_delete_one_is_enotfound(void)
{
    store_contract_set_now(T0);
    CU_ASSERT_EQUAL(CHARON_OK, put("u-del", "full", "s1", 0, "gone", TTL));
    CU_ASSERT_EQUAL(CHARON_OK, put("u-del", "full", "s2", 0, "kept", TTL));
    CU_ASSERT_EQUAL(CHARON_OK, del_one("u-del", "full", "s1"));
    ASSERT_MISSING("u-del", "full", "s1");
    ASSERT_GET("u-del", "full", "s2", "kept", 1);
    /* Deleted is absent: a new insert starts again at lock 1. */
    CU_ASSERT_EQUAL(CHARON_OK, put("u-del", "full", "s1", 0, "new", TTL));
    ASSERT_GET("u-del", "full", "s1", "new", 1);
}

static void
test_delete_one_of_a_missing_session_is_ok(void)
{
    CU_ASSERT_EQUAL(CHARON_OK, del_one("u-none", "full", "nope"));
}

static void
test_delete_all_removes_every_session_of_user_and_type_only(void)
{
    store_contract_set_now(T0);
    CU_ASSERT_EQUAL(CHARON_OK, put("u-da", "full", "s1", 0, "1", TTL));
    CU_ASSERT_EQUAL(CHARON_OK, put("u-da", "full", "s2", 0, "2", TTL));
    CU_ASSERT_EQUAL(CHARON_OK, put("u-da", "full", "s3", 0, "3", 5));
    CU_ASSERT_EQUAL(CHARON_OK, put("u-da", "other", "s1", 0, "o", TTL));
    CU_ASSERT_EQUAL(CHARON_OK, put("u-dab", "full", "s1", 0, "b", TTL));
    CU_ASSERT_EQUAL(CHARON_OK, put("u-d", "full", "s1", 0, "d", TTL));
    if (!LIST) {
        CU_ASSERT_EQUAL(CHARON_EUNSUPP, del_all("u-da", "full", NULL));
        return;
    }
    CU_ASSERT_EQUAL(CHARON_OK, del_all("u-da", "full", NULL));
    ASSERT_MISSING("u-da", "full", "s1");
    ASSERT_MISSING("u-da", "full", "s2");
    ASSERT_MISSING("u-da", "full", "s3");
    ASSERT_GET("u-da", "other", "s1", "o", 1);
    ASSERT_GET("u-dab", "full", "s1", "b", 1);
    ASSERT_GET("u-d", "full", "s1", "d", 1);
    /* Nothing left to delete is fine too. */
    CU_ASSERT_EQUAL(CHARON_OK, del_all("u-da", "full", NULL));
}

static void
test_delete_all_with_except_keeps_exactly_that_one(void)
{
    struct seen s;

    store_contract_set_now(T0);
    CU_ASSERT_EQUAL(CHARON_OK, put("u-dx", "full", "s1", 0, "1", TTL));
    CU_ASSERT_EQUAL(CHARON_OK, put("u-dx", "full", "s2", 0, "2", TTL));
    CU_ASSERT_EQUAL(CHARON_OK, put("u-dx", "full", "s22", 0, "22", TTL));
    CU_ASSERT_EQUAL(CHARON_OK, put("u-dx", "full", "s", 0, "s", TTL));
    if (!LIST) {
        CU_ASSERT_EQUAL(CHARON_EUNSUPP, del_all("u-dx", "full", "s2"));
        return;
    }
    CU_ASSERT_EQUAL(CHARON_OK, del_all("u-dx", "full", "s2"));
    ASSERT_GET("u-dx", "full", "s2", "2", 1);
    ASSERT_MISSING("u-dx", "full", "s1");
    ASSERT_MISSING("u-dx", "full", "s22");
    ASSERT_MISSING("u-dx", "full", "s");
    memset(&s, 0, sizeof(s));
    CU_ASSERT_EQUAL(CHARON_OK, list("u-dx", "full", &s));
    CU_ASSERT_EQUAL(1, s.n);
    CU_ASSERT(seen_has(&s, "2"));
}

static void
test_health_is_ok(void)
{
    struct charon_err err;

    charon_err_clear(&err);
    CU_ASSERT_EQUAL(CHARON_OK, SP->health(fx_inst, fx_ts, &err));
}

/* Upserts and reads back a binary blob of len bytes. */
static void
round_trip_bytes(const char *sid, const unsigned char *blob, size_t len)
{
    struct charon_store_key k = store_contract_key("u-bin", "full", sid);
    struct charon_buf b = CHARON_BUF_INIT;
    struct charon_err err;
    uint64_t lock = 0;

    store_contract_set_now(T0);
    charon_err_clear(&err);
    CU_ASSERT_EQUAL(CHARON_OK, SP->upsert(fx_inst, fx_ts, &k, 0, blob, len,
                                          T0 + TTL, &err));
    if (PERSIST) {
        CU_ASSERT_EQUAL(CHARON_OK, SP->get(fx_inst, fx_ts, &k, &b, &lock,
                                           &err));
        CU_ASSERT_EQUAL(1u, lock);
        CU_ASSERT_EQUAL(len, b.len);
        CU_ASSERT(b.len == len && (len == 0 || memcmp(b.data, blob, len) == 0));
    } else {
        CU_ASSERT_EQUAL(CHARON_ENOTFOUND, SP->get(fx_inst, fx_ts, &k, &b,
                                                  &lock, &err));
    }
    charon_buf_free(&b);
}

static void
test_a_64_kib_blob_round_trips(void)
{
    size_t i, len = 64 * 1024;
    unsigned char *blob = malloc(len);

    CU_ASSERT_FATAL(blob != NULL);
    for (i = 0; i < len; i++)
        blob[i] = (unsigned char)(i * 7 + (i >> 8));
    round_trip_bytes("big", blob, len);
    free(blob);
}

static void
test_a_blob_with_nul_bytes_round_trips(void)
{
    static const unsigned char blob[] = { 's', 0, 'i', 0, 0, 0xff, 0x80, 0 };

    round_trip_bytes("nul", blob, sizeof(blob));
}

static void
test_an_empty_blob_round_trips(void)
{
    round_trip_bytes("empty", (const unsigned char *)"", 0);
}

static void
test_the_store_asks_the_host_for_no_key(void)
{
    CU_ASSERT_EQUAL(0u, store_contract_derive_calls());
}

const CU_TestInfo store_contract_tests[] = {
    { "upsert then get returns the same blob and lock_version 1",
      test_upsert_then_get_returns_the_blob_and_lock_1 },
    { "get of a missing session is ENOTFOUND",
      test_get_of_a_missing_session_is_enotfound },
    { "upsert with expect 0 on a live session is ECONFLICT and changes "
      "nothing",
      test_upsert_expect_0_on_a_live_session_is_econflict_and_changes_nothing },
    { "upsert with the stored lock_version succeeds and increments it",
      test_upsert_with_the_stored_lock_succeeds_and_increments_it },
    { "upsert with a stale lock_version is ECONFLICT and changes nothing",
      test_upsert_with_a_stale_lock_is_econflict_and_changes_nothing },
    { "a session is live through its expiry second",
      test_a_session_is_live_through_its_expiry_second },
    { "an expired session is not returned and may be re-inserted with "
      "expect 0",
      test_an_expired_session_is_not_returned_and_may_be_reinserted },
    { "an update (expect > 0) of a deleted, expired or unknown session is "
      "ECONFLICT and writes nothing",
      test_an_update_of_a_deleted_or_expired_session_is_a_conflict },
    { "an upsert already expired is never returned",
      test_an_already_expired_upsert_is_never_returned },
    { "get tells apart keys whose parts concatenate alike",
      test_get_tells_apart_keys_whose_parts_concatenate_alike },
    { "get_all returns exactly the live sessions of (user_id, type)",
      test_get_all_returns_exactly_the_live_sessions_of_user_and_type },
    { "get_all of a user without sessions calls nothing",
      test_get_all_of_a_user_without_sessions_calls_nothing },
    { "get_all stops and returns the callback's non-zero value",
      test_get_all_stops_and_returns_the_callbacks_nonzero_value },
    { "get after delete_one is ENOTFOUND",
      test_get_after_delete_one_is_enotfound },
    { "delete_one of a missing session is OK",
      test_delete_one_of_a_missing_session_is_ok },
    { "delete_all removes every session of (user_id, type) and no other",
      test_delete_all_removes_every_session_of_user_and_type_only },
    { "delete_all(except) keeps exactly that one",
      test_delete_all_with_except_keeps_exactly_that_one },
    { "health is OK", test_health_is_ok },
    { "a 64 KiB blob round trips", test_a_64_kib_blob_round_trips },
    { "a blob with NUL bytes round trips",
      test_a_blob_with_nul_bytes_round_trips },
    { "an empty blob round trips", test_an_empty_blob_round_trips },
    { "the store asks the host for no key",
      test_the_store_asks_the_host_for_no_key },
    /* store_contract_blobs.c: signed blobs, tampered and corrupt. */
    { "a signed session blob round trips and decodes",
      test_a_signed_session_blob_round_trips_and_decodes },
    { "a blob tampered with inside the store decodes as absent",
      test_a_blob_tampered_with_inside_the_store_decodes_as_absent },
    { "a blob signed with another key decodes as absent",
      test_a_blob_signed_with_another_key_decodes_as_absent },
    { "a signed blob of another user, type or id decodes as absent",
      test_a_signed_blob_of_another_user_type_or_id_decodes_as_absent },
    { "a corrupt record: get returns it or ENOTFOUND, and it decodes as "
      "absent",
      test_a_corrupt_record_gets_and_decodes_as_absent },
    { "get_all over corrupt records still returns the valid session",
      test_get_all_over_corrupt_records_still_returns_the_valid_one },
    { "delete_one and delete_all remove corrupt records",
      test_delete_one_and_delete_all_remove_corrupt_records },
    CU_TEST_INFO_NULL
};
