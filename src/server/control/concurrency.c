/* SPDX-License-Identifier: MIT */
/* Reserved and provisioned concurrency; see concurrency.h. */
#include "control/concurrency.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/arn.h"
#include "api/target.h"
#include "base/func.h"
#include "base/xalloc.h"
#include "catalog/aliases.h"
#include "catalog/scaling.h"
#include "control/func_json.h"
#include "exec/pool.h"
#include "state/store.h"

/* ---- applying settings to the pool (catalog/scaling.h) ------------------------------------- */

static const char *target_version(struct call_ctx *ctl, const char *function, const char *qualifier)
{
    return scaling_target_version(ctl->pool, ctl->aliases, function, qualifier);
}

static int stored_provisioned(struct store *st, const char *function, const char *qualifier,
                              char *last_modified, size_t cap)
{
    return scaling_stored_provisioned(st, function, qualifier, last_modified, cap);
}

static void apply_provisioned(struct call_ctx *ctl, const char *function, const char *version)
{
    scaling_apply_provisioned(ctl->store, ctl->pool, ctl->aliases, function, version);
}

void concurrency_alias_moved(struct call_ctx *ctl, const char *function, const char *alias,
                             const char *old_version)
{
    scaling_alias_moved(ctl->store, ctl->pool, ctl->aliases, function, alias, old_version);
}

/* ---- reserved ------------------------------------------------------------------------------- */

/* Reserved concurrency of every other function. */
static long long reserved_elsewhere(const struct pool *p, const char *function)
{
    long long sum = 0;
    const struct function_config *cfg;
    for (size_t i = 0; (cfg = pool_function_at(p, i)) != NULL; i++) {
        if (strcmp(cfg->version, "$LATEST") == 0 && strcmp(cfg->name, function) != 0 &&
            cfg->reserved > 0) {
            sum += cfg->reserved;
        }
    }
    return sum;
}

static void store_failed(struct call *call, const char *function, int rc)
{
    if (rc == -ENOENT) {
        char *m = xasprintf("Function %s is not in the function store (--manifest): its "
                            "concurrency is set in the manifest.",
                            function);
        call_error(call, 409, "ResourceConflictException", m);
        free(m);
    } else {
        call_error(call, 500, "ServiceException", "The function store failed.");
    }
}

/* Reads integer member (model: its validation name), at least min. False after answering. */
static bool int_member(struct call *call, json_t *body, const char *member, const char *model,
                       long long min, long long *out)
{
    json_t *v = json_object_get(body, member);
    struct err err = {0};
    if (v == NULL || json_is_null(v)) {
        (void)validate_err_one(&err, "null", model, "Member must not be null");
    } else if (!json_is_integer(v)) {
        call_error(call, 400, "InvalidRequestContentException",
                   "Could not parse request body into json: expected an integer.");
        return false;
    } else if (json_integer_value(v) < min) {
        char value[32];
        char *c = xasprintf("Member must have value greater than or equal to %lld", min);
        (void)snprintf(value, sizeof(value), "%lld", (long long)json_integer_value(v));
        (void)validate_err_one(&err, value, model, c);
        free(c);
    } else {
        *out = json_integer_value(v);
        return true;
    }
    call_reject(call, &err);
    return false;
}

/* ---- provisioned ---------------------------------------------------------------------------- */

/* The function and the Qualifier (a published version or an alias), answered as AWS does: a
 * missing alias (of a function that may not exist either) is "Cannot find alias arn: ...", a
 * missing version "Function not found: ...:N", $LATEST refused. OUT: rf, q. False after
 * answering. */
static bool provisioned_target(struct call *call, struct url_fn *rf, char *q, size_t cap)
{
    struct err err = {0};
    if (target_read(call->op, call->label[0], call->req->url, true, rf, &err) < 0 ||
        target_check_region(call->label[0], call->ctl->region, &err) < 0) {
        call_reject(call, &err);
        return false;
    }
    if (rf->qualifier[0] == '\0') {
        (void)validate_err_null(&err, "qualifier");
        call_reject(call, &err);
        return false;
    }
    (void)snprintf(q, cap, "%s", rf->qualifier);
    if (strcmp(q, "$LATEST") == 0) {
        call_error(call, 400, "InvalidParameterValueException",
                   strcmp(call->op, "PutProvisionedConcurrencyConfig") == 0
                       ? "Provisioned Concurrency Configs cannot be applied to unpublished "
                         "function versions."
                       : "The function resource provided must be an alias or a published "
                         "version.");
        return false;
    }
    bool exists = target_name_possible(rf->name) && pool_function(call->ctl->pool, rf->name);
    if (!exists || target_version(call->ctl, rf->name, q) == NULL) {
        if (target_is_alias(q)) {
            (void)target_alias_not_found(call->ctl->region, call->account, rf->name, q, &err);
            call_reject(call, &err);
        } else {
            target_missing(call, rf->name, q);
        }
        return false;
    }
    return true;
}

