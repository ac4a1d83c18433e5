/* SPDX-License-Identifier: MIT */
/* Unit tests for full isolation (sandbox_full.c, ns.c, mounts.c, sysfilter.c): each test runs
 * tests/sandbox/hostile inside a fresh environment and checks what it could see and do. Needs
 * root and the kernel features sandbox_full_probe() checks: otherwise exit 77 with the reason. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cgroup.h"
#include "sandbox_full.h"

static char tmp_dir[] = "/tmp/clambda-ns-XXXXXX";
static char code_dir[256];
static struct sandbox_full *sf;
static int env_seq;

/* Output and outcome of one run. */
struct run {
    char out[16384];
    int wstatus;
    uint64_t peak_kb;
    uint64_t oom_kills;
};

static char env_path[] = "PATH=/usr/bin:/bin";
static char env_tz[] = "TZ=:UTC";
static char hostile_path[] = "/var/task/hostile";
static char missing_path[] = "/var/task/missing";
static char *env_vars[] = {env_path, env_tz, NULL};

static void copy_file(const char *src, const char *dst)
{
    static char buf[1 << 20];
    int in = open(src, O_RDONLY | O_CLOEXEC);
    assert_true(in >= 0);
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    assert_true(out >= 0);
    ssize_t n;
    while ((n = read(in, buf, sizeof(buf))) > 0) {
        assert_int_equal(write(out, buf, (size_t)n), n);
    }
    (void)close(in);
    (void)close(out);
}

static struct sandbox_full_env *start(const char *cmd, uint32_t memory_mb, uint32_t pids)
{
    char id[64];
    (void)snprintf(id, sizeof(id), "env%d", ++env_seq);
    char *argv[] = {hostile_path, (char *)(uintptr_t)cmd, NULL};
    struct sandbox_full_spec spec = {
        id, code_dir, "/var/task/hostile", argv, env_vars, memory_mb, 1, pids, 0, NULL, NULL, NULL,
        0,  NULL};
    struct sandbox_full_env *env = NULL;
    struct sandbox_diag d = {0, ""};
    int rc = sandbox_full_spawn(sf, &spec, &env, &d);
    if (rc < 0) {
        print_error("sandbox_full_spawn: %s\n", d.msg);
    }
    assert_int_equal(rc, 0);
    return env;
}

/* Collects stdout until the environment exits (≤ 30 s), then reaps it. */
static void finish(struct sandbox_full_env *env, struct run *r)
{
    struct sandbox_proc *p = sandbox_full_proc(env);
    size_t len = 0;
    bool out_open = true;
    for (int i = 0; i < 3000 && out_open; i++) {
        struct pollfd pfd = {p->out_fd, POLLIN, 0};
        if (poll(&pfd, 1, 10) > 0) {
            ssize_t n = read(p->out_fd, r->out + len, sizeof(r->out) - 1 - len);
            out_open = n > 0 || (n < 0 && errno == EAGAIN);
            len += n > 0 ? (size_t)n : 0;
        }
    }
    r->out[len] = '\0';
    int rc = -EAGAIN;
    for (int i = 0; i < 3000 && rc == -EAGAIN; i++) {
        struct pollfd pfd = {p->exit_fd, POLLIN, 0};
        (void)poll(&pfd, 1, 10);
        rc = sandbox_full_reap(env, &r->wstatus, &r->peak_kb, &r->oom_kills);
    }
    assert_int_equal(rc, 0);
    sandbox_full_close(env);
}

static void run(const char *cmd, uint32_t memory_mb, uint32_t pids, struct run *r)
{
    finish(start(cmd, memory_mb, pids), r);
}

static void expect(const struct run *r, const char *line)
{
    if (strstr(r->out, line) == NULL) {
        print_error("expected \"%s\" in:\n%s\n", line, r->out);
        fail();
    }
}

static void test_ns_identity(void **state)
{
    struct run *r = *state;
    run("id", 128, 64, r);
    assert_true(WIFEXITED(r->wstatus) && WEXITSTATUS(r->wstatus) == 0);
    expect(r, "uid=993\n");
    expect(r, "gid=990\n");
    expect(r, "hostname=169.254.");
    expect(r, "pid=2\n");
    expect(r, "ppid=1\n");
    run("status", 128, 64, r);
    expect(r, "CapPrm:\t0000000000000000");
    expect(r, "CapEff:\t0000000000000000");
    expect(r, "CapBnd:\t0000000000000000");
    expect(r, "NoNewPrivs:\t1");
    expect(r, "Seccomp:\t2");
}

