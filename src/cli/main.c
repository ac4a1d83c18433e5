/* SPDX-License-Identifier: MIT */
/* The clambda command: dispatches to its subcommands (serve, invoke, logs). */
#include <stdio.h>
#include <string.h>

#include "cmd_invoke.h"
#include "cmd_logs.h"
#include "serve/serve.h"

static const char usage[] = "usage: clambda <command> [options]\n"
                            "commands:\n"
                            "  serve    run the platform (Invoke API, environments)\n"
                            "  invoke   invoke a function through the Invoke API\n"
                            "  logs     print (and follow) a function's log events\n"
                            "run `clambda <command> --help` for a command's options\n";

int main(int argc, char **argv)
{
    if (argc < 2) {
        (void)fputs(usage, stderr);
        return 2;
    }
    if (strcmp(argv[1], "serve") == 0) {
        return serve_main(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "invoke") == 0) {
        return cmd_invoke_main(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "logs") == 0) {
        return cmd_logs_main(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        (void)fputs(usage, stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        (void)puts("clambda " CLAMBDA_VERSION_STRING);
        return 0;
    }
    (void)fprintf(stderr, "clambda: unknown command %s\n%s", argv[1], usage);
    return 2;
}
