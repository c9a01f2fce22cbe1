/* freshness.c - refresh-token generations. */
#include "freshness.h"

struct freshness
freshness_judge(int64_t cur, int64_t prev, int64_t iat, int64_t now,
                long cycle, long skew)
{
    struct freshness f;
    int64_t from;

    /* The stored times come from a signed session and are sane; the
     * claimed iat is only compared, so nothing here can overflow. */
    f.new_cycle = cur < now - cycle;
    from = f.new_cycle ? cur : prev;
    f.fresh = iat >= from - skew;
    return f;
}

void
freshness_advance(int new_cycle, int64_t now, int64_t *cur, int64_t *prev)
{
    if (new_cycle) {
        *prev = *cur;
        *cur = now;
    }
}