static void test_ns_proc_shows_only_own(void **state)
{
    struct run *r = *state;
    run("pid1", 128, 64, r);
    expect(r, "entry=1\n");
    expect(r, "entry=2\n");
    expect(r, "count=2\n");
}

static void test_ns_filesystem(void **state)
{
    struct run *r = *state;
    run("write-task", 128, 64, r);
    expect(r, "open=Read-only file system");
    expect(r, "mkdir_usr=Read-only file system");
    assert_null(strstr(r->out, "write_etc=ok")); /* EACCES: checked before EROFS */
    run("read-shadow", 128, 64, r);
    expect(r, "open=No such file or directory");
    run("ls-root", 128, 64, r);
    expect(r, "opendir=No such file or directory");
    run("ls", 128, 64, r);
    expect(r, "entry=var\n");
    expect(r, "entry=tmp\n");
    assert_null(strstr(r->out, "entry=home"));
    assert_null(strstr(r->out, "entry=work"));
    assert_null(strstr(r->out, "entry=root"));
}

static void test_ns_tmp_is_sized(void **state)
{
    struct run *r = *state;
    run("fill-tmp", 128, 64, r); /* tmp_mb = 1 */
    expect(r, "write=No space left on device");
    expect(r, "bytes=1048576\n");
}

static void test_ns_seccomp_refuses(void **state)
{
    struct run *r = *state;
    run("mount", 128, 64, r);
    expect(r, "mount=Operation not permitted");
    run("unshare", 128, 64, r);
    expect(r, "unshare=Operation not permitted");
    expect(r, "unshare_user=Operation not permitted");
    run("ptrace1", 128, 64, r);
    expect(r, "ptrace=Operation not permitted");
    expect(r, "alive=ok"); /* SIGKILL to PID 1 from inside is ignored */
}

static void test_ns_memory_limit_oom(void **state)
{
    struct run *r = *state;
    run("memhog", 128, 64, r);
    assert_true(WIFSIGNALED(r->wstatus));
    assert_int_equal(WTERMSIG(r->wstatus), SIGKILL);
    assert_true(r->oom_kills >= 1);
    assert_true(r->peak_kb >= 100 * 1024UL && r->peak_kb <= 129 * 1024UL);
}

static void test_ns_pids_limit(void **state)
{
    struct run *r = *state;
    run("forkbomb", 128, 32, r);
    expect(r, "fork=Resource temporarily unavailable");
    assert_non_null(strstr(r->out, "forks=3")); /* 32 minus the reaper and itself: 30 */
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    (void)nanosleep(&ts, NULL);
}

static uint64_t cpu_us(struct sandbox_full_env *env)
{
    uint64_t us = 0;
    struct sandbox_diag d = {0, ""};
    if (cgroup_cpu_usage_us(sandbox_full_cgroup(env), &us, &d) < 0) {
        print_message("skip: %s\n", d.msg);
        skip();
    }
    return us;
}

static void test_ns_freeze_stops_cpu(void **state)
{
    struct run *r = *state;
    struct sandbox_full_env *env = start("spin", 1769, 64);
    struct sandbox_diag d = {0, ""};
    sleep_ms(100);
    uint64_t u0 = cpu_us(env);
    assert_int_equal(sandbox_full_freeze(env, &d), 0);
    uint64_t u1 = cpu_us(env);
    sleep_ms(300);
    uint64_t u2 = cpu_us(env);
    assert_int_equal(sandbox_full_thaw(env, &d), 0);
    sleep_ms(300);
    uint64_t u3 = cpu_us(env);
    print_message("spin: before %llu us, frozen +%llu us, thawed +%llu us\n",
                  (unsigned long long)(u1 - u0), (unsigned long long)(u2 - u1),
                  (unsigned long long)(u3 - u2));
    assert_true(u2 - u1 < 2000);
    assert_true(u3 - u2 > 100000);
    assert_int_equal(sandbox_full_signal(env, SIGKILL), 0);
    finish(env, r);
    assert_true(WIFSIGNALED(r->wstatus) || WIFEXITED(r->wstatus));
}

