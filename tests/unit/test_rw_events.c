/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_rw_events.c — the event layer: a host's own flows and files through the engine's rules. */
#include <CUnit/CUnit.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rw.h"
#include "rw_test.h"

/* An output that keeps every line. */
struct ev_out {
    char lines[16][4096];
    size_t n;
};

static int ev_write(void *ctx, const char *line, size_t len)
{
    struct ev_out *c = ctx;

    if (c->n == 16 || len >= sizeof(c->lines[0]))
        return RW_EIO;
    memcpy(c->lines[c->n], line, len);
    c->lines[c->n][len] = '\0';
    c->n++;
    return 0;
}

static int ev_discard(void *ctx, const char *line, size_t len)
{
    (void)ctx;
    (void)line;
    (void)len;
    return 0;
}

/*
 * Rules: 198.51.100.0/24 is flagged; the studio is 192.0.2.0/24.
 *   sid 1  an image (by its bytes: an image MIME type) sent outbound to the flagged range
 *   sid 2  1000 payload bytes or more sent outbound to the flagged range (mid-flow)
 *   sid 3  any file of at most 100000 bytes to the range: judged at the file's end only
 */
static const char *const EV_RULES =
    "vars: {home_net: [192.0.2.0/24]}\n"
    "lists: {flag: {cidrs: [198.51.100.0/24]}}\n"
    "types: {image: {mime: [\"image/*\"]}}\n"
    "rules:\n"
    "  - {sid: 1, msg: image out, level: file, match: {dst: [flag], direction: outbound,"
    " type: [image]}}\n"
    "  - {sid: 2, msg: volume out, level: flow, match: {dst: [flag], direction: outbound,"
    " bytes: {min: 1000}}}\n"
    "  - {sid: 3, msg: small file, level: file, match: {dst: [flag], direction: outbound,"
    " bytes: {max: 100000}}}\n";

struct ev_fixture {
    char dir[64];
    char path[512];
    struct rw_engine *e;
    struct rw_events *ev;
    struct ev_out out;
};

static void ev_setup(struct ev_fixture *fx, const char *rules)
{
    struct rw_engine_config cfg;
    struct rw_output discard = {NULL, ev_discard};
    struct rw_output out = {&fx->out, ev_write};
    struct rw_diag *d = rw_diag_new();
    int err = -1;

    memset(fx, 0, sizeof(*fx));
    snprintf(fx->dir, sizeof(fx->dir), "/tmp/rw-events-XXXXXX");
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(fx->dir));
    snprintf(fx->path, sizeof(fx->path), "%s", rw_test_write(fx->dir, "r.yaml", rules));
    memset(&cfg, 0, sizeof(cfg));
    cfg.rules_path = fx->path;
    cfg.events_only = 1;
    fx->e = rw_engine_new(&cfg, &discard, d, &err);
    if (fx->e == NULL)
        fprintf(stderr, "\n%s\n", rw_diag_line(d, 0));
    CU_ASSERT_PTR_NOT_NULL_FATAL(fx->e);
    fx->ev = rw_events_new(fx->e, &out);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fx->ev);
    rw_diag_free(&d);
}

static void ev_teardown(struct ev_fixture *fx)
{
    rw_events_free(&fx->ev);
    CU_ASSERT_PTR_NULL(fx->ev);
    rw_engine_free(&fx->e);
    remove(fx->path);
    rmdir(fx->dir);
}

/* The studio's 192.0.2.10:50000 to dst:80 over TCP, as a host describes it. */
static struct rw_flow_info ev_flow(const char *dst)
{
    struct rw_flow_info fi;

    memset(&fi, 0, sizeof(fi));
    fi.key.src = rw_test_addr("192.0.2.10");
    fi.key.dst = rw_test_addr(dst);
    fi.key.sport = 50000;
    fi.key.dport = 80;
    fi.key.proto = IPPROTO_TCP;
    fi.flow_id = 77;
    fi.start_us = 1710406800000000ULL; /* 2024-03-14T09:00:00Z */
    fi.last_us = fi.start_us;
    fi.app_proto = "http";
    return fi;
}

/* A PNG's first bytes: signature, IHDR of a 1x1 RGB image (libmagic: "PNG image data"). */
static const uint8_t PNG_HEAD[] = {
    0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, /* signature */
    0, 0, 0, 13, 'I', 'H', 'D', 'R',             /* IHDR, 13 bytes */
    0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0,       /* 1x1, 8-bit RGB */
    0x90, 0x77, 0x53, 0xde,                      /* CRC */
};

