/* SPDX-License-Identifier: MIT */
/* Concurrency settings applied to the pool; see scaling.h. */
#include "catalog/scaling.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/func.h"
#include "base/log.h"
#include "base/xalloc.h"

/* A copy of cfg with reserved and provisioned changed, handed to pool_update_function (which
 * applies scaling changes in place). */
static void set_scaling(struct pool *p, const struct function_config *cfg, int reserved,
                        int provisioned)
{
    json_t *doc = NULL;
    func_config_to_json(cfg, &doc);
    struct function_config c;
    char err[256];
    if (func_config_from_json(&c, cfg->name, cfg->code_dir, doc, err, sizeof(err)) < 0) {
        json_decref(doc);
        log_error("%s: %s", cfg->name, err);
        return;
    }
    json_decref(doc);
    free(c.version);
    c.version = xstrdup(cfg->version);
    c.code_sha256 = cfg->code_sha256 ? xstrdup(cfg->code_sha256) : NULL;
    c.code_size = cfg->code_size;
    c.revision_id = cfg->revision_id ? xstrdup(cfg->revision_id) : NULL;
    c.last_modified = cfg->last_modified ? xstrdup(cfg->last_modified) : NULL;
    c.reserved = reserved;
    c.provisioned = provisioned;
    (void)pool_update_function(p, &c);
    func_config_fini(&c);
}

const char *scaling_target_version(const struct pool *p, const struct aliases *a,
                                   const char *function, const char *qualifier)
{
    const struct alias_target *t = aliases_get(a, function, qualifier);
    if (t) {
        return t->version;
    }
    const struct function_config *cfg = pool_function_version(p, function, qualifier);
    return cfg ? cfg->version : NULL;
}

int scaling_stored_provisioned(struct store *st, const char *function, const char *qualifier,
                               char *last_modified, size_t cap)
{
    char *doc = NULL;
    if (store_setting_get(st, function, SCALING_KIND_PROVISIONED, qualifier, &doc) < 0) {
        return 0;
    }
    json_t *o = json_loads(doc, 0, NULL);
    free(doc);
    int n = (int)json_integer_value(json_object_get(o, "Requested"));
    if (last_modified) {
        const char *lm = json_string_value(json_object_get(o, "LastModified"));
        (void)snprintf(last_modified, cap, "%s", lm ? lm : "");
    }
    json_decref(o);
    return n;
}

void scaling_apply_provisioned(struct store *st, struct pool *p, const struct aliases *a,
                               const char *function, const char *version)
{
    const struct function_config *cfg =
        version ? pool_function_version(p, function, version) : NULL;
    if (cfg == NULL) {
        return;
    }
    int n = scaling_stored_provisioned(st, function, version, NULL, 0);
    struct store_alias *as = NULL;
    size_t n_as = 0;
    if (store_alias_list(st, function, &as, &n_as) == 0) {
        for (size_t i = 0; i < n_as; i++) {
            const char *v = scaling_target_version(p, a, function, as[i].name);
            if (v && strcmp(v, version) == 0) {
                n += scaling_stored_provisioned(st, function, as[i].name, NULL, 0);
            }
        }
    }
    store_alias_list_free(as, n_as);
    if (cfg->provisioned != n) {
        set_scaling(p, cfg, cfg->reserved, n);
    }
}

void scaling_alias_moved(struct store *st, struct pool *p, const struct aliases *a,
                         const char *function, const char *alias, const char *old_version)
{
    if (scaling_stored_provisioned(st, function, alias, NULL, 0) <= 0) {
        return;
    }
    const char *now = scaling_target_version(p, a, function, alias);
    if (old_version && (now == NULL || strcmp(now, old_version) != 0)) {
        scaling_apply_provisioned(st, p, a, function, old_version);
    }
    if (now) {
        scaling_apply_provisioned(st, p, a, function, now);
    }
}

void scaling_restore(struct store *st, struct pool *p, const struct aliases *a,
                     const char *function)
{
    char **versions = NULL;
    size_t n = 0;
    const struct function_config *cfg;
    for (size_t i = 0; (cfg = pool_function_at(p, i)) != NULL; i++) {
        if (strcmp(cfg->name, function) == 0 && strcmp(cfg->version, "$LATEST") != 0) {
            versions = xrealloc(versions, (n + 1) * sizeof(*versions));
            versions[n++] = xstrdup(cfg->version);
        }
    }
    for (size_t i = 0; i < n; i++) {
        scaling_apply_provisioned(st, p, a, function, versions[i]);
        free(versions[i]);
    }
    free(versions);
}
