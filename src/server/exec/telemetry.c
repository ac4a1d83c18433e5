/* SPDX-License-Identifier: MIT */
/* Telemetry API and Logs API subscriptions of one environment and their delivery: records
 * are queued per subscriber as JSON text, flushed as one JSON array per POST when maxItems,
 * maxBytes or timeoutMs is reached, over a fresh libuv TCP connection to the subscriber's
 * listener. sandbox.localdomain is the environment: 127.0.0.1 of its network namespace, where
 * the socket is made (sandbox_socket), or of the host when it has none. While the environment
 * is frozen nothing is sent and a POST in flight is not timed: its subscriber cannot run, and
 * AWS too delivers what an idle environment's extensions missed once it is thawed. */
#include "exec/telemetry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/xalloc.h"
#include "cl_buf.h"
#include "sandbox.h"

#define TELEMETRY_MAX_SUBS      10
#define TELEMETRY_BACKLOG       256
#define TELEMETRY_LINE_MAX      ((size_t)256 * 1024)
#define TELEMETRY_SEND_MS       5000 /* a POST not answered by then is abandoned */
#define TELEMETRY_RESERVED_PORT 9001

struct rec {
    unsigned type;
    char *json;
    size_t len;
};

struct sub {
    struct telemetry *t;
    char name[256];
    unsigned types;
    int port;
    char path[512];
    uint32_t max_items, max_bytes, timeout_ms;
    struct rec *q;
    size_t n_q, q_bytes;
    uint64_t dropped, dropped_bytes;
    uv_timer_t timer;
    /* the POST in flight */
    bool is_sending;
    uv_tcp_t tcp;
    uv_connect_t connect;
    uv_write_t write;
    uv_timer_t send_timer;
    char *out;
    size_t out_len;
};

struct telemetry {
    uv_loop_t *loop;
    struct sub *subs[TELEMETRY_MAX_SUBS];
    int n_subs;
    struct rec *backlog; /* grown on demand up to TELEMETRY_BACKLOG (most environments hold a
                            few records: 6 KiB inline was a tenth of an idle environment) */
    size_t n_backlog, cap_backlog;
    struct cl_buf line[2];           /* partial function / extension lines */
    const struct sandbox_proc *proc; /* whose network namespace subscribers listen in */
    bool is_frozen;
    bool is_closing;
    int n_open;
};

static uint8_t read_buf[4096];

