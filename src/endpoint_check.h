/* endpoint_check.h - GET {prefix}/check, for nginx's auth_request. */
#ifndef CHARON_ENDPOINT_CHECK_H
#define CHARON_ENDPOINT_CHECK_H

struct worker;
struct policy;
struct request;

/*
 * The AUTHORIZER checks in the RESPONDER role: 200 with X-Charon-User-Id,
 * X-Charon-Session-Id, X-Charon-Session-Type and X-Charon-Claim-<Name>,
 * or 401/403.  Any method is accepted: nginx passes the protected
 * request's method (a POST to a protected page arrives as POST here).
 */
void endpoint_check(struct worker *w, const struct policy *p,
                    const struct request *req);

#endif /* CHARON_ENDPOINT_CHECK_H */
