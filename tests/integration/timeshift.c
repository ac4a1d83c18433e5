/* SPDX-License-Identifier: MIT */
/* An LD_PRELOAD shim for tests that need the server's wall clock to jump ahead (an expired
 * code download URL): time() answers the real time plus the whole seconds written in the file
 * CLAMBDA_TEST_TIMESHIFT_FILE names (0 while it is missing or empty). Only time() moves;
 * clock_gettime(), and so libuv's timers and every monotonic clock, is left alone. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

time_t time(time_t *out);

/* The shift in seconds, read anew on every call so that a test can change it at any time. */
static long shift(void)
{
    const char *path = getenv("CLAMBDA_TEST_TIMESHIFT_FILE");
    FILE *f = path ? fopen(path, "re") : NULL;
    char buf[32] = "";
    if (f) {
        if (fgets(buf, sizeof(buf), f) == NULL) {
            buf[0] = '\0';
        }
        (void)fclose(f);
    }
    char *end = NULL;
    long s = strtol(buf, &end, 10);
    return end == buf ? 0 : s;
}

time_t time(time_t *out)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    time_t now = ts.tv_sec + (time_t)shift();
    if (out) {
        *out = now;
    }
    return now;
}
