/*
 * plugin_loader.h - finding and dlopen()ing plugins, and checking that a
 * shared object really is a charon-fcgi plugin of the expected kind and
 * ABI before anything in it is called.
 */
#ifndef CHARON_PLUGIN_LOADER_H
#define CHARON_PLUGIN_LOADER_H

#include <stddef.h>

#include <charon/plugin.h>

struct plugin_handle {
    void *dl;                                  /* dlopen handle        */
    const struct charon_plugin_header *hdr;    /* the plugin's symbol  */
    char path[4096];                           /* what was opened      */
};

/*
 * Turns a configured name into a path: an absolute path is taken as is;
 * a bare name ("jwt", "local", "dummy") becomes <prefix>_<name>.so
 * (prefix "token", "store", "cred") looked up first in each directory of
 * $CHARON_PLUGIN_PATH (colon-separated; for tests and development), then
 * in plugin_dir.  Fails with CHARON_ECONFIG naming every place tried.
 */
int plugin_loader_resolve(const char *prefix, const char *name,
                          const char *plugin_dir, char *path, size_t path_len,
                          struct charon_err *err);

/* dlopen(RTLD_NOW|RTLD_LOCAL) path, find CHARON_PLUGIN_SYMBOL and check
 * ABI major/minor and kind.  One clear message on any mismatch. */
int plugin_loader_open(const char *path, enum charon_plugin_kind kind,
                       struct plugin_handle *out, struct charon_err *err);

/* dlclose; only after destroy() of every instance.  NULL-safe. */
void plugin_loader_close(struct plugin_handle *h);

/* "token factory" / "session store" / "credential checker" */
const char *plugin_loader_kind_name(uint32_t kind);

#endif /* CHARON_PLUGIN_LOADER_H */
