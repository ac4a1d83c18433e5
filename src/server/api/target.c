/* SPDX-License-Identifier: MIT */
/* The function a control-plane request names; see target.h. */
#include "api/target.h"

#include <errno.h>
#include <pthread.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "api/arn.h"
#include "catalog/aliases.h"
#include "exec/pool.h"

/* FunctionUrlQualifier (the URL operations): an alias name, not only digits. */
#define URL_QUALIFIER_PATTERN "((?!^\\d+$)^[0-9a-zA-Z-_]+$)"

/* The FunctionName patterns in POSIX ERE, anchored. Subexpression 3 is the region ("r-g-1:"),
 * 11 the name, 13 the qualifier. */
#define ERE_PREFIX                                                                              \
    "^(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-[0-9]:)?" \
    "([0-9]{12}:)?(function:)?"
#define ERE_PLAIN ERE_PREFIX "([a-zA-Z0-9_-]+)(:(\\$LATEST|[a-zA-Z0-9_-]+))?$"
#define ERE_NS    ERE_PREFIX "([a-zA-Z0-9_.-]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9_-]+))?$"
#define RX_REGION 3
#define RX_NAME   11
#define RX_QUAL   13
#define RX_GROUPS 15

static regex_t rx_plain, rx_ns;
static pthread_once_t rx_once = PTHREAD_ONCE_INIT;

static void rx_compile(void)
{
    if (regcomp(&rx_plain, ERE_PLAIN, REG_EXTENDED) != 0 ||
        regcomp(&rx_ns, ERE_NS, REG_EXTENDED) != 0) {
        abort(); /* constant patterns: a build error */
    }
}

/* Operations whose FunctionName is a NamespacedFunctionName and whose Qualifier is
 * NumericLatestPublishedOrAliasQualifier (botocore's service-2.json). */
static const char *const namespaced_ops[] = {
    "AddPermission",
    "DeleteFunction",
    "DeleteFunctionEventInvokeConfig",
    "GetFunction",
    "GetFunctionConfiguration",
    "GetFunctionEventInvokeConfig",
    "GetPolicy",
    "Invoke",
    "InvokeWithResponseStream",
    "ListFunctionEventInvokeConfigs",
    "ListVersionsByFunction",
    "PutFunctionEventInvokeConfig",
    "RemovePermission",
    "UpdateFunctionEventInvokeConfig",
    NULL,
};

static bool in_list(const char *const *list, const char *s)
{
    for (size_t i = 0; s && list[i]; i++) {
        if (strcmp(list[i], s) == 0) {
            return true;
        }
    }
    return false;
}

void target_shape_of(const char *op, struct target_shape *s)
{
    s->namespaced = in_list(namespaced_ops, op);
    s->q_pattern = s->namespaced ? TARGET_QUALIFIER_PATTERN : TARGET_OLD_QUALIFIER_PATTERN;
    if (op && strstr(op, "FunctionUrlConfig")) {
        s->q_pattern = URL_QUALIFIER_PATTERN;
    }
    /* AWS's recorded not-found answers of these end ":$LATEST" for an unqualified name */
    static const char *const alias_ops[] = {"AddPermission",
                                            "RemovePermission",
                                            "GetProvisionedConcurrencyConfig",
                                            "PutProvisionedConcurrencyConfig",
                                            "DeleteProvisionedConcurrencyConfig",
                                            NULL};
    s->alias_message = in_list(alias_ops, op);
    s->latest_suffix =
        op && (strcmp(op, "Invoke") == 0 || strcmp(op, "InvokeWithResponseStream") == 0 ||
               strcmp(op, "PutFunctionConcurrency") == 0);
}

bool target_name_possible(const char *name)
{
    return func_name_valid(name, strlen(name));
}

static void copy_group(const char *id, const regmatch_t *m, char *out, size_t cap)
{
    size_t n = m->rm_so < 0 ? 0 : (size_t)(m->rm_eo - m->rm_so);
    n = n < cap ? n : cap - 1;
    memcpy(out, id + (m->rm_so < 0 ? 0 : m->rm_so), n);
    out[n] = '\0';
}

