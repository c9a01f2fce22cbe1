/* jwt_key_file.c - raw key files and EdDSA PEM files for token_jwt. */
#include "jwt_key_file.h"

#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "jwt_key_der.h"
#include "trusted_file.h"

#define JWT_KEY_FILE_PEM_MAX 16384   /* far above any Ed448 PEM */

/* A missing file is a config error like any other. */
static int
jwt_key_file_rc(int rc, struct charon_err *err)
{
    if (rc == CHARON_ENOTFOUND && err != NULL)
        err->code = CHARON_ECONFIG;
    return rc == CHARON_ENOTFOUND ? CHARON_ECONFIG : rc;
}

int
jwt_key_file_raw(const char *path, size_t min, size_t max, unsigned char *out,
                 size_t *out_len, struct charon_err *err)
{
    struct trusted_file f;
    size_t len;
    int rc;

    rc = trusted_file_read(path, TRUSTED_FILE_PRIVATE, max, &f, err);
    if (rc != CHARON_OK)
        return jwt_key_file_rc(rc, err);
    len = f.len;
    if (len < min) {
        rc = charon_err_set(err, CHARON_ECONFIG,
                            "%s holds %zu bytes; this key needs %s %zu (e.g. "
                            "head -c %zu /dev/urandom > %s)", path, len,
                            min == max ? "exactly" : "at least", min, min,
                            path);
        goto out;
    }
    memcpy(out, f.data, len);
    *out_len = len;
out:
    trusted_file_free(&f);
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
    struct trusted_file f;
    EVP_PKEY *pkey = NULL;
    const char *type;
    int rc, private = 1;

    /* Read as public; a private key is then held to the private rules. */
    rc = trusted_file_read(path, TRUSTED_FILE_PUBLIC, JWT_KEY_FILE_PEM_MAX,
                           &f, err);
    if (rc != CHARON_OK)
        return jwt_key_file_rc(rc, err);
    pkey = jwt_key_der_eddsa(f.data, f.len, &private);
    if (pkey == NULL)
        pkey = jwt_key_file_parse(f.data, f.len, 1);
    if (pkey == NULL) {
        private = 0;
        pkey = jwt_key_file_parse(f.data, f.len, 0);
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
        rc = trusted_file_check(path, &f.st, TRUSTED_FILE_PRIVATE, err);
        if (rc != CHARON_OK)
            goto out;
    }
    *out = pkey;
    *is_private = private;
    pkey = NULL;
    rc = CHARON_OK;
out:
    EVP_PKEY_free(pkey);
    trusted_file_free(&f);
    return rc;
}
