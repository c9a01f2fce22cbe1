/* test_config.c - the config engine: INI reading, tables, core sections,
 * profiles and plugin sections, checked by value and by exact message. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charon/err.h>

#include "cu_main.h"
/* By path: "config.h" alone would find autoconf's header in the build
 * directory first (DEFAULT_INCLUDES precede AM_CPPFLAGS). */
#include "config.h"
#include "config_table.h"

#define BASE "[charon]\ntoken_issuer = https://example.test\n" \
             "base_secret_env = CHARON_SECRET\n"

static const char *const ignorable[] = { "store_redis", NULL };

/* All messages of errs (and "warning: " lines) joined by '\n'. */
static char *
join(const struct config_errors *errs, const struct config_errors *warns)
{
    static char buf[8192];
    size_t i, off = 0;

    buf[0] = '\0';
    for (i = 0; errs != NULL && i < errs->n; i++)
        off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s",
                                off > 0 ? "\n" : "", errs->lines[i]);
    for (i = 0; warns != NULL && i < warns->n; i++)
        off += (size_t)snprintf(buf + off, sizeof(buf) - off,
                                "%swarning: %s", off > 0 ? "\n" : "",
                                warns->lines[i]);
    return buf;
}

/* Loads text as "t.ini", finishes it, and compares every message. */
static void
expect_messages(const char *text, const char *expected)
{
    struct config_errors errs = CONFIG_ERRORS_INIT;
    struct config_errors warns = CONFIG_ERRORS_INIT;
    struct config *cfg = NULL;

    if (config_load_string("t.ini", text, &cfg, &errs) == CHARON_OK)
        config_finish(cfg, ignorable, &errs, &warns);
    CU_ASSERT_STRING_EQUAL(expected, join(&errs, &warns));
    if (strcmp(expected, join(&errs, &warns)) != 0)
        fprintf(stderr, "\n--- expected\n%s\n--- got\n%s\n", expected,
                join(&errs, &warns));
    config_free(cfg);
    config_errors_free(&errs);
    config_errors_free(&warns);
}

/* Loads text that must be valid; the caller frees. */
static struct config *
load_ok(const char *text)
{
    struct config_errors errs = CONFIG_ERRORS_INIT;
    struct config *cfg = NULL;

    CU_ASSERT_EQUAL(CHARON_OK, config_load_string("t.ini", text, &cfg, &errs));
    if (errs.n > 0)
        fprintf(stderr, "\n%s\n", join(&errs, NULL));
    config_errors_free(&errs);
    return cfg;
}

static void
test_minimal_file_gets_documented_defaults(void)
{
    struct config *cfg = load_ok(BASE);
    const struct charon_section *c;

    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    c = &cfg->charon;
    CU_ASSERT_STRING_EQUAL("t.ini", cfg->file);
    CU_ASSERT_STRING_EQUAL("https://example.test", c->token_issuer);
    CU_ASSERT_PTR_NULL(c->base_secret_file);
    CU_ASSERT_STRING_EQUAL("CHARON_SECRET", c->base_secret_env);
    CU_ASSERT_EQUAL(900, c->access_token_ttl);
    CU_ASSERT_EQUAL(5184000, c->refresh_token_ttl);
    CU_ASSERT_EQUAL(31536000, c->session_ttl);
    CU_ASSERT_STRING_EQUAL("local", c->session_store);
    CU_ASSERT_STRING_EQUAL("jwt", c->token_factory);
    CU_ASSERT_PTR_NOT_NULL(c->plugin_dir);
    CU_ASSERT_PTR_NOT_NULL(c->key_cache_dir);
    CU_ASSERT_EQUAL(1, c->enforce_browser_cookies);
    CU_ASSERT_STRING_EQUAL("_access_token_signature", c->access_cookie_name);
    CU_ASSERT_STRING_EQUAL("_refresh_token_signature", c->refresh_cookie_name);
    CU_ASSERT_EQUAL(1, c->cookie_secure);
    CU_ASSERT_EQUAL(CONFIG_SAME_SITE_STRICT, c->cookie_same_site);
    CU_ASSERT_STRING_EQUAL("", c->cookie_domain);
    CU_ASSERT_STRING_EQUAL("/", c->cookie_path);
    CU_ASSERT_EQUAL(5, c->clock_skew);
    CU_ASSERT_EQUAL(10, c->fresh_cycle);
    CU_ASSERT_EQUAL(16384, c->max_header_bytes);
    CU_ASSERT_EQUAL(65536, c->max_body_bytes);
    CU_ASSERT_EQUAL(CONFIG_LOG_STDERR, c->log);
    CU_ASSERT_EQUAL(2, c->log_level);
    CU_ASSERT_STRING_EQUAL("/auth", cfg->endpoints.prefix);
    CU_ASSERT_STRING_EQUAL("", cfg->endpoints.credentials);
    CU_ASSERT_STRING_EQUAL("", cfg->endpoints.issuer_key_file);
    CU_ASSERT_STRING_EQUAL("X-CSRF-Protect", cfg->endpoints.csrf_header);
    CU_ASSERT_EQUAL(0, cfg->endpoints.metrics);
    CU_ASSERT_EQUAL(0, cfg->authz.require_session);
    CU_ASSERT_EQUAL(0, cfg->authz.claim_equals.count);
    CU_ASSERT_EQUAL(0, cfg->authz.export_claims.count);
    CU_ASSERT_EQUAL(0, cfg->nprofiles);
    config_free(cfg);
}

