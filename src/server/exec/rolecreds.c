/* SPDX-License-Identifier: MIT */
/* Role credentials file parsing; see rolecreds.h. */
#include "exec/rolecreds.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/func.h"
#include "base/log.h"
#include "base/secret_file.h"
#include "base/xalloc.h"

/* Largest file read (as --credentials). */
#define ROLECREDS_FILE_MAX ((size_t)1024 * 1024)
/* Longest secret or session token taken (STS tokens are 400-1,200 characters today). */
#define ROLECREDS_VALUE_MAX 8192

static bool key_id_ok(const char *s)
{
    size_t len = strlen(s);
    if (len < 16 || len > 128) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!isalnum((unsigned char)s[i]) && s[i] != '_') {
            return false;
        }
    }
    return true;
}

/* A secret or token: 1..ROLECREDS_VALUE_MAX printable ASCII characters (it becomes an
 * environment variable; no newline or control character may hide in it). */
static bool value_ok(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > ROLECREDS_VALUE_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < 0x21 || s[i] > 0x7e) {
            return false;
        }
    }
    return true;
}

static const char *string_member(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* Checks one role's object; fills e. 0 or -EINVAL with err. */
static int parse_entry(const char *name, const char *role, json_t *v, struct rolecreds_entry *e,
                       char *err, size_t errlen)
{
    if (!func_role_valid(role)) {
        (void)snprintf(err, errlen,
                       "%s: \"%.200s\" is not a role ARN (arn:aws:iam::ACCOUNT:role/NAME)", name,
                       role);
        return -EINVAL;
    }
    if (!json_is_object(v)) {
        (void)snprintf(err, errlen,
                       "%s: %s: expected an object with AccessKeyId, SecretAccessKey "
                       "and SessionToken",
                       name, role);
        return -EINVAL;
    }
    const char *k;
    json_t *m;
    json_object_foreach(v, k, m)
    {
        bool known = strcmp(k, "AccessKeyId") == 0 || strcmp(k, "SecretAccessKey") == 0 ||
                     strcmp(k, "SessionToken") == 0 || strcmp(k, "Expiration") == 0;
        if (!known || !json_is_string(m)) {
            (void)snprintf(err, errlen, "%s: %s: %s%.64s%s", name, role,
                           known ? "" : "unknown member ", k,
                           known ? " must be a string"
                                 : " (AccessKeyId, SecretAccessKey, "
                                   "SessionToken, Expiration)");
            return -EINVAL;
        }
    }
    const char *id = string_member(v, "AccessKeyId");
    const char *secret = string_member(v, "SecretAccessKey");
    const char *token = string_member(v, "SessionToken");
    if (id == NULL || !key_id_ok(id)) {
        (void)snprintf(err, errlen, "%s: %s: AccessKeyId must be 16-128 of [A-Za-z0-9_]", name,
                       role);
        return -EINVAL;
    }
    if (secret == NULL || !value_ok(secret) || (token && !value_ok(token))) {
        (void)snprintf(err, errlen,
                       "%s: %s: SecretAccessKey (required) and SessionToken must be "
                       "1-%d printable characters without spaces",
                       name, role, ROLECREDS_VALUE_MAX);
        return -EINVAL;
    }
    e->role = xstrdup(role);
    e->key_id = xstrdup(id);
    e->secret = xstrdup(secret);
    e->token = token ? xstrdup(token) : NULL;
    return 0;
}

int rolecreds_parse(const char *text, const char *name, struct rolecreds **out, char *err,
                    size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    *out = NULL;
    if (!json_is_object(root)) {
        if (root == NULL) {
            (void)snprintf(err, errlen, "%s:%d: %s", name, jerr.line, jerr.text);
        } else {
            (void)snprintf(err, errlen, "%s: expected an object mapping role ARNs to credentials",
                           name);
        }
        json_decref(root);
        return -EINVAL;
    }
    struct rolecreds *c = xcalloc(1, sizeof(*c));
    c->entries = xcalloc(json_object_size(root) + 1, sizeof(*c->entries));
    const char *role;
    json_t *v;
    int rc = 0;
    json_object_foreach(root, role, v)
    {
        rc = parse_entry(name, role, v, &c->entries[c->n_entries], err, errlen);
        if (rc < 0) {
            break;
        }
        c->n_entries++;
    }
    json_decref(root);
    if (rc < 0) {
        rolecreds_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

int rolecreds_load(const char *path, struct rolecreds **out, char *err, size_t errlen)
{
    char *text = NULL;
    size_t n = 0;
    *out = NULL;
    int rc = secret_file_read(path, ROLECREDS_FILE_MAX, &text, &n, err, errlen);
    if (rc < 0) {
        return rc;
    }
    rc = rolecreds_parse(text, path, out, err, errlen);
    secret_file_free(text, n);
    return rc;
}

const struct rolecreds_entry *rolecreds_find(const struct rolecreds *c, const char *role)
{
    for (size_t i = 0; c && role && i < c->n_entries; i++) {
        if (strcmp(c->entries[i].role, role) == 0) {
            return &c->entries[i];
        }
    }
    return NULL;
}

static void entries_free(struct rolecreds *c)
{
    for (size_t i = 0; i < c->n_entries; i++) {
        struct rolecreds_entry *e = &c->entries[i];
        explicit_bzero(e->secret, strlen(e->secret));
        if (e->token) {
            explicit_bzero(e->token, strlen(e->token));
        }
        free(e->role);
        free(e->key_id);
        free(e->secret);
        free(e->token);
    }
    free(c->entries);
    c->entries = NULL;
    c->n_entries = 0;
}

void rolecreds_replace(struct rolecreds *dst, struct rolecreds *src)
{
    entries_free(dst);
    *dst = *src;
    free(src);
}

void rolecreds_free(struct rolecreds *c)
{
    if (c == NULL) {
        return;
    }
    entries_free(c);
    free(c);
}
