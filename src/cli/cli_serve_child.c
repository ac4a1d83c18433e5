/* SPDX-License-Identifier: MIT */
/* `clambda serve` as a child process; see cli_serve_child.h. fork + execv rather than
 * posix_spawn because the child must set PR_SET_PDEATHSIG before it runs. */
#include "cli_serve_child.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHILD_MAX_ARGS 32

static long now_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the first line of fd (at most cap - 1 bytes) into line within timeout_s. 0 or -1. */
static int read_line(int fd, char *line, size_t cap, int timeout_s)
{
    size_t n = 0;
    long deadline = now_ms() + (long)timeout_s * 1000;
    while (n + 1 < cap) {
        struct pollfd p = {fd, POLLIN, 0};
        long left = deadline - now_ms();
        int r = left > 0 ? poll(&p, 1, (int)left) : 0;
        if (r < 0 && errno == EINTR) {
            continue;
        }
        char ch;
        if (r <= 0 || read(fd, &ch, 1) != 1) {
            break;
        }
        if (ch == '\n') {
            line[n] = '\0';
            return 0;
        }
        line[n++] = ch;
    }
    line[n] = '\0';
    return -1;
}

static void child(int out[2], const char *self, const char *const *args)
{
    /* execv's argv is char *const[] for historical reasons; it does not write to the strings */
    char *argv[CHILD_MAX_ARGS + 3];
    const char *head[2] = {self, "serve"};
    size_t n = 0;
    for (; n < 2; n++) {
        memcpy(&argv[n], &head[n], sizeof(argv[n]));
    }
    for (size_t i = 0; i < CHILD_MAX_ARGS && args[i]; i++) {
        memcpy(&argv[n++], &args[i], sizeof(argv[0]));
    }
    argv[n] = NULL;
    sigset_t none;
    (void)sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, NULL); /* the parent may block what it reads by fd */
    (void)prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (dup2(out[1], STDOUT_FILENO) < 0) {
        _exit(127);
    }
    (void)execv(self, argv);
    (void)fprintf(stderr, "clambda: execv(%s): %s\n", self, strerror(errno));
    _exit(127);
}

int cli_serve_child_start(struct cli_serve_child *c, const char *const *args, int timeout_s,
                          char *err, size_t errlen)
{
    char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
    int out[2];
    memset(c, 0, sizeof(*c));
    c->out_fd = -1;
    if (len <= 0 || pipe2(out, O_CLOEXEC) < 0) {
        (void)snprintf(err, errlen, "%s: %s", len <= 0 ? "readlink(/proc/self/exe)" : "pipe2",
                       strerror(errno));
        return -1;
    }
    self[len] = '\0';
    (void)fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        child(out, self, args);
    }
    (void)close(out[1]);
    if (pid < 0) {
        (void)snprintf(err, errlen, "fork: %s", strerror(errno));
        (void)close(out[0]);
        return -1;
    }
    c->pid = pid;
    c->out_fd = out[0];
    char line[512];
    const char *prefix = "clambda: listening on ";
    if (read_line(c->out_fd, line, sizeof(line), timeout_s) < 0 ||
        strncmp(line, prefix, strlen(prefix)) != 0) {
        (void)snprintf(err, errlen, "clambda serve did not start (its messages are above)%s%s",
                       line[0] ? ": " : "", line);
        cli_serve_child_stop(c, 2, NULL);
        return -1;
    }
    (void)snprintf(c->endpoint, sizeof(c->endpoint), "%s", line + strlen(prefix));
    return 0;
}

void cli_serve_child_stop(struct cli_serve_child *c, int grace_s, int *status)
{
    int st = 0;
    if (c->pid > 0) {
        (void)kill(c->pid, SIGTERM);
        long deadline = now_ms() + (long)grace_s * 1000;
        pid_t r;
        struct timespec tick = {0, 20000000L};
        while ((r = waitpid(c->pid, &st, WNOHANG)) == 0 && now_ms() < deadline) {
            (void)nanosleep(&tick, NULL);
        }
        if (r == 0) {
            (void)kill(c->pid, SIGKILL);
            (void)waitpid(c->pid, &st, 0);
        }
        c->pid = 0;
    }
    if (c->out_fd >= 0) {
        (void)close(c->out_fd);
        c->out_fd = -1;
    }
    if (status) {
        *status = st;
    }
}
