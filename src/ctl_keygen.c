/* ctl_keygen.c - charonctl keygen ed25519|ed448 -o FILE. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "charonctl.h"

int
ctl_keygen(struct ctl *c, int argc, char **argv)
{
    const char *alg;
    EVP_PKEY *key = NULL;
    FILE *fp = NULL;
    int fd, rc = CTL_EXIT_FAIL;

    (void)argc;
    if (strcmp(argv[0], "ed25519") != 0 && strcmp(argv[0], "ed448") != 0) {
        fprintf(stderr, "charonctl: keygen makes ed25519 or ed448 keys, "
                "not \"%s\"\n", argv[0]);
        return CTL_EXIT_USAGE;
    }
    alg = strcmp(argv[0], "ed25519") == 0 ? "ED25519" : "ED448";
    key = EVP_PKEY_Q_keygen(NULL, NULL, alg);
    if (key == NULL) {
        fprintf(stderr, "charonctl: %s key generation failed\n", argv[0]);
        return CTL_EXIT_FAIL;
    }
    /* Never overwrite: an existing key may be signing live tokens. */
    fd = open(c->output, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "charonctl: create %s: %s\n", c->output,
                strerror(errno));
        goto out;
    }
    fp = fdopen(fd, "w");
    if (fp == NULL) {
        close(fd);
        goto out;
    }
    if (PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL, NULL) != 1 ||
        fflush(fp) != 0) {
        fprintf(stderr, "charonctl: write %s failed\n", c->output);
        unlink(c->output);
        goto out;
    }
    printf("wrote %s key to %s; use it as key.<kid> = EdDSA:%s\n", argv[0],
           c->output, c->output);
    rc = CTL_EXIT_OK;
out:
    if (fp != NULL)
        fclose(fp);
    EVP_PKEY_free(key);
    return rc;
}
