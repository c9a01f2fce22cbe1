/* key_cache.c - derived keys on disk, for CGI cold starts. */
#include "key_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "trusted_file.h"

#define KEY_CACHE_TAG "charon-fcgi key cache v1"
#define KEY_CACHE_CHECK_LEN 16
#define KEY_CACHE_MAX_KEY 64

static int
key_cache_name(const char *dir, const unsigned char *secret,
               size_t secret_len, const char *salt, unsigned iterations,
               size_t len, char *path, size_t path_len,
               struct charon_err *err)
{
    unsigned char md[32];
    char hex[65], num[48];
    EVP_MD_CTX *ctx;
    unsigned i;
    int n;

    ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    n = snprintf(num, sizeof(num), "%u/%zu", iterations, len);
    if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
        EVP_DigestUpdate(ctx, KEY_CACHE_TAG, sizeof(KEY_CACHE_TAG)) != 1 ||
        EVP_DigestUpdate(ctx, secret, secret_len) != 1 ||
        EVP_DigestUpdate(ctx, "\0", 1) != 1 ||
        EVP_DigestUpdate(ctx, salt, strlen(salt) + 1) != 1 ||
        EVP_DigestUpdate(ctx, num, (size_t)n) != 1 ||
        EVP_DigestFinal_ex(ctx, md, NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        return charon_err_set(err, CHARON_EIO, "SHA-256 failed");
    }
    EVP_MD_CTX_free(ctx);
    for (i = 0; i < sizeof(md); i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    n = snprintf(path, path_len, "%s/%s.key", dir, hex);
    if (n < 0 || (size_t)n >= path_len)
        return charon_err_set(err, CHARON_EINVAL, "key cache path too long");
    return CHARON_OK;
}

static int
key_cache_check(const unsigned char *secret, size_t secret_len,
                const unsigned char *key, size_t len,
                unsigned char check[KEY_CACHE_CHECK_LEN])
{
    unsigned char mac[32];
    unsigned int mac_len = 0;

    if (HMAC(EVP_sha256(), secret, (int)secret_len, key, len, mac,
             &mac_len) == NULL)
        return CHARON_EIO;
    memcpy(check, mac, KEY_CACHE_CHECK_LEN);
    OPENSSL_cleanse(mac, sizeof(mac));
    return CHARON_OK;
}

/* mkdir -p of dir's parents, each created 0700 (so owned by this
 * process); existing ones are left as they are. */
static int
key_cache_parents(const char *dir, struct charon_err *err)
{
    char path[PATH_MAX];
    char *slash;

    if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
        return charon_err_set(err, CHARON_EINVAL, "key cache path too long");
    for (slash = strchr(path + 1, '/'); slash != NULL;
         slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        if (mkdir(path, 0700) < 0 && errno != EEXIST)
            return charon_err_set(err, CHARON_EIO, "mkdir %s: %m", path);
        *slash = '/';
    }
    return CHARON_OK;
}

/* The directory must be ours and not writable by anyone else; created
 * 0700 when missing, with its missing parents (a fresh install's
 * $localstatedir/cache). */
static int
key_cache_dir_ok(const char *dir, struct charon_err *err)
{
    struct stat st;
    int rc;

    errno = 0;
    if (mkdir(dir, 0700) < 0 && errno == ENOENT) {
        rc = key_cache_parents(dir, err);
        if (rc != CHARON_OK)
            return rc;
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
            return charon_err_set(err, CHARON_EIO, "mkdir %s: %m", dir);
    } else if (errno != 0 && errno != EEXIST) {
        return charon_err_set(err, CHARON_EIO, "mkdir %s: %m", dir);
    }
    if (lstat(dir, &st) < 0)
        return charon_err_set(err, CHARON_EIO, "stat %s: %m", dir);
    if (!S_ISDIR(st.st_mode))
        return charon_err_set(err, CHARON_ECONFIG, "%s is not a directory",
                              dir);
    if (st.st_uid != geteuid())
        return charon_err_set(err, CHARON_ECONFIG,
                              "%s belongs to uid %u, not to this process "
                              "(uid %u); not used", dir, (unsigned)st.st_uid,
                              (unsigned)geteuid());
    if (st.st_mode & (S_IRWXG | S_IRWXO))
        return charon_err_set(err, CHARON_ECONFIG,
                              "%s is open to group or others (mode "
                              "%04o); run chmod 700 %s", dir,
                              (unsigned)(st.st_mode & 07777), dir);
    return CHARON_OK;
}

/* The cache file of (salt, iterations, len), in a directory fit to hold
 * it (created 0700 if missing). */
static int
key_cache_path(const char *dir, const unsigned char *secret,
               size_t secret_len, const char *salt, unsigned iterations,
               size_t len, char *path, size_t path_len,
               struct charon_err *err)
{
    int rc;

