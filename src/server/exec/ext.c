/* SPDX-License-Identifier: MIT */
/* Lambda extensions of one environment: external processes from /opt/extensions, the
 * registrations, the Extensions API routes (extensions-api.md section 2, AWS's error types and
 * statuses) and event delivery. An extension is "busy" from its registration or from an
 * INVOKE until it calls event/next again; env.c completes init and invocations only when none
 * is busy (section 3). */
#include "exec/ext.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/ids.h"
#include "base/xalloc.h"
#include "exec/inv.h"
#include "exec/platform_events.h"
#include "sandbox.h"

#define EXT_PREFIX          "/2020-01-01/extension/"
#define EXT_MAX_FILES       ((size_t)EXT_MAX * 3) /* files looked at in /opt/extensions */
#define EXT_EVENTS_INVOKE   1u
#define EXT_EVENTS_SHUTDOWN 2u

struct ext {
    struct ext_set *set;
    char name[256];
    char id[IDS_UUID_LEN];
    bool is_external;
    bool is_registered;
    bool is_busy;         /* in init or an invocation: has not called event/next since */
    bool is_failed;       /* called init/error or exit/error: no further calls succeed */
    bool has_called_next; /* its init is over: init/error is out of order */
    unsigned events;
    struct httpd_conn *next_conn; /* waiting in event/next */
    char *pending;                /* an event for its next event/next (its request dropped) */
    /* external only */
    bool is_running;
    struct sandbox_proc proc;
    uv_pipe_t out_pipe;
    uv_pipe_t err_pipe;
    uv_poll_t exit_poll;
};

struct ext_set {
    struct ext_config cfg;
    struct ext exts[EXT_MAX * 4]; /* launched (any number up to this) and internal */
    int n_exts;
    char *dir; /* <opt_dir>/extensions on the host, or NULL */
    /* The external ones (exts[0..n_launch)) as the runtime's spawn starts them. */
    struct sandbox_companion launch[EXT_MAX_FILES];
    char *launch_paths[EXT_MAX_FILES];
    int n_launch;
    bool is_closed; /* registration closed for internal extensions */
    bool is_closing;
    int n_open; /* libuv handles not yet closed */
    /* --cpu-affinity: the environment's placement (ext_set_cpus), once it has one */
    cpu_set_t cpus;
    cpu_set_t apart;
    bool is_placed;
};

static uint8_t ext_buf[16 * 1024];

/* ---- answers ---- */

static void reply(struct httpd_conn *c, int status, const char *json)
{
    static const struct httpd_header h[] = {{"Content-Type", "application/json"}};
    httpd_respond(c, status, h, 1, json, strlen(json));
}

static void reply_error(struct httpd_conn *c, int status, const char *type, const char *msg)
{
    json_t *o = json_pack("{s:s,s:s}", "errorMessage", msg, "errorType", type);
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    reply(c, status, s ? s : "{}");
    free(s);
    json_decref(o);
}

/* ---- processes ---- */

static void set_free(struct ext_set *s)
{
    for (int i = 0; i < s->n_exts; i++) {
        sandbox_close_fds(&s->exts[i].proc);
        free(s->exts[i].pending);
    }
    for (int i = 0; i < s->n_launch; i++) {
        free(s->launch_paths[i]);
    }
    free(s->dir);
    free(s);
}

static void on_set_handle_closed(uv_handle_t *h)
{
    struct ext_set *s = h->data;
    if (--s->n_open == 0 && s->is_closing) {
        set_free(s);
    }
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    (void)suggested;
    *buf = uv_buf_init((char *)ext_buf, sizeof(ext_buf));
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    struct ext *x = st->data;
    enum logs_source src = st == (uv_stream_t *)&x->out_pipe ? LOGS_STDOUT : LOGS_STDERR;
    if (nread > 0) {
        logs_feed(x->set->cfg.log, src, (const uint8_t *)buf->base, (size_t)nread);
        telemetry_feed(x->set->cfg.tel, TELEMETRY_EXTENSION, (const uint8_t *)buf->base,
                       (size_t)nread);
    } else if (nread < 0) {
        (void)uv_read_stop(st);
    }
}

static void on_exit_ready(uv_poll_t *h, int status, int events)
{
    struct ext *x = h->data;
    int ws = 0;
    uint64_t kb = 0;
    bool oom = false;
    (void)status;
    (void)events;
    if (sandbox_reap(&x->proc, &ws, &kb, &oom) == -EAGAIN) {
        return;
    }
    (void)uv_poll_stop(h);
    x->is_running = false;
    x->set->cfg.on_exit(x->set->cfg.arg, x->name, !x->is_failed);
}

