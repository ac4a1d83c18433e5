/* SPDX-License-Identifier: MIT */
/* The role credentials file of `clambda serve --role-credentials FILE`: which credentials the
 * environments of a function with a given execution role receive, as AWS hands a function its
 * role's temporary credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN).
 * Format (docs/serve.md "Credentials for functions"): one JSON object, role ARN → the members
 * of STS's Credentials (what `aws sts assume-role` prints under "Credentials"):
 *
 *   {"arn:aws:iam::123456789012:role/items-api":
 *       {"AccessKeyId": "ASIA...", "SecretAccessKey": "...", "SessionToken": "..."}}
 *
 * SessionToken is optional (long-term keys have none), Expiration is accepted and not used;
 * any other member is refused. Access key ids follow --credentials' rule (16-128 of
 * [A-Za-z0-9_]); the file the same checks (a regular file of at most 1 MB, a warning when
 * others may read it). Read at start and again on SIGHUP. */
#ifndef CLAMBDA_SERVER_ROLECREDS_H
#define CLAMBDA_SERVER_ROLECREDS_H

#include <stddef.h>

/* One role's credentials. */
struct rolecreds_entry {
    char *role;   /* the role ARN */
    char *key_id; /* AWS_ACCESS_KEY_ID */
    char *secret; /* AWS_SECRET_ACCESS_KEY */
    char *token;  /* AWS_SESSION_TOKEN, NULL when none */
};

/* Every role of a file. */
struct rolecreds {
    struct rolecreds_entry *entries;
    size_t n_entries;
};

/* Reads path. OUT: *out (rolecreds_free). 0, or -EINVAL / -errno with a message naming the file
 * and the role or member in err (errlen bytes); the message never holds a secret. */
int rolecreds_load(const char *path, struct rolecreds **out, char *err, size_t errlen);
/* Parses the text of a role credentials file (name is used in messages). As rolecreds_load. */
int rolecreds_parse(const char *text, const char *name, struct rolecreds **out, char *err,
                    size_t errlen);
/* The credentials of role, or NULL (role NULL, c NULL or not in the file). Borrowed, valid
 * until c is freed or replaced. */
const struct rolecreds_entry *rolecreds_find(const struct rolecreds *c, const char *role);
/* Moves the entries of src into dst (whose old entries are freed) and frees src: holders of dst
 * (the pool's environments, reading it when they start) see the new file at once. */
void rolecreds_replace(struct rolecreds *dst, struct rolecreds *src);
/* Frees c, secrets wiped first. NULL is a no-op. */
void rolecreds_free(struct rolecreds *c);

#endif /* CLAMBDA_SERVER_ROLECREDS_H */
