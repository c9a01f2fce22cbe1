/*
 * endpoint_common.h - checks and replies shared by the session endpoints
 * (login, refresh, logout, sessions).
 *
 * One convention for every step of an endpoint: it returns CHARON_OK to
 * go on, or a negative charon_rc once it has answered the request, and
 * then w->reply holds that answer (its status is set) and the endpoint
 * stops.  The steps are named *_check_* (a condition the request must
 * meet) or *_read_* (input it must carry in a usable form).
 */
#ifndef CHARON_ENDPOINT_COMMON_H
#define CHARON_ENDPOINT_COMMON_H

#include <charon/err.h>

struct worker;
struct policy;
struct request;
struct token_check;

/* Charon's message for a failed store write (HTTP 500). */
#define ENDPOINT_STORE_FAILED "An error occurred when storing a new/updated " \
    "session. The operation was cancelled."

/* The value of HTTP request header name ("X-CSRF-Protect" is looked up as
 * the param HTTP_X_CSRF_PROTECT), or NULL. */
const char *endpoint_header(const struct request *req, const char *name);

/* A state change authenticated by a cookie must carry the csrf_header
 * (any value: a cross-site form or image cannot send one); otherwise 403
 * and CHARON_EINVAL. */
int endpoint_check_csrf(struct worker *w, const struct request *req,
                        int transport);

/* enforce_browser_cookies: a request with Sec-Fetch-Mode (a browser) may
 * not use the bearer transport; otherwise 400 and CHARON_EINVAL. */
int endpoint_check_browser(struct worker *w, const struct policy *p,
                           const struct request *req, int transport);

/* The reply for a failed store operation: 409 for a lock conflict,
 * 503 when the store is unavailable, else 500 (logged with the store's
 * own message). */
void endpoint_store_error(struct worker *w, int rc,
                          const struct charon_err *err);

/*
 * The access token of a session endpoint: verified (no claim rules: they
 * guard the backend, not the user's own sessions) and, with a store that
 * keeps sessions, its session still in the store whatever
 * [authorizer] require_session says.  CHARON_OK with tc filled, else
 * CHARON_ETOKEN (401) or CHARON_EUNAVAIL (5xx) with the reply set.
 */
int endpoint_check_access(struct worker *w, const struct policy *p,
                          const struct request *req, struct token_check *tc);

/* The reply for a token that did not pass (401/403/5xx); returns
 * CHARON_ETOKEN for 401/403, else CHARON_EUNAVAIL. */
int endpoint_token_error(struct worker *w, const struct token_check *tc);

/* 204 with no body. */
void endpoint_no_content(struct worker *w);

#endif /* CHARON_ENDPOINT_COMMON_H */
