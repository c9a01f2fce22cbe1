/* endpoint_metrics.c - the counters for Prometheus. */
#include "endpoint_metrics.h"

#include "events.h"
#include "snapshot.h"
#include "worker.h"

void
endpoint_metrics(struct worker *w)
{
    if (!w->snap->cfg->endpoints.metrics) {
        http_reply_json_error(&w->reply, 404, "not_found",
                              "no such endpoint");
        return;
    }
    w->reply.status = 200;
    http_reply_header(&w->reply, "Content-Type",
                      "text/plain; version=0.0.4; charset=utf-8");
    http_reply_header(&w->reply, "Cache-Control", "no-store");
    charon_buf_reset(&w->reply.body);
    if (events_metrics(&w->reply.body) != CHARON_OK)
        w->reply.failed = 1;
}
