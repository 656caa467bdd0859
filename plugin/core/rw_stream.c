/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_stream.c — TCP stream reassembly: first-wins overlaps, bounded out-of-order storage, gaps. */
#include "rw_stream.h"

#include <string.h>

struct rw_stream_pool {
    uint64_t max_bytes;
    uint64_t held_bytes;
};

/* One held piece: bytes [off, off + len) of its direction, copied. Pieces of a direction
 * never overlap and are kept sorted by off; every piece starts after the next expected
 * byte (there is a hole in front of the first one). size is what data[] was allocated
 * with and what the held counts charge: len until an end cuts the piece and shrinking
 * its allocation fails. */
struct seg {
    struct seg *next;
    uint64_t off;
    uint32_t len;
    uint32_t size;
    uint8_t data[];
};

struct dir_state {
    uint8_t started;
    uint8_t end_set;
    uint32_t base_seq;  /* sequence number of offset 0 */
    uint64_t next_off;  /* next byte to deliver */
    uint64_t end_off;   /* FIN/RST end, when end_set */
    struct seg *head;   /* held pieces, sorted */
    uint32_t nsegs;
    uint64_t held;
};

struct rw_stream {
    struct rw_stream_pool *pool;
    uint8_t ended;
    struct dir_state d[2];
    struct rw_stream_counters c;
};

enum { WHY_NONE = 0, WHY_BYTES, WHY_SEGS, WHY_GLOBAL, WHY_ALLOC };

struct rw_stream_pool *rw_stream_pool_new(uint64_t max_bytes)
{
    struct rw_stream_pool *p = rw_calloc(1, sizeof(*p));

    if (p == NULL)
        return NULL;
    p->max_bytes = max_bytes == 0 ? RW_STREAM_GLOBAL_MAX_BYTES : max_bytes;
    return p;
}

void rw_stream_pool_free(struct rw_stream_pool **pp)
{
    if (pp == NULL || *pp == NULL)
        return;
    rw_free(*pp);
    *pp = NULL;
}

uint64_t rw_stream_pool_held_bytes(const struct rw_stream_pool *p)
{
    return p == NULL ? 0 : p->held_bytes;
}

struct rw_stream *rw_stream_new(struct rw_stream_pool *pool)
{
    struct rw_stream *s;

    if (pool == NULL)
        return NULL;
    s = rw_calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->pool = pool;
    return s;
}

int rw_stream_start_packet(struct rw_stream_start *st, const struct rw_packet *pkt)
{
    uint32_t cap = pkt->payload != NULL ? pkt->payload_len : 0;
    uint8_t dir = pkt->dir;

    if (dir > 1 || cap > 0 || pkt->payload_wire_len > 0 ||
        (pkt->tcp_flags & (RW_TCP_FIN | RW_TCP_RST)))
        return 0;
    /* What rw_stream_packet does with such a packet: a SYN starts its direction after
     * itself, a SYN/ACK also the other one from its acknowledgement; an ACK with nothing
     * held changes nothing. */
    if (pkt->tcp_flags & RW_TCP_SYN) {
        if (!(st->started & (1u << dir))) {
            st->started |= (uint8_t)(1u << dir);
            st->base_seq[dir] = pkt->tcp_seq + 1;
        }
        if ((pkt->tcp_flags & RW_TCP_ACK) && !(st->started & (1u << !dir))) {
            st->started |= (uint8_t)(1u << !dir);
            st->base_seq[!dir] = pkt->tcp_ack;
        }
    }
    return 1;
}

struct rw_stream *rw_stream_new_from(struct rw_stream_pool *pool,
                                     const struct rw_stream_start *st)
{
    struct rw_stream *s = rw_stream_new(pool);

    if (s == NULL || st == NULL)
        return s;
    for (uint8_t dir = 0; dir < 2; dir++) {
        if (st->started & (1u << dir)) {
            s->d[dir].started = 1;
            s->d[dir].base_seq = st->base_seq[dir];
        }
    }
    return s;
}

size_t rw_stream_bytes(const struct rw_stream *s)
{
    if (s == NULL)
        return 0;
    return sizeof(*s) + (size_t)(s->d[0].held + s->d[1].held) +
           (size_t)(s->d[0].nsegs + s->d[1].nsegs) * sizeof(struct seg);
}

