/* SPDX-License-Identifier: MIT */
/* SAM templates: the template, its functions and the reader's helpers; see sam.h. The YAML
 * becomes a jansson tree with lines (sam_yaml); each property is evaluated (sam_intrinsic) when
 * it is read, so an intrinsic in a property clambda ignores (Policies) costs nothing.
 * APIs are read first (sam_api.c), then functions and their events, which name them. */
#include "catalog/sam.h"

#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/xalloc.h"
#include "catalog/sam_read.h"

/* Largest template read. */
#define SAM_MAX_FILE ((size_t)4 * 1024 * 1024)

/* ---- the reader's helpers -------------------------------------------------------------------- */

int sam_fail(struct sam_reader *rd, const json_t *at, const char *path, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    int line = sam_doc_line(&rd->doc, at);
    (void)snprintf(rd->err, rd->errlen, "%s:%d: %s: %s", rd->file, line ? line : rd->line, path,
                   msg);
    return -EINVAL;
}

void sam_key_path(char *out, const char *path, const char *key)
{
    (void)snprintf(out, SAM_PATH_MAX, "%.*s.%.*s", SAM_PATH_MAX / 2, path, SAM_PATH_MAX / 3, key);
}

int sam_get(struct sam_reader *rd, json_t *obj, const char *key, const char *path, json_t **out)
{
    *out = NULL;
    json_t *v = json_object_get(obj, key);
    if (v == NULL) {
        return 0;
    }
    int line = sam_doc_line(&rd->doc, v);
    rd->line = line ? line : rd->line;
    if (sam_eval_value(&rd->ev, v, out) < 0) {
        char full[SAM_PATH_MAX];
        sam_key_path(full, path, key);
        return sam_fail(rd, rd->ev.at, full, "%s", rd->ev.msg);
    }
    return 0;
}

int sam_get_str(struct sam_reader *rd, json_t *obj, const char *key, const char *path, char **out)
{
    *out = NULL;
    json_t *v = NULL;
    int rc = sam_get(rd, obj, key, path, &v);
    if (rc == 0 && v && !json_is_string(v)) {
        char full[SAM_PATH_MAX];
        sam_key_path(full, path, key);
        rc = sam_fail(rd, json_object_get(obj, key), full, "must be a string");
    }
    if (rc == 0 && v) {
        *out = xstrdup(json_string_value(v));
    }
    json_decref(v);
    return rc;
}

int sam_get_int(struct sam_reader *rd, json_t *obj, const char *key, const char *path, long lo,
                long hi, int *out)
{
    char *s = NULL;
    int rc = sam_get_str(rd, obj, key, path, &s);
    if (rc == 0 && s) {
        char *end = NULL;
        long n = strtol(s, &end, 10);
        if (end == s || *end != '\0' || n < lo || n > hi) {
            char full[SAM_PATH_MAX];
            sam_key_path(full, path, key);
            rc = sam_fail(rd, json_object_get(obj, key), full,
                          "must be an integer from %ld to %ld, not '%s'", lo, hi, s);
        } else {
            *out = (int)n;
        }
    }
    free(s);
    return rc;
}

int sam_get_bool(struct sam_reader *rd, json_t *obj, const char *key, const char *path, bool *out)
{
    json_t *v = NULL;
    int rc = sam_get(rd, obj, key, path, &v);
    if (rc == 0 && v && !sam_bool(v, out)) {
        char full[SAM_PATH_MAX];
        sam_key_path(full, path, key);
        rc = sam_fail(rd, json_object_get(obj, key), full, "must be true or false");
    }
    json_decref(v);
    return rc;
}

static bool plain_value(json_t *v)
{
    if (!json_is_object(v) || json_object_size(v) != 1) {
        return !json_is_object(v);
    }
    const char *k = json_object_iter_key(json_object_iter(v));
    return strcmp(k, "Ref") == 0 || strncmp(k, "Fn::", 4) == 0;
}