static void
test_core_tables_pass_their_own_check(void)
{
    struct config_errors errs = CONFIG_ERRORS_INIT;
    size_t i;

    CU_ASSERT_EQUAL(CHARON_OK, config_table_check_table(
        "[charon]", config_charon_options, &errs));
    CU_ASSERT_EQUAL(CHARON_OK, config_table_check_table(
        "[endpoints]", config_endpoints_options, &errs));
    CU_ASSERT_EQUAL(CHARON_OK, config_table_check_table(
        "[authorizer]", config_authorizer_options, &errs));
    CU_ASSERT_STRING_EQUAL("", join(&errs, NULL));
    for (i = 0; config_profile_keys[i] != NULL; i++)
        CU_ASSERT_PTR_NOT_NULL(config_table_find(config_charon_options,
                                                 config_profile_keys[i]));
    config_errors_free(&errs);
}

static void
test_broken_table_is_refused(void)
{
    static const struct charon_option bad[] = {
        { .name = "map", .type = CHARON_OPT_MAP },
        { .name = "n", .type = CHARON_OPT_UINT, .dflt = "x", .max = 9 },
        { .name = "n", .type = CHARON_OPT_BOOL },
        { .name = NULL }
    };
    struct config_errors errs = CONFIG_ERRORS_INIT;

    CU_ASSERT_EQUAL(CHARON_ECONFIG, config_table_check_table("t", bad, &errs));
    CU_ASSERT_STRING_EQUAL(
        "t: option \"map\": bad name, type, choices, range or default\n"
        "t: option \"n\": default \"x\": not a whole number\n"
        "t: option \"n\" is listed twice", join(&errs, NULL));
    config_errors_free(&errs);
}

static void
test_values_of_every_type_are_parsed(void)
{
    struct config *cfg = load_ok(
        BASE "session_ttl = Infinite\ncookie_secure = OFF\n"
        "cookie_same_site = lax\nlog = SYSLOG\nlog_level = debug\n"
        "max_body_bytes = 0\nclock_skew = 300\n"
        "[authorizer]\nexport_claims = role  scope\tsub\n");

    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    CU_ASSERT_EQUAL(CONFIG_TTL_INFINITE, cfg->charon.session_ttl);
    CU_ASSERT_EQUAL(0, cfg->charon.cookie_secure);
    CU_ASSERT_EQUAL(CONFIG_SAME_SITE_LAX, cfg->charon.cookie_same_site);
    CU_ASSERT_EQUAL(CONFIG_LOG_SYSLOG, cfg->charon.log);
    CU_ASSERT_EQUAL(3, cfg->charon.log_level);
    CU_ASSERT_EQUAL(0, cfg->charon.max_body_bytes);
    CU_ASSERT_EQUAL(300, cfg->charon.clock_skew);
    CU_ASSERT_EQUAL_FATAL(3, cfg->authz.export_claims.count);
    CU_ASSERT_STRING_EQUAL("role", cfg->authz.export_claims.items[0]);
    CU_ASSERT_STRING_EQUAL("scope", cfg->authz.export_claims.items[1]);
    CU_ASSERT_STRING_EQUAL("sub", cfg->authz.export_claims.items[2]);
    config_free(cfg);
}

