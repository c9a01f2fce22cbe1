/*
 * main.c - charon-fcgi: argv, start-up, mode selection, exit codes.
 *
 * Mode: --listen ⇒ FastCGI on that socket; else a listening socket on
 * fd 0 (lighttpd bin-path, spawn-fcgi, systemd) ⇒ FastCGI on fd 0; else
 * GATEWAY_INTERFACE ⇒ one CGI request.  FCGX_IsCGI() is not used: it
 * misreports after FCGX_OpenSocket (see docs/HACKING.md §7).
 * Exit status: 0 clean stop, 1 runtime failure, 2 configuration error,
 * 64 usage error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cgi_mode.h"
#include "fcgi_loop.h"
#include "listen_socket.h"
#include "log.h"
#include "prefork.h"
#include "signals.h"
#include "snapshot.h"

#define EXIT_CONFIG 2
#define EXIT_USAGE 64

struct main_opts {
    const char *config;
    const char *listen;
    const char *socket_group;
    unsigned long threads;
    unsigned long workers;
};

static void
main_usage(FILE *fp)
{
    fprintf(fp,
"usage: charon-fcgi -c FILE [--listen unix:/path.sock | tcp:HOST:PORT]\n"
"                   [--socket-group GROUP] [--workers N] [--threads M]\n"
"                   [--foreground]\n"
"\n"
"Token authentication with server-side sessions for lighttpd, Apache httpd\n"
"and nginx, over FastCGI (AUTHORIZER and RESPONDER roles) or CGI.\n"
"\n"
"  -c, --config FILE       charon.ini (required)\n"
"  -l, --listen ADDR       listen on a unix socket (created 0660) or on TCP;\n"
"                          without it, serve the listening socket on fd 0\n"
"                          (lighttpd bin-path, spawn-fcgi, systemd), or else\n"
"                          answer one CGI request (GATEWAY_INTERFACE set)\n"
"  -g, --socket-group GRP  group of the unix socket (e.g. www-data)\n"
"  -w, --workers N         worker processes (default 1) under a master that\n"
"                          starts another when one dies; SIGHUP reloads the\n"
"                          configuration, keys and plugins into new workers\n"
"                          while the old ones finish their requests\n"
"  -t, --threads M         threads per worker (default %d); each kept-alive\n"
"                          web-server connection holds one\n"
"  -f, --foreground        accepted for compatibility: charon-fcgi never\n"
"                          forks into the background\n"
"  -h, --help              this text\n"
"  -V, --version           print the version\n",
            FCGI_LOOP_DEFAULT_THREADS);
}

static int
main_parse(int argc, char **argv, struct main_opts *o)
{
    static const struct option longopts[] = {
        { "config", required_argument, NULL, 'c' },
        { "listen", required_argument, NULL, 'l' },
        { "socket-group", required_argument, NULL, 'g' },
        { "threads", required_argument, NULL, 't' },
        { "workers", required_argument, NULL, 'w' },
        { "foreground", no_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    char *end;
    int c;

    o->threads = FCGI_LOOP_DEFAULT_THREADS;
    o->workers = 1;
    while ((c = getopt_long(argc, argv, "c:l:g:t:w:fhV", longopts, NULL)) !=
           -1) {
        switch (c) {
        case 'c': o->config = optarg; break;
        case 'l': o->listen = optarg; break;
        case 'g': o->socket_group = optarg; break;
        case 'f': break;
        case 't':
            o->threads = strtoul(optarg, &end, 10);
            if (*end != '\0' || optarg[0] == '-' || o->threads < 1 ||
                o->threads > 4096) {
                fprintf(stderr, "charon-fcgi: --threads takes 1..4096, not "
                        "\"%s\"\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'w':
            o->workers = strtoul(optarg, &end, 10);
            if (*end != '\0' || optarg[0] == '-' || o->workers < 1 ||
                o->workers > 256) {
                fprintf(stderr, "charon-fcgi: --workers takes 1..256, not "
                        "\"%s\"\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'h': main_usage(stdout); exit(0);
        case 'V': printf("charon-fcgi %s\n", CHARON_VERSION); exit(0);
        default:  main_usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "charon-fcgi: unexpected argument \"%s\"\n",
                argv[optind]);
        return EXIT_USAGE;
    }
    if (o->config == NULL) {
        fprintf(stderr, "charon-fcgi: -c FILE is required\n");
        main_usage(stderr);
        return EXIT_USAGE;
    }
    return 0;
}

static int
main_serve(const struct main_opts *o)
{
    struct prefork_opts po;
    struct charon_err err;
    int fd = 0, rc, status;

    if (o->listen != NULL) {
        rc = listen_socket_open(o->listen, o->socket_group, &fd, &err);
        if (rc != CHARON_OK) {
            log_msg(CHARON_LOG_ERR, "%s", err.msg);
            return rc == CHARON_ECONFIG ? EXIT_CONFIG : 1;
        }
        log_msg(CHARON_LOG_INFO, "listening on %s", o->listen);
    } else {
        log_msg(CHARON_LOG_INFO, "serving the socket on fd 0");
    }
    po.config = o->config;
    po.listen_fd = fd;
    po.workers = (unsigned)o->workers;
    po.threads = (unsigned)o->threads;
    status = prefork_run(&po);
    if (o->listen != NULL) {
        listen_socket_unlink(o->listen);
        close(fd);
    }
    return status;
}

/* A CGI answer when the daemon cannot even start. */
static void
main_cgi_error(const char *status, const char *code, const char *message)
{
    printf("Status: %s\r\nContent-Type: application/json\r\n"
           "Cache-Control: no-store\r\n\r\n"
           "{\"error\":\"%s\",\"message\":\"%s\"}", status, code, message);
}

