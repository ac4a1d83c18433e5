/* SPDX-License-Identifier: MIT */
/* Unit tests for src/sandbox/cgroup.c: the file-writing logic against fake v1 and v2 trees in a
 * temp dir (always), then one environment's life against the real hierarchy (root only; the
 * real tests are skipped otherwise, with the reason printed). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cgroup.h"

static void put(const char *dir, const char *file, const char *text)
{
    char path[1024];
    (void)snprintf(path, sizeof(path), "%s/%s", dir, file);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    (void)close(fd);
}

/* Asserts that dir/file holds exactly want. */
static void expect_file(const char *dir, const char *file, const char *want)
{
    char path[1024];
    char buf[256];
    (void)snprintf(path, sizeof(path), "%s/%s", dir, file);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    assert_true(n >= 0);
    buf[n] = '\0';
    (void)close(fd);
    assert_string_equal(buf, want);
}

static void mk(const char *base, const char *rel)
{
    char path[1024];
    (void)snprintf(path, sizeof(path), "%s/%s", base, rel);
    assert_int_equal(mkdir(path, 0755), 0);
}

/* Removes a fake tree (regular files and dirs only, depth ≤ 4). */
static void rm_tree(const char *dir)
{
    char cmd[1100];
    (void)snprintf(cmd, sizeof(cmd), "%s", dir);
    pid_t p = fork();
    if (p == 0) {
        execl("/bin/rm", "rm", "-rf", cmd, (char *)NULL);
        _exit(127);
    }
    int st;
    (void)waitpid(p, &st, 0);
}

static void test_cgroup_cpu_quota_us_values(void **state)
{
    (void)state;
    assert_int_equal(cgroup_cpu_quota_us(128, 100000), 7235);
    assert_int_equal(cgroup_cpu_quota_us(1769, 100000), 100000);
    assert_int_equal(cgroup_cpu_quota_us(3538, 100000), 200000);
    assert_int_equal(cgroup_cpu_quota_us(10240, 100000), 578858);
    assert_int_equal(cgroup_cpu_quota_us(20000, 100000), 600000);
    assert_int_equal(cgroup_cpu_quota_us(1, 100000), 1000);
}

static void test_cgroup_detect_fake(void **state)
{
    (void)state;
    char dir[] = "/tmp/clambda-cg-XXXXXX";
    assert_non_null(mkdtemp(dir));
    enum cgroup_version v = 0;
    struct sandbox_diag d = {0, ""};
    assert_int_equal(cgroup_detect(dir, &v, &d), -ENOENT);
    assert_non_null(strstr(d.msg, "memory"));
    mk(dir, "memory");
    mk(dir, "cpu");
    mk(dir, "pids");
    assert_int_equal(cgroup_detect(dir, &v, &d), -ENOENT);
    assert_non_null(strstr(d.msg, "freezer"));
    mk(dir, "freezer");
    assert_int_equal(cgroup_detect(dir, &v, &d), 0);
    assert_int_equal(v, CGROUP_V1);
    put(dir, "cgroup.controllers", "cpu memory pids\n");
    assert_int_equal(cgroup_detect(dir, &v, &d), 0);
    assert_int_equal(v, CGROUP_V2);
    rm_tree(dir);
}

