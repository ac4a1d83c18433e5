/* SPDX-License-Identifier: MIT */
/* `clambda deploy`; see cmd_deploy.h. The requests are Lambda's REST API (2015-03-31 for
 * functions, 2017-03-31 for tags, 2021-10-31 for Function URLs) with JSON bodies built with
 * jansson and sent by cli_aws (SigV4, libcurl). */
#include "cmd_deploy.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/xalloc.h"
#include "cl_b64.h"
#include "cl_buf.h"
#include "cli_aws.h"
#include "cli_project.h"

#define DEPLOY_MAX_ZIP  ((size_t)70 * 1024 * 1024) /* base64 of AWS's 50 MB direct upload */
#define DEPLOY_WAIT_S   300
#define DEPLOY_MAX_LIST 64

enum {
    OPT_ROLE,
    OPT_MEMORY,
    OPT_TIMEOUT,
    OPT_ENV,
    OPT_LAYER,
    OPT_ARCH,
    OPT_ALIAS,
    OPT_PUBLISH,
    OPT_URL,
    OPT_TAG,
    OPT_ZIP,
    OPT_PROJECT,
    OPT_ENDPOINT,
    OPT_PROFILE,
    OPT_REGION,
    OPT_DRY_RUN
};

static const struct cli_opt opts[] = {
    {OPT_ROLE, "iam-role", "ARN", "the execution role (needed to create a function)", NULL},
    {OPT_MEMORY, "memory", "MB", "memory size, 128..10240 (AWS's default 128)", NULL},
    {OPT_TIMEOUT, "timeout", "SECONDS", "timeout, 1..900 (AWS's default 3)", NULL},
    {OPT_ENV, "env-var", "KEY=VALUE", "an environment variable (repeatable; replaces all)", NULL},
    {OPT_LAYER, "layer", "ARN", "a layer version ARN (repeatable; replaces all)", NULL},
    {OPT_ARCH, "arch", "ARCH", "x86_64 or arm64 (default: what `clambda build` built)",
     "x86_64 arm64"},
    {OPT_ALIAS, "alias", "NAME", "point this alias at the deployed version (created if needed)",
     NULL},
    {OPT_PUBLISH, "publish", NULL, "publish a version of the new code and configuration", NULL},
    {OPT_URL, "enable-function-url", NULL, "give it a public Function URL (AuthType NONE)", NULL},
    {OPT_TAG, "tag", "KEY=VALUE", "a tag (repeatable)", NULL},
    {OPT_ZIP, "zip-file", "FILE", "deploy this zip (default: target/lambda/NAME/bootstrap.zip)",
     "@file"},
    {OPT_PROJECT, "project", "DIR", "the project directory (default: the current one)", "@dir"},
    {OPT_ENDPOINT, "endpoint-url", "URL", "a clambda server (or other endpoint) instead of AWS",
     NULL},
    {OPT_PROFILE, "profile", "NAME", "the AWS profile (default $AWS_PROFILE or default)", NULL},
    {OPT_REGION, "region", "REGION", "the AWS region (default $AWS_REGION, then the profile's)",
     NULL},
    {OPT_DRY_RUN, "dry-run", NULL, "print the requests (no secrets, no zip) and send nothing",
     NULL},
};

static int deploy_main(int argc, char **argv);

const struct cli_cmd cmd_deploy_cmd = {
    .name = "deploy",
    .synopsis = "[NAME]",
    .summary = "create or update a function on AWS or on a clambda server",
    .details = "NAME defaults to the project's name. Credentials and region are found as the AWS "
               "SDKs find them (AWS_ACCESS_KEY_ID..., AWS_PROFILE, ~/.aws/credentials, "
               "~/.aws/config). Waits until the function is Active and its update Successful.",
    .opts = opts,
    .n_opts = sizeof(opts) / sizeof(opts[0]),
    .main = deploy_main,
};

