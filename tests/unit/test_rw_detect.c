/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_rw_detect.c — rule matching: default rules, byte bounds, host windows, thresholds, EVE. */
#include <CUnit/CUnit.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rw_detect.h"
#include "rw_eve.h"
#include "rw_rules.h"
#include "rw_test.h"

#define DEFAULT_RULES "../../rules/reelwatch.yaml"
#define EVECHECK "../e2e/evecheck.py"

/* 2024-05-01T00:00:00Z in microseconds since the epoch. */
#define T0 (1714521600ULL * 1000000ULL)
#define SEC 1000000ULL
#define HOUR (3600ULL * SEC)
#define DAY (86400ULL * SEC)

/* ---- rule sets ----------------------------------------------------------------------- */

static struct rw_ruleset *load_path(const char *path)
{
    struct rw_diag *diag = rw_diag_new();
    struct rw_ruleset *rs;
    int err = -100;

    CU_ASSERT_PTR_NOT_NULL_FATAL(diag);
    rs = rw_rules_load(path, NULL, 0, diag, &err);
    for (size_t i = 0; rw_diag_line(diag, i) != NULL; i++)
        fprintf(stderr, "\n  diag: %s", rw_diag_line(diag, i));
    CU_ASSERT_EQUAL(err, 0);
    rw_diag_free(&diag);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    return rs;
}

/* Writes text to a temporary rule file and loads it. */
static struct rw_ruleset *load_text(const char *text)
{
    char path[] = "/tmp/rw_detect_XXXXXX.yaml";
    struct rw_ruleset *rs;
    int fd = mkstemps(path, 5);
    size_t len = strlen(text);

    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_FATAL(write(fd, text, len) == (ssize_t)len);
    close(fd);
    rs = load_path(path);
    unlink(path);
    return rs;
}

static struct rw_detect *new_detect(const struct rw_ruleset *rs, size_t max_tracked)
{
    int err = -100;
    struct rw_detect *d = rw_detect_new(rs, max_tracked, NULL, &err);

