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

#include "cl_b64.h"
#include "cl_buf.h"
#include "xalloc.h"

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

/* Splits "http://host:port[/]" into host and port. 0 or -EINVAL. */
static int parse_endpoint(const char *url, char *host, size_t hcap, char *port, size_t pcap)
{
    if (url == NULL || strncmp(url, "http://", 7) != 0) {
        return -EINVAL;
    }
    const char *h = url + 7;
    size_t hlen = strcspn(h, "/");
    const char *colon = NULL;
    if (h[0] == '[') {
        const char *rb = memchr(h, ']', hlen);
        colon = rb && rb[1] == ':' ? rb + 1 : NULL;
    } else {
        colon = memchr(h, ':', hlen);
    }
    size_t name_len = colon ? (size_t)(colon - h) : hlen;
    size_t port_len = colon ? hlen - name_len - 1 : 2;
    const char *p = colon ? colon + 1 : "80";
    if (h[0] == '[' && name_len >= 2) {
        h++;
        name_len -= 2;
    }
    if (name_len == 0 || name_len >= hcap || port_len == 0 || port_len >= pcap) {
        return -EINVAL;
    }
    memcpy(host, h, name_len);
    host[name_len] = '\0';
    memcpy(port, p, port_len);
    port[port_len] = '\0';
    return 0;
}

static int connect_to(const char *host, const char *port)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        (void)fprintf(stderr, "clambda invoke: getaddrinfo(%s): %s\n", host, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    int err = 0;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
            err = errno;
            (void)close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        (void)fprintf(stderr, "clambda invoke: connect(%s:%s): %s\n", host, port, strerror(err));
    }
    return fd;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return -errno;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

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

/* Finds header name in the response head (borrowed, "\r\n"-terminated value copied to out). */
static bool find_header(const char *head, const char *name, char *out, size_t cap)
{
    size_t nlen = strlen(name);
    for (const char *l = strstr(head, "\r\n"); l && l[2]; l = strstr(l + 2, "\r\n")) {
        const char *line = l + 2;
        if (strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
            const char *v = line + nlen + 1;
            v += strspn(v, " \t");
            size_t vlen = strcspn(v, "\r\n");
            if (vlen >= cap) {
                vlen = cap - 1;
            }
            memcpy(out, v, vlen);
            out[vlen] = '\0';
            return true;
        }
    }
    return false;
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
    const char *text = cl_buf_str(resp);
    const char *end = strstr(text, "\r\n\r\n");
    char *num_end = NULL;
    long status = end && strncmp(text, "HTTP/1.", 7) == 0 ? strtol(text + 9, &num_end, 10) : 0;
    if (end == NULL || num_end != text + 12 || status < 100 || status > 599) {
        (void)fprintf(stderr, "clambda invoke: malformed response\n");
        return 2;
    }
    size_t head_len = (size_t)(end - text) + 2;
    char *head = xstrndup(text, head_len);
    const uint8_t *body = resp->data + head_len + 2;
    size_t body_len = resp->len - head_len - 2;
    char value[16384];
    int rc = 0;
    if (status >= 300) {
        char type[256] = "";
        (void)find_header(head, "x-amzn-ErrorType", type, sizeof(type));
        (void)fprintf(stderr, "clambda invoke: HTTP %ld %s: %.*s\n", status, type, (int)body_len,
                      (const char *)body);
        rc = 2;
    } else {
        (void)fwrite(body, 1, body_len, stdout);
        if (body_len > 0 && body[body_len - 1] != '\n') {
            (void)fputc('\n', stdout);
        }
        if (want_tail && find_header(head, "X-Amz-Log-Result", value, sizeof(value))) {
            print_tail(value);
        }
        rc = find_header(head, "X-Amz-Function-Error", value, sizeof(value)) ? 1 : 0;
    }
    free(head);
    return rc;
}

static int send_request(int fd, const struct invoke_opts *o, const char *host,
                        const struct cl_buf *payload)
{
    struct cl_buf req;
    cl_buf_init(&req, (size_t)16 * 1024);
    int rc = cl_buf_printf(&req,
                           "POST /2015-03-31/functions/%s/invocations HTTP/1.1\r\nHost: %s\r\n"
                           "Content-Type: application/json\r\nContent-Length: %zu\r\n"
                           "X-Amz-Invocation-Type: %s\r\nX-Amz-Log-Type: %s\r\n"
                           "Connection: close\r\n\r\n",
                           o->name, host, payload->len, o->is_async ? "Event" : "RequestResponse",
                           o->tail ? "Tail" : "None");
    rc = rc ? rc : write_all(fd, req.data, req.len);
    rc = rc || payload->len == 0 ? rc : write_all(fd, payload->data, payload->len);
    cl_buf_fini(&req);
    return rc;
}

static int run(const struct invoke_opts *o, const struct cl_buf *payload)
{
    char host[256], port[16];
    if (parse_endpoint(o->endpoint, host, sizeof(host), port, sizeof(port)) < 0) {
        (void)fprintf(stderr, "clambda invoke: bad endpoint %s (want http://HOST:PORT)\n",
                      o->endpoint);
        return 2;
    }
    int fd = connect_to(host, port);
    if (fd < 0) {
        return 2;
    }
    struct cl_buf resp;
    cl_buf_init(&resp, INVOKE_MAX_RESPONSE);
    int rc = send_request(fd, o, host, payload);
    uint8_t buf[65536];
    ssize_t n = 0;
    while (rc == 0 && (n = read(fd, buf, sizeof(buf))) != 0) {
        if (n < 0 && errno == EINTR) {
            continue;
        }
        rc = n < 0 ? -errno : cl_buf_append(&resp, buf, (size_t)n);
    }
    (void)close(fd);
    int status = 2;
    if (rc < 0) {
        (void)fprintf(stderr, "clambda invoke: %s\n", strerror(-rc));
    } else {
        status = handle_response(&resp, o->tail);
    }
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
    const char *env = getenv("CLAMBDA_ENDPOINT");
    struct invoke_opts o = {.endpoint = env && *env ? env : "http://127.0.0.1:9000"};
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