json_t *sam_merge(json_t *global, json_t *local)
{
    if (!json_is_object(global) || plain_value(global)) {
        return json_is_object(local) ? json_incref(local) : json_object();
    }
    if (!json_is_object(local) || plain_value(local)) {
        return json_incref(global);
    }
    json_t *m = json_object();
    const char *k;
    json_t *g;
    json_object_foreach(global, k, g)
    {
        json_t *l = json_object_get(local, k);
        if (l == NULL) {
            (void)json_object_set(m, k, g);
        } else if (json_is_array(g) && json_is_array(l)) {
            json_t *both = json_copy(g);
            (void)json_array_extend(both, l);
            (void)json_object_set_new(m, k, both);
        } else if (json_is_object(g) && !plain_value(g) && json_is_object(l) && !plain_value(l)) {
            (void)json_object_set_new(m, k, sam_merge(g, l));
        } else {
            (void)json_object_set(m, k, l);
        }
    }
    json_object_foreach(local, k, g)
    {
        if (json_object_get(m, k) == NULL) {
            (void)json_object_set(m, k, g);
        }
    }
    return m;
}

/* ---- functions ------------------------------------------------------------------------------- */

/* Applies "setting=value" to cfg (func_config_set's keys). */
static int apply(struct sam_reader *rd, struct function_config *cfg, json_t *at, const char *path,
                 const char *setting, const char *value)
{
    char *kv = xasprintf("%s=%s", setting, value);
    char msg[512];
    int rc = func_config_set(cfg, kv, msg, sizeof(msg));
    free(kv);
    return rc < 0 ? sam_fail(rd, at, path, "%s", msg) : 0;
}

/* AWS's environment variable names: [a-zA-Z][a-zA-Z0-9_]+. */
static bool env_name_ok(const char *k)
{
    size_t n = strlen(k);
    bool ok = n >= 2 && ((k[0] >= 'a' && k[0] <= 'z') || (k[0] >= 'A' && k[0] <= 'Z'));
    for (size_t i = 1; ok && i < n; i++) {
        char c = k[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }
    return ok;
}

/* props.key (a string; an integer in [lo, hi] when hi > 0) applied as setting. */
static int setting(struct sam_reader *rd, struct function_config *cfg, json_t *props,
                   const char *key, const char *setting_key, const char *path, long lo, long hi)
{
    char *v = NULL;
    char full[SAM_PATH_MAX];
    sam_key_path(full, path, key);
    int n = 0;
    int rc = hi > 0 ? sam_get_int(rd, props, key, path, lo, hi, &n) : 0;
    rc = rc ? rc : sam_get_str(rd, props, key, path, &v);
    if (rc == 0 && v) {
        rc = apply(rd, cfg, json_object_get(props, key), full, setting_key, v);
    }
    free(v);
    return rc;
}

/* The simple properties: SAM name → func_config_set key (with AWS's ranges); Architectures,
 * EphemeralStorage.Size, Description, Environment.Variables. */
static int settings(struct sam_reader *rd, struct function_config *cfg, json_t *props,
                    const char *path)
{
    static const struct {
        const char *key, *setting;
        long lo, hi;
    } map[] = {{"Handler", "handler", 0, 0},
               {"Runtime", "runtime", 0, 0},
               {"MemorySize", "memory", 128, 10240},
               {"Timeout", "timeout", 1, 900},
               {"ReservedConcurrentExecutions", "reserved", 0, 1000000}};
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (setting(rd, cfg, props, map[i].key, map[i].setting, path, map[i].lo, map[i].hi) < 0) {
            return -EINVAL;
        }
    }
    char sub[SAM_PATH_MAX];
    json_t *v = NULL;
    int rc = sam_get(rd, props, "Architectures", path, &v);
    sam_key_path(sub, path, "Architectures");
    const char *arch = json_string_value(json_array_get(v, 0));
    if (rc == 0 && v &&
        (json_array_size(v) != 1 || arch == NULL ||
         (strcmp(arch, "x86_64") != 0 && strcmp(arch, "arm64") != 0))) {
        rc = sam_fail(rd, json_object_get(props, "Architectures"), sub,
                      "must be a list of one architecture, x86_64 or arm64");
    }
    rc = rc == 0 && arch ? apply(rd, cfg, json_array_get(v, 0), sub, "architecture", arch) : rc;
    json_decref(v);
    sam_key_path(sub, path, "EphemeralStorage");
    rc = rc ? rc
            : setting(rd, cfg, json_object_get(props, "EphemeralStorage"), "Size",
                      "ephemeral-storage", sub, 512, 10240);
    char *desc = NULL;
    rc = rc ? rc : sam_get_str(rd, props, "Description", path, &desc);
    if (desc) {
        free(cfg->description);
        cfg->description = desc;
    }
    sam_key_path(sub, path, "Environment.Variables");
    json_t *vars = json_object_get(json_object_get(props, "Environment"), "Variables");
    const char *k;
    json_t *jv;
    json_object_foreach(vars, k, jv)
    {
        char *key = xasprintf("env.%s", k);
        if (rc == 0 && !env_name_ok(k)) {
            char full[SAM_PATH_MAX];
            sam_key_path(full, sub, k);
            rc =
                sam_fail(rd, jv, full, "is not a valid variable name (AWS: [a-zA-Z][a-zA-Z0-9_]+)");
        }
        rc = rc ? rc : setting(rd, cfg, vars, k, key, sub, 0, 0);
        free(key);
    }
    return rc;
}

