/* router.c - limits, profile selection, AUTHORIZER vs RESPONDER, and the
 * table of RESPONDER routes. */
#include "router.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authorizer.h"
#include "endpoint_health.h"
#include "endpoint_jwks.h"
#include "endpoint_metrics.h"
#include "endpoint_session.h"
#include "log.h"
#include "request.h"
#include "snapshot.h"
#include "worker.h"

/* What a route asks of the request besides its method. */
enum router_flags {
    /* CONTENT_LENGTH is not checked against max_body_bytes: nginx's
     * auth_request passes the protected request's (with fastcgi_params)
     * but never its body. */
    ROUTER_ANY_LENGTH = 0x01u,
};

typedef void router_handler(struct worker *w, const struct policy *p,
                            struct request *req);

struct router_route {
    const char *method;       /* NULL: any; "GET" also answers HEAD    */
    const char *path;         /* under [endpoints] prefix              */
    router_handler *handler;  /* fills w->reply, never fails otherwise */
    unsigned int flags;       /* enum router_flags                     */
};

static void
router_check(struct worker *w, const struct policy *p, struct request *req)
{
    authorizer_answer(w, p, req, 0);
}

static void
router_jwks(struct worker *w, const struct policy *p, struct request *req)
{
    (void)p;
    (void)req;
    endpoint_jwks(w);
}

static void
router_health(struct worker *w, const struct policy *p, struct request *req)
{
    (void)p;
    (void)req;
    endpoint_health(w);
}

static void
router_metrics(struct worker *w, const struct policy *p, struct request *req)
{
    (void)p;
    (void)req;
    endpoint_metrics(w);
}

/*
 * The whole HTTP API of the RESPONDER role (README.md says what each
 * route answers).  A listed path asked with a method it does not list is
 * a 405 whose Allow header names the path's methods in this order; any
 * other path is a 404.  /check answers any method: nginx's auth_request
 * passes the protected request's.
 */
static const struct router_route router_routes[] = {
    { NULL,     "/check",           router_check,    ROUTER_ANY_LENGTH },
    { "GET",    "/jwks.json",       router_jwks,     0 },
    { "GET",    "/health",          router_health,   0 },
    { "GET",    "/metrics",         router_metrics,  0 },
    { "POST",   "/session",         endpoint_login,  0 },
    { "DELETE", "/session",         endpoint_logout, 0 },
    { "POST",   "/session/refresh", endpoint_refresh, 0 },
    { "POST",   "/session/logout",  endpoint_logout, 0 },
    { "GET",    "/sessions",        endpoint_sessions_list, 0 },
    { "DELETE", "/sessions",        endpoint_sessions_delete_all, 0 },
    { "DELETE", "/sessions/others", endpoint_sessions_delete_others, 0 },
    { NULL,     NULL,               NULL,            0 }
};

/* The first route of path, or NULL. */
static const struct router_route *
router_find_path(const char *path)
{
    const struct router_route *r;

    for (r = router_routes; r->path != NULL; r++)
        if (strcmp(r->path, path) == 0)
            return r;
    return NULL;
}

/* The route of path for method (HEAD as GET), or NULL. */
static const struct router_route *
router_find(const char *path, const char *method)
{
    const struct router_route *r;

    if (strcmp(method, "HEAD") == 0)
        method = "GET";
    for (r = router_routes; r->path != NULL; r++)
        if (strcmp(r->path, path) == 0 &&
            (r->method == NULL || strcmp(r->method, method) == 0))
            return r;
    return NULL;
}

/* 405 with Allow: the methods of path in table order, HEAD after GET. */
static void
router_not_allowed(struct worker *w, const char *path)
{
    const struct router_route *r;
    char allow[128];
    size_t n = 0;

    allow[0] = '\0';
    for (r = router_routes; r->path != NULL; r++) {
        if (strcmp(r->path, path) != 0 || r->method == NULL ||
            n + strlen(r->method) + 8 >= sizeof(allow))
            continue;
        n += (size_t)snprintf(allow + n, sizeof(allow) - n, "%s%s%s",
                              n > 0 ? ", " : "", r->method,
                              strcmp(r->method, "GET") == 0 ? ", HEAD" : "");
    }
    http_reply_header(&w->reply, "Allow", allow);
    http_reply_json_error(&w->reply, 405, "method_not_allowed",
                          "method not allowed");
}

/* A declared body over max_body_bytes is refused before anything reads
 * it (413, CHARON_ETOOBIG); a CONTENT_LENGTH that is not a number is a
 * bad request (400, CHARON_EINVAL). */
