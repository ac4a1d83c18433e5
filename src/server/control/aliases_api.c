/* SPDX-License-Identifier: MIT */
/* Alias operations; see aliases_api.h. */
#include "control/aliases_api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/arn.h"
#include "api/page.h"
#include "api/target.h"
#include "base/ids.h"
#include "base/xalloc.h"
#include "catalog/aliases.h"
#include "catalog/catalog.h"
#include "cl_buf.h"
#include "control/concurrency.h"
#include "exec/pool.h"
#include "state/store.h"

#define ALIASES_PAGE_MAX 50
#define NAME_PATTERN     "(?!^[0-9]+$)([a-zA-Z0-9-_]+)"
#define VERSION_PATTERN  "(\\$LATEST(\\.PUBLISHED)?|[0-9]+)" /* the model's */

static bool all_digits(const char *s)
{
    return *s && strspn(s, "0123456789") == strlen(s);
}

static bool alias_name_ok(const char *s)
{
    size_t len = strlen(s);
    return len >= 1 && len <= ALIASES_NAME_MAX && !all_digits(s) &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == len;
}

static bool version_ok(const char *s)
{
    return strcmp(s, "$LATEST") == 0 || (all_digits(s) && strlen(s) < ALIASES_VERSION_MAX - 1);
}

static char *alias_arn(struct call *call, const char *function, const char *name)
{
    return arn_function(call->ctl->region, call->account, function, name);
}

/* UpdateAlias's answer for an alias that does not exist; GetAlias's is "Cannot find alias arn:
 * ARN" (both AWS's, recorded). */
static void alias_not_found(struct call *call, const char *function, const char *name)
{
    if (strcmp(call->op, "DeleteAlias") == 0) { /* AWS: deleting no alias succeeds (recorded) */
        call_json_empty(call, 204);
        return;
    }
    char *arn = alias_arn(call, function, name);
    char *m = xasprintf(strcmp(call->op, "GetAlias") == 0 ? "Cannot find alias arn: %s"
                                                          : "Alias not found: %s",
                        arn);
    call_error(call, 404, "ResourceNotFoundException", m);
    free(m);
    free(arn);
}

static json_t *alias_json(struct call *call, const struct store_alias *a)
{
    char v[24];
    (void)snprintf(v, sizeof(v), "%lld", (long long)a->version);
    char *arn = alias_arn(call, a->function, a->name);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "AliasArn", arn, "Name", a->name,
                          "FunctionVersion", a->version == 0 ? "$LATEST" : v, "Description",
                          a->description ? a->description : "");
    free(arn);
    json_t *w = a->routing_json ? json_loads(a->routing_json, 0, NULL) : NULL;
    if (json_object_size(w) > 0) {
        (void)json_object_set_new(o, "RoutingConfig",
                                  json_pack("{s:o}", "AdditionalVersionWeights", w));
    } else {
        json_decref(w);
    }
    (void)json_object_set_new(o, "RevisionId", json_string(a->revision_id));
    return o;
}

/* Updates the in-memory cache from a stored alias. */
static void cache_put(struct aliases *cache, const struct store_alias *a)
{
    struct alias_target t;
    catalog_alias_target(a, &t);
    aliases_set(cache, a->function, a->name, &t);
}

/* ---- input ---------------------------------------------------------------------------------- */

/* FunctionVersion: must match the pattern and exist. OUT: *number (0 for $LATEST). */
static bool check_version(struct call *call, const char *function, const char *v, int64_t *number)
{
    if (!version_ok(v)) {
        call_invalid(call, v, "functionVersion",
                     "Member must satisfy regular expression pattern: " VERSION_PATTERN);
        return false;
    }
    if (pool_function_version(call->ctl->pool, function, v) == NULL) {
        target_missing(call, function, v);
        return false;
    }
    *number = strcmp(v, "$LATEST") == 0 ? 0 : strtoll(v, NULL, 10);
    return true;
}

