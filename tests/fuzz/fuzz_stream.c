/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_stream.c — libFuzzer target: TCP stream reassembly (rw_stream), free and model inputs. */
#include <sanitizer/allocator_interface.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rw.h"
#include "rw_alloc.h"
#include "rw_limits.h"
#include "rw_stream.h"

/*
 * Byte 0 selects the mode: bit 0 clear is free mode, set is model mode.
 *
 * Free mode: any packets. Byte 1 is the pool (0: rw_stream_pool_new(0), else byte * 512
 * bytes, so the pool's cap is reached), bytes 2..9 the initial sequence numbers of
 * RW_TOSERVER and RW_TOCLIENT (big-endian), then records:
 *
 *   | ctl (1) | flags (1) | seq (2|4) | ack (2|4) | len (1|2) | [wire (2)] | len bytes |
 *
 *   ctl & 7       0, 4..7 a packet; 1 a packet whose payload pointer is NULL (payload_len
 *                 is len, no bytes follow); 2 rw_stream_end (no more fields; later packets are still fed and
 *                 must change nothing); 3 a packet with dir 2 or 255 (bad_dir)
 *   ctl bit 7     direction (1: RW_TOCLIENT)
 *   ctl bit 6     seq is 4 bytes: isn[dir] + value; else 2 bytes: a signed step from the
 *                 direction's cursor (the sequence number after its previous packet: seq +
 *                 SYN + wire + FIN; the isn at first), so 0 continues in order
 *   ctl bit 5     ack likewise, from the other direction's isn or cursor
 *   ctl bit 4     len is 2 bytes (big-endian), else 1; cut to what is left of the input
 *   ctl bit 3     a wire field follows: w < 0x8000 is len + w, 0xffff is 2^32 - 1, else
 *                 w & 0x7fff (which may be less than len); without it the wire length is len
 *   flags         the TCP flags as they are (RW_TCP_*)
 *
 * A record cut short by the end of the input is ignored. Checks: the sink contract (dir,
 * n > 0, nothing after rw_stream_end, nothing from rw_stream_free); every delivered byte
 * is a byte some fed packet of that direction carried at that sequence number (the base
 * of each direction computed by the header's start rules); a direction delivers at most
 * the captured bytes fed to it; the counters agree with the calls made and the packets
 * fed; after every packet the held bytes and pieces are within RW_STREAM_OOO_MAX_* per
 * direction and the pool's max_bytes over all, the pool's held bytes are the stream's,
 * and rw_stream_bytes is the memory the stream holds (AddressSanitizer's count of live
 * allocated bytes must move by exactly what rw_stream_bytes says).
 *
 * Model mode: the harness makes the packets from a plan. Bytes 1..19 (zero when missing):
 *
 *   1 pool (as above)           2..5, 6..9 isn of each direction
 *   10 opts: bits 0-1 start: 0 handshake, 1 SYN/ACK only, 2 none (mid-stream), 3 SYN only;
 *      bit 2 (3) RW_TOSERVER (RW_TOCLIENT) ends with RST, else FIN; bit 4 (5) no end at all;
 *      bit 6 pure ACKs; bit 7 the end packets may come before the last data
 *   11..12, 13..14 hidden stream lengths (big-endian), shifted left by byte 15's bits 0-1
 *      (RW_TOSERVER) and 2-3 (RW_TOCLIENT): up to 512 KiB each
 *   16 reordering window (a packet moves up to this many places later)
 *   17 rates in 32nds: duplicate (high nibble), overlapping retransmission (low)
 *   18 rates: dropped and retransmitted later (high), lost for good (low)
 *   19 rates: snaplen-cut (high), pure ACK (low)
 *   20.. segment sizes (b < 0xc0: b + 1; < 0xf0: (b - 0xbf) * 256; else (b - 0xef) * 4096),
 *      RW_TOSERVER's first; pseudo-random sizes of 1..1460 once the input is used up
 *
 * The hidden bytes are pseudo-random from the input's hash. Retransmissions and
 * duplicates carry the same bytes. A segment is lost for good (never fed; its peer got it)
 * or snaplen-cut only where no later packet carries its (cut-off) bytes. ACKs carry what
 * the peer really got (cumulative). Each direction must deliver exactly its hidden bytes
 * from its base on, with gaps exactly where bytes were lost for good, up to the FIN/RST
 * (without one: up to the last bytes seen, then gaps only); where a cap was met or an
 * allocation failed (the header allows gaps for held holes then) the delivered bytes must
 * still be the hidden ones at their offsets. overlaps_diff, ahead_dropped, end_ignored and
 * after_end_bytes stay 0, trunc_bytes is what was cut off.
 *
 * Every input runs twice: with rw_stream_new, and lazily (rw_stream_start_packet until it
 * refuses a packet, then rw_stream_new_from): the calls and the counters must be the same
 * (rw_stream.h). One input in eight runs again with a NULL sink or NULL callbacks (same
 * counters), one in eight is freed with bytes held instead of ended (no sink call from
 * rw_stream_free, the pool back to 0, the calls a prefix of the first run's), one in
 * sixteen runs with the Nth allocation failing (all checks but the lazy comparison).
 */

#define FZS_MAX_PKTS 8192           /* packets per input (model: the plan's size) */
#define FZS_MAX_ORIG 1536           /* original segments per direction (model) */
#define FZS_MAX_L (1u << 19)        /* hidden bytes per direction (model) */
#define FZS_LOG_ENTS (1u << 17)     /* merged sink calls logged per run */
#define FZS_LOG_BYTES (2u << 20)    /* data bytes logged per run */

/* The harness's own per-byte loops carry no coverage: it would only slow them down and
 * reward inputs for the harness's branches rather than rw_stream's. */
#define FZS_NOCOV __attribute__((no_sanitize("coverage"), noinline))

enum { FZS_PKT = 0, FZS_END };

struct fzs_pkt {
    uint8_t op;
    uint8_t carries;    /* fed before any end, dir 0/1, not RST, captured bytes */
    uint32_t dseq;      /* sequence number of the first payload byte */
    struct rw_packet p; /* payload points into the input or the hidden stream */
};

