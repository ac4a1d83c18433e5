/* SPDX-License-Identifier: MIT */
/* The fake servers' shared socket and header helpers; see fake_io.h. */
#include "fake_io.h"

#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

int fake_io_read_more(const volatile int *stop, int fd, struct cl_buf *in)
{
    uint8_t tmp[65536];
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, 50);
        if (*stop) {
            return -1;
        }
        if (r <= 0) {
            continue;
        }
        ssize_t n = recv(fd, tmp, sizeof(tmp), 0);
        if (n <= 0) {
            return -1;
        }
        return cl_buf_append(in, tmp, (size_t)n);
    }
}

void fake_io_header_value(const char *head, const char *name, char *out, size_t n)
{
    out[0] = '\0';
    size_t len = strlen(name);
    for (const char *line = strstr(head, "\r\n"); line != NULL; line = strstr(line + 2, "\r\n")) {
        if (strncasecmp(line + 2, name, len) == 0 && line[2 + len] == ':') {
            const char *v = line + 3 + len;
            while (*v == ' ') {
                v++;
            }
            const char *e = strstr(v, "\r\n");
            size_t vl = e != NULL ? (size_t)(e - v) : strlen(v);
            if (vl >= n) {
                vl = n - 1;
            }
            memcpy(out, v, vl);
            out[vl] = '\0';
            return;
        }
    }
}
