/*
 * trusted_file.h - the one reader of files whose content we trust: the
 * base secret, raw and PEM token keys, htpasswd files, the Redis password
 * file and the key cache.
 *
 * Whoever can write such a file can mint tokens or add users, so every
 * reader applies the same rules, checked on the opened descriptor (no
 * window between a check and the read):
 *   - the path is absolute and its last component is not a symbolic link
 *     (O_NOFOLLOW);
 *   - it is a regular file (fstat, S_ISREG): not a directory, FIFO or
 *     device;
 *   - it belongs to root or to the process's effective uid;
 *   - neither group nor others may write it;
 *   - a PRIVATE file (a secret) grants group and others nothing at all.
 * Errors name the path and what is wrong, never the content.
 *
 * Linked statically into the core and into the plugins that need it
 * (plugins never link core symbols).
 */
#ifndef CHARON_TRUSTED_FILE_H
#define CHARON_TRUSTED_FILE_H

#include <stddef.h>
#include <sys/stat.h>

#include <charon/err.h>

enum trusted_file_kind {
    TRUSTED_FILE_PUBLIC = 0,    /* public key, htpasswd: others may read */
    TRUSTED_FILE_PRIVATE = 1    /* a secret: nobody else may touch it */
};

struct trusted_file {
    unsigned char *data;        /* len bytes and a NUL; wiped on free */
    size_t len;
    size_t cap;                 /* bytes allocated at data */
    struct stat st;             /* fstat of the descriptor that was read */
};

/*
 * Opens path, checks it as described above for kind and reads it whole
 * into *out (zeroed first; untouched data on failure).  A file longer
 * than max bytes is refused.  CHARON_ENOTFOUND when path does not exist,
 * CHARON_ENOMEM, else CHARON_ECONFIG.
 */
int trusted_file_read(const char *path, enum trusted_file_kind kind,
                      size_t max, struct trusted_file *out,
                      struct charon_err *err);

/*
 * Checks st (of the file at path) against the rules of kind: for a file
 * read as PUBLIC that turns out to hold a secret (a PEM private key).
 */
int trusted_file_check(const char *path, const struct stat *st,
                       enum trusted_file_kind kind, struct charon_err *err);

/* Wipes and frees f's data; accepts a zeroed struct. */
void trusted_file_free(struct trusted_file *f);

#endif /* CHARON_TRUSTED_FILE_H */
