/*
 * store_dummy.c - the stateless session store (Charon's DummyStore).
 *
 * Keeps nothing: upsert and delete succeed, get answers "not found".
 * With it every token is self-contained: refresh tokens cannot be
 * revoked, sessions cannot be listed, and require_session cannot pass.
 * It declares no CHARON_STORE_CAP_* bit, and get_all/delete_all answer
 * CHARON_EUNSUPP, as the contract suite checks.
 */
#include <stddef.h>

#include <charon/store.h>

static int
store_dummy_create(const struct charon_host *host, const void *config,
                   void **instance, struct charon_err *err)
{
    (void)host;
    (void)config;
    (void)err;
    /* No state, but a non-NULL instance keeps "created" distinguishable. */
    *instance = (void *)&store_dummy_create;
    return CHARON_OK;
}

static void
store_dummy_destroy(void *instance)
{
    (void)instance;
}

static int
store_dummy_get(void *instance, void *ts, const struct charon_store_key *key,
                struct charon_buf *out, uint64_t *lock_version,
                struct charon_err *err)
{
    (void)instance;
    (void)ts;
    (void)key;
    (void)out;
    (void)lock_version;
    return charon_err_set(err, CHARON_ENOTFOUND,
                          "store_dummy keeps no sessions");
}

static int
store_dummy_get_all(void *instance, void *ts,
                    const struct charon_store_key *key,
                    charon_store_each_fn each, void *ctx,
                    struct charon_err *err)
{
    (void)instance;
    (void)ts;
    (void)key;
    (void)each;
    (void)ctx;
    return charon_err_set(err, CHARON_EUNSUPP,
                          "store_dummy cannot list sessions");
}

static int
store_dummy_upsert(void *instance, void *ts, const struct charon_store_key *key,
                   uint64_t expect, const void *blob, size_t len,
                   int64_t expires_at, struct charon_err *err)
{
    (void)instance;
    (void)ts;
    (void)key;
    (void)expect;
    (void)blob;
    (void)len;
    (void)expires_at;
    (void)err;
    return CHARON_OK;
}

static int
store_dummy_delete_one(void *instance, void *ts,
                       const struct charon_store_key *key,
                       struct charon_err *err)
{
    (void)instance;
    (void)ts;
    (void)key;
    (void)err;
    return CHARON_OK;
}

static int
store_dummy_delete_all(void *instance, void *ts,
                       const struct charon_store_key *key,
                       const char *except_session_id, struct charon_err *err)
{
    (void)instance;
    (void)ts;
    (void)key;
    (void)except_session_id;
    return charon_err_set(err, CHARON_EUNSUPP,
                          "store_dummy cannot delete a user's sessions");
}

static int
store_dummy_health(void *instance, void *ts, struct charon_err *err)
{
    (void)instance;
    (void)ts;
    (void)err;
    return CHARON_OK;
}

static const struct charon_option store_dummy_options[] = {
    { .name = NULL }
};

extern CHARON_PLUGIN_EXPORT const struct charon_store_plugin charon_plugin;
CHARON_PLUGIN_EXPORT const struct charon_store_plugin charon_plugin = {
    .hdr = {
        .abi_version = CHARON_ABI_VERSION,
        .kind        = CHARON_PLUGIN_STORE,
        .name        = "store_dummy",
        .version     = PACKAGE_VERSION,
        .config_size = 0,
        .options     = store_dummy_options,
        .create      = store_dummy_create,
        .destroy     = store_dummy_destroy,
        .thread_init = NULL,
        .thread_fini = NULL,
    },
    .caps       = 0,
    .get        = store_dummy_get,
    .get_all    = store_dummy_get_all,
    .upsert     = store_dummy_upsert,
    .delete_one = store_dummy_delete_one,
    .delete_all = store_dummy_delete_all,
    .health     = store_dummy_health,
};
