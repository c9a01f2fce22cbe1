/*
 * token_check.h - the access-token pipeline shared by the AUTHORIZER role
 * and GET {prefix}/check, in Charon's order: Authorization header, access
 * cookie, signature, nbf, exp, type == "access", then (charon-fcgi) iss ==
 * the profile's token_issuer, claim rules, and with require_session the
 * session in the store.
 */
#ifndef CHARON_TOKEN_CHECK_H
#define CHARON_TOKEN_CHECK_H

#include <json-c/json.h>

#include "request.h"

struct worker;
struct policy;

struct token_check {
    int status;                /* 200, 401, 403, 500 or 503          */
    const char *error;         /* OAuth-style code for the JSON body */
    char reason[192];          /* Charon's human message             */
    int transport;             /* enum token_transport               */
    json_object *payload;      /* owned until token_check_done()     */
    const char *user_id;       /* "sub" as text (borrowed)           */
    const char *session_id;    /* "sid" or ""                        */
    const char *session_type;  /* "styp" or "full"                   */
    char user_id_buf[32];      /* holds an integer "sub"             */
};

/* Fills tc for the request under policy p; never fails otherwise. */
void token_check_access(struct worker *w, const struct policy *p,
                        const struct request *req, struct token_check *tc);

/* Drops the payload. */
void token_check_done(struct token_check *tc);

/*
 * Verifies token (signature via the token plugin, then payload parse)
 * and the time claims; the building block of token_check_access and of
 * charonctl verify.  On success *payload is a new JSON object.  Returns
 * CHARON_OK, or CHARON_ETOKEN with Charon's message in reason (and the
 * plugin's own reason in detail, if detail is not NULL).
 */
int token_check_verify(struct worker *w, const char *token, size_t len,
                       int64_t now, long clock_skew, json_object **payload,
                       char *reason, size_t reason_len, char *detail,
                       size_t detail_len);

#endif /* CHARON_TOKEN_CHECK_H */
