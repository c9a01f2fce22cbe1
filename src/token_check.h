/*
 * token_check.h - the access-token pipeline shared by the AUTHORIZER role
 * and GET {prefix}/check, in Charon's order: Authorization header, access
 * cookie, signature, nbf, exp, type == "access", then (charon-fcgi) iss ==
 * the profile's token_issuer, claim rules, and with require_session the
 * session in the store.
 */
#ifndef CHARON_TOKEN_CHECK_H
#define CHARON_TOKEN_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "events.h"
#include "json_claims.h"
#include "request.h"

struct worker;
struct policy;
struct session;
struct session_expect;

#define TOKEN_CHECK_ID_MAX 256   /* longest sub/sid/styp, NUL included */

struct token_check {
    int status;                /* 200, 401, 403, 500 or 503          */
    const char *error;         /* OAuth-style code for the JSON body */
    char reason[192];          /* Charon's human message             */
    enum events_reason why;    /* reason's /metrics label (status 401/403) */
    int transport;             /* enum token_transport               */
    const struct json_claims *claims;   /* the worker's; valid until the
                                           worker checks another token  */
    char user_id[TOKEN_CHECK_ID_MAX];       /* "sub" as text          */
    int user_id_is_int;                     /* "sub" was an integer   */
    char session_id[TOKEN_CHECK_ID_MAX];    /* "sid", or ""           */
    char session_type[TOKEN_CHECK_ID_MAX];  /* "styp", or "full"      */
    int session_loaded;        /* the session was read from the store */
    int new_cycle;             /* check_fresh: the refresh starts a new
                                  token generation                     */
};

/* What a check asks of a token. */
struct token_check_want {
    const char *type;          /* "access" or "refresh"                 */
    const char *cookie_name;   /* where the cookie transports put it    */
    int apply_rules;           /* the policy's claim rules ([authorizer]) */
    int load_session;          /* its session must be in the store      */
    int check_fresh;           /* and iat within its live generations
                                  (needs load_session and session_out)  */
};

/* Fills tc for the request under policy p; never fails otherwise.  The
 * access-token check of the authorizer: rules, and require_session. */
void token_check_access(struct worker *w, const struct policy *p,
                        const struct request *req, struct token_check *tc);

/*
 * The general check behind token_check_access: the token of the request
 * (want->cookie_name), signature, nbf, exp, type == want->type, iss,
 * sub, then the rules, the session and its freshness as asked.  When
 * session_out is not NULL it is zeroed first and, once the session is
 * loaded, holds it with lock_version set to the store's; free it with
 * session_free whatever the outcome.  Emits the token event.
 */
void token_check_run(struct worker *w, const struct policy *p,
                     const struct request *req,
                     const struct token_check_want *want,
                     struct token_check *tc, struct session *session_out);

/* What a stored session of tc's user and session type must match to be
 * used: session_id (NULL: any, for listing) and live at now. */
void token_check_expect(const struct token_check *tc, const char *session_id,
                        int64_t now, struct session_expect *out);

/* "bearer", "cookie", "cookie_only", or NULL for no token. */
const char *token_check_transport_name(int transport);

/*
 * Verifies token (signature via the token plugin, then the payload's
 * JSON) and the time claims; the building block of token_check_access and
 * of charonctl verify.  On success the claims are in w->claims and the
 * payload text in w->payload.  Returns CHARON_OK, or CHARON_ETOKEN with
 * Charon's message in reason, its label in *why (and the plugin's own
 * reason in detail, if detail is not NULL), or another code if the
 * plugin failed.
 */
int token_check_verify(struct worker *w, const char *token, size_t len,
                       int64_t now, long clock_skew, enum events_reason *why,
                       char *reason, size_t reason_len, char *detail,
                       size_t detail_len);

#endif /* CHARON_TOKEN_CHECK_H */