/* Unlinks and frees the first held piece of direction dir, returning its bytes. */
static void seg_pop(struct rw_stream *s, uint8_t dir)
{
    struct dir_state *d = &s->d[dir];
    struct seg *h = d->head;

    d->head = h->next;
    d->nsegs--;
    d->held -= h->size;
    s->pool->held_bytes -= h->size;
    s->c.held_bytes[dir] = d->held;
    s->c.held_segments[dir] = d->nsegs;
    rw_free(h);
}

void rw_stream_free(struct rw_stream **sp)
{
    struct rw_stream *s;

    if (sp == NULL || *sp == NULL)
        return;
    s = *sp;
    for (uint8_t dir = 0; dir < 2; dir++)
        while (s->d[dir].head != NULL)
            seg_pop(s, dir);
    rw_free(s);
    *sp = NULL;
}

const struct rw_stream_counters *rw_stream_counters(const struct rw_stream *s)
{
    static const struct rw_stream_counters none;

    return s != NULL ? &s->c : &none;
}

static void emit_data(struct rw_stream *s, const struct rw_stream_sink *sink, uint8_t dir,
                      const uint8_t *p, uint64_t n)
{
    if (n == 0)
        return;
    s->c.bytes[dir] += n;
    s->d[dir].next_off += n;
    if (sink != NULL && sink->data != NULL)
        sink->data(sink->ctx, dir, p, (size_t)n);
}

static void emit_gap(struct rw_stream *s, const struct rw_stream_sink *sink, uint8_t dir,
                     uint64_t n, int by_ack)
{
    if (n == 0)
        return;
    s->c.gaps[dir]++;
    s->c.gap_bytes[dir] += n;
    if (by_ack)
        s->c.ack_gaps[dir]++;
    s->d[dir].next_off += n;
    if (sink != NULL && sink->gap != NULL)
        sink->gap(sink->ctx, dir, n);
}

/* Delivers held pieces that start at the next expected byte. */
static void drain(struct rw_stream *s, const struct rw_stream_sink *sink, uint8_t dir)
{
    struct dir_state *d = &s->d[dir];

    while (d->head != NULL && d->head->off == d->next_off) {
        emit_data(s, sink, dir, d->head->data, d->head->len);
        seg_pop(s, dir);
    }
}

/* Moves the next expected byte to at least target: holes become gaps, held pieces in the
 * way are delivered whole; then whatever became contiguous is delivered. */
static void advance_to(struct rw_stream *s, const struct rw_stream_sink *sink, uint8_t dir,
                       uint64_t target, int by_ack)
{
    struct dir_state *d = &s->d[dir];

    while (d->next_off < target) {
        struct seg *h = d->head;

        if (h != NULL && h->off == d->next_off) {
            emit_data(s, sink, dir, h->data, h->len);
            seg_pop(s, dir);
        } else {
            uint64_t to = (h != NULL && h->off < target) ? h->off : target;

            emit_gap(s, sink, dir, to - d->next_off, by_ack);
        }
    }
    drain(s, sink, dir);
}

/* Compares the bytes p[0..len) at offset off with the held pieces they overlap. Returns
 * the number of overlapping bytes; *differ is set when any of them differed. */
static uint64_t held_overlap(const struct dir_state *d, uint64_t off, const uint8_t *p,
                             uint64_t len, int *differ)
{
    uint64_t end = off + len, total = 0;

    for (const struct seg *h = d->head; h != NULL && h->off < end; h = h->next) {
        uint64_t hend = h->off + h->len, lo, hi;

        if (hend <= off)
            continue;
        lo = h->off > off ? h->off : off;
        hi = hend < end ? hend : end;
        total += hi - lo;
        if (memcmp(h->data + (lo - h->off), p + (lo - off), (size_t)(hi - lo)) != 0)
            *differ = 1;
    }
    return total;
}

/* Delivers a segment that starts exactly at the next expected byte. Held bytes it
 * overlaps win (first policy) and are delivered in its place. */
static void deliver_new(struct rw_stream *s, const struct rw_stream_sink *sink, uint8_t dir,
                        const uint8_t *p, uint64_t len)
{
    struct dir_state *d = &s->d[dir];
    uint64_t off = d->next_off, end = off + len;

    while (d->next_off < end) {
        struct seg *h = d->head;
        uint64_t pos = d->next_off;

        if (h == NULL || h->off >= end) {
            emit_data(s, sink, dir, p + (pos - off), end - pos);
            break;
        }
        if (h->off > pos) {
            emit_data(s, sink, dir, p + (pos - off), h->off - pos);
            continue;
        }
        /* h starts at pos: the held copy wins; the new copy's bytes are dropped. */
        emit_data(s, sink, dir, h->data, h->len);
        seg_pop(s, dir);
    }
    drain(s, sink, dir);
}

