/* hmac_cache.c - keyed HMAC-SHA256 contexts kept by their owner. */
#include "hmac_cache.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

void
hmac_cache_free(struct hmac_cache *c)
{
    if (c == NULL)
        return;
    EVP_MAC_CTX_free(c->ctx);
    OPENSSL_cleanse(c, sizeof(*c));
    c->ctx = NULL;
    c->key_len = 0;
    c->keyings = 0;
}

/* c's context keyed with key: re-used when it holds that key already. */
static EVP_MAC_CTX *
hmac_cache_ctx(struct hmac_cache *c, const unsigned char *key, size_t key_len)
{
    OSSL_PARAM params[2];
    unsigned long keyings = c->keyings;
    EVP_MAC *mac;

    if (c->ctx != NULL && c->key_len == key_len &&
        CRYPTO_memcmp(c->key, key, key_len) == 0)
        return EVP_MAC_init(c->ctx, NULL, 0, NULL) == 1 ? c->ctx : NULL;
    hmac_cache_free(c);
    c->keyings = keyings + 1;
    mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (mac == NULL)
        return NULL;
    c->ctx = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac);
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    if (c->ctx == NULL || EVP_MAC_init(c->ctx, key, key_len, params) != 1) {
        hmac_cache_free(c);
        return NULL;
    }
    memcpy(c->key, key, key_len);
    c->key_len = key_len;
    return c->ctx;
}

int
hmac_cache_sha256(struct hmac_cache *c, const unsigned char *key,
                  size_t key_len, const void *data, size_t len,
                  unsigned char out[HMAC_CACHE_LEN])
{
    EVP_MAC_CTX *ctx;
    unsigned int one_shot_len = 0;
    size_t out_len = 0;

    if (c == NULL || key_len > HMAC_CACHE_KEY_MAX)     /* no cache */
        return HMAC(EVP_sha256(), key, (int)key_len, data, len, out,
                    &one_shot_len) != NULL &&
               one_shot_len == HMAC_CACHE_LEN ? 0 : -1;
    ctx = hmac_cache_ctx(c, key, key_len);
    if (ctx == NULL || EVP_MAC_update(ctx, data, len) != 1 ||
        EVP_MAC_final(ctx, out, &out_len, HMAC_CACHE_LEN) != 1 ||
        out_len != HMAC_CACHE_LEN)
        return -1;
    return 0;
}
