/* token_jwt_fixture.c - the built token_jwt.so behind its descriptor. */
#include "token_jwt_fixture.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "b64url.h"
#include "cu_main.h"

#define TJ_MAX_STRS 256
#define TJ_MAX_DERIVED 8
#define TJ_TOKEN_MAX 70000

struct tj_derived {
    char salt[64];
    size_t len;
    unsigned char key[64];
};

static void *tj_dl;
static const struct charon_token_plugin *tj_desc;
static struct charon_buf tj_log = CHARON_BUF_INIT;
static char *tj_strs[TJ_MAX_STRS];
static size_t tj_nstrs;
static char *tj_files[TJ_MAX_STRS];
static size_t tj_nfiles;
static struct tj_derived tj_derived_keys[TJ_MAX_DERIVED];
static size_t tj_nderived;

void
tj_derive(const char *salt, unsigned char *out, size_t len)
{
    struct tj_derived *d;
    size_t i;

    for (i = 0; i < tj_nderived; i++) {
        d = &tj_derived_keys[i];
        if (d->len == len && strcmp(d->salt, salt) == 0) {
            memcpy(out, d->key, len);
            return;
        }
    }
    if (tj_nderived == TJ_MAX_DERIVED || len > 64 || strlen(salt) >= 64)
        abort();
    d = &tj_derived_keys[tj_nderived++];
    snprintf(d->salt, sizeof(d->salt), "%s", salt);
    d->len = len;
    if (PKCS5_PBKDF2_HMAC(TJ_SECRET, (int)strlen(TJ_SECRET),
                          (const unsigned char *)salt, (int)strlen(salt),
                          250000, EVP_sha256(), (int)len, d->key) != 1)
        abort();
    memcpy(out, d->key, len);
}

static int
tj_host_derive(const struct charon_host *host, const char *salt,
               unsigned char *out, size_t outlen, struct charon_err *err)
{
    (void)host;
    if (outlen < 1 || outlen > 64)
        return charon_err_set(err, CHARON_EINVAL, "bad length %zu", outlen);
    tj_derive(salt, out, outlen);
    return CHARON_OK;
}

static void
tj_host_log(const struct charon_host *host, enum charon_log_level level,
            const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    (void)host;
    (void)level;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    charon_buf_puts(&tj_log, line);
    charon_buf_puts(&tj_log, "\n");
}

static int64_t
tj_host_now(const struct charon_host *host)
{
    (void)host;
    return 1700000000;
}

static const struct charon_host tj_the_host = {
    .abi_version = CHARON_ABI_VERSION,
    .core = NULL,
    .log = tj_host_log,
    .derive_key = tj_host_derive,
    .now = tj_host_now,
};

int
tj_load(void)
{
    char path[4096];

    if (tj_desc != NULL)
        return 0;
    snprintf(path, sizeof(path), "%s/plugins/token_jwt/.libs/token_jwt.so",
             cu_builddir());
    tj_dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (tj_dl == NULL) {
        fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
        return -1;
    }
    tj_desc = dlsym(tj_dl, CHARON_PLUGIN_SYMBOL);
    if (tj_desc == NULL) {
        fprintf(stderr, "%s: no %s\n", path, CHARON_PLUGIN_SYMBOL);
        dlclose(tj_dl);
        tj_dl = NULL;
        return -1;
    }
    return 0;
}

int
tj_unload(void)
{
    size_t i;

    for (i = 0; i < tj_nfiles; i++) {
        unlink(tj_files[i]);
        free(tj_files[i]);
    }
    tj_nfiles = 0;
    rmdir(cu_scratch_dir());
    for (i = 0; i < tj_nstrs; i++)
        free(tj_strs[i]);
    tj_nstrs = 0;
    charon_buf_free(&tj_log);
    if (tj_dl != NULL)
        dlclose(tj_dl);
    tj_dl = NULL;
    tj_desc = NULL;
    return 0;
}

const struct charon_token_plugin *
tj_plugin(void)
{
    return tj_desc;
}

const struct charon_host *
tj_host(void)
{
    return &tj_the_host;
}

const char *
tj_log_text(void)
{
    return tj_log.data != NULL ? (const char *)tj_log.data : "";
}