static void log_launch_error(struct ext_set *s, const char *name, const char *err)
{
    char *line = xasprintf("EXTENSION\tName: %s\tState: LaunchError\tError: %s\n", name, err);
    struct cl_buf b;
    cl_buf_init(&b, 4096);
    (void)cl_buf_append_str(&b, line);
    logs_platform(s->cfg.log, &b);
    cl_buf_fini(&b);
    free(line);
}

/* Watches a started extension: its output into the log stream, its exit. */
static void adopt(struct ext_set *s, struct ext *x, const struct sandbox_companion *c)
{
    if (c->proc.exit_fd < 0) {
        log_launch_error(s, x->name, c->err[0] ? c->err : "not started");
        x->is_failed = true;
        return;
    }
    uv_loop_t *loop = s->cfg.loop;
    x->proc = c->proc;
    x->is_running = true;
    (void)uv_pipe_init(loop, &x->out_pipe, 0);
    (void)uv_pipe_init(loop, &x->err_pipe, 0);
    (void)uv_poll_init(loop, &x->exit_poll, x->proc.exit_fd);
    s->n_open += 3;
    x->out_pipe.data = x->err_pipe.data = x->exit_poll.data = x;
    if (uv_pipe_open(&x->out_pipe, x->proc.out_fd) == 0) {
        x->proc.out_fd = -1;
        (void)uv_read_start((uv_stream_t *)&x->out_pipe, on_alloc, on_read);
    }
    if (uv_pipe_open(&x->err_pipe, x->proc.err_fd) == 0) {
        x->proc.err_fd = -1;
        (void)uv_read_start((uv_stream_t *)&x->err_pipe, on_alloc, on_read);
    }
    (void)uv_poll_start(&x->exit_poll, UV_READABLE, on_exit_ready);
}

struct sandbox_companion *ext_companions(struct ext_set *s, bool in_sandbox, int *n)
{
    for (int i = 0; i < s->n_launch; i++) {
        free(s->launch_paths[i]);
        s->launch_paths[i] = in_sandbox ? xasprintf("/opt/extensions/%s", s->exts[i].name)
                                        : xasprintf("%s/%s", s->dir, s->exts[i].name);
        memset(&s->launch[i], 0, sizeof(s->launch[i]));
        s->launch[i].path = s->launch_paths[i];
        s->launch[i].proc.exit_fd = -1;
    }
    *n = s->n_launch;
    return s->launch;
}

void ext_started(struct ext_set *s)
{
    for (int i = 0; i < s->n_launch; i++) {
        adopt(s, &s->exts[i], &s->launch[i]);
    }
}

char **ext_envp(char *const *envp)
{
    static const char *const runtime_only[] = {
        "AWS_EXECUTION_ENV",          "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_XRAY_CONTEXT_MISSING",
        "AWS_XRAY_DAEMON_ADDRESS",    "LAMBDA_RUNTIME_DIR",
        "LAMBDA_TASK_ROOT",           NULL};
    size_t n = 0;
    while (envp && envp[n]) {
        n++;
    }
    char **out = xcalloc(n + 1, sizeof(*out));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t klen = strcspn(envp[i], "=");
        bool drop = envp[i][0] == '_';
        for (size_t j = 0; !drop && runtime_only[j]; j++) {
            drop = strlen(runtime_only[j]) == klen && strncmp(envp[i], runtime_only[j], klen) == 0;
        }
        if (!drop) {
            out[k++] = envp[i];
        }
    }
    return out;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void ext_open(const struct ext_config *cfg, const char *opt_dir, struct ext_set **out)
{
    struct ext_set *s = xcalloc(1, sizeof(*s));
    s->cfg = *cfg;
    *out = s;
    s->dir = opt_dir ? xasprintf("%s/extensions", opt_dir) : NULL;
    DIR *d = s->dir ? opendir(s->dir) : NULL;
    char *names[EXT_MAX_FILES];
    size_t n = 0;
    for (struct dirent *de = d ? readdir(d) : NULL; de && n < EXT_MAX_FILES; de = readdir(d)) {
        struct stat st;
        char *p = xasprintf("%s/%s", s->dir, de->d_name);
        if (de->d_name[0] != '.' && stat(p, &st) == 0 && S_ISREG(st.st_mode) &&
            access(p, X_OK) == 0) {
            names[n++] = xstrdup(de->d_name);
        }
        free(p);
    }
    if (d) {
        (void)closedir(d);
    }
    qsort(names, n, sizeof(names[0]), by_name);
    for (size_t i = 0; i < n; i++) {
        struct ext *x = &s->exts[s->n_exts++];
        x->set = s;
        x->is_external = true;
        x->proc = SANDBOX_PROC_NONE;
        (void)snprintf(x->name, sizeof(x->name), "%s", names[i]);
        free(names[i]);
    }
    s->n_launch = s->n_exts;
}

