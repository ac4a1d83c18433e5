/* SPDX-License-Identifier: MIT */
/* The CLI's HTTP client; see cli_http.h. */
#include "cli_http.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/xalloc.h"
#include "cl_io.h"

const char *cli_http_default_endpoint(void)
{
    const char *env = getenv("CLAMBDA_ENDPOINT");
    return env && *env ? env : "http://127.0.0.1:9000";
}

int cli_http_parse_endpoint(const char *url, char *host, size_t hcap, char *port, size_t pcap)
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

static int connect_to(const char *who, const char *host, const char *port)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        (void)fprintf(stderr, "%s: getaddrinfo(%s): %s\n", who, host, gai_strerror(rc));
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
        (void)fprintf(stderr, "%s: connect(%s:%s): %s\n", who, host, port, strerror(err));
    }
    return fd;
}

bool cli_http_header(const char *head, const char *name, char *out, size_t cap)
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

int cli_http_exchange(const char *who, const char *endpoint, const struct cl_buf *request,
                      const uint8_t *body, size_t body_len, struct cl_buf *resp)
{
    char host[256], port[16];
    if (cli_http_parse_endpoint(endpoint, host, sizeof(host), port, sizeof(port)) < 0) {
        (void)fprintf(stderr, "%s: bad endpoint %s (want http://HOST:PORT)\n", who, endpoint);
        return -1;
    }
    int fd = connect_to(who, host, port);
    if (fd < 0) {
        return -1;
    }
    int rc = cl_write_all(fd, request->data, request->len);
    rc = rc || body_len == 0 ? rc : cl_write_all(fd, body, body_len);
    uint8_t buf[65536];
    ssize_t n = 0;
    while (rc == 0 && (n = read(fd, buf, sizeof(buf))) != 0) {
        if (n < 0 && errno == EINTR) {
            continue;
        }
        rc = n < 0 ? -errno : cl_buf_append(resp, buf, (size_t)n);
    }
    (void)close(fd);
    if (rc < 0) {
        (void)fprintf(stderr, "%s: %s\n", who, strerror(-rc));
        return -1;
    }
    return 0;
}

int cli_http_parse(const struct cl_buf *resp, struct cli_http_response *out)
{
    const char *text = cl_buf_str(resp);
    const char *end = strstr(text, "\r\n\r\n");
    char *num_end = NULL;
    long status = end && strncmp(text, "HTTP/1.", 7) == 0 ? strtol(text + 9, &num_end, 10) : 0;
    if (end == NULL || num_end != text + 12 || status < 100 || status > 599) {
        return -EBADMSG;
    }
    size_t head_len = (size_t)(end - text) + 2;
    out->status = (int)status;
    out->head = xstrndup(text, head_len);
    out->body = resp->data + head_len + 2;
    out->body_len = resp->len - head_len - 2;
    return 0;
}
