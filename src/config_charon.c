/*
 * config_charon.c - the tables of the core's own sections ([charon],
 * [endpoints], [authorizer]; docs/CONTRACT.md §3) and the checks a table
 * cannot express: formats of names and paths, and the few rules that tie
 * two keys together.
 */
#include "config_charon.h"

#include <stddef.h>
#include <string.h>

#include <charon/err.h>

#include "config_ini.h"

#ifndef CHARON_PLUGIN_DIR
#error "CHARON_PLUGIN_DIR must be defined (src/Makefile.am)"
#endif
#ifndef CHARON_KEY_CACHE_DIR
#error "CHARON_KEY_CACHE_DIR must be defined (src/Makefile.am)"
#endif

/* Ten years: bounds the lifetimes that have no "infinite", so that
 * now + ttl cannot overflow anywhere. */
#define CONFIG_CHARON_MAX_TTL 315360000UL

static const char *const config_charon_same_site[] = {
    "Strict", "Lax", "None", NULL          /* enum config_same_site */
};
static const char *const config_charon_log_dest[] = {
    "stderr", "syslog", NULL               /* enum config_log_dest  */
};
static const char *const config_charon_log_levels[] = {
    "err", "warn", "info", "debug", NULL
};

#define CS(field) offsetof(struct charon_section, field)

const struct charon_option config_charon_options[] = {
    { .name = "token_issuer", .type = CHARON_OPT_STRING,
      .flags = CHARON_OPT_REQUIRED, .offset = CS(token_issuer),
      .help = "the \"iss\" claim of every token "
              "(e.g. token_issuer = https://example.test)" },
    /* Exactly one of the two (config_charon_check); the core reads and
     * checks the secret itself. */
    { .name = "base_secret_file", .type = CHARON_OPT_STRING,
      .offset = CS(base_secret_file),
      .help = "file holding the base secret (>= 32 bytes, mode 0600)" },
    { .name = "base_secret_env", .type = CHARON_OPT_STRING,
      .offset = CS(base_secret_env),
      .help = "environment variable holding the base secret" },
    { .name = "access_token_ttl", .type = CHARON_OPT_SECONDS,
      .offset = CS(access_token_ttl), .dflt = "900",
      .min = 1, .max = CONFIG_CHARON_MAX_TTL,
      .help = "lifetime of access tokens, in seconds" },
    { .name = "refresh_token_ttl", .type = CHARON_OPT_SECONDS,
      .offset = CS(refresh_token_ttl), .dflt = "5184000",
      .min = 1, .max = CONFIG_CHARON_MAX_TTL,
      .help = "lifetime of refresh tokens, in seconds (60 days)" },
    { .name = "session_ttl", .type = CHARON_OPT_SECONDS,
      .offset = CS(session_ttl), .dflt = "31536000", .min = 1, .max = 0,
      .help = "lifetime of a session, in seconds, or infinite" },
    { .name = "session_store", .type = CHARON_OPT_STRING,
      .offset = CS(session_store), .dflt = "local",
      .help = "local, redis, dummy or /absolute/path.so" },
    { .name = "token_factory", .type = CHARON_OPT_STRING,
      .offset = CS(token_factory), .dflt = "jwt",
      .help = "jwt or /absolute/path.so" },
    { .name = "plugin_dir", .type = CHARON_OPT_STRING,
      .offset = CS(plugin_dir), .dflt = CHARON_PLUGIN_DIR,
      .help = "where plugins named without a path are found" },
    { .name = "key_cache_dir", .type = CHARON_OPT_STRING,
      .offset = CS(key_cache_dir), .dflt = CHARON_KEY_CACHE_DIR,
      .help = "cache of derived keys for CGI cold starts; empty: off" },
    { .name = "enforce_browser_cookies", .type = CHARON_OPT_BOOL,
      .offset = CS(enforce_browser_cookies), .dflt = "true",
      .help = "browsers (Sec-Fetch-Mode) may not ask for bearer tokens" },
    { .name = "access_cookie_name", .type = CHARON_OPT_STRING,
      .offset = CS(access_cookie_name), .dflt = "_access_token_signature",
      .help = "cookie carrying the access token (signature)" },
    { .name = "refresh_cookie_name", .type = CHARON_OPT_STRING,
      .offset = CS(refresh_cookie_name), .dflt = "_refresh_token_signature",
      .help = "cookie carrying the refresh token (signature)" },
    { .name = "cookie_secure", .type = CHARON_OPT_BOOL,
      .offset = CS(cookie_secure), .dflt = "true",
      .help = "send cookies with the Secure attribute" },
    { .name = "cookie_same_site", .type = CHARON_OPT_ENUM,
      .offset = CS(cookie_same_site), .dflt = "Strict",
      .choices = config_charon_same_site,
      .help = "SameSite attribute of the cookies; None needs cookie_secure" },
    { .name = "cookie_domain", .type = CHARON_OPT_STRING,
      .offset = CS(cookie_domain), .dflt = "",
      .help = "Domain attribute of the cookies; empty: host only" },
    { .name = "cookie_path", .type = CHARON_OPT_STRING,
      .offset = CS(cookie_path), .dflt = "/",
      .help = "Path attribute of the cookies" },
    { .name = "clock_skew", .type = CHARON_OPT_SECONDS,
      .offset = CS(clock_skew), .dflt = "5", .min = 0, .max = 300,
      .help = "tolerated clock drift when checking token times" },
    { .name = "fresh_cycle", .type = CHARON_OPT_SECONDS,
      .offset = CS(fresh_cycle), .dflt = "10", .min = 1, .max = 86400,
      .help = "length of a refresh-token generation, in seconds" },
    { .name = "max_sessions_per_user", .type = CHARON_OPT_UINT,
      .offset = CS(max_sessions_per_user), .dflt = "100", .min = 0,
      .max = 1000000,
      .help = "live sessions a user may have of one type; a login past it "
              "ends the least recently refreshed ones (0: no limit)" },
    { .name = "max_header_bytes", .type = CHARON_OPT_UINT,
      .offset = CS(max_header_bytes), .dflt = "16384",
      .min = 1024, .max = 1048576,
      .help = "limit on all FastCGI params of a request together" },
    { .name = "max_body_bytes", .type = CHARON_OPT_UINT,
      .offset = CS(max_body_bytes), .dflt = "65536", .min = 0,
      .max = 16777216, .help = "limit on a request body" },
    { .name = "read_timeout", .type = CHARON_OPT_SECONDS,
      .offset = CS(read_timeout), .dflt = "30", .min = 1, .max = 3600,
      .help = "a web-server connection that sends nothing (or takes no "
              "answer) for this long is closed" },
    { .name = "queue_timeout", .type = CHARON_OPT_SECONDS,
      .offset = CS(queue_timeout), .dflt = "1", .min = 0, .max = 3600,
      .help = "once every thread of a worker has held its connection this "
              "long, new connections are answered 503 (0: at once)" },
    { .name = "log", .type = CHARON_OPT_ENUM, .offset = CS(log),
      .dflt = "stderr", .choices = config_charon_log_dest,
      .help = "where log lines go: stderr or syslog" },
    { .name = "log_level", .type = CHARON_OPT_ENUM, .offset = CS(log_level),
      .dflt = "info", .choices = config_charon_log_levels,
      .help = "err, warn, info or debug" },
    { .name = NULL }
};

