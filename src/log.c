/* log.c - the operator's log (stderr or syslog): printable lines, values
 * quoted, repeated lines limited (see log.h). */
#include "log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "json_escape.h"

#define LOG_SITES 128           /* more than the call sites there are */
#define LOG_WHAT_MAX 64         /* a site's format, as its summary shows */
#define LOG_LINE_MAX 1024       /* a formatted message, before escaping */

/* Set once by log_init() before any thread starts, then only read. */
static struct {
    char ident[32];
    int use_syslog;
    int min_level;
} log_conf = { "charon-fcgi", 0, CHARON_LOG_INFO };

/* One call site's lines in the current second.  fmt only identifies the
 * site and is never read again: a plugin's format may be unloaded, so
 * what the summary shows is copied when the site is first seen. */
struct log_site {
    const char *fmt;
    int level;
    time_t second;
    unsigned int lines;
    unsigned long suppressed;
    char what[LOG_WHAT_MAX];
};

/* A summary to write, taken from a site under the lock. */
struct log_summary {
    int level;
    unsigned long n;
    char what[LOG_WHAT_MAX];
};

/* The logger's only mutable state: the rate limit of each site. */
static struct {
    pthread_mutex_t lock;
    struct log_site site[LOG_SITES];
} log_sites = { .lock = PTHREAD_MUTEX_INITIALIZER };

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
    static int at_exit;

    snprintf(log_conf.ident, sizeof(log_conf.ident), "%s", ident);
    log_conf.min_level = min_level;
    if (use_syslog && !log_conf.use_syslog)
        openlog(log_conf.ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
    log_conf.use_syslog = use_syslog;
    if (!at_exit && atexit(log_flush) == 0)
        at_exit = 1;
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

/* Writes text as one line: every byte outside printable ASCII as \xHH. */
static void
log_write(int level, const char *text)
{
    static const char hex[] = "0123456789abcdef";
    char line[4 * LOG_LINE_MAX + 1];
    const unsigned char *p;
    size_t n = 0;

    for (p = (const unsigned char *)text; *p != '\0'; p++) {
        if (n + 5 > sizeof(line))
            break;
        if (*p >= 0x20 && *p < 0x7f) {
            line[n++] = (char)*p;
            continue;
        }
        line[n++] = '\\';
        line[n++] = 'x';
        line[n++] = hex[*p >> 4];
        line[n++] = hex[*p & 15];
    }
    line[n] = '\0';
    if (log_conf.use_syslog) {
        syslog(level, "%s", line);
        return;
    }
    /* One fprintf per line: stdio locks the stream, lines do not mix. */
    fprintf(stderr, "%s[%ld]: %s: %s\n", log_conf.ident, (long)getpid(),
            log_level_name(level), line);
}

/* Takes the summaries of sites whose second is over (all with now == 0)
 * into out; returns how many.  Under the lock. */
static size_t
log_limit_due(time_t now, struct log_summary *out)
{
    struct log_site *s;
    size_t i, n = 0;

    for (i = 0; i < LOG_SITES; i++) {
        s = &log_sites.site[i];
        if (s->fmt == NULL || s->suppressed == 0 ||
            (now != 0 && s->second == now))
            continue;
        out[n].level = s->level;
        out[n].n = s->suppressed;
        memcpy(out[n].what, s->what, sizeof(out[n].what));
        s->suppressed = 0;
        n++;
    }
    return n;
}

/* Counts a line of (fmt, level) at now; 1 if it may be written.  A site
 * that finds the table full is not limited. */
static int
log_limit_take(const char *fmt, int level, time_t now)
{
    struct log_site *s, *free_slot = NULL;
    size_t i;

    for (i = 0; i < LOG_SITES; i++) {
        s = &log_sites.site[i];
        if (s->fmt == fmt && s->level == level)
            break;
        if (s->fmt == NULL && free_slot == NULL)
            free_slot = s;
    }
    if (i == LOG_SITES) {
        if (free_slot == NULL)
            return 1;
        s = free_slot;
        s->fmt = fmt;
        s->level = level;
        snprintf(s->what, sizeof(s->what), "%s", fmt);
    }
    if (s->second != now) {
        s->second = now;
        s->lines = 0;
    }
    if (s->lines < LOG_BURST_PER_SECOND) {
        s->lines++;
        return 1;
    }
    s->suppressed++;
    return 0;
}

static void
log_write_summaries(const struct log_summary *sum, size_t n)
{
    char line[LOG_WHAT_MAX + 160], what[2 * LOG_WHAT_MAX];
    size_t i;

    for (i = 0; i < n; i++) {
        snprintf(line, sizeof(line), "%lu similar line%s suppressed: %s",
                 sum[i].n, sum[i].n == 1 ? "" : "s",
                 log_quote(what, sizeof(what), sum[i].what));
        log_write(sum[i].level, line);
    }
}

/* Counts a line of (fmt, level) and writes the summaries that are due;
 * 1 if the line itself may be written. */
static int
log_limit(const char *fmt, int level)
{
    struct log_summary due[LOG_SITES];
    struct timespec ts;
    size_t n;
    int ok;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 1;
    ts.tv_sec += 1;     /* never 0, which log_limit_due() reads as "all" */
    pthread_mutex_lock(&log_sites.lock);
    n = log_limit_due(ts.tv_sec, due);
    ok = log_limit_take(fmt, level, ts.tv_sec);
    pthread_mutex_unlock(&log_sites.lock);
    log_write_summaries(due, n);
    return ok;
}

void
log_flush(void)
{
    struct log_summary due[LOG_SITES];
    size_t n;

    pthread_mutex_lock(&log_sites.lock);
    n = log_limit_due(0, due);
    pthread_mutex_unlock(&log_sites.lock);
    log_write_summaries(due, n);
}

void
log_vmsg(int level, const char *prefix, const char *fmt, va_list ap)
{
    char line[LOG_LINE_MAX];
    int n = 0;

    /* Errors (an operator must act) are never suppressed: a store that
     * fails must be named for every request it fails. */
    if (level > log_conf.min_level ||
        (level > CHARON_LOG_ERR && !log_limit(fmt, level)))
        return;
    if (prefix != NULL && prefix[0] != '\0')
        n = snprintf(line, sizeof(line), "%s: ", prefix);
    if (n < 0 || (size_t)n >= sizeof(line))
        n = 0;
    vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    log_write(level, line);
}

void
log_msg(int level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vmsg(level, NULL, fmt, ap);
    va_end(ap);
}

const char *
log_quote(char *buf, size_t size, const char *value)
{
    static const char cut[] = "\"...";
    char unit[JSON_ESCAPE_UNIT_MAX];
    size_t len, i, n = 0, k, used;

    if (size < sizeof(cut) + 1) {
        if (size > 0)
            buf[0] = '\0';
        return buf;
    }
    if (value == NULL) {
        snprintf(buf, size, "-");
        return buf;
    }
    len = strlen(value);
    buf[n++] = '"';
    for (i = 0; i < len; i += used) {
        k = json_escape_unit(value + i, len - i, JSON_ESCAPE_ASCII, unit,
                             &used);
        /* Room for this unit, then the closing quote and NUL, and for
         * the cut mark if more follows. */
        if (n + k + (i + used < len ? sizeof(cut) : 2) > size) {
            memcpy(buf + n, cut, sizeof(cut));
            return buf;
        }
        memcpy(buf + n, unit, k);
        n += k;
    }
    buf[n++] = '"';
    buf[n] = '\0';
    return buf;
}
