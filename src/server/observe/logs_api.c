/* SPDX-License-Identifier: MIT */
/* The Logs API subset; see logs_api.h. Every request reads the files afresh (no index kept in
 * memory): the files are capped by rotation, and a local platform serves few log readers.
 * Paging tokens are positions, not indexes, so they stay valid while files grow or are pruned:
 * FilterLogEvents' token is the sort key "<ms>/<stream>/<part>/<offset>" of the next event,
 * GetLogEvents' tokens are "f/<part>/<offset>" and "b/<part>/<offset>". */
#include "observe/logs_api.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uv.h>

#include "base/func.h"
#include "base/ids.h"
#include "base/xalloc.h"
#include "observe/logs_files.h"

#define GROUP_PREFIX  "/aws/lambda/"
#define TARGET_PREFIX "Logs_20140328."
#define EVENTS_MAX    10000
#define DESCRIBE_MAX  50
#define TOKEN_MAX     512

/* One request being answered. The operation runs on a libuv worker thread (it reads files,
 * which must not stall the loop), touching only this struct; the answer is sent from the loop
 * afterwards, unless the client went away meanwhile. */
struct req {
    const struct logs_api *api;
    json_t *in;
    void (*op)(struct req *r);
    char function[FUNC_NAME_MAX + 1];
    int status; /* the answer: status, body, error type (static string or NULL) */
    json_t *out;
    const char *err_type;
    uv_work_t work;
    struct httpd_conn *c; /* NULL once the client is gone; loop thread only */
};

static void reply(struct req *r, int status, json_t *body, const char *type)
{
    json_decref(r->out);
    r->status = status;
    r->out = body;
    r->err_type = type;
}

static void error(struct req *r, const char *type, const char *message)
{
    json_t *o = json_object();
    (void)json_object_set_new(o, "__type", json_string(type));
    (void)json_object_set_new(o, "message", json_string(message));
    reply(r, 400, o, type);
}

/* Sends r's answer on c (loop thread) and releases it. */
static void send_reply(struct httpd_conn *c, struct req *r)
{
    char *text = json_dumps(r->out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(r->out);
    r->out = NULL;
    char rid[IDS_UUID_LEN];
    ids_uuid(rid);
    struct httpd_header h[3] = {{"Content-Type", "application/x-amz-json-1.1"},
                                {"x-amzn-RequestId", rid},
                                {"x-amzn-ErrorType", r->err_type}};
    httpd_respond(c, r->status, h, r->err_type ? 3 : 2, text, strlen(text));
    free(text);
}

static const char *in_str(const struct req *r, const char *key)
{
    return json_string_value(json_object_get(r->in, key));
}

/* An optional integer member in [lo, hi]. OUT: *out (def when absent). False after an error. */
static bool in_int(struct req *r, const char *key, int64_t lo, int64_t hi, int64_t def,
                   int64_t *out)
{
    json_t *v = json_object_get(r->in, key);
    *out = def;
    if (v == NULL || json_is_null(v)) {
        return true;
    }
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        char *m = xasprintf("1 validation error detected: Value at '%s' failed to satisfy "
                            "constraint: Member must be an integer in [%" PRId64 ", %" PRId64 "]",
                            key, lo, hi);
        error(r, "InvalidParameterException", m);
        free(m);
        return false;
    }
    *out = json_integer_value(v);
    return true;
}

/* Resolves logGroupName (or logGroupIdentifier) to an existing function log directory. */
static bool resolve_group(struct req *r)
{
    const char *g = in_str(r, "logGroupName");
    g = g ? g : in_str(r, "logGroupIdentifier");
    if (g == NULL) {
        error(r, "InvalidParameterException",
              "1 validation error detected: Value null at 'logGroupName' failed to satisfy "
              "constraint: Member must not be null");
        return false;
    }
    const char *name =
        strncmp(g, GROUP_PREFIX, strlen(GROUP_PREFIX)) == 0 ? g + strlen(GROUP_PREFIX) : NULL;
    struct stat st;
    char *dir = name && func_name_valid(name, strlen(name))
                    ? xasprintf("%s/logs/%s", r->api->state_dir, name)
                    : NULL;
    bool ok = dir && stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
    free(dir);
    if (!ok) {
        error(r, "ResourceNotFoundException", "The specified log group does not exist.");
        return false;
    }
    (void)snprintf(r->function, sizeof(r->function), "%s", name);
    return true;
}

