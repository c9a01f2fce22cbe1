/*
 * test_jwt_key_der.c - token_jwt's own reading of Ed25519/Ed448 PEM keys
 * (plugins/token_jwt/jwt_key_der.c, built in): the fixed RFC 8410 forms
 * give the same key as OpenSSL's decoders; anything else is left to them.
 */
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "cu_main.h"
#include "jwt_key_der.h"

/* The PEM text of a new key's private (or public) half, in buf. */
static size_t
pem_of(EVP_PKEY *pkey, int private, char *buf, size_t cap)
{
    BIO *bio = BIO_new(BIO_s_mem());
    size_t n;

    CU_ASSERT_FATAL(bio != NULL);
    CU_ASSERT_FATAL(private ? PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL,
                                                       0, NULL, NULL)
                            : PEM_write_bio_PUBKEY(bio, pkey));
    n = (size_t)BIO_read(bio, buf, (int)cap);
    BIO_free(bio);
    return n;
}

static void
check_same_key(const char *type)
{
    EVP_PKEY *orig = EVP_PKEY_Q_keygen(NULL, NULL, type), *got;
    unsigned char a[57], b[57];
    size_t alen = sizeof(a), blen = sizeof(b), n;
    char pem[4096];
    int is_private = -1;

    CU_ASSERT_FATAL(orig != NULL);
    n = pem_of(orig, 1, pem, sizeof(pem));
    got = jwt_key_der_eddsa((unsigned char *)pem, n, &is_private);
    CU_ASSERT_FATAL(got != NULL);
    CU_ASSERT_EQUAL(1, is_private);
    CU_ASSERT_TRUE(EVP_PKEY_is_a(got, type));
    CU_ASSERT_TRUE(EVP_PKEY_get_raw_private_key(orig, a, &alen) &&
                   EVP_PKEY_get_raw_private_key(got, b, &blen));
    CU_ASSERT_TRUE(alen == blen && memcmp(a, b, alen) == 0);
    alen = blen = sizeof(a);
    CU_ASSERT_TRUE(EVP_PKEY_get_raw_public_key(orig, a, &alen) &&
                   EVP_PKEY_get_raw_public_key(got, b, &blen));
    CU_ASSERT_TRUE(alen == blen && memcmp(a, b, alen) == 0);
    EVP_PKEY_free(got);

    n = pem_of(orig, 0, pem, sizeof(pem));
    got = jwt_key_der_eddsa((unsigned char *)pem, n, &is_private);
    CU_ASSERT_FATAL(got != NULL);
    CU_ASSERT_EQUAL(0, is_private);
    blen = sizeof(b);
    CU_ASSERT_TRUE(EVP_PKEY_get_raw_public_key(got, b, &blen));
    CU_ASSERT_TRUE(alen == blen && memcmp(a, b, alen) == 0);
    EVP_PKEY_free(got);
    EVP_PKEY_free(orig);
}

static void
test_ed25519_forms_give_the_same_key(void)
{
    check_same_key("ED25519");
}

static void
test_ed448_forms_give_the_same_key(void)
{
    check_same_key("ED448");
}

/* Other keys, encrypted ones, other PEM blocks: NULL, for the decoders. */
static void
test_other_forms_are_left_to_the_decoders(void)
{
    EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    char pem[8192];
    size_t n;
    int is_private = -1;
    BIO *bio;

    CU_ASSERT_FATAL(ec != NULL && ed != NULL);
    n = pem_of(ec, 1, pem, sizeof(pem));
    CU_ASSERT_PTR_NULL(jwt_key_der_eddsa((unsigned char *)pem, n,
                                         &is_private));
    bio = BIO_new(BIO_s_mem());
    CU_ASSERT_FATAL(bio != NULL);
    CU_ASSERT_FATAL(PEM_write_bio_PKCS8PrivateKey(bio, ed, EVP_aes_256_cbc(),
                                                  "pass", 4, NULL, NULL));
    n = (size_t)BIO_read(bio, pem, (int)sizeof(pem));
    BIO_free(bio);
    CU_ASSERT_PTR_NULL(jwt_key_der_eddsa((unsigned char *)pem, n,
                                         &is_private));
    n = (size_t)snprintf(pem, sizeof(pem), "-----BEGIN CERTIFICATE-----\n"
                         "MC4CAQAwBQYDK2VwBCIEIA==\n"
                         "-----END CERTIFICATE-----\n");
    CU_ASSERT_PTR_NULL(jwt_key_der_eddsa((unsigned char *)pem, n,
                                         &is_private));
    CU_ASSERT_PTR_NULL(jwt_key_der_eddsa((const unsigned char *)"junk", 4,
                                         &is_private));
    CU_ASSERT_EQUAL(-1, is_private);
    EVP_PKEY_free(ec);
    EVP_PKEY_free(ed);
}

static const CU_TestInfo key_der_tests[] = {
    { "Ed25519 PKCS#8 and SPKI give OpenSSL's own key",
      test_ed25519_forms_give_the_same_key },
    { "Ed448 PKCS#8 and SPKI give OpenSSL's own key",
      test_ed448_forms_give_the_same_key },
    { "other keys, encrypted keys and other blocks are left to the decoders",
      test_other_forms_are_left_to_the_decoders },
    CU_TEST_INFO_NULL
};

int
main(void)
{
    static const struct cu_suite suites[] = {
        { "jwt_key_der", NULL, NULL, key_der_tests },
        { NULL, NULL, NULL, NULL }
    };

    return cu_main(suites);
}