/* What the documented start rules say about the packet list (fzs_track). */
struct fzs_truth {
    uint8_t started[2];
    uint32_t base[2];      /* sequence number of offset 0 */
    uint8_t end_eff[2];    /* a FIN or RST (without SYN) fed while the direction was started */
    uint64_t segs[2];      /* packets with payload_wire_len > 0 fed before any end */
    uint64_t cap[2];       /* captured stream bytes fed (not RST) */
    uint64_t trunc[2];     /* wire - cap of those */
    uint64_t ends[2];      /* FIN/RST packets fed */
    uint64_t bad;          /* packets with a bad dir */
};

struct fzs_ent {
    uint8_t dir, gap;
    uint64_t pos, len;
    size_t at;          /* data: where its bytes start in the byte log */
};

struct fzs_run {
    int ended;          /* rw_stream_end returned: no more sink calls */
    int freeing;
    uint64_t pos[2], data[2], ngaps[2], gap_bytes[2];
    struct fzs_ent *ent;
    size_t nent;
    uint8_t *bytes;
    size_t nbytes;
    struct rw_stream_counters c;
};

/* The model's plan: data segments, copies and control packets, sorted by key. */
enum { TX_DATA, TX_SYN, TX_SYNACK, TX_ACK, TX_FIN, TX_RST };
enum { FATE_FED, FATE_NETDROP, FATE_LOST };

struct fzs_tx {
    uint64_t key;
    uint32_t idx, off, len, cap;
    uint8_t dir, kind, fate;
};

struct fzs_model {
    uint32_t isn[2], len[2];
    uint8_t opts;
    uint32_t window;
    uint32_t p_dup, p_ovl, p_drop, p_lost, p_trunc, p_ack;  /* out of 32 */
    uint64_t rng;
    uint64_t rcv_end[2];   /* end of the last captured byte fed */
    uint64_t wire_end[2];  /* end of the last byte fed on the wire */
};

static struct fzs_pkt fzs_pkts[FZS_MAX_PKTS];
static size_t fzs_npkts;
static struct fzs_tx fzs_tx[FZS_MAX_PKTS];
static size_t fzs_ntx;
static uint8_t fzs_hidden[2][FZS_MAX_L];
static uint8_t fzs_rcv[2][FZS_MAX_L];  /* bit 0 captured and fed, bit 1 the peer got it */
static uint32_t fzs_last[2][FZS_MAX_L]; /* the last plan position carrying each byte */
static uint8_t fzs_ok[FZS_LOG_BYTES];
static const uint8_t fzs_empty[1];

static void fzs_fail(const char *what)
{
    fprintf(stderr, "fuzz_stream: %s\n", what);
    abort();
}

static void fzs_check(int cond, const char *what)
{
    if (!cond)
        fzs_fail(what);
}

/* ---- the sink ------------------------------------------------------------------------ */

FZS_NOCOV static void fzs_log(struct fzs_run *r, uint8_t dir, uint8_t gap, const uint8_t *p, uint64_t n)
{
    struct fzs_ent *e = r->nent > 0 ? &r->ent[r->nent - 1] : NULL;

    if (e == NULL || e->dir != dir || e->gap != gap || e->pos + e->len != r->pos[dir]) {
        fzs_check(r->nent < FZS_LOG_ENTS, "harness: call log full");
        e = &r->ent[r->nent++];
        e->dir = dir;
        e->gap = gap;
        e->pos = r->pos[dir];
        e->len = 0;
        e->at = r->nbytes;
    }
    if (!gap) {
        fzs_check(n <= FZS_LOG_BYTES - r->nbytes, "harness: byte log full");
        memcpy(r->bytes + r->nbytes, p, (size_t)n);
        r->nbytes += (size_t)n;
    }
    e->len += n;
    r->pos[dir] += n;
}

static void fzs_data(void *ctx, uint8_t dir, const uint8_t *p, size_t n)
{
    struct fzs_run *r = ctx;

    fzs_check(!r->freeing, "a sink call from rw_stream_free");
    fzs_check(!r->ended, "data() after rw_stream_end");
    fzs_check(dir < 2, "data() with a bad dir");
    fzs_check(n > 0, "data() with n 0");
    fzs_check(p != NULL, "data() with a NULL pointer");
    fzs_log(r, dir, 0, p, n);
    r->data[dir] += n;
}

static void fzs_gap(void *ctx, uint8_t dir, uint64_t n)
{
    struct fzs_run *r = ctx;

    fzs_check(!r->freeing, "a sink call from rw_stream_free");
    fzs_check(!r->ended, "gap() after rw_stream_end");
    fzs_check(dir < 2, "gap() with a bad dir");
    fzs_check(n > 0, "gap() with n 0");
    fzs_log(r, dir, 1, NULL, n);
    r->ngaps[dir]++;
    r->gap_bytes[dir] += n;
}

/* ---- what the header's rules say about the packets ----------------------------------- */

static void fzs_start(struct fzs_truth *t, uint8_t dir, uint32_t base)
{
    if (!t->started[dir]) {
        t->started[dir] = 1;
        t->base[dir] = base;
    }
}

/* Walks the packet list as rw_stream.h describes a stream's start and end: marks each
 * packet's payload sequence and whether its bytes are stream data, and sums what was fed. */
static void fzs_track(struct fzs_truth *t)
{
    int ended = 0;

    memset(t, 0, sizeof(*t));
    for (size_t i = 0; i < fzs_npkts; i++) {
        struct fzs_pkt *k = &fzs_pkts[i];
        const struct rw_packet *p = &k->p;
        uint32_t cap = p->payload != NULL ? p->payload_len : 0;
        uint32_t wire = p->payload_wire_len > cap ? p->payload_wire_len : cap;
        uint8_t fl = p->tcp_flags, dir = p->dir;

        k->carries = 0;
        k->dseq = p->tcp_seq + ((fl & RW_TCP_SYN) != 0);
        if (k->op == FZS_END)
            ended = 1;
        if (k->op == FZS_END || ended)
            continue;
        if (dir > 1) {
            t->bad++;
            continue;
        }
        if (fl & RW_TCP_SYN) {
            fzs_start(t, dir, k->dseq);
            if (fl & RW_TCP_ACK)
                fzs_start(t, (uint8_t)!dir, p->tcp_ack);
        }
        if (wire > 0) {
            t->segs[dir]++;
            if (!(fl & RW_TCP_RST)) {
                fzs_start(t, dir, k->dseq);
                t->cap[dir] += cap;
                t->trunc[dir] += wire - cap;
                k->carries = cap > 0;
            }
        }
        if (t->started[dir] && (fl & (RW_TCP_FIN | RW_TCP_RST))) {
            t->ends[dir]++;
            if (!(fl & RW_TCP_SYN))
                t->end_eff[dir] = 1;
        }
    }
}

