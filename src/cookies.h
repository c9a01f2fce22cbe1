/*
 * cookies.h - the Set-Cookie headers of the cookie transports
 * (docs/CHARON.md §8.3, §8.5), serialised as Plug does:
 *
 *   name=value; path=/; domain=D; expires=<RFC 1123>; max-age=N; secure;
 *   HttpOnly; SameSite=Strict
 */
#ifndef CHARON_COOKIES_H
#define CHARON_COOKIES_H

#include <stdint.h>

struct http_reply;
struct charon_section;

/* Sets cookie name to value for max_age seconds from now, with the
 * configured path, domain, Secure and SameSite, always HttpOnly. */
void cookies_set(struct http_reply *reply, const struct charon_section *c,
                 const char *name, const char *value, int64_t max_age,
                 int64_t now);

/* Expires cookie name (empty value, max-age=0, expires in 1970). */
void cookies_clear(struct http_reply *reply, const struct charon_section *c,
                   const char *name);

/* Clears the refresh cookie, then the access cookie (logout). */
void cookies_clear_both(struct http_reply *reply,
                        const struct charon_section *c);

#endif /* CHARON_COOKIES_H */
