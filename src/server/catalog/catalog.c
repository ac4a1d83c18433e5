/* SPDX-License-Identifier: MIT */
/* The catalog; see catalog.h and docs/internals/catalog.md. Every call writes the store first
 * and changes the pool only once the store holds the change, so that a failed write leaves the
 * running functions as they were. The pool gets copies of the caller's configurations: the
 * caller still has the saved revision to answer with. */
#include "catalog/catalog.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "catalog/aliases.h"
#include "catalog/registry.h"
#include "catalog/scaling.h"
#include "catalog/snapshot.h"
#include "exec/pool.h"
#include "state/store.h"

#define SERVICE   "ServiceException"
#define CONFLICT  "ResourceConflictException"
#define NOT_FOUND "ResourceNotFoundException"

void catalog_init(struct catalog *cat, struct store *store, struct pool *pool,
                  struct aliases *aliases)
{
    *cat = (struct catalog){.store = store, .pool = pool, .aliases = aliases};
}

/* Fills err and returns rc. */
__attribute__((format(printf, 5, 6))) static int fail(struct err *err, int rc, int status,
                                                      const char *type, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)err_setv(err, status, type, fmt, ap);
    va_end(ap);
    return rc;
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

/* A deep copy of src into dst (func_config_fini). The assertion makes a new field of struct
 * function_config come here: a pointer copied shallowly would be freed twice. */
static void config_copy(struct function_config *dst, const struct function_config *src)
{
    _Static_assert(sizeof(void *) != 8 || sizeof(struct function_config) == 176,
                   "config_copy copies every field of struct function_config");
    *dst = *src;
    dst->name = dup_or_null(src->name);
    dst->version = dup_or_null(src->version);
    dst->code_dir = dup_or_null(src->code_dir);
    dst->handler = dup_or_null(src->handler);
    dst->runtime = dup_or_null(src->runtime);
    dst->env = xcalloc(src->n_env + 1, sizeof(char *));
    for (size_t i = 0; i < src->n_env; i++) {
        dst->env[i] = xstrdup(src->env[i]);
    }
    dst->arch = dup_or_null(src->arch);
    dst->description = dup_or_null(src->description);
    dst->layers = dup_or_null(src->layers);
    dst->opt_dir = dup_or_null(src->opt_dir);
    dst->code_sha256 = dup_or_null(src->code_sha256);
    dst->revision_id = dup_or_null(src->revision_id);
    dst->last_modified = dup_or_null(src->last_modified);
    dst->on_success = dup_or_null(src->on_success);
    dst->on_failure = dup_or_null(src->on_failure);
    dst->role = dup_or_null(src->role);
}

/* Opens the one transaction a call's store writes share. 0, or -errno with err filled. */
static int tx_begin(struct store *st, struct err *err)
{
    int rc = store_begin(st);
    if (rc < 0) {
        return fail(err, rc, 500, SERVICE, "The function store failed to begin a transaction.");
    }
    return 0;
}

/* Ends the call's transaction: COMMIT when rc is 0 (a failed COMMIT fills err), else ROLLBACK,
 * so that a failure leaves nothing half-written. Returns rc or COMMIT's failure. */
static int tx_end(struct store *st, int rc, struct err *err)
{
    if (rc == 0) {
        rc = store_commit(st);
        if (rc < 0) {
            (void)fail(err, rc, 500, SERVICE, "The function store failed to commit the change.");
        }
    }
    if (rc < 0) {
        (void)store_rollback(st);
    }
    return rc;
}

/* ---- create and update ---------------------------------------------------------------------- */

/* cfg's execution role: role when given, else cfg's own (a manifest's or --set's), else
 * current (the running configuration's: an update without Role keeps it). */
static void set_role(struct function_config *cfg, const char *role, const char *current)
{
    const char *keep = role ? role : (cfg->role ? NULL : current);
    if (keep) {
        free(cfg->role);
        cfg->role = xstrdup(keep);
    }
}

/* The store's writes of catalog_create in the open transaction: the function, its Tags and its
 * Role. 0 or -errno with err filled. */
