/* SPDX-License-Identifier: MIT */
/* SAM templates; see sam.h. The YAML is loaded into libyaml's document tree, turned into
 * jansson values (scalars stay strings; a local tag !Ref becomes {"Ref": ...}, !Sub and the
 * others {"Fn::Sub": ...}, as CloudFormation's JSON form), and the functions are read from
 * that. Aliases are followed by libyaml; the conversion is capped in depth and in nodes, so a
 * template that expands without end ("billion laughs") is refused instead. */
#include "catalog/sam.h"

#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/xalloc.h"

/* Deepest nesting and most nodes converted (after alias expansion). */
#define SAM_MAX_DEPTH 64
#define SAM_MAX_NODES 200000
/* Largest template read. */
#define SAM_MAX_FILE ((size_t)4 * 1024 * 1024)

struct conv {
    yaml_document_t *doc;
    size_t n_nodes;
    bool too_big;
};

static json_t *node_json(struct conv *cv, yaml_node_t *n, int depth);

/* A local tag (!Ref, !Sub, ...) wrapped the way CloudFormation's JSON writes it. */
static json_t *tagged(const char *tag, json_t *v)
{
    if (tag == NULL || tag[0] != '!' || tag[1] == '\0') {
        return v;
    }
    char *key = strcmp(tag, "!Ref") == 0 ? xstrdup("Ref") : xasprintf("Fn::%s", tag + 1);
    json_t *o = json_object();
    (void)json_object_set_new(o, key, v);
    free(key);
    return o;
}

static json_t *mapping_json(struct conv *cv, yaml_node_t *n, int depth)
{
    json_t *o = json_object();
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(cv->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(cv->doc, p->value);
        if (k == NULL || v == NULL || k->type != YAML_SCALAR_NODE) {
            continue; /* complex keys do not occur in templates */
        }
        char *key = xstrndup((const char *)k->data.scalar.value, k->data.scalar.length);
        json_t *jv = node_json(cv, v, depth + 1);
        if (jv) {
            (void)json_object_set_new(o, key, jv);
        }
        free(key);
    }
    return o;
}

static json_t *node_json(struct conv *cv, yaml_node_t *n, int depth)
{
    if (depth > SAM_MAX_DEPTH || ++cv->n_nodes > SAM_MAX_NODES) {
        cv->too_big = true;
        return NULL;
    }
    const char *tag = (const char *)n->tag;
    json_t *v = NULL;
    if (n->type == YAML_SCALAR_NODE) {
        v = json_stringn((const char *)n->data.scalar.value, n->data.scalar.length);
        v = v ? v : json_string("(invalid UTF-8)");
    } else if (n->type == YAML_SEQUENCE_NODE) {
        v = json_array();
        for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
             i++) {
            yaml_node_t *item = yaml_document_get_node(cv->doc, *i);
            json_t *jv = item ? node_json(cv, item, depth + 1) : NULL;
            if (jv) {
                (void)json_array_append_new(v, jv);
            }
        }
    } else if (n->type == YAML_MAPPING_NODE) {
        v = mapping_json(cv, n, depth);
    }
    return v ? tagged(tag, v) : NULL;
}

