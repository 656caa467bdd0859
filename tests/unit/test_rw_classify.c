/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_rw_classify.c — the nDPI wrapper on real captures, budgets, OOM and hostile input. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rw.h"
#include "rw_classify.h"
#include "rw_test.h"

/* Private to rw_classify.c, visible in test builds (RW_TESTABLE). */
int rw__classify_ready(const struct rw_classify *c);
uint64_t rw__classify_fed(const struct rw_classify *c);

#define PCAPS RW_TEST_PCAPS

/* One flow of a capture, either direction: the 5-tuple the test feeds. */
struct tc_sel {
    uint8_t proto;
    uint8_t family; /* 4 or 6 */
    uint8_t a[16], b[16];
    uint16_t pa, pb;
};

/* What the parser found in one captured packet. */
struct tc_pkt {
    uint8_t proto;
    uint8_t family;
    uint8_t src[16], dst[16];
    uint16_t sport, dport;
    uint32_t l3_len; /* captured bytes from the IP header, clamped to the IP length */
};

/* What feeding one flow of a capture did. */
struct tc_run {
    int matched;           /* packets of the flow in the capture (all were fed) */
    int done_at;           /* 1-based packet whose rw_classify_packet first returned 1 */
    int freed_when_done;   /* cf->ndpi was NULL right after that call */
    int nonzero_after_done; /* calls after done that returned anything but 1 */
};

static void tc_sel_make(struct tc_sel *s, uint8_t proto, const char *a, uint16_t pa,
                        const char *b, uint16_t pb)
{
    int af = strchr(a, ':') != NULL ? AF_INET6 : AF_INET;

    memset(s, 0, sizeof(*s));
    s->proto = proto;
    s->family = af == AF_INET6 ? 6 : 4;
    CU_ASSERT_EQUAL_FATAL(inet_pton(af, a, s->a), 1);
    CU_ASSERT_EQUAL_FATAL(inet_pton(af, b, s->b), 1);
    s->pa = pa;
    s->pb = pb;
}

/*
 * A copy of n bytes that ends exactly where a PROT_NONE page begins: a read past the end
 * faults at once, even inside libndpi, which ASan does not instrument.
 */
struct tc_guarded {
    uint8_t *map;
    size_t maplen;
    uint8_t *p;
};

static uint8_t *tc_guarded_new(struct tc_guarded *g, const uint8_t *src, size_t n)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    size_t data = (n + pg - 1) / pg * pg;

    g->maplen = data + pg;
    g->map = mmap(NULL, g->maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CU_ASSERT_FATAL(g->map != MAP_FAILED);
    CU_ASSERT_EQUAL_FATAL(mprotect(g->map + data, pg, PROT_NONE), 0);
    g->p = g->map + data - n;
    if (n > 0)
        memcpy(g->p, src, n);
    return g->p;
}

static void tc_guarded_free(struct tc_guarded *g)
{
    munmap(g->map, g->maplen);
    memset(g, 0, sizeof(*g));
}

/* Offset of the IP header behind the link layer, or -1 when the frame carries no IP. */
static int tc_l3_offset(int dlt, const uint8_t *pkt, uint32_t caplen, uint32_t *off)
{
    struct rw_cur c;
    uint16_t et = 0;

    rw_cur_init(&c, pkt, caplen);
    switch (dlt) {
    case DLT_EN10MB:
        /* dst MAC (6), src MAC (6), EtherType (2); each 802.1Q/802.1ad tag adds 4 bytes */
        if (rw_cur_skip(&c, 12) != 0 || rw_rd_u16be(&c, &et) != 0)
            return -1;
        for (int tags = 0; (et == 0x8100 || et == 0x88a8) && tags < RW_VLAN_MAX_LAYERS; tags++) {
            if (rw_cur_skip(&c, 2) != 0 || rw_rd_u16be(&c, &et) != 0)
                return -1;
        }
        break;
    case DLT_LINUX_SLL2:
        /* protocol (2), reserved (2), ifindex (4), ARPHRD (2), type (1), addr len (1),
         * addr (8): 20 bytes */
        if (rw_rd_u16be(&c, &et) != 0 || rw_cur_skip(&c, 18) != 0)
            return -1;
        break;
    case DLT_LINUX_SLL:
        /* type (2), ARPHRD (2), addr len (2), addr (8), protocol (2): 16 bytes */
        if (rw_cur_skip(&c, 14) != 0 || rw_rd_u16be(&c, &et) != 0)
            return -1;
        break;
    case DLT_RAW:
        *off = 0;
        return 0;
    case DLT_NULL:
        /* 4-byte address family in the writer's byte order, then IPv4 or IPv6 */
        if (rw_cur_skip(&c, 4) != 0)
            return -1;
        *off = 4;
        return 0;
    default:
        return -1;
    }
    if (et != 0x0800 && et != 0x86dd)
        return -1;
    *off = (uint32_t)(c.p - pkt);
    return 0;
}

/* Reads the IPv4 (RFC 791) or IPv6 (RFC 8200, no extension headers) header and the ports. */
static int tc_parse_ip(const uint8_t *l3, uint32_t caplen, struct tc_pkt *p)
{
    struct rw_cur c;
    uint8_t vihl;
    uint16_t len16;
    uint32_t l4off, iplen;

    memset(p, 0, sizeof(*p));
    rw_cur_init(&c, l3, caplen);
    if (rw_rd_u8(&c, &vihl) != 0)
        return -1;
    if (vihl >> 4 == 4) {
        /* ver/ihl, tos, total length, id, flags/fragment, ttl, protocol, checksum, src, dst */
        if (rw_cur_skip(&c, 1) != 0 || rw_rd_u16be(&c, &len16) != 0 || rw_cur_skip(&c, 5) != 0 ||
            rw_rd_u8(&c, &p->proto) != 0 || rw_cur_skip(&c, 2) != 0 ||
            rw_rd_bytes(&c, p->src, 4) != 0 || rw_rd_bytes(&c, p->dst, 4) != 0)
            return -1;
        p->family = 4;
        l4off = (uint32_t)(vihl & 0x0f) * 4;
        iplen = len16;
    } else if (vihl >> 4 == 6) {
        /* ver/class/label (4), payload length (2), next header (1), hop limit (1), src, dst */
        if (rw_cur_skip(&c, 3) != 0 || rw_rd_u16be(&c, &len16) != 0 ||
            rw_rd_u8(&c, &p->proto) != 0 || rw_cur_skip(&c, 1) != 0 ||
            rw_rd_bytes(&c, p->src, 16) != 0 || rw_rd_bytes(&c, p->dst, 16) != 0)
            return -1;
        p->family = 6;
        l4off = 40;
        iplen = 40u + len16;
    } else {
        return -1;
    }
    p->l3_len = iplen >= 20 && iplen < caplen ? iplen : caplen;
    if (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP) {
        rw_cur_init(&c, l3, p->l3_len);
        if (rw_cur_skip(&c, l4off) != 0 || rw_rd_u16be(&c, &p->sport) != 0 ||
            rw_rd_u16be(&c, &p->dport) != 0)
            return -1;
    }
    return 0;
}

static int tc_matches(const struct tc_sel *s, const struct tc_pkt *p)
{
    size_t n = s->family == 6 ? 16 : 4;

    if (p->proto != s->proto || p->family != s->family)
        return 0;
    if (memcmp(p->src, s->a, n) == 0 && memcmp(p->dst, s->b, n) == 0 && p->sport == s->pa &&
        p->dport == s->pb)
        return 1;
    return memcmp(p->src, s->b, n) == 0 && memcmp(p->dst, s->a, n) == 0 &&
           p->sport == s->pb && p->dport == s->pa;
}

/*
 * Feeds every packet of one flow of a capture to rw_classify_packet (after done as well,
 * to check that those are ignored). Each packet is copied into a guarded buffer of
 * exactly l3_len bytes, so any read past what we hand nDPI faults. The capture's link
 * type must be expected_dlt.
 */
