/*
 * test_token_jwt.c - the built token_jwt plugin, through its descriptor
 * only: Charon's test vectors (docs/CHARON.md Appendix A) and every way
 * a token is rejected.  Round trips per algorithm and the keys:
 * test_token_jwt_keys.c.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "b64url.h"
#include "cu_main.h"
#include "token_jwt_fixture.h"

#define USER_PAYLOAD "{\"user_id\":123}"
#define HS256_HDR "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImRlZmF1bHQifQ"
#define USER_P64 "eyJ1c2VyX2lkIjoxMjN9"
#define HS256_TOKEN \
    HS256_HDR "." USER_P64 ".f_8HHg-3-XdkLhyHG4iAondfaFNmdBWcMESF-tskmfc"
#define P1305_TOKEN \
    "eyJhbGciOiJQb2x5MTMwNSIsInR5cCI6IkpXVCIsIm5vbmNlIjoiQUFFQ0F3UUZCZ2NJQ1" \
    "FvTCIsImtpZCI6InAifQ." USER_P64 ".NimP7OU9A8PrhEV18gNgmw"
#define P1305_HEAD "eyJhbGciOiJQb2x5MTMwNSIsInR5cCI6IkpXVCIsIm5vbmNlIjoi"
#define LEGACY_HDR "{\"alg\":\"HS256\",\"kid\":\"default\",\"typ\":\"JWT\"}"
#define OK_USER "ok:" USER_PAYLOAD

/* PBKDF2(secret, "charon_jwt_default") */
static unsigned char default_key[32];
static unsigned char hs512_key[64], hs384_key[48], poly_key[32];
static unsigned char ed_pub[57];
static size_t ed_pub_len;
static const char *ed_pem, *ed_pub_pem;

static int
suite_init(void)
{
    static int done;

    if (tj_load() != 0)
        return -1;
    if (done++)
        return 0;
    tj_derive(CHARON_KEY_JWT_DEFAULT, default_key, sizeof(default_key));
    if (RAND_bytes(hs512_key, sizeof(hs512_key)) != 1 ||
        RAND_bytes(hs384_key, sizeof(hs384_key)) != 1 ||
        RAND_bytes(poly_key, sizeof(poly_key)) != 1)
        return -1;
    tj_file("hs512.key", hs512_key, sizeof(hs512_key), 0600);
    tj_file("hs384.key", hs384_key, sizeof(hs384_key), 0600);
    tj_file("poly.key", poly_key, sizeof(poly_key), 0400);
    tj_edkey("ed", "ED25519", 0600, ed_pub, &ed_pub_len);
    ed_pem = tj_str("%s/ed.pem", cu_scratch_dir());
    ed_pub_pem = tj_str("%s/ed.pub.pem", cu_scratch_dir());
    return 0;
}

/* default (HS256, derived), h512, ed (public only), p (Poly1305) and the
 * kid-less fallback for HS384. */
static void
open_mixed(struct tj_inst *ti, unsigned long max)
{
    struct charon_err err;
    const char *dir = cu_scratch_dir();

    memset(ti, 0, sizeof(*ti));
    tj_key(ti, "default", "HS256:derived", 2);
    tj_key(ti, "h512", tj_str("HS512:file:%s/hs512.key", dir), 3);
    tj_key(ti, "ed", tj_str("EdDSA:%s", ed_pub_pem), 4);
    tj_key(ti, "p", tj_str("Poly1305:file:%s/poly.key", dir), 5);
    tj_key(ti, "kid_not_set.HS384", tj_str("HS384:file:%s/hs384.key", dir),
           6);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, tj_open(ti, "default", max, &err));
}


static void
test_pbkdf2_default_key_is_appendix_a_value(void)
{
    static const char want[] =
        "6391a52dbca795a7b3d1d0273c2db1ad73be14b54dd23c1d1c461bc4660b21a3";
    unsigned char key[32];
    struct charon_err err;
    char hex[65];
    size_t i;

    CU_ASSERT_EQUAL(CHARON_OK, tj_host()->derive_key(tj_host(),
                    CHARON_KEY_JWT_DEFAULT, key, sizeof(key), &err));
    for (i = 0; i < sizeof(key); i++)
        snprintf(hex + 2 * i, 3, "%02x", key[i]);
    CU_ASSERT_STRING_EQUAL(want, hex);
}

