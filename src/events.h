/*
 * events.h - Charon's telemetry events (docs/CHARON.md §13) as counters
 * and as one JSON log line each:
 *
 *   {"event":"charon.session.create","session_id":"…","user_id":"…",
 *    "session_type":"full"}
 *
 * Session events are logged at info level; token events (one per checked
 * token, the hot path) at debug level, so that a busy authorizer does not
 * write a line per request unless asked to.  No event carries a token,
 * a cookie or a secret.  Counters are lock-free, per process until
 * events_share() puts them in memory shared with the processes forked
 * afterwards (the prefork workers), so that /metrics shows their sum.
 */
#ifndef CHARON_EVENTS_H
#define CHARON_EVENTS_H

#include <stddef.h>

#include <charon/buf.h>

enum events_session {
    EVENTS_SESSION_CREATE = 0,
    EVENTS_SESSION_REFRESH,
    EVENTS_SESSION_DELETE,
    EVENTS_SESSION_DELETE_ALL,
    EVENTS_SESSION_LOCK_CONFLICT,
    EVENTS_SESSION_MAX
};

/* Why a token was refused, as a bounded label set for counters.  Set
 * where the refusal is decided (token_check.c), never read back from the
 * message, so rewording a message cannot move a count to another label. */
enum events_reason {
    EVENTS_REASON_NOT_FOUND = 0,    /* no token in the request          */
    EVENTS_REASON_SIGNATURE,        /* signature/format/JSON            */
    EVENTS_REASON_NOT_YET_VALID,
    EVENTS_REASON_EXPIRED,
    EVENTS_REASON_CLAIM,            /* claim missing, invalid, or rules */
    EVENTS_REASON_SESSION,          /* session not found                */
    EVENTS_REASON_STALE,            /* refresh token of an old generation */
    EVENTS_REASON_MAX
};

/* Moves the counters to shared memory; call before forking workers.
 * 0, or -1 if mmap fails (the counters then stay per process). */
int events_share(void);

/* A session event; session_id is NULL for delete_all. */
void events_session(enum events_session ev, const char *session_id,
                    const char *user_id, const char *session_type);

/* A checked token.  error is NULL when valid, else Charon's message for
 * the log line, with reason the counter it goes to (ignored when valid);
 * token_type is "access" or "refresh"; user_id and friends may be NULL
 * or "". */
void events_token(const char *token_type, int session_loaded,
                  const char *transport, const char *user_id,
                  const char *session_id, const char *session_type,
                  enum events_reason reason, const char *error);

/* A connection answered 503 because every thread was busy (fcgi_shed). */
void events_connection_refused(void);

/* The counters in Prometheus text format, appended to out. */
int events_metrics(struct charon_buf *out);

/* One counter, for tests. */
unsigned long events_session_count(enum events_session ev);
unsigned long events_token_count(int valid, enum events_reason reason);
unsigned long events_refused_count(void);

/* The /metrics label of a reason ("expired", ...); NULL if out of range. */
const char *events_reason_label(enum events_reason reason);

#endif /* CHARON_EVENTS_H */
