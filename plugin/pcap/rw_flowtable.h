/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_flowtable.h — the standalone host's bidirectional flow table with timeouts and memcap. */
#ifndef RW_FLOWTABLE_H
#define RW_FLOWTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "rw.h"
#include "rw_decode.h"

/*
 * Flows are keyed both ways: (a, b, ports, proto, vlans) finds the same flow as
 * (b, a, ...). The client is the sender of the first SYN (without ACK), else of the
 * first packet. Time is packet time only, so a replay ends the same flows at the same
 * moments on every run.
 *
 * Memory is bounded by memcap. Each flow is charged its record plus what its core state
 * holds: extra_bytes_per_flow at first, then whatever the host last reported with
 * rw_flowtable_charge (the core's state grows and shrinks: a stream at the first bytes,
 * nDPI's state only while classifying). memuse is the table, its bucket array and those
 * charges. Whenever a new flow or a larger charge would take memuse past memcap, the
 * table sheds by value (rw_flowtable_set_keep): flows no rule can fire on end first,
 * then flows that hold classification state give it up (the shed callback), then flows
 * a rule can fire on end, and flows with an open file last; within each step the least
 * recently seen goes first. Every flow ended early has reason RW_END_FORCED and is
 * counted as evicted and by its value (struct rw_flowtable_stats). The
 * bucket array is sized once at creation for memcap / (record + extra_bytes_per_flow)
 * flows (it never rehashes). Idle flows end after the timeout of their class
 * (TCP new / established / closed, UDP new / established, other), reason RW_END_TIMEOUT.
 */

/* What losing a flow's state would cost, lowest first: the order the table sheds in. */
enum rw_ft_keep {
    RW_FT_KEEP_NONE = 0, /* no rule can fire on it: ending it early loses no alert */
    RW_FT_KEEP_SHED,     /* holds state it can give up without ending (the shed callback) */
    RW_FT_KEEP_RULE,     /* a rule can fire on it */
    RW_FT_KEEP_FILE,     /* a rule can fire on it and a file is open in it: last to go */
    RW_FT_KEEP_N
};

struct rw_ft_flow;

/* Called under memory pressure for a flow the host marked RW_FT_KEEP_SHED: the host drops
 * what the flow can do without (the core's rw_engine_flow_shed), stores the flow's new
 * value in *keep (anything but RW_FT_KEEP_SHED) and returns the bytes its core state holds
 * now. The flow does not end. ctx is the end callback's. */
typedef size_t (*rw_flowtable_shed_fn)(void *ctx, struct rw_ft_flow *flow, uint8_t *keep);

struct rw_flowtable_config {
    uint64_t memcap_bytes;           /* 0: RW_FLOW_MEMCAP_DEFAULT_BYTES */
    rw_flowtable_shed_fn shed;       /* NULL: RW_FT_KEEP_SHED flows are treated as RULE */
    size_t extra_bytes_per_flow;     /* the least core state a flow holds: charged to a new
                                      * flow until rw_flowtable_charge; sizes the buckets */
    uint32_t timeout_tcp_new_sec;    /* 0 for any timeout: the rw_limits.h default */
    uint32_t timeout_tcp_est_sec;
    uint32_t timeout_tcp_closed_sec;
    uint32_t timeout_udp_new_sec;
    uint32_t timeout_udp_est_sec;
    uint32_t timeout_other_sec;
};

/* One flow. Fields marked public may be read and written by the host; the rest are the
 * table's. */
struct rw_ft_flow {
    struct rw_flow_info info;        /* public, read-only: key, counters, times, state */
    struct rw_flow *core;            /* public: the core's state, owned by the host */
    /* private */
    struct rw_ft_flow *hnext;        /* hash chain */
    struct rw_ft_flow *prev, *next;  /* LRU list of its timeout class */
    uint32_t hash;
    uint8_t tclass;                  /* timeout class */
    uint8_t tcp_fin_seen;            /* bit per direction */
    uint8_t tcp;                     /* TCP tracking state */
    uint8_t keep;                    /* enum rw_ft_keep: rw_flowtable_set_keep */
};

/* Called for every flow that ends (timeout, eviction, flush) just before it is freed.
 * info->reason and info->state are set. The callback owns flow->core and must free it. */
