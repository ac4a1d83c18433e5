/* SPDX-License-Identifier: MIT */
/* Listing and reading log files; see logs_files.h. A reader never writes: a part read while an
 * environment appends to it yields the complete lines present at that moment. */
#include "observe/logs_files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/xalloc.h"

/* Largest part read (a bigger file is read up to this; rotation keeps parts smaller). */
#define LOGS_FILES_MAX_READ ((size_t)256 * 1024 * 1024)

static void add_file(struct logs_files *out, const char *path, const char *rel,
                     const struct stat *st)
{
    size_t len = strlen(rel) - 4; /* without ".log" */
    int part = 0;
    const char *dot = memrchr(rel, '.', len);
    if (dot && dot + 1 < rel + len &&
        strspn(dot + 1, "0123456789") == (size_t)(rel + len - dot - 1)) {
        part = (int)strtol(dot + 1, NULL, 10);
        len = (size_t)(dot - rel);
    }
    out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
    out->v[out->n++] = (struct logs_file){.path = xstrdup(path),
                                          .stream = xstrndup(rel, len),
                                          .part = part,
                                          .size = (uint64_t)st->st_size,
                                          .mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 +
                                                      st->st_mtim.tv_nsec,
                                          .is_live = (st->st_mode & S_IWUSR) != 0};
}

/* Recurses into dir; rel_off is where the path under the function's directory starts. */
static void scan(const char *dir, size_t rel_off, int depth, struct logs_files *out)
{
    DIR *d = depth < 8 ? opendir(dir) : NULL;
    if (d == NULL) {
        return;
    }
    const struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }
        char *path = xasprintf("%s/%s", dir, de->d_name);
        struct stat st;
        size_t nlen = strlen(de->d_name);
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            scan(path, rel_off, depth + 1, out);
        } else if (S_ISREG(st.st_mode) && nlen > 4 && strcmp(de->d_name + nlen - 4, ".log") == 0) {
            add_file(out, path, path + rel_off, &st);
        }
        free(path);
    }
    (void)closedir(d);
}

void logs_files_scan(const char *dir, struct logs_files *out)
{
    *out = (struct logs_files){NULL, 0};
    scan(dir, strlen(dir) + 1, 0, out);
}

static int by_stream(const void *a, const void *b)
{
    const struct logs_file *x = a, *y = b;
    int c = strcmp(x->stream, y->stream);
    return c ? c : (x->part > y->part) - (x->part < y->part);
}

void logs_files_sort(struct logs_files *fl)
{
    if (fl->n > 1) {
        qsort(fl->v, fl->n, sizeof(fl->v[0]), by_stream);
    }
}

void logs_files_free(struct logs_files *fl)
{
    for (size_t i = 0; i < fl->n; i++) {
        free(fl->v[i].path);
        free(fl->v[i].stream);
    }
    free(fl->v);
    *fl = (struct logs_files){NULL, 0};
}

void logs_events_init(struct logs_events *ev)
{
    memset(ev, 0, sizeof(*ev));
}

void logs_events_fini(struct logs_events *ev)
{
    for (size_t i = 0; i < ev->n_bufs; i++) {
        free(ev->bufs[i]);
    }
    free(ev->bufs);
    free(ev->v);
    logs_events_init(ev);
}

/* Reads a whole file, up to cap bytes. OUT: *out (free), *len. 0 or -errno. */
static int slurp(const char *path, size_t cap, char **out, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    size_t n = 0, size = 65536;
    char *buf = xmalloc(size);
    for (;;) {
        if (n == size && size < cap) {
            size = size * 2 < cap ? size * 2 : cap;
            buf = xrealloc(buf, size);
        }
        ssize_t r = n < size ? read(fd, buf + n, size - n) : 0;
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            break;
        }
        n += (size_t)r;
    }
    (void)close(fd);
    *out = buf;
    *len = n;
    return 0;
}

/* The time of the line at offset off, from the sidecar records (offset, ms), sorted. */
static int64_t time_at(const char *ts, size_t ts_len, uint64_t off, size_t *pos, int64_t *cur)
{
    while (*pos < ts_len) {
        char *end = NULL;
        uint64_t o = strtoull(ts + *pos, &end, 10);
        if (end == ts + *pos || o > off) {
            break;
        }
        int64_t ms = strtoll(end, &end, 10);
        const char *nl = memchr(end, '\n', ts_len - (size_t)(end - ts));
        if (nl == NULL) {
            break; /* a record being written */
        }
        *cur = ms;
        *pos = (size_t)(nl - ts) + 1;
    }
    return *cur;
}

static void push_event(struct logs_events *ev, const struct logs_event *e)
{
    if (ev->n == ev->cap) {
        ev->cap = ev->cap ? 2 * ev->cap : 256;
        ev->v = xrealloc(ev->v, ev->cap * sizeof(*ev->v));
    }
    ev->v[ev->n++] = *e;
}

int logs_files_read(const struct logs_files *fl, size_t i, int64_t start_ms, int64_t end_ms,
                    struct logs_events *ev)
{
    const struct logs_file *f = &fl->v[i];
    char *text = NULL, *ts = NULL;
    size_t len = 0, ts_len = 0;
    int rc = slurp(f->path, LOGS_FILES_MAX_READ, &text, &len);
    if (rc < 0) {
        return rc;
    }
    size_t plen = strlen(f->path);
    char *ts_path = xasprintf("%.*s.ts", (int)(plen - 4), f->path);
    if (slurp(ts_path, LOGS_FILES_MAX_READ, &ts, &ts_len) < 0) {
        ts = NULL;
        ts_len = 0;
    }
    free(ts_path);
    size_t pos = 0;
    int64_t cur = f->mtime_ns / 1000000; /* no sidecar: the file's time */
    for (size_t off = 0; off < len;) {
        const char *nl = memchr(text + off, '\n', len - off);
        if (nl == NULL) {
            break; /* a line being written */
        }
        int64_t t = time_at(ts, ts_len, off, &pos, &cur);
        if (t >= start_ms && t < end_ms) {
            struct logs_event e = {t, i, off, text + off, (size_t)(nl - text - (ptrdiff_t)off)};
            push_event(ev, &e);
        }
        off = (size_t)(nl - text) + 1;
    }
    free(ts);
    ev->bufs = xrealloc(ev->bufs, (ev->n_bufs + 1) * sizeof(*ev->bufs));
    ev->bufs[ev->n_bufs++] = text;
    return 0;
}
