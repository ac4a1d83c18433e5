/* SPDX-License-Identifier: MIT */
/* Spawn cost of full isolation against a plain fork + execve, in the same run: medians over 50
 * runs of (a) spawn until execve succeeded, (b) spawn until the program's first output byte
 * (its "first response"), (c) teardown (reap, cgroup removal). The program is the static
 * tests/sandbox/hostile printing its identity. Needs root; prints figures for docs/sandbox.md.
 * Usage: bench_sandbox [runs] */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox_full.h"

#define MAX_RUNS 1000

static char arg0[] = "/var/task/hostile";
static char arg1[] = "id";
static char env0[] = "PATH=/usr/bin:/bin";

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(v[0]), cmp);
    return v[n / 2];
}

static void wait_readable(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    (void)poll(&p, 1, 5000);
}

/* Plain fork + execve with the same CLOEXEC-pipe verdict as the sandbox. */
static int plain_once(const char *path, double t[3])
{
    char *argv[] = {(char *)(uintptr_t)path, arg1, NULL};
    char *envp[] = {env0, NULL};
    int out[2], ep[2];
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
        return -errno;
    }
    double t0 = now_us();
    pid_t pid = fork();
    if (pid == 0) {
        (void)dup2(out[1], 1);
        execve(path, argv, envp);
        int e = errno;
        ssize_t w = write(ep[1], &e, sizeof(e));
        (void)w;
        _exit(127);
    }
    (void)close(out[1]);
    (void)close(ep[1]);
    int e = 0;
    if (read(ep[0], &e, sizeof(e)) > 0) {
        return e > 0 ? -e : -EIO;
    }
    t[0] = now_us() - t0;
    char c;
    wait_readable(out[0]);
    ssize_t r = read(out[0], &c, 1);
    (void)r;
    t[1] = now_us() - t0;
    double t1 = now_us();
    int st;
    (void)waitpid(pid, &st, 0);
    t[2] = now_us() - t1;
    (void)close(out[0]);
    (void)close(ep[0]);
    return 0;
}

static int full_once(struct sandbox_full *sf, const char *code_dir, int i, double t[3])
{
    char id[32];
    char *argv[] = {arg0, arg1, NULL};
    char *envp[] = {env0, NULL};
    (void)snprintf(id, sizeof(id), "bench%d", i);
    struct sandbox_full_spec spec = {id, code_dir, arg0, argv, envp, 128, 512,
                                     0,  0,        NULL, NULL, NULL, 0,   NULL};
    struct sandbox_full_env *env = NULL;
    struct sandbox_diag d = {0, ""};
    double t0 = now_us();
    if (sandbox_full_spawn(sf, &spec, &env, &d) < 0) {
        (void)fprintf(stderr, "bench_sandbox: %s\n", d.msg);
        return -1;
    }
    t[0] = now_us() - t0;
    struct sandbox_proc *p = sandbox_full_proc(env);
    char c;
    wait_readable(p->out_fd);
    ssize_t r = read(p->out_fd, &c, 1);
    (void)r;
    t[1] = now_us() - t0;
    double t1 = now_us();
    int st;
    uint64_t peak, ooms;
    wait_readable(p->exit_fd);
    while (sandbox_full_reap(env, &st, &peak, &ooms) == -EAGAIN) {
        wait_readable(p->exit_fd);
    }
    sandbox_full_close(env);
    t[2] = now_us() - t1;
    return 0;
}

static int setup(char *dir, char *code, size_t code_len, struct sandbox_full **sf)
{
    char root[300], dst[300], buf[65536];
    if (mkdtemp(dir) == NULL || chmod(dir, 0755) < 0) {
        return -1;
    }
    (void)snprintf(code, code_len, "%s/code", dir);
    (void)snprintf(root, sizeof(root), "%s/root", dir);
    (void)snprintf(dst, sizeof(dst), "%s/hostile", code);
    int in = open(CLAMBDA_SANDBOX_HOSTILE, O_RDONLY | O_CLOEXEC);
    int out = mkdir(code, 0755) < 0 ? -1 : open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
    ssize_t n;
    while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0) {
        if (write(out, buf, (size_t)n) != n) {
            break;
        }
    }
    (void)close(in);
    (void)close(out);
    /* BENCH_NETWORK=nat|isolated: a network namespace per environment (nat: with its veth). */
    const char *net = getenv("BENCH_NETWORK");
    bool own_net = net != NULL && (strcmp(net, "nat") == 0 || strcmp(net, "isolated") == 0);
    struct sandbox_full_config cfg = {root,
                                      "/sys/fs/cgroup",
                                      "/proc/self/cgroup",
                                      "clambda-bench",
                                      993,
                                      990,
                                      own_net,
                                      false,
                                      NULL,
                                      own_net && strcmp(net, "nat") == 0,
                                      NULL,
                                      0};
    struct sandbox_diag d = {0, ""};
    if (sandbox_full_new(&cfg, sf, &d) < 0) {
        (void)fprintf(stderr, "bench_sandbox: %s\n", d.msg);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 50;
    runs = runs < 1 || runs > MAX_RUNS ? 50 : runs;
    static double full[3][MAX_RUNS], plain[3][MAX_RUNS];
    char dir[] = "/tmp/clambda-bench-XXXXXX", code[256];
    struct sandbox_full *sf = NULL;
    if (geteuid() != 0 || setup(dir, code, sizeof(code), &sf) < 0) {
        (void)fprintf(stderr, "bench_sandbox: needs root and full isolation\n");
        return 77;
    }
    for (int i = 0; i < runs; i++) {
        double t[3] = {0, 0, 0}, u[3] = {0, 0, 0};
        if (full_once(sf, code, i, t) < 0 || plain_once(CLAMBDA_SANDBOX_HOSTILE, u) < 0) {
            return 1;
        }
        for (int k = 0; k < 3; k++) {
            full[k][i] = t[k];
            plain[k][i] = u[k];
        }
    }
    static const char *const what[] = {"spawn to exec", "spawn to first output", "teardown"};
    printf("medians over %d runs (us)       full    plain\n", runs);
    for (int k = 0; k < 3; k++) {
        printf("%-28s %8.0f %8.0f\n", what[k], median(full[k], runs), median(plain[k], runs));
    }
    sandbox_full_free(sf);
    pid_t p = fork();
    if (p == 0) {
        execl("/bin/rm", "rm", "-rf", dir, (char *)NULL);
        _exit(127);
    }
    int st;
    (void)waitpid(p, &st, 0);
    return 0;
}
