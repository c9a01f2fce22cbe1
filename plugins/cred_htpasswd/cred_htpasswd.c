/*
 * cred_htpasswd.c - checks a user name and password against an
 * Apache-style htpasswd file ("user:hash" lines).
 *
 * Hashes are checked with libxcrypt's crypt_rn(): bcrypt ($2y$, $2b$,
 * $2a$), sha-crypt ($5$, $6$), yescrypt ($y$), gost-yescrypt ($gy$) and
 * scrypt ($7$).  Plain text, traditional DES, $1$, $apr1$ and {SHA}
 * entries are refused (logged at each load; the user cannot log in).
 *
 * bcrypt reads only the first 72 bytes of a password.  Against a bcrypt
 * hash a longer password is refused (after the same work), so that
 * nobody logs in with a password that merely starts like the real one;
 * a user whose password is longer needs a sha-crypt or yescrypt hash.
 *
 * Timing: every check, whatever its outcome, makes exactly one crypt_rn()
 * call and one constant-time comparison.  A known user is checked against
 * their own hash.  Everything else (unknown user, refused entry, a user
 * name or password we refuse outright) is checked against the table's
 * reference hash: the costliest usable hash of the file
 * (cred_htpasswd_reference.c; a file mixing costs is logged at load), so
 * it costs what the slowest real user costs.  A file without a usable
 * hash falls back to a constant bcrypt (cost 10) hash.  The answer is then CHARON_ENOTFOUND with one
 * message for every failure.
 *
 * Reload: the parsed table lives in the thread state.  Each check stats
 * the file and re-reads it when its device, inode, size or mtime changed;
 * no lock, no shared mutable state.  A failed (re)load drops the table
 * (fail closed) and answers CHARON_EUNAVAIL until the file reads again.
 */
#define _GNU_SOURCE
#include <crypt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <charon/cred.h>

#include "cred_htpasswd_config.h"
#include "cred_htpasswd_table.h"

/* Passwords longer than this are refused (after the same work). */
#define CRED_HTPASSWD_MAX_PASSWORD 4096
/* bcrypt ignores every byte after the 72nd; longer passwords are refused
 * against a bcrypt hash (after the same work). */
#define CRED_HTPASSWD_BCRYPT_MAX 72

/* bcrypt, cost 10, of a fixed phrase: the dummy when the file has no
 * usable hash.  Not secret; only its cost matters. */
#define CRED_HTPASSWD_FALLBACK_HASH \
    "$2b$10$4l8By7kp.n6.NTfzpuUku.zfLoK2GFbpiBHuZLs3ufDWCIenKlXKO"

/* The instance: read-only once create() returns. */
struct cred_htpasswd {
    const struct charon_host *host;
    const char *file;                  /* borrowed from the config */
};

/* One worker thread's state. */
struct cred_htpasswd_thread {
    struct crypt_data *cd;             /* ~32 KiB: on the heap */
    struct cred_htpasswd_table table;  /* empty: not loaded (fail closed) */
};

/* Compares two strings in time that depends only on their lengths. */
static bool
cred_htpasswd_equal(const char *a, const char *b)
{
    size_t alen = strlen(a), blen = strlen(b), i;
    volatile unsigned char diff = (unsigned char)(alen != blen);

    for (i = 0; i < blen; i++)
        diff |= (unsigned char)((unsigned char)b[i] ^
                                (unsigned char)(i < alen ? a[i] : 0));
    return diff == 0;
}

static int
cred_htpasswd_create(const struct charon_host *host, const void *config,
                     void **instance, struct charon_err *err)
{
    const struct cred_htpasswd_config *cfg = config;
    struct cred_htpasswd *inst;
    int rc;

    if (cfg == NULL || cfg->file == NULL || cfg->file[0] == '\0')
        return charon_err_set(err, CHARON_ECONFIG, "file: missing");
    /* Read it once now, so that charonctl check-config and a CGI start
     * report a file that every worker thread would refuse. */
    rc = cred_htpasswd_table_probe(cfg->file, err);
    if (rc != CHARON_OK)
        return rc;
    inst = calloc(1, sizeof(*inst));
    if (inst == NULL)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    inst->host = host;
    inst->file = cfg->file;
    *instance = inst;
    return CHARON_OK;
}

static void
cred_htpasswd_destroy(void *instance)
{
    free(instance);
}

static void
cred_htpasswd_thread_fini(void *instance, void *thread_state)
{
    struct cred_htpasswd_thread *th = thread_state;

    (void)instance;
    if (th == NULL)
        return;
    cred_htpasswd_table_free(&th->table);
    if (th->cd != NULL) {
        explicit_bzero(th->cd, sizeof(*th->cd));
        free(th->cd);
    }
    free(th);
}

/* Loads the file now, so that an unreadable file stops the worker at
 * start rather than at its first login. */
static int
cred_htpasswd_thread_init(void *instance, void **thread_state,
                          struct charon_err *err)
{
    struct cred_htpasswd *inst = instance;
    struct cred_htpasswd_thread *th;
    int rc;

