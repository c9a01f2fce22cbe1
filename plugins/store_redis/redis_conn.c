/*
 * redis_conn.c - one Redis connection per worker thread (hiredis 0.14's
 * blocking API: hiredis contexts are not thread-safe).
 *
 * Connecting is lazy: the first operation of a thread connects with
 * connect_timeout_ms, sets command_timeout_ms on the socket, and sends
 * AUTH [username] password, SELECT database (when not 0) and FUNCTION LOAD
 * of the library as one pipeline (one round trip).  "Library already
 * exists" is success: another thread or process loaded this same code.
 * Where FUNCTION is unknown (Redis < 7) or forbidden (ACL), the same code
 * is loaded with SCRIPT LOAD and run with EVALSHA (script mode).
 *
 * Failures: an I/O error or timeout drops the connection and is
 * CHARON_EUNAVAIL.  Failed connects and failed operations start a backoff
 * (50 ms, doubling up to 1 s, reset by the next reply): until it ends,
 * operations answer CHARON_EUNAVAIL without touching the network, so a
 * dead or hung Redis costs at most one timeout per window and thread.
 * Before reusing an idle connection, a zero-timeout poll() finds one the
 * server closed (a restart, CLIENT KILL, its idle timeout): it is
 * replaced before a command is sent, so no command is lost on it.
 *
 * SIGPIPE: hiredis writes with write(2).  When the process does not
 * ignore SIGPIPE (the daemon does; a CGI process or another host may
 * not), each call blocks it in this thread and swallows one it raised,
 * as libpq does.
 *
 * Passwords go to Redis in AUTH only; no message here ever holds one.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "redis_conn.h"

static uint64_t
redis_conn_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static struct timeval
redis_conn_tv(unsigned long ms)
{
    struct timeval tv;

    tv.tv_sec = (time_t)(ms / 1000);
    tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
    return tv;
}

/* ---- SIGPIPE guard (libpq's pq_block_sigpipe / pq_reset_sigpipe) ---- */

struct redis_sigpipe {
    int on;
    int pending_before;
    sigset_t old;
};

static void
redis_sigpipe_block(const struct redis_conn *rc, struct redis_sigpipe *g)
{
    sigset_t set, pending;

    g->on = 0;
    if (!rc->guard_sigpipe)
        return;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    if (pthread_sigmask(SIG_BLOCK, &set, &g->old) != 0)
        return;
    g->on = 1;
    g->pending_before = sigpending(&pending) == 0
                        && sigismember(&pending, SIGPIPE) == 1;
}

static void
redis_sigpipe_restore(struct redis_sigpipe *g)
{
    static const struct timespec zero = { 0, 0 };
    sigset_t set, pending;
    int saved = errno;

    if (!g->on)
        return;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    if (!g->pending_before && sigpending(&pending) == 0
        && sigismember(&pending, SIGPIPE) == 1)
        while (sigtimedwait(&set, NULL, &zero) < 0 && errno == EINTR)
            ;
    pthread_sigmask(SIG_SETMASK, &g->old, NULL);
    errno = saved;
}

/* ---- connection state ------------------------------------------------ */

int
redis_conn_new(const struct store_redis *s, struct redis_conn **out,
               struct charon_err *err)
{
    struct redis_conn *rc = calloc(1, sizeof(*rc));
    struct sigaction sa;

    if (rc == NULL)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    rc->s = s;
    rc->guard_sigpipe = !(sigaction(SIGPIPE, NULL, &sa) == 0
                          && !(sa.sa_flags & SA_SIGINFO)
                          && sa.sa_handler == SIG_IGN);
    *out = rc;
    return CHARON_OK;
}

static void
redis_conn_drop(struct redis_conn *rc)
{
    if (rc->c != NULL)
        redisFree(rc->c);
    rc->c = NULL;
}

void
redis_conn_free(struct redis_conn *rc)
{
    if (rc == NULL)
        return;
    redis_conn_drop(rc);
    charon_buf_free(&rc->keys);
    free(rc);
}

