/*
 * test_store_dummy.c - store_dummy through the store contract.  It
 * declares no capability, so the contract holds it to: get ENOTFOUND,
 * upsert and delete_one OK, get_all and delete_all EUNSUPP, health OK.
 */
#include "cu_main.h"
#include "store_contract.h"

static int
open_store_dummy(void)
{
    return store_contract_open("plugins/store_dummy/.libs/store_dummy.so",
                               "");
}

static void
test_store_dummy_declares_no_capability(void)
{
    CU_ASSERT_EQUAL(0u, store_contract_plugin()->caps);
}

static const CU_TestInfo store_dummy_tests[] = {
    { "store_dummy declares no capability",
      test_store_dummy_declares_no_capability },
    CU_TEST_INFO_NULL
};

int
main(void)
{
    static const struct cu_suite suites[] = {
        { "store_dummy: store contract", open_store_dummy,
          store_contract_close, store_contract_tests },
        { "store_dummy", open_store_dummy, store_contract_close,
          store_dummy_tests },
        { NULL, NULL, NULL, NULL }
    };

    return cu_main(suites);
}
