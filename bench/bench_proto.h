/* SPDX-License-Identifier: MIT */
/* The one invocation the benchmark server hands out, shared by bench_server.c and the static
 * peer clients, so that bench/raw_client sends back exactly the bytes examples/echo does. */
#ifndef CLAMBDA_BENCH_BENCH_PROTO_H
#define CLAMBDA_BENCH_BENCH_PROTO_H

#define BENCH_REQUEST_ID "8476a536-e9f4-11e8-9739-2dfe598c3fcd"
#define BENCH_EVENT                                                 \
    "{\"key1\":\"value1\",\"key2\":\"value2\",\"key3\":\"value3\"," \
    "\"requestContext\":{\"stage\":\"bench\"}}"
#define BENCH_NEXT_PATH "/2018-06-01/runtime/invocation/next"
#define BENCH_RESP_PATH "/2018-06-01/runtime/invocation/" BENCH_REQUEST_ID "/response"

/* Connects a blocking TCP socket to an IPv4 "a.b.c.d:port" endpoint with TCP_NODELAY (as
 * libclambda does). Returns the fd, or a negative errno (-EINVAL for a malformed endpoint). */
int bench_connect(const char *endpoint);

#endif /* CLAMBDA_BENCH_BENCH_PROTO_H */