/* A failure (connect or I/O): drops the connection, starts or doubles
 * the backoff, logs the first one of a run, and returns EUNAVAIL with
 * why in err. */
static int
redis_conn_fail(struct redis_conn *rc, struct charon_err *err)
{
    const struct store_redis *s = rc->s;
    int first = rc->backoff_ms == 0;

    redis_conn_drop(rc);
    rc->backoff_ms = first ? REDIS_CONN_BACKOFF_MIN
                           : rc->backoff_ms * 2 > REDIS_CONN_BACKOFF_MAX
                           ? REDIS_CONN_BACKOFF_MAX : rc->backoff_ms * 2;
    rc->next_try_ms = redis_conn_now_ms() + rc->backoff_ms;
    s->host->log(s->host, first ? CHARON_LOG_WARN : CHARON_LOG_DEBUG,
                 "Redis at %s unavailable: %s (next connect attempt in "
                 "%u ms)", s->where, rc->why, rc->backoff_ms);
    return charon_err_set(err, CHARON_EUNAVAIL, "Redis at %s unavailable: "
                          "%s", s->where, rc->why);
}

/* A reply came: Redis is fine, the backoff ends. */
static void
redis_conn_ok(struct redis_conn *rc)
{
    const struct store_redis *s = rc->s;

    if (rc->backoff_ms != 0)
        s->host->log(s->host, CHARON_LOG_INFO, "Redis at %s is back",
                     s->where);
    rc->backoff_ms = 0;
    rc->next_try_ms = 0;
}

/* Copies an error reply's text (or the context's I/O error) into why. */
static void
redis_conn_why(struct redis_conn *rc, const char *what,
               const redisReply *r)
{
    int e = errno;

    if (r == NULL && rc->c != NULL && rc->c->err == REDIS_ERR_IO
        && (e == EAGAIN || e == EWOULDBLOCK))
        snprintf(rc->why, sizeof(rc->why), "%s: no reply within "
                 "command_timeout_ms (%lu ms)", what,
                 rc->s->cfg->command_timeout_ms);
    else if (r != NULL && r->type == REDIS_REPLY_ERROR)
        snprintf(rc->why, sizeof(rc->why), "%s: %.100s", what, r->str);
    else if (r != NULL)
        snprintf(rc->why, sizeof(rc->why), "%s: unexpected reply type %d",
                 what, r->type);
    else if (rc->c != NULL && rc->c->err != 0)
        snprintf(rc->why, sizeof(rc->why), "%s: %s", what,
                 rc->c->errstr[0] != '\0' ? rc->c->errstr : "I/O error");
    else
        snprintf(rc->why, sizeof(rc->why), "%s: out of memory", what);
}

static int
redis_reply_is_error(const redisReply *r, const char *prefix)
{
    return r != NULL && r->type == REDIS_REPLY_ERROR && r->str != NULL
           && strncmp(r->str, prefix, strlen(prefix)) == 0;
}

/* FUNCTION LOAD's answer: 1 loaded (or was already), 0 FUNCTION refused
 * (unknown command or no permission: use scripts), -1 failure.  A
 * read-only replica refuses the load but has its primary's functions:
 * reads may work there, so that counts as loaded (an FCALL then says
 * whether the library is there). */
static int
redis_conn_loaded(const struct redis_conn *rc, const redisReply *r)
{
    if (r->type == REDIS_REPLY_STRING
        && strcmp(r->str, rc->s->lua.name) == 0)
        return 1;
    if (redis_reply_is_error(r, "ERR Library '")
        && strstr(r->str, "already exists") != NULL)
        return 1;
    if (redis_reply_is_error(r, "READONLY"))
        return 1;
    if (redis_reply_is_error(r, "ERR unknown command")
        || redis_reply_is_error(r, "ERR unknown subcommand")
        || redis_reply_is_error(r, "NOPERM"))
        return 0;
    return -1;
}

