/* endpoint_health.h - GET {prefix}/health: 200 when the store answers. */
#ifndef CHARON_ENDPOINT_HEALTH_H
#define CHARON_ENDPOINT_HEALTH_H

struct worker;

void endpoint_health(struct worker *w);

#endif /* CHARON_ENDPOINT_HEALTH_H */