struct deploy {
    struct cli_aws a;
    const char *name;
    char name_enc[512];
    char name_buf[128];
    const char *zip_file;
    char zip_default[4096];
    const char *role, *arch, *alias, *endpoint, *profile, *region, *project;
    long memory, timeout;
    const char *env[DEPLOY_MAX_LIST], *layers[DEPLOY_MAX_LIST], *tags[DEPLOY_MAX_LIST];
    size_t n_env, n_layers, n_tags;
    bool publish, url, dry_run;
    char arch_default[16];
    struct cl_buf zip_b64;
    size_t zip_len;
    char version[32];
    char arn[512];
    char exists[512]; /* what exists on the other side, for a failure message */
};

/* ---- command line ------------------------------------------------------------------------- */

static int add_list(const char **list, size_t *n, const char *v, const char *what, bool pair)
{
    if (*n == DEPLOY_MAX_LIST) {
        return cli_opts_usage_error(&cmd_deploy_cmd, "more than %d %s", DEPLOY_MAX_LIST, what);
    }
    if (pair && (strchr(v, '=') == NULL || v[0] == '=')) {
        return cli_opts_usage_error(&cmd_deploy_cmd, "%s %s: want KEY=VALUE", what, v);
    }
    list[(*n)++] = v;
    return 0;
}

static int parse_long(const char *s, const char *what, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v <= 0) {
        return cli_opts_usage_error(&cmd_deploy_cmd, "%s %s: want a positive number", what, s);
    }
    *out = v;
    return 0;
}

static int take(struct deploy *d, int c, const char *arg)
{
    switch (c) {
    case OPT_ENV:
        return add_list(d->env, &d->n_env, arg, "--env-var", true);
    case OPT_LAYER:
        return add_list(d->layers, &d->n_layers, arg, "--layer", false);
    case OPT_TAG:
        return add_list(d->tags, &d->n_tags, arg, "--tag", true);
    case OPT_MEMORY:
        return parse_long(arg, "--memory", &d->memory);
    case OPT_TIMEOUT:
        return parse_long(arg, "--timeout", &d->timeout);
    case OPT_ARCH:
        d->arch = arg;
        return strcmp(arg, "x86_64") == 0 || strcmp(arg, "arm64") == 0
                   ? 0
                   : cli_opts_usage_error(&cmd_deploy_cmd, "--arch %s: x86_64 or arm64", arg);
    default:
        break;
    }
    d->role = c == OPT_ROLE ? arg : d->role;
    d->alias = c == OPT_ALIAS ? arg : d->alias;
    d->zip_file = c == OPT_ZIP ? arg : d->zip_file;
    d->project = c == OPT_PROJECT ? arg : d->project;
    d->endpoint = c == OPT_ENDPOINT ? arg : d->endpoint;
    d->profile = c == OPT_PROFILE ? arg : d->profile;
    d->region = c == OPT_REGION ? arg : d->region;
    d->publish |= c == OPT_PUBLISH;
    d->url |= c == OPT_URL;
    d->dry_run |= c == OPT_DRY_RUN;
    return 0;
}

