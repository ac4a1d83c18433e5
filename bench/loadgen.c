/* SPDX-License-Identifier: MIT */
/* loadgen: a keep-alive HTTP/1.1 load generator for `clambda serve` and the echo floor.
 * N connections on one epoll thread, each with one request in flight (closed loop); a fixed
 * number of requests (-n) or a duration (-d); every request's latency (write of the request to
 * the end of the response) is recorded. A "%d" in the path is replaced with the request's
 * sequence number (distinct functions for cold starts). An error is a connection failure, a
 * status other than 2xx or a response carrying X-Amz-Function-Error.
 *   loadgen -p PORT [-c CONNS] [-n REQUESTS | -d SECONDS] [-w WARMUP] [-s FIRST]
 *           [-m METHOD] [-u PATH] [-b BODY]
 * Prints one line: requests= errors= seconds= rps= p50_us= p90_us= p99_us= max_us= p999_us=. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LG_MAX_CONNS 4096
#define LG_BUF       ((size_t)256 * 1024)

struct lg_opts {
    int port;
    int conns;
    long requests; /* 0: run for seconds */
    double seconds;
    long warmup; /* requests per connection not recorded */
    long first;  /* first sequence number for %d */
    const char *method;
    const char *path;
    const char *body;
};

struct lg_conn {
    int fd;
    char out[4096];
    size_t out_len, out_off;
    char *in;
    size_t in_len;
    uint64_t t0;
    long done; /* responses on this connection */
    bool busy;
};

struct lg_state {
    struct lg_opts o;
    int ep;
    long issued, completed, errors;
    uint64_t *lat;
    size_t n_lat, cap_lat;
    uint64_t t_start, t_end;
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int dial(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int one = 1;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        perror("loadgen: connect");
        exit(2);
    }
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

/* Formats the next request into c->out; false when the run is over. */
static bool next_request(struct lg_state *s, struct lg_conn *c)
{
    const struct lg_opts *o = &s->o;
    if (o->requests > 0 && s->issued >= o->requests) {
        return false;
    }
    if (o->requests == 0 && s->t_end != 0 && now_ns() >= s->t_end) {
        return false;
    }
    char path[1024];
    const char *pct = strstr(o->path, "%d");
    if (pct) {
        (void)snprintf(path, sizeof(path), "%.*s%ld%s", (int)(pct - o->path), o->path,
                       o->first + s->issued, pct + 2);
    } else {
        (void)snprintf(path, sizeof(path), "%s", o->path);
    }
    size_t blen = strlen(o->body);
    int n = snprintf(c->out, sizeof(c->out),
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     o->method, path, blen, o->body);
    if (n < 0 || (size_t)n >= sizeof(c->out)) {
        (void)fprintf(stderr, "loadgen: request too long\n");
        exit(2);
    }
    c->out_len = (size_t)n;
    c->out_off = 0;
    c->in_len = 0;
    c->busy = true;
    s->issued++;
    c->t0 = now_ns();
    return true;
}

static void flush_out(struct lg_conn *c)
{
    while (c->out_off < c->out_len) {
        ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EAGAIN || errno == EINTR) {
                continue; /* small requests: the socket buffer drains at once */
            }
            perror("loadgen: send");
            exit(2);
        }
        c->out_off += (size_t)w;
    }
}

/* Length of the complete response in c->in, 0 if incomplete, -1 if malformed. Sets *status
 * and *fn_error. */
static long response_len(const struct lg_conn *c, int *status, bool *fn_error)
{
    const char *head_end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
    if (head_end == NULL) {
        return 0;
    }
    size_t head_len = (size_t)(head_end - c->in) + 4;
    long clen = 0;
    *status = c->in_len > 12 ? (int)strtol(c->in + 9, NULL, 10) : 0;
    *fn_error = false;
    for (const char *p = c->in; p < head_end; p++) {
        if (*p != '\n') {
            continue;
        }
        if (strncasecmp(p + 1, "content-length:", 15) == 0) {
            clen = strtol(p + 16, NULL, 10);
        } else if (strncasecmp(p + 1, "x-amz-function-error:", 21) == 0) {
            *fn_error = true;
        }
    }
    if (clen < 0) {
        return -1;
    }
    size_t total = head_len + (size_t)clen;
    return c->in_len >= total ? (long)total : 0;
}

static void record(struct lg_state *s, struct lg_conn *c, int status, bool fn_error)
{
    uint64_t dt = now_ns() - c->t0;
    c->busy = false;
    c->done++;
    s->completed++;
    if (status < 200 || status > 299 || fn_error) {
        s->errors++;
        if (s->errors <= 3) {
            (void)fprintf(stderr, "loadgen: error response: %.*s\n",
                          (int)(c->in_len < 300 ? c->in_len : 300), c->in);
        }
    }
    if (c->done <= s->o.warmup) {
        return;
    }
    if (s->n_lat == s->cap_lat) {
        s->cap_lat = s->cap_lat ? 2 * s->cap_lat : 65536;
        s->lat = realloc(s->lat, s->cap_lat * sizeof(*s->lat));
        if (s->lat == NULL) {
            exit(2);
        }
    }
    s->lat[s->n_lat++] = dt;
}

