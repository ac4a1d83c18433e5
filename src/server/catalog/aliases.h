/* SPDX-License-Identifier: MIT */
/* In-memory cache of every function's aliases, so that an invoke of `name:alias` resolves
 * without a store query: the catalog (catalog/catalog.c) fills it at start and keeps it in
 * step with every CreateAlias/UpdateAlias/DeleteAlias. An alias points at a primary version and
 * at most one additional version with a weight (RoutingConfig.AdditionalVersionWeights);
 * aliases_pick chooses between them with a random number in [0, 1). Pure: no I/O. */
#ifndef CLAMBDA_SERVER_ALIASES_H
#define CLAMBDA_SERVER_ALIASES_H

#include <stdbool.h>
#include <stddef.h>

struct aliases;

/* Longest alias name (AWS: 128). */
#define ALIASES_NAME_MAX 128
/* Longest version string ("$LATEST" or a number). */
#define ALIASES_VERSION_MAX 24

/* One alias: primary version, optional additional version and its weight (0.0-1.0). */
struct alias_target {
    char version[ALIASES_VERSION_MAX];
    char extra[ALIASES_VERSION_MAX]; /* "" when no routing */
    double weight;                   /* share of invokes that run extra */
};

/* Creates an empty cache. OUT: *out (aliases_free). */
void aliases_new(struct aliases **out);
/* Frees the cache. NULL is a no-op. */
void aliases_free(struct aliases *a);
/* Adds or replaces alias name of function. */
void aliases_set(struct aliases *a, const char *function, const char *name,
                 const struct alias_target *t);
/* Removes one alias (name) or every alias of function (name NULL). */
void aliases_remove(struct aliases *a, const char *function, const char *name);
/* The target of alias name of function, or NULL (borrowed until the next change). */
const struct alias_target *aliases_get(const struct aliases *a, const char *function,
                                       const char *name);
/* True when an alias of function routes to version (primary or additional). OUT: the first
 * such alias name in name_out (cap bytes). */
bool aliases_uses(const struct aliases *a, const char *function, const char *version,
                  char *name_out, size_t cap);
/* The version an invocation of t runs, given r uniformly drawn from [0, 1): extra when
 * r < weight, else the primary version. */
const char *aliases_pick(const struct alias_target *t, double r);
/* A number drawn uniformly from [0, 1), for aliases_pick (not for anything secret). */
double aliases_uniform01(void);

#endif /* CLAMBDA_SERVER_ALIASES_H */
