/*
 * test_token_jwt_keys.c - the token_jwt plugin's algorithms and keys,
 * through its descriptor only: the option table, round trips for every
 * algorithm, key rotation, the JWKS, every way create() refuses a
 * configuration, and many threads verifying at once.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "b64url.h"
#include "cu_main.h"
#include "token_jwt_fixture.h"

#define USER_PAYLOAD "{\"user_id\":123}"
#define OK_USER "ok:" USER_PAYLOAD
#define THREADS 8
#define VERIFIES 2000

/* A 32-byte key whose bytes would show in a message that leaked them. */
static const char leaky_key[] = "LEAKYKEYLEAKYKEYLEAKYKEYLEAKYKEY";
static unsigned char hs512_key[64], hs384_key[48], poly_key[32];
static unsigned char ed_pub[57], ed448_pub[57];
static size_t ed_pub_len, ed448_pub_len;

static int
suite_init(void)
{
    unsigned char other_pub[57];
    size_t other_pub_len;
    static int done;
    EVP_PKEY *ec;
    BIO *bio;
    char *pem;
    long n;

    if (tj_load() != 0)
        return -1;
    if (done++)
        return 0;
    if (RAND_bytes(hs512_key, sizeof(hs512_key)) != 1 ||
        RAND_bytes(hs384_key, sizeof(hs384_key)) != 1 ||
        RAND_bytes(poly_key, sizeof(poly_key)) != 1)
        return -1;
    tj_file("hs512.key", hs512_key, sizeof(hs512_key), 0600);
    tj_file("hs384.key", hs384_key, sizeof(hs384_key), 0600);
    tj_file("poly.key", poly_key, sizeof(poly_key), 0400);
    tj_file("hs256.key", leaky_key, 32, 0600);
    tj_file("group.key", leaky_key, 32, 0640);
    tj_file("short.key", leaky_key, 31, 0600);
    tj_file("poly31.key", leaky_key, 31, 0600);
    tj_edkey("ed", "ED25519", 0600, ed_pub, &ed_pub_len);
    tj_edkey("ed448", "ED448", 0600, ed448_pub, &ed448_pub_len);
    tj_edkey("edgroup", "ED25519", 0640, other_pub, &other_pub_len);
    ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    bio = BIO_new(BIO_s_mem());
    if (ec == NULL || bio == NULL ||
        PEM_write_bio_PrivateKey(bio, ec, NULL, NULL, 0, NULL, NULL) != 1)
        return -1;
    n = BIO_get_mem_data(bio, &pem);
    tj_file("ec.pem", pem, (size_t)n, 0600);
    BIO_free(bio);
    EVP_PKEY_free(ec);
    return 0;
}

static const char *
path(const char *name)
{
    return tj_str("%s/%s", cu_scratch_dir(), name);
}

static void
test_descriptor_declares_token_jwt_and_its_options(void)
{
    const struct charon_token_plugin *p = tj_plugin();
    const struct charon_option *o = p->hdr.options;

    CU_ASSERT_EQUAL(CHARON_ABI_VERSION, p->hdr.abi_version);
    CU_ASSERT_EQUAL(CHARON_PLUGIN_TOKEN, p->hdr.kind);
    CU_ASSERT_STRING_EQUAL("token_jwt", p->hdr.name);
    CU_ASSERT_EQUAL(sizeof(struct token_jwt_config), p->hdr.config_size);
    CU_ASSERT_PTR_NOT_NULL(p->hdr.thread_init);
    CU_ASSERT_PTR_NOT_NULL(p->sign);
    CU_ASSERT_PTR_NOT_NULL(p->verify);
    CU_ASSERT_PTR_NOT_NULL(p->public_jwks);
    CU_ASSERT_STRING_EQUAL("signing_key", o[0].name);
    CU_ASSERT_EQUAL(CHARON_OPT_STRING, o[0].type);
    CU_ASSERT_STRING_EQUAL("default", o[0].dflt);
    CU_ASSERT_EQUAL(offsetof(struct token_jwt_config, signing_key),
                    o[0].offset);
    CU_ASSERT_STRING_EQUAL("key.", o[1].name);
    CU_ASSERT_EQUAL(CHARON_OPT_MAP, o[1].type);
    CU_ASSERT_EQUAL(offsetof(struct token_jwt_config, keys), o[1].offset);
    CU_ASSERT_STRING_EQUAL("max_token_bytes", o[2].name);
    CU_ASSERT_EQUAL(CHARON_OPT_UINT, o[2].type);
    CU_ASSERT_STRING_EQUAL("8192", o[2].dflt);
    CU_ASSERT_EQUAL(256, o[2].min);
    CU_ASSERT_EQUAL(65536, o[2].max);
    CU_ASSERT_PTR_NULL(o[3].name);
}

