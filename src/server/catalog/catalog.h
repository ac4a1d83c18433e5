/* SPDX-License-Identifier: MIT */
/* The catalog: the one path that changes which functions exist and how they run, across the
 * function store (store.h), the environment pool (pool.h), the alias cache (aliases.h) and the
 * concurrency settings (scaling.h). Create, update, publish a version, delete a function or a
 * version, restore at start. The control plane's handlers, serve's SIGHUP manifest reload and
 * later the HTTP gateway, `deploy` and the SAM loader call it with plain C inputs; it knows
 * nothing of HTTP, and says what went wrong in a struct err (base/err.h; the caller frees it with
 * err_fini) the API can send as it is. Order of writes: the store first, the pool after; when the
 * store write fails the call fails (500) and the pool is not changed. docs/internals/catalog.md has
 * the details. Runs on the loop thread. */
#ifndef CLAMBDA_SERVER_CATALOG_CATALOG_H
#define CLAMBDA_SERVER_CATALOG_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#include "base/func.h"

struct aliases;
struct pool;
struct store;
struct store_alias;
struct alias_target;

/* What the catalog works on; borrowed pointers that must outlive its use. */
struct catalog {
    struct store *store;     /* the function store; NULL: nothing is stored (origin manifest) */
    struct pool *pool;       /* where functions run */
    struct aliases *aliases; /* the alias cache of the invoke path */
};

/* Where a function's definition lives. */
enum catalog_origin {
    CATALOG_STORED,   /* the store (the API, --function): written there first, survives restarts */
    CATALOG_MANIFEST, /* a --manifest: only in the pool (the manifest is its source) */
};

/* Fills *cat. */
void catalog_init(struct catalog *cat, struct store *store, struct pool *pool,
                  struct aliases *aliases);

/* Creates function cfg->name ($LATEST) from cfg, which stays the caller's (func_config_fini):
 * the pool gets a copy. CATALOG_STORED: saves the configuration (cfg gets its RevisionId and
 * LastModified), then tags_json (a JSON object as text, NULL or "{}": none; when it fails the
 * function is deleted again), then role (NULL: none; a failure is only logged), then adds it to
 * the pool. CATALOG_MANIFEST: the pool only. 0, or -EEXIST (409: the name exists) or -errno
 * (500: the store failed, nothing changed), with err filled. */
int catalog_create(struct catalog *cat, struct function_config *cfg, const char *role,
                   const char *tags_json, enum catalog_origin origin, struct err *err);

/* Replaces the configuration or code of function cfg->name ($LATEST) with cfg, which stays the
 * caller's: the pool gets a copy, so that a change of anything but scaling makes new
 * environments while in-flight invocations finish on the old ones. CATALOG_STORED: saves it (a
 * new RevisionId and LastModified in cfg when something changed, or always when role is not
 * NULL), then role (the Role kept beside it; NULL: unchanged), then updates the pool; a failed
 * Role write still updates the pool (the configuration is saved) and fails with 500.
 * CATALOG_MANIFEST: the pool only. OUT: *what (may be NULL): POOL_UPDATED (only scaling
 * changed: applied in place) or POOL_REPLACED. 0, or -ENOENT (404: no such function; 409 for
 * CATALOG_STORED when it is not in the store) or -errno (500), with err filled. */
int catalog_update(struct catalog *cat, struct function_config *cfg, const char *role,
                   enum catalog_origin origin, int *what, struct err *err);

/* Publishes $LATEST of function name as a version: a new number (never reused) with a snapshot
 * of its configuration and code (description NULL: the function's), stored, then served with
 * the function's reserved concurrency; or the newest version when $LATEST has not changed
 * since it. OUT: *number. 0, or -ENOENT (404: no such function; 409 when it is not in the
 * store) or -errno (500), with err filled. */
int catalog_publish(struct catalog *cat, const char *name, const char *description, int64_t *number,
                    struct err *err);

/* Deletes function name: every version, alias and setting (store, then pool, then alias cache;
 * in-flight invocations finish, waiting ones fail). CATALOG_STORED: refused (409) for a
 * function not in the store; CATALOG_MANIFEST: the pool and cache only. 0, or -ENOENT (404, or
 * 409 as said) or -errno (500: the store failed, nothing changed), with err filled. */
int catalog_delete(struct catalog *cat, const char *name, enum catalog_origin origin,
                   struct err *err);

/* Deletes published version of function name (the store row and its provisioned setting, then
 * the pool's). -EINVAL (400) for $LATEST, -ENOENT (404) for an unknown version, -EBUSY (409)
 * for a version an alias routes to, -errno (500) when the store fails; err filled. */
int catalog_delete_version(struct catalog *cat, const char *name, const char *version,
                           struct err *err);

/* What catalog_reload did. */
struct catalog_reload_counts {
    size_t added, replaced, unchanged, removed; /* unchanged: or only rescaled */
};

/* Makes the functions of a --manifest (origin CATALOG_MANIFEST) or a --template
 * (CATALOG_STORED: written to the store) what fns (n of them) say: removes the
 * functions of old_names (the manifest's last time, n_old) that fns no longer has, creates the
 * new ones and updates the others (a changed configuration gets new environments and retires
 * the old ones once their invocations finish; only scaling changed: applied in place). fns stay
 * the caller's. OUT: *counts. The caller checked that fns and the functions from elsewhere do
 * not share names. */
void catalog_reload(struct catalog *cat, enum catalog_origin origin, char *const *old_names,
                    size_t n_old, struct function_config *fns, size_t n,
                    struct catalog_reload_counts *counts);

/* Start-up: for every function in the pool, serves its stored versions (rows that do not load
 * are skipped with a warning), fills the alias cache and applies the concurrency settings. */
void catalog_restore(struct catalog *cat);

/* The alias cache's entry for stored alias a. OUT: *t. */
void catalog_alias_target(const struct store_alias *a, struct alias_target *t);

#endif /* CLAMBDA_SERVER_CATALOG_CATALOG_H */
