/* test_json_claims.c - the strict in-place payload reader. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu_main.h"
#include "json_claims.h"

static struct json_claims c;

static int
parse(const char *s)
{
    return json_claims_parse(s, strlen(s), &c);
}

static void
test_valid_objects_parse(void)
{
    static const char *const ok[] = {
        "{}", " { } ", "{\"a\":1}", "{\"a\":-0.5e+10,\"b\":true,\"c\":null}",
        "{\"a\":[1,[2,{\"x\":[]}],\"s\"],\"b\":{\"c\":{}}}",
        "{\"a\":\"\\u00e9\\n\\t\\\"\\\\\\/\"}", "\n{\"a\" : 1 ,\"b\" :\"x\"}\n",
        "{\"e\":1E5,\"f\":0,\"g\":-0,\"h\":12.5e-3}", NULL
    };
    size_t i;

    for (i = 0; ok[i] != NULL; i++) {
        if (parse(ok[i]) != 0)
            fprintf(stderr, "should parse: %s\n", ok[i]);
        CU_ASSERT_EQUAL(0, parse(ok[i]));
    }
}

static void
test_invalid_text_is_refused(void)
{
    static const char *const bad[] = {
        "", "[]", "1", "\"s\"", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}",
        "{,\"a\":1}", "{\"a\":1}x", "{\"a\":1}{}", "{a:1}", "{'a':1}",
        "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":1e}", "{\"a\":+1}",
        "{\"a\":tru}", "{\"a\":nul}", "{\"a\":\"x}", "{\"a\":\"\\x\"}",
        "{\"a\":\"\\u12g4\"}", "{\"a\":\"tab\there\"}", "{\"a\":[1,]}",
        "{\"a\":[1 2]}", "{\"a\":{\"b\"}}", "{\"a\":1,\"a\":2}",
        "{\"a\":1,\"\\u0061\":2}", "{\"a\":NaN}", "{\"a\":Infinity}", NULL
    };
    size_t i;

    for (i = 0; bad[i] != NULL; i++) {
        if (parse(bad[i]) != -1)
            fprintf(stderr, "should be refused: %s\n", bad[i]);
        CU_ASSERT_EQUAL(-1, parse(bad[i]));
    }
    CU_ASSERT_EQUAL(-1, json_claims_parse("{\"a\":1}", 6, &c));  /* cut */
    CU_ASSERT_EQUAL(-1, json_claims_parse("{\"a\":\"\0\"}", 8, &c));
}

static void
test_nesting_limit(void)
{
    char deep[128];
    size_t i, n = 0;

    n += (size_t)snprintf(deep, sizeof(deep), "{\"a\":");
    for (i = 0; i < JSON_CLAIMS_MAX_DEPTH; i++)
        deep[n++] = '[';
    for (i = 0; i < JSON_CLAIMS_MAX_DEPTH; i++)
        deep[n++] = ']';
    deep[n++] = '}';
    deep[n] = '\0';
    CU_ASSERT_EQUAL(-1, parse(deep));          /* one level too deep */
    memmove(deep + 5, deep + 6, strlen(deep + 6) + 1);
    memmove(deep + 5 + JSON_CLAIMS_MAX_DEPTH - 1,
            deep + 5 + JSON_CLAIMS_MAX_DEPTH, strlen(deep + 5 +
                                                    JSON_CLAIMS_MAX_DEPTH) + 1);
    CU_ASSERT_EQUAL(0, parse(deep));           /* the deepest allowed */
}

/* {"k0":0,...,"k<count-1>":<count-1><tail>, in a heap buffer. */
static char *
wide_object(size_t count, const char *tail)
{
    size_t cap = count * 16 + 64, n, i;
    char *wide = malloc(cap);

    if (wide == NULL)
        return NULL;
    n = (size_t)snprintf(wide, cap, "{");
    for (i = 0; i < count; i++)
        n += (size_t)snprintf(wide + n, cap - n, "%s\"k%zu\":%zu",
                              i ? "," : "", i, i);
    snprintf(wide + n, cap - n, "%s", tail);
    return wide;
}

/* Charon lets claim overrides add any number of claims: a token of 70
 * (or thousands) is read whole, its last members found, a repeated name
 * past the inline index still refused. */
