/* SPDX-License-Identifier: MIT */
/* The registry's SQLite store (see store.h and docs/internals/store.md). Every call prepares
 * its statement, binds, steps and finalizes: at a few statements per control-plane request a
 * statement cache would save microseconds and cost a second lifetime to get right. */
#include "state/store.h"

#include <dirent.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/log.h"
#include "base/xalloc.h"

struct store {
    sqlite3 *db;
    unsigned fail_write; /* tests: the nth write statement from now fails (0: never) */
    uint64_t generation; /* counts write statements and rollbacks (store_generation) */
};

/* Migration n (1-based) brings the registry schema from version n-1 to n. Append only. */
static const char *const migrations[] = {
    "CREATE TABLE functions ("
    " name TEXT PRIMARY KEY NOT NULL, config TEXT NOT NULL, code_sha256 TEXT,"
    " code_size INTEGER NOT NULL DEFAULT 0, code_location TEXT NOT NULL,"
    " revision_id TEXT NOT NULL, last_modified TEXT NOT NULL, state TEXT NOT NULL,"
    " next_version INTEGER NOT NULL DEFAULT 1);"
    "CREATE TABLE versions ("
    " function TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,"
    " version INTEGER NOT NULL, snapshot TEXT NOT NULL, PRIMARY KEY (function, version));"
    "CREATE TABLE aliases ("
    " function TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,"
    " name TEXT NOT NULL, version INTEGER NOT NULL, routing TEXT, description TEXT,"
    " revision_id TEXT NOT NULL, PRIMARY KEY (function, name));"
    "CREATE TABLE settings ("
    " function TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,"
    " kind TEXT NOT NULL, qualifier TEXT NOT NULL, doc TEXT NOT NULL,"
    " PRIMARY KEY (function, kind, qualifier));",
    /* 2: layers (version numbers are never reused, as AWS) */
    "CREATE TABLE layer_names (name TEXT PRIMARY KEY NOT NULL, next_version INTEGER NOT NULL);"
    "CREATE TABLE layers (name TEXT NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL,"
    " PRIMARY KEY (name, version));",
};

#define N_MIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))
_Static_assert(N_MIGRATIONS == STORE_SCHEMA_VERSION, "one migration per schema version");

static int map_rc(sqlite3 *db, int rc, const char *what)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return 0;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return -EBUSY;
    case SQLITE_CONSTRAINT:
        return -EEXIST;
    default:
        log_error("store: %s: %s", what, sqlite3_errmsg(db));
        return -EIO;
    }
}

/* Prepares sql and binds the texts (NULL binds NULL). 0 or -errno. */
static int prep(struct store *st, const char *sql, sqlite3_stmt **out, size_t n,
                const char *const *texts)
{
    int rc = sqlite3_prepare_v2(st->db, sql, -1, out, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
        rc = sqlite3_bind_text(*out, (int)i + 1, texts[i], -1, SQLITE_TRANSIENT);
    }
    if (rc != SQLITE_OK) {
        int e = map_rc(st->db, rc, sql);
        sqlite3_finalize(*out);
        *out = NULL;
        return e;
    }
    return 0;
}

/* Runs a statement without result rows. When must_change, 0 rows changed is -ENOENT. */
static int run(struct store *st, const char *sql, size_t n, const char *const *texts,
               bool must_change)
{
    st->generation++;
    if (st->fail_write > 0 && --st->fail_write == 0) {
        log_error("store: %s: failed by CLAMBDA_TEST_STORE_FAIL_WRITE", sql);
        return -EIO;
    }
    sqlite3_stmt *s = NULL;
    int rc = prep(st, sql, &s, n, texts);
    if (rc < 0) {
        return rc;
    }
    rc = map_rc(st->db, sqlite3_step(s), sql);
    sqlite3_finalize(s);
    if (rc == 0 && must_change && sqlite3_changes(st->db) == 0) {
        return -ENOENT;
    }
    return rc;
}

static char *col_str(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? xstrdup((const char *)t) : NULL;
}

static int exec(struct store *st, const char *sql)
{
    return map_rc(st->db, sqlite3_exec(st->db, sql, NULL, NULL, NULL), sql);
}

/* How the rows of one query become structs: the struct's size, how one result row fills one
 * (zeroed) struct and how one struct's strings are freed. Shared by the get and list calls of
 * functions, versions, aliases, settings and layers. */
