/*
 * claims.h - the claim rules of [authorizer] (and of each profile):
 * claim_equals, claim_in, claim_has_all, claim_has_any.
 *
 * Semantics follow Charon's ClaimEquals/ClaimIn (checked in file order,
 * the first failure sticks) and OrdsetClaimHas (checked in sorted claim
 * order; every failing claim overwrites the error, so the reported one is
 * the last failing in that order).  Values compare as text: a string
 * claim by its bytes, a number or boolean by its JSON spelling.  For
 * has_all/has_any the claim may be a JSON array or, as OAuth's "scope",
 * a space-separated string; anything else is "invalid" (Charon crashes).
 * Values longer than CLAIMS_TEXT_MAX never match.
 */
#ifndef CHARON_CLAIMS_H
#define CHARON_CLAIMS_H

#include <stddef.h>

#include <charon/err.h>

#include "config_charon.h"
#include "json_claims.h"

enum claim_rule_kind {
    CLAIM_EQUALS = 1,
    CLAIM_IN,
    CLAIM_HAS_ALL,
    CLAIM_HAS_ANY
};

struct claim_rule {
    int kind;                /* enum claim_rule_kind */
    const char *claim;       /* borrowed from the config */
    char **values;           /* owned; words of the value */
    size_t nvalues;
};

struct claim_rules {
    struct claim_rule *rules;   /* equals/in first, then has_* sorted */
    size_t n;
};

int claims_compile(const struct authorizer_section *a,
                   struct claim_rules *out, struct charon_err *err);
void claims_free(struct claim_rules *r);

/*
 * Checks payload (a JSON object) against every rule.  CHARON_OK, or
 * CHARON_ETOKEN with Charon's message in reason ("bearer token claim
 * role not found" / "bearer token claim role invalid").
 */
int claims_check(const struct claim_rules *r, const struct json_claims *payload,
                 char *reason, size_t reason_len);

/* Longest claim value text compared or exported, in bytes. */
#define CLAIMS_TEXT_MAX 1024

#endif /* CHARON_CLAIMS_H */
