/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_rw_engine.c — the core's public API: both input layers, settings and the output interface. */
#include <CUnit/CUnit.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rw.h"
#include "rw_http.h"
#include "rw_test.h"

/* An output that keeps every line, so tests can compare exact records. */
struct capture_out {
    char lines[8][2048];
    size_t n;
};

static int capture_write(void *ctx, const char *line, size_t len)
{
    struct capture_out *c = ctx;

    if (c->n == 8 || len >= sizeof(c->lines[0]))
        return RW_EIO;
    memcpy(c->lines[c->n], line, len);
    c->lines[c->n][len] = '\0';
    c->n++;
    return 0;
}

static struct rw_engine *engine_with(struct capture_out *c, const char *const *sets, size_t n,
                                     struct rw_diag *d, int *err)
{
    struct rw_engine_config cfg = {.rules_path = NULL, .sets = sets, .nsets = n};
    struct rw_output out = {.ctx = c, .write = capture_write};

    memset(c, 0, sizeof(*c));
    return rw_engine_new(&cfg, &out, d, err);
}

/* A TCP flow 192.0.2.1:5000 -> 198.51.100.2:445 as an event-layer host would describe it.
 * Its Community ID, computed independently with python hashlib over the spec layout, is
 * 1:IhHEXDDrn2pMq/8X5z6SKnYm9i0=. */
static struct rw_flow_info event_flow(void)
{
    struct rw_flow_info fi;

    memset(&fi, 0, sizeof(fi));
    fi.key.src = (struct rw_addr){.family = 4, .a = {192, 0, 2, 1}};
    fi.key.dst = (struct rw_addr){.family = 4, .a = {198, 51, 100, 2}};
    fi.key.sport = 5000;
    fi.key.dport = 445;
    fi.key.proto = IPPROTO_TCP;
    fi.flow_id = 1234;
    fi.start_us = 1710406800000000ULL;      /* 2024-03-14T09:00:00Z */
    fi.last_us = 1710406802500000ULL;       /* 2.5 s later */
    fi.pkts[RW_TOSERVER] = 10;
    fi.pkts[RW_TOCLIENT] = 8;
    fi.bytes[RW_TOSERVER] = 70000;
    fi.bytes[RW_TOCLIENT] = 900;
    fi.state = RW_FLOW_CLOSED;
    fi.reason = RW_END_TIMEOUT;
    fi.app_proto = "smb";
    return fi;
}

static void test_engine_event_layer_flow_end_writes_host_app_proto(void)
{
    struct capture_out c;
    struct rw_diag *d = rw_diag_new();
    int err = -99;
    struct rw_engine *e = engine_with(&c, NULL, 0, d, &err);
    struct rw_flow_info fi = event_flow();

    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_EQUAL(err, 0);
    rw_engine_flow_end(e, NULL, &fi);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    CU_ASSERT_STRING_EQUAL(c.lines[0],
        "{\"timestamp\":\"2024-03-14T09:00:02.500000+0000\",\"flow_id\":1234,"
        "\"event_type\":\"flow\",\"src_ip\":\"192.0.2.1\",\"src_port\":5000,"
        "\"dest_ip\":\"198.51.100.2\",\"dest_port\":445,\"proto\":\"TCP\","
        "\"community_id\":\"1:IhHEXDDrn2pMq/8X5z6SKnYm9i0=\",\"app_proto\":\"smb\","
        "\"flow\":{\"pkts_toserver\":10,\"pkts_toclient\":8,\"bytes_toserver\":70000,"
        "\"bytes_toclient\":900,\"start\":\"2024-03-14T09:00:00.000000+0000\","
        "\"end\":\"2024-03-14T09:00:02.500000+0000\",\"age\":2,\"state\":\"closed\","
        "\"reason\":\"timeout\",\"alerted\":false},\"tcp\":{\"tcp_flags\":\"00\","
        "\"tcp_flags_ts\":\"00\",\"tcp_flags_tc\":\"00\"}}");
    rw_engine_free(&e);
    CU_ASSERT_PTR_NULL(e);
    rw_diag_free(&d);
}

