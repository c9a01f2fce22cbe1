/* jwt_key_file.c - raw key files and EdDSA PEM files for token_jwt. */
#include "jwt_key_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "jwt_key_der.h"

#define JWT_KEY_FILE_PEM_MAX 16384   /* far above any Ed448 PEM */

/*
 * Reads at most max bytes of the regular file path into a new buffer
 * (wiped and freed by the caller with OPENSSL_clear_free); a longer file
 * is an error.  *mode receives the file's permission bits.
 */
static int
jwt_key_file_read(const char *path, size_t max, unsigned char **out,
                  size_t *out_len, mode_t *mode, struct charon_err *err)
{
    unsigned char *buf = NULL;
    struct stat st;
    size_t len = 0;
    ssize_t n;
    int fd, rc;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return charon_err_set(err, CHARON_ECONFIG, "open %s: %m", path);
    if (fstat(fd, &st) < 0) {
        rc = charon_err_set(err, CHARON_ECONFIG, "stat %s: %m", path);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = charon_err_set(err, CHARON_ECONFIG, "%s is not a regular file",
                            path);
        goto out;
    }
    buf = malloc(max + 1);
    if (buf == NULL) {
        rc = charon_err_set(err, CHARON_ENOMEM, "out of memory");
        goto out;
    }
    /* Read one byte past max so that an oversized file is noticed even
     * when st_size does not tell. */
    while (len <= max) {
        n = read(fd, buf + len, max + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = charon_err_set(err, CHARON_ECONFIG, "read %s: %m", path);
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (len > max) {
        rc = charon_err_set(err, CHARON_ECONFIG, "%s is over %zu bytes",
                            path, max);
        goto out;
    }
    *mode = st.st_mode;
    *out = buf;
    *out_len = len;
    buf = NULL;
    rc = CHARON_OK;
out:
    OPENSSL_clear_free(buf, max + 1);
    close(fd);
    return rc;
}

static int
jwt_key_file_check_private(const char *path, mode_t mode,
                           struct charon_err *err)
{
    if ((mode & (S_IRWXG | S_IRWXO)) == 0)
        return CHARON_OK;
    return charon_err_set(err, CHARON_ECONFIG,
                          "%s is readable by group or others (mode %04o); "
                          "run chmod 600 %s", path, (unsigned)(mode & 07777),
                          path);
}

int
jwt_key_file_raw(const char *path, size_t min, size_t max, unsigned char *out,
                 size_t *out_len, struct charon_err *err)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    mode_t mode;
    int rc;

    rc = jwt_key_file_read(path, max, &buf, &len, &mode, err);
    if (rc != CHARON_OK)
        return rc;
    rc = jwt_key_file_check_private(path, mode, err);
    if (rc != CHARON_OK)
        goto out;
    if (len < min) {
        rc = charon_err_set(err, CHARON_ECONFIG,
                            "%s holds %zu bytes; this key needs %s %zu (e.g. "
                            "head -c %zu /dev/urandom > %s)", path, len,
                            min == max ? "exactly" : "at least", min, min,
                            path);
        goto out;
    }
    memcpy(out, buf, len);
    *out_len = len;
out:
    OPENSSL_clear_free(buf, max + 1);
    return rc;
}

/* Never prompt on a terminal for a pass phrase: encrypted keys fail. */
static int
jwt_key_file_no_password(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return 0;
}

static EVP_PKEY *
jwt_key_file_parse(const unsigned char *pem, size_t len, int private)
{
    EVP_PKEY *pkey;
    BIO *bio;

    bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL)
        return NULL;
    if (private)
        pkey = PEM_read_bio_PrivateKey(bio, NULL, jwt_key_file_no_password,
                                       NULL);
    else
        pkey = PEM_read_bio_PUBKEY(bio, NULL, jwt_key_file_no_password, NULL);
    BIO_free(bio);
    return pkey;
}

int
jwt_key_file_pem(const char *path, EVP_PKEY **out, int *is_private,
                 struct charon_err *err)
{
    unsigned char *buf = NULL;
    EVP_PKEY *pkey = NULL;
    const char *type;
    size_t len = 0;
    mode_t mode;
    int rc, private = 1;

    rc = jwt_key_file_read(path, JWT_KEY_FILE_PEM_MAX, &buf, &len, &mode,
                           err);
    if (rc != CHARON_OK)
        return rc;
    pkey = jwt_key_der_eddsa(buf, len, &private);
    if (pkey == NULL)
        pkey = jwt_key_file_parse(buf, len, 1);
    if (pkey == NULL) {
        private = 0;
        pkey = jwt_key_file_parse(buf, len, 0);
    }
    ERR_clear_error();
    if (pkey == NULL) {
        rc = charon_err_set(err, CHARON_ECONFIG,
                            "%s holds no PEM private or public key "
                            "(encrypted keys are not supported)", path);
        goto out;
    }
    if (!EVP_PKEY_is_a(pkey, "ED25519") && !EVP_PKEY_is_a(pkey, "ED448")) {
        type = EVP_PKEY_get0_type_name(pkey);
        rc = charon_err_set(err, CHARON_ECONFIG,
                            "%s holds a %s key; EdDSA needs an Ed25519 or "
                            "Ed448 key", path,
                            type != NULL ? type : "unknown");
        goto out;
    }
    if (private) {
        rc = jwt_key_file_check_private(path, mode, err);
        if (rc != CHARON_OK)
            goto out;
    }
    *out = pkey;
    *is_private = private;
    pkey = NULL;
    rc = CHARON_OK;
out:
    EVP_PKEY_free(pkey);
    OPENSSL_clear_free(buf, JWT_KEY_FILE_PEM_MAX + 1);
    return rc;
}