/* 0 to go on, -1 after --help, else the exit status. */
static int parse(struct deploy *d, int argc, char **argv)
{
    struct cli_opts_state st;
    int c, rc = 0;
    cli_opts_init(&st, &cmd_deploy_cmd);
    while (rc == 0 && (c = cli_opts_next(&st, argc, argv)) >= 0) {
        rc = take(d, c, st.arg);
    }
    cli_opts_fini(&st);
    if (rc != 0 || c != CLI_OPTS_END) {
        return rc ? rc : c == CLI_OPTS_HELP ? -1 : CLI_EXIT_USAGE;
    }
    if (argc - optind > 1) {
        return cli_opts_usage_error(&cmd_deploy_cmd, "unexpected argument %s", argv[optind + 1]);
    }
    d->name = optind < argc ? argv[optind] : NULL;
    struct cli_project p;
    char err[1024];
    bool has_project = cli_project_find(d->project, &p, err, sizeof(err)) == 0;
    if (d->name == NULL && !has_project) {
        (void)fprintf(stderr, "clambda deploy: %s, or give the function NAME and --zip-file\n",
                      err);
        return CLI_EXIT_USAGE;
    }
    if (d->name == NULL) {
        (void)snprintf(d->name_buf, sizeof(d->name_buf), "%s", p.name);
        d->name = d->name_buf;
    }
    if (has_project) {
        (void)snprintf(d->zip_default, sizeof(d->zip_default), "%s/bootstrap.zip", p.out);
        if (!cli_project_record_get(&p, "arch", d->arch_default, sizeof(d->arch_default))) {
            d->arch_default[0] = '\0';
        }
    }
    d->zip_file = d->zip_file ? d->zip_file : d->zip_default[0] ? d->zip_default : NULL;
    d->arch = d->arch ? d->arch : d->arch_default[0] ? d->arch_default : "x86_64";
    if (d->zip_file == NULL) {
        return cli_opts_usage_error(&cmd_deploy_cmd, "no zip: pass --zip-file FILE");
    }
    cli_aws_path_segment(d->name, d->name_enc, sizeof(d->name_enc));
    return 0;
}

/* ---- requests ----------------------------------------------------------------------------- */

static int load_zip(struct deploy *d)
{
    if (d->zip_file == NULL) {
        return -1; /* parse() refuses this */
    }
    int fd = open(d->zip_file, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        (void)fprintf(stderr, "clambda deploy: open(%s): %s%s\n", d->zip_file, strerror(errno),
                      d->zip_file == d->zip_default
                          ? " (run `clambda build --release --output-format zip` first)"
                          : "");
        if (fd >= 0) {
            (void)close(fd);
        }
        return -1;
    }
    uint8_t *buf = xmalloc((size_t)st.st_size + 1);
    ssize_t n = read(fd, buf, (size_t)st.st_size);
    (void)close(fd);
    cl_buf_init(&d->zip_b64, DEPLOY_MAX_ZIP);
    int rc = n == st.st_size ? cl_b64_encode(&d->zip_b64, buf, (size_t)n) : -EIO;
    d->zip_len = (size_t)st.st_size;
    free(buf);
    if (rc < 0) {
        (void)fprintf(stderr, "clambda deploy: reading %s: %s\n", d->zip_file,
                      rc == -E2BIG ? "over the 50 MB direct upload limit" : strerror(-rc));
        return -1;
    }
    return 0;
}

/* Sends method target with body (a JSON object, consumed; may be NULL). When the body carries
 * the zip, dry-run shows it elided. OUT: *r. 0 when an answer came. */
static int call(struct deploy *d, const char *method, const char *target, json_t *body,
                struct cli_aws_resp *r)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    char *shown = NULL;
    json_t *code = json_object_get(body, "Code"); /* CreateFunction's; else the body itself */
    code = code ? code : body;
    if (body && json_object_get(code, "ZipFile")) {
        char note[4200];
        (void)snprintf(note, sizeof(note), "(base64 of %s, %zu bytes: elided)", d->zip_file,
                       d->zip_len);
        (void)json_object_set_new(code, "ZipFile", json_string(note));
        shown = json_dumps(body, JSON_INDENT(2));
    } else if (body) {
        shown = json_dumps(body, JSON_INDENT(2));
    }
    struct cli_aws_req req = {method, target, (const uint8_t *)text, text ? strlen(text) : 0,
                              shown,  NULL};
    int rc = cli_aws_call(&d->a, &req, r);
    free(text);
    free(shown);
    json_decref(body);
    return rc;
}

/* Whether the call succeeded; prints the failure (with what exists) when not. */
static bool ok(struct deploy *d, const char *what, int rc, const struct cli_aws_resp *r)
{
    if (rc == 0 && (d->dry_run || (r->status >= 200 && r->status < 300))) {
        return true;
    }
    if (rc == 0) {
        cli_aws_print_error(&d->a, what, r);
    }
    if (d->exists[0]) {
        (void)fprintf(stderr, "clambda deploy: what exists now: %s\n", d->exists);
    }
    return false;
}

