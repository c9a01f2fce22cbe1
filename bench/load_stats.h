/*
 * load_stats.h - what the closed-loop load generators (fcgi_load,
 * session_load) share: monotonic time, a latency histogram, CPU time of
 * the server (/proc/PID/stat) and of the client, number parsing.
 *
 * The histogram has one bucket per µs below LOAD_HIST_LINEAR, then 1024
 * buckets per power of two (within 0.1%), up to ~2^38 µs; the caller
 * owns the LOAD_HIST_BUCKETS counters.
 */
#ifndef CHARON_BENCH_LOAD_STATS_H
#define CHARON_BENCH_LOAD_STATS_H

#include <stddef.h>
#include <stdint.h>

#define LOAD_HIST_LINEAR 2048                  /* exact µs below this */
#define LOAD_HIST_EXP_MAX 27                   /* up to ~2^38 µs */
#define LOAD_HIST_BUCKETS (LOAD_HIST_LINEAR + LOAD_HIST_EXP_MAX * 1024)

/* CLOCK_MONOTONIC in ns. */
uint64_t load_now_ns(void);

/* Sleeps s seconds, resuming after signals. */
void load_sleep_s(double s);

/* The bucket of a latency in µs, and the smallest value of bucket i. */
size_t load_hist_bucket(uint64_t us);
uint64_t load_hist_value(size_t i);

/* The value at fraction p (0..1) of total counts; 0 if there are none. */
uint64_t load_hist_percentile(const uint64_t *hist, uint64_t total, double p);

/* The highest value counted in hist, 0 if none. */
uint64_t load_hist_max(const uint64_t *hist);

/* utime + stime of pid in clock ticks, or -1. */
long long load_proc_cpu_ticks(long pid);

/* Clock ticks to µs per operation (0 when ops is 0). */
double load_ticks_us_per_op(long long ticks, uint64_t ops);

/* User + system CPU seconds of this process (getrusage). */
double load_self_cpu_s(void);

/* A decimal number in [lo, hi] with nothing after it: 0, else -1. */
int load_parse_num(const char *s, double lo, double hi, double *out);

#endif /* CHARON_BENCH_LOAD_STATS_H */
