/* body.c - JSON and form bodies of the session endpoints. */
#include "body.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json_claims.h"

#define BODY_JSON_DEPTH JSON_CLAIMS_MAX_DEPTH /* objects and arrays, nested */
#define BODY_JSON_MEMBERS 64     /* in one object (JSON_CLAIMS_MAX_MEMBERS) */
#define BODY_JSON_ELEMENTS 64    /* in one array                           */
#define BODY_JSON_STACK 256      /* names and strings decoded on the stack  */

/* The media type without parameters is exactly name (case-insensitive). */
static int
body_type_is(const char *content_type, const char *name)
{
    size_t n = strlen(name);

    if (strncasecmp(content_type, name, n) != 0)
        return 0;
    content_type += n;
    while (*content_type == ' ' || *content_type == '\t')
        content_type++;
    return *content_type == '\0' || *content_type == ';';
}

static int
body_hex(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes one form token ('+' is a space, %XX a byte) into out,
 * which has room for len + 1 bytes.  -1 on a broken escape or a NUL. */
static int
body_form_decode(const char *p, size_t len, char *out)
{
    size_t i, o = 0;
    int hi, lo;

    for (i = 0; i < len; i++) {
        if (p[i] == '+') {
            out[o++] = ' ';
        } else if (p[i] == '%') {
            if (i + 2 >= len)
                return -1;
            hi = body_hex((unsigned char)p[i + 1]);
            lo = body_hex((unsigned char)p[i + 2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return -1;
            out[o++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            out[o++] = p[i];
        }
    }
    out[o] = '\0';
    return 0;
}

static int
body_form(const char *text, size_t len, json_object **out,
          struct charon_err *err)
{
    json_object *obj = json_object_new_object();
    const char *p = text, *end = text + len, *amp, *eq;
    char *name = NULL, *value = NULL;
    int rc = CHARON_OK;

    if (obj == NULL)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    name = malloc(len + 1);
    value = malloc(len + 1);
    if (name == NULL || value == NULL) {
        rc = charon_err_set(err, CHARON_ENOMEM, "out of memory");
        goto done;
    }
    while (p < end) {
        amp = memchr(p, '&', (size_t)(end - p));
        if (amp == NULL)
            amp = end;
        eq = memchr(p, '=', (size_t)(amp - p));
        if (amp == p) {                 /* "a=1&&b=2" */
            p = amp + 1;
            continue;
        }
        if (eq == NULL || eq == p ||
            body_form_decode(p, (size_t)(eq - p), name) < 0 ||
            body_form_decode(eq + 1, (size_t)(amp - eq - 1), value) < 0) {
            rc = charon_err_set(err, CHARON_EINVAL,
                                "the form body is not well formed");
            goto done;
        }
        if (json_object_object_add(obj, name,
                                   json_object_new_string(value)) != 0) {
            rc = charon_err_set(err, CHARON_ENOMEM, "out of memory");
            goto done;
        }
        p = amp + 1;
    }
done:
    /* value may have held the password */
    if (name != NULL)
        explicit_bzero(name, len + 1);
    if (value != NULL)
        explicit_bzero(value, len + 1);
    free(name);
    free(value);
    if (rc != CHARON_OK)
        json_object_put(obj);
    else
        *out = obj;
    return rc;
}

/* JSON: json_claims validates the text (RFC 8259, nesting depth 16;
 * allocation-free) and gives spans, from which the json-c tree is built
 * here with every allocation checked.  json-c 0.16's own parser is not
 * used: when an allocation fails inside it, it crashes (a NULL member
 * name) or returns the object without that member. */

static int body_json_value(const struct json_claims_value *v, int depth,
                           json_object **out, struct charon_err *err);

static int
body_json_nomem(struct charon_err *err)
{
    return charon_err_set(err, CHARON_ENOMEM, "out of memory");
}

/* buf for the decoded text of a span of len raw bytes and its NUL: the
 * caller's stack array if that is big enough, else the heap.  Decoding
 * never makes a text longer. */
static char *
body_json_buf(size_t len, char *stack, size_t *cap)
{
    if (len < *cap)
        return stack;
    *cap = len + 1;
    return malloc(*cap);
}

/* A string; "\u0000" is kept as a NUL byte, so that body_string()
 * refuses the string instead of reading it cut short. */
static int
body_json_string(const struct json_claims_value *v, json_object **out,
                 struct charon_err *err)
{
    char stack[BODY_JSON_STACK], *buf;
    size_t cap = sizeof(stack);
    int n, rc = CHARON_OK;

    buf = body_json_buf(v->len - 2, stack, &cap);
    if (buf == NULL)
        return body_json_nomem(err);
    n = json_claims_string_bytes(v, buf, cap);
    if (n < 0)                          /* (buf is big enough) */
        rc = charon_err_set(err, CHARON_EINVAL,
                            "the body is not a JSON object");
    else if ((*out = json_object_new_string_len(buf, n)) == NULL)
        rc = body_json_nomem(err);
    explicit_bzero(buf, cap);           /* it may have been the password */
    if (buf != stack)
        free(buf);
    return rc;
}

/* A number as json-c 0.16 reads it, so that the endpoints see the same
 * types: without fraction and exponent an int64 (a uint64 above
 * INT64_MAX), else a double that prints as its original text.  An
 * integer beyond 64 bits, which json-c would clamp, is such a double
 * too: its text stays exact (a bigint user id).  (No setlocale() in
 * charon-fcgi: strtod reads a '.'.) */
static int
body_json_number(const struct json_claims_value *v, json_object **out,
                 struct charon_err *err)
{
    char stack[64], *buf;
    size_t cap = sizeof(stack);
    unsigned long long u;
    long long i;
    int rc = CHARON_OK;

    buf = body_json_buf(v->len, stack, &cap);
    if (buf == NULL)
        return body_json_nomem(err);
    if (json_claims_text(v, buf, cap) < 0) {     /* (buf is big enough) */
        rc = charon_err_set(err, CHARON_EINVAL,
                            "the body is not a JSON object");
        goto done;
    }
    /* json_claims checked the grammar: each conversion reads the whole
     * text (no end pointer to check); only ERANGE tells an integer that
     * needs more than 64 bits. */
    errno = 0;
    if (strpbrk(buf, ".eE") != NULL) {
        *out = json_object_new_double_s(strtod(buf, NULL), buf);
    } else if (buf[0] == '-') {
        i = strtoll(buf, NULL, 10);
        *out = errno == ERANGE ? json_object_new_double_s(strtod(buf, NULL),
                                                          buf)
                               : json_object_new_int64(i);
    } else {
        u = strtoull(buf, NULL, 10);
        *out = errno == ERANGE ? json_object_new_double_s(strtod(buf, NULL),
                                                          buf)
               : u <= INT64_MAX ? json_object_new_int64((int64_t)u)
                                : json_object_new_uint64(u);
    }
    if (*out == NULL)
        rc = body_json_nomem(err);
done:
    if (buf != stack)
        free(buf);
    return rc;
}

/*
 * Adds child (ours until added) under name, new in obj.  json-c 0.16
 * copies the name, then grows the table if need be; if growing fails,
 * the copy is lost.  So the table grows first, for a placeholder member
 * whose name json-c does not copy (CONSTANT_KEY) and which is deleted at
 * once; the real one then fits without growing.
 */
static int
body_json_add(json_object *obj, const char *name, json_object *child,
              struct charon_err *err)
{
    if (json_object_object_add_ex(obj, name, NULL,
                                  JSON_C_OBJECT_ADD_KEY_IS_NEW |
                                  JSON_C_OBJECT_ADD_CONSTANT_KEY) != 0)
        goto nomem;
    json_object_object_del(obj, name);
    if (json_object_object_add_ex(obj, name, child,
                                  JSON_C_OBJECT_ADD_KEY_IS_NEW) != 0)
        goto nomem;
    return CHARON_OK;

nomem:
    json_object_put(child);
    return body_json_nomem(err);
}

static int
body_json_object(const struct json_claims_value *v, int depth,
                 json_object **out, struct charon_err *err)
{
    char stack[BODY_JSON_STACK], *name = NULL;
    struct json_claims_member m;
    json_object *obj, *child;
    size_t pos = 0, n = 0, cap;
    int rc = CHARON_OK;

    obj = json_object_new_object();
    if (obj == NULL)
        return body_json_nomem(err);
    while (json_claims_object_next(v, &pos, &m)) {
        if (++n > BODY_JSON_MEMBERS) {
            rc = charon_err_set(err, CHARON_EINVAL, "an object in the JSON "
                                "body has more than %d members",
                                BODY_JSON_MEMBERS);
            goto done;
        }
        cap = sizeof(stack);
        name = body_json_buf(m.name_len, stack, &cap);
        if (name == NULL) {
            rc = body_json_nomem(err);
            goto done;
        }
        /* A C string: json-c's names cannot hold a NUL. */
        if (json_claims_name_text(&m, name, cap) < 0) {
            rc = charon_err_set(err, CHARON_EINVAL, "a name in the JSON body "
                                "holds a NUL byte");
            goto done;
        }
        if (json_object_object_get_ex(obj, name, NULL)) {
            rc = charon_err_set(err, CHARON_EINVAL, "an object in the JSON "
                                "body repeats a name");
            goto done;
        }
        rc = body_json_value(&m.value, depth, &child, err);
        if (rc != CHARON_OK)
            goto done;
        rc = body_json_add(obj, name, child, err);
        if (rc != CHARON_OK)
            goto done;
        if (name != stack)
            free(name);
        name = NULL;
    }
done:
    if (name != stack)
        free(name);
    if (rc != CHARON_OK)
        json_object_put(obj);
    else
        *out = obj;
    return rc;
}

static int
body_json_array(const struct json_claims_value *v, int depth,
                json_object **out, struct charon_err *err)
{
    struct json_claims_value elem;
    json_object *arr, *child;
    size_t pos = 0, n = 0;
    int rc = CHARON_OK;

    arr = json_object_new_array();
    if (arr == NULL)
        return body_json_nomem(err);
    while (json_claims_array_next(v, &pos, &elem)) {
        if (++n > BODY_JSON_ELEMENTS) {
            rc = charon_err_set(err, CHARON_EINVAL, "an array in the JSON "
                                "body has more than %d elements",
                                BODY_JSON_ELEMENTS);
            break;
        }
        rc = body_json_value(&elem, depth, &child, err);
        if (rc != CHARON_OK)
            break;
        if (json_object_array_add(arr, child) != 0) {
            json_object_put(child);
            rc = body_json_nomem(err);
            break;
        }
    }
    if (rc != CHARON_OK)
        json_object_put(arr);
    else
        *out = arr;
    return rc;
}

/* The json-c value of v, nested depth containers deep; json null is
 * NULL, as in json-c. */
static int
body_json_value(const struct json_claims_value *v, int depth,
                json_object **out, struct charon_err *err)
{
    *out = NULL;
    switch (v->type) {
    case JSON_CLAIMS_OBJECT:
    case JSON_CLAIMS_ARRAY:
        /* json_claims_value_parse bounded the nesting already; this
         * bounds the recursion whatever it does. */
        if (depth >= BODY_JSON_DEPTH)
            return charon_err_set(err, CHARON_EINVAL,
                                  "the body is not a JSON object");
        return v->type == JSON_CLAIMS_OBJECT
                   ? body_json_object(v, depth + 1, out, err)
                   : body_json_array(v, depth + 1, out, err);
    case JSON_CLAIMS_STRING:
        return body_json_string(v, out, err);
    case JSON_CLAIMS_NUMBER:
        return body_json_number(v, out, err);
    case JSON_CLAIMS_TRUE:
    case JSON_CLAIMS_FALSE:
        *out = json_object_new_boolean(v->type == JSON_CLAIMS_TRUE);
        return *out != NULL ? CHARON_OK : body_json_nomem(err);
    default:
        return CHARON_OK;
    }
}

static int
body_json(const char *text, size_t len, json_object **out,
          struct charon_err *err)
{
    struct json_claims_value v;

    if (json_claims_value_parse(text, len, &v) < 0 ||
        v.type != JSON_CLAIMS_OBJECT)
        return charon_err_set(err, CHARON_EINVAL,
                              "the body is not a JSON object");
    return body_json_value(&v, 0, out, err);
}

int
body_parse(const char *content_type, const char *text, size_t len,
           json_object **out, struct charon_err *err)
{
    *out = NULL;
    if (text == NULL)
        text = "";              /* an empty body never read into a buffer */
    if (memchr(text, '\0', len) != NULL)
        return charon_err_set(err, CHARON_EINVAL,
                              "the body contains a NUL byte");
    if (content_type == NULL || content_type[0] == '\0') {
        if (len == 0) {
            *out = json_object_new_object();
            return *out != NULL ? CHARON_OK
                                : charon_err_set(err, CHARON_ENOMEM,
                                                 "out of memory");
        }
        return charon_err_set(err, CHARON_EUNSUPP,
                              "Content-Type is missing");
    }
    if (body_type_is(content_type, "application/json"))
        return body_json(text, len, out, err);
    if (body_type_is(content_type, "application/x-www-form-urlencoded"))
        return body_form(text, len, out, err);
    return charon_err_set(err, CHARON_EUNSUPP,
                          "Content-Type must be application/json or "
                          "application/x-www-form-urlencoded");
}

const char *
body_string(json_object *obj, const char *name)
{
    json_object *v;

    if (!json_object_object_get_ex(obj, name, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    /* "\u0000" inside a string would cut it short in C: refuse it. */
    if (strlen(json_object_get_string(v)) !=
        (size_t)json_object_get_string_len(v))
        return NULL;
    return json_object_get_string(v);
}
