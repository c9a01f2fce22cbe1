/* ctl_verify.c - charonctl verify TOKEN: signature, nbf, exp; claims out. */
#include <stdio.h>
#include <string.h>

#include "charonctl.h"
#include "clock.h"
#include "token_check.h"

int
ctl_verify(struct ctl *c, int argc, char **argv)
{
    const struct policy *p;
    char reason[192], detail[CHARON_ERR_MSG_MAX];
    enum events_reason why;
    json_object *payload;
    int rc;

    if (argc != 1) {
        fprintf(stderr, "charonctl: verify takes one TOKEN\n");
        return CTL_EXIT_USAGE;
    }
    rc = ctl_open_policy(c, &p);
    if (rc != CTL_EXIT_OK)
        return rc;
    detail[0] = '\0';
    rc = token_check_verify(&c->worker, argv[0], strlen(argv[0]), clock_now(),
                            p->charon->clock_skew, &why, reason, sizeof(reason),
                            detail, sizeof(detail));
    if (rc != CHARON_OK) {
        if (rc == CHARON_ETOKEN)
            fprintf(stderr, "charonctl: token rejected: %s%s%s%s\n", reason,
                    detail[0] != '\0' ? " (" : "", detail,
                    detail[0] != '\0' ? ")" : "");
        else
            fprintf(stderr, "charonctl: cannot verify: %s\n", detail);
        return CTL_EXIT_FAIL;
    }
    /* Verified and strictly parsed already; json-c only pretty-prints. */
    payload = json_tokener_parse((const char *)c->worker.payload.data);
    if (payload == NULL) {
        fprintf(stderr, "charonctl: out of memory\n");
        return CTL_EXIT_FAIL;
    }
    ctl_print_json(payload);
    json_object_put(payload);
    return CTL_EXIT_OK;
}
