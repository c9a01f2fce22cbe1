/* ctl_verify.c - charonctl verify TOKEN|-: signature, nbf, exp; claims. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charonctl.h"
#include "clock.h"
#include "token_check.h"

/* --at TIME (Unix seconds) or now; -1 on a bad value. */
static int
ctl_verify_time(const char *at, int64_t *now)
{
    char *end;
    long long t;

    if (at == NULL) {
        *now = clock_now();
        return 0;
    }
    errno = 0;
    t = strtoll(at, &end, 10);
    if (errno != 0 || end == at || *end != '\0' || t < 0) {
        fprintf(stderr, "charonctl: --at \"%s\": expected Unix seconds\n",
                at);
        return -1;
    }
    *now = (int64_t)t;
    return 0;
}

/* One token: CHARON_OK, CHARON_ETOKEN (reason and detail filled) or
 * another code (detail filled). */
static int
ctl_verify_one(struct ctl *c, const struct policy *p, const char *token,
               size_t len, int64_t now, char *reason, size_t reason_len,
               char *detail, size_t detail_len)
{
    detail[0] = '\0';
    return token_check_verify(&c->worker, token, len, now,
                              p->charon->clock_skew, reason, reason_len,
                              detail, detail_len);
}

/* "-": one token per line of stdin, one answer per line of stdout, so
 * that many tokens cost one start (the interop replay reads thousands). */
static int
ctl_verify_lines(struct ctl *c, const struct policy *p, int64_t now)
{
    char reason[192], detail[CHARON_ERR_MSG_MAX];
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc;

    while ((n = getline(&line, &cap, stdin)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        rc = ctl_verify_one(c, p, line, (size_t)n, now, reason,
                            sizeof(reason), detail, sizeof(detail));
        if (rc == CHARON_OK)
            puts("ok");
        else if (rc == CHARON_ETOKEN)
            printf("rejected: %s%s%s%s\n", reason,
                   detail[0] != '\0' ? " (" : "", detail,
                   detail[0] != '\0' ? ")" : "");
        else
            printf("error: %s\n", detail);
    }
    free(line);
    return fflush(stdout) == 0 && !ferror(stdin) ? CTL_EXIT_OK
                                                 : CTL_EXIT_FAIL;
}

int
ctl_verify(struct ctl *c, int argc, char **argv)
{
    const struct policy *p;
    char reason[192], detail[CHARON_ERR_MSG_MAX];
    int64_t now;
    int rc;

    if (argc != 1) {
        fprintf(stderr, "charonctl: verify takes one TOKEN, or -\n");
        return CTL_EXIT_USAGE;
    }
    if (ctl_verify_time(c->at, &now) < 0)
        return CTL_EXIT_USAGE;
    rc = ctl_open_policy(c, &p);
    if (rc != CTL_EXIT_OK)
        return rc;
    if (strcmp(argv[0], "-") == 0)
        return ctl_verify_lines(c, p, now);
    rc = ctl_verify_one(c, p, argv[0], strlen(argv[0]), now, reason,
                        sizeof(reason), detail, sizeof(detail));
    if (rc != CHARON_OK) {
        if (rc == CHARON_ETOKEN)
            fprintf(stderr, "charonctl: token rejected: %s%s%s%s\n", reason,
                    detail[0] != '\0' ? " (" : "", detail,
                    detail[0] != '\0' ? ")" : "");
        else
            fprintf(stderr, "charonctl: cannot verify: %s\n", detail);
        return CTL_EXIT_FAIL;
    }
    /* The payload as the token carries it (verified and strictly
     * parsed already): a json-c round trip would clamp a bigint sub. */
    fwrite(c->worker.payload.data, 1, c->worker.payload.len, stdout);
    putchar('\n');
    return CTL_EXIT_OK;
}
