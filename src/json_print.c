/* json_print.c - json-c values as JSON text, every append checked. */
#include "json_print.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_reply.h"

static int
json_print_string(const char *s, size_t len, struct charon_buf *out)
{
    if (strlen(s) != len)
        return CHARON_EINVAL;
    return http_reply_json_string(out, s);
}

static int
json_print_number(json_object *v, struct charon_buf *out)
{
    char num[32];
    const char *text;
    char *end;
    int64_t i;

    if (json_object_is_type(v, json_type_int)) {
        i = json_object_get_int64(v);
        if (i == INT64_MAX)        /* json-c's uint64 values clamp here */
            snprintf(num, sizeof(num), "%" PRIu64,
                     json_object_get_uint64(v));
        else
            snprintf(num, sizeof(num), "%" PRId64, i);
        return charon_buf_puts(out, num);
    }
    /* A double: json-c's text (what a client sent, or %.17g), checked
     * to be a whole, finite number, since its printer may cut it. */
    text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
    if (text == NULL)
        return CHARON_ENOMEM;
    if (text[0] == '\0' || !isfinite(strtod(text, &end)) || *end != '\0')
        return CHARON_EINVAL;
    return charon_buf_puts(out, text);
}

int
json_print(json_object *v, struct charon_buf *out)
{
    size_t i, n;
    int rc = CHARON_OK, first = 1;

    switch (json_object_get_type(v)) {
    case json_type_null:
        return charon_buf_puts(out, "null");
    case json_type_boolean:
        return charon_buf_puts(out, json_object_get_boolean(v) ? "true"
                                                              : "false");
    case json_type_int:
    case json_type_double:
        return json_print_number(v, out);
    case json_type_string:
        return json_print_string(json_object_get_string(v),
                                 (size_t)json_object_get_string_len(v), out);
    case json_type_array:
        rc = charon_buf_puts(out, "[");
        n = json_object_array_length(v);
        for (i = 0; rc == CHARON_OK && i < n; i++) {
            if (i > 0)
                rc = charon_buf_puts(out, ",");
            if (rc == CHARON_OK)
                rc = json_print(json_object_array_get_idx(v, i), out);
        }
        return rc ? rc : charon_buf_puts(out, "]");
    case json_type_object:
        rc = charon_buf_puts(out, "{");
        json_object_object_foreach(v, key, val) {
            if (rc != CHARON_OK)
                break;
            if (!first)
                rc = charon_buf_puts(out, ",");
            first = 0;
            rc = rc ? rc : http_reply_json_string(out, key);
            rc = rc ? rc : charon_buf_puts(out, ":");
            rc = rc ? rc : json_print(val, out);
        }
        return rc ? rc : charon_buf_puts(out, "}");
    }
    return CHARON_EINVAL;
}
