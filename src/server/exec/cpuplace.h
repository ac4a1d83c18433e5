/* SPDX-License-Identifier: MIT */
/* Where the server and its environments run (serve --cpu-affinity). A warm invoke is a
 * ping-pong between the server and one runtime; when the two sit on different CPUs every turn
 * wakes the other CPU (an inter-processor interrupt; on a VM a virtual CPU's exit from halt,
 * tens of µs each). With `auto`, the default, while invocations come one at a time the
 * environments that take them share the CPU of the server's loop thread, all pinned there,
 * if their function is sized for at most one CPU on Lambda (≤ 1769 MB). (One at a time, two
 * warm environments may still take turns: the caller has its answer before the runtime asks
 * for its next event, so the next request may find the other one idle first.) Concurrency
 * (another environment busy, not just finishing, when an invocation goes out) gives the
 * server and every pinned environment all CPUs back at once, and for CPUPLACE_CALM_NS after
 * it, so concurrent environments spread as the scheduler likes. `none` never pins anything.
 * The pool decides (pool.c place_for). */
#ifndef CLAMBDA_SERVER_EXEC_CPUPLACE_H
#define CLAMBDA_SERVER_EXEC_CPUPLACE_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>

/* Lambda's memory for one full vCPU: a function up to this size is pinned to one CPU. */
#define CPUPLACE_ONE_CPU_MB 1769
/* Most environments pinned at once (more stay unpinned). */
#define CPUPLACE_MAX_PINNED 16
/* After concurrency, how long invocations must come one at a time before pinning again. */
#define CPUPLACE_CALM_NS 1000000000ULL

struct cpuplace {
    bool enabled;   /* --cpu-affinity auto */
    int server_cpu; /* the CPU the server's loop is pinned to, or -1 (all of `all`) */
    const void *pinned[CPUPLACE_MAX_PINNED]; /* the environments pinned with it */
    int n_pinned;
    cpu_set_t all; /* the CPUs the server may use (its affinity at start) */
    bool seen_concurrent;
    unsigned long long concurrent_ns; /* the last time another environment was busy */
};

/* Starts with nothing pinned, from the calling thread's affinity; enabled for `auto`. */
void cpuplace_init(struct cpuplace *cp, bool enabled);
/* An invocation goes to an environment of a function of memory_mb while `others` other
 * environments have one, at now_ns (monotonic): whether that environment shares the server's
 * CPU. */
bool cpuplace_wants_pin(struct cpuplace *cp, size_t others, int memory_mb,
                        unsigned long long now_ns);
/* Pins the calling thread (the server's loop) to the CPU it runs on now. That CPU, or -1. */
int cpuplace_pin_self(struct cpuplace *cp);
/* Gives the calling thread its CPUs at start back (it was pinned: a child it starts from now
 * on may run anywhere). */
void cpuplace_free_self(struct cpuplace *cp);
/* OUT: *set, the CPUs of an environment: cpu alone, or (cpu -1) every CPU of cp. */
void cpuplace_env_set(const struct cpuplace *cp, int cpu, cpu_set_t *set);
/* OUT: *set, the CPUs of the INVOKE-subscribed extensions of an environment placed by
 * cpuplace_env_set(cp, cpu): every CPU of cp but cpu (their INVOKE work runs beside the
 * runtime's, as on a host with CPUs to spare, instead of in turn with it), or every CPU of cp
 * when cpu is -1 or the only one. */
void cpuplace_apart_set(const struct cpuplace *cp, int cpu, cpu_set_t *set);
/* Whether env is pinned; adding one (false when the set is full); forgetting one (gone). */
bool cpuplace_is_pinned(const struct cpuplace *cp, const void *env);
bool cpuplace_add_pinned(struct cpuplace *cp, const void *env);
void cpuplace_forget(struct cpuplace *cp, const void *env);

#endif /* CLAMBDA_SERVER_EXEC_CPUPLACE_H */