    if (len > KEY_CACHE_MAX_KEY)
        return charon_err_set(err, CHARON_EINVAL, "key too long to cache");
    rc = key_cache_dir_ok(dir, err);
    if (rc != CHARON_OK)
        return rc;
    return key_cache_name(dir, secret, secret_len, salt, iterations, len,
                          path, path_len, err);
}

int
key_cache_load(const char *dir, const unsigned char *secret,
               size_t secret_len, const char *salt, unsigned iterations,
               unsigned char *out, size_t len, struct charon_err *err)
{
    unsigned char check[KEY_CACHE_CHECK_LEN];
    char path[PATH_MAX];
    struct charon_err why;
    struct trusted_file f;
    int rc;

    rc = key_cache_path(dir, secret, secret_len, salt, iterations, len, path,
                        sizeof(path), err);
    if (rc != CHARON_OK)
        return rc;
    rc = trusted_file_read(path, TRUSTED_FILE_PRIVATE,
                           KEY_CACHE_MAX_KEY + KEY_CACHE_CHECK_LEN, &f, &why);
    if (rc == CHARON_ENOTFOUND)
        return charon_err_set(err, rc, "no cached key");
    if (rc != CHARON_OK)
        return charon_err_set(err, rc, "the cached key of salt \"%s\" is "
                              "not used: %s", salt, why.msg);
    if (f.len != len + KEY_CACHE_CHECK_LEN ||
        key_cache_check(secret, secret_len, f.data, len, check) != CHARON_OK ||
        CRYPTO_memcmp(check, f.data + len, KEY_CACHE_CHECK_LEN) != 0) {
        rc = charon_err_set(err, CHARON_EIO, "the cached key of salt \"%s\" "
                            "in %s is damaged; derived again", salt, dir);
        goto out;
    }
    memcpy(out, f.data, len);
    rc = CHARON_OK;
out:
    trusted_file_free(&f);
    return rc;
}

int
key_cache_store(const char *dir, const unsigned char *secret,
                size_t secret_len, const char *salt, unsigned iterations,
                const unsigned char *key, size_t len, struct charon_err *err)
{
    unsigned char buf[KEY_CACHE_MAX_KEY + KEY_CACHE_CHECK_LEN];
    char path[PATH_MAX], tmp[PATH_MAX];
    size_t total = len + KEY_CACHE_CHECK_LEN;
    int fd, rc;

    rc = key_cache_path(dir, secret, secret_len, salt, iterations, len, path,
                        sizeof(path), err);
    if (rc != CHARON_OK)
        return rc;
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.tmp-XXXXXX", dir) >=
        sizeof(tmp))
        return charon_err_set(err, CHARON_EINVAL, "key cache path too long");
    memcpy(buf, key, len);
    if (key_cache_check(secret, secret_len, key, len, buf + len) != CHARON_OK) {
        rc = charon_err_set(err, CHARON_EIO, "HMAC failed");
        goto out;
    }
    fd = mkstemp(tmp);          /* 0600 */
    if (fd < 0) {
        rc = charon_err_set(err, CHARON_EIO, "create a key file in %s: %m",
                            dir);
        goto out;
    }
    if (write(fd, buf, total) != (ssize_t)total || fsync(fd) < 0) {
        rc = charon_err_set(err, CHARON_EIO, "write a key file in %s: %m",
                            dir);
        close(fd);
        unlink(tmp);
        goto out;
    }
    close(fd);
    if (rename(tmp, path) < 0) {
        rc = charon_err_set(err, CHARON_EIO, "store a key file in %s: %m",
                            dir);
        unlink(tmp);
        goto out;
    }
    rc = CHARON_OK;
out:
    OPENSSL_cleanse(buf, sizeof(buf));
    return rc;
}
