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

/* Answers a store error rc (-ENOENT: the function is not stored; else 500). */
void settings_store_error(struct call *call, const char *name, int rc);
/* Answers 200 {member: [...]} with every stored setting of kind for function name (their
 * documents, in store order, each passed through fix when it is not NULL), or the store's
 * error. */
void settings_list_kind(struct call *call, const char *name, const char *kind, const char *member,
                        void (*fix)(const struct call *call, json_t *doc));
/* Validates a tag map (count, lengths, aws: prefix). False after answering. */
bool settings_tags_ok(struct call *call, json_t *tags);
/* Stores tags for the function (CreateFunction's Tags). 0 or -errno. */
int settings_put_tags(struct call *call, const char *name, json_t *tags);
/* The function's tags (a new reference; an empty object when none). */
json_t *settings_tags(struct call *call, const char *name);

/* Operation handlers (front/routes.c's route table). */
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