#define ES(field) offsetof(struct endpoints_section, field)

const struct charon_option config_endpoints_options[] = {
    { .name = "prefix", .type = CHARON_OPT_STRING, .offset = ES(prefix),
      .dflt = "/auth", .help = "path the endpoints live under" },
    { .name = "credentials", .type = CHARON_OPT_STRING,
      .offset = ES(credentials), .dflt = "",
      .help = "plugin checking passwords at login; empty: none" },
    { .name = "issuer_key_file", .type = CHARON_OPT_STRING,
      .offset = ES(issuer_key_file), .dflt = "",
      .help = "key letting trusted backends mint sessions; empty: none" },
    { .name = "csrf_header", .type = CHARON_OPT_STRING,
      .offset = ES(csrf_header), .dflt = "X-CSRF-Protect",
      .help = "header required on cookie-authenticated state changes" },
    { .name = "metrics", .type = CHARON_OPT_BOOL, .offset = ES(metrics),
      .dflt = "false", .help = "serve GET /metrics" },
    { .name = NULL }
};

#define AS(field) offsetof(struct authorizer_section, field)

const struct charon_option config_authorizer_options[] = {
    { .name = "require_session", .type = CHARON_OPT_BOOL,
      .offset = AS(require_session), .dflt = "false",
      .help = "the session must still exist (instant revocation)" },
    { .name = "claim_equals.", .type = CHARON_OPT_MAP,
      .offset = AS(claim_equals), .help = "claim must equal the value" },
    { .name = "claim_in.", .type = CHARON_OPT_MAP, .offset = AS(claim_in),
      .help = "claim must be one of the values" },
    { .name = "claim_has_all.", .type = CHARON_OPT_MAP,
      .offset = AS(claim_has_all),
      .help = "list claim must contain all the values" },
    { .name = "claim_has_any.", .type = CHARON_OPT_MAP,
      .offset = AS(claim_has_any),
      .help = "list claim must contain one of the values" },
    { .name = "export_claims", .type = CHARON_OPT_LIST,
      .offset = AS(export_claims),
      .help = "claims passed on to the backend" },
    { .name = NULL }
};

