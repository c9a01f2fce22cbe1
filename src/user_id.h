/*
 * user_id.h - the user ids charon-fcgi hands out (login, charonctl
 * session create) and accepts (a token's "sub").
 *
 * A user id reaches the backend as a header value (X-Charon-User-Id) or
 * a CGI variable (REMOTE_USER, CHARON_USER_ID).  On the way, web servers
 * trim spaces around header values and cut or replace control
 * characters, so "admin " would arrive as "admin".  An id that a header
 * or a variable could change is refused; the one the backend sees is
 * then byte for byte the one in the token.  The rule is in
 * docs/SECURITY.md ("User ids").
 */
#ifndef CHARON_USER_ID_H
#define CHARON_USER_ID_H

#include <stddef.h>

#include <charon/err.h>

#define USER_ID_MAX 255         /* bytes of an id, NUL not included */

/*
 * 0 when s[0..len) is a valid user id, else CHARON_EINVAL with err saying
 * why (the id itself is never quoted: it may hold anything).
 *
 * is_int: an integer id (a JSON number) of any size, kept as its text so
 * a bigint or Snowflake id stays exact: an optional "-", then digits
 * without a leading zero ("-0" neither), USER_ID_MAX characters at most.
 * Otherwise a text id: 1 to USER_ID_MAX bytes of valid UTF-8 (no overlong
 * form, no surrogate, nothing above U+10FFFF) holding no control
 * character (U+0000-U+001F: NUL, TAB, CR, LF...; U+007F DEL; U+0080-U+009F)
 * and no line or paragraph separator (U+2028, U+2029), and neither
 * starting nor ending with a space.
 */
int user_id_check(const char *s, size_t len, int is_int,
                  struct charon_err *err);

#endif /* CHARON_USER_ID_H */
