/* newer_minor.c - a plugin asking for a newer ABI minor than the core. */
#include <charon/store.h>

static int
newer_minor_create(const struct charon_host *host, const void *config,
                   void **instance, struct charon_err *err)
{
    (void)host;
    (void)config;
    (void)instance;
    (void)err;
    return CHARON_OK;
}

static void
newer_minor_destroy(void *instance)
{
    (void)instance;
}

static const struct charon_option newer_minor_options[] = { { .name = NULL } };

extern CHARON_PLUGIN_EXPORT const struct charon_store_plugin charon_plugin;
CHARON_PLUGIN_EXPORT const struct charon_store_plugin charon_plugin = {
    .hdr = {
        .abi_version = CHARON_ABI_MKVERSION(CHARON_ABI_MAJOR,
                                            CHARON_ABI_MINOR + 1),
        .kind = CHARON_PLUGIN_STORE,
        .name = "newer_minor",
        .version = "0",
        .options = newer_minor_options,
        .create = newer_minor_create,
        .destroy = newer_minor_destroy,
    },
};