static void test_engine_file_event_writes_fileinfo_when_file_ends(void)
{
    struct capture_out c;
    struct rw_diag *d = rw_diag_new();
    int err;
    struct rw_engine *e = engine_with(&c, NULL, 0, d, &err);
    struct rw_flow_info fi = event_flow();
    /* A file name with a quote and an invalid UTF-8 byte, as a hostile peer may send. */
    static const char name[] = "ep07\"bg\xff.psd";
    struct rw_file_event ev = {
        .filename = name,
        .filename_len = sizeof(name) - 1,
        .magic = "Adobe Photoshop Image",
        .size = 300040,
        .ts_us = 1710406801000000ULL,
        .app_proto = "smb",
        .dir = RW_TOSERVER,
        .state = RW_FILE_OPEN,
    };

    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    rw_engine_file_event(e, &fi, &ev);
    CU_ASSERT_EQUAL(c.n, 0); /* still open: nothing yet */
    ev.state = RW_FILE_CLOSED;
    rw_engine_file_event(e, &fi, &ev);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    CU_ASSERT_STRING_EQUAL(c.lines[0],
        "{\"timestamp\":\"2024-03-14T09:00:01.000000+0000\",\"flow_id\":1234,"
        "\"event_type\":\"fileinfo\",\"src_ip\":\"192.0.2.1\",\"src_port\":5000,"
        "\"dest_ip\":\"198.51.100.2\",\"dest_port\":445,\"proto\":\"TCP\","
        "\"community_id\":\"1:IhHEXDDrn2pMq/8X5z6SKnYm9i0=\",\"app_proto\":\"smb\","
        "\"direction\":\"to_server\",\"fileinfo\":{\"filename\":\"ep07\\\"bg\\\\xff.psd\","
        "\"magic\":\"Adobe Photoshop Image\",\"gaps\":false,\"state\":\"CLOSED\","
        "\"stored\":false,\"size\":300040},"
        "\"smb\":{\"filename\":\"ep07\\\"bg\\\\xff.psd\"}}");
    rw_engine_free(&e);
    rw_diag_free(&d);
}

static void test_engine_eve_types_limit_records(void)
{
    struct capture_out c;
    struct rw_diag *d = rw_diag_new();
    static const char *const sets[] = {"eve.types=stats"};
    int err;
    struct rw_engine *e = engine_with(&c, sets, 1, d, &err);
    struct rw_flow_info fi = event_flow();
    struct rw_counter ctr[] = {{"decoder.pkts", 7}};

    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    rw_engine_flow_end(e, NULL, &fi);
    CU_ASSERT_EQUAL(c.n, 0);
    rw_engine_stats(e, 1710406800000000ULL, ctr, 1);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    CU_ASSERT_STRING_EQUAL(c.lines[0],
        "{\"timestamp\":\"2024-03-14T09:00:00.000000+0000\",\"event_type\":\"stats\","
        "\"stats\":{\"decoder\":{\"pkts\":7},\"detect\":{\"alert\":0,"
        "\"alert_queue_overflow\":0,\"alerts_suppressed\":0},"
        "\"file_store\":{\"open_files\":0},"
        "\"app_layer\":{\"flow\":{\"http\":0,\"ftp\":0,\"ftp_data\":0,\"smb\":0,"
        "\"tftp\":0,\"smtp\":0},\"expectations\":0},\"flow_bypassed\":{\"closed\":0},"
        "\"memcap\":{\"pressure\":0}}}");
    rw_engine_free(&e);
    rw_diag_free(&d);
}

static void test_engine_rejects_bad_settings_with_every_message(void)
{
    struct capture_out c;
    struct rw_diag *d = rw_diag_new();
    static const char *const sets[] = {"eve.types=alert,bogus", "nonsense", "x.y=1"};
    int err = 0;
    struct rw_engine *e = engine_with(&c, sets, 3, d, &err);

    CU_ASSERT_PTR_NULL(e);
    CU_ASSERT_EQUAL(err, RW_EPARSE);
    CU_ASSERT_EQUAL_FATAL(rw_diag_count(d), 3);
    CU_ASSERT_STRING_EQUAL(rw_diag_line(d, 0),
                           "--set: eve.types: expected alert, anomaly, fileinfo, flow or stats, "
                           "found 'bogus'");
    CU_ASSERT_STRING_EQUAL(rw_diag_line(d, 1), "--set: expected NAME=VALUE, found 'nonsense'");
    CU_ASSERT_STRING_EQUAL(rw_diag_line(d, 2), "--set: unknown setting 'x.y'");
    rw_diag_free(&d);
}

