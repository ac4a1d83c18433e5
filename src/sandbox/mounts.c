/* SPDX-License-Identifier: MIT */
/* Skeleton root and per-environment mounts (see mounts.h). Why a skeleton on disk rather than
 * a tmpfs filled per environment: the mount points and /etc are made once, so a child only
 * mounts; the skeleton is bound onto itself in the child's private mount namespace and
 * remounted read-only, so an environment cannot change it. Device nodes are bind mounts of the
 * host's (mknod would need CAP_MKNOD and a dev-enabled mount). */
#include "mounts.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Host directories that are bound read-only when they are real directories, or reproduced as
 * symlinks when they are symlinks (Debian 12's merged /usr: /bin -> usr/bin). */
static const char *const sys_dirs[] = {"usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32"};
/* Device nodes bound from the host's /dev. No tty: the runtime has no terminal. */
static const char *const dev_nodes[] = {"null", "zero", "full", "random", "urandom"};
/* Mount points and directories of the skeleton. */
static const char *const skel_dirs[] = {"etc", "var",  "var/task", "opt",
                                        "tmp", "proc", "dev",      "usr"};
/* Entries of the host's /etc that programs from /usr need (the alternatives symlinks that
 * /usr/bin/awk goes through, certificates, interpreters' configuration, time zone, services),
 * copied into the skeleton at every start: what is world-readable only, no mount per
 * environment. Everything else of the host's /etc (shadow, ssh keys, sudoers, tokens in
 * npmrc or pip.conf) stays out. Names, and name prefixes ending in '*'. */
static const char *const etc_copied[] = {"alternatives",
                                         "ssl",
                                         "ca-certificates",
                                         "ca-certificates.conf",
                                         "perl",
                                         "fonts",
                                         "localtime",
                                         "timezone",
                                         "protocols",
                                         "services",
                                         "mime.types",
                                         "magic",
                                         "magic.mime",
                                         "gai.conf",
                                         "host.conf",
                                         "networks",
                                         "ethertypes",
                                         "ld.so.conf",
                                         "ld.so.conf.d",
                                         "inputrc",
                                         "locale.alias",
                                         "os-release",
                                         "debian_version",
                                         "bash.bashrc",
                                         "profile",
                                         "python*",
                                         "java-*",
                                         "ld-musl-*",
                                         "system-release",
                                         "redhat-release",
                                         "crypto-policies",
                                         "pki"};
/* At most this many bytes of /etc are copied. */
#define ETC_COPY_MAX (64u << 20)

/* out (MOUNTS_PATH_MAX bytes) = "<root>/<rel>". Built in a local buffer: out is often a member
 * of the same struct as root, which -Wrestrict cannot tell apart. 0 or -ENAMETOOLONG (d). */
static int path_in(char *out, const char *root, const char *rel, struct sandbox_diag *d)
{
    char buf[MOUNTS_PATH_MAX];
    int n = snprintf(buf, sizeof(buf), "%s/%s", root, rel);
    if (n < 0 || (size_t)n >= sizeof(buf)) {
        return sandbox_diag_set(d, -ENAMETOOLONG, "path too long: %s/%s", root, rel);
    }
    memcpy(out, buf, (size_t)n + 1);
    return 0;
}

static int write_whole(const char *path, const void *data, size_t len, struct sandbox_diag *d)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        return sandbox_diag_set(d, -errno, "open(%s): %s", path, strerror(errno));
    }
    ssize_t w = len > 0 ? write(fd, data, len) : 0;
    int e = w == (ssize_t)len ? 0 : (w < 0 ? errno : EIO);
    (void)close(fd);
    return e == 0 ? 0 : sandbox_diag_set(d, -e, "write(%s): %s", path, strerror(e));
}

/* Copies a small host file (≤ 1 MB) into the skeleton; a missing source is skipped. */
static int copy_small(const char *src, const char *dst, struct sandbox_diag *d)
{
    static char buf[1 << 20];
    int fd = open(src, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return errno == ENOENT ? 0
                               : sandbox_diag_set(d, -errno, "open(%s): %s", src, strerror(errno));
    }
    ssize_t n = read(fd, buf, sizeof(buf));
    int e = errno;
    (void)close(fd);
    if (n < 0) {
        return sandbox_diag_set(d, -e, "read(%s): %s", src, strerror(e));
    }
    return write_whole(dst, buf, (size_t)n, d);
}

