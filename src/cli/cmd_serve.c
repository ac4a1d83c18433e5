/* SPDX-License-Identifier: MIT */
/* `clambda serve`'s option table; see cmd_serve.h. */
#include "cmd_serve.h"

#include "serve/serve.h"

static const struct cli_opt opts[] = {
    {0, "listen", "HOST:PORT", "where the API listens (default 127.0.0.1:9000; port 0 picks one)",
     NULL},
    {0, "state-dir", "DIR", "SQLite store, logs and code (default ~/.local/share/clambda)", "@dir"},
    {0, "function", "NAME=PATH", "serve a function from a directory or a .zip (repeatable)",
     "@file"},
    {0, "code-bucket-dir", "DIR", "where S3Bucket/S3Key code references are read from", "@dir"},
    {0, "manifest", "FILE", "functions and their settings from a JSON manifest", "@file"},
    {0, "template", "FILE",
     "functions, Function URLs and API routes of a SAM template (docs/gateway.md)", "@file"},
    {0, "http-listen", "HOST:PORT",
     "where the template's APIs listen (default 127.0.0.1:3000, as sam local start-api)", NULL},
    {0, "set", "NAME.KEY=VALUE", "set one function setting (timeout, memory, env.NAME, ...)", NULL},
    {0, "provisioned", "N", "provisioned concurrency for every --function", NULL},
    {0, "max-concurrency", "N", "the account's concurrency limit", NULL},
    {0, "keep-warm", "SECONDS", "how long an idle environment is kept", NULL},
    {0, "throttle-wait-ms", "MS", "how long an invoke waits for an environment", NULL},
    {0, "init-timeout", "SECONDS", "limit of a runtime's init phase", NULL},
    {0, "shutdown-grace-ms", "MS", "SIGTERM to SIGKILL delay on shutdown", NULL},
    {0, "region", "REGION", "the region in ARNs and signatures", NULL},
    {0, "isolation", "MODE", "auto, full (namespaces, cgroups, seccomp) or none", "auto full none"},
    {0, "network", "MODE", "nat (default under full isolation), host or isolated",
     "nat host isolated"},
    {0, "allow-host-port", "PORT", "open a host port to functions under --network nat (repeatable)",
     NULL},
    {0, "root", "DIR", "a root filesystem for the sandbox instead of the host's /usr", "@dir"},
    {0, "cgroup-root", "DIR", "the cgroup under which environments are placed", "@dir"},
    {0, "userns", "MODE", "auto or off: user namespaces under full isolation", "auto off"},
    {0, "log-max-bytes", "N", "rotate a log stream beyond N bytes", NULL},
    {0, "log-retain-bytes", "N", "bytes of logs kept per function", NULL},
    {0, "async-retry-delays-ms", "MS,MS", "delays of the two retries of Event invokes", NULL},
    {0, "auth", "MODE", "none or sigv4 (verify AWS Signature V4)", "none sigv4"},
    {0, "credentials", "FILE", "access keys for --auth sigv4: KEY SECRET ACCOUNT per line",
     "@file"},
    {0, "role-credentials", "FILE",
     "credentials for functions' roles: JSON, role ARN -> AccessKeyId, SecretAccessKey, "
     "SessionToken",
     "@file"},
    {0, "header-timeout", "SECONDS", "limit on reading a request's head (default 60)", NULL},
    {0, "body-timeout", "SECONDS", "limit between two reads of a request body (default 60)", NULL},
    {0, "idle-timeout", "SECONDS", "keep-alive connection idle limit (default 75)", NULL},
    {0, "max-connections", "N", "open connections of the API listener (default 4096)", NULL},
    {0, "cpu-affinity", "MODE",
     "auto (default: one-at-a-time invocations share the server's CPU) or none", "auto none"},
};

const struct cli_cmd cmd_serve_cmd = {
    .name = "serve",
    .synopsis = "",
    .summary = "run the platform: Invoke, Runtime and control-plane APIs, environments",
    .details = "See docs/serve.md for every setting and the manifest.",
    .opts = opts,
    .n_opts = sizeof(opts) / sizeof(opts[0]),
    .main = serve_main,
};
