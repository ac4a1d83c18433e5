/* SPDX-License-Identifier: MIT */
/* Log streams: one file per execution environment, <state>/logs/<function>/<stream>.log with
 * the CloudWatch stream name YYYY/MM/DD/[$LATEST]<32 hex>. The runtime's stdout and stderr
 * arrive in arbitrary pieces and are cut into lines here (a line longer than LOGS_MAX_LINE is
 * split, as CloudWatch caps events at 256 KB); platform lines (START, END, REPORT) are written
 * whole. While an invocation is attached, every line also goes to its tail buffer, whose last
 * 4 KB become X-Amz-Log-Result.
 *
 * Events need timestamps (the CloudWatch Logs API, `clambda logs`) but the file holds the
 * lines as AWS prints them, so a sidecar <stream>.ts records "<byte offset> <epoch ms>\n"
 * whenever the millisecond changes between two writes: every line from that offset on has that
 * time. Rotation: past max_bytes a stream continues in <stream>.1.log (.1.ts), .2.log, ...;
 * after each rollover the function's oldest files not being written are deleted until the
 * function's files total at most retain_bytes. A file being written has mode 0644; rolled-over
 * and closed ones become 0444, which is how pruning tells them apart. */
#ifndef CLAMBDA_SERVER_LOGS_H
#define CLAMBDA_SERVER_LOGS_H

#include <stddef.h>
#include <stdint.h>

#include "cl_buf.h"

/* Bytes of log kept for X-Amz-Log-Result. */
#define LOGS_TAIL_MAX ((size_t)4096)
/* Longest line written as one; longer output is split. */
#define LOGS_MAX_LINE ((size_t)256 * 1024)
/* Most platform text held by logs_platform_hold (more is written at once). */
#define LOGS_MAX_HELD ((size_t)64 * 1024)

/* The last LOGS_TAIL_MAX bytes written while attached. */
struct logs_tail {
    uint8_t data[LOGS_TAIL_MAX];
    size_t len;
};

/* Where a piece of runtime output came from. */
enum logs_source { LOGS_STDOUT = 0, LOGS_STDERR = 1 };

struct logs_stream;

/* Appends n bytes to t, keeping only the last LOGS_TAIL_MAX bytes. */
void logs_tail_append(struct logs_tail *t, const uint8_t *p, size_t n);

/* Creates the stream's directory and file under state_dir for function's version ("$LATEST",
 * "3": the stream is named YYYY/MM/DD/[version]<hex>). OUT: *out (logs_close). 0 or a negative
 * errno from mkdir/open. */
int logs_open(const char *state_dir, const char *function, const char *version,
              struct logs_stream **out);
/* Sets the rotation caps of s (0: none). */
void logs_set_limits(struct logs_stream *s, uint64_t max_bytes, uint64_t retain_bytes);
/* Deletes the oldest closed log files (and their .ts) under <state_dir>/logs/<function> until
 * the .log files total at most retain_bytes. Returns the number of files deleted. */
int logs_prune(const char *state_dir, const char *function, uint64_t retain_bytes);
/* Marks every log file under <state_dir>/logs as closed (0444): at server start no environment
 * is alive, so files left writable by a killed server become prunable. Returns the number of
 * files changed. */
int logs_seal(const char *state_dir);
/* Closes the file (partial lines are flushed first) and frees s. NULL is a no-op. */
void logs_close(struct logs_stream *s);
/* The stream name, valid until logs_close(). */
const char *logs_name(const struct logs_stream *s);
/* The path of the file being written (the latest part), valid until the next write. */
const char *logs_path(const struct logs_stream *s);
/* Attaches t (borrowed until the next attach) to receive every line; NULL detaches. */
void logs_attach(struct logs_stream *s, struct logs_tail *t);
/* Adds runtime output; complete lines are written at once, the rest waits for more. */
void logs_feed(struct logs_stream *s, enum logs_source src, const uint8_t *p, size_t n);
/* Writes any partial line of src as a line (at EOF, before platform lines). */
void logs_flush(struct logs_stream *s, enum logs_source src);
/* Writes platform text (one or more complete lines, each ending in "\n"). */
void logs_platform(struct logs_stream *s, const struct cl_buf *text);
/* As logs_platform, but the text may be held in memory (stamped with the time of this call)
 * until logs_release, the next write to s or logs_close, whichever comes first: so that the end
 * of an invocation (END, REPORT) is written after the next one is dispatched, in the same turn
 * of the loop, never out of order. With a tail attached it is written at once. */
void logs_platform_hold(struct logs_stream *s, const struct cl_buf *text);
/* Writes what logs_platform_hold holds (NULL or nothing held: a no-op). */
void logs_release(struct logs_stream *s);

#endif /* CLAMBDA_SERVER_LOGS_H */
