/* SPDX-License-Identifier: MIT */
/* The credentials file of `clambda serve --auth sigv4 --credentials FILE`: which access keys
 * may call the API, their secrets, and the 12-digit account id each key belongs to (used in the
 * ARNs the API returns). Format (docs/serve.md): one key per line,
 * "ACCESS_KEY_ID SECRET_ACCESS_KEY ACCOUNT_ID", separated by spaces or tabs; blank lines and
 * lines starting with '#' are ignored. Loaded once at startup. */
#ifndef CLAMBDA_SERVER_CREDS_H
#define CLAMBDA_SERVER_CREDS_H

#include <stddef.h>

/* One access key. */
struct creds_entry {
    char *key_id;
    char *secret;
    char account[13];
};

/* Every key of a credentials file. */
struct creds {
    struct creds_entry *entries;
    size_t n_entries;
};

/* Reads path. OUT: *out (creds_free). 0, or -EINVAL / -errno with a message naming the file
 * and line in err (errlen bytes). A file readable by group or others gets a warning on stderr. */
int creds_load(const char *path, struct creds **out, char *err, size_t errlen);
/* Parses the text of a credentials file (name is used in messages). As creds_load. */
int creds_parse(const char *text, const char *name, struct creds **out, char *err, size_t errlen);
/* The entry of key_id, or NULL (borrowed, valid while c lives). */
const struct creds_entry *creds_find(const struct creds *c, const char *key_id);
/* Frees c (secrets are wiped first). NULL is a no-op. */
void creds_free(struct creds *c);

#endif /* CLAMBDA_SERVER_CREDS_H */
