/* SPDX-License-Identifier: MIT */
/* cgroup v1/v2 for execution environments. v1 keeps one directory per controller (memory, cpu,
 * pids, freezer, optional cpuacct), v2 one directory; each struct cgroup lists them and every
 * operation walks the list or picks the controller's directory. Control files are opened
 * without O_CREAT: on cgroupfs they exist as soon as the directory does, and a missing file
 * is reported as such instead of being silently created. */
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sandbox_int.h"

/* v1 controller directories, in struct cgroup dirs[] order. */
enum { V1_MEMORY = 0, V1_CPU, V1_PIDS, V1_FREEZER, V1_CPUACCT };
static const char *const v1_ctrl[CGROUP_V1_NCTRL] = {"memory", "cpu", "pids", "freezer", "cpuacct"};

static const uint64_t cpu_period_us = 100000;

static int join(char *buf, size_t size, const char *a, const char *b)
{
    int n = snprintf(buf, size, "%s/%s", a, b);
    return (n < 0 || (size_t)n >= size) ? -ENAMETOOLONG : 0;
}

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    (void)nanosleep(&ts, NULL);
}

/* Writes value to dir/file. */
static int write_file(const char *dir, const char *file, const char *value, struct sandbox_diag *d)
{
    char path[CGROUP_PATH_MAX + 64];
    if (join(path, sizeof(path), dir, file) < 0) {
        return sandbox_diag_set(d, -ENAMETOOLONG, "path too long: %s/%s", dir, file);
    }
    int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) {
        return sandbox_diag_set(d, -errno, "open(%s): %s", path, strerror(errno));
    }
    size_t len = strlen(value);
    ssize_t w = write(fd, value, len);
    int rc = 0;
    if (w != (ssize_t)len) {
        int e = w < 0 ? errno : EIO;
        rc = sandbox_diag_set(d, -e, "write(%s, \"%s\"): %s", path, value, strerror(e));
    }
    (void)close(fd);
    return rc;
}

/* Reads dir/file (NUL-terminated, truncated to size - 1). */
static int read_file(const char *dir, const char *file, char *buf, size_t size,
                     struct sandbox_diag *d)
{
    char path[CGROUP_PATH_MAX + 64];
    buf[0] = '\0';
    if (join(path, sizeof(path), dir, file) < 0) {
        return sandbox_diag_set(d, -ENAMETOOLONG, "path too long: %s/%s", dir, file);
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return sandbox_diag_set(d, -errno, "open(%s): %s", path, strerror(errno));
    }
    ssize_t n = read(fd, buf, size - 1);
    int e = errno;
    (void)close(fd);
    if (n < 0) {
        return sandbox_diag_set(d, -e, "read(%s): %s", path, strerror(e));
    }
    buf[n] = '\0';
    return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s) {
        return -EINVAL;
    }
    *out = (uint64_t)v;
    return 0;
}

/* Finds "key <number>" at the start of a line of text. */
static int find_key(const char *text, const char *key, uint64_t *out)
{
    size_t klen = strlen(key);
    for (const char *p = text; p != NULL && *p != '\0'; p = strchr(p, '\n')) {
        if (*p == '\n') {
            p++;
        }
        if (strncmp(p, key, klen) == 0 && p[klen] == ' ') {
            return parse_u64(p + klen + 1, out);
        }
    }
    return -ENOENT;
}

