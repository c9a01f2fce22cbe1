/*
 * store_contract_blobs.h - the store contract tests on real, signed
 * session blobs (session_codec): tampered with inside the store, signed
 * with another key, claiming another session, or plain garbage.  They
 * are listed in store_contract_tests[] (store_contract.c), so every store
 * runs them.
 */
#ifndef STORE_CONTRACT_BLOBS_H
#define STORE_CONTRACT_BLOBS_H

void test_a_signed_session_blob_round_trips_and_decodes(void);
void test_a_blob_tampered_with_inside_the_store_decodes_as_absent(void);
void test_a_blob_signed_with_another_key_decodes_as_absent(void);
void test_a_signed_blob_of_another_user_type_or_id_decodes_as_absent(void);
void test_a_corrupt_record_gets_and_decodes_as_absent(void);
void test_get_all_over_corrupt_records_still_returns_the_valid_one(void);
void test_delete_one_and_delete_all_remove_corrupt_records(void);

#endif /* STORE_CONTRACT_BLOBS_H */
