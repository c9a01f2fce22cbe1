/*
 * token_bench.c - what token_jwt's verify() costs next to the raw
 * primitives it is built from (bench/README.md).  Not a test.
 *
 * One process, one thread.  The built plugin is loaded with dlopen like
 * the unit tests.  Cases, each followed by the same json-c parse of the
 * payload with a re-used tokener:
 *   RAW   pre-keyed EVP_MAC_CTX re-used with EVP_MAC_init(ctx, NULL, 0,
 *         NULL), table base64url decode of signature and payload,
 *         CRYPTO_memcmp
 *   OURS  the plugin's verify() (fast path: our exact header bytes)
 *   OURS slow path: the same claims under Charon <= 4.1's sorted header
 *   OURS EdDSA: an Ed25519 token, for reference
 * Each case: warm-up, then >= 300 ms per run, median of 5 runs.
 *
 * Usage: bench/token_bench [path/to/token_jwt.so]
 * (default: $CHARON_TEST_BUILDDIR or ., then plugins/token_jwt/.libs/)
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <charon/token.h>

#include "b64url.h"
#include "json_claims.h"
#include "token_jwt_config.h"

#define BENCH_RUNS 5
#define BENCH_MIN_NS 300000000ll      /* 300 ms per run */
#define BENCH_WARMUP_NS 100000000ll
#define BENCH_PAYLOAD \
    "{\"exp\":4102444800,\"iat\":1700000000,\"iss\":\"https://ab.io\"," \
    "\"jti\":\"x2J3i4lS0fXr8s7b1Qy3Ww\",\"nbf\":1700000000," \
    "\"sid\":\"q9Zk2mW3x5Vb7Nc1Ld0Pga\",\"sub\":1,\"type\":\"access\"," \
    "\"styp\":\"full\"}"
#define BENCH_SORTED_HDR \
    "{\"alg\":\"HS256\",\"kid\":\"default\",\"typ\":\"JWT\"}"

struct bench {
    const struct charon_token_plugin *plugin;
    void *inst, *ts;
    EVP_MAC_CTX *mac;               /* RAW: pre-keyed HMAC-SHA256 */
    json_tokener *tok;
    struct json_claims claims;
    struct charon_buf out;
    unsigned char buf[1024];
    const char *token;              /* the case's token */
    size_t token_len;
    unsigned long sink;             /* keeps the work observable */
};

typedef int (*bench_fn)(struct bench *b);

static const unsigned char bench_key[32] = "charon-fcgi token_bench key 32B";

static long long
bench_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static int
bench_parse(struct bench *b, const char *json, size_t len)
{
    struct json_object *obj;

    json_tokener_reset(b->tok);
    obj = json_tokener_parse_ex(b->tok, json, (int)len);
    if (obj == NULL)
        return -1;
    b->sink += (unsigned long)json_object_object_length(obj);
    json_object_put(obj);
    return 0;
}

/* RAW: the primitives alone, no checks beyond the signature. */
static int
bench_raw(struct bench *b)
{
    const char *t = b->token, *d1, *d2;
    unsigned char mac[32], sig[64];
    size_t mac_len = 0, n;

    d1 = memchr(t, '.', b->token_len);
    d2 = memchr(d1 + 1, '.', b->token_len - (size_t)(d1 + 1 - t));
    if (!EVP_MAC_init(b->mac, NULL, 0, NULL) ||
        !EVP_MAC_update(b->mac, (const unsigned char *)t, (size_t)(d2 - t)) ||
        !EVP_MAC_final(b->mac, mac, &mac_len, sizeof(mac)))
        return -1;
    if (b64url_decode(d2 + 1, b->token_len - (size_t)(d2 + 1 - t), sig, &n) ||
        n != mac_len || CRYPTO_memcmp(sig, mac, n) != 0)
        return -1;
    if (b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), b->buf, &n) != 0)
        return -1;
    return bench_parse(b, (const char *)b->buf, n);
}

static int
bench_ours(struct bench *b)
{
    struct charon_err err;

    charon_buf_reset(&b->out);
    if (b->plugin->verify(b->inst, b->ts, b->token, b->token_len, &b->out,
                          &err) != CHARON_OK)
        return -1;
    return bench_parse(b, (const char *)b->out.data, b->out.len);
}