static void tc_run_flow(struct rw_classify *c, struct rw_cls_flow *cf, const char *path,
                        int expected_dlt, const struct tc_sel *sel, struct tc_run *run)
{
    char err[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *h;
    const u_char *d;
    pcap_t *pc;
    int dlt;

    memset(run, 0, sizeof(*run));
    pc = pcap_open_offline(path, err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pc);
    dlt = pcap_datalink(pc);
    CU_ASSERT_EQUAL(dlt, expected_dlt);
    while (pcap_next_ex(pc, &h, &d) == 1) {
        struct tc_guarded g;
        struct tc_pkt p;
        uint32_t off;
        int rc;

        if (tc_l3_offset(dlt, d, h->caplen, &off) != 0 ||
            tc_parse_ip(d + off, h->caplen - off, &p) != 0 || !tc_matches(sel, &p))
            continue;
        run->matched++;
        rc = rw_classify_packet(c, cf, tc_guarded_new(&g, d + off, p.l3_len), p.l3_len,
                                (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec);
        tc_guarded_free(&g);
        if (run->done_at != 0) {
            if (rc != 1)
                run->nonzero_after_done++;
        } else if (rc == 1) {
            run->done_at = run->matched;
            run->freed_when_done = cf->ndpi == NULL;
        }
    }
    pcap_close(pc);
}

/* Asserts the risk names of r, lowest bit first, exactly. */
static void tc_assert_risks(const struct rw_cls_result *r, const char *const *want, size_t nwant)
{
    const char *names[RW_RISKS_MAX];
    size_t n = rw_classify_risk_names(r->risk, names, RW_RISKS_MAX);

    CU_ASSERT_EQUAL(n, nwant);
    for (size_t i = 0; i < n && i < nwant; i++)
        CU_ASSERT_STRING_EQUAL(names[i], want[i]);
}

/* The flow's result (rw_classify_result), short for the many checks below. */
static const struct rw_cls_result *tc_r(const struct rw_cls_flow *cf)
{
    return rw_classify_result(cf);
}

static struct rw_classify *tc_new(void)
{
    struct rw_classify *c = rw_classify_new();

    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    return c;
}

static void test_classify_tls_firefox_is_tls_ntop_after_7_packets(void)
{
    const char *path = PCAPS "tls_quic/tls_firefox_download_406KB.pcap";
    struct rw_classify *c;
    struct rw_cls_flow cf;
    struct rw_cls_result before;
    struct tc_sel sel;
    struct tc_run run;

    RW_NEED_FILE(path);
    c = tc_new();
    tc_sel_make(&sel, IPPROTO_TCP, "192.168.1.13", 53096, "178.62.197.130", 443);
    CU_ASSERT_EQUAL(rw_classify_flow_init(c, &cf, IPPROTO_TCP), 0);
    CU_ASSERT_PTR_NOT_NULL(cf.ndpi);
    CU_ASSERT_EQUAL(tc_r(&cf)->done, 0);
    tc_run_flow(c, &cf, path, DLT_EN10MB, &sel, &run);
    /* SYN, SYN/ACK, ACK, ClientHello, ACK, ServerHello..., Certificate: done at 7, as
     * ndpiReader -v 2 reports ("DPI Packets (TCP): 7"); the other 660 are ignored. */
    CU_ASSERT_EQUAL(run.matched, 667);
    CU_ASSERT_EQUAL(run.done_at, 7);
    CU_ASSERT_EQUAL(run.freed_when_done, 1);
    CU_ASSERT_EQUAL(run.nonzero_after_done, 0);
    CU_ASSERT_EQUAL(cf.pkts, 7);
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->proto, "TLS.ntop");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->app_proto, "tls");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->category, "Network");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->host, "www.ntop.org");
    CU_ASSERT_EQUAL(tc_r(&cf)->master_id, 91); /* NDPI_PROTOCOL_TLS */
    CU_ASSERT_EQUAL(tc_r(&cf)->app_id, 26);    /* NDPI_PROTOCOL_NTOP */
    CU_ASSERT_EQUAL(tc_r(&cf)->risk, 0);
    CU_ASSERT_EQUAL(tc_r(&cf)->guessed, 0);
    CU_ASSERT_EQUAL(tc_r(&cf)->done, 1);
    /* finish after done changes nothing */
    before = *tc_r(&cf);
    rw_classify_flow_finish(c, &cf);
    CU_ASSERT_EQUAL(memcmp(&before, tc_r(&cf), sizeof(before)), 0);
    CU_ASSERT_PTR_NULL(cf.ndpi);
    rw_classify_flow_cleanup(&cf);
    rw_classify_free(&c);
    CU_ASSERT_PTR_NULL(c);
}

static void test_classify_http_mp4_keeps_host_after_response(void)
{
    const char *path = PCAPS "media_download/http_mp4_download_tiny.pcap";
    struct rw_classify *c;
    struct rw_cls_flow cf;
    struct tc_sel sel;
    struct tc_run run;

    RW_NEED_FILE(path);
    c = tc_new();
    tc_sel_make(&sel, IPPROTO_TCP, "192.168.1.44", 58068, "127.0.0.1", 80);
    CU_ASSERT_EQUAL(rw_classify_flow_init(c, &cf, IPPROTO_TCP), 0);
    tc_run_flow(c, &cf, path, DLT_EN10MB, &sel, &run);
    /* HTTP waits for the response status line: packet 6 is "HTTP/1.1 200 OK" */
    CU_ASSERT_EQUAL(run.matched, 10);
    CU_ASSERT_EQUAL(run.done_at, 6);
    CU_ASSERT_EQUAL(run.freed_when_done, 1);
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->proto, "HTTP");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->app_proto, "http");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->category, "Media");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->host, "ev0lve.org");
    CU_ASSERT_EQUAL(tc_r(&cf)->master_id, 0);
    CU_ASSERT_EQUAL(tc_r(&cf)->app_id, 7); /* NDPI_PROTOCOL_HTTP */
    CU_ASSERT_EQUAL(tc_r(&cf)->risk, 0);
    CU_ASSERT_EQUAL(tc_r(&cf)->guessed, 0);
    rw_classify_flow_cleanup(&cf);
    rw_classify_free(&c);
}

static void test_classify_dns_query_alone_needs_finish(void)
{
    const char *path = PCAPS "format_linktype/dlt_raw_ipv4_dns.pcap";
    struct rw_classify *c;
    struct rw_cls_flow cf;
    struct rw_cls_result before;
    struct tc_sel sel;
    struct tc_run run;

    RW_NEED_FILE(path);
    c = tc_new();
    tc_sel_make(&sel, IPPROTO_UDP, "192.168.1.100", 12345, "9.9.9.9", 53);
    CU_ASSERT_EQUAL(rw_classify_flow_init(c, &cf, IPPROTO_UDP), 0);
    tc_run_flow(c, &cf, path, DLT_RAW, &sel, &run);
    /* nDPI knows DNS after the query but wants the answer: still running */
    CU_ASSERT_EQUAL(run.matched, 1);
    CU_ASSERT_EQUAL(run.done_at, 0);
    CU_ASSERT_PTR_NOT_NULL(cf.ndpi);
    CU_ASSERT_EQUAL(tc_r(&cf)->done, 0);
    rw_classify_flow_finish(c, &cf);
    CU_ASSERT_PTR_NULL(cf.ndpi);
    CU_ASSERT_EQUAL(tc_r(&cf)->done, 1);
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->proto, "DNS");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->app_proto, "dns");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->category, "Network");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->host, "example.com");
    CU_ASSERT_EQUAL(tc_r(&cf)->app_id, 5); /* NDPI_PROTOCOL_DNS */
    CU_ASSERT_EQUAL(tc_r(&cf)->guessed, 0); /* detected by DPI, not guessed */
    before = *tc_r(&cf);
    rw_classify_flow_finish(c, &cf); /* safe to call twice */
    CU_ASSERT_EQUAL(memcmp(&before, tc_r(&cf), sizeof(before)), 0);
    rw_classify_flow_cleanup(&cf);
    rw_classify_free(&c);
}

