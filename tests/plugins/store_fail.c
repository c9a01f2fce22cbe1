/*
 * store_fail.c - an in-memory session store that fails on command, for
 * tests/integration/failure_injection.sh.
 *
 * Sessions live in a mutex-protected list (the store.h contract: expiry
 * from host->now, insert iff absent, update iff lock_version matches,
 * all or nothing).  Before every operation the store re-reads its control
 * file ([store_fail] control = PATH); each whitespace-separated word
 * "OP=CODE" makes operation OP fail with CODE and change nothing:
 *   OP   get get_all upsert delete_one delete_all health (or "all")
 *   CODE unavail io nomem conflict notfound
 * A missing or empty file fails nothing, so a test switches failures at
 * run time without restarting the daemon.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <charon/store.h>

struct store_fail_config {
    const char *control;
};

struct sf_entry {
    struct sf_entry *next;
    char *session_id, *user_id, *type;
    unsigned char *blob;
    size_t len;
    uint64_t lock;
    int64_t expires_at;
};

struct sf {
    const struct charon_host *host;
    char *control;
    pthread_mutex_t mu;
    struct sf_entry *head;
};

/* The code the control file orders for op, or CHARON_OK. */
static int
sf_injected(const struct sf *s, const char *op)
{
    static const struct { const char *name; int code; } codes[] = {
        { "unavail", CHARON_EUNAVAIL }, { "io", CHARON_EIO },
        { "nomem", CHARON_ENOMEM }, { "conflict", CHARON_ECONFLICT },
        { "notfound", CHARON_ENOTFOUND }, { "inval", CHARON_EINVAL },
    };
    char buf[1024], *word, *save = NULL, *eq;
    size_t n, i;
    FILE *f;

    if (s->control == NULL || s->control[0] == '\0')
        return CHARON_OK;
    f = fopen(s->control, "r");
    if (f == NULL)
        return CHARON_OK;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    for (word = strtok_r(buf, " \t\r\n", &save); word != NULL;
         word = strtok_r(NULL, " \t\r\n", &save)) {
        eq = strchr(word, '=');
        if (eq == NULL)
            continue;
        *eq = '\0';
        if (strcmp(word, op) != 0 && strcmp(word, "all") != 0)
            continue;
        for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
            if (strcmp(eq + 1, codes[i].name) == 0)
                return codes[i].code;
        return CHARON_EIO;
    }
    return CHARON_OK;
}

#define SF_INJECT(s, op, err)                                              \
    do {                                                                   \
        int sf_rc_ = sf_injected((s), (op));                               \
        if (sf_rc_ != CHARON_OK)                                           \
            return charon_err_set((err), sf_rc_,                           \
                                  "injected failure of %s (code %d)",      \
                                  (op), sf_rc_);                           \
    } while (0)

static int
sf_same(const struct sf_entry *e, const struct charon_store_key *k,
        int with_id)
{
    return strcmp(e->user_id, k->user_id) == 0 &&
           strcmp(e->type, k->type) == 0 &&
           (!with_id || strcmp(e->session_id, k->session_id) == 0);
}

static void
sf_entry_free(struct sf_entry *e)
{
    if (e == NULL)
        return;
    free(e->session_id);
    free(e->user_id);
    free(e->type);
    free(e->blob);
    free(e);
}

/* Drops expired entries; called with the mutex held. */
static void
sf_prune(struct sf *s)
{
    int64_t now = s->host->now(s->host);
    struct sf_entry **pp = &s->head, *e;

    while ((e = *pp) != NULL) {
        if (e->expires_at < now) {
            *pp = e->next;
            sf_entry_free(e);
        } else {
            pp = &e->next;
        }
    }
}

static struct sf_entry **
sf_find(struct sf *s, const struct charon_store_key *k)
{
    struct sf_entry **pp;

    for (pp = &s->head; *pp != NULL; pp = &(*pp)->next)
        if (sf_same(*pp, k, 1))
            return pp;
    return NULL;
}

static int
sf_create(const struct charon_host *host, const void *config,
          void **instance, struct charon_err *err)
{
    const struct store_fail_config *c = config;
    struct sf *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    s->host = host;
    if (c != NULL && c->control != NULL &&
        (s->control = strdup(c->control)) == NULL) {
        free(s);
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&s->mu, NULL);
    *instance = s;
    return CHARON_OK;
}

static void
sf_destroy(void *instance)
{
    struct sf *s = instance;
    struct sf_entry *e, *next;

    if (s == NULL)
        return;
    for (e = s->head; e != NULL; e = next) {
        next = e->next;
        sf_entry_free(e);
    }
    pthread_mutex_destroy(&s->mu);
    free(s->control);
    free(s);
}

static int
sf_get(void *instance, void *ts, const struct charon_store_key *key,
       struct charon_buf *out, uint64_t *lock_version, struct charon_err *err)
{
    struct sf *s = instance;
    struct sf_entry **pp;
    int rc;

