/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_rw_replay.c — a whole replay (rules, capture, decode, flow table, engine, stats) under
 * allocation failure: every N gives a clean error or counted drops, never a crash or leak. */
#include <CUnit/CUnit.h>
#include <pcap/pcap.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "rw.h"
#include "rw_alloc.h"
#include "rw_capture.h"
#include "rw_decode.h"
#include "rw_flowtable.h"
#include "rw_test.h"

#define REPLAY_PCAP "../../pcaps/demo.pcap"
#define REPLAY_RULES "../../rules"
#define REPLAY_DEMO_ALERTS 11u
#define REPLAY_DEMO_PKTS 2596u
/* The set-up's allocations (rules, lists, magic, nDPI, flow table) are failed one by one up
 * to this one, then every REPLAY_STRIDE-th; the replay's own all one by one. */
#define REPLAY_DENSE_ALLOCS 400ul
#define REPLAY_STRIDE 7ul
#define REPLAY_SID0 9100001ul
#define REPLAY_SIDS 6

/* What a replay wrote, counted line by line (lines are not kept): records of each type,
 * alerts per default sid, `other` for anything else (never expected), and three counters
 * of the stats record. */
struct replay_out {
    unsigned long alerts, flows, fileinfos, stats, other;
    unsigned long by_sid[REPLAY_SIDS];   /* alerts of sid 9100001 + i */
    unsigned long pressure, lost_records; /* the stats record's memcap.pressure and
                                           * detect.alert_queue_overflow */
    unsigned long expectations;           /* app_layer.expectations */
};

/* Whether line (len bytes, not NUL-terminated) holds text. */
static const char *replay_find(const char *line, size_t len, const char *text)
{
    size_t n = strlen(text);

    for (size_t i = 0; n <= len && i <= len - n; i++)
        if (memcmp(line + i, text, n) == 0)
            return line + i;
    return NULL;
}

/* The whole number after "key": in line, or ULONG_MAX when absent. */
static unsigned long replay_num(const char *line, size_t len, const char *key)
{
    const char *p = replay_find(line, len, key);
    unsigned long v = 0;

    if (p == NULL)
        return ULONG_MAX;
    for (p += strlen(key); p < line + len && *p >= '0' && *p <= '9'; p++)
        v = v * 10 + (unsigned long)(*p - '0');
    return v;
}

static int replay_write(void *ctx, const char *line, size_t len)
{
    struct replay_out *o = ctx;
    static const char sid_key[] = "\"signature_id\":";
    const char *p;

    if (replay_find(line, len, "\"event_type\":\"alert\"") != NULL) {
        unsigned long sid = 0;

        p = replay_find(line, len, sid_key);
        /* The sid's digits end at a ',' well inside the line. */
        for (p = p != NULL ? p + sizeof(sid_key) - 1 : NULL; p != NULL && *p >= '0' && *p <= '9';
             p++)
            sid = sid * 10 + (unsigned long)(*p - '0');
        if (sid >= REPLAY_SID0 && sid < REPLAY_SID0 + REPLAY_SIDS)
            o->by_sid[sid - REPLAY_SID0]++;
        else
            o->other++;
        o->alerts++;
    } else if (replay_find(line, len, "\"event_type\":\"flow\"") != NULL) {
        o->flows++;
    } else if (replay_find(line, len, "\"event_type\":\"fileinfo\"") != NULL) {
        o->fileinfos++;
    } else if (replay_find(line, len, "\"event_type\":\"stats\"") != NULL) {
        o->stats++;
        o->pressure = replay_num(line, len, "\"pressure\":");
        o->lost_records = replay_num(line, len, "\"alert_queue_overflow\":");
        o->expectations = replay_num(line, len, "\"expectations\":");
    } else {
        o->other++;
    }
    return 0;
}

