/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_rw_decode_encap.c — PPPoE, MPLS, ERSPAN, Geneve, Teredo, IP in IP and Cisco HDLC. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rw_decode.h"
#include "rw_test.h"
#include "rw_test_decode.h"

enum { T_EN10MB = 1, T_RAW = 12, T_C_HDLC = 104 };

/* ---------------------------------------------------------------------------------------- */
/* helpers (the contract checks are in rw_test_decode.h) */

/* A frame under construction. */
struct fb {
    uint8_t b[512];
    size_t n;
};

static void put(struct fb *f, const void *p, size_t n)
{
    CU_ASSERT_FATAL(n <= sizeof(f->b) - f->n);
    memcpy(f->b + f->n, p, n);
    f->n += n;
}

static void put16(struct fb *f, uint32_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

    put(f, b, 2);
}

static void put32(struct fb *f, uint32_t v)
{
    put16(f, v >> 16);
    put16(f, v & 0xffff);
}

/* The inner packets every test wraps: UDP 5353 -> 53 with 4 bytes "data". */
static const uint8_t inner4[] = {
    0x45, 0x00, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00, /* v4, IHL 5, length 32, id 1 */
    0x40, 0x11, 0x00, 0x00,                         /* TTL 64, UDP */
    0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02, /* 192.0.2.1 -> 192.0.2.2 */
    0x14, 0xe9, 0x00, 0x35, 0x00, 0x0c, 0x00, 0x00, /* UDP 5353 -> 53, length 12 */
    'd', 'a', 't', 'a',
};

static const uint8_t inner6[] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x11, 0x40, /* v6, payload 12, UDP, hop limit 64 */
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, /* 2001:db8::1 */
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, /* 2001:db8::2 */
    0x14, 0xe9, 0x00, 0x35, 0x00, 0x0c, 0x00, 0x00, /* UDP 5353 -> 53, length 12 */
    'd', 'a', 't', 'a',
};

static void put_eth(struct fb *f, uint16_t type)
{
    static const uint8_t macs[12] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
                                     0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};

    put(f, macs, sizeof(macs));
    put16(f, type);
}

/* Outer IPv4 10.0.0.1 -> 10.0.0.2 with plen bytes of proto after it. */
static void put_ip4(struct fb *f, uint8_t proto, size_t plen)
{
    uint8_t h[20] = {0x45, 0, 0, 0, 0, 0, 0x40, 0, 0x40, 0, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};

    h[2] = (uint8_t)((20 + plen) >> 8);
    h[3] = (uint8_t)(20 + plen);
    h[9] = proto;
    put(f, h, sizeof(h));
}

/* Outer IPv6 2001:db8::a -> 2001:db8::b. */
static void put_ip6(struct fb *f, uint8_t nh, size_t plen)
{
    uint8_t h[40] = {0x60, 0, 0, 0, 0, 0, 0, 64, 0x20, 0x01, 0x0d, 0xb8};

    h[4] = (uint8_t)(plen >> 8);
    h[5] = (uint8_t)plen;
    h[6] = nh;
    h[23] = 0x0a;
    memcpy(h + 24, h + 8, 15);
    h[39] = 0x0b;
    put(f, h, sizeof(h));
}

static void put_udp(struct fb *f, uint16_t sport, uint16_t dport, size_t plen)
{
    put16(f, sport);
    put16(f, dport);
    put16(f, (uint32_t)(8 + plen));
    put16(f, 0);
}

/* The inner UDP packet of inner4 (or inner6) came out. */
static void expect_inner(const struct rw_decoded *d, int v6)
{
    expect_addr(&d->key.src, v6 ? "2001:db8::1" : "192.0.2.1");
    expect_addr(&d->key.dst, v6 ? "2001:db8::2" : "192.0.2.2");
    CU_ASSERT_EQUAL(d->key.proto, 17);
    CU_ASSERT_EQUAL(d->key.sport, 5353);
    CU_ASSERT_EQUAL(d->key.dport, 53);
    CU_ASSERT_EQUAL(d->payload_len, 4);
    CU_ASSERT_EQUAL(d->payload_wire_len, 4);
    CU_ASSERT_EQUAL(memcmp(d->payload, "data", 4), 0);
    CU_ASSERT_EQUAL(d->ip_wire_len, v6 ? 52 : 32);
}

static int decode(struct rw_decode_stats *st, int dlt, const struct fb *f, struct rw_decoded *d)
{
    return decode_checked(st, dlt, f->b, (uint32_t)f->n, (uint32_t)f->n, d);
}

/* Each frame cut at every length, once truncated on the wire and once by the snaplen:
 * never a read past the cut, always one reason per drop, and the whole frame decodes. */
static void sweep(int dlt, const struct fb *f)
{
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;

    for (uint32_t n = 0; n <= f->n; n++) {
        (void)decode_checked(&st, dlt, f->b, n, n, &d);
        (void)decode_checked(&st, dlt, f->b, n, (uint32_t)f->n, &d);
    }
    CU_ASSERT_EQUAL(decode_checked(&st, dlt, f->b, (uint32_t)f->n, (uint32_t)f->n, &d), 1);
}

