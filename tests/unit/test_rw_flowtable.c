/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_rw_flowtable.c — flow table: keys, directions, TCP states, timeouts, memcap, OOM. */
#include <CUnit/CUnit.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rw_flowtable.h"
#include "rw_test.h"

/* Private to rw_flowtable.c, visible in test builds (RW_TESTABLE). */

#define SEC 1000000ULL
#define LOG_MAX 64

/* What the end callback saw, in order. */
struct end_log {
    size_t n;                          /* callbacks, including those past LOG_MAX */
    struct rw_flow_info info[LOG_MAX]; /* copies of the ended flows' info */
};

static void log_end(void *ctx, struct rw_ft_flow *f)
{
    struct end_log *log = ctx;

    if (log->n < LOG_MAX)
        log->info[log->n] = f->info;
    log->n++;
}

static struct rw_addr v4(uint32_t ip)
{
    struct rw_addr a;

    memset(&a, 0, sizeof a);
    a.family = 4;
    a.a[0] = (uint8_t)(ip >> 24);
    a.a[1] = (uint8_t)(ip >> 16);
    a.a[2] = (uint8_t)(ip >> 8);
    a.a[3] = (uint8_t)ip;
    return a;
}

/* 2001:db8::<last> */
static struct rw_addr v6(uint16_t last)
{
    struct rw_addr a;

    memset(&a, 0, sizeof a);
    a.family = 6;
    a.a[0] = 0x20;
    a.a[1] = 0x01;
    a.a[2] = 0x0d;
    a.a[3] = 0xb8;
    a.a[14] = (uint8_t)(last >> 8);
    a.a[15] = (uint8_t)last;
    return a;
}

/* A decoded packet as rw_decode would give it. ip_wire_len is the IP header (20 or 40)
 * plus the transport header (TCP 20, UDP 8, ICMP 8, other 0) plus pay payload bytes. */
static struct rw_decoded pk(uint8_t proto, struct rw_addr s, uint16_t sp, struct rw_addr d,
                            uint16_t dp, uint8_t flags, uint32_t pay)
{
    struct rw_decoded x;
    uint32_t l4 = proto == IPPROTO_TCP ? 20
                  : (proto == IPPROTO_UDP || proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6)
                      ? 8
                      : 0;

    memset(&x, 0, sizeof x);
    x.key.src = s;
    x.key.dst = d;
    x.key.sport = sp;
    x.key.dport = dp;
    x.key.proto = proto;
    x.ip_wire_len = (s.family == 6 ? 40 : 20) + l4 + pay;
    x.payload_wire_len = pay;
    x.tcp_flags = flags;
    return x;
}

static int addr_is(const struct rw_addr *a, uint32_t ip)
{
    struct rw_addr b = v4(ip);

    return a->family == 4 && memcmp(a->a, b.a, sizeof a->a) == 0;
}

static struct rw_flowtable *table(const struct rw_flowtable_config *cfg, struct end_log *log)
{
    memset(log, 0, sizeof *log);
    return rw_flowtable_new(cfg, log_end, log);
}

#define C_IP 0x0a000002u /* 10.0.0.2, the client */
#define S_IP 0x0a000001u /* 10.0.0.1, the server */
#define SYN RW_TCP_SYN
#define ACK RW_TCP_ACK
#define FIN RW_TCP_FIN
#define RST RW_TCP_RST
#define PSH RW_TCP_PSH

static void test_flowtable_syn_sender_is_client(void)
{
    struct end_log log;
    struct rw_flowtable *t = table(NULL, &log);
    struct rw_decoded d = pk(IPPROTO_TCP, v4(C_IP), 40000, v4(S_IP), 80, SYN, 0);
    struct rw_ft_flow *f;
    int dir = -1, created = -1;

    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    f = rw_flowtable_packet(t, &d, 5 * SEC, &dir, &created);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(dir, RW_TOSERVER);
    CU_ASSERT_EQUAL(created, 1);
    CU_ASSERT(addr_is(&f->info.key.src, C_IP));
    CU_ASSERT(addr_is(&f->info.key.dst, S_IP));
    CU_ASSERT_EQUAL(f->info.key.sport, 40000);
    CU_ASSERT_EQUAL(f->info.key.dport, 80);
    CU_ASSERT_EQUAL(f->info.state, RW_FLOW_NEW);
    CU_ASSERT_STRING_EQUAL(f->info.tcp_state, "syn_sent");
    CU_ASSERT_EQUAL(f->info.start_us, 5 * SEC);
    CU_ASSERT_EQUAL(f->info.last_us, 5 * SEC);
    CU_ASSERT_EQUAL(f->info.flow_id, 0); /* the host fills it */
    CU_ASSERT_PTR_NULL(f->core);
    rw_flowtable_free(&t);
    CU_ASSERT_PTR_NULL(t);
    CU_ASSERT_EQUAL(log.n, 1);
    CU_ASSERT_EQUAL(log.info[0].reason, RW_END_SHUTDOWN);
}

static void test_flowtable_synack_first_makes_receiver_client(void)
{
    struct end_log log;
    struct rw_flowtable *t = table(NULL, &log);
    /* The SYN was missed: first packet is the server's SYN-ACK 10.0.0.1:80 -> 10.0.0.2. */
    struct rw_decoded d = pk(IPPROTO_TCP, v4(S_IP), 80, v4(C_IP), 40000, SYN | ACK, 0);
    struct rw_ft_flow *f, *g;
    int dir = -1, created = -1;

    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    f = rw_flowtable_packet(t, &d, SEC, &dir, &created);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(dir, RW_TOCLIENT);
    CU_ASSERT_EQUAL(created, 1);
    CU_ASSERT(addr_is(&f->info.key.src, C_IP));
    CU_ASSERT(addr_is(&f->info.key.dst, S_IP));
    CU_ASSERT_EQUAL(f->info.key.sport, 40000);
    CU_ASSERT_EQUAL(f->info.key.dport, 80);
    CU_ASSERT_EQUAL(f->info.pkts[RW_TOSERVER], 0);
    CU_ASSERT_EQUAL(f->info.pkts[RW_TOCLIENT], 1);
    CU_ASSERT_EQUAL(f->info.tcp_flags[RW_TOCLIENT], SYN | ACK);
    CU_ASSERT_EQUAL(f->info.state, RW_FLOW_ESTABLISHED);
    CU_ASSERT_STRING_EQUAL(f->info.tcp_state, "syn_recv");

    /* The client's ACK completes the handshake. */
    d = pk(IPPROTO_TCP, v4(C_IP), 40000, v4(S_IP), 80, ACK, 0);
    g = rw_flowtable_packet(t, &d, 2 * SEC, &dir, &created);
    CU_ASSERT_PTR_EQUAL(g, f);
    CU_ASSERT_EQUAL(dir, RW_TOSERVER);
    CU_ASSERT_EQUAL(created, 0);
    CU_ASSERT_STRING_EQUAL(f->info.tcp_state, "established");
    rw_flowtable_free(&t);
}

static void test_flowtable_udp_first_packet_sender_is_client(void)
{
    struct end_log log;
    struct rw_flowtable *t = table(NULL, &log);
    /* DNS query 10.0.0.2:5353 -> 10.0.0.1:53, then the answer. */
    struct rw_decoded q = pk(IPPROTO_UDP, v4(C_IP), 5353, v4(S_IP), 53, 0, 30);
    struct rw_decoded a = pk(IPPROTO_UDP, v4(S_IP), 53, v4(C_IP), 5353, 0, 90);
    struct rw_ft_flow *f, *g;
    int dir = -1, created = -1;

    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    f = rw_flowtable_packet(t, &q, SEC, &dir, &created);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(dir, RW_TOSERVER);
    CU_ASSERT(addr_is(&f->info.key.src, C_IP));
    CU_ASSERT_EQUAL(f->info.key.sport, 5353);
    CU_ASSERT_EQUAL(f->info.state, RW_FLOW_NEW);
    CU_ASSERT_PTR_NULL(f->info.tcp_state);

    g = rw_flowtable_packet(t, &a, 2 * SEC, &dir, &created);
    CU_ASSERT_PTR_EQUAL(g, f);
    CU_ASSERT_EQUAL(dir, RW_TOCLIENT);
    CU_ASSERT_EQUAL(created, 0);
    CU_ASSERT_EQUAL(f->info.state, RW_FLOW_ESTABLISHED);
    CU_ASSERT_EQUAL(f->info.bytes[RW_TOSERVER], 58);  /* 20 + 8 + 30 */
    CU_ASSERT_EQUAL(f->info.bytes[RW_TOCLIENT], 118); /* 20 + 8 + 90 */
    CU_ASSERT_EQUAL(f->info.payload[RW_TOSERVER], 30);
    CU_ASSERT_EQUAL(f->info.payload[RW_TOCLIENT], 90);
    CU_ASSERT_EQUAL(f->info.tcp_flags[RW_TOSERVER], 0);
    CU_ASSERT_PTR_NULL(f->info.tcp_state);
    rw_flowtable_free(&t);
}

