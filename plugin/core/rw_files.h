/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_files.h — the files of one flow: bounded heads for typing, counts, hashes, rule events, fileinfo. */
#ifndef RW_FILES_H
#define RW_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "rw.h"
#include "rw_json.h"
#include "rw_detect.h"
#include "rw_magic.h"
#include "rw_rules.h"
#include "rw_xfer.h"

/*
 * A protocol parser reports files through struct rw_xfer_sink; the engine forwards those
 * calls here. For each file this module keeps its name and transfer facts (bounded
 * copies), the first RW_FILE_HEAD_MAX_BYTES bytes for typing, a byte count, a gap flag,
 * and, when asked, a running SHA-256 (libgcrypt). Bodies are never copied beyond the head.
 *
 * Life of a file:
 *   rw_files_open   the parser found a file: the file is tracked (id > 0) or, when the
 *                   flow already has RW_FILES_PER_FLOW_MAX open files or all flows hold
 *                   RW_FILES_OPEN_MAX, refused (id 0, counted). Nothing is reported yet.
 *   rw_files_data   bytes are counted and hashed; the head fills. When it holds
 *                   RW_MAGIC_WANT_BYTES the file is typed (rw_magic_identify with its
 *                   name), its type groups computed (rw_rules_types_of) and the rules see
 *                   RW_DET_FILE_IDENTIFIED; after that every data call is RW_DET_FILE_GREW.
 *   rw_files_gap    the file has a hole: gaps becomes true; the missing bytes are not
 *                   counted in size (as Suricata, size is the bytes seen) and the head
 *                   stops filling (bytes after a hole would mislead libmagic).
 *   rw_files_close  typed now if it was not (short files), RW_DET_FILE_END, a fileinfo
 *                   record (state CLOSED, or TRUNCATED when the parser says the file
 *                   ended early or had gaps), then the file is freed.
 *   rw_files_end    the flow is over: every open file is closed TRUNCATED.
 *
 * Alerts go through env->emit as the rules fire; fileinfo records through env->record.
 * Ids are per flow, from 1, never reused within the flow.
 */

/* Files tracked at once over all flows: each costs about 6 KiB (the head and names). */
#define RW_FILES_OPEN_MAX 8192

/* Engine-wide counters shared by every flow's table (the engine owns them). */
struct rw_files_stats {
    uint64_t opened;       /* files tracked */
    uint64_t closed;       /* ... closed CLOSED */
    uint64_t truncated;    /* ... closed TRUNCATED */
    uint64_t refused;      /* rw_files_open calls refused at a bound */
    uint64_t nomem;        /* ... refused for lack of memory */
    uint64_t typed;        /* files typed */
    uint64_t ext_mismatch; /* typed files whose name says another format than the bytes */
    uint64_t open_now;     /* files open now, all flows */
};

/*
 * Type-group answers by (MIME type, description): most files of a capture are of a few
 * types, and matching every group's globs costs thousands of instructions a file. Direct
 * mapped, RW_FILES_TYPES_SLOTS slots; an entry counts only for the rule set and the
 * generation it was computed under. One per engine and per worker (workers run in
 * threads of their own: never shared). Zeroed storage is an empty cache.
 */
#define RW_FILES_TYPES_SLOTS 64

struct rw_files_types {
    struct {
        const void *rs;             /* the rule set it was computed with; NULL: empty */
        uint32_t gen;
        uint64_t bits;
        char mime[64];              /* RW_MAGIC_MIME_MAX */
        char desc[128];             /* RW_MAGIC_DESC_MAX */
    } slot[RW_FILES_TYPES_SLOTS];
    uint64_t hits, misses;          /* read-only outside rw_files.c */
};

/* What the engine lends every flow's table (it outlives them all). */
struct rw_files_env {
    struct rw_magic *magic;           /* NULL: files are not typed (no magic, no groups) */
    const struct rw_ruleset *rules;   /* NULL: no type groups */
    struct rw_detect *detect;         /* NULL: no rule events */
    rw_detect_emit_fn emit;           /* alerts */
    void *emit_ctx;
    /* writes a finished fileinfo record (takes it over; NULL rec: OOM); NULL: none written */
    void (*record)(void *ctx, struct rw_json *rec);
    void *record_ctx;
    int sha256;                       /* 1: hash every file with SHA-256 */
    struct rw_files_stats *stats;     /* must not be NULL */
    struct rw_files_types *types;     /* NULL: no cache; else this engine's or worker's own */
};

/* The flow a call is about, valid for the call: the engine's current view. */
struct rw_files_call {
    const struct rw_flow_info *info;
    const struct rw_detect_flow *flow;  /* the flow as the rules see it */
    uint64_t now_us;                    /* packet time */
    uint32_t gen;                       /* rule-set generation: a file that saw another
                                         * generation restarts its rule state and groups */
};

struct rw_files;

/* rw_files_new makes an empty table for one flow; env is borrowed for the table's life.
 * NULL on OOM. */
struct rw_files *rw_files_new(const struct rw_files_env *env);

/* rw_files_free releases the table and its open files WITHOUT reporting them (use
 * rw_files_end first for that) and sets *fp to NULL; NULL is fine. */
void rw_files_free(struct rw_files **fp);

/* The sink calls, one for one (see rw_xfer.h). id 0 is ignored everywhere. */
uint32_t rw_files_open(struct rw_files *fs, const struct rw_files_call *c, uint8_t dir,
                       const char *name, size_t name_len, const struct rw_xfer_meta *meta);
void rw_files_data(struct rw_files *fs, const struct rw_files_call *c, uint32_t id,
                   const uint8_t *p, size_t n);
void rw_files_gap(struct rw_files *fs, const struct rw_files_call *c, uint32_t id, uint64_t n);
void rw_files_close(struct rw_files *fs, const struct rw_files_call *c, uint32_t id,
                    int truncated);

/* rw_files_end closes every open file TRUNCATED (the flow ended under them). */
void rw_files_end(struct rw_files *fs, const struct rw_files_call *c);

/* rw_files_open_count is the number of files open in this flow. */
size_t rw_files_open_count(const struct rw_files *fs);

/* rw_files_bytes is the memory fs holds now: the table and its open files (0 for NULL).
 * O(1), for a host's memcap accounting. */
size_t rw_files_bytes(const struct rw_files *fs);

/* rw_files_anonymous is the anonymous value (rw_detect_anonymity) of the last file opened
 * in this flow, -1 when none was. */
int8_t rw_files_anonymous(const struct rw_files *fs);

#endif
