/* SPDX-License-Identifier: MIT */
/* Read-only function operations; see functions.h. */
#include "control/functions.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "api/page.h"
#include "api/target.h"
#include "base/func.h"
#include "base/ids.h"
#include "base/xalloc.h"
#include "catalog/registry.h"
#include "cl_b64.h"
#include "control/download.h"
#include "control/func_json.h"
#include "control/settings.h"
#include "exec/pool.h"
#include "state/store.h"

/* AWS's default account limits that clambda does not enforce differently. */
#define LIMIT_TOTAL_CODE_SIZE    80530636800LL
#define LIMIT_CODE_SIZE_UNZIPPED 262144000LL
#define LIMIT_CODE_SIZE_ZIPPED   52428800LL

/* Per function version: for directory functions, what the store keeps for zip ones (code hash
 * and size, a revision); for stored functions, the Role (a store setting). A configuration
 * replaced by a reload or an update is a new pointer or revision: its meta is refreshed. */
struct fn_meta {
    char *name;
    char *version;
    const struct function_config *cfg; /* the configuration this meta describes */
    char *rev_seen;                    /* cfg->revision_id when filled (stored functions) */
    char *role;                        /* stored Role, or NULL */
    char sha256[48];                   /* base64 */
    long long size;
    long long registered_ms;
    char revision[IDS_UUID_LEN];
};

struct functions {
    struct fn_meta *v;
    size_t n;
    struct store *store; /* NULL in tests without a store */
};

