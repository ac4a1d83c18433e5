/* SPDX-License-Identifier: MIT */
/* Writing a whole buffer to a file descriptor, shared by the server's file writers (kept code
 * zips, log files) and the CLI's HTTP client. Inline: it is a few lines. */
#ifndef CLAMBDA_COMMON_CL_IO_H
#define CLAMBDA_COMMON_CL_IO_H

#include <errno.h>
#include <stddef.h>
#include <unistd.h>

/* Writes all len bytes of buf to fd, retrying short writes and EINTR. 0, or -errno (-EIO when
 * write made no progress without an error). */
static inline int cl_write_all(int fd, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return n < 0 ? -errno : -EIO;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

#endif /* CLAMBDA_COMMON_CL_IO_H */