static void scan_group(const struct req *r, struct logs_files *fl)
{
    char *dir = xasprintf("%s/logs/%s", r->api->state_dir, r->function);
    logs_files_scan(dir, fl);
    logs_files_sort(fl);
    free(dir);
}

/* FNV-1a of a stream name, part of event ids. */
static uint32_t fnv(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h = (h ^ (uint8_t)*s) * 16777619u;
    }
    return h;
}

static json_t *event_json(const struct logs_files *fl, const struct logs_event *e, bool full)
{
    json_t *o = json_object();
    const struct logs_file *f = &fl->v[e->file];
    if (full) {
        (void)json_object_set_new(o, "logStreamName", json_string(f->stream));
    }
    (void)json_object_set_new(o, "timestamp", json_integer(e->ts));
    json_t *msg = json_stringn(e->msg, e->len);
    (void)json_object_set_new(o, "message", msg ? msg : json_string("(invalid UTF-8)"));
    (void)json_object_set_new(o, "ingestionTime", json_integer(e->ts));
    if (full) {
        char id[64];
        (void)snprintf(id, sizeof(id), "%020" PRId64 "%010" PRIu32 "%06d%016" PRIu64, e->ts,
                       fnv(f->stream), f->part, e->offset);
        (void)json_object_set_new(o, "eventId", json_string(id));
    }
    return o;
}

/* A stream's position (part, offset); compares in file order. */
struct pos {
    int part;
    uint64_t offset;
};

static int pos_cmp(struct pos a, struct pos b)
{
    if (a.part != b.part) {
        return a.part < b.part ? -1 : 1;
    }
    return (a.offset > b.offset) - (a.offset < b.offset);
}

/* ---- FilterLogEvents ---- */

/* Sort key of FilterLogEvents: time, stream, part, offset (arg: the files). */
static int by_time(const void *a, const void *b, void *arg)
{
    const struct logs_files *sort_files = arg;
    const struct logs_event *x = a, *y = b;
    if (x->ts != y->ts) {
        return x->ts < y->ts ? -1 : 1;
    }
    const struct logs_file *fx = &sort_files->v[x->file], *fy = &sort_files->v[y->file];
    int c = strcmp(fx->stream, fy->stream);
    if (c) {
        return c;
    }
    return pos_cmp((struct pos){fx->part, x->offset}, (struct pos){fy->part, y->offset});
}

/* True when every term of pattern (space separated, quotes dropped) occurs in the message. */
static bool matches(const char *pattern, const struct logs_event *e)
{
    char term[256];
    const char *p = pattern;
    while (p && *p) {
        p += strspn(p, " \"");
        size_t n = strcspn(p, " \"");
        if (n == 0) {
            break;
        }
        if (n >= sizeof(term)) {
            n = sizeof(term) - 1;
        }
        memcpy(term, p, n);
        term[n] = '\0';
        if (memmem(e->msg, e->len, term, n) == NULL) {
            return false;
        }
        p += n;
    }
    return true;
}

/* True when stream (of the filter's logStreamNames / logStreamNamePrefix) is searched. */
static bool stream_selected(const struct req *r, const char *stream)
{
    const char *prefix = in_str(r, "logStreamNamePrefix");
    json_t *names = json_object_get(r->in, "logStreamNames");
    if (prefix && strncmp(stream, prefix, strlen(prefix)) != 0) {
        return false;
    }
    if (json_is_array(names) && json_array_size(names) > 0) {
        size_t i;
        json_t *v;
        json_array_foreach(names, i, v)
        {
            if (json_is_string(v) && strcmp(json_string_value(v), stream) == 0) {
                return true;
            }
        }
        return false;
    }
    return true;
}