static void test_classify_ssh_reports_obsolete_versions(void)
{
    const char *path = PCAPS "ssh_sftp/ssh_bulk_download_2x535KB.pcap";
    const char *const risks[] = {"SSH Obsolete Client Version/Cipher",
                                 "SSH Obsolete Server Version/Cipher"};
    struct rw_classify *c;
    struct rw_cls_flow cf;
    struct tc_sel sel;
    struct tc_run run;

    RW_NEED_FILE(path);
    c = tc_new();
    tc_sel_make(&sel, IPPROTO_TCP, "192.168.1.32", 58649, "131.103.20.168", 22);
    CU_ASSERT_EQUAL(rw_classify_flow_init(c, &cf, IPPROTO_TCP), 0);
    tc_run_flow(c, &cf, path, DLT_EN10MB, &sel, &run);
    /* done once both banners and both KEXINITs (HASSH client and server) are seen */
    CU_ASSERT_EQUAL(run.matched, 419);
    CU_ASSERT_EQUAL(run.done_at, 10);
    CU_ASSERT_EQUAL(run.freed_when_done, 1);
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->proto, "SSH");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->app_proto, "ssh");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->category, "RemoteAccess");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->host, ""); /* an SSH banner is not a host name */
    tc_assert_risks(tc_r(&cf), risks, 2);
    CU_ASSERT_EQUAL(tc_r(&cf)->guessed, 0);
    rw_classify_flow_cleanup(&cf);
    rw_classify_free(&c);
}

static void test_classify_ftp_control_flags_cleartext_credentials(void)
{
    const char *path = PCAPS "ftp/ftp_pasv_stor_small.pcap";
    const char *const risks[] = {"Unsafe Protocol", "Clear-Text Credentials"};
    struct rw_classify *c;
    struct rw_cls_flow cf;
    struct tc_sel sel;
    struct tc_run run;

    RW_NEED_FILE(path);
    c = tc_new();
    tc_sel_make(&sel, IPPROTO_TCP, "172.23.0.3", 43234, "172.23.0.2", 21);
    CU_ASSERT_EQUAL(rw_classify_flow_init(c, &cf, IPPROTO_TCP), 0);
    tc_run_flow(c, &cf, path, DLT_EN10MB, &sel, &run);
    /* FTP waits for the password: packet 9 is PASS, packet 10 its "230" reply */
    CU_ASSERT_EQUAL(run.matched, 39);
    CU_ASSERT_EQUAL(run.done_at, 10);
    CU_ASSERT_EQUAL(run.freed_when_done, 1);
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->proto, "FTP_CONTROL");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->app_proto, "ftp");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->category, "Download");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->host, "");
    tc_assert_risks(tc_r(&cf), risks, 2);
    CU_ASSERT_EQUAL(tc_r(&cf)->guessed, 0);
    rw_classify_flow_cleanup(&cf);
    rw_classify_free(&c);
}

static void test_classify_smb2_over_netbios_session_is_smb(void)
{
    const char *path = PCAPS "smb/smb2_read_payroll_xlsx.pcap";
    struct rw_classify *c;
    struct rw_cls_flow cf;
    struct tc_sel sel;
    struct tc_run run;

    RW_NEED_FILE(path);
    c = tc_new();
    tc_sel_make(&sel, IPPROTO_TCP, "192.168.1.78", 55770, "192.168.1.53", 445);
    CU_ASSERT_EQUAL(rw_classify_flow_init(c, &cf, IPPROTO_TCP), 0);
    tc_run_flow(c, &cf, path, DLT_EN10MB, &sel, &run);
    /* the capture starts mid-session: the first packet already carries SMB2 */
    CU_ASSERT_EQUAL(run.matched, 36);
    CU_ASSERT_EQUAL(run.done_at, 1);
    CU_ASSERT_EQUAL(run.freed_when_done, 1);
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->proto, "NetBIOS.SMBv23");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->app_proto, "smb"); /* the app protocol wins over NetBIOS */
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->category, "System");
    CU_ASSERT_EQUAL(tc_r(&cf)->master_id, 10); /* NDPI_PROTOCOL_NETBIOS */
    CU_ASSERT_EQUAL(tc_r(&cf)->app_id, 41);    /* NDPI_PROTOCOL_SMBV23 */
    CU_ASSERT_EQUAL(tc_r(&cf)->risk, 0);
    rw_classify_flow_cleanup(&cf);
    rw_classify_free(&c);
}

static void test_classify_exe_download_risks_binary_transfer(void)
{
    const char *path = PCAPS "media_download/http_exe_disguised_as_png_download.pcap";
    const char *const risks[] = {"Binary Application Transfer", "HTTP Numeric IP Address"};
    struct rw_classify *c;
    struct rw_cls_flow cf;
    struct tc_sel sel;
    struct tc_run run;

    RW_NEED_FILE(path);
    c = tc_new();
    tc_sel_make(&sel, IPPROTO_TCP, "10.9.25.101", 49197, "185.98.87.185", 80);
    CU_ASSERT_EQUAL(rw_classify_flow_init(c, &cf, IPPROTO_TCP), 0);
    tc_run_flow(c, &cf, path, DLT_EN10MB, &sel, &run);
    CU_ASSERT_EQUAL(run.matched, 100);
    CU_ASSERT_EQUAL(run.done_at, 6);
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->proto, "HTTP");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->app_proto, "http");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->host, "185.98.87.185");
    CU_ASSERT_EQUAL(tc_r(&cf)->risk, (1ULL << 4) | (1ULL << 12));
    tc_assert_risks(tc_r(&cf), risks, 2);
    rw_classify_flow_cleanup(&cf);
    rw_classify_free(&c);
}

static void test_classify_http_to_ssh_port_is_http_under_ssh_master(void)
{
    const char *path = PCAPS "format_linktype/nanosecond_pcap_http_to_ssh_port.pcap";
    const char *const risks[] = {"HTTP Numeric IP Address"};
    struct rw_classify *c;
    struct rw_cls_flow cf;
    struct tc_sel sel;
    struct tc_run run;

    RW_NEED_FILE(path);
    c = tc_new();
    tc_sel_make(&sel, IPPROTO_TCP, "136.216.42.40", 44338, "130.74.164.231", 22);
    CU_ASSERT_EQUAL(rw_classify_flow_init(c, &cf, IPPROTO_TCP), 0);
    tc_run_flow(c, &cf, path, DLT_EN10MB, &sel, &run);
    /* no HTTP status line ever comes back: nDPI still wants packets at the end */
    CU_ASSERT_EQUAL(run.matched, 9);
    CU_ASSERT_EQUAL(run.done_at, 0);
    CU_ASSERT_EQUAL(cf.pkts, 9);
    CU_ASSERT_PTR_NOT_NULL(cf.ndpi);
    rw_classify_flow_finish(c, &cf);
    CU_ASSERT_PTR_NULL(cf.ndpi);
    CU_ASSERT_EQUAL(tc_r(&cf)->done, 1);
    /* nDPI stacks its port guess (SSH) under what DPI found (HTTP): the word is "http" */
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->proto, "SSH.HTTP");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->app_proto, "http");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->category, "Web");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->host, "128.3.50.246");
    CU_ASSERT_EQUAL(tc_r(&cf)->master_id, 92); /* NDPI_PROTOCOL_SSH */
    CU_ASSERT_EQUAL(tc_r(&cf)->app_id, 7);     /* NDPI_PROTOCOL_HTTP */
    CU_ASSERT_EQUAL(tc_r(&cf)->guessed, 0);
    tc_assert_risks(tc_r(&cf), risks, 1);
    rw_classify_flow_cleanup(&cf);
    rw_classify_free(&c);
}

static void test_classify_finish_gives_up_with_port_guess(void)
{
    const char *path = PCAPS "ftp/ftp_epsv_retr_rand_txt.pcap";
    const char *const risks[] = {"Unsafe Protocol", "Clear-Text Credentials"};
    struct rw_classify *c;
    struct rw_cls_flow cf;
    struct tc_sel sel;
    struct tc_run run;

    RW_NEED_FILE(path);
    c = tc_new();
    tc_sel_make(&sel, IPPROTO_TCP, "192.168.56.1", 59762, "192.168.56.101", 21);
    CU_ASSERT_EQUAL(rw_classify_flow_init(c, &cf, IPPROTO_TCP), 0);
    tc_run_flow(c, &cf, path, DLT_EN10MB, &sel, &run);
    /* a Pure-FTPd banner nDPI's FTP dissector does not accept: never detected */
    CU_ASSERT_EQUAL(run.matched, 49);
    CU_ASSERT_EQUAL(run.done_at, 0);
    rw_classify_flow_finish(c, &cf);
    CU_ASSERT_PTR_NULL(cf.ndpi);
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->proto, "FTP_CONTROL");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->app_proto, "ftp");
    CU_ASSERT_EQUAL(tc_r(&cf)->guessed, 1); /* by port 21 */
    /* nDPI's host field holds "---------" from the "220----------" greeting: dropped */
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->host, "");
    tc_assert_risks(tc_r(&cf), risks, 2);
    rw_classify_flow_cleanup(&cf);
    rw_classify_free(&c);
}