/* ---- state ---- */

bool ext_all_idle(const struct ext_set *s)
{
    for (int i = 0; s && i < s->n_exts; i++) {
        const struct ext *x = &s->exts[i];
        if (x->is_failed) {
            continue;
        }
        if ((x->is_external && !x->is_registered) || (x->is_registered && x->is_busy)) {
            return false;
        }
    }
    return true;
}

int ext_count(const struct ext_set *s)
{
    int n = 0;
    for (int i = 0; s && i < s->n_exts; i++) {
        n += s->exts[i].is_registered;
    }
    return n;
}

void ext_close_registration(struct ext_set *s)
{
    if (s) {
        s->is_closed = true;
    }
}

static const char *events_list(unsigned ev)
{
    static const char *const lists[] = {"[]", "[INVOKE]", "[SHUTDOWN]", "[INVOKE, SHUTDOWN]"};
    return lists[ev & 3u];
}

void ext_log_ready(const struct ext_set *s, struct cl_buf *out)
{
    for (int i = 0; s && i < s->n_exts; i++) {
        const struct ext *x = &s->exts[i];
        if (x->is_registered) {
            (void)cl_buf_printf(out, "EXTENSION\tName: %s\tState: Ready\tEvents: %s\n", x->name,
                                events_list(x->events));
            platform_events_extension(s->cfg.tel, x->name, x->events & EXT_EVENTS_INVOKE,
                                      x->events & EXT_EVENTS_SHUTDOWN);
        }
    }
}

static void on_next_abort(struct httpd_conn *c, void *arg)
{
    struct ext *x = arg;
    if (x->next_conn == c) {
        x->next_conn = NULL;
    }
}

static void send_event(struct ext *x, const char *json, const char *event_id)
{
    if (x->next_conn == NULL) {
        free(x->pending);
        x->pending = xstrdup(json);
        return;
    }
    struct httpd_header h[2] = {{"Content-Type", "application/json"},
                                {"Lambda-Extension-Event-Identifier", event_id}};
    struct httpd_conn *c = x->next_conn;
    x->next_conn = NULL;
    httpd_conn_set_abort(c, NULL, NULL);
    httpd_respond(c, 200, h, 2, json, strlen(json));
}

/* x takes INVOKE events now. */
static bool takes_invoke(const struct ext *x)
{
    return x->is_registered && !x->is_failed && (x->events & EXT_EVENTS_INVOKE);
}

/* x's process on the CPUs of its kind (ext_set_cpus). */
static void place(const struct ext_set *s, const struct ext *x)
{
    if (!x->is_running || !s->is_placed) {
        return;
    }
    if (takes_invoke(x)) {
        (void)sandbox_set_cpus(&x->proc, &s->apart);
    } else if (!x->proc.is_foreign) {
        (void)sandbox_set_cpus(&x->proc, &s->cpus); /* full: its cgroup's placement did */
    }
}

/* True when some extension takes INVOKE events now. */
static bool any_invoke(const struct ext_set *s)
{
    for (int i = 0; s && i < s->n_exts; i++) {
        if (takes_invoke(&s->exts[i])) {
            return true;
        }
    }
    return false;
}

void ext_invoke(struct ext_set *s, const struct inv *inv, int64_t deadline_ms)
{
    if (!any_invoke(s)) {
        return; /* no event to build (most functions: no extension) */
    }
    json_t *o =
        json_pack("{s:s,s:I,s:s,s:s}", "eventType", "INVOKE", "deadlineMs", (json_int_t)deadline_ms,
                  "requestId", inv->id, "invokedFunctionArn", inv->arn);
    if (inv->trace[0]) {
        (void)json_object_set_new(
            o, "tracing", json_pack("{s:s,s:s}", "type", "X-Amzn-Trace-Id", "value", inv->trace));
    }
    char *json = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    for (int i = 0; s && json && i < s->n_exts; i++) {
        struct ext *x = &s->exts[i];
        if (takes_invoke(x)) {
            char eid[IDS_UUID_LEN];
            ids_uuid(eid);
            x->is_busy = true;
            send_event(x, json, eid);
        }
    }
    free(json);
}

