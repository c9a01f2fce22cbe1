/*
 * charon/plugin.h - the charon-fcgi plugin ABI.
 *
 * ABI evolution rules:
 * 1. Append only.  New members go at the end of a struct and bump
 *    CHARON_ABI_MINOR.  Never reorder, retype or remove a member; never
 *    reuse a slot.
 * 2. Gate on the plugin's minor.  The core reads a member added in 1.N
 *    only after checking CHARON_ABI_GET_MINOR(hdr->abi_version) >= N, and
 *    treats NULL as "absent".
 * 3. Reject a plugin newer than the core (minor > CHARON_ABI_MINOR) and
 *    any other major, saying both versions and what to do.
 * 4. Arrays of structs (struct charon_option) are frozen for a major.
 * 5. The host table follows the same rules, gated on host->abi_version.
 * 6. The plugin's own release (hdr.version) is for humans; never compared.
 * 7. tests/unit/test_abi.c pins offsetof/sizeof of every public struct.
 *
 * A plugin is one shared object exporting exactly one symbol,
 * CHARON_PLUGIN_SYMBOL, a const descriptor whose first member is
 * struct charon_plugin_header.  The descriptor type depends on the kind:
 * struct charon_token_plugin (token.h), struct charon_store_plugin
 * (store.h) or struct charon_cred_plugin (cred.h).  Plugins never link
 * against the core: everything they need comes through struct charon_host.
 *
 * Ownership: the core owns the host table and the config struct (and all
 * strings in it) from create() until destroy() returns; the plugin may
 * keep pointers into them.  The instance is the plugin's, read-only once
 * create() returns, and shared by every thread.  Thread state is used by
 * one thread only.  Call arguments are borrowed for the call.  Output goes
 * only into caller-owned struct charon_buf / struct charon_err.
 *
 * Threading: create() and destroy() are called once, from one thread,
 * with no request running on the instance.  thread_init()/thread_fini()
 * are called from the worker thread that will use the state.  Every
 * operation of a kind descriptor may be called from any worker thread,
 * concurrently, each with its own thread state.
 *
 * Errors: functions return CHARON_OK or a negative enum charon_rc and fill
 * err (see err.h).  Expected outcomes (not found, conflict, token
 * rejected) are codes, not log lines.
 */
#ifndef CHARON_PLUGIN_H
#define CHARON_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include <charon/buf.h>
#include <charon/err.h>
#include <charon/option.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Plugin ABI version: MAJOR breaks plugins, MINOR only appends fields. */
#define CHARON_ABI_MAJOR 1
#define CHARON_ABI_MINOR 0
#define CHARON_ABI_MKVERSION(maj, min) (((uint32_t)(maj) << 16) | (uint32_t)(min))
#define CHARON_ABI_VERSION CHARON_ABI_MKVERSION(CHARON_ABI_MAJOR, CHARON_ABI_MINOR)
#define CHARON_ABI_GET_MAJOR(v) ((uint32_t)(v) >> 16)
#define CHARON_ABI_GET_MINOR(v) ((uint32_t)(v) & 0xffffu)

/* The one symbol every plugin exports. */
#define CHARON_PLUGIN_SYMBOL "charon_plugin"
#define CHARON_PLUGIN_EXPORT __attribute__((visibility("default")))

enum charon_plugin_kind {
    CHARON_PLUGIN_STORE = 1,   /* struct charon_store_plugin (store.h) */
    CHARON_PLUGIN_TOKEN = 2,   /* struct charon_token_plugin (token.h) */
    CHARON_PLUGIN_CRED  = 3    /* struct charon_cred_plugin (cred.h)   */
};

enum charon_log_level {
    CHARON_LOG_ERR   = 3,   /* an operator must act      */
    CHARON_LOG_WARN  = 4,   /* degraded or deprecated    */
    CHARON_LOG_INFO  = 6,   /* lifecycle                 */
    CHARON_LOG_DEBUG = 7    /* per-request detail        */
};

/* The salt of Charon's default JWT key, for host->derive_key(). */
#define CHARON_KEY_JWT_DEFAULT "charon_jwt_default"

/*
 * What the core lends a plugin instance.  Owned by the core; valid from
 * create() until destroy() returns.  Fields are only ever appended.
 * Every function here may be called from any thread.
 */
struct charon_host {
    uint32_t abi_version;          /* the core's CHARON_ABI_VERSION */
    void *core;                    /* opaque; never touch           */
    /* Logs one line; the host prefixes the plugin name.  Never pass a
     * token, secret or key. */
    void (*log)(const struct charon_host *host, enum charon_log_level level,
                const char *fmt, ...) __attribute__((format(printf, 3, 4)));
    /* Derives outlen bytes with PBKDF2-HMAC-SHA256(base secret, salt,
     * 250000 iterations), cached by the core (in memory and in the key
     * cache), so repeated calls are cheap.  Salt is a CHARON_KEY_* name or
     * any other string.  The caller wipes out when done. */
    int (*derive_key)(const struct charon_host *host, const char *salt,
                      unsigned char *out, size_t outlen,
                      struct charon_err *err);
    /* Seconds since the Epoch, from the core's clock (tests may pin it). */
    int64_t (*now)(const struct charon_host *host);
};

/* First member of every plugin descriptor. */
struct charon_plugin_header {
    uint32_t abi_version;          /* always CHARON_ABI_VERSION           */
    uint32_t kind;                 /* enum charon_plugin_kind             */
    const char *name;              /* "token_jwt"; also its INI section   */
    const char *version;           /* the plugin's own release, for logs  */
    size_t config_size;            /* sizeof its config struct            */
    const struct charon_option *options;   /* ends with { .name = NULL }  */

    /* Called once.  config is a finished struct built from options[];
     * on failure *instance is left untouched. */
    int  (*create)(const struct charon_host *host, const void *config,
                   void **instance, struct charon_err *err);
    /* Called once, after every thread_fini; must accept NULL. */
    void (*destroy)(void *instance);
    /* Per worker thread; NULL when the plugin keeps no thread state
     * (the core then passes NULL as ts). */
    int  (*thread_init)(void *instance, void **thread_state,
                        struct charon_err *err);
    void (*thread_fini)(void *instance, void *thread_state);
};

#ifdef __cplusplus
}
#endif
#endif /* CHARON_PLUGIN_H */
