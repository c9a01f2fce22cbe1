/*
 * test_cred_htpasswd.c - the cred_htpasswd plugin, through its descriptor.
 *
 * The test dlopens the built plugin (plugins/cred_htpasswd/.libs/) and
 * uses only charon_plugin; it links no core code.  htpasswd files are
 * written at test time into cu_scratch_dir(), with hashes made here by
 * libxcrypt (low costs, for speed).
 *
 * Timing equalisation is checked structurally, not by the clock: this
 * program defines crypt_rn() (exported with --export-dynamic-symbol), so
 * the plugin's calls land here first; the hook counts them, remembers the
 * setting and forwards to libxcrypt.  Every check must make exactly one
 * call, and a failing one must run against a real hash of the file.
 */
#define _GNU_SOURCE
#include <crypt.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cu_main.h"

#include <charon/cred.h>

#include "cred_htpasswd_config.h"

/* ---- the crypt_rn() counting hook ------------------------------------ */

typedef char *(*crypt_rn_fn)(const char *, const char *, void *, int);

static unsigned long hook_calls;             /* atomic */
static char hook_setting[CRYPT_OUTPUT_SIZE];  /* last one; one thread only */

char *
crypt_rn(const char *phrase, const char *setting, void *data, int size)
{
    crypt_rn_fn real;
    void *sym;

    __atomic_fetch_add(&hook_calls, 1, __ATOMIC_RELAXED);
    snprintf(hook_setting, sizeof(hook_setting), "%s", setting);
    sym = dlsym(RTLD_NEXT, "crypt_rn");
    if (sym == NULL)
        abort();
    memcpy(&real, &sym, sizeof(real));
    return real(phrase, setting, data, size);
}

static unsigned long
hook_count(void)
{
    return __atomic_load_n(&hook_calls, __ATOMIC_RELAXED);
}

/* ---- fixture: plugin, host, log ---------------------------------------- */

#define LOG_MAX 64
#define LOG_END ((const char *)NULL)   /* ends log_find() needles */

static void *plugin_dl;
static const struct charon_cred_plugin *plugin;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_lines[LOG_MAX][512];
static int log_count;

static void test_log(const struct charon_host *host,
                     enum charon_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
test_log(const struct charon_host *host, enum charon_log_level level,
         const char *fmt, ...)
{
    va_list ap;

    (void)host;
    (void)level;
    pthread_mutex_lock(&log_lock);
    if (log_count < LOG_MAX) {
        va_start(ap, fmt);
        vsnprintf(log_lines[log_count++], sizeof(log_lines[0]), fmt, ap);
        va_end(ap);
    }
    pthread_mutex_unlock(&log_lock);
}

static void
log_reset(void)
{
    pthread_mutex_lock(&log_lock);
    log_count = 0;
    pthread_mutex_unlock(&log_lock);
}

/* The log line holding every needle (NULL-terminated list), or NULL. */
static const char *
log_find(const char *first, ...)
{
    const char *needle;
    va_list ap;
    int i, hit;

    for (i = 0; i < log_count; i++) {
        hit = 1;
        va_start(ap, first);
        for (needle = first; needle != NULL; needle = va_arg(ap, const char *))
            if (strstr(log_lines[i], needle) == NULL)
                hit = 0;
        va_end(ap);
        if (hit)
            return log_lines[i];
    }
    return NULL;
}

/* True when some log line contains s. */
static int
log_mentions(const char *s)
{
    return log_find(s, LOG_END) != NULL;
}

static const struct charon_host test_host = {
    .abi_version = CHARON_ABI_VERSION,
    .core = NULL,
    .log = test_log,
    .derive_key = NULL,
    .now = NULL,
};

static int
suite_init(void)
{
    char path[4096];

    snprintf(path, sizeof(path),
             "%s/plugins/cred_htpasswd/.libs/cred_htpasswd.so", cu_builddir());
    plugin_dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (plugin_dl == NULL) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return -1;
    }
    plugin = dlsym(plugin_dl, CHARON_PLUGIN_SYMBOL);
    return plugin == NULL ? -1 : 0;
}

static int
suite_cleanup(void)
{
    if (plugin_dl != NULL)
        dlclose(plugin_dl);
    plugin_dl = NULL;
    plugin = NULL;
    return 0;
}

/* ---- helpers ----------------------------------------------------------- */

/* A scratch path for name; static storage, four in rotation. */
static const char *
scratch(const char *name)
{
    static char path[4][4096];
    static int i;
    char *p = path[i++ % 4];

    snprintf(p, 4096, "%s/%s", cu_scratch_dir(), name);
    return p;
}

/* Hashes pw with a fresh setting for prefix/count into out. */
static void
make_hash(const char *prefix, unsigned long count, const char *pw,
          char *out, size_t outlen)
{
    struct crypt_data *cd = calloc(1, sizeof(*cd));
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    const char *h = NULL;

    if (cd != NULL &&
        crypt_gensalt_rn(prefix, count, NULL, 0, setting,
                         (int)sizeof(setting)) != NULL)
        h = crypt_rn(pw, setting, cd, (int)sizeof(*cd));
    if (h == NULL) {
        fprintf(stderr, "cannot hash with %s\n", prefix);
        abort();
    }
    snprintf(out, outlen, "%s", h);
    free(cd);
}

