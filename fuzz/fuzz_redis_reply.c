/*
 * fuzz_redis_reply.c - what store_redis does with the bytes a Redis (or
 * anything posing as one) sends back.  The input is the wire: it goes into
 * store_redis' reader (plugins/store_redis/redis_reader.c: hiredis'
 * redisReader with the plugin's limits) whole, and every reply it yields
 * goes to the plugin's interpretation for every operation and handshake
 * step (redis_reply.c: get, get_all, upsert, delete, delete_all, PING,
 * AUTH/SELECT, FUNCTION LOAD, SCRIPT LOAD), as if it had answered each.
 * The same input is then fed again in 7-byte pieces, as a slow socket
 * would deliver it, and must give the same replies.
 *
 * Checks beyond "no crash, no leak, no UB": each interpretation returns
 * only the codes the plugin handles, hands on nothing when it refuses
 * (no blob appended, no get_all callback), walks get_all's pairs exactly
 * once (or stops where told), and every message is printable ASCII (it
 * goes to the log).  The plugin's sources are compiled in; the library's
 * name and script SHA-1 (redis_lua_init) are the only global state, set
 * up once.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include <charon/buf.h>
#include <charon/err.h>

#include "redis_lua.h"
#include "redis_reader.h"
#include "redis_reply.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_REPLIES 64

static struct redis_lua fuzz_lua;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct charon_err err;

    (void)argc;
    (void)argv;
    if (redis_lua_init(&fuzz_lua, &err) != CHARON_OK)
        abort();
    return 0;
}

/* A message bound for the log: non-empty, printable, terminated. */
static void
fuzz_printable(const char *msg, size_t cap)
{
    size_t i;

    for (i = 0; i < cap && msg[i] != '\0'; i++)
        if (msg[i] < 0x20 || msg[i] > 0x7e)
            abort();
    if (i == 0 || i == cap)
        abort();
}

/* get_all's walk: counts, checks, and stops at the stop-th pair. */
struct fuzz_walk {
    const redisReply *r;
    size_t next;                    /* the pairs before it were walked */
    size_t calls, stop;
};

static int
fuzz_each(void *ctx, const void *blob, size_t len, uint64_t lock)
{
    struct fuzz_walk *w = ctx;
    size_t i;

    (void)lock;
    /* blob is a later even element of the reply, whole: in order, each
     * pair once. */
    for (i = w->next; i < w->r->elements; i += 2)
        if (w->r->element[i]->str == blob && w->r->element[i]->len == len)
            break;
    if (i >= w->r->elements)
        abort();
    w->next = i + 2;
    w->calls++;
    return w->calls == w->stop ? 42 : 0;
}

static void
fuzz_get(const redisReply *r)
{
    struct charon_buf out = CHARON_BUF_INIT;
    struct charon_err err;
    uint64_t lock = 7;
    size_t ignored = 9;
    int rv;

    charon_err_clear(&err);
    rv = redis_reply_get(r, &out, &lock, &ignored, &err);
    if (ignored > 1 || (ignored == 1 && rv != CHARON_ENOTFOUND))
        abort();
    if (rv == CHARON_OK) {
        if (r->type != REDIS_REPLY_ARRAY || r->elements != 2
            || out.len != r->element[0]->len
            || (out.len > 0 && memcmp(out.data, r->element[0]->str,
                                      out.len) != 0))
            abort();
    } else {
        if (rv != CHARON_ENOTFOUND && rv != CHARON_EIO
            && rv != CHARON_ENOMEM)
            abort();
        if (out.len != 0 || lock != 7)
            abort();
        fuzz_printable(err.msg, sizeof(err.msg));
    }
    charon_buf_free(&out);
}

static void
fuzz_get_all(const redisReply *r, size_t stop)
{
    struct fuzz_walk w = { .r = r, .next = 0, .calls = 0, .stop = stop };
    struct charon_err err;
    size_t ignored = 0;
    int rv, stopped = 0;

    charon_err_clear(&err);
    rv = redis_reply_get_all(r, fuzz_each, &w, &stopped, &ignored, &err);
    if (rv == CHARON_EIO) {
        if (w.calls != 0 || stopped != 0 || ignored != 0)
            abort();
        fuzz_printable(err.msg, sizeof(err.msg));
        return;
    }
    if (rv != CHARON_OK || r->type != REDIS_REPLY_ARRAY
        || r->elements % 2 != 0)
        abort();
    if (stopped != 0 ? stopped != 42 || w.calls != stop
                     : w.calls + ignored != r->elements / 2)
        abort();
}

static void
fuzz_upsert(const redisReply *r, uint64_t expect)
{
    struct charon_err err;
    int rv;

    charon_err_clear(&err);
    rv = redis_reply_upsert(r, expect, &err);
    if ((rv == CHARON_OK) != (r->type == REDIS_REPLY_INTEGER
                              && r->integer == 1))
        abort();
    if (rv != CHARON_OK && rv != CHARON_ECONFLICT && rv != CHARON_EIO)
        abort();
    if (rv != CHARON_OK)
        fuzz_printable(err.msg, sizeof(err.msg));
}