    CU_ASSERT_EQUAL(err, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    return d;
}

/* A small set for the window, bound and threshold tests: home 10/8, one flagged /22. */
#define SET_HEAD                                                                             \
    "vars: {home_net: [10.0.0.0/8]}\n"                                                       \
    "lists:\n"                                                                               \
    "  flag: {cidrs: [175.45.176.0/22]}\n"                                                   \
    "  render: {cidrs: [10.9.0.0/16]}\n"                                                     \
    "types:\n"                                                                               \
    "  project: {ext: [psd, aep]}\n"                                                         \
    "  text: {mime: [text/plain]}\n"

/* ---- captured alerts ------------------------------------------------------------------ */

#define CAP_MAX 512

struct cap_alert {
    uint32_t sid;
    uint8_t level, dir;
    uint64_t ts, bytes, types;
    char list[64], prefix[64], group[64], src[64], dst[64];
    uint64_t wfiles, wbytes, wflows, wfirst, wlast, wspan;
};

struct cap {
    size_t n;
    struct cap_alert a[CAP_MAX];
    int build;           /* 1: build each EVE record too (failing the emit on OOM) */
    FILE *lines;         /* when set, built records are written here, one a line */
    char *last_json;     /* the last record built, compact (free()) */
};

static void cap_reset(struct cap *c)
{
    free(c->last_json);
    memset(c, 0, sizeof(*c));
}

static int cap_emit(void *ctx, const struct rw_alert *a)
{
    struct cap *c = ctx;
    struct cap_alert *x;

    if (c->build) {
        struct rw_json *rec = rw_detect_alert_record(a, a->ts_us);
        char *s;

        if (rec == NULL)
            return RW_ENOMEM;
        s = strndup(rec->buf, rec->len);
        rw_json_free(rec);
        if (s == NULL)
            return RW_ENOMEM;
        if (c->lines != NULL)
            fprintf(c->lines, "%s\n", s);
        free(c->last_json);
        c->last_json = s;
    }
    if (c->n == CAP_MAX)
        return 0;
    x = &c->a[c->n++];
    memset(x, 0, sizeof(*x));
    x->sid = a->rule->sid;
    x->level = a->level;
    x->dir = a->dir;
    x->ts = a->ts_us;
    x->bytes = a->bytes;
    x->types = a->types;
    snprintf(x->list, sizeof(x->list), "%s", a->list != NULL ? a->list : "");
    snprintf(x->prefix, sizeof(x->prefix), "%s", a->prefix);
    snprintf(x->group, sizeof(x->group), "%s", a->type_group != NULL ? a->type_group : "");
    rw_addr_format(a->src, x->src, sizeof(x->src));
    rw_addr_format(a->dst, x->dst, sizeof(x->dst));
    x->wfiles = a->window.files;
    x->wbytes = a->window.bytes;
    x->wflows = a->window.flows;
    x->wfirst = a->window.first_us;
    x->wlast = a->window.last_us;
    x->wspan = a->window.span_sec;
    return 0;
}

/* How many captured alerts carry sid. */
static size_t cap_count(const struct cap *c, uint32_t sid)
{
    size_t n = 0;

    for (size_t i = 0; i < c->n; i++)
        n += c->a[i].sid == sid;
    return n;
}

/* ---- synthetic flows and files -------------------------------------------------------- */

struct tflow {
    struct rw_flow_info info;
    struct rw_detect_flowstate st;
    struct rw_detect_flow view;
};

static void tflow_init(struct tflow *t, const char *src, uint16_t sport, const char *dst,
                       uint16_t dport, uint64_t start_us, uint64_t flow_id)
{
    memset(t, 0, sizeof(*t));
    t->info.key.src = rw_test_addr(src);
    t->info.key.dst = rw_test_addr(dst);
    t->info.key.sport = sport;
    t->info.key.dport = dport;
    t->info.key.proto = 6; /* TCP */
    t->info.flow_id = flow_id;
    t->info.start_us = t->info.last_us = start_us;
    t->info.state = RW_FLOW_ESTABLISHED;
    t->view.info = &t->info;
    t->view.state = &t->st;
    t->view.proto = "HTTP";
    t->view.app_proto = "http";
    t->view.anonymous = -1;
}

/* One packet of payload bytes in direction dir at ts (40 bytes of IP and TCP header),
 * then a progress event. */
static void tflow_packet(struct rw_detect *d, struct tflow *t, uint8_t dir, uint64_t payload,
                         uint64_t ts, struct cap *c)
{
    t->info.pkts[dir]++;
    t->info.bytes[dir] += payload + 40;
    t->info.payload[dir] += payload;
    t->info.last_us = ts;
    rw_detect_flow(d, &t->view, RW_DET_FLOW_PROGRESS, ts, cap_emit, c);
}

struct tfile {
    struct rw_detect_file f;
    struct rw_detect_filestate fs;
};

static void tfile_init(struct tfile *t, const struct rw_ruleset *rs, const char *name,
                       uint8_t dir, const char *mime, const char *desc)
{
    memset(t, 0, sizeof(*t));
    t->f.name = name;
    t->f.name_len = name == NULL ? 0 : strlen(name);
    t->f.dir = dir;
    t->f.mime = mime;
    t->f.desc = desc;
    t->f.types = rw_rules_types_of(rs, mime, desc, name);
    t->f.app_proto = "http";
    t->f.credentials = 1;
    t->f.anonymous = 0;
    t->f.state = RW_FILE_OPEN;
    t->f.fstate = &t->fs;
}

static void tfile_event(struct rw_detect *d, struct tflow *fl, struct tfile *t,
                        enum rw_detect_file_event ev, uint64_t size, uint64_t ts, struct cap *c)
{
    t->f.size = size;
    if (ev == RW_DET_FILE_END)
        t->f.state = RW_FILE_CLOSED;
    rw_detect_file(d, &fl->view, &t->f, ev, ts, cap_emit, c);
}

/* One whole upload: a flow with one packet of size bytes, and a file of that size. */
static void upload(struct rw_detect *d, const struct rw_ruleset *rs, const char *src,
                   const char *dst, const char *name, const char *mime, uint64_t size,
                   uint64_t ts, uint64_t flow_id, struct cap *c)
{
    struct tflow fl;
    struct tfile f;

    tflow_init(&fl, src, 40000, dst, 80, ts, flow_id);
    tflow_packet(d, &fl, RW_TOSERVER, size, ts, c);
    tfile_init(&f, rs, name, RW_TOSERVER, mime, NULL);
    tfile_event(d, &fl, &f, RW_DET_FILE_IDENTIFIED, size, ts, c);
    tfile_event(d, &fl, &f, RW_DET_FILE_END, size, ts, c);
    rw_detect_flow(d, &fl.view, RW_DET_FLOW_END, ts, cap_emit, c);
}

#define PSD_MIME "image/vnd.adobe.photoshop"
#define PSD_DESC "Adobe Photoshop Image, 1920 x 1080, RGB, 3x 8-bit channels"

static uint64_t group_bit(const struct rw_ruleset *rs, const char *name)
{
    for (size_t i = 0; i < rw_rules_group_count(rs); i++)
        if (strcmp(rw_rules_group(rs, i)->name, name) == 0)
            return 1ULL << i;
    CU_FAIL_FATAL("no such type group");
    return 0;
}

/* ---- the default rule set ------------------------------------------------------------- */

static void test_detect_default_psd_upload_fires_9100001_once_on_identify(void)
{
    struct rw_ruleset *rs = load_path(DEFAULT_RULES);
    struct rw_detect *d = new_detect(rs, 0);
    struct rw_detect_stats st;
    struct cap c = {0};
    struct tflow fl;
    struct tfile f;

    tflow_init(&fl, "10.1.2.3", 50000, "175.45.176.10", 80, T0, 1);
    fl.info.pkts[RW_TOSERVER] = 1; /* file events only in this test: no flow events */
    tfile_init(&f, rs, "shot_010_comp_v3.psd", RW_TOSERVER, PSD_MIME, PSD_DESC);
    tfile_event(d, &fl, &f, RW_DET_FILE_IDENTIFIED, 4096, T0 + 1 * SEC, &c);
    tfile_event(d, &fl, &f, RW_DET_FILE_GREW, 1048576, T0 + 2 * SEC, &c);
    tfile_event(d, &fl, &f, RW_DET_FILE_GREW, 10485760, T0 + 3 * SEC, &c);
    tfile_event(d, &fl, &f, RW_DET_FILE_END, 12345678, T0 + 4 * SEC, &c);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    CU_ASSERT_EQUAL(c.a[0].sid, 9100001);
    CU_ASSERT_EQUAL(c.a[0].level, RW_RULE_FILE);
    CU_ASSERT_EQUAL(c.a[0].ts, T0 + 1 * SEC);
    CU_ASSERT_EQUAL(c.a[0].dir, RW_TOSERVER);
    CU_ASSERT_STRING_EQUAL(c.a[0].list, "dprk");
    CU_ASSERT_STRING_EQUAL(c.a[0].prefix, "175.45.176.0/22");
    CU_ASSERT_STRING_EQUAL(c.a[0].group, "image");
    CU_ASSERT_EQUAL(c.a[0].types, group_bit(rs, "image") | group_bit(rs, "project"));
    CU_ASSERT_EQUAL(c.a[0].bytes, 4096);
    CU_ASSERT_STRING_EQUAL(c.a[0].src, "10.1.2.3");
    CU_ASSERT_STRING_EQUAL(c.a[0].dst, "175.45.176.10");
    rw_detect_stats(d, &st);
    CU_ASSERT_EQUAL(st.alerts, 1);
    CU_ASSERT_EQUAL(st.alerts_failed, 0);
    /* 9100004's window for (10.1.2.3, dprk) holds the one file. */
    CU_ASSERT_EQUAL(st.tracked, 1);
    rw_detect_free(&d);
    CU_ASSERT_PTR_NULL(d);
    rw_rules_free(&rs);
    cap_reset(&c);
}

static void test_detect_default_txt_upload_fires_9100002(void)
{
    struct rw_ruleset *rs = load_path(DEFAULT_RULES);
    struct rw_detect *d = new_detect(rs, 0);
    struct cap c = {0};
    struct tflow fl;
    struct tfile f;

    tflow_init(&fl, "192.168.7.20", 50000, "210.52.109.33", 21, T0, 2);
    fl.info.pkts[RW_TOSERVER] = 1;
    tfile_init(&f, rs, "notes.txt", RW_TOSERVER, "text/plain", "ASCII text");
    f.f.app_proto = "ftp-data";
    tfile_event(d, &fl, &f, RW_DET_FILE_IDENTIFIED, 300, T0 + 5 * SEC, &c);
    tfile_event(d, &fl, &f, RW_DET_FILE_END, 300, T0 + 6 * SEC, &c);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    CU_ASSERT_EQUAL(c.a[0].sid, 9100002);
    CU_ASSERT_EQUAL(c.a[0].ts, T0 + 5 * SEC);
    CU_ASSERT_STRING_EQUAL(c.a[0].list, "dprk");
    CU_ASSERT_STRING_EQUAL(c.a[0].prefix, "210.52.109.0/24");
    CU_ASSERT_STRING_EQUAL(c.a[0].group, "");
    CU_ASSERT_EQUAL(c.a[0].types, 0);
    CU_ASSERT_EQUAL(c.a[0].bytes, 300);
    rw_detect_free(&d);
    rw_rules_free(&rs);
    cap_reset(&c);
}

static void test_detect_default_benign_destination_fires_nothing(void)
{
    struct rw_ruleset *rs = load_path(DEFAULT_RULES);
    struct rw_detect *d = new_detect(rs, 0);
    struct rw_detect_stats st;
    struct cap c = {0};
    struct tflow fl;
    struct tfile f;

    /* 93.184.216.34 is in no list; 200 KiB of PSD upload with credentials. */
    tflow_init(&fl, "10.1.2.3", 50000, "93.184.216.34", 443, T0, 3);
    for (int i = 0; i < 200; i++)
        tflow_packet(d, &fl, RW_TOSERVER, 1024, T0 + (uint64_t)i * 1000, &c);
    tfile_init(&f, rs, "shot_010.psd", RW_TOSERVER, PSD_MIME, PSD_DESC);
    tfile_event(d, &fl, &f, RW_DET_FILE_IDENTIFIED, 4096, T0 + SEC, &c);
    tfile_event(d, &fl, &f, RW_DET_FILE_END, 204800, T0 + 2 * SEC, &c);
    rw_detect_flow(d, &fl.view, RW_DET_FLOW_END, T0 + 3 * SEC, cap_emit, &c);
    CU_ASSERT_EQUAL(c.n, 0);
    rw_detect_stats(d, &st);
    CU_ASSERT_EQUAL(st.alerts + st.suppressed + st.thresholded + st.tracked, 0);
    rw_detect_free(&d);
    rw_rules_free(&rs);
    cap_reset(&c);
}

static void test_detect_default_anonymous_production_upload_fires_9100006_outside_home(void)
{
    struct rw_ruleset *rs = load_path(DEFAULT_RULES);
    struct rw_detect *d = new_detect(rs, 0);
    struct cap c = {0};
    struct tflow fl, inside;
    struct tfile psd, png, psd_in;

    tflow_init(&fl, "10.1.2.3", 50000, "93.184.216.34", 80, T0, 4);
    fl.info.pkts[RW_TOSERVER] = 1;
    tfile_init(&psd, rs, "shot_010.psd", RW_TOSERVER, PSD_MIME, PSD_DESC);
    psd.f.credentials = 0;
    psd.f.anonymous = rw_detect_anonymity("http", 0, 0);
    CU_ASSERT_EQUAL(psd.f.anonymous, 1);
    tfile_event(d, &fl, &psd, RW_DET_FILE_IDENTIFIED, 4096, T0 + SEC, &c);
    /* A still image is left out of 9100006. */
    tfile_init(&png, rs, "still.png", RW_TOSERVER, "image/png", "PNG image data");
    png.f.anonymous = 1;
    tfile_event(d, &fl, &png, RW_DET_FILE_IDENTIFIED, 4096, T0 + 2 * SEC, &c);
    /* Inside home_net is not outbound. */
    tflow_init(&inside, "10.1.2.3", 50001, "10.9.9.9", 80, T0, 5);
    inside.info.pkts[RW_TOSERVER] = 1;
    tfile_init(&psd_in, rs, "shot_010.psd", RW_TOSERVER, PSD_MIME, PSD_DESC);
    psd_in.f.anonymous = 1;
    tfile_event(d, &inside, &psd_in, RW_DET_FILE_IDENTIFIED, 4096, T0 + 3 * SEC, &c);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    CU_ASSERT_EQUAL(c.a[0].sid, 9100006);
    CU_ASSERT_EQUAL(c.a[0].ts, T0 + SEC);
    CU_ASSERT_STRING_EQUAL(c.a[0].list, "");
    CU_ASSERT_STRING_EQUAL(c.a[0].group, "project");
    rw_detect_free(&d);
    rw_rules_free(&rs);
    cap_reset(&c);
}

static void test_detect_default_inbound_download_fires_no_upload_rule(void)
{
    struct rw_ruleset *rs = load_path(DEFAULT_RULES);
    struct rw_detect *d = new_detect(rs, 0);
    struct cap c = {0};
    struct tflow fl;
    struct tfile f;

    /* A studio host fetches a 1 MiB PSD from a flagged server: a 300-byte request, then
     * 1024 packets of 1 KiB toward the client. */
    tflow_init(&fl, "10.1.2.3", 50000, "175.45.176.10", 80, T0, 6);
    tflow_packet(d, &fl, RW_TOSERVER, 300, T0, &c);
    tfile_init(&f, rs, "shot_010.psd", RW_TOCLIENT, PSD_MIME, PSD_DESC);
    for (uint64_t i = 1; i <= 1024; i++) {
        tflow_packet(d, &fl, RW_TOCLIENT, 1024, T0 + i * 100, &c);
        if (i == 4)
            tfile_event(d, &fl, &f, RW_DET_FILE_IDENTIFIED, 4096, T0 + i * 100, &c);
    }
    tfile_event(d, &fl, &f, RW_DET_FILE_END, 1048576, T0 + 1024 * 100, &c);
    rw_detect_flow(d, &fl.view, RW_DET_FLOW_END, T0 + SEC, cap_emit, &c);
    /* Only "traffic to a flagged range", for the request, at the first packet. */
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    CU_ASSERT_EQUAL(c.a[0].sid, 9100005);
    CU_ASSERT_EQUAL(c.a[0].ts, T0);
    CU_ASSERT_EQUAL(c.a[0].dir, RW_TOSERVER);
    CU_ASSERT_EQUAL(c.a[0].bytes, 300);
    rw_detect_free(&d);
    rw_rules_free(&rs);
    cap_reset(&c);
}

static void test_detect_file_sent_to_a_flagged_client_is_outbound(void)
{
    struct rw_ruleset *rs = load_path(DEFAULT_RULES);
    struct rw_detect *d = new_detect(rs, 0);
    struct cap c = {0};
    struct tflow fl;
    struct tfile f;

    /* A flagged client connects in to a studio server and takes a PSD from it. */
    tflow_init(&fl, "175.45.176.10", 50000, "10.1.2.3", 80, T0, 7);
    fl.info.pkts[RW_TOSERVER] = 1;
    fl.info.pkts[RW_TOCLIENT] = 1;
    tfile_init(&f, rs, "shot_010.psd", RW_TOCLIENT, PSD_MIME, PSD_DESC);
    tfile_event(d, &fl, &f, RW_DET_FILE_IDENTIFIED, 4096, T0 + SEC, &c);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    CU_ASSERT_EQUAL(c.a[0].sid, 9100001);
    CU_ASSERT_EQUAL(c.a[0].dir, RW_TOCLIENT);
    CU_ASSERT_STRING_EQUAL(c.a[0].src, "10.1.2.3");
    CU_ASSERT_STRING_EQUAL(c.a[0].dst, "175.45.176.10");
    CU_ASSERT_STRING_EQUAL(c.a[0].prefix, "175.45.176.0/22");
    rw_detect_free(&d);
    rw_rules_free(&rs);
    cap_reset(&c);
}

static void test_detect_flow_crossing_64k_fires_once_at_the_crossing_packet(void)
{
    struct rw_ruleset *rs = load_path(DEFAULT_RULES);
    struct rw_detect *d = new_detect(rs, 0);
    struct cap c = {0};
    struct tflow fl;

    tflow_init(&fl, "10.1.2.3", 50000, "175.45.176.10", 443, T0, 8);
    fl.view.proto = "TLS";
    fl.view.app_proto = "tls";
    /* 60 segments of 1448 bytes, each acknowledged: 45 * 1448 = 65160 < 65536 <= 46 * 1448
     * = 66608, so packet 46 (at T0 + 45 ms) crosses 64 KiB. */
    for (uint64_t i = 0; i < 60; i++) {
        tflow_packet(d, &fl, RW_TOSERVER, 1448, T0 + i * 1000, &c);
        tflow_packet(d, &fl, RW_TOCLIENT, 0, T0 + i * 1000 + 500, &c);
    }
    rw_detect_flow(d, &fl.view, RW_DET_FLOW_END, T0 + 2 * SEC, cap_emit, &c);
    CU_ASSERT_EQUAL_FATAL(c.n, 2);
    CU_ASSERT_EQUAL(c.a[0].sid, 9100005);
    CU_ASSERT_EQUAL(c.a[0].ts, T0);
    CU_ASSERT_EQUAL(c.a[0].bytes, 1448);
    CU_ASSERT_EQUAL(c.a[1].sid, 9100003);
    CU_ASSERT_EQUAL(c.a[1].ts, T0 + 45 * 1000);
    CU_ASSERT_EQUAL(c.a[1].bytes, 66608);
    CU_ASSERT_STRING_EQUAL(c.a[1].list, "dprk");
    rw_detect_free(&d);
    rw_rules_free(&rs);
    cap_reset(&c);
}

static void test_detect_default_host_window_needs_three_files_inside_24h(void)
{
    struct rw_ruleset *rs = load_path(DEFAULT_RULES);
    struct rw_detect *d = new_detect(rs, 0);
    /* Hours after T0: the first three files are each more than 24 h apart; day 2's 19:00
     * file and day 3's 01:00 and 03:00 files make three inside 24 h at day 3 03:00; the
     * 05:00 file keeps the window over its bound but a whole span has not passed. */
    static const uint64_t hours[] = {9, 24 + 10, 48 + 19, 72 + 1, 72 + 3, 72 + 5};
    struct cap c = {0};

    for (size_t i = 0; i < sizeof(hours) / sizeof(hours[0]); i++)
        upload(d, rs, "10.1.2.3", "175.45.176.10", "notes.txt", "text/plain", 1000,
               T0 + hours[i] * HOUR, 100 + i, &c);
    /* Each upload: 9100005 (traffic) and 9100002 (a file); 9100004 once. */
    CU_ASSERT_EQUAL(cap_count(&c, 9100005), 6);
    CU_ASSERT_EQUAL(cap_count(&c, 9100002), 6);
    CU_ASSERT_EQUAL_FATAL(cap_count(&c, 9100004), 1);
    for (size_t i = 0; i < c.n; i++) {
        if (c.a[i].sid != 9100004)
            continue;
        CU_ASSERT_EQUAL(c.a[i].ts, T0 + (72 + 3) * HOUR);
        CU_ASSERT_EQUAL(c.a[i].wfiles, 3);
        CU_ASSERT_EQUAL(c.a[i].wflows, 3);
        CU_ASSERT_EQUAL(c.a[i].wbytes, 3000);
        CU_ASSERT_EQUAL(c.a[i].wfirst, T0 + (48 + 19) * HOUR);
        CU_ASSERT_EQUAL(c.a[i].wlast, T0 + (72 + 3) * HOUR);
        CU_ASSERT_EQUAL(c.a[i].wspan, 86400);
        CU_ASSERT_STRING_EQUAL(c.a[i].list, "dprk");
    }
    rw_detect_free(&d);
    rw_rules_free(&rs);
    cap_reset(&c);
}

/* ---- host windows --------------------------------------------------------------------- */

static void test_detect_host_window_fires_when_in_window_total_reaches_bound(void)
{
    struct rw_ruleset *rs = load_text(SET_HEAD
                                      "rules:\n"
                                      "  - {sid: 1, msg: three files a day, level: host,\n"
                                      "     match: {dst: [flag], direction: outbound},\n"
                                      "     window: {span: 24h, files: 3}}\n");
    struct rw_detect *d = new_detect(rs, 0);
    /* Seconds after T0: d0 09:00, d0 20:00, d1 10:00 (d0 09:00 is 25 h old: out; 2 in),
     * d1 18:00 (d0 20:00 is 22 h old: in; 3 in: fires), d2 19:00 (1 in). */
    static const uint64_t secs[] = {32400, 72000, 122400, 151200, 241200};
    struct cap c = {0};

    for (size_t i = 0; i < 5; i++)
        upload(d, rs, "10.1.2.3", "175.45.176.10", "a.bin", NULL, 1000, T0 + secs[i] * SEC,
               200 + i, &c);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    CU_ASSERT_EQUAL(c.a[0].sid, 1);
    CU_ASSERT_EQUAL(c.a[0].ts, T0 + 151200 * SEC);
    CU_ASSERT_EQUAL(c.a[0].wfiles, 3);
    CU_ASSERT_EQUAL(c.a[0].wflows, 3);
    CU_ASSERT_EQUAL(c.a[0].wbytes, 3000);
    CU_ASSERT_EQUAL(c.a[0].wfirst, T0 + 72000 * SEC);
    CU_ASSERT_EQUAL(c.a[0].wlast, T0 + 151200 * SEC);
    rw_detect_free(&d);
    rw_rules_free(&rs);
    cap_reset(&c);
}

static void test_detect_host_window_edges_follow_span_over_64_buckets(void)
{
    /* span 64 s: buckets of exactly 1 s. An event leaves the window between 63 s and 64 s
     * after it happened. */
    struct rw_ruleset *rs = load_text(SET_HEAD
                                      "rules:\n"
                                      "  - {sid: 1, msg: two files, level: host,\n"
                                      "     match: {dst: [flag]},\n"
                                      "     window: {span: 64s, files: 2}}\n");
    struct rw_detect *d = new_detect(rs, 0);
    struct cap c = {0};

    /* 63.999999 s apart, same bucket distance 63: still in, fires. */
    upload(d, rs, "10.0.0.1", "175.45.176.1", "a", NULL, 1, T0 + 100 * SEC, 1, &c);
    upload(d, rs, "10.0.0.1", "175.45.176.1", "b", NULL, 1, T0 + 164 * SEC - 1, 2, &c);
    /* 64 s apart: out. */
    upload(d, rs, "10.0.0.2", "175.45.176.1", "a", NULL, 1, T0 + 100 * SEC, 3, &c);
    upload(d, rs, "10.0.0.2", "175.45.176.1", "b", NULL, 1, T0 + 164 * SEC, 4, &c);
    /* 63.5 s apart across bucket distance 64: out (span - span/64 = 63 s is the least). */
    upload(d, rs, "10.0.0.3", "175.45.176.1", "a", NULL, 1, T0 + 100 * SEC + 500000, 5, &c);
    upload(d, rs, "10.0.0.3", "175.45.176.1", "b", NULL, 1, T0 + 164 * SEC, 6, &c);
    /* 63 s apart: in. */
    upload(d, rs, "10.0.0.4", "175.45.176.1", "a", NULL, 1, T0 + 100 * SEC + 999999, 7, &c);
    upload(d, rs, "10.0.0.4", "175.45.176.1", "b", NULL, 1, T0 + 163 * SEC + 999999, 8, &c);
    CU_ASSERT_EQUAL_FATAL(c.n, 2);
    CU_ASSERT_STRING_EQUAL(c.a[0].src, "10.0.0.1");
    CU_ASSERT_EQUAL(c.a[0].ts, T0 + 164 * SEC - 1);
    CU_ASSERT_STRING_EQUAL(c.a[1].src, "10.0.0.4");
    rw_detect_free(&d);
    rw_rules_free(&rs);
    cap_reset(&c);
}

static void test_detect_host_window_adds_up_parallel_flows(void)
{
    struct rw_ruleset *rs = load_text(SET_HEAD
                                      "rules:\n"
                                      "  - {sid: 2, msg: 1 MB in an hour, level: host,\n"
                                      "     match: {dst: [flag], direction: outbound},\n"
                                      "     window: {span: 1h, bytes: 1MB}}\n"
                                      "  - {sid: 3, msg: four flows in an hour, level: host,\n"
                                      "     match: {dst: [flag], direction: outbound},\n"
                                      "     window: {span: 1h, flows: 4}}\n"
                                      "  - {sid: 4, msg: 500 kB in one flow, level: flow,\n"
                                      "     match: {dst: [flag], bytes: {min: 500KB}}}\n");
    struct rw_detect *d = new_detect(rs, 0);
    struct tflow fl[4];
    struct cap c = {0};

    /* Three flows to three flagged servers, round robin, 40 segments of 10000 bytes each:
     * no flow reaches 500 kB, together they reach 1 MB at segment 100 (index 99). */
    tflow_init(&fl[0], "10.1.2.3", 40000, "175.45.176.10", 443, T0, 1);
    tflow_init(&fl[1], "10.1.2.3", 40001, "175.45.176.11", 443, T0, 2);
    tflow_init(&fl[2], "10.1.2.3", 40002, "175.45.176.12", 443, T0, 3);
    for (uint64_t k = 0; k < 120; k++)
        tflow_packet(d, &fl[k % 3], RW_TOSERVER, 10000, T0 + k * 1000, &c);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    CU_ASSERT_EQUAL(c.a[0].sid, 2);
    CU_ASSERT_EQUAL(c.a[0].ts, T0 + 99 * 1000);
    CU_ASSERT_EQUAL(c.a[0].wbytes, 1000000);
    CU_ASSERT_EQUAL(c.a[0].wflows, 3);
    CU_ASSERT_EQUAL(c.a[0].wfirst, T0);
    /* A fourth flow makes four flows. */
    tflow_init(&fl[3], "10.1.2.3", 40003, "175.45.177.1", 443, T0 + SEC, 4);
    tflow_packet(d, &fl[3], RW_TOSERVER, 0, T0 + SEC, &c);
    CU_ASSERT_EQUAL_FATAL(c.n, 2);
    CU_ASSERT_EQUAL(c.a[1].sid, 3);
    CU_ASSERT_EQUAL(c.a[1].ts, T0 + SEC);
    CU_ASSERT_EQUAL(c.a[1].wflows, 4);
    CU_ASSERT_EQUAL(c.a[1].wbytes, 1200000);
    for (int i = 0; i < 4; i++)
        rw_detect_flow(d, &fl[i].view, RW_DET_FLOW_END, T0 + 2 * SEC, cap_emit, &c);
    CU_ASSERT_EQUAL(c.n, 2);
    rw_detect_free(&d);
    rw_rules_free(&rs);
    cap_reset(&c);
}

static void test_detect_host_window_refires_after_a_span_while_over(void)
{
    struct rw_ruleset *rs = load_text(SET_HEAD
                                      "rules:\n"
                                      "  - {sid: 1, msg: two files an hour, level: host,\n"
                                      "     match: {dst: [flag]}, window: {span: 1h, files: 2}}\n");
    struct rw_detect *d = new_detect(rs, 0);
    struct cap c = {0};

    /* A file every 20 minutes for 3 hours: the window holds 2 or 3 files all along. It
     * fires at the second file (20 min), then again at the first file at least an hour
     * after that (80 min), and at 140 min. */
    for (uint64_t i = 0; i <= 9; i++)
        upload(d, rs, "10.0.0.1", "175.45.176.1", "a", NULL, 1, T0 + i * 1200 * SEC, 10 + i,
               &c);
    CU_ASSERT_EQUAL_FATAL(c.n, 3);
    CU_ASSERT_EQUAL(c.a[0].ts, T0 + 1200 * SEC);
    CU_ASSERT_EQUAL(c.a[1].ts, T0 + 4800 * SEC);
    CU_ASSERT_EQUAL(c.a[1].wfiles, 3);
    CU_ASSERT_EQUAL(c.a[2].ts, T0 + 8400 * SEC);
    rw_detect_free(&d);
    rw_rules_free(&rs);
    cap_reset(&c);
}

static void test_detect_host_window_with_file_conditions_counts_matching_files(void)
{
    struct rw_ruleset *rs = load_text(SET_HEAD
                                      "rules:\n"
                                      "  - {sid: 1, msg: projects, level: host,\n"
                                      "     match: {dst: [flag], type: [project]},\n"
                                      "     window: {span: 1h, bytes: 3000}}\n");
    struct rw_detect *d = new_detect(rs, 0);
    struct cap c = {0};
    struct tflow fl;
    struct tfile a, b, t;

    tflow_init(&fl, "10.0.0.1", 40000, "175.45.176.1", 80, T0, 1);
    /* 100000 bytes of flow payload: not counted, the rule has file conditions. */
    tflow_packet(d, &fl, RW_TOSERVER, 100000, T0, &c);
    tfile_init(&a, rs, "a.psd", RW_TOSERVER, NULL, NULL);
    tfile_init(&t, rs, "t.txt", RW_TOSERVER, "text/plain", NULL);
    tfile_init(&b, rs, "b.aep", RW_TOSERVER, NULL, NULL);
    tfile_event(d, &fl, &a, RW_DET_FILE_IDENTIFIED, 1000, T0 + 1 * SEC, &c);
    tfile_event(d, &fl, &t, RW_DET_FILE_IDENTIFIED, 50000, T0 + 2 * SEC, &c);
    tfile_event(d, &fl, &a, RW_DET_FILE_GREW, 1500, T0 + 3 * SEC, &c);
    tfile_event(d, &fl, &b, RW_DET_FILE_IDENTIFIED, 1000, T0 + 4 * SEC, &c);
    CU_ASSERT_EQUAL(c.n, 0);
    tfile_event(d, &fl, &a, RW_DET_FILE_END, 2000, T0 + 5 * SEC, &c);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    CU_ASSERT_EQUAL(c.a[0].ts, T0 + 5 * SEC);
    CU_ASSERT_EQUAL(c.a[0].wbytes, 3000);
    CU_ASSERT_EQUAL(c.a[0].wfiles, 2);
    CU_ASSERT_EQUAL(c.a[0].wflows, 1);
    CU_ASSERT_EQUAL(c.a[0].wfirst, T0 + 1 * SEC);
    rw_detect_free(&d);
    rw_rules_free(&rs);
    cap_reset(&c);
}

/* ---- conditions ----------------------------------------------------------------------- */

static void test_detect_file_byte_bounds_fire_at_crossing_or_at_end(void)
{
    struct rw_ruleset *rs = load_text(SET_HEAD
                                      "rules:\n"
                                      "  - {sid: 1, msg: big comp, level: file,\n"
                                      "     match: {filename: ['*_comp_*'], bytes: {min: 50MiB}}}\n"
                                      "  - {sid: 2, msg: small, level: file,\n"
                                      "     match: {bytes: {max: 1MiB}}}\n"
                                      "  - {sid: 3, msg: mid, level: file,\n"
                                      "     match: {bytes: {min: 1KiB, max: 2MiB}}}\n");
    struct rw_detect *d = new_detect(rs, 0);
    struct cap c = {0};
    struct tflow fl;
    struct tfile big, other;

    tflow_init(&fl, "10.0.0.1", 40000, "93.184.216.34", 80, T0, 1);
    fl.info.pkts[RW_TOSERVER] = 1;
    tfile_init(&big, rs, "sq010_COMP_v2.mov", RW_TOSERVER, NULL, NULL);
    tfile_event(d, &fl, &big, RW_DET_FILE_IDENTIFIED, 4096, T0 + 1, &c);
    tfile_event(d, &fl, &big, RW_DET_FILE_GREW, 52428799, T0 + 2, &c);
    tfile_event(d, &fl, &big, RW_DET_FILE_GREW, 52428800, T0 + 3, &c);
    tfile_event(d, &fl, &big, RW_DET_FILE_GREW, 99999999, T0 + 4, &c);
    tfile_event(d, &fl, &big, RW_DET_FILE_END, 99999999, T0 + 5, &c);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    CU_ASSERT_EQUAL(c.a[0].sid, 1);
    CU_ASSERT_EQUAL(c.a[0].ts, T0 + 3);
    CU_ASSERT_EQUAL(c.a[0].bytes, 52428800);
    /* 1.5 MiB: sid 2 never (over its max at the end), sid 3 at the end only. */
    tfile_init(&other, rs, "x.bin", RW_TOSERVER, NULL, NULL);
    tfile_event(d, &fl, &other, RW_DET_FILE_IDENTIFIED, 4096, T0 + 6, &c);
    tfile_event(d, &fl, &other, RW_DET_FILE_GREW, 524288, T0 + 7, &c);
    tfile_event(d, &fl, &other, RW_DET_FILE_END, 1572864, T0 + 8, &c);
    CU_ASSERT_EQUAL_FATAL(c.n, 2);
    CU_ASSERT_EQUAL(c.a[1].sid, 3);
    CU_ASSERT_EQUAL(c.a[1].ts, T0 + 8);
    CU_ASSERT_EQUAL(cap_count(&c, 2), 0);
    rw_detect_free(&d);
    rw_rules_free(&rs);
    cap_reset(&c);
}

static void test_detect_flow_rules_wait_for_protocol_and_judge_max_at_end(void)
{
    struct rw_ruleset *rs = load_text(SET_HEAD
                                      "rules:\n"
                                      "  - {sid: 1, msg: TLS, level: flow, match: {proto: [TLS]}}\n"
                                      "  - {sid: 2, msg: encrypted, level: flow,\n"
                                      "     match: {proto: [encrypted], direction: outbound}}\n"
                                      "  - {sid: 3, msg: youtube, level: flow,\n"
                                      "     match: {proto: [youtube]}}\n"
                                      "  - {sid: 4, msg: cleartext, level: flow,\n"
                                      "     match: {proto: [cleartext]}}\n"
                                      "  - {sid: 5, msg: small flow, level: flow,\n"
                                      "     match: {bytes: {min: 100, max: 5000}}}\n"
                                      "  - {sid: 6, msg: anon, level: flow,\n"
                                      "     match: {anonymous: false}}\n");
    struct rw_detect *d = new_detect(rs, 0);
    struct cap c = {0};
    struct tflow fl;

    tflow_init(&fl, "10.0.0.1", 40000, "93.184.216.34", 443, T0, 1);
    fl.view.proto = NULL;
    fl.view.app_proto = NULL;
    tflow_packet(d, &fl, RW_TOSERVER, 0, T0, &c);
    tflow_packet(d, &fl, RW_TOCLIENT, 0, T0 + 1, &c);
    tflow_packet(d, &fl, RW_TOSERVER, 517, T0 + 2, &c);
    CU_ASSERT_EQUAL(c.n, 0);
    fl.view.proto = "TLS.YouTube";
    fl.view.app_proto = "tls";
    tflow_packet(d, &fl, RW_TOCLIENT, 1400, T0 + 3, &c);
    /* sid 1, 2, 3 fire once each at T0 + 3; sid 2 only for the outbound direction. */
    CU_ASSERT_EQUAL_FATAL(c.n, 3);
    CU_ASSERT_EQUAL(c.a[0].sid, 1);
    CU_ASSERT_EQUAL(c.a[0].dir, RW_TOSERVER);
    CU_ASSERT_EQUAL(c.a[1].sid, 2);
    CU_ASSERT_EQUAL(c.a[1].dir, RW_TOSERVER);
    CU_ASSERT_EQUAL(c.a[2].sid, 3);
    CU_ASSERT_EQUAL(c.a[2].ts, T0 + 3);
    tflow_packet(d, &fl, RW_TOSERVER, 100, T0 + 4, &c);
    fl.view.anonymous = 0;
    CU_ASSERT_EQUAL(c.n, 3);
    rw_detect_flow(d, &fl.view, RW_DET_FLOW_END, T0 + 5, cap_emit, &c);
    /* At the end: 617 bytes to the server are within [100, 5000]; anonymous is known. */
    CU_ASSERT_EQUAL_FATAL(c.n, 5);
    CU_ASSERT_EQUAL(c.a[3].sid, 5);
    CU_ASSERT_EQUAL(c.a[3].bytes, 617);
    CU_ASSERT_EQUAL(c.a[4].sid, 6);
    CU_ASSERT_EQUAL(cap_count(&c, 4), 0);
    rw_detect_free(&d);
    rw_rules_free(&rs);
    cap_reset(&c);
}

/* An event that changes nothing for a direction is skipped for it (the flow's state keeps
 * what the direction's last event saw): anonymous learnt from the other direction's packet,
 * names that arrive, and the end must still be judged for a direction whose payload did not
 * move. */
static void test_detect_unchanged_direction_still_sees_anonymous_names_and_end(void)
{
    struct rw_ruleset *rs = load_text(SET_HEAD
                                      "rules:\n"
                                      "  - {sid: 1, msg: anon up, level: flow,\n"
                                      "     match: {anonymous: true, direction: outbound}}\n"
                                      "  - {sid: 2, msg: tls, level: flow, match: {proto: [tls]}}\n"
                                      "  - {sid: 3, msg: small, level: flow,\n"
                                      "     match: {bytes: {min: 1, max: 50}}}\n");
    struct rw_detect *d = new_detect(rs, 0);
    struct cap c = {0};
    struct tflow fl;

    tflow_init(&fl, "10.0.0.1", 40000, "93.184.216.34", 443, T0, 1);
    fl.view.proto = NULL;
    fl.view.app_proto = NULL;
    tflow_packet(d, &fl, RW_TOSERVER, 30, T0, &c);
    tflow_packet(d, &fl, RW_TOCLIENT, 20, T0 + 1, &c);
    tflow_packet(d, &fl, RW_TOCLIENT, 20, T0 + 2, &c);
    CU_ASSERT_EQUAL(c.n, 0);
    /* The server's reply says anonymous: the client's direction, unchanged, fires sid 1. */
    fl.view.anonymous = 1;
    tflow_packet(d, &fl, RW_TOCLIENT, 0, T0 + 3, &c);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    CU_ASSERT_EQUAL(c.a[0].sid, 1);
    CU_ASSERT_EQUAL(c.a[0].dir, RW_TOSERVER);
    CU_ASSERT_EQUAL(c.a[0].bytes, 30);
    CU_ASSERT_EQUAL(c.a[0].ts, T0 + 3);
    /* Names arrive with a packet that carries nothing: the client's direction, unchanged
     * in bytes, fires sid 2 (once a flow: its first direction). */
    fl.view.proto = "TLS";
    fl.view.app_proto = "tls";
    tflow_packet(d, &fl, RW_TOCLIENT, 0, T0 + 4, &c);
    CU_ASSERT_EQUAL_FATAL(c.n, 2);
    CU_ASSERT_EQUAL(c.a[1].sid, 2);
    CU_ASSERT_EQUAL(c.a[1].dir, RW_TOSERVER);
    CU_ASSERT_EQUAL(c.a[1].ts, T0 + 4);
    /* The end judges the maximum, in the client's direction first, unchanged since T0:
     * its 30 bytes are within [1, 50]. */
    rw_detect_flow(d, &fl.view, RW_DET_FLOW_END, T0 + 5, cap_emit, &c);
    CU_ASSERT_EQUAL_FATAL(c.n, 3);
    CU_ASSERT_EQUAL(c.a[2].sid, 3);
    CU_ASSERT_EQUAL(c.a[2].dir, RW_TOSERVER);
    CU_ASSERT_EQUAL(c.a[2].bytes, 30);
    rw_detect_free(&d);
    rw_rules_free(&rs);
    cap_reset(&c);
}

/* A file no rule can act on any more stops being evaluated (its state says quiet), but only
 * once every rule has fired or fails a condition fixed for the file: a rule waiting for a
 * protocol name or a size keeps the file evaluated until it fires. */
static void test_detect_quiet_file_waits_for_rules_on_names_and_size(void)
{
    struct rw_ruleset *rs = load_text(SET_HEAD
                                      "rules:\n"
                                      "  - {sid: 1, msg: flagged project, level: file,\n"
                                      "     match: {dst: [flag], direction: outbound,\n"
                                      "             type: [project]}}\n"
                                      "  - {sid: 2, msg: big ftp upload, level: file,\n"
                                      "     match: {proto: [ftp], direction: outbound,\n"
                                      "             bytes: {min: 1000}}}\n");
    struct rw_detect *d = new_detect(rs, 0);
    struct cap c = {0};
    struct tflow fl;
    struct tfile down, up;

    tflow_init(&fl, "10.0.0.1", 40000, "93.184.216.34", 21, T0, 1);
    fl.info.pkts[RW_TOSERVER] = 1;
    fl.info.pkts[RW_TOCLIENT] = 1;
    /* A download to the home client: both rules want outbound, so quiet at once. */
    tfile_init(&down, rs, "shot.psd", RW_TOCLIENT, NULL, NULL);
    tfile_event(d, &fl, &down, RW_DET_FILE_IDENTIFIED, 4096, T0 + 1, &c);
    CU_ASSERT_EQUAL(down.fs.quiet, 1);
    tfile_event(d, &fl, &down, RW_DET_FILE_GREW, 8192, T0 + 2, &c);
    CU_ASSERT_EQUAL(down.fs.size, 8192);
    tfile_event(d, &fl, &down, RW_DET_FILE_END, 9000, T0 + 3, &c);
    CU_ASSERT_EQUAL(down.fs.size, 9000);
    CU_ASSERT_EQUAL(c.n, 0);
    /* What a caller may ask before building the view. */
    CU_ASSERT_EQUAL(rw_detect_file_skip(&down.fs, 9500), 1);
    CU_ASSERT_EQUAL(down.fs.size, 9500);
    /* An upload to an unlisted host: sid 1 fails dst for good, sid 2 waits for the name
     * and the size, so the file stays evaluated. */
    tfile_init(&up, rs, "shot.psd", RW_TOSERVER, NULL, NULL);
    tfile_event(d, &fl, &up, RW_DET_FILE_IDENTIFIED, 500, T0 + 4, &c);
    CU_ASSERT_EQUAL(up.fs.quiet, 0);
    CU_ASSERT_EQUAL(rw_detect_file_skip(&up.fs, 1500), 0);
    CU_ASSERT_EQUAL(up.fs.size, 500);
    tfile_event(d, &fl, &up, RW_DET_FILE_GREW, 2000, T0 + 5, &c);
    CU_ASSERT_EQUAL(up.fs.quiet, 0);
    CU_ASSERT_EQUAL(c.n, 0);
    fl.view.proto = "FTP_DATA";
    fl.view.app_proto = "ftp";
    tfile_event(d, &fl, &up, RW_DET_FILE_GREW, 3000, T0 + 6, &c);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    CU_ASSERT_EQUAL(c.a[0].sid, 2);
    CU_ASSERT_EQUAL(c.a[0].bytes, 3000);
    CU_ASSERT_EQUAL(c.a[0].ts, T0 + 6);
    /* sid 2 has fired, sid 1 never can: quiet now, and nothing more comes. */
    CU_ASSERT_EQUAL(up.fs.quiet, 1);
    tfile_event(d, &fl, &up, RW_DET_FILE_END, 5000, T0 + 7, &c);
    CU_ASSERT_EQUAL(c.n, 1);
    CU_ASSERT_EQUAL(up.fs.size, 5000);
    rw_detect_free(&d);
    rw_rules_free(&rs);
    cap_reset(&c);
}

/* The same for a flow's directions: the reply direction (inbound) fails every rule for
 * good at its first packet; the client's waits for TLS, fires, then goes quiet. A flagged
 * receiver keeps the direction evaluated. */
static void test_detect_quiet_direction_waits_for_rules_on_names(void)
{
    struct rw_ruleset *rs = load_text(SET_HEAD
                                      "rules:\n"
                                      "  - {sid: 3, msg: flagged volume, level: flow,\n"
                                      "     match: {dst: [flag], bytes: {min: 100}}}\n"
                                      "  - {sid: 4, msg: tls out, level: flow,\n"
                                      "     match: {proto: [tls], direction: outbound}}\n"
                                      "  - {sid: 5, msg: flagged host, level: host,\n"
                                      "     match: {dst: [flag]}, window: {span: 1h, files: 3}}\n");
    struct rw_detect *d = new_detect(rs, 0);
    struct cap c = {0};
    struct tflow fl;

    tflow_init(&fl, "10.0.0.1", 40000, "93.184.216.34", 443, T0, 1);
    fl.view.proto = NULL;
    fl.view.app_proto = NULL;
    tflow_packet(d, &fl, RW_TOSERVER, 300, T0, &c);
    tflow_packet(d, &fl, RW_TOCLIENT, 1400, T0 + 1, &c);
    CU_ASSERT_EQUAL(fl.st.addrs[RW_TOSERVER] & RW_DETECT_ADDR_QUIET, 0);
    CU_ASSERT_EQUAL(fl.st.addrs[RW_TOCLIENT] & RW_DETECT_ADDR_QUIET, RW_DETECT_ADDR_QUIET);
    CU_ASSERT_EQUAL(c.n, 0);
    fl.view.proto = "TLS";
    fl.view.app_proto = "tls";
    tflow_packet(d, &fl, RW_TOSERVER, 200, T0 + 2, &c);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    CU_ASSERT_EQUAL(c.a[0].sid, 4);
    CU_ASSERT_EQUAL(c.a[0].dir, RW_TOSERVER);
    CU_ASSERT_EQUAL(c.a[0].bytes, 500);
    CU_ASSERT_EQUAL(fl.st.addrs[RW_TOSERVER] & RW_DETECT_ADDR_QUIET, RW_DETECT_ADDR_QUIET);
    tflow_packet(d, &fl, RW_TOSERVER, 200, T0 + 3, &c);
    CU_ASSERT_EQUAL(fl.st.payload[RW_TOSERVER], 700);
    rw_detect_flow(d, &fl.view, RW_DET_FLOW_END, T0 + 4, cap_emit, &c);
    CU_ASSERT_EQUAL(c.n, 1);
    tflow_init(&fl, "10.0.0.1", 40001, "175.45.176.9", 443, T0 + 5, 2);
    tflow_packet(d, &fl, RW_TOSERVER, 50, T0 + 5, &c);
    CU_ASSERT_EQUAL(fl.st.addrs[RW_TOSERVER] & RW_DETECT_ADDR_QUIET, 0);
    tflow_packet(d, &fl, RW_TOSERVER, 50, T0 + 6, &c);
    CU_ASSERT_EQUAL_FATAL(c.n, 2);
    CU_ASSERT_EQUAL(c.a[1].sid, 3);
    CU_ASSERT_EQUAL(c.a[1].bytes, 100);
    CU_ASSERT_EQUAL(fl.st.addrs[RW_TOSERVER] & RW_DETECT_ADDR_QUIET, 0);
    rw_detect_free(&d);
    rw_rules_free(&rs);
    cap_reset(&c);
}

static void test_detect_families_and_anonymity_helpers(void)
{
    CU_ASSERT_EQUAL(rw_detect_families("TLS.YouTube", "tls", "Media"), RW_DETECT_FAM_ENCRYPTED);
    CU_ASSERT_EQUAL(rw_detect_families("HTTP", "http", "Web"), RW_DETECT_FAM_CLEARTEXT);
    CU_ASSERT_EQUAL(rw_detect_families("FTP_CONTROL", "ftp", NULL),
                    RW_DETECT_FAM_FILE_TRANSFER | RW_DETECT_FAM_CLEARTEXT);
    CU_ASSERT_EQUAL(rw_detect_families("OpenVPN", NULL, "VPN"),
                    RW_DETECT_FAM_ENCRYPTED | RW_DETECT_FAM_VPN);
    CU_ASSERT_EQUAL(rw_detect_families("SSH", "ssh", "RemoteAccess"),
                    RW_DETECT_FAM_ENCRYPTED | RW_DETECT_FAM_REMOTE_ACCESS);
    CU_ASSERT_EQUAL(rw_detect_families("Unknown", "failed", NULL), 0);
    /* Any case, first letter included; empty parts and near names give nothing. */
    CU_ASSERT_EQUAL(rw_detect_families("wIREGUARD", NULL, NULL),
                    RW_DETECT_FAM_ENCRYPTED | RW_DETECT_FAM_VPN);
    CU_ASSERT_EQUAL(rw_detect_families("teamviewer..x", NULL, NULL),
                    RW_DETECT_FAM_ENCRYPTED | RW_DETECT_FAM_REMOTE_ACCESS);
    CU_ASSERT_EQUAL(rw_detect_families("TL.TLSX", "", NULL), RW_DETECT_FAM_CLEARTEXT);
    CU_ASSERT_EQUAL(rw_detect_families(NULL, NULL, NULL), 0);
    CU_ASSERT_EQUAL(rw_detect_anonymity("http", 0, 0), 1);
    CU_ASSERT_EQUAL(rw_detect_anonymity("http", 1, 0), 0);
    CU_ASSERT_EQUAL(rw_detect_anonymity("ftp-data", 1, 1), 1);
    CU_ASSERT_EQUAL(rw_detect_anonymity("tls", 0, 0), -1);
    CU_ASSERT_EQUAL(rw_detect_anonymity(NULL, 0, 0), -1);
}

/* ---- thresholds and suppression ------------------------------------------------------- */

/* Suricata's threshold types x tracks, count 2 in 10 s (sids 1t0k: t type, k track), and
 * the count 1 cases by_src (sids 1t50). */
#define THR_RULE(sid, type, track, count)                                                    \
    "  - {sid: " #sid ", msg: t, level: file, match: {dst: [flag]},\n"                       \
    "     threshold: {type: " #type ", track: " #track ", count: " #count ", seconds: 10}}\n"

static void test_detect_thresholds_follow_suricata_for_every_type_and_track(void)
{
    struct rw_ruleset *rs = load_text(
        SET_HEAD "rules:\n" THR_RULE(1101, limit, by_src, 2) THR_RULE(1102, limit, by_dst, 2)
            THR_RULE(1103, limit, by_both, 2) THR_RULE(1104, limit, by_flow, 2)
                THR_RULE(1201, threshold, by_src, 2) THR_RULE(1202, threshold, by_dst, 2)
                    THR_RULE(1203, threshold, by_both, 2) THR_RULE(1204, threshold, by_flow, 2)
                        THR_RULE(1301, both, by_src, 2) THR_RULE(1302, both, by_dst, 2)
                            THR_RULE(1303, both, by_both, 2) THR_RULE(1304, both, by_flow, 2)
                                THR_RULE(1150, limit, by_src, 1)
                                    THR_RULE(1250, threshold, by_src, 1)
                                        THR_RULE(1350, both, by_src, 1));
    struct rw_detect *d = new_detect(rs, 0);
    static const struct {
        uint32_t sid;
        size_t want;
    } want[] = {
        {1101, 8}, {1102, 9}, {1103, 11}, {1104, 11}, {1201, 5}, {1202, 5}, {1203, 5},
        {1204, 3}, {1301, 4}, {1302, 4}, {1303, 5}, {1304, 3}, {1150, 4}, {1250, 13},
        {1350, 4},
    };
    /* Flows A (10.0.0.1 -> .176.1), B (10.0.0.1 -> .176.2), C (10.0.0.2 -> .176.1), and D,
     * another flow of A's address pair. One file per event, at these microseconds. */
    static const struct {
        uint64_t us;
        int flow;
    } ev[] = {
        {0, 0}, {1000000, 0}, {2000000, 1}, {3000000, 2}, {4000000, 0}, {5000000, 2},
        {9999999, 1}, {10000000, 0}, {11000000, 3}, {12000000, 2}, {25000000, 1},
        {26000000, 3}, {26500000, 0},
    };
    struct rw_detect_stats st;
    struct tflow fl[4];
    struct cap c = {0};

    tflow_init(&fl[0], "10.0.0.1", 40000, "175.45.176.1", 80, T0, 101);
    tflow_init(&fl[1], "10.0.0.1", 40001, "175.45.176.2", 80, T0, 102);
    tflow_init(&fl[2], "10.0.0.2", 40002, "175.45.176.1", 80, T0, 103);
    tflow_init(&fl[3], "10.0.0.1", 40003, "175.45.176.1", 80, T0, 104);
    for (size_t i = 0; i < sizeof(ev) / sizeof(ev[0]); i++) {
        struct tfile f;

        fl[ev[i].flow].info.pkts[RW_TOSERVER] = 1;
        tfile_init(&f, rs, "x", RW_TOSERVER, NULL, NULL);
        tfile_event(d, &fl[ev[i].flow], &f, RW_DET_FILE_IDENTIFIED, 1, T0 + ev[i].us, &c);
    }
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        if (cap_count(&c, want[i].sid) != want[i].want)
            fprintf(stderr, "\nsid %u: %zu alerts, want %zu", want[i].sid,
                    cap_count(&c, want[i].sid), want[i].want);
        CU_ASSERT_EQUAL(cap_count(&c, want[i].sid), want[i].want);
    }
    rw_detect_stats(d, &st);
    CU_ASSERT_EQUAL(st.alerts, 94);
    CU_ASSERT_EQUAL(st.thresholded, 15 * 13 - 94);
    rw_detect_free(&d);
    rw_rules_free(&rs);
    cap_reset(&c);
}

