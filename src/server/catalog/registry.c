/* SPDX-License-Identifier: MIT */
/* Start-up registry (see registry.h): store rows become function_config, the command line is
 * merged over them and the changed functions are written back. */
#include "catalog/registry.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/func.h"
#include "base/ids.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "state/code.h"
#include "state/optdir.h"

/* AWS's LastModified format: "2026-11-26T22:00:00.000+0000". */
static char *now_iso(void)
{
    char t[IDS_TIME_LEN];
    ids_now_iso(t, 3, "+0000");
    return xstrdup(t);
}

static bool same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* doc (a stored configuration) without its EventInvokeConfig, serialised for comparison. */
static char *without_eic(const char *doc)
{
    json_t *o = json_loads(doc, 0, NULL);
    (void)json_object_del(o, "EventInvokeConfig");
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    return s;
}

/* True when json differs from old only in EventInvokeConfig (or not at all), with the same
 * code: AWS keeps the RevisionId and LastModified of a function whose event invoke config is
 * all that changed (the config is a resource of its own there). */
static bool same_revision(const struct store_function *old, const struct function_config *cfg,
                          const char *json)
{
    if (!same(old->code_sha256, cfg->code_sha256) || !same(old->code_location, cfg->code_dir)) {
        return false;
    }
    if (same(old->config_json, json)) {
        return true;
    }
    char *a = without_eic(old->config_json);
    char *b = without_eic(json);
    bool eq = a && b && strcmp(a, b) == 0;
    free(a);
    free(b);
    return eq;
}

/* registry_save, with a new revision whatever changed when revise is true. */
static int save(struct store *st, struct function_config *cfg, bool revise, char *err,
                size_t errlen)
{
    json_t *doc = NULL;
    func_config_to_json(cfg, &doc);
    char *json = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(doc);
    struct store_function old;
    int rc = store_function_get(st, cfg->name, &old);
    bool keep = !revise && rc == 0 && same_revision(&old, cfg, json);
    if (keep && same(old.config_json, json)) {
        free(cfg->revision_id);
        free(cfg->last_modified);
        cfg->revision_id = xstrdup(old.revision_id);
        cfg->last_modified = xstrdup(old.last_modified);
        store_function_fini(&old);
        free(json);
        return 0;
    }
    free(cfg->revision_id);
    free(cfg->last_modified);
    if (keep) {
        cfg->revision_id = xstrdup(old.revision_id);
        cfg->last_modified = xstrdup(old.last_modified);
    } else {
        char rev[64];
        ids_uuid(rev);
        cfg->revision_id = xstrdup(rev);
        cfg->last_modified = now_iso();
    }
    store_function_fini(&old);
    struct store_function f = {.name = cfg->name,
                               .config_json = json,
                               .code_sha256 = cfg->code_sha256,
                               .code_size = cfg->code_size,
                               .code_location = cfg->code_dir,
                               .revision_id = cfg->revision_id,
                               .last_modified = cfg->last_modified,
                               .state = NULL}; /* stored as "Active" */
    rc = store_function_put(st, &f, NULL);
    free(json);
    if (rc < 0) {
        (void)snprintf(err, errlen, "save function %s: %s", cfg->name, strerror(-rc));
    }
    return rc;
}

int registry_save(struct store *st, struct function_config *cfg, char *err, size_t errlen)
{
    return save(st, cfg, false, err, errlen);
}

int registry_save_revised(struct store *st, struct function_config *cfg, char *err, size_t errlen)
{
    return save(st, cfg, true, err, errlen);
}

char *registry_stored_role(struct store *st, const char *name)
{
    char *text = NULL;
    char *role = NULL;
    if (st && store_setting_get(st, name, "role", "", &text) == 0) {
        json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
        role = json_is_string(j) ? xstrdup(json_string_value(j)) : NULL;
        json_decref(j);
        free(text);
    }
    return role;
}

int registry_save_role(struct store *st, const char *name, const char *role)
{
    json_t *j = json_string(role);
    char *text = j ? json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    int rc = text ? store_setting_put(st, name, "role", "", text) : -EINVAL;
    if (rc < 0) {
        log_error("function %s: saving its Role failed (%s)", name, strerror(-rc));
    }
    free(text);
    json_decref(j);
    return rc;
}