static void
test_every_boolean_spelling_is_accepted(void)
{
    static const char *const words[] = {
        "true", "1", "YES", "On", "false", "0", "no", "OFF", NULL
    };
    char text[256];
    struct config *cfg;
    size_t i;

    for (i = 0; words[i] != NULL; i++) {
        snprintf(text, sizeof(text), BASE "[endpoints]\nmetrics = %s\n",
                 words[i]);
        cfg = load_ok(text);
        CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
        CU_ASSERT_EQUAL(i < 4 ? 1 : 0, cfg->endpoints.metrics);
        config_free(cfg);
    }
}

static void
test_numbers_are_parsed_strictly(void)
{
    expect_messages(BASE "max_body_bytes = +1\nclock_skew = 5s\n"
                    "fresh_cycle = 0x10\nmax_header_bytes = "
                    "99999999999999999999999\naccess_token_ttl = \n"
                    "refresh_token_ttl = -1\n",
        "t.ini:4: [charon] max_body_bytes = \"+1\": not a whole number\n"
        "t.ini:5: [charon] clock_skew = \"5s\": not a number of seconds\n"
        "t.ini:6: [charon] fresh_cycle = \"0x10\": not a number of seconds\n"
        "t.ini:7: [charon] max_header_bytes = \"99999999999999999999999\": "
        "out of range 1024..1048576\n"
        "t.ini:8: [charon] access_token_ttl = \"\": not a number of seconds\n"
        "t.ini:9: [charon] refresh_token_ttl = \"-1\": must not be negative");
}

static void
test_duplicate_key_names_both_lines(void)
{
    expect_messages(BASE "clock_skew = 1\n; c\nclock_skew = 2\n",
        "t.ini:6: [charon] clock_skew: duplicate key; first set at line 4");
}

static void
test_duplicate_map_id_in_one_section_is_an_error(void)
{
    expect_messages(BASE "[authorizer]\nclaim_equals.role = a\n"
                    "claim_equals.role = b\n",
        "t.ini:6: [authorizer] claim_equals.role: duplicate key; first set "
        "at line 5");
}

static void
test_indented_line_continuing_a_plain_key_is_an_error(void)
{
    expect_messages("[charon]\n    token_issuer = https://example.test\n"
                    "    base_secret_env = S\n",
        "t.ini: [charon] base_secret_file: missing (required; e.g. "
        "base_secret_file = /etc/charon-fcgi/secret, or base_secret_env "
        "= VAR)\n"
        "t.ini:3: [charon] indented line continues key \"token_issuer\"; "
        "unindent it or join the lines");
}

static void
test_list_keys_continue_and_repeat(void)
{
    struct config *cfg = load_ok(BASE "[authorizer]\n"
                                 "export_claims = a ; first\n"
                                 "   b c ; more\n"
                                 "export_claims = d\n");

    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    CU_ASSERT_EQUAL_FATAL(4, cfg->authz.export_claims.count);
    CU_ASSERT_STRING_EQUAL("a", cfg->authz.export_claims.items[0]);
    CU_ASSERT_STRING_EQUAL("c", cfg->authz.export_claims.items[2]);
    CU_ASSERT_STRING_EQUAL("d", cfg->authz.export_claims.items[3]);
    config_free(cfg);
}