static void
fuzz_simple(const redisReply *r)
{
    struct charon_err err;
    char small[8], big[256];
    int rv;

    charon_err_clear(&err);
    rv = redis_reply_deleted(r, REDIS_OP_DELETE, &err);
    if (rv != CHARON_OK && rv != CHARON_EIO)
        abort();
    if (rv != CHARON_OK)
        fuzz_printable(err.msg, sizeof(err.msg));
    rv = redis_reply_deleted(r, REDIS_OP_DELETE_ALL, &err);
    if (rv != CHARON_OK && rv != CHARON_EIO)
        abort();
    rv = redis_reply_pong(r, &err);
    if (rv != CHARON_OK && rv != CHARON_EIO)
        abort();
    if (rv != CHARON_OK)
        fuzz_printable(err.msg, sizeof(err.msg));
    if (redis_reply_ok(r) && r->type != REDIS_REPLY_STATUS)
        abort();
    rv = redis_reply_loaded(r, fuzz_lua.name);
    if (rv < -1 || rv > 1)
        abort();
    if (redis_reply_script(r, fuzz_lua.sha) && r->len != 40)
        abort();
    (void)redis_reply_error_is(r, "NOSCRIPT");
    (void)redis_reply_error_is(r, "");
    redis_reply_describe(r, small, sizeof(small));
    fuzz_printable(small, sizeof(small));
    redis_reply_describe(r, big, sizeof(big));
    fuzz_printable(big, sizeof(big));
}

/* Every interpretation of one reply. */
static void
fuzz_interpret(const redisReply *r)
{
    size_t pairs = r->type == REDIS_REPLY_ARRAY ? r->elements / 2 : 0;

    fuzz_get(r);
    fuzz_get_all(r, 0);
    if (pairs > 0)
        fuzz_get_all(r, 1 + pairs / 2);
    fuzz_upsert(r, 0);
    fuzz_upsert(r, 5);
    fuzz_simple(r);
}

/* A digest of a reply's shape and content, to compare two parses. */
static uint64_t
fuzz_digest(const redisReply *r, uint64_t h)
{
    size_t i;

    h = (h ^ (uint64_t)r->type) * 0x100000001b3u;
    switch (r->type) {
    case REDIS_REPLY_INTEGER:
        h = (h ^ (uint64_t)r->integer) * 0x100000001b3u;
        break;
    case REDIS_REPLY_ARRAY:
        h = (h ^ r->elements) * 0x100000001b3u;
        for (i = 0; i < r->elements; i++)
            h = fuzz_digest(r->element[i], h);
        break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
        h = (h ^ r->len) * 0x100000001b3u;
        for (i = 0; i < r->len; i++)
            h = (h ^ (unsigned char)r->str[i]) * 0x100000001b3u;
        break;
    default:
        break;
    }
    return h;
}

/* Feeds data in pieces of step bytes (0: at once), interpreting each
 * reply when interpret is set.  Fills digest[] and returns the number
 * of replies, negative (-1 - n) if the stream broke after n of them. */
static int
fuzz_parse(const uint8_t *data, size_t size, size_t step, int interpret,
           uint64_t *digest)
{
    struct redis_reader rd;
    struct charon_err err;
    redisReply *r;
    size_t off = 0, n;
    int count = 0, broken = 0, rv;

    if (redis_reader_init(&rd, REDIS_READER_MAX_BYTES, &err) != CHARON_OK)
        abort();
    while (!broken && count < FUZZ_MAX_REPLIES) {
        rv = redis_reader_next(&rd, &r, &err);
        if (rv != CHARON_OK) {
            if (rv != CHARON_EIO)
                abort();
            fuzz_printable(err.msg, sizeof(err.msg));
            broken = 1;
            break;
        }
        if (r != NULL) {
            if (interpret)
                fuzz_interpret(r);
            digest[count++] = fuzz_digest(r, 0xcbf29ce484222325u);
            freeReplyObject(r);
            continue;
        }
        if (off == size)
            break;
        n = step == 0 || size - off < step ? size - off : step;
        if (redis_reader_feed(&rd, data + off, n, &err) != CHARON_OK)
            abort();                /* inputs are far below the limit */
        off += n;
    }
    if (!broken && redis_reader_pending(&rd) > size)
        abort();
    redis_reader_fini(&rd);
    return broken ? -1 - count : count;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t whole[FUZZ_MAX_REPLIES], pieces[FUZZ_MAX_REPLIES];
    int n, m, i;

    n = fuzz_parse(data, size, 0, 1, whole);
    m = fuzz_parse(data, size, 7, 0, pieces);
    /* However the bytes arrive, the same replies (and the same break). */
    if (n != m)
        abort();
    for (i = 0; i < (n < 0 ? -1 - n : n); i++)
        if (whole[i] != pieces[i])
            abort();
    return 0;
}
