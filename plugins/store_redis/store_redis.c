/*
 * store_redis.c - the session store on Redis (>= 7.0) or Valkey, through
 * hiredis: the store to use when several hosts share sessions.
 *
 * Layout (redis_keys.c): per (user_id, type), three keys sharing one
 * Redis Cluster hash tag,
 *   <prefix>{u:<esc(user_id)>}<esc(type)>.se  hash        sid -> blob
 *   <prefix>{u:<esc(user_id)>}<esc(type)>.e   sorted set  sid by expiry
 *   <prefix>{u:<esc(user_id)>}<esc(type)>.l   hash        sid -> lock
 * which is Charon's v3 layout (Redis 7.0 has no hash-field expiry), with a
 * hash tag added.  Each key's TTL follows the latest expiry in the set;
 * a session is live while its expiry (the core's clock, host->now()) is
 * not before now.  Blobs are stored and returned byte for byte.
 *
 * Round trips: every operation is ONE command, so one round trip on a
 * connected thread: get = FCALL_RO <lib>_get, get_all = FCALL_RO
 * <lib>_get_all, upsert = FCALL <lib>_upsert (the optimistic lock check,
 * the write, the TTL and the pruning of expired sids, atomically),
 * delete_one = FCALL <lib>_delete, delete_all = FCALL <lib>_delete_all,
 * health = PING.  The functions live in a Redis function library whose
 * name carries a hash of its code (redis_lua.c); a thread loads it when
 * it connects, together with AUTH and SELECT (one more round trip per
 * connection), and again if Redis lost it.  Where FUNCTION is unknown or
 * forbidden, the same code runs as a script through EVALSHA.
 * Connections, timeouts and backoff: redis_conn.c; round trips:
 * redis_exchange.c, redis_reader.c; what a reply may be and means:
 * redis_reply.c (any other reply drops the connection: 503).
 *
 * Not supported: Redis Cluster redirections (MOVED/ASK; the keys are
 * cluster-safe, the client is not), Sentinel discovery (point host at the
 * master, or at a proxy that follows it), TLS (hiredis 0.14 on Debian 12
 * has none here), hash-field expiry (HEXPIRE, Redis >= 7.4: not used).
 *
 * Threading: the instance is read-only after create(); each worker
 * thread has its own connection (thread state).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "redis_conn.h"
#include "redis_reply.h"
#include "store_redis.h"
#include "trusted_file.h"

static const struct charon_option store_redis_options[] = {
    { .name = "host", .type = CHARON_OPT_STRING,
      .offset = offsetof(struct store_redis_config, host),
      .dflt = "127.0.0.1",
      .help = "Redis host name or address (TCP)" },
    { .name = "port", .type = CHARON_OPT_UINT,
      .offset = offsetof(struct store_redis_config, port),
      .dflt = "6379", .min = 1, .max = 65535,
      .help = "Redis TCP port" },
    { .name = "socket", .type = CHARON_OPT_STRING,
      .offset = offsetof(struct store_redis_config, socket),
      .dflt = "",
      .help = "Redis unix socket path; when set, host and port are unused" },
    { .name = "username", .type = CHARON_OPT_STRING,
      .offset = offsetof(struct store_redis_config, username),
      .dflt = "",
      .help = "ACL user for AUTH (needs password_file)" },
    { .name = "password_file", .type = CHARON_OPT_PATH,
      .flags = CHARON_OPT_PRIVATE,
      .offset = offsetof(struct store_redis_config, password_file),
      .help = "file (mode 0600) holding the AUTH password; one trailing "
              "newline is dropped" },
    { .name = "database", .type = CHARON_OPT_UINT,
      .offset = offsetof(struct store_redis_config, database),
      .dflt = "0", .min = 0, .max = 2147483647,
      .help = "logical database to SELECT (0 in a cluster)" },
    { .name = "key_prefix", .type = CHARON_OPT_STRING,
      .offset = offsetof(struct store_redis_config, key_prefix),
      .dflt = "charon_",
      .help = "prefix of every key; no '{' or '}'" },
    { .name = "connect_timeout_ms", .type = CHARON_OPT_UINT,
      .offset = offsetof(struct store_redis_config, connect_timeout_ms),
      .dflt = "500", .min = 1, .max = 60000,
      .help = "longest wait for a connection, in ms" },
    { .name = "command_timeout_ms", .type = CHARON_OPT_UINT,
      .offset = offsetof(struct store_redis_config, command_timeout_ms),
      .dflt = "500", .min = 1, .max = 600000,
      .help = "longest wait for a reply, in ms" },
    { .name = NULL }
};

/* Reads password_file, a private file (lib/trusted_file.h), into
 * s->password (one trailing newline dropped). */
