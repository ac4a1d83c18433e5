/* SPDX-License-Identifier: MIT */
/* `clambda serve`: command-line parsing, the state directory, the public listener, the pool,
 * signal handling (SIGINT/SIGTERM: stop accepting, SIGTERM the runtimes, SIGKILL after a grace
 * period, exit when every handle is closed) and the libuv loop. */
#ifndef CLAMBDA_SERVER_SERVE_H
#define CLAMBDA_SERVER_SERVE_H

/* Runs the server; argv[0] is "serve". Returns the process exit status (0 after a clean
 * shutdown, 2 for usage errors, 1 for startup failures). */
int serve_main(int argc, char **argv);

/* The isolation the running server gives its functions: "full" or "none" (for GET /metrics
 * and status pages). Static string; "none" before serve_main has decided. */
const char *serve_isolation_mode(void);
/* Why the mode is not "full": "--isolation none" when asked for, else what full isolation
 * lacks here (e.g. "not running as root (full isolation needs root)"); "" under full.
 * Valid until the process exits. */
const char *serve_isolation_reason(void);

#endif /* CLAMBDA_SERVER_SERVE_H */