static void
test_comments_crlf_and_colons_are_read_as_inih_does(void)
{
    struct config *cfg = load_ok(
        "\xef\xbb\xbf; comment\r\n# another\r\n[charon] ; the core\r\n"
        "token_issuer = https://example.test;v=1 ; trailing\r\n"
        "base_secret_env: S\r\n");

    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    CU_ASSERT_STRING_EQUAL("https://example.test;v=1",
                           cfg->charon.token_issuer);
    CU_ASSERT_STRING_EQUAL("S", cfg->charon.base_secret_env);
    CU_ASSERT_EQUAL(4, config_key_line(cfg, "charon", "token_issuer"));
    config_free(cfg);
}

static void
test_line_of_198_bytes_fits_and_199_is_too_long(void)
{
    char text[1024], fits[199], too_long[200];

    memset(fits, 'a', sizeof(fits) - 1);
    fits[sizeof(fits) - 1] = '\0';
    memcpy(fits, "cookie_domain = ", 16);
    memset(too_long, 'b', sizeof(too_long) - 1);
    too_long[sizeof(too_long) - 1] = '\0';
    memcpy(too_long, "cookie_path = /", 15);
    snprintf(text, sizeof(text), BASE "%s\r\n%s\nbogus = 1\n", fits, too_long);
    expect_messages(text,
        "t.ini:5: line longer than 198 bytes\n"
        "t.ini:6: [charon] unknown key \"bogus\"");
}

static void
test_every_syntax_error_is_reported(void)
{
    expect_messages(BASE "just words\n[charon\n= value\nx = 1\n"
                    "[endpoints]junk\nprefix = /x\n[]\n",
        "t.ini:4: not a [section] or key = value line\n"
        "t.ini:5: not a [section] or key = value line\n"
        "t.ini:6: not a [section] or key = value line\n"
        "t.ini:8: not a [section] or key = value line\n"
        "t.ini:10: not a [section] or key = value line");
}

static void
test_key_before_any_section_is_an_error(void)
{
    expect_messages("token_issuer = x\n" BASE,
        "t.ini:1: key \"token_issuer\" before any [section]");
}

static void
test_missing_file_is_reported_with_its_path(void)
{
    struct config_errors errs = CONFIG_ERRORS_INIT;
    struct config *cfg = (struct config *)&errs;

    CU_ASSERT_EQUAL(CHARON_ECONFIG,
                    config_load_file("/nonexistent/charon.ini", &cfg, &errs));
    CU_ASSERT_PTR_NULL(cfg);
    CU_ASSERT_STRING_EQUAL("/nonexistent/charon.ini: cannot open: "
                           "No such file or directory", join(&errs, NULL));
    config_errors_free(&errs);
}

static void
test_map_entries_keep_file_order_and_lines(void)
{
    struct config *cfg = load_ok(BASE "[authorizer]\n"
                                 "claim_in.role = admin moderator\n"
                                 "claim_in.org = acme\n");
    const struct charon_opt_map *m;

    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    m = &cfg->authz.claim_in;
    CU_ASSERT_EQUAL_FATAL(2, m->count);
    CU_ASSERT_STRING_EQUAL("role", m->entries[0].id);
    CU_ASSERT_STRING_EQUAL("admin moderator", m->entries[0].value);
    CU_ASSERT_EQUAL(5, m->entries[0].line);
    CU_ASSERT_STRING_EQUAL("org", m->entries[1].id);
    CU_ASSERT_EQUAL(6, m->entries[1].line);
    config_free(cfg);
}

