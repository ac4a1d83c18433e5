/* SPDX-License-Identifier: MIT */
/* The intrinsic functions over lists, conditions and maps (Fn::Join, Fn::Select, Fn::Split,
 * Fn::If and the Conditions it reads, Fn::FindInMap, Fn::Base64), called from
 * sam_intrinsic.c's table; see sam_intrinsic.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "catalog/sam_intrinsic.h"
#include "cl_b64.h"
#include "cl_buf.h"

/* ---- lists, conditions, maps ---------------------------------------------------------------- */

int sam_fn_join(struct sam_eval *ev, const json_t *at, json_t *arg, json_t **out)
{
    json_t *list = NULL;
    const char *delim = json_string_value(json_array_get(arg, 0));
    if (json_array_size(arg) != 2 || delim == NULL) {
        return sam_eval_fail(ev, at, "Fn::Join takes [delimiter, [values]]");
    }
    int rc = sam_eval_value(ev, json_array_get(arg, 1), &list);
    if (rc == 0 && !json_is_array(list)) {
        rc = sam_eval_fail(ev, at, "Fn::Join: the values are not a list");
    }
    struct cl_buf b;
    cl_buf_init(&b, SAM_EVAL_MAX_STR);
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        if (rc == 0 && !json_is_string(item)) {
            rc = sam_eval_fail(ev, at, "Fn::Join: value %zu is not a string", i);
        }
        if (rc == 0 && ((i > 0 && cl_buf_append_str(&b, delim) < 0) ||
                        cl_buf_append_str(&b, json_string_value(item)) < 0)) {
            rc = sam_eval_fail(ev, at, "Fn::Join: too large");
        }
    }
    if (rc == 0) {
        *out = json_stringn(b.len ? (const char *)b.data : "", b.len);
    }
    cl_buf_fini(&b);
    json_decref(list);
    return rc;
}

int sam_fn_select(struct sam_eval *ev, const json_t *at, json_t *arg, json_t **out)
{
    json_t *idx = NULL;
    json_t *list = NULL;
    int rc =
        json_array_size(arg) == 2 ? 0 : sam_eval_fail(ev, at, "Fn::Select takes [index, [values]]");
    rc = rc ? rc : sam_eval_value(ev, json_array_get(arg, 0), &idx);
    rc = rc ? rc : sam_eval_value(ev, json_array_get(arg, 1), &list);
    char *end = NULL;
    const char *s = json_string_value(idx);
    long i = s ? strtol(s, &end, 10) : -1;
    if (rc == 0 && (s == NULL || *end != '\0' || end == s || i < 0 || !json_is_array(list) ||
                    (size_t)i >= json_array_size(list))) {
        rc = sam_eval_fail(ev, at, "Fn::Select: index %s is not in the list",
                           s ? s : "(not a number)");
    }
    if (rc == 0) {
        *out = json_incref(json_array_get(list, (size_t)i));
    }
    json_decref(idx);
    json_decref(list);
    return rc;
}

int sam_fn_split(struct sam_eval *ev, const json_t *at, json_t *arg, json_t **out)
{
    json_t *str = NULL;
    const char *delim = json_string_value(json_array_get(arg, 0));
    if (json_array_size(arg) != 2 || delim == NULL || delim[0] == '\0') {
        return sam_eval_fail(ev, at, "Fn::Split takes [delimiter, string]");
    }
    int rc = sam_eval_value(ev, json_array_get(arg, 1), &str);
    if (rc == 0 && !json_is_string(str)) {
        rc = sam_eval_fail(ev, at, "Fn::Split: the source is not a string");
    }
    if (rc == 0) {
        json_t *list = json_array();
        const char *s = json_string_value(str);
        for (const char *c; (c = strstr(s, delim)) != NULL; s = c + strlen(delim)) {
            (void)json_array_append_new(list, json_stringn(s, (size_t)(c - s)));
        }
        (void)json_array_append_new(list, json_string(s));
        *out = list;
    }
    json_decref(str);
    return rc;
}

static int condition_expr(struct sam_eval *ev, json_t *e, bool *out);

static int condition_list(struct sam_eval *ev, const char *fn, json_t *arg, bool *out)
{
    bool is_and = strcmp(fn, "Fn::And") == 0;
    bool is_not = strcmp(fn, "Fn::Not") == 0;
    if (!json_is_array(arg) || json_array_size(arg) == 0 || (is_not && json_array_size(arg) != 1)) {
        return sam_eval_fail(ev, arg, "%s takes a list of conditions", fn);
    }
    *out = is_and;
    size_t i;
    json_t *c;
    json_array_foreach(arg, i, c)
    {
        bool b = false;
        int rc = condition_expr(ev, c, &b);
        if (rc < 0) {
            return rc;
        }
        *out = is_not ? !b : (is_and ? *out && b : *out || b);
    }
    return 0;
}