const char *
tj_str(const char *fmt, ...)
{
    va_list ap, ap2;
    char *s;
    int n;

    if (tj_nstrs == TJ_MAX_STRS)
        abort();
    va_start(ap, fmt);
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    s = n < 0 ? NULL : malloc((size_t)n + 1);
    if (s == NULL)
        abort();
    vsnprintf(s, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    va_end(ap);
    tj_strs[tj_nstrs++] = s;
    return s;
}

void
tj_key(struct tj_inst *ti, const char *kid, const char *value, int line)
{
    struct charon_opt_entry *e;

    if (ti->cfg.keys.count == TJ_MAX_KEYS)
        abort();
    e = &ti->entries[ti->cfg.keys.count++];
    e->id = kid;
    e->value = value;
    e->line = line;
    ti->cfg.keys.entries = ti->entries;
}

int
tj_open(struct tj_inst *ti, const char *signing, unsigned long max,
        struct charon_err *err)
{
    int rc;

    ti->inst = NULL;
    ti->ts = NULL;
    ti->cfg.signing_key = signing;
    ti->cfg.max_token_bytes = max != 0 ? max : 8192;
    charon_err_clear(err);
    rc = tj_desc->hdr.create(&tj_the_host, &ti->cfg, &ti->inst, err);
    if (rc != CHARON_OK)
        return rc;
    rc = tj_desc->hdr.thread_init(ti->inst, &ti->ts, err);
    if (rc != CHARON_OK) {
        tj_desc->hdr.destroy(ti->inst);
        ti->inst = NULL;
    }
    return rc;
}

void
tj_close(struct tj_inst *ti)
{
    if (ti->inst != NULL && ti->ts != NULL)
        tj_desc->hdr.thread_fini(ti->inst, ti->ts);
    tj_desc->hdr.destroy(ti->inst);
    ti->inst = NULL;
    ti->ts = NULL;
}

const char *
tj_sign(struct tj_inst *ti, const char *payload)
{
    static char token[TJ_TOKEN_MAX];
    struct charon_buf out = CHARON_BUF_INIT;
    struct charon_err err;
    const char *ret = NULL;

    if (tj_desc->sign(ti->inst, ti->ts, payload, strlen(payload), &out,
                      &err) == CHARON_OK && out.len < sizeof(token)) {
        memcpy(token, out.data, out.len + 1);
        ret = token;
    }
    charon_buf_free(&out);
    return ret;
}

const char *
tj_verify(struct tj_inst *ti, const char *token)
{
    static char result[TJ_TOKEN_MAX];
    struct charon_buf out = CHARON_BUF_INIT;
    struct charon_err err;
    int rc;

    /* out starts non-empty: verify must append, and leave it alone on
     * failure. */
    charon_buf_puts(&out, "ok:");
    charon_err_clear(&err);
    rc = tj_desc->verify(ti->inst, ti->ts, token, strlen(token), &out, &err);
    if (rc == CHARON_OK)
        snprintf(result, sizeof(result), "%s", (const char *)out.data);
    else if (rc == CHARON_ETOKEN && err.code == CHARON_ETOKEN &&
             out.len == 3 && out.data[3] == '\0')
        snprintf(result, sizeof(result), "%s", err.msg);
    else
        snprintf(result, sizeof(result), "rc %d (%s), out.len %zu", rc,
                 err.msg, out.len);
    charon_buf_free(&out);
    return result;
}

const char *
tj_file(const char *name, const void *data, size_t len, mode_t mode)
{
    const char *path = tj_str("%s/%s", cu_scratch_dir(), name);
    int fd;

    unlink(path);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, data, len) != (ssize_t)len || fchmod(fd, mode) ||
        close(fd) != 0)
        abort();
    if (tj_nfiles < TJ_MAX_STRS)
        tj_files[tj_nfiles++] = strdup(path);
    return path;
}

static const char *
tj_pem_file(const char *name, EVP_PKEY *pkey, int private, mode_t mode)
{
    BIO *bio = BIO_new(BIO_s_mem());
    const char *path;
    char *pem;
    long n;

    if (bio == NULL ||
        (private ? PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL,
                                            NULL)
                 : PEM_write_bio_PUBKEY(bio, pkey)) != 1)
        abort();
    n = BIO_get_mem_data(bio, &pem);
    path = tj_file(name, pem, (size_t)n, mode);
    BIO_free(bio);
    return path;
}

void
tj_edkey(const char *name, const char *type, mode_t priv_mode,
         unsigned char *pub, size_t *pub_len)
{
    EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, type);

    *pub_len = 57;
    if (pkey == NULL || !EVP_PKEY_get_raw_public_key(pkey, pub, pub_len))
        abort();
    tj_pem_file(tj_str("%s.pem", name), pkey, 1, priv_mode);
    tj_pem_file(tj_str("%s.pub.pem", name), pkey, 0, 0644);
    EVP_PKEY_free(pkey);
}

const char *
tj_b64(const char *s)
{
    static char buf[TJ_TOKEN_MAX];

    buf[b64url_encode((const unsigned char *)s, strlen(s), buf)] = '\0';
    return buf;
}

const char *
tj_hmac_token_raw(const char *h64, const char *p64, const char *md,
                  const unsigned char *key, size_t key_len)
{
    static char token[TJ_TOKEN_MAX];
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    size_t n;

    n = (size_t)snprintf(token, sizeof(token), "%s.%s", h64, p64);
    if (HMAC(EVP_get_digestbyname(md), key, (int)key_len,
             (const unsigned char *)token, n, mac, &mac_len) == NULL)
        abort();
    token[n++] = '.';
    token[n + b64url_encode(mac, mac_len, token + n)] = '\0';
    return token;
}

const char *
tj_hmac_token(const char *header, const char *payload, const char *md,
              const unsigned char *key, size_t key_len)
{
    const char *h64 = tj_str("%s", tj_b64(header));
    const char *p64 = tj_str("%s", tj_b64(payload));

    return tj_hmac_token_raw(h64, p64, md, key, key_len);
}

/* The token with one bit of its segment seg (0..2) flipped in the
 * decoded bytes. */
const char *
tj_flip_bit(const char *token, int seg, size_t byte)
{
    unsigned char raw[512];
    const char *start = token, *end;
    char out[1024];
    size_t n, pre;
    int i;

    for (i = 0; i < seg; i++)
        start = strchr(start, '.') + 1;
    end = strchr(start, '.');
    if (end == NULL)
        end = start + strlen(start);
    CU_ASSERT_FATAL(b64url_decode(start, (size_t)(end - start), raw, &n) ==
                    0 && byte < n);
    raw[byte] ^= 0x01;
    pre = (size_t)(start - token);
    memcpy(out, token, pre);
    n = b64url_encode(raw, n, out + pre);
    snprintf(out + pre + n, sizeof(out) - pre - n, "%s", end);
    return tj_str("%s", out);
}