static void iso_now(char *out, size_t cap)
{
    struct timespec ts;
    struct tm tm;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    (void)gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    (void)snprintf(out + n, cap - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

void telemetry_new(uv_loop_t *loop, struct telemetry **out)
{
    struct telemetry *t = xcalloc(1, sizeof(*t));
    t->loop = loop;
    cl_buf_init(&t->line[0], TELEMETRY_LINE_MAX);
    cl_buf_init(&t->line[1], TELEMETRY_LINE_MAX);
    *out = t;
}

void telemetry_set_proc(struct telemetry *t, const struct sandbox_proc *p)
{
    t->proc = p;
}

bool telemetry_active(const struct telemetry *t)
{
    return t && t->n_subs > 0;
}

bool telemetry_wanted(const struct telemetry *t)
{
    return t && !t->is_closing && (t->n_subs > 0 || t->n_backlog < TELEMETRY_BACKLOG);
}

/* ---- delivery ---- */

static void flush(struct sub *s);

static void free_all(struct telemetry *t)
{
    {
        for (int i = 0; i < t->n_subs; i++) {
            for (size_t k = 0; k < t->subs[i]->n_q; k++) {
                free(t->subs[i]->q[k].json);
            }
            free(t->subs[i]->q);
            free(t->subs[i]->out);
            free(t->subs[i]);
        }
        for (size_t k = 0; k < t->n_backlog; k++) {
            free(t->backlog[k].json);
        }
        free(t->backlog);
        cl_buf_fini(&t->line[0]);
        cl_buf_fini(&t->line[1]);
        free(t);
    }
}

static void on_closed(uv_handle_t *h)
{
    struct telemetry *t = h->data;
    if (--t->n_open == 0 && t->is_closing) {
        free_all(t);
    }
}

static void on_tcp_closed(uv_handle_t *h)
{
    struct sub *s = h->data;
    struct telemetry *t = s->t;
    bool again = !t->is_closing && (s->n_q > 0 || s->dropped > 0);
    s->is_sending = false;
    free(s->out);
    s->out = NULL;
    h->data = t;
    on_closed(h); /* frees t (and s) when closing */
    if (again) {
        flush(s);
    }
}

static void end_send(struct sub *s)
{
    if (!uv_is_closing((uv_handle_t *)&s->tcp)) {
        (void)uv_timer_stop(&s->send_timer);
        uv_close((uv_handle_t *)&s->tcp, on_tcp_closed);
    }
}

static void on_send_timeout(uv_timer_t *h)
{
    end_send(h->data);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    (void)suggested;
    *buf = uv_buf_init((char *)read_buf, sizeof(read_buf));
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    (void)buf;
    if (n != 0) { /* any answer (or EOF, or an error) ends the POST */
        end_send(st->data);
    }
}

static void on_written(uv_write_t *w, int status)
{
    struct sub *s = w->data;
    if (status < 0 || uv_read_start((uv_stream_t *)&s->tcp, on_alloc, on_read) < 0) {
        end_send(s);
    }
}

static void on_connect(uv_connect_t *c, int status)
{
    struct sub *s = c->data;
    if (status < 0) {
        end_send(s);
        return;
    }
    uv_buf_t b = uv_buf_init(s->out, (unsigned)s->out_len);
    s->write.data = s;
    if (uv_write(&s->write, (uv_stream_t *)&s->tcp, &b, 1, on_written) < 0) {
        end_send(s);
    }
}

/* The platform.logsDropped record for what s dropped since the last one. */
static char *dropped_record(struct sub *s)
{
    char when[40];
    iso_now(when, sizeof(when));
    json_t *o = json_pack("{s:s,s:s,s:{s:s,s:I,s:I}}", "time", when, "type", "platform.logsDropped",
                          "record", "reason",
                          "Some logs were dropped because the downstream consumer is slower "
                          "than the logs production rate",
                          "droppedRecords", (json_int_t)s->dropped, "droppedBytes",
                          (json_int_t)s->dropped_bytes);
    char *j = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    s->dropped = s->dropped_bytes = 0;
    return j;
}

static void flush(struct sub *s)
{
    struct telemetry *t = s->t;
    if (s->is_sending || t->is_closing || t->is_frozen || (s->n_q == 0 && s->dropped == 0)) {
        return;
    }
    (void)uv_timer_stop(&s->timer);
    struct cl_buf body;
    cl_buf_init(&body, (size_t)-1);
    int rc = cl_buf_append_str(&body, "[");
    char *drop = s->dropped ? dropped_record(s) : NULL;
    if (drop) {
        rc = rc ? rc : cl_buf_append_str(&body, drop);
        free(drop);
    }
    size_t n = 0;
    for (; rc == 0 && n < s->n_q && n < s->max_items && body.len < s->max_bytes; n++) {
        rc = (body.len > 1 ? cl_buf_append_str(&body, ",") : 0);
        rc = rc ? rc : cl_buf_append(&body, (const uint8_t *)s->q[n].json, s->q[n].len);
        s->q_bytes -= s->q[n].len;
        free(s->q[n].json);
    }
    memmove(s->q, s->q + n, (s->n_q - n) * sizeof(*s->q));
    s->n_q -= n;
    rc = rc ? rc : cl_buf_append_str(&body, "]");
    struct cl_buf req;
    cl_buf_init(&req, (size_t)-1);
    rc = rc ? rc
            : cl_buf_printf(&req,
                            "POST %s HTTP/1.1\r\nHost: sandbox.localdomain:%d\r\n"
                            "Content-Type: application/json\r\nContent-Length: %zu\r\n"
                            "Connection: close\r\n\r\n",
                            s->path, s->port, body.len);
    rc = rc ? rc : cl_buf_append(&req, body.data, body.len);
    cl_buf_fini(&body);
    if (rc < 0) {
        cl_buf_fini(&req);
        return;
    }
    s->out_len = req.len;
    s->out = xmalloc(req.len);
    memcpy(s->out, req.data, req.len);
    cl_buf_fini(&req);
    struct sockaddr_in addr;
    (void)uv_ip4_addr("127.0.0.1", s->port, &addr);
    (void)uv_tcp_init(t->loop, &s->tcp);
    t->n_open++;
    s->tcp.data = s;
    s->connect.data = s;
    s->is_sending = true;
    (void)uv_timer_start(&s->send_timer, on_send_timeout, TELEMETRY_SEND_MS, 0);
    int fd = -1;
    if (t->proc != NULL &&
        (sandbox_socket(t->proc, AF_INET, SOCK_STREAM, &fd) < 0 || uv_tcp_open(&s->tcp, fd) < 0)) {
        if (fd >= 0) {
            (void)close(fd);
        }
        end_send(s);
        return;
    }
    if (uv_tcp_connect(&s->connect, &s->tcp, (const struct sockaddr *)&addr, on_connect) < 0) {
        end_send(s);
    }
}

static void on_buffer_timeout(uv_timer_t *h)
{
    flush(h->data);
}

void telemetry_set_frozen(struct telemetry *t, bool is_frozen)
{
    if (t == NULL || t->is_frozen == is_frozen) {
        return;
    }
    t->is_frozen = is_frozen;
    for (int i = 0; i < t->n_subs; i++) {
        struct sub *s = t->subs[i];
        if (is_frozen && s->is_sending) {
            (void)uv_timer_stop(&s->send_timer); /* its subscriber cannot answer now */
        } else if (!is_frozen && s->is_sending) {
            (void)uv_timer_start(&s->send_timer, on_send_timeout, TELEMETRY_SEND_MS, 0);
        } else if (!is_frozen) {
            flush(s); /* what was held back while frozen */
        }
    }
}

/* Queues json (copied) for s, or counts it as dropped when s is too far behind. */
static void enqueue(struct sub *s, const char *json, size_t len)
{
    if (s->n_q >= (size_t)s->max_items * 2 || s->q_bytes + len > (size_t)s->max_bytes * 2) {
        s->dropped++;
        s->dropped_bytes += len;
        return;
    }
    s->q = xrealloc(s->q, (s->n_q + 1) * sizeof(*s->q));
    s->q[s->n_q].json = xstrdup(json);
    s->q[s->n_q].len = len;
    s->n_q++;
    s->q_bytes += len;
    if (s->n_q >= s->max_items || s->q_bytes >= s->max_bytes) {
        flush(s);
    } else if (!uv_is_active((uv_handle_t *)&s->timer)) {
        (void)uv_timer_start(&s->timer, on_buffer_timeout, s->timeout_ms, 0);
    }
}

static void emit(struct telemetry *t, unsigned type, const char *type_name, json_t *record)
{
    if (!telemetry_wanted(t)) {
        json_decref(record);
        return;
    }
    char when[40];
    iso_now(when, sizeof(when));
    json_t *o = json_pack("{s:s,s:s,s:o}", "time", when, "type", type_name, "record", record);
    char *j = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (j == NULL) {
        return;
    }
    size_t len = strlen(j);
    for (int i = 0; i < t->n_subs; i++) {
        if (t->subs[i]->types & type) {
            enqueue(t->subs[i], j, len);
        }
    }
    if (t->n_backlog < TELEMETRY_BACKLOG) {
        if (t->n_backlog == t->cap_backlog) {
            t->cap_backlog = t->cap_backlog ? 2 * t->cap_backlog : 8;
            t->backlog = xrealloc(t->backlog, t->cap_backlog * sizeof(*t->backlog));
        }
        t->backlog[t->n_backlog++] = (struct rec){.type = type, .json = j, .len = len};
    } else {
        free(j);
    }
}

void telemetry_platform(struct telemetry *t, const char *type, json_t *record)
{
    emit(t, TELEMETRY_PLATFORM, type, record);
}

void telemetry_feed(struct telemetry *t, enum telemetry_type type, const uint8_t *p, size_t n)
{
    if (t == NULL) {
        return;
    }
    struct cl_buf *b = &t->line[type == TELEMETRY_FUNCTION ? 0 : 1];
    const char *name = type == TELEMETRY_FUNCTION ? "function" : "extension";
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '\n') {
            (void)cl_buf_append_byte(b, p[i]); /* beyond the cap the line is cut */
            continue;
        }
        emit(t, (unsigned)type, name, json_stringn(b->len ? (const char *)b->data : "", b->len));
        cl_buf_reset(b);
    }
}

