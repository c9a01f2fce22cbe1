/*
 * config_ini.c - reads charon.ini through inih with exact line numbers.
 *
 * Two traps of inih r55 (Debian 12) shape this file (docs/HACKING.md §6):
 * the handler gets no line number, and a line longer than inih's buffer
 * is split, its tail parsed as a new line.  So inih reads through our
 * reader, which counts lines, reports overlong lines and turns them into
 * comments.  The reader also classifies each line the way inih will
 * (comment, continuation, [section], key = value) so that it can report
 * every syntax error (inih returns only the first), remember sections
 * that hold no key, and tell the handler which calls are continuations.
 */
#include "config_ini.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include <charon/err.h>

#define CONFIG_INI_NO_SECTION     (-1L)  /* before the first header   */
#define CONFIG_INI_BROKEN_SECTION (-2L)  /* after a malformed header  */

struct config_ini_cursor {
    const char *p;            /* next unread byte                     */
    const char *end;
    int line;                 /* number of the line last returned     */
    long section;             /* index, or CONFIG_INI_*_SECTION       */
    int have_key;             /* inih's prev_name is set              */
    int continuation;         /* the line returned continues a key    */
    int rc;                   /* CHARON_ENOMEM once allocation failed */
    struct config_doc *doc;
    struct config_errors *errs;
    int nsyntax;              /* syntax errors reported by the reader */
};

static const char config_ini_syntax_msg[] =
    "not a [section] or key = value line";

static char *
config_ini_lskip(const char *s)
{
    while (*s != '\0' && isspace((unsigned char)*s))
        s++;
    return (char *)s;
}

/* Length of s without trailing white space. */
static size_t
config_ini_rlen(const char *s, size_t len)
{
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        len--;
    return len;
}

/* inih's rule: the first of chars, or a ';' that follows white space. */
static const char *
config_ini_find_or_comment(const char *s, const char *chars)
{
    int was_space = 0;

    while (*s != '\0' && (chars == NULL || strchr(chars, *s) == NULL)
           && !(was_space && *s == ';')) {
        was_space = isspace((unsigned char)*s);
        s++;
    }
    return s;
}

static int
config_ini_is_comment(char c)
{
    return c == ';' || c == '#';
}

static void
config_ini_syntax_error(struct config_ini_cursor *c)
{
    config_errors_add(c->errs, "%s:%d: %s", c->doc->file, c->line,
                      config_ini_syntax_msg);
    c->nsyntax++;
}

struct config_section *
config_ini_section(const struct config_doc *doc, const char *name)
{
    size_t i;

    for (i = 0; i < doc->nsections; i++)
        if (strcmp(doc->sections[i].name, name) == 0)
            return &doc->sections[i];
    return NULL;
}

/* A "[name]" line: records the section; returns -1 if malformed. */
static int
config_ini_header(struct config_ini_cursor *c, const char *t)
{
    struct config_doc *doc = c->doc;
    struct config_section *s, *grown;
    const char *close, *rest, *name;
    size_t i, len;

    close = config_ini_find_or_comment(t + 1, "]");
    if (*close != ']')
        return -1;
    rest = config_ini_lskip(close + 1);
    if (*rest != '\0' && !config_ini_is_comment(*rest))
        return -1;
    name = config_ini_lskip(t + 1);
    len = config_ini_rlen(name, (size_t)(close - name));
    if (len == 0)
        return -1;
    c->have_key = 0;
    for (i = 0; i < doc->nsections; i++) {
        s = &doc->sections[i];
        if (strlen(s->name) == len && memcmp(s->name, name, len) == 0) {
            config_errors_add(c->errs, "%s:%d: duplicate section [%s]; "
                              "first at line %d", doc->file, c->line,
                              s->name, s->line);
            c->section = (long)i;   /* merge: its keys are still checked */
            return 0;
        }
    }
    grown = realloc(doc->sections, (doc->nsections + 1) * sizeof(*grown));
    if (grown == NULL) {
        c->rc = CHARON_ENOMEM;
        c->section = CONFIG_INI_BROKEN_SECTION;
        return 0;
    }
    doc->sections = grown;
    s = &grown[doc->nsections];
    memset(s, 0, sizeof(*s));
    s->name = strndup(name, len);
    if (s->name == NULL) {
        c->rc = CHARON_ENOMEM;
        c->section = CONFIG_INI_BROKEN_SECTION;
        return 0;
    }
    s->line = c->line;
    c->section = (long)doc->nsections++;
    return 0;
}

