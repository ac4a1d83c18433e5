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

#include "api_control.h"

/* AWS's limits on tags. */
#define API_TAGS_MAX      50
#define API_TAG_KEY_MAX   128
#define API_TAG_VALUE_MAX 256

/* A function named by a path label (name or ARN, qualifier allowed when allow_qualifier) with
 * ?Qualifier= merged in. */
struct api_target {
    char name[65];
    char qualifier[ROUTE_QUALIFIER_MAX + 1]; /* "" when none */
};

/* Parses label (a function name or ARN, with or without :qualifier) into *rf and merges
 * ?Qualifier= into it (ValidationException when either is malformed, InvalidParameterValue
 * when the two qualifiers differ). Does not look the function up. False after answering. */
bool api_settings_function(struct api_call *call, const char *label, struct route_fn *rf);
/* Resolves label into *t: syntax, Qualifier query, and the function must exist (404). When
 * check_qualifier, the qualifier must be $LATEST, a version or an alias. False after
 * answering. */
bool api_settings_target(struct api_call *call, const char *label, bool check_qualifier,
                         struct api_target *t);
/* Answers a store error rc (-ENOENT: the function is not stored; else 500). */
void api_settings_store_error(struct api_call *call, const char *name, int rc);
/* Answers 200 {member: [...]} with every stored setting of kind for function name (their
 * documents, in store order), or the store's error. */
void api_settings_list_kind(struct api_call *call, const char *name, const char *kind,
                            const char *member);
/* Parses the request body as a JSON object. OUT: *body (json_decref). False after answering. */
bool api_settings_body(struct api_call *call, json_t **body);
/* ValidationException "1 validation error detected: Value 'v' at 'member' failed to satisfy
 * constraint: what". */
void api_settings_invalid(struct api_call *call, const char *value, const char *member,
                          const char *what);
/* Validates a tag map (count, lengths, aws: prefix). False after answering. */
bool api_settings_tags_ok(struct api_call *call, json_t *tags);
/* Stores tags for the function (CreateFunction's Tags). 0 or -errno. */
int api_settings_put_tags(struct api_call *call, const char *name, json_t *tags);
/* The function's tags (a new reference; an empty object when none). */
json_t *api_settings_tags(struct api_call *call, const char *name);

/* Operation handlers (api_control.c's route table). */
void api_settings_tag_resource(struct api_call *call);
void api_settings_untag_resource(struct api_call *call);
void api_settings_list_tags(struct api_call *call);
void api_settings_add_permission(struct api_call *call);
void api_settings_remove_permission(struct api_call *call);
void api_settings_get_policy(struct api_call *call);

void api_settings_url_create(struct api_call *call);
void api_settings_url_get(struct api_call *call);
void api_settings_url_update(struct api_call *call);
void api_settings_url_delete(struct api_call *call);
void api_settings_url_list(struct api_call *call);
void api_settings_eic_put(struct api_call *call);
void api_settings_eic_update(struct api_call *call);
void api_settings_eic_get(struct api_call *call);
void api_settings_eic_delete(struct api_call *call);
void api_settings_eic_list(struct api_call *call);

#endif /* CLAMBDA_SERVER_API_SETTINGS_H */
