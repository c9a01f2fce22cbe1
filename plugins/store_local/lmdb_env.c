/*
 * lmdb_env.c - opening store_local's LMDB environment and turning LMDB
 * codes into charon codes.
 *
 * The environment is opened with MDB_NOTLS, so a read transaction is not
 * tied to the thread that began it, and it is opened once per process,
 * after any fork (LMDB forbids using an environment across fork).  Several
 * processes may open the same directory at once: LMDB's lock.mdb
 * serialises writers and tracks readers; mdb_reader_check() at open clears
 * reader slots left behind by dead processes.
 *
 * A full disk: LMDB (without MDB_WRITEMAP) writes a commit's pages with
 * pwrite(), so a full file system fails the commit with ENOSPC, or EIO
 * for a short write, and the transaction is simply not there; both read
 * as "no space left on device" and CHARON_EUNAVAIL (503), and the next
 * write after space is freed succeeds.  lock.mdb is different: LMDB
 * creates it sparse and writes its reader slots through a shared
 * mapping, so touching a page the file system cannot back raises
 * SIGBUS.  Opening therefore reserves the whole file on disk first.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <unistd.h>

#include "store_local.h"

/* Below this many bytes free for unprivileged users, a short write (EIO
 * from LMDB) is taken for a full file system rather than a bad disk. */
#define STORE_LOCAL_LOW_SPACE ((unsigned long long)1 << 20)

/* True if the file system holding the store has less than
 * STORE_LOCAL_LOW_SPACE bytes free. */
static int
store_local_disk_low(const struct store_local *s)
{
    struct statvfs vfs;

    if (s->path == NULL || statvfs(s->path, &vfs) != 0)
        return 0;
    return (unsigned long long)vfs.f_bavail * vfs.f_frsize <
           STORE_LOCAL_LOW_SPACE;
}

/* The error of a write that found no room on the file system. */
static int
store_local_full_err(const struct store_local *s, const char *op,
                     const char *why, struct charon_err *err)
{
    return charon_err_set(err, CHARON_EUNAVAIL, "%s: %s in %s; free some "
                          "space there (stored sessions still read; writes "
                          "resume by themselves)", op, why, s->path);
}

int
store_local_mdb_err(const struct store_local *s, int mdb_rc, const char *op,
                    struct charon_err *err)
{
    switch (mdb_rc) {
    case ENOSPC:
        return store_local_full_err(s, op, "no space left on device", err);
    case EDQUOT:
        return store_local_full_err(s, op, "disk quota exceeded", err);
    case EIO:
        /* LMDB turns a short write into EIO ("filesystem full?"). */
        if (store_local_disk_low(s))
            return store_local_full_err(s, op, "short write, no space left "
                                        "on device", err);
        errno = EIO;
        return charon_err_set(err, CHARON_EIO, "%s: %m in %s", op, s->path);
    case MDB_MAP_FULL:
        return charon_err_set(err, CHARON_EUNAVAIL,
                              "the session file is full (map_size_mb = %lu); "
                              "raise map_size_mb", s->map_size_mb);
    case MDB_MAP_RESIZED:
        return charon_err_set(err, CHARON_EUNAVAIL,
                              "%s: another process enlarged the session file; "
                              "give every process the same map_size_mb and "
                              "restart", op);
    case MDB_READERS_FULL:
        return charon_err_set(err, CHARON_EUNAVAIL,
                              "%s: %s", op, mdb_strerror(mdb_rc));
    case ENOMEM:
        return charon_err_set(err, CHARON_ENOMEM, "%s: out of memory", op);
    default:
        break;
    }
    if (mdb_rc >= MDB_KEYEXIST && mdb_rc <= MDB_LAST_ERRCODE)
        return charon_err_set(err, CHARON_EIO, "%s: %s", op,
                              mdb_strerror(mdb_rc));
    /* A system errno: %m formats it thread-safely (mdb_strerror would
     * call strerror). */
    errno = mdb_rc;
    return charon_err_set(err, CHARON_EIO, "%s: %m in %s", op, s->path);
}

/*
 * Reserves disk blocks for every byte of dir/lock.mdb, creating it if it
 * is missing, and for its first page if it is empty: LMDB maps the file
 * shared and writes its header and reader slots through the mapping,
 * which raises SIGBUS where a sparse page meets a full file system.
 * It only allocates: it never rewrites the file and grows only an empty
 * one (to a page, which LMDB then sizes), so it is safe while other
 * processes use the store.  Called before opening (for a new file,
 * LMDB's header; for an old one, its holes) and after (for the size
 * LMDB gave a new file).
 *
 * The descriptor stays open in s->lock_fd until store_local_env_close(),
 * after mdb_env_close(): closing any descriptor of lock.mdb drops every
 * fcntl() lock this process holds on it, LMDB's included, and another
 * process would then take the store for unused and reset its lock table.
 */
static int
store_local_lock_reserve(struct store_local *s, const char *dir,
                         struct charon_err *err)
{
    char path[4096];
    struct stat st;
    int rc;

