/* SPDX-License-Identifier: MIT */
/* Files compiled into the clambda binary as C tables, so that nothing is fetched at run time:
 * the project templates of `clambda new` (src/cli/templates/, table new_templates) and the
 * example events of `clambda invoke --data-example` (src/cli/events/, table invoke_events).
 * The build generates each table from its folder with src/cli/embed.cmake. */
#ifndef CLAMBDA_CLI_CLI_EMBED_H
#define CLAMBDA_CLI_CLI_EMBED_H

#include <stddef.h>

/* One embedded file; data is followed by a NUL. */
struct cli_embed {
    const char *kind; /* its first folder: "common", "http", ... ("examples" for events) */
    const char *path; /* the rest of its path: "src/main.c", ".gitignore", "sqs.json" */
    const unsigned char *data;
    size_t len;
};

/* `clambda new`'s templates (new_templates_n), sorted by kind then path. Placeholders
 * "{{name}}", "{{kind}}", "{{bin}}", "{{next}}" are filled in by cmd_new. */
extern const struct cli_embed new_templates_all[];
extern const size_t new_templates_n;

/* `clambda invoke --data-example`'s events (invoke_events_n), sorted by name. */
extern const struct cli_embed invoke_events_all[];
extern const size_t invoke_events_n;

#endif /* CLAMBDA_CLI_CLI_EMBED_H */
