/*
 * json_print.h - a json-c value as compact JSON text, with every append
 * checked.  json-c's own printer ignores most of its buffer's allocation
 * failures and can return valid JSON with a member's name or value left
 * out; a token signed over that text would be missing a claim.  The
 * allocation-failure sweep (failure_injection.sh) found such a token.
 */
#ifndef CHARON_JSON_PRINT_H
#define CHARON_JSON_PRINT_H

#include <json-c/json.h>

#include <charon/buf.h>

/* Appends v (objects keep their order; "/" is not escaped) to out.
 * CHARON_OK, CHARON_ENOMEM, or CHARON_EINVAL for a string holding a NUL
 * byte or a number json-c cannot print. */
int json_print(json_object *v, struct charon_buf *out);

#endif /* CHARON_JSON_PRINT_H */
