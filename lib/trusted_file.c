/* trusted_file.c - open, check and read a trusted or private file. */
#define _GNU_SOURCE
#include "trusted_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
trusted_file_check(const char *path, const struct stat *st,
                   enum trusted_file_kind kind, struct charon_err *err)
{
    unsigned mode = (unsigned)(st->st_mode & 07777);

    if (S_ISDIR(st->st_mode))
        return charon_err_set(err, CHARON_ECONFIG,
                              "%s is a directory, not a file", path);
    if (!S_ISREG(st->st_mode))
        return charon_err_set(err, CHARON_ECONFIG,
                              "%s is not a regular file (a FIFO, socket or "
                              "device)", path);
    if (st->st_uid != 0 && st->st_uid != geteuid())
        return charon_err_set(err, CHARON_ECONFIG,
                              "%s belongs to uid %u; only root or this "
                              "process's uid %u may own it", path,
                              (unsigned)st->st_uid, (unsigned)geteuid());
    if (kind == TRUSTED_FILE_PRIVATE && (st->st_mode & (S_IRWXG | S_IRWXO)))
        return charon_err_set(err, CHARON_ECONFIG,
                              "%s is readable by group or others (mode "
                              "%04o); run chmod 600 %s", path, mode, path);
    if (st->st_mode & (S_IWGRP | S_IWOTH))
        return charon_err_set(err, CHARON_ECONFIG,
                              "%s is writable by group or others (mode "
                              "%04o); run chmod go-w %s", path, mode, path);
    return CHARON_OK;
}

static int
trusted_file_open(const char *path, int *fd, struct charon_err *err)
{
    if (path[0] != '/')
        return charon_err_set(err, CHARON_ECONFIG,
                              "%s is not an absolute path", path);
    /* O_NONBLOCK: opening a FIFO must not wait for a writer. */
    *fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY |
                     O_NONBLOCK);
    if (*fd >= 0)
        return CHARON_OK;
    if (errno == ELOOP)
        return charon_err_set(err, CHARON_ECONFIG,
                              "%s is a symbolic link; name the file itself",
                              path);
    return charon_err_set(err, errno == ENOENT ? CHARON_ENOTFOUND
                                               : CHARON_ECONFIG,
                          "open %s: %m", path);
}

/* Grows f to hold at least want bytes plus a NUL (at most max + 2). */
static int
trusted_file_grow(struct trusted_file *f, size_t want, size_t max)
{
    unsigned char *bigger;
    size_t cap = f->cap;

    while (cap < want + 1)
        cap = cap * 2;
    if (cap > max + 2)
        cap = max + 2;
    bigger = malloc(cap);
    if (bigger == NULL)
        return CHARON_ENOMEM;
    if (f->data != NULL) {
        memcpy(bigger, f->data, f->len);
        explicit_bzero(f->data, f->cap);
        free(f->data);
    }
    f->data = bigger;
    f->cap = cap;
    return CHARON_OK;
}

static int
trusted_file_slurp(const char *path, int fd, size_t max,
                   struct trusted_file *f, struct charon_err *err)
{
    size_t first = (size_t)f->st.st_size < max ? (size_t)f->st.st_size : max;
    ssize_t n;

    /* Sized from fstat, then grown: a file may grow while it is read. */
    f->cap = first + 2;
    f->data = malloc(f->cap);
    if (f->data == NULL)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    for (;;) {
        if (f->len + 1 == f->cap) {
            if (f->len > max)
                return charon_err_set(err, CHARON_ECONFIG, "%s is larger "
                                      "than %zu bytes", path, max);
            if (trusted_file_grow(f, f->len + 1, max) != CHARON_OK)
                return charon_err_set(err, CHARON_ENOMEM, "out of memory");
        }
        n = read(fd, f->data + f->len, f->cap - 1 - f->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return charon_err_set(err, CHARON_ECONFIG, "read %s: %m", path);
        if (n == 0)
            break;
        f->len += (size_t)n;
    }
    if (f->len > max)
        return charon_err_set(err, CHARON_ECONFIG, "%s is larger than %zu "
                              "bytes", path, max);
    f->data[f->len] = '\0';
    return CHARON_OK;
}

int
trusted_file_read(const char *path, enum trusted_file_kind kind, size_t max,
                  struct trusted_file *out, struct charon_err *err)
{
    struct trusted_file f;
    int fd = -1, rc;

    memset(&f, 0, sizeof(f));
    memset(out, 0, sizeof(*out));
    rc = trusted_file_open(path, &fd, err);
    if (rc != CHARON_OK)
        return rc;
    if (fstat(fd, &f.st) < 0) {
        rc = charon_err_set(err, CHARON_ECONFIG, "stat %s: %m", path);
        goto out;
    }
    rc = trusted_file_check(path, &f.st, kind, err);
    if (rc != CHARON_OK)
        goto out;
    rc = trusted_file_slurp(path, fd, max, &f, err);
    if (rc != CHARON_OK)
        goto out;
    *out = f;
    memset(&f, 0, sizeof(f));       /* ownership moved to *out */
out:
    trusted_file_free(&f);
    close(fd);
    return rc;
}

void
trusted_file_free(struct trusted_file *f)
{
    if (f->data != NULL) {
        explicit_bzero(f->data, f->cap);
        free(f->data);
    }
    memset(f, 0, sizeof(*f));
}
