/* test_body.c - JSON and form bodies of the session endpoints. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "body.h"
#include "cu_main.h"

static struct charon_err last_err;        /* of parse() */

static int
parse(const char *type, const char *text, json_object **out)
{
    charon_err_clear(&last_err);
    return body_parse(type, text, strlen(text), out, &last_err);
}

/* A JSON body that must be refused, with the message err must hold. */
static void
refused(const char *text, const char *message)
{
    json_object *o = NULL;

    CU_ASSERT_EQUAL(CHARON_EINVAL, parse("application/json", text, &o));
    CU_ASSERT_PTR_NULL(o);
    if (strcmp(message, last_err.msg) != 0)
        fprintf(stderr, "%.60s: \"%s\", expected \"%s\"\n", text,
                last_err.msg, message);
    CU_ASSERT_STRING_EQUAL(message, last_err.msg);
}

/* "{" + n members "k0":0,... (or n elements under "a") + "}", on the heap. */
static char *
wide(size_t n, int array)
{
    char *s = malloc(16 + n * 16), *p = s;
    size_t i;

    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    p += sprintf(p, array ? "{\"a\":[" : "{");
    for (i = 0; i < n; i++)
        p += sprintf(p, array ? "%s%zu" : "%s\"k%zu\":0", i ? "," : "", i);
    strcpy(p, array ? "]}" : "}");
    return s;
}

/* {"a": depth - 1 nested arrays or objects around inner }, on the heap:
 * depth objects and arrays in all. */
static char *
nested(int depth, int objects, const char *inner)
{
    char *s = malloc(32 + (size_t)depth * 8 + strlen(inner)), *p = s;
    int i;

    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    p += sprintf(p, "{\"a\":");
    for (i = 1; i < depth; i++)
        p += sprintf(p, objects ? "{\"a\":" : "[");
    p += sprintf(p, "%s", inner);
    for (i = 1; i < depth; i++)
        *p++ = objects ? '}' : ']';
    strcpy(p, "}");
    return s;
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
test_a_repeated_json_name_is_refused(void)
{
    json_object *o = NULL;
    static const char *const bad[] = {
        "{\"a\":1,\"a\":2}", "{\"a\":1,\"b\":2,\"a\":1}",
        "{\"a\":1,\"\\u0061\":2}",                /* the same name decoded */
        "{\"o\":{\"x\":[],\"x\":null}}", "{\"o\":[1,{\"x\":1,\"x\":1}]}",
        "{\"username\":\"a\",\"password\":\"p\",\"password\":\"q\"}", NULL
    };
    char *s, *p;
    int i;

    for (i = 0; bad[i] != NULL; i++)
        refused(bad[i], "an object in the JSON body repeats a name");
    /* Names too long for a stack buffer: compared decoded all the same. */
    s = malloc(2 * 6 * 300 + 32);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    p = s + sprintf(s, "{\"");
    for (i = 0; i < 300; i++)
        p += sprintf(p, "\\u0061");
    p += sprintf(p, "\":1,\"");
    memset(p, 'a', 300);
    strcpy(p + 300, "\":2}");
    refused(s, "an object in the JSON body repeats a name");
    free(s);
    /* The same name in two objects is no repeat. */
    CU_ASSERT_EQUAL(CHARON_OK, parse("application/json",
                                     "{\"a\":{\"a\":{\"a\":1}},\"b\":"
                                     "[{\"a\":1},{\"a\":2}]}", &o));
    json_object_put(o);
}

static void
test_members_and_elements_are_bounded(void)
{
    json_object *o = NULL, *v;
    char *s, *in;

    s = wide(64, 0);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, parse("application/json", s, &o));
    CU_ASSERT_EQUAL(64, json_object_object_length(o));
    CU_ASSERT_TRUE(json_object_object_get_ex(o, "k63", &v));
    json_object_put(o);
    free(s);
    s = wide(65, 0);
    refused(s, "an object in the JSON body has more than 64 members");
    free(s);
    s = wide(64, 1);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, parse("application/json", s, &o));
    CU_ASSERT_TRUE(json_object_object_get_ex(o, "a", &v));
    CU_ASSERT_EQUAL(64, json_object_array_length(v));
    CU_ASSERT_EQUAL(63, json_object_get_int(json_object_array_get_idx(v, 63)));
    json_object_put(o);
    free(s);
    s = wide(65, 1);
    refused(s, "an array in the JSON body has more than 64 elements");
    free(s);
    /* Nested objects count their own members. */
    refused("{\"o\":{\"a\":[],\"a\":[]}}",
            "an object in the JSON body repeats a name");
    s = wide(65, 0);
    in = malloc(strlen(s) + 16);
    CU_ASSERT_PTR_NOT_NULL_FATAL(in);
    sprintf(in, "{\"o\":[%s]}", s);
    refused(in, "an object in the JSON body has more than 64 members");
    free(in);
    free(s);
}

