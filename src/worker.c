/* worker.c - per-thread state. */
#include "worker.h"

#include <string.h>

#include "snapshot.h"

static int
worker_thread_init(const struct plugin_slot *slot, void **ts,
                   struct charon_err *err)
{
    const struct charon_plugin_header *hdr = slot->handle.hdr;

    *ts = NULL;
    if (hdr == NULL || hdr->thread_init == NULL)
        return CHARON_OK;
    return hdr->thread_init(slot->instance, ts, err);
}

static void
worker_thread_fini(const struct plugin_slot *slot, void *ts)
{
    const struct charon_plugin_header *hdr = slot->handle.hdr;

    if (hdr != NULL && hdr->thread_fini != NULL && ts != NULL)
        hdr->thread_fini(slot->instance, ts);
}

int
worker_init(struct worker *w, const struct snapshot *snap,
            struct charon_err *err)
{
    int rc;

    memset(w, 0, sizeof(*w));
    w->snap = snap;
    http_reply_init(&w->reply);
    rc = worker_thread_init(&snap->token, &w->token_ts, err);
    if (rc == CHARON_OK)
        rc = worker_thread_init(&snap->store, &w->store_ts, err);
    if (rc == CHARON_OK)
        rc = worker_thread_init(&snap->cred, &w->cred_ts, err);
    if (rc != CHARON_OK)
        worker_fini(w);
    return rc;
}

void
worker_fini(struct worker *w)
{
    if (w->snap != NULL) {
        worker_thread_fini(&w->snap->cred, w->cred_ts);
        worker_thread_fini(&w->snap->store, w->store_ts);
        worker_thread_fini(&w->snap->token, w->token_ts);
    }
    w->cred_ts = NULL;
    w->store_ts = NULL;
    w->token_ts = NULL;
    charon_buf_free(&w->token);
    charon_buf_free(&w->payload);
    json_claims_free(&w->claims);
    charon_buf_free(&w->out);
    hmac_cache_free(&w->session_mac);
    http_reply_free(&w->reply);
}
