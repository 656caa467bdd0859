/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_rw_stream.c — TCP reassembly: order, overlaps (first wins), wraparound, caps, gaps, ends. */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rw_stream.h"
#include "rw_test.h"

#if RW_ASAN
size_t __sanitizer_get_current_allocated_bytes(void); /* libasan; gcc ships no header */
#else
#include <malloc.h>
#endif

/* What a sink received, per direction: data and gaps in order. text is a readable log
 * ("abc<g3>def"), image holds data at its stream position (data plus gap bytes before it),
 * gap_at/gap_len list the gaps. */
#define REC_MAX_GAPS 4096
struct rec {
    char *text[2];
    size_t text_len[2], text_cap[2];
    uint8_t *image[2];
    size_t image_cap[2];
    uint64_t pos[2];       /* data + gap bytes so far */
    uint64_t data[2];      /* data bytes so far */
    uint64_t gap_total[2];
    uint64_t gap_at[2][REC_MAX_GAPS], gap_len[2][REC_MAX_GAPS];
    size_t ngaps[2];
    unsigned calls;
    const uint8_t *last_p;  /* the pointer of the latest data() */
};

static void rec_text(struct rec *r, uint8_t dir, const char *p, size_t n)
{
    if (r->text_len[dir] + n + 1 > r->text_cap[dir]) {
        size_t cap = (r->text_len[dir] + n + 1) * 2;
        char *t = realloc(r->text[dir], cap);

        CU_ASSERT_PTR_NOT_NULL_FATAL(t);
        r->text[dir] = t;
        r->text_cap[dir] = cap;
    }
    memcpy(r->text[dir] + r->text_len[dir], p, n);
    r->text_len[dir] += n;
    r->text[dir][r->text_len[dir]] = '\0';
}

static void rec_data(void *ctx, uint8_t dir, const uint8_t *p, size_t n)
{
    struct rec *r = ctx;

    CU_ASSERT_FATAL(dir < 2);
    CU_ASSERT(n > 0);
    r->calls++;
    r->last_p = p;
    if (r->text_len[dir] < 4096)
        rec_text(r, dir, (const char *)p, n);
    if (r->image[dir] != NULL && r->pos[dir] + n <= r->image_cap[dir])
        memcpy(r->image[dir] + r->pos[dir], p, n);
    r->pos[dir] += n;
    r->data[dir] += n;
}

static void rec_gap(void *ctx, uint8_t dir, uint64_t n)
{
    struct rec *r = ctx;
    char buf[48];
    int len;

    CU_ASSERT_FATAL(dir < 2);
    CU_ASSERT(n > 0);
    r->calls++;
    len = snprintf(buf, sizeof(buf), "<g%llu>", (unsigned long long)n);
    if (r->text_len[dir] < 4096 && len > 0 && (size_t)len < sizeof(buf))
        rec_text(r, dir, buf, (size_t)len);
    if (r->ngaps[dir] < REC_MAX_GAPS) {
        r->gap_at[dir][r->ngaps[dir]] = r->pos[dir];
        r->gap_len[dir][r->ngaps[dir]] = n;
        r->ngaps[dir]++;
    }
    r->pos[dir] += n;
    r->gap_total[dir] += n;
}

/* A fixture: one pool, one stream, one recording sink. */
struct fx {
    struct rw_stream_pool *pool;
    struct rw_stream *s;
    struct rec *r;
    struct rw_stream_sink sink;
    uint32_t isn[2];   /* sequence number of each direction's offset 0, minus 1 */
};

static void fx_init(struct fx *f, uint64_t pool_bytes, size_t image_bytes)
{
    memset(f, 0, sizeof(*f));
    f->r = calloc(1, sizeof(*f->r));
    CU_ASSERT_PTR_NOT_NULL_FATAL(f->r);
    for (int d = 0; d < 2 && image_bytes > 0; d++) {
        f->r->image[d] = calloc(1, image_bytes);
        CU_ASSERT_PTR_NOT_NULL_FATAL(f->r->image[d]);
        f->r->image_cap[d] = image_bytes;
    }
    f->pool = rw_stream_pool_new(pool_bytes);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f->pool);
    f->s = rw_stream_new(f->pool);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f->s);
    f->sink.ctx = f->r;
    f->sink.data = rec_data;
    f->sink.gap = rec_gap;
}

static void rec_free(struct rec *r)
{
    for (int d = 0; d < 2; d++) {
        free(r->text[d]);
        free(r->image[d]);
    }
    free(r);
}

static void fx_fini(struct fx *f)
{
    rw_stream_free(&f->s);
    CU_ASSERT_PTR_NULL(f->s);
    CU_ASSERT_EQUAL(rw_stream_pool_held_bytes(f->pool), 0);
    rw_stream_pool_free(&f->pool);
    CU_ASSERT_PTR_NULL(f->pool);
    rec_free(f->r);
}

static const char *txt(const struct fx *f, uint8_t dir)
{
    return f->r->text[dir] != NULL ? f->r->text[dir] : "";
}

static const struct rw_stream_counters *cnt(const struct fx *f)
{
    return rw_stream_counters(f->s);
}

/* Sends one packet: raw sequence and ack numbers, captured cap bytes of p, wire length. */
static void pkt_raw(struct rw_stream *s, const struct rw_stream_sink *sink, uint8_t dir,
                    uint32_t seq, uint32_t ack, uint8_t flags, const void *p, uint32_t cap,
                    uint32_t wire)
{
    struct rw_packet pk;

    memset(&pk, 0, sizeof(pk));
    pk.payload = p;
    pk.payload_len = cap;
    pk.payload_wire_len = wire;
    pk.tcp_seq = seq;
    pk.tcp_ack = ack;
    pk.tcp_flags = flags;
    pk.dir = dir;
    rw_stream_packet(s, &pk, sink);
}

/* SYN, SYN/ACK, ACK with the given initial sequence numbers. */
static void handshake(struct fx *f, uint32_t cisn, uint32_t sisn)
{
    f->isn[0] = cisn;
    f->isn[1] = sisn;
    pkt_raw(f->s, &f->sink, 0, cisn, 0, RW_TCP_SYN, NULL, 0, 0);
    pkt_raw(f->s, &f->sink, 1, sisn, cisn + 1, RW_TCP_SYN | RW_TCP_ACK, NULL, 0, 0);
    pkt_raw(f->s, &f->sink, 0, cisn + 1, sisn + 1, RW_TCP_ACK, NULL, 0, 0);
}

/* Data at stream offset off of dir, acknowledging nothing new of the other direction. */
static void sendb(struct fx *f, uint8_t dir, uint32_t off, const void *p, uint32_t n)
{
    pkt_raw(f->s, &f->sink, dir, f->isn[dir] + 1 + off, f->isn[!dir] + 1,
            RW_TCP_ACK | RW_TCP_PSH, p, n, n);
}

static void sends(struct fx *f, uint8_t dir, uint32_t off, const char *str)
{
    sendb(f, dir, off, str, (uint32_t)strlen(str));
}

/* A pure ACK from dir acknowledging offset ack_off of the other direction. */
static void ack_of(struct fx *f, uint8_t dir, uint32_t ack_off)
{
    pkt_raw(f->s, &f->sink, dir, f->isn[dir] + 1, f->isn[!dir] + 1 + ack_off, RW_TCP_ACK, NULL,
            0, 0);
}

/* Deterministic pseudo-random numbers (xorshift64*), so every seed reproduces. */
static uint64_t rnd_next(uint64_t *st)
{
    uint64_t x = *st;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *st = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static uint32_t rnd_below(uint64_t *st, uint32_t n)
{
    return (uint32_t)(rnd_next(st) % n);
}

static uint8_t *pattern(size_t n, uint64_t seed)
{
    uint8_t *b = malloc(n);
    uint64_t st = seed * 2654435761ULL + 1;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)rnd_next(&st);
    return b;
}

