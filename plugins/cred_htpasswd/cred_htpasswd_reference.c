/* cred_htpasswd_reference.c - the costliest hash of a table. */
#define _GNU_SOURCE
#include "cred_htpasswd_reference.h"

#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Distinct settings timed at most; a file with more is rare and still
 * gets the costliest of these. */
#define CRED_HTPASSWD_REFERENCE_MAX 8

/* One distinct cost setting and a hash that uses it. */
struct cred_htpasswd_setting {
    const char *hash;
    size_t len;            /* the setting: hash[0..len) */
    double ms;
};

/*
 * Bytes of hash that fix its scheme and cost, without salt or checksum:
 * "$2b$12$" for bcrypt, "$6$rounds=N" or "$6" for sha-crypt,
 * "$y$j9T" for yescrypt, "$7$" and its 11 parameter bytes for scrypt.
 */
static size_t
cred_htpasswd_setting_len(const char *hash)
{
    const char *last = strrchr(hash, '$'), *p;

    if (last == NULL)
        return strlen(hash);
    if (strncmp(hash, "$2", 2) == 0)
        return (size_t)(last - hash) + 1;
    if (strncmp(hash, "$7$", 3) == 0)
        return strnlen(hash, 14);
    for (p = last; p > hash && p[-1] != '$'; p--)
        ;
    return p > hash ? (size_t)(p - 1 - hash) : (size_t)(last - hash);
}

/* Milliseconds one crypt_rn() of hash takes (a wrong password). */
static double
cred_htpasswd_time(const char *hash, struct crypt_data *cd)
{
    struct timespec a, b;

    clock_gettime(CLOCK_MONOTONIC, &a);
    (void)crypt_rn("", hash, cd, (int)sizeof(*cd));
    clock_gettime(CLOCK_MONOTONIC, &b);
    explicit_bzero(cd, sizeof(*cd));
    return (double)(b.tv_sec - a.tv_sec) * 1e3 +
           (double)(b.tv_nsec - a.tv_nsec) / 1e6;
}

/* Collects the distinct settings of t's usable hashes into s. */
static size_t
cred_htpasswd_settings(const struct cred_htpasswd_table *t,
                       struct cred_htpasswd_setting *s)
{
    size_t i, j, n = 0, len;
    const char *h;

    for (i = 0; i < t->count; i++) {
        h = t->entries[i].hash;
        if (h == NULL)
            continue;
        len = cred_htpasswd_setting_len(h);
        for (j = 0; j < n; j++)
            if (s[j].len == len && memcmp(s[j].hash, h, len) == 0)
                break;
        if (j == n && n < CRED_HTPASSWD_REFERENCE_MAX) {
            s[n].hash = h;
            s[n].len = len;
            s[n].ms = 0;
            n++;
        }
    }
    return n;
}

int
cred_htpasswd_reference_pick(const char *path,
                             const struct charon_host *host,
                             struct cred_htpasswd_table *t,
                             struct charon_err *err)
{
    struct cred_htpasswd_setting s[CRED_HTPASSWD_REFERENCE_MAX];
    char names[256];
    struct crypt_data *cd;
    size_t n, i, best = 0, off = 0;

    n = cred_htpasswd_settings(t, s);
    if (n <= 1)
        return CHARON_OK;        /* the earliest usable hash (or none) */
    cd = calloc(1, sizeof(*cd));
    if (cd == NULL)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    for (i = 0; i < n; i++) {
        s[i].ms = cred_htpasswd_time(s[i].hash, cd);
        if (s[i].ms > s[best].ms)
            best = i;
        if (off < sizeof(names))
            off += (size_t)snprintf(names + off, sizeof(names) - off,
                                    "%s%.*s (%.1f ms)", i ? ", " : "",
                                    (int)s[i].len, s[i].hash, s[i].ms);
    }
    free(cd);
    t->reference_hash = s[best].hash;
    host->log(host, CHARON_LOG_WARN, "%s: hashes of %zu different costs: "
              "%s; unknown users are checked against the costliest "
              "(%.*s), so known users with cheaper hashes answer faster. "
              "Rehash every user with one scheme and cost", path, n, names,
              (int)s[best].len, s[best].hash);
    return CHARON_OK;
}
