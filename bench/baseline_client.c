/* SPDX-License-Identifier: MIT */
/* bench/baseline_client: the smallest program that does what a Lambda runtime must do first:
 * read AWS_LAMBDA_RUNTIME_API, connect, send one `GET .../invocation/next` and read the
 * answer. bench_runtime times its exec -> first next as the floor under examples/hello's, and
 * its size (static musl, and static glibc when available) is the peer for hello's size.
 * Usage: AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001 baseline_client */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench_proto.h"

static const char request[] = "GET " BENCH_NEXT_PATH " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

int main(void)
{
    int fd = bench_connect(getenv("AWS_LAMBDA_RUNTIME_API"));
    if (fd < 0) {
        return 2;
    }
    if (write(fd, request, sizeof(request) - 1) != (ssize_t)(sizeof(request) - 1)) {
        return 1;
    }
    /* The benchmark server answers 500 and closes: read until EOF, as a runtime would read
     * its event. */
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
    }
    (void)close(fd);
    return n == 0 ? 0 : 1;
}