static void test_stream_in_order_both_directions(void)
{
    struct fx f;

    fx_init(&f, 0, 0);
    handshake(&f, 1000, 50000);
    sends(&f, 0, 0, "GET / HT");
    sends(&f, 0, 8, "TP/1.0\r\n");
    sends(&f, 0, 16, "\r\n");
    sends(&f, 1, 0, "HTTP/1.0 200 OK\r\n");
    sends(&f, 1, 17, "\r\nhi");
    CU_ASSERT_STRING_EQUAL(txt(&f, 0), "GET / HTTP/1.0\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(txt(&f, 1), "HTTP/1.0 200 OK\r\n\r\nhi");
    CU_ASSERT_EQUAL(cnt(&f)->segments[0], 3);
    CU_ASSERT_EQUAL(cnt(&f)->segments[1], 2);
    CU_ASSERT_EQUAL(cnt(&f)->bytes[0], 18);
    CU_ASSERT_EQUAL(cnt(&f)->bytes[1], 21);
    CU_ASSERT_EQUAL(cnt(&f)->ooo_segments[0], 0);
    CU_ASSERT_EQUAL(cnt(&f)->retrans_bytes[0], 0);
    CU_ASSERT_EQUAL(cnt(&f)->gaps[0] + cnt(&f)->gaps[1], 0);
    CU_ASSERT_EQUAL(f.r->calls, 5); /* one data() per in-order segment: no merges */
    rw_stream_end(f.s, &f.sink);
    CU_ASSERT_EQUAL(f.r->calls, 5);
    fx_fini(&f);
}

/* In-order bytes are passed straight from the packet: the sink sees pkt->payload. */
static void test_stream_in_order_is_zero_copy(void)
{
    struct fx f;
    static const uint8_t buf[] = "0123456789";

    fx_init(&f, 0, 0);
    handshake(&f, 9, 9);
    sendb(&f, 0, 0, buf, 4);
    CU_ASSERT_PTR_EQUAL(f.r->last_p, buf);
    sendb(&f, 0, 2, buf, 7);        /* 2 old bytes cut: the rest from inside the packet */
    CU_ASSERT_PTR_EQUAL(f.r->last_p, buf + 2);
    CU_ASSERT_STRING_EQUAL(txt(&f, 0), "012323456");
    CU_ASSERT_EQUAL(cnt(&f)->held_segments[0], 0);
    CU_ASSERT_EQUAL(rw_stream_pool_held_bytes(f.pool), 0);
    /* A SYN carrying data (TCP Fast Open): its bytes start after the SYN's sequence. */
    pkt_raw(f.s, &f.sink, 1, 9, 10, RW_TCP_SYN | RW_TCP_ACK, "tfo", 3, 3);
    sends(&f, 1, 3, "!");
    CU_ASSERT_STRING_EQUAL(txt(&f, 1), "tfo!");
    fx_fini(&f);
}

static void test_stream_one_byte_segments(void)
{
    struct fx f;
    uint8_t *orig = pattern(1000, 7);

    fx_init(&f, 0, 1000);
    handshake(&f, 77, 88);
    for (uint32_t i = 0; i < 1000; i++)
        sendb(&f, 0, i, orig + i, 1);
    CU_ASSERT_EQUAL(f.r->data[0], 1000);
    CU_ASSERT_EQUAL(memcmp(f.r->image[0], orig, 1000), 0);
    CU_ASSERT_EQUAL(cnt(&f)->segments[0], 1000);
    CU_ASSERT_EQUAL(cnt(&f)->ooo_segments[0], 0);
    /* The last 60 one-byte segments of another stream, in reverse: 59 held, then all. */
    rw_stream_free(&f.s);
    f.s = rw_stream_new(f.pool);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f.s);
    rec_free(f.r);
    f.r = calloc(1, sizeof(*f.r));
    CU_ASSERT_PTR_NOT_NULL_FATAL(f.r);
    f.sink.ctx = f.r;
    handshake(&f, 5, 6);
    for (uint32_t i = 60; i-- > 0;)
        sendb(&f, 0, i, orig + i, 1);
    CU_ASSERT_EQUAL(cnt(&f)->ooo_segments[0], 59);
    CU_ASSERT_EQUAL(f.r->data[0], 60);
    CU_ASSERT_EQUAL(f.r->text_len[0], 60);
    CU_ASSERT_EQUAL(memcmp(f.r->text[0], orig, 60), 0);
    CU_ASSERT_EQUAL(cnt(&f)->held_segments[0], 0);
    free(orig);
    fx_fini(&f);
}

static void test_stream_reverse_order_segments(void)
{
    struct fx f;
    uint8_t *orig = pattern(1000, 3);

    fx_init(&f, 0, 1000);
    handshake(&f, 0x12345678, 0x9abcdef0);
    for (uint32_t k = 10; k-- > 1;)
        sendb(&f, 0, k * 100, orig + k * 100, 100);
    CU_ASSERT_EQUAL(f.r->data[0], 0);
    CU_ASSERT_EQUAL(cnt(&f)->held_bytes[0], 900);
    CU_ASSERT_EQUAL(cnt(&f)->held_segments[0], 9);
    CU_ASSERT_EQUAL(rw_stream_pool_held_bytes(f.pool), 900);
    sendb(&f, 0, 0, orig, 100);
    CU_ASSERT_EQUAL(f.r->data[0], 1000);
    CU_ASSERT_EQUAL(memcmp(f.r->image[0], orig, 1000), 0);
    CU_ASSERT_EQUAL(cnt(&f)->ooo_segments[0], 9);
    CU_ASSERT_EQUAL(cnt(&f)->held_bytes[0], 0);
    CU_ASSERT_EQUAL(rw_stream_pool_held_bytes(f.pool), 0);
    CU_ASSERT_EQUAL(cnt(&f)->gaps[0], 0);
    free(orig);
    fx_fini(&f);
}

static void test_stream_duplicates_counted_not_delivered(void)
{
    struct fx f;

    fx_init(&f, 0, 0);
    handshake(&f, 100, 200);
    sends(&f, 0, 5, "fghij");      /* held */
    sends(&f, 0, 5, "fghij");      /* duplicate of held bytes */
    CU_ASSERT_EQUAL(cnt(&f)->retrans_segments[0], 1);
    CU_ASSERT_EQUAL(cnt(&f)->retrans_bytes[0], 5);
    CU_ASSERT_EQUAL(cnt(&f)->overlaps[0], 1);
    CU_ASSERT_EQUAL(cnt(&f)->overlaps_diff[0], 0);
    CU_ASSERT_EQUAL(cnt(&f)->held_segments[0], 1);
    sends(&f, 0, 0, "abcde");
    sends(&f, 0, 0, "abcde");      /* duplicate of delivered bytes */
    sends(&f, 0, 5, "fghij");
    CU_ASSERT_STRING_EQUAL(txt(&f, 0), "abcdefghij");
    CU_ASSERT_EQUAL(cnt(&f)->retrans_segments[0], 3);
    CU_ASSERT_EQUAL(cnt(&f)->retrans_bytes[0], 15);
    CU_ASSERT_EQUAL(cnt(&f)->bytes[0], 10);
    CU_ASSERT_EQUAL(cnt(&f)->segments[0], 5);
    fx_fini(&f);
}

static void test_stream_overlap_first_bytes_win(void)
{
    struct fx f;

    /* An in-order segment over held bytes that differ: the held (first) bytes win. */
    fx_init(&f, 0, 0);
    handshake(&f, 1, 2);
    sends(&f, 0, 4, "BBBB");
    sends(&f, 0, 0, "aaaaaaaaaaaa");
    CU_ASSERT_STRING_EQUAL(txt(&f, 0), "aaaaBBBBaaaa");
    CU_ASSERT_EQUAL(cnt(&f)->overlaps[0], 1);
    CU_ASSERT_EQUAL(cnt(&f)->overlaps_diff[0], 1);
    CU_ASSERT_EQUAL(cnt(&f)->retrans_bytes[0], 4);
    CU_ASSERT_EQUAL(cnt(&f)->bytes[0], 12);
    fx_fini(&f);

    /* An out-of-order segment spanning two held pieces fills only the holes around them. */
    fx_init(&f, 0, 0);
    handshake(&f, 1, 2);
    sends(&f, 0, 10, "CC");
    sends(&f, 0, 14, "DD");
    CU_ASSERT_EQUAL(cnt(&f)->held_segments[0], 2);
    sends(&f, 0, 8, "xxxxxxxxxx");  /* offsets 8..17 */
    CU_ASSERT_EQUAL(cnt(&f)->held_segments[0], 5);
    CU_ASSERT_EQUAL(cnt(&f)->held_bytes[0], 10);
    CU_ASSERT_EQUAL(cnt(&f)->overlaps[0], 1);
    CU_ASSERT_EQUAL(cnt(&f)->overlaps_diff[0], 1);
    CU_ASSERT_EQUAL(cnt(&f)->retrans_bytes[0], 4);
    sends(&f, 0, 0, "01234567");
    CU_ASSERT_STRING_EQUAL(txt(&f, 0), "01234567xxCCxxDDxx");
    CU_ASSERT_EQUAL(cnt(&f)->held_bytes[0], 0);
    fx_fini(&f);

    /* Same bytes overlapping: counted as an overlap, not as a difference. */
    fx_init(&f, 0, 0);
    handshake(&f, 1, 2);
    sends(&f, 0, 4, "4567");
    sends(&f, 0, 2, "234567");
    sends(&f, 0, 0, "0123456789");
    CU_ASSERT_STRING_EQUAL(txt(&f, 0), "0123456789");
    CU_ASSERT_EQUAL(cnt(&f)->overlaps[0], 2);
    CU_ASSERT_EQUAL(cnt(&f)->overlaps_diff[0], 0);
    CU_ASSERT_EQUAL(cnt(&f)->retrans_bytes[0], 4 + 6);
    fx_fini(&f);
}

static void test_stream_retransmission_of_delivered(void)
{
    struct fx f;

    fx_init(&f, 0, 0);
    handshake(&f, 0, 0);
    sends(&f, 0, 0, "hello");
    sends(&f, 0, 5, "world");
    sends(&f, 0, 0, "hello");       /* all old */
    sends(&f, 0, 3, "loXXXld!!");   /* 7 old bytes (differ, but are not kept), 2 new */
    CU_ASSERT_STRING_EQUAL(txt(&f, 0), "helloworld!!");
    CU_ASSERT_EQUAL(cnt(&f)->retrans_segments[0], 1);
    CU_ASSERT_EQUAL(cnt(&f)->retrans_bytes[0], 12);
    CU_ASSERT_EQUAL(cnt(&f)->overlaps_diff[0], 0);
    CU_ASSERT_EQUAL(cnt(&f)->bytes[0], 12);
    fx_fini(&f);
}