/* The weights map as AWS's messages quote it (Java's Map.toString: "{2=0.5}"). */
static char *weights_text(json_t *w)
{
    struct cl_buf b;
    cl_buf_init(&b, VALIDATE_ERR_MAX);
    (void)cl_buf_append_byte(&b, '{');
    const char *key;
    json_t *value;
    bool first = true;
    json_object_foreach(w, key, value)
    {
        char num[64];
        (void)snprintf(num, sizeof(num), "%.15g", json_number_value(value));
        bool integral = strpbrk(num, ".eEn") == NULL; /* Double.toString: "2.0" */
        (void)cl_buf_printf(&b, "%s%s=%s%s", first ? "" : ", ", key,
                            json_is_number(value) ? num : "null", integral ? ".0" : "");
        first = false;
    }
    (void)cl_buf_append_byte(&b, '}');
    char *out = xstrdup(cl_buf_str(&b));
    cl_buf_fini(&b);
    return out;
}

static bool check_weight(struct call *call, json_t *w, const char *key, json_t *value)
{
    char *text = NULL;
    if (!all_digits(key) || strlen(key) >= ALIASES_VERSION_MAX - 1) {
        text = weights_text(w);
        call_invalid(call, text, "routingConfig.additionalVersionWeights",
                     "Map keys must satisfy constraint: [Member must have length less than or "
                     "equal to 1024, Member must have length greater than or equal to 1, Member "
                     "must satisfy regular expression pattern: [0-9]+]");
        free(text);
        return false;
    }
    double x = json_number_value(value);
    if (!json_is_number(value) || x < 0.0 || x > 1.0) {
        text = weights_text(w);
        call_invalid(call, text, "routingConfig.additionalVersionWeights",
                     "Map value must satisfy constraint: [Member must have value less than or "
                     "equal to 1.0, Member must have value greater than or equal to 0.0, Member "
                     "must not be null]");
        free(text);
        return false;
    }
    return true;
}

/* RoutingConfig (may be NULL or without weights). OUT: *routing (free(), NULL when none). */
static bool check_routing(struct call *call, const char *function, int64_t primary, json_t *rc_json,
                          char **routing)
{
    json_t *w = json_object_get(rc_json, "AdditionalVersionWeights");
    *routing = NULL;
    if ((rc_json && !json_is_object(rc_json)) || (w && !json_is_object(w))) {
        call_error(call, 400, "InvalidRequestContentException",
                   "Could not parse request body into json: RoutingConfig must be an "
                   "object.");
        return false;
    }
    const char *key;
    json_t *value;
    json_object_foreach(w, key, value)
    {
        if (!check_weight(call, w, key, value)) {
            return false;
        }
    }
    if (json_object_size(w) == 0) {
        return true;
    }
    if (json_object_size(w) > 1) {
        call_error(call, 400, "InvalidParameterValueException",
                   "Number of items in AdditionalVersionWeights cannot be greater than 1");
        return false;
    }
    json_object_foreach(w, key, value)
    {
        if (primary == 0) {
            call_error(call, 400, "InvalidParameterValueException",
                       "$LATEST is not supported for an alias pointing to more than 1 "
                       "version");
            return false;
        }
        if (strtoll(key, NULL, 10) == primary) {
            char *m = xasprintf("Invalid function version %s. Function version %s is already "
                                "included in routing configuration.",
                                key, key);
            call_error(call, 400, "InvalidParameterValueException", m);
            free(m);
            return false;
        }
        if (pool_function_version(call->ctl->pool, function, key) == NULL) {
            target_missing(call, function, key);
            return false;
        }
    }
    *routing = json_dumps(w, JSON_COMPACT);
    return true;
}

/* ---- operations ----------------------------------------------------------------------------- */

/* Stores a (revision set here) and updates the cache; answers status with the alias. */
static void save(struct call *call, struct store_alias *a, const char *if_revision, int status)
{
    char rev[IDS_UUID_LEN];
    ids_uuid(rev);
    a->revision_id = rev;
    int rc = store_alias_put(call->ctl->store, a, if_revision);
    if (rc == -ESTALE) {
        call_error(call, 412, "PreconditionFailedException",
                   "The Revision Id provided does not match the latest Revision Id. Call "
                   "the GetFunction/GetAlias API to retrieve the latest Revision Id");
    } else if (rc == -ENOENT && if_revision == NULL) {
        char *m = xasprintf("Function %s is not in the function store (--manifest): it cannot "
                            "have aliases.",
                            a->function);
        call_error(call, 409, "ResourceConflictException", m);
        free(m);
    } else if (rc == -ENOENT) {
        alias_not_found(call, a->function, a->name);
    } else if (rc < 0) {
        call_error(call, 500, "ServiceException", "The function store failed.");
    } else {
        const struct alias_target *t = aliases_get(call->ctl->aliases, a->function, a->name);
        char old[ALIASES_VERSION_MAX];
        (void)snprintf(old, sizeof(old), "%s", t ? t->version : "");
        cache_put(call->ctl->aliases, a);
        concurrency_alias_moved(call->ctl, a->function, a->name, *old ? old : NULL);
        call_json(call, status, alias_json(call, a));
    }
    a->revision_id = NULL;
}

