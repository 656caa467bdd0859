/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_ftp.c — libFuzzer target: the FTP control-channel parser (rw_ftp). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rw.h"
#include "rw_alloc.h"
#include "rw_ftp.h"
#include "rw_limits.h"

/*
 * Input: a sequence of chunks of one control connection, each led by one byte h:
 *
 *   h >> 7          direction: 0 RW_TOSERVER (commands), 1 RW_TOCLIENT (replies)
 *   h & 0x7f = 0    rw_ftp_data with no bytes
 *           1..124  rw_ftp_data with that many bytes, which follow (cut to what is left)
 *           125     rw_ftp_data: a 16-bit big-endian length follows, then the bytes
 *           126     rw_ftp_gap of (next byte) bytes (0 included)
 *           127     rw_ftp_end (later chunks are still fed and must change nothing)
 *
 * fuzz_ftp.dict holds the commands and replies; mkcorpus.py writes sessions in this form.
 * Each input is parsed with an IPv4 and with an IPv6 control connection, and for each:
 *
 *   A  as framed;
 *   B  adjacent data chunks of one direction merged, then fed in pieces of 1..64 bytes
 *      (lengths from the input's hash): the expect calls (every argument, every meta
 *      string) and all counters must equal A's (rw_ftp.h: the result does not depend on
 *      how the bytes are split into calls);
 *   C  as framed with sink->expect NULL: the counters must equal A's with expects 0.
 *
 * Every expect call is checked against the contract in rw_ftp.h and rw_xfer.h: client and
 * server are the control connection's, or, in the call right after one that had them, an
 * alternate differing only in the announced side's address, of the same family; exactly
 * one port is 0; dir follows the method; meta says "ftp-data"; the name is at most
 * RW_FILE_NAME_MAX_BYTES and uri is NULL exactly when it is empty. The parser never calls
 * the file callbacks. After rw_ftp_end nothing changes. Counters: expects equals the
 * calls made, gaps[dir] the rw_ftp_gap calls with n > 0, and the sub-counts stay within
 * their totals. One input in sixteen also checks that rw_ftp_new returns NULL when its
 * allocation fails.
 */

#define FUZZ_FTP_LOG_MAX (1u << 22)

struct fuzz_ftp_log {
    uint8_t *buf;
    size_t len, cap;
    uint64_t calls;
    /* the previous call, for the alternate-address rule */
    int have_prev;
    struct rw_addr prev_client, prev_server;
    uint16_t prev_cport, prev_sport;
    uint8_t prev_dir;
    size_t prev_name_len;
    char prev_name[RW_FILE_NAME_MAX_BYTES];
};

struct fuzz_ftp_run {
    struct fuzz_ftp_log log;
    struct rw_flow_key key;
    uint64_t gaps[2];
    struct rw_ftp_counters at_end;
    int ended;
};

static int fuzz_ftp_verbose = -1;

static void fuzz_ftp_fail(const char *what)
{
    fprintf(stderr, "fuzz_ftp: %s\n", what);
    abort();
}

static void fuzz_ftp_check(int cond, const char *what)
{
    if (!cond)
        fuzz_ftp_fail(what);
}

static void fuzz_ftp_put(struct fuzz_ftp_log *l, const void *p, size_t n)
{
    if (n > FUZZ_FTP_LOG_MAX - l->len)
        fuzz_ftp_fail("expect log too big");
    if (l->len + n > l->cap) {
        size_t cap = l->cap ? l->cap : 4096;
        uint8_t *nb;

        while (cap < l->len + n)
            cap *= 2;
        nb = realloc(l->buf, cap);
        if (nb == NULL)
            fuzz_ftp_fail("out of memory");
        l->buf = nb;
        l->cap = cap;
    }
    if (n > 0)
        memcpy(l->buf + l->len, p, n);
    l->len += n;
}

static void fuzz_ftp_put_str(struct fuzz_ftp_log *l, const char *s)
{
    uint32_t n = s == NULL ? UINT32_MAX : (uint32_t)strlen(s);

    fuzz_ftp_put(l, &n, sizeof(n));
    if (s != NULL)
        fuzz_ftp_put(l, s, n);
}

static int fuzz_ftp_addr_eq(const struct rw_addr *a, const struct rw_addr *b)
{
    return a->family == b->family && memcmp(a->a, b->a, sizeof(a->a)) == 0;
}

