/* SPDX-License-Identifier: MIT */
/* Function URL configs (Create/Get/Update/Delete/ListFunctionUrlConfigs). Stored as the
 * response document under setting kind "url" (qualifier "" or an alias); gateway/funcurl serves
 * them (docs/gateway.md). See settings.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/arn.h"
#include "api/target.h"
#include "base/ids.h"
#include "base/xalloc.h"
#include "control/settings.h"
#include "state/store.h"

#define CORS_MAX_AGE 86400

/* The URL config's target: unqualified or an alias (the qualifier's pattern, which refuses
 * $LATEST and versions, is checked by target_read). A function or alias that does not exist is
 * AWS's 404 "Function does not exist" (Create, Update, List) or "The resource you requested does
 * not exist." (Get, Delete). False after answering. */
static bool url_target_rule(struct call *call, struct url_fn *t, enum target_rule rule)
{
    const struct function_config *cfg = NULL;
    struct err err = {0};
    if (target_resolve(call, rule, t, &cfg, &err) == 0) {
        return true;
    }
    if (err.status == 404 && strncmp(err.message, "Function not found: ", 20) == 0) {
        bool get = strcmp(call->op, "GetFunctionUrlConfig") == 0 ||
                   strcmp(call->op, "DeleteFunctionUrlConfig") == 0;
        err_fini(&err);
        call_error(call, 404, "ResourceNotFoundException",
                   get ? "The resource you requested does not exist." : "Function does not exist");
        return false;
    }
    call_reject(call, &err);
    return false;
}

static bool url_target(struct call *call, struct url_fn *t)
{
    return url_target_rule(call, t, TARGET_VERSION);
}

static bool enum_ok(struct call *call, json_t *v, const char *member, const char *a, const char *b)
{
    const char *s = json_string_value(v);
    if (v == NULL) {
        return true;
    }
    if (s == NULL || (strcmp(s, a) != 0 && strcmp(s, b) != 0)) {
        char *what = xasprintf("Member must satisfy enum value set: [%s, %s]", a, b);
        call_invalid(call, s ? s : "(not a string)", member, what);
        free(what);
        return false;
    }
    return true;
}

static bool cors_ok(struct call *call, json_t *cors)
{
    if (cors == NULL) {
        return true;
    }
    static const char *const lists[] = {"AllowHeaders", "AllowMethods", "AllowOrigins",
                                        "ExposeHeaders", NULL};
    const char *key;
    json_t *v;
    json_object_foreach(cors, key, v)
    {
        bool known = strcmp(key, "AllowCredentials") == 0 || strcmp(key, "MaxAge") == 0;
        for (size_t i = 0; lists[i]; i++) {
            known |= strcmp(key, lists[i]) == 0;
        }
        if (!known) {
            call_invalid(call, key, "cors", "Member must be a known Cors member");
            return false;
        }
    }
    json_t *age = json_object_get(cors, "MaxAge");
    if (age && (!json_is_integer(age) || json_integer_value(age) < 0 ||
                json_integer_value(age) > CORS_MAX_AGE)) {
        char num[32];
        (void)snprintf(num, sizeof(num), "%lld",
                       json_is_integer(age) ? (long long)json_integer_value(age) : 0LL);
        call_invalid(call, json_is_integer(age) ? num : "(not an integer)", "cors.maxAge",
                     json_is_integer(age) && json_integer_value(age) < 0
                         ? "Member must have value greater than or equal to 0"
                         : "Member must have value less than or equal to 86400");
        return false;
    }
    return true;
}

/* Validates the body of Create (create) or Update. False after answering. */
static bool url_body_ok(struct call *call, json_t *body, bool create)
{
    json_t *auth = json_object_get(body, "AuthType");
    if (create && auth == NULL) {
        call_invalid(call, "null", "authType", "Member must not be null");
        return false;
    }
    json_t *cors = json_object_get(body, "Cors");
    if (cors && !json_is_object(cors)) {
        call_invalid(call, "Cors", "cors", "Member must be a structure");
        return false;
    }
    return enum_ok(call, auth, "authType", "NONE", "AWS_IAM") &&
           enum_ok(call, json_object_get(body, "InvokeMode"), "invokeMode", "RESPONSE_STREAM",
                   "BUFFERED") && /* AWS's order (recorded) */
           cors_ok(call, cors);
}

/* The port of the Host the client reached this listener through (":9000"), or "" . */
static const char *listener_port(const struct call *call)
{
    const char *host = http1_header(call->req, "Host");
    const char *port = host ? strrchr(host, ':') : NULL;
    if (port && (port[1] == '\0' || strspn(port + 1, "0123456789") != strlen(port + 1))) {
        port = NULL;
    }
    return port ? port : "";
}

/* A stored config's FunctionUrl on the port the client came through now: the server may have
 * been restarted on another one since the config was made (a watch session, port 0). */
static void current_address(const struct call *call, json_t *cfg)
{
    const char *url = json_string_value(json_object_get(cfg, "FunctionUrl"));
    const char *host = url ? strstr(url, "//") : NULL;
    if (host == NULL) {
        return;
    }
    host += 2;
    size_t hlen = strcspn(host, ":/");
    char *now = xasprintf("http://%.*s%s/", (int)hlen, host, listener_port(call));
    (void)json_object_set_new(cfg, "FunctionUrl", json_string(now));
    free(now);
}

static json_t *url_load(struct call *call, const struct url_fn *t)
{
    char *doc = NULL;
    if (store_setting_get(call->ctl->store, t->name, "url", t->qualifier, &doc) < 0) {
        return NULL;
    }
    json_t *o = json_loads(doc, 0, NULL);
    free(doc);
    if (o) {
        current_address(call, o);
    }
    return o;
}

