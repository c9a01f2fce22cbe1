/*
 * redis_conn.c - one Redis connection per worker thread (hiredis 0.14's
 * blocking API: hiredis contexts are not thread-safe).
 *
 * Connecting is lazy: the first operation of a thread connects with
 * connect_timeout_ms, and sends AUTH [username] password, SELECT database
 * (when not 0) and FUNCTION LOAD of the library as one pipeline (one
 * round trip).  "Library already exists" is success: another thread or
 * process loaded this same code.  Where FUNCTION is unknown (Redis < 7)
 * or forbidden (ACL), the same code is loaded with SCRIPT LOAD and run
 * with EVALSHA (script mode).
 *
 * Round trips (redis_exchange.c): one deadline, command_timeout_ms, for
 * the whole round trip however the bytes trickle in, a bounded parser,
 * no byte after the last reply; and each reply must be one its command
 * may give (redis_reply.c).
 *
 * Failures: an I/O error, a timeout, a reply that is no RESP2, breaks the
 * reader's limits, has bytes after it or is not one the operation can
 * give, all drop the connection (its stream is out of step, or its
 * server is not one we understand) and are CHARON_EUNAVAIL, logged as
 * "Redis at <where> unavailable: <what was wrong>".  Failed connects and
 * failed operations start a backoff (50 ms, doubling up to 1 s, reset by
 * the next good reply): until it ends, operations answer CHARON_EUNAVAIL
 * without touching the network, so a dead, hung or garbling Redis costs
 * at most one timeout per window and thread.  Error replies keep the
 * connection (the stream is in step), except those saying this server
 * cannot take it now (READONLY, LOADING, MASTERDOWN, BUSY).  Before
 * reusing an idle connection, a zero-timeout poll() finds one the server
 * closed (a restart, CLIENT KILL, its idle timeout) or that holds bytes
 * nobody asked for: it is replaced before a command is sent.
 *
 * Passwords go to Redis in AUTH only; no message here ever holds one,
 * and text from Redis reaches messages only as printable ASCII.
 */
#include "redis_conn.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "redis_exchange.h"
#include "redis_reply.h"
#include "redis_sigpipe.h"

static struct timeval
redis_conn_tv(unsigned long ms)
{
    struct timeval tv;

    tv.tv_sec = (time_t)(ms / 1000);
    tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
    return tv;
}

/* ---- connection state ------------------------------------------------ */

int
redis_conn_new(const struct store_redis *s, struct redis_conn **out,
               struct charon_err *err)
{
    struct redis_conn *rc = calloc(1, sizeof(*rc));

    if (rc == NULL)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    rc->s = s;
    rc->guard_sigpipe = redis_sigpipe_needed();
    *out = rc;
    return CHARON_OK;
}

