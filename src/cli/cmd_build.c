/* SPDX-License-Identifier: MIT */
/* `clambda build`; see cmd_build.h. One compiler run builds the project's C files in src/ together
 * with libclambda's sources (a dozen small files: ~1-2 s at -Os), statically: x86_64 with
 * musl-gcc; arm64 with a musl cross compiler (aarch64-linux-musl-gcc) when one is on PATH,
 * else Debian's aarch64-linux-gnu-gcc with static glibc (docs/cli.md has the sizes). */
#include "cmd_build.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
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
#include "cl_buf.h"
#include "cli_project.h"
#include "cli_zip.h"

extern char **environ;

enum { OPT_RELEASE, OPT_ARM64, OPT_X86, OPT_FORMAT, OPT_EXTENSION, OPT_PROJECT };

static const struct cli_opt opts[] = {
    {OPT_RELEASE, "release", NULL, "optimise for size (-Os) and strip (default: -O0 -g)", NULL},
    {OPT_ARM64, "arm64", NULL, "build for arm64 (Graviton)", NULL},
    {OPT_X86, "x86-64", NULL, "build for x86_64 (the default)", NULL},
    {OPT_FORMAT, "output-format", "FORMAT", "binary (default) or zip: also the deployable zip",
     "binary zip"},
    {OPT_EXTENSION, "extension", NULL,
     "build an extension: extensions/NAME instead of bootstrap (default from the Makefile)", NULL},
    {OPT_PROJECT, "project", "DIR", "the project directory (default: the current one)", "@dir"},
};

static int build_main(int argc, char **argv);

const struct cli_cmd cmd_build_cmd = {
    .name = "build",
    .synopsis = "",
    .summary = "compile the project into a static Lambda binary (and zip) in target/lambda/NAME/",
    .details = "Compiles src/*.c with libclambda's sources, statically: musl-gcc for x86_64, "
               "aarch64-linux-musl-gcc or aarch64-linux-gnu-gcc (static glibc) for arm64. "
               "Outputs: target/lambda/NAME/bootstrap and, with --output-format zip, "
               "bootstrap.zip (bootstrap at its root, mode 0755); an extension gives "
               "extensions/NAME and NAME.zip. Up-to-date outputs are not rebuilt.",
    .opts = opts,
    .n_opts = sizeof(opts) / sizeof(opts[0]),
    .main = build_main,
};

struct build {
    struct cli_project p;
    bool release, arm64, zip;
    char lib[PATH_MAX + 32];  /* libclambda's source root (include/, src/common, src/runtime) */
    char jsmn[PATH_MAX + 64]; /* the directory of jsmn.h */
    char cc[PATH_MAX];        /* the compiler */
    char bin[PATH_MAX];       /* the binary written */
    char zip_path[PATH_MAX];
    char entry[256];           /* the binary's path in the zip */
    char config[3 * PATH_MAX]; /* the settings recorded in .clambda-build */
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
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Finds an executable on PATH into out. */
static bool which(const char *name, char *out, size_t cap)
{
    const char *path = getenv("PATH");
    char dir[PATH_MAX];
    for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
        size_t n = strcspn(p, ":");
        (void)snprintf(dir, sizeof(dir), "%.*s/%s", (int)n, p, name);
        if (n > 0 && access(dir, X_OK) == 0) {
            (void)snprintf(out, cap, "%s", dir);
            return true;
        }
        p += n + (p[n] == ':');
    }
    return false;
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
        (void)snprintf(probe, sizeof(probe), "%s/include/clambda/runtime.h", cand[i]);
        if (cand[i][0] && is_file(probe)) {
            (void)snprintf(b->lib, sizeof(b->lib), "%s", cand[i]);
            (void)snprintf(probe, sizeof(probe), "%s/jsmn/jsmn.h", cand[i]);
            (void)snprintf(b->jsmn, sizeof(b->jsmn), "%s/jsmn", cand[i]);
            if (!is_file(probe)) {
                (void)snprintf(b->jsmn, sizeof(b->jsmn), "%s", "/usr/include");
            }
            return 0;
        }
    }
    (void)fprintf(stderr,
                  "clambda build: libclambda's sources are not in $CLAMBDA_LIB_SRC, "
                  "%s or %s: install clambda (cmake --install) or set CLAMBDA_LIB_SRC "
                  "to a clambda source tree\n",
                  cand[1], cand[2]);
    return -1;
}

