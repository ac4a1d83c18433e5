/* SPDX-License-Identifier: MIT */
/* What the tests' fake servers (fake_rapi.c, fake_aws.c) share: reading a request from a
 * socket while watching a stop flag, and looking up a header in a request head. */
#ifndef CLAMBDA_TESTS_FAKE_IO_H
#define CLAMBDA_TESTS_FAKE_IO_H

#include <stddef.h>

#include "cl_buf.h"

/* Reads more bytes of fd into in, polling every 50 ms so that *stop is seen. 0 after reading
 * some, -1 when the connection ended or *stop was set (or cl_buf_append's error). */
int fake_io_read_more(const volatile int *stop, int fd, struct cl_buf *in);

/* The value of header name (case-insensitive) in the NUL-terminated head, cut to n - 1 bytes
 * into out; "" when absent. */
void fake_io_header_value(const char *head, const char *name, char *out, size_t n);

#endif /* CLAMBDA_TESTS_FAKE_IO_H */
