/* config_path.c - absolute paths, existing regular files. */
#include "config_path.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/*
 * True for a STRING option that names a file, directory or socket: named
 * "path" or "socket", or ending in "_file" or "_dir" (base_secret_file,
 * key_cache_dir, [store_local] path...).  Such values, like PATH ones,
 * must be absolute: a relative one resolves against the working
 * directory, which in CGI mode is the script's.
 */
bool
config_path_named(const struct charon_option *o)
{
    size_t n = strlen(o->name);

    return strcmp(o->name, "path") == 0 || strcmp(o->name, "socket") == 0 ||
           (n > 5 && strcmp(o->name + n - 5, "_file") == 0) ||
           (n > 4 && strcmp(o->name + n - 4, "_dir") == 0);
}

int
config_path_file(const struct charon_option *o, const char *v,
                 bool *keyonly, char *what, size_t len)
{
    struct stat st;

    /* A relative path would resolve against the working directory: in
     * CGI mode, the script's directory. */
    if (v[0] != '/') {
        snprintf(what, len, "not an absolute path");
        return -1;
    }
    if (stat(v, &st) < 0) {
        snprintf(what, len, "%s", errno == ENOENT ? "no such file"
                                                  : strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(what, len, "%s", S_ISDIR(st.st_mode) ?
                 "a directory, not a regular file" : "not a regular file");
        return -1;
    }
    if ((o->flags & CHARON_OPT_PRIVATE)
        && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        *keyonly = true;
        if (o->flags & CHARON_OPT_SECRET)
            snprintf(what, len, "the file is readable by group or others "
                     "(mode %04o); run chmod 600 on it",
                     (unsigned)(st.st_mode & 07777));
        else
            snprintf(what, len, "%s is readable by group or others "
                     "(mode %04o); run chmod 600 %s", v,
                     (unsigned)(st.st_mode & 07777), v);
        return -1;
    }
    return 0;
}

