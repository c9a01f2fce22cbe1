/*
 * test_freshness.c - Charon's refresh-token generations, on the example
 * its documentation gives (docs/CHARON.md §6, cycle 5 s, drift 5 s):
 *
 *   t0 login A; t10 refresh → B (g2, prev g1): A, B fresh;
 *   t12 → C (still g2): A, B, C fresh; t20 → D (g3, prev g2): B, C, D
 *   fresh, A stale; t30 → E: D, E fresh.
 */
#include <stdint.h>
#include <stdio.h>

#include "cu_main.h"
#include "freshness.h"

#define CYCLE 5
#define SKEW 5

/* The session's two generation fields, as stored. */
struct gen {
    int64_t cur;
    int64_t prev;
};

/* A refresh at now with a token issued at iat: judged, then (if fresh)
 * the session advanced as the following upsert does.  Returns fresh. */
static int
refresh(struct gen *g, int64_t iat, int64_t now)
{
    struct freshness f = freshness_judge(g->cur, g->prev, iat, now, CYCLE,
                                         SKEW);

    if (f.fresh)
        freshness_advance(f.new_cycle, now, &g->cur, &g->prev);
    return f.fresh;
}

/* "ABCDE"[i] is fresh at now iff fresh[i] == 'y'. */
static void
expect_fresh(const struct gen *g, const int64_t *iat, int n, int64_t now,
             const char *fresh)
{
    int i;

    for (i = 0; i < n; i++) {
        struct freshness f = freshness_judge(g->cur, g->prev, iat[i], now,
                                             CYCLE, SKEW);
        CU_ASSERT_EQUAL(fresh[i] == 'y', f.fresh);
        if ((fresh[i] == 'y') != f.fresh)
            fprintf(stderr, "\ntoken %c at t%lld: expected %s\n", 'A' + i,
                    (long long)now, fresh[i] == 'y' ? "fresh" : "stale");
    }
}

static void
test_the_documented_example_table(void)
{
    /* Login at t0: tokens_fresh_from = prev_tokens_fresh_from = now. */
    struct gen g = { 0, 0 };
    int64_t iat[5] = { 0, 10, 12, 20, 30 };       /* A B C D E */

    expect_fresh(&g, iat, 1, 0, "y");
    CU_ASSERT_TRUE(refresh(&g, iat[0], 10));      /* A → B */
    CU_ASSERT_EQUAL(10, g.cur);
    CU_ASSERT_EQUAL(0, g.prev);
    expect_fresh(&g, iat, 2, 10, "yy");
    CU_ASSERT_TRUE(refresh(&g, iat[1], 12));      /* B → C, same gen */
    CU_ASSERT_EQUAL(10, g.cur);
    CU_ASSERT_EQUAL(0, g.prev);
    expect_fresh(&g, iat, 3, 12, "yyy");
    CU_ASSERT_TRUE(refresh(&g, iat[2], 20));      /* C → D, new gen */
    CU_ASSERT_EQUAL(20, g.cur);
    CU_ASSERT_EQUAL(10, g.prev);
    expect_fresh(&g, iat, 4, 20, "nyyy");
    CU_ASSERT_TRUE(refresh(&g, iat[3], 30));      /* D → E */
    CU_ASSERT_EQUAL(30, g.cur);
    CU_ASSERT_EQUAL(20, g.prev);
    expect_fresh(&g, iat, 5, 30, "nnnyy");
    /* A stale token refreshes nothing and changes nothing. */
    CU_ASSERT_FALSE(refresh(&g, iat[0], 30));
    CU_ASSERT_EQUAL(30, g.cur);
}

static void
test_the_cycle_test_is_strict_and_the_drift_inclusive(void)
{
    struct freshness f;

    /* cur + cycle < now is strict: at exactly cur + cycle, no new cycle. */
    f = freshness_judge(100, 50, 100, 105, CYCLE, SKEW);
    CU_ASSERT_FALSE(f.new_cycle);
    f = freshness_judge(100, 50, 100, 106, CYCLE, SKEW);
    CU_ASSERT_TRUE(f.new_cycle);
    /* iat >= fresh_from - drift: the boundary itself is fresh. */
    f = freshness_judge(100, 50, 45, 101, CYCLE, SKEW);
    CU_ASSERT_TRUE(f.fresh);
    f = freshness_judge(100, 50, 44, 101, CYCLE, SKEW);
    CU_ASSERT_FALSE(f.fresh);
    f = freshness_judge(100, 50, 95, 200, CYCLE, SKEW);
    CU_ASSERT_TRUE(f.fresh);
    f = freshness_judge(100, 50, 94, 200, CYCLE, SKEW);
    CU_ASSERT_FALSE(f.fresh);
}

static void
test_a_stale_check_still_reports_the_cycle(void)
{
    /* Charon remembers the cycle flag even when the check fails. */
    struct freshness f = freshness_judge(100, 50, 0, 200, CYCLE, SKEW);

    CU_ASSERT_FALSE(f.fresh);
    CU_ASSERT_TRUE(f.new_cycle);
}

static void
test_extreme_claims_do_not_overflow(void)
{
    struct freshness f;

    f = freshness_judge(100, 50, INT64_MAX, 101, CYCLE, SKEW);
    CU_ASSERT_TRUE(f.fresh);
    f = freshness_judge(100, 50, INT64_MIN, 101, CYCLE, SKEW);
    CU_ASSERT_FALSE(f.fresh);
}

static const CU_TestInfo freshness_tests[] = {
    { "Charon's example table: t0/10/12/20/30",
      test_the_documented_example_table },
    { "the cycle test is strict and the drift inclusive",
      test_the_cycle_test_is_strict_and_the_drift_inclusive },
    { "a stale check still reports the cycle",
      test_a_stale_check_still_reports_the_cycle },
    { "extreme iat values do not overflow", test_extreme_claims_do_not_overflow },
    CU_TEST_INFO_NULL
};

int
main(void)
{
    static const struct cu_suite suites[] = {
        { "freshness", NULL, NULL, freshness_tests },
        { NULL, NULL, NULL, NULL }
    };

    return cu_main(suites);
}
