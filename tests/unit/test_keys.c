/* test_keys.c - PBKDF2 as Charon's KeyGenerator, and the key cache. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>

#include "base_secret.h"
#include "cu_main.h"
#include "key_cache.h"
#include "keys.h"
#include "log.h"

static void
hex(const unsigned char *p, size_t n, char *out)
{
    size_t i;

    for (i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
}

static void
test_pbkdf2_doctest_vector(void)
{
    unsigned char out[5];
    char h[11];

    CU_ASSERT_EQUAL(CHARON_OK, keys_pbkdf2((const unsigned char *)"secret", 6,
                                           "salt", 1, out, 5, NULL));
    hex(out, 5, h);
    CU_ASSERT_STRING_EQUAL("38df428b30", h);
}

static struct keys *
new_keys(const char *secret, const char *cache_dir)
{
    struct keys *k = NULL;
    unsigned char *copy = (unsigned char *)strdup(secret);

    CU_ASSERT_EQUAL_FATAL(CHARON_OK, keys_new(copy, strlen(secret), cache_dir,
                                              &k, NULL));
    return k;
}

static void
test_derived_keys_match_charon_appendix_a(void)
{
    struct keys *k = new_keys("supersecret", NULL);
    unsigned char out[32];
    char h[65];

    CU_ASSERT_EQUAL(CHARON_OK, keys_derive(k, "charon_jwt_default", out, 32,
                                           NULL));
    hex(out, 32, h);
    CU_ASSERT_STRING_EQUAL("6391a52dbca795a7b3d1d0273c2db1ad73be14b54dd23c1d"
                           "1c461bc4660b21a3", h);
    CU_ASSERT_EQUAL(CHARON_OK, keys_derive(k, KEYS_SALT_SESSION, out, 32,
                                           NULL));
    hex(out, 32, h);
    CU_ASSERT_STRING_EQUAL("f0523d3ca184f710dba0dd79385422231588edd3dd04b136"
                           "67c9b90a020c6a37", h);
    /* Each salt once per process. */
    CU_ASSERT_EQUAL(CHARON_OK, keys_derive(k, "charon_jwt_default", out, 32,
                                           NULL));
    CU_ASSERT_EQUAL(2u, keys_pbkdf2_runs(k));
    keys_free(k);
}

static void
test_key_cache_spares_the_next_process_pbkdf2(void)
{
    char dir[4096];
    unsigned char a[32], b[32];
    struct keys *k;

    snprintf(dir, sizeof(dir), "%s/cache1", cu_scratch_dir());
    k = new_keys("a base secret of more than thirty-two bytes", dir);
    CU_ASSERT_EQUAL(CHARON_OK, keys_derive(k, "charon_jwt_default", a, 32,
                                           NULL));
    CU_ASSERT_EQUAL(1u, keys_pbkdf2_runs(k));
    keys_free(k);
    k = new_keys("a base secret of more than thirty-two bytes", dir);
    CU_ASSERT_EQUAL(CHARON_OK, keys_derive(k, "charon_jwt_default", b, 32,
                                           NULL));
    CU_ASSERT_EQUAL(0u, keys_pbkdf2_runs(k));
    CU_ASSERT_EQUAL(0, memcmp(a, b, 32));
    keys_free(k);
}

/* After make install with the default prefix, $localstatedir/cache may
 * not exist: the cache dir is made with its parents, and used. */
static void
test_key_cache_dir_is_made_with_its_parents(void)
{
    char dir[4096];
    unsigned char a[32];
    struct stat st;
    struct keys *k;

    snprintf(dir, sizeof(dir), "%s/var/cache/charon-fcgi", cu_scratch_dir());
    k = new_keys("a base secret of more than thirty-two bytes", dir);
    CU_ASSERT_EQUAL(CHARON_OK, keys_derive(k, "charon_jwt_default", a, 32,
                                           NULL));
    keys_free(k);
    CU_ASSERT_EQUAL_FATAL(0, stat(dir, &st));
    CU_ASSERT_EQUAL(0700, st.st_mode & 07777);
    k = new_keys("a base secret of more than thirty-two bytes", dir);
    CU_ASSERT_EQUAL(CHARON_OK, keys_derive(k, "charon_jwt_default", a, 32,
                                           NULL));
    CU_ASSERT_EQUAL(0u, keys_pbkdf2_runs(k));
    keys_free(k);
}

static void
test_key_cache_is_keyed_by_the_secret(void)
{
    char dir[4096];
    unsigned char a[32], b[32];
    struct keys *k;

    snprintf(dir, sizeof(dir), "%s/cache2", cu_scratch_dir());
    k = new_keys("first secret, long enough to be accepted", dir);
    keys_derive(k, "charon_jwt_default", a, 32, NULL);
    keys_free(k);
    k = new_keys("other secret, long enough to be accepted", dir);
    CU_ASSERT_EQUAL(CHARON_OK, keys_derive(k, "charon_jwt_default", b, 32,
                                           NULL));
    CU_ASSERT_EQUAL(1u, keys_pbkdf2_runs(k));
    CU_ASSERT_NOT_EQUAL(0, memcmp(a, b, 32));
    keys_free(k);
}