static int create_writes(struct catalog *cat, struct function_config *cfg, const char *role,
                         const char *tags_json, struct err *err)
{
    char msg[512];
    int rc = registry_save(cat->store, cfg, msg, sizeof(msg));
    if (rc < 0) {
        return fail(err, rc, 500, SERVICE, "%s", msg);
    }
    if (tags_json && strcmp(tags_json, "{}") != 0) {
        rc = store_setting_put(cat->store, cfg->name, "tags", "", tags_json);
        if (rc < 0) {
            return fail(err, rc, 500, SERVICE, "The function store failed to save Tags.");
        }
    }
    if (role && registry_save_role(cat->store, cfg->name, role) < 0) {
        return fail(err, -EIO, 500, SERVICE, "The function store failed to save the Role.");
    }
    return 0;
}

/* The store's part of catalog_create: one transaction, nothing kept when any write fails. */
static int create_stored(struct catalog *cat, struct function_config *cfg, const char *role,
                         const char *tags_json, struct err *err)
{
    if (cat->store == NULL) {
        return fail(err, -EINVAL, 500, SERVICE, "There is no function store.");
    }
    int rc = tx_begin(cat->store, err);
    if (rc < 0) {
        return rc;
    }
    rc = create_writes(cat, cfg, role, tags_json, err);
    return tx_end(cat->store, rc, err);
}

int catalog_create(struct catalog *cat, struct function_config *cfg, const char *role,
                   const char *tags_json, enum catalog_origin origin, struct err *err)
{
    if (pool_function(cat->pool, cfg->name) != NULL) {
        return fail(err, -EEXIST, 409, CONFLICT, "Function already exist: %s", cfg->name);
    }
    set_role(cfg, role, NULL);
    if (origin == CATALOG_STORED) {
        int rc = create_stored(cat, cfg, role, tags_json, err);
        if (rc < 0) {
            return rc;
        }
    }
    struct function_config copy;
    config_copy(&copy, cfg);
    if (pool_add_function(cat->pool, &copy) < 0) {
        func_config_fini(&copy); /* cannot happen: the name was checked above */
    }
    return 0;
}

/* The store's part of catalog_update, in the open transaction: the configuration and the
 * Role are saved together or not at all. */
static int update_writes(struct catalog *cat, struct function_config *cfg, const char *role,
                         struct err *err)
{
    struct store_function sf;
    int rc = store_function_get(cat->store, cfg->name, &sf);
    if (rc == -ENOENT) {
        return fail(err, rc, 409, CONFLICT,
                    "Function %s is defined by --manifest: change it there and reload "
                    "(SIGHUP).",
                    cfg->name);
    }
    if (rc < 0) {
        return fail(err, rc, 500, SERVICE, "The function store failed; see the server's log.");
    }
    store_function_fini(&sf);
    char msg[512];
    rc = role ? registry_save_revised(cat->store, cfg, msg, sizeof(msg))
              : registry_save(cat->store, cfg, msg, sizeof(msg));
    if (rc < 0) {
        return fail(err, rc, 500, SERVICE, "%s", msg);
    }
    if (role && registry_save_role(cat->store, cfg->name, role) < 0) {
        return fail(err, -EIO, 500, SERVICE,
                    "The function store failed to save the Role; nothing was changed.");
    }
    return 0;
}

static int update_stored(struct catalog *cat, struct function_config *cfg, const char *role,
                         struct err *err)
{
    if (cat->store == NULL) {
        return fail(err, -ENOENT, 409, CONFLICT,
                    "Function %s is defined by --manifest: change it there and reload "
                    "(SIGHUP).",
                    cfg->name);
    }
    int rc = tx_begin(cat->store, err);
    if (rc < 0) {
        return rc;
    }
    rc = update_writes(cat, cfg, role, err);
    return tx_end(cat->store, rc, err);
}

int catalog_update(struct catalog *cat, struct function_config *cfg, const char *role,
                   enum catalog_origin origin, int *what, struct err *err)
{
    const struct function_config *old = pool_function(cat->pool, cfg->name);
    if (old == NULL) {
        return fail(err, -ENOENT, 404, NOT_FOUND, "Function not found: %s", cfg->name);
    }
    set_role(cfg, role, origin == CATALOG_STORED ? old->role : NULL); /* a manifest says all */
    if (origin == CATALOG_STORED) {
        int rc = update_stored(cat, cfg, role, err);
        if (rc < 0) {
            return rc;
        }
    }
    struct function_config copy;
    config_copy(&copy, cfg);
    int done = pool_update_function(cat->pool, &copy);
    if (what) {
        *what = done;
    }
    return 0;
}

