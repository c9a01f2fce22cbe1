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

/* Queues one command of the handshake's pipeline; 0, or -1 out of memory. */
static int
redis_conn_queue(struct redis_conn *rc, int argc, const char **argv,
                 const size_t *lens)
{
    return redisAppendCommandArgv(rc->c, argc, argv, lens) == REDIS_OK ? 0
                                                                       : -1;
}

/* Queues AUTH [username] password; 0, or -1 out of memory. */
static int
redis_conn_queue_auth(struct redis_conn *rc)
{
    const struct store_redis *s = rc->s;
    const char *argv[3];
    size_t lens[3];
    int argc = 0;

    argv[argc] = "AUTH";
    lens[argc++] = 4;
    if (s->cfg->username[0] != '\0') {
        argv[argc] = s->cfg->username;
        lens[argc++] = strlen(s->cfg->username);
    }
    argv[argc] = s->password;
    lens[argc++] = s->password_len;
    return redis_conn_queue(rc, argc, argv, lens);
}

/* Queues SELECT database; 0, or -1 out of memory. */
static int
redis_conn_queue_select(struct redis_conn *rc)
{
    char db[24];
    const char *argv[2] = { "SELECT", db };
    size_t lens[2];

    snprintf(db, sizeof(db), "%lu", rc->s->cfg->database);
    lens[0] = 6;
    lens[1] = strlen(db);
    return redis_conn_queue(rc, 2, argv, lens);
}

/* Queues FUNCTION LOAD of the library; 0, or -1 out of memory. */
static int
redis_conn_queue_load(struct redis_conn *rc)
{
    const struct store_redis *s = rc->s;
    const char *argv[3] = { "FUNCTION", "LOAD", s->lua.library };
    size_t lens[3] = { 8, 4, s->lua.library_len };

    return redis_conn_queue(rc, 3, argv, lens);
}

/* Queues the handshake: AUTH (with a password), SELECT (database not 0),
 * FUNCTION LOAD; their number in *n.  0, or -1 (why set). */
static int
redis_conn_queue_handshake(struct redis_conn *rc, int *n)
{
    const struct store_redis *s = rc->s;

    *n = 0;
    if (s->password != NULL && redis_conn_queue_auth(rc) != 0)
        goto out_of_memory;
    *n += s->password != NULL;
    if (s->cfg->database != 0 && redis_conn_queue_select(rc) != 0)
        goto out_of_memory;
    *n += s->cfg->database != 0;
    if (redis_conn_queue_load(rc) != 0)
        goto out_of_memory;
    *n += 1;
    return 0;

out_of_memory:
    snprintf(rc->why, sizeof(rc->why), "handshake: out of memory");
    return -1;
}

/* The reply to AUTH: 0 if OK, else -1 (why says who was refused). */
static int
redis_conn_check_auth(struct redis_conn *rc, const redisReply *r)
{
    const struct store_redis *s = rc->s;
    char what[96];

    if (redis_reply_ok(r))
        return 0;
    if (s->cfg->username[0] != '\0')
        snprintf(what, sizeof(what), "AUTH as user \"%.40s\" with "
                 "password_file refused", s->cfg->username);
    else
        snprintf(what, sizeof(what), "AUTH with password_file refused");
    redis_conn_why_reply(rc, what, r);
    return -1;
}

/* The reply to FUNCTION LOAD: loaded (or already there), or refused, when
 * the connection falls back to script mode (SCRIPT LOAD now, EVALSHA
 * after).  0, or -1 (why set). */
static int
redis_conn_check_load(struct redis_conn *rc, const redisReply *r)
{
    const struct store_redis *s = rc->s;
    int loaded = redis_reply_loaded(r, s->lua.name);

    if (loaded < 0) {
        redis_conn_why_reply(rc, "FUNCTION LOAD", r);
        return -1;
    }
    rc->scripts = loaded == 0;
    if (loaded > 0)
        return 0;
    s->host->log(s->host, CHARON_LOG_INFO, "Redis at %s refuses FUNCTION; "
                 "using EVALSHA", s->where);
    return redis_conn_script_load(rc);
}

/* The handshake's replies r[], in the order queued.  0, or -1 (why set). */
static int
redis_conn_check_handshake(struct redis_conn *rc, redisReply *const *r)
{
    const struct store_redis *s = rc->s;
    int i = 0;

    if (s->password != NULL && redis_conn_check_auth(rc, r[i++]) != 0)
        return -1;
    if (s->cfg->database != 0 && !redis_reply_ok(r[i])) {
        redis_conn_why_reply(rc, "SELECT database refused", r[i]);
        return -1;
    }
    i += s->cfg->database != 0;
    return redis_conn_check_load(rc, r[i]);
}