static void
test_depth_16_is_read_17_is_refused(void)
{
    json_object *o = NULL, *v;
    int objects, i;
    char *s;

    for (objects = 0; objects <= 1; objects++) {
        s = nested(16, objects, "1");
        CU_ASSERT_EQUAL_FATAL(CHARON_OK, parse("application/json", s, &o));
        /* The second container, then 14 more down to the 16th. */
        v = json_object_object_get(o, "a");
        for (i = 0; i < 15; i++) {
            CU_ASSERT_TRUE_FATAL(json_object_is_type(
                v, objects ? json_type_object : json_type_array));
            v = objects ? json_object_object_get(v, "a")
                        : json_object_array_get_idx(v, 0);
        }
        CU_ASSERT_TRUE(json_object_is_type(v, json_type_int));
        CU_ASSERT_EQUAL(1, json_object_get_int(v));
        json_object_put(o);
        free(s);
        s = nested(17, objects, "1");
        refused(s, "the body is not a JSON object");
        free(s);
        s = nested(17, objects, objects ? "{}" : "[]");
        refused(s, "the body is not a JSON object");
        free(s);
    }
}

/* A double prints as the text it was read from, as json-c's parser did. */
static void
assert_double(json_object *o, const char *name, double d, const char *text)
{
    json_object *v = NULL;

    CU_ASSERT_TRUE_FATAL(json_object_object_get_ex(o, name, &v));
    CU_ASSERT_TRUE(json_object_is_type(v, json_type_double));
    CU_ASSERT_DOUBLE_EQUAL(d, json_object_get_double(v), 1e-9);
    CU_ASSERT_STRING_EQUAL(text, json_object_to_json_string(v));
}

