/* SPDX-License-Identifier: MIT */
/* bench_runtime: measures libclambda's performance targets on the examples' static
 * bootstraps, each against a peer measured in the same run (machines are noisy: medians, p90
 * and ratios, never one figure alone). Runs alternate between the bootstrap and its peer, so
 * drift hits both alike.
 *   a) exec -> first `next`: from just before fork()+execve() of examples/hello until the
 *      server has read its first `GET .../next`; peer: bench/baseline_client, a static C
 *      program that only connects and sends that GET.
 *   b) per-invoke client overhead: the server-side time between consecutive `next` requests
 *      (event out, response in, 202 out, next in) of examples/echo on its keep-alive
 *      connection; floor: bench/raw_client doing the same pairs with preformatted bytes.
 *   c) peak RSS of hello after N invokes: ru_maxrss from wait4() (in bench/rss_launcher, see
 *      there why), and VmHWM at its last `next`; peer: the raw client.
 *   d) sizes of hello's bootstrap and zip; peer: baseline_client built static with glibc.
 * Usage: bench_runtime --hello PATH --echo PATH --baseline PATH --raw PATH [--zip PATH]
 *        [--glibc-client PATH] [--glibc-hello PATH] [--launcher PATH] [--cold N] [--warm N]
 *        [--rss N]
 * Exit status: 0 all targets met, 1 a target missed, 2 the benchmark could not run. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_server.h"

#define WARMUP_COLD   3  /* cold runs of each program before the measured ones */
#define WARMUP_CYCLES 16 /* first invokes of each warm run, not measured */
#define N_ROUNDS      5  /* warm runs of each program, interleaved */

#define TARGET_COLD_US   1000.0
#define TARGET_RATIO     1.20
#define TARGET_RSS_KB    2048L
#define TARGET_BIN_BYTES (100L * 1024)
#define TARGET_ZIP_BYTES (50L * 1024)

struct opts {
    const char *hello, *echo, *baseline, *raw, *zip, *glibc_client, *glibc_hello, *launcher;
    size_t n_cold, n_warm, n_rss;
};

/* Nanosecond samples. The array is mmap()ed with MADV_DONTFORK, so that the fork() inside the
 * timed exec -> first next does not copy its page tables into the child. */
struct samples {
    uint64_t *v;
    size_t n, cap;
};

struct summary {
    double med_us, p90_us;
    size_t n;
};

/* Warm runs of one program: cycle times, and the CPU time the program itself used (user +
 * system, from wait4(), start-up included but amortised over all invokes). */
struct series {
    struct samples cycles;
    double cpu_us;
    size_t n_invokes;
};

struct results {
    struct samples cold_hello, cold_base;
    struct series warm_echo, warm_hello, warm_raw;
    long rss_hello_kb, hwm_hello_kb, rss_raw_kb, hwm_raw_kb;
};

static int samples_init(struct samples *s, size_t cap)
{
    size_t bytes = (cap > 0 ? cap : 1) * sizeof(uint64_t);
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    s->n = 0;
    s->cap = cap;
    if (p == MAP_FAILED) {
        s->v = NULL;
        return -errno;
    }
    (void)madvise(p, bytes, MADV_DONTFORK);
    s->v = p;
    return 0;
}