/* Writes text to path in place (same inode), then sets its mtime to
 * now + bump seconds so that a rewrite within one tick is still seen. */
static void
write_file(const char *path, const char *text, int bump)
{
    struct timespec ts[2];
    FILE *fp = fopen(path, "w");

    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    CU_ASSERT_EQUAL(strlen(text), fwrite(text, 1, strlen(text), fp));
    CU_ASSERT_EQUAL(0, fclose(fp));
    clock_gettime(CLOCK_REALTIME, &ts[0]);
    ts[0].tv_sec += bump;
    ts[1] = ts[0];
    CU_ASSERT_EQUAL(0, utimensat(AT_FDCWD, path, ts, 0));
}

/* Writes text to a temporary file and renames it over path (new inode),
 * as htpasswd(1) and editors do. */
static void
replace_file(const char *path, const char *text)
{
    char tmp[4200];

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    write_file(tmp, text, 0);
    CU_ASSERT_EQUAL(0, rename(tmp, path));
}

struct fixture {
    struct cred_htpasswd_config cfg;
    void *inst;
    void *ts;
};

/* create() + thread_init() on file; CUnit-fatal on failure. */
static void
fixture_open(struct fixture *f, const char *file)
{
    struct charon_err err;

    memset(f, 0, sizeof(*f));
    f->cfg.file = file;
    charon_err_clear(&err);
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, plugin->hdr.create(&test_host, &f->cfg,
                                                        &f->inst, &err));
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, plugin->hdr.thread_init(f->inst, &f->ts,
                                                             &err));
}

static void
fixture_close(struct fixture *f)
{
    if (f->ts != NULL)
        plugin->hdr.thread_fini(f->inst, f->ts);
    plugin->hdr.destroy(f->inst);
    memset(f, 0, sizeof(*f));
}

/* One check; returns its code and, on success, compares the user id. */
static int
check(struct fixture *f, const char *user, const char *pw,
      struct charon_err *err)
{
    struct charon_buf id = CHARON_BUF_INIT;
    int rc;

    charon_err_clear(err);
    rc = plugin->check(f->inst, f->ts, user, pw, &id, err);
    if (rc == CHARON_OK) {
        CU_ASSERT_PTR_NOT_NULL(id.data);
        if (id.data != NULL)
            CU_ASSERT_STRING_EQUAL((const char *)id.data, user);
    } else {
        CU_ASSERT_EQUAL(0u, id.len);
        CU_ASSERT_EQUAL(rc, err->code);
    }
    charon_buf_free(&id);
    return rc;
}

/* ---- tests ------------------------------------------------------------- */

static void
test_descriptor_is_a_cred_plugin_with_a_required_file_option(void)
{
    const struct charon_option *o = plugin->hdr.options;

    CU_ASSERT_EQUAL(CHARON_ABI_VERSION, plugin->hdr.abi_version);
    CU_ASSERT_EQUAL(CHARON_PLUGIN_CRED, plugin->hdr.kind);
    CU_ASSERT_STRING_EQUAL("cred_htpasswd", plugin->hdr.name);
    CU_ASSERT_EQUAL(sizeof(struct cred_htpasswd_config),
                    plugin->hdr.config_size);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_STRING_EQUAL("file", o[0].name);
    CU_ASSERT_EQUAL(CHARON_OPT_PATH, o[0].type);
    CU_ASSERT(o[0].flags & CHARON_OPT_REQUIRED);
    CU_ASSERT_EQUAL(offsetof(struct cred_htpasswd_config, file), o[0].offset);
    CU_ASSERT_PTR_NULL(o[1].name);
    CU_ASSERT_PTR_NOT_NULL(plugin->hdr.thread_init);
    CU_ASSERT_PTR_NOT_NULL(plugin->check);
}

static const struct {
    const char *user;
    const char *prefix;
    unsigned long count;
} schemes[] = {
    { "bcrypt-2y", "$2y$", 5 },
    { "bcrypt-2b", "$2b$", 5 },
    { "bcrypt-2a", "$2a$", 5 },
    { "sha256",    "$5$",  1000 },
    { "sha512",    "$6$",  1000 },
    { "yescrypt",  "$y$",  1 },
    { "gost-yescrypt", "$gy$", 1 },
    { "scrypt",    "$7$",  6 },
};
#define NSCHEMES (sizeof(schemes) / sizeof(schemes[0]))