static void test_detect_by_both_tracks_the_unordered_pair(void)
{
    struct rw_ruleset *rs = load_text(SET_HEAD
                                      "rules:\n"
                                      "  - {sid: 1, msg: pair, level: file,\n"
                                      "     threshold: {type: limit, track: by_both, count: 1,"
                                      " seconds: 60}}\n"
                                      "  - {sid: 2, msg: src, level: file,\n"
                                      "     threshold: {type: limit, track: by_src, count: 1,"
                                      " seconds: 60}}\n");
    struct rw_detect *d = new_detect(rs, 0);
    struct cap c = {0};
    struct tflow fl;
    struct tfile up, down;

    tflow_init(&fl, "10.0.0.1", 40000, "175.45.176.1", 80, T0, 1);
    fl.info.pkts[RW_TOSERVER] = fl.info.pkts[RW_TOCLIENT] = 1;
    tfile_init(&up, rs, "up", RW_TOSERVER, NULL, NULL);
    tfile_init(&down, rs, "down", RW_TOCLIENT, NULL, NULL);
    tfile_event(d, &fl, &up, RW_DET_FILE_IDENTIFIED, 1, T0, &c);
    tfile_event(d, &fl, &down, RW_DET_FILE_IDENTIFIED, 1, T0 + SEC, &c);
    CU_ASSERT_EQUAL(cap_count(&c, 1), 1);
    CU_ASSERT_EQUAL(cap_count(&c, 2), 2);
    rw_detect_free(&d);
    rw_rules_free(&rs);
    cap_reset(&c);
}

