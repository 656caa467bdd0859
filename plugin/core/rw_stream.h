/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_stream.h — TCP stream reassembly: in-order bytes of both directions, holes as gaps. */
#ifndef RW_STREAM_H
#define RW_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "rw.h"

/*
 * One struct rw_stream follows both directions of one TCP flow and hands the bytes of
 * each direction, in sequence order and exactly once, to a struct rw_stream_sink. Bytes
 * that are missing for good are reported as gaps (a count), so that a parser knows how
 * far the stream moved and can resume where its protocol allows.
 *
 * Positions. Each direction numbers its bytes from 0 (64-bit offsets); a 32-bit TCP
 * sequence number is mapped onto an offset with serial-number arithmetic (RFC 1982)
 * relative to the next byte expected, so sequence wraparound at 2^32 is invisible.
 *
 * Start of a direction. A SYN sets its base: the byte after the SYN is offset 0. A
 * SYN/ACK sets the base of its own direction and, when the other direction has none yet
 * (its SYN was not captured), that of the other direction from the acknowledgement.
 * Without a SYN (mid-stream pickup) the first segment carrying payload sets the base:
 * its first byte is offset 0, and anything that arrives later but lies before it is
 * treated as a retransmission. Later SYNs are ignored.
 *
 * Segments. For each segment, relative to the next byte expected of its direction:
 *  - wholly before it: a retransmission, counted (retrans_segments, retrans_bytes), not
 *    delivered; partly before it: the old head is counted and cut off;
 *  - at it: delivered at once from pkt->payload (no copy, O(1) when nothing is held),
 *    followed by any held bytes that became contiguous;
 *  - after it, by at most RW_STREAM_MAX_AHEAD_BYTES: copied and held (out of order);
 *  - further ahead (a hostile or broken sequence jump): dropped and counted
 *    (ahead_dropped); nothing is allocated for it.
 *
 * Overlap policy: "first" (Suricata's policy "first"). The first copy of every byte that
 * the stream received wins; later copies of the same byte are discarded. A byte already
 * delivered cannot change; a held byte is not replaced by a later segment; a new segment
 * that overlaps held bytes contributes only the bytes no one held yet. Where a later copy
 * overlaps held bytes, the two are compared: overlaps counts such segments and
 * overlaps_diff those in which any byte differed (an evasion signal). Bytes already
 * delivered are not kept and cannot be compared: their later copies only count as
 * retrans_bytes.
 *
 * Bounds. Held (out-of-order) bytes are copies in per-segment allocations, at most
 * RW_STREAM_OOO_MAX_BYTES bytes and RW_STREAM_OOO_MAX_SEGMENTS pieces per direction,
 * and at most the pool's max_bytes over all streams of the pool. A segment that does
 * not fit (or whose copy cannot be allocated) is counted once (cap_bytes, cap_segments,
 * cap_global or alloc_fail) and then, instead of growing: the hole in front of the lowest
 * of the held pieces and the segment is declared a gap, the bytes now contiguous are
 * delivered (the segment's own bytes directly from the packet once it is the lowest), and
 * the segment is tried again until it is stored or delivered. So a segment that cannot be
 * stored never loses its own bytes; the holes in front of it become the gaps. Memory per
 * direction never exceeds the caps, and no work depends on sequence distances.
 *
 * Snaplen cuts (payload_len < payload_wire_len): the captured bytes are handled like
 * any segment; when the next expected byte then lies among the cut-off bytes (the
 * captured ones were delivered in order, or were all old and the cut-off ones reach new
 * bytes), the cut-off bytes from there on are declared a gap right away (held bytes
 * inside that range are delivered instead of a gap), so later bytes stay in order. If
 * the segment was held out of order, its cut-off bytes stay a hole and are resolved like
 * any hole. trunc_bytes counts the cut-off bytes. A payload_wire_len below payload_len
 * is taken as payload_len (the captured bytes were on the wire).
 *
 * Capture loss proven by ACK: when a packet acknowledges (ACK flag) bytes of the other
 * direction up to or past the start of that direction's lowest held piece (so the whole
 * hole in front of it), the peer has received the hole: everything up to the
 * acknowledged byte (at most up to the end of the held bytes) is resolved at once,
 * holes as gaps (ack_gaps counts them) and held bytes delivered. An acknowledgement more
 * than RW_STREAM_MAX_AHEAD_BYTES ahead is not believed. Without held bytes an ACK
 * declares nothing (the data may simply be reordered across directions). Otherwise holes
 * are resolved only at the caps and at rw_stream_end.
 *
 * Memory: the caps count the payload bytes allocated; each held piece adds one small
 * header (sizeof(void *) + 16 bytes, rounded by malloc), at most
 * RW_STREAM_OOO_MAX_SEGMENTS per direction. Cost: O(1) per in-order segment with nothing
 * held; otherwise linear in the held pieces (at most RW_STREAM_OOO_MAX_SEGMENTS).
 *
 * End of a direction. The first FIN sets the direction's end after the FIN segment's
 * payload; an RST (whose payload is never stream data) sets it at the RST's sequence
 * number. Either is accepted only at or after the next expected byte and within
 * RW_STREAM_MAX_AHEAD_BYTES; later FIN/RST of that direction, and FIN or RST together
 * with SYN (invalid), are ignored and counted (end_ignored). A FIN or RST of a direction
 * that has not started (no SYN, SYN/ACK or payload seen yet) has no offset to stand at:
 * it is ignored and not counted, and the direction has no end. Bytes at or
 * beyond the end (held ones included) are discarded and counted (after_end_bytes); held
 * ones are freed, a held piece that crosses the end being shrunk to the bytes before it
 * (should that reallocation fail, the piece keeps its allocation, and held_bytes, the
 * pool and rw_stream_bytes charge all of it until it is delivered).
 * Bytes before the end that are still missing are resolved like any hole: a segment
 * that arrives late is still delivered. rw_stream_end then declares the bytes missing
 * before the end a gap.
 *
 * Sinks. data() gets n > 0 bytes that are borrowed for the call; gap() gets n > 0. A
 * NULL sink or NULL callback is allowed (the bytes are then only counted). Sink calls are
 * made from within rw_stream_packet and rw_stream_end only, never from rw_stream_free.
 * A sink must not call back into the same stream.
 *
 * Not thread-safe: a pool and its streams belong to one thread.
 */