static int find_cc(struct build *b)
{
    if (!b->arm64) {
        if (which("musl-gcc", b->cc, sizeof(b->cc))) {
            return 0;
        }
        (void)fprintf(stderr, "clambda build: musl-gcc not found: install musl-tools "
                              "(apt-get install musl-tools)\n");
        return -1;
    }
    if (which("aarch64-linux-musl-gcc", b->cc, sizeof(b->cc)) ||
        which("aarch64-linux-gnu-gcc", b->cc, sizeof(b->cc))) {
        return 0;
    }
    (void)fprintf(stderr, "clambda build: no arm64 compiler: install gcc-aarch64-linux-gnu and "
                          "libc6-dev-arm64-cross (or put aarch64-linux-musl-gcc on PATH)\n");
    return -1;
}

/* Adds dir's files ending in suffix (sorted) to v, or only tracks their newest mtime. */
static void scan(const char *dir, const char *suffix, struct strv *v, time_t *newest)
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
            *newest = st.st_mtime > *newest ? st.st_mtime : *newest;
        }
        free(list[i]);
    }
    free(list);
}

/* The compiler's command line; *newest gets the newest input's mtime. */
static void command(const struct build *b, const char *out, struct strv *v, time_t *newest)
{
    static const char *const common[] = {
        "-std=c11", "-D_GNU_SOURCE", "-DCLAMBDA_BUILDING", "-fvisibility=hidden", "-Wall",
        "-Wextra",  "-static"};
    static const char *const rel[] = {"-Os", "-ffunction-sections", "-fdata-sections",
                                      "-Wl,--gc-sections", "-s"};
    static const char *const dbg[] = {"-O0", "-g"};
    char dir[3 * PATH_MAX];
    strv_add(v, b->cc);
    for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++) {
        strv_add(v, common[i]);
    }
    for (size_t i = 0; b->release && i < sizeof(rel) / sizeof(rel[0]); i++) {
        strv_add(v, rel[i]);
    }
    for (size_t i = 0; !b->release && i < sizeof(dbg) / sizeof(dbg[0]); i++) {
        strv_add(v, dbg[i]);
    }
    const char *incs[] = {"/src", "/include", "/src/common", "/src/runtime"};
    for (size_t i = 0; i < 4; i++) {
        (void)snprintf(dir, sizeof(dir), "-I%s%s", i == 0 ? b->p.dir : b->lib, incs[i]);
        strv_add(v, dir);
    }
    (void)snprintf(dir, sizeof(dir), "-I%s/target/lambda/.include", b->p.dir);
    strv_add(v, dir);
    strv_add(v, "-o");
    strv_add(v, out);
    (void)snprintf(dir, sizeof(dir), "%s/src", b->p.dir);
    scan(dir, ".c", v, newest);
    scan(dir, ".h", NULL, newest);
    const char *libdirs[] = {"/src/common", "/src/runtime"};
    for (size_t i = 0; i < 2; i++) {
        (void)snprintf(dir, sizeof(dir), "%s%s", b->lib, libdirs[i]);
        scan(dir, ".c", v, newest);
        scan(dir, ".h", NULL, newest);
    }
    (void)snprintf(dir, sizeof(dir), "%s/include/clambda", b->lib);
    scan(dir, ".h", NULL, newest);
}

static time_t mtime_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_mtime : 0;
}

