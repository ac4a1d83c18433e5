/* SPDX-License-Identifier: MIT */
/* A scripted fake AWS JSON-protocol endpoint for unit tests: a thread serving
 * http://127.0.0.1:<port>, one connection at a time, answering the n-th request with the n-th
 * scripted answer (the last one repeats) and recording what each request carried. An answer
 * can also drop the connection before answering, cut its answer in the middle, hang, or
 * close the connection silently after answering (a stale keep-alive connection). */
#ifndef CLAMBDA_TESTS_FAKE_AWS_H
#define CLAMBDA_TESTS_FAKE_AWS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "cl_buf.h"

enum fake_aws_act {
    FAKE_AWS_ANSWER = 0, /* answer and keep the connection */
    FAKE_AWS_DROP,       /* close without answering */
    FAKE_AWS_CUT,        /* send half the answer, then close */
    FAKE_AWS_HANG,       /* answer nothing until the client gives up (closes) */
    FAKE_AWS_THEN_CLOSE, /* answer (keep-alive), then close the idle connection */
};

struct fake_aws_answer {
    int status;
    const char *body;    /* NULL: "{}" */
    const char *headers; /* extra header lines, each ending in \r\n, or NULL */
    enum fake_aws_act act;
};

struct fake_aws {
    /* script, set before start */
    const struct fake_aws_answer *script;
    size_t n_script;
    /* state */
    int listen_fd;
    int port;
    char url[64];
    pthread_t thread;
    pthread_mutex_t mu;
    volatile int stop;
    /* records (under mu; last_* describe the last request) */
    int n_requests;
    int n_connections;
    char last_target[128];
    char last_content_type[64];
    char last_authorization[512];
    char last_token[256];
    char last_date[32];
    char last_host[128];
    char last_sdk_request[64];
    struct cl_buf last_body;
};

/* Starts the server thread. 0 or -errno. */
int fake_aws_start(struct fake_aws *f);
/* Stops it and frees the records. */
void fake_aws_stop(struct fake_aws *f);

#endif /* CLAMBDA_TESTS_FAKE_AWS_H */
