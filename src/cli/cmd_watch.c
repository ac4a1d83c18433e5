/* SPDX-License-Identifier: MIT */
/* `clambda watch`; see cmd_watch.h. One thread: poll() over the inotify fd of src/, the server's
 * stdout and a signalfd. The server is a child process (cli_serve_child); the code goes to it
 * through its control-plane API, as to AWS: CreateFunction the first time, UpdateFunctionCode
 * after every good build. The server then retires the old environments only once their
 * invocation is answered (docs/internals/pool.md), so no in-flight invoke is dropped. */
#include "cmd_watch.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "base/xalloc.h"
#include "cl_b64.h"
#include "cl_buf.h"
#include "cli_build.h"
#include "cli_http.h"
#include "cli_project.h"
#include "cli_serve_child.h"

#define WATCH_MAX_ZIP     ((size_t)70 * 1024 * 1024) /* base64 of AWS's 50 MB direct upload */
#define WATCH_MAX_ANSWER  ((size_t)1024 * 1024)
#define WATCH_START_S     60 /* the server's start (full isolation prepares a root) */
#define WATCH_ROLE        "arn:aws:iam::000000000000:role/clambda-watch"
#define WATCH_DEBOUNCE_MS 30

enum {
    OPT_RELEASE,
    OPT_ARM64,
    OPT_X86,
    OPT_LISTEN,
    OPT_STATE,
    OPT_ISOLATION,
    OPT_DEBOUNCE,
    OPT_PROJECT
};

static const struct cli_opt opts[] = {
    {OPT_RELEASE, "release", NULL, "build with --release (default: debug, -O0 -g)", NULL},
    {OPT_ARM64, "arm64", NULL, "build for arm64 (served under qemu-user on x86_64)", NULL},
    {OPT_X86, "x86-64", NULL, "build for x86_64 (the default)", NULL},
    {OPT_LISTEN, "listen", "HOST:PORT", "where the server listens (default 127.0.0.1:9000)", NULL},
    {OPT_STATE, "state-dir", "DIR", "the server's state (default target/lambda/.watch)", "@dir"},
    {OPT_ISOLATION, "isolation", "MODE", "the server's isolation: auto (default), full or none",
     "auto full none"},
    {OPT_DEBOUNCE, "debounce-ms", "MS", "quiet time after a change before the rebuild (30)", NULL},
    {OPT_PROJECT, "project", "DIR", "the project directory (default: the current one)", "@dir"},
};

static int watch_main(int argc, char **argv);

const struct cli_cmd cmd_watch_cmd = {
    .name = "watch",
    .synopsis = "",
    .summary = "build, serve (Invoke API and Function URL) and rebuild on every saved change",
    .details = "Builds the project as `clambda build` does (with --output-format zip), starts "
               "`clambda serve` as a child process, creates the function there with a Function "
               "URL (AuthType NONE) and prints both addresses. Every saved change in src/ "
               "rebuilds it and swaps the code in with UpdateFunctionCode: invocations running "
               "finish on the old code, the next ones get the new. A build that fails is shown "
               "and the last good one keeps serving. Ctrl-C stops the server.",
    .opts = opts,
    .n_opts = sizeof(opts) / sizeof(opts[0]),
    .main = watch_main,
};

struct watch {
    struct cli_project p;
    struct cli_build_opts bo;
    struct cli_build_out out;
    const char *listen, *state, *isolation, *project;
    char state_buf[2600];
    long debounce_ms;
    struct cli_serve_child srv;
    bool created;  /* the function exists on the server */
    bool has_url;  /* its Function URL config exists */
    int n_updates; /* good builds swapped in */
};

static double now_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- command line ------------------------------------------------------------------------- */