static void test_stream_sequence_wraparound(void)
{
    struct fx f;
    uint8_t *orig = pattern(2000, 11);

    fx_init(&f, 0, 2000);
    /* Offset 0 is sequence 0xFFFFFC00: the stream crosses 2^32 at offset 1024. */
    handshake(&f, 0xFFFFFBFFu, 0xFFFFFFFEu);
    /* Pairs swapped: 100..199 before 0..99, and so on, 20 segments. */
    for (uint32_t k = 0; k < 20; k += 2) {
        sendb(&f, 0, (k + 1) * 100, orig + (k + 1) * 100, 100);
        sendb(&f, 0, k * 100, orig + k * 100, 100);
    }
    CU_ASSERT_EQUAL(f.r->data[0], 2000);
    CU_ASSERT_EQUAL(memcmp(f.r->image[0], orig, 2000), 0);
    CU_ASSERT_EQUAL(cnt(&f)->ooo_segments[0], 10);
    /* A segment held across the wrap: next at 2000 (seq 0x3d0), one at offset 2100. */
    sendb(&f, 0, 2100, "late", 4);
    CU_ASSERT_EQUAL(cnt(&f)->held_bytes[0], 4);
    sendb(&f, 0, 1000, orig + 1000, 100); /* old, from before the wrap */
    CU_ASSERT_EQUAL(cnt(&f)->retrans_segments[0], 1);
    /* The server direction's ISN 0xFFFFFFFE: its first byte is 0xFFFFFFFF, its second 0. */
    sends(&f, 1, 1, "ello");
    sends(&f, 1, 0, "h");
    CU_ASSERT_STRING_EQUAL(txt(&f, 1), "hello");
    rw_stream_end(f.s, &f.sink);
    CU_ASSERT_EQUAL(f.r->ngaps[0], 1);
    CU_ASSERT_EQUAL(f.r->gap_at[0][0], 2000);
    CU_ASSERT_EQUAL(f.r->gap_len[0][0], 100);
    CU_ASSERT_EQUAL(f.r->data[0], 2004);
    free(orig);
    fx_fini(&f);
}

static void test_stream_midstream_pickup(void)
{
    struct fx f;

    fx_init(&f, 0, 0);
    pkt_raw(f.s, &f.sink, 0, 5000, 9000, RW_TCP_ACK, NULL, 0, 0); /* no data: no base */
    pkt_raw(f.s, &f.sink, 0, 5000, 9000, RW_TCP_ACK, "abc", 3, 3);
    pkt_raw(f.s, &f.sink, 0, 4997, 9000, RW_TCP_ACK, "xyz", 3, 3); /* before the base */
    pkt_raw(f.s, &f.sink, 0, 4999, 9000, RW_TCP_ACK, "Xab", 3, 3); /* straddles it */
    pkt_raw(f.s, &f.sink, 0, 5003, 9000, RW_TCP_ACK, "def", 3, 3);
    pkt_raw(f.s, &f.sink, 1, 9000, 5006, RW_TCP_ACK, "srv", 3, 3);
    CU_ASSERT_STRING_EQUAL(txt(&f, 0), "abcdef");
    CU_ASSERT_STRING_EQUAL(txt(&f, 1), "srv");
    CU_ASSERT_EQUAL(cnt(&f)->retrans_segments[0], 2);
    CU_ASSERT_EQUAL(cnt(&f)->retrans_bytes[0], 6);
    fx_fini(&f);

    /* Only the SYN/ACK was captured: it sets the server base and the client's by its ACK. */
    fx_init(&f, 0, 0);
    pkt_raw(f.s, &f.sink, 1, 700, 301, RW_TCP_SYN | RW_TCP_ACK, NULL, 0, 0);
    pkt_raw(f.s, &f.sink, 0, 305, 701, RW_TCP_ACK, "EFG", 3, 3);   /* held: 301..304 lost */
    pkt_raw(f.s, &f.sink, 1, 701, 301, RW_TCP_ACK, "ok", 2, 2);
    CU_ASSERT_STRING_EQUAL(txt(&f, 0), "");
    CU_ASSERT_EQUAL(cnt(&f)->ooo_segments[0], 1);
    pkt_raw(f.s, &f.sink, 0, 301, 703, RW_TCP_ACK, "ABCD", 4, 4);
    CU_ASSERT_STRING_EQUAL(txt(&f, 0), "ABCDEFG");
    CU_ASSERT_STRING_EQUAL(txt(&f, 1), "ok");
    fx_fini(&f);
}

static void test_stream_snaplen_cut_is_gap(void)
{
    struct fx f;

    fx_init(&f, 0, 0);
    handshake(&f, 10, 20);
    /* 10 bytes on the wire, 6 captured, in order: data then a gap of 4. */
    pkt_raw(f.s, &f.sink, 0, 11, 21, RW_TCP_ACK, "abcdef", 6, 10);
    sends(&f, 0, 10, "klm");
    CU_ASSERT_STRING_EQUAL(txt(&f, 0), "abcdef<g4>klm");
    CU_ASSERT_EQUAL(cnt(&f)->trunc_bytes[0], 4);
    CU_ASSERT_EQUAL(cnt(&f)->gaps[0], 1);
    CU_ASSERT_EQUAL(cnt(&f)->gap_bytes[0], 4);
    /* Out of order and cut: its captured bytes are held, its cut-off bytes stay a hole. */
    pkt_raw(f.s, &f.sink, 0, 11 + 20, 21, RW_TCP_ACK, "uv", 2, 5);
    sends(&f, 0, 25, "zz");
    sends(&f, 0, 13, "nopqrst");
    CU_ASSERT_STRING_EQUAL(txt(&f, 0), "abcdef<g4>klmnopqrstuv");
    /* Nothing captured of a 100-byte segment in order: a gap of 100 at once. */
    rw_stream_end(f.s, &f.sink);
    CU_ASSERT_STRING_EQUAL(txt(&f, 0), "abcdef<g4>klmnopqrstuv<g3>zz");
    CU_ASSERT_EQUAL(cnt(&f)->trunc_bytes[0], 7);
    fx_fini(&f);

    fx_init(&f, 0, 0);
    handshake(&f, 10, 20);
    pkt_raw(f.s, &f.sink, 1, 21, 11, RW_TCP_ACK, NULL, 0, 100);
    sends(&f, 1, 100, "x");
    CU_ASSERT_STRING_EQUAL(txt(&f, 1), "<g100>x");
    CU_ASSERT_EQUAL(cnt(&f)->segments[1], 2);
    /* A cut segment whose missing range holds a held piece: that piece is delivered. */
    sends(&f, 1, 105, "HELD");
    pkt_raw(f.s, &f.sink, 1, 21 + 101, 11, RW_TCP_ACK, "ab", 2, 20);
    CU_ASSERT_STRING_EQUAL(txt(&f, 1), "<g100>xab<g2>HELD<g12>");
    fx_fini(&f);
}

/* A 100-byte segment captured up to every length: the captured bytes, then a gap for the
 * rest, then the next segment in order. */