struct row_type {
    size_t size;
    void (*read)(sqlite3_stmt *s, void *row);
    void (*fini)(void *row);
};

/* A single doc column, into a char * (revisions, settings, layers). */
static void read_doc(sqlite3_stmt *s, void *row)
{
    *(char **)row = col_str(s, 0);
}

static void fini_doc(void *row)
{
    free(*(char **)row);
}

static const struct row_type doc_rows = {sizeof(char *), read_doc, fini_doc};

/* Frees n rows of type t and the array. */
static void free_rows(const struct row_type *t, void *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        t->fini((char *)rows + i * t->size);
    }
    free(rows);
}

/* Runs sql with the n texts bound and reads its first row into row (zeroed first). 0, -ENOENT
 * when there is no row, or -errno (what names the call in the log). */
static int get_row(struct store *st, const struct row_type *t, const char *sql, size_t n,
                   const char *const *texts, void *row, const char *what)
{
    memset(row, 0, t->size);
    sqlite3_stmt *s = NULL;
    int rc = prep(st, sql, &s, n, texts);
    if (rc < 0) {
        return rc;
    }
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        t->read(s, row);
        rc = 0;
    } else {
        rc = rc == SQLITE_DONE ? -ENOENT : map_rc(st->db, rc, what);
    }
    sqlite3_finalize(s);
    return rc;
}

/* Runs sql with the n texts bound and reads every row. OUT: *out (free_rows; NULL when none or
 * on error), *n_out. 0 or -errno (what names the call in the log). */
static int list_rows(struct store *st, const struct row_type *t, const char *sql, size_t n,
                     const char *const *texts, void **out, size_t *n_out, const char *what)
{
    *out = NULL;
    *n_out = 0;
    sqlite3_stmt *s = NULL;
    int rc = prep(st, sql, &s, n, texts);
    if (rc < 0) {
        return rc;
    }
    char *rows = NULL;
    size_t cap = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n_out == cap) {
            cap = cap ? cap * 2 : 8;
            rows = xrealloc(rows, cap * t->size);
        }
        memset(rows + *n_out * t->size, 0, t->size);
        t->read(s, rows + (*n_out)++ * t->size);
    }
    rc = map_rc(st->db, rc, what);
    sqlite3_finalize(s);
    if (rc < 0) {
        free_rows(t, rows, *n_out);
        rows = NULL;
        *n_out = 0;
    }
    *out = rows;
    return rc;
}

/* Reads the registry's schema version (0 when none) into *out. */
static int schema_version(struct store *st, int64_t *out)
{
    sqlite3_stmt *s = NULL;
    const char *comp[] = {"registry"};
    int rc = prep(st, "SELECT version FROM schema_versions WHERE component = ?", &s, 1, comp);
    if (rc < 0) {
        return rc;
    }
    rc = sqlite3_step(s);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    rc = map_rc(st->db, rc, "read schema version");
    sqlite3_finalize(s);
    return rc;
}

static int migrate(struct store *st, char *err, size_t errlen)
{
    int64_t have = 0;
    int rc = exec(st, "BEGIN IMMEDIATE");
    if (rc == 0) {
        rc = exec(st, "CREATE TABLE IF NOT EXISTS schema_versions ("
                      " component TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL)");
    }
    if (rc == 0) {
        rc = schema_version(st, &have);
    }
    if (rc == 0 && have > STORE_SCHEMA_VERSION) {
        (void)snprintf(err, errlen, "registry schema version %lld is newer than this build's (%d)",
                       (long long)have, STORE_SCHEMA_VERSION);
        (void)exec(st, "ROLLBACK");
        return -EPROTO;
    }
    for (size_t i = have > 0 ? (size_t)have : 0; rc == 0 && i < N_MIGRATIONS; i++) {
        rc = exec(st, migrations[i]);
    }
    if (rc == 0 && have < STORE_SCHEMA_VERSION) {
        char sql[160];
        (void)snprintf(sql, sizeof(sql),
                       "INSERT OR REPLACE INTO schema_versions VALUES ('registry', %d)",
                       STORE_SCHEMA_VERSION);
        rc = exec(st, sql);
    }
    if (rc == 0) {
        rc = exec(st, "COMMIT");
    }
    if (rc < 0) {
        (void)snprintf(err, errlen, "migrate: %s", sqlite3_errmsg(st->db));
        if (!sqlite3_get_autocommit(st->db)) {
            (void)exec(st, "ROLLBACK");
        }
    }
    return rc;
}

