/* test_events.c - telemetry counters, their Prometheus text, and the one
 * JSON log line per event. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cu_main.h"
#include "events.h"
#include "log.h"

static int
suite_init(void)
{
    return cu_capture_stderr("events.log");
}

static void
test_a_session_event_is_one_json_line_and_a_count(void)
{
    unsigned long before = events_session_count(EVENTS_SESSION_CREATE);

    log_init("t", 0, CHARON_LOG_INFO);
    events_session(EVENTS_SESSION_CREATE, "sid1", "u\"1", "full");
    CU_ASSERT_EQUAL(before + 1, events_session_count(EVENTS_SESSION_CREATE));
    CU_ASSERT_PTR_NOT_NULL(strstr(cu_captured(),
        "info: {\"event\":\"charon.session.create\",\"session_id\":\"sid1\","
        "\"user_id\":\"u\\\"1\",\"session_type\":\"full\"}\n"));
    events_session(EVENTS_SESSION_DELETE_ALL, NULL, "u2", "oauth2");
    CU_ASSERT_PTR_NOT_NULL(strstr(cu_captured(),
        "{\"event\":\"charon.session.delete_all\",\"user_id\":\"u2\","
        "\"session_type\":\"oauth2\"}\n"));
    events_session(EVENTS_SESSION_LOCK_CONFLICT, "s", "u", "full");
    CU_ASSERT_PTR_NOT_NULL(strstr(cu_captured(),
        "warning: {\"event\":\"charon.session.lock_conflict\""));
}

static void
test_token_events_count_always_and_log_at_debug(void)
{
    unsigned long valid = events_token_count(1, 0);
    unsigned long stale = events_token_count(0, EVENTS_REASON_STALE);

    log_init("t", 0, CHARON_LOG_INFO);
    events_token("access", 0, "bearer", "u", "s", "full",
                 EVENTS_REASON_MAX, NULL);
    CU_ASSERT_EQUAL(valid + 1, events_token_count(1, 0));
    CU_ASSERT_PTR_NULL(strstr(cu_captured(), "charon.token.valid"));
    log_init("t", 0, CHARON_LOG_DEBUG);
    events_token("refresh", 1, "cookie", "u", "s", "full",
                 EVENTS_REASON_STALE, "token stale");
    CU_ASSERT_EQUAL(stale + 1, events_token_count(0, EVENTS_REASON_STALE));
    CU_ASSERT_PTR_NOT_NULL(strstr(cu_captured(),
        "{\"event\":\"charon.token.invalid\",\"session_loaded\":true,"
        "\"token_transport\":\"cookie\",\"token_type\":\"refresh\","
        "\"user_id\":\"u\",\"session_id\":\"s\",\"session_type\":\"full\","
        "\"error\":\"token stale\"}"));
    events_token("access", 0, NULL, "", NULL, NULL, EVENTS_REASON_NOT_FOUND,
                 "bearer token not found");
    CU_ASSERT_PTR_NOT_NULL(strstr(cu_captured(),
        "\"token_transport\":null,\"token_type\":\"access\","
        "\"error\":\"bearer token not found\"}"));
    log_init("t", 0, CHARON_LOG_INFO);
}

static void
test_each_reason_has_its_metrics_label(void)
{
    CU_ASSERT_STRING_EQUAL("not_found",
                           events_reason_label(EVENTS_REASON_NOT_FOUND));
    CU_ASSERT_STRING_EQUAL("signature",
                           events_reason_label(EVENTS_REASON_SIGNATURE));
    CU_ASSERT_STRING_EQUAL("not_yet_valid",
                           events_reason_label(EVENTS_REASON_NOT_YET_VALID));
    CU_ASSERT_STRING_EQUAL("expired",
                           events_reason_label(EVENTS_REASON_EXPIRED));
    CU_ASSERT_STRING_EQUAL("claim", events_reason_label(EVENTS_REASON_CLAIM));
    CU_ASSERT_STRING_EQUAL("session",
                           events_reason_label(EVENTS_REASON_SESSION));
    CU_ASSERT_STRING_EQUAL("stale", events_reason_label(EVENTS_REASON_STALE));
    CU_ASSERT_PTR_NULL(events_reason_label(EVENTS_REASON_MAX));
}

/* The counter is the reason given, whatever the message says: a reworded
 * message cannot move a count to another label. */
static void
test_the_count_follows_the_reason_not_the_message(void)
{
    unsigned long before[EVENTS_REASON_MAX];
    int i;

    for (i = 0; i < EVENTS_REASON_MAX; i++)
        before[i] = events_token_count(0, (enum events_reason)i);
    log_init("t", 0, CHARON_LOG_INFO);
    events_token("access", 0, "bearer", "u", "s", "full",
                 EVENTS_REASON_EXPIRED, "token stale");
    events_token("access", 0, "bearer", "u", "s", "full",
                 EVENTS_REASON_CLAIM, "the token is too old now");
    for (i = 0; i < EVENTS_REASON_MAX; i++)
        CU_ASSERT_EQUAL(before[i] + (i == EVENTS_REASON_EXPIRED ||
                                     i == EVENTS_REASON_CLAIM),
                        events_token_count(0, (enum events_reason)i));
}

static void
test_metrics_are_prometheus_text(void)
{
    struct charon_buf b = CHARON_BUF_INIT;
    char want[128];

    CU_ASSERT_EQUAL_FATAL(CHARON_OK, events_metrics(&b));
    CU_ASSERT_PTR_NOT_NULL(strstr((char *)b.data,
        "# TYPE charon_session_events_total counter\n"));
    snprintf(want, sizeof(want),
             "charon_session_events_total{event=\"create\"} %lu\n",
             events_session_count(EVENTS_SESSION_CREATE));
    CU_ASSERT_PTR_NOT_NULL(strstr((char *)b.data, want));
    snprintf(want, sizeof(want), "charon_token_checks_total{result="
             "\"invalid\",reason=\"stale\"} %lu\n",
             events_token_count(0, EVENTS_REASON_STALE));
    CU_ASSERT_PTR_NOT_NULL(strstr((char *)b.data, want));
    charon_buf_free(&b);
}

static const CU_TestInfo events_tests[] = {
    { "a session event is one JSON line and a count",
      test_a_session_event_is_one_json_line_and_a_count },
    { "token events count always and log at debug level",
      test_token_events_count_always_and_log_at_debug },
    { "each reason has its /metrics label",
      test_each_reason_has_its_metrics_label },
    { "the count follows the reason, not the message",
      test_the_count_follows_the_reason_not_the_message },
    { "metrics are Prometheus text", test_metrics_are_prometheus_text },
    CU_TEST_INFO_NULL
};

int
main(void)
{
    static const struct cu_suite suites[] = {
        { "events", suite_init, NULL, events_tests },
        { NULL, NULL, NULL, NULL }
    };

    return cu_main(suites);
}
