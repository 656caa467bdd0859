/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_rw_decode.c — the packet decoder on real captures, hand-built frames and truncations. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <jansson.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rw_decode.h"
#include "rw_test.h"
#include "rw_test_decode.h"

#define P RW_TEST_PCAPS
#define SCHEMA "../data/eve-schema.json"

/* libpcap link types used below (Linux numbering). */
enum {
    T_NULL = 0, T_EN10MB = 1, T_RAW = 12, T_IEEE802_11 = 105, T_LOOP = 108,
    T_RADIO = 127, T_NFLOG = 239, T_SLL2 = 276,
};

/* ---------------------------------------------------------------------------------------- */
/* helpers (the contract checks are in rw_test_decode.h) */

/* One frame read from a capture: bytes owned (rw_malloc), exactly caplen long. */
struct frame {
    uint8_t *buf;
    uint32_t caplen, wirelen;
    int dlt;
};

/* Loads frame number n (counting from 1, as tshark does) of a capture. */
static int frame_load(const char *path, unsigned n, struct frame *f)
{
    char err[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *h;
    const u_char *data;
    pcap_t *pc = pcap_open_offline(path, err);
    unsigned i = 0;
    int rc = -1;

    memset(f, 0, sizeof(*f));
    if (pc == NULL)
        return -1;
    while (pcap_next_ex(pc, &h, &data) == 1) {
        if (++i < n)
            continue;
        f->buf = rw_malloc(h->caplen == 0 ? 1 : h->caplen);
        if (f->buf != NULL) {
            memcpy(f->buf, data, h->caplen);
            f->caplen = h->caplen;
            f->wirelen = h->len;
            f->dlt = pcap_datalink(pc);
            rc = 0;
        }
        break;
    }
    pcap_close(pc);
    return rc;
}

static void frame_free(struct frame *f)
{
    rw_free(f->buf);
    f->buf = NULL;
}

typedef void (*each_fn)(void *ctx, unsigned n, int r, const struct rw_decoded *d);

/* Decodes every packet libpcap reads from a capture; returns the number read or -1. */
static long decode_file(const char *path, struct rw_decode_stats *st, each_fn fn, void *ctx)
{
    char err[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *h;
    const u_char *data;
    struct rw_decoded d;
    pcap_t *pc = pcap_open_offline(path, err);
    long n = 0;
    int dlt, r;

    if (pc == NULL) {
        fprintf(stderr, "\n  %s: %s", path, err);
        return -1;
    }
    dlt = pcap_datalink(pc);
    while (pcap_next_ex(pc, &h, &data) == 1) {
        n++;
        r = decode_checked(st, dlt, data, h->caplen, h->len, &d);
        if (fn != NULL)
            fn(ctx, (unsigned)n, r, &d);
    }
    pcap_close(pc);
    return n;
}

/* Counts 1 returns. */
static void count_ok(void *ctx, unsigned n, int r, const struct rw_decoded *d)
{
    (void)n;
    (void)d;
    *(unsigned long *)ctx += (unsigned long)r;
}

/* ---------------------------------------------------------------------------------------- */
/* counter table */

/* Every counter has a path, no two share one, and each exists in Suricata's EVE schema under
 * properties.stats.properties.decoder as an integer. */
static void test_decode_counter_paths_exist_in_eve_schema(void)
{
    json_error_t jerr;
    json_t *root, *node;
    char comp[128];

    RW_NEED_FILE(SCHEMA);
    root = json_load_file(SCHEMA, 0, &jerr);
    CU_ASSERT_PTR_NOT_NULL_FATAL(root);
    for (int i = 0; i < RW_DEC_COUNTER_N; i++) {
        const char *path = rw_decode_counter_path[i], *s, *dot;

        CU_ASSERT_PTR_NOT_NULL_FATAL(path);
        for (int j = 0; j < i; j++)
            CU_ASSERT_NOT_EQUAL(strcmp(path, rw_decode_counter_path[j]), 0);
        node = json_object_get(json_object_get(root, "properties"), "stats");
        for (s = path; node != NULL && *s != '\0'; s = *dot == '.' ? dot + 1 : dot) {
            dot = strchr(s, '.');
            if (dot == NULL)
                dot = s + strlen(s);
            CU_ASSERT_FATAL((size_t)(dot - s) < sizeof(comp));
            memcpy(comp, s, (size_t)(dot - s));
            comp[dot - s] = '\0';
            node = json_object_get(json_object_get(node, "properties"), comp);
        }
        if (node == NULL)
            fprintf(stderr, "\n  %s is not in the EVE schema", path);
        CU_ASSERT_PTR_NOT_NULL(node);
        CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(node, "type")), "integer");
    }
    json_decref(root);
}

static void test_decode_linktypes_supported_are_exactly_the_listed(void)
{
    static const int yes[] = {0, 1, 12, 101, 104, 105, 108, 113, 127, 228, 229, 239, 276};
    int nyes = 0;

    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        CU_ASSERT_EQUAL(rw_decode_linktype_supported(yes[i]), 1);
    for (int dlt = -1; dlt < 300; dlt++)
        nyes += rw_decode_linktype_supported(dlt);
    CU_ASSERT_EQUAL(nyes, (int)(sizeof(yes) / sizeof(yes[0])));
}

/* ---------------------------------------------------------------------------------------- */
/* real captures */

/* tshark -r http_post_multipart_exe_fileupload_servlet.pcap frame 7: Ethernet, IPv4
 * 192.168.8.97 -> 192.168.57.14, ip.len 486, TCP 11371 -> 8080 seq 130070129 ack 833486818
 * flags 0x18, header 20, 446 bytes "GET /fileupload/ HTTP/1.1". */
static void test_decode_ethernet_ipv4_tcp_capture_fields(void)
{
    static const char *path = P "http_upload/http_post_multipart_exe_fileupload_servlet.pcap";
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;
    struct frame f;

    RW_NEED_FILE(P "http_upload/http_post_multipart_exe_fileupload_servlet.pcap");
    CU_ASSERT_EQUAL_FATAL(frame_load(path, 7, &f), 0);
    CU_ASSERT_EQUAL(f.dlt, T_EN10MB);
    CU_ASSERT_EQUAL_FATAL(decode_checked(&st, f.dlt, f.buf, f.caplen, f.wirelen, &d), 1);
    expect_addr(&d.key.src, "192.168.8.97");
    expect_addr(&d.key.dst, "192.168.57.14");
    CU_ASSERT_EQUAL(d.key.sport, 11371);
    CU_ASSERT_EQUAL(d.key.dport, 8080);
    CU_ASSERT_EQUAL(d.key.proto, 6);
    CU_ASSERT_EQUAL(d.key.nvlan, 0);
    CU_ASSERT_EQUAL(d.l3 - f.buf, 14);
    CU_ASSERT_EQUAL(d.l3_len, 486);
    CU_ASSERT_EQUAL(d.ip_wire_len, 486);
    CU_ASSERT_EQUAL(d.payload - f.buf, 54);
    CU_ASSERT_EQUAL(d.payload_len, 446);
    CU_ASSERT_EQUAL(d.payload_wire_len, 446);
    CU_ASSERT_EQUAL(memcmp(d.payload, "GET /fileupload/ HTTP/1.1\r\n", 27), 0);
    CU_ASSERT_EQUAL(d.tcp_seq, 130070129u);
    CU_ASSERT_EQUAL(d.tcp_ack, 833486818u);
    CU_ASSERT_EQUAL(d.tcp_flags, RW_TCP_PSH | RW_TCP_ACK);
    expect_counters(&st, C(RW_DEC_ETHERNET, 1), C(RW_DEC_IPV4, 1), C(RW_DEC_TCP, 1), END);
    CU_ASSERT_EQUAL(st.c[RW_DEC_PKTS], 1);
    CU_ASSERT_EQUAL(st.c[RW_DEC_BYTES], 500);
    CU_ASSERT_EQUAL(st.c[RW_DEC_MAX_PKT_SIZE], 500);
    frame_free(&f);
}

/* Frame 5 of the same capture is a 60-byte frame (Ethernet padding) holding a 40-byte IP
 * packet: the padding is neither IP nor payload. */
static void test_decode_ethernet_padding_is_not_payload(void)
{
    static const char *path = P "http_upload/http_post_multipart_exe_fileupload_servlet.pcap";
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;
    struct frame f;

    RW_NEED_FILE(P "http_upload/http_post_multipart_exe_fileupload_servlet.pcap");
    CU_ASSERT_EQUAL_FATAL(frame_load(path, 5, &f), 0);
    CU_ASSERT_EQUAL(f.caplen, 60);
    CU_ASSERT_EQUAL_FATAL(decode_checked(&st, f.dlt, f.buf, f.caplen, f.wirelen, &d), 1);
    CU_ASSERT_EQUAL(d.l3_len, 40);
    CU_ASSERT_EQUAL(d.ip_wire_len, 40);
    CU_ASSERT_EQUAL(d.payload_len, 0);
    CU_ASSERT_EQUAL(d.payload_wire_len, 0);
    CU_ASSERT_EQUAL(d.tcp_flags, RW_TCP_ACK);
    frame_free(&f);
}

/* http_post_mattermost_api_upload_eicar_ipv6.pcap is DLT_NULL (0) with family 30 (Darwin
 * AF_INET6) little-endian. Frame 9: ::1 52093 -> ::1 8065, ipv6.plen 222, seq 3683059779
 * ack 2713302600 flags 0x18, TCP header 32, 190 bytes. All 28 frames are IPv6 TCP. */
