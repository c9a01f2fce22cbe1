/* keys.c - PBKDF2 key derivation with an in-memory and on-disk cache. */
#include "keys.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "key_cache.h"
#include "log.h"

struct keys_entry {
    struct keys_entry *next;
    char *salt;
    size_t len;
    unsigned char key[KEYS_MAX_LEN];
};

struct keys {
    unsigned char *secret;
    size_t secret_len;
    char *cache_dir;               /* NULL: no disk cache */
    pthread_mutex_t lock;          /* guards entries and runs */
    struct keys_entry *entries;
    unsigned runs;
};

int
keys_pbkdf2(const unsigned char *secret, size_t secret_len, const char *salt,
            unsigned iterations, unsigned char *out, size_t outlen,
            struct charon_err *err)
{
    if (PKCS5_PBKDF2_HMAC((const char *)secret, (int)secret_len,
                          (const unsigned char *)salt, (int)strlen(salt),
                          (int)iterations, EVP_sha256(), (int)outlen,
                          out) != 1)
        return charon_err_set(err, CHARON_EIO, "PBKDF2 failed");
    return CHARON_OK;
}

int
keys_new(unsigned char *secret, size_t secret_len, const char *cache_dir,
         struct keys **out, struct charon_err *err)
{
    struct keys *k = calloc(1, sizeof(*k));

    if (k == NULL)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    if (cache_dir != NULL && cache_dir[0] != '\0') {
        k->cache_dir = strdup(cache_dir);
        if (k->cache_dir == NULL) {
            free(k);
            return charon_err_set(err, CHARON_ENOMEM, "out of memory");
        }
    }
    pthread_mutex_init(&k->lock, NULL);
    k->secret = secret;
    k->secret_len = secret_len;
    *out = k;
    return CHARON_OK;
}

void
keys_free(struct keys *k)
{
    struct keys_entry *e, *next;

    if (k == NULL)
        return;
    for (e = k->entries; e != NULL; e = next) {
        next = e->next;
        OPENSSL_cleanse(e->key, sizeof(e->key));
        free(e->salt);
        free(e);
    }
    if (k->secret != NULL) {
        OPENSSL_cleanse(k->secret, k->secret_len);
        free(k->secret);
    }
    free(k->cache_dir);
    pthread_mutex_destroy(&k->lock);
    free(k);
}

static struct keys_entry *
keys_find(struct keys *k, const char *salt, size_t len)
{
    struct keys_entry *e;

    for (e = k->entries; e != NULL; e = e->next)
        if (e->len == len && strcmp(e->salt, salt) == 0)
            return e;
    return NULL;
}

int
keys_derive(struct keys *k, const char *salt, unsigned char *out,
            size_t outlen, struct charon_err *err)
{
    struct keys_entry *e;
    struct charon_err cerr;
    int rc;

    if (outlen == 0 || outlen > KEYS_MAX_LEN)
        return charon_err_set(err, CHARON_EINVAL,
                              "derived key length %zu not in 1..%d", outlen,
                              KEYS_MAX_LEN);
    /* Held across PBKDF2 on purpose: one derivation per salt, not one per
     * thread that asks at the same time.  Only start-up derives. */
    pthread_mutex_lock(&k->lock);
    e = keys_find(k, salt, outlen);
    if (e != NULL) {
        memcpy(out, e->key, outlen);
        rc = CHARON_OK;
        goto out;
    }
    e = calloc(1, sizeof(*e));
    if (e == NULL || (e->salt = strdup(salt)) == NULL) {
        free(e);
        rc = charon_err_set(err, CHARON_ENOMEM, "out of memory");
        goto out;
    }
    e->len = outlen;
    rc = CHARON_EIO;
    if (k->cache_dir != NULL)
        rc = key_cache_load(k->cache_dir, k->secret, k->secret_len, salt,
                            KEYS_PBKDF2_ITERATIONS, e->key, outlen, &cerr);
    if (rc != CHARON_OK) {
        if (k->cache_dir != NULL && rc != CHARON_ENOTFOUND)
            log_msg(CHARON_LOG_WARN, "key cache: %s", cerr.msg);
        rc = keys_pbkdf2(k->secret, k->secret_len, salt,
                         KEYS_PBKDF2_ITERATIONS, e->key, outlen, err);
        if (rc != CHARON_OK) {
            free(e->salt);
            free(e);
            goto out;
        }
        k->runs++;
        if (k->cache_dir != NULL &&
            key_cache_store(k->cache_dir, k->secret, k->secret_len, salt,
                            KEYS_PBKDF2_ITERATIONS, e->key, outlen,
                            &cerr) != CHARON_OK)
            log_msg(CHARON_LOG_WARN, "key cache: %s", cerr.msg);
    }
    e->next = k->entries;
    k->entries = e;
    memcpy(out, e->key, outlen);
out:
    pthread_mutex_unlock(&k->lock);
    return rc;
}

unsigned
keys_pbkdf2_runs(const struct keys *k)
{
    return k->runs;
}
