/*
 * session_tokens.h - Charon's upsert_session (docs/CHARON.md §4-§5): a
 * session created at login or refreshed, stored with its optimistic lock,
 * and its two freshly signed tokens.  Token exp never outlives the
 * session; refresh_expires_at never exceeds expires_at; the refresh
 * token's jti is the session's refresh_token_id.
 */
#ifndef CHARON_SESSION_TOKENS_H
#define CHARON_SESSION_TOKENS_H

#include <stdint.h>

#include <json-c/json.h>

#include <charon/err.h>

#include "session_codec.h"

struct worker;
struct policy;

/* What a login asks for. */
struct session_opts {
    const char *user_id;           /* "sub"                               */
    int user_id_is_int;            /* a JSON integer rather than a string */
    const char *type;              /* session type, e.g. "full"           */
    json_object *access_overrides; /* NULL or an object merged last       */
    json_object *refresh_overrides;
    const char *extra_payload;     /* a JSON object's text, or NULL: {}   */
};

struct session_tokens {
    struct session session;        /* as stored, with the new lock_version */
    char *access_token;            /* heap, wiped on free                  */
    char *refresh_token;
    int64_t access_exp;
    int64_t refresh_exp;
    int64_t access_ttl;            /* seconds, for the cookies' max-age    */
    int64_t refresh_ttl;
};

/*
 * Called once the tokens are signed and before the session is stored,
 * so that a caller can build its whole reply while nothing is written
 * yet: a non-zero return (e.g. out of memory) cancels the operation with
 * CHARON_ENOMEM and nothing is stored.
 */
struct session_tokens_hook {
    int (*ready)(void *ctx, const struct session_tokens *st);
    void *ctx;
};

/*
 * Creates a session at now: signs its refresh then access token, calls
 * hook (may be NULL), then stores it (lock_version 0 → 1).  Emits
 * charon.session.create.  Returns CHARON_OK or a code with err filled;
 * on failure nothing is stored.
 */
int session_tokens_create(struct worker *w, const struct policy *p,
                          const struct session_opts *o, int64_t now,
                          const struct session_tokens_hook *hook,
                          struct session_tokens *out, struct charon_err *err);

/*
 * Refreshes loaded (read from the store at lock_version
 * loaded->lock_version) at now: new refresh token id, refreshed_at, and
 * when new_cycle a new token generation; expires_at and extra_payload are
 * kept; hook as for create.  CHARON_ECONFLICT
 * (charon.session.lock_conflict) when another refresh won the race;
 * CHARON_ENOTFOUND when the session has ended.
 */
int session_tokens_refresh(struct worker *w, const struct policy *p,
                           const struct session *loaded, int new_cycle,
                           int64_t now, const struct session_tokens_hook *hook,
                           struct session_tokens *out,
                           struct charon_err *err);

void session_tokens_free(struct session_tokens *st);

#endif /* CHARON_SESSION_TOKENS_H */
