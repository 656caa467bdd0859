/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_rw_eve.c — EVE records (exact JSON, schema check), Community ID, rw_util helpers. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <jansson.h>
#include <ndpi/ndpi_api.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rw.h"
#include "rw_eve.h"
#include "rw_test.h"

#define EVECHECK "../e2e/evecheck.py"
#define EVE_SCHEMA "../data/eve-schema.json"

/* ---- helpers ------------------------------------------------------------------------ */

static struct rw_addr addr_of(const char *text)
{
    struct rw_addr a;

    memset(&a, 0, sizeof(a));
    if (inet_pton(AF_INET, text, a.a) == 1)
        a.family = 4;
    else if (inet_pton(AF_INET6, text, a.a) == 1)
        a.family = 6;
    return a;
}

static struct rw_flow_key key_of(uint8_t proto, const char *src, uint16_t sport, const char *dst,
                                 uint16_t dport)
{
    struct rw_flow_key k;

    memset(&k, 0, sizeof(k));
    k.src = addr_of(src);
    k.dst = addr_of(dst);
    k.sport = sport;
    k.dport = dport;
    k.proto = proto;
    return k;
}

/* Compares the writer's line with expected, prints both on a mismatch; frees rec. */
static int json_is(struct rw_json *rec, const char *expected)
{
    int same;

    if (rec == NULL) {
        fprintf(stderr, "\n  expected %s\n  got      NULL\n", expected);
        return 0;
    }
    same = rec->len == strlen(expected) && memcmp(rec->buf, expected, rec->len) == 0;
    if (!same)
        fprintf(stderr, "\n  expected %s\n  got      %.*s\n", expected, (int)rec->len, rec->buf);
    rw_json_free(rec);
    return same;
}

/* The record parsed back with jansson (the reference parser); frees rec. */
static json_t *tree(struct rw_json *rec)
{
    json_t *t;

    if (rec == NULL)
        return NULL;
    t = json_loadb(rec->buf, rec->len, JSON_REJECT_DUPLICATES, NULL);
    rw_json_free(rec);
    return t;
}

/* A member of a parsed record, dumped compactly by jansson, compared; frees t. */
static int tree_is(json_t *t, const char *expected)
{
    char *got = t == NULL ? NULL : json_dumps(t, JSON_COMPACT | JSON_ENCODE_ANY);
    int same = got != NULL && strcmp(got, expected) == 0;

    if (!same)
        fprintf(stderr, "\n  expected %s\n  got      %s\n", expected, got ? got : "NULL");
    free(got);
    json_decref(t);
    return same;
}

#define CU_ASSERT_JSON(rec, expected) CU_ASSERT_TRUE(json_is((rec), (expected)))

/* ---- the records under test (shared by the exact-text, OOM and schema tests) ---------- */

static struct rw_flow_info tcp4_info(void)
{
    struct rw_flow_info fi;

    memset(&fi, 0, sizeof(fi));
    fi.key = key_of(IPPROTO_TCP, "192.168.1.10", 49152, "203.0.113.5", 443);
    fi.flow_id = 1234567890123;
    fi.start_us = 1714564800123456; /* 2024-05-01T12:00:00.123456Z */
    fi.last_us = 1714564805654321;  /* 5.53 s later: age 5 */
    fi.pkts[RW_TOSERVER] = 10;
    fi.pkts[RW_TOCLIENT] = 8;
    fi.bytes[RW_TOSERVER] = 1500;
    fi.bytes[RW_TOCLIENT] = 9000;
    fi.payload[RW_TOSERVER] = 1000; /* never written */
    fi.payload[RW_TOCLIENT] = 8500;
    fi.tcp_flags[RW_TOSERVER] = RW_TCP_SYN | RW_TCP_ACK | RW_TCP_PSH | RW_TCP_FIN; /* 0x1b */
    fi.tcp_flags[RW_TOCLIENT] = RW_TCP_SYN | RW_TCP_ACK | RW_TCP_RST;              /* 0x16 */
    fi.state = RW_FLOW_CLOSED;
    fi.reason = RW_END_TIMEOUT;
    fi.tcp_state = "closed";
    fi.app_proto = "ignored-when-cls-has-one";
    return fi;
}

static const struct rw_cls_result tcp4_cls = {
    .proto = "TLS.Google", .app_proto = "tls", .category = "Web", .host = "www.example.com",
    .done = 1,
};

/* Community IDs of the records, from a separate Python implementation of the spec. */
#define TCP4_JSON                                                                              \
    "{\"timestamp\":\"2024-05-01T12:00:05.654321+0000\",\"flow_id\":1234567890123,"            \
    "\"event_type\":\"flow\",\"src_ip\":\"192.168.1.10\",\"src_port\":49152,"                  \
    "\"dest_ip\":\"203.0.113.5\",\"dest_port\":443,\"proto\":\"TCP\","                         \
    "\"community_id\":\"1:NMdhuVBQHybv8BsDhyWQ7OH+3hI=\",\"app_proto\":\"tls\","               \
    "\"flow\":{\"pkts_toserver\":10,\"pkts_toclient\":8,\"bytes_toserver\":1500,"              \
    "\"bytes_toclient\":9000,\"start\":\"2024-05-01T12:00:00.123456+0000\","                   \
    "\"end\":\"2024-05-01T12:00:05.654321+0000\",\"age\":5,\"state\":\"closed\","              \
    "\"reason\":\"timeout\",\"alerted\":false},"                                               \
    "\"tcp\":{\"tcp_flags\":\"1f\",\"tcp_flags_ts\":\"1b\",\"tcp_flags_tc\":\"16\","           \
    "\"syn\":true,\"fin\":true,\"rst\":true,\"psh\":true,\"ack\":true,\"state\":\"closed\"},"  \
    "\"ndpi\":{\"protocol\":\"TLS.Google\",\"category\":\"Web\","                              \
    "\"hostname\":\"www.example.com\",\"guessed\":false}}"

static struct rw_json *build_tcp4(void)
{
    struct rw_flow_info fi = tcp4_info();

    return rw_eve_flow_record(&fi, &tcp4_cls, 0);
}

static struct rw_flow_info udp_vlan_info(void)
{
    struct rw_flow_info fi;

    memset(&fi, 0, sizeof(fi));
    fi.key = key_of(IPPROTO_UDP, "10.1.2.3", 54321, "10.1.2.53", 53);
    fi.key.nvlan = 2;
    fi.key.vlan[0] = 100; /* outer */
    fi.key.vlan[1] = 200; /* inner */
    fi.flow_id = 42;
    fi.start_us = 1709251199999999; /* 2024-02-29T23:59:59.999999Z (leap day) */
    fi.last_us = 1709251200000001;  /* 2 us later, across midnight: age 1 */
    fi.pkts[RW_TOSERVER] = 1;
    fi.pkts[RW_TOCLIENT] = 1;
    fi.bytes[RW_TOSERVER] = 71;
    fi.bytes[RW_TOCLIENT] = 87;
    fi.state = RW_FLOW_ESTABLISHED;
    fi.reason = RW_END_SHUTDOWN;
    return fi;
}