bool ext_shutdown(struct ext_set *s, const char *reason, int64_t deadline_ms)
{
    bool any = false;
    json_t *o = json_pack("{s:s,s:s,s:I}", "eventType", "SHUTDOWN", "shutdownReason", reason,
                          "deadlineMs", (json_int_t)deadline_ms);
    char *json = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    for (int i = 0; s && json && i < s->n_exts; i++) {
        struct ext *x = &s->exts[i];
        if (!x->is_external || !x->is_running) {
            continue;
        }
        if (x->is_registered && !x->is_failed && (x->events & EXT_EVENTS_SHUTDOWN)) {
            char eid[IDS_UUID_LEN];
            ids_uuid(eid);
            x->is_busy = true;
            send_event(x, json, eid);
            any = true;
        } else {
            (void)sandbox_signal(&x->proc, SIGKILL);
        }
    }
    free(json);
    return any;
}

void ext_kill(struct ext_set *s)
{
    for (int i = 0; s && i < s->n_exts; i++) {
        if (s->exts[i].is_running) {
            (void)sandbox_signal(&s->exts[i].proc, SIGKILL);
        }
    }
}

void ext_set_cpus(struct ext_set *s, const cpu_set_t *set, const cpu_set_t *apart)
{
    if (s == NULL) {
        return;
    }
    s->cpus = *set;
    s->apart = *apart;
    s->is_placed = true;
    for (int i = 0; i < s->n_exts; i++) {
        place(s, &s->exts[i]);
    }
}

uint64_t ext_peak_rss_kb(struct ext_set *s)
{
    uint64_t kb = 0;
    for (int i = 0; s && i < s->n_exts; i++) {
        if (s->exts[i].is_running) {
            kb += sandbox_peak_rss_kb(&s->exts[i].proc);
        }
    }
    return kb;
}

bool ext_running(const struct ext_set *s)
{
    for (int i = 0; s && i < s->n_exts; i++) {
        if (s->exts[i].is_running) {
            return true;
        }
    }
    return false;
}

void ext_close(struct ext_set *s)
{
    if (s == NULL) {
        return;
    }
    s->is_closing = true;
    for (int i = 0; i < s->n_exts; i++) {
        struct ext *x = &s->exts[i];
        if (x->next_conn) {
            httpd_conn_set_abort(x->next_conn, NULL, NULL);
            x->next_conn = NULL;
        }
        if (x->is_running) {
            (void)sandbox_signal(&x->proc, SIGKILL);
        }
        if (x->out_pipe.data == x) {
            x->out_pipe.data = x->err_pipe.data = x->exit_poll.data = s;
            uv_close((uv_handle_t *)&x->out_pipe, on_set_handle_closed);
            uv_close((uv_handle_t *)&x->err_pipe, on_set_handle_closed);
            uv_close((uv_handle_t *)&x->exit_poll, on_set_handle_closed);
        }
    }
    if (s->n_open == 0) {
        set_free(s);
    }
}

/* ---- requests ---- */

static bool is_uuid(const char *id)
{
    if (strlen(id) != 36) {
        return false;
    }
    for (int i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        char c = id[i];
        bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (dash ? c != '-' : !hex) {
            return false;
        }
    }
    return true;
}

/* The extension named by the identifier header, or NULL after answering the error. */
static struct ext *identify(struct ext_set *s, struct httpd_conn *c,
                            const struct http1_request *req)
{
    const char *id = http1_header(req, "Lambda-Extension-Identifier");
    if (id == NULL || id[0] == '\0') {
        reply_error(c, 403, "Extension.MissingExtensionIdentifier",
                    "Missing Lambda-Extension-Identifier header");
        return NULL;
    }
    if (!is_uuid(id)) {
        reply_error(c, 403, "Extension.InvalidExtensionIdentifier",
                    "Invalid Lambda-Extension-Identifier");
        return NULL;
    }
    for (int i = 0; i < s->n_exts; i++) {
        struct ext *x = &s->exts[i];
        if (x->is_registered && strcasecmp(x->id, id) == 0) {
            if (x->is_failed) {
                reply_error(c, 403, "Extension.InvalidExtensionState",
                            "State transition from Failed is not allowed");
                return NULL;
            }
            return x;
        }
    }
    reply_error(c, 403, "Extension.UnknownExtensionIdentifier", "Unknown extension");
    return NULL;
}

