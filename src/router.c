/* router.c - limits, profile selection, AUTHORIZER vs RESPONDER routes. */
#include "router.h"

#include <errno.h>
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

/* 405 with the methods the endpoint allows. */
static void
router_not_allowed(struct worker *w, const char *allow)
{
    http_reply_header(&w->reply, "Allow", allow);
    http_reply_json_error(&w->reply, 405, "method_not_allowed",
                          "method not allowed");
}

/* GET and HEAD only; anything else is 405 with Allow. */
static int
router_get_only(struct worker *w, const char *method)
{
    if (strcmp(method, "GET") == 0)
        return 1;
    if (strcmp(method, "HEAD") == 0) {
        w->reply.head_only = 1;
        return 1;
    }
    router_not_allowed(w, "GET, HEAD");
    return 0;
}

/* The session endpoints; 0 if sub is none of them. */
static int
router_session(struct worker *w, const struct policy *p, struct request *req,
               const char *sub, const char *method)
{
    int post = strcmp(method, "POST") == 0;
    int del = strcmp(method, "DELETE") == 0;

    if (strcmp(sub, "/session") == 0) {
        if (post)
            endpoint_login(w, p, req);
        else if (del)
            endpoint_logout(w, p, req);
        else
            router_not_allowed(w, "POST, DELETE");
    } else if (strcmp(sub, "/session/refresh") == 0) {
        if (post)
            endpoint_refresh(w, p, req);
        else
            router_not_allowed(w, "POST");
    } else if (strcmp(sub, "/session/logout") == 0) {
        if (post)
            endpoint_logout(w, p, req);
        else
            router_not_allowed(w, "POST");
    } else if (strcmp(sub, "/sessions") == 0) {
        if (del)
            endpoint_sessions_delete(w, p, req, 0);
        else if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
            w->reply.head_only = method[0] == 'H';
            endpoint_sessions_list(w, p, req);
        } else {
            router_not_allowed(w, "GET, HEAD, DELETE");
        }
    } else if (strcmp(sub, "/sessions/others") == 0) {
        if (del)
            endpoint_sessions_delete(w, p, req, 1);
        else
            router_not_allowed(w, "DELETE");
    } else {
        return 0;
    }
    return 1;
}

/* A declared body over max_body_bytes is refused before anything reads
 * it (413); a CONTENT_LENGTH that is not a number is a bad request. */
static int
router_body_ok(struct worker *w, const struct request *req)
{
    const char *cl = req->content_length;
    unsigned long long n;
    char *end;

    if (cl == NULL || cl[0] == '\0')
        return 1;
    errno = 0;
    n = strtoull(cl, &end, 10);
    if (*end != '\0' || cl[0] < '0' || cl[0] > '9' || errno != 0) {
        http_reply_json_error(&w->reply, 400, "invalid_request",
                              "CONTENT_LENGTH is not a number");
        return 0;
    }
    if (n > w->snap->cfg->charon.max_body_bytes) {
        http_reply_json_error(&w->reply, 413, "payload_too_large",
                              "request body too large");
        return 0;
    }
    return 1;
}

/* The endpoint under [endpoints] prefix ("/check", "/health", ...), in
 * buf; NULL if the path is too long (*status 414) or outside the prefix
 * (*status 404). */
static const char *
router_endpoint(const struct worker *w, const struct request *req,
                char *buf, size_t buf_len, int *status)
{
    const char *prefix = w->snap->cfg->endpoints.prefix;
    size_t plen = strlen(prefix);
    const char *path = request_route_path(req, buf, buf_len);

    if (path == NULL) {
        *status = 414;
        return NULL;
    }
    if (strncmp(path, prefix, plen) != 0 ||
        (path[plen] != '/' && path[plen] != '\0')) {
        *status = 404;
        return NULL;
    }
    return path + plen;
}

static void
router_responder(struct worker *w, const struct policy *p,
                 struct request *req)
{
    const char *method = req->method != NULL ? req->method : "GET";
    char buf[2048];
    const char *sub;
    int status;

    sub = router_endpoint(w, req, buf, sizeof(buf), &status);
    if (sub == NULL && status == 414) {
        http_reply_json_error(&w->reply, 414, "invalid_request",
                              "request path too long");
        return;
    }
    if (sub == NULL) {
        http_reply_json_error(&w->reply, 404, "not_found", "no such endpoint");
        return;
    }
    /* nginx's auth_request passes the protected request's CONTENT_LENGTH
     * (with fastcgi_params) but never its body: /check ignores both. */
    if (strcmp(sub, "/check") == 0) {
        authorizer_answer(w, p, req, 0);
    } else if (!router_body_ok(w, req)) {
        return;
    } else if (strcmp(sub, "/jwks.json") == 0) {
        if (router_get_only(w, method))
            endpoint_jwks(w);
    } else if (strcmp(sub, "/health") == 0) {
        if (router_get_only(w, method))
            endpoint_health(w);
    } else if (strcmp(sub, "/metrics") == 0) {
        if (router_get_only(w, method))
            endpoint_metrics(w);
    } else if (!router_session(w, p, req, sub, method)) {
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
    int status;

    sub = router_endpoint(w, req, buf, sizeof(buf), &status);
    if (req->role == REQUEST_RESPONDER && sub != NULL &&
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