static void test_events_flow_wanted_by_direction_and_lists(void)
{
    struct ev_fixture fx;
    struct rw_flow_info out = ev_flow("198.51.100.7"), benign = ev_flow("203.0.113.5");
    struct rw_flow_key in = out.key;

    ev_setup(&fx, EV_RULES);
    /* Uploads to the flagged range: only what the client sends can fire, and its receiver
     * is listed. */
    CU_ASSERT_EQUAL(rw_events_flow_wanted(fx.ev, &out.key),
                    (1u << RW_TOSERVER) | (RW_EVENTS_LISTED << RW_TOSERVER) |
                        RW_EVENTS_FLOW_RULES);
    CU_ASSERT_EQUAL(rw_events_flow_wanted(fx.ev, &benign.key), 0);
    /* A flow the flagged host opened: what the studio answers is outbound to it. */
    in.src = out.key.dst;
    in.dst = out.key.src;
    CU_ASSERT_EQUAL(rw_events_flow_wanted(fx.ev, &in),
                    (1u << RW_TOCLIENT) | (RW_EVENTS_LISTED << RW_TOCLIENT) |
                        RW_EVENTS_FLOW_RULES);
    ev_teardown(&fx);
    /* A file rule with no list: every outbound flow can fire, none is towards a listed
     * range, and only files matter. */
    ev_setup(&fx, "vars: {home_net: [192.0.2.0/24]}\n"
                  "rules:\n"
                  "  - {sid: 4, msg: any upload, level: file, match: {direction: outbound}}\n");
    CU_ASSERT_EQUAL(rw_events_flow_wanted(fx.ev, &benign.key), 1u << RW_TOSERVER);
    CU_ASSERT_EQUAL(rw_events_flow_wanted(fx.ev, &in), 1u << RW_TOCLIENT);
    ev_teardown(&fx);
}

static void test_events_file_typed_by_its_first_bytes(void)
{
    struct ev_fixture fx;
    struct rw_flow_info fi = ev_flow("198.51.100.7");
    struct rw_evflow *fl;
    struct rw_events_counters st;
    uint8_t body[5000];

    ev_setup(&fx, EV_RULES);
    fl = rw_events_flow_new(fx.ev, &fi);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fl);
    /* The name says nothing: the bytes make it an image. */
    CU_ASSERT_EQUAL(rw_events_file_open(fx.ev, fl, &fi, 0xabc, RW_TOSERVER, "blob.bin", 8,
                                        "http", fi.start_us + 1000), 1);
    memset(body, 0, sizeof(body));
    memcpy(body, PNG_HEAD, sizeof(PNG_HEAD));
    rw_events_file_data(fx.ev, fl, &fi, 0xabc, body, 2000, fi.start_us + 2000);
    CU_ASSERT_EQUAL(fx.out.n, 0); /* 2000 of the 4096 bytes typing wants */
    rw_events_file_data(fx.ev, fl, &fi, 0xabc, body + 2000, 3000, fi.start_us + 3000);
    CU_ASSERT_EQUAL_FATAL(fx.out.n, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(fx.out.lines[0], "\"signature_id\":1,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(fx.out.lines[0], "\"filename\":\"blob.bin\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(fx.out.lines[0], "\"size\":5000"));
    CU_ASSERT_PTR_NOT_NULL(strstr(fx.out.lines[0], "\"magic\":\"PNG image data"));
    CU_ASSERT_PTR_NOT_NULL(strstr(fx.out.lines[0], "\"timestamp\":\"2024-03-14T09:00:00.003000+0000\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(fx.out.lines[0], "\"flow_id\":77,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(fx.out.lines[0], "\"app_proto\":\"http\""));
    /* Closed complete: the end rule (at most 100000 bytes) fires now, once. */
    rw_events_file_close(fx.ev, fl, &fi, 0xabc, 0, fi.start_us + 4000);
    CU_ASSERT_EQUAL_FATAL(fx.out.n, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(fx.out.lines[1], "\"signature_id\":3,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(fx.out.lines[1], "\"state\":\"CLOSED\""));
    /* Unknown keys are ignored. */
    rw_events_file_data(fx.ev, fl, &fi, 0xabc, body, 10, fi.start_us + 5000);
    rw_events_file_close(fx.ev, fl, &fi, 0xdef, 1, fi.start_us + 5000);
    rw_events_flow_end(fx.ev, &fl, &fi);
    CU_ASSERT_PTR_NULL(fl);
    CU_ASSERT_EQUAL(fx.out.n, 2);
    rw_events_counters(fx.ev, &st);
    CU_ASSERT_EQUAL(st.flows, 1);
    CU_ASSERT_EQUAL(st.files, 1);
    CU_ASSERT_EQUAL(st.alerts, 2);
    CU_ASSERT_EQUAL(st.alerts_failed, 0);
    ev_teardown(&fx);
}

