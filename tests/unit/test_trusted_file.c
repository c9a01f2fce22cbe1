/* test_trusted_file.c - the one reader of secrets and trusted files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cu_main.h"
#include "trusted_file.h"

/* A uid that owns nothing on the test machine. */
#define FOREIGN_UID 12345

static char path_buf[512];

static const char *
tf_path(const char *name)
{
    snprintf(path_buf, sizeof(path_buf), "%s/%s", cu_scratch_dir(), name);
    return path_buf;
}

/* Writes text to name with mode; returns its absolute path. */
static const char *
tf_file(const char *name, const char *text, mode_t mode)
{
    const char *p = tf_path(name);
    FILE *f;

    unlink(p);
    f = fopen(p, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
    CU_ASSERT_EQUAL_FATAL(0, chmod(p, mode));
    return p;
}

/* The error trusted_file_read gives for p read as kind, or "" on success. */
static const char *
tf_refusal(const char *p, enum trusted_file_kind kind, int *rc)
{
    static struct charon_err err;
    struct trusted_file f;

    memset(&err, 0, sizeof(err));
    *rc = trusted_file_read(p, kind, 4096, &f, &err);
    if (*rc == CHARON_OK) {
        trusted_file_free(&f);
        return "";
    }
    CU_ASSERT_PTR_NULL(f.data);
    return err.msg;
}

static void
expect_refused(const char *p, enum trusted_file_kind kind, const char *part)
{
    const char *msg;
    int rc;

    msg = tf_refusal(p, kind, &rc);
    CU_ASSERT_EQUAL(CHARON_ECONFIG, rc);
    if (strstr(msg, part) == NULL)
        fprintf(stderr, "\n  \"%s\" lacks \"%s\"\n", msg, part);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, part));
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, p));      /* names the file */
}

static void
expect_read(const char *p, enum trusted_file_kind kind, const char *text)
{
    struct charon_err err;
    struct trusted_file f;

    CU_ASSERT_EQUAL_FATAL(CHARON_OK, trusted_file_read(p, kind, 4096, &f,
                                                       &err));
    CU_ASSERT_EQUAL(strlen(text), f.len);
    CU_ASSERT_STRING_EQUAL(text, (const char *)f.data);
    CU_ASSERT_TRUE(S_ISREG(f.st.st_mode));
    trusted_file_free(&f);
    CU_ASSERT_PTR_NULL(f.data);
}

static const enum trusted_file_kind both_kinds[] = {
    TRUSTED_FILE_PUBLIC, TRUSTED_FILE_PRIVATE
};

static void
test_own_files_are_read(void)
{
    expect_read(tf_file("private", "secret bytes\n", 0600),
                TRUSTED_FILE_PRIVATE, "secret bytes\n");
    expect_read(tf_file("public", "user:$2b$...\n", 0644),
                TRUSTED_FILE_PUBLIC, "user:$2b$...\n");
    expect_read(tf_file("empty", "", 0400), TRUSTED_FILE_PRIVATE, "");
}

static void
test_world_writable_is_refused(void)
{
    size_t i;

    for (i = 0; i < 2; i++) {
        expect_refused(tf_file("w666", "x", 0666), both_kinds[i],
                       i == 0 ? "writable by group or others (mode 0666)"
                              : "readable by group or others (mode 0666)");
        expect_refused(tf_file("w620", "x", 0620), both_kinds[i],
                       i == 0 ? "writable by group or others (mode 0620)"
                              : "readable by group or others (mode 0620)");
    }
}

static void
test_private_files_grant_nothing_to_others(void)
{
    expect_refused(tf_file("r640", "x", 0640), TRUSTED_FILE_PRIVATE,
                   "readable by group or others (mode 0640); run chmod 600");
    expect_refused(tf_file("r604", "x", 0604), TRUSTED_FILE_PRIVATE,
                   "readable by group or others (mode 0604)");
    expect_read(tf_file("r644", "x", 0644), TRUSTED_FILE_PUBLIC, "x");
}

