/* jwt_thread.c - the per-thread contexts of token_jwt. */
#include "jwt_thread.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "b64url.h"

int
jwt_thread_new(const struct jwt_keyset *ks, size_t max_token_bytes,
               struct jwt_thread **out, struct charon_err *err)
{
    struct jwt_thread *ts;
    size_t i;
    int rc = CHARON_ENOMEM;

    ts = calloc(1, sizeof(*ts));
    if (ts == NULL)
        goto out;
    ts->hmac = calloc(ks->count, sizeof(*ts->hmac));
    if (ts->hmac == NULL)
        goto out;
    /* Each thread gets its own copy of the keyed template: HMAC state is
     * written on every use, the template never. */
    for (i = 0; i < ks->count; i++)
        if (ks->keys[i].hmac != NULL &&
            (ts->hmac[i] = EVP_MAC_CTX_dup(ks->keys[i].hmac)) == NULL)
            goto out;
    if (ks->poly_count > 0) {
        ts->poly1305 = EVP_MAC_CTX_new(ks->poly1305);
        ts->chacha20 = EVP_CIPHER_CTX_new();
        if (ts->poly1305 == NULL || ts->chacha20 == NULL)
            goto out;
    }
    ts->md = EVP_MD_CTX_new();
    ts->tok = json_tokener_new();
    if (ts->md == NULL || ts->tok == NULL)
        goto out;
    json_tokener_set_flags(ts->tok, JSON_TOKENER_STRICT);
    ts->scratch_len = B64URL_DECODED_MAX(max_token_bytes);
    ts->scratch = malloc(ts->scratch_len);
    if (ts->scratch == NULL)
        goto out;
    *out = ts;
    ts = NULL;
    rc = CHARON_OK;
out:
    if (rc != CHARON_OK) {
        ERR_clear_error();
        charon_err_set(err, rc, "out of memory");
    }
    jwt_thread_free(ks, ts);
    return rc;
}

void
jwt_thread_free(const struct jwt_keyset *ks, struct jwt_thread *ts)
{
    size_t i;

    if (ts == NULL)
        return;
    for (i = 0; ts->hmac != NULL && i < ks->count; i++)
        EVP_MAC_CTX_free(ts->hmac[i]);
    free(ts->hmac);
    EVP_MAC_CTX_free(ts->poly1305);
    EVP_CIPHER_CTX_free(ts->chacha20);
    EVP_CIPHER_free(ts->chacha20_alg);
    EVP_MD_CTX_free(ts->md);
    if (ts->tok != NULL)
        json_tokener_free(ts->tok);
    if (ts->scratch != NULL) {
        explicit_bzero(ts->scratch, ts->scratch_len);
        free(ts->scratch);
    }
    free(ts);
}
