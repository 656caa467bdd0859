/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_decode_encap.c — the encapsulations a span port carries: PPPoE, MPLS, ERSPAN, Geneve,
 * Teredo, IP in IP and Cisco HDLC. */
#include <stdint.h>

#include "rw_decode_int.h"

/*
 * Counter names and the checks that raise them follow Suricata 7's decoders
 * (decode-pppoe.c, decode-mpls.c, decode-erspan.c, decode-geneve.c, decode-teredo.c,
 * decode-ipv6.c, decode-chdlc.c), so the stats record reads the same. Where reelwatch
 * decodes more than Suricata (ERSPAN type I always, type III, Teredo authentication,
 * PPP's one-byte protocol field with MPLS inside) docs/eve.md says so.
 */

/* PPP protocol numbers (RFC 1661, IANA "PPP DLL Protocol Numbers"). */
enum {
    RW_PPP_IPV4 = 0x0021,
    RW_PPP_IPV6 = 0x0057,
    RW_PPP_MPLS_UC = 0x0281,
    RW_PPP_MPLS_MC = 0x0283,
};

/* PPPoE discovery codes, RFC 2516 section 5. */
enum {
    RW_PPPOE_PADO = 0x07,
    RW_PPPOE_PADI = 0x09,
    RW_PPPOE_PADR = 0x19,
    RW_PPPOE_PADS = 0x65,
    RW_PPPOE_PADT = 0xa7,
};

#define RW_IPV4_MIN_HDR 20u
#define RW_IPV6_HDR 40u
#define RW_MPLS_PW_CW 4u      /* pseudowire control word, RFC 4385 */
#define RW_ERSPAN2_HDR 8u
#define RW_ERSPAN3_HDR 12u
#define RW_ERSPAN3_SUBHDR 8u  /* platform specific sub-header, when the O bit is set */
#define RW_GENEVE_HDR 8u

/* The 16-bit big-endian value at the cursor, without moving it: 0, or -1 when short. */
static int rw_dec_peek_u16(const struct rw_cur *c, uint16_t *v)
{
    struct rw_cur k = *c;

    return rw_rd_u16be(&k, v);
}

/* The IP version nibble of the first of cap bytes at p: 0, or -1 when cap is 0. */
static int rw_dec_peek_version(const uint8_t *p, uint32_t cap, unsigned *ver)
{
    struct rw_cur c;
    uint8_t b;

    rw_cur_init(&c, p, cap);
    if (rw_rd_u8(&c, &b) != 0)
        return -1;
    *ver = b >> 4;
    return 0;
}

/* Adds a VLAN id taken from a tunnel header (ERSPAN) to the flow key, as Suricata does;
 * 1, or 0 after counting too many layers. */
static int rw_dec_tunnel_vlan(struct rw_dec *d, uint16_t vid)
{
    struct rw_flow_key *k = &d->out->key;

    if (vid == 0)
        return 1;
    if (k->nvlan >= RW_VLAN_MAX_LAYERS)
        return rw__dec_drop(d, RW_DEC_EV_ERSPAN_TOO_MANY_VLAN_LAYERS);
    k->vlan[k->nvlan++] = vid;
    return 1;
}

/*
 * The PPP payload of a PPPoE session frame. RFC 1661 section 2: a protocol number whose
 * first byte is odd was sent in one byte (protocol field compression, RFC 1661 6.5).
 * Other valid numbers (LCP, PAP, CHAP, IPCP, IPX ...) carry no IP: ppp.unsup_proto; a
 * number that cannot be valid is ppp.wrong_type.
 */
