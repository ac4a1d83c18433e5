/* SPDX-License-Identifier: MIT */
/* Code packages: a function's zip is checked and extracted (libarchive) into the
 * content-addressed directory <state-dir>/code/<sha256hex>/, written to a temporary directory
 * first and renamed into place, and reused when it exists already. Extraction is safe: absolute
 * paths, `..` components, hard links, devices, fifos and sockets are refused, as are symlinks
 * whose target leaves the tree; the unzipped total and the entry count are capped (AWS: 250 MB
 * unzipped). Mode bits are kept (bootstrap must stay executable) minus setuid/setgid/sticky.
 * A missing bootstrap is accepted here; AWS also accepts it and fails the invoke with
 * Runtime.InvalidEntrypoint, and so does the pool. The zip itself is kept beside its tree as
 * <state-dir>/code/<sha256hex>.zip, the file GetFunction's Code.Location downloads
 * (control/download.h). See docs/serve.md "Code packages". */
#ifndef CLAMBDA_SERVER_CODE_H
#define CLAMBDA_SERVER_CODE_H

#include <stddef.h>
#include <stdint.h>

/* AWS's limit on a function's unzipped code (control-api.md section 6). */
#define CODE_MAX_UNZIPPED 262144000ULL
/* Entries per package; far above real packages (node_modules trees reach ~20k files). */
#define CODE_MAX_ENTRIES 100000

/* The message AWS gives for a zip it cannot read (InvalidParameterValueException). */
#define CODE_MSG_CORRUPT \
    "Could not unzip uploaded file. Please check your file, then try to upload again."

/* Caps for one extraction; tests lower them. */
struct code_limits {
    uint64_t max_unzipped; /* total bytes of regular files */
    size_t max_entries;
};

/* The result of an extraction. dir is owned (code_info_fini). */
struct code_info {
    char *dir;           /* absolute <state-dir>/code/<sha256hex> */
    char sha256_b64[45]; /* CodeSha256: base64 of the SHA-256 of the zip bytes */
    char sha256_hex[65]; /* the directory name */
    uint64_t size;       /* CodeSize: zip bytes */
    uint64_t unzipped;   /* bytes of regular files (0 when the directory was reused) */
    int is_reused;       /* 1 when the directory existed already */
};

/* Checks the zip in memory without writing anything: every entry is read in full and must be
 * safe, within limits (NULL: AWS's) and readable. 0, or -EBADMSG (not a zip / corrupt), -E2BIG
 * (too large or too many entries), -EINVAL (unsafe entry), with the message in err. */
int code_check(const uint8_t *zip, size_t len, const struct code_limits *limits, char *err,
               size_t errlen);

/* Extracts the zip (len bytes) into <state_dir>/code/<sha256hex>/ (state_dir must exist) and
 * keeps the zip as <state_dir>/code/<sha256hex>.zip (code_keep_zip), also when the tree
 * existed already. OUT: *out (code_info_fini). 0, the errors of code_check, or -errno for file
 * system errors, with the message in err (errlen bytes). Nothing but a complete tree or zip is
 * left behind on failure. Thread-safe; blocks on disk I/O proportional to the package. */
int code_extract_mem(const char *state_dir, const uint8_t *zip, size_t len,
                     const struct code_limits *limits, struct code_info *out, char *err,
                     size_t errlen);

/* As code_extract_mem for the zip file at path (mapped, not copied). */
int code_extract_file(const char *state_dir, const char *path, const struct code_limits *limits,
                      struct code_info *out, char *err, size_t errlen);

/* Stores zip[0..len) as <code_root>/<sha256_hex>.zip (code_root must exist): written to a
 * temporary file, flushed and renamed into place, so the name only ever holds a complete zip;
 * nothing is written when the file exists already. Concurrent calls (threads or processes)
 * are safe: the bytes are the same, whichever rename lands last. 0 or -errno with the failing
 * call in err. Blocks on disk I/O. */
int code_keep_zip(const char *code_root, const char *sha256_hex, const uint8_t *zip, size_t len,
                  char *err, size_t errlen);

/* Frees out's strings. NULL is a no-op. */
void code_info_fini(struct code_info *ci);

/* Removes the tree at dir (no symlinks followed). 0 or -errno of the first failure. */
int code_remove_tree(const char *dir);

#endif /* CLAMBDA_SERVER_CODE_H */
