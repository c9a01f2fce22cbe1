/* endpoint_jwks.c - the JWKS document from the token factory. */
#include "endpoint_jwks.h"

#include "log.h"
#include "snapshot.h"
#include "worker.h"

void
endpoint_jwks(struct worker *w)
{
    const struct charon_token_plugin *tp = snapshot_token(w->snap);
    struct charon_err err;
    int rc;

    charon_buf_reset(&w->out);
    charon_err_clear(&err);
    rc = tp->public_jwks(w->snap->token.instance, w->token_ts, &w->out,
                         &err);
    if (rc != CHARON_OK) {
        log_msg(CHARON_LOG_ERR, "%s: jwks: %s", w->snap->token.handle.hdr->name,
                err.msg);
        http_reply_json_error(&w->reply, http_reply_status_for(rc),
                              "server_error", "could not build the JWKS");
        return;
    }
    http_reply_json_cache(&w->reply, 200, "public, max-age=300",
                          (const char *)w->out.data, w->out.len);
}