/* Parses a FilterLogEvents token into the key of the next event. */
static bool parse_filter_token(const char *tok, int64_t *ts, char *stream, size_t cap,
                               struct pos *p)
{
    char *end = NULL;
    errno = 0;
    *ts = strtoll(tok, &end, 10);
    if (errno || *end != '/') {
        return false;
    }
    const char *s = end + 1;
    const char *last = strrchr(s, '/');
    const char *mid = last ? memrchr(s, '/', (size_t)(last - s)) : NULL;
    if (mid == NULL || (size_t)(mid - s) >= cap) {
        return false;
    }
    memcpy(stream, s, (size_t)(mid - s));
    stream[mid - s] = '\0';
    p->part = (int)strtol(mid + 1, &end, 10);
    if (end != last) {
        return false;
    }
    p->offset = strtoull(last + 1, &end, 10);
    return *end == '\0';
}

/* Index of the first event at or after the token's key. */
static size_t filter_start(const struct logs_files *fl, const struct logs_events *ev, int64_t ts,
                           const char *stream, struct pos p)
{
    size_t i = 0;
    for (; i < ev->n; i++) {
        const struct logs_event *e = &ev->v[i];
        const struct logs_file *f = &fl->v[e->file];
        int c = e->ts != ts ? (e->ts < ts ? -1 : 1) : strcmp(f->stream, stream);
        if (c == 0) {
            c = pos_cmp((struct pos){f->part, e->offset}, p);
        }
        if (c >= 0) {
            break;
        }
    }
    return i;
}

/* Reads the selected streams' events in [start, end), sorted by time. */
static void filter_collect(struct req *r, struct logs_files *fl, struct logs_events *ev,
                           int64_t start, int64_t end, json_t *searched)
{
    const char *pattern = in_str(r, "filterPattern");
    const char *prev = NULL;
    for (size_t i = 0; i < fl->n; i++) {
        if (!stream_selected(r, fl->v[i].stream)) {
            continue;
        }
        size_t before = ev->n;
        (void)logs_files_read(fl, i, start, end, ev);
        size_t kept = before;
        for (size_t k = before; k < ev->n; k++) {
            if (pattern == NULL || matches(pattern, &ev->v[k])) {
                ev->v[kept++] = ev->v[k];
            }
        }
        ev->n = kept;
        if (prev == NULL || strcmp(prev, fl->v[i].stream) != 0) {
            json_t *s = json_object();
            (void)json_object_set_new(s, "logStreamName", json_string(fl->v[i].stream));
            (void)json_object_set_new(s, "searchedCompletely", json_true());
            (void)json_array_append_new(searched, s);
        }
        prev = fl->v[i].stream;
    }
    if (ev->n > 1) {
        qsort_r(ev->v, ev->n, sizeof(ev->v[0]), by_time, fl);
    }
}

static void filter_log_events(struct req *r)
{
    int64_t start, end, limit;
    /* parameters are validated before the group is looked up, as AWS does */
    if (!in_int(r, "startTime", 0, INT64_MAX, 0, &start) ||
        !in_int(r, "endTime", 0, INT64_MAX, INT64_MAX, &end) ||
        !in_int(r, "limit", 1, EVENTS_MAX, EVENTS_MAX, &limit) || !resolve_group(r)) {
        return;
    }
    const char *tok = in_str(r, "nextToken");
    int64_t tts = 0;
    char tstream[TOKEN_MAX];
    struct pos tp = {0, 0};
    if (tok && !parse_filter_token(tok, &tts, tstream, sizeof(tstream), &tp)) {
        error(r, "InvalidParameterException", "The specified nextToken is invalid.");
        return;
    }
    struct logs_files fl;
    struct logs_events ev;
    scan_group(r, &fl);
    logs_events_init(&ev);
    json_t *out = json_object(), *events = json_array(), *searched = json_array();
    filter_collect(r, &fl, &ev, start, end, searched);
    size_t lo = tok ? filter_start(&fl, &ev, tts, tstream, tp) : 0;
    size_t hi = ev.n - lo > (size_t)limit ? lo + (size_t)limit : ev.n;
    for (size_t i = lo; i < hi; i++) {
        (void)json_array_append_new(events, event_json(&fl, &ev.v[i], true));
    }
    (void)json_object_set_new(out, "events", events);
    (void)json_object_set_new(out, "searchedLogStreams", searched);
    if (hi < ev.n) {
        const struct logs_event *e = &ev.v[hi];
        const struct logs_file *f = &fl.v[e->file];
        char *t = xasprintf("%" PRId64 "/%s/%d/%" PRIu64, e->ts, f->stream, f->part, e->offset);
        (void)json_object_set_new(out, "nextToken", json_string(t));
        free(t);
    }
    logs_events_fini(&ev);
    logs_files_free(&fl);
    reply(r, 200, out, NULL);
}

