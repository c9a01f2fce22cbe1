/* endpoint_health.c - store health as HTTP status. */
#include "endpoint_health.h"

#include "log.h"
#include "snapshot.h"
#include "worker.h"

void
endpoint_health(struct worker *w)
{
    static const char ok[] = "{\"status\":\"ok\"}";
    const struct charon_store_plugin *sp = snapshot_store(w->snap);
    struct charon_err err;
    int rc;

    charon_err_clear(&err);
    rc = sp->health(w->snap->store.instance, w->store_ts, &err);
    if (rc != CHARON_OK) {
        log_msg(CHARON_LOG_WARN, "%s: health: %s",
                w->snap->store.handle.hdr->name, err.msg);
        http_reply_json_error(&w->reply, 503, "service_unavailable",
                              "session store unavailable");
        return;
    }
    http_reply_json(&w->reply, 200, ok, sizeof(ok) - 1);
}