static int rw_dec_ppp(struct rw_dec *d, const uint8_t *p, uint32_t cap, uint32_t wire)
{
    struct rw_cur c;
    uint8_t b0, b1;
    uint16_t proto;
    uint32_t n;

    rw_cur_init(&c, p, cap);
    if (rw_rd_u8(&c, &b0) != 0)
        return rw__dec_drop(d, RW_DEC_EV_PPPOE_PKT_TOO_SMALL);
    proto = b0;
    if ((b0 & 1) == 0) {
        if (rw_rd_u8(&c, &b1) != 0)
            return rw__dec_drop(d, RW_DEC_EV_PPPOE_PKT_TOO_SMALL);
        proto = (uint16_t)(proto << 8 | b1);
    }
    n = (uint32_t)(c.p - p);
    switch (proto) {
    case RW_PPP_IPV4:
        if (cap - n < RW_IPV4_MIN_HDR)
            return rw__dec_drop(d, RW_DEC_EV_PPP_IP4_PKT_TOO_SMALL);
        return rw__dec_ipv4(d, c.p, cap - n, wire - n);
    case RW_PPP_IPV6:
        if (cap - n < RW_IPV6_HDR)
            return rw__dec_drop(d, RW_DEC_EV_PPP_IP6_PKT_TOO_SMALL);
        return rw__dec_ipv6(d, c.p, cap - n, wire - n);
    case RW_PPP_MPLS_UC:
    case RW_PPP_MPLS_MC:
        return rw__dec_mpls(d, c.p, cap - n, wire - n);
    default:
        /* RFC 1661 2: valid numbers are odd with an even first byte */
        if ((proto & 0x0101) == 0x0001)
            return rw__dec_drop(d, RW_DEC_EV_PPP_UNSUP_PROTO);
        return rw__dec_drop(d, RW_DEC_EV_PPP_WRONG_TYPE);
    }
}

/*
 * PPPoE session stage, RFC 2516 section 4 (ethertype 0x8864):
 *   | VER (4) = 1 | TYPE (4) = 1 | CODE = 0x00 | SESSION_ID (16) | LENGTH (16) | PPP...
 * LENGTH counts the PPP protocol field and payload. The frame after LENGTH bytes is
 * Ethernet padding; the IP header's own length bounds the packet, so it is not cut here.
 */
int rw__dec_pppoe_session(struct rw_dec *d, const uint8_t *p, uint32_t cap, uint32_t wire)
{
    struct rw_cur c;
    uint8_t vt, code;
    uint16_t sid, len;

    rw__dec_count(d, RW_DEC_PPPOE);
    rw_cur_init(&c, p, cap);
    if (rw_rd_u8(&c, &vt) != 0 || rw_rd_u8(&c, &code) != 0 || rw_rd_u16be(&c, &sid) != 0 ||
        rw_rd_u16be(&c, &len) != 0)
        return rw__dec_drop(d, RW_DEC_EV_PPPOE_PKT_TOO_SMALL);
    if (code != 0)
        return rw__dec_drop(d, RW_DEC_EV_PPPOE_WRONG_CODE);
    if (len == 0)
        return rw__dec_drop(d, RW_DEC_EV_PPPOE_PKT_TOO_SMALL);
    return rw_dec_ppp(d, c.p, cap - 6, wire - 6);
}

/*
 * PPPoE discovery stage, RFC 2516 section 5 (ethertype 0x8863): PADI, PADO, PADR, PADS or
 * PADT, | VER/TYPE | CODE | SESSION_ID | LENGTH | tags... |. No IP inside: like an 802.11
 * management frame it is counted as decoder.invalid, after decoder.pppoe.
 */
int rw__dec_pppoe_discovery(struct rw_dec *d, const uint8_t *p, uint32_t cap)
{
    struct rw_cur c;
    uint8_t vt, code;

    rw__dec_count(d, RW_DEC_PPPOE);
    rw_cur_init(&c, p, cap);
    if (rw_rd_u8(&c, &vt) != 0 || rw_rd_u8(&c, &code) != 0 || rw_cur_skip(&c, 4) != 0)
        return rw__dec_drop(d, RW_DEC_EV_PPPOE_PKT_TOO_SMALL);
    if (code != RW_PPPOE_PADI && code != RW_PPPOE_PADO && code != RW_PPPOE_PADR &&
        code != RW_PPPOE_PADS && code != RW_PPPOE_PADT)
        return rw__dec_drop(d, RW_DEC_EV_PPPOE_WRONG_CODE);
    return rw__dec_drop(d, RW_DEC_INVALID);
}

/*
 * MPLS label stack, RFC 3032 section 2.1 (ethertypes 0x8847 unicast, 0x8848 multicast):
 *   | Label (20) | TC (3) | S (1) | TTL (8) |   ... until S (bottom of stack) is set
 * Nothing names the payload. The bottom label may: 0 is IPv4 explicit null, 2 IPv6
 * explicit null (RFC 3032 2.1); 1 (router alert) and 3 (implicit null) must not be at the
 * bottom, and 4-15 are reserved. Otherwise the first nibble guesses: 4 IPv4, 6 IPv6, 0 the
 * control word of an Ethernet pseudowire (RFC 4385 3, RFC 4448) followed by Ethernet.
 * The stack is bounded by the frame: each label takes 4 bytes.
 */
