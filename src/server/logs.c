/* SPDX-License-Identifier: MIT */
/* Log streams on plain files; see logs.h. Writes are synchronous write(2) calls of whole lines
 * (a log line is never interleaved with another), which is fast enough for a local platform:
 * a runtime flooding stdout is slowed down by its own pipe filling, never by the server
 * blocking other work for long. */
#include "logs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ids.h"
#include "xalloc.h"

struct logs_stream {
    int fd;
    char *path;
    char name[80];
    struct logs_tail *tail;
    struct cl_buf partial[2];
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
    s->path = xasprintf("%s/logs/%s/%s.log", state_dir, function, s->name);
    /* The day's directory usually exists: one open(), and the mkdir -p (seven mkdir calls on
     * a cold start) only when it says ENOENT. */
    s->fd = open(s->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int rc = s->fd < 0 ? -errno : 0;
    if (rc == -ENOENT) {
        rc = make_parents(s->path);
        if (rc == 0) {
            s->fd = open(s->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
            rc = s->fd < 0 ? -errno : 0;
        }
    }
    if (rc < 0) {
        free(s->path);
        free(s);
        return rc;
    }
    cl_buf_init(&s->partial[0], LOGS_MAX_LINE);
    cl_buf_init(&s->partial[1], LOGS_MAX_LINE);
    *out = s;
    return 0;
}

static void write_all(struct logs_stream *s, const uint8_t *p, size_t n)
{
    if (n == 0) {
        return;
    }
    if (s->tail) {
        logs_tail_append(s->tail, p, n);
    }
    while (n > 0) {
        ssize_t w = write(s->fd, p, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return; /* disk full: logging must not take the platform down */
        }
        p += w;
        n -= (size_t)w;
    }
}

static void write_line(struct logs_stream *s, const uint8_t *p, size_t n)
{
    static const uint8_t nl = '\n';
    write_all(s, p, n);
    write_all(s, &nl, 1);
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
    write_all(s, text->data, text->len);
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
    logs_flush(s, LOGS_STDOUT);
    logs_flush(s, LOGS_STDERR);
    (void)close(s->fd);
    cl_buf_fini(&s->partial[0]);
    cl_buf_fini(&s->partial[1]);
    free(s->path);
    free(s);
}