static size_t
last_segment_len(const char *token)
{
    return strlen(strrchr(token, '.') + 1);
}

/* Signs, checks the header segment and signature length, verifies. */
static void
check_contains(const char *msg, const char *part)
{
    if (strstr(msg, part) == NULL)
        fprintf(stderr, "\n  \"%s\" lacks \"%s\"\n", msg, part);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, part));
}

static void
check_roundtrip(struct tj_inst *ti, const char *hdr_json, size_t sig_b64_len)
{
    const char *payload = "{\"sub\":\"u1\",\"exp\":4102444800,\"x\":[1,2]}";
    const char *token = tj_sign(ti, payload);
    const char *h64;

    CU_ASSERT_PTR_NOT_NULL_FATAL(token);
    token = tj_str("%s", token);
    if (hdr_json != NULL) {
        h64 = tj_b64(hdr_json);
        CU_ASSERT_EQUAL(0, strncmp(token, h64, strlen(h64)));
        CU_ASSERT_EQUAL('.', token[strlen(h64)]);
    }
    CU_ASSERT_EQUAL(sig_b64_len, last_segment_len(token));
    CU_ASSERT_STRING_EQUAL(tj_str("ok:%s", payload), tj_verify(ti, token));
    CU_ASSERT_STRING_EQUAL("signature invalid",
                           tj_verify(ti, tj_flip_bit(token, 2, 5)));
    CU_ASSERT_STRING_EQUAL("signature invalid",
                           tj_verify(ti, tj_flip_bit(token, 1, 3)));
}

static void
test_hmac_tokens_round_trip(void)
{
    struct tj_inst ti = { 0 };
    struct charon_err err;
    const char *dir = cu_scratch_dir();

    tj_key(&ti, "a", "HS256:derived", 2);
    tj_key(&ti, "b", "HS384:derived:another salt", 3);
    tj_key(&ti, "c", tj_str("HS512:file:%s/hs512.key", dir), 4);
    tj_key(&ti, "d", tj_str("HS384:file:%s/hs384.key", dir), 5);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, tj_open(&ti, "a", 0, &err));
    check_roundtrip(&ti, "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"a\"}",
                    43);
    tj_close(&ti);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, tj_open(&ti, "b", 0, &err));
    check_roundtrip(&ti, "{\"alg\":\"HS384\",\"typ\":\"JWT\",\"kid\":\"b\"}",
                    64);
    tj_close(&ti);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, tj_open(&ti, "c", 0, &err));
    check_roundtrip(&ti, "{\"alg\":\"HS512\",\"typ\":\"JWT\",\"kid\":\"c\"}",
                    86);
    /* The file key is used as is: a token made elsewhere verifies. */
    CU_ASSERT_STRING_EQUAL(OK_USER, tj_verify(&ti, tj_hmac_token(
        "{\"alg\":\"HS512\",\"kid\":\"c\"}", USER_PAYLOAD, "SHA512",
        hs512_key, sizeof(hs512_key))));
    tj_close(&ti);
}

/* Charon's derive_key gives 32 bytes unless told otherwise, so its
 * HS384/HS512 keysets hold 32-byte keys: "derived:SALT:32" and files of
 * 32 bytes verify its tokens, each with a warning; the default length
 * stays the hash's. */
