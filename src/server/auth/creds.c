/* SPDX-License-Identifier: MIT */
/* Credentials file parsing; see creds.h. */
#include "auth/creds.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/sigv4.h"
#include "base/log.h"
#include "base/secret_file.h"
#include "base/xalloc.h"

/* Largest credentials file read (a few thousand keys). */
#define CREDS_FILE_MAX ((size_t)1024 * 1024)

static bool key_id_ok(const char *s, size_t len)
{
    if (len < 16 || len > SIGV4_KEY_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!isalnum((unsigned char)s[i]) && s[i] != '_') {
            return false;
        }
    }
    return true;
}

static bool account_ok(const char *s, size_t len)
{
    if (len != 12) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

/* Splits line into at most 4 whitespace-separated fields. Returns the field count. */
static int fields(char *line, char **f, size_t *len)
{
    int n = 0;
    char *p = line;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == '\r') {
            p++;
        }
        if (*p == '\0') {
            break;
        }
        if (n == 4) {
            return 5;
        }
        f[n] = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\r') {
            p++;
        }
        len[n] = (size_t)(p - f[n]);
        n++;
    }
    return n;
}

static int parse_line(struct creds *c, char *line, const char *name, int lineno, char *err,
                      size_t errlen)
{
    char *f[4];
    size_t len[4];
    int n = fields(line, f, len);
    if (n == 0 || f[0][0] == '#') {
        return 0;
    }
    if (n != 3) {
        (void)snprintf(err, errlen,
                       "%s:%d: expected ACCESS_KEY_ID SECRET_ACCESS_KEY ACCOUNT_ID (3 fields)",
                       name, lineno);
        return -EINVAL;
    }
    if (!key_id_ok(f[0], len[0]) || !account_ok(f[2], len[2])) {
        (void)snprintf(err, errlen,
                       "%s:%d: the access key id must be 16-128 of [A-Za-z0-9_] and the account "
                       "id exactly 12 digits",
                       name, lineno);
        return -EINVAL;
    }
    f[0][len[0]] = '\0';
    if (creds_find(c, f[0])) {
        (void)snprintf(err, errlen, "%s:%d: access key %s appears twice", name, lineno, f[0]);
        return -EINVAL;
    }
    c->entries = xrealloc(c->entries, (c->n_entries + 1) * sizeof(*c->entries));
    struct creds_entry *e = &c->entries[c->n_entries++];
    e->key_id = xstrdup(f[0]);
    e->secret = xstrndup(f[1], len[1]);
    memcpy(e->account, f[2], 12);
    e->account[12] = '\0';
    return 0;
}

int creds_parse(const char *text, const char *name, struct creds **out, char *err, size_t errlen)
{
    struct creds *c = xcalloc(1, sizeof(*c));
    size_t text_len = strlen(text);
    char *copy = xmalloc(text_len + 1);
    memcpy(copy, text, text_len + 1);
    char *save = NULL;
    int lineno = 0;
    int rc = 0;
    *out = NULL;
    for (char *p = copy; p && rc == 0; p = save) {
        char *nl = strchr(p, '\n');
        save = nl ? nl + 1 : NULL;
        if (nl) {
            *nl = '\0';
        }
        rc = parse_line(c, p, name, ++lineno, err, errlen);
    }
    memset(copy, 0, text_len);
    free(copy);
    if (rc == 0 && c->n_entries == 0) {
        (void)snprintf(err, errlen, "%s: no access keys", name);
        rc = -EINVAL;
    }
    if (rc < 0) {
        creds_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

int creds_load(const char *path, struct creds **out, char *err, size_t errlen)
{
    char *text = NULL;
    size_t n = 0;
    *out = NULL;
    int rc = secret_file_read(path, CREDS_FILE_MAX, &text, &n, err, errlen);
    if (rc < 0) {
        return rc;
    }
    rc = creds_parse(text, path, out, err, errlen);
    secret_file_free(text, n);
    return rc;
}

const struct creds_entry *creds_find(const struct creds *c, const char *key_id)
{
    for (size_t i = 0; c && i < c->n_entries; i++) {
        if (strcmp(c->entries[i].key_id, key_id) == 0) {
            return &c->entries[i];
        }
    }
    return NULL;
}

void creds_free(struct creds *c)
{
    if (c == NULL) {
        return;
    }
    for (size_t i = 0; i < c->n_entries; i++) {
        free(c->entries[i].key_id);
        memset(c->entries[i].secret, 0, strlen(c->entries[i].secret));
        free(c->entries[i].secret);
    }
    free(c->entries);
    free(c);
}