/* Converts a stored row; a row that does not parse is skipped with a warning (kept on disk). */
static bool from_row(struct store *st, const struct store_function *row,
                     struct function_config *cfg)
{
    char err[256];
    json_error_t jerr;
    json_t *doc = json_loads(row->config_json, 0, &jerr);
    int rc = func_config_from_json(cfg, row->name, row->code_location, doc, err, sizeof(err));
    json_decref(doc);
    if (rc < 0) {
        log_warn("stored %s; not served", err);
        return false;
    }
    cfg->code_sha256 = row->code_sha256 ? xstrdup(row->code_sha256) : NULL;
    cfg->code_size = row->code_size;
    cfg->revision_id = xstrdup(row->revision_id);
    cfg->last_modified = xstrdup(row->last_modified);
    cfg->role = registry_stored_role(st, row->name);
    struct stat sb;
    if (stat(cfg->code_dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
        log_warn("function %s: code directory %s is missing; its invokes "
                 "fail with Runtime.InvalidEntrypoint",
                 cfg->name, cfg->code_dir);
    }
    return true;
}

static int load_stored(struct store *st, struct function_config **out, size_t *n_out, char *err,
                       size_t errlen)
{
    struct store_function *rows = NULL;
    size_t n_rows = 0;
    int rc = store_function_list(st, NULL, 0, &rows, &n_rows);
    if (rc < 0) {
        (void)snprintf(err, errlen, "read functions from the state database: %s", strerror(-rc));
        return rc;
    }
    *out = xcalloc(n_rows + 1, sizeof(**out));
    *n_out = 0;
    for (size_t i = 0; i < n_rows; i++) {
        if (from_row(st, &rows[i], &(*out)[*n_out])) {
            (*n_out)++;
        }
    }
    store_function_list_free(rows, n_rows);
    return 0;
}

/* One layer's Content (a directory, or a zip extracted into <state_dir>/code). OUT: *dir
 * (free()), *size (the zip's bytes, 0 for a directory). */
static int layer_content(const char *state_dir, const struct function_config *cfg,
                         const char *content, char **dir, int64_t *size, char *err, size_t errlen)
{
    struct stat sb;
    *size = 0;
    if (stat(content, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        *dir = xstrdup(content);
        return 0;
    }
    struct code_info ci;
    char msg[256];
    int rc = code_extract_file(state_dir, content, NULL, &ci, msg, sizeof(msg));
    if (rc < 0) {
        (void)snprintf(err, errlen, "function %s, layer %s: %s", cfg->name, content, msg);
        return rc == -EBADMSG || rc == -E2BIG || rc == -EINVAL || rc == -ENOENT ? -EINVAL : rc;
    }
    *dir = ci.dir;
    *size = (int64_t)ci.size;
    ci.dir = NULL;
    code_info_fini(&ci);
    return 0;
}

/* Layers that a SAM template named by their local content ({"Arn", "CodeSize", "Content"}, no
 * opt_dir yet): each content extracted when a zip, all merged into /opt (optdir_merge_live, so
 * an edited directory is seen at the next start), the document left with Arn and CodeSize. */
static int prepare_layers(const char *state_dir, struct function_config *cfg, char *err,
                          size_t errlen)
{
    json_t *doc = cfg->layers && cfg->opt_dir == NULL ? json_loads(cfg->layers, 0, NULL) : NULL;
    if (!json_is_array(doc) ||
        !json_is_string(json_object_get(json_array_get(doc, 0), "Content"))) {
        json_decref(doc);
        return 0;
    }
    size_t n = json_array_size(doc);
    char **dirs = xcalloc(n + 1, sizeof(*dirs));
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        json_t *l = json_array_get(doc, i);
        const char *content = json_string_value(json_object_get(l, "Content"));
        int64_t size = 0;
        rc = content ? layer_content(state_dir, cfg, content, &dirs[i], &size, err, errlen)
                     : -EINVAL;
        (void)json_object_set_new(l, "CodeSize", json_integer(size));
        (void)json_object_del(l, "Content");
    }
    char msg[512];
    if (rc == 0 && optdir_merge_live(state_dir, (const char *const *)dirs, n, &cfg->opt_dir, msg,
                                     sizeof(msg)) < 0) {
        (void)snprintf(err, errlen, "function %s, layers: %s", cfg->name, msg);
        rc = -EIO;
    }
    if (rc == 0) {
        free(cfg->layers);
        cfg->layers = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    }
    for (size_t i = 0; i < n; i++) {
        free(dirs[i]);
    }
    free(dirs);
    json_decref(doc);
    return rc;
}

int registry_prepare_code(const char *state_dir, struct function_config *cfg, char *err,
                          size_t errlen)
{
    int lrc = prepare_layers(state_dir, cfg, err, errlen);
    if (lrc < 0) {
        return lrc;
    }
    struct stat sb;
    if (stat(cfg->code_dir, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        return 0;
    }
    struct code_info ci;
    char msg[256];
    int rc = code_extract_file(state_dir, cfg->code_dir, NULL, &ci, msg, sizeof(msg));
    if (rc < 0) {
        (void)snprintf(err, errlen, "function %s, code %s: %s", cfg->name, cfg->code_dir, msg);
        return rc == -EBADMSG || rc == -E2BIG || rc == -EINVAL || rc == -ENOENT ? -EINVAL : rc;
    }
    free(cfg->code_dir);
    cfg->code_dir = ci.dir;
    ci.dir = NULL;
    free(cfg->code_sha256);
    cfg->code_sha256 = xstrdup(ci.sha256_b64);
    cfg->code_size = (int64_t)ci.size;
    return 0;
}

static struct function_config *find(struct function_config *fns, size_t n, const char *name,
                                    size_t len)
{
    for (size_t i = 0; i < n; i++) {
        if (strlen(fns[i].name) == len && strncmp(fns[i].name, name, len) == 0) {
            return &fns[i];
        }
    }
    return NULL;
}

/* Puts cmd (taken over) into the list, replacing a stored function of the same name. */
static int merge_one(struct function_config **fns, size_t *n, struct function_config *cmd,
                     bool *is_cmdline, char *err, size_t errlen)
{
    struct function_config *have = find(*fns, *n, cmd->name, strlen(cmd->name));
    if (have && is_cmdline[have - *fns]) {
        (void)snprintf(err, errlen, "--function %s given twice", cmd->name);
        return -EINVAL;
    }
    if (have == NULL) {
        *fns = xrealloc(*fns, (*n + 1) * sizeof(**fns));
        have = &(*fns)[(*n)++];
    } else {
        if (cmd->role == NULL) { /* the stored Role stays unless --set NAME.role changes it */
            cmd->role = have->role;
            have->role = NULL;
        }
        func_config_fini(have);
    }
    *have = *cmd;
    memset(cmd, 0, sizeof(*cmd));
    is_cmdline[have - *fns] = true;
    return 0;
}

int registry_load(struct store *st, const char *state_dir, struct function_config *cmdline,
                  size_t n_cmdline, struct function_config **out, size_t *n_out, char *err,
                  size_t errlen)
{
    struct function_config *fns = NULL;
    size_t n = 0;
    int rc = load_stored(st, &fns, &n, err, errlen);
    bool *is_cmdline = xcalloc(n + n_cmdline + 1, sizeof(*is_cmdline));
    for (size_t i = 0; rc == 0 && i < n_cmdline; i++) {
        rc = registry_prepare_code(state_dir, &cmdline[i], err, errlen);
        if (rc == 0) {
            rc = merge_one(&fns, &n, &cmdline[i], is_cmdline, err, errlen);
        }
    }
    free(is_cmdline);
    if (rc < 0) {
        registry_list_free(fns, n);
        fns = NULL;
        n = 0;
    }
    *out = fns;
    *n_out = n;
    return rc;
}

void registry_list_free(struct function_config *fns, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        func_config_fini(&fns[i]);
    }
    free(fns);
}