/* ---- running the stream --------------------------------------------------------------- */

static size_t fzs_allocated(void)
{
    return __sanitizer_get_current_allocated_bytes();
}

/* After every call: the bounds of rw_stream.h and rw_stream_bytes against the memory the
 * stream really holds (live bytes allocated since just before it was made). */
static void fzs_bounds(const struct rw_stream *s, const struct rw_stream_pool *pool,
                       uint64_t pool_max, size_t before, size_t empty)
{
    const struct rw_stream_counters *c = rw_stream_counters(s);
    uint64_t held = c->held_bytes[0] + c->held_bytes[1];
    uint64_t segs = c->held_segments[0] + c->held_segments[1];
    size_t bytes = rw_stream_bytes(s), hdr;

    for (int d = 0; d < 2; d++) {
        fzs_check(c->held_bytes[d] <= RW_STREAM_OOO_MAX_BYTES, "held bytes above the cap");
        fzs_check(c->held_segments[d] <= RW_STREAM_OOO_MAX_SEGMENTS, "held pieces above the cap");
        fzs_check((c->held_bytes[d] == 0) == (c->held_segments[d] == 0),
                  "held bytes without pieces or pieces without bytes");
    }
    fzs_check(rw_stream_pool_held_bytes(pool) == held, "pool held bytes are not the stream's");
    fzs_check(held <= pool_max, "held bytes above the pool's max_bytes");
    fzs_check(bytes >= empty + held, "rw_stream_bytes below the held bytes");
    hdr = bytes - empty - (size_t)held;
    fzs_check(hdr >= segs * (sizeof(void *) + 16) && hdr <= segs * (sizeof(void *) + 31),
              "rw_stream_bytes: piece headers not sizeof(void *) + 16 rounded");
    fzs_check(fzs_allocated() - before == bytes,
              "rw_stream_bytes is not the memory the stream holds");
}

/* Hands one packet to the stream, its payload copied into an allocation of exactly its
 * captured size (a read past it is a heap-buffer-overflow). */
static void fzs_packet(struct rw_stream *s, const struct fzs_pkt *k,
                       const struct rw_stream_sink *sink)
{
    struct rw_packet p = k->p;
    uint8_t *copy = NULL;

    if (p.payload != NULL && p.payload_len > 0) {
        copy = malloc(p.payload_len);
        fzs_check(copy != NULL, "harness: out of memory");
        memcpy(copy, p.payload, p.payload_len);
        p.payload = copy;
    }
    rw_stream_packet(s, &p, sink);
    free(copy);
}

struct fzs_cfg {
    uint64_t pool;      /* rw_stream_pool_new's argument */
    int lazy;
    int null_sink;      /* 1: sink NULL; 2: both callbacks NULL; 3: data() NULL */
    int no_end;         /* free the stream without the final rw_stream_end */
};

/* Feeds every packet; returns -1 when the pool or the stream could not be made. */
static int fzs_feed(struct fzs_run *r, const struct fzs_cfg *cfg)
{
    struct rw_stream_sink sink = {r, fzs_data, fzs_gap};
    const struct rw_stream_sink *sk = cfg->null_sink == 1 ? NULL : &sink;
    struct rw_stream_pool *pool = rw_stream_pool_new(cfg->pool);
    uint64_t pool_max = cfg->pool != 0 ? cfg->pool : RW_STREAM_GLOBAL_MAX_BYTES;
    struct rw_stream_start st;
    struct rw_stream *s = NULL;
    size_t before = 0, empty = 0;
    int rc = -1;

    memset(&st, 0, sizeof(st));
    if (cfg->null_sink >= 2)
        sink.data = NULL;
    if (cfg->null_sink == 2)
        sink.gap = NULL;
    if (pool == NULL)
        return -1;
    for (size_t i = 0; i < fzs_npkts || (i == fzs_npkts && s == NULL && !cfg->lazy); i++) {
        const struct fzs_pkt *k = i < fzs_npkts ? &fzs_pkts[i] : NULL;

        if (s == NULL) {
            if (r->ended)
                continue; /* a flow that never got a stream delivers nothing */
            if (cfg->lazy && k->op == FZS_END) {
                r->ended = 1;
                continue;
            }
            if (cfg->lazy && rw_stream_start_packet(&st, &k->p))
                continue;
            before = fzs_allocated();
            s = cfg->lazy ? rw_stream_new_from(pool, &st) : rw_stream_new(pool);
            if (s == NULL)
                goto out;
            empty = rw_stream_bytes(s);
            fzs_check(fzs_allocated() - before == empty,
                      "a new stream's rw_stream_bytes is not its allocation");
        }
        if (k == NULL)
            break;
        if (k->op == FZS_END) {
            rw_stream_end(s, sk);
            r->ended = 1;
        } else {
            fzs_packet(s, k, sk);
        }
        fzs_bounds(s, pool, pool_max, before, empty);
    }
    if (s != NULL && cfg->no_end)
        r->c = *rw_stream_counters(s);
    if (s != NULL && !cfg->no_end) {
        rw_stream_end(s, sk);
        r->ended = 1;
        fzs_bounds(s, pool, pool_max, before, empty);
        fzs_check(rw_stream_bytes(s) == empty, "rw_stream_end left held bytes");
        r->c = *rw_stream_counters(s);
        rw_stream_end(s, sk);
        for (size_t i = 0; i < fzs_npkts && i < 8; i++)
            fzs_packet(s, &fzs_pkts[i], sk);
        fzs_check(memcmp(&r->c, rw_stream_counters(s), sizeof(r->c)) == 0,
                  "a packet after rw_stream_end changed the counters");
    }
    r->ended = 1;
    rc = 0;
out:
    r->freeing = 1;
    rw_stream_free(&s);
    fzs_check(s == NULL, "rw_stream_free left the pointer");
    r->freeing = 0;
    fzs_check(rw_stream_pool_held_bytes(pool) == 0, "pool holds bytes after rw_stream_free");
    rw_stream_pool_free(&pool);
    fzs_check(pool == NULL, "rw_stream_pool_free left the pointer");
    return rc;
}