/* ---------------------------------------------------------------------------------------- */
/* PPPoE */

/* Ethernet, PPPoE session 0x002a (RFC 2516 4), PPP protocol proto in plen bytes, inner. */
static void build_pppoe(struct fb *f, uint8_t code, const uint8_t *proto, size_t plen,
                        const uint8_t *in, size_t inlen)
{
    f->n = 0;
    put_eth(f, 0x8864);
    put(f, (const uint8_t[]){0x11, code, 0x00, 0x2a}, 4);
    put16(f, (uint32_t)(plen + inlen));
    put(f, proto, plen);
    put(f, in, inlen);
}

static void test_decode_pppoe_session_ipv4_ipv6_and_compressed_protocol(void)
{
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;
    struct fb f;

    build_pppoe(&f, 0, (const uint8_t[]){0x00, 0x21}, 2, inner4, sizeof(inner4));
    CU_ASSERT_EQUAL_FATAL(decode(&st, T_EN10MB, &f, &d), 1);
    expect_inner(&d, 0);
    CU_ASSERT_EQUAL(d.l3, f.b + 22);
    sweep(T_EN10MB, &f);
    /* RFC 1661 6.5: protocol field compressed to one byte */
    build_pppoe(&f, 0, (const uint8_t[]){0x21}, 1, inner4, sizeof(inner4));
    CU_ASSERT_EQUAL_FATAL(decode(&st, T_EN10MB, &f, &d), 1);
    expect_inner(&d, 0);
    build_pppoe(&f, 0, (const uint8_t[]){0x00, 0x57}, 2, inner6, sizeof(inner6));
    CU_ASSERT_EQUAL_FATAL(decode(&st, T_EN10MB, &f, &d), 1);
    expect_inner(&d, 1);
    sweep(T_EN10MB, &f);
    expect_counters(&st, C(RW_DEC_ETHERNET, 3), C(RW_DEC_PPPOE, 3), C(RW_DEC_IPV4, 2),
                    C(RW_DEC_IPV6, 1), C(RW_DEC_UDP, 3), END);
}

