/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_detect.h — rule matching at file, flow and host-window level; thresholds; alert records. */
#ifndef RW_DETECT_H
#define RW_DETECT_H

#include <stddef.h>
#include <stdint.h>

#include "rw.h"
#include "rw_json.h"
#include "rw_addrlist.h"
#include "rw_rules.h"

/*
 * The detection engine tests a loaded rule set against the events a host or the packet
 * layer reports, and hands each alert that survives suppression and thresholds to an emit
 * callback. docs/rules.md, "How rules fire", is the user-facing description of everything
 * below; this header is the contract.
 *
 * Events. The caller reports, with the packet time now_us of each event:
 *   flow events   rw_detect_flow: RW_DET_FLOW_PROGRESS after packets (every packet, or as
 *                 often as the host can), RW_DET_FLOW_END once when the flow ends;
 *   file events   rw_detect_file: RW_DET_FILE_IDENTIFIED once the file is typed (or known
 *                 by name only), RW_DET_FILE_GREW as its byte count grows, RW_DET_FILE_END
 *                 once when it ends.
 *
 * Sender and receiver. Every event is about bytes going one way: a flow direction (each
 * of the two directions of a flow is looked at on its own) or a file's direction. The
 * sender is the "source" and the receiver the "destination" of every rule condition,
 * threshold track and suppress entry: a file sent RW_TOCLIENT has the flow's server as
 * sender and the flow's client as destination. Outbound means sender inside home_net and
 * receiver outside it (rw_rules_is_home), inbound the reverse.
 *
 * Once only. A file rule raises at most one alert per file, a flow rule at most one per
 * flow (for the first direction that satisfies it), kept in the per-file and per-flow
 * state blobs below, which the caller embeds in its own file and flow objects and zeroes
 * when they start. A rule is tested at every event until it fires, so conditions learnt
 * late (the nDPI protocol, an FTP login) still count. A byte bound with only a minimum
 * fires the moment the count reaches it; a maximum can only be judged at the end, so a
 * rule with bytes.max is tested at RW_DET_*_END only.
 *
 * Host windows. Per host rule, per sender and per list of the rule's dst (the rule's only
 * window when dst is any), files, bytes and distinct flows are summed over a sliding
 * window of window.span, in RW_DETECT_WINDOW_BUCKETS buckets of span/64 each: an event
 * leaves the window between span - span/64 and span after it happened. The rule fires when
 * an event makes a total reach one of its bounds while none was reached before; and, while
 * a bound stays reached, again at the first event that adds to a total at its bound once a
 * whole span has passed since the window last fired (an event adding only to totals
 * without a bound, such as a flow's bytes for a files bound, never fires the window).
 * Events older than the whole window (packet time stepping back) are not counted.
 *
 * Thresholds and suppression are Suricata's (detect-engine-threshold.c): suppressed
 * alerts are dropped first, then the rule's threshold decides, keyed per rule and per
 * track (by_src: sender, by_dst: receiver, by_both: the unordered address pair, as
 * Suricata's IP pairs, by_flow: the flow).
 *
 * Bounded memory. Threshold and window entries share one table of max_tracked entries,
 * allocated whole by rw_detect_new: events never allocate. When the table is full an
 * entry is evicted and counted: the least recently used threshold entry, or, only when
 * the table holds none, the least recently used window. So traffic that makes threshold
 * entries (any number of addresses) never flushes a host's window; an evicted threshold
 * count restarts (a limit can let one more alert through, never hold one back that it
 * would not have held), an evicted window restarts empty.
 *
 * Threads: one detector serves every worker of a host. The table and the counters are
 * guarded by the detector's own lock, taken only by events that reach a threshold or a
 * host window and for the counters; the emit callback runs outside it and may be called
 * from several threads at once. The per-flow and per-file state blobs belong to the one
 * thread that feeds their flow.
 */

/* RW_DETECT_TRACKED_DEFAULT / _MAX (threshold and window entries when the caller passes
 * 0, and the most it may ask for) and RW_DETECT_RULE_SLOTS (rules per level that the
 * per-flow and per-file state can follow; a rule set with more rules at one level is
 * refused by rw_detect_new) are in rw_limits.h. */
