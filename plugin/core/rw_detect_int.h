/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_detect_int.h — what the detector's files share: the detector's layout, its table
 * entries, the event context and the helpers of rw_detect.c, rw_detect_track.c and
 * rw_detect_eve.c. Not part of the core's API: only the rw_detect*.c files include it. */
#ifndef RW_DETECT_INT_H
#define RW_DETECT_INT_H

#include "rw_detect.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define DET_NIL UINT32_MAX
#define DET_USEC 1000000ULL
/* Lists a receiver is looked up in at once; past that, lists are asked one by one. */
#define DET_MATCH_MAX 16

enum { DET_ENT_FREE = 0, DET_ENT_THRESHOLD, DET_ENT_WINDOW };

/* One bucket of a host window: the sums of the events of span/64 of packet time. */
struct det_bucket {
    uint64_t bytes;
    uint64_t first_us;  /* the earliest event in the bucket; meaningless when empty */
    uint32_t files, flows;
};

/* What a table entry is found by. Unused fields stay zero so that keys compare whole. */
struct det_key {
    uint8_t kind;
    uint8_t track;
    uint32_t rule;      /* the rule's index in the set */
    uint32_t list;      /* window: the list's index, DET_NIL for a window of dst any */
    uint32_t ports;     /* by_flow: sport << 16 | dport */
    uint64_t flow_id;   /* by_flow */
    struct rw_addr a, b;
};

/* A threshold or window entry. All of them are allocated by rw_detect_new. */
struct det_entry {
    struct det_key key;
    uint32_t hnext;            /* next entry in the hash chain */
    uint32_t lprev, lnext;     /* least-recently-used list; lprev is the newer neighbour */
    union {
        struct {
            uint64_t tv1_us;   /* start of the current period (Suricata's tv1) */
            uint64_t count;    /* Suricata's current_count (never wraps) */
        } thr;
        struct {
            uint64_t head;     /* absolute number of the newest bucket */
            uint64_t last_us;  /* the latest event */
            uint64_t fired_us; /* when the window last fired */
            uint8_t fired;
            struct det_bucket b[RW_DETECT_WINDOW_BUCKETS];
        } win;
    } u;
};

struct det_level {
    size_t n;
    uint32_t idx[RW_DETECT_RULE_SLOTS];              /* rule indexes, in set order */
    const struct rw_rule *rule[RW_DETECT_RULE_SLOTS];
};

struct rw_detect {
    const struct rw_ruleset *rs;
    struct det_level file, flow, host;
    int names;                 /* some file or host rule has a filename condition */
    struct det_entry *ent;
    uint32_t nent, used;
    uint32_t *heads;           /* hash buckets: first entry index or DET_NIL */
    uint32_t nheads;           /* a power of two */
    /* One least-recently-used list per kind (DET_ENT_THRESHOLD, DET_ENT_WINDOW). */
    uint32_t lru_head[3], lru_tail[3];
    uint32_t free_head;
    uint64_t seed;
    size_t mem;
    struct rw_detect_stats stats;
    /* The table and the counters are shared by every thread of a host with workers: the
     * lock guards them. Events that touch neither (most) never take it. */
    pthread_mutex_t lock;
};

/* Where the receiver of the bytes is listed: one lookup over all lists per event, made
 * when a rule first asks (most events end at a rule's fired bit, byte bound or type before
 * any list is asked), never for a receiver the flow's cache knows to be in no list. */
struct det_dstinfo {
    const struct rw_ruleset *rs;
    const struct rw_addr *addr;
    struct rw_addrlist_match m[DET_MATCH_MAX];
    size_t n, total;
    int looked;                      /* m, n and total are valid */
    struct rw_addrlist_match extra;  /* answer of a list asked on its own */
};

/* One direction of bytes being tested: the event, the sender, the receiver. */
struct det_ctx {
    struct rw_detect *d;
    const struct rw_detect_flow *f;
    const struct rw_detect_file *file;
    uint8_t dir;
    const struct rw_addr *src, *dst;
    const char *direction;
    uint8_t dclass;            /* enum rw_rule_direction of the bytes; 0 for neither */
    unsigned families;
    uint64_t now;
    rw_detect_emit_fn emit;
    void *ectx;
    const char *fname;         /* the file name as a C string, NULL when none */
    uint64_t types;            /* the file's groups, cut to the groups the set has */
    struct det_dstinfo dsti;
};

/* --- rw_detect.c: conditions --------------------------------------------------------- */

const struct rw_addrlist_match *rd_holds(struct det_dstinfo *di, size_t idx);

/* --- rw_detect_track.c: set-up, thresholds, raising, host windows ---------------------- */

const char *rd_level_name(uint8_t level);
void rd_alert_init(const struct det_ctx *c, const struct rw_rule *r, const char *list,
                   const struct rw_addrlist_match *m, struct rw_alert *a);
void rd_raise(const struct det_ctx *c, const struct rw_rule *r, uint32_t ridx,
              const struct rw_alert *a);
void rd_host_add(struct det_ctx *c, const struct rw_rule *r, uint32_t ridx, uint64_t files,
                 uint64_t bytes, uint64_t flows);

#endif
