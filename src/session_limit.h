/*
 * session_limit.h - [charon] max_sessions_per_user: after a login, a user
 * with more live sessions of that type than the limit loses the least
 * recently refreshed ones (never the new one), so that one account cannot
 * fill the store.  Needs a store that can list (CHARON_STORE_CAP_LIST).
 */
#ifndef CHARON_SESSION_LIMIT_H
#define CHARON_SESSION_LIMIT_H

#include <stdint.h>

struct worker;
struct policy;
struct session;

/* Ends the sessions of fresh's user and type beyond the policy's limit,
 * as live at now.  Problems are logged, never returned: the login itself
 * has succeeded. */
void session_limit_enforce(struct worker *w, const struct policy *p,
                           const struct session *fresh, int64_t now);

#endif /* CHARON_SESSION_LIMIT_H */
