/* SPDX-License-Identifier: MIT */
/* Request targets of the public API: splitting path and query, percent-decoding (botocore
 * encodes every byte but -._~, so ':' arrives as %3A and '$' as %24), taking a FunctionName apart
 * (name, name:qualifier, partial or full ARN). Pure. */
#ifndef CLAMBDA_SERVER_ROUTE_H
#define CLAMBDA_SERVER_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

/* Longest qualifier ($LATEST, a version number or an alias of 1-128 characters). */
#define URL_QUALIFIER_MAX 128
/* Longest FunctionName path label AWS accepts (full ARN with qualifier). */
#define URL_ID_MAX 256

/* A function reference taken apart. */
struct url_fn {
    char name[URL_ID_MAX + 1]; /* api/target also keeps names no function can have (> 64) */
    char qualifier[URL_QUALIFIER_MAX + 1]; /* "" when none */
};

/* Percent-decodes in[0..len) into out (cap bytes incl. NUL). Returns the decoded length,
 * -EBADMSG for a bad escape or a decoded NUL, -E2BIG when out is too small. */
int url_pct_decode(const char *in, size_t len, char *out, size_t cap);

/* Parses a FunctionName: "my-fn", "my-fn:prod", "123456789012:function:my-fn[:q]",
 * "arn:aws:lambda:us-east-1:123456789012:function:my-fn[:q]". OUT: *out. 0 or -EINVAL. */
int url_parse_function(const char *id, struct url_fn *out);

/* Finds query parameter key in url's query and decodes it into out (cap bytes). 0, -ENOENT,
 * -EBADMSG or -E2BIG. */
int url_query_get(const char *url, const char *key, char *out, size_t cap);

#endif /* CLAMBDA_SERVER_ROUTE_H */
