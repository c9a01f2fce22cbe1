/* jwt_key_der.c - Ed25519/Ed448 PEM keys of the fixed RFC 8410 forms. */
#include "jwt_key_der.h"

#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

struct jwt_key_der_form {
    const char *pem_name;
    const unsigned char *prefix;
    size_t prefix_len;
    size_t key_len;
    int type;                  /* EVP_PKEY_ED25519 or EVP_PKEY_ED448 */
    int is_private;
};

/* PKCS#8 v1: SEQ { INTEGER 0, SEQ { OID }, OCTET STRING { OCTET STRING
 * key } }; SPKI: SEQ { SEQ { OID }, BIT STRING key }.  OIDs 1.3.101.112
 * (Ed25519) and 1.3.101.113 (Ed448). */
static const unsigned char jwt_key_der_p8_25519[] = {
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
    0x04, 0x22, 0x04, 0x20
};
static const unsigned char jwt_key_der_p8_448[] = {
    0x30, 0x47, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x71,
    0x04, 0x3b, 0x04, 0x39
};
static const unsigned char jwt_key_der_spki_25519[] = {
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
};
static const unsigned char jwt_key_der_spki_448[] = {
    0x30, 0x43, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x71, 0x03, 0x3a, 0x00
};

static const struct jwt_key_der_form jwt_key_der_forms[] = {
    { "PRIVATE KEY", jwt_key_der_p8_25519, sizeof(jwt_key_der_p8_25519), 32,
      EVP_PKEY_ED25519, 1 },
    { "PRIVATE KEY", jwt_key_der_p8_448, sizeof(jwt_key_der_p8_448), 57,
      EVP_PKEY_ED448, 1 },
    { "PUBLIC KEY", jwt_key_der_spki_25519, sizeof(jwt_key_der_spki_25519),
      32, EVP_PKEY_ED25519, 0 },
    { "PUBLIC KEY", jwt_key_der_spki_448, sizeof(jwt_key_der_spki_448), 57,
      EVP_PKEY_ED448, 0 },
};

EVP_PKEY *
jwt_key_der_eddsa(const unsigned char *pem, size_t len, int *is_private)
{
    const struct jwt_key_der_form *f;
    char *name = NULL, *header = NULL;
    unsigned char *der = NULL;
    EVP_PKEY *pkey = NULL;
    long der_len = 0;
    size_t i;
    BIO *bio;

    bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL)
        return NULL;
    if (PEM_read_bio(bio, &name, &header, &der, &der_len) != 1)
        goto out;
    if (header[0] != '\0')              /* Proc-Type: an encrypted key */
        goto out;
    for (i = 0; i < sizeof(jwt_key_der_forms) / sizeof(*f); i++) {
        f = &jwt_key_der_forms[i];
        if (strcmp(name, f->pem_name) != 0 ||
            (size_t)der_len != f->prefix_len + f->key_len ||
            memcmp(der, f->prefix, f->prefix_len) != 0)
            continue;
        pkey = f->is_private
                   ? EVP_PKEY_new_raw_private_key(f->type, NULL,
                                                  der + f->prefix_len,
                                                  f->key_len)
                   : EVP_PKEY_new_raw_public_key(f->type, NULL,
                                                 der + f->prefix_len,
                                                 f->key_len);
        *is_private = f->is_private;
        break;
    }
out:
    ERR_clear_error();
    OPENSSL_free(name);
    OPENSSL_free(header);
    if (der != NULL)
        OPENSSL_clear_free(der, (size_t)der_len);
    BIO_free(bio);
    return pkey;
}