static int read_u64(const char *dir, const char *file, uint64_t *out, struct sandbox_diag *d)
{
    char buf[64];
    int rc = read_file(dir, file, buf, sizeof(buf), d);
    if (rc == 0 && parse_u64(buf, out) < 0) {
        rc = sandbox_diag_set(d, -EINVAL, "%s/%s: not a number: %s", dir, file, buf);
    }
    return rc;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int cgroup_detect(const char *mount, enum cgroup_version *version, struct sandbox_diag *d)
{
    char path[CGROUP_PATH_MAX];
    if (join(path, sizeof(path), mount, "cgroup.controllers") == 0 && access(path, F_OK) == 0) {
        *version = CGROUP_V2;
        return 0;
    }
    for (int i = 0; i < V1_CPUACCT; i++) {
        if (join(path, sizeof(path), mount, v1_ctrl[i]) < 0 || !is_dir(path)) {
            return sandbox_diag_set(d, -ENOENT,
                                    "no cgroup v2 at %s (no cgroup.controllers) and no v1 "
                                    "%s controller (%s missing)",
                                    mount, v1_ctrl[i], path);
        }
    }
    *version = CGROUP_V1;
    return 0;
}

/* Whether the controller list of a /proc/self/cgroup line ("cpu,cpuacct", "" for v2) names
 * ctrl (NULL: the v2 line). */
static bool names_ctrl(const char *list, const char *ctrl)
{
    if (ctrl == NULL) {
        return list[0] == '\0';
    }
    size_t clen = strlen(ctrl);
    for (const char *t = list; t != NULL; t = strchr(t, ',')) {
        t += *t == ',' ? 1 : 0;
        if (strncmp(t, ctrl, clen) == 0 && (t[clen] == ',' || t[clen] == '\0')) {
            return true;
        }
    }
    return false;
}

/* Our own cgroup path in the hierarchy of controller ctrl (NULL: the v2 "0::" line), from a
 * /proc/self/cgroup-format file. OUT: out ("" for the top). */
static int self_path(const char *file, const char *ctrl, char *out, size_t size,
                     struct sandbox_diag *d)
{
    char buf[4096];
    int rc = read_file("", file, buf, sizeof(buf), d); /* "" + "/" + absolute path */
    if (rc < 0) {
        return rc;
    }
    for (char *line = buf; line != NULL && *line != '\0';) {
        char *next = strchr(line, '\n');
        if (next != NULL) {
            *next++ = '\0';
        }
        char *c = strchr(line, ':');
        char *p = c != NULL ? strchr(c + 1, ':') : NULL;
        if (p != NULL) {
            *p = '\0';
            if (names_ctrl(c + 1, ctrl)) {
                int n = snprintf(out, size, "%s", strcmp(p + 1, "/") == 0 ? "" : p + 1);
                return (n < 0 || (size_t)n >= size) ? -ENAMETOOLONG : 0;
            }
        }
        line = next;
    }
    return sandbox_diag_set(d, -ENOENT, "%s: no line for %s", file, ctrl ? ctrl : "cgroup v2");
}

/* root->dirs[i] = <mount>[/<ctrl>]<self>/<name>, created if missing. */
static int make_parent(struct cgroup_root *root, int i, const struct cgroup_config *cfg,
                       const char *ctrl, struct sandbox_diag *d)
{
    char self[CGROUP_PATH_MAX] = "";
    if (cfg->self_cgroup != NULL) {
        int rc = self_path(cfg->self_cgroup, ctrl, self, sizeof(self), d);
        if (rc < 0) {
            return rc;
        }
    }
    int n = snprintf(root->dirs[i], sizeof(root->dirs[i]), "%s%s%s%s/%s", cfg->mount,
                     ctrl ? "/" : "", ctrl ? ctrl : "", self, cfg->name);
    if (n < 0 || (size_t)n >= sizeof(root->dirs[i])) {
        return sandbox_diag_set(d, -ENAMETOOLONG, "cgroup path too long under %s", cfg->mount);
    }
    if (mkdir(root->dirs[i], 0755) < 0 && errno != EEXIST) {
        return sandbox_diag_set(d, -errno, "mkdir(%s): %s", root->dirs[i], strerror(errno));
    }
    return 0;
}

/* v2: controllers must be enabled in the subtree_control of every ancestor of a leaf. */
static int enable_v2_controllers(const struct cgroup_root *root, struct sandbox_diag *d)
{
    char parent[CGROUP_PATH_MAX];
    (void)snprintf(parent, sizeof(parent), "%s", root->dirs[0]);
    char *slash = strrchr(parent, '/');
    if (slash != NULL) {
        *slash = '\0';
    }
    int rc = write_file(parent, "cgroup.subtree_control", "+memory +cpu +pids", d);
    if (rc < 0) {
        return rc;
    }
    return write_file(root->dirs[0], "cgroup.subtree_control", "+memory +cpu +pids", d);
}

int cgroup_root_init(struct cgroup_root *root, const struct cgroup_config *cfg,
                     struct sandbox_diag *d)
{
    memset(root, 0, sizeof(*root));
    int rc = cgroup_detect(cfg->mount, &root->version, d);
    if (rc < 0) {
        return rc;
    }
    if (root->version == CGROUP_V2) {
        root->n_dirs = 1;
        rc = make_parent(root, 0, cfg, NULL, d);
        return rc < 0 ? rc : enable_v2_controllers(root, d);
    }
    char path[CGROUP_PATH_MAX];
    root->has_cpuacct = join(path, sizeof(path), cfg->mount, "cpuacct") == 0 && is_dir(path);
    root->n_dirs = root->has_cpuacct ? CGROUP_V1_NCTRL : CGROUP_V1_NCTRL - 1;
    for (int i = 0; i < root->n_dirs; i++) {
        rc = make_parent(root, i, cfg, v1_ctrl[i], d);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

int cgroup_root_child(const struct cgroup_root *parent, const char *name, struct cgroup_root *child,
                      struct sandbox_diag *d)
{
    *child = *parent;
    if (name[0] == '\0' || strchr(name, '/') != NULL || name[0] == '.') {
        return sandbox_diag_set(d, -EINVAL, "bad cgroup name \"%s\"", name);
    }
    for (int i = 0; i < parent->n_dirs; i++) {
        if (join(child->dirs[i], sizeof(child->dirs[i]), parent->dirs[i], name) < 0) {
            return sandbox_diag_set(d, -ENAMETOOLONG, "cgroup path too long: %s", name);
        }
        if (mkdir(child->dirs[i], 0755) < 0 && errno != EEXIST) {
            return sandbox_diag_set(d, -errno, "mkdir(%s): %s", child->dirs[i], strerror(errno));
        }
    }
    if (child->version == CGROUP_V2) {
        return write_file(child->dirs[0], "cgroup.subtree_control", "+memory +cpu +pids", d);
    }
    return 0;
}

void cgroup_root_remove(const struct cgroup_root *root)
{
    for (int i = 0; i < root->n_dirs; i++) {
        (void)rmdir(root->dirs[i]);
    }
}

uint64_t cgroup_cpu_quota_us(uint32_t memory_mb, uint64_t period_us)
{
    uint64_t q = period_us * memory_mb / 1769;
    if (q < 1000) {
        q = 1000;
    }
    return q > 6 * period_us ? 6 * period_us : q;
}

int cgroup_create(const struct cgroup_root *root, const char *name, struct cgroup *cg,
                  struct sandbox_diag *d)
{
    memset(cg, 0, sizeof(*cg));
    cg->version = root->version;
    cg->has_cpuacct = root->has_cpuacct;
    if (name[0] == '\0' || strchr(name, '/') != NULL || name[0] == '.') {
        return sandbox_diag_set(d, -EINVAL, "bad cgroup name \"%s\"", name);
    }
    for (int i = 0; i < root->n_dirs; i++) {
        if (join(cg->dirs[i], sizeof(cg->dirs[i]), root->dirs[i], name) < 0) {
            return sandbox_diag_set(d, -ENAMETOOLONG, "cgroup path too long: %s", name);
        }
        if (mkdir(cg->dirs[i], 0755) < 0) {
            int rc = sandbox_diag_set(d, -errno, "mkdir(%s): %s", cg->dirs[i], strerror(errno));
            while (--i >= 0) {
                (void)rmdir(cg->dirs[i]);
            }
            return rc;
        }
        cg->n_dirs = i + 1;
    }
    return 0;
}

static int set_limits_v2(const struct cgroup *cg, const struct cgroup_limits *lim,
                         struct sandbox_diag *d)
{
    char v[64];
    (void)snprintf(v, sizeof(v), "%" PRIu64, (uint64_t)lim->memory_mb << 20);
    int rc = write_file(cg->dirs[0], "memory.max", v, d);
    if (rc == 0) {
        rc = write_file(cg->dirs[0], "memory.swap.max", "0", NULL);
        rc = rc == -ENOENT ? 0 : rc; /* no swap accounting: nothing to turn off */
    }
    if (rc == 0) {
        (void)snprintf(v, sizeof(v), "%" PRIu64 " %" PRIu64,
                       cgroup_cpu_quota_us(lim->memory_mb, cpu_period_us), cpu_period_us);
        rc = write_file(cg->dirs[0], "cpu.max", v, d);
    }
    if (rc == 0) {
        (void)snprintf(v, sizeof(v), "%" PRIu32, lim->pids_max);
        rc = write_file(cg->dirs[0], "pids.max", v, d);
    }
    return rc;
}

static int set_limits_v1(const struct cgroup *cg, const struct cgroup_limits *lim,
                         struct sandbox_diag *d)
{
    char v[64];
    const char *mem = cg->dirs[V1_MEMORY];
    (void)snprintf(v, sizeof(v), "%" PRIu64, (uint64_t)lim->memory_mb << 20);
    int rc = write_file(mem, "memory.limit_in_bytes", v, d);
    if (rc == 0) { /* memsw = memory: no swap at all; without memsw, discourage it */
        rc = write_file(mem, "memory.memsw.limit_in_bytes", v, NULL);
        rc = rc == -ENOENT ? write_file(mem, "memory.swappiness", "0", d) : rc;
    }
    if (rc == 0) {
        (void)snprintf(v, sizeof(v), "%" PRIu64, cpu_period_us);
        rc = write_file(cg->dirs[V1_CPU], "cpu.cfs_period_us", v, d);
    }
    if (rc == 0) {
        (void)snprintf(v, sizeof(v), "%" PRIu64,
                       cgroup_cpu_quota_us(lim->memory_mb, cpu_period_us));
        rc = write_file(cg->dirs[V1_CPU], "cpu.cfs_quota_us", v, d);
    }
    if (rc == 0) {
        (void)snprintf(v, sizeof(v), "%" PRIu32, lim->pids_max);
        rc = write_file(cg->dirs[V1_PIDS], "pids.max", v, d);
    }
    return rc;
}

int cgroup_set_limits(const struct cgroup *cg, const struct cgroup_limits *lim,
                      struct sandbox_diag *d)
{
    if (lim->memory_mb == 0 || lim->pids_max == 0) {
        return sandbox_diag_set(d, -EINVAL, "cgroup limits: memory and pids must be > 0");
    }
    return cg->version == CGROUP_V2 ? set_limits_v2(cg, lim, d) : set_limits_v1(cg, lim, d);
}

int cgroup_open_procs(const struct cgroup *cg, int *fds, int *n_fds, struct sandbox_diag *d)
{
    char path[CGROUP_PATH_MAX + 64];
    *n_fds = 0;
    for (int i = 0; i < cg->n_dirs; i++) {
        (void)join(path, sizeof(path), cg->dirs[i], "cgroup.procs");
        fds[i] = open(path, O_WRONLY | O_CLOEXEC);
        if (fds[i] < 0) {
            int rc = sandbox_diag_set(d, -errno, "open(%s): %s", path, strerror(errno));
            while (--i >= 0) {
                (void)close(fds[i]);
            }
            return rc;
        }
    }
    *n_fds = cg->n_dirs;
    return 0;
}

int cgroup_join_fds(const int *fds, int n_fds)
{
    for (int i = 0; i < n_fds; i++) {
        if (write(fds[i], "0", 1) != 1) {
            return -errno;
        }
    }
    return 0;
}

int cgroup_add_pid(const struct cgroup *cg, pid_t pid, struct sandbox_diag *d)
{
    char v[32];
    (void)snprintf(v, sizeof(v), "%d", (int)pid);
    for (int i = 0; i < cg->n_dirs; i++) {
        int rc = write_file(cg->dirs[i], "cgroup.procs", v, d);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

/* Polls dir/file until it contains want (≤ 1 s). */
static int wait_for(const char *dir, const char *file, const char *want, struct sandbox_diag *d)
{
    char buf[512];
    for (int i = 0; i < 2000; i++) {
        int rc = read_file(dir, file, buf, sizeof(buf), d);
        if (rc < 0) {
            return rc;
        }
        if (strstr(buf, want) != NULL) {
            return 0;
        }
        sleep_us(i < 100 ? 50 : 1000);
    }
    return sandbox_diag_set(d, -ETIMEDOUT, "%s/%s: no \"%s\" after 1 s", dir, file, want);
}

int cgroup_freeze(const struct cgroup *cg, struct sandbox_diag *d)
{
    if (cg->version == CGROUP_V2) {
        int rc = write_file(cg->dirs[0], "cgroup.freeze", "1", d);
        return rc < 0 ? rc : wait_for(cg->dirs[0], "cgroup.events", "frozen 1", d);
    }
    int rc = write_file(cg->dirs[V1_FREEZER], "freezer.state", "FROZEN", d);
    return rc < 0 ? rc : wait_for(cg->dirs[V1_FREEZER], "freezer.state", "FROZEN", d);
}

int cgroup_freeze_begin(const struct cgroup *cg, struct sandbox_diag *d)
{
    if (cg->version == CGROUP_V2) {
        return write_file(cg->dirs[0], "cgroup.freeze", "1", d);
    }
    return write_file(cg->dirs[V1_FREEZER], "freezer.state", "FROZEN", d);
}

int cgroup_thaw(const struct cgroup *cg, struct sandbox_diag *d)
{
    if (cg->version == CGROUP_V2) {
        return write_file(cg->dirs[0], "cgroup.freeze", "0", d);
    }
    return write_file(cg->dirs[V1_FREEZER], "freezer.state", "THAWED", d);
}

int cgroup_cpu_unlimit(const struct cgroup *cg, struct sandbox_diag *d)
{
    if (cg->n_dirs == 0) {
        return 0;
    }
    if (cg->version == CGROUP_V2) {
        return write_file(cg->dirs[0], "cpu.max", "max", d);
    }
    return write_file(cg->dirs[V1_CPU], "cpu.cfs_quota_us", "-1", d);
}

int cgroup_peak_kb(const struct cgroup *cg, uint64_t *kb, struct sandbox_diag *d)
{
    uint64_t bytes = 0;
    int rc = cg->version == CGROUP_V2
                 ? read_u64(cg->dirs[0], "memory.peak", &bytes, d)
                 : read_u64(cg->dirs[V1_MEMORY], "memory.max_usage_in_bytes", &bytes, d);
    *kb = bytes / 1024;
    return rc;
}

int cgroup_oom_kills(const struct cgroup *cg, uint64_t *n, struct sandbox_diag *d)
{
    char buf[1024];
    const char *dir = cg->dirs[cg->version == CGROUP_V2 ? 0 : V1_MEMORY];
    const char *file = cg->version == CGROUP_V2 ? "memory.events" : "memory.oom_control";
    *n = 0;
    int rc = read_file(dir, file, buf, sizeof(buf), d);
    if (rc == 0 && find_key(buf, "oom_kill", n) < 0) {
        rc = sandbox_diag_set(d, -ENOENT, "%s/%s: no oom_kill line", dir, file);
    }
    return rc;
}

int cgroup_cpu_usage_us(const struct cgroup *cg, uint64_t *usec, struct sandbox_diag *d)
{
    *usec = 0;
    if (cg->version == CGROUP_V2) {
        char buf[1024];
        int rc = read_file(cg->dirs[0], "cpu.stat", buf, sizeof(buf), d);
        if (rc == 0 && find_key(buf, "usage_usec", usec) < 0) {
            rc = sandbox_diag_set(d, -ENOENT, "%s/cpu.stat: no usage_usec", cg->dirs[0]);
        }
        return rc;
    }
    if (!cg->has_cpuacct) {
        return sandbox_diag_set(d, -ENOTSUP, "cgroup v1 without cpuacct: no CPU usage");
    }
    uint64_t ns = 0;
    int rc = read_u64(cg->dirs[V1_CPUACCT], "cpuacct.usage", &ns, d);
    *usec = ns / 1000;
    return rc;
}

/* The pids of dir/cgroup.procs, at most max. OUT: pids, *n. 0 or -errno (with d). */
static int read_procs(const char *dir, pid_t *pids, size_t max, size_t *n, struct sandbox_diag *d)
{
    char buf[16384];
    *n = 0;
    int rc = read_file(dir, "cgroup.procs", buf, sizeof(buf), d);
    for (char *p = buf, *end = NULL; rc == 0 && *n < max; p = end) {
        long pid = strtol(p, &end, 10);
        if (end == p) {
            break;
        }
        if (pid > 0 && pid <= INT_MAX) {
            pids[(*n)++] = (pid_t)pid;
        }
    }
    return rc;
}

int cgroup_list_procs(const struct cgroup *cg, pid_t *pids, size_t max, size_t *n,
                      struct sandbox_diag *d)
{
    *n = 0;
    return cg->n_dirs > 0 ? read_procs(cg->dirs[0], pids, max, n, d) : 0;
}

/* Sends sig (0: none) to every pid in dir/cgroup.procs; OUT: *n the count. */
static int each_proc(const char *dir, int sig, int *n, struct sandbox_diag *d)
{
    pid_t pids[CGROUP_MAX_PROCS];
    size_t got = 0;
    int rc = read_procs(dir, pids, CGROUP_MAX_PROCS, &got, d);
    for (size_t i = 0; sig != 0 && i < got; i++) {
        (void)kill(pids[i], sig);
    }
    *n = (int)got;
    return rc;
}

int cgroup_count_procs(const struct cgroup *cg, int *n, struct sandbox_diag *d)
{
    return cg->n_dirs > 0 ? each_proc(cg->dirs[0], 0, n, d) : (*n = 0);
}

/* Kills the processes of a live cgroup: cgroup.kill (v2, Linux ≥ 5.14), else SIGKILL to each
 * pid after thawing (a frozen task dies only once thawed). */
static void kill_all(const struct cgroup *cg)
{
    int n = 0;
    if (cg->version == CGROUP_V2 && write_file(cg->dirs[0], "cgroup.kill", "1", NULL) == 0) {
        return;
    }
    (void)cgroup_thaw(cg, NULL);
    for (int i = 0; i < 3; i++) {
        (void)each_proc(cg->dirs[0], SIGKILL, &n, NULL);
        if (n == 0) {
            return;
        }
        sleep_us(200);
    }
}

int cgroup_destroy(const struct cgroup *cg, struct sandbox_diag *d)
{
    int first = 0;
    if (cg->n_dirs == 0) {
        return 0;
    }
    kill_all(cg);
    for (int i = cg->n_dirs - 1; i >= 0; i--) {
        int rc = 0;
        for (int tries = 0; tries < 1000; tries++) { /* dying tasks leave asynchronously */
            rc = rmdir(cg->dirs[i]) < 0 ? -errno : 0;
            if (rc != -EBUSY) {
                break;
            }
            sleep_us(1000);
        }
        if (rc < 0 && rc != -ENOENT && first == 0) {
            first = sandbox_diag_set(d, rc, "rmdir(%s): %s", cg->dirs[i], strerror(-rc));
        }
    }
    return first;
}

/* ---- leftovers of a killed predecessor ------------------------------------------------ */

typedef void walk_fn(const char *path, void *arg);

/* Calls fn(path) for every directory below dir (not dir itself), children before parents. */
static void walk_below(const char *dir, walk_fn *fn, void *arg, int depth)
{
    DIR *d = depth < 16 ? opendir(dir) : NULL;
    if (d == NULL) {
        return;
    }
    for (struct dirent *de = readdir(d); de != NULL; de = readdir(d)) {
        char path[CGROUP_PATH_MAX];
        if (de->d_type != DT_DIR || de->d_name[0] == '.' ||
            join(path, sizeof(path), dir, de->d_name) < 0) {
            continue;
        }
        walk_below(path, fn, arg, depth + 1);
        fn(path, arg);
    }
    (void)closedir(d);
}

static void thaw_v1(const char *path, void *arg)
{
    (void)arg;
    (void)write_file(path, "freezer.state", "THAWED", NULL);
}

static void kill_procs(const char *path, void *arg)
{
    int n = 0;
    (void)each_proc(path, SIGKILL, &n, NULL);
    *(int *)arg += n;
}

static void remove_dir(const char *path, void *arg)
{
    int rc = -EBUSY;
    for (int tries = 0; tries < 500 && rc == -EBUSY; tries++) { /* dying tasks leave late */
        rc = rmdir(path) < 0 ? -errno : 0;
        if (rc == -EBUSY) {
            sleep_us(2000);
        }
    }
    if (rc == 0 && arg != NULL) {
        (*(int *)arg)++;
    }
}

int cgroup_root_sweep(const struct cgroup_root *root, int *n_procs, int *n_cgroups)
{
    *n_procs = 0;
    *n_cgroups = 0;
    if (root->n_dirs == 0) {
        return 0;
    }
    if (root->version == CGROUP_V2) {
        walk_below(root->dirs[0], kill_procs, n_procs, 0); /* count them first */
        (void)write_file(root->dirs[0], "cgroup.kill", "1", NULL);
    } else {
        walk_below(root->dirs[V1_FREEZER], thaw_v1, NULL, 0); /* a frozen task cannot die */
        walk_below(root->dirs[0], kill_procs, n_procs, 0);
    }
    for (int i = 0; i < 200; i++) { /* <= 1 s: until no process is left */
        int left = 0;
        walk_below(root->dirs[0], kill_procs, &left, 0);
        if (left == 0) {
            break;
        }
        sleep_us(5000);
    }
    for (int i = root->n_dirs - 1; i >= 0; i--) {
        walk_below(root->dirs[i], remove_dir, i == 0 ? n_cgroups : NULL, 0);
    }
    return 0;
}