static int
router_check_length(struct worker *w, const struct request *req)
{
    const char *cl = req->content_length;
    unsigned long long n;
    char *end;

    if (cl == NULL || cl[0] == '\0')
        return CHARON_OK;
    errno = 0;
    n = strtoull(cl, &end, 10);
    if (*end != '\0' || cl[0] < '0' || cl[0] > '9' || errno != 0) {
        http_reply_json_error(&w->reply, 400, "invalid_request",
                              "CONTENT_LENGTH is not a number");
        return CHARON_EINVAL;
    }
    if (n > w->snap->cfg->charon.max_body_bytes) {
        http_reply_json_error(&w->reply, 413, "payload_too_large",
                              "request body too large");
        return CHARON_ETOOBIG;
    }
    return CHARON_OK;
}

/* The endpoint under [endpoints] prefix ("/check", "/health", ...) into
 * *sub, pointing into buf.  CHARON_ETOOBIG if the path is too long (414),
 * CHARON_ENOTFOUND if it is outside the prefix (404); no reply is set. */
static int
router_endpoint(const struct worker *w, const struct request *req,
                char *buf, size_t buf_len, const char **sub)
{
    const char *prefix = w->snap->cfg->endpoints.prefix;
    size_t plen = strlen(prefix);
    const char *path = request_route_path(req, buf, buf_len);

    if (path == NULL)
        return CHARON_ETOOBIG;
    if (strncmp(path, prefix, plen) != 0 ||
        (path[plen] != '/' && path[plen] != '\0'))
        return CHARON_ENOTFOUND;
    *sub = path + plen;
    return CHARON_OK;
}

static void
router_responder(struct worker *w, const struct policy *p,
                 struct request *req)
{
    const char *method = req->method != NULL ? req->method : "GET";
    const struct router_route *route;
    char buf[2048];
    const char *sub;
    int rc;

    rc = router_endpoint(w, req, buf, sizeof(buf), &sub);
    if (rc == CHARON_ETOOBIG) {
        http_reply_json_error(&w->reply, 414, "invalid_request",
                              "request path too long");
        return;
    }
    if (rc != CHARON_OK) {
        http_reply_json_error(&w->reply, 404, "not_found", "no such endpoint");
        return;
    }
    route = router_find(sub, method);
    /* Every request but /check's: a body over the limit is refused
     * first, whatever its path and method. */
    if ((route == NULL || !(route->flags & ROUTER_ANY_LENGTH)) &&
        router_check_length(w, req) != CHARON_OK)
        return;
    if (route != NULL) {
        /* HEAD of a GET route: its headers only. */
        w->reply.head_only = route->method != NULL &&
                             strcmp(method, "HEAD") == 0;
        route->handler(w, p, req);
    } else if (router_find_path(sub) != NULL) {
        router_not_allowed(w, sub);
    } else {
        http_reply_json_error(&w->reply, 404, "not_found", "no such endpoint");
    }
}

/* Oversized params: 431, except on /check, whose answer nginx's
 * auth_request turns into a 500 unless it is 2xx, 401 or 403. */
static void
router_too_large(struct worker *w, const struct request *req)
{
    char buf[2048];
    const char *sub;

    if (req->role == REQUEST_RESPONDER &&
        router_endpoint(w, req, buf, sizeof(buf), &sub) == CHARON_OK &&
        strcmp(sub, "/check") == 0) {
        http_reply_header(&w->reply, "WWW-Authenticate",
                          "Bearer error=\"invalid_request\", "
                          "error_description=\"request headers too large\"");
        http_reply_json_error(&w->reply, 401, "invalid_request",
                              "request headers too large");
        return;
    }
    http_reply_json_error(&w->reply, 431, "invalid_request",
                          "request headers too large");
}

void
router_handle(struct worker *w, struct request *req)
{
    const struct policy *p;
    const char *profile;

    http_reply_reset(&w->reply);
    request_index(req);
    if (req->params_size > w->snap->cfg->charon.max_header_bytes) {
        router_too_large(w, req);
        return;
    }
    profile = req->profile;
    p = snapshot_policy(w->snap, profile);
    if (p == NULL) {
        log_msg(CHARON_LOG_ERR, "CHARON_PROFILE names no [profile %.64s] "
                "section", profile);
        http_reply_json_error(&w->reply, 500, "server_error",
                              "unknown profile");
        return;
    }
    /* An authorizer never reads a body (none is sent by spec). */
    if (req->role == REQUEST_AUTHORIZER)
        authorizer_answer(w, p, req, 1);
    else
        router_responder(w, p, req);
}