static int make_dir(const char *path, struct sandbox_diag *d)
{
    if (mkdir(path, 0755) < 0 && errno != EEXIST) {
        return sandbox_diag_set(d, -errno, "mkdir(%s): %s", path, strerror(errno));
    }
    return 0;
}

static int add_bind(struct mounts_skel *skel, const char *src, const char *rel, int is_dev)
{
    if (skel->n_binds >= MOUNTS_MAX_BINDS) {
        return -E2BIG;
    }
    struct mounts_bind *b = &skel->binds[skel->n_binds++];
    (void)snprintf(b->src, sizeof(b->src), "%s", src);
    b->is_dev = is_dev;
    return path_in(b->dst, skel->root, rel, NULL);
}

/* bin, lib, ...: a symlink like the host's, or a mount point bound from the host. */
static int prepare_sys_dir(struct mounts_skel *skel, const char *name, struct sandbox_diag *d)
{
    char host[MOUNTS_PATH_MAX], dst[MOUNTS_PATH_MAX], target[256];
    if (path_in(host, skel->host_root, name, d) < 0 || path_in(dst, skel->root, name, d) < 0) {
        return -ENAMETOOLONG;
    }
    struct stat st;
    if (lstat(host, &st) < 0) {
        return 0; /* not on this host (lib32, libx32) */
    }
    if (S_ISLNK(st.st_mode)) {
        ssize_t n = readlink(host, target, sizeof(target) - 1);
        if (n < 0) {
            return sandbox_diag_set(d, -errno, "readlink(%s): %s", host, strerror(errno));
        }
        target[n] = '\0';
        (void)unlink(dst);
        if (symlink(target, dst) < 0) {
            return sandbox_diag_set(d, -errno, "symlink(%s): %s", dst, strerror(errno));
        }
        return 0;
    }
    if (!S_ISDIR(st.st_mode)) {
        return 0;
    }
    int rc = make_dir(dst, d);
    return rc < 0 ? rc : add_bind(skel, host, name, 0);
}

/* /dev: empty files as mount points for the host's nodes, and the usual /proc symlinks. */
static int prepare_dev(struct mounts_skel *skel, struct sandbox_diag *d)
{
    static const char *const links[][2] = {{"dev/fd", "/proc/self/fd"},
                                           {"dev/stdin", "/proc/self/fd/0"},
                                           {"dev/stdout", "/proc/self/fd/1"},
                                           {"dev/stderr", "/proc/self/fd/2"}};
    char rel[32], host[40], dst[MOUNTS_PATH_MAX];
    for (size_t i = 0; i < sizeof(dev_nodes) / sizeof(dev_nodes[0]); i++) {
        (void)snprintf(rel, sizeof(rel), "dev/%s", dev_nodes[i]);
        (void)snprintf(host, sizeof(host), "/%s", rel);
        if (path_in(dst, skel->root, rel, d) < 0) {
            return -ENAMETOOLONG;
        }
        int rc = write_whole(dst, "", 0, d);
        if (rc < 0 || (rc = add_bind(skel, host, rel, 1)) < 0) {
            return rc;
        }
    }
    for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
        if (path_in(dst, skel->root, links[i][0], d) < 0) {
            return -ENAMETOOLONG;
        }
        (void)unlink(dst);
        if (symlink(links[i][1], dst) < 0) {
            return sandbox_diag_set(d, -errno, "symlink(%s): %s", dst, strerror(errno));
        }
    }
    return 0;
}

