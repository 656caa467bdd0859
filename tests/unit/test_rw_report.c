/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_rw_report.c — the report's times, bounded map and flagged-prefix aggregation. */
#include <CUnit/CUnit.h>
#include <jansson.h>
#include <string.h>

#include "rw_alloc.h"
#include "rw_report_agg.h"

static void test_report_parse_time_offsets_and_fractions(void)
{
    int64_t t;

    /* 2024-03-14 09:00:02 UTC is 1710406802 seconds after the epoch. */
    CU_ASSERT_EQUAL(rw_report_parse_time("2024-03-14T09:00:02.180480+0000", &t), 0);
    CU_ASSERT_EQUAL(t, 1710406802180480LL);
    CU_ASSERT_EQUAL(rw_report_parse_time("2024-03-14T10:00:02.18+0100", &t), 0);
    CU_ASSERT_EQUAL(t, 1710406802180000LL);
    CU_ASSERT_EQUAL(rw_report_parse_time("2024-03-14T03:30:02-05:30", &t), 0);
    CU_ASSERT_EQUAL(t, 1710406802000000LL);
    CU_ASSERT_EQUAL(rw_report_parse_time("2024-03-14T09:00:02Z", &t), 0);
    CU_ASSERT_EQUAL(t, 1710406802000000LL);
    CU_ASSERT_EQUAL(rw_report_parse_time("1969-12-31T23:59:59.500000+0000", &t), 0);
    CU_ASSERT_EQUAL(t, -500000LL);
}

static void test_report_parse_time_refuses_garbage(void)
{
    int64_t t = 7;
    const char *bad[] = {"", "yesterday", "2024-13-14T09:00:02+0000", "2024-03-14 09:00:02",
                         "2024-03-14T09:00:02+01", "2024-03-14T09:00:02+0000 trailing",
                         "2024-03-14T25:00:02+0000", "2024-03-14T09:00"};

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CU_ASSERT_EQUAL(rw_report_parse_time(bad[i], &t), -1);
    CU_ASSERT_EQUAL(t, 7);
}

static void test_report_buckets_and_formats_in_fixed_zone(void)
{
    struct rw_report r;
    char b[32];
    int64_t t = 1710406802180480LL; /* 2024-03-14 09:00:02 UTC */

    memset(&r, 0, sizeof(r));
    r.tz_fixed = -36000; /* UTC-10:00: still 13 March */
    rw_report_fmt_time(&r, t, 0, b, sizeof(b));
    CU_ASSERT_STRING_EQUAL(b, "2024-03-13 23:00:02");
    rw_report_fmt_bucket(rw_report_bucket_of(&r, t, 1), 1, b, sizeof(b));
    CU_ASSERT_STRING_EQUAL(b, "2024-03-13");
    rw_report_fmt_bucket(rw_report_bucket_of(&r, t, 0), 0, b, sizeof(b));
    CU_ASSERT_STRING_EQUAL(b, "2024-03-13 23:00");
    r.tz_fixed = 19800; /* UTC+05:30 */
    rw_report_fmt_bucket(rw_report_bucket_of(&r, t, 0), 0, b, sizeof(b));
    CU_ASSERT_STRING_EQUAL(b, "2024-03-14 14:00");
    rw_report_fmt_time(&r, RW_REPORT_NO_TIME, 0, b, sizeof(b));
    CU_ASSERT_STRING_EQUAL(b, "-");
    rw_report_fmt_bytes(2486989, b, sizeof(b));
    CU_ASSERT_STRING_EQUAL(b, "2.4 MiB");
    rw_report_fmt_bytes(1023, b, sizeof(b));
    CU_ASSERT_STRING_EQUAL(b, "1023 B");
}

