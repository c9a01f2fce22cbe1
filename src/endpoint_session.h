/*
 * endpoint_session.h - the session endpoints under [endpoints] prefix
 * (docs/CONTRACT.md §4.2).  Each fills w->reply; none fails otherwise.
 *
 *   POST   /session           login (password or issuer key) → 201
 *   POST   /session/refresh   refresh token → 200 new tokens, 409 race
 *   DELETE /session           logout (also POST /session/logout) → 204
 *   GET    /sessions          the user's sessions of this type → 200
 *   DELETE /sessions          logout everywhere → 204
 *   DELETE /sessions/others   logout everywhere else → 204
 */
#ifndef CHARON_ENDPOINT_SESSION_H
#define CHARON_ENDPOINT_SESSION_H

struct worker;
struct policy;
struct request;

void endpoint_login(struct worker *w, const struct policy *p,
                    struct request *req);
void endpoint_refresh(struct worker *w, const struct policy *p,
                      struct request *req);
void endpoint_logout(struct worker *w, const struct policy *p,
                     struct request *req);
void endpoint_sessions_list(struct worker *w, const struct policy *p,
                            struct request *req);
/* keep_current: DELETE /sessions/others. */
void endpoint_sessions_delete(struct worker *w, const struct policy *p,
                              struct request *req, int keep_current);

#endif /* CHARON_ENDPOINT_SESSION_H */
