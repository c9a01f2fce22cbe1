/*
 * authorizer.h - the FastCGI AUTHORIZER role (lighttpd mod_fastcgi
 * "mode" => "authorizer", Apache mod_authnz_fcgi), and the deny replies
 * shared with GET {prefix}/check.
 */
#ifndef CHARON_AUTHORIZER_H
#define CHARON_AUTHORIZER_H

struct worker;
struct policy;
struct request;
struct http_reply;
struct token_check;

/*
 * Checks the request's access token and answers.  AUTHORIZER role
 * (as_variables): allow is "Status: 200" with Variable-REMOTE_USER,
 * Variable-CHARON_USER_ID, Variable-CHARON_SESSION_ID,
 * Variable-CHARON_SESSION_TYPE and Variable-CHARON_CLAIM_<NAME> and no
 * other header (Apache leaks any other header of an allow to the client);
 * stdin is ignored.  GET {prefix}/check (!as_variables): the same as
 * X-Charon-* headers.  Deny: 401/403 with WWW-Authenticate and JSON.
 */
void authorizer_answer(struct worker *w, const struct policy *p,
                       const struct request *req, int as_variables);

/* The allow headers of a passed check: Variable-* (as_variables) for
 * the AUTHORIZER role, X-Charon-* for GET {prefix}/check. */
void authorizer_allow_headers(struct http_reply *reply,
                              const struct policy *p,
                              const struct token_check *tc, int as_variables);

/* Fills a 401/403/5xx reply from a failed check. */
void authorizer_deny(struct http_reply *reply, const struct token_check *tc);

#endif /* CHARON_AUTHORIZER_H */