static int url_save(struct call *call, const struct url_fn *t, json_t *cfg)
{
    char *doc = json_dumps(cfg, JSON_COMPACT | JSON_PRESERVE_ORDER);
    int rc = store_setting_put(call->ctl->store, t->name, "url", t->qualifier, doc);
    free(doc);
    return rc;
}

static void url_not_found(struct call *call)
{
    call_error(call, 404, "ResourceNotFoundException",
               "The resource you requested does not exist.");
}

/* A new URL id: 32 characters of [a-z0-9], as AWS's. */
static void url_id(char out[33])
{
    ids_hex(out, 16);
}

void urls_create(struct call *call)
{
    struct url_fn t;
    json_t *body = url_target(call, &t) ? call_object(call) : NULL;
    if (body == NULL) {
        return;
    }
    json_t *old = NULL;
    if (!url_body_ok(call, body, true)) {
        json_decref(body);
        return;
    }
    if ((old = url_load(call, &t)) != NULL) {
        json_decref(old);
        json_decref(body);
        char *arn = arn_function(call->ctl->region, call->account, t.name, t.qualifier);
        char *m = xasprintf("Failed to create function url config for [functionArn = %s]. Error "
                            "message:  FunctionUrlConfig exists for this Lambda function",
                            arn);
        call_error(call, 409, "ResourceConflictException", m);
        free(m);
        free(arn);
        return;
    }
    char id[33];
    char now[IDS_TIME_LEN];
    url_id(id);
    ids_now_iso(now, 6, "Z");
    /* the address the gateway answers on: the host form on this listener's port (the Host
     * the client used to reach the API) */
    char *url = xasprintf("http://%s.lambda-url.%s.localhost%s/", id, call->ctl->region,
                          listener_port(call));
    char *arn = arn_function(call->ctl->region, call->account, t.name, t.qualifier);
    json_t *cors = json_object_get(body, "Cors");
    json_t *mode = json_object_get(body, "InvokeMode");
    /* no Cors member when none was given (AWS's) */
    json_t *cfg = json_pack("{s:s,s:s,s:O}", "FunctionUrl", url, "FunctionArn", arn, "AuthType",
                            json_object_get(body, "AuthType"));
    if (cors) {
        (void)json_object_set(cfg, "Cors", cors);
    }
    (void)json_object_set_new(cfg, "CreationTime", json_string(now));
    (void)json_object_set_new(cfg, "LastModifiedTime", json_string(now));
    (void)json_object_set_new(cfg, "InvokeMode",
                              json_string(mode ? json_string_value(mode) : "BUFFERED"));
    free(url);
    free(arn);
    json_decref(body);
    int rc = url_save(call, &t, cfg);
    if (rc < 0) {
        json_decref(cfg);
        settings_store_error(call, t.name, rc);
        return;
    }
    /* AWS's Create answer has no LastModifiedTime, nor InvokeMode when none was given */
    (void)json_object_del(cfg, "LastModifiedTime");
    if (mode == NULL) {
        (void)json_object_del(cfg, "InvokeMode");
    }
    call_json(call, 201, cfg);
}

void urls_get(struct call *call)
{
    struct url_fn t;
    if (!url_target(call, &t)) {
        return;
    }
    json_t *cfg = url_load(call, &t);
    if (cfg == NULL) {
        url_not_found(call);
        return;
    }
    call_json(call, 200, cfg);
}

void urls_update(struct call *call)
{
    struct url_fn t;
    json_t *body = url_target(call, &t) ? call_object(call) : NULL;
    if (body == NULL) {
        return;
    }
    json_t *cfg = NULL;
    if (url_body_ok(call, body, false) && (cfg = url_load(call, &t)) == NULL) {
        url_not_found(call);
    } else if (cfg) {
        static const char *const keys[] = {"AuthType", "Cors", "InvokeMode", NULL};
        for (size_t i = 0; keys[i]; i++) {
            json_t *v = json_object_get(body, keys[i]);
            if (v) {
                (void)json_object_set(cfg, keys[i], v);
            }
        }
        char now[IDS_TIME_LEN];
        ids_now_iso(now, 6, "Z");
        (void)json_object_set_new(cfg, "LastModifiedTime", json_string(now));
        int rc = url_save(call, &t, cfg);
        if (rc < 0) {
            settings_store_error(call, t.name, rc);
        } else {
            /* AWS's Update answer names InvokeMode only when it was given */
            json_t *out = json_deep_copy(cfg);
            if (json_object_get(body, "InvokeMode") == NULL) {
                (void)json_object_del(out, "InvokeMode");
            }
            call_json(call, 200, out);
        }
    }
    json_decref(cfg);
    json_decref(body);
}

void urls_delete(struct call *call)
{
    struct url_fn t;
    if (!url_target(call, &t)) {
        return;
    }
    int rc = store_setting_delete(call->ctl->store, t.name, "url", t.qualifier);
    if (rc == -ENOENT) {
        url_not_found(call);
    } else if (rc < 0) {
        settings_store_error(call, t.name, rc);
    } else {
        call_json_empty(call, 204);
    }
}

void urls_list(struct call *call)
{
    struct url_fn t;
    if (!url_target_rule(call, &t, TARGET_FUNCTION)) {
        return;
    }
    if (*t.qualifier) {
        call_invalid(call, t.qualifier, "functionName", "Member must name an unqualified function");
        return;
    }
    settings_list_kind(call, t.name, "url", "FunctionUrlConfigs", current_address);
}
