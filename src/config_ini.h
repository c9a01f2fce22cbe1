/*
 * config_ini.h - charon.ini as raw entries with their line numbers.
 *
 * inih (r55 on Debian 12) parses the file; our own reader counts lines,
 * rejects overlong lines and lines that are neither a [section] nor a
 * key = value pair (every one of them, not just the first), and tracks
 * the sections, including empty ones.  Nothing is interpreted here: the
 * table engine (config_table.c) gives the entries meaning.
 */
#ifndef CHARON_CONFIG_INI_H
#define CHARON_CONFIG_INI_H

#include <stdbool.h>
#include <stddef.h>

#include <charon/option.h>

#include "config_errors.h"

/* Files above this size are refused (a charon.ini is a few KiB). */
#define CONFIG_INI_MAX_FILE_BYTES (1024 * 1024)

/* One "key = value" line, with indented continuation lines joined. */
struct config_entry {
    const char *section;  /* the name in its config_section            */
    size_t section_index; /* index into config_doc.sections            */
    char *key;
    char *value;          /* continuation lines joined with one space  */
    int line;
    int cont_line;        /* first indented continuation line, or 0    */
    bool used;            /* consumed by a table (or reported)         */
};

/* One [section] header, in file order; repeated headers are an error. */
struct config_section {
    char *name;                          /* trimmed, as written       */
    int line;
    bool used;                           /* claimed by the core/plugin */
    const struct charon_option *options; /* its table, for hints      */
};

struct config_doc {
    char *file;                          /* name used in messages     */
    struct config_entry *entries;        /* file order                */
    size_t nentries;
    struct config_section *sections;     /* file order                */
    size_t nsections;
    struct config_errors warnings;       /* kept for config_finish()  */
};

/*
 * Reads and parses path.  Syntax problems are appended to errs and the
 * document is still returned (*out), so that later stages can report
 * their own problems in the same run.  Returns CHARON_OK, CHARON_ECONFIG
 * when the file cannot be read (no document), or CHARON_ENOMEM.
 */
int config_ini_parse_file(const char *path, struct config_doc **out,
                          struct config_errors *errs);

/* Same from a NUL-terminated string; name stands for the file name. */
int config_ini_parse_string(const char *name, const char *text,
                            struct config_doc **out,
                            struct config_errors *errs);

/* The section called name, or NULL. */
struct config_section *config_ini_section(const struct config_doc *doc,
                                          const char *name);

/* The first entry for key in [section], or NULL. */
struct config_entry *config_ini_find(const struct config_doc *doc,
                                     const char *section, const char *key);

/* The line of the last entry for key in [section], or 0. */
int config_ini_key_line(const struct config_doc *doc, const char *section,
                        const char *key);

void config_ini_free(struct config_doc *doc);

#endif /* CHARON_CONFIG_INI_H */
