/* SPDX-License-Identifier: MIT */
/* The server's own log lines on stderr, one per call, with a level: "clambda: <message>" for
 * errors and notices, "clambda: warning: <message>" for warnings, "clambda: debug: ..." for
 * debug lines. Lines below the level set by log_set_level (default LOG_INFO, or
 * CLAMBDA_LOG_LEVEL=error|warn|info|debug read by log_set_level_from_env) are dropped. Function
 * output (the runtime's stdout/stderr) never goes through here: observe/logs.h captures it. */
#ifndef CLAMBDA_SERVER_BASE_LOG_H
#define CLAMBDA_SERVER_BASE_LOG_H

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* Sets the lowest level that is printed. Not thread-safe: call before threads start. */
void log_set_level(enum log_level level);
/* Reads CLAMBDA_LOG_LEVEL (error, warn, info, debug); an unknown value keeps the level. */
void log_set_level_from_env(void);
/* True when lines of level are printed (to skip building an expensive message). */
int log_enabled(enum log_level level);

/* One line at level: the prefix, the formatted message and a newline, in one write so that
 * lines of several threads do not interleave. The format carries no trailing newline. */
void log_line(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_line(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_line(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_line(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_line(LOG_DEBUG, __VA_ARGS__)

#endif /* CLAMBDA_SERVER_BASE_LOG_H */
