/*
 * cred_htpasswd_table.c - reading and parsing one htpasswd file.
 *
 * The file is read whole into one buffer and split in place: each
 * "user:hash" line becomes two NUL-terminated strings that the entries
 * point to.  Entries are then sorted by user name for lookup; when a user
 * appears twice, the earliest line wins and the later one is logged and
 * ignored.
 */
#define _GNU_SOURCE
#include "cred_htpasswd_table.h"

#include <crypt.h>
#include <stdlib.h>
#include <string.h>

#include "cred_htpasswd_reference.h"
#include "trusted_file.h"

/* Hash prefixes checked with crypt_rn(). */
static const char *const cred_htpasswd_table_schemes[] = {
    "$2y$", "$2b$", "$2a$",      /* bcrypt    */
    "$5$", "$6$",                /* sha-crypt */
    "$y$", "$gy$", "$7$",        /* yescrypt, gost-yescrypt, scrypt */
    NULL
};

bool
cred_htpasswd_table_is_bcrypt(const char *hash)
{
    return strncmp(hash, "$2y$", 4) == 0 || strncmp(hash, "$2b$", 4) == 0 ||
           strncmp(hash, "$2a$", 4) == 0;
}

bool
cred_htpasswd_table_user_ok(const char *user, size_t len)
{
    size_t i;

    if (len == 0 || len > CRED_HTPASSWD_MAX_USER)
        return false;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)user[i];

        if (c == ':' || c < 0x20 || c == 0x7f)
            return false;
    }
    return true;
}

/* Why hash is refused, or NULL when crypt_rn() may check it.  The text
 * names the scheme, never the hash. */
static const char *
cred_htpasswd_table_refusal(const char *hash)
{
    const char *const *s;

    for (s = cred_htpasswd_table_schemes; *s != NULL; s++)
        if (strncmp(hash, *s, strlen(*s)) == 0)
            return crypt_checksalt(hash) == CRYPT_SALT_INVALID ?
                   "malformed or unsupported hash" : NULL;
    if (hash[0] == '\0')
        return "empty hash";
    if (strncmp(hash, "$1$", 3) == 0)
        return "MD5-crypt ($1$) hashes are too weak";
    if (strncmp(hash, "$apr1$", 6) == 0)
        return "Apache MD5 ($apr1$) hashes are too weak";
    if (strncmp(hash, "{SHA}", 5) == 0)
        return "unsalted SHA-1 ({SHA}) hashes are too weak";
    if (hash[0] == '$')
        return "unsupported hash scheme";
    return "plain-text or traditional DES entries are too weak";
}

static int
cred_htpasswd_table_cmp(const void *a, const void *b)
{
    const struct cred_htpasswd_entry *x = a, *y = b;
    int c = strcmp(x->user, y->user);

    if (c != 0)
        return c;
    return (x->line > y->line) - (x->line < y->line);
}

static int
cred_htpasswd_table_key_cmp(const void *key, const void *elem)
{
    const struct cred_htpasswd_entry *e = elem;

    return strcmp(key, e->user);
}

/* Reads the whole file into t->text and records its identity.  Any
 * failure but memory is CHARON_EUNAVAIL: the plugin fails closed. */
static int
cred_htpasswd_table_read(const char *path, struct cred_htpasswd_table *t,
                         struct charon_err *err)
{
    struct trusted_file f;
    int rc;

    rc = trusted_file_read(path, TRUSTED_FILE_PUBLIC, CRED_HTPASSWD_MAX_FILE,
                           &f, err);
    if (rc == CHARON_ENOMEM)
        return rc;
    if (rc != CHARON_OK) {
        if (err != NULL)
            err->code = CHARON_EUNAVAIL;
        return CHARON_EUNAVAIL;
    }
    t->text = (char *)f.data;
    t->text_len = f.len;
    t->text_cap = f.cap;
    t->dev = f.st.st_dev;
    t->ino = f.st.st_ino;
    t->size = f.st.st_size;
    t->mtim = f.st.st_mtim;
    return CHARON_OK;
}

int
cred_htpasswd_table_probe(const char *path, struct charon_err *err)
{
    struct cred_htpasswd_table t;
    int rc;

    memset(&t, 0, sizeof(t));
    rc = cred_htpasswd_table_read(path, &t, err);
    cred_htpasswd_table_free(&t);
    if (rc == CHARON_EUNAVAIL) {
        rc = CHARON_ECONFIG;
        if (err != NULL)
            err->code = rc;
    }
    return rc;
}

/* Splits t->text into entries; logs what it skips or refuses. */
static int
cred_htpasswd_table_parse(const char *path, const struct charon_host *host,
                          struct cred_htpasswd_table *t,
                          struct charon_err *err)
{
    char *p = t->text, *end = t->text + t->text_len;
    char *line, *eol, *colon, *eoh;
    const char *why;
    size_t cap = 0, len, i;
    int lineno = 0;

