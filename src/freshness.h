/*
 * freshness.h - Charon's refresh-token generations (docs/CHARON.md §6):
 * tokens of the current and the previous generation are fresh; a new
 * generation starts at the first refresh more than fresh_cycle seconds
 * after the current one began, and the one before the previous goes
 * stale.  A stolen refresh token that its owner has since used twice
 * across generations is worthless.
 */
#ifndef CHARON_FRESHNESS_H
#define CHARON_FRESHNESS_H

#include <stdint.h>

struct freshness {
    int new_cycle;      /* the refresh that follows starts a generation */
    int fresh;          /* iat is within the live generations           */
};

/*
 * Judges a token issued at iat against a session's tokens_fresh_from
 * (cur) and prev_tokens_fresh_from (prev) at now:
 *     new_cycle = cur + cycle < now            (strict)
 *     fresh     = iat >= (new_cycle ? cur : prev) - skew
 */
struct freshness freshness_judge(int64_t cur, int64_t prev, int64_t iat,
                                 int64_t now, long cycle, long skew);

/* The generation fields after a refresh at now: when new_cycle,
 * prev = cur and cur = now; otherwise unchanged. */
void freshness_advance(int new_cycle, int64_t now, int64_t *cur,
                       int64_t *prev);

#endif /* CHARON_FRESHNESS_H */
