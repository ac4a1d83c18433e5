/* SPDX-License-Identifier: MIT */
/* AddPermission, RemovePermission and GetPolicy: the resource policy of a function (or of one
 * qualifier) is stored as {"RevisionId": ..., "Policy": {Version, Id, Statement[]}} and returned
 * in AWS's document shape. It is not enforced (docs/api.md). See settings.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/arn.h"
#include "api/target.h"
#include "base/ids.h"
#include "base/xalloc.h"
#include "control/settings.h"
#include "state/store.h"

#define SID_MAX 100

/* The stored policy of t (a new reference), or NULL when there is none. */
static json_t *policy_load(struct call *call, const struct url_fn *t)
{
    char *doc = NULL;
    if (store_setting_get(call->ctl->store, t->name, "policy", t->qualifier, &doc) < 0) {
        return NULL;
    }
    json_t *o = json_loads(doc, 0, NULL);
    free(doc);
    return o;
}

/* Saves p (or deletes it when it has no statement left) under a new revision id. 0 or -errno. */
static int policy_save(struct call *call, const struct url_fn *t, json_t *p)
{
    json_t *stmts = json_object_get(json_object_get(p, "Policy"), "Statement");
    if (json_array_size(stmts) == 0) {
        return store_setting_delete(call->ctl->store, t->name, "policy", t->qualifier);
    }
    char rid[IDS_UUID_LEN];
    ids_uuid(rid);
    (void)json_object_set_new(p, "RevisionId", json_string(rid));
    char *doc = json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER);
    int rc = store_setting_put(call->ctl->store, t->name, "policy", t->qualifier, doc);
    free(doc);
    return rc;
}

/* AWS's Principal: a service, "*", an account id (its root) or an ARN. */
static json_t *principal(const char *p)
{
    if (strcmp(p, "*") == 0) {
        return json_string("*");
    }
    if (strlen(p) == 12 && strspn(p, "0123456789") == 12) {
        char *arn = xasprintf("arn:aws:iam::%s:root", p);
        json_t *o = json_pack("{s:s}", "AWS", arn);
        free(arn);
        return o;
    }
    return json_pack(
        "{s:s}", strstr(p, ".amazonaws.com") || strstr(p, ".amazon.com") ? "Service" : "AWS", p);
}

static void condition_add(json_t *cond, const char *op, const char *key, const char *value)
{
    if (value == NULL) {
        return;
    }
    json_t *o = json_object_get(cond, op);
    if (o == NULL) {
        o = json_object();
        (void)json_object_set_new(cond, op, o);
    }
    (void)json_object_set_new(o, key, json_string(value));
}

/* The statement for body (validated). A new reference. */
static json_t *statement(struct call *call, const struct url_fn *t, json_t *body)
{
    const char *action = json_string_value(json_object_get(body, "Action"));
    char *arn = arn_function(call->ctl->region, call->account, t->name, t->qualifier);
    json_t *cond = json_object();
    condition_add(cond, "StringEquals", "AWS:SourceAccount",
                  json_string_value(json_object_get(body, "SourceAccount")));
    condition_add(cond, "StringEquals", "aws:PrincipalOrgID",
                  json_string_value(json_object_get(body, "PrincipalOrgID")));
    condition_add(cond, "StringEquals", "lambda:EventSourceToken",
                  json_string_value(json_object_get(body, "EventSourceToken")));
    condition_add(cond, "StringEquals", "lambda:FunctionUrlAuthType",
                  json_string_value(json_object_get(body, "FunctionUrlAuthType")));
    condition_add(cond, "ArnLike", "AWS:SourceArn",
                  json_string_value(json_object_get(body, "SourceArn")));
    json_t *s = json_pack(
        "{s:O,s:s,s:o,s:s,s:s}", "Sid", json_object_get(body, "StatementId"), "Effect", "Allow",
        "Principal", principal(json_string_value(json_object_get(body, "Principal"))), "Action",
        strchr(action, ':') ? action : "lambda:InvokeFunction", "Resource", arn);
    free(arn);
    if (strchr(action, ':') == NULL) {
        (void)json_object_set_new(s, "Action", json_sprintf("lambda:%s", action));
    }
    if (json_object_size(cond)) {
        (void)json_object_set(s, "Condition", cond);
    }
    json_decref(cond);
    return s;
}

static bool str_member(struct call *call, json_t *body, const char *key, const char *member,
                       bool required)
{
    json_t *v = json_object_get(body, key);
    if ((v == NULL && required) || (v && !json_is_string(v))) {
        call_invalid(call, "null", member, "Member must not be null");
        return false;
    }
    return true;
}