/* Copies a regular file of any size (the host's, world-readable) to dst. */
static int copy_file(const char *src, const char *dst, struct sandbox_diag *d)
{
    char buf[65536];
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        return 0; /* vanished, or not ours to read: skipped */
    }
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    int rc = out < 0 ? sandbox_diag_set(d, -errno, "open(%s): %s", dst, strerror(errno)) : 0;
    for (ssize_t n = 1; rc == 0 && n > 0;) {
        n = read(in, buf, sizeof(buf));
        if (n > 0 && write(out, buf, (size_t)n) != n) {
            rc = sandbox_diag_set(d, -EIO, "write(%s): %s", dst, strerror(errno));
        }
    }
    (void)close(in);
    if (out >= 0) {
        (void)close(out);
    }
    return rc;
}

/* Copies src (file, symlink or directory tree) to dst: only what others may read, within
 * *budget bytes. A missing src is skipped. */
static int copy_tree(const char *src, const char *dst, int depth, size_t *budget,
                     struct sandbox_diag *d)
{
    struct stat st;
    char target[MOUNTS_PATH_MAX];
    if (lstat(src, &st) < 0 || depth > 8) {
        return 0;
    }
    if (S_ISLNK(st.st_mode)) {
        ssize_t n = readlink(src, target, sizeof(target) - 1);
        if (n < 0) {
            return 0;
        }
        target[n] = '\0';
        (void)unlink(dst);
        return symlink(target, dst) < 0 && errno != EEXIST
                   ? sandbox_diag_set(d, -errno, "symlink(%s): %s", dst, strerror(errno))
                   : 0;
    }
    if (S_ISREG(st.st_mode)) {
        if ((st.st_mode & S_IROTH) == 0 || (size_t)st.st_size > *budget) {
            return 0;
        }
        *budget -= (size_t)st.st_size;
        return copy_file(src, dst, d);
    }
    if (!S_ISDIR(st.st_mode) || (st.st_mode & (S_IROTH | S_IXOTH)) != (S_IROTH | S_IXOTH)) {
        return 0;
    }
    int rc = make_dir(dst, d);
    DIR *dir = rc < 0 ? NULL : opendir(src);
    for (struct dirent *de = dir ? readdir(dir) : NULL; rc == 0 && de != NULL; de = readdir(dir)) {
        char s2[MOUNTS_PATH_MAX], d2[MOUNTS_PATH_MAX];
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
            path_in(s2, src, de->d_name, NULL) < 0 || path_in(d2, dst, de->d_name, NULL) < 0) {
            continue;
        }
        rc = copy_tree(s2, d2, depth + 1, budget, d);
    }
    if (dir != NULL) {
        (void)closedir(dir);
    }
    return rc;
}

static bool etc_wanted(const char *name)
{
    for (size_t i = 0; i < sizeof(etc_copied) / sizeof(etc_copied[0]); i++) {
        const char *w = etc_copied[i];
        size_t len = strlen(w);
        if (w[len - 1] == '*' ? strncmp(name, w, len - 1) == 0 : strcmp(name, w) == 0) {
            return true;
        }
    }
    return false;
}

/* The wanted entries of <host_root>/etc, copied into <skeleton>/etc. */
static int copy_etc(const struct mounts_skel *skel, struct sandbox_diag *d)
{
    char src[MOUNTS_PATH_MAX], dst[MOUNTS_PATH_MAX], etc[MOUNTS_PATH_MAX], s_etc[MOUNTS_PATH_MAX];
    size_t budget = ETC_COPY_MAX;
    if (path_in(etc, skel->host_root, "etc", d) < 0 || path_in(s_etc, skel->root, "etc", d) < 0) {
        return -ENAMETOOLONG;
    }
    DIR *dir = opendir(etc);
    int rc = 0;
    for (struct dirent *de = dir ? readdir(dir) : NULL; rc == 0 && de != NULL; de = readdir(dir)) {
        if (etc_wanted(de->d_name) && path_in(src, etc, de->d_name, NULL) == 0 &&
            path_in(dst, s_etc, de->d_name, NULL) == 0) {
            rc = copy_tree(src, dst, 0, &budget, d);
        }
    }
    if (dir != NULL) {
        (void)closedir(dir);
    }
    return rc;
}

