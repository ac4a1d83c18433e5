/* SPDX-License-Identifier: MIT */
/* The command line of `clambda serve`: every flag (docs/serve.md), parsed and checked into
 * struct serve_opts, plus the per-function settings (--set, --provisioned) that the server
 * applies again when SIGHUP reloads the manifest. */
#ifndef CLAMBDA_SERVER_SERVE_ARGS_H
#define CLAMBDA_SERVER_SERVE_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/func.h"
#include "catalog/sam.h"

/* Everything the command line says. */
/* At most this many --allow-host-port. */
#define SERVE_MAX_HOST_PORTS 16

struct serve_opts {
    char host[64];
    int port;
    char *state_dir;
    char *code_bucket_dir; /* --code-bucket-dir; NULL: <state-dir>/buckets (set by serve.c) */
    char *manifest;
    char *template_path;              /* --template FILE (a SAM template) */
    struct sam_template template_def; /* its URL configs, APIs and routes (functions moved to
                                       * fns; APIs and routes to the gateway at start) */
    char **template_names;            /* the names of the template's functions (SIGHUP's old set) */
    size_t n_template_names;
    char http_host[64]; /* --http-listen: the template's APIs (default 127.0.0.1:3000) */
    int http_port;
    bool http_listen_given; /* the gateway listens even when the template has no routes */
    int provisioned;        /* --provisioned: default for every function, -1 when not given */
    struct function_config *fns;
    size_t n_fns;
    size_t n_cli_fns;  /* fns[0..n_cli_fns) came from --function or --template (after
                        * open_registry: from those or the store), the rest from --manifest */
    const char **sets; /* NAME.KEY=VALUE, applied after every --function */
    size_t n_sets;
    int max_envs;
    int keep_warm_s;
    int wait_ms;
    int init_timeout_s;
    int grace_ms;
    int header_timeout_s;  /* --header-timeout: a request's head, from its first byte */
    int body_timeout_s;    /* --body-timeout: between two reads of a request's body */
    int idle_timeout_s;    /* --idle-timeout: a keep-alive connection between requests */
    int max_conns;         /* --max-connections: open connections of the public listener */
    int retry_delay_ms[2]; /* --async-retry-delays-ms */
    char region[32];
    char isolation[8];  /* "auto", "full", "none" */
    char network[12];   /* --network nat|isolated|host; default nat (host under
                           --isolation none) */
    bool network_given; /* --network was given: no fallback to isolation none */
    bool isolate_net;   /* a network namespace per environment (nat, isolated) */
    uint16_t host_ports[SERVE_MAX_HOST_PORTS]; /* --allow-host-port (nat) */
    int n_host_ports;
    char *root_dir;               /* --root: the sandbox's /usr, /bin, /lib*, /etc from here */
    bool userns;                  /* --userns auto (default): a user namespace when possible */
    char *cgroup_root;            /* --cgroup-root, default /sys/fs/cgroup */
    long long log_max_bytes;      /* --log-max-bytes: a stream file rolls over past this */
    long long log_retain_bytes;   /* --log-retain-bytes: per-function total kept */
    bool auth_sigv4;              /* --auth sigv4 */
    bool cpu_auto;                /* --cpu-affinity auto (the default; exec/cpuplace.h) or none */
    const char *credentials;      /* --credentials FILE */
    const char *role_credentials; /* --role-credentials FILE (exec/rolecreds.h) */
};

/* Parses argv into o (owned by the caller: serve_args_fini, also after a failure): the
 * functions of --function and --manifest, every flag with its default. 0 to run, 1 after
 * --help (usage printed), 2 for a usage error (message printed on stderr). */
int serve_args_parse(int argc, char **argv, struct serve_opts *o);
/* Frees what o owns. */
void serve_args_fini(struct serve_opts *o);
/* Applies --provisioned as a default to fns (after saving: the default is not stored). */
void serve_args_apply_provisioned(const struct serve_opts *o, struct function_config *fns,
                                  size_t n_fns);
/* Applies the --set settings to fns; with is_strict, a --set naming no function is an error
 * (at start; a reload skips it). 0 or -EINVAL (message printed). */
int serve_args_apply_sets(const struct serve_opts *o, struct function_config *fns, size_t n_fns,
                          bool is_strict);

#endif /* CLAMBDA_SERVER_SERVE_ARGS_H */
