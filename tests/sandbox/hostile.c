/* SPDX-License-Identifier: MIT */
/* A misbehaving function for the sandbox tests: performs the one attack or probe named by
 * argv[1] and prints its outcome as key=value lines, for the test to check. Built static (musl
 * when available) so that it runs inside the sandbox's root unchanged.
 * Usage: hostile <pid1|id|status|write-task|fill-tmp|read-shadow|ls-root|ls|mount|unshare|
 *                 ptrace1|memhog|forkbomb|spin|cpu|sleep> */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void result(const char *what, int rc)
{
    printf("%s=%s\n", what, rc == 0 ? "ok" : strerror(rc));
}

static int list_dir(const char *path, int numeric_only)
{
    DIR *dir = opendir(path);
    if (dir == NULL) {
        result("opendir", errno);
        return -1;
    }
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.' || (numeric_only && (e->d_name[0] < '0' || e->d_name[0] > '9'))) {
            continue;
        }
        printf("entry=%s\n", e->d_name);
        n++;
    }
    closedir(dir);
    printf("count=%d\n", n);
    return n;
}

static void print_status(void)
{
    char line[256];
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL) {
        result("open", errno);
        return;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, "CapEff", 6) == 0 || strncmp(line, "CapPrm", 6) == 0 ||
            strncmp(line, "CapBnd", 6) == 0 || strncmp(line, "NoNewPrivs", 10) == 0 ||
            strncmp(line, "Seccomp:", 8) == 0) {
            fputs(line, stdout);
        }
    }
    fclose(f);
}

static void fill_tmp(void)
{
    static char block[1 << 16];
    memset(block, 'x', sizeof(block));
    int fd = open("/tmp/fill", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        result("open", errno);
        return;
    }
    long long total = 0;
    for (;;) {
        ssize_t w = write(fd, block, sizeof(block));
        if (w <= 0) {
            result("write", w < 0 ? errno : EIO);
            break;
        }
        total += w;
    }
    printf("bytes=%lld\n", total);
    close(fd);
}

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void memhog(void)
{
    for (int mb = 16;; mb += 16) {
        char *p = malloc(16 << 20);
        if (p == NULL) {
            printf("malloc_failed_at_mb=%d\n", mb);
            return;
        }
        memset(p, 1, 16 << 20);
        printf("mb=%d\n", mb);
        fflush(stdout);
    }
}

static void forkbomb(void)
{
    int n = 0;
    for (; n < 2000; n++) {
        pid_t p = fork();
        if (p == 0) {
            pause();
            _exit(0);
        }
        if (p < 0) {
            result("fork", errno);
            break;
        }
    }
    printf("forks=%d\n", n);
}

static int simple(const char *cmd)
{
    if (strcmp(cmd, "id") == 0) {
        printf("uid=%d\ngid=%d\neuid=%d\n", (int)getuid(), (int)getgid(), (int)geteuid());
        char h[256] = "";
        gethostname(h, sizeof(h) - 1);
        printf("hostname=%s\npid=%d\nppid=%d\n", h, (int)getpid(), (int)getppid());
    } else if (strcmp(cmd, "pid1") == 0) {
        list_dir("/proc", 1);
    } else if (strcmp(cmd, "status") == 0) {
        print_status();
    } else if (strcmp(cmd, "write-task") == 0) {
        int fd = open("/var/task/evil", O_WRONLY | O_CREAT, 0644);
        result("open", fd < 0 ? errno : 0);
        result("mkdir_usr", mkdir("/usr/evil", 0755) < 0 ? errno : 0);
        result("write_etc", open("/etc/passwd", O_WRONLY) < 0 ? errno : 0);
    } else if (strcmp(cmd, "read-shadow") == 0) {
        result("open", open("/etc/shadow", O_RDONLY) < 0 ? errno : 0);
    } else if (strcmp(cmd, "ls-root") == 0) {
        list_dir("/root", 0);
    } else if (strcmp(cmd, "ls") == 0) {
        list_dir("/", 0);
    } else {
        return -1;
    }
    return 0;
}

static int attack(const char *cmd)
{
    if (strcmp(cmd, "mount") == 0) {
        result("mount", mount("none", "/tmp", "tmpfs", 0, NULL) < 0 ? errno : 0);
    } else if (strcmp(cmd, "unshare") == 0) {
        result("unshare", unshare(CLONE_NEWNS) < 0 ? errno : 0);
        result("unshare_user", unshare(CLONE_NEWUSER) < 0 ? errno : 0);
    } else if (strcmp(cmd, "ptrace1") == 0) {
        result("ptrace", ptrace(PTRACE_ATTACH, 1, NULL, NULL) < 0 ? errno : 0);
        result("kill1", kill(1, SIGKILL) < 0 ? errno : 0);
        result("alive", 0);
    } else if (strcmp(cmd, "fill-tmp") == 0) {
        fill_tmp();
    } else if (strcmp(cmd, "memhog") == 0) {
        memhog();
    } else if (strcmp(cmd, "forkbomb") == 0) {
        forkbomb();
    } else if (strcmp(cmd, "spin") == 0) {
        for (volatile unsigned long i = 0;; i++) {
        }
    } else if (strcmp(cmd, "cpu") == 0) {
        double w0 = wall_seconds(), c0 = cpu_seconds();
        while (wall_seconds() - w0 < 1.0) {
        }
        printf("cpu_percent=%.1f\n", 100.0 * (cpu_seconds() - c0) / (wall_seconds() - w0));
    } else if (strcmp(cmd, "sleep") == 0) {
        pause();
    } else {
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || (simple(argv[1]) < 0 && attack(argv[1]) < 0)) {
        fprintf(stderr, "usage: hostile <attack>\n");
        return 2;
    }
    fflush(stdout);
    return 0;
}
