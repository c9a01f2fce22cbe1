/* plugin_loader.c - dlopen, ABI check, kind check. */
#define _GNU_SOURCE   /* secure_getenv */
#include "plugin_loader.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <charon/cred.h>
#include <charon/store.h>
#include <charon/token.h>

const char *
plugin_loader_kind_name(uint32_t kind)
{
    switch (kind) {
    case CHARON_PLUGIN_STORE: return "session store";
    case CHARON_PLUGIN_TOKEN: return "token factory";
    case CHARON_PLUGIN_CRED:  return "credential checker";
    default:                  return "unknown kind";
    }
}

static int
plugin_loader_name_ok(const char *name)
{
    const char *p;

    if (name[0] == '\0')
        return 0;
    for (p = name; *p != '\0'; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-'))
            return 0;
    return 1;
}

int
plugin_loader_resolve(const char *prefix, const char *name,
                      const char *plugin_dir, char *path, size_t path_len,
                      struct charon_err *err)
{
    const char *env = secure_getenv("CHARON_PLUGIN_PATH");
    const char *dir, *end;
    size_t dlen;
    int n;

    if (name[0] == '/') {
        n = snprintf(path, path_len, "%s", name);
        if (n < 0 || (size_t)n >= path_len)
            return charon_err_set(err, CHARON_ECONFIG, "plugin path too long");
        return CHARON_OK;
    }
    if (!plugin_loader_name_ok(name))
        return charon_err_set(err, CHARON_ECONFIG,
                              "\"%s\" is neither a plugin name (a-z 0-9 _ -) "
                              "nor an absolute path", name);
    for (dir = env; dir != NULL && *dir != '\0'; dir = end + (*end != '\0')) {
        end = strchr(dir, ':');
        if (end == NULL)
            end = dir + strlen(dir);
        dlen = (size_t)(end - dir);
        if (dlen == 0)
            continue;
        n = snprintf(path, path_len, "%.*s/%s_%s.so", (int)dlen, dir, prefix,
                     name);
        if (n > 0 && (size_t)n < path_len && access(path, F_OK) == 0)
            return CHARON_OK;
    }
    n = snprintf(path, path_len, "%s/%s_%s.so", plugin_dir, prefix, name);
    if (n < 0 || (size_t)n >= path_len)
        return charon_err_set(err, CHARON_ECONFIG, "plugin path too long");
    if (access(path, F_OK) != 0)
        return charon_err_set(err, CHARON_ECONFIG,
                              "no plugin \"%s\": %s does not exist%s", name,
                              path, env != NULL ? " (nor in $CHARON_PLUGIN_PATH)"
                                                : "");
    return CHARON_OK;
}

/* Every operation of the kind is present: a NULL one would crash on the
 * first request that needs it. */
static int
plugin_loader_ops_present(const struct charon_plugin_header *hdr)
{
    const struct charon_token_plugin *tp;
    const struct charon_store_plugin *sp;
    const struct charon_cred_plugin *cp;

    switch (hdr->kind) {
    case CHARON_PLUGIN_TOKEN:
        tp = (const struct charon_token_plugin *)hdr;
        return tp->sign != NULL && tp->verify != NULL &&
               tp->public_jwks != NULL;
    case CHARON_PLUGIN_STORE:
        sp = (const struct charon_store_plugin *)hdr;
        return sp->get != NULL && sp->get_all != NULL &&
               sp->upsert != NULL && sp->delete_one != NULL &&
               sp->delete_all != NULL && sp->health != NULL;
    case CHARON_PLUGIN_CRED:
        cp = (const struct charon_cred_plugin *)hdr;
        return cp->check != NULL;
    default:
        return 0;
    }
}

int
plugin_loader_open(const char *path, enum charon_plugin_kind kind,
                   struct plugin_handle *out, struct charon_err *err)
{
    const struct charon_plugin_header *hdr;
    uint32_t major, minor;
    void *dl;
    int rc;

    dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (dl == NULL)
        return charon_err_set(err, CHARON_ECONFIG, "cannot load plugin: %s",
                              dlerror());
    hdr = dlsym(dl, CHARON_PLUGIN_SYMBOL);
    if (hdr == NULL) {
        rc = charon_err_set(err, CHARON_ECONFIG,
                            "%s: no \"%s\" symbol; not a charon-fcgi plugin",
                            path, CHARON_PLUGIN_SYMBOL);
        goto fail;
    }
    major = CHARON_ABI_GET_MAJOR(hdr->abi_version);
    minor = CHARON_ABI_GET_MINOR(hdr->abi_version);
    if (major != CHARON_ABI_MAJOR || minor > CHARON_ABI_MINOR) {
        rc = charon_err_set(err, CHARON_ECONFIG,
                            "%s: built for plugin ABI %u.%u, this charon-fcgi "
                            "provides %u.%u; rebuild the plugin", path,
                            (unsigned)major, (unsigned)minor,
                            CHARON_ABI_MAJOR, CHARON_ABI_MINOR);
        goto fail;
    }
    if (hdr->kind != (uint32_t)kind) {
        rc = charon_err_set(err, CHARON_ECONFIG,
                            "%s: plugin \"%s\" is a %s, expected a %s", path,
                            hdr->name != NULL ? hdr->name : "?",
                            plugin_loader_kind_name(hdr->kind),
                            plugin_loader_kind_name(kind));
        goto fail;
    }
    if (hdr->name == NULL || hdr->create == NULL || hdr->destroy == NULL ||
        hdr->options == NULL || !plugin_loader_ops_present(hdr)) {
        rc = charon_err_set(err, CHARON_ECONFIG,
                            "%s: plugin descriptor lacks a required function "
                            "or its name/options", path);
        goto fail;
    }
    out->dl = dl;
    out->hdr = hdr;
    snprintf(out->path, sizeof(out->path), "%s", path);
    return CHARON_OK;

fail:
    dlclose(dl);
    return rc;
}

void
plugin_loader_close(struct plugin_handle *h)
{
    if (h == NULL || h->dl == NULL)
        return;
    dlclose(h->dl);
    h->dl = NULL;
    h->hdr = NULL;
}
