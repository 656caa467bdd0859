/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_diag.c — bounded collection of one-line diagnostics. */
#include "rw_diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rw_alloc.h"
#include "rw_limits.h"

struct rw_diag {
    size_t count;                         /* errors added, kept or not */
    size_t kept;                          /* lines in line[] */
    char *line[RW_DIAG_MAX_LINES + 1];    /* +1 for the "N more" line */
    char oom_line[64];                    /* used when even a line cannot be allocated */
};

struct rw_diag *rw_diag_new(void)
{
    return rw_calloc(1, sizeof(struct rw_diag));
}

void rw_diag_clear(struct rw_diag *d)
{
    if (d == NULL)
        return;
    for (size_t i = 0; i < d->kept; i++)
        if (d->line[i] != d->oom_line)
            rw_free(d->line[i]);
    d->kept = 0;
    d->count = 0;
}

void rw_diag_free(struct rw_diag **dp)
{
    if (dp == NULL || *dp == NULL)
        return;
    rw_diag_clear(*dp);
    rw_free(*dp);
    *dp = NULL;
}

static void diag_keep(struct rw_diag *d, const char *text)
{
    char *copy = rw_strdup(text);

    if (copy == NULL) {
        snprintf(d->oom_line, sizeof(d->oom_line), "out of memory while reporting errors");
        copy = d->oom_line;
    }
    d->line[d->kept++] = copy;
}

void rw_diag_add(struct rw_diag *d, const char *file, unsigned long line, unsigned long col,
                 const char *fmt, ...)
{
    char buf[RW_DIAG_LINE_MAX_BYTES];
    char more[80];
    size_t off;
    int n;
    va_list ap;

    if (d == NULL)
        return;
    d->count++;
    if (d->kept > RW_DIAG_MAX_LINES)
        return;
    if (d->kept == RW_DIAG_MAX_LINES) {
        snprintf(more, sizeof(more), "too many errors: only the first %d are shown",
                 RW_DIAG_MAX_LINES);
        diag_keep(d, more);
        return;
    }
    if (file == NULL)
        file = "<input>";
    if (line > 0 && col > 0)
        n = snprintf(buf, sizeof(buf), "%s:%lu:%lu: ", file, line, col);
    else if (line > 0)
        n = snprintf(buf, sizeof(buf), "%s:%lu: ", file, line);
    else
        n = snprintf(buf, sizeof(buf), "%s: ", file);
    off = (n < 0) ? 0 : ((size_t)n >= sizeof(buf) ? sizeof(buf) - 1 : (size_t)n);
    va_start(ap, fmt);
    vsnprintf(buf + off, sizeof(buf) - off, fmt, ap);
    va_end(ap);
    diag_keep(d, buf);
}

size_t rw_diag_count(const struct rw_diag *d)
{
    return d == NULL ? 0 : d->count;
}

const char *rw_diag_line(const struct rw_diag *d, size_t i)
{
    if (d == NULL || i >= d->kept)
        return NULL;
    return d->line[i];
}