static void test_detect_suppress_by_address_cidr_and_list(void)
{
    struct rw_ruleset *rs = load_text(SET_HEAD
                                      "rules:\n"
                                      "  - sid: 1\n"
                                      "    msg: s\n"
                                      "    level: file\n"
                                      "    match: {dst: [flag]}\n"
                                      "    suppress:\n"
                                      "      - {track: by_src, ip: [10.0.0.5]}\n"
                                      "      - {track: by_dst, ip: [175.45.177.0/24]}\n"
                                      "      - {track: by_src, ip: [render]}\n");
    struct rw_detect *d = new_detect(rs, 0);
    static const char *const pairs[][2] = {
        {"10.0.0.5", "175.45.176.1"},  /* suppressed: source address */
        {"10.0.0.6", "175.45.176.1"},  /* alert */
        {"10.0.0.6", "175.45.177.9"},  /* suppressed: destination CIDR */
        {"10.9.1.1", "175.45.176.1"},  /* suppressed: source in list render */
        {"10.0.0.6", "175.45.178.1"},  /* alert */
        {"10.0.0.4", "175.45.177.0"},  /* suppressed: first address of the CIDR */
    };
    struct rw_detect_stats st;
    struct cap c = {0};

    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        struct tflow fl;
        struct tfile f;

        tflow_init(&fl, pairs[i][0], 40000, pairs[i][1], 80, T0, i + 1);
        fl.info.pkts[RW_TOSERVER] = 1;
        tfile_init(&f, rs, "x", RW_TOSERVER, NULL, NULL);
        tfile_event(d, &fl, &f, RW_DET_FILE_IDENTIFIED, 1, T0 + i, &c);
    }
    CU_ASSERT_EQUAL_FATAL(c.n, 2);
    CU_ASSERT_STRING_EQUAL(c.a[0].dst, "175.45.176.1");
    CU_ASSERT_STRING_EQUAL(c.a[1].dst, "175.45.178.1");
    rw_detect_stats(d, &st);
    CU_ASSERT_EQUAL(st.suppressed, 4);
    CU_ASSERT_EQUAL(st.alerts, 2);
    rw_detect_free(&d);
    rw_rules_free(&rs);
    cap_reset(&c);
}