static void
test_profile_inherits_and_overrides(void)
{
    struct config *cfg = load_ok(BASE "access_token_ttl = 600\n"
        "[authorizer]\nclaim_equals.role = admin\nclaim_equals.org = acme\n"
        "export_claims = role\n"
        "[profile shop]\ntoken_issuer = https://shop.test\n"
        "claim_equals.role = customer\nexport_claims = sub\n"
        "[profile blog]\n");
    const struct config_profile *p;

    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    CU_ASSERT_EQUAL(2, cfg->nprofiles);
    p = config_profile_find(cfg, "shop");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_STRING_EQUAL("https://shop.test", p->charon.token_issuer);
    CU_ASSERT_EQUAL(600, p->charon.access_token_ttl);
    CU_ASSERT_EQUAL_FATAL(2, p->authz.claim_equals.count);
    CU_ASSERT_STRING_EQUAL("customer", p->authz.claim_equals.entries[0].value);
    CU_ASSERT_EQUAL(11, p->authz.claim_equals.entries[0].line);
    CU_ASSERT_STRING_EQUAL("acme", p->authz.claim_equals.entries[1].value);
    CU_ASSERT_EQUAL_FATAL(1, p->authz.export_claims.count);
    CU_ASSERT_STRING_EQUAL("sub", p->authz.export_claims.items[0]);
    /* The base is untouched by its profiles. */
    CU_ASSERT_STRING_EQUAL("admin", cfg->authz.claim_equals.entries[0].value);
    CU_ASSERT_STRING_EQUAL("https://example.test", cfg->charon.token_issuer);
    p = config_profile_find(cfg, "blog");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_STRING_EQUAL("https://example.test", p->charon.token_issuer);
    CU_ASSERT_PTR_NULL(config_profile_find(cfg, "nope"));
    config_free(cfg);
}

static void
test_profile_rejects_base_only_and_unknown_keys(void)
{
    expect_messages(BASE "[profile a]\nsession_store = redis\n"
                    "cookie_secur = false\n[profile a]\n[profile]\n",
        "t.ini:5: [profile a] session_store: cannot be set per profile; "
        "set it in [charon]\n"
        "t.ini:6: [profile a] unknown key \"cookie_secur\" (did you mean "
        "\"cookie_secure\"?)\n"
        "t.ini:7: duplicate section [profile a]; first at line 4\n"
        "t.ini:8: [profile] missing the profile name (e.g. [profile shop])");
}

static void
test_key_line_is_the_last_occurrence(void)
{
    struct config *cfg = load_ok(BASE "[authorizer]\nexport_claims = a\n"
                                 "export_claims = b\n");

    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    CU_ASSERT_EQUAL(6, config_key_line(cfg, "authorizer", "export_claims"));
    CU_ASSERT_EQUAL(2, config_key_line(cfg, "charon", "token_issuer"));
    CU_ASSERT_EQUAL(0, config_key_line(cfg, "charon", "cookie_path"));
    CU_ASSERT_EQUAL(0, config_key_line(cfg, "nosuch", "token_issuer"));
    config_free(cfg);
}

static void
test_errors_of_all_stages_come_in_file_order(void)
{
    expect_messages("[charon]\nclock_skew = 999\n[endpoints]\nprefix = x\n"
                    "bad line\n[charon]\ncookie_secure = maybe\n",
        "t.ini: [charon] token_issuer: missing (required; e.g. "
        "token_issuer = https://example.test)\n"
        "t.ini: [charon] base_secret_file: missing (required; e.g. "
        "base_secret_file = /etc/charon-fcgi/secret, or base_secret_env "
        "= VAR)\n"
        "t.ini:2: [charon] clock_skew = \"999\": out of range 0..300\n"
        "t.ini:4: [endpoints] prefix = \"x\": must start with '/'\n"
        "t.ini:5: not a [section] or key = value line\n"
        "t.ini:6: duplicate section [charon]; first at line 1\n"
        "t.ini:7: [charon] cookie_secure = \"maybe\": not a boolean "
        "(use true/false, yes/no, on/off or 1/0)");
}

static void
test_errors_sort_stably_by_file_then_line(void)
{
    struct config_errors e = CONFIG_ERRORS_INIT;

    config_errors_add(&e, "b.ini:10: x");
    config_errors_add(&e, "a.ini:2: y");
    config_errors_add(&e, "b.ini:9: z");
    config_errors_add(&e, "b.ini: w");
    config_errors_add(&e, "b.ini:9: v");
    config_errors_sort(&e);
    CU_ASSERT_STRING_EQUAL("b.ini: w\nb.ini:9: z\nb.ini:9: v\nb.ini:10: x\n"
                           "a.ini:2: y", join(&e, NULL));
    config_errors_free(&e);
    config_errors_free(&e);     /* twice is harmless */
}

