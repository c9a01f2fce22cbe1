/*
 * test_config_cases.c - every tests/data/config/<case>.ini must produce
 * exactly the messages in <case>.expect (empty for a valid file): the
 * errors, then the warnings prefixed "warning: ", joined by '\n'.
 *
 * The files are loaded by their name relative to that directory, so the
 * messages read "<case>.ini:LINE: ..." wherever the tree lives.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <charon/err.h>

#include "cu_main.h"
/* By path: "config.h" alone would find autoconf's header first. */
#include "config.h"

#define CASES_MIN 25
#define CASES_MAX 256
#define CASES_TEXT_MAX 16384

static const char *const cases_ignorable[] = { "store_redis", NULL };

struct cases_buf {
    char text[CASES_TEXT_MAX];
    size_t len;
};

static void
cases_append(struct cases_buf *b, const char *prefix, const char *line)
{
    int n = snprintf(b->text + b->len, sizeof(b->text) - b->len, "%s%s%s",
                     b->len > 0 ? "\n" : "", prefix, line);

    if (n > 0 && (size_t)n < sizeof(b->text) - b->len)
        b->len += (size_t)n;
}

/* The messages of one case, as the .expect file spells them. */
static void
cases_run(const char *ini, struct cases_buf *out)
{
    struct config_errors errs = CONFIG_ERRORS_INIT;
    struct config_errors warns = CONFIG_ERRORS_INIT;
    struct config *cfg = NULL;
    size_t i;

    out->len = 0;
    out->text[0] = '\0';
    if (config_load_file(ini, &cfg, &errs) == CHARON_OK)
        config_finish(cfg, cases_ignorable, &errs, &warns);
    for (i = 0; i < errs.n; i++)
        cases_append(out, "", errs.lines[i]);
    for (i = 0; i < warns.n; i++)
        cases_append(out, "warning: ", warns.lines[i]);
    config_free(cfg);
    config_errors_free(&errs);
    config_errors_free(&warns);
}

/* The .expect file without one trailing newline; -1 if unreadable. */
static int
cases_expect(const char *path, struct cases_buf *out)
{
    FILE *fp = fopen(path, "r");

    if (fp == NULL)
        return -1;
    out->len = fread(out->text, 1, sizeof(out->text) - 1, fp);
    fclose(fp);
    if (out->len > 0 && out->text[out->len - 1] == '\n')
        out->len--;
    out->text[out->len] = '\0';
    return 0;
}

static int
cases_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of the *.ini files in the cwd, sorted; returns how many. */
static size_t
cases_list(char **names, size_t max)
{
    struct dirent *d;
    size_t n = 0, len;
    DIR *dir = opendir(".");

    if (dir == NULL)
        return 0;
    while ((d = readdir(dir)) != NULL && n < max) {
        len = strlen(d->d_name);
        if (len > 4 && strcmp(d->d_name + len - 4, ".ini") == 0)
            names[n++] = strdup(d->d_name);
    }
    closedir(dir);
    qsort(names, n, sizeof(*names), cases_cmp);
    return n;
}

static size_t cases_count;

static int
cases_init(void)
{
    char dir[PATH_MAX];

    snprintf(dir, sizeof(dir), "%s/tests/data/config", cu_srcdir());
    if (chdir(dir) < 0) {
        fprintf(stderr, "chdir %s: %s\n", dir, strerror(errno));
        return -1;
    }
    return 0;
}

static void
test_every_case_prints_exactly_its_expect_file(void)
{
    static struct cases_buf got, want;
    char *names[CASES_MAX], expect[PATH_MAX], msg[PATH_MAX + 64];
    size_t i, n = cases_list(names, CASES_MAX);

    cases_count = n;
    for (i = 0; i < n; i++) {
        snprintf(expect, sizeof(expect), "%.*s.expect",
                 (int)(strlen(names[i]) - 4), names[i]);
        cases_run(names[i], &got);
        if (cases_expect(expect, &want) < 0) {
            snprintf(msg, sizeof(msg), "%s: cannot read %s", names[i],
                     expect);
            CU_FAIL(msg);
        } else if (strcmp(got.text, want.text) != 0) {
            snprintf(msg, sizeof(msg), "%s: messages differ", names[i]);
            fprintf(stderr, "\n%s\n--- expected\n%s\n--- got\n%s\n",
                    names[i], want.text, got.text);
            CU_assertImplementation(CU_FALSE, __LINE__, msg, __FILE__, "",
                                    CU_FALSE);
        } else {
            CU_PASS(names[i]);
        }
        free(names[i]);
    }
}

static void
test_there_are_enough_cases(void)
{
    CU_ASSERT(cases_count >= CASES_MIN);
}

static const CU_TestInfo cases_tests[] = {
    { "every case prints exactly its .expect file",
      test_every_case_prints_exactly_its_expect_file },
    { "there are at least 25 cases", test_there_are_enough_cases },
    CU_TEST_INFO_NULL
};

int
main(void)
{
    static const struct cu_suite suites[] = {
        { "config cases (tests/data/config)", cases_init, NULL, cases_tests },
        { NULL, NULL, NULL, NULL }
    };

    return cu_main(suites);
}
