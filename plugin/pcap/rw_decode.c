/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_decode.c — link, network and transport decoding for the standalone host. */
#include <stdint.h>
#include <string.h>

#include "rw_decode_int.h"

/*
 * Every decoder below takes a window of the frame: p, the bytes captured from p on
 * (cap) and the bytes that were on the wire from p on (wire). wire >= cap always holds:
 * the capture may stop early (snaplen), the wire length says how long the packet was.
 * Headers must be captured whole; payload need not be. Lengths "per the headers"
 * (ip_wire_len, payload_wire_len) come from the headers and are checked against wire,
 * so byte counters stay right for snaplen-truncated captures. Return values are those
 * of rw_decode_int.h; the encapsulations of span ports live in rw_decode_encap.c.
 */

/* Link types as libpcap numbers them on Linux. LINKTYPE_RAW (101) is what files store
 * for DLT_RAW; libpcap maps it to 12, but other readers may hand it through. */
enum {
    RW_DEC_DLT_NULL = 0,
    RW_DEC_DLT_EN10MB = 1,
    RW_DEC_DLT_RAW = 12,
    RW_DEC_DLT_C_HDLC = 104,
    RW_DEC_DLT_LINKTYPE_RAW = 101,
    RW_DEC_DLT_IEEE802_11 = 105,
    RW_DEC_DLT_LOOP = 108,
    RW_DEC_DLT_LINUX_SLL = 113,
    RW_DEC_DLT_IEEE802_11_RADIO = 127,
    RW_DEC_DLT_IPV4 = 228,
    RW_DEC_DLT_IPV6 = 229,
    RW_DEC_DLT_NFLOG = 239,
    RW_DEC_DLT_LINUX_SLL2 = 276,
};

enum {
    RW_DEC_IPPROTO_HOPOPTS = 0,
    RW_DEC_IPPROTO_ICMP = 1,
    RW_DEC_IPPROTO_TCP = 6,
    RW_DEC_IPPROTO_UDP = 17,
    RW_DEC_IPPROTO_ROUTING = 43,
    RW_DEC_IPPROTO_FRAGMENT = 44,
    RW_DEC_IPPROTO_GRE = 47,
    RW_DEC_IPPROTO_AH = 51,
    RW_DEC_IPPROTO_ICMPV6 = 58,
    RW_DEC_IPPROTO_DSTOPTS = 60,
};

#define RW_DEC_VXLAN_PORT 4789
#define RW_DEC_GENEVE_PORT 6081     /* RFC 8926 */
#define RW_DEC_TEREDO_PORT 3544     /* RFC 4380 */
#define RW_DEC_NFLOG_PAYLOAD 9      /* NFULA_PAYLOAD */
#define RW_DEC_IP_MAX_LEN 0xffffu   /* largest length a 16-bit IP length field can hold */

