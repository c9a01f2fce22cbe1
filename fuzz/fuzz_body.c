/*
 * fuzz_body.c - body_parse over hostile login bodies.  The input's first
 * byte picks the Content-Type (0: JSON, 1: form, 2: none, other: a
 * parameterised JSON type); the rest is the body.  A parsed body must be
 * an object whose string members read back as C strings of their full
 * length (no NUL inside).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fuzz_types[] = {
    "application/json", "application/x-www-form-urlencoded", NULL,
    "Application/JSON; charset=utf-8"
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {
        "username", "password", "token_transport", "user_id",
        "session_type", NULL
    };
    struct charon_err err;
    json_object *obj = NULL;
    const char *v;
    char *text;
    int i, rc;

    if (size == 0)
        return 0;
    text = malloc(size);
    if (text == NULL)
        abort();
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    charon_err_clear(&err);
    rc = body_parse(fuzz_types[data[0] & 3], text, size - 1, &obj, &err);
    if (rc == CHARON_OK) {
        if (obj == NULL || !json_object_is_type(obj, json_type_object))
            abort();
        for (i = 0; names[i] != NULL; i++) {
            v = body_string(obj, names[i]);
            if (v != NULL && strlen(v) > size)
                abort();
        }
        json_object_put(obj);
    } else if (obj != NULL || err.msg[0] == '\0') {
        abort();
    }
    free(text);
    return 0;
}
