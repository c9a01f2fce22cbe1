/* test_cookies.c - Set-Cookie as Plug writes it, and logout's clearing. */
#include <string.h>

#include "config_charon.h"
#include "cookies.h"
#include "cu_main.h"
#include "http_reply.h"

static void
section(struct charon_section *c)
{
    memset(c, 0, sizeof(*c));
    c->access_cookie_name = "_access_token_signature";
    c->refresh_cookie_name = "_refresh_token_signature";
    c->cookie_secure = 1;
    c->cookie_same_site = CONFIG_SAME_SITE_STRICT;
    c->cookie_domain = "";
    c->cookie_path = "/";
}

static void
test_a_cookie_has_every_attribute(void)
{
    struct charon_section c;
    struct http_reply r;

    section(&c);
    http_reply_init(&r);
    /* 2023-11-14 22:13:20 UTC + 900 s */
    cookies_set(&r, &c, "_access_token_signature", ".sig", 900, 1700000000);
    CU_ASSERT_STRING_EQUAL("Set-Cookie: _access_token_signature=.sig; "
                           "path=/; expires=Tue, 14 Nov 2023 22:28:20 GMT; "
                           "max-age=900; secure; HttpOnly; SameSite=Strict"
                           "\r\n", (char *)r.head.data);
    http_reply_free(&r);
}

static void
test_domain_path_lax_and_no_secure(void)
{
    struct charon_section c;
    struct http_reply r;

    section(&c);
    c.cookie_secure = 0;
    c.cookie_same_site = CONFIG_SAME_SITE_LAX;
    c.cookie_domain = "example.test";
    c.cookie_path = "/api";
    http_reply_init(&r);
    cookies_set(&r, &c, "n", "v", 60, 0);
    CU_ASSERT_STRING_EQUAL("Set-Cookie: n=v; path=/api; domain=example.test; "
                           "expires=Thu, 01 Jan 1970 00:01:00 GMT; "
                           "max-age=60; HttpOnly; SameSite=Lax\r\n",
                           (char *)r.head.data);
    http_reply_free(&r);
}

static void
test_logout_clears_refresh_then_access(void)
{
    struct charon_section c;
    struct http_reply r;

    section(&c);
    c.cookie_same_site = CONFIG_SAME_SITE_NONE;
    http_reply_init(&r);
    cookies_clear_both(&r, &c);
    CU_ASSERT_STRING_EQUAL(
        "Set-Cookie: _refresh_token_signature=; path=/; "
        "expires=Thu, 01 Jan 1970 00:00:00 GMT; max-age=0; secure; HttpOnly; "
        "SameSite=None\r\n"
        "Set-Cookie: _access_token_signature=; path=/; "
        "expires=Thu, 01 Jan 1970 00:00:00 GMT; max-age=0; secure; HttpOnly; "
        "SameSite=None\r\n", (char *)r.head.data);
    http_reply_free(&r);
}

static const CU_TestInfo cookies_tests[] = {
    { "a cookie has every attribute, Plug's order",
      test_a_cookie_has_every_attribute },
    { "domain, path, Lax and no Secure", test_domain_path_lax_and_no_secure },
    { "logout clears the refresh cookie, then the access cookie",
      test_logout_clears_refresh_then_access },
    CU_TEST_INFO_NULL
};

int
main(void)
{
    static const struct cu_suite suites[] = {
        { "cookies", NULL, NULL, cookies_tests },
        { NULL, NULL, NULL, NULL }
    };

    return cu_main(suites);
}