/* The template as JSON, or NULL with err filled. */
static json_t *load_yaml(const char *text, size_t len, char *err, size_t errlen)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) {
        abort(); /* only ENOMEM */
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    json_t *root = NULL;
    if (!yaml_parser_load(&parser, &doc)) {
        (void)snprintf(err, errlen, "YAML error at line %zu: %s", parser.problem_mark.line + 1,
                       parser.problem ? parser.problem : "malformed");
        yaml_parser_delete(&parser);
        return NULL;
    }
    yaml_node_t *top = yaml_document_get_root_node(&doc);
    struct conv cv = {&doc, 0, false};
    root = top ? node_json(&cv, top, 0) : NULL;
    if (cv.too_big) {
        (void)snprintf(err, errlen, "the template nests or expands too far (aliases?)");
        json_decref(root);
        root = NULL;
    } else if (!json_is_object(root)) {
        (void)snprintf(err, errlen, "the template is not a YAML mapping");
        json_decref(root);
        root = NULL;
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return root;
}

/* ---- functions ------------------------------------------------------------------------------- */

/* Property key of fn, else of the Globals.Function defaults. */
static json_t *prop(json_t *props, json_t *globals, const char *key)
{
    json_t *v = json_object_get(props, key);
    return v ? v : json_object_get(globals, key);
}

/* A property that must be a plain string (not an intrinsic function). NULL when absent. */
static int plain(json_t *v, const char *id, const char *key, const char **out, char *err,
                 size_t errlen)
{
    *out = NULL;
    if (v == NULL) {
        return 0;
    }
    if (!json_is_string(v)) {
        const char *what = json_is_object(v) && json_object_size(v) == 1
                               ? json_object_iter_key(json_object_iter(v))
                               : "a value that is not a string";
        (void)snprintf(err, errlen,
                       "%s.%s: %s is not supported (intrinsic functions are not "
                       "evaluated)",
                       id, key, what);
        return -EINVAL;
    }
    *out = json_string_value(v);
    return 0;
}

/* Applies "setting=value" to cfg (func_config_set's keys). */
static int apply(struct function_config *cfg, const char *id, const char *setting,
                 const char *value, char *err, size_t errlen)
{
    char *kv = xasprintf("%s=%s", setting, value);
    char msg[512];
    int rc = func_config_set(cfg, kv, msg, sizeof(msg));
    if (rc < 0) {
        (void)snprintf(err, errlen, "%s: %s", id, msg);
    }
    free(kv);
    return rc;
}

/* The simple properties: SAM name → func_config_set key. */
static int settings(struct function_config *cfg, const char *id, json_t *props, json_t *globals,
                    char *err, size_t errlen)
{
    static const char *const map[][2] = {{"Handler", "handler"},
                                         {"Runtime", "runtime"},
                                         {"MemorySize", "memory"},
                                         {"Timeout", "timeout"},
                                         {"ReservedConcurrentExecutions", "reserved"},
                                         {NULL, NULL}};
    for (size_t i = 0; map[i][0]; i++) {
        const char *v;
        if (plain(prop(props, globals, map[i][0]), id, map[i][0], &v, err, errlen) < 0 ||
            (v && apply(cfg, id, map[i][1], v, err, errlen) < 0)) {
            return -EINVAL;
        }
    }
    const char *v = NULL;
    json_t *arch = json_array_get(prop(props, globals, "Architectures"), 0);
    if (plain(arch, id, "Architectures", &v, err, errlen) < 0 ||
        (v && apply(cfg, id, "architecture", v, err, errlen) < 0)) {
        return -EINVAL;
    }
    json_t *eph = json_object_get(prop(props, globals, "EphemeralStorage"), "Size");
    if (plain(eph, id, "EphemeralStorage.Size", &v, err, errlen) < 0 ||
        (v && apply(cfg, id, "ephemeral-storage", v, err, errlen) < 0)) {
        return -EINVAL;
    }
    if (plain(json_object_get(props, "Description"), id, "Description", &v, err, errlen) < 0) {
        return -EINVAL;
    }
    if (v) {
        free(cfg->description);
        cfg->description = xstrdup(v);
    }
    return 0;
}

/* Environment.Variables of the globals, then of the function (which win). */
static int environment(struct function_config *cfg, const char *id, json_t *props, json_t *globals,
                       char *err, size_t errlen)
{
    json_t *sources[] = {globals, props};
    for (size_t s = 0; s < 2; s++) {
        json_t *vars = json_object_get(json_object_get(sources[s], "Environment"), "Variables");
        const char *k;
        json_t *jv;
        json_object_foreach(vars, k, jv)
        {
            const char *v;
            char *key = xasprintf("env.%s", k);
            int rc = plain(jv, id, k, &v, err, errlen);
            rc = rc ? rc : apply(cfg, id, key, v, err, errlen);
            free(key);
            if (rc < 0) {
                return rc;
            }
        }
    }
    return 0;
}

static void add_route(struct sam_template *t, const char *fn, json_t *props, bool is_http)
{
    const char *method = json_string_value(json_object_get(props, "Method"));
    const char *path = json_string_value(json_object_get(props, "Path"));
    t->routes = xrealloc(t->routes, (t->n_routes + 1) * sizeof(*t->routes));
    t->routes[t->n_routes++] =
        (struct sam_route){xstrdup(fn),
                           xstrdup(method ? method : "ANY"),
                           xstrdup(path ? path : (is_http ? "$default" : "/")),
                           is_http,
                           0,
                           xstrdup(is_http ? "2.0" : "1.0"),
                           NULL,
                           0};
    /* SAM accepts lower-case methods; routes compare upper case */
    for (char *m = t->routes[t->n_routes - 1].method; *m; m++) {
        *m = (char)(*m >= 'a' && *m <= 'z' ? *m - 32 : *m);
    }
}

/* Events of Type Api / HttpApi become routes (others are skipped). */
static void events(struct sam_template *t, const char *fn, json_t *props)
{
    const char *k;
    json_t *ev;
    json_object_foreach(json_object_get(props, "Events"), k, ev)
    {
        const char *type = json_string_value(json_object_get(ev, "Type"));
        if (type && (strcmp(type, "Api") == 0 || strcmp(type, "HttpApi") == 0)) {
            add_route(t, fn, json_object_get(ev, "Properties"), strcmp(type, "HttpApi") == 0);
        }
    }
}

static void url_config(struct sam_template *t, const char *fn, json_t *props, json_t *globals)
{
    json_t *u = prop(props, globals, "FunctionUrlConfig");
    if (!json_is_object(u)) {
        return;
    }
    const char *auth = json_string_value(json_object_get(u, "AuthType"));
    const char *mode = json_string_value(json_object_get(u, "InvokeMode"));
    json_t *cors = json_object_get(u, "Cors");
    t->urls = xrealloc(t->urls, (t->n_urls + 1) * sizeof(*t->urls));
    t->urls[t->n_urls++] = (struct sam_url){
        xstrdup(fn), xstrdup(auth ? auth : "NONE"), xstrdup(mode ? mode : "BUFFERED"),
        json_is_object(cors) ? json_dumps(cors, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL};
}

/* One AWS::Serverless::Function resource. */
static int function(struct sam_template *t, const char *id, json_t *props, json_t *globals,
                    const char *base_dir, char *err, size_t errlen)
{
    const char *name = NULL;
    const char *code = NULL;
    if (plain(json_object_get(props, "FunctionName"), id, "FunctionName", &name, err, errlen) < 0 ||
        plain(prop(props, globals, "CodeUri"), id, "CodeUri", &code, err, errlen) < 0) {
        return -EINVAL;
    }
    if (code == NULL) {
        (void)snprintf(err, errlen,
                       "%s: CodeUri is required (InlineCode and images are not "
                       "supported)",
                       id);
        return -EINVAL;
    }
    name = name ? name : id;
    char *spec = code[0] == '/' ? xasprintf("%s=%s", name, code)
                                : xasprintf("%s=%s/%s", name, base_dir, code);
    struct function_config cfg;
    char msg[512];
    if (func_config_parse(&cfg, spec, msg, sizeof(msg)) < 0) {
        (void)snprintf(err, errlen, "%s: CodeUri: %s", id, msg);
        free(spec);
        return -EINVAL;
    }
    free(spec);
    if (settings(&cfg, id, props, globals, err, errlen) < 0 ||
        environment(&cfg, id, props, globals, err, errlen) < 0) {
        func_config_fini(&cfg);
        return -EINVAL;
    }
    t->fns = xrealloc(t->fns, (t->n_fns + 1) * sizeof(*t->fns));
    t->fns[t->n_fns++] = cfg;
    events(t, name, props);
    url_config(t, name, props, globals);
    return 0;
}

int sam_parse(const char *text, size_t len, const char *base_dir, struct sam_template *out,
              char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    json_t *root = load_yaml(text, len, err, errlen);
    if (root == NULL) {
        return -EINVAL;
    }
    json_t *globals = json_object_get(json_object_get(root, "Globals"), "Function");
    const char *id;
    json_t *res;
    int rc = 0;
    json_object_foreach(json_object_get(root, "Resources"), id, res)
    {
        const char *type = json_string_value(json_object_get(res, "Type"));
        if (type && strcmp(type, "AWS::Serverless::Function") == 0) {
            rc = function(out, id, json_object_get(res, "Properties"), globals, base_dir, err,
                          errlen);
            if (rc < 0) {
                break;
            }
        }
    }
    json_decref(root);
    if (rc < 0) {
        sam_fini(out);
    }
    return rc;
}

int sam_load(const char *path, struct sam_template *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        int e = errno;
        (void)snprintf(err, errlen, "--template: open(%s): %s", path, strerror(e));
        return -e;
    }
    char *text = xmalloc(SAM_MAX_FILE + 1);
    size_t n = fread(text, 1, SAM_MAX_FILE + 1, f);
    (void)fclose(f);
    if (n > SAM_MAX_FILE) {
        free(text);
        (void)snprintf(err, errlen, "--template %s: larger than %zu bytes", path, SAM_MAX_FILE);
        return -E2BIG;
    }
    char *copy = xstrdup(path);
    char msg[768];
    int rc = sam_parse(text, n, dirname(copy), out, msg, sizeof(msg));
    if (rc < 0) {
        (void)snprintf(err, errlen, "--template %s: %s", path, msg);
    }
    free(copy);
    free(text);
    return rc;
}

void sam_fini(struct sam_template *t)
{
    if (t == NULL) {
        return;
    }
    for (size_t i = 0; i < t->n_fns; i++) {
        func_config_fini(&t->fns[i]);
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
    free(t->routes);
    free(t->urls);
    memset(t, 0, sizeof(*t));
}
