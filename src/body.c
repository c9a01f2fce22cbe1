/* body.c - JSON and form bodies of the session endpoints. */
#include "body.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json_claims.h"

#define BODY_JSON_DEPTH 16

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

static int
body_json(const char *text, size_t len, json_object **out,
          struct charon_err *err)
{
    struct json_tokener *tok = json_tokener_new_ex(BODY_JSON_DEPTH);
    struct json_claims check;
    json_object *obj;
    size_t used;

    if (tok == NULL)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    obj = json_tokener_parse_ex(tok, text, (int)len);
    used = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    /* Only white space may follow the object (json-c stops after it). */
    while (obj != NULL && used < len &&
           strchr(" \t\r\n", text[used]) != NULL)
        used++;
    if (obj == NULL || used != len || !json_object_is_type(obj,
                                                          json_type_object)) {
        json_object_put(obj);
        /* json-c says the same when an allocation failed: a body our
         * own (allocation-free, stricter) reader takes was good. */
        if (json_claims_parse(text, len, &check) == 0)
            return charon_err_set(err, CHARON_ENOMEM, "out of memory");
        return charon_err_set(err, CHARON_EINVAL,
                              "the body is not a JSON object");
    }
    *out = obj;
    return CHARON_OK;
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