/* SCRIPT LOAD of the script-mode text into rc->sha; 0 or -1 (why set). */
static int
redis_conn_script_load(struct redis_conn *rc)
{
    const char *argv[3] = { "SCRIPT", "LOAD", rc->s->lua.script };
    size_t lens[3] = { 6, 4, rc->s->lua.script_len };
    redisReply *r = redisCommandArgv(rc->c, 3, argv, lens);
    int ok = r != NULL && r->type == REDIS_REPLY_STRING && r->len == 40;

    if (ok)
        memcpy(rc->sha, r->str, 41);
    else
        redis_conn_why(rc, "SCRIPT LOAD (FUNCTION LOAD is refused too)", r);
    if (r != NULL)
        freeReplyObject(r);
    return ok ? 0 : -1;
}

/* AUTH, SELECT and FUNCTION LOAD in one pipeline; 0 or -1 (why set). */
static int
redis_conn_handshake(struct redis_conn *rc)
{
    const struct store_redis *s = rc->s;
    const char *argv[4];
    size_t lens[4];
    char db[24];
    redisReply *r = NULL;
    int n = 0, i, loaded = -1, rv = -1;

    if (s->password != NULL) {
        argv[0] = "AUTH";
        lens[0] = 4;
        i = 1;
        if (s->cfg->username[0] != '\0') {
            argv[i] = s->cfg->username;
            lens[i++] = strlen(s->cfg->username);
        }
        argv[i] = s->password;
        lens[i++] = s->password_len;
        if (redisAppendCommandArgv(rc->c, i, argv, lens) != REDIS_OK)
            goto append_failed;
        n++;
    }
    if (s->cfg->database != 0) {
        snprintf(db, sizeof(db), "%lu", s->cfg->database);
        argv[0] = "SELECT";
        lens[0] = 6;
        argv[1] = db;
        lens[1] = strlen(db);
        if (redisAppendCommandArgv(rc->c, 2, argv, lens) != REDIS_OK)
            goto append_failed;
        n++;
    }
    argv[0] = "FUNCTION";
    lens[0] = 8;
    argv[1] = "LOAD";
    lens[1] = 4;
    argv[2] = s->lua.library;
    lens[2] = s->lua.library_len;
    if (redisAppendCommandArgv(rc->c, 3, argv, lens) != REDIS_OK)
        goto append_failed;
    n++;
    for (i = 0; i < n; i++) {
        if (redisGetReply(rc->c, (void **)&r) != REDIS_OK || r == NULL) {
            r = NULL;
            redis_conn_why(rc, "handshake", NULL);
            goto out;
        }
        if (i == 0 && s->password != NULL) {
            if (r->type != REDIS_REPLY_STATUS) {
                char what[96];

                if (s->cfg->username[0] != '\0')
                    snprintf(what, sizeof(what), "AUTH as user \"%.40s\" "
                             "with password_file refused",
                             s->cfg->username);
                else
                    snprintf(what, sizeof(what), "AUTH with password_file "
                             "refused");
                redis_conn_why(rc, what, r);
                goto out;
            }
        } else if (i < n - 1) {
            if (r->type != REDIS_REPLY_STATUS) {
                redis_conn_why(rc, "SELECT database refused", r);
                goto out;
            }
        } else {
            loaded = redis_conn_loaded(rc, r);
            if (loaded < 0)
                redis_conn_why(rc, "FUNCTION LOAD", r);
        }
        freeReplyObject(r);
        r = NULL;
    }
    rc->scripts = loaded == 0;
    if (loaded == 0) {
        s->host->log(s->host, CHARON_LOG_INFO, "Redis at %s refuses "
                     "FUNCTION; using EVALSHA", s->where);
        rv = redis_conn_script_load(rc);
    } else {
        rv = loaded > 0 ? 0 : -1;
    }
out:
    if (r != NULL)
        freeReplyObject(r);
    return rv;
append_failed:
    redis_conn_why(rc, "handshake", NULL);
    return -1;
}

