/* SPDX-License-Identifier: MIT */
/* The CLI's HTTP/1.1 client: one request per connection (Connection: close) over a blocking
 * socket, the response read until the server closes. No read timeout (an invoke may run for 15
 * minutes). Shared by `clambda invoke` and `clambda logs`. */
#ifndef CLAMBDA_CLI_CLI_HTTP_H
#define CLAMBDA_CLI_CLI_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cl_buf.h"

/* A parsed response; head and body point into the buffer it was parsed from. */
struct cli_http_response {
    int status;
    char *head;          /* status line and headers, "\r\n"-separated (owned: free) */
    const uint8_t *body; /* borrowed from the response buffer */
    size_t body_len;
};

/* The endpoint default: $CLAMBDA_ENDPOINT, else http://127.0.0.1:9000. */
const char *cli_http_default_endpoint(void);
/* Splits "http://host:port[/]" into host and port. 0 or -EINVAL. */
int cli_http_parse_endpoint(const char *url, char *host, size_t hcap, char *port, size_t pcap);
/* Sends request (a complete head) and body to endpoint and reads the whole response into resp
 * (capped by its max). Errors are printed with the prefix who. 0, or -1 after printing. */
int cli_http_exchange(const char *who, const char *endpoint, const struct cl_buf *request,
                      const uint8_t *body, size_t body_len, struct cl_buf *resp);
/* Parses resp. OUT: *out (free out->head). 0 or -EBADMSG. */
int cli_http_parse(const struct cl_buf *resp, struct cli_http_response *out);
/* Finds header name in head; copies its value (truncated to cap - 1) to out. */
bool cli_http_header(const char *head, const char *name, char *out, size_t cap);

#endif /* CLAMBDA_CLI_CLI_HTTP_H */