static void
test_default_keyset_signs_the_documented_hs256_token(void)
{
    struct tj_inst ti = { 0 };
    struct charon_err err;

    CU_ASSERT_EQUAL_FATAL(CHARON_OK, tj_open(&ti, "default", 0, &err));
    CU_ASSERT_STRING_EQUAL(HS256_TOKEN, tj_sign(&ti, USER_PAYLOAD));
    CU_ASSERT_STRING_EQUAL(OK_USER, tj_verify(&ti, HS256_TOKEN));
    tj_close(&ti);
}

static void
test_documented_poly1305_token_verifies(void)
{
    struct tj_inst derived = { 0 }, file = { 0 };
    struct charon_err err;

    tj_key(&derived, "default", "HS256:derived", 2);
    tj_key(&derived, "p", "Poly1305:derived", 3);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, tj_open(&derived, "default", 0, &err));
    CU_ASSERT_STRING_EQUAL(OK_USER, tj_verify(&derived, P1305_TOKEN));
    tj_close(&derived);

    tj_file("appendix.key", default_key, sizeof(default_key), 0600);
    tj_key(&file, "p", tj_str("Poly1305:file:%s/appendix.key",
                              cu_scratch_dir()), 2);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, tj_open(&file, "p", 0, &err));
    CU_ASSERT_STRING_EQUAL(OK_USER, tj_verify(&file, P1305_TOKEN));
    CU_ASSERT_STRING_EQUAL("signature invalid",
                           tj_verify(&file, tj_flip_bit(P1305_TOKEN, 2, 3)));
    tj_close(&file);
}

static void
test_legacy_sorted_header_verifies_through_slow_path(void)
{
    struct tj_inst ti = { 0 };
    struct charon_err err;

    CU_ASSERT_EQUAL_FATAL(CHARON_OK, tj_open(&ti, "default", 0, &err));
    CU_ASSERT_STRING_EQUAL(OK_USER, tj_verify(&ti, tj_hmac_token(LEGACY_HDR,
                           USER_PAYLOAD, "SHA256", default_key, 32)));
    tj_close(&ti);
}


static void
test_reject_wrong_number_of_segments(void)
{
    struct tj_inst ti;

    open_mixed(&ti, 0);
    CU_ASSERT_STRING_EQUAL("malformed token", tj_verify(&ti, "a"));
    CU_ASSERT_STRING_EQUAL("malformed token", tj_verify(&ti, ""));
    CU_ASSERT_STRING_EQUAL("malformed token",
                           tj_verify(&ti, HS256_HDR "." USER_P64));
    CU_ASSERT_STRING_EQUAL("malformed token",
                           tj_verify(&ti, HS256_TOKEN ".x"));
    CU_ASSERT_STRING_EQUAL("malformed token", tj_verify(&ti, HS256_HDR
                           ".eyJ1c2V.yX2lkIjoxMjN9.f_8HHg-3-XdkLhyHG4iAondfa"
                           "FNmdBWcMESF-tskmfc"));
    CU_ASSERT_STRING_EQUAL("encoding invalid", tj_verify(&ti, "a.b.c"));
    tj_close(&ti);
}

static void
test_reject_empty_segments(void)
{
    struct tj_inst ti;

    open_mixed(&ti, 0);
    CU_ASSERT_STRING_EQUAL("malformed token", tj_verify(&ti, ".."));
    CU_ASSERT_STRING_EQUAL("malformed token", tj_verify(&ti, "." USER_P64
                           ".f_8HHg-3-XdkLhyHG4iAondfaFNmdBWcMESF-tskmfc"));
    CU_ASSERT_STRING_EQUAL("malformed token", tj_verify(&ti, HS256_HDR
                           "..f_8HHg-3-XdkLhyHG4iAondfaFNmdBWcMESF-tskmfc"));
    CU_ASSERT_STRING_EQUAL("malformed token",
                           tj_verify(&ti, HS256_HDR "." USER_P64 "."));
    tj_close(&ti);
}

static void
test_reject_bad_base64_in_each_segment(void)
{
    struct tj_inst ti;

    open_mixed(&ti, 0);
    CU_ASSERT_STRING_EQUAL("encoding invalid",
                           tj_verify(&ti, "eyJ!bGc." USER_P64 ".abcd"));
    CU_ASSERT_STRING_EQUAL("encoding invalid",
                           tj_verify(&ti, "eyJhb." USER_P64 ".abcd"));
    /* Correctly signed over a payload segment that is not base64url. */
    CU_ASSERT_STRING_EQUAL("encoding invalid", tj_verify(&ti,
        tj_hmac_token_raw(HS256_HDR, "eyJ1c2V*X2lk", "SHA256", default_key,
                          32)));
    CU_ASSERT_STRING_EQUAL("encoding invalid", tj_verify(&ti,
        tj_hmac_token_raw(tj_b64(LEGACY_HDR), "eyJ1c", "SHA256",
                          default_key, 32)));
    CU_ASSERT_STRING_EQUAL("malformed token", tj_verify(&ti, HS256_HDR "."
        USER_P64 ".f_8HHg-3-XdkLhyHG4iAondfa*NmdBWcMESF-tskmfc"));
    CU_ASSERT_STRING_EQUAL("malformed token", tj_verify(&ti, tj_str("%s.%s."
        "f_8HHg+3", tj_b64(LEGACY_HDR), USER_P64)));
    tj_close(&ti);
}

