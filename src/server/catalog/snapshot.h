/* SPDX-License-Identifier: MIT */
/* Version snapshots: the immutable JSON document a published version is stored as (the store's
 * versions.snapshot), made from $LATEST's configuration and code, and read back into the pool
 * configuration of that version. Used by catalog.c (publish, restore); no I/O. */
#ifndef CLAMBDA_SERVER_CATALOG_SNAPSHOT_H
#define CLAMBDA_SERVER_CATALOG_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/func.h"

/* The snapshot document of latest ($LATEST of its function) now: its configuration without the
 * function-level scaling members, code, a new RevisionId and LastModified (now); description
 * (NULL: the function's) is the version's. Returns compact JSON (free()). */
char *snapshot_new(const struct function_config *latest, const char *description);

/* Builds the pool configuration of version number of function from snapshot, with no reserved
 * or provisioned concurrency (catalog.c sets them). OUT: *cfg (func_config_fini). 0 or -EINVAL
 * with a message in err. */
int snapshot_config(const char *function, int64_t number, const char *snapshot,
                    struct function_config *cfg, char *err, size_t errlen);

/* True when snapshot was taken of what latest is now (configuration, code directory, code
 * hash, role): publishing it again would publish nothing new. */
bool snapshot_matches(const char *snapshot, const struct function_config *latest);

#endif /* CLAMBDA_SERVER_CATALOG_SNAPSHOT_H */