static int
store_redis_read_password(struct store_redis *s, const char *path,
                          struct charon_err *err)
{
    struct charon_err why;
    struct trusted_file f;
    size_t len;
    int rc;

    rc = trusted_file_read(path, TRUSTED_FILE_PRIVATE,
                           STORE_REDIS_PASSWORD_MAX, &f, &why);
    if (rc != CHARON_OK)
        return charon_err_set(err, rc == CHARON_ENOMEM ? rc : CHARON_ECONFIG,
                              "password_file: %s", why.msg);
    len = f.len;
    if (len > 0 && f.data[len - 1] == '\n')
        len--;
    if (len == 0) {
        rc = charon_err_set(err, CHARON_ECONFIG, "password_file %s is "
                            "empty", path);
        goto out;
    }
    /* The whole maximum, so that destroy() knows what to wipe. */
    s->password = calloc(1, STORE_REDIS_PASSWORD_MAX + 1);
    if (s->password == NULL) {
        rc = charon_err_set(err, CHARON_ENOMEM, "out of memory");
        goto out;
    }
    memcpy(s->password, f.data, len);
    s->password_len = len;
out:
    trusted_file_free(&f);
    return rc;
}

static void
store_redis_destroy(void *instance)
{
    struct store_redis *s = instance;

    if (s == NULL)
        return;
    if (s->password != NULL) {
        /* The whole buffer: it may still hold the dropped newline. */
        explicit_bzero(s->password, STORE_REDIS_PASSWORD_MAX + 1);
        free(s->password);
    }
    redis_lua_free(&s->lua);
    free(s);
}

static int
store_redis_create(const struct charon_host *host, const void *config,
                   void **instance, struct charon_err *err)
{
    const struct store_redis_config *c = config;
    struct sockaddr_un sa_un;
    struct store_redis *s;
    int rc;

    if (strpbrk(c->key_prefix, "{}") != NULL)
        return charon_err_set(err, CHARON_ECONFIG, "key_prefix \"%s\" holds "
                              "'{' or '}', which would break the keys' "
                              "Redis Cluster hash tag", c->key_prefix);
    if (c->username[0] != '\0' && c->password_file == NULL)
        return charon_err_set(err, CHARON_ECONFIG, "username is set but "
                              "password_file is not; AUTH needs both");
    if (strlen(c->socket) >= sizeof(sa_un.sun_path))
        return charon_err_set(err, CHARON_ECONFIG, "socket path is longer "
                              "than %zu bytes", sizeof(sa_un.sun_path) - 1);
    if (c->socket[0] == '\0' && c->host[0] == '\0')
        return charon_err_set(err, CHARON_ECONFIG, "neither host nor socket "
                              "is set");
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    s->host = host;
    s->cfg = c;
    if (c->socket[0] != '\0')
        snprintf(s->where, sizeof(s->where), "unix:%s", c->socket);
    else
        snprintf(s->where, sizeof(s->where), "%s:%lu", c->host, c->port);
    rc = redis_lua_init(&s->lua, err);
    if (rc != CHARON_OK)
        goto fail;
    if (c->password_file != NULL) {
        rc = store_redis_read_password(s, c->password_file, err);
        if (rc != CHARON_OK)
            goto fail;
    }
    *instance = s;
    return CHARON_OK;
fail:
    store_redis_destroy(s);
    return rc;
}

static int
store_redis_thread_init(void *instance, void **thread_state,
                        struct charon_err *err)
{
    struct redis_conn *rc = NULL;
    int rv;

    rv = redis_conn_new(instance, &rc, err);
    if (rv == CHARON_OK)
        *thread_state = rc;
    return rv;
}

static void
store_redis_thread_fini(void *instance, void *thread_state)
{
    (void)instance;
    redis_conn_free(thread_state);
}

/* The thread state, or EINVAL if the core gave none. */
static int
store_redis_ts(void *ts, struct charon_err *err)
{
    if (ts == NULL)
        return charon_err_set(err, CHARON_EINVAL, "store_redis called "
                              "without thread state (thread_init)");
    return CHARON_OK;
}

/* One call of op on one session (get, delete): the arguments are the
 * session id and the core's now; take gets the reply. */