static void test_events_flow_rule_fires_at_the_crossing_call(void)
{
    struct ev_fixture fx;
    struct rw_flow_info fi = ev_flow("198.51.100.7");
    struct rw_evflow *fl;

    ev_setup(&fx, EV_RULES);
    fl = rw_events_flow_new(fx.ev, &fi);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fl);
    fi.pkts[RW_TOSERVER] = 3;
    fi.payload[RW_TOSERVER] = 999;
    fi.last_us = fi.start_us + 10000;
    rw_events_flow_progress(fx.ev, fl, &fi, fi.last_us);
    CU_ASSERT_EQUAL(fx.out.n, 0);
    fi.pkts[RW_TOSERVER] = 4;
    fi.payload[RW_TOSERVER] = 1000;
    fi.last_us = fi.start_us + 20000;
    rw_events_flow_progress(fx.ev, fl, &fi, fi.last_us);
    CU_ASSERT_EQUAL_FATAL(fx.out.n, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(fx.out.lines[0], "\"signature_id\":2,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(fx.out.lines[0], "\"timestamp\":\"2024-03-14T09:00:00.020000+0000\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(fx.out.lines[0], "\"src_ip\":\"192.0.2.10\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(fx.out.lines[0], "\"dest_ip\":\"198.51.100.7\""));
    /* Once per flow, at the end too. */
    fi.payload[RW_TOSERVER] = 5000;
    rw_events_flow_progress(fx.ev, fl, &fi, fi.last_us);
    rw_events_flow_end(fx.ev, &fl, &fi);
    CU_ASSERT_EQUAL(fx.out.n, 1);
    ev_teardown(&fx);
}

static void test_events_files_the_rules_cannot_see_are_not_followed(void)
{
    struct ev_fixture fx;
    struct rw_flow_info fi = ev_flow("198.51.100.7");
    struct rw_evflow *fl;
    struct rw_events_counters st;

    ev_setup(&fx, EV_RULES);
    fl = rw_events_flow_new(fx.ev, &fi);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fl);
    /* A download from the flagged range: no rule looks at what it sends. */
    CU_ASSERT_EQUAL(rw_events_file_open(fx.ev, fl, &fi, 1, RW_TOCLIENT, "a.png", 5, "http",
                                        fi.start_us), 0);
    CU_ASSERT_EQUAL(rw_events_file_open(fx.ev, fl, &fi, 2, 7, "a.png", 5, "http", fi.start_us),
                    0);
    rw_events_counters(fx.ev, &st);
    CU_ASSERT_EQUAL(st.files, 0);
    CU_ASSERT_EQUAL(st.files_refused, 2);
    rw_events_flow_end(fx.ev, &fl, &fi);
    CU_ASSERT_EQUAL(fx.out.n, 0);
    ev_teardown(&fx);
}

static void test_events_flow_end_truncates_open_files(void)
{
    struct ev_fixture fx;
    struct rw_flow_info fi = ev_flow("198.51.100.7");
    struct rw_evflow *fl;

    ev_setup(&fx, EV_RULES);
    fl = rw_events_flow_new(fx.ev, &fi);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fl);
    CU_ASSERT_EQUAL(rw_events_file_open(fx.ev, fl, &fi, 9, RW_TOSERVER, "notes.txt", 9,
                                        "ftp-data", fi.start_us), 1);
    rw_events_file_data(fx.ev, fl, &fi, 9, (const uint8_t *)"shot list\n", 10, fi.start_us);
    /* The same key opened again: the first file ends TRUNCATED, a new one starts. */
    CU_ASSERT_EQUAL(rw_events_file_open(fx.ev, fl, &fi, 9, RW_TOSERVER, "notes2.txt", 10,
                                        "ftp-data", fi.start_us), 1);
    CU_ASSERT_EQUAL_FATAL(fx.out.n, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(fx.out.lines[0], "\"filename\":\"notes.txt\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(fx.out.lines[0], "\"state\":\"TRUNCATED\""));
    fi.last_us = fi.start_us + 1000000;
    rw_events_flow_end(fx.ev, &fl, &fi);
    CU_ASSERT_EQUAL_FATAL(fx.out.n, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(fx.out.lines[1], "\"filename\":\"notes2.txt\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(fx.out.lines[1], "\"state\":\"TRUNCATED\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(fx.out.lines[1], "\"size\":0"));
    ev_teardown(&fx);
}

