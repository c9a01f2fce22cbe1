/*
 * plugin_host.h - the struct charon_host lent to each plugin instance:
 * logging with the plugin's name as prefix, key derivation from the base
 * secret, and the clock.
 */
#ifndef CHARON_PLUGIN_HOST_H
#define CHARON_PLUGIN_HOST_H

#include <charon/plugin.h>

struct keys;

/* Backs one host table; lives as long as the plugin instance. */
struct plugin_host {
    struct charon_host host;     /* first: the plugin sees only this */
    char name[64];               /* log prefix, e.g. "token_jwt"      */
    struct keys *keys;           /* borrowed from the snapshot        */
};

void plugin_host_init(struct plugin_host *ph, const char *name,
                      struct keys *keys);

#endif /* CHARON_PLUGIN_HOST_H */