/* A plugin's table, as a plugin would declare it. */
struct store_x_config {
    const char *host;
    unsigned long port;
    const char *password_file;
    unsigned long timeout_ms;
    int mode;
    struct charon_opt_map key;
    unsigned long pin;
    int legacy;
    const char *name;
};

static const char *const store_x_modes[] = { "fast", "Safe", NULL };

static const struct charon_option store_x_options[] = {
    { .name = "host", .type = CHARON_OPT_STRING,
      .offset = offsetof(struct store_x_config, host), .dflt = "127.0.0.1" },
    { .name = "port", .type = CHARON_OPT_UINT,
      .offset = offsetof(struct store_x_config, port), .dflt = "6379",
      .min = 1, .max = 65535 },
    { .name = "password_file", .type = CHARON_OPT_PATH,
      .flags = CHARON_OPT_PRIVATE,
      .offset = offsetof(struct store_x_config, password_file) },
    { .name = "timeout_ms", .type = CHARON_OPT_UINT,
      .offset = offsetof(struct store_x_config, timeout_ms), .dflt = "500",
      .min = 1, .max = 0 },
    { .name = "mode", .type = CHARON_OPT_ENUM, .choices = store_x_modes,
      .offset = offsetof(struct store_x_config, mode), .dflt = "safe" },
    { .name = "key.", .type = CHARON_OPT_MAP,
      .offset = offsetof(struct store_x_config, key) },
    { .name = "pin", .type = CHARON_OPT_UINT, .flags = CHARON_OPT_SECRET,
      .offset = offsetof(struct store_x_config, pin), .max = 9999 },
    { .name = "legacy", .type = CHARON_OPT_BOOL,
      .flags = CHARON_OPT_DEPRECATED,
      .offset = offsetof(struct store_x_config, legacy),
      .help = "use mode = fast instead" },
    { .name = "name", .type = CHARON_OPT_STRING, .flags = CHARON_OPT_REQUIRED,
      .offset = offsetof(struct store_x_config, name),
      .help = "instance name (e.g. name = main)" },
    { .name = NULL }
};

/* Loads BASE + text, applies [store_x], finishes; compares messages. */
static void
expect_plugin(const char *text, const char *expected,
              struct store_x_config *copy)
{
    struct config_errors errs = CONFIG_ERRORS_INIT;
    struct config_errors warns = CONFIG_ERRORS_INIT;
    struct config *cfg = NULL;
    char buf[2048];
    void *out = NULL;
    int rc;

    snprintf(buf, sizeof(buf), BASE "%s", text);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK,
                          config_load_string("t.ini", buf, &cfg, &errs));
    rc = config_apply_plugin(cfg, "store_x", store_x_options,
                             sizeof(struct store_x_config), &out, &errs);
    CU_ASSERT_EQUAL(rc == CHARON_OK, out != NULL);
    if (rc == CHARON_OK && copy != NULL)
        memcpy(copy, out, sizeof(*copy));
    config_finish(cfg, ignorable, &errs, &warns);
    CU_ASSERT_STRING_EQUAL(expected, join(&errs, &warns));
    if (strcmp(expected, join(&errs, &warns)) != 0)
        fprintf(stderr, "\n--- expected\n%s\n--- got\n%s\n", expected,
                join(&errs, &warns));
    if (copy != NULL) {
        /* Strings point into cfg: keep only what outlives it. */
        copy->host = NULL;
        copy->name = NULL;
        copy->password_file = NULL;
        copy->key.entries = NULL;
    }
    config_free(cfg);
    config_errors_free(&errs);
    config_errors_free(&warns);
}

static void
test_plugin_gets_defaults_and_values(void)
{
    struct store_x_config c;

    memset(&c, 0xff, sizeof(c));
    expect_plugin("[store_x]\nname = main\nport = 6380\nMODE = x\n"
                  "key.a = 1\nkey.b = 2\nmode = FAST\n",
                  "t.ini:7: [store_x] unknown key \"MODE\" (did you mean "
                  "\"mode\"?)", &c);
    CU_ASSERT_EQUAL(6380, c.port);
    CU_ASSERT_EQUAL(500, c.timeout_ms);
    CU_ASSERT_EQUAL(0, c.mode);
    CU_ASSERT_EQUAL(2, c.key.count);
    CU_ASSERT_EQUAL(0, c.pin);
    CU_ASSERT_EQUAL(0, c.legacy);
}