static const char *str_or(const json_t *v, const char *dflt)
{
    const char *s = json_string_value(v);
    return s ? s : dflt;
}

static json_t *json_of(const struct cli_aws_resp *r)
{
    return json_loadb((const char *)r->body.data, r->body.len, 0, NULL);
}

/* Runtime, handler and the settings given on the command line. */
static void add_config(const struct deploy *d, json_t *o)
{
    (void)json_object_set_new(o, "Runtime", json_string("provided.al2023"));
    (void)json_object_set_new(o, "Handler", json_string("bootstrap"));
    if (d->role) {
        (void)json_object_set_new(o, "Role", json_string(d->role));
    }
    if (d->memory) {
        (void)json_object_set_new(o, "MemorySize", json_integer(d->memory));
    }
    if (d->timeout) {
        (void)json_object_set_new(o, "Timeout", json_integer(d->timeout));
    }
    if (d->n_env) {
        json_t *vars = json_object();
        for (size_t i = 0; i < d->n_env; i++) {
            const char *eq = strchr(d->env[i], '=');
            char key[256];
            (void)snprintf(key, sizeof(key), "%.*s", (int)(eq - d->env[i]), d->env[i]);
            (void)json_object_set_new(vars, key, json_string(eq + 1));
        }
        (void)json_object_set_new(o, "Environment", json_pack("{s:o}", "Variables", vars));
    }
    if (d->n_layers) {
        json_t *l = json_array();
        for (size_t i = 0; i < d->n_layers; i++) {
            (void)json_array_append_new(l, json_string(d->layers[i]));
        }
        (void)json_object_set_new(o, "Layers", l);
    }
}

static json_t *tags_object(const struct deploy *d)
{
    json_t *t = json_object();
    for (size_t i = 0; i < d->n_tags; i++) {
        const char *eq = strchr(d->tags[i], '=');
        char key[256];
        (void)snprintf(key, sizeof(key), "%.*s", (int)(eq - d->tags[i]), d->tags[i]);
        (void)json_object_set_new(t, key, json_string(eq + 1));
    }
    return t;
}

/* ---- steps -------------------------------------------------------------------------------- */

/* 1 when the function exists, 0 when not, -1 on an error (printed). */
static int exists(struct deploy *d)
{
    char target[700];
    (void)snprintf(target, sizeof(target), "/2015-03-31/functions/%s/configuration", d->name_enc);
    struct cli_aws_resp r;
    int rc = call(d, "GET", target, NULL, &r);
    int found = -1;
    if (rc == 0 && d->dry_run) {
        (void)printf("(dry run: assuming %s does not exist yet; if it does, deploy sends "
                     "UpdateFunctionCode and UpdateFunctionConfiguration instead)\n\n",
                     d->name);
        found = 0;
    } else if (rc == 0 && r.status == 200) {
        json_t *j = json_of(&r);
        (void)snprintf(d->arn, sizeof(d->arn), "%s", str_or(json_object_get(j, "FunctionArn"), ""));
        json_decref(j);
        found = 1;
    } else if (rc == 0 && r.status == 404 &&
               strcmp(r.error_type, "ResourceNotFoundException") == 0) {
        found = 0;
    } else if (rc == 0) {
        cli_aws_print_error(&d->a, "GetFunctionConfiguration", &r);
    }
    cli_aws_resp_fini(&r);
    return found;
}

