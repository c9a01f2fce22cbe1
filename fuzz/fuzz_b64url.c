/*
 * fuzz_b64url.c - b64url_decode of arbitrary input; whatever decodes must
 * re-encode and decode to the same bytes.  The input is also encoded as
 * raw bytes and must decode back to itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_roundtrip(const unsigned char *raw, size_t n)
{
    unsigned char *back;
    char *enc;
    size_t elen, blen = 0;

    enc = malloc(B64URL_ENCODED_LEN(n) + 1);
    back = malloc(B64URL_DECODED_MAX(B64URL_ENCODED_LEN(n)));
    if (enc == NULL || back == NULL)
        abort();
    elen = b64url_encode(raw, n, enc);
    if (elen != B64URL_ENCODED_LEN(n) || elen % 4 == 1)
        abort();
    if (memchr(enc, '=', elen) != NULL || memchr(enc, '+', elen) != NULL ||
        memchr(enc, '/', elen) != NULL)
        abort();
    if (b64url_decode(enc, elen, back, &blen) != 0 || blen != n ||
        (n > 0 && memcmp(back, raw, n) != 0))
        abort();
    free(enc);
    free(back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *out;
    size_t n = 0;

    out = malloc(B64URL_DECODED_MAX(size));
    if (out == NULL)
        abort();
    if (b64url_decode((const char *)data, size, out, &n) == 0) {
        if (n > B64URL_DECODED_MAX(size) || n > size)
            abort();
        fuzz_roundtrip(out, n);
    }
    free(out);
    fuzz_roundtrip(data, size);
    return 0;
}
