/* charonctl.c - the operator tool's commands and options in two tables,
 * from which argv is parsed, checked and --help is written. */
#include "charonctl.h"

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* Options, one bit each, in the order --help and synopses list them. */
#define CTL_OPT_CONFIG     0x001u
#define CTL_OPT_USER       0x002u
#define CTL_OPT_SESSION    0x004u
#define CTL_OPT_TYPE       0x008u
#define CTL_OPT_TRANSPORT  0x010u
#define CTL_OPT_PROFILE    0x020u
#define CTL_OPT_OUTPUT     0x040u
#define CTL_OPT_TOKEN_FILE 0x080u
#define CTL_OPT_TOKENS     0x100u
#define CTL_OPT_AT         0x200u

struct ctl_option {
    unsigned bit;
    int letter;                /* getopt's value: the short option, or a
                                  code above 255 for a long-only one */
    const char *name;          /* the long option                     */
    const char *synopsis;      /* how a usage line writes it          */
    size_t offset;             /* the const char * field of struct ctl */
    const char *help;
};

/* Every option; a command takes those its row names (ctl_commands). */
static const struct ctl_option ctl_options[] = {
    { CTL_OPT_CONFIG, 'c', "config", "-c FILE",
      offsetof(struct ctl, config), "charon.ini" },
    { CTL_OPT_USER, 'u', "user", "--user ID",
      offsetof(struct ctl, user), "user id (the \"sub\" claim), as a string" },
    { CTL_OPT_SESSION, 's', "session", "--session SID",
      offsetof(struct ctl, session), "session id" },
    { CTL_OPT_TYPE, 'T', "type", "--type TYPE",
      offsetof(struct ctl, type), "session type (default full)" },
    { CTL_OPT_TRANSPORT, 't', "transport", "--transport T",
      offsetof(struct ctl, transport),
      "bearer | cookie | cookie_only (default bearer)" },
    { CTL_OPT_PROFILE, 'p', "profile", "--profile NAME",
      offsetof(struct ctl, profile),
      "use [profile NAME] (issuer, TTLs, clock_skew)" },
    { CTL_OPT_OUTPUT, 'o', "output", "-o FILE",
      offsetof(struct ctl, output), "where keygen writes" },
    { CTL_OPT_TOKEN_FILE, 256, "token-file", "--token-file FILE",
      offsetof(struct ctl, token_file), "read the token from FILE" },
    { CTL_OPT_TOKENS, 257, "tokens", "--tokens FILE",
      offsetof(struct ctl, tokens),
      "verify one token per line of FILE (- for stdin)" },
    { CTL_OPT_AT, 'a', "at", "--at TIME",
      offsetof(struct ctl, at), "verify as of TIME (Unix seconds), not now" },
    { 0, 0, NULL, NULL, 0, NULL }
};

struct ctl_command {
    const char *name;          /* argv words: "jwks", "session create"  */
    int (*run)(struct ctl *c, int argc, char **argv);
    unsigned need;             /* options it requires                    */
    unsigned may;              /* options it also accepts                */
    int min_args;              /* operands after the name: how many     */
    int max_args;
    const char *args;          /* how the synopsis writes the operands   */
    const char *help;          /* what it does; "\n" between lines       */
};

