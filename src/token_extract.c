/* token_extract.c - Authorization header and split-signature cookies. */
#include "token_extract.h"

#include <string.h>

#include <charon/err.h>

const char *
token_extract_cookie(const char *cookie_header, const char *name, size_t *len)
{
    size_t name_len = strlen(name);
    const char *p = cookie_header, *end;

    if (p == NULL || name_len == 0)
        return NULL;
    while (*p != '\0') {
        while (*p == ' ' || *p == '\t' || *p == ';')
            p++;
        end = p + strcspn(p, ";");
        if ((size_t)(end - p) > name_len && strncmp(p, name, name_len) == 0 &&
            p[name_len] == '=') {
            p += name_len + 1;
            while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
                end--;
            *len = (size_t)(end - p);
            return p;
        }
        p = end;
    }
    return NULL;
}

int
token_extract(const char *authorization, const char *cookie_header,
              const char *cookie_name, struct charon_buf *out)
{
    const char *bearer = NULL, *cookie;
    size_t bearer_len = 0, cookie_len = 0;

    charon_buf_reset(out);
    if (authorization != NULL) {
        if (strncmp(authorization, "Bearer: ", 8) == 0)
            bearer = authorization + 8;
        else if (strncmp(authorization, "Bearer ", 7) == 0)
            bearer = authorization + 7;
        if (bearer != NULL && bearer[0] == '\0')
            bearer = NULL;
        if (bearer != NULL)
            bearer_len = strlen(bearer);
    }
    cookie = token_extract_cookie(cookie_header, cookie_name, &cookie_len);
    if (cookie != NULL && cookie_len == 0)
        cookie = NULL;
    if (cookie == NULL) {
        if (bearer == NULL)
            return TOKEN_TRANSPORT_NONE;
        if (charon_buf_append(out, bearer, bearer_len) != CHARON_OK)
            return -1;
        return TOKEN_TRANSPORT_BEARER;
    }
    if (bearer == NULL) {
        if (charon_buf_append(out, cookie, cookie_len) != CHARON_OK)
            return -1;
        return TOKEN_TRANSPORT_COOKIE_ONLY;
    }
    if (cookie[0] == '.' || bearer[bearer_len - 1] == '.') {
        if (charon_buf_append(out, bearer, bearer_len) != CHARON_OK ||
            charon_buf_append(out, cookie, cookie_len) != CHARON_OK)
            return -1;
        return TOKEN_TRANSPORT_COOKIE;
    }
    if (charon_buf_append(out, bearer, bearer_len) != CHARON_OK)
        return -1;
    return TOKEN_TRANSPORT_BEARER;
}