/* Events of Type Api / HttpApi become routes (others are not read). */
static int events(struct sam_reader *rd, const char *fn, json_t *props, const char *path)
{
    const char *k;
    json_t *ev;
    json_t *all = json_object_get(props, "Events");
    char events_path[SAM_PATH_MAX];
    sam_key_path(events_path, path, "Events");
    json_object_foreach(all, k, ev)
    {
        char sub[SAM_PATH_MAX];
        sam_key_path(sub, events_path, k);
        const char *type = json_string_value(json_object_get(ev, "Type"));
        if (type == NULL) {
            return sam_fail(rd, ev, sub, "Type must be a string");
        }
        bool is_http = strcmp(type, "HttpApi") == 0;
        if ((is_http || strcmp(type, "Api") == 0) && sam_read_event(rd, fn, ev, is_http, sub) < 0) {
            return -EINVAL;
        }
    }
    return 0;
}

static int url_config(struct sam_reader *rd, const char *fn, json_t *props, const char *path)
{
    json_t *u = NULL;
    int rc = sam_get(rd, props, "FunctionUrlConfig", path, &u);
    char sub[SAM_PATH_MAX];
    sam_key_path(sub, path, "FunctionUrlConfig");
    if (rc < 0 || u == NULL) {
        return rc;
    }
    char *auth = NULL;
    char *mode = NULL;
    char *cors = NULL;
    if (!json_is_object(u)) {
        rc = sam_fail(rd, json_object_get(props, "FunctionUrlConfig"), path,
                      "FunctionUrlConfig must be an object");
    }
    rc = rc ? rc : sam_get_str(rd, u, "AuthType", sub, &auth);
    rc = rc ? rc : sam_get_str(rd, u, "InvokeMode", sub, &mode);
    rc = rc ? rc : sam_cors_http(rd, u, "Cors", sub, &cors);
    if (rc == 0) {
        struct sam_template *t = rd->t;
        t->urls = xrealloc(t->urls, (t->n_urls + 1) * sizeof(*t->urls));
        t->urls[t->n_urls++] = (struct sam_url){xstrdup(fn), auth ? auth : xstrdup("NONE"),
                                                mode ? mode : xstrdup("BUFFERED"), cors};
    } else {
        free(auth);
        free(mode);
        free(cors);
    }
    json_decref(u);
    return rc;
}

/* A function built by its Makefile (Metadata: BuildMethod: makefile) whose CodeUri directory
 * holds no bootstrap is served from what `sam build` made of it, <template dir>/.aws-sam/build/
 * <logical id>: the same template then runs locally and deploys unchanged. *dir is replaced
 * when that directory has a bootstrap; otherwise the error says how to build it. */