/* Packet layer with a real packet: the DNS query of dlt_raw_ipv4_dns.pcap (LINKTYPE_RAW,
 * one IPv4 packet 192.168.1.100:12345 -> 9.9.9.9:53, query example.com). */
static void test_engine_packet_layer_classifies_real_dns_query(void)
{
    const char *path = RW_TEST_PCAPS "format_linktype/dlt_raw_ipv4_dns.pcap";
    char ebuf[PCAP_ERRBUF_SIZE];
    struct capture_out c;
    struct rw_diag *d = rw_diag_new();
    struct pcap_pkthdr *h;
    const u_char *data;
    struct rw_flow_info fi;
    struct rw_flow *f;
    struct rw_packet p;
    struct rw_engine *e;
    pcap_t *pc;
    int err;

    RW_NEED_FILE(RW_TEST_PCAPS "format_linktype/dlt_raw_ipv4_dns.pcap");
    pc = pcap_open_offline(path, ebuf);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pc);
    CU_ASSERT_EQUAL_FATAL(pcap_next_ex(pc, &h, &data), 1);
    e = engine_with(&c, NULL, 0, d, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    memset(&fi, 0, sizeof(fi));
    fi.key.src = (struct rw_addr){.family = 4, .a = {192, 168, 1, 100}};
    fi.key.dst = (struct rw_addr){.family = 4, .a = {9, 9, 9, 9}};
    fi.key.sport = 12345;
    fi.key.dport = 53;
    fi.key.proto = IPPROTO_UDP;
    fi.start_us = fi.last_us = 1000000;
    fi.pkts[0] = 1;
    fi.bytes[0] = h->caplen;
    fi.flow_id = rw_flow_id(&fi.key, fi.start_us);
    f = rw_engine_flow_new(e, &fi);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    p = (struct rw_packet){.l3 = data, .l3_len = h->caplen, .ts_us = fi.last_us,
                           .dir = RW_TOSERVER};
    rw_engine_packet(e, f, &fi, &p);
    rw_engine_flow_end(e, &f, &fi);
    CU_ASSERT_PTR_NULL(f);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(c.lines[0], "\"app_proto\":\"dns\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(c.lines[0],
                                  "\"ndpi\":{\"protocol\":\"DNS\",\"category\":\"Network\","
                                  "\"hostname\":\"example.com\",\"guessed\":false}"));
    rw_engine_free(&e);
    rw_diag_free(&d);
    pcap_close(pc);
}

/* The DNS query of dlt_raw_ipv4_dns.pcap through engine e as a new flow, ended at once. */
static void dns_query_flow(struct rw_engine *e, const u_char *data, uint32_t caplen)
{
    struct rw_flow_info fi;
    struct rw_flow *f;
    struct rw_packet p;

    memset(&fi, 0, sizeof(fi));
    fi.key.src = (struct rw_addr){.family = 4, .a = {192, 168, 1, 100}};
    fi.key.dst = (struct rw_addr){.family = 4, .a = {9, 9, 9, 9}};
    fi.key.sport = 12345;
    fi.key.dport = 53;
    fi.key.proto = IPPROTO_UDP;
    fi.start_us = fi.last_us = 1000000;
    fi.pkts[0] = 1;
    fi.bytes[0] = caplen;
    fi.flow_id = rw_flow_id(&fi.key, fi.start_us);
    f = rw_engine_flow_new(e, &fi);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    p = (struct rw_packet){.l3 = data, .l3_len = caplen, .ts_us = fi.last_us,
                           .dir = RW_TOSERVER};
    rw_engine_packet(e, f, &fi, &p);
    rw_engine_flow_end(e, &f, &fi);
    CU_ASSERT_PTR_NULL(f);
}

/* Alerts only with no 'proto' rule classifies nothing, so nDPI is never set up (rw_classify
 * does that at the first classified flow); after a reload to flow records the owner's and
 * a worker's (created before it) next flows are classified. */