/* A segment starting further ahead than this of the next expected byte is dropped. */

struct rw_stream_pool;

/* rw_stream_pool_new makes the pool that all streams of one engine share: the global cap
 * on held out-of-order bytes. max_bytes 0 means RW_STREAM_GLOBAL_MAX_BYTES. Returns NULL
 * on OOM. Owned by the caller; free it with rw_stream_pool_free after its streams. */
struct rw_stream_pool *rw_stream_pool_new(uint64_t max_bytes);

/* rw_stream_pool_free releases the pool and sets *pp to NULL; NULL or *pp NULL is fine.
 * Every stream of the pool must have been freed before. */
void rw_stream_pool_free(struct rw_stream_pool **pp);

/* rw_stream_pool_held_bytes is the number of out-of-order bytes held by all the pool's
 * streams right now (0 for a NULL pool). */
uint64_t rw_stream_pool_held_bytes(const struct rw_stream_pool *p);

/* Where a stream delivers. dir is enum rw_dir. */
struct rw_stream_sink {
    void *ctx;
    /* n > 0 in-order bytes of direction dir, borrowed for the call. */
    void (*data)(void *ctx, uint8_t dir, const uint8_t *p, size_t n);
    /* n > 0 bytes of direction dir are missing: the next data() continues after them. */
    void (*gap)(void *ctx, uint8_t dir, uint64_t n);
};

struct rw_stream;

/* rw_stream_new makes the reassembly state of one TCP flow (both directions), charging
 * held bytes to pool, which must outlive it. Returns NULL on OOM (or pool NULL). Owned by
 * the caller; free it with rw_stream_free. */
struct rw_stream *rw_stream_new(struct rw_stream_pool *pool);

/*
 * Lazy streams. Until a flow's first packet with payload, FIN or RST, a stream only
 * learns where its directions start (the sequence numbers a SYN and a SYN/ACK carry), so
 * a host that follows many flows which never send a byte (a SYN flood, a port scan) can
 * keep this instead of a struct rw_stream: it is zeroed at the flow's start and fed with
 * rw_stream_start_packet while that returns 1; at the first packet it refuses, the host
 * makes the stream with rw_stream_new_from and feeds it that packet and all later ones.
 * The bytes, gaps and counters are then exactly those of a stream made with
 * rw_stream_new and fed every packet. A flow that never gets a stream delivers nothing:
 * rw_stream_end on such a stream would have had nothing to say either.
 */
