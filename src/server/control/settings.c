/* SPDX-License-Identifier: MIT */
/* Tags and resource policies; shared helpers of the settings operations. See settings.h. */
#include "control/settings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/target.h"
#include "base/xalloc.h"
#include "state/store.h"

/* AWS's message for more than API_TAGS_MAX tags on a function. */
#define SETTINGS_TAG_LIMIT "Number of tags exceeds resource tag limit."

void settings_store_error(struct call *call, const char *name, int rc)
{
    if (rc == -ENOENT) {
        char *m = xasprintf("Function %s is defined by --function or --manifest: its settings "
                            "cannot be changed through the API.",
                            name);
        call_error(call, 409, "ResourceConflictException", m);
        free(m);
        return;
    }
    call_error(call, 500, "ServiceException",
               "The function store failed; see the "
               "server's log.");
}

void settings_list_kind(struct call *call, const char *name, const char *kind, const char *member,
                        void (*fix)(const struct call *call, json_t *doc))
{
    struct store_setting *ss = NULL;
    size_t n = 0;
    int rc = store_setting_list(call->ctl->store, name, kind, &ss, &n);
    if (rc < 0) {
        settings_store_error(call, name, rc == -ENOENT ? -EIO : rc);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_loads(ss[i].json, 0, NULL);
        if (o && fix) {
            fix(call, o);
        }
        if (o) {
            (void)json_array_append_new(arr, o);
        }
    }
    store_setting_list_free(ss, n);
    call_json(call, 200, json_pack("{s:o}", member, arr));
}

/* ---- tags ----------------------------------------------------------------------------------- */

static bool tag_key_ok(struct call *call, const char *key)
{
    size_t len = strlen(key);
    if (len < 1 || len > API_TAG_KEY_MAX) {
        call_invalid(call, key, "tags.key", "Member must have length less than or equal to 128");
        return false;
    }
    if (strncasecmp(key, "aws:", 4) == 0) {
        call_error(call, 400, "InvalidParameterValueException",
                   "Tag keys prefixed with 'aws:' are reserved for AWS use.");
        return false;
    }
    return true;
}

bool settings_tags_ok(struct call *call, json_t *tags)
{
    if (!json_is_object(tags)) {
        call_error(call, 400, "InvalidParameterValueException", "Tags must be a map of strings.");
        return false;
    }
    if (json_object_size(tags) > API_TAGS_MAX) {
        call_error(call, 400, "InvalidParameterValueException", SETTINGS_TAG_LIMIT);
        return false;
    }
    const char *key;
    json_t *v;
    json_object_foreach(tags, key, v)
    {
        if (!tag_key_ok(call, key)) {
            return false;
        }
        if (!json_is_string(v) || json_string_length(v) > API_TAG_VALUE_MAX) {
            call_invalid(call, json_is_string(v) ? json_string_value(v) : "(not a string)",
                         "tags.value", "Member must have length less than or equal to 256");
            return false;
        }
    }
    return true;
}

json_t *settings_tags(struct call *call, const char *name)
{
    char *doc = NULL;
    json_t *o = NULL;
    if (store_setting_get(call->ctl->store, name, "tags", "", &doc) == 0) {
        o = json_loads(doc, 0, NULL);
        free(doc);
    }
    return json_is_object(o) ? o : (json_decref(o), json_object());
}

int settings_put_tags(struct call *call, const char *name, json_t *tags)
{
    char *doc = json_dumps(tags, JSON_COMPACT | JSON_SORT_KEYS);
    int rc = json_object_size(tags) == 0
                 ? store_setting_delete(call->ctl->store, name, "tags", "")
                 : store_setting_put(call->ctl->store, name, "tags", "", doc);
    free(doc);
    return rc == -ENOENT && json_object_size(tags) == 0 ? 0 : rc;
}

/* The function of a tags path label, which must be an unqualified function ARN (AWS's
 * TaggableResource pattern, as its answers quote it). */
static bool tag_target(struct call *call, struct url_fn *t)
{
    const char *arn = call->label[0];
    struct err err = {0};
    if (strncmp(arn, "arn:aws", 7) != 0 || strstr(arn, ":function:") == NULL ||
        target_parse(arn, true, t, &err) < 0) {
        err_fini(&err);
        call_invalid(call, arn, "resource",
                     "Member must satisfy regular expression pattern: "
                     "arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-"
                     "\\d{1}:\\d{12}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|"
                     "layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{17}|"
                     "event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                     "[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+)");
        return false;
    }
    if (*t->qualifier) {
        call_error(call, 400, "InvalidParameterValueException",
                   "Tags on function aliases and versions are not supported. Please specify a "
                   "function ARN.");
        return false;
    }
    if (target_get(call, TARGET_FUNCTION, t) == NULL) {
        return false;
    }
    return true;
}

/* Stores tags as the function's and answers 204, or the store error. */
static void save_tags(struct call *call, const char *name, json_t *tags)
{
    int rc = settings_put_tags(call, name, tags);
    if (rc < 0) {
        settings_store_error(call, name, rc);
    } else {
        call_json_empty(call, 204);
    }
}

void settings_tag_resource(struct call *call)
{
    struct url_fn t;
    json_t *body = tag_target(call, &t) ? call_object(call) : NULL;
    if (body == NULL) {
        return;
    }
    json_t *add = json_object_get(body, "Tags");
    json_t *tags = settings_tags(call, t.name);
    if (add == NULL) {
        struct err err = {0};
        (void)validate_err_null(&err, "tags");
        call_reject(call, &err);
    } else if (json_is_object(add) && json_object_size(add) == 0) {
        /* AWS's answer to an empty map (recorded, conformance.json tag_resource-empty) */
        call_error(call, 400, "InvalidParameterValueException",
                   "An error occurred and the request cannot be processed.");
    } else if (settings_tags_ok(call, add)) {
        (void)json_object_update(tags, add);
        if (json_object_size(tags) > API_TAGS_MAX) {
            call_error(call, 400, "InvalidParameterValueException", SETTINGS_TAG_LIMIT);
        } else {
            save_tags(call, t.name, tags);
        }
    }
    json_decref(tags);
    json_decref(body);
}

/* Removes every tagKeys=... of the query from tags. False after answering a bad value. */
static bool remove_keys(struct call *call, json_t *tags)
{
    const char *q = strchr(call->req->url, '?');
    while (q && *q) {
        q++;
        size_t len = strcspn(q, "&");
        if (len > 8 && strncmp(q, "tagKeys=", 8) == 0) {
            char key[API_TAG_KEY_MAX * 4 + 1];
            if (url_pct_decode(q + 8, len - 8, key, sizeof(key)) < 0) {
                call_invalid(call, "(malformed)", "tagKeys",
                             "Member must have length less than or equal to 128");
                return false;
            }
            (void)json_object_del(tags, key);
        }
        q += len;
    }
    return true;
}

void settings_untag_resource(struct call *call)
{
    struct url_fn t;
    if (!tag_target(call, &t)) {
        return;
    }
    if (strstr(call->req->url, "tagKeys=") == NULL) {
        struct err err = {0};
        (void)validate_err_null(&err, "tagKeys");
        call_reject(call, &err);
        return;
    }
    json_t *tags = settings_tags(call, t.name);
    if (remove_keys(call, tags)) {
        save_tags(call, t.name, tags);
    }
    json_decref(tags);
}

void settings_list_tags(struct call *call)
{
    struct url_fn t;
    if (tag_target(call, &t)) {
        call_json(call, 200, json_pack("{s:o}", "Tags", settings_tags(call, t.name)));
    }
}