int
main(int argc, char **argv)
{
    struct config_errors errs = CONFIG_ERRORS_INIT;
    struct main_opts o;
    struct snapshot *snap = NULL;
    int fastcgi, status;
    size_t i;

    memset(&o, 0, sizeof(o));
    status = main_parse(argc, argv, &o);
    if (status != 0)
        return status;
    fastcgi = o.listen != NULL || listen_socket_is_listening(0);
    if (!fastcgi && !cgi_mode_detect()) {
        fprintf(stderr, "charon-fcgi: nothing to serve: give --listen, "
                "start me with a listening socket on fd 0 (spawn-fcgi, "
                "lighttpd), or run me as a CGI program\n");
        return EXIT_USAGE;
    }
    /* Before any thread exists, so every thread inherits the mask.  A
     * CGI process keeps default signals: the web server's SIGTERM on a
     * timeout must end it. */
    if (fastcgi) {
        signals_block();
    } else if (cgi_mode_harden() != CHARON_OK) {
        fprintf(stderr, "charon-fcgi: out of memory setting up OpenSSL\n");
        main_cgi_error("503 Service Unavailable", "service_unavailable",
                       "out of memory");
        return 1;
    }
    /* Until the config says otherwise; a CGI request logs only trouble. */
    log_init("charon-fcgi", 0, fastcgi ? CHARON_LOG_INFO : CHARON_LOG_WARN);
    /* OpenSSL 3.0 builds its default library context on first use, and
     * when an allocation fails there it carries on with a half-built one
     * and crashes in a later call (the failmalloc sweep of
     * failure_injection.sh found it).  Build it now, where a failure is
     * still an orderly exit. */
    if (OPENSSL_init_crypto(OPENSSL_INIT_NO_ADD_ALL_CIPHERS |
                            OPENSSL_INIT_NO_ADD_ALL_DIGESTS, NULL) != 1 ||
        OSSL_LIB_CTX_get0_global_default() == NULL) {
        fprintf(stderr, "charon-fcgi: out of memory setting up OpenSSL\n");
        if (!fastcgi)
            main_cgi_error("503 Service Unavailable", "service_unavailable",
                           "out of memory");
        return 1;
    }
    if (snapshot_load(o.config, &snap, &errs) != CHARON_OK) {
        config_errors_sort(&errs);
        for (i = 0; i < errs.n; i++)
            fprintf(stderr, "%s\n", errs.lines[i]);
        if (errs.n == 0)
            fprintf(stderr, "%s: cannot load the configuration\n", o.config);
        config_errors_free(&errs);
        if (!fastcgi)
            main_cgi_error("500 Internal Server Error", "server_error",
                           "configuration error");
        return EXIT_CONFIG;
    }
    log_init("charon-fcgi", snap->cfg->charon.log == CONFIG_LOG_SYSLOG,
             log_level_from_index(snap->cfg->charon.log_level));
    if (!fastcgi) {
        status = cgi_mode_run(snap);
        snapshot_free(snap);
        return status;
    }
    /* The configuration is good; the workers load their own after the
     * fork (an LMDB environment must not cross one). */
    snapshot_free(snap);
    return main_serve(&o);
}
