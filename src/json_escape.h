/*
 * json_escape.h - text as a JSON string: the one escaper of the JSON the
 * daemon answers and stores, of the JSON event lines, and of the values
 * quoted in plain log lines (log_quote).
 */
#ifndef CHARON_JSON_ESCAPE_H
#define CHARON_JSON_ESCAPE_H

#include <stddef.h>

#include <charon/buf.h>

enum json_escape_mode {
    /* What JSON requires: '"', '\\' and U+0000-U+001F escaped, any other
     * byte as it is (UTF-8 passes through). */
    JSON_ESCAPE_UTF8 = 0,
    /* One line of printable ASCII, for logs: also DEL and every non-ASCII
     * character as \uXXXX (a surrogate pair above U+FFFF), so U+2028,
     * U+0085 and terminal escapes cannot end or forge a line; a byte
     * that is not valid UTF-8 becomes \ufffd. */
    JSON_ESCAPE_ASCII = 1
};

#define JSON_ESCAPE_UNIT_MAX 12  /* the longest escape: a surrogate pair */

/* Escapes the character at s (len > 0 bytes) into out, which is not
 * NUL-terminated; sets *used to the bytes of s it took and returns the
 * length written (1 to JSON_ESCAPE_UNIT_MAX). */
size_t json_escape_unit(const char *s, size_t len, enum json_escape_mode mode,
                        char out[JSON_ESCAPE_UNIT_MAX], size_t *used);

/* Appends s[0..len) to b as a JSON string, quotes included.
 * CHARON_OK or CHARON_ENOMEM. */
int json_escape(struct charon_buf *b, const char *s, size_t len,
                enum json_escape_mode mode);

#endif /* CHARON_JSON_ESCAPE_H */
