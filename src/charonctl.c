/* charonctl.c - argv and dispatch of the operator tool. */
#include "charonctl.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static void
charonctl_usage(FILE *fp)
{
    fputs(
"usage: charonctl COMMAND [options]\n"
"\n"
"  check-config -c FILE            load the configuration and its plugins,\n"
"                                  report every problem (exit 2) or \"ok\"\n"
"  keygen ed25519|ed448 -o FILE    write a new private key (PEM, mode 0600)\n"
"                                  for key.<kid> = EdDSA:FILE\n"
"  jwks -c FILE                    print the public keys as a JWKS\n"
"  verify -c FILE [--at TIME] TOKEN\n"
"                                  verify a token's signature, nbf and exp,\n"
"                                  and print its claims (exit 1 if rejected)\n"
"  verify -c FILE [--at TIME] -    verify one token per line of stdin; print\n"
"                                  \"ok\" or \"rejected: REASON\" for each\n"
"  session create -c FILE --user ID [--type full] [--transport bearer]\n"
"                                  mint a session; print its tokens as JSON\n"
"                                  (transport cookie/cookie_only also prints\n"
"                                  the cookie values)\n"
"  session list -c FILE --user ID [--type full]\n"
"  session revoke -c FILE --user ID --session SID [--type full]\n"
"  session revoke-all -c FILE --user ID [--type full]\n"
"\n"
"options:\n"
"  -c, --config FILE   charon.ini\n"
"  -u, --user ID       user id (the \"sub\" claim), as a string\n"
"  -s, --session SID   session id\n"
"  -T, --type TYPE     session type (default full)\n"
"  -t, --transport T   bearer | cookie | cookie_only (default bearer)\n"
"  -p, --profile NAME  use [profile NAME] (issuer, TTLs)\n"
"  -o, --output FILE   where keygen writes\n"
"  -a, --at TIME       verify as of TIME (Unix seconds), not now\n"
"  -h, --help          this text\n"
"\n"
"exit status: 0 ok, 1 operation failed, 2 configuration error, 64 usage\n",
          fp);
}

int
ctl_open(struct ctl *c)
{
    struct config_errors errs = CONFIG_ERRORS_INIT;
    struct charon_err err;
    size_t i;

    if (c->config == NULL) {
        fprintf(stderr, "charonctl: -c FILE is required\n");
        return CTL_EXIT_USAGE;
    }
    if (snapshot_load(c->config, &c->snap, &errs) != CHARON_OK) {
        config_errors_sort(&errs);
        for (i = 0; i < errs.n; i++)
            fprintf(stderr, "%s\n", errs.lines[i]);
        if (errs.n == 0)
            fprintf(stderr, "%s: cannot load the configuration\n", c->config);
        config_errors_free(&errs);
        return CTL_EXIT_CONFIG;
    }
    if (worker_init(&c->worker, c->snap, &err) != CHARON_OK) {
        fprintf(stderr, "charonctl: %s\n", err.msg);
        snapshot_free(c->snap);
        c->snap = NULL;
        return CTL_EXIT_FAIL;
    }
    return CTL_EXIT_OK;
}

int
ctl_open_policy(struct ctl *c, const struct policy **p)
{
    int rc = ctl_open(c);

    if (rc != CTL_EXIT_OK)
        return rc;
    *p = snapshot_policy(c->snap, c->profile);
    if (*p == NULL) {
        fprintf(stderr, "charonctl: no [profile %s]\n", c->profile);
        return CTL_EXIT_USAGE;
    }
    return CTL_EXIT_OK;
}

void
ctl_close(struct ctl *c)
{
    if (c->snap == NULL)
        return;
    worker_fini(&c->worker);
    snapshot_free(c->snap);
    c->snap = NULL;
}

void
ctl_print_json(json_object *obj)
{
    puts(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
                                             JSON_C_TO_STRING_NOSLASHESCAPE));
}

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "config", required_argument, NULL, 'c' },
        { "user", required_argument, NULL, 'u' },
        { "session", required_argument, NULL, 's' },
        { "type", required_argument, NULL, 'T' },
        { "transport", required_argument, NULL, 't' },
        { "profile", required_argument, NULL, 'p' },
        { "output", required_argument, NULL, 'o' },
        { "at", required_argument, NULL, 'a' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    struct ctl c;
    const char *cmd;
    int opt, rc;

    memset(&c, 0, sizeof(c));
    c.type = "full";
    c.transport = "bearer";
    /* Warnings while loading go to stderr; requests are not logged here. */
    log_init("charonctl", 0, CHARON_LOG_WARN);
    while ((opt = getopt_long(argc, argv, "c:u:s:T:t:p:o:a:h", longopts,
                              NULL)) != -1) {
        switch (opt) {
        case 'c': c.config = optarg; break;
        case 'u': c.user = optarg; break;
        case 's': c.session = optarg; break;
        case 'T': c.type = optarg; break;
        case 't': c.transport = optarg; break;
        case 'p': c.profile = optarg; break;
        case 'o': c.output = optarg; break;
        case 'a': c.at = optarg; break;
        case 'h': charonctl_usage(stdout); return CTL_EXIT_OK;
        default:  charonctl_usage(stderr); return CTL_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        charonctl_usage(stderr);
        return CTL_EXIT_USAGE;
    }
    cmd = argv[optind];
    argc -= optind + 1;
    argv += optind + 1;
    if (strcmp(cmd, "check-config") == 0)
        rc = ctl_check_config(&c, argc, argv);
    else if (strcmp(cmd, "keygen") == 0)
        rc = ctl_keygen(&c, argc, argv);
    else if (strcmp(cmd, "jwks") == 0)
        rc = ctl_jwks(&c, argc, argv);
    else if (strcmp(cmd, "verify") == 0)
        rc = ctl_verify(&c, argc, argv);
    else if (strcmp(cmd, "session") == 0)
        rc = ctl_session(&c, argc, argv);
    else if (strcmp(cmd, "help") == 0) {
        charonctl_usage(stdout);
        rc = CTL_EXIT_OK;
    } else {
        fprintf(stderr, "charonctl: unknown command \"%s\"\n", cmd);
        charonctl_usage(stderr);
        rc = CTL_EXIT_USAGE;
    }
    ctl_close(&c);
    return rc;
}