/* ---- bounds ---------------------------------------------------------------------------- */

static void test_detect_table_evicts_least_recently_used_and_counts(void)
{
    struct rw_ruleset *rs = load_text(SET_HEAD
                                      "rules:\n"
                                      "  - {sid: 1, msg: once an hour, level: file,\n"
                                      "     threshold: {type: limit, track: by_src, count: 1,"
                                      " seconds: 3600}}\n");
    struct rw_detect *d = new_detect(rs, 4);
    struct rw_detect *dflt = new_detect(rs, 0), *d4096 = new_detect(rs, 4096);
    size_t mem = rw_detect_memory_bytes(d);
    struct rw_detect_stats st;
    struct cap c = {0};
    char src[32];

    CU_ASSERT_EQUAL(rw_detect_memory_bytes(dflt), rw_detect_memory_bytes(d4096));
    /* Four entries of at most 2 KiB each, plus the object itself. */
    CU_ASSERT(mem < sizeof(struct rw_detect_stats) + 4 * 2048 + 16384);
    for (int i = 1; i <= 6; i++) {
        struct tflow fl;
        struct tfile f;

        snprintf(src, sizeof(src), "10.0.0.%d", i);
        tflow_init(&fl, src, 40000, "175.45.176.1", 80, T0, (uint64_t)i);
        fl.info.pkts[RW_TOSERVER] = 1;
        tfile_init(&f, rs, "x", RW_TOSERVER, NULL, NULL);
        tfile_event(d, &fl, &f, RW_DET_FILE_IDENTIFIED, 1, T0 + (uint64_t)i * SEC, &c);
    }
    rw_detect_stats(d, &st);
    CU_ASSERT_EQUAL(st.alerts, 6);
    CU_ASSERT_EQUAL(st.evictions, 2);
    CU_ASSERT_EQUAL(st.tracked, 4);
    /* 10.0.0.1 was evicted: its limit starts over. 10.0.0.6 is still held back. */
    for (int i = 0; i < 2; i++) {
        struct tflow fl;
        struct tfile f;

        tflow_init(&fl, i == 0 ? "10.0.0.1" : "10.0.0.6", 40001, "175.45.176.1", 80, T0, 9);
        fl.info.pkts[RW_TOSERVER] = 1;
        tfile_init(&f, rs, "x", RW_TOSERVER, NULL, NULL);
        tfile_event(d, &fl, &f, RW_DET_FILE_IDENTIFIED, 1, T0 + (uint64_t)(7 + i) * SEC, &c);
    }
    rw_detect_stats(d, &st);
    CU_ASSERT_EQUAL(st.alerts, 7);
    CU_ASSERT_EQUAL(st.thresholded, 1);
    CU_ASSERT_EQUAL(st.evictions, 3);
    CU_ASSERT_EQUAL(st.tracked, 4);
    CU_ASSERT_EQUAL(rw_detect_memory_bytes(d), mem);
    CU_ASSERT_STRING_EQUAL(c.a[6].src, "10.0.0.1");
    rw_detect_free(&d);
    rw_detect_free(&dflt);
    rw_detect_free(&d4096);
    rw_rules_free(&rs);
    cap_reset(&c);
}

static void test_detect_refuses_more_rules_at_a_level_than_slots(void)
{
    size_t cap = 64 + 160 * (RW_DETECT_RULE_SLOTS + 1), o = 0;
    char *text = malloc(cap);
    struct rw_diag *diag = rw_diag_new();
    struct rw_ruleset *rs;
    struct rw_detect *d;
    int err = -100;

    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    o += (size_t)snprintf(text + o, cap - o, "%s", "vars: {home_net: [10.0.0.0/8]}\nrules:\n");
    for (int i = 1; i <= RW_DETECT_RULE_SLOTS + 1; i++)
        o += (size_t)snprintf(text + o, cap - o, "  - {sid: %d, msg: m, level: flow}\n", i);
    rs = load_text(text);
    d = rw_detect_new(rs, 0, diag, &err);
    CU_ASSERT_PTR_NULL(d);
    CU_ASSERT_EQUAL(err, RW_ELIMIT);
    CU_ASSERT_EQUAL(rw_diag_count(diag), 1);
    CU_ASSERT_STRING_EQUAL(rw_diag_line(diag, 0),
                           "rules: expected at most 128 rules at level flow, found 129");
    rw_diag_free(&diag);
    rw_rules_free(&rs);
    free(text);
}

