/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_decode.h — link, network and transport decoding for the standalone host. */
#ifndef RW_DECODE_H
#define RW_DECODE_H

#include <stdint.h>

#include "rw.h"

/*
 * Counters, one per reason. Each has Suricata's stats path (rw_decode_counter_path) so
 * the stats record stays valid against Suricata's EVE schema. Every packet handed to
 * rw_decode_packet bumps RW_DEC_PKTS and adds its wire length to RW_DEC_BYTES; every
 * packet that is not turned into a flow packet bumps exactly one reason counter (an
 * "event" counter, or RW_DEC_INVALID, RW_DEC_ARP, RW_DEC_UNKNOWN_ETHERTYPE or
 * RW_DEC_TOO_MANY_LAYERS), so nothing is dropped silently; a flow packet bumps none.
 * Layer counters (ethernet, vlan, ipv4, tcp, gre ...) count each header reached, outer and
 * inner; tunnels (VXLAN, GRE, ERSPAN, Geneve, Teredo, IP in IP, Ethernet over MPLS) nest
 * at most RW_DECODE_MAX_ENCAP_DEPTH deep. decoder.invalid also covers unsupported link
 * types and 802.11, radiotap and NFLOG frames that hold no IP packet (management, protected, malformed) and PPPoE
 * discovery frames (PADI ... PADT).
 */
enum rw_decode_counter {
    RW_DEC_PKTS,            /* decoder.pkts */
    RW_DEC_BYTES,           /* decoder.bytes */
    RW_DEC_INVALID,         /* decoder.invalid */
    RW_DEC_ETHERNET,        /* decoder.ethernet */
    RW_DEC_SLL,             /* decoder.sll */
    RW_DEC_SLL2,            /* decoder.sll2 */
    RW_DEC_NULL,            /* decoder.null */
    RW_DEC_RAW,             /* decoder.raw */
    RW_DEC_VLAN,            /* decoder.vlan */
    RW_DEC_VLAN_QINQ,       /* decoder.vlan_qinq */
    RW_DEC_IPV4,            /* decoder.ipv4 */
    RW_DEC_IPV6,            /* decoder.ipv6 */
    RW_DEC_TCP,             /* decoder.tcp */
    RW_DEC_UDP,             /* decoder.udp */
    RW_DEC_ICMPV4,          /* decoder.icmpv4 */
    RW_DEC_ICMPV6,          /* decoder.icmpv6 */
    RW_DEC_ARP,             /* decoder.arp */
    RW_DEC_VXLAN,           /* decoder.vxlan */
    RW_DEC_GRE,             /* decoder.gre */
    RW_DEC_UNKNOWN_ETHERTYPE, /* decoder.unknown_ethertype */
    RW_DEC_TOO_MANY_LAYERS, /* decoder.too_many_layers */
    RW_DEC_PPPOE,           /* decoder.pppoe (session and discovery frames) */
    RW_DEC_MPLS,            /* decoder.mpls */
    RW_DEC_ERSPAN,          /* decoder.erspan (types I, II and III) */
    RW_DEC_GENEVE,          /* decoder.geneve */
    RW_DEC_TEREDO,          /* decoder.teredo */
    RW_DEC_CHDLC,           /* decoder.chdlc */
    RW_DEC_IPV4_IN_IPV4,    /* decoder.ipv4_in_ipv4 */
    RW_DEC_IPV6_IN_IPV4,    /* decoder.ipv6_in_ipv4 */
    RW_DEC_IPV4_IN_IPV6,    /* decoder.ipv4_in_ipv6 */
    RW_DEC_IPV6_IN_IPV6,    /* decoder.ipv6_in_ipv6 */
    RW_DEC_MAX_PKT_SIZE,    /* decoder.max_pkt_size (a maximum, not a count) */
    /* events: decoder.event.<proto>.<reason> */
    RW_DEC_EV_ETH_PKT_TOO_SMALL,
    RW_DEC_EV_ETH_UNKNOWN_ETHERTYPE,
    RW_DEC_EV_VLAN_HEADER_TOO_SMALL,
    RW_DEC_EV_VLAN_TOO_MANY_LAYERS,
    RW_DEC_EV_SLL_PKT_TOO_SMALL,
    RW_DEC_EV_SLL2_PKT_TOO_SMALL,
    RW_DEC_EV_NULL_PKT_TOO_SMALL,
    RW_DEC_EV_NULL_UNSUPPORTED_TYPE,
    RW_DEC_EV_IPRAW_INVALID_IP_VERSION,
    RW_DEC_EV_IPV4_PKT_TOO_SMALL,
    RW_DEC_EV_IPV4_HLEN_TOO_SMALL,
    RW_DEC_EV_IPV4_IPLEN_SMALLER_THAN_HLEN,
    RW_DEC_EV_IPV4_TRUNC_PKT,
    RW_DEC_EV_IPV4_OPT_INVALID_LEN,
    RW_DEC_EV_IPV4_WRONG_IP_VERSION,
    RW_DEC_EV_IPV4_FRAG_IGNORED,     /* fragments: counted, not reassembled */
    RW_DEC_EV_IPV6_PKT_TOO_SMALL,
    RW_DEC_EV_IPV6_TRUNC_PKT,
    RW_DEC_EV_IPV6_TRUNC_EXTHDR,
    RW_DEC_EV_IPV6_WRONG_IP_VERSION,
    RW_DEC_EV_IPV6_FRAG_IGNORED,
    RW_DEC_EV_IPV6_UNKNOWN_NEXT_HEADER,
    RW_DEC_EV_IPV6_EXTHDR_INVALID_OPTLEN,
    RW_DEC_EV_TCP_PKT_TOO_SMALL,
    RW_DEC_EV_TCP_HLEN_TOO_SMALL,
    RW_DEC_EV_TCP_INVALID_OPTLEN,
    RW_DEC_EV_UDP_PKT_TOO_SMALL,
    RW_DEC_EV_UDP_HLEN_INVALID,
    RW_DEC_EV_UDP_LEN_INVALID,
    RW_DEC_EV_ICMPV4_PKT_TOO_SMALL,
    RW_DEC_EV_ICMPV6_PKT_TOO_SMALL,
    RW_DEC_EV_GRE_PKT_TOO_SMALL,
    RW_DEC_EV_GRE_WRONG_VERSION,
    RW_DEC_EV_VXLAN_UNKNOWN_PAYLOAD_TYPE,
    RW_DEC_EV_GRE_VERSION0_RECUR,       /* GRE v0 with a recursion count */
    RW_DEC_EV_GRE_VERSION0_FLAGS,       /* GRE v0 with routing (RFC 1701) or reserved bits */
    RW_DEC_EV_GRE_VERSION0_HDR_TOO_BIG, /* GRE v0 optional fields not captured */
    RW_DEC_EV_PPPOE_PKT_TOO_SMALL,
    RW_DEC_EV_PPPOE_WRONG_CODE,
    RW_DEC_EV_PPP_IP4_PKT_TOO_SMALL,
    RW_DEC_EV_PPP_IP6_PKT_TOO_SMALL,
    RW_DEC_EV_PPP_UNSUP_PROTO,          /* PPP control and other known non-IP protocols */
    RW_DEC_EV_PPP_WRONG_TYPE,           /* a PPP protocol number nobody assigned */
    RW_DEC_EV_MPLS_HEADER_TOO_SMALL,
    RW_DEC_EV_MPLS_PKT_TOO_SMALL,
    RW_DEC_EV_MPLS_BAD_LABEL_ROUTER_ALERT,
    RW_DEC_EV_MPLS_BAD_LABEL_IMPLICIT_NULL,
    RW_DEC_EV_MPLS_BAD_LABEL_RESERVED,
    RW_DEC_EV_MPLS_UNKNOWN_PAYLOAD_TYPE,
    RW_DEC_EV_ERSPAN_HEADER_TOO_SMALL,
    RW_DEC_EV_ERSPAN_UNSUPPORTED_VERSION, /* also type III frame types other than Ethernet/IP */
    RW_DEC_EV_ERSPAN_TOO_MANY_VLAN_LAYERS,
    RW_DEC_EV_GENEVE_UNKNOWN_PAYLOAD_TYPE,
    RW_DEC_EV_CHDLC_PKT_TOO_SMALL,
    RW_DEC_EV_IPV6_IPV4_IN_IPV6_TOO_SMALL,
    RW_DEC_EV_IPV6_IPV4_IN_IPV6_WRONG_IP_VERSION,
    RW_DEC_EV_IPV6_IPV6_IN_IPV6_TOO_SMALL,
    RW_DEC_EV_IPV6_IPV6_IN_IPV6_WRONG_IP_VERSION,
    RW_DEC_COUNTER_N
};

