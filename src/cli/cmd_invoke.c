/* SPDX-License-Identifier: MIT */
/* `clambda invoke`; see cmd_invoke.h. The request carries Connection: close, so the response
 * is everything the server sends before closing; no read timeout (a function may run for 15
 * minutes). */
#include "cmd_invoke.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/xalloc.h"
#include "cl_b64.h"
#include "cl_buf.h"
#include "cli_http.h"

/* Largest response accepted (6 MB payload plus headers and a 4 KB log tail). */
#define INVOKE_MAX_RESPONSE ((size_t)7 * 1024 * 1024)

struct invoke_opts {
    const char *name;
    const char *data;
    const char *data_file;
    const char *endpoint;
    bool is_async;
    bool tail;
};

static const char usage[] = "usage: clambda invoke NAME [--data JSON | --data-file FILE] [--async] "
                            "[--tail] [--endpoint URL]\n"
                            "endpoint default: $CLAMBDA_ENDPOINT or http://127.0.0.1:9000\n";

static int read_file(const char *path, struct cl_buf *out)
{
    int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    uint8_t buf[65536];
    ssize_t n;
    int rc = 0;
    while ((n = read(fd, buf, sizeof(buf))) > 0 && rc == 0) {
        rc = cl_buf_append(out, buf, (size_t)n);
    }
    if (n < 0) {
        rc = -errno;
    }
    if (fd != 0) {
        (void)close(fd);
    }
    return rc;
}

static void print_tail(const char *b64)
{
    struct cl_buf dec;
    cl_buf_init(&dec, (size_t)64 * 1024);
    if (cl_b64_decode(&dec, (const uint8_t *)b64, strlen(b64)) == 0 && dec.len > 0) {
        (void)fwrite(dec.data, 1, dec.len, stderr);
    }
    cl_buf_fini(&dec);
}

/* Interprets the whole response; returns the exit status. */
static int handle_response(struct cl_buf *resp, bool want_tail)
{
    struct cli_http_response r;
    if (cli_http_parse(resp, &r) < 0) {
        (void)fprintf(stderr, "clambda invoke: malformed response\n");
        return 2;
    }
    char value[16384];
    int rc = 0;
    if (r.status >= 300) {
        char type[256] = "";
        (void)cli_http_header(r.head, "x-amzn-ErrorType", type, sizeof(type));
        (void)fprintf(stderr, "clambda invoke: HTTP %d %s: %.*s\n", r.status, type, (int)r.body_len,
                      (const char *)r.body);
        rc = 2;
    } else {
        (void)fwrite(r.body, 1, r.body_len, stdout);
        if (r.body_len > 0 && r.body[r.body_len - 1] != '\n') {
            (void)fputc('\n', stdout);
        }
        if (want_tail && cli_http_header(r.head, "X-Amz-Log-Result", value, sizeof(value))) {
            print_tail(value);
        }
        rc = cli_http_header(r.head, "X-Amz-Function-Error", value, sizeof(value)) ? 1 : 0;
    }
    free(r.head);
    return rc;
}

static int run(const struct invoke_opts *o, const struct cl_buf *payload)
{
    char host[256], port[16];
    if (cli_http_parse_endpoint(o->endpoint, host, sizeof(host), port, sizeof(port)) < 0) {
        (void)fprintf(stderr, "clambda invoke: bad endpoint %s (want http://HOST:PORT)\n",
                      o->endpoint);
        return 2;
    }
    struct cl_buf req, resp;
    cl_buf_init(&req, (size_t)16 * 1024);
    cl_buf_init(&resp, INVOKE_MAX_RESPONSE);
    int rc = cl_buf_printf(&req,
                           "POST /2015-03-31/functions/%s/invocations HTTP/1.1\r\nHost: %s\r\n"
                           "Content-Type: application/json\r\nContent-Length: %zu\r\n"
                           "X-Amz-Invocation-Type: %s\r\nX-Amz-Log-Type: %s\r\n"
                           "Connection: close\r\n\r\n",
                           o->name, host, payload->len, o->is_async ? "Event" : "RequestResponse",
                           o->tail ? "Tail" : "None");
    int status = 2;
    if (rc == 0 && cli_http_exchange("clambda invoke", o->endpoint, &req, payload->data,
                                     payload->len, &resp) == 0) {
        status = handle_response(&resp, o->tail);
    }
    cl_buf_fini(&req);
    cl_buf_fini(&resp);
    return status;
}

int cmd_invoke_main(int argc, char **argv)
{
    static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
                                         {"data-file", required_argument, NULL, 'f'},
                                         {"async", no_argument, NULL, 'a'},
                                         {"tail", no_argument, NULL, 't'},
                                         {"endpoint", required_argument, NULL, 'e'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct invoke_opts o = {.endpoint = cli_http_default_endpoint()};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o.data = optarg;
            break;
        case 'f':
            o.data_file = optarg;
            break;
        case 'a':
            o.is_async = true;
            break;
        case 't':
            o.tail = true;
            break;
        case 'e':
            o.endpoint = optarg;
            break;
        case 'h':
            (void)fputs(usage, stdout);
            return 0;
        default:
            (void)fputs(usage, stderr);
            return 2;
        }
    }
    if (optind + 1 != argc || (o.data && o.data_file)) {
        (void)fputs(usage, stderr);
        return 2;
    }
    o.name = argv[optind];
    struct cl_buf payload;
    cl_buf_init(&payload, INVOKE_MAX_RESPONSE);
    int rc = o.data ? cl_buf_append_str(&payload, o.data) : 0;
    rc = rc == 0 && o.data_file ? read_file(o.data_file, &payload) : rc;
    if (rc < 0) {
        (void)fprintf(stderr, "clambda invoke: payload: %s\n", strerror(-rc));
        cl_buf_fini(&payload);
        return 2;
    }
    rc = run(&o, &payload);
    cl_buf_fini(&payload);
    return rc;
}