static void
test_reject_header_that_is_not_a_json_object_with_alg(void)
{
    static const struct { const char *header, *reason; } cases[] = {
        { "not json", "json invalid" },
        { "{\"alg\":\"HS256\"", "json invalid" },
        { "{\"alg\":\"HS256\",\"kid\":\"default\"} x", "json invalid" },
        { "[\"alg\",\"HS256\"]", "malformed header" },
        { "\"HS256\"", "malformed header" },
        { "{\"typ\":\"JWT\",\"kid\":\"default\"}", "malformed header" },
        { "{\"alg\":256,\"kid\":\"default\"}", "malformed header" },
        { "{\"alg\":\"boom\"}", "key not found" },
    };
    struct tj_inst ti;
    size_t i;

    open_mixed(&ti, 0);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CU_ASSERT_STRING_EQUAL(cases[i].reason, tj_verify(&ti,
            tj_hmac_token(cases[i].header, USER_PAYLOAD, "SHA256",
                          default_key, 32)));
    tj_close(&ti);
}

static void
test_reject_alg_none(void)
{
    struct tj_inst ti;

    open_mixed(&ti, 0);
    CU_ASSERT_STRING_EQUAL("malformed token", tj_verify(&ti, tj_str("%s.%s.",
        tj_b64("{\"alg\":\"none\",\"typ\":\"JWT\"}"), USER_P64)));
    CU_ASSERT_STRING_EQUAL("malformed token", tj_verify(&ti, tj_str("%s.%s.",
        tj_b64("{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"default\"}"),
        USER_P64)));
    CU_ASSERT_STRING_EQUAL("key not found", tj_verify(&ti, tj_hmac_token(
        "{\"alg\":\"none\",\"typ\":\"JWT\"}", USER_PAYLOAD, "SHA256",
        default_key, 32)));
    CU_ASSERT_STRING_EQUAL("algorithm mismatch", tj_verify(&ti, tj_hmac_token(
        "{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"default\"}", USER_PAYLOAD,
        "SHA256", default_key, 32)));
    tj_close(&ti);
}

static void
test_reject_alg_that_does_not_match_the_key(void)
{
    struct tj_inst ti;

    open_mixed(&ti, 0);
    /* HS256 header on the HS512 key, HMAC-SHA256 with that key's bytes. */
    CU_ASSERT_STRING_EQUAL("algorithm mismatch", tj_verify(&ti, tj_hmac_token(
        "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"h512\"}", USER_PAYLOAD,
        "SHA256", hs512_key, sizeof(hs512_key))));
    CU_ASSERT_STRING_EQUAL("algorithm mismatch", tj_verify(&ti, tj_hmac_token(
        "{\"alg\":\"HS512\",\"typ\":\"JWT\",\"kid\":\"default\"}",
        USER_PAYLOAD, "SHA512", default_key, 32)));
    CU_ASSERT_STRING_EQUAL("algorithm mismatch", tj_verify(&ti, tj_hmac_token(
        "{\"alg\":\"hs256\",\"typ\":\"JWT\",\"kid\":\"default\"}",
        USER_PAYLOAD, "SHA256", default_key, 32)));
    tj_close(&ti);
}

static void
test_reject_hmac_token_keyed_with_an_eddsa_public_key(void)
{
    const char *hdr = "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"ed\"}";
    struct tj_inst ti;
    unsigned char pem[1024];
    size_t pem_len;
    FILE *fp;

    open_mixed(&ti, 0);
    CU_ASSERT_STRING_EQUAL("algorithm mismatch", tj_verify(&ti,
        tj_hmac_token(hdr, USER_PAYLOAD, "SHA256", ed_pub, ed_pub_len)));
    fp = fopen(ed_pub_pem, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    pem_len = fread(pem, 1, sizeof(pem), fp);
    fclose(fp);
    CU_ASSERT_STRING_EQUAL("algorithm mismatch", tj_verify(&ti,
        tj_hmac_token(hdr, USER_PAYLOAD, "SHA256", pem, pem_len)));
    tj_close(&ti);
}

static void
test_reject_unknown_kid(void)
{
    struct tj_inst ti;

    open_mixed(&ti, 0);
    CU_ASSERT_STRING_EQUAL("key not found", tj_verify(&ti, tj_hmac_token(
        "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"nope\"}", USER_PAYLOAD,
        "SHA256", default_key, 32)));
    CU_ASSERT_STRING_EQUAL("key not found", tj_verify(&ti, tj_hmac_token(
        "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":42}", USER_PAYLOAD,
        "SHA256", default_key, 32)));
    tj_close(&ti);
}

