/*
 * endpoint_metrics.h - GET {prefix}/metrics: the event counters in
 * Prometheus text format, when [endpoints] metrics = true (else 404).
 */
#ifndef CHARON_ENDPOINT_METRICS_H
#define CHARON_ENDPOINT_METRICS_H

struct worker;

void endpoint_metrics(struct worker *w);

#endif /* CHARON_ENDPOINT_METRICS_H */
