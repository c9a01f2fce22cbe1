/*
 * worker.h - what one worker thread owns: its plugin thread states and
 * reusable scratch buffers, so the request path allocates next to nothing.
 */
#ifndef CHARON_WORKER_H
#define CHARON_WORKER_H

#include <charon/buf.h>
#include <charon/err.h>

#include "hmac_cache.h"
#include "http_reply.h"
#include "json_claims.h"

struct snapshot;

struct worker {
    const struct snapshot *snap;
    void *token_ts;              /* token plugin thread state */
    void *store_ts;              /* store plugin thread state */
    void *cred_ts;               /* credentials plugin's, if any */
    struct charon_buf token;     /* the token as extracted    */
    struct charon_buf payload;   /* verified payload JSON     */
    struct charon_buf out;       /* serialised response       */
    struct json_claims claims;   /* index into payload        */
    struct hmac_cache session_mac;   /* keyed with the session key on
                                        first use: signs and checks blobs */
    int64_t now;                 /* the current request's time */
    struct http_reply reply;
};

/* Runs every plugin's thread_init for this thread. */
int worker_init(struct worker *w, const struct snapshot *snap,
                struct charon_err *err);
/* Runs thread_fini and frees the buffers; safe on a failed init. */
void worker_fini(struct worker *w);

#endif /* CHARON_WORKER_H */
