/* plugin_host.c - what the core lends a plugin. */
#include "plugin_host.h"

#include <stdio.h>

#include "clock.h"
#include "keys.h"
#include "log.h"

static void
plugin_host_log(const struct charon_host *host, enum charon_log_level level,
                const char *fmt, ...)
{
    const struct plugin_host *ph = host->core;
    va_list ap;

    va_start(ap, fmt);
    log_vmsg((int)level, ph->name, fmt, ap);
    va_end(ap);
}

static int
plugin_host_derive_key(const struct charon_host *host, const char *salt,
                       unsigned char *out, size_t outlen,
                       struct charon_err *err)
{
    const struct plugin_host *ph = host->core;

    return keys_derive(ph->keys, salt, out, outlen, err);
}

static int64_t
plugin_host_now(const struct charon_host *host)
{
    (void)host;
    return clock_now();
}

void
plugin_host_init(struct plugin_host *ph, const char *name, struct keys *keys)
{
    ph->host.abi_version = CHARON_ABI_VERSION;
    ph->host.core = ph;
    ph->host.log = plugin_host_log;
    ph->host.derive_key = plugin_host_derive_key;
    ph->host.now = plugin_host_now;
    snprintf(ph->name, sizeof(ph->name), "%s", name);
    ph->keys = keys;
}