static void test_decode_null_ipv6_tcp_capture(void)
{
    static const char *path = P "http_upload/http_post_mattermost_api_upload_eicar_ipv6.pcap";
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;
    unsigned long ok = 0;
    struct frame f;

    RW_NEED_FILE(P "http_upload/http_post_mattermost_api_upload_eicar_ipv6.pcap");
    CU_ASSERT_EQUAL_FATAL(frame_load(path, 9, &f), 0);
    CU_ASSERT_EQUAL(f.dlt, T_NULL);
    CU_ASSERT_EQUAL(f.buf[0], 30); /* 1e 00 00 00 */
    CU_ASSERT_EQUAL_FATAL(decode_checked(&st, f.dlt, f.buf, f.caplen, f.wirelen, &d), 1);
    expect_addr(&d.key.src, "::1");
    expect_addr(&d.key.dst, "::1");
    CU_ASSERT_EQUAL(d.key.sport, 52093);
    CU_ASSERT_EQUAL(d.key.dport, 8065);
    CU_ASSERT_EQUAL(d.key.proto, 6);
    CU_ASSERT_EQUAL(d.l3 - f.buf, 4);
    CU_ASSERT_EQUAL(d.ip_wire_len, 262);
    CU_ASSERT_EQUAL(d.l3_len, 262);
    CU_ASSERT_EQUAL(d.payload - f.buf, 4 + 40 + 32);
    CU_ASSERT_EQUAL(d.payload_len, 190);
    CU_ASSERT_EQUAL(d.payload_wire_len, 190);
    CU_ASSERT_EQUAL(d.tcp_seq, 3683059779u);
    CU_ASSERT_EQUAL(d.tcp_ack, 2713302600u);
    CU_ASSERT_EQUAL(d.tcp_flags, 0x18);
    frame_free(&f);

    memset(&st, 0, sizeof(st));
    CU_ASSERT_EQUAL(decode_file(path, &st, count_ok, &ok), 28);
    CU_ASSERT_EQUAL(ok, 28);
    expect_counters(&st, C(RW_DEC_NULL, 28), C(RW_DEC_IPV6, 28), C(RW_DEC_TCP, 28), END);
    CU_ASSERT_EQUAL(st.c[RW_DEC_BYTES], 4921);   /* sum of frame.len */
    CU_ASSERT_EQUAL(st.c[RW_DEC_MAX_PKT_SIZE], 1066);
}

/* http_2.6MB_binary_download_sll2.pcap (DLT_LINUX_SLL2). Frame 4: 192.168.1.253 56478 ->
 * 192.168.1.21 80, ip.len 134, seq 2332771220 ack 845479109 flags 0x18, header 32, 82
 * bytes "GET /testing". 159 frames, all IPv4 TCP, 2610421 bytes, largest 65232. */
static void test_decode_sll2_capture(void)
{
    static const char *path = P "media_download/http_2.6MB_binary_download_sll2.pcap";
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;
    unsigned long ok = 0;
    struct frame f;

    RW_NEED_FILE(P "media_download/http_2.6MB_binary_download_sll2.pcap");
    CU_ASSERT_EQUAL_FATAL(frame_load(path, 4, &f), 0);
    CU_ASSERT_EQUAL(f.dlt, T_SLL2);
    CU_ASSERT_EQUAL_FATAL(decode_checked(&st, f.dlt, f.buf, f.caplen, f.wirelen, &d), 1);
    expect_addr(&d.key.src, "192.168.1.253");
    expect_addr(&d.key.dst, "192.168.1.21");
    CU_ASSERT_EQUAL(d.key.sport, 56478);
    CU_ASSERT_EQUAL(d.key.dport, 80);
    CU_ASSERT_EQUAL(d.l3 - f.buf, 20);
    CU_ASSERT_EQUAL(d.ip_wire_len, 134);
    CU_ASSERT_EQUAL(d.payload_len, 82);
    CU_ASSERT_EQUAL(memcmp(d.payload, "GET /testing", 12), 0);
    CU_ASSERT_EQUAL(d.tcp_seq, 2332771220u);
    CU_ASSERT_EQUAL(d.tcp_ack, 845479109u);
    CU_ASSERT_EQUAL(d.tcp_flags, 0x18);
    frame_free(&f);

    memset(&st, 0, sizeof(st));
    CU_ASSERT_EQUAL(decode_file(path, &st, count_ok, &ok), 159);
    CU_ASSERT_EQUAL(ok, 159);
    expect_counters(&st, C(RW_DEC_SLL2, 159), C(RW_DEC_IPV4, 159), C(RW_DEC_TCP, 159), END);
    CU_ASSERT_EQUAL(st.c[RW_DEC_BYTES], 2610421);
    CU_ASSERT_EQUAL(st.c[RW_DEC_MAX_PKT_SIZE], 65232);
}

/* dlt_raw_ipv4_dns.pcap: one DLT_RAW frame of 57 bytes, 192.168.1.100 12345 -> 9.9.9.9 53,
 * udp.length 37 (29 bytes of DNS). */
static void test_decode_raw_ipv4_udp_capture(void)
{
    static const char *path = P "format_linktype/dlt_raw_ipv4_dns.pcap";
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;
    struct frame f;

    RW_NEED_FILE(P "format_linktype/dlt_raw_ipv4_dns.pcap");
    CU_ASSERT_EQUAL_FATAL(frame_load(path, 1, &f), 0);
    CU_ASSERT_EQUAL(f.dlt, T_RAW);
    CU_ASSERT_EQUAL_FATAL(decode_checked(&st, f.dlt, f.buf, f.caplen, f.wirelen, &d), 1);
    expect_addr(&d.key.src, "192.168.1.100");
    expect_addr(&d.key.dst, "9.9.9.9");
    CU_ASSERT_EQUAL(d.key.sport, 12345);
    CU_ASSERT_EQUAL(d.key.dport, 53);
    CU_ASSERT_EQUAL(d.key.proto, 17);
    CU_ASSERT_PTR_EQUAL(d.l3, f.buf);
    CU_ASSERT_EQUAL(d.ip_wire_len, 57);
    CU_ASSERT_EQUAL(d.payload - f.buf, 28);
    CU_ASSERT_EQUAL(d.payload_len, 29);
    CU_ASSERT_EQUAL(d.payload_wire_len, 29);
    CU_ASSERT_EQUAL(d.tcp_flags, 0);
    expect_counters(&st, C(RW_DEC_RAW, 1), C(RW_DEC_IPV4, 1), C(RW_DEC_UDP, 1), END);
    frame_free(&f);
}

/* dlt_nflog_http.pcap (DLT_NFLOG). Frame 6: TLVs then NFULA_PAYLOAD with IPv4 10.0.2.15
 * 49762 -> 93.184.216.34 80, ip.len 119, seq 1060289234 ack 1131904002 flags 0x18, 79 bytes
 * "GET / HTTP/1.1". All 13 frames are IPv4 TCP. */
static void test_decode_nflog_capture(void)
{
    static const char *path = P "format_linktype/dlt_nflog_http.pcap";
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;
    unsigned long ok = 0;
    struct frame f;

    RW_NEED_FILE(P "format_linktype/dlt_nflog_http.pcap");
    CU_ASSERT_EQUAL_FATAL(frame_load(path, 6, &f), 0);
    CU_ASSERT_EQUAL(f.dlt, T_NFLOG);
    CU_ASSERT_EQUAL_FATAL(decode_checked(&st, f.dlt, f.buf, f.caplen, f.wirelen, &d), 1);
    expect_addr(&d.key.src, "10.0.2.15");
    expect_addr(&d.key.dst, "93.184.216.34");
    CU_ASSERT_EQUAL(d.key.sport, 49762);
    CU_ASSERT_EQUAL(d.key.dport, 80);
    CU_ASSERT_EQUAL(d.ip_wire_len, 119);
    CU_ASSERT_EQUAL(d.l3_len, 119);
    CU_ASSERT_EQUAL(d.payload_len, 79);
    CU_ASSERT_EQUAL(memcmp(d.payload, "GET / HTTP/1.1", 14), 0);
    CU_ASSERT_EQUAL(d.tcp_seq, 1060289234u);
    CU_ASSERT_EQUAL(d.tcp_ack, 1131904002u);
    CU_ASSERT_EQUAL(d.tcp_flags, 0x18);
    frame_free(&f);

    memset(&st, 0, sizeof(st));
    CU_ASSERT_EQUAL(decode_file(path, &st, count_ok, &ok), 13);
    CU_ASSERT_EQUAL(ok, 13);
    expect_counters(&st, C(RW_DEC_IPV4, 13), C(RW_DEC_TCP, 13), END);
    CU_ASSERT_EQUAL(st.c[RW_DEC_BYTES], 3104);
}

/* radiotap_80211_http_post.pcap (DLT 127): 36-byte radiotap, 802.11 data (FC 08 01, 24-byte
 * header), SNAP, IPv4. Frame 4: 172.5.5.113 49417 -> 14.17.32.211 80, ip.len 632, seq
 * 2524188119 ack 1539642335 flags 0x18, header 32, 580 bytes; the 4-byte FCS after the IP
 * packet is not payload. All 26 frames are IPv4 TCP. */
