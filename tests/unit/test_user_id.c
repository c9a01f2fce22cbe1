/*
 * test_user_id.c - the user ids a login may hand out and a token may
 * carry: nothing a header value or a CGI variable would change on the way
 * to the backend (src/user_id.c).
 */
#include <string.h>

#include "cu_main.h"
#include "user_id.h"

static int
text_ok(const char *s)
{
    return user_id_check(s, strlen(s), 0, NULL) == CHARON_OK;
}

static int
int_ok(const char *s)
{
    return user_id_check(s, strlen(s), 1, NULL) == CHARON_OK;
}

static void
test_plain_and_utf8_text_ids_are_valid(void)
{
    char max[USER_ID_MAX + 1];

    CU_ASSERT_TRUE(text_ok("alice"));
    CU_ASSERT_TRUE(text_ok("a"));
    CU_ASSERT_TRUE(text_ok("alice smith"));          /* a space inside */
    CU_ASSERT_TRUE(text_ok("user@example.test"));
    CU_ASSERT_TRUE(text_ok("admin,alice"));
    CU_ASSERT_TRUE(text_ok("Jos\xc3\xa9"));           /* é */
    CU_ASSERT_TRUE(text_ok("\xe6\x97\xa5\xe6\x9c\xac"));  /* 日本 */
    CU_ASSERT_TRUE(text_ok("\xf0\x9f\x98\x80"));       /* U+1F600 */
    CU_ASSERT_TRUE(text_ok("\xc2\xa0" "x"));          /* U+00A0 is kept */
    memset(max, 'u', USER_ID_MAX);
    max[USER_ID_MAX] = '\0';
    CU_ASSERT_TRUE(text_ok(max));
}

static void
test_a_space_at_either_end_is_refused(void)
{
    struct charon_err err;

    CU_ASSERT_EQUAL(CHARON_EINVAL, user_id_check(" admin ", 7, 0, &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "space"));
    CU_ASSERT_FALSE(text_ok(" admin"));
    CU_ASSERT_FALSE(text_ok("admin "));
    CU_ASSERT_FALSE(text_ok(" "));
    CU_ASSERT_FALSE(text_ok("\tadmin"));
}

static void
test_control_characters_and_separators_are_refused(void)
{
    static const char *const bad[] = {
        "eve\nroot", "eve\rroot", "eve\tx", "eve\x01", "eve\x1f",
        "eve\x7f",                      /* DEL */
        "eve\xc2\x80", "eve\xc2\x85", "eve\xc2\x9f",   /* C1: U+0085 NEL */
        "a\xe2\x80\xa8" "b",            /* U+2028 LINE SEPARATOR */
        "a\xe2\x80\xa9" "b",            /* U+2029 PARAGRAPH SEPARATOR */
        NULL
    };
    struct charon_err err;
    int i;

    for (i = 0; bad[i] != NULL; i++)
        CU_ASSERT_FALSE(text_ok(bad[i]));
    CU_ASSERT_EQUAL(CHARON_EINVAL, user_id_check("ab\ncd", 5, 0, &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "U+000A at byte 3"));
    /* A NUL inside the given length (a "\u0000" in JSON). */
    CU_ASSERT_EQUAL(CHARON_EINVAL, user_id_check("ab\0cd", 5, 0, NULL));
}

static void
test_invalid_utf8_is_refused(void)
{
    static const char *const bad[] = {
        "\xff", "a\x80", "\xc3", "\xc0\xaf", "\xe0\x80\xaf",
        "\xed\xa0\x80",                 /* a surrogate, U+D800 */
        "\xf4\x90\x80\x80",             /* above U+10FFFF */
        "\xe2\x80", NULL
    };
    struct charon_err err;
    int i;

    for (i = 0; bad[i] != NULL; i++)
        CU_ASSERT_FALSE(text_ok(bad[i]));
    CU_ASSERT_EQUAL(CHARON_EINVAL, user_id_check("ab\xff", 3, 0, &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "not valid UTF-8 (byte 3)"));
}

static void
test_length_limits(void)
{
    char over[USER_ID_MAX + 2];

    CU_ASSERT_FALSE(text_ok(""));
    memset(over, 'u', USER_ID_MAX + 1);
    over[USER_ID_MAX + 1] = '\0';
    CU_ASSERT_FALSE(text_ok(over));
}

static void
test_integer_ids(void)
{
    CU_ASSERT_TRUE(int_ok("0"));
    CU_ASSERT_TRUE(int_ok("42"));
    CU_ASSERT_TRUE(int_ok("-5"));
    CU_ASSERT_TRUE(int_ok("999999999999999"));
    CU_ASSERT_TRUE(int_ok("9007199254740993"));       /* 2^53 + 1 */
    CU_ASSERT_TRUE(int_ok("-123456789012345678901234567890"));
    CU_ASSERT_FALSE(int_ok("-0"));
    CU_ASSERT_FALSE(int_ok("007"));
    CU_ASSERT_FALSE(int_ok("-"));
    CU_ASSERT_FALSE(int_ok(""));
    CU_ASSERT_FALSE(int_ok("1.5"));
    CU_ASSERT_FALSE(int_ok(" 1"));
}

static const CU_TestInfo user_id_tests[] = {
    { "plain and UTF-8 text ids are valid",
      test_plain_and_utf8_text_ids_are_valid },
    { "a space at either end is refused, and the message says so",
      test_a_space_at_either_end_is_refused },
    { "control characters (C0, DEL, C1) and U+2028/U+2029 are refused",
      test_control_characters_and_separators_are_refused },
    { "invalid UTF-8 is refused", test_invalid_utf8_is_refused },
    { "1 to 255 bytes", test_length_limits },
    { "integer ids: any size, no leading zero", test_integer_ids },
    CU_TEST_INFO_NULL
};

int
main(void)
{
    static const struct cu_suite suites[] = {
        { "user_id", NULL, NULL, user_id_tests },
        { NULL, NULL, NULL, NULL }
    };

    return cu_main(suites);
}
