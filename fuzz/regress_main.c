/*
 * regress_main.c - replays a fuzz corpus without libFuzzer: calls
 * LLVMFuzzerTestOneInput once on every regular file of each directory (or
 * file) given.  With no argument the directory is
 * $FUZZ_CORPUS_ROOT/<name>, where argv[0] is ".../regress_<name>", so the
 * harness runs as an automake TEST.  LLVMFuzzerInitialize, if the
 * harness has one, runs first, as libFuzzer does.  A crash, an abort or
 * a sanitizer report ends the process with a failure; otherwise it exits
 * 0.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional, as in libFuzzer: harnesses that dlopen plugins define it. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

#define REGRESS_PATH_MAX 4096
#define REGRESS_MAX_FILES 4096

static int
regress_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    long n;
    int rc = -1;

    if (f == NULL) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0)
        goto out;
    /* An exact-size heap copy, so ASan sees a read past the input. */
    data = malloc(n > 0 ? (size_t)n : 1);
    if (data == NULL || fread(data, 1, (size_t)n, f) != (size_t)n)
        goto out;
    LLVMFuzzerTestOneInput(data, (size_t)n);
    rc = 0;
out:
    if (rc != 0)
        fprintf(stderr, "%s: cannot read\n", path);
    free(data);
    fclose(f);
    return rc;
}

static int
regress_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs every regular file of dir, in name order; returns the count or -1. */
static int
regress_dir(const char *dir)
{
    char *names[REGRESS_MAX_FILES];
    char path[REGRESS_PATH_MAX];
    struct dirent *de;
    struct stat st;
    size_t n = 0, i;
    int count = 0;
    DIR *d;

    d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "%s: %s\n", dir, strerror(errno));
        return -1;
    }
    while ((de = readdir(d)) != NULL && n < REGRESS_MAX_FILES) {
        if (de->d_name[0] == '.')
            continue;
        names[n] = strdup(de->d_name);
        if (names[n] == NULL)
            abort();
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof(names[0]), regress_cmp);
    for (i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            if (regress_file(path) != 0)
                count = -1;
            else if (count >= 0)
                count++;
        }
        free(names[i]);
    }
    return count;
}

static int
regress_path(const char *path)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode))
        return regress_dir(path);
    return regress_file(path) == 0 ? 1 : -1;
}

int
main(int argc, char **argv)
{
    char dir[REGRESS_PATH_MAX];
    const char *base, *root;
    int i, n, total = 0, failed = 0;

    if (LLVMFuzzerInitialize != NULL)
        LLVMFuzzerInitialize(&argc, &argv);
    if (argc < 2) {
        base = strrchr(argv[0], '/');
        base = base != NULL ? base + 1 : argv[0];
        if (strncmp(base, "regress_", 8) != 0) {
            fprintf(stderr, "usage: %s CORPUS_DIR|FILE...\n", argv[0]);
            return 2;
        }
        root = getenv("FUZZ_CORPUS_ROOT");
        snprintf(dir, sizeof(dir), "%s/%s", root != NULL ? root : "corpus",
                 base + 8);
        n = regress_path(dir);
        if (n < 0)
            return 1;
        printf("%s: %d inputs ran\n", base, n);
        return n > 0 ? 0 : 1;
    }
    for (i = 1; i < argc; i++) {
        n = regress_path(argv[i]);
        if (n < 0)
            failed = 1;
        else
            total += n;
    }
    printf("%d inputs ran\n", total);
    return failed;
}
