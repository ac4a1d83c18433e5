/* SPDX-License-Identifier: MIT */
/* examples/cpu-bound: a function whose work is all CPU, for `clambda tune` (power tuning): it
 * counts the primes below N by trial division (N from the event's "n", default 200000: ~25 ms
 * of one core here) and answers {"primes":COUNT,"n":N}. On Lambda, and under `clambda serve`'s
 * full isolation, a function gets CPU in proportion to its memory (1769 MB = one vCPU), so its
 * duration falls as memory grows until it has a whole core; it is single-threaded, so more
 * than 1769 MB buys it nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <clambda/runtime.h>

#define CPU_DEFAULT_N 200000L
#define CPU_MAX_N     50000000L

/* "n": NUMBER from the event (a plain scan: the example has no JSON parser), else the default. */
static long event_n(const uint8_t *event, size_t len)
{
    static const char key[] = "\"n\"";
    char buf[4096];
    size_t n = len < sizeof(buf) - 1 ? len : sizeof(buf) - 1;
    memcpy(buf, event, n);
    buf[n] = '\0';
    const char *p = strstr(buf, key);
    if (p == NULL) {
        return CPU_DEFAULT_N;
    }
    p += sizeof(key) - 1;
    p += strspn(p, " \t:");
    long v = strtol(p, NULL, 10);
    return v > 1 && v <= CPU_MAX_N ? v : CPU_DEFAULT_N;
}

static long count_primes(long n)
{
    long count = 0;
    for (long i = 2; i < n; i++) {
        int prime = 1;
        for (long d = 2; d * d <= i; d++) {
            if (i % d == 0) {
                prime = 0;
                break;
            }
        }
        count += prime;
    }
    return count;
}

static int cpu_bound(clambda_runtime *rt, clambda_invocation *inv, void *user)
{
    size_t len;
    const uint8_t *event = clambda_invocation_payload(inv, &len);
    char body[128];
    (void)user;
    long n = event_n(event, len);
    int k = snprintf(body, sizeof(body), "{\"primes\":%ld,\"n\":%ld}", count_primes(n), n);
    return clambda_runtime_respond(rt, inv, body, (size_t)k, "application/json");
}

int main(void)
{
    return clambda_run(cpu_bound, NULL) == CLAMBDA_ESHUTDOWN ? 0 : 1;
}