struct rw_stream_start {
    uint32_t base_seq[2]; /* sequence number of each started direction's offset 0 */
    uint8_t started;      /* bit (1 << dir) per direction whose start is known */
};

/* rw_stream_start_packet records pkt in st and returns 1 when pkt only tells where the
 * directions start (no payload, no FIN, no RST, dir 0 or 1); else it returns 0 and
 * changes nothing. */
int rw_stream_start_packet(struct rw_stream_start *st, const struct rw_packet *pkt);

/* rw_stream_new_from is rw_stream_new for a flow whose earlier packets went to st. */
struct rw_stream *rw_stream_new_from(struct rw_stream_pool *pool,
                                     const struct rw_stream_start *st);

/* rw_stream_bytes is the memory s holds now: the struct, its held bytes and their piece
 * headers (0 for NULL). O(1), for a host's memcap accounting. */
size_t rw_stream_bytes(const struct rw_stream *s);

/* rw_stream_free releases the stream, returns its held bytes to the pool (undelivered:
 * no sink is called) and sets *sp to NULL; NULL or *sp NULL is fine. */
void rw_stream_free(struct rw_stream **sp);

/* rw_stream_packet feeds one TCP packet of the flow (any flags, with or without payload;
 * pkt->dir says its direction, pkt->payload/payload_len the captured payload,
 * payload_wire_len its length on the wire). Bytes that become deliverable are passed to
 * sink before it returns. Never fails: oddities and memory shortage are counted (see
 * above). A packet whose dir is not 0 or 1 is counted in bad_dir[0] and ignored, as is
 * every packet after rw_stream_end. s, pkt NULL: nothing happens. */
void rw_stream_packet(struct rw_stream *s, const struct rw_packet *pkt,
                      const struct rw_stream_sink *sink);

/* rw_stream_end is the end of the flow: per direction (RW_TOSERVER first), the held
 * segments are delivered in sequence order with gaps for the holes between them, and
 * bytes still missing before an accepted FIN/RST are declared a gap. Afterwards the
 * stream holds nothing; later calls of rw_stream_end and rw_stream_packet are ignored.
 * s NULL: nothing happens. */
void rw_stream_end(struct rw_stream *s, const struct rw_stream_sink *sink);

/* Counters, each indexed by enum rw_dir (the direction of the bytes concerned). */
struct rw_stream_counters {
    uint64_t segments[2];          /* packets carrying payload (payload_wire_len > 0) */
    uint64_t bytes[2];             /* bytes passed to data() */
    uint64_t retrans_segments[2];  /* segments with no new byte (all delivered or held) */
    uint64_t retrans_bytes[2];     /* bytes received again: discarded copies */
    uint64_t overlaps[2];          /* segments that overlapped held bytes */
    uint64_t overlaps_diff[2];     /* ... of which some overlapping byte differed */
    uint64_t ooo_segments[2];      /* segments (partly) held out of order */
    uint64_t gaps[2];              /* gap() calls */
    uint64_t gap_bytes[2];         /* bytes declared missing */
    uint64_t ack_gaps[2];          /* gaps declared because the peer acknowledged them */
    uint64_t cap_bytes[2];         /* segments that met RW_STREAM_OOO_MAX_BYTES */
    uint64_t cap_segments[2];      /* segments that met RW_STREAM_OOO_MAX_SEGMENTS */
    uint64_t cap_global[2];        /* segments that met the pool's max_bytes */
    uint64_t alloc_fail[2];        /* segments whose copy could not be allocated */
    uint64_t ahead_dropped[2];     /* segments beyond RW_STREAM_MAX_AHEAD_BYTES, dropped */
    uint64_t trunc_bytes[2];       /* bytes cut off by the snaplen */
    uint64_t after_end_bytes[2];   /* bytes at/after an accepted FIN/RST, or RST payload */
    uint64_t end_ignored[2];       /* FIN/RST not accepted (out of window, a second, +SYN) */
    uint64_t bad_dir[2];           /* packets with dir not 0/1 (counted in [0]) */
    uint64_t held_bytes[2];        /* bytes allocated for held pieces right now */
    uint64_t held_segments[2];     /* pieces held right now */
};

/* rw_stream_counters points at the stream's counters, valid until it is freed (s NULL:
 * at counters that are all zero). */
const struct rw_stream_counters *rw_stream_counters(const struct rw_stream *s);

#endif
