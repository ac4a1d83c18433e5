/* SPDX-License-Identifier: MIT */
/* A `clambda serve` run as a child process of the CLI (this same binary, /proc/self/exe), for
 * `clambda watch`: started with the given serve options, its address read from the first line
 * it prints ("clambda: listening on http://HOST:PORT"), its further stdout handed to the caller,
 * its stderr shared with ours. The child gets SIGTERM when the CLI dies (PR_SET_PDEATHSIG), so a
 * killed watch leaves no server behind. */
#ifndef CLAMBDA_CLI_CLI_SERVE_CHILD_H
#define CLAMBDA_CLI_CLI_SERVE_CHILD_H

#include <stddef.h>
#include <sys/types.h>

/* A running server. */
struct cli_serve_child {
    pid_t pid;
    int out_fd;         /* the read end of its stdout (O_CLOEXEC), -1 once closed */
    char endpoint[512]; /* "http://127.0.0.1:9000": what serve printed (its line fits) */
};

/* Starts `clambda serve ARGS...` (args: NULL-terminated, without "serve") and waits (up to
 * timeout_s) for its listening line. OUT: *c. 0, or -1 with what failed in err (errlen bytes):
 * the child is then gone. */
int cli_serve_child_start(struct cli_serve_child *c, const char *const *args, int timeout_s,
                          char *err, size_t errlen);

/* Stops the server: SIGTERM, up to grace_s seconds for it to exit, then SIGKILL; reaps it.
 * OUT: *status (waitpid's), may be NULL. NULL-safe on a child already stopped (pid 0). */
void cli_serve_child_stop(struct cli_serve_child *c, int grace_s, int *status);

#endif /* CLAMBDA_CLI_CLI_SERVE_CHILD_H */