/* Checks id against the shape and takes it apart into *t; its model errors go to l. */
static void parse_label(const struct target_shape *s, const char *id, bool qualified,
                        struct url_fn *t, struct validate_err_list *l)
{
    (void)pthread_once(&rx_once, rx_compile);
    size_t max = s->namespaced ? URL_ID_MAX : TARGET_NAME_MAX;
    regmatch_t m[RX_GROUPS];
    memset(t, 0, sizeof(*t));
    if (strlen(id) > max) {
        validate_err_add(l, id, "functionName", "Member must have length less than or equal to %zu",
                         max);
    }
    size_t len = strlen(id);
    if (len > 0 && strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
                       len) { /* a bare name (every Invoke by name): what the regex would find */
        regmatch_t whole = {.rm_so = 0, .rm_eo = (regoff_t)len};
        copy_group(id, &whole, t->name, sizeof(t->name));
        return;
    }
    if (regexec(s->namespaced ? &rx_ns : &rx_plain, id, RX_GROUPS, m, 0) != 0) {
        validate_err_add(l, id, "functionName",
                         "Member must satisfy regular expression pattern: %s",
                         s->namespaced ? TARGET_NS_PATTERN : TARGET_PATTERN);
        return;
    }
    if (!qualified && m[RX_QUAL].rm_so >= 0) {
        validate_err_add(l, id, "functionName",
                         "Member must satisfy regular expression pattern: %s", TARGET_NAME_PATTERN);
        return;
    }
    copy_group(id, &m[RX_NAME], t->name, sizeof(t->name));
    copy_group(id, &m[RX_QUAL], t->qualifier, sizeof(t->qualifier));
}

int target_parse_op(const char *op, const char *id, bool qualified, struct url_fn *t,
                    struct err *err)
{
    return target_read(op, id, NULL, qualified, t, err);
}

int target_parse(const char *id, bool qualified, struct url_fn *t, struct err *err)
{
    return target_parse_op(NULL, id, qualified, t, err);
}

int target_not_found(const char *region, const char *account, const char *name,
                     const char *qualifier, struct err *err)
{
    char *arn = arn_function(region, account, name, qualifier);
    (void)err_set(err, 404, "ResourceNotFoundException", "Function not found: %s", arn);
    free(arn);
    return -ENOENT;
}

static bool all_digits(const char *q)
{
    return *q && strspn(q, "0123456789") == strlen(q);
}

