/*
 * token_jwt.c - the JWT token factory (Charon's Charon.TokenFactory.Jwt):
 * HS256/384/512, EdDSA (Ed25519, Ed448) and Charon's Poly1305 tokens,
 * with key rotation by kid.  The descriptor, the option table and the
 * instance; keys in jwt_keys.c, token bytes in jwt_codec.c, signatures in
 * jwt_sig.c, per-thread contexts in jwt_thread.c.
 *
 * The instance is read-only after create(); every mutable context lives
 * in the thread state, so sign/verify run concurrently from any number
 * of threads, each with its own thread state.
 */
#include <stddef.h>
#include <stdlib.h>

#include <charon/token.h>

#include "jwt_codec.h"
#include "jwt_keys.h"
#include "jwt_thread.h"
#include "token_jwt_config.h"

struct token_jwt {
    const struct charon_host *host;
    struct jwt_keyset *keys;
    size_t max_token_bytes;
};

static int
token_jwt_create(const struct charon_host *host, const void *config,
                 void **instance, struct charon_err *err)
{
    const struct token_jwt_config *cfg = config;
    struct token_jwt *tj;
    const struct jwt_key *k;
    int rc;

    if (cfg->max_token_bytes < TOKEN_JWT_MAX_TOKEN_MIN ||
        cfg->max_token_bytes > TOKEN_JWT_MAX_TOKEN_MAX)
        return charon_err_set(err, CHARON_ECONFIG,
                              "max_token_bytes = %lu: out of range %lu..%lu",
                              cfg->max_token_bytes, TOKEN_JWT_MAX_TOKEN_MIN,
                              TOKEN_JWT_MAX_TOKEN_MAX);
    tj = calloc(1, sizeof(*tj));
    if (tj == NULL)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    tj->host = host;
    tj->max_token_bytes = cfg->max_token_bytes;
    rc = jwt_keyset_load(host, cfg, &tj->keys, err);
    if (rc != CHARON_OK)
        goto out;
    k = &tj->keys->keys[tj->keys->signing];
    if (host != NULL && host->log != NULL)
        host->log(host, CHARON_LOG_INFO, "%zu key(s); signing with kid "
                  "\"%s\" (%s)", tj->keys->count, k->kid,
                  jwt_alg_name(k->alg));
    *instance = tj;
    tj = NULL;
out:
    free(tj);
    return rc;
}

static void
token_jwt_destroy(void *instance)
{
    struct token_jwt *tj = instance;

    if (tj == NULL)
        return;
    jwt_keyset_free(tj->keys);
    free(tj);
}

static int
token_jwt_thread_init(void *instance, void **thread_state,
                      struct charon_err *err)
{
    const struct token_jwt *tj = instance;
    struct jwt_thread *ts = NULL;
    int rc;

    rc = jwt_thread_new(tj->keys, tj->max_token_bytes, &ts, err);
    if (rc == CHARON_OK)
        *thread_state = ts;
    return rc;
}

static void
token_jwt_thread_fini(void *instance, void *thread_state)
{
    const struct token_jwt *tj = instance;

    jwt_thread_free(tj->keys, thread_state);
}

static int
token_jwt_sign(void *instance, void *ts, const char *payload,
               size_t payload_len, struct charon_buf *out,
               struct charon_err *err)
{
    const struct token_jwt *tj = instance;

    return jwt_codec_sign(tj->keys, ts, payload, payload_len, out, err);
}

static int
token_jwt_verify(void *instance, void *ts, const char *token,
                 size_t token_len, struct charon_buf *out,
                 struct charon_err *err)
{
    const struct token_jwt *tj = instance;

    return jwt_codec_verify(tj->keys, tj->max_token_bytes, ts, token,
                            token_len, out, err);
}

static int
token_jwt_public_jwks(void *instance, void *ts, struct charon_buf *out,
                      struct charon_err *err)
{
    const struct token_jwt *tj = instance;

    (void)ts;             /* the JWKS is built once, at create() */
    if (charon_buf_append(out, tj->keys->jwks, tj->keys->jwks_len) !=
        CHARON_OK)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    return CHARON_OK;
}

static const struct charon_option token_jwt_options[] = {
    { .name = "signing_key", .type = CHARON_OPT_STRING,
      .offset = offsetof(struct token_jwt_config, signing_key),
      .dflt = "default",
      .help = "kid of the key that signs new tokens" },
    { .name = "key.", .type = CHARON_OPT_MAP,
      .offset = offsetof(struct token_jwt_config, keys),
      .help = "key.<kid> = <HS256|HS384|HS512|EdDSA|Poly1305>:<derived|"
              "derived:SALT|file:PATH|PEM path>; none: "
              "default = HS256:derived" },
    { .name = "max_token_bytes", .type = CHARON_OPT_UINT,
      .offset = offsetof(struct token_jwt_config, max_token_bytes),
      .dflt = "8192", .min = TOKEN_JWT_MAX_TOKEN_MIN,
      .max = TOKEN_JWT_MAX_TOKEN_MAX,
      .help = "longer tokens are rejected unread" },
    { .name = NULL }
};

extern CHARON_PLUGIN_EXPORT const struct charon_token_plugin charon_plugin;
CHARON_PLUGIN_EXPORT const struct charon_token_plugin charon_plugin = {
    .hdr = {
        .abi_version = CHARON_ABI_VERSION,
        .kind        = CHARON_PLUGIN_TOKEN,
        .name        = "token_jwt",
        .version     = PACKAGE_VERSION,
        .config_size = sizeof(struct token_jwt_config),
        .options     = token_jwt_options,
        .create      = token_jwt_create,
        .destroy     = token_jwt_destroy,
        .thread_init = token_jwt_thread_init,
        .thread_fini = token_jwt_thread_fini,
    },
    .sign        = token_jwt_sign,
    .verify      = token_jwt_verify,
    .public_jwks = token_jwt_public_jwks,
};
