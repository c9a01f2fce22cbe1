/*
 * fuzz_session_codec.c - session_codec_decode of blobs from a hostile
 * store, with a fixed key: the input as a whole blob, and the input as the
 * JSON of a correctly signed blob ("signed." HMAC "." input) so the field
 * checks are reached.  A session that decodes must encode and decode back
 * to the same fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <charon/buf.h>
#include <charon/err.h>

#include "session_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char fuzz_key[SESSION_KEY_LEN] =
    "charon-fcgi fuzzing session key";

static const struct session_expect fuzz_want = {
    .user_id = "alice",
    .user_id_is_int = 0,
    .type = "proto",
    .session_id = NULL,
    .now = 1700000000,
};

/* Two optional texts differ (NULL is only equal to NULL). */
static int
fuzz_differ(const char *a, const char *b)
{
    return (a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0);
}

static void
fuzz_same(const struct session *a, const struct session *b)
{
    if (strcmp(a->id, b->id) != 0 || strcmp(a->user_id, b->user_id) != 0 ||
        a->user_id_is_int != b->user_id_is_int ||
        strcmp(a->type, b->type) != 0 || a->created_at != b->created_at ||
        a->expires_at != b->expires_at ||
        a->refresh_expires_at != b->refresh_expires_at ||
        strcmp(a->refresh_token_id, b->refresh_token_id) != 0 ||
        a->refreshed_at != b->refreshed_at ||
        a->tokens_fresh_from != b->tokens_fresh_from ||
        a->prev_tokens_fresh_from != b->prev_tokens_fresh_from ||
        a->lock_version != b->lock_version || a->version != b->version ||
        strcmp(a->extra_payload, b->extra_payload) != 0 ||
        fuzz_differ(a->access_overrides, b->access_overrides) ||
        fuzz_differ(a->refresh_overrides, b->refresh_overrides))
        abort();
}

static void
fuzz_decode(const void *blob, size_t len)
{
    struct charon_buf again = CHARON_BUF_INIT;
    struct session s, s2;
    struct charon_err err;
    const char *inner;
    size_t inner_len;
    int rc;

    (void)session_codec_check_mac(NULL, blob, len, fuzz_key,
                                  sizeof(fuzz_key), &inner, &inner_len);
    memset(&s, 0, sizeof(s));
    charon_err_clear(&err);
    rc = session_codec_decode(NULL, blob, len, fuzz_key, &fuzz_want, &s,
                              &err);
    if (rc != CHARON_OK) {
        if (rc != CHARON_ENOTFOUND && rc != CHARON_ENOMEM)
            abort();
        if (s.extra_payload != NULL || s.access_overrides != NULL ||
            s.refresh_overrides != NULL)
            abort();
        return;
    }
    if (s.extra_payload == NULL)
        abort();
    if (session_codec_encode(NULL, &s, fuzz_key, &again, &err) != CHARON_OK)
        abort();
    memset(&s2, 0, sizeof(s2));
    if (session_codec_decode(NULL, again.data, again.len, fuzz_key,
                             &fuzz_want, &s2, &err) != CHARON_OK)
        abort();
    fuzz_same(&s, &s2);
    session_free(&s2);
    session_free(&s);
    charon_buf_free(&again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    unsigned char *blob;
    size_t n;

    fuzz_decode(data, size);

    if (HMAC(EVP_sha256(), fuzz_key, (int)sizeof(fuzz_key), data, size, mac,
             &mac_len) == NULL || mac_len != 32)
        abort();
    blob = malloc(7 + mac_len + 1 + size);
    if (blob == NULL)
        abort();
    memcpy(blob, "signed.", 7);
    memcpy(blob + 7, mac, mac_len);
    n = 7 + mac_len;
    blob[n++] = '.';
    if (size > 0)
        memcpy(blob + n, data, size);
    fuzz_decode(blob, n + size);
    free(blob);
    return 0;
}
