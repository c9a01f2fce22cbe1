/*
 * failmalloc.c - an LD_PRELOAD shim that makes one allocation fail, for
 * tests/integration/failure_injection.sh.
 *
 *   FAILMALLOC_N=n       the n-th malloc/calloc/realloc/aligned allocation
 *                        of the process (counting from 1) returns NULL;
 *                        0 or unset: none fails (a counting run)
 *   FAILMALLOC_REPORT=f  at exit, append one line to f:
 *                        "calls=C failed=F live=L" (L: allocations not
 *                        freed at exit, a leak measure compared with the
 *                        counting run's)
 *
 * It forwards to glibc's __libc_* functions, so it needs no dlsym (which
 * itself allocates).  Not for sanitizer builds: ASan owns malloc there.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static unsigned long fm_target;        /* 0: never */
static unsigned long fm_calls, fm_failed;
static long fm_live;
static int fm_ready;

static void
fm_init(void)
{
    const char *n;

    if (fm_ready)
        return;
    fm_ready = 1;
    n = getenv("FAILMALLOC_N");
    if (n != NULL)
        fm_target = strtoul(n, NULL, 10);
}

/* 1 if this allocation must fail. */
static int
fm_fail(void)
{
    unsigned long c;

    fm_init();
    c = __atomic_add_fetch(&fm_calls, 1, __ATOMIC_RELAXED);
    if (fm_target != 0 && c == fm_target) {
        __atomic_add_fetch(&fm_failed, 1, __ATOMIC_RELAXED);
        errno = ENOMEM;
        return 1;
    }
    return 0;
}

static void *
fm_count(void *p)
{
    if (p != NULL)
        __atomic_add_fetch(&fm_live, 1, __ATOMIC_RELAXED);
    return p;
}

void *
malloc(size_t n)
{
    return fm_fail() ? NULL : fm_count(__libc_malloc(n));
}

void *
calloc(size_t n, size_t m)
{
    return fm_fail() ? NULL : fm_count(__libc_calloc(n, m));
}

void *
realloc(void *p, size_t n)
{
    void *q;

    if (p == NULL)
        return malloc(n);
    if (n == 0) {
        free(p);
        return NULL;
    }
    if (fm_fail())
        return NULL;
    q = __libc_realloc(p, n);
    return q;
}

void
free(void *p)
{
    if (p == NULL)
        return;
    __atomic_sub_fetch(&fm_live, 1, __ATOMIC_RELAXED);
    __libc_free(p);
}

void *
memalign(size_t align, size_t n)
{
    return fm_fail() ? NULL : fm_count(__libc_memalign(align, n));
}

void *
aligned_alloc(size_t align, size_t n)
{
    return memalign(align, n);
}

int
posix_memalign(void **out, size_t align, size_t n)
{
    void *p = memalign(align, n);

    if (p == NULL)
        return ENOMEM;
    *out = p;
    return 0;
}

__attribute__((destructor)) static void
fm_report(void)
{
    const char *f = getenv("FAILMALLOC_REPORT");
    char line[128];
    int fd, len;

    if (f == NULL)
        return;
    len = snprintf(line, sizeof(line), "calls=%lu failed=%lu live=%ld\n",
                   fm_calls, fm_failed, fm_live);
    fd = open(f, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
        if (write(fd, line, (size_t)len) < 0)
            (void)0;
        close(fd);
    }
}
