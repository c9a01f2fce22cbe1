/* cu_main.c - one CUnit runner for every unit-test program. */
#define _XOPEN_SOURCE 700
#include "cu_main.h"

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

static char cu_scratch[PATH_MAX];

static int
cu_remove_one(const char *path, const struct stat *st, int flag,
              struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Removes the scratch directory, if a test made one. */
static void
cu_scratch_remove(void)
{
    if (cu_scratch[0] != '\0')
        nftw(cu_scratch, cu_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

int
cu_main(const struct cu_suite *suites)
{
    const struct cu_suite *s;
    const CU_TestInfo *t;
    unsigned int failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    for (s = suites; s->name != NULL; s++) {
        CU_pSuite suite = CU_add_suite(s->name, s->init, s->cleanup);

        if (suite == NULL)
            goto error;
        for (t = s->tests; t->pName != NULL; t++)
            if (CU_add_test(suite, t->pName, t->pTestFunc) == NULL)
                goto error;
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    /* A suite whose init failed ran no tests and counts no failed
     * assertion: count it, or a dead server reads as a pass. */
    failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
    printf("\ntests: %u passed, %u failed\n",
           CU_get_number_of_tests_run() - CU_get_number_of_tests_failed(),
           CU_get_number_of_tests_failed() + CU_get_number_of_suites_failed());
    CU_cleanup_registry();
    cu_scratch_remove();
    return failed == 0 ? 0 : 1;

error:
    fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
    CU_cleanup_registry();
    return 99;
}

const char *
cu_scratch_dir(void)
{
    char *dir = cu_scratch;
    const char *tmp;

    if (dir[0] != '\0')
        return dir;
    tmp = getenv("TMPDIR");
    if (tmp == NULL || tmp[0] == '\0')
        tmp = "/tmp";
    snprintf(dir, sizeof(cu_scratch), "%s/charon-test-XXXXXX", tmp);
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        abort();
    }
    return dir;
}

static char cu_stderr_path[PATH_MAX];

int
cu_capture_stderr(const char *name)
{
    fflush(stderr);
    snprintf(cu_stderr_path, sizeof(cu_stderr_path), "%s/%s",
             cu_scratch_dir(), name);
    return freopen(cu_stderr_path, "w", stderr) == NULL ? -1 : 0;
}

const char *
cu_captured(void)
{
    static char text[65536];
    FILE *f;
    size_t n;

    fflush(stderr);
    f = fopen(cu_stderr_path, "r");
    if (f == NULL)
        return "";
    n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

const char *
cu_builddir(void)
{
    const char *d = getenv("CHARON_TEST_BUILDDIR");

    return d != NULL && d[0] != '\0' ? d : ".";
}

const char *
cu_srcdir(void)
{
    const char *d = getenv("CHARON_TEST_SRCDIR");

    return d != NULL && d[0] != '\0' ? d : ".";
}