static int create(struct deploy *d)
{
    if (d->role == NULL) {
        (void)fprintf(stderr,
                      "clambda deploy: %s does not exist yet and CreateFunction needs "
                      "an execution role: pass --iam-role arn:aws:iam::ACCOUNT:role/NAME "
                      "(nothing was created)\n",
                      d->name);
        return -1;
    }
    (void)fprintf(stderr, "clambda deploy: creating %s (%s, %zu bytes of zip)...\n", d->name,
                  d->arch, d->zip_len);
    json_t *o = json_pack("{s:s, s:{s:s%}, s:[s], s:b}", "FunctionName", d->name, "Code", "ZipFile",
                          (const char *)d->zip_b64.data, d->zip_b64.len, "Architectures", d->arch,
                          "Publish", d->publish);
    add_config(d, o);
    if (d->n_tags) {
        (void)json_object_set_new(o, "Tags", tags_object(d));
    }
    struct cli_aws_resp r;
    int rc = call(d, "POST", "/2015-03-31/functions", o, &r);
    bool good = ok(d, "CreateFunction", rc, &r);
    if (!good) {
        (void)fprintf(stderr, "clambda deploy: nothing was created\n");
    } else if (!d->dry_run) {
        json_t *j = json_of(&r);
        (void)snprintf(d->arn, sizeof(d->arn), "%s", str_or(json_object_get(j, "FunctionArn"), ""));
        (void)snprintf(d->version, sizeof(d->version), "%s",
                       str_or(json_object_get(j, "Version"), "$LATEST"));
        json_decref(j);
        (void)snprintf(d->exists, sizeof(d->exists),
                       "the function %s (created, with the new "
                       "code)",
                       d->name);
    }
    cli_aws_resp_fini(&r);
    return good ? 0 : -1;
}

/* Polls GetFunctionConfiguration until State is Active and LastUpdateStatus Successful,
 * printing each change. 0, or -1 (Failed, an error, or DEPLOY_WAIT_S passed). */
static int wait_ready(struct deploy *d, const char *after)
{
    char target[700], last[256] = "";
    (void)snprintf(target, sizeof(target), "/2015-03-31/functions/%s/configuration", d->name_enc);
    for (int waited = 0; !d->dry_run && waited <= DEPLOY_WAIT_S; waited++) {
        struct cli_aws_resp r;
        int rc = call(d, "GET", target, NULL, &r);
        if (!ok(d, "GetFunctionConfiguration", rc, &r)) {
            cli_aws_resp_fini(&r);
            return -1;
        }
        json_t *j = json_of(&r);
        cli_aws_resp_fini(&r);
        const char *state = str_or(json_object_get(j, "State"), "Active");
        const char *upd = str_or(json_object_get(j, "LastUpdateStatus"), "Successful");
        char now[256];
        (void)snprintf(now, sizeof(now), "State=%s LastUpdateStatus=%s", state, upd);
        if (strcmp(now, last) != 0 || (waited > 0 && waited % 10 == 0)) {
            (void)fprintf(stderr, "clambda deploy: %s after %s: %s (%d s)\n", d->name, after, now,
                          waited);
            (void)snprintf(last, sizeof(last), "%s", now);
        }
        bool failed = strcmp(state, "Failed") == 0 || strcmp(upd, "Failed") == 0;
        bool ready = strcmp(state, "Active") == 0 && strcmp(upd, "Successful") == 0;
        if (failed) {
            (void)fprintf(stderr, "clambda deploy: %s failed: %s %s\n", after,
                          str_or(json_object_get(j, "StateReason"), ""),
                          str_or(json_object_get(j, "LastUpdateStatusReason"), ""));
        }
        json_decref(j);
        if (failed || ready) {
            return ready ? 0 : -1;
        }
        (void)sleep(1);
    }
    if (!d->dry_run) {
        (void)fprintf(stderr, "clambda deploy: %s is not ready after %d s (%s)\n", d->name,
                      DEPLOY_WAIT_S, last);
        return -1;
    }
    return 0;
}

