/*
 * charon/option.h - configuration tables.
 *
 * A plugin declares its INI keys in a const array of struct charon_option
 * ending with { .name = NULL }.  The core parses the plugin's [section]
 * against that table (types, ranges, defaults, required keys) and hands
 * create() a finished, zero-initialised struct of hdr.config_size bytes.
 *
 * The layout of struct charon_option is frozen for an ABI major version:
 * the core walks options[] with its own sizeof.
 */
#ifndef CHARON_OPTION_H
#define CHARON_OPTION_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum charon_opt_type {
    CHARON_OPT_STRING = 1,  /* const char * (empty string allowed)          */
    CHARON_OPT_UINT,        /* unsigned long, checked against min..max       */
    CHARON_OPT_BOOL,        /* int: true/false/yes/no/on/off/1/0             */
    CHARON_OPT_SECONDS,     /* long; "infinite" (stored as -1) if max == 0   */
    CHARON_OPT_PATH,        /* const char *, must name an existing file      */
    CHARON_OPT_ENUM,        /* int: index into .choices                      */
    CHARON_OPT_MAP,         /* name ends in '.': collects "name<id> = value"
                               into a struct charon_opt_map                  */
    CHARON_OPT_LIST         /* struct charon_opt_list: whitespace-separated  */
};

#define CHARON_OPT_REQUIRED   0x01u  /* error if absent and no default          */
#define CHARON_OPT_SECRET     0x02u  /* value is never echoed or logged         */
#define CHARON_OPT_PRIVATE    0x04u  /* PATH: refuse a group/other-readable file */
#define CHARON_OPT_DEPRECATED 0x08u  /* accepted with a warning                 */

/* One "prefix<id> = value" entry of a CHARON_OPT_MAP option. */
struct charon_opt_entry {
    const char *id;      /* the part after the prefix, e.g. "default" */
    const char *value;
    int line;            /* INI line, for the plugin's own messages   */
};

/* The field a CHARON_OPT_MAP option fills; entries in file order. */
struct charon_opt_map {
    const struct charon_opt_entry *entries;
    size_t count;
};

/* The field a CHARON_OPT_LIST option fills: the words of the value. */
struct charon_opt_list {
    const char *const *items;
    size_t count;
};

struct charon_option {
    const char *name;              /* key inside the [section]; MAP: "prefix." */
    uint32_t type;                 /* enum charon_opt_type                  */
    uint32_t flags;                /* CHARON_OPT_* bits                     */
    size_t offset;                 /* offsetof(config struct, field)        */
    const char *dflt;              /* as written in the INI file; NULL: none */
    unsigned long min, max;        /* UINT and SECONDS                      */
    const char *const *choices;    /* ENUM, NULL-terminated                 */
    const char *help;              /* one line, for charonctl check-config  */
};

#ifdef __cplusplus
}
#endif
#endif /* CHARON_OPTION_H */
