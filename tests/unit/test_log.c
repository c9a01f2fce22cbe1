/*
 * test_log.c - the operator's log: every line printable ASCII, request
 * values quoted as JSON strings (one escaper with the JSON events), and
 * at most LOG_BURST_PER_SECOND lines a second from one call site, the
 * rest counted in a "similar lines suppressed" line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cu_main.h"
#include "events.h"
#include "json_escape.h"
#include "log.h"

/* stderr goes to a scratch file, emptied by each test. */
static void
restart(void)
{
    CU_ASSERT_FATAL(cu_capture_stderr("log.log") == 0);
}

static int
suite_init(void)
{
    if (cu_capture_stderr("log.log") != 0)
        return -1;
    log_init("t", 0, CHARON_LOG_DEBUG);
    return 0;
}

static int
count(const char *text, const char *needle)
{
    int n = 0;

    for (; (text = strstr(text, needle)) != NULL; text += strlen(needle))
        n++;
    return n;
}

static void
test_a_value_is_quoted_and_escaped_to_printable_ascii(void)
{
    char q[LOG_QUOTE_SIZE];

    CU_ASSERT_STRING_EQUAL("\"alice\"", log_quote(q, sizeof(q), "alice"));
    CU_ASSERT_STRING_EQUAL("\"a\\u2028b\\u0085c\\u007fd\\u000ae\"",
                           log_quote(q, sizeof(q),
                                     "a\xe2\x80\xa8" "b\xc2\x85" "c\x7f"
                                     "d\ne"));
    CU_ASSERT_STRING_EQUAL("\"\\\"x\\\" \\\\ \\u001b[2J\"",
                           log_quote(q, sizeof(q), "\"x\" \\ \x1b[2J"));
    CU_ASSERT_STRING_EQUAL("\"Jos\\u00e9 \\ud83d\\ude00\"",
                           log_quote(q, sizeof(q),
                                     "Jos\xc3\xa9 \xf0\x9f\x98\x80"));
    CU_ASSERT_STRING_EQUAL("\"\\ufffd\\ufffdx\"",
                           log_quote(q, sizeof(q), "\xff\xc3x"));
    CU_ASSERT_STRING_EQUAL("-", log_quote(q, sizeof(q), NULL));
}

static void
test_a_long_value_is_cut_at_a_whole_escape_and_marked(void)
{
    char q[LOG_QUOTE_SIZE], v[200];

    memset(v, 'u', 64);
    v[64] = '\0';
    log_quote(q, sizeof(q), v);
    CU_ASSERT_EQUAL(66, strlen(q));             /* 64 bytes fit whole */
    memset(v, 'u', sizeof(v) - 1);
    v[sizeof(v) - 1] = '\0';
    log_quote(q, sizeof(q), v);
    CU_ASSERT_EQUAL(sizeof(q) - 1, strlen(q));
    CU_ASSERT_STRING_EQUAL("\"...", q + strlen(q) - 4);
    memset(v, '\n', 30);
    v[30] = '\0';
    log_quote(q, sizeof(q), v);                 /* 6 bytes an escape */
    CU_ASSERT_EQUAL(0, memcmp("\"\\u000a\\u000a", q, 13));
    CU_ASSERT_STRING_EQUAL("\\u000a\"...", q + strlen(q) - 10);
}

static void
test_every_byte_outside_printable_ascii_is_written_as_hex(void)
{
    const char *text;

    restart();
    log_msg(CHARON_LOG_INFO, "got %s!", "a\nerror: forged\r\x7f\xe2\x80\xa8");
    text = cu_captured();
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "info: got a\\x0aerror: forged"
                                  "\\x0d\\x7f\\xe2\\x80\\xa8!\n"));
    CU_ASSERT_EQUAL(1, count(text, "\n"));
}

