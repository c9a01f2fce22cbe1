/* test_token_extract.c - Authorization header and cookie transports. */
#include <string.h>

#include "cu_main.h"
#include "token_extract.h"

#define COOKIE "_access_token_signature"

static struct charon_buf tok = CHARON_BUF_INIT;

static int
extract(const char *auth, const char *cookies)
{
    return token_extract(auth, cookies, COOKIE, &tok);
}

static void
test_bearer_prefix_is_exact(void)
{
    CU_ASSERT_EQUAL(TOKEN_TRANSPORT_BEARER, extract("Bearer a.b.c", NULL));
    CU_ASSERT_STRING_EQUAL("a.b.c", (char *)tok.data);
    CU_ASSERT_EQUAL(TOKEN_TRANSPORT_BEARER, extract("Bearer: a.b.c", NULL));
    CU_ASSERT_STRING_EQUAL("a.b.c", (char *)tok.data);
    CU_ASSERT_EQUAL(TOKEN_TRANSPORT_NONE, extract("bearer a.b.c", NULL));
    CU_ASSERT_EQUAL(TOKEN_TRANSPORT_NONE, extract("Basic dXNlcjpwdw==", NULL));
    CU_ASSERT_EQUAL(TOKEN_TRANSPORT_NONE, extract("Bearer ", NULL));
    CU_ASSERT_EQUAL(TOKEN_TRANSPORT_NONE, extract("Bearer", NULL));
    CU_ASSERT_EQUAL(TOKEN_TRANSPORT_NONE, extract(NULL, NULL));
}

static void
test_bearer_value_is_taken_verbatim(void)
{
    CU_ASSERT_EQUAL(TOKEN_TRANSPORT_BEARER, extract("Bearer  a.b.c ", NULL));
    CU_ASSERT_STRING_EQUAL(" a.b.c ", (char *)tok.data);
}

static void
test_cookie_alone_is_cookie_only(void)
{
    CU_ASSERT_EQUAL(TOKEN_TRANSPORT_COOKIE_ONLY,
                    extract(NULL, "x=1; " COOKIE "=h.p.s; y=2"));
    CU_ASSERT_STRING_EQUAL("h.p.s", (char *)tok.data);
}

static void
test_dot_cookie_rejoins_the_signature(void)
{
    CU_ASSERT_EQUAL(TOKEN_TRANSPORT_COOKIE,
                    extract("Bearer h.p", COOKIE "=.sig"));
    CU_ASSERT_STRING_EQUAL("h.p.sig", (char *)tok.data);
}

static void
test_legacy_trailing_dot_rejoins_a_bare_signature(void)
{
    CU_ASSERT_EQUAL(TOKEN_TRANSPORT_COOKIE,
                    extract("Bearer h.p.", COOKIE "=sig"));
    CU_ASSERT_STRING_EQUAL("h.p.sig", (char *)tok.data);
}

static void
test_unrelated_cookie_next_to_bearer_is_ignored(void)
{
    CU_ASSERT_EQUAL(TOKEN_TRANSPORT_BEARER,
                    extract("Bearer a.b.c", COOKIE "=other"));
    CU_ASSERT_STRING_EQUAL("a.b.c", (char *)tok.data);
}

static void
test_cookie_name_must_match_exactly(void)
{
    size_t len;

    CU_ASSERT_EQUAL(TOKEN_TRANSPORT_NONE,
                    extract(NULL, "x" COOKIE "=h.p.s; " COOKIE "x=1"));
    CU_ASSERT_PTR_NULL(token_extract_cookie("a=1;b=2", "c", &len));
    CU_ASSERT_PTR_NOT_NULL(token_extract_cookie("a=1;b=2", "b", &len));
    CU_ASSERT_EQUAL(1, len);
    CU_ASSERT_EQUAL(TOKEN_TRANSPORT_NONE, extract(NULL, COOKIE "="));
}

static void
test_first_cookie_of_a_name_wins(void)
{
    CU_ASSERT_EQUAL(TOKEN_TRANSPORT_COOKIE_ONLY,
                    extract(NULL, COOKIE "=first; " COOKIE "=second"));
    CU_ASSERT_STRING_EQUAL("first", (char *)tok.data);
}

static int
cleanup(void)
{
    charon_buf_free(&tok);
    return 0;
}

static const CU_TestInfo extract_tests[] = {
    { "only \"Bearer \" and \"Bearer: \" count, case as written",
      test_bearer_prefix_is_exact },
    { "the bearer value is taken verbatim",
      test_bearer_value_is_taken_verbatim },
    { "a cookie alone is a cookie_only token",
      test_cookie_alone_is_cookie_only },
    { "a cookie starting with . re-joins the signature",
      test_dot_cookie_rejoins_the_signature },
    { "a header token ending with . re-joins a bare signature (3.x)",
      test_legacy_trailing_dot_rejoins_a_bare_signature },
    { "an unrelated cookie next to a bearer token is ignored",
      test_unrelated_cookie_next_to_bearer_is_ignored },
    { "the cookie name must match exactly",
      test_cookie_name_must_match_exactly },
    { "the first cookie of a name wins", test_first_cookie_of_a_name_wins },
    CU_TEST_INFO_NULL
};

int
main(void)
{
    static const struct cu_suite suites[] = {
        { "token_extract", NULL, cleanup, extract_tests },
        { NULL, NULL, NULL, NULL }
    };

    return cu_main(suites);
}
