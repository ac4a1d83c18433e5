/* SPDX-License-Identifier: MIT */
/* bench_server: see bench_server.h. Everything is blocking and sequential on purpose: the
 * server's share of each request/response is then the same small constant for libclambda and
 * for the raw client, so their ratio shows the client side. SO_RCVTIMEO on the listening and
 * the accepted sockets bounds every wait, so a broken client fails the run instead of hanging
 * it. */
#include "bench_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_proto.h"

#define TIMEOUT_S 10
/* 2100-01-01: no deadline ever looks missed. */
#define DEADLINE_MS "4102444800000"
#define TRACE_ID    "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1"

static const char ack_202[] = "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n"
                              "Content-Length: 15\r\n\r\n{\"status\":\"OK\"}";
static const char done_500[] =
    "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
    "Connection: close\r\nContent-Length: 58\r\n\r\n"
    "{\"errorMessage\":\"no more events\",\"errorType\":\"Bench.Done\"}";
static const char not_found[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";

/* The rest of the children's environment: what Lambda sets for a provided.al2023 function. */
static char env_name[] = "AWS_LAMBDA_FUNCTION_NAME=bench";
static char env_version[] = "AWS_LAMBDA_FUNCTION_VERSION=$LATEST";
static char env_memory[] = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128";
static char env_group[] = "AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/bench";
static char env_stream[] = "AWS_LAMBDA_LOG_STREAM_NAME=2024/01/01/[$LATEST]0123456789abcdef";
static char env_handler[] = "_HANDLER=bootstrap";
static char env_root[] = "LAMBDA_TASK_ROOT=/var/task";
static char env_tz[] = "TZ=:UTC";
static char env_path[] = "PATH=/usr/local/bin:/usr/bin:/bin";

enum req_kind { REQ_OTHER, REQ_NEXT, REQ_POST };

uint64_t bench_server_now_ns(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int format_answers(struct bench_server *s, uint16_t port)
{
    int n = snprintf(s->endpoint, sizeof(s->endpoint), "127.0.0.1:%u", (unsigned)port);
    int m = snprintf(s->env_api, sizeof(s->env_api), "AWS_LAMBDA_RUNTIME_API=%s", s->endpoint);
    int k = snprintf(s->next_ok, sizeof(s->next_ok),
                     "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     "Lambda-Runtime-Aws-Request-Id: " BENCH_REQUEST_ID "\r\n"
                     "Lambda-Runtime-Deadline-Ms: " DEADLINE_MS "\r\n"
                     "Lambda-Runtime-Invoked-Function-Arn: "
                     "arn:aws:lambda:us-east-1:123456789012:function:bench\r\n"
                     "Lambda-Runtime-Trace-Id: " TRACE_ID "\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     sizeof(BENCH_EVENT) - 1, BENCH_EVENT);
    if (n < 0 || m < 0 || k < 0 || (size_t)m >= sizeof(s->env_api) ||
        (size_t)k >= sizeof(s->next_ok)) {
        return -EOVERFLOW;
    }
    s->next_ok_len = (size_t)k;
    return 0;
}

int bench_server_open(struct bench_server *s)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sa_len = sizeof(sa);
    struct timeval tv = {.tv_sec = TIMEOUT_S};
    int one = 1;
    s->in_len = 0;
    s->listen_fd = -1;
    s->devnull_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (s->devnull_fd < 0) {
        return -errno;
    }
    s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s->listen_fd < 0 ||
        setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        setsockopt(s->listen_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
        bind(s->listen_fd, (const struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(s->listen_fd, 16) < 0 ||
        getsockname(s->listen_fd, (struct sockaddr *)&sa, &sa_len) < 0) {
        return -errno;
    }
    return format_answers(s, ntohs(sa.sin_port));
}

void bench_server_close(struct bench_server *s)
{
    if (s->listen_fd >= 0) {
        (void)close(s->listen_fd);
        s->listen_fd = -1;
    }
    if (s->devnull_fd >= 0) {
        (void)close(s->devnull_fd);
        s->devnull_fd = -1;
    }
}

/* In the child: stdout, stderr and fd 3 in place, then execve(); never returns. */
_Noreturn static void exec_child(const struct bench_server *s, int fd3, char *const argv[],
                                 char *const envp[])
{
    /* dup2() onto itself would keep FD_CLOEXEC, hence fcntl() when fd3 is already 3. */
    if (dup2(s->devnull_fd, STDOUT_FILENO) < 0 || dup2(s->devnull_fd, STDERR_FILENO) < 0 ||
        (fd3 >= 0 && (fd3 == 3 ? fcntl(3, F_SETFD, 0) : dup2(fd3, 3)) < 0)) {
        _exit(126);
    }
    (void)execve(argv[0], argv, envp);
    _exit(127);
}

int bench_server_spawn(struct bench_server *s, const char *path, const char *arg1, int fd3,
                       pid_t *pid, uint64_t *t0_ns)
{
    char arg0_buf[4096], arg1_buf[4096];
    if ((size_t)snprintf(arg0_buf, sizeof(arg0_buf), "%s", path) >= sizeof(arg0_buf) ||
        (size_t)snprintf(arg1_buf, sizeof(arg1_buf), "%s", arg1 ? arg1 : "") >= sizeof(arg1_buf)) {
        return -ENAMETOOLONG;
    }
    char *const argv[] = {arg0_buf, arg1 != NULL ? arg1_buf : NULL, NULL};
    char *const envp[] = {s->env_api,  env_name, env_version, env_memory, env_group, env_stream,
                          env_handler, env_root, env_tz,      env_path,   NULL};
    *t0_ns = bench_server_now_ns();
    *pid = fork();
    if (*pid < 0) {
        return -errno;
    }
    if (*pid == 0) {
        exec_child(s, fd3, argv, envp);
    }
    return 0;
}

/* ---- serving ---- */

static int write_all(int fd, const void *p, size_t len)
{
    const uint8_t *b = p;
    while (len > 0) {
        ssize_t n = send(fd, b, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return -errno;
        }
        b += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Content-Length of a complete request head (which ends with CRLF CRLF), 0 when absent. */
static size_t content_length(const uint8_t *head, size_t head_len)
{
    static const char name[] = "content-length:";
    const uint8_t *end = head + head_len;
    const uint8_t *p = memchr(head, '\n', head_len);
    while (p != NULL && (size_t)(end - p) > sizeof(name)) {
        p++;
        if (strncasecmp((const char *)p, name, sizeof(name) - 1) == 0) {
            return strtoul((const char *)p + sizeof(name) - 1, NULL, 10);
        }
        p = memchr(p, '\n', (size_t)(end - p));
    }
    return 0;
}

/* Size of the first buffered request, or 0 while its head is incomplete. */
static size_t request_size(const struct bench_server *s, size_t *head_len)
{
    const uint8_t *crlf2 = memmem(s->in, s->in_len, "\r\n\r\n", 4);
    if (crlf2 == NULL) {
        return 0;
    }
    *head_len = (size_t)(crlf2 - s->in) + 4;
    size_t body_len = content_length(s->in, *head_len);
    return body_len > BENCH_SERVER_IN_MAX ? SIZE_MAX : *head_len + body_len;
}

static enum req_kind classify(const uint8_t *head, size_t head_len)
{
    static const char next[] = BENCH_NEXT_PATH " ";
    if (head_len > 4 && memcmp(head, "GET ", 4) == 0 &&
        memcmp(head + 4, next, sizeof(next) - 1) == 0) {
        return REQ_NEXT;
    }
    return head_len > 5 && memcmp(head, "POST ", 5) == 0 ? REQ_POST : REQ_OTHER;
}

/* Reads one request. OUT: *kind, *t_ns (when the read that completed it returned). Returns 0,
 * 1 at EOF, -ETIMEDOUT, -E2BIG (a body over the buffer) or another negative errno. */
static int read_request(struct bench_server *s, int fd, enum req_kind *kind, uint64_t *t_ns)
{
    *t_ns = bench_server_now_ns();
    for (;;) {
        size_t head_len = 0, total = request_size(s, &head_len);
        if (total > BENCH_SERVER_IN_MAX) {
            return -E2BIG;
        }
        if (total > 0 && s->in_len >= total) {
            *kind = classify(s->in, head_len);
            memmove(s->in, s->in + total, s->in_len - total);
            s->in_len -= total;
            return 0;
        }
        ssize_t n = read(fd, s->in + s->in_len, BENCH_SERVER_IN_MAX - s->in_len);
        *t_ns = bench_server_now_ns();
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
        }
        if (n == 0) {
            return 1;
        }
        s->in_len += (size_t)n;
    }
}

/* VmHWM of pid in KiB from /proc/<pid>/status, -1 if unreadable. */
static long read_hwm_kb(pid_t pid)
{
    char path[64], buf[4096];
    (void)snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    (void)close(fd);
    if (n <= 0) {
        return -1;
    }
    buf[n] = '\0';
    const char *p = strstr(buf, "VmHWM:");
    return p != NULL ? strtol(p + 6, NULL, 10) : -1;
}

/* Serves one connection. Returns 0 when the session is over, 1 when the client closed first,
 * or a negative errno. */
static int serve_conn(struct bench_server *s, struct bench_session *ss, int fd)
{
    for (;;) {
        enum req_kind kind = REQ_OTHER;
        uint64_t t_ns;
        int rc = read_request(s, fd, &kind, &t_ns);
        if (rc != 0) {
            return rc;
        }
        if (kind == REQ_NEXT) {
            if (ss->next_ns != NULL) {
                ss->next_ns[ss->n_next] = t_ns;
            }
            if (ss->n_next++ == ss->n_events) {
                ss->hwm_kb = read_hwm_kb(ss->pid);
                rc = write_all(fd, done_500, sizeof(done_500) - 1);
                return rc < 0 ? rc : 0;
            }
            rc = write_all(fd, s->next_ok, s->next_ok_len);
        } else if (kind == REQ_POST) {
            rc = write_all(fd, ack_202, sizeof(ack_202) - 1);
        } else {
            rc = write_all(fd, not_found, sizeof(not_found) - 1);
        }
        if (rc < 0) {
            return rc;
        }
    }
}

static int accept_client(const struct bench_server *s)
{
    struct timeval tv = {.tv_sec = TIMEOUT_S};
    int one = 1, fd;
    while ((fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC)) < 0 && errno == EINTR) {
    }
    if (fd < 0) {
        return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
    }
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

int bench_server_serve(struct bench_server *s, struct bench_session *ss)
{
    ss->n_next = 0;
    ss->hwm_kb = -1;
    for (;;) {
        int fd = accept_client(s);
        if (fd < 0) {
            return fd;
        }
        s->in_len = 0;
        int rc = serve_conn(s, ss, fd);
        (void)close(fd);
        if (rc != 1) {
            return rc;
        }
    }
}

int bench_server_reap(pid_t pid, struct rusage *ru)
{
    int status;
    const struct timespec step = {.tv_nsec = 100000};
    for (long waited_us = 0;; waited_us += 100) {
        pid_t r = wait4(pid, &status, WNOHANG, ru);
        if (r == pid) {
            return status;
        }
        if (r < 0 && errno != EINTR) {
            return -errno;
        }
        if (waited_us >= TIMEOUT_S * 1000000L) {
            break;
        }
        (void)nanosleep(&step, NULL);
    }
    (void)kill(pid, SIGKILL);
    while (wait4(pid, &status, 0, ru) < 0 && errno == EINTR) {
    }
    return -ETIMEDOUT;
}
