/* SPDX-License-Identifier: MIT */
/* The build of a project; see cli_build.h. Two compiler runs at most: libclambda's sources
 * into objects under target/lambda/.lib/ARCH-PROFILE/ (a dozen small files, ~0.5-2 s; skipped
 * while they are up to date), the project's changed src/ C files into objects beside them
 * (ARCH-PROFILE/project/), then one static link of both (~0.1 s for the template). The compiler
 * (musl for x86_64, musl or static glibc for arm64) is cli_cross's choice. */
#include "cli_build.h"

#include <dirent.h>
#include <errno.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/xalloc.h"
#include "cli_cross.h"
#include "cli_zip.h"

extern char **environ;

/* The lib's object files: one per source of src/common and src/runtime (names distinct). */
#define LIB_DIRS 2
static const char *const lib_dirs[LIB_DIRS] = {"/src/common", "/src/runtime"};

struct build {
    const struct cli_project *p;
    char dir[PATH_MAX]; /* p->dir made absolute (the library compiles in objdir) */
    struct cli_build_opts o;
    struct cli_cross cross;   /* the compiler */
    char lib[PATH_MAX + 32];  /* libclambda's source root (include/, src/common, src/runtime) */
    char jsmn[PATH_MAX + 64]; /* the directory of jsmn.h */
    char objdir[PATH_MAX + 64];
    char bin[PATH_MAX];
    char zip_path[PATH_MAX];
    char entry[256];           /* the binary's path in the zip */
    char config[4 * PATH_MAX]; /* the settings recorded in .clambda-build */
};

/* A growable argv. */
struct strv {
    char **v;
    size_t n;
};

static void strv_add(struct strv *s, const char *arg)
{
    s->v = xrealloc(s->v, (s->n + 2) * sizeof(*s->v));
    s->v[s->n++] = xstrdup(arg);
    s->v[s->n] = NULL;
}

static void strv_free(struct strv *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i]);
    }
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool ts_after(struct timespec a, struct timespec b)
{
    return a.tv_sec > b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec > b.tv_nsec);
}

/* path's mtime, {0, 0} when it does not exist. */
static struct timespec mtime_of(const char *path)
{
    struct stat st;
    struct timespec none = {0, 0};
    return stat(path, &st) == 0 ? st.st_mtim : none;
}

/* libclambda's sources: $CLAMBDA_LIB_SRC, the installed copy beside the binary
 * (../share/clambda/src), else the source tree this clambda was built from. */
static int find_lib(struct build *b)
{
    char exe[PATH_MAX], cand[3][PATH_MAX + 32], probe[PATH_MAX + 96];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    exe[n > 0 ? n : 0] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) {
        *slash = '\0';
    }
    const char *env = getenv("CLAMBDA_LIB_SRC");
    (void)snprintf(cand[0], sizeof(cand[0]), "%s", env ? env : "");
    (void)snprintf(cand[1], sizeof(cand[1]), "%s/../share/clambda/src", exe);
    (void)snprintf(cand[2], sizeof(cand[2]), "%s", CLAMBDA_SOURCE_DIR);
    for (int i = 0; i < 3; i++) {
        /* a candidate too long for a path is none */
        if (cand[i][0] == '\0' ||
            snprintf(probe, sizeof(probe), "%s/include/clambda/runtime.h", cand[i]) >=
                (int)sizeof(probe) ||
            !is_file(probe) ||
            snprintf(b->lib, sizeof(b->lib), "%s", cand[i]) >= (int)sizeof(b->lib)) {
            continue;
        }
        bool has_jsmn =
            snprintf(probe, sizeof(probe), "%s/jsmn/jsmn.h", cand[i]) < (int)sizeof(probe) &&
            is_file(probe) &&
            snprintf(b->jsmn, sizeof(b->jsmn), "%s/jsmn", cand[i]) < (int)sizeof(b->jsmn);
        if (!has_jsmn) {
            (void)snprintf(b->jsmn, sizeof(b->jsmn), "%s", "/usr/include");
        }
        return 0;
    }
    (void)fprintf(stderr,
                  "clambda build: libclambda's sources are not in $CLAMBDA_LIB_SRC, "
                  "%s or %s: install clambda (cmake --install) or set CLAMBDA_LIB_SRC "
                  "to a clambda source tree\n",
                  cand[1], cand[2]);
    return -1;
}

