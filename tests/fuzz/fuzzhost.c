/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzzhost.c — the standalone host's packet path (decode, flow table, engine) for fuzz targets. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzhost.h"
#include "rw.h"
#include "rw_decode.h"
#include "rw_flowtable.h"

/* A fuzz harness is one process running one target: its state may be global. */
static struct {
    struct rw_engine *engine;
    struct rw_flowtable *ft;
    struct rw_decode_stats dstats;
    uint64_t now_us;
    uint64_t memuse_fixed;    /* the table's memuse with no flow */
    uint64_t ended;           /* flows the end callback saw, this input */
    uint64_t records;
    int verbose;              /* FUZZHOST_VERBOSE set: EVE lines go to stderr */
} fh;

static void fuzzhost_die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzzhost: %s%s%s\n", what, detail != NULL ? ": " : "",
            detail != NULL ? detail : "");
    abort();
}

/* The EVE oracle: one JSON object a line, no newline, an event_type string. */
static int fuzzhost_write(void *ctx, const char *line, size_t len)
{
    json_error_t jerr;
    json_t *rec;

    (void)ctx;
    if (len == 0 || memchr(line, '\n', len) != NULL)
        fuzzhost_die("EVE line is empty or holds a newline", NULL);
    /* JSON_ALLOW_NUL: \u0000 is valid JSON (RFC 8259 7) and is how Suricata's JsonBuilder,
     * and so rw_json, writes a NUL byte of a wire string (a file name, a host). */
    rec = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (rec == NULL) {
        fprintf(stderr, "fuzzhost: EVE line: %.*s\n", (int)(len > 4096 ? 4096 : len), line);
        fuzzhost_die("EVE line is not valid JSON", jerr.text);
    }
    if (!json_is_object(rec) || !json_is_string(json_object_get(rec, "event_type")))
        fuzzhost_die("EVE line is not an object with an event_type", NULL);
    json_decref(rec);
    fh.records++;
    if (fh.verbose)
        fprintf(stderr, "%.*s\n", (int)len, line);
    return 0;
}

static void fuzzhost_flow_end(void *ctx, struct rw_ft_flow *flow)
{
    (void)ctx;
    fh.ended++;
    rw_engine_flow_end(fh.engine, &flow->core, &flow->info);
}

static void fuzzhost_engine(void)
{
    static const struct rw_output out = {NULL, fuzzhost_write};
    struct rw_engine_config cfg;
    struct rw_diag *diag = rw_diag_new();
    int err = 0;

    if (diag == NULL)
        fuzzhost_die("out of memory", NULL);
    fh.verbose = getenv("FUZZHOST_VERBOSE") != NULL;
    memset(&cfg, 0, sizeof(cfg));
    /* The default rules, so that files and flows reach the detection engine too. */
#ifdef FUZZ_SRCDIR
    cfg.rules_path = FUZZ_SRCDIR "/rules";
#endif
    fh.engine = rw_engine_new(&cfg, &out, diag, &err);
    if (fh.engine == NULL)
        fuzzhost_die("rw_engine_new failed", rw_strerror(err));
    rw_diag_free(&diag);
}

void fuzzhost_begin(unsigned long fail_at)
{
    struct rw_flowtable_config cfg;
    struct rw_flowtable_stats fs;

    if (fh.engine == NULL)
        fuzzhost_engine();
    memset(&cfg, 0, sizeof(cfg));
    cfg.memcap_bytes = RW_FLOW_MEMCAP_MIN_BYTES;
    cfg.extra_bytes_per_flow = rw_engine_flow_state_bytes(fh.engine);
    fh.ft = rw_flowtable_new(&cfg, fuzzhost_flow_end, NULL);
    if (fh.ft == NULL)
        fuzzhost_die("rw_flowtable_new failed", NULL);
    rw_flowtable_get_stats(fh.ft, &fs);
    fh.memuse_fixed = fs.memuse;
    fh.ended = 0;
    memset(&fh.dstats, 0, sizeof(fh.dstats));
    fh.now_us = 0;
    rw_alloc_hook_set(fail_at);
}

/* Sum of the counters of which rw_decode.h says a dropped packet bumps exactly one. */
static uint64_t fuzzhost_reasons(const struct rw_decode_stats *st)
{
    uint64_t n = st->c[RW_DEC_INVALID] + st->c[RW_DEC_ARP] + st->c[RW_DEC_UNKNOWN_ETHERTYPE] +
                 st->c[RW_DEC_TOO_MANY_LAYERS];

    for (int i = RW_DEC_EV_ETH_PKT_TOO_SMALL; i < RW_DEC_COUNTER_N; i++)
        n += st->c[i];
    return n;
}

static int fuzzhost_inside(const uint8_t *p, size_t n, const uint8_t *buf, size_t len)
{
    uintptr_t a = (uintptr_t)p, b = (uintptr_t)buf;

    return a >= b && a <= b + len && n <= b + len - a;
}