/* What the daemon runs per request: verify(), then the allocation-free
 * payload reader (src/json_claims.c) and the claims its checks read. */
static int
bench_daemon(struct bench *b)
{
    static const char *const names[] = { "nbf", "exp", "type", "iss", "sub",
                                         "sid", "styp" };
    const struct json_claims_value *v;
    struct charon_err err;
    int64_t t;
    size_t i;

    charon_buf_reset(&b->out);
    if (b->plugin->verify(b->inst, b->ts, b->token, b->token_len, &b->out,
                          &err) != CHARON_OK ||
        json_claims_parse((const char *)b->out.data, b->out.len,
                          &b->claims) != 0)
        return -1;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        v = json_claims_get(&b->claims, names[i]);
        if (v == NULL)
            return -1;
        if (i < 2 && json_claims_int(v, &t) == 0)
            b->sink += (unsigned long)t;
    }
    return 0;
}

/* Median ns/op of BENCH_RUNS runs of >= BENCH_MIN_NS each; runs[] gets
 * every run. */
static double
bench_case(struct bench *b, bench_fn fn, double *runs)
{
    double sorted[BENCH_RUNS], tmp;
    long long start, elapsed;
    unsigned long iters, batch;
    int r, i, j;

    start = bench_now_ns();
    for (batch = 0; bench_now_ns() - start < BENCH_WARMUP_NS; batch++)
        if (fn(b) != 0)
            return -1;
    batch = batch / 10 + 1;
    for (r = 0; r < BENCH_RUNS; r++) {
        iters = 0;
        start = bench_now_ns();
        do {
            for (i = 0; i < (int)batch; i++)
                if (fn(b) != 0)
                    return -1;
            iters += batch;
            elapsed = bench_now_ns() - start;
        } while (elapsed < BENCH_MIN_NS);
        runs[r] = (double)elapsed / (double)iters;
    }
    memcpy(sorted, runs, sizeof(sorted));
    for (i = 1; i < BENCH_RUNS; i++)
        for (j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
            tmp = sorted[j];
            sorted[j] = sorted[j - 1];
            sorted[j - 1] = tmp;
        }
    return sorted[BENCH_RUNS / 2];
}

static void
bench_log(const struct charon_host *host, enum charon_log_level level,
          const char *fmt, ...)
{
    (void)host;
    (void)level;
    (void)fmt;
}

static int
bench_derive(const struct charon_host *host, const char *salt,
             unsigned char *out, size_t outlen, struct charon_err *err)
{
    (void)host;
    (void)salt;
    (void)out;
    (void)outlen;
    return charon_err_set(err, CHARON_EUNSUPP, "no base secret in the bench");
}

static const struct charon_host bench_host = {
    .abi_version = CHARON_ABI_VERSION,
    .log = bench_log,
    .derive_key = bench_derive,
};

static int
bench_write(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    if (fd < 0)
        return -1;
    if (write(fd, data, len) != (ssize_t)len) {
        close(fd);
        return -1;
    }
    return close(fd);
}

static int
bench_write_ed25519(const char *path)
{
    EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    BIO *bio = BIO_new(BIO_s_mem());
    char *pem;
    long n;
    int rc = -1;

    if (pkey != NULL && bio != NULL &&
        PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) == 1) {
        n = BIO_get_mem_data(bio, &pem);
        rc = bench_write(path, pem, (size_t)n);
    }
    BIO_free(bio);
    EVP_PKEY_free(pkey);
    return rc;
}

/* create() with key.default (HS256, bench_key) and key.ed (Ed25519),
 * signing with kid signing, plus one thread state. */
