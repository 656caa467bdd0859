/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_classify.h — the one wrapper around nDPI 4.2: per-flow classification. */
#ifndef RW_CLASSIFY_H
#define RW_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "rw_limits.h"

/*
 * nDPI's packet function changes signature between versions (7 arguments in 4.0, 5 in
 * 4.2, 6 in 4.6+): this module is the only place that calls nDPI, so a version change
 * touches one file. A module (struct rw_classify) is not thread-safe: one per thread.
 *
 * Per flow, packets are fed until nDPI is sure (app protocol known and no extra
 * dissection wanted) or the packet budget runs out (RW_NDPI_MAX_TCP_PKTS /
 * RW_NDPI_MAX_UDP_PKTS), then nDPI gives up (its guess is kept, marked guessed). At that
 * moment the names are copied into the bounded struct rw_cls_result and nDPI's per-flow
 * state is freed: a classified flow costs only its result.
 */

struct rw_classify;

/* The result kept after nDPI's state is gone. Strings are NUL-terminated, truncated to fit. */
struct rw_cls_result {
    char proto[RW_PROTO_NAME_MAX_BYTES];  /* nDPI's name, e.g. "TLS.YouTube"; "Unknown" */
    char app_proto[16];                   /* Suricata-style word: "tls", "http", "dns", ...,
                                           * "failed" when nDPI found nothing */
    char category[32];                    /* nDPI category name, e.g. "Media" */
    char host[RW_HOSTNAME_MAX_BYTES];     /* DNS name, HTTP Host or TLS/QUIC SNI; "" if none */
    uint64_t risk;                        /* nDPI risk bitmask (ndpi_risk_enum bits) */
    uint16_t master_id, app_id;           /* nDPI protocol ids */
    uint8_t done;                         /* 1 once classification ended */
    uint8_t guessed;                      /* 1 when the result is nDPI's guess at give-up */
};

/*
 * Per-flow state; the caller provides the storage (zeroed by rw_classify_flow_init) and
 * releases what it holds with rw_classify_flow_cleanup. It is small on purpose (a flow
 * table holds one per flow): nDPI's state exists only while the flow is classified and
 * the result, with its name buffers, only once it is done. Read the result through
 * rw_classify_result. Fields are private except done (public, read-only): a caller that
 * does not want a flow classified may instead zero the storage and set done to 1; the
 * result is then "none" (done, every name empty).
 */
struct rw_cls_flow {
    void *ndpi;                /* struct ndpi_flow_struct *, NULL once done */
    struct rw_cls_result *r;   /* the result once done; NULL before, or when it is "none"
                                * or "failed" (static results) */
    uint16_t pkts;             /* packets fed so far */
    uint8_t l4proto;
    uint8_t done;              /* 1 once classification ended */
    uint8_t failed;            /* 1: done without nDPI's result (no memory) */
};

/* rw_classify_new makes a module; NULL on failure (no memory, or a libndpi of another
 * build than the headers). nDPI itself is set up (as LIBRARY-NOTES.md says, all protocols
 * enabled; about 62 M instructions) at the module's first rw_classify_flow_init, so a
 * module whose flows are never classified costs nothing; when that set-up fails, that
 * flow and every later one end "failed". rw_classify_free tears it down and sets *cp to
 * NULL. */
struct rw_classify *rw_classify_new(void);
void rw_classify_free(struct rw_classify **cp);

/* rw_classify_flow_init prepares cf for a flow of transport protocol l4proto (setting
 * nDPI up if it is the module's first): returns 0, or RW_ENOMEM (the flow then stays
 * unclassified, r.done = 1, app_proto "failed"). */
int rw_classify_flow_init(struct rw_classify *c, struct rw_cls_flow *cf, uint8_t l4proto);

/* rw_classify_packet feeds one packet starting at its IP header (l3_len captured bytes,
 * clamped to the IP length by the caller). Returns 1 once classification is done (now or
 * before), 0 while nDPI wants more. Packets after done are ignored. */
int rw_classify_packet(struct rw_classify *c, struct rw_cls_flow *cf, const uint8_t *l3,
                       uint32_t l3_len, uint64_t ts_us);

/* rw_classify_flow_finish ends classification now (giving up if needed) and frees nDPI's
 * state. Safe to call twice. */
void rw_classify_flow_finish(struct rw_classify *c, struct rw_cls_flow *cf);

/* rw_classify_flow_cleanup frees whatever cf holds (nDPI's state without concluding, the
 * result); cf is then zeroed storage again. Safe on zeroed storage and twice. */
void rw_classify_flow_cleanup(struct rw_cls_flow *cf);

/* rw_classify_result is cf's result, valid until cf is cleaned up: while classifying, all
 * zero (done 0); once done, nDPI's names, or those of a failed flow ("Unknown", "failed",
 * nDPI's name for an unspecified category: on OOM), or none (the caller set done). */
const struct rw_cls_result *rw_classify_result(const struct rw_cls_flow *cf);

/* rw_classify_flow_bytes is the memory cf holds now (for a host's memcap): nDPI's flow
 * struct while classifying, plus RW_CLS_NDPI_EXTRA_BYTES for nDPI's own buffers once it
 * has seen a packet with payload, and the result once done. O(1). */
size_t rw_classify_flow_bytes(const struct rw_cls_flow *cf);

/* rw_classify_risk_names stores up to max risk names (static strings from nDPI) for the
 * bits of risk, lowest bit first, and returns how many it stored. */
size_t rw_classify_risk_names(uint64_t risk, const char **names, size_t max);

/* Bytes nDPI's per-flow state takes while a flow is being classified (for memcap). */
size_t rw_classify_flow_state_bytes(void);

#endif