static void
test_a_foreign_owner_is_refused(void)
{
    const char *p;
    size_t i;

    for (i = 0; i < 2; i++) {
        p = tf_file("foreign", "x", 0600);
        CU_ASSERT_EQUAL_FATAL(0, chown(p, FOREIGN_UID, FOREIGN_UID));
        expect_refused(p, both_kinds[i], "belongs to uid 12345");
    }
    /* root may own what another uid reads. */
    p = tf_file("rootowned", "x", 0644);
    CU_ASSERT_EQUAL_FATAL(0, chown(p, 0, 0));
    if (geteuid() == 0)
        expect_read(p, TRUSTED_FILE_PUBLIC, "x");
}

static void
test_a_symlink_is_refused(void)
{
    const char *target = tf_file("target", "x", 0600);
    char tbuf[512];
    size_t i;

    snprintf(tbuf, sizeof(tbuf), "%s", target);
    unlink(tf_path("link"));
    CU_ASSERT_EQUAL_FATAL(0, symlink(tbuf, tf_path("link")));
    for (i = 0; i < 2; i++)
        expect_refused(tf_path("link"), both_kinds[i], "symbolic link");
}

static void
test_a_directory_is_refused(void)
{
    size_t i;

    rmdir(tf_path("dir"));
    CU_ASSERT_EQUAL_FATAL(0, mkdir(tf_path("dir"), 0700));
    for (i = 0; i < 2; i++)
        expect_refused(tf_path("dir"), both_kinds[i], "is a directory");
}

static void
test_a_fifo_is_refused_without_blocking(void)
{
    size_t i;

    unlink(tf_path("fifo"));
    CU_ASSERT_EQUAL_FATAL(0, mkfifo(tf_path("fifo"), 0600));
    for (i = 0; i < 2; i++)
        expect_refused(tf_path("fifo"), both_kinds[i],
                       "not a regular file");
}

static void
test_relative_paths_and_size(void)
{
    struct charon_err err;
    struct trusted_file f;
    char big[5000];
    int rc;

    CU_ASSERT_EQUAL(CHARON_ECONFIG,
                    trusted_file_read("secret", TRUSTED_FILE_PRIVATE, 64, &f,
                                      &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "not an absolute path"));
    CU_ASSERT_EQUAL(CHARON_ENOTFOUND,
                    trusted_file_read(tf_path("nothing-here"),
                                      TRUSTED_FILE_PUBLIC, 64, &f, &err));
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    expect_refused(tf_file("big", big, 0600), TRUSTED_FILE_PRIVATE,
                   "larger than 4096 bytes");
    big[4096] = '\0';
    expect_read(tf_file("max", big, 0600), TRUSTED_FILE_PRIVATE, big);
    (void)tf_refusal(tf_path("max"), TRUSTED_FILE_PRIVATE, &rc);
    CU_ASSERT_EQUAL(CHARON_OK, rc);
}

static void
test_check_applies_the_rules_to_a_stat(void)
{
    struct charon_err err;
    struct stat st;

    CU_ASSERT_EQUAL_FATAL(0, lstat(tf_file("pem", "x", 0644), &st));
    CU_ASSERT_EQUAL(CHARON_OK, trusted_file_check(tf_path("pem"), &st,
                                                  TRUSTED_FILE_PUBLIC, &err));
    CU_ASSERT_EQUAL(CHARON_ECONFIG,
                    trusted_file_check(tf_path("pem"), &st,
                                       TRUSTED_FILE_PRIVATE, &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "readable by group or others"));
}

int
main(void)
{
    static CU_TestInfo tests[] = {
        { "files of this uid with safe modes are read whole",
          test_own_files_are_read },
        { "a group- or world-writable file is refused (both kinds)",
          test_world_writable_is_refused },
        { "a private file readable by group or others is refused",
          test_private_files_grant_nothing_to_others },
        { "a file of a foreign owner (uid 12345) is refused",
          test_a_foreign_owner_is_refused },
        { "a symbolic link is refused (O_NOFOLLOW)",
          test_a_symlink_is_refused },
        { "a directory is refused", test_a_directory_is_refused },
        { "a FIFO is refused, without waiting for a writer",
          test_a_fifo_is_refused_without_blocking },
        { "relative paths and oversized files are refused",
          test_relative_paths_and_size },
        { "trusted_file_check holds a stat to the private rules",
          test_check_applies_the_rules_to_a_stat },
        CU_TEST_INFO_NULL
    };
    static const struct cu_suite suites[] = {
        { "trusted_file", NULL, NULL, tests },
        { NULL, NULL, NULL, NULL }
    };

    return cu_main(suites);
}