static void test_stream_snaplen_cut_at_every_offset(void)
{
    static const char seg[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                              "0123456789abcdefghijklmnopqrstuvwxyzAB";
    char want[200];

    CU_ASSERT_EQUAL_FATAL(sizeof(seg) - 1, 100);
    for (uint32_t k = 0; k <= 100; k++) {
        struct fx f;
        int len;

        fx_init(&f, 0, 0);
        handshake(&f, 0xFFFFFFD0u, 5); /* and across 2^32 */
        pkt_raw(f.s, &f.sink, 0, 0xFFFFFFD1u, 6, RW_TCP_ACK, seg, k, 100);
        sends(&f, 0, 100, "next");
        if (k < 100)
            len = snprintf(want, sizeof(want), "%.*s<g%u>next", (int)k, seg, 100 - k);
        else
            len = snprintf(want, sizeof(want), "%snext", seg);
        CU_ASSERT_FATAL(len > 0 && (size_t)len < sizeof(want));
        CU_ASSERT_STRING_EQUAL(txt(&f, 0), want);
        CU_ASSERT_EQUAL(cnt(&f)->trunc_bytes[0], 100 - k);
        CU_ASSERT_EQUAL(cnt(&f)->gaps[0], k < 100 ? 1 : 0);
        CU_ASSERT_EQUAL(cnt(&f)->bytes[0], k + 4);
        fx_fini(&f);
    }
}

/* Per-direction byte cap: 32 pieces of 8192 bytes fill RW_STREAM_OOO_MAX_BYTES exactly. */
static void test_stream_cap_bytes_declares_first_hole_gap(void)
{
    struct fx f;
    const uint32_t len = 8192, stride = 8193, n = 33;
    size_t total = 10 + (size_t)n * stride;
    uint8_t *orig = pattern(total, 21);

    CU_ASSERT_EQUAL_FATAL(32ULL * 8192, RW_STREAM_OOO_MAX_BYTES);
    fx_init(&f, 0, total);
    handshake(&f, 1, 1);
    for (uint32_t k = 0; k < 32; k++)
        sendb(&f, 0, 10 + k * stride, orig + 10 + k * stride, len);
    CU_ASSERT_EQUAL(cnt(&f)->held_bytes[0], RW_STREAM_OOO_MAX_BYTES);
    CU_ASSERT_EQUAL(cnt(&f)->cap_bytes[0], 0);
    CU_ASSERT_EQUAL(f.r->calls, 0);
    sendb(&f, 0, 10 + 32 * stride, orig + 10 + 32 * stride, len);
    CU_ASSERT_EQUAL(cnt(&f)->cap_bytes[0], 1);
    CU_ASSERT_EQUAL(f.r->ngaps[0], 1);
    CU_ASSERT_EQUAL(f.r->gap_len[0][0], 10);
    CU_ASSERT_EQUAL(f.r->data[0], len);
    CU_ASSERT_EQUAL(cnt(&f)->held_bytes[0], RW_STREAM_OOO_MAX_BYTES);
    CU_ASSERT_EQUAL(cnt(&f)->held_segments[0], 32);
    CU_ASSERT(cnt(&f)->held_bytes[0] <= RW_STREAM_OOO_MAX_BYTES);
    rw_stream_end(f.s, &f.sink);
    CU_ASSERT_EQUAL(f.r->ngaps[0], 33);
    CU_ASSERT_EQUAL(f.r->gap_total[0], 10 + 32);
    for (size_t g = 1; g < f.r->ngaps[0]; g++) {
        CU_ASSERT_EQUAL(f.r->gap_len[0][g], 1);
        CU_ASSERT_EQUAL(f.r->gap_at[0][g], 10 + g * stride - 1);
    }
    CU_ASSERT_EQUAL(f.r->data[0], (uint64_t)n * len);
    for (uint32_t k = 0; k < n; k++)
        CU_ASSERT_EQUAL(memcmp(f.r->image[0] + 10 + k * stride, orig + 10 + k * stride, len), 0);
    free(orig);
    fx_fini(&f);
}

static void test_stream_cap_segments_declares_first_hole_gap(void)
{
    struct fx f;
    char b = 'A';

    fx_init(&f, 0, 0);
    handshake(&f, 1, 1);
    /* 64 one-byte pieces at odd offsets 1..127 hit RW_STREAM_OOO_MAX_SEGMENTS exactly. */
    for (uint32_t k = 0; k < RW_STREAM_OOO_MAX_SEGMENTS; k++)
        sendb(&f, 0, 1 + 2 * k, &b, 1);
    CU_ASSERT_EQUAL(cnt(&f)->held_segments[0], RW_STREAM_OOO_MAX_SEGMENTS);
    CU_ASSERT_EQUAL(cnt(&f)->cap_segments[0], 0);
    sendb(&f, 0, 1 + 2 * 64, "Z", 1);
    CU_ASSERT_EQUAL(cnt(&f)->cap_segments[0], 1);
    CU_ASSERT_STRING_EQUAL(txt(&f, 0), "<g1>A");
    CU_ASSERT_EQUAL(cnt(&f)->held_segments[0], 64);
    /* A segment over two holes (4 and 6) needs two more pieces: the hole at 2 in front of
     * the lowest piece goes, and then the segment is the lowest and is delivered. */
    sendb(&f, 0, 4, "xAy", 3);
    CU_ASSERT_EQUAL(cnt(&f)->cap_segments[0], 2);
    CU_ASSERT_EQUAL(cnt(&f)->overlaps[0], 1);
    CU_ASSERT_EQUAL(cnt(&f)->overlaps_diff[0], 0);
    CU_ASSERT_STRING_EQUAL(txt(&f, 0), "<g1>A<g1>AxAyA");
    CU_ASSERT_EQUAL(cnt(&f)->held_segments[0], 61);
    rw_stream_end(f.s, &f.sink);
    CU_ASSERT_EQUAL(cnt(&f)->gaps[0], 2 + 61);
    CU_ASSERT_EQUAL(cnt(&f)->gap_bytes[0], 2 + 61);
    CU_ASSERT_EQUAL(cnt(&f)->bytes[0], 65 + 2);
    CU_ASSERT_EQUAL(cnt(&f)->held_segments[0], 0);
    fx_fini(&f);
}

/* Global cap: two streams of one pool; the one that does not fit gives up its own hole. */
static void test_stream_cap_global_across_two_streams(void)
{
    struct rw_stream_pool *pool = rw_stream_pool_new(1000);
    struct rw_stream *a, *b;
    struct rec *ra = calloc(1, sizeof(*ra)), *rb = calloc(1, sizeof(*rb));
    struct rw_stream_sink sa = {ra, rec_data, rec_gap}, sb = {rb, rec_data, rec_gap};
    uint8_t *orig = pattern(1000, 5);

    CU_ASSERT_PTR_NOT_NULL_FATAL(pool);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ra);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rb);
    a = rw_stream_new(pool);
    b = rw_stream_new(pool);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    pkt_raw(a, &sa, 0, 100, 0, RW_TCP_SYN, NULL, 0, 0);
    pkt_raw(b, &sb, 0, 200, 0, RW_TCP_SYN, NULL, 0, 0);
    pkt_raw(a, &sa, 0, 101 + 10, 0, 0, orig, 600, 600);
    pkt_raw(b, &sb, 0, 201 + 5, 0, 0, orig, 400, 400);
    CU_ASSERT_EQUAL(rw_stream_pool_held_bytes(pool), 1000);
    CU_ASSERT_EQUAL(rw_stream_counters(b)->cap_global[0], 0);
    pkt_raw(b, &sb, 0, 201 + 500, 0, 0, "q", 1, 1);
    CU_ASSERT_EQUAL(rw_stream_counters(b)->cap_global[0], 1);
    CU_ASSERT_EQUAL(rb->ngaps[0], 1);
    CU_ASSERT_EQUAL(rb->gap_len[0][0], 5);
    CU_ASSERT_EQUAL(rb->data[0], 400);
    CU_ASSERT_EQUAL(rw_stream_pool_held_bytes(pool), 601);
    CU_ASSERT_EQUAL(rw_stream_counters(a)->held_bytes[0], 600);
    CU_ASSERT_EQUAL(ra->calls, 0);
    /* a now cannot grow either: 400 more do not fit beside b's one byte. */
    pkt_raw(a, &sa, 0, 101 + 700, 0, 0, orig, 400, 400);
    CU_ASSERT_EQUAL(rw_stream_counters(a)->cap_global[0], 1);
    CU_ASSERT_EQUAL(ra->gap_total[0], 10);
    CU_ASSERT_EQUAL(ra->data[0], 600);
    CU_ASSERT_EQUAL(rw_stream_pool_held_bytes(pool), 401);
    CU_ASSERT(rw_stream_pool_held_bytes(pool) <= 1000);
    rw_stream_free(&a);
    CU_ASSERT_EQUAL(rw_stream_pool_held_bytes(pool), 1);
    rw_stream_free(&b);
    CU_ASSERT_EQUAL(rw_stream_pool_held_bytes(pool), 0);
    rw_stream_pool_free(&pool);
    rec_free(ra);
    rec_free(rb);
    free(orig);
}

static void test_stream_ack_proves_gap(void)
{
    struct fx f;

    fx_init(&f, 0, 0);
    handshake(&f, 1000, 2000);
    sends(&f, 0, 4, "bbbb");   /* 0..3 lost by the capture */
    ack_of(&f, 1, 2);          /* acks part of the hole only: nothing yet */
    CU_ASSERT_STRING_EQUAL(txt(&f, 0), "");
    ack_of(&f, 1, 6);          /* acks past the hole: the peer had it */
    CU_ASSERT_STRING_EQUAL(txt(&f, 0), "<g4>bbbb");
    CU_ASSERT_EQUAL(cnt(&f)->ack_gaps[0], 1);
    CU_ASSERT_EQUAL(cnt(&f)->gap_bytes[0], 4);
    /* Two holes and an ACK far beyond: both holes go, nothing beyond the held bytes. */
    sends(&f, 0, 10, "cc");
    sends(&f, 0, 14, "dd");
    ack_of(&f, 1, 100000);
    CU_ASSERT_STRING_EQUAL(txt(&f, 0), "<g4>bbbb<g2>cc<g2>dd");
    CU_ASSERT_EQUAL(cnt(&f)->ack_gaps[0], 3);
    sends(&f, 0, 16, "ee");
    CU_ASSERT_STRING_EQUAL(txt(&f, 0), "<g4>bbbb<g2>cc<g2>ddee");
    /* An ACK beyond the data with nothing held declares nothing (reordering). */
    ack_of(&f, 1, 500);
    sends(&f, 0, 18, "f");
    CU_ASSERT_STRING_EQUAL(txt(&f, 0), "<g4>bbbb<g2>cc<g2>ddeef");
    CU_ASSERT_EQUAL(cnt(&f)->gaps[0], 3);
    fx_fini(&f);
}