static int take(struct watch *w, int c, const char *arg)
{
    char *end = NULL;
    switch (c) {
    case OPT_DEBOUNCE:
        errno = 0;
        w->debounce_ms = strtol(arg, &end, 10);
        if (errno || end == arg || *end || w->debounce_ms < 0 || w->debounce_ms > 10000) {
            return cli_opts_usage_error(&cmd_watch_cmd, "--debounce-ms %s: want 0..10000", arg);
        }
        return 0;
    case OPT_ISOLATION:
        if (strcmp(arg, "auto") != 0 && strcmp(arg, "full") != 0 && strcmp(arg, "none") != 0) {
            return cli_opts_usage_error(&cmd_watch_cmd, "--isolation %s: auto, full or none", arg);
        }
        w->isolation = arg;
        return 0;
    default:
        break;
    }
    w->bo.release |= c == OPT_RELEASE;
    w->bo.arm64 = c == OPT_ARM64 ? true : c == OPT_X86 ? false : w->bo.arm64;
    w->listen = c == OPT_LISTEN ? arg : w->listen;
    w->state = c == OPT_STATE ? arg : w->state;
    w->project = c == OPT_PROJECT ? arg : w->project;
    return 0;
}

/* 0 to go on, -1 after --help, else the exit status. */
static int parse(struct watch *w, int argc, char **argv)
{
    struct cli_opts_state st;
    int c, rc = 0;
    cli_opts_init(&st, &cmd_watch_cmd);
    while (rc == 0 && (c = cli_opts_next(&st, argc, argv)) >= 0) {
        rc = take(w, c, st.arg);
    }
    cli_opts_fini(&st);
    if (rc != 0 || c != CLI_OPTS_END) {
        return rc ? rc : c == CLI_OPTS_HELP ? -1 : CLI_EXIT_USAGE;
    }
    if (optind != argc) {
        return cli_opts_usage_error(&cmd_watch_cmd, "unexpected argument %s", argv[optind]);
    }
    char err[1024];
    if (cli_project_find(w->project, &w->p, err, sizeof(err)) < 0) {
        (void)fprintf(stderr, "clambda watch: %s\n", err);
        return CLI_EXIT_FAIL;
    }
    if (w->p.is_extension) {
        (void)fprintf(stderr,
                      "clambda watch: %s is an extension: watch serves a function "
                      "(build the extension with `clambda build` and attach it to a "
                      "function as a layer)\n",
                      w->p.name);
        return CLI_EXIT_FAIL;
    }
    if (w->state == NULL) {
        (void)snprintf(w->state_buf, sizeof(w->state_buf), "%s/target/lambda/.watch", w->p.dir);
        w->state = w->state_buf;
    }
    w->bo.zip = true;
    return 0;
}

/* ---- the server's control-plane API ------------------------------------------------------- */

/* Sends method target with body (JSON, consumed; may be NULL). OUT: *status, *answer (the
 * answer's JSON or NULL; json_decref). 0, or -1 on a transport error (printed). */
static int api(const struct watch *w, const char *method, const char *target, json_t *body,
               int *status, json_t **answer)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    size_t len = text ? strlen(text) : 0;
    json_decref(body);
    struct cl_buf req, resp;
    cl_buf_init(&req, (size_t)16 * 1024);
    cl_buf_init(&resp, WATCH_MAX_ANSWER);
    int rc = cl_buf_printf(&req,
                           "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                           "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                           method, target, w->srv.endpoint + strlen("http://"), len);
    struct cli_http_response r = {0};
    rc = rc == 0 ? cli_http_exchange("clambda watch", w->srv.endpoint, &req, (uint8_t *)text, len,
                                     &resp)
                 : -1;
    if (rc == 0 && cli_http_parse(&resp, &r) < 0) {
        (void)fprintf(stderr, "clambda watch: %s %s: a malformed answer\n", method, target);
        rc = -1;
    }
    *status = rc == 0 ? r.status : 0;
    *answer = rc == 0 ? json_loadb((const char *)r.body, r.body_len, 0, NULL) : NULL;
    free(r.head);
    free(text);
    cl_buf_fini(&req);
    cl_buf_fini(&resp);
    return rc;
}