/* Makes rc->c a ready connection: CHARON_OK or CHARON_EUNAVAIL. */
static int
redis_conn_ready(struct redis_conn *rc, struct charon_err *err)
{
    const struct store_redis *s = rc->s;
    const struct store_redis_config *c = s->cfg;
    struct pollfd p;
    uint64_t now;

    if (rc->c != NULL) {
        p.fd = rc->c->fd;
        p.events = POLLIN;
        p.revents = 0;
        /* Nothing is due from an idle connection: readable means the
         * server closed it. */
        if (poll(&p, 1, 0) == 0)
            return CHARON_OK;
        s->host->log(s->host, CHARON_LOG_DEBUG, "Redis at %s closed the "
                     "connection; reconnecting", s->where);
        redis_conn_drop(rc);
    }
    now = redis_conn_now_ms();
    if (now < rc->next_try_ms)
        return charon_err_set(err, CHARON_EUNAVAIL, "Redis at %s "
                              "unavailable: %s (next connect attempt in "
                              "%llu ms)", s->where, rc->why,
                              (unsigned long long)(rc->next_try_ms - now));
    if (c->socket[0] != '\0')
        rc->c = redisConnectUnixWithTimeout(c->socket,
                                            redis_conn_tv(c->connect_timeout_ms));
    else
        rc->c = redisConnectWithTimeout(c->host, (int)c->port,
                                        redis_conn_tv(c->connect_timeout_ms));
    if (rc->c == NULL) {
        snprintf(rc->why, sizeof(rc->why), "connect: out of memory");
        return redis_conn_fail(rc, err);
    }
    if (rc->c->err != 0) {
        redis_conn_why(rc, "connect", NULL);
        return redis_conn_fail(rc, err);
    }
    if (redisSetTimeout(rc->c, redis_conn_tv(c->command_timeout_ms))
        != REDIS_OK) {
        redis_conn_why(rc, "set timeout", NULL);
        return redis_conn_fail(rc, err);
    }
    if (redis_conn_handshake(rc) != 0)
        return redis_conn_fail(rc, err);
    return CHARON_OK;
}

/* Sends argv and reads the reply; NULL on I/O error (why set). */
static redisReply *
redis_conn_command(struct redis_conn *rc, int argc, const char **argv,
                   const size_t *lens)
{
    redisReply *r = redisCommandArgv(rc->c, argc, argv, lens);

    if (r == NULL)
        redis_conn_why(rc, argv[0], NULL);
    return r;
}

/* FUNCTION LOAD again on a live connection; 0 or -1 (why set). */
static int
redis_conn_reload(struct redis_conn *rc)
{
    const struct store_redis *s = rc->s;
    const char *argv[3] = { "FUNCTION", "LOAD", s->lua.library };
    size_t lens[3] = { 8, 4, s->lua.library_len };
    redisReply *r = redis_conn_command(rc, 3, argv, lens);
    int loaded = r != NULL ? redis_conn_loaded(rc, r) : -1;

    if (r != NULL && loaded <= 0)
        redis_conn_why(rc, "FUNCTION LOAD", r);
    if (r != NULL)
        freeReplyObject(r);
    if (loaded > 0)
        s->host->log(s->host, CHARON_LOG_INFO, "Redis at %s had lost "
                     "library %s (restart without persistence, FUNCTION "
                     "FLUSH); loaded it again", s->where, s->lua.name);
    return loaded > 0 ? 0 : -1;
}

/* An error reply to an operation: CHARON_EUNAVAIL.  Replies saying this
 * server cannot take it now (a replica after a failover, loading, busy)
 * also drop the connection, so the next one may reach another server. */
static int
redis_conn_error_reply(struct redis_conn *rc, const redisReply *r,
                       struct charon_err *err)
{
    const struct store_redis *s = rc->s;
    int rv = charon_err_set(err, CHARON_EUNAVAIL, "Redis at %s: %.120s",
                            s->where, r->str);

    if (redis_reply_is_error(r, "READONLY")
        || redis_reply_is_error(r, "LOADING")
        || redis_reply_is_error(r, "MASTERDOWN")
        || redis_reply_is_error(r, "BUSY")) {
        redis_conn_why(rc, "reply", r);
        redis_conn_fail(rc, NULL);
    }
    return rv;
}