static void test_detect_table_evicts_the_least_recently_used_not_the_oldest(void)
{
    struct rw_ruleset *rs = load_text(SET_HEAD
                                      "rules:\n"
                                      "  - {sid: 1, msg: once an hour, level: file,\n"
                                      "     threshold: {type: limit, track: by_src, count: 1,"
                                      " seconds: 3600}}\n");
    struct rw_detect *d = new_detect(rs, 4);
    /* Senders 1..4 fill the table; 1 is used again (held back) and so becomes the most
     * recent; 5 then evicts 2, the least recently used (first-in-first-out would evict 1).
     * 1 is still held back; 2 starts over and alerts (evicting 3). */
    static const int order[] = {1, 2, 3, 4, 1, 5, 1, 2};
    static const int alerted[] = {1, 1, 1, 1, 0, 1, 0, 1};
    struct rw_detect_stats st;
    struct cap c = {0};

    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        char src[32];
        struct tflow fl;
        struct tfile f;
        size_t before = c.n;

        snprintf(src, sizeof(src), "10.0.0.%d", order[i]);
        tflow_init(&fl, src, 40000, "175.45.176.1", 80, T0, i + 1);
        fl.info.pkts[RW_TOSERVER] = 1;
        tfile_init(&f, rs, "x", RW_TOSERVER, NULL, NULL);
        tfile_event(d, &fl, &f, RW_DET_FILE_IDENTIFIED, 1, T0 + i * SEC, &c);
        CU_ASSERT_EQUAL(c.n - before, (size_t)alerted[i]);
    }
    rw_detect_stats(d, &st);
    CU_ASSERT_EQUAL(st.alerts, 6);
    CU_ASSERT_EQUAL(st.thresholded, 2);
    CU_ASSERT_EQUAL(st.evictions, 2);
    CU_ASSERT_EQUAL(st.tracked, 4);
    rw_detect_free(&d);
    rw_rules_free(&rs);
    cap_reset(&c);
}

static void test_detect_threshold_entries_never_flush_a_window(void)
{
    struct rw_ruleset *rs = load_text(SET_HEAD
                                      "rules:\n"
                                      "  - {sid: 1, msg: any file, level: file,\n"
                                      "     threshold: {type: limit, track: by_src, count: 1,"
                                      " seconds: 3600}}\n"
                                      "  - {sid: 2, msg: three uploads, level: host,\n"
                                      "     match: {dst: [flag], direction: outbound},\n"
                                      "     window: {span: 1h, files: 3}}\n");
    struct rw_detect *d = new_detect(rs, 4);
    struct rw_detect_stats st;
    struct cap c = {0};

    /* A studio host's first upload makes its window (and a threshold entry); then 40
     * outside senders (transit: no window) each make a threshold entry in a table of 4. */
    upload(d, rs, "10.0.0.1", "175.45.176.1", "a", NULL, 1, T0, 1, &c);
    for (int i = 1; i <= 40; i++) {
        char src[32];

        snprintf(src, sizeof(src), "198.51.100.%d", i);
        upload(d, rs, src, "175.45.176.1", "x", NULL, 1, T0 + (uint64_t)i * SEC, 100 + i, &c);
    }
    upload(d, rs, "10.0.0.1", "175.45.176.1", "b", NULL, 1, T0 + 50 * SEC, 2, &c);
    upload(d, rs, "10.0.0.1", "175.45.176.1", "c", NULL, 1, T0 + 51 * SEC, 3, &c);
    /* The window kept its first file: three files, one alert. The studio host's threshold
     * entry was evicted, so its limit let one more alert through (b; c is held back). */
    CU_ASSERT_EQUAL_FATAL(cap_count(&c, 2), 1);
    for (size_t i = 0; i < c.n; i++) {
        if (c.a[i].sid == 2) {
            CU_ASSERT_EQUAL(c.a[i].wfiles, 3);
            CU_ASSERT_EQUAL(c.a[i].wfirst, T0);
        }
    }
    CU_ASSERT_EQUAL(cap_count(&c, 1), 42);
    rw_detect_stats(d, &st);
    CU_ASSERT_EQUAL(st.tracked, 4);
    CU_ASSERT_EQUAL(st.thresholded, 1);
    /* 43 entries made (a window, 42 threshold entries) in 4 slots. */
    CU_ASSERT_EQUAL(st.evictions, 39);
    rw_detect_free(&d);
    rw_rules_free(&rs);
    cap_reset(&c);
}

static void test_detect_events_never_allocate(void)
{
    struct rw_ruleset *rs = load_path(DEFAULT_RULES);
    struct rw_detect *d = new_detect(rs, 3); /* three entries: one must be evicted */
    struct rw_detect_stats st;
    struct cap c = {0};
    struct tflow fl;
    struct tfile f;

    /* Every allocation from here on fails; events must neither need one nor notice. */
    rw_alloc_hook_set(1);
    tflow_init(&fl, "10.1.2.3", 50000, "175.45.176.10", 80, T0, 1);
    for (uint64_t i = 0; i < 50; i++)
        tflow_packet(d, &fl, RW_TOSERVER, 1448, T0 + i, &c);
    tfile_init(&f, rs, "shot.psd", RW_TOSERVER, PSD_MIME, PSD_DESC);
    tfile_event(d, &fl, &f, RW_DET_FILE_IDENTIFIED, 4096, T0 + 60, &c);
    for (uint64_t i = 0; i < 5; i++)
        upload(d, rs, "10.1.2.4", "175.45.176.11", "a.txt", "text/plain", 10, T0 + i * SEC,
               10 + i, &c);
    CU_ASSERT_EQUAL(rw_alloc_hook_failures(), 0);
    rw_alloc_hook_set(0);
    rw_detect_stats(d, &st);
    /* 9100005's entry for 10.1.2.3's pair, the least recently used threshold entry, made
     * room for 10.1.2.4's window. */
    CU_ASSERT_EQUAL(st.evictions, 1);
    CU_ASSERT_EQUAL(st.tracked, 3);
    CU_ASSERT_EQUAL(st.alerts_failed, 0);
    /* 9100005 x 2, 9100003, 9100001, 9100002 x 5, 9100004. */
    CU_ASSERT_EQUAL(st.alerts, 10);
    CU_ASSERT_EQUAL(cap_count(&c, 9100004), 1);
    rw_detect_free(&d);
    rw_rules_free(&rs);
    cap_reset(&c);
}

static void test_detect_file_fields_from_the_caller_are_not_trusted(void)
{
    struct rw_ruleset *rs = load_text(SET_HEAD
                                      "rules:\n"
                                      "  - {sid: 1, msg: any file, level: file}\n"
                                      "  - {sid: 2, msg: glob, level: file,\n"
                                      "     match: {filename: ['a?b.psd']}}\n"
                                      "  - {sid: 3, msg: not text, level: file,\n"
                                      "     match: {not_type: [text], filename: ['*']}}\n");
    struct rw_detect *d = new_detect(rs, 0);
    static const char nul_name[] = "a\0b.psd";
    struct cap c = {0};
    struct tflow fl;
    struct tfile f, g, h;
    char *longname = malloc(100000);
    json_t *rec, *fi;

    CU_ASSERT_PTR_NOT_NULL_FATAL(longname);
    memset(longname, 'n', 100000);
    c.build = 1;
    tflow_init(&fl, "10.0.0.1", 40000, "175.45.176.1", 80, T0, 1);
    fl.info.pkts[RW_TOSERVER] = fl.info.pkts[RW_TOCLIENT] = 1;
    /* Group bits past the set's two groups (project, text) name nothing: only 'project'
     * and 'text' are reported, and 'text' keeps sid 3 away. A NUL in the name is '?'. */
    tfile_init(&f, rs, NULL, RW_TOSERVER, NULL, NULL);
    f.f.name = nul_name;
    f.f.name_len = sizeof(nul_name) - 1;
    f.f.types = UINT64_MAX;
    tfile_event(d, &fl, &f, RW_DET_FILE_IDENTIFIED, 10, T0, &c);
    CU_ASSERT_EQUAL_FATAL(c.n, 2);
    CU_ASSERT_EQUAL(c.a[0].sid, 1);
    CU_ASSERT_EQUAL(c.a[0].types, group_bit(rs, "project") | group_bit(rs, "text"));
    CU_ASSERT_STRING_EQUAL(c.a[0].group, "project");
    CU_ASSERT_EQUAL(c.a[1].sid, 2);
    /* A name of 100000 bytes: globs see the first RW_FILE_NAME_MAX_BYTES, the record
     * carries as many; an unknown direction is taken as RW_TOSERVER. */
    tfile_init(&g, rs, NULL, RW_TOSERVER, NULL, NULL);
    g.f.name = longname;
    g.f.name_len = 100000;
    g.f.dir = 7;
    tfile_event(d, &fl, &g, RW_DET_FILE_IDENTIFIED, 10, T0 + 1, &c);
    CU_ASSERT_EQUAL_FATAL(c.n, 4);
    CU_ASSERT_EQUAL(c.a[2].sid, 1);
    CU_ASSERT_EQUAL(c.a[2].dir, RW_TOSERVER);
    CU_ASSERT_EQUAL(c.a[3].sid, 3);
    rec = json_loads(c.last_json, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
    fi = json_object_get(rec, "fileinfo");
    CU_ASSERT_EQUAL(json_string_length(json_object_get(fi, "filename")), RW_FILE_NAME_MAX_BYTES);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(fi, "size")), 10);
    json_decref(rec);
    /* No name at all: filename rules cannot match, the others can. */
    tfile_init(&h, rs, NULL, RW_TOSERVER, NULL, NULL);
    tfile_event(d, &fl, &h, RW_DET_FILE_IDENTIFIED, 10, T0 + 2, &c);
    CU_ASSERT_EQUAL_FATAL(c.n, 5);
    CU_ASSERT_EQUAL(c.a[4].sid, 1);
    free(longname);
    rw_detect_free(&d);
    rw_rules_free(&rs);
    cap_reset(&c);
}

static void test_detect_packet_times_near_the_end_of_time_do_not_wrap(void)
{
    struct rw_ruleset *rs = load_text(SET_HEAD
                                      "rules:\n"
                                      "  - {sid: 1, msg: limit, level: file,\n"
                                      "     threshold: {type: limit, track: by_src, count: 1,"
                                      " seconds: 10}}\n"
                                      "  - {sid: 2, msg: host, level: host,\n"
                                      "     match: {dst: [flag]}, window: {span: 1h, files: 1}}\n");
    struct rw_detect *d = new_detect(rs, 0);
    /* Times whose period or span end would wrap past UINT64_MAX, then one stepping back. */
    static const uint64_t at[] = {UINT64_MAX - 5 * SEC, UINT64_MAX - 1, UINT64_MAX - 8 * SEC};
    struct rw_detect_stats st;
    struct cap c = {0};

    for (size_t i = 0; i < 3; i++) {
        struct tflow fl;
        struct tfile f;

        tflow_init(&fl, "10.0.0.1", 40000, "175.45.176.1", 80, T0, i + 1);
        fl.info.pkts[RW_TOSERVER] = 1;
        tfile_init(&f, rs, "x", RW_TOSERVER, NULL, NULL);
        tfile_event(d, &fl, &f, RW_DET_FILE_IDENTIFIED, 1, at[i], &c);
    }
    /* One limit alert: the later matches are inside its period (a time before the start
     * counts as inside, as Suricata's TIMEVAL_EARLIER); one window alert: a span has not
     * passed since it fired. */
    CU_ASSERT_EQUAL(cap_count(&c, 1), 1);
    CU_ASSERT_EQUAL_FATAL(cap_count(&c, 2), 1);
    CU_ASSERT_EQUAL(c.a[1].sid, 2);
    CU_ASSERT_EQUAL(c.a[1].ts, UINT64_MAX - 5 * SEC);
    rw_detect_stats(d, &st);
    CU_ASSERT_EQUAL(st.thresholded, 2);
    rw_detect_free(&d);
    rw_rules_free(&rs);
    cap_reset(&c);
}

static void test_detect_host_window_fires_again_after_falling_below(void)
{
    struct rw_ruleset *rs = load_text(SET_HEAD
                                      "rules:\n"
                                      "  - {sid: 1, msg: two files an hour, level: host,\n"
                                      "     match: {dst: [flag]}, window: {span: 1h, files: 2}}\n");
    struct rw_detect *d = new_detect(rs, 0);
    /* Minutes: two files (fires at 10), a lone file at 100 (the others left: below), one
     * at 130 (two again, though less than a span after the last alert: fires). */
    static const uint64_t mins[] = {0, 10, 100, 130};
    struct cap c = {0};

    for (size_t i = 0; i < 4; i++)
        upload(d, rs, "10.0.0.1", "175.45.176.1", "a", NULL, 1, T0 + mins[i] * 60 * SEC, i + 1,
               &c);
    CU_ASSERT_EQUAL_FATAL(c.n, 2);
    CU_ASSERT_EQUAL(c.a[0].ts, T0 + 10 * 60 * SEC);
    CU_ASSERT_EQUAL(c.a[0].wfiles, 2);
    CU_ASSERT_EQUAL(c.a[1].ts, T0 + 130 * 60 * SEC);
    CU_ASSERT_EQUAL(c.a[1].wfiles, 2);
    CU_ASSERT_EQUAL(c.a[1].wfirst, T0 + 100 * 60 * SEC);
    rw_detect_free(&d);
    rw_rules_free(&rs);
    cap_reset(&c);
}