static void
test_events_use_the_same_escaper(void)
{
    restart();
    events_session(EVENTS_SESSION_CREATE, "s\xe2\x80\xa8", "Jos\xc3\xa9",
                   "full");
    CU_ASSERT_PTR_NOT_NULL(strstr(cu_captured(),
        "{\"event\":\"charon.session.create\",\"session_id\":\"s\\u2028\","
        "\"user_id\":\"Jos\\u00e9\",\"session_type\":\"full\"}\n"));
}

static void
test_the_json_answers_keep_utf8(void)
{
    struct charon_buf b = CHARON_BUF_INIT;

    CU_ASSERT_EQUAL(CHARON_OK, json_escape(&b, "\xc3\xa9\n\x7f\"", 5,
                                           JSON_ESCAPE_UTF8));
    CU_ASSERT_EQUAL(13, b.len);
    CU_ASSERT_EQUAL(0, memcmp("\"\xc3\xa9\\u000a\x7f\\\"\"", b.data, 13));
    charon_buf_free(&b);
}

/* The lines of one site within a second beyond the limit are counted;
 * the sum of written and suppressed is what was logged. */
static void
test_a_site_writes_a_limited_number_of_lines_a_second(void)
{
    struct timespec t0, t1;
    const char *text, *p;
    unsigned long suppressed = 0;
    int i, written;

    restart();
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (i = 0; i < 500; i++)
        log_msg(CHARON_LOG_INFO, "login refused for user %s", "\"flood\"");
    log_msg(CHARON_LOG_WARN, "another site");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    log_flush();
    text = cu_captured();
    written = count(text, "info: login refused for user \"flood\"\n");
    /* "t[PID]: info: N similar lines suppressed: "<format>"" */
    for (p = text; (p = strstr(p, " suppressed: \"login refused for user "
                               "%s\"\n")) != NULL; p++) {
        const char *line = p;

        while (line > text && line[-1] != '\n')
            line--;
        line = strstr(line, ": info: ");
        CU_ASSERT_FATAL(line != NULL && line < p);
        suppressed += strtoul(line + 8, NULL, 10);
    }
    CU_ASSERT_EQUAL(500, (unsigned long)written + suppressed);
    CU_ASSERT(written >= LOG_BURST_PER_SECOND);
    CU_ASSERT(written <= LOG_BURST_PER_SECOND *
                         (int)(t1.tv_sec - t0.tv_sec + 1));
    /* another site is not held back by the flood */
    CU_ASSERT_EQUAL(1, count(text, "warning: another site\n"));
}

/* An error (an operator must act: a store that fails) is written for
 * every request, however many come in one second. */
static void
test_errors_are_never_suppressed(void)
{
    int i;

    restart();
    for (i = 0; i < 3 * LOG_BURST_PER_SECOND; i++)
        log_msg(CHARON_LOG_ERR, "store failed: %s", "io");
    log_flush();
    CU_ASSERT_EQUAL(3 * LOG_BURST_PER_SECOND,
                    count(cu_captured(), "error: store failed: io\n"));
    CU_ASSERT_PTR_NULL(strstr(cu_captured(), "suppressed"));
}

static const CU_TestInfo log_tests[] = {
    { "a value is quoted and escaped to printable ASCII",
      test_a_value_is_quoted_and_escaped_to_printable_ascii },
    { "a long value is cut at a whole escape and marked",
      test_a_long_value_is_cut_at_a_whole_escape_and_marked },
    { "every byte outside printable ASCII in a line is written as \\xHH",
      test_every_byte_outside_printable_ascii_is_written_as_hex },
    { "JSON events use the same escaper (U+2028, non-ASCII as \\u)",
      test_events_use_the_same_escaper },
    { "JSON answers keep UTF-8 as it is",
      test_the_json_answers_keep_utf8 },
    { "a site writes 20 lines a second; the rest are counted, not lost",
      test_a_site_writes_a_limited_number_of_lines_a_second },
    { "errors are never suppressed",
      test_errors_are_never_suppressed },
    CU_TEST_INFO_NULL
};

int
main(void)
{
    static const struct cu_suite suites[] = {
        { "log", suite_init, NULL, log_tests },
        { NULL, NULL, NULL, NULL }
    };

    return cu_main(suites);
}