const char *const rw_decode_counter_path[RW_DEC_COUNTER_N] = {
    [RW_DEC_PKTS] = "decoder.pkts",
    [RW_DEC_BYTES] = "decoder.bytes",
    [RW_DEC_INVALID] = "decoder.invalid",
    [RW_DEC_ETHERNET] = "decoder.ethernet",
    [RW_DEC_SLL] = "decoder.sll",
    [RW_DEC_SLL2] = "decoder.sll2",
    [RW_DEC_NULL] = "decoder.null",
    [RW_DEC_RAW] = "decoder.raw",
    [RW_DEC_VLAN] = "decoder.vlan",
    [RW_DEC_VLAN_QINQ] = "decoder.vlan_qinq",
    [RW_DEC_IPV4] = "decoder.ipv4",
    [RW_DEC_IPV6] = "decoder.ipv6",
    [RW_DEC_TCP] = "decoder.tcp",
    [RW_DEC_UDP] = "decoder.udp",
    [RW_DEC_ICMPV4] = "decoder.icmpv4",
    [RW_DEC_ICMPV6] = "decoder.icmpv6",
    [RW_DEC_ARP] = "decoder.arp",
    [RW_DEC_VXLAN] = "decoder.vxlan",
    [RW_DEC_GRE] = "decoder.gre",
    [RW_DEC_UNKNOWN_ETHERTYPE] = "decoder.unknown_ethertype",
    [RW_DEC_TOO_MANY_LAYERS] = "decoder.too_many_layers",
    [RW_DEC_MAX_PKT_SIZE] = "decoder.max_pkt_size",
    [RW_DEC_EV_ETH_PKT_TOO_SMALL] = "decoder.event.ethernet.pkt_too_small",
    [RW_DEC_EV_ETH_UNKNOWN_ETHERTYPE] = "decoder.event.ethernet.unknown_ethertype",
    [RW_DEC_EV_VLAN_HEADER_TOO_SMALL] = "decoder.event.vlan.header_too_small",
    [RW_DEC_EV_VLAN_TOO_MANY_LAYERS] = "decoder.event.vlan.too_many_layers",
    [RW_DEC_EV_SLL_PKT_TOO_SMALL] = "decoder.event.sll.pkt_too_small",
    [RW_DEC_EV_SLL2_PKT_TOO_SMALL] = "decoder.event.sll2.pkt_too_small",
    [RW_DEC_EV_NULL_PKT_TOO_SMALL] = "decoder.event.ltnull.pkt_too_small",
    [RW_DEC_EV_NULL_UNSUPPORTED_TYPE] = "decoder.event.ltnull.unsupported_type",
    [RW_DEC_EV_IPRAW_INVALID_IP_VERSION] = "decoder.event.ipraw.invalid_ip_version",
    [RW_DEC_EV_IPV4_PKT_TOO_SMALL] = "decoder.event.ipv4.pkt_too_small",
    [RW_DEC_EV_IPV4_HLEN_TOO_SMALL] = "decoder.event.ipv4.hlen_too_small",
    [RW_DEC_EV_IPV4_IPLEN_SMALLER_THAN_HLEN] = "decoder.event.ipv4.iplen_smaller_than_hlen",
    [RW_DEC_EV_IPV4_TRUNC_PKT] = "decoder.event.ipv4.trunc_pkt",
    [RW_DEC_EV_IPV4_OPT_INVALID_LEN] = "decoder.event.ipv4.opt_invalid_len",
    [RW_DEC_EV_IPV4_WRONG_IP_VERSION] = "decoder.event.ipv4.wrong_ip_version",
    [RW_DEC_EV_IPV4_FRAG_IGNORED] = "decoder.event.ipv4.frag_ignored",
    [RW_DEC_EV_IPV6_PKT_TOO_SMALL] = "decoder.event.ipv6.pkt_too_small",
    [RW_DEC_EV_IPV6_TRUNC_PKT] = "decoder.event.ipv6.trunc_pkt",
    [RW_DEC_EV_IPV6_TRUNC_EXTHDR] = "decoder.event.ipv6.trunc_exthdr",
    [RW_DEC_EV_IPV6_WRONG_IP_VERSION] = "decoder.event.ipv6.wrong_ip_version",
    [RW_DEC_EV_IPV6_FRAG_IGNORED] = "decoder.event.ipv6.frag_ignored",
    [RW_DEC_EV_IPV6_UNKNOWN_NEXT_HEADER] = "decoder.event.ipv6.unknown_next_header",
    [RW_DEC_EV_IPV6_EXTHDR_INVALID_OPTLEN] = "decoder.event.ipv6.exthdr_invalid_optlen",
    [RW_DEC_EV_TCP_PKT_TOO_SMALL] = "decoder.event.tcp.pkt_too_small",
    [RW_DEC_EV_TCP_HLEN_TOO_SMALL] = "decoder.event.tcp.hlen_too_small",
    [RW_DEC_EV_TCP_INVALID_OPTLEN] = "decoder.event.tcp.invalid_optlen",
    [RW_DEC_EV_UDP_PKT_TOO_SMALL] = "decoder.event.udp.pkt_too_small",
    [RW_DEC_EV_UDP_HLEN_INVALID] = "decoder.event.udp.hlen_invalid",
    [RW_DEC_EV_UDP_LEN_INVALID] = "decoder.event.udp.len_invalid",
    [RW_DEC_EV_ICMPV4_PKT_TOO_SMALL] = "decoder.event.icmpv4.pkt_too_small",
    [RW_DEC_EV_ICMPV6_PKT_TOO_SMALL] = "decoder.event.icmpv6.pkt_too_small",
    [RW_DEC_EV_GRE_PKT_TOO_SMALL] = "decoder.event.gre.pkt_too_small",
    [RW_DEC_EV_GRE_WRONG_VERSION] = "decoder.event.gre.wrong_version",
    [RW_DEC_EV_VXLAN_UNKNOWN_PAYLOAD_TYPE] = "decoder.event.vxlan.unknown_payload_type",
    [RW_DEC_EV_GRE_VERSION0_RECUR] = "decoder.event.gre.version0_recur",
    [RW_DEC_EV_GRE_VERSION0_FLAGS] = "decoder.event.gre.version0_flags",
    [RW_DEC_EV_GRE_VERSION0_HDR_TOO_BIG] = "decoder.event.gre.version0_hdr_too_big",
    [RW_DEC_PPPOE] = "decoder.pppoe",
    [RW_DEC_MPLS] = "decoder.mpls",
    [RW_DEC_ERSPAN] = "decoder.erspan",
    [RW_DEC_GENEVE] = "decoder.geneve",
    [RW_DEC_TEREDO] = "decoder.teredo",
    [RW_DEC_CHDLC] = "decoder.chdlc",
    [RW_DEC_IPV4_IN_IPV4] = "decoder.ipv4_in_ipv4",
    [RW_DEC_IPV6_IN_IPV4] = "decoder.ipv6_in_ipv4",
    [RW_DEC_IPV4_IN_IPV6] = "decoder.ipv4_in_ipv6",
    [RW_DEC_IPV6_IN_IPV6] = "decoder.ipv6_in_ipv6",
    [RW_DEC_EV_PPPOE_PKT_TOO_SMALL] = "decoder.event.pppoe.pkt_too_small",
    [RW_DEC_EV_PPPOE_WRONG_CODE] = "decoder.event.pppoe.wrong_code",
    [RW_DEC_EV_PPP_IP4_PKT_TOO_SMALL] = "decoder.event.ppp.ip4_pkt_too_small",
    [RW_DEC_EV_PPP_IP6_PKT_TOO_SMALL] = "decoder.event.ppp.ip6_pkt_too_small",
    [RW_DEC_EV_PPP_UNSUP_PROTO] = "decoder.event.ppp.unsup_proto",
    [RW_DEC_EV_PPP_WRONG_TYPE] = "decoder.event.ppp.wrong_type",
    [RW_DEC_EV_MPLS_HEADER_TOO_SMALL] = "decoder.event.mpls.header_too_small",
    [RW_DEC_EV_MPLS_PKT_TOO_SMALL] = "decoder.event.mpls.pkt_too_small",
    [RW_DEC_EV_MPLS_BAD_LABEL_ROUTER_ALERT] = "decoder.event.mpls.bad_label_router_alert",
    [RW_DEC_EV_MPLS_BAD_LABEL_IMPLICIT_NULL] = "decoder.event.mpls.bad_label_implicit_null",
    [RW_DEC_EV_MPLS_BAD_LABEL_RESERVED] = "decoder.event.mpls.bad_label_reserved",
    [RW_DEC_EV_MPLS_UNKNOWN_PAYLOAD_TYPE] = "decoder.event.mpls.unknown_payload_type",
    [RW_DEC_EV_ERSPAN_HEADER_TOO_SMALL] = "decoder.event.erspan.header_too_small",
    [RW_DEC_EV_ERSPAN_UNSUPPORTED_VERSION] = "decoder.event.erspan.unsupported_version",
    [RW_DEC_EV_ERSPAN_TOO_MANY_VLAN_LAYERS] = "decoder.event.erspan.too_many_vlan_layers",
    [RW_DEC_EV_GENEVE_UNKNOWN_PAYLOAD_TYPE] = "decoder.event.geneve.unknown_payload_type",
    [RW_DEC_EV_CHDLC_PKT_TOO_SMALL] = "decoder.event.chdlc.pkt_too_small",
    [RW_DEC_EV_IPV6_IPV4_IN_IPV6_TOO_SMALL] = "decoder.event.ipv6.ipv4_in_ipv6_too_small",
    [RW_DEC_EV_IPV6_IPV4_IN_IPV6_WRONG_IP_VERSION] =
        "decoder.event.ipv6.ipv4_in_ipv6_wrong_version",
    [RW_DEC_EV_IPV6_IPV6_IN_IPV6_TOO_SMALL] = "decoder.event.ipv6.ipv6_in_ipv6_too_small",
    [RW_DEC_EV_IPV6_IPV6_IN_IPV6_WRONG_IP_VERSION] =
        "decoder.event.ipv6.ipv6_in_ipv6_wrong_version",
};