static void test_decode_radiotap_80211_capture(void)
{
    static const char *path = P "format_linktype/radiotap_80211_http_post.pcap";
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;
    unsigned long ok = 0;
    struct frame f;

    RW_NEED_FILE(P "format_linktype/radiotap_80211_http_post.pcap");
    CU_ASSERT_EQUAL_FATAL(frame_load(path, 4, &f), 0);
    CU_ASSERT_EQUAL(f.dlt, T_RADIO);
    CU_ASSERT_EQUAL_FATAL(decode_checked(&st, f.dlt, f.buf, f.caplen, f.wirelen, &d), 1);
    expect_addr(&d.key.src, "172.5.5.113");
    expect_addr(&d.key.dst, "14.17.32.211");
    CU_ASSERT_EQUAL(d.key.sport, 49417);
    CU_ASSERT_EQUAL(d.key.dport, 80);
    CU_ASSERT_EQUAL(d.l3 - f.buf, 36 + 24 + 8);
    CU_ASSERT_EQUAL(d.ip_wire_len, 632);
    CU_ASSERT_EQUAL(d.l3_len, 632);
    CU_ASSERT_EQUAL(f.caplen, 704); /* 68 + 632 + 4 (FCS) */
    CU_ASSERT_EQUAL(d.payload_len, 580);
    CU_ASSERT_EQUAL(d.payload_wire_len, 580);
    CU_ASSERT_EQUAL(d.tcp_seq, 2524188119u);
    CU_ASSERT_EQUAL(d.tcp_ack, 1539642335u);
    frame_free(&f);

    memset(&st, 0, sizeof(st));
    CU_ASSERT_EQUAL(decode_file(path, &st, count_ok, &ok), 26);
    CU_ASSERT_EQUAL(ok, 26);
    expect_counters(&st, C(RW_DEC_IPV4, 26), C(RW_DEC_TCP, 26), END);
}

/* vxlan_encapsulated_http_svg.pcap frame 4: outer 10.1.200.131 50000 -> 10.1.1.172 4789,
 * inner Ethernet, IPv4 172.16.11.201 40354 -> 54.86.237.188 80, inner ip.len 139, seq
 * 1521476009 ack 2518538526 flags 0x18, header 32, 87 bytes. The key is the inner one. */
static void test_decode_vxlan_capture_gives_inner_flow(void)
{
    static const char *path = P "format_linktype/vxlan_encapsulated_http_svg.pcap";
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;
    unsigned long ok = 0;
    struct frame f;

    RW_NEED_FILE(P "format_linktype/vxlan_encapsulated_http_svg.pcap");
    CU_ASSERT_EQUAL_FATAL(frame_load(path, 4, &f), 0);
    CU_ASSERT_EQUAL_FATAL(decode_checked(&st, f.dlt, f.buf, f.caplen, f.wirelen, &d), 1);
    expect_addr(&d.key.src, "172.16.11.201");
    expect_addr(&d.key.dst, "54.86.237.188");
    CU_ASSERT_EQUAL(d.key.sport, 40354);
    CU_ASSERT_EQUAL(d.key.dport, 80);
    CU_ASSERT_EQUAL(d.key.proto, 6);
    CU_ASSERT_EQUAL(d.l3 - f.buf, 14 + 20 + 8 + 8 + 14);
    CU_ASSERT_EQUAL(d.ip_wire_len, 139);
    CU_ASSERT_EQUAL(d.payload_len, 87);
    CU_ASSERT_EQUAL(d.tcp_seq, 1521476009u);
    CU_ASSERT_EQUAL(d.tcp_ack, 2518538526u);
    CU_ASSERT_EQUAL(d.tcp_flags, 0x18);
    expect_counters(&st, C(RW_DEC_ETHERNET, 2), C(RW_DEC_IPV4, 2), C(RW_DEC_UDP, 1),
                    C(RW_DEC_VXLAN, 1), C(RW_DEC_TCP, 1), END);

    /* the inner ethertype (offset 62) changed to LLDP 0x88cc: vxlan.unknown_payload_type */
    f.buf[62] = 0x88;
    f.buf[63] = 0xcc;
    memset(&st, 0, sizeof(st));
    CU_ASSERT_EQUAL(decode_checked(&st, f.dlt, f.buf, f.caplen, f.wirelen, &d), 0);
    CU_ASSERT_EQUAL(st.c[RW_DEC_EV_VXLAN_UNKNOWN_PAYLOAD_TYPE], 1);

    /* the I flag cleared (offset 42): not VXLAN, an ordinary UDP packet to port 4789 */
    f.buf[42] = 0x00;
    memset(&st, 0, sizeof(st));
    CU_ASSERT_EQUAL(decode_checked(&st, f.dlt, f.buf, f.caplen, f.wirelen, &d), 1);
    expect_addr(&d.key.src, "10.1.200.131");
    CU_ASSERT_EQUAL(d.key.sport, 50000);
    CU_ASSERT_EQUAL(d.key.dport, 4789);
    CU_ASSERT_EQUAL(d.key.proto, 17);
    CU_ASSERT_EQUAL(d.payload_wire_len, 169 - 8);
    CU_ASSERT_EQUAL(st.c[RW_DEC_VXLAN], 0);
    frame_free(&f);

    memset(&st, 0, sizeof(st));
    CU_ASSERT_EQUAL(decode_file(path, &st, count_ok, &ok), 12);
    CU_ASSERT_EQUAL(ok, 12);
    expect_counters(&st, C(RW_DEC_ETHERNET, 24), C(RW_DEC_IPV4, 24), C(RW_DEC_UDP, 12),
                    C(RW_DEC_VXLAN, 12), C(RW_DEC_TCP, 12), END);
}

/* gre_aruba_80211_http_downloads.pcap frame 1: Ethernet, VLAN 300, IPv4 10.3.34.171 ->
 * 10.33.10.23 GRE proto 0x8200 (Aruba), 802.11 QoS data (FC 88 01, 26-byte header), SNAP,
 * IPv4 10.37.36.92 58973 -> 205.185.216.10 80, ip.len 40, seq 99019035 ack 3561511680 flags
 * 0x11. All 2407 frames have that shape. */
static void test_decode_gre_aruba_capture_gives_inner_flow(void)
{
    static const char *path = P "format_linktype/gre_aruba_80211_http_downloads.pcap";
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;
    unsigned long ok = 0;
    struct frame f;

    RW_NEED_FILE(P "format_linktype/gre_aruba_80211_http_downloads.pcap");
    CU_ASSERT_EQUAL_FATAL(frame_load(path, 1, &f), 0);
    CU_ASSERT_EQUAL_FATAL(decode_checked(&st, f.dlt, f.buf, f.caplen, f.wirelen, &d), 1);
    expect_addr(&d.key.src, "10.37.36.92");
    expect_addr(&d.key.dst, "205.185.216.10");
    CU_ASSERT_EQUAL(d.key.sport, 58973);
    CU_ASSERT_EQUAL(d.key.dport, 80);
    CU_ASSERT_EQUAL(d.key.nvlan, 1);
    CU_ASSERT_EQUAL(d.key.vlan[0], 300);
    CU_ASSERT_EQUAL(d.l3 - f.buf, 14 + 4 + 20 + 4 + 26 + 8);
    CU_ASSERT_EQUAL(d.ip_wire_len, 40);
    CU_ASSERT_EQUAL(d.payload_len, 0);
    CU_ASSERT_EQUAL(d.tcp_seq, 99019035u);
    CU_ASSERT_EQUAL(d.tcp_ack, 3561511680u);
    CU_ASSERT_EQUAL(d.tcp_flags, RW_TCP_FIN | RW_TCP_ACK);
    frame_free(&f);

    memset(&st, 0, sizeof(st));
    CU_ASSERT_EQUAL(decode_file(path, &st, count_ok, &ok), 2407);
    CU_ASSERT_EQUAL(ok, 2407);
    expect_counters(&st, C(RW_DEC_ETHERNET, 2407), C(RW_DEC_VLAN, 2407), C(RW_DEC_IPV4, 4814),
                    C(RW_DEC_GRE, 2407), C(RW_DEC_TCP, 2407), END);
}

/* Sums per direction over a capture. */
struct dir_sums {
    unsigned long pkts[2];
    uint64_t ip_wire[2], payload_wire[2], payload_cap[2];
};

static void sum_by_port_12345(void *ctx, unsigned n, int r, const struct rw_decoded *d)
{
    struct dir_sums *s = ctx;
    int dir = d->key.sport == 12345;

    (void)n;
    CU_ASSERT_EQUAL(r, 1);
    if (r != 1)
        return;
    s->pkts[dir]++;
    s->ip_wire[dir] += d->ip_wire_len;
    s->payload_wire[dir] += d->payload_wire_len;
    s->payload_cap[dir] += d->payload_len;
}

/* snaplen_truncated_1MB_tcp_transfer.pcap: 878 frames, snaplen 96 cut most of the payload.
 * From tshark (tcp.len, ip.len, and frame.cap_len - 14 - ip.hdr_len - tcp.hdr_len):
 * 192.168.2.20:12345 sent 693 packets, 1036044 IP bytes, 1000000 payload bytes of which
 * 20730 were captured; the other side sent 185 packets, 9628 IP bytes, no payload.
 * Frame 4 is 1514 bytes on the wire, 96 captured: ip.len 1500, TCP header 32, 1448 bytes. */
