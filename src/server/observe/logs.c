/* SPDX-License-Identifier: MIT */
/* Log streams on plain files; see logs.h. Writes are synchronous write(2) calls of whole lines
 * (a log line is never interleaved with another), which is fast enough for a local platform:
 * a runtime flooding stdout is slowed down by its own pipe filling, never by the server
 * blocking other work for long. */
#include "observe/logs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/ids.h"
#include "base/xalloc.h"
#include "cl_io.h"
#include "observe/logs_files.h"

struct logs_stream {
    int fd, ts_fd;
    char *state_dir, *function;
    char *base; /* <state>/logs/<function>/<name>, without ".log" */
    char *path; /* the part being written */
    char name[80];
    int part;
    uint64_t bytes;  /* in the current part */
    int64_t last_ms; /* last time written to the .ts sidecar */
    uint64_t max_bytes, retain_bytes;
    struct logs_tail *tail;
    struct cl_buf partial[2];
    struct cl_buf held; /* platform lines held by logs_platform_hold, written before anything */
    int64_t held_ms;    /* when they were held (their .ts time) */
};

void logs_tail_append(struct logs_tail *t, const uint8_t *p, size_t n)
{
    if (n >= LOGS_TAIL_MAX) {
        memcpy(t->data, p + n - LOGS_TAIL_MAX, LOGS_TAIL_MAX);
        t->len = LOGS_TAIL_MAX;
        return;
    }
    if (t->len + n > LOGS_TAIL_MAX) {
        size_t drop = t->len + n - LOGS_TAIL_MAX;
        memmove(t->data, t->data + drop, t->len - drop);
        t->len -= drop;
    }
    memcpy(t->data + t->len, p, n);
    t->len += n;
}

/* mkdir -p for the directories of path (not its last component). */
static int make_parents(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') {
            continue;
        }
        *p = '\0';
        int rc = mkdir(path, 0755);
        int err = errno;
        *p = '/';
        if (rc < 0 && err != EEXIST) {
            return -err;
        }
    }
    return 0;
}

