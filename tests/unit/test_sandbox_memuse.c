/* SPDX-License-Identifier: MIT */
/* Unit tests for src/sandbox/memuse.c: peak resident memory summed over a process tree and over
 * a cgroup's process list, against a fake /proc in a temp dir, then against the real /proc. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

/* The kept-open files are read again from their start: a status or children file rewritten
 * after memuse_open gives its new figures; closed, the same figures come by path. */
static void test_memuse_fds_read_current_figures(void **state)
{
    const char *dir = *state;
    struct memuse_fds f = MEMUSE_FDS_NONE;
    assert_int_equal(memuse_open(dir, 10, &f), 0);
    assert_true(f.status_fd >= 0 && f.children_fd >= 0);
    assert_int_equal(memuse_tree_fds_kb(dir, 10, &f), 1000 + 200 + 30 + 4);
    put(dir, "10/status", "Name:\tfake\nVmHWM:\t  5000 kB\n"); /* same inode, truncated */
    assert_int_equal(memuse_tree_fds_kb(dir, 10, &f), 5000 + 200 + 30 + 4);
    put(dir, "10/task/10/children", "12 ");
    assert_int_equal(memuse_tree_fds_kb(dir, 10, &f), 5000 + 30);
    memuse_close(&f);
    assert_int_equal(f.status_fd, -1);
    assert_int_equal(f.children_fd, -1);
    assert_int_equal(memuse_tree_fds_kb(dir, 10, &f), 5000 + 30);
    assert_true(memuse_open(dir, 99, &f) < 0); /* gone: nothing left open */
    assert_int_equal(f.status_fd, -1);
    assert_int_equal(f.children_fd, -1);
}

/* Fields of a stat text by proc(5)'s numbers, past a command that holds ") " and spaces. */
static void test_memuse_stat_field(void **state)
{
    (void)state;
    const char *t = "7 (a) b (c) R 1 7 7 0 -1 4194560 8 0 2 0 5 1 0 0 20 0 1 0 4242 9\n";
    unsigned long long v = 0;
    assert_true(memuse_stat_field(t, 4, &v));
    assert_int_equal(v, 1); /* ppid */
    assert_true(memuse_stat_field(t, 10, &v));
    assert_int_equal(v, 8); /* minflt */
    assert_true(memuse_stat_field(t, 12, &v));
    assert_int_equal(v, 2); /* majflt */
    assert_true(memuse_stat_field(t, 22, &v));
    assert_int_equal(v, 4242);                  /* starttime */
    assert_false(memuse_stat_field(t, 3, &v));  /* the state letter: not a number */
    assert_false(memuse_stat_field(t, 30, &v)); /* past the end */
    assert_false(memuse_stat_field("7 no parens", 4, &v));
}

/* With a stat file, status is read again only when the fault count moved (or after
 * MEMUSE_RECHECK_NS): a status rewritten behind an unchanged count is not read yet; a new
 * count, or a command name with ") " in it, reads it. */
static void test_memuse_fds_status_after_a_fault(void **state)
{
    const char *dir = *state;
    put(dir, "10/stat", "10 (fake) S 1 10 10 0 -1 4194560 7 0 2 0 5 1\n");
    struct memuse_fds f = MEMUSE_FDS_NONE;
    assert_int_equal(memuse_open(dir, 10, &f), 0);
    assert_true(f.stat_fd >= 0);
    assert_int_equal(memuse_tree_fds_kb(dir, 10, &f), 1000 + 200 + 30 + 4);
    assert_int_equal(f.faults, 7 + 2);
    put(dir, "10/status", "Name:\tfake\nVmHWM:\t  5000 kB\n");
    assert_int_equal(memuse_tree_fds_kb(dir, 10, &f), 1000 + 200 + 30 + 4); /* no fault yet */
    put(dir, "10/stat", "10 (a) b (c) R 1 10 10 0 -1 4194560 8 0 2 0 5 1\n");
    assert_int_equal(memuse_tree_fds_kb(dir, 10, &f), 5000 + 200 + 30 + 4);
    assert_int_equal(f.faults, 8 + 2);
    put(dir, "10/status", "Name:\tfake\nVmHWM:\t  6000 kB\n");
    f.read_ns -= MEMUSE_RECHECK_NS; /* the last reading is that old: read again anyway */
    assert_int_equal(memuse_tree_fds_kb(dir, 10, &f), 6000 + 200 + 30 + 4);
    put(dir, "10/stat", "garbage\n"); /* unreadable count: status every time */
    put(dir, "10/status", "Name:\tfake\nVmHWM:\t  7000 kB\n");
    assert_int_equal(memuse_tree_fds_kb(dir, 10, &f), 7000 + 200 + 30 + 4);
    memuse_close(&f);
    assert_int_equal(f.stat_fd, -1);
}