#define RECOVER                                                                              \
    "; it is not served as an empty registry. Stop every server using it, then either move " \
    "it aside (mv %s %s.damaged, with any -wal and -shm beside it) to start with an empty "  \
    "registry, or restore a backup of it"

/* Before opening: a zero-byte file (with no write-ahead log to recover from) is a database
 * that was emptied, never one SQLite left (its first statement writes the header). */
static int check_emptied(const char *path, bool *existed, char *err, size_t errlen)
{
    struct stat sb;
    *existed = stat(path, &sb) == 0;
    if (!*existed || !S_ISREG(sb.st_mode) || sb.st_size > 0) {
        return 0;
    }
    char *wal = xasprintf("%s-wal", path);
    bool has_wal = stat(wal, &sb) == 0 && sb.st_size > 0;
    free(wal);
    if (has_wal) {
        return 0;
    }
    (void)snprintf(err, errlen, "state database %s is empty (0 bytes)" RECOVER, path, path, path);
    return -EUCLEAN;
}

/* Runs PRAGMA quick_check: 0, or -EUCLEAN with its first complaint in err. */
static int check_pages(struct store *st, const char *path, char *err, size_t errlen)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, "PRAGMA quick_check", -1, &s, NULL);
    char what[256] = "";
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(s, 0);
        (void)snprintf(what, sizeof(what), "%s", t ? (const char *)t : "?");
        rc = strcmp(what, "ok") == 0 ? SQLITE_OK : SQLITE_CORRUPT;
        for (char *nl = strchr(what, '\n'); nl; nl = strchr(nl, '\n')) {
            *nl = ' '; /* one line in the log: the first complaint names the page */
        }
    } else if (rc != SQLITE_OK) {
        (void)snprintf(what, sizeof(what), "%s", sqlite3_errmsg(st->db));
    }
    sqlite3_finalize(s);
    if (rc == SQLITE_OK) {
        return 0;
    }
    (void)snprintf(err, errlen, "state database %s is damaged (quick_check: %s)" RECOVER, path,
                   what, path, path);
    return -EUCLEAN;
}

/* True when dir has an entry other than . and .. */
static bool dir_has_entries(const char *dir)
{
    DIR *d = opendir(dir);
    bool found = false;
    const struct dirent *e;
    while (d && !found && (e = readdir(d)) != NULL) {
        found = strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    }
    if (d) {
        (void)closedir(d);
    }
    return found;
}

/* A database that existed but has no registry tables while code packages are kept beside it
 * was replaced or emptied: refused rather than migrated into an empty registry. */
static int check_schema(struct store *st, const char *state_dir, const char *path, char *err,
                        size_t errlen)
{
    char *n = NULL;
    int rc = get_row(st, &doc_rows,
                     "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'functions'",
                     0, NULL, &n, "read schema");
    free(n);
    if (rc != -ENOENT) {
        return rc;
    }
    char *code = xasprintf("%s/code", state_dir);
    bool has_code = dir_has_entries(code);
    free(code);
    if (!has_code) {
        return 0;
    }
    (void)snprintf(err, errlen,
                   "state database %s has no function registry, but %s/code holds code "
                   "packages" RECOVER,
                   path, state_dir, path, path);
    return -EUCLEAN;
}

/* Test hook: CLAMBDA_TEST_STORE_FAIL_WRITE=N fails the Nth write statement. */
static void read_fail_hook(struct store *st)
{
    const char *v = getenv("CLAMBDA_TEST_STORE_FAIL_WRITE");
    char *end = NULL;
    long n = v ? strtol(v, &end, 10) : 0;
    if (v && end != v && *end == '\0' && n > 0 && n < 1000000) {
        st->fail_write = (unsigned)n;
        log_warn("store: write %ld will fail (CLAMBDA_TEST_STORE_FAIL_WRITE)", n);
    }
}

