/* ctl_check_config.c - charonctl check-config. */
#include <stdio.h>

#include "charonctl.h"

int
ctl_check_config(struct ctl *c, int argc, char **argv)
{
    int rc;

    (void)argc;
    (void)argv;
    rc = ctl_open(c);
    if (rc != CTL_EXIT_OK)
        return rc;
    printf("%s: ok (token factory %s from %s; session store %s from %s; "
           "%zu profile%s)\n", c->config, c->snap->token.handle.hdr->name,
           c->snap->token.handle.path, c->snap->store.handle.hdr->name,
           c->snap->store.handle.path, c->snap->nprofiles,
           c->snap->nprofiles == 1 ? "" : "s");
    return CTL_EXIT_OK;
}