static void test_decode_snaplen_truncated_keeps_wire_lengths(void)
{
    static const char *path = P "malformed/snaplen_truncated_1MB_tcp_transfer.pcap";
    struct rw_decode_stats st = {{0}};
    struct dir_sums s;
    struct rw_decoded d;
    struct frame f;

    RW_NEED_FILE(P "malformed/snaplen_truncated_1MB_tcp_transfer.pcap");
    memset(&s, 0, sizeof(s));
    CU_ASSERT_EQUAL_FATAL(frame_load(path, 4, &f), 0);
    CU_ASSERT_EQUAL(f.caplen, 96);
    CU_ASSERT_EQUAL(f.wirelen, 1514);
    CU_ASSERT_EQUAL_FATAL(decode_checked(&st, f.dlt, f.buf, f.caplen, f.wirelen, &d), 1);
    CU_ASSERT_EQUAL(d.ip_wire_len, 1500);
    CU_ASSERT_EQUAL(d.l3_len, 82);
    CU_ASSERT_EQUAL(d.payload - f.buf, 14 + 20 + 32);
    CU_ASSERT_EQUAL(d.payload_len, 30);
    CU_ASSERT_EQUAL(d.payload_wire_len, 1448);
    CU_ASSERT_EQUAL(d.tcp_seq, 3360746693u);
    frame_free(&f);

    memset(&st, 0, sizeof(st));
    CU_ASSERT_EQUAL(decode_file(path, &st, sum_by_port_12345, &s), 878);
    CU_ASSERT_EQUAL(s.pkts[1], 693);
    CU_ASSERT_EQUAL(s.ip_wire[1], 1036044);
    CU_ASSERT_EQUAL(s.payload_wire[1], 1000000);
    CU_ASSERT_EQUAL(s.payload_cap[1], 20730);
    CU_ASSERT_EQUAL(s.pkts[0], 185);
    CU_ASSERT_EQUAL(s.ip_wire[0], 9628);
    CU_ASSERT_EQUAL(s.payload_wire[0], 0);
    CU_ASSERT_EQUAL(st.c[RW_DEC_BYTES], 1057964);
    CU_ASSERT_EQUAL(st.c[RW_DEC_MAX_PKT_SIZE], 1514);
}

/* bigtcp_ipv4_80000B_single_segment.pcap: one 80066-byte frame, IPv4 total length 0 (BIG
 * TCP), 10.25.132.13 35871 -> 10.25.132.11 36425, TCP header 32, 80000 bytes (tshark
 * ip.len 80052, tcp.len 80000, seq 4155358606 ack 17023525). The length comes from the frame. */
static void test_decode_bigtcp_length_from_frame(void)
{
    static const char *path = P "malformed/bigtcp_ipv4_80000B_single_segment.pcap";
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;
    struct frame f;

    RW_NEED_FILE(P "malformed/bigtcp_ipv4_80000B_single_segment.pcap");
    CU_ASSERT_EQUAL_FATAL(frame_load(path, 1, &f), 0);
    CU_ASSERT_EQUAL(f.caplen, 80066);
    CU_ASSERT_EQUAL_FATAL(decode_checked(&st, f.dlt, f.buf, f.caplen, f.wirelen, &d), 1);
    expect_addr(&d.key.src, "10.25.132.13");
    expect_addr(&d.key.dst, "10.25.132.11");
    CU_ASSERT_EQUAL(d.key.sport, 35871);
    CU_ASSERT_EQUAL(d.key.dport, 36425);
    CU_ASSERT_EQUAL(d.ip_wire_len, 80052);
    CU_ASSERT_EQUAL(d.l3_len, 80052);
    CU_ASSERT_EQUAL(d.payload_len, 80000);
    CU_ASSERT_EQUAL(d.payload_wire_len, 80000);
    CU_ASSERT_EQUAL(d.tcp_seq, 4155358606u);
    CU_ASSERT_EQUAL(d.tcp_ack, 17023525u);
    CU_ASSERT_EQUAL(st.c[RW_DEC_MAX_PKT_SIZE], 80066);

    /* the same frame cut to 65000 bytes on the wire: total length 0 is then just wrong */
    memset(&st, 0, sizeof(st));
    CU_ASSERT_EQUAL(decode_checked(&st, f.dlt, f.buf, 65000, 65000, &d), 0);
    CU_ASSERT_EQUAL(st.c[RW_DEC_EV_IPV4_IPLEN_SMALLER_THAN_HLEN], 1);
    frame_free(&f);
}

/* ip_fragmented_garbage.pcap: 1252 IPv4 packets, every one with MF set or a fragment offset
 * (tshark: 1244 MF+offset, 4 MF only, 4 offset only); 62584 bytes, largest 54. */
static void test_decode_ip_fragments_are_counted_not_decoded(void)
{
    struct rw_decode_stats st = {{0}};
    unsigned long ok = 0;

    RW_NEED_FILE(P "malformed/ip_fragmented_garbage.pcap");
    CU_ASSERT_EQUAL(decode_file(P "malformed/ip_fragmented_garbage.pcap", &st, count_ok, &ok),
                    1252);
    CU_ASSERT_EQUAL(ok, 0);
    expect_counters(&st, C(RW_DEC_ETHERNET, 1252), C(RW_DEC_IPV4, 1252),
                    C(RW_DEC_EV_IPV4_FRAG_IGNORED, 1252), END);
    CU_ASSERT_EQUAL(st.c[RW_DEC_PKTS], 1252);
    CU_ASSERT_EQUAL(st.c[RW_DEC_BYTES], 62584);
    CU_ASSERT_EQUAL(st.c[RW_DEC_MAX_PKT_SIZE], 54);
}

/* Every capture in malformed/ decodes without a crash; libpcap reads the number of packets
 * given here (tcpdump -r agrees; it stops at the corrupt record of the fuzz files), and
 * each packet is either a flow packet or counted under exactly one reason. */
static void test_decode_malformed_captures_all_counted(void)
{
    static const struct {
        const char *name;
        long pkts;
    } files[] = {
        {"bad_dns_udp_packets.pcap", 93},
        {"bigtcp_ipv4_80000B_single_segment.pcap", 1},
        {"empty_header_only.pcap", 0},
        {"fuzz_2006_bigendian_mixed_protocols.pcap", 691},
        {"fuzz_2006_http_post_mms.pcap", 131},
        {"fuzz_nsec_snaplen0_huge_caplen.pcap", 1}, /* caplen 197 of len 524501, then EOF */
        {"fuzz_record_huge_caplen.pcap", 1},
        {"ip_fragmented_garbage.pcap", 1252},
        {"smtp_xls_attachment_trailing_garbage_record.pcap", 18},
        {"snaplen_truncated_1MB_tcp_transfer.pcap", 878},
        {"trunc_hdr_caplen_gt_snaplen.pcap", 1},
    };
    char path[512];

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        struct rw_decode_stats st = {{0}};
        unsigned long ok = 0;
        long n;
        int len = snprintf(path, sizeof(path), P "malformed/%s", files[i].name);

        CU_ASSERT_FATAL(len > 0 && (size_t)len < sizeof(path));
        if (access(path, R_OK) != 0)
            fprintf(stderr, "\nMISSING required test input %s", path);
        CU_ASSERT_EQUAL_FATAL(access(path, R_OK), 0);
        n = decode_file(path, &st, count_ok, &ok);
        if (n != files[i].pkts)
            fprintf(stderr, "\n  %s: read %ld packets", files[i].name, n);
        CU_ASSERT_EQUAL(n, files[i].pkts);
        CU_ASSERT_EQUAL(st.c[RW_DEC_PKTS], (uint64_t)n);
        CU_ASSERT_EQUAL(ok + reasons(&st), (uint64_t)n);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* hand-built frames */

/* Ethernet, 802.1Q, IPv4, UDP. */
static const uint8_t vlan_udp[] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, /* dst, src MAC */
    0x81, 0x00, 0x20, 0x64,             /* 802.1Q: PCP 1, VID 100 */
    0x08, 0x00,                         /* IPv4 */
    0x45, 0x00, 0x00, 0x20,             /* v4, IHL 5, total length 32 */
    0x00, 0x01, 0x00, 0x00,             /* id 1, no fragment */
    0x40, 0x11, 0x00, 0x00,             /* TTL 64, UDP, checksum */
    0xc0, 0x00, 0x02, 0x01,             /* 192.0.2.1 */
    0xc0, 0x00, 0x02, 0x02,             /* 192.0.2.2 */
    0x14, 0xe9, 0x00, 0x35,             /* UDP 5353 -> 53 */
    0x00, 0x0c, 0x00, 0x00,             /* length 12, checksum */
    'd', 'a', 't', 'a',
};

static void test_decode_8021q_records_vlan(void)
{
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;

    CU_ASSERT_EQUAL_FATAL(decode_checked(&st, T_EN10MB, vlan_udp, sizeof(vlan_udp),
                                         sizeof(vlan_udp), &d), 1);
    CU_ASSERT_EQUAL(d.key.nvlan, 1);
    CU_ASSERT_EQUAL(d.key.vlan[0], 100);
    expect_addr(&d.key.src, "192.0.2.1");
    expect_addr(&d.key.dst, "192.0.2.2");
    CU_ASSERT_EQUAL(d.key.sport, 5353);
    CU_ASSERT_EQUAL(d.key.dport, 53);
    CU_ASSERT_EQUAL(d.key.proto, 17);
    CU_ASSERT_EQUAL(d.ip_wire_len, 32);
    CU_ASSERT_EQUAL(d.payload_len, 4);
    CU_ASSERT_EQUAL(memcmp(d.payload, "data", 4), 0);
    expect_counters(&st, C(RW_DEC_ETHERNET, 1), C(RW_DEC_VLAN, 1), C(RW_DEC_IPV4, 1),
                    C(RW_DEC_UDP, 1), END);
}