/* The host's side of a replay, as plugin/pcap/main.c does it. */
struct replay_host {
    struct rw_engine *engine;
    struct rw_flowtable *ft;
    struct rw_decode_stats dstats;
    uint64_t now_us, pkts, flows_without_state;
    uint64_t flow_memcap_drops;      /* packets with no flow: the table could not make one */
};

static void replay_flow_end(void *ctx, struct rw_ft_flow *flow)
{
    struct replay_host *h = ctx;

    rw_engine_flow_end(h->engine, &flow->core, &flow->info);
}

static void replay_packet(struct replay_host *h, int dlt, const struct pcap_pkthdr *hdr,
                          const uint8_t *data)
{
    struct rw_decoded d;
    struct rw_ft_flow *fl;
    struct rw_packet p;
    uint64_t ts = (uint64_t)hdr->ts.tv_sec * 1000000u + (uint64_t)hdr->ts.tv_usec;
    int dir, created;

    h->pkts++;
    if (ts > h->now_us)
        h->now_us = ts;
    if (rw_decode_packet(&h->dstats, dlt, data, hdr->caplen, hdr->len, &d) != 1)
        return;
    fl = rw_flowtable_packet(h->ft, &d, h->now_us, &dir, &created);
    if (fl == NULL)
        return;
    if (created) {
        fl->info.flow_id = rw_flow_id(&fl->info.key, fl->info.start_us);
        fl->core = rw_engine_flow_new(h->engine, &fl->info);
        if (fl->core == NULL)
            h->flows_without_state++;
    }
    p = (struct rw_packet){
        .l3 = d.l3,
        .l3_len = d.l3_len,
        .payload = d.payload,
        .payload_len = d.payload_len,
        .payload_wire_len = d.payload_wire_len,
        .ts_us = h->now_us,
        .tcp_seq = d.tcp_seq,
        .tcp_ack = d.tcp_ack,
        .tcp_flags = d.tcp_flags,
        .dir = (uint8_t)dir,
    };
    rw_engine_packet(h->engine, fl->core, &fl->info, &p);
}

/* What one replay under the hook ended as. */
enum replay_end {
    REPLAY_NO_DIAG = 1,    /* rw_diag_new failed */
    REPLAY_NO_ENGINE,      /* rw_engine_new refused with RW_ENOMEM */
    REPLAY_NO_FLOWTABLE,   /* rw_flowtable_new failed */
    REPLAY_DONE,           /* the capture was replayed and the stats written */
};

/*
 * One replay of demo.pcap with allocation fail_at failing (and every later one; 0: none).
 * Returns how it ended; *o gets the records, *allocs the number of allocations made, and
 * (only when fail_at is 0) *setup_allocs those made before the first packet.
 */
static enum replay_end replay_once(unsigned long fail_at, struct replay_out *o,
                                   unsigned long *allocs, unsigned long *setup_allocs,
                                   struct replay_host *hout)
{
    struct rw_engine_config cfg = {.rules_path = REPLAY_RULES};
    struct rw_output out = {.ctx = o, .write = replay_write};
    struct rw_flowtable_config ftc;
    struct replay_host h;
    struct rw_diag *diag;
    struct pcap_pkthdr *hdr;
    const u_char *data;
    char err[PCAP_ERRBUF_SIZE + 256];
    enum replay_end end;
    unsigned long setup = 0;
    pcap_t *p;
    int eerr = 0, dlt;