int rw__dec_mpls(struct rw_dec *d, const uint8_t *p, uint32_t cap, uint32_t wire)
{
    struct rw_cur c;
    uint32_t shim, label, n;
    unsigned ver;

    rw__dec_count(d, RW_DEC_MPLS);
    rw_cur_init(&c, p, cap);
    do {
        if (rw_rd_u32be(&c, &shim) != 0)
            return rw__dec_drop(d, RW_DEC_EV_MPLS_HEADER_TOO_SMALL);
    } while ((shim & 0x100) == 0);
    label = shim >> 12;
    n = (uint32_t)(c.p - p);
    p = c.p;
    cap -= n;
    wire -= n;
    switch (label) {
    case 0:
        return rw__dec_ipv4(d, p, cap, wire);
    case 2:
        return rw__dec_ipv6(d, p, cap, wire);
    case 1:
        return rw__dec_drop(d, RW_DEC_EV_MPLS_BAD_LABEL_ROUTER_ALERT);
    case 3:
        return rw__dec_drop(d, RW_DEC_EV_MPLS_BAD_LABEL_IMPLICIT_NULL);
    default:
        if (label < 16)
            return rw__dec_drop(d, RW_DEC_EV_MPLS_BAD_LABEL_RESERVED);
        break;
    }
    if (cap < RW_MPLS_PW_CW || rw_dec_peek_version(p, cap, &ver) != 0)
        return rw__dec_drop(d, RW_DEC_EV_MPLS_PKT_TOO_SMALL);
    switch (ver) {
    case 4:
        return rw__dec_ipv4(d, p, cap, wire);
    case 6:
        return rw__dec_ipv6(d, p, cap, wire);
    case 0:
        if (!rw__dec_enter(d))
            return 0;
        return rw__dec_ether(d, p + RW_MPLS_PW_CW, cap - RW_MPLS_PW_CW, wire - RW_MPLS_PW_CW,
                             RW_DEC_UNKNOWN_ETHERTYPE);
    default:
        return rw__dec_drop(d, RW_DEC_EV_MPLS_UNKNOWN_PAYLOAD_TYPE);
    }
}

/*
 * ERSPAN (draft-foschiano-erspan-03), after GRE:
 * Type I (GRE protocol 0x88be, no GRE sequence number): no header, the mirrored frame.
 * Type II (0x88be with a GRE sequence number), 8 bytes:
 *   | Ver (4) = 1 | VLAN (12) | COS (3) | En (2) | T (1) | Session ID (10) |
 *   | Reserved (12)           | Index (20)                                 |
 * Type III (0x22eb), 12 bytes and, with O set, an 8-byte platform specific sub-header:
 *   | Ver (4) = 2 | VLAN (12) | COS (3) | BSO (2) | T (1) | Session ID (10) |
 *   | Timestamp (32)                                                       |
 *   | SGT (16)    | P (1) | FT (5) | Hw ID (6) | D (1) | Gra (2) | O (1)   |
 * FT 0 is an Ethernet frame, FT 2 an IP packet. A VLAN id in the header joins the flow key.
 */
int rw__dec_erspan(struct rw_dec *d, uint16_t proto, int seq, const uint8_t *p, uint32_t cap,
                   uint32_t wire)
{
    struct rw_cur c;
    uint16_t vv, w2;
    uint32_t n;
    unsigned ft = 0, ver;

    rw__dec_count(d, RW_DEC_ERSPAN);
    if (proto == RW_DEC_ET_ERSPAN && !seq)
        return rw__dec_ether(d, p, cap, wire, RW_DEC_UNKNOWN_ETHERTYPE);
    rw_cur_init(&c, p, cap);
    if (rw_rd_u16be(&c, &vv) != 0)
        return rw__dec_drop(d, RW_DEC_EV_ERSPAN_HEADER_TOO_SMALL);
    if (proto == RW_DEC_ET_ERSPAN) {
        if (rw_cur_skip(&c, RW_ERSPAN2_HDR - 2) != 0)
            return rw__dec_drop(d, RW_DEC_EV_ERSPAN_HEADER_TOO_SMALL);
        if ((vv >> 12) != 1)
            return rw__dec_drop(d, RW_DEC_EV_ERSPAN_UNSUPPORTED_VERSION);
    } else {
        if (rw_cur_skip(&c, RW_ERSPAN3_HDR - 4) != 0 || rw_rd_u16be(&c, &w2) != 0 ||
            ((w2 & 1) != 0 && rw_cur_skip(&c, RW_ERSPAN3_SUBHDR) != 0))
            return rw__dec_drop(d, RW_DEC_EV_ERSPAN_HEADER_TOO_SMALL);
        ft = (w2 >> 10) & 0x1f;
        if ((vv >> 12) != 2 || (ft != 0 && ft != 2))
            return rw__dec_drop(d, RW_DEC_EV_ERSPAN_UNSUPPORTED_VERSION);
    }
    if (!rw_dec_tunnel_vlan(d, vv & 0x0fff))
        return 0;
    n = (uint32_t)(c.p - p);
    if (ft == 2) {
        if (rw_dec_peek_version(c.p, cap - n, &ver) != 0)
            return rw__dec_drop(d, RW_DEC_EV_ERSPAN_HEADER_TOO_SMALL);
        return ver == 6 ? rw__dec_ipv6(d, c.p, cap - n, wire - n)
                        : rw__dec_ipv4(d, c.p, cap - n, wire - n);
    }
    return rw__dec_ether(d, c.p, cap - n, wire - n, RW_DEC_UNKNOWN_ETHERTYPE);
}