static void test_engine_makes_ndpi_only_when_a_reload_asks_for_it(void)
{
    const char *path = RW_TEST_PCAPS "format_linktype/dlt_raw_ipv4_dns.pcap";
    const char *alerts[] = {"eve.types=alert"};
    const char *flows[] = {"eve.types=flow"};
    struct rw_engine_config cfg = {.rules_path = NULL, .sets = alerts, .nsets = 1};
    struct capture_out c;
    struct rw_output out = {.ctx = &c, .write = capture_write};
    char ebuf[PCAP_ERRBUF_SIZE];
    struct rw_diag *d = rw_diag_new();
    struct pcap_pkthdr *h;
    const u_char *data;
    struct rw_engine *e, *w;
    pcap_t *pc;
    int err = -99;

    RW_NEED_FILE(RW_TEST_PCAPS "format_linktype/dlt_raw_ipv4_dns.pcap");
    pc = pcap_open_offline(path, ebuf);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pc);
    CU_ASSERT_EQUAL_FATAL(pcap_next_ex(pc, &h, &data), 1);
    memset(&c, 0, sizeof(c));
    e = rw_engine_new(&cfg, &out, d, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    w = rw_engine_worker_new(e, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    dns_query_flow(e, data, h->caplen);
    dns_query_flow(w, data, h->caplen);
    CU_ASSERT_EQUAL(c.n, 0);

    cfg.sets = flows;
    CU_ASSERT_EQUAL_FATAL(rw_engine_reload(e, &cfg, d), 0);
    dns_query_flow(e, data, h->caplen);
    dns_query_flow(w, data, h->caplen);
    CU_ASSERT_EQUAL_FATAL(c.n, 2);
    for (size_t i = 0; i < 2; i++) {
        CU_ASSERT_PTR_NOT_NULL(strstr(c.lines[i], "\"event_type\":\"flow\""));
        CU_ASSERT_PTR_NOT_NULL(strstr(c.lines[i], "\"app_proto\":\"dns\""));
        CU_ASSERT_PTR_NOT_NULL(strstr(c.lines[i], "\"ndpi\":{\"protocol\":\"DNS\","));
    }
    rw_engine_free(&e);
    rw_diag_free(&d);
    pcap_close(pc);
}

/* An IPv4 TCP packet 192.0.2.1:40000 -> 198.51.100.2:8080 (20-byte IP and TCP headers,
 * checksums zero: nothing checks them) with flags and n payload bytes of 'x'. */
static size_t tcp_packet(uint8_t *buf, uint32_t seq, uint8_t flags, size_t n)
{
    static const uint8_t hdr[40] = {
        0x45, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06, 0x00, 0x00, /* IPv4 */
        192,  0,    2,    1,    198,  51,   100,  2,                            /* addrs */
        0x9c, 0x40, 0x1f, 0x90, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* TCP */
        0x50, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
    };

    memcpy(buf, hdr, sizeof(hdr));
    buf[2] = (uint8_t)((40 + n) >> 8);
    buf[3] = (uint8_t)(40 + n);
    buf[24] = (uint8_t)(seq >> 24);
    buf[25] = (uint8_t)(seq >> 16);
    buf[26] = (uint8_t)(seq >> 8);
    buf[27] = (uint8_t)seq;
    buf[33] = flags;
    memset(buf + 40, 'x', n);
    return 40 + n;
}

/* rw_engine_flow_bytes: a flow that sent no byte holds only its struct when nothing
 * classifies it (exactly rw_engine_flow_state_bytes), nDPI's struct besides while it is
 * classified; the first payload brings the stream, the file table and nDPI's allowance
 * (none of them for a flow nothing wants the bytes of). */
static void test_engine_flow_bytes_follow_the_flow(void)
{
    static const char *const stats_only[] = {"eve.types=stats"};
    struct capture_out c;
    struct rw_diag *d = rw_diag_new();
    struct rw_flow_info fi;
    struct rw_flow *f;
    struct rw_packet p;
    struct rw_engine *e;
    uint8_t buf[1500];
    size_t base, b0;
    int err;

    CU_ASSERT_EQUAL(rw_engine_flow_bytes(NULL), 0);
    for (int classified = 0; classified < 2; classified++) {
        e = engine_with(&c, classified ? NULL : stats_only, classified ? 0 : 1, d, &err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(e);
        base = rw_engine_flow_state_bytes(e);
        fi = event_flow();
        fi.app_proto = NULL;
        fi.key.sport = 40000;
        fi.key.dport = 8080;
        fi.state = RW_FLOW_NEW;
        memset(fi.pkts, 0, sizeof(fi.pkts));
        fi.pkts[RW_TOSERVER] = 1;
        f = rw_engine_flow_new(e, &fi);
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        p = (struct rw_packet){.l3 = buf, .l3_len = (uint32_t)tcp_packet(buf, 100, RW_TCP_SYN, 0),
                               .tcp_seq = 100, .tcp_flags = RW_TCP_SYN, .ts_us = fi.start_us,
                               .dir = RW_TOSERVER};
        rw_engine_packet(e, f, &fi, &p);
        b0 = rw_engine_flow_bytes(f);
        if (classified) {
            CU_ASSERT(b0 > base + 512); /* nDPI's flow struct */
        } else {
            CU_ASSERT_EQUAL(b0, base);
        }
        fi.pkts[RW_TOSERVER] = 2;
        p.l3_len = (uint32_t)tcp_packet(buf, 101, RW_TCP_ACK | RW_TCP_PSH, 100);
        p.payload = buf + 40;
        p.payload_len = p.payload_wire_len = 100;
        p.tcp_seq = 101;
        p.tcp_flags = RW_TCP_ACK | RW_TCP_PSH;
        rw_engine_packet(e, f, &fi, &p);
        if (classified) {
            CU_ASSERT(rw_engine_flow_bytes(f) > b0 + 8192 + 256);
        } else {
            /* No rule and no fileinfo record wants its bytes: it stays counted only. */
            CU_ASSERT_EQUAL(rw_engine_flow_bytes(f), b0);
        }
        rw_engine_flow_end(e, &f, &fi);
        CU_ASSERT_PTR_NULL(f);
        rw_engine_free(&e);
    }
    rw_diag_free(&d);
}

/* A TCP packet like tcp_packet's between src:sport and dst:dport, payload copied. */
static size_t tcp_packet_to(uint8_t *buf, const uint8_t src[4], uint16_t sport,
                            const uint8_t dst[4], uint16_t dport, uint32_t seq, uint8_t flags,
                            const char *payload)
{
    size_t n = payload != NULL ? strlen(payload) : 0;
    size_t len = tcp_packet(buf, seq, flags, n);

    memcpy(buf + 12, src, 4);
    memcpy(buf + 16, dst, 4);
    buf[20] = (uint8_t)(sport >> 8);
    buf[21] = (uint8_t)sport;
    buf[22] = (uint8_t)(dport >> 8);
    buf[23] = (uint8_t)dport;
    if (n > 0)
        memcpy(buf + 40, payload, n);
    return len;
}

/* rw_engine_flow_keep and rw_engine_flow_shed with the default rules: a flow no rule can
 * fire on is worth nothing under pressure; an upload to the flagged range is a rule flow,
 * a file flow once its body is open, and its parser's bytes are charged to the flow; a
 * flow still being classified can give nDPI's state up and go on. */
static void test_engine_flow_keep_and_shed_by_value(void)
{
    static const char *const alerts_only[] = {"eve.types=alert,stats"};
    static const uint8_t ws[4] = {10, 1, 2, 10}, kp[4] = {175, 45, 176, 80};
    static const uint8_t out_a[4] = {192, 0, 2, 1}, out_b[4] = {198, 51, 100, 2};
    static const char put[] = "PUT /dav/x.psd HTTP/1.1\r\nHost: 175.45.176.80\r\n"
                              "Content-Length: 5000\r\n\r\n8BPS";
    struct rw_engine_config cfg = {.rules_path = "../../rules"};
    struct rw_output out;
    struct capture_out c;
    struct rw_diag *d = rw_diag_new();
    struct rw_flow_info fi;
    struct rw_flow *f;
    struct rw_packet p;
    struct rw_engine *e;
    struct rw_http *h;
    uint8_t buf[1500];
    size_t b0, b1;
    int err = 0;

    CU_ASSERT_EQUAL(rw_engine_flow_keep(NULL), RW_FLOW_KEEP_NONE);
    for (int classified = 0; classified < 2; classified++) {
        memset(&c, 0, sizeof(c));
        out = (struct rw_output){.ctx = &c, .write = capture_write};
        cfg.sets = classified ? NULL : alerts_only;
        cfg.nsets = classified ? 0 : 1;
        e = rw_engine_new(&cfg, &out, d, &err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(e);
        CU_ASSERT_EQUAL(rw_engine_flow_shed(e, NULL), 0);

        /* Neither end in home_net nor in a list: no rule can fire. */
        fi = event_flow();
        memcpy(fi.key.src.a, out_a, 4);
        memcpy(fi.key.dst.a, out_b, 4);
        fi.key.sport = 40000;
        fi.key.dport = 8080;
        fi.state = RW_FLOW_NEW;
        memset(fi.pkts, 0, sizeof(fi.pkts));
        fi.pkts[RW_TOSERVER] = 1;
        f = rw_engine_flow_new(e, &fi);
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        CU_ASSERT_EQUAL(rw_engine_flow_keep(f), RW_FLOW_KEEP_NONE);
        rw_engine_flow_end(e, &f, &fi);

        /* 10.1.2.10 -> 175.45.176.80:80, outbound to the dprk list. */
        fi = event_flow();
        memcpy(fi.key.src.a, ws, 4);
        memcpy(fi.key.dst.a, kp, 4);
        fi.key.sport = 40000;
        fi.key.dport = 80;
        fi.state = RW_FLOW_NEW;
        memset(fi.pkts, 0, sizeof(fi.pkts));
        fi.pkts[RW_TOSERVER] = 1;
        f = rw_engine_flow_new(e, &fi);
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        p = (struct rw_packet){.l3 = buf, .tcp_seq = 100, .tcp_flags = RW_TCP_SYN,
                               .ts_us = fi.start_us, .dir = RW_TOSERVER};
        p.l3_len = (uint32_t)tcp_packet_to(buf, ws, 40000, kp, 80, 100, RW_TCP_SYN, NULL);
        rw_engine_packet(e, f, &fi, &p);
        CU_ASSERT_EQUAL(rw_engine_flow_keep(f), classified ? RW_FLOW_KEEP_SHED
                                                            : RW_FLOW_KEEP_RULE);
        b0 = rw_engine_flow_bytes(f);
        if (classified) {
            /* Shedding ends classification now: nDPI's state goes, the flow stays. */
            b1 = rw_engine_flow_shed(e, f);
            CU_ASSERT(b1 < b0);
            CU_ASSERT_EQUAL(b1, rw_engine_flow_bytes(f));
            CU_ASSERT_EQUAL(rw_engine_flow_keep(f), RW_FLOW_KEEP_RULE);
            b0 = b1;
        } else {
            CU_ASSERT_EQUAL(rw_engine_flow_shed(e, f), b0); /* nothing to shed */
        }
        /* The PUT's head and the first body bytes: the parser and an open file. */
        fi.pkts[RW_TOSERVER] = 2;
        p.l3_len = (uint32_t)tcp_packet_to(buf, ws, 40000, kp, 80, 101,
                                           RW_TCP_ACK | RW_TCP_PSH, put);
        p.payload = buf + 40;
        p.payload_len = p.payload_wire_len = (uint32_t)strlen(put);
        p.tcp_seq = 101;
        p.tcp_flags = RW_TCP_ACK | RW_TCP_PSH;
        rw_engine_packet(e, f, &fi, &p);
        CU_ASSERT_EQUAL(rw_engine_flow_keep(f), RW_FLOW_KEEP_FILE);
        /* The parser's bytes are in the flow's: at least what a parser fed the same holds. */
        h = rw_http_new(NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(h);
        rw_http_data(h, RW_TOSERVER, (const uint8_t *)put, strlen(put));
        CU_ASSERT(rw_engine_flow_bytes(f) >= b0 + rw_http_bytes(h));
        rw_http_free(&h);
        rw_engine_flow_end(e, &f, &fi);
        rw_engine_free(&e);
    }
    rw_diag_free(&d);
}

/* Every allocation of engine set-up fails in turn: a clean RW_ENOMEM, never a crash or a
 * leak (ASan's leak checker proves the latter in make asan). */
static void test_engine_new_survives_every_allocation_failure(void)
{
    struct capture_out c;
    unsigned long n, failed_runs = 0;

    for (n = 1; n < 64; n++) {
        struct rw_diag *d = rw_diag_new();
        int err = 0;
        struct rw_engine *e;

        rw_alloc_hook_set(n);
        e = engine_with(&c, NULL, 0, d, &err);
        rw_alloc_hook_set(0);
        if (e == NULL) {
            CU_ASSERT_EQUAL(err, RW_ENOMEM);
            failed_runs++;
        } else {
            CU_ASSERT_EQUAL(err, 0);
            rw_engine_free(&e);
            rw_diag_free(&d);
            break;
        }
        rw_diag_free(&d);
    }
    /* At least one allocation is made and fails before set-up completes. */
    CU_ASSERT(failed_runs >= 1);
    CU_ASSERT(n < 64);
}

/*
 * SIGHUP's work: a good set swaps in, a bad one is refused with every error and the running
 * set stays, and flows that began under the old set end cleanly under the new one.
 */
static void test_engine_reload_swaps_good_sets_and_keeps_the_old_on_errors(void)
{
    char dir[] = "/tmp/rw_reload_XXXXXX";
    struct capture_out c;
    struct rw_output out = {.ctx = &c, .write = capture_write};
    struct rw_engine_config cfg = {.rules_path = "../../rules"};
    struct rw_diag *d = rw_diag_new();
    struct rw_flow_info fi = event_flow();
    struct rw_engine *e;
    struct rw_flow *f;
    char sum[256], good[512], bad[512];
    int err = 0;

    memset(&c, 0, sizeof(c));
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(good, sizeof(good), "%s", rw_test_write(dir, "good.yaml",
        "vars: {home_net: [192.0.2.0/24]}\n"
        "lists: {flag: {cidrs: [198.51.100.0/24]}}\n"
        "rules:\n"
        "  - {sid: 1, msg: any traffic, level: flow, match: {dst: [flag]}}\n"));
    snprintf(bad, sizeof(bad), "%s", rw_test_write(dir, "bad.yaml",
        "vars: {home_net: [192.0.2.0/24]}\n"
        "rules:\n"
        "  - {sid: 1, msg: one, level: flow, match: {dst: [nosuchlist]}}\n"));
    e = rw_engine_new(&cfg, &out, d, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    rw_engine_summary(e, sum, sizeof(sum));
    CU_ASSERT_STRING_EQUAL(sum, "6 rules, 2 lists (4 prefixes), 9 type groups");
    f = rw_engine_flow_new(e, &fi);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);

    cfg.rules_path = bad;
    CU_ASSERT_EQUAL(rw_engine_reload(e, &cfg, d), RW_EPARSE);
    CU_ASSERT(rw_diag_count(d) >= 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(rw_diag_line(d, 0), "nosuchlist"));
    rw_engine_summary(e, sum, sizeof(sum));
    CU_ASSERT_STRING_EQUAL(sum, "6 rules, 2 lists (4 prefixes), 9 type groups");

    cfg.rules_path = good;
    CU_ASSERT_EQUAL(rw_engine_reload(e, &cfg, d), 0);
    rw_engine_summary(e, sum, sizeof(sum));
    CU_ASSERT_STRING_EQUAL(sum, "1 rule, 1 list (1 prefix), 0 type groups");
    /* The flow from before the reload ends under the new set: its flow rule fires once
     * (the old set's state does not count), then the flow record. */
    rw_engine_flow_end(e, &f, &fi);
    CU_ASSERT_PTR_NULL(f);
    CU_ASSERT_EQUAL_FATAL(c.n, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(c.lines[0], "\"event_type\":\"alert\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(c.lines[0], "\"signature_id\":1,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(c.lines[1], "\"event_type\":\"flow\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(c.lines[1], "\"alerted\":true"));
    rw_engine_free(&e);
    rw_diag_free(&d);
    remove(good);
    remove(bad);
    rmdir(dir);
}

static CU_TestInfo engine_tests[] = {
    {"makes_ndpi_only_when_a_reload_asks_for_it",
     test_engine_makes_ndpi_only_when_a_reload_asks_for_it},
    {"flow_keep_and_shed_by_value", test_engine_flow_keep_and_shed_by_value},
    {"flow bytes follow the flow", test_engine_flow_bytes_follow_the_flow},
    {"reload_swaps_good_sets_and_keeps_the_old_on_errors",
     test_engine_reload_swaps_good_sets_and_keeps_the_old_on_errors},
    {"event_layer_flow_end_writes_host_app_proto",
     test_engine_event_layer_flow_end_writes_host_app_proto},
    {"file_event_writes_fileinfo_when_file_ends",
     test_engine_file_event_writes_fileinfo_when_file_ends},
    {"eve_types_limit_records", test_engine_eve_types_limit_records},
    {"rejects_bad_settings_with_every_message",
     test_engine_rejects_bad_settings_with_every_message},
    {"packet_layer_classifies_real_dns_query",
     test_engine_packet_layer_classifies_real_dns_query},
    {"new_survives_every_allocation_failure", test_engine_new_survives_every_allocation_failure},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rw_suites_engine[] = {
    {"engine", NULL, NULL, NULL, NULL, engine_tests},
    CU_SUITE_INFO_NULL,
};
