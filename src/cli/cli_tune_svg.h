/* SPDX-License-Identifier: MIT */
/* The chart of `clambda tune`: cost per 1M invocations and p50 duration against memory, two
 * y axes (duration on the left, cost on the right), one point per memory size (evenly spaced,
 * labelled), as a self-contained SVG 1.1 document written as text (no library): a browser opens
 * it, and it is valid XML. */
#ifndef CLAMBDA_CLI_CLI_TUNE_SVG_H
#define CLAMBDA_CLI_CLI_TUNE_SVG_H

#include <stddef.h>
#include <stdio.h>

#include "cli_tune.h"

/* Writes the chart of rows (n > 0, in the order measured) to out; title is escaped. 0, or -EIO
 * when writing failed. */
int cli_tune_svg_write(FILE *out, const struct cli_tune_row *rows, size_t n, const char *title);

#endif /* CLAMBDA_CLI_CLI_TUNE_SVG_H */
