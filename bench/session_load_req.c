/* session_load_req.c - the requests session_load sends, as nginx would
 * pass them, and the tokens it reads from the replies (see
 * session_load_req.h and bench/README.md "## session_load"). */
#include "session_load_req.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <fastcgi.h>

struct sl_nv {
    const char *name, *value;
};

/* Every request: nginx 1.22 with Debian's fastcgi_params, minus the
 * request-specific ones set in sl_encode(). */
static const struct sl_nv sl_server_params[] = {
    { "DOCUMENT_ROOT", "/var/www/html" },
    { "SERVER_PROTOCOL", "HTTP/1.1" },
    { "REQUEST_SCHEME", "http" },
    { "GATEWAY_INTERFACE", "CGI/1.1" },
    { "SERVER_SOFTWARE", "nginx/1.22.1" },
    { "REMOTE_ADDR", "192.0.2.44" },
    { "REMOTE_PORT", "51544" },
    { "REMOTE_USER", "" },
    { "SERVER_ADDR", "192.0.2.10" },
    { "SERVER_PORT", "80" },
    { "SERVER_NAME", "app.example.test" },
    { "REDIRECT_STATUS", "200" },
    { "HTTP_HOST", "app.example.test" },
    { "HTTP_ACCEPT_ENCODING", "gzip, deflate, br" },
    { "HTTP_CONNECTION", "keep-alive" },
};

/* The protected request's headers, which auth_request passes to /check
 * (fcgi_load sends the same). */
static const struct sl_nv sl_browser_params[] = {
    { "HTTP_USER_AGENT", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) "
                         "Gecko/20100101 Firefox/128.0" },
    { "HTTP_ACCEPT", "application/json, text/plain, */*" },
    { "HTTP_ACCEPT_LANGUAGE", "en-US,en;q=0.7,de;q=0.3" },
    { "HTTP_REFERER", "http://app.example.test/dashboard" },
    { "HTTP_SEC_FETCH_MODE", "cors" },
    { "HTTP_SEC_FETCH_SITE", "same-origin" },
};

/* A backend or native app on the session endpoints. */
static const struct sl_nv sl_client_params[] = {
    { "HTTP_USER_AGENT", "session-load/1.0" },
    { "HTTP_ACCEPT", "application/json" },
};

void
sl_conn_init(struct sl_conn *c, const struct sl_opts *o, const char *who)
{
    memset(c, 0, sizeof(*c));
    c->o = o;
    c->who = who;
    c->fd = -1;
}

void
sl_conn_free(struct sl_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    fcgi_client_buf_free(&c->params);
    fcgi_client_buf_free(&c->req);
    fcgi_client_reply_free(&c->reply);
}

static void
sl_add(struct sl_conn *c, const char *name, const char *value, int *rc)
{
    if (*rc == 0)
        *rc = fcgi_client_params_add(&c->params, name, strlen(name), value,
                                     strlen(value));
}

static void
sl_add_list(struct sl_conn *c, const struct sl_nv *nv, size_t n, int *rc)
{
    size_t i;

    for (i = 0; i < n; i++)
        sl_add(c, nv[i].name, nv[i].value, rc);
}

/* The body of a login: issuer (a new user id each time) or password. */
static void
sl_login_body(struct sl_conn *c, int kind, char *body, size_t len)
{
    if (kind >= SL_LOGIN_PASSWORD)
        snprintf(body, len, "{\"username\":\"%s\",\"password\":\"%s%s\"}",
                 c->o->username, c->o->password,
                 kind == SL_LOGIN_WRONG_PASSWORD ? "-wrong" : "");
    else
        snprintf(body, len, "{\"user_id\":\"%s-%llu\"}", c->who,
                 (unsigned long long)c->seq++);
}

