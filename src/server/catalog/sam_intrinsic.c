/* SPDX-License-Identifier: MIT */
/* Intrinsic functions of SAM templates; see sam_intrinsic.h. Evaluation is recursive over the
 * jansson tree; following a Ref to a resource or a Condition to another raises ev->depth, and
 * past SAM_EVAL_DEPTH the template is refused as circular (FunctionName: !Ref Self). */
#include "catalog/sam_intrinsic.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "cl_buf.h"

int sam_eval_fail(struct sam_eval *ev, const json_t *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(ev->msg, sizeof(ev->msg), fmt, ap);
    va_end(ap);
    ev->at = at;
    return -EINVAL;
}

bool sam_bool(const json_t *v, bool *out)
{
    if (json_is_boolean(v)) {
        *out = json_is_true(v);
        return true;
    }
    static const char *const yes[] = {"true", "True", "TRUE"};
    static const char *const no[] = {"false", "False", "FALSE"};
    const char *s = json_string_value(v);
    for (size_t i = 0; s && i < 3; i++) {
        if (strcmp(s, yes[i]) == 0 || strcmp(s, no[i]) == 0) {
            *out = strcmp(s, yes[i]) == 0;
            return true;
        }
    }
    return false;
}

/* ---- Ref ------------------------------------------------------------------------------------ */

static json_t *resource(struct sam_eval *ev, const char *id)
{
    return json_object_get(json_object_get(ev->tmpl, "Resources"), id);
}

static const char *type_of(json_t *res)
{
    const char *t = json_string_value(json_object_get(res, "Type"));
    return t ? t : "";
}

/* The property that names a resource of type t, or NULL. */
static const char *name_property(const char *t)
{
    static const char *const names[][2] = {
        {"AWS::Serverless::Function", "FunctionName"},
        {"AWS::Lambda::Function", "FunctionName"},
        {"AWS::Serverless::SimpleTable", "TableName"},
        {"AWS::DynamoDB::Table", "TableName"},
        {"AWS::SQS::Queue", "QueueName"},
        {"AWS::SNS::Topic", "TopicName"},
        {"AWS::S3::Bucket", "BucketName"},
        {"AWS::IAM::Role", "RoleName"},
        {"AWS::Serverless::LayerVersion", "LayerName"},
        {"AWS::Lambda::LayerVersion", "LayerName"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(t, names[i][0]) == 0) {
            return names[i][1];
        }
    }
    return NULL;
}

int sam_physical_name(struct sam_eval *ev, const char *id, char **out)
{
    *out = NULL;
    json_t *res = resource(ev, id);
    if (!json_is_object(res)) {
        return sam_eval_fail(ev, NULL, "%s is not a resource of the template", id);
    }
    char *key = xasprintf("name:%s", id);
    const char *cached = json_string_value(json_object_get(ev->cache, key));
    free(key);
    if (cached) {
        *out = xstrdup(cached);
        return 0;
    }
    const char *prop = name_property(type_of(res));
    json_t *v = prop ? json_object_get(json_object_get(res, "Properties"), prop) : NULL;
    if (v == NULL) {
        *out = xstrdup(id);
        return 0;
    }
    if (++ev->depth > SAM_EVAL_DEPTH) {
        return sam_eval_fail(ev, v, "%s.%s: circular reference", id, prop);
    }
    json_t *r = NULL;
    int rc = sam_eval_value(ev, v, &r);
    ev->depth--;
    if (rc == 0 && !json_is_string(r)) {
        rc = sam_eval_fail(ev, v, "%s.%s must be a string", id, prop);
    }
    if (rc == 0) {
        *out = xstrdup(json_string_value(r));
        ev->cache = ev->cache ? ev->cache : json_object();
        key = xasprintf("name:%s", id);
        (void)json_object_set(ev->cache, key, r);
        free(key);
    }
    json_decref(r);
    return rc;
}