/* Suricata stats path of each counter, e.g. "decoder.event.ipv4.trunc_pkt". */
extern const char *const rw_decode_counter_path[RW_DEC_COUNTER_N];

struct rw_decode_stats {
    uint64_t c[RW_DEC_COUNTER_N];
};

/* What decoding one packet gives: the innermost IP packet and its transport header. */
struct rw_decoded {
    struct rw_flow_key key;      /* as seen in this packet: src is this packet's sender;
                                  * vlan ids filled in; for ICMP sport/dport = type/code */
    const uint8_t *l3;           /* the (innermost) IP header */
    uint32_t l3_len;             /* bytes captured from l3, clamped to the IP length */
    uint32_t ip_wire_len;        /* IP total length per the header (for byte counters) */
    const uint8_t *payload;      /* transport payload as captured */
    uint32_t payload_len;
    uint32_t payload_wire_len;   /* transport payload length per the IP/UDP headers */
    uint32_t tcp_seq, tcp_ack;
    uint8_t tcp_flags;
};

/* Link types handled (libpcap DLT_* values). Others are counted as decoder.invalid. */
int rw_decode_linktype_supported(int dlt);

/*
 * rw_decode_packet decodes one captured frame of link type dlt (a DLT_* value) with
 * caplen captured bytes of wirelen on the wire. Returns 1 when *out describes a
 * TCP/UDP/ICMP/other-IP packet that belongs to a flow, 0 when the packet was counted and
 * is not for the flow table (non-IP, fragment, malformed, truncated). Never reads
 * outside [pkt, pkt + caplen). out's pointers point into pkt.
 */
int rw_decode_packet(struct rw_decode_stats *st, int dlt, const uint8_t *pkt, uint32_t caplen,
                     uint32_t wirelen, struct rw_decoded *out);

#endif