    (void)ts;
    SF_INJECT(s, "get", err);
    pthread_mutex_lock(&s->mu);
    sf_prune(s);
    pp = sf_find(s, key);
    if (pp == NULL) {
        rc = charon_err_set(err, CHARON_ENOTFOUND, "no such session");
    } else if (charon_buf_append(out, (*pp)->blob, (*pp)->len) != CHARON_OK) {
        rc = charon_err_set(err, CHARON_ENOMEM, "out of memory");
    } else {
        *lock_version = (*pp)->lock;
        rc = CHARON_OK;
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static int
sf_get_all(void *instance, void *ts, const struct charon_store_key *key,
           charon_store_each_fn each, void *ctx, struct charon_err *err)
{
    struct sf *s = instance;
    struct sf_entry *e;
    int rc = CHARON_OK;

    (void)ts;
    SF_INJECT(s, "get_all", err);
    pthread_mutex_lock(&s->mu);
    sf_prune(s);
    for (e = s->head; e != NULL && rc == CHARON_OK; e = e->next)
        if (sf_same(e, key, 0))
            rc = each(ctx, e->blob, e->len, e->lock);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static int
sf_upsert(void *instance, void *ts, const struct charon_store_key *key,
          uint64_t expect, const void *blob, size_t len, int64_t expires_at,
          struct charon_err *err)
{
    struct sf *s = instance;
    struct sf_entry **pp, *e;
    unsigned char *copy;
    int rc = CHARON_OK;

    (void)ts;
    SF_INJECT(s, "upsert", err);
    copy = malloc(len ? len : 1);
    if (copy == NULL)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    memcpy(copy, blob, len);
    pthread_mutex_lock(&s->mu);
    sf_prune(s);
    pp = sf_find(s, key);
    if (expect == 0) {
        if (pp != NULL) {
            rc = charon_err_set(err, CHARON_ECONFLICT, "session exists");
        } else if ((e = calloc(1, sizeof(*e))) == NULL ||
                   (e->session_id = strdup(key->session_id)) == NULL ||
                   (e->user_id = strdup(key->user_id)) == NULL ||
                   (e->type = strdup(key->type)) == NULL) {
            sf_entry_free(e);
            rc = charon_err_set(err, CHARON_ENOMEM, "out of memory");
        } else {
            e->blob = copy;
            copy = NULL;
            e->len = len;
            e->lock = 1;
            e->expires_at = expires_at;
            e->next = s->head;
            s->head = e;
        }
    } else if (pp == NULL || (*pp)->lock != expect) {
        rc = charon_err_set(err, CHARON_ECONFLICT, "lock_version moved on");
    } else {
        e = *pp;
        free(e->blob);
        e->blob = copy;
        copy = NULL;
        e->len = len;
        e->lock = expect + 1;
        e->expires_at = expires_at;
    }
    pthread_mutex_unlock(&s->mu);
    free(copy);
    return rc;
}

static int
sf_delete_one(void *instance, void *ts, const struct charon_store_key *key,
              struct charon_err *err)
{
    struct sf *s = instance;
    struct sf_entry **pp, *e;

    (void)ts;
    SF_INJECT(s, "delete_one", err);
    pthread_mutex_lock(&s->mu);
    pp = sf_find(s, key);
    if (pp != NULL) {
        e = *pp;
        *pp = e->next;
        sf_entry_free(e);
    }
    pthread_mutex_unlock(&s->mu);
    return CHARON_OK;
}

static int
sf_delete_all(void *instance, void *ts, const struct charon_store_key *key,
              const char *except_session_id, struct charon_err *err)
{
    struct sf *s = instance;
    struct sf_entry **pp, *e;

    (void)ts;
    SF_INJECT(s, "delete_all", err);
    pthread_mutex_lock(&s->mu);
    pp = &s->head;
    while ((e = *pp) != NULL) {
        if (sf_same(e, key, 0) && (except_session_id == NULL ||
                                   strcmp(e->session_id,
                                          except_session_id) != 0)) {
            *pp = e->next;
            sf_entry_free(e);
        } else {
            pp = &e->next;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return CHARON_OK;
}

static int
sf_health(void *instance, void *ts, struct charon_err *err)
{
    struct sf *s = instance;
    int rc;

    (void)ts;
    rc = sf_injected(s, "health");
    if (rc != CHARON_OK)
        return charon_err_set(err, CHARON_EUNAVAIL,
                              "injected failure of health (code %d)", rc);
    return CHARON_OK;
}

static const struct charon_option sf_options[] = {
    { .name = "control", .type = CHARON_OPT_STRING,
      .offset = offsetof(struct store_fail_config, control), .dflt = "",
      .help = "file whose OP=CODE words make operations fail" },
    { .name = NULL }
};

extern CHARON_PLUGIN_EXPORT const struct charon_store_plugin charon_plugin;
CHARON_PLUGIN_EXPORT const struct charon_store_plugin charon_plugin = {
    .hdr = {
        .abi_version = CHARON_ABI_VERSION,
        .kind        = CHARON_PLUGIN_STORE,
        .name        = "store_fail",
        .version     = "0",
        .config_size = sizeof(struct store_fail_config),
        .options     = sf_options,
        .create      = sf_create,
        .destroy     = sf_destroy,
        .thread_init = NULL,
        .thread_fini = NULL,
    },
    .caps       = CHARON_STORE_CAP_PERSIST | CHARON_STORE_CAP_LIST,
    .get        = sf_get,
    .get_all    = sf_get_all,
    .upsert     = sf_upsert,
    .delete_one = sf_delete_one,
    .delete_all = sf_delete_all,
    .health     = sf_health,
};
