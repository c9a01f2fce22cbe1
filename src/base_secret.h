/*
 * base_secret.h - reading the base secret every key is derived from.
 */
#ifndef CHARON_BASE_SECRET_H
#define CHARON_BASE_SECRET_H

#include <stddef.h>

#include <charon/err.h>

#define BASE_SECRET_MIN_LEN 32
#define BASE_SECRET_MAX_LEN 4096

/*
 * Reads the secret from path, a private file (lib/trusted_file.h: an
 * absolute path to a regular file, not a symbolic link, owned by root or
 * the process's uid, with no group or other permission).  One trailing
 * newline (LF or CRLF) is dropped, as editors and `echo` add
 * one.  At least BASE_SECRET_MIN_LEN bytes must remain.  On success *out
 * is heap memory of *out_len bytes the caller wipes and frees.
 */
int base_secret_read_file(const char *path, unsigned char **out,
                          size_t *out_len, struct charon_err *err);

/* Same from the environment variable var (no newline handling). */
int base_secret_read_env(const char *var, unsigned char **out,
                         size_t *out_len, struct charon_err *err);

#endif /* CHARON_BASE_SECRET_H */