static void
test_member_limit_is_the_token_size(void)
{
    const struct json_claims_value *v;
    char *wide;
    int64_t n = 0;

    wide = wide_object(70, "}");
    CU_ASSERT_FATAL(wide != NULL);
    CU_ASSERT_EQUAL(0, parse(wide));
    CU_ASSERT_EQUAL(70, c.n);
    v = json_claims_get(&c, "k69");
    CU_ASSERT_FATAL(v != NULL);
    CU_ASSERT_EQUAL(0, json_claims_int(v, &n));
    CU_ASSERT_EQUAL(69, n);
    free(wide);
    wide = wide_object(70, ",\"k3\":1}");
    CU_ASSERT_FATAL(wide != NULL);
    CU_ASSERT_EQUAL(-1, parse(wide));
    free(wide);
    wide = wide_object(JSON_CLAIMS_MAX_MEMBERS, "}");
    CU_ASSERT_FATAL(wide != NULL);
    CU_ASSERT_EQUAL(0, parse(wide));
    CU_ASSERT_EQUAL(JSON_CLAIMS_MAX_MEMBERS, c.n);
    free(wide);
    wide = wide_object(JSON_CLAIMS_MAX_MEMBERS, ",\"one_more\":1}");
    CU_ASSERT_FATAL(wide != NULL);
    CU_ASSERT_EQUAL(-1, parse(wide));
    free(wide);
    /* The heap index is kept and used again by a small parse. */
    CU_ASSERT_EQUAL(0, parse("{\"a\":1}"));
    CU_ASSERT_EQUAL(1, c.n);
    CU_ASSERT_PTR_NOT_NULL(json_claims_get(&c, "a"));
    json_claims_free(&c);
    CU_ASSERT_EQUAL(0, parse("{\"b\":2}"));
    CU_ASSERT_PTR_NOT_NULL(json_claims_get(&c, "b"));
}

/* The numbers of a bigint or Snowflake user id are kept digit for digit. */
static void
test_integer_text_is_exact(void)
{
    char buf[64];
    const struct json_claims_value *v;

    CU_ASSERT_EQUAL(0, parse("{\"a\":9007199254740993,\"b\":-0,"
                             "\"c\":123456789012345678901234567890,"
                             "\"d\":1e3,\"e\":1.0,\"f\":\"7\"}"));
    v = json_claims_get(&c, "a");
    CU_ASSERT_EQUAL(16, json_claims_integer_text(v, buf, sizeof(buf)));
    CU_ASSERT_STRING_EQUAL("9007199254740993", buf);
    v = json_claims_get(&c, "b");
    CU_ASSERT_EQUAL(1, json_claims_integer_text(v, buf, sizeof(buf)));
    CU_ASSERT_STRING_EQUAL("0", buf);
    v = json_claims_get(&c, "c");
    CU_ASSERT_EQUAL(30, json_claims_integer_text(v, buf, sizeof(buf)));
    CU_ASSERT_STRING_EQUAL("123456789012345678901234567890", buf);
    CU_ASSERT_EQUAL(-1, json_claims_integer_text(v, buf, 30));   /* no room */
    CU_ASSERT_EQUAL(-1, json_claims_integer_text(json_claims_get(&c, "d"),
                                                 buf, sizeof(buf)));
    CU_ASSERT_EQUAL(-1, json_claims_integer_text(json_claims_get(&c, "e"),
                                                 buf, sizeof(buf)));
    CU_ASSERT_EQUAL(-1, json_claims_integer_text(json_claims_get(&c, "f"),
                                                 buf, sizeof(buf)));
}

static void
test_members_are_found_and_decoded(void)
{
    const struct json_claims_value *v;
    char buf[64];
    int64_t n;

    CU_ASSERT_EQUAL_FATAL(0, parse("{\"sub\":\"al\\u00e9\",\"exp\":1700000000,"
                                   "\"nbf\":1.7e9,\"big\":1e300,"
                                   "\"s\\u0069d\":\"x\",\"ok\":true}"));
    v = json_claims_get(&c, "sub");
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_EQUAL(4, json_claims_text(v, buf, sizeof(buf)));
    CU_ASSERT_STRING_EQUAL("al\xc3\xa9", buf);
    CU_ASSERT_TRUE(json_claims_string_is(v, "al\xc3\xa9"));
    CU_ASSERT_FALSE(json_claims_string_is(v, "al"));
    CU_ASSERT_EQUAL(0, json_claims_int(json_claims_get(&c, "exp"), &n));
    CU_ASSERT_EQUAL(1700000000, n);
    CU_ASSERT_EQUAL(0, json_claims_int(json_claims_get(&c, "nbf"), &n));
    CU_ASSERT_EQUAL(1700000000, n);
    CU_ASSERT_EQUAL(-1, json_claims_int(json_claims_get(&c, "big"), &n));
    CU_ASSERT_EQUAL(-1, json_claims_int(json_claims_get(&c, "sub"), &n));
    CU_ASSERT_PTR_NOT_NULL(json_claims_get(&c, "sid"));   /* escaped name */
    CU_ASSERT_PTR_NULL(json_claims_get(&c, "missing"));
    CU_ASSERT_EQUAL(4, json_claims_text(json_claims_get(&c, "ok"), buf,
                                        sizeof(buf)));
    CU_ASSERT_STRING_EQUAL("true", buf);
    CU_ASSERT_EQUAL(-1, json_claims_text(json_claims_get(&c, "sub"), buf, 4));
}