/* ---- GetLogEvents ---- */

/* Indexes [lo, hi) of the page asked for by token / startFromHead. */
static bool get_page(struct req *r, const struct logs_files *fl, const struct logs_events *ev,
                     size_t limit, size_t *lo, size_t *hi)
{
    const char *tok = in_str(r, "nextToken");
    bool head = json_is_true(json_object_get(r->in, "startFromHead"));
    if (tok == NULL) {
        *lo = head || ev->n <= limit ? 0 : ev->n - limit;
        *hi = head && ev->n > limit ? limit : ev->n;
        return true;
    }
    struct pos p;
    char *end = NULL;
    if ((tok[0] != 'f' && tok[0] != 'b') || tok[1] != '/') {
        return false;
    }
    p.part = (int)strtol(tok + 2, &end, 10);
    if (*end != '/') {
        return false;
    }
    p.offset = strtoull(end + 1, &end, 10);
    if (*end) {
        return false;
    }
    size_t i = 0;
    while (i < ev->n && pos_cmp((struct pos){fl->v[ev->v[i].file].part, ev->v[i].offset}, p) < 0) {
        i++;
    }
    if (tok[0] == 'f') {
        *lo = i;
        *hi = ev->n - i > limit ? i + limit : ev->n;
    } else {
        *hi = i;
        *lo = i > limit ? i - limit : 0;
    }
    return true;
}

/* The token for position i ("f" or "b"): the event's position, or just past the last one. */
static json_t *get_token(char dir, const struct logs_files *fl, const struct logs_events *ev,
                         size_t i, const char *given)
{
    char t[64];
    if (i < ev->n) {
        (void)snprintf(t, sizeof(t), "%c/%d/%" PRIu64, dir, fl->v[ev->v[i].file].part,
                       ev->v[i].offset);
    } else if (ev->n > 0) {
        const struct logs_event *e = &ev->v[ev->n - 1];
        (void)snprintf(t, sizeof(t), "%c/%d/%" PRIu64, dir, fl->v[e->file].part,
                       e->offset + e->len + 1);
    } else if (given) {
        (void)snprintf(t, sizeof(t), "%c%s", dir, given + 1);
    } else {
        (void)snprintf(t, sizeof(t), "%c/0/0", dir);
    }
    return json_string(t);
}

static void get_log_events(struct req *r)
{
    int64_t start, end, limit;
    const char *stream = in_str(r, "logStreamName");
    if (stream == NULL) {
        error(r, "InvalidParameterException",
              "1 validation error detected: Value null at 'logStreamName' failed to satisfy "
              "constraint: Member must not be null");
        return;
    }
    /* parameters are validated before the group is looked up, as AWS does */
    if (!in_int(r, "startTime", 0, INT64_MAX, 0, &start) ||
        !in_int(r, "endTime", 0, INT64_MAX, INT64_MAX, &end) ||
        !in_int(r, "limit", 1, EVENTS_MAX, EVENTS_MAX, &limit) || !resolve_group(r)) {
        return;
    }
    struct logs_files fl;
    struct logs_events ev;
    scan_group(r, &fl);
    logs_events_init(&ev);
    bool found = false;
    for (size_t i = 0; i < fl.n; i++) {
        if (strcmp(fl.v[i].stream, stream) == 0) {
            found = true;
            (void)logs_files_read(&fl, i, start, end, &ev);
        }
    }
    size_t lo = 0, hi = 0;
    if (!found) {
        error(r, "ResourceNotFoundException", "The specified log stream does not exist.");
    } else if (!get_page(r, &fl, &ev, (size_t)limit, &lo, &hi)) {
        error(r, "InvalidParameterException", "The specified nextToken is invalid.");
    } else {
        json_t *out = json_object(), *events = json_array();
        for (size_t i = lo; i < hi; i++) {
            (void)json_array_append_new(events, event_json(&fl, &ev.v[i], false));
        }
        const char *tok = in_str(r, "nextToken");
        (void)json_object_set_new(out, "events", events);
        (void)json_object_set_new(out, "nextForwardToken", get_token('f', &fl, &ev, hi, tok));
        (void)json_object_set_new(out, "nextBackwardToken", get_token('b', &fl, &ev, lo, tok));
        reply(r, 200, out, NULL);
    }
    logs_events_fini(&ev);
    logs_files_free(&fl);
}