const char *const config_profile_keys[] = {
    "token_issuer", "access_token_ttl", "refresh_token_ttl", "session_ttl",
    "enforce_browser_cookies", "access_cookie_name", "refresh_cookie_name",
    "cookie_secure", "cookie_same_site", "cookie_domain", "cookie_path",
    "clock_skew", "fresh_cycle", "max_sessions_per_user", NULL
};

/* Does every byte of s belong to set (letters and digits implied)? */
static bool
config_charon_made_of(const char *s, const char *set)
{
    for (; *s != '\0'; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')
              || (*s >= '0' && *s <= '9') || strchr(set, *s) != NULL))
            return false;
    }
    return true;
}

static bool
config_charon_has_space(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s <= ' ' || *s == 0x7f)
            return true;
    return false;
}

/* The checks of one [section] share where messages point. */
struct config_charon_run {
    const struct config_doc *doc;
    const char *section;
    struct config_errors *errs;
    int rc;
};

/* The entry for key in this section, or NULL. */
static const struct config_entry *
config_charon_get(const struct config_charon_run *r, const char *key)
{
    return config_ini_find(r->doc, r->section, key);
}

static void
config_charon_bad(struct config_charon_run *r, const struct config_entry *e,
                  const char *what)
{
    struct config_where w = { r->doc->file, e->line, r->section, e->key,
                              e->value, false };

    config_errors_at(r->errs, &w, "%s", what);
    r->rc = CHARON_ECONFIG;
}

/* A plugin is named ("redis") or given by absolute path. */
static void
config_charon_plugin_name(struct config_charon_run *r, const char *key,
                          bool empty_ok)
{
    const struct config_entry *e = config_charon_get(r, key);

    if (e == NULL || (empty_ok && e->value[0] == '\0'))
        return;
    if (e->value[0] == '\0')
        config_charon_bad(r, e, "must not be empty");
    else if (config_charon_has_space(e->value)
             || (strchr(e->value, '/') != NULL && e->value[0] != '/'))
        config_charon_bad(r, e, "must be a plugin name or an absolute path");
}

static void
config_charon_cookie_attrs(struct config_charon_run *r)
{
    /* RFC 6265 cookie-name: an RFC 7230 token. */
    static const char tchar[] = "!#$%&'*+-.^_`|~";
    static const char *const names[] = {
        "access_cookie_name", "refresh_cookie_name", NULL
    };
    const struct config_entry *e;
    size_t i;

    for (i = 0; names[i] != NULL; i++) {
        e = config_charon_get(r, names[i]);
        if (e != NULL && (e->value[0] == '\0'
                          || !config_charon_made_of(e->value, tchar)))
            config_charon_bad(r, e, "not a cookie name (letters, digits "
                              "and !#$%&'*+-.^_`|~)");
    }
    e = config_charon_get(r, "cookie_path");
    if (e != NULL && (e->value[0] != '/' || strchr(e->value, ';') != NULL
                      || config_charon_has_space(e->value)))
        config_charon_bad(r, e, "must start with '/' and hold no ';' "
                          "or white space");
    e = config_charon_get(r, "cookie_domain");
    if (e != NULL && (strchr(e->value, ';') != NULL
                      || config_charon_has_space(e->value)))
        config_charon_bad(r, e, "must hold no ';' or white space");
}

/* The base secret comes from exactly one of a file or a variable. */
static void
config_charon_secret(struct config_charon_run *r)
{
    const struct config_entry *file = config_charon_get(r, "base_secret_file");
    const struct config_entry *env = config_charon_get(r, "base_secret_env");
    struct config_where w = { r->doc->file, 0, r->section,
                              "base_secret_file", NULL, false };

    if (file == NULL && env == NULL) {
        config_errors_at(r->errs, &w, "missing (required; e.g. "
                         "base_secret_file = /etc/charon-fcgi/secret, "
                         "or base_secret_env = VAR)");
        r->rc = CHARON_ECONFIG;
        return;
    }
    if (file != NULL && env != NULL) {
        w.line = env->line;
        w.key = env->key;
        config_errors_at(r->errs, &w, "set either base_secret_file (line %d) "
                         "or base_secret_env, not both", file->line);
        r->rc = CHARON_ECONFIG;
        return;
    }
    if (file != NULL && file->value[0] == '\0')
        config_charon_bad(r, file, "must name a file");
    if (env != NULL && (env->value[0] == '\0'
                        || (env->value[0] >= '0' && env->value[0] <= '9')
                        || !config_charon_made_of(env->value, "_")))
        config_charon_bad(r, env, "not an environment variable name");
}