static long long now_ms(void)
{
    struct timeval tv;
    (void)gettimeofday(&tv, NULL);
    return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* SHA-256 (base64) and size of dir/bootstrap; "" and 0 when it cannot be read. */
static void hash_bootstrap(const char *dir, struct fn_meta *m)
{
    char *path = xasprintf("%s/bootstrap", dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    free(path);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (fd < 0 || ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        if (fd >= 0) {
            (void)close(fd);
        }
        return;
    }
    uint8_t buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        (void)EVP_DigestUpdate(ctx, buf, (size_t)n);
        m->size += n;
    }
    (void)close(fd);
    uint8_t md[32];
    unsigned int mdlen = 0;
    (void)EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    struct cl_buf b;
    cl_buf_init(&b, sizeof(m->sha256) - 1);
    if (n == 0 && cl_b64_encode(&b, md, mdlen) == 0) {
        memcpy(m->sha256, cl_buf_str(&b), b.len + 1);
    }
    cl_buf_fini(&b);
}

char *functions_stored_role(struct store *st, const char *name)
{
    return registry_stored_role(st, name);
}

static void meta_fill(struct functions *f, struct fn_meta *m, const struct function_config *cfg)
{
    m->cfg = cfg;
    m->size = 0;
    m->sha256[0] = '\0';
    m->registered_ms = now_ms();
    ids_uuid(m->revision);
    free(m->rev_seen);
    free(m->role);
    m->rev_seen = cfg->revision_id ? xstrdup(cfg->revision_id) : NULL;
    m->role = cfg->role          ? xstrdup(cfg->role) /* the configuration's, or the version's */
              : cfg->revision_id ? functions_stored_role(f->store, cfg->name)
                                 : NULL;
    if (cfg->code_sha256 == NULL) {
        hash_bootstrap(cfg->code_dir, m); /* a directory: no zip to describe */
    }
}

static bool same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

static struct fn_meta *meta_of(struct functions *f, const struct function_config *cfg)
{
    for (size_t i = 0; i < f->n; i++) {
        struct fn_meta *m = &f->v[i];
        if (strcmp(m->name, cfg->name) == 0 && strcmp(m->version, cfg->version) == 0) {
            if (m->cfg != cfg || !same_str(m->rev_seen, cfg->revision_id)) {
                meta_fill(f, m, cfg);
            }
            return m;
        }
    }
    f->v = xrealloc(f->v, (f->n + 1) * sizeof(*f->v));
    struct fn_meta *m = &f->v[f->n++];
    memset(m, 0, sizeof(*m));
    m->name = xstrdup(cfg->name);
    m->version = xstrdup(cfg->version);
    meta_fill(f, m, cfg);
    return m;
}

struct functions *functions_new(const struct pool *p, struct store *st)
{
    struct functions *f = xcalloc(1, sizeof(*f));
    f->store = st;
    const struct function_config *cfg;
    for (size_t i = 0; (cfg = pool_function_at(p, i)) != NULL; i++) {
        (void)meta_of(f, cfg);
    }
    return f;
}

void functions_free(struct functions *f)
{
    if (f == NULL) {
        return;
    }
    for (size_t i = 0; i < f->n; i++) {
        free(f->v[i].name);
        free(f->v[i].version);
        free(f->v[i].rev_seen);
        free(f->v[i].role);
    }
    free(f->v);
    free(f);
}

static json_t *configuration(struct call *call, const struct function_config *cfg, bool qualified)
{
    const struct fn_meta *m = meta_of(call->ctl->fns, cfg);
    /* stored functions carry their own code hash, size and revision (registry.c) */
    struct func_meta fm = {.version = cfg->version,
                           .role = m->role,
                           .description = cfg->description,
                           .code_sha256 = cfg->code_sha256 ? cfg->code_sha256 : m->sha256,
                           .code_size = cfg->code_sha256 ? cfg->code_size : m->size,
                           .last_modified_ms = m->registered_ms,
                           .last_modified = cfg->last_modified,
                           .revision_id = cfg->revision_id ? cfg->revision_id : m->revision};
    return func_json_config(cfg, &fm, call->ctl->region, call->account, qualified);
}

json_t *functions_configuration(struct call *call, const struct function_config *cfg,
                                bool qualified)
{
    return configuration(call, cfg, qualified);
}

/* ---- resolving {FunctionName} ------------------------------------------------------------- */

/* The configuration the path label and ?Qualifier= name (a version, an alias's version or
 * $LATEST). OUT: *qualified (a qualifier was given). NULL after answering an error. */
static const struct function_config *resolve(struct call *call, bool *qualified)
{
    struct url_fn rf;
    const struct function_config *cfg = target_get(call, TARGET_VERSION, &rf);
    *qualified = *rf.qualifier != '\0';
    return cfg;
}

void functions_get_configuration(struct call *call)
{
    bool qualified = false;
    const struct function_config *cfg = resolve(call, &qualified);
    if (cfg) {
        call_json(call, 200, configuration(call, cfg, qualified));
    }
}

void functions_get(struct call *call)
{
    bool qualified = false;
    const struct function_config *cfg = resolve(call, &qualified);
    if (cfg == NULL) {
        return;
    }
    json_t *o = json_object();
    (void)json_object_set_new(o, "Configuration", configuration(call, cfg, qualified));
    char *loc = download_url(call, cfg->code_sha256); /* NULL: a directory, no zip */
    if (loc) {
        (void)json_object_set_new(o, "Code",
                                  json_pack("{s:s,s:s}", "RepositoryType", "S3", "Location", loc));
        free(loc);
    }
    if (cfg->reserved >= 0) {
        (void)json_object_set_new(
            o, "Concurrency", json_pack("{s:i}", "ReservedConcurrentExecutions", cfg->reserved));
    }
    json_t *tags = settings_tags(call, cfg->name);
    if (json_object_size(tags)) {
        (void)json_object_set_new(o, "Tags", tags);
    } else {
        json_decref(tags);
    }
    call_json(call, 200, o);
}

void functions_get_concurrency(struct call *call)
{
    bool qualified = false;
    const struct function_config *cfg = resolve(call, &qualified);
    if (cfg == NULL) {
        return;
    }
    json_t *o = json_object();
    if (cfg->reserved >= 0) {
        (void)json_object_set_new(o, "ReservedConcurrentExecutions", json_integer(cfg->reserved));
    }
    call_json(call, 200, o);
}

/* ---- ListFunctions, GetAccountSettings ---------------------------------------------------- */

/* Order of versions: $LATEST first, then published versions by number. */
static long version_rank(const char *v)
{
    return strcmp(v, "$LATEST") == 0 ? 0 : strtol(v, NULL, 10);
}

static int cmp_key(const char *name_a, const char *ver_a, const char *name_b, const char *ver_b)
{
    int c = strcmp(name_a, name_b);
    if (c != 0) {
        return c;
    }
    long ra = version_rank(ver_a);
    long rb = version_rank(ver_b);
    return ra < rb ? -1 : ra > rb;
}

static int cmp_cfg(const void *a, const void *b)
{
    const struct function_config *x = *(const struct function_config *const *)a;
    const struct function_config *y = *(const struct function_config *const *)b;
    return cmp_key(x->name, x->version, y->name, y->version);
}

/* The functions' $LATEST configurations (every version when all), sorted. OUT: *n. Caller
 * frees the array. */
static const struct function_config **sorted(const struct pool *p, bool all, size_t *n)
{
    size_t total = 0;
    while (pool_function_at(p, total)) {
        total++;
    }
    const struct function_config **v =
        xcalloc(total ? total : 1, sizeof(const struct function_config *));
    size_t count = 0;
    for (size_t i = 0; i < total; i++) {
        const struct function_config *cfg = pool_function_at(p, i);
        if (all || strcmp(cfg->version, "$LATEST") == 0) {
            v[count++] = cfg;
        }
    }
    qsort(v, count, sizeof(const struct function_config *), cmp_cfg);
    *n = count;
    return v;
}

/* A marker is "NAME" or "NAME:VERSION" (the last item of the previous page). */
static bool parse_marker(char *marker, const char **version)
{
    char *colon = strchr(marker, ':');
    *version = "$LATEST";
    if (colon) {
        *colon = '\0';
        *version = colon + 1;
        if (strcmp(*version, "$LATEST") != 0 &&
            (version_rank(*version) <= 0 || strspn(*version, "0123456789") != strlen(*version))) {
            return false;
        }
    }
    return func_name_valid(marker, strlen(marker));
}

/* Reads MaxItems, FunctionVersion and Marker. False after answering an error. */
static bool list_params(struct call *call, int *page, bool *all, char *marker, size_t cap,
                        const char **mversion)
{
    char fv[64];
    const char *url = call->req->url;
    if (!page_max_items(call, FUNCTIONS_PAGE_MAX, page)) {
        return false;
    }
    int rc = url_query_get(url, "FunctionVersion", fv, sizeof(fv));
    if (rc != -ENOENT && (rc < 0 || strcmp(fv, "ALL") != 0)) {
        call_invalid(call, rc < 0 ? "(malformed)" : fv, "functionVersion",
                     "Member must satisfy enum value set: [ALL]");
        return false;
    }
    *all = rc == 0;
    rc = url_query_get(url, "Marker", marker, cap);
    *mversion = "$LATEST";
    if (rc == -ENOENT) {
        marker[0] = '\0';
        return true;
    }
    if (rc < 0 || !parse_marker(marker, mversion)) {
        call_error(call, 400, "InvalidParameterValueException",
                   "Invalid Marker: it must be a NextMarker returned by ListFunctions.");
        return false;
    }
    return true;
}

/* Pages are in (name, version) order; NextMarker names the last item of the page, and the next
 * page starts after it (functions added or removed between pages never repeat or shift a
 * page). */
void functions_list(struct call *call)
{
    int page = 0;
    bool all = false;
    char marker[FUNC_NAME_MAX + 32];
    const char *mversion = NULL;
    if (!list_params(call, &page, &all, marker, sizeof(marker), &mversion)) {
        return;
    }
    size_t n = 0;
    const struct function_config **v = sorted(call->ctl->pool, all, &n);
    size_t i = 0;
    while (*marker && i < n && cmp_key(v[i]->name, v[i]->version, marker, mversion) <= 0) {
        i++;
    }
    json_t *list = json_array();
    size_t end = i + (size_t)page < n ? i + (size_t)page : n;
    for (size_t k = i; k < end; k++) {
        bool versioned = strcmp(v[k]->version, "$LATEST") != 0;
        (void)json_array_append_new(list, configuration(call, v[k], versioned));
    }
    json_t *o = json_pack("{s:o}", "Functions", list);
    if (end < n && end > i) {
        char *next = all ? xasprintf("%s:%s", v[end - 1]->name, v[end - 1]->version)
                         : xstrdup(v[end - 1]->name);
        (void)json_object_set_new(o, "NextMarker", json_string(next));
        free(next);
    }
    free(v);
    call_json(call, 200, o);
}

void functions_account_settings(struct call *call)
{
    const struct function_config *cfg;
    long long code = 0;
    long long reserved = 0;
    size_t count = 0;
    size_t n_fns = 0;
    for (; (cfg = pool_function_at(call->ctl->pool, count)) != NULL; count++) {
        code += meta_of(call->ctl->fns, cfg)->size;
        if (strcmp(cfg->version, "$LATEST") == 0) {
            reserved += cfg->reserved > 0 ? cfg->reserved : 0;
            n_fns++;
        }
    }
    long long total = call->ctl->max_concurrency;
    long long unreserved = total - reserved > 0 ? total - reserved : 0;
    json_t *o = json_pack(
        "{s:{s:I, s:I, s:I, s:I, s:I}, s:{s:I, s:I}}", "AccountLimit", "TotalCodeSize",
        (json_int_t)LIMIT_TOTAL_CODE_SIZE, "CodeSizeUnzipped", (json_int_t)LIMIT_CODE_SIZE_UNZIPPED,
        "CodeSizeZipped", (json_int_t)LIMIT_CODE_SIZE_ZIPPED, "ConcurrentExecutions",
        (json_int_t)total, "UnreservedConcurrentExecutions", (json_int_t)unreserved, "AccountUsage",
        "TotalCodeSize", (json_int_t)code, "FunctionCount", (json_int_t)n_fns);
    call_json(call, 200, o);
}