/* The counters against the calls made and the packets fed (both modes). */
static void fzs_counters(const struct fzs_run *r, const struct fzs_truth *t, int sink)
{
    const struct rw_stream_counters *c = &r->c;

    fzs_check(c->bad_dir[0] == t->bad && c->bad_dir[1] == 0, "bad_dir is not the bad packets");
    for (int d = 0; d < 2; d++) {
        if (sink) {
            fzs_check(c->bytes[d] == r->data[d], "bytes is not what data() got");
            fzs_check(c->gaps[d] == r->ngaps[d], "gaps is not the gap() calls");
            fzs_check(c->gap_bytes[d] == r->gap_bytes[d], "gap_bytes is not what gap() got");
        }
        fzs_check(c->bytes[d] <= t->cap[d], "more bytes delivered than fed");
        fzs_check(c->segments[d] == t->segs[d], "segments is not the packets with payload");
        fzs_check(c->trunc_bytes[d] <= t->trunc[d], "trunc_bytes above the bytes cut off");
        fzs_check(c->ack_gaps[d] <= c->gaps[d], "more ack_gaps than gaps");
        fzs_check(c->overlaps_diff[d] <= c->overlaps[d], "more overlaps_diff than overlaps");
        fzs_check(c->retrans_segments[d] + c->ooo_segments[d] <= c->segments[d] &&
                      c->overlaps[d] <= c->segments[d] && c->ahead_dropped[d] <= c->segments[d],
                  "segment counters above segments");
        fzs_check(c->cap_bytes[d] + c->cap_segments[d] + c->cap_global[d] + c->alloc_fail[d] <=
                      c->segments[d],
                  "cap counters above segments");
        fzs_check(c->end_ignored[d] <= t->ends[d], "end_ignored above the FIN/RST packets");
        fzs_check(c->held_bytes[d] == 0 && c->held_segments[d] == 0,
                  "bytes held after rw_stream_end");
    }
}

/* Free mode: every delivered byte is one that a fed packet of its direction carried at
 * that sequence number (offset 0 being the direction's base). */
FZS_NOCOV static void fzs_verify_free(const struct fzs_run *r, const struct fzs_truth *t)
{
    for (size_t e = 0; e < r->nent; e++) {
        const struct fzs_ent *en = &r->ent[e];
        const uint8_t *got = r->bytes + en->at;
        uint32_t x = (uint32_t)(t->base[en->dir] + en->pos);
        size_t n = (size_t)en->len;

        if (en->gap)
            continue;
        fzs_check(t->started[en->dir], "data delivered in a direction that never started");
        memset(fzs_ok, 0, n);
        for (size_t i = 0; i < fzs_npkts; i++) {
            const struct fzs_pkt *k = &fzs_pkts[i];
            uint32_t cap = k->p.payload_len, st = k->dseq - x;
            uint64_t lo, hi, skip;

            if (!k->carries || k->p.dir != en->dir)
                continue;
            if (st < n) { /* the packet starts inside the entry */
                lo = st;
                skip = 0;
            } else if ((uint32_t)(x - k->dseq) < cap) { /* ... or covers its start */
                lo = 0;
                skip = (uint32_t)(x - k->dseq);
            } else {
                continue;
            }
            hi = lo + (cap - skip);
            if (hi > n)
                hi = n;
            for (uint64_t j = lo; j < hi; j++)
                if (k->p.payload[skip + j - lo] == got[j])
                    fzs_ok[j] = 1;
        }
        for (size_t j = 0; j < n; j++)
            fzs_check(fzs_ok[j], "a delivered byte no packet carried at its sequence number");
    }
}

/* ---- free mode ------------------------------------------------------------------------- */

struct fzs_rd {
    const uint8_t *p;
    size_t n, off;
};

static int fzs_rd(struct fzs_rd *rd, size_t len, uint32_t *v)
{
    *v = 0;
    if (rd->off > rd->n || len > rd->n - rd->off)
        return -1;
    for (size_t i = 0; i < len; i++)
        *v = *v << 8 | rd->p[rd->off++];
    return 0;
}

/* The harness's value of a byte past the end of the input: 0. */
static uint32_t fzs_rd0(struct fzs_rd *rd, size_t len)
{
    uint32_t v;

    if (fzs_rd(rd, len, &v) != 0) {
        rd->off = rd->n;
        return 0;
    }
    return v;
}

static uint64_t fzs_pool_of(uint8_t b)
{
    return (uint64_t)b * 512;
}

static int fzs_free_record(struct fzs_rd *rd, uint32_t isn[2], uint32_t cur[2], uint64_t ts)
{
    struct fzs_pkt *k = &fzs_pkts[fzs_npkts];
    uint32_t ctl, fl, seq, ack, len, w = 0, wire;
    uint8_t op, dir;

    if (fzs_rd(rd, 1, &ctl) != 0)
        return -1;
    op = ctl & 7;
    dir = (uint8_t)(ctl >> 7);
    memset(k, 0, sizeof(*k));
    if (op == 2) {
        k->op = FZS_END;
        fzs_npkts++;
        return 0;
    }
    if (fzs_rd(rd, 1, &fl) != 0 || fzs_rd(rd, ctl & 0x40 ? 4 : 2, &seq) != 0 ||
        fzs_rd(rd, ctl & 0x20 ? 4 : 2, &ack) != 0 || fzs_rd(rd, ctl & 0x10 ? 2 : 1, &len) != 0 ||
        ((ctl & 0x08) && fzs_rd(rd, 2, &w) != 0))
        return -1;
    seq = ctl & 0x40 ? isn[dir] + seq : cur[dir] + (uint32_t)(int32_t)(int16_t)seq;
    ack = ctl & 0x20 ? isn[!dir] + ack : cur[!dir] + (uint32_t)(int32_t)(int16_t)ack;
    if (op != 1 && len > rd->n - rd->off)
        len = (uint32_t)(rd->n - rd->off);
    wire = len;
    if (ctl & 0x08)
        wire = w == 0xffff ? UINT32_MAX : w < 0x8000 ? len + w : (w & 0x7fff);
    k->p.payload = op == 1 ? NULL : len > 0 ? rd->p + rd->off : fzs_empty;
    k->p.payload_len = len;
    k->p.payload_wire_len = wire;
    k->p.tcp_seq = seq;
    k->p.tcp_ack = ack;
    k->p.tcp_flags = (uint8_t)fl;
    k->p.dir = op == 3 ? (dir ? 255 : 2) : dir;
    k->p.ts_us = ts;
    if (op != 1)
        rd->off += len;
    if (op != 3)
        cur[dir] = seq + ((fl & RW_TCP_SYN) != 0) + (wire > len ? wire : len) +
                   ((fl & RW_TCP_FIN) != 0);
    fzs_npkts++;
    return 0;
}

