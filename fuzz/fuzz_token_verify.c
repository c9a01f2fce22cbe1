/*
 * fuzz_token_verify.c - the built token_jwt.so through its descriptor, as
 * the core drives it: verify() of the input as a token against a keyset
 * of HS256 (default), Ed25519 and Poly1305 keys; then the input is signed
 * as a payload by each of the three keys and the token must verify back
 * to it (less the whitespace around the object), so the payload path is
 * reached too.
 *
 * The plugin, three instances (one per signing key) and their thread
 * states are set up once, lazily: the only global state.  The host's key
 * derivation is a plain SHA-512 of the salt (no PBKDF2), so that
 * mint_tokens.py can sign seeds with the same keys.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/sha.h>

#include <charon/buf.h>
#include <charon/err.h>
#include <charon/plugin.h>
#include <charon/token.h>

#include "token_jwt_config.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NKEYS 3
#define FUZZ_NSIGNERS 3

/* Ed25519 test key; its public half verifies the seeds' EdDSA tokens. */
static const char fuzz_ed_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIK3yhfpp/TiYZDRZeo1yaWozub01E/j8GVTUUT8CHu8X\n"
    "-----END PRIVATE KEY-----\n";

struct fuzz_tv {
    const struct charon_token_plugin *plugin;
    void *inst[FUZZ_NSIGNERS];
    void *ts[FUZZ_NSIGNERS];
};

static struct fuzz_tv *fuzz_tv;

static void
fuzz_log(const struct charon_host *host, enum charon_log_level level,
         const char *fmt, ...)
{
    (void)host;
    (void)level;
    (void)fmt;
}

static int
fuzz_derive(const struct charon_host *host, const char *salt,
            unsigned char *out, size_t outlen, struct charon_err *err)
{
    unsigned char md[SHA512_DIGEST_LENGTH];
    char in[256];
    int n;

    (void)host;
    n = snprintf(in, sizeof(in), "charon-fuzz:%s", salt);
    if (outlen < 1 || outlen > sizeof(md) || n < 0 || (size_t)n >= sizeof(in))
        return charon_err_set(err, CHARON_EINVAL, "bad derive");
    SHA512((const unsigned char *)in, (size_t)n, md);
    memcpy(out, md, outlen);
    return CHARON_OK;
}

static int64_t
fuzz_now(const struct charon_host *host)
{
    (void)host;
    return 1700000000;
}

static const struct charon_host fuzz_host = {
    .abi_version = CHARON_ABI_VERSION,
    .core = NULL,
    .log = fuzz_log,
    .derive_key = fuzz_derive,
    .now = fuzz_now,
};

static int
fuzz_is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void
fuzz_die(const char *what, const char *why)
{
    fprintf(stderr, "fuzz_token_verify: %s: %s\n", what, why);
    abort();
}

static struct fuzz_tv *
fuzz_setup(void)
{
    static const char *const signers[FUZZ_NSIGNERS] = { "default", "ed",
                                                        "p" };
    struct charon_opt_entry entries[FUZZ_NKEYS];
    struct token_jwt_config cfg;
    struct charon_err err;
    char so[4096], pem[] = "/tmp/charon-fuzz-ed.XXXXXX", edval[64];
    const char *dir;
    struct fuzz_tv *tv;
    void *dl;
    int fd, i;

    tv = calloc(1, sizeof(*tv));
    if (tv == NULL)
        abort();
    dir = getenv("CHARON_FUZZ_PLUGIN_DIR");
    snprintf(so, sizeof(so), "%s/token_jwt.so",
             dir != NULL ? dir : FUZZ_BUILDDIR "/plugins/token_jwt/.libs");
    dl = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    if (dl == NULL)
        fuzz_die(so, dlerror());
    tv->plugin = dlsym(dl, CHARON_PLUGIN_SYMBOL);
    if (tv->plugin == NULL)
        fuzz_die(so, "no descriptor");
    /* The plugin reads the PEM in create(); the file goes right after. */
    fd = mkstemp(pem);
    if (fd < 0 || write(fd, fuzz_ed_pem, sizeof(fuzz_ed_pem) - 1) !=
                      (ssize_t)(sizeof(fuzz_ed_pem) - 1) || close(fd) != 0)
        fuzz_die(pem, "cannot write");
    snprintf(edval, sizeof(edval), "EdDSA:%s", pem);
    entries[0] = (struct charon_opt_entry){ .id = "default",
                                            .value = "HS256:derived",
                                            .line = 1 };
    entries[1] = (struct charon_opt_entry){ .id = "ed", .value = edval,
                                            .line = 2 };
    entries[2] = (struct charon_opt_entry){ .id = "p",
                                            .value = "Poly1305:derived",
                                            .line = 3 };
    for (i = 0; i < FUZZ_NSIGNERS; i++) {
        memset(&cfg, 0, sizeof(cfg));
        cfg.signing_key = signers[i];
        cfg.keys.entries = entries;
        cfg.keys.count = FUZZ_NKEYS;
        cfg.max_token_bytes = TOKEN_JWT_MAX_TOKEN_MAX;
        charon_err_clear(&err);
        if (tv->plugin->hdr.create(&fuzz_host, &cfg, &tv->inst[i], &err) !=
                CHARON_OK ||
            tv->plugin->hdr.thread_init(tv->inst[i], &tv->ts[i], &err) !=
                CHARON_OK)
            fuzz_die("create", err.msg);
    }
    unlink(pem);
    return tv;
}

/* Before libFuzzer starts, so that it counts the plugins' coverage (a
 * module dlopen()ed later is not instrumented for it). */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (fuzz_tv == NULL)
        fuzz_tv = fuzz_setup();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct charon_buf tok = CHARON_BUF_INIT, out = CHARON_BUF_INIT;
    struct charon_err err;
    size_t skip, plen;
    int i, rc;

    if (fuzz_tv == NULL)
        fuzz_tv = fuzz_setup();

    /* The input as a token: each instance has the same keyset. */
    charon_err_clear(&err);
    rc = fuzz_tv->plugin->verify(fuzz_tv->inst[0], fuzz_tv->ts[0],
                                 (const char *)data, size, &out, &err);
    if (rc != CHARON_OK && (out.len != 0 || rc != err.code))
        abort();
    charon_buf_free(&out);

    /* The input as a payload, signed by each key, must come back. */
    for (skip = 0; skip < size && fuzz_is_space(data[skip]); skip++)
        ;
    for (plen = size - skip; plen > 0 && fuzz_is_space(data[skip + plen - 1]);
         plen--)
        ;
    for (i = 0; i < FUZZ_NSIGNERS; i++) {
        charon_err_clear(&err);
        rc = fuzz_tv->plugin->sign(fuzz_tv->inst[i], fuzz_tv->ts[i],
                                   (const char *)data, size, &tok, &err);
        if (rc == CHARON_OK) {
            rc = fuzz_tv->plugin->verify(fuzz_tv->inst[0], fuzz_tv->ts[0],
                                         (const char *)tok.data, tok.len,
                                         &out, &err);
            /* What sign() makes, verify() takes, unless over the limit. */
            if (rc != CHARON_OK && tok.len <= TOKEN_JWT_MAX_TOKEN_MAX)
                fuzz_die("own token rejected", err.msg);
            /* The payload comes back without the JSON whitespace
             * around the object. */
            if (rc == CHARON_OK &&
                (out.len != plen || memcmp(out.data, data + skip, plen) != 0))
                abort();
        } else if (tok.len != 0) {
            abort();
        }
        charon_buf_free(&tok);
        charon_buf_free(&out);
    }
    return 0;
}
