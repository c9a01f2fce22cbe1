/* json_claims.c - strict in-place JSON object reader for token payloads. */
#include "json_claims.h"

#include <stdlib.h>
#include <string.h>

struct json_claims_cursor {
    const char *p;
    const char *end;
};

static void
json_claims_ws(struct json_claims_cursor *c)
{
    while (c->p < c->end &&
           (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static int
json_claims_hex(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* At a '"': skips the string; *escaped tells whether it held a '\'. */
static int
json_claims_skip_string(struct json_claims_cursor *c, int *escaped)
{
    int i;

    c->p++;
    *escaped = 0;
    while (c->p < c->end) {
        unsigned char ch = (unsigned char)*c->p;

        if (ch == '"') {
            c->p++;
            return 0;
        }
        if (ch < 0x20)
            return -1;
        if (ch != '\\') {
            c->p++;
            continue;
        }
        *escaped = 1;
        if (++c->p >= c->end)
            return -1;
        switch (*c->p) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n':
        case 'r': case 't':
            c->p++;
            break;
        case 'u':
            if (c->end - c->p < 5)
                return -1;
            for (i = 1; i <= 4; i++)
                if (json_claims_hex(c->p[i]) < 0)
                    return -1;
            c->p += 5;
            break;
        default:
            return -1;
        }
    }
    return -1;
}

static int
json_claims_skip_number(struct json_claims_cursor *c)
{
    const char *start;

    if (c->p < c->end && *c->p == '-')
        c->p++;
    if (c->p >= c->end)
        return -1;
    if (*c->p == '0') {
        c->p++;
    } else if (*c->p >= '1' && *c->p <= '9') {
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
            c->p++;
    } else {
        return -1;
    }
    if (c->p < c->end && *c->p == '.') {
        start = ++c->p;
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
            c->p++;
        if (c->p == start)
            return -1;
    }
    if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
        c->p++;
        if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
            c->p++;
        start = c->p;
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
            c->p++;
        if (c->p == start)
            return -1;
    }
    return 0;
}

static int
json_claims_skip_literal(struct json_claims_cursor *c, const char *lit)
{
    size_t n = strlen(lit);

    if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
        return -1;
    c->p += n;
    return 0;
}

static int json_claims_value_at(struct json_claims_cursor *c, int depth,
                                struct json_claims_value *v);

/* Skips an object or array body after its opening bracket. */
static int
json_claims_skip_container(struct json_claims_cursor *c, int depth, char close)
{
    struct json_claims_value v;
    int escaped;

    json_claims_ws(c);
    if (c->p < c->end && *c->p == close) {
        c->p++;
        return 0;
    }
    for (;;) {
        if (close == '}') {
            if (c->p >= c->end || *c->p != '"' ||
                json_claims_skip_string(c, &escaped) < 0)
                return -1;
            json_claims_ws(c);
            if (c->p >= c->end || *c->p != ':')
                return -1;
            c->p++;
            json_claims_ws(c);
        }
        if (json_claims_value_at(c, depth, &v) < 0)
            return -1;
        json_claims_ws(c);
        if (c->p >= c->end)
            return -1;
        if (*c->p == close) {
            c->p++;
            return 0;
        }
        if (*c->p != ',')
            return -1;
        c->p++;
        json_claims_ws(c);
    }
}

static int
json_claims_value_at(struct json_claims_cursor *c, int depth,
                     struct json_claims_value *v)
{
    const char *start = c->p;
    int escaped, rc;

    if (c->p >= c->end)
        return -1;
    switch (*c->p) {
    case '"':
        v->type = JSON_CLAIMS_STRING;
        rc = json_claims_skip_string(c, &escaped);
        break;
    case '{':
    case '[':
        if (depth >= JSON_CLAIMS_MAX_DEPTH)
            return -1;
        v->type = *c->p == '{' ? JSON_CLAIMS_OBJECT : JSON_CLAIMS_ARRAY;
        c->p++;
        rc = json_claims_skip_container(c, depth + 1,
                                        v->type == JSON_CLAIMS_OBJECT ? '}'
                                                                      : ']');
        break;
    case 't':
        v->type = JSON_CLAIMS_TRUE;
        rc = json_claims_skip_literal(c, "true");
        break;
    case 'f':
        v->type = JSON_CLAIMS_FALSE;
        rc = json_claims_skip_literal(c, "false");
        break;
    case 'n':
        v->type = JSON_CLAIMS_NULL;
        rc = json_claims_skip_literal(c, "null");
        break;
    default:
        v->type = JSON_CLAIMS_NUMBER;
        rc = json_claims_skip_number(c);
        break;
    }
    v->p = start;
    v->len = (size_t)(c->p - start);
    return rc;
}

/* Decodes the raw text of a string (between its quotes) into buf; -1 if
 * it does not fit or, unless nul_ok, holds a NUL.  Surrogate pairs become
 * one UTF-8 sequence; a lone surrogate becomes U+FFFD. */
static int
json_claims_unescape(const char *p, size_t len, char *buf, size_t cap,
                     int nul_ok)
{
    const char *end = p + len;
    size_t o = 0, k;
    unsigned long cp, lo;

    if (cap == 0)                       /* not even room for the NUL */
        return -1;
    for (; p < end; p++) {
        if (*p != '\\') {
            if (o + 1 >= cap)
                return -1;
            buf[o++] = *p;
            continue;
        }
        p++;
        switch (*p) {
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case 'u':
            cp = (unsigned long)(json_claims_hex(p[1]) << 12 |
                                 json_claims_hex(p[2]) << 8 |
                                 json_claims_hex(p[3]) << 4 |
                                 json_claims_hex(p[4]));
            p += 4;
            if (cp >= 0xd800 && cp <= 0xdbff && end - p > 6 && p[1] == '\\' &&
                p[2] == 'u') {
                lo = (unsigned long)(json_claims_hex(p[3]) << 12 |
                                     json_claims_hex(p[4]) << 8 |
                                     json_claims_hex(p[5]) << 4 |
                                     json_claims_hex(p[6]));
                if (lo >= 0xdc00 && lo <= 0xdfff) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    p += 6;
                }
            }
            if (cp >= 0xd800 && cp <= 0xdfff)
                cp = 0xfffd;
            break;
        default:  cp = (unsigned char)*p; break;   /* " \ / */
        }
        if (cp == 0 && !nul_ok)
            return -1;
        /* The UTF-8 bytes of cp and the NUL must fit. */
        k = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        if (o + k >= cap)
            return -1;
        if (cp < 0x80) {
            buf[o++] = (char)cp;
        } else if (cp < 0x800) {
            buf[o++] = (char)(0xc0 | cp >> 6);
            buf[o++] = (char)(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            buf[o++] = (char)(0xe0 | cp >> 12);
            buf[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
            buf[o++] = (char)(0x80 | (cp & 0x3f));
        } else {
            buf[o++] = (char)(0xf0 | cp >> 18);
            buf[o++] = (char)(0x80 | ((cp >> 12) & 0x3f));
            buf[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
            buf[o++] = (char)(0x80 | (cp & 0x3f));
        }
    }
    buf[o] = '\0';
    return (int)o;
}

/* Same name?  Escaped names are decoded before comparing. */
static int
json_claims_name_eq(const struct json_claims_member *a, const char *b,
                    size_t b_len, int b_escaped)
{
    char x[256], y[256];
    int xl, yl;

    if (!a->name_escaped && !b_escaped)
        return a->name_len == b_len && memcmp(a->name, b, b_len) == 0;
    xl = json_claims_unescape(a->name, a->name_len, x, sizeof(x), 0);
    yl = json_claims_unescape(b, b_len, y, sizeof(y), 0);
    /* Undecodable or oversized names compare as their raw bytes. */
    if (xl < 0 || yl < 0)
        return a->name_len == b_len && memcmp(a->name, b, b_len) == 0;
    return xl == yl && memcmp(x, y, (size_t)xl) == 0;
}

/* Room for member out->n: inline, then a heap array that doubles (and
 * is kept for the next parse).  0, or -2 out of memory. */
static int
json_claims_room(struct json_claims *out)
{
    struct json_claims_member *more;
    size_t cap;

    if (out->m == out->inline_m && out->n < JSON_CLAIMS_INLINE)
        return 0;
    if (out->m != out->inline_m && out->n < out->cap)
        return 0;
    cap = out->cap != 0 ? out->cap * 2 : JSON_CLAIMS_INLINE * 4;
    if (cap > JSON_CLAIMS_MAX_MEMBERS)
        cap = JSON_CLAIMS_MAX_MEMBERS;
    more = realloc(out->cap != 0 ? out->m : NULL, cap * sizeof(*more));
    if (more == NULL)
        return -2;
    if (out->cap == 0)
        memcpy(more, out->inline_m, sizeof(out->inline_m));
    out->m = more;
    out->cap = cap;
    return 0;
}

void
json_claims_free(struct json_claims *c)
{
    if (c == NULL)
        return;
    if (c->cap != 0)
        free(c->m);
    c->m = NULL;
    c->cap = 0;
    c->n = 0;
}

int
json_claims_parse(const char *text, size_t len, struct json_claims *out)
{
    struct json_claims_cursor c = { text, text + len };
    struct json_claims_member *m;
    const char *name;
    size_t i;
    int escaped;

    /* Starts inline each time; a heap index kept from an earlier parse
     * is used again once the inline one is full. */
    if (out->cap == 0)
        out->m = out->inline_m;
    out->n = 0;
    json_claims_ws(&c);
    if (c.p >= c.end || *c.p != '{')
        return -1;
    c.p++;
    json_claims_ws(&c);
    if (c.p < c.end && *c.p == '}') {
        c.p++;
        goto tail;
    }
    for (;;) {
        if (out->n >= JSON_CLAIMS_MAX_MEMBERS || c.p >= c.end ||
            *c.p != '"')
            return -1;
        if (json_claims_room(out) < 0)
            return -2;
        name = c.p + 1;
        if (json_claims_skip_string(&c, &escaped) < 0)
            return -1;
        m = &out->m[out->n];
        m->name = name;
        m->name_len = (size_t)(c.p - 1 - name);
        m->name_escaped = escaped;
        for (i = 0; i < out->n; i++)
            if (json_claims_name_eq(&out->m[i], m->name, m->name_len,
                                    m->name_escaped))
                return -1;
        json_claims_ws(&c);
        if (c.p >= c.end || *c.p != ':')
            return -1;
        c.p++;
        json_claims_ws(&c);
        if (json_claims_value_at(&c, 1, &m->value) < 0)
            return -1;
        out->n++;
        json_claims_ws(&c);
        if (c.p >= c.end)
            return -1;
        if (*c.p == '}') {
            c.p++;
            break;
        }
        if (*c.p != ',')
            return -1;
        c.p++;
        json_claims_ws(&c);
    }
tail:
    json_claims_ws(&c);
    return c.p == c.end ? 0 : -1;
}

const struct json_claims_value *
json_claims_get(const struct json_claims *c, const char *name)
{
    size_t i, len = strlen(name);

    for (i = 0; i < c->n; i++)
        if (json_claims_name_eq(&c->m[i], name, len, 0))
            return &c->m[i].value;
    return NULL;
}

int
json_claims_int(const struct json_claims_value *v, int64_t *out)
{
    char buf[64];
    double d;
    char *end;

    if (v->type != JSON_CLAIMS_NUMBER || v->len >= sizeof(buf))
        return -1;
    memcpy(buf, v->p, v->len);
    buf[v->len] = '\0';
    d = strtod(buf, &end);
    if (*end != '\0' || !(d > -1e15 && d < 1e15))
        return -1;
    *out = (int64_t)d;
    return 0;
}

int
json_claims_integer_text(const struct json_claims_value *v, char *buf,
                         size_t cap)
{
    size_t len = v->len;
    const char *p = v->p;

    if (v->type != JSON_CLAIMS_NUMBER ||
        memchr(p, '.', len) != NULL || memchr(p, 'e', len) != NULL ||
        memchr(p, 'E', len) != NULL)
        return -1;
    if (len == 2 && p[0] == '-' && p[1] == '0') {
        p++;
        len--;
    }
    if (len + 1 > cap)
        return -1;
    memcpy(buf, p, len);
    buf[len] = '\0';
    return (int)len;
}

int
json_claims_text(const struct json_claims_value *v, char *buf, size_t cap)
{
    switch (v->type) {
    case JSON_CLAIMS_STRING:
        return json_claims_unescape(v->p + 1, v->len - 2, buf, cap, 0);
    case JSON_CLAIMS_NUMBER:
    case JSON_CLAIMS_TRUE:
    case JSON_CLAIMS_FALSE:
    case JSON_CLAIMS_NULL:
        if (v->len + 1 > cap)
            return -1;
        memcpy(buf, v->p, v->len);
        buf[v->len] = '\0';
        return (int)v->len;
    default:
        return -1;
    }
}

int
json_claims_string_is(const struct json_claims_value *v, const char *s)
{
    char stack[512], *buf = stack;
    size_t n = strlen(s), cap = sizeof(stack);
    int len, eq;

    if (v->type != JSON_CLAIMS_STRING)
        return 0;
    if (memchr(v->p, '\\', v->len) == NULL)
        return v->len - 2 == n && memcmp(v->p + 1, s, n) == 0;
    /* An s too long for the stack buffer (never on the request path)
     * gets a heap one: n bytes and the NUL. */
    if (n + 1 > cap) {
        cap = n + 1;
        buf = malloc(cap);
        if (buf == NULL)
            return 0;
    }
    len = json_claims_unescape(v->p + 1, v->len - 2, buf, cap, 0);
    eq = len >= 0 && (size_t)len == n && memcmp(buf, s, n) == 0;
    if (buf != stack)
        free(buf);
    return eq;
}

int
json_claims_array_next(const struct json_claims_value *v, size_t *pos,
                       struct json_claims_value *elem)
{
    struct json_claims_cursor c;

    if (v->type != JSON_CLAIMS_ARRAY)
        return 0;
    c.p = v->p + (*pos == 0 ? 1 : *pos);
    c.end = v->p + v->len - 1;          /* before the ']' */
    json_claims_ws(&c);
    if (c.p < c.end && *c.p == ',') {
        c.p++;
        json_claims_ws(&c);
    }
    if (c.p >= c.end)
        return 0;
    /* The array was validated whole: the element parses. */
    if (json_claims_value_at(&c, 0, elem) < 0)
        return 0;
    *pos = (size_t)(c.p - v->p);
    return 1;
}

int
json_claims_value_parse(const char *text, size_t len,
                        struct json_claims_value *out)
{
    struct json_claims_cursor c = { text, text + len };

    json_claims_ws(&c);
    if (json_claims_value_at(&c, 0, out) < 0)
        return -1;
    json_claims_ws(&c);
    return c.p == c.end ? 0 : -1;
}

int
json_claims_object_next(const struct json_claims_value *v, size_t *pos,
                        struct json_claims_member *m)
{
    struct json_claims_cursor c;
    int escaped;

    if (v->type != JSON_CLAIMS_OBJECT)
        return 0;
    c.p = v->p + (*pos == 0 ? 1 : *pos);
    c.end = v->p + v->len - 1;          /* before the '}' */
    json_claims_ws(&c);
    if (c.p < c.end && *c.p == ',') {
        c.p++;
        json_claims_ws(&c);
    }
    /* The object was validated whole: each member parses. */
    if (c.p >= c.end || *c.p != '"')
        return 0;
    m->name = c.p + 1;
    if (json_claims_skip_string(&c, &escaped) < 0)
        return 0;
    m->name_len = (size_t)(c.p - 1 - m->name);
    m->name_escaped = escaped;
    json_claims_ws(&c);
    if (c.p >= c.end || *c.p != ':')
        return 0;
    c.p++;
    json_claims_ws(&c);
    if (json_claims_value_at(&c, 0, &m->value) < 0)
        return 0;
    *pos = (size_t)(c.p - v->p);
    return 1;
}

int
json_claims_name_text(const struct json_claims_member *m, char *buf,
                      size_t cap)
{
    return json_claims_unescape(m->name, m->name_len, buf, cap, 0);
}

int
json_claims_string_bytes(const struct json_claims_value *v, char *buf,
                         size_t cap)
{
    if (v->type != JSON_CLAIMS_STRING)
        return -1;
    return json_claims_unescape(v->p + 1, v->len - 2, buf, cap, 1);
}
