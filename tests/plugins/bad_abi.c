/* bad_abi.c - a plugin built for another ABI major, for the loader test. */
#include <charon/store.h>

static int
bad_abi_create(const struct charon_host *host, const void *config,
               void **instance, struct charon_err *err)
{
    (void)host;
    (void)config;
    (void)instance;
    (void)err;
    return CHARON_OK;
}

static void
bad_abi_destroy(void *instance)
{
    (void)instance;
}

static const struct charon_option bad_abi_options[] = { { .name = NULL } };

extern CHARON_PLUGIN_EXPORT const struct charon_store_plugin charon_plugin;
CHARON_PLUGIN_EXPORT const struct charon_store_plugin charon_plugin = {
    .hdr = {
        .abi_version = CHARON_ABI_MKVERSION(CHARON_ABI_MAJOR + 1, 0),
        .kind = CHARON_PLUGIN_STORE,
        .name = "bad_abi",
        .version = "0",
        .options = bad_abi_options,
        .create = bad_abi_create,
        .destroy = bad_abi_destroy,
    },
};
