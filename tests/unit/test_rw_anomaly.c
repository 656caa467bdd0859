/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_rw_anomaly.c — HTTP anomaly counters to Suricata's event names, and their EVE record. */
#include <CUnit/CUnit.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "rw.h"
#include "rw_anomaly.h"
#include "rw_eve.h"
#include "rw_json.h"

struct seen {
    const char *ev[32];
    size_t n;
};

static void collect(void *ctx, const char *event)
{
    struct seen *s = ctx;

    if (s->n < 32)
        s->ev[s->n++] = event;
}

static void test_anomaly_http_once_per_event_in_table_order(void)
{
    struct rw_http_counters c;
    struct seen s = { {0}, 0 };

    memset(&c, 0, sizeof(c));
    c.request_smuggling = 3;
    c.header_repetition[RW_TOCLIENT] = 1;
    c.invalid_transfer_encoding = 2;
    c.host_invalid = 5; /* not written: Suricata tells URI and header apart */
    c.requests = 9;     /* not an anomaly */
    CU_ASSERT_EQUAL(rw_anomaly_http(&c, collect, &s), 3);
    CU_ASSERT_EQUAL(s.n, 3);
    CU_ASSERT_STRING_EQUAL(s.ev[0], "REQUEST_SMUGGLING");
    CU_ASSERT_STRING_EQUAL(s.ev[1], "INVALID_TRANSFER_ENCODING_VALUE_IN_REQUEST");
    CU_ASSERT_STRING_EQUAL(s.ev[2], "RESPONSE_HEADER_REPETITION");
}

static void test_anomaly_http_every_counter_named(void)
{
    struct rw_http_counters c;
    struct seen s = { {0}, 0 };

    memset(&c, 0xff, sizeof(c));
    CU_ASSERT_EQUAL(rw_anomaly_http(&c, collect, &s), 17);
    CU_ASSERT_STRING_EQUAL(s.ev[16], "HOST_HEADER_AMBIGUOUS");
    CU_ASSERT_EQUAL(rw_anomaly_http(NULL, collect, &s), 0);
    CU_ASSERT_EQUAL(rw_anomaly_http(&c, NULL, &s), 0);
    memset(&c, 0, sizeof(c));
    CU_ASSERT_EQUAL(rw_anomaly_http(&c, collect, &s), 0);
}

static void test_anomaly_eve_record_shape(void)
{
    struct rw_flow_info info;
    struct rw_json *out;
    json_t *rec;
    char *text;

    memset(&info, 0, sizeof(info));
    info.flow_id = 42;
    info.key.proto = 6;
    info.key.src.family = 4;
    info.key.src.a[0] = 10;
    info.key.dst.family = 4;
    info.key.dst.a[0] = 175;
    info.key.sport = 53007;
    info.key.dport = 80;
    out = rw_eve_anomaly_record(&info, UINT64_C(1710406800000000), "http", "REQUEST_SMUGGLING");
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    /* Read back with a reference parser (jansson), keys in the order written. */
    rec = json_loadb(out->buf, out->len, 0, NULL);
    rw_json_free(out);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
    text = json_dumps(json_object_get(rec, "anomaly"), JSON_COMPACT | JSON_PRESERVE_ORDER);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_STRING_EQUAL(text, "{\"app_proto\":\"http\",\"type\":\"applayer\","
                                 "\"event\":\"REQUEST_SMUGGLING\",\"layer\":\"proto_parser\"}");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(rec, "event_type")), "anomaly");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(rec, "timestamp")),
                           "2024-03-14T09:00:00.000000+0000");
    CU_ASSERT_PTR_NULL(json_object_get(rec, "app_proto"));
    free(text);
    json_decref(rec);
}

static CU_TestInfo anomaly_tests[] = {
    {"test_anomaly_http_once_per_event_in_table_order",
     test_anomaly_http_once_per_event_in_table_order},
    {"test_anomaly_http_every_counter_named", test_anomaly_http_every_counter_named},
    {"test_anomaly_eve_record_shape", test_anomaly_eve_record_shape},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rw_suites_anomaly[] = {
    {"anomaly", NULL, NULL, NULL, NULL, anomaly_tests},
    CU_SUITE_INFO_NULL,
};
