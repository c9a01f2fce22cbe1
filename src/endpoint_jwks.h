/* endpoint_jwks.h - GET {prefix}/jwks.json: the public EdDSA keys. */
#ifndef CHARON_ENDPOINT_JWKS_H
#define CHARON_ENDPOINT_JWKS_H

struct worker;

void endpoint_jwks(struct worker *w);

#endif /* CHARON_ENDPOINT_JWKS_H */
