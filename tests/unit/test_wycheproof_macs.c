/*
 * test_wycheproof_macs.c - Wycheproof's HMAC-SHA256/384/512 and
 * Ed25519/Ed448 vectors (tests/data/wycheproof, C2SP Wycheproof,
 * Apache-2.0) through token_jwt's own key loading and signature code
 * (jwt_keys.c, jwt_sig.c, built into this program): every case whose key
 * and tag fit a JWS (full-length tags, HMAC keys of 32 bytes or more) is
 * checked against its expected result; groups of shorter keys must be
 * refused when loaded, and truncated tags are not JWS signatures (a JWS
 * carries the whole tag), so those are counted, not run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "cu_main.h"
#include "jwt_keys.h"
#include "jwt_sig.h"
#include "jwt_thread.h"

static char dir[] = "/tmp/charon-wycheproof-XXXXXX";

static int
hex_decode(const char *hex, unsigned char *out, size_t cap, size_t *len)
{
    size_t i, n = strlen(hex);
    unsigned int byte;

    if (n % 2 != 0 || n / 2 > cap)
        return -1;
    for (i = 0; i < n / 2; i++) {
        if (sscanf(hex + 2 * i, "%2x", &byte) != 1)
            return -1;
        out[i] = (unsigned char)byte;
    }
    *len = n / 2;
    return 0;
}

static json_object *
load_suite(const char *name)
{
    const char *src = getenv("CHARON_TEST_SRCDIR");
    char path[4096];

    snprintf(path, sizeof(path), "%s/tests/data/wycheproof/%s",
             src != NULL ? src : ".", name);
    return json_object_from_file(path);
}

static const char *
str(json_object *o, const char *name)
{
    json_object *v;

    return json_object_object_get_ex(o, name, &v) ? json_object_get_string(v)
                                                  : NULL;
}

/* The keyset {k = value, s = an HS256 signing key}: a public EdDSA key
 * cannot sign, and a keyset needs a signing key.  NULL if refused. */
static struct jwt_keyset *
keyset(const char *value)
{
    char signer[4200];
    struct charon_opt_entry e[2] = { { "k", value, 1 }, { "s", signer, 2 } };
    struct token_jwt_config cfg = { "s", { e, 2 }, 8192 };
    struct jwt_keyset *ks = NULL;
    struct charon_err err;

    snprintf(signer, sizeof(signer), "HS256:file:%s/signer.key", dir);
    if (jwt_keyset_load(NULL, &cfg, &ks, &err) != CHARON_OK)
        return NULL;
    return ks;
}

/* "valid" when k's signature check of msg passes, else "invalid". */
static const char *
check(struct jwt_keyset *ks, const unsigned char *msg, size_t msg_len,
      const unsigned char *sig, size_t sig_len)
{
    const struct jwt_key *k = &ks->keys[0];
    struct jwt_thread *ts = NULL;
    struct charon_err err;
    int rc;

    CU_ASSERT_FATAL(jwt_thread_new(ks, 8192, &ts, &err) == CHARON_OK);
    rc = sig_len == k->sig_len
             ? jwt_sig_check(ks, k, ts, NULL, (const char *)msg, msg_len, sig,
                             &err)
             : CHARON_ETOKEN;
    jwt_thread_free(ks, ts);
    return rc == CHARON_OK ? "valid" : "invalid";
}

/* The case's "result" is what our code answered, or a failure naming it. */
static void
expect_result(const char *file, json_object *tc, const char *got)
{
    if (strcmp(str(tc, "result"), got) == 0)
        return;
    fprintf(stderr, "\n  %s tcId %d: expected %s\n", file,
            json_object_get_int(json_object_object_get(tc, "tcId")),
            str(tc, "result"));
    CU_FAIL("Wycheproof case");
}

static void
run_hmac(const char *file, const char *alg, size_t full_bits)
{
    json_object *suite = load_suite(file), *groups, *g, *tests, *tc;
    unsigned char key[256], msg[2048], tag[128];
    size_t i, j, key_len, msg_len, tag_len, ran = 0, skipped = 0;
    char path[4096], value[4200];
    struct jwt_keyset *ks;
    FILE *f;

    CU_ASSERT_FATAL(suite != NULL);
    CU_ASSERT_FATAL(json_object_object_get_ex(suite, "testGroups", &groups));
    for (i = 0; i < json_object_array_length(groups); i++) {
        g = json_object_array_get_idx(groups, i);
        json_object_object_get_ex(g, "tests", &tests);
        if ((size_t)atoi(str(g, "tagSize")) != full_bits) {
            skipped += json_object_array_length(tests);
            continue;
        }
        for (j = 0; j < json_object_array_length(tests); j++) {
            tc = json_object_array_get_idx(tests, j);
            CU_ASSERT_FATAL(hex_decode(str(tc, "key"), key, sizeof(key),
                                       &key_len) == 0 &&
                            hex_decode(str(tc, "msg"), msg, sizeof(msg),
                                       &msg_len) == 0 &&
                            hex_decode(str(tc, "tag"), tag, sizeof(tag),
                                       &tag_len) == 0);
            snprintf(path, sizeof(path), "%s/hmac.key", dir);
            f = fopen(path, "wb");
            CU_ASSERT_FATAL(f != NULL);
            fwrite(key, 1, key_len, f);
            fclose(f);
            chmod(path, 0600);
            snprintf(value, sizeof(value), "%s:file:%s", alg, path);
            ks = keyset(value);
            if (key_len < 32) {
                /* RFC 7518 §3.2 (and Charon's 32 bytes): refused. */
                CU_ASSERT_PTR_NULL(ks);
                jwt_keyset_free(ks);
                continue;
            }
            CU_ASSERT_PTR_NOT_NULL_FATAL(ks);
            expect_result(file, tc, check(ks, msg, msg_len, tag, tag_len));
            ran++;
            jwt_keyset_free(ks);
        }
    }
    printf("\n  %s: %zu cases run, %zu with truncated tags not run\n", file,
           ran, skipped);
    CU_ASSERT(ran > 0);
    json_object_put(suite);
}

