/* SPDX-License-Identifier: MIT */
/* bench/raw_client: the request/response floor for bench_runtime's per-invoke figure. It
 * loops `GET .../next` + `POST .../response` on one keep-alive connection like a runtime, but
 * with preformatted request bytes written by one write(2) each and answers read with read(2),
 * parsed no further than the status code and Content-Length. It posts the event back, as
 * examples/echo does, and exits at the first next that is not 200.
 * Usage: AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001 raw_client */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_proto.h"

#define IN_MAX 65536

static const char next_req[] = "GET " BENCH_NEXT_PATH " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

struct in_buf {
    char data[IN_MAX];
    size_t len;
};

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads one response; returns its status code, or -1 on EOF or error. */
static int read_response(int fd, struct in_buf *in)
{
    size_t total = 0;
    for (;;) {
        char *end = total == 0 ? memmem(in->data, in->len, "\r\n\r\n", 4) : NULL;
        if (end != NULL) {
            const char *cl = memmem(in->data, (size_t)(end - in->data), "Content-Length: ", 16);
            total = (size_t)(end + 4 - in->data) + (cl ? strtoul(cl + 16, NULL, 10) : 0);
        }
        if (total > 0 && in->len >= total) {
            int status = (int)strtol(in->data + 9, NULL, 10);
            memmove(in->data, in->data + total, in->len - total);
            in->len -= total;
            return status;
        }
        if (in->len == IN_MAX) {
            return -1;
        }
        ssize_t n = read(fd, in->data + in->len, IN_MAX - in->len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        in->len += (size_t)n;
    }
}

int main(void)
{
    static struct in_buf in;
    static char post[1024];
    int post_len = snprintf(post, sizeof(post),
                            "POST " BENCH_RESP_PATH " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                            sizeof(BENCH_EVENT) - 1, BENCH_EVENT);
    int fd = bench_connect(getenv("AWS_LAMBDA_RUNTIME_API"));
    if (fd < 0 || post_len < 0 || (size_t)post_len >= sizeof(post)) {
        return 2;
    }
    for (;;) {
        if (write_all(fd, next_req, sizeof(next_req) - 1) < 0 || read_response(fd, &in) != 200) {
            break;
        }
        if (write_all(fd, post, (size_t)post_len) < 0 || read_response(fd, &in) < 0) {
            return 1;
        }
    }
    (void)close(fd);
    return 0;
}