static void test_classify_tcp_budget_gives_up_after_80_packets(void)
{
    const char *path = PCAPS "ftp/ftp_pasv_retr_zip_partial_internet.pcap";
    struct rw_classify *c;
    struct rw_cls_flow cf;
    struct tc_sel sel;
    struct tc_run run;

    RW_NEED_FILE(path);
    c = tc_new();
    /* the passive data connection carrying the zip: nDPI never recognises it */
    tc_sel_make(&sel, IPPROTO_TCP, "192.168.1.212", 50696, "90.130.70.73", 24523);
    CU_ASSERT_EQUAL(rw_classify_flow_init(c, &cf, IPPROTO_TCP), 0);
    tc_run_flow(c, &cf, path, DLT_EN10MB, &sel, &run);
    CU_ASSERT_EQUAL(run.matched, 132);
    CU_ASSERT_EQUAL(run.done_at, RW_NDPI_MAX_TCP_PKTS);
    CU_ASSERT_EQUAL(run.freed_when_done, 1);
    CU_ASSERT_EQUAL(run.nonzero_after_done, 0);
    CU_ASSERT_EQUAL(cf.pkts, RW_NDPI_MAX_TCP_PKTS);
    /* nDPI 4.2 dissects 32 packets of a flow at most: the other 48 are counted, not fed */
    CU_ASSERT_EQUAL(rw__classify_fed(c), 32);
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->proto, "Unknown");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->app_proto, "failed");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->category, "Unspecified");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->host, "");
    CU_ASSERT_EQUAL(tc_r(&cf)->guessed, 0); /* no port to guess from */
    CU_ASSERT_EQUAL(tc_r(&cf)->master_id, 0);
    CU_ASSERT_EQUAL(tc_r(&cf)->app_id, 0);
    rw_classify_flow_cleanup(&cf);
    rw_classify_free(&c);
}

/* The flows of the tests above: capture, link type, and the flow's two ends. */
struct tc_flow_ref {
    const char *path;
    int dlt;
    uint8_t proto;
    const char *a, *b;
    uint16_t pa, pb;
};

static const struct tc_flow_ref tc_known_flows[] = {
    {PCAPS "tls_quic/tls_firefox_download_406KB.pcap", DLT_EN10MB, IPPROTO_TCP,
     "192.168.1.13", "178.62.197.130", 53096, 443},
    {PCAPS "media_download/http_mp4_download_tiny.pcap", DLT_EN10MB, IPPROTO_TCP,
     "192.168.1.44", "127.0.0.1", 58068, 80},
    {PCAPS "format_linktype/dlt_raw_ipv4_dns.pcap", DLT_RAW, IPPROTO_UDP, "192.168.1.100",
     "9.9.9.9", 12345, 53},
    {PCAPS "ssh_sftp/ssh_bulk_download_2x535KB.pcap", DLT_EN10MB, IPPROTO_TCP,
     "192.168.1.32", "131.103.20.168", 58649, 22},
    {PCAPS "ftp/ftp_pasv_stor_small.pcap", DLT_EN10MB, IPPROTO_TCP, "172.23.0.3",
     "172.23.0.2", 43234, 21},
    {PCAPS "smb/smb2_read_payroll_xlsx.pcap", DLT_EN10MB, IPPROTO_TCP, "192.168.1.78",
     "192.168.1.53", 55770, 445},
    {PCAPS "media_download/http_exe_disguised_as_png_download.pcap", DLT_EN10MB, IPPROTO_TCP,
     "10.9.25.101", "185.98.87.185", 49197, 80},
    {PCAPS "format_linktype/nanosecond_pcap_http_to_ssh_port.pcap", DLT_EN10MB, IPPROTO_TCP,
     "136.216.42.40", "130.74.164.231", 44338, 22},
    {PCAPS "ftp/ftp_epsv_retr_rand_txt.pcap", DLT_EN10MB, IPPROTO_TCP, "192.168.56.1",
     "192.168.56.101", 59762, 21},
    {PCAPS "ftp/ftp_pasv_retr_zip_partial_internet.pcap", DLT_EN10MB, IPPROTO_TCP,
     "192.168.1.212", "90.130.70.73", 50696, 24523},
    {PCAPS "other_upload/uftp_multicast_file_push_jpeg.pcap", DLT_EN10MB, IPPROTO_UDP,
     "10.0.0.1", "230.5.5.56", 37173, 1044},
    {PCAPS "http_upload/http_post_mattermost_api_upload_eicar_ipv6.pcap", DLT_NULL,
     IPPROTO_TCP, "::1", "::1", 52093, 8065},
    {PCAPS "media_download/http_2.6MB_binary_download_sll2.pcap", DLT_LINUX_SLL2, IPPROTO_TCP,
     "192.168.1.253", "192.168.1.21", 56478, 80},
    {PCAPS "mixed_benign/mixed_web_sites_tls_http_quic.pcapng", DLT_EN10MB, IPPROTO_UDP,
     "192.168.1.128", "216.58.212.142", 38642, 443},
};

#define TC_KNOWN_FLOWS (sizeof(tc_known_flows) / sizeof(tc_known_flows[0]))

/* Classifies flow i of tc_known_flows with module c and copies its result out. */
static void tc_classify_known(struct rw_classify *c, size_t i, struct rw_cls_result *out)
{
    const struct tc_flow_ref *k = &tc_known_flows[i];
    struct rw_cls_flow cf;
    struct tc_sel sel;
    struct tc_run run;

    tc_sel_make(&sel, k->proto, k->a, k->pa, k->b, k->pb);
    CU_ASSERT_EQUAL(rw_classify_flow_init(c, &cf, k->proto), 0);
    tc_run_flow(c, &cf, k->path, k->dlt, &sel, &run);
    CU_ASSERT(run.matched > 0);
    rw_classify_flow_finish(c, &cf);
    *out = *tc_r(&cf);
    rw_classify_flow_cleanup(&cf);
}

/*
 * A module reuses what its flows leave: the names of protocol pairs it has concluded and
 * nDPI's flow structs (zeroed again). One module classifying fourteen different flows,
 * twice over, gives each the result a fresh module gives it.
 */
static void test_classify_one_module_gives_each_flow_a_fresh_result(void)
{
    struct rw_cls_result fresh[TC_KNOWN_FLOWS], got;
    struct rw_classify *c;

    for (size_t i = 0; i < TC_KNOWN_FLOWS; i++)
        RW_NEED_FILE(tc_known_flows[i].path);
    for (size_t i = 0; i < TC_KNOWN_FLOWS; i++) {
        c = tc_new();
        tc_classify_known(c, i, &fresh[i]);
        rw_classify_free(&c);
    }
    c = tc_new();
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < TC_KNOWN_FLOWS; i++) {
            tc_classify_known(c, i, &got);
            CU_ASSERT_STRING_EQUAL(got.proto, fresh[i].proto);
            CU_ASSERT_STRING_EQUAL(got.app_proto, fresh[i].app_proto);
            CU_ASSERT_STRING_EQUAL(got.category, fresh[i].category);
            CU_ASSERT_STRING_EQUAL(got.host, fresh[i].host);
            CU_ASSERT_EQUAL(got.risk, fresh[i].risk);
            CU_ASSERT_EQUAL(got.master_id, fresh[i].master_id);
            CU_ASSERT_EQUAL(got.app_id, fresh[i].app_id);
            CU_ASSERT_EQUAL(got.guessed, fresh[i].guessed);
            CU_ASSERT_EQUAL(memcmp(&got, &fresh[i], sizeof(got)), 0);
        }
    }
    /* the flows are of 11 kinds at least: the name slots were filled and read */
    CU_ASSERT_STRING_EQUAL(fresh[0].app_proto, "tls");
    CU_ASSERT_STRING_EQUAL(fresh[2].proto, "DNS");
    CU_ASSERT_STRING_EQUAL(fresh[5].app_proto, "smb");
    rw_classify_free(&c);
}

