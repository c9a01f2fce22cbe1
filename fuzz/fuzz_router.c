/*
 * fuzz_router.c - router_handle (which indexes the params) over hostile
 * FastCGI params.  The input's first byte picks the role (odd: AUTHORIZER,
 * even: RESPONDER); the rest is split on NUL bytes into "NAME=VALUE"
 * params.
 * The body is empty.  The snapshot (a fixed config with store_dummy and
 * token_jwt, plugins from the build tree) is built once, lazily: the only
 * global state.  Each input gets a fresh worker.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <charon/err.h>

#include "config.h"
#include "config_errors.h"
#include "request.h"
#include "router.h"
#include "snapshot.h"
#include "worker.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_PARAMS 256

/* The base secret mint_tokens.py signs the router seeds with. */
#define FUZZ_SECRET "charon-fcgi-fuzzing-secret-0123456789abcdef0123456789"

static const char fuzz_ini[] =
    "[charon]\n"
    "token_issuer = https://fuzz.test\n"
    "base_secret_env = CHARON_FUZZ_SECRET\n"
    "session_store = dummy\n"
    "key_cache_dir =\n";

static struct snapshot *fuzz_snap;

static struct snapshot *
fuzz_setup(void)
{
    struct config_errors errs = CONFIG_ERRORS_INIT;
    struct config *cfg = NULL;
    struct snapshot *snap = NULL;
    char path[8192];
    size_t i;

    if (getenv("CHARON_PLUGIN_PATH") == NULL) {
        snprintf(path, sizeof(path),
                 "%s/plugins/token_jwt/.libs:%s/plugins/store_dummy/.libs",
                 FUZZ_BUILDDIR, FUZZ_BUILDDIR);
        setenv("CHARON_PLUGIN_PATH", path, 1);
    }
    setenv("CHARON_FUZZ_SECRET", FUZZ_SECRET, 1);
    if (config_load_string("fuzz.ini", fuzz_ini, &cfg, &errs) != CHARON_OK ||
        snapshot_build(cfg, &snap, &errs) != CHARON_OK) {
        for (i = 0; i < errs.n; i++)
            fprintf(stderr, "fuzz_router: %s\n", errs.lines[i]);
        abort();
    }
    config_errors_free(&errs);
    return snap;
}

static ssize_t
fuzz_no_body(void *ctx, void *buf, size_t n)
{
    (void)ctx;
    (void)buf;
    (void)n;
    return 0;
}

/* Before libFuzzer starts, so that it counts the plugins' coverage (a
 * module dlopen()ed later is not instrumented for it). */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (fuzz_snap == NULL)
        fuzz_snap = fuzz_setup();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *params[FUZZ_MAX_PARAMS + 1];
    struct request req;
    struct worker w;
    struct charon_err err;
    char *text;
    size_t i, n = 0, start;

    if (size < 1)
        return 0;
    if (fuzz_snap == NULL)
        fuzz_snap = fuzz_setup();
    text = malloc(size);
    if (text == NULL)
        abort();
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    for (start = 0, i = 0; i < size && n < FUZZ_MAX_PARAMS; i++) {
        if (text[i] == '\0') {
            if (i > start)
                params[n++] = text + start;
            start = i + 1;
        }
    }
    params[n] = NULL;

    memset(&req, 0, sizeof(req));
    req.role = (data[0] & 1) ? REQUEST_AUTHORIZER : REQUEST_RESPONDER;
    req.envp = params;
    req.read_body = fuzz_no_body;
    req.now = 1700000000;
    charon_err_clear(&err);
    if (worker_init(&w, fuzz_snap, &err) != CHARON_OK) {
        fprintf(stderr, "fuzz_router: worker_init: %s\n", err.msg);
        abort();
    }
    w.now = req.now;
    router_handle(&w, &req);
    /* Never fails: every problem is an HTTP status. */
    if (!w.reply.failed && (w.reply.status < 200 || w.reply.status > 599))
        abort();
    worker_fini(&w);
    free(text);
    return 0;
}