static int update(struct deploy *d)
{
    char target[700];
    struct cli_aws_resp r;
    (void)fprintf(stderr, "clambda deploy: updating the code of %s (%s, %zu bytes of zip)...\n",
                  d->name, d->arch, d->zip_len);
    (void)snprintf(target, sizeof(target), "/2015-03-31/functions/%s/code", d->name_enc);
    json_t *o = json_pack("{s:s%, s:[s]}", "ZipFile", (const char *)d->zip_b64.data, d->zip_b64.len,
                          "Architectures", d->arch);
    int rc = call(d, "PUT", target, o, &r);
    bool good = ok(d, "UpdateFunctionCode", rc, &r);
    cli_aws_resp_fini(&r);
    if (!good) {
        (void)fprintf(stderr, "clambda deploy: %s is unchanged\n", d->name);
        return -1;
    }
    (void)snprintf(d->exists, sizeof(d->exists),
                   "%s with the new code and its previous configuration", d->name);
    if (wait_ready(d, "UpdateFunctionCode") < 0) {
        return -1;
    }
    (void)fprintf(stderr, "clambda deploy: updating the configuration of %s...\n", d->name);
    (void)snprintf(target, sizeof(target), "/2015-03-31/functions/%s/configuration", d->name_enc);
    o = json_object();
    add_config(d, o);
    rc = call(d, "PUT", target, o, &r);
    good = ok(d, "UpdateFunctionConfiguration", rc, &r);
    cli_aws_resp_fini(&r);
    if (good) {
        (void)snprintf(d->exists, sizeof(d->exists), "%s with the new code and configuration",
                       d->name);
    }
    return good ? 0 : -1;
}

static int publish(struct deploy *d)
{
    char target[700];
    struct cli_aws_resp r;
    (void)snprintf(target, sizeof(target), "/2015-03-31/functions/%s/versions", d->name_enc);
    int rc = call(d, "POST", target, json_object(), &r);
    bool good = ok(d, "PublishVersion", rc, &r);
    if (good && !d->dry_run) {
        json_t *j = json_of(&r);
        (void)snprintf(d->version, sizeof(d->version), "%s",
                       str_or(json_object_get(j, "Version"), "$LATEST"));
        json_decref(j);
        (void)fprintf(stderr, "clambda deploy: published version %s\n", d->version);
    }
    cli_aws_resp_fini(&r);
    return good ? 0 : -1;
}

static int alias(struct deploy *d)
{
    char target[1200], enc[512];
    struct cli_aws_resp r;
    cli_aws_path_segment(d->alias, enc, sizeof(enc));
    const char *version = d->version[0] ? d->version : "$LATEST";
    (void)snprintf(target, sizeof(target), "/2015-03-31/functions/%s/aliases/%s", d->name_enc, enc);
    int rc = call(d, "GET", target, NULL, &r);
    bool found = rc == 0 && r.status == 200;
    cli_aws_resp_fini(&r);
    json_t *o = json_pack("{s:s}", "FunctionVersion", version);
    if (found) {
        rc = call(d, "PUT", target, o, &r);
    } else {
        (void)json_object_set_new(o, "Name", json_string(d->alias));
        (void)snprintf(target, sizeof(target), "/2015-03-31/functions/%s/aliases", d->name_enc);
        rc = call(d, "POST", target, o, &r);
    }
    bool good = ok(d, found ? "UpdateAlias" : "CreateAlias", rc, &r);
    cli_aws_resp_fini(&r);
    if (good) {
        (void)fprintf(stderr, "clambda deploy: alias %s -> version %s\n", d->alias, version);
    }
    return good ? 0 : -1;
}

/* A public Function URL (AuthType NONE) and the resource policy that lets anyone call it;
 * both are kept when they exist already (409). */