static const struct rw_cls_result udp_cls = {
    .proto = "DNS", .app_proto = "dns", .category = "Network", .host = "example.org",
    .done = 1, .guessed = 1,
};

#define UDP_VLAN_JSON                                                                          \
    "{\"timestamp\":\"2024-03-01T00:00:00.000001+0000\",\"flow_id\":42,\"event_type\":\"flow\"," \
    "\"vlan\":[100,200],\"src_ip\":\"10.1.2.3\",\"src_port\":54321,\"dest_ip\":\"10.1.2.53\","  \
    "\"dest_port\":53,\"proto\":\"UDP\",\"community_id\":\"1:zHZRHjVZqC+7aTzgkpeU/DBRAAs=\","   \
    "\"app_proto\":\"dns\",\"flow\":{\"pkts_toserver\":1,\"pkts_toclient\":1,"                 \
    "\"bytes_toserver\":71,\"bytes_toclient\":87,\"start\":\"2024-02-29T23:59:59.999999+0000\"," \
    "\"end\":\"2024-03-01T00:00:00.000001+0000\",\"age\":1,\"state\":\"established\","         \
    "\"reason\":\"shutdown\",\"alerted\":true},"                                               \
    "\"ndpi\":{\"protocol\":\"DNS\",\"category\":\"Network\",\"hostname\":\"example.org\","     \
    "\"guessed\":true}}"

static struct rw_json *build_udp_vlan(void)
{
    struct rw_flow_info fi = udp_vlan_info();

    return rw_eve_flow_record(&fi, &udp_cls, 1);
}

static struct rw_flow_info icmp_info(void)
{
    struct rw_flow_info fi;

    memset(&fi, 0, sizeof(fi));
    /* Echo request (type 8, code 0): the spec's ICMP vector. */
    fi.key = key_of(IPPROTO_ICMP, "192.168.0.89", 8, "192.168.0.1", 0);
    fi.flow_id = 7;
    fi.start_us = 1000000;
    fi.last_us = 1500000;
    fi.pkts[RW_TOSERVER] = 3;
    fi.pkts[RW_TOCLIENT] = 3;
    fi.bytes[RW_TOSERVER] = 252;
    fi.bytes[RW_TOCLIENT] = 252;
    fi.state = RW_FLOW_NEW;
    fi.reason = RW_END_FORCED;
    return fi;
}

#define ICMP_JSON                                                                              \
    "{\"timestamp\":\"1970-01-01T00:00:01.500000+0000\",\"flow_id\":7,\"event_type\":\"flow\"," \
    "\"src_ip\":\"192.168.0.89\",\"dest_ip\":\"192.168.0.1\",\"proto\":\"ICMP\","              \
    "\"icmp_type\":8,\"icmp_code\":0,\"community_id\":\"1:X0snYXpgwiv9TZtqg64sgzUn6Dk=\","     \
    "\"flow\":{\"pkts_toserver\":3,\"pkts_toclient\":3,\"bytes_toserver\":252,"                \
    "\"bytes_toclient\":252,\"start\":\"1970-01-01T00:00:01.000000+0000\","                    \
    "\"end\":\"1970-01-01T00:00:01.500000+0000\",\"age\":0,\"state\":\"new\","                 \
    "\"reason\":\"forced\",\"alerted\":false}}"

static struct rw_json *build_icmp(void)
{
    struct rw_flow_info fi = icmp_info();

    return rw_eve_flow_record(&fi, NULL, 0);
}

static struct rw_flow_info ipv6_info(void)
{
    struct rw_flow_info fi;

    memset(&fi, 0, sizeof(fi));
    /* The spec's IPv6 TCP vector, at the event layer: no cls, the host names the protocol. */
    fi.key = key_of(IPPROTO_TCP, "2001:470:e5bf:dead:4957:2174:e82c:4887", 63943,
                    "2607:f8b0:400c:c03::1a", 25);
    fi.flow_id = 4503599627370495; /* 2^52 - 1 */
    fi.start_us = 1714564800000000;
    fi.last_us = 1714564860000000;
    fi.pkts[RW_TOSERVER] = 12;
    fi.pkts[RW_TOCLIENT] = 11;
    fi.bytes[RW_TOSERVER] = 4242;
    fi.bytes[RW_TOCLIENT] = 2424;
    fi.tcp_flags[RW_TOSERVER] = RW_TCP_SYN;              /* 0x02 */
    fi.tcp_flags[RW_TOCLIENT] = RW_TCP_SYN | RW_TCP_ACK; /* 0x12 */
    fi.state = RW_FLOW_ESTABLISHED;
    fi.reason = RW_END_TIMEOUT;
    fi.app_proto = "smtp";
    return fi;
}

#define IPV6_JSON                                                                              \
    "{\"timestamp\":\"2024-05-01T12:01:00.000000+0000\",\"flow_id\":4503599627370495,"         \
    "\"event_type\":\"flow\",\"src_ip\":\"2001:470:e5bf:dead:4957:2174:e82c:4887\","          \
    "\"src_port\":63943,\"dest_ip\":\"2607:f8b0:400c:c03::1a\",\"dest_port\":25,"              \
    "\"proto\":\"TCP\",\"community_id\":\"1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=\","                   \
    "\"app_proto\":\"smtp\",\"flow\":{\"pkts_toserver\":12,\"pkts_toclient\":11,"              \
    "\"bytes_toserver\":4242,\"bytes_toclient\":2424,"                                         \
    "\"start\":\"2024-05-01T12:00:00.000000+0000\",\"end\":\"2024-05-01T12:01:00.000000+0000\"," \
    "\"age\":60,\"state\":\"established\",\"reason\":\"timeout\",\"alerted\":false},"          \
    "\"tcp\":{\"tcp_flags\":\"12\",\"tcp_flags_ts\":\"02\",\"tcp_flags_tc\":\"12\","           \
    "\"syn\":true,\"ack\":true}}"

static struct rw_json *build_ipv6(void)
{
    struct rw_flow_info fi = ipv6_info();

    return rw_eve_flow_record(&fi, NULL, 0);
}

static const struct rw_counter stats_counters[] = {
    {"decoder.pkts", 100},
    {"decoder.bytes", 6000},
    {"decoder.event.ipv4.trunc_pkt", 2},
    {"capture.kernel_drops", 0},
    {"flow.tcp", 3},
    {"decoder.pkts", 5},   /* same path: added, 105 */
    {"uptime", 60},
    {"decoder.pkts.x", 1}, /* runs through a value: skipped */
    {"decoder", 9},        /* names an object: skipped */
    {"", 1},               /* empty: skipped */
    {"flow..udp", 1},      /* empty component: skipped */
    {".flow", 1},
    {"flow.", 1},
    {"flow.\xff", 1},      /* not UTF-8: skipped */
};