/* Parses the register body's events. 0, or -EBADMSG (not JSON, configurationKeys) or -EINVAL
 * (unknown event) after answering. */
static int parse_events(struct httpd_conn *c, const struct http1_request *req, unsigned *out)
{
    json_error_t jerr;
    json_t *o = req->body ? json_loadb((const char *)req->body, req->body_len, 0, &jerr) : NULL;
    json_t *ev = json_object_get(o, "events");
    int rc = 0;
    *out = 0;
    if (!json_is_object(o) || json_object_get(o, "configurationKeys") != NULL ||
        (ev != NULL && !json_is_array(ev) && !json_is_null(ev))) {
        reply_error(c, 403, "InvalidRequestFormat", "Invalid request format");
        rc = -EBADMSG;
    }
    for (size_t i = 0; rc == 0 && json_is_array(ev) && i < json_array_size(ev); i++) {
        const char *name = json_string_value(json_array_get(ev, i));
        if (name && strcmp(name, "INVOKE") == 0) {
            *out |= EXT_EVENTS_INVOKE;
        } else if (name && strcmp(name, "SHUTDOWN") == 0) {
            *out |= EXT_EVENTS_SHUTDOWN;
        } else {
            reply_error(c, 403, "Extension.InvalidEventType", "Invalid event type");
            rc = -EINVAL;
        }
    }
    json_decref(o);
    return rc;
}

/* The slot for a new registration named name, or NULL after answering the error. */
static struct ext *slot_for(struct ext_set *s, struct httpd_conn *c, const char *name,
                            unsigned events)
{
    struct ext *x = NULL;
    for (int i = 0; i < s->n_exts; i++) {
        if (strcmp(s->exts[i].name, name) == 0) {
            x = &s->exts[i];
        }
    }
    if (x && (x->is_registered || x->is_failed)) {
        reply_error(c, 403, "Extension.InvalidExtensionState", "Extension already registered");
        return NULL;
    }
    if (x == NULL && s->is_closed) {
        reply_error(c, 403, "Extension.RegistrationClosed", "Extension registration closed");
        return NULL;
    }
    if (x == NULL && (events & EXT_EVENTS_SHUTDOWN)) {
        reply_error(c, 403, "Extension.InvalidEventType",
                    "Internal extensions cannot register for SHUTDOWN");
        return NULL;
    }
    if (ext_count(s) >= EXT_MAX || (x == NULL && s->n_exts >= EXT_MAX * 4)) {
        reply_error(c, 403, "Extension.TooManyExtensions", "Extension limit (10) reached");
        return NULL;
    }
    if (x == NULL) {
        x = &s->exts[s->n_exts++];
        memset(x, 0, sizeof(*x));
        x->set = s;
        x->proc = SANDBOX_PROC_NONE;
        (void)snprintf(x->name, sizeof(x->name), "%s", name);
    }
    return x;
}

static void handle_register(struct ext_set *s, struct httpd_conn *c,
                            const struct http1_request *req)
{
    const char *name = http1_header(req, "Lambda-Extension-Name");
    const char *feat = http1_header(req, "Lambda-Extension-Accept-Feature");
    unsigned events = 0;
    if (name == NULL || name[0] == '\0') {
        reply_error(c, 403, "Extension.InvalidExtensionName", "Empty extension name");
        return;
    }
    if (strlen(name) >= sizeof(s->exts[0].name)) {
        reply_error(c, 403, "Extension.InvalidExtensionName", "Extension name too long");
        return;
    }
    if (parse_events(c, req, &events) < 0) {
        return;
    }
    struct ext *x = slot_for(s, c, name, events);
    if (x == NULL) {
        return;
    }
    x->is_registered = true;
    x->is_busy = true; /* in init until its first event/next */
    x->events = events;
    ids_uuid(x->id);
    place(s, x);
    const struct ext_config *cfg = &s->cfg;
    json_t *o = json_pack("{s:s,s:s,s:s}", "functionName", cfg->fn->name, "functionVersion",
                          cfg->fn->version, "handler", cfg->fn->handler ? cfg->fn->handler : "");
    if (feat && strstr(feat, "accountId") != NULL) {
        (void)json_object_set_new(o, "accountId", json_string(cfg->account ? cfg->account : ""));
    }
    char *body = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    struct httpd_header h[2] = {{"Content-Type", "application/json"},
                                {"Lambda-Extension-Identifier", x->id}};
    httpd_respond(c, 200, h, 2, body, strlen(body));
    free(body);
}

