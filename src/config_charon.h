/*
 * config_charon.h - the core's own sections: [charon], [endpoints],
 * [authorizer], and [profile NAME] overlays of [charon]/[authorizer].
 * Filled by the table engine (config_table.c) from the tables in
 * config_charon.c.  Strings point into the struct config that owns them.
 */
#ifndef CHARON_CONFIG_CHARON_H
#define CHARON_CONFIG_CHARON_H

#include <stdbool.h>

#include <charon/option.h>

#define CONFIG_TTL_INFINITE (-1L)

enum config_same_site {
    CONFIG_SAME_SITE_STRICT = 0,   /* "Strict" (default) */
    CONFIG_SAME_SITE_LAX,          /* "Lax"              */
    CONFIG_SAME_SITE_NONE          /* "None"             */
};

enum config_log_dest {
    CONFIG_LOG_STDERR = 0,         /* "stderr" (default) */
    CONFIG_LOG_SYSLOG              /* "syslog"           */
};

/* [charon]; a profile may override the keys marked (p). */
struct charon_section {
    const char *token_issuer;        /* (p) required: the "iss" claim       */
    const char *base_secret_file;    /* one of these two is required        */
    const char *base_secret_env;
    long access_token_ttl;           /* (p) 900                             */
    long refresh_token_ttl;          /* (p) 5184000                         */
    long session_ttl;                /* (p) 31536000, or CONFIG_TTL_INFINITE */
    const char *session_store;       /* "local"                             */
    const char *token_factory;       /* "jwt"                               */
    const char *plugin_dir;          /* CHARON_PLUGIN_DIR                   */
    const char *key_cache_dir;       /* CHARON_KEY_CACHE_DIR; "" = off      */
    int enforce_browser_cookies;     /* (p) true                            */
    const char *access_cookie_name;  /* (p) _access_token_signature         */
    const char *refresh_cookie_name; /* (p) _refresh_token_signature        */
    int cookie_secure;               /* (p) true                            */
    int cookie_same_site;            /* (p) enum config_same_site           */
    const char *cookie_domain;       /* (p) ""                              */
    const char *cookie_path;         /* (p) "/"                             */
    long clock_skew;                 /* (p) 5                               */
    long fresh_cycle;                /* (p) 10                              */
    unsigned long max_sessions_per_user; /* (p) 100; 0: no limit        */
    unsigned long max_header_bytes;  /* 16384: all FastCGI params together  */
    unsigned long max_body_bytes;    /* 65536                               */
    long read_timeout;               /* 30: a silent connection is closed   */
    long queue_timeout;              /* 1: all threads busy this long: 503  */
    int log;                         /* enum config_log_dest                */
    int log_level;                   /* index into err/warn/info/debug      */
};

/* [endpoints] */
struct endpoints_section {
    const char *prefix;              /* "/auth", no trailing slash          */
    const char *credentials;         /* "" (none) or plugin name/path       */
    const char *issuer_key_file;     /* ""                                  */
    const char *csrf_header;         /* "X-CSRF-Protect"                    */
    int metrics;                     /* false                               */
};

/* [authorizer]; every key may be overridden by a profile. */
struct authorizer_section {
    int require_session;                 /* false */
    struct charon_opt_map claim_equals;  /* claim_equals.<claim> = value    */
    struct charon_opt_map claim_in;      /* claim_in.<claim> = v1 v2 ...    */
    struct charon_opt_map claim_has_all; /* claim_has_all.<claim> = v1 v2   */
    struct charon_opt_map claim_has_any; /* claim_has_any.<claim> = v1 v2   */
    struct charon_opt_list export_claims;/* export_claims = role scope      */
};

/* Tables (NULL-name terminated) for the engine and for check-config. */
extern const struct charon_option config_charon_options[];
extern const struct charon_option config_endpoints_options[];
extern const struct charon_option config_authorizer_options[];

/* Names of [charon] keys a [profile NAME] section may set. */
extern const char *const config_profile_keys[];

struct config_doc;
struct config_errors;

/*
 * What the tables cannot express, checked on the keys written in
 * [section] (already applied to c): name and path formats, exactly one
 * of base_secret_file/base_secret_env (not for a profile), SameSite=None
 * only with cookie_secure.  Return CHARON_OK or CHARON_ECONFIG.
 */
int config_charon_check(const struct config_doc *doc, const char *section,
                        const struct charon_section *c, bool profile,
                        struct config_errors *errs);
int config_charon_check_endpoints(const struct config_doc *doc,
                                  const char *section,
                                  struct config_errors *errs);
int config_charon_check_authorizer(const struct config_doc *doc,
                                   const char *section,
                                   struct config_errors *errs);

#endif /* CHARON_CONFIG_CHARON_H */
