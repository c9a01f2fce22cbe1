/* ctl_verify.c - charonctl verify: signature, nbf, exp; claims out.
 *
 * The token comes from stdin (no operand, or "-") or --token-file, so
 * that it never sits in the process's argv, which every local user can
 * read (ps, /proc/PID/cmdline).  A TOKEN operand still works, with a
 * warning.  --tokens FILE|- verifies one token per line and answers one
 * line each, so that many tokens cost one start (the interop replay
 * reads thousands); --at TIME verifies as of that Unix time. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "charonctl.h"
#include "clock.h"
#include "token_check.h"

/* token_jwt refuses tokens over max_token_bytes, which is at most this. */
#define CTL_VERIFY_TOKEN_MAX 65536

/* Reads the whole token from fp (named what) into tok, without the
 * whitespace around it (a trailing newline, as echo and files have). */
static int
ctl_verify_read(FILE *fp, const char *what, struct charon_buf *tok)
{
    unsigned char chunk[4096];
    size_t n, start = 0;

    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
        if (tok->len + n > CTL_VERIFY_TOKEN_MAX) {
            fprintf(stderr, "charonctl: the token in %s is over %d bytes\n",
                    what, CTL_VERIFY_TOKEN_MAX);
            return CTL_EXIT_FAIL;
        }
        if (charon_buf_append(tok, chunk, n) != CHARON_OK) {
            fprintf(stderr, "charonctl: out of memory\n");
            return CTL_EXIT_FAIL;
        }
    }
    explicit_bzero(chunk, sizeof(chunk));
    if (ferror(fp)) {
        fprintf(stderr, "charonctl: read %s: %s\n", what, strerror(errno));
        return CTL_EXIT_FAIL;
    }
    while (tok->len > 0 && strchr(" \t\r\n", tok->data[tok->len - 1]))
        tok->data[--tok->len] = '\0';
    while (start < tok->len && strchr(" \t\r\n", tok->data[start]))
        start++;
    if (start == tok->len) {
        fprintf(stderr, "charonctl: no token in %s\n", what);
        return CTL_EXIT_FAIL;
    }
    memmove(tok->data, tok->data + start, tok->len - start + 1);
    tok->len -= start;
    return CTL_EXIT_OK;
}

/* Fills tok from the operand, --token-file or stdin. */
static int
ctl_verify_token(struct ctl *c, int argc, char **argv, struct charon_buf *tok)
{
    int from_stdin = argc == 0 || strcmp(argv[0], "-") == 0;
    FILE *fp;
    int rc;

    if (c->token_file != NULL && argc > 0) {
        fprintf(stderr, "charonctl: verify takes the token once: --token-file "
                "FILE, or a TOKEN operand, or - (stdin)\n");
        return CTL_EXIT_USAGE;
    }
    if (!from_stdin) {
        fprintf(stderr, "charonctl: warning: a TOKEN operand is visible to "
                "every local user (ps, /proc/PID/cmdline) while charonctl "
                "runs; give it on stdin or with --token-file FILE\n");
        if (charon_buf_puts(tok, argv[0]) != CHARON_OK) {
            fprintf(stderr, "charonctl: out of memory\n");
            return CTL_EXIT_FAIL;
        }
        return CTL_EXIT_OK;
    }
    if (c->token_file == NULL) {
        if (isatty(STDIN_FILENO))
            fprintf(stderr, "charonctl: reading the token from stdin "
                    "(end with Ctrl-D)\n");
        return ctl_verify_read(stdin, "stdin", tok);
    }
    fp = fopen(c->token_file, "re");
    if (fp == NULL) {
        fprintf(stderr, "charonctl: open %s: %s\n", c->token_file,
                strerror(errno));
        return CTL_EXIT_FAIL;
    }
    rc = ctl_verify_read(fp, c->token_file, tok);
    fclose(fp);
    return rc;
}

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
    enum events_reason why;

    detail[0] = '\0';
    return token_check_verify(&c->worker, token, len, now,
                              p->charon->clock_skew, &why, reason,
                              reason_len, detail, detail_len);
}

/* --tokens: one token per line of fp, one answer per line of stdout. */
static int
ctl_verify_lines(struct ctl *c, const struct policy *p, int64_t now,
                 FILE *fp)
{
    char reason[192], detail[CHARON_ERR_MSG_MAX];
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc;

    while ((n = getline(&line, &cap, fp)) >= 0) {
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
    if (line != NULL)
        explicit_bzero(line, cap);
    free(line);
    return fflush(stdout) == 0 && !ferror(fp) ? CTL_EXIT_OK : CTL_EXIT_FAIL;
}

/* --tokens FILE|-: every line of it. */
static int
ctl_verify_many(struct ctl *c, int argc, const struct policy *p,
                int64_t now)
{
    FILE *fp;
    int rc;

    if (argc > 0 || c->token_file != NULL) {
        fprintf(stderr, "charonctl: verify --tokens takes no other token\n");
        return CTL_EXIT_USAGE;
    }
    if (strcmp(c->tokens, "-") == 0)
        return ctl_verify_lines(c, p, now, stdin);
    fp = fopen(c->tokens, "re");
    if (fp == NULL) {
        fprintf(stderr, "charonctl: open %s: %s\n", c->tokens,
                strerror(errno));
        return CTL_EXIT_FAIL;
    }
    rc = ctl_verify_lines(c, p, now, fp);
    fclose(fp);
    return rc;
}

int
ctl_verify(struct ctl *c, int argc, char **argv)
{
    struct charon_buf tok = CHARON_BUF_INIT;
    const struct policy *p;
    char reason[192], detail[CHARON_ERR_MSG_MAX];
    int64_t now;
    int rc;

    if (ctl_verify_time(c->at, &now) < 0)
        return CTL_EXIT_USAGE;
    if (c->tokens != NULL) {
        rc = ctl_open_policy(c, &p);
        return rc != CTL_EXIT_OK ? rc : ctl_verify_many(c, argc, p, now);
    }
    rc = ctl_verify_token(c, argc, argv, &tok);
    if (rc != CTL_EXIT_OK)
        goto out;
    rc = ctl_open_policy(c, &p);
    if (rc != CTL_EXIT_OK)
        goto out;
    rc = ctl_verify_one(c, p, (const char *)tok.data, tok.len, now, reason,
                        sizeof(reason), detail, sizeof(detail));
    if (rc != CHARON_OK) {
        if (rc == CHARON_ETOKEN)
            fprintf(stderr, "charonctl: token rejected: %s%s%s%s\n", reason,
                    detail[0] != '\0' ? " (" : "", detail,
                    detail[0] != '\0' ? ")" : "");
        else
            fprintf(stderr, "charonctl: cannot verify: %s\n", detail);
        rc = CTL_EXIT_FAIL;
        goto out;
    }
    /* The payload as the token carries it (verified and strictly
     * parsed already): a json-c round trip would clamp a bigint sub. */
    fwrite(c->worker.payload.data, 1, c->worker.payload.len, stdout);
    putchar('\n');
    rc = CTL_EXIT_OK;
out:
    charon_buf_free(&tok);      /* wipes the token */
    return rc;
}
