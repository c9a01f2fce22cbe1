/* b64url.c - table-driven base64url encoder and decoder. */
#include "b64url.h"

#include <stdint.h>

static const char b64url_alphabet[64] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* 0..63 for alphabet characters, 0xff for everything else. */
static const uint8_t b64url_value[256] = {
    ['A'] = 0,  ['B'] = 1,  ['C'] = 2,  ['D'] = 3,  ['E'] = 4,  ['F'] = 5,
    ['G'] = 6,  ['H'] = 7,  ['I'] = 8,  ['J'] = 9,  ['K'] = 10, ['L'] = 11,
    ['M'] = 12, ['N'] = 13, ['O'] = 14, ['P'] = 15, ['Q'] = 16, ['R'] = 17,
    ['S'] = 18, ['T'] = 19, ['U'] = 20, ['V'] = 21, ['W'] = 22, ['X'] = 23,
    ['Y'] = 24, ['Z'] = 25, ['a'] = 26, ['b'] = 27, ['c'] = 28, ['d'] = 29,
    ['e'] = 30, ['f'] = 31, ['g'] = 32, ['h'] = 33, ['i'] = 34, ['j'] = 35,
    ['k'] = 36, ['l'] = 37, ['m'] = 38, ['n'] = 39, ['o'] = 40, ['p'] = 41,
    ['q'] = 42, ['r'] = 43, ['s'] = 44, ['t'] = 45, ['u'] = 46, ['v'] = 47,
    ['w'] = 48, ['x'] = 49, ['y'] = 50, ['z'] = 51, ['0'] = 52, ['1'] = 53,
    ['2'] = 54, ['3'] = 55, ['4'] = 56, ['5'] = 57, ['6'] = 58, ['7'] = 59,
    ['8'] = 60, ['9'] = 61, ['-'] = 62, ['_'] = 63,
};

/* The table above leaves every other byte 0, which is also the value of
 * 'A'; this one tells the two apart. */
static int
b64url_is_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_';
}

size_t
b64url_encode(const unsigned char *in, size_t len, char *out)
{
    size_t i, o = 0;
    uint32_t v;

    for (i = 0; i + 3 <= len; i += 3) {
        v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = b64url_alphabet[v >> 18];
        out[o++] = b64url_alphabet[(v >> 12) & 63];
        out[o++] = b64url_alphabet[(v >> 6) & 63];
        out[o++] = b64url_alphabet[v & 63];
    }
    if (len - i == 1) {
        v = (uint32_t)in[i] << 16;
        out[o++] = b64url_alphabet[v >> 18];
        out[o++] = b64url_alphabet[(v >> 12) & 63];
    } else if (len - i == 2) {
        v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = b64url_alphabet[v >> 18];
        out[o++] = b64url_alphabet[(v >> 12) & 63];
        out[o++] = b64url_alphabet[(v >> 6) & 63];
    }
    return o;
}

int
b64url_decode(const char *in, size_t len, unsigned char *out, size_t *out_len)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t i, o = 0;
    uint32_t v;

    /* Padding is accepted only as the complement of a 2- or 3-char tail. */
    if (len % 4 == 0 && len >= 4) {
        if (s[len - 1] == '=' && s[len - 2] == '=')
            len -= 2;
        else if (s[len - 1] == '=')
            len -= 1;
    }
    if (len % 4 == 1)
        return -1;
    for (i = 0; i < len; i++)
        if (!b64url_is_char(s[i]))
            return -1;
    for (i = 0; i + 4 <= len; i += 4) {
        v = (uint32_t)b64url_value[s[i]] << 18 |
            (uint32_t)b64url_value[s[i + 1]] << 12 |
            (uint32_t)b64url_value[s[i + 2]] << 6 | b64url_value[s[i + 3]];
        out[o++] = (unsigned char)(v >> 16);
        out[o++] = (unsigned char)(v >> 8);
        out[o++] = (unsigned char)v;
    }
    if (len - i == 2) {
        v = (uint32_t)b64url_value[s[i]] << 18 |
            (uint32_t)b64url_value[s[i + 1]] << 12;
        out[o++] = (unsigned char)(v >> 16);
    } else if (len - i == 3) {
        v = (uint32_t)b64url_value[s[i]] << 18 |
            (uint32_t)b64url_value[s[i + 1]] << 12 |
            (uint32_t)b64url_value[s[i + 2]] << 6;
        out[o++] = (unsigned char)(v >> 16);
        out[o++] = (unsigned char)(v >> 8);
    }
    *out_len = o;
    return 0;
}