static uint32_t fuzz_ftp_never_open(void *ctx, uint8_t dir, const char *name, size_t name_len,
                                    const struct rw_xfer_meta *meta)
{
    (void)ctx, (void)dir, (void)name, (void)name_len, (void)meta;
    fuzz_ftp_fail("file_open called on a control connection");
    return 0;
}

static void fuzz_ftp_never_data(void *ctx, uint32_t id, const uint8_t *data, size_t len)
{
    (void)ctx, (void)id, (void)data, (void)len;
    fuzz_ftp_fail("file_data called on a control connection");
}

static void fuzz_ftp_never_gap(void *ctx, uint32_t id, uint64_t len)
{
    (void)ctx, (void)id, (void)len;
    fuzz_ftp_fail("file_gap called on a control connection");
}

static void fuzz_ftp_never_close(void *ctx, uint32_t id, int truncated)
{
    (void)ctx, (void)id, (void)truncated;
    fuzz_ftp_fail("file_close called on a control connection");
}

static void fuzz_ftp_expect(void *ctx, const struct rw_addr *client, uint16_t client_port,
                            const struct rw_addr *server, uint16_t server_port, uint8_t dir,
                            const char *name, size_t name_len, const struct rw_xfer_meta *meta)
{
    struct fuzz_ftp_run *r = ctx;
    struct fuzz_ftp_log *l = &r->log;
    const struct rw_flow_key *k = &r->key;
    int same_c, same_s;

    fuzz_ftp_check(!r->ended, "expect call after rw_ftp_end");
    fuzz_ftp_check(client != NULL && server != NULL && meta != NULL, "NULL argument");
    fuzz_ftp_check(dir == RW_TOSERVER || dir == RW_TOCLIENT, "bad dir");
    fuzz_ftp_check(name_len <= RW_FILE_NAME_MAX_BYTES, "name longer than RW_FILE_NAME_MAX_BYTES");
    fuzz_ftp_check(name != NULL || name_len == 0, "NULL name with a length");
    fuzz_ftp_check((client_port == 0) != (server_port == 0), "not exactly one port is 0");
    fuzz_ftp_check(client->family == k->src.family && server->family == k->src.family,
                   "an address of another family than the control connection");
    fuzz_ftp_check(meta->app_proto != NULL && strcmp(meta->app_proto, "ftp-data") == 0,
                   "app_proto is not ftp-data");
    fuzz_ftp_check(meta->method != NULL, "no method");
    if (strcmp(meta->method, "RETR") == 0)
        fuzz_ftp_check(dir == RW_TOCLIENT, "RETR not RW_TOCLIENT");
    else if (strcmp(meta->method, "STOR") == 0 || strcmp(meta->method, "APPE") == 0 ||
             strcmp(meta->method, "STOU") == 0)
        fuzz_ftp_check(dir == RW_TOSERVER, "upload not RW_TOSERVER");
    else
        fuzz_ftp_fail("method is not STOR, APPE, STOU or RETR");
    fuzz_ftp_check((meta->uri == NULL) == (name_len == 0), "uri NULL but a name, or the reverse");
    if (meta->uri != NULL)
        fuzz_ftp_check(strlen(meta->uri) <= name_len, "uri longer than the name");
    fuzz_ftp_check(meta->credentials <= 1 && meta->anonymous <= 1 &&
                       !(meta->credentials && meta->anonymous),
                   "credentials / anonymous");
    fuzz_ftp_check(meta->host == NULL && meta->content_type == NULL &&
                       meta->content_encoding == NULL && meta->declared_size == 0,
                   "meta fields FTP does not know are set");

    same_c = fuzz_ftp_addr_eq(client, &k->src);
    same_s = fuzz_ftp_addr_eq(server, &k->dst);
    if (!(same_c && same_s)) {
        /* an alternate: right after the same announcement with the control addresses */
        fuzz_ftp_check(l->have_prev, "first call of a pair is not on the control addresses");
        fuzz_ftp_check(same_c != same_s, "both addresses differ from the control connection's");
        fuzz_ftp_check(client_port == l->prev_cport && server_port == l->prev_sport &&
                           dir == l->prev_dir && name_len == l->prev_name_len &&
                           (name_len == 0 || memcmp(name, l->prev_name, name_len) == 0),
                       "alternate differs from its first call in more than one address");
        fuzz_ftp_check(same_c ? server_port != 0 : client_port != 0,
                       "alternate address on the side without a port");
        l->have_prev = 0;
    } else {
        l->have_prev = 1;
        l->prev_client = *client;
        l->prev_server = *server;
        l->prev_cport = client_port;
        l->prev_sport = server_port;
        l->prev_dir = dir;
        l->prev_name_len = name_len;
        if (name_len > 0)
            memcpy(l->prev_name, name, name_len);
    }

    l->calls++;
    if (fuzz_ftp_verbose) {
        char a[64], b[64];

        inet_ntop(client->family == 6 ? AF_INET6 : AF_INET, client->a, a, sizeof(a));
        inet_ntop(server->family == 6 ? AF_INET6 : AF_INET, server->a, b, sizeof(b));
        fprintf(stderr, "fuzz_ftp: expect %s:%u -> %s:%u dir %u %s \"%.*s\" cred %u anon %u\n",
                a, client_port, b, server_port, dir, meta->method, (int)name_len,
                name != NULL ? name : "", meta->credentials, meta->anonymous);
    }
    fuzz_ftp_put(l, client, sizeof(*client));
    fuzz_ftp_put(l, &client_port, sizeof(client_port));
    fuzz_ftp_put(l, server, sizeof(*server));
    fuzz_ftp_put(l, &server_port, sizeof(server_port));
    fuzz_ftp_put(l, &dir, sizeof(dir));
    fuzz_ftp_put(l, &name_len, sizeof(name_len));
    fuzz_ftp_put(l, name, name_len);
    fuzz_ftp_put_str(l, meta->method);
    fuzz_ftp_put_str(l, meta->uri);
    fuzz_ftp_put(l, &meta->credentials, sizeof(meta->credentials));
    fuzz_ftp_put(l, &meta->anonymous, sizeof(meta->anonymous));
}

