/* snapshot.c - config + keys + plugins + policies, built once. */
#include "snapshot.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "base_secret.h"
#include "keys.h"
#include "log.h"

/* Plugin sections that may sit in a config without being used. */
static const char *const snapshot_known_sections[] = {
    "token_jwt", "store_local", "store_redis", "store_dummy",
    "cred_htpasswd", NULL
};

static void
snapshot_section_error(struct config_errors *errs, const struct config *cfg,
                       const char *section, const char *key, const char *msg)
{
    int line = config_key_line(cfg, section, key);

    if (line > 0)
        config_errors_add(errs, "%s:%d: [%s] %s: %s", cfg->file, line,
                          section, key, msg);
    else
        config_errors_add(errs, "%s: [%s] %s: %s", cfg->file, section, key,
                          msg);
}

static void
snapshot_key_error(struct config_errors *errs, const struct config *cfg,
                   const char *key, const char *msg)
{
    snapshot_section_error(errs, cfg, "charon", key, msg);
}

static int
snapshot_secret(const struct config *cfg, unsigned char **secret,
                size_t *len, struct config_errors *errs)
{
    struct charon_err err;
    int rc;

    if (cfg->charon.base_secret_file != NULL &&
        cfg->charon.base_secret_file[0] != '\0') {
        rc = base_secret_read_file(cfg->charon.base_secret_file, secret, len,
                                   &err);
        if (rc != CHARON_OK)
            snapshot_key_error(errs, cfg, "base_secret_file", err.msg);
    } else {
        rc = base_secret_read_env(cfg->charon.base_secret_env, secret, len,
                                  &err);
        if (rc != CHARON_OK)
            snapshot_key_error(errs, cfg, "base_secret_env", err.msg);
    }
    return rc;
}

/* [endpoints] issuer_key_file: kept only as its SHA-256, so that the
 * comparison costs the same whatever a caller sends. */
static int
snapshot_issuer_key(struct snapshot *s, struct config_errors *errs)
{
    const char *path = s->cfg->endpoints.issuer_key_file;
    unsigned char *key = NULL;
    struct charon_err err;
    size_t len = 0;
    int rc;

    if (path == NULL || path[0] == '\0')
        return CHARON_OK;
    rc = base_secret_read_file(path, &key, &len, &err);
    if (rc == CHARON_OK &&
        EVP_Digest(key, len, s->issuer_key_hash, NULL, EVP_sha256(),
                   NULL) != 1)
        rc = charon_err_set(&err, CHARON_ENOMEM, "SHA-256 failed");
    if (key != NULL) {
        OPENSSL_cleanse(key, len);
        free(key);
    }
    if (rc != CHARON_OK) {
        snapshot_section_error(errs, s->cfg, "endpoints", "issuer_key_file",
                               err.msg);
        return rc;
    }
    s->has_issuer_key = 1;
    return CHARON_OK;
}

int
snapshot_issuer_key_ok(const struct snapshot *s, const char *key, size_t len)
{
    unsigned char md[32];

    if (!s->has_issuer_key)
        return 0;
    /* EVP_Digest fails only for want of memory: not a wrong key. */
    if (EVP_Digest(key, len, md, NULL, EVP_sha256(), NULL) != 1)
        return CHARON_ENOMEM;
    return CRYPTO_memcmp(md, s->issuer_key_hash, sizeof(md)) == 0;
}

static int
snapshot_plugin(struct snapshot *s, struct plugin_slot *slot,
                enum charon_plugin_kind kind, const char *prefix,
                const char *section, const char *key, const char *name,
                struct config_errors *errs)
{
    const struct charon_plugin_header *hdr;
    struct charon_err err;
    char path[4096];
    char msg[CHARON_ERR_MSG_MAX + 64];
    int rc;