/* ---- versions ------------------------------------------------------------------------------- */

/* The number of the newest version when it is a snapshot of what latest is now; 0 otherwise. */
static int64_t unchanged_version(struct store *st, const struct function_config *latest)
{
    struct store_version *vs = NULL;
    size_t n = 0;
    int64_t found = 0;
    if (store_version_list(st, latest->name, &vs, &n) == 0 && n > 0 &&
        snapshot_matches(vs[n - 1].snapshot_json, latest)) {
        found = vs[n - 1].version;
    }
    store_version_list_free(vs, n);
    return found;
}

int catalog_publish(struct catalog *cat, const char *name, const char *description, int64_t *number,
                    struct err *err)
{
    const struct function_config *latest = pool_function(cat->pool, name);
    if (latest == NULL) {
        return fail(err, -ENOENT, 404, NOT_FOUND, "Function not found: %s", name);
    }
    *number = cat->store ? unchanged_version(cat->store, latest) : 0;
    if (*number > 0) {
        return 0;
    }
    int reserved = latest->reserved; /* versions count against their function's */
    char *snap = snapshot_new(latest, description);
    int rc = cat->store ? store_version_publish(cat->store, name, snap, number) : -ENOENT;
    struct function_config cfg;
    char msg[512] = "";
    if (rc == 0) {
        rc = snapshot_config(name, *number, snap, &cfg, msg, sizeof(msg));
    }
    free(snap);
    if (rc == -ENOENT) {
        return fail(err, rc, 409, CONFLICT,
                    "Function %s is defined by --manifest or --function without the store: it "
                    "cannot be versioned.",
                    name);
    }
    if (rc < 0) {
        return fail(err, rc, 500, SERVICE, "The function store failed.");
    }
    cfg.reserved = reserved;
    (void)pool_update_function(cat->pool, &cfg);
    func_config_fini(&cfg);
    return 0;
}

int catalog_delete_version(struct catalog *cat, const char *name, const char *version,
                           struct err *err)
{
    char alias[ALIASES_NAME_MAX + 1];
    if (strcmp(version, "$LATEST") == 0) {
        return fail(err, -EINVAL, 400, "InvalidParameterValueException",
                    "$LATEST version cannot be deleted without deleting the function.");
    }
    if (pool_function_version(cat->pool, name, version) == NULL) {
        return fail(err, -ENOENT, 404, NOT_FOUND, "Function not found: %s:%s", name, version);
    }
    if (aliases_uses(cat->aliases, name, version, alias, sizeof(alias))) {
        return fail(err, -EBUSY, 409, CONFLICT,
                    "Unable to delete version because the following aliases reference it: "
                    "[%s]",
                    alias);
    }
    if (cat->store) {
        int rc = tx_begin(cat->store, err);
        if (rc < 0) {
            return rc;
        }
        rc = store_version_delete(cat->store, name, strtoll(version, NULL, 10));
        rc = rc == -ENOENT ? 0 : rc;
        if (rc == 0) {
            rc = store_setting_delete(cat->store, name, SCALING_KIND_PROVISIONED, version);
            rc = rc == -ENOENT ? 0 : rc;
        }
        if (rc < 0) {
            (void)fail(err, rc, 500, SERVICE, "The function store failed.");
        }
        rc = tx_end(cat->store, rc, err);
        if (rc < 0) {
            return rc;
        }
    }
    (void)pool_remove_function(cat->pool, name, version);
    return 0;
}

/* ---- delete --------------------------------------------------------------------------------- */

int catalog_delete(struct catalog *cat, const char *name, enum catalog_origin origin,
                   struct err *err)
{
    if (pool_function(cat->pool, name) == NULL) {
        return fail(err, -ENOENT, 404, NOT_FOUND, "Function not found: %s", name);
    }
    if (origin == CATALOG_STORED) {
        int rc = cat->store ? store_function_delete(cat->store, name) : -ENOENT;
        if (rc == -ENOENT) {
            return fail(err, rc, 409, CONFLICT,
                        "Function %s is defined by --manifest: remove it there and reload "
                        "(SIGHUP).",
                        name);
        }
        if (rc < 0) {
            return fail(err, rc, 500, SERVICE, "The function store failed; see the server's log.");
        }
    }
    (void)pool_remove_function(cat->pool, name, NULL);
    if (cat->aliases) {
        aliases_remove(cat->aliases, name, NULL);
    }
    return 0;
}

