/* load_stats.c - time, latency histogram and CPU accounting of the load
 * generators (see load_stats.h). */
#include "load_stats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/resource.h>

uint64_t
load_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
load_sleep_s(double s)
{
    struct timespec ts;

    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

size_t
load_hist_bucket(uint64_t us)
{
    unsigned int e;

    if (us < LOAD_HIST_LINEAR)
        return (size_t)us;
    /* us >> e is in 1024..2047 */
    e = (unsigned int)(63 - __builtin_clzll(us)) - 10;
    if (e > LOAD_HIST_EXP_MAX)
        return LOAD_HIST_BUCKETS - 1;
    return LOAD_HIST_LINEAR + (e - 1) * 1024 + (size_t)((us >> e) - 1024);
}

uint64_t
load_hist_value(size_t i)
{
    if (i < LOAD_HIST_LINEAR)
        return i;
    i -= LOAD_HIST_LINEAR;
    return (uint64_t)(i % 1024 + 1024) << (i / 1024 + 1);
}

uint64_t
load_hist_percentile(const uint64_t *hist, uint64_t total, double p)
{
    uint64_t want = (uint64_t)(p * (double)total + 0.999999), seen = 0;
    size_t i;

    for (i = 0; i < LOAD_HIST_BUCKETS; i++) {
        seen += hist[i];
        if (seen >= want && seen > 0)
            return load_hist_value(i);
    }
    return 0;
}

uint64_t
load_hist_max(const uint64_t *hist)
{
    size_t i;

    for (i = LOAD_HIST_BUCKETS; i > 0 && hist[i - 1] == 0; i--)
        ;
    return i > 0 ? load_hist_value(i - 1) : 0;
}

long long
load_proc_cpu_ticks(long pid)
{
    char path[64], buf[1024], *p;
    unsigned long long ut, st;
    size_t n;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    f = fopen(path, "r");
    if (f == NULL)
        return -1;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    p = strrchr(buf, ')');      /* comm may contain spaces */
    if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
                            "%*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (long long)(ut + st);
}

double
load_ticks_us_per_op(long long ticks, uint64_t ops)
{
    if (ops == 0)
        return 0.0;
    return (double)ticks * 1e6 / (double)sysconf(_SC_CLK_TCK) / (double)ops;
}

double
load_self_cpu_s(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6
           + (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

int
load_parse_num(const char *s, double lo, double hi, double *out)
{
    char *end;

    errno = 0;
    *out = strtod(s, &end);
    return errno == 0 && end != s && *end == '\0' && *out >= lo && *out <= hi
           ? 0 : -1;
}