    rc = plugin_loader_resolve(prefix, name, s->cfg->charon.plugin_dir, path,
                               sizeof(path), &err);
    if (rc == CHARON_OK)
        rc = plugin_loader_open(path, kind, &slot->handle, &err);
    if (rc != CHARON_OK) {
        snapshot_section_error(errs, s->cfg, section, key, err.msg);
        return rc;
    }
    hdr = slot->handle.hdr;
    rc = config_apply_plugin(s->cfg, hdr->name, hdr->options,
                             hdr->config_size, &slot->config, errs);
    if (rc != CHARON_OK)
        return rc;
    plugin_host_init(&slot->host, hdr->name, s->keys);
    rc = hdr->create(&slot->host.host, slot->config, &slot->instance, &err);
    if (rc != CHARON_OK) {
        snprintf(msg, sizeof(msg), "%s: %s", hdr->name, err.msg);
        snapshot_section_error(errs, s->cfg, section, key, msg);
        slot->instance = NULL;
        return rc;
    }
    log_msg(CHARON_LOG_INFO, "%s %s (ABI %u.%u) loaded from %s", hdr->name,
            hdr->version != NULL ? hdr->version : "?",
            (unsigned)CHARON_ABI_GET_MAJOR(hdr->abi_version),
            (unsigned)CHARON_ABI_GET_MINOR(hdr->abi_version),
            slot->handle.path);
    return CHARON_OK;
}

static void
snapshot_plugin_free(struct plugin_slot *slot)
{
    if (slot->handle.hdr != NULL && slot->instance != NULL)
        slot->handle.hdr->destroy(slot->instance);
    slot->instance = NULL;
    plugin_loader_close(&slot->handle);
}

/* role -> CHARON_CLAIM_ROLE and X-Charon-Claim-Role */
static void
snapshot_export_names(struct export_claim *e, const char *claim)
{
    size_t i, n;
    int upper_next = 1;
    unsigned char c;

    e->claim = claim;
    n = (size_t)snprintf(e->variable, sizeof(e->variable), "CHARON_CLAIM_");
    for (i = 0; claim[i] != '\0' && n + 1 < sizeof(e->variable); i++) {
        c = (unsigned char)claim[i];
        e->variable[n++] = isalnum(c) ? (char)toupper(c) : '_';
    }
    e->variable[n] = '\0';
    n = (size_t)snprintf(e->header, sizeof(e->header), "X-Charon-Claim-");
    for (i = 0; claim[i] != '\0' && n + 1 < sizeof(e->header); i++) {
        c = (unsigned char)claim[i];
        if (!isalnum(c)) {
            e->header[n++] = '-';
            upper_next = 1;
            continue;
        }
        e->header[n++] = upper_next ? (char)toupper(c) : (char)tolower(c);
        upper_next = 0;
    }
    e->header[n] = '\0';
}

static int
snapshot_policy_init(struct policy *p, const char *name,
                     const struct charon_section *charon,
                     const struct authorizer_section *authz,
                     struct config_errors *errs, const char *file)
{
    struct charon_err err;
    size_t i;

    p->name = name;
    p->charon = charon;
    p->authz = authz;
    if (claims_compile(authz, &p->rules, &err) != CHARON_OK) {
        config_errors_add(errs, "%s: %s", file, err.msg);
        return CHARON_ENOMEM;
    }
    if (authz->export_claims.count > 0) {
        p->exports = calloc(authz->export_claims.count, sizeof(*p->exports));
        if (p->exports == NULL) {
            config_errors_add(errs, "%s: out of memory", file);
            return CHARON_ENOMEM;
        }
    }
    for (i = 0; i < authz->export_claims.count; i++)
        snapshot_export_names(&p->exports[i], authz->export_claims.items[i]);
    p->nexports = authz->export_claims.count;
    return CHARON_OK;
}

static void
snapshot_policy_free(struct policy *p)
{
    claims_free(&p->rules);
    free(p->exports);
    p->exports = NULL;
}