/* /etc: generated identity and name-service files, copies of a few host files. */
static int prepare_etc(struct mounts_skel *skel, uid_t uid, gid_t gid, struct sandbox_diag *d)
{
    char text[512], dst[MOUNTS_PATH_MAX];
    int n = snprintf(text, sizeof(text),
                     "root:x:0:0:root:/root:/sbin/nologin\n"
                     "sbx_user1051:x:%u:%u::/tmp:/sbin/nologin\n",
                     (unsigned)uid, (unsigned)gid);
    int rc = path_in(dst, skel->root, "etc/passwd", d);
    rc = rc < 0 ? rc : write_whole(dst, text, (size_t)n, d);
    n = snprintf(text, sizeof(text), "root:x:0:\nsbx_user1051:x:%u:\n", (unsigned)gid);
    rc = rc < 0 ? rc : path_in(dst, skel->root, "etc/group", d);
    rc = rc < 0 ? rc : write_whole(dst, text, (size_t)n, d);
    /* sandbox.localdomain: where extensions' Telemetry API listeners are (their own loopback,
     * as the server connects there in the environment's network namespace) */
    static const char hosts[] = "127.0.0.1 localhost sandbox.localdomain sandbox\n"
                                "::1 localhost\n"
                                "169.254.0.1 host.clambda.internal\n"; /* vnet.h's gateway */
    rc = rc < 0 ? rc : path_in(dst, skel->root, "etc/hosts", d);
    rc = rc < 0 ? rc : write_whole(dst, hosts, sizeof(hosts) - 1, d);
    static const char nss[] = "passwd: files\ngroup: files\nhosts: files dns\n";
    rc = rc < 0 ? rc : path_in(dst, skel->root, "etc/nsswitch.conf", d);
    rc = rc < 0 ? rc : write_whole(dst, nss, sizeof(nss) - 1, d);
    rc = rc < 0 ? rc : path_in(dst, skel->root, "etc/resolv.conf", d);
    rc = rc < 0 ? rc : copy_small("/etc/resolv.conf", dst, d);
    char src[MOUNTS_PATH_MAX];
    rc = rc < 0 ? rc : path_in(dst, skel->root, "etc/ld.so.cache", d);
    rc = rc < 0 ? rc : path_in(src, skel->host_root, "etc/ld.so.cache", d);
    rc = rc < 0 ? rc : copy_small(src, dst, d);
    return rc < 0 ? rc : copy_etc(skel, d);
}

int mounts_skel_prepare(struct mounts_skel *skel, const char *root_dir, const char *host_root,
                        uid_t uid, gid_t gid, struct sandbox_diag *d)
{
    memset(skel, 0, sizeof(*skel));
    host_root = host_root != NULL ? host_root : "";
    int hn = snprintf(skel->host_root, sizeof(skel->host_root), "%s",
                      strcmp(host_root, "/") == 0 ? "" : host_root);
    if (hn < 0 || (size_t)hn + 64 >= sizeof(skel->host_root) ||
        (host_root[0] != '\0' && host_root[0] != '/')) {
        return sandbox_diag_set(d, -EINVAL, "--root must be an absolute path < %d: %s",
                                MOUNTS_PATH_MAX - 64, host_root);
    }
    int n = snprintf(skel->root, sizeof(skel->root), "%s", root_dir);
    if (n < 0 || (size_t)n + 32 >= sizeof(skel->root) || root_dir[0] != '/') {
        return sandbox_diag_set(d, -EINVAL, "skeleton root must be an absolute path < %d: %s",
                                MOUNTS_PATH_MAX - 32, root_dir);
    }
    int rc = path_in(skel->task, skel->root, "var/task", d);
    rc = rc < 0 ? rc : path_in(skel->opt, skel->root, "opt", d);
    rc = rc < 0 ? rc : path_in(skel->tmp, skel->root, "tmp", d);
    rc = rc < 0 ? rc : path_in(skel->proc, skel->root, "proc", d);
    rc = rc < 0 ? rc : make_dir(root_dir, d);
    if (rc == 0 && chmod(root_dir, 0755) < 0) {
        rc = sandbox_diag_set(d, -errno, "chmod(%s): %s", root_dir, strerror(errno));
    }
    char path[MOUNTS_PATH_MAX];
    for (size_t i = 0; rc == 0 && i < sizeof(skel_dirs) / sizeof(skel_dirs[0]); i++) {
        rc = path_in(path, root_dir, skel_dirs[i], d);
        rc = rc < 0 ? rc : make_dir(path, d);
    }
    for (size_t i = 0; rc == 0 && i < sizeof(sys_dirs) / sizeof(sys_dirs[0]); i++) {
        rc = prepare_sys_dir(skel, sys_dirs[i], d);
    }
    rc = rc < 0 ? rc : prepare_etc(skel, uid, gid, d);
    rc = rc < 0 ? rc : prepare_dev(skel, d);
    if (rc == -E2BIG) {
        rc = sandbox_diag_set(d, rc, "more than %d binds in the skeleton", MOUNTS_MAX_BINDS);
    }
    return rc;
}

