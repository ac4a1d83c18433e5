/* SPDX-License-Identifier: MIT */
/* Code downloads; see download.h. One download is a small state machine: a worker opens
 * the zip and reads a chunk, the loop sends it; the next read is queued at once unless the
 * connection's queue is above its high-water mark, in which case the drain callback queues it.
 * The download is freed by whoever sees it last: the read's completion, the end of the
 * response, or the abort callback when the client leaves while no read is in flight. */
#include "control/download.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/awserr.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "cl_b64.h"
#include "state/code_url.h"

#define CHUNK ((size_t)128 * 1024)

/* One download being sent. */
struct dl {
    uv_work_t work;
    uv_loop_t *loop;
    struct httpd_conn *c; /* NULL once the client is gone */
    char *path;
    int fd;             /* -1 until the first read opened it */
    int err;            /* the last read's: 0 or -errno */
    size_t n;           /* bytes of buf the last read filled; 0 at the end of the file */
    bool is_busy;       /* a read is queued or its completion is running */
    bool is_streaming;  /* the response head went out */
    uint8_t buf[CHUNK]; /* written by the worker, read by the loop, never both at once */
};

static void dl_free(struct dl *dl)
{
    if (dl->fd >= 0) {
        (void)close(dl->fd);
    }
    free(dl->path);
    free(dl);
}

/* ---- worker ---------------------------------------------------------------------------------- */

static void read_run(uv_work_t *w)
{
    struct dl *dl = w->data;
    dl->n = 0;
    dl->err = 0;
    if (dl->fd < 0 && (dl->fd = open(dl->path, O_RDONLY | O_CLOEXEC)) < 0) {
        dl->err = -errno;
        return;
    }
    while (dl->n < CHUNK) {
        ssize_t r = read(dl->fd, dl->buf + dl->n, CHUNK - dl->n);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            dl->err = -errno;
            return;
        }
        if (r == 0) {
            return;
        }
        dl->n += (size_t)r;
    }
}

/* ---- loop ------------------------------------------------------------------------------------ */

static void read_done(uv_work_t *w, int status);

/* Queues the next read (dl->is_busy set). False when the thread pool refused it. */
static bool queue_read(struct dl *dl)
{
    dl->is_busy = true;
    if (dl->loop && uv_queue_work(dl->loop, &dl->work, read_run, read_done) == 0) {
        return true;
    }
    dl->is_busy = false;
    return false;
}

static void on_client_gone(struct httpd_conn *c, void *arg)
{
    struct dl *dl = arg;
    (void)c;
    dl->c = NULL;
    if (!dl->is_busy) { /* waiting for a drain that will never come */
        dl_free(dl);
    }
}

static void on_drain(struct httpd_conn *c, void *arg)
{
    struct dl *dl = arg;
    if (!queue_read(dl)) {
        httpd_stream_end(c, NULL, 0); /* cannot happen with a live loop */
        dl_free(dl);
    }
}

/* Answers the first read's failure (no response went out yet). */
static void answer_open_error(struct dl *dl)
{
    httpd_conn_set_abort(dl->c, NULL, NULL);
    if (dl->err == -ENOENT) {
        awserr_send(dl->c, 404, "ResourceNotFoundException", "Message",
                    "The code package of this URL is not on this server.", NULL, NULL);
        return;
    }
    log_error("code download: open(%s): %s", dl->path, strerror(-dl->err));
    awserr_send(dl->c, 500, "ServiceException", "Message",
                "The code package could not be read (the server's log says why).", NULL, NULL);
}

/* What a download does after a chunk. */
enum step { STEP_READING, STEP_DRAIN, STEP_OVER };

