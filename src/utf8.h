/* utf8.h - strict UTF-8 decoding (RFC 3629), one character at a time. */
#ifndef CHARON_UTF8_H
#define CHARON_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes the character at p (len > 0 bytes available) into *cp and
 * returns its length, 1 to 4; 0 if p does not start a valid sequence
 * (a stray continuation byte, a truncated sequence, an overlong form, a
 * surrogate, or a value above U+10FFFF). */
size_t utf8_decode(const unsigned char *p, size_t len, uint32_t *cp);

#endif /* CHARON_UTF8_H */