static void test_decode_pppoe_malformed_counted_by_reason(void)
{
    static const struct {
        const char *what;
        uint16_t type;
        uint8_t code;
        uint8_t proto[2];
        size_t inlen; /* bytes of inner4 (or inner6 for 0x0057) */
        uint16_t len; /* PPPoE LENGTH; 0xffff: the real one */
        size_t cut;   /* bytes of frame kept; 0: all */
        enum rw_decode_counter want;
    } cases[] = {
        {"session code 0x09", 0x8864, 0x09, {0x00, 0x21}, 32, 0xffff, 0,
         RW_DEC_EV_PPPOE_WRONG_CODE},
        {"session length 0", 0x8864, 0, {0x00, 0x21}, 32, 0, 0, RW_DEC_EV_PPPOE_PKT_TOO_SMALL},
        {"session header cut", 0x8864, 0, {0x00, 0x21}, 32, 0xffff, 19,
         RW_DEC_EV_PPPOE_PKT_TOO_SMALL},
        {"PPP protocol cut", 0x8864, 0, {0x00, 0x21}, 0, 0xffff, 21, RW_DEC_EV_PPPOE_PKT_TOO_SMALL},
        {"LCP", 0x8864, 0, {0xc0, 0x21}, 8, 0xffff, 0, RW_DEC_EV_PPP_UNSUP_PROTO},
        {"IPX", 0x8864, 0, {0x00, 0x2b}, 8, 0xffff, 0, RW_DEC_EV_PPP_UNSUP_PROTO},
        {"protocol 0x0022 (even)", 0x8864, 0, {0x00, 0x22}, 8, 0xffff, 0,
         RW_DEC_EV_PPP_WRONG_TYPE},
        {"IPv4 of 19 bytes", 0x8864, 0, {0x00, 0x21}, 19, 0xffff, 0,
         RW_DEC_EV_PPP_IP4_PKT_TOO_SMALL},
        {"IPv6 of 39 bytes", 0x8864, 0, {0x00, 0x57}, 39, 0xffff, 0,
         RW_DEC_EV_PPP_IP6_PKT_TOO_SMALL},
        {"discovery PADI", 0x8863, 0x09, {0x01, 0x01}, 0, 0xffff, 0, RW_DEC_INVALID},
        {"discovery code 0x33", 0x8863, 0x33, {0x01, 0x01}, 0, 0xffff, 0,
         RW_DEC_EV_PPPOE_WRONG_CODE},
        {"discovery header cut", 0x8863, 0x09, {0x01, 0x01}, 0, 0xffff, 18,
         RW_DEC_EV_PPPOE_PKT_TOO_SMALL},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct rw_decode_stats st = {{0}};
        struct rw_decoded d;
        struct fb f;
        const uint8_t *in = cases[i].proto[1] == 0x57 ? inner6 : inner4;
        uint32_t n;

        build_pppoe(&f, cases[i].code, cases[i].proto, 2, in, cases[i].inlen);
        f.b[12] = (uint8_t)(cases[i].type >> 8);
        f.b[13] = (uint8_t)cases[i].type;
        if (cases[i].len != 0xffff) {
            f.b[18] = (uint8_t)(cases[i].len >> 8);
            f.b[19] = (uint8_t)cases[i].len;
        }
        n = (uint32_t)(cases[i].cut != 0 ? cases[i].cut : f.n);
        CU_ASSERT_EQUAL(decode_checked(&st, T_EN10MB, f.b, n, n, &d), 0);
        if (st.c[cases[i].want] != 1)
            fprintf(stderr, "\n  case %s: %s not bumped", cases[i].what,
                    rw_decode_counter_path[cases[i].want]);
        CU_ASSERT_EQUAL(st.c[cases[i].want], 1);
        CU_ASSERT_EQUAL(st.c[RW_DEC_PPPOE], 1);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* MPLS */

/* One label stack entry, RFC 3032 2.1: | label (20) | TC (3) | S (1) | TTL (8) |. */
static void put_label(struct fb *f, uint32_t label, int bottom)
{
    put32(f, label << 12 | (bottom ? 0x100u : 0) | 64u);
}

static void test_decode_mpls_label_stacks(void)
{
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;
    struct fb f = {.n = 0};

    /* two labels, IPv4 guessed from the first nibble */
    put_eth(&f, 0x8847);
    put_label(&f, 1000, 0);
    put_label(&f, 2000, 1);
    put(&f, inner4, sizeof(inner4));
    CU_ASSERT_EQUAL_FATAL(decode(&st, T_EN10MB, &f, &d), 1);
    expect_inner(&d, 0);
    sweep(T_EN10MB, &f);
    /* multicast ethertype, IPv6 explicit null (label 2) at the bottom */
    f.n = 0;
    put_eth(&f, 0x8848);
    put_label(&f, 2, 1);
    put(&f, inner6, sizeof(inner6));
    CU_ASSERT_EQUAL_FATAL(decode(&st, T_EN10MB, &f, &d), 1);
    expect_inner(&d, 1);
    /* IPv4 explicit null (label 0) */
    f.n = 0;
    put_eth(&f, 0x8847);
    put_label(&f, 0, 1);
    put(&f, inner4, sizeof(inner4));
    CU_ASSERT_EQUAL_FATAL(decode(&st, T_EN10MB, &f, &d), 1);
    expect_inner(&d, 0);
    /* Ethernet pseudowire (RFC 4448): control word 0, then a whole frame with a VLAN tag */
    f.n = 0;
    put_eth(&f, 0x8847);
    put_label(&f, 3000, 1);
    put32(&f, 0);
    put_eth(&f, 0x8100);
    put16(&f, 0x0007);
    put16(&f, 0x0800);
    put(&f, inner4, sizeof(inner4));
    CU_ASSERT_EQUAL_FATAL(decode(&st, T_EN10MB, &f, &d), 1);
    expect_inner(&d, 0);
    CU_ASSERT_EQUAL(d.key.nvlan, 1);
    CU_ASSERT_EQUAL(d.key.vlan[0], 7);
    sweep(T_EN10MB, &f);
    expect_counters(&st, C(RW_DEC_ETHERNET, 5), C(RW_DEC_MPLS, 4), C(RW_DEC_IPV4, 3),
                    C(RW_DEC_IPV6, 1), C(RW_DEC_UDP, 4), C(RW_DEC_VLAN, 1), END);
}

static void test_decode_mpls_malformed_counted_by_reason(void)
{
    static const struct {
        const char *what;
        uint32_t label;
        int bottom;
        uint8_t first; /* first byte after the stack */
        size_t after;  /* bytes after the stack */
        enum rw_decode_counter want;
    } cases[] = {
        {"no bottom of stack", 1000, 0, 0x45, 3, RW_DEC_EV_MPLS_HEADER_TOO_SMALL},
        {"router alert at the bottom", 1, 1, 0x45, 32, RW_DEC_EV_MPLS_BAD_LABEL_ROUTER_ALERT},
        {"implicit null at the bottom", 3, 1, 0x45, 32, RW_DEC_EV_MPLS_BAD_LABEL_IMPLICIT_NULL},
        {"reserved label 7", 7, 1, 0x45, 32, RW_DEC_EV_MPLS_BAD_LABEL_RESERVED},
        {"reserved label 15", 15, 1, 0x45, 32, RW_DEC_EV_MPLS_BAD_LABEL_RESERVED},
        {"first nibble 5", 1000, 1, 0x55, 32, RW_DEC_EV_MPLS_UNKNOWN_PAYLOAD_TYPE},
        {"3 bytes after the stack", 1000, 1, 0x45, 3, RW_DEC_EV_MPLS_PKT_TOO_SMALL},
        {"pseudowire, Ethernet cut", 1000, 1, 0x00, 10, RW_DEC_EV_ETH_PKT_TOO_SMALL},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct rw_decode_stats st = {{0}};
        struct rw_decoded d;
        struct fb f = {.n = 0};
        uint8_t tail[32];

        memcpy(tail, inner4, sizeof(tail));
        tail[0] = cases[i].first;
        put_eth(&f, 0x8847);
        put_label(&f, cases[i].label, cases[i].bottom);
        put(&f, tail, cases[i].after);
        CU_ASSERT_EQUAL(decode(&st, T_EN10MB, &f, &d), 0);
        if (st.c[cases[i].want] != 1)
            fprintf(stderr, "\n  case %s: %s not bumped", cases[i].what,
                    rw_decode_counter_path[cases[i].want]);
        CU_ASSERT_EQUAL(st.c[cases[i].want], 1);
        CU_ASSERT_EQUAL(st.c[RW_DEC_MPLS], 1);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* ERSPAN */

/* The mirrored frame: Ethernet, IPv4, inner4. */
static void put_mirrored(struct fb *f)
{
    put_eth(f, 0x0800);
    put(f, inner4, sizeof(inner4));
}

/* Raw IPv4 (DLT_RAW), GRE, then the ERSPAN header of the given type (1, 2 or 3) with vlan
 * and, for type III, frame type ft and the O bit, then the mirrored frame. */
static void build_erspan(struct fb *f, int type, uint16_t vlan, unsigned ver, unsigned ft,
                         int o_bit)
{
    size_t hdr = type == 1 ? 4 : type == 2 ? 16 : 20 + (o_bit ? 8 : 0);
    size_t inner = ft == 2 ? sizeof(inner4) : 14 + sizeof(inner4);

    f->n = 0;
    put_ip4(f, 47, hdr + inner);
    put16(f, type == 1 ? 0x0000 : 0x1000); /* GRE: sequence number present for II, III */
    put16(f, type == 3 ? 0x22eb : 0x88be);
    if (type >= 2)
        put32(f, 77); /* sequence number */
    if (type == 2) {
        put16(f, ver << 12 | vlan);
        put16(f, 0x0007); /* COS 0, En 0, T 0, session 7 */
        put32(f, 0);      /* reserved, index */
    } else if (type == 3) {
        put16(f, ver << 12 | vlan);
        put16(f, 0x0007);
        put32(f, 0x12345678);                               /* timestamp */
        put16(f, 0);                                        /* SGT */
        put16(f, ft << 10 | 5u << 4 | 1u << 1 | (o_bit ? 1u : 0)); /* FT, Hw ID 5, Gra 1, O */
        if (o_bit)
            put(f, "platform", 8);
    }
    if (ft == 2)
        put(f, inner4, sizeof(inner4));
    else
        put_mirrored(f);
}

static void test_decode_erspan_types_one_two_three(void)
{
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;
    struct fb f;

    build_erspan(&f, 1, 0, 0, 0, 0);
    CU_ASSERT_EQUAL_FATAL(decode(&st, T_RAW, &f, &d), 1);
    expect_inner(&d, 0);
    CU_ASSERT_EQUAL(d.key.nvlan, 0);
    sweep(T_RAW, &f);
    /* type II: the header's VLAN joins the flow key, as in Suricata */
    build_erspan(&f, 2, 42, 1, 0, 0);
    CU_ASSERT_EQUAL_FATAL(decode(&st, T_RAW, &f, &d), 1);
    expect_inner(&d, 0);
    CU_ASSERT_EQUAL(d.key.nvlan, 1);
    CU_ASSERT_EQUAL(d.key.vlan[0], 42);
    sweep(T_RAW, &f);
    build_erspan(&f, 3, 0, 2, 0, 1);
    CU_ASSERT_EQUAL_FATAL(decode(&st, T_RAW, &f, &d), 1);
    expect_inner(&d, 0);
    sweep(T_RAW, &f);
    build_erspan(&f, 3, 0, 2, 0, 0);
    CU_ASSERT_EQUAL_FATAL(decode(&st, T_RAW, &f, &d), 1);
    expect_inner(&d, 0);
    /* type III frame type 2: an IP packet without its Ethernet header */
    build_erspan(&f, 3, 0, 2, 2, 0);
    CU_ASSERT_EQUAL_FATAL(decode(&st, T_RAW, &f, &d), 1);
    expect_inner(&d, 0);
    expect_counters(&st, C(RW_DEC_RAW, 5), C(RW_DEC_IPV4, 10), C(RW_DEC_GRE, 5),
                    C(RW_DEC_ERSPAN, 5), C(RW_DEC_ETHERNET, 4), C(RW_DEC_UDP, 5), END);
}

static void test_decode_erspan_malformed_counted_by_reason(void)
{
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;
    struct fb f, g = {.n = 0};

    build_erspan(&f, 2, 0, 2, 0, 0); /* type II must be version 1 */
    CU_ASSERT_EQUAL(decode(&st, T_RAW, &f, &d), 0);
    build_erspan(&f, 3, 0, 1, 0, 0); /* type III must be version 2 */
    CU_ASSERT_EQUAL(decode(&st, T_RAW, &f, &d), 0);
    build_erspan(&f, 3, 0, 2, 5, 0); /* frame type 5 */
    CU_ASSERT_EQUAL(decode(&st, T_RAW, &f, &d), 0);
    expect_counters(&st, C(RW_DEC_RAW, 3), C(RW_DEC_IPV4, 3), C(RW_DEC_GRE, 3),
                    C(RW_DEC_ERSPAN, 3), C(RW_DEC_EV_ERSPAN_UNSUPPORTED_VERSION, 3), END);
    memset(&st, 0, sizeof(st));
    build_erspan(&f, 2, 0, 1, 0, 0);
    CU_ASSERT_EQUAL(decode_checked(&st, T_RAW, f.b, 20 + 8 + 7, (uint32_t)f.n, &d), 0);
    build_erspan(&f, 3, 0, 2, 0, 1);
    CU_ASSERT_EQUAL(decode_checked(&st, T_RAW, f.b, 20 + 8 + 12 + 7, (uint32_t)f.n, &d), 0);
    expect_counters(&st, C(RW_DEC_RAW, 2), C(RW_DEC_IPV4, 2), C(RW_DEC_GRE, 2),
                    C(RW_DEC_ERSPAN, 2), C(RW_DEC_EV_ERSPAN_HEADER_TOO_SMALL, 2), END);
    /* two outer 802.1Q tags plus the header's VLAN: one layer too many */
    memset(&st, 0, sizeof(st));
    build_erspan(&f, 2, 42, 1, 0, 0);
    put_eth(&g, 0x8100);
    put16(&g, 1);      /* VID 1 */
    put16(&g, 0x8100);
    put16(&g, 2);      /* VID 2 */
    put16(&g, 0x0800);
    put(&g, f.b, f.n);
    CU_ASSERT_EQUAL(decode(&st, T_EN10MB, &g, &d), 0);
    expect_counters(&st, C(RW_DEC_ETHERNET, 1), C(RW_DEC_VLAN, 1), C(RW_DEC_VLAN_QINQ, 1),
                    C(RW_DEC_IPV4, 1), C(RW_DEC_GRE, 1), C(RW_DEC_ERSPAN, 1),
                    C(RW_DEC_EV_ERSPAN_TOO_MANY_VLAN_LAYERS, 1), END);
}

/* ---------------------------------------------------------------------------------------- */
/* Geneve */

/* IPv4, UDP to port dport, Geneve (RFC 8926 3.4) version ver, one option of olen words of
 * data (class 0x0102, type 0x80), protocol proto, then the payload. */
static void build_geneve(struct fb *f, uint16_t dport, unsigned ver, unsigned olen,
                         uint16_t proto, const uint8_t *pl, size_t plen)
{
    size_t glen = 8 + 4 + olen * 4;

    f->n = 0;
    put_eth(f, 0x0800);
    put_ip4(f, 17, 8 + glen + plen);
    put_udp(f, 49152, dport, glen + plen);
    put16(f, ver << 14 | (1 + olen) << 8);
    put16(f, proto);
    put32(f, 4242u << 8);
    put32(f, 0x01028000u | olen);
    for (unsigned i = 0; i < olen; i++)
        put32(f, 0x5245454c);
    put(f, pl, plen);
}

static void test_decode_geneve_options_skipped(void)
{
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;
    struct fb f, m = {.n = 0};

    put_mirrored(&m);
    build_geneve(&f, 6081, 0, 2, 0x6558, m.b, m.n);
    CU_ASSERT_EQUAL_FATAL(decode(&st, T_EN10MB, &f, &d), 1);
    expect_inner(&d, 0);
    sweep(T_EN10MB, &f);
    build_geneve(&f, 6081, 0, 0, 0x86dd, inner6, sizeof(inner6));
    CU_ASSERT_EQUAL_FATAL(decode(&st, T_EN10MB, &f, &d), 1);
    expect_inner(&d, 1);
    expect_counters(&st, C(RW_DEC_ETHERNET, 3), C(RW_DEC_IPV4, 3), C(RW_DEC_UDP, 4),
                    C(RW_DEC_GENEVE, 2), C(RW_DEC_IPV6, 1), END);
}

static void test_decode_geneve_not_geneve_stays_udp_and_unknown_payload(void)
{
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;
    struct fb f, m = {.n = 0};

    /* version 1: plain UDP to 6081 */
    build_geneve(&f, 6081, 1, 0, 0x0800, inner4, sizeof(inner4));
    CU_ASSERT_EQUAL_FATAL(decode(&st, T_EN10MB, &f, &d), 1);
    expect_addr(&d.key.src, "10.0.0.1");
    CU_ASSERT_EQUAL(d.key.dport, 6081);
    CU_ASSERT_EQUAL(d.payload_len, 12 + sizeof(inner4));
    /* an option claiming more words than Opt Len gives: plain UDP */
    build_geneve(&f, 6081, 0, 1, 0x0800, inner4, sizeof(inner4));
    f.b[14 + 20 + 8 + 8 + 3] = 0x1f;
    CU_ASSERT_EQUAL_FATAL(decode(&st, T_EN10MB, &f, &d), 1);
    CU_ASSERT_EQUAL(d.key.dport, 6081);
    /* the Geneve header on another port is not looked at */
    build_geneve(&f, 6082, 0, 0, 0x0800, inner4, sizeof(inner4));
    CU_ASSERT_EQUAL_FATAL(decode(&st, T_EN10MB, &f, &d), 1);
    CU_ASSERT_EQUAL(d.key.dport, 6082);
    expect_counters(&st, C(RW_DEC_ETHERNET, 3), C(RW_DEC_IPV4, 3), C(RW_DEC_UDP, 3), END);
    /* protocol 0x1234, and Ethernet holding ethertype 0x88cc (LLDP) */
    memset(&st, 0, sizeof(st));
    build_geneve(&f, 6081, 0, 0, 0x1234, inner4, sizeof(inner4));
    CU_ASSERT_EQUAL(decode(&st, T_EN10MB, &f, &d), 0);
    put_eth(&m, 0x88cc);
    put(&m, inner4, sizeof(inner4));
    build_geneve(&f, 6081, 0, 0, 0x6558, m.b, m.n);
    CU_ASSERT_EQUAL(decode(&st, T_EN10MB, &f, &d), 0);
    expect_counters(&st, C(RW_DEC_ETHERNET, 3), C(RW_DEC_IPV4, 2), C(RW_DEC_UDP, 2),
                    C(RW_DEC_GENEVE, 2), C(RW_DEC_EV_GENEVE_UNKNOWN_PAYLOAD_TYPE, 2), END);
}

/* ---------------------------------------------------------------------------------------- */
/* Teredo */

/* IPv4, UDP 3544 -> 3544, optional authentication (auth) and origin indication (origin)
 * headers of RFC 4380 5.1.1, then the IPv6 packet. */
static void build_teredo(struct fb *f, int auth, int origin, const uint8_t *in, size_t inlen)
{
    size_t tlen = (auth ? 4 + 3 + 2 + 9 : 0) + (origin ? 8 : 0);

    f->n = 0;
    put_eth(f, 0x0800);
    put_ip4(f, 17, 8 + tlen + inlen);
    put_udp(f, 3544, 3544, tlen + inlen);
    if (auth) {
        put(f, (const uint8_t[]){0x00, 0x01, 3, 2}, 4); /* ID-len 3, AU-len 2 */
        put(f, "cid", 3);
        put(f, "au", 2);
        put(f, "noncenon", 8);
        put(f, "\x00", 1); /* confirmation */
    }
    if (origin)
        put(f, (const uint8_t[]){0x00, 0x00, 0xf2, 0x27, 0x3f, 0xff, 0xfd, 0x9a}, 8);
    put(f, in, inlen);
}

static void test_decode_teredo_bare_origin_and_authentication(void)
{
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;
    struct fb f;

    build_teredo(&f, 0, 0, inner6, sizeof(inner6));
    CU_ASSERT_EQUAL_FATAL(decode(&st, T_EN10MB, &f, &d), 1);
    expect_inner(&d, 1);
    build_teredo(&f, 0, 1, inner6, sizeof(inner6));
    CU_ASSERT_EQUAL_FATAL(decode(&st, T_EN10MB, &f, &d), 1);
    expect_inner(&d, 1);
    sweep(T_EN10MB, &f);
    build_teredo(&f, 1, 1, inner6, sizeof(inner6));
    CU_ASSERT_EQUAL_FATAL(decode(&st, T_EN10MB, &f, &d), 1);
    expect_inner(&d, 1);
    sweep(T_EN10MB, &f);
    expect_counters(&st, C(RW_DEC_ETHERNET, 3), C(RW_DEC_IPV4, 3), C(RW_DEC_UDP, 6),
                    C(RW_DEC_TEREDO, 3), C(RW_DEC_IPV6, 3), END);
}

/* What does not look like one whole IPv6 packet stays a UDP flow packet on port 3544. */
static void test_decode_teredo_needs_a_whole_ipv6_packet(void)
{
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;
    struct fb f;
    uint8_t bad[sizeof(inner6)];

    build_teredo(&f, 0, 1, inner4, sizeof(inner4)); /* IPv4 inside */
    CU_ASSERT_EQUAL_FATAL(decode(&st, T_EN10MB, &f, &d), 1);
    CU_ASSERT_EQUAL(d.key.dport, 3544);
    memcpy(bad, inner6, sizeof(bad));
    bad[5] = 0x0d; /* payload length one more than the datagram holds */
    build_teredo(&f, 0, 1, bad, sizeof(bad));
    CU_ASSERT_EQUAL_FATAL(decode(&st, T_EN10MB, &f, &d), 1);
    CU_ASSERT_EQUAL(d.key.dport, 3544);
    memcpy(bad, inner6, sizeof(bad));
    bad[7] = 0; /* hop limit 0 */
    build_teredo(&f, 0, 0, bad, sizeof(bad));
    CU_ASSERT_EQUAL_FATAL(decode(&st, T_EN10MB, &f, &d), 1);
    CU_ASSERT_EQUAL(d.key.dport, 3544);
    memcpy(bad, inner6, sizeof(bad));
    bad[6] = 0; /* hop-by-hop next header with 12 bytes: fine; with 4 it is not Teredo */
    build_teredo(&f, 0, 0, bad, 44);
    f.b[14 + 20 + 8 + 5] = 4;
    CU_ASSERT_EQUAL_FATAL(decode(&st, T_EN10MB, &f, &d), 1);
    CU_ASSERT_EQUAL(d.key.dport, 3544);
    expect_counters(&st, C(RW_DEC_ETHERNET, 4), C(RW_DEC_IPV4, 4), C(RW_DEC_UDP, 4), END);
}

/* ---------------------------------------------------------------------------------------- */
/* IP in IP, Cisco HDLC */

static void test_decode_ip_in_ip_four_ways(void)
{
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;
    struct fb f = {.n = 0};

    put_eth(&f, 0x0800);
    put_ip4(&f, 4, sizeof(inner4));
    put(&f, inner4, sizeof(inner4));
    CU_ASSERT_EQUAL_FATAL(decode(&st, T_EN10MB, &f, &d), 1);
    expect_inner(&d, 0);
    sweep(T_EN10MB, &f);
    f.n = 0;
    put_eth(&f, 0x0800);
    put_ip4(&f, 41, sizeof(inner6));
    put(&f, inner6, sizeof(inner6));
    CU_ASSERT_EQUAL_FATAL(decode(&st, T_EN10MB, &f, &d), 1);
    expect_inner(&d, 1);
    f.n = 0;
    put_eth(&f, 0x86dd);
    put_ip6(&f, 4, sizeof(inner4));
    put(&f, inner4, sizeof(inner4));
    CU_ASSERT_EQUAL_FATAL(decode(&st, T_EN10MB, &f, &d), 1);
    expect_inner(&d, 0);
    sweep(T_EN10MB, &f);
    f.n = 0;
    put_eth(&f, 0x86dd);
    put_ip6(&f, 41, sizeof(inner6));
    put(&f, inner6, sizeof(inner6));
    CU_ASSERT_EQUAL_FATAL(decode(&st, T_EN10MB, &f, &d), 1);
    expect_inner(&d, 1);
    expect_counters(&st, C(RW_DEC_ETHERNET, 4), C(RW_DEC_IPV4, 4), C(RW_DEC_IPV6, 4),
                    C(RW_DEC_UDP, 4), C(RW_DEC_IPV4_IN_IPV4, 1), C(RW_DEC_IPV6_IN_IPV4, 1),
                    C(RW_DEC_IPV4_IN_IPV6, 1), C(RW_DEC_IPV6_IN_IPV6, 1), END);
}

static void test_decode_ip_in_ipv6_checks_inner_size_and_version(void)
{
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;
    struct fb f = {.n = 0};

    put_ip6(&f, 4, 19);
    put(&f, inner4, 19);
    CU_ASSERT_EQUAL(decode(&st, T_RAW, &f, &d), 0);
    f.n = 0;
    put_ip6(&f, 4, sizeof(inner6));
    put(&f, inner6, sizeof(inner6));
    CU_ASSERT_EQUAL(decode(&st, T_RAW, &f, &d), 0);
    f.n = 0;
    put_ip6(&f, 41, 39);
    put(&f, inner6, 39);
    CU_ASSERT_EQUAL(decode(&st, T_RAW, &f, &d), 0);
    f.n = 0;
    put_ip6(&f, 41, sizeof(inner4) + 20);
    put(&f, inner4, sizeof(inner4));
    put(&f, inner4, 20);
    CU_ASSERT_EQUAL(decode(&st, T_RAW, &f, &d), 0);
    /* inside IPv4, the inner decoder's own events say what is wrong */
    f.n = 0;
    put_ip4(&f, 4, sizeof(inner6));
    put(&f, inner6, sizeof(inner6));
    CU_ASSERT_EQUAL(decode(&st, T_RAW, &f, &d), 0);
    expect_counters(&st, C(RW_DEC_RAW, 5), C(RW_DEC_IPV6, 4), C(RW_DEC_IPV4, 2),
                    C(RW_DEC_IPV4_IN_IPV4, 1),
                    C(RW_DEC_EV_IPV6_IPV4_IN_IPV6_TOO_SMALL, 1),
                    C(RW_DEC_EV_IPV6_IPV4_IN_IPV6_WRONG_IP_VERSION, 1),
                    C(RW_DEC_EV_IPV6_IPV6_IN_IPV6_TOO_SMALL, 1),
                    C(RW_DEC_EV_IPV6_IPV6_IN_IPV6_WRONG_IP_VERSION, 1),
                    C(RW_DEC_EV_IPV4_WRONG_IP_VERSION, 1), END);
}

/* Tunnels inside tunnels: RW_DECODE_MAX_ENCAP_DEPTH levels of IP in IP decode, one more is
 * too many layers, and the recursion stays bounded whatever the frame says. */
static void test_decode_encap_nesting_bounded(void)
{
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;
    struct fb f;

    for (int levels = RW_DECODE_MAX_ENCAP_DEPTH; levels <= RW_DECODE_MAX_ENCAP_DEPTH + 1;
         levels++) {
        f.n = 0;
        for (int i = 0; i < levels; i++)
            put_ip4(&f, 4, (size_t)(levels - i - 1) * 20 + sizeof(inner4));
        put(&f, inner4, sizeof(inner4));
        CU_ASSERT_EQUAL(decode(&st, T_RAW, &f, &d), levels == RW_DECODE_MAX_ENCAP_DEPTH);
    }
    CU_ASSERT_EQUAL(st.c[RW_DEC_TOO_MANY_LAYERS], 1);
    /* Ethernet over MPLS over Ethernet ... counts as a tunnel each time */
    memset(&st, 0, sizeof(st));
    f.n = 0;
    for (int i = 0; i < 6; i++) {
        put_eth(&f, 0x8847);
        put_label(&f, 3000, 1);
        put32(&f, 0);
    }
    put_eth(&f, 0x0800);
    put(&f, inner4, sizeof(inner4));
    CU_ASSERT_EQUAL(decode(&st, T_EN10MB, &f, &d), 0);
    expect_counters(&st, C(RW_DEC_ETHERNET, 5), C(RW_DEC_MPLS, 5), C(RW_DEC_TOO_MANY_LAYERS, 1),
                    END);
}

static void test_decode_cisco_hdlc(void)
{
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;
    struct fb f = {.n = 0};

    put(&f, (const uint8_t[]){0x0f, 0x00, 0x08, 0x00}, 4);
    put(&f, inner4, sizeof(inner4));
    CU_ASSERT_EQUAL_FATAL(decode(&st, T_C_HDLC, &f, &d), 1);
    expect_inner(&d, 0);
    sweep(T_C_HDLC, &f);
    f.n = 0;
    put(&f, (const uint8_t[]){0x8f, 0x00, 0x86, 0xdd}, 4);
    put(&f, inner6, sizeof(inner6));
    CU_ASSERT_EQUAL_FATAL(decode(&st, T_C_HDLC, &f, &d), 1);
    expect_inner(&d, 1);
    f.n = 0;
    put(&f, (const uint8_t[]){0x8f, 0x00, 0x80, 0x35, 0, 0, 0, 1}, 8); /* SLARP */
    CU_ASSERT_EQUAL(decode(&st, T_C_HDLC, &f, &d), 0);
    CU_ASSERT_EQUAL(decode_checked(&st, T_C_HDLC, f.b, 3, 3, &d), 0);
    expect_counters(&st, C(RW_DEC_CHDLC, 4), C(RW_DEC_IPV4, 1), C(RW_DEC_IPV6, 1),
                    C(RW_DEC_UDP, 2), C(RW_DEC_UNKNOWN_ETHERTYPE, 1),
                    C(RW_DEC_EV_CHDLC_PKT_TOO_SMALL, 1), END);
    CU_ASSERT_EQUAL(rw_decode_linktype_supported(T_C_HDLC), 1);
}

static CU_TestInfo rw_decode_encap_tests[] = {
    {"test_decode_pppoe_session_ipv4_ipv6_and_compressed_protocol",
     test_decode_pppoe_session_ipv4_ipv6_and_compressed_protocol},
    {"test_decode_pppoe_malformed_counted_by_reason",
     test_decode_pppoe_malformed_counted_by_reason},
    {"test_decode_mpls_label_stacks", test_decode_mpls_label_stacks},
    {"test_decode_mpls_malformed_counted_by_reason", test_decode_mpls_malformed_counted_by_reason},
    {"test_decode_erspan_types_one_two_three", test_decode_erspan_types_one_two_three},
    {"test_decode_erspan_malformed_counted_by_reason",
     test_decode_erspan_malformed_counted_by_reason},
    {"test_decode_geneve_options_skipped", test_decode_geneve_options_skipped},
    {"test_decode_geneve_not_geneve_stays_udp_and_unknown_payload",
     test_decode_geneve_not_geneve_stays_udp_and_unknown_payload},
    {"test_decode_teredo_bare_origin_and_authentication",
     test_decode_teredo_bare_origin_and_authentication},
    {"test_decode_teredo_needs_a_whole_ipv6_packet", test_decode_teredo_needs_a_whole_ipv6_packet},
    {"test_decode_ip_in_ip_four_ways", test_decode_ip_in_ip_four_ways},
    {"test_decode_ip_in_ipv6_checks_inner_size_and_version",
     test_decode_ip_in_ipv6_checks_inner_size_and_version},
    {"test_decode_encap_nesting_bounded", test_decode_encap_nesting_bounded},
    {"test_decode_cisco_hdlc", test_decode_cisco_hdlc},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rw_suites_decode_encap[] = {
    {"decode_encap", NULL, NULL, NULL, NULL, rw_decode_encap_tests},
    CU_SUITE_INFO_NULL,
};
