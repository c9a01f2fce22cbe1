/*
 * fuzz_token_extract.c - token_extract and token_extract_cookie.  The
 * input is split on NUL bytes into an Authorization value, a Cookie header
 * and a cookie name; a missing part is NULL (the header is absent).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <charon/buf.h>

#include "token_extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The next NUL-terminated part of data as its own exact-size heap
 * string, or NULL when the input is used up. */
static char *
fuzz_part(const uint8_t *data, size_t size, size_t *pos)
{
    const uint8_t *nul;
    size_t n;
    char *s;

    if (*pos >= size)
        return NULL;
    nul = memchr(data + *pos, '\0', size - *pos);
    n = nul != NULL ? (size_t)(nul - (data + *pos)) : size - *pos;
    s = malloc(n + 1);
    if (s == NULL)
        abort();
    memcpy(s, data + *pos, n);
    s[n] = '\0';
    *pos += n + 1;
    return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct charon_buf out = CHARON_BUF_INIT;
    char *auth, *cookie, *name;
    const char *v;
    size_t pos = 0, len = 0;
    int t;

    auth = fuzz_part(data, size, &pos);
    cookie = fuzz_part(data, size, &pos);
    name = fuzz_part(data, size, &pos);
    if (cookie != NULL) {
        v = token_extract_cookie(cookie, name != NULL ? name : "access", &len);
        if (v != NULL && (v < cookie || v + len > cookie + strlen(cookie)))
            abort();
    }
    t = token_extract(auth, cookie, name != NULL ? name : "access", &out);
    if (t == TOKEN_TRANSPORT_NONE && out.len != 0)
        abort();
    if (t > 0 && (out.data == NULL || out.len == 0 ||
                  strlen((const char *)out.data) != out.len))
        abort();
    if (t < -1 || t > TOKEN_TRANSPORT_COOKIE_ONLY)
        abort();
    charon_buf_free(&out);
    free(auth);
    free(cookie);
    free(name);
    return 0;
}
