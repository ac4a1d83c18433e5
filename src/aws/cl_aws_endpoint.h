/* SPDX-License-Identifier: MIT */
/* Where a service's requests go, resolved as the AWS SDKs do: AWS_ENDPOINT_URL_<SERVICE>
 * (service-specific), then AWS_ENDPOINT_URL, then https://<service>.<region>.amazonaws.com
 * (amazonaws.com.cn in cn-* regions); AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true skips both
 * variables. The environment is read through a getter so that tests can feed their own. */
#ifndef CLAMBDA_AWS_CL_AWS_ENDPOINT_H
#define CLAMBDA_AWS_CL_AWS_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>

/* An endpoint URL taken apart. */
struct cl_aws_endpoint {
    bool is_tls;           /* https */
    char host[256];        /* name or address, IPv6 without brackets */
    char port[8];          /* "443" / "80" when the URL has none */
    char host_header[272]; /* Host: host, [v6], plus ":port" when not the scheme's default */
};

/* Reads one variable; NULL when unset. */
typedef const char *cl_aws_getenv_fn(const char *name, const void *user);

/* Writes the URL for service (e.g. "dynamodb", which reads AWS_ENDPOINT_URL_DYNAMODB) in
 * region into url. getenv_fn NULL means getenv(). 0, -EINVAL (a service or region with
 * characters outside [A-Za-z0-9-], an empty region with no configured URL), -E2BIG. */
int cl_aws_endpoint_resolve(const char *service, const char *region, cl_aws_getenv_fn *getenv_fn,
                            const void *user, char *url, size_t cap);

/* Parses "http[s]://host[:port][/]" (no user info, query or other path) into ep. 0 or
 * -EINVAL. */
int cl_aws_endpoint_parse(const char *url, struct cl_aws_endpoint *ep);

#endif /* CLAMBDA_AWS_CL_AWS_ENDPOINT_H */