static void test_detect_host_window_ignores_events_older_than_the_window(void)
{
    struct rw_ruleset *rs = load_text(SET_HEAD
                                      "rules:\n"
                                      "  - {sid: 1, msg: two files, level: host,\n"
                                      "     match: {dst: [flag]},\n"
                                      "     window: {span: 64s, files: 2}}\n");
    struct rw_detect *d = new_detect(rs, 0);
    struct cap c = {0};

    /* The clock steps back 1000 s: that file is older than the whole window and is not
     * counted; one 62 s back still is (the window is kept per bucket, not per event). */
    upload(d, rs, "10.0.0.1", "175.45.176.1", "a", NULL, 1, T0 + 1000 * SEC, 1, &c);
    upload(d, rs, "10.0.0.1", "175.45.176.1", "b", NULL, 1, T0, 2, &c);
    CU_ASSERT_EQUAL(c.n, 0);
    upload(d, rs, "10.0.0.1", "175.45.176.1", "c", NULL, 1, T0 + 938 * SEC, 3, &c);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    CU_ASSERT_EQUAL(c.a[0].wfiles, 2);
    CU_ASSERT_EQUAL(c.a[0].ts, T0 + 938 * SEC);
    CU_ASSERT_EQUAL(c.a[0].wfirst, T0 + 938 * SEC);
    CU_ASSERT_EQUAL(c.a[0].wlast, T0 + 1000 * SEC);
    rw_detect_free(&d);
    rw_rules_free(&rs);
    cap_reset(&c);
}

/* One flow of 100 packets of 1000 bytes to a flagged server, with a progress event every
 * `every` packets (0: only the end event). */
static void progress_run(size_t every, struct cap *c)
{
    struct rw_ruleset *rs = load_text(SET_HEAD
                                      "rules:\n"
                                      "  - {sid: 1, msg: 50 kB flow, level: flow,\n"
                                      "     match: {dst: [flag], bytes: {min: 50KB}}}\n"
                                      "  - {sid: 2, msg: 100 kB host, level: host,\n"
                                      "     match: {dst: [flag]},\n"
                                      "     window: {span: 1h, bytes: 100KB}}\n");
    struct rw_detect *d = new_detect(rs, 0);
    struct tflow fl;

    tflow_init(&fl, "10.0.0.1", 40000, "175.45.176.1", 443, T0, 1);
    for (uint64_t i = 1; i <= 100; i++) {
        fl.info.pkts[RW_TOSERVER]++;
        fl.info.payload[RW_TOSERVER] += 1000;
        if (every != 0 && i % every == 0)
            rw_detect_flow(d, &fl.view, RW_DET_FLOW_PROGRESS, T0 + i, cap_emit, c);
    }
    rw_detect_flow(d, &fl.view, RW_DET_FLOW_END, T0 + 101, cap_emit, c);
    rw_detect_free(&d);
    rw_rules_free(&rs);
}

static void test_detect_progress_granularity_changes_when_not_what(void)
{
    static const struct {
        size_t every;
        uint64_t flow_bytes, host_ts;
    } runs[] = {{1, 50000, T0 + 100}, {7, 56000, T0 + 101}, {0, 100000, T0 + 101}};

    for (size_t i = 0; i < 3; i++) {
        struct cap c = {0};

        progress_run(runs[i].every, &c);
        CU_ASSERT_EQUAL_FATAL(c.n, 2);
        CU_ASSERT_EQUAL(c.a[0].sid, 1);
        CU_ASSERT_EQUAL(c.a[0].bytes, runs[i].flow_bytes);
        CU_ASSERT_EQUAL(c.a[1].sid, 2);
        CU_ASSERT_EQUAL(c.a[1].ts, runs[i].host_ts);
        /* Whatever the reports, the window holds the flow once and every byte once. */
        CU_ASSERT_EQUAL(c.a[1].wbytes, 100000);
        CU_ASSERT_EQUAL(c.a[1].wflows, 1);
        cap_reset(&c);
    }
}

static void test_detect_null_and_refusal_edges(void)
{
    size_t cap = 64 + 160 * (2 * RW_DETECT_RULE_SLOTS + 3), o = 0;
    char *text = malloc(cap);
    struct rw_diag *diag = rw_diag_new();
    struct rw_detect *d = NULL;
    struct rw_ruleset *rs;
    int err = -100;

    rw_detect_free(NULL);
    rw_detect_free(&d);
    CU_ASSERT_PTR_NULL(d);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(diag);
    /* 129 flow rules and 130 file rules: one line per level, file first; err may be NULL. */
    o += (size_t)snprintf(text + o, cap - o, "%s", "vars: {home_net: [10.0.0.0/8]}\nrules:\n");
    for (int i = 1; i <= 2 * RW_DETECT_RULE_SLOTS + 3; i++)
        o += (size_t)snprintf(text + o, cap - o, "  - {sid: %d, msg: m, level: %s}\n", i,
                              i <= RW_DETECT_RULE_SLOTS + 1 ? "flow" : "file");
    CU_ASSERT_FATAL(o < cap);
    rs = load_text(text);
    CU_ASSERT_PTR_NULL(rw_detect_new(rs, 0, NULL, NULL));
    d = rw_detect_new(rs, 0, diag, &err);
    CU_ASSERT_PTR_NULL(d);
    CU_ASSERT_EQUAL(err, RW_ELIMIT);
    CU_ASSERT_EQUAL_FATAL(rw_diag_count(diag), 2);
    CU_ASSERT_STRING_EQUAL(rw_diag_line(diag, 0),
                           "rules: expected at most 128 rules at level file, found 130");
    CU_ASSERT_STRING_EQUAL(rw_diag_line(diag, 1),
                           "rules: expected at most 128 rules at level flow, found 129");
    rw_diag_free(&diag);
    rw_rules_free(&rs);
    free(text);
}

/* ---- EVE records ------------------------------------------------------------------------ */

#define PSD_ALERT_JSON                                                                       \
    "{\"timestamp\":\"2024-05-01T12:00:01.000000+0000\",\"flow_id\":1234567,"                \
    "\"event_type\":\"alert\",\"src_ip\":\"10.1.2.3\",\"src_port\":50000,"                   \
    "\"dest_ip\":\"175.45.176.10\",\"dest_port\":80,\"proto\":\"TCP\","                      \
    "\"community_id\":\"COMMUNITY\",\"app_proto\":\"http\",\"direction\":\"to_server\","     \
    "\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":9100001,\"rev\":1,"         \
    "\"signature\":\"REELWATCH production or media file sent to a flagged address range\","  \
    "\"category\":\"Potential Corporate Privacy Violation\",\"severity\":1,"                 \
    "\"metadata\":{\"mitre_tactic_id\":[\"TA0010\"],\"mitre_technique_id\":[\"T1048\"],"     \
    "\"confidence\":[\"high\"]},"                                                            \
    "\"context\":{\"level\":\"file\",\"direction\":\"outbound\",\"list\":\"dprk\","          \
    "\"prefix\":\"175.45.176.0/22\",\"type_groups\":[\"image\",\"project\"],"                \
    "\"bytes\":4096,\"proto\":\"HTTP\"}},"                                                   \
    "\"flow\":{\"pkts_toserver\":10,\"pkts_toclient\":6,\"bytes_toserver\":5000,"            \
    "\"bytes_toclient\":400,\"start\":\"2024-05-01T12:00:00.000000+0000\","                  \
    "\"src_ip\":\"10.1.2.3\",\"dest_ip\":\"175.45.176.10\",\"src_port\":50000,"              \
    "\"dest_port\":80},"                                                                     \
    "\"fileinfo\":{\"filename\":\"shot_010_comp_v3.psd\",\"magic\":\"" PSD_DESC "\","        \
    "\"gaps\":false,\"state\":\"OPEN\",\"size\":4096}}"

static void test_detect_alert_record_is_exact(void)
{
    struct rw_ruleset *rs = load_path(DEFAULT_RULES);
    struct rw_detect *d = new_detect(rs, 0);
    char want[4096], cid[64];
    const char *mark;
    struct cap c = {0};
    struct tflow fl;
    struct tfile f;

    tflow_init(&fl, "10.1.2.3", 50000, "175.45.176.10", 80, T0 + 12 * HOUR, 1234567);
    fl.info.pkts[RW_TOSERVER] = 10;
    fl.info.pkts[RW_TOCLIENT] = 6;
    fl.info.bytes[RW_TOSERVER] = 5000;
    fl.info.bytes[RW_TOCLIENT] = 400;
    tfile_init(&f, rs, "shot_010_comp_v3.psd", RW_TOSERVER, PSD_MIME, PSD_DESC);
    c.build = 1;
    tfile_event(d, &fl, &f, RW_DET_FILE_IDENTIFIED, 4096, T0 + 12 * HOUR + SEC, &c);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.last_json);
    /* The Community ID is rw_eve's (tested there); splice it in. */
    CU_ASSERT_EQUAL_FATAL(rw_eve_community_id(&fl.info.key, cid, sizeof(cid)), 0);
    mark = strstr(PSD_ALERT_JSON, "COMMUNITY");
    CU_ASSERT_PTR_NOT_NULL_FATAL(mark);
    snprintf(want, sizeof(want), "%.*s%s%s", (int)(mark - PSD_ALERT_JSON), PSD_ALERT_JSON, cid,
             mark + strlen("COMMUNITY"));
    if (strcmp(c.last_json, want) != 0)
        fprintf(stderr, "\n got: %s\nwant: %s\n", c.last_json, want);
    CU_ASSERT_STRING_EQUAL(c.last_json, want);
    rw_detect_free(&d);
    rw_rules_free(&rs);
    cap_reset(&c);
}

