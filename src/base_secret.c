/* base_secret.c - the base secret from a private file or the environment. */
#include "base_secret.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trusted_file.h"

static int
base_secret_take(const unsigned char *p, size_t len, const char *what,
                 unsigned char **out, size_t *out_len, struct charon_err *err)
{
    unsigned char *copy;

    if (len < BASE_SECRET_MIN_LEN)
        return charon_err_set(err, CHARON_ECONFIG,
                              "%s holds %zu bytes; the base secret needs at "
                              "least %d (e.g. head -c 48 /dev/urandom | "
                              "base64 > FILE)", what, len, BASE_SECRET_MIN_LEN);
    copy = malloc(len);
    if (copy == NULL)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    memcpy(copy, p, len);
    *out = copy;
    *out_len = len;
    return CHARON_OK;
}

int
base_secret_read_file(const char *path, unsigned char **out, size_t *out_len,
                      struct charon_err *err)
{
    struct trusted_file f;
    size_t len;
    int rc;

    rc = trusted_file_read(path, TRUSTED_FILE_PRIVATE, BASE_SECRET_MAX_LEN,
                           &f, err);
    if (rc != CHARON_OK)
        return rc;
    len = f.len;
    if (len > 0 && f.data[len - 1] == '\n')
        len--;
    if (len > 0 && f.data[len - 1] == '\r')
        len--;
    rc = base_secret_take(f.data, len, path, out, out_len, err);
    trusted_file_free(&f);
    return rc;
}

int
base_secret_read_env(const char *var, unsigned char **out, size_t *out_len,
                     struct charon_err *err)
{
    const char *v = getenv(var);
    char what[160];

    if (v == NULL)
        return charon_err_set(err, CHARON_ECONFIG,
                              "environment variable %s is not set", var);
    snprintf(what, sizeof(what), "environment variable %s", var);
    if (strlen(v) > BASE_SECRET_MAX_LEN)
        return charon_err_set(err, CHARON_ECONFIG, "%s is over %d bytes", what,
                              BASE_SECRET_MAX_LEN);
    return base_secret_take((const unsigned char *)v, strlen(v), what, out,
                            out_len, err);
}