/*
 * Geneve, RFC 8926 section 3.4, on UDP port 6081:
 *   | Ver (2) | Opt Len (6) | O | C | Rsvd (6) | Protocol Type (16) |
 *   | Virtual Network Identifier (24)          | Reserved (8)       |
 *   | options, Opt Len * 4 bytes: each | Class (16) | Type | R (3) Len (5) | Len * 4 data |
 * Version other than 0, or options that do not fill their length exactly, is not Geneve:
 * the datagram stays plain UDP. Protocol 0x6558 is Ethernet, else an ethertype.
 */
int rw__dec_geneve(struct rw_dec *d, const uint8_t *p, uint32_t cap, uint32_t wire)
{
    struct rw_cur c, oc;
    uint8_t vo, ot;
    uint16_t proto, oclass;
    uint32_t optlen, n;

    rw_cur_init(&c, p, cap);
    if (rw_rd_u8(&c, &vo) != 0 || rw_cur_skip(&c, 1) != 0 || rw_rd_u16be(&c, &proto) != 0 ||
        rw_cur_skip(&c, 4) != 0 || (vo >> 6) != 0)
        return RW_DEC_NOT_TUNNEL;
    optlen = (uint32_t)(vo & 0x3f) * 4;
    if (optlen > cap - RW_GENEVE_HDR)
        return RW_DEC_NOT_TUNNEL;
    rw_cur_init(&oc, c.p, optlen);
    while (rw_cur_left(&oc) > 0) {
        if (rw_rd_u16be(&oc, &oclass) != 0 || rw_cur_skip(&oc, 1) != 0 ||
            rw_rd_u8(&oc, &ot) != 0 || rw_cur_skip(&oc, (size_t)(ot & 0x1f) * 4) != 0)
            return RW_DEC_NOT_TUNNEL;
    }
    rw__dec_count(d, RW_DEC_GENEVE);
    if (!rw__dec_enter(d))
        return 0;
    n = RW_GENEVE_HDR + optlen;
    if (proto == RW_DEC_ET_TEB)
        return rw__dec_ether(d, p + n, cap - n, wire - n, RW_DEC_EV_GENEVE_UNKNOWN_PAYLOAD_TYPE);
    return rw__dec_ethertype(d, proto, p + n, cap - n, wire - n,
                             RW_DEC_EV_GENEVE_UNKNOWN_PAYLOAD_TYPE);
}

/*
 * Teredo, RFC 4380 section 5.1.1, on UDP port 3544: an IPv6 packet, perhaps after
 *   authentication: | 0x00 0x01 | ID-len | AU-len | client id | auth value | nonce (8) |
 *                   | confirmation (1) |
 *   origin indication: | 0x00 0x00 | origin port (2) | origin IPv4 address (4) |
 * (in that order). Nothing else marks Teredo, so like Suricata the datagram is taken as a
 * tunnel only when what follows looks like one whole IPv6 packet: version 6, a hop limit,
 * no near-empty hop-by-hop header, and a payload length that ends exactly at the end of
 * the datagram. Otherwise it stays plain UDP.
 */
