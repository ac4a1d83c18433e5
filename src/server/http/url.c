/* SPDX-License-Identifier: MIT */
/* Request-target parsing for the public API; see url.h. */
#include "http/url.h"

#include <errno.h>
#include <string.h>

#include "base/func.h"
#include "cl_hex.h"

int url_pct_decode(const char *in, size_t len, char *out, size_t cap)
{
    size_t n = 0;
    if (cap == 0) {
        return -E2BIG;
    }
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)in[i];
        if (c == '%') {
            int hi = i + 2 < len ? cl_hex_value((unsigned char)in[i + 1]) : -1;
            int lo = i + 2 < len ? cl_hex_value((unsigned char)in[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                return -EBADMSG;
            }
            c = hi * 16 + lo;
            i += 2;
        }
        if (c == 0) {
            return -EBADMSG;
        }
        if (n + 1 >= cap) {
            return -E2BIG;
        }
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return (int)n;
}

static bool qualifier_valid(const char *q)
{
    size_t len = strlen(q);
    if (strcmp(q, "$LATEST") == 0) {
        return true;
    }
    return len <= URL_QUALIFIER_MAX && func_name_valid(q, len < 64 ? len : 64) &&
           (len <= 64 || func_name_valid(q + 64, len - 64));
}

/* Splits s at ':' into at most max parts (pointers into s, which is modified). */
static int split_colons(char *s, char **parts, int max)
{
    int n = 0;
    parts[n++] = s;
    for (char *p = s; *p; p++) {
        if (*p == ':') {
            if (n == max) {
                return -1;
            }
            *p = '\0';
            parts[n++] = p + 1;
        }
    }
    return n;
}

/* Index of the name after "function" in an ARN's parts, or -1. */
static int name_index(char **parts, int n)
{
    if (n >= 7 && strcmp(parts[0], "arn") == 0 && strcmp(parts[2], "lambda") == 0 &&
        strcmp(parts[5], "function") == 0) {
        return 6; /* arn:aws:lambda:region:account:function:name[:q] */
    }
    if (n >= 3 && strcmp(parts[1], "function") == 0) {
        return 2; /* account:function:name[:q] */
    }
    return n <= 2 ? 0 : -1; /* name[:q] */
}

int url_parse_function(const char *id, struct url_fn *out)
{
    char buf[URL_ID_MAX + 1];
    char *parts[9];
    size_t len = strlen(id);
    memset(out, 0, sizeof(*out));
    if (len == 0 || len > URL_ID_MAX) {
        return -EINVAL;
    }
    memcpy(buf, id, len + 1);
    int n = split_colons(buf, parts, 8);
    int i = n < 0 ? -1 : name_index(parts, n);
    if (i < 0 || n - i > 2) {
        return -EINVAL;
    }
    const char *name = parts[i];
    const char *qual = n - i == 2 ? parts[i + 1] : "";
    if (!func_name_valid(name, strlen(name)) || (n - i == 2 && !qualifier_valid(qual))) {
        return -EINVAL;
    }
    memcpy(out->name, name, strlen(name) + 1);
    memcpy(out->qualifier, qual, strlen(qual) + 1);
    return 0;
}

int url_query_get(const char *url, const char *key, char *out, size_t cap)
{
    const char *q = strchr(url, '?');
    size_t klen = strlen(key);
    while (q) {
        q++;
        size_t plen = strcspn(q, "&");
        if (plen > klen && strncmp(q, key, klen) == 0 && q[klen] == '=') {
            int rc = url_pct_decode(q + klen + 1, plen - klen - 1, out, cap);
            return rc < 0 ? rc : 0;
        }
        q = q[plen] ? q + plen : NULL;
    }
    return -ENOENT;
}