static int function_url(struct deploy *d)
{
    char target[1200], query[600] = "", enc[512];
    struct cli_aws_resp r;
    if (d->alias) {
        cli_aws_path_segment(d->alias, enc, sizeof(enc));
        (void)snprintf(query, sizeof(query), "?Qualifier=%s", enc);
    }
    (void)snprintf(target, sizeof(target), "/2021-10-31/functions/%s/url%s", d->name_enc, query);
    int rc = call(d, "POST", target, json_pack("{s:s}", "AuthType", "NONE"), &r);
    bool existed = rc == 0 && r.status == 409;
    if (existed) {
        cli_aws_resp_fini(&r);
        rc = call(d, "GET", target, NULL, &r);
    }
    bool good = ok(d, existed ? "GetFunctionUrlConfig" : "CreateFunctionUrlConfig", rc, &r);
    if (good && !d->dry_run) {
        json_t *j = json_of(&r);
        (void)printf("Function URL: %s\n", str_or(json_object_get(j, "FunctionUrl"), "?"));
        json_decref(j);
    }
    cli_aws_resp_fini(&r);
    if (!good) {
        return -1;
    }
    (void)snprintf(target, sizeof(target), "/2015-03-31/functions/%s/policy%s", d->name_enc, query);
    json_t *p =
        json_pack("{s:s, s:s, s:s, s:s}", "StatementId", "FunctionURLAllowPublicAccess", "Action",
                  "lambda:InvokeFunctionUrl", "Principal", "*", "FunctionUrlAuthType", "NONE");
    rc = call(d, "POST", target, p, &r);
    good = (rc == 0 && r.status == 409) || ok(d, "AddPermission", rc, &r);
    cli_aws_resp_fini(&r);
    return good ? 0 : -1;
}

static int tag(struct deploy *d)
{
    char target[1200], enc[600];
    struct cli_aws_resp r;
    cli_aws_path_segment(d->arn[0] ? d->arn : d->name, enc, sizeof(enc));
    (void)snprintf(target, sizeof(target), "/2017-03-31/tags/%s", enc);
    int rc = call(d, "POST", target, json_pack("{s:o}", "Tags", tags_object(d)), &r);
    bool good = ok(d, "TagResource", rc, &r);
    cli_aws_resp_fini(&r);
    return good ? 0 : -1;
}

/* Everything after the function exists with its new code. */
static int finish(struct deploy *d, bool created)
{
    int rc = wait_ready(d, created ? "CreateFunction" : "UpdateFunctionConfiguration");
    if (rc == 0 && d->publish && !created) {
        rc = publish(d);
    }
    if (rc == 0 && d->alias) {
        rc = alias(d);
    }
    if (rc == 0 && d->url) {
        rc = function_url(d);
    }
    if (rc == 0 && d->n_tags && !created) {
        rc = tag(d);
    }
    if (rc < 0 && d->exists[0]) {
        (void)fprintf(stderr, "clambda deploy: what exists now: %s\n", d->exists);
    }
    return rc;
}

static int deploy_main(int argc, char **argv)
{
    struct deploy *d = xcalloc(1, sizeof(*d));
    int rc = parse(d, argc, argv);
    if (rc != 0) {
        free(d);
        return rc < 0 ? CLI_EXIT_OK : rc;
    }
    rc = load_zip(d) < 0 || cli_aws_open(&d->a, "clambda deploy", d->endpoint, d->profile,
                                         d->region, d->dry_run) < 0
             ? -1
             : 0;
    if (rc == 0 && !d->dry_run) {
        (void)fprintf(stderr, "clambda deploy: %s to %s (region %s, credentials from %s)\n",
                      d->name, d->a.base, d->a.conf.region, d->a.conf.source);
    }
    int found = rc == 0 ? exists(d) : -1;
    if (found == 1) {
        rc = update(d) == 0 && finish(d, false) == 0 ? 0 : -1;
    } else if (found == 0) {
        rc = create(d) == 0 && finish(d, true) == 0 ? 0 : -1;
    } else {
        rc = -1;
    }
    if (rc == 0 && !d->dry_run) {
        (void)printf("Deployed %s: %s%s%s\n", d->name, d->arn, d->version[0] ? " version " : "",
                     d->version);
    }
    cl_buf_fini(&d->zip_b64);
    cli_aws_close(&d->a);
    free(d);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
