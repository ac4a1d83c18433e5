/* SPDX-License-Identifier: MIT */
/* Code downloads: the presigned URLs that GetFunction (Code.Location) and GetLayerVersion
 * (Content.Location) answer, and the route that serves them. A URL (code_url.h) names a kept
 * zip, <state-dir>/code/<sha256hex>.zip (code.h), and is valid for 10 minutes; the route needs
 * no SigV4, because the URL is the credential (as S3's presigned URLs). The file is read in
 * 128 KB chunks on libuv's thread pool and sent as a chunked response with flow control, so a
 * 50 MB download neither blocks the loop nor sits in memory. See docs/api.md "Code downloads". */
#ifndef CLAMBDA_SERVER_API_DOWNLOAD_H
#define CLAMBDA_SERVER_API_DOWNLOAD_H

#include <stdbool.h>

#include "api/call.h"

/* For the front door, before authentication: when req is GET CODE_URL_PREFIX..., answers it
 * (the zip; 403 AccessDeniedException for a wrong or expired signature; 404
 * ResourceNotFoundException for another path or a package that is not kept) and returns true.
 * False for every other request. */
bool download_handle(struct call_ctx *ctl, struct httpd_conn *c, const struct http1_request *req);

/* The download URL of the package whose CodeSha256 is sha256_b64, for the host the caller
 * reached (its Host header; "localhost" when it sent none that fits a URL), valid for
 * CODE_URL_TTL_S. Returns a new string (free()), or NULL when sha256_b64 is NULL or not a
 * SHA-256, or no zip is kept for it (functions given as directories; packages extracted before
 * clambda kept zips). */
char *download_url(const struct call *call, const char *sha256_b64);

#endif /* CLAMBDA_SERVER_API_DOWNLOAD_H */