static int built_dir(struct sam_reader *rd, json_t *res, const char *id, const char *path,
                     json_t *at, char **dir)
{
    const char *method =
        json_string_value(json_object_get(json_object_get(res, "Metadata"), "BuildMethod"));
    struct stat st;
    if (method == NULL || strcmp(method, "makefile") != 0 || stat(*dir, &st) != 0 ||
        !S_ISDIR(st.st_mode)) {
        return 0;
    }
    char *probe = xasprintf("%s/bootstrap", *dir);
    bool has = stat(probe, &st) == 0;
    free(probe);
    if (has) {
        return 0;
    }
    char *built = xasprintf("%s/.aws-sam/build/%s", rd->base_dir, id);
    probe = xasprintf("%s/bootstrap", built);
    has = stat(probe, &st) == 0;
    free(probe);
    if (!has) {
        char full[SAM_PATH_MAX];
        sam_key_path(full, path, "CodeUri");
        int rc = sam_fail(rd, at, full,
                          "%s has no bootstrap and %s/bootstrap is not built (Metadata BuildMethod "
                          "makefile): run sam build, or make -C %s build-%s ARTIFACTS_DIR=%s",
                          *dir, built, *dir, id, built);
        free(built);
        return rc;
    }
    free(*dir);
    *dir = built;
    return 0;
}

/* The code: CodeUri as a local directory or zip (relative to the template). */
static int code(struct sam_reader *rd, json_t *props, json_t *res, const char *id, const char *path,
                const char *name, struct function_config *cfg)
{
    static const char *const refused[][2] = {
        {"InlineCode", "InlineCode is not supported (use CodeUri: a directory or zip)"},
        {"ImageUri", "images are not supported (use CodeUri: a directory or zip)"}};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        json_t *v = json_object_get(props, refused[i][0]);
        if (v && !(json_is_array(v) && json_array_size(v) == 0)) {
            return sam_fail(rd, v, path, "%s", refused[i][1]);
        }
    }
    json_t *uri = NULL;
    int rc = sam_get(rd, props, "CodeUri", path, &uri);
    if (rc == 0 && uri == NULL) {
        rc = sam_fail(rd, props, path, "CodeUri is required");
    } else if (rc == 0 && !json_is_string(uri)) {
        rc = sam_fail(rd, json_object_get(props, "CodeUri"), path,
                      "CodeUri must be a local directory or zip (S3 locations are not supported)");
    }
    if (rc < 0) {
        json_decref(uri);
        return rc;
    }
    const char *c = json_string_value(uri);
    char *dir = c[0] == '/' ? xstrdup(c) : xasprintf("%s/%s", rd->base_dir, c);
    rc = built_dir(rd, res, id, path, json_object_get(props, "CodeUri"), &dir);
    if (rc < 0) {
        free(dir);
        json_decref(uri);
        return rc;
    }
    char *spec = xasprintf("%s=%s", name, dir);
    free(dir);
    char msg[512];
    if (func_config_parse(cfg, spec, msg, sizeof(msg)) < 0) {
        char full[SAM_PATH_MAX];
        sam_key_path(full, path, "CodeUri");
        rc = sam_fail(rd, json_object_get(props, "CodeUri"), full, "%s", msg);
    }
    free(spec);
    json_decref(uri);
    return rc;
}

static bool name_taken(const struct sam_template *t, const char *name)
{
    for (size_t i = 0; i < t->n_fns; i++) {
        if (strcmp(t->fns[i].name, name) == 0) {
            return true;
        }
    }
    return false;
}

/* Role (evaluated: an ARN, or !GetAtt of an AWS::IAM::Role), else the role SAM makes for the
 * function, <LogicalId>Role (the ARN Fn::GetAtt gives it): what --role-credentials maps to the
 * function's keys. */
static int role(struct sam_reader *rd, struct function_config *cfg, json_t *props, const char *path,
                const char *id)
{
    char *v = NULL;
    int rc = sam_get_str(rd, props, "Role", path, &v);
    if (rc < 0) {
        return rc;
    }
    char full[SAM_PATH_MAX];
    sam_key_path(full, path, "Role");
    if (v == NULL) {
        v = xasprintf("arn:aws:iam::%s:role/%sRole", rd->ev.account, id);
    }
    rc = apply(rd, cfg, json_object_get(props, "Role"), full, "role", v);
    free(v);
    return rc;
}