static int
store_redis_session_op(struct store_redis *s, void *ts,
                       const struct charon_store_key *key, enum redis_op op,
                       redis_conn_take_fn take, void *ctx,
                       struct charon_err *err)
{
    struct redis_conn *rc = ts;
    struct redis_keys k;
    const char *args[2];
    size_t lens[2];
    char now[24];
    int rv;

    rv = store_redis_ts(ts, err);
    if (rv == CHARON_OK && key != NULL && key->session_id == NULL)
        rv = charon_err_set(err, CHARON_EINVAL, "session key without "
                            "session_id");
    if (rv == CHARON_OK)
        rv = redis_keys_build(s->cfg->key_prefix, key, &rc->keys, &k, err);
    if (rv != CHARON_OK)
        return rv;
    snprintf(now, sizeof(now), "%" PRId64, s->host->now(s->host));
    args[0] = key->session_id;
    lens[0] = strlen(key->session_id);
    args[1] = now;
    lens[1] = strlen(now);
    return redis_conn_op(rc, op, &k, 2, args, lens, take, ctx, err);
}

/* Records whose lock_version is not a number count as absent: one line
 * says how many (never one line per record: a get_all may hold many). */
static void
store_redis_ignored(const struct store_redis *s, size_t ignored)
{
    if (ignored > 0)
        s->host->log(s->host, CHARON_LOG_WARN, "Redis at %s: ignored %zu "
                     "stored session(s) whose lock_version is not a number",
                     s->where, ignored);
}

/* What get hands to redis_conn_op and gets back. */
struct store_redis_got {
    const struct store_redis *s;
    struct charon_buf *out;
    uint64_t lock;
};

static int
store_redis_take_get(void *ctx, const redisReply *r, struct charon_err *err)
{
    struct store_redis_got *g = ctx;
    size_t ignored = 0;
    int rv;

    rv = redis_reply_get(r, g->out, &g->lock, &ignored, err);
    store_redis_ignored(g->s, ignored);
    return rv;
}

static int
store_redis_get(void *instance, void *ts, const struct charon_store_key *key,
                struct charon_buf *out, uint64_t *lock_version,
                struct charon_err *err)
{
    struct store_redis *s = instance;
    struct store_redis_got g = { .s = s, .out = out, .lock = 0 };
    int rv;

    rv = store_redis_session_op(s, ts, key, REDIS_OP_GET,
                                store_redis_take_get, &g, err);
    if (rv == CHARON_OK)
        *lock_version = g.lock;
    return rv;
}

/* What get_all hands to redis_conn_op: the core's walk, and where it
 * stopped (its non-zero return, which get_all returns). */
struct store_redis_walk {
    const struct store_redis *s;
    charon_store_each_fn each;
    void *ctx;
    int stopped;
};

static int
store_redis_take_all(void *ctx, const redisReply *r, struct charon_err *err)
{
    struct store_redis_walk *w = ctx;
    size_t ignored = 0;
    int rv;

    rv = redis_reply_get_all(r, w->each, w->ctx, &w->stopped, &ignored, err);
    store_redis_ignored(w->s, ignored);
    return rv;
}

static int
store_redis_get_all(void *instance, void *ts,
                    const struct charon_store_key *key,
                    charon_store_each_fn each, void *ctx,
                    struct charon_err *err)
{
    struct store_redis *s = instance;
    struct store_redis_walk w = { .s = s, .each = each, .ctx = ctx };
    struct redis_conn *rc = ts;
    struct redis_keys k;
    const char *args[1];
    size_t lens[1];
    char now[24];
    int rv;

    rv = store_redis_ts(ts, err);
    if (rv == CHARON_OK)
        rv = redis_keys_build(s->cfg->key_prefix, key, &rc->keys, &k, err);
    if (rv != CHARON_OK)
        return rv;
    snprintf(now, sizeof(now), "%" PRId64, s->host->now(s->host));
    args[0] = now;
    lens[0] = strlen(now);
    rv = redis_conn_op(rc, REDIS_OP_GET_ALL, &k, 1, args, lens,
                       store_redis_take_all, &w, err);
    return rv == CHARON_OK && w.stopped != 0 ? w.stopped : rv;
}

static int
store_redis_take_upsert(void *ctx, const redisReply *r,
                        struct charon_err *err)
{
    return redis_reply_upsert(r, *(const uint64_t *)ctx, err);
}

static int
store_redis_upsert(void *instance, void *ts,
                   const struct charon_store_key *key, uint64_t expect,
                   const void *blob, size_t len, int64_t expires_at,
                   struct charon_err *err)
{
    struct store_redis *s = instance;
    struct redis_conn *rc = ts;
    struct redis_keys k;
    const char *args[6];
    size_t lens[6];
    char exp_s[24], new_s[24], exp_at[24], now[24];
    int rv, i;