/* The whole command line interface. */
static const struct ctl_command ctl_commands[] = {
    { .name = "check-config", .run = ctl_check_config,
      .need = CTL_OPT_CONFIG,
      .help = "load the configuration and its plugins, report every\n"
              "problem (exit 2) or \"ok\"" },
    { .name = "keygen", .run = ctl_keygen,
      .need = CTL_OPT_OUTPUT,
      .min_args = 1, .max_args = 1, .args = "ed25519|ed448",
      .help = "write a new private key (PEM, mode 0600) for\n"
              "key.<kid> = EdDSA:FILE" },
    { .name = "jwks", .run = ctl_jwks,
      .need = CTL_OPT_CONFIG,
      .help = "print the public keys as a JWKS" },
    { .name = "verify", .run = ctl_verify,
      .need = CTL_OPT_CONFIG,
      .may = CTL_OPT_PROFILE | CTL_OPT_TOKEN_FILE | CTL_OPT_TOKENS |
             CTL_OPT_AT,
      .max_args = 1, .args = "[- | TOKEN]",
      .help = "verify a token's signature, nbf and exp, and print its\n"
              "claims (exit 1 if rejected).  The token is read from\n"
              "stdin (no TOKEN, or -) or --token-file; a TOKEN operand\n"
              "works but is visible to every local user (ps, /proc).\n"
              "--tokens FILE: one token per line, one answer per line\n"
              "(\"ok\", \"rejected: REASON\" or \"error: ...\")" },
    { .name = "session create", .run = ctl_session_create,
      .need = CTL_OPT_CONFIG | CTL_OPT_USER,
      .may = CTL_OPT_TYPE | CTL_OPT_TRANSPORT | CTL_OPT_PROFILE,
      .help = "mint a session; print its tokens as JSON (transport\n"
              "cookie/cookie_only also prints the cookie values)" },
    { .name = "session list", .run = ctl_session_list,
      .need = CTL_OPT_CONFIG | CTL_OPT_USER, .may = CTL_OPT_TYPE,
      .help = "print the user's live sessions, one JSON line each" },
    { .name = "session revoke", .run = ctl_session_revoke,
      .need = CTL_OPT_CONFIG | CTL_OPT_USER | CTL_OPT_SESSION,
      .may = CTL_OPT_TYPE,
      .help = "delete one session" },
    { .name = "session revoke-all", .run = ctl_session_revoke_all,
      .need = CTL_OPT_CONFIG | CTL_OPT_USER, .may = CTL_OPT_TYPE,
      .help = "delete every session of the user (of --type)" },
    { .name = NULL }
};

/* Entries of ctl_options[], its end included. */
#define CTL_NOPTIONS (sizeof(ctl_options) / sizeof(ctl_options[0]))

/* "session create -c FILE --user ID [--type TYPE] [- | TOKEN]" */
static void
ctl_synopsis(FILE *fp, const struct ctl_command *cmd)
{
    const struct ctl_option *o;

    fputs(cmd->name, fp);
    for (o = ctl_options; o->name != NULL; o++)
        if (cmd->need & o->bit)
            fprintf(fp, " %s", o->synopsis);
    for (o = ctl_options; o->name != NULL; o++)
        if (cmd->may & o->bit)
            fprintf(fp, " [%s]", o->synopsis);
    if (cmd->args != NULL)
        fprintf(fp, " %s", cmd->args);
}

/* Each help line indented under its synopsis. */
static void
ctl_help_lines(FILE *fp, const char *text)
{
    const char *nl;

    for (; text != NULL; text = nl != NULL ? nl + 1 : NULL) {
        nl = strchr(text, '\n');
        fprintf(fp, "      %.*s\n",
                nl != NULL ? (int)(nl - text) : (int)strlen(text), text);
    }
}

static void
charonctl_usage(FILE *fp)
{
    const struct ctl_command *cmd;
    const struct ctl_option *o;
    char longname[40];

    fputs("usage: charonctl COMMAND [options]\n\n", fp);
    for (cmd = ctl_commands; cmd->name != NULL; cmd++) {
        fputs("  ", fp);
        ctl_synopsis(fp, cmd);
        fputc('\n', fp);
        ctl_help_lines(fp, cmd->help);
    }
    fputs("\noptions (a command refuses those its line does not show):\n",
          fp);
    for (o = ctl_options; o->name != NULL; o++) {
        snprintf(longname, sizeof(longname), "--%s %s", o->name,
                 strchr(o->synopsis, ' ') + 1);
        if (o->letter < 256)
            fprintf(fp, "  -%c, %-22s %s\n", o->letter, longname, o->help);
        else
            fprintf(fp, "      %-22s %s\n", longname, o->help);
    }
    fputs("  -h, --help                 this text\n"
          "\n"
          "exit status: 0 ok, 1 operation failed, 2 configuration error, "
          "64 usage\n", fp);
}

/* The command named by argv (one word, or two for "session ..."); NULL
 * after saying what is wrong. *words is how many argv words it took. */
static const struct ctl_command *
ctl_command_find(int argc, char **argv, int *words)
{
    const struct ctl_command *cmd;
    size_t n = strlen(argv[0]);
    int family = 0;

    for (cmd = ctl_commands; cmd->name != NULL; cmd++) {
        if (strcmp(cmd->name, argv[0]) == 0) {
            *words = 1;
            return cmd;
        }
        if (strncmp(cmd->name, argv[0], n) != 0 || cmd->name[n] != ' ')
            continue;
        family = 1;
        if (argc > 1 && strcmp(cmd->name + n + 1, argv[1]) == 0) {
            *words = 2;
            return cmd;
        }
    }
    if (family) {
        fprintf(stderr, "charonctl: %s needs one of:", argv[0]);
        for (cmd = ctl_commands; cmd->name != NULL; cmd++)
            if (strncmp(cmd->name, argv[0], n) == 0 && cmd->name[n] == ' ')
                fprintf(stderr, " %s", cmd->name + n + 1);
        fputc('\n', stderr);
    } else {
        fprintf(stderr, "charonctl: unknown command \"%s\" (charonctl "
                "--help lists them)\n", argv[0]);
    }
    return NULL;
}

