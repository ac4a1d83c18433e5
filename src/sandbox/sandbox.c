/* SPDX-License-Identifier: MIT */
/* The server's one interface to its runtimes' processes (sandbox.h): each call dispatches on the
 * isolation mode to spawn_plain.c (none) or sandbox_full.c (full). */
#include "sandbox.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "sandbox_full.h"
#include "spawn_plain.h"

static struct sandbox_full_spec full_spec(const struct sandbox_spec *spec)
{
    return (struct sandbox_full_spec){.fn = spec->fn,
                                      .id = spec->id,
                                      .code_dir = spec->cwd,
                                      .opt_dir = spec->opt_dir,
                                      .bootstrap = spec->path,
                                      .envp = spec->envp,
                                      .memory_mb = spec->memory_mb,
                                      .tmp_mb = spec->tmp_mb,
                                      .pids_max = spec->pids_max,
                                      .max_files = spec->max_files};
}

int sandbox_prepare(const struct sandbox_spec *spec, char *err, size_t errlen)
{
    if (spec->isolation != SANDBOX_FULL || spec->full == NULL || spec->fn == NULL ||
        spec->interp != NULL) {
        return 0; /* nothing to prepare; an interpreted bootstrap is never parked */
    }
    struct sandbox_full_spec fs = full_spec(spec);
    struct sandbox_diag d = {0, ""};
    int rc = sandbox_full_fn_prepare(spec->full, &fs, &d);
    if (rc < 0) {
        (void)snprintf(err, errlen, "%s", d.msg);
    }
    return rc;
}

static int spawn_full(const struct sandbox_spec *spec, struct sandbox_proc *out, char *err,
                      size_t errlen)
{
    struct sandbox_full_spec fs = full_spec(spec);
    /* `interp path`: execve does not write to argv's strings. Such a spec never takes the
     * function's parked environment (made for the bootstrap alone). */
    char *const argv[] = {(char *)(uintptr_t)spec->interp, (char *)(uintptr_t)spec->path, NULL};
    if (spec->interp != NULL) {
        fs.bootstrap = spec->interp;
        fs.argv = argv;
    }
    struct sandbox_diag d = {0, ""};
    struct sandbox_full_env *env = NULL;
    if (spec->full == NULL) {
        (void)snprintf(err, errlen, "full isolation requested without its shared state");
        return -EINVAL;
    }
    int rc = sandbox_full_spawn(spec->full, &fs, &env, &d);
    if (rc < 0) {
        (void)snprintf(err, errlen, "%s", d.msg);
        return rc;
    }
    struct sandbox_proc *p = sandbox_full_proc(env);
    *out = *p;
    out->full = env;
    p->out_fd = p->err_fd = p->api_fd = -1; /* the caller's now */
    return 0;
}

int sandbox_spawn(struct sandbox_spec *spec, struct sandbox_proc *out, char *err, size_t errlen)
{
    *out = (struct sandbox_proc){-1, -1, -1, -1, -1, NULL, false};
    if (spec->isolation == SANDBOX_FULL) {
        return spawn_full(spec, out, err, errlen);
    }
    return spawn_plain_spawn(spec, out, err, errlen);
}

int sandbox_signal(struct sandbox_proc *p, int sig)
{
    if (p->full == NULL) {
        return spawn_plain_signal(p, sig);
    }
    (void)sandbox_thaw(p); /* a frozen task acts on a signal only once thawed */
    return sandbox_full_signal(p->full, sig);
}

int sandbox_reap(struct sandbox_proc *p, int *wstatus, uint64_t *maxrss_kb, bool *oom_killed)
{
    *oom_killed = false;
    if (p->full == NULL) {
        return spawn_plain_reap(p, wstatus, maxrss_kb);
    }
    uint64_t kills = 0;
    int rc = sandbox_full_reap(p->full, wstatus, maxrss_kb, &kills);
    *oom_killed = rc == 0 && kills > 0;
    return rc;
}

uint64_t sandbox_peak_rss_kb(const struct sandbox_proc *p)
{
    if (p->full == NULL) {
        return spawn_plain_peak_rss_kb(p);
    }
    uint64_t kb = 0;
    return cgroup_peak_kb(sandbox_full_cgroup(p->full), &kb, NULL) == 0 ? kb : 0;
}

int sandbox_freeze(struct sandbox_proc *p)
{
    if (p->full == NULL || p->frozen) {
        return 0;
    }
    int rc = sandbox_full_freeze_begin(p->full, NULL);
    p->frozen = rc == 0;
    return rc;
}

int sandbox_thaw(struct sandbox_proc *p)
{
    if (p->full == NULL || !p->frozen) {
        return 0;
    }
    p->frozen = false;
    return sandbox_full_thaw(p->full, NULL);
}

void sandbox_close_fds(struct sandbox_proc *p)
{
    int *fds[] = {&p->out_fd, &p->err_fd, &p->api_fd, p->full == NULL ? &p->pidfd : NULL};
    for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
        if (fds[i] != NULL && *fds[i] >= 0) {
            (void)close(*fds[i]);
            *fds[i] = -1;
        }
    }
    if (p->full != NULL) {
        sandbox_full_close(p->full); /* owns the pidfd: kills what is left, removes the cgroup */
        p->full = NULL;
        p->pidfd = -1;
    }
}
