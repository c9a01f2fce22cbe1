/*
 * session_load_req.h - session_load's requests to charon-fcgi's session
 * endpoints and what it reads from the replies: one connection
 * (struct sl_conn) used by one thread, the preflight checks.
 */
#ifndef CHARON_BENCH_SESSION_LOAD_REQ_H
#define CHARON_BENCH_SESSION_LOAD_REQ_H

#include <stddef.h>
#include <stdint.h>

#include "helpers/fcgi_client.h"

#define SL_TOKEN_MAX 4096
#define SL_SECRET_MAX 1024

enum sl_mode { SL_MODE_CHECK, SL_MODE_REFRESH, SL_MODE_LOGIN,
               SL_MODE_PASSWORD };
/* What one request is. */
enum sl_kind { SL_CHECK, SL_REFRESH, SL_LOGOUT, SL_LOGIN_ISSUER,
               SL_LOGIN_WRONG_KEY, SL_LOGIN_PASSWORD, SL_LOGIN_WRONG_PASSWORD };

struct sl_opts {
    const char *addr;
    int mode;
    long conns;
    double duration, warmup;
    int timeout_ms, revoked_status;
    long server_pid;
    const char *prefix, *username;
    const char *issuer_key_file, *password_file;
    char issuer_key[SL_SECRET_MAX];
    char password[SL_SECRET_MAX];
};

/* One connection and what it carries: a worker's, or the preflight's. */
struct sl_conn {
    const struct sl_opts *o;
    const char *who;                   /* user ids are "<who>-<seq>" */
    uint64_t seq;
    int fd;
    int reconnected;                   /* the last exchange reconnected */
    char error[128];                   /* why the last exchange failed */
    struct fcgi_client_buf params, req;
    struct fcgi_client_reply reply;
    char token[SL_TOKEN_MAX];          /* access (check), refresh (refresh) */
};

/* A connection not yet opened; who names its users ("<who>-<seq>"). */
void sl_conn_init(struct sl_conn *c, const struct sl_opts *o,
                  const char *who);

/* Closes it and frees its buffers. */
void sl_conn_free(struct sl_conn *c);

/* c->req := one whole request of this kind (RESPONDER, FCGI_KEEP_CONN,
 * request id 1); token: the bearer token or NULL.  An issuer login
 * takes the next user id.  0 or an enum fcgi_client_rc. */
int sl_encode(struct sl_conn *c, int kind, const char *token);

/* Sends c->req, once more on a new connection if the server had closed
 * the kept one (c->reconnected).  The HTTP status, or -1 with the reason
 * in c->error (the connection is then closed). */
int sl_exchange(struct sl_conn *c);

/* The JSON string member "name" of the last reply, in dst: 0 or -1. */
int sl_reply_string(const struct sl_conn *c, const char *name, char *dst,
                    size_t dst_len);

/* An issuer-key login; the token "want" of its reply in c->token.
 * 0 on 201 with that token, else -1. */
int sl_login(struct sl_conn *c, const char *want);

/* The checks made before the load (see session_load.c); prints what it
 * saw on stderr.  0 if all went as expected. */
int sl_preflight(struct sl_conn *c);

/* Does s fit in a JSON string without escapes (user name, password)? */
int sl_json_plain(const char *s);

#endif /* CHARON_BENCH_SESSION_LOAD_REQ_H */