#define RW_DETECT_SLOT_WORDS (RW_DETECT_RULE_SLOTS / 64)

/* Buckets of a host window: the resolution is span / 64. */
#define RW_DETECT_WINDOW_BUCKETS 64

/* Protocol families of rule 'proto' words (docs/rules.md, match). */
enum {
    RW_DETECT_FAM_ENCRYPTED = 1u << 0,
    RW_DETECT_FAM_CLEARTEXT = 1u << 1,
    RW_DETECT_FAM_FILE_TRANSFER = 1u << 2,
    RW_DETECT_FAM_REMOTE_ACCESS = 1u << 3,
    RW_DETECT_FAM_VPN = 1u << 4,
    /* Not a family: set by a host that has already or-ed in rw_detect_families(proto,
     * app_proto, category) (it caches them per flow), so the call is not repeated. */
    RW_DETECT_FAM_COMPUTED = 1u << 31,
};

enum rw_detect_flow_event { RW_DET_FLOW_PROGRESS = 0, RW_DET_FLOW_END };
enum rw_detect_file_event { RW_DET_FILE_IDENTIFIED = 0, RW_DET_FILE_GREW, RW_DET_FILE_END };

/* Per-flow state. Owned by the caller (embedded in its flow), zeroed when the flow
 * starts, private to this module. */
struct rw_detect_flowstate {
    uint64_t fired[RW_DETECT_SLOT_WORDS];          /* flow rules that fired for this flow */
    uint64_t counted[2][RW_DETECT_SLOT_WORDS];     /* host rules that counted the flow, per
                                                    * direction */
    uint64_t payload[2];                           /* payload per direction at the last event */
    uint8_t addrs[2];                              /* per direction: RW_DETECT_ADDR_* bits,
                                                    * what home_net and the lists said of
                                                    * its sender and receiver (cached: the
                                                    * flow's addresses do not change). A host
                                                    * that has looked them up may fill them
                                                    * in; 0 means not looked up yet */
    /* (in the bytes the struct's alignment leaves free: its size, which hosts charge to
     * their memcap and report, is unchanged) */
    uint8_t seen[2];                               /* per direction: 1 when the last event
                                                    * saw a flow without names or families,
                                                    * with anonymous seen_anon[dir] */
    int8_t seen_anon[2];
};

/* struct rw_detect_flowstate.addrs bits, per direction (sender = src of that direction). */
enum {
    RW_DETECT_ADDR_KNOWN = 0x01,        /* the other bits are valid */
    RW_DETECT_ADDR_SRC_HOME = 0x02,     /* the sender is inside home_net */
    RW_DETECT_ADDR_DST_HOME = 0x04,     /* the receiver is inside home_net */
    RW_DETECT_ADDR_DST_UNLISTED = 0x08, /* the receiver is in no list of the rule set */
    RW_DETECT_ADDR_QUIET = 0x10,        /* set by rw_detect_flow: no flow or host rule can
                                         * act on this direction any more */
};

/* Per-file state. Owned by the caller (embedded in its file), zeroed when the file
 * starts, private to this module. */
struct rw_detect_filestate {
    uint64_t fired[RW_DETECT_SLOT_WORDS];          /* file rules that fired for this file */
    uint64_t counted[RW_DETECT_SLOT_WORDS];        /* host rules that counted this file */
    uint64_t size;                                 /* the file's size at the last event */
    uint8_t quiet;                                 /* 1: no rule can act on this file
                                                    * any more (rw_detect_file) */
};

/* A flow as the rules see it. Everything is borrowed for the call. */
struct rw_detect_flow {
    const struct rw_flow_info *info;    /* key, counters; info->payload[] per direction */
    const char *proto;                  /* nDPI's name ("TLS.YouTube"), NULL while unknown */
    const char *app_proto;              /* Suricata's word ("tls", "http"), or NULL */
    const char *category;               /* nDPI's category name ("VPN"), or NULL */
    const char *hostname;               /* SNI, HTTP Host or DNS name, or NULL */
    unsigned families;                  /* RW_DETECT_FAM_* the host knows of; or-ed with
                                         * rw_detect_families(proto, app_proto, category) */
    int8_t anonymous;                   /* 1: the endpoint accepted an anonymous login or an
                                         * upload without credentials; 0: credentials were
                                         * given; -1: unknown (neither value matches) */
    struct rw_detect_flowstate *state;  /* the flow's state blob; must not be NULL */
};