static void
run_eddsa(const char *file, int nid)
{
    json_object *suite = load_suite(file), *groups, *g, *pk, *tests, *tc;
    unsigned char pub[57], msg[2048], sig[256];
    size_t i, j, pub_len, msg_len, sig_len, ran = 0;
    char path[4096], value[4200];
    struct jwt_keyset *ks;
    EVP_PKEY *pkey;
    FILE *f;

    CU_ASSERT_FATAL(suite != NULL);
    CU_ASSERT_FATAL(json_object_object_get_ex(suite, "testGroups", &groups));
    for (i = 0; i < json_object_array_length(groups); i++) {
        g = json_object_array_get_idx(groups, i);
        CU_ASSERT_FATAL(json_object_object_get_ex(g, "publicKey", &pk));
        CU_ASSERT_FATAL(hex_decode(str(pk, "pk"), pub, sizeof(pub),
                                   &pub_len) == 0);
        pkey = EVP_PKEY_new_raw_public_key(nid, NULL, pub, pub_len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(pkey);
        snprintf(path, sizeof(path), "%s/ed.pub.pem", dir);
        f = fopen(path, "w");
        CU_ASSERT_FATAL(f != NULL && PEM_write_PUBKEY(f, pkey) == 1);
        fclose(f);
        EVP_PKEY_free(pkey);
        snprintf(value, sizeof(value), "EdDSA:%s", path);
        ks = keyset(value);
        CU_ASSERT_PTR_NOT_NULL_FATAL(ks);
        json_object_object_get_ex(g, "tests", &tests);
        for (j = 0; j < json_object_array_length(tests); j++) {
            tc = json_object_array_get_idx(tests, j);
            CU_ASSERT_FATAL(hex_decode(str(tc, "msg"), msg, sizeof(msg),
                                       &msg_len) == 0);
            if (hex_decode(str(tc, "sig"), sig, sizeof(sig), &sig_len) < 0)
                sig_len = 0;            /* odd-length hex: no signature */
            expect_result(file, tc, check(ks, msg, msg_len, sig, sig_len));
            ran++;
        }
        jwt_keyset_free(ks);
    }
    printf("\n  %s: %zu cases run\n", file, ran);
    CU_ASSERT(ran > 0);
    json_object_put(suite);
}

static void
test_hmac_sha256(void)
{
    run_hmac("hmac_sha256_test.json", "HS256", 256);
}

static void
test_hmac_sha384(void)
{
    run_hmac("hmac_sha384_test.json", "HS384", 384);
}

static void
test_hmac_sha512(void)
{
    run_hmac("hmac_sha512_test.json", "HS512", 512);
}

static void
test_ed25519(void)
{
    run_eddsa("ed25519_test.json", EVP_PKEY_ED25519);
}

static void
test_ed448(void)
{
    run_eddsa("ed448_test.json", EVP_PKEY_ED448);
}

static int
suite_init(void)
{
    static const unsigned char signer[32] = { 1 };
    char path[4096];
    FILE *f;

    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(path, sizeof(path), "%s/signer.key", dir);
    f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    fwrite(signer, 1, sizeof(signer), f);
    fclose(f);
    return chmod(path, 0600);
}

static int
suite_cleanup(void)
{
    char path[4096];

    snprintf(path, sizeof(path), "%s/hmac.key", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/ed.pub.pem", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/signer.key", dir);
    unlink(path);
    return rmdir(dir);
}

static const CU_TestInfo wycheproof_tests[] = {
    { "HMAC-SHA256 vectors", test_hmac_sha256 },
    { "HMAC-SHA384 vectors", test_hmac_sha384 },
    { "HMAC-SHA512 vectors", test_hmac_sha512 },
    { "Ed25519 vectors", test_ed25519 },
    { "Ed448 vectors", test_ed448 },
    CU_TEST_INFO_NULL
};

int
main(void)
{
    static const struct cu_suite suites[] = {
        { "Wycheproof MAC and signature vectors", suite_init, suite_cleanup,
          wycheproof_tests },
        { NULL, NULL, NULL, NULL }
    };

    return cu_main(suites);
}
