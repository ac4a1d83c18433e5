/* SPDX-License-Identifier: MIT */
/* examples/telemetry: an external Lambda extension that subscribes to the Telemetry API and
 * prints what it receives. Install it as /opt/extensions/<name>. It listens on
 * 127.0.0.1:<ephemeral port> (sandbox.localdomain inside the environment), subscribes to the
 * platform and function streams (not its own: what it prints would come back to it) and a
 * forked child prints every POSTed batch as one "[telemetry] <json array>" line, while the
 * parent follows INVOKE and SHUTDOWN events. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <clambda/extension.h>

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

/* A listening socket on 127.0.0.1; OUT: *port. -1 on failure. */
static int listen_local(int *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 16) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

/* Reads one HTTP request (headers, then Content-Length bytes), prints its body, answers 200. */
static void serve_one(int c)
{
    static char buf[2 * 1024 * 1024 + 4096];
    size_t got = 0;
    char *body = NULL;
    size_t want = 0;
    for (;;) {
        ssize_t n = read(c, buf + got, sizeof(buf) - 1 - got);
        if (n <= 0) {
            return;
        }
        got += (size_t)n;
        buf[got] = '\0';
        if (body == NULL && (body = strstr(buf, "\r\n\r\n")) != NULL) {
            body += 4;
            const char *cl = strcasestr(buf, "Content-Length:");
            want = cl != NULL ? strtoul(cl + 15, NULL, 10) : 0;
        }
        if (body != NULL && got - (size_t)(body - buf) >= want) {
            break;
        }
        if (got == sizeof(buf) - 1) {
            return; /* too large for this example */
        }
    }
    (void)printf("[telemetry] %.*s\n", (int)want, body);
    (void)fflush(stdout);
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    (void)!write(c, ok, sizeof(ok) - 1);
}

static void listener(int fd)
{
    for (;;) {
        int c = accept(fd, NULL, NULL);
        if (c >= 0) {
            serve_one(c);
            close(c);
        }
    }
}

int main(int argc, char **argv)
{
    const char *name = argc > 0 ? base_name(argv[0]) : "clambda-telemetry";
    int port = 0;
    int fd = listen_local(&port);
    clambda_extension *ext;
    if (fd < 0 || clambda_extension_register(name, CLAMBDA_EXT_INVOKE | CLAMBDA_EXT_SHUTDOWN,
                                             &ext) != CLAMBDA_OK) {
        (void)fprintf(stderr, "[%s] cannot listen or register\n", name);
        return 1;
    }
    pid_t child = fork();
    if (child == 0) {
        listener(fd);
        _exit(0);
    }
    close(fd);
    int rc = clambda_extension_telemetry_subscribe(
        ext, CLAMBDA_TELEMETRY_PLATFORM | CLAMBDA_TELEMETRY_FUNCTION, port, "/telemetry", 0, 0,
        100);
    (void)fprintf(stderr, "[%s] telemetry subscription on port %d: %s\n", name, port,
                  clambda_strerror(rc));
    for (;;) {
        clambda_extension_event *ev;
        rc = clambda_extension_next(ext, &ev);
        if (rc == CLAMBDA_EPROTO) {
            continue;
        }
        if (rc != CLAMBDA_OK || clambda_extension_event_type(ev) == CLAMBDA_EXT_SHUTDOWN) {
            break;
        }
    }
    usleep(200 * 1000); /* the last batch (timeoutMs 100) */
    kill(child, SIGTERM);
    (void)waitpid(child, NULL, 0);
    clambda_extension_close(ext);
    return rc == CLAMBDA_OK ? 0 : 1;
}
