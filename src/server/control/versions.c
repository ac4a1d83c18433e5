/* SPDX-License-Identifier: MIT */
/* PublishVersion, ListVersionsByFunction and DeleteFunction of a version; see versions.h. The
 * versions themselves are made, stored and served by the catalog (catalog.h); aliases are in
 * aliases_api.c. */
#include "control/versions.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/page.h"
#include "api/target.h"
#include "base/func.h"
#include "base/xalloc.h"
#include "catalog/catalog.h"
#include "control/func_json.h"
#include "control/functions.h"
#include "exec/pool.h"

/* Largest page of ListVersionsByFunction (AWS: 50). */
#define VERSIONS_PAGE_MAX 50

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
                            "(%s). Please try again with the CodeSHA256 in $LATEST.",
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
    struct err err = {0};
    int64_t number = 0;
    if (catalog_publish(&call->ctl->catalog, name, description, &number, &err) < 0) {
        if (err.status == 404) {
            err_fini(&err);
            target_missing(call, name, NULL);
        } else {
            call_reject(call, &err);
        }
        return;
    }
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
    struct err err = {0};
    if (catalog_delete_version(&call->ctl->catalog, name, version, &err) < 0) {
        if (err.status == 404) {
            /* a version that does not exist (or never did): AWS answers 204 */
            err_fini(&err);
            call_json_empty(call, 204);
        } else {
            call_reject(call, &err);
        }
        return;
    }
    call_json_empty(call, 204);
}
