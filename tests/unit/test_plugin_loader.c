/* test_plugin_loader.c - finding, opening and checking plugins. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu_main.h"
#include "plugin_loader.h"

#include <charon/store.h>

static char *
built(const char *rel)
{
    static char path[4][4096];
    static int i;
    char *p = path[i++ % 4];

    snprintf(p, 4096, "%s/%s", cu_builddir(), rel);
    return p;
}

static void
test_loader_opens_store_dummy_as_a_store(void)
{
    struct plugin_handle h;
    struct charon_err err;
    const struct charon_store_plugin *sp;

    memset(&h, 0, sizeof(h));
    CU_ASSERT_EQUAL_FATAL(CHARON_OK, plugin_loader_open(
        built("plugins/store_dummy/.libs/store_dummy.so"),
        CHARON_PLUGIN_STORE, &h, &err));
    CU_ASSERT_STRING_EQUAL("store_dummy", h.hdr->name);
    sp = (const struct charon_store_plugin *)h.hdr;
    CU_ASSERT_EQUAL(0u, sp->caps);
    plugin_loader_close(&h);
    CU_ASSERT_PTR_NULL(h.dl);
}

static void
test_loader_refuses_the_wrong_kind(void)
{
    struct plugin_handle h;
    struct charon_err err;

    memset(&h, 0, sizeof(h));
    CU_ASSERT_EQUAL(CHARON_ECONFIG, plugin_loader_open(
        built("plugins/store_dummy/.libs/store_dummy.so"),
        CHARON_PLUGIN_TOKEN, &h, &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "is a session store, expected "
                                  "a token factory"));
}

static void
test_loader_refuses_another_abi_major(void)
{
    struct plugin_handle h;
    struct charon_err err;
    char want[128];

    memset(&h, 0, sizeof(h));
    CU_ASSERT_EQUAL(CHARON_ECONFIG, plugin_loader_open(
        built("tests/.libs/bad_abi.so"), CHARON_PLUGIN_STORE, &h, &err));
    snprintf(want, sizeof(want), "built for plugin ABI %d.0, this "
             "charon-fcgi provides %d.%d; rebuild the plugin",
             CHARON_ABI_MAJOR + 1, CHARON_ABI_MAJOR, CHARON_ABI_MINOR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want));
}

static void
test_loader_refuses_a_newer_minor(void)
{
    struct plugin_handle h;
    struct charon_err err;

    memset(&h, 0, sizeof(h));
    CU_ASSERT_EQUAL(CHARON_ECONFIG, plugin_loader_open(
        built("tests/.libs/newer_minor.so"), CHARON_PLUGIN_STORE, &h, &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "rebuild the plugin"));
}

static void
test_loader_refuses_a_shared_object_without_the_symbol(void)
{
    struct plugin_handle h;
    struct charon_err err;

    memset(&h, 0, sizeof(h));
    CU_ASSERT_EQUAL(CHARON_ECONFIG, plugin_loader_open(
        built("tests/.libs/no_symbol.so"), CHARON_PLUGIN_STORE, &h, &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "not a charon-fcgi plugin"));
}

static void
test_loader_reports_a_missing_file(void)
{
    struct plugin_handle h;
    struct charon_err err;

    memset(&h, 0, sizeof(h));
    CU_ASSERT_EQUAL(CHARON_ECONFIG, plugin_loader_open(
        "/nonexistent/store_x.so", CHARON_PLUGIN_STORE, &h, &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "cannot load plugin"));
}

static void
test_resolve_maps_a_name_to_prefix_name_so(void)
{
    struct charon_err err;
    char path[4096];

    unsetenv("CHARON_PLUGIN_PATH");
    CU_ASSERT_EQUAL(CHARON_OK, plugin_loader_resolve(
        "store", "dummy", built("plugins/store_dummy/.libs"), path,
        sizeof(path), &err));
    CU_ASSERT_STRING_EQUAL(built("plugins/store_dummy/.libs/store_dummy.so"),
                           path);
}

static void
test_resolve_takes_an_absolute_path_as_is(void)
{
    struct charon_err err;
    char path[4096];

    CU_ASSERT_EQUAL(CHARON_OK, plugin_loader_resolve(
        "store", "/opt/x/my_store.so", "/unused", path, sizeof(path), &err));
    CU_ASSERT_STRING_EQUAL("/opt/x/my_store.so", path);
}

static void
test_resolve_searches_charon_plugin_path_first(void)
{
    struct charon_err err;
    char path[4096], env[8192];

    snprintf(env, sizeof(env), "/nonexistent:%s",
             built("plugins/store_dummy/.libs"));
    setenv("CHARON_PLUGIN_PATH", env, 1);
    CU_ASSERT_EQUAL(CHARON_OK, plugin_loader_resolve(
        "store", "dummy", "/nonexistent/dir", path, sizeof(path), &err));
    CU_ASSERT_STRING_EQUAL(built("plugins/store_dummy/.libs/store_dummy.so"),
                           path);
    unsetenv("CHARON_PLUGIN_PATH");
}

static void
test_resolve_refuses_names_that_could_escape_the_directory(void)
{
    struct charon_err err;
    char path[4096];

    CU_ASSERT_EQUAL(CHARON_ECONFIG, plugin_loader_resolve(
        "store", "../../tmp/evil", "/usr/lib", path, sizeof(path), &err));
    CU_ASSERT_EQUAL(CHARON_ECONFIG, plugin_loader_resolve(
        "store", "", "/usr/lib", path, sizeof(path), &err));
}

static void
test_resolve_names_the_missing_file(void)
{
    struct charon_err err;
    char path[4096];

    unsetenv("CHARON_PLUGIN_PATH");
    CU_ASSERT_EQUAL(CHARON_ECONFIG, plugin_loader_resolve(
        "store", "nosuch", "/nonexistent", path, sizeof(path), &err));
    CU_ASSERT_STRING_EQUAL("no plugin \"nosuch\": /nonexistent/store_nosuch.so"
                           " does not exist", err.msg);
}

static const CU_TestInfo loader_tests[] = {
    { "store_dummy opens as a session store",
      test_loader_opens_store_dummy_as_a_store },
    { "a plugin of the wrong kind is refused",
      test_loader_refuses_the_wrong_kind },
    { "a plugin of another ABI major is refused with both versions",
      test_loader_refuses_another_abi_major },
    { "a plugin of a newer ABI minor is refused",
      test_loader_refuses_a_newer_minor },
    { "a shared object without charon_plugin is refused",
      test_loader_refuses_a_shared_object_without_the_symbol },
    { "a missing file is reported", test_loader_reports_a_missing_file },
    { "a name maps to <prefix>_<name>.so in plugin_dir",
      test_resolve_maps_a_name_to_prefix_name_so },
    { "an absolute path is taken as is",
      test_resolve_takes_an_absolute_path_as_is },
    { "CHARON_PLUGIN_PATH is searched first",
      test_resolve_searches_charon_plugin_path_first },
    { "names with / or .. are refused",
      test_resolve_refuses_names_that_could_escape_the_directory },
    { "a missing plugin names the path tried",
      test_resolve_names_the_missing_file },
    CU_TEST_INFO_NULL
};

int
main(void)
{
    static const struct cu_suite suites[] = {
        { "plugin_loader", NULL, NULL, loader_tests },
        { NULL, NULL, NULL, NULL }
    };

    return cu_main(suites);
}