/* Overwrites every cached file of dir with junk of the same size. */
static void
damage_cache(const char *dir)
{
    struct dirent *de;
    char path[8192];
    DIR *d = opendir(dir);
    FILE *fp;

    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        fp = fopen(path, "r+");
        CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
        fputs("XXXX", fp);
        fclose(fp);
    }
    closedir(d);
}

static void
test_damaged_cache_file_is_derived_again(void)
{
    char dir[4096];
    unsigned char a[32], b[32];
    struct keys *k;

    snprintf(dir, sizeof(dir), "%s/cache3", cu_scratch_dir());
    k = new_keys("a base secret of more than thirty-two bytes", dir);
    keys_derive(k, "charon_jwt_default", a, 32, NULL);
    keys_free(k);
    damage_cache(dir);
    k = new_keys("a base secret of more than thirty-two bytes", dir);
    CU_ASSERT_EQUAL(CHARON_OK, keys_derive(k, "charon_jwt_default", b, 32,
                                           NULL));
    CU_ASSERT_EQUAL(1u, keys_pbkdf2_runs(k));
    CU_ASSERT_EQUAL(0, memcmp(a, b, 32));
    keys_free(k);
}

static void
test_group_writable_cache_dir_is_not_used(void)
{
    char dir[4096];
    unsigned char key[32];
    struct charon_err err;
    struct keys *k;

    snprintf(dir, sizeof(dir), "%s/cache4", cu_scratch_dir());
    CU_ASSERT_EQUAL_FATAL(0, mkdir(dir, 0770));
    chmod(dir, 0770);
    CU_ASSERT_NOT_EQUAL(CHARON_OK, key_cache_store(
        dir, (const unsigned char *)"s", 1, "salt", 1, key, 32, &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "open to group or others"));
    k = new_keys("a base secret of more than thirty-two bytes", dir);
    CU_ASSERT_EQUAL(CHARON_OK, keys_derive(k, "x", key, 32, NULL));
    keys_free(k);
    k = new_keys("a base secret of more than thirty-two bytes", dir);
    CU_ASSERT_EQUAL(CHARON_OK, keys_derive(k, "x", key, 32, NULL));
    CU_ASSERT_EQUAL(1u, keys_pbkdf2_runs(k));
    keys_free(k);
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
    FILE *fp = fopen(path, "w");

    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    fputs(text, fp);
    fclose(fp);
    chmod(path, mode);
}

static void
test_secret_file_rules(void)
{
    char path[4096];
    unsigned char *s = NULL;
    size_t len = 0;
    struct charon_err err;

    snprintf(path, sizeof(path), "%s/secret", cu_scratch_dir());
    write_file(path, "0123456789abcdef0123456789abcdef\n", 0600);
    CU_ASSERT_EQUAL(CHARON_OK, base_secret_read_file(path, &s, &len, &err));
    CU_ASSERT_EQUAL(32, len);
    free(s);
    write_file(path, "0123456789abcdef0123456789abcdef\n", 0640);
    CU_ASSERT_EQUAL(CHARON_ECONFIG, base_secret_read_file(path, &s, &len,
                                                          &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "readable by group or others "
                                  "(mode 0640); run chmod 600"));
    write_file(path, "too short\n", 0600);
    CU_ASSERT_EQUAL(CHARON_ECONFIG, base_secret_read_file(path, &s, &len,
                                                          &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "needs at least 32"));
    setenv("CHARON_TEST_SECRET", "short", 1);
    CU_ASSERT_EQUAL(CHARON_ECONFIG, base_secret_read_env("CHARON_TEST_SECRET",
                                                         &s, &len, &err));
    CU_ASSERT_EQUAL(CHARON_ECONFIG, base_secret_read_env("CHARON_NO_SUCH_VAR",
                                                         &s, &len, &err));
}

static const CU_TestInfo keys_tests[] = {
    { "PBKDF2 matches Charon's doctest vector", test_pbkdf2_doctest_vector },
    { "derived keys match docs/CHARON.md appendix A",
      test_derived_keys_match_charon_appendix_a },
    { "the key cache spares the next process PBKDF2",
      test_key_cache_spares_the_next_process_pbkdf2 },
    { "the key cache dir is made with its missing parents",
      test_key_cache_dir_is_made_with_its_parents },
    { "the key cache is keyed by the secret",
      test_key_cache_is_keyed_by_the_secret },
    { "a damaged cache file is derived again",
      test_damaged_cache_file_is_derived_again },
    { "a group-writable cache dir is not used",
      test_group_writable_cache_dir_is_not_used },
    { "the secret file must be private and long enough",
      test_secret_file_rules },
    CU_TEST_INFO_NULL
};

int
main(void)
{
    static const struct cu_suite suites[] = {
        { "keys", NULL, NULL, keys_tests },
        { NULL, NULL, NULL, NULL }
    };

    log_init("test_keys", 0, CHARON_LOG_ERR);
    return cu_main(suites);
}