/* Prints "clambda watch: WHAT failed: HTTP S TYPE: MESSAGE". */
static void api_error(const char *what, int status, const json_t *answer)
{
    const char *type = json_string_value(json_object_get(answer, "__type"));
    const char *msg = json_string_value(json_object_get(answer, "message"));
    msg = msg ? msg : json_string_value(json_object_get(answer, "Message"));
    (void)fprintf(stderr, "clambda watch: %s failed: HTTP %d %s: %s\n", what, status,
                  type ? type : "", msg ? msg : "");
}

/* The zip, base64-encoded, into b64. 0 or -1 (printed). */
static int load_zip(const char *path, struct cl_buf *b64)
{
    FILE *f = fopen(path, "re");
    struct cl_buf raw;
    cl_buf_init(&raw, WATCH_MAX_ZIP);
    uint8_t chunk[65536];
    size_t n;
    int rc = f ? 0 : -errno;
    while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        rc = cl_buf_append(&raw, chunk, n);
    }
    if (f) {
        (void)fclose(f);
    }
    rc = rc ? rc : cl_b64_encode(b64, raw.data, raw.len);
    cl_buf_fini(&raw);
    if (rc < 0) {
        (void)fprintf(stderr, "clambda watch: reading %s: %s\n", path, strerror(-rc));
    }
    return rc < 0 ? -1 : 0;
}

/* Creates the function (first time) or updates its code. 0 or -1 (printed). */
static int push_code(struct watch *w)
{
    struct cl_buf b64;
    cl_buf_init(&b64, WATCH_MAX_ZIP);
    if (load_zip(w->out.zip_path, &b64) < 0) {
        cl_buf_fini(&b64);
        return -1;
    }
    const char *arch = w->bo.arm64 ? "arm64" : "x86_64";
    char target[512];
    json_t *body, *answer = NULL;
    int status = 0, rc;
    if (!w->created) {
        body = json_pack("{s:s, s:s, s:s, s:s, s:{s:s%}, s:[s], s:i}", "FunctionName", w->p.name,
                         "Runtime", "provided.al2023", "Handler", "bootstrap", "Role", WATCH_ROLE,
                         "Code", "ZipFile", (const char *)b64.data, b64.len, "Architectures", arch,
                         "Timeout", 30);
        rc = api(w, "POST", "/2015-03-31/functions", body, &status, &answer);
    } else {
        (void)snprintf(target, sizeof(target), "/2015-03-31/functions/%s/code", w->p.name);
        body = json_pack("{s:s%, s:[s]}", "ZipFile", (const char *)b64.data, b64.len,
                         "Architectures", arch);
        rc = api(w, "PUT", target, body, &status, &answer);
    }
    cl_buf_fini(&b64);
    bool good = rc == 0 && status >= 200 && status < 300;
    if (rc == 0 && !good) {
        api_error(w->created ? "UpdateFunctionCode" : "CreateFunction", status, answer);
    }
    json_decref(answer);
    w->created |= good;
    return good ? 0 : -1;
}

/* Whether the function exists on the server already (a state dir kept from an earlier run). */
static int probe_existing(struct watch *w)
{
    char target[512];
    json_t *answer = NULL;
    int status = 0;
    (void)snprintf(target, sizeof(target), "/2015-03-31/functions/%s/configuration", w->p.name);
    int rc = api(w, "GET", target, NULL, &status, &answer);
    json_decref(answer);
    w->created = rc == 0 && status == 200;
    return rc;
}

/* url ("http://ID.lambda-url.REGION.localhost[:PORT]/") with the port of endpoint: the server
 * stores the URL with the port the config was created through, and a kept state dir may come
 * from a run on another port (the host form is matched on the URL id, whatever the port). */