static void
test_json_types_are_kept(void)
{
    json_object *o = NULL, *v = NULL, *a;

    CU_ASSERT_EQUAL_FATAL(CHARON_OK, parse("application/json",
        "{\"i\":42,\"neg\":-7,\"z\":-0,\"big\":9223372036854775808,"
        "\"huge\":123456789012345678901234567890,"
        "\"tiny\":-99999999999999999999,"
        "\"f\":1.50,\"e\":1E5,\"t\":true,\"no\":false,\"nul\":null,"
        "\"o\":{\"p\":{}},\"arr\":[1,\"s\",null,true,2.5,[],{\"k\":\"v\"}]}",
        &o));
    CU_ASSERT_TRUE(json_object_object_get_ex(o, "i", &v));
    CU_ASSERT_TRUE(json_object_is_type(v, json_type_int));
    CU_ASSERT_EQUAL(42, json_object_get_int64(v));
    CU_ASSERT_EQUAL(-7, json_object_get_int64(json_object_object_get(o,
                                                                     "neg")));
    CU_ASSERT_STRING_EQUAL("0", json_object_to_json_string(
                                    json_object_object_get(o, "z")));
    /* Above INT64_MAX a uint64; beyond 64 bits a double that keeps its
     * digits (json-c would clamp: a bigint user id must stay exact). */
    v = json_object_object_get(o, "big");
    CU_ASSERT_TRUE(json_object_is_type(v, json_type_int));
    CU_ASSERT_STRING_EQUAL("9223372036854775808", json_object_to_json_string(v));
    v = json_object_object_get(o, "huge");
    CU_ASSERT_TRUE(json_object_is_type(v, json_type_double));
    CU_ASSERT_STRING_EQUAL("123456789012345678901234567890",
                           json_object_to_json_string(v));
    v = json_object_object_get(o, "tiny");
    CU_ASSERT_TRUE(json_object_is_type(v, json_type_double));
    CU_ASSERT_STRING_EQUAL("-99999999999999999999",
                           json_object_to_json_string(v));
    assert_double(o, "f", 1.5, "1.50");
    assert_double(o, "e", 1e5, "1E5");
    v = json_object_object_get(o, "t");
    CU_ASSERT_TRUE(json_object_is_type(v, json_type_boolean));
    CU_ASSERT_TRUE(json_object_get_boolean(v));
    v = json_object_object_get(o, "no");
    CU_ASSERT_TRUE(json_object_is_type(v, json_type_boolean));
    CU_ASSERT_FALSE(json_object_get_boolean(v));
    /* null is a member whose value is NULL, as with json-c. */
    CU_ASSERT_TRUE(json_object_object_get_ex(o, "nul", &v));
    CU_ASSERT_PTR_NULL(v);
    v = json_object_object_get(o, "o");
    CU_ASSERT_TRUE(json_object_is_type(v, json_type_object));
    CU_ASSERT_TRUE(json_object_is_type(json_object_object_get(v, "p"),
                                       json_type_object));
    a = json_object_object_get(o, "arr");
    CU_ASSERT_TRUE_FATAL(json_object_is_type(a, json_type_array));
    CU_ASSERT_EQUAL(7, json_object_array_length(a));
    CU_ASSERT_STRING_EQUAL("[1,\"s\",null,true,2.5,[],{\"k\":\"v\"}]",
                           json_object_to_json_string_ext(
                               a, JSON_C_TO_STRING_PLAIN));
    CU_ASSERT_TRUE(json_object_is_type(json_object_array_get_idx(a, 0),
                                       json_type_int));
    CU_ASSERT_TRUE(json_object_is_type(json_object_array_get_idx(a, 4),
                                       json_type_double));
    json_object_put(o);
    /* Members keep their order. */
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, parse("application/json",
                                           "{\"z\":1,\"a\":{\"y\":2,\"b\":3},"
                                           "\"m\":[]}", &o));
    CU_ASSERT_STRING_EQUAL("{\"z\":1,\"a\":{\"y\":2,\"b\":3},\"m\":[]}",
                           json_object_to_json_string_ext(
                               o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
}

static void
test_escaped_names_and_strings_decode(void)
{
    json_object *o = NULL;
    char *s, *p;
    int i;

    CU_ASSERT_EQUAL_FATAL(CHARON_OK, parse("application/json",
        "{\"us\\u0065r\\/name\":\"\\u00e9\\u20ac\\ud83d\\ude00\\\"\\\\\\/"
        "\\b\\f\\n\\r\\t\",\"\\ud83d\\ude00\":\"lone \\ud83d and \\ude00\"}",
        &o));
    CU_ASSERT_STRING_EQUAL("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"\\/\b\f\n\r\t",
                           body_string(o, "user/name"));
    /* A lone surrogate becomes U+FFFD, as with json-c. */
    CU_ASSERT_STRING_EQUAL("lone \xef\xbf\xbd and \xef\xbf\xbd",
                           body_string(o, "\xf0\x9f\x98\x80"));
    json_object_put(o);
    /* U+1DA00 (json-c 0.16 made it U+FFFD: it took the pair for a lone
     * surrogate). */
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, parse("application/json",
                                           "{\"s\":\"\\ud836\\ude00\"}", &o));
    CU_ASSERT_STRING_EQUAL("\xf0\x9d\xa8\x80", body_string(o, "s"));
    json_object_put(o);
    /* Longer than a stack buffer: a name of 300 escapes, a value of 3000
     * bytes. */
    s = malloc(6 * 300 + 3000 + 32);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    p = s + sprintf(s, "{\"");
    for (i = 0; i < 300; i++)
        p += sprintf(p, "\\u0062");
    p += sprintf(p, "\":\"");
    memset(p, 'v', 3000);
    strcpy(p + 3000, "\\u00e9\"}");
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, parse("application/json", s, &o));
    memset(s, 'b', 300);
    s[300] = '\0';
    p = (char *)body_string(o, s);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_EQUAL(3002, strlen(p));
    CU_ASSERT_STRING_EQUAL("v\xc3\xa9", p + 2999);
    json_object_put(o);
    free(s);
}

