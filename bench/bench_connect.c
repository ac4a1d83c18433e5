/* SPDX-License-Identifier: MIT */
/* bench_connect() for the static peer clients: the least a program must do to reach the
 * Runtime API, so it deliberately skips getaddrinfo() (numeric IPv4 only). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_proto.h"

int bench_connect(const char *endpoint)
{
    char host[64];
    const char *colon = endpoint != NULL ? strrchr(endpoint, ':') : NULL;
    if (colon == NULL || (size_t)(colon - endpoint) >= sizeof(host)) {
        return -EINVAL;
    }
    memcpy(host, endpoint, (size_t)(colon - endpoint));
    host[colon - endpoint] = '\0';
    char *end = NULL;
    unsigned long port = strtoul(colon + 1, &end, 10);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (end == colon + 1 || *end != '\0' || port > 65535 ||
        inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        return -EINVAL;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int err = errno;
        (void)close(fd);
        return -err;
    }
    return fd;
}