static void
test_hmac_keys_of_charons_32_bytes(void)
{
    unsigned char k32[32], k64[64];
    struct tj_inst ti = { 0 };
    struct charon_err err;

    tj_derive("interop_hs512", k32, sizeof(k32));
    tj_derive("interop_hs512", k64, sizeof(k64));
    tj_file("hs512k32.key", k32, sizeof(k32), 0600);
    tj_key(&ti, "d32", "HS512:derived:interop_hs512:32", 2);
    tj_key(&ti, "f32", tj_str("HS512:file:%s", path("hs512k32.key")), 3);
    tj_key(&ti, "d64", "HS512:derived:interop_hs512", 4);
    tj_key(&ti, "h48", "HS384:derived:salt:with:colons:48", 5);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, tj_open(&ti, "d32", 0, &err));
    CU_ASSERT_STRING_EQUAL(OK_USER, tj_verify(&ti, tj_hmac_token(
        "{\"alg\":\"HS512\",\"kid\":\"d32\"}", USER_PAYLOAD, "SHA512",
        k32, sizeof(k32))));
    CU_ASSERT_STRING_EQUAL(OK_USER, tj_verify(&ti, tj_hmac_token(
        "{\"alg\":\"HS512\",\"kid\":\"f32\"}", USER_PAYLOAD, "SHA512",
        k32, sizeof(k32))));
    CU_ASSERT_STRING_EQUAL(OK_USER, tj_verify(&ti, tj_hmac_token(
        "{\"alg\":\"HS512\",\"kid\":\"d64\"}", USER_PAYLOAD, "SHA512",
        k64, sizeof(k64))));
    CU_ASSERT_STRING_EQUAL("signature invalid", tj_verify(&ti, tj_hmac_token(
        "{\"alg\":\"HS512\",\"kid\":\"d32\"}", USER_PAYLOAD, "SHA512",
        k64, sizeof(k64))));
    check_roundtrip(&ti,
                    "{\"alg\":\"HS512\",\"typ\":\"JWT\",\"kid\":\"d32\"}", 86);
    check_contains(tj_log_text(), "key.d32: a 32-byte HS512 key is below "
                   "RFC 7518's minimum of 64 bytes");
    check_contains(tj_log_text(), "key.f32: a 32-byte HS512 key");
    CU_ASSERT_PTR_NULL(strstr(tj_log_text(), "key.d64: a"));
    CU_ASSERT_PTR_NULL(strstr(tj_log_text(), "key.h48: a"));
    tj_close(&ti);
}

/* b64url(header).b64url(payload).b64url(EdDSA signature) with the
 * private key in PEM file pem (a string owned by the fixture). */
static const char *
eddsa_token(const char *pem, const char *header, const char *payload)
{
    unsigned char sig[114];
    char sig64[B64URL_ENCODED_LEN(114) + 1];
    const char *input;
    size_t sig_len = sizeof(sig);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY *pkey = NULL;
    FILE *f = fopen(pem, "r");

    CU_ASSERT_FATAL(f != NULL && ctx != NULL);
    pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    CU_ASSERT_FATAL(pkey != NULL);
    input = tj_str("%s.", tj_b64(header));     /* (tj_b64's buffer) */
    input = tj_str("%s%s", input, tj_b64(payload));
    CU_ASSERT_FATAL(EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
                    EVP_DigestSign(ctx, sig, &sig_len,
                                   (const unsigned char *)input,
                                   strlen(input)) == 1);
    sig64[b64url_encode(sig, sig_len, sig64)] = '\0';
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    return tj_str("%s.%s", input, sig64);
}

/* RFC 9864: "Ed25519" and "Ed448" name EdDSA on one curve; verify takes
 * them as well as "EdDSA", for the key's own curve only, and signing
 * keeps "EdDSA" (what Charon and most libraries expect). */
