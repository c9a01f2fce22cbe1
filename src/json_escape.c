/* json_escape.c - text as a JSON string (see json_escape.h). */
#include "json_escape.h"

#include <stdint.h>
#include <string.h>

#include "utf8.h"

static size_t
json_escape_u(uint32_t c, char *out)
{
    static const char hex[] = "0123456789abcdef";
    int i;

    out[0] = '\\';
    out[1] = 'u';
    for (i = 0; i < 4; i++)
        out[2 + i] = hex[(c >> (12 - 4 * i)) & 15];
    return 6;
}

size_t
json_escape_unit(const char *s, size_t len, enum json_escape_mode mode,
                 char out[JSON_ESCAPE_UNIT_MAX], size_t *used)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t c;
    size_t n;

    *used = 1;
    if (*p == '"' || *p == '\\') {
        out[0] = '\\';
        out[1] = (char)*p;
        return 2;
    }
    if (*p < 0x20 || (mode == JSON_ESCAPE_ASCII && *p == 0x7f))
        return json_escape_u(*p, out);
    if (*p < 0x80 || mode == JSON_ESCAPE_UTF8) {
        out[0] = (char)*p;
        return 1;
    }
    n = utf8_decode(p, len, &c);
    if (n == 0)
        return json_escape_u(0xfffd, out);
    *used = n;
    if (c < 0x10000)
        return json_escape_u(c, out);
    c -= 0x10000;
    json_escape_u(0xd800 | (c >> 10), out);
    return 6 + json_escape_u(0xdc00 | (c & 0x3ff), out + 6);
}

int
json_escape(struct charon_buf *b, const char *s, size_t len,
            enum json_escape_mode mode)
{
    char unit[JSON_ESCAPE_UNIT_MAX];
    size_t i, n, used;
    int rc = charon_buf_append(b, "\"", 1);

    for (i = 0; rc == CHARON_OK && i < len; i += used) {
        n = json_escape_unit(s + i, len - i, mode, unit, &used);
        rc = charon_buf_append(b, unit, n);
    }
    if (rc == CHARON_OK)
        rc = charon_buf_append(b, "\"", 1);
    return rc;
}