static void handle_next(struct ext_set *s, struct httpd_conn *c, const struct http1_request *req)
{
    struct ext *x = identify(s, c, req);
    if (x == NULL) {
        return;
    }
    if (x->next_conn) {
        reply_error(c, 403, "Extension.InvalidExtensionState",
                    "State transition from Ready to Ready is not allowed");
        return;
    }
    x->next_conn = c;
    x->has_called_next = true;
    httpd_conn_set_abort(c, on_next_abort, x);
    if (x->pending) { /* an event it has not seen yet: it is still busy with that one */
        char eid[IDS_UUID_LEN];
        char *json = x->pending;
        x->pending = NULL;
        ids_uuid(eid);
        send_event(x, json, eid);
        free(json);
        return;
    }
    if (x->is_busy) {
        x->is_busy = false;
        s->cfg.on_progress(s->cfg.arg);
    }
}

static void handle_error(struct ext_set *s, struct httpd_conn *c, const struct http1_request *req,
                         bool is_init)
{
    struct ext *x = identify(s, c, req);
    if (x == NULL) {
        return;
    }
    const char *type = http1_header(req, "Lambda-Extension-Function-Error-Type");
    if (type == NULL || type[0] == '\0') {
        reply_error(c, 403, "Extension.MissingHeader",
                    "Missing Lambda-Extension-Function-Error-Type header");
        return;
    }
    if (is_init && x->has_called_next) {
        reply_error(c, 403, "Extension.InvalidExtensionState",
                    "State transition from Ready to InitError is not allowed");
        return;
    }
    reply(c, 202, "{\"status\":\"OK\"}");
    x->is_failed = true;
    x->is_busy = false;
    if (x->next_conn) {
        httpd_conn_set_abort(x->next_conn, NULL, NULL);
        reply_error(x->next_conn, 403, "Extension.InvalidExtensionState", "Extension failed");
        x->next_conn = NULL;
    }
    s->cfg.on_error(s->cfg.arg, x->name, is_init ? "Extension.InitError" : "Extension.ExitError");
}

/* PUT /2022-07-01/telemetry or /2020-08-15/logs: true when req is one of them. */
static bool handle_subscription(struct ext_set *s, struct httpd_conn *c,
                                const struct http1_request *req, size_t path_len)
{
    static const char tel[] = "/2022-07-01/telemetry";
    static const char logs[] = "/2020-08-15/logs";
    bool is_tel = path_len == sizeof(tel) - 1 && memcmp(req->url, tel, path_len) == 0;
    bool is_logs = path_len == sizeof(logs) - 1 && memcmp(req->url, logs, path_len) == 0;
    if (!is_tel && !is_logs) {
        return false;
    }
    struct ext *x = NULL;
    if (s == NULL || s->cfg.tel == NULL) {
        httpd_respond(c, 404, NULL, 0, "", 0);
    } else if (strcmp(req->method, "PUT") != 0) {
        reply(c, 405,
              "{\"errorMessage\":\"Method Not Allowed\",\"errorType\":\"MethodNotAllowed\"}");
    } else if ((x = identify(s, c, req)) != NULL) {
        telemetry_subscribe(s->cfg.tel, c, req, x->name, is_logs);
    }
    return true;
}

bool ext_handle(struct ext_set *s, struct httpd_conn *c, const struct http1_request *req)
{
    size_t path_len = strcspn(req->url, "?");
    size_t plen = strlen(EXT_PREFIX);
    if (handle_subscription(s, c, req, path_len)) {
        return true;
    }
    if (path_len < plen || strncmp(req->url, EXT_PREFIX, plen) != 0) {
        return false;
    }
    const char *rest = req->url + plen;
    size_t rest_len = path_len - plen;
    bool is_post = strcmp(req->method, "POST") == 0;
#define IS(lit) (rest_len == sizeof(lit) - 1 && memcmp(rest, lit, rest_len) == 0)
    if (s == NULL) {
        httpd_respond(c, 404, NULL, 0, "", 0);
    } else if (IS("register") && is_post) {
        handle_register(s, c, req);
    } else if (IS("event/next") && strcmp(req->method, "GET") == 0) {
        handle_next(s, c, req);
    } else if (IS("init/error") && is_post) {
        handle_error(s, c, req, true);
    } else if (IS("exit/error") && is_post) {
        handle_error(s, c, req, false);
    } else {
        reply(c, 404, "{\"errorMessage\":\"Not Found\",\"errorType\":\"NotFound\"}");
    }
#undef IS
    return true;
}
