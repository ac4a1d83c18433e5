/* SPDX-License-Identifier: MIT */
/* The function registry's persistent state: SQLite at <state-dir>/clambda.db (WAL, busy
 * timeout 5 s). Tables: functions, versions, aliases and a generic per-function settings table
 * (event-invoke config, URL config, concurrency, tags, policy), plus schema_versions, where each
 * component that owns tables in this file (registry; the async queue keeps its own) records its
 * schema version; migrations run by version number at open. See docs/internals/store.md.
 * The API is synchronous and called on the loop thread: at this scale (one row, a few KB) a
 * call costs tens of microseconds, cheaper than shipping it to a thread. A handle is not
 * thread-safe. JSON documents are stored as text and not interpreted here.
 * Errors: -ENOENT (no such row), -ESTALE (revision precondition failed), -EEXIST (unique
 * constraint), -EBUSY (locked past the timeout), -EIO (any other SQLite error, logged).
 * The _list calls leave *out NULL and *n_out 0 when they fail. */
#ifndef CLAMBDA_SERVER_STORE_H
#define CLAMBDA_SERVER_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* Registry schema version this build writes (migrations 1..STORE_SCHEMA_VERSION). */
#define STORE_SCHEMA_VERSION 2

/* One function (the unqualified $LATEST). Strings owned (store_function_fini); NULL allowed
 * for code_sha256 (a directory, not a zip) and state (read back as "Active"). */
struct store_function {
    char *name;
    char *config_json;   /* configuration document (func_config_to_json) */
    char *code_sha256;   /* base64 SHA-256 of the zip, or NULL */
    int64_t code_size;   /* zip bytes (0 for a directory) */
    char *code_location; /* absolute directory holding the code */
    char *revision_id;   /* changes on every write */
    char *last_modified; /* "2026-11-26T22:00:00.000+0000" */
    char *state;         /* "Active", "Pending", "Failed", ... */
};

/* One published version: an immutable snapshot (configuration and code of that moment). */
struct store_version {
    char *function;
    int64_t version; /* 1, 2, ... never reused for a function */
    char *snapshot_json;
};

/* One alias. routing_json (AdditionalVersionWeights, e.g. {"2":0.1}) may be NULL. */
struct store_alias {
    char *function;
    char *name;
    int64_t version;
    char *routing_json;
    char *description;
    char *revision_id;
};

/* Opens (creating if needed) <state_dir>/clambda.db, checks it (PRAGMA quick_check) and
 * migrates it to STORE_SCHEMA_VERSION. OUT: *out (store_close). 0, or -errno with a message
 * naming the file in err (errlen bytes): -EUCLEAN for a database that must not be served as it
 * is (damaged pages, not a database, a zero-byte file, or no registry tables while the state
 * dir holds code packages; the message says how to recover), -EPROTO for a schema newer than
 * this build, other -errno for a file that cannot be opened. The environment variable
 * CLAMBDA_TEST_STORE_FAIL_WRITE=N (tests only) makes the Nth write statement fail (-EIO). */
int store_open(const char *state_dir, struct store **out, char *err, size_t errlen);
/* Tests: the nth write statement from now fails with -EIO (0 turns this off). */
void store_fail_write_after(struct store *st, unsigned n);
/* Closes the database. NULL is a no-op. */
void store_close(struct store *st);

/* Transactions spanning several calls (BEGIN IMMEDIATE / COMMIT / ROLLBACK); single calls are
 * atomic on their own and join an open transaction. store_begin inside an open transaction fails.
 * After a failed COMMIT call store_rollback (a no-op when SQLite already rolled back). 0 or
 * -errno. */
int store_begin(struct store *st);
int store_commit(struct store *st);
int store_rollback(struct store *st);
/* A number that changes with every write statement and rollback (whether it changed anything
 * or not): what was read from the store while it stays the same is still what the store
 * holds. Readers cache with it (gateway/funcurl). */
uint64_t store_generation(const struct store *st);

/* Inserts or replaces function f->name. When if_revision is not NULL, the stored function must
 * exist with that revision id (-ENOENT / -ESTALE otherwise). Versions, aliases and settings are
 * kept. 0 or -errno. */