/* The parser with run r as the sink's context (expect NULL when no_expect). */
static struct rw_ftp *fuzz_ftp_new(struct fuzz_ftp_run *r, int no_expect)
{
    struct rw_xfer_sink sink = {
        .ctx = r,
        .file_open = fuzz_ftp_never_open,
        .file_data = fuzz_ftp_never_data,
        .file_gap = fuzz_ftp_never_gap,
        .file_close = fuzz_ftp_never_close,
        .expect = no_expect ? NULL : fuzz_ftp_expect,
    };
    struct rw_ftp *f = rw_ftp_new(&sink, &r->key);

    if (f == NULL)
        fuzz_ftp_fail("rw_ftp_new failed with memory to spare");
    return f;
}

static void fuzz_ftp_data(struct fuzz_ftp_run *r, struct rw_ftp *f, uint8_t dir,
                          const uint8_t *p, size_t n)
{
    rw_ftp_data(f, dir, p, n);
    if (r->ended)
        fuzz_ftp_check(memcmp(rw_ftp_counters(f), &r->at_end, sizeof(r->at_end)) == 0,
                       "counters moved after rw_ftp_end");
}

static void fuzz_ftp_gap(struct fuzz_ftp_run *r, struct rw_ftp *f, uint8_t dir, uint64_t n)
{
    rw_ftp_gap(f, dir, n);
    if (!r->ended && n > 0)
        r->gaps[dir]++;
    if (r->ended)
        fuzz_ftp_check(memcmp(rw_ftp_counters(f), &r->at_end, sizeof(r->at_end)) == 0,
                       "counters moved after rw_ftp_end");
}

static void fuzz_ftp_end(struct fuzz_ftp_run *r, struct rw_ftp *f)
{
    rw_ftp_end(f);
    if (!r->ended) {
        r->ended = 1;
        r->at_end = *rw_ftp_counters(f);
    }
    fuzz_ftp_check(memcmp(rw_ftp_counters(f), &r->at_end, sizeof(r->at_end)) == 0,
                   "counters moved after rw_ftp_end");
}

/* One chunk header at data[*off]: returns its kind (0 data, 1 gap, 2 end, -1 no more),
 * with the direction, the data bytes or the gap length. */
static int fuzz_ftp_chunk(const uint8_t *data, size_t size, size_t *off, uint8_t *dir,
                          const uint8_t **p, size_t *n)
{
    uint8_t h, l;

    if (*off >= size)
        return -1;
    h = data[(*off)++];
    *dir = (uint8_t)(h >> 7);
    l = h & 0x7f;
    if (l == 127)
        return 2;
    if (l == 126) {
        *n = *off < size ? data[(*off)++] : 0;
        return 1;
    }
    if (l == 125) {
        size_t len = 0;

        for (int i = 0; i < 2 && *off < size; i++)
            len = len << 8 | data[(*off)++];
        *n = len;
    } else {
        *n = l;
    }
    if (*n > size - *off)
        *n = size - *off;
    *p = data + *off;
    *off += *n;
    return 0;
}