/* Ref of a resource: its physical name, as an ARN or URL for the types whose Ref is one. */
static int ref_resource(struct sam_eval *ev, const char *id, json_t **out)
{
    char *name = NULL;
    int rc = sam_physical_name(ev, id, &name);
    if (rc < 0) {
        return rc;
    }
    const char *t = type_of(resource(ev, id));
    char *s = NULL;
    if (strstr(t, "::LayerVersion")) {
        s = xasprintf("arn:aws:lambda:%s:%s:layer:%s:1", ev->region, ev->account, name);
    } else if (strcmp(t, "AWS::SQS::Queue") == 0) {
        s = xasprintf("https://sqs.%s.amazonaws.com/%s/%s", ev->region, ev->account, name);
    } else if (strcmp(t, "AWS::SNS::Topic") == 0) {
        s = xasprintf("arn:aws:sns:%s:%s:%s", ev->region, ev->account, name);
    }
    *out = json_string(s ? s : name);
    free(s);
    free(name);
    return 0;
}

/* A parameter's value: its Default (a list for CommaDelimitedList and List<...> types). */
static int ref_parameter(struct sam_eval *ev, const char *name, json_t *p, json_t **out)
{
    json_t *def = json_object_get(p, "Default");
    if (!json_is_string(def)) {
        return sam_eval_fail(
            ev, def, "Ref: parameter %s has no Default (clambda takes no parameter values)", name);
    }
    const char *type = json_string_value(json_object_get(p, "Type"));
    if (type && (strcmp(type, "CommaDelimitedList") == 0 || strncmp(type, "List<", 5) == 0)) {
        json_t *list = json_array();
        const char *s = json_string_value(def);
        for (const char *c; (c = strchr(s, ',')) != NULL; s = c + 1) {
            (void)json_array_append_new(list, json_stringn(s, (size_t)(c - s)));
        }
        (void)json_array_append_new(list, json_string(s));
        *out = list;
        return 0;
    }
    *out = json_incref(def);
    return 0;
}

/* A pseudo parameter's value (AWS::NoValue: NULL). false when name is none. */
static bool pseudo(struct sam_eval *ev, const char *name, json_t **out)
{
    char *s = NULL;
    if (strcmp(name, "AWS::Region") == 0) {
        s = xstrdup(ev->region);
    } else if (strcmp(name, "AWS::AccountId") == 0) {
        s = xstrdup(ev->account);
    } else if (strcmp(name, "AWS::StackName") == 0) {
        s = xstrdup(ev->stack_name);
    } else if (strcmp(name, "AWS::StackId") == 0) {
        s = xasprintf("arn:aws:cloudformation:%s:%s:stack/%s/00000000-0000-0000-0000-000000000000",
                      ev->region, ev->account, ev->stack_name);
    } else if (strcmp(name, "AWS::Partition") == 0) {
        s = xstrdup("aws");
    } else if (strcmp(name, "AWS::URLSuffix") == 0) {
        s = xstrdup("amazonaws.com");
    } else if (strcmp(name, "AWS::NotificationARNs") == 0) {
        *out = json_array();
        return true;
    } else if (strcmp(name, "AWS::NoValue") == 0) {
        *out = NULL;
        return true;
    } else {
        return false;
    }
    *out = json_string(s);
    free(s);
    return true;
}

static int ref(struct sam_eval *ev, const json_t *at, const char *name, json_t **out)
{
    if (pseudo(ev, name, out)) {
        return 0;
    }
    json_t *p = json_object_get(json_object_get(ev->tmpl, "Parameters"), name);
    if (p) {
        return ref_parameter(ev, name, p, out);
    }
    if (resource(ev, name)) {
        return ref_resource(ev, name, out);
    }
    return sam_eval_fail(
        ev, at, "Ref: %s is not a parameter, pseudo parameter or resource of the template", name);
}

/* ---- Fn::GetAtt ----------------------------------------------------------------------------- */

