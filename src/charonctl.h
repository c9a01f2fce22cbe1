/*
 * charonctl.h - the operator tool: shared context of its subcommands,
 * one file per subcommand (ctl_<verb>.c).
 */
#ifndef CHARON_CHARONCTL_H
#define CHARON_CHARONCTL_H

#include <json-c/json.h>

#include "snapshot.h"
#include "worker.h"

/* Exit statuses. */
#define CTL_EXIT_OK 0
#define CTL_EXIT_FAIL 1       /* the operation failed (token rejected...) */
#define CTL_EXIT_CONFIG 2     /* the configuration is wrong              */
#define CTL_EXIT_USAGE 64

struct ctl {
    const char *config;       /* -c FILE                                  */
    const char *user;         /* --user                                   */
    const char *session;      /* --session                                */
    const char *type;         /* --type (default "full")                  */
    const char *transport;    /* --transport (default "bearer")           */
    const char *output;       /* -o FILE                                  */
    const char *profile;      /* --profile                                */
    const char *token_file;   /* --token-file                             */
    const char *tokens;       /* --tokens FILE|-: one token per line      */
    const char *at;           /* --at: verify as of this Unix time        */
    unsigned given;           /* the options on the command line (bits)  */
    struct snapshot *snap;    /* after ctl_open                           */
    struct worker worker;
};

/* Loads the config (printing every error) and starts one worker. */
int ctl_open(struct ctl *c);

/* ctl_open, then the policy of --profile in *p (the base without it). */
int ctl_open_policy(struct ctl *c, const struct policy **p);
void ctl_close(struct ctl *c);

/* Prints a JSON value, pretty, with a newline. */
void ctl_print_json(json_object *obj);

/* The commands (charonctl.c's table has checked their options and the
 * number of operands, argv[0..argc)). */
int ctl_check_config(struct ctl *c, int argc, char **argv);
int ctl_keygen(struct ctl *c, int argc, char **argv);
int ctl_jwks(struct ctl *c, int argc, char **argv);
int ctl_verify(struct ctl *c, int argc, char **argv);
int ctl_session_create(struct ctl *c, int argc, char **argv);
int ctl_session_list(struct ctl *c, int argc, char **argv);
int ctl_session_revoke(struct ctl *c, int argc, char **argv);
int ctl_session_revoke_all(struct ctl *c, int argc, char **argv);

#endif /* CHARON_CHARONCTL_H */
