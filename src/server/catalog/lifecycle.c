/* SPDX-License-Identifier: MIT */
/* Pending -> Active and InProgress -> Successful; see lifecycle.h. */
#include "catalog/lifecycle.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/xalloc.h"

/* One function in a transition: until when (CLOCK_MONOTONIC ms) it is Pending / updating. */
struct transition {
    char *name;
    long long pending_until;
    long long updating_until;
    struct transition *next;
};

static struct transition *transitions; /* few: only functions changed within the delay */

static long long now_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long lifecycle_delay_ms(void)
{
    static long delay = -1;
    if (delay < 0) {
        const char *v = getenv("CLAMBDA_TEST_STATE_DELAY_MS");
        char *end = NULL;
        long d = v ? strtol(v, &end, 10) : 0;
        delay = v && *v && *end == '\0' && d > 0 && d <= 600000 ? d : 0;
    }
    return delay;
}

/* Drops the transitions that ended; returns name's entry (made when make). */
static struct transition *find(const char *name, bool make)
{
    long long now = now_ms();
    struct transition **pp = &transitions;
    struct transition *found = NULL;
    while (*pp) {
        struct transition *t = *pp;
        if (t->pending_until <= now && t->updating_until <= now && strcmp(t->name, name) != 0) {
            *pp = t->next;
            free(t->name);
            free(t);
            continue;
        }
        if (strcmp(t->name, name) == 0) {
            found = t;
        }
        pp = &t->next;
    }
    if (found == NULL && make) {
        found = xcalloc(1, sizeof(*found));
        found->name = xstrdup(name);
        found->next = transitions;
        transitions = found;
    }
    return found;
}

void lifecycle_created(const char *name)
{
    if (lifecycle_delay_ms() > 0) {
        find(name, true)->pending_until = now_ms() + lifecycle_delay_ms();
    }
}

void lifecycle_updated(const char *name)
{
    if (lifecycle_delay_ms() > 0) {
        find(name, true)->updating_until = now_ms() + lifecycle_delay_ms();
    }
}

void lifecycle_forget(const char *name)
{
    struct transition *t = find(name, false);
    if (t) {
        t->pending_until = 0;
        t->updating_until = 0;
    }
}

bool lifecycle_pending(const char *name)
{
    struct transition *t = transitions ? find(name, false) : NULL;
    return t && t->pending_until > now_ms();
}

bool lifecycle_updating(const char *name)
{
    struct transition *t = transitions ? find(name, false) : NULL;
    return t && t->updating_until > now_ms();
}