static void
test_each_scheme_checks_right_and_wrong_passwords(void)
{
    static char text[8192];
    char hash[CRYPT_OUTPUT_SIZE], pw[64];
    const char *file = scratch("schemes");
    struct charon_err err;
    struct fixture f;
    size_t i, n = 0;

    for (i = 0; i < NSCHEMES; i++) {
        snprintf(pw, sizeof(pw), "pw of %s", schemes[i].user);
        make_hash(schemes[i].prefix, schemes[i].count, pw, hash,
                  sizeof(hash));
        n += (size_t)snprintf(text + n, sizeof(text) - n, "%s:%s\n",
                              schemes[i].user, hash);
    }
    write_file(file, text, 0);
    log_reset();
    fixture_open(&f, file);
    /* The only log line: eight schemes are eight different costs. */
    CU_ASSERT_EQUAL(1, log_count);
    CU_ASSERT_PTR_NOT_NULL(log_find("8 different costs", LOG_END));
    for (i = 0; i < NSCHEMES; i++) {
        snprintf(pw, sizeof(pw), "pw of %s", schemes[i].user);
        CU_ASSERT_EQUAL(CHARON_OK, check(&f, schemes[i].user, pw, &err));
        CU_ASSERT_EQUAL(CHARON_ENOTFOUND,
                        check(&f, schemes[i].user, "wrong", &err));
        CU_ASSERT_STRING_EQUAL("unknown user or wrong password", err.msg);
        /* A password that is a prefix of the right one is wrong too. */
        pw[strlen(pw) - 1] = '\0';
        CU_ASSERT_EQUAL(CHARON_ENOTFOUND,
                        check(&f, schemes[i].user, pw, &err));
    }
    fixture_close(&f);
}

/* A small file with one $2y$ user "alice" (password "alice-pw"). */
static const char *
alice_line(void)
{
    static char line[CRYPT_OUTPUT_SIZE + 16];

    if (line[0] == '\0') {
        char hash[CRYPT_OUTPUT_SIZE];

        make_hash("$2y$", 5, "alice-pw", hash, sizeof(hash));
        snprintf(line, sizeof(line), "alice:%s\n", hash);
    }
    return line;
}

static void
test_unknown_user_is_enotfound_with_the_wrong_password_message(void)
{
    const char *file = scratch("unknown");
    struct charon_err err;
    char wrong_msg[CHARON_ERR_MSG_MAX];
    struct fixture f;

    write_file(file, alice_line(), 0);
    fixture_open(&f, file);
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, check(&f, "alice", "nope", &err));
    snprintf(wrong_msg, sizeof(wrong_msg), "%s", err.msg);
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, check(&f, "bob", "alice-pw", &err));
    CU_ASSERT_STRING_EQUAL(wrong_msg, err.msg);
    /* Case-sensitive. */
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, check(&f, "Alice", "alice-pw", &err));
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, check(&f, "alice ", "alice-pw", &err));
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, check(&f, "", "alice-pw", &err));
    CU_ASSERT_EQUAL(CHARON_OK, check(&f, "alice", "alice-pw", &err));
    fixture_close(&f);
}

static void
test_user_id_is_the_user_name(void)
{
    static const char user[] = "J\xc3\xb6rg Smith@example.test";
    char hash[CRYPT_OUTPUT_SIZE], text[1024];
    const char *file = scratch("userid");
    struct charon_buf id = CHARON_BUF_INIT;
    struct charon_err err;
    struct fixture f;

    make_hash("$5$", 1000, "s3cret", hash, sizeof(hash));
    /* A third field is ignored (hashes never hold ':'). */
    snprintf(text, sizeof(text), "%s:%s:office 12\n", user, hash);
    write_file(file, text, 0);
    fixture_open(&f, file);
    /* The id is appended to what the buffer already holds. */
    CU_ASSERT_EQUAL(CHARON_OK, charon_buf_puts(&id, "uid="));
    CU_ASSERT_EQUAL(CHARON_OK, plugin->check(f.inst, f.ts, user, "s3cret",
                                             &id, &err));
    CU_ASSERT_STRING_EQUAL("uid=J\xc3\xb6rg Smith@example.test",
                           (const char *)id.data);
    charon_buf_free(&id);
    fixture_close(&f);
}

static void
test_weak_entries_are_refused_and_logged_without_the_hash(void)
{
    static const char *const weak[][3] = {   /* user, hash, password */
        { "plain", "secret", "secret" },
        { "des", "abJnggxhB/yWI", "secret" },
        { "md5", "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/", "secret" },
        { "apr1", "$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/", "secret" },
        { "sha1", "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=", "secret" },
        { "empty", "", "" },
        { "unknown-scheme", "$9$abc$def", "secret" },
    };
    static char text[4096];
    char line_tag[32];
    const char *file = scratch("weak");
    struct charon_err err;
    struct fixture f;
    size_t i, n;
    unsigned long before;

    /* Line 1 is alice; weak entries follow on lines 2.. */
    n = (size_t)snprintf(text, sizeof(text), "%s", alice_line());
    for (i = 0; i < sizeof(weak) / sizeof(weak[0]); i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "%s:%s\n",
                              weak[i][0], weak[i][1]);
    write_file(file, text, 0);
    log_reset();
    fixture_open(&f, file);
    CU_ASSERT_EQUAL((int)(sizeof(weak) / sizeof(weak[0])), log_count);
    for (i = 0; i < sizeof(weak) / sizeof(weak[0]); i++) {
        char user_tag[64];

        snprintf(line_tag, sizeof(line_tag), ":%zu: ", i + 2);
        snprintf(user_tag, sizeof(user_tag), "\"%s\"", weak[i][0]);
        CU_ASSERT_PTR_NOT_NULL(log_find(file, line_tag, user_tag,
                                        "the user cannot log in",
                                        LOG_END));
        if (weak[i][1][0] != '\0')
            CU_ASSERT_FALSE(log_mentions(weak[i][1]));
        before = hook_count();
        CU_ASSERT_EQUAL(CHARON_ENOTFOUND,
                        check(&f, weak[i][0], weak[i][2], &err));
        /* Refused users cost one crypt_rn() against a real hash. */
        CU_ASSERT_EQUAL(before + 1, hook_count());
        CU_ASSERT_EQUAL(0, strncmp(hook_setting, "$2y$05$", 7));
    }
    CU_ASSERT_FALSE(log_mentions("secret"));
    CU_ASSERT_PTR_NOT_NULL(log_find("MD5-crypt", LOG_END));
    CU_ASSERT_PTR_NOT_NULL(log_find("$apr1$", LOG_END));
    CU_ASSERT_PTR_NOT_NULL(log_find("{SHA}", LOG_END));
    CU_ASSERT_PTR_NOT_NULL(log_find("plain-text", LOG_END));
    /* Logged once per load: checks do not log again. */
    CU_ASSERT_EQUAL((int)(sizeof(weak) / sizeof(weak[0])), log_count);
    CU_ASSERT_EQUAL(CHARON_OK, check(&f, "alice", "alice-pw", &err));
    fixture_close(&f);
}