/* AWS's 409s: an alias whose version has a config of its own, or a version an alias with a
 * config points to. False after answering. */
static bool provisioned_free(struct call *call, const char *function, const char *q)
{
    const char *v = target_version(call->ctl, function, q);
    bool alias = target_is_alias(q);
    struct store_setting *ss = NULL;
    size_t n = 0;
    if (v == NULL ||
        store_setting_list(call->ctl->store, function, SCALING_KIND_PROVISIONED, &ss, &n) < 0) {
        return true;
    }
    const char *clash = NULL;
    for (size_t i = 0; i < n && clash == NULL; i++) {
        const char *other = ss[i].qualifier;
        if (strcmp(other, q) == 0) {
            continue; /* the same config, replaced */
        }
        if (alias && strcmp(other, v) == 0) {
            clash = "Alias can't be used for Provisioned Concurrency configuration on an already "
                    "Provisioned version";
        } else if (!alias && target_is_alias(other) &&
                   (target_version(call->ctl, function, other) != NULL &&
                    strcmp(target_version(call->ctl, function, other), v) == 0)) {
            clash = "Version is pointed by a Provisioned Concurrency alias";
        }
    }
    if (clash) {
        call_error(call, 409, "ResourceConflictException", clash);
    }
    store_setting_list_free(ss, n);
    return clash == NULL;
}

static json_t *provisioned_json(struct call *call, const char *function, const char *q,
                                int requested, const char *last_modified, bool with_arn)
{
    const char *v = target_version(call->ctl, function, q);
    size_t ready = v ? pool_provisioned_ready(call->ctl->pool, function, v) : 0;
    const struct function_config *cfg =
        v ? pool_function_version(call->ctl->pool, function, v) : NULL;
    /* the version's environments serve every alias and the version itself */
    size_t total = cfg && cfg->provisioned > 0 ? (size_t)cfg->provisioned : 1;
    size_t mine = ready >= total ? (size_t)requested : ready * (size_t)requested / total;
    json_t *o = json_object();
    if (with_arn) {
        char *arn = arn_function(call->ctl->region, call->account, function, q);
        (void)json_object_set_new(o, "FunctionArn", json_string(arn));
        free(arn);
    }
    (void)json_object_set_new(o, "RequestedProvisionedConcurrentExecutions",
                              json_integer(requested));
    (void)json_object_set_new(o, "AvailableProvisionedConcurrentExecutions",
                              json_integer((json_int_t)mine));
    (void)json_object_set_new(o, "AllocatedProvisionedConcurrentExecutions",
                              json_integer((json_int_t)mine));
    (void)json_object_set_new(o, "Status",
                              json_string(mine >= (size_t)requested ? "READY" : "IN_PROGRESS"));
    (void)json_object_set_new(o, "LastModified", json_string(last_modified));
    return o;
}

/* Checks the requested count against the function's reserved concurrency and the account's
 * unreserved minimum. False after answering. */
static bool provisioned_fits(struct call *call, const struct function_config *latest, long long n)
{
    int max = call->ctl->max_concurrency;
    if (latest->reserved >= 0 && n > latest->reserved) {
        char *m = xasprintf("Requested Provisioned Concurrency should not be greater than the "
                            "reservedConcurrentExecution for function. [%d]",
                            latest->reserved);
        call_error(call, 400, "InvalidParameterValueException", m);
        free(m);
        return false;
    }
    if (latest->reserved < 0 && reserved_elsewhere(call->ctl->pool, latest->name) + n > max) {
        call_error(call, 400, "InvalidParameterValueException",
                   "Specified ProvisionedConcurrentExecutions for function decreases "
                   "account's UnreservedConcurrentExecution below its minimum value of "
                   "[0].");
        return false;
    }
    return true;
}