static void
test_eddsa_takes_the_fully_specified_alg_names(void)
{
    struct tj_inst ti = { 0 };
    struct charon_err err;
    const char *ed = path("ed.pem"), *ed448 = path("ed448.pem");

    tj_key(&ti, "e1", tj_str("EdDSA:%s", ed), 2);
    tj_key(&ti, "e4", tj_str("EdDSA:%s", ed448), 3);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, tj_open(&ti, "e1", 0, &err));
    CU_ASSERT_STRING_EQUAL(OK_USER, tj_verify(&ti, eddsa_token(ed,
        "{\"alg\":\"Ed25519\",\"kid\":\"e1\"}", USER_PAYLOAD)));
    CU_ASSERT_STRING_EQUAL(OK_USER, tj_verify(&ti, eddsa_token(ed,
        "{\"alg\":\"EdDSA\",\"kid\":\"e1\"}", USER_PAYLOAD)));
    CU_ASSERT_STRING_EQUAL(OK_USER, tj_verify(&ti, eddsa_token(ed448,
        "{\"alg\":\"Ed448\",\"kid\":\"e4\"}", USER_PAYLOAD)));
    CU_ASSERT_STRING_EQUAL("algorithm mismatch", tj_verify(&ti, eddsa_token(
        ed, "{\"alg\":\"Ed448\",\"kid\":\"e1\"}", USER_PAYLOAD)));
    CU_ASSERT_STRING_EQUAL("algorithm mismatch", tj_verify(&ti, eddsa_token(
        ed448, "{\"alg\":\"Ed25519\",\"kid\":\"e4\"}", USER_PAYLOAD)));
    CU_ASSERT_STRING_EQUAL("algorithm mismatch", tj_verify(&ti, eddsa_token(
        ed, "{\"alg\":\"ed25519\",\"kid\":\"e1\"}", USER_PAYLOAD)));
    check_roundtrip(&ti,
                    "{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"e1\"}", 86);
    tj_close(&ti);
}

static void
test_eddsa_tokens_round_trip_and_verify_with_public_key(void)
{
    static const char *const types[] = { "ED25519", "ED448" };
    static const size_t sig_b64[] = { 86, 152 };
    unsigned char pub[57];
    struct tj_inst priv, pubonly;
    struct charon_err err;
    const char *token;
    size_t i, pub_len;

    for (i = 0; i < 2; i++) {
        memset(&priv, 0, sizeof(priv));
        memset(&pubonly, 0, sizeof(pubonly));
        tj_edkey(types[i], types[i], 0600, pub, &pub_len);
        tj_key(&priv, "k", tj_str("EdDSA:%s/%s.pem", cu_scratch_dir(),
                                  types[i]), 2);
        CU_ASSERT_EQUAL_FATAL(CHARON_OK, tj_open(&priv, "k", 0, &err));
        check_roundtrip(&priv, "{\"alg\":\"EdDSA\",\"typ\":\"JWT\","
                        "\"kid\":\"k\"}", sig_b64[i]);
        token = tj_str("%s", tj_sign(&priv, USER_PAYLOAD));

        tj_key(&pubonly, "default", "HS256:derived", 2);
        tj_key(&pubonly, "k", tj_str("EdDSA:file:%s/%s.pub.pem",
                                     cu_scratch_dir(), types[i]), 3);
        CU_ASSERT_EQUAL_FATAL(CHARON_OK, tj_open(&pubonly, "default", 0,
                                                 &err));
        CU_ASSERT_STRING_EQUAL(OK_USER, tj_verify(&pubonly, token));
        tj_close(&pubonly);
        tj_close(&priv);
    }
}

static void
test_poly1305_tokens_round_trip_with_fresh_nonces(void)
{
    struct tj_inst ti = { 0 };
    struct charon_err err;
    unsigned char hdr[256];
    const char *t1, *t2;
    size_t n;

    tj_key(&ti, "p", tj_str("Poly1305:file:%s/poly.key", cu_scratch_dir()),
           2);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, tj_open(&ti, "p", 0, &err));
    check_roundtrip(&ti, NULL, 22);
    t1 = tj_str("%s", tj_sign(&ti, USER_PAYLOAD));
    t2 = tj_str("%s", tj_sign(&ti, USER_PAYLOAD));
    CU_ASSERT_STRING_NOT_EQUAL(t1, t2);
    CU_ASSERT_STRING_EQUAL(OK_USER, tj_verify(&ti, t1));
    CU_ASSERT_STRING_EQUAL(OK_USER, tj_verify(&ti, t2));
    /* {"alg":"Poly1305","typ":"JWT","nonce":"<16 chars>","kid":"p"} */
    CU_ASSERT_EQUAL_FATAL(0, b64url_decode(t1, (size_t)(strchr(t1, '.') -
                                           t1), hdr, &n));
    CU_ASSERT_EQUAL(39 + 16 + 2 + 6 + 4, n);
    CU_ASSERT_EQUAL(0, memcmp(hdr, "{\"alg\":\"Poly1305\",\"typ\":\"JWT\","
                              "\"nonce\":\"", 39));
    CU_ASSERT_EQUAL(0, memcmp(hdr + 55, "\",\"kid\":\"p\"}", 12));
    tj_close(&ti);
}

