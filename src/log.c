/* log.c - the operator's log (stderr or syslog). */
#include "log.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

/* Set once by log_init() before any thread starts, then only read. */
static struct {
    char ident[32];
    int use_syslog;
    int min_level;
} log_conf = { "charon-fcgi", 0, CHARON_LOG_INFO };

static const char *
log_level_name(int level)
{
    switch (level) {
    case CHARON_LOG_ERR:   return "error";
    case CHARON_LOG_WARN:  return "warning";
    case CHARON_LOG_INFO:  return "info";
    default:               return "debug";
    }
}

void
log_init(const char *ident, int use_syslog, int min_level)
{
    snprintf(log_conf.ident, sizeof(log_conf.ident), "%s", ident);
    log_conf.min_level = min_level;
    if (use_syslog && !log_conf.use_syslog)
        openlog(log_conf.ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
    log_conf.use_syslog = use_syslog;
}

int
log_level_from_index(int index)
{
    static const int levels[] = {
        CHARON_LOG_ERR, CHARON_LOG_WARN, CHARON_LOG_INFO, CHARON_LOG_DEBUG
    };

    if (index < 0 || index > 3)
        return CHARON_LOG_INFO;
    return levels[index];
}

int
log_enabled(int level)
{
    return level <= log_conf.min_level;
}

void
log_vmsg(int level, const char *prefix, const char *fmt, va_list ap)
{
    char line[1024];
    int n = 0;
    size_t i;

    if (level > log_conf.min_level)
        return;
    if (prefix != NULL && prefix[0] != '\0')
        n = snprintf(line, sizeof(line), "%s: ", prefix);
    if (n < 0 || (size_t)n >= sizeof(line))
        n = 0;
    vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    /* One event, one line: a value with a newline cannot forge another. */
    for (i = 0; line[i] != '\0'; i++)
        if ((unsigned char)line[i] < 0x20)
            line[i] = ' ';
    if (log_conf.use_syslog) {
        syslog(level, "%s", line);
        return;
    }
    /* One fprintf per line: stdio locks the stream, lines do not mix. */
    fprintf(stderr, "%s[%ld]: %s: %s\n", log_conf.ident, (long)getpid(),
            log_level_name(level), line);
}

void
log_msg(int level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vmsg(level, NULL, fmt, ap);
    va_end(ap);
}
