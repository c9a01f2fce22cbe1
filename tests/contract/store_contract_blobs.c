/*
 * store_contract_blobs.c - whatever a store hands back, the core's
 * session_codec_decode() must treat a blob that is not a valid session of
 * the asked key as absent, and the store must not crash on it.
 *
 * The blobs are the core's own (session_codec_encode() with a test key).
 * Changing bytes inside the store goes through the raw writer the store's
 * test program registers (store_contract_set_raw_writer), which writes
 * behind the plugin's back, as someone with access to the backend could.
 * A store without CHARON_STORE_CAP_PERSIST keeps nothing: these tests then
 * assert get is ENOTFOUND.  A store with it and no raw writer fails them.
 */
#include "store_contract_blobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "session_codec.h"
#include "store_contract.h"

#define T0 INT64_C(1700000000)
#define TTL 3600

/* The key the core would derive ("RedisStore HMAC"), and another one. */
static const unsigned char key_a[SESSION_KEY_LEN] = {
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
    0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
    0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
    0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20
};
static const unsigned char key_b[SESSION_KEY_LEN] = {
    0xa1, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
    0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
    0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
    0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20
};

static int
blobs_persist(void)
{
    return (store_contract_plugin()->caps & CHARON_STORE_CAP_PERSIST) != 0;
}

static int
blobs_list(void)
{
    return (store_contract_plugin()->caps & CHARON_STORE_CAP_LIST) != 0;
}

/* Appends to out the blob of a fresh session (lock_version 1) as the
 * core creates it, signed with key. */
static int
blobs_encode(const char *user, int user_is_int, const char *type,
             const char *sid, const unsigned char *key,
             struct charon_buf *out)
{
    struct charon_err err;
    struct session s;
    int64_t now = store_contract_now();

    memset(&s, 0, sizeof(s));
    snprintf(s.id, sizeof(s.id), "%s", sid);
    snprintf(s.user_id, sizeof(s.user_id), "%s", user);
    s.user_id_is_int = user_is_int;
    snprintf(s.type, sizeof(s.type), "%s", type);
    s.created_at = now;
    s.expires_at = now + 300;
    s.refresh_expires_at = now + TTL;
    snprintf(s.refresh_token_id, sizeof(s.refresh_token_id), "rt-%s", sid);
    s.refreshed_at = now;
    s.tokens_fresh_from = now;
    s.lock_version = 1;
    charon_err_clear(&err);
    return session_codec_encode(NULL, &s, key, out, &err);
}

/* Appends "signed." || HMAC-SHA256(key, data) || "." || data to out: a
 * valid signature over whatever data is. */
static void
blobs_sign_raw(const unsigned char *key, const char *data,
               struct charon_buf *out)
{
    unsigned char mac[32];
    unsigned int mac_len = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(HMAC(EVP_sha256(), key, SESSION_KEY_LEN,
                                      (const unsigned char *)data,
                                      strlen(data), mac, &mac_len));
    CU_ASSERT_EQUAL_FATAL(32u, mac_len);
    charon_buf_puts(out, "signed.");
    charon_buf_append(out, mac, sizeof(mac));
    charon_buf_puts(out, ".");
    charon_buf_puts(out, data);
}

/* Inserts blob under (user, type, sid), live for TTL seconds. */
static int
blobs_put(const char *user, const char *type, const char *sid,
          const void *blob, size_t len)
{
    struct charon_store_key k = store_contract_key(user, type, sid);
    struct charon_err err;

    charon_err_clear(&err);
    return store_contract_plugin()->upsert(store_contract_instance(),
                                           store_contract_ts(), &k, 0, blob,
                                           len, store_contract_now() + TTL,
                                           &err);
}

static int
blobs_get(const char *user, const char *type, const char *sid,
          struct charon_buf *out, uint64_t *lock)
{
    struct charon_store_key k = store_contract_key(user, type, sid);
    struct charon_err err;

    charon_err_clear(&err);
    charon_buf_reset(out);
    return store_contract_plugin()->get(store_contract_instance(),
                                        store_contract_ts(), &k, out, lock,
                                        &err);
}