static void url_on_port(const char *url, const char *endpoint, char *out, size_t cap)
{
    const char *host = strstr(url, "://");
    host = host ? host + 3 : url;
    size_t host_len = strcspn(host, "/");
    const char *colon = memchr(host, ':', host_len);
    size_t name_len = colon ? (size_t)(colon - host) : host_len;
    const char *port = strrchr(endpoint, ':');
    (void)snprintf(out, cap, "%.*s%.*s%s%s", (int)(host - url), url, (int)name_len, host,
                   port ? port : "", host + host_len);
}

/* The Function URL config (AuthType NONE), made once; prints both addresses. */
static void function_url(struct watch *w)
{
    char target[512];
    json_t *answer = NULL;
    int status = 0;
    (void)snprintf(target, sizeof(target), "/2021-10-31/functions/%s/url", w->p.name);
    int rc = api(w, "POST", target, json_pack("{s:s}", "AuthType", "NONE"), &status, &answer);
    if (rc == 0 && status == 409) {
        json_decref(answer);
        rc = api(w, "GET", target, NULL, &status, &answer);
    }
    const char *url = json_string_value(json_object_get(answer, "FunctionUrl"));
    if (rc == 0 && status >= 200 && status < 300 && url) {
        char here[1024];
        url_on_port(url, w->srv.endpoint, here, sizeof(here));
        (void)printf("Function URL: %s\n              %s/lambda-url/%s/\n", here, w->srv.endpoint,
                     w->p.name);
        w->has_url = true;
    } else if (rc == 0) {
        api_error("CreateFunctionUrlConfig", status, answer);
    }
    json_decref(answer);
}

/* ---- the loop ----------------------------------------------------------------------------- */

/* Builds and, when the build is good and new, swaps the code in. */
static void rebuild(struct watch *w, double t_change)
{
    double t0 = now_ms();
    if (cli_build_run(&w->p, &w->bo, &w->out) < 0) {
        (void)fprintf(stderr,
                      "clambda watch: the build failed%s; watching src/ for the next "
                      "save\n",
                      w->created ? ": the last good build keeps serving" : "");
        return;
    }
    if (!w->out.rebuilt && w->n_updates > 0) {
        return;
    }
    double t1 = now_ms();
    bool first = !w->created;
    if (push_code(w) < 0) {
        (void)fprintf(stderr, "clambda watch: the new build is not served%s\n",
                      w->created ? ": the last good build keeps serving" : "");
        return;
    }
    w->n_updates++;
    if (!w->has_url) {
        function_url(w);
    }
    (void)printf("clambda watch: %s %s in %.0f ms (build %.0f ms, %s %.0f ms)\n", w->p.name,
                 first ? "serving" : "updated", now_ms() - t_change, t1 - t0,
                 first ? "CreateFunction" : "UpdateFunctionCode", now_ms() - t1);
    (void)fflush(stdout);
}

/* Whether an inotify event names a source the build reads (src/ *.c, *.h); editors' swap and
 * backup files are not. */
static bool is_source(const struct inotify_event *ev)
{
    size_t n = ev->len ? strlen(ev->name) : 0;
    return n > 2 && ev->name[0] != '.' &&
           (strcmp(ev->name + n - 2, ".c") == 0 || strcmp(ev->name + n - 2, ".h") == 0);
}

/* Reads inotify's pending events; true when one of them is a source. */
static bool drain_events(int fd)
{
    _Alignas(struct inotify_event) char buf[8192];
    bool hit = false;
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            hit |= is_source(ev) || (ev->mask & IN_Q_OVERFLOW) != 0;
            p += sizeof(*ev) + ev->len;
        }
    }
    return hit;
}

/* Copies what the server prints to stdout; false once it closed it (it exited). */
static bool relay_server(struct watch *w)
{
    char buf[4096];
    ssize_t n = read(w->srv.out_fd, buf, sizeof(buf));
    if (n > 0) {
        (void)fwrite(buf, 1, (size_t)n, stdout);
        (void)fflush(stdout);
    }
    return n > 0 || (n < 0 && errno == EINTR);
}