    for (; p < end; p = eol + 1) {
        lineno++;
        line = p;
        eol = memchr(p, '\n', (size_t)(end - p));
        if (eol == NULL)
            eol = end;
        *eol = '\0';
        len = (size_t)(eol - line);
        while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' ||
                           line[len - 1] == '\t'))
            line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        colon = memchr(line, ':', len);
        if (strlen(line) != len || colon == NULL || colon == line) {
            host->log(host, CHARON_LOG_WARN, "%s:%d: not a \"user:hash\" "
                      "line; line skipped", path, lineno);
            continue;
        }
        if (!cred_htpasswd_table_user_ok(line, (size_t)(colon - line))) {
            host->log(host, CHARON_LOG_WARN, "%s:%d: user name longer than "
                      "%d bytes or with control characters; line skipped",
                      path, lineno, CRED_HTPASSWD_MAX_USER);
            continue;
        }
        *colon = '\0';
        /* Hashes never hold ':'; a further field (a comment) is ignored. */
        eoh = strchr(colon + 1, ':');
        if (eoh != NULL)
            *eoh = '\0';
        if (t->count == cap) {
            struct cred_htpasswd_entry *grown;

            cap = cap ? cap * 2 : 16;
            grown = realloc(t->entries, cap * sizeof(*grown));
            if (grown == NULL)
                return charon_err_set(err, CHARON_ENOMEM, "out of memory");
            t->entries = grown;
        }
        t->entries[t->count].user = line;
        t->entries[t->count].hash = colon + 1;
        t->entries[t->count].line = lineno;
        why = cred_htpasswd_table_refusal(colon + 1);
        if (why != NULL) {
            host->log(host, CHARON_LOG_WARN, "%s:%d: user \"%s\": %s; "
                      "entry refused, the user cannot log in", path, lineno,
                      line, why);
            t->entries[t->count].hash = NULL;
        } else if (t->reference_hash == NULL) {
            t->reference_hash = colon + 1;
        }
        t->count++;
    }

    if (t->count == 0)
        return CHARON_OK;
    qsort(t->entries, t->count, sizeof(*t->entries), cred_htpasswd_table_cmp);
    /* Keep the earliest line of each user. */
    len = 0;
    for (i = 0; i < t->count; i++) {
        if (len > 0 && strcmp(t->entries[len - 1].user,
                              t->entries[i].user) == 0) {
            host->log(host, CHARON_LOG_WARN, "%s:%d: user \"%s\" is already "
                      "defined on line %d; this line is ignored", path,
                      t->entries[i].line, t->entries[i].user,
                      t->entries[len - 1].line);
            continue;
        }
        t->entries[len++] = t->entries[i];
    }
    t->count = len;
    return CHARON_OK;
}

int
cred_htpasswd_table_load(const char *path, const struct charon_host *host,
                         struct cred_htpasswd_table *out,
                         struct charon_err *err)
{
    struct cred_htpasswd_table t;
    int rc;

    memset(&t, 0, sizeof(t));
    rc = cred_htpasswd_table_read(path, &t, err);
    if (rc != CHARON_OK)
        goto out;
    rc = cred_htpasswd_table_parse(path, host, &t, err);
    if (rc != CHARON_OK)
        goto out;
    rc = cred_htpasswd_reference_pick(path, host, &t, err);
    if (rc != CHARON_OK)
        goto out;
    *out = t;
    memset(&t, 0, sizeof(t));       /* ownership moved to *out */
out:
    cred_htpasswd_table_free(&t);
    return rc;
}

void
cred_htpasswd_table_free(struct cred_htpasswd_table *t)
{
    if (t->text != NULL) {
        explicit_bzero(t->text, t->text_cap);
        free(t->text);
    }
    free(t->entries);
    memset(t, 0, sizeof(*t));
}

bool
cred_htpasswd_table_is_current(const struct cred_htpasswd_table *t,
                               const struct stat *st)
{
    return t->text != NULL && t->dev == st->st_dev && t->ino == st->st_ino &&
           t->size == st->st_size &&
           t->mtim.tv_sec == st->st_mtim.tv_sec &&
           t->mtim.tv_nsec == st->st_mtim.tv_nsec;
}

const struct cred_htpasswd_entry *
cred_htpasswd_table_find(const struct cred_htpasswd_table *t,
                         const char *user)
{
    if (t->count == 0)
        return NULL;
    return bsearch(user, t->entries, t->count, sizeof(*t->entries),
                   cred_htpasswd_table_key_cmp);
}