bool target_is_alias(const char *q)
{
    size_t len = strlen(q);
    return len > 0 && !all_digits(q) &&
           strspn(q, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == len;
}

int target_alias_not_found(const char *region, const char *account, const char *name,
                           const char *alias, struct err *err)
{
    char *arn = arn_function(region, account, name, alias);
    (void)err_set(err, 404, "ResourceNotFoundException", "Cannot find alias arn: %s", arn);
    free(arn);
    return -ENOENT;
}

/* Whether q satisfies the qualifier pattern p. */
static bool qualifier_ok(const char *p, const char *q)
{
    static const char word[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
    size_t len = strlen(q);
    if (strcmp(p, URL_QUALIFIER_PATTERN) == 0) {
        return len > 0 && !all_digits(q) && strspn(q, word) == len;
    }
    if (strcmp(p, TARGET_QUALIFIER_PATTERN) == 0 && strcmp(q, "$LATEST.PUBLISHED") == 0) {
        return true;
    }
    return len >= 1 &&
           strspn(q, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789$_-") == len;
}

int target_read(const char *op, const char *id, const char *url, bool qualified, struct url_fn *t,
                struct err *err)
{
    struct target_shape s;
    struct validate_err_list l;
    char q[URL_ID_MAX + 1];
    int qrc = url && qualified ? url_query_get(url, "Qualifier", q, sizeof(q)) : -ENOENT;
    target_shape_of(op, &s);
    validate_err_list_init(&l);
    if (qrc == -E2BIG || qrc == -EBADMSG) {
        validate_err_add(&l, "(malformed)", "qualifier",
                         "Member must satisfy regular expression pattern: %s", s.q_pattern);
    } else if (qrc == 0 && strlen(q) > URL_QUALIFIER_MAX) {
        validate_err_add(&l, q, "qualifier", "Member must have length less than or equal to %d",
                         URL_QUALIFIER_MAX);
    } else if (qrc == 0 && !qualifier_ok(s.q_pattern, q)) {
        validate_err_add(&l, q, "qualifier", "Member must satisfy regular expression pattern: %s",
                         s.q_pattern);
    }
    parse_label(&s, id ? id : "", qualified, t, &l);
    if (validate_err_list_done(&l, err) < 0) {
        return -EINVAL;
    }
    if (qrc == 0) {
        if (*t->qualifier && strcmp(t->qualifier, q) != 0) {
            return validate_err_invalid_param(err, TARGET_QUALIFIER_MISMATCH);
        }
        memcpy(t->qualifier, q, strlen(q) + 1); /* checked: at most URL_QUALIFIER_MAX */
    }
    return 0;
}

int target_check_region(const char *id, const char *region, struct err *err)
{
    if (id == NULL || strchr(id, ':') == NULL) {
        return 0; /* a bare name (every Invoke by name) names no region: no regex to run */
    }
    (void)pthread_once(&rx_once, rx_compile);
    regmatch_t m[RX_GROUPS];
    if (regexec(&rx_ns, id, RX_GROUPS, m, 0) != 0 || m[RX_REGION].rm_so < 0) {
        return 0;
    }
    size_t n = (size_t)(m[RX_REGION].rm_eo - m[RX_REGION].rm_so) - 1; /* without the ':' */
    if (strlen(region) == n && strncmp(id + m[RX_REGION].rm_so, region, n) == 0) {
        return 0;
    }
    (void)err_set(err, 404, "ResourceNotFoundException",
                  "Functions from '%.*s' are not reachable in this region ('%s')", (int)n,
                  id + m[RX_REGION].rm_so, region);
    return -ENOENT;
}

/* The configuration qualifier q of function name stands for: $LATEST, a version, or an alias's
 * primary version. NULL when there is none. */
static const struct function_config *qualified_config(const struct call_ctx *ctl, const char *name,
                                                      const char *q)
{
    const struct function_config *cfg = pool_function_version(ctl->pool, name, q);
    const struct alias_target *a = cfg == NULL ? aliases_get(ctl->aliases, name, q) : NULL;
    return a ? pool_function_version(ctl->pool, name, a->version) : cfg;
}

int target_resolve(const struct call *call, enum target_rule rule, struct url_fn *t,
                   const struct function_config **cfg, struct err *err)
{
    const struct call_ctx *ctl = call->ctl;
    struct target_shape s;
    *cfg = NULL;
    int rc = target_read(call->op, call->label[0], rule != TARGET_LATEST ? call->req->url : NULL,
                         rule != TARGET_LATEST, t, err);
    if (rc == 0) {
        rc = target_check_region(call->label[0], ctl->region, err);
    }
    if (rc < 0) {
        return rc;
    }
    *cfg = target_name_possible(t->name) ? pool_function(ctl->pool, t->name) : NULL;
    if (*cfg && rule == TARGET_VERSION && *t->qualifier) {
        *cfg = qualified_config(ctl, t->name, t->qualifier);
    }
    if (*cfg == NULL) {
        target_shape_of(call->op, &s);
        if (s.alias_message && rule == TARGET_VERSION && target_is_alias(t->qualifier)) {
            return target_alias_not_found(ctl->region, call->account, t->name, t->qualifier, err);
        }
        return target_not_found(ctl->region, call->account, t->name,
                                *t->qualifier     ? t->qualifier
                                : s.latest_suffix ? "$LATEST"
                                                  : NULL,
                                err);
    }
    return 0;
}

const struct function_config *target_get(struct call *call, enum target_rule rule, struct url_fn *t)
{
    const struct function_config *cfg = NULL;
    struct err err = {0};
    if (target_resolve(call, rule, t, &cfg, &err) < 0) {
        call_reject(call, &err);
        return NULL;
    }
    return cfg;
}

void target_missing(struct call *call, const char *name, const char *qualifier)
{
    struct err err = {0};
    (void)target_not_found(call->ctl->region, call->account, name, qualifier, &err);
    call_reject(call, &err);
}