static void
test_surrogates_and_nul(void)
{
    char buf[16];

    CU_ASSERT_EQUAL_FATAL(0, parse("{\"a\":\"\\ud83d\\ude00\",\"b\":\"\\ud800\","
                                   "\"z\":\"\\u0000\"}"));
    CU_ASSERT_EQUAL(4, json_claims_text(json_claims_get(&c, "a"), buf,
                                        sizeof(buf)));
    CU_ASSERT_STRING_EQUAL("\xf0\x9f\x98\x80", buf);
    CU_ASSERT_EQUAL(3, json_claims_text(json_claims_get(&c, "b"), buf,
                                        sizeof(buf)));
    CU_ASSERT_STRING_EQUAL("\xef\xbf\xbd", buf);
    /* A NUL would cut the C string: such a value is unusable as text. */
    CU_ASSERT_EQUAL(-1, json_claims_text(json_claims_get(&c, "z"), buf,
                                         sizeof(buf)));
}

static void
test_arrays_are_walked(void)
{
    const struct json_claims_value *v;
    struct json_claims_value e;
    char buf[32], all[128] = "";
    size_t pos = 0;

    CU_ASSERT_EQUAL_FATAL(0, parse("{\"scope\":[ \"read\" , 2,[3],{\"x\":1},"
                                   "\"w\\u0072ite\" ],\"e\":[]}"));
    v = json_claims_get(&c, "scope");
    while (json_claims_array_next(v, &pos, &e)) {
        if (json_claims_text(&e, buf, sizeof(buf)) >= 0)
            strcat(all, buf);
        strcat(all, "|");
    }
    CU_ASSERT_STRING_EQUAL("read|2|||write|", all);
    pos = 0;
    CU_ASSERT_EQUAL(0, json_claims_array_next(json_claims_get(&c, "e"), &pos,
                                              &e));
}

static void
test_any_value_parses_for_a_tree_reader(void)
{
    static const char *const ok[] = {
        "{}", " [1,{}] ", "\"s\"", "-0.5e3", "null", "true",
        "{\"a\":1,\"a\":2}", NULL               /* repeats: the caller's */
    };
    static const char *const bad[] = {
        "", " ", "{} {}", "[1,]", "1.", "{\"a\":1}x", "nul", NULL
    };
    struct json_claims_value v;
    char deep[64];
    size_t i;

    for (i = 0; ok[i] != NULL; i++)
        CU_ASSERT_EQUAL(0, json_claims_value_parse(ok[i], strlen(ok[i]),
                                                   &v));
    for (i = 0; bad[i] != NULL; i++)
        CU_ASSERT_EQUAL(-1, json_claims_value_parse(bad[i], strlen(bad[i]),
                                                    &v));
    CU_ASSERT_EQUAL_FATAL(0, json_claims_value_parse(" [1] ", 5, &v));
    CU_ASSERT_EQUAL(JSON_CLAIMS_ARRAY, v.type);
    CU_ASSERT_EQUAL(3, v.len);
    /* 16 nested arrays with a number inside, not 17. */
    memset(deep, 0, sizeof(deep));
    memset(deep, '[', JSON_CLAIMS_MAX_DEPTH);
    strcat(deep, "1");
    memset(deep + strlen(deep), ']', JSON_CLAIMS_MAX_DEPTH);
    CU_ASSERT_EQUAL(0, json_claims_value_parse(deep, strlen(deep), &v));
    memmove(deep + 1, deep, strlen(deep) + 1);
    strcat(deep, "]");
    CU_ASSERT_EQUAL(-1, json_claims_value_parse(deep, strlen(deep), &v));
}

