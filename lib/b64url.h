/*
 * b64url.h - base64url (RFC 4648 §5) as Charon uses it.
 *
 * Encoding never pads.  Decoding accepts unpadded and padded ("=", "==")
 * input, ignores non-zero trailing bits of the last character, and fails
 * on a length of 1 mod 4 or any character outside A-Z a-z 0-9 - _.
 * Linked statically into the core and into the plugins that need it.
 */
#ifndef CHARON_B64URL_H
#define CHARON_B64URL_H

#include <stddef.h>

/* Characters needed to encode n bytes (no padding, no NUL). */
#define B64URL_ENCODED_LEN(n) (((n) / 3) * 4 + ((n) % 3 ? (n) % 3 + 1 : 0))
/* Upper bound of bytes decoded from n characters. */
#define B64URL_DECODED_MAX(n) (((n) / 4) * 3 + 2)

/* Writes B64URL_ENCODED_LEN(len) characters to out (no NUL added);
 * returns that count. */
size_t b64url_encode(const unsigned char *in, size_t len, char *out);

/* Decodes len characters into out (room for B64URL_DECODED_MAX(len));
 * returns 0 and sets *out_len, or -1 on malformed input. */
int b64url_decode(const char *in, size_t len, unsigned char *out,
                  size_t *out_len);

#endif /* CHARON_B64URL_H */
