/* cgi_mode.c - one request over the CGI/1.1 interface. */
#include "cgi_mode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "clock.h"
#include "log.h"
#include "request.h"
#include "router.h"
#include "worker.h"

extern char **environ;

struct cgi_body {
    size_t left;               /* CONTENT_LENGTH not yet read */
};

static ssize_t
cgi_mode_read_body(void *ctx, void *buf, size_t n)
{
    struct cgi_body *b = ctx;
    ssize_t got;

    if (b->left == 0)
        return 0;
    if (n > b->left)
        n = b->left;
    got = read(STDIN_FILENO, buf, n);
    if (got > 0)
        b->left -= (size_t)got;
    else if (got == 0)
        b->left = 0;
    return got;
}

/* Environment variables that make us or a library we use load code. */
static const char *const cgi_mode_code_vars[] = {
    "OPENSSL_CONF",            /* providers, engines, includes */
    "OPENSSL_CONF_INCLUDE",    /* where relative .include files are */
    "OPENSSL_MODULES",         /* where provider modules are found */
    "OPENSSL_ENGINES",         /* where engines are found */
    "CHARON_PLUGIN_PATH",      /* where our plugins are found */
    "GCONV_PATH",              /* glibc iconv modules */
    NULL
};

int
cgi_mode_harden(void)
{
    size_t i;

    for (i = 0; cgi_mode_code_vars[i] != NULL; i++)
        unsetenv(cgi_mode_code_vars[i]);
    /* Before any other OpenSSL call: once initialised without the
     * config, OpenSSL never loads it (not even the system openssl.cnf,
     * whose providers are the administrator's, not needed here). */
    if (OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL) != 1)
        return CHARON_ENOMEM;
    return CHARON_OK;
}

int
cgi_mode_detect(void)
{
    const char *gi = getenv("GATEWAY_INTERFACE");

    return gi != NULL && gi[0] != '\0';
}

int
cgi_mode_run(const struct snapshot *snap)
{
    struct cgi_body body = { 0 };
    struct charon_err err;
    struct request req;
    struct worker w;
    const char *cl;
    char *end;
    int status = 0;

    if (worker_init(&w, snap, &err) != CHARON_OK) {
        log_msg(CHARON_LOG_ERR, "%s", err.msg);
        fputs("Status: 503 Service Unavailable\r\n"
              "Content-Type: application/json\r\n\r\n"
              "{\"error\":\"service_unavailable\","
              "\"message\":\"worker start failed\"}", stdout);
        return 1;
    }
    cl = getenv("CONTENT_LENGTH");
    if (cl != NULL && cl[0] != '\0') {
        unsigned long long v = strtoull(cl, &end, 10);

        if (*end == '\0' && cl[0] != '-')
            body.left = (size_t)v;
    }
    memset(&req, 0, sizeof(req));
    req.role = REQUEST_RESPONDER;
    req.envp = environ;
    req.read_body = cgi_mode_read_body;
    req.read_ctx = &body;
    req.now = clock_now();
    router_handle(&w, &req);
    if (http_reply_serialize(&w.reply, &w.out) != CHARON_OK ||
        fwrite(w.out.data, 1, w.out.len, stdout) != w.out.len ||
        fflush(stdout) != 0)
        status = 1;
    worker_fini(&w);
    return status;
}
