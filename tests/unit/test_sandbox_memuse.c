/* SPDX-License-Identifier: MIT */
/* Unit tests for src/sandbox/memuse.c: peak resident memory summed over a process tree and over
 * a cgroup's process list, against a fake /proc in a temp dir, then against the real /proc. */
#include <fcntl.h>
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

#include "memuse.h"

static void put(const char *dir, const char *rel, const char *text)
{
    char path[1024];
    (void)snprintf(path, sizeof(path), "%s/%s", dir, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
}

static void mk(const char *dir, const char *rel)
{
    char path[1024];
    (void)snprintf(path, sizeof(path), "%s/%s", dir, rel);
    assert_int_equal(mkdir(path, 0755), 0);
}

/* A process in the fake tree: <dir>/<pid>/status with VmHWM (none when hwm_kb is 0, as for a
 * kernel thread) and, when children is not NULL, <dir>/<pid>/task/<pid>/children. */
static void proc_add(const char *dir, int pid, unsigned hwm_kb, const char *children)
{
    char rel[256], text[256];
    (void)snprintf(rel, sizeof(rel), "%d", pid);
    mk(dir, rel);
    (void)snprintf(text, sizeof(text), "Name:\tfake\nVmPeak:\t  99999 kB\n");
    if (hwm_kb > 0) {
        size_t n = strlen(text);
        (void)snprintf(text + n, sizeof(text) - n, "VmHWM:\t  %u kB\nVmRSS:\t  1 kB\n", hwm_kb);
    }
    (void)snprintf(rel, sizeof(rel), "%d/status", pid);
    put(dir, rel, text);
    if (children != NULL) {
        (void)snprintf(rel, sizeof(rel), "%d/task", pid);
        mk(dir, rel);
        (void)snprintf(rel, sizeof(rel), "%d/task/%d", pid, pid);
        mk(dir, rel);
        (void)snprintf(rel, sizeof(rel), "%d/task/%d/children", pid, pid);
        put(dir, rel, children);
    }
}

static int setup(void **state)
{
    char *dir = strdup("/tmp/clambda-memuse-XXXXXX");
    assert_non_null(dir);
    assert_non_null(mkdtemp(dir));
    /* 10 ─┬─ 11 ── 13
     *     └─ 12        (a thread-group leader without a task dir: its children unknown)
     * 20 is a kernel-thread-like entry without VmHWM. */
    proc_add(dir, 10, 1000, "11 12 ");
    proc_add(dir, 11, 200, "13 ");
    proc_add(dir, 12, 30, NULL);
    proc_add(dir, 13, 4, "");
    proc_add(dir, 20, 0, NULL);
    put(dir, "cgroup.procs", "10\n11\n13\n20\n99\n");
    *state = dir;
    return 0;
}

static int teardown(void **state)
{
    pid_t p = fork();
    if (p == 0) {
        execl("/bin/rm", "rm", "-rf", (char *)*state, (char *)NULL);
        _exit(127);
    }
    int st;
    (void)waitpid(p, &st, 0);
    free(*state);
    return 0;
}

static void test_memuse_hwm_kb_reads_vmhwm(void **state)
{
    assert_int_equal(memuse_hwm_kb(*state, 10), 1000);
    assert_int_equal(memuse_hwm_kb(*state, 20), 0); /* no VmHWM line */
    assert_int_equal(memuse_hwm_kb(*state, 99), 0); /* gone */
}

static void test_memuse_tree_kb_sums_descendants(void **state)
{
    assert_int_equal(memuse_tree_kb(*state, 10), 1000 + 200 + 30 + 4);
    assert_int_equal(memuse_tree_kb(*state, 11), 200 + 4);
    assert_int_equal(memuse_tree_kb(*state, 12), 30);
    assert_int_equal(memuse_tree_kb(*state, 99), 0);
}

static void test_memuse_list_kb_skips_except(void **state)
{
    char procs[1100];
    (void)snprintf(procs, sizeof(procs), "%s/cgroup.procs", (char *)*state);
    assert_int_equal(memuse_list_kb(*state, procs, 0), 1000 + 200 + 4);
    assert_int_equal(memuse_list_kb(*state, procs, 10), 200 + 4); /* the reaper is not counted */
    (void)snprintf(procs, sizeof(procs), "%s/missing.procs", (char *)*state);
    assert_int_equal(memuse_list_kb(*state, procs, 0), 0);
}

static void test_memuse_real_proc(void **state)
{
    (void)state;
    pid_t self = getpid();
    uint64_t hwm = memuse_hwm_kb("/proc", self);
    assert_true(hwm > 0);
    assert_true(memuse_tree_kb("/proc", self) >= hwm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_memuse_hwm_kb_reads_vmhwm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memuse_tree_kb_sums_descendants, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memuse_list_kb_skips_except, setup, teardown),
        cmocka_unit_test(test_memuse_real_proc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