static void test_classify_udp_budget_gives_up_after_24_packets(void)
{
    const char *path = PCAPS "other_upload/uftp_multicast_file_push_jpeg.pcap";
    struct rw_classify *c;
    struct rw_cls_flow cf;
    struct tc_sel sel;
    struct tc_run run;

    RW_NEED_FILE(path);
    c = tc_new();
    tc_sel_make(&sel, IPPROTO_UDP, "10.0.0.1", 37173, "230.5.5.56", 1044);
    CU_ASSERT_EQUAL(rw_classify_flow_init(c, &cf, IPPROTO_UDP), 0);
    tc_run_flow(c, &cf, path, DLT_EN10MB, &sel, &run);
    CU_ASSERT_EQUAL(run.done_at, RW_NDPI_MAX_UDP_PKTS);
    CU_ASSERT_EQUAL(run.freed_when_done, 1);
    CU_ASSERT_EQUAL(cf.pkts, RW_NDPI_MAX_UDP_PKTS);
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->proto, "Unknown");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->app_proto, "failed");
    CU_ASSERT_EQUAL(tc_r(&cf)->guessed, 0);
    rw_classify_flow_cleanup(&cf);
    rw_classify_free(&c);
}

static void test_classify_ipv6_loopback_http_on_8065(void)
{
    const char *path = PCAPS "http_upload/http_post_mattermost_api_upload_eicar_ipv6.pcap";
    const char *const risks[] = {"Known Protocol on Non Standard Port"};
    struct rw_classify *c;
    struct rw_cls_flow cf;
    struct tc_sel sel;
    struct tc_run run;

    RW_NEED_FILE(path);
    c = tc_new();
    tc_sel_make(&sel, IPPROTO_TCP, "::1", 52093, "::1", 8065);
    CU_ASSERT_EQUAL(rw_classify_flow_init(c, &cf, IPPROTO_TCP), 0);
    tc_run_flow(c, &cf, path, DLT_NULL, &sel, &run);
    CU_ASSERT_EQUAL(run.matched, 20);
    CU_ASSERT_EQUAL(run.done_at, 7);
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->proto, "HTTP");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->app_proto, "http");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->host, "localhost");
    tc_assert_risks(tc_r(&cf), risks, 1);
    rw_classify_flow_cleanup(&cf);
    rw_classify_free(&c);
}

static void test_classify_sll2_http_binary_download(void)
{
    const char *path = PCAPS "media_download/http_2.6MB_binary_download_sll2.pcap";
    const char *const risks[] = {"Binary Application Transfer", "HTTP Numeric IP Address"};
    struct rw_classify *c;
    struct rw_cls_flow cf;
    struct tc_sel sel;
    struct tc_run run;

    RW_NEED_FILE(path);
    c = tc_new();
    tc_sel_make(&sel, IPPROTO_TCP, "192.168.1.253", 56478, "192.168.1.21", 80);
    CU_ASSERT_EQUAL(rw_classify_flow_init(c, &cf, IPPROTO_TCP), 0);
    tc_run_flow(c, &cf, path, DLT_LINUX_SLL2, &sel, &run);
    CU_ASSERT_EQUAL(run.matched, 159);
    CU_ASSERT_EQUAL(run.done_at, 6);
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->proto, "HTTP");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->category, "Download");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->host, "192.168.1.21");
    tc_assert_risks(tc_r(&cf), risks, 2);
    rw_classify_flow_cleanup(&cf);
    rw_classify_free(&c);
}

static void test_classify_quic_initial_gives_sni_in_one_packet(void)
{
    const char *path = PCAPS "mixed_benign/mixed_web_sites_tls_http_quic.pcapng";
    struct rw_classify *c;
    struct rw_cls_flow cf;
    struct tc_sel sel;
    struct tc_run run;

    RW_NEED_FILE(path);
    c = tc_new();
    tc_sel_make(&sel, IPPROTO_UDP, "192.168.1.128", 38642, "216.58.212.142", 443);
    CU_ASSERT_EQUAL(rw_classify_flow_init(c, &cf, IPPROTO_UDP), 0);
    tc_run_flow(c, &cf, path, DLT_EN10MB, &sel, &run);
    CU_ASSERT_EQUAL(run.done_at, 1);
    CU_ASSERT_EQUAL(run.freed_when_done, 1);
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->proto, "QUIC.Google");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->app_proto, "quic");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->host, "hangouts.google.com");
    rw_classify_flow_cleanup(&cf);
    rw_classify_free(&c);
}

/* A DNS query as captured in format_linktype/dlt_raw_ipv4_dns.pcap (57 bytes):
 * IPv4 45 00, total length 0x0039 = 57, id 1, TTL 64, proto 17 (UDP), checksum a695,
 * 192.168.1.100 -> 9.9.9.9; UDP 12345 -> 53, length 37, checksum 1976;
 * DNS id 0x1234, flags 0x0100 (RD), 1 question: "example.com" A IN. */
static const uint8_t tc_dns_query[57] = {
    0x45, 0x00, 0x00, 0x39, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0xa6, 0x95, 0xc0, 0xa8,
    0x01, 0x64, 0x09, 0x09, 0x09, 0x09, 0x30, 0x39, 0x00, 0x35, 0x00, 0x25, 0x19, 0x76,
    0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 'e',
    'x',  'a',  'm',  'p',  'l',  'e',  0x03, 'c',  'o',  'm',  0x00, 0x00, 0x01, 0x00,
    0x01,
};

static void test_classify_length_over_65535_is_clamped_not_wrapped(void)
{
    /* 65536 + 20 bytes: wrapped to 16 bits this is 20, shorter than the IP total length
     * (57), and nDPI would drop the packet; clamped to 65535 it covers it. */
    const uint32_t len = 65536u + 20u;
    struct rw_classify *c = tc_new();
    struct rw_cls_flow cf;
    uint8_t *buf = calloc(1, len);

    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    memcpy(buf, tc_dns_query, sizeof(tc_dns_query));
    CU_ASSERT_EQUAL(rw_classify_flow_init(c, &cf, IPPROTO_UDP), 0);
    CU_ASSERT_EQUAL(rw_classify_packet(c, &cf, buf, len, 1000000), 0);
    rw_classify_flow_finish(c, &cf);
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->proto, "DNS");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->host, "example.com");
    free(buf);
    rw_classify_flow_cleanup(&cf);
    rw_classify_free(&c);
}

static void test_classify_finish_without_packets_is_failed(void)
{
    struct rw_classify *c = tc_new();
    struct rw_cls_flow cf;

    CU_ASSERT_EQUAL(rw_classify_flow_init(c, &cf, IPPROTO_TCP), 0);
    rw_classify_flow_finish(c, &cf);
    CU_ASSERT_PTR_NULL(cf.ndpi);
    CU_ASSERT_EQUAL(tc_r(&cf)->done, 1);
    CU_ASSERT_EQUAL(cf.pkts, 0);
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->proto, "Unknown");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->app_proto, "failed");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->category, "Unspecified");
    CU_ASSERT_EQUAL(tc_r(&cf)->guessed, 0);
    /* packets after finish are ignored */
    CU_ASSERT_EQUAL(rw_classify_packet(c, &cf, tc_dns_query, sizeof(tc_dns_query), 0), 1);
    CU_ASSERT_EQUAL(cf.pkts, 0);
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->proto, "Unknown");
    rw_classify_flow_cleanup(&cf);
    rw_classify_free(&c);
}

/* A TCP SYN without payload (40 bytes): IPv4 45 00, total length 0x0028 = 40, TTL 64,
 * proto 6, checksum not checked by nDPI, 192.168.1.100 -> 9.9.9.9; TCP 40000 -> 443,
 * seq 1, data offset 5, flags 0x02 (SYN), window 0xffff. */
static const uint8_t tc_tcp_syn[40] = {
    0x45, 0x00, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06, 0x00, 0x00, 0xc0, 0xa8,
    0x01, 0x64, 0x09, 0x09, 0x09, 0x09, 0x9c, 0x40, 0x01, 0xbb, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
};

