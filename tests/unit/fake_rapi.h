/* SPDX-License-Identifier: MIT */
/* A scripted fake Runtime API for unit tests: a thread serving 127.0.0.1:<port>, one
 * connection at a time, that hands out n_events copies of one event and records the last
 * POST it answered (GETs only count in n_requests). After the events run out, `next` answers
 * next_status_after (500). */
#ifndef CLAMBDA_TESTS_FAKE_RAPI_H
#define CLAMBDA_TESTS_FAKE_RAPI_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "cl_buf.h"

struct fake_rapi {
    /* script, set before start */
    const char *event;
    const char *event_headers; /* extra header lines for next, each ending in \r\n */
    int n_events;
    int next_status_after;
    int post_status;       /* 202 unless set */
    const char *post_body; /* body of the answer to POSTs */
    /* state */
    int listen_fd;
    int port;
    char endpoint[32];
    pthread_t thread;
    pthread_mutex_t mu;
    volatile int stop;
    /* records (under mu) */
    char last_method[8];
    char last_path[512];
    char last_error_type[256];
    char last_content_type[128];
    char last_mode[64];
    bool last_chunked;
    struct cl_buf last_body;
    struct cl_buf last_trailers;
    int n_requests;
    int n_connections;
};

/* Starts the server thread. 0 or -errno. */
int fake_rapi_start(struct fake_rapi *f);
/* Stops it and frees the records. */
void fake_rapi_stop(struct fake_rapi *f);

#endif /* CLAMBDA_TESTS_FAKE_RAPI_H */