static uint32_t fuzz_ftp_rand(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void fuzz_ftp_finish(struct fuzz_ftp_run *r, struct rw_ftp *f)
{
    const struct rw_ftp_counters *c = rw_ftp_counters(f);

    fuzz_ftp_check(c->expects == r->log.calls, "expects counter is not the calls made");
    fuzz_ftp_check(c->gaps[0] == r->gaps[0] && c->gaps[1] == r->gaps[1],
                   "gaps counter is not the rw_ftp_gap calls");
    fuzz_ftp_check(c->logins_anonymous <= c->logins, "logins_anonymous > logins");
    fuzz_ftp_check(c->transfers_unannounced <= c->transfers, "transfers_unannounced > transfers");
    fuzz_ftp_check(c->transfers_dropped <= c->transfers, "transfers_dropped > transfers");
    fuzz_ftp_check(c->expects <= 2 * c->transfers, "more than two expect calls per transfer");
    fuzz_ftp_check(c->names_truncated <= c->transfers + c->expects, "names_truncated");
    fuzz_ftp_check(c->announcements_bad <= c->lines[0] + c->lines[1], "announcements_bad");
    if (c->tls_records[0] + c->tls_records[1] > 0)
        fuzz_ftp_check(c->tls > 0, "TLS records skipped without AUTH");
}

/* Run A (framed) or C (no expect callback). */
static void fuzz_ftp_run_framed(struct fuzz_ftp_run *r, const uint8_t *data, size_t size,
                                int no_expect, struct rw_ftp_counters *out)
{
    struct rw_ftp *f = fuzz_ftp_new(r, no_expect);
    size_t off = 0;
    const uint8_t *p = NULL;
    size_t n = 0;
    uint8_t dir = 0;
    int kind;

    while ((kind = fuzz_ftp_chunk(data, size, &off, &dir, &p, &n)) >= 0) {
        if (kind == 0)
            fuzz_ftp_data(r, f, dir, p, n);
        else if (kind == 1)
            fuzz_ftp_gap(r, f, dir, n);
        else
            fuzz_ftp_end(r, f);
    }
    fuzz_ftp_finish(r, f);
    *out = *rw_ftp_counters(f);
    rw_ftp_end(f);
    rw_ftp_free(&f);
    fuzz_ftp_check(f == NULL, "rw_ftp_free did not clear the pointer");
}

/* Run B: same-direction data merged into buf, then fed in random pieces. */
static void fuzz_ftp_flush(struct fuzz_ftp_run *r, struct rw_ftp *f, uint8_t dir,
                           const uint8_t *buf, size_t len, uint32_t *rnd)
{
    size_t off = 0;

    while (off < len) {
        uint32_t x = fuzz_ftp_rand(rnd);
        size_t piece = (x & 3) == 0 ? 1 : 1 + (x >> 8) % 64;

        if (piece > len - off)
            piece = len - off;
        fuzz_ftp_data(r, f, dir, buf + off, piece);
        off += piece;
    }
}

static void fuzz_ftp_run_split(struct fuzz_ftp_run *r, const uint8_t *data, size_t size,
                               uint32_t seed, struct rw_ftp_counters *out)
{
    struct rw_ftp *f = fuzz_ftp_new(r, 0);
    uint8_t *buf = malloc(size > 0 ? size : 1);
    size_t off = 0, blen = 0;
    const uint8_t *p = NULL;
    size_t n = 0;
    uint8_t dir = 0, bdir = 0;
    uint32_t rnd = seed | 1;
    int kind;

    if (buf == NULL)
        fuzz_ftp_fail("out of memory");
    while ((kind = fuzz_ftp_chunk(data, size, &off, &dir, &p, &n)) >= 0) {
        if (kind == 0 && (blen == 0 || dir == bdir)) {
            memcpy(buf + blen, p, n);
            blen += n;
            bdir = dir;
            continue;
        }
        fuzz_ftp_flush(r, f, bdir, buf, blen, &rnd);
        blen = 0;
        if (kind == 0) {
            memcpy(buf, p, n);
            blen = n;
            bdir = dir;
        } else if (kind == 1) {
            fuzz_ftp_gap(r, f, dir, n);
        } else {
            fuzz_ftp_end(r, f);
        }
    }
    fuzz_ftp_flush(r, f, bdir, buf, blen, &rnd);
    fuzz_ftp_finish(r, f);
    *out = *rw_ftp_counters(f);
    rw_ftp_end(f);
    rw_ftp_free(&f);
    free(buf);
}

static void fuzz_ftp_key(struct rw_flow_key *k, int v6)
{
    static const uint8_t c6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
    static const uint8_t s6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20};

    memset(k, 0, sizeof(*k));
    if (v6) {
        k->src.family = k->dst.family = 6;
        memcpy(k->src.a, c6, 16);
        memcpy(k->dst.a, s6, 16);
    } else {
        static const uint8_t c4[4] = {192, 0, 2, 10}, s4[4] = {198, 51, 100, 20};

        k->src.family = k->dst.family = 4;
        memcpy(k->src.a, c4, 4);
        memcpy(k->dst.a, s4, 4);
    }
    k->sport = 40000;
    k->dport = 21;
    k->proto = 6;
}

