/*
 * redis_reader.c - hiredis' reply parser, bounded.
 *
 * hiredis 0.14 parses RESP2 well (a bad type byte, a bad length, nesting
 * deeper than 7 are protocol errors), but believes every length it is
 * told: "*2147483647\r\n" makes it calloc() 16 GiB for the element
 * pointers before a single element has arrived, and "$999999999\r\n" has
 * it buffer up to a gigabyte.  A server (or anything between it and us)
 * can do that with a dozen bytes.  So this reader counts: the bytes fed
 * toward one reply stay under max_bytes, and the elements one reply's
 * arrays declare stay under max_bytes / REDIS_READER_MIN_ELEMENT, the
 * most that many bytes can carry.  The reply objects are hiredis' own
 * (created by its default functions, freed with freeReplyObject).
 */
#include "redis_reader.h"

#include <stdio.h>
#include <string.h>

/* hiredis' createArray, once this reply may still declare n elements. */
static void *
redis_reader_array(const redisReadTask *task, int n)
{
    struct redis_reader *rd = task->privdata;
    size_t budget = rd->max_bytes / REDIS_READER_MIN_ELEMENT;

    if (n > 0 && (size_t)n > budget - rd->elements) {
        snprintf(rd->why, sizeof(rd->why), "an array of %d elements, more "
                 "than a reply of at most %zu bytes can hold", n,
                 rd->max_bytes);
        return NULL;                /* hiredis: an error, the reader stops */
    }
    if (n > 0)
        rd->elements += (size_t)n;
    return rd->hiredis->createArray(task, n);
}

int
redis_reader_init(struct redis_reader *rd, size_t max_bytes,
                  struct charon_err *err)
{
    memset(rd, 0, sizeof(*rd));
    rd->max_bytes = max_bytes;
    rd->r = redisReaderCreate();
    if (rd->r == NULL)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    rd->hiredis = rd->r->fn;
    rd->fn = *rd->r->fn;
    rd->fn.createArray = redis_reader_array;
    rd->r->fn = &rd->fn;
    rd->r->privdata = rd;
    return CHARON_OK;
}

void
redis_reader_fini(struct redis_reader *rd)
{
    if (rd->r != NULL)
        redisReaderFree(rd->r);     /* with the reply it was building */
    rd->r = NULL;
}

int
redis_reader_feed(struct redis_reader *rd, const void *buf, size_t len,
                  struct charon_err *err)
{
    if (len > rd->max_bytes - rd->fed)
        return charon_err_set(err, CHARON_ETOOBIG, "a reply longer than %zu "
                              "bytes", rd->max_bytes);
    if (redisReaderFeed(rd->r, buf, len) != REDIS_OK)
        return charon_err_set(err, CHARON_ENOMEM, "out of memory");
    rd->fed += len;
    return CHARON_OK;
}

size_t
redis_reader_pending(const struct redis_reader *rd)
{
    return rd->r != NULL && rd->r->len > rd->r->pos
           ? rd->r->len - rd->r->pos : 0;
}

int
redis_reader_next(struct redis_reader *rd, redisReply **reply,
                  struct charon_err *err)
{
    void *obj = NULL;
    char text[sizeof(rd->r->errstr)];
    size_t i;

    *reply = NULL;
    if (redisReaderGetReply(rd->r, &obj) != REDIS_OK) {
        if (rd->why[0] != '\0')
            return charon_err_set(err, CHARON_EIO, "%s", rd->why);
        /* hiredis quotes the offending byte: keep the text printable. */
        for (i = 0; i + 1 < sizeof(text) && rd->r->errstr[i] != '\0'; i++)
            text[i] = rd->r->errstr[i] >= 0x20 && rd->r->errstr[i] < 0x7f
                      ? rd->r->errstr[i] : '?';
        text[i] = '\0';
        return charon_err_set(err, CHARON_EIO, "%s", text);
    }
    if (obj != NULL) {
        /* The next reply starts with what is left. */
        rd->elements = 0;
        rd->fed = redis_reader_pending(rd);
        *reply = obj;
    }
    return CHARON_OK;
}