static void
test_object_members_are_walked(void)
{
    static const char text[] = "{ \"a\" : [1,{\"b\":2}] , \"c\\u0064\":\"x\","
                               "\"e\":{},\"a\":null }";
    struct json_claims_member m;
    struct json_claims_value v;
    char buf[16], all[128] = "";
    size_t pos = 0;

    CU_ASSERT_EQUAL_FATAL(0, json_claims_value_parse(text, strlen(text), &v));
    while (json_claims_object_next(&v, &pos, &m)) {
        CU_ASSERT_FATAL(json_claims_name_text(&m, buf, sizeof(buf)) >= 0);
        strcat(all, buf);
        strcat(all, "=");
        strncat(all, m.value.p, m.value.len);
        strcat(all, "|");
    }
    CU_ASSERT_STRING_EQUAL("a=[1,{\"b\":2}]|cd=\"x\"|e={}|a=null|", all);
    pos = 0;
    CU_ASSERT_EQUAL_FATAL(0, json_claims_value_parse("{ }", 3, &v));
    CU_ASSERT_EQUAL(0, json_claims_object_next(&v, &pos, &m));
    /* Not an object: nothing to walk. */
    CU_ASSERT_EQUAL_FATAL(0, json_claims_value_parse("[1]", 3, &v));
    CU_ASSERT_EQUAL(0, json_claims_object_next(&v, &pos, &m));
}

static void
test_names_and_string_bytes_decode(void)
{
    struct json_claims_member m;
    struct json_claims_value v;
    char buf[16];
    size_t pos = 0;

    CU_ASSERT_EQUAL_FATAL(0, parse("{\"a\\u0000b\":\"x\\u0000y\","
                                   "\"\\ud83d\\ude00\":1}"));
    /* A name decoding to a NUL byte is refused; a string value may keep
     * it through json_claims_string_bytes (not json_claims_text). */
    CU_ASSERT_EQUAL(-1, json_claims_name_text(&c.m[0], buf, sizeof(buf)));
    CU_ASSERT_EQUAL(-1, json_claims_text(&c.m[0].value, buf, sizeof(buf)));
    CU_ASSERT_EQUAL(3, json_claims_string_bytes(&c.m[0].value, buf,
                                                sizeof(buf)));
    CU_ASSERT_EQUAL(0, memcmp("x\0y", buf, 4));
    CU_ASSERT_EQUAL(4, json_claims_name_text(&c.m[1], buf, sizeof(buf)));
    CU_ASSERT_STRING_EQUAL("\xf0\x9f\x98\x80", buf);
    /* Too small a buffer, and not a string. */
    CU_ASSERT_EQUAL(-1, json_claims_name_text(&c.m[1], buf, 4));
    CU_ASSERT_EQUAL(-1, json_claims_string_bytes(&c.m[0].value, buf, 3));
    CU_ASSERT_EQUAL(-1, json_claims_string_bytes(&c.m[1].value, buf,
                                                 sizeof(buf)));
    CU_ASSERT_EQUAL_FATAL(0, json_claims_value_parse("{\"\\u00e9\":0}", 12,
                                                     &v));
    CU_ASSERT_FATAL(json_claims_object_next(&v, &pos, &m));
    CU_ASSERT_EQUAL(2, json_claims_name_text(&m, buf, sizeof(buf)));
    CU_ASSERT_STRING_EQUAL("\xc3\xa9", buf);
}

static const CU_TestInfo json_claims_tests[] = {
    { "valid objects parse", test_valid_objects_parse },
    { "invalid or non-object text is refused", test_invalid_text_is_refused },
    { "nesting depth is bounded", test_nesting_limit },
    { "more than 64 claims are read; the limit is the token size",
      test_member_limit_is_the_token_size },
    { "integers of any size keep their digits",
      test_integer_text_is_exact },
    { "members are found and decoded", test_members_are_found_and_decoded },
    { "surrogate pairs decode; NUL is refused", test_surrogates_and_nul },
    { "arrays are walked element by element", test_arrays_are_walked },
    { "any one value parses for a tree reader (depth bounded, repeats kept)",
      test_any_value_parses_for_a_tree_reader },
    { "object members are walked in order", test_object_members_are_walked },
    { "names and string bytes decode; only string bytes keep a NUL",
      test_names_and_string_bytes_decode },
    CU_TEST_INFO_NULL
};

int
main(void)
{
    static const struct cu_suite suites[] = {
        { "json_claims", NULL, NULL, json_claims_tests },
        { NULL, NULL, NULL, NULL }
    };

    return cu_main(suites);
}
