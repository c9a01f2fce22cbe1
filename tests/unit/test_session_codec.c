/* test_session_codec.c - signed session blobs: framing, MAC, checks. */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cu_main.h"
#include "session_codec.h"

/* The suite's HMAC context, as a worker thread keeps one. */
static struct hmac_cache hc = HMAC_CACHE_INIT;

static const unsigned char key[SESSION_KEY_LEN] =
    "0123456789abcdef0123456789abcdef";

static void
sample(struct session *s)
{
    memset(s, 0, sizeof(*s));
    strcpy(s->id, "sid-1");
    strcpy(s->user_id, "alice");
    strcpy(s->type, "full");
    strcpy(s->refresh_token_id, "rid-1");
    s->created_at = 1700000000;
    s->expires_at = SESSION_INFINITE;
    s->refresh_expires_at = 1705184000;
    s->refreshed_at = 1700000000;
    s->tokens_fresh_from = 1700000000;
    s->prev_tokens_fresh_from = 1700000000;
    s->lock_version = 1;
    s->extra_payload = (char *)"{\"theme\":\"dark\"}";
    s->version = SESSION_VERSION;
}

static const struct session_expect want_alice = {
    "alice", 0, "full", "sid-1", 1700000100
};

static int
decode(const struct charon_buf *b, const struct session_expect *want,
       struct session *out, struct charon_err *err)
{
    return session_codec_decode(&hc, b->data, b->len, key, want, out, err);
}

static void
test_round_trip_keeps_every_field(void)
{
    struct charon_buf b = CHARON_BUF_INIT;
    struct session s, got;
    struct charon_err err;

    sample(&s);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, session_codec_encode(&hc, &s, key, &b,
                                                          &err));
    CU_ASSERT_EQUAL(0, memcmp("signed.", b.data, 7));
    CU_ASSERT_EQUAL('.', b.data[7 + 32]);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, decode(&b, &want_alice, &got, &err));
    CU_ASSERT_STRING_EQUAL("sid-1", got.id);
    CU_ASSERT_STRING_EQUAL("alice", got.user_id);
    CU_ASSERT_FALSE(got.user_id_is_int);
    CU_ASSERT_EQUAL(SESSION_INFINITE, got.expires_at);
    CU_ASSERT_EQUAL(1705184000, got.refresh_expires_at);
    CU_ASSERT_STRING_EQUAL("rid-1", got.refresh_token_id);
    CU_ASSERT_EQUAL(1, got.lock_version);
    CU_ASSERT_STRING_EQUAL("{\"theme\":\"dark\"}", got.extra_payload);
    CU_ASSERT_EQUAL(SESSION_VERSION, got.version);
    session_free(&got);
    charon_buf_free(&b);
}

static void
test_any_changed_byte_is_an_invalid_signature(void)
{
    struct charon_buf b = CHARON_BUF_INIT;
    struct session s, got;
    struct charon_err err;
    size_t i;

    sample(&s);
    session_codec_encode(&hc, &s, key, &b, &err);
    for (i = 7; i < b.len; i += 7) {
        b.data[i] ^= 0x01;
        CU_ASSERT_EQUAL(CHARON_ENOTFOUND, decode(&b, &want_alice, &got,
                                                 &err));
        b.data[i] ^= 0x01;
    }
    CU_ASSERT_EQUAL(CHARON_OK, decode(&b, &want_alice, &got, &err));
    session_free(&got);
    charon_buf_free(&b);
}

static void
test_another_key_or_no_signature_is_refused(void)
{
    static const unsigned char other[SESSION_KEY_LEN] =
        "another key, thirty-two bytes!!";
    struct charon_buf b = CHARON_BUF_INIT, plain = CHARON_BUF_INIT;
    struct session s, got;
    struct charon_err err;

    sample(&s);
    session_codec_encode(&hc, &s, other, &b, &err);
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, decode(&b, &want_alice, &got, &err));
    CU_ASSERT_STRING_EQUAL("invalid signature", err.msg);
    session_codec_json(&s, &plain);
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, decode(&plain, &want_alice, &got,
                                             &err));
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, session_codec_decode(&hc, "signed.", 7,
                                                           key, &want_alice,
                                                           &got, &err));
    charon_buf_free(&b);
    charon_buf_free(&plain);
}

/* "signed." + HMAC-SHA256 under key + "." + json. */
static void
sign_json(const char *json, struct charon_buf *out)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(HMAC(EVP_sha256(), key, SESSION_KEY_LEN,
                                      (const unsigned char *)json,
                                      strlen(json), mac, &mac_len));
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, charon_buf_puts(out, "signed."));
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, charon_buf_append(out, mac, mac_len));
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, charon_buf_puts(out, "."));
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, charon_buf_puts(out, json));
}

