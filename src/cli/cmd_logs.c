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
    int status = CLI_EXIT_FAIL;
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
            status = *out ? 0 : CLI_EXIT_FAIL;
        }
    }
    free(r.head);
    free(body);
    cl_buf_fini(&req);
    cl_buf_fini(&resp);
    return status;
}

/* Prints every event from the cursor on (all pages). 0 or CLI_EXIT_FAIL. */
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

enum { OPT_FOLLOW, OPT_SINCE, OPT_ENDPOINT };

static const struct cli_opt opts[] = {
    {OPT_FOLLOW, "follow", NULL, "keep printing new events (every second) until interrupted", NULL},
    {OPT_SINCE, "since", "DURATION", "start this far back: N[s|m|h|d] (default 10m)", NULL},
    {OPT_ENDPOINT, "endpoint-url", "URL",
     "the clambda server (default $CLAMBDA_ENDPOINT or http://127.0.0.1:9000)", NULL},
    {OPT_ENDPOINT, "endpoint", "URL", "same as --endpoint-url", NULL},
};

static int logs_main(int argc, char **argv);

const struct cli_cmd cmd_logs_cmd = {
    .name = "logs",
    .synopsis = "NAME",
    .summary = "print (and follow) a function's log events from a clambda server",
    .details = "Reads /aws/lambda/NAME through the server's CloudWatch Logs API "
               "(FilterLogEvents), like `aws logs tail`; lines are \"<time> <stream> <message>\".",
    .opts = opts,
    .n_opts = sizeof(opts) / sizeof(opts[0]),
    .main = logs_main,
};

/* 0 to go on, else the exit status. */
static int parse_opts(int argc, char **argv, struct logs_opts *o)
{
    struct cli_opts_state st;
    int c;
    int rc = 0;
    cli_opts_init(&st, &cmd_logs_cmd);
    while (rc == 0 && (c = cli_opts_next(&st, argc, argv)) >= 0) {
        if (c == OPT_FOLLOW) {
            o->follow = true;
        } else if (c == OPT_SINCE && parse_duration(st.arg, &o->since_ms) < 0) {
            rc = cli_opts_usage_error(&cmd_logs_cmd, "--since %s: want N[s|m|h|d]", st.arg);
        } else if (c == OPT_ENDPOINT) {
            o->endpoint = st.arg;
        }
    }
    cli_opts_fini(&st);
    if (rc == 0 && c != CLI_OPTS_END) {
        rc = c == CLI_OPTS_HELP ? -1 : CLI_EXIT_USAGE;
    }
    if (rc == 0 && optind + 1 != argc) {
        rc = cli_opts_usage_error(&cmd_logs_cmd, "give one function NAME");
    }
    o->name = rc == 0 ? argv[optind] : NULL;
    return rc;
}

static int logs_main(int argc, char **argv)
{
    struct logs_opts o = {.endpoint = cli_http_default_endpoint(), .since_ms = 600000};
    int rc = parse_opts(argc, argv, &o);
    if (rc != 0) {
        return rc < 0 ? CLI_EXIT_OK : rc;
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