static int condition_expr(struct sam_eval *ev, json_t *e, bool *out)
{
    const char *fn = json_object_size(e) == 1 ? json_object_iter_key(json_object_iter(e)) : NULL;
    json_t *arg = fn ? json_object_iter_value(json_object_iter(e)) : NULL;
    if (fn && strcmp(fn, "Condition") == 0 && json_is_string(arg)) {
        return sam_eval_condition(ev, json_string_value(arg), out);
    }
    if (fn && strcmp(fn, "Fn::Equals") == 0) {
        json_t *a = NULL;
        json_t *b = NULL;
        int rc =
            json_array_size(arg) == 2 ? 0 : sam_eval_fail(ev, e, "Fn::Equals takes [value, value]");
        rc = rc ? rc : sam_eval_value(ev, json_array_get(arg, 0), &a);
        rc = rc ? rc : sam_eval_value(ev, json_array_get(arg, 1), &b);
        *out = rc == 0 && json_equal(a, b);
        json_decref(a);
        json_decref(b);
        return rc;
    }
    if (fn &&
        (strcmp(fn, "Fn::And") == 0 || strcmp(fn, "Fn::Or") == 0 || strcmp(fn, "Fn::Not") == 0)) {
        return condition_list(ev, fn, arg, out);
    }
    return sam_eval_fail(ev, e,
                         "a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition");
}

int sam_eval_condition(struct sam_eval *ev, const char *name, bool *out)
{
    json_t *e = json_object_get(json_object_get(ev->tmpl, "Conditions"), name);
    if (e == NULL) {
        return sam_eval_fail(ev, NULL, "condition %s is not in Conditions", name);
    }
    char *key = xasprintf("cond:%s", name);
    json_t *cached = json_object_get(ev->cache, key);
    int rc = 0;
    if (cached) {
        *out = json_is_true(cached);
    } else if (++ev->depth > SAM_EVAL_DEPTH || ++ev->steps > SAM_EVAL_MAX_STEPS) {
        rc = sam_eval_fail(ev, e, "condition %s: circular reference", name);
    } else {
        rc = condition_expr(ev, e, out);
        ev->depth--;
        ev->cache = ev->cache ? ev->cache : json_object();
        (void)json_object_set_new(ev->cache, key, json_boolean(rc == 0 && *out));
    }
    free(key);
    return rc;
}

int sam_fn_if(struct sam_eval *ev, const json_t *at, json_t *arg, json_t **out)
{
    const char *cond = json_string_value(json_array_get(arg, 0));
    if (json_array_size(arg) != 3 || cond == NULL) {
        return sam_eval_fail(ev, at, "Fn::If takes [condition, value if true, value if false]");
    }
    bool b = false;
    int rc = sam_eval_condition(ev, cond, &b);
    return rc ? rc : sam_eval_value(ev, json_array_get(arg, b ? 1 : 2), out);
}

int sam_fn_find_in_map(struct sam_eval *ev, const json_t *at, json_t *arg, json_t **out)
{
    if (json_array_size(arg) != 3) {
        return sam_eval_fail(ev, at, "Fn::FindInMap takes [map, key, key]");
    }
    json_t *v = json_object_get(ev->tmpl, "Mappings");
    for (size_t i = 0; i < 3; i++) {
        json_t *k = NULL;
        int rc = sam_eval_value(ev, json_array_get(arg, i), &k);
        if (rc == 0 && !json_is_string(k)) {
            rc = sam_eval_fail(ev, at, "Fn::FindInMap: key %zu is not a string", i);
        }
        json_t *next = rc == 0 ? json_object_get(v, json_string_value(k)) : NULL;
        if (rc == 0 && next == NULL) {
            rc = sam_eval_fail(ev, at, "Fn::FindInMap: Mappings has no %s", json_string_value(k));
        }
        json_decref(k);
        if (rc < 0) {
            return rc;
        }
        v = next;
    }
    return sam_eval_value(ev, v, out);
}

int sam_fn_base64(struct sam_eval *ev, const json_t *at, json_t *arg, json_t **out)
{
    json_t *s = NULL;
    int rc = sam_eval_value(ev, arg, &s);
    if (rc == 0 && !json_is_string(s)) {
        rc = sam_eval_fail(ev, at, "Fn::Base64 takes a string");
    }
    struct cl_buf b;
    cl_buf_init(&b, SAM_EVAL_MAX_STR);
    if (rc == 0 &&
        cl_b64_encode(&b, (const uint8_t *)json_string_value(s), json_string_length(s)) < 0) {
        rc = sam_eval_fail(ev, at, "Fn::Base64: too large");
    }
    if (rc == 0) {
        *out = json_stringn(b.len ? (const char *)b.data : "", b.len);
    }
    cl_buf_fini(&b);
    json_decref(s);
    return rc;
}
