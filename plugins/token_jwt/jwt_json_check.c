/* jwt_json_check.c - a JSON syntax check that allocates nothing. */
#include "jwt_json_check.h"

#include <string.h>

struct jwt_json_cur {
    const char *p;
    const char *end;
};

static bool jwt_json_value(struct jwt_json_cur *c, int depth);

static void
jwt_json_space(struct jwt_json_cur *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
                             *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static bool
jwt_json_lit(struct jwt_json_cur *c, const char *word)
{
    size_t n = strlen(word);

    if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
        return false;
    c->p += n;
    return true;
}

static bool
jwt_json_hex(char h)
{
    return (h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') ||
           (h >= 'A' && h <= 'F');
}

static bool
jwt_json_string(struct jwt_json_cur *c)
{
    int i;

    c->p++;                                    /* the opening quote */
    while (c->p < c->end) {
        unsigned char ch = (unsigned char)*c->p++;

        if (ch == '"')
            return true;
        if (ch < 0x20)
            return false;
        if (ch != '\\')
            continue;
        if (c->p >= c->end)
            return false;
        ch = (unsigned char)*c->p++;
        if (ch == 'u') {
            for (i = 0; i < 4; i++)
                if (c->p >= c->end || !jwt_json_hex(*c->p++))
                    return false;
        } else if (strchr("\"\\/bfnrt", ch) == NULL || ch == '\0') {
            return false;
        }
    }
    return false;
}

static bool
jwt_json_digits(struct jwt_json_cur *c)
{
    const char *start = c->p;

    while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
        c->p++;
    return c->p > start;
}

static bool
jwt_json_number(struct jwt_json_cur *c)
{
    if (c->p < c->end && *c->p == '-')
        c->p++;
    if (c->p < c->end && *c->p == '0')
        c->p++;
    else if (!jwt_json_digits(c))
        return false;
    if (c->p < c->end && *c->p == '.') {
        c->p++;
        if (!jwt_json_digits(c))
            return false;
    }
    if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
        c->p++;
        if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
            c->p++;
        if (!jwt_json_digits(c))
            return false;
    }
    return true;
}

/* An object or array: open at c->p; members are "key": value pairs when
 * object, values otherwise. */
static bool
jwt_json_container(struct jwt_json_cur *c, int depth, bool object)
{
    char close = object ? '}' : ']';

    if (depth >= JWT_JSON_CHECK_DEPTH)
        return false;
    c->p++;
    jwt_json_space(c);
    if (c->p < c->end && *c->p == close) {
        c->p++;
        return true;
    }
    for (;;) {
        if (object) {
            if (c->p >= c->end || *c->p != '"' || !jwt_json_string(c))
                return false;
            jwt_json_space(c);
            if (c->p >= c->end || *c->p++ != ':')
                return false;
            jwt_json_space(c);
        }
        if (!jwt_json_value(c, depth + 1))
            return false;
        jwt_json_space(c);
        if (c->p >= c->end)
            return false;
        if (*c->p == close) {
            c->p++;
            return true;
        }
        if (*c->p++ != ',')
            return false;
        jwt_json_space(c);
    }
}

static bool
jwt_json_value(struct jwt_json_cur *c, int depth)
{
    if (c->p >= c->end)
        return false;
    switch (*c->p) {
    case '{':
        return jwt_json_container(c, depth, true);
    case '[':
        return jwt_json_container(c, depth, false);
    case '"':
        return jwt_json_string(c);
    case 't':
        return jwt_json_lit(c, "true");
    case 'f':
        return jwt_json_lit(c, "false");
    case 'n':
        return jwt_json_lit(c, "null");
    default:
        return jwt_json_number(c);
    }
}

bool
jwt_json_check_object(const char *s, size_t len)
{
    struct jwt_json_cur c = { s, s + len };

    jwt_json_space(&c);
    if (c.p >= c.end || *c.p != '{' || !jwt_json_container(&c, 0, true))
        return false;
    jwt_json_space(&c);
    return c.p == c.end;
}