/* How a child of grow_test takes 48 MB. */
enum grow_how { GROW_TOUCHED, GROW_POPULATED };

/* Forks a child that, told to, takes 48 MB the way how says and waits; returns the peak
 * memuse_tree_fds_kb read through files kept open from before (and checks that the stat file
 * opened, so that the reading rests on the fault count) and after, and kills the child. */
static void grow_test(enum grow_how how, uint64_t *before, uint64_t *after, uint64_t *by_path)
{
    int go[2], ready[2];
    assert_int_equal(pipe(go), 0);
    assert_int_equal(pipe(ready), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        char c;
        size_t n = (size_t)48 << 20;
        if (read(go[0], &c, 1) != 1) {
            _exit(1);
        }
        char *p = how == GROW_TOUCHED ? malloc(n)
                                      : mmap(NULL, n, PROT_READ | PROT_WRITE,
                                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        if (p == NULL || p == MAP_FAILED) {
            _exit(1);
        }
        if (how == GROW_TOUCHED) {
            memset(p, 1, n);
        }
        if (write(ready[1], "r", 1) != 1) {
            _exit(1);
        }
        pause();
        _exit(p[n - 1]);
    }
    struct memuse_fds f = MEMUSE_FDS_NONE;
    assert_int_equal(memuse_open("/proc", child, &f), 0);
    assert_true(f.stat_fd >= 0);
    *before = memuse_tree_fds_kb("/proc", child, &f);
    char c;
    assert_int_equal(write(go[1], "g", 1), 1);
    assert_int_equal(read(ready[0], &c, 1), 1);
    *after = memuse_tree_fds_kb("/proc", child, &f); /* well within MEMUSE_RECHECK_NS */
    *by_path = memuse_tree_kb("/proc", child);
    (void)kill(child, SIGKILL);
    int st;
    (void)waitpid(child, &st, 0);
    memuse_close(&f);
    for (int i = 0; i < 2; i++) {
        (void)close(go[i]);
        (void)close(ready[i]);
    }
}

/* On the real /proc, a pread of the kept-open files sees the peak the process reached after
 * they were opened, at once: memory it touched, and memory it made resident through a system
 * call (MAP_POPULATE: get_user_pages, no fault of its own code), which the skipped status
 * readings rest on (its fault count moves all the same). */
static void test_memuse_fds_follow_a_live_process(void **state)
{
    (void)state;
    const enum grow_how hows[] = {GROW_TOUCHED, GROW_POPULATED};
    for (size_t i = 0; i < 2; i++) {
        uint64_t before, after, by_path;
        grow_test(hows[i], &before, &after, &by_path);
        assert_true(before > 0);
        assert_true(after >= before + 40 * 1024);
        assert_int_equal(after, by_path);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_memuse_hwm_kb_reads_vmhwm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memuse_tree_kb_sums_descendants, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memuse_list_kb_skips_except, setup, teardown),
        cmocka_unit_test(test_memuse_real_proc),
        cmocka_unit_test_setup_teardown(test_memuse_fds_read_current_figures, setup, teardown),
        cmocka_unit_test(test_memuse_fds_follow_a_live_process),
        cmocka_unit_test(test_memuse_stat_field),
        cmocka_unit_test_setup_teardown(test_memuse_fds_status_after_a_fault, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