static void test_stream_end_flushes_in_order_with_gaps(void)
{
    struct fx f;
    struct rw_stream_counters before;

    fx_init(&f, 0, 0);
    handshake(&f, 1, 2);
    sends(&f, 0, 10, "cc");
    sends(&f, 0, 5, "bb");
    sends(&f, 1, 3, "S");
    sends(&f, 1, 0, "s");
    rw_stream_end(f.s, &f.sink);
    CU_ASSERT_STRING_EQUAL(txt(&f, 0), "<g5>bb<g3>cc");
    CU_ASSERT_STRING_EQUAL(txt(&f, 1), "s<g2>S");
    CU_ASSERT_EQUAL(cnt(&f)->held_bytes[0], 0);
    CU_ASSERT_EQUAL(rw_stream_pool_held_bytes(f.pool), 0);
    memcpy(&before, cnt(&f), sizeof(before));
    rw_stream_end(f.s, &f.sink);
    sends(&f, 0, 12, "later");
    CU_ASSERT_STRING_EQUAL(txt(&f, 0), "<g5>bb<g3>cc");
    CU_ASSERT_EQUAL(memcmp(&before, cnt(&f), sizeof(before)), 0);
    fx_fini(&f);
}

static void test_stream_fin_and_rst_end_a_direction(void)
{
    struct fx f;

    fx_init(&f, 0, 0);
    handshake(&f, 1, 2);
    sends(&f, 0, 0, "abc");
    sends(&f, 0, 7, "HELD");    /* beyond the FIN to come: discarded then */
    pkt_raw(f.s, &f.sink, 0, 2 + 5, 3, RW_TCP_FIN | RW_TCP_ACK, NULL, 0, 0); /* end at 5 */
    CU_ASSERT_EQUAL(cnt(&f)->after_end_bytes[0], 4);
    CU_ASSERT_EQUAL(cnt(&f)->held_bytes[0], 0);
    CU_ASSERT_EQUAL(rw_stream_pool_held_bytes(f.pool), 0);
    sends(&f, 0, 5, "zz");      /* after the FIN */
    sends(&f, 0, 3, "def");     /* straddles it: "de" delivered */
    pkt_raw(f.s, &f.sink, 0, 2 + 9, 3, RW_TCP_FIN | RW_TCP_ACK, NULL, 0, 0); /* a second */
    CU_ASSERT_STRING_EQUAL(txt(&f, 0), "abcde");
    CU_ASSERT_EQUAL(cnt(&f)->after_end_bytes[0], 4 + 2 + 1);
    CU_ASSERT_EQUAL(cnt(&f)->end_ignored[0], 1);
    /* Server: FIN carrying data; a lost middle is declared at the end. */
    sends(&f, 1, 0, "xy");
    pkt_raw(f.s, &f.sink, 1, 3 + 5, 2, RW_TCP_FIN | RW_TCP_ACK, "end", 3, 3);
    rw_stream_end(f.s, &f.sink);
    CU_ASSERT_STRING_EQUAL(txt(&f, 1), "xy<g3>end");
    fx_fini(&f);

    fx_init(&f, 0, 0);
    handshake(&f, 1, 2);
    sends(&f, 0, 0, "abc");
    pkt_raw(f.s, &f.sink, 0, 1, 0, RW_TCP_SYN | RW_TCP_FIN, NULL, 0, 0);  /* invalid: ignored */
    pkt_raw(f.s, &f.sink, 0, 1, 0, RW_TCP_SYN | RW_TCP_RST, NULL, 0, 0);  /* invalid: ignored */
    CU_ASSERT_EQUAL(cnt(&f)->end_ignored[0], 2);
    pkt_raw(f.s, &f.sink, 0, 2 - 100, 0, RW_TCP_RST, NULL, 0, 0);  /* behind: ignored */
    pkt_raw(f.s, &f.sink, 0, 2 + 3, 0, RW_TCP_RST, "why", 3, 3);   /* ends at 3 */
    sends(&f, 0, 3, "def");
    CU_ASSERT_STRING_EQUAL(txt(&f, 0), "abc");
    CU_ASSERT_EQUAL(cnt(&f)->end_ignored[0], 3);
    CU_ASSERT_EQUAL(cnt(&f)->after_end_bytes[0], 3 + 3);
    sends(&f, 1, 0, "srv");     /* the other direction goes on */
    CU_ASSERT_STRING_EQUAL(txt(&f, 1), "srv");
    rw_stream_end(f.s, &f.sink);
    CU_ASSERT_STRING_EQUAL(txt(&f, 0), "abc");
    fx_fini(&f);
}

static void test_stream_hostile_jumps_allocate_nothing(void)
{
    struct fx f;

    fx_init(&f, 0, 0);
    handshake(&f, 1, 2);
    sends(&f, 0, 0, "ok");
    pkt_raw(f.s, &f.sink, 0, 2 + 2 + 0x7fffffffu, 3, RW_TCP_ACK, "far", 3, 3);
    pkt_raw(f.s, &f.sink, 0, 2 + 2 + (uint32_t)RW_STREAM_MAX_AHEAD_BYTES + 1, 3, RW_TCP_ACK,
            "far", 3, 3);
    CU_ASSERT_EQUAL(cnt(&f)->ahead_dropped[0], 2);
    CU_ASSERT_EQUAL(rw_stream_pool_held_bytes(f.pool), 0);
    pkt_raw(f.s, &f.sink, 0, 2 + 2 + 0x80000000u, 3, RW_TCP_ACK, "bk", 2, 2); /* -2^31: old */
    CU_ASSERT_EQUAL(cnt(&f)->retrans_segments[0], 1);
    pkt_raw(f.s, &f.sink, 0, 2 + 2 + 0x7fffffffu, 3, RW_TCP_FIN, NULL, 0, 0);
    CU_ASSERT_EQUAL(cnt(&f)->end_ignored[0], 1);
    /* Exactly RW_STREAM_MAX_AHEAD_BYTES ahead is held; an ACK cannot push past it. */
    pkt_raw(f.s, &f.sink, 0, 2 + 2 + (uint32_t)RW_STREAM_MAX_AHEAD_BYTES, 3, RW_TCP_ACK, "edge",
            4, 4);
    CU_ASSERT_EQUAL(cnt(&f)->held_bytes[0], 4);
    pkt_raw(f.s, &f.sink, 1, 3, 0x7fffffffu, RW_TCP_ACK, NULL, 0, 0);   /* not believed */
    pkt_raw(f.s, &f.sink, 1, 3, 2 + 2 + (uint32_t)RW_STREAM_MAX_AHEAD_BYTES + 1, RW_TCP_ACK, NULL,
            0, 0);
    CU_ASSERT_EQUAL(cnt(&f)->gaps[0], 0);
    pkt_raw(f.s, &f.sink, 1, 3, 2 + 2 + (uint32_t)RW_STREAM_MAX_AHEAD_BYTES, RW_TCP_ACK, NULL,
            0, 0);
    CU_ASSERT_EQUAL(cnt(&f)->gap_bytes[0], RW_STREAM_MAX_AHEAD_BYTES);
    CU_ASSERT_STRING_EQUAL(txt(&f, 0), "ok<g1073741824>edge");
    /* A wire length that lies: the cut-off bytes are one gap, a number, not a loop. */
    pkt_raw(f.s, &f.sink, 1, 3, 0, RW_TCP_ACK, "ab", 2, 0xffffffffu);
    CU_ASSERT_EQUAL(cnt(&f)->gap_bytes[1], 0xffffffffu - 2);
    /* Bad direction, NULL arguments. */
    pkt_raw(f.s, &f.sink, 2, 3, 0, RW_TCP_ACK, "ab", 2, 2);
    CU_ASSERT_EQUAL(cnt(&f)->bad_dir[0], 1);
    rw_stream_packet(NULL, NULL, NULL);
    rw_stream_packet(f.s, NULL, &f.sink);
    rw_stream_end(NULL, NULL);
    rw_stream_free(NULL);
    rw_stream_pool_free(NULL);
    CU_ASSERT_PTR_NULL(rw_stream_new(NULL));
    CU_ASSERT_EQUAL(rw_stream_counters(NULL)->bytes[0], 0);
    CU_ASSERT_EQUAL(rw_stream_pool_held_bytes(NULL), 0);
    /* A NULL sink: bytes are counted only. */
    pkt_raw(f.s, NULL, 0, 2 + 2 + (uint32_t)RW_STREAM_MAX_AHEAD_BYTES + 4, 3, RW_TCP_ACK, "xy", 2,
            2);
    CU_ASSERT_EQUAL(cnt(&f)->bytes[0], 2 + 2 + 4);
    fx_fini(&f);
}

/* A segment list for the random tests: [off, off + len) of the stream. */
struct piece {
    uint32_t off, len;
};

/* Cuts n bytes into segments of 1..1460 bytes, permutes them within blocks of `block`,
 * and inserts duplicates (re-cut at random bounds, so they overlap several segments) at
 * random places of the same block. Returns the count; *out is malloc'd. */
