/*
 * log.h - the operator's log: one line per message, to stderr or syslog.
 * Configured once at start-up, read-only afterwards; safe from any thread.
 * Never pass a token, cookie, password, secret or key.
 */
#ifndef CHARON_LOG_H
#define CHARON_LOG_H

#include <stdarg.h>

#include <charon/plugin.h>

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

#endif /* CHARON_LOG_H */