int
snapshot_build(struct config *cfg, struct snapshot **out,
               struct config_errors *errs)
{
    struct config_errors warnings = CONFIG_ERRORS_INIT;
    struct snapshot *s;
    unsigned char *secret = NULL;
    struct charon_err err;
    size_t secret_len = 0, i;
    int rc, rc2;

    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        config_free(cfg);
        config_errors_add(errs, "out of memory");
        return CHARON_ENOMEM;
    }
    s->cfg = cfg;
    rc = snapshot_secret(cfg, &secret, &secret_len, errs);
    if (rc != CHARON_OK)
        goto fail;
    rc = keys_new(secret, secret_len, cfg->charon.key_cache_dir, &s->keys,
                  &err);
    if (rc != CHARON_OK) {
        explicit_bzero(secret, secret_len);
        free(secret);
        config_errors_add(errs, "%s: %s", cfg->file, err.msg);
        goto fail;
    }
    /* Every plugin is tried even when one fails, and the config is
     * finished either way, so that one run reports every problem. */
    rc = snapshot_plugin(s, &s->token, CHARON_PLUGIN_TOKEN, "token",
                         "charon", "token_factory",
                         cfg->charon.token_factory, errs);
    rc2 = snapshot_plugin(s, &s->store, CHARON_PLUGIN_STORE, "store",
                          "charon", "session_store",
                          cfg->charon.session_store, errs);
    rc = rc != CHARON_OK ? rc : rc2;
    if (cfg->endpoints.credentials != NULL &&
        cfg->endpoints.credentials[0] != '\0') {
        rc2 = snapshot_plugin(s, &s->cred, CHARON_PLUGIN_CRED, "cred",
                              "endpoints", "credentials",
                              cfg->endpoints.credentials, errs);
        rc = rc != CHARON_OK ? rc : rc2;
    }
    rc2 = snapshot_issuer_key(s, errs);
    rc = rc != CHARON_OK ? rc : rc2;
    if (rc2 == CHARON_OK && s->store.handle.hdr != NULL &&
        s->store.instance != NULL &&
        (snapshot_store(s)->caps & CHARON_STORE_CAP_PERSIST)) {
        rc2 = keys_derive(s->keys, KEYS_SALT_SESSION, s->session_key,
                          sizeof(s->session_key), &err);
        if (rc2 != CHARON_OK)
            config_errors_add(errs, "%s: session key: %s", cfg->file,
                              err.msg);
        rc = rc != CHARON_OK ? rc : rc2;
    }
    rc2 = config_finish(cfg, snapshot_known_sections, errs, &warnings);
    for (i = 0; i < warnings.n; i++)
        log_msg(CHARON_LOG_WARN, "%s", warnings.lines[i]);
    config_errors_free(&warnings);
    rc = rc != CHARON_OK ? rc : rc2;
    if (rc != CHARON_OK)
        goto fail;
    rc = snapshot_policy_init(&s->base, "", &cfg->charon, &cfg->authz, errs,
                              cfg->file);
    if (rc != CHARON_OK)
        goto fail;
    if (cfg->nprofiles > 0) {
        s->profiles = calloc(cfg->nprofiles, sizeof(*s->profiles));
        if (s->profiles == NULL) {
            rc = CHARON_ENOMEM;
            config_errors_add(errs, "out of memory");
            goto fail;
        }
    }
    for (i = 0; i < cfg->nprofiles; i++) {
        rc = snapshot_policy_init(&s->profiles[i], cfg->profiles[i].name,
                                  &cfg->profiles[i].charon,
                                  &cfg->profiles[i].authz, errs, cfg->file);
        s->nprofiles = i + 1;
        if (rc != CHARON_OK)
            goto fail;
    }
    *out = s;
    return CHARON_OK;
fail:
    snapshot_free(s);
    return rc == CHARON_ENOMEM ? rc : CHARON_ECONFIG;
}

int
snapshot_load(const char *path, struct snapshot **out,
              struct config_errors *errs)
{
    struct config *cfg = NULL;
    int rc;

    rc = config_load_file(path, &cfg, errs);
    if (rc != CHARON_OK)
        return rc;
    return snapshot_build(cfg, out, errs);
}

void
snapshot_free(struct snapshot *s)
{
    size_t i;

    if (s == NULL)
        return;
    for (i = 0; i < s->nprofiles; i++)
        snapshot_policy_free(&s->profiles[i]);
    free(s->profiles);
    snapshot_policy_free(&s->base);
    snapshot_plugin_free(&s->cred);
    snapshot_plugin_free(&s->store);
    snapshot_plugin_free(&s->token);
    keys_free(s->keys);
    OPENSSL_cleanse(s->session_key, sizeof(s->session_key));
    OPENSSL_cleanse(s->issuer_key_hash, sizeof(s->issuer_key_hash));
    config_free(s->cfg);
    free(s);
}

const struct policy *
snapshot_policy(const struct snapshot *s, const char *profile)
{
    size_t i;

    if (profile == NULL || profile[0] == '\0')
        return &s->base;
    for (i = 0; i < s->nprofiles; i++)
        if (strcmp(s->profiles[i].name, profile) == 0)
            return &s->profiles[i];
    return NULL;
}
