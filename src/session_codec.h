/*
 * session_codec.h - a session and its stored blob (docs/CHARON.md §3):
 * Charon's fields as JSON, signed so that whoever can write to the store
 * cannot forge or alter a session:
 *
 *     "signed." ‖ HMAC-SHA256(key, json) (32 raw bytes) ‖ "." ‖ json
 *
 * with key = PBKDF2(base secret, "RedisStore HMAC").  The reader also
 * accepts Charon's "signed_u64." ‖ base64url(HMAC) ‖ "." ‖ json.  A blob
 * that fails any check is treated as absent, never trusted.
 */
#ifndef CHARON_SESSION_CODEC_H
#define CHARON_SESSION_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include <charon/buf.h>
#include <charon/err.h>

#include "hmac_cache.h"

#define SESSION_VERSION 7
#define SESSION_INFINITE (-1)
#define SESSION_KEY_LEN 32
#define SESSION_FIELD_MAX 256     /* id, user id, type, token id, NUL incl. */

struct session {
    char id[SESSION_FIELD_MAX];
    char user_id[SESSION_FIELD_MAX];
    int user_id_is_int;              /* JSON integer rather than string   */
    char type[SESSION_FIELD_MAX];
    int64_t created_at;
    int64_t expires_at;              /* SESSION_INFINITE or Unix seconds  */
    int64_t refresh_expires_at;
    char refresh_token_id[SESSION_FIELD_MAX];
    int64_t refreshed_at;
    int64_t tokens_fresh_from;
    int64_t prev_tokens_fresh_from;
    uint64_t lock_version;
    char *extra_payload;             /* heap: a JSON object's text        */
    /* An issuer login's claim overrides, kept for every refresh: heap,
     * a JSON object's text, or NULL for none (and in older blobs). */
    char *access_overrides;
    char *refresh_overrides;
    int version;
};

/* What a stored session must match to be used. */
struct session_expect {
    const char *user_id;             /* text of "sub"                     */
    int user_id_is_int;              /* int 1 is not string "1" (Charon)  */
    const char *type;
    const char *session_id;          /* NULL: any (get_all)               */
    int64_t now;                     /* refresh_expires_at >= now         */
};

/*
 * hc is the calling thread's HMAC context (struct worker's session_mac),
 * re-keyed only when the key changes; NULL computes each MAC afresh.
 */

/* Appends the blob of s to out. */
int session_codec_encode(struct hmac_cache *hc, const struct session *s,
                         const unsigned char key[SESSION_KEY_LEN],
                         struct charon_buf *out, struct charon_err *err);

/* Appends the JSON of s (no signature) to out. */
int session_codec_json(const struct session *s, struct charon_buf *out);

/* Appends the JSON object of s without its closing brace, so that a
 * caller may add members; for_client leaves out what only the server
 * sees (extra_payload, refresh_token_id, the claim overrides). */
int session_codec_json_fields(const struct session *s, int for_client,
                              struct charon_buf *out);

/*
 * Checks the blob's signature and fields and fills *out (free it with
 * session_free).  CHARON_ENOTFOUND, with the reason in err ("invalid
 * signature", "expired", "of another user", ...), for any blob that is
 * not a valid, live session matching want; CHARON_ENOMEM.
 */
int session_codec_decode(struct hmac_cache *hc, const void *blob, size_t len,
                         const unsigned char key[SESSION_KEY_LEN],
                         const struct session_expect *want,
                         struct session *out, struct charon_err *err);

/* Checks only the framing and MAC (any key length); on success *data
 * and *data_len name the signed bytes inside blob.  CHARON_OK,
 * CHARON_ENOTFOUND if blob is not signed with key, or CHARON_ENOMEM if
 * there was no memory to compute the MAC. */
int session_codec_check_mac(struct hmac_cache *hc, const void *blob,
                            size_t len,
                            const unsigned char *key, size_t key_len,
                            const char **data, size_t *data_len);

/* Copies src into dst, heap fields included (free dst with
 * session_free); CHARON_ENOMEM leaves dst empty. */
int session_copy(struct session *dst, const struct session *src);

void session_free(struct session *s);

#endif /* CHARON_SESSION_CODEC_H */