/* Classifies the line in buf as inih will; returns 0 to hand it to inih,
 * -1 if it is malformed (reported; the caller blanks it). */
static int
config_ini_classify(struct config_ini_cursor *c, char *buf)
{
    const char *s = buf, *t, *sep;

    c->continuation = 0;
    if (c->line == 1 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
        s += 3;
    t = config_ini_lskip(s);
    if (*t == '\0' || config_ini_is_comment(*t))
        return 0;
    if (t > buf && c->have_key) {
        c->continuation = 1;
        return 0;
    }
    if (*t == '[') {
        if (config_ini_header(c, t) < 0) {
            c->section = CONFIG_INI_BROKEN_SECTION;
            c->have_key = 0;
            return -1;
        }
        return 0;
    }
    sep = config_ini_find_or_comment(t, "=:");
    if ((*sep != '=' && *sep != ':')
        || config_ini_rlen(t, (size_t)(sep - t)) == 0)
        return -1;
    c->have_key = 1;
    return 0;
}

/* The ini_reader: one line per call, counted; never longer than inih's
 * buffer (size - 2 bytes of text, then '\n' and NUL). */
static char *
config_ini_read(char *buf, int size, void *stream)
{
    struct config_ini_cursor *c = stream;
    const char *eol, *start = c->p;
    size_t len, max;

    if (c->p >= c->end || size < 3)
        return NULL;
    eol = memchr(start, '\n', (size_t)(c->end - start));
    if (eol == NULL)
        eol = c->end;
    c->p = eol < c->end ? eol + 1 : eol;
    c->line++;
    c->continuation = 0;
    len = (size_t)(eol - start);
    if (len > 0 && start[len - 1] == '\r')
        len--;
    max = (size_t)size - 2;
    if (len > max) {
        config_errors_add(c->errs, "%s:%d: line longer than %zu bytes",
                          c->doc->file, c->line, max);
        c->nsyntax++;
        snprintf(buf, (size_t)size, ";\n");
        return buf;
    }
    if (memchr(start, '\0', len) != NULL) {
        config_ini_syntax_error(c);
        snprintf(buf, (size_t)size, ";\n");
        return buf;
    }
    memcpy(buf, start, len);
    buf[len] = '\n';
    buf[len + 1] = '\0';
    if (config_ini_classify(c, buf) < 0) {
        config_ini_syntax_error(c);
        snprintf(buf, (size_t)size, ";\n");
    }
    return buf;
}

/* An indented line continues the last entry; r55 leaves its inline
 * comment in place, so strip it here as for a first line. */
static void
config_ini_continue(struct config_ini_cursor *c, const char *value)
{
    struct config_entry *e = &c->doc->entries[c->doc->nentries - 1];
    const char *cut = config_ini_find_or_comment(value, NULL);
    size_t add = config_ini_rlen(value, (size_t)(cut - value));
    size_t old = strlen(e->value);
    char *v;

    if (add == 0)
        return;
    v = realloc(e->value, old + 1 + add + 1);
    if (v == NULL) {
        c->rc = CHARON_ENOMEM;
        return;
    }
    if (old > 0)
        v[old++] = ' ';
    memcpy(v + old, value, add);
    v[old + add] = '\0';
    e->value = v;
    if (e->cont_line == 0)
        e->cont_line = c->line;
}

static int
config_ini_handler(void *user, const char *section, const char *name,
                   const char *value)
{
    struct config_ini_cursor *c = user;
    struct config_doc *doc = c->doc;
    struct config_entry *grown, *e;

    (void)section;              /* ours is not truncated at 49 bytes */
    if (c->section == CONFIG_INI_BROKEN_SECTION)
        return 1;
    if (c->continuation) {
        if (c->section >= 0 && doc->nentries > 0)
            config_ini_continue(c, value);
        return 1;
    }
    if (c->section == CONFIG_INI_NO_SECTION) {
        config_errors_add(c->errs, "%s:%d: key \"%s\" before any [section]",
                          doc->file, c->line, name);
        return 1;
    }
    grown = realloc(doc->entries, (doc->nentries + 1) * sizeof(*grown));
    if (grown == NULL) {
        c->rc = CHARON_ENOMEM;
        return 1;
    }
    doc->entries = grown;
    e = &grown[doc->nentries];
    memset(e, 0, sizeof(*e));
    e->key = strdup(name);
    e->value = strdup(value);
    if (e->key == NULL || e->value == NULL) {
        free(e->key);
        free(e->value);
        c->rc = CHARON_ENOMEM;
        return 1;
    }
    e->section_index = (size_t)c->section;
    e->line = c->line;
    doc->nentries++;
    return 1;
}

static int
config_ini_parse(const char *name, const char *text, size_t len,
                 struct config_doc **out, struct config_errors *errs)
{
    struct config_ini_cursor c;
    struct config_doc *doc;
    size_t i;
    int rc;

    *out = NULL;
    doc = calloc(1, sizeof(*doc));
    if (doc == NULL)
        return CHARON_ENOMEM;
    doc->file = strdup(name);
    if (doc->file == NULL) {
        rc = CHARON_ENOMEM;
        goto out;
    }
    memset(&c, 0, sizeof(c));
    c.p = text;
    c.end = text + len;
    c.section = CONFIG_INI_NO_SECTION;
    c.doc = doc;
    c.errs = errs;
    rc = ini_parse_stream(config_ini_read, &c, config_ini_handler, &c);
    if (rc == -2 || c.rc == CHARON_ENOMEM) {
        rc = CHARON_ENOMEM;
        goto out;
    }
    /* Our reader blanks every line inih could reject; should inih still
     * object to one, say so rather than lose it. */
    if (rc > 0 && c.nsyntax == 0)
        config_errors_add(errs, "%s:%d: %s", doc->file, rc,
                          config_ini_syntax_msg);
    /* Section pointers only now: the array moved while it grew. */
    for (i = 0; i < doc->nentries; i++)
        doc->entries[i].section =
            doc->sections[doc->entries[i].section_index].name;
    *out = doc;
    doc = NULL;
    rc = CHARON_OK;
out:
    config_ini_free(doc);
    return rc;
}

int
config_ini_parse_string(const char *name, const char *text,
                        struct config_doc **out, struct config_errors *errs)
{
    return config_ini_parse(name, text, strlen(text), out, errs);
}

int
config_ini_parse_file(const char *path, struct config_doc **out,
                      struct config_errors *errs)
{
    FILE *fp;
    char *buf = NULL;
    size_t n;
    int rc;

    *out = NULL;
    fp = fopen(path, "r");
    if (fp == NULL) {
        config_errors_add(errs, "%s: cannot open: %s", path, strerror(errno));
        return CHARON_ECONFIG;
    }
    buf = malloc(CONFIG_INI_MAX_FILE_BYTES + 1);
    if (buf == NULL) {
        rc = CHARON_ENOMEM;
        goto out;
    }
    n = fread(buf, 1, CONFIG_INI_MAX_FILE_BYTES + 1, fp);
    if (ferror(fp)) {
        config_errors_add(errs, "%s: cannot read: %s", path, strerror(errno));
        rc = CHARON_ECONFIG;
        goto out;
    }
    if (n > CONFIG_INI_MAX_FILE_BYTES) {
        config_errors_add(errs, "%s: larger than %d bytes", path,
                          CONFIG_INI_MAX_FILE_BYTES);
        rc = CHARON_ECONFIG;
        goto out;
    }
    rc = config_ini_parse(path, buf, n, out, errs);
out:
    free(buf);
    fclose(fp);
    return rc;
}

struct config_entry *
config_ini_find(const struct config_doc *doc, const char *section,
                const char *key)
{
    size_t i;

    for (i = 0; i < doc->nentries; i++)
        if (strcmp(doc->entries[i].section, section) == 0
            && strcmp(doc->entries[i].key, key) == 0)
            return &doc->entries[i];
    return NULL;
}

int
config_ini_key_line(const struct config_doc *doc, const char *section,
                    const char *key)
{
    size_t i;
    int line = 0;

    for (i = 0; i < doc->nentries; i++)
        if (strcmp(doc->entries[i].section, section) == 0
            && strcmp(doc->entries[i].key, key) == 0)
            line = doc->entries[i].line;
    return line;
}

void
config_ini_free(struct config_doc *doc)
{
    size_t i;

    if (doc == NULL)
        return;
    for (i = 0; i < doc->nentries; i++) {
        free(doc->entries[i].key);
        free(doc->entries[i].value);
    }
    free(doc->entries);
    for (i = 0; i < doc->nsections; i++)
        free(doc->sections[i].name);
    free(doc->sections);
    config_errors_free(&doc->warnings);
    free(doc->file);
    free(doc);
}
