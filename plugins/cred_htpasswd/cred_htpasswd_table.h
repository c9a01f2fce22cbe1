/*
 * cred_htpasswd_table.h - one parsed htpasswd file.
 *
 * A table lives in one worker thread's state and is never shared: each
 * thread reads the file itself, so no lock is needed.
 */
#ifndef CRED_HTPASSWD_TABLE_H
#define CRED_HTPASSWD_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include <charon/plugin.h>

/* Files larger than this are refused (CHARON_EUNAVAIL), not read. */
#define CRED_HTPASSWD_MAX_FILE ((size_t)10 * 1024 * 1024)
/* User names longer than this (bytes) never match. */
#define CRED_HTPASSWD_MAX_USER 255

struct cred_htpasswd_entry {
    const char *user;      /* points into the table's text */
    const char *hash;      /* NULL: refused scheme, the user cannot log in */
    int line;              /* 1-based line in the file */
};

struct cred_htpasswd_table {
    char *text;            /* the file, split in place; wiped on free */
    size_t text_len;
    size_t text_cap;       /* bytes allocated at text */
    struct cred_htpasswd_entry *entries;   /* sorted by user, unique */
    size_t count;
    /* The costliest usable hash (cred_htpasswd_reference.h), or NULL:
     * checks of unknown users run against it so that they cost what
     * the slowest known user costs. */
    const char *reference_hash;
    /* Identity of the file that was read (from fstat of the open fd). */
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtim;
};

/* Reads and parses path into *out (untouched on failure).  Refused and
 * malformed lines are logged through host at WARN, never with a hash.
 * CHARON_EUNAVAIL when the file cannot be read, is too large or fails
 * the trusted-file rules (lib/trusted_file.h: regular, not a symbolic
 * link, owned by root or us, writable by nobody else),
 * CHARON_ENOMEM when memory runs out. */
int cred_htpasswd_table_load(const char *path, const struct charon_host *host,
                             struct cred_htpasswd_table *out,
                             struct charon_err *err);

/* Reads path as load does, without parsing or logging: CHARON_ECONFIG
 * when load would fail to read it, CHARON_ENOMEM. */
int cred_htpasswd_table_probe(const char *path, struct charon_err *err);

/* Wipes and frees; leaves an empty table.  Accepts an empty table. */
void cred_htpasswd_table_free(struct cred_htpasswd_table *t);

/* True when st names the same file, unchanged, as the one t was read from. */
bool cred_htpasswd_table_is_current(const struct cred_htpasswd_table *t,
                                    const struct stat *st);

/* True when hash is a bcrypt hash ($2y$, $2b$, $2a$): bcrypt reads only
 * the first 72 bytes of a password. */
bool cred_htpasswd_table_is_bcrypt(const char *hash);

/* True when the len bytes at user may be a user name: 1..255 bytes, no
 * ':' and no control character. */
bool cred_htpasswd_table_user_ok(const char *user, size_t len);

/* The entry for user (exact, case-sensitive), or NULL. */
const struct cred_htpasswd_entry *
cred_htpasswd_table_find(const struct cred_htpasswd_table *t,
                         const char *user);

#endif /* CRED_HTPASSWD_TABLE_H */