static void
test_plugin_port_out_of_range_names_the_range(void)
{
    expect_plugin("[store_x]\nname = main\nport = 70000\ntimeout_ms = 0\n",
        "t.ini:6: [store_x] port = \"70000\": out of range 1..65535\n"
        "t.ini:7: [store_x] timeout_ms = \"0\": must be at least 1", NULL);
}

static void
test_plugin_unknown_key_suggests_the_closest(void)
{
    expect_plugin("[store_x]\nname = main\nhots = h\nkye.a = 1\nzzz = 1\n",
        "t.ini:6: [store_x] unknown key \"hots\" (did you mean \"host\"?)\n"
        "t.ini:7: [store_x] unknown key \"kye.a\" (did you mean "
        "\"key.a\"?)\n"
        "t.ini:8: [store_x] unknown key \"zzz\"", NULL);
}

static void
test_plugin_required_key_missing_shows_an_example(void)
{
    expect_plugin("",
        "t.ini: [store_x] name: missing (required; e.g. name = main)", NULL);
}

static void
test_plugin_secret_value_is_hidden(void)
{
    expect_plugin("[store_x]\nname = main\npin = 12x4\n",
        "t.ini:6: [store_x] pin = (hidden): not a whole number", NULL);
}

static void
test_plugin_enum_error_lists_the_choices(void)
{
    expect_plugin("[store_x]\nname = main\nmode = slow\nkey. = 1\n",
        "t.ini:6: [store_x] mode = \"slow\": not one of fast, Safe\n"
        "t.ini:7: [store_x] key.: missing the name after \"key.\"", NULL);
}

static void
test_plugin_deprecated_key_warns(void)
{
    struct store_x_config c;

    expect_plugin("[store_x]\nname = main\nlegacy = yes\n",
        "warning: t.ini:6: [store_x] legacy: deprecated; use mode = fast "
        "instead", &c);
    CU_ASSERT_EQUAL(1, c.legacy);
}

static void
test_plugin_path_must_be_an_existing_regular_file(void)
{
    expect_plugin("[store_x]\nname = main\npassword_file = /nonexistent\n",
        "t.ini:6: [store_x] password_file = \"/nonexistent\": no such file",
        NULL);
    expect_plugin("[store_x]\nname = main\npassword_file = /\n",
        "t.ini:6: [store_x] password_file = \"/\": a directory, not a "
        "regular file", NULL);
    expect_plugin("[store_x]\nname = main\npassword_file = etc/passwd\n",
        "t.ini:6: [store_x] password_file = \"etc/passwd\": not an absolute "
        "path", NULL);
    expect_plugin("[store_x]\nname = main\npassword_file =\n", "", NULL);
}

static void
test_plugin_private_path_refuses_a_readable_file(void)
{
    char path[512], text[1024], expected[2048];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/password", cu_scratch_dir());
    fp = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    fputs("hunter2\n", fp);
    fclose(fp);
    CU_ASSERT_EQUAL_FATAL(0, chmod(path, 0644));
    snprintf(text, sizeof(text), "[store_x]\nname = main\n"
             "password_file = %s\n", path);
    snprintf(expected, sizeof(expected), "t.ini:6: [store_x] password_file: "
             "%s is readable by group or others (mode 0644); run chmod 600 "
             "%s", path, path);
    expect_plugin(text, expected, NULL);
    CU_ASSERT_EQUAL_FATAL(0, chmod(path, 0600));
    expect_plugin(text, "", NULL);
    unlink(path);
    rmdir(cu_scratch_dir());
}