void aliases_api_create(struct call *call)
{
    struct url_fn rf;
    json_t *body = target_get(call, TARGET_LATEST, &rf) ? call_object(call) : NULL;
    const char *name = NULL;
    const char *version = NULL;
    const char *description = NULL;
    struct store_alias a = {.function = rf.name};
    char *routing = NULL;
    if (body == NULL || !call_body_string(call, body, "Name", "name", ALIASES_NAME_MAX, &name) ||
        !call_body_string(call, body, "FunctionVersion", "functionVersion", 1024, &version) ||
        !call_body_string(call, body, "Description", "description", 256, &description)) {
        json_decref(body);
        return;
    }
    if (name == NULL || version == NULL) {
        call_invalid(call, "null", name == NULL ? "name" : "functionVersion",
                     "Member must not be null");
    } else if (!alias_name_ok(name)) {
        call_invalid(call, name, "name",
                     "Member must satisfy regular expression pattern: " NAME_PATTERN);
    } else if (check_version(call, rf.name, version, &a.version) &&
               check_routing(call, rf.name, a.version, json_object_get(body, "RoutingConfig"),
                             &routing)) {
        if (aliases_get(call->ctl->aliases, rf.name, name)) {
            char *arn = alias_arn(call, rf.name, name);
            char *m = xasprintf("Alias already exists: %s", arn);
            call_error(call, 409, "ResourceConflictException", m);
            free(m);
            free(arn);
        } else {
            a.name = xstrdup(name);
            a.description = description ? xstrdup(description) : NULL;
            a.routing_json = routing;
            save(call, &a, NULL, 201);
            free(a.name);
            free(a.description);
        }
    }
    free(routing);
    json_decref(body);
}

/* The stored alias named by the second path label. False after answering. */
static bool existing(struct call *call, struct url_fn *rf, struct store_alias *a)
{
    memset(a, 0, sizeof(*a));
    if (target_get(call, TARGET_LATEST, rf) == NULL) {
        return false;
    }
    if (!alias_name_ok(call->label[1])) {
        call_invalid(call, call->label[1], "name",
                     "Member must satisfy regular expression pattern: " NAME_PATTERN);
        return false;
    }
    if (store_alias_get(call->ctl->store, rf->name, call->label[1], a) < 0) {
        alias_not_found(call, rf->name, call->label[1]);
        return false;
    }
    return true;
}

void aliases_api_get(struct call *call)
{
    struct url_fn rf;
    struct store_alias a;
    if (existing(call, &rf, &a)) {
        call_json(call, 200, alias_json(call, &a));
    }
    store_alias_fini(&a);
}

/* Applies UpdateAlias's members to a. False after answering. */
static bool apply_update(struct call *call, json_t *body, struct store_alias *a, const char **rev)
{
    const char *version = NULL;
    const char *description = NULL;
    if (!call_body_string(call, body, "FunctionVersion", "functionVersion", 1024, &version) ||
        !call_body_string(call, body, "Description", "description", 256, &description) ||
        !call_body_string(call, body, "RevisionId", "revisionId", 64, rev) ||
        (version && !check_version(call, a->function, version, &a->version))) {
        return false;
    }
    if (description) {
        free(a->description);
        a->description = xstrdup(description);
    }
    json_t *rc_json = json_object_get(body, "RoutingConfig");
    char *routing = NULL;
    if (rc_json == NULL && a->routing_json) {
        /* kept: checked again against the (maybe new) primary version */
        rc_json =
            json_pack("{s:o}", "AdditionalVersionWeights", json_loads(a->routing_json, 0, NULL));
        bool ok = check_routing(call, a->function, a->version, rc_json, &routing);
        json_decref(rc_json);
        if (!ok) {
            return false;
        }
    } else if (!check_routing(call, a->function, a->version, rc_json, &routing)) {
        return false;
    }
    free(a->routing_json);
    a->routing_json = routing;
    return true;
}

