/* SPDX-License-Identifier: MIT */
/* Levelled log lines on stderr; see log.h. */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static enum log_level current = LOG_INFO;

void log_set_level(enum log_level level)
{
    current = level;
}

void log_set_level_from_env(void)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    const char *v = getenv("CLAMBDA_LOG_LEVEL");
    for (int i = 0; v && i < 4; i++) {
        if (strcmp(v, names[i]) == 0) {
            current = (enum log_level)i;
        }
    }
}

int log_enabled(enum log_level level)
{
    return level <= current;
}

void log_line(enum log_level level, const char *fmt, ...)
{
    static const char *const prefix[] = {
        "clambda: ", "clambda: warning: ", "clambda: ", "clambda: debug: "};
    if (!log_enabled(level)) {
        return;
    }
    char line[4096];
    size_t n = (size_t)snprintf(line, sizeof(line), "%s", prefix[level]);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
    va_end(ap);
    if (m > 0) {
        n += (size_t)m < sizeof(line) - n - 1 ? (size_t)m : sizeof(line) - n - 2;
    }
    line[n++] = '\n';
    /* one write(2): lines of the loop and the thread pool never interleave */
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w;
}
