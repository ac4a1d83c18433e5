/* SPDX-License-Identifier: MIT */
/* The alias cache; see aliases.h. A flat array: a server has tens of aliases, and a lookup is
 * a few string comparisons, far below an invocation's cost. */
#include "catalog/aliases.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/xalloc.h"

struct entry {
    char *function;
    char *name;
    struct alias_target t;
};

struct aliases {
    struct entry *v;
    size_t n;
};

void aliases_new(struct aliases **out)
{
    *out = xcalloc(1, sizeof(**out));
}

static void entry_fini(struct entry *e)
{
    free(e->function);
    free(e->name);
}

void aliases_free(struct aliases *a)
{
    if (a == NULL) {
        return;
    }
    for (size_t i = 0; i < a->n; i++) {
        entry_fini(&a->v[i]);
    }
    free(a->v);
    free(a);
}

static struct entry *find(const struct aliases *a, const char *function, const char *name)
{
    for (size_t i = 0; i < a->n; i++) {
        if (strcmp(a->v[i].function, function) == 0 && strcmp(a->v[i].name, name) == 0) {
            return &a->v[i];
        }
    }
    return NULL;
}

void aliases_set(struct aliases *a, const char *function, const char *name,
                 const struct alias_target *t)
{
    struct entry *e = find(a, function, name);
    if (e == NULL) {
        a->v = xrealloc(a->v, (a->n + 1) * sizeof(*a->v));
        e = &a->v[a->n++];
        e->function = xstrdup(function);
        e->name = xstrdup(name);
    }
    e->t = *t;
}

void aliases_remove(struct aliases *a, const char *function, const char *name)
{
    size_t k = 0;
    for (size_t i = 0; i < a->n; i++) {
        struct entry *e = &a->v[i];
        if (strcmp(e->function, function) == 0 && (name == NULL || strcmp(e->name, name) == 0)) {
            entry_fini(e);
        } else {
            a->v[k++] = *e;
        }
    }
    a->n = k;
}

const struct alias_target *aliases_get(const struct aliases *a, const char *function,
                                       const char *name)
{
    const struct entry *e = a ? find(a, function, name) : NULL;
    return e ? &e->t : NULL;
}

bool aliases_uses(const struct aliases *a, const char *function, const char *version,
                  char *name_out, size_t cap)
{
    for (size_t i = 0; i < a->n; i++) {
        const struct entry *e = &a->v[i];
        if (strcmp(e->function, function) == 0 &&
            (strcmp(e->t.version, version) == 0 || strcmp(e->t.extra, version) == 0)) {
            (void)snprintf(name_out, cap, "%s", e->name);
            return true;
        }
    }
    return false;
}

const char *aliases_pick(const struct alias_target *t, double r)
{
    return t->extra[0] && r < t->weight ? t->extra : t->version;
}

/* xorshift64*, seeded once from the clock: no system call per invoke. */
double aliases_uniform01(void)
{
    static uint64_t state;
    if (state == 0) {
        struct timespec ts;
        (void)clock_gettime(CLOCK_REALTIME, &ts);
        state = ((uint64_t)ts.tv_sec * 1000000007u) ^ (uint64_t)ts.tv_nsec ^ 0x9E3779B97F4A7C15u;
    }
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return (double)((state * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}
