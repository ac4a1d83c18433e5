/* SPDX-License-Identifier: MIT */
/* Event invoke configs (Put/Update/Get/Delete/ListFunctionEventInvokeConfigs), stored as the
 * response document under setting kind "event-invoke" (qualifier "$LATEST", a version or an
 * alias). Destinations must be Lambda function ARNs. The async queue applies $LATEST's through
 * the function's configuration (eic_apply) and a version's or an alias's by reading the stored
 * document at each decision (async.c); see docs/api.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/arn.h"
#include "api/target.h"
#include "base/func.h"
#include "base/xalloc.h"
#include "catalog/registry.h"
#include "control/settings.h"
#include "exec/pool.h"
#include "state/store.h"

#define EIC_RETRY_MAX 2
#define EIC_AGE_MIN   60
#define EIC_AGE_MAX   21600

/* The function and qualifier an event invoke config request names. Put and Update: a function or
 * qualifier that does not exist is AWS's "The function doesn't exist."; Get and Delete answer
 * "... doesn't have an EventInvokeConfig" for it (missing is then true). False after answering. */
static bool eic_target(struct call *call, struct url_fn *t, bool *missing)
{
    const struct function_config *cfg = NULL;
    struct err err = {0};
    *missing = false;
    if (target_resolve(call, TARGET_VERSION, t, &cfg, &err) < 0) {
        if (err.status != 404 || strncmp(err.message, "Function not found: ", 20) != 0) {
            call_reject(call, &err);
            return false;
        }
        err_fini(&err);
        *missing = true;
    }
    if (*t->qualifier == '\0') {
        (void)snprintf(t->qualifier, sizeof(t->qualifier), "$LATEST");
    }
    return true;
}

static bool int_in(struct call *call, json_t *body, const char *key, const char *member, long lo,
                   long hi)
{
    json_t *v = json_object_get(body, key);
    if (v == NULL || json_is_null(v)) {
        return true;
    }
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        char value[32];
        (void)snprintf(value, sizeof(value), "%lld",
                       json_is_integer(v) ? (long long)json_integer_value(v) : 0LL);
        char *what =
            xasprintf("Member must have value %s %ld",
                      json_is_integer(v) && json_integer_value(v) < lo ? "greater than or equal to"
                                                                       : "less than or equal to",
                      json_is_integer(v) && json_integer_value(v) < lo ? lo : hi);
        call_invalid(call, value, member, what);
        free(what);
        return false;
    }
    return true;
}

/* True when arn is arn:aws:lambda:<region>:<12 digits>:function:<name>[:<qualifier>]. */
static bool is_function_arn(const char *arn)
{
    struct url_fn rf;
    return strncmp(arn, "arn:aws", 7) == 0 && strstr(arn, ":lambda:") != NULL &&
           strstr(arn, ":function:") != NULL && url_parse_function(arn, &rf) == 0;
}

/* Whether arn is a Lambda function ARN of this server's region; its parts in *rf. */
static bool own_function(struct call *call, const char *arn, struct url_fn *rf)
{
    struct err err = {0};
    int rc = target_parse(arn, true, rf, &err);
    if (rc == 0) {
        rc = target_check_region(arn, call->ctl->region, &err);
    }
    err_fini(&err);
    return rc == 0 && strncmp(arn, "arn:", 4) == 0 && strstr(arn, ":function:") != NULL;
}

/* AWS's refusal of a destination that is no service's ARN it sends to. */
static void bad_service(struct call *call, json_t *dc)
{
    const char *s =
        json_string_value(json_object_get(json_object_get(dc, "OnSuccess"), "Destination"));
    const char *f =
        json_string_value(json_object_get(json_object_get(dc, "OnFailure"), "Destination"));
    char *os = s ? xasprintf("OnSuccess(destination=%s)", s) : xstrdup("null");
    char *of = f ? xasprintf("OnFailure(destination=%s)", f) : xstrdup("null");
    char *m = xasprintf("The provided destination config DestinationConfig(onSuccess=%s, "
                        "onFailure=%s) is invalid.",
                        os, of);
    call_error(call, 400, "InvalidParameterValueException", m);
    free(m);
    free(os);
    free(of);
}

