/* SPDX-License-Identifier: MIT */
/* The function registry at server start: every function saved in the store, then the command
 * line's `--function NAME=PATH` (a zip PATH is extracted by code.c) and `--set NAME.KEY=VALUE`,
 * which replace or change stored functions and are saved (serve.c calls registry_save), so that
 * functions given at start survive a restart. A `--function` replaces the stored configuration
 * as a whole (defaults plus this command line's --set); a `--set` alone changes one stored
 * function. Functions of a --manifest are not stored: the manifest is their source. */
#ifndef CLAMBDA_SERVER_REGISTRY_H
#define CLAMBDA_SERVER_REGISTRY_H

#include <stddef.h>

#include "base/func.h"
#include "state/store.h"

/* Builds the list of functions to serve: every function of the store (with its stored Role),
 * then cmdline (n_cmdline configurations from func_config_parse, zips extracted by
 * registry_prepare_code, taken over and zeroed), which replace stored functions of the same
 * name (a stored Role stays, as UpdateFunctionConfiguration without Role keeps it). Nothing is
 * saved here: the caller applies --set and then calls registry_save. OUT: *out, *n_out
 * (registry_list_free). 0, -EINVAL for a bad --function (bad zip, name given twice), or -errno for
 * a store or file system failure; the message is in err. */
int registry_load(struct store *st, const char *state_dir, struct function_config *cmdline,
                  size_t n_cmdline, struct function_config **out, size_t *n_out, char *err,
                  size_t errlen);

/* When cfg->code_dir is a file, extracts it as a zip (code.c) into <state_dir>/code and points
 * code_dir, code_sha256 and code_size at the result; a directory is left as it is. Layers a SAM
 * template gave by their local content (cfg->layers entries with "Content", no opt_dir) are
 * extracted when zips and merged into cfg->opt_dir (optdir_merge_live), the document keeping Arn
 * and CodeSize. 0, -EINVAL (corrupt, too large or unsafe zip) or -errno, with a message naming
 * the function and the file in err. */
int registry_prepare_code(const char *state_dir, struct function_config *cfg, char *err,
                          size_t errlen);

/* Saves cfg as function cfg->name: when its configuration document or code differ from the
 * stored row, a new revision id and LastModified (now) are set in cfg and written; otherwise
 * cfg takes the stored ones. 0 or -errno (store failure, message in err). */
int registry_save(struct store *st, struct function_config *cfg, char *err, size_t errlen);
/* registry_save with a new revision id and LastModified even when the document and code are
 * unchanged: a change kept outside the document (UpdateFunctionConfiguration's Role). */
int registry_save_revised(struct store *st, struct function_config *cfg, char *err, size_t errlen);

/* The Role kept beside function name in the store (a setting: the configuration document has
 * none), or NULL when none or st is NULL. Returned string is the caller's (free). */
char *registry_stored_role(struct store *st, const char *name);
/* Keeps role beside function name in the store. 0 or -errno (logged). */
int registry_save_role(struct store *st, const char *name, const char *role);

/* Frees a list from registry_load (func_config_fini on each). */
void registry_list_free(struct function_config *fns, size_t n);

#endif /* CLAMBDA_SERVER_REGISTRY_H */