static uint64_t fzs_parse_free(const uint8_t *data, size_t size)
{
    struct fzs_rd rd = {data, size, 1};
    uint32_t isn[2], cur[2];
    uint64_t pool = fzs_pool_of((uint8_t)fzs_rd0(&rd, 1));

    isn[0] = cur[0] = fzs_rd0(&rd, 4);
    isn[1] = cur[1] = fzs_rd0(&rd, 4);
    fzs_npkts = 0;
    while (fzs_npkts < FZS_MAX_PKTS &&
           fzs_free_record(&rd, isn, cur, 1600000000000000ULL + fzs_npkts * 1000) == 0)
        ;
    return pool;
}

/* ---- model mode ------------------------------------------------------------------------ */

static uint64_t fzs_rand(struct fzs_model *m)
{
    uint64_t z = (m->rng += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint32_t fzs_below(struct fzs_model *m, uint32_t n)
{
    return n == 0 ? 0 : (uint32_t)(fzs_rand(m) % n);
}

static int fzs_chance(struct fzs_model *m, uint32_t rate)
{
    return fzs_below(m, 32) < rate;
}

static struct fzs_tx *fzs_tx_add(uint8_t kind, uint8_t dir, uint32_t off, uint32_t len,
                                 uint64_t key)
{
    struct fzs_tx *t;

    /* Room is kept for the handshake and the end packets, added last. */
    if (fzs_ntx >= FZS_MAX_PKTS - (kind == TX_DATA ? 8 : 0))
        return NULL;
    t = &fzs_tx[fzs_ntx];
    memset(t, 0, sizeof(*t));
    t->idx = (uint32_t)fzs_ntx++;
    t->kind = kind;
    t->dir = dir;
    t->off = off;
    t->len = t->cap = len;
    t->key = key;
    return t;
}

/* Cuts each hidden stream into segments (sizes from the input, then pseudo-random), and
 * interleaves the two directions at random: keys 1, 2, ... (times 2^16). */
static void fzs_cut(struct fzs_model *m, struct fzs_rd *rd)
{
    size_t first[2], n[2], next[2];
    uint64_t pos = 1;

    for (uint8_t d = 0; d < 2; d++) {
        uint32_t off = 0;

        first[d] = fzs_ntx;
        while (off < m->len[d]) {
            uint32_t b, len;

            if (fzs_rd(rd, 1, &b) == 0)
                len = b < 0xc0 ? b + 1 : b < 0xf0 ? (b - 0xbf) * 256 : (b - 0xef) * 4096;
            else
                len = 1 + fzs_below(m, 1460);
            if (len > m->len[d] - off || fzs_ntx - first[d] == FZS_MAX_ORIG - 1)
                len = m->len[d] - off;
            fzs_tx_add(TX_DATA, d, off, len, 0);
            off += len;
        }
        n[d] = fzs_ntx - first[d];
        next[d] = 0;
    }
    while (next[0] < n[0] || next[1] < n[1]) {
        uint8_t d = next[0] == n[0] ? 1 : next[1] == n[1] ? 0 : (uint8_t)(fzs_rand(m) & 1);

        fzs_tx[first[d] + next[d]++].key = pos++ << 16;
    }
}

/* Reordering, drops with their retransmissions, duplicates, overlapping retransmissions
 * (all with the same bytes), pure ACKs and the end packets, as keys. */
static void fzs_extras(struct fzs_model *m)
{
    size_t norig = fzs_ntx;
    uint64_t last[2] = {0, 0};
    uint32_t span = 2 * m->window + 8;

    for (size_t i = 0; i < norig; i++)
        fzs_tx[i].key += (uint64_t)fzs_below(m, m->window + 1) << 16;
    for (size_t i = 0; i < norig; i++) {
        struct fzs_tx t = fzs_tx[i], *c;

        if (fzs_chance(m, m->p_drop) &&
            fzs_tx_add(TX_DATA, t.dir, t.off, t.len,
                       t.key + ((uint64_t)(1 + fzs_below(m, span)) << 16)) != NULL)
            fzs_tx[i].fate = FATE_NETDROP;
        if (fzs_chance(m, m->p_dup))
            fzs_tx_add(TX_DATA, t.dir, t.off, t.len,
                       t.key + ((uint64_t)(1 + fzs_below(m, span)) << 16));
        if (fzs_chance(m, m->p_ovl)) {
            uint32_t a = fzs_below(m, (t.off < 2 * t.len ? t.off : 2 * t.len) + 1);
            uint32_t room = m->len[t.dir] - t.off - t.len;
            uint32_t b = fzs_below(m, (room < 2 * t.len ? room : 2 * t.len) + 1);

            fzs_tx_add(TX_DATA, t.dir, t.off - a, t.len + a + b,
                       t.key + ((uint64_t)(1 + fzs_below(m, span)) << 16));
        }
        if ((m->opts & 0x40) && fzs_chance(m, m->p_ack) &&
            fzs_ntx < FZS_MAX_PKTS - 8 &&
            (c = fzs_tx_add(TX_ACK, (uint8_t)!t.dir, 0, 0, t.key + 1)) != NULL)
            c->len = c->cap = 0;
    }
    for (size_t i = 0; i < fzs_ntx; i++)
        if (fzs_tx[i].kind == TX_DATA && fzs_tx[i].key > last[fzs_tx[i].dir])
            last[fzs_tx[i].dir] = fzs_tx[i].key;
    for (uint8_t d = 0; d < 2; d++) {
        uint64_t key = last[d] + 2, back = (uint64_t)fzs_below(m, m->window + 1) << 16;

        if (m->opts & (0x10 << d))
            continue;
        if ((m->opts & 0x80) && back < key)
            key -= back;
        if (key < 16)
            key = 16;
        fzs_tx_add((m->opts & (0x04 << d)) ? TX_RST : TX_FIN, d, m->len[d], 0, key);
    }
    switch (m->opts & 3) {
    case 0:
        fzs_tx_add(TX_SYN, 0, 0, 0, 1);
        fzs_tx_add(TX_SYNACK, 1, 0, 0, 2);
        fzs_tx_add(TX_ACK, 0, 0, 0, 3);
        break;
    case 1:
        fzs_tx_add(TX_SYNACK, 1, 0, 0, 2);
        break;
    case 3:
        fzs_tx_add(TX_SYN, 0, 0, 0, 1);
        break;
    default:
        break;
    }
}

static int fzs_tx_cmp(const void *a, const void *b)
{
    const struct fzs_tx *x = a, *y = b;

    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Loses for good, or snaplen-cuts, segments whose (cut-off) bytes no later packet of the
 * plan carries: only then are those bytes missing for good, and the expected result does
 * not depend on when the stream learns it. */
FZS_NOCOV static void fzs_fates(struct fzs_model *m)
{
    for (size_t i = 0; i < fzs_ntx; i++) {
        const struct fzs_tx *t = &fzs_tx[i];

        if (t->kind == TX_DATA)
            for (uint32_t b = t->off; b < t->off + t->len; b++)
                fzs_last[t->dir][b] = (uint32_t)i;
    }
    for (size_t i = 0; i < fzs_ntx; i++) {
        struct fzs_tx *t = &fzs_tx[i];
        uint32_t from;
        int last = 1;

        if (t->kind != TX_DATA || t->fate != FATE_FED)
            continue;
        if (fzs_chance(m, m->p_lost))
            from = t->off;
        else if (fzs_chance(m, m->p_trunc))
            from = t->off + fzs_below(m, t->len);
        else
            continue;
        for (uint32_t b = from; b < t->off + t->len && last; b++)
            last = fzs_last[t->dir][b] == i;
        if (!last)
            continue;
        if (from == t->off && fzs_below(m, 2) == 0)
            t->fate = FATE_LOST;
        else
            t->cap = from - t->off;
    }
}

/* The packets of the plan, in order, with the cumulative ACKs of what each peer got. */
FZS_NOCOV static void fzs_packets(struct fzs_model *m)
{
    uint64_t cum[2] = {0, 0};

    fzs_npkts = 0;
    memset(m->rcv_end, 0, sizeof(m->rcv_end));
    memset(m->wire_end, 0, sizeof(m->wire_end));
    for (size_t i = 0; i < fzs_ntx; i++) {
        const struct fzs_tx *t = &fzs_tx[i];
        struct fzs_pkt *k = &fzs_pkts[fzs_npkts];
        uint8_t d = t->dir;
        uint32_t ack = m->isn[!d] + 1 + (uint32_t)cum[!d];

        memset(k, 0, sizeof(*k));
        k->p.dir = d;
        k->p.ts_us = 1600000000000000ULL + i * 1000;
        k->p.tcp_seq = m->isn[d] + 1 + t->off;
        k->p.tcp_ack = ack;
        k->p.tcp_flags = RW_TCP_ACK;
        switch (t->kind) {
        case TX_SYN:
            k->p.tcp_seq = m->isn[0];
            k->p.tcp_ack = 0;
            k->p.tcp_flags = RW_TCP_SYN;
            break;
        case TX_SYNACK:
            k->p.tcp_seq = m->isn[1];
            k->p.tcp_ack = m->isn[0] + 1;
            k->p.tcp_flags = RW_TCP_SYN | RW_TCP_ACK;
            break;
        case TX_FIN:
            k->p.tcp_flags |= RW_TCP_FIN;
            break;
        case TX_RST:
            k->p.tcp_flags |= RW_TCP_RST;
            break;
        case TX_DATA:
            if (t->fate != FATE_NETDROP) {
                for (uint32_t b = t->off; b < t->off + t->len; b++)
                    fzs_rcv[d][b] |= 2;
                while (cum[d] < m->len[d] && (fzs_rcv[d][cum[d]] & 2))
                    cum[d]++;
            }
            if (t->fate != FATE_FED)
                continue;
            for (uint32_t b = t->off; b < t->off + t->cap; b++)
                fzs_rcv[d][b] |= 1;
            if (t->cap > 0 && t->off + t->cap > m->rcv_end[d])
                m->rcv_end[d] = t->off + t->cap;
            if (t->off + t->len > m->wire_end[d])
                m->wire_end[d] = t->off + t->len;
            k->p.tcp_flags |= RW_TCP_PSH;
            k->p.payload = t->cap > 0 ? fzs_hidden[d] + t->off : fzs_empty;
            k->p.payload_len = t->cap;
            k->p.payload_wire_len = t->len;
            break;
        default:
            break;
        }
        fzs_npkts++;
    }
}

FZS_NOCOV static uint64_t fzs_parse_model(struct fzs_model *m, const uint8_t *data, size_t size,
                                uint64_t hash)
{
    struct fzs_rd rd = {data, size, 1};
    uint64_t pool = fzs_pool_of((uint8_t)fzs_rd0(&rd, 1));
    uint32_t l0, l1, sh, r1, r2, r3;

    memset(m, 0, sizeof(*m));
    m->rng = hash;
    m->isn[0] = fzs_rd0(&rd, 4);
    m->isn[1] = fzs_rd0(&rd, 4);
    m->opts = (uint8_t)fzs_rd0(&rd, 1);
    l0 = fzs_rd0(&rd, 2);
    l1 = fzs_rd0(&rd, 2);
    sh = fzs_rd0(&rd, 1);
    m->len[0] = l0 << (sh & 3);
    m->len[1] = l1 << ((sh >> 2) & 3);
    m->window = fzs_rd0(&rd, 1);
    r1 = fzs_rd0(&rd, 1);
    r2 = fzs_rd0(&rd, 1);
    r3 = fzs_rd0(&rd, 1);
    m->p_dup = r1 >> 4;
    m->p_ovl = r1 & 15;
    m->p_drop = r2 >> 4;
    m->p_lost = r2 & 15;
    m->p_trunc = r3 >> 4;
    m->p_ack = r3 & 15;
    for (uint8_t d = 0; d < 2; d++) {
        for (uint32_t i = 0; i < m->len[d]; i += 8) {
            uint64_t v = fzs_rand(m);

            memcpy(fzs_hidden[d] + i, &v, m->len[d] - i < 8 ? m->len[d] - i : 8);
        }
        memset(fzs_rcv[d], 0, m->len[d]);
    }
    fzs_ntx = 0;
    fzs_cut(m, &rd);
    fzs_extras(m);
    qsort(fzs_tx, fzs_ntx, sizeof(fzs_tx[0]), fzs_tx_cmp);
    fzs_fates(m);
    fzs_packets(m);
    return pool;
}

/* Model mode: each direction's calls against the hidden stream. exact: no cap was met and
 * no allocation failed, so every byte seen must be delivered. */
FZS_NOCOV static void fzs_verify_model(const struct fzs_model *m, const struct fzs_run *r,
                             const struct fzs_truth *t)
{
    for (uint8_t d = 0; d < 2; d++) {
        const struct rw_stream_counters *c = &r->c;
        int exact = c->cap_bytes[d] + c->cap_segments[d] + c->cap_global[d] + c->alloc_fail[d] == 0;
        uint64_t base = 0, h;

        if (t->started[d]) {
            base = (uint32_t)(t->base[d] - (m->isn[d] + 1));
            fzs_check(base <= m->len[d], "model: a direction based outside its stream");
        }
        h = base;
        for (size_t e = 0; e < r->nent; e++) {
            const struct fzs_ent *en = &r->ent[e];

            if (en->dir != d)
                continue;
            fzs_check(en->pos == h - base, "model: calls out of order");
            fzs_check(en->len <= m->len[d] - h, "model: delivered past the hidden stream");
            for (uint64_t j = 0; j < en->len; j++) {
                uint8_t rcv = fzs_rcv[d][h + j] & 1;

                if (en->gap)
                    fzs_check(!exact || !rcv, "model: a gap over bytes that were fed");
                else
                    fzs_check(rcv && r->bytes[en->at + j] == fzs_hidden[d][h + j],
                              "model: a delivered byte is not the hidden stream's");
            }
            h += en->len;
        }
        if (t->end_eff[d]) {
            fzs_check(h == m->len[d], "model: the direction did not reach its FIN/RST");
        } else {
            fzs_check(h >= m->rcv_end[d] || !t->started[d], "model: bytes fed never delivered");
            fzs_check(h <= (m->wire_end[d] > base ? m->wire_end[d] : base),
                      "model: gaps past the last bytes on the wire");
        }
        fzs_check(r->c.overlaps_diff[d] == 0, "model: overlaps_diff with the same bytes");
        fzs_check(r->c.ahead_dropped[d] == 0, "model: ahead_dropped within the window");
        fzs_check(r->c.after_end_bytes[d] == 0, "model: after_end_bytes before the end");
        fzs_check(r->c.end_ignored[d] == 0, "model: a FIN/RST at the end ignored");
        fzs_check(r->c.trunc_bytes[d] == t->trunc[d], "model: trunc_bytes is not what was cut");
    }
}

/* ---- the target ---------------------------------------------------------------------- */

static void fzs_reset(struct fzs_run *r, struct fzs_ent *ent, uint8_t *bytes)
{
    memset(r, 0, sizeof(*r));
    r->ent = ent;
    r->bytes = bytes;
}

/* The lazy stream must make the same calls and counters as the eager one. */
FZS_NOCOV static void fzs_same(const struct fzs_run *a, const struct fzs_run *b)
{
    fzs_check(a->nent == b->nent && a->nbytes == b->nbytes &&
                  memcmp(a->bytes, b->bytes, a->nbytes) == 0,
              "a lazy stream delivered other bytes than an eager one");
    for (size_t i = 0; i < a->nent; i++)
        fzs_check(a->ent[i].dir == b->ent[i].dir && a->ent[i].gap == b->ent[i].gap &&
                      a->ent[i].pos == b->ent[i].pos && a->ent[i].len == b->ent[i].len,
                  "a lazy stream made other calls than an eager one");
    fzs_check(memcmp(&a->c, &b->c, sizeof(a->c)) == 0,
              "a lazy stream counted otherwise than an eager one");
}

/* A stream freed without rw_stream_end made the calls of one that was ended, up to the
 * end: b's calls are a prefix of a's. */
FZS_NOCOV static void fzs_prefix(const struct fzs_run *a, const struct fzs_run *b)
{
    fzs_check(b->nent <= a->nent && b->nbytes <= a->nbytes &&
                  memcmp(a->bytes, b->bytes, b->nbytes) == 0,
              "a stream freed before its end delivered other bytes");
    for (size_t i = 0; i < b->nent; i++)
        fzs_check(a->ent[i].dir == b->ent[i].dir && a->ent[i].gap == b->ent[i].gap &&
                      a->ent[i].pos == b->ent[i].pos &&
                      (a->ent[i].len == b->ent[i].len ||
                       (i + 1 == b->nent && a->ent[i].len > b->ent[i].len)),
                  "a stream freed before its end made other calls");
}

static void fzs_nulls(void)
{
    static const struct rw_stream_counters zero;
    struct rw_stream *s = NULL;
    struct rw_stream_pool *p = NULL;
    struct rw_stream_start st;
    struct rw_packet pk;

    memset(&pk, 0, sizeof(pk));
    rw_stream_packet(NULL, &pk, NULL);
    rw_stream_end(NULL, NULL);
    rw_stream_free(NULL);
    rw_stream_free(&s);
    rw_stream_pool_free(NULL);
    rw_stream_pool_free(&p);
    memset(&st, 0, sizeof(st));
    fzs_check(rw_stream_new(NULL) == NULL && rw_stream_new_from(NULL, &st) == NULL,
              "a stream made without a pool");
    p = rw_stream_pool_new(0);
    s = rw_stream_new(p);
    fzs_check(p != NULL && s != NULL, "harness: out of memory");
    rw_stream_packet(s, NULL, NULL);
    fzs_check(memcmp(rw_stream_counters(s), &zero, sizeof(zero)) == 0,
              "a NULL packet changed the counters");
    rw_stream_free(&s);
    rw_stream_pool_free(&p);
    fzs_check(rw_stream_bytes(NULL) == 0 && rw_stream_pool_held_bytes(NULL) == 0,
              "NULL stream or pool holds bytes");
    fzs_check(memcmp(rw_stream_counters(NULL), &zero, sizeof(zero)) == 0,
              "rw_stream_counters(NULL) not all zero");
}

/* FUZZ_STREAM_VERBOSE=1: one line per direction of the first run; 2: and the packets
 * (r NULL, before the run) and the calls. */
static void fzs_print(const struct fzs_run *r, int model, int all)
{
    const struct rw_stream_counters *c;

    for (size_t i = 0; r == NULL && i < fzs_npkts; i++) {
        const struct rw_packet *p = &fzs_pkts[i].p;

        if (fzs_pkts[i].op == FZS_END)
            fprintf(stderr, "fuzz_stream: #%zu rw_stream_end\n", i);
        else
            fprintf(stderr,
                    "fuzz_stream: #%zu dir %u seq %u ack %u flags 0x%02x cap %u%s wire %u\n", i,
                    p->dir, p->tcp_seq, p->tcp_ack, p->tcp_flags, p->payload_len,
                    p->payload == NULL ? " (NULL)" : "", p->payload_wire_len);
    }
    if (r == NULL)
        return;
    c = &r->c;
    for (size_t e = 0; all && e < r->nent; e++)
        fprintf(stderr, "fuzz_stream: dir %u %s at %llu, %llu bytes\n", r->ent[e].dir,
                r->ent[e].gap ? "gap" : "data", (unsigned long long)r->ent[e].pos,
                (unsigned long long)r->ent[e].len);

    for (int d = 0; d < 2; d++)
        fprintf(stderr,
                "fuzz_stream: %s %zu packets, dir %d: %llu bytes, %llu gaps (%llu bytes, %llu by "
                "ack), %llu ooo, %llu retrans, %llu overlaps (%llu diff), caps %llu/%llu/%llu, "
                "alloc_fail %llu, ahead %llu, trunc %llu, after_end %llu, end_ignored %llu\n",
                model ? "model" : "free", fzs_npkts, d, (unsigned long long)c->bytes[d],
                (unsigned long long)c->gaps[d], (unsigned long long)c->gap_bytes[d],
                (unsigned long long)c->ack_gaps[d], (unsigned long long)c->ooo_segments[d],
                (unsigned long long)c->retrans_segments[d], (unsigned long long)c->overlaps[d],
                (unsigned long long)c->overlaps_diff[d], (unsigned long long)c->cap_bytes[d],
                (unsigned long long)c->cap_segments[d], (unsigned long long)c->cap_global[d],
                (unsigned long long)c->alloc_fail[d], (unsigned long long)c->ahead_dropped[d],
                (unsigned long long)c->trunc_bytes[d], (unsigned long long)c->after_end_bytes[d],
                (unsigned long long)c->end_ignored[d]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fzs_run a, b;
    static struct fzs_ent *ent[2];
    static uint8_t *bytes[2];
    static struct fzs_model m;
    struct fzs_truth t;
    struct fzs_cfg cfg = {0, 0, 0, 0};
    uint64_t hash = 1469598103934665603ULL;
    int model = size > 0 && (data[0] & 1);

    if (ent[0] == NULL) {
        for (int i = 0; i < 2; i++) {
            ent[i] = malloc(FZS_LOG_ENTS * sizeof(*ent[i]));
            bytes[i] = malloc(FZS_LOG_BYTES);
            if (ent[i] == NULL || bytes[i] == NULL)
                fzs_fail("harness: out of memory");
        }
        fzs_nulls();
    }
    for (size_t i = 0; i < size; i++)
        hash = (hash ^ data[i]) * 1099511628211ULL;
    cfg.pool = model ? fzs_parse_model(&m, data, size, hash) : fzs_parse_free(data, size);
    fzs_track(&t);
    if (getenv("FUZZ_STREAM_VERBOSE") != NULL && getenv("FUZZ_STREAM_VERBOSE")[0] == '2')
        fzs_print(NULL, model, 1);

    fzs_reset(&a, ent[0], bytes[0]);
    if (fzs_feed(&a, &cfg) != 0)
        fzs_fail("rw_stream_pool_new or rw_stream_new failed without an allocation failure");
    fzs_counters(&a, &t, 1);
    if (getenv("FUZZ_STREAM_VERBOSE") != NULL)
        fzs_print(&a, model, getenv("FUZZ_STREAM_VERBOSE")[0] == '2');
    if (model)
        fzs_verify_model(&m, &a, &t);
    else
        fzs_verify_free(&a, &t);

    cfg.lazy = 1;
    fzs_reset(&b, ent[1], bytes[1]);
    if (fzs_feed(&b, &cfg) != 0)
        fzs_fail("rw_stream_new_from failed without an allocation failure");
    fzs_same(&a, &b);

    if (((hash >> 56) & 7) == 1) {
        cfg.lazy = 0;
        cfg.null_sink = 1 + (int)((hash >> 44) % 3);
        fzs_reset(&b, ent[1], bytes[1]);
        if (fzs_feed(&b, &cfg) != 0)
            fzs_fail("rw_stream_new failed without an allocation failure");
        fzs_check(b.data[0] + b.data[1] == 0 && memcmp(&a.c, &b.c, sizeof(a.c)) == 0,
                  "a NULL sink or callback changed the counters");
        fzs_check(cfg.null_sink != 3 || (b.ngaps[0] == a.ngaps[0] && b.ngaps[1] == a.ngaps[1] &&
                                         b.gap_bytes[0] == a.gap_bytes[0] &&
                                         b.gap_bytes[1] == a.gap_bytes[1]),
                  "a NULL data() changed the gaps");
        cfg.null_sink = 0;
    }
    if (((hash >> 52) & 7) == 1) {
        cfg.no_end = 1;
        fzs_reset(&b, ent[1], bytes[1]);
        if (fzs_feed(&b, &cfg) != 0)
            fzs_fail("rw_stream_new failed without an allocation failure");
        fzs_prefix(&a, &b);
        cfg.no_end = 0;
    }
    if ((hash >> 60) == 0) {
        cfg.lazy = (int)((hash >> 40) & 1);
        fzs_reset(&b, ent[1], bytes[1]);
        rw_alloc_hook_set(1 + (hash >> 8) % 12);
        if (fzs_feed(&b, &cfg) == 0) {
            fzs_counters(&b, &t, 1);
            if (model)
                fzs_verify_model(&m, &b, &t);
            else
                fzs_verify_free(&b, &t);
        }
        rw_alloc_hook_set(0);
    }
    return 0;
}