static void test_ns_cpu_quota_128mb(void **state)
{
    struct run *r = *state;
    int64_t t0 = now_ms();
    run("cpu", 128, 64, r);
    char *p = strstr(r->out, "cpu_percent=");
    assert_non_null(p);
    double pct = strtod(p + 12, NULL);
    print_message("128 MB: %.1f %% of a CPU over %lld ms\n", pct, (long long)(now_ms() - t0));
    assert_true(pct > 2.0 && pct < 20.0);
}

static void test_ns_sigterm_forwarded(void **state)
{
    struct run *r = *state;
    struct sandbox_full_env *env = start("sleep", 128, 64);
    assert_int_equal(sandbox_full_signal(env, SIGTERM), 0);
    finish(env, r);
    assert_true(WIFSIGNALED(r->wstatus));
    assert_int_equal(WTERMSIG(r->wstatus), SIGTERM);
}

/* A dynamically linked interpreter finds its libraries, modules and name service files. */
static void test_ns_python3(void **state)
{
    struct run *r = *state;
    if (access("/usr/bin/python3", X_OK) < 0) {
        print_message("skip: no /usr/bin/python3 on this host\n");
        skip();
    }
    static char py[] = "/usr/bin/python3";
    static char dash_c[] = "-c";
    static char script[] = "import json, os, pwd, socket, ssl\n"
                           "print(json.dumps([os.getcwd(), pwd.getpwuid(os.getuid()).pw_name,\n"
                           "                  socket.gethostname()[:8], os.path.exists('/work')]))";
    char *argv[] = {py, dash_c, script, NULL};
    struct sandbox_full_spec spec = {"envpy", code_dir, py,   argv, env_vars, 256, 1,
                                     64,      0,        NULL, NULL, NULL,     0,   NULL};
    struct sandbox_full_env *env = NULL;
    struct sandbox_diag d = {0, ""};
    assert_int_equal(sandbox_full_spawn(sf, &spec, &env, &d), 0);
    finish(env, r);
    expect(r, "[\"/var/task\", \"sbx_user1051\", \"169.254.\", false]");
}

/* Regression: the reaper (PID 1, never execs) kept every fd of the server, so a client whose
 * connection was open at the spawn never saw EOF. It keeps its status pipe only. */
static void test_ns_reaper_closes_inherited_fds(void **state)
{
    (void)state;
    int leak = open("/dev/null", O_RDONLY); /* neither CLOEXEC nor wanted in the reaper */
    int leak_cloexec = open("/dev/null", O_RDONLY | O_CLOEXEC);
    assert_true(leak >= 0 && leak_cloexec >= 0);
    struct sandbox_full_env *env = start("sleep", 128, 64);
    char path[64];
    (void)snprintf(path, sizeof(path), "/proc/%d/fd", (int)sandbox_full_proc(env)->pid);
    int n = 0;
    for (int tries = 0; tries < 100 && n != 1; tries++) { /* the reaper may still be closing */
        DIR *dir = opendir(path);
        assert_non_null(dir);
        n = 0;
        for (struct dirent *e = readdir(dir); e != NULL; e = readdir(dir)) {
            n += e->d_name[0] != '.';
        }
        (void)closedir(dir);
        (void)usleep(10000);
    }
    (void)close(leak);
    (void)close(leak_cloexec);
    /* The reaper's host uid: 993, or 100993 with a user namespace. */
    char status[2048] = "";
    (void)snprintf(path, sizeof(path), "/proc/%d/status", (int)sandbox_full_proc(env)->pid);
    FILE *f = fopen(path, "re");
    assert_non_null(f);
    size_t len = fread(status, 1, sizeof(status) - 1, f);
    status[len] = '\0';
    (void)fclose(f);
    const char *userns = getenv("CLAMBDA_SANDBOX_USERNS");
    bool in_userns = userns != NULL && strcmp(userns, "1") == 0;
    assert_non_null(strstr(status, in_userns ? "Uid:\t100993\t" : "Uid:\t993\t"));
    sandbox_full_close(env);
    assert_int_equal(n, 1);
}

