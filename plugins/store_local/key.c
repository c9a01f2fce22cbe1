/*
 * key.c - byte layout of store_local's keys and value headers (see
 * store_local.h for the layout).
 */
#include <string.h>

#include "store_local.h"

void
store_local_put64(unsigned char *p, uint64_t v)
{
    int i;

    for (i = 7; i >= 0; i--) {
        p[i] = (unsigned char)(v & 0xffu);
        v >>= 8;
    }
}

uint64_t
store_local_get64(const unsigned char *p)
{
    uint64_t v = 0;
    int i;

    for (i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

/* Appends be16(n) and n bytes of s at buf + *pos. */
static void
store_local_put_part(unsigned char *buf, size_t *pos, const char *s, size_t n)
{
    buf[*pos] = (unsigned char)(n >> 8);
    buf[*pos + 1] = (unsigned char)(n & 0xffu);
    memcpy(buf + *pos + 2, s, n);
    *pos += 2 + n;
}

int
store_local_key(const struct store_local *s,
                const struct charon_store_key *key, int with_sid,
                unsigned char *buf, size_t *len, struct charon_err *err)
{
    size_t tlen, ulen, slen, total, pos = 0;

    if (key == NULL || key->type == NULL || key->user_id == NULL ||
        (with_sid && key->session_id == NULL))
        return charon_err_set(err, CHARON_EINVAL,
                              "session key without %s",
                              key == NULL ? "parts" :
                              key->type == NULL ? "type" :
                              key->user_id == NULL ? "user_id" : "session_id");
    tlen = strlen(key->type);
    ulen = strlen(key->user_id);
    slen = with_sid ? strlen(key->session_id) : 0;
    total = 4 + tlen + ulen + slen;
    /* Room for the expiry prefix too: the index key must fit as well. */
    if (tlen > 0xffffu || ulen > 0xffffu ||
        total + STORE_LOCAL_EXP > s->max_key ||
        total + STORE_LOCAL_EXP > STORE_LOCAL_KEY_MAX)
        return charon_err_set(err, CHARON_EINVAL,
                              "session key of %zu bytes is over the limit "
                              "of %zu (type, user_id and session_id)",
                              total, s->max_key - STORE_LOCAL_EXP);
    store_local_put_part(buf, &pos, key->type, tlen);
    store_local_put_part(buf, &pos, key->user_id, ulen);
    if (slen > 0)
        memcpy(buf + pos, key->session_id, slen);
    *len = pos + slen;
    return CHARON_OK;
}

void
store_local_exp_key(int64_t expires_at, const unsigned char *skey,
                    size_t slen, unsigned char *buf, size_t *len)
{
    /* Flipping the sign bit turns signed order into unsigned byte order. */
    store_local_put64(buf, (uint64_t)expires_at ^ ((uint64_t)1 << 63));
    memcpy(buf + STORE_LOCAL_EXP, skey, slen);
    *len = STORE_LOCAL_EXP + slen;
}
