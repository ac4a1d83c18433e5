/* SPDX-License-Identifier: MIT */
/* `clambda new`; see cmd_new.h. Writes the "common" templates plus those of the chosen kind
 * (cli_embed.h), filling in the placeholders. Nothing is written when the directory
 * already exists, and a failure half-way removes nothing the user had (the directory is new). */
#include "cmd_new.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cl_buf.h"
#include "cl_io.h"
#include "cli_embed.h"

enum { OPT_HTTP, OPT_STREAM, OPT_EXTENSION };

static const struct cli_opt opts[] = {
    {OPT_HTTP, "http", NULL, "an HTTP API (API Gateway v1/v2, Function URL, ALB) with routes",
     NULL},
    {OPT_STREAM, "stream", NULL, "a function that streams its response", NULL},
    {OPT_EXTENSION, "extension", NULL, "an external Lambda extension instead of a function", NULL},
};

static int new_main(int argc, char **argv);

const struct cli_cmd cmd_new_cmd = {
    .name = "new",
    .synopsis = "NAME",
    .summary = "create a function project in a new directory NAME",
    .details = "The project builds against the installed libclambda with CMake "
               "(find_package(clambda)) or make (pkg-config), and has a unit test: `make test` "
               "or `ctest`. NAME: letters, digits, '-' and '_', at most 64, starting with a "
               "letter (it becomes the function's name).",
    .opts = opts,
    .n_opts = sizeof(opts) / sizeof(opts[0]),
    .main = new_main,
};

/* What a kind puts in the placeholders. */
struct kind {
    const char *name; /* template folder */
    const char *label;
    const char *example; /* --data-example for the README */
};

static const struct kind kinds[] = {
    {"function", "function", "eventbridge"},
    {"http", "HTTP API function", "apigw-v2"},
    {"stream", "streaming function", "function-url"},
    {"extension", "extension", NULL},
};

static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'))) {
        return false;
    }
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n;
}

static int next_commands(const char *name, const struct kind *k, struct cl_buf *out)
{
    if (k->example == NULL) {
        return cl_buf_printf(out,
                             "make test          # or: cmake -S . -B build -DCMAKE_PREFIX_PATH=... "
                             "&& cmake --build build && ctest --test-dir build\n"
                             "clambda build --release --extension --output-format zip   # "
                             "target/lambda/%s/%s.zip: extensions/%s, a layer's content\n",
                             name, name, name);
    }
    return cl_buf_printf(out,
                         "make test          # or: cmake -S . -B build -DCMAKE_PREFIX_PATH=... && "
                         "cmake --build build && ctest --test-dir build\n"
                         "clambda build --release --output-format zip   # "
                         "target/lambda/%s/bootstrap and bootstrap.zip\n"
                         "clambda serve --function %s=target/lambda/%s &      # run it locally\n"
                         "clambda invoke %s --data-example %s\n"
                         "clambda deploy %s --iam-role arn:aws:iam::ACCOUNT:role/ROLE   # on AWS\n",
                         name, name, name, name, k->example, name);
}

/* Appends text with the placeholders replaced. */
static int expand(const unsigned char *text, size_t len, const char *const *vars, size_t n_vars,
                  struct cl_buf *out)
{
    int rc = 0;
    for (size_t i = 0; i < len && rc == 0;) {
        size_t v = 0;
        for (; v < n_vars; v += 2) {
            size_t klen = strlen(vars[v]);
            if (klen <= len - i && memcmp(text + i, vars[v], klen) == 0) {
                break;
            }
        }
        if (v < n_vars) {
            rc = cl_buf_append_str(out, vars[v + 1]);
            i += strlen(vars[v]);
        } else {
            rc = cl_buf_append(out, text + i, 1);
            i++;
        }
    }
    return rc;
}

/* Creates dir/path's parent folders, then the file with data. 0 or -errno. */
static int write_file(const char *dir, const char *path, const struct cl_buf *data)
{
    char full[4096];
    int n = snprintf(full, sizeof(full), "%s/%s", dir, path);
    if (n < 0 || (size_t)n >= sizeof(full)) {
        return -ENAMETOOLONG;
    }
    for (char *slash = strchr(full + strlen(dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        int rc = mkdir(full, 0755) < 0 && errno != EEXIST ? -errno : 0;
        *slash = '/';
        if (rc < 0) {
            return rc;
        }
    }
    int fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        return -errno;
    }
    int rc = cl_write_all(fd, data->data, data->len);
    if (close(fd) < 0 && rc == 0) {
        rc = -errno;
    }
    return rc;
}

static int create(const char *name, const struct kind *k)
{
    if (mkdir(name, 0755) < 0) {
        (void)fprintf(stderr, "clambda new: mkdir(%s): %s%s\n", name, strerror(errno),
                      errno == EEXIST ? " (choose another NAME or remove it)" : "");
        return CLI_EXIT_FAIL;
    }
    struct cl_buf next, out;
    cl_buf_init(&next, 8192);
    cl_buf_init(&out, (size_t)1 << 20);
    bool is_ext = strcmp(k->name, "extension") == 0;
    int rc = next_commands(name, k, &next);
    const char *vars[] = {"{{name}}", name,
                          "{{kind}}", k->label,
                          "{{bin}}",  is_ext ? name : "bootstrap",
                          "{{next}}", cl_buf_str(&next)};
    for (size_t i = 0; i < new_templates_n && rc == 0; i++) {
        const struct cli_embed *t = &new_templates_all[i];
        if (strcmp(t->kind, "common") != 0 && strcmp(t->kind, k->name) != 0) {
            continue;
        }
        cl_buf_reset(&out);
        rc = expand(t->data, t->len, vars, sizeof(vars) / sizeof(vars[0]), &out);
        rc = rc ? rc : write_file(name, t->path, &out);
        if (rc < 0) {
            (void)fprintf(stderr, "clambda new: writing %s/%s: %s\n", name, t->path, strerror(-rc));
        }
    }
    if (rc == 0) {
        (void)printf("Created %s `%s` in ./%s\n\nNext:\ncd %s\n%s", k->label, name, name, name,
                     cl_buf_str(&next));
    }
    cl_buf_fini(&next);
    cl_buf_fini(&out);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static int new_main(int argc, char **argv)
{
    struct cli_opts_state st;
    const struct kind *k = &kinds[0];
    int n_kinds = 0;
    int c;
    cli_opts_init(&st, &cmd_new_cmd);
    while ((c = cli_opts_next(&st, argc, argv)) >= 0) {
        k = &kinds[c == OPT_HTTP ? 1 : c == OPT_STREAM ? 2 : 3];
        n_kinds++;
    }
    cli_opts_fini(&st);
    if (c != CLI_OPTS_END) {
        return c == CLI_OPTS_HELP ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    }
    if (n_kinds > 1) {
        return cli_opts_usage_error(&cmd_new_cmd, "--http, --stream and --extension exclude "
                                                  "each other");
    }
    if (optind + 1 != argc) {
        return cli_opts_usage_error(&cmd_new_cmd, "give one NAME");
    }
    if (!name_ok(argv[optind])) {
        return cli_opts_usage_error(&cmd_new_cmd,
                                    "NAME %s: use letters, digits, '-' and '_' (at most 64, "
                                    "starting with a letter)",
                                    argv[optind]);
    }
    return create(argv[optind], k);
}
