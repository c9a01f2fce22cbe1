/*
 * test_abi.c - pins the layout of every public struct of the plugin ABI.
 * A failure here means a change broke plugins built against an earlier
 * header: append members instead and bump CHARON_ABI_MINOR (plugin.h).
 */
#include <stddef.h>

#include "cu_main.h"

#include <charon/cred.h>
#include <charon/store.h>
#include <charon/token.h>

static void
test_abi_version_is_1_0(void)
{
    CU_ASSERT_EQUAL(1, CHARON_ABI_MAJOR);
    CU_ASSERT_EQUAL(0, CHARON_ABI_MINOR);
    CU_ASSERT_EQUAL(0x00010000u, CHARON_ABI_VERSION);
    CU_ASSERT_EQUAL(1u, CHARON_ABI_GET_MAJOR(0x00010003u));
    CU_ASSERT_EQUAL(3u, CHARON_ABI_GET_MINOR(0x00010003u));
}

static void
test_abi_plugin_header_layout(void)
{
    CU_ASSERT_EQUAL(0, offsetof(struct charon_plugin_header, abi_version));
    CU_ASSERT_EQUAL(4, offsetof(struct charon_plugin_header, kind));
    CU_ASSERT_EQUAL(8, offsetof(struct charon_plugin_header, name));
    CU_ASSERT_EQUAL(16, offsetof(struct charon_plugin_header, version));
    CU_ASSERT_EQUAL(24, offsetof(struct charon_plugin_header, config_size));
    CU_ASSERT_EQUAL(32, offsetof(struct charon_plugin_header, options));
    CU_ASSERT_EQUAL(40, offsetof(struct charon_plugin_header, create));
    CU_ASSERT_EQUAL(48, offsetof(struct charon_plugin_header, destroy));
    CU_ASSERT_EQUAL(56, offsetof(struct charon_plugin_header, thread_init));
    CU_ASSERT_EQUAL(64, offsetof(struct charon_plugin_header, thread_fini));
    CU_ASSERT_EQUAL(72, sizeof(struct charon_plugin_header));
}

static void
test_abi_host_layout(void)
{
    CU_ASSERT_EQUAL(0, offsetof(struct charon_host, abi_version));
    CU_ASSERT_EQUAL(8, offsetof(struct charon_host, core));
    CU_ASSERT_EQUAL(16, offsetof(struct charon_host, log));
    CU_ASSERT_EQUAL(24, offsetof(struct charon_host, derive_key));
    CU_ASSERT_EQUAL(32, offsetof(struct charon_host, now));
    CU_ASSERT_EQUAL(40, sizeof(struct charon_host));
}

static void
test_abi_option_layout_is_frozen(void)
{
    CU_ASSERT_EQUAL(0, offsetof(struct charon_option, name));
    CU_ASSERT_EQUAL(8, offsetof(struct charon_option, type));
    CU_ASSERT_EQUAL(12, offsetof(struct charon_option, flags));
    CU_ASSERT_EQUAL(16, offsetof(struct charon_option, offset));
    CU_ASSERT_EQUAL(24, offsetof(struct charon_option, dflt));
    CU_ASSERT_EQUAL(32, offsetof(struct charon_option, min));
    CU_ASSERT_EQUAL(40, offsetof(struct charon_option, max));
    CU_ASSERT_EQUAL(48, offsetof(struct charon_option, choices));
    CU_ASSERT_EQUAL(56, offsetof(struct charon_option, help));
    CU_ASSERT_EQUAL(64, sizeof(struct charon_option));
    CU_ASSERT_EQUAL(24, sizeof(struct charon_opt_entry));
    CU_ASSERT_EQUAL(16, sizeof(struct charon_opt_map));
    CU_ASSERT_EQUAL(16, sizeof(struct charon_opt_list));
    CU_ASSERT_EQUAL(1, CHARON_OPT_STRING);
    CU_ASSERT_EQUAL(8, CHARON_OPT_LIST);
}