void concurrency_put_provisioned(struct call *call)
{
    struct url_fn rf;
    char q[URL_QUALIFIER_MAX + 1];
    json_t *body = provisioned_target(call, &rf, q, sizeof(q)) ? call_object(call) : NULL;
    long long n = 0;
    if (body == NULL || !int_member(call, body, "ProvisionedConcurrentExecutions",
                                    "provisionedConcurrentExecutions", 1, &n)) {
        json_decref(body);
        return;
    }
    json_decref(body);
    const struct alias_target *t = aliases_get(call->ctl->aliases, rf.name, q);
    if (t && t->extra[0]) {
        call_error(call, 400, "InvalidParameterValueException",
                   "Alias with weights can not be used with Provisioned Concurrency");
        return;
    }
    if (!provisioned_free(call, rf.name, q) ||
        !provisioned_fits(call, pool_function(call->ctl->pool, rf.name), n)) {
        return;
    }
    char now[FUNC_JSON_TIME_LEN];
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    func_json_time((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, now);
    json_t *doc = json_pack("{s:I, s:s}", "Requested", (json_int_t)n, "LastModified", now);
    char *s = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    int rc = store_setting_put(call->ctl->store, rf.name, SCALING_KIND_PROVISIONED, q, s);
    free(s);
    if (rc < 0) {
        store_failed(call, rf.name, rc);
        return;
    }
    apply_provisioned(call->ctl, rf.name, target_version(call->ctl, rf.name, q));
    call_json(call, 202, provisioned_json(call, rf.name, q, (int)n, now, false));
}

void concurrency_get_provisioned(struct call *call)
{
    struct url_fn rf;
    char q[URL_QUALIFIER_MAX + 1];
    char lm[FUNC_JSON_TIME_LEN + 8];
    if (!provisioned_target(call, &rf, q, sizeof(q))) {
        return;
    }
    int n = stored_provisioned(call->ctl->store, rf.name, q, lm, sizeof(lm));
    if (n <= 0) {
        call_error(call, 404, "ProvisionedConcurrencyConfigNotFoundException",
                   "No Provisioned Concurrency Config found for this function");
        return;
    }
    call_json(call, 200, provisioned_json(call, rf.name, q, n, lm, false));
}

void concurrency_delete_provisioned(struct call *call)
{
    struct url_fn rf;
    char q[URL_QUALIFIER_MAX + 1];
    if (!provisioned_target(call, &rf, q, sizeof(q))) {
        return;
    }
    int rc = store_setting_delete(call->ctl->store, rf.name, SCALING_KIND_PROVISIONED, q);
    if (rc < 0 && rc != -ENOENT) {
        store_failed(call, rf.name, rc);
        return;
    }
    apply_provisioned(call->ctl, rf.name, target_version(call->ctl, rf.name, q));
    call_json_empty(call, 204);
}

/* Appends the config of qualifier q to list when one is stored. */
static void list_one(struct call *call, const char *function, const char *q, json_t *list)
{
    char lm[FUNC_JSON_TIME_LEN + 8];
    int n = stored_provisioned(call->ctl->store, function, q, lm, sizeof(lm));
    if (n > 0) {
        (void)json_array_append_new(list, provisioned_json(call, function, q, n, lm, true));
    }
}

void concurrency_list_provisioned(struct call *call)
{
    struct url_fn rf;
    if (target_get(call, TARGET_LATEST, &rf) == NULL) {
        return;
    }
    json_t *list = json_array();
    const struct function_config *cfg;
    for (size_t i = 0; (cfg = pool_function_at(call->ctl->pool, i)) != NULL; i++) {
        if (strcmp(cfg->name, rf.name) == 0 && strcmp(cfg->version, "$LATEST") != 0) {
            list_one(call, rf.name, cfg->version, list);
        }
    }
    struct store_alias *as = NULL;
    size_t n = 0;
    if (store_alias_list(call->ctl->store, rf.name, &as, &n) == 0) {
        for (size_t i = 0; i < n; i++) {
            list_one(call, rf.name, as[i].name, list);
        }
    }
    store_alias_list_free(as, n);
    call_json(call, 200, json_pack("{s:o}", "ProvisionedConcurrencyConfigs", list));
}