static void
test_comments_and_blank_lines_are_ignored(void)
{
    static char text[2048];
    const char *file = scratch("comments");
    struct charon_err err;
    struct fixture f;

    snprintf(text, sizeof(text),
             "# users of example.test\n"
             "\n"
             "   \n"
             "#%s"
             "\r\n"
             "%s",
             alice_line(), alice_line());
    write_file(file, text, 0);
    log_reset();
    fixture_open(&f, file);
    CU_ASSERT_EQUAL(0, log_count);
    CU_ASSERT_EQUAL(CHARON_OK, check(&f, "alice", "alice-pw", &err));
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, check(&f, "#alice", "alice-pw", &err));
    fixture_close(&f);
}

static void
test_malformed_lines_are_skipped_with_a_warning(void)
{
    static char text[2048];
    const char *file = scratch("malformed");
    struct charon_err err;
    struct fixture f;

    snprintf(text, sizeof(text),
             "no colon on this line\n"          /* 1 */
             ":$2y$05$nouser\n"                 /* 2 */
             "bad\x01user:x\n"                  /* 3 */
             "%s"                               /* 4 */
             "last line without newline:",      /* 5: empty hash */
             alice_line());
    write_file(file, text, 0);
    log_reset();
    fixture_open(&f, file);
    CU_ASSERT_EQUAL(4, log_count);
    CU_ASSERT_PTR_NOT_NULL(log_find(":1: ", "line skipped", LOG_END));
    CU_ASSERT_PTR_NOT_NULL(log_find(":2: ", "line skipped", LOG_END));
    CU_ASSERT_PTR_NOT_NULL(log_find(":3: ", "line skipped", LOG_END));
    CU_ASSERT_PTR_NOT_NULL(log_find(":5: ", "empty hash", LOG_END));
    CU_ASSERT_FALSE(log_mentions("$2y$05$nouser"));
    CU_ASSERT_FALSE(log_mentions("bad\x01"));
    CU_ASSERT_EQUAL(CHARON_OK, check(&f, "alice", "alice-pw", &err));
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, check(&f, "", "x", &err));
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND,
                    check(&f, "last line without newline", "", &err));
    fixture_close(&f);
}

/* Documented choice: the earliest line wins (as Apache's mod_authn_file,
 * which stops at the first match); later lines are logged and ignored. */
static void
test_duplicate_user_first_line_wins(void)
{
    char h1[CRYPT_OUTPUT_SIZE], h2[CRYPT_OUTPUT_SIZE], text[2048];
    const char *file = scratch("duplicate");
    struct charon_err err;
    struct fixture f;

    make_hash("$5$", 1000, "first", h1, sizeof(h1));
    make_hash("$5$", 1000, "second", h2, sizeof(h2));
    snprintf(text, sizeof(text), "zed:%s\ndup:%s\ndup:%s\n", h1, h1, h2);
    write_file(file, text, 0);
    log_reset();
    fixture_open(&f, file);
    CU_ASSERT_PTR_NOT_NULL(log_find(":3: ", "\"dup\"", "line 2",
                                    LOG_END));
    CU_ASSERT_EQUAL(1, log_count);
    CU_ASSERT_EQUAL(CHARON_OK, check(&f, "dup", "first", &err));
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, check(&f, "dup", "second", &err));
    CU_ASSERT_EQUAL(CHARON_OK, check(&f, "zed", "first", &err));
    fixture_close(&f);

    /* A refused first entry shadows a usable later one. */
    snprintf(text, sizeof(text), "dup:plain\ndup:%s\n", h2);
    write_file(file, text, 1);
    fixture_open(&f, file);
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, check(&f, "dup", "second", &err));
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, check(&f, "dup", "plain", &err));
    fixture_close(&f);
}