int store_open(const char *state_dir, struct store **out, char *err, size_t errlen)
{
    char *path = xasprintf("%s/clambda.db", state_dir);
    struct store *st = xcalloc(1, sizeof(*st));
    bool existed = false;
    int rc = check_emptied(path, &existed, err, errlen);
    if (rc < 0) {
        goto fail;
    }
    rc = sqlite3_open_v2(path, &st->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK) {
        (void)sqlite3_busy_timeout(st->db, 5000);
        /* journal_mode is the first statement that reads the file: a non-database fails here. */
        rc = sqlite3_exec(st->db,
                          "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                          " PRAGMA foreign_keys=ON",
                          NULL, NULL, NULL);
    }
    if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT) {
        (void)snprintf(err, errlen, "state database %s is damaged (%s)" RECOVER, path,
                       sqlite3_errmsg(st->db), path, path);
        rc = -EUCLEAN;
        goto fail;
    }
    if (rc != SQLITE_OK) {
        (void)snprintf(err, errlen, "open state database %s: %s", path,
                       st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
        rc = rc == SQLITE_CANTOPEN || rc == SQLITE_READONLY ? -EACCES : -EIO;
        goto fail;
    }
    rc = check_pages(st, path, err, errlen);
    if (rc == 0 && existed) {
        rc = check_schema(st, state_dir, path, err, errlen);
    }
    if (rc < 0) {
        goto fail;
    }
    char msg[256] = "";
    rc = migrate(st, msg, sizeof(msg));
    if (rc < 0) {
        (void)snprintf(err, errlen, "state database %s: %s", path, msg);
        goto fail;
    }
    read_fail_hook(st);
    free(path);
    *out = st;
    return 0;
fail:
    store_close(st);
    free(path);
    return rc;
}

void store_fail_write_after(struct store *st, unsigned n)
{
    st->fail_write = n;
}

void store_close(struct store *st)
{
    if (st == NULL) {
        return;
    }
    (void)sqlite3_close(st->db);
    free(st);
}

uint64_t store_generation(const struct store *st)
{
    return st->generation;
}

int store_begin(struct store *st)
{
    return exec(st, "BEGIN IMMEDIATE");
}

int store_commit(struct store *st)
{
    return exec(st, "COMMIT");
}

int store_rollback(struct store *st)
{
    st->generation++;
    return sqlite3_get_autocommit(st->db) ? 0 : exec(st, "ROLLBACK");
}

/* ---- functions ---- */

/* Checks that function name exists, with revision if_revision when not NULL. */
static int check_revision(struct store *st, const char *table, const char *const *key, size_t n,
                          const char *if_revision)
{
    char sql[160];
    (void)snprintf(sql, sizeof(sql), "SELECT revision_id FROM %s WHERE %s", table,
                   n == 1 ? "name = ?" : "function = ? AND name = ?");
    char *rev = NULL;
    int rc = get_row(st, &doc_rows, sql, n, key, &rev, sql);
    if (rc == 0 && (rev == NULL || strcmp(rev, if_revision) != 0)) {
        rc = -ESTALE;
    }
    free(rev);
    return rc;
}

/* Ends the transaction a call opened itself: COMMIT after success, ROLLBACK after rc < 0. */
static int guarded(struct store *st, int rc)
{
    if (rc < 0) {
        (void)exec(st, "ROLLBACK");
        return rc;
    }
    return exec(st, "COMMIT");
}

int store_function_put(struct store *st, const struct store_function *f, const char *if_revision)
{
    bool own_tx = sqlite3_get_autocommit(st->db) != 0;
    int rc = own_tx ? exec(st, "BEGIN IMMEDIATE") : 0;
    if (rc < 0) {
        return rc;
    }
    if (if_revision) {
        const char *key[] = {f->name};
        rc = check_revision(st, "functions", key, 1, if_revision);
    }
    if (rc == 0) {
        char size[24];
        (void)snprintf(size, sizeof(size), "%lld", (long long)f->code_size);
        const char *v[] = {
            f->name,          f->config_json, f->code_sha256,   size,
            f->code_location, f->revision_id, f->last_modified, f->state ? f->state : "Active"};
        rc = run(st,
                 "INSERT INTO functions (name, config, code_sha256, code_size, code_location,"
                 " revision_id, last_modified, state) VALUES (?, ?, ?, CAST(? AS INTEGER), ?, ?,"
                 " ?, ?) ON CONFLICT(name) DO UPDATE SET config = excluded.config,"
                 " code_sha256 = excluded.code_sha256, code_size = excluded.code_size,"
                 " code_location = excluded.code_location, revision_id = excluded.revision_id,"
                 " last_modified = excluded.last_modified, state = excluded.state",
                 8, v, false);
    }
    return own_tx ? guarded(st, rc) : rc;
}