static void test_detect_host_alert_context_is_exact(void)
{
    struct rw_ruleset *rs = load_text(SET_HEAD
                                      "rules:\n"
                                      "  - {sid: 7, msg: two files, level: host,\n"
                                      "     references: ['url,example.org/x'],\n"
                                      "     match: {dst: [flag]},\n"
                                      "     window: {span: 24h, files: 2}}\n");
    struct rw_detect *d = new_detect(rs, 0);
    struct cap c = {0};
    json_t *rec, *alert;
    char *s;

    c.build = 1;
    upload(d, rs, "10.0.0.1", "175.45.176.1", "a.txt", "text/plain", 10, T0 + SEC, 1, &c);
    upload(d, rs, "10.0.0.1", "175.45.176.1", "b.psd", NULL, 20, T0 + HOUR, 2, &c);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    rec = json_loads(c.last_json, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
    alert = json_object_get(rec, "alert");
    s = json_dumps(alert, JSON_COMPACT);
    CU_ASSERT_STRING_EQUAL(s, "{\"action\":\"allowed\",\"gid\":1,\"signature_id\":7,\"rev\":0,"
                              "\"signature\":\"two files\",\"category\":\"\",\"severity\":3,"
                              "\"references\":[\"url,example.org/x\"],"
                              "\"context\":{\"level\":\"host\",\"direction\":\"outbound\","
                              "\"list\":\"flag\",\"prefix\":\"175.45.176.0/22\","
                              "\"proto\":\"HTTP\",\"window\":{\"span\":86400,\"files\":2,"
                              "\"bytes\":30,\"flows\":2,"
                              "\"first\":\"2024-05-01T00:00:01.000000+0000\","
                              "\"last\":\"2024-05-01T01:00:00.000000+0000\"}}}");
    CU_ASSERT_PTR_NULL(json_object_get(rec, "fileinfo"));
    free(s);
    json_decref(rec);
    rw_detect_free(&d);
    rw_rules_free(&rs);
    cap_reset(&c);
}

/* An IPv6 set for the schema test: a flagged /48, one rule per level. */
#define SET_V6                                                                               \
    "vars: {home_net: [fc00::/7]}\n"                                                         \
    "lists:\n"                                                                               \
    "  v6: {cidrs: ['2001:db8:bad::/48']}\n"                                                 \
    "types:\n"                                                                               \
    "  project: {ext: [psd]}\n"                                                              \
    "rules:\n"                                                                               \
    "  - {sid: 61, msg: v6 file, level: file, match: {dst: [v6], type: [project]}}\n"       \
    "  - {sid: 62, msg: v6 flow, level: flow, match: {dst: [v6], direction: outbound}}\n"    \
    "  - {sid: 63, msg: v6 host, level: host, match: {dst: [v6]},\n"                         \
    "     window: {span: 1h, files: 1}}\n"

static void test_detect_alert_records_pass_the_eve_schema(void)
{
    struct rw_ruleset *rs = load_path(DEFAULT_RULES), *rs6;
    struct rw_detect *d = new_detect(rs, 0), *d6;
    char path[] = "/tmp/rw_detect_eve_XXXXXX", cmd[512];
    struct cap c = {0};
    struct tflow fl, in6, icmp;
    struct tfile f, out, f6;
    json_t *rec;
    int fd, n;

    RW_NEED_FILE(EVECHECK);
    RW_NEED_FILE("../data/eve-schema.json");
    fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    c.lines = fdopen(fd, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.lines);
    c.build = 1;
    /* Flow alerts (9100005, 9100003), a file alert, host window alert (9100004). */
    tflow_init(&fl, "10.1.2.3", 50000, "175.45.176.10", 80, T0, 1);
    fl.view.hostname = "relay.example";
    for (uint64_t i = 0; i < 50; i++)
        tflow_packet(d, &fl, RW_TOSERVER, 1448, T0 + i, &c);
    tfile_init(&f, rs, "shot.psd", RW_TOSERVER, PSD_MIME, PSD_DESC);
    f.f.ext_mismatch = 1;
    tfile_event(d, &fl, &f, RW_DET_FILE_IDENTIFIED, 4096, T0 + 60, &c);
    for (uint64_t i = 0; i < 5; i++)
        upload(d, rs, "10.1.2.4", "175.45.176.11", "a.txt", "text/plain", 10, T0 + i * SEC,
               10 + i, &c);
    /* A to_client file alert with a name that is not UTF-8: the record names the sender
     * (the server, 10.1.2.3:21) src, and the flow object keeps the flow's own ends. */
    tflow_init(&fl, "175.45.176.10", 50000, "10.1.2.3", 21, T0, 21);
    fl.info.pkts[RW_TOSERVER] = fl.info.pkts[RW_TOCLIENT] = 1;
    tfile_init(&out, rs, "caf\xe9.psd", RW_TOCLIENT, PSD_MIME, NULL);
    out.f.state = RW_FILE_TRUNCATED;
    out.f.gaps = 1;
    out.f.app_proto = "ftp-data";
    out.f.size = 99; /* not tfile_event: that would close the file */
    rw_detect_file(d, &fl.view, &out.f, RW_DET_FILE_END, T0 + 2, cap_emit, &c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.last_json);
    rec = json_loads(c.last_json, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(rec, "src_ip")), "10.1.2.3");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(rec, "src_port")), 21);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(rec, "dest_ip")), "175.45.176.10");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(rec, "dest_port")), 50000);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(rec, "direction")), "to_client");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(rec, "app_proto")), "ftp-data");
    CU_ASSERT_STRING_EQUAL(
        json_string_value(json_object_get(json_object_get(rec, "flow"), "src_ip")),
        "175.45.176.10");
    CU_ASSERT_STRING_EQUAL(
        json_string_value(json_object_get(json_object_get(rec, "fileinfo"), "filename")),
        "caf\\xe9.psd");
    CU_ASSERT_STRING_EQUAL(
        json_string_value(json_object_get(json_object_get(rec, "fileinfo"), "state")),
        "TRUNCATED");
    json_decref(rec);
    /* An ICMP flow (no ports) to another flagged address: a new by_both pair. */
    tflow_init(&icmp, "10.1.2.3", 8, "175.45.176.20", 0, T0, 22);
    icmp.info.key.proto = 1;
    icmp.view.proto = NULL;
    icmp.view.app_proto = NULL;
    tflow_packet(d, &icmp, RW_TOSERVER, 56, T0 + 3, &c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.last_json);
    rec = json_loads(c.last_json, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(rec, "proto")), "ICMP");
    CU_ASSERT_PTR_NULL(json_object_get(rec, "src_port"));
    CU_ASSERT_PTR_NULL(json_object_get(json_object_get(rec, "flow"), "dest_port"));
    json_decref(rec);
    /* 9100005 is limited by_both to one alert an hour per address pair: 3 pairs. */
    CU_ASSERT_EQUAL(cap_count(&c, 9100005), 3);
    CU_ASSERT_EQUAL(cap_count(&c, 9100003), 1);
    CU_ASSERT_EQUAL(cap_count(&c, 9100001), 2);
    CU_ASSERT_EQUAL(cap_count(&c, 9100002), 5);
    CU_ASSERT_EQUAL(cap_count(&c, 9100004), 1);
    CU_ASSERT_EQUAL(c.n, 12);
    /* IPv6: a flow, a file and a window alert. */
    rs6 = load_text(SET_V6);
    d6 = new_detect(rs6, 0);
    tflow_init(&in6, "fc00::5", 50000, "2001:db8:bad::1", 443, T0, 20);
    tflow_packet(d6, &in6, RW_TOSERVER, 100, T0 + 4, &c);
    tfile_init(&f6, rs6, "x.psd", RW_TOSERVER, NULL, NULL);
    tfile_event(d6, &in6, &f6, RW_DET_FILE_IDENTIFIED, 100, T0 + 5, &c);
    CU_ASSERT_EQUAL_FATAL(c.n, 15);
    CU_ASSERT_EQUAL(c.a[12].sid, 62);
    CU_ASSERT_EQUAL(c.a[13].sid, 61);
    CU_ASSERT_EQUAL(c.a[14].sid, 63);
    CU_ASSERT_STRING_EQUAL(c.a[14].prefix, "2001:db8:bad::/48");
    rec = json_loads(c.last_json, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(rec, "dest_ip")), "2001:db8:bad::1");
    json_decref(rec);
    fclose(c.lines);
    c.lines = NULL;
    n = snprintf(cmd, sizeof(cmd), "python3 %s %s", EVECHECK, path);
    CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(cmd));
    CU_ASSERT_EQUAL(system(cmd), 0);
    unlink(path);
    rw_detect_free(&d6);
    rw_rules_free(&rs6);
    rw_detect_free(&d);
    rw_rules_free(&rs);
    cap_reset(&c);
}

/* ---- OOM ------------------------------------------------------------------------------- */

/* The default set against one busy upload; returns the alerts raised (emitted or failed). */
static uint64_t oom_scenario(struct rw_detect *d, const struct rw_ruleset *rs, struct cap *c)
{
    struct rw_detect_stats st;
    struct tflow fl;
    struct tfile f;

    tflow_init(&fl, "10.1.2.3", 50000, "175.45.176.10", 80, T0, 1);
    for (uint64_t i = 0; i < 50; i++)
        tflow_packet(d, &fl, RW_TOSERVER, 1448, T0 + i, c);
    tfile_init(&f, rs, "shot.psd", RW_TOSERVER, PSD_MIME, PSD_DESC);
    tfile_event(d, &fl, &f, RW_DET_FILE_IDENTIFIED, 4096, T0 + 60, c);
    for (uint64_t i = 0; i < 5; i++)
        upload(d, rs, "10.1.2.4", "175.45.176.11", "a.txt", "text/plain", 10, T0 + i * SEC,
               10 + i, c);
    rw_detect_stats(d, &st);
    return st.alerts + st.alerts_failed;
}

static void test_detect_oom_walk_never_loses_count_of_an_alert(void)
{
    struct rw_ruleset *rs = load_path(DEFAULT_RULES);
    int done = 0;

    for (unsigned long n = 1; n < 5000 && !done; n++) {
        struct rw_detect_stats st;
        struct rw_detect *d;
        struct cap c = {0};
        int err = -100;

        c.build = 1;
        rw_alloc_hook_set(n);
        d = rw_detect_new(rs, 64, NULL, &err);
        if (d == NULL) {
            CU_ASSERT_EQUAL(err, RW_ENOMEM);
            rw_alloc_hook_set(0);
            continue;
        }
        CU_ASSERT_EQUAL(err, 0);
        /* 9100005 x 2 (limited by_both: one per address pair an hour), 9100003, 9100001,
         * 9100002 x 5, 9100004: 10, none lost. */
        CU_ASSERT_EQUAL(oom_scenario(d, rs, &c), 10);
        rw_detect_stats(d, &st);
        CU_ASSERT_EQUAL(st.alerts, c.n);
        done = rw_alloc_hook_failures() == 0;
        rw_alloc_hook_set(0);
        if (done)
            CU_ASSERT_EQUAL(st.alerts_failed, 0);
        rw_detect_free(&d);
        cap_reset(&c);
    }
    CU_ASSERT(done);
    rw_rules_free(&rs);
}

/* ---- suite ------------------------------------------------------------------------------- */

static int detect_suite_init(void)
{
    /* jansson through rw_malloc, so that the failure hook reaches record building. */
    json_set_alloc_funcs(rw_malloc, rw_free);
    return 0;
}

static int detect_suite_cleanup(void)
{
    rw_alloc_hook_set(0);
    json_set_alloc_funcs(malloc, free);
    return 0;
}

static CU_TestInfo detect_tests[] = {
    {"default_psd_upload_fires_9100001_once_on_identify",
     test_detect_default_psd_upload_fires_9100001_once_on_identify},
    {"default_txt_upload_fires_9100002", test_detect_default_txt_upload_fires_9100002},
    {"default_benign_destination_fires_nothing",
     test_detect_default_benign_destination_fires_nothing},
    {"default_anonymous_production_upload_fires_9100006_outside_home",
     test_detect_default_anonymous_production_upload_fires_9100006_outside_home},
    {"default_inbound_download_fires_no_upload_rule",
     test_detect_default_inbound_download_fires_no_upload_rule},
    {"file_sent_to_a_flagged_client_is_outbound",
     test_detect_file_sent_to_a_flagged_client_is_outbound},
    {"flow_crossing_64k_fires_once_at_the_crossing_packet",
     test_detect_flow_crossing_64k_fires_once_at_the_crossing_packet},
    {"default_host_window_needs_three_files_inside_24h",
     test_detect_default_host_window_needs_three_files_inside_24h},
    {"host_window_fires_when_in_window_total_reaches_bound",
     test_detect_host_window_fires_when_in_window_total_reaches_bound},
    {"host_window_edges_follow_span_over_64_buckets",
     test_detect_host_window_edges_follow_span_over_64_buckets},
    {"host_window_adds_up_parallel_flows", test_detect_host_window_adds_up_parallel_flows},
    {"host_window_refires_after_a_span_while_over",
     test_detect_host_window_refires_after_a_span_while_over},
    {"host_window_with_file_conditions_counts_matching_files",
     test_detect_host_window_with_file_conditions_counts_matching_files},
    {"file_byte_bounds_fire_at_crossing_or_at_end",
     test_detect_file_byte_bounds_fire_at_crossing_or_at_end},
    {"flow_rules_wait_for_protocol_and_judge_max_at_end",
     test_detect_flow_rules_wait_for_protocol_and_judge_max_at_end},
    {"unchanged_direction_still_sees_anonymous_names_and_end",
     test_detect_unchanged_direction_still_sees_anonymous_names_and_end},
    {"quiet_file_waits_for_rules_on_names_and_size",
     test_detect_quiet_file_waits_for_rules_on_names_and_size},
    {"quiet_direction_waits_for_rules_on_names",
     test_detect_quiet_direction_waits_for_rules_on_names},
    {"families_and_anonymity_helpers", test_detect_families_and_anonymity_helpers},
    {"thresholds_follow_suricata_for_every_type_and_track",
     test_detect_thresholds_follow_suricata_for_every_type_and_track},
    {"by_both_tracks_the_unordered_pair", test_detect_by_both_tracks_the_unordered_pair},
    {"suppress_by_address_cidr_and_list", test_detect_suppress_by_address_cidr_and_list},
    {"table_evicts_least_recently_used_and_counts",
     test_detect_table_evicts_least_recently_used_and_counts},
    {"refuses_more_rules_at_a_level_than_slots",
     test_detect_refuses_more_rules_at_a_level_than_slots},
    {"table_evicts_the_least_recently_used_not_the_oldest",
     test_detect_table_evicts_the_least_recently_used_not_the_oldest},
    {"threshold_entries_never_flush_a_window",
     test_detect_threshold_entries_never_flush_a_window},
    {"events_never_allocate", test_detect_events_never_allocate},
    {"file_fields_from_the_caller_are_not_trusted",
     test_detect_file_fields_from_the_caller_are_not_trusted},
    {"packet_times_near_the_end_of_time_do_not_wrap",
     test_detect_packet_times_near_the_end_of_time_do_not_wrap},
    {"host_window_fires_again_after_falling_below",
     test_detect_host_window_fires_again_after_falling_below},
    {"host_window_ignores_events_older_than_the_window",
     test_detect_host_window_ignores_events_older_than_the_window},
    {"progress_granularity_changes_when_not_what",
     test_detect_progress_granularity_changes_when_not_what},
    {"null_and_refusal_edges", test_detect_null_and_refusal_edges},
    {"alert_record_is_exact", test_detect_alert_record_is_exact},
    {"host_alert_context_is_exact", test_detect_host_alert_context_is_exact},
    {"alert_records_pass_the_eve_schema", test_detect_alert_records_pass_the_eve_schema},
    {"oom_walk_never_loses_count_of_an_alert",
     test_detect_oom_walk_never_loses_count_of_an_alert},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rw_suites_detect[] = {
    {"detect", detect_suite_init, detect_suite_cleanup, NULL, NULL, detect_tests},
    CU_SUITE_INFO_NULL,
};
