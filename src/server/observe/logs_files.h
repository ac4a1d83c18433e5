/* SPDX-License-Identifier: MIT */
/* The log files of one function as readers see them: every part of every stream under
 * <state>/logs/<function> (see logs.h for the layout), and the events of a part (each line
 * with its time from the part's .ts sidecar). Used by log pruning and the Logs API. */
#ifndef CLAMBDA_SERVER_LOGS_FILES_H
#define CLAMBDA_SERVER_LOGS_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One part file of a stream. */
struct logs_file {
    char *path;   /* full path of the .log */
    char *stream; /* stream name: the path under the function's directory, no part or .log */
    int part;     /* 0, 1, 2, ... */
    uint64_t size;
    int64_t mtime_ns;
    bool is_live; /* writable (0644): an environment may still write to it */
};

/* A list of part files (owned). */
struct logs_files {
    struct logs_file *v;
    size_t n;
};

/* One log event, pointing into the buffer it was read into. */
struct logs_event {
    int64_t ts;      /* epoch ms */
    size_t file;     /* index of its file in the list it was read from */
    uint64_t offset; /* byte offset of the line in its part */
    const char *msg; /* the line without "\n" (not NUL-terminated) */
    size_t len;
};

/* A list of events and the file contents they point into (owned). */
struct logs_events {
    struct logs_event *v;
    size_t n, cap;
    char **bufs;
    size_t n_bufs;
};

/* Lists the .log files under dir (recursively, any order; nothing when dir is missing). OUT:
 * *out (logs_files_free). */
void logs_files_scan(const char *dir, struct logs_files *out);
/* Sorts by stream name, then part. */
void logs_files_sort(struct logs_files *fl);
/* Frees the list. */
void logs_files_free(struct logs_files *fl);
/* Appends the events of fl->v[i] with a time in [start_ms, end_ms) to ev (file = i). 0 or a
 * negative errno from open/read (a file deleted meanwhile gives -ENOENT). */
int logs_files_read(const struct logs_files *fl, size_t i, int64_t start_ms, int64_t end_ms,
                    struct logs_events *ev);
/* Frees the events and their buffers (the struct may be reused after logs_events_init). */
void logs_events_fini(struct logs_events *ev);
/* An empty event list. */
void logs_events_init(struct logs_events *ev);

#endif /* CLAMBDA_SERVER_LOGS_FILES_H */