/* What a flow holds: nDPI's struct while classifying, its buffers' allowance from the
 * first payload on, then only the result; nothing after cleanup. */
static void test_classify_flow_bytes_follow_the_state(void)
{
    struct rw_classify *c = tc_new();
    struct rw_cls_flow cf;
    size_t b0;

    CU_ASSERT_EQUAL(rw_classify_flow_init(c, &cf, IPPROTO_TCP), 0);
    b0 = rw_classify_flow_bytes(&cf);
    CU_ASSERT(b0 >= 512 && b0 < 2048); /* nDPI 4.2's flow struct: 688 bytes */
    CU_ASSERT_EQUAL(tc_r(&cf)->done, 0);
    CU_ASSERT_EQUAL(rw_classify_packet(c, &cf, tc_tcp_syn, sizeof(tc_tcp_syn), 0), 0);
    CU_ASSERT_EQUAL(rw_classify_flow_bytes(&cf), b0); /* no payload: no buffers */
    rw_classify_flow_cleanup(&cf);
    CU_ASSERT_EQUAL(rw_classify_flow_bytes(&cf), 0);
    CU_ASSERT_PTR_NULL(cf.ndpi);

    CU_ASSERT_EQUAL(rw_classify_flow_init(c, &cf, IPPROTO_UDP), 0);
    CU_ASSERT_EQUAL(rw_classify_packet(c, &cf, tc_dns_query, sizeof(tc_dns_query), 0), 0);
    CU_ASSERT(rw_classify_flow_bytes(&cf) >= b0 + 8192);
    rw_classify_flow_finish(c, &cf);
    CU_ASSERT_EQUAL(rw_classify_flow_bytes(&cf), sizeof(struct rw_cls_result));
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->host, "example.com");
    rw_classify_flow_cleanup(&cf);
    CU_ASSERT_EQUAL(rw_classify_flow_bytes(&cf), 0);
    CU_ASSERT_EQUAL(tc_r(&cf)->done, 0);
    rw_classify_flow_cleanup(&cf); /* twice is fine */
    rw_classify_free(&c);
}

/* A flow its caller does not classify (zeroed, done set) reads as done with no names. */
static void test_classify_done_by_caller_is_none(void)
{
    struct rw_cls_flow cf;

    memset(&cf, 0, sizeof(cf));
    cf.done = 1;
    CU_ASSERT_EQUAL(tc_r(&cf)->done, 1);
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->proto, "");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->app_proto, "");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->category, "");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->host, "");
    CU_ASSERT_EQUAL(rw_classify_flow_bytes(&cf), 0);
    rw_classify_flow_cleanup(&cf);
}

static void test_classify_empty_packets_count_toward_budget(void)
{
    struct rw_classify *c = tc_new();
    struct rw_cls_flow cf;
    int rc = 0;

    CU_ASSERT_EQUAL(rw_classify_flow_init(c, &cf, IPPROTO_ICMP), 0);
    /* other protocols get the UDP budget; NULL/0-byte packets are counted, not fed */
    for (int i = 1; i < RW_NDPI_MAX_UDP_PKTS; i++)
        rc |= rw_classify_packet(c, &cf, i % 2 ? NULL : tc_dns_query, 0, 0);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL(cf.ndpi);
    CU_ASSERT_EQUAL(rw_classify_packet(c, &cf, NULL, 0, 0), 1);
    CU_ASSERT_EQUAL(cf.pkts, RW_NDPI_MAX_UDP_PKTS);
    CU_ASSERT_PTR_NULL(cf.ndpi);
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->app_proto, "failed");
    rw_classify_flow_cleanup(&cf);
    rw_classify_free(&c);
}

static void test_classify_flow_init_oom_leaves_flow_failed(void)
{
    struct rw_classify *c = tc_new();
    struct rw_cls_flow cf;
    unsigned long n;
    int rc = RW_ENOMEM;

    /* Walk the failing allocation over flow init; nDPI's own allocations (inside
     * ndpi_detection_process_packet) use nDPI's allocator and are not covered. */
    for (n = 1; n < 10 && rc != 0; n++) {
        rw_alloc_hook_set(n);
        rc = rw_classify_flow_init(c, &cf, IPPROTO_UDP);
        rw_alloc_hook_set(0);
        if (rc != 0) {
            CU_ASSERT_EQUAL(rc, RW_ENOMEM);
            CU_ASSERT_PTR_NULL(cf.ndpi);
            CU_ASSERT_EQUAL(tc_r(&cf)->done, 1);
            CU_ASSERT_STRING_EQUAL(tc_r(&cf)->proto, "Unknown");
            CU_ASSERT_STRING_EQUAL(tc_r(&cf)->app_proto, "failed");
            CU_ASSERT_STRING_EQUAL(tc_r(&cf)->category, "Unspecified");
            CU_ASSERT_EQUAL(rw_classify_packet(c, &cf, tc_dns_query, sizeof(tc_dns_query), 0),
                            1);
            CU_ASSERT_EQUAL(cf.pkts, 0);
            rw_classify_flow_finish(c, &cf);
            CU_ASSERT_STRING_EQUAL(tc_r(&cf)->app_proto, "failed");
        }
    }
    /* one allocation: the first attempt fails, the second succeeds */
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(n, 3);
    CU_ASSERT_EQUAL(rw_classify_packet(c, &cf, tc_dns_query, sizeof(tc_dns_query), 0), 0);
    rw_classify_flow_finish(c, &cf);
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->proto, "DNS");
    rw_classify_flow_cleanup(&cf);
    rw_classify_free(&c);
}

/* No memory for the result when nDPI concludes: the flow ends "failed", nDPI's state is
 * freed all the same (ASan's leak checker proves nothing is left in make asan). */
static void test_classify_result_oom_leaves_flow_failed(void)
{
    struct rw_classify *c = tc_new();
    struct rw_cls_flow cf;

    CU_ASSERT_EQUAL(rw_classify_flow_init(c, &cf, IPPROTO_UDP), 0);
    CU_ASSERT_EQUAL(rw_classify_packet(c, &cf, tc_dns_query, sizeof(tc_dns_query), 0), 0);
    rw_alloc_hook_set(1);
    rw_classify_flow_finish(c, &cf);
    CU_ASSERT_EQUAL(rw_alloc_hook_failures(), 1);
    rw_alloc_hook_set(0);
    CU_ASSERT_PTR_NULL(cf.ndpi);
    CU_ASSERT_EQUAL(tc_r(&cf)->done, 1);
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->proto, "Unknown");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->app_proto, "failed");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->category, "Unspecified");
    CU_ASSERT_STRING_EQUAL(tc_r(&cf)->host, "");
    CU_ASSERT_EQUAL(rw_classify_flow_bytes(&cf), 0);
    rw_classify_flow_cleanup(&cf);
    rw_classify_free(&c);
}

static void test_classify_new_returns_null_on_oom(void)
{
    struct rw_classify *c;

    rw_alloc_hook_set(1);
    c = rw_classify_new();
    CU_ASSERT_EQUAL(rw_alloc_hook_failures(), 1);
    rw_alloc_hook_set(0);
    CU_ASSERT_PTR_NULL(c);
    rw_classify_free(&c); /* NULL is fine */
    c = rw_classify_new();
    CU_ASSERT_PTR_NOT_NULL(c);
    rw_classify_free(&c);
    CU_ASSERT_PTR_NULL(c);
    rw_classify_free(NULL);
}

/* nDPI is set up at a module's first classified flow, not before: a module whose flows
 * are never classified (alerts-only without a protocol rule) never pays for it. */