/* Adds dir's files ending in suffix (sorted) to v (when not NULL); tracks their newest mtime. */
static void scan(const char *dir, const char *suffix, struct strv *v, struct timespec *newest)
{
    struct dirent **list = NULL;
    int n = scandir(dir, &list, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX + 256];
        size_t len = strlen(list[i]->d_name);
        size_t slen = strlen(suffix);
        (void)snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
        struct stat st;
        if (len > slen && strcmp(list[i]->d_name + len - slen, suffix) == 0 &&
            stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            if (v) {
                strv_add(v, path);
            }
            *newest = ts_after(st.st_mtim, *newest) ? st.st_mtim : *newest;
        }
        free(list[i]);
    }
    free(list);
}

/* The compiler and the flags both runs share. */
static void flags(const struct build *b, struct strv *v)
{
    static const char *const common[] = {
        "-std=c11", "-D_GNU_SOURCE", "-DCLAMBDA_BUILDING", "-fvisibility=hidden",
        "-Wall",    "-Wextra"};
    static const char *const rel[] = {"-Os", "-ffunction-sections", "-fdata-sections"};
    static const char *const dbg[] = {"-O0", "-g"};
    char dir[3 * PATH_MAX];
    strv_add(v, b->cross.cc);
    for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++) {
        strv_add(v, common[i]);
    }
    for (size_t i = 0; b->o.release && i < sizeof(rel) / sizeof(rel[0]); i++) {
        strv_add(v, rel[i]);
    }
    for (size_t i = 0; !b->o.release && i < sizeof(dbg) / sizeof(dbg[0]); i++) {
        strv_add(v, dbg[i]);
    }
    const char *incs[] = {"/src", "/include", "/src/common", "/src/runtime"};
    for (size_t i = 0; i < 4; i++) {
        (void)snprintf(dir, sizeof(dir), "-I%s%s", i == 0 ? b->dir : b->lib, incs[i]);
        strv_add(v, dir);
    }
    (void)snprintf(dir, sizeof(dir), "-I%s/target/lambda/.include", b->dir);
    strv_add(v, dir);
}

