/*
 * cred_htpasswd_config.h - the [cred_htpasswd] section, as the core
 * hands it to create() (built from cred_htpasswd_options[]).
 */
#ifndef CRED_HTPASSWD_CONFIG_H
#define CRED_HTPASSWD_CONFIG_H

struct cred_htpasswd_config {
    const char *file;      /* "user:hash" lines; required, must exist */
};

#endif /* CRED_HTPASSWD_CONFIG_H */