static void
test_an_older_blob_without_overrides_still_reads(void)
{
    static const char json[] =
        "{\"id\":\"sid-1\",\"user_id\":\"alice\",\"type\":\"full\","
        "\"created_at\":1700000000,\"expires_at\":\"infinite\","
        "\"refresh_expires_at\":1705184000,\"refresh_token_id\":\"rid-1\","
        "\"refreshed_at\":1700000000,\"tokens_fresh_from\":1700000000,"
        "\"prev_tokens_fresh_from\":1700000000,\"lock_version\":1,"
        "\"extra_payload\":{},\"version\":7}";
    struct charon_buf b = CHARON_BUF_INIT, again = CHARON_BUF_INIT;
    struct session got;
    struct charon_err err;

    sign_json(json, &b);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, decode(&b, &want_alice, &got, &err));
    CU_ASSERT_PTR_NULL(got.access_overrides);
    CU_ASSERT_PTR_NULL(got.refresh_overrides);
    /* and a session without overrides is written as it was. */
    CU_ASSERT_EQUAL(CHARON_OK, session_codec_json(&got, &again));
    CU_ASSERT_STRING_EQUAL(json, (const char *)again.data);
    session_free(&got);
    charon_buf_free(&again);
    charon_buf_free(&b);
}

static void
test_claim_overrides_are_kept_signed_and_never_shown(void)
{
    struct charon_buf b = CHARON_BUF_INIT, client = CHARON_BUF_INIT;
    struct session s, got, copy;
    struct charon_err err;

    sample(&s);
    s.access_overrides = (char *)"{\"scope\":\"read-only\"}";
    s.refresh_overrides = (char *)"{\"exp\":1700000120}";
    CU_ASSERT_EQUAL_FATAL(CHARON_OK,
                          session_codec_encode(&hc, &s, key, &b, &err));
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, decode(&b, &want_alice, &got, &err));
    CU_ASSERT_STRING_EQUAL("{\"scope\":\"read-only\"}", got.access_overrides);
    CU_ASSERT_STRING_EQUAL("{\"exp\":1700000120}", got.refresh_overrides);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, session_copy(&copy, &got));
    CU_ASSERT_PTR_NOT_EQUAL(got.access_overrides, copy.access_overrides);
    CU_ASSERT_STRING_EQUAL(got.refresh_overrides, copy.refresh_overrides);
    CU_ASSERT_EQUAL(CHARON_OK, session_codec_json_fields(&got, 1, &client));
    CU_ASSERT_PTR_NULL(strstr((const char *)client.data, "overrides"));
    session_free(&copy);
    session_free(&got);
    charon_buf_free(&client);
    charon_buf_free(&b);
}

static void
test_overrides_that_are_not_objects_are_malformed(void)
{
    struct charon_buf b = CHARON_BUF_INIT;
    struct session got;
    struct charon_err err;

    sign_json("{\"id\":\"sid-1\",\"user_id\":\"alice\",\"type\":\"full\","
              "\"created_at\":1700000000,\"expires_at\":\"infinite\","
              "\"refresh_expires_at\":1705184000,"
              "\"refresh_token_id\":\"rid-1\",\"refreshed_at\":1700000000,"
              "\"tokens_fresh_from\":1700000000,"
              "\"prev_tokens_fresh_from\":1700000000,\"lock_version\":1,"
              "\"extra_payload\":{},\"access_claim_overrides\":\"x\","
              "\"version\":7}", &b);
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, decode(&b, &want_alice, &got, &err));
    CU_ASSERT_STRING_EQUAL("malformed", err.msg);
    charon_buf_free(&b);
}

static void
test_charon_signed_u64_vector(void)
{
    static const char blob[] =
        "signed_u64.MwvpgZ_Tb5P19rltHpsHE_ONQs3dR6Et39Adu34WvsU.charon!";
    const char *data;
    size_t len;

    CU_ASSERT_EQUAL(CHARON_OK,
                    session_codec_check_mac(NULL, blob, sizeof(blob) - 1,
                                            (const unsigned char *)"secret",
                                            6, &data, &len));
    CU_ASSERT_EQUAL(7, len);
    CU_ASSERT_EQUAL(0, memcmp("charon!", data, 7));
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND,
                    session_codec_check_mac(NULL, blob, sizeof(blob) - 1,
                                            (const unsigned char *)"secreT",
                                            6, &data, &len));
}

