/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_diag.h — diagnostics for user input: "file:line:col: expected X, found Y". */
#ifndef RW_DIAG_H
#define RW_DIAG_H

#include <stddef.h>

/*
 * A diag collects every error of one load so that all are reported before the whole
 * set is refused. Lines are kept in order, at most RW_DIAG_MAX_LINES of them (one more
 * line then says how many were dropped), each at most RW_DIAG_LINE_MAX_BYTES.
 */
struct rw_diag;

struct rw_diag *rw_diag_new(void);
void rw_diag_free(struct rw_diag **dp);

/* rw_diag_add records "file:line:col: message". line and col count from 1; 0 leaves the
 * part out (a file-level error prints "file: message"). file may be NULL ("<input>"). */
void rw_diag_add(struct rw_diag *d, const char *file, unsigned long line, unsigned long col,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* How many errors were added (including those past the kept lines). */
size_t rw_diag_count(const struct rw_diag *d);

/* The i-th kept line, or NULL past the end. Owned by the diag. */
const char *rw_diag_line(const struct rw_diag *d, size_t i);

/* Drop every line (reuse for another load). */
void rw_diag_clear(struct rw_diag *d);

#endif