static void test_flowtable_lookup_is_bidirectional(void)
{
    struct end_log log;
    struct rw_flowtable *t = table(NULL, &log);
    struct rw_decoded d;
    struct rw_ft_flow *f[6];
    struct rw_flowtable_stats st;
    int dir = -1, created = -1;

    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    /* IPv6 [2001:db8::2]:1234 <-> [2001:db8::1]:443 */
    d = pk(IPPROTO_TCP, v6(2), 1234, v6(1), 443, SYN, 0);
    f[0] = rw_flowtable_packet(t, &d, SEC, &dir, &created);
    d = pk(IPPROTO_TCP, v6(1), 443, v6(2), 1234, SYN | ACK, 0);
    f[1] = rw_flowtable_packet(t, &d, SEC, &dir, &created);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f[0]);
    CU_ASSERT_PTR_EQUAL(f[1], f[0]);
    CU_ASSERT_EQUAL(dir, RW_TOCLIENT);
    CU_ASSERT_EQUAL(created, 0);
    /* Swapping only the ports (or only the addresses: the same pair of endpoints, seen
     * from the other side) or changing one port: other flows. */
    d = pk(IPPROTO_TCP, v6(2), 443, v6(1), 1234, SYN, 0);
    f[2] = rw_flowtable_packet(t, &d, SEC, &dir, &created);
    CU_ASSERT_EQUAL(created, 1);
    d = pk(IPPROTO_TCP, v6(1), 1234, v6(2), 443, ACK, 0);
    f[3] = rw_flowtable_packet(t, &d, SEC, &dir, &created);
    CU_ASSERT_EQUAL(created, 0);
    CU_ASSERT_EQUAL(dir, RW_TOCLIENT);
    d = pk(IPPROTO_TCP, v6(2), 1235, v6(1), 443, SYN, 0);
    f[4] = rw_flowtable_packet(t, &d, SEC, &dir, &created);
    CU_ASSERT_EQUAL(created, 1);
    /* The same addresses over UDP: another flow. */
    d = pk(IPPROTO_UDP, v6(2), 1234, v6(1), 443, 0, 10);
    f[5] = rw_flowtable_packet(t, &d, SEC, &dir, &created);
    CU_ASSERT_EQUAL(created, 1);
    CU_ASSERT_PTR_NOT_EQUAL(f[2], f[0]);
    CU_ASSERT_PTR_EQUAL(f[3], f[2]);
    CU_ASSERT_PTR_NOT_EQUAL(f[4], f[0]);
    CU_ASSERT_PTR_NOT_EQUAL(f[5], f[0]);
    /* An IPv4 address with stray bytes past a[3] is still the same address. */
    d = pk(IPPROTO_UDP, v4(C_IP), 7, v4(S_IP), 9, 0, 0);
    f[0] = rw_flowtable_packet(t, &d, SEC, &dir, &created);
    d = pk(IPPROTO_UDP, v4(S_IP), 9, v4(C_IP), 7, 0, 0);
    d.key.src.a[9] = 0xee;
    d.key.dst.a[15] = 0x11;
    f[1] = rw_flowtable_packet(t, &d, SEC, &dir, &created);
    CU_ASSERT_PTR_EQUAL(f[1], f[0]);
    CU_ASSERT_EQUAL(dir, RW_TOCLIENT);
    rw_flowtable_get_stats(t, &st);
    CU_ASSERT_EQUAL(st.active, 5);
    CU_ASSERT_EQUAL(st.total, 5);
    CU_ASSERT_EQUAL(st.tcp, 3);
    CU_ASSERT_EQUAL(st.udp, 2);
    rw_flowtable_free(&t);
    CU_ASSERT_EQUAL(log.n, 5);
}

/* The table remembers the last packet's flow: every answer must still be the chain's.
 * Packets alternate between flows that differ in one field each (port, direction,
 * protocol, family with the same leading bytes), and a remembered flow that timed out is
 * not returned. */
static void test_flowtable_last_flow_answers_as_the_chain(void)
{
    struct end_log log;
    struct rw_flowtable *t = table(NULL, &log);
    struct rw_decoded a = pk(IPPROTO_UDP, v4(C_IP), 1000, v4(S_IP), 2000, 0, 10);
    struct rw_decoded ar = pk(IPPROTO_UDP, v4(S_IP), 2000, v4(C_IP), 1000, 0, 20);
    struct rw_decoded b = pk(IPPROTO_UDP, v4(C_IP), 1001, v4(S_IP), 2000, 0, 30);
    struct rw_decoded c = pk(IPPROTO_TCP, v4(C_IP), 1000, v4(S_IP), 2000, SYN, 0);
    struct rw_decoded a6 = a;
    struct rw_ft_flow *fa, *fb, *fc, *f6, *g;
    struct rw_flowtable_stats st;
    int dir = -1, created = -1;

    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    a6.key.src.family = 6; /* the same first four address bytes, another family */
    a6.key.dst.family = 6;
    fa = rw_flowtable_packet(t, &a, SEC, &dir, &created);
    CU_ASSERT_EQUAL(created, 1);
    g = rw_flowtable_packet(t, &ar, SEC, &dir, &created);
    CU_ASSERT_PTR_EQUAL(g, fa);
    CU_ASSERT_EQUAL(dir, RW_TOCLIENT);
    CU_ASSERT_EQUAL(created, 0);
    fb = rw_flowtable_packet(t, &b, SEC, &dir, &created);
    CU_ASSERT_EQUAL(created, 1);
    CU_ASSERT_PTR_NOT_EQUAL(fb, fa);
    fc = rw_flowtable_packet(t, &c, SEC, &dir, &created);
    CU_ASSERT_EQUAL(created, 1);
    f6 = rw_flowtable_packet(t, &a6, SEC, &dir, &created);
    CU_ASSERT_EQUAL(created, 1);
    CU_ASSERT_EQUAL(f6->info.key.src.family, 6);
    g = rw_flowtable_packet(t, &ar, SEC, &dir, &created);
    CU_ASSERT_PTR_EQUAL(g, fa);
    CU_ASSERT_EQUAL(dir, RW_TOCLIENT);
    g = rw_flowtable_packet(t, &a, SEC, &dir, &created);
    CU_ASSERT_PTR_EQUAL(g, fa);
    CU_ASSERT_EQUAL(dir, RW_TOSERVER);
    CU_ASSERT_PTR_NOT_EQUAL(fc, fa);
    CU_ASSERT_EQUAL(fa->info.pkts[RW_TOSERVER], 2);
    CU_ASSERT_EQUAL(fa->info.pkts[RW_TOCLIENT], 2);
    CU_ASSERT_EQUAL(fa->info.bytes[RW_TOCLIENT], 2 * (20 + 8 + 20));
    CU_ASSERT_EQUAL(fb->info.pkts[RW_TOSERVER], 1);
    CU_ASSERT_EQUAL(f6->info.pkts[RW_TOSERVER], 1);
    CU_ASSERT_EQUAL(log.n, 0);

    /* fa is remembered; 301 s on (UDP established: 300 s) every flow has timed out, and
     * fa's next packet starts a new flow. */
    g = rw_flowtable_packet(t, &a, 302 * SEC, &dir, &created);
    CU_ASSERT_EQUAL(created, 1);
    CU_ASSERT_EQUAL(dir, RW_TOSERVER);
    CU_ASSERT_EQUAL(g->info.pkts[RW_TOSERVER], 1);
    CU_ASSERT_EQUAL(g->info.pkts[RW_TOCLIENT], 0);
    CU_ASSERT_EQUAL(log.n, 4);
    rw_flowtable_get_stats(t, &st);
    CU_ASSERT_EQUAL(st.total, 5);
    CU_ASSERT_EQUAL(st.active, 1);
    rw_flowtable_free(&t);
    CU_ASSERT_EQUAL(log.n, 5);
}

