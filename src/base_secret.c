/* base_secret.c - the base secret from a private file or the environment. */
#include "base_secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
    unsigned char buf[BASE_SECRET_MAX_LEN + 1];
    struct stat st;
    ssize_t n;
    size_t len;
    int fd, rc;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return charon_err_set(err, CHARON_ECONFIG, "open %s: %m", path);
    if (fstat(fd, &st) < 0) {
        rc = charon_err_set(err, CHARON_EIO, "stat %s: %m", path);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = charon_err_set(err, CHARON_ECONFIG, "%s is not a regular file",
                            path);
        goto out;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        rc = charon_err_set(err, CHARON_ECONFIG,
                            "%s is readable by group or others (mode %04o); "
                            "run chmod 600 %s", path,
                            (unsigned)(st.st_mode & 07777), path);
        goto out;
    }
    /* root may read a service user's secret (charonctl as root). */
    if (st.st_uid != geteuid() && geteuid() != 0) {
        rc = charon_err_set(err, CHARON_ECONFIG,
                            "%s belongs to uid %u, not to this process (uid "
                            "%u)", path, (unsigned)st.st_uid,
                            (unsigned)geteuid());
        goto out;
    }
    n = read(fd, buf, sizeof(buf));
    if (n < 0) {
        rc = charon_err_set(err, CHARON_EIO, "read %s: %m", path);
        goto out;
    }
    len = (size_t)n;
    if (len > BASE_SECRET_MAX_LEN) {
        rc = charon_err_set(err, CHARON_ECONFIG, "%s is over %d bytes", path,
                            BASE_SECRET_MAX_LEN);
        goto out;
    }
    if (len > 0 && buf[len - 1] == '\n')
        len--;
    if (len > 0 && buf[len - 1] == '\r')
        len--;
    rc = base_secret_take(buf, len, path, out, out_len, err);
out:
    explicit_bzero(buf, sizeof(buf));
    close(fd);
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
