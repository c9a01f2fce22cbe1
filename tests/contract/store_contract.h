/*
 * store_contract.h - the tests every session store plugin must pass, and
 * the fixture they run on.
 *
 * The tests talk only to the plugin's struct charon_store_plugin, loaded
 * from the build tree with plugin_loader_open() and configured from an INI
 * text through the core's config_load_string()/config_apply_plugin(), as
 * charon-fcgi does.  The host table is the test's: now() returns a fake
 * clock the tests move, log() collects lines, derive_key() fails (a store
 * needs no key).  Tests are gated on the plugin's caps bits: one whose
 * capability the plugin lacks asserts the documented answer (ENOTFOUND
 * for get, EUNSUPP for get_all/delete_all) instead of being skipped.
 * The signed-blob tests (store_contract_blobs.c) check that whatever a
 * store hands back, tampered or corrupt, the core's session_codec treats
 * as absent, and that no store crashes on it.
 */
#ifndef STORE_CONTRACT_H
#define STORE_CONTRACT_H

#include <stddef.h>
#include <stdint.h>

#include <CUnit/CUnit.h>

#include <charon/store.h>

struct config;

/* The tests every store passes (ends with CU_TEST_INFO_NULL). */
extern const CU_TestInfo store_contract_tests[];

/*
 * A writer behind the plugin's back: replaces the blob bytes stored under
 * key (which must exist) with len bytes of blob, keeping whatever else
 * the store keeps next to the blob (lock_version, expiry), as a person
 * with write access to the backend could.  Returns 0, or -1 with a
 * message on stderr.
 */
typedef int (*store_contract_raw_writer_fn)(const struct charon_store_key *key,
                                            const void *blob, size_t len);

/*
 * Registers the open store's raw writer; the tampering and corrupt-record
 * tests need one.  Without one, those tests fail on a store with
 * CHARON_STORE_CAP_PERSIST; a store without it keeps nothing to tamper
 * with, and the tests assert get is ENOTFOUND instead.  NULL unregisters.
 */
void store_contract_set_raw_writer(store_contract_raw_writer_fn write_raw);
store_contract_raw_writer_fn store_contract_raw_writer(void);

/*
 * Opens plugin_rel_path (relative to the top build dir, e.g.
 * "plugins/store_local/.libs/store_local.so"), builds its config from ini
 * (every "@TESTDIR@" replaced by this program's scratch directory; the
 * [charon] section is added here), creates the instance and, if the
 * plugin has one, the thread state.  Returns 0 or -1 (with a message on
 * stderr): fit for a CUnit suite init.
 */
int store_contract_open(const char *plugin_rel_path, const char *ini);
/* Undoes store_contract_open; fit for a CUnit suite cleanup. */
int store_contract_close(void);

/* The open plugin, its instance and the thread state of this thread. */
const struct charon_store_plugin *store_contract_plugin(void);
void *store_contract_instance(void);
void *store_contract_ts(void);

/* Destroys the instance and creates it again from the same config. */
int store_contract_reopen(struct charon_err *err);

/*
 * Another instance of the open plugin from another INI text (same
 * "@TESTDIR@" rule).  *cfg owns the config struct; free both with
 * store_contract_instance_free().  Returns a charon_rc.
 */
int store_contract_instance_new(const char *ini, struct config **cfg,
                                void **instance, struct charon_err *err);
void store_contract_instance_free(struct config *cfg, void *instance);

/* The key of session sid of (user, type); sid NULL for get_all and
 * delete_all. */
struct charon_store_key store_contract_key(const char *user,
                                           const char *type,
                                           const char *sid);

/* The fake clock (Unix seconds) every host->now() call returns. */
void store_contract_set_now(int64_t now);
int64_t store_contract_now(void);

/* Log lines collected so far, "\n"-separated; never NULL. */
const char *store_contract_log(void);
/* How many times a plugin called host->derive_key. */
unsigned store_contract_derive_calls(void);

#endif /* STORE_CONTRACT_H */
