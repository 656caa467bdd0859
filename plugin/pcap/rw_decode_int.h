/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_decode_int.h — what rw_decode.c and rw_decode_encap.c share, private to the decoder. */
#ifndef RW_DECODE_INT_H
#define RW_DECODE_INT_H

#include <stdint.h>

#include "rw_cursor.h"
#include "rw_decode.h"

/*
 * Every decoder takes a window of the frame: p, the bytes captured from p on (cap) and
 * the bytes that were on the wire from p on (wire), wire >= cap. It returns 1 when
 * d->out describes a flow packet, or 0 after bumping exactly one reason counter
 * (rw__dec_drop). Tunnel decoders may also return RW_DEC_NOT_TUNNEL: the bytes are not a
 * tunnel they decode, and the outer packet stays an ordinary UDP or GRE flow packet.
 */
#define RW_DEC_NOT_TUNNEL (-1)

/* Per-packet decoding state: where results go and how deep in tunnels we are. */
struct rw_dec {
    struct rw_decode_stats *st;
    struct rw_decoded *out;
    unsigned depth;
};

/* Ethertypes, PPP protocols and IP protocol numbers the two files both use. */
enum {
    RW_DEC_ET_IPV4 = 0x0800,
    RW_DEC_ET_ARP = 0x0806,
    RW_DEC_ET_TEB = 0x6558,    /* transparent Ethernet bridging (GRE, Geneve) */
    RW_DEC_ET_8021Q = 0x8100,
    RW_DEC_ET_ARUBA = 0x8200,  /* Aruba access points: an 802.11 frame in GRE */
    RW_DEC_ET_IPV6 = 0x86dd,
    RW_DEC_ET_MPLS_UC = 0x8847,
    RW_DEC_ET_MPLS_MC = 0x8848,
    RW_DEC_ET_PPPOE_DISC = 0x8863,
    RW_DEC_ET_PPPOE_SESS = 0x8864,
    RW_DEC_ET_8021AD = 0x88a8,
    RW_DEC_ET_ERSPAN = 0x88be, /* ERSPAN type I and II (GRE protocol type) */
    RW_DEC_ET_ERSPAN3 = 0x22eb,
    RW_DEC_ET_QINQ_OLD = 0x9100,
};

enum {
    RW_DEC_IPPROTO_IPIP = 4,
    RW_DEC_IPPROTO_IPV6 = 41,
};

/* Bumps counter why (a reason) and returns 0. */
int rw__dec_drop(struct rw_dec *d, enum rw_decode_counter why);
/* Bumps a layer counter. */
void rw__dec_count(struct rw_dec *d, enum rw_decode_counter c);
/* Enters one more tunnel: 1, or 0 after counting decoder.too_many_layers when
 * RW_DECODE_MAX_ENCAP_DEPTH tunnels are already open. */
int rw__dec_enter(struct rw_dec *d);

/* Ethernet II; unknown is the reason counted for an ethertype not decoded. */
int rw__dec_ether(struct rw_dec *d, const uint8_t *p, uint32_t cap, uint32_t wire,
                  enum rw_decode_counter unknown);
/* A payload of the given ethertype, after taking off any 802.1Q/802.1ad tags. */
int rw__dec_ethertype(struct rw_dec *d, uint16_t type, const uint8_t *p, uint32_t cap,
                      uint32_t wire, enum rw_decode_counter unknown);
int rw__dec_ipv4(struct rw_dec *d, const uint8_t *p, uint32_t cap, uint32_t wire);
int rw__dec_ipv6(struct rw_dec *d, const uint8_t *p, uint32_t cap, uint32_t wire);

/* rw_decode_encap.c: the encapsulations a span or remote span port carries. */
int rw__dec_pppoe_session(struct rw_dec *d, const uint8_t *p, uint32_t cap, uint32_t wire);
int rw__dec_pppoe_discovery(struct rw_dec *d, const uint8_t *p, uint32_t cap);
int rw__dec_mpls(struct rw_dec *d, const uint8_t *p, uint32_t cap, uint32_t wire);
/* ERSPAN after a GRE header (the tunnel already entered): proto 0x88be with the GRE
 * sequence flag (seq) is type II, without it type I; proto 0x22eb is type III. */
int rw__dec_erspan(struct rw_dec *d, uint16_t proto, int seq, const uint8_t *p, uint32_t cap,
                   uint32_t wire);
/* UDP payloads: may return RW_DEC_NOT_TUNNEL. */
int rw__dec_geneve(struct rw_dec *d, const uint8_t *p, uint32_t cap, uint32_t wire);
int rw__dec_teredo(struct rw_dec *d, const uint8_t *p, uint32_t cap, uint32_t wire);
/* IP protocol 4 or 41 inside an IP packet of version ipver. */
int rw__dec_ip_in_ip(struct rw_dec *d, int ipver, uint8_t proto, const uint8_t *p, uint32_t cap,
                     uint32_t wire);
/* DLT_C_HDLC (104). */
int rw__dec_chdlc(struct rw_dec *d, const uint8_t *p, uint32_t cap, uint32_t wire);

#endif
