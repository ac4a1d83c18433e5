/* SPDX-License-Identifier: MIT */
/* examples/stream: streams its response in several chunks (response streaming, as used by
 * Function URLs with InvokeMode RESPONSE_STREAM). Each chunk leaves as soon as it is written.
 * The event may set {"chunks": N} (1..100, default 5). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <clambda/runtime.h>

static int chunk_count(const clambda_invocation *inv)
{
    const char *payload = (const char *)clambda_invocation_payload(inv, NULL);
    const char *p = strstr(payload, "\"chunks\"");
    long n = 5;
    if (p != NULL && (p = strchr(p, ':')) != NULL) {
        n = strtol(p + 1, NULL, 10);
    }
    return n >= 1 && n <= 100 ? (int)n : 5;
}

static int stream(clambda_runtime *rt, clambda_invocation *inv, void *user)
{
    clambda_stream *s;
    (void)user;
    int rc = clambda_stream_open(rt, inv, "text/plain", &s);
    if (rc != CLAMBDA_OK) {
        return rc;
    }
    int n = chunk_count(inv);
    for (int i = 1; i <= n && rc == CLAMBDA_OK; i++) {
        char line[64];
        int len = snprintf(line, sizeof(line), "chunk %d of %d\n", i, n);
        rc = clambda_stream_write(s, line, (size_t)len);
    }
    int frc = clambda_stream_finish(s);
    return rc != CLAMBDA_OK ? rc : frc;
}

int main(void)
{
    return clambda_run(stream, NULL) == CLAMBDA_ESHUTDOWN ? 0 : 1;
}
