/* SPDX-License-Identifier: MIT */
/* Server and environment placement on CPUs; see cpuplace.h. */
#include "exec/cpuplace.h"

#include <sched.h>

void cpuplace_init(struct cpuplace *cp, bool enabled)
{
    *cp = (struct cpuplace){.enabled = enabled, .server_cpu = -1};
    if (sched_getaffinity(0, sizeof(cp->all), &cp->all) < 0) {
        cp->enabled = false; /* nothing to give back later: never pin */
    }
}

bool cpuplace_wants_pin(struct cpuplace *cp, size_t others, int memory_mb,
                        unsigned long long now_ns)
{
    if (!cp->enabled) {
        return false;
    }
    if (others > 0) {
        cp->seen_concurrent = true;
        cp->concurrent_ns = now_ns;
        return false;
    }
    if (cp->seen_concurrent && now_ns - cp->concurrent_ns < CPUPLACE_CALM_NS) {
        return false;
    }
    return memory_mb > 0 && memory_mb <= CPUPLACE_ONE_CPU_MB;
}

int cpuplace_pin_self(struct cpuplace *cp)
{
    if (cp->server_cpu >= 0) {
        return cp->server_cpu;
    }
    int cpu = sched_getcpu();
    cpu_set_t set;
    CPU_ZERO(&set);
    if (cpu < 0 || cpu >= CPU_SETSIZE) {
        return -1;
    }
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) < 0) {
        return -1;
    }
    cp->server_cpu = cpu;
    return cpu;
}

void cpuplace_free_self(struct cpuplace *cp)
{
    if (cp->server_cpu < 0) {
        return;
    }
    (void)sched_setaffinity(0, sizeof(cp->all), &cp->all);
    cp->server_cpu = -1;
}

void cpuplace_env_set(const struct cpuplace *cp, int cpu, cpu_set_t *set)
{
    if (cpu < 0 || cpu >= CPU_SETSIZE) {
        *set = cp->all;
        return;
    }
    CPU_ZERO(set);
    CPU_SET(cpu, set);
}

void cpuplace_apart_set(const struct cpuplace *cp, int cpu, cpu_set_t *set)
{
    *set = cp->all;
    if (cpu >= 0 && cpu < CPU_SETSIZE && CPU_COUNT(set) > 1) {
        CPU_CLR(cpu, set);
    }
}

bool cpuplace_is_pinned(const struct cpuplace *cp, const void *env)
{
    for (int i = 0; i < cp->n_pinned; i++) {
        if (cp->pinned[i] == env) {
            return true;
        }
    }
    return false;
}

bool cpuplace_add_pinned(struct cpuplace *cp, const void *env)
{
    if (cp->n_pinned == CPUPLACE_MAX_PINNED) {
        return false;
    }
    cp->pinned[cp->n_pinned++] = env;
    return true;
}

void cpuplace_forget(struct cpuplace *cp, const void *env)
{
    for (int i = 0; i < cp->n_pinned; i++) {
        if (cp->pinned[i] == env) {
            cp->pinned[i] = cp->pinned[--cp->n_pinned];
            return;
        }
    }
}