/* AUTH, SELECT and FUNCTION LOAD in one pipeline; 0 or -1 (why set). */
static int
redis_conn_handshake(struct redis_conn *rc)
{
    redisReply *r[3] = { NULL, NULL, NULL };
    int n, i, rv;

    if (redis_conn_queue_handshake(rc, &n) != 0)
        return -1;
    if (redis_exchange(rc, "handshake", r, n) != 0)
        return -1;
    rv = redis_conn_check_handshake(rc, r);
    for (i = 0; i < n; i++)
        if (r[i] != NULL)
            freeReplyObject(r[i]);
    return rv;
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

/* Fills argv/alen with the call of op: FCALL[_RO] fn 3 keys args, or in
 * script mode EVALSHA sha 3 keys opname args.  Returns argc (at most 15). */
static int
redis_conn_op_command(const struct redis_conn *rc, enum redis_op op,
                      const struct redis_keys *k, int nargs,
                      const char *const *args, const size_t *lens,
                      const char **argv, size_t *alen)
{
    const struct store_redis *s = rc->s;
    int argc = 0, i;

    if (rc->scripts) {
        argv[argc++] = "EVALSHA";
        argv[argc++] = s->lua.sha;
    } else {
        argv[argc++] = redis_lua_op_readonly(op) ? "FCALL_RO" : "FCALL";
        argv[argc++] = s->lua.fn[op];
    }
    argv[argc++] = "3";
    for (i = 0; i < argc; i++)
        alen[i] = strlen(argv[i]);
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
    return argc;
}

/* Does error reply r say Redis lost our code (a restart without
 * persistence, FUNCTION FLUSH, SCRIPT FLUSH)? */
static int
redis_conn_code_lost(const struct redis_conn *rc, const redisReply *r)
{
    return rc->scripts ? redis_reply_error_is(r, "NOSCRIPT")
                       : redis_reply_error_is(r, "ERR Function not found");
}

/* Gives Redis our code back before the call is sent again: in script
 * mode the call becomes EVAL of the script (which also caches it for
 * the next EVALSHA); else FUNCTION LOAD.  CHARON_OK, or the failure. */
static int
redis_conn_restore_code(struct redis_conn *rc, const char **argv,
                        size_t *alen, struct charon_err *err)
{
    const struct store_redis *s = rc->s;
    int broken;

    if (rc->scripts) {
        argv[0] = "EVAL";
        argv[1] = s->lua.script;
        alen[0] = 4;
        alen[1] = s->lua.script_len;
        s->host->log(s->host, CHARON_LOG_INFO, "Redis at %s had lost the "
                     "script; sending it with EVAL", s->where);
        return CHARON_OK;
    }
    if (redis_conn_reload(rc, &broken) == 0)
        return CHARON_OK;
    if (broken)
        return redis_conn_fail(rc, err);
    return charon_err_set(err, CHARON_EUNAVAIL, "Redis at %s: %s", s->where,
                          rc->why);
}

/* Sends the call and returns its reply, not an error reply: a call that
 * found our code lost is sent once more after restoring it.  NULL, with
 * the failure in *rv, if none came. */
static redisReply *
redis_conn_op_reply(struct redis_conn *rc, const char *what, int argc,
                    const char **argv, size_t *alen, int *rv,
                    struct charon_err *err)
{
    redisReply *r;
    int retried;

    for (retried = 0;; retried = 1) {
        r = redis_exchange_command(rc, what, argc, argv, alen);
        if (r == NULL) {
            *rv = redis_conn_fail(rc, err);
            return NULL;
        }
        if (r->type != REDIS_REPLY_ERROR)
            return r;
        if (retried || !redis_conn_code_lost(rc, r)) {
            *rv = redis_conn_error_reply(rc, r, err);
            freeReplyObject(r);
            return NULL;
        }
        freeReplyObject(r);
        *rv = redis_conn_restore_code(rc, argv, alen, err);
        if (*rv != CHARON_OK)
            return NULL;
    }
}

int
redis_conn_op(struct redis_conn *rc, enum redis_op op,
              const struct redis_keys *k, int nargs,
              const char *const *args, const size_t *lens,
              redis_conn_take_fn take, void *ctx, struct charon_err *err)
{
    const char *argv[16];
    size_t alen[16];
    struct redis_sigpipe guard;
    redisReply *r;
    int argc, rv;

    if (nargs < 0 || nargs > 8)
        return charon_err_set(err, CHARON_EINVAL, "too many arguments");
    redis_sigpipe_block(rc->guard_sigpipe, &guard);
    rv = redis_conn_ready(rc, err);
    if (rv == CHARON_OK) {
        argc = redis_conn_op_command(rc, op, k, nargs, args, lens, argv,
                                     alen);
        r = redis_conn_op_reply(rc, redis_lua_op_name(op), argc, argv, alen,
                                &rv, err);
        if (r != NULL) {
            rv = redis_conn_judge(rc, take(ctx, r, err), err);
            freeReplyObject(r);
        }
    }
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
