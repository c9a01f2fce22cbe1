/* cookies.c - Set-Cookie for the cookie transports. */
#include "cookies.h"

#include <stdio.h>
#include <time.h>

#include "config_charon.h"
#include "http_reply.h"

static const char *
cookies_same_site(int same_site)
{
    switch (same_site) {
    case CONFIG_SAME_SITE_LAX:
        return "Lax";
    case CONFIG_SAME_SITE_NONE:
        return "None";
    default:
        return "Strict";
    }
}

/* Set-Cookie from its parts; expires is already formatted. */
static void
cookies_header(struct http_reply *reply, const struct charon_section *c,
               const char *name, const char *value, const char *expires,
               long long max_age)
{
    char line[8192];
    const char *domain = c->cookie_domain != NULL ? c->cookie_domain : "";
    int n;

    n = snprintf(line, sizeof(line),
                 "%s=%s; path=%s%s%s; expires=%s; max-age=%lld%s; HttpOnly; "
                 "SameSite=%s", name, value,
                 c->cookie_path != NULL ? c->cookie_path : "/",
                 domain[0] != '\0' ? "; domain=" : "", domain, expires,
                 max_age, c->cookie_secure ? "; secure" : "",
                 cookies_same_site(c->cookie_same_site));
    if (n < 0 || (size_t)n >= sizeof(line)) {
        reply->failed = 1;      /* a token this long never gets here */
        return;
    }
    http_reply_header(reply, "Set-Cookie", line);
}

void
cookies_set(struct http_reply *reply, const struct charon_section *c,
            const char *name, const char *value, int64_t max_age,
            int64_t now)
{
    char expires[64];
    time_t t = (time_t)(now + max_age);
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL ||
        strftime(expires, sizeof(expires), "%a, %d %b %Y %H:%M:%S GMT",
                 &tm) == 0) {
        reply->failed = 1;
        return;
    }
    cookies_header(reply, c, name, value, expires, (long long)max_age);
}

void
cookies_clear(struct http_reply *reply, const struct charon_section *c,
              const char *name)
{
    cookies_header(reply, c, name, "", "Thu, 01 Jan 1970 00:00:00 GMT", 0);
}

void
cookies_clear_both(struct http_reply *reply, const struct charon_section *c)
{
    cookies_clear(reply, c, c->refresh_cookie_name);
    cookies_clear(reply, c, c->access_cookie_name);
}
