/*
 * token_extract.h - finding the token of a request, as Charon's
 * GetTokenFromAuthHeader and GetTokenFromCookie plugs do.
 */
#ifndef CHARON_TOKEN_EXTRACT_H
#define CHARON_TOKEN_EXTRACT_H

#include <stddef.h>

#include <charon/buf.h>

enum token_transport {
    TOKEN_TRANSPORT_NONE = 0,
    TOKEN_TRANSPORT_BEARER,       /* whole token in Authorization       */
    TOKEN_TRANSPORT_COOKIE,       /* "h.p" in Authorization + ".s" cookie */
    TOKEN_TRANSPORT_COOKIE_ONLY   /* whole token in the cookie          */
};

/*
 * The value of cookie name in a Cookie header ("a=1; b=2"), or NULL; the
 * first match wins.  *len is its length (values are not NUL-terminated).
 */
const char *token_extract_cookie(const char *cookie_header, const char *name,
                                 size_t *len);

/*
 * Puts the request's token into out (reset first) and returns its
 * transport, or TOKEN_TRANSPORT_NONE.  authorization is the first
 * Authorization header (only "Bearer " and "Bearer: " count, case as
 * written, value verbatim); cookie_header the Cookie header; cookie_name
 * the access or refresh cookie.  A cookie starting with "." (or a header
 * token ending with ".") is the signature re-joined to the header token;
 * a cookie alone is a whole token; a cookie next to a bearer token that
 * fits neither rule is ignored.  Returns -1 on allocation failure.
 */
int token_extract(const char *authorization, const char *cookie_header,
                  const char *cookie_name, struct charon_buf *out);

#endif /* CHARON_TOKEN_EXTRACT_H */