int
redis_conn_op(struct redis_conn *rc, enum redis_op op,
              const struct redis_keys *k, int nargs,
              const char *const *args, const size_t *lens,
              redisReply **reply, struct charon_err *err)
{
    const struct store_redis *s = rc->s;
    const char *argv[16];
    size_t alen[16];
    struct redis_sigpipe guard;
    redisReply *r = NULL;
    int argc = 0, i, rv, retried = 0;

    *reply = NULL;
    if (nargs < 0 || nargs > 8)
        return charon_err_set(err, CHARON_EINVAL, "too many arguments");
    redis_sigpipe_block(rc, &guard);
    rv = redis_conn_ready(rc, err);
    if (rv != CHARON_OK)
        goto out;
    if (rc->scripts) {
        argv[0] = "EVALSHA";
        argv[1] = rc->sha;
    } else {
        argv[0] = redis_lua_op_readonly(op) ? "FCALL_RO" : "FCALL";
        argv[1] = s->lua.fn[op];
    }
    argv[2] = "3";
    argc = 3;
    for (i = 0; i < 3; i++) {
        argv[argc] = k->key[i];
        alen[argc++] = k->len[i];
    }
    if (rc->scripts) {
        argv[argc] = redis_lua_op_name(op);
        alen[argc] = strlen(argv[argc]);
        argc++;
    }
    for (i = 0; i < nargs; i++) {
        argv[argc] = args[i] != NULL ? args[i] : "";
        alen[argc++] = lens[i];
    }
    for (i = 0; i < 3; i++)
        alen[i] = strlen(argv[i]);
    for (;;) {
        r = redis_conn_command(rc, argc, argv, alen);
        if (r == NULL) {
            rv = redis_conn_fail(rc, err);
            goto out;
        }
        if (r->type != REDIS_REPLY_ERROR)
            break;
        if (retried || !(rc->scripts ? redis_reply_is_error(r, "NOSCRIPT")
                         : redis_reply_is_error(r, "ERR Function not found"))) {
            rv = redis_conn_error_reply(rc, r, err);
            goto out;
        }
        /* Redis lost the code (restart without persistence, FLUSH). */
        freeReplyObject(r);
        r = NULL;
        retried = 1;
        if (rc->scripts) {
            /* EVAL runs the script and caches it for the next EVALSHA. */
            argv[0] = "EVAL";
            argv[1] = s->lua.script;
            alen[0] = 4;
            alen[1] = s->lua.script_len;
            s->host->log(s->host, CHARON_LOG_INFO, "Redis at %s had lost "
                         "the script; sending it with EVAL", s->where);
        } else if (redis_conn_reload(rc) != 0) {
            rv = rc->c != NULL && rc->c->err == 0
                 ? charon_err_set(err, CHARON_EUNAVAIL, "Redis at %s: %s",
                                  s->where, rc->why)
                 : redis_conn_fail(rc, err);
            goto out;
        }
    }
    redis_conn_ok(rc);
    *reply = r;
    r = NULL;
    rv = CHARON_OK;
out:
    if (r != NULL)
        freeReplyObject(r);
    redis_sigpipe_restore(&guard);
    return rv;
}

int
redis_conn_ping(struct redis_conn *rc, struct charon_err *err)
{
    const char *argv[1] = { "PING" };
    size_t lens[1] = { 4 };
    struct redis_sigpipe guard;
    redisReply *r = NULL;
    int rv;

    redis_sigpipe_block(rc, &guard);
    rv = redis_conn_ready(rc, err);
    if (rv != CHARON_OK)
        goto out;
    r = redis_conn_command(rc, 1, argv, lens);
    if (r == NULL) {
        rv = redis_conn_fail(rc, err);
        goto out;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        rv = redis_conn_error_reply(rc, r, err);
        goto out;
    }
    redis_conn_ok(rc);
    rv = CHARON_OK;
out:
    if (r != NULL)
        freeReplyObject(r);
    redis_sigpipe_restore(&guard);
    return rv;
}