void aliases_api_update(struct call *call)
{
    struct url_fn rf;
    struct store_alias a;
    if (!existing(call, &rf, &a)) {
        store_alias_fini(&a);
        return;
    }
    json_t *body = call_object(call);
    const char *rev = NULL;
    if (body && apply_update(call, body, &a, &rev)) {
        if (rev && strcmp(rev, a.revision_id) != 0) {
            call_error(call, 412, "PreconditionFailedException",
                       "The Revision Id provided does not match the latest Revision Id. "
                       "Call the GetFunction/GetAlias API to retrieve the latest Revision "
                       "Id");
        } else {
            char *old = a.revision_id;
            save(call, &a, old, 200);
            a.revision_id = old;
        }
    }
    json_decref(body);
    store_alias_fini(&a);
}

/* Deletes alias `alias` of function fn and its provisioned concurrency setting in one
 * transaction: both go or neither (a setting left behind would come back with a new alias of
 * the same name). 0 or -errno, rolled back. */
static int delete_stored(struct store *st, const char *fn, const char *alias)
{
    int rc = store_begin(st);
    if (rc < 0) {
        return rc;
    }
    rc = store_alias_delete(st, fn, alias);
    if (rc == 0) {
        rc = store_setting_delete(st, fn, "provisioned", alias);
        rc = rc == -ENOENT ? 0 : rc; /* none was set */
    }
    rc = rc == 0 ? store_commit(st) : rc;
    if (rc < 0) {
        (void)store_rollback(st);
    }
    return rc;
}

void aliases_api_delete(struct call *call)
{
    struct url_fn rf;
    struct store_alias a;
    if (existing(call, &rf, &a)) {
        if (delete_stored(call->ctl->store, rf.name, a.name) < 0) {
            call_error(call, 500, "ServiceException",
                       "The function store failed; the alias was not deleted.");
        } else {
            aliases_remove(call->ctl->aliases, rf.name, a.name);
            call_json_empty(call, 204);
        }
    }
    store_alias_fini(&a);
}

/* Reads MaxItems, Marker and FunctionVersion. False after answering. */
static bool list_params(struct call *call, int *page, char *marker, char *fv)
{
    if (!page_max_items(call, ALIASES_PAGE_MAX, page)) {
        return false;
    }
    if (url_query_get(call->req->url, "Marker", marker, ALIASES_NAME_MAX + 1) < 0) {
        marker[0] = '\0';
    }
    int rc = url_query_get(call->req->url, "FunctionVersion", fv, ALIASES_VERSION_MAX);
    if (rc == -ENOENT) {
        fv[0] = '\0';
    } else if (rc < 0 || !version_ok(fv)) {
        call_invalid(call, rc < 0 ? "(malformed)" : fv, "functionVersion",
                     "Member must satisfy regular expression pattern: " VERSION_PATTERN);
        return false;
    }
    return true;
}

void aliases_api_list(struct call *call)
{
    struct url_fn rf;
    int page = 0;
    char marker[ALIASES_NAME_MAX + 1];
    char fv[ALIASES_VERSION_MAX];
    struct store_alias *as = NULL;
    size_t n = 0;
    if (target_get(call, TARGET_LATEST, &rf) == NULL || !list_params(call, &page, marker, fv)) {
        return;
    }
    if (store_alias_list(call->ctl->store, rf.name, &as, &n) < 0) {
        n = 0; /* a function outside the store has no aliases */
    }
    int64_t want = strcmp(fv, "$LATEST") == 0 ? 0 : strtoll(fv, NULL, 10);
    json_t *list = json_array();
    const char *last = NULL;
    bool more = false;
    for (size_t i = 0; i < n; i++) {
        if ((*marker && strcmp(as[i].name, marker) <= 0) || (*fv && as[i].version != want)) {
            continue;
        }
        if (json_array_size(list) == (size_t)page) {
            more = true;
            break;
        }
        (void)json_array_append_new(list, alias_json(call, &as[i]));
        last = as[i].name;
    }
    json_t *o = json_pack("{s:o}", "Aliases", list);
    if (more && last) {
        (void)json_object_set_new(o, "NextMarker", json_string(last));
    }
    store_alias_list_free(as, n);
    call_json(call, 200, o);
}
