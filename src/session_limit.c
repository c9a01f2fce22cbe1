/* session_limit.c - evict the least recently refreshed sessions. */
#include "session_limit.h"

#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "log.h"
#include "session_codec.h"
#include "snapshot.h"
#include "worker.h"

struct session_limit_entry {
    char id[SESSION_FIELD_MAX];
    int64_t refreshed_at;
    int64_t created_at;
};

struct session_limit_walk {
    struct worker *w;
    const struct session *fresh;
    int64_t now;
    struct session_limit_entry *v;
    size_t n, cap;
};

static int
session_limit_each(void *ctx, const void *blob, size_t len, uint64_t lock)
{
    struct session_limit_walk *walk = ctx;
    struct session_limit_entry *grown;
    struct session_expect want;
    struct charon_err err;
    struct session s;
    int rc;

    (void)lock;
    want.user_id = walk->fresh->user_id;
    want.user_id_is_int = walk->fresh->user_id_is_int;
    want.type = walk->fresh->type;
    want.session_id = NULL;
    want.now = walk->now;
    /* A blob that does not decode is not a session: not counted (but
     * out of memory is no verdict on it). */
    rc = session_codec_decode(&walk->w->session_mac, blob, len,
                              walk->w->snap->session_key, &want,
                              &s, &err);
    if (rc == CHARON_ENOTFOUND)
        return 0;
    if (rc != CHARON_OK)
        return rc;
    if (walk->n == walk->cap) {
        walk->cap = walk->cap ? walk->cap * 2 : 16;
        grown = realloc(walk->v, walk->cap * sizeof(*walk->v));
        if (grown == NULL) {
            session_free(&s);
            return CHARON_ENOMEM;
        }
        walk->v = grown;
    }
    memcpy(walk->v[walk->n].id, s.id, sizeof(s.id));
    walk->v[walk->n].refreshed_at = s.refreshed_at;
    walk->v[walk->n].created_at = s.created_at;
    walk->n++;
    session_free(&s);
    return 0;
}

/* Least recently refreshed first; then the oldest; then by id. */
static int
session_limit_cmp(const void *a, const void *b)
{
    const struct session_limit_entry *x = a, *y = b;

    if (x->refreshed_at != y->refreshed_at)
        return x->refreshed_at < y->refreshed_at ? -1 : 1;
    if (x->created_at != y->created_at)
        return x->created_at < y->created_at ? -1 : 1;
    return strcmp(x->id, y->id);
}

void
session_limit_enforce(struct worker *w, const struct policy *p,
                      const struct session *fresh, int64_t now)
{
    const struct charon_store_plugin *sp = snapshot_store(w->snap);
    unsigned long max = p->charon->max_sessions_per_user;
    struct session_limit_walk walk;
    struct charon_store_key key;
    struct charon_err err;
    char quser[LOG_QUOTE_SIZE];
    size_t i, excess;
    int rc;

    if (max == 0 || !(sp->caps & CHARON_STORE_CAP_LIST))
        return;
    memset(&walk, 0, sizeof(walk));
    walk.w = w;
    walk.fresh = fresh;
    walk.now = now;
    key.session_id = NULL;
    key.user_id = fresh->user_id;
    key.type = fresh->type;
    charon_err_clear(&err);
    rc = sp->get_all(w->snap->store.instance, w->store_ts, &key,
                     session_limit_each, &walk, &err);
    if (rc != CHARON_OK) {
        log_msg(CHARON_LOG_WARN, "max_sessions_per_user: listing the "
                "sessions of user %s failed: %s",
                log_quote(quser, sizeof(quser), fresh->user_id),
                rc == CHARON_ENOMEM ? "out of memory" : err.msg);
        free(walk.v);
        return;
    }
    if (walk.n > max) {
        qsort(walk.v, walk.n, sizeof(*walk.v), session_limit_cmp);
        excess = walk.n - max;
        for (i = 0; i < walk.n && excess > 0; i++) {
            if (strcmp(walk.v[i].id, fresh->id) == 0)
                continue;
            key.session_id = walk.v[i].id;
            charon_err_clear(&err);
            rc = sp->delete_one(w->snap->store.instance, w->store_ts, &key,
                                &err);
            if (rc != CHARON_OK) {
                log_msg(CHARON_LOG_WARN, "max_sessions_per_user: ending "
                        "session %s of user %s failed: %s", walk.v[i].id,
                        log_quote(quser, sizeof(quser), fresh->user_id),
                        err.msg);
                break;
            }
            events_session(EVENTS_SESSION_DELETE, walk.v[i].id,
                           fresh->user_id, fresh->type);
            excess--;
        }
    }
    free(walk.v);
}