static void
test_sign_refuses_a_payload_that_is_not_an_object(void)
{
    static const char *const bad[] = {
        "", "   ", "[1]", "\"x\"", "null", "{", "{}x", "{\"a\":}", "x{}",
        "{\"a\":\"\\u00zz\"}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":tru}",
        "{\"a\" 1}", "{\"a\":1,}", "{\"a\":\"x\ny\"}", "{\"a\":\"\\q\"}",
        "{a:1}", "{\"a\":[1,]}", "{\"a\":-}", "{\"a\":1e}", "{} {}",
        "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
    };
    static const char *const good[] = {
        "{}", " {\"a\":1} \n", "{\"a\":[1,-2.5e+3,true,false,null,{\"b\":\"\\u00e9\\n\"}]}",
        "{\"sub\":0,\"x\":\"\\\"\\\\\\/\\b\\f\\r\\t\"}",
    };
    struct charon_buf out = CHARON_BUF_INIT;
    struct tj_inst ti = { 0 };
    struct charon_err err;
    size_t i;

    CU_ASSERT_EQUAL_FATAL(CHARON_OK, tj_open(&ti, "default", 0, &err));
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CU_ASSERT_EQUAL(CHARON_EINVAL, tj_plugin()->sign(ti.inst, ti.ts,
                        bad[i], strlen(bad[i]), &out, &err));
        CU_ASSERT_EQUAL(0, out.len);
    }
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        CU_ASSERT_PTR_NOT_NULL(tj_sign(&ti, good[i]));
    charon_buf_free(&out);
    tj_close(&ti);
}

static void
test_rotation_keeps_old_tokens_valid(void)
{
    struct tj_inst old = { 0 }, cur = { 0 };
    struct charon_err err;
    const char *t_old, *t_cur;

    tj_key(&old, "k1", "HS256:derived:rotation one", 2);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, tj_open(&old, "k1", 0, &err));
    t_old = tj_str("%s", tj_sign(&old, USER_PAYLOAD));

    tj_key(&cur, "k1", "HS256:derived:rotation one", 2);
    tj_key(&cur, "k2", tj_str("HS256:file:%s", path("hs256.key")), 3);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, tj_open(&cur, "k2", 0, &err));
    t_cur = tj_str("%s", tj_sign(&cur, USER_PAYLOAD));
    CU_ASSERT_EQUAL(0, strncmp(t_cur, tj_str("%s.", tj_b64("{\"alg\":"
                               "\"HS256\",\"typ\":\"JWT\",\"kid\":\"k2\"}")),
                               52));
    CU_ASSERT_STRING_EQUAL("ok:" USER_PAYLOAD, tj_verify(&cur, t_old));
    CU_ASSERT_STRING_EQUAL("ok:" USER_PAYLOAD, tj_verify(&cur, t_cur));
    CU_ASSERT_STRING_EQUAL("key not found", tj_verify(&old, t_cur));
    tj_close(&cur);
    tj_close(&old);
}

static void
test_jwks_lists_every_eddsa_key_and_no_secret_key(void)
{
    struct charon_buf out = CHARON_BUF_INIT;
    struct tj_inst ti = { 0 };
    struct charon_err err;
    char x1[80], x2[80];

    tj_key(&ti, "default", "HS256:derived", 2);
    tj_key(&ti, "ed", tj_str("EdDSA:%s", path("ed.pem")), 3);
    tj_key(&ti, "p", "Poly1305:derived", 4);
    tj_key(&ti, "old448", tj_str("EdDSA:file:%s", path("ed448.pub.pem")), 5);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, tj_open(&ti, "default", 0, &err));
    x1[b64url_encode(ed_pub, ed_pub_len, x1)] = '\0';
    x2[b64url_encode(ed448_pub, ed448_pub_len, x2)] = '\0';
    CU_ASSERT_EQUAL(32, ed_pub_len);
    CU_ASSERT_EQUAL(57, ed448_pub_len);
    CU_ASSERT_EQUAL(CHARON_OK, tj_plugin()->public_jwks(ti.inst, ti.ts, &out,
                                                          &err));
    CU_ASSERT_STRING_EQUAL(tj_str("{\"keys\":["
        "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\",\"kid\":\"ed\","
        "\"alg\":\"EdDSA\",\"use\":\"sig\"},"
        "{\"kty\":\"OKP\",\"crv\":\"Ed448\",\"x\":\"%s\",\"kid\":\"old448\","
        "\"alg\":\"EdDSA\",\"use\":\"sig\"}]}", x1, x2),
        (const char *)out.data);
    charon_buf_free(&out);
    tj_close(&ti);

    memset(&ti, 0, sizeof(ti));
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, tj_open(&ti, "default", 0, &err));
    CU_ASSERT_EQUAL(CHARON_OK, tj_plugin()->public_jwks(ti.inst, ti.ts, &out,
                                                          &err));
    CU_ASSERT_STRING_EQUAL("{\"keys\":[]}", (const char *)out.data);
    charon_buf_free(&out);
    tj_close(&ti);
}

