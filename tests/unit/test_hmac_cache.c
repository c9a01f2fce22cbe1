/* test_hmac_cache.c - the keyed HMAC-SHA256 context gives OpenSSL's
 * one-shot answer, whatever the key sequence and the thread; it keys its
 * context once per key, and its owner frees it. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cu_main.h"
#include "hmac_cache.h"

static int
same_as_one_shot(struct hmac_cache *c, const unsigned char *key,
                 size_t key_len, const char *data)
{
    unsigned char want[32], got[32];
    unsigned int n = 0;

    HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)data,
         strlen(data), want, &n);
    if (hmac_cache_sha256(c, key, key_len, data, strlen(data), got) != 0)
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
    const unsigned char *secret = (const unsigned char *)"secret";
    struct hmac_cache c = HMAC_CACHE_INIT;
    unsigned char got[32];

    CU_ASSERT_EQUAL_FATAL(0, hmac_cache_sha256(&c, secret, 6, "iodata", 6,
                                               got));
    CU_ASSERT_EQUAL(0, memcmp(want, got, 32));
    /* Again on the cached context. */
    CU_ASSERT_EQUAL_FATAL(0, hmac_cache_sha256(&c, secret, 6, "iodata", 6,
                                               got));
    CU_ASSERT_EQUAL(0, memcmp(want, got, 32));
    /* And with no cache at all. */
    CU_ASSERT_EQUAL_FATAL(0, hmac_cache_sha256(NULL, secret, 6, "iodata", 6,
                                               got));
    CU_ASSERT_EQUAL(0, memcmp(want, got, 32));
    hmac_cache_free(&c);
}

/* The point of the cache: one key keeps one keyed context, never keyed
 * again, and freeing forgets the key. */
static void
test_one_key_keeps_its_context_until_freed(void)
{
    struct hmac_cache c = HMAC_CACHE_INIT;
    unsigned char key[32], zero[HMAC_CACHE_KEY_MAX];
    int i;

    memset(key, 'k', sizeof(key));
    memset(zero, 0, sizeof(zero));
    CU_ASSERT_FATAL(same_as_one_shot(&c, key, 32, "first"));
    CU_ASSERT_PTR_NOT_NULL(c.ctx);
    CU_ASSERT_EQUAL(32, c.key_len);
    CU_ASSERT_EQUAL(1, c.keyings);
    for (i = 0; i < 100; i++)
        CU_ASSERT(same_as_one_shot(&c, key, 32, "again"));
    CU_ASSERT_EQUAL(1, c.keyings);
    key[31] = 'K';
    CU_ASSERT(same_as_one_shot(&c, key, 32, "another key"));
    CU_ASSERT_EQUAL(2, c.keyings);
    hmac_cache_free(&c);
    CU_ASSERT_PTR_NULL(c.ctx);
    CU_ASSERT_EQUAL(0, c.key_len);
    CU_ASSERT_EQUAL(0, memcmp(zero, c.key, sizeof(zero)));
    hmac_cache_free(&c);                /* twice, and NULL: harmless */
    hmac_cache_free(NULL);
}

static void
test_changing_keys_rekey_the_context(void)
{
    struct hmac_cache c = HMAC_CACHE_INIT;
    unsigned char a[32], b[32], big[100];

    memset(a, 'a', sizeof(a));
    memset(b, 'b', sizeof(b));
    memset(big, 'z', sizeof(big));
    CU_ASSERT(same_as_one_shot(&c, a, 32, "one"));
    CU_ASSERT(same_as_one_shot(&c, a, 32, "two"));
    CU_ASSERT(same_as_one_shot(&c, b, 32, "two"));
    CU_ASSERT(same_as_one_shot(&c, b, 31, "two"));      /* a prefix of b */
    CU_ASSERT(same_as_one_shot(&c, a, 32, ""));
    CU_ASSERT(same_as_one_shot(&c, big, sizeof(big), "over 64 bytes"));
    CU_ASSERT(same_as_one_shot(&c, a, 32, "back"));
    hmac_cache_free(&c);
}

static void *
thread_main(void *arg)
{
    struct hmac_cache c = HMAC_CACHE_INIT;    /* as in struct worker */
    unsigned char key[32];
    char data[32];
    long i, ok = 1;

    memset(key, (int)(long)arg, sizeof(key));
    for (i = 0; i < 2000 && ok; i++) {
        snprintf(data, sizeof(data), "%ld-%ld", (long)arg, i);
        ok = same_as_one_shot(&c, key, sizeof(key), data);
    }
    hmac_cache_free(&c);
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
    { "one key keeps its context until freed",
      test_one_key_keeps_its_context_until_freed },
    { "changing keys re-key the context", test_changing_keys_rekey_the_context },
    { "threads keep their own context",
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