#define FUNCTION_COLS                                                                         \
    "SELECT name, config, code_sha256, code_size, code_location, revision_id, last_modified," \
    " state FROM functions"

static void read_function(sqlite3_stmt *s, void *row)
{
    struct store_function *f = row;
    f->name = col_str(s, 0);
    f->config_json = col_str(s, 1);
    f->code_sha256 = col_str(s, 2);
    f->code_size = sqlite3_column_int64(s, 3);
    f->code_location = col_str(s, 4);
    f->revision_id = col_str(s, 5);
    f->last_modified = col_str(s, 6);
    f->state = col_str(s, 7);
}

static void fini_function(void *row)
{
    store_function_fini(row);
}

static const struct row_type function_rows = {sizeof(struct store_function), read_function,
                                              fini_function};

int store_function_get(struct store *st, const char *name, struct store_function *out)
{
    const char *key[] = {name};
    return get_row(st, &function_rows, FUNCTION_COLS " WHERE name = ?", 1, key, out,
                   "get function");
}

int store_function_delete(struct store *st, const char *name)
{
    const char *key[] = {name};
    return run(st, "DELETE FROM functions WHERE name = ?", 1, key, true);
}

int store_function_list(struct store *st, const char *after, size_t limit,
                        struct store_function **out, size_t *n_out)
{
    char sql[200];
    (void)snprintf(sql, sizeof(sql), FUNCTION_COLS " WHERE name > ? ORDER BY name LIMIT %lld",
                   limit ? (long long)limit : -1LL);
    const char *key[] = {after ? after : ""};
    void *rows = NULL;
    int rc = list_rows(st, &function_rows, sql, 1, key, &rows, n_out, "list functions");
    *out = rows;
    return rc;
}

void store_function_fini(struct store_function *f)
{
    if (f == NULL) {
        return;
    }
    free(f->name);
    free(f->config_json);
    free(f->code_sha256);
    free(f->code_location);
    free(f->revision_id);
    free(f->last_modified);
    free(f->state);
    memset(f, 0, sizeof(*f));
}

void store_function_list_free(struct store_function *fs, size_t n)
{
    free_rows(&function_rows, fs, n);
}

/* ---- versions ---- */

/* Takes the next version number of function. 0, -ENOENT or -errno. */
static int next_version(struct store *st, const char *function, int64_t *version)
{
    const char *key[] = {function};
    int rc = run(st, "UPDATE functions SET next_version = next_version + 1 WHERE name = ?", 1, key,
                 true);
    sqlite3_stmt *s = NULL;
    if (rc == 0) {
        rc = prep(st, "SELECT next_version - 1 FROM functions WHERE name = ?", &s, 1, key);
    }
    if (rc == 0) {
        rc = sqlite3_step(s) == SQLITE_ROW ? 0 : -EIO;
        *version = rc == 0 ? sqlite3_column_int64(s, 0) : 0;
        sqlite3_finalize(s);
    }
    return rc;
}

int store_version_publish(struct store *st, const char *function, const char *snapshot_json,
                          int64_t *version)
{
    bool own_tx = sqlite3_get_autocommit(st->db) != 0;
    int rc = own_tx ? exec(st, "BEGIN IMMEDIATE") : 0;
    if (rc < 0) {
        return rc;
    }
    rc = next_version(st, function, version);
    if (rc == 0) {
        char num[24];
        (void)snprintf(num, sizeof(num), "%lld", (long long)*version);
        const char *v[] = {function, num, snapshot_json};
        rc = run(st, "INSERT INTO versions VALUES (?, CAST(? AS INTEGER), ?)", 3, v, false);
    }
    return own_tx ? guarded(st, rc) : rc;
}

static void read_version(sqlite3_stmt *s, void *row)
{
    struct store_version *v = row;
    v->function = col_str(s, 0);
    v->version = sqlite3_column_int64(s, 1);
    v->snapshot_json = col_str(s, 2);
}

static void fini_version(void *row)
{
    store_version_fini(row);
}

static const struct row_type version_rows = {sizeof(struct store_version), read_version,
                                             fini_version};