static void
test_file_is_reread_after_it_changes(void)
{
    char h_old[CRYPT_OUTPUT_SIZE], h_new[CRYPT_OUTPUT_SIZE], text[1024];
    const char *file = scratch("reload");
    struct charon_err err;
    struct fixture f;

    make_hash("$5$", 1000, "old-password", h_old, sizeof(h_old));
    make_hash("$5$", 1000, "new-password", h_new, sizeof(h_new));
    snprintf(text, sizeof(text), "carol:%s\n", h_old);
    write_file(file, text, 0);
    fixture_open(&f, file);
    CU_ASSERT_EQUAL(CHARON_OK, check(&f, "carol", "old-password", &err));
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND,
                    check(&f, "carol", "new-password", &err));

    /* In place: same inode, same size; only the mtime tells. */
    snprintf(text, sizeof(text), "carol:%s\n", h_new);
    write_file(file, text, 5);
    CU_ASSERT_EQUAL(CHARON_OK, check(&f, "carol", "new-password", &err));
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND,
                    check(&f, "carol", "old-password", &err));

    /* Renamed over: a new inode, and a new user. */
    snprintf(text, sizeof(text), "carol:%s\ndave:%s\n", h_old, h_new);
    replace_file(file, text);
    CU_ASSERT_EQUAL(CHARON_OK, check(&f, "carol", "old-password", &err));
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND,
                    check(&f, "carol", "new-password", &err));
    CU_ASSERT_EQUAL(CHARON_OK, check(&f, "dave", "new-password", &err));
    fixture_close(&f);
}

static void
test_deleted_file_is_eunavail_until_restored(void)
{
    const char *file = scratch("deleted");
    struct charon_err err;
    struct fixture f;

    write_file(file, alice_line(), 0);
    fixture_open(&f, file);
    CU_ASSERT_EQUAL(CHARON_OK, check(&f, "alice", "alice-pw", &err));
    CU_ASSERT_EQUAL(0, unlink(file));
    CU_ASSERT_EQUAL(CHARON_EUNAVAIL, check(&f, "alice", "alice-pw", &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, file));
    CU_ASSERT_EQUAL(CHARON_EUNAVAIL, check(&f, "nobody", "x", &err));
    CU_ASSERT_PTR_NULL(strstr(err.msg, "alice-pw"));

    /* Unreadable (a directory in its place): still no login. */
    CU_ASSERT_EQUAL(0, mkdir(file, 0700));
    CU_ASSERT_EQUAL(CHARON_EUNAVAIL, check(&f, "alice", "alice-pw", &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, file));
    CU_ASSERT_EQUAL(0, rmdir(file));

    write_file(file, alice_line(), 0);
    CU_ASSERT_EQUAL(CHARON_OK, check(&f, "alice", "alice-pw", &err));
    fixture_close(&f);
}

/* A file that someone else may write, or that becomes a link, is refused
 * on the next check (fail closed), not only at start. */
static void
test_a_file_turned_unsafe_is_eunavail_until_fixed(void)
{
    const char *file = scratch("unsafe");
    char target[4200];
    struct charon_err err;
    struct fixture f;

    write_file(file, alice_line(), 0);
    CU_ASSERT_EQUAL_FATAL(0, chmod(file, 0644));
    fixture_open(&f, file);
    CU_ASSERT_EQUAL(CHARON_OK, check(&f, "alice", "alice-pw", &err));

    CU_ASSERT_EQUAL(0, chmod(file, 0666));
    write_file(file, alice_line(), 1);
    CU_ASSERT_EQUAL(CHARON_EUNAVAIL, check(&f, "alice", "alice-pw", &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "writable by group or others"));

    CU_ASSERT_EQUAL(0, chmod(file, 0644));
    CU_ASSERT_EQUAL(0, chown(file, 12345, 12345));
    write_file(file, alice_line(), 2);
    CU_ASSERT_EQUAL(CHARON_EUNAVAIL, check(&f, "alice", "alice-pw", &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "belongs to uid 12345"));

    /* A link to a good file in its place. */
    snprintf(target, sizeof(target), "%s.real", file);
    write_file(target, alice_line(), 0);
    CU_ASSERT_EQUAL(0, chmod(target, 0644));
    CU_ASSERT_EQUAL(0, unlink(file));
    CU_ASSERT_EQUAL(0, symlink(target, file));
    CU_ASSERT_EQUAL(CHARON_EUNAVAIL, check(&f, "alice", "alice-pw", &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "symbolic link"));

    CU_ASSERT_EQUAL(0, rename(target, file));
    CU_ASSERT_EQUAL(CHARON_OK, check(&f, "alice", "alice-pw", &err));
    fixture_close(&f);
}

static void
test_oversized_file_is_eunavail_and_not_read(void)
{
    const char *file = scratch("huge");
    struct charon_err err;
    struct fixture f;
    void *ts = NULL;
    int fd;

    write_file(file, alice_line(), 0);
    fixture_open(&f, file);
    CU_ASSERT_EQUAL(CHARON_OK, check(&f, "alice", "alice-pw", &err));
    fd = open(file, O_WRONLY);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(0, ftruncate(fd, 10L * 1024 * 1024 + 1));
    close(fd);
    CU_ASSERT_EQUAL(CHARON_EUNAVAIL, check(&f, "alice", "alice-pw", &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, file));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "larger than"));
    /* A new worker thread refuses to start on it. */
    CU_ASSERT_EQUAL(CHARON_EUNAVAIL, plugin->hdr.thread_init(f.inst, &ts,
                                                             &err));
    CU_ASSERT_PTR_NULL(ts);
    fixture_close(&f);
}