/* Decodes blob as the core does for a get of (user, type, sid); err gets
 * the reason of a rejection. */
static int
blobs_decode(const void *blob, size_t len, const unsigned char *key,
             const char *user, int user_is_int, const char *type,
             const char *sid, struct charon_err *err)
{
    struct session_expect want;
    struct session s;
    int rc;

    want.user_id = user;
    want.user_id_is_int = user_is_int;
    want.type = type;
    want.session_id = sid;
    want.now = store_contract_now();
    memset(&s, 0, sizeof(s));
    charon_err_clear(err);
    rc = session_codec_decode(NULL, blob, len, key, &want, &s, err);
    if (rc == CHARON_OK)
        session_free(&s);
    return rc;
}

/* Has the store's raw writer replace the blob under (user, type, sid);
 * fails the test if the store's test program registered none. */
static int
blobs_write_raw(const char *user, const char *type, const char *sid,
                const void *blob, size_t len)
{
    struct charon_store_key k = store_contract_key(user, type, sid);
    store_contract_raw_writer_fn write_raw = store_contract_raw_writer();

    if (write_raw == NULL) {
        CU_FAIL("the store persists sessions but its test program "
                "registers no raw writer (store_contract_set_raw_writer)");
        return -1;
    }
    return write_raw(&k, blob, len);
}

/* Without CAP_PERSIST nothing is kept: an inserted blob is ENOTFOUND. */
static void
blobs_assert_not_kept(const char *user, const char *sid)
{
    struct charon_buf b = CHARON_BUF_INIT;
    uint64_t lock = 0;

    CU_ASSERT_EQUAL(CHARON_OK, blobs_put(user, "full", sid, "x", 1));
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, blobs_get(user, "full", sid, &b,
                                                &lock));
    charon_buf_free(&b);
}

void
test_a_signed_session_blob_round_trips_and_decodes(void)
{
    struct charon_buf blob = CHARON_BUF_INIT, b = CHARON_BUF_INIT;
    struct charon_err err;
    uint64_t lock = 0;

    store_contract_set_now(T0);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, blobs_encode("u-signed", 0, "full",
                                                  "s1", key_a, &blob));
    CU_ASSERT_EQUAL(CHARON_OK, blobs_put("u-signed", "full", "s1",
                                         blob.data, blob.len));
    if (!blobs_persist()) {
        CU_ASSERT_EQUAL(CHARON_ENOTFOUND, blobs_get("u-signed", "full", "s1",
                                                    &b, &lock));
        goto out;
    }
    CU_ASSERT_EQUAL(CHARON_OK, blobs_get("u-signed", "full", "s1", &b,
                                         &lock));
    CU_ASSERT_EQUAL(1u, lock);
    CU_ASSERT(b.len == blob.len && memcmp(b.data, blob.data, b.len) == 0);
    CU_ASSERT_EQUAL(CHARON_OK, blobs_decode(b.data, b.len, key_a, "u-signed",
                                            0, "full", "s1", &err));
out:
    charon_buf_free(&blob);
    charon_buf_free(&b);
}

/* Ways to alter a valid blob of len bytes in place; returns the new
 * length (the buffer has room for one more byte). */
enum blobs_tamper {
    TAMPER_LIFETIME,           /* refresh_expires_at pushed far out    */
    TAMPER_USER,               /* one letter of user_id changed        */
    TAMPER_MAC,                /* one bit of the MAC flipped           */
    TAMPER_TRUNCATE,           /* the last byte dropped                */
    TAMPER_APPEND,             /* a space appended (still valid JSON)  */
    TAMPER_COUNT
};

/* Where s first occurs in the n bytes at p, or NULL. */
static unsigned char *
blobs_find(unsigned char *p, size_t n, const char *s)
{
    size_t i, len = strlen(s);

    for (i = 0; i + len <= n; i++)
        if (memcmp(p + i, s, len) == 0)
            return p + i;
    return NULL;
}