int store_version_get(struct store *st, const char *function, int64_t version,
                      struct store_version *out)
{
    char num[24];
    (void)snprintf(num, sizeof(num), "%lld", (long long)version);
    const char *key[] = {function, num};
    return get_row(st, &version_rows,
                   "SELECT function, version, snapshot FROM versions WHERE function = ? AND"
                   " version = CAST(? AS INTEGER)",
                   2, key, out, "get version");
}

int store_version_delete(struct store *st, const char *function, int64_t version)
{
    char num[24];
    (void)snprintf(num, sizeof(num), "%lld", (long long)version);
    const char *key[] = {function, num};
    return run(st, "DELETE FROM versions WHERE function = ? AND version = CAST(? AS INTEGER)", 2,
               key, true);
}

int store_version_list(struct store *st, const char *function, struct store_version **out,
                       size_t *n_out)
{
    const char *key[] = {function};
    void *rows = NULL;
    int rc = list_rows(st, &version_rows,
                       "SELECT function, version, snapshot FROM versions WHERE function = ?"
                       " ORDER BY version",
                       1, key, &rows, n_out, "list versions");
    *out = rows;
    return rc;
}

void store_version_fini(struct store_version *v)
{
    if (v == NULL) {
        return;
    }
    free(v->function);
    free(v->snapshot_json);
    memset(v, 0, sizeof(*v));
}

void store_version_list_free(struct store_version *vs, size_t n)
{
    free_rows(&version_rows, vs, n);
}

/* ---- aliases ---- */

int store_alias_put(struct store *st, const struct store_alias *a, const char *if_revision)
{
    bool own_tx = sqlite3_get_autocommit(st->db) != 0;
    int rc = own_tx ? exec(st, "BEGIN IMMEDIATE") : 0;
    if (rc < 0) {
        return rc;
    }
    if (if_revision) {
        const char *key[] = {a->function, a->name};
        rc = check_revision(st, "aliases", key, 2, if_revision);
    }
    if (rc == 0) {
        char num[24];
        (void)snprintf(num, sizeof(num), "%lld", (long long)a->version);
        const char *v[] = {a->function,     a->name,        num,
                           a->routing_json, a->description, a->revision_id};
        rc = run(st, "INSERT OR REPLACE INTO aliases VALUES (?, ?, CAST(? AS INTEGER), ?, ?, ?)", 6,
                 v, false);
        rc = rc == -EEXIST ? -ENOENT : rc; /* the foreign key: no such function */
    }
    return own_tx ? guarded(st, rc) : rc;
}

#define ALIAS_COLS "SELECT function, name, version, routing, description, revision_id FROM aliases"

static void read_alias(sqlite3_stmt *s, void *row)
{
    struct store_alias *a = row;
    a->function = col_str(s, 0);
    a->name = col_str(s, 1);
    a->version = sqlite3_column_int64(s, 2);
    a->routing_json = col_str(s, 3);
    a->description = col_str(s, 4);
    a->revision_id = col_str(s, 5);
}

static void fini_alias(void *row)
{
    store_alias_fini(row);
}

static const struct row_type alias_rows = {sizeof(struct store_alias), read_alias, fini_alias};

int store_alias_get(struct store *st, const char *function, const char *name,
                    struct store_alias *out)
{
    const char *key[] = {function, name};
    return get_row(st, &alias_rows, ALIAS_COLS " WHERE function = ? AND name = ?", 2, key, out,
                   "get alias");
}

int store_alias_delete(struct store *st, const char *function, const char *name)
{
    const char *key[] = {function, name};
    return run(st, "DELETE FROM aliases WHERE function = ? AND name = ?", 2, key, true);
}

int store_alias_list(struct store *st, const char *function, struct store_alias **out,
                     size_t *n_out)
{
    const char *key[] = {function};
    void *rows = NULL;
    int rc = list_rows(st, &alias_rows, ALIAS_COLS " WHERE function = ? ORDER BY name", 1, key,
                       &rows, n_out, "list aliases");
    *out = rows;
    return rc;
}

void store_alias_fini(struct store_alias *a)
{
    if (a == NULL) {
        return;
    }
    free(a->function);
    free(a->name);
    free(a->routing_json);
    free(a->description);
    free(a->revision_id);
    memset(a, 0, sizeof(*a));
}

void store_alias_list_free(struct store_alias *as, size_t n)
{
    free_rows(&alias_rows, as, n);
}

/* ---- settings ---- */

