/*
 * token_jwt_fixture.h - drives the built token_jwt.so through its
 * descriptor only, as the core does: dlopen, a test struct charon_host
 * (PBKDF2 of "supersecret", collected log lines), instances with their
 * thread state, key files and hand-made tokens.  Test code: file-scope
 * state in token_jwt_fixture.c is fine here.
 */
#ifndef TOKEN_JWT_FIXTURE_H
#define TOKEN_JWT_FIXTURE_H

#include <stddef.h>
#include <sys/types.h>

#include <charon/token.h>

#include "token_jwt_config.h"

#define TJ_SECRET "supersecret"
#define TJ_MAX_KEYS 8

/* One configured and created plugin instance with one thread state. */
struct tj_inst {
    struct token_jwt_config cfg;
    struct charon_opt_entry entries[TJ_MAX_KEYS];
    void *inst;
    void *ts;
};

/* dlopen the built plugin; 0 or -1 (CUnit suite init).  Idempotent. */
int tj_load(void);
/* Removes the scratch files; closes the plugin. */
int tj_unload(void);

const struct charon_token_plugin *tj_plugin(void);
const struct charon_host *tj_host(void);
/* Everything the plugin logged, one line each, "\n"-joined. */
const char *tj_log_text(void);

/* Adds key.<kid> = value (line = its INI line) to a configuration. */
void tj_key(struct tj_inst *ti, const char *kid, const char *value, int line);
/* create() + thread_init() with signing kid and max_token_bytes (0 means
 * 8192); returns create's code, err filled.  Fills ti->inst and ti->ts. */
int tj_open(struct tj_inst *ti, const char *signing, unsigned long max,
            struct charon_err *err);
/* thread_fini() + destroy(); NULL-safe on a failed open. */
void tj_close(struct tj_inst *ti);

/* Signs payload; returns the token (static buffer, valid until the next
 * call) or NULL. */
const char *tj_sign(struct tj_inst *ti, const char *payload);
/* Verifies token: "ok:<payload>" or the rejection reason (static buffer,
 * valid until the next call). */
const char *tj_verify(struct tj_inst *ti, const char *token);

/* A file in the scratch dir with these bytes and mode; returns its path
 * (owned by the fixture). */
const char *tj_file(const char *name, const void *data, size_t len,
                    mode_t mode);
/* A new "ED25519" or "ED448" key: private PEM at name.pem, public PEM at
 * name.pub.pem (mode 0644); raw public key in pub (57 bytes of room). */
void tj_edkey(const char *name, const char *type, mode_t priv_mode,
              unsigned char *pub, size_t *pub_len);
/* A string owned by the fixture (freed by tj_unload). */
const char *tj_str(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* PBKDF2-HMAC-SHA256(TJ_SECRET, salt, 250000, len), cached. */
void tj_derive(const char *salt, unsigned char *out, size_t len);

/* b64url(header) "." b64url(payload) "." b64url(HMAC-<md>(key, input))
 * (static buffer, valid until the next call). */
const char *tj_hmac_token(const char *header, const char *payload,
                          const char *md, const unsigned char *key,
                          size_t key_len);
/* Same from already-encoded header and payload segments. */
const char *tj_hmac_token_raw(const char *h64, const char *p64,
                              const char *md, const unsigned char *key,
                              size_t key_len);
/* token with one bit of the decoded segment seg (0..2) flipped at byte
 * (a string owned by the fixture). */
const char *tj_flip_bit(const char *token, int seg, size_t byte);
/* b64url of a string (static buffer, valid until the next call). */
const char *tj_b64(const char *s);

#endif /* TOKEN_JWT_FIXTURE_H */
