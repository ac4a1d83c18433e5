/* SPDX-License-Identifier: MIT */
/* bench/rss_launcher: starts PATH from a tiny static process so that wait4()'s ru_maxrss is
 * PATH's own. Linux folds the high-water mark of the address space a child inherits at fork()
 * into its ru_maxrss, even across execve(); forked from bench_runtime (glibc, dynamic) a
 * program that uses 50 KiB reports about 400-600 KiB. Forked from this launcher, almost
 * nothing is inherited. It writes "<pid>\n" to fd 3 as soon as PATH is started (so the server
 * can read its VmHWM), then "<ru_maxrss KiB> <wait status>\n" when it has exited.
 * Usage: rss_launcher PATH (fd 3 open for writing; the environment is passed on) */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Writes "<a>\n", or "<a> <b>\n" when has_b, to fd 3. */
static int report(long a, long b, int has_b)
{
    char line[64];
    int n = has_b ? snprintf(line, sizeof(line), "%ld %ld\n", a, b)
                  : snprintf(line, sizeof(line), "%ld\n", a);
    return n > 0 && write(3, line, (size_t)n) == (ssize_t)n ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc != 2 || fcntl(3, F_SETFD, FD_CLOEXEC) < 0) {
        return 2;
    }
    pid_t pid = fork();
    if (pid < 0) {
        return 2;
    }
    if (pid == 0) {
        (void)execve(argv[1], argv + 1, environ);
        _exit(127);
    }
    (void)report((long)pid, 0, 0);
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR) {
            return 2;
        }
    }
    return report(ru.ru_maxrss, status, 1) < 0 ? 1 : 0;
}
