/*
 * store_dir.c - the session directory and its LMDB files must be ours.
 *
 * LMDB opens data.mdb and lock.mdb by name and follows symbolic links: a
 * lock.mdb planted as a link to another file made a charonctl run as
 * root overwrite that file.  So the directory (lstat: not a link) must
 * belong to the process's euid and be writable by nobody else, and each
 * LMDB file present must be a regular file of the euid that nobody else
 * may write.  Once the directory is checked, nobody but its owner (and
 * root) can swap a file in it between these checks and LMDB's open.
 */
#include "store_local.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* Refuses st (of what) unless it is the euid's and nobody else writes it. */
static int
store_dir_owned(const char *what, const struct stat *st,
                struct charon_err *err)
{
    if (st->st_uid != geteuid())
        return charon_err_set(err, CHARON_ECONFIG,
                              "%s belongs to uid %u, not to this process "
                              "(uid %u); run me as its owner", what,
                              (unsigned)st->st_uid, (unsigned)geteuid());
    if (st->st_mode & (S_IWGRP | S_IWOTH))
        return charon_err_set(err, CHARON_ECONFIG,
                              "%s is writable by group or others (mode "
                              "%04o); run chmod go-w %s", what,
                              (unsigned)(st->st_mode & 07777), what);
    return CHARON_OK;
}

/* dir/name, if present, must be a regular file the euid owns alone. */
static int
store_dir_file_ok(const char *dir, const char *name, struct charon_err *err)
{
    char path[4096];
    struct stat st;

    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
        sizeof(path))
        return charon_err_set(err, CHARON_ECONFIG, "path %s is too long",
                              dir);
    if (lstat(path, &st) < 0) {
        if (errno == ENOENT)
            return CHARON_OK;           /* LMDB creates it */
        return charon_err_set(err, CHARON_ECONFIG, "stat %s: %m", path);
    }
    if (S_ISLNK(st.st_mode))
        return charon_err_set(err, CHARON_ECONFIG,
                              "%s is a symbolic link; LMDB would write "
                              "through it: remove it", path);
    if (!S_ISREG(st.st_mode))
        return charon_err_set(err, CHARON_ECONFIG,
                              "%s is not a regular file", path);
    return store_dir_owned(path, &st, err);
}

int
store_local_dir_check(const char *path, struct charon_err *err)
{
    static const char *const files[] = { "data.mdb", "lock.mdb", NULL };
    struct stat st;
    size_t i;
    int rc;

    if (path[0] != '/')
        return charon_err_set(err, CHARON_ECONFIG,
                              "path %s is not an absolute path", path);
    if (mkdir(path, 0700) < 0 && errno != EEXIST)
        return charon_err_set(err, CHARON_ECONFIG, "mkdir %s: %m", path);
    if (lstat(path, &st) < 0)
        return charon_err_set(err, CHARON_ECONFIG, "stat %s: %m", path);
    if (S_ISLNK(st.st_mode))
        return charon_err_set(err, CHARON_ECONFIG,
                              "%s is a symbolic link; [store_local] path "
                              "must name the directory itself", path);
    if (!S_ISDIR(st.st_mode))
        return charon_err_set(err, CHARON_ECONFIG,
                              "%s is not a directory; [store_local] path "
                              "names the directory that holds data.mdb", path);
    rc = store_dir_owned(path, &st, err);
    for (i = 0; rc == CHARON_OK && files[i] != NULL; i++)
        rc = store_dir_file_ok(path, files[i], err);
    return rc;
}
