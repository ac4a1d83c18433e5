/* SPDX-License-Identifier: MIT */
/* Route matching; see apiroute.h. A route's rank is the kind of each of its segments, left to
 * right (literal 3, {param} 2, {proxy+} 1), then its method (2) over ANY (1); of the routes
 * that match, the highest rank wins, compared position by position. */
#include "gateway/apiroute.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "http/url.h"

/* Most segments a route or a request path is compared on; longer ones do not match. */
#define APIROUTE_MAX_SEGS 64

enum seg_kind { SEG_GREEDY = 1, SEG_PARAM = 2, SEG_LITERAL = 3 };

/* A path split at '/': starts and lengths of its segments ("/" has none). */
struct segs {
    const char *at[APIROUTE_MAX_SEGS];
    size_t len[APIROUTE_MAX_SEGS];
    size_t n;
};

static bool split(const char *path, size_t plen, struct segs *s)
{
    s->n = 0;
    if (plen == 0 || path[0] != '/') {
        return false;
    }
    if (plen == 1) {
        return true;
    }
    const char *p = path + 1;
    const char *end = path + plen;
    for (;;) {
        if (s->n == APIROUTE_MAX_SEGS) {
            return false;
        }
        const char *slash = memchr(p, '/', (size_t)(end - p));
        size_t n = slash ? (size_t)(slash - p) : (size_t)(end - p);
        s->at[s->n] = p;
        s->len[s->n++] = n;
        if (slash == NULL) {
            return true;
        }
        p = slash + 1;
    }
}

static enum seg_kind kind_of(const char *seg, size_t len)
{
    if (len >= 3 && seg[0] == '{' && seg[len - 1] == '}') {
        return len >= 4 && seg[len - 2] == '+' ? SEG_GREEDY : SEG_PARAM;
    }
    return SEG_LITERAL;
}

/* The percent-decoded text of raw[0..len) as a JSON string (the raw text when it does not
 * decode to UTF-8). */
static json_t *decoded(const char *raw, size_t len)
{
    char *out = xmalloc(len + 1);
    int n = url_pct_decode(raw, len, out, len + 1);
    json_t *j = n >= 0 ? json_stringn(out, (size_t)n) : NULL;
    free(out);
    j = j ? j : json_stringn(raw, len);
    return j ? j : json_string("(invalid UTF-8)");
}

/* Whether the literal lit equals the request segment seg once decoded. */
static bool literal_eq(const char *lit, size_t llen, const char *seg, size_t slen)
{
    if (llen == slen && memcmp(lit, seg, llen) == 0) {
        return true;
    }
    char buf[512];
    int n = memchr(seg, '%', slen) ? url_pct_decode(seg, slen, buf, sizeof(buf)) : -1;
    return n >= 0 && (size_t)n == llen && memcmp(buf, lit, llen) == 0;
}

/* Matches route r's path against the request's segments. OUT: rank[0..*n_rank) and, when
 * params is not NULL, the path parameters added to it. */
static bool match_path(const char *tmpl, const struct segs *req, int *rank, size_t *n_rank,
                       json_t *params)
{
    struct segs t;
    if (!split(tmpl, strlen(tmpl), &t)) {
        return false;
    }
    size_t i = 0;
    for (; i < t.n; i++) {
        enum seg_kind k = kind_of(t.at[i], t.len[i]);
        rank[i] = (int)k;
        if (k == SEG_GREEDY) {
            if (i + 1 != t.n || i >= req->n) {
                return false; /* greedy only last, and it takes one segment or more */
            }
            const char *from = req->at[i];
            const char *to = req->at[req->n - 1] + req->len[req->n - 1];
            if (to == from) {
                return false;
            }
            if (params) {
                char *name = xstrndup(t.at[i] + 1, t.len[i] - 3);
                (void)json_object_set_new(params, name, decoded(from, (size_t)(to - from)));
                free(name);
            }
            *n_rank = t.n;
            return true;
        }
        if (i >= req->n) {
            return false;
        }
        if (k == SEG_PARAM) {
            if (req->len[i] == 0) {
                return false;
            }
            if (params) {
                char *name = xstrndup(t.at[i] + 1, t.len[i] - 2);
                (void)json_object_set_new(params, name, decoded(req->at[i], req->len[i]));
                free(name);
            }
        } else if (!literal_eq(t.at[i], t.len[i], req->at[i], req->len[i])) {
            return false;
        }
    }
    *n_rank = t.n;
    return i == req->n;
}

/* >0 when rank a is above rank b. */
static int rank_cmp(const int *a, size_t na, const int *b, size_t nb)
{
    for (size_t i = 0; i < na && i < nb; i++) {
        if (a[i] != b[i]) {
            return a[i] - b[i];
        }
    }
    return (int)na - (int)nb;
}

int apiroute_find(const struct sam_template *t, const char *method, const char *path,
                  struct apiroute_match *m)
{
    m->route = 0;
    m->params = NULL;
    struct segs req;
    if (!split(path, strlen(path), &req)) {
        return -ENOENT;
    }
    int best[APIROUTE_MAX_SEGS + 1];
    size_t n_best = 0;
    bool found = false;
    size_t fallback = (size_t)-1; /* a $default route */
    for (size_t i = 0; i < t->n_routes; i++) {
        const struct sam_route *r = &t->routes[i];
        bool any = strcmp(r->method, "ANY") == 0;
        if (!any && strcmp(r->method, method) != 0) {
            continue;
        }
        if (strcmp(r->path, "$default") == 0) {
            fallback = fallback == (size_t)-1 ? i : fallback;
            continue;
        }
        int rank[APIROUTE_MAX_SEGS + 1];
        size_t n_rank = 0;
        if (!match_path(r->path, &req, rank, &n_rank, NULL)) {
            continue;
        }
        rank[n_rank++] = any ? 1 : 2;
        if (!found || rank_cmp(rank, n_rank, best, n_best) > 0) {
            memcpy(best, rank, n_rank * sizeof(*rank));
            n_best = n_rank;
            m->route = i;
            found = true;
        }
    }
    if (!found && fallback == (size_t)-1) {
        return -ENOENT;
    }
    if (!found) {
        m->route = fallback;
        return 0;
    }
    json_t *params = json_object();
    int rank[APIROUTE_MAX_SEGS + 1];
    size_t n_rank = 0;
    (void)match_path(t->routes[m->route].path, &req, rank, &n_rank, params);
    if (json_object_size(params) > 0) {
        m->params = params;
    } else {
        json_decref(params);
    }
    return 0;
}

void apiroute_match_fini(struct apiroute_match *m)
{
    json_decref(m->params);
    m->params = NULL;
}

void apiroute_key(const struct sam_route *r, char *key, size_t cap)
{
    if (strcmp(r->path, "$default") == 0) {
        (void)snprintf(key, cap, "$default");
    } else {
        (void)snprintf(key, cap, "%s %s", r->method, r->path);
    }
}

size_t apiroute_conflicts(const struct sam_template *t,
                          void (*fn)(void *arg, const struct sam_route *a,
                                     const struct sam_route *b),
                          void *arg)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n_routes; i++) {
        for (size_t k = i + 1; k < t->n_routes; k++) {
            const struct sam_route *a = &t->routes[i];
            const struct sam_route *b = &t->routes[k];
            if (strcmp(a->method, b->method) == 0 && strcmp(a->path, b->path) == 0) {
                fn(arg, a, b);
                n++;
            }
        }
    }
    return n;
}
