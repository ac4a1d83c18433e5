/* SPDX-License-Identifier: MIT */
/* The option tables of the clambda command: each subcommand describes its options once (name,
 * argument, help, how to complete it), and everything that shows or reads options is generated
 * from these tables: the getopt_long parsing, `--help`, the bash completion script (`clambda
 * completion bash`) and the man page (`clambda man`, roff). Exit codes every command uses:
 * CLI_EXIT_OK, CLI_EXIT_FAIL (the operation failed), CLI_EXIT_USAGE (bad command line). */
#ifndef CLAMBDA_CLI_CLI_OPTS_H
#define CLAMBDA_CLI_CLI_OPTS_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

#define CLI_EXIT_OK    0
#define CLI_EXIT_FAIL  1
#define CLI_EXIT_USAGE 2

/* cli_opts_next's answers besides an option id. */
#define CLI_OPTS_END  (-1) /* no more options: positionals are argv[*optind..] */
#define CLI_OPTS_HELP (-2) /* --help was given and printed: exit CLI_EXIT_OK */
#define CLI_OPTS_BAD  (-3) /* an unknown option or a missing argument, printed: exit USAGE */

/* One option. id is what cli_opts_next returns for it (a command's own enum, >= 0). */
struct cli_opt {
    int id;
    const char *name;     /* long name without "--" */
    const char *arg;      /* the argument's name ("FILE"), NULL for a flag */
    const char *help;     /* one line */
    const char *complete; /* bash: "@file", "@dir", a space-separated word list, or NULL */
};

/* One subcommand. */
struct cli_cmd {
    const char *name;     /* "build" */
    const char *synopsis; /* positionals after the options: "[NAME]" */
    const char *summary;  /* one line for the command list */
    const char *details;  /* paragraph(s) for --help and the man page, or NULL */
    const struct cli_opt *opts;
    size_t n_opts;
    int (*main)(int argc, char **argv); /* argv[0] is the command's name */
};

/* Parsing state of one command line; cli_opts_init, then cli_opts_next until END. */
struct cli_opts_state {
    const struct cli_cmd *cmd;
    struct option *longopts; /* built from cmd->opts, plus --help */
    const char *arg;         /* the current option's argument, or NULL */
};

/* Prepares to parse argv for cmd (resets getopt). Pair with cli_opts_fini. */
void cli_opts_init(struct cli_opts_state *s, const struct cli_cmd *cmd);
/* Frees what cli_opts_init allocated. */
void cli_opts_fini(struct cli_opts_state *s);
/* The next option's id (its argument in s->arg), or CLI_OPTS_END/HELP/BAD (see above). */
int cli_opts_next(struct cli_opts_state *s, int argc, char **argv);

/* Writes cmd's --help text (usage line, details, the option table) to out. */
void cli_opts_print_help(const struct cli_cmd *cmd, FILE *out);
/* Prints "clambda CMD: <message>" and "run `clambda CMD --help`" to stderr; returns
 * CLI_EXIT_USAGE. */
int cli_opts_usage_error(const struct cli_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Writes the bash completion script for every command in cmds (n entries) to out. */
void cli_opts_print_bash(const struct cli_cmd *const *cmds, size_t n, FILE *out);
/* Writes the clambda(1) man page (roff) for cmds to out; version goes in the header. */
void cli_opts_print_man(const struct cli_cmd *const *cmds, size_t n, const char *version,
                        FILE *out);

#endif /* CLAMBDA_CLI_CLI_OPTS_H */