/* Counts the pieces of [off, off + len) that no held piece covers, and their bytes. */
static void uncovered(const struct dir_state *d, uint64_t off, uint64_t len, uint32_t *npieces,
                      uint64_t *nbytes)
{
    uint64_t pos = off, end = off + len;

    *npieces = 0;
    *nbytes = 0;
    for (const struct seg *h = d->head; h != NULL && pos < end; h = h->next) {
        uint64_t hend = h->off + h->len;

        if (hend <= pos)
            continue;
        if (h->off >= end)
            break;
        if (h->off > pos) {
            (*npieces)++;
            *nbytes += h->off - pos;
        }
        pos = hend;
    }
    if (pos < end) {
        (*npieces)++;
        *nbytes += end - pos;
    }
}

/* Copies the uncovered pieces of the segment into held storage. Returns 0, or WHY_ALLOC
 * when a copy could not be allocated (pieces copied before stay held). */
static int store_pieces(struct rw_stream *s, uint8_t dir, uint64_t off, const uint8_t *p,
                        uint64_t len)
{
    struct dir_state *d = &s->d[dir];
    struct seg **link = &d->head;
    uint64_t pos = off, end = off + len;

    while (pos < end) {
        struct seg *h = *link, *n;
        uint64_t to;

        if (h != NULL && h->off + h->len <= pos) {
            link = &h->next;
            continue;
        }
        if (h != NULL && h->off <= pos) {
            pos = h->off + h->len;
            link = &h->next;
            continue;
        }
        to = (h != NULL && h->off < end) ? h->off : end;
        n = rw_malloc(sizeof(*n) + (size_t)(to - pos));
        if (n == NULL)
            return WHY_ALLOC;
        n->off = pos;
        n->len = n->size = (uint32_t)(to - pos);
        memcpy(n->data, p + (pos - off), n->len);
        n->next = h;
        *link = n;
        link = &n->next;
        d->nsegs++;
        d->held += n->len;
        s->pool->held_bytes += n->len;
        s->c.held_bytes[dir] = d->held;
        s->c.held_segments[dir] = d->nsegs;
        pos = to;
    }
    return WHY_NONE;
}

static void count_why(struct rw_stream *s, uint8_t dir, int why)
{
    switch (why) {
    case WHY_BYTES:
        s->c.cap_bytes[dir]++;
        break;
    case WHY_SEGS:
        s->c.cap_segments[dir]++;
        break;
    case WHY_GLOBAL:
        s->c.cap_global[dir]++;
        break;
    case WHY_ALLOC:
        s->c.alloc_fail[dir]++;
        break;
    default:
        break;
    }
}

/* Handles bytes p[0..len) at stream offset off (which may lie before the stream start or
 * before the next expected byte), already cut at the direction's end. */
static void segment(struct rw_stream *s, const struct rw_stream_sink *sink, uint8_t dir,
                    int64_t off, const uint8_t *p, uint64_t len)
{
    struct dir_state *d = &s->d[dir];
    int counted = 0;

    for (;;) {
        uint64_t next = d->next_off, uoff, nbytes;
        uint32_t npieces;
        int why = WHY_NONE, differ = 0;

        if (off + (int64_t)len <= (int64_t)next) {
            if (!counted) {
                s->c.retrans_segments[dir]++;
                s->c.retrans_bytes[dir] += len;
            }
            return;
        }
        if (off < (int64_t)next) {
            uint64_t cut = (uint64_t)((int64_t)next - off);

            if (!counted)
                s->c.retrans_bytes[dir] += cut;
            p += cut;
            len -= cut;
            off = (int64_t)next;
        }
        uoff = (uint64_t)off;
        if (!counted && d->head != NULL) {
            uint64_t ov = held_overlap(d, uoff, p, len, &differ);

            if (ov > 0) {
                s->c.overlaps[dir]++;
                s->c.retrans_bytes[dir] += ov;
                if (differ)
                    s->c.overlaps_diff[dir]++;
            }
        }
        if (uoff == next) {
            deliver_new(s, sink, dir, p, len);
            return;
        }
        uncovered(d, uoff, len, &npieces, &nbytes);
        if (nbytes == 0) {
            if (!counted)
                s->c.retrans_segments[dir]++;
            return;
        }
        if (d->held + nbytes > RW_STREAM_OOO_MAX_BYTES)
            why = WHY_BYTES;
        else if (d->nsegs + npieces > RW_STREAM_OOO_MAX_SEGMENTS)
            why = WHY_SEGS;
        else if (s->pool->held_bytes + nbytes > s->pool->max_bytes)
            why = WHY_GLOBAL;
        else
            why = store_pieces(s, dir, uoff, p, len);
        if (why == WHY_NONE) {
            if (!counted)
                s->c.ooo_segments[dir]++;
            return;
        }
        if (!counted)
            count_why(s, dir, why);
        counted = 1;
        /* Do not grow: the hole in front of the lowest of the held pieces and this segment
         * becomes a gap, what is then contiguous is delivered, and the segment is tried
         * again (each round delivers at least one piece or the segment itself). */
        advance_to(s, sink, dir, (d->head != NULL && d->head->off < uoff) ? d->head->off : uoff,
                   0);
    }
}

