/*
 * router.h - from a request to a reply: limits, profile, role, endpoint.
 */
#ifndef CHARON_ROUTER_H
#define CHARON_ROUTER_H

struct worker;
struct request;

/* Indexes req's params (request_index), then fills w->reply for it
 * (reset first).  Never fails: every problem becomes an HTTP status with
 * a JSON body. */
void router_handle(struct worker *w, struct request *req);

#endif /* CHARON_ROUTER_H */