static void test_flowtable_vlan_separates_flows(void)
{
    struct end_log log;
    struct rw_flowtable *t = table(NULL, &log);
    struct rw_decoded d = pk(IPPROTO_UDP, v4(C_IP), 1000, v4(S_IP), 2000, 0, 0);
    struct rw_decoded r = pk(IPPROTO_UDP, v4(S_IP), 2000, v4(C_IP), 1000, 0, 0);
    struct rw_ft_flow *none, *v10, *v20, *qinq, *g;
    struct rw_flowtable_stats st;
    int dir = -1, created = -1;

    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    none = rw_flowtable_packet(t, &d, SEC, &dir, &created);
    d.key.nvlan = 1;
    d.key.vlan[0] = 10;
    v10 = rw_flowtable_packet(t, &d, SEC, &dir, &created);
    CU_ASSERT_EQUAL(created, 1);
    d.key.vlan[0] = 20;
    v20 = rw_flowtable_packet(t, &d, SEC, &dir, &created);
    CU_ASSERT_EQUAL(created, 1);
    d.key.nvlan = 2;
    d.key.vlan[0] = 10;
    d.key.vlan[1] = 20;
    qinq = rw_flowtable_packet(t, &d, SEC, &dir, &created);
    CU_ASSERT_EQUAL(created, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(none);
    CU_ASSERT_PTR_NOT_EQUAL(v10, none);
    CU_ASSERT_PTR_NOT_EQUAL(v20, v10);
    CU_ASSERT_PTR_NOT_EQUAL(qinq, v10);
    CU_ASSERT_EQUAL(qinq->info.key.nvlan, 2);
    CU_ASSERT_EQUAL(qinq->info.key.vlan[1], 20);

    /* The reply on VLAN 10 (a stale id in the unused slot is ignored) finds the VLAN 10
     * flow; the untagged reply finds the untagged one. */
    r.key.nvlan = 1;
    r.key.vlan[0] = 10;
    r.key.vlan[1] = 999;
    g = rw_flowtable_packet(t, &r, SEC, &dir, &created);
    CU_ASSERT_PTR_EQUAL(g, v10);
    CU_ASSERT_EQUAL(dir, RW_TOCLIENT);
    CU_ASSERT_EQUAL(v10->info.key.vlan[1], 0);
    r.key.nvlan = 0;
    g = rw_flowtable_packet(t, &r, SEC, &dir, &created);
    CU_ASSERT_PTR_EQUAL(g, none);
    CU_ASSERT_EQUAL(dir, RW_TOCLIENT);
    rw_flowtable_get_stats(t, &st);
    CU_ASSERT_EQUAL(st.total, 4);
    rw_flowtable_free(&t);
}

static void test_flowtable_icmp_echo_request_and_reply_are_one_flow(void)
{
    struct end_log log;
    struct rw_flowtable *t = table(NULL, &log);
    struct rw_decoded d;
    struct rw_ft_flow *f, *g;
    struct rw_flowtable_stats st;
    int dir = -1, created = -1;

    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    /* ICMP echo request: type 8 code 0; echo reply: type 0 code 0. */
    d = pk(IPPROTO_ICMP, v4(C_IP), 8, v4(S_IP), 0, 0, 56);
    f = rw_flowtable_packet(t, &d, SEC, &dir, &created);
    d = pk(IPPROTO_ICMP, v4(S_IP), 0, v4(C_IP), 0, 0, 56);
    g = rw_flowtable_packet(t, &d, SEC, &dir, &created);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_EQUAL(g, f);
    CU_ASSERT_EQUAL(dir, RW_TOCLIENT);
    CU_ASSERT_EQUAL(created, 0);
    CU_ASSERT_EQUAL(f->info.key.sport, 8); /* the first packet's type/code */
    CU_ASSERT_EQUAL(f->info.key.dport, 0);
    CU_ASSERT_EQUAL(f->info.state, RW_FLOW_ESTABLISHED);
    CU_ASSERT_EQUAL(f->info.bytes[RW_TOSERVER], 84); /* 20 + 8 + 56 */
    CU_ASSERT_EQUAL(f->info.bytes[RW_TOCLIENT], 84);
    CU_ASSERT_PTR_NULL(f->info.tcp_state);

    /* ICMPv6 echo request 128/0 and reply 129/0. */
    d = pk(IPPROTO_ICMPV6, v6(2), 128, v6(1), 0, 0, 16);
    f = rw_flowtable_packet(t, &d, SEC, &dir, &created);
    d = pk(IPPROTO_ICMPV6, v6(1), 129, v6(2), 0, 0, 16);
    g = rw_flowtable_packet(t, &d, SEC, &dir, &created);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_EQUAL(g, f);
    CU_ASSERT_EQUAL(dir, RW_TOCLIENT);
    CU_ASSERT_EQUAL(f->info.key.sport, 128);

    /* GRE (47) with junk in the port fields: ports are 0 and not part of the identity. */
    d = pk(47, v4(C_IP), 1, v4(S_IP), 2, 0, 100);
    f = rw_flowtable_packet(t, &d, SEC, &dir, &created);
    d = pk(47, v4(S_IP), 3, v4(C_IP), 4, 0, 100);
    g = rw_flowtable_packet(t, &d, SEC, &dir, &created);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_EQUAL(g, f);
    CU_ASSERT_EQUAL(f->info.key.sport, 0);
    CU_ASSERT_EQUAL(f->info.key.dport, 0);

    rw_flowtable_get_stats(t, &st);
    CU_ASSERT_EQUAL(st.total, 3);
    CU_ASSERT_EQUAL(st.icmpv4, 1);
    CU_ASSERT_EQUAL(st.icmpv6, 1);
    CU_ASSERT_EQUAL(st.tcp, 0);
    CU_ASSERT_EQUAL(st.udp, 0);
    rw_flowtable_free(&t);
}

/* One step of a scripted TCP session. */
struct tcp_step {
    int from_client;
    uint8_t flags;
    uint32_t seq, ack, pay;
    int want_state;          /* enum rw_flow_state after the packet */
    const char *want_tcp;    /* tcp_state word after the packet */
};

static struct rw_ft_flow *run_steps(struct rw_flowtable *t, const struct tcp_step *s, size_t n,
                                    uint64_t t0)
{
    struct rw_ft_flow *f = NULL;

    for (size_t i = 0; i < n; i++) {
        struct rw_decoded d;
        struct rw_ft_flow *g;
        int dir = -1, created = -1;

        if (s[i].from_client)
            d = pk(IPPROTO_TCP, v4(C_IP), 40000, v4(S_IP), 80, s[i].flags, s[i].pay);
        else
            d = pk(IPPROTO_TCP, v4(S_IP), 80, v4(C_IP), 40000, s[i].flags, s[i].pay);
        d.tcp_seq = s[i].seq;
        d.tcp_ack = s[i].ack;
        g = rw_flowtable_packet(t, &d, t0 + i * SEC, &dir, &created);
        CU_ASSERT_PTR_NOT_NULL_FATAL(g);
        if (f == NULL)
            f = g;
        CU_ASSERT_PTR_EQUAL(g, f);
        CU_ASSERT_EQUAL(created, i == 0);
        CU_ASSERT_EQUAL(dir, s[i].from_client ? RW_TOSERVER : RW_TOCLIENT);
        CU_ASSERT_EQUAL(g->info.state, s[i].want_state);
        CU_ASSERT_STRING_EQUAL(g->info.tcp_state, s[i].want_tcp);
        if (g->info.state != s[i].want_state || strcmp(g->info.tcp_state, s[i].want_tcp) != 0)
            fprintf(stderr, "\nstep %zu: state %d tcp_state %s\n", i, g->info.state,
                    g->info.tcp_state);
    }
    return f;
}

static void test_flowtable_tcp_session_counters_and_states(void)
{
    /* client 10.0.0.2:40000, server 10.0.0.1:80, one packet per second from t=100 s */
    static const struct tcp_step s[] = {
        {1, SYN, 100, 0, 0, RW_FLOW_NEW, "syn_sent"},                        /* ip 40 */
        {0, SYN | ACK, 500, 101, 0, RW_FLOW_ESTABLISHED, "syn_recv"},        /* ip 40 */
        {1, ACK, 101, 501, 0, RW_FLOW_ESTABLISHED, "established"},           /* ip 40 */
        {1, PSH | ACK, 101, 501, 100, RW_FLOW_ESTABLISHED, "established"},   /* ip 140 */
        {0, ACK, 501, 201, 300, RW_FLOW_ESTABLISHED, "established"},         /* ip 340 */
        {1, FIN | ACK, 201, 801, 0, RW_FLOW_ESTABLISHED, "fin_wait1"},       /* ip 40 */
        {0, ACK, 801, 201, 0, RW_FLOW_ESTABLISHED, "fin_wait1"},             /* ack < FIN+1 */
        {0, ACK, 801, 202, 0, RW_FLOW_ESTABLISHED, "fin_wait2"},             /* acks the FIN */
        {0, FIN | ACK, 801, 202, 0, RW_FLOW_CLOSED, "closed"},               /* ip 40 */
        {1, ACK, 202, 802, 0, RW_FLOW_CLOSED, "closed"},                     /* ip 40 */
    };
    struct end_log log;
    struct rw_flowtable *t = table(NULL, &log);
    struct rw_ft_flow *f;

    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    f = run_steps(t, s, sizeof s / sizeof s[0], 100 * SEC);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    /* to server: steps 0 2 3 5 9; to client: 1 4 6 7 8 */
    CU_ASSERT_EQUAL(f->info.pkts[RW_TOSERVER], 5);
    CU_ASSERT_EQUAL(f->info.pkts[RW_TOCLIENT], 5);
    CU_ASSERT_EQUAL(f->info.bytes[RW_TOSERVER], 40 + 40 + 140 + 40 + 40);
    CU_ASSERT_EQUAL(f->info.bytes[RW_TOCLIENT], 40 + 340 + 40 + 40 + 40);
    CU_ASSERT_EQUAL(f->info.payload[RW_TOSERVER], 100);
    CU_ASSERT_EQUAL(f->info.payload[RW_TOCLIENT], 300);
    CU_ASSERT_EQUAL(f->info.tcp_flags[RW_TOSERVER], SYN | ACK | PSH | FIN); /* 0x1b */
    CU_ASSERT_EQUAL(f->info.tcp_flags[RW_TOCLIENT], SYN | ACK | FIN);       /* 0x13 */
    CU_ASSERT_EQUAL(f->info.start_us, 100 * SEC);
    CU_ASSERT_EQUAL(f->info.last_us, 109 * SEC);
    rw_flowtable_free(&t);
    CU_ASSERT_EQUAL(log.n, 1);
    CU_ASSERT_EQUAL(log.info[0].state, RW_FLOW_CLOSED);
    CU_ASSERT_EQUAL(log.info[0].reason, RW_END_SHUTDOWN);
    CU_ASSERT_EQUAL(log.info[0].pkts[RW_TOSERVER], 5);
}

static void test_flowtable_server_fin_first_is_close_wait(void)
{
    static const struct tcp_step s[] = {
        {1, SYN, 1, 0, 0, RW_FLOW_NEW, "syn_sent"},
        {0, SYN | ACK, 9, 2, 0, RW_FLOW_ESTABLISHED, "syn_recv"},
        {1, ACK, 2, 10, 0, RW_FLOW_ESTABLISHED, "established"},
        {0, FIN | ACK, 10, 2, 0, RW_FLOW_ESTABLISHED, "close_wait"},
        {1, ACK, 2, 11, 0, RW_FLOW_ESTABLISHED, "close_wait"},
        {0, FIN | ACK, 10, 2, 0, RW_FLOW_ESTABLISHED, "close_wait"}, /* retransmitted */
        {1, FIN | ACK, 2, 11, 0, RW_FLOW_CLOSED, "closed"},
    };
    struct end_log log;
    struct rw_flowtable *t = table(NULL, &log);

    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    run_steps(t, s, sizeof s / sizeof s[0], SEC);
    rw_flowtable_free(&t);
}

static void test_flowtable_rst_closes_flow(void)
{
    static const struct tcp_step s[] = {
        {1, SYN, 1, 0, 0, RW_FLOW_NEW, "syn_sent"},
        {0, RST | ACK, 0, 2, 0, RW_FLOW_CLOSED, "closed"}, /* port closed */
        {1, ACK, 2, 1, 0, RW_FLOW_CLOSED, "closed"},       /* stays closed */
        {0, SYN | ACK, 9, 2, 0, RW_FLOW_CLOSED, "closed"},
    };
    static const struct tcp_step mid[] = {
        /* picked up mid-stream: no handshake seen */
        {1, PSH | ACK, 1000, 2000, 50, RW_FLOW_NEW, "established"},
        {0, ACK, 2000, 1050, 0, RW_FLOW_ESTABLISHED, "established"},
        {1, RST, 1050, 0, 0, RW_FLOW_CLOSED, "closed"},
    };
    struct end_log log;
    struct rw_flowtable *t = table(NULL, &log);

    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    run_steps(t, s, sizeof s / sizeof s[0], SEC);
    rw_flowtable_flush(t, RW_END_SHUTDOWN);
    CU_ASSERT_EQUAL(log.n, 1);
    run_steps(t, mid, sizeof mid / sizeof mid[0], 10 * SEC);
    rw_flowtable_free(&t);
    CU_ASSERT_EQUAL(log.n, 2);
    CU_ASSERT_EQUAL(log.info[1].state, RW_FLOW_CLOSED);
    CU_ASSERT_EQUAL(log.info[1].payload[RW_TOSERVER], 50);
}

static void test_flowtable_syn_on_closed_flow_starts_new_flow(void)
{
    static const struct tcp_step s[] = {
        {1, SYN, 1, 0, 0, RW_FLOW_NEW, "syn_sent"},
        {0, SYN | ACK, 9, 2, 0, RW_FLOW_ESTABLISHED, "syn_recv"},
        {1, FIN | ACK, 2, 10, 0, RW_FLOW_ESTABLISHED, "fin_wait1"},
        {0, FIN | ACK, 10, 3, 0, RW_FLOW_CLOSED, "closed"},
    };
    struct end_log log;
    struct rw_flowtable *t = table(NULL, &log);
    struct rw_decoded d = pk(IPPROTO_TCP, v4(C_IP), 40000, v4(S_IP), 80, SYN, 0);
    struct rw_ft_flow *f, *g;
    struct rw_flowtable_stats st;
    int dir = -1, created = -1;

    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    f = run_steps(t, s, sizeof s / sizeof s[0], SEC);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    /* The same 4-tuple reused 5 s later, well inside the closed timeout. */
    g = rw_flowtable_packet(t, &d, 9 * SEC, &dir, &created);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_EQUAL(created, 1);
    CU_ASSERT_EQUAL(log.n, 1);
    CU_ASSERT_EQUAL(log.info[0].reason, RW_END_TIMEOUT);
    CU_ASSERT_EQUAL(log.info[0].state, RW_FLOW_CLOSED);
    CU_ASSERT_EQUAL(log.info[0].pkts[RW_TOSERVER], 2);
    CU_ASSERT_EQUAL(log.info[0].last_us, 4 * SEC);
    CU_ASSERT_EQUAL(g->info.start_us, 9 * SEC);
    CU_ASSERT_EQUAL(g->info.pkts[RW_TOSERVER], 1);
    CU_ASSERT_EQUAL(g->info.pkts[RW_TOCLIENT], 0);
    CU_ASSERT_STRING_EQUAL(g->info.tcp_state, "syn_sent");
    rw_flowtable_get_stats(t, &st);
    CU_ASSERT_EQUAL(st.total, 2);
    CU_ASSERT_EQUAL(st.active, 1);
    CU_ASSERT_EQUAL(st.timeouts, 1);
    rw_flowtable_free(&t);
}

static void test_flowtable_timeouts_per_class_end_in_deadline_order(void)
{
    const struct rw_flowtable_config cfg = {
        .timeout_tcp_new_sec = 10,
        .timeout_tcp_est_sec = 100,
        .timeout_tcp_closed_sec = 5,
        .timeout_udp_new_sec = 20,
        .timeout_udp_est_sec = 50,
        .timeout_other_sec = 30,
    };
    struct end_log log;
    struct rw_flowtable *t = table(&cfg, &log);
    struct rw_decoded d;
    struct rw_flowtable_stats st;
    int dir, created;

    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    /* sport names the flow. Deadlines: A 0+10, E 5+5, B 1+20, F 6+30, C 3+50, D 4+100. */
    d = pk(IPPROTO_TCP, v4(C_IP), 1, v4(S_IP), 80, SYN, 0); /* A: TCP new at 0 s */
    rw_flowtable_packet(t, &d, 0, &dir, &created);
    d = pk(IPPROTO_UDP, v4(C_IP), 2, v4(S_IP), 53, 0, 0); /* B: UDP new at 1 s */
    rw_flowtable_packet(t, &d, 1 * SEC, &dir, &created);
    d = pk(IPPROTO_UDP, v4(C_IP), 3, v4(S_IP), 53, 0, 0); /* C: UDP est at 2 s, 3 s */
    rw_flowtable_packet(t, &d, 2 * SEC, &dir, &created);
    d = pk(IPPROTO_UDP, v4(S_IP), 53, v4(C_IP), 3, 0, 0);
    rw_flowtable_packet(t, &d, 3 * SEC, &dir, &created);
    d = pk(IPPROTO_TCP, v4(C_IP), 4, v4(S_IP), 80, SYN, 0); /* D: TCP est at 4 s */
    rw_flowtable_packet(t, &d, 4 * SEC, &dir, &created);
    d = pk(IPPROTO_TCP, v4(S_IP), 80, v4(C_IP), 4, SYN | ACK, 0);
    rw_flowtable_packet(t, &d, 4 * SEC, &dir, &created);
    d = pk(IPPROTO_TCP, v4(C_IP), 5, v4(S_IP), 80, SYN, 0); /* E: TCP closed at 5 s */
    rw_flowtable_packet(t, &d, 5 * SEC, &dir, &created);
    d = pk(IPPROTO_TCP, v4(S_IP), 80, v4(C_IP), 5, RST | ACK, 0);
    rw_flowtable_packet(t, &d, 5 * SEC, &dir, &created);
    d = pk(IPPROTO_ICMP, v4(C_IP), 8, v4(S_IP), 0, 0, 0); /* F: other at 6 s */
    rw_flowtable_packet(t, &d, 6 * SEC, &dir, &created);

    rw_flowtable_expire(t, 10 * SEC - 1);
    CU_ASSERT_EQUAL(log.n, 0);
    /* A and E both reach their deadline at exactly 10 s: A was seen first. */
    rw_flowtable_expire(t, 10 * SEC);
    CU_ASSERT_EQUAL_FATAL(log.n, 2);
    CU_ASSERT_EQUAL(log.info[0].key.sport, 1);
    CU_ASSERT_EQUAL(log.info[0].state, RW_FLOW_NEW);
    CU_ASSERT_EQUAL(log.info[1].key.sport, 5);
    CU_ASSERT_EQUAL(log.info[1].state, RW_FLOW_CLOSED);
    rw_flowtable_expire(t, 21 * SEC - 1);
    CU_ASSERT_EQUAL(log.n, 2);
    /* Time running backwards does nothing. */
    rw_flowtable_expire(t, 3 * SEC);
    CU_ASSERT_EQUAL(log.n, 2);
    /* One late check ends the rest in deadline order, not list or class order. */
    rw_flowtable_expire(t, 200 * SEC);
    CU_ASSERT_EQUAL_FATAL(log.n, 6);
    CU_ASSERT_EQUAL(log.info[2].key.sport, 2);
    CU_ASSERT_EQUAL(log.info[3].key.sport, 8); /* ICMP type 8 */
    CU_ASSERT_EQUAL(log.info[3].key.proto, IPPROTO_ICMP);
    CU_ASSERT_EQUAL(log.info[4].key.sport, 3);
    CU_ASSERT_EQUAL(log.info[4].state, RW_FLOW_ESTABLISHED);
    CU_ASSERT_EQUAL(log.info[5].key.sport, 4);
    CU_ASSERT_EQUAL(log.info[5].state, RW_FLOW_ESTABLISHED);
    for (size_t i = 0; i < 6; i++)
        CU_ASSERT_EQUAL(log.info[i].reason, RW_END_TIMEOUT);
    rw_flowtable_get_stats(t, &st);
    CU_ASSERT_EQUAL(st.timeouts, 6);
    CU_ASSERT_EQUAL(st.active, 0);
    rw_flowtable_free(&t);
    CU_ASSERT_EQUAL(log.n, 6);
}

static void test_flowtable_exact_timeout_boundaries_per_class(void)
{
    /* Each class alone, with its default timeout: alive 1 us before, ended exactly at
     * last_us + timeout. */
    static const struct {
        uint8_t proto;
        uint8_t flags1, flags2; /* second packet from the server; 0xff: none */
        uint64_t timeout_sec;
    } c[] = {
        {IPPROTO_TCP, SYN, 0xff, RW_TIMEOUT_TCP_NEW_SEC},
        {IPPROTO_TCP, SYN, SYN | ACK, RW_TIMEOUT_TCP_EST_SEC},
        {IPPROTO_TCP, SYN, RST, RW_TIMEOUT_TCP_CLOSED_SEC},
        {IPPROTO_UDP, 0, 0xff, RW_TIMEOUT_UDP_NEW_SEC},
        {IPPROTO_UDP, 0, 0, RW_TIMEOUT_UDP_EST_SEC},
        {IPPROTO_ICMP, 0, 0, RW_TIMEOUT_OTHER_SEC},
        {47, 0, 0xff, RW_TIMEOUT_OTHER_SEC},
    };

    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        struct end_log log;
        struct rw_flowtable *t = table(NULL, &log);
        struct rw_decoded d = pk(c[i].proto, v4(C_IP), 1, v4(S_IP), 2, c[i].flags1, 0);
        uint64_t last = 7 * SEC + 3;
        int dir, created;

        CU_ASSERT_PTR_NOT_NULL_FATAL(t);
        rw_flowtable_packet(t, &d, SEC, &dir, &created);
        if (c[i].flags2 != 0xff) {
            d = pk(c[i].proto, v4(S_IP), 2, v4(C_IP), 1, c[i].flags2, 0);
            rw_flowtable_packet(t, &d, last, &dir, &created);
        } else {
            rw_flowtable_packet(t, &d, last, &dir, &created);
        }
        rw_flowtable_expire(t, last + c[i].timeout_sec * SEC - 1);
        CU_ASSERT_EQUAL(log.n, 0);
        rw_flowtable_expire(t, last + c[i].timeout_sec * SEC);
        CU_ASSERT_EQUAL(log.n, 1);
        if (log.n != 1)
            fprintf(stderr, "\nclass case %zu\n", i);
        rw_flowtable_free(&t);
    }
}