/* Whether AWS takes p as a principal: "*", an account id, an ARN, or a service principal
 * (a name under amazonaws.com; AWS refuses others, e.g. "invalid.nonaws.com"). */
static bool principal_ok(const char *p)
{
    size_t len = strlen(p);
    static const char svc[] = ".amazonaws.com";
    bool digits = len == 12 && strspn(p, "0123456789") == 12;
    bool service = len > sizeof(svc) - 1 && strcmp(p + len - (sizeof(svc) - 1), svc) == 0 &&
                   strpbrk(p, " \t\r\n") == NULL;
    return strcmp(p, "*") == 0 || digits || strncmp(p, "arn:", 4) == 0 || service;
}

/* The model's Action pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*]). */
static bool action_ok(const char *a)
{
    if (strcmp(a, "*") == 0 || strcmp(a, "lambda:*") == 0) {
        return true;
    }
    size_t n = strlen(a);
    return n > 7 && strncmp(a, "lambda:", 7) == 0 &&
           strspn(a + 7, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") == n - 7;
}

/* Validates AddPermission's body. False after answering. */
static bool permission_ok(struct call *call, json_t *body)
{
    if (!str_member(call, body, "StatementId", "statementId", true) ||
        !str_member(call, body, "Action", "action", true) ||
        !str_member(call, body, "Principal", "principal", true)) {
        return false;
    }
    static const char *const opt[] = {"SourceArn",  "SourceAccount",  "EventSourceToken",
                                      "RevisionId", "PrincipalOrgID", "FunctionUrlAuthType",
                                      NULL};
    for (size_t i = 0; opt[i]; i++) {
        if (!str_member(call, body, opt[i], opt[i], false)) {
            return false;
        }
    }
    const char *sid = json_string_value(json_object_get(body, "StatementId"));
    size_t len = strlen(sid);
    if (len > SID_MAX) {
        call_invalid(call, sid, "statementId", "Member must have length less than or equal to 100");
        return false;
    }
    if (len < 1 || strspn(sid, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS"
                               "TUVWXYZ0123456789-_") != len) {
        call_invalid(call, sid, "statementId",
                     "Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)");
        return false;
    }
    const char *action = json_string_value(json_object_get(body, "Action"));
    const char *acct = json_string_value(json_object_get(body, "SourceAccount"));
    if (!action_ok(action)) {
        call_invalid(call, action, "action",
                     "Member must satisfy regular expression pattern: "
                     "(lambda:[*]|lambda:[a-zA-Z]+|[*])");
        return false;
    }
    if (acct && (strlen(acct) != 12 || strspn(acct, "0123456789") != 12)) {
        call_invalid(call, acct, "sourceAccount",
                     strlen(acct) > 12 ? "Member must have length less than or equal to 12"
                                       : "Member must satisfy regular expression pattern: \\d{12}");
        return false;
    }
    if (!principal_ok(json_string_value(json_object_get(body, "Principal")))) {
        call_error(call, 400, "InvalidParameterValueException",
                   "The provided principal was invalid. Please check the principal and try "
                   "again.");
        return false;
    }
    const char *auth = json_string_value(json_object_get(body, "FunctionUrlAuthType"));
    if (auth && strcmp(auth, "NONE") != 0 && strcmp(auth, "AWS_IAM") != 0) {
        call_invalid(call, auth, "functionUrlAuthType",
                     "Member must satisfy enum value set: [NONE, AWS_IAM]");
        return false;
    }
    return true;
}

static json_t *find_sid(json_t *stmts, const char *sid, size_t *index)
{
    size_t i;
    json_t *s;
    json_array_foreach(stmts, i, s)
    {
        if (strcmp(json_string_value(json_object_get(s, "Sid")), sid) == 0) {
            *index = i;
            return s;
        }
    }
    return NULL;
}

/* True when the request's RevisionId (body member or query) is absent or matches p's. */
static bool revision_ok(struct call *call, json_t *p, const char *want)
{
    const char *have = json_string_value(json_object_get(p, "RevisionId"));
    if (want == NULL || (have && strcmp(have, want) == 0)) {
        return true;
    }
    call_error(call, 412, "PreconditionFailedException",
               "The Revision Id provided does not match the latest Revision Id. Call the "
               "GetPolicy API to retrieve the latest Revision Id");
    return false;
}

static json_t *empty_policy(void)
{
    return json_pack("{s:{s:s,s:s,s:[]}}", "Policy", "Version", "2012-10-17", "Id", "default",
                     "Statement");
}

static void add_statement(struct call *call, const struct url_fn *t, json_t *body, json_t *p)
{
    json_t *stmts = json_object_get(json_object_get(p, "Policy"), "Statement");
    const char *sid = json_string_value(json_object_get(body, "StatementId"));
    size_t idx = 0;
    if (find_sid(stmts, sid, &idx)) {
        char *m = xasprintf("The statement id (%s) provided already exists. Please provide a new "
                            "statement id, or remove the existing statement.",
                            sid);
        call_error(call, 409, "ResourceConflictException", m);
        free(m);
        return;
    }
    json_t *s = statement(call, t, body);
    (void)json_array_append(stmts, s);
    int rc = policy_save(call, t, p);
    if (rc < 0) {
        json_decref(s);
        settings_store_error(call, t->name, rc);
        return;
    }
    char *text = json_dumps(s, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(s);
    call_json(call, 201, json_pack("{s:s}", "Statement", text));
    free(text);
}

void policy_add_permission(struct call *call)
{
    struct url_fn t;
    json_t *body = target_get(call, TARGET_VERSION, &t) ? call_object(call) : NULL;
    if (body == NULL) {
        return;
    }
    if (strcmp(t.qualifier, "$LATEST") == 0) {
        call_error(call, 400, "InvalidParameterValueException",
                   "We currently do not support adding policies for $LATEST.");
    } else if (permission_ok(call, body)) {
        json_t *p = policy_load(call, &t);
        const char *want = json_string_value(json_object_get(body, "RevisionId"));
        if (p == NULL) {
            p = empty_policy();
        }
        if (revision_ok(call, p, want)) {
            add_statement(call, &t, body, p);
        }
        json_decref(p);
    }
    json_decref(body);
}

static void no_policy(struct call *call)
{
    call_error(call, 404, "ResourceNotFoundException",
               "The resource you requested does not exist.");
}

/* target_get for GetPolicy and RemovePermission, whose answers for a function or version that
 * does not exist are their own (AWS's): GetPolicy "The resource you requested does not exist.",
 * RemovePermission "No policy found for: <arn>". False after answering. */
static bool policy_target(struct call *call, struct url_fn *t)
{
    const struct function_config *cfg = NULL;
    struct err err = {0};
    if (target_resolve(call, TARGET_VERSION, t, &cfg, &err) == 0) {
        return true;
    }
    if (err.status == 404 && strncmp(err.message, "Function not found: ", 20) == 0) {
        bool get = strcmp(call->op, "GetPolicy") == 0;
        char *m = xasprintf("No policy found for: %s", err.message + 20);
        err_fini(&err);
        call_error(call, 404, "ResourceNotFoundException",
                   get ? "The resource you requested does not exist." : m);
        free(m);
        return false;
    }
    call_reject(call, &err);
    return false;
}

void policy_remove_permission(struct call *call)
{
    struct url_fn t;
    if (!policy_target(call, &t)) {
        return;
    }
    char want[IDS_UUID_LEN + 8];
    bool has_want = url_query_get(call->req->url, "RevisionId", want, sizeof(want)) == 0;
    json_t *p = policy_load(call, &t);
    json_t *stmts = json_object_get(json_object_get(p, "Policy"), "Statement");
    size_t idx = 0;
    if (p == NULL) {
        call_error(call, 404, "ResourceNotFoundException",
                   "No policy is associated with the given resource.");
    } else if (find_sid(stmts, call->label[1], &idx) == NULL) {
        char *m = xasprintf("Statement %s is not found in resource policy.", call->label[1]);
        call_error(call, 404, "ResourceNotFoundException", m);
        free(m);
    } else if (revision_ok(call, p, has_want ? want : NULL)) {
        (void)json_array_remove(stmts, idx);
        int rc = policy_save(call, &t, p);
        if (rc < 0) {
            settings_store_error(call, t.name, rc);
        } else {
            call_json_empty(call, 204);
        }
    }
    json_decref(p);
}

void policy_get(struct call *call)
{
    struct url_fn t;
    if (!policy_target(call, &t)) {
        return;
    }
    json_t *p = policy_load(call, &t);
    if (p == NULL) {
        no_policy(call);
        return;
    }
    char *text = json_dumps(json_object_get(p, "Policy"), JSON_COMPACT | JSON_PRESERVE_ORDER);
    call_json(
        call, 200,
        json_pack("{s:s,s:O}", "Policy", text, "RevisionId", json_object_get(p, "RevisionId")));
    free(text);
    json_decref(p);
}
