/* SPDX-License-Identifier: MIT */
/* Isolation "none": fork + execve of the bootstrap in its own process group, with rlimits and
 * stdout/stderr on pipes. Called through sandbox.h, never directly by the server. */
#ifndef CLAMBDA_SANDBOX_SPAWN_PLAIN_H
#define CLAMBDA_SANDBOX_SPAWN_PLAIN_H

#include <stddef.h>
#include <stdint.h>

#include "sandbox.h"

/* Starts spec->path in spec->cwd (see sandbox_spawn). OUT: *out. 0 or -errno with err. */
int spawn_plain_spawn(const struct sandbox_spec *spec, struct sandbox_proc *out, char *err,
                      size_t errlen);
/* Signals the process group (or the process). 0 or -errno. */
int spawn_plain_signal(const struct sandbox_proc *p, int sig);
/* Reaps without blocking. OUT: *wstatus, *maxrss_kb (getrusage). 0, -EAGAIN or -errno. */
int spawn_plain_reap(const struct sandbox_proc *p, int *wstatus, uint64_t *maxrss_kb);
/* The sum of VmHWM of the live process and its descendants in kB (memuse_tree_kb), 0 when
 * unknown. */
uint64_t spawn_plain_peak_rss_kb(struct sandbox_proc *p);

#endif /* CLAMBDA_SANDBOX_SPAWN_PLAIN_H */