/* ---- subscriptions ---- */

static void reply_validation(struct httpd_conn *c, const char *msg)
{
    static const struct httpd_header h[] = {{"Content-Type", "application/json"}};
    json_t *o = json_pack("{s:s,s:s}", "errorMessage", msg, "errorType", "ValidationError");
    char *j = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    httpd_respond(c, 400, h, 1, j, strlen(j));
    free(j);
}

/* Reads buffering member key into *out within [lo, hi] (absent: default kept). */
static bool buffering_member(const json_t *buf, const char *key, uint32_t lo, uint32_t hi,
                             uint32_t *out)
{
    const json_t *v = json_object_get(buf, key);
    if (v == NULL) {
        return true;
    }
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        return false;
    }
    *out = (uint32_t)json_integer_value(v);
    return true;
}

static const char *parse_types(const json_t *types, unsigned *out)
{
    *out = 0;
    if (!json_is_array(types) || json_array_size(types) == 0) {
        return "types must be a non-empty array";
    }
    for (size_t i = 0; i < json_array_size(types); i++) {
        const char *n = json_string_value(json_array_get(types, i));
        if (n && strcmp(n, "platform") == 0) {
            *out |= TELEMETRY_PLATFORM;
        } else if (n && strcmp(n, "function") == 0) {
            *out |= TELEMETRY_FUNCTION;
        } else if (n && strcmp(n, "extension") == 0) {
            *out |= TELEMETRY_EXTENSION;
        } else {
            return "types: unknown type (platform, function, extension)";
        }
    }
    return NULL;
}

