/*
 * config.h - loading charon.ini: the core sections, the profiles, and the
 * sections of whichever plugins the snapshot loads.
 *
 * Parsing is a pure function from text to struct (no plugin is loaded and
 * no secret read here).  Every problem is collected in struct
 * config_errors so that one run shows all of them.
 */
#ifndef CHARON_CONFIG_H
#define CHARON_CONFIG_H

#include <stddef.h>

#include <charon/option.h>

#include "config_charon.h"
#include "config_errors.h"

struct config_doc;    /* config_ini.h: the raw entries, with lines */
struct config_arena;  /* config_table.h: allocations owned by the config */

/* A [profile NAME]: the base [charon]/[authorizer] with its keys on top. */
struct config_profile {
    const char *name;
    struct charon_section charon;
    struct authorizer_section authz;
};

struct config {
    const char *file;                    /* as given to config_load_*   */
    struct charon_section charon;        /* [charon]                    */
    struct endpoints_section endpoints;  /* [endpoints]                 */
    struct authorizer_section authz;     /* [authorizer]                */
    struct config_profile *profiles;     /* [profile NAME], file order  */
    size_t nprofiles;
    struct config_doc *doc;              /* private                     */
    struct config_arena *arena;          /* private                     */
};

/*
 * Parses the core sections and profiles.  Returns CHARON_OK, or
 * CHARON_ECONFIG with the messages in errs (then *out is NULL), or
 * CHARON_ENOMEM.  Plugin sections are kept raw for config_apply_plugin().
 */
int config_load_file(const char *path, struct config **out,
                     struct config_errors *errs);
/* Same from a string; name stands for the file name in messages. */
int config_load_string(const char *name, const char *text,
                       struct config **out, struct config_errors *errs);

/*
 * Builds a plugin's config struct from [section] with its option table:
 * config_size zeroed bytes, defaults, then the user's values; REQUIRED,
 * ranges, PATH existence and PRIVATE modes checked.  *out is owned by cfg.
 * A missing section means defaults only.  Returns CHARON_OK or
 * CHARON_ECONFIG (messages in errs).
 */
int config_apply_plugin(struct config *cfg, const char *section,
                        const struct charon_option *options,
                        size_t config_size, void **out,
                        struct config_errors *errs);

/*
 * Call once every used plugin section has been applied.  Every key not
 * consumed by a table is an error ("unknown key", with a did-you-mean
 * hint from the table of its section); every section that is neither a
 * core section, a profile, nor an applied plugin section is an error,
 * unless its name is in ignorable[] (NULL-terminated; plugins installed
 * but not selected), which gives a warning instead.  Warnings recorded
 * while loading and applying (deprecated keys) are handed over here too.
 * Returns CHARON_OK or CHARON_ECONFIG; both collections come sorted.
 */
int config_finish(struct config *cfg, const char *const *ignorable,
                  struct config_errors *errs,
                  struct config_errors *warnings);

/* The line of key in [section] (last occurrence), or 0 if absent. */
int config_key_line(const struct config *cfg, const char *section,
                    const char *key);

/* The profile called name, or NULL. */
const struct config_profile *config_profile_find(const struct config *cfg,
                                                 const char *name);

void config_free(struct config *cfg);

#endif /* CHARON_CONFIG_H */