static void
redis_conn_drop(struct redis_conn *rc)
{
    if (rc->c != NULL)
        redisFree(rc->c);
    rc->c = NULL;
    redis_reader_fini(&rc->rd);
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

/* A failure (connect, I/O, garbage): drops the connection, starts or
 * doubles the backoff, logs the first one of a run, and returns
 * EUNAVAIL with why in err. */
static int
redis_conn_fail(struct redis_conn *rc, struct charon_err *err)
{
    const struct store_redis *s = rc->s;
    int first = rc->backoff_ms == 0;

    redis_conn_drop(rc);
    rc->backoff_ms = first ? REDIS_CONN_BACKOFF_MIN
                           : rc->backoff_ms * 2 > REDIS_CONN_BACKOFF_MAX
                           ? REDIS_CONN_BACKOFF_MAX : rc->backoff_ms * 2;
    rc->next_try_ms = redis_exchange_now_ms() + rc->backoff_ms;
    s->host->log(s->host, first ? CHARON_LOG_WARN : CHARON_LOG_DEBUG,
                 "Redis at %s unavailable: %s (next connect attempt in "
                 "%u ms)", s->where, rc->why, rc->backoff_ms);
    return charon_err_set(err, CHARON_EUNAVAIL, "Redis at %s unavailable: "
                          "%s", s->where, rc->why);
}

/* A good reply came: Redis is fine, the backoff ends. */
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

/* What r is, for a message: an error reply's text (printable, 100 bytes
 * at most), or a description of anything else. */
static void
redis_conn_text(const redisReply *r, char *buf, size_t cap)
{
    size_t i, n;

    if (r->type != REDIS_REPLY_ERROR) {
        redis_reply_describe(r, buf, cap);
        return;
    }
    n = r->len < 100 ? r->len : 100;
    if (n > cap - 1)
        n = cap - 1;
    for (i = 0; i < n; i++)
        buf[i] = r->str[i] >= 0x20 && r->str[i] < 0x7f ? r->str[i] : '?';
    buf[n] = '\0';
}

/* why = "<what>: <what r is>". */
static void
redis_conn_why_reply(struct redis_conn *rc, const char *what,
                     const redisReply *r)
{
    char text[120];

    redis_conn_text(r, text, sizeof(text));
    snprintf(rc->why, sizeof(rc->why), "%.80s: %.110s", what, text);
}

/* ---- connecting ------------------------------------------------------- */

/* SCRIPT LOAD of the script-mode text; 0 or -1 (why set). */
static int
redis_conn_script_load(struct redis_conn *rc)
{
    const char *argv[3] = { "SCRIPT", "LOAD", rc->s->lua.script };
    size_t lens[3] = { 6, 4, rc->s->lua.script_len };
    redisReply *r = redis_exchange_command(rc, "SCRIPT LOAD", 3, argv,
                                           lens);
    int ok = r != NULL && redis_reply_script(r, rc->s->lua.sha);

    if (r != NULL && !ok)
        redis_conn_why_reply(rc, "SCRIPT LOAD (FUNCTION LOAD is refused "
                             "too) did not answer the script's SHA-1", r);
    if (r != NULL)
        freeReplyObject(r);
    return ok ? 0 : -1;
}

/* AUTH, SELECT and FUNCTION LOAD in one pipeline; 0 or -1 (why set). */
static int
redis_conn_handshake(struct redis_conn *rc)
{
    const struct store_redis *s = rc->s;
    redisReply *r[3] = { NULL, NULL, NULL };
    const char *argv[4];
    size_t lens[4];
    char db[24], what[96];
    int n = 0, i, loaded, rv = -1;

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
    if (redis_exchange(rc, "handshake", r, n) != 0)
        return -1;
    i = 0;
    if (s->password != NULL && !redis_reply_ok(r[i])) {
        if (s->cfg->username[0] != '\0')
            snprintf(what, sizeof(what), "AUTH as user \"%.40s\" with "
                     "password_file refused", s->cfg->username);
        else
            snprintf(what, sizeof(what), "AUTH with password_file refused");
        redis_conn_why_reply(rc, what, r[i]);
        goto out;
    }
    i += s->password != NULL;
    if (s->cfg->database != 0 && !redis_reply_ok(r[i])) {
        redis_conn_why_reply(rc, "SELECT database refused", r[i]);
        goto out;
    }
    i += s->cfg->database != 0;
    loaded = redis_reply_loaded(r[i], s->lua.name);
    if (loaded < 0) {
        redis_conn_why_reply(rc, "FUNCTION LOAD", r[i]);
        goto out;
    }
    rc->scripts = loaded == 0;
    if (loaded == 0) {
        s->host->log(s->host, CHARON_LOG_INFO, "Redis at %s refuses "
                     "FUNCTION; using EVALSHA", s->where);
        rv = redis_conn_script_load(rc);
    } else {
        rv = 0;
    }
out:
    for (i = 0; i < n; i++)
        if (r[i] != NULL)
            freeReplyObject(r[i]);
    return rv;
append_failed:
    snprintf(rc->why, sizeof(rc->why), "handshake: out of memory");
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
         * server closed it, or sent what nobody asked for. */
        if (poll(&p, 1, 0) == 0)
            return CHARON_OK;
        s->host->log(s->host, CHARON_LOG_DEBUG, "Redis at %s closed the "
                     "connection (or sent unasked bytes); reconnecting",
                     s->where);
        redis_conn_drop(rc);
    }
    now = redis_exchange_now_ms();
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
        snprintf(rc->why, sizeof(rc->why), "connect: %s",
                 rc->c->errstr[0] != '\0' ? rc->c->errstr : "I/O error");
        return redis_conn_fail(rc, err);
    }
    if (redis_reader_init(&rc->rd, REDIS_READER_MAX_BYTES, err)
        != CHARON_OK) {
        snprintf(rc->why, sizeof(rc->why), "connect: out of memory");
        return redis_conn_fail(rc, err);
    }
    /* The send timeout; replies are read against their own deadline. */
    if (redisSetTimeout(rc->c, redis_conn_tv(c->command_timeout_ms))
        != REDIS_OK) {
        snprintf(rc->why, sizeof(rc->why), "set timeout: %s",
                 rc->c->errstr);
        return redis_conn_fail(rc, err);
    }
    if (redis_conn_handshake(rc) != 0)
        return redis_conn_fail(rc, err);
    return CHARON_OK;
}

/* FUNCTION LOAD again on a live connection: 0, or -1 with why set and
 * *broken when the round trip failed (the caller drops the connection)
 * rather than Redis refusing. */
