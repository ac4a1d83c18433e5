/* SPDX-License-Identifier: MIT */
/* A minimal, single-threaded Runtime API server for bench_runtime: blocking sockets on
 * 127.0.0.1:0, one client at a time, preformatted answers. `next` gets the fixed event of
 * bench_proto.h until a session's events are spent, then 500 (which ends a clambda loop);
 * `response` and `error` get 202. It also spawns the process under test with a Lambda-like
 * environment pointing at itself. */
#ifndef CLAMBDA_BENCH_BENCH_SERVER_H
#define CLAMBDA_BENCH_BENCH_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#define BENCH_SERVER_IN_MAX (256u << 10)

struct bench_server {
    int listen_fd;
    int devnull_fd;     /* the children's stdout and stderr */
    char endpoint[32];  /* "127.0.0.1:<port>" */
    char env_api[64];   /* "AWS_LAMBDA_RUNTIME_API=<endpoint>" */
    char next_ok[1024]; /* the preformatted 200 answer to `next` */
    size_t next_ok_len;
    uint8_t in[BENCH_SERVER_IN_MAX]; /* request bytes of the current connection */
    size_t in_len;
};

/* One client process served from its first request to its last `next`. */
struct bench_session {
    pid_t pid;         /* the client, to read its VmHWM and to kill it on a timeout */
    size_t n_events;   /* events to hand out; the next `next` is answered 500 */
    uint64_t *next_ns; /* OUT, optional: when each `next` had been read (n_events + 1 slots) */
    size_t n_next;     /* OUT: `next` requests seen */
    long hwm_kb;       /* OUT: the client's VmHWM when its last `next` arrived, -1 if unknown */
};

/* Monotonic clock in nanoseconds. */
uint64_t bench_server_now_ns(void);

/* Listens on 127.0.0.1:0 and preformats the answers. s is large: give it static storage.
 * Returns 0 or a negative errno; bench_server_close() releases what was opened either way. */
int bench_server_open(struct bench_server *s);

/* Closes the listening socket and /dev/null. */
void bench_server_close(struct bench_server *s);

/* Forks and execs path [arg1] with AWS_LAMBDA_RUNTIME_API pointing at s, stdout and stderr
 * on /dev/null and, when fd3 >= 0, fd3 as its fd 3. arg1 may be NULL. OUT: *pid; *t0_ns, the
 * clock just before fork(). Returns 0 or a negative errno (-ENAMETOOLONG, or fork's). */
int bench_server_spawn(struct bench_server *s, const char *path, const char *arg1, int fd3,
                       pid_t *pid, uint64_t *t0_ns);

/* Serves ss->pid until it has asked `next` ss->n_events + 1 times (the last one gets 500 and
 * the connection is closed). Reconnects are accepted. Returns 0, or -ETIMEDOUT when the client
 * went silent for 10 s, or another negative errno. */
int bench_server_serve(struct bench_server *s, struct bench_session *ss);

/* Waits for pid with a 10 s limit, then kills it. OUT: *ru, the child's rusage. Returns the
 * exit status as waitpid() gives it, or a negative errno. */
int bench_server_reap(pid_t pid, struct rusage *ru);

#endif /* CLAMBDA_BENCH_BENCH_SERVER_H */