/* The environment number n of a cgroup leaf "<pid>-<n>". */
static unsigned leaf_number(const struct sandbox_full_env *env)
{
    const char *dir = sandbox_full_cgroup(env)->dirs[0];
    const char *dash = strrchr(dir, '-');
    assert_non_null(dash);
    return (unsigned)strtoul(dash + 1, NULL, 10);
}

/* Runs /usr/bin/env from the function's parked environment (or a new one); returns its number
 * and checks that the environment sent through the socket arrived. */
static unsigned spawn_env(struct sandbox_full_spec *spec)
{
    struct sandbox_diag d = {0, ""};
    struct sandbox_full_env *env = NULL;
    assert_int_equal(sandbox_full_fn_prepare(sf, spec, &d), 0);
    assert_int_equal(sandbox_full_fn_prepare(sf, spec, &d), 0);    /* one is parked already */
    spec->memory_mb = spec->pids_max == 1 ? 256 : spec->memory_mb; /* 1: make it not match */
    spec->pids_max = 64;
    assert_int_equal(sandbox_full_spawn(sf, spec, &env, &d), 0);
    unsigned n = leaf_number(env);
    struct run r;
    memset(&r, 0, sizeof(r));
    finish(env, &r);
    expect(&r, "TZ=:UTC\n");
    spec->memory_mb = 128;
    return n;
}

/* A function's parked environment is set up ahead and used by the next spawn that matches it;
 * one that does not match (another memory size) is dropped and a new one started. */
static void test_ns_parked_environment(void **state)
{
    (void)state;
    struct sandbox_full_fn *fn = NULL;
    struct sandbox_diag d = {0, ""};
    assert_int_equal(sandbox_full_fn_new(sf, "parkfn", &fn, &d), 0);
    struct sandbox_full_spec spec = {NULL, code_dir, "/usr/bin/env", NULL, env_vars, 128, 1, 64,
                                     0,    fn,       NULL,           NULL, 0,        NULL};
    unsigned a = spawn_env(&spec); /* the parked one */
    spec.pids_max = 1;
    unsigned b = spawn_env(&spec); /* parked a + 1 dropped: a new one, a + 2 */
    unsigned c = spawn_env(&spec); /* parked b + 1 used */
    assert_int_equal(b, a + 2);
    assert_int_equal(c, b + 1);
    sandbox_full_fn_free(fn);
}

/* A parked environment that died (here: killed from the host) is replaced by a new one. */
static void test_ns_parked_environment_died(void **state)
{
    (void)state;
    struct sandbox_full_fn *fn = NULL;
    struct sandbox_diag d = {0, ""};
    assert_int_equal(sandbox_full_fn_new(sf, "parkdied", &fn, &d), 0);
    struct sandbox_full_spec spec = {NULL, code_dir, "/usr/bin/env", NULL, env_vars, 128, 1, 64,
                                     0,    fn,       NULL,           NULL, 0,        NULL};
    struct sandbox_full_env *env = NULL;
    assert_int_equal(sandbox_full_spawn(sf, &spec, &env, &d), 0);
    char parent[600];
    (void)snprintf(parent, sizeof(parent), "%s", sandbox_full_cgroup(env)->dirs[0]);
    *strrchr(parent, '/') = '\0';
    struct run r;
    memset(&r, 0, sizeof(r));
    finish(env, &r);
    assert_int_equal(sandbox_full_fn_prepare(sf, &spec, &d), 0);
    (void)usleep(200000); /* let it park */
    int killed = 0;
    DIR *dir = opendir(parent); /* only the parked environment's leaf is left */
    assert_non_null(dir);
    for (struct dirent *e = readdir(dir); e != NULL; e = readdir(dir)) {
        char procs[1200], buf[256] = "";
        (void)snprintf(procs, sizeof(procs), "%s/%s/cgroup.procs", parent, e->d_name);
        FILE *f = e->d_type == DT_DIR && e->d_name[0] != '.' ? fopen(procs, "re") : NULL;
        while (f != NULL && fgets(buf, sizeof(buf), f) != NULL) {
            killed += kill((pid_t)strtol(buf, NULL, 10), SIGKILL) == 0;
        }
        if (f != NULL) {
            (void)fclose(f);
        }
    }
    (void)closedir(dir);
    assert_true(killed >= 1);
    assert_int_equal(sandbox_full_spawn(sf, &spec, &env, &d), 0);
    memset(&r, 0, sizeof(r));
    finish(env, &r);
    expect(&r, "TZ=:UTC\n");
    sandbox_full_fn_free(fn);
}