static void test_classify_ndpi_set_up_at_first_flow(void)
{
    struct rw_classify *c = tc_new();
    struct rw_cls_flow cf;

    CU_ASSERT_EQUAL(rw__classify_ready(c), 0);
    /* a flow its caller does not classify leaves nDPI alone */
    memset(&cf, 0, sizeof(cf));
    cf.done = 1;
    CU_ASSERT_EQUAL(rw_classify_packet(c, &cf, tc_dns_query, sizeof(tc_dns_query), 0), 1);
    rw_classify_flow_finish(c, &cf);
    CU_ASSERT_EQUAL(rw__classify_ready(c), 0);
    rw_classify_flow_cleanup(&cf);
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL(rw_classify_flow_init(c, &cf, IPPROTO_UDP), 0);
        CU_ASSERT_EQUAL(rw__classify_ready(c), 1);
        CU_ASSERT_EQUAL(rw_classify_packet(c, &cf, tc_dns_query, sizeof(tc_dns_query), 0), 0);
        rw_classify_flow_finish(c, &cf);
        CU_ASSERT_STRING_EQUAL(tc_r(&cf)->proto, "DNS");
        CU_ASSERT_STRING_EQUAL(tc_r(&cf)->app_proto, "dns");
        CU_ASSERT_STRING_EQUAL(tc_r(&cf)->host, "example.com");
        rw_classify_flow_cleanup(&cf);
    }
    rw_classify_free(&c);
    CU_ASSERT_PTR_NULL(c);
    /* a module never set up is freed all the same (ASan's leak checker in make asan) */
    c = tc_new();
    rw_classify_free(&c);
    CU_ASSERT_PTR_NULL(c);
}

static void test_classify_risk_names_skips_unnamed_bits(void)
{
    const char *names[64];

    /* bit 0 is NDPI_NO_RISK, 4 Binary Application Transfer, 12 HTTP Numeric IP Address,
     * 36 Clear-Text Credentials, 63 beyond NDPI_MAX_RISK (42) */
    CU_ASSERT_EQUAL(rw_classify_risk_names(1ULL | 1ULL << 4 | 1ULL << 12 | 1ULL << 36 |
                                               1ULL << 63, names, 64), 3);
    CU_ASSERT_STRING_EQUAL(names[0], "Binary Application Transfer");
    CU_ASSERT_STRING_EQUAL(names[1], "HTTP Numeric IP Address");
    CU_ASSERT_STRING_EQUAL(names[2], "Clear-Text Credentials");
    /* max bounds what is stored, lowest bits first */
    CU_ASSERT_EQUAL(rw_classify_risk_names(1ULL << 4 | 1ULL << 12, names, 1), 1);
    CU_ASSERT_STRING_EQUAL(names[0], "Binary Application Transfer");
    CU_ASSERT_EQUAL(rw_classify_risk_names(1ULL << 4, names, 0), 0);
    CU_ASSERT_EQUAL(rw_classify_risk_names(0, names, 64), 0);
    /* nDPI 4.2 names bits 1..41 */
    CU_ASSERT_EQUAL(rw_classify_risk_names(UINT64_MAX, names, 64), 41);
    CU_ASSERT_STRING_EQUAL(names[0], "XSS Attack");
    CU_ASSERT_STRING_EQUAL(names[40], "TLS Certificate About To Expire");
}

static void test_classify_flow_state_bytes_counts_struct_and_buffers(void)
{
    /* 688-byte struct ndpi_flow_struct (nDPI 4.2, x86-64) + 8 KiB measured allowance */
    CU_ASSERT_EQUAL(rw_classify_flow_state_bytes(), 688u + 8192u);
}

/* --- hostile input --------------------------------------------------------------------- */

/* Packets of one flow, copied out of a capture. */
struct tc_flowpkts {
    size_t n;
    uint8_t *pkt[16];
    uint32_t len[16];
};