/* One AWS::Serverless::Function resource. */
static int function(struct sam_reader *rd, const char *id, json_t *res, json_t *globals)
{
    char path[SAM_PATH_MAX];
    (void)snprintf(path, sizeof(path), "Resources.%s.Properties", id);
    json_t *own = json_object_get(res, "Properties");
    int line = sam_doc_line(&rd->doc, own ? own : res);
    rd->line = line ? line : rd->line;
    if (own && !json_is_object(own)) {
        return sam_fail(rd, own, path, "must be an object");
    }
    json_t *props = sam_merge(globals, own);
    char *name = NULL;
    int rc = sam_physical_name(&rd->ev, id, &name);
    if (rc < 0) {
        rc = sam_fail(rd, rd->ev.at, path, "FunctionName: %s", rd->ev.msg);
    } else if (!func_name_valid(name, strlen(name))) {
        rc = sam_fail(rd, json_object_get(props, "FunctionName"), path,
                      "FunctionName %s is not a function name (1-64 of a-z, A-Z, 0-9, - and _)",
                      name);
    } else if (name_taken(rd->t, name)) {
        rc = sam_fail(rd, json_object_get(props, "FunctionName"), path,
                      "FunctionName %s is the name of another function of the template", name);
    } else if (json_is_string(json_object_get(props, "PackageType")) &&
               strcmp(json_string_value(json_object_get(props, "PackageType")), "Image") == 0) {
        rc = sam_fail(rd, json_object_get(props, "PackageType"), path,
                      "PackageType Image is not supported (use CodeUri: a directory or zip)");
    }
    struct function_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    rc = rc ? rc : code(rd, props, res, id, path, name, &cfg);
    rc = rc ? rc : settings(rd, &cfg, props, path);
    rc = rc ? rc : role(rd, &cfg, props, path, id);
    rc = rc ? rc : sam_read_layers(rd, &cfg, props, path);
    if (rc == 0) {
        struct sam_template *t = rd->t;
        t->fns = xrealloc(t->fns, (t->n_fns + 1) * sizeof(*t->fns));
        t->fns[t->n_fns++] = cfg;
        rc = events(rd, name, props, path);
        rc = rc ? rc : url_config(rd, name, props, path);
    } else {
        func_config_fini(&cfg);
    }
    free(name);
    json_decref(props);
    return rc;
}

/* ---- the template ---------------------------------------------------------------------------- */

/* False when the resource's Condition is false. */
static int included(struct sam_reader *rd, const char *id, json_t *res, bool *out)
{
    *out = true;
    json_t *c = json_object_get(res, "Condition");
    if (c == NULL) {
        return 0;
    }
    char path[SAM_PATH_MAX];
    (void)snprintf(path, sizeof(path), "Resources.%s.Condition", id);
    if (!json_is_string(c)) {
        return sam_fail(rd, c, path, "must be the name of a condition");
    }
    if (sam_eval_condition(&rd->ev, json_string_value(c), out) < 0) {
        return sam_fail(rd, rd->ev.at ? rd->ev.at : c, path, "%s", rd->ev.msg);
    }
    return 0;
}