/* The destination: HTTP to a listener in the environment. NULL or the error message. */
static const char *parse_destination(const json_t *d, struct sub *s)
{
    const char *proto = json_string_value(json_object_get(d, "protocol"));
    const char *uri = json_string_value(json_object_get(d, "URI"));
    if (proto == NULL || strcmp(proto, "HTTP") != 0) {
        return "destination.protocol must be HTTP (TCP destinations are not supported)";
    }
    if (uri == NULL || strncmp(uri, "http://", 7) != 0) {
        return "destination.URI must be an http:// URI";
    }
    const char *host = uri + 7;
    size_t host_len = strcspn(host, ":/");
    bool inside = (host_len == 19 && strncmp(host, "sandbox.localdomain", 19) == 0) ||
                  (host_len == 9 && strncmp(host, "localhost", 9) == 0) ||
                  (host_len == 9 && strncmp(host, "127.0.0.1", 9) == 0);
    if (!inside) {
        return "destination.URI must point into the execution environment (sandbox.localdomain)";
    }
    const char *rest = host + host_len;
    long port = 80;
    if (*rest == ':') {
        char *end = NULL;
        port = strtol(rest + 1, &end, 10);
        rest = end;
    }
    if (port <= 0 || port > 65535 || port == TELEMETRY_RESERVED_PORT ||
        (*rest != '\0' && *rest != '/')) {
        return "destination.URI: invalid or reserved port";
    }
    s->port = (int)port;
    (void)snprintf(s->path, sizeof(s->path), "%s", *rest ? rest : "/");
    return NULL;
}

