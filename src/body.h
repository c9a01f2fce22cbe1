/*
 * body.h - the request body of a session endpoint, JSON or an HTML form,
 * as one json-c object: a form's fields become string members (the last
 * of a repeated name wins), so both look alike to the endpoints.
 */
#ifndef CHARON_BODY_H
#define CHARON_BODY_H

#include <stddef.h>

#include <json-c/json.h>

#include <charon/err.h>

/*
 * Parses len bytes of text as content_type ("application/json" or
 * "application/x-www-form-urlencoded", parameters such as charset
 * ignored; NULL or empty with an empty body gives an empty object).
 * JSON is read strictly (RFC 8259) within bounds: objects and arrays
 * nested at most 16 deep, at most 64 members in an object and 64
 * elements in an array, no repeated name in an object, no NUL in a name
 * ("\u0000" in a string value is kept; body_string refuses that string).
 * Returns CHARON_OK with *out owned by the caller, CHARON_EUNSUPP for
 * another type (415), CHARON_EINVAL with the reason in err for a body
 * that is not such a JSON object or not a well-formed form (400), or
 * CHARON_ENOMEM (any allocation failed; nothing is left allocated).
 */
int body_parse(const char *content_type, const char *text, size_t len,
               json_object **out, struct charon_err *err);

/* A string member of obj, or NULL if absent or not a string. */
const char *body_string(json_object *obj, const char *name);

#endif /* CHARON_BODY_H */