static void
test_abi_kind_descriptors_layout(void)
{
    CU_ASSERT_EQUAL(72, offsetof(struct charon_token_plugin, sign));
    CU_ASSERT_EQUAL(80, offsetof(struct charon_token_plugin, verify));
    CU_ASSERT_EQUAL(88, offsetof(struct charon_token_plugin, public_jwks));
    CU_ASSERT_EQUAL(96, sizeof(struct charon_token_plugin));

    CU_ASSERT_EQUAL(72, offsetof(struct charon_store_plugin, caps));
    CU_ASSERT_EQUAL(80, offsetof(struct charon_store_plugin, get));
    CU_ASSERT_EQUAL(88, offsetof(struct charon_store_plugin, get_all));
    CU_ASSERT_EQUAL(96, offsetof(struct charon_store_plugin, upsert));
    CU_ASSERT_EQUAL(104, offsetof(struct charon_store_plugin, delete_one));
    CU_ASSERT_EQUAL(112, offsetof(struct charon_store_plugin, delete_all));
    CU_ASSERT_EQUAL(120, offsetof(struct charon_store_plugin, health));
    CU_ASSERT_EQUAL(128, sizeof(struct charon_store_plugin));
    CU_ASSERT_EQUAL(24, sizeof(struct charon_store_key));

    CU_ASSERT_EQUAL(72, offsetof(struct charon_cred_plugin, check));
    CU_ASSERT_EQUAL(80, sizeof(struct charon_cred_plugin));
}

/* Every token call takes the thread state (ts) after the instance; the
 * assignments stop compiling (-Werror) if a signature changes. */
static void
test_abi_token_calls_take_thread_state(void)
{
    int (*sign)(void *, void *, const char *, size_t, struct charon_buf *,
                struct charon_err *) = NULL;
    int (*verify)(void *, void *, const char *, size_t, struct charon_buf *,
                  struct charon_err *) = NULL;
    int (*jwks)(void *, void *, struct charon_buf *,
                struct charon_err *) = NULL;
    struct charon_token_plugin p;

    p.sign = sign;
    p.verify = verify;
    p.public_jwks = jwks;
    CU_ASSERT_PTR_NULL(p.sign);
    CU_ASSERT_PTR_NULL(p.verify);
    CU_ASSERT_PTR_NULL(p.public_jwks);
}

static void
test_abi_error_record_and_codes(void)
{
    CU_ASSERT_EQUAL(0, offsetof(struct charon_err, code));
    CU_ASSERT_EQUAL(4, offsetof(struct charon_err, msg));
    CU_ASSERT_EQUAL(260, sizeof(struct charon_err));
    CU_ASSERT_EQUAL(-1, CHARON_ENOMEM);
    CU_ASSERT_EQUAL(-8, CHARON_ETOKEN);
    CU_ASSERT_EQUAL(-10, CHARON_EUNSUPP);
    CU_ASSERT_EQUAL(24, sizeof(struct charon_buf));
}

static const CU_TestInfo abi_tests[] = {
    { "the ABI version is 1.0", test_abi_version_is_1_0 },
    { "struct charon_plugin_header layout", test_abi_plugin_header_layout },
    { "struct charon_host layout", test_abi_host_layout },
    { "struct charon_option layout is frozen",
      test_abi_option_layout_is_frozen },
    { "token, store and cred descriptors layout",
      test_abi_kind_descriptors_layout },
    { "every token call takes the thread state",
      test_abi_token_calls_take_thread_state },
    { "struct charon_err, codes and charon_buf",
      test_abi_error_record_and_codes },
    CU_TEST_INFO_NULL
};

int
main(void)
{
    static const struct cu_suite suites[] = {
        { "abi", NULL, NULL, abi_tests },
        { NULL, NULL, NULL, NULL }
    };

    return cu_main(suites);
}
