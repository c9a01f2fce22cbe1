/* hmac_cache.c - per-thread keyed HMAC-SHA256 contexts. */
#include "hmac_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define HMAC_CACHE_KEY_MAX 64

struct hmac_cache {
    EVP_MAC_CTX *ctx;
    unsigned char key[HMAC_CACHE_KEY_MAX];
    size_t key_len;
};

static pthread_key_t hmac_cache_tls;
static pthread_once_t hmac_cache_once = PTHREAD_ONCE_INIT;
static int hmac_cache_ok;

static void
hmac_cache_free(void *p)
{
    struct hmac_cache *c = p;

    EVP_MAC_CTX_free(c->ctx);
    OPENSSL_cleanse(c, sizeof(*c));
    free(c);
}

static void
hmac_cache_init(void)
{
    hmac_cache_ok = pthread_key_create(&hmac_cache_tls, hmac_cache_free) == 0;
}

/* A context keyed with key: this thread's, re-keyed if need be. */
static EVP_MAC_CTX *
hmac_cache_ctx(const unsigned char *key, size_t key_len)
{
    OSSL_PARAM params[2];
    struct hmac_cache *c;
    EVP_MAC *mac;

    if (pthread_once(&hmac_cache_once, hmac_cache_init) != 0 ||
        !hmac_cache_ok)
        return NULL;
    c = pthread_getspecific(hmac_cache_tls);
    if (c == NULL) {
        c = calloc(1, sizeof(*c));
        if (c == NULL)
            return NULL;
        if (pthread_setspecific(hmac_cache_tls, c) != 0) {
            free(c);
            return NULL;
        }
    }
    if (c->ctx != NULL && c->key_len == key_len &&
        CRYPTO_memcmp(c->key, key, key_len) == 0)
        return EVP_MAC_init(c->ctx, NULL, 0, NULL) == 1 ? c->ctx : NULL;
    EVP_MAC_CTX_free(c->ctx);
    c->ctx = NULL;
    mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (mac == NULL)
        return NULL;
    c->ctx = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac);
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    if (c->ctx == NULL || EVP_MAC_init(c->ctx, key, key_len, params) != 1) {
        EVP_MAC_CTX_free(c->ctx);
        c->ctx = NULL;
        return NULL;
    }
    memcpy(c->key, key, key_len);
    c->key_len = key_len;
    return c->ctx;
}

int
hmac_cache_sha256(const unsigned char *key, size_t key_len, const void *data,
                  size_t len, unsigned char out[HMAC_CACHE_LEN])
{
    EVP_MAC_CTX *ctx;
    unsigned int one_shot_len = 0;
    size_t out_len = 0;

    if (key_len > HMAC_CACHE_KEY_MAX)          /* rare: no cache */
        return HMAC(EVP_sha256(), key, (int)key_len, data, len, out,
                    &one_shot_len) != NULL &&
               one_shot_len == HMAC_CACHE_LEN ? 0 : -1;
    ctx = hmac_cache_ctx(key, key_len);
    if (ctx == NULL || EVP_MAC_update(ctx, data, len) != 1 ||
        EVP_MAC_final(ctx, out, &out_len, HMAC_CACHE_LEN) != 1 ||
        out_len != HMAC_CACHE_LEN)
        return -1;
    return 0;
}
