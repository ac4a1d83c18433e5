/* SPDX-License-Identifier: MIT */
/* Per-function settings of the control plane, kept in the function store's settings table
 * (store_setting_*): tags (TagResource / UntagResource / ListTags), the resource policy
 * (AddPermission / RemovePermission / GetPolicy), function URL configs and event invoke
 * configs. They are stored and returned in AWS's shapes; policies and URLs are not enforced or
 * served (docs/api.md). Settings exist only for functions created through the API (stored
 * functions): functions of --function / --manifest answer ResourceConflictException. */
#ifndef CLAMBDA_SERVER_API_SETTINGS_H
#define CLAMBDA_SERVER_API_SETTINGS_H

#include <stdbool.h>

#include "api/call.h"

/* AWS's limits on tags. */
#define API_TAGS_MAX      50
#define API_TAG_KEY_MAX   128
#define API_TAG_VALUE_MAX 256

/* A function named by a path label (name or ARN, qualifier allowed when allow_qualifier) with
 * ?Qualifier= merged in. */
struct api_target {
    char name[65];
    char qualifier[URL_QUALIFIER_MAX + 1]; /* "" when none */
};

/* Parses label (a function name or ARN, with or without :qualifier) into *rf and merges
 * ?Qualifier= into it (ValidationException when either is malformed, InvalidParameterValue
 * when the two qualifiers differ). Does not look the function up. False after answering. */
bool settings_function(struct call *call, const char *label, struct url_fn *rf);
/* Resolves label into *t: syntax, Qualifier query, and the function must exist (404). When
 * check_qualifier, the qualifier must be $LATEST, a version or an alias. False after
 * answering. */
bool settings_target(struct call *call, const char *label, bool check_qualifier,
                     struct api_target *t);
/* Answers a store error rc (-ENOENT: the function is not stored; else 500). */
void settings_store_error(struct call *call, const char *name, int rc);
/* Answers 200 {member: [...]} with every stored setting of kind for function name (their
 * documents, in store order), or the store's error. */
void settings_list_kind(struct call *call, const char *name, const char *kind, const char *member);
/* Parses the request body as a JSON object. OUT: *body (json_decref). False after answering. */
bool settings_body(struct call *call, json_t **body);
/* ValidationException "1 validation error detected: Value 'v' at 'member' failed to satisfy
 * constraint: what". */
void settings_invalid(struct call *call, const char *value, const char *member, const char *what);
/* Validates a tag map (count, lengths, aws: prefix). False after answering. */
bool settings_tags_ok(struct call *call, json_t *tags);
/* Stores tags for the function (CreateFunction's Tags). 0 or -errno. */
int settings_put_tags(struct call *call, const char *name, json_t *tags);
/* The function's tags (a new reference; an empty object when none). */
json_t *settings_tags(struct call *call, const char *name);

/* Operation handlers (api_control.c's route table). */
void settings_tag_resource(struct call *call);
void settings_untag_resource(struct call *call);
void settings_list_tags(struct call *call);
void policy_add_permission(struct call *call);
void policy_remove_permission(struct call *call);
void policy_get(struct call *call);

void urls_create(struct call *call);
void urls_get(struct call *call);
void urls_update(struct call *call);
void urls_delete(struct call *call);
void urls_list(struct call *call);
void eic_put(struct call *call);
void eic_update(struct call *call);
void eic_get(struct call *call);
void eic_delete(struct call *call);
void eic_list(struct call *call);

#endif /* CLAMBDA_SERVER_API_SETTINGS_H */