/* c->req := one whole request of this kind; token: the bearer token. */
int
sl_encode(struct sl_conn *c, int kind, const char *token)
{
    const struct sl_opts *o = c->o;
    static const char *const paths[] = {
        "/check", "/session/refresh", "/session", "/session", "/session",
        "/session", "/session"
    };
    char uri[256], clen[24], body[SL_SECRET_MAX + 256];
    char auth[SL_TOKEN_MAX + 16], key[SL_SECRET_MAX + 8];
    const char *method = kind == SL_CHECK ? "GET"
                         : kind == SL_LOGOUT ? "DELETE" : "POST";
    size_t blen = 0;
    int rc = 0;

    snprintf(uri, sizeof(uri), "%s%s", o->prefix, paths[kind]);
    body[0] = '\0';
    if (kind >= SL_LOGIN_ISSUER) {
        sl_login_body(c, kind, body, sizeof(body));
        blen = strlen(body);
    }
    c->params.len = 0;
    c->req.len = 0;
    sl_add_list(c, sl_server_params, sizeof(sl_server_params)
                / sizeof(sl_server_params[0]), &rc);
    if (kind == SL_CHECK) {
        sl_add_list(c, sl_browser_params, sizeof(sl_browser_params)
                    / sizeof(sl_browser_params[0]), &rc);
        sl_add(c, "QUERY_STRING", "page=2", &rc);
        sl_add(c, "REQUEST_URI", "/api/items?page=2", &rc);
    } else {
        sl_add_list(c, sl_client_params, sizeof(sl_client_params)
                    / sizeof(sl_client_params[0]), &rc);
        sl_add(c, "QUERY_STRING", "", &rc);
        sl_add(c, "REQUEST_URI", uri, &rc);
    }
    sl_add(c, "REQUEST_METHOD", method, &rc);
    sl_add(c, "SCRIPT_NAME", uri, &rc);
    sl_add(c, "DOCUMENT_URI", uri, &rc);
    snprintf(clen, sizeof(clen), "%zu", blen);
    sl_add(c, "CONTENT_TYPE", blen > 0 ? "application/json" : "", &rc);
    sl_add(c, "CONTENT_LENGTH", blen > 0 ? clen : "", &rc);
    if (blen > 0) {
        sl_add(c, "HTTP_CONTENT_TYPE", "application/json", &rc);
        sl_add(c, "HTTP_CONTENT_LENGTH", clen, &rc);
    }
    if (token != NULL) {
        snprintf(auth, sizeof(auth), "Bearer %s", token);
        sl_add(c, "HTTP_AUTHORIZATION", auth, &rc);
    }
    if (kind == SL_LOGIN_ISSUER || kind == SL_LOGIN_WRONG_KEY) {
        snprintf(key, sizeof(key), "%s%s", o->issuer_key,
                 kind == SL_LOGIN_WRONG_KEY ? "x" : "");
        sl_add(c, "HTTP_X_CHARON_ISSUER_KEY", key, &rc);
    }
    if (rc == 0)
        rc = fcgi_client_encode_request(&c->req, 1, FCGI_RESPONDER,
                                        FCGI_CLIENT_KEEP_CONN, c->params.data,
                                        c->params.len, body, blen);
    return rc;
}

/* Sends c->req, once more on a new connection if the server had closed
 * the kept one.  The HTTP status, or -1 (the connection is closed). */
int
sl_exchange(struct sl_conn *c)
{
    int rc = FCGI_CLIENT_EIO, tries;

    c->reconnected = 0;
    for (tries = 0; tries < 2; tries++) {
        if (c->fd < 0)
            c->fd = fcgi_client_connect(c->o->addr, c->o->timeout_ms);
        if (c->fd < 0) {
            snprintf(c->error, sizeof(c->error), "connect %s: %s",
                     c->o->addr, strerror(errno));
            return -1;
        }
        rc = fcgi_client_exchange(c->fd, 1, c->req.data, c->req.len,
                                  c->o->timeout_ms, &c->reply);
        if (rc != FCGI_CLIENT_ECLOSED)
            break;
        close(c->fd);
        c->fd = -1;
        c->reconnected = 1;
    }
    if (rc != FCGI_CLIENT_OK
        || c->reply.protocol_status != FCGI_REQUEST_COMPLETE) {
        snprintf(c->error, sizeof(c->error), "%s", rc != FCGI_CLIENT_OK
                 ? fcgi_client_strerror(rc) : "request not completed");
        if (c->fd >= 0)
            close(c->fd);
        c->fd = -1;
        return -1;
    }
    return fcgi_client_http_status(&c->reply);
}

/* The JSON string member "name" of the last reply, in dst: 0 or -1.
 * Charon's tokens need no escapes, and it writes no spaces. */
int
sl_reply_string(const struct sl_conn *c, const char *name, char *dst,
                size_t dst_len)
{
    char key[64];
    const char *p, *e;

    if (c->reply.out == NULL)
        return -1;
    snprintf(key, sizeof(key), "\"%s\":\"", name);
    p = strstr((const char *)c->reply.out, key);
    if (p == NULL)
        return -1;
    p += strlen(key);
    e = strchr(p, '"');
    if (e == NULL || e == p || (size_t)(e - p) >= dst_len)
        return -1;
    memcpy(dst, p, (size_t)(e - p));
    dst[e - p] = '\0';
    return 0;
}