    memset(o, 0, sizeof(*o));
    memset(&h, 0, sizeof(h));
    memset(&ftc, 0, sizeof(ftc));
    p = rw_capture_open_file(REPLAY_PCAP, err, sizeof(err)); /* libpcap: not hooked */
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    dlt = pcap_datalink(p);
    rw_alloc_hook_set(fail_at);
    diag = rw_diag_new();
    if (diag == NULL) {
        end = REPLAY_NO_DIAG;
        goto out;
    }
    h.engine = rw_engine_new(&cfg, &out, diag, &eerr);
    if (h.engine == NULL) {
        /* Out of memory is never reported as a rule error. */
        CU_ASSERT_EQUAL(eerr, RW_ENOMEM);
        end = REPLAY_NO_ENGINE;
        goto out;
    }
    CU_ASSERT_EQUAL(rw_diag_count(diag), 0);
    ftc.extra_bytes_per_flow = rw_engine_flow_state_bytes(h.engine);
    h.ft = rw_flowtable_new(&ftc, replay_flow_end, &h);
    if (h.ft == NULL) {
        end = REPLAY_NO_FLOWTABLE;
        goto out;
    }
    if (fail_at == 0)
        setup = rw_alloc_hook_set(0);
    while (pcap_next_ex(p, &hdr, &data) == 1)
        replay_packet(&h, dlt, hdr, data);
    rw_flowtable_flush(h.ft, RW_END_SHUTDOWN);
    {
        struct rw_flowtable_stats fs;
        struct rw_counter c[2];

        rw_flowtable_get_stats(h.ft, &fs);
        h.flow_memcap_drops = fs.memcap_drops;
        c[0] = (struct rw_counter){"decoder.pkts", h.dstats.c[RW_DEC_PKTS]};
        c[1] = (struct rw_counter){"flow.memcap", fs.memcap_drops};
        rw_engine_stats(h.engine, h.now_us, c, 2);
    }
    end = REPLAY_DONE;
out:
    rw_flowtable_free(&h.ft);
    rw_engine_free(&h.engine);
    rw_diag_free(&diag);
    *allocs = setup + rw_alloc_hook_set(0);
    if (setup_allocs != NULL)
        *setup_allocs = setup;
    pcap_close(p);
    if (hout != NULL)
        *hout = h;
    return end;
}

/* The demo's alerts per sid 9100001..9100006 (tests/e2e/demo/case.yaml, pcaps/README.md). */
static const unsigned long replay_demo_by_sid[REPLAY_SIDS] = {3, 1, 2, 1, 1, 3};

static void assert_demo_output(const struct replay_out *o)
{
    CU_ASSERT_EQUAL(o->alerts, REPLAY_DEMO_ALERTS);
    for (int i = 0; i < REPLAY_SIDS; i++)
        CU_ASSERT_EQUAL(o->by_sid[i], replay_demo_by_sid[i]);
    CU_ASSERT_EQUAL(o->flows, 10);
    CU_ASSERT_EQUAL(o->fileinfos, 7);
    CU_ASSERT_EQUAL(o->stats, 1);
    CU_ASSERT_EQUAL(o->other, 0);
    CU_ASSERT_EQUAL(o->pressure, 0);
    CU_ASSERT_EQUAL(o->lost_records, 0);
    CU_ASSERT_EQUAL(o->expectations, 2);
}

/* With no failure: exactly the demo's 11 alerts, 10 flows, 7 files and one stats record. */
static void test_replay_demo_without_failure_gives_the_demo_alerts(void)
{
    struct replay_out o;
    struct replay_host h;
    unsigned long allocs = 0, setup = 0;

    RW_NEED_FILE(REPLAY_PCAP);
    CU_ASSERT_EQUAL_FATAL(replay_once(0, &o, &allocs, &setup, &h), REPLAY_DONE);
    CU_ASSERT_EQUAL(h.pkts, REPLAY_DEMO_PKTS);
    CU_ASSERT_EQUAL(h.flows_without_state, 0);
    CU_ASSERT_EQUAL(h.flow_memcap_drops, 0);
    assert_demo_output(&o);
    CU_ASSERT(setup > 0);
    CU_ASSERT(allocs > setup); /* the replay itself allocates */
    /* The same again: a replay leaves no state behind that changes the next one. */
    CU_ASSERT_EQUAL_FATAL(replay_once(0, &o, &allocs, NULL, NULL), REPLAY_DONE);
    assert_demo_output(&o);
}