#define STATS_JSON                                                                             \
    "{\"timestamp\":\"2024-05-01T12:00:00.000000+0000\",\"event_type\":\"stats\","             \
    "\"stats\":{\"decoder\":{\"pkts\":105,\"bytes\":6000,\"event\":{\"ipv4\":{\"trunc_pkt\":2}}}," \
    "\"capture\":{\"kernel_drops\":0},\"flow\":{\"tcp\":3},\"uptime\":60}}"

static struct rw_json *build_stats(void)
{
    return rw_eve_stats_record(1714564800000000, stats_counters,
                               sizeof(stats_counters) / sizeof(stats_counters[0]));
}

/* A flow whose host name came off the wire hostile: quote, backslash, NUL, bad UTF-8. */
static const struct rw_cls_result hostile_cls = {
    .proto = "HTTP", .app_proto = "http", .category = "Web",
    .host = "a\"b\\c\x01\xff\xc0\xaf\xf0\x9f\x98\x80", /* then NUL padding */
    .done = 1,
};

/* the ndpi object as Suricata escapes it: quote and backslash escaped, 0x01 as \u0001, and
 * since the name is not UTF-8 every byte >= 0x80 as "\xnn" text (its backslash escaped),
 * the emoji's bytes included */
#define HOSTILE_NDPI_JSON                                                                      \
    "\"ndpi\":{\"protocol\":\"HTTP\",\"category\":\"Web\","                                    \
    "\"hostname\":\"a\\\"b\\\\c\\u0001\\\\xff\\\\xc0\\\\xaf\\\\xf0\\\\x9f\\\\x98\\\\x80\","         \
    "\"guessed\":false}"

static struct rw_json *build_hostile(void)
{
    struct rw_flow_info fi = tcp4_info();

    return rw_eve_flow_record(&fi, &hostile_cls, 0);
}

/* ---- suite setup: route jansson through rw_malloc so the failure hook reaches it ------ */

static int eve_suite_init(void)
{
    json_set_alloc_funcs(rw_malloc, rw_free);
    return 0;
}

static int eve_suite_cleanup(void)
{
    rw_alloc_hook_set(0);
    json_set_alloc_funcs(malloc, free);
    return 0;
}

/* ---- timestamps ----------------------------------------------------------------------- */

static void test_eve_timestamp_is_utc_with_microseconds(void)
{
    char ts[RW_EVE_TS_BYTES];

    rw_eve_timestamp(0, ts, sizeof(ts));
    CU_ASSERT_STRING_EQUAL(ts, "1970-01-01T00:00:00.000000+0000");
    rw_eve_timestamp(1714564800123456, ts, sizeof(ts));
    CU_ASSERT_STRING_EQUAL(ts, "2024-05-01T12:00:00.123456+0000");
    rw_eve_timestamp(1709251199999999, ts, sizeof(ts));
    CU_ASSERT_STRING_EQUAL(ts, "2024-02-29T23:59:59.999999+0000");
    rw_eve_timestamp(1000001, ts, sizeof(ts));
    CU_ASSERT_STRING_EQUAL(ts, "1970-01-01T00:00:01.000001+0000");
}

/* Against the C library's calendar: gmtime_r + snprintf, the way the records were written
 * before, on days spread over the whole range (leap days, centuries, 2000, 9999). */
static void test_eve_timestamp_agrees_with_gmtime(void)
{
    char ts[RW_EVE_TS_BYTES], want[64];
    uint64_t x = 0x9E3779B97F4A7C15ULL;

    for (int i = 0; i < 200000; i++) {
        uint64_t us;
        time_t t;
        struct tm tm;

        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        us = x % (253402300799ULL * 1000000 + 1000000);
        if (i < 4000) /* and every day around 1999-2001 and 2099-2101 */
            us = ((i < 2000 ? 10592 : 47117) + (uint64_t)(i % 2000) / 2) * 86400000000ULL +
                 (uint64_t)i * 43199999;
        t = (time_t)(us / 1000000);
        CU_ASSERT_PTR_NOT_NULL_FATAL(gmtime_r(&t, &tm));
        snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%06u+0000",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                 tm.tm_sec, (unsigned)(us % 1000000));
        rw_eve_timestamp(us, ts, sizeof(ts));
        if (strcmp(ts, want) != 0) {
            fprintf(stderr, "\n  %llu: got %s, gmtime says %s", (unsigned long long)us, ts, want);
            CU_FAIL("timestamp differs from gmtime_r");
            break;
        }
    }
}

static void test_eve_timestamp_clamps_past_year_9999(void)
{
    char ts[RW_EVE_TS_BYTES];

    rw_eve_timestamp(UINT64_MAX, ts, sizeof(ts));
    CU_ASSERT_STRING_EQUAL(ts, "9999-12-31T23:59:59.999999+0000");
    rw_eve_timestamp(253402300799000000, ts, sizeof(ts)); /* the last second itself */
    CU_ASSERT_STRING_EQUAL(ts, "9999-12-31T23:59:59.000000+0000");
}

static void test_eve_timestamp_short_buffer_gives_empty(void)
{
    char ts[32]; /* "1970-01-01T00:00:00.000000+0000" is 31 characters plus NUL */

    memset(ts, 'x', sizeof(ts));
    rw_eve_timestamp(0, ts, 31); /* one byte short: nothing partial is left */
    CU_ASSERT_STRING_EQUAL(ts, "");
    rw_eve_timestamp(0, ts, 32);
    CU_ASSERT_STRING_EQUAL(ts, "1970-01-01T00:00:00.000000+0000");
    rw_eve_timestamp(0, ts, 1);
    CU_ASSERT_STRING_EQUAL(ts, "");
}

/* ---- Community ID --------------------------------------------------------------------- */

struct cid_vector {
    uint8_t proto;
    const char *src, *dst;
    uint16_t sport, dport; /* ICMP: type, code */
    const char *id;
};