/* Reads every resource of the kind pass asks for: 0 APIs, 1 functions. */
static int resources(struct sam_reader *rd, int pass)
{
    json_t *globals = json_object_get(rd->doc.root, "Globals");
    const char *id;
    json_t *res;
    json_object_foreach(json_object_get(rd->doc.root, "Resources"), id, res)
    {
        const char *type = json_string_value(json_object_get(res, "Type"));
        bool in = false;
        if (type == NULL) {
            return sam_fail(rd, res, "Resources", "%s: Type must be a string", id);
        }
        if (included(rd, id, res, &in) < 0) {
            return -EINVAL;
        }
        if (!in) {
            continue;
        }
        char path[SAM_PATH_MAX];
        (void)snprintf(path, sizeof(path), "Resources.%s.Properties", id);
        bool is_http = strcmp(type, "AWS::Serverless::HttpApi") == 0;
        int rc = 0;
        if (pass == 0 && (is_http || strcmp(type, "AWS::Serverless::Api") == 0)) {
            json_t *props = sam_merge(json_object_get(globals, is_http ? "HttpApi" : "Api"),
                                      json_object_get(res, "Properties"));
            int line = sam_doc_line(&rd->doc, res);
            rd->line = line ? line : rd->line;
            rc = sam_read_api(rd, id, is_http, props, path);
            json_decref(props);
        } else if (pass == 1 && strcmp(type, "AWS::Serverless::Function") == 0) {
            rc = function(rd, id, res, json_object_get(globals, "Function"));
        }
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

int sam_parse(const char *text, size_t len, const char *base_dir, const struct sam_context *cx,
              struct sam_template *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    const struct sam_context none = {NULL, NULL, NULL, NULL};
    cx = cx ? cx : &none;
    struct sam_reader rd = {.file = cx->file ? cx->file : "template.yaml",
                            .base_dir = base_dir,
                            .t = out,
                            .line = 1,
                            .err = err,
                            .errlen = errlen};
    err[0] = '\0';
    char msg[512];
    if (sam_doc_load(&rd.doc, text, len, msg, sizeof(msg)) < 0) {
        (void)snprintf(err, errlen, "%s:%s", rd.file, msg);
        sam_doc_fini(&rd.doc);
        return -EINVAL;
    }
    rd.ev = (struct sam_eval){.tmpl = rd.doc.root,
                              .region = cx->region ? cx->region : "us-east-1",
                              .account = cx->account ? cx->account : "000000000000",
                              .stack_name = cx->stack_name ? cx->stack_name : "local"};
    json_t *r = json_object_get(rd.doc.root, "Resources");
    int rc =
        json_is_object(r) ? 0 : sam_fail(&rd, r, "Resources", "must be a mapping of resources");
    rc = rc ? rc : resources(&rd, 0);
    rc = rc ? rc : resources(&rd, 1);
    sam_eval_fini(&rd.ev);
    sam_doc_fini(&rd.doc);
    if (rc < 0) {
        sam_fini(out);
    }
    return rc;
}

int sam_load(const char *path, const struct sam_context *cx, struct sam_template *out, char *err,
             size_t errlen)
{
    memset(out, 0, sizeof(*out));
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        int e = errno;
        (void)snprintf(err, errlen, "%s: %s", path, strerror(e));
        return -e;
    }
    char *text = xmalloc(SAM_MAX_FILE + 1);
    size_t n = fread(text, 1, SAM_MAX_FILE + 1, f);
    (void)fclose(f);
    if (n > SAM_MAX_FILE) {
        free(text);
        (void)snprintf(err, errlen, "%s: larger than %zu bytes", path, SAM_MAX_FILE);
        return -E2BIG;
    }
    char *copy = xstrdup(path);
    struct sam_context c = cx ? *cx : (struct sam_context){NULL, NULL, NULL, NULL};
    c.file = path;
    int rc = sam_parse(text, n, dirname(copy), &c, out, err, errlen);
    free(copy);
    free(text);
    return rc;
}

static void api_fini(struct sam_api *a)
{
    free(a->id);
    free(a->stage);
    free(a->cors_json);
    free(a->stage_vars_json);
    for (size_t i = 0; i < a->n_binary_types; i++) {
        free(a->binary_types[i]);
    }
    free(a->binary_types);
    for (size_t i = 0; i < a->n_auths; i++) {
        struct sam_authorizer *z = &a->auths[i];
        free(z->name);
        free(z->function);
        for (size_t j = 0; j < z->n_identity; j++) {
            free(z->identity[j]);
        }
        free(z->identity);
        free(z->payload_version);
    }
    free(a->auths);
    free(a->default_auth);
}

void sam_fini(struct sam_template *t)
{
    if (t == NULL) {
        return;
    }
    for (size_t i = 0; i < t->n_fns; i++) {
        func_config_fini(&t->fns[i]);
    }
    for (size_t i = 0; i < t->n_apis; i++) {
        api_fini(&t->apis[i]);
    }
    for (size_t i = 0; i < t->n_routes; i++) {
        free(t->routes[i].function);
        free(t->routes[i].method);
        free(t->routes[i].path);
        free(t->routes[i].payload_version);
        free(t->routes[i].authorizer);
    }
    for (size_t i = 0; i < t->n_urls; i++) {
        free(t->urls[i].function);
        free(t->urls[i].auth_type);
        free(t->urls[i].invoke_mode);
        free(t->urls[i].cors_json);
    }
    free(t->fns);
    free(t->apis);
    free(t->routes);
    free(t->urls);
    memset(t, 0, sizeof(*t));
}