static size_t
blobs_tamper(unsigned char *p, size_t len, enum blobs_tamper how)
{
    static const char exp_field[] = "\"refresh_expires_at\":";
    unsigned char *at;

    switch (how) {
    case TAMPER_LIFETIME:
        at = blobs_find(p, len, exp_field);
        CU_ASSERT_PTR_NOT_NULL_FATAL(at);
        at[sizeof(exp_field) - 1] = '9';        /* 1700... -> 9700... */
        return len;
    case TAMPER_USER:
        at = blobs_find(p, len, "u-tamper");
        CU_ASSERT_PTR_NOT_NULL_FATAL(at);
        at[7] = 's';
        return len;
    case TAMPER_MAC:
        p[7] ^= 0x01;                           /* after "signed." */
        return len;
    case TAMPER_TRUNCATE:
        return len - 1;
    case TAMPER_APPEND:
    case TAMPER_COUNT:
        break;
    }
    p[len] = ' ';
    return len + 1;
}

void
test_a_blob_tampered_with_inside_the_store_decodes_as_absent(void)
{
    struct charon_buf blob = CHARON_BUF_INIT, b = CHARON_BUF_INIT;
    struct charon_err err;
    unsigned char *bad = NULL;
    uint64_t lock = 0;
    size_t bad_len;
    char sid[32];
    int how;

    store_contract_set_now(T0);
    if (!blobs_persist()) {
        blobs_assert_not_kept("u-tamper", "t0");
        return;
    }
    for (how = 0; how < TAMPER_COUNT; how++) {
        snprintf(sid, sizeof(sid), "t%d", how);
        charon_buf_reset(&blob);
        CU_ASSERT_EQUAL_FATAL(CHARON_OK, blobs_encode("u-tamper", 0, "full",
                                                      sid, key_a, &blob));
        CU_ASSERT_EQUAL(CHARON_OK, blobs_put("u-tamper", "full", sid,
                                             blob.data, blob.len));
        bad = malloc(blob.len + 1);
        CU_ASSERT_PTR_NOT_NULL_FATAL(bad);
        memcpy(bad, blob.data, blob.len);
        bad_len = blobs_tamper(bad, blob.len, (enum blobs_tamper)how);
        if (blobs_write_raw("u-tamper", "full", sid, bad, bad_len) != 0) {
            CU_FAIL("the raw writer failed");
            goto out;
        }
        /* The store hands back the altered bytes under the same lock... */
        CU_ASSERT_EQUAL(CHARON_OK, blobs_get("u-tamper", "full", sid, &b,
                                             &lock));
        CU_ASSERT_EQUAL(1u, lock);
        CU_ASSERT(b.len == bad_len && memcmp(b.data, bad, bad_len) == 0);
        /* ...and the core treats them as no session at all. */
        CU_ASSERT_EQUAL(CHARON_ENOTFOUND, blobs_decode(b.data, b.len, key_a,
                                                       "u-tamper", 0, "full",
                                                       sid, &err));
        CU_ASSERT_STRING_EQUAL("invalid signature", err.msg);
        free(bad);
        bad = NULL;
    }
out:
    free(bad);
    charon_buf_free(&blob);
    charon_buf_free(&b);
}

void
test_a_blob_signed_with_another_key_decodes_as_absent(void)
{
    struct charon_buf blob = CHARON_BUF_INIT, b = CHARON_BUF_INIT;
    struct charon_err err;
    uint64_t lock = 0;

    store_contract_set_now(T0);
    if (!blobs_persist()) {
        blobs_assert_not_kept("u-otherkey", "s1");
        return;
    }
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, blobs_encode("u-otherkey", 0, "full",
                                                  "s1", key_b, &blob));
    CU_ASSERT_EQUAL(CHARON_OK, blobs_put("u-otherkey", "full", "s1",
                                         blob.data, blob.len));
    CU_ASSERT_EQUAL(CHARON_OK, blobs_get("u-otherkey", "full", "s1", &b,
                                         &lock));
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, blobs_decode(b.data, b.len, key_a,
                                                   "u-otherkey", 0, "full",
                                                   "s1", &err));
    CU_ASSERT_STRING_EQUAL("invalid signature", err.msg);
    /* Control: the same bytes are a valid session under their own key. */
    CU_ASSERT_EQUAL(CHARON_OK, blobs_decode(b.data, b.len, key_b,
                                            "u-otherkey", 0, "full", "s1",
                                            &err));
    charon_buf_free(&blob);
    charon_buf_free(&b);
}

