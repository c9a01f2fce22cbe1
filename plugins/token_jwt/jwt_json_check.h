/*
 * jwt_json_check.h - is a text one JSON object (RFC 8259), checked
 * without allocating anything: sign() needs only that answer, and
 * json-c's parser, which allocates, crashed inside json-c when an
 * allocation failed (found by the failure-injection tests).
 */
#ifndef JWT_JSON_CHECK_H
#define JWT_JSON_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#define JWT_JSON_CHECK_DEPTH 32   /* deeper nesting is refused */

/* Exactly one object in s[0..len), white space around it allowed. */
bool jwt_json_check_object(const char *s, size_t len);

#endif /* JWT_JSON_CHECK_H */
