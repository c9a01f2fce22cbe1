#ifndef CHARON_CLAIMS_H
#define CHARON_CLAIMS_H
#endif