/* Refuses options the command does not take, and missing ones it needs
 * (an empty value counts as missing), and a wrong operand count. */
static int
ctl_command_check(const struct ctl_command *cmd, const struct ctl *c,
                  int argc)
{
    const struct ctl_option *o;
    const char *v;

    for (o = ctl_options; o->name != NULL; o++) {
        v = *(const char *const *)((const char *)c + o->offset);
        if ((c->given & o->bit) && !((cmd->need | cmd->may) & o->bit)) {
            fprintf(stderr, "charonctl: %s does not take --%s\n", cmd->name,
                    o->name);
            goto usage;
        }
        if ((cmd->need & o->bit) && (v == NULL || v[0] == '\0')) {
            fprintf(stderr, "charonctl: %s needs %s\n", cmd->name,
                    o->synopsis);
            goto usage;
        }
    }
    if (argc < cmd->min_args || argc > cmd->max_args) {
        if (cmd->max_args == 0)
            fprintf(stderr, "charonctl: %s takes no operand\n", cmd->name);
        else
            fprintf(stderr, "charonctl: %s takes %s\n", cmd->name,
                    cmd->args);
        goto usage;
    }
    return CTL_EXIT_OK;

usage:
    fputs("usage: charonctl ", stderr);
    ctl_synopsis(stderr, cmd);
    fputc('\n', stderr);
    return CTL_EXIT_USAGE;
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

/* Fills c from argv's options; the option's getopt value, 0 at the end,
 * or -1 for a wrong one (getopt said why). */
static int
ctl_parse_options(struct ctl *c, int argc, char **argv)
{
    struct option longopts[CTL_NOPTIONS + 1];     /* and --help */
    char shortopts[2 * CTL_NOPTIONS + 2], *sp = shortopts;
    const struct ctl_option *o;
    size_t i = 0;
    int opt;

    for (o = ctl_options; o->name != NULL; o++, i++) {
        longopts[i].name = o->name;
        longopts[i].has_arg = required_argument;
        longopts[i].flag = NULL;
        longopts[i].val = o->letter;
        if (o->letter < 256) {
            *sp++ = (char)o->letter;
            *sp++ = ':';
        }
    }
    longopts[i].name = "help";
    longopts[i].has_arg = no_argument;
    longopts[i].flag = NULL;
    longopts[i].val = 'h';
    memset(&longopts[i + 1], 0, sizeof(longopts[i + 1]));
    *sp++ = 'h';
    *sp = '\0';
    while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        if (opt == 'h')
            return 'h';
        for (o = ctl_options; o->name != NULL; o++)
            if (o->letter == opt)
                break;
        if (o->name == NULL)
            return -1;
        *(const char **)((char *)c + o->offset) = optarg;
        c->given |= o->bit;
    }
    return 0;
}

int
main(int argc, char **argv)
{
    const struct ctl_command *cmd;
    struct ctl c;
    int rc, words;

    memset(&c, 0, sizeof(c));
    c.type = "full";
    c.transport = "bearer";
    /* Warnings while loading go to stderr; requests are not logged here. */
    log_init("charonctl", 0, CHARON_LOG_WARN);
    rc = ctl_parse_options(&c, argc, argv);
    if (rc == 'h' || (rc == 0 && optind < argc &&
                      strcmp(argv[optind], "help") == 0)) {
        charonctl_usage(stdout);
        return CTL_EXIT_OK;
    }
    if (rc < 0 || optind >= argc) {
        charonctl_usage(stderr);
        return CTL_EXIT_USAGE;
    }
    argc -= optind;
    argv += optind;
    cmd = ctl_command_find(argc, argv, &words);
    if (cmd == NULL)
        return CTL_EXIT_USAGE;
    argc -= words;
    argv += words;
    rc = ctl_command_check(cmd, &c, argc);
    if (rc == CTL_EXIT_OK)
        rc = cmd->run(&c, argc, argv);
    ctl_close(&c);
    return rc;
}