static size_t make_schedule(uint64_t *st, uint32_t n, uint32_t block, struct piece **out)
{
    size_t cap = n, cnt_in = 0, m = 0;
    struct piece *in = malloc(cap * sizeof(*in)), *res = malloc(cap * 2 * sizeof(*res));

    CU_ASSERT_PTR_NOT_NULL_FATAL(in);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    for (uint32_t off = 0; off < n;) {
        uint32_t len = 1 + rnd_below(st, rnd_below(st, 4) == 0 ? 8 : 1460);

        if (len > n - off)
            len = n - off;
        in[cnt_in].off = off;
        in[cnt_in].len = len;
        cnt_in++;
        off += len;
    }
    for (size_t b0 = 0; b0 < cnt_in; b0 += block) {
        size_t bn = cnt_in - b0 < block ? cnt_in - b0 : block, start = m;

        for (size_t i = bn; i > 1; i--) {
            size_t j = rnd_below(st, (uint32_t)i);
            struct piece t = in[b0 + i - 1];

            in[b0 + i - 1] = in[b0 + j];
            in[b0 + j] = t;
        }
        for (size_t i = 0; i < bn; i++) {
            res[m++] = in[b0 + i];
            if (rnd_below(st, 5) == 0) {
                /* A duplicate of bytes of this block, placed anywhere in the block so far. */
                const struct piece *src = &in[b0 + rnd_below(st, (uint32_t)bn)];
                uint32_t a = src->off + rnd_below(st, src->len);
                uint32_t len = 1 + rnd_below(st, 1460);
                size_t at = start + rnd_below(st, (uint32_t)(m - start + 1));

                if (len > n - a)
                    len = n - a;
                memmove(&res[at + 1], &res[at], (m - at) * sizeof(*res));
                res[at].off = a;
                res[at].len = len;
                m++;
            }
        }
    }
    free(in);
    *out = res;
    return m;
}

/* 200 KB, reordered within blocks and with duplicates, over many seeds: the delivered
 * stream equals the original byte for byte, with no gap and no difference counted. */
static void test_stream_random_permutations_exact(void)
{
    const uint32_t n = 200 * 1024;
    uint8_t *orig = pattern(n, 99);

    for (uint64_t seed = 1; seed <= 40; seed++) {
        uint64_t st = seed * 0x9E3779B97F4A7C15ULL;
        struct piece *sch;
        size_t m = make_schedule(&st, n, 20, &sch);
        struct fx f;
        uint32_t isn = (uint32_t)rnd_next(&st);

        if (seed % 4 == 0)
            isn = 0xFFFFFFFFu - rnd_below(&st, n); /* crosses 2^32 */
        fx_init(&f, 0, n);
        handshake(&f, isn, ~isn);
        for (size_t i = 0; i < m; i++) {
            sendb(&f, 0, sch[i].off, orig + sch[i].off, sch[i].len);
            CU_ASSERT(cnt(&f)->held_segments[0] <= RW_STREAM_OOO_MAX_SEGMENTS);
        }
        CU_ASSERT_EQUAL(f.r->data[0], n);
        CU_ASSERT_EQUAL(f.r->gap_total[0], 0);
        CU_ASSERT_EQUAL(memcmp(f.r->image[0], orig, n), 0);
        CU_ASSERT_EQUAL(cnt(&f)->overlaps_diff[0], 0);
        CU_ASSERT_EQUAL(cnt(&f)->cap_segments[0] + cnt(&f)->cap_bytes[0], 0);
        CU_ASSERT_EQUAL(cnt(&f)->held_bytes[0], 0);
        CU_ASSERT(cnt(&f)->ooo_segments[0] > 0);
        CU_ASSERT(cnt(&f)->retrans_bytes[0] > 0);
        /* Every byte beyond the first copy of each byte was counted as a retransmission. */
        {
            uint64_t sent = 0;

            for (size_t i = 0; i < m; i++)
                sent += sch[i].len;
            CU_ASSERT_EQUAL(sent - n, cnt(&f)->retrans_bytes[0]);
        }
        fx_fini(&f);
        free(sch);
    }
    free(orig);
}

/* Fully random order under a small pool: caps are hit all the time, but every delivered
 * byte sits at its true position, data plus gaps cover the stream exactly, and the held
 * bytes never pass the bounds. */
static void test_stream_random_full_permutation_bounded(void)
{
    const uint32_t n = 200 * 1024;
    uint8_t *orig = pattern(n, 42);

    for (uint64_t seed = 1; seed <= 10; seed++) {
        uint64_t st = seed * 0xD1B54A32D192ED03ULL;
        struct piece *sch;
        size_t m = make_schedule(&st, n, 1000000, &sch);
        struct fx f;

        fx_init(&f, 50000, n);
        handshake(&f, (uint32_t)rnd_next(&st), 0);
        for (size_t i = 0; i < m; i++) {
            sendb(&f, 0, sch[i].off, orig + sch[i].off, sch[i].len);
            CU_ASSERT(cnt(&f)->held_segments[0] <= RW_STREAM_OOO_MAX_SEGMENTS);
            CU_ASSERT(rw_stream_pool_held_bytes(f.pool) <= 50000);
        }
        rw_stream_end(f.s, &f.sink);
        CU_ASSERT_EQUAL(f.r->data[0] + f.r->gap_total[0], n);
        CU_ASSERT(cnt(&f)->cap_global[0] + cnt(&f)->cap_segments[0] > 0);
        /* Compare data between gaps with the original. */
        {
            uint64_t pos = 0;
            int same = 1;

            for (size_t g = 0; g <= f.r->ngaps[0]; g++) {
                uint64_t to = g < f.r->ngaps[0] ? f.r->gap_at[0][g] : n;

                if (to > pos && memcmp(f.r->image[0] + pos, orig + pos, to - pos) != 0)
                    same = 0;
                if (g < f.r->ngaps[0])
                    pos = to + f.r->gap_len[0][g];
            }
            CU_ASSERT(same);
            CU_ASSERT(f.r->ngaps[0] < REC_MAX_GAPS);
        }
        fx_fini(&f);
        free(sch);
    }
    free(orig);
}

/* One scenario with holes, overlaps and out-of-order pieces, run with the Nth allocation
 * failing for every N: never a crash, every byte delivered or in a gap, bytes true. */
static void test_stream_allocation_failure_walk(void)
{
    const uint32_t n = 6000;
    uint8_t *orig = pattern(n, 8);
    static const struct piece sch[] = {
        {3000, 1000}, {1000, 500}, {5000, 1000}, {1200, 1000}, {4500, 200}, {0, 900},
        {2500, 600},  {900, 100},  {4000, 1000}, {2200, 300},  {100, 5000},
    };
    unsigned long fail_at;
    int completed = 0, seg_failures = 0;

    for (fail_at = 1; fail_at < 200 && !completed; fail_at++) {
        struct rw_stream_pool *pool;
        struct rw_stream *s = NULL;
        struct rec *r = calloc(1, sizeof(*r));
        struct rw_stream_sink sink = {r, rec_data, rec_gap};
        unsigned long failures;

        CU_ASSERT_PTR_NOT_NULL_FATAL(r);
        r->image[0] = calloc(1, n);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r->image[0]);
        r->image_cap[0] = n;
        rw_alloc_hook_set(fail_at);
        pool = rw_stream_pool_new(0);
        if (pool != NULL)
            s = rw_stream_new(pool);
        if (s != NULL) {
            pkt_raw(s, &sink, 0, 41, 0, RW_TCP_SYN, NULL, 0, 0);
            for (size_t i = 0; i < sizeof(sch) / sizeof(sch[0]); i++)
                pkt_raw(s, &sink, 0, 42 + sch[i].off, 0, RW_TCP_ACK, orig + sch[i].off,
                        sch[i].len, sch[i].len);
            rw_stream_end(s, &sink);
        }
        failures = rw_alloc_hook_failures();
        rw_alloc_hook_set(0);
        if (s != NULL) {
            const struct rw_stream_counters *c = rw_stream_counters(s);
            uint64_t pos = 0;
            int same = 1;

            CU_ASSERT_EQUAL(r->data[0] + r->gap_total[0], n);
            CU_ASSERT_EQUAL(c->alloc_fail[0] > 0, failures > 0);
            seg_failures += c->alloc_fail[0] > 0;
            for (size_t g = 0; g <= r->ngaps[0]; g++) {
                uint64_t to = g < r->ngaps[0] ? r->gap_at[0][g] : n;

                if (to > pos && memcmp(r->image[0] + pos, orig + pos, to - pos) != 0)
                    same = 0;
                if (g < r->ngaps[0])
                    pos = to + r->gap_len[0][g];
            }
            CU_ASSERT(same);
            if (failures == 0) {
                completed = 1;
                CU_ASSERT_EQUAL(r->gap_total[0], 0);
                CU_ASSERT_EQUAL(memcmp(r->image[0], orig, n), 0);
            }
        } else {
            CU_ASSERT(failures > 0);
        }
        rw_stream_free(&s);
        CU_ASSERT_EQUAL(rw_stream_pool_held_bytes(pool), 0);
        rw_stream_pool_free(&pool);
        rec_free(r);
    }
    CU_ASSERT(completed);
    /* pool, stream, then one copy per held piece (8 of them): each failed in turn, and the
     * run with none failing (fail_at 11) completed. */
    CU_ASSERT_EQUAL(fail_at - 1, 2 + 8 + 1);
    CU_ASSERT_EQUAL(seg_failures, 8);
    free(orig);
}