/* Ethernet, 802.1ad, 802.1Q, IPv4, ICMP echo request. */
static const uint8_t qinq_icmp[] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, /* MACs */
    0x88, 0xa8, 0x00, 0x0a,             /* 802.1ad S-tag: VID 10 */
    0x81, 0x00, 0x00, 0x14,             /* 802.1Q C-tag: VID 20 */
    0x08, 0x00,                         /* IPv4 */
    0x45, 0x00, 0x00, 0x1c,             /* total length 28 */
    0x00, 0x02, 0x40, 0x00,             /* id 2, DF */
    0x40, 0x01, 0x00, 0x00,             /* TTL 64, ICMP */
    0x0a, 0x00, 0x00, 0x01,             /* 10.0.0.1 */
    0x0a, 0x00, 0x00, 0x02,             /* 10.0.0.2 */
    0x08, 0x00, 0x00, 0x00,             /* echo request: type 8, code 0, checksum */
    0x00, 0x01, 0x00, 0x01,             /* id 1, seq 1 */
};

static void test_decode_qinq_records_both_vlans(void)
{
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;

    CU_ASSERT_EQUAL_FATAL(decode_checked(&st, T_EN10MB, qinq_icmp, sizeof(qinq_icmp),
                                         sizeof(qinq_icmp), &d), 1);
    CU_ASSERT_EQUAL(d.key.nvlan, 2);
    CU_ASSERT_EQUAL(d.key.vlan[0], 10);
    CU_ASSERT_EQUAL(d.key.vlan[1], 20);
    CU_ASSERT_EQUAL(d.key.proto, 1);
    CU_ASSERT_EQUAL(d.key.sport, 8); /* type */
    CU_ASSERT_EQUAL(d.key.dport, 0); /* code */
    CU_ASSERT_EQUAL(d.payload_len, 0);
    expect_counters(&st, C(RW_DEC_ETHERNET, 1), C(RW_DEC_VLAN, 1), C(RW_DEC_VLAN_QINQ, 1),
                    C(RW_DEC_IPV4, 1), C(RW_DEC_ICMPV4, 1), END);
}

/* Three tags (0x88a8 VID 1, 0x8100 VID 2, 0x9100 VID 3) then IPv4: one too many. */
static const uint8_t three_vlans[] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, /* MACs */
    0x88, 0xa8, 0x00, 0x01,             /* VID 1 */
    0x81, 0x00, 0x00, 0x02,             /* VID 2 */
    0x91, 0x00, 0x00, 0x03,             /* VID 3: the third tag */
    0x08, 0x00,                         /* IPv4 (never reached) */
    0x45, 0x00, 0x00, 0x14, 0, 0, 0, 0, 0x40, 0xff, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
};

static void test_decode_three_vlans_is_too_many_layers(void)
{
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;

    CU_ASSERT_EQUAL(decode_checked(&st, T_EN10MB, three_vlans, sizeof(three_vlans),
                                   sizeof(three_vlans), &d), 0);
    expect_counters(&st, C(RW_DEC_ETHERNET, 1), C(RW_DEC_VLAN, 1), C(RW_DEC_VLAN_QINQ, 1),
                    C(RW_DEC_EV_VLAN_TOO_MANY_LAYERS, 1), END);
}

/* BSD loopback, family AF_INET (2) little-endian, then network order (DLT_LOOP), then the
 * same IPv4 UDP packet; family 24 (OpenBSD AF_INET6) network order with an IPv6 packet; and
 * family 7, which is no IP. */
static void test_decode_bsd_null_both_byte_orders(void)
{
    static const uint8_t ipv4_udp[] = {
        0x45, 0x00, 0x00, 0x1c, 0, 0, 0, 0, 0x40, 0x11, 0, 0, /* 28 bytes, UDP */
        0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01,       /* 127.0.0.1 -> 127.0.0.1 */
        0x04, 0xd2, 0x16, 0x2e, 0x00, 0x08, 0x00, 0x00,       /* 1234 -> 5678, length 8 */
    };
    static const uint8_t ipv6_none[] = {
        0x60, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3b, 0x40,       /* plen 0, next 59, hlim 64 */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,       /* ::1 */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,       /* ::1 */
    };
    uint8_t buf[4 + sizeof(ipv6_none)];
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;

    memcpy(buf, "\x02\x00\x00\x00", 4); /* AF_INET, little-endian host order */
    memcpy(buf + 4, ipv4_udp, sizeof(ipv4_udp));
    CU_ASSERT_EQUAL(decode_checked(&st, T_NULL, buf, 4 + sizeof(ipv4_udp), 32, &d), 1);
    CU_ASSERT_EQUAL(d.key.sport, 1234);
    CU_ASSERT_EQUAL(d.key.dport, 5678);
    CU_ASSERT_EQUAL(d.payload_len, 0);
    memcpy(buf, "\x00\x00\x00\x02", 4); /* AF_INET, network order */
    CU_ASSERT_EQUAL(decode_checked(&st, T_LOOP, buf, 4 + sizeof(ipv4_udp), 32, &d), 1);
    expect_addr(&d.key.src, "127.0.0.1");
    CU_ASSERT_EQUAL(d.key.dport, 5678);
    memcpy(buf, "\x00\x00\x00\x18", 4); /* 24: AF_INET6 on OpenBSD, network order */
    memcpy(buf + 4, ipv6_none, sizeof(ipv6_none));
    CU_ASSERT_EQUAL(decode_checked(&st, T_NULL, buf, sizeof(buf), sizeof(buf), &d), 1);
    expect_addr(&d.key.dst, "::1");
    CU_ASSERT_EQUAL(d.key.proto, 59);
    CU_ASSERT_EQUAL(d.ip_wire_len, 40);
    memcpy(buf, "\x07\x00\x00\x00", 4); /* family 7: not IP */
    CU_ASSERT_EQUAL(decode_checked(&st, T_NULL, buf, sizeof(buf), sizeof(buf), &d), 0);
    CU_ASSERT_EQUAL(decode_checked(&st, T_NULL, buf, 3, 3, &d), 0);
    expect_counters(&st, C(RW_DEC_NULL, 5), C(RW_DEC_IPV4, 2), C(RW_DEC_UDP, 2),
                    C(RW_DEC_IPV6, 1), C(RW_DEC_EV_NULL_UNSUPPORTED_TYPE, 1),
                    C(RW_DEC_EV_NULL_PKT_TOO_SMALL, 1), END);
}

/* Ethernet, IPv4 with IHL 6 (router alert option), TCP SYN. */
static const uint8_t ipv4_opts_tcp[] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x08, 0x00,
    0x46, 0x00, 0x00, 0x2c,             /* v4, IHL 6 (24 bytes), total length 44 */
    0x00, 0x03, 0x40, 0x00,             /* id 3, DF */
    0x40, 0x06, 0x00, 0x00,             /* TTL 64, TCP */
    0xc0, 0x00, 0x02, 0x01,             /* 192.0.2.1 */
    0xc6, 0x33, 0x64, 0x02,             /* 198.51.100.2 */
    0x94, 0x04, 0x00, 0x00,             /* option 148 (router alert), length 4 */
    0xc3, 0x50, 0x01, 0xbb,             /* TCP 50000 -> 443 */
    0x00, 0x00, 0x03, 0xe8,             /* seq 1000 */
    0x00, 0x00, 0x00, 0x00,             /* ack 0 */
    0x50, 0x02, 0xff, 0xff,             /* header 20, SYN, window */
    0x00, 0x00, 0x00, 0x00,             /* checksum, urgent */
};

static void test_decode_ipv4_options_are_skipped(void)
{
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;
    uint8_t bad[sizeof(ipv4_opts_tcp)];

    CU_ASSERT_EQUAL_FATAL(decode_checked(&st, T_EN10MB, ipv4_opts_tcp, sizeof(ipv4_opts_tcp),
                                         sizeof(ipv4_opts_tcp), &d), 1);
    expect_addr(&d.key.dst, "198.51.100.2");
    CU_ASSERT_EQUAL(d.key.sport, 50000);
    CU_ASSERT_EQUAL(d.key.dport, 443);
    CU_ASSERT_EQUAL(d.tcp_seq, 1000);
    CU_ASSERT_EQUAL(d.tcp_flags, RW_TCP_SYN);
    CU_ASSERT_EQUAL(d.ip_wire_len, 44);
    CU_ASSERT_EQUAL(d.payload - ipv4_opts_tcp, 14 + 24 + 20);
    CU_ASSERT_EQUAL(d.payload_wire_len, 0);

    memcpy(bad, ipv4_opts_tcp, sizeof(bad));
    bad[35] = 0x05; /* option length 5 runs past the 24-byte header */
    CU_ASSERT_EQUAL(decode_checked(&st, T_EN10MB, bad, sizeof(bad), sizeof(bad), &d), 0);
    bad[35] = 0x01; /* option length 1 is below the minimum of 2 */
    CU_ASSERT_EQUAL(decode_checked(&st, T_EN10MB, bad, sizeof(bad), sizeof(bad), &d), 0);
    bad[34] = 0x01; /* NOP, NOP, EOL, EOL: fine */
    bad[35] = 0x01;
    CU_ASSERT_EQUAL(decode_checked(&st, T_EN10MB, bad, sizeof(bad), sizeof(bad), &d), 1);
    expect_counters(&st, C(RW_DEC_ETHERNET, 4), C(RW_DEC_IPV4, 4), C(RW_DEC_TCP, 2),
                    C(RW_DEC_EV_IPV4_OPT_INVALID_LEN, 2), END);
}

/* Ethernet, IPv6 with hop-by-hop, destination options and an atomic fragment header, TCP
 * with 4 bytes of payload. 102 bytes. */
