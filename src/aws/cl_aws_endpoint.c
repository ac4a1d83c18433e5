/* SPDX-License-Identifier: MIT */
/* Endpoint resolution and URL parsing; see cl_aws_endpoint.h. */
#include "cl_aws_endpoint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *real_getenv(const char *name, const void *user)
{
    (void)user;
    return getenv(name);
}

static bool is_label(const char *s)
{
    return *s != '\0' &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") ==
               strlen(s);
}

/* The configured URL for service (AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL), or
 * NULL when none applies. */
static const char *configured_url(const char *service, cl_aws_getenv_fn *getenv_fn,
                                  const void *user)
{
    const char *ignore = getenv_fn("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", user);
    if (ignore != NULL && strcasecmp(ignore, "true") == 0) {
        return NULL;
    }
    char name[96];
    int n = snprintf(name, sizeof(name), "AWS_ENDPOINT_URL_%s", service);
    for (int i = 17; i < n; i++) {
        if (name[i] == '-') {
            name[i] = '_';
        } else if (name[i] >= 'a' && name[i] <= 'z') {
            name[i] = (char)(name[i] - 'a' + 'A');
        }
    }
    const char *v = getenv_fn(name, user);
    if (v == NULL || *v == '\0') {
        v = getenv_fn("AWS_ENDPOINT_URL", user);
    }
    return v != NULL && *v != '\0' ? v : NULL;
}

int cl_aws_endpoint_resolve(const char *service, const char *region, cl_aws_getenv_fn *getenv_fn,
                            const void *user, char *url, size_t cap)
{
    if (getenv_fn == NULL) {
        getenv_fn = real_getenv;
    }
    if (service == NULL || !is_label(service) || strlen(service) > 64) {
        return -EINVAL;
    }
    const char *v = configured_url(service, getenv_fn, user);
    if (v != NULL) {
        return snprintf(url, cap, "%s", v) < (int)cap ? 0 : -E2BIG;
    }
    if (region == NULL || !is_label(region) || strlen(region) > 64) {
        return -EINVAL;
    }
    const char *suffix = strncmp(region, "cn-", 3) == 0 ? "amazonaws.com.cn" : "amazonaws.com";
    int n = snprintf(url, cap, "https://%s.%s.%s", service, region, suffix);
    return n >= 0 && (size_t)n < cap ? 0 : -E2BIG;
}

/* Copies the port (digits, 1-65535) into ep, or the scheme's default when port is NULL. */
static int set_port(struct cl_aws_endpoint *ep, const char *port, size_t len)
{
    if (port == NULL) {
        (void)snprintf(ep->port, sizeof(ep->port), "%s", ep->is_tls ? "443" : "80");
        return 0;
    }
    if (len == 0 || len >= sizeof(ep->port) || strspn(port, "0123456789") < len) {
        return -EINVAL;
    }
    memcpy(ep->port, port, len);
    ep->port[len] = '\0';
    long p = strtol(ep->port, NULL, 10);
    return p >= 1 && p <= 65535 ? 0 : -EINVAL;
}

/* Splits the authority "host[:port]" or "[v6][:port]" into ep. */
static int parse_authority(const char *a, size_t len, struct cl_aws_endpoint *ep)
{
    const char *host = a, *port = NULL;
    size_t host_len = len;
    bool is_v6 = len > 0 && a[0] == '[';
    if (is_v6) {
        const char *close = memchr(a, ']', len);
        if (close == NULL || (close + 1 < a + len && close[1] != ':')) {
            return -EINVAL;
        }
        host = a + 1;
        host_len = (size_t)(close - host);
        port = close + 1 < a + len ? close + 2 : NULL;
    } else {
        const char *colon = memchr(a, ':', len);
        host_len = colon != NULL ? (size_t)(colon - a) : len;
        port = colon != NULL ? colon + 1 : NULL;
    }
    if (host_len == 0 || host_len >= sizeof(ep->host) || memchr(host, '@', host_len) != NULL ||
        set_port(ep, port, port != NULL ? (size_t)(a + len - port) : 0) < 0) {
        return -EINVAL;
    }
    memcpy(ep->host, host, host_len);
    ep->host[host_len] = '\0';
    bool is_default = strcmp(ep->port, ep->is_tls ? "443" : "80") == 0;
    (void)snprintf(ep->host_header, sizeof(ep->host_header), "%s%s%s%s%s", is_v6 ? "[" : "",
                   ep->host, is_v6 ? "]" : "", is_default ? "" : ":", is_default ? "" : ep->port);
    return 0;
}

int cl_aws_endpoint_parse(const char *url, struct cl_aws_endpoint *ep)
{
    memset(ep, 0, sizeof(*ep));
    const char *rest;
    if (url == NULL) {
        return -EINVAL;
    }
    if (strncasecmp(url, "https://", 8) == 0) {
        ep->is_tls = true;
        rest = url + 8;
    } else if (strncasecmp(url, "http://", 7) == 0) {
        rest = url + 7;
    } else {
        return -EINVAL;
    }
    size_t len = strcspn(rest, "/?#");
    if (rest[len] != '\0' && strcmp(rest + len, "/") != 0) {
        return -EINVAL; /* JSON-protocol services are served at "/" */
    }
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)rest[i] <= ' ' || rest[i] == 0x7f) {
            return -EINVAL;
        }
    }
    return parse_authority(rest, len, ep);
}