static void
test_a_nul_in_a_json_name_is_refused(void)
{
    /* json-c cut such a name short ("a"); a C string cannot hold it. */
    refused("{\"a\\u0000b\":1}", "a name in the JSON body holds a NUL byte");
    refused("{\"o\":{\"\\u0000\":1}}",
            "a name in the JSON body holds a NUL byte");
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

/* --- each allocation of a JSON parse fails in turn -----------------------
 * There is no malloc hook in-process: the test runs itself again as
 * "test_body --fm-child MODE" under the LD_PRELOAD shim of
 * failure_injection.sh (tests/helpers/failmalloc.c: FAILMALLOC_N=n fails
 * the n-th allocation of the process, FAILMALLOC_REPORT gets the count of
 * calls and of blocks live at exit).  The body has every kind of value,
 * an object big enough that json-c grows its table, and a name and a
 * string too long for the stack buffers. */
static const char fm_body[] =
    "{\"username\":\"al\\u00e9\",\"password\":\"p\\\"w\",\"n\":[1,-2,3.25,"
    "18446744073709551615,true,false,null,\"x\",[],{}],\"o\":{\"a\":{\"b\":"
    "[{\"c\":1e5}]},\"d\":\"\\ud83d\\ude00\"},\"nul\":\"a\\u0000b\","
    /* 24 members: json-c's table grows twice */
    "\"w\":{\"a\":0,\"b\":0,\"c\":0,\"d\":0,\"e\":0,\"f\":0,\"g\":0,\"h\":0,"
    "\"i\":0,\"j\":0,\"k\":0,\"l\":0,\"m\":0,\"n\":0,\"o\":0,\"p\":0,\"q\":0,"
    "\"r\":0,\"s\":0,\"t\":0,\"u\":0,\"v\":0,\"w\":0,\"x\":0},"
    "\"long name long name long name long name long name long name long "
    "name long name long name long name long name long name long name long "
    "name long name long name long name long name long name long name long "
    "name long name long name long name long name long name long name\":"
    "\"long value long value long value long value long value long value "
    "long value long value long value long value long value long value long "
    "value long value long value long value long value long value long value "
    "long value long value long value long value long value long value\"}";

static char fm_out[8192];
static size_t fm_len;

/* Appends to fm_out without allocating (integers and text only). */
static void __attribute__((format(printf, 1, 2)))
fm_put(const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(fm_out + fm_len, sizeof(fm_out) - fm_len, fmt, ap);
    va_end(ap);
    if (n > 0)
        fm_len += (size_t)n < sizeof(fm_out) - fm_len
                      ? (size_t)n : sizeof(fm_out) - fm_len - 1;
}

static void
fm_dump(json_object *v)
{
    uint64_t bits;
    double d;
    size_t i;

    switch (json_object_get_type(v)) {
    case json_type_null:
        fm_put("n");
        break;
    case json_type_boolean:
        fm_put("b%d", json_object_get_boolean(v));
        break;
    case json_type_int:
        fm_put("i%" PRId64 "/%" PRIu64, json_object_get_int64(v),
               json_object_get_uint64(v));
        break;
    case json_type_double:
        d = json_object_get_double(v);
        memcpy(&bits, &d, sizeof(bits));
        fm_put("d%016" PRIx64, bits);
        break;
    case json_type_string:
        fm_put("s%d:%s", json_object_get_string_len(v),
               json_object_get_string(v));
        break;
    case json_type_array:
        fm_put("[");
        for (i = 0; i < json_object_array_length(v); i++) {
            fm_dump(json_object_array_get_idx(v, i));
            fm_put(",");
        }
        fm_put("]");
        break;
    case json_type_object:
        fm_put("{");
        {
            json_object_object_foreach(v, name, m) {
                fm_put("%s:", name);
                fm_dump(m);
                fm_put(",");
            }
        }
        fm_put("}");
        break;
    }
}

/* The child: "ok TREE" or "enomem" on stdout.  MODE "start" stops before
 * the parse, so that its count of allocations is the start-up's. */
static int
fm_child(const char *mode)
{
    struct charon_err e;
    json_object *o = NULL;
    int rc;

    if (strcmp(mode, "parse") == 0) {
        charon_err_clear(&e);
        rc = body_parse("application/json", fm_body, strlen(fm_body), &o, &e);
        if (rc == CHARON_OK && o != NULL) {
            fm_put("ok ");
            fm_dump(o);
        } else if (rc == CHARON_ENOMEM && o == NULL) {
            fm_put("enomem");
        } else {
            fm_put("rc=%d object=%s: %s", rc, o != NULL ? "set" : "NULL",
                   e.msg);
        }
        json_object_put(o);
    }
    return write(STDOUT_FILENO, fm_out, fm_len) == (ssize_t)fm_len ? 0 : 1;
}

struct fm_run {
    char out[sizeof(fm_out)];
    int status;                         /* from waitpid */
    long calls, live;                   /* the shim's report */
};

static void
fm_run(const char *so, const char *report, const char *mode, long n,
       struct fm_run *r)
{
    char num[32];
    size_t len = 0;
    ssize_t got;
    int fds[2];
    pid_t pid;
    FILE *f;

    memset(r, 0, sizeof(*r));
    r->calls = r->live = -1;
    unlink(report);
    CU_ASSERT_EQUAL_FATAL(0, pipe(fds));
    pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        snprintf(num, sizeof(num), "%ld", n);
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        setenv("LD_PRELOAD", so, 1);
        setenv("FAILMALLOC_N", num, 1);
        setenv("FAILMALLOC_REPORT", report, 1);
        execl("/proc/self/exe", "test_body", "--fm-child", mode, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    while (len < sizeof(r->out) - 1 &&
           (got = read(fds[0], r->out + len, sizeof(r->out) - 1 - len)) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            break;
        len += (size_t)got;
    }
    close(fds[0]);
    while (waitpid(pid, &r->status, 0) < 0 && errno == EINTR)
        ;
    f = fopen(report, "r");
    if (f != NULL) {
        if (fscanf(f, "calls=%ld failed=%*d live=%ld", &r->calls,
                   &r->live) != 2)
            r->calls = r->live = -1;
        fclose(f);
    }
}

static void
test_each_allocation_of_a_json_parse_may_fail(void)
{
    const char *san = getenv("CHARON_SANITIZERS"), *tmp = getenv("TMPDIR");
    char so[4096], report[4096];
    struct fm_run start, good, r;
    long n, enomem = 0;
    int fd, ok;

    if (san != NULL && strcmp(san, "yes") == 0) {
        fprintf(stderr, "(allocation failures not run: sanitizer build, "
                "ASan owns malloc)\n");
        return;
    }
    snprintf(so, sizeof(so), "%s/tests/.libs/failmalloc.so", cu_builddir());
    if (access(so, R_OK) != 0)
        fprintf(stderr, "missing %s (make -C tests failmalloc.la)\n", so);
    CU_ASSERT_EQUAL_FATAL(0, access(so, R_OK));
    snprintf(report, sizeof(report), "%s/test_body_fm.XXXXXX",
             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    fd = mkstemp(report);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    fm_run(so, report, "start", 0, &start);
    fm_run(so, report, "parse", 0, &good);
    CU_ASSERT_FATAL(start.calls >= 0 && good.calls > start.calls);
    CU_ASSERT_FATAL(strncmp("ok {", good.out, 4) == 0);
    /* Each allocation of the parse fails in turn: a clean CHARON_ENOMEM
     * with nothing left allocated; after the last, the same tree. */
    for (n = start.calls + 1; n <= good.calls + 2; n++) {
        fm_run(so, report, "parse", n, &r);
        ok = WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0 &&
             strcmp(n <= good.calls ? "enomem" : good.out, r.out) == 0 &&
             r.live >= 0 && r.live <= good.live;
        if (!ok)
            fprintf(stderr, "N=%ld (start-up %ld, parse to %ld): status %#x, "
                    "live %ld (%ld without failure): %.200s\n", n,
                    start.calls, good.calls, (unsigned)r.status, r.live,
                    good.live, r.out);
        CU_ASSERT_TRUE(ok);
        enomem += strcmp("enomem", r.out) == 0;
    }
    CU_ASSERT_EQUAL(good.calls - start.calls, enomem);
    unlink(report);
}

static const CU_TestInfo body_tests[] = {
    { "an empty body may come as NULL", test_an_empty_body_may_come_as_null },
    { "a JSON object is read", test_a_json_object_is_read },
    { "broken or non-object JSON is EINVAL",
      test_broken_or_non_object_json_is_einval },
    { "JSON nested too deep is refused", test_deep_json_is_refused },
    { "a NUL inside a JSON string is not a string",
      test_a_nul_inside_a_string_is_not_a_string },
    { "a repeated JSON name is refused, at any depth",
      test_a_repeated_json_name_is_refused },
    { "64 members and 64 elements are read, 65 refused",
      test_members_and_elements_are_bounded },
    { "JSON nested 16 deep is read, 17 refused",
      test_depth_16_is_read_17_is_refused },
    { "JSON types are kept as json-c's parser kept them",
      test_json_types_are_kept },
    { "escaped names and strings decode (surrogate pairs too)",
      test_escaped_names_and_strings_decode },
    { "a NUL in a JSON name is refused", test_a_nul_in_a_json_name_is_refused },
    { "a form is decoded, the last of a repeated name wins",
      test_a_form_is_decoded },
    { "a broken form is EINVAL", test_a_broken_form_is_einval },
    { "other content types are EUNSUPP", test_other_types_are_eunsupp },
    { "a NUL byte in the body is EINVAL",
      test_a_nul_byte_in_the_body_is_einval },
    { "each allocation of a JSON parse may fail: ENOMEM, nothing leaked",
      test_each_allocation_of_a_json_parse_may_fail },
    CU_TEST_INFO_NULL
};

int
main(int argc, char **argv)
{
    static const struct cu_suite suites[] = {
        { "body", NULL, NULL, body_tests },
        { NULL, NULL, NULL, NULL }
    };

    if (argc == 3 && strcmp(argv[1], "--fm-child") == 0)
        return fm_child(argv[2]);
    return cu_main(suites);
}