/* Reads what arrived; returns false when the connection is dead. */
static bool on_readable(struct lg_state *s, struct lg_conn *c)
{
    for (;;) {
        ssize_t r = recv(c->fd, c->in + c->in_len, LG_BUF - c->in_len, 0);
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
            return true;
        }
        if (r <= 0) {
            return false;
        }
        c->in_len += (size_t)r;
        int status = 0;
        bool fn_error = false;
        long n = c->busy ? response_len(c, &status, &fn_error) : -1;
        if (n < 0 || (n == 0 && c->in_len == LG_BUF)) {
            return false;
        }
        if (n > 0) {
            record(s, c, status, fn_error);
            if (next_request(s, c)) {
                flush_out(c);
            }
            return true;
        }
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a;
    uint64_t y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct_us(const struct lg_state *s, double q)
{
    if (s->n_lat == 0) {
        return 0;
    }
    size_t i = (size_t)(q * (double)(s->n_lat - 1) + 0.5);
    return (double)s->lat[i] / 1000.0;
}

static void run(struct lg_state *s, struct lg_conn *conns)
{
    struct epoll_event evs[64];
    long live = s->o.conns;
    while (live > 0) {
        int n = epoll_wait(s->ep, evs, 64, 1000);
        for (int i = 0; i < n; i++) {
            struct lg_conn *c = &conns[evs[i].data.u32];
            if (!on_readable(s, c)) {
                if (c->busy) {
                    s->errors++;
                    c->busy = false;
                }
                (void)epoll_ctl(s->ep, EPOLL_CTL_DEL, c->fd, NULL);
            }
            if (!c->busy) {
                (void)close(c->fd);
                c->fd = -1;
                live--;
            }
        }
    }
}

static void usage(void)
{
    (void)fprintf(stderr, "usage: loadgen -p PORT [-c CONNS] [-n REQUESTS | -d SECONDS] "
                          "[-w WARMUP] [-s FIRST] [-m METHOD] [-u PATH] [-b BODY]\n");
    exit(2);
}

static void parse_opts(int argc, char **argv, struct lg_opts *o)
{
    *o = (struct lg_opts){.conns = 1, .method = "POST", .path = "/", .body = "{}"};
    int opt;
    while ((opt = getopt(argc, argv, "p:c:n:d:w:s:m:u:b:")) != -1) {
        switch (opt) {
        case 'p':
            o->port = (int)strtol(optarg, NULL, 10);
            break;
        case 'c':
            o->conns = (int)strtol(optarg, NULL, 10);
            break;
        case 'n':
            o->requests = strtol(optarg, NULL, 10);
            break;
        case 'd':
            o->seconds = strtod(optarg, NULL);
            break;
        case 'w':
            o->warmup = strtol(optarg, NULL, 10);
            break;
        case 's':
            o->first = strtol(optarg, NULL, 10);
            break;
        case 'm':
            o->method = optarg;
            break;
        case 'u':
            o->path = optarg;
            break;
        case 'b':
            o->body = optarg;
            break;
        default:
            usage();
        }
    }
    if (o->port <= 0 || o->conns < 1 || o->conns > LG_MAX_CONNS ||
        (o->requests <= 0 && o->seconds <= 0)) {
        usage();
    }
}

int main(int argc, char **argv)
{
    struct lg_state s = {0};
    parse_opts(argc, argv, &s.o);
    struct lg_conn *conns = calloc((size_t)s.o.conns, sizeof(*conns));
    s.ep = epoll_create1(EPOLL_CLOEXEC);
    if (conns == NULL || s.ep < 0) {
        exit(2);
    }
    s.t_start = now_ns();
    if (s.o.requests == 0) {
        s.t_end = s.t_start + (uint64_t)(s.o.seconds * 1e9);
    }
    for (int i = 0; i < s.o.conns; i++) {
        struct lg_conn *c = &conns[i];
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        c->fd = dial(s.o.port);
        c->in = malloc(LG_BUF);
        if (c->in == NULL || epoll_ctl(s.ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
            exit(2);
        }
        if (next_request(&s, c)) {
            flush_out(c);
        }
    }
    run(&s, conns);
    double secs = (double)(now_ns() - s.t_start) / 1e9;
    qsort(s.lat, s.n_lat, sizeof(*s.lat), cmp_u64);
    (void)printf("requests=%ld errors=%ld seconds=%.3f rps=%.0f p50_us=%.1f p90_us=%.1f "
                 "p99_us=%.1f max_us=%.1f p999_us=%.1f\n",
                 s.completed, s.errors + (s.issued - s.completed), secs, (double)s.completed / secs,
                 pct_us(&s, 0.50), pct_us(&s, 0.90), pct_us(&s, 0.99), pct_us(&s, 1.0),
                 pct_us(&s, 0.999));
    for (int i = 0; i < s.o.conns; i++) {
        free(conns[i].in);
    }
    free(conns);
    free(s.lat);
    (void)close(s.ep);
    return s.errors > 0 ? 1 : 0;
}