static int rw_dec_ip(struct rw_dec *d, const uint8_t *p, uint32_t cap, uint32_t wire);

int rw__dec_drop(struct rw_dec *d, enum rw_decode_counter why)
{
    d->st->c[why]++;
    return 0;
}

void rw__dec_count(struct rw_dec *d, enum rw_decode_counter c)
{
    d->st->c[c]++;
}

int rw__dec_enter(struct rw_dec *d)
{
    if (d->depth >= RW_DECODE_MAX_ENCAP_DEPTH)
        return rw__dec_drop(d, RW_DEC_TOO_MANY_LAYERS);
    d->depth++;
    return 1;
}

static uint32_t rw_dec_min(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

/* Bytes consumed from a cursor that started at p. */
static uint32_t rw_dec_used(const struct rw_cur *c, const uint8_t *p)
{
    return (uint32_t)(c->p - p);
}

/*
 * Sets the transport part of the result. hlen is the transport header length; the
 * payload starts after it when captured, else at the end of what was captured (empty).
 */
static int rw_dec_l4_done(struct rw_dec *d, const uint8_t *l4, uint32_t cap, uint32_t wire,
                          uint32_t hlen)
{
    struct rw_decoded *o = d->out;

    if (hlen <= cap) {
        o->payload = l4 + hlen;
        o->payload_len = cap - hlen;
    } else {
        o->payload = l4 + cap;
        o->payload_len = 0;
    }
    o->payload_wire_len = wire - hlen;
    return 1;
}

/*
 * RFC 7348 VXLAN, on UDP port 4789:
 *    |R|R|R|R|I|R|R|R|   Reserved (24)   |   VNI (24)   | Reserved (8) |  inner Ethernet...
 * Without the I flag the datagram is left as plain UDP.
 */
static int rw_dec_vxlan(struct rw_dec *d, const uint8_t *p, uint32_t cap, uint32_t wire)
{
    struct rw_cur c;
    uint8_t flags;

    rw_cur_init(&c, p, cap);
    if (rw_rd_u8(&c, &flags) != 0 || rw_cur_skip(&c, 7) != 0 || (flags & 0x08) == 0)
        return RW_DEC_NOT_TUNNEL;
    rw__dec_count(d, RW_DEC_VXLAN);
    if (!rw__dec_enter(d))
        return 0;
    return rw__dec_ether(d, c.p, cap - 8, wire - 8, RW_DEC_EV_VXLAN_UNKNOWN_PAYLOAD_TYPE);
}

/*
 * IEEE 802.11 data frame (as in DLT_IEEE802_11, radiotap, or Aruba GRE):
 *   frame control (2) | duration (2) | addr1 | addr2 | addr3 (6 each) | seq ctl (2)
 *   | addr4 (6, when ToDS and FromDS) | QoS control (2, QoS subtypes)
 *   | HT control (4, QoS with the Order bit) | LLC/SNAP AA AA 03 + OUI (3) + ethertype (2)
 * Management, control, null-data, protected, fragmented and A-MSDU frames are counted
 * as decoder.invalid: there is no IP packet to take out of them.
 */
static int rw_dec_80211(struct rw_dec *d, const uint8_t *p, uint32_t cap, uint32_t wire)
{
    struct rw_cur c;
    uint8_t fc0, fc1, snap[6];
    uint16_t seqctl, qos = 0, type;
    unsigned subtype;
    uint32_t n;

    rw_cur_init(&c, p, cap);
    if (rw_rd_u8(&c, &fc0) != 0 || rw_rd_u8(&c, &fc1) != 0 || rw_cur_skip(&c, 20) != 0 ||
        rw_rd_u16le(&c, &seqctl) != 0)
        return rw__dec_drop(d, RW_DEC_INVALID);
    subtype = fc0 >> 4;
    /* version 0, type 2 (data); subtypes with bit 2 set carry no data */
    if ((fc0 & 0x0f) != 0x08 || (subtype & 0x4) != 0)
        return rw__dec_drop(d, RW_DEC_INVALID);
    /* protected, more fragments, or not the first fragment */
    if ((fc1 & 0x40) != 0 || (fc1 & 0x04) != 0 || (seqctl & 0x000f) != 0)
        return rw__dec_drop(d, RW_DEC_INVALID);
    if ((fc1 & 0x03) == 0x03 && rw_cur_skip(&c, 6) != 0)
        return rw__dec_drop(d, RW_DEC_INVALID);
    if ((subtype & 0x8) != 0) {
        if (rw_rd_u16le(&c, &qos) != 0 || ((fc1 & 0x80) != 0 && rw_cur_skip(&c, 4) != 0))
            return rw__dec_drop(d, RW_DEC_INVALID);
        if ((qos & 0x0080) != 0) /* A-MSDU present */
            return rw__dec_drop(d, RW_DEC_INVALID);
    }
    if (rw_rd_bytes(&c, snap, sizeof(snap)) != 0 || rw_rd_u16be(&c, &type) != 0)
        return rw__dec_drop(d, RW_DEC_INVALID);
    /* RFC 1042 (OUI 00-00-00) or 802.1H bridge tunnel (OUI 00-00-F8) encapsulation */
    if (snap[0] != 0xaa || snap[1] != 0xaa || snap[2] != 0x03 || snap[3] != 0 ||
        snap[4] != 0 || (snap[5] != 0 && snap[5] != 0xf8))
        return rw__dec_drop(d, RW_DEC_INVALID);
    n = rw_dec_used(&c, p);
    return rw__dec_ethertype(d, type, c.p, cap - n, wire - n, RW_DEC_UNKNOWN_ETHERTYPE);
}

/*
 * GRE, RFC 2784 with the key and sequence number of RFC 2890:
 *   |C|R|K|S|s|Recur|  Flags  | Ver |      Protocol Type        |
 *   |   Checksum (optional, C)      |     Reserved1 (optional)  |
 *   |                      Key (optional, K)                    |
 *   |                Sequence Number (optional, S)              |
 * Version 1 (PPTP) and payload types we do not decode stay a plain GRE flow packet.
 * Source routing (RFC 1701, R and s) is not decoded: RFC 2784 receivers discard it.
 */
static int rw_dec_gre(struct rw_dec *d, const uint8_t *p, uint32_t cap, uint32_t wire)
{
    struct rw_cur c;
    uint16_t flags, proto;
    size_t opt;
    uint32_t n;

    rw__dec_count(d, RW_DEC_GRE);
    rw_cur_init(&c, p, cap);
    if (rw_rd_u16be(&c, &flags) != 0 || rw_rd_u16be(&c, &proto) != 0)
        return rw__dec_drop(d, RW_DEC_EV_GRE_PKT_TOO_SMALL);
    if ((flags & 0x0007) == 1)
        return RW_DEC_NOT_TUNNEL;
    if ((flags & 0x0007) != 0)
        return rw__dec_drop(d, RW_DEC_EV_GRE_WRONG_VERSION);
    if ((flags & 0x0700) != 0)
        return rw__dec_drop(d, RW_DEC_EV_GRE_VERSION0_RECUR);
    if ((flags & 0x48f8) != 0)
        return rw__dec_drop(d, RW_DEC_EV_GRE_VERSION0_FLAGS);
    opt = ((flags & 0x8000) ? 4 : 0) + ((flags & 0x2000) ? 4 : 0) + ((flags & 0x1000) ? 4 : 0);
    if (rw_cur_skip(&c, opt) != 0)
        return rw__dec_drop(d, RW_DEC_EV_GRE_VERSION0_HDR_TOO_BIG);
    if (proto != RW_DEC_ET_IPV4 && proto != RW_DEC_ET_IPV6 && proto != RW_DEC_ET_TEB &&
        proto != RW_DEC_ET_ARUBA && proto != RW_DEC_ET_ERSPAN && proto != RW_DEC_ET_ERSPAN3)
        return RW_DEC_NOT_TUNNEL;
    if (!rw__dec_enter(d))
        return 0;
    n = rw_dec_used(&c, p);
    p = c.p;
    cap -= n;
    wire -= n;
    switch (proto) {
    case RW_DEC_ET_TEB:
        return rw__dec_ether(d, p, cap, wire, RW_DEC_UNKNOWN_ETHERTYPE);
    case RW_DEC_ET_ARUBA:
        return rw_dec_80211(d, p, cap, wire);
    case RW_DEC_ET_ERSPAN:
    case RW_DEC_ET_ERSPAN3:
        return rw__dec_erspan(d, proto, (flags & 0x1000) != 0, p, cap, wire);
    default:
        return rw__dec_ethertype(d, proto, p, cap, wire, RW_DEC_UNKNOWN_ETHERTYPE);
    }
}

/* TCP, RFC 9293: | sport | dport | seq (4) | ack (4) | offset (4 bits) | flags | ... */
static int rw_dec_tcp(struct rw_dec *d, const uint8_t *p, uint32_t cap, uint32_t wire)
{
    struct rw_decoded *o = d->out;
    struct rw_cur c;
    uint8_t off, flags;
    uint16_t sport, dport;
    uint32_t seq, ack, hlen;

    rw__dec_count(d, RW_DEC_TCP);
    rw_cur_init(&c, p, cap);
    if (rw_rd_u16be(&c, &sport) != 0 || rw_rd_u16be(&c, &dport) != 0 ||
        rw_rd_u32be(&c, &seq) != 0 || rw_rd_u32be(&c, &ack) != 0 || rw_rd_u8(&c, &off) != 0 ||
        rw_rd_u8(&c, &flags) != 0 || rw_cur_skip(&c, 6) != 0)
        return rw__dec_drop(d, RW_DEC_EV_TCP_PKT_TOO_SMALL);
    hlen = (uint32_t)(off >> 4) * 4;
    if (hlen < 20)
        return rw__dec_drop(d, RW_DEC_EV_TCP_HLEN_TOO_SMALL);
    if (hlen > wire) /* options run past the IP packet; options cut by snaplen are fine */
        return rw__dec_drop(d, RW_DEC_EV_TCP_INVALID_OPTLEN);
    o->key.sport = sport;
    o->key.dport = dport;
    o->tcp_seq = seq;
    o->tcp_ack = ack;
    o->tcp_flags = flags;
    return rw_dec_l4_done(d, p, cap, wire, hlen);
}

/* UDP, RFC 768: | sport | dport | length (header included) | checksum |. Length 0 on a
 * datagram over 65535 bytes is an RFC 2675 jumbogram. Port 4789 may carry VXLAN, 6081
 * Geneve and 3544 (either side) Teredo. */
static int rw_dec_udp(struct rw_dec *d, const uint8_t *p, uint32_t cap, uint32_t wire)
{
    struct rw_decoded *o = d->out;
    struct rw_cur c;
    uint16_t sport, dport, ulen;
    uint32_t udplen;
    int r;

    rw__dec_count(d, RW_DEC_UDP);
    rw_cur_init(&c, p, cap);
    if (rw_rd_u16be(&c, &sport) != 0 || rw_rd_u16be(&c, &dport) != 0 ||
        rw_rd_u16be(&c, &ulen) != 0 || rw_cur_skip(&c, 2) != 0)
        return rw__dec_drop(d, RW_DEC_EV_UDP_PKT_TOO_SMALL);
    udplen = ulen;
    if (udplen == 0 && wire > RW_DEC_IP_MAX_LEN)
        udplen = wire;
    if (udplen < 8)
        return rw__dec_drop(d, RW_DEC_EV_UDP_HLEN_INVALID);
    if (udplen > wire)
        return rw__dec_drop(d, RW_DEC_EV_UDP_LEN_INVALID);
    cap = rw_dec_min(cap, udplen);
    r = RW_DEC_NOT_TUNNEL;
    if (dport == RW_DEC_VXLAN_PORT)
        r = rw_dec_vxlan(d, p + 8, cap - 8, udplen - 8);
    else if (dport == RW_DEC_GENEVE_PORT)
        r = rw__dec_geneve(d, p + 8, cap - 8, udplen - 8);
    else if (sport == RW_DEC_TEREDO_PORT || dport == RW_DEC_TEREDO_PORT)
        r = rw__dec_teredo(d, p + 8, cap - 8, udplen - 8);
    if (r != RW_DEC_NOT_TUNNEL)
        return r;
    o->key.sport = sport;
    o->key.dport = dport;
    return rw_dec_l4_done(d, p, cap, udplen, 8);
}

/* ICMP (RFC 792) and ICMPv6 (RFC 4443): | type | code | checksum | 4 more bytes |. The
 * key's ports carry type and code. */
static int rw_dec_icmp(struct rw_dec *d, int ipver, const uint8_t *p, uint32_t cap,
                       uint32_t wire)
{
    struct rw_cur c;
    uint8_t type, code;

    rw__dec_count(d, ipver == 4 ? RW_DEC_ICMPV4 : RW_DEC_ICMPV6);
    rw_cur_init(&c, p, cap);
    if (rw_rd_u8(&c, &type) != 0 || rw_rd_u8(&c, &code) != 0 || rw_cur_skip(&c, 6) != 0)
        return rw__dec_drop(d, ipver == 4 ? RW_DEC_EV_ICMPV4_PKT_TOO_SMALL
                                         : RW_DEC_EV_ICMPV6_PKT_TOO_SMALL);
    d->out->key.sport = type;
    d->out->key.dport = code;
    return rw_dec_l4_done(d, p, cap, wire, 8);
}

/* The transport layer of an IP packet; any protocol not decoded here (and GRE that is not
 * a tunnel we follow) is a flow packet without ports. */
static int rw_dec_transport(struct rw_dec *d, uint8_t proto, int ipver, const uint8_t *p,
                            uint32_t cap, uint32_t wire)
{
    int r;

    d->out->key.proto = proto;
    d->out->key.sport = 0;
    d->out->key.dport = 0;
    switch (proto) {
    case RW_DEC_IPPROTO_TCP:
        return rw_dec_tcp(d, p, cap, wire);
    case RW_DEC_IPPROTO_UDP:
        return rw_dec_udp(d, p, cap, wire);
    case RW_DEC_IPPROTO_ICMP:
    case RW_DEC_IPPROTO_ICMPV6:
        /* ICMP in IPv6, or ICMPv6 in IPv4, is just another IP protocol */
        if ((proto == RW_DEC_IPPROTO_ICMP) == (ipver == 4))
            return rw_dec_icmp(d, ipver, p, cap, wire);
        break;
    case RW_DEC_IPPROTO_GRE:
        r = rw_dec_gre(d, p, cap, wire);
        if (r != RW_DEC_NOT_TUNNEL)
            return r;
        break;
    case RW_DEC_IPPROTO_IPIP:
    case RW_DEC_IPPROTO_IPV6:
        return rw__dec_ip_in_ip(d, ipver, proto, p, cap, wire);
    default:
        break;
    }
    return rw_dec_l4_done(d, p, cap, wire, 0);
}

/* Records the IP layer in the result; an inner (tunnelled) IP header replaces an outer. */
static void rw_dec_set_ip(struct rw_dec *d, const uint8_t *p, uint32_t l3cap, uint32_t iplen,
                          uint8_t family, const uint8_t *src, const uint8_t *dst, size_t alen)
{
    struct rw_decoded *o = d->out;

    memset(&o->key.src, 0, sizeof(o->key.src));
    memset(&o->key.dst, 0, sizeof(o->key.dst));
    o->key.src.family = family;
    o->key.dst.family = family;
    memcpy(o->key.src.a, src, alen);
    memcpy(o->key.dst.a, dst, alen);
    o->l3 = p;
    o->l3_len = l3cap;
    o->ip_wire_len = iplen;
}

/*
 * IPv4, RFC 791:
 *   |Ver| IHL |  TOS  |  Total Length  |  Identification  |Flags| Fragment Offset |
 *   |  TTL  | Proto |  Header Checksum |  Source (4)  |  Destination (4)  | options
 * Fragments are counted and not decoded. Total length 0 on a frame longer than 65535
 * bytes is Linux BIG TCP (or a TSO send captured before segmentation): the length is then
 * taken from the frame, as tcpdump does.
 */
int rw__dec_ipv4(struct rw_dec *d, const uint8_t *p, uint32_t cap, uint32_t wire)
{
    struct rw_cur c, oc;
    uint8_t vhl, proto, src[4], dst[4], t, l;
    uint16_t tot, frag;
    uint32_t hlen, iplen, l3cap;

    rw__dec_count(d, RW_DEC_IPV4);
    rw_cur_init(&c, p, cap);
    if (rw_rd_u8(&c, &vhl) != 0 || rw_cur_skip(&c, 1) != 0 || rw_rd_u16be(&c, &tot) != 0 ||
        rw_cur_skip(&c, 2) != 0 || rw_rd_u16be(&c, &frag) != 0 || rw_cur_skip(&c, 1) != 0 ||
        rw_rd_u8(&c, &proto) != 0 || rw_cur_skip(&c, 2) != 0 || rw_rd_bytes(&c, src, 4) != 0 ||
        rw_rd_bytes(&c, dst, 4) != 0)
        return rw__dec_drop(d, RW_DEC_EV_IPV4_PKT_TOO_SMALL);
    if ((vhl >> 4) != 4)
        return rw__dec_drop(d, RW_DEC_EV_IPV4_WRONG_IP_VERSION);
    if ((frag & 0x3fff) != 0) /* MF set or a fragment offset */
        return rw__dec_drop(d, RW_DEC_EV_IPV4_FRAG_IGNORED);
    hlen = (uint32_t)(vhl & 0x0f) * 4;
    if (hlen < 20)
        return rw__dec_drop(d, RW_DEC_EV_IPV4_HLEN_TOO_SMALL);
    if (hlen > cap)
        return rw__dec_drop(d, RW_DEC_EV_IPV4_TRUNC_PKT);
    iplen = tot;
    if (tot == 0 && wire > RW_DEC_IP_MAX_LEN)
        iplen = wire;
    if (iplen < hlen)
        return rw__dec_drop(d, RW_DEC_EV_IPV4_IPLEN_SMALLER_THAN_HLEN);
    if (iplen > wire)
        return rw__dec_drop(d, RW_DEC_EV_IPV4_TRUNC_PKT);
    /* options: EOL (0) ends them, NOP (1) is one byte, others are type, length, data */
    rw_cur_init(&oc, p + 20, hlen - 20);
    while (rw_rd_u8(&oc, &t) == 0 && t != 0) {
        if (t == 1)
            continue;
        if (rw_rd_u8(&oc, &l) != 0 || l < 2 || rw_cur_skip(&oc, (size_t)l - 2) != 0)
            return rw__dec_drop(d, RW_DEC_EV_IPV4_OPT_INVALID_LEN);
    }
    l3cap = rw_dec_min(cap, iplen);
    rw_dec_set_ip(d, p, l3cap, iplen, 4, src, dst, 4);
    return rw_dec_transport(d, proto, 4, p + hlen, l3cap - hlen, iplen - hlen);
}

/* Checks the TLV options of a hop-by-hop or destination options header (RFC 8200 4.2):
 * Pad1 is one byte, every other option is type, length, data and must fit. */
static int rw_dec_ipv6_opts_ok(const uint8_t *p, uint32_t len)
{
    struct rw_cur c;
    uint8_t t, l;

    rw_cur_init(&c, p, len);
    while (rw_rd_u8(&c, &t) == 0) {
        if (t == 0)
            continue;
        if (rw_rd_u8(&c, &l) != 0 || rw_cur_skip(&c, l) != 0)
            return 0;
    }
    return 1;
}

/*
 * Walks the IPv6 extension headers from *off (RFC 8200 4): hop-by-hop (0), routing (43),
 * fragment (44), AH (51, RFC 4302: length in 4-byte units minus 2), destination options
 * (60); at most RW_IPV6_MAX_EXT_HEADERS. On return *nh is the transport protocol and *off
 * its offset. Only an atomic fragment (offset 0, M 0, RFC 6946) is walked through.
 * Returns 1, or 0 after counting why the packet cannot be decoded.
 */
static int rw_dec_ipv6_exthdrs(struct rw_dec *d, const uint8_t *p, uint32_t l3cap, uint8_t *nh,
                               uint32_t *off)
{
    struct rw_cur c;
    uint32_t ehlen;
    uint16_t fo;
    uint8_t next, elen;

    for (unsigned n = 0;; n++) {
        if (*nh != RW_DEC_IPPROTO_HOPOPTS && *nh != RW_DEC_IPPROTO_ROUTING &&
            *nh != RW_DEC_IPPROTO_FRAGMENT && *nh != RW_DEC_IPPROTO_AH &&
            *nh != RW_DEC_IPPROTO_DSTOPTS)
            return 1;
        if (n == RW_IPV6_MAX_EXT_HEADERS)
            return rw__dec_drop(d, RW_DEC_TOO_MANY_LAYERS);
        rw_cur_init(&c, p + *off, l3cap - *off);
        if (rw_rd_u8(&c, &next) != 0 || rw_rd_u8(&c, &elen) != 0)
            return rw__dec_drop(d, RW_DEC_EV_IPV6_TRUNC_EXTHDR);
        if (*nh == RW_DEC_IPPROTO_FRAGMENT)
            ehlen = 8;
        else if (*nh == RW_DEC_IPPROTO_AH)
            ehlen = ((uint32_t)elen + 2) * 4;
        else
            ehlen = ((uint32_t)elen + 1) * 8;
        /* l3cap is clamped to the IP length: this covers both truncation kinds */
        if (ehlen > l3cap - *off)
            return rw__dec_drop(d, RW_DEC_EV_IPV6_TRUNC_EXTHDR);
        if ((*nh == RW_DEC_IPPROTO_HOPOPTS || *nh == RW_DEC_IPPROTO_DSTOPTS) &&
            !rw_dec_ipv6_opts_ok(p + *off + 2, ehlen - 2))
            return rw__dec_drop(d, RW_DEC_EV_IPV6_EXTHDR_INVALID_OPTLEN);
        if (*nh == RW_DEC_IPPROTO_FRAGMENT) {
            /* | Next | Reserved | Fragment Offset (13) | Res (2) | M | Identification | */
            (void)rw_rd_u16be(&c, &fo); /* cannot fail: ehlen (8) bytes are captured */
            if ((fo & 0xfff9) != 0)
                return rw__dec_drop(d, RW_DEC_EV_IPV6_FRAG_IGNORED);
        }
        *nh = next;
        *off += ehlen;
    }
}

/*
 * IPv6, RFC 8200:
 *   |Ver| Traffic Class | Flow Label | Payload Length | Next Header | Hop Limit |
 *   | Source (16) | Destination (16) | extension headers... | transport
 * Payload length 0 on a frame longer than 65535 + 40 bytes is a jumbogram or BIG TCP: the
 * length is taken from the frame.
 */
int rw__dec_ipv6(struct rw_dec *d, const uint8_t *p, uint32_t cap, uint32_t wire)
{
    struct rw_cur c;
    uint32_t vtf, iplen, l3cap, off;
    uint16_t plen;
    uint8_t nh, src[16], dst[16];

    rw__dec_count(d, RW_DEC_IPV6);
    rw_cur_init(&c, p, cap);
    if (rw_rd_u32be(&c, &vtf) != 0 || rw_rd_u16be(&c, &plen) != 0 || rw_rd_u8(&c, &nh) != 0 ||
        rw_cur_skip(&c, 1) != 0 || rw_rd_bytes(&c, src, 16) != 0 || rw_rd_bytes(&c, dst, 16) != 0)
        return rw__dec_drop(d, RW_DEC_EV_IPV6_PKT_TOO_SMALL);
    if ((vtf >> 28) != 6)
        return rw__dec_drop(d, RW_DEC_EV_IPV6_WRONG_IP_VERSION);
    iplen = 40u + plen;
    if (plen == 0 && wire - 40 > RW_DEC_IP_MAX_LEN)
        iplen = wire;
    if (iplen > wire)
        return rw__dec_drop(d, RW_DEC_EV_IPV6_TRUNC_PKT);
    l3cap = rw_dec_min(cap, iplen);
    off = 40;
    if (!rw_dec_ipv6_exthdrs(d, p, l3cap, &nh, &off))
        return 0;
    rw_dec_set_ip(d, p, l3cap, iplen, 6, src, dst, 16);
    return rw_dec_transport(d, nh, 6, p + off, l3cap - off, iplen - off);
}

/* An IP packet without a link header: the version nibble says which. */
static int rw_dec_ip(struct rw_dec *d, const uint8_t *p, uint32_t cap, uint32_t wire)
{
    if (cap == 0)
        return rw__dec_drop(d, RW_DEC_EV_IPV4_PKT_TOO_SMALL);
    switch (p[0] >> 4) {
    case 4:
        return rw__dec_ipv4(d, p, cap, wire);
    case 6:
        return rw__dec_ipv6(d, p, cap, wire);
    default:
        return rw__dec_drop(d, RW_DEC_EV_IPRAW_INVALID_IP_VERSION);
    }
}

/*
 * Dispatches on an ethertype, first taking off IEEE 802.1Q / 802.1ad tags:
 *   | TPID 0x8100, 0x88a8 or 0x9100 | PCP (3) DEI (1) VID (12) | inner ethertype |
 * Tags accumulate across tunnels; more than RW_VLAN_MAX_LAYERS is too many.
 * unknown is the counter for an ethertype we do not decode.
 */
int rw__dec_ethertype(struct rw_dec *d, uint16_t type, const uint8_t *p, uint32_t cap,
                            uint32_t wire, enum rw_decode_counter unknown)
{
    struct rw_flow_key *k = &d->out->key;
    struct rw_cur c;
    uint16_t tci;

    while (type == RW_DEC_ET_8021Q || type == RW_DEC_ET_8021AD || type == RW_DEC_ET_QINQ_OLD) {
        if (k->nvlan >= RW_VLAN_MAX_LAYERS)
            return rw__dec_drop(d, RW_DEC_EV_VLAN_TOO_MANY_LAYERS);
        rw__dec_count(d, k->nvlan == 0 ? RW_DEC_VLAN : RW_DEC_VLAN_QINQ);
        rw_cur_init(&c, p, cap);
        if (rw_rd_u16be(&c, &tci) != 0 || rw_rd_u16be(&c, &type) != 0)
            return rw__dec_drop(d, RW_DEC_EV_VLAN_HEADER_TOO_SMALL);
        k->vlan[k->nvlan++] = tci & 0x0fff;
        p += 4;
        cap -= 4;
        wire -= 4;
    }
    switch (type) {
    case RW_DEC_ET_IPV4:
        return rw__dec_ipv4(d, p, cap, wire);
    case RW_DEC_ET_IPV6:
        return rw__dec_ipv6(d, p, cap, wire);
    case RW_DEC_ET_ARP:
        return rw__dec_drop(d, RW_DEC_ARP);
    case RW_DEC_ET_PPPOE_SESS:
        return rw__dec_pppoe_session(d, p, cap, wire);
    case RW_DEC_ET_PPPOE_DISC:
        return rw__dec_pppoe_discovery(d, p, cap);
    case RW_DEC_ET_MPLS_UC:
    case RW_DEC_ET_MPLS_MC:
        return rw__dec_mpls(d, p, cap, wire);
    default:
        return rw__dec_drop(d, unknown);
    }
}

/* Ethernet II: | destination (6) | source (6) | ethertype (2) |. unknown as for
 * rw__dec_ethertype. */
int rw__dec_ether(struct rw_dec *d, const uint8_t *p, uint32_t cap, uint32_t wire,
                        enum rw_decode_counter unknown)
{
    struct rw_cur c;
    uint16_t type;

    rw__dec_count(d, RW_DEC_ETHERNET);
    rw_cur_init(&c, p, cap);
    if (rw_cur_skip(&c, 12) != 0 || rw_rd_u16be(&c, &type) != 0)
        return rw__dec_drop(d, RW_DEC_EV_ETH_PKT_TOO_SMALL);
    return rw__dec_ethertype(d, type, p + 14, cap - 14, wire - 14, unknown);
}

/* Linux cooked v1: | packet type | ARPHRD type | addr len | addr (8) | protocol | */
static int rw_dec_sll(struct rw_dec *d, const uint8_t *p, uint32_t cap, uint32_t wire)
{
    struct rw_cur c;
    uint16_t type;

    rw__dec_count(d, RW_DEC_SLL);
    rw_cur_init(&c, p, cap);
    if (rw_cur_skip(&c, 14) != 0 || rw_rd_u16be(&c, &type) != 0)
        return rw__dec_drop(d, RW_DEC_EV_SLL_PKT_TOO_SMALL);
    return rw__dec_ethertype(d, type, p + 16, cap - 16, wire - 16, RW_DEC_UNKNOWN_ETHERTYPE);
}

/* Linux cooked v2: | protocol | reserved | ifindex (4) | ARPHRD | pkt type | addr len |
 * addr (8) | */
static int rw_dec_sll2(struct rw_dec *d, const uint8_t *p, uint32_t cap, uint32_t wire)
{
    struct rw_cur c;
    uint16_t type;

    rw__dec_count(d, RW_DEC_SLL2);
    rw_cur_init(&c, p, cap);
    if (rw_rd_u16be(&c, &type) != 0 || rw_cur_skip(&c, 18) != 0)
        return rw__dec_drop(d, RW_DEC_EV_SLL2_PKT_TOO_SMALL);
    return rw__dec_ethertype(d, type, p + 20, cap - 20, wire - 20, RW_DEC_UNKNOWN_ETHERTYPE);
}

/*
 * BSD loopback (DLT_NULL in the capturing host's byte order, DLT_LOOP in network order):
 * a 4-byte address family. A value with high bits set was written in the other order.
 * AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD, OpenBSD), 28 (FreeBSD), 30 (Darwin),
 * 10 (Linux), 23 (Windows), 26 (Solaris).
 */
static int rw_dec_null(struct rw_dec *d, const uint8_t *p, uint32_t cap, uint32_t wire)
{
    struct rw_cur c;
    uint32_t fam;

    rw__dec_count(d, RW_DEC_NULL);
    rw_cur_init(&c, p, cap);
    if (rw_rd_u32le(&c, &fam) != 0)
        return rw__dec_drop(d, RW_DEC_EV_NULL_PKT_TOO_SMALL);
    if ((fam & 0xffff0000u) != 0) {
        rw_cur_init(&c, p, cap);
        (void)rw_rd_u32be(&c, &fam); /* the same 4 bytes, already known to be there */
    }
    switch (fam) {
    case 2:
        return rw__dec_ipv4(d, p + 4, cap - 4, wire - 4);
    case 10:
    case 23:
    case 24:
    case 26:
    case 28:
    case 30:
        return rw__dec_ipv6(d, p + 4, cap - 4, wire - 4);
    default:
        return rw__dec_drop(d, RW_DEC_EV_NULL_UNSUPPORTED_TYPE);
    }
}

/*
 * Linux NFLOG: | family | version | resource id (BE) | then TLVs |
 * Each TLV is | length (LE, includes these 4 bytes) | type (LE) | value | padded to 4.
 * NFULA_PAYLOAD (type 9) holds the IP packet. A malformed or payload-less record counts
 * as decoder.invalid.
 */
static int rw_dec_nflog(struct rw_dec *d, const uint8_t *p, uint32_t cap, uint32_t wire)
{
    struct rw_cur c;
    uint16_t tlen, ttype;

    rw_cur_init(&c, p, cap);
    if (rw_cur_skip(&c, 4) != 0)
        return rw__dec_drop(d, RW_DEC_INVALID);
    while (rw_rd_u16le(&c, &tlen) == 0 && rw_rd_u16le(&c, &ttype) == 0) {
        uint32_t vlen, used = rw_dec_used(&c, p);

        if (tlen < 4)
            return rw__dec_drop(d, RW_DEC_INVALID);
        vlen = (uint32_t)tlen - 4;
        if ((ttype & 0x3fff) == RW_DEC_NFLOG_PAYLOAD) {
            /* the value may be cut by snaplen, but not by the frame's wire length */
            if (vlen > wire - used)
                return rw__dec_drop(d, RW_DEC_INVALID);
            return rw_dec_ip(d, c.p, rw_dec_min(vlen, cap - used), vlen);
        }
        if (rw_cur_skip(&c, vlen) != 0)
            return rw__dec_drop(d, RW_DEC_INVALID);
        (void)rw_cur_skip(&c, rw_dec_min((4 - vlen % 4) % 4, (uint32_t)rw_cur_left(&c)));
    }
    return rw__dec_drop(d, RW_DEC_INVALID);
}

/* Radiotap: | version 0 | pad | length (LE, whole radiotap header) | present... | */
static int rw_dec_radiotap(struct rw_dec *d, const uint8_t *p, uint32_t cap, uint32_t wire)
{
    struct rw_cur c;
    uint8_t version;
    uint16_t len;

    rw_cur_init(&c, p, cap);
    if (rw_rd_u8(&c, &version) != 0 || rw_cur_skip(&c, 1) != 0 || rw_rd_u16le(&c, &len) != 0 ||
        version != 0 || len < 8 || len > cap)
        return rw__dec_drop(d, RW_DEC_INVALID);
    return rw_dec_80211(d, p + len, cap - len, wire - len);
}

int rw_decode_linktype_supported(int dlt)
{
    switch (dlt) {
    case RW_DEC_DLT_NULL:
    case RW_DEC_DLT_EN10MB:
    case RW_DEC_DLT_RAW:
    case RW_DEC_DLT_LINKTYPE_RAW:
    case RW_DEC_DLT_C_HDLC:
    case RW_DEC_DLT_IEEE802_11:
    case RW_DEC_DLT_LOOP:
    case RW_DEC_DLT_LINUX_SLL:
    case RW_DEC_DLT_IEEE802_11_RADIO:
    case RW_DEC_DLT_IPV4:
    case RW_DEC_DLT_IPV6:
    case RW_DEC_DLT_NFLOG:
    case RW_DEC_DLT_LINUX_SLL2:
        return 1;
    default:
        return 0;
    }
}

int rw_decode_packet(struct rw_decode_stats *st, int dlt, const uint8_t *pkt, uint32_t caplen,
                     uint32_t wirelen, struct rw_decoded *out)
{
    static const uint8_t none[1];
    /* out is cleared on the next line; cppcheck's cross-file check does not see that. */
    /* cppcheck-suppress ctuuninitvar */
    struct rw_dec d = {st, out, 0};

    memset(out, 0, sizeof(*out));
    if (pkt == NULL) {
        pkt = none;
        caplen = 0;
    }
    /* a record claiming fewer wire bytes than it holds: the wire had at least those */
    if (wirelen < caplen)
        wirelen = caplen;
    st->c[RW_DEC_PKTS]++;
    st->c[RW_DEC_BYTES] += wirelen;
    if (wirelen > st->c[RW_DEC_MAX_PKT_SIZE])
        st->c[RW_DEC_MAX_PKT_SIZE] = wirelen;

    switch (dlt) {
    case RW_DEC_DLT_EN10MB:
        return rw__dec_ether(&d, pkt, caplen, wirelen, RW_DEC_UNKNOWN_ETHERTYPE);
    case RW_DEC_DLT_LINUX_SLL:
        return rw_dec_sll(&d, pkt, caplen, wirelen);
    case RW_DEC_DLT_LINUX_SLL2:
        return rw_dec_sll2(&d, pkt, caplen, wirelen);
    case RW_DEC_DLT_RAW:
    case RW_DEC_DLT_LINKTYPE_RAW:
        rw__dec_count(&d, RW_DEC_RAW);
        return rw_dec_ip(&d, pkt, caplen, wirelen);
    case RW_DEC_DLT_IPV4:
        rw__dec_count(&d, RW_DEC_RAW);
        return rw__dec_ipv4(&d, pkt, caplen, wirelen);
    case RW_DEC_DLT_IPV6:
        rw__dec_count(&d, RW_DEC_RAW);
        return rw__dec_ipv6(&d, pkt, caplen, wirelen);
    case RW_DEC_DLT_NULL:
    case RW_DEC_DLT_LOOP:
        return rw_dec_null(&d, pkt, caplen, wirelen);
    case RW_DEC_DLT_NFLOG:
        return rw_dec_nflog(&d, pkt, caplen, wirelen);
    case RW_DEC_DLT_IEEE802_11_RADIO:
        return rw_dec_radiotap(&d, pkt, caplen, wirelen);
    case RW_DEC_DLT_IEEE802_11:
        return rw_dec_80211(&d, pkt, caplen, wirelen);
    case RW_DEC_DLT_C_HDLC:
        return rw__dec_chdlc(&d, pkt, caplen, wirelen);
    default:
        return rw__dec_drop(&d, RW_DEC_INVALID);
    }
}