static const char *parse_sub(const json_t *o, bool is_logs_api, struct sub *s)
{
    const char *schema = json_string_value(json_object_get(o, "schemaVersion"));
    if (!json_is_object(o)) {
        return "the body must be a JSON object";
    }
    if (!is_logs_api && (schema == NULL || (strcmp(schema, "2022-07-01") != 0 &&
                                            strcmp(schema, "2022-12-13") != 0))) {
        return "schemaVersion must be 2022-07-01 or 2022-12-13";
    }
    const char *err = parse_types(json_object_get(o, "types"), &s->types);
    if (err) {
        return err;
    }
    const json_t *buf = json_object_get(o, "buffering");
    s->max_items = 10000;
    s->max_bytes = 262144;
    s->timeout_ms = 1000;
    if (buf &&
        (!json_is_object(buf) || !buffering_member(buf, "maxItems", 1000, 10000, &s->max_items) ||
         !buffering_member(buf, "maxBytes", 262144, 1048576, &s->max_bytes) ||
         !buffering_member(buf, "timeoutMs", 25, 30000, &s->timeout_ms))) {
        return "buffering: maxItems 1000-10000, maxBytes 262144-1048576, timeoutMs 25-30000";
    }
    return parse_destination(json_object_get(o, "destination"), s);
}

void telemetry_subscribe(struct telemetry *t, struct httpd_conn *c, const struct http1_request *req,
                         const char *name, bool is_logs_api)
{
    json_error_t jerr;
    json_t *o = req->body ? json_loadb((const char *)req->body, req->body_len, 0, &jerr) : NULL;
    struct sub tmp = {0};
    const char *err = o ? parse_sub(o, is_logs_api, &tmp) : "the body must be a JSON object";
    json_decref(o);
    if (err) {
        reply_validation(c, err);
        return;
    }
    struct sub *s = NULL;
    for (int i = 0; i < t->n_subs; i++) {
        if (strcmp(t->subs[i]->name, name) == 0) {
            s = t->subs[i]; /* a new subscription replaces the extension's last one */
        }
    }
    if (s == NULL && t->n_subs == TELEMETRY_MAX_SUBS) {
        reply_validation(c, "too many subscriptions");
        return;
    }
    if (s == NULL) {
        s = xcalloc(1, sizeof(*s));
        s->t = t;
        (void)uv_timer_init(t->loop, &s->timer);
        (void)uv_timer_init(t->loop, &s->send_timer);
        t->n_open += 2;
        s->timer.data = s->send_timer.data = s;
        t->subs[t->n_subs++] = s;
    }
    (void)snprintf(s->name, sizeof(s->name), "%s", name);
    s->types = tmp.types;
    s->port = tmp.port;
    memcpy(s->path, tmp.path, sizeof(s->path));
    s->max_items = tmp.max_items;
    s->max_bytes = tmp.max_bytes;
    s->timeout_ms = tmp.timeout_ms;
    static const struct httpd_header h[] = {{"Content-Type", "application/json"}};
    httpd_respond(c, 200, h, 1, "\"OK\"", 4);
    for (size_t i = 0; i < t->n_backlog; i++) { /* what happened before it subscribed */
        if (s->types & t->backlog[i].type) {
            enqueue(s, t->backlog[i].json, t->backlog[i].len);
        }
    }
    json_t *types = json_array();
    static const char *const names[] = {"platform", "function", "extension"};
    for (unsigned k = 0; k < 3; k++) {
        if (s->types & (1u << k)) {
            (void)json_array_append_new(types, json_string(names[k]));
        }
    }
    emit(t, TELEMETRY_PLATFORM,
         is_logs_api ? "platform.logsSubscription" : "platform.telemetrySubscription",
         json_pack("{s:s,s:s,s:o}", "name", name, "state", "Subscribed", "types", types));
}

void telemetry_close(struct telemetry *t)
{
    if (t == NULL) {
        return;
    }
    t->is_closing = true;
    for (int i = 0; i < t->n_subs; i++) {
        struct sub *s = t->subs[i];
        s->timer.data = s->send_timer.data = t;
        uv_close((uv_handle_t *)&s->timer, on_closed);
        uv_close((uv_handle_t *)&s->send_timer, on_closed);
        if (s->is_sending && !uv_is_closing((uv_handle_t *)&s->tcp)) {
            uv_close((uv_handle_t *)&s->tcp, on_tcp_closed);
        }
    }
    if (t->n_open == 0) {
        free_all(t);
    }
}
