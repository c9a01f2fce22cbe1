/* clock.h - the one wall clock of charon-fcgi (Unix seconds). */
#ifndef CHARON_CLOCK_H
#define CHARON_CLOCK_H

#include <stdint.h>

/* Seconds since the Epoch.  A request reads it once and uses that value
 * for every check (Charon's "request time"). */
int64_t clock_now(void);

#endif /* CHARON_CLOCK_H */