/* ---- DescribeLogGroups, DescribeLogStreams ---- */

/* The offset a describe nextToken stands for (a decimal index). False when invalid. */
static bool describe_offset(struct req *r, size_t *off)
{
    const char *tok = in_str(r, "nextToken");
    char *end = NULL;
    *off = 0;
    if (tok == NULL) {
        return true;
    }
    *off = (size_t)strtoull(tok, &end, 10);
    if (end == tok || *end) {
        error(r, "InvalidParameterException", "The specified nextToken is invalid.");
        return false;
    }
    return true;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The function names with a log directory, sorted. OUT: *out, *n (free each and the array). */
static void list_groups(const struct logs_api *api, char ***out, size_t *n)
{
    char *dir = xasprintf("%s/logs", api->state_dir);
    DIR *d = opendir(dir);
    const struct dirent *de;
    *out = NULL;
    *n = 0;
    while (d && (de = readdir(d)) != NULL) {
        if (func_name_valid(de->d_name, strlen(de->d_name))) {
            *out = xrealloc(*out, (*n + 1) * sizeof(**out));
            (*out)[(*n)++] = xstrdup(de->d_name);
        }
    }
    if (d) {
        (void)closedir(d);
    }
    free(dir);
    if (*n > 1) {
        qsort(*out, *n, sizeof(**out), cmp_str);
    }
}

static json_t *group_json(const struct req *r, const char *fn)
{
    json_t *o = json_object();
    char *name = xasprintf(GROUP_PREFIX "%s", fn);
    char *arn = xasprintf("arn:aws:logs:%s:%s:log-group:%s", r->api->region, r->api->account, name);
    char *arn_star = xasprintf("%s:*", arn);
    char *dir = xasprintf("%s/logs/%s", r->api->state_dir, fn);
    struct stat st;
    int64_t created = stat(dir, &st) == 0 ? (int64_t)st.st_ctim.tv_sec * 1000 : 0;
    struct logs_files fl;
    uint64_t bytes = 0;
    logs_files_scan(dir, &fl);
    for (size_t i = 0; i < fl.n; i++) {
        bytes += fl.v[i].size;
    }
    logs_files_free(&fl);
    (void)json_object_set_new(o, "logGroupName", json_string(name));
    (void)json_object_set_new(o, "creationTime", json_integer(created));
    (void)json_object_set_new(o, "metricFilterCount", json_integer(0));
    (void)json_object_set_new(o, "arn", json_string(arn_star));
    (void)json_object_set_new(o, "storedBytes", json_integer((json_int_t)bytes));
    (void)json_object_set_new(o, "logGroupClass", json_string("STANDARD"));
    (void)json_object_set_new(o, "logGroupArn", json_string(arn));
    free(dir);
    free(arn_star);
    free(arn);
    free(name);
    return o;
}

static void describe_log_groups(struct req *r)
{
    int64_t limit;
    size_t off;
    if (!in_int(r, "limit", 1, DESCRIBE_MAX, DESCRIBE_MAX, &limit) || !describe_offset(r, &off)) {
        return;
    }
    const char *prefix = in_str(r, "logGroupNamePrefix");
    char **names;
    size_t n, seen = 0;
    list_groups(r->api, &names, &n);
    json_t *out = json_object(), *groups = json_array();
    for (size_t i = 0; i < n; i++) {
        char *g = xasprintf(GROUP_PREFIX "%s", names[i]);
        bool keep = prefix == NULL || strncmp(g, prefix, strlen(prefix)) == 0;
        free(g);
        if (!keep || seen++ < off) {
            continue;
        }
        if (json_array_size(groups) == (size_t)limit) {
            char t[32];
            (void)snprintf(t, sizeof(t), "%zu", seen - 1);
            (void)json_object_set_new(out, "nextToken", json_string(t));
            break;
        }
        (void)json_array_append_new(groups, group_json(r, names[i]));
    }
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
    (void)json_object_set_new(out, "logGroups", groups);
    reply(r, 200, out, NULL);
}

/* The time of the first event of a stream's first part (its .ts), else its mtime. */
static int64_t first_event_ms(const struct logs_file *f)
{
    size_t len = strlen(f->path);
    char *ts = xasprintf("%.*s.ts", (int)(len - 4), f->path);
    FILE *fp = fopen(ts, "re");
    char rec[64];
    int64_t ms = f->mtime_ns / 1000000;
    if (fp && fgets(rec, sizeof(rec), fp)) {
        char *end = NULL;
        (void)strtoull(rec, &end, 10); /* the offset (0) */
        const char *p = end;
        long long v = strtoll(p, &end, 10);
        ms = end != p ? (int64_t)v : ms;
    }
    if (fp) {
        (void)fclose(fp);
    }
    free(ts);
    return ms;
}

static json_t *stream_json(const struct req *r, const struct logs_files *fl, size_t first,
                           size_t last)
{
    json_t *o = json_object();
    int64_t created = first_event_ms(&fl->v[first]);
    int64_t lastms = fl->v[last].mtime_ns / 1000000;
    char *arn = xasprintf("arn:aws:logs:%s:%s:log-group:" GROUP_PREFIX "%s:log-stream:%s",
                          r->api->region, r->api->account, r->function, fl->v[first].stream);
    (void)json_object_set_new(o, "logStreamName", json_string(fl->v[first].stream));
    (void)json_object_set_new(o, "creationTime", json_integer(created));
    (void)json_object_set_new(o, "firstEventTimestamp", json_integer(created));
    (void)json_object_set_new(o, "lastEventTimestamp", json_integer(lastms));
    (void)json_object_set_new(o, "lastIngestionTime", json_integer(lastms));
    (void)json_object_set_new(o, "uploadSequenceToken", json_string("1"));
    (void)json_object_set_new(o, "arn", json_string(arn));
    (void)json_object_set_new(o, "storedBytes", json_integer(0));
    free(arn);
    return o;
}

static int by_last_event(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "lastEventTimestamp"));
    json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "lastEventTimestamp"));
    return (x > y) - (x < y);
}