typedef void (*rw_flowtable_end_fn)(void *ctx, struct rw_ft_flow *flow);

struct rw_flowtable_stats {
    uint64_t active;       /* stats.flow.active */
    uint64_t total;        /* stats.flow.total: flows created */
    uint64_t tcp, udp, icmpv4, icmpv6; /* stats.flow.tcp/udp/icmpv4/icmpv6: created */
    uint64_t timeouts;     /* stats.flow.mgr.flows_timeout */
    uint64_t evicted;      /* stats.flow.mgr.flows_evicted: ended early at the memcap, the
                            * sum of the three counts below */
    uint64_t shed_none;    /* ... of them RW_FT_KEEP_NONE (no rule could fire on them) */
    uint64_t shed_rule;    /* ... RW_FT_KEEP_RULE (or SHED without a shed callback) */
    uint64_t shed_file;    /* ... RW_FT_KEEP_FILE (a file was open: it ends truncated) */
    uint64_t shed_state;   /* shed callbacks: flows that gave state up and went on */
    uint64_t memcap_drops; /* stats.flow.memcap: packets not tracked (no flow could be made) */
    uint64_t memuse;       /* stats.flow.memuse: bytes in use now */
    uint64_t memuse_peak;
    uint64_t max_flows;    /* the flow count memcap admits when each holds only
                            * extra_bytes_per_flow */
};

struct rw_flowtable;

/* rw_flowtable_new returns a table, or NULL on OOM or when memcap is below
 * RW_FLOW_MEMCAP_MIN_BYTES. end is required. */
struct rw_flowtable *rw_flowtable_new(const struct rw_flowtable_config *cfg,
                                      rw_flowtable_end_fn end, void *end_ctx);

/* rw_flowtable_free ends every remaining flow (reason RW_END_SHUTDOWN, calling end) and
 * frees the table; *tp is set to NULL. */
void rw_flowtable_free(struct rw_flowtable **tp);

/*
 * rw_flowtable_packet first ends flows idle past their timeout at d's packet time ts_us
 * (cheap: it looks only at the oldest flow of each class), then finds or creates d's
 * flow, updates counters, times, TCP flags and state, and returns it with *dir set
 * to this packet's direction (enum rw_dir). *created is set to 1 when the flow is new
 * (the host then makes its core state). Returns NULL when no flow could be made (OOM):
 * the packet is counted in memcap_drops.
 */
struct rw_ft_flow *rw_flowtable_packet(struct rw_flowtable *t, const struct rw_decoded *d,
                                       uint64_t ts_us, int *dir, int *created);

/* rw_flowtable_expire ends flows idle past their timeout at now_us (for idle live capture). */
void rw_flowtable_expire(struct rw_flowtable *t, uint64_t now_us);

/* rw_flowtable_flush ends every flow with the given reason (RW_END_SHUTDOWN at exit). */
void rw_flowtable_flush(struct rw_flowtable *t, int reason);

void rw_flowtable_get_stats(const struct rw_flowtable *t, struct rw_flowtable_stats *st);

/*
 * rw_flowtable_charge sets what flow's core state holds now, in bytes (the host asks its
 * core after each packet: rw_engine_flow_bytes). memuse follows at once. When it is then
 * above memcap, other flows are shed by value, least recently seen first within a value
 * (RW_END_FORCED, counted as evicted, the end callback called for each ended one) until
 * it is not, so memuse <= memcap holds after every call unless flow alone is larger. O(1) when the charge did not change.
 * flow must be a flow of t that has not ended; it never ends here.
 */
void rw_flowtable_charge(struct rw_flowtable *t, struct rw_ft_flow *flow, size_t bytes);

/*
 * rw_flowtable_set_keep sets flow's value (enum rw_ft_keep; larger values are clamped to
 * RW_FT_KEEP_FILE), which decides when it is shed under memory pressure. A new flow is
 * RW_FT_KEEP_RULE until the host says otherwise. O(1).
 */
void rw_flowtable_set_keep(struct rw_flowtable *t, struct rw_ft_flow *flow, uint8_t keep);

/* Bytes one flow record takes (without the core's state). */
size_t rw_flowtable_record_bytes(void);

#endif
