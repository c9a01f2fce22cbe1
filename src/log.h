/*
 * log.h - the operator's log: one line per message, to stderr or syslog.
 * Configured once at start-up; safe from any thread.
 * Never pass a token, cookie, password, secret or key.
 *
 * A line is printable ASCII only: any other byte that reaches it is
 * written as \xHH, so nothing can end the line or start another.  A value
 * that comes from a request (a user name, an id, a plugin's message about
 * it) is passed through log_quote(), which puts it in double quotes as a
 * JSON string, so it cannot pose as the rest of the line either.
 *
 * Each call site (its format string) and level less severe than
 * CHARON_LOG_ERR (warnings, notices, info and debug: what a request can
 * make us say, such as a failed login) writes at most
 * LOG_BURST_PER_SECOND lines a second; the lines beyond are counted and
 * replaced, once that second is over, by one line
 *   N similar lines suppressed: "<the site's format>"
 * written with the next line of the process (or at its exit).
 */
#ifndef CHARON_LOG_H
#define CHARON_LOG_H

#include <stdarg.h>
#include <stddef.h>

#include <charon/plugin.h>

#define LOG_BURST_PER_SECOND 20
#define LOG_QUOTE_SIZE 72       /* a buffer for log_quote(): 64 ASCII bytes */

/* ident: program name; use_syslog: 0 stderr, 1 syslog; min_level: the
 * least severe level still written (CHARON_LOG_*). */
void log_init(const char *ident, int use_syslog, int min_level);

/* Maps "err"/"warn"/"info"/"debug" index (config order) to a level. */
int log_level_from_index(int index);

/* Whether a message at level would be written. */
int log_enabled(int level);

void log_msg(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_vmsg(int level, const char *prefix, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* value as a quoted JSON string in printable ASCII (json_escape.h),
 * written into buf (size bytes, LOG_QUOTE_SIZE for one of 64 bytes); one
 * too long is cut and marked: "abc"...  Returns buf.  NULL gives -. */
const char *log_quote(char *buf, size_t size, const char *value);

/* Writes the pending "similar lines suppressed" counts now. */
void log_flush(void);

#endif /* CHARON_LOG_H */