static bool destination_ok(struct call *call, const struct url_fn *t, json_t *dc, const char *which)
{
    json_t *d = json_object_get(dc, which);
    if (d == NULL) {
        return true;
    }
    json_t *arn = json_object_get(d, "Destination");
    if (!json_is_object(d) || (arn && !json_is_string(arn))) {
        call_error(call, 400, "InvalidParameterValueException",
                   "DestinationConfig members must be {\"Destination\": ARN}.");
        return false;
    }
    const char *a = json_string_value(arn);
    if (a == NULL || *a == '\0') {
        return true;
    }
    static const char *const services[] = {":sqs:", ":sns:", ":events:", ":s3:", ":lambda:", NULL};
    bool known = false;
    for (size_t i = 0; services[i]; i++) {
        known = known || (strncmp(a, "arn:", 4) == 0 && strstr(a, services[i]) != NULL);
    }
    if (!known) {
        bad_service(call, dc);
        return false;
    }
    if (!is_function_arn(a)) {
        char *m = xasprintf("The destination ARN %s is not supported by clambda: only Lambda "
                            "function ARNs (arn:aws:lambda:<region>:<account>:function:<name>) "
                            "are accepted as %s destinations.",
                            a, which);
        call_error(call, 400, "InvalidParameterValueException", m);
        free(m);
        return false;
    }
    struct url_fn rf;
    if (own_function(call, a, &rf) && strcmp(rf.name, t->name) == 0) {
        call_error(call, 400, "InvalidParameterValueException",
                   "You can't specify the function as a destination for itself.");
        return false;
    }
    if (!own_function(call, a, &rf) || !target_name_possible(rf.name) ||
        pool_function(call->ctl->pool, rf.name) == NULL) {
        char *m = xasprintf("The destination ARN %s is invalid.", a);
        call_error(call, 400, "InvalidParameterValueException", m);
        free(m);
        return false;
    }
    char name[FUNC_NAME_MAX + 1];
    char err[256];
    if (func_destination_parse(a, name, err, sizeof(err)) < 0) {
        char *m = xasprintf("%s destination: %s", which, err);
        call_error(call, 400, "InvalidParameterValueException", m);
        free(m);
        return false;
    }
    return true;
}

/* Whether body sets anything (AWS refuses a Put or Update that does not). */
static bool eic_body_sets(json_t *body)
{
    json_t *dc = json_object_get(body, "DestinationConfig");
    return (json_object_get(body, "MaximumRetryAttempts") &&
            !json_is_null(json_object_get(body, "MaximumRetryAttempts"))) ||
           (json_object_get(body, "MaximumEventAgeInSeconds") &&
            !json_is_null(json_object_get(body, "MaximumEventAgeInSeconds"))) ||
           json_object_get(dc, "OnSuccess") || json_object_get(dc, "OnFailure");
}

static bool eic_body_ok(struct call *call, const struct url_fn *t, json_t *body)
{
    if (!int_in(call, body, "MaximumRetryAttempts", "maximumRetryAttempts", 0, EIC_RETRY_MAX) ||
        !int_in(call, body, "MaximumEventAgeInSeconds", "maximumEventAgeInSeconds", EIC_AGE_MIN,
                EIC_AGE_MAX)) {
        return false;
    }
    json_t *dc = json_object_get(body, "DestinationConfig");
    if (dc && !json_is_object(dc)) {
        call_error(call, 400, "InvalidParameterValueException",
                   "DestinationConfig must be a structure.");
        return false;
    }
    return destination_ok(call, t, dc, "OnSuccess") && destination_ok(call, t, dc, "OnFailure");
}

static json_t *eic_load(struct call *call, const struct url_fn *t)
{
    char *doc = NULL;
    if (store_setting_get(call->ctl->store, t->name, "event-invoke", t->qualifier, &doc) < 0) {
        return NULL;
    }
    json_t *o = json_loads(doc, 0, NULL);
    free(doc);
    return o;
}

static void eic_not_found(struct call *call, const struct url_fn *t)
{
    char *arn = arn_function(call->ctl->region, call->account, t->name, t->qualifier);
    char *m = xasprintf("The function %s doesn't have an EventInvokeConfig", arn);
    call_error(call, 404, "ResourceNotFoundException", m);
    free(m);
    free(arn);
}

/* Applies eic (NULL: the defaults) to the unqualified function's configuration, which the
 * async queue reads (max_retries, max_event_age_s, on_success, on_failure): saved in the
 * stored document's EventInvokeConfig and swapped into the pool. The RevisionId stays
 * (registry_save), as on AWS. 0 or -errno. */
static int eic_apply(struct call *call, const char *name, json_t *eic)
{
    const struct function_config *old = pool_function(call->ctl->pool, name);
    if (old == NULL) {
        return -ENOENT;
    }
    json_t *doc = NULL;
    func_config_to_json(old, &doc);
    (void)json_object_del(doc, "EventInvokeConfig");
    if (eic) {
        json_t *e = json_deep_copy(eic);
        (void)json_object_del(e, "LastModified");
        (void)json_object_del(e, "FunctionArn");
        (void)json_object_set_new(doc, "EventInvokeConfig", e);
    }
    struct function_config cfg;
    char err[512];
    int rc = func_config_from_json(&cfg, old->name, old->code_dir, doc, err, sizeof(err));
    json_decref(doc);
    if (rc < 0) {
        return rc;
    }
    cfg.code_sha256 = old->code_sha256 ? xstrdup(old->code_sha256) : NULL;
    cfg.code_size = old->code_size;
    rc = registry_save(call->ctl->store, &cfg, err, sizeof(err));
    if (rc < 0) {
        func_config_fini(&cfg);
        return rc;
    }
    (void)pool_update_function(call->ctl->pool, &cfg); /* takes cfg over */
    return 0;
}