/* A file inside a flow. Everything is borrowed for the call. */
struct rw_detect_file {
    const char *name;                   /* as on the wire (any bytes), name_len of them; may
                                         * be NULL. A NUL byte is matched as '?' */
    size_t name_len;
    uint8_t dir;                        /* enum rw_dir the file travels: RW_TOSERVER is sent
                                         * by the flow's client */
    uint64_t size;                      /* bytes of the file so far */
    const char *mime, *desc, *ext;      /* rw_magic's words, or NULL */
    uint8_t ext_mismatch;               /* 1: the bytes say another format than the name */
    uint64_t types;                     /* rw_rules_types_of(rs, mime, desc, name); bits past
                                         * the set's groups are ignored */
    const char *app_proto;              /* the carrying protocol ("http", "ftp-data"), or NULL:
                                         * the flow's is used */
    uint8_t credentials;                /* 1: the client sent credentials (for the record) */
    int8_t anonymous;                   /* as struct rw_detect_flow; rw_detect_anonymity */
    uint8_t state;                      /* enum rw_file_state */
    uint8_t gaps;                       /* 1: bytes of the file were missing */
    struct rw_detect_filestate *fstate; /* the file's state blob; must not be NULL */
};

/*
 * One alert, valid during the emit call only. src and dst are the sender and the receiver
 * (see above), dir the flow direction the bytes took. Context fields are 0 / NULL when
 * they do not apply.
 */
struct rw_alert {
    const struct rw_rule *rule;
    const struct rw_ruleset *rules;        /* the set of rule (names the type groups) */
    uint8_t level;                         /* enum rw_rule_level */
    uint8_t dir;                           /* enum rw_dir */
    const char *direction;                 /* "outbound", "inbound", "internal", "external" */
    uint64_t ts_us;                        /* packet time of the event */
    const struct rw_flow_info *flow;       /* the flow of the event */
    const char *proto, *app_proto, *hostname;
    const struct rw_detect_file *file;     /* level file only */
    const struct rw_addr *src, *dst;
    const char *list;                      /* the list of the rule's dst holding dst */
    char prefix[RW_ADDRLIST_PREFIX_MAX];   /* its longest prefix holding dst, "" when none */
    uint64_t types;                        /* level file: the file's groups that satisfied
                                            * the rule's type (all of the file's groups when
                                            * it has none); bits past the set's groups are
                                            * dropped; 0 at levels flow and host */
    const char *type_group;                /* the first of those groups, or NULL */
    int8_t anonymous;                      /* the event's anonymous value when the rule has
                                            * an anonymous condition, else -1 */
    uint64_t bytes;                        /* file: its size; flow: payload to dst */
    struct {
        uint64_t span_sec, files, bytes, flows, first_us, last_us;
    } window;                              /* level host: the window's totals */
};

/* The emit callback: returns 0 when the alert was written, or a negative RW_E* code (the
 * alert is then counted as failed). */
typedef int (*rw_detect_emit_fn)(void *ctx, const struct rw_alert *alert);

/* Counters since rw_detect_new. */
struct rw_detect_stats {
    uint64_t alerts;            /* alerts emitted */
    uint64_t alerts_failed;     /* alerts whose emit callback failed (e.g. OOM building EVE) */
    uint64_t suppressed;        /* rule events dropped by a suppress entry */
    uint64_t thresholded;       /* rule events held back by a threshold */
    uint64_t evictions;         /* table entries evicted to make room */
    uint64_t tracked;           /* table entries in use now */
};

struct rw_detect;

/*
 * rw_detect_new prepares detection for rs, which must outlive the object. max_tracked is
 * the number of threshold and window entries (0: RW_DETECT_TRACKED_DEFAULT; more than
 * RW_DETECT_TRACKED_MAX is cut to it); all of them are allocated here.
 *
 * A rule set with more than RW_DETECT_RULE_SLOTS rules at one level is refused: one line
 * per level is added to diag (may be NULL), "rules: expected at most 128 rules at level
 * file, found 130", and NULL is returned with *err = RW_ELIMIT. On OOM, NULL with
 * *err = RW_ENOMEM. Otherwise the object (caller frees it with rw_detect_free), *err = 0.
 * err may be NULL.
 */