static void
check_mismatch(const struct session_expect *want, const char *why)
{
    struct charon_buf b = CHARON_BUF_INIT;
    struct session s, got;
    struct charon_err err;

    sample(&s);
    session_codec_encode(&hc, &s, key, &b, &err);
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, decode(&b, want, &got, &err));
    CU_ASSERT_STRING_EQUAL(why, err.msg);
    charon_buf_free(&b);
}

static void
test_a_session_must_match_what_asks_for_it(void)
{
    struct session_expect w = want_alice;

    w.now = 1705184001;
    check_mismatch(&w, "expired");
    w = want_alice;
    w.user_id = "bob";
    check_mismatch(&w, "of another user");
    w = want_alice;
    w.user_id_is_int = 1;             /* 1 is not "1" */
    check_mismatch(&w, "of another user");
    w = want_alice;
    w.type = "oauth2";
    check_mismatch(&w, "of another type");
    w = want_alice;
    w.session_id = "sid-2";
    check_mismatch(&w, "stored under another id");
}

static void
test_live_through_its_expiry_second(void)
{
    struct charon_buf b = CHARON_BUF_INIT;
    struct session_expect w = want_alice;
    struct session s, got;
    struct charon_err err;

    sample(&s);
    session_codec_encode(&hc, &s, key, &b, &err);
    w.now = 1705184000;
    CU_ASSERT_EQUAL(CHARON_OK, decode(&b, &w, &got, &err));
    session_free(&got);
    charon_buf_free(&b);
}

static void
test_integer_user_ids_stay_integers(void)
{
    struct charon_buf b = CHARON_BUF_INIT;
    struct session_expect w = want_alice;
    struct session s, got;
    struct charon_err err;

    sample(&s);
    strcpy(s.user_id, "42");
    s.user_id_is_int = 1;
    session_codec_json(&s, &b);
    CU_ASSERT_PTR_NOT_NULL(strstr((char *)b.data, "\"user_id\":42,"));
    charon_buf_reset(&b);
    session_codec_encode(&hc, &s, key, &b, &err);
    w.user_id = "42";
    w.user_id_is_int = 1;
    CU_ASSERT_EQUAL(CHARON_OK, decode(&b, &w, &got, &err));
    CU_ASSERT_TRUE(got.user_id_is_int);
    session_free(&got);
    w.user_id_is_int = 0;
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, decode(&b, &w, &got, &err));
    charon_buf_free(&b);
}

static void
test_strings_are_escaped_in_the_json(void)
{
    struct charon_buf b = CHARON_BUF_INIT;
    struct session_expect w = want_alice;
    struct session s, got;
    struct charon_err err;

    sample(&s);
    strcpy(s.user_id, "a\"b\\c");
    session_codec_encode(&hc, &s, key, &b, &err);
    w.user_id = "a\"b\\c";
    CU_ASSERT_EQUAL(CHARON_OK, decode(&b, &w, &got, &err));
    CU_ASSERT_STRING_EQUAL("a\"b\\c", got.user_id);
    session_free(&got);
    charon_buf_free(&b);
}

static const CU_TestInfo codec_tests[] = {
    { "a round trip keeps every field", test_round_trip_keeps_every_field },
    { "any changed byte is an invalid signature",
      test_any_changed_byte_is_an_invalid_signature },
    { "another key or no signature is refused",
      test_another_key_or_no_signature_is_refused },
    { "Charon's signed_u64 framing verifies (sign_encoded_hmac vector)",
      test_charon_signed_u64_vector },
    { "a session must match the user, type and id asking, and be live",
      test_a_session_must_match_what_asks_for_it },
    { "a session is live through its expiry second",
      test_live_through_its_expiry_second },
    { "integer user ids stay integers (1 is not \"1\")",
      test_integer_user_ids_stay_integers },
    { "strings are escaped in the JSON", test_strings_are_escaped_in_the_json },
    { "an older blob without claim overrides still reads, and is written "
      "the same", test_an_older_blob_without_overrides_still_reads },
    { "claim overrides are kept signed, copied, and never shown to clients",
      test_claim_overrides_are_kept_signed_and_never_shown },
    { "claim overrides that are not objects are malformed",
      test_overrides_that_are_not_objects_are_malformed },
    CU_TEST_INFO_NULL
};

static int
suite_cleanup(void)
{
    hmac_cache_free(&hc);
    return 0;
}

int
main(void)
{
    static const struct cu_suite suites[] = {
        { "session_codec", NULL, suite_cleanup, codec_tests },
        { NULL, NULL, NULL, NULL }
    };

    return cu_main(suites);
}