/* Opens part s->part (its .log and .ts) for appending. 0 or -errno. */
static int open_part(struct logs_stream *s)
{
    char *ts = s->part ? xasprintf("%s.%d.ts", s->base, s->part) : xasprintf("%s.ts", s->base);
    free(s->path);
    s->path = s->part ? xasprintf("%s.%d.log", s->base, s->part) : xasprintf("%s.log", s->base);
    s->fd = open(s->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int rc = s->fd < 0 ? -errno : 0;
    s->ts_fd = rc == 0 ? open(ts, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) : -1;
    if (rc == 0 && s->ts_fd < 0) {
        rc = -errno;
        (void)close(s->fd);
        s->fd = -1;
    }
    free(ts);
    s->bytes = 0;
    s->last_ms = -1;
    return rc;
}

/* Marks the current part as no longer written (0444) and closes it. */
static void close_part(struct logs_stream *s)
{
    if (s->fd >= 0) {
        (void)fchmod(s->fd, 0444);
        (void)close(s->fd);
    }
    if (s->ts_fd >= 0) {
        (void)close(s->ts_fd);
    }
    s->fd = s->ts_fd = -1;
}

int logs_open(const char *state_dir, const char *function, const char *version,
              struct logs_stream **out)
{
    struct logs_stream *s = xcalloc(1, sizeof(*s));
    char hex[33];
    time_t now = time(NULL);
    struct tm tm;
    ids_hex(hex, 16);
    if (gmtime_r(&now, &tm) == NULL) {
        memset(&tm, 0, sizeof(tm));
    }
    (void)snprintf(s->name, sizeof(s->name), "%04d/%02d/%02d/[%s]%s", tm.tm_year + 1900,
                   tm.tm_mon + 1, tm.tm_mday, version, hex);
    s->base = xasprintf("%s/logs/%s/%s", state_dir, function, s->name);
    s->fd = s->ts_fd = -1;
    /* The day's directory usually exists: open first, and mkdir -p (seven mkdir calls on a
     * cold start) only when that says ENOENT. */
    int rc = open_part(s);
    if (rc == -ENOENT) {
        rc = make_parents(s->base);
        rc = rc ? rc : open_part(s);
    }
    if (rc < 0) {
        free(s->path);
        free(s->base);
        free(s);
        return rc;
    }
    s->state_dir = xstrdup(state_dir);
    s->function = xstrdup(function);
    cl_buf_init(&s->partial[0], LOGS_MAX_LINE);
    cl_buf_init(&s->partial[1], LOGS_MAX_LINE);
    cl_buf_init(&s->held, LOGS_MAX_HELD);
    *out = s;
    return 0;
}

void logs_set_limits(struct logs_stream *s, uint64_t max_bytes, uint64_t retain_bytes)
{
    s->max_bytes = max_bytes;
    s->retain_bytes = retain_bytes;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Rolls over to the next part when n more bytes would pass the cap, then prunes. */
static void maybe_roll(struct logs_stream *s, size_t n)
{
    if (s->max_bytes == 0 || s->bytes == 0 || s->bytes + n <= s->max_bytes) {
        return;
    }
    close_part(s);
    s->part++;
    if (open_part(s) < 0) {
        return; /* writes fail quietly (fd -1) until the next stream */
    }
    if (s->retain_bytes > 0) {
        (void)logs_prune(s->state_dir, s->function, s->retain_bytes);
    }
}

/* Appends to rec (cap bytes, len used) the .ts record saying the bytes from offset on were
 * written at ms. The new length. */
static int ts_record(char *rec, size_t cap, int len, uint64_t offset, int64_t ms)
{
    return len + snprintf(rec + len, cap - (size_t)len, "%" PRIu64 " %" PRId64 "\n", offset, ms);
}

/* Forgets what is held, buffer included (an idle environment keeps none). */
static void held_drop(struct logs_stream *s)
{
    cl_buf_fini(&s->held);
    cl_buf_init(&s->held, LOGS_MAX_HELD);
}

/* Writes one unit (a line with its "\n", or platform lines) stamped ms, into the tail when
 * use_tail. */
static void write_at(struct logs_stream *s, const uint8_t *p, size_t n, bool add_nl, int64_t ms,
                     bool use_tail)
{
    static const uint8_t nl = '\n';
    size_t total = n + (add_nl ? 1 : 0);
    if (total == 0) {
        return;
    }
    if (s->tail && use_tail) {
        logs_tail_append(s->tail, p, n);
        if (add_nl) {
            logs_tail_append(s->tail, &nl, 1);
        }
    }
    maybe_roll(s, total);
    if (ms != s->last_ms && s->ts_fd >= 0) {
        char rec[48];
        int len = ts_record(rec, sizeof(rec), 0, s->bytes, ms);
        /* errors (disk full) are dropped: logging must not take the platform down */
        (void)cl_write_all(s->ts_fd, rec, (size_t)len);
        s->last_ms = ms;
    }
    (void)cl_write_all(s->fd, p, n);
    if (add_nl) {
        (void)cl_write_all(s->fd, &nl, 1);
    }
    s->bytes += total;
}

void logs_release(struct logs_stream *s)
{
    if (s != NULL && s->held.len > 0) {
        write_at(s, s->held.data, s->held.len, false, s->held_ms, false);
        held_drop(s);
    }
}

/* Writes what is held and then one unit stamped ms with one write to each file (the next
 * invocation's START after the last one's END and REPORT: two writes fewer per invocation).
 * False, having written nothing, when it cannot: nothing held, no room, or the stream may have
 * to roll over between the two. */
static bool write_with_held(struct logs_stream *s, const uint8_t *p, size_t n, bool add_nl,
                            int64_t ms)
{
    static const uint8_t nl = '\n';
    size_t held = s->held.len;
    size_t total = n + (add_nl ? 1 : 0);
    if (held == 0 || total == 0 || (s->max_bytes > 0 && s->bytes + held + total > s->max_bytes)) {
        return false;
    }
    if (cl_buf_append(&s->held, p, n) < 0 || (add_nl && cl_buf_append(&s->held, &nl, 1) < 0)) {
        s->held.len = held; /* over the cap: the caller writes the two apart */
        return false;
    }
    if (s->tail) { /* the unit only: held platform lines never go into a tail */
        logs_tail_append(s->tail, s->held.data + held, total);
    }
    if (s->ts_fd >= 0 && (s->held_ms != s->last_ms || ms != s->held_ms)) {
        char rec[96];
        int len = 0;
        if (s->held_ms != s->last_ms) {
            len = ts_record(rec, sizeof(rec), len, s->bytes, s->held_ms);
        }
        if (ms != s->held_ms) {
            len = ts_record(rec, sizeof(rec), len, s->bytes + held, ms);
        }
        (void)cl_write_all(s->ts_fd, rec, (size_t)len); /* errors dropped, as in write_at */
    }
    s->last_ms = ms;
    (void)cl_write_all(s->fd, s->held.data, s->held.len);
    s->bytes += s->held.len;
    held_drop(s);
    return true;
}

/* Writes one unit at the current time, after what is held. */
static void write_unit(struct logs_stream *s, const uint8_t *p, size_t n, bool add_nl)
{
    int64_t ms = now_ms();
    if (write_with_held(s, p, n, add_nl, ms)) {
        return;
    }
    logs_release(s);
    write_at(s, p, n, add_nl, ms, true);
}

static void write_line(struct logs_stream *s, const uint8_t *p, size_t n)
{
    write_unit(s, p, n, true);
}

void logs_flush(struct logs_stream *s, enum logs_source src)
{
    struct cl_buf *b = &s->partial[src];
    if (b->len > 0) {
        write_line(s, b->data, b->len);
        cl_buf_reset(b);
    }
}

void logs_feed(struct logs_stream *s, enum logs_source src, const uint8_t *p, size_t n)
{
    struct cl_buf *b = &s->partial[src];
    while (n > 0) {
        const uint8_t *nl = memchr(p, '\n', n);
        size_t take = nl ? (size_t)(nl - p) : n;
        size_t room = LOGS_MAX_LINE - b->len;
        if (take > room) {
            take = room;
            nl = NULL;
        }
        if (b->len == 0 && nl) {
            write_line(s, p, take); /* common case: a whole line, no copy */
        } else if (cl_buf_append(b, p, take) < 0) {
            abort(); /* take <= room, so only ENOMEM */
        }
        if (nl || b->len == LOGS_MAX_LINE) {
            logs_flush(s, src);
        }
        size_t used = take + (nl ? 1 : 0);
        p += used;
        n -= used;
    }
}

void logs_platform(struct logs_stream *s, const struct cl_buf *text)
{
    logs_flush(s, LOGS_STDOUT);
    logs_flush(s, LOGS_STDERR);
    write_unit(s, text->data, text->len, false);
}

void logs_platform_hold(struct logs_stream *s, const struct cl_buf *text)
{
    if (s->tail != NULL) {
        logs_platform(s, text); /* a caller waits for its tail: now */
        return;
    }
    logs_flush(s, LOGS_STDOUT);
    logs_flush(s, LOGS_STDERR);
    if (s->held.len == 0) {
        s->held_ms = now_ms();
    }
    if (cl_buf_append(&s->held, text->data, text->len) < 0) {
        logs_release(s); /* over the cap: write what is held, then this */
        write_unit(s, text->data, text->len, false);
    }
}

/* Oldest first; ties by path, so parts of one stream go in order. */
static int by_age(const void *a, const void *b)
{
    const struct logs_file *x = a, *y = b;
    if (x->mtime_ns != y->mtime_ns) {
        return x->mtime_ns < y->mtime_ns ? -1 : 1;
    }
    return strcmp(x->path, y->path);
}

int logs_prune(const char *state_dir, const char *function, uint64_t retain_bytes)
{
    struct logs_files fl;
    char *dir = xasprintf("%s/logs/%s", state_dir, function);
    logs_files_scan(dir, &fl);
    free(dir);
    uint64_t total = 0;
    for (size_t i = 0; i < fl.n; i++) {
        total += fl.v[i].size;
    }
    qsort(fl.v, fl.n, sizeof(fl.v[0]), by_age);
    int n_deleted = 0;
    for (size_t i = 0; i < fl.n && total > retain_bytes; i++) {
        if (fl.v[i].is_live) {
            continue; /* still written by an environment */
        }
        size_t len = strlen(fl.v[i].path);
        char *ts = xasprintf("%.*s.ts", (int)(len - 4), fl.v[i].path);
        if (unlink(fl.v[i].path) == 0) {
            total -= fl.v[i].size;
            n_deleted++;
        }
        (void)unlink(ts);
        free(ts);
    }
    logs_files_free(&fl);
    return n_deleted;
}

int logs_seal(const char *state_dir)
{
    char *top = xasprintf("%s/logs", state_dir);
    DIR *d = opendir(top);
    const struct dirent *de;
    int n = 0;
    while (d && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }
        char *dir = xasprintf("%s/%s", top, de->d_name);
        struct logs_files fl;
        logs_files_scan(dir, &fl);
        for (size_t i = 0; i < fl.n; i++) {
            n += fl.v[i].is_live && chmod(fl.v[i].path, 0444) == 0;
        }
        logs_files_free(&fl);
        free(dir);
    }
    if (d) {
        (void)closedir(d);
    }
    free(top);
    return n;
}

void logs_attach(struct logs_stream *s, struct logs_tail *t)
{
    s->tail = t;
}

const char *logs_name(const struct logs_stream *s)
{
    return s->name;
}

const char *logs_path(const struct logs_stream *s)
{
    return s->path;
}

void logs_close(struct logs_stream *s)
{
    if (s == NULL) {
        return;
    }
    logs_release(s);
    logs_flush(s, LOGS_STDOUT);
    logs_flush(s, LOGS_STDERR);
    close_part(s);
    cl_buf_fini(&s->partial[0]);
    cl_buf_fini(&s->partial[1]);
    cl_buf_fini(&s->held);
    free(s->path);
    free(s->base);
    free(s->state_dir);
    free(s->function);
    free(s);
}
