/*
 * charon/err.h - return codes and the caller-owned error record.
 *
 * Every fallible function in charon-fcgi and in its plugins returns 0
 * (CHARON_OK) or one of the negative codes below, and fills a
 * struct charon_err that the caller owns.  The message is one line,
 * lower-case, without a trailing period, and never holds a secret or a
 * token.
 */
#ifndef CHARON_ERR_H
#define CHARON_ERR_H

#include <stdarg.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Return codes: 0 is success, negative is failure (as in libuv). */
enum charon_rc {
    CHARON_OK        =  0,
    CHARON_ENOMEM    = -1,  /* allocation failed                        */
    CHARON_EINVAL    = -2,  /* malformed input or bad argument          */
    CHARON_ENOTFOUND = -3,  /* no such session or key: expected outcome */
    CHARON_ECONFLICT = -4,  /* lock_version moved on: expected outcome  */
    CHARON_EUNAVAIL  = -5,  /* backend down or timed out (HTTP 503)     */
    CHARON_ECONFIG   = -6,  /* configuration or plugin problem          */
    CHARON_EIO       = -7,  /* any other I/O failure                    */
    CHARON_ETOKEN    = -8,  /* token rejected; msg holds the reason     */
    CHARON_ETOOBIG   = -9,  /* input over a configured limit (HTTP 413) */
    CHARON_EUNSUPP   = -10  /* the plugin does not offer this operation */
};

#define CHARON_ERR_MSG_MAX 256

/* Filled by the callee, owned by the caller: one line, no secrets. */
struct charon_err {
    int  code;
    char msg[CHARON_ERR_MSG_MAX];
};

/*
 * Records an error and returns its code, so a callee can write
 *     return charon_err_set(err, CHARON_EINVAL, "bad %s", what);
 * err may be NULL.  %m works (glibc) and reads errno at this call.
 */
static inline __attribute__((format(printf, 3, 4))) int
charon_err_set(struct charon_err *err, int code, const char *fmt, ...)
{
    va_list ap;

    if (err != NULL) {
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return code;
}

/* Empties an error record before a call whose failure will be read. */
static inline void
charon_err_clear(struct charon_err *err)
{
    if (err != NULL) {
        err->code = CHARON_OK;
        err->msg[0] = '\0';
    }
}

#ifdef __cplusplus
}
#endif
#endif /* CHARON_ERR_H */
