/* test_http_reply.c - CGI response bytes and the rc -> status mapping. */
#include <string.h>

#include "cu_main.h"
#include "http_reply.h"
#include "request.h"

static void
test_reply_serializes_status_headers_body(void)
{
    struct http_reply r;
    struct charon_buf out = CHARON_BUF_INIT;

    http_reply_init(&r);
    http_reply_json_error(&r, 401, "invalid_token", "bearer token expired");
    CU_ASSERT_EQUAL(CHARON_OK, http_reply_serialize(&r, &out));
    CU_ASSERT_STRING_EQUAL(
        "Status: 401 Unauthorized\r\n"
        "Content-Type: application/json\r\n"
        "Cache-Control: no-store\r\n"
        "\r\n"
        "{\"error\":\"invalid_token\",\"message\":\"bearer token expired\"}",
        (char *)out.data);
    http_reply_free(&r);
    charon_buf_free(&out);
}

static void
test_header_values_cannot_inject_headers(void)
{
    struct http_reply r;
    struct charon_buf out = CHARON_BUF_INIT;

    http_reply_init(&r);
    r.status = 200;
    http_reply_header(&r, "Variable-CHARON_CLAIM_ROLE",
                      "admin\r\nSet-Cookie: x=1");
    CU_ASSERT_EQUAL(CHARON_OK, http_reply_serialize(&r, &out));
    CU_ASSERT_STRING_EQUAL("Status: 200 OK\r\n"
                           "Variable-CHARON_CLAIM_ROLE: admin  Set-Cookie: x=1"
                           "\r\n\r\n", (char *)out.data);
    http_reply_free(&r);
    charon_buf_free(&out);
}

static void
test_json_strings_are_escaped(void)
{
    struct charon_buf b = CHARON_BUF_INIT;

    CU_ASSERT_EQUAL(CHARON_OK, http_reply_json_string(&b, "a\"b\\c\n\x01"));
    CU_ASSERT_STRING_EQUAL("\"a\\\"b\\\\c\\u000a\\u0001\"", (char *)b.data);
    charon_buf_free(&b);
}

static void
test_head_keeps_headers_and_drops_the_body(void)
{
    struct http_reply r;
    struct charon_buf out = CHARON_BUF_INIT;

    http_reply_init(&r);
    http_reply_json(&r, 200, "{}", 2);
    r.head_only = 1;
    http_reply_serialize(&r, &out);
    CU_ASSERT_STRING_EQUAL("Status: 200 OK\r\nContent-Type: application/json"
                           "\r\nCache-Control: no-store\r\n\r\n",
                           (char *)out.data);
    http_reply_free(&r);
    charon_buf_free(&out);
}

static void
test_rc_to_status(void)
{
    CU_ASSERT_EQUAL(200, http_reply_status_for(CHARON_OK));
    CU_ASSERT_EQUAL(400, http_reply_status_for(CHARON_EINVAL));
    CU_ASSERT_EQUAL(401, http_reply_status_for(CHARON_ETOKEN));
    CU_ASSERT_EQUAL(401, http_reply_status_for(CHARON_ENOTFOUND));
    CU_ASSERT_EQUAL(409, http_reply_status_for(CHARON_ECONFLICT));
    CU_ASSERT_EQUAL(413, http_reply_status_for(CHARON_ETOOBIG));
    CU_ASSERT_EQUAL(503, http_reply_status_for(CHARON_EUNAVAIL));
    CU_ASSERT_EQUAL(503, http_reply_status_for(CHARON_ENOMEM));
    CU_ASSERT_EQUAL(500, http_reply_status_for(CHARON_EIO));
}

static const char *
route(char **envp, char *buf, size_t n)
{
    struct request r;

    memset(&r, 0, sizeof(r));
    r.envp = envp;
    request_index(&r);
    return request_route_path(&r, buf, n);
}

static void
test_route_prefers_document_uri_over_request_uri(void)
{
    char buf[256];
    char *nginx[] = { (char *)"REQUEST_URI=/private/page?x=1", (char *)"DOCUMENT_URI=/auth/check",
                      (char *)"SCRIPT_NAME=/auth/check", NULL };
    char *split[] = { (char *)"REQUEST_URI=/x", (char *)"SCRIPT_NAME=/auth",
                      (char *)"PATH_INFO=/jwks.json", NULL };
    char *bare[] = { (char *)"REQUEST_URI=/auth/health?probe=1", NULL };
    char *lookalike[] = { (char *)"DOCUMENT_URIX=/no", (char *)"DOCUMENT_URI=/yes", NULL };

    CU_ASSERT_STRING_EQUAL("/auth/check", route(nginx, buf, sizeof(buf)));
    CU_ASSERT_STRING_EQUAL("/auth/jwks.json", route(split, buf, sizeof(buf)));
    CU_ASSERT_STRING_EQUAL("/auth/health", route(bare, buf, sizeof(buf)));
    CU_ASSERT_STRING_EQUAL("/yes", route(lookalike, buf, sizeof(buf)));
    CU_ASSERT_PTR_NULL(route(nginx, buf, 5));
}

static const CU_TestInfo reply_tests[] = {
    { "a reply serialises as Status, headers, blank line, body",
      test_reply_serializes_status_headers_body },
    { "header values cannot inject headers",
      test_header_values_cannot_inject_headers },
    { "JSON strings are escaped", test_json_strings_are_escaped },
    { "HEAD keeps headers and drops the body",
      test_head_keeps_headers_and_drops_the_body },
    { "charon_rc codes map to HTTP statuses", test_rc_to_status },
    { "routing prefers DOCUMENT_URI, then SCRIPT_NAME+PATH_INFO, then "
      "REQUEST_URI", test_route_prefers_document_uri_over_request_uri },
    CU_TEST_INFO_NULL
};

int
main(void)
{
    static const struct cu_suite suites[] = {
        { "http_reply", NULL, NULL, reply_tests },
        { NULL, NULL, NULL, NULL }
    };

    return cu_main(suites);
}
