/* ids.h - random identifiers (session ids, token ids). */
#ifndef CHARON_IDS_H
#define CHARON_IDS_H

#include <charon/err.h>

#define IDS_LEN 22   /* 16 random bytes, base64url, no padding */

/* Writes a fresh id of IDS_LEN characters plus NUL into out
 * (IDS_LEN + 1 bytes).  CHARON_EIO if the CSPRNG fails. */
int ids_generate(char out[IDS_LEN + 1], struct charon_err *err);

#endif /* CHARON_IDS_H */