static const uint8_t ipv6_ext_tcp[] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x86, 0xdd,
    0x60, 0x00, 0x00, 0x00,             /* v6 */
    0x00, 0x30, 0x00, 0x40,             /* payload length 48, next: hop-by-hop, hlim 64 */
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, /* 2001:db8::1 */
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, /* 2001:db8::2 */
    0x3c, 0x00, 0x01, 0x04, 0, 0, 0, 0, /* HBH: next dstopts (60), 8 bytes, PadN of 4 */
    0x2c, 0x00, 0x01, 0x04, 0, 0, 0, 0, /* dstopts: next fragment (44), 8 bytes, PadN 4 */
    0x06, 0x00, 0x00, 0x00,             /* fragment: next TCP, offset 0, M 0 (atomic) */
    0x00, 0x00, 0x12, 0x34,             /* identification */
    0x9c, 0x40, 0x00, 0x50,             /* TCP 40000 -> 80 */
    0x00, 0x00, 0x00, 0x64,             /* seq 100 */
    0x00, 0x00, 0x00, 0xc8,             /* ack 200 */
    0x50, 0x18, 0x01, 0x00,             /* header 20, PSH ACK */
    0x00, 0x00, 0x00, 0x00,
    'p', 'i', 'n', 'g',
};

static void test_decode_ipv6_extension_headers_walked(void)
{
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;
    uint8_t v[sizeof(ipv6_ext_tcp)];

    CU_ASSERT_EQUAL_FATAL(decode_checked(&st, T_EN10MB, ipv6_ext_tcp, sizeof(ipv6_ext_tcp),
                                         sizeof(ipv6_ext_tcp), &d), 1);
    expect_addr(&d.key.src, "2001:db8::1");
    expect_addr(&d.key.dst, "2001:db8::2");
    CU_ASSERT_EQUAL(d.key.proto, 6);
    CU_ASSERT_EQUAL(d.key.sport, 40000);
    CU_ASSERT_EQUAL(d.key.dport, 80);
    CU_ASSERT_EQUAL(d.tcp_seq, 100);
    CU_ASSERT_EQUAL(d.tcp_ack, 200);
    CU_ASSERT_EQUAL(d.ip_wire_len, 88);
    CU_ASSERT_EQUAL(d.l3_len, 88);
    CU_ASSERT_EQUAL(d.payload - ipv6_ext_tcp, 98);
    CU_ASSERT_EQUAL(d.payload_len, 4);
    CU_ASSERT_EQUAL(memcmp(d.payload, "ping", 4), 0);
    expect_counters(&st, C(RW_DEC_ETHERNET, 1), C(RW_DEC_IPV6, 1), C(RW_DEC_TCP, 1), END);

    memcpy(v, ipv6_ext_tcp, sizeof(v));
    v[73] = 0x01; /* M = 1: first fragment */
    memset(&st, 0, sizeof(st));
    CU_ASSERT_EQUAL(decode_checked(&st, T_EN10MB, v, sizeof(v), sizeof(v), &d), 0);
    CU_ASSERT_EQUAL(st.c[RW_DEC_EV_IPV6_FRAG_IGNORED], 1);
    v[72] = 0x01; /* offset 32, M = 1 */
    CU_ASSERT_EQUAL(decode_checked(&st, T_EN10MB, v, sizeof(v), sizeof(v), &d), 0);
    v[73] = 0x00; /* offset 32, last fragment */
    CU_ASSERT_EQUAL(decode_checked(&st, T_EN10MB, v, sizeof(v), sizeof(v), &d), 0);
    CU_ASSERT_EQUAL(st.c[RW_DEC_EV_IPV6_FRAG_IGNORED], 3);

    memcpy(v, ipv6_ext_tcp, sizeof(v));
    v[65] = 0x05; /* dstopts PadN length 5 overruns its 8-byte header */
    memset(&st, 0, sizeof(st));
    CU_ASSERT_EQUAL(decode_checked(&st, T_EN10MB, v, sizeof(v), sizeof(v), &d), 0);
    CU_ASSERT_EQUAL(st.c[RW_DEC_EV_IPV6_EXTHDR_INVALID_OPTLEN], 1);
}

/* 17 destination option headers in a row exceed RW_IPV6_MAX_EXT_HEADERS (16). */
static void test_decode_ipv6_too_many_extension_headers(void)
{
    enum { NEXT = 17 };
    uint8_t pkt[40 + NEXT * 8 + 8];
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;

    memset(pkt, 0, sizeof(pkt));
    pkt[0] = 0x60;
    pkt[4] = (uint8_t)((sizeof(pkt) - 40) >> 8);
    pkt[5] = (uint8_t)(sizeof(pkt) - 40);
    pkt[6] = 60;                               /* destination options */
    for (int i = 0; i < NEXT; i++)
        pkt[40 + i * 8] = i + 1 < NEXT ? 60 : 17; /* each 8 bytes of Pad1; the last -> UDP */
    pkt[40 + NEXT * 8 + 5] = 8;                /* UDP length 8 */
    CU_ASSERT_EQUAL(decode_checked(&st, 229, pkt, sizeof(pkt), sizeof(pkt), &d), 0);
    CU_ASSERT_EQUAL(st.c[RW_DEC_TOO_MANY_LAYERS], 1);
    /* with 16 it decodes */
    pkt[40 + 15 * 8] = 17;
    memmove(pkt + 40 + 16 * 8, pkt + 40 + NEXT * 8, 8);
    pkt[5] = (uint8_t)(16 * 8 + 8);
    CU_ASSERT_EQUAL(decode_checked(&st, 229, pkt, 40 + 16 * 8 + 8, 40 + 16 * 8 + 8, &d), 1);
    CU_ASSERT_EQUAL(d.key.proto, 17);
    CU_ASSERT_EQUAL(d.payload_wire_len, 0);
}

/* IEEE 802.11 (DLT 105): a 4-address QoS data frame with SNAP and IPv4 UDP decodes; a
 * beacon (management) does not. */
static void test_decode_80211_data_frames_only(void)
{
    static const uint8_t qos4[] = {
        0x88, 0x03,                         /* QoS data, ToDS + FromDS */
        0x00, 0x00,                         /* duration */
        1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, /* addr1..3 */
        0x10, 0x00,                         /* sequence 1, fragment 0 */
        4, 4, 4, 4, 4, 4,                   /* addr4 */
        0x00, 0x00,                         /* QoS control */
        0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00, /* SNAP, IPv4 */
        0x45, 0x00, 0x00, 0x1c, 0, 0, 0, 0, 0x40, 0x11, 0, 0, /* 28 bytes, UDP */
        10, 9, 8, 7, 10, 9, 8, 6,           /* 10.9.8.7 -> 10.9.8.6 */
        0x00, 0x43, 0x00, 0x44, 0x00, 0x08, 0x00, 0x00, /* 67 -> 68, length 8 */
    };
    static const uint8_t beacon[] = {
        0x80, 0x00, 0x00, 0x00,             /* management, beacon */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
        0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x64, 0x00, 0x01, 0x00,
    };
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;

    CU_ASSERT_EQUAL_FATAL(decode_checked(&st, T_IEEE802_11, qos4, sizeof(qos4), sizeof(qos4),
                                         &d), 1);
    expect_addr(&d.key.src, "10.9.8.7");
    CU_ASSERT_EQUAL(d.key.sport, 67);
    CU_ASSERT_EQUAL(d.key.dport, 68);
    CU_ASSERT_EQUAL(d.l3 - qos4, 24 + 6 + 2 + 8);
    CU_ASSERT_EQUAL(decode_checked(&st, T_IEEE802_11, beacon, sizeof(beacon), sizeof(beacon),
                                   &d), 0);
    expect_counters(&st, C(RW_DEC_IPV4, 1), C(RW_DEC_UDP, 1), C(RW_DEC_INVALID, 1), END);
}

/* Writes IPv4 header (20 bytes, no options) for a packet of total bytes and protocol. */
static void put_ipv4(uint8_t *p, size_t total, uint8_t proto, uint8_t last_octet)
{
    static const uint8_t h[20] = {0x45, 0, 0, 0, 0, 0, 0x40, 0, 0x40, 0, 0, 0,
                                  10, 0, 0, 1, 10, 0, 0, 0};

    memcpy(p, h, sizeof(h));
    p[2] = (uint8_t)(total >> 8);
    p[3] = (uint8_t)total;
    p[9] = proto;
    p[19] = last_octet;
}

/*
 * Raw IPv4 carrying GRE (flags 0xb000: checksum, key, sequence; 16-byte header) carrying
 * IPv4 ... nested `levels` times, then IPv4 UDP 1000 -> 2000 with 2 bytes. The innermost
 * destination is 10.0.0.<levels>. Returns the length.
 */
static size_t build_gre_nest(uint8_t *buf, size_t cap, int levels)
{
    size_t len = (size_t)levels * (20 + 16) + 20 + 8 + 2, off = 0;

    CU_ASSERT_FATAL(len <= cap);
    memset(buf, 0, len);
    for (int i = 0; i < levels; i++) {
        put_ipv4(buf + off, len - off, 47, (uint8_t)i);
        off += 20;
        buf[off] = 0xb0;                 /* C, K, S; version 0 */
        buf[off + 2] = 0x08;             /* protocol 0x0800 */
        off += 16;
    }
    put_ipv4(buf + off, len - off, 17, (uint8_t)levels);
    off += 20;
    buf[off] = 0x03;                     /* UDP 1000 -> 2000, length 10 */
    buf[off + 1] = 0xe8;
    buf[off + 2] = 0x07;
    buf[off + 3] = 0xd0;
    buf[off + 5] = 10;
    return len;
}

/* GRE with all optional fields decodes into its payload, RW_DECODE_MAX_ENCAP_DEPTH (4)
 * levels deep; one more is too_many_layers. */
