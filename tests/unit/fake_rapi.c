/* SPDX-License-Identifier: MIT */
/* The fake Runtime API server of fake_rapi.h. Deliberately simple: blocking sockets with a
 * short poll so stop() is noticed, requests parsed just enough for the client's requests. */
#include "fake_rapi.h"
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

#include "cl_http1.h"

/* Reads one request (head + body) into the records. 0, or -1 when the connection ended. */
static int read_request(struct fake_rapi *f, int fd, struct cl_buf *in)
{
    char *end;
    while ((end = strstr(cl_buf_str(in), "\r\n\r\n")) == NULL) {
        if (fake_io_read_more(&f->stop, fd, in) < 0) {
            return -1;
        }
    }
    size_t head_len = (size_t)(end - (char *)in->data) + 4;
    char *head = strndup((char *)in->data, head_len);
    char cl[32], te[32];
    pthread_mutex_lock(&f->mu);
    (void)sscanf(head, "%7s %511s", f->last_method, f->last_path);
    bool is_get = strcmp(f->last_method, "GET") == 0;
    f->n_requests++;
    if (is_get) { /* records describe the last answer the client posted */
        pthread_mutex_unlock(&f->mu);
        free(head);
        cl_buf_consume(in, head_len);
        return 0;
    }
    fake_io_header_value(head, "Lambda-Runtime-Function-Error-Type", f->last_error_type,
                         sizeof(f->last_error_type));
    fake_io_header_value(head, "Content-Type", f->last_content_type, sizeof(f->last_content_type));
    fake_io_header_value(head, "Lambda-Runtime-Function-Response-Mode", f->last_mode,
                         sizeof(f->last_mode));
    fake_io_header_value(head, "Content-Length", cl, sizeof(cl));
    fake_io_header_value(head, "Transfer-Encoding", te, sizeof(te));
    f->last_chunked = strcmp(te, "chunked") == 0;
    cl_buf_reset(&f->last_body);
    cl_buf_reset(&f->last_trailers);
    pthread_mutex_unlock(&f->mu);
    free(head);
    cl_buf_consume(in, head_len);
    if (f->last_chunked) {
        struct cl_chunked c;
        cl_chunked_init(&c);
        for (;;) {
            long n = cl_chunked_decode(&c, in->data, in->len, &f->last_body, &f->last_trailers);
            if (n < 0) {
                return -1;
            }
            cl_buf_consume(in, (size_t)n);
            if (c.is_done) {
                return 0;
            }
            if (fake_io_read_more(&f->stop, fd, in) < 0) {
                return -1;
            }
        }
    }
    size_t want = (size_t)strtoul(cl, NULL, 10);
    while (in->len < want) {
        if (fake_io_read_more(&f->stop, fd, in) < 0) {
            return -1;
        }
    }
    (void)cl_buf_append(&f->last_body, in->data, want);
    cl_buf_consume(in, want);
    return 0;
}

static void send_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n <= 0) {
            return;
        }
        p += n;
        len -= (size_t)n;
    }
}

static void answer(struct fake_rapi *f, int fd)
{
    char head[1024];
    int n;
    if (strcmp(f->last_method, "GET") == 0) {
        if (f->n_events <= 0) {
            n = snprintf(head, sizeof(head), "HTTP/1.1 %d Err\r\nContent-Length: 2\r\n\r\n{}",
                         f->next_status_after ? f->next_status_after : 500);
            send_all(fd, head, (size_t)n);
            return;
        }
        f->n_events--;
        size_t len = strlen(f->event);
        n = snprintf(head, sizeof(head),
                     "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: req-%d\r\n"
                     "Lambda-Runtime-Deadline-Ms: 4102444800000\r\n%sContent-Length: %zu\r\n\r\n",
                     f->n_requests, f->event_headers ? f->event_headers : "", len);
        send_all(fd, head, (size_t)n);
        send_all(fd, f->event, len);
        return;
    }
    const char *body = f->post_body ? f->post_body : "{\"status\":\"OK\"}";
    n = snprintf(head, sizeof(head), "HTTP/1.1 %d X\r\nContent-Length: %zu\r\n\r\n%s",
                 f->post_status ? f->post_status : 202, strlen(body), body);
    send_all(fd, head, (size_t)n);
}

static void *serve(void *arg)
{
    struct fake_rapi *f = arg;
    while (!f->stop) {
        struct pollfd p = {.fd = f->listen_fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0) {
            continue;
        }
        int fd = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            continue;
        }
        f->n_connections++;
        struct cl_buf in;
        cl_buf_init(&in, 64u << 20);
        while (!f->stop && read_request(f, fd, &in) == 0) {
            answer(f, fd);
        }
        cl_buf_fini(&in);
        close(fd);
    }
    return NULL;
}

int fake_rapi_start(struct fake_rapi *f)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(a);
    cl_buf_init(&f->last_body, 64u << 20);
    cl_buf_init(&f->last_trailers, 1u << 16);
    pthread_mutex_init(&f->mu, NULL);
    f->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (f->listen_fd < 0 || bind(f->listen_fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        listen(f->listen_fd, 8) < 0 ||
        getsockname(f->listen_fd, (struct sockaddr *)&a, &alen) < 0) {
        return -errno;
    }
    f->port = ntohs(a.sin_port);
    (void)snprintf(f->endpoint, sizeof(f->endpoint), "127.0.0.1:%d", f->port);
    return -pthread_create(&f->thread, NULL, serve, f);
}

void fake_rapi_stop(struct fake_rapi *f)
{
    f->stop = 1;
    pthread_join(f->thread, NULL);
    close(f->listen_fd);
    cl_buf_fini(&f->last_body);
    cl_buf_fini(&f->last_trailers);
    pthread_mutex_destroy(&f->mu);
}