int store_function_put(struct store *st, const struct store_function *f, const char *if_revision);
/* Reads function name. OUT: *out (store_function_fini). 0, -ENOENT or -errno. */
int store_function_get(struct store *st, const char *name, struct store_function *out);
/* Deletes function name with its versions, aliases and settings. 0, -ENOENT or -errno. */
int store_function_delete(struct store *st, const char *name);
/* Functions ordered by name, the first limit (0: all) of those whose name is > after (NULL:
 * from the start), for ListFunctions pages. OUT: *out, *n_out (store_function_list_free). */
int store_function_list(struct store *st, const char *after, size_t limit,
                        struct store_function **out, size_t *n_out);
/* Frees the strings of f. NULL is a no-op. */
void store_function_fini(struct store_function *f);
/* Frees a list from store_function_list. */
void store_function_list_free(struct store_function *fs, size_t n);

/* Publishes a version of function: the next number (max ever published + 1) with snapshot.
 * OUT: *version. 0, -ENOENT (no such function) or -errno. */
int store_version_publish(struct store *st, const char *function, const char *snapshot_json,
                          int64_t *version);
/* Reads one version. OUT: *out (store_version_fini). 0, -ENOENT or -errno. */
int store_version_get(struct store *st, const char *function, int64_t version,
                      struct store_version *out);
/* Deletes one version. 0, -ENOENT or -errno. */
int store_version_delete(struct store *st, const char *function, int64_t version);
/* Every version of function in ascending order. OUT: *out, *n_out (store_version_list_free). */
int store_version_list(struct store *st, const char *function, struct store_version **out,
                       size_t *n_out);
void store_version_fini(struct store_version *v);
void store_version_list_free(struct store_version *vs, size_t n);

/* Inserts or replaces alias a->name of a->function (which must exist: -ENOENT). if_revision as
 * for store_function_put. 0 or -errno. */
int store_alias_put(struct store *st, const struct store_alias *a, const char *if_revision);
/* OUT: *out (store_alias_fini). 0, -ENOENT or -errno. */
int store_alias_get(struct store *st, const char *function, const char *name,
                    struct store_alias *out);
int store_alias_delete(struct store *st, const char *function, const char *name);
/* Aliases of function ordered by name. OUT: *out, *n_out (store_alias_list_free). */
int store_alias_list(struct store *st, const char *function, struct store_alias **out,
                     size_t *n_out);
void store_alias_fini(struct store_alias *a);
void store_alias_list_free(struct store_alias *as, size_t n);

/* Generic per-function settings, one JSON document per (function, kind, qualifier); kind is
 * e.g. "event-invoke", "url", "concurrency", "provisioned", "tags", "policy"; qualifier is ""
 * for the unqualified function, else a version or alias name. The function must exist. */
int store_setting_put(struct store *st, const char *function, const char *kind,
                      const char *qualifier, const char *json);
/* OUT: *json (free()). 0, -ENOENT or -errno. */
int store_setting_get(struct store *st, const char *function, const char *kind,
                      const char *qualifier, char **json);
int store_setting_delete(struct store *st, const char *function, const char *kind,
                         const char *qualifier);

/* One setting of a function (store_setting_list). Strings owned. */
struct store_setting {
    char *qualifier;
    char *json;
};
/* Every setting of kind of function, ordered by qualifier. OUT: *out, *n_out
 * (store_setting_list_free). 0 or -errno. */
int store_setting_list(struct store *st, const char *function, const char *kind,
                       struct store_setting **out, size_t *n_out);
void store_setting_list_free(struct store_setting *ss, size_t n);

/* Layers: one row per layer version, the document (PublishLayerVersion's response) as JSON.
 * store_layer_next takes the next version number of name (never reused, even after a delete;
 * OUT: *version); store_layer_put stores that version's document. Publish both inside
 * store_begin/commit. 0 or -errno. */
int store_layer_next(struct store *st, const char *name, int64_t *version);
int store_layer_put(struct store *st, const char *name, int64_t version, const char *doc);
/* OUT: *doc (free()). 0, -ENOENT or -errno. */
int store_layer_get(struct store *st, const char *name, int64_t version, char **doc);
/* 0, -ENOENT or -errno. */
int store_layer_delete(struct store *st, const char *name, int64_t version);
/* Versions of name (NULL: of every layer, by name) newest first; qualifier holds the layer
 * name. OUT: *out, *n_out (store_setting_list_free). */
int store_layer_list(struct store *st, const char *name, struct store_setting **out, size_t *n_out);

#endif /* CLAMBDA_SERVER_STORE_H */