/* Creates every missing directory of path (a directory itself). */
static int mkdirs(const char *path)
{
    char p[PATH_MAX];
    (void)snprintf(p, sizeof(p), "%s", path);
    for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        if (mkdir(p, 0755) < 0 && errno != EEXIST) {
            return -errno;
        }
        *s = '/';
    }
    return mkdir(p, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

/* Copies jsmn.h (libclambda's one header-only dependency) where the compiler looks, because
 * musl-gcc and cross compilers do not search /usr/include. */
static int stage_jsmn(const struct build *b)
{
    char src[PATH_MAX + 96], dir[PATH_MAX + 32], dst[PATH_MAX + 48];
    (void)snprintf(src, sizeof(src), "%s/jsmn.h", b->jsmn);
    (void)snprintf(dir, sizeof(dir), "%s/target/lambda/.include", b->dir);
    (void)snprintf(dst, sizeof(dst), "%s/jsmn.h", dir);
    if (is_file(dst)) {
        return 0;
    }
    FILE *in = fopen(src, "re");
    FILE *out = mkdirs(dir) == 0 ? fopen(dst, "we") : NULL;
    char buf[8192];
    size_t n;
    int rc = in && out ? 0 : -1;
    while (rc == 0 && (n = fread(buf, 1, sizeof(buf), in)) > 0) {
        rc = fwrite(buf, 1, n, out) == n ? 0 : -1;
    }
    rc = out && fclose(out) != 0 ? -1 : rc;
    if (in) {
        (void)fclose(in);
    }
    if (rc < 0) {
        (void)fprintf(stderr, "clambda build: copying %s to %s failed (install libjsmn-dev)\n", src,
                      dst);
    }
    return rc;
}

/* Waits for pid; on a terminal, shows the seconds spent every second (the compile of
 * libclambda takes 1-2 s, much more on a loaded machine). 0 or -1. */
static int wait_child(pid_t pid, int *status)
{
    bool tty = isatty(STDERR_FILENO) == 1;
    struct timespec tick = {0, 5000000L};
    for (int n = 1;; n++) {
        /* without a terminal to show progress on, block: no polling delay on a rebuild */
        pid_t r = waitpid(pid, status, tty ? WNOHANG : 0);
        if (r == pid) {
            break;
        }
        if (r < 0 && errno != EINTR) {
            (void)fprintf(stderr, "clambda build: waitpid: %s\n", strerror(errno));
            return -1;
        }
        if (tty && n % 200 == 0) {
            (void)fprintf(stderr, "\r  compiling: %d s", n / 200);
        }
        if (tty) {
            (void)nanosleep(&tick, NULL);
        }
    }
    if (tty) {
        (void)fputs("\r\033[K", stderr);
    }
    return 0;
}

/* Runs the compiler (in dir when not NULL); 0 when it succeeded. */
static int run(const struct strv *v, const char *dir)
{
    pid_t pid;
    posix_spawn_file_actions_t fa;
    (void)posix_spawn_file_actions_init(&fa);
    if (dir) {
        (void)posix_spawn_file_actions_addchdir_np(&fa, dir);
    }
    int rc = posix_spawn(&pid, v->v[0], &fa, NULL, v->v, environ);
    (void)posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        (void)fprintf(stderr, "clambda build: posix_spawn(%s): %s\n", v->v[0], strerror(rc));
        return -1;
    }
    int status;
    if (wait_child(pid, &status) < 0) {
        return -1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        (void)fprintf(stderr, "clambda build: %s failed (status %d): see its messages above\n",
                      v->v[0], WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return -1;
    }
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads path (at most cap - 1 bytes) into out; "" when missing. */
static void read_small(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "re");
    size_t n = f ? fread(out, 1, cap - 1, f) : 0;
    if (f) {
        (void)fclose(f);
    }
    out[n] = '\0';
}

static int write_small(const char *path, const char *text)
{
    FILE *f = fopen(path, "we");
    int rc = f && fputs(text, f) >= 0 ? 0 : -1;
    rc = f && fclose(f) != 0 ? -1 : rc;
    if (rc < 0) {
        (void)fprintf(stderr, "clambda build: writing %s failed: %s\n", path, strerror(errno));
    }
    return rc;
}

/* ---- libclambda's objects ----------------------------------------------------------------- */

/* Adds the object of every library source to v (for the link); *newest: the newest library
 * source or header. */
static void lib_objects(const struct build *b, struct strv *v, struct timespec *newest)
{
    char dir[PATH_MAX + 64];
    struct strv srcs = {NULL, 0};
    for (size_t i = 0; i < LIB_DIRS; i++) {
        (void)snprintf(dir, sizeof(dir), "%s%s", b->lib, lib_dirs[i]);
        scan(dir, ".c", &srcs, newest);
        scan(dir, ".h", NULL, newest);
    }
    (void)snprintf(dir, sizeof(dir), "%s/include/clambda", b->lib);
    scan(dir, ".h", NULL, newest);
    for (size_t i = 0; v && i < srcs.n; i++) {
        char obj[2 * PATH_MAX];
        const char *base = strrchr(srcs.v[i], '/') + 1;
        (void)snprintf(obj, sizeof(obj), "%s/%.*s.o", b->objdir, (int)(strlen(base) - 2), base);
        strv_add(v, obj);
    }
    strv_free(&srcs);
}

/* Compiles libclambda into b->objdir unless its objects are newer than its sources and were
 * made with the same settings (the record in objdir/.settings). 0 or -1. */
static int lib_build(const struct build *b)
{
    char rec[PATH_MAX + 96], old[4 * PATH_MAX], settings[4 * PATH_MAX];
    struct timespec newest = {0, 0};
    lib_objects(b, NULL, &newest);
    (void)snprintf(rec, sizeof(rec), "%s/.settings", b->objdir);
    (void)snprintf(settings, sizeof(settings), "arch=%s\nprofile=%s\ncc=%s\nlibc=%s\nlib=%s\n",
                   b->o.arm64 ? "arm64" : "x86_64", b->o.release ? "release" : "debug", b->cross.cc,
                   b->cross.libc, b->lib);
    read_small(rec, old, sizeof(old));
    if (strcmp(old, settings) == 0 && !ts_after(newest, mtime_of(rec))) {
        return 0;
    }
    (void)unlink(rec);
    if (mkdirs(b->objdir) < 0) {
        (void)fprintf(stderr, "clambda build: mkdir(%s): %s\n", b->objdir, strerror(errno));
        return -1;
    }
    double t0 = now_s();
    (void)fprintf(stderr, "clambda build: compiling libclambda (%s, %s) into %s...\n",
                  b->o.release ? "release" : "debug", b->o.arm64 ? "arm64" : "x86_64", b->objdir);
    struct strv v = {NULL, 0};
    flags(b, &v);
    strv_add(&v, "-c");
    char dir[PATH_MAX + 64];
    struct timespec ignored = {0, 0};
    for (size_t i = 0; i < LIB_DIRS; i++) {
        (void)snprintf(dir, sizeof(dir), "%s%s", b->lib, lib_dirs[i]);
        scan(dir, ".c", &v, &ignored);
    }
    int rc = run(&v, b->objdir);
    strv_free(&v);
    rc = rc == 0 ? write_small(rec, settings) : rc;
    if (rc == 0) {
        (void)fprintf(stderr,
                      "clambda build: libclambda compiled in %.1f s (kept for the next "
                      "builds)\n",
                      now_s() - t0);
    }
    return rc;
}

/* ---- the project -------------------------------------------------------------------------- */

/* The newest mtime of every input: the project's sources and headers, libclambda's. */
static struct timespec inputs(const struct build *b)
{
    char dir[PATH_MAX + 8];
    struct timespec newest = {0, 0};
    (void)snprintf(dir, sizeof(dir), "%s/src", b->dir);
    scan(dir, ".c", NULL, &newest);
    scan(dir, ".h", NULL, &newest);
    lib_objects(b, NULL, &newest);
    return newest;
}

/* What an object of the project was compiled from: its source's mtime and size and the newest
 * dependency (headers, the library's settings record), as text. */
static void stamp_of(const char *src, struct timespec deps, char *out, size_t cap)
{
    struct stat st = {0};
    (void)stat(src, &st);
    (void)snprintf(out, cap, "%lld.%09ld %lld %lld.%09ld\n", (long long)st.st_mtim.tv_sec,
                   st.st_mtim.tv_nsec, (long long)st.st_size, (long long)deps.tv_sec, deps.tv_nsec);
}

/* Compiles the project's sources whose object (objdir/project/NAME.o) was not made from the
 * source as it is now (its stamp, NAME.stamp: the source's mtime and size and the newest
 * header or settings record, compared for equality, so that a file restored with an older
 * mtime counts as changed too), in one compiler run; adds every object to link. Saving one
 * file recompiles that file only. 0 or -1. */
static int project_objects(const struct build *b, struct strv *link)
{
    char src[PATH_MAX + 8], pdir[PATH_MAX + 80], path[2 * PATH_MAX], now[128], old[128];
    (void)snprintf(src, sizeof(src), "%s/src", b->dir);
    (void)snprintf(pdir, sizeof(pdir), "%s/project", b->objdir);
    (void)snprintf(path, sizeof(path), "%s/.settings", b->objdir);
    struct timespec deps = mtime_of(path), ignored = {0, 0};
    struct strv srcs = {NULL, 0}, cc = {NULL, 0}, stale = {NULL, 0};
    scan(src, ".h", NULL, &deps);
    lib_objects(b, NULL, &deps); /* libclambda's headers (and sources: rare, conservative) */
    scan(src, ".c", &srcs, &ignored);
    flags(b, &cc);
    strv_add(&cc, "-c");
    for (size_t i = 0; i < srcs.n; i++) {
        const char *base = strrchr(srcs.v[i], '/') + 1;
        int stem = (int)(strlen(base) - 2);
        stamp_of(srcs.v[i], deps, now, sizeof(now));
        (void)snprintf(path, sizeof(path), "%s/%.*s.stamp", pdir, stem, base);
        read_small(path, old, sizeof(old));
        if (strcmp(old, now) != 0) {
            strv_add(&cc, srcs.v[i]);
            strv_add(&stale, path);
            strv_add(&stale, now);
        }
        (void)snprintf(path, sizeof(path), "%s/%.*s.o", pdir, stem, base);
        strv_add(link, path);
    }
    int rc = stale.n > 0 && mkdirs(pdir) < 0 ? -1 : 0;
    rc = rc == 0 && stale.n > 0 ? run(&cc, pdir) : rc;
    for (size_t i = 0; rc == 0 && i < stale.n; i += 2) {
        rc = write_small(stale.v[i], stale.v[i + 1]);
    }
    strv_free(&cc);
    strv_free(&srcs);
    strv_free(&stale);
    return rc;
}

/* The link of the project's objects with libclambda's into out. 0 or -1. */
static int link_binary(const struct build *b, const char *out)
{
    static const char *const rel[] = {"-Wl,--gc-sections", "-s"};
    struct strv v = {NULL, 0};
    struct timespec ignored = {0, 0};
    strv_add(&v, b->cross.cc);
    strv_add(&v, "-static");
    for (size_t i = 0; b->o.release && i < sizeof(rel) / sizeof(rel[0]); i++) {
        strv_add(&v, rel[i]);
    }
    strv_add(&v, "-o");
    strv_add(&v, out);
    int rc = project_objects(b, &v);
    lib_objects(b, &v, &ignored);
    rc = rc == 0 ? run(&v, NULL) : rc;
    strv_free(&v);
    return rc;
}

/* Whether the recorded settings are b's and the outputs are newer than newest. */
static bool up_to_date(const struct build *b, struct timespec newest)
{
    char rec[PATH_MAX + 32], line[4 * PATH_MAX];
    (void)snprintf(rec, sizeof(rec), "%s/.clambda-build", b->p->out);
    read_small(rec, line, sizeof(line));
    struct timespec bin = mtime_of(b->bin);
    return strcmp(line, b->config) == 0 && bin.tv_sec != 0 && !ts_after(newest, bin) &&
           (!b->o.zip || !ts_after(bin, mtime_of(b->zip_path)));
}

/* Compiles into bin.tmp and renames it into place, then zips. */
static int compile(struct build *b, bool *rebuilt)
{
    char tmp[PATH_MAX + 8], dir[PATH_MAX], rec[PATH_MAX + 32];
    (void)snprintf(tmp, sizeof(tmp), "%s.tmp", b->bin);
    (void)snprintf(dir, sizeof(dir), "%s", b->bin);
    *strrchr(dir, '/') = '\0';
    int rc = mkdirs(dir) < 0 || stage_jsmn(b) < 0 ? -1 : 0;
    if (rc == 0 && up_to_date(b, inputs(b))) {
        (void)printf("clambda build: %s is up to date (%s)\n", b->p->name,
                     b->o.zip ? b->zip_path : b->bin);
        (void)fflush(stdout);
        return 0;
    }
    *rebuilt = true;
    double t0 = now_s();
    rc = rc ? rc : lib_build(b);
    if (rc == 0) {
        (void)fprintf(stderr, "clambda build: compiling %s (%s, %s, %s)...\n", b->p->name,
                      b->o.release ? "release" : "debug", b->o.arm64 ? "arm64" : "x86_64",
                      b->cross.cc);
    }
    rc = rc ? rc : link_binary(b, tmp);
    if (rc == 0 && rename(tmp, b->bin) < 0) {
        (void)fprintf(stderr, "clambda build: rename(%s): %s\n", tmp, strerror(errno));
        rc = -1;
    }
    char err[1024];
    if (rc == 0 && b->o.zip && cli_zip_write(b->zip_path, b->entry, b->bin, err, sizeof(err)) < 0) {
        (void)fprintf(stderr, "clambda build: zip: %s\n", err);
        rc = -1;
    }
    (void)snprintf(rec, sizeof(rec), "%s/.clambda-build", b->p->out);
    rc = rc ? rc : write_small(rec, b->config);
    if (rc == 0) {
        struct stat st = {0};
        (void)stat(b->bin, &st);
        (void)printf("clambda build: built %s in %.2f s: %s (%lld bytes)%s%s\n", b->p->name,
                     now_s() - t0, b->bin, (long long)st.st_size, b->o.zip ? ", " : "",
                     b->o.zip ? b->zip_path : "");
        (void)fflush(stdout);
    }
    (void)unlink(tmp);
    return rc;
}

static int prepare(struct build *b)
{
    if (realpath(b->p->dir, b->dir) == NULL) {
        (void)fprintf(stderr, "clambda build: realpath(%s): %s\n", b->p->dir, strerror(errno));
        return -1;
    }
    if (find_lib(b) < 0 || cli_cross_find(b->o.arm64, &b->cross) < 0) {
        return -1;
    }
    const struct cli_project *p = b->p;
    if (p->is_extension) {
        (void)snprintf(b->bin, sizeof(b->bin), "%s/extensions/%s", p->out, p->name);
        (void)snprintf(b->zip_path, sizeof(b->zip_path), "%s/%s.zip", p->out, p->name);
        (void)snprintf(b->entry, sizeof(b->entry), "extensions/%s", p->name);
    } else {
        (void)snprintf(b->bin, sizeof(b->bin), "%s/bootstrap", p->out);
        (void)snprintf(b->zip_path, sizeof(b->zip_path), "%s/bootstrap.zip", p->out);
        (void)snprintf(b->entry, sizeof(b->entry), "bootstrap");
    }
    (void)snprintf(b->objdir, sizeof(b->objdir), "%s/target/lambda/.lib/%s-%s", b->dir,
                   b->o.arm64 ? "arm64" : "x86_64", b->o.release ? "release" : "debug");
    (void)snprintf(b->config, sizeof(b->config),
                   "arch=%s\nkind=%s\nprofile=%s\ncc=%s\nlibc=%s\nlib=%s\n",
                   b->o.arm64 ? "arm64" : "x86_64", p->is_extension ? "extension" : "function",
                   b->o.release ? "release" : "debug", b->cross.cc, b->cross.libc, b->lib);
    return 0;
}

int cli_build_run(const struct cli_project *p, const struct cli_build_opts *o,
                  struct cli_build_out *out)
{
    struct build *b = xcalloc(1, sizeof(*b));
    b->p = p;
    b->o = *o;
    bool rebuilt = false;
    int rc = prepare(b) < 0 || compile(b, &rebuilt) < 0 ? -1 : 0;
    memset(out, 0, sizeof(*out));
    (void)snprintf(out->bin, sizeof(out->bin), "%s", b->bin);
    (void)snprintf(out->zip_path, sizeof(out->zip_path), "%s", b->zip_path);
    (void)snprintf(out->cc, sizeof(out->cc), "%s", b->cross.cc);
    out->rebuilt = rebuilt;
    free(b);
    return rc;
}