static void
test_refused_user_names_and_long_passwords_are_enotfound(void)
{
    char long_user[301], long_pw[5001], mid_pw[601], text[1024];
    const char *file = scratch("refused-input");
    static const char *const bad_users[] = {
        "ali:ce", "alice\n", "al\x01ice", "al\x7fice", "alice\t",
    };
    struct charon_err err;
    struct fixture f;
    unsigned long before;
    size_t i;

    memset(long_user, 'a', sizeof(long_user) - 1);
    long_user[sizeof(long_user) - 1] = '\0';
    memset(long_pw, 'p', sizeof(long_pw) - 1);
    long_pw[sizeof(long_pw) - 1] = '\0';
    memset(mid_pw, 'p', sizeof(mid_pw) - 1);
    mid_pw[sizeof(mid_pw) - 1] = '\0';
    snprintf(text, sizeof(text), "%s%.255s:%s", alice_line(), long_user,
             strchr(alice_line(), ':') + 1);
    write_file(file, text, 0);
    fixture_open(&f, file);
    /* A 255-byte name is fine. */
    long_user[255] = '\0';
    CU_ASSERT_EQUAL(CHARON_OK, check(&f, long_user, "alice-pw", &err));
    long_user[255] = 'a';
    for (i = 0; i < sizeof(bad_users) / sizeof(bad_users[0]); i++) {
        before = hook_count();
        CU_ASSERT_EQUAL(CHARON_ENOTFOUND,
                        check(&f, bad_users[i], "alice-pw", &err));
        CU_ASSERT_EQUAL(before + 1, hook_count());
        CU_ASSERT_STRING_EQUAL("unknown user or wrong password", err.msg);
    }
    before = hook_count();
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, check(&f, long_user, "alice-pw", &err));
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, check(&f, "alice", long_pw, &err));
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, check(&f, "alice", mid_pw, &err));
    CU_ASSERT_EQUAL(before + 3, hook_count());
    CU_ASSERT_EQUAL(0, strncmp(hook_setting, "$2y$05$", 7));
    CU_ASSERT_EQUAL(CHARON_OK, check(&f, "alice", "alice-pw", &err));
    fixture_close(&f);
}

static void
test_every_outcome_costs_one_crypt_call_on_a_real_hash(void)
{
    char hash[CRYPT_OUTPUT_SIZE], text[1024];
    const char *file = scratch("cost");
    struct charon_err err;
    struct fixture f;
    unsigned long before;

    make_hash("$y$", 1, "erin-pw", hash, sizeof(hash));
    snprintf(text, sizeof(text), "erin:%s\n%s", hash, alice_line());
    write_file(file, text, 0);
    fixture_open(&f, file);

    before = hook_count();
    CU_ASSERT_EQUAL(CHARON_OK, check(&f, "erin", "erin-pw", &err));
    CU_ASSERT_EQUAL(before + 1, hook_count());
    CU_ASSERT_STRING_EQUAL(hash, hook_setting);

    before = hook_count();
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, check(&f, "erin", "wrong", &err));
    CU_ASSERT_EQUAL(before + 1, hook_count());

    /* Unknown user: one call on a real hash of the file (the costliest:
     * test_unknown_users_are_checked_against_the_costliest_hash). */
    before = hook_count();
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, check(&f, "nobody", "erin-pw", &err));
    CU_ASSERT_EQUAL(before + 1, hook_count());
    CU_ASSERT(strcmp(hash, hook_setting) == 0 ||
              strstr(alice_line(), hook_setting) != NULL);
    fixture_close(&f);

    /* No usable hash at all: a constant bcrypt hash stands in. */
    write_file(file, "plain:secret\n", 1);
    fixture_open(&f, file);
    before = hook_count();
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, check(&f, "nobody", "x", &err));
    CU_ASSERT_EQUAL(before + 1, hook_count());
    CU_ASSERT_EQUAL(0, strncmp(hook_setting, "$2b$10$", 7));
    fixture_close(&f);
}

/* bcrypt reads 72 bytes: a longer password that starts with the real 72
 * must not pass; sha-crypt has no such limit. */
static void
test_bcrypt_refuses_passwords_over_72_bytes(void)
{
    char b72[CRYPT_OUTPUT_SIZE], b100[CRYPT_OUTPUT_SIZE];
    char s100[CRYPT_OUTPUT_SIZE], text[4 * CRYPT_OUTPUT_SIZE];
    char pw72[80], pw100[110];
    const char *file = scratch("long-pw");
    struct charon_err err;
    struct fixture f;

    memset(pw72, 'a', 72);
    pw72[72] = '\0';
    memset(pw100, 'a', 100);
    pw100[100] = '\0';
    make_hash("$2b$", 4, pw72, b72, sizeof(b72));
    make_hash("$2b$", 4, pw100, b100, sizeof(b100));
    make_hash("$6$", 1000, pw100, s100, sizeof(s100));
    snprintf(text, sizeof(text), "b72:%s\nb100:%s\ns100:%s\n", b72, b100,
             s100);
    write_file(file, text, 0);
    fixture_open(&f, file);
    CU_ASSERT_EQUAL(CHARON_OK, check(&f, "b72", pw72, &err));
    /* The first 72 bytes match; bcrypt alone would let these pass. */
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, check(&f, "b72", pw100, &err));
    CU_ASSERT_STRING_EQUAL("unknown user or wrong password", err.msg);
    /* A hash made from 100 bytes is that of its first 72: only those log
     * in (the tool that made it truncated silently). */
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, check(&f, "b100", pw100, &err));
    CU_ASSERT_EQUAL(CHARON_OK, check(&f, "b100", pw72, &err));
    /* sha-crypt reads the whole password. */
    CU_ASSERT_EQUAL(CHARON_OK, check(&f, "s100", pw100, &err));
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, check(&f, "s100", pw72, &err));
    fixture_close(&f);
}

