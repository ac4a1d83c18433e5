/* SPDX-License-Identifier: MIT */
/* `clambda logs`; see cmd_logs.h. Pages through FilterLogEvents with nextToken; when following,
 * asks again every second from the last event's time, skipping the event ids it already
 * printed at that millisecond (the same way `aws logs tail --follow` does). */
#include "cmd_logs.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/xalloc.h"
#include "cl_buf.h"
#include "cli_http.h"

#define LOGS_MAX_RESPONSE ((size_t)64 * 1024 * 1024)
#define LOGS_POLL_MS      1000

struct logs_opts {
    const char *name;
    const char *endpoint;
    bool follow;
    int64_t since_ms;
};

/* Where the reading stands: the last event time and the ids printed at that time. */
struct cursor {
    int64_t start_ms;
    char **seen;
    size_t n_seen;
};

static const char usage[] =
    "usage: clambda logs NAME [--follow] [--since DURATION] [--endpoint-url URL]\n"
    "DURATION: N[s|m|h|d] (default 10m); endpoint default: $CLAMBDA_ENDPOINT or "
    "http://127.0.0.1:9000\n";

/* "90", "90s", "10m", "2h", "1d" in ms. 0 or -EINVAL. */
static int parse_duration(const char *s, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    int64_t unit = 1000;
    if (errno || end == s || v < 0 || v > 100LL * 365 * 86400) {
        return -EINVAL;
    }
    if (*end == 'm') {
        unit = 60000;
    } else if (*end == 'h') {
        unit = 3600000;
    } else if (*end == 'd') {
        unit = 86400000;
    } else if (*end != 's' && *end != '\0') {
        return -EINVAL;
    }
    if (*end && end[1]) {
        return -EINVAL;
    }
    *out = (int64_t)v * unit;
    return 0;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void cursor_forget(struct cursor *c)
{
    for (size_t i = 0; i < c->n_seen; i++) {
        free(c->seen[i]);
    }
    free(c->seen);
    c->seen = NULL;
    c->n_seen = 0;
}

static bool cursor_seen(const struct cursor *c, const char *id)
{
    for (size_t i = 0; i < c->n_seen; i++) {
        if (strcmp(c->seen[i], id) == 0) {
            return true;
        }
    }
    return false;
}

/* Prints one event unless already printed; moves the cursor. */
static void print_event(struct cursor *c, json_t *e)
{
    int64_t ts = json_integer_value(json_object_get(e, "timestamp"));
    const char *id = json_string_value(json_object_get(e, "eventId"));
    const char *stream = json_string_value(json_object_get(e, "logStreamName"));
    const char *msg = json_string_value(json_object_get(e, "message"));
    id = id ? id : "";
    if (ts < c->start_ms || (ts == c->start_ms && cursor_seen(c, id))) {
        return;
    }
    if (ts > c->start_ms) {
        cursor_forget(c);
        c->start_ms = ts;
    }
    c->seen = xrealloc(c->seen, (c->n_seen + 1) * sizeof(*c->seen));
    c->seen[c->n_seen++] = xstrdup(id);
    time_t secs = (time_t)(ts / 1000);
    struct tm tm;
    char when[40] = "";
    if (gmtime_r(&secs, &tm)) {
        (void)strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
    }
    (void)printf("%s.%03dZ %s %s\n", when, (int)(ts % 1000), stream ? stream : "", msg ? msg : "");
}

/* One FilterLogEvents call. OUT: *out (json_decref). 0, or 2 after printing an error. */
static int filter(const struct logs_opts *o, const struct cursor *c, const char *token,
                  json_t **out)
{
    json_t *in = json_object();
    char *group = xasprintf("/aws/lambda/%s", o->name);
    (void)json_object_set_new(in, "logGroupName", json_string(group));
    (void)json_object_set_new(in, "startTime", json_integer(c->start_ms));
    if (token) {
        (void)json_object_set_new(in, "nextToken", json_string(token));
    }
    char *body = json_dumps(in, JSON_COMPACT);
    json_decref(in);
    free(group);
    struct cl_buf req, resp;
    cl_buf_init(&req, 4096);
    cl_buf_init(&resp, LOGS_MAX_RESPONSE);
    int rc = cl_buf_printf(&req,
                           "POST / HTTP/1.1\r\nHost: clambda\r\nContent-Type: "
                           "application/x-amz-json-1.1\r\nX-Amz-Target: "
                           "Logs_20140328.FilterLogEvents\r\nContent-Length: %zu\r\n"
                           "Connection: close\r\n\r\n",
                           body ? strlen(body) : 0);
    struct cli_http_response r = {0, NULL, NULL, 0};
    int status = 2;
    if (body && rc == 0 &&
        cli_http_exchange("clambda logs", o->endpoint, &req, (const uint8_t *)body, strlen(body),
                          &resp) == 0) {
        if (cli_http_parse(&resp, &r) < 0) {
            (void)fprintf(stderr, "clambda logs: malformed response\n");
        } else if (r.status != 200) {
            (void)fprintf(stderr, "clambda logs: HTTP %d: %.*s\n", r.status, (int)r.body_len,
                          (const char *)r.body);
        } else {
            *out = json_loadb((const char *)r.body, r.body_len, 0, NULL);
            status = *out ? 0 : 2;
        }
    }
    free(r.head);
    free(body);
    cl_buf_fini(&req);
    cl_buf_fini(&resp);
    return status;
}

/* Prints every event from the cursor on (all pages). 0 or 2. */
static int read_all(const struct logs_opts *o, struct cursor *c)
{
    char *token = NULL;
    int rc = 0;
    do {
        json_t *page = NULL;
        rc = filter(o, c, token, &page);
        free(token);
        token = NULL;
        if (rc != 0) {
            break;
        }
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(page, "events"), i, e)
        {
            print_event(c, e);
        }
        const char *t = json_string_value(json_object_get(page, "nextToken"));
        token = t ? xstrdup(t) : NULL;
        json_decref(page);
    } while (token);
    (void)fflush(stdout);
    return rc;
}

static int parse_opts(int argc, char **argv, struct logs_opts *o)
{
    static const struct option opts[] = {{"follow", no_argument, NULL, 'f'},
                                         {"since", required_argument, NULL, 's'},
                                         {"endpoint-url", required_argument, NULL, 'e'},
                                         {"endpoint", required_argument, NULL, 'e'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'f') {
            o->follow = true;
        } else if (c == 's' && parse_duration(optarg, &o->since_ms) == 0) {
            continue;
        } else if (c == 'e') {
            o->endpoint = optarg;
        } else if (c == 'h') {
            (void)fputs(usage, stdout);
            return 1;
        } else {
            (void)fputs(usage, stderr);
            return 2;
        }
    }
    if (optind + 1 != argc) {
        (void)fputs(usage, stderr);
        return 2;
    }
    o->name = argv[optind];
    return 0;
}

int cmd_logs_main(int argc, char **argv)
{
    struct logs_opts o = {.endpoint = cli_http_default_endpoint(), .since_ms = 600000};
    int rc = parse_opts(argc, argv, &o);
    if (rc != 0) {
        return rc == 1 ? 0 : 2;
    }
    struct cursor c = {.start_ms = now_ms() - o.since_ms};
    rc = read_all(&o, &c);
    while (rc == 0 && o.follow) {
        (void)usleep(LOGS_POLL_MS * 1000);
        rc = read_all(&o, &c);
    }
    cursor_forget(&c);
    return rc;
}