static int get_att(struct sam_eval *ev, const json_t *at, const char *id, const char *attr,
                   json_t **out)
{
    json_t *res = resource(ev, id);
    size_t idlen = strlen(id);
    if (res == NULL && idlen > 4 && strcmp(id + idlen - 4, "Role") == 0 &&
        strcmp(attr, "Arn") == 0) { /* the role SAM makes for function <F> is <F>Role */
        char *fn = xstrndup(id, idlen - 4);
        bool is_fn = strcmp(type_of(resource(ev, fn)), "AWS::Serverless::Function") == 0;
        free(fn);
        if (is_fn) {
            char *s = xasprintf("arn:aws:iam::%s:role/%s", ev->account, id);
            *out = json_string(s);
            free(s);
            return 0;
        }
    }
    if (res == NULL) {
        return sam_eval_fail(ev, at, "Fn::GetAtt: %s is not a resource of the template", id);
    }
    const char *t = type_of(res);
    char *name = NULL;
    int rc = sam_physical_name(ev, id, &name);
    if (rc < 0) {
        return rc;
    }
    const char *r = ev->region;
    const char *a = ev->account;
    char *s = NULL;
    bool is_fn = strstr(t, "::Function") != NULL;
    bool is_table = strstr(t, "Table") != NULL;
    if (is_fn && strcmp(attr, "Arn") == 0) {
        s = xasprintf("arn:aws:lambda:%s:%s:function:%s", r, a, name);
    } else if (is_table && strcmp(attr, "Arn") == 0) {
        s = xasprintf("arn:aws:dynamodb:%s:%s:table/%s", r, a, name);
    } else if (is_table && strcmp(attr, "StreamArn") == 0) {
        s = xasprintf("arn:aws:dynamodb:%s:%s:table/%s/stream/1970-01-01T00:00:00.000", r, a, name);
    } else if (strcmp(t, "AWS::SQS::Queue") == 0 && strcmp(attr, "Arn") == 0) {
        s = xasprintf("arn:aws:sqs:%s:%s:%s", r, a, name);
    } else if (strcmp(t, "AWS::SQS::Queue") == 0 && strcmp(attr, "QueueUrl") == 0) {
        s = xasprintf("https://sqs.%s.amazonaws.com/%s/%s", r, a, name);
    } else if (strcmp(t, "AWS::SNS::Topic") == 0 && strcmp(attr, "TopicArn") == 0) {
        s = xasprintf("arn:aws:sns:%s:%s:%s", r, a, name);
    } else if (strcmp(t, "AWS::S3::Bucket") == 0 && strcmp(attr, "Arn") == 0) {
        s = xasprintf("arn:aws:s3:::%s", name);
    } else if (strcmp(t, "AWS::IAM::Role") == 0 && strcmp(attr, "Arn") == 0) {
        s = xasprintf("arn:aws:iam::%s:role/%s", a, name);
    } else if (strcmp(attr, "Name") == 0 || strcmp(attr, "QueueName") == 0 ||
               strcmp(attr, "TopicName") == 0) {
        s = xstrdup(name);
    }
    free(name);
    if (s == NULL) {
        return sam_eval_fail(ev, at, "Fn::GetAtt: %s.%s: clambda knows no attribute %s of a %s", id,
                             attr, attr, t);
    }
    *out = json_string(s);
    free(s);
    return 0;
}

static int fn_get_att(struct sam_eval *ev, const json_t *at, json_t *arg, json_t **out)
{
    char *id = NULL;
    const char *attr = NULL;
    json_t *attr_v = NULL;
    if (json_is_string(arg) && strchr(json_string_value(arg), '.')) {
        const char *s = json_string_value(arg);
        id = xstrndup(s, (size_t)(strchr(s, '.') - s));
        attr = strchr(s, '.') + 1;
    } else if (json_is_array(arg) && json_array_size(arg) == 2 &&
               json_is_string(json_array_get(arg, 0))) {
        int rc = sam_eval_value(ev, json_array_get(arg, 1), &attr_v);
        if (rc < 0) {
            return rc;
        }
        id = xstrdup(json_string_value(json_array_get(arg, 0)));
        attr = json_string_value(attr_v);
    }
    int rc = attr ? get_att(ev, at, id, attr, out)
                  : sam_eval_fail(
                        ev, at, "Fn::GetAtt takes \"Resource.Attribute\" or [Resource, Attribute]");
    free(id);
    json_decref(attr_v);
    return rc;
}

/* ---- Fn::Sub -------------------------------------------------------------------------------- */

