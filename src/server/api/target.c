/* SPDX-License-Identifier: MIT */
/* The function a control-plane request names; see target.h. */
#include "api/target.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/arn.h"
#include "catalog/aliases.h"
#include "exec/pool.h"

int target_parse(const char *id, bool qualified, struct url_fn *t, struct err *err)
{
    if (url_parse_function(id, t) < 0 || (!qualified && t->qualifier[0])) {
        return validate_err_one(
            err, id, "functionName",
            qualified ? "Member must satisfy regular expression pattern: " TARGET_PATTERN
                      : "Member must satisfy regular expression pattern: " TARGET_NAME_PATTERN);
    }
    return 0;
}

int target_not_found(const char *region, const char *account, const char *name,
                     const char *qualifier, struct err *err)
{
    char *arn = arn_function(region, account, name, qualifier);
    (void)err_set(err, 404, "ResourceNotFoundException", "Function not found: %s", arn);
    free(arn);
    return -ENOENT;
}

static bool qualifier_ok(const char *q)
{
    size_t len = strlen(q);
    return len >= 1 && len <= URL_QUALIFIER_MAX &&
           strspn(q, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789$_-") == len;
}

/* Merges ?Qualifier= of url into t. 0 or -EINVAL with *err. */
static int merge_query(const char *url, struct url_fn *t, struct err *err)
{
    char q[URL_QUALIFIER_MAX + 1];
    int rc = url_query_get(url, "Qualifier", q, sizeof(q));
    if (rc == -ENOENT) {
        return 0;
    }
    if (rc < 0 || !qualifier_ok(q)) {
        return validate_err_one(err, rc < 0 ? "(malformed)" : q, "qualifier",
                                "Member must satisfy regular expression pattern: "
                                "(|[a-zA-Z0-9$_-]+)");
    }
    if (*t->qualifier && strcmp(t->qualifier, q) != 0) {
        return validate_err_invalid_param(err, TARGET_QUALIFIER_MISMATCH);
    }
    memcpy(t->qualifier, q, sizeof(q));
    return 0;
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
    *cfg = NULL;
    int rc = target_parse(call->label[0], rule != TARGET_LATEST, t, err);
    if (rc == 0 && rule != TARGET_LATEST) {
        rc = merge_query(call->req->url, t, err);
    }
    if (rc < 0) {
        return rc;
    }
    *cfg = pool_function(ctl->pool, t->name);
    if (*cfg && rule == TARGET_VERSION && *t->qualifier) {
        *cfg = qualified_config(ctl, t->name, t->qualifier);
    }
    if (*cfg == NULL) {
        return target_not_found(ctl->region, call->account, t->name, t->qualifier, err);
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