/* A (qualifier, doc) pair, into a struct store_setting (settings and layers). */
static void read_setting(sqlite3_stmt *s, void *row)
{
    struct store_setting *x = row;
    x->qualifier = col_str(s, 0);
    x->json = col_str(s, 1);
}

static void fini_setting(void *row)
{
    struct store_setting *x = row;
    free(x->qualifier);
    free(x->json);
}

static const struct row_type setting_rows = {sizeof(struct store_setting), read_setting,
                                             fini_setting};

int store_setting_put(struct store *st, const char *function, const char *kind,
                      const char *qualifier, const char *json)
{
    const char *v[] = {function, kind, qualifier, json};
    int rc = run(st, "INSERT OR REPLACE INTO settings VALUES (?, ?, ?, ?)", 4, v, false);
    return rc == -EEXIST ? -ENOENT : rc; /* the foreign key: no such function */
}

int store_setting_get(struct store *st, const char *function, const char *kind,
                      const char *qualifier, char **json)
{
    const char *key[] = {function, kind, qualifier};
    return get_row(st, &doc_rows,
                   "SELECT doc FROM settings WHERE function = ? AND kind = ? AND qualifier = ?", 3,
                   key, json, "get setting");
}

int store_setting_delete(struct store *st, const char *function, const char *kind,
                         const char *qualifier)
{
    const char *key[] = {function, kind, qualifier};
    return run(st, "DELETE FROM settings WHERE function = ? AND kind = ? AND qualifier = ?", 3, key,
               true);
}

int store_setting_list(struct store *st, const char *function, const char *kind,
                       struct store_setting **out, size_t *n_out)
{
    const char *key[] = {function, kind};
    void *rows = NULL;
    int rc = list_rows(st, &setting_rows,
                       "SELECT qualifier, doc FROM settings WHERE function = ? AND kind = ?"
                       " ORDER BY qualifier",
                       2, key, &rows, n_out, "list settings");
    *out = rows;
    return rc;
}

void store_setting_list_free(struct store_setting *ss, size_t n)
{
    free_rows(&setting_rows, ss, n);
}

/* ---- layers ---- */

int store_layer_next(struct store *st, const char *name, int64_t *version)
{
    const char *n[] = {name};
    int rc = run(st, "INSERT OR IGNORE INTO layer_names VALUES (?, 1)", 1, n, false);
    sqlite3_stmt *s = NULL;
    if (rc == 0) {
        rc = prep(st,
                  "UPDATE layer_names SET next_version = next_version + 1 WHERE name = ?"
                  " RETURNING next_version - 1",
                  &s, 1, n);
    }
    if (rc < 0) {
        return rc;
    }
    rc = sqlite3_step(s);
    *version = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    rc = map_rc(st->db, rc == SQLITE_ROW ? SQLITE_OK : rc, "publish layer");
    sqlite3_finalize(s);
    return rc;
}

int store_layer_put(struct store *st, const char *name, int64_t version, const char *doc)
{
    char v[24];
    (void)snprintf(v, sizeof(v), "%lld", (long long)version);
    const char *row[] = {name, v, doc};
    return run(st, "INSERT INTO layers VALUES (?, ?, ?)", 3, row, false);
}

int store_layer_get(struct store *st, const char *name, int64_t version, char **doc)
{
    char v[24];
    (void)snprintf(v, sizeof(v), "%lld", (long long)version);
    const char *key[] = {name, v};
    return get_row(st, &doc_rows, "SELECT doc FROM layers WHERE name = ? AND version = ?", 2, key,
                   doc, "get layer");
}

int store_layer_delete(struct store *st, const char *name, int64_t version)
{
    char v[24];
    (void)snprintf(v, sizeof(v), "%lld", (long long)version);
    const char *key[] = {name, v};
    return run(st, "DELETE FROM layers WHERE name = ? AND version = ?", 2, key, true);
}

int store_layer_list(struct store *st, const char *name, struct store_setting **out, size_t *n_out)
{
    const char *key[] = {name};
    void *rows = NULL;
    int rc = list_rows(st, &setting_rows,
                       name ? "SELECT name, doc FROM layers WHERE name = ? ORDER BY version DESC"
                            : "SELECT name, doc FROM layers ORDER BY name, version DESC",
                       name ? 1 : 0, key, &rows, n_out, "list layers");
    *out = rows;
    return rc;
}
