/* SPDX-License-Identifier: MIT */
/* PublishVersion, ListVersionsByFunction, DeleteFunction of a version and the start-up
 * restore of versions and aliases; see versions.h. Aliases are in aliases_api.c. */
#include "control/versions.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/page.h"
#include "api/target.h"
#include "base/func.h"
#include "base/ids.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "catalog/aliases.h"
#include "control/aliases_api.h"
#include "control/concurrency.h"
#include "control/func_json.h"
#include "control/functions.h"
#include "exec/pool.h"
#include "state/store.h"

/* Largest page of ListVersionsByFunction (AWS: 50). */
#define VERSIONS_PAGE_MAX 50

/* ---- snapshots ------------------------------------------------------------------------------ */

/* The configuration document of cfg without the function-level scaling members. */
static char *config_doc(const struct function_config *cfg)
{
    json_t *doc = NULL;
    func_config_to_json(cfg, &doc);
    (void)json_object_del(doc, "ReservedConcurrentExecutions");
    (void)json_object_del(doc, "ProvisionedConcurrentExecutions");
    char *s = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(doc);
    return s;
}

static char *now_iso(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    char out[FUNC_JSON_TIME_LEN];
    func_json_time((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, out);
    return xstrdup(out);
}

/* The snapshot document of $LATEST (cfg); description (NULL: the function's) is the
 * version's. */
static char *snapshot_of(const struct function_config *cfg, const char *description)
{
    char *doc_s = config_doc(cfg);
    json_t *doc = json_loads(doc_s, 0, NULL);
    free(doc_s);
    char rev[IDS_UUID_LEN];
    ids_uuid(rev);
    char *now = now_iso();
    json_t *snap =
        json_pack("{s:o, s:s, s:s?, s:I, s:s, s:s, s:s?}", "Config", doc, "CodeDir", cfg->code_dir,
                  "CodeSha256", cfg->code_sha256, "CodeSize", (json_int_t)cfg->code_size,
                  "RevisionId", rev, "LastModified", now, "Description", description);
    free(now);
    if (snap == NULL) {
        abort(); /* a code directory or description that is not UTF-8 */
    }
    char *s = json_dumps(snap, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(snap);
    return s;
}

/* Builds the pool configuration of version number of function from its snapshot. 0 or
 * -EINVAL (message in err). */
static int version_cfg(const char *function, int64_t number, const char *snapshot,
                       struct function_config *cfg, char *err, size_t errlen)
{
    json_t *snap = json_loads(snapshot, 0, NULL);
    const char *dir = json_string_value(json_object_get(snap, "CodeDir"));
    if (dir == NULL) {
        json_decref(snap);
        (void)snprintf(err, errlen, "version %s:%lld: snapshot unreadable", function,
                       (long long)number);
        return -EINVAL;
    }
    int rc =
        func_config_from_json(cfg, function, dir, json_object_get(snap, "Config"), err, errlen);
    if (rc == 0) {
        const char *sha = json_string_value(json_object_get(snap, "CodeSha256"));
        const char *description = json_string_value(json_object_get(snap, "Description"));
        if (description) { /* PublishVersion's Description overrides the function's */
            free(cfg->description);
            cfg->description = xstrdup(description);
        }
        free(cfg->version);
        cfg->version = xasprintf("%lld", (long long)number);
        cfg->code_sha256 = sha ? xstrdup(sha) : NULL;
        cfg->code_size = json_integer_value(json_object_get(snap, "CodeSize"));
        cfg->revision_id = xstrdup(json_string_value(json_object_get(snap, "RevisionId")));
        cfg->last_modified = xstrdup(json_string_value(json_object_get(snap, "LastModified")));
        cfg->reserved = -1;
        cfg->provisioned = 0;
    }
    json_decref(snap);
    return rc;
}

/* True when snapshot was taken of what $LATEST (cfg) is now. */
static bool snapshot_matches(const char *snapshot, const struct function_config *cfg)
{
    json_t *snap = json_loads(snapshot, 0, NULL);
    char *stored = json_dumps(json_object_get(snap, "Config"), JSON_COMPACT | JSON_SORT_KEYS);
    char *now = config_doc(cfg);
    const char *sha = json_string_value(json_object_get(snap, "CodeSha256"));
    const char *dir = json_string_value(json_object_get(snap, "CodeDir"));
    bool same = stored && strcmp(stored, now) == 0 && dir && strcmp(dir, cfg->code_dir) == 0 &&
                ((sha == NULL && cfg->code_sha256 == NULL) ||
                 (sha && cfg->code_sha256 && strcmp(sha, cfg->code_sha256) == 0));
    free(stored);
    free(now);
    json_decref(snap);
    return same;
}

/* ---- shared helpers ------------------------------------------------------------------------- */

static json_t *version_json(struct call *call, const struct function_config *cfg)
{
    return functions_configuration(call, cfg, strcmp(cfg->version, "$LATEST") != 0);
}

/* ---- PublishVersion ------------------------------------------------------------------------- */

/* Checks the CodeSha256 and RevisionId preconditions. False after answering. */
static bool publish_preconditions(struct call *call, json_t *body,
                                  const struct function_config *cfg, const char **description)
{
    const char *sha = NULL;
    const char *rev = NULL;
    if (!call_body_string(call, body, "CodeSha256", "codeSha256", 256, &sha) ||
        !call_body_string(call, body, "RevisionId", "revisionId", 64, &rev) ||
        !call_body_string(call, body, "Description", "description", 256, description)) {
        return false;
    }
    if (sha && (cfg->code_sha256 == NULL || strcmp(sha, cfg->code_sha256) != 0)) {
        char *m = xasprintf("CodeSHA256 (%s) is different from current CodeSHA256 in $LATEST "
                            "(%s). Please try again from the latest version.",
                            sha, cfg->code_sha256 ? cfg->code_sha256 : "");
        call_error(call, 400, "InvalidParameterValueException", m);
        free(m);
        return false;
    }
    if (rev && (cfg->revision_id == NULL || strcmp(rev, cfg->revision_id) != 0)) {
        call_error(call, 412, "PreconditionFailedException",
                   "The Revision Id provided does not match the latest Revision Id. Call "
                   "the GetFunction/GetAlias API to retrieve the latest Revision Id");
        return false;
    }
    return true;
}

/* The number of the newest version when it is a snapshot of what cfg is now; 0 otherwise. */
static int64_t unchanged_version(struct store *st, const struct function_config *cfg)
{
    struct store_version *vs = NULL;
    size_t n = 0;
    int64_t found = 0;
    if (store_version_list(st, cfg->name, &vs, &n) == 0 && n > 0 &&
        snapshot_matches(vs[n - 1].snapshot_json, cfg)) {
        found = vs[n - 1].version;
    }
    store_version_list_free(vs, n);
    return found;
}

static void answer_version(struct call *call, const char *name, int64_t number, int status)
{
    char v[24];
    (void)snprintf(v, sizeof(v), "%lld", (long long)number);
    const struct function_config *cfg = pool_function_version(call->ctl->pool, name, v);
    if (cfg == NULL) {
        call_error(call, 500, "ServiceException", "The published version is not loaded.");
        return;
    }
    call_json(call, status, version_json(call, cfg));
}

void versions_publish_latest(struct call *call, const char *name, const char *description,
                             int status)
{
    const struct function_config *latest = pool_function(call->ctl->pool, name);
    if (latest == NULL) {
        target_missing(call, name, NULL);
        return;
    }
    int64_t number = unchanged_version(call->ctl->store, latest);
    if (number > 0) {
        answer_version(call, name, number, status);
        return;
    }
    char *snap = snapshot_of(latest, description);
    int rc = store_version_publish(call->ctl->store, name, snap, &number);
    struct function_config cfg;
    char err[512] = "";
    if (rc == 0) {
        rc = version_cfg(name, number, snap, &cfg, err, sizeof(err));
    }
    free(snap);
    if (rc == -ENOENT) {
        char *m = xasprintf("Function %s is defined by --manifest or --function without the "
                            "store: it cannot be versioned.",
                            name);
        call_error(call, 409, "ResourceConflictException", m);
        free(m);
        return;
    }
    if (rc < 0) {
        call_error(call, 500, "ServiceException", "The function store failed.");
        return;
    }
    concurrency_apply_version(call->ctl, &cfg);
    (void)pool_update_function(call->ctl->pool, &cfg);
    func_config_fini(&cfg);
    answer_version(call, name, number, status);
}

void versions_publish(struct call *call)
{
    struct url_fn rf;
    const struct function_config *latest = target_get(call, TARGET_LATEST, &rf);
    json_t *body = latest ? call_object(call) : NULL;
    const char *description = NULL;
    if (body != NULL && publish_preconditions(call, body, latest, &description)) {
        versions_publish_latest(call, rf.name, description, 201);
    }
    json_decref(body);
}

/* ---- ListVersionsByFunction ----------------------------------------------------------------- */

static long rank(const char *v)
{
    return strcmp(v, "$LATEST") == 0 ? 0 : strtol(v, NULL, 10);
}

static int cmp_version(const void *a, const void *b)
{
    long x = rank((*(const struct function_config *const *)a)->version);
    long y = rank((*(const struct function_config *const *)b)->version);
    return x < y ? -1 : x > y;
}

/* Every configuration of function name, $LATEST first then by number. OUT: *n (free()). */
static const struct function_config **versions_of(const struct pool *p, const char *name, size_t *n)
{
    size_t total = 0;
    while (pool_function_at(p, total)) {
        total++;
    }
    const struct function_config **v = xcalloc(total + 1, sizeof(const struct function_config *));
    *n = 0;
    for (size_t i = 0; i < total; i++) {
        const struct function_config *cfg = pool_function_at(p, i);
        if (strcmp(cfg->name, name) == 0) {
            v[(*n)++] = cfg;
        }
    }
    qsort(v, *n, sizeof(const struct function_config *), cmp_version);
    return v;
}

/* Reads MaxItems and Marker (a version string). False after answering. */
static bool page_params(struct call *call, int *page, char *marker, size_t cap)
{
    if (!page_max_items(call, VERSIONS_PAGE_MAX, page)) {
        return false;
    }
    int rc = url_query_get(call->req->url, "Marker", marker, cap);
    if (rc == -ENOENT) {
        marker[0] = '\0';
    } else if (rc < 0 || (strcmp(marker, "$LATEST") != 0 && rank(marker) <= 0)) {
        call_error(call, 400, "InvalidParameterValueException",
                   "Invalid Marker: it must be a NextMarker returned by the same "
                   "operation.");
        return false;
    }
    return true;
}

void versions_list(struct call *call)
{
    struct url_fn rf;
    int page = 0;
    char marker[32];
    if (target_get(call, TARGET_LATEST, &rf) == NULL ||
        !page_params(call, &page, marker, sizeof(marker))) {
        return;
    }
    size_t n = 0;
    const struct function_config **v = versions_of(call->ctl->pool, rf.name, &n);
    size_t i = 0;
    while (*marker && i < n && rank(v[i]->version) <= rank(marker)) {
        i++;
    }
    size_t end = i + (size_t)page < n ? i + (size_t)page : n;
    json_t *list = json_array();
    for (size_t k = i; k < end; k++) {
        (void)json_array_append_new(list, version_json(call, v[k]));
    }
    json_t *o = json_pack("{s:o}", "Versions", list);
    if (end < n && end > i) {
        (void)json_object_set_new(o, "NextMarker", json_string(v[end - 1]->version));
    }
    free(v);
    call_json(call, 200, o);
}

/* ---- DeleteFunction of a version ------------------------------------------------------------ */

void versions_delete_version(struct call *call, const char *name, const char *version)
{
    char alias[ALIASES_NAME_MAX + 1];
    if (strcmp(version, "$LATEST") == 0) {
        call_error(call, 400, "InvalidParameterValueException",
                   "$LATEST version cannot be deleted without deleting the function.");
        return;
    }
    if (pool_function_version(call->ctl->pool, name, version) == NULL) {
        target_missing(call, name, version);
        return;
    }
    if (aliases_uses(call->ctl->aliases, name, version, alias, sizeof(alias))) {
        char *m = xasprintf("Unable to delete version because the following aliases reference "
                            "it: [%s]",
                            alias);
        call_error(call, 409, "ResourceConflictException", m);
        free(m);
        return;
    }
    int rc = store_version_delete(call->ctl->store, name, rank(version));
    if (rc < 0 && rc != -ENOENT) {
        call_error(call, 500, "ServiceException", "The function store failed.");
        return;
    }
    (void)store_setting_delete(call->ctl->store, name, "provisioned", version);
    (void)pool_remove_function(call->ctl->pool, name, version);
    call_json_empty(call, 204);
}

/* ---- restore at start ----------------------------------------------------------------------- */

static void restore_function(struct call_ctx *ctl, const char *name)
{
    struct store_version *vs = NULL;
    size_t n = 0;
    if (store_version_list(ctl->store, name, &vs, &n) < 0) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        struct function_config cfg;
        char err[512];
        if (version_cfg(name, vs[i].version, vs[i].snapshot_json, &cfg, err, sizeof(err)) < 0) {
            log_warn("%s; not served", err);
            continue;
        }
        concurrency_apply_version(ctl, &cfg);
        (void)pool_update_function(ctl->pool, &cfg);
        func_config_fini(&cfg);
    }
    store_version_list_free(vs, n);
    aliases_api_restore(ctl, name);
}

void versions_restore(struct call_ctx *ctl)
{
    size_t n = 0;
    while (pool_function_at(ctl->pool, n)) {
        n++;
    }
    char **names = xcalloc(n + 1, sizeof(*names));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const struct function_config *cfg = pool_function_at(ctl->pool, i);
        if (strcmp(cfg->version, "$LATEST") == 0) {
            names[k++] = xstrdup(cfg->name);
        }
    }
    for (size_t i = 0; i < k; i++) {
        restore_function(ctl, names[i]);
        concurrency_restore(ctl, names[i]);
        free(names[i]);
    }
    free(names);
}