/* create()'s message for one key.<kid> = value on INI line 7, signing
 * with signing; "created" if it succeeded. */
static const char *
create_error(const char *kid, const char *value, const char *signing,
             unsigned long max)
{
    struct tj_inst ti = { 0 };
    struct charon_err err;
    int rc;

    if (kid != NULL)
        tj_key(&ti, kid, value, 7);
    rc = tj_open(&ti, signing, max, &err);
    if (rc == CHARON_OK) {
        tj_close(&ti);
        return "created";
    }
    CU_ASSERT_EQUAL(CHARON_ECONFIG, rc);
    CU_ASSERT_PTR_NULL(ti.inst);
    CU_ASSERT_PTR_NULL(strstr(err.msg, "LEAKYKEY"));
    return tj_str("%s", err.msg);
}


static void
test_create_refuses_a_missing_or_public_signing_key(void)
{
    const char *msg;

    msg = create_error("k1", "HS256:derived", "k9", 0);
    check_contains(msg, "signing_key = \"k9\"");
    msg = create_error(NULL, NULL, "other", 0);
    check_contains(msg, "signing_key = \"other\"");
    msg = create_error("pub", tj_str("EdDSA:%s", path("ed.pub.pem")), "pub",
                       0);
    check_contains(msg, "key.pub (line 7)");
    check_contains(msg, "public key");
    CU_ASSERT_STRING_EQUAL("created", create_error("k", tj_str("EdDSA:%s",
                           path("ed.pem")), "k", 0));
}

static void
test_create_refuses_unsafe_or_short_key_files(void)
{
    const char *msg;

    msg = create_error("g", tj_str("HS256:file:%s", path("group.key")), "g",
                       0);
    check_contains(msg, "key.g = \"HS256:file:");
    check_contains(msg, "(line 7)");
    check_contains(msg, "readable by group or others (mode 0640)");
    msg = create_error("s", tj_str("HS512:file:%s", path("short.key")), "s",
                       0);
    check_contains(msg, "holds 31 bytes; this key needs at least 32");
    msg = create_error("p", tj_str("Poly1305:file:%s", path("poly31.key")),
                       "p", 0);
    check_contains(msg, "needs exactly 32");
    msg = create_error("x", tj_str("HS256:file:%s", path("missing.key")),
                       "x", 0);
    check_contains(msg, "open ");
    check_contains(msg, "No such file");
    msg = create_error("e", tj_str("EdDSA:%s", path("edgroup.pem")), "e", 0);
    check_contains(msg, "readable by group or others");
    msg = create_error("e", tj_str("EdDSA:%s", path("hs256.key")), "e", 0);
    check_contains(msg, "no PEM private or public key");
    msg = create_error("e", tj_str("EdDSA:%s", path("ec.pem")), "e", 0);
    check_contains(msg, "holds a EC key");
}