/* corelight/community-id-spec baseline/baseline_deflt.json and pycommunityid's tests. */
static const struct cid_vector cid_vectors[] = {
    {58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 0,
     "1:dGHyGvjMfljg6Bppwm3bg0LO8TY="},
    {58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 0,
     "1:dGHyGvjMfljg6Bppwm3bg0LO8TY="},
    {58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 0,
     "1:zavyT/cezQr1fmImYCwYnMXbgck="},
    {58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 136, 0,
     "1:zavyT/cezQr1fmImYCwYnMXbgck="},
    {58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0,
     "1:2ObVBgIn28oZvibYZhZMBgh7WdQ="},
    {58, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4,
     "1:hLZd0XGWojozrvxqE0dWB1iM6R0="},
    {58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 0,
     "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg="},
    {58, "3ffe:501:0:1001::2", "3ffe:507:0:1:200:86ff:fe05:80da", 129, 0,
     "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg="},
    {58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 0, "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0="},
    {58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 0, "1:pkvHqCL88/tg1k4cPigmZXUtL00="},
    /* one-way (destination unreachable): never reordered, so each direction differs */
    {58, "3ffe:507:0:1:260:97ff:fe07:69ea", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0,
     "1:NdobDX8PQNJbAyfkWxhtL2Pqp5w="},
    {58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:507:0:1:260:97ff:fe07:69ea", 3, 0,
     "1:/OGBt9BN1ofenrmSPWYicpij2Vc="},
    {1, "192.168.0.89", "192.168.0.1", 8, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="},
    {1, "192.168.0.1", "192.168.0.89", 0, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="},
    {1, "192.168.0.1", "192.168.0.89", 0, 20, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="}, /* code ignored */
    {1, "192.168.0.89", "192.168.0.1", 20, 0, "1:3o2RFccXzUgjl7zDpqmY7yJi8rI="},
    {1, "192.168.0.89", "192.168.0.1", 20, 1, "1:tz/fHIDUHs19NkixVVoOZywde+I="},
    {1, "10.0.0.1", "10.0.0.2", 11, 0, "1:YHxtAirCG//0OzkcVAukqKQN9xM="},
    {6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25,
     "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
    {6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943,
     "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
    {132, "192.168.170.8", "192.168.170.56", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="},
    {132, "192.168.170.56", "192.168.170.8", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="},
    {132, "192.168.170.8", "192.168.170.56", 7, 80, "1:jQgCxbku+pNGw8WPbEc/TS/uTpQ="},
    {132, "192.168.170.56", "192.168.170.8", 80, 7, "1:jQgCxbku+pNGw8WPbEc/TS/uTpQ="},
    {6, "128.232.110.120", "66.35.250.204", 34855, 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
    {6, "66.35.250.204", "128.232.110.120", 80, 34855, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
    {6, "10.0.0.1", "10.0.0.2", 10, 11569, "1:SXBGMX1lBOwhhoDrZynfROxnhnM="},
    {17, "192.168.1.52", "8.8.8.8", 54585, 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},
    {17, "8.8.8.8", "192.168.1.52", 53, 54585, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},
    {46, "10.1.12.1", "10.1.12.2", 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw="},
    {46, "10.1.12.2", "10.1.12.1", 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw="},
    {46, "10.1.24.4", "10.1.12.1", 0, 0, "1:/nQI4Rh/TtY3mf0R2gJFBkVlgS4="},
    {46, "10.1.12.1", "10.1.24.4", 0, 0, "1:/nQI4Rh/TtY3mf0R2gJFBkVlgS4="},
    /* same address both ends: the ports decide the order (separate Python computation) */
    {6, "10.0.0.1", "10.0.0.1", 80, 1234, "1:WaobEo3Uyp/JjlL9QX3lvrl1Oag="},
    {6, "10.0.0.1", "10.0.0.1", 1234, 80, "1:WaobEo3Uyp/JjlL9QX3lvrl1Oag="},
};

static void test_eve_community_id_matches_spec_vectors(void)
{
    for (size_t i = 0; i < sizeof(cid_vectors) / sizeof(cid_vectors[0]); i++) {
        const struct cid_vector *v = &cid_vectors[i];
        struct rw_flow_key k = key_of(v->proto, v->src, v->sport, v->dst, v->dport);
        char id[32];

        CU_ASSERT_EQUAL_FATAL(k.src.family != 0 && k.dst.family != 0, 1);
        CU_ASSERT_EQUAL(rw_eve_community_id(&k, id, sizeof(id)), 0);
        if (strcmp(id, v->id) != 0)
            fprintf(stderr, "\n  vector %zu: expected %s got %s\n", i, v->id, id);
        CU_ASSERT_STRING_EQUAL(id, v->id);
    }
}

/* nDPI's own implementation (given host-order IPv4 addresses and ports, which its header
 * does not say) must agree with ours on every ICMP type, the part most often got wrong. */
static void ndpi_cid(const struct rw_flow_key *k, char *out, size_t len)
{
    struct ndpi_in6_addr s6, d6;
    uint32_t s4, d4;
    int icmp = k->proto == IPPROTO_ICMP || k->proto == IPPROTO_ICMPV6;
    uint16_t sp = icmp ? 0 : k->sport, dp = icmp ? 0 : k->dport;
    uint8_t t = icmp ? (uint8_t)k->sport : 0, c = icmp ? (uint8_t)k->dport : 0;

    memset(out, 0, len);
    if (k->src.family == 4) {
        memcpy(&s4, k->src.a, 4);
        memcpy(&d4, k->dst.a, 4);
        ndpi_flowv4_flow_hash(k->proto, ntohl(s4), ntohl(d4), sp, dp, t, c, (u_char *)out,
                              (uint8_t)len);
    } else {
        memcpy(&s6, k->src.a, 16);
        memcpy(&d6, k->dst.a, 16);
        ndpi_flowv6_flow_hash(k->proto, &s6, &d6, sp, dp, t, c, (u_char *)out, (uint8_t)len);
    }
}

static void test_eve_community_id_agrees_with_ndpi_on_all_icmp_types(void)
{
    static const char *pairs[][2] = {
        {"192.168.0.89", "192.168.0.1"}, {"192.168.0.1", "192.168.0.89"},
        {"fe80::1", "fe80::2"},         {"fe80::2", "fe80::1"},
    };
    static const uint8_t codes[] = {0, 1, 20, 255};
    size_t disagree = 0, n = 0;

    for (size_t p = 0; p < 4; p++) {
        uint8_t proto = p < 2 ? IPPROTO_ICMP : IPPROTO_ICMPV6;

        for (unsigned type = 0; type < 256; type++) {
            for (size_t c = 0; c < sizeof(codes); c++) {
                struct rw_flow_key k = key_of(proto, pairs[p][0], (uint16_t)type, pairs[p][1],
                                              codes[c]);
                char ours[64], theirs[64];

                CU_ASSERT_EQUAL(rw_eve_community_id(&k, ours, sizeof(ours)), 0);
                ndpi_cid(&k, theirs, sizeof(theirs));
                if (strcmp(ours, theirs) != 0 && disagree++ < 5)
                    fprintf(stderr, "\n  proto %u type %u code %u: ours %s ndpi %s\n", proto,
                            type, codes[c], ours, theirs);
                n++;
            }
        }
    }
    CU_ASSERT_EQUAL(n, 4 * 256 * 4);
    CU_ASSERT_EQUAL(disagree, 0);
}

static void test_eve_community_id_rejects_bad_keys_and_short_buffers(void)
{
    struct rw_flow_key k = key_of(IPPROTO_TCP, "10.0.0.1", 1, "10.0.0.2", 2);
    struct rw_flow_key mixed = key_of(IPPROTO_TCP, "10.0.0.1", 1, "::1", 2);
    struct rw_flow_key none = key_of(IPPROTO_TCP, "10.0.0.1", 1, "10.0.0.2", 2);
    char id[32];

    none.src.family = 0;
    none.dst.family = 0;
    CU_ASSERT_EQUAL(rw_eve_community_id(&k, id, 30), RW_EINVAL);  /* needs 31 */
    CU_ASSERT_EQUAL(rw_eve_community_id(&k, id, 31), 0);
    CU_ASSERT_EQUAL(strlen(id), 30);
    CU_ASSERT_EQUAL(rw_eve_community_id(&mixed, id, sizeof(id)), RW_EINVAL);
    CU_ASSERT_STRING_EQUAL(id, "");
    CU_ASSERT_EQUAL(rw_eve_community_id(&none, id, sizeof(id)), RW_EINVAL);
    CU_ASSERT_EQUAL(rw_eve_community_id(NULL, id, sizeof(id)), RW_EINVAL);
}

/* ---- proto names ---------------------------------------------------------------------- */

static void test_eve_proto_name_gives_suricata_words_else_number(void)
{
    char buf[8];

    CU_ASSERT_STRING_EQUAL(rw_eve_proto_name(6, buf, sizeof(buf)), "TCP");
    CU_ASSERT_STRING_EQUAL(rw_eve_proto_name(17, buf, sizeof(buf)), "UDP");
    CU_ASSERT_STRING_EQUAL(rw_eve_proto_name(1, buf, sizeof(buf)), "ICMP");
    CU_ASSERT_STRING_EQUAL(rw_eve_proto_name(58, buf, sizeof(buf)), "IPv6-ICMP");
    CU_ASSERT_STRING_EQUAL(rw_eve_proto_name(132, buf, sizeof(buf)), "132");
    CU_ASSERT_STRING_EQUAL(rw_eve_proto_name(0, buf, sizeof(buf)), "0");
    CU_ASSERT_STRING_EQUAL(rw_eve_proto_name(255, buf, sizeof(buf)), "255");
    CU_ASSERT_STRING_EQUAL(rw_eve_proto_name(255, buf, 3), ""); /* "255" needs 4 */
    CU_ASSERT_STRING_EQUAL(rw_eve_proto_name(6, NULL, 0), "TCP");
}

/* ---- records: exact text -------------------------------------------------------------- */

static void test_eve_flow_record_tcp_exact(void)
{
    CU_ASSERT_JSON(build_tcp4(), TCP4_JSON);
}

static void test_eve_flow_record_udp_with_vlan_exact(void)
{
    CU_ASSERT_JSON(build_udp_vlan(), UDP_VLAN_JSON);
}

static void test_eve_flow_record_icmp_has_type_code_not_ports(void)
{
    CU_ASSERT_JSON(build_icmp(), ICMP_JSON);
}

static void test_eve_flow_record_ipv6_event_layer_exact(void)
{
    CU_ASSERT_JSON(build_ipv6(), IPV6_JSON);
}

static void test_eve_flow_record_hostile_hostname_is_escaped(void)
{
    struct rw_json *rec = build_hostile();
    char *line;

    CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
    line = strndup(rec->buf, rec->len);
    rw_json_free(rec);
    CU_ASSERT_PTR_NOT_NULL_FATAL(line);
    if (strstr(line, HOSTILE_NDPI_JSON) == NULL)
        fprintf(stderr, "\n  want %s\n  in   %s\n", HOSTILE_NDPI_JSON, line);
    CU_ASSERT_PTR_NOT_NULL(strstr(line, HOSTILE_NDPI_JSON));
    free(line);
}

static void test_eve_flow_record_other_protocol_has_no_ports(void)
{
    struct rw_flow_info fi = icmp_info();

    fi.key = key_of(47, "10.0.0.1", 0, "10.0.0.2", 0); /* GRE */
    fi.state = 9;                                     /* out of range: left out */
    fi.reason = 9;
    fi.pkts[RW_TOSERVER] = UINT64_MAX;                /* saturates at INT64_MAX */
    CU_ASSERT_JSON(rw_eve_flow_record(&fi, NULL, 0),
                   "{\"timestamp\":\"1970-01-01T00:00:01.500000+0000\",\"flow_id\":7,"
                   "\"event_type\":\"flow\",\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"10.0.0.2\","
                   "\"proto\":\"47\",\"community_id\":\"1:+KlEHDT0vJgzs/eNmzHq0aSpRYw=\","
                   "\"flow\":{\"pkts_toserver\":9223372036854775807,\"pkts_toclient\":3,"
                   "\"bytes_toserver\":252,\"bytes_toclient\":252,"
                   "\"start\":\"1970-01-01T00:00:01.000000+0000\","
                   "\"end\":\"1970-01-01T00:00:01.500000+0000\",\"age\":0,\"alerted\":false}}");
}

static void test_eve_flow_record_app_proto_falls_back_to_host(void)
{
    struct rw_flow_info fi = icmp_info();
    struct rw_cls_result empty;
    json_t *rec;

    memset(&empty, 0, sizeof(empty));
    fi.app_proto = "host-proto";
    rec = tree(rw_eve_flow_record(&fi, &empty, 0)); /* cls without an app_proto */
    CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(rec, "app_proto")), "host-proto");
    CU_ASSERT_TRUE(tree_is(json_incref(json_object_get(rec, "ndpi")),
                   "{\"protocol\":\"\",\"category\":\"\",\"guessed\":false}"));
    json_decref(rec);
}

static void test_eve_header_without_flow_has_two_keys(void)
{
    CU_ASSERT_JSON(rw_eve_end(rw_eve_begin("stats", 1714564800000000, NULL, NULL, 0)),
                   "{\"timestamp\":\"2024-05-01T12:00:00.000000+0000\",\"event_type\":\"stats\"}");
    /* no event type: no key at all, as a NULL string is skipped */
    CU_ASSERT_JSON(rw_eve_end(rw_eve_begin(NULL, 0, NULL, NULL, 0)),
                   "{\"timestamp\":\"1970-01-01T00:00:00.000000+0000\"}");
    CU_ASSERT_PTR_NULL(rw_eve_end(NULL));
}

static void test_eve_header_clamps_extra_vlan_layers(void)
{
    struct rw_flow_info fi = udp_vlan_info();
    json_t *rec;

    fi.key.nvlan = 200; /* a host bug: never read past vlan[RW_VLAN_MAX_LAYERS - 1] */
    rec = tree(rw_eve_end(rw_eve_begin("flow", 0, &fi, NULL, 0)));
    CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
    CU_ASSERT_TRUE(tree_is(json_incref(json_object_get(rec, "vlan")), "[100,200]"));
    json_decref(rec);
}

static void test_eve_stats_record_nests_adds_and_skips(void)
{
    CU_ASSERT_JSON(build_stats(), STATS_JSON);
}

static void test_eve_stats_record_saturates(void)
{
    static const struct rw_counter c[] = {
        {"capture.kernel_packets", UINT64_MAX},
        {"decoder.pkts", (uint64_t)INT64_MAX - 1},
        {"decoder.pkts", 5},
    };

    CU_ASSERT_JSON(rw_eve_stats_record(0, c, 3),
                   "{\"timestamp\":\"1970-01-01T00:00:00.000000+0000\",\"event_type\":\"stats\","
                   "\"stats\":{\"capture\":{\"kernel_packets\":9223372036854775807},"
                   "\"decoder\":{\"pkts\":9223372036854775807}}}");
    CU_ASSERT_JSON(rw_eve_stats_record(0, NULL, 0),
                   "{\"timestamp\":\"1970-01-01T00:00:00.000000+0000\",\"event_type\":\"stats\","
                   "\"stats\":{}}");
}

/* ---- emit ----------------------------------------------------------------------------- */

struct sink {
    char line[4096];
    size_t len;
    int calls;
    int fail;
};

static int sink_write(void *ctx, const char *line, size_t len)
{
    struct sink *s = ctx;

    s->calls++;
    if (s->fail)
        return RW_EIO;
    s->len = len;
    snprintf(s->line, sizeof(s->line), "%.*s", (int)len, line);
    return 0;
}

static void test_eve_emit_writes_one_compact_line(void)
{
    struct sink s = {.calls = 0};
    struct rw_output out = {&s, sink_write};

    CU_ASSERT_EQUAL(rw_eve_emit(&out, build_tcp4()), 0);
    CU_ASSERT_EQUAL(s.calls, 1);
    CU_ASSERT_EQUAL(s.len, strlen(TCP4_JSON));
    CU_ASSERT_STRING_EQUAL(s.line, TCP4_JSON);
    CU_ASSERT_PTR_NULL(strchr(s.line, '\n'));
}

static void test_eve_emit_reports_errors_and_frees(void)
{
    struct sink s = {.fail = 1};
    struct rw_output out = {&s, sink_write};
    struct rw_output nowrite = {&s, NULL};

    CU_ASSERT_EQUAL(rw_eve_emit(&out, build_stats()), RW_EIO);
    CU_ASSERT_EQUAL(s.calls, 1);
    CU_ASSERT_EQUAL(rw_eve_emit(&out, NULL), RW_ENOMEM); /* emit(out, build()) after OOM */
    CU_ASSERT_EQUAL(rw_eve_emit(&nowrite, build_stats()), RW_EINVAL);
    CU_ASSERT_EQUAL(rw_eve_emit(NULL, build_stats()), RW_EINVAL);
    CU_ASSERT_EQUAL(s.calls, 1);
    /* leaks of the records above would be reported by the ASan build */
}

/* ---- out of memory: every failed allocation gives NULL (and leaks nothing) ------------- */

static void oom_walk(struct rw_json *(*build)(void), const char *expected)
{
    unsigned long n, nonnull = 0;
    struct rw_json *rec;

    rw_alloc_hook_set(0);
    rec = build();
    n = rw_alloc_hook_set(0);
    rw_json_free(rec);
    CU_ASSERT_TRUE(n >= 2); /* the writer and its buffer, at least */
    for (unsigned long i = 1; i <= n; i++) {
        rw_alloc_hook_set(i);
        rec = build();
        rw_alloc_hook_set(0);
        if (rec != NULL)
            nonnull++;
        rw_json_free(rec);
    }
    CU_ASSERT_EQUAL(nonnull, 0);
    rw_alloc_hook_set(n + 1); /* exactly enough: the record is whole */
    rec = build();
    rw_alloc_hook_set(0);
    CU_ASSERT_JSON(rec, expected);
}

/* rw_alloc's hook fails the Nth allocation and every later one, which can hide a failure
 * that was ignored. The stats record still nests its counters in a jansson tree: this
 * jansson allocator fails only the Nth of those, and each failure alone must give NULL.
 * (Test state; plugin/core has none.) */
static unsigned long once_count, once_at;

static void *once_malloc(size_t n)
{
    if (++once_count == once_at)
        return NULL;
    return malloc(n);
}

static void test_eve_builders_return_null_on_every_failed_allocation(void)
{
    oom_walk(build_tcp4, TCP4_JSON);
    oom_walk(build_udp_vlan, UDP_VLAN_JSON);
    oom_walk(build_icmp, ICMP_JSON);
    oom_walk(build_ipv6, IPV6_JSON);
    oom_walk(build_stats, STATS_JSON);
}

static void test_eve_stats_null_when_any_one_tree_allocation_fails(void)
{
    unsigned long n, nonnull = 0;
    struct rw_json *rec;

    json_set_alloc_funcs(once_malloc, free);
    once_count = 0;
    once_at = 0;
    rw_json_free(build_stats());
    n = once_count;
    CU_ASSERT_TRUE(n > 10);
    for (unsigned long i = 1; i <= n; i++) {
        once_count = 0;
        once_at = i;
        rec = build_stats();
        if (rec != NULL)
            nonnull++;
        rw_json_free(rec);
    }
    once_at = 0;
    CU_ASSERT_EQUAL(nonnull, 0);
    CU_ASSERT_JSON(build_stats(), STATS_JSON);
    json_set_alloc_funcs(rw_malloc, rw_free);
}

/* Writing a finished record allocates nothing: the line is handed over as it is. */
static void test_eve_emit_allocates_nothing(void)
{
    struct sink s = {.calls = 0};
    struct rw_output out = {&s, sink_write};
    struct rw_json *rec = build_stats();

    CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
    rw_alloc_hook_set(1);
    CU_ASSERT_EQUAL(rw_eve_emit(&out, rec), 0);
    rw_alloc_hook_set(0);
    CU_ASSERT_EQUAL(s.calls, 1);
    CU_ASSERT_STRING_EQUAL(s.line, STATS_JSON);
}

/* ---- risks (rw_classify_risk_names: nDPI's names, lowest bit first) -------------------- */

static void test_eve_flow_record_lists_ndpi_risks(void)
{
    struct rw_flow_info fi = tcp4_info();
    struct rw_cls_result cls = tcp4_cls;
    json_t *rec;

    cls.risk = (UINT64_C(1) << NDPI_KNOWN_PROTOCOL_ON_NON_STANDARD_PORT) |
               (UINT64_C(1) << NDPI_TLS_SELFSIGNED_CERTIFICATE);
    rec = tree(rw_eve_flow_record(&fi, &cls, 0));
    CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
    CU_ASSERT_TRUE(tree_is(json_incref(json_object_get(rec, "ndpi")),
                   "{\"protocol\":\"TLS.Google\",\"category\":\"Web\","
                   "\"hostname\":\"www.example.com\","
                   "\"risks\":[\"Known Protocol on Non Standard Port\","
                   "\"Self-signed Certificate\"],\"guessed\":false}"));
    json_decref(rec);
}

/* ---- schema: the records validate, and the checker can fail ---------------------------- */

/* Runs evecheck.py with args; returns its exit status and its output in out. */
static int run_evecheck(const char *args, char *out, size_t outlen)
{
    char cmd[512];
    FILE *p;
    size_t n = 0;
    int st;

    /* args are test-made paths and options, never outside input */
    snprintf(cmd, sizeof(cmd), "python3 " EVECHECK " %s 2>&1", args);
    p = popen(cmd, "r");
    if (p == NULL)
        return -1;
    while (n < outlen - 1) {
        size_t got = fread(out + n, 1, outlen - 1 - n, p);

        if (got == 0)
            break;
        n += got;
    }
    out[n] = '\0';
    st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int write_lines(char *path, json_t *const *recs, size_t n)
{
    int fd = mkstemp(path);
    FILE *f;
    int ok = 1;

    if (fd < 0)
        return 0;
    f = fdopen(fd, "w");
    if (f == NULL) {
        close(fd);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char *line = recs[i] == NULL ? NULL : json_dumps(recs[i], JSON_COMPACT);

        ok &= line != NULL && fprintf(f, "%s\n", line) > 0;
        free(line);
    }
    return fclose(f) == 0 && ok;
}

static void test_eve_records_validate_against_suricata_schema(void)
{
    /* each line parsed back by jansson (NULL, and so a failure, when it is not JSON) */
    json_t *recs[] = {tree(build_tcp4()),  tree(build_udp_vlan()), tree(build_icmp()),
                      tree(build_ipv6()),  tree(build_stats()),    tree(build_hostile()),
                      tree(rw_eve_end(rw_eve_begin("stats", 0, NULL, NULL, 0)))};
    size_t n = sizeof(recs) / sizeof(recs[0]);
    char path[] = "/tmp/rw_eve_valid_XXXXXX";
    char out[4096], args[128];

    RW_NEED_FILE(EVECHECK);
    RW_NEED_FILE(EVE_SCHEMA);
    CU_ASSERT_TRUE_FATAL(write_lines(path, recs, n));
    snprintf(args, sizeof(args), "%s", path);
    CU_ASSERT_EQUAL(run_evecheck(args, out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(out, "");
    if (out[0] != '\0')
        fprintf(stderr, "\n%s", out);
    unlink(path);
    for (size_t i = 0; i < n; i++)
        json_decref(recs[i]);
}

static void test_eve_checker_fails_on_extra_keys(void)
{
    json_t *top = tree(build_tcp4()), *nested = tree(build_tcp4());
    json_t *recs[] = {top, nested};
    char path[] = "/tmp/rw_eve_bad_XXXXXX";
    char out[4096], args[128], want[512];

    RW_NEED_FILE(EVECHECK);
    RW_NEED_FILE(EVE_SCHEMA);
    CU_ASSERT_PTR_NOT_NULL_FATAL(top);
    CU_ASSERT_PTR_NOT_NULL_FATAL(nested);
    json_object_set_new(top, "bogus", json_integer(1));
    json_object_set_new(json_object_get(nested, "flow"), "payload_toserver", json_integer(1000));
    CU_ASSERT_TRUE_FATAL(write_lines(path, recs, 2));
    snprintf(args, sizeof(args), "%s", path);
    CU_ASSERT_EQUAL(run_evecheck(args, out, sizeof(out)), 1);
    snprintf(want, sizeof(want),
             "%s:1: $: Additional properties are not allowed ('bogus' was unexpected)\n"
             "%s:2: $.flow: Additional properties are not allowed ('payload_toserver' was "
             "unexpected)\n",
             path, path);
    CU_ASSERT_STRING_EQUAL(out, want);
    if (strcmp(out, want) != 0)
        fprintf(stderr, "\n  expected %s\n  got      %s\n", want, out);
    unlink(path);
    json_decref(top);
    json_decref(nested);
}

static void test_eve_checker_refuses_to_pass_without_schema(void)
{
    char out[512];

    RW_NEED_FILE(EVECHECK);
    CU_ASSERT_EQUAL(run_evecheck("--schema /nonexistent/eve-schema.json /dev/null", out,
                                 sizeof(out)),
                    2);
    CU_ASSERT_STRING_EQUAL(out, "eve schema not found at /nonexistent/eve-schema.json\n");
}

/* ---- rw_util: rw_strerror, rw_addr_format, rw_flow_id ---------------------------------- */

static void test_util_strerror_names_every_code(void)
{
    CU_ASSERT_STRING_EQUAL(rw_strerror(RW_OK), "success");
    CU_ASSERT_STRING_EQUAL(rw_strerror(RW_ENOMEM), "out of memory");
    CU_ASSERT_STRING_EQUAL(rw_strerror(RW_EINVAL), "invalid argument");
    CU_ASSERT_STRING_EQUAL(rw_strerror(RW_EIO), "input/output error");
    CU_ASSERT_STRING_EQUAL(rw_strerror(RW_EPARSE), "invalid input (see the diagnostics)");
    CU_ASSERT_STRING_EQUAL(rw_strerror(RW_ELIMIT), "limit reached");
    CU_ASSERT_STRING_EQUAL(rw_strerror(RW_ENOENT), "no such file or name");
    CU_ASSERT_STRING_EQUAL(rw_strerror(-99), "unknown error");
    CU_ASSERT_STRING_EQUAL(rw_strerror(5), "unknown error");
}

static void test_util_addr_format_rfc5952(void)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"192.0.2.1", "192.0.2.1"},
        {"0.0.0.0", "0.0.0.0"},
        {"255.255.255.255", "255.255.255.255"},
        {"2001:DB8:0:0:0:0:0:1", "2001:db8::1"},       /* lower case, longest run */
        {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"}, /* one zero group: no "::" */
        {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"}, /* tie: the first run */
        {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},       /* the longer run */
        {"::", "::"},
        {"::1", "::1"},
        {"::ffff:192.0.2.1", "::ffff:192.0.2.1"},       /* IPv4-mapped (RFC 5952 s5) */
        {"fe80::218:8bff:fe9e:ceb", "fe80::218:8bff:fe9e:ceb"},
    };
    char buf[64];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct rw_addr a = addr_of(cases[i].in);

        CU_ASSERT_EQUAL(rw_addr_format(&a, buf, sizeof(buf)), (int)strlen(cases[i].out));
        CU_ASSERT_STRING_EQUAL(buf, cases[i].out);
    }
}

static void test_util_addr_format_refuses_small_buffers_and_no_family(void)
{
    struct rw_addr a = addr_of("192.0.2.1"), six = addr_of("2001:db8::1"), none;
    char buf[64];

    memset(&none, 0, sizeof(none));
    CU_ASSERT_EQUAL(rw_addr_format(&a, buf, 10), 9); /* "192.0.2.1" + NUL fits exactly */
    CU_ASSERT_STRING_EQUAL(buf, "192.0.2.1");
    CU_ASSERT_EQUAL(rw_addr_format(&a, buf, 9), RW_EINVAL);
    CU_ASSERT_STRING_EQUAL(buf, "");
    CU_ASSERT_EQUAL(rw_addr_format(&six, buf, 12), 11);
    CU_ASSERT_EQUAL(rw_addr_format(&six, buf, 11), RW_EINVAL);
    CU_ASSERT_STRING_EQUAL(buf, "");
    CU_ASSERT_EQUAL(rw_addr_format(&none, buf, sizeof(buf)), RW_EINVAL);
    CU_ASSERT_STRING_EQUAL(buf, "");
    CU_ASSERT_EQUAL(rw_addr_format(&a, buf, 0), RW_EINVAL);
    CU_ASSERT_EQUAL(rw_addr_format(&a, NULL, 16), RW_EINVAL);
}

static void test_util_flow_id_known_values(void)
{
    struct rw_flow_key k = key_of(IPPROTO_TCP, "192.168.1.10", 49152, "203.0.113.5", 443);
    struct rw_flow_key v6 = key_of(IPPROTO_TCP, "2001:db8::1", 50000, "2001:db8::2", 80);

    v6.nvlan = 2;
    v6.vlan[0] = 100;
    v6.vlan[1] = 200;
    /* Expected: SHA-1 of the documented byte layout, first 8 bytes big-endian, low 52
     * bits, computed separately with Python's hashlib. */
    CU_ASSERT_EQUAL(rw_flow_id(&k, 1714564800123456), UINT64_C(3438461616411454));
    CU_ASSERT_EQUAL(rw_flow_id(&v6, 1), UINT64_C(1902121134280160));
}

static void test_util_flow_id_depends_on_identity_only(void)
{
    struct rw_flow_key k = key_of(IPPROTO_UDP, "10.0.0.1", 1000, "10.0.0.2", 53), k2;
    struct rw_flow_key icmp = key_of(IPPROTO_ICMP, "10.0.0.1", 8, "10.0.0.2", 0), icmp2;
    uint64_t id = rw_flow_id(&k, 5);

    CU_ASSERT_TRUE(id != 0 && id < (UINT64_C(1) << 52));
    CU_ASSERT_EQUAL(rw_flow_id(&k, 5), id);  /* stable */
    CU_ASSERT_NOT_EQUAL(rw_flow_id(&k, 6), id); /* start time */
    k2 = k;
    k2.sport = 1001;
    CU_ASSERT_NOT_EQUAL(rw_flow_id(&k2, 5), id);
    k2 = key_of(IPPROTO_UDP, "10.0.0.2", 53, "10.0.0.1", 1000); /* reversed: another flow */
    CU_ASSERT_NOT_EQUAL(rw_flow_id(&k2, 5), id);
    k2 = k;
    k2.nvlan = 1;
    k2.vlan[0] = 10;
    CU_ASSERT_NOT_EQUAL(rw_flow_id(&k2, 5), id);
    {
        struct rw_flow_key k3 = k2;

        k3.vlan[1] = 77; /* past nvlan: not part of the key */
        CU_ASSERT_EQUAL(rw_flow_id(&k3, 5), rw_flow_id(&k2, 5));
    }
    k2 = k;
    k2.nvlan = 2;
    k2.vlan[0] = 10;
    k2.vlan[1] = 20;
    {
        struct rw_flow_key k3 = k2;

        k3.nvlan = 200; /* clamped to RW_VLAN_MAX_LAYERS */
        CU_ASSERT_EQUAL(rw_flow_id(&k3, 5), rw_flow_id(&k2, 5));
    }
    /* ICMP type/code are not part of a flow's identity */
    icmp2 = icmp;
    icmp2.sport = 0;
    icmp2.dport = 3;
    CU_ASSERT_EQUAL(rw_flow_id(&icmp2, 5), rw_flow_id(&icmp, 5));
}

static CU_TestInfo eve_tests[] = {
    {"test_eve_timestamp_is_utc_with_microseconds", test_eve_timestamp_is_utc_with_microseconds},
    {"test_eve_timestamp_agrees_with_gmtime", test_eve_timestamp_agrees_with_gmtime},
    {"test_eve_timestamp_clamps_past_year_9999", test_eve_timestamp_clamps_past_year_9999},
    {"test_eve_timestamp_short_buffer_gives_empty", test_eve_timestamp_short_buffer_gives_empty},
    {"test_eve_community_id_matches_spec_vectors", test_eve_community_id_matches_spec_vectors},
    {"test_eve_community_id_agrees_with_ndpi_on_all_icmp_types",
     test_eve_community_id_agrees_with_ndpi_on_all_icmp_types},
    {"test_eve_community_id_rejects_bad_keys_and_short_buffers",
     test_eve_community_id_rejects_bad_keys_and_short_buffers},
    {"test_eve_proto_name_gives_suricata_words_else_number",
     test_eve_proto_name_gives_suricata_words_else_number},
    {"test_eve_flow_record_tcp_exact", test_eve_flow_record_tcp_exact},
    {"test_eve_flow_record_udp_with_vlan_exact", test_eve_flow_record_udp_with_vlan_exact},
    {"test_eve_flow_record_icmp_has_type_code_not_ports",
     test_eve_flow_record_icmp_has_type_code_not_ports},
    {"test_eve_flow_record_ipv6_event_layer_exact", test_eve_flow_record_ipv6_event_layer_exact},
    {"test_eve_flow_record_hostile_hostname_is_escaped",
     test_eve_flow_record_hostile_hostname_is_escaped},
    {"test_eve_flow_record_other_protocol_has_no_ports",
     test_eve_flow_record_other_protocol_has_no_ports},
    {"test_eve_flow_record_app_proto_falls_back_to_host",
     test_eve_flow_record_app_proto_falls_back_to_host},
    {"test_eve_header_without_flow_has_two_keys", test_eve_header_without_flow_has_two_keys},
    {"test_eve_header_clamps_extra_vlan_layers", test_eve_header_clamps_extra_vlan_layers},
    {"test_eve_stats_record_nests_adds_and_skips", test_eve_stats_record_nests_adds_and_skips},
    {"test_eve_stats_record_saturates", test_eve_stats_record_saturates},
    {"test_eve_emit_writes_one_compact_line", test_eve_emit_writes_one_compact_line},
    {"test_eve_emit_reports_errors_and_frees", test_eve_emit_reports_errors_and_frees},
    {"test_eve_builders_return_null_on_every_failed_allocation",
     test_eve_builders_return_null_on_every_failed_allocation},
    {"test_eve_stats_null_when_any_one_tree_allocation_fails",
     test_eve_stats_null_when_any_one_tree_allocation_fails},
    {"test_eve_emit_allocates_nothing", test_eve_emit_allocates_nothing},
    {"test_eve_records_validate_against_suricata_schema",
     test_eve_records_validate_against_suricata_schema},
    {"test_eve_checker_fails_on_extra_keys", test_eve_checker_fails_on_extra_keys},
    {"test_eve_checker_refuses_to_pass_without_schema",
     test_eve_checker_refuses_to_pass_without_schema},
    {"test_eve_flow_record_lists_ndpi_risks", test_eve_flow_record_lists_ndpi_risks},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo util_tests[] = {
    {"test_util_strerror_names_every_code", test_util_strerror_names_every_code},
    {"test_util_addr_format_rfc5952", test_util_addr_format_rfc5952},
    {"test_util_addr_format_refuses_small_buffers_and_no_family",
     test_util_addr_format_refuses_small_buffers_and_no_family},
    {"test_util_flow_id_known_values", test_util_flow_id_known_values},
    {"test_util_flow_id_depends_on_identity_only", test_util_flow_id_depends_on_identity_only},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rw_suites_eve[] = {
    {"eve", eve_suite_init, eve_suite_cleanup, NULL, NULL, eve_tests},
    {"util", NULL, NULL, NULL, NULL, util_tests},
    CU_SUITE_INFO_NULL,
};