    if ((size_t)snprintf(path, sizeof(path), "%s/lock.mdb", dir) >=
        sizeof(path))
        return charon_err_set(err, CHARON_ECONFIG, "path %s is too long",
                              dir);
    if (s->lock_fd < 0) {
        s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
                          0600);
        if (s->lock_fd < 0)
            return charon_err_set(err, CHARON_EUNAVAIL, "open %s: %m", path);
    }
    if (fstat(s->lock_fd, &st) < 0)
        return charon_err_set(err, CHARON_EUNAVAIL, "stat %s: %m", path);
    rc = posix_fallocate(s->lock_fd, 0, st.st_size > 0
                         ? st.st_size : sysconf(_SC_PAGESIZE));
    if (rc == ENOSPC || rc == EDQUOT)
        return charon_err_set(err, CHARON_EUNAVAIL, "reserve the reader "
                              "table %s: %s; free some space there", path,
                              rc == ENOSPC ? "no space left on device"
                                           : "disk quota exceeded");
    if (rc != 0) {
        errno = rc;
        return charon_err_set(err, CHARON_EUNAVAIL, "reserve the reader "
                              "table %s: %m", path);
    }
    return CHARON_OK;
}

/* Opens (creating) the three named databases in one write transaction. */
static int
store_local_open_dbis(struct store_local *s, struct charon_err *err)
{
    MDB_txn *txn = NULL;
    const char *op = "mdb_txn_begin";
    int rc;

    rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc != 0)
        goto out;
    op = "open database sessions";
    rc = mdb_dbi_open(txn, "sessions", MDB_CREATE, &s->sessions);
    if (rc != 0)
        goto out;
    op = "open database expiry";
    rc = mdb_dbi_open(txn, "expiry", MDB_CREATE, &s->expiry);
    if (rc != 0)
        goto out;
    op = "open database meta";
    rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &s->meta);
    if (rc != 0)
        goto out;
    op = "mdb_txn_commit";
    rc = mdb_txn_commit(txn);
    txn = NULL;
out:
    if (txn != NULL)
        mdb_txn_abort(txn);
    return rc == 0 ? CHARON_OK : store_local_mdb_err(s, rc, op, err);
}

int
store_local_env_open(struct store_local *s, const struct store_local_config *c,
                     struct charon_err *err)
{
    const char *op;
    unsigned int flags;
    int rc, dead = 0;

    if (c->path[0] == '\0')
        return charon_err_set(err, CHARON_ECONFIG,
                              "path is empty; set [store_local] path to a "
                              "directory");
    rc = store_local_dir_check(c->path, err);
    if (rc != CHARON_OK)
        return rc;
    op = "mdb_env_create";
    rc = mdb_env_create(&s->env);
    if (rc != 0) {
        s->env = NULL;
        goto out;
    }
    op = "mdb_env_set_maxdbs";
    rc = mdb_env_set_maxdbs(s->env, 3);
    if (rc != 0)
        goto out;
    /* With MDB_NOTLS a reader slot is held per read in flight, and all
     * processes on the directory share the table (LMDB's default: 126).
     * The first process to create lock.mdb fixes its size. */
    op = "mdb_env_set_maxreaders";
    rc = mdb_env_set_maxreaders(s->env, STORE_LOCAL_MAX_READERS);
    if (rc != 0)
        goto out;
    op = "mdb_env_set_mapsize";
    rc = mdb_env_set_mapsize(s->env, (size_t)c->map_size_mb << 20);
    if (rc != 0)
        goto out;
    rc = store_local_lock_reserve(s, c->path, err);
    if (rc != CHARON_OK)
        return rc;
    flags = MDB_NOTLS;
    if (c->sync == STORE_LOCAL_SYNC_DATA)
        flags |= MDB_NOMETASYNC;
    else if (c->sync == STORE_LOCAL_SYNC_NONE)
        flags |= MDB_NOSYNC;
    rc = mdb_env_open(s->env, c->path, flags, 0600);
    if (rc != 0) {
        /* Name the directory: that is what the operator must look at. */
        if (rc > 0) {
            errno = rc;
            rc = charon_err_set(err, CHARON_EUNAVAIL, "open LMDB "
                                "environment in %s: %m", c->path);
        } else {
            rc = charon_err_set(err, CHARON_EUNAVAIL, "open LMDB "
                                "environment in %s: %s", c->path,
                                mdb_strerror(rc));
        }
        return rc;
    }
    rc = store_local_lock_reserve(s, c->path, err);
    if (rc != CHARON_OK)
        return rc;
    op = "mdb_reader_check";
    rc = mdb_reader_check(s->env, &dead);
    if (rc != 0)
        goto out;
    if (dead > 0)
        s->host->log(s->host, CHARON_LOG_INFO, "cleared %d stale reader "
                     "slot(s) of dead processes in %s", dead, c->path);
    s->max_key = (size_t)mdb_env_get_maxkeysize(s->env);
    return store_local_open_dbis(s, err);
out:
    return rc == 0 ? CHARON_OK : store_local_mdb_err(s, rc, op, err);
}

void
store_local_env_close(struct store_local *s)
{
    if (s->env != NULL) {
        mdb_env_close(s->env);
        s->env = NULL;
    }
    /* Only now: see store_local_lock_reserve(). */
    if (s->lock_fd >= 0) {
        close(s->lock_fd);
        s->lock_fd = -1;
    }
}