/* ---- timing: unknown users cost what the slowest known user costs ---- */

/* Median wall time, in ms, of 5 checks of user with a wrong password. */
static double
median_check_ms(struct fixture *f, const char *user)
{
    struct charon_err err;
    struct timespec a, b;
    double ms[5], t;
    int i, j;

    for (i = 0; i < 5; i++) {
        clock_gettime(CLOCK_MONOTONIC, &a);
        CU_ASSERT_EQUAL(CHARON_ENOTFOUND, check(f, user, "wrong", &err));
        clock_gettime(CLOCK_MONOTONIC, &b);
        t = (double)(b.tv_sec - a.tv_sec) * 1e3 +
            (double)(b.tv_nsec - a.tv_nsec) / 1e6;
        for (j = i; j > 0 && ms[j - 1] > t; j--)
            ms[j] = ms[j - 1];
        ms[j] = t;
    }
    return ms[2];
}

/* A cheap bcrypt first, a dear one after: the file mixes costs. */
static const char *
mixed_costs_file(char *fast, char *slow, char *sha)
{
    const char *file = scratch("mixed");
    char text[1024];

    make_hash("$2b$", 4, "fast-pw", fast, CRYPT_OUTPUT_SIZE);
    make_hash("$2b$", 10, "slow-pw", slow, CRYPT_OUTPUT_SIZE);
    make_hash("$5$", 5000, "sha-pw", sha, CRYPT_OUTPUT_SIZE);
    snprintf(text, sizeof(text), "fast:%s\nslow:%s\nsha:%s\n", fast, slow,
             sha);
    write_file(file, text, 0);
    return file;
}

static void
test_unknown_users_are_checked_against_the_costliest_hash(void)
{
    char fast[CRYPT_OUTPUT_SIZE], slow[CRYPT_OUTPUT_SIZE];
    char sha[CRYPT_OUTPUT_SIZE];
    struct charon_err err;
    struct fixture f;

    log_reset();
    fixture_open(&f, mixed_costs_file(fast, slow, sha));
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND, check(&f, "nobody", "x", &err));
    CU_ASSERT_STRING_EQUAL(slow, hook_setting);
    /* Warned at load, naming the settings but no salt or hash. */
    CU_ASSERT_PTR_NOT_NULL(log_find("3 different costs", "$2b$04$",
                                    "$2b$10$", "$5", "costliest ($2b$10$)",
                                    LOG_END));
    CU_ASSERT_PTR_NULL(log_find(slow + 7, LOG_END));
    CU_ASSERT_PTR_NULL(log_find(fast + 7, LOG_END));
    fixture_close(&f);

    /* One cost: nothing to warn about. */
    log_reset();
    write_file(scratch("one-cost"), alice_line(), 0);
    fixture_open(&f, scratch("one-cost"));
    CU_ASSERT_PTR_NULL(log_find("different costs", LOG_END));
    fixture_close(&f);
}

/* Within one run, so a loaded machine slows every side alike; medians of
 * five, and a generous bound: an unknown user must take at least half
 * the time of the slowest known user (cost 10 against cost 4 is 64x). */
static void
test_an_unknown_user_takes_as_long_as_the_slowest_known_user(void)
{
    char fast[CRYPT_OUTPUT_SIZE], slow[CRYPT_OUTPUT_SIZE];
    char sha[CRYPT_OUTPUT_SIZE];
    double t_fast, t_slow, t_sha, t_unknown, t_max;
    struct fixture f;

    fixture_open(&f, mixed_costs_file(fast, slow, sha));
    t_fast = median_check_ms(&f, "fast");
    t_slow = median_check_ms(&f, "slow");
    t_sha = median_check_ms(&f, "sha");
    t_unknown = median_check_ms(&f, "nobody");
    t_max = t_fast > t_slow ? t_fast : t_slow;
    if (t_sha > t_max)
        t_max = t_sha;
    if (t_unknown < 0.5 * t_max)
        fprintf(stderr, "\n  median ms: fast %.2f, slow %.2f, sha %.2f, "
                "unknown %.2f\n", t_fast, t_slow, t_sha, t_unknown);
    CU_ASSERT(t_unknown >= 0.5 * t_max);
    fixture_close(&f);
}

/* ---- concurrency ------------------------------------------------------- */

#define NTHREADS 8
#define NCHECKS 50
#define NUSERS 4

struct worker {
    void *inst;
    int index;
    int failures;
};