static void test_stream_pool_held_bytes_back_to_zero(void)
{
    struct rw_stream_pool *pool = rw_stream_pool_new(0);
    struct rw_stream *a, *b;

    CU_ASSERT_PTR_NOT_NULL_FATAL(pool);
    a = rw_stream_new(pool);
    b = rw_stream_new(pool);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    pkt_raw(a, NULL, 0, 10, 0, 0, "first", 5, 5);        /* base, delivered */
    pkt_raw(a, NULL, 0, 20, 0, 0, "held-a", 6, 6);
    pkt_raw(a, NULL, 1, 99, 0, 0, "x", 1, 1);
    pkt_raw(a, NULL, 1, 200, 0, 0, "held-a1", 7, 7);
    pkt_raw(b, NULL, 0, 7, 0, RW_TCP_SYN, NULL, 0, 0);
    pkt_raw(b, NULL, 0, 100, 0, 0, "held-b", 6, 6);
    CU_ASSERT_EQUAL(rw_stream_pool_held_bytes(pool), 19);
    rw_stream_free(&a);
    CU_ASSERT_PTR_NULL(a);
    CU_ASSERT_EQUAL(rw_stream_pool_held_bytes(pool), 6);
    rw_stream_free(&b);
    CU_ASSERT_EQUAL(rw_stream_pool_held_bytes(pool), 0);
    rw_stream_pool_free(&pool);
    CU_ASSERT_PTR_NULL(pool);
}

/* Random hostile packets (any flags, sequence and ack numbers near and far, lying wire
 * lengths): bounds hold after every packet, counters match what the sink saw. */
static void test_stream_random_hostile_packets_stay_bounded(void)
{
    static uint8_t buf[3000];
    uint64_t st = 12345, ooo = 0, caps = 0, ends = 0, ack_gaps = 0, ahead = 0, trunc = 0;
    struct fx f;

    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)rnd_next(&st);
    for (int round = 0; round < 20; round++) {
        uint32_t base[2] = {(uint32_t)rnd_next(&st), (uint32_t)rnd_next(&st)};

        fx_init(&f, 1 + rnd_below(&st, 400000), 0);
        for (int i = 0; i < 5000; i++) {
            uint8_t dir = (uint8_t)rnd_below(&st, 2);
            uint32_t r = rnd_below(&st, 10), seq, ack, cap, wire;

            seq = r < 7 ? base[dir] + rnd_below(&st, 300000) : (uint32_t)rnd_next(&st);
            ack = rnd_below(&st, 2) ? base[!dir] + rnd_below(&st, 300000)
                                    : (uint32_t)rnd_next(&st);
            cap = rnd_below(&st, 3) ? rnd_below(&st, 3000) : 0;
            wire = rnd_below(&st, 8) ? cap : cap + rnd_below(&st, 70000);
            pkt_raw(f.s, &f.sink, dir, seq, ack, (uint8_t)(rnd_below(&st, 8) ? RW_TCP_ACK
                                                                           : rnd_next(&st)),
                    buf, cap, wire);
            for (int d = 0; d < 2; d++) {
                CU_ASSERT(cnt(&f)->held_bytes[d] <= RW_STREAM_OOO_MAX_BYTES);
                CU_ASSERT(cnt(&f)->held_segments[d] <= RW_STREAM_OOO_MAX_SEGMENTS);
            }
            CU_ASSERT_EQUAL(rw_stream_pool_held_bytes(f.pool),
                            cnt(&f)->held_bytes[0] + cnt(&f)->held_bytes[1]);
        }
        rw_stream_end(f.s, &f.sink);
        for (int d = 0; d < 2; d++) {
            CU_ASSERT_EQUAL(cnt(&f)->bytes[d], f.r->data[d]);
            CU_ASSERT_EQUAL(cnt(&f)->gap_bytes[d], f.r->gap_total[d]);
            CU_ASSERT_EQUAL(cnt(&f)->held_bytes[d], 0);
            ooo += cnt(&f)->ooo_segments[d];
            caps += cnt(&f)->cap_bytes[d] + cnt(&f)->cap_segments[d] + cnt(&f)->cap_global[d];
            ends += cnt(&f)->after_end_bytes[d];
            ack_gaps += cnt(&f)->ack_gaps[d];
            ahead += cnt(&f)->ahead_dropped[d];
            trunc += cnt(&f)->trunc_bytes[d];
        }
        CU_ASSERT_EQUAL(rw_stream_pool_held_bytes(f.pool), 0);
        fx_fini(&f);
    }
    /* The walk reached every path it is meant to test. */
    CU_ASSERT(ooo > 0 && caps > 0 && ends > 0 && ack_gaps > 0 && ahead > 0 && trunc > 0);
}

/* A lazy stream (struct rw_stream_start until the first packet it refuses, then
 * rw_stream_new_from) delivers and counts exactly what an eager one does, on random walks
 * that start with handshakes, lone SYN/ACKs, pure ACKs, FIN or RST before any byte. */
static void test_stream_lazy_start_matches_eager(void)
{
    static uint8_t buf[1500];
    static const uint8_t first_flags[] = {
        RW_TCP_SYN, RW_TCP_SYN | RW_TCP_ACK, RW_TCP_ACK, RW_TCP_FIN | RW_TCP_ACK, RW_TCP_RST,
        RW_TCP_SYN | RW_TCP_FIN, RW_TCP_PSH | RW_TCP_ACK,
    };
    uint64_t st = 777, lazy_made = 0, never_made = 0;

    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)rnd_next(&st);
    for (int round = 0; round < 400; round++) {
        uint32_t base[2] = {(uint32_t)rnd_next(&st), (uint32_t)rnd_next(&st)};
        struct rw_stream_start ss;
        struct rw_stream *lazy = NULL;
        struct rec *rl = calloc(1, sizeof(*rl));
        struct rw_stream_sink sl = {rl, rec_data, rec_gap};
        struct fx f;
        int n = 1 + (int)rnd_below(&st, 12);

        CU_ASSERT_PTR_NOT_NULL_FATAL(rl);
        memset(&ss, 0, sizeof(ss));
        fx_init(&f, 0, 0);
        for (int i = 0; i < n; i++) {
            uint8_t dir = (uint8_t)rnd_below(&st, 2);
            uint8_t fl = first_flags[rnd_below(&st, sizeof(first_flags))];
            uint32_t seq = base[dir] + rnd_below(&st, 4000) - 2;
            uint32_t ack = base[!dir] + rnd_below(&st, 4000);
            uint32_t cap = rnd_below(&st, 3) == 0 ? rnd_below(&st, sizeof(buf)) : 0;
            uint32_t wire = rnd_below(&st, 6) == 0 ? cap + rnd_below(&st, 100) : cap;
            struct rw_packet pk;

            memset(&pk, 0, sizeof(pk));
            pk.payload = cap > 0 ? buf : NULL;
            pk.payload_len = cap;
            pk.payload_wire_len = wire;
            pk.tcp_seq = seq;
            pk.tcp_ack = ack;
            pk.tcp_flags = fl;
            pk.dir = dir;
            rw_stream_packet(f.s, &pk, &f.sink);
            if (lazy == NULL && !rw_stream_start_packet(&ss, &pk)) {
                lazy = rw_stream_new_from(f.pool, &ss);
                CU_ASSERT_PTR_NOT_NULL_FATAL(lazy);
                lazy_made++;
            }
            if (lazy != NULL)
                rw_stream_packet(lazy, &pk, &sl);
        }
        rw_stream_end(f.s, &f.sink);
        rw_stream_end(lazy, &sl);
        never_made += lazy == NULL;
        CU_ASSERT_STRING_EQUAL(txt(&f, 0), rl->text[0] != NULL ? rl->text[0] : "");
        CU_ASSERT_STRING_EQUAL(txt(&f, 1), rl->text[1] != NULL ? rl->text[1] : "");
        CU_ASSERT_EQUAL(memcmp(cnt(&f), rw_stream_counters(lazy), sizeof(*cnt(&f))), 0);
        CU_ASSERT(lazy == NULL || rw_stream_bytes(lazy) == rw_stream_bytes(f.s));
        rw_stream_free(&lazy);
        rec_free(rl);
        fx_fini(&f);
    }
    CU_ASSERT(lazy_made > 0 && never_made > 0);
}

/* rw_stream_bytes counts the struct, then held bytes and their pieces, down to the
 * struct again when they are delivered. */
static void test_stream_bytes_follow_held_pieces(void)
{
    struct fx f;
    size_t empty;

    CU_ASSERT_EQUAL(rw_stream_bytes(NULL), 0);
    fx_init(&f, 0, 0);
    empty = rw_stream_bytes(f.s);
    CU_ASSERT(empty > 0);
    handshake(&f, 1000, 5000);
    sends(&f, 0, 10, "later");
    sends(&f, 0, 20, "latest");
    CU_ASSERT(rw_stream_bytes(f.s) > empty + 11);
    sends(&f, 0, 0, "0123456789");
    sends(&f, 0, 15, "....-");
    CU_ASSERT_EQUAL(rw_stream_bytes(f.s), empty);
    CU_ASSERT_STRING_EQUAL(txt(&f, 0), "0123456789later....-latest");
    fx_fini(&f);
}

/* Bytes the process has allocated and not freed: AddressSanitizer's exact count, or
 * glibc's (chunk sizes, so within malloc's rounding). */