static void samples_push(struct samples *s, uint64_t ns)
{
    if (s != NULL && s->n < s->cap) {
        s->v[s->n++] = ns;
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Sorts s in place; median and nearest-rank p90 in microseconds. */
static struct summary summarize(struct samples *s)
{
    struct summary r = {0, 0, s->n};
    if (s->n == 0) {
        return r;
    }
    qsort(s->v, s->n, sizeof(s->v[0]), cmp_u64);
    size_t half = s->n / 2;
    double mid = s->n % 2 ? (double)s->v[half] : ((double)s->v[half - 1] + (double)s->v[half]) / 2;
    size_t p90 = (s->n * 9 + 9) / 10 - 1;
    r.med_us = mid / 1000.0;
    r.p90_us = (double)s->v[p90] / 1000.0;
    return r;
}

/* ---- runs ---- */

static int run_failed(const char *path, const char *what, int err, int status)
{
    (void)fprintf(stderr, "bench_runtime: %s: %s: %s (wait status %d)\n", path, what,
                  strerror(err < 0 ? -err : 0), status);
    return -1;
}

/* One fork+exec of path, answered 500 at its first `next`. */
static int cold_once(struct bench_server *srv, const char *path, struct samples *out)
{
    pid_t pid;
    uint64_t t0, t1 = 0;
    struct rusage ru;
    int rc = bench_server_spawn(srv, path, NULL, -1, &pid, &t0);
    if (rc < 0) {
        return run_failed(path, "spawn", rc, 0);
    }
    struct bench_session ss = {.pid = pid, .n_events = 0, .next_ns = &t1};
    rc = bench_server_serve(srv, &ss);
    int status = bench_server_reap(pid, &ru);
    if (rc < 0 || status < 0) {
        return run_failed(path, "first next", rc < 0 ? rc : status, status);
    }
    samples_push(out, t1 - t0);
    return 0;
}

static double tv_us(struct timeval tv)
{
    return (double)tv.tv_sec * 1e6 + (double)tv.tv_usec;
}

/* One process serving n_events invokes. OUT (each optional): cycle times and CPU into out,
 * *hwm_kb (VmHWM at the last next). */
static int warm_once(struct bench_server *srv, const char *path, size_t n_events,
                     struct series *out, long *hwm_kb)
{
    pid_t pid;
    uint64_t t0;
    struct rusage ru;
    uint64_t *ts = malloc((n_events + 1) * sizeof(*ts));
    if (ts == NULL) {
        return run_failed(path, "malloc", -ENOMEM, 0);
    }
    int rc = bench_server_spawn(srv, path, NULL, -1, &pid, &t0);
    if (rc < 0) {
        free(ts);
        return run_failed(path, "spawn", rc, 0);
    }
    struct bench_session ss = {.pid = pid, .n_events = n_events, .next_ns = ts};
    rc = bench_server_serve(srv, &ss);
    int status = bench_server_reap(pid, &ru);
    if (rc < 0 || status < 0) {
        free(ts);
        return run_failed(path, "invokes", rc < 0 ? rc : status, status);
    }
    for (size_t i = WARMUP_CYCLES; out != NULL && i < n_events; i++) {
        samples_push(&out->cycles, ts[i + 1] - ts[i]);
    }
    if (out != NULL) {
        out->cpu_us += tv_us(ru.ru_utime) + tv_us(ru.ru_stime);
        out->n_invokes += n_events;
    }
    if (hwm_kb != NULL) {
        *hwm_kb = ss.hwm_kb;
    }
    free(ts);
    return 0;
}

static int measure_cold(struct bench_server *srv, const struct opts *o, struct results *r)
{
    for (size_t i = 0; i < o->n_cold + WARMUP_COLD; i++) {
        bool keep = i >= WARMUP_COLD;
        const char *first = i % 2 ? o->hello : o->baseline;
        const char *second = i % 2 ? o->baseline : o->hello;
        struct samples *s1 = i % 2 ? &r->cold_hello : &r->cold_base;
        struct samples *s2 = i % 2 ? &r->cold_base : &r->cold_hello;
        if (cold_once(srv, first, keep ? s1 : NULL) < 0 ||
            cold_once(srv, second, keep ? s2 : NULL) < 0) {
            return -1;
        }
    }
    return 0;
}

static int measure_warm(struct bench_server *srv, const struct opts *o, struct results *r)
{
    const char *paths[3] = {o->echo, o->raw, o->hello};
    struct series *outs[3] = {&r->warm_echo, &r->warm_raw, &r->warm_hello};
    size_t per_round = o->n_warm / N_ROUNDS + WARMUP_CYCLES;
    for (size_t round = 0; round < N_ROUNDS; round++) {
        for (size_t k = 0; k < 3; k++) {
            size_t j = (round + k) % 3; /* rotate who goes first */
            if (warm_once(srv, paths[j], per_round, outs[j], NULL) < 0) {
                return -1;
            }
        }
    }
    return 0;
}

/* Reads one '\n'-terminated line (without it) into buf. */
static int read_line(int fd, char *buf, size_t n)
{
    size_t len = 0;
    while (len + 1 < n) {
        ssize_t k = read(fd, buf + len, 1);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0) {
            return -EIO;
        }
        if (buf[len] == '\n') {
            break;
        }
        len++;
    }
    buf[len] = '\0';
    return 0;
}

/* n_events invokes of path, started by bench/rss_launcher so that ru_maxrss is path's own.
 * OUT: *maxrss_kb as the launcher got it from wait4(), *hwm_kb (VmHWM at the last next). */
static int rss_once(struct bench_server *srv, const char *launcher, const char *path,
                    size_t n_events, long *maxrss_kb, long *hwm_kb)
{
    int fds[2];
    pid_t lpid;
    uint64_t t0;
    struct rusage ru;
    char line[64];
    if (pipe2(fds, O_CLOEXEC) < 0) {
        return run_failed(path, "pipe2", -errno, 0);
    }
    int rc = bench_server_spawn(srv, launcher, path, fds[1], &lpid, &t0);
    (void)close(fds[1]);
    if (rc < 0) {
        (void)close(fds[0]);
        return run_failed(launcher, "spawn", rc, 0);
    }
    struct bench_session ss = {.pid = -1, .n_events = n_events};
    rc = read_line(fds[0], line, sizeof(line)); /* the pid of path */
    if (rc == 0) {
        ss.pid = (pid_t)strtol(line, NULL, 10);
        rc = bench_server_serve(srv, &ss);
    }
    if (rc < 0 && ss.pid > 0) {
        (void)kill(ss.pid, SIGKILL);
    }
    if (rc == 0) {
        rc = read_line(fds[0], line, sizeof(line)); /* "<maxrss> <status>" */
    }
    int status = bench_server_reap(lpid, &ru);
    (void)close(fds[0]);
    if (rc < 0 || status != 0) {
        return run_failed(path, "invokes under rss_launcher", rc < 0 ? rc : -EIO, status);
    }
    *maxrss_kb = strtol(line, NULL, 10);
    *hwm_kb = ss.hwm_kb;
    return 0;
}

/* Peak RSS of hello and of the raw client after n_rss invokes. Without the launcher only
 * VmHWM is measured (ru_maxrss would include pages inherited from this process). */
static int measure_rss(struct bench_server *srv, const struct opts *o, struct results *r)
{
    r->rss_hello_kb = r->rss_raw_kb = -1;
    if (o->launcher == NULL) {
        return warm_once(srv, o->hello, o->n_rss, NULL, &r->hwm_hello_kb) < 0 ||
                       warm_once(srv, o->raw, o->n_rss, NULL, &r->hwm_raw_kb) < 0
                   ? -1
                   : 0;
    }
    if (rss_once(srv, o->launcher, o->hello, o->n_rss, &r->rss_hello_kb, &r->hwm_hello_kb) < 0 ||
        rss_once(srv, o->launcher, o->raw, o->n_rss, &r->rss_raw_kb, &r->hwm_raw_kb) < 0) {
        return -1;
    }
    return 0;
}

/* ---- sizes ---- */

static long file_size(const char *path)
{
    struct stat st;
    return path != NULL && stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* 1 if the ELF file at path has no .symtab, 0 if it has one, -1 if it cannot tell. */
static int elf_is_stripped(const char *path)
{
    Elf64_Ehdr eh;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    int rc = -1;
    if (pread(fd, &eh, sizeof(eh), 0) == (ssize_t)sizeof(eh) &&
        memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 && eh.e_ident[EI_CLASS] == ELFCLASS64 &&
        eh.e_shentsize == sizeof(Elf64_Shdr)) {
        rc = 1;
        for (unsigned i = 0; i < eh.e_shnum && rc == 1; i++) {
            Elf64_Shdr sh;
            off_t off = (off_t)(eh.e_shoff + (uint64_t)i * sizeof(sh));
            if (pread(fd, &sh, sizeof(sh), off) != (ssize_t)sizeof(sh)) {
                rc = -1;
            } else if (sh.sh_type == SHT_SYMTAB) {
                rc = 0;
            }
        }
    }
    (void)close(fd);
    return rc;
}

/* ---- report ---- */

static void print_series(const char *name, struct samples *s, const struct series *cpu)
{
    struct summary m = summarize(s);
    (void)printf("    %-34s median %8.1f us  p90 %8.1f us  (n=%zu)", name, m.med_us, m.p90_us, m.n);
    if (cpu != NULL && cpu->n_invokes > 0) {
        (void)printf("  client CPU %.1f us/invoke", cpu->cpu_us / (double)cpu->n_invokes);
    }
    (void)printf("\n");
}

static long max_long(long a, long b)
{
    return a > b ? a : b;
}

static void print_size(const char *name, const char *path)
{
    long size = file_size(path);
    if (size < 0) {
        (void)printf("    %-34s n/a\n", name);
        return;
    }
    int stripped = elf_is_stripped(path);
    (void)printf("    %-34s %8ld bytes  %7.1f KiB%s\n", name, size, (double)size / 1024,
                 stripped == 1   ? "  (stripped)"
                 : stripped == 0 ? "  (NOT stripped)"
                                 : "");
}

static void print_details(const struct opts *o, struct results *r)
{
    (void)printf("(a) exec -> first next, %zu cold runs each, interleaved\n", o->n_cold);
    print_series("examples/hello", &r->cold_hello, NULL);
    print_series("bench/baseline_client (peer)", &r->cold_base, NULL);
    (void)printf("(b) next+response cycle on a warm connection, timed by the server; %d runs "
                 "each, interleaved\n",
                 N_ROUNDS);
    print_series("examples/echo", &r->warm_echo.cycles, &r->warm_echo);
    print_series("examples/hello", &r->warm_hello.cycles, &r->warm_hello);
    print_series("bench/raw_client (floor)", &r->warm_raw.cycles, &r->warm_raw);
    (void)printf("(c) peak RSS after %zu invokes, KiB (ru_maxrss: wait4() %s; VmHWM: /proc at "
                 "the last next)\n",
                 o->n_rss, o->launcher != NULL ? "in rss_launcher" : "not measured");
    (void)printf("    %-34s ru_maxrss %5ld  VmHWM %5ld  peak %5ld\n", "examples/hello",
                 r->rss_hello_kb, r->hwm_hello_kb, max_long(r->rss_hello_kb, r->hwm_hello_kb));
    (void)printf("    %-34s ru_maxrss %5ld  VmHWM %5ld  peak %5ld\n", "bench/raw_client",
                 r->rss_raw_kb, r->hwm_raw_kb, max_long(r->rss_raw_kb, r->hwm_raw_kb));
    (void)printf("(d) sizes\n");
    print_size("examples/hello/bootstrap", o->hello);
    print_size("examples/hello/hello.zip", o->zip);
    print_size("baseline_client, musl -static -Os", o->baseline);
    print_size("baseline_client, glibc -static -Os", o->glibc_client);
    print_size("hello, glibc -static -Os", o->glibc_hello);
}

/* One row of the summary table; pass is 1, 0, -1 (information only) or -2 (not measured).
 * Returns 1 for a FAIL, 0 otherwise. */
static int print_row(const char *check, const char *target, const char *measured, const char *peer,
                     double ratio, int pass)
{
    static const char *const verdicts[] = {"n/a", "info", "FAIL", "PASS"};
    char ratio_s[16] = "-";
    if (ratio > 0) {
        (void)snprintf(ratio_s, sizeof(ratio_s), "%.2f", ratio);
    }
    (void)printf("%-30s %-12s %-12s %-34s %6s  %s\n", check, target, measured, peer, ratio_s,
                 verdicts[pass + 2]);
    return pass == 0;
}

static void fmt_kib(char *buf, size_t n, long bytes, const char *suffix)
{
    if (bytes < 0) {
        (void)snprintf(buf, n, "n/a");
    } else {
        (void)snprintf(buf, n, "%.1f KiB%s", (double)bytes / 1024, suffix);
    }
}

static double ratio_of(double a, double b)
{
    return a > 0 && b > 0 ? a / b : 0;
}

static double cpu_per_invoke(const struct series *s)
{
    return s->n_invokes > 0 ? s->cpu_us / (double)s->n_invokes : 0;
}

/* Rows for (a) and (b); returns the number of missed targets. */
static int table_timing(struct results *r)
{
    char m[32], p[64];
    int n_fail = 0;
    struct summary ch = summarize(&r->cold_hello), cb = summarize(&r->cold_base);
    struct summary we = summarize(&r->warm_echo.cycles), wr = summarize(&r->warm_raw.cycles);
    struct summary wh = summarize(&r->warm_hello.cycles);
    (void)snprintf(m, sizeof(m), "%.1f us", ch.med_us);
    (void)snprintf(p, sizeof(p), "%.1f us baseline_client", cb.med_us);
    n_fail += print_row("exec -> first next, hello", "<= 1000 us", m, p,
                        ratio_of(ch.med_us, cb.med_us), ch.med_us <= TARGET_COLD_US);
    double ratio = ratio_of(we.med_us, wr.med_us);
    (void)snprintf(m, sizeof(m), "%.1f us", we.med_us);
    (void)snprintf(p, sizeof(p), "%.1f us raw_client", wr.med_us);
    n_fail += print_row("next+response cycle, echo", "<= 1.20 x", m, p, ratio,
                        ratio > 0 && ratio <= TARGET_RATIO);
    (void)snprintf(m, sizeof(m), "%.1f us", wh.med_us);
    (void)print_row("next+response cycle, hello", "(info)", m, p, ratio_of(wh.med_us, wr.med_us),
                    -1);
    double ce = cpu_per_invoke(&r->warm_echo), cr = cpu_per_invoke(&r->warm_raw);
    (void)snprintf(m, sizeof(m), "%.1f us", ce);
    (void)snprintf(p, sizeof(p), "%.1f us raw_client", cr);
    (void)print_row("client CPU per invoke, echo", "(info)", m, p, ratio_of(ce, cr), -1);
    (void)printf("%-30s echo %+.1f us and hello %+.1f us per invoke over the raw floor; "
                 "%+.1f us exec -> next over the static C client\n",
                 "libclambda's share:", we.med_us - wr.med_us, wh.med_us - wr.med_us,
                 ch.med_us - cb.med_us);
    return n_fail;
}

/* Rows for (c) and (d); returns the number of missed targets. */
static int table_footprint(const struct opts *o, const struct results *r)
{
    char m[32], p[64];
    int n_fail = 0;
    long peak = max_long(r->rss_hello_kb, r->hwm_hello_kb);
    long peer_peak = max_long(r->rss_raw_kb, r->hwm_raw_kb);
    (void)snprintf(m, sizeof(m), "%ld KiB", peak);
    (void)snprintf(p, sizeof(p), "%ld KiB raw_client", peer_peak);
    n_fail +=
        print_row("peak RSS, hello", "<= 2048 KiB", m, p, ratio_of((double)peak, (double)peer_peak),
                  peak > 0 && peak <= TARGET_RSS_KB);
    long bin = file_size(o->hello), peer = file_size(o->glibc_client), zip = file_size(o->zip);
    fmt_kib(m, sizeof(m), bin, "");
    fmt_kib(p, sizeof(p), peer, peer >= 0 ? " glibc static client" : "");
    n_fail += print_row("hello bootstrap, stripped", "<= 100 KiB", m, p,
                        ratio_of((double)bin, (double)peer),
                        bin > 0 && bin <= TARGET_BIN_BYTES && elf_is_stripped(o->hello) == 1);
    fmt_kib(m, sizeof(m), zip, "");
    n_fail +=
        print_row("hello.zip", "<= 50 KiB", m, "-", 0, zip < 0 ? -2 : zip <= TARGET_ZIP_BYTES);
    return n_fail;
}

/* Prints the summary table; returns the number of missed targets. */
static int print_table(const struct opts *o, struct results *r)
{
    (void)printf("\n%-30s %-12s %-12s %-34s %6s  %s\n", "check (medians)", "target", "measured",
                 "peer (same run)", "ratio", "result");
    int n_fail = table_timing(r);
    n_fail += table_footprint(o, r);
    (void)printf("%s\n", n_fail == 0 ? "all targets met" : "TARGET MISSED (see FAIL rows)");
    return n_fail;
}

/* ---- main ---- */

static int parse_count(const char *s, size_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v == 0 || v > 100000000ull) {
        return -EINVAL;
    }
    *out = (size_t)v;
    return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
    /* Path options first, in the order of paths[], then the counts. */
    static const struct option longs[] = {
        {"hello", 1, NULL, 0},       {"echo", 1, NULL, 0},     {"baseline", 1, NULL, 0},
        {"raw", 1, NULL, 0},         {"zip", 1, NULL, 0},      {"glibc-client", 1, NULL, 0},
        {"glibc-hello", 1, NULL, 0}, {"launcher", 1, NULL, 0}, {"cold", 1, NULL, 0},
        {"warm", 1, NULL, 0},        {"rss", 1, NULL, 0},      {NULL, 0, NULL, 0}};
    const char **paths[] = {&o->hello, &o->echo,         &o->baseline,    &o->raw,
                            &o->zip,   &o->glibc_client, &o->glibc_hello, &o->launcher};
    size_t *counts[] = {&o->n_cold, &o->n_warm, &o->n_rss};
    const int n_paths = (int)(sizeof(paths) / sizeof(paths[0]));
    int c, idx = 0, rc = 0;
    while (rc == 0 && (c = getopt_long(argc, argv, "", longs, &idx)) != -1) {
        if (c != 0) {
            rc = -EINVAL;
        } else if (idx < n_paths) {
            *paths[idx] = optarg;
        } else {
            rc = parse_count(optarg, counts[idx - n_paths]);
        }
    }
    if (rc == 0 && (optind != argc || !o->hello || !o->echo || !o->baseline || !o->raw)) {
        rc = -EINVAL;
    }
    return rc;
}

int main(int argc, char **argv)
{
    static struct bench_server srv;
    struct opts o = {.n_cold = 30, .n_warm = 20000, .n_rss = 10000};
    struct results r = {0};
    if (parse_opts(argc, argv, &o) < 0) {
        (void)fprintf(stderr, "usage: bench_runtime --hello PATH --echo PATH --baseline PATH "
                              "--raw PATH [--zip PATH] [--glibc-client PATH] [--glibc-hello PATH]"
                              " [--launcher PATH] [--cold N] [--warm N] [--rss N]\n");
        return 2;
    }
    if (o.n_warm < N_ROUNDS) {
        o.n_warm = N_ROUNDS;
    }
    int rc = bench_server_open(&srv);
    if (rc == 0) {
        rc = samples_init(&r.cold_hello, o.n_cold) | samples_init(&r.cold_base, o.n_cold) |
             samples_init(&r.warm_echo.cycles, o.n_warm) |
             samples_init(&r.warm_hello.cycles, o.n_warm) |
             samples_init(&r.warm_raw.cycles, o.n_warm);
    }
    if (rc != 0) {
        (void)fprintf(stderr, "bench_runtime: setup: %s\n", strerror(rc < 0 ? -rc : EINVAL));
        bench_server_close(&srv);
        return 2;
    }
    (void)printf("bench_runtime: %ld CPUs online, server %s\n", sysconf(_SC_NPROCESSORS_ONLN),
                 srv.endpoint);
    (void)fflush(stdout);
    if (measure_cold(&srv, &o, &r) < 0 || measure_warm(&srv, &o, &r) < 0 ||
        measure_rss(&srv, &o, &r) < 0) {
        bench_server_close(&srv);
        return 2;
    }
    bench_server_close(&srv);
    print_details(&o, &r);
    return print_table(&o, &r) > 0 ? 1 : 0;
}
