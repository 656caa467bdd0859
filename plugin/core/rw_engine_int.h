/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_engine_int.h — what the engine's files share: the engine's and a flow's layout, the
 * record types and parsers of a flow, and the helpers of rw_engine.c and rw_engine_app.c.
 * Not part of the core's API: only the rw_engine*.c files include it. */
#ifndef RW_ENGINE_INT_H
#define RW_ENGINE_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "rw.h"
#include "rw_classify.h"
#include "rw_detect.h"
#include "rw_expect.h"
#include "rw_files.h"
#include "rw_ftp.h"
#include "rw_http.h"
#include "rw_smb.h"
#include "rw_smtp.h"
#include "rw_stream.h"
#include "rw_tftp.h"

/* EVE record types a run writes (--set eve.types=...), Suricata's eve-log "types" idea. */
enum {
    RW_EVE_ALERT = 1u << 0,
    RW_EVE_FILEINFO = 1u << 1,
    RW_EVE_FLOW = 1u << 2,
    RW_EVE_STATS = 1u << 3,
    RW_EVE_ANOMALY = 1u << 4, /* HTTP parser anomalies, on by default as in Suricata's yaml */
    RW_EVE_ALL = RW_EVE_ALERT | RW_EVE_FILEINFO | RW_EVE_FLOW | RW_EVE_STATS | RW_EVE_ANOMALY,
};

/* Which parser reads a flow's bytes (chosen from its first bytes, its port or an
 * announcement: see engine_app_choose). */
enum engine_app {
    APP_UNDECIDED = 0,
    APP_OPAQUE,       /* nothing we parse: counted as volume only */
    APP_HTTP,
    APP_FTP,
    APP_FTP_DATA,     /* announced by an FTP control connection: one file */
    APP_SMB,
    APP_TFTP,         /* a request to port 69, or an announced transfer */
    APP_RAW,          /* an unrecognised stream or datagrams starting with a file's magic */
    APP_SMTP,         /* port 25/587/2525, or a client that starts with EHLO/HELO */
};

/* An engine's own counters (a worker has its own; stats records sum them). */
struct engine_counters {
    uint64_t flow_state_oom;  /* flows that got no core state (or part of it) */
    uint64_t eve_oom;         /* records lost to OOM while building */
    uint64_t eve_write_errors;
    uint64_t alerts;
    uint64_t files;           /* files that ended (event layer) */
    uint64_t app[9];          /* flows per enum engine_app */
    uint64_t expect_hits;     /* flows an announcement named */
    uint64_t light_flows;     /* flows no rule or record type could use: counted only */
};

/* The core's state for one flow. Kept small (a flood of flows that never send a byte
 * costs this and the host's record each): pointers, then 4-byte fields, then bytes;
 * the stream, the files and nDPI's state and result are allocated when needed. */
struct rw_flow {
    struct rw_engine *e;
    struct rw_stream *stream;             /* TCP, from the first packet with payload, FIN or
                                           * RST on (NULL before, or when memory was short) */
    struct rw_files *files;               /* from the first payload on (NULL before, or when
                                           * memory was short) */
    union {
        struct rw_http *http;
        struct rw_ftp *ftp;
        struct rw_smb *smb;
        struct rw_tftp *tftp;
        struct rw_smtp *smtp;
    } p;
    struct rw_expect_hit *hit;            /* an announcement waiting for this flow's bytes */
    const struct rw_flow_info *info;      /* the host's record of the flow */
    struct rw_cls_flow cls;
    struct rw_detect_flowstate det;
    unsigned families;                    /* RW_DETECT_FAM_* | COMPUTED, once fam_done */
    uint32_t gen;                         /* rule-set generation of det */
    uint32_t data_id;                     /* APP_FTP_DATA / APP_RAW: the file's id */
    /* Before a TCP flow's stream exists, where it starts; once it exists (made from
     * sstart at the first bytes, FIN or RST), the first bytes of each direction,
     * collected before a parser is chosen. Never both at once. */
    union {
        struct rw_stream_start sstart;
        struct {
            uint8_t bytes[2][RW_APP_SNIFF_BYTES];
            uint8_t len[2];
        } sn;
    } u;
    uint8_t looked[2];                    /* first bytes of each direction looked at */
    uint8_t app;                          /* enum engine_app */
    uint8_t data_dir;                     /* APP_FTP_DATA / APP_RAW: the file's direction */
    uint8_t expect_tried : 1;             /* announcement looked up at first payload */
    uint8_t alerted : 1;
    uint8_t rules_apply : 2;              /* directions some rule could fire on: bit
                                           * 1 << enum rw_dir (0: no rule can fire) */
    uint8_t fam_done : 1;                 /* families computed from nDPI's final result */
    uint8_t cls_off : 1;                  /* not classified: no rule or record needs it */
    uint8_t light : 1;                    /* nothing wants its bytes: counted only */
    uint8_t bytes_setup : 1;              /* stream and files were made (or tried) */
};

struct rw_engine {
    struct rw_output out;
    struct rw_json *eve_stats;   /* the stats record's line, allocated at set-up (owner only) */
    struct rw_files_types ftypes; /* type-group cache of this engine or worker (fenv.types) */
    struct rw_classify *classify;
    struct rw_ruleset *rules;
    struct rw_detect *detect;
    struct rw_magic *magic;
    struct rw_expect *expect;
    struct rw_stream_pool *pool;
    struct rw_files_env fenv;
    struct rw_files_stats fstats;
    unsigned eve_types;
    int sha256;
    uint32_t gen;                         /* bumped by every successful reload */
    uint8_t rules_use_proto;              /* some rule has a 'proto' condition */
    uint64_t now_us;
    /* The rules' view of the flow being worked on: rebuilt by engine_bind at the start of
     * every call that may reach the rules (one flow at a time per engine), so flows do
     * not each carry one. */
    struct rw_detect_flow view;
    struct engine_counters stats;
    struct rw_pool *flows;                /* struct rw_flow, this engine's (worker's) own */
    /*
     * Workers (rw_engine_worker_new). The engine rw_engine_new made owns the rule set,
     * detector, magic files and expectation table; a worker borrows them (owner points
     * at the engine that owns them) and has its own nDPI module, stream pool, parsers and
     * counters. The owner knows its workers for reloads and stats.
     */
    struct rw_engine *owner;
    struct rw_engine *workers[RW_WORKERS_MAX];
    size_t nworkers;
    pthread_mutex_t expect_lock;          /* the owner's: guards expect for every worker */
    unsigned expect_owner;                /* its clock in expect: 0 the owner, i worker i */
};

/* --- rw_engine.c ------------------------------------------------------------------------ */

pthread_mutex_t *re_expect_lock(struct rw_engine *e);
struct rw_files_call re_call(struct rw_flow *f);

/* --- rw_engine_app.c: the parsers' sink and choosing a parser --------------------------- */

void re_expect_lookup(struct rw_engine *e, struct rw_flow *f, uint64_t now_us);
void re_app_data(struct rw_engine *e, struct rw_flow *f, uint8_t dir, const uint8_t *p,
                 size_t n);
void re_app_flush(struct rw_engine *e, struct rw_flow *f, uint8_t dir);
void re_app_end(struct rw_flow *f);
void re_stream_sink_data(void *ctx, uint8_t dir, const uint8_t *p, size_t n);
void re_stream_sink_gap(void *ctx, uint8_t dir, uint64_t n);

#endif