static void fuzzhost_check_decoded(const struct rw_decoded *d, const uint8_t *buf, uint32_t len)
{
    if (!fuzzhost_inside(d->l3, d->l3_len, buf, len))
        fuzzhost_die("rw_decode_packet: l3 outside the frame", NULL);
    if (d->payload_len > 0 && !fuzzhost_inside(d->payload, d->payload_len, buf, len))
        fuzzhost_die("rw_decode_packet: payload outside the frame", NULL);
    if (d->payload_len > d->payload_wire_len)
        fuzzhost_die("rw_decode_packet: payload_len > payload_wire_len", NULL);
    if (d->key.src.family != d->key.dst.family ||
        (d->key.src.family != 4 && d->key.src.family != 6))
        fuzzhost_die("rw_decode_packet: flow packet without an IPv4/IPv6 address pair", NULL);
}

void fuzzhost_packet(int dlt, uint64_t ts_us, const uint8_t *data, uint32_t caplen,
                     uint32_t wirelen)
{
    struct rw_decoded d;
    struct rw_ft_flow *fl;
    struct rw_packet p;
    uint8_t *copy;
    uint64_t before;
    int r, dir, created;

    /* Exactly caplen bytes, so ASan sees a read past the end (malloc(0) is not NULL here). */
    copy = malloc(caplen == 0 ? 1 : caplen);
    if (copy == NULL)
        fuzzhost_die("out of memory", NULL);
    if (caplen > 0)
        memcpy(copy, data, caplen);
    if (ts_us > fh.now_us)
        fh.now_us = ts_us;
    before = fuzzhost_reasons(&fh.dstats);
    r = rw_decode_packet(&fh.dstats, dlt, caplen == 0 ? NULL : copy, caplen, wirelen, &d);
    if (r != 0 && r != 1)
        fuzzhost_die("rw_decode_packet returned neither 0 nor 1", NULL);
    if (fuzzhost_reasons(&fh.dstats) - before != (r == 0 ? 1u : 0u))
        fuzzhost_die("rw_decode_packet: reason counters did not move by exactly "
                     "one for a dropped packet (or moved for a flow packet)", NULL);
    if (r != 1)
        goto out;
    fuzzhost_check_decoded(&d, copy, caplen);
    fl = rw_flowtable_packet(fh.ft, &d, fh.now_us, &dir, &created);
    if (fl == NULL)
        goto out;
    if (created) {
        fl->info.flow_id = rw_flow_id(&fl->info.key, fl->info.start_us);
        fl->core = rw_engine_flow_new(fh.engine, &fl->info);
    }
    p = (struct rw_packet){
        .l3 = d.l3,
        .l3_len = d.l3_len,
        .payload = d.payload,
        .payload_len = d.payload_len,
        .payload_wire_len = d.payload_wire_len,
        .ts_us = fh.now_us,
        .tcp_seq = d.tcp_seq,
        .tcp_ack = d.tcp_ack,
        .tcp_flags = d.tcp_flags,
        .dir = (uint8_t)dir,
    };
    rw_engine_packet(fh.engine, fl->core, &fl->info, &p);
out:
    free(copy);
}

unsigned long fuzzhost_end(void)
{
    struct rw_counter c[RW_DEC_COUNTER_N + 16];
    struct rw_flowtable_stats fs;
    unsigned long allocs;
    size_t n = 0;

    rw_flowtable_flush(fh.ft, RW_END_SHUTDOWN);
    for (int i = 0; i < RW_DEC_COUNTER_N; i++)
        if (fh.dstats.c[i] != 0 || i == RW_DEC_PKTS || i == RW_DEC_BYTES)
            c[n++] = (struct rw_counter){rw_decode_counter_path[i], fh.dstats.c[i]};
    rw_flowtable_get_stats(fh.ft, &fs);
    c[n++] = (struct rw_counter){"flow.active", fs.active};
    c[n++] = (struct rw_counter){"flow.total", fs.total};
    c[n++] = (struct rw_counter){"flow.memcap", fs.memcap_drops};
    c[n++] = (struct rw_counter){"flow.memuse", fs.memuse};
    c[n++] = (struct rw_counter){"flow.mgr.flows_timeout", fs.timeouts};
    c[n++] = (struct rw_counter){"flow.mgr.flows_evicted", fs.evicted};
    /* rw_flowtable.h: memuse is exact and never above memcap; every flow ends once */
    if (fs.active != 0 || fs.memuse != fh.memuse_fixed)
        fuzzhost_die("flows or their memory left after rw_flowtable_flush", NULL);
    if (fs.memuse_peak > RW_FLOW_MEMCAP_MIN_BYTES)
        fuzzhost_die("flow table memuse went past its memcap", NULL);
    if (fh.ended != fs.total)
        fuzzhost_die("the end callback did not see every created flow exactly once", NULL);
    rw_engine_stats(fh.engine, fh.now_us, c, n);
    rw_flowtable_free(&fh.ft);
    allocs = rw_alloc_hook_set(0);
    return allocs;
}

uint32_t fuzzhost_hash(const uint8_t *data, size_t size)
{
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 16777619u;
    return h;
}

uint64_t fuzzhost_records(void)
{
    return fh.records;
}