static void
test_kid_not_set_fallback_is_used_only_when_configured(void)
{
    struct tj_inst ti;

    open_mixed(&ti, 0);
    CU_ASSERT_STRING_EQUAL(OK_USER, tj_verify(&ti, tj_hmac_token(
        "{\"alg\":\"HS384\",\"typ\":\"JWT\"}", USER_PAYLOAD, "SHA384",
        hs384_key, sizeof(hs384_key))));
    CU_ASSERT_STRING_EQUAL("key not found", tj_verify(&ti, tj_hmac_token(
        "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", USER_PAYLOAD, "SHA256",
        default_key, 32)));
    tj_close(&ti);
}

static void
test_reject_signature_of_wrong_length_or_with_flipped_bits(void)
{
    unsigned char sig31[31] = { 0 };
    struct tj_inst ti;
    char s64[64];

    open_mixed(&ti, 0);
    /* Fast path: our header but a 42-character signature. */
    CU_ASSERT_STRING_EQUAL("malformed token", tj_verify(&ti, HS256_HDR "."
        USER_P64 ".f_8HHg-3-XdkLhyHG4iAondfaFNmdBWcMESF-tskmf"));
    /* Slow path: decodes, but to 31 bytes. */
    s64[b64url_encode(sig31, sizeof(sig31), s64)] = '\0';
    CU_ASSERT_STRING_EQUAL("signature invalid", tj_verify(&ti, tj_str(
        "%s.%s.%s", tj_b64(LEGACY_HDR), USER_P64, s64)));
    CU_ASSERT_STRING_EQUAL("signature invalid",
                           tj_verify(&ti, tj_flip_bit(HS256_TOKEN, 2, 0)));
    CU_ASSERT_STRING_EQUAL("signature invalid",
                           tj_verify(&ti, tj_flip_bit(HS256_TOKEN, 2, 31)));
    CU_ASSERT_STRING_EQUAL("signature invalid",
                           tj_verify(&ti, tj_flip_bit(HS256_TOKEN, 1, 10)));
    tj_close(&ti);
}

static void
test_reject_token_over_max_token_bytes(void)
{
    struct tj_inst ti;
    char payload[200];
    const char *token;

    open_mixed(&ti, 256);
    /* 58 + 1 + 152 + 1 + 43 = 255 bytes: accepted. */
    snprintf(payload, sizeof(payload), "{\"p\":\"%0106d\"}", 0);
    token = tj_str("%s", tj_sign(&ti, payload));
    CU_ASSERT_EQUAL(255, strlen(token));
    CU_ASSERT_STRING_EQUAL(tj_str("ok:%s", payload), tj_verify(&ti, token));
    /* One byte more of payload: 257 bytes. */
    snprintf(payload, sizeof(payload), "{\"p\":\"%0107d\"}", 0);
    token = tj_str("%s", tj_sign(&ti, payload));
    CU_ASSERT_EQUAL(257, strlen(token));
    CU_ASSERT_STRING_EQUAL("token too long", tj_verify(&ti, token));
    tj_close(&ti);
}

static void
test_reject_payload_that_is_not_an_object(void)
{
    const char *hdr =
        "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"default\"}";
    struct tj_inst ti;

    open_mixed(&ti, 0);
    CU_ASSERT_STRING_EQUAL("json invalid", tj_verify(&ti, tj_hmac_token(
        hdr, "[1]", "SHA256", default_key, 32)));
    CU_ASSERT_STRING_EQUAL("json invalid", tj_verify(&ti, tj_hmac_token(
        hdr, " {}", "SHA256", default_key, 32)));
    CU_ASSERT_STRING_EQUAL("json invalid", tj_verify(&ti, tj_hmac_token(
        LEGACY_HDR, "123", "SHA256", default_key, 32)));
    tj_close(&ti);
}