static void
test_unknown_and_ignorable_sections(void)
{
    expect_messages(BASE "[store_redis]\nhost = x\n[frob]\na = 1\n"
                    "[endpoint]\n",
        "t.ini:6: unknown section [frob]\n"
        "t.ini:8: unknown section [endpoint] (did you mean [endpoints]?)\n"
        "warning: t.ini:4: section [store_redis] is not used "
        "(session_store = local)");
}

static const CU_TestInfo reading_tests[] = {
    { "a minimal file gets the documented defaults",
      test_minimal_file_gets_documented_defaults },
    { "comments, CRLF and ':' are read as inih reads them",
      test_comments_crlf_and_colons_are_read_as_inih_does },
    { "a line of 198 bytes fits; 199 is too long, lines stay exact",
      test_line_of_198_bytes_fits_and_199_is_too_long },
    { "every syntax error is reported, not only the first",
      test_every_syntax_error_is_reported },
    { "a key before any section is an error",
      test_key_before_any_section_is_an_error },
    { "a missing file is reported with its path",
      test_missing_file_is_reported_with_its_path },
    { "an indented line continuing a plain key is an error",
      test_indented_line_continuing_a_plain_key_is_an_error },
    { "list keys continue on indented lines and append when repeated",
      test_list_keys_continue_and_repeat },
    { "config_key_line gives the last occurrence, 0 when absent",
      test_key_line_is_the_last_occurrence },
    { "errors sort stably by file, then line",
      test_errors_sort_stably_by_file_then_line },
    CU_TEST_INFO_NULL
};

static const CU_TestInfo table_tests[] = {
    { "the core tables pass their own check",
      test_core_tables_pass_their_own_check },
    { "a broken table is refused", test_broken_table_is_refused },
    { "values of every type are parsed",
      test_values_of_every_type_are_parsed },
    { "every boolean spelling is accepted in any case",
      test_every_boolean_spelling_is_accepted },
    { "numbers are parsed strictly", test_numbers_are_parsed_strictly },
    { "a duplicate key is an error naming both lines",
      test_duplicate_key_names_both_lines },
    { "the same map id twice in one section is a duplicate",
      test_duplicate_map_id_in_one_section_is_an_error },
    { "map entries keep file order and their lines",
      test_map_entries_keep_file_order_and_lines },
    { "errors of every stage come in file order",
      test_errors_of_all_stages_come_in_file_order },
    CU_TEST_INFO_NULL
};

static const CU_TestInfo profile_tests[] = {
    { "a profile inherits the base and overrides its own keys",
      test_profile_inherits_and_overrides },
    { "a profile rejects base-only and unknown keys",
      test_profile_rejects_base_only_and_unknown_keys },
    CU_TEST_INFO_NULL
};

static const CU_TestInfo plugin_tests[] = {
    { "a plugin section gets defaults and values",
      test_plugin_gets_defaults_and_values },
    { "an out-of-range port names the range",
      test_plugin_port_out_of_range_names_the_range },
    { "an unknown key suggests the closest name",
      test_plugin_unknown_key_suggests_the_closest },
    { "a missing required key shows its example",
      test_plugin_required_key_missing_shows_an_example },
    { "a SECRET value is never echoed",
      test_plugin_secret_value_is_hidden },
    { "an ENUM error lists the choices",
      test_plugin_enum_error_lists_the_choices },
    { "a DEPRECATED key is accepted with a warning",
      test_plugin_deprecated_key_warns },
    { "a PATH must name an existing regular file",
      test_plugin_path_must_be_an_existing_regular_file },
    { "a PRIVATE path refuses a group/other-readable file",
      test_plugin_private_path_refuses_a_readable_file },
    { "unknown sections are errors, ignorable ones warnings",
      test_unknown_and_ignorable_sections },
    CU_TEST_INFO_NULL
};

int
main(void)
{
    static const struct cu_suite suites[] = {
        { "config reading", NULL, NULL, reading_tests },
        { "config tables", NULL, NULL, table_tests },
        { "config profiles", NULL, NULL, profile_tests },
        { "config plugin sections", NULL, NULL, plugin_tests },
        { NULL, NULL, NULL, NULL }
    };

    return cu_main(suites);
}