int rw__dec_teredo(struct rw_dec *d, const uint8_t *p, uint32_t cap, uint32_t wire)
{
    struct rw_cur c;
    uint8_t idlen, aulen, nh, hlim;
    uint32_t vtf, n;
    uint16_t plen, ind;

    rw_cur_init(&c, p, cap);
    if (rw_dec_peek_u16(&c, &ind) == 0 && ind == 0x0001) {
        if (rw_cur_skip(&c, 2) != 0 || rw_rd_u8(&c, &idlen) != 0 || rw_rd_u8(&c, &aulen) != 0 ||
            rw_cur_skip(&c, (size_t)idlen + aulen + 9) != 0)
            return RW_DEC_NOT_TUNNEL;
    }
    if (rw_dec_peek_u16(&c, &ind) == 0 && ind == 0x0000 && rw_cur_skip(&c, 8) != 0)
        return RW_DEC_NOT_TUNNEL;
    n = (uint32_t)(c.p - p);
    if (rw_rd_u32be(&c, &vtf) != 0 || rw_rd_u16be(&c, &plen) != 0 || rw_rd_u8(&c, &nh) != 0 ||
        rw_rd_u8(&c, &hlim) != 0 || rw_cur_skip(&c, 32) != 0)
        return RW_DEC_NOT_TUNNEL;
    if ((vtf >> 28) != 6 || hlim == 0 || (nh == 0 && plen < 8) ||
        RW_IPV6_HDR + (uint32_t)plen != wire - n)
        return RW_DEC_NOT_TUNNEL;
    rw__dec_count(d, RW_DEC_TEREDO);
    if (!rw__dec_enter(d))
        return 0;
    return rw__dec_ipv6(d, p + n, cap - n, wire - n);
}

/*
 * IP in IP: IPv4 (protocol 4, RFC 2003) or IPv6 (41, RFC 4213 6in4, RFC 2473 in IPv6)
 * inside IPv4 or IPv6. As in Suricata, an IPv6 outer packet checks the inner header's
 * size and version itself (decoder.event.ipv6.ipv4_in_ipv6_* and ipv6_in_ipv6_*); inside
 * IPv4 the inner decoder's own events say what is wrong.
 */
int rw__dec_ip_in_ip(struct rw_dec *d, int ipver, uint8_t proto, const uint8_t *p, uint32_t cap,
                     uint32_t wire)
{
    int inner4 = proto == RW_DEC_IPPROTO_IPIP;
    unsigned ver;

    if (ipver == 6) {
        if (wire < (inner4 ? RW_IPV4_MIN_HDR : RW_IPV6_HDR) ||
            rw_dec_peek_version(p, cap, &ver) != 0)
            return rw__dec_drop(d, inner4 ? RW_DEC_EV_IPV6_IPV4_IN_IPV6_TOO_SMALL
                                          : RW_DEC_EV_IPV6_IPV6_IN_IPV6_TOO_SMALL);
        if (ver != (inner4 ? 4u : 6u))
            return rw__dec_drop(d, inner4 ? RW_DEC_EV_IPV6_IPV4_IN_IPV6_WRONG_IP_VERSION
                                          : RW_DEC_EV_IPV6_IPV6_IN_IPV6_WRONG_IP_VERSION);
        rw__dec_count(d, inner4 ? RW_DEC_IPV4_IN_IPV6 : RW_DEC_IPV6_IN_IPV6);
    } else {
        rw__dec_count(d, inner4 ? RW_DEC_IPV4_IN_IPV4 : RW_DEC_IPV6_IN_IPV4);
    }
    if (!rw__dec_enter(d))
        return 0;
    return inner4 ? rw__dec_ipv4(d, p, cap, wire) : rw__dec_ipv6(d, p, cap, wire);
}

/*
 * Cisco HDLC (DLT_C_HDLC, 104; as in tcpdump's print-chdlc.c):
 *   | address (0x0f unicast, 0x8f broadcast) | control (0x00) | protocol (an ethertype) |
 * SLARP (0x8035) and CDP (0x2000) keepalives are unknown ethertypes.
 */
int rw__dec_chdlc(struct rw_dec *d, const uint8_t *p, uint32_t cap, uint32_t wire)
{
    struct rw_cur c;
    uint16_t type;

    rw__dec_count(d, RW_DEC_CHDLC);
    rw_cur_init(&c, p, cap);
    if (rw_cur_skip(&c, 2) != 0 || rw_rd_u16be(&c, &type) != 0)
        return rw__dec_drop(d, RW_DEC_EV_CHDLC_PKT_TOO_SMALL);
    return rw__dec_ethertype(d, type, p + 4, cap - 4, wire - 4, RW_DEC_UNKNOWN_ETHERTYPE);
}