/* Maps a sequence number of direction dir onto a signed distance from the next expected
 * byte (serial-number arithmetic). */
static int64_t seq_rel(const struct dir_state *d, uint32_t seq)
{
    uint32_t u = seq - (uint32_t)(d->base_seq + (uint32_t)d->next_off);

    return u < 0x80000000u ? (int64_t)u : (int64_t)u - 0x100000000LL;
}

static void dir_start(struct dir_state *d, uint32_t base)
{
    d->started = 1;
    d->base_seq = base;
    d->next_off = 0;
}

/* Cuts held piece *link, which crosses the end, at end_off: its tail is after_end_bytes
 * and its allocation shrinks to what is left, so the held counts, the pool and
 * rw_stream_bytes go down by exactly the memory given back. If shrinking fails, the
 * piece keeps its allocation and the counts keep charging it until it is delivered. */
static void cut_at_end(struct rw_stream *s, uint8_t dir, struct seg **link)
{
    struct dir_state *d = &s->d[dir];
    struct seg *h = *link, *n;
    uint32_t keep = (uint32_t)(d->end_off - h->off);

    s->c.after_end_bytes[dir] += h->len - keep;
    h->len = keep;
    n = rw_realloc(h, sizeof(*h) + keep);
    if (n == NULL)
        return;
    d->held -= n->size - keep;
    s->pool->held_bytes -= n->size - keep;
    n->size = keep;
    *link = n;
}

/* Sets the direction's end at (next expected byte + rel) if acceptable; discards held
 * bytes at or beyond it. */
static void set_end(struct rw_stream *s, uint8_t dir, int64_t rel)
{
    struct dir_state *d = &s->d[dir];
    struct seg **link;

    if (d->end_set || rel < 0 || (uint64_t)rel > RW_STREAM_MAX_AHEAD_BYTES) {
        s->c.end_ignored[dir]++;
        return;
    }
    d->end_set = 1;
    d->end_off = d->next_off + (uint64_t)rel;
    link = &d->head;
    while (*link != NULL) {
        struct seg *h = *link;

        if (h->off >= d->end_off) {
            *link = h->next;
            s->c.after_end_bytes[dir] += h->len;
            d->nsegs--;
            d->held -= h->size;
            s->pool->held_bytes -= h->size;
            rw_free(h);
            continue;
        }
        if (h->off + h->len > d->end_off)
            cut_at_end(s, dir, link);
        link = &(*link)->next;
    }
    s->c.held_bytes[dir] = d->held;
    s->c.held_segments[dir] = d->nsegs;
}