static void
test_create_refuses_bad_algorithms_and_sources(void)
{
    static const struct { const char *value, *part; } cases[] = {
        { "RS256:derived", "ALG one of HS256, HS384, HS512, EdDSA, Poly1305" },
        { "hs256:derived", "ALG one of" },
        { "HS256", "ALG one of" },
        { "none:derived", "ALG one of" },
        { "HS256:env:SECRET", "unknown key source \"env:SECRET\"" },
        { "HS256:/etc/charon.key", "unknown key source" },
        { "HS256:derived:", "empty salt" },
        { "HS256:derived::32", "empty salt" },
        { "HS256:derived:s:31", "derived key length not in 32..64 bytes" },
        { "HS512:derived:s:65", "derived key length not in 32..64 bytes" },
        { "HS512:derived:s:99999999999999999999", "not in 32..64 bytes" },
        { "Poly1305:derived:s:16", "derived key length not in 32..32" },
        { "HS256:file:", "empty path" },
        { "EdDSA:derived", "PEM file" },
        { "EdDSA:file:", "empty PEM path" },
    };
    const char *msg;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        msg = create_error("k", cases[i].value, "k", 0);
        check_contains(msg, tj_str("key.k = \"%s\" (line 7): ",
                                   cases[i].value));
        check_contains(msg, cases[i].part);
    }
}

static void
test_create_refuses_bad_kids_and_limits(void)
{
    struct tj_inst ti = { 0 };
    struct charon_err err;
    const char *msg;

    msg = create_error("a\"b", "HS256:derived", "a\"b", 0);
    check_contains(msg, "a kid is 1..128 printable ASCII characters");
    msg = create_error("kid_not_set.HS256", "HS512:derived", "default", 0);
    check_contains(msg, "must be a HS256 key");
    msg = create_error(NULL, NULL, "default", 100);
    check_contains(msg, "max_token_bytes = 100: out of range 256..65536");
    msg = create_error(NULL, NULL, "default", 65537);
    check_contains(msg, "out of range");

    tj_key(&ti, "k", "HS256:derived", 3);
    tj_key(&ti, "k", "HS384:derived", 9);
    CU_ASSERT_EQUAL(CHARON_ECONFIG, tj_open(&ti, "k", 0, &err));
    check_contains(err.msg, "key.k = \"HS384:derived\" (line 9): kid defined "
                   "twice (first on line 3)");
}

static void
test_log_names_the_signing_kid_but_no_secret(void)
{
    struct tj_inst ti = { 0 };
    struct charon_err err;

    tj_key(&ti, "k2", tj_str("HS256:file:%s", path("hs256.key")), 3);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, tj_open(&ti, "k2", 0, &err));
    check_contains(tj_log_text(), "signing with kid \"k2\" (HS256)");
    CU_ASSERT_PTR_NULL(strstr(tj_log_text(), "LEAKYKEY"));
    CU_ASSERT_PTR_NULL(strstr(tj_log_text(), TJ_SECRET));
    tj_close(&ti);
}

struct worker {
    void *inst;
    const char *tokens[3];      /* HS256, Poly1305, Ed25519 */
    int failures;
};

static void *
worker_run(void *arg)
{
    struct worker *w = arg;
    struct charon_buf out = CHARON_BUF_INIT, tok = CHARON_BUF_INIT;
    const struct charon_token_plugin *p = tj_plugin();
    struct charon_err err;
    void *ts = NULL;
    int i, t, rounds;

    if (p->hdr.thread_init(w->inst, &ts, &err) != CHARON_OK) {
        w->failures++;
        return NULL;
    }
    for (t = 0; t < 3; t++) {
        rounds = t == 0 ? VERIFIES : t == 1 ? 50 : 5;
        for (i = 0; i < rounds; i++) {
            charon_buf_reset(&out);
            if (p->verify(w->inst, ts, w->tokens[t], strlen(w->tokens[t]),
                          &out, &err) != CHARON_OK ||
                strcmp((const char *)out.data, USER_PAYLOAD) != 0)
                w->failures++;
        }
    }
    for (i = 0; i < 50; i++) {
        charon_buf_reset(&tok);
        charon_buf_reset(&out);
        if (p->sign(w->inst, ts, USER_PAYLOAD, strlen(USER_PAYLOAD), &tok,
                    &err) != CHARON_OK ||
            p->verify(w->inst, ts, (const char *)tok.data, tok.len, &out,
                      &err) != CHARON_OK)
            w->failures++;
    }
    charon_buf_free(&tok);
    charon_buf_free(&out);
    p->hdr.thread_fini(w->inst, ts);
    return NULL;
}