static void test_ns_exec_failure_reported(void **state)
{
    (void)state;
    char *argv[] = {missing_path, NULL};
    struct sandbox_full_spec spec = {
        "envx", code_dir, "/var/task/missing", argv, env_vars, 128, 1, 64, 0, NULL, NULL, NULL,
        0,      NULL};
    struct sandbox_full_env *env = NULL;
    struct sandbox_diag d = {0, ""};
    assert_int_equal(sandbox_full_spawn(sf, &spec, &env, &d), -ENOENT);
    assert_string_equal(d.msg, "execve(/var/task/missing): No such file or directory");
    spec.code_dir = "/nonexistent/code";
    assert_int_equal(sandbox_full_spawn(sf, &spec, &env, &d), -ENOENT);
    assert_non_null(strstr(d.msg, "/root/var/task): No such file or directory"));
    assert_int_equal(strncmp(d.msg, "mount(", 6), 0);
}

static int group_setup(void **state)
{
    static struct run r;
    char root[300], name[64];
    *state = &r;
    if (mkdtemp(tmp_dir) == NULL || chmod(tmp_dir, 0755) < 0) {
        return -1;
    }
    (void)snprintf(code_dir, sizeof(code_dir), "%s/code", tmp_dir);
    (void)snprintf(root, sizeof(root), "%s/root", tmp_dir);
    (void)snprintf(name, sizeof(name), "clambda-test-ns-%d", (int)getpid());
    if (mkdir(code_dir, 0755) < 0) {
        return -1;
    }
    char dst[300];
    (void)snprintf(dst, sizeof(dst), "%s/hostile", code_dir);
    copy_file(CLAMBDA_SANDBOX_HOSTILE, dst);
    /* CLAMBDA_SANDBOX_USERNS=1 (ctest unit.sandbox_ns_userns): every test once more with a
     * user namespace per environment. */
    const char *userns = getenv("CLAMBDA_SANDBOX_USERNS");
    struct sandbox_full_config cfg = {root,
                                      "/sys/fs/cgroup",
                                      "/proc/self/cgroup",
                                      name,
                                      993,
                                      990,
                                      false,
                                      userns != NULL && strcmp(userns, "1") == 0,
                                      NULL,
                                      false,
                                      NULL,
                                      0};
    struct sandbox_diag d = {0, ""};
    if (sandbox_full_new(&cfg, &sf, &d) < 0) {
        print_error("sandbox_full_new: %s\n", d.msg);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    sandbox_full_free(sf);
    pid_t p = fork();
    if (p == 0) {
        execl("/bin/rm", "rm", "-rf", tmp_dir, (char *)NULL);
        _exit(127);
    }
    int st;
    (void)waitpid(p, &st, 0);
    return 0;
}

int main(void)
{
    if (geteuid() != 0) {
        printf("skip: full isolation tests need root\n");
        return 77;
    }
    struct sandbox_full_config probe = {
        "/", "/sys/fs/cgroup", NULL, "x", 993, 990, false, false, NULL, false, NULL, 0};
    struct sandbox_diag d = {0, ""};
    if (sandbox_full_probe(&probe, &d) < 0) {
        printf("skip: full isolation unavailable: %s\n", d.msg);
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ns_identity),
        cmocka_unit_test(test_ns_proc_shows_only_own),
        cmocka_unit_test(test_ns_filesystem),
        cmocka_unit_test(test_ns_tmp_is_sized),
        cmocka_unit_test(test_ns_seccomp_refuses),
        cmocka_unit_test(test_ns_memory_limit_oom),
        cmocka_unit_test(test_ns_pids_limit),
        cmocka_unit_test(test_ns_freeze_stops_cpu),
        cmocka_unit_test(test_ns_cpu_quota_128mb),
        cmocka_unit_test(test_ns_sigterm_forwarded),
        cmocka_unit_test(test_ns_python3),
        cmocka_unit_test(test_ns_exec_failure_reported),
        cmocka_unit_test(test_ns_reaper_closes_inherited_fds),
        cmocka_unit_test(test_ns_parked_environment),
        cmocka_unit_test(test_ns_parked_environment_died),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