/* A validly signed blob stored under one key that claims another. */
struct blobs_claim {
    const char *key_user, *key_sid;      /* stored under (user, full, sid) */
    const char *user;                    /* what the blob claims           */
    int user_is_int;
    const char *type, *sid;
    const char *why;                     /* session_codec's reason         */
};

void
test_a_signed_blob_of_another_user_type_or_id_decodes_as_absent(void)
{
    static const struct blobs_claim claims[] = {
        { "u-claim-a", "c1", "u-claim-b", 0, "full", "c1",
          "of another user" },
        { "42", "c2", "42", 1, "full", "c2", "of another user" },
        { "u-claim-a", "c3", "u-claim-a", 0, "other", "c3",
          "of another type" },
        { "u-claim-a", "c4", "u-claim-a", 0, "full", "c9",
          "stored under another id" },
    };
    struct charon_buf blob = CHARON_BUF_INIT, b = CHARON_BUF_INIT;
    const struct blobs_claim *c;
    struct charon_err err;
    uint64_t lock = 0;
    size_t i;

    store_contract_set_now(T0);
    if (!blobs_persist()) {
        blobs_assert_not_kept("u-claim-a", "c1");
        return;
    }
    for (i = 0; i < sizeof(claims) / sizeof(claims[0]); i++) {
        c = &claims[i];
        charon_buf_reset(&blob);
        CU_ASSERT_EQUAL_FATAL(CHARON_OK, blobs_encode(c->user, c->user_is_int,
                                                      c->type, c->sid, key_a,
                                                      &blob));
        CU_ASSERT_EQUAL(CHARON_OK, blobs_put(c->key_user, "full", c->key_sid,
                                             blob.data, blob.len));
        CU_ASSERT_EQUAL(CHARON_OK, blobs_get(c->key_user, "full", c->key_sid,
                                             &b, &lock));
        CU_ASSERT_EQUAL(CHARON_ENOTFOUND,
                        blobs_decode(b.data, b.len, key_a, c->key_user, 0,
                                     "full", c->key_sid, &err));
        CU_ASSERT_STRING_EQUAL(c->why, err.msg);
        /* Control: it is a valid session of what it claims. */
        CU_ASSERT_EQUAL(CHARON_OK, blobs_decode(b.data, b.len, key_a,
                                                c->user, c->user_is_int,
                                                c->type, c->sid, &err));
    }
    charon_buf_free(&blob);
    charon_buf_free(&b);
}

/* Corrupt records: garbage blob number i (0 <= i < BLOBS_GARBAGE). */
#define BLOBS_GARBAGE 10

