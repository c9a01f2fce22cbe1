/*
 * cred_htpasswd_reference.h - the hash an unknown user is checked
 * against, so that a failed login costs what a real user's costs.
 */
#ifndef CRED_HTPASSWD_REFERENCE_H
#define CRED_HTPASSWD_REFERENCE_H

#include <charon/plugin.h>

#include "cred_htpasswd_table.h"

/*
 * Sets t->reference_hash to the costliest usable hash of t.  When the
 * file holds one scheme and cost (as htpasswd(1) writes it), that is the
 * earliest usable hash and nothing is measured.  When it holds several
 * (a bcrypt cost 4 next to a cost 12: 1 ms against 200 ms, which would
 * tell unknown users from known ones), each distinct setting is timed
 * once, the slowest wins, and a warning names the settings (never a salt
 * or hash).  CHARON_ENOMEM, else CHARON_OK.
 */
int cred_htpasswd_reference_pick(const char *path,
                                 const struct charon_host *host,
                                 struct cred_htpasswd_table *t,
                                 struct charon_err *err);

#endif /* CRED_HTPASSWD_REFERENCE_H */