static void
test_many_threads_verify_concurrently(void)
{
    struct tj_inst ti = { 0 }, p = { 0 }, e = { 0 };
    struct worker w[THREADS];
    pthread_t tid[THREADS];
    struct charon_err err;
    const char *tokens[3];
    int i, failures = 0;

    tj_key(&ti, "default", "HS256:derived", 2);
    tj_key(&ti, "p", "Poly1305:derived", 3);
    tj_key(&ti, "ed", tj_str("EdDSA:%s", path("ed.pem")), 4);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, tj_open(&ti, "default", 0, &err));
    memcpy(p.entries, ti.entries, sizeof(p.entries));
    p.cfg.keys = ti.cfg.keys;
    p.cfg.keys.entries = p.entries;
    memcpy(e.entries, ti.entries, sizeof(e.entries));
    e.cfg.keys = ti.cfg.keys;
    e.cfg.keys.entries = e.entries;
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, tj_open(&p, "p", 0, &err));
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, tj_open(&e, "ed", 0, &err));
    tokens[0] = tj_str("%s", tj_sign(&ti, USER_PAYLOAD));
    tokens[1] = tj_str("%s", tj_sign(&p, USER_PAYLOAD));
    tokens[2] = tj_str("%s", tj_sign(&e, USER_PAYLOAD));
    for (i = 0; i < THREADS; i++) {
        w[i].inst = ti.inst;
        memcpy(w[i].tokens, tokens, sizeof(tokens));
        w[i].failures = 0;
        CU_ASSERT_EQUAL_FATAL(0, pthread_create(&tid[i], NULL, worker_run,
                                                &w[i]));
    }
    for (i = 0; i < THREADS; i++) {
        pthread_join(tid[i], NULL);
        failures += w[i].failures;
    }
    CU_ASSERT_EQUAL(0, failures);
    tj_close(&e);
    tj_close(&p);
    tj_close(&ti);
}

static const CU_TestInfo roundtrip_tests[] = {
    { "HS256/384/512 tokens round trip", test_hmac_tokens_round_trip },
    { "HS384/HS512 keys of Charon's 32 bytes verify, with a warning",
      test_hmac_keys_of_charons_32_bytes },
    { "EdDSA verify takes alg Ed25519/Ed448 (RFC 9864); sign keeps EdDSA",
      test_eddsa_takes_the_fully_specified_alg_names },
    { "Ed25519/Ed448 tokens round trip, verify with the public key",
      test_eddsa_tokens_round_trip_and_verify_with_public_key },
    { "Poly1305 tokens round trip with fresh nonces",
      test_poly1305_tokens_round_trip_with_fresh_nonces },
    { "sign refuses a payload that is not an object",
      test_sign_refuses_a_payload_that_is_not_an_object },
    CU_TEST_INFO_NULL
};

static const CU_TestInfo key_tests[] = {
    { "descriptor declares token_jwt and its options",
      test_descriptor_declares_token_jwt_and_its_options },
    { "rotation keeps old tokens valid",
      test_rotation_keeps_old_tokens_valid },
    { "JWKS lists every EdDSA key and no secret key",
      test_jwks_lists_every_eddsa_key_and_no_secret_key },
    { "create refuses a missing or public-only signing key",
      test_create_refuses_a_missing_or_public_signing_key },
    { "create refuses unsafe or short key files",
      test_create_refuses_unsafe_or_short_key_files },
    { "create refuses bad algorithms and sources",
      test_create_refuses_bad_algorithms_and_sources },
    { "create refuses bad kids and limits",
      test_create_refuses_bad_kids_and_limits },
    { "log names the signing kid but no secret",
      test_log_names_the_signing_kid_but_no_secret },
    CU_TEST_INFO_NULL
};

static const CU_TestInfo thread_tests[] = {
    { "8 threads x 2000 verifies with their own thread state",
      test_many_threads_verify_concurrently },
    CU_TEST_INFO_NULL
};

int
main(void)
{
    static const struct cu_suite suites[] = {
        { "token_jwt round trips", suite_init, NULL, roundtrip_tests },
        { "token_jwt keys", suite_init, NULL, key_tests },
        { "token_jwt threads", suite_init, tj_unload, thread_tests },
        { NULL, NULL, NULL, NULL }
    };

    return cu_main(suites);
}
