/* user_id.c - which user ids are valid (see user_id.h). */
#include "user_id.h"

#include <stdint.h>

#include "utf8.h"

static int
user_id_int_check(const char *s, size_t len, struct charon_err *err)
{
    size_t i = len > 0 && s[0] == '-' ? 1 : 0;

    if (len == i || len > USER_ID_MAX)
        return charon_err_set(err, CHARON_EINVAL, "user_id must be an "
                              "integer of 1 to %d characters", USER_ID_MAX);
    if (s[i] == '0' && (len - i > 1 || i == 1))     /* "-0" is "0" */
        return charon_err_set(err, CHARON_EINVAL, "user_id must be an "
                              "integer without a leading zero");
    for (; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return charon_err_set(err, CHARON_EINVAL, "user_id must be an "
                                  "integer");
    return CHARON_OK;
}

/* A character that a header value or a CGI variable may drop, replace
 * or read as the end of a line. */
static int
user_id_char_altered(uint32_t c)
{
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 ||
           c == 0x2029;
}

int
user_id_check(const char *s, size_t len, int is_int, struct charon_err *err)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t c;
    size_t i, n;

    if (is_int)
        return user_id_int_check(s, len, err);
    if (len == 0 || len > USER_ID_MAX)
        return charon_err_set(err, CHARON_EINVAL, "user_id must be 1 to %d "
                              "bytes of text", USER_ID_MAX);
    if (p[0] == ' ' || p[len - 1] == ' ')
        return charon_err_set(err, CHARON_EINVAL, "user_id must not start "
                              "or end with a space (web servers trim it)");
    for (i = 0; i < len; i += n) {
        n = utf8_decode(p + i, len - i, &c);
        if (n == 0)
            return charon_err_set(err, CHARON_EINVAL, "user_id is not "
                                  "valid UTF-8 (byte %zu)", i + 1);
        if (user_id_char_altered(c))
            return charon_err_set(err, CHARON_EINVAL, "user_id must not "
                                  "hold a control character or line "
                                  "separator (U+%04X at byte %zu)",
                                  (unsigned)c, i + 1);
    }
    return CHARON_OK;
}