struct rw_detect *rw_detect_new(const struct rw_ruleset *rs, size_t max_tracked,
                                struct rw_diag *diag, int *err);

/* rw_detect_free releases the object and sets *dp to NULL; NULL is fine. */
void rw_detect_free(struct rw_detect **dp);

/*
 * rw_detect_flow tests the flow and host rules against flow f after packets (PROGRESS) or
 * at its end (END). Each direction with at least one packet is looked at: flow rules fire
 * once per flow; host rules add the flow (once per direction) and its new payload bytes
 * to their windows when they have no file conditions. Alerts go to emit(ctx, alert)
 * before the call returns. Never fails and never allocates; f->state is updated.
 */
void rw_detect_flow(struct rw_detect *d, const struct rw_detect_flow *f,
                    enum rw_detect_flow_event ev, uint64_t now_us, rw_detect_emit_fn emit,
                    void *ctx);

/*
 * rw_detect_file tests the file and host rules against file of flow f. File rules fire
 * once per file; host rules count the file once (and its flow once, when they have file
 * conditions, with the file's bytes as it grows). Alerts go to emit(ctx, alert). Never
 * fails and never allocates; file->fstate (and f->state) are updated.
 * A file's name, dir, types and anonymous must stay the same over its events, as must a
 * flow's addresses (only sizes, payload and names may move): once no rule can act on
 * the file or a flow direction whatever those become, later events return at once. A new
 * rule set must come with zeroed states, as it must for the fired bits anyway.
 */
void rw_detect_file(struct rw_detect *d, const struct rw_detect_flow *f,
                    const struct rw_detect_file *file, enum rw_detect_file_event ev,
                    uint64_t now_us, rw_detect_emit_fn emit, void *ctx);

/*
 * rw_detect_file_skip is for a caller about to call rw_detect_file at every chunk of a
 * file: when no rule can act on the file any more (rw_detect_file found so at an earlier
 * event and said so in fs), it records size as the file's size at the last event, as
 * rw_detect_file would, and returns 1; the caller need not build the view nor call. Else
 * 0. fs must not be NULL.
 */
int rw_detect_file_skip(struct rw_detect_filestate *fs, uint64_t size);

/* rw_detect_stats copies the counters into out. */
void rw_detect_stats(struct rw_detect *d, struct rw_detect_stats *out);

/* rw_detect_memory_bytes is what the object allocated (fixed from rw_detect_new on). */
size_t rw_detect_memory_bytes(const struct rw_detect *d);

/*
 * rw_detect_families gives the RW_DETECT_FAM_* bits of a protocol from its nDPI name
 * (each '.'-separated part is looked up: "TLS.YouTube" is encrypted), its Suricata word
 * and its nDPI category ("VPN", "RemoteAccess", "Download-FileTransfer-FileSharing").
 * cleartext is any known protocol that is not encrypted. Any argument may be NULL.
 */
unsigned rw_detect_families(const char *proto, const char *app_proto, const char *category);

/*
 * rw_detect_anonymity turns what a transfer parser knows into the anonymous value of a
 * view: 1 when an anonymous login was accepted, else 0 when credentials were sent, else 1
 * for protocols that carry credentials when there are any (http, ftp, ftp-data, tftp:
 * an upload without them went to an endpoint that asked for none), else -1.
 */
int8_t rw_detect_anonymity(const char *app_proto, int credentials, int anonymous_login);

/*
 * rw_detect_alert_record builds the EVE "alert" record of a at ts_us: the header
 * (rw_eve_header; src/dest are the sender and the receiver, "direction" says which way
 * the flow went), alert {action "allowed", gid 1, signature_id, rev, signature, category,
 * severity, metadata and references when the rule has them, context}, flow {packets and
 * bytes per direction, start, the flow's own src/dest}, and for file alerts fileinfo
 * {filename, magic, size, state, gaps}. Caller owns the line (rw_eve_emit or
 * rw_json_free); NULL on OOM.
 */
struct rw_json *rw_detect_alert_record(const struct rw_alert *a, uint64_t ts_us);

#endif