/* Whether the recorded settings are b's and the outputs are newer than newest. */
static bool up_to_date(const struct build *b, time_t newest)
{
    char rec[PATH_MAX + 32], line[3 * PATH_MAX];
    (void)snprintf(rec, sizeof(rec), "%s/.clambda-build", b->p.out);
    FILE *f = fopen(rec, "re");
    size_t n = f ? fread(line, 1, sizeof(line) - 1, f) : 0;
    if (f) {
        (void)fclose(f);
    }
    line[n] = '\0';
    time_t bin = mtime_of(b->bin);
    return strcmp(line, b->config) == 0 && bin != 0 && bin >= newest &&
           (!b->zip || mtime_of(b->zip_path) >= bin);
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
    (void)snprintf(dir, sizeof(dir), "%s/target/lambda/.include", b->p.dir);
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
 * libclambda with the project takes 1-2 s, much more on a loaded machine). 0 or -1. */
static int wait_child(pid_t pid, int *status)
{
    bool tty = isatty(STDERR_FILENO) == 1;
    struct timespec tick = {0, 100000000L};
    for (int n = 1;; n++) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid) {
            break;
        }
        if (r < 0 && errno != EINTR) {
            (void)fprintf(stderr, "clambda build: waitpid: %s\n", strerror(errno));
            return -1;
        }
        if (tty && n % 10 == 0) {
            (void)fprintf(stderr, "\r  compiling: %d s", n / 10);
        }
        (void)nanosleep(&tick, NULL);
    }
    if (tty) {
        (void)fputs("\r\033[K", stderr);
    }
    return 0;
}