int
config_charon_check(const struct config_doc *doc, const char *section,
                    const struct charon_section *c, bool profile,
                    struct config_errors *errs)
{
    struct config_charon_run r = { doc, section, errs, CHARON_OK };
    const struct config_entry *e;

    e = config_charon_get(&r, "token_issuer");
    if (e != NULL && e->value[0] == '\0')
        config_charon_bad(&r, e, "must not be empty");
    config_charon_cookie_attrs(&r);
    if (!profile) {
        config_charon_secret(&r);
        config_charon_plugin_name(&r, "session_store", false);
        config_charon_plugin_name(&r, "token_factory", false);
    }
    /* Browsers drop SameSite=None cookies that lack Secure.  A profile
     * is checked only if it sets one of the two itself. */
    if (c->cookie_same_site == CONFIG_SAME_SITE_NONE && !c->cookie_secure) {
        e = config_charon_get(&r, "cookie_same_site");
        if (e != NULL) {
            config_charon_bad(&r, e, "needs cookie_secure = true "
                              "(browsers drop SameSite=None cookies "
                              "without Secure)");
        } else if ((e = config_charon_get(&r, "cookie_secure")) != NULL) {
            config_charon_bad(&r, e, "cookie_same_site = None needs "
                              "cookie_secure = true");
        }
    }
    return r.rc;
}

int
config_charon_check_endpoints(const struct config_doc *doc,
                              const char *section,
                              struct config_errors *errs)
{
    struct config_charon_run r = { doc, section, errs, CHARON_OK };
    const struct config_entry *e;
    size_t len;

    e = config_charon_get(&r, "prefix");
    if (e != NULL) {
        len = strlen(e->value);
        if (e->value[0] != '/')
            config_charon_bad(&r, e, "must start with '/'");
        else if (e->value[len - 1] == '/')
            config_charon_bad(&r, e, "must not end with '/'");
        else if (config_charon_has_space(e->value)
                 || strpbrk(e->value, "?#") != NULL)
            config_charon_bad(&r, e, "must hold no white space, '?' or '#'");
    }
    config_charon_plugin_name(&r, "credentials", true);
    e = config_charon_get(&r, "csrf_header");
    if (e != NULL && (e->value[0] == '\0'
                      || !config_charon_made_of(e->value, "-")))
        config_charon_bad(&r, e, "not an HTTP header name (letters, digits "
                          "and '-')");
    return r.rc;
}

int
config_charon_check_authorizer(const struct config_doc *doc,
                               const char *section,
                               struct config_errors *errs)
{
    static const char *const lists[] = {
        "claim_in.", "claim_has_all.", "claim_has_any.", NULL
    };
    struct config_charon_run r = { doc, section, errs, CHARON_OK };
    const struct config_entry *e;
    char what[160];
    size_t i, j, len;
    const char *p;

    for (i = 0; i < doc->nentries; i++) {
        e = &doc->entries[i];
        if (strcmp(e->section, section) != 0)
            continue;
        for (j = 0; lists[j] != NULL; j++)
            if (strncmp(e->key, lists[j], strlen(lists[j])) == 0
                && e->key[strlen(lists[j])] != '\0'
                && e->value[strspn(e->value, " \t")] == '\0')
                config_charon_bad(&r, e, "needs at least one value");
        if (strcmp(e->key, "export_claims") != 0)
            continue;
        for (p = e->value + strspn(e->value, " \t"); *p != '\0';
             p += strspn(p, " \t")) {
            len = strcspn(p, " \t");
            snprintf(what, sizeof(what), "%.*s", (int)len, p);
            if (!config_charon_made_of(what, "_.:-")) {
                snprintf(what, sizeof(what), "\"%.*s\" is not a claim name "
                         "(letters, digits and _ . : - only)", (int)len, p);
                config_charon_bad(&r, e, what);
            }
            p += len;
        }
    }
    return r.rc;
}
