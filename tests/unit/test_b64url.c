/* test_b64url.c - base64url as Charon encodes and decodes it. */
#include <string.h>

#include "cu_main.h"
#include "b64url.h"

static void
check_roundtrip(const char *plain, const char *encoded)
{
    char enc[128];
    unsigned char dec[128];
    size_t n, dlen;

    n = b64url_encode((const unsigned char *)plain, strlen(plain), enc);
    CU_ASSERT_EQUAL(strlen(encoded), n);
    CU_ASSERT_EQUAL(B64URL_ENCODED_LEN(strlen(plain)), n);
    CU_ASSERT_EQUAL(0, memcmp(encoded, enc, n));
    CU_ASSERT_EQUAL(0, b64url_decode(encoded, strlen(encoded), dec, &dlen));
    CU_ASSERT_EQUAL(strlen(plain), dlen);
    CU_ASSERT_EQUAL(0, memcmp(plain, dec, dlen));
}

static void
test_b64url_rfc4648_vectors_roundtrip(void)
{
    check_roundtrip("", "");
    check_roundtrip("f", "Zg");
    check_roundtrip("fo", "Zm8");
    check_roundtrip("foo", "Zm9v");
    check_roundtrip("foob", "Zm9vYg");
    check_roundtrip("fooba", "Zm9vYmE");
    check_roundtrip("foobar", "Zm9vYmFy");
}

static void
test_b64url_uses_url_alphabet(void)
{
    const unsigned char bytes[] = { 0xfb, 0xff, 0xbf };
    char enc[8];
    unsigned char dec[8];
    size_t n;

    CU_ASSERT_EQUAL(4, b64url_encode(bytes, 3, enc));
    CU_ASSERT_EQUAL(0, memcmp("-_-_", enc, 4));
    CU_ASSERT_EQUAL(0, b64url_decode("-_-_", 4, dec, &n));
    CU_ASSERT_EQUAL(3, n);
    CU_ASSERT_EQUAL(0, memcmp(bytes, dec, 3));
}

static void
test_b64url_charon_header_vector(void)
{
    const char *hdr = "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"default\"}";

    check_roundtrip(hdr,
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImRlZmF1bHQifQ");
}

static void
test_b64url_padded_input_is_accepted(void)
{
    unsigned char dec[8];
    size_t n;

    CU_ASSERT_EQUAL(0, b64url_decode("Zg==", 4, dec, &n));
    CU_ASSERT_EQUAL(1, n);
    CU_ASSERT_EQUAL('f', dec[0]);
    CU_ASSERT_EQUAL(0, b64url_decode("Zm8=", 4, dec, &n));
    CU_ASSERT_EQUAL(2, n);
}

static void
test_b64url_trailing_bits_are_ignored(void)
{
    unsigned char dec[8];
    size_t n;

    /* "Zh" has non-zero bits past the one byte it carries. */
    CU_ASSERT_EQUAL(0, b64url_decode("Zh", 2, dec, &n));
    CU_ASSERT_EQUAL(1, n);
    CU_ASSERT_EQUAL('f', dec[0]);
}

static void
test_b64url_malformed_input_is_refused(void)
{
    unsigned char dec[16];
    size_t n;

    CU_ASSERT_EQUAL(-1, b64url_decode("Z", 1, dec, &n));        /* 1 mod 4 */
    CU_ASSERT_EQUAL(-1, b64url_decode("Zm9vY", 5, dec, &n));    /* 1 mod 4 */
    CU_ASSERT_EQUAL(-1, b64url_decode("Zm+v", 4, dec, &n));     /* '+' */
    CU_ASSERT_EQUAL(-1, b64url_decode("Zm/v", 4, dec, &n));     /* '/' */
    CU_ASSERT_EQUAL(-1, b64url_decode("Zm v", 4, dec, &n));     /* space */
    CU_ASSERT_EQUAL(-1, b64url_decode("Zm\0v", 4, dec, &n));    /* NUL */
    CU_ASSERT_EQUAL(-1, b64url_decode("Z===", 4, dec, &n));     /* 3 pads */
    CU_ASSERT_EQUAL(-1, b64url_decode("=Zm9", 4, dec, &n));     /* pad first */
    CU_ASSERT_EQUAL(-1, b64url_decode("Zm9v\xc3\xa9", 6, dec, &n));
}

static const CU_TestInfo b64url_tests[] = {
    { "RFC 4648 vectors round trip", test_b64url_rfc4648_vectors_roundtrip },
    { "uses the URL alphabet - and _", test_b64url_uses_url_alphabet },
    { "Charon's default header encodes as documented",
      test_b64url_charon_header_vector },
    { "padded input is accepted", test_b64url_padded_input_is_accepted },
    { "non-zero trailing bits are ignored",
      test_b64url_trailing_bits_are_ignored },
    { "malformed input is refused", test_b64url_malformed_input_is_refused },
    CU_TEST_INFO_NULL
};

int
main(void)
{
    static const struct cu_suite suites[] = {
        { "b64url", NULL, NULL, b64url_tests },
        { NULL, NULL, NULL, NULL }
    };

    return cu_main(suites);
}