static int
bench_open(const struct charon_token_plugin *p, const char *dir,
           const char *signing, void **inst, void **ts)
{
    static char hs[4200], ed[4200];
    static struct charon_opt_entry entries[2];
    struct token_jwt_config cfg;
    struct charon_err err;

    snprintf(hs, sizeof(hs), "HS256:file:%s/hs256.key", dir);
    snprintf(ed, sizeof(ed), "EdDSA:%s/ed25519.pem", dir);
    entries[0] = (struct charon_opt_entry){ "default", hs, 1 };
    entries[1] = (struct charon_opt_entry){ "ed", ed, 2 };
    cfg.signing_key = signing;
    cfg.keys.entries = entries;
    cfg.keys.count = 2;
    cfg.max_token_bytes = 8192;
    if (p->hdr.create(&bench_host, &cfg, inst, &err) != CHARON_OK ||
        p->hdr.thread_init(*inst, ts, &err) != CHARON_OK) {
        fprintf(stderr, "token_bench: create: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static void
bench_close(const struct charon_token_plugin *p, void *inst, void *ts)
{
    if (inst == NULL)
        return;
    if (ts != NULL)
        p->hdr.thread_fini(inst, ts);
    p->hdr.destroy(inst);
}

/* A token signed by the plugin with kid signing (static, per kid). */
static char *
bench_sign(const struct charon_token_plugin *p, const char *dir,
           const char *signing)
{
    struct charon_buf out = CHARON_BUF_INIT;
    void *inst = NULL, *ts = NULL;
    struct charon_err err;
    char *token = NULL;

    if (bench_open(p, dir, signing, &inst, &ts) == 0 &&
        p->sign(inst, ts, BENCH_PAYLOAD, strlen(BENCH_PAYLOAD), &out,
                &err) == CHARON_OK)
        token = strdup((const char *)out.data);
    charon_buf_free(&out);
    bench_close(p, inst, ts);
    return token;
}

/* Charon <= 4.1 header bytes, signed by hand with the RAW context. */
static char *
bench_sorted_token(struct bench *b)
{
    unsigned char mac[32];
    size_t n, mac_len = 0;
    char *t = malloc(1024);

    if (t == NULL)
        return NULL;
    n = b64url_encode((const unsigned char *)BENCH_SORTED_HDR,
                      strlen(BENCH_SORTED_HDR), t);
    t[n++] = '.';
    n += b64url_encode((const unsigned char *)BENCH_PAYLOAD,
                       strlen(BENCH_PAYLOAD), t + n);
    if (!EVP_MAC_init(b->mac, NULL, 0, NULL) ||
        !EVP_MAC_update(b->mac, (const unsigned char *)t, n) ||
        !EVP_MAC_final(b->mac, mac, &mac_len, sizeof(mac))) {
        free(t);
        return NULL;
    }
    t[n++] = '.';
    t[n + b64url_encode(mac, mac_len, t + n)] = '\0';
    return t;
}

/* Every verifier must accept its token and refuse it with one
 * signature character changed. */
static int
bench_sane(struct bench *b, bench_fn fn, const char *token)
{
    char *bad = strdup(token);
    char *c;
    int ok;

    if (bad == NULL)
        return 0;
    c = strrchr(bad, '.') + 5;
    *c = *c == 'A' ? 'B' : 'A';
    b->token = token;
    b->token_len = strlen(token);
    ok = fn(b) == 0;
    b->token = bad;
    b->token_len = strlen(bad);
    ok = ok && fn(b) != 0;
    free(bad);
    b->token = token;
    b->token_len = strlen(token);
    return ok;
}

static EVP_MAC_CTX *
bench_raw_ctx(void)
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM params[2];

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    if (ctx != NULL &&
        !EVP_MAC_init(ctx, bench_key, sizeof(bench_key), params)) {
        EVP_MAC_CTX_free(ctx);
        ctx = NULL;
    }
    EVP_MAC_free(mac);
    return ctx;
}

static void
bench_row(const char *name, double ns, const double *runs)
{
    int r;

    printf("%-48s %9.0f %10.0f  ", name, ns, 1e9 / ns);
    for (r = 0; r < BENCH_RUNS; r++)
        printf("%s%.0f", r ? " / " : "", runs[r]);
    printf("\n");
}

int
main(int argc, char **argv)
{
    static const char *const names[] = {
        "RAW  HMAC ctx + b64url + memcmp + json-c",
        "OURS verify() + json-c (fast path)",
        "OURS verify() + json-c (slow path, sorted hdr)",
        "OURS verify() + json-c, EdDSA Ed25519",
        "DAEMON verify() + json_claims + 7 claims read",
    };
    const bench_fn fns[] = { bench_raw, bench_ours, bench_ours, bench_ours,
                             bench_daemon };
    struct bench b = { .out = CHARON_BUF_INIT };
    char so[4096], dir[] = "/tmp/token_bench-XXXXXX", path[4200];
    char *tokens[5] = { NULL, NULL, NULL, NULL, NULL };
    double ns[5], runs[5][BENCH_RUNS];
    const char *top = getenv("CHARON_TEST_BUILDDIR");
    void *dl = NULL;
    int i, rc = 1, made_dir = 0;

    if (argc > 1)
        snprintf(so, sizeof(so), "%s", argv[1]);
    else
        snprintf(so, sizeof(so), "%s/plugins/token_jwt/.libs/token_jwt.so",
                 top != NULL && top[0] != '\0' ? top : ".");
    dl = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    if (dl == NULL || (b.plugin = dlsym(dl, CHARON_PLUGIN_SYMBOL)) == NULL) {
        fprintf(stderr, "token_bench: cannot load %s: %s\n", so, dlerror());
        goto out;
    }
    if (mkdtemp(dir) == NULL)
        goto out;
    made_dir = 1;
    snprintf(path, sizeof(path), "%s/hs256.key", dir);
    if (bench_write(path, bench_key, sizeof(bench_key)) != 0)
        goto out;
    snprintf(path, sizeof(path), "%s/ed25519.pem", dir);
    if (bench_write_ed25519(path) != 0)
        goto out;
    b.mac = bench_raw_ctx();
    b.tok = json_tokener_new();
    if (b.mac == NULL || b.tok == NULL ||
        bench_open(b.plugin, dir, "default", &b.inst, &b.ts) != 0)
        goto out;
    tokens[0] = bench_sign(b.plugin, dir, "default");
    tokens[1] = tokens[0] != NULL ? strdup(tokens[0]) : NULL;
    tokens[2] = bench_sorted_token(&b);
    tokens[3] = bench_sign(b.plugin, dir, "ed");
    tokens[4] = tokens[0] != NULL ? strdup(tokens[0]) : NULL;
    for (i = 0; i < 5; i++)
        if (tokens[i] == NULL || !bench_sane(&b, fns[i], tokens[i])) {
            fprintf(stderr, "token_bench: sanity check failed: %s\n",
                    names[i]);
            goto out;
        }

    printf("token_bench: HS256 token %zu B (payload %zu B, signing input "
           "%zu B), 32-byte key;\n", strlen(tokens[0]),
           strlen(BENCH_PAYLOAD), (size_t)(strrchr(tokens[0], '.') -
                                           tokens[0]));
    printf("median of %d runs of >= %lld ms each, one thread\n\n",
           BENCH_RUNS, BENCH_MIN_NS / 1000000);
    printf("%-48s %9s %10s  %s\n", "case", "ns/op", "ops/s", "runs (ns/op)");
    for (i = 0; i < 5; i++) {
        b.token = tokens[i];
        b.token_len = strlen(tokens[i]);
        ns[i] = bench_case(&b, fns[i], runs[i]);
        if (ns[i] < 0) {
            fprintf(stderr, "token_bench: %s failed\n", names[i]);
            goto out;
        }
        bench_row(names[i], ns[i], runs[i]);
    }
    printf("\nratio OURS/RAW = %.2f (target <= 2.0); slow path/RAW = %.2f; "
           "EdDSA/OURS = %.0f\nratio DAEMON/RAW = %.2f (the daemon's own "
           "path: verify + json_claims)\n", ns[1] / ns[0], ns[2] / ns[0],
           ns[3] / ns[1], ns[4] / ns[0]);
    rc = 0;
out:
    for (i = 0; i < 5; i++)
        free(tokens[i]);
    charon_buf_free(&b.out);
    if (b.tok != NULL)
        json_tokener_free(b.tok);
    EVP_MAC_CTX_free(b.mac);
    if (b.plugin != NULL)
        bench_close(b.plugin, b.inst, b.ts);
    if (made_dir) {
        snprintf(path, sizeof(path), "%s/hs256.key", dir);
        unlink(path);
        snprintf(path, sizeof(path), "%s/ed25519.pem", dir);
        unlink(path);
        rmdir(dir);
    }
    if (dl != NULL)
        dlclose(dl);
    return rc == 0 && b.sink != 0 ? 0 : 1;
}