static void test_decode_gre_nesting_bounded(void)
{
    uint8_t buf[512];
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;
    size_t len;

    len = build_gre_nest(buf, sizeof(buf), RW_DECODE_MAX_ENCAP_DEPTH);
    CU_ASSERT_EQUAL_FATAL(decode_checked(&st, T_RAW, buf, (uint32_t)len, (uint32_t)len, &d), 1);
    CU_ASSERT_EQUAL(d.key.dst.a[3], RW_DECODE_MAX_ENCAP_DEPTH);
    CU_ASSERT_EQUAL(d.key.sport, 1000);
    CU_ASSERT_EQUAL(d.key.dport, 2000);
    CU_ASSERT_EQUAL(d.ip_wire_len, 30);
    CU_ASSERT_EQUAL(d.payload_len, 2);
    expect_counters(&st, C(RW_DEC_RAW, 1), C(RW_DEC_IPV4, 5), C(RW_DEC_GRE, 4),
                    C(RW_DEC_UDP, 1), END);

    memset(&st, 0, sizeof(st));
    len = build_gre_nest(buf, sizeof(buf), RW_DECODE_MAX_ENCAP_DEPTH + 1);
    CU_ASSERT_EQUAL(decode_checked(&st, T_RAW, buf, (uint32_t)len, (uint32_t)len, &d), 0);
    CU_ASSERT_EQUAL(st.c[RW_DEC_TOO_MANY_LAYERS], 1);

    /* GRE version 1 (PPTP) stays a GRE flow packet of the outer addresses */
    len = build_gre_nest(buf, sizeof(buf), 1);
    buf[21] = 0x01;
    memset(&st, 0, sizeof(st));
    CU_ASSERT_EQUAL(decode_checked(&st, T_RAW, buf, (uint32_t)len, (uint32_t)len, &d), 1);
    CU_ASSERT_EQUAL(d.key.proto, 47);
    CU_ASSERT_EQUAL(d.key.dst.a[3], 0);
    CU_ASSERT_EQUAL(d.payload_wire_len, len - 20);
    /* version 2 is wrong; a recursion count or the routing bit in version 0 is refused */
    buf[21] = 0x02;
    CU_ASSERT_EQUAL(decode_checked(&st, T_RAW, buf, (uint32_t)len, (uint32_t)len, &d), 0);
    buf[21] = 0x00;
    buf[20] = 0xb1;
    CU_ASSERT_EQUAL(decode_checked(&st, T_RAW, buf, (uint32_t)len, (uint32_t)len, &d), 0);
    buf[20] = 0xf0;
    CU_ASSERT_EQUAL(decode_checked(&st, T_RAW, buf, (uint32_t)len, (uint32_t)len, &d), 0);
    /* the optional fields cut off by the capture */
    buf[20] = 0xb0;
    CU_ASSERT_EQUAL(decode_checked(&st, T_RAW, buf, 20 + 12, (uint32_t)len, &d), 0);
    expect_counters(&st, C(RW_DEC_RAW, 5), C(RW_DEC_IPV4, 5), C(RW_DEC_GRE, 5),
                    C(RW_DEC_EV_GRE_WRONG_VERSION, 1), C(RW_DEC_EV_GRE_VERSION0_RECUR, 1),
                    C(RW_DEC_EV_GRE_VERSION0_FLAGS, 1),
                    C(RW_DEC_EV_GRE_VERSION0_HDR_TOO_BIG, 1), END);
}

/* GRE transparent Ethernet bridging (0x6558): the inner Ethernet frame's IPv4 UDP is the
 * flow; its VLAN tag joins the key. */
static void test_decode_gre_teb_inner_ethernet(void)
{
    uint8_t buf[128];
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;
    size_t len = 20 + 4 + sizeof(vlan_udp);

    put_ipv4(buf, len, 47, 9);
    memcpy(buf + 20, "\x00\x00\x65\x58", 4); /* no optional fields, 0x6558 */
    memcpy(buf + 24, vlan_udp, sizeof(vlan_udp));
    CU_ASSERT_EQUAL_FATAL(decode_checked(&st, T_RAW, buf, (uint32_t)len, (uint32_t)len, &d), 1);
    expect_addr(&d.key.src, "192.0.2.1");
    CU_ASSERT_EQUAL(d.key.dport, 53);
    CU_ASSERT_EQUAL(d.key.nvlan, 1);
    CU_ASSERT_EQUAL(d.key.vlan[0], 100);
    CU_ASSERT_EQUAL(d.payload_len, 4);
    expect_counters(&st, C(RW_DEC_RAW, 1), C(RW_DEC_IPV4, 2), C(RW_DEC_GRE, 1),
                    C(RW_DEC_ETHERNET, 1), C(RW_DEC_VLAN, 1), C(RW_DEC_UDP, 1), END);
}

/* One bad header each; the named counter is the one bumped. */
static void test_decode_malformed_headers_name_their_reason(void)
{
    static const struct {
        const char *what;
        int dlt;
        int off;        /* byte of vlan_udp to change (-1: none) */
        uint8_t val;
        uint32_t caplen; /* 0: whole frame */
        enum rw_decode_counter want;
    } cases[] = {
        {"unknown ethertype 0x08cc", T_EN10MB, 17, 0xcc, 0, RW_DEC_UNKNOWN_ETHERTYPE},
        {"ARP", T_EN10MB, 17, 0x06, 0, RW_DEC_ARP},
        {"unsupported link type", 147, -1, 0, 0, RW_DEC_INVALID},
        {"IPv4 ethertype, version 6", T_EN10MB, 18, 0x65, 0, RW_DEC_EV_IPV4_WRONG_IP_VERSION},
        {"IHL 4", T_EN10MB, 18, 0x44, 0, RW_DEC_EV_IPV4_HLEN_TOO_SMALL},
        {"total length 10", T_EN10MB, 21, 0x0a, 0, RW_DEC_EV_IPV4_IPLEN_SMALLER_THAN_HLEN},
        {"total length 200 > frame", T_EN10MB, 21, 0xc8, 0, RW_DEC_EV_IPV4_TRUNC_PKT},
        {"IHL 15 > captured", T_EN10MB, 18, 0x4f, 0, RW_DEC_EV_IPV4_TRUNC_PKT},
        {"MF set", T_EN10MB, 24, 0x20, 0, RW_DEC_EV_IPV4_FRAG_IGNORED},
        {"offset 8", T_EN10MB, 25, 0x01, 0, RW_DEC_EV_IPV4_FRAG_IGNORED},
        {"UDP length 4", T_EN10MB, 43, 0x04, 0, RW_DEC_EV_UDP_HLEN_INVALID},
        {"UDP length 100", T_EN10MB, 43, 0x64, 0, RW_DEC_EV_UDP_LEN_INVALID},
        {"VLAN header cut", T_EN10MB, -1, 0, 16, RW_DEC_EV_VLAN_HEADER_TOO_SMALL},
        {"SLL too short", 113, -1, 0, 15, RW_DEC_EV_SLL_PKT_TOO_SMALL},
        {"SLL2 too short", T_SLL2, -1, 0, 19, RW_DEC_EV_SLL2_PKT_TOO_SMALL},
        {"raw, version 0", T_RAW, -1, 0, 0, RW_DEC_EV_IPRAW_INVALID_IP_VERSION},
        {"raw, empty", T_RAW, -1, 0, 0xffffffff, RW_DEC_EV_IPV4_PKT_TOO_SMALL},
        {"radiotap length past the capture", T_RADIO, -1, 0, 0, RW_DEC_INVALID},
        {"NFLOG without payload TLV", T_NFLOG, -1, 0, 12, RW_DEC_INVALID},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t buf[sizeof(vlan_udp)];
        uint32_t len = cases[i].caplen == 0 ? sizeof(buf) : cases[i].caplen;
        struct rw_decode_stats st = {{0}};
        struct rw_decoded d;

        memcpy(buf, vlan_udp, sizeof(buf));
        if (cases[i].off >= 0)
            buf[cases[i].off] = cases[i].val;
        if (cases[i].caplen == 0xffffffff)
            len = 0;
        if (cases[i].dlt == T_RAW && len != 0)
            buf[0] = 0x00; /* first nibble 0 */
        if (cases[i].dlt == T_RADIO)
            buf[2] = 99;   /* radiotap length 0x3363 > 50 captured; buf[0] is 0 already */
        if (cases[i].dlt == T_NFLOG)
            memcpy(buf, "\x02\x00\x00\x00\x08\x00\x01\x00", 8); /* AF_INET, 1 TLV: type 1,
                                                                  * 4 value bytes, 12 in all */
        CU_ASSERT_EQUAL(decode_checked(&st, cases[i].dlt, buf, len, len, &d), 0);
        if (st.c[cases[i].want] != 1)
            fprintf(stderr, "\n  case %s: %s not bumped", cases[i].what,
                    rw_decode_counter_path[cases[i].want]);
        CU_ASSERT_EQUAL(st.c[cases[i].want], 1);
    }
}

/* TCP header length checks: data offset 4 (16 bytes) is too small; data offset 15 (60
 * bytes) in a 44-byte IP packet is an invalid options length. */
static void test_decode_tcp_header_length_checks(void)
{
    uint8_t buf[sizeof(ipv4_opts_tcp)];
    struct rw_decode_stats st = {{0}};
    struct rw_decoded d;

    memcpy(buf, ipv4_opts_tcp, sizeof(buf));
    buf[50] = 0x40;
    CU_ASSERT_EQUAL(decode_checked(&st, T_EN10MB, buf, sizeof(buf), sizeof(buf), &d), 0);
    buf[50] = 0xf0;
    CU_ASSERT_EQUAL(decode_checked(&st, T_EN10MB, buf, sizeof(buf), sizeof(buf), &d), 0);
    expect_counters(&st, C(RW_DEC_ETHERNET, 2), C(RW_DEC_IPV4, 2), C(RW_DEC_TCP, 2),
                    C(RW_DEC_EV_TCP_HLEN_TOO_SMALL, 1), C(RW_DEC_EV_TCP_INVALID_OPTLEN, 1), END);
}