static void
blobs_garbage(int i, struct charon_buf *out)
{
    struct charon_buf valid = CHARON_BUF_INIT;
    unsigned char zeros[32], rnd[300];
    uint32_t x = 2463534242u;
    size_t n;

    charon_buf_reset(out);
    memset(zeros, 0, sizeof(zeros));
    switch (i) {
    case 0:                                    /* nothing at all */
        charon_buf_append(out, "", 0);
        break;
    case 1:
        charon_buf_append(out, "\xff", 1);
        break;
    case 2:                                    /* the prefix alone */
        charon_buf_puts(out, "signed.");
        break;
    case 3:                                    /* zero MAC, no JSON */
        charon_buf_puts(out, "signed.");
        charon_buf_append(out, zeros, sizeof(zeros));
        charon_buf_puts(out, ".");
        break;
    case 4:                                    /* not base64url */
        charon_buf_puts(out, "signed_u64.!!!!.{}");
        break;
    case 5:                                    /* base64url zero MAC */
        charon_buf_puts(out, "signed_u64.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                        "AAAAAAAAAA.{}");
        break;
    case 6:                                    /* random bytes, NULs too */
        for (n = 0; n < sizeof(rnd); n++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            rnd[n] = (unsigned char)(n % 17 == 0 ? 0 : x);
        }
        charon_buf_append(out, rnd, sizeof(rnd));
        break;
    case 7:                                    /* a valid blob cut in two */
        CU_ASSERT_EQUAL(CHARON_OK, blobs_encode("u-corrupt", 0, "full", "g7",
                                                key_a, &valid));
        charon_buf_append(out, valid.data, valid.len / 2);
        break;
    case 8:                                    /* signed, but not JSON */
        blobs_sign_raw(key_a, "not json at all", out);
        break;
    default:                                   /* signed JSON, no session */
        blobs_sign_raw(key_a, "{\"id\":\"g9\",\"version\":7}", out);
        break;
    }
    charon_buf_free(&valid);
}

/* Inserts a valid session under (user, full, sid), then has the raw
 * writer replace it with garbage blob i; 0 or -1. */
static int
blobs_put_garbage(const char *user, const char *sid, int i)
{
    struct charon_buf blob = CHARON_BUF_INIT, junk = CHARON_BUF_INIT;
    int rc = -1;

    if (blobs_encode(user, 0, "full", sid, key_a, &blob) != CHARON_OK ||
        blobs_put(user, "full", sid, blob.data, blob.len) != CHARON_OK)
        goto out;
    blobs_garbage(i, &junk);
    rc = blobs_write_raw(user, "full", sid, junk.data, junk.len);
out:
    charon_buf_free(&blob);
    charon_buf_free(&junk);
    return rc;
}

void
test_a_corrupt_record_gets_and_decodes_as_absent(void)
{
    struct charon_buf junk = CHARON_BUF_INIT, b = CHARON_BUF_INIT;
    struct charon_err err;
    uint64_t lock = 0;
    char sid[32];
    int i, rc;

    store_contract_set_now(T0);
    if (!blobs_persist()) {
        blobs_assert_not_kept("u-corrupt", "g0");
        return;
    }
    for (i = 0; i < BLOBS_GARBAGE; i++) {
        snprintf(sid, sizeof(sid), "g%d", i);
        if (blobs_put_garbage("u-corrupt", sid, i) != 0) {
            CU_FAIL("could not store a corrupt record");
            break;
        }
        blobs_garbage(i, &junk);
        rc = blobs_get("u-corrupt", "full", sid, &b, &lock);
        CU_ASSERT(rc == CHARON_OK || rc == CHARON_ENOTFOUND);
        if (rc != CHARON_OK)
            continue;
        /* Handed back, it is handed back as it is... */
        CU_ASSERT(b.len == junk.len &&
                  (b.len == 0 || memcmp(b.data, junk.data, b.len) == 0));
        /* ...and is no session. */
        CU_ASSERT_EQUAL(CHARON_ENOTFOUND, blobs_decode(b.data, b.len, key_a,
                                                       "u-corrupt", 0, "full",
                                                       sid, &err));
    }
    charon_buf_free(&junk);
    charon_buf_free(&b);
}

/* What get_all handed over, decoded as the core does for a listing. */
struct blobs_census {
    const char *user;
    unsigned valid, absent, other;
};

static int
blobs_census_each(void *ctx, const void *blob, size_t len,
                  uint64_t lock_version)
{
    struct blobs_census *c = ctx;
    struct charon_err err;
    int rc;

    (void)lock_version;
    rc = blobs_decode(blob, len, key_a, c->user, 0, "full", NULL, &err);
    if (rc == CHARON_OK)
        c->valid++;
    else if (rc == CHARON_ENOTFOUND)
        c->absent++;
    else
        c->other++;
    return 0;
}

static int
blobs_census(const char *user, struct blobs_census *c)
{
    struct charon_store_key k = store_contract_key(user, "full", NULL);
    struct charon_err err;

    memset(c, 0, sizeof(*c));
    c->user = user;
    charon_err_clear(&err);
    return store_contract_plugin()->get_all(store_contract_instance(),
                                            store_contract_ts(), &k,
                                            blobs_census_each, c, &err);
}

/* A valid session "good" and corrupt ones "bad0".."bad<n-1>" of user. */
static int
blobs_put_mixed(const char *user, int n)
{
    struct charon_buf blob = CHARON_BUF_INIT;
    char sid[32];
    int i, rc = -1;

    if (blobs_encode(user, 0, "full", "good", key_a, &blob) != CHARON_OK ||
        blobs_put(user, "full", "good", blob.data, blob.len) != CHARON_OK)
        goto out;
    for (i = 0; i < n; i++) {
        snprintf(sid, sizeof(sid), "bad%d", i);
        if (blobs_put_garbage(user, sid, i) != 0)
            goto out;
    }
    rc = 0;
out:
    charon_buf_free(&blob);
    return rc;
}

void
test_get_all_over_corrupt_records_still_returns_the_valid_one(void)
{
    struct blobs_census c;

    store_contract_set_now(T0);
    if (!blobs_persist()) {
        blobs_assert_not_kept("u-corrupt-list", "good");
        CU_ASSERT_EQUAL(blobs_list() ? CHARON_OK : CHARON_EUNSUPP,
                        blobs_census("u-corrupt-list", &c));
        CU_ASSERT_EQUAL(0u, c.valid + c.absent + c.other);
        return;
    }
    CU_ASSERT_EQUAL_FATAL(0, blobs_put_mixed("u-corrupt-list",
                                             BLOBS_GARBAGE));
    if (!blobs_list()) {
        CU_ASSERT_EQUAL(CHARON_EUNSUPP, blobs_census("u-corrupt-list", &c));
        return;
    }
    CU_ASSERT_EQUAL(CHARON_OK, blobs_census("u-corrupt-list", &c));
    CU_ASSERT_EQUAL(1u, c.valid);
    CU_ASSERT(c.absent <= BLOBS_GARBAGE);
    CU_ASSERT_EQUAL(0u, c.other);
}

void
test_delete_one_and_delete_all_remove_corrupt_records(void)
{
    const struct charon_store_plugin *sp = store_contract_plugin();
    struct charon_store_key k = store_contract_key("u-corrupt-del", "full", "bad0");
    struct charon_buf b = CHARON_BUF_INIT;
    struct charon_err err;
    uint64_t lock = 0;
    char sid[32];
    int i;

    store_contract_set_now(T0);
    if (!blobs_persist()) {
        blobs_assert_not_kept("u-corrupt-del", "bad0");
        return;
    }
    CU_ASSERT_EQUAL_FATAL(0, blobs_put_mixed("u-corrupt-del", 4));
    charon_err_clear(&err);
    CU_ASSERT_EQUAL(CHARON_OK, sp->delete_one(store_contract_instance(),
                                              store_contract_ts(), &k, &err));
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, blobs_get("u-corrupt-del", "full",
                                                "bad0", &b, &lock));
    if (blobs_list()) {
        CU_ASSERT_EQUAL(CHARON_OK, sp->delete_all(store_contract_instance(),
                                                  store_contract_ts(), &k,
                                                  "good", &err));
    } else {
        for (i = 1; i < 4; i++) {
            snprintf(sid, sizeof(sid), "bad%d", i);
            k.session_id = sid;
            CU_ASSERT_EQUAL(CHARON_OK, sp->delete_one(
                store_contract_instance(), store_contract_ts(), &k, &err));
        }
    }
    for (i = 1; i < 4; i++) {
        snprintf(sid, sizeof(sid), "bad%d", i);
        CU_ASSERT_EQUAL(CHARON_ENOTFOUND, blobs_get("u-corrupt-del", "full",
                                                    sid, &b, &lock));
    }
    /* The valid session next to them is untouched. */
    CU_ASSERT_EQUAL(CHARON_OK, blobs_get("u-corrupt-del", "full", "good", &b,
                                         &lock));
    CU_ASSERT_EQUAL(CHARON_OK, blobs_decode(b.data, b.len, key_a,
                                            "u-corrupt-del", 0, "full",
                                            "good", &err));
    charon_buf_free(&b);
}
