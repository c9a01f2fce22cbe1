/*
 * session_tokens.h - a new session and its two tokens, with Charon's
 * timestamps and claims (CHARON-SEMANTICS §4-§5): token exp never
 * outlives the session, refresh_expires_at never exceeds expires_at.
 */
#ifndef CHARON_SESSION_TOKENS_H
#define CHARON_SESSION_TOKENS_H

#include <stdint.h>

#include <json-c/json.h>

#include <charon/err.h>

#include "ids.h"

struct worker;
struct policy;

struct session_tokens {
    json_object *session;          /* Charon's session fields, version 7 */
    char *access_token;            /* heap, wiped on free                */
    char *refresh_token;
    int64_t access_exp;
    int64_t refresh_exp;
    char session_id[IDS_LEN + 1];
};

/*
 * Creates a session for user_id of type session_type at now, signs its
 * refresh then access token, and stores it with the configured store
 * (lock_version 0 → 1).  Returns CHARON_OK or a code with err filled.
 */
int session_tokens_create(struct worker *w, const struct policy *p,
                          const char *user_id, const char *session_type,
                          int64_t now, struct session_tokens *out,
                          struct charon_err *err);

void session_tokens_free(struct session_tokens *st);

#endif /* CHARON_SESSION_TOKENS_H */
