/* ctl_session.c - charonctl session create|list|revoke|revoke-all. */
#include <stdio.h>
#include <string.h>

#include "charonctl.h"
#include "clock.h"
#include "session_codec.h"
#include "session_tokens.h"

/* Splits "h.p.s" into the body part "h.p" and the cookie part ".s". */
static void
ctl_session_split(json_object *tokens, json_object *cookies, const char *name,
                  const char *cookie_name, const char *token, int cookie_only)
{
    const char *dot = strrchr(token, '.');

    if (cookie_only || dot == NULL) {
        json_object_object_add(tokens, name, NULL);
        json_object_object_add(cookies, cookie_name,
                               json_object_new_string(token));
        return;
    }
    json_object_object_add(tokens, name, json_object_new_string_len(
                               token, (int)(dot - token)));
    json_object_object_add(cookies, cookie_name, json_object_new_string(dot));
}

static int
ctl_session_mint(struct ctl *c, const struct policy *p)
{
    struct session_tokens st;
    struct session_opts o;
    struct charon_buf json = CHARON_BUF_INIT;
    struct charon_err err;
    json_object *out, *tokens, *cookies = NULL;
    int bearer = strcmp(c->transport, "bearer") == 0;
    int cookie_only = strcmp(c->transport, "cookie_only") == 0;

    if (!bearer && !cookie_only && strcmp(c->transport, "cookie") != 0) {
        fprintf(stderr, "charonctl: --transport is bearer, cookie or "
                "cookie_only\n");
        return CTL_EXIT_USAGE;
    }
    memset(&o, 0, sizeof(o));
    o.user_id = c->user;
    o.type = c->type;
    if (session_tokens_create(&c->worker, p, &o, clock_now(), NULL, &st,
                              &err) != CHARON_OK) {
        fprintf(stderr, "charonctl: session create: %s\n", err.msg);
        return CTL_EXIT_FAIL;
    }
    out = json_object_new_object();
    tokens = json_object_new_object();
    if (bearer) {
        json_object_object_add(tokens, "access_token",
                               json_object_new_string(st.access_token));
        json_object_object_add(tokens, "refresh_token",
                               json_object_new_string(st.refresh_token));
    } else {
        cookies = json_object_new_object();
        ctl_session_split(tokens, cookies, "access_token",
                          p->charon->access_cookie_name, st.access_token,
                          cookie_only);
        ctl_session_split(tokens, cookies, "refresh_token",
                          p->charon->refresh_cookie_name, st.refresh_token,
                          cookie_only);
    }
    json_object_object_add(tokens, "access_token_exp",
                           json_object_new_int64(st.access_exp));
    json_object_object_add(tokens, "refresh_token_exp",
                           json_object_new_int64(st.refresh_exp));
    json_object_object_add(out, "tokens", tokens);
    if (cookies != NULL)
        json_object_object_add(out, "cookies", cookies);
    if (session_codec_json(&st.session, &json) == CHARON_OK)
        json_object_object_add(out, "session",
                               json_tokener_parse((const char *)json.data));
    charon_buf_free(&json);
    ctl_print_json(out);
    json_object_put(out);
    session_tokens_free(&st);
    return CTL_EXIT_OK;
}

struct ctl_session_list {
    struct hmac_cache *hc;
    const unsigned char *key;
    size_t shown;
    size_t ignored;
};

/* Prints a stored session's JSON if its signature holds. */
static int
ctl_session_print_one(void *ctx, const void *blob, size_t len,
                      uint64_t lock_version)
{
    struct ctl_session_list *l = ctx;
    const char *data;
    size_t data_len;

    (void)lock_version;
    if (session_codec_check_mac(l->hc, blob, len, l->key, SESSION_KEY_LEN,
                                &data, &data_len) < 0) {
        l->ignored++;
        return 0;
    }
    l->shown++;
    printf("%.*s\n", (int)data_len, data);
    return 0;
}

enum ctl_session_op { CTL_SESSION_LIST, CTL_SESSION_REVOKE,
                      CTL_SESSION_REVOKE_ALL };

static int
ctl_session_store(struct ctl *c, enum ctl_session_op op, const char *verb)
{
    const struct charon_store_plugin *sp;
    struct ctl_session_list list;
    struct charon_store_key key;
    struct charon_err err;
    int rc;

    rc = ctl_open(c);
    if (rc != CTL_EXIT_OK)
        return rc;
    sp = snapshot_store(c->snap);
    list.hc = &c->worker.session_mac;
    list.key = c->snap->session_key;
    list.shown = 0;
    list.ignored = 0;
    key.session_id = c->session;
    key.user_id = c->user;
    key.type = c->type;
    if (op == CTL_SESSION_LIST) {
        rc = sp->get_all(c->snap->store.instance, c->worker.store_ts, &key,
                         ctl_session_print_one, &list, &err);
        if (rc == CHARON_OK && list.ignored > 0)
            fprintf(stderr, "charonctl: ignored %zu stored session%s with an "
                    "invalid signature\n", list.ignored,
                    list.ignored == 1 ? "" : "s");
        else if (rc == CHARON_OK && list.shown == 0)
            fprintf(stderr, "charonctl: user %s has no live session of type "
                    "%s\n", c->user, c->type);
    } else if (op == CTL_SESSION_REVOKE) {
        rc = sp->delete_one(c->snap->store.instance, c->worker.store_ts, &key,
                            &err);
    } else {
        rc = sp->delete_all(c->snap->store.instance, c->worker.store_ts, &key,
                            NULL, &err);
    }
    if (rc != CHARON_OK) {
        fprintf(stderr, "charonctl: session %s: %s\n", verb, err.msg);
        return CTL_EXIT_FAIL;
    }
    return CTL_EXIT_OK;
}

int
ctl_session_create(struct ctl *c, int argc, char **argv)
{
    const struct policy *p;
    int rc;

    (void)argc;
    (void)argv;
    rc = ctl_open_policy(c, &p);
    if (rc != CTL_EXIT_OK)
        return rc;
    return ctl_session_mint(c, p);
}

int
ctl_session_list(struct ctl *c, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return ctl_session_store(c, CTL_SESSION_LIST, "list");
}

int
ctl_session_revoke(struct ctl *c, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return ctl_session_store(c, CTL_SESSION_REVOKE, "revoke");
}

int
ctl_session_revoke_all(struct ctl *c, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return ctl_session_store(c, CTL_SESSION_REVOKE_ALL, "revoke-all");
}