static void
test_reject_poly1305_token_without_a_proper_nonce(void)
{
    struct tj_inst ti;

    open_mixed(&ti, 0);
    /* Fast-path layout for kid "p", but the nonce piece holds '*'. */
    CU_ASSERT_STRING_EQUAL("malformed token", tj_verify(&ti, tj_str(
        "%s%sImtpZCI6InAifQ.%s.AAAAAAAAAAAAAAAAAAAAAA", P1305_HEAD,
        tj_b64("AAECAwQFBgcICQo*\","), USER_P64)));
    CU_ASSERT_STRING_EQUAL("malformed header", tj_verify(&ti, tj_str(
        "%s.%s.AAAAAAAAAAAAAAAAAAAAAA",
        tj_b64("{\"alg\":\"Poly1305\",\"typ\":\"JWT\",\"kid\":\"p\"}"),
        USER_P64)));
    CU_ASSERT_STRING_EQUAL("malformed header", tj_verify(&ti, tj_str(
        "%s.%s.AAAAAAAAAAAAAAAAAAAAAA", tj_b64("{\"alg\":\"Poly1305\","
        "\"nonce\":\"AAECAwQF\",\"kid\":\"p\"}"), USER_P64)));
    CU_ASSERT_STRING_EQUAL("signature invalid", tj_verify(&ti, tj_str(
        "%s.%s.AAAAAAAAAAAAAAAAAAAAAA", tj_b64("{\"alg\":\"Poly1305\","
        "\"kid\":\"p\",\"nonce\":\"AAECAwQFBgcICQoL\"}"), USER_P64)));
    tj_close(&ti);
}

static void
test_reject_eddsa_token_with_flipped_bits(void)
{
    struct tj_inst ti = { 0 };
    struct charon_err err;
    const char *token;

    tj_key(&ti, "ed", tj_str("EdDSA:%s", ed_pem), 2);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, tj_open(&ti, "ed", 0, &err));
    token = tj_str("%s", tj_sign(&ti, USER_PAYLOAD));
    CU_ASSERT_STRING_EQUAL(OK_USER, tj_verify(&ti, token));
    CU_ASSERT_STRING_EQUAL("signature invalid",
                           tj_verify(&ti, tj_flip_bit(token, 2, 40)));
    CU_ASSERT_STRING_EQUAL("signature invalid",
                           tj_verify(&ti, tj_flip_bit(token, 1, 0)));
    tj_close(&ti);
}

static const CU_TestInfo vector_tests[] = {
    { "PBKDF2 default key is the Appendix A value",
      test_pbkdf2_default_key_is_appendix_a_value },
    { "default keyset signs the documented HS256 token",
      test_default_keyset_signs_the_documented_hs256_token },
    { "documented Poly1305 token verifies",
      test_documented_poly1305_token_verifies },
    { "legacy sorted header verifies through the slow path",
      test_legacy_sorted_header_verifies_through_slow_path },
    CU_TEST_INFO_NULL
};

static const CU_TestInfo reject_tests[] = {
    { "1, 2 or 4 segments is malformed",
      test_reject_wrong_number_of_segments },
    { "empty segments are malformed", test_reject_empty_segments },
    { "bad base64url in each segment",
      test_reject_bad_base64_in_each_segment },
    { "header must be a JSON object with alg",
      test_reject_header_that_is_not_a_json_object_with_alg },
    { "alg none is never accepted", test_reject_alg_none },
    { "alg must be the key's", test_reject_alg_that_does_not_match_the_key },
    { "HS256 keyed with an EdDSA public key is refused",
      test_reject_hmac_token_keyed_with_an_eddsa_public_key },
    { "unknown kid is key not found", test_reject_unknown_kid },
    { "kid_not_set fallback only when configured",
      test_kid_not_set_fallback_is_used_only_when_configured },
    { "wrong signature length or flipped bits",
      test_reject_signature_of_wrong_length_or_with_flipped_bits },
    { "token over max_token_bytes", test_reject_token_over_max_token_bytes },
    { "payload must be an object", test_reject_payload_that_is_not_an_object },
    { "Poly1305 token needs a proper nonce",
      test_reject_poly1305_token_without_a_proper_nonce },
    { "EdDSA token with flipped bits",
      test_reject_eddsa_token_with_flipped_bits },
    CU_TEST_INFO_NULL
};

int
main(void)
{
    static const struct cu_suite suites[] = {
        { "token_jwt vectors", suite_init, NULL, vector_tests },
        { "token_jwt rejections", suite_init, tj_unload, reject_tests },
        { NULL, NULL, NULL, NULL }
    };

    return cu_main(suites);
}
