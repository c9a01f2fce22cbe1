/* ids.c - 16 CSPRNG bytes as 22 base64url characters, like Charon's gen_id. */
#include "ids.h"

#include <openssl/rand.h>

#include "b64url.h"

int
ids_generate(char out[IDS_LEN + 1], struct charon_err *err)
{
    unsigned char raw[16];

    if (RAND_bytes(raw, sizeof(raw)) != 1)
        return charon_err_set(err, CHARON_EIO, "random number generator failed");
    b64url_encode(raw, sizeof(raw), out);
    out[IDS_LEN] = '\0';
    return CHARON_OK;
}