/* Runs the compiler; 0 when it succeeded. */
static int run(const struct strv *v)
{
    pid_t pid;
    int rc = posix_spawn(&pid, v->v[0], NULL, NULL, v->v, environ);
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

static int write_record(const struct build *b)
{
    char rec[PATH_MAX + 32];
    (void)snprintf(rec, sizeof(rec), "%s/.clambda-build", b->p.out);
    FILE *f = fopen(rec, "we");
    int rc = f && fputs(b->config, f) >= 0 ? 0 : -1;
    rc = f && fclose(f) != 0 ? -1 : rc;
    if (rc < 0) {
        (void)fprintf(stderr, "clambda build: writing %s failed: %s\n", rec, strerror(errno));
    }
    return rc;
}

/* Compiles into bin.tmp and renames it into place, then zips. */
static int compile(struct build *b)
{
    char tmp[PATH_MAX + 8], dir[PATH_MAX];
    (void)snprintf(tmp, sizeof(tmp), "%s.tmp", b->bin);
    (void)snprintf(dir, sizeof(dir), "%s", b->bin);
    *strrchr(dir, '/') = '\0';
    struct strv v = {NULL, 0};
    time_t newest = 0;
    command(b, tmp, &v, &newest);
    int rc = mkdirs(dir) < 0 || stage_jsmn(b) < 0 ? -1 : 0;
    if (rc == 0 && up_to_date(b, newest)) {
        (void)printf("clambda build: %s is up to date (%s)\n", b->p.name,
                     b->zip ? b->zip_path : b->bin);
        strv_free(&v);
        return 0;
    }
    double t0 = now_s();
    (void)fprintf(stderr, "clambda build: compiling %s (%s, %s, %s)...\n", b->p.name,
                  b->release ? "release" : "debug", b->arm64 ? "arm64" : "x86_64", b->cc);
    rc = rc ? rc : run(&v);
    if (rc == 0 && rename(tmp, b->bin) < 0) {
        (void)fprintf(stderr, "clambda build: rename(%s): %s\n", tmp, strerror(errno));
        rc = -1;
    }
    char err[1024];
    if (rc == 0 && b->zip && cli_zip_write(b->zip_path, b->entry, b->bin, err, sizeof(err)) < 0) {
        (void)fprintf(stderr, "clambda build: zip: %s\n", err);
        rc = -1;
    }
    rc = rc ? rc : write_record(b);
    if (rc == 0) {
        struct stat st = {0};
        (void)stat(b->bin, &st);
        (void)printf("clambda build: built %s in %.1f s: %s (%lld bytes)%s%s\n", b->p.name,
                     now_s() - t0, b->bin, (long long)st.st_size, b->zip ? ", " : "",
                     b->zip ? b->zip_path : "");
    }
    (void)unlink(tmp);
    strv_free(&v);
    return rc;
}

static int prepare(struct build *b)
{
    if (find_lib(b) < 0 || find_cc(b) < 0) {
        return -1;
    }
    if (b->p.is_extension) {
        (void)snprintf(b->bin, sizeof(b->bin), "%s/extensions/%s", b->p.out, b->p.name);
        (void)snprintf(b->zip_path, sizeof(b->zip_path), "%s/%s.zip", b->p.out, b->p.name);
        (void)snprintf(b->entry, sizeof(b->entry), "extensions/%s", b->p.name);
    } else {
        (void)snprintf(b->bin, sizeof(b->bin), "%s/bootstrap", b->p.out);
        (void)snprintf(b->zip_path, sizeof(b->zip_path), "%s/bootstrap.zip", b->p.out);
        (void)snprintf(b->entry, sizeof(b->entry), "bootstrap");
    }
    (void)snprintf(b->config, sizeof(b->config), "arch=%s\nkind=%s\nprofile=%s\ncc=%s\nlib=%s\n",
                   b->arm64 ? "arm64" : "x86_64", b->p.is_extension ? "extension" : "function",
                   b->release ? "release" : "debug", b->cc, b->lib);
    return 0;
}

/* Reads the options into b; 0 to go on, -1 after --help, else the exit status. */
static int parse(struct build *b, int argc, char **argv, const char **project, bool *ext)
{
    struct cli_opts_state st;
    int c, rc = 0;
    cli_opts_init(&st, &cmd_build_cmd);
    while (rc == 0 && (c = cli_opts_next(&st, argc, argv)) >= 0) {
        b->release |= c == OPT_RELEASE;
        b->arm64 = c == OPT_ARM64 ? true : c == OPT_X86 ? false : b->arm64;
        *ext |= c == OPT_EXTENSION;
        *project = c == OPT_PROJECT ? st.arg : *project;
        if (c == OPT_FORMAT && strcmp(st.arg, "zip") != 0 && strcmp(st.arg, "binary") != 0) {
            rc = cli_opts_usage_error(&cmd_build_cmd, "--output-format %s: binary or zip", st.arg);
        }
        b->zip = c == OPT_FORMAT ? strcmp(st.arg, "zip") == 0 : b->zip;
    }
    cli_opts_fini(&st);
    if (rc == 0 && c != CLI_OPTS_END) {
        rc = c == CLI_OPTS_HELP ? -1 : CLI_EXIT_USAGE;
    }
    if (rc == 0 && optind != argc) {
        rc = cli_opts_usage_error(&cmd_build_cmd, "unexpected argument %s", argv[optind]);
    }
    return rc;
}

static int build_main(int argc, char **argv)
{
    struct build *b = xcalloc(1, sizeof(*b));
    const char *project = NULL;
    bool ext = false;
    char err[1024];
    int rc = parse(b, argc, argv, &project, &ext);
    if (rc == 0 && cli_project_find(project, &b->p, err, sizeof(err)) < 0) {
        (void)fprintf(stderr, "clambda build: %s\n", err);
        rc = CLI_EXIT_FAIL;
    } else if (rc == 0) {
        b->p.is_extension |= ext;
        rc = prepare(b) < 0 || compile(b) < 0 ? CLI_EXIT_FAIL : CLI_EXIT_OK;
    }
    free(b);
    return rc < 0 ? CLI_EXIT_OK : rc;
}