static void test_cgroup_v1_fake_limits_freeze_stats(void **state)
{
    (void)state;
    char dir[] = "/tmp/clambda-cg-XXXXXX", self[1100], buf[1100];
    assert_non_null(mkdtemp(dir));
    const char *sub[] = {"memory", "memory/a", "memory/a/b", "cpu", "pids", "freezer", "cpuacct"};
    for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
        mk(dir, sub[i]);
    }
    put(dir, "self", "5:pids:/\n4:memory:/a/b\n3:freezer:/\n2:cpu,cpuacct:/\n1:name=x:/\n");
    (void)snprintf(self, sizeof(self), "%s/self", dir);
    struct cgroup_config cfg = {dir, self, "clambda"};
    struct cgroup_root root;
    struct sandbox_diag d = {0, ""};
    assert_int_equal(cgroup_root_init(&root, &cfg, &d), 0);
    assert_int_equal(root.version, CGROUP_V1);
    assert_int_equal(root.n_dirs, 5);
    assert_true(root.has_cpuacct);
    (void)snprintf(buf, sizeof(buf), "%s/memory/a/b/clambda", dir);
    assert_string_equal(root.dirs[0], buf);
    struct cgroup cg, bad;
    assert_int_equal(cgroup_create(&root, "env1", &cg, &d), 0);
    assert_int_equal(cgroup_create(&root, "env1", &bad, &d), -EEXIST);
    assert_int_equal(cgroup_create(&root, "../x", &bad, &d), -EINVAL);
    assert_int_equal(cgroup_create(&root, "env1", &bad, NULL), -EEXIST);
    for (int i = 0; i < 5; i++) {
        (void)snprintf(buf, sizeof(buf), "%s/env1", root.dirs[i]);
        assert_string_equal(cg.dirs[i], buf);
    }
    struct cgroup_limits lim = {128, 64};
    assert_int_equal(cgroup_set_limits(&cg, &lim, &d), -ENOENT); /* no control files */
    assert_non_null(strstr(d.msg, "memory.limit_in_bytes"));
    put(cg.dirs[0], "memory.limit_in_bytes", "9223372036854771712\n");
    put(cg.dirs[0], "memory.memsw.limit_in_bytes", "9223372036854771712\n");
    put(cg.dirs[1], "cpu.cfs_period_us", "100000\n");
    put(cg.dirs[1], "cpu.cfs_quota_us", "-1\n");
    put(cg.dirs[2], "pids.max", "max\n");
    assert_int_equal(cgroup_set_limits(&cg, &lim, &d), 0);
    expect_file(cg.dirs[0], "memory.limit_in_bytes", "134217728");
    expect_file(cg.dirs[0], "memory.memsw.limit_in_bytes", "134217728");
    expect_file(cg.dirs[1], "cpu.cfs_quota_us", "7235");
    expect_file(cg.dirs[2], "pids.max", "64");

    put(cg.dirs[3], "freezer.state", "THAWED\n");
    assert_int_equal(cgroup_freeze(&cg, &d), 0);
    expect_file(cg.dirs[3], "freezer.state", "FROZEN");
    assert_int_equal(cgroup_thaw(&cg, &d), 0);
    expect_file(cg.dirs[3], "freezer.state", "THAWED");

    assert_int_equal(cgroup_freeze_begin(&cg, &d), 0); /* one write, no waiting */
    expect_file(cg.dirs[3], "freezer.state", "FROZEN");
    assert_int_equal(cgroup_thaw(&cg, &d), 0);

    struct cgroup_root fn_root;
    assert_int_equal(cgroup_root_child(&root, "fn-a", &fn_root, &d), 0);
    assert_int_equal(cgroup_root_child(&root, "fn-a", &fn_root, &d), 0); /* reused */
    assert_int_equal(cgroup_root_child(&root, "../x", &fn_root, &d), -EINVAL);
    assert_int_equal(cgroup_root_child(&root, "fn-a", &fn_root, &d), 0);
    for (int i = 0; i < 5; i++) {
        (void)snprintf(buf, sizeof(buf), "%s/fn-a", root.dirs[i]);
        assert_string_equal(fn_root.dirs[i], buf);
    }
    struct cgroup leaf;
    assert_int_equal(cgroup_create(&fn_root, "env2", &leaf, &d), 0);
    (void)snprintf(buf, sizeof(buf), "%s/fn-a/env2", root.dirs[2]);
    assert_string_equal(leaf.dirs[2], buf);

    uint64_t v = 0;
    put(cg.dirs[0], "memory.max_usage_in_bytes", "1048576\n");
    assert_int_equal(cgroup_peak_kb(&cg, &v, &d), 0);
    assert_int_equal(v, 1024);
    put(cg.dirs[0], "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
    assert_int_equal(cgroup_oom_kills(&cg, &v, &d), 0);
    assert_int_equal(v, 3);
    put(cg.dirs[4], "cpuacct.usage", "5000000\n");
    assert_int_equal(cgroup_cpu_usage_us(&cg, &v, &d), 0);
    assert_int_equal(v, 5000);
    put(cg.dirs[0], "cgroup.procs", "");
    int n = -1;
    assert_int_equal(cgroup_count_procs(&cg, &n, &d), 0);
    assert_int_equal(n, 0);
    rm_tree(dir);
}

static void test_cgroup_v2_fake_limits_freeze_stats(void **state)
{
    (void)state;
    char dir[] = "/tmp/clambda-cg-XXXXXX", buf[1100];
    assert_non_null(mkdtemp(dir));
    put(dir, "cgroup.controllers", "cpuset cpu io memory pids\n");
    put(dir, "cgroup.subtree_control", "");
    mk(dir, "clambda");
    (void)snprintf(buf, sizeof(buf), "%s/clambda", dir);
    put(buf, "cgroup.subtree_control", "");
    struct cgroup_config cfg = {dir, NULL, "clambda"};
    struct cgroup_root root;
    struct sandbox_diag d = {0, ""};
    assert_int_equal(cgroup_root_init(&root, &cfg, &d), 0);
    assert_int_equal(root.version, CGROUP_V2);
    assert_int_equal(root.n_dirs, 1);
    expect_file(dir, "cgroup.subtree_control", "+memory +cpu +pids");
    struct cgroup cg;
    assert_int_equal(cgroup_create(&root, "env2", &cg, &d), 0);
    const char *files[] = {"memory.max", "memory.swap.max", "cpu.max", "pids.max", "cgroup.freeze"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        put(cg.dirs[0], files[i], "max\n");
    }
    struct cgroup_limits lim = {3538, 1024};
    assert_int_equal(cgroup_set_limits(&cg, &lim, &d), 0);
    expect_file(cg.dirs[0], "memory.max", "3709861888");
    expect_file(cg.dirs[0], "memory.swap.max", "0");
    expect_file(cg.dirs[0], "cpu.max", "200000 100000");
    expect_file(cg.dirs[0], "pids.max", "1024");
    put(cg.dirs[0], "cgroup.events", "populated 1\nfrozen 1\n");
    assert_int_equal(cgroup_freeze(&cg, &d), 0);
    expect_file(cg.dirs[0], "cgroup.freeze", "1");
    uint64_t v = 0;
    put(cg.dirs[0], "memory.events", "low 0\nhigh 0\nmax 4\noom 1\noom_kill 2\n");
    assert_int_equal(cgroup_oom_kills(&cg, &v, &d), 0);
    assert_int_equal(v, 2);
    put(cg.dirs[0], "memory.peak", "2048\n");
    assert_int_equal(cgroup_peak_kb(&cg, &v, &d), 0);
    assert_int_equal(v, 2);
    put(cg.dirs[0], "cpu.stat", "usage_usec 777\nuser_usec 700\n");
    assert_int_equal(cgroup_cpu_usage_us(&cg, &v, &d), 0);
    assert_int_equal(v, 777);
    rm_tree(dir);
}

