/* SPDX-License-Identifier: MIT */
/* Version snapshots; see snapshot.h. A snapshot is {"Config", "CodeDir", "CodeSha256",
 * "CodeSize", "RevisionId", "LastModified", "Description", "Role"}, Config being
 * func_config_to_json() of $LATEST without ReservedConcurrentExecutions and
 * ProvisionedConcurrentExecutions (those are the function's, not the version's). */
#include "catalog/snapshot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ids.h"
#include "base/xalloc.h"

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

char *snapshot_new(const struct function_config *latest, const char *description)
{
    char *doc_s = config_doc(latest);
    json_t *doc = json_loads(doc_s, 0, NULL);
    free(doc_s);
    char rev[IDS_UUID_LEN];
    ids_uuid(rev);
    char now[IDS_TIME_LEN];
    ids_now_iso(now, 3, "+0000");
    json_t *snap = json_pack("{s:o, s:s, s:s?, s:I, s:s, s:s, s:s?, s:s?}", "Config", doc,
                             "CodeDir", latest->code_dir, "CodeSha256", latest->code_sha256,
                             "CodeSize", (json_int_t)latest->code_size, "RevisionId", rev,
                             "LastModified", now, "Description", description, "Role", latest->role);
    if (snap == NULL) {
        abort(); /* a code directory or description that is not UTF-8 */
    }
    char *s = json_dumps(snap, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(snap);
    return s;
}

int snapshot_config(const char *function, int64_t number, const char *snapshot,
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
        const char *rev = json_string_value(json_object_get(snap, "RevisionId"));
        const char *lm = json_string_value(json_object_get(snap, "LastModified"));
        const char *role = json_string_value(json_object_get(snap, "Role"));
        if (description) { /* PublishVersion's Description overrides the function's */
            free(cfg->description);
            cfg->description = xstrdup(description);
        }
        free(cfg->version);
        cfg->version = xasprintf("%lld", (long long)number);
        cfg->code_sha256 = sha ? xstrdup(sha) : NULL;
        cfg->code_size = json_integer_value(json_object_get(snap, "CodeSize"));
        cfg->revision_id = rev ? xstrdup(rev) : NULL;
        cfg->last_modified = lm ? xstrdup(lm) : NULL;
        cfg->role = role ? xstrdup(role) : NULL; /* the version's, as AWS keeps it */
        cfg->reserved = -1;
        cfg->provisioned = 0;
    }
    json_decref(snap);
    return rc;
}

static bool same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

bool snapshot_matches(const char *snapshot, const struct function_config *latest)
{
    json_t *snap = json_loads(snapshot, 0, NULL);
    char *stored = json_dumps(json_object_get(snap, "Config"), JSON_COMPACT | JSON_SORT_KEYS);
    char *now = config_doc(latest);
    const char *sha = json_string_value(json_object_get(snap, "CodeSha256"));
    const char *dir = json_string_value(json_object_get(snap, "CodeDir"));
    bool eq = stored && strcmp(stored, now) == 0 && dir && strcmp(dir, latest->code_dir) == 0 &&
              same(sha, latest->code_sha256) &&
              same(json_string_value(json_object_get(snap, "Role")), latest->role);
    free(stored);
    free(now);
    json_decref(snap);
    return eq;
}