static void *
worker_run(void *arg)
{
    struct worker *w = arg;
    struct charon_buf id = CHARON_BUF_INIT;
    struct charon_err err;
    char user[32], pw[32];
    void *ts = NULL;
    int i, rc, want;

    if (plugin->hdr.thread_init(w->inst, &ts, &err) != CHARON_OK) {
        w->failures = NCHECKS;
        return NULL;
    }
    for (i = 0; i < NCHECKS; i++) {
        int u = (w->index + i) % NUSERS;

        snprintf(user, sizeof(user), i % 5 == 4 ? "ghost%d" : "user%d", u);
        snprintf(pw, sizeof(pw), "pw%d%s", u, i % 3 == 2 ? "x" : "");
        want = (i % 5 == 4 || i % 3 == 2) ? CHARON_ENOTFOUND : CHARON_OK;
        charon_buf_reset(&id);
        rc = plugin->check(w->inst, ts, user, pw, &id, &err);
        if (rc != want ||
            (rc == CHARON_OK && strcmp((const char *)id.data, user) != 0))
            w->failures++;
    }
    charon_buf_free(&id);
    plugin->hdr.thread_fini(w->inst, ts);
    return NULL;
}

static void
test_threads_with_their_own_state_check_concurrently(void)
{
    char hash[CRYPT_OUTPUT_SIZE], pw[32];
    static char text[4096];
    const char *file = scratch("threads");
    struct worker w[NTHREADS];
    pthread_t tid[NTHREADS];
    struct cred_htpasswd_config cfg;
    struct charon_err err;
    void *inst = NULL;
    size_t n = 0;
    int i;

    for (i = 0; i < NUSERS; i++) {
        snprintf(pw, sizeof(pw), "pw%d", i);
        make_hash("$5$", 1000, pw, hash, sizeof(hash));
        n += (size_t)snprintf(text + n, sizeof(text) - n, "user%d:%s\n",
                              i, hash);
    }
    write_file(file, text, 0);
    cfg.file = file;
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, plugin->hdr.create(&test_host, &cfg,
                                                        &inst, &err));
    for (i = 0; i < NTHREADS; i++) {
        w[i].inst = inst;
        w[i].index = i;
        w[i].failures = 0;
        CU_ASSERT_EQUAL_FATAL(0, pthread_create(&tid[i], NULL, worker_run,
                                                &w[i]));
    }
    for (i = 0; i < NTHREADS; i++) {
        pthread_join(tid[i], NULL);
        CU_ASSERT_EQUAL(0, w[i].failures);
    }
    plugin->hdr.destroy(inst);
}

static void
test_create_refuses_a_missing_file_setting(void)
{
    struct cred_htpasswd_config cfg = { .file = NULL };
    struct charon_err err;
    void *inst = &err;

    CU_ASSERT_EQUAL(CHARON_ECONFIG, plugin->hdr.create(&test_host, &cfg,
                                                       &inst, &err));
    CU_ASSERT_PTR_EQUAL(&err, inst);     /* untouched on failure */
    plugin->hdr.destroy(NULL);
}

int
main(void)
{
    static const CU_TestInfo tests[] = {
        { "descriptor: a cred plugin with a required file option",
          test_descriptor_is_a_cred_plugin_with_a_required_file_option },
        { "create without a file is ECONFIG",
          test_create_refuses_a_missing_file_setting },
        { "each scheme accepts the right password, refuses a wrong one",
          test_each_scheme_checks_right_and_wrong_passwords },
        { "unknown user is ENOTFOUND, same message as a wrong password",
          test_unknown_user_is_enotfound_with_the_wrong_password_message },
        { "the user id is the user name",
          test_user_id_is_the_user_name },
        { "weak entries are refused and logged without the hash",
          test_weak_entries_are_refused_and_logged_without_the_hash },
        { "comments and blank lines are ignored",
          test_comments_and_blank_lines_are_ignored },
        { "malformed lines are skipped with a warning",
          test_malformed_lines_are_skipped_with_a_warning },
        { "a duplicate user: the first line wins",
          test_duplicate_user_first_line_wins },
        { "the file is re-read after it changes",
          test_file_is_reread_after_it_changes },
        { "a deleted file is EUNAVAIL until restored",
          test_deleted_file_is_eunavail_until_restored },
        { "a file turned writable, foreign or a link is EUNAVAIL until fixed",
          test_a_file_turned_unsafe_is_eunavail_until_fixed },
        { "a file over 10 MiB is EUNAVAIL",
          test_oversized_file_is_eunavail_and_not_read },
        { "refused user names and long passwords are ENOTFOUND",
          test_refused_user_names_and_long_passwords_are_enotfound },
        { "a bcrypt user refuses passwords over 72 bytes",
          test_bcrypt_refuses_passwords_over_72_bytes },
        { "unknown users are checked against the costliest hash, with a "
          "warning at load",
          test_unknown_users_are_checked_against_the_costliest_hash },
        { "an unknown user takes at least half the slowest known user's time",
          test_an_unknown_user_takes_as_long_as_the_slowest_known_user },
        { "every outcome costs one crypt_rn() on a real hash",
          test_every_outcome_costs_one_crypt_call_on_a_real_hash },
        { "8 threads x 50 checks, each with its own state",
          test_threads_with_their_own_state_check_concurrently },
        CU_TEST_INFO_NULL
    };
    static const struct cu_suite suites[] = {
        { "cred_htpasswd", suite_init, suite_cleanup, tests },
        { NULL, NULL, NULL, NULL }
    };

    return cu_main(suites);
}