/* Expiry skips its scan while no list head can have timed out. A flow that becomes the
 * head of a class with a shorter timeout (a new UDP flow behind an established TCP one, a
 * TCP flow reset into the closed class) must still end exactly at its own deadline, and
 * a later head of the same list at its own. */
static void test_flowtable_shorter_class_head_ends_on_time(void)
{
    struct end_log log;
    struct rw_flowtable *t = table(NULL, &log);
    struct rw_decoded syn = pk(IPPROTO_TCP, v4(C_IP), 1, v4(S_IP), 80, SYN, 0);
    struct rw_decoded synack = pk(IPPROTO_TCP, v4(S_IP), 80, v4(C_IP), 1, SYN | ACK, 0);
    struct rw_decoded rst = pk(IPPROTO_TCP, v4(C_IP), 1, v4(S_IP), 80, RST, 0);
    struct rw_decoded u1 = pk(IPPROTO_UDP, v4(C_IP), 5000, v4(S_IP), 53, 0, 10);
    struct rw_decoded u2 = pk(IPPROTO_UDP, v4(C_IP), 5001, v4(S_IP), 53, 0, 10);
    int dir, created;

    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    rw_flowtable_packet(t, &syn, SEC, &dir, &created);
    rw_flowtable_packet(t, &synack, SEC, &dir, &created); /* established: 600 s */
    rw_flowtable_expire(t, 2 * SEC);                       /* scans: next deadline 601 s */
    rw_flowtable_packet(t, &u1, 10 * SEC, &dir, &created); /* UDP new: 30 s */
    rw_flowtable_packet(t, &u2, 20 * SEC, &dir, &created);
    rw_flowtable_expire(t, 40 * SEC - 1);
    CU_ASSERT_EQUAL(log.n, 0);
    rw_flowtable_expire(t, 40 * SEC);
    CU_ASSERT_EQUAL_FATAL(log.n, 1);
    CU_ASSERT_EQUAL(log.info[0].key.sport, 5000);
    rw_flowtable_expire(t, 50 * SEC - 1);
    CU_ASSERT_EQUAL(log.n, 1);
    rw_flowtable_expire(t, 50 * SEC);
    CU_ASSERT_EQUAL_FATAL(log.n, 2);
    CU_ASSERT_EQUAL(log.info[1].key.sport, 5001);
    /* The TCP flow, due at 601 s, is reset at 100 s: closed, 5 s. */
    rw_flowtable_packet(t, &rst, 100 * SEC, &dir, &created);
    CU_ASSERT_EQUAL(created, 0);
    rw_flowtable_expire(t, 105 * SEC - 1);
    CU_ASSERT_EQUAL(log.n, 2);
    rw_flowtable_expire(t, 105 * SEC);
    CU_ASSERT_EQUAL_FATAL(log.n, 3);
    CU_ASSERT_EQUAL(log.info[2].key.dport, 80);
    CU_ASSERT_EQUAL(log.info[2].state, RW_FLOW_CLOSED);
    rw_flowtable_free(&t);
    CU_ASSERT_EQUAL(log.n, 3);
}

