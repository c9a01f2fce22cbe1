/*
 * fcgi_req.c - send FastCGI requests from shell tests.
 *
 *   fcgi_req ADDR [--role responder|authorizer] [--timeout-ms N]
 *            [-p NAME=VALUE]... [--body STRING | --body-file F]
 *            [--status-only] [--keep-conn] [--repeat N]
 *
 * ADDR is "unix:/path" or "tcp:HOST:PORT".  Writes the application's
 * FCGI_STDOUT to stdout (with --status-only: only the HTTP status from
 * its header block) and FCGI_STDERR to stderr.  --repeat N sends N
 * requests on one connection kept open with FCGI_KEEP_CONN and prints
 * each status on its own line.
 *
 * Exit status: 0 when every request ended with FCGI_END_REQUEST and
 * FCGI_REQUEST_COMPLETE; 2 on connect, protocol or timeout errors (with
 * a message on stderr); 64 on a usage error.
 */
#include "fcgi_client.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fastcgi.h>

#define EXIT_FAIL  2
#define EXIT_USAGE 64

struct req_opts {
    const char *addr;
    int role;
    int timeout_ms;
    const char **params;
    size_t nparams;
    struct fcgi_client_buf body;
    int status_only;
    int keep_conn;
    long repeat;
};

static void
usage(FILE *f)
{
    fputs("usage: fcgi_req ADDR [--role responder|authorizer] "
          "[--timeout-ms N]\n"
          "                [-p NAME=VALUE]... [--body STRING | --body-file F]\n"
          "                [--status-only] [--keep-conn] [--repeat N]\n"
          "ADDR: unix:/path | tcp:HOST:PORT\n", f);
}

static int
parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* Appends n bytes to b (the body buffer). */
static int
body_append(struct fcgi_client_buf *b, const void *p, size_t n)
{
    unsigned char *q;

    if (n == 0)
        return 0;
    if (b->cap - b->len < n) {
        q = realloc(b->data, b->len + n);
        if (q == NULL)
            return -1;
        b->data = q;
        b->cap = b->len + n;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

/* Reads a whole file ("-": stdin) into out. */
static int
read_file(const char *path, struct fcgi_client_buf *out)
{
    unsigned char chunk[65536];
    FILE *f;
    size_t n;
    int rc = 0;

    f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "fcgi_req: %s: %s\n", path, strerror(errno));
        return -1;
    }
    while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (body_append(out, chunk, n) < 0) {
            fprintf(stderr, "fcgi_req: %s: out of memory\n", path);
            rc = -1;
        }
    if (rc == 0 && ferror(f)) {
        fprintf(stderr, "fcgi_req: %s: read error\n", path);
        rc = -1;
    }
    if (f != stdin)
        fclose(f);
    return rc;
}

/* Fills o from argv; 0, or EXIT_USAGE / EXIT_FAIL to exit with. */
static int
parse_args(int argc, char **argv, struct req_opts *o)
{
    static const struct option longopts[] = {
        { "role", required_argument, NULL, 'r' },
        { "timeout-ms", required_argument, NULL, 't' },
        { "param", required_argument, NULL, 'p' },
        { "body", required_argument, NULL, 'b' },
        { "body-file", required_argument, NULL, 'B' },
        { "status-only", no_argument, NULL, 's' },
        { "keep-conn", no_argument, NULL, 'k' },
        { "repeat", required_argument, NULL, 'n' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    int c, have_body = 0;
    long v;

    while ((c = getopt_long(argc, argv, "p:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            if (strcmp(optarg, "responder") == 0)
                o->role = FCGI_RESPONDER;
            else if (strcmp(optarg, "authorizer") == 0)
                o->role = FCGI_AUTHORIZER;
            else
                goto bad;
            break;
        case 't':
            if (parse_long(optarg, 1, INT_MAX, &v) < 0)
                goto bad;
            o->timeout_ms = (int)v;
            break;
        case 'p':
            if (strchr(optarg, '=') == NULL || optarg[0] == '=') {
                fprintf(stderr, "fcgi_req: -p %s: expected NAME=VALUE\n",
                        optarg);
                return EXIT_USAGE;
            }
            o->params[o->nparams++] = optarg;
            break;
        case 'b':
        case 'B':
            if (have_body++)
                goto bad;
            if (c == 'B' ? read_file(optarg, &o->body) < 0
                         : body_append(&o->body, optarg, strlen(optarg)) < 0)
                return EXIT_FAIL;
            break;
        case 's':
            o->status_only = 1;
            break;
        case 'k':
            o->keep_conn = 1;
            break;
        case 'n':
            if (parse_long(optarg, 1, 1000000, &v) < 0)
                goto bad;
            o->repeat = v;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            goto bad;
        }
    }
    if (optind == argc)
        goto bad;
    o->addr = argv[optind++];
    if (optind != argc)
        goto bad;
    return 0;

bad:
    usage(stderr);
    return EXIT_USAGE;
}

/* One request; prints what it must.  0 or EXIT_FAIL. */
static int
run_one(int fd, const struct req_opts *o, int keep,
        struct fcgi_client_reply *reply)
{
    int rc, status;

    rc = fcgi_client_request(fd, 1, o->role, keep, o->params, o->nparams,
                             o->body.data, o->body.len, o->timeout_ms, reply);
    if (rc != FCGI_CLIENT_OK) {
        fprintf(stderr, "fcgi_req: %s: %s\n", o->addr,
                fcgi_client_strerror(rc));
        return EXIT_FAIL;
    }
    if (reply->err_len > 0)
        fwrite(reply->err, 1, reply->err_len, stderr);
    if (o->status_only || o->repeat > 1) {
        status = fcgi_client_http_status(reply);
        if (status < 0) {
            fprintf(stderr, "fcgi_req: %s: malformed CGI header block\n",
                    o->addr);
            return EXIT_FAIL;
        }
        printf("%d\n", status);
    } else {
        fwrite(reply->out, 1, reply->out_len, stdout);
    }
    fflush(stdout);
    if (reply->protocol_status != FCGI_REQUEST_COMPLETE) {
        fprintf(stderr, "fcgi_req: %s: END_REQUEST protocolStatus %d\n",
                o->addr, reply->protocol_status);
        return EXIT_FAIL;
    }
    return 0;
}

int
main(int argc, char **argv)
{
    struct req_opts o;
    struct fcgi_client_reply reply;
    long i;
    int fd, rc;

    memset(&o, 0, sizeof(o));
    memset(&reply, 0, sizeof(reply));
    o.role = FCGI_RESPONDER;
    o.timeout_ms = 5000;
    o.repeat = 1;
    o.params = calloc((size_t)argc + 1, sizeof(*o.params));
    if (o.params == NULL)
        return EXIT_FAIL;
    rc = parse_args(argc, argv, &o);
    if (rc != 0)
        goto out;
    fd = fcgi_client_connect(o.addr, o.timeout_ms);
    if (fd < 0) {
        fprintf(stderr, "fcgi_req: connect %s: %s\n", o.addr, strerror(errno));
        rc = EXIT_FAIL;
        goto out;
    }
    for (i = 0; i < o.repeat && rc == 0; i++)
        rc = run_one(fd, &o, o.keep_conn || o.repeat > 1, &reply);
    close(fd);

out:
    fcgi_client_reply_free(&reply);
    fcgi_client_buf_free(&o.body);
    free(o.params);
    return rc;
}
