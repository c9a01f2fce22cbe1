/* test_body.c - JSON and form bodies of the session endpoints. */
#include <string.h>

#include "body.h"
#include "cu_main.h"

static int
parse(const char *type, const char *text, json_object **out)
{
    struct charon_err err;

    charon_err_clear(&err);
    return body_parse(type, text, strlen(text), out, &err);
}

static void
test_a_json_object_is_read(void)
{
    json_object *o = NULL;

    CU_ASSERT_EQUAL_FATAL(CHARON_OK,
                          parse("application/json; charset=utf-8",
                                " {\"username\":\"a\",\"n\":1}\n", &o));
    CU_ASSERT_STRING_EQUAL("a", body_string(o, "username"));
    CU_ASSERT_PTR_NULL(body_string(o, "n"));       /* not a string */
    CU_ASSERT_PTR_NULL(body_string(o, "missing"));
    json_object_put(o);
}

static void
test_broken_or_non_object_json_is_einval(void)
{
    static const char *const bad[] = {
        "{", "[]", "\"x\"", "1", "null", "{} {}", "{}x", "{\"a\":1,}",
        "", NULL
    };
    json_object *o;
    int i;

    for (i = 0; bad[i] != NULL; i++) {
        o = NULL;
        CU_ASSERT_EQUAL(CHARON_EINVAL, parse("application/json", bad[i], &o));
        CU_ASSERT_PTR_NULL(o);
    }
}

static void
test_deep_json_is_refused(void)
{
    char deep[200];
    json_object *o = NULL;
    int i;

    strcpy(deep, "{\"a\":");
    for (i = 0; i < 40; i++)
        strcat(deep, "[");
    for (i = 0; i < 40; i++)
        strcat(deep, "]");
    strcat(deep, "}");
    CU_ASSERT_EQUAL(CHARON_EINVAL, parse("application/json", deep, &o));
}

static void
test_a_nul_inside_a_string_is_not_a_string(void)
{
    json_object *o = NULL;

    CU_ASSERT_EQUAL_FATAL(CHARON_OK, parse("application/json",
                                           "{\"u\":\"adm\\u0000in\"}", &o));
    CU_ASSERT_PTR_NULL(body_string(o, "u"));
    json_object_put(o);
}

static void
test_a_form_is_decoded(void)
{
    json_object *o = NULL;

    CU_ASSERT_EQUAL_FATAL(CHARON_OK,
                          parse("application/x-www-form-urlencoded",
                                "username=a&t=a+b%2Bc&password=p%3D1&&x=&"
                                "username=second&password=p%3D1", &o));
    CU_ASSERT_STRING_EQUAL("second", body_string(o, "username"));
    CU_ASSERT_STRING_EQUAL("a b+c", body_string(o, "t"));
    CU_ASSERT_STRING_EQUAL("p=1", body_string(o, "password"));
    CU_ASSERT_STRING_EQUAL("", body_string(o, "x"));
    json_object_put(o);
}

static void
test_a_broken_form_is_einval(void)
{
    static const char *const bad[] = {
        "a=%zz", "a=%4", "a=%", "=v", "novalue", "a=%00", NULL
    };
    json_object *o;
    int i;

    for (i = 0; bad[i] != NULL; i++) {
        o = NULL;
        CU_ASSERT_EQUAL(CHARON_EINVAL,
                        parse("application/x-www-form-urlencoded", bad[i],
                              &o));
        CU_ASSERT_PTR_NULL(o);
    }
}

static void
test_other_types_are_eunsupp(void)
{
    json_object *o = NULL;

    CU_ASSERT_EQUAL(CHARON_EUNSUPP, parse("text/plain", "{}", &o));
    CU_ASSERT_EQUAL(CHARON_EUNSUPP, parse("application/jsonx", "{}", &o));
    CU_ASSERT_EQUAL(CHARON_EUNSUPP, parse(NULL, "{}", &o));
    CU_ASSERT_EQUAL(CHARON_EUNSUPP, parse("", "a=1", &o));
    CU_ASSERT_PTR_NULL(o);
    /* No type and no body: an empty object. */
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, parse(NULL, "", &o));
    CU_ASSERT_EQUAL(0, json_object_object_length(o));
    json_object_put(o);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, parse("APPLICATION/JSON ;x=y", "{}", &o));
    json_object_put(o);
}

static void
test_a_nul_byte_in_the_body_is_einval(void)
{
    struct charon_err err;
    json_object *o = NULL;

    CU_ASSERT_EQUAL(CHARON_EINVAL, body_parse("application/json", "{}\0",
                                              3, &o, &err));
    CU_ASSERT_PTR_NULL(o);
}

/* An empty body is never read into a buffer: text may be NULL. */
static void
test_an_empty_body_may_come_as_null(void)
{
    struct charon_err err;
    json_object *o = NULL;

    CU_ASSERT_EQUAL(CHARON_EINVAL, body_parse("application/json", NULL, 0,
                                              &o, &err));
    CU_ASSERT_EQUAL_FATAL(CHARON_OK,
                          body_parse("application/x-www-form-urlencoded",
                                     NULL, 0, &o, &err));
    CU_ASSERT_EQUAL(0, json_object_object_length(o));
    json_object_put(o);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, body_parse(NULL, NULL, 0, &o, &err));
    json_object_put(o);
}

static const CU_TestInfo body_tests[] = {
    { "an empty body may come as NULL", test_an_empty_body_may_come_as_null },
    { "a JSON object is read", test_a_json_object_is_read },
    { "broken or non-object JSON is EINVAL",
      test_broken_or_non_object_json_is_einval },
    { "JSON nested too deep is refused", test_deep_json_is_refused },
    { "a NUL inside a JSON string is not a string",
      test_a_nul_inside_a_string_is_not_a_string },
    { "a form is decoded, the last of a repeated name wins (as JSON)",
      test_a_form_is_decoded },
    { "a broken form is EINVAL", test_a_broken_form_is_einval },
    { "other content types are EUNSUPP", test_other_types_are_eunsupp },
    { "a NUL byte in the body is EINVAL",
      test_a_nul_byte_in_the_body_is_einval },
    CU_TEST_INFO_NULL
};

int
main(void)
{
    static const struct cu_suite suites[] = {
        { "body", NULL, NULL, body_tests },
        { NULL, NULL, NULL, NULL }
    };

    return cu_main(suites);
}