/* An issuer-key login; the token "want" of its reply in c->token.
 * 0 on 201 with that token, else -1. */
int
sl_login(struct sl_conn *c, const char *want)
{
    if (sl_encode(c, SL_LOGIN_ISSUER, NULL) != 0 || sl_exchange(c) != 201)
        return -1;
    return sl_reply_string(c, want, c->token, sizeof(c->token));
}

/* One preflight request: appends "what STATUS" to line; 0 if it is want. */
static int
sl_step(struct sl_conn *c, int kind, const char *token, const char *what,
        int want, char *line, size_t len)
{
    size_t used = strlen(line);
    int status = -1;

    if (sl_encode(c, kind, token) == 0)
        status = sl_exchange(c);
    snprintf(line + used, len - used, "%s%s %d%s", used ? ", " : "", what,
             status, status == want ? "" : " (UNEXPECTED)");
    if (status == want)
        return 0;
    if (status < 0)
        fprintf(stderr, "session_load: %s: %s\n", what, c->error);
    else if (c->reply.out != NULL)
        fprintf(stderr, "session_load: %s: %s\n", what,
                (const char *)c->reply.out);
    return -1;
}

/* The token with its signature's first character changed, in out. */
static void
sl_tamper(const char *token, char *out, size_t len)
{
    char *sig;

    snprintf(out, len, "%s", token);
    sig = strrchr(out, '.');
    if (sig != NULL && sig[1] != '\0')
        sig[1] = sig[1] == 'A' ? 'B' : 'A';
}

int
sl_preflight(struct sl_conn *c)
{
    char line[1024] = "", access[SL_TOKEN_MAX], refresh[SL_TOKEN_MAX];
    char bad[SL_TOKEN_MAX];
    int fail;

    fail = sl_step(c, SL_LOGIN_ISSUER, NULL, "login", 201, line,
                   sizeof(line));
    if (fail == 0 && (sl_reply_string(c, "access_token", access,
                                      sizeof(access)) != 0
                      || sl_reply_string(c, "refresh_token", refresh,
                                         sizeof(refresh)) != 0)) {
        fputs("session_load: the login reply has no bearer tokens\n", stderr);
        fail = -1;
    }
    fail |= sl_step(c, SL_LOGIN_WRONG_KEY, NULL, "wrong issuer key", 401,
                    line, sizeof(line));
    if (fail == 0 && c->o->mode == SL_MODE_CHECK) {
        sl_tamper(access, bad, sizeof(bad));
        fail |= sl_step(c, SL_CHECK, access, "check", 200, line,
                        sizeof(line));
        fail |= sl_step(c, SL_CHECK, bad, "tampered", 401, line,
                        sizeof(line));
        if (c->o->revoked_status > 0) {
            fail |= sl_step(c, SL_LOGOUT, access, "logout", 204, line,
                            sizeof(line));
            fail |= sl_step(c, SL_CHECK, access, "check after logout",
                            c->o->revoked_status, line, sizeof(line));
        }
    } else if (fail == 0 && c->o->mode == SL_MODE_REFRESH) {
        fail |= sl_step(c, SL_REFRESH, refresh, "refresh", 200, line,
                        sizeof(line));
        if (fail == 0 && sl_reply_string(c, "refresh_token", refresh,
                                         sizeof(refresh)) != 0) {
            fputs("session_load: the refresh reply has no refresh token\n",
                  stderr);
            fail = -1;
        }
        if (fail == 0)
            fail |= sl_step(c, SL_REFRESH, refresh, "refresh again", 200,
                            line, sizeof(line));
        fail |= sl_step(c, SL_REFRESH, access, "refresh with access token",
                        401, line, sizeof(line));
    } else if (fail == 0 && c->o->mode == SL_MODE_PASSWORD) {
        fail |= sl_step(c, SL_LOGIN_PASSWORD, NULL, "password login", 201,
                        line, sizeof(line));
        fail |= sl_step(c, SL_LOGIN_WRONG_PASSWORD, NULL, "wrong password",
                        401, line, sizeof(line));
    }
    fprintf(stderr, "session_load: preflight: %s\n", line);
    return fail;
}

/* Something a JSON string holds without escapes (user name, password). */
int
sl_json_plain(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || *s == '"' || *s == '\\')
            return 0;
    return 1;
}
