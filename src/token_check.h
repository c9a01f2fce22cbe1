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

#include "json_claims.h"
#include "request.h"

struct worker;
struct policy;

#define TOKEN_CHECK_ID_MAX 256   /* longest sub/sid/styp, NUL included */

struct token_check {
    int status;                /* 200, 401, 403, 500 or 503          */
    const char *error;         /* OAuth-style code for the JSON body */
    char reason[192];          /* Charon's human message             */
    int transport;             /* enum token_transport               */
    const struct json_claims *claims;   /* the worker's; valid until the
                                           worker checks another token  */
    char user_id[TOKEN_CHECK_ID_MAX];       /* "sub" as text          */
    int user_id_is_int;                     /* "sub" was an integer   */
    char session_id[TOKEN_CHECK_ID_MAX];    /* "sid", or ""           */
    char session_type[TOKEN_CHECK_ID_MAX];  /* "styp", or "full"      */
};

/* Fills tc for the request under policy p; never fails otherwise. */
void token_check_access(struct worker *w, const struct policy *p,
                        const struct request *req, struct token_check *tc);

/*
 * Verifies token (signature via the token plugin, then the payload's
 * JSON) and the time claims; the building block of token_check_access and
 * of charonctl verify.  On success the claims are in w->claims and the
 * payload text in w->payload.  Returns CHARON_OK, or CHARON_ETOKEN with
 * Charon's message in reason (and the plugin's own reason in detail, if
 * detail is not NULL), or another code if the plugin failed.
 */
int token_check_verify(struct worker *w, const char *token, size_t len,
                       int64_t now, long clock_skew, char *reason,
                       size_t reason_len, char *detail, size_t detail_len);

#endif /* CHARON_TOKEN_CHECK_H */
