/* SPDX-License-Identifier: MIT */
/* Concurrency settings applied to the pool: the provisioned environments a published version
 * gets are what the store's "provisioned" settings ask for it and for the aliases that point at
 * it (concurrency.c writes those settings; this module turns them into the pool's counts).
 * Called by catalog.c at start and by the control plane when a setting or an alias changes. */
#ifndef CLAMBDA_SERVER_CATALOG_SCALING_H
#define CLAMBDA_SERVER_CATALOG_SCALING_H

#include <stddef.h>

#include "catalog/aliases.h"
#include "exec/pool.h"
#include "state/store.h"

/* The store setting kind of provisioned concurrency: {"Requested": n, "LastModified": t} per
 * qualifier (a version number or an alias name). */
#define SCALING_KIND_PROVISIONED "provisioned"

/* The version qualifier (an alias of a, or a version in p) stands for, or NULL (borrowed). */
const char *scaling_target_version(const struct pool *p, const struct aliases *a,
                                   const char *function, const char *qualifier);

/* Provisioned environments stored for qualifier of function; 0 when none. OUT: its
 * LastModified in last_modified (cap bytes) when last_modified is not NULL. */
int scaling_stored_provisioned(struct store *st, const char *function, const char *qualifier,
                               char *last_modified, size_t cap);

/* Sets the provisioned count of version of function in p to what the version and the aliases
 * pointing at it ask for (a scaling change: applied in place). Nothing when the version is not
 * in p. */
void scaling_apply_provisioned(struct store *st, struct pool *p, const struct aliases *a,
                               const char *function, const char *version);

/* After alias of function moved from old_version (NULL: a new alias) to its current version:
 * the provisioned environments it asked for follow it. */
void scaling_alias_moved(struct store *st, struct pool *p, const struct aliases *a,
                         const char *function, const char *alias, const char *old_version);

/* Applies function's stored provisioned settings to each of its published versions in p
 * (start-up, after its versions and aliases are loaded). */
void scaling_restore(struct store *st, struct pool *p, const struct aliases *a,
                     const char *function);

#endif /* CLAMBDA_SERVER_CATALOG_SCALING_H */
