/* ctl_jwks.c - charonctl jwks: the public keys, as /jwks.json serves them. */
#include <stdio.h>

#include "charonctl.h"

int
ctl_jwks(struct ctl *c, int argc, char **argv)
{
    const struct charon_token_plugin *tp;
    struct charon_buf out = CHARON_BUF_INIT;
    struct charon_err err;
    int rc;

    (void)argc;
    (void)argv;
    rc = ctl_open(c);
    if (rc != CTL_EXIT_OK)
        return rc;
    tp = snapshot_token(c->snap);
    if (tp->public_jwks(c->snap->token.instance, c->worker.token_ts,
                       &out, &err) != CHARON_OK) {
        fprintf(stderr, "charonctl: jwks: %s\n", err.msg);
        charon_buf_free(&out);
        return CTL_EXIT_FAIL;
    }
    printf("%s\n", (const char *)out.data);
    charon_buf_free(&out);
    return CTL_EXIT_OK;
}