/* Waits for changes until a signal or the server's end; the exit status. */
static int loop(struct watch *w, int ino, int sig)
{
    struct pollfd fds[3] = {{ino, POLLIN, 0}, {w->srv.out_fd, POLLIN, 0}, {sig, POLLIN, 0}};
    for (;;) {
        if (poll(fds, 3, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            (void)fprintf(stderr, "clambda watch: poll: %s\n", strerror(errno));
            return CLI_EXIT_FAIL;
        }
        if (fds[2].revents) {
            (void)fprintf(stderr, "clambda watch: stopping the server\n");
            return CLI_EXIT_OK;
        }
        if (fds[1].revents && !relay_server(w)) {
            (void)fprintf(stderr, "clambda watch: the server exited\n");
            return CLI_EXIT_FAIL;
        }
        if (fds[0].revents && drain_events(ino)) {
            double t_change = now_ms();
            /* debounce: an editor's save is often several events (write, rename, chmod) */
            struct pollfd q = {ino, POLLIN, 0};
            while (poll(&q, 1, (int)w->debounce_ms) > 0) {
                (void)drain_events(ino);
            }
            rebuild(w, t_change);
        }
    }
}

static int start_server(struct watch *w)
{
    const char *args[12];
    size_t n = 0;
    args[n++] = "--listen";
    args[n++] = w->listen ? w->listen : "127.0.0.1:9000";
    args[n++] = "--state-dir";
    args[n++] = w->state;
    if (w->isolation) {
        args[n++] = "--isolation";
        args[n++] = w->isolation;
    }
    args[n] = NULL;
    char err[1024];
    if (cli_serve_child_start(&w->srv, args, WATCH_START_S, err, sizeof(err)) < 0) {
        (void)fprintf(stderr, "clambda watch: %s\n", err);
        return -1;
    }
    return probe_existing(w);
}

static int watch_main(int argc, char **argv)
{
    struct watch *w = xcalloc(1, sizeof(*w));
    w->debounce_ms = WATCH_DEBOUNCE_MS;
    int rc = parse(w, argc, argv);
    if (rc != 0) {
        free(w);
        return rc < 0 ? CLI_EXIT_OK : rc;
    }
    sigset_t mask;
    (void)sigemptyset(&mask);
    (void)sigaddset(&mask, SIGINT);
    (void)sigaddset(&mask, SIGTERM);
    (void)sigprocmask(SIG_BLOCK, &mask, NULL);
    int sig = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    int ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    char src[2100];
    (void)snprintf(src, sizeof(src), "%s/src", w->p.dir);
    if (sig < 0 || ino < 0 ||
        inotify_add_watch(ino, src, IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM) < 0) {
        (void)fprintf(stderr, "clambda watch: %s: %s\n",
                      sig < 0   ? "signalfd"
                      : ino < 0 ? "inotify_init1"
                                : src,
                      strerror(errno));
        rc = CLI_EXIT_FAIL;
    }
    /* the server first, so that its address is known when the first build is pushed (the
     * child unblocks SIGINT and SIGTERM: execv keeps the mask) */
    rc = rc ? rc : start_server(w) < 0 ? CLI_EXIT_FAIL : 0;
    if (rc == 0) {
        (void)printf("clambda watch: %s: watching %s (Ctrl-C stops)\n"
                     "Invoke API:   %s  (clambda invoke %s --endpoint-url %s)\n",
                     w->p.name, src, w->srv.endpoint, w->p.name, w->srv.endpoint);
        (void)fflush(stdout);
        rebuild(w, now_ms());
        rc = loop(w, ino, sig);
    }
    cli_serve_child_stop(&w->srv, 5, NULL);
    if (ino >= 0) {
        (void)close(ino);
    }
    if (sig >= 0) {
        (void)close(sig);
    }
    free(w);
    return rc;
}
