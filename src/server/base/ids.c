/* SPDX-License-Identifier: MIT */
/* Random identifiers; see ids.h. getrandom(2) never fails for small sizes once the pool is
 * initialised; if it does (seccomp, ancient kernel) we fall back to the clock mixed with the
 * pid, which is unique enough for request ids but never used for secrets. */
#include "base/ids.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* Random bytes are drawn from the kernel 512 at a time: an invocation needs 36 (request id and
 * trace id), and three getrandom() calls per invoke were a tenth of its system calls. The pool
 * is only ever used on the loop's thread and never after fork() (children exec at once). */
static uint8_t pool[512];
static size_t pool_left;

static bool take_pooled(uint8_t *p, size_t n)
{
    if (n > sizeof(pool)) {
        return false;
    }
    if (pool_left < n) {
        if (getrandom(pool, sizeof(pool), 0) != (ssize_t)sizeof(pool)) {
            return false;
        }
        pool_left = sizeof(pool);
    }
    uint8_t *src = pool + sizeof(pool) - pool_left;
    memcpy(p, src, n);
    memset(src, 0, n); /* each byte is handed out once */
    pool_left -= n;
    return true;
}

static void fill(uint8_t *p, size_t n)
{
    if (take_pooled(p, n) || getrandom(p, n, 0) == (ssize_t)n) {
        return;
    }
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)getpid();
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = (uint8_t)x;
    }
}

static void to_hex(const uint8_t *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

void ids_hex(char *out, size_t n_bytes)
{
    uint8_t buf[64];
    size_t done = 0;
    while (done < n_bytes) {
        size_t n = n_bytes - done < sizeof(buf) ? n_bytes - done : sizeof(buf);
        fill(buf, n);
        to_hex(buf, n, out + 2 * done);
        done += n;
    }
    out[2 * n_bytes] = '\0';
}

void ids_uuid(char *out)
{
    uint8_t b[16];
    char hex[33];
    fill(b, sizeof(b));
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    to_hex(b, sizeof(b), hex);
    (void)snprintf(out, IDS_UUID_LEN, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16,
                   hex + 20);
}

void ids_trace(char *out, long long now_s)
{
    char root[25];
    char parent[17];
    ids_hex(root, 12);
    ids_hex(parent, 8);
    (void)snprintf(out, IDS_TRACE_LEN, "Root=1-%08llx-%s;Parent=%s;Sampled=0",
                   (unsigned long long)now_s & 0xffffffffULL, root, parent);
}

void ids_now_iso(char *out, int frac_digits, const char *zone)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    (void)gmtime_r(&ts.tv_sec, &tm);
    char base[24];
    (void)strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    int frac =
        (int)(frac_digits == 6 ? (ts.tv_nsec / 1000) % 1000000 : (ts.tv_nsec / 1000000) % 1000);
    (void)snprintf(out, IDS_TIME_LEN, "%s.%0*d%.8s", base, frac_digits == 6 ? 6 : 3, frac, zone);
}
