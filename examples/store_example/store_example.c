/*
 * store_example.c - a session store plugin built out of tree, against the
 * installed headers only:
 *
 *     cc $(pkg-config --cflags charon-fcgi) -shared -fPIC \
 *        -fvisibility=hidden -o store_example.so store_example.c
 *
 * It keeps sessions in memory, in one process, behind one mutex: enough to
 * show the ABI (one exported const descriptor, an option table, create /
 * destroy, the store operations, caller-owned output), not a store to run.
 * Configure it with  session_store = /path/to/store_example.so  and an
 * optional [store_example] section:  max_sessions = 1000
 */
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <charon/store.h>

struct store_example_config {
    unsigned long max_sessions;
};

struct store_example_entry {
    struct store_example_entry *next;
    char *sid, *uid, *type;
    unsigned char *blob;
    size_t len;
    uint64_t lock;
    int64_t expires_at;
};

struct store_example {
    const struct charon_host *host;
    unsigned long max_sessions;
    pthread_mutex_t lock;           /* guards everything below */
    struct store_example_entry *head;
    unsigned long count;
};

static const struct charon_option store_example_options[] = {
    { .name = "max_sessions", .type = CHARON_OPT_UINT,
      .offset = offsetof(struct store_example_config, max_sessions),
      .dflt = "1000", .min = 1, .max = 1000000,
      .help = "sessions kept before upserts fail" },
    { .name = NULL }
};

static int
store_example_create(const struct charon_host *host, const void *config,
                     void **instance, struct charon_err *err)
{
    const struct store_example_config *c = config;
    struct store_example *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    s->host = host;
    s->max_sessions = c->max_sessions;
    pthread_mutex_init(&s->lock, NULL);
    host->log(host, CHARON_LOG_INFO, "in-memory example store, %lu sessions",
              s->max_sessions);
    *instance = s;
    return CHARON_OK;
}

static void
store_example_free_entry(struct store_example_entry *e)
{
    free(e->sid);
    free(e->uid);
    free(e->type);
    free(e->blob);
    free(e);
}

static void
store_example_destroy(void *instance)
{
    struct store_example *s = instance;
    struct store_example_entry *e, *next;

    if (s == NULL)
        return;
    for (e = s->head; e != NULL; e = next) {
        next = e->next;
        store_example_free_entry(e);
    }
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* The live entry for key, or NULL; *prev_next points at the link to it. */
static struct store_example_entry *
store_example_find(struct store_example *s, const struct charon_store_key *k,
                   struct store_example_entry ***link)
{
    struct store_example_entry **pp, *e;
    int64_t now = s->host->now(s->host);

    for (pp = &s->head; (e = *pp) != NULL; pp = &e->next) {
        if (strcmp(e->sid, k->session_id) == 0 &&
            strcmp(e->uid, k->user_id) == 0 && strcmp(e->type, k->type) == 0) {
            if (link != NULL)
                *link = pp;
            return e->expires_at < now ? NULL : e;
        }
    }
    return NULL;
}

static int
store_example_get(void *instance, void *ts, const struct charon_store_key *key,
                  struct charon_buf *out, uint64_t *lock_version,
                  struct charon_err *err)
{
    struct store_example *s = instance;
    struct store_example_entry *e;
    int rc;

    (void)ts;
    pthread_mutex_lock(&s->lock);
    e = store_example_find(s, key, NULL);
    if (e == NULL) {
        rc = charon_err_set(err, CHARON_ENOTFOUND, "no such session");
    } else {
        *lock_version = e->lock;
        rc = charon_buf_append(out, e->blob, e->len);
        if (rc != CHARON_OK)
            charon_err_set(err, rc, "out of memory");
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int
store_example_get_all(void *instance, void *ts,
                      const struct charon_store_key *key,
                      charon_store_each_fn each, void *ctx,
                      struct charon_err *err)
{
    (void)instance;
    (void)ts;
    (void)key;
    (void)each;
    (void)ctx;
    return charon_err_set(err, CHARON_EUNSUPP, "store_example cannot list");
}

static int
store_example_upsert(void *instance, void *ts,
                     const struct charon_store_key *key, uint64_t expect,
                     const void *blob, size_t len, int64_t expires_at,
                     struct charon_err *err)
{
    struct store_example *s = instance;
    struct store_example_entry *e, **link = NULL;
    unsigned char *copy = malloc(len ? len : 1);
    int rc = CHARON_OK;

    (void)ts;
    if (copy == NULL)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    memcpy(copy, blob, len);
    pthread_mutex_lock(&s->lock);
    e = store_example_find(s, key, &link);
    if (e == NULL && link != NULL) {       /* expired: reuse the entry */
        e = *link;
        e->lock = expect;
    }
    if (e != NULL && e->lock != expect) {
        rc = charon_err_set(err, CHARON_ECONFLICT, "lock_version moved on");
    } else if (e == NULL && s->count >= s->max_sessions) {
        rc = charon_err_set(err, CHARON_EUNAVAIL, "store_example is full");
    } else if (e == NULL) {
        e = calloc(1, sizeof(*e));
        if (e == NULL || (e->sid = strdup(key->session_id)) == NULL ||
            (e->uid = strdup(key->user_id)) == NULL ||
            (e->type = strdup(key->type)) == NULL) {
            if (e != NULL)
                store_example_free_entry(e);
            rc = charon_err_set(err, CHARON_ENOMEM, "out of memory");
        } else {
            e->next = s->head;
            s->head = e;
            s->count++;
        }
    }
    if (rc == CHARON_OK) {
        free(e->blob);
        e->blob = copy;
        copy = NULL;
        e->len = len;
        e->lock = expect + 1;
        e->expires_at = expires_at;
    }
    pthread_mutex_unlock(&s->lock);
    free(copy);
    return rc;
}

static int
store_example_delete_one(void *instance, void *ts,
                         const struct charon_store_key *key,
                         struct charon_err *err)
{
    struct store_example *s = instance;
    struct store_example_entry *e, **link = NULL;

    (void)ts;
    (void)err;
    pthread_mutex_lock(&s->lock);
    store_example_find(s, key, &link);
    if (link != NULL) {
        e = *link;
        *link = e->next;
        store_example_free_entry(e);
        s->count--;
    }
    pthread_mutex_unlock(&s->lock);
    return CHARON_OK;
}

static int
store_example_delete_all(void *instance, void *ts,
                         const struct charon_store_key *key,
                         const char *except_session_id,
                         struct charon_err *err)
{
    (void)instance;
    (void)ts;
    (void)key;
    (void)except_session_id;
    return charon_err_set(err, CHARON_EUNSUPP, "store_example cannot list");
}

static int
store_example_health(void *instance, void *ts, struct charon_err *err)
{
    (void)instance;
    (void)ts;
    (void)err;
    return CHARON_OK;
}

extern CHARON_PLUGIN_EXPORT const struct charon_store_plugin charon_plugin;
CHARON_PLUGIN_EXPORT const struct charon_store_plugin charon_plugin = {
    .hdr = {
        .abi_version = CHARON_ABI_VERSION,
        .kind        = CHARON_PLUGIN_STORE,
        .name        = "store_example",
        .version     = "1.0",
        .config_size = sizeof(struct store_example_config),
        .options     = store_example_options,
        .create      = store_example_create,
        .destroy     = store_example_destroy,
    },
    .caps       = CHARON_STORE_CAP_PERSIST,
    .get        = store_example_get,
    .get_all    = store_example_get_all,
    .upsert     = store_example_upsert,
    .delete_one = store_example_delete_one,
    .delete_all = store_example_delete_all,
    .health     = store_example_health,
};
