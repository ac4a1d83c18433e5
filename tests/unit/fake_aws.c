/* SPDX-License-Identifier: MIT */
/* The fake AWS endpoint of fake_aws.h. Deliberately simple, as fake_rapi.c: blocking sockets
 * with a short poll so that stop() is noticed, requests parsed just enough (Content-Length
 * bodies only, which is all the client sends). */
#include "fake_aws.h"
#include "fake_io.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* Reads one request and records it. 0, or -1 when the connection ended. */
static int read_request(struct fake_aws *f, int fd, struct cl_buf *in)
{
    char *end;
    while ((end = strstr(cl_buf_str(in), "\r\n\r\n")) == NULL) {
        if (fake_io_read_more(&f->stop, fd, in) < 0) {
            return -1;
        }
    }
    size_t head_len = (size_t)(end - (char *)in->data) + 4;
    char *head = strndup((char *)in->data, head_len);
    char cl[32];
    fake_io_header_value(head, "Content-Length", cl, sizeof(cl));
    size_t want = (size_t)strtoul(cl, NULL, 10);
    cl_buf_consume(in, head_len);
    while (in->len < want) {
        if (fake_io_read_more(&f->stop, fd, in) < 0) {
            free(head);
            return -1;
        }
    }
    pthread_mutex_lock(&f->mu);
    f->n_requests++;
    fake_io_header_value(head, "X-Amz-Target", f->last_target, sizeof(f->last_target));
    fake_io_header_value(head, "Content-Type", f->last_content_type, sizeof(f->last_content_type));
    fake_io_header_value(head, "Authorization", f->last_authorization,
                         sizeof(f->last_authorization));
    fake_io_header_value(head, "X-Amz-Security-Token", f->last_token, sizeof(f->last_token));
    fake_io_header_value(head, "X-Amz-Date", f->last_date, sizeof(f->last_date));
    fake_io_header_value(head, "Host", f->last_host, sizeof(f->last_host));
    fake_io_header_value(head, "amz-sdk-request", f->last_sdk_request, sizeof(f->last_sdk_request));
    cl_buf_reset(&f->last_body);
    (void)cl_buf_append(&f->last_body, in->data, want);
    pthread_mutex_unlock(&f->mu);
    cl_buf_consume(in, want);
    free(head);
    return 0;
}

/* Answers the current request; returns false when the connection is to be closed. */
static bool answer(struct fake_aws *f, int fd, struct cl_buf *in)
{
    pthread_mutex_lock(&f->mu);
    size_t i = (size_t)f->n_requests - 1;
    const struct fake_aws_answer *a = &f->script[i < f->n_script ? i : f->n_script - 1];
    pthread_mutex_unlock(&f->mu);
    if (a->act == FAKE_AWS_DROP) {
        return false;
    }
    if (a->act == FAKE_AWS_HANG) {
        while (fake_io_read_more(&f->stop, fd, in) == 0) {
        }
        return false;
    }
    const char *body = a->body != NULL ? a->body : "{}";
    char buf[8192];
    int n = snprintf(buf, sizeof(buf),
                     "HTTP/1.1 %d X\r\nContent-Type: application/x-amz-json-1.0\r\n"
                     "x-amzn-RequestId: req-%d\r\nContent-Length: %zu\r\n%s\r\n%s",
                     a->status, f->n_requests, strlen(body), a->headers ? a->headers : "", body);
    size_t len = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
    if (a->act == FAKE_AWS_CUT) {
        len = len - strlen(body) / 2 - 1;
    }
    (void)send(fd, buf, len, MSG_NOSIGNAL);
    return a->act == FAKE_AWS_ANSWER;
}

static void *serve(void *arg)
{
    struct fake_aws *f = arg;
    while (!f->stop) {
        struct pollfd p = {.fd = f->listen_fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0) {
            continue;
        }
        int fd = accept(f->listen_fd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        pthread_mutex_lock(&f->mu);
        f->n_connections++;
        pthread_mutex_unlock(&f->mu);
        struct cl_buf in;
        cl_buf_init(&in, 32 << 20);
        while (!f->stop && read_request(f, fd, &in) == 0 && answer(f, fd, &in)) {
        }
        cl_buf_fini(&in);
        (void)close(fd);
    }
    return NULL;
}

int fake_aws_start(struct fake_aws *f)
{
    f->stop = 0;
    f->n_requests = 0;
    f->n_connections = 0;
    cl_buf_init(&f->last_body, 32 << 20);
    pthread_mutex_init(&f->mu, NULL);
    f->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (f->listen_fd < 0) {
        return -errno;
    }
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    if (bind(f->listen_fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(f->listen_fd, 8) < 0 ||
        getsockname(f->listen_fd, (struct sockaddr *)&a, &len) < 0) {
        int e = -errno;
        (void)close(f->listen_fd);
        return e;
    }
    f->port = ntohs(a.sin_port);
    (void)snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%d", f->port);
    return -pthread_create(&f->thread, NULL, serve, f);
}

void fake_aws_stop(struct fake_aws *f)
{
    f->stop = 1;
    (void)pthread_join(f->thread, NULL);
    (void)close(f->listen_fd);
    pthread_mutex_destroy(&f->mu);
    cl_buf_fini(&f->last_body);
}
