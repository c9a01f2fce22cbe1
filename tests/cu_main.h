/*
 * cu_main.h - the shared CUnit runner of every unit-test program.
 */
#ifndef CHARON_CU_MAIN_H
#define CHARON_CU_MAIN_H

#include <CUnit/CUnit.h>

struct cu_suite {
    const char *name;
    CU_InitializeFunc init;       /* may be NULL */
    CU_CleanupFunc cleanup;       /* may be NULL */
    const CU_TestInfo *tests;     /* ends with CU_TEST_INFO_NULL */
};

/* Runs every suite (the list ends with { NULL }); returns the exit status
 * for automake: 0 all passed, 1 a test or a suite init failed, 99 error. */
int cu_main(const struct cu_suite *suites);

/* Directory for scratch files of this test program, created on first use
 * under $TMPDIR (removed by the caller's cleanup, if it wants). */
const char *cu_scratch_dir(void);

/* Sends stderr to the file NAME of the scratch dir, emptied; 0 or -1.
 * cu_captured() returns what was written to it since (the first 64 KiB). */
int cu_capture_stderr(const char *name);
const char *cu_captured(void);

/* $CHARON_TEST_BUILDDIR (top build dir), or "." */
const char *cu_builddir(void);
/* $CHARON_TEST_SRCDIR (top source dir), or "." */
const char *cu_srcdir(void);

#endif /* CHARON_CU_MAIN_H */