static void test_flowtable_packet_after_timeout_starts_new_flow(void)
{
    struct end_log log;
    struct rw_flowtable *t = table(NULL, &log);
    struct rw_decoded d = pk(IPPROTO_UDP, v4(C_IP), 5000, v4(S_IP), 53, 0, 10);
    struct rw_ft_flow *f;
    struct rw_flowtable_stats st;
    uint64_t t1 = 30 * SEC - 1; /* UDP new timeout 30 s */
    int dir, created;

    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    f = rw_flowtable_packet(t, &d, 0, &dir, &created);
    CU_ASSERT_EQUAL(created, 1);
    /* 1 us before the timeout: the same flow. */
    f = rw_flowtable_packet(t, &d, t1, &dir, &created);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(created, 0);
    CU_ASSERT_EQUAL(f->info.pkts[RW_TOSERVER], 2);
    CU_ASSERT_EQUAL(log.n, 0);
    /* Exactly last_us + 30 s later: the old flow ends first, then a new one starts. */
    f = rw_flowtable_packet(t, &d, t1 + 30 * SEC, &dir, &created);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(created, 1);
    CU_ASSERT_EQUAL(log.n, 1);
    CU_ASSERT_EQUAL(log.info[0].reason, RW_END_TIMEOUT);
    CU_ASSERT_EQUAL(log.info[0].pkts[RW_TOSERVER], 2);
    CU_ASSERT_EQUAL(log.info[0].start_us, 0);
    CU_ASSERT_EQUAL(log.info[0].last_us, t1);
    CU_ASSERT_EQUAL(f->info.start_us, t1 + 30 * SEC);
    CU_ASSERT_EQUAL(f->info.pkts[RW_TOSERVER], 1);
    rw_flowtable_get_stats(t, &st);
    CU_ASSERT_EQUAL(st.total, 2);
    CU_ASSERT_EQUAL(st.active, 1);
    CU_ASSERT_EQUAL(st.timeouts, 1);
    rw_flowtable_free(&t);
    CU_ASSERT_EQUAL(log.n, 2);
    CU_ASSERT_EQUAL(log.info[1].reason, RW_END_SHUTDOWN);
}

static void test_flowtable_packet_time_never_runs_backwards(void)
{
    struct end_log log;
    struct rw_flowtable *t = table(NULL, &log);
    struct rw_decoded a = pk(IPPROTO_UDP, v4(C_IP), 1, v4(S_IP), 2, 0, 0);
    struct rw_decoded b = pk(IPPROTO_UDP, v4(C_IP), 3, v4(S_IP), 4, 0, 0);
    struct rw_ft_flow *f, *g;
    int dir, created;

    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    f = rw_flowtable_packet(t, &a, 100 * SEC, &dir, &created);
    /* A packet stamped earlier counts at the table's clock (100 s). */
    g = rw_flowtable_packet(t, &b, 50 * SEC, &dir, &created);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_EQUAL(g->info.start_us, 100 * SEC);
    CU_ASSERT_EQUAL(g->info.last_us, 100 * SEC);
    f = rw_flowtable_packet(t, &a, 60 * SEC, &dir, &created);
    CU_ASSERT_EQUAL(f->info.last_us, 100 * SEC);
    CU_ASSERT_EQUAL(f->info.pkts[RW_TOSERVER], 2);
    /* Both end at 100 s + 30 s, in packet order: b first (a was touched last). */
    rw_flowtable_expire(t, 130 * SEC);
    CU_ASSERT_EQUAL_FATAL(log.n, 2);
    CU_ASSERT_EQUAL(log.info[0].key.sport, 3);
    CU_ASSERT_EQUAL(log.info[1].key.sport, 1);
    rw_flowtable_free(&t);
}

static void test_flowtable_memcap_evicts_least_recently_seen(void)
{
    struct rw_flowtable_config cfg;
    struct end_log log;
    struct rw_flowtable *t;
    struct rw_flowtable_stats st0, st;
    struct rw_decoded d;
    struct rw_ft_flow *f;
    int dir, created;

    memset(&cfg, 0, sizeof cfg);
    cfg.memcap_bytes = RW_FLOW_MEMCAP_MIN_BYTES; /* 64 KiB */
    /* 16 KiB per flow: 4 buckets; (65536 - table - 4 pointers) / 16384 = 3 flows */
    cfg.extra_bytes_per_flow = 16384 - rw_flowtable_record_bytes();
    t = table(&cfg, &log);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    rw_flowtable_get_stats(t, &st0);
    CU_ASSERT_EQUAL(st0.max_flows, 3);
    CU_ASSERT_EQUAL(st0.memuse_peak, st0.memuse);

    d = pk(IPPROTO_UDP, v4(C_IP), 1, v4(S_IP), 53, 0, 0); /* F1 at 1 s, UDP new */
    rw_flowtable_packet(t, &d, 1 * SEC, &dir, &created);
    d = pk(IPPROTO_TCP, v4(C_IP), 2, v4(S_IP), 80, SYN, 0); /* F2 at 2 s, TCP est */
    rw_flowtable_packet(t, &d, 2 * SEC, &dir, &created);
    d = pk(IPPROTO_TCP, v4(S_IP), 80, v4(C_IP), 2, SYN | ACK, 0);
    rw_flowtable_packet(t, &d, 2 * SEC, &dir, &created);
    d = pk(IPPROTO_UDP, v4(C_IP), 3, v4(S_IP), 53, 0, 0); /* F3 at 3 s, UDP new */
    rw_flowtable_packet(t, &d, 3 * SEC, &dir, &created);
    d = pk(IPPROTO_UDP, v4(C_IP), 1, v4(S_IP), 53, 0, 0); /* F1 again at 4 s */
    rw_flowtable_packet(t, &d, 4 * SEC, &dir, &created);
    rw_flowtable_get_stats(t, &st);
    CU_ASSERT_EQUAL(st.active, 3);
    CU_ASSERT_EQUAL(st.memuse, st0.memuse + 3 * 16384);
    CU_ASSERT(st.memuse <= RW_FLOW_MEMCAP_MIN_BYTES);
    CU_ASSERT_EQUAL(log.n, 0);

    /* LRU order is now F2 (TCP est), F3, F1: F4 evicts F2, F5 evicts F3. */
    d = pk(IPPROTO_UDP, v4(C_IP), 4, v4(S_IP), 53, 0, 0);
    f = rw_flowtable_packet(t, &d, 5 * SEC, &dir, &created);
    CU_ASSERT_PTR_NOT_NULL(f);
    CU_ASSERT_EQUAL(created, 1);
    CU_ASSERT_EQUAL_FATAL(log.n, 1);
    CU_ASSERT_EQUAL(log.info[0].key.sport, 2);
    CU_ASSERT_EQUAL(log.info[0].reason, RW_END_FORCED);
    CU_ASSERT_EQUAL(log.info[0].state, RW_FLOW_ESTABLISHED);
    d = pk(IPPROTO_UDP, v4(C_IP), 5, v4(S_IP), 53, 0, 0);
    rw_flowtable_packet(t, &d, 5 * SEC, &dir, &created);
    CU_ASSERT_EQUAL_FATAL(log.n, 2);
    CU_ASSERT_EQUAL(log.info[1].key.sport, 3);
    CU_ASSERT_EQUAL(log.info[1].reason, RW_END_FORCED);
    rw_flowtable_get_stats(t, &st);
    CU_ASSERT_EQUAL(st.active, 3);
    CU_ASSERT_EQUAL(st.total, 5);
    CU_ASSERT_EQUAL(st.evicted, 2);
    CU_ASSERT_EQUAL(st.timeouts, 0);
    CU_ASSERT_EQUAL(st.memcap_drops, 0);
    CU_ASSERT_EQUAL(st.memuse, st0.memuse + 3 * 16384);
    CU_ASSERT_EQUAL(st.memuse_peak, st0.memuse + 3 * 16384);

    /* Shutdown ends the rest oldest first: F1 (4 s), F4, F5. */
    rw_flowtable_free(&t);
    CU_ASSERT_EQUAL_FATAL(log.n, 5);
    CU_ASSERT_EQUAL(log.info[2].key.sport, 1);
    CU_ASSERT_EQUAL(log.info[3].key.sport, 4);
    CU_ASSERT_EQUAL(log.info[4].key.sport, 5);
    CU_ASSERT_EQUAL(log.info[4].reason, RW_END_SHUTDOWN);
}

static void count_end(void *ctx, struct rw_ft_flow *f)
{
    uint64_t *n = ctx;

    (void)f;
    (*n)++;
}