/* N walks the set-up's allocations one by one up to REPLAY_DENSE_ALLOCS, then by
 * REPLAY_STRIDE, and every allocation of the replay itself (after set-up) one by one. */
static unsigned long replay_next_n(unsigned long n, unsigned long setup)
{
    if (n < REPLAY_DENSE_ALLOCS || n >= setup)
        return n + 1;
    return n + REPLAY_STRIDE < setup ? n + REPLAY_STRIDE : setup;
}

/*
 * Every N ends cleanly (no crash; the asan build of make test checks for leaks):
 * failing in set-up gives RW_ENOMEM with no rule error and writes nothing; failing in
 * the replay still replays every packet and writes the stats record, with at most the
 * demo's alerts per sid (fewer only because allocations failed: counted drops). Past the
 * last allocation, exactly the demo's output.
 */
static void test_replay_alloc_failure_walk(void)
{
    struct replay_out o;
    struct replay_host h;
    unsigned long total = 0, setup = 0, allocs = 0, n, runs = 0, refused = 0, replayed = 0;
    unsigned long short_runs = 0;
    enum replay_end end;

    RW_NEED_FILE(REPLAY_PCAP);
    CU_ASSERT_EQUAL_FATAL(replay_once(0, &o, &total, &setup, NULL), REPLAY_DONE);
    CU_ASSERT_FATAL(setup > REPLAY_DENSE_ALLOCS);
    for (n = 1; n <= total + 1; n = replay_next_n(n, setup)) {
        end = replay_once(n, &o, &allocs, NULL, &h);
        runs++;
        CU_ASSERT_EQUAL(o.other, 0);
        if (end != REPLAY_DONE) {
            refused++;
            CU_ASSERT(n <= setup);
            CU_ASSERT(rw_alloc_hook_failures() == 0 || allocs >= n);
            CU_ASSERT_EQUAL(o.alerts + o.flows + o.fileinfos + o.stats, 0);
            continue;
        }
        replayed++;
        CU_ASSERT_EQUAL(h.pkts, REPLAY_DEMO_PKTS);
        CU_ASSERT_EQUAL(o.stats, 1);
        CU_ASSERT(o.flows <= 10);
        for (int i = 0; i < REPLAY_SIDS; i++)
            CU_ASSERT(o.by_sid[i] <= replay_demo_by_sid[i]);
        if (n > total) {
            CU_ASSERT_EQUAL(allocs, total);
            assert_demo_output(&o);
        } else if (o.alerts < REPLAY_DEMO_ALERTS || o.flows < 10) {
            /* What is missing was counted: flow state or parsers refused, or records
             * that could not be built. */
            short_runs++;
            /* An FTP announcement rw_expect_add could not store counts as memcap
             * pressure too. */
            CU_ASSERT(h.flow_memcap_drops + h.flows_without_state + o.pressure +
                      o.lost_records > 0);
        }
        CU_ASSERT(o.pressure != ULONG_MAX && o.lost_records != ULONG_MAX);
    }
    /* Both kinds of outcome were reached, and every replay-phase N was run. */
    CU_ASSERT(refused >= REPLAY_DENSE_ALLOCS);
    CU_ASSERT_EQUAL(replayed, total + 1 - setup);
    fprintf(stderr, "\n  replay walk: %lu allocations (%lu in set-up), %lu runs: %lu refused "
                    "at set-up, %lu replayed (%lu with records dropped) ",
            total, setup, runs, refused, replayed, short_runs);
}

static CU_TestInfo replay_tests[] = {
    {"demo replay without failure gives the demo's 11 alerts",
     test_replay_demo_without_failure_gives_the_demo_alerts},
    {"allocation failure walk over a whole replay", test_replay_alloc_failure_walk},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rw_suites_replay[] = {
    {"replay", NULL, NULL, NULL, NULL, replay_tests},
    CU_SUITE_INFO_NULL,
};
