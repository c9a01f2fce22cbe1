/* events.c - telemetry counters and JSON log lines. */
#include "events.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "json_escape.h"
#include "log.h"

static const char *const events_session_names[EVENTS_SESSION_MAX] = {
    "create", "refresh", "delete", "delete_all", "lock_conflict"
};

/* The one place a reason becomes its /metrics label. */
static const char *const events_reason_names[EVENTS_REASON_MAX] = {
    [EVENTS_REASON_NOT_FOUND]     = "not_found",
    [EVENTS_REASON_SIGNATURE]     = "signature",
    [EVENTS_REASON_NOT_YET_VALID] = "not_yet_valid",
    [EVENTS_REASON_EXPIRED]       = "expired",
    [EVENTS_REASON_CLAIM]         = "claim",
    [EVENTS_REASON_SESSION]       = "session",
    [EVENTS_REASON_STALE]         = "stale",
};

/* The counters: this process's, or after events_share() one page that
 * every worker process forked afterwards adds to (lock-free atomics are
 * address-free, so they work across processes on shared memory). */
struct events_counters {
    atomic_ulong sessions[EVENTS_SESSION_MAX];
    atomic_ulong valid;
    atomic_ulong invalid[EVENTS_REASON_MAX];
    atomic_ulong refused;       /* connections answered 503: all busy */
};

static struct events_counters events_own;
static struct events_counters *events_c = &events_own;

int
events_share(void)
{
    struct events_counters *c;

    c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (c == MAP_FAILED)
        return -1;
    memcpy(c, events_c, sizeof(*c));
    events_c = c;
    return 0;
}

/* ,"name":"value" unless value is NULL or "". */
static void
events_field(struct charon_buf *b, const char *name, const char *value)
{
    if (value == NULL || value[0] == '\0')
        return;
    charon_buf_puts(b, ",\"");
    charon_buf_puts(b, name);
    charon_buf_puts(b, "\":");
    json_escape(b, value, strlen(value), JSON_ESCAPE_ASCII);
}

/* Logs b's JSON (an allocation failure just loses the line). */
static void
events_log(int level, struct charon_buf *b)
{
    if (charon_buf_puts(b, "}") == CHARON_OK)
        log_msg(level, "%s", (const char *)b->data);
    charon_buf_free(b);
}

void
events_session(enum events_session ev, const char *session_id,
               const char *user_id, const char *session_type)
{
    struct charon_buf b = CHARON_BUF_INIT;

    atomic_fetch_add_explicit(&events_c->sessions[ev], 1, memory_order_relaxed);
    charon_buf_puts(&b, "{\"event\":\"charon.session.");
    charon_buf_puts(&b, events_session_names[ev]);
    charon_buf_puts(&b, "\"");
    events_field(&b, "session_id", session_id);
    events_field(&b, "user_id", user_id);
    events_field(&b, "session_type", session_type);
    events_log(ev == EVENTS_SESSION_LOCK_CONFLICT ? CHARON_LOG_WARN
                                                  : CHARON_LOG_INFO, &b);
}

const char *
events_reason_label(enum events_reason reason)
{
    if ((unsigned)reason >= EVENTS_REASON_MAX)
        return NULL;
    return events_reason_names[reason];
}

void
events_token(const char *token_type, int session_loaded,
             const char *transport, const char *user_id,
             const char *session_id, const char *session_type,
             enum events_reason reason, const char *error)
{
    struct charon_buf b = CHARON_BUF_INIT;

    if (error == NULL)
        atomic_fetch_add_explicit(&events_c->valid, 1, memory_order_relaxed);
    else if ((unsigned)reason < EVENTS_REASON_MAX)
        atomic_fetch_add_explicit(&events_c->invalid[reason], 1,
                                  memory_order_relaxed);
    if (!log_enabled(CHARON_LOG_DEBUG))
        return;
    charon_buf_puts(&b, error == NULL ? "{\"event\":\"charon.token.valid\""
                                      : "{\"event\":\"charon.token.invalid\"");
    charon_buf_puts(&b, session_loaded ? ",\"session_loaded\":true"
                                       : ",\"session_loaded\":false");
    charon_buf_puts(&b, ",\"token_transport\":");
    if (transport != NULL)
        json_escape(&b, transport, strlen(transport), JSON_ESCAPE_ASCII);
    else
        charon_buf_puts(&b, "null");
    events_field(&b, "token_type", token_type);
    events_field(&b, "user_id", user_id);
    events_field(&b, "session_id", session_id);
    events_field(&b, "session_type", session_type);
    events_field(&b, "error", error);
    events_log(CHARON_LOG_DEBUG, &b);
}

int
events_metrics(struct charon_buf *out)
{
    char line[160];
    int i, rc = CHARON_OK;

    rc = charon_buf_puts(out, "# HELP charon_session_events_total Session "
                         "events by kind.\n"
                         "# TYPE charon_session_events_total counter\n");
    for (i = 0; rc == CHARON_OK && i < EVENTS_SESSION_MAX; i++) {
        snprintf(line, sizeof(line),
                 "charon_session_events_total{event=\"%s\"} %lu\n",
                 events_session_names[i],
                 atomic_load_explicit(&events_c->sessions[i],
                                      memory_order_relaxed));
        rc = charon_buf_puts(out, line);
    }
    if (rc == CHARON_OK)
        rc = charon_buf_puts(out, "# HELP charon_token_checks_total Checked "
                             "tokens by result and reason.\n"
                             "# TYPE charon_token_checks_total counter\n");
    if (rc == CHARON_OK) {
        snprintf(line, sizeof(line),
                 "charon_token_checks_total{result=\"valid\"} %lu\n",
                 atomic_load_explicit(&events_c->valid, memory_order_relaxed));
        rc = charon_buf_puts(out, line);
    }
    for (i = 0; rc == CHARON_OK && i < EVENTS_REASON_MAX; i++) {
        snprintf(line, sizeof(line),
                 "charon_token_checks_total{result=\"invalid\","
                 "reason=\"%s\"} %lu\n", events_reason_names[i],
                 atomic_load_explicit(&events_c->invalid[i],
                                      memory_order_relaxed));
        rc = charon_buf_puts(out, line);
    }
    if (rc == CHARON_OK)
        rc = charon_buf_puts(out, "# HELP charon_connections_refused_total "
                             "Connections answered 503 because every "
                             "thread was busy.\n"
                             "# TYPE charon_connections_refused_total "
                             "counter\n");
    if (rc == CHARON_OK) {
        snprintf(line, sizeof(line), "charon_connections_refused_total %lu\n",
                 events_refused_count());
        rc = charon_buf_puts(out, line);
    }
    return rc;
}

void
events_connection_refused(void)
{
    atomic_fetch_add_explicit(&events_c->refused, 1, memory_order_relaxed);
}

unsigned long
events_refused_count(void)
{
    return atomic_load_explicit(&events_c->refused, memory_order_relaxed);
}

unsigned long
events_session_count(enum events_session ev)
{
    return atomic_load_explicit(&events_c->sessions[ev], memory_order_relaxed);
}

unsigned long
events_token_count(int valid, enum events_reason reason)
{
    if (valid)
        return atomic_load_explicit(&events_c->valid, memory_order_relaxed);
    return atomic_load_explicit(&events_c->invalid[reason],
                                memory_order_relaxed);
}