/* Ethernet, IPv4, TCP with 4 bytes of payload ("abcd"): 58 bytes. */
static const uint8_t eth_ipv4_tcp[] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x2c,             /* total length 44 */
    0x00, 0x01, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
    0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x02, /* 192.0.2.1 -> 198.51.100.2 */
    0x30, 0x39, 0x00, 0x50,             /* 12345 -> 80 */
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, /* seq 1, ack 2 */
    0x50, 0x18, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, /* header 20, PSH ACK */
    'a', 'b', 'c', 'd',
};

/*
 * Cuts both frames at every length. With the wire length equal to the cut (a truncated
 * packet) and with the full wire length (snaplen), each length gives exactly the expected
 * outcome; decode_checked asserts one reason per drop and in-bounds pointers, and the
 * exact-size copies let ASan catch any read past the cut.
 */
static void test_decode_truncation_sweep(void)
{
    struct rw_decode_stats st;
    struct rw_decoded d;
    uint32_t n, full4 = sizeof(eth_ipv4_tcp), full6 = sizeof(ipv6_ext_tcp);
    int r;

    for (n = 0; n <= full4; n++) {
        enum rw_decode_counter want;

        /* truncated on the wire */
        memset(&st, 0, sizeof(st));
        r = decode_checked(&st, T_EN10MB, eth_ipv4_tcp, n, n, &d);
        want = n < 14 ? RW_DEC_EV_ETH_PKT_TOO_SMALL
               : n < 34 ? RW_DEC_EV_IPV4_PKT_TOO_SMALL
               : RW_DEC_EV_IPV4_TRUNC_PKT;
        if (n == full4) {
            CU_ASSERT_EQUAL(r, 1);
        } else {
            CU_ASSERT_EQUAL(r, 0);
            CU_ASSERT_EQUAL(st.c[want], 1);
        }
        /* cut by the snaplen: the headers still tell the lengths */
        memset(&st, 0, sizeof(st));
        r = decode_checked(&st, T_EN10MB, eth_ipv4_tcp, n, full4, &d);
        want = n < 14 ? RW_DEC_EV_ETH_PKT_TOO_SMALL
               : n < 34 ? RW_DEC_EV_IPV4_PKT_TOO_SMALL
               : RW_DEC_EV_TCP_PKT_TOO_SMALL;
        if (n >= 54) {
            CU_ASSERT_EQUAL(r, 1);
            CU_ASSERT_EQUAL(d.ip_wire_len, 44);
            CU_ASSERT_EQUAL(d.l3_len, n - 14);
            CU_ASSERT_EQUAL(d.payload_len, n - 54);
            CU_ASSERT_EQUAL(d.payload_wire_len, 4);
            CU_ASSERT_EQUAL(d.tcp_seq, 1);
        } else {
            CU_ASSERT_EQUAL(r, 0);
            CU_ASSERT_EQUAL(st.c[want], 1);
        }
    }
    for (n = 0; n <= full6; n++) {
        enum rw_decode_counter want;

        memset(&st, 0, sizeof(st));
        r = decode_checked(&st, T_EN10MB, ipv6_ext_tcp, n, n, &d);
        want = n < 14 ? RW_DEC_EV_ETH_PKT_TOO_SMALL
               : n < 54 ? RW_DEC_EV_IPV6_PKT_TOO_SMALL
               : RW_DEC_EV_IPV6_TRUNC_PKT;
        if (n == full6) {
            CU_ASSERT_EQUAL(r, 1);
        } else {
            CU_ASSERT_EQUAL(r, 0);
            CU_ASSERT_EQUAL(st.c[want], 1);
        }
        memset(&st, 0, sizeof(st));
        r = decode_checked(&st, T_EN10MB, ipv6_ext_tcp, n, full6, &d);
        want = n < 14 ? RW_DEC_EV_ETH_PKT_TOO_SMALL
               : n < 54 ? RW_DEC_EV_IPV6_PKT_TOO_SMALL
               : n < 78 ? RW_DEC_EV_IPV6_TRUNC_EXTHDR
               : RW_DEC_EV_TCP_PKT_TOO_SMALL;
        if (n >= 98) {
            CU_ASSERT_EQUAL(r, 1);
            CU_ASSERT_EQUAL(d.ip_wire_len, 88);
            CU_ASSERT_EQUAL(d.payload_len, n - 98);
            CU_ASSERT_EQUAL(d.payload_wire_len, 4);
        } else {
            CU_ASSERT_EQUAL(r, 0);
            if (st.c[want] != 1)
                fprintf(stderr, "\n  IPv6 cut at %u: %s not bumped", n,
                        rw_decode_counter_path[want]);
            CU_ASSERT_EQUAL(st.c[want], 1);
        }
    }
}

/* Every frame of the captures with other link types, cut at every length up to 128 bytes
 * with the full wire length kept: nothing is read past the cut (ASan) and every drop has one
 * reason (decode_checked). */
static void test_decode_truncation_sweep_other_linktypes(void)
{
    static const char *const files[] = {
        P "format_linktype/dlt_nflog_http.pcap",
        P "format_linktype/radiotap_80211_http_post.pcap",
        P "format_linktype/vxlan_encapsulated_http_svg.pcap",
        P "format_linktype/gre_aruba_80211_http_downloads.pcap",
        P "http_upload/http_post_mattermost_api_upload_eicar_ipv6.pcap",
        P "media_download/http_2.6MB_binary_download_sll2.pcap",
    };

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        struct rw_decode_stats st = {{0}};
        struct rw_decoded d;
        struct frame f;
        unsigned long ok = 0;

        CU_ASSERT_EQUAL_FATAL(access(files[i], R_OK), 0);
        CU_ASSERT_EQUAL_FATAL(frame_load(files[i], 1, &f), 0);
        for (uint32_t n = 0; n <= f.caplen && n <= 128; n++)
            ok += (unsigned long)decode_checked(&st, f.dlt, f.buf, n, f.wirelen, &d);
        /* the first frame decodes once its headers are all captured */
        CU_ASSERT(ok > 0);
        frame_free(&f);
    }
}

static CU_TestInfo rw_decode_tests[] = {
    {"test_decode_counter_paths_exist_in_eve_schema",
     test_decode_counter_paths_exist_in_eve_schema},
    {"test_decode_linktypes_supported_are_exactly_the_listed",
     test_decode_linktypes_supported_are_exactly_the_listed},
    {"test_decode_ethernet_ipv4_tcp_capture_fields", test_decode_ethernet_ipv4_tcp_capture_fields},
    {"test_decode_ethernet_padding_is_not_payload", test_decode_ethernet_padding_is_not_payload},
    {"test_decode_null_ipv6_tcp_capture", test_decode_null_ipv6_tcp_capture},
    {"test_decode_sll2_capture", test_decode_sll2_capture},
    {"test_decode_raw_ipv4_udp_capture", test_decode_raw_ipv4_udp_capture},
    {"test_decode_nflog_capture", test_decode_nflog_capture},
    {"test_decode_radiotap_80211_capture", test_decode_radiotap_80211_capture},
    {"test_decode_vxlan_capture_gives_inner_flow", test_decode_vxlan_capture_gives_inner_flow},
    {"test_decode_gre_aruba_capture_gives_inner_flow",
     test_decode_gre_aruba_capture_gives_inner_flow},
    {"test_decode_snaplen_truncated_keeps_wire_lengths",
     test_decode_snaplen_truncated_keeps_wire_lengths},
    {"test_decode_bigtcp_length_from_frame", test_decode_bigtcp_length_from_frame},
    {"test_decode_ip_fragments_are_counted_not_decoded",
     test_decode_ip_fragments_are_counted_not_decoded},
    {"test_decode_malformed_captures_all_counted", test_decode_malformed_captures_all_counted},
    {"test_decode_8021q_records_vlan", test_decode_8021q_records_vlan},
    {"test_decode_qinq_records_both_vlans", test_decode_qinq_records_both_vlans},
    {"test_decode_three_vlans_is_too_many_layers", test_decode_three_vlans_is_too_many_layers},
    {"test_decode_bsd_null_both_byte_orders", test_decode_bsd_null_both_byte_orders},
    {"test_decode_ipv4_options_are_skipped", test_decode_ipv4_options_are_skipped},
    {"test_decode_ipv6_extension_headers_walked", test_decode_ipv6_extension_headers_walked},
    {"test_decode_ipv6_too_many_extension_headers", test_decode_ipv6_too_many_extension_headers},
    {"test_decode_80211_data_frames_only", test_decode_80211_data_frames_only},
    {"test_decode_gre_nesting_bounded", test_decode_gre_nesting_bounded},
    {"test_decode_gre_teb_inner_ethernet", test_decode_gre_teb_inner_ethernet},
    {"test_decode_malformed_headers_name_their_reason",
     test_decode_malformed_headers_name_their_reason},
    {"test_decode_tcp_header_length_checks", test_decode_tcp_header_length_checks},
    {"test_decode_truncation_sweep", test_decode_truncation_sweep},
    {"test_decode_truncation_sweep_other_linktypes", test_decode_truncation_sweep_other_linktypes},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rw_suites_decode[] = {
    {"decode", NULL, NULL, NULL, NULL, rw_decode_tests},
    CU_SUITE_INFO_NULL,
};