/* The value of one ${name} of a Fn::Sub: a variable of vars, a GetAtt (name has a dot) or a
 * Ref; appended to b. */
static int sub_var(struct sam_eval *ev, const json_t *at, json_t *vars, const char *name,
                   struct cl_buf *b)
{
    json_t *v = NULL;
    json_t *var = json_object_get(vars, name);
    const char *dot = strchr(name, '.');
    int rc;
    if (var) {
        rc = sam_eval_value(ev, var, &v);
    } else if (dot && strncmp(name, "AWS::", 5) != 0) {
        char *id = xstrndup(name, (size_t)(dot - name));
        rc = get_att(ev, at, id, dot + 1, &v);
        free(id);
    } else {
        rc = ref(ev, at, name, &v);
    }
    if (rc == 0 && !json_is_string(v)) {
        rc = sam_eval_fail(ev, at, "Fn::Sub: ${%s} is not a string", name);
    }
    if (rc == 0 && cl_buf_append_str(b, json_string_value(v)) < 0) {
        rc =
            sam_eval_fail(ev, at, "Fn::Sub: the result is larger than %zu bytes", SAM_EVAL_MAX_STR);
    }
    json_decref(v);
    return rc;
}

/* Appends the text of fmt up to its next ${...} and that variable's value to b. OUT: *next,
 * the rest of fmt ("" at its end). */
static int sub_step(struct sam_eval *ev, const json_t *at, json_t *vars, const char *fmt,
                    struct cl_buf *b, const char **next)
{
    const char *open = strstr(fmt, "${");
    const char *close = open ? strchr(open, '}') : NULL;
    *next = close ? close + 1 : fmt + strlen(fmt);
    if (cl_buf_append(b, fmt, close ? (size_t)(open - fmt) : strlen(fmt)) < 0) {
        return sam_eval_fail(ev, at, "Fn::Sub: larger than %zu bytes", SAM_EVAL_MAX_STR);
    }
    if (close == NULL) {
        return 0;
    }
    char *name = xstrndup(open + 2, (size_t)(close - open - 2));
    int rc = 0;
    if (name[0] == '!') { /* ${!Literal} is the text ${Literal} */
        rc = cl_buf_printf(b, "${%s}", name + 1) < 0
                 ? sam_eval_fail(ev, at, "Fn::Sub: larger than %zu bytes", SAM_EVAL_MAX_STR)
                 : 0;
    } else {
        rc = sub_var(ev, at, vars, name, b);
    }
    free(name);
    return rc;
}

static int fn_sub(struct sam_eval *ev, const json_t *at, json_t *arg, json_t **out)
{
    json_t *vars = NULL;
    json_t *fmt = arg;
    if (json_is_array(arg)) {
        fmt = json_array_get(arg, 0);
        vars = json_array_get(arg, 1);
    }
    if (!json_is_string(fmt) ||
        (json_is_array(arg) && (json_array_size(arg) != 2 || !json_is_object(vars)))) {
        return sam_eval_fail(ev, at, "Fn::Sub takes a string or [string, {variables}]");
    }
    struct cl_buf b;
    cl_buf_init(&b, SAM_EVAL_MAX_STR);
    int rc = 0;
    for (const char *s = json_string_value(fmt); rc == 0 && *s;) {
        rc = sub_step(ev, at, vars, s, &b, &s);
    }
    if (rc == 0) {
        *out = json_stringn(b.len ? (const char *)b.data : "", b.len);
    }
    cl_buf_fini(&b);
    return rc;
}

/* ---- values --------------------------------------------------------------------------------- */

