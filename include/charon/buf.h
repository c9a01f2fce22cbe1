/*
 * charon/buf.h - caller-owned growable byte buffer.
 *
 * Output crosses the plugin boundary only into a struct charon_buf that
 * the caller owns: a plugin appends, the caller frees with
 * charon_buf_free().  The data is always NUL-terminated after a
 * successful append (the NUL is not counted in len), so text can be
 * read as a C string.  All functions are header-only so that plugins
 * need no symbol from the core.
 */
#ifndef CHARON_BUF_H
#define CHARON_BUF_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <charon/err.h>

#ifdef __cplusplus
extern "C" {
#endif

struct charon_buf {
    unsigned char *data;   /* NULL until the first append */
    size_t len;            /* bytes used, NUL excluded    */
    size_t cap;            /* bytes allocated             */
};

#define CHARON_BUF_INIT { NULL, 0, 0 }

/* Makes room for at least extra more bytes (plus the NUL). */
static inline int
charon_buf_reserve(struct charon_buf *b, size_t extra)
{
    size_t need, cap;
    unsigned char *p;

    if (extra > (size_t)-1 / 2 - b->len - 1)
        return CHARON_ENOMEM;
    need = b->len + extra + 1;
    if (need <= b->cap)
        return CHARON_OK;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    p = (unsigned char *)realloc(b->data, cap);
    if (p == NULL)
        return CHARON_ENOMEM;
    b->data = p;
    b->cap = cap;
    return CHARON_OK;
}

/* Appends n bytes; returns CHARON_OK or CHARON_ENOMEM. */
static inline int
charon_buf_append(struct charon_buf *b, const void *p, size_t n)
{
    if (charon_buf_reserve(b, n) != CHARON_OK)
        return CHARON_ENOMEM;
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return CHARON_OK;
}

/* Appends a NUL-terminated string. */
static inline int
charon_buf_puts(struct charon_buf *b, const char *s)
{
    return charon_buf_append(b, s, strlen(s));
}

/* Forgets the contents but keeps the allocation for reuse. */
static inline void
charon_buf_reset(struct charon_buf *b)
{
    b->len = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

/*
 * Zeroes n bytes at p in a way the compiler may not drop as a dead store
 * before free().  Plain ISO C (explicit_bzero and memset_s are not), so
 * that the header compiles with -std=c99 -pedantic: memset, then an empty
 * asm that claims to read the memory (GCC and clang), or else a volatile
 * loop.
 */
static inline void
charon_buf_wipe(void *p, size_t n)
{
#if defined(__GNUC__)
    memset(p, 0, n);
    __asm__ __volatile__("" : : "r"(p) : "memory");
#else
    volatile unsigned char *v = (volatile unsigned char *)p;

    while (n-- > 0)
        *v++ = 0;
#endif
}

/* Wipes and frees the buffer; it may be reused afterwards. */
static inline void
charon_buf_free(struct charon_buf *b)
{
    if (b->data != NULL) {
        charon_buf_wipe(b->data, b->cap);
        free(b->data);
    }
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

#ifdef __cplusplus
}
#endif
#endif /* CHARON_BUF_H */
