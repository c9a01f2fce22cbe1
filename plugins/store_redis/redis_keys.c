/*
 * redis_keys.c - key names of store_redis.
 *
 * Per (user_id, type), three keys that share one Redis Cluster hash tag:
 *
 *   <prefix>{u:<esc(user_id)>}<esc(type)>.se   hash: sid -> signed blob
 *   <prefix>{u:<esc(user_id)>}<esc(type)>.e    sorted set: sid by expiry
 *   <prefix>{u:<esc(user_id)>}<esc(type)>.l    hash: sid -> lock_version
 *
 * e.g. charon_{u:alice@example.com}full.se.  esc() keeps the bytes 0x21
 * to 0x7e except '%', '{' and '}', and writes every other byte as '%'
 * and two upper-case hex digits ("a}b" -> "a%7Db", a space -> "%20").
 * So:
 * - the hash tag is "u:" + esc(user_id): never empty (an empty tag would
 *   hash the whole key), never cut short by a '}' of the user id, and the
 *   same for the three keys, which therefore live in one slot, as FCALL
 *   needs in a cluster; all types of one user share it too;
 * - no two (user_id, type) pairs share a key: esc() is one-to-one (a '%'
 *   in the output always starts an escape), the prefix holds no '{'
 *   (create() refuses one), the user part ends at the first '}', and the
 *   type runs from there to the last '.', which the suffix holds none of;
 * - keys stay printable ASCII for redis-cli.
 */
#include <string.h>

#include "redis_keys.h"

int
redis_keys_escape(struct charon_buf *buf, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)s;
    char esc[3];
    size_t run;

    while (*p != '\0') {
        for (run = 0; p[run] > 0x20 && p[run] < 0x7f && p[run] != '%'
             && p[run] != '{' && p[run] != '}'; run++)
            ;
        if (run > 0 && charon_buf_append(buf, p, run) != CHARON_OK)
            return CHARON_ENOMEM;
        p += run;
        if (*p == '\0')
            break;
        esc[0] = '%';
        esc[1] = hex[*p >> 4];
        esc[2] = hex[*p & 0x0f];
        if (charon_buf_append(buf, esc, 3) != CHARON_OK)
            return CHARON_ENOMEM;
        p++;
    }
    return CHARON_OK;
}

int
redis_keys_build(const char *prefix, const struct charon_store_key *key,
                 struct charon_buf *buf, struct redis_keys *k,
                 struct charon_err *err)
{
    static const char *const suffix[3] = { "se", "e", "l" };
    size_t start[3], base_end;
    int i;

    if (key == NULL || key->user_id == NULL || key->type == NULL)
        return charon_err_set(err, CHARON_EINVAL, "session key without %s",
                              key == NULL ? "parts" :
                              key->user_id == NULL ? "user_id" : "type");
    charon_buf_reset(buf);
    if (charon_buf_puts(buf, prefix) != CHARON_OK
        || charon_buf_puts(buf, "{u:") != CHARON_OK
        || redis_keys_escape(buf, key->user_id) != CHARON_OK
        || charon_buf_puts(buf, "}") != CHARON_OK
        || redis_keys_escape(buf, key->type) != CHARON_OK
        || charon_buf_puts(buf, ".") != CHARON_OK)
        goto nomem;
    base_end = buf->len;
    /* Three copies of the base, each with its suffix and a NUL; room for
     * all first, so that copying from buf->data never meets a realloc. */
    if (charon_buf_reserve(buf, 2 * base_end + 16) != CHARON_OK)
        goto nomem;
    start[0] = 0;
    for (i = 0; i < 3; i++) {
        if (i > 0) {
            start[i] = buf->len;
            if (charon_buf_append(buf, buf->data, base_end) != CHARON_OK)
                goto nomem;
        }
        if (charon_buf_puts(buf, suffix[i]) != CHARON_OK
            || charon_buf_append(buf, "", 1) != CHARON_OK)
            goto nomem;
    }
    for (i = 0; i < 3; i++) {
        k->key[i] = (const char *)buf->data + start[i];
        k->len[i] = base_end + strlen(suffix[i]);
    }
    return CHARON_OK;
nomem:
    return charon_err_set(err, CHARON_ENOMEM, "out of memory");
}