static int intrinsic(struct sam_eval *ev, json_t *v, const char *fn, json_t *arg, json_t **out)
{
    static const struct {
        const char *name;
        sam_intrinsic_fn *f;
    } fns[] = {{"Fn::Sub", fn_sub},
               {"Fn::GetAtt", fn_get_att},
               {"Fn::Join", sam_fn_join},
               {"Fn::Select", sam_fn_select},
               {"Fn::Split", sam_fn_split},
               {"Fn::If", sam_fn_if},
               {"Fn::FindInMap", sam_fn_find_in_map},
               {"Fn::Base64", sam_fn_base64}};
    if (strcmp(fn, "Ref") == 0) {
        return json_is_string(arg)
                   ? ref(ev, v, json_string_value(arg), out)
                   : sam_eval_fail(ev, v, "Ref takes the name of a parameter or resource");
    }
    for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
        if (strcmp(fn, fns[i].name) == 0) {
            return fns[i].f(ev, v, arg, out);
        }
    }
    if (strcmp(fn, "Fn::Equals") == 0 || strcmp(fn, "Fn::And") == 0 || strcmp(fn, "Fn::Or") == 0 ||
        strcmp(fn, "Fn::Not") == 0) {
        return sam_eval_fail(ev, v, "%s may only be used in Conditions and Fn::If", fn);
    }
    return sam_eval_fail(ev, v, "%s is not supported by clambda", fn);
}

/* True when v is {"Ref": ..} or {"Fn::X": ..}. OUT: the function's name. */
static bool is_intrinsic(json_t *v, const char **fn)
{
    if (!json_is_object(v) || json_object_size(v) != 1) {
        return false;
    }
    *fn = json_object_iter_key(json_object_iter(v));
    return strcmp(*fn, "Ref") == 0 || strncmp(*fn, "Fn::", 4) == 0;
}

/* v (an array) evaluated item by item. OUT: *changed when an item is not itself. */
static int array_eval(struct sam_eval *ev, json_t *v, json_t *copy, bool *changed)
{
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item)
    {
        json_t *r = NULL;
        int rc = sam_eval_value(ev, item, &r);
        if (rc < 0) {
            return rc;
        }
        *changed |= r != item;
        if (r) {
            (void)json_array_append_new(copy, r);
        }
    }
    return 0;
}

/* v (an object) evaluated member by member. OUT: *changed when a member is not itself. */
static int object_eval(struct sam_eval *ev, json_t *v, json_t *copy, bool *changed)
{
    const char *k;
    json_t *item;
    json_object_foreach(v, k, item)
    {
        json_t *r = NULL;
        int rc = sam_eval_value(ev, item, &r);
        if (rc < 0) {
            return rc;
        }
        *changed |= r != item;
        if (r) {
            (void)json_object_set_new(copy, k, r);
        }
    }
    return 0;
}

/* An array or object without intrinsics is returned as itself (its lines stay findable). */
static int container(struct sam_eval *ev, json_t *v, json_t **out)
{
    bool changed = false;
    json_t *copy = json_is_array(v) ? json_array() : json_object();
    int rc =
        json_is_array(v) ? array_eval(ev, v, copy, &changed) : object_eval(ev, v, copy, &changed);
    if (rc < 0 || !changed) {
        json_decref(copy);
        *out = rc < 0 ? NULL : json_incref(v);
        return rc;
    }
    *out = copy;
    return 0;
}

void sam_eval_fini(struct sam_eval *ev)
{
    json_decref(ev->cache);
    ev->cache = NULL;
}

int sam_eval_value(struct sam_eval *ev, json_t *v, json_t **out)
{
    *out = NULL;
    if (++ev->steps > SAM_EVAL_MAX_STEPS) {
        return sam_eval_fail(ev, v, "the template takes more than %ld evaluation steps",
                             SAM_EVAL_MAX_STEPS);
    }
    const char *fn;
    if (is_intrinsic(v, &fn)) {
        if (++ev->depth > SAM_EVAL_DEPTH) {
            return sam_eval_fail(ev, v, "%s: nested too deep (a circular reference?)", fn);
        }
        int rc = intrinsic(ev, v, fn, json_object_iter_value(json_object_iter(v)), out);
        ev->depth--;
        return rc;
    }
    if (json_is_array(v) || json_is_object(v)) {
        /* nesting counts too: each Ref followed may lead to another deep value, and the sum
         * of both is what the stack holds */
        if (++ev->depth > SAM_EVAL_DEPTH) {
            return sam_eval_fail(ev, v, "nested too deep (a circular reference?)");
        }
        int rc = container(ev, v, out);
        ev->depth--;
        return rc;
    }
    *out = json_incref(v);
    return 0;
}
