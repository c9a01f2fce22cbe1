/* test_claims.c - claim_equals, claim_in, claim_has_all, claim_has_any. */
#include <string.h>

#include "claims.h"
#include "cu_main.h"

struct rules_src {
    struct charon_opt_entry eq[4], in[4], all[4], any[4];
    size_t neq, nin, nall, nany;
};

static int
check(const struct rules_src *s, const char *payload_json, char *reason)
{
    struct authorizer_section a;
    struct claim_rules r;
    struct json_claims payload = JSON_CLAIMS_INIT;
    int rc;

    memset(&a, 0, sizeof(a));
    a.claim_equals.entries = s->eq;
    a.claim_equals.count = s->neq;
    a.claim_in.entries = s->in;
    a.claim_in.count = s->nin;
    a.claim_has_all.entries = s->all;
    a.claim_has_all.count = s->nall;
    a.claim_has_any.entries = s->any;
    a.claim_has_any.count = s->nany;
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, claims_compile(&a, &r, NULL));
    CU_ASSERT_EQUAL_FATAL(0, json_claims_parse(payload_json,
                                               strlen(payload_json),
                                               &payload));
    reason[0] = '\0';
    rc = claims_check(&r, &payload, reason, 128);
    claims_free(&r);
    json_claims_free(&payload);
    return rc;
}

static void
test_no_rules_pass(void)
{
    struct rules_src s = { .neq = 0 };
    char reason[128];

    CU_ASSERT_EQUAL(CHARON_OK, check(&s, "{}", reason));
}

static void
test_equals_compares_strings_and_number_spellings(void)
{
    struct rules_src s = { .eq = { { "role", "admin", 1 }, { "level", "3", 2 } },
                           .neq = 2 };
    char reason[128];

    CU_ASSERT_EQUAL(CHARON_OK, check(&s, "{\"role\":\"admin\",\"level\":3}",
                                     reason));
    CU_ASSERT_EQUAL(CHARON_OK, check(&s, "{\"role\":\"admin\",\"level\":\"3\"}",
                                     reason));
    CU_ASSERT_EQUAL(CHARON_ETOKEN, check(&s, "{\"role\":\"user\",\"level\":3}",
                                         reason));
    CU_ASSERT_STRING_EQUAL("bearer token claim role invalid", reason);
    CU_ASSERT_EQUAL(CHARON_ETOKEN, check(&s, "{\"role\":\"admin\"}", reason));
    CU_ASSERT_STRING_EQUAL("bearer token claim level not found", reason);
    CU_ASSERT_EQUAL(CHARON_ETOKEN, check(&s, "{\"role\":[\"admin\"],"
                                         "\"level\":3}", reason));
    CU_ASSERT_STRING_EQUAL("bearer token claim role invalid", reason);
}

static void
test_equals_stops_at_the_first_failure(void)
{
    struct rules_src s = { .eq = { { "a", "1", 1 }, { "b", "2", 2 } },
                           .neq = 2 };
    char reason[128];

    CU_ASSERT_EQUAL(CHARON_ETOKEN, check(&s, "{\"a\":0,\"b\":0}", reason));
    CU_ASSERT_STRING_EQUAL("bearer token claim a invalid", reason);
}

static void
test_in_accepts_any_listed_value(void)
{
    struct rules_src s = { .in = { { "role", "admin moderator", 1 } },
                           .nin = 1 };
    char reason[128];

    CU_ASSERT_EQUAL(CHARON_OK, check(&s, "{\"role\":\"moderator\"}", reason));
    CU_ASSERT_EQUAL(CHARON_ETOKEN, check(&s, "{\"role\":\"mod\"}", reason));
    CU_ASSERT_STRING_EQUAL("bearer token claim role invalid", reason);
}