/* Sends what the last read gave: the response head first, the end at the end of the file. */
static enum step send_chunk(struct dl *dl)
{
    if (!dl->is_streaming && dl->err < 0) {
        answer_open_error(dl);
        return STEP_OVER;
    }
    if (!dl->is_streaming) {
        struct httpd_header h[] = {{"Content-Type", "application/zip"}};
        dl->is_streaming = true;
        if (httpd_stream_start(dl->c, 200, h, 1) < 0) {
            return STEP_OVER;
        }
        httpd_stream_set_drain(dl->c, on_drain, dl);
    }
    if (dl->err < 0) { /* the status went out already: the client must see a cut body */
        log_error("code download: read(%s): %s", dl->path, strerror(-dl->err));
        httpd_stream_abort(dl->c);
        return STEP_OVER;
    }
    if (dl->n == 0) {
        httpd_stream_end(dl->c, NULL, 0);
        return STEP_OVER;
    }
    int rc = httpd_stream_write(dl->c, dl->buf, dl->n);
    if (rc < 0) {
        return STEP_OVER; /* closing: the abort callback ran */
    }
    if (rc == 1) {
        return STEP_DRAIN;
    }
    if (!queue_read(dl)) {
        httpd_stream_end(dl->c, NULL, 0);
        return STEP_OVER;
    }
    return STEP_READING;
}

static void read_done(uv_work_t *w, int status)
{
    struct dl *dl = w->data;
    (void)status;
    /* is_busy stays set while sending, so a client lost during a write leaves dl to us */
    enum step next = dl->c ? send_chunk(dl) : STEP_OVER;
    if (next == STEP_READING) {
        return; /* the next read_done owns dl */
    }
    if (next == STEP_DRAIN && dl->c) {
        dl->is_busy = false; /* on_drain or on_client_gone comes next */
        return;
    }
    dl_free(dl); /* answered or ended (either unset the abort callback), or the client left */
}

/* ---- entry points ---------------------------------------------------------------------------- */

static void refuse(struct httpd_conn *c, int rc)
{
    if (rc == -ENOENT) {
        awserr_send(c, 404, "ResourceNotFoundException", "Message", "No code package has this URL.",
                    NULL, NULL);
    } else if (rc == -ETIMEDOUT) {
        awserr_send(c, 403, "AccessDeniedException", "message",
                    "Request has expired: a code download URL is valid for 10 minutes; call "
                    "GetFunction or GetLayerVersion again for a new one.",
                    NULL, NULL);
    } else {
        awserr_send(c, 403, "AccessDeniedException", "message",
                    "The signature of this code download URL does not match: use the URL "
                    "GetFunction or GetLayerVersion answered, unchanged.",
                    NULL, NULL);
    }
}

bool download_handle(struct call_ctx *ctl, struct httpd_conn *c, const struct http1_request *req)
{
    if (strcmp(req->method, "GET") != 0 || !code_url_match(req->url)) {
        return false;
    }
    char hex[65];
    int rc = code_url_verify(&ctl->url_key, req->url, (int64_t)time(NULL), hex);
    if (rc < 0) {
        refuse(c, rc);
        return true;
    }
    struct dl *dl = xcalloc(1, sizeof(*dl));
    dl->loop = ctl->loop;
    dl->c = c;
    dl->fd = -1;
    dl->path = xasprintf("%s/code/%s.zip", ctl->state_dir, hex);
    dl->work.data = dl;
    if (!queue_read(dl)) { /* no thread pool: cannot happen in serve */
        dl_free(dl);
        awserr_send(c, 500, "ServiceException", "Message",
                    "Code downloads need the server's thread pool.", NULL, NULL);
        return true;
    }
    httpd_conn_set_abort(c, on_client_gone, dl);
    return true;
}

char *download_url(const struct call *call, const char *sha256_b64)
{
    if (sha256_b64 == NULL) {
        return NULL;
    }
    struct cl_buf md;
    cl_buf_init(&md, 32);
    int rc = cl_b64_decode(&md, (const uint8_t *)sha256_b64, strlen(sha256_b64));
    char hex[65];
    for (size_t i = 0; rc == 0 && i < md.len; i++) {
        (void)snprintf(hex + 2 * i, 3, "%02x", md.data[i]);
    }
    bool is_sha = rc == 0 && md.len == 32;
    cl_buf_fini(&md);
    if (!is_sha) {
        return NULL;
    }
    char *path = xasprintf("%s/code/%s.zip", call->ctl->state_dir, hex);
    struct stat st;
    bool kept = stat(path, &st) == 0 && S_ISREG(st.st_mode);
    free(path);
    if (!kept) {
        return NULL;
    }
    const char *host = http1_header(call->req, "Host");
    return code_url_make(&call->ctl->url_key, code_url_host_ok(host) ? host : "localhost", hex,
                         (int64_t)time(NULL));
}