static void tc_collect(const char *path, const struct tc_sel *sel, size_t max,
                       struct tc_flowpkts *fp)
{
    char err[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *h;
    const u_char *d;
    pcap_t *pc;
    int dlt;

    memset(fp, 0, sizeof(*fp));
    pc = pcap_open_offline(path, err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pc);
    dlt = pcap_datalink(pc);
    while (fp->n < max && fp->n < 16 && pcap_next_ex(pc, &h, &d) == 1) {
        struct tc_pkt p;
        uint32_t off;

        if (tc_l3_offset(dlt, d, h->caplen, &off) != 0 ||
            tc_parse_ip(d + off, h->caplen - off, &p) != 0 || !tc_matches(sel, &p))
            continue;
        fp->pkt[fp->n] = malloc(p.l3_len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(fp->pkt[fp->n]);
        memcpy(fp->pkt[fp->n], d + off, p.l3_len);
        fp->len[fp->n] = p.l3_len;
        fp->n++;
    }
    pcap_close(pc);
}

static void tc_flowpkts_free(struct tc_flowpkts *fp)
{
    for (size_t i = 0; i < fp->n; i++)
        free(fp->pkt[i]);
    fp->n = 0;
}

/*
 * For packet k of the flow and every length t from 0 to its full length: a fresh flow
 * gets packets 0..k-1 whole, then packet k cut to t bytes in a guarded buffer of t bytes,
 * with the IP length field rewritten to t so that nDPI's dissectors (not just its IP
 * check) meet the truncated payload. Returns how many truncated packets were fed.
 */
static unsigned long tc_sweep(struct rw_classify *c, const struct tc_flowpkts *fp,
                              uint8_t l4proto)
{
    unsigned long fed = 0;

    for (size_t k = 0; k < fp->n; k++) {
        for (uint32_t t = 0; t <= fp->len[k]; t++) {
            struct rw_cls_flow cf;
            struct tc_guarded g;
            uint8_t *cut = tc_guarded_new(&g, fp->pkt[k], t);
            int done = 0;

            if (t >= 4 && cut[0] >> 4 == 4) {
                cut[2] = (uint8_t)(t >> 8); /* IPv4 total length */
                cut[3] = (uint8_t)t;
            } else if (t >= 40 && cut[0] >> 4 == 6) {
                cut[4] = (uint8_t)((t - 40) >> 8); /* IPv6 payload length */
                cut[5] = (uint8_t)(t - 40);
            }
            CU_ASSERT_EQUAL_FATAL(rw_classify_flow_init(c, &cf, l4proto), 0);
            for (size_t i = 0; i < k && !done; i++)
                done = rw_classify_packet(c, &cf, fp->pkt[i], fp->len[i], 1000000u * i);
            if (!done) {
                rw_classify_packet(c, &cf, cut, t, 1000000u * k);
                fed++;
            }
            rw_classify_flow_finish(c, &cf);
            CU_ASSERT_PTR_NULL(cf.ndpi);
            CU_ASSERT_EQUAL(tc_r(&cf)->done, 1);
            CU_ASSERT_NOT_EQUAL(tc_r(&cf)->app_proto[0], '\0');
            rw_classify_flow_cleanup(&cf);
            tc_guarded_free(&g);
        }
    }
    return fed;
}

static void test_classify_truncation_sweep_survives(void)
{
    static const struct {
        const char *path;
        uint8_t proto;
        const char *a, *b;
        uint16_t pa, pb;
        size_t npkts;
    } flows[] = {
        {PCAPS "tls_quic/tls_firefox_download_406KB.pcap", IPPROTO_TCP, "192.168.1.13",
         "178.62.197.130", 53096, 443, 7},
        {PCAPS "mixed_benign/mixed_web_sites_tls_http_quic.pcapng", IPPROTO_UDP,
         "192.168.1.128", "216.58.212.142", 38642, 443, 1},
        {PCAPS "media_download/http_mp4_download_tiny.pcap", IPPROTO_TCP, "192.168.1.44",
         "127.0.0.1", 58068, 80, 6},
        {PCAPS "format_linktype/dlt_raw_ipv4_dns.pcap", IPPROTO_UDP, "192.168.1.100",
         "9.9.9.9", 12345, 53, 1},
        {PCAPS "ssh_sftp/ssh_bulk_download_2x535KB.pcap", IPPROTO_TCP, "192.168.1.32",
         "131.103.20.168", 58649, 22, 10},
        {PCAPS "ftp/ftp_pasv_stor_small.pcap", IPPROTO_TCP, "172.23.0.3", "172.23.0.2",
         43234, 21, 10},
        {PCAPS "smb/smb2_read_payroll_xlsx.pcap", IPPROTO_TCP, "192.168.1.78", "192.168.1.53",
         55770, 445, 1},
        {PCAPS "http_upload/http_post_mattermost_api_upload_eicar_ipv6.pcap", IPPROTO_TCP,
         "::1", "::1", 52093, 8065, 7},
    };
    struct rw_classify *c = tc_new();
    unsigned long fed = 0, want = 0;

    for (size_t i = 0; i < sizeof(flows) / sizeof(flows[0]); i++) {
        struct tc_flowpkts fp;
        struct tc_sel sel;

        RW_NEED_FILE(flows[i].path);
        tc_sel_make(&sel, flows[i].proto, flows[i].a, flows[i].pa, flows[i].b, flows[i].pb);
        tc_collect(flows[i].path, &sel, flows[i].npkts, &fp);
        CU_ASSERT_EQUAL(fp.n, flows[i].npkts);
        for (size_t k = 0; k < fp.n; k++)
            want += fp.len[k] + 1u;
        fed += tc_sweep(c, &fp, flows[i].proto);
        tc_flowpkts_free(&fp);
    }
    /* every cut was fed: no flow finished before its last (cut) packet */
    CU_ASSERT_EQUAL(fed, want);
    rw_classify_free(&c);
}

/* xorshift64: a fixed sequence, so a failure reproduces. */
static uint64_t tc_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* IPv4 + TCP or UDP headers to the given port, then n random payload bytes. */
static size_t tc_garbage_packet(uint8_t *buf, size_t cap, uint64_t *seed, uint8_t proto,
                                uint16_t port, int to_server, size_t n)
{
    size_t l4 = proto == IPPROTO_TCP ? 20 : 8;
    size_t len = 20 + l4 + n;
    uint16_t sport = to_server ? 40000 : port, dport = to_server ? port : 40000;

    if (len > cap)
        return 0;
    memset(buf, 0, 20 + l4);
    /* IPv4: 45 00 len, id 0, DF clear, TTL 64, proto, checksum 0, 10.0.0.1 <-> 10.0.0.2 */
    buf[0] = 0x45;
    buf[2] = (uint8_t)(len >> 8);
    buf[3] = (uint8_t)len;
    buf[8] = 64;
    buf[9] = proto;
    buf[12] = 10, buf[15] = to_server ? 1 : 2;
    buf[16] = 10, buf[19] = to_server ? 2 : 1;
    buf[20] = (uint8_t)(sport >> 8), buf[21] = (uint8_t)sport;
    buf[22] = (uint8_t)(dport >> 8), buf[23] = (uint8_t)dport;
    if (proto == IPPROTO_TCP) {
        buf[32] = 0x50; /* data offset 5 words */
        buf[33] = 0x18; /* PSH|ACK */
    } else {
        buf[24] = (uint8_t)((8 + n) >> 8), buf[25] = (uint8_t)(8 + n);
    }
    for (size_t i = 0; i < n; i++)
        buf[20 + l4 + i] = (uint8_t)tc_rand(seed);
    return len;
}

static void test_classify_garbage_payloads_survive(void)
{
    static const uint16_t ports[] = {21, 22, 25, 53, 80, 110, 137, 143, 443, 445,
                                     1883, 3389, 5060, 8080, 0, 65535};
    struct rw_classify *c = tc_new();
    uint64_t seed = 0x5eed0f0ddba11ULL;
    unsigned long flows = 0, done = 0;
    uint8_t buf[1600];

    for (size_t pi = 0; pi < sizeof(ports) / sizeof(ports[0]); pi++) {
        for (int round = 0; round < 8; round++) {
            uint8_t proto = round % 2 ? IPPROTO_UDP : IPPROTO_TCP;
            struct rw_cls_flow cf;
            int rc = 0;

            CU_ASSERT_EQUAL_FATAL(rw_classify_flow_init(c, &cf, proto), 0);
            for (int i = 0; i < RW_NDPI_MAX_TCP_PKTS && rc == 0; i++) {
                size_t n = (size_t)(tc_rand(&seed) % 1500);
                size_t len = tc_garbage_packet(buf, sizeof(buf), &seed, proto, ports[pi],
                                               (int)(tc_rand(&seed) & 1), n);
                struct tc_guarded g;
                uint8_t *exact = tc_guarded_new(&g, buf, len);

                /* every eighth packet: pure garbage from the IP header on */
                if (i % 8 == 7)
                    for (size_t j = 0; j < len; j++)
                        exact[j] = (uint8_t)tc_rand(&seed);
                rc = rw_classify_packet(c, &cf, exact, (uint32_t)len, 1000u * (uint64_t)i);
                tc_guarded_free(&g);
            }
            done += tc_r(&cf)->done;
            rw_classify_flow_finish(c, &cf);
            CU_ASSERT_PTR_NULL(cf.ndpi);
            CU_ASSERT_EQUAL(tc_r(&cf)->done, 1);
            rw_classify_flow_cleanup(&cf);
            flows++;
        }
    }
    CU_ASSERT_EQUAL(flows, 16u * 8u);
    /* every flow ended by itself, by detection or by the budget, before finish */
    CU_ASSERT_EQUAL(done, flows);
    rw_classify_free(&c);
}

static CU_TestInfo tests[] = {
    {"test_classify_flow_bytes_follow_the_state", test_classify_flow_bytes_follow_the_state},
    {"test_classify_done_by_caller_is_none", test_classify_done_by_caller_is_none},
    {"test_classify_result_oom_leaves_flow_failed", test_classify_result_oom_leaves_flow_failed},
    {"test_classify_tls_firefox_is_tls_ntop_after_7_packets",
     test_classify_tls_firefox_is_tls_ntop_after_7_packets},
    {"test_classify_http_mp4_keeps_host_after_response",
     test_classify_http_mp4_keeps_host_after_response},
    {"test_classify_dns_query_alone_needs_finish", test_classify_dns_query_alone_needs_finish},
    {"test_classify_ssh_reports_obsolete_versions", test_classify_ssh_reports_obsolete_versions},
    {"test_classify_ftp_control_flags_cleartext_credentials",
     test_classify_ftp_control_flags_cleartext_credentials},
    {"test_classify_smb2_over_netbios_session_is_smb",
     test_classify_smb2_over_netbios_session_is_smb},
    {"test_classify_exe_download_risks_binary_transfer",
     test_classify_exe_download_risks_binary_transfer},
    {"test_classify_http_to_ssh_port_is_http_under_ssh_master",
     test_classify_http_to_ssh_port_is_http_under_ssh_master},
    {"test_classify_finish_gives_up_with_port_guess",
     test_classify_finish_gives_up_with_port_guess},
    {"test_classify_tcp_budget_gives_up_after_80_packets",
     test_classify_tcp_budget_gives_up_after_80_packets},
    {"test_classify_one_module_gives_each_flow_a_fresh_result",
     test_classify_one_module_gives_each_flow_a_fresh_result},
    {"test_classify_udp_budget_gives_up_after_24_packets",
     test_classify_udp_budget_gives_up_after_24_packets},
    {"test_classify_ipv6_loopback_http_on_8065", test_classify_ipv6_loopback_http_on_8065},
    {"test_classify_sll2_http_binary_download", test_classify_sll2_http_binary_download},
    {"test_classify_quic_initial_gives_sni_in_one_packet",
     test_classify_quic_initial_gives_sni_in_one_packet},
    {"test_classify_length_over_65535_is_clamped_not_wrapped",
     test_classify_length_over_65535_is_clamped_not_wrapped},
    {"test_classify_finish_without_packets_is_failed",
     test_classify_finish_without_packets_is_failed},
    {"test_classify_empty_packets_count_toward_budget",
     test_classify_empty_packets_count_toward_budget},
    {"test_classify_flow_init_oom_leaves_flow_failed",
     test_classify_flow_init_oom_leaves_flow_failed},
    {"test_classify_new_returns_null_on_oom", test_classify_new_returns_null_on_oom},
    {"test_classify_ndpi_set_up_at_first_flow", test_classify_ndpi_set_up_at_first_flow},
    {"test_classify_risk_names_skips_unnamed_bits", test_classify_risk_names_skips_unnamed_bits},
    {"test_classify_flow_state_bytes_counts_struct_and_buffers",
     test_classify_flow_state_bytes_counts_struct_and_buffers},
    {"test_classify_truncation_sweep_survives", test_classify_truncation_sweep_survives},
    {"test_classify_garbage_payloads_survive", test_classify_garbage_payloads_survive},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rw_suites_classify[] = {
    {"classify", NULL, NULL, NULL, NULL, tests},
    CU_SUITE_INFO_NULL,
};