/* ---- manifest reload ------------------------------------------------------------------------ */

static bool has_name(const struct function_config *fns, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(fns[i].name, name) == 0) {
            return true;
        }
    }
    return false;
}

void catalog_reload(struct catalog *cat, enum catalog_origin origin, char *const *old_names,
                    size_t n_old, struct function_config *fns, size_t n,
                    struct catalog_reload_counts *counts)
{
    struct err err = {0};
    memset(counts, 0, sizeof(*counts));
    for (size_t i = 0; i < n_old; i++) {
        if (!has_name(fns, n, old_names[i]) &&
            catalog_delete(cat, old_names[i], origin, &err) == 0) {
            counts->removed++;
        }
    }
    for (size_t i = 0; i < n; i++) {
        int what = POOL_ADDED;
        int rc = pool_function(cat->pool, fns[i].name)
                     ? catalog_update(cat, &fns[i], NULL, origin, &what, &err)
                     : catalog_create(cat, &fns[i], NULL, NULL, origin, &err);
        if (rc < 0) { /* CATALOG_MANIFEST: cannot happen without the store; say so if it does */
            log_error("function %s: %s", fns[i].name, err.message);
        } else if (what == POOL_REPLACED) {
            counts->replaced++;
        } else if (what == POOL_ADDED) {
            counts->added++;
        } else {
            counts->unchanged++;
        }
    }
    err_fini(&err);
}

/* ---- restore at start ----------------------------------------------------------------------- */

void catalog_alias_target(const struct store_alias *a, struct alias_target *t)
{
    memset(t, 0, sizeof(*t));
    if (a->version == 0) {
        (void)snprintf(t->version, sizeof(t->version), "$LATEST");
    } else {
        (void)snprintf(t->version, sizeof(t->version), "%lld", (long long)a->version);
    }
    json_t *w = a->routing_json ? json_loads(a->routing_json, 0, NULL) : NULL;
    const char *key;
    json_t *value;
    json_object_foreach(w, key, value)
    {
        (void)snprintf(t->extra, sizeof(t->extra), "%s", key);
        t->weight = json_number_value(value);
    }
    json_decref(w);
}

/* Serves the stored versions of function name, with its reserved concurrency. */
static void restore_versions(struct catalog *cat, const char *name)
{
    struct store_version *vs = NULL;
    size_t n = 0;
    if (store_version_list(cat->store, name, &vs, &n) < 0) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        struct function_config cfg;
        char msg[512];
        if (snapshot_config(name, vs[i].version, vs[i].snapshot_json, &cfg, msg, sizeof(msg)) < 0) {
            log_warn("%s; not served", msg);
            continue;
        }
        const struct function_config *latest = pool_function(cat->pool, name);
        cfg.reserved = latest ? latest->reserved : -1;
        (void)pool_update_function(cat->pool, &cfg);
        func_config_fini(&cfg);
    }
    store_version_list_free(vs, n);
}

/* Fills the alias cache with the stored aliases of function name. */
static void restore_aliases(struct catalog *cat, const char *name)
{
    struct store_alias *as = NULL;
    size_t n = 0;
    if (store_alias_list(cat->store, name, &as, &n) == 0) {
        for (size_t i = 0; i < n; i++) {
            struct alias_target t;
            catalog_alias_target(&as[i], &t);
            aliases_set(cat->aliases, name, as[i].name, &t);
        }
    }
    store_alias_list_free(as, n);
}

void catalog_restore(struct catalog *cat)
{
    if (cat->store == NULL) {
        return;
    }
    size_t n = pool_n_functions(cat->pool);
    char **names = xcalloc(n + 1, sizeof(*names));
    size_t k = 0;
    const struct function_config *cfg;
    for (size_t i = 0; (cfg = pool_function_at(cat->pool, i)) != NULL; i++) {
        if (strcmp(cfg->version, "$LATEST") == 0 && k < n) {
            names[k++] = xstrdup(cfg->name);
        }
    }
    for (size_t i = 0; i < k; i++) {
        restore_versions(cat, names[i]);
        restore_aliases(cat, names[i]);
        scaling_restore(cat->store, cat->pool, cat->aliases, names[i]);
        free(names[i]);
    }
    free(names);
}