static void test_flowtable_flood_of_1m_flows_stays_under_memcap(void)
{
    const uint64_t memcap = 4ULL * 1024 * 1024;
    const uint64_t nflows = 1000000;
    struct rw_flowtable_config cfg;
    struct rw_flowtable *t;
    struct rw_flowtable_stats st;
    struct rw_decoded d = pk(IPPROTO_UDP, v4(0), 0, v4(S_IP), 53, 0, 20);
    struct timespec a, b;
    uint64_t ended = 0, bad = 0, max_active = 0;
    double secs;

    memset(&cfg, 0, sizeof cfg);
    cfg.memcap_bytes = memcap;
    t = rw_flowtable_new(&cfg, count_end, &ended);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    rw_flowtable_get_stats(t, &st);
    CU_ASSERT(st.max_flows > 10000);
    CU_ASSERT(st.max_flows < memcap / rw_flowtable_record_bytes());
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (uint64_t i = 0; i < nflows; i++) {
        int dir, created;

        /* 10.x.y.z:(1024 + i % 50000), one packet each, 1 us apart (no timeouts) */
        d.key.src = v4(0x0a000000u | (uint32_t)(i / 50000));
        d.key.sport = (uint16_t)(1024 + i % 50000);
        if (rw_flowtable_packet(t, &d, i, &dir, &created) == NULL || created != 1)
            bad++;
        rw_flowtable_get_stats(t, &st);
        if (st.memuse > memcap || st.active > st.max_flows)
            bad++;
        if (st.active > max_active)
            max_active = st.active;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(max_active, st.max_flows);
    CU_ASSERT_EQUAL(st.total, nflows);
    CU_ASSERT_EQUAL(st.active, st.max_flows);
    CU_ASSERT_EQUAL(st.evicted, nflows - st.max_flows);
    CU_ASSERT_EQUAL(ended, nflows - st.max_flows);
    CU_ASSERT_EQUAL(st.timeouts, 0);
    CU_ASSERT(st.memuse_peak <= memcap);
    CU_ASSERT(secs < 10.0); /* about 0.2 s; a quadratic table would take minutes */
    rw_flowtable_free(&t);
    CU_ASSERT_EQUAL(ended, nflows);
}

static void test_flowtable_oom_drops_and_never_leaks(void)
{
    /* Allocations: 1 table, 2 bucket array, 3 the record pool, then one per flow (a pool
     * get counts as one). The hook fails the Nth allocation and every later one. Four
     * flows, two packets each (query, reply). */
    for (unsigned long n = 1; n <= 9; n++) {
        uint64_t ended = 0, nulls = 0, made = 0;
        struct rw_flowtable *t;
        struct rw_flowtable_stats st;
        unsigned long failed;

        rw_alloc_hook_set(n);
        t = rw_flowtable_new(NULL, count_end, &ended);
        if (t == NULL) {
            failed = rw_alloc_hook_failures();
            rw_alloc_hook_set(0);
            CU_ASSERT(n <= 3);
            CU_ASSERT_EQUAL(failed, 1);
            continue;
        }
        for (uint16_t k = 0; k < 4; k++) {
            struct rw_decoded q = pk(IPPROTO_UDP, v4(C_IP), (uint16_t)(100 + k), v4(S_IP), 53,
                                     0, 0);
            struct rw_decoded r = pk(IPPROTO_UDP, v4(S_IP), 53, v4(C_IP), (uint16_t)(100 + k),
                                     0, 0);
            int dir, created;

            if (rw_flowtable_packet(t, &q, k * SEC, &dir, &created) == NULL)
                nulls++;
            else
                made += (uint64_t)created;
            if (rw_flowtable_packet(t, &r, k * SEC, &dir, &created) == NULL)
                nulls++;
            else
                made += (uint64_t)created;
        }
        rw_alloc_hook_set(0);
        rw_flowtable_get_stats(t, &st);
        /* Flow k gets allocation 4 + k: it exists when 4 + k < n. */
        CU_ASSERT(n >= 4);
        CU_ASSERT_EQUAL(made, n >= 8 ? 4 : n - 4);
        CU_ASSERT_EQUAL(st.total, made);
        CU_ASSERT_EQUAL(st.active, made);
        CU_ASSERT_EQUAL(st.memcap_drops, nulls);
        CU_ASSERT_EQUAL(nulls, 2 * (4 - made));
        rw_flowtable_free(&t);
        CU_ASSERT_EQUAL(ended, made);
    }
}

/* Records only the client port of each ended flow. */
struct port_log {
    size_t n;
    uint16_t port[4000];
};

static void port_end(void *ctx, struct rw_ft_flow *f)
{
    struct port_log *pl = ctx;

    if (pl->n < sizeof pl->port / sizeof pl->port[0])
        pl->port[pl->n] = f->info.key.sport;
    pl->n++;
}

static void test_flowtable_equal_deadlines_end_in_packet_order(void)
{
    static struct port_log pl[2];

    for (int k = 0; k < 2; k++) {
        struct rw_flowtable *t;
        uint64_t ts = 5 * SEC;

        memset(&pl[k], 0, sizeof pl[k]);
        t = rw_flowtable_new(NULL, port_end, &pl[k]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(t);
        /* 4000 UDP flows at one instant; ports in a scrambled order (i * 7919 mod 4000
         * visits every value once); the even ones get a reply so they are established
         * (300 s) instead of new (30 s). */
        for (uint32_t i = 0; i < 4000; i++) {
            uint16_t p = (uint16_t)(20000 + (i * 7919u) % 4000u);
            struct rw_decoded d = pk(IPPROTO_UDP, v4(C_IP), p, v4(S_IP), 53, 0, 0);
            int dir, created;

            CU_ASSERT_PTR_NOT_NULL_FATAL(rw_flowtable_packet(t, &d, ts, &dir, &created));
            if (p % 2 == 0) {
                d = pk(IPPROTO_UDP, v4(S_IP), 53, v4(C_IP), p, 0, 0);
                CU_ASSERT_PTR_NOT_NULL_FATAL(rw_flowtable_packet(t, &d, ts, &dir, &created));
            }
        }
        rw_flowtable_expire(t, ts + 30 * SEC);
        CU_ASSERT_EQUAL(pl[k].n, 2000);
        rw_flowtable_expire(t, ts + 300 * SEC);
        CU_ASSERT_EQUAL(pl[k].n, 4000);
        rw_flowtable_free(&t);
    }
    /* Same order in both tables (different seeds), and it is packet order: odd ports
     * first in the order they were sent, then the even ones. */
    CU_ASSERT_EQUAL(memcmp(pl[0].port, pl[1].port, sizeof pl[0].port), 0);
    {
        size_t j = 0, bad = 0;

        for (int pass = 1; pass >= 0; pass--)
            for (uint32_t i = 0; i < 4000; i++) {
                uint16_t p = (uint16_t)(20000 + (i * 7919u) % 4000u);

                if (p % 2 == (unsigned)pass && pl[0].port[j++] != p)
                    bad++;
            }
        CU_ASSERT_EQUAL(bad, 0);
    }
}

static void test_flowtable_flush_ends_all_oldest_first(void)
{
    struct end_log log;
    struct rw_flowtable *t = table(NULL, &log);
    struct rw_flowtable_stats st;
    struct rw_decoded d;
    int dir, created;

    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    d = pk(IPPROTO_TCP, v4(C_IP), 1, v4(S_IP), 80, SYN, 0); /* TCP new, 1 s */
    rw_flowtable_packet(t, &d, 1 * SEC, &dir, &created);
    d = pk(IPPROTO_UDP, v4(C_IP), 2, v4(S_IP), 53, 0, 0); /* UDP new, 2 s */
    rw_flowtable_packet(t, &d, 2 * SEC, &dir, &created);
    d = pk(IPPROTO_ICMP, v4(C_IP), 3, v4(S_IP), 0, 0, 0); /* other, 3 s */
    rw_flowtable_packet(t, &d, 3 * SEC, &dir, &created);
    d = pk(IPPROTO_TCP, v4(C_IP), 1, v4(S_IP), 80, SYN, 0); /* TCP again, 4 s */
    rw_flowtable_packet(t, &d, 4 * SEC, &dir, &created);
    rw_flowtable_flush(t, RW_END_FORCED);
    CU_ASSERT_EQUAL_FATAL(log.n, 3);
    CU_ASSERT_EQUAL(log.info[0].key.sport, 2);
    CU_ASSERT_EQUAL(log.info[1].key.sport, 3);
    CU_ASSERT_EQUAL(log.info[2].key.sport, 1);
    CU_ASSERT_EQUAL(log.info[2].reason, RW_END_FORCED);
    rw_flowtable_get_stats(t, &st);
    CU_ASSERT_EQUAL(st.active, 0);
    CU_ASSERT_EQUAL(st.evicted, 0); /* a flush is not a memcap eviction */
    rw_flowtable_free(&t);
    CU_ASSERT_EQUAL(log.n, 3);
    rw_flowtable_free(&t); /* NULL: nothing */
    rw_flowtable_free(NULL);
}

static void test_flowtable_stats_values(void)
{
    struct end_log log;
    struct rw_flowtable *t = table(NULL, &log);
    struct rw_flowtable_stats st0, st;
    struct rw_decoded d;
    const uint64_t per = rw_flowtable_record_bytes();
    uint64_t nb = 1;
    int dir, created;

    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    rw_flowtable_get_stats(t, &st0);
    /* Default memcap: buckets = largest power of two <= memcap / per / 2; the fixed part
     * is the table plus the bucket array; max_flows what is left over, in whole flows. */
    while (nb * 2 <= RW_FLOW_MEMCAP_DEFAULT_BYTES / per / 2)
        nb <<= 1;
    CU_ASSERT(st0.memuse > nb * sizeof(void *));
    CU_ASSERT(st0.memuse < nb * sizeof(void *) + 4096);
    CU_ASSERT_EQUAL(st0.max_flows, (RW_FLOW_MEMCAP_DEFAULT_BYTES - st0.memuse) / per);
    CU_ASSERT_EQUAL(st0.memuse_peak, st0.memuse);
    CU_ASSERT_EQUAL(st0.active, 0);
    CU_ASSERT_EQUAL(st0.total, 0);

    d = pk(IPPROTO_TCP, v4(C_IP), 1, v4(S_IP), 80, SYN, 0);
    rw_flowtable_packet(t, &d, 1 * SEC, &dir, &created);
    d = pk(IPPROTO_TCP, v4(C_IP), 2, v4(S_IP), 80, SYN, 0);
    rw_flowtable_packet(t, &d, 1 * SEC, &dir, &created);
    d = pk(IPPROTO_UDP, v4(C_IP), 3, v4(S_IP), 53, 0, 0);
    rw_flowtable_packet(t, &d, 1 * SEC, &dir, &created);
    d = pk(IPPROTO_ICMP, v4(C_IP), 8, v4(S_IP), 0, 0, 0);
    rw_flowtable_packet(t, &d, 1 * SEC, &dir, &created);
    d = pk(IPPROTO_ICMPV6, v6(2), 128, v6(1), 0, 0, 0);
    rw_flowtable_packet(t, &d, 1 * SEC, &dir, &created);
    d = pk(47, v4(C_IP), 0, v4(S_IP), 0, 0, 0);
    rw_flowtable_packet(t, &d, 1 * SEC, &dir, &created);
    rw_flowtable_get_stats(t, &st);
    CU_ASSERT_EQUAL(st.active, 6);
    CU_ASSERT_EQUAL(st.total, 6);
    CU_ASSERT_EQUAL(st.tcp, 2);
    CU_ASSERT_EQUAL(st.udp, 1);
    CU_ASSERT_EQUAL(st.icmpv4, 1);
    CU_ASSERT_EQUAL(st.icmpv6, 1);
    CU_ASSERT_EQUAL(st.memuse, st0.memuse + 6 * per);
    CU_ASSERT_EQUAL(st.memuse_peak, st0.memuse + 6 * per);
    CU_ASSERT_EQUAL(st.max_flows, st0.max_flows);

    /* UDP new (30 s) and other (30 s) end at 31 s; TCP new (60 s) stays. */
    rw_flowtable_expire(t, 31 * SEC);
    rw_flowtable_get_stats(t, &st);
    CU_ASSERT_EQUAL(st.active, 2);
    CU_ASSERT_EQUAL(st.timeouts, 4);
    CU_ASSERT_EQUAL(st.total, 6);
    CU_ASSERT_EQUAL(st.memuse, st0.memuse + 2 * per);
    CU_ASSERT_EQUAL(st.memuse_peak, st0.memuse + 6 * per);
    rw_flowtable_free(&t);
    CU_ASSERT_EQUAL(log.n, 6);
}

/* rw_flowtable_charge: memuse follows a flow's charge at once, a charge past memcap ends
 * the least recently seen other flows, and the charged flow itself never ends there. */
static void test_flowtable_charge_moves_memuse_and_evicts_oldest(void)
{
    const uint64_t rec = rw_flowtable_record_bytes();
    struct rw_flowtable_config cfg;
    struct end_log log;
    struct rw_flowtable *t;
    struct rw_flowtable_stats st0, st;
    struct rw_ft_flow *fa, *fb, *fc;
    struct rw_decoded d;
    int dir, created;

    memset(&cfg, 0, sizeof cfg);
    cfg.memcap_bytes = RW_FLOW_MEMCAP_MIN_BYTES; /* 64 KiB */
    cfg.extra_bytes_per_flow = 1000;
    t = table(&cfg, &log);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    rw_flowtable_get_stats(t, &st0);
    d = pk(IPPROTO_UDP, v4(C_IP), 1, v4(S_IP), 53, 0, 0);
    fa = rw_flowtable_packet(t, &d, 1 * SEC, &dir, &created);
    d = pk(IPPROTO_UDP, v4(C_IP), 2, v4(S_IP), 53, 0, 0);
    fb = rw_flowtable_packet(t, &d, 2 * SEC, &dir, &created);
    d = pk(IPPROTO_UDP, v4(C_IP), 3, v4(S_IP), 53, 0, 0);
    fc = rw_flowtable_packet(t, &d, 3 * SEC, &dir, &created);
    CU_ASSERT_FATAL(fa != NULL && fb != NULL && fc != NULL);
    rw_flowtable_get_stats(t, &st);
    CU_ASSERT_EQUAL(st.memuse, st0.memuse + 3 * (rec + 1000));

    /* Grow and shrink: memuse follows exactly; the same charge again changes nothing. */
    rw_flowtable_charge(t, fb, 5000);
    rw_flowtable_get_stats(t, &st);
    CU_ASSERT_EQUAL(st.memuse, st0.memuse + 3 * rec + 1000 + 5000 + 1000);
    rw_flowtable_charge(t, fb, 5000);
    rw_flowtable_charge(t, fb, 300);
    rw_flowtable_get_stats(t, &st);
    CU_ASSERT_EQUAL(st.memuse, st0.memuse + 3 * rec + 1000 + 300 + 1000);
    CU_ASSERT_EQUAL(st.memuse_peak, st0.memuse + 3 * rec + 1000 + 5000 + 1000);
    CU_ASSERT_EQUAL(log.n, 0);

    /* fc grows so that only it and fb fit: fa (least recently seen) ends, forced. */
    rw_flowtable_charge(t, fc, RW_FLOW_MEMCAP_MIN_BYTES - st0.memuse - 2 * rec - 300 - 1);
    rw_flowtable_get_stats(t, &st);
    CU_ASSERT_EQUAL_FATAL(log.n, 1);
    CU_ASSERT_EQUAL(log.info[0].key.sport, 1);
    CU_ASSERT_EQUAL(log.info[0].reason, RW_END_FORCED);
    CU_ASSERT_EQUAL(st.evicted, 1);
    CU_ASSERT_EQUAL(st.active, 2);
    CU_ASSERT_EQUAL(st.memuse, RW_FLOW_MEMCAP_MIN_BYTES - 1);
    CU_ASSERT(st.memuse_peak <= RW_FLOW_MEMCAP_MIN_BYTES);

    /* Alone larger than the cap: every other flow ends, the charged one stays. */
    rw_flowtable_charge(t, fc, 2 * RW_FLOW_MEMCAP_MIN_BYTES);
    rw_flowtable_get_stats(t, &st);
    CU_ASSERT_EQUAL_FATAL(log.n, 2);
    CU_ASSERT_EQUAL(log.info[1].key.sport, 2);
    CU_ASSERT_EQUAL(st.evicted, 2);
    CU_ASSERT_EQUAL(st.active, 1);
    CU_ASSERT_EQUAL(st.memuse, st0.memuse + rec + 2 * RW_FLOW_MEMCAP_MIN_BYTES);

    /* A new flow then evicts it (it makes room for the new flow's first charge). */
    d = pk(IPPROTO_UDP, v4(C_IP), 4, v4(S_IP), 53, 0, 0);
    CU_ASSERT_PTR_NOT_NULL(rw_flowtable_packet(t, &d, 4 * SEC, &dir, &created));
    rw_flowtable_get_stats(t, &st);
    CU_ASSERT_EQUAL_FATAL(log.n, 3);
    CU_ASSERT_EQUAL(log.info[2].key.sport, 3);
    CU_ASSERT_EQUAL(log.info[2].reason, RW_END_FORCED);
    CU_ASSERT_EQUAL(st.active, 1);
    CU_ASSERT_EQUAL(st.memuse, st0.memuse + rec + 1000);
    rw_flowtable_free(&t);
    CU_ASSERT_EQUAL(log.n, 4);
}

/* What the test charged each flow; the flow's core pointer points at it. */
struct charge_rec {
    size_t bytes;
};

struct charge_ctx {
    uint64_t sum;   /* charges of the live flows */
    uint64_t ended;
};

static void charge_end(void *ctx, struct rw_ft_flow *f)
{
    struct charge_ctx *c = ctx;
    struct charge_rec *r = (struct charge_rec *)(void *)f->core;

    c->sum -= r->bytes;
    c->ended++;
    free(r);
    f->core = NULL;
}

/* The invariant under random traffic and random charges (as a core's state grows with
 * streams and files and shrinks when nDPI is done): memuse is exactly the fixed part plus
 * every live flow's record and charge, and it stays <= memcap whenever no single flow is
 * larger than the cap by itself. */
static void test_flowtable_random_charges_keep_memuse_under_memcap(void)
{
    const uint64_t memcap = 256 * 1024;
    const uint64_t rec = rw_flowtable_record_bytes();
    struct rw_flowtable_config cfg;
    struct rw_flowtable *t;
    struct rw_flowtable_stats st0, st;
    struct charge_ctx ctx = {0, 0};
    uint64_t seed = 0x6a09e667f3bcc909ULL, bad = 0, evictions_by_charge = 0;

    memset(&cfg, 0, sizeof cfg);
    cfg.memcap_bytes = memcap;
    cfg.extra_bytes_per_flow = 264;
    t = rw_flowtable_new(&cfg, charge_end, &ctx);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    rw_flowtable_get_stats(t, &st0);
    for (uint64_t i = 0; i < 200000; i++) {
        struct rw_decoded d;
        struct rw_ft_flow *f;
        struct charge_rec *r;
        uint64_t before;
        size_t bytes;
        int dir, created;

        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        d = pk(IPPROTO_UDP, v4(C_IP), (uint16_t)(1 + (seed >> 33) % 3000), v4(S_IP), 53, 0,
               10);
        f = rw_flowtable_packet(t, &d, i, &dir, &created);
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        if (created) {
            r = calloc(1, sizeof(*r));
            CU_ASSERT_PTR_NOT_NULL_FATAL(r);
            r->bytes = cfg.extra_bytes_per_flow;
            ctx.sum += r->bytes;
            f->core = (struct rw_flow *)(void *)r;
        }
        r = (struct charge_rec *)(void *)f->core;
        switch ((seed >> 20) % 8) {
        case 0:
            bytes = 264 + 8192 + 688; /* classifying with payload */
            break;
        case 1:
            bytes = 264 + (size_t)((seed >> 40) % 20000); /* a stream holding bytes */
            break;
        case 2:
            bytes = 0; /* no core state (OOM) */
            break;
        default:
            bytes = r->bytes; /* unchanged */
            break;
        }
        /* The table may end other flows (never f) in the call: count them as the sum
         * drops by their charges. */
        ctx.sum = ctx.sum - r->bytes + bytes;
        r->bytes = bytes;
        before = ctx.ended;
        rw_flowtable_charge(t, f, bytes);
        evictions_by_charge += ctx.ended - before;
        rw_flowtable_get_stats(t, &st);
        if (st.memuse != st0.memuse + st.active * rec + ctx.sum)
            bad++;
        if (st.memuse > memcap)
            bad++;
        if (f->core != (struct rw_flow *)(void *)r)
            bad++; /* the charged flow must not have ended */
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(evictions_by_charge > 0);
    CU_ASSERT(st.memuse_peak <= memcap);
    rw_flowtable_get_stats(t, &st);
    CU_ASSERT_EQUAL(st.evicted + st.timeouts, ctx.ended);
    rw_flowtable_free(&t);
    CU_ASSERT_EQUAL(ctx.sum, 0);
}

static void test_flowtable_new_rejects_bad_config(void)
{
    struct rw_flowtable_config cfg;
    struct end_log log;
    struct rw_flowtable *t;

    memset(&cfg, 0, sizeof cfg);
    cfg.memcap_bytes = RW_FLOW_MEMCAP_MIN_BYTES - 1;
    CU_ASSERT_PTR_NULL(rw_flowtable_new(&cfg, log_end, &log));
    cfg.memcap_bytes = 0; /* the default */
    CU_ASSERT_PTR_NULL(rw_flowtable_new(&cfg, NULL, &log));
    /* A flow bigger than the memcap: no flow fits. */
    cfg.memcap_bytes = RW_FLOW_MEMCAP_MIN_BYTES;
    cfg.extra_bytes_per_flow = RW_FLOW_MEMCAP_MIN_BYTES;
    CU_ASSERT_PTR_NULL(rw_flowtable_new(&cfg, log_end, &log));
    cfg.extra_bytes_per_flow = SIZE_MAX;
    CU_ASSERT_PTR_NULL(rw_flowtable_new(&cfg, log_end, &log));
    /* One flow would fit the memcap alone, but not beside the table and its buckets. */
    cfg.extra_bytes_per_flow = RW_FLOW_MEMCAP_MIN_BYTES - rw_flowtable_record_bytes() - 1;
    CU_ASSERT_PTR_NULL(rw_flowtable_new(&cfg, log_end, &log));
    /* Exactly one flow fits. */
    cfg.extra_bytes_per_flow = RW_FLOW_MEMCAP_MIN_BYTES / 2;
    t = table(&cfg, &log);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    {
        struct rw_flowtable_stats st;

        rw_flowtable_get_stats(t, &st);
        CU_ASSERT_EQUAL(st.max_flows, 1);
    }
    rw_flowtable_free(&t);
}


/* A test flow's core for the shed callback: what it holds after shedding, and its value. */
struct shed_core {
    size_t after;
    uint8_t keep_after;
    int calls;
};

static size_t test_shed(void *ctx, struct rw_ft_flow *f, uint8_t *keep)
{
    struct shed_core *c = (struct shed_core *)(void *)f->core;

    (void)ctx;
    c->calls++;
    *keep = c->keep_after;
    return c->after;
}

/* Charges flow e (charged *ec now) so that memuse is over the cap by `over` bytes. */
static void charge_over(struct rw_flowtable *t, struct rw_ft_flow *e, size_t *ec, uint64_t over)
{
    struct rw_flowtable_stats st;

    rw_flowtable_get_stats(t, &st);
    *ec = (size_t)(RW_FLOW_MEMCAP_MIN_BYTES - (st.memuse - *ec) + over);
    rw_flowtable_charge(t, e, *ec);
}

/* Under pressure the table sheds by value, not by age: flows no rule can fire on first
 * (even a new one), then classification state (the flow stays), then rule flows, and a
 * flow with an open file last (even the oldest); each counted by its value. */
static void test_flowtable_sheds_by_value_not_age(void)
{
    const uint64_t rec = rw_flowtable_record_bytes();
    struct rw_flowtable_config cfg;
    struct end_log log;
    struct rw_flowtable *t;
    struct rw_flowtable_stats st;
    struct rw_ft_flow *f[5];
    struct shed_core sc = {1000, RW_FT_KEEP_RULE, 0};
    /* sport 1: a file open (oldest); 2: rule; 3: classifying; 4: no rule; 5: the grower */
    static const uint8_t keep[5] = {RW_FT_KEEP_FILE, RW_FT_KEEP_RULE, RW_FT_KEEP_SHED,
                                    RW_FT_KEEP_NONE, RW_FT_KEEP_RULE};
    size_t ec = 1000;
    int dir, created;

    memset(&cfg, 0, sizeof cfg);
    memset(&log, 0, sizeof log);
    cfg.memcap_bytes = RW_FLOW_MEMCAP_MIN_BYTES;
    cfg.extra_bytes_per_flow = 1000;
    cfg.shed = test_shed;
    t = table(&cfg, &log);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    for (int i = 0; i < 5; i++) {
        struct rw_decoded d = pk(IPPROTO_UDP, v4(C_IP), (uint16_t)(i + 1), v4(S_IP), 53, 0, 0);

        f[i] = rw_flowtable_packet(t, &d, (uint64_t)(i + 1) * SEC, &dir, &created);
        CU_ASSERT_PTR_NOT_NULL_FATAL(f[i]);
        CU_ASSERT_EQUAL(f[i]->keep, RW_FT_KEEP_RULE); /* a new flow, until the host says */
        rw_flowtable_set_keep(t, f[i], keep[i]);
        CU_ASSERT_EQUAL(f[i]->keep, keep[i]);
    }
    f[2]->core = (struct rw_flow *)(void *)&sc;
    rw_flowtable_charge(t, f[2], 5000);
    CU_ASSERT_EQUAL(log.n, 0);

    /* 1. The flow no rule can fire on goes first, though four are older. */
    charge_over(t, f[4], &ec, 1);
    rw_flowtable_get_stats(t, &st);
    CU_ASSERT_EQUAL_FATAL(log.n, 1);
    CU_ASSERT_EQUAL(log.info[0].key.sport, 4);
    CU_ASSERT_EQUAL(log.info[0].reason, RW_END_FORCED);
    CU_ASSERT_EQUAL(st.shed_none, 1);
    CU_ASSERT_EQUAL(st.evicted, 1);
    CU_ASSERT(st.memuse <= RW_FLOW_MEMCAP_MIN_BYTES);
    CU_ASSERT_EQUAL(sc.calls, 0);

    /* 2. Then classification state: the flow gives 4000 bytes up and stays, now RULE. */
    charge_over(t, f[4], &ec, 1);
    rw_flowtable_get_stats(t, &st);
    CU_ASSERT_EQUAL(log.n, 1);
    CU_ASSERT_EQUAL(sc.calls, 1);
    CU_ASSERT_EQUAL(st.shed_state, 1);
    CU_ASSERT_EQUAL(st.evicted, 1);
    CU_ASSERT_EQUAL(f[2]->keep, RW_FT_KEEP_RULE);
    CU_ASSERT_EQUAL(st.memuse, RW_FLOW_MEMCAP_MIN_BYTES + 1 - 4000);

    /* 3. Then the least recently seen rule flow (sport 2), not the older one with a file. */
    charge_over(t, f[4], &ec, 1);
    rw_flowtable_get_stats(t, &st);
    CU_ASSERT_EQUAL_FATAL(log.n, 2);
    CU_ASSERT_EQUAL(log.info[1].key.sport, 2);
    CU_ASSERT_EQUAL(st.shed_rule, 1);
    CU_ASSERT_EQUAL(sc.calls, 1);

    /* 4. Needing two flows' worth: the shed flow (now a rule flow), then the file's. */
    charge_over(t, f[4], &ec, rec + 1000 + 1);
    rw_flowtable_get_stats(t, &st);
    CU_ASSERT_EQUAL_FATAL(log.n, 4);
    CU_ASSERT_EQUAL(log.info[2].key.sport, 3);
    CU_ASSERT_EQUAL(log.info[3].key.sport, 1);
    CU_ASSERT_EQUAL(st.shed_rule, 2);
    CU_ASSERT_EQUAL(st.shed_file, 1);
    CU_ASSERT_EQUAL(st.evicted, st.shed_none + st.shed_rule + st.shed_file);
    CU_ASSERT_EQUAL(st.active, 1);
    rw_flowtable_free(&t);
}

/* A bare FIN on no known flow (a FIN retransmitted after TIME_WAIT's flow ended, or a
 * capture that starts during a close) takes the short closed timeout; a FIN with data, or
 * a plain mid-stream ACK, does not. */
static void test_flowtable_bare_fin_flow_is_closed(void)
{
    struct end_log log;
    struct rw_flowtable *t;
    struct rw_decoded d;
    struct rw_ft_flow *f;
    int dir, created;

    memset(&log, 0, sizeof log);
    t = table(NULL, &log);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    d = pk(IPPROTO_TCP, v4(C_IP), 40000, v4(S_IP), 80, RW_TCP_FIN | ACK, 0);
    f = rw_flowtable_packet(t, &d, 1 * SEC, &dir, &created);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(f->info.state, RW_FLOW_CLOSED);
    CU_ASSERT_STRING_EQUAL(f->info.tcp_state, "closed");
    d = pk(IPPROTO_TCP, v4(C_IP), 40001, v4(S_IP), 80, RW_TCP_FIN | ACK, 10);
    f = rw_flowtable_packet(t, &d, 1 * SEC, &dir, &created);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(f->info.state, RW_FLOW_NEW);
    d = pk(IPPROTO_TCP, v4(C_IP), 40002, v4(S_IP), 80, ACK, 0);
    f = rw_flowtable_packet(t, &d, 1 * SEC, &dir, &created);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(f->info.state, RW_FLOW_NEW);
    /* Closed timeout (5 s): only the bare FIN's flow has ended 5 s later. */
    rw_flowtable_expire(t, 1 * SEC + RW_TIMEOUT_TCP_CLOSED_SEC * SEC - 1);
    CU_ASSERT_EQUAL(log.n, 0);
    rw_flowtable_expire(t, 1 * SEC + RW_TIMEOUT_TCP_CLOSED_SEC * SEC);
    CU_ASSERT_EQUAL_FATAL(log.n, 1);
    CU_ASSERT_EQUAL(log.info[0].key.sport, 40000);
    CU_ASSERT_EQUAL(log.info[0].reason, RW_END_TIMEOUT);
    rw_flowtable_free(&t);
}

static CU_TestInfo flowtable_tests[] = {
    {"charge_moves_memuse_and_evicts_oldest", test_flowtable_charge_moves_memuse_and_evicts_oldest},
    {"sheds_by_value_not_age", test_flowtable_sheds_by_value_not_age},
    {"bare_fin_flow_is_closed", test_flowtable_bare_fin_flow_is_closed},
    {"random_charges_keep_memuse_under_memcap",
     test_flowtable_random_charges_keep_memuse_under_memcap},
    {"syn_sender_is_client", test_flowtable_syn_sender_is_client},
    {"synack_first_makes_receiver_client", test_flowtable_synack_first_makes_receiver_client},
    {"udp_first_packet_sender_is_client", test_flowtable_udp_first_packet_sender_is_client},
    {"lookup_is_bidirectional", test_flowtable_lookup_is_bidirectional},
    {"vlan_separates_flows", test_flowtable_vlan_separates_flows},
    {"last_flow_answers_as_the_chain", test_flowtable_last_flow_answers_as_the_chain},
    {"icmp_echo_request_and_reply_are_one_flow",
     test_flowtable_icmp_echo_request_and_reply_are_one_flow},
    {"tcp_session_counters_and_states", test_flowtable_tcp_session_counters_and_states},
    {"server_fin_first_is_close_wait", test_flowtable_server_fin_first_is_close_wait},
    {"rst_closes_flow", test_flowtable_rst_closes_flow},
    {"syn_on_closed_flow_starts_new_flow", test_flowtable_syn_on_closed_flow_starts_new_flow},
    {"timeouts_per_class_end_in_deadline_order",
     test_flowtable_timeouts_per_class_end_in_deadline_order},
    {"exact_timeout_boundaries_per_class", test_flowtable_exact_timeout_boundaries_per_class},
    {"packet_after_timeout_starts_new_flow", test_flowtable_packet_after_timeout_starts_new_flow},
    {"shorter_class_head_ends_on_time", test_flowtable_shorter_class_head_ends_on_time},
    {"packet_time_never_runs_backwards", test_flowtable_packet_time_never_runs_backwards},
    {"memcap_evicts_least_recently_seen", test_flowtable_memcap_evicts_least_recently_seen},
    {"flood_of_1m_flows_stays_under_memcap", test_flowtable_flood_of_1m_flows_stays_under_memcap},
    {"oom_drops_and_never_leaks", test_flowtable_oom_drops_and_never_leaks},
    {"equal_deadlines_end_in_packet_order", test_flowtable_equal_deadlines_end_in_packet_order},
    {"flush_ends_all_oldest_first", test_flowtable_flush_ends_all_oldest_first},
    {"stats_values", test_flowtable_stats_values},
    {"new_rejects_bad_config", test_flowtable_new_rejects_bad_config},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rw_suites_flowtable[] = {
    {"flowtable", NULL, NULL, NULL, NULL, flowtable_tests},
    CU_SUITE_INFO_NULL,
};