static void
test_has_all_needs_every_value(void)
{
    struct rules_src s = { .all = { { "scope", "read write", 1 } },
                           .nall = 1 };
    char reason[128];

    CU_ASSERT_EQUAL(CHARON_OK, check(&s, "{\"scope\":[\"admin\",\"read\","
                                     "\"write\"]}", reason));
    CU_ASSERT_EQUAL(CHARON_OK, check(&s, "{\"scope\":\"write read\"}",
                                     reason));
    CU_ASSERT_EQUAL(CHARON_ETOKEN, check(&s, "{\"scope\":[\"read\"]}",
                                         reason));
    CU_ASSERT_STRING_EQUAL("bearer token claim scope invalid", reason);
    CU_ASSERT_EQUAL(CHARON_ETOKEN, check(&s, "{\"scope\":{\"read\":1}}",
                                         reason));
    CU_ASSERT_EQUAL(CHARON_ETOKEN, check(&s, "{\"scope\":\"readwrite\"}",
                                         reason));
}

static void
test_has_any_needs_one_value(void)
{
    struct rules_src s = { .any = { { "scope", "read write", 1 } },
                           .nany = 1 };
    char reason[128];

    CU_ASSERT_EQUAL(CHARON_OK, check(&s, "{\"scope\":[\"write\"]}", reason));
    CU_ASSERT_EQUAL(CHARON_ETOKEN, check(&s, "{\"scope\":[]}", reason));
    CU_ASSERT_EQUAL(CHARON_ETOKEN, check(&s, "{}", reason));
    CU_ASSERT_STRING_EQUAL("bearer token claim scope not found", reason);
}

static void
test_has_rules_report_the_last_failing_claim_in_sorted_order(void)
{
    /* Charon's OrdsetClaimHas: "role" is checked before "scope", both fail,
     * scope's error is the one reported. */
    struct rules_src s = { .all = { { "scope", "write", 1 },
                                    { "role", "admin", 2 } },
                           .nall = 2 };
    char reason[128];

    CU_ASSERT_EQUAL(CHARON_ETOKEN, check(&s, "{\"scope\":[],\"role\":[]}",
                                         reason));
    CU_ASSERT_STRING_EQUAL("bearer token claim scope invalid", reason);
    CU_ASSERT_EQUAL(CHARON_ETOKEN, check(&s, "{\"scope\":[\"write\"],"
                                         "\"role\":[]}", reason));
    CU_ASSERT_STRING_EQUAL("bearer token claim role invalid", reason);
}

static void
test_escaped_values_compare_decoded(void)
{
    struct rules_src s = { .eq = { { "role", "a\"b/c", 1 } }, .neq = 1 };
    char reason[128];

    CU_ASSERT_EQUAL(CHARON_OK, check(&s, "{\"role\":\"a\\\"b\\/c\"}",
                                     reason));
    CU_ASSERT_EQUAL(CHARON_OK, check(&s, "{\"r\\u006fle\":\"a\\u0022b/c\"}",
                                     reason));
}

static const CU_TestInfo claims_tests[] = {
    { "no rules: every payload passes", test_no_rules_pass },
    { "claim_equals compares strings and number spellings",
      test_equals_compares_strings_and_number_spellings },
    { "claim_equals stops at the first failure",
      test_equals_stops_at_the_first_failure },
    { "claim_in accepts any listed value", test_in_accepts_any_listed_value },
    { "claim_has_all needs every value (array or space list)",
      test_has_all_needs_every_value },
    { "claim_has_any needs one value", test_has_any_needs_one_value },
    { "has rules report the last failing claim in sorted order",
      test_has_rules_report_the_last_failing_claim_in_sorted_order },
    { "escaped names and values compare decoded",
      test_escaped_values_compare_decoded },
    CU_TEST_INFO_NULL
};

int
main(void)
{
    static const struct cu_suite suites[] = {
        { "claims", NULL, NULL, claims_tests },
        { NULL, NULL, NULL, NULL }
    };

    return cu_main(suites);
}