/* The real hierarchy: an environment holding a sleeping child is limited, frozen, measured and
 * destroyed (which kills the child). */
static void test_cgroup_real_lifecycle(void **state)
{
    (void)state;
    if (geteuid() != 0) {
        print_message("skip: real cgroup test needs root\n");
        skip();
    }
    char name[64];
    (void)snprintf(name, sizeof(name), "clambda-test-%d", (int)getpid());
    struct cgroup_config cfg = {"/sys/fs/cgroup", "/proc/self/cgroup", name};
    struct cgroup_root root;
    struct sandbox_diag d = {0, ""};
    if (cgroup_root_init(&root, &cfg, &d) < 0) {
        print_message("skip: no usable cgroup hierarchy: %s\n", d.msg);
        skip();
    }
    struct cgroup cg;
    assert_int_equal(cgroup_create(&root, "env", &cg, &d), 0);
    struct cgroup_limits lim = {128, 16};
    assert_int_equal(cgroup_set_limits(&cg, &lim, &d), 0);
    pid_t child = fork();
    if (child == 0) {
        for (;;) {
            pause();
        }
    }
    assert_int_equal(cgroup_add_pid(&cg, child, &d), 0);
    int n = 0;
    assert_int_equal(cgroup_count_procs(&cg, &n, &d), 0);
    assert_int_equal(n, 1);
    assert_int_equal(cgroup_freeze(&cg, &d), 0);
    assert_int_equal(cgroup_thaw(&cg, &d), 0);
    uint64_t v = 99;
    assert_int_equal(cgroup_oom_kills(&cg, &v, &d), 0);
    assert_int_equal(v, 0);
    assert_int_equal(cgroup_peak_kb(&cg, &v, &d), 0);
    assert_int_equal(cgroup_destroy(&cg, &d), 0);
    int st = 0;
    assert_int_equal(waitpid(child, &st, 0), child);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    for (int i = 0; i < root.n_dirs; i++) {
        assert_int_equal(rmdir(root.dirs[i]), 0);
    }
}

/* What a killed server leaves: a function's parent with a frozen environment holding a
 * process. The next server's sweep thaws and kills it and removes both cgroups. */
static void test_cgroup_root_sweep_real(void **state)
{
    (void)state;
    if (geteuid() != 0) {
        print_message("skip: real cgroup test needs root\n");
        skip();
    }
    char name[64];
    (void)snprintf(name, sizeof(name), "clambda-test-sweep-%d", (int)getpid());
    struct cgroup_config cfg = {"/sys/fs/cgroup", "/proc/self/cgroup", name};
    struct cgroup_root root, fn;
    struct sandbox_diag d = {0, ""};
    if (cgroup_root_init(&root, &cfg, &d) < 0) {
        print_message("skip: no usable cgroup hierarchy: %s\n", d.msg);
        skip();
    }
    struct cgroup cg;
    assert_int_equal(cgroup_root_child(&root, "fn.1", &fn, &d), 0);
    assert_int_equal(cgroup_create(&fn, "123-1", &cg, &d), 0);
    pid_t child = fork();
    if (child == 0) {
        for (;;) {
            pause();
        }
    }
    assert_int_equal(cgroup_add_pid(&cg, child, &d), 0);
    assert_int_equal(cgroup_freeze(&cg, &d), 0);
    int procs = 0, cgroups = 0;
    assert_int_equal(cgroup_root_sweep(&root, &procs, &cgroups), 0);
    assert_int_equal(procs, 1);
    assert_int_equal(cgroups, 2); /* fn.1/123-1 and fn.1, counted in one hierarchy */
    int st = 0;
    assert_int_equal(waitpid(child, &st, 0), child);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    for (int i = 0; i < root.n_dirs; i++) {
        assert_int_equal(rmdir(root.dirs[i]), 0); /* empty: nothing left below */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cgroup_cpu_quota_us_values),
        cmocka_unit_test(test_cgroup_detect_fake),
        cmocka_unit_test(test_cgroup_v1_fake_limits_freeze_stats),
        cmocka_unit_test(test_cgroup_v2_fake_limits_freeze_stats),
        cmocka_unit_test(test_cgroup_real_lifecycle),
        cmocka_unit_test(test_cgroup_root_sweep_real),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
