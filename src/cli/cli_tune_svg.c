/* SPDX-License-Identifier: MIT */
/* The SVG chart of power tuning; see cli_tune_svg.h. Geometry: a 760x440 canvas, the plot
 * inside margins, each axis scaled from 0 to a "nice" maximum (1, 2 or 5 times a power of ten)
 * with five gridlines. */
#include "cli_tune_svg.h"

#include <errno.h>
#include <math.h>

#define SVG_W      760.0
#define SVG_H      440.0
#define SVG_LEFT   80.0
#define SVG_RIGHT  90.0
#define SVG_TOP    60.0
#define SVG_BOTTOM 70.0
#define SVG_TICKS  5
#define SVG_DUR    "#1f77b4" /* duration: blue */
#define SVG_COST   "#d62728" /* cost: red */

/* The smallest 1, 2 or 5 times a power of ten at or above v (v > 0), else 1. */
static double nice_max(double v)
{
    if (!(v > 0)) {
        return 1;
    }
    double p = pow(10, floor(log10(v)));
    double steps[] = {1, 2, 5, 10};
    for (int i = 0; i < 4; i++) {
        if (steps[i] * p >= v) {
            return steps[i] * p;
        }
    }
    return 10 * p;
}

static void text_escaped(FILE *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<':
            (void)fputs("&lt;", out);
            break;
        case '>':
            (void)fputs("&gt;", out);
            break;
        case '&':
            (void)fputs("&amp;", out);
            break;
        case '"':
            (void)fputs("&quot;", out);
            break;
        default:
            (void)fputc(*s, out);
        }
    }
}

static double x_of(size_t i, size_t n)
{
    double w = SVG_W - SVG_LEFT - SVG_RIGHT;
    return n == 1 ? SVG_LEFT + w / 2 : SVG_LEFT + w * (double)i / (double)(n - 1);
}

static double y_of(double v, double max)
{
    double h = SVG_H - SVG_TOP - SVG_BOTTOM;
    return SVG_TOP + h - h * v / max;
}

/* Gridlines with the duration labels on the left and the cost labels on the right. */
static void axes(FILE *out, double dmax, double cmax)
{
    double x0 = SVG_LEFT, x1 = SVG_W - SVG_RIGHT;
    for (int t = 0; t <= SVG_TICKS; t++) {
        double y = y_of(dmax * t / SVG_TICKS, dmax);
        (void)fprintf(out,
                      "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                      "stroke=\"#ddd\"/>\n",
                      x0, y, x1, y);
        (void)fprintf(out,
                      "<text class=\"tick duration\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" "
                      "fill=\"" SVG_DUR "\">%g</text>\n",
                      x0 - 8, y + 4, dmax * t / SVG_TICKS);
        (void)fprintf(out,
                      "<text class=\"tick cost\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"start\" "
                      "fill=\"" SVG_COST "\">%.4g</text>\n",
                      x1 + 8, y + 4, cmax * t / SVG_TICKS);
    }
    double ymid = (SVG_TOP + SVG_H - SVG_BOTTOM) / 2;
    (void)fprintf(out,
                  "<text class=\"axis duration\" transform=\"translate(22 %.1f) rotate(-90)\" "
                  "text-anchor=\"middle\" fill=\"" SVG_DUR "\">p50 duration (ms)</text>\n",
                  ymid);
    (void)fprintf(out,
                  "<text class=\"axis cost\" transform=\"translate(%.1f %.1f) rotate(90)\" "
                  "text-anchor=\"middle\" fill=\"" SVG_COST "\">cost per 1M invocations "
                  "(USD)</text>\n",
                  SVG_W - 22, ymid);
    (void)fprintf(out,
                  "<text class=\"axis memory\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">"
                  "memory (MB)</text>\n",
                  (x0 + x1) / 2, SVG_H - 18);
}

/* One series: a polyline and a circle per point. */
static void series(FILE *out, const struct cli_tune_row *rows, size_t n, const char *cls,
                   const char *color, double max, int is_cost)
{
    (void)fprintf(out,
                  "<polyline class=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                  "points=\"",
                  cls, color);
    for (size_t i = 0; i < n; i++) {
        double v = is_cost ? rows[i].cost_per_million : rows[i].p50_ms;
        (void)fprintf(out, "%s%.1f,%.1f", i ? " " : "", x_of(i, n), y_of(v, max));
    }
    (void)fputs("\"/>\n", out);
    for (size_t i = 0; i < n; i++) {
        double v = is_cost ? rows[i].cost_per_million : rows[i].p50_ms;
        (void)fprintf(out,
                      "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\">"
                      "<title>%ld MB: %s %.4g</title></circle>\n",
                      cls, x_of(i, n), y_of(v, max), color, rows[i].memory_mb,
                      is_cost ? "$ per 1M" : "p50 ms", v);
    }
}

int cli_tune_svg_write(FILE *out, const struct cli_tune_row *rows, size_t n, const char *title)
{
    double dmax = 0, cmax = 0;
    for (size_t i = 0; i < n; i++) {
        dmax = rows[i].p50_ms > dmax ? rows[i].p50_ms : dmax;
        cmax = rows[i].cost_per_million > cmax ? rows[i].cost_per_million : cmax;
    }
    dmax = nice_max(dmax);
    cmax = nice_max(cmax);
    (void)fprintf(out,
                  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" "
                  "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" "
                  "font-size=\"12\">\n<title>",
                  SVG_W, SVG_H, SVG_W, SVG_H);
    text_escaped(out, title);
    (void)fputs("</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n", out);
    (void)fputs("<text class=\"heading\" x=\"20\" y=\"28\" font-size=\"16\">", out);
    text_escaped(out, title);
    (void)fputs("</text>\n", out);
    axes(out, dmax, cmax);
    for (size_t i = 0; i < n; i++) {
        (void)fprintf(out,
                      "<text class=\"memory\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%ld"
                      "</text>\n",
                      x_of(i, n), SVG_H - SVG_BOTTOM + 18, rows[i].memory_mb);
    }
    series(out, rows, n, "duration", SVG_DUR, dmax, 0);
    series(out, rows, n, "cost", SVG_COST, cmax, 1);
    (void)fprintf(out,
                  "<g class=\"legend\"><rect x=\"%.1f\" y=\"38\" width=\"12\" height=\"3\" "
                  "fill=\"" SVG_DUR "\"/><text x=\"%.1f\" y=\"44\">p50 duration</text>"
                  "<rect x=\"%.1f\" y=\"38\" width=\"12\" height=\"3\" fill=\"" SVG_COST "\"/>"
                  "<text x=\"%.1f\" y=\"44\">cost per 1M</text></g>\n</svg>\n",
                  SVG_W - 300, SVG_W - 284, SVG_W - 180, SVG_W - 164);
    return ferror(out) ? -EIO : 0;
}