static size_t live_bytes(void)
{
#if RW_ASAN
    return __sanitizer_get_current_allocated_bytes();
#else
    return mallinfo2().uordblks;
#endif
}

/* An end inside a held piece gives the piece's tail back: the bytes cut are after_end_bytes
 * and held_bytes, the pool and rw_stream_bytes drop by them. The piece used to keep its
 * whole allocation while only the counts shrank, so a flow could hold up to
 * RW_STREAM_OOO_MAX_BYTES per direction that neither the pool's cap nor the host's memcap
 * saw (fuzz_stream: regress/stream/rst-inside-held-piece, whose packets these are). */
static void test_stream_end_inside_held_piece_frees_its_tail(void)
{
    struct fx f;
    uint8_t *pay = pattern(255, 7);
    const uint32_t at = 0x10000000;      /* the piece's offset: 256 MiB ahead */
    size_t empty, hdr, live;
    char want[64];
    int n;

    fx_init(&f, 0, 0);
    empty = rw_stream_bytes(f.s);
    /* A SYN/ACK only: RW_TOSERVER's offset 0 is its acknowledgement, 0xfffffff0. */
    pkt_raw(f.s, &f.sink, 1, 0, 0xfffffff0, RW_TCP_SYN | RW_TCP_ACK, NULL, 0, 0);
    /* 255 bytes held at offset 2^28 (no flags; the wire length 2^32 - 1 is a snaplen cut
     * of a held segment: its tail stays a hole). */
    pkt_raw(f.s, &f.sink, 0, 0xfffffff0 + at, 256, 0, pay, 255, 0xffffffff);
    CU_ASSERT_EQUAL(cnt(&f)->held_bytes[0], 255);
    hdr = rw_stream_bytes(f.s) - empty - 255;
    CU_ASSERT(hdr >= sizeof(void *) + 16 && hdr < sizeof(void *) + 32);
    /* FIN+RST (the RST decides) at offset 2^28 + 191: the last 64 bytes are after it, and
     * their memory goes back to malloc. */
    live = live_bytes();
    pkt_raw(f.s, &f.sink, 0, 0xfffffff0 + at + 191, 2, RW_TCP_FIN | RW_TCP_RST, NULL, 0, 0);
    CU_ASSERT(live - live_bytes() >= 64 - 16 && live - live_bytes() <= 64 + 16);
    CU_ASSERT_EQUAL(cnt(&f)->after_end_bytes[0], 64);
    CU_ASSERT_EQUAL(cnt(&f)->held_bytes[0], 191);
    CU_ASSERT_EQUAL(cnt(&f)->held_segments[0], 1);
    CU_ASSERT_EQUAL(rw_stream_pool_held_bytes(f.pool), 191);
    CU_ASSERT_EQUAL(rw_stream_bytes(f.s), empty + hdr + 191);
    CU_ASSERT_EQUAL(cnt(&f)->end_ignored[0], 0);
    CU_ASSERT_EQUAL(f.r->calls, 0);
    rw_stream_end(f.s, &f.sink);
    n = snprintf(want, sizeof(want), "<g%u>", at);
    CU_ASSERT_EQUAL_FATAL(f.r->text_len[0], (size_t)n + 191);
    CU_ASSERT(memcmp(f.r->text[0], want, (size_t)n) == 0);
    CU_ASSERT(memcmp(f.r->text[0] + n, pay, 191) == 0);
    CU_ASSERT_EQUAL(cnt(&f)->gaps[0], 1);
    CU_ASSERT_EQUAL(cnt(&f)->gap_bytes[0], at);
    CU_ASSERT_EQUAL(cnt(&f)->bytes[0], 191);
    CU_ASSERT_EQUAL(cnt(&f)->trunc_bytes[0], 0xffffffffULL - 255);
    CU_ASSERT_EQUAL(rw_stream_bytes(f.s), empty);
    fx_fini(&f);
    free(pay);
}

/* When the shrinking allocation fails, the cut piece keeps its allocation and the counts
 * keep charging all of it (memory is never held uncounted); the same bytes are delivered. */
static void test_stream_end_cut_without_memory_keeps_charging(void)
{
    struct fx f;
    size_t empty;

    fx_init(&f, 0, 0);
    handshake(&f, 1000, 5000);
    empty = rw_stream_bytes(f.s);
    sends(&f, 0, 10, "0123456789");
    rw_alloc_hook_set(1);
    pkt_raw(f.s, &f.sink, 0, 1000 + 1 + 15, 5001, RW_TCP_FIN | RW_TCP_ACK, NULL, 0, 0);
    CU_ASSERT_EQUAL(rw_alloc_hook_failures(), 1);
    rw_alloc_hook_set(0);
    CU_ASSERT_EQUAL(cnt(&f)->after_end_bytes[0], 5);
    CU_ASSERT_EQUAL(cnt(&f)->held_bytes[0], 10);
    CU_ASSERT_EQUAL(rw_stream_pool_held_bytes(f.pool), 10);
    CU_ASSERT(rw_stream_bytes(f.s) > empty + 10);
    sends(&f, 0, 0, "abcdefghij");
    CU_ASSERT_STRING_EQUAL(txt(&f, 0), "abcdefghij01234");
    CU_ASSERT_EQUAL(cnt(&f)->held_bytes[0], 0);
    CU_ASSERT_EQUAL(rw_stream_pool_held_bytes(f.pool), 0);
    CU_ASSERT_EQUAL(rw_stream_bytes(f.s), empty);
    fx_fini(&f);
}

/* Two edges rw_stream.h states: a FIN of a direction that has not started is ignored
 * without a count (and that direction has no end), and a wire length below the captured
 * length is the captured length. */
static void test_stream_fin_before_start_and_short_wire(void)
{
    struct fx f;

    fx_init(&f, 0, 0);
    pkt_raw(f.s, &f.sink, 0, 500, 0, RW_TCP_FIN | RW_TCP_ACK, NULL, 0, 0);
    CU_ASSERT_EQUAL(cnt(&f)->end_ignored[0], 0);
    CU_ASSERT_EQUAL(cnt(&f)->after_end_bytes[0], 0);
    pkt_raw(f.s, &f.sink, 0, 400, 0, RW_TCP_ACK, "abcdef", 6, 2);   /* starts it at 400 */
    pkt_raw(f.s, &f.sink, 0, 600, 0, RW_TCP_ACK, "held", 4, 4);     /* past 500: kept */
    CU_ASSERT_EQUAL(cnt(&f)->trunc_bytes[0], 0);
    CU_ASSERT_EQUAL(cnt(&f)->after_end_bytes[0], 0);
    rw_stream_end(f.s, &f.sink);
    CU_ASSERT_STRING_EQUAL(txt(&f, 0), "abcdef<g194>held");
    CU_ASSERT_EQUAL(cnt(&f)->end_ignored[0], 0);
    fx_fini(&f);
}

static CU_TestInfo stream_tests[] = {
    {"in order, both directions", test_stream_in_order_both_directions},
    {"in order is zero-copy", test_stream_in_order_is_zero_copy},
    {"one-byte segments", test_stream_one_byte_segments},
    {"reverse-order segments", test_stream_reverse_order_segments},
    {"duplicates counted, not delivered", test_stream_duplicates_counted_not_delivered},
    {"overlaps: first bytes win", test_stream_overlap_first_bytes_win},
    {"retransmission of delivered bytes", test_stream_retransmission_of_delivered},
    {"sequence wraparound", test_stream_sequence_wraparound},
    {"mid-stream pickup", test_stream_midstream_pickup},
    {"snaplen cut is a gap", test_stream_snaplen_cut_is_gap},
    {"snaplen cut at every offset", test_stream_snaplen_cut_at_every_offset},
    {"byte cap: first hole is a gap", test_stream_cap_bytes_declares_first_hole_gap},
    {"segment cap: first hole is a gap", test_stream_cap_segments_declares_first_hole_gap},
    {"global cap across two streams", test_stream_cap_global_across_two_streams},
    {"ACK proves a gap", test_stream_ack_proves_gap},
    {"end flushes in order with gaps", test_stream_end_flushes_in_order_with_gaps},
    {"FIN and RST end a direction", test_stream_fin_and_rst_end_a_direction},
    {"hostile jumps allocate nothing", test_stream_hostile_jumps_allocate_nothing},
    {"random permutations, exact", test_stream_random_permutations_exact},
    {"random full permutation, bounded", test_stream_random_full_permutation_bounded},
    {"random hostile packets stay bounded", test_stream_random_hostile_packets_stay_bounded},
    {"allocation-failure walk", test_stream_allocation_failure_walk},
    {"pool held bytes back to zero", test_stream_pool_held_bytes_back_to_zero},
    {"lazy start matches an eager stream", test_stream_lazy_start_matches_eager},
    {"bytes follow held pieces", test_stream_bytes_follow_held_pieces},
    {"end inside a held piece frees its tail", test_stream_end_inside_held_piece_frees_its_tail},
    {"end cut without memory keeps charging", test_stream_end_cut_without_memory_keeps_charging},
    {"FIN before the start, short wire length", test_stream_fin_before_start_and_short_wire},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rw_suites_stream[] = {
    {"stream", NULL, NULL, NULL, NULL, stream_tests},
    CU_SUITE_INFO_NULL,
};