    rv = store_redis_ts(ts, err);
    if (rv == CHARON_OK && key != NULL && key->session_id == NULL)
        rv = charon_err_set(err, CHARON_EINVAL, "session key without "
                            "session_id");
    if (rv == CHARON_OK && blob == NULL && len > 0)
        rv = charon_err_set(err, CHARON_EINVAL, "session blob is NULL");
    if (rv == CHARON_OK && expect == UINT64_MAX)
        rv = charon_err_set(err, CHARON_EINVAL, "lock_version is at its "
                            "maximum");
    if (rv == CHARON_OK)
        rv = redis_keys_build(s->cfg->key_prefix, key, &rc->keys, &k, err);
    if (rv != CHARON_OK)
        return rv;
    snprintf(exp_s, sizeof(exp_s), "%" PRIu64, expect);
    snprintf(new_s, sizeof(new_s), "%" PRIu64, expect + 1);
    snprintf(exp_at, sizeof(exp_at), "%" PRId64, expires_at);
    snprintf(now, sizeof(now), "%" PRId64, s->host->now(s->host));
    args[0] = key->session_id;
    args[1] = exp_s;
    args[2] = new_s;
    args[3] = len > 0 ? blob : "";
    args[4] = exp_at;
    args[5] = now;
    for (i = 0; i < 6; i++)
        lens[i] = i == 3 ? len : strlen(args[i]);
    return redis_conn_op(rc, REDIS_OP_UPSERT, &k, 6, args, lens,
                         store_redis_take_upsert, &expect, err);
}

static int
store_redis_take_delete(void *ctx, const redisReply *r,
                        struct charon_err *err)
{
    return redis_reply_deleted(r, *(const enum redis_op *)ctx, err);
}

static int
store_redis_delete_one(void *instance, void *ts,
                       const struct charon_store_key *key,
                       struct charon_err *err)
{
    enum redis_op op = REDIS_OP_DELETE;

    return store_redis_session_op(instance, ts, key, op,
                                  store_redis_take_delete, &op, err);
}

static int
store_redis_delete_all(void *instance, void *ts,
                       const struct charon_store_key *key,
                       const char *except_session_id, struct charon_err *err)
{
    struct store_redis *s = instance;
    struct redis_conn *rc = ts;
    enum redis_op op = REDIS_OP_DELETE_ALL;
    struct redis_keys k;
    const char *args[3];
    size_t lens[3];
    char now[24];
    int rv, i;

    rv = store_redis_ts(ts, err);
    if (rv == CHARON_OK)
        rv = redis_keys_build(s->cfg->key_prefix, key, &rc->keys, &k, err);
    if (rv != CHARON_OK)
        return rv;
    snprintf(now, sizeof(now), "%" PRId64, s->host->now(s->host));
    args[0] = except_session_id != NULL ? "1" : "0";
    args[1] = except_session_id != NULL ? except_session_id : "";
    args[2] = now;
    for (i = 0; i < 3; i++)
        lens[i] = strlen(args[i]);
    return redis_conn_op(rc, op, &k, 3, args, lens, store_redis_take_delete,
                         &op, err);
}

static int
store_redis_health(void *instance, void *ts, struct charon_err *err)
{
    int rv;

    (void)instance;
    rv = store_redis_ts(ts, err);
    if (rv != CHARON_OK)
        return rv;
    return redis_conn_ping(ts, err);
}

extern CHARON_PLUGIN_EXPORT const struct charon_store_plugin charon_plugin;
CHARON_PLUGIN_EXPORT const struct charon_store_plugin charon_plugin = {
    .hdr = {
        .abi_version = CHARON_ABI_VERSION,
        .kind        = CHARON_PLUGIN_STORE,
        .name        = "store_redis",
        .version     = PACKAGE_VERSION,
        .config_size = sizeof(struct store_redis_config),
        .options     = store_redis_options,
        .create      = store_redis_create,
        .destroy     = store_redis_destroy,
        .thread_init = store_redis_thread_init,
        .thread_fini = store_redis_thread_fini,
    },
    .caps       = CHARON_STORE_CAP_PERSIST | CHARON_STORE_CAP_LIST,
    .get        = store_redis_get,
    .get_all    = store_redis_get_all,
    .upsert     = store_redis_upsert,
    .delete_one = store_redis_delete_one,
    .delete_all = store_redis_delete_all,
    .health     = store_redis_health,
};
