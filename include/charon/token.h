/*
 * charon/token.h - the token factory plugin kind (e.g. token_jwt).
 *
 * A token factory turns a payload (a compact JSON object) into a signed
 * token and back.  It checks signatures only: exp, nbf, type and every
 * other claim rule are the core's job.
 */
#ifndef CHARON_TOKEN_H
#define CHARON_TOKEN_H

#include <charon/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

struct charon_token_plugin {
    struct charon_plugin_header hdr;   /* hdr.kind == CHARON_PLUGIN_TOKEN */

    /*
     * Signs payload (payload_len bytes of a JSON object, not
     * NUL-terminated) with the configured signing key and appends the
     * token (ASCII, no whitespace) to out.  Returns CHARON_OK,
     * CHARON_EINVAL (payload not a JSON object) or CHARON_ENOMEM.
     * Called from any worker thread, concurrently.
     */
    int (*sign)(void *instance, void *ts, const char *payload,
                size_t payload_len, struct charon_buf *out,
                struct charon_err *err);

    /*
     * Verifies token (token_len bytes, not NUL-terminated) and appends
     * the decoded payload JSON to out.  It does not parse the payload
     * beyond what signature checking needs and checks no claim.
     * Returns CHARON_OK; CHARON_ETOKEN with err->msg one of Charon's
     * reasons ("malformed token", "encoding invalid", "json invalid",
     * "malformed header", "key not found", "signature invalid",
     * "algorithm mismatch", "token too long"); or CHARON_ENOMEM.
     * Called from any worker thread, concurrently.
     */
    int (*verify)(void *instance, void *ts, const char *token,
                  size_t token_len, struct charon_buf *out,
                  struct charon_err *err);

    /*
     * Appends the public keys as a JWKS document {"keys":[...]} to out
     * (an empty "keys" array when no key is public).  ts is the calling
     * thread's state, as for sign and verify.  Called from any worker
     * thread, concurrently.
     */
    int (*public_jwks)(void *instance, void *ts, struct charon_buf *out,
                       struct charon_err *err);
};

#ifdef __cplusplus
}
#endif
#endif /* CHARON_TOKEN_H */