static int
redis_conn_reload(struct redis_conn *rc, int *broken)
{
    const struct store_redis *s = rc->s;
    const char *argv[3] = { "FUNCTION", "LOAD", s->lua.library };
    size_t lens[3] = { 8, 4, s->lua.library_len };
    redisReply *r = redis_exchange_command(rc, "FUNCTION LOAD", 3, argv,
                                           lens);
    int loaded = r != NULL ? redis_reply_loaded(r, s->lua.name) : -1;

    *broken = r == NULL;
    if (r != NULL && loaded <= 0)
        redis_conn_why_reply(rc, "FUNCTION LOAD", r);
    if (r != NULL)
        freeReplyObject(r);
    if (loaded > 0)
        s->host->log(s->host, CHARON_LOG_INFO, "Redis at %s had lost "
                     "library %s (restart without persistence, FUNCTION "
                     "FLUSH); loaded it again", s->where, s->lua.name);
    return loaded > 0 ? 0 : -1;
}

/* After a reply's interpretation: a reply this code never gets (EIO: not
 * our library, or not Redis) leaves the connection unusable and says why;
 * any other outcome shows the connection sound. */
static int
redis_conn_judge(struct redis_conn *rc, int rv, struct charon_err *err)
{
    if (rv == CHARON_EIO) {
        snprintf(rc->why, sizeof(rc->why), "%.199s", err->msg);
        return redis_conn_fail(rc, err);
    }
    redis_conn_ok(rc);
    return rv;
}

/* An error reply to an operation: CHARON_EUNAVAIL.  Replies saying this
 * server cannot take it now (a replica after a failover, loading, busy)
 * also drop the connection, so the next one may reach another server. */
static int
redis_conn_error_reply(struct redis_conn *rc, const redisReply *r,
                       struct charon_err *err)
{
    const struct store_redis *s = rc->s;
    char text[120];

    redis_conn_text(r, text, sizeof(text));
    if (redis_reply_error_is(r, "READONLY")
        || redis_reply_error_is(r, "LOADING")
        || redis_reply_error_is(r, "MASTERDOWN")
        || redis_reply_error_is(r, "BUSY")) {
        snprintf(rc->why, sizeof(rc->why), "reply: %s", text);
        redis_conn_fail(rc, NULL);
    }
    return charon_err_set(err, CHARON_EUNAVAIL, "Redis at %s: %s",
                          s->where, text);
}

/* ---- operations ------------------------------------------------------- */

int
redis_conn_op(struct redis_conn *rc, enum redis_op op,
              const struct redis_keys *k, int nargs,
              const char *const *args, const size_t *lens,
              redis_conn_take_fn take, void *ctx, struct charon_err *err)
{
    const struct store_redis *s = rc->s;
    const char *argv[16];
    const char *what = redis_lua_op_name(op);
    size_t alen[16];
    struct redis_sigpipe guard;
    redisReply *r = NULL;
    int argc = 0, i, rv, retried = 0, broken;

    if (nargs < 0 || nargs > 8)
        return charon_err_set(err, CHARON_EINVAL, "too many arguments");
    redis_sigpipe_block(rc->guard_sigpipe, &guard);
    rv = redis_conn_ready(rc, err);
    if (rv != CHARON_OK)
        goto out;
    if (rc->scripts) {
        argv[0] = "EVALSHA";
        argv[1] = s->lua.sha;
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
        argv[argc] = what;
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
        r = redis_exchange_command(rc, what, argc, argv, alen);
        if (r == NULL) {
            rv = redis_conn_fail(rc, err);
            goto out;
        }
        if (r->type != REDIS_REPLY_ERROR)
            break;
        if (retried || !(rc->scripts ? redis_reply_error_is(r, "NOSCRIPT")
                         : redis_reply_error_is(r, "ERR Function not found"))) {
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
        } else if (redis_conn_reload(rc, &broken) != 0) {
            rv = broken ? redis_conn_fail(rc, err)
                 : charon_err_set(err, CHARON_EUNAVAIL, "Redis at %s: %s",
                                  s->where, rc->why);
            goto out;
        }
    }
    rv = redis_conn_judge(rc, take(ctx, r, err), err);
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

    redis_sigpipe_block(rc->guard_sigpipe, &guard);
    rv = redis_conn_ready(rc, err);
    if (rv != CHARON_OK)
        goto out;
    r = redis_exchange_command(rc, "PING", 1, argv, lens);
    if (r == NULL) {
        rv = redis_conn_fail(rc, err);
        goto out;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        rv = redis_conn_error_reply(rc, r, err);
        goto out;
    }
    rv = redis_conn_judge(rc, redis_reply_pong(r, err), err);
out:
    if (r != NULL)
        freeReplyObject(r);
    redis_sigpipe_restore(&guard);
    return rv;
}