static void add_op(struct mounts_plan *plan, const char *src, const char *dst, const char *fstype,
                   unsigned long flags, const char *data)
{
    struct mounts_op *op = &plan->ops[plan->n_ops++];
    op->src = src;
    op->dst = dst;
    op->fstype = fstype;
    op->flags = flags;
    op->data = data;
}

/* A bind mount, then its remount read-only (a bind ignores MS_RDONLY on the first call). */
static void add_ro_bind(struct mounts_plan *plan, const char *src, const char *dst)
{
    add_op(plan, src, dst, NULL, MS_BIND, NULL);
    add_op(plan, NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL);
}

void mounts_plan_init(struct mounts_plan *plan, const struct mounts_skel *skel,
                      const char *code_dir, const char *opt_dir, uint32_t tmp_mb)
{
    const unsigned long nsd = MS_NOSUID | MS_NODEV;
    plan->root = skel->root;
    plan->n_ops = 0;
    (void)snprintf(plan->tmp_data, sizeof(plan->tmp_data), "size=%" PRIu32 "m,mode=1777", tmp_mb);
    add_op(plan, NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
    add_op(plan, skel->root, skel->root, NULL, MS_BIND, NULL);
    for (int i = 0; i < skel->n_binds; i++) {
        const struct mounts_bind *b = &skel->binds[i];
        if (b->is_dev) {
            add_op(plan, b->src, b->dst, NULL, MS_BIND, NULL);
        } else {
            add_ro_bind(plan, b->src, b->dst);
        }
    }
    add_ro_bind(plan, code_dir, skel->task);
    if (opt_dir != NULL) {
        add_ro_bind(plan, opt_dir, skel->opt);
    }
    add_op(plan, "tmpfs", skel->tmp, "tmpfs", nsd, plan->tmp_data);
    add_op(plan, "proc", skel->proc, "proc", nsd | MS_NOEXEC, NULL);
    add_op(plan, NULL, skel->root, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | nsd, NULL);
}

int mounts_apply(const struct mounts_plan *plan, struct sandbox_child_err *err)
{
    for (int i = 0; i < plan->n_ops; i++) {
        const struct mounts_op *op = &plan->ops[i];
        if (mount(op->src, op->dst, op->fstype, op->flags, op->data) < 0) {
            return sandbox_child_err_set(err, SANDBOX_STEP_MOUNT, errno, op->dst);
        }
    }
    /* pivot_root(".", "."): the old root ends up stacked under the new one and is detached
     * at once, so no put_old directory is needed (pivot_root(2), NOTES). */
    if (chdir(plan->root) < 0) {
        return sandbox_child_err_set(err, SANDBOX_STEP_CHDIR, errno, plan->root);
    }
    if (syscall(SYS_pivot_root, ".", ".") < 0) {
        return sandbox_child_err_set(err, SANDBOX_STEP_PIVOT_ROOT, errno, plan->root);
    }
    if (umount2(".", MNT_DETACH) < 0) {
        return sandbox_child_err_set(err, SANDBOX_STEP_UMOUNT, errno, "old root");
    }
    if (chdir("/var/task") < 0) {
        return sandbox_child_err_set(err, SANDBOX_STEP_CHDIR, errno, "/var/task");
    }
    return 0;
}
