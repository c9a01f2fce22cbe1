/* test_hmac_cache.c - the per-thread keyed HMAC-SHA256 gives OpenSSL's
 * one-shot answer, whatever the key sequence and the thread. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cu_main.h"
#include "hmac_cache.h"

static int
same_as_one_shot(const unsigned char *key, size_t key_len, const char *data)
{
    unsigned char want[32], got[32];
    unsigned int n = 0;

    HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)data,
         strlen(data), want, &n);
    if (hmac_cache_sha256(key, key_len, data, strlen(data), got) != 0)
        return 0;
    return n == 32 && memcmp(want, got, 32) == 0;
}

static void
test_the_charon_doctest_vector(void)
{
    /* docs/CHARON.md Appendix A: HMAC-SHA256("secret", "iodata") */
    static const unsigned char want[32] = {
        0xae, 0x7f, 0xb9, 0x72, 0xe1, 0xf7, 0xc7, 0x4f, 0x15, 0xe6, 0x17,
        0xca, 0x7c, 0xfe, 0x24, 0xa7, 0x09, 0xfe, 0x93, 0x75, 0x0d, 0xd2,
        0x81, 0x17, 0x48, 0x04, 0x5f, 0x0e, 0x53, 0xa3, 0xe0, 0xfd
    };
    unsigned char got[32];

    CU_ASSERT_EQUAL_FATAL(0, hmac_cache_sha256((const unsigned char *)"secret",
                                               6, "iodata", 6, got));
    CU_ASSERT_EQUAL(0, memcmp(want, got, 32));
    /* Again on the cached context. */
    CU_ASSERT_EQUAL_FATAL(0, hmac_cache_sha256((const unsigned char *)"secret",
                                               6, "iodata", 6, got));
    CU_ASSERT_EQUAL(0, memcmp(want, got, 32));
}

static void
test_changing_keys_rekey_the_context(void)
{
    unsigned char a[32], b[32], big[100];

    memset(a, 'a', sizeof(a));
    memset(b, 'b', sizeof(b));
    memset(big, 'z', sizeof(big));
    CU_ASSERT(same_as_one_shot(a, 32, "one"));
    CU_ASSERT(same_as_one_shot(a, 32, "two"));
    CU_ASSERT(same_as_one_shot(b, 32, "two"));
    CU_ASSERT(same_as_one_shot(b, 31, "two"));      /* a prefix of b */
    CU_ASSERT(same_as_one_shot(a, 32, ""));
    CU_ASSERT(same_as_one_shot(big, sizeof(big), "over 64 bytes"));
    CU_ASSERT(same_as_one_shot(a, 32, "back"));
}

static void *
thread_main(void *arg)
{
    unsigned char key[32];
    char data[32];
    long i, ok = 1;

    memset(key, (int)(long)arg, sizeof(key));
    for (i = 0; i < 2000 && ok; i++) {
        snprintf(data, sizeof(data), "%ld-%ld", (long)arg, i);
        ok = same_as_one_shot(key, sizeof(key), data);
    }
    return (void *)ok;
}

static void
test_threads_keep_their_own_context(void)
{
    pthread_t t[4];
    void *ok;
    long i;

    for (i = 0; i < 4; i++)
        CU_ASSERT_EQUAL_FATAL(0, pthread_create(&t[i], NULL, thread_main,
                                                (void *)(i + 1)));
    for (i = 0; i < 4; i++) {
        CU_ASSERT_EQUAL(0, pthread_join(t[i], &ok));
        CU_ASSERT_EQUAL(1, (long)ok);
    }
}

static const CU_TestInfo hmac_cache_tests[] = {
    { "Charon's doctest vector, fresh and cached",
      test_the_charon_doctest_vector },
    { "changing keys re-key the context", test_changing_keys_rekey_the_context },
    { "threads keep their own context, freed at exit",
      test_threads_keep_their_own_context },
    CU_TEST_INFO_NULL
};

int
main(void)
{
    static const struct cu_suite suites[] = {
        { "hmac_cache", NULL, NULL, hmac_cache_tests },
        { NULL, NULL, NULL, NULL }
    };

    return cu_main(suites);
}
