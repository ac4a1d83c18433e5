/* SPDX-License-Identifier: MIT */
/* echo_floor: the floor that `clambda serve` is measured against. A minimal keep-alive
 * HTTP/1.1 server on one epoll thread, in one of two roles:
 *   echo_floor -p PORT                  leaf: answers every request 200 with its body
 *   echo_floor -p PORT -U UPSTREAM      relay: forwards each request, verbatim, over its own
 *                                       keep-alive connection to UPSTREAM and the answer back
 * The floor for two HTTP hops is loadgen -> relay -> leaf: three processes and two HTTP
 * exchanges per request, as an invoke is loadgen -> clambda -> runtime (the runtime's pending
 * `next` answered, its POST /response answered). Nothing is parsed beyond the framing (head
 * end, Content-Length), nothing is logged: what remains is the kernel, the loopback and the
 * wake-ups. PORT 0 picks one; the first stdout line is "port N". */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define EF_MAX_FD 65536
#define EF_BUF    ((size_t)256 * 1024)

struct ef_conn {
    char *in;
    size_t in_len;
    int peer; /* relay: the other side's fd, else -1 */
    bool is_upstream;
};

static struct ef_conn *slots[EF_MAX_FD];
static int upstream_port;
static int ep;

static int tcp_socket(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || fd >= EF_MAX_FD) {
        perror("echo_floor: socket");
        exit(2);
    }
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

static void add_conn(int fd, int peer, bool is_upstream)
{
    struct ef_conn *c = calloc(1, sizeof(*c));
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
    if (c == NULL || (c->in = malloc(EF_BUF)) == NULL) {
        exit(2);
    }
    c->peer = peer;
    c->is_upstream = is_upstream;
    slots[fd] = c;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
        perror("echo_floor: epoll_ctl");
        exit(2);
    }
}

static void drop_conn(int fd)
{
    struct ef_conn *c = slots[fd];
    if (c == NULL) {
        return;
    }
    slots[fd] = NULL;
    int peer = c->peer;
    free(c->in);
    free(c);
    (void)close(fd);
    if (peer >= 0) {
        drop_conn(peer);
    }
}

static void send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
            continue;
        }
        if (w <= 0) {
            return; /* the read side notices the dead connection */
        }
        p += w;
        n -= (size_t)w;
    }
}

/* Length of the first complete message in c->in (0: incomplete). *body_off: where its body
 * starts. */
static size_t msg_len(const struct ef_conn *c, size_t *body_off)
{
    const char *head_end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
    if (head_end == NULL) {
        return 0;
    }
    size_t clen = 0;
    for (const char *p = c->in; p < head_end; p++) {
        if (*p == '\n' && strncasecmp(p + 1, "content-length:", 15) == 0) {
            clen = strtoul(p + 16, NULL, 10);
        }
    }
    *body_off = (size_t)(head_end - c->in) + 4;
    return c->in_len >= *body_off + clen ? *body_off + clen : 0;
}

static void answer(int fd, struct ef_conn *c, size_t len, size_t body_off)
{
    if (c->peer >= 0) {
        send_all(c->peer, c->in, len); /* relay, both directions: verbatim */
        return;
    }
    char head[128];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     len - body_off);
    char out[4096];
    if ((size_t)n + len - body_off <= sizeof(out)) { /* one send, as a server should */
        memcpy(out, head, (size_t)n);
        memcpy(out + n, c->in + body_off, len - body_off);
        send_all(fd, out, (size_t)n + len - body_off);
    } else {
        send_all(fd, head, (size_t)n);
        send_all(fd, c->in + body_off, len - body_off);
    }
}

static void on_readable(int fd)
{
    struct ef_conn *c = slots[fd];
    if (c == NULL) {
        return;
    }
    ssize_t r = recv(fd, c->in + c->in_len, EF_BUF - c->in_len, 0);
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
        return;
    }
    if (r <= 0) {
        drop_conn(fd);
        return;
    }
    c->in_len += (size_t)r;
    size_t body_off = 0;
    size_t len;
    while ((len = msg_len(c, &body_off)) > 0) {
        answer(fd, c, len, body_off);
        memmove(c->in, c->in + len, c->in_len - len);
        c->in_len -= len;
    }
    if (c->in_len == EF_BUF) {
        drop_conn(fd);
    }
}

static void on_accept(int lfd)
{
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    int one = 1;
    if (fd < 0 || fd >= EF_MAX_FD) {
        if (fd >= 0) {
            (void)close(fd);
        }
        return;
    }
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    int up = -1;
    if (upstream_port > 0) {
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)upstream_port)};
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        up = tcp_socket();
        if (connect(up, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
            perror("echo_floor: connect upstream");
            (void)close(up);
            (void)close(fd);
            return;
        }
        add_conn(up, fd, true);
    }
    add_conn(fd, up, false);
}

int main(int argc, char **argv)
{
    int port = 0;
    int opt;
    while ((opt = getopt(argc, argv, "p:U:")) != -1) {
        if (opt == 'p') {
            port = (int)strtol(optarg, NULL, 10);
        } else if (opt == 'U') {
            upstream_port = (int)strtol(optarg, NULL, 10);
        } else {
            (void)fprintf(stderr, "usage: echo_floor [-p PORT] [-U UPSTREAM_PORT]\n");
            return 2;
        }
    }
    int lfd = tcp_socket();
    int one = 1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    socklen_t slen = sizeof(sa);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    (void)setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event lev = {.events = EPOLLIN, .data.fd = lfd};
    if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 511) < 0 || ep < 0 ||
        getsockname(lfd, (struct sockaddr *)&sa, &slen) < 0 ||
        epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev) < 0) {
        perror("echo_floor: listen");
        return 2;
    }
    (void)printf("port %d\n", ntohs(sa.sin_port));
    (void)fflush(stdout);
    for (;;) {
        struct epoll_event evs[64];
        int n = epoll_wait(ep, evs, 64, -1);
        for (int i = 0; i < n; i++) {
            if (evs[i].data.fd == lfd) {
                on_accept(lfd);
            } else {
                on_readable(evs[i].data.fd);
            }
        }
    }
}