static void test_events_reload_is_seen_at_the_next_call(void)
{
    struct ev_fixture fx;
    struct rw_flow_info fi = ev_flow("203.0.113.5");
    struct rw_engine_config cfg;
    struct rw_diag *d = rw_diag_new();
    struct rw_evflow *fl;
    uint32_t gen;

    ev_setup(&fx, EV_RULES);
    gen = rw_events_generation(fx.ev);
    CU_ASSERT_EQUAL(rw_events_flow_wanted(fx.ev, &fi.key), 0);
    fl = rw_events_flow_new(fx.ev, &fi);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fl);
    rw_test_write(fx.dir, "r.yaml",
                  "vars: {home_net: [192.0.2.0/24]}\n"
                  "lists: {flag: {cidrs: [203.0.113.0/24]}}\n"
                  "rules:\n"
                  "  - {sid: 5, msg: now flagged, level: flow, match: {dst: [flag]}}\n");
    memset(&cfg, 0, sizeof(cfg));
    cfg.rules_path = fx.path;
    cfg.events_only = 1;
    CU_ASSERT_EQUAL_FATAL(rw_engine_reload(fx.e, &cfg, d), 0);
    CU_ASSERT_EQUAL(rw_events_generation(fx.ev), gen + 1);
    CU_ASSERT_EQUAL(rw_events_flow_wanted(fx.ev, &fi.key),
                    (1u << RW_TOSERVER) | (RW_EVENTS_LISTED << RW_TOSERVER) |
                        RW_EVENTS_FLOW_RULES);
    /* The flow made under the old set is judged by the new one from its next event. */
    fi.pkts[RW_TOSERVER] = 1;
    fi.payload[RW_TOSERVER] = 10;
    rw_events_flow_progress(fx.ev, fl, &fi, fi.start_us);
    CU_ASSERT_EQUAL_FATAL(fx.out.n, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(fx.out.lines[0], "\"signature_id\":5,"));
    rw_events_flow_end(fx.ev, &fl, &fi);
    rw_diag_free(&d);
    ev_teardown(&fx);
}

static void test_events_survive_every_allocation_failure(void)
{
    struct ev_fixture fx;
    struct rw_flow_info fi = ev_flow("198.51.100.7");
    uint8_t body[4200];
    unsigned long n;
    int completed = 0;

    memset(body, 0, sizeof(body));
    memcpy(body, PNG_HEAD, sizeof(PNG_HEAD));
    ev_setup(&fx, EV_RULES);
    for (n = 1; n < 64 && !completed; n++) {
        struct rw_output out = {&fx.out, ev_write};
        struct rw_events *ev;
        struct rw_evflow *fl = NULL;
        struct rw_events_counters st;

        fx.out.n = 0;
        rw_alloc_hook_set(n);
        ev = rw_events_new(fx.e, &out);
        if (ev != NULL) {
            fl = rw_events_flow_new(ev, &fi);
            (void)rw_events_file_open(ev, fl, &fi, 1, RW_TOSERVER, "x.bin", 5, "http",
                                      fi.start_us);
            rw_events_file_data(ev, fl, &fi, 1, body, sizeof(body), fi.start_us);
            rw_events_flow_end(ev, &fl, &fi);
            CU_ASSERT_PTR_NULL(fl);
        }
        completed = rw_alloc_hook_failures() == 0;
        rw_alloc_hook_set(0);
        if (ev != NULL) {
            rw_events_counters(ev, &st);
            /* Whatever failed was counted; nothing half-written. */
            if (!completed) {
                CU_ASSERT(st.flows_nomem + st.files_refused + st.alerts_failed >= 1 ||
                          st.alerts < 2);
            } else {
                CU_ASSERT_EQUAL(st.alerts, 2);
            }
        }
        rw_events_free(&ev);
    }
    CU_ASSERT(completed);
    ev_teardown(&fx);
}

static CU_TestInfo events_tests[] = {
    {"flow_wanted_by_direction_and_lists", test_events_flow_wanted_by_direction_and_lists},
    {"file_typed_by_its_first_bytes", test_events_file_typed_by_its_first_bytes},
    {"flow_rule_fires_at_the_crossing_call", test_events_flow_rule_fires_at_the_crossing_call},
    {"files_the_rules_cannot_see_are_not_followed",
     test_events_files_the_rules_cannot_see_are_not_followed},
    {"flow_end_truncates_open_files", test_events_flow_end_truncates_open_files},
    {"reload_is_seen_at_the_next_call", test_events_reload_is_seen_at_the_next_call},
    {"survive_every_allocation_failure", test_events_survive_every_allocation_failure},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rw_suites_events[] = {
    {"events", NULL, NULL, NULL, NULL, events_tests},
    CU_SUITE_INFO_NULL,
};