static void test_report_map_refuses_past_cap_and_counts(void)
{
    struct rw_report_map m;
    char key[16];
    uint64_t *v;

    CU_ASSERT_EQUAL_FATAL(rw_report_map_init(&m, 100, sizeof(uint64_t)), 0);
    for (int i = 0; i < 150; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        v = rw_report_map_get(&m, key, 1);
        if (i < 100) {
            CU_ASSERT_PTR_NOT_NULL_FATAL(v);
            *v = (uint64_t)i;
        } else {
            CU_ASSERT_PTR_NULL(v);
        }
    }
    CU_ASSERT_EQUAL(m.n, 100);
    CU_ASSERT_EQUAL(m.overflow, 50);
    v = rw_report_map_get(&m, "k42", 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_EQUAL(*v, 42);
    CU_ASSERT_PTR_NULL(rw_report_map_get(&m, "k120", 0));
    CU_ASSERT_STRING_EQUAL(rw_report_map_key(&m, 7), "k7");
    rw_report_map_cleanup(&m);
}

static const char *const records[] = {
    "{\"timestamp\":\"2024-03-14T09:00:02.000000+0000\",\"flow_id\":5,\"event_type\":\"alert\","
    "\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"175.45.176.23\",\"alert\":{\"signature_id\":9100005,"
    "\"rev\":1,\"severity\":3,\"signature\":\"x\",\"context\":{\"level\":\"flow\","
    "\"list\":\"dprk\",\"prefix\":\"175.45.176.0/22\"}}}",
    /* another address of the same prefix, never named by an alert */
    "{\"timestamp\":\"2024-03-15T09:00:00.000000+0000\",\"flow_id\":6,\"event_type\":\"flow\","
    "\"src_ip\":\"10.0.0.2\",\"dest_ip\":\"175.45.179.255\",\"app_proto\":\"tls\","
    "\"flow\":{\"bytes_toserver\":1000,\"bytes_toclient\":50,"
    "\"start\":\"2024-03-15T08:59:00.000000+0000\"},\"ndpi\":{\"hostname\":\"relay.example\"}}",
    /* just outside the prefix */
    "{\"timestamp\":\"2024-03-15T09:00:00.000000+0000\",\"flow_id\":7,\"event_type\":\"flow\","
    "\"src_ip\":\"10.0.0.2\",\"dest_ip\":\"175.45.180.1\","
    "\"flow\":{\"bytes_toserver\":99,\"start\":\"2024-03-15T08:59:00.000000+0000\"}}",
    /* active FTP data: the flagged side opened it, the studio host sent to the client */
    "{\"timestamp\":\"2024-03-16T09:00:00.000000+0000\",\"flow_id\":8,\"event_type\":\"flow\","
    "\"src_ip\":\"175.45.176.23\",\"dest_ip\":\"10.0.0.1\","
    "\"flow\":{\"bytes_toserver\":70,\"bytes_toclient\":5000,"
    "\"start\":\"2024-03-16T09:00:00.000000+0000\"}}",
    "{\"event_type\":\"flow\"}",
    "{\"timestamp\":\"2024-03-16T09:00:00.000000+0000\",\"event_type\":\"weird\"}",
};

/* Feeds the records; returns -1 when an allocation failed along the way (OOM walk). */
static int feed(struct rw_report *r, struct rw_report_input *in)
{
    for (size_t i = 0; i < sizeof(records) / sizeof(records[0]); i++) {
        json_error_t err;
        json_t *rec = json_loads(records[i], 0, &err);

        if (rec == NULL)
            return -1;
        rw_report_agg_record(r, in, rec);
        json_decref(rec);
    }
    return 0;
}

static void test_report_agg_flags_every_address_of_the_alerts_prefix(void)
{
    struct rw_report r;
    struct rw_report_input in = {.path = "x"};
    struct rw_report_host *h;

    CU_ASSERT_EQUAL_FATAL(rw_report_agg_init(&r), 0);
    CU_ASSERT_EQUAL_FATAL(feed(&r, &in), 0);
    CU_ASSERT_EQUAL(r.flows_flagged, 2);
    CU_ASSERT_EQUAL(r.bytes_flagged, 1000 + 5000);
    CU_ASSERT_EQUAL(r.dests.n, 2);
    CU_ASSERT_EQUAL(r.prefixes.n, 1);
    CU_ASSERT_EQUAL(in.records, 5);
    CU_ASSERT_EQUAL(in.malformed, 1);
    CU_ASSERT_EQUAL(in.unknown, 1);
    h = rw_report_map_get(&r.hosts, "10.0.0.2", 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    CU_ASSERT_EQUAL(h->bytes, 1000);
    h = rw_report_map_get(&r.hosts, "10.0.0.1", 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    CU_ASSERT_EQUAL(h->bytes, 5000);
    CU_ASSERT_EQUAL(h->alerts, 1);
    CU_ASSERT_EQUAL(r.tls.n, 1);
    CU_ASSERT_EQUAL(((struct rw_report_tls *)rw_report_map_at(&r.tls, 0))->flagged, 1);
    CU_ASSERT_EQUAL(r.days.n, 2);
    rw_report_agg_cleanup(&r);
}

/* Every allocation of init and aggregation fails in turn: no crash, and no leak (ASan). */
static void test_report_agg_oom_walk(void)
{
    for (unsigned long n = 1; n < 400; n++) {
        struct rw_report r;
        struct rw_report_input in = {.path = "x"};
        int rc;

        rw_alloc_hook_set(n);
        rc = rw_report_agg_init(&r);
        if (rc == 0)
            feed(&r, &in);
        rw_alloc_hook_set(0);
        rw_report_agg_cleanup(&r);
    }
}

static CU_TestInfo report_tests[] = {
    {"test_report_parse_time_offsets_and_fractions", test_report_parse_time_offsets_and_fractions},
    {"test_report_parse_time_refuses_garbage", test_report_parse_time_refuses_garbage},
    {"test_report_buckets_and_formats_in_fixed_zone",
     test_report_buckets_and_formats_in_fixed_zone},
    {"test_report_map_refuses_past_cap_and_counts", test_report_map_refuses_past_cap_and_counts},
    {"test_report_agg_flags_every_address_of_the_alerts_prefix",
     test_report_agg_flags_every_address_of_the_alerts_prefix},
    {"test_report_agg_oom_walk", test_report_agg_oom_walk},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rw_suites_report[] = {
    {"report", NULL, NULL, NULL, NULL, report_tests},
    CU_SUITE_INFO_NULL,
};