/* Every stream of the group matching the prefix, in the order asked for. */
static void collect_streams(struct req *r, json_t ***out, size_t *n)
{
    const char *prefix = in_str(r, "logStreamNamePrefix");
    const char *order = in_str(r, "orderBy");
    struct logs_files fl;
    scan_group(r, &fl);
    *out = NULL;
    *n = 0;
    for (size_t i = 0; i < fl.n;) {
        size_t j = i;
        while (j + 1 < fl.n && strcmp(fl.v[j + 1].stream, fl.v[i].stream) == 0) {
            j++;
        }
        if (prefix == NULL || strncmp(fl.v[i].stream, prefix, strlen(prefix)) == 0) {
            *out = xrealloc(*out, (*n + 1) * sizeof(json_t *));
            (*out)[(*n)++] = stream_json(r, &fl, i, j);
        }
        i = j + 1;
    }
    logs_files_free(&fl);
    if (order && strcmp(order, "LastEventTime") == 0 && *n > 1) {
        qsort(*out, *n, sizeof(json_t *), by_last_event);
    }
    if (json_is_true(json_object_get(r->in, "descending"))) {
        for (size_t i = 0; i < *n / 2; i++) {
            json_t *t = (*out)[i];
            (*out)[i] = (*out)[*n - 1 - i];
            (*out)[*n - 1 - i] = t;
        }
    }
}