/* The payload of one packet of a started direction, data starting at sequence dseq. */
static void payload(struct rw_stream *s, const struct rw_packet *pkt,
                    const struct rw_stream_sink *sink, uint8_t dir, uint32_t dseq, uint64_t cap,
                    uint64_t wire)
{
    struct dir_state *d = &s->d[dir];
    int64_t rel = seq_rel(d, dseq), off = (int64_t)d->next_off + rel;
    uint64_t cut_at;

    if (rel > (int64_t)RW_STREAM_MAX_AHEAD_BYTES) {
        s->c.ahead_dropped[dir]++;
        return;
    }
    s->c.trunc_bytes[dir] += wire - cap;
    /* Cut at the direction's end. */
    if (d->end_set) {
        if (off >= (int64_t)d->end_off) {
            s->c.after_end_bytes[dir] += cap;
            return;
        }
        if (off + (int64_t)cap > (int64_t)d->end_off) {
            s->c.after_end_bytes[dir] += (uint64_t)(off + (int64_t)cap) - d->end_off;
            cap = d->end_off - (uint64_t)off;
        }
        if (off + (int64_t)wire > (int64_t)d->end_off)
            wire = d->end_off - (uint64_t)off;
    }
    if (cap > 0)
        segment(s, sink, dir, off, pkt->payload, cap);
    /* Snaplen cut: when the captured bytes reached the next expected byte, the rest of the
     * segment is known to be missing. */
    if (wire > cap && off + (int64_t)cap >= 0) {
        cut_at = (uint64_t)(off + (int64_t)cap);
        if (d->next_off >= cut_at && d->next_off < cut_at + (wire - cap))
            advance_to(s, sink, dir, cut_at + (wire - cap), 0);
    }
}

/* An acknowledgement by the peer of direction dir's bytes up to sequence ack. */
static void acked(struct rw_stream *s, const struct rw_stream_sink *sink, uint8_t dir,
                  uint32_t ack)
{
    struct dir_state *d = &s->d[dir];
    uint64_t target, held_end = 0;
    int64_t rel;

    if (!d->started || d->head == NULL)
        return;
    rel = seq_rel(d, ack);
    if (rel <= 0 || (uint64_t)rel > RW_STREAM_MAX_AHEAD_BYTES)
        return; /* nothing new, or not believable */
    for (const struct seg *h = d->head; h != NULL; h = h->next)
        held_end = h->off + h->len;
    target = d->next_off + (uint64_t)rel;
    if (target < d->head->off)
        return; /* the hole is not wholly acknowledged yet */
    if (target > held_end)
        target = held_end;
    advance_to(s, sink, dir, target, 1);
}

void rw_stream_packet(struct rw_stream *s, const struct rw_packet *pkt,
                      const struct rw_stream_sink *sink)
{
    uint8_t dir, flags;
    uint32_t dseq;
    uint64_t cap, wire;
    struct dir_state *d;

    if (s == NULL || pkt == NULL || s->ended)
        return;
    if (pkt->dir > 1) {
        s->c.bad_dir[0]++;
        return;
    }
    dir = pkt->dir;
    d = &s->d[dir];
    flags = pkt->tcp_flags;
    dseq = pkt->tcp_seq;
    cap = pkt->payload != NULL ? pkt->payload_len : 0;
    wire = pkt->payload_wire_len > cap ? pkt->payload_wire_len : cap;
    if (flags & RW_TCP_SYN) {
        dseq++;
        if (!d->started)
            dir_start(d, dseq);
        if ((flags & RW_TCP_ACK) && !s->d[!dir].started)
            dir_start(&s->d[!dir], pkt->tcp_ack);
    }
    if (wire > 0) {
        s->c.segments[dir]++;
        if (flags & RW_TCP_RST) {
            /* RFC 1122 4.2.2.12: an RST's data explains the reset; it is not stream data. */
            s->c.after_end_bytes[dir] += cap;
        } else {
            if (!d->started)
                dir_start(d, dseq);
            payload(s, pkt, sink, dir, dseq, cap, wire);
        }
    }
    if (d->started && (flags & (RW_TCP_FIN | RW_TCP_RST))) {
        if (flags & RW_TCP_SYN)
            s->c.end_ignored[dir]++; /* SYN+FIN, SYN+RST: invalid, never an end */
        else if (flags & RW_TCP_RST)
            set_end(s, dir, seq_rel(d, dseq));
        else
            set_end(s, dir, seq_rel(d, dseq) + (int64_t)wire);
    }
    if (flags & RW_TCP_ACK)
        acked(s, sink, (uint8_t)!dir, pkt->tcp_ack);
}

void rw_stream_end(struct rw_stream *s, const struct rw_stream_sink *sink)
{
    if (s == NULL || s->ended)
        return;
    s->ended = 1;
    for (uint8_t dir = 0; dir < 2; dir++) {
        struct dir_state *d = &s->d[dir];
        uint64_t target = d->next_off;

        for (const struct seg *h = d->head; h != NULL; h = h->next)
            target = h->off + h->len;
        if (d->end_set && d->end_off > target)
            target = d->end_off;
        advance_to(s, sink, dir, target, 0);
    }
}