/* Applies body's members to cfg (replace: start from nothing), stamps and stores it, answers. */
static void eic_write(struct call *call, const struct url_fn *t, json_t *cfg, json_t *body)
{
    static const char *const keys[] = {"MaximumRetryAttempts", "MaximumEventAgeInSeconds", NULL};
    for (size_t i = 0; keys[i]; i++) {
        json_t *v = json_object_get(body, keys[i]);
        if (v) {
            (void)json_object_set(cfg, keys[i], v);
        }
    }
    json_t *dc = json_object_get(cfg, "DestinationConfig");
    json_t *in = json_object_get(body, "DestinationConfig");
    static const char *const ds[] = {"OnSuccess", "OnFailure", NULL};
    for (size_t i = 0; ds[i]; i++) {
        json_t *v = json_object_get(in, ds[i]);
        if (v || json_object_get(dc, ds[i]) == NULL) {
            (void)json_object_set_new(dc, ds[i], v ? json_deep_copy(v) : json_object());
        }
    }
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    long long ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    (void)json_object_set_new(cfg, "LastModified", json_real((double)ms / 1000.0));
    char *doc = json_dumps(cfg, JSON_COMPACT | JSON_PRESERVE_ORDER);
    int rc = store_setting_put(call->ctl->store, t->name, "event-invoke", t->qualifier, doc);
    free(doc);
    if (rc == 0 && strcmp(t->qualifier, "$LATEST") == 0) {
        rc = eic_apply(call, t->name, cfg);
    }
    if (rc < 0) {
        settings_store_error(call, t->name, rc);
        return;
    }
    call_json(call, 200, json_incref(cfg));
}

static json_t *eic_new(struct call *call, const struct url_fn *t)
{
    char *arn = arn_function(call->ctl->region, call->account, t->name, t->qualifier);
    json_t *o =
        json_pack("{s:f,s:s,s:{}}", "LastModified", 0.0, "FunctionArn", arn, "DestinationConfig");
    free(arn);
    return o;
}

static void eic_set(struct call *call, bool replace)
{
    struct url_fn t;
    bool missing = false;
    json_t *body = eic_target(call, &t, &missing) ? call_object(call) : NULL;
    if (body == NULL) {
        return;
    }
    json_t *cfg = NULL;
    if (!eic_body_sets(body)) {
        call_error(call, 400, "InvalidParameterValueException",
                   "You must specify at least one of error handling or destination setting.");
    } else if (missing) {
        call_error(call, 404, "ResourceNotFoundException", "The function doesn't exist.");
    } else if (eic_body_ok(call, &t, body)) {
        cfg = replace ? eic_new(call, &t) : eic_load(call, &t);
        if (cfg == NULL) {
            eic_not_found(call, &t);
        } else {
            eic_write(call, &t, cfg, body);
        }
    }
    json_decref(cfg);
    json_decref(body);
}

void eic_put(struct call *call)
{
    eic_set(call, true);
}

void eic_update(struct call *call)
{
    eic_set(call, false);
}

void eic_get(struct call *call)
{
    struct url_fn t;
    bool missing = false;
    if (!eic_target(call, &t, &missing)) {
        return;
    }
    json_t *cfg = missing ? NULL : eic_load(call, &t);
    if (cfg == NULL) {
        eic_not_found(call, &t);
        return;
    }
    call_json(call, 200, cfg);
}

void eic_delete(struct call *call)
{
    struct url_fn t;
    bool missing = false;
    if (!eic_target(call, &t, &missing)) {
        return;
    }
    if (missing) {
        eic_not_found(call, &t);
        return;
    }
    int rc = store_setting_delete(call->ctl->store, t.name, "event-invoke", t.qualifier);
    if (rc == 0 && strcmp(t.qualifier, "$LATEST") == 0) {
        rc = eic_apply(call, t.name, NULL);
        rc = rc == -ENOENT ? -EIO : rc;
    }
    if (rc == -ENOENT) {
        eic_not_found(call, &t);
    } else if (rc < 0) {
        settings_store_error(call, t.name, rc);
    } else {
        call_json_empty(call, 204);
    }
}

void eic_list(struct call *call)
{
    struct url_fn t;
    if (target_get(call, TARGET_FUNCTION, &t) == NULL) {
        return;
    }
    settings_list_kind(call, t.name, "event-invoke", "FunctionEventInvokeConfigs", NULL);
}