static void describe_log_streams(struct req *r)
{
    int64_t limit;
    size_t off, n;
    json_t **streams;
    const char *order = in_str(r, "orderBy");
    if (order && strcmp(order, "LogStreamName") != 0 && strcmp(order, "LastEventTime") != 0) {
        error(r, "InvalidParameterException",
              "1 validation error detected: Value at 'orderBy' failed to satisfy constraint: "
              "Member must satisfy enum value set: [LogStreamName, LastEventTime]");
        return;
    }
    if (!in_int(r, "limit", 1, DESCRIBE_MAX, DESCRIBE_MAX, &limit) || !describe_offset(r, &off) ||
        !resolve_group(r)) {
        return;
    }
    collect_streams(r, &streams, &n);
    json_t *out = json_object(), *list = json_array();
    for (size_t i = 0; i < n; i++) {
        if (i >= off && json_array_size(list) < (size_t)limit) {
            (void)json_array_append(list, streams[i]);
        } else if (i >= off && json_object_get(out, "nextToken") == NULL) {
            char t[32];
            (void)snprintf(t, sizeof(t), "%zu", i);
            (void)json_object_set_new(out, "nextToken", json_string(t));
        }
        json_decref(streams[i]);
    }
    free(streams);
    (void)json_object_set_new(out, "logStreams", list);
    reply(r, 200, out, NULL);
}

/* ---- dispatch ---- */

bool logs_api_match(const struct http1_request *req)
{
    const char *t = http1_header(req, "X-Amz-Target");
    return t && strncmp(t, TARGET_PREFIX, strlen(TARGET_PREFIX)) == 0;
}

static void on_client_gone(struct httpd_conn *c, void *arg)
{
    struct req *r = arg;
    (void)c;
    r->c = NULL;
}

static void work_run(uv_work_t *w)
{
    struct req *r = w->data;
    r->op(r);
}

static void work_done(uv_work_t *w, int status)
{
    struct req *r = w->data;
    (void)status;
    if (r->c) {
        httpd_conn_set_abort(r->c, NULL, NULL);
        send_reply(r->c, r);
    }
    json_decref(r->out);
    json_decref(r->in);
    free(r);
}

/* The operation named by the target, or NULL. */
static void (*find_op(const char *op))(struct req *r)
{
    static const struct {
        const char *op;
        void (*fn)(struct req *r);
    } ops[] = {{"DescribeLogGroups", describe_log_groups},
               {"DescribeLogStreams", describe_log_streams},
               {"GetLogEvents", get_log_events},
               {"FilterLogEvents", filter_log_events}};
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        if (strcmp(op, ops[i].op) == 0) {
            return ops[i].fn;
        }
    }
    return NULL;
}

void logs_api_handle(const struct logs_api *api, struct httpd_conn *c,
                     const struct http1_request *req)
{
    struct req *r = xcalloc(1, sizeof(*r));
    json_error_t jerr;
    r->api = api;
    r->op = find_op(http1_header(req, "X-Amz-Target") + strlen(TARGET_PREFIX));
    r->in = req->body_len ? json_loadb((const char *)req->body, req->body_len, 0, &jerr)
                          : json_object();
    if (strcmp(req->method, "POST") != 0 || strcmp(req->url, "/") != 0) {
        error(r, "UnknownOperationException", "Logs API requests are POST /");
    } else if (!json_is_object(r->in)) {
        error(r, "SerializationException", "The request body is not a JSON object.");
    } else if (r->op == NULL) {
        error(r, "UnknownOperationException", "Unknown operation");
    } else {
        r->c = c;
        r->work.data = r;
        httpd_conn_set_abort(c, on_client_gone, r);
        if (uv_queue_work(api->loop, &r->work, work_run, work_done) == 0) {
            return;
        }
        httpd_conn_set_abort(c, NULL, NULL);
        r->op(r); /* cannot happen with a live loop; answer inline rather than never */
    }
    send_reply(c, r);
    json_decref(r->in);
    free(r);
}