static uint32_t fuzz_ftp_hash(const uint8_t *data, size_t size)
{
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 16777619u;
    return h;
}

static void fuzz_ftp_compare(const struct fuzz_ftp_run *a, const struct fuzz_ftp_run *b,
                             const struct rw_ftp_counters *ca, const struct rw_ftp_counters *cb,
                             const char *what)
{
    if (a->log.calls != b->log.calls || a->log.len != b->log.len ||
        (a->log.len > 0 && memcmp(a->log.buf, b->log.buf, a->log.len) != 0)) {
        fprintf(stderr, "fuzz_ftp: %s: expect calls differ (%llu vs %llu calls)\n", what,
                (unsigned long long)a->log.calls, (unsigned long long)b->log.calls);
        abort();
    }
    if (memcmp(ca, cb, sizeof(*ca)) != 0) {
        const uint64_t *x = (const uint64_t *)ca, *y = (const uint64_t *)cb;

        for (size_t i = 0; i < sizeof(*ca) / sizeof(uint64_t); i++)
            if (x[i] != y[i])
                fprintf(stderr, "fuzz_ftp: %s: counter word %zu: %llu vs %llu\n", what, i,
                        (unsigned long long)x[i], (unsigned long long)y[i]);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t h = fuzz_ftp_hash(data, size);

    if (fuzz_ftp_verbose < 0)
        fuzz_ftp_verbose = getenv("FUZZ_FTP_VERBOSE") != NULL;
    for (int v6 = 0; v6 <= 1; v6++) {
        struct fuzz_ftp_run a, b, c;
        struct rw_ftp_counters ca, cb, cc;

        memset(&a, 0, sizeof(a));
        memset(&b, 0, sizeof(b));
        memset(&c, 0, sizeof(c));
        fuzz_ftp_key(&a.key, v6);
        b.key = a.key;
        c.key = a.key;
        if (fuzz_ftp_verbose)
            fprintf(stderr, "fuzz_ftp: IPv%d, run A (as framed)\n", v6 ? 6 : 4);
        fuzz_ftp_run_framed(&a, data, size, 0, &ca);
        if (fuzz_ftp_verbose)
            fprintf(stderr, "fuzz_ftp: IPv%d, run B (split)\n", v6 ? 6 : 4);
        fuzz_ftp_run_split(&b, data, size, h, &cb);
        fuzz_ftp_compare(&a, &b, &ca, &cb, "whole vs split");
        fuzz_ftp_run_framed(&c, data, size, 1, &cc);
        fuzz_ftp_check(c.log.calls == 0 && cc.expects == 0, "expect counted without a callback");
        cc.expects = ca.expects;
        fuzz_ftp_compare(&a, &a, &ca, &cc, "with vs without expect callback");
        free(a.log.buf);
        free(b.log.buf);
        free(c.log.buf);
    }
    if ((h & 15) == 0) {
        struct rw_flow_key k;
        struct rw_xfer_sink sink;
        struct rw_ftp *f;

        memset(&sink, 0, sizeof(sink));
        fuzz_ftp_key(&k, 0);
        rw_alloc_hook_set(1);
        f = rw_ftp_new(&sink, &k);
        rw_alloc_hook_set(0);
        fuzz_ftp_check(f == NULL, "rw_ftp_new succeeded with its allocation failing");
    }
    return 0;
}