    th = calloc(1, sizeof(*th));
    if (th == NULL)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    th->cd = calloc(1, sizeof(*th->cd));
    if (th->cd == NULL) {
        rc = charon_err_set(err, CHARON_ENOMEM, "out of memory");
        goto fail;
    }
    rc = cred_htpasswd_table_load(inst->file, inst->host, &th->table, err);
    if (rc != CHARON_OK)
        goto fail;
    *thread_state = th;
    return CHARON_OK;

fail:
    cred_htpasswd_thread_fini(instance, th);
    return rc;
}

/* Re-reads the file when it changed; drops the table when it cannot. */
static int
cred_htpasswd_refresh(struct cred_htpasswd *inst,
                      struct cred_htpasswd_thread *th, struct charon_err *err)
{
    struct cred_htpasswd_table fresh;
    struct stat st;
    int rc;

    if (lstat(inst->file, &st) < 0) {
        rc = charon_err_set(err, CHARON_EUNAVAIL, "stat %s: %m", inst->file);
        cred_htpasswd_table_free(&th->table);
        return rc;
    }
    if (cred_htpasswd_table_is_current(&th->table, &st))
        return CHARON_OK;
    cred_htpasswd_table_free(&th->table);
    rc = cred_htpasswd_table_load(inst->file, inst->host, &fresh, err);
    if (rc != CHARON_OK)
        return rc;
    th->table = fresh;
    return CHARON_OK;
}

static int
cred_htpasswd_check(void *instance, void *ts, const char *username,
                    const char *password, struct charon_buf *user_id_out,
                    struct charon_err *err)
{
    struct cred_htpasswd *inst = instance;
    struct cred_htpasswd_thread *th = ts;
    const struct cred_htpasswd_entry *entry = NULL;
    const char *phrase = password, *target, *out;
    size_t pw_len;
    bool match;
    int rc;

    rc = cred_htpasswd_refresh(inst, th, err);
    if (rc != CHARON_OK)
        return rc;

    if (username != NULL &&
        cred_htpasswd_table_user_ok(username,
                                    strnlen(username,
                                            CRED_HTPASSWD_MAX_USER + 1)))
        entry = cred_htpasswd_table_find(&th->table, username);
    if (entry != NULL && entry->hash == NULL)
        entry = NULL;                   /* refused scheme */
    /* libxcrypt takes at most CRYPT_MAX_PASSPHRASE_SIZE - 1 bytes, so a
     * longer password can never match: do the dummy work instead. */
    pw_len = password != NULL ?
             strnlen(password, CRED_HTPASSWD_MAX_PASSWORD + 1) : 0;
    if (password == NULL || pw_len > CRED_HTPASSWD_MAX_PASSWORD ||
        pw_len >= CRYPT_MAX_PASSPHRASE_SIZE) {
        phrase = "";
        entry = NULL;
    }

    if (entry != NULL)
        target = entry->hash;
    else if (th->table.reference_hash != NULL)
        target = th->table.reference_hash;
    else
        target = CRED_HTPASSWD_FALLBACK_HASH;
    out = crypt_rn(phrase, target, th->cd, (int)sizeof(*th->cd));
    match = cred_htpasswd_equal(out != NULL ? out : "", target) &&
            out != NULL;
    /* bcrypt reads only the first 72 bytes: a longer password would pass
     * on its first 72 alone.  Refused after the same work. */
    if (entry != NULL && pw_len > CRED_HTPASSWD_BCRYPT_MAX &&
        cred_htpasswd_table_is_bcrypt(entry->hash))
        match = false;
    /* Drops the computed hash and libxcrypt's scratch; all-zero is also
     * the state crypt_rn() wants before its next use. */
    explicit_bzero(th->cd, sizeof(*th->cd));

    if (entry == NULL || !match)
        return charon_err_set(err, CHARON_ENOTFOUND,
                              "unknown user or wrong password");
    if (charon_buf_puts(user_id_out, entry->user) != CHARON_OK)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    return CHARON_OK;
}

static const struct charon_option cred_htpasswd_options[] = {
    { .name = "file", .type = CHARON_OPT_PATH, .flags = CHARON_OPT_REQUIRED,
      .offset = offsetof(struct cred_htpasswd_config, file),
      .help = "htpasswd file of user:hash lines (bcrypt, sha-crypt, "
              "yescrypt)" },
    { .name = NULL }
};

extern CHARON_PLUGIN_EXPORT const struct charon_cred_plugin charon_plugin;
CHARON_PLUGIN_EXPORT const struct charon_cred_plugin charon_plugin = {
    .hdr = {
        .abi_version = CHARON_ABI_VERSION,
        .kind        = CHARON_PLUGIN_CRED,
        .name        = "cred_htpasswd",
        .version     = PACKAGE_VERSION,
        .config_size = sizeof(struct cred_htpasswd_config),
        .options     = cred_htpasswd_options,
        .create      = cred_htpasswd_create,
        .destroy     = cred_htpasswd_destroy,
        .thread_init = cred_htpasswd_thread_init,
        .thread_fini = cred_htpasswd_thread_fini,
    },
    .check = cred_htpasswd_check,
};
