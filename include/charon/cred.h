/*
 * charon/cred.h - the credential checker plugin kind (cred_htpasswd).
 *
 * Checks a username and password at login and names the user id that
 * the session will carry.
 */
#ifndef CHARON_CRED_H
#define CHARON_CRED_H

#include <charon/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

struct charon_cred_plugin {
    struct charon_plugin_header hdr;   /* hdr.kind == CHARON_PLUGIN_CRED */

    /*
     * Appends the user id to user_id_out when password is right for
     * username.  Unknown user and wrong password both return
     * CHARON_ENOTFOUND, after the same work, so that timing does not tell
     * them apart.  CHARON_EUNAVAIL when the backend cannot be read.
     * Called from any worker thread, concurrently.
     */
    int (*check)(void *instance, void *ts, const char *username,
                 const char *password, struct charon_buf *user_id_out,
                 struct charon_err *err);
};

#ifdef __cplusplus
}
#endif
#endif /* CHARON_CRED_H */
