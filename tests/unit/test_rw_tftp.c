/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_rw_tftp.c — TFTP requests announce transfers; DATA blocks, wraps, losses, errors. */
#include <CUnit/CUnit.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "rw_alloc.h"
#include "rw_test.h"
#include "rw_tftp.h"

/* ---- a recording sink ---------------------------------------------------------- */

struct rec {
    int opens, closes, truncs, expects;
    uint8_t dir;
    char name[RW_FILE_NAME_MAX_BYTES + 1];
    size_t name_len;
    char method[16], uri[RW_FILE_NAME_MAX_BYTES + 1], ctype[64], app[16];
    uint64_t bytes, gap, data_calls;
    uint32_t hash;
    /* expect */
    struct rw_addr client, server;
    uint16_t cport, sport;
    uint8_t edir;
    int open_ret;
    int bad_ids;      /* file calls with another id than file_open returned */
};

static void cpy(char *dst, size_t cap, const char *src)
{
    if (src == NULL) {
        snprintf(dst, cap, "(null)");
        return;
    }
    snprintf(dst, cap, "%s", src);
}

static uint32_t r_open(void *ctx, uint8_t dir, const char *name, size_t name_len,
                       const struct rw_xfer_meta *m)
{
    struct rec *r = ctx;

    r->opens++;
    r->dir = dir;
    r->name_len = name_len < RW_FILE_NAME_MAX_BYTES ? name_len : RW_FILE_NAME_MAX_BYTES;
    memcpy(r->name, name, r->name_len);
    r->name[r->name_len] = '\0';
    cpy(r->method, sizeof(r->method), m->method);
    cpy(r->uri, sizeof(r->uri), m->uri);
    cpy(r->ctype, sizeof(r->ctype), m->content_type);
    cpy(r->app, sizeof(r->app), m->app_proto);
    return (uint32_t)r->open_ret;
}

static void r_data(void *ctx, uint32_t id, const uint8_t *d, size_t n)
{
    struct rec *r = ctx;

    r->bad_ids += id != (uint32_t)r->open_ret;
    r->bytes += n;
    r->data_calls++;
    for (size_t i = 0; i < n; i++)
        r->hash = (r->hash ^ d[i]) * 16777619u;
}

static void r_gap(void *ctx, uint32_t id, uint64_t n)
{
    struct rec *r = ctx;

    (void)id;
    r->gap += n;
}

static void r_close(void *ctx, uint32_t id, int truncated)
{
    struct rec *r = ctx;

    (void)id;
    r->closes++;
    r->truncs += truncated != 0;
}

static void r_expect(void *ctx, const struct rw_addr *client, uint16_t client_port,
                     const struct rw_addr *server, uint16_t server_port, uint8_t dir,
                     const char *name, size_t name_len, const struct rw_xfer_meta *m)
{
    struct rec *r = ctx;

    r->expects++;
    r->client = *client;
    r->server = *server;
    r->cport = client_port;
    r->sport = server_port;
    r->edir = dir;
    r->name_len = name_len < RW_FILE_NAME_MAX_BYTES ? name_len : RW_FILE_NAME_MAX_BYTES;
    memcpy(r->name, name, r->name_len);
    r->name[r->name_len] = '\0';
    cpy(r->method, sizeof(r->method), m->method);
    cpy(r->uri, sizeof(r->uri), m->uri);
    cpy(r->ctype, sizeof(r->ctype), m->content_type);
    cpy(r->app, sizeof(r->app), m->app_proto);
}

static struct rw_xfer_sink sink_for(struct rec *r)
{
    struct rw_xfer_sink s = {r, r_open, r_data, r_gap, r_close, r_expect};

    memset(r, 0, sizeof(*r));
    r->open_ret = 7;
    r->hash = 2166136261u;
    return s;
}

static struct rw_flow_key udp_key(uint16_t sport, uint16_t dport)
{
    struct rw_flow_key k;

    memset(&k, 0, sizeof(k));
    k.src = rw_test_addr("192.168.0.1");
    k.dst = rw_test_addr("192.168.0.13");
    k.sport = sport;
    k.dport = dport;
    k.proto = IPPROTO_UDP;
    return k;
}

/* A DATA datagram: opcode 3, block, len bytes of (block + i) & 0xff. */
static size_t data_dgram(uint8_t *b, uint16_t block, size_t len)
{
    b[0] = 0;
    b[1] = 3;
    b[2] = (uint8_t)(block >> 8);
    b[3] = (uint8_t)block;
    for (size_t i = 0; i < len; i++)
        b[4 + i] = (uint8_t)(block + i);
    return 4 + len;
}

static void send_data(struct rw_tftp *t, uint8_t dir, uint16_t block, size_t len)
{
    static uint8_t b[4 + 65536];

    rw_tftp_datagram(t, dir, b, data_dgram(b, block, len));
}

static void send_ack(struct rw_tftp *t, uint8_t dir, uint16_t block)
{
    uint8_t b[4] = {0, 4, (uint8_t)(block >> 8), (uint8_t)block};

    rw_tftp_datagram(t, dir, b, sizeof(b));
}

/* Expected hash over blocks as data_dgram fills them. */
static uint32_t hash_blocks(uint32_t h, uint16_t block, size_t len)
{
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)(block + i)) * 16777619u;
    return h;
}

static struct rw_tftp *transfer_flow(struct rec *r, struct rw_xfer_sink *s, uint8_t file_dir)
{
    struct rw_flow_key k = udp_key(2087, 57509);
    struct rw_xfer_meta m;
    struct rw_tftp *t;

    *s = sink_for(r);
    memset(&m, 0, sizeof(m));
    m.app_proto = "tftp";
    m.method = "RRQ";
    m.uri = "rfc1350.txt";
    m.content_type = "octet";
    t = rw_tftp_new(s, &k);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    rw_tftp_transfer(t, file_dir, "rfc1350.txt", 11, &m);
    return t;
}

/* ---- requests -------------------------------------------------------------------- */

static const uint8_t wrq[] = {
    0, 2, 'a', '.', 't', 'x', 't', 0, 'o', 'c', 't', 'e', 't', 0, /* WRQ a.txt octet */
    'b', 'l', 'k', 's', 'i', 'z', 'e', 0, '1', '0', '2', '4', 0,  /* blksize 1024 */
};

static void test_tftp_wrq_announces_upload_with_options(void)
{
    struct rec r;
    struct rw_xfer_sink s = sink_for(&r);
    struct rw_flow_key k = udp_key(57509, 69);
    struct rw_tftp *t = rw_tftp_new(&s, &k);
    const struct rw_tftp_counters *c;

    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    rw_tftp_datagram(t, RW_TOSERVER, wrq, sizeof(wrq));
    c = rw_tftp_counters(t);
    CU_ASSERT_EQUAL(r.expects, 1);
    CU_ASSERT_EQUAL(r.edir, RW_TOSERVER);
    CU_ASSERT_EQUAL(r.cport, 57509);
    CU_ASSERT_EQUAL(r.sport, 0);
    CU_ASSERT_EQUAL(memcmp(&r.client, &k.src, sizeof(r.client)), 0);
    CU_ASSERT_EQUAL(memcmp(&r.server, &k.dst, sizeof(r.server)), 0);
    CU_ASSERT_STRING_EQUAL(r.name, "a.txt");
    CU_ASSERT_EQUAL(r.name_len, 5);
    CU_ASSERT_STRING_EQUAL(r.app, "tftp");
    CU_ASSERT_STRING_EQUAL(r.method, "WRQ");
    CU_ASSERT_STRING_EQUAL(r.uri, "a.txt");
    CU_ASSERT_STRING_EQUAL(r.ctype, "octet");
    CU_ASSERT_EQUAL(c->wrq, 1);
    CU_ASSERT_EQUAL(c->rrq, 0);
    CU_ASSERT_EQUAL(c->options, 1);
    CU_ASSERT_EQUAL(c->blksize, 1024);
    CU_ASSERT_EQUAL(c->expects, 1);
    /* The client retransmits: no second announcement. */
    rw_tftp_datagram(t, RW_TOSERVER, wrq, sizeof(wrq));
    CU_ASSERT_EQUAL(r.expects, 1);
    CU_ASSERT_EQUAL(c->requests_repeated, 1);
    rw_tftp_end(t);
    CU_ASSERT_EQUAL(r.opens, 0);
    rw_tftp_free(&t);
    CU_ASSERT_PTR_NULL(t);
}

static void test_tftp_rrq_announces_download_and_odd_mode(void)
{
    static const uint8_t rrq[] = {0, 1, 'x', 0, 'N', 'E', 'T', 'A', 'S', 'C', 'I', 'I', 0};
    static const uint8_t rrq2[] = {0, 1, 'y', 0, 'b', 'i', 'n', 0};
    struct rec r;
    struct rw_xfer_sink s = sink_for(&r);
    struct rw_flow_key k = udp_key(1000, 69);
    struct rw_tftp *t = rw_tftp_new(&s, &k);
    const struct rw_tftp_counters *c = rw_tftp_counters(t);

    rw_tftp_datagram(t, RW_TOSERVER, rrq, sizeof(rrq));
    CU_ASSERT_EQUAL(r.expects, 1);
    CU_ASSERT_EQUAL(r.edir, RW_TOCLIENT);
    CU_ASSERT_STRING_EQUAL(r.method, "RRQ");
    CU_ASSERT_STRING_EQUAL(r.ctype, "NETASCII");
    CU_ASSERT_EQUAL(c->modes_unknown, 0);
    CU_ASSERT_EQUAL(c->blksize, 0);
    rw_tftp_datagram(t, RW_TOSERVER, rrq2, sizeof(rrq2));
    CU_ASSERT_EQUAL(r.expects, 2);
    CU_ASSERT_STRING_EQUAL(r.name, "y");
    CU_ASSERT_EQUAL(c->modes_unknown, 1);
    CU_ASSERT_EQUAL(c->rrq, 2);
    /* A request from the server side, or DATA on the request flow: counted only. */
    rw_tftp_datagram(t, RW_TOCLIENT, rrq, sizeof(rrq));
    send_data(t, RW_TOCLIENT, 1, 10);
    CU_ASSERT_EQUAL(c->bad[RW_TOCLIENT], 1);
    CU_ASSERT_EQUAL(c->data_unannounced, 1);
    CU_ASSERT_EQUAL(r.expects, 2);
    CU_ASSERT_EQUAL(r.opens, 0);
    rw_tftp_free(&t);
}

/* Every prefix of a request: only the complete ones announce. "a.txt\0octet\0" (14 bytes)
 * is a complete request without options; the full one has one option. */
static void test_tftp_request_truncated_at_every_length(void)
{
    int announced = 0;

    for (size_t n = 0; n <= sizeof(wrq); n++) {
        struct rec r;
        struct rw_xfer_sink s = sink_for(&r);
        struct rw_flow_key k = udp_key(1000, 69);
        struct rw_tftp *t = rw_tftp_new(&s, &k);

        CU_ASSERT_PTR_NOT_NULL_FATAL(t);
        rw_tftp_datagram(t, RW_TOSERVER, wrq, n);
        if (n == 14 || n == sizeof(wrq)) {
            CU_ASSERT_EQUAL(r.expects, 1);
            CU_ASSERT_STRING_EQUAL(r.name, "a.txt");
            announced++;
        } else {
            CU_ASSERT_EQUAL(r.expects, 0);
            if (n >= 2)
                CU_ASSERT_EQUAL(rw_tftp_counters(t)->requests_bad, 1);
        }
        rw_tftp_end(t);
        rw_tftp_free(&t);
    }
    CU_ASSERT_EQUAL(announced, 2);
}

static void test_tftp_hostile_requests_and_options(void)
{
    static const uint8_t empty_name[] = {0, 2, 0, 'o', 'c', 't', 'e', 't', 0};
    static const uint8_t no_nul[] = {0, 2, 'a', 'b', 'c'};
    static const uint8_t bad_blk[] = {0, 1, 'f', 0, 'o', 'c', 't', 'e', 't', 0,
                                      'B', 'L', 'K', 'S', 'I', 'Z', 'E', 0, '7', 0,
                                      'b', 'l', 'k', 's', 'i', 'z', 'e', 0, '6', '5', '4', '6',
                                      '5', 0, 'b', 'l', 'k', 's', 'i', 'z', 'e', 0, '1', 'x', 0,
                                      't', 's', 'i', 'z', 'e', 0, '0', 0};
    static uint8_t longname[2 + 700 + 1 + 6];
    struct rec r;
    struct rw_xfer_sink s = sink_for(&r);
    struct rw_flow_key k = udp_key(1000, 69);
    struct rw_tftp *t = rw_tftp_new(&s, &k);
    const struct rw_tftp_counters *c = rw_tftp_counters(t);
    uint8_t one = 0;

    rw_tftp_datagram(t, RW_TOSERVER, empty_name, sizeof(empty_name));
    rw_tftp_datagram(t, RW_TOSERVER, no_nul, sizeof(no_nul));
    rw_tftp_datagram(t, RW_TOSERVER, &one, 1);
    rw_tftp_datagram(t, RW_TOSERVER, &one, 0);
    CU_ASSERT_EQUAL(c->requests_bad, 2);
    CU_ASSERT_EQUAL(c->bad[RW_TOSERVER], 2);
    CU_ASSERT_EQUAL(r.expects, 0);
    rw_tftp_datagram(t, RW_TOSERVER, bad_blk, sizeof(bad_blk));
    CU_ASSERT_EQUAL(r.expects, 1);
    CU_ASSERT_EQUAL(c->options, 4);
    CU_ASSERT_EQUAL(c->blksize_bad, 3);
    CU_ASSERT_EQUAL(c->blksize, 0);
    /* A name longer than the bound is cut and still announced. */
    memset(longname, 'n', sizeof(longname));
    longname[0] = 0;
    longname[1] = 2;
    longname[702] = 0;
    memcpy(longname + 703, "octet", 6);
    rw_tftp_datagram(t, RW_TOSERVER, longname, sizeof(longname));
    CU_ASSERT_EQUAL(r.expects, 2);
    CU_ASSERT_EQUAL(r.name_len, RW_FILE_NAME_MAX_BYTES);
    CU_ASSERT_EQUAL(c->names_truncated, 1);
    rw_tftp_free(&t);
    /* No key: refused. */
    CU_ASSERT_PTR_NULL(rw_tftp_new(&s, NULL));
}

/* ---- transfers ------------------------------------------------------------------- */

static void test_tftp_download_blocks_then_short_block_closes(void)
{
    struct rec r;
    struct rw_xfer_sink s;
    struct rw_tftp *t = transfer_flow(&r, &s, RW_TOCLIENT);
    const struct rw_tftp_counters *c = rw_tftp_counters(t);
    uint32_t h = 2166136261u;

    send_data(t, RW_TOCLIENT, 1, 512);
    send_ack(t, RW_TOSERVER, 1);
    send_data(t, RW_TOCLIENT, 2, 512);
    send_data(t, RW_TOCLIENT, 2, 512); /* retransmission */
    send_ack(t, RW_TOSERVER, 2);
    CU_ASSERT_EQUAL(r.opens, 1);
    CU_ASSERT_EQUAL(r.closes, 0);
    send_data(t, RW_TOCLIENT, 3, 100);
    send_ack(t, RW_TOSERVER, 3);
    send_data(t, RW_TOCLIENT, 3, 100); /* retransmission after the end */
    send_data(t, RW_TOCLIENT, 9, 100); /* not one */
    h = hash_blocks(hash_blocks(hash_blocks(h, 1, 512), 2, 512), 3, 100);
    CU_ASSERT_EQUAL(r.dir, RW_TOCLIENT);
    CU_ASSERT_STRING_EQUAL(r.name, "rfc1350.txt");
    CU_ASSERT_STRING_EQUAL(r.method, "RRQ");
    CU_ASSERT_STRING_EQUAL(r.uri, "rfc1350.txt");
    CU_ASSERT_STRING_EQUAL(r.ctype, "octet");
    CU_ASSERT_STRING_EQUAL(r.app, "tftp");
    CU_ASSERT_EQUAL(r.bytes, 1124);
    CU_ASSERT_EQUAL(r.hash, h);
    CU_ASSERT_EQUAL(r.gap, 0);
    CU_ASSERT_EQUAL(r.closes, 1);
    CU_ASSERT_EQUAL(r.truncs, 0);
    CU_ASSERT_EQUAL(r.bad_ids, 0);
    CU_ASSERT_EQUAL(c->blocks, 3);
    CU_ASSERT_EQUAL(c->duplicates, 2);
    CU_ASSERT_EQUAL(c->data_after_end, 1);
    CU_ASSERT_EQUAL(c->acks, 3);
    CU_ASSERT_EQUAL(c->files_closed, 1);
    rw_tftp_end(t);
    CU_ASSERT_EQUAL(r.closes, 1);
    rw_tftp_free(&t);
}

/* The direction comes from rw_tftp_transfer, not from who sent first: here the flow's
 * first sender sends ACK 0 and DATA travels RW_TOSERVER, as the transfer call said. */
static void test_tftp_upload_direction_from_transfer(void)
{
    struct rec r;
    struct rw_xfer_sink s;
    struct rw_tftp *t = transfer_flow(&r, &s, RW_TOSERVER);
    const struct rw_tftp_counters *c = rw_tftp_counters(t);

    send_ack(t, RW_TOCLIENT, 0);
    send_data(t, RW_TOCLIENT, 1, 512); /* against the file's direction */
    CU_ASSERT_EQUAL(r.opens, 0);
    CU_ASSERT_EQUAL(c->data_wrong_dir, 1);
    send_data(t, RW_TOSERVER, 1, 512);
    send_data(t, RW_TOSERVER, 2, 0); /* a multiple of 512: ends with an empty block */
    CU_ASSERT_EQUAL(r.opens, 1);
    CU_ASSERT_EQUAL(r.dir, RW_TOSERVER);
    CU_ASSERT_EQUAL(r.bytes, 512);
    CU_ASSERT_EQUAL(r.closes, 1);
    CU_ASSERT_EQUAL(r.truncs, 0);
    rw_tftp_free(&t);
}

static void test_tftp_empty_file_and_untracked_file(void)
{
    struct rec r;
    struct rw_xfer_sink s;
    struct rw_tftp *t = transfer_flow(&r, &s, RW_TOCLIENT);

    r.open_ret = 0;
    send_data(t, RW_TOCLIENT, 1, 0);
    CU_ASSERT_EQUAL(r.opens, 1);
    CU_ASSERT_EQUAL(r.bytes, 0);
    CU_ASSERT_EQUAL(r.closes, 1);
    CU_ASSERT_EQUAL(r.truncs, 0);
    CU_ASSERT_EQUAL(rw_tftp_counters(t)->files_untracked, 1);
    rw_tftp_free(&t);
}

static void test_tftp_lost_block_reports_gap(void)
{
    struct rec r;
    struct rw_xfer_sink s;
    struct rw_tftp *t = transfer_flow(&r, &s, RW_TOCLIENT);
    const struct rw_tftp_counters *c = rw_tftp_counters(t);

    send_data(t, RW_TOCLIENT, 1, 512);
    send_data(t, RW_TOCLIENT, 3, 512);
    send_data(t, RW_TOCLIENT, 2, 512); /* late: behind, not fed */
    send_data(t, RW_TOCLIENT, 6, 10);
    CU_ASSERT_EQUAL(r.bytes, 1034);
    CU_ASSERT_EQUAL(r.gap, 512 * 3);
    CU_ASSERT_EQUAL(c->blocks_lost, 3);
    CU_ASSERT_EQUAL(c->duplicates, 1);
    CU_ASSERT_EQUAL(r.closes, 1);
    CU_ASSERT_EQUAL(r.truncs, 0);
    rw_tftp_free(&t);
}

static void test_tftp_error_and_end_truncate(void)
{
    static const uint8_t err[] = {0, 5, 0, 3, 'd', 'i', 's', 'k', 0};
    struct rec r;
    struct rw_xfer_sink s;
    struct rw_tftp *t = transfer_flow(&r, &s, RW_TOCLIENT);

    send_data(t, RW_TOCLIENT, 1, 512);
    rw_tftp_datagram(t, RW_TOSERVER, err, sizeof(err));
    CU_ASSERT_EQUAL(r.closes, 1);
    CU_ASSERT_EQUAL(r.truncs, 1);
    send_data(t, RW_TOCLIENT, 2, 512);
    CU_ASSERT_EQUAL(rw_tftp_counters(t)->data_after_end, 1);
    CU_ASSERT_EQUAL(rw_tftp_counters(t)->errors, 1);
    rw_tftp_free(&t);

    /* Unfinished at the end: truncated. */
    t = transfer_flow(&r, &s, RW_TOCLIENT);
    send_data(t, RW_TOCLIENT, 1, 512);
    rw_tftp_end(t);
    rw_tftp_end(t);
    send_data(t, RW_TOCLIENT, 2, 1);
    CU_ASSERT_EQUAL(r.closes, 1);
    CU_ASSERT_EQUAL(r.truncs, 1);
    CU_ASSERT_EQUAL(r.bytes, 512);
    rw_tftp_free(&t);

    /* Refused before any data: no file at all. */
    t = transfer_flow(&r, &s, RW_TOCLIENT);
    rw_tftp_datagram(t, RW_TOCLIENT, err, sizeof(err));
    send_data(t, RW_TOCLIENT, 1, 5);
    rw_tftp_end(t);
    CU_ASSERT_EQUAL(r.opens, 0);
    CU_ASSERT_EQUAL(r.closes, 0);
    rw_tftp_free(&t);
}

/* regress/tftp/block0-after-refusal-not-a-duplicate (fuzz_tftp): an ERROR refuses the
 * transfer before any DATA, then DATA block 0 comes. No block was ever fed, so it is not a
 * retransmission of one: it is counted as DATA after the end (the parser used to take
 * block 0 for its "last block" and count a duplicate). */
static void test_tftp_data_after_refusal_is_not_a_retransmission(void)
{
    static const uint8_t err[] = {0, 5};          /* ERROR, no code or message */
    static const uint8_t data0[] = {0, 3, 0, 0};  /* DATA block 0, no bytes */
    struct rec r;
    struct rw_xfer_sink s;
    struct rw_tftp *t = transfer_flow(&r, &s, RW_TOSERVER);
    const struct rw_tftp_counters *c = rw_tftp_counters(t);

    rw_tftp_datagram(t, RW_TOSERVER, err, sizeof(err));
    rw_tftp_datagram(t, RW_TOSERVER, data0, sizeof(data0));
    CU_ASSERT_EQUAL(c->errors, 1);
    CU_ASSERT_EQUAL(c->data_after_end, 1);
    CU_ASSERT_EQUAL(c->duplicates, 0);
    CU_ASSERT_EQUAL(c->blocks, 0);
    CU_ASSERT_EQUAL(r.opens, 0);
    /* After a fed last block, that block again is a retransmission. */
    send_data(t, RW_TOSERVER, 1, 3);
    CU_ASSERT_EQUAL(c->data_after_end, 2);
    rw_tftp_free(&t);
    t = transfer_flow(&r, &s, RW_TOSERVER);
    c = rw_tftp_counters(t);
    send_data(t, RW_TOSERVER, 1, 3);
    send_data(t, RW_TOSERVER, 1, 3);
    send_data(t, RW_TOSERVER, 0, 0);
    CU_ASSERT_EQUAL(c->duplicates, 1);
    CU_ASSERT_EQUAL(c->data_after_end, 1);
    CU_ASSERT_EQUAL(r.closes, 1);
    rw_tftp_free(&t);
}

static void test_tftp_oack_sets_blksize(void)
{
    static const uint8_t oack[] = {0, 6, 'b', 'l', 'k', 's', 'i', 'z', 'e', 0, '1', '4', '3',
                                   '2', 0};
    static const uint8_t oack_bad[] = {0, 6, 'b', 'l', 'k', 's', 'i', 'z', 'e', 0, '9', '9',
                                       '9', '9', '9', '9', 0};
    struct rec r;
    struct rw_xfer_sink s;
    struct rw_tftp *t = transfer_flow(&r, &s, RW_TOCLIENT);
    const struct rw_tftp_counters *c = rw_tftp_counters(t);

    rw_tftp_datagram(t, RW_TOCLIENT, oack_bad, sizeof(oack_bad));
    CU_ASSERT_EQUAL(c->blksize, 512);
    CU_ASSERT_EQUAL(c->blksize_bad, 1);
    rw_tftp_datagram(t, RW_TOCLIENT, oack, sizeof(oack));
    CU_ASSERT_EQUAL(c->blksize, 1432);
    CU_ASSERT_EQUAL(c->oacks, 2);
    send_ack(t, RW_TOSERVER, 0);
    send_data(t, RW_TOCLIENT, 1, 1432);
    send_data(t, RW_TOCLIENT, 2, 512); /* would have ended a 512-byte transfer */
    CU_ASSERT_EQUAL(r.closes, 1);
    CU_ASSERT_EQUAL(r.bytes, 1944);
    /* Oversized blocks are fed and counted. */
    rw_tftp_free(&t);
    t = transfer_flow(&r, &s, RW_TOCLIENT);
    send_data(t, RW_TOCLIENT, 1, 600);
    send_data(t, RW_TOCLIENT, 2, 5);
    CU_ASSERT_EQUAL(rw_tftp_counters(t)->blocks_oversized, 1);
    CU_ASSERT_EQUAL(r.bytes, 605);
    CU_ASSERT_EQUAL(r.closes, 1);
    rw_tftp_free(&t);
}

/* regress/tftp/blksize-leading-zeros (fuzz_tftp): a blksize value padded with zeros is
 * still its number. The parser refused values of 16 characters or more, so a peer that
 * padded "8" kept the sensor at 512 bytes per block: the first 8-byte block ended the
 * file and the rest was DATA after the end. */
static void test_tftp_blksize_with_leading_zeros(void)
{
    static const uint8_t rrq[] = {0, 1, 'n', 0, 0, /* RRQ "n", empty mode */
                                  'b', 'l', 'k', 's', 'i', 'z', 'e', 0,
                                  '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0',
                                  '1', '4', '6', '8', 0}; /* blksize 0000000000001468 */
    static const uint8_t oack[] = {0, 6, 'b', 'l', 'k', 's', 'i', 'z', 'e', 0,
                                   '0', '0', '0', '0', '0', '0', '0', '0', '0', '0',
                                   '0', '0', '0', '0', '0', '0', '0', '0', '0', '8', 0};
    static const uint8_t oack_big[] = {0, 6, 'b', 'l', 'k', 's', 'i', 'z', 'e', 0,
                                       '0', '0', '0', '6', '5', '4', '6', '5', 0};
    struct rec r;
    struct rw_xfer_sink s = sink_for(&r);
    struct rw_flow_key k = udp_key(1000, 69);
    struct rw_tftp *t = rw_tftp_new(&s, &k);
    const struct rw_tftp_counters *c = rw_tftp_counters(t);

    rw_tftp_datagram(t, RW_TOSERVER, rrq, sizeof(rrq));
    CU_ASSERT_EQUAL(r.expects, 1);
    CU_ASSERT_EQUAL(c->blksize, 1468);
    CU_ASSERT_EQUAL(c->blksize_bad, 0);
    rw_tftp_free(&t);

    /* A transfer: 8-byte blocks agreed with a padded value; a padded 65465 is still bad. */
    t = transfer_flow(&r, &s, RW_TOCLIENT);
    c = rw_tftp_counters(t);
    rw_tftp_datagram(t, RW_TOCLIENT, oack_big, sizeof(oack_big));
    CU_ASSERT_EQUAL(c->blksize_bad, 1);
    CU_ASSERT_EQUAL(c->blksize, 512);
    rw_tftp_datagram(t, RW_TOCLIENT, oack, sizeof(oack));
    CU_ASSERT_EQUAL(c->blksize, 8);
    send_data(t, RW_TOCLIENT, 1, 8);
    send_data(t, RW_TOCLIENT, 2, 8);
    send_data(t, RW_TOCLIENT, 3, 3);
    CU_ASSERT_EQUAL(r.bytes, 19);
    CU_ASSERT_EQUAL(r.closes, 1);
    CU_ASSERT_EQUAL(r.truncs, 0);
    CU_ASSERT_EQUAL(c->blocks, 3);
    CU_ASSERT_EQUAL(c->data_after_end, 0);
    rw_tftp_free(&t);
}

/* Block numbers past 65535: to 0 (most) or to 1 (some). Blocks of 8 bytes keep it small.
 * The second time round, blocks 65535 and `after` are lost: a gap of exactly 2 blocks
 * either way (with wrap-to-1 numbering there is no block 0 to count). */
static void wrap_case(uint16_t after)
{
    static const uint8_t oack[] = {0, 6, 'b', 'l', 'k', 's', 'i', 'z', 'e', 0, '8', 0};
    struct rec r;
    struct rw_xfer_sink s;
    struct rw_tftp *t = transfer_flow(&r, &s, RW_TOCLIENT);
    const struct rw_tftp_counters *c = rw_tftp_counters(t);
    uint64_t n = 0;

    rw_tftp_datagram(t, RW_TOCLIENT, oack, sizeof(oack));
    for (uint32_t b = 1; b <= 65535; b++) {
        send_data(t, RW_TOCLIENT, (uint16_t)b, 8);
        n++;
    }
    send_data(t, RW_TOCLIENT, 65535, 8); /* retransmission */
    send_data(t, RW_TOCLIENT, after, 8);
    send_data(t, RW_TOCLIENT, after, 8); /* retransmission */
    n++;
    for (uint32_t b = after + 1u; b <= 65534; b++) {
        send_data(t, RW_TOCLIENT, (uint16_t)b, 8);
        n++;
    }
    CU_ASSERT_EQUAL(r.gap, 0);
    send_data(t, RW_TOCLIENT, (uint16_t)(after + 1), 8); /* 65535 and `after` lost */
    send_data(t, RW_TOCLIENT, (uint16_t)(after + 2), 3);
    n += 2;
    CU_ASSERT_EQUAL(c->blocks, n);
    CU_ASSERT_EQUAL(r.bytes, (n - 1) * 8 + 3);
    CU_ASSERT_EQUAL(c->duplicates, 2);
    CU_ASSERT_EQUAL(c->wraps, 2); /* 65535 fed, then 65535 lost: twice round */
    CU_ASSERT_EQUAL(c->blocks_lost, 2);
    CU_ASSERT_EQUAL(r.gap, 16);
    CU_ASSERT_EQUAL(r.bad_ids, 0);
    CU_ASSERT_EQUAL(r.closes, 1);
    CU_ASSERT_EQUAL(r.truncs, 0);
    rw_tftp_free(&t);
}

static void test_tftp_block_numbers_wrap_to_zero_or_one(void)
{
    wrap_case(0);
    wrap_case(1);
}

/* regress/tftp/wrap-inside-a-gap-not-counted (fuzz_tftp): blocks jump ahead across 65535
 * without 65535 itself being fed. The numbers wrapped all the same, and the lost run
 * counts every block from the one expected up to the one that came, 0 included (a peer
 * that numbers 65535 -> 0). */
static void test_tftp_wrap_inside_a_run_of_lost_blocks(void)
{
    struct rec r;
    struct rw_xfer_sink s;
    struct rw_tftp *t = transfer_flow(&r, &s, RW_TOSERVER);
    const struct rw_tftp_counters *c = rw_tftp_counters(t);

    send_data(t, RW_TOSERVER, 1, 512);
    send_data(t, RW_TOSERVER, 32000, 512);     /* 2 .. 31999 lost: 31998 */
    send_data(t, RW_TOSERVER, 63000, 512);     /* 32001 .. 62999 lost: 30999 */
    CU_ASSERT_EQUAL(c->wraps, 0);
    send_data(t, RW_TOSERVER, 5, 3);           /* 63001 .. 65535, 0 .. 4 lost: 2540 */
    CU_ASSERT_EQUAL(c->wraps, 1);
    CU_ASSERT_EQUAL(c->blocks_lost, 31998 + 30999 + 2540);
    CU_ASSERT_EQUAL(r.gap, (uint64_t)(31998 + 30999 + 2540) * 512);
    CU_ASSERT_EQUAL(c->blocks, 4);
    CU_ASSERT_EQUAL(r.bytes, 3 * 512 + 3);
    CU_ASSERT_EQUAL(r.closes, 1);
    CU_ASSERT_EQUAL(r.truncs, 0);
    rw_tftp_free(&t);
}

/* regress/tftp/wrap-to-one-gap-to-block0-one-short (fuzz_tftp): a peer known to number
 * 65535 -> 1 jumps from 60000 to block 0. Blocks 60001 .. 65535 were lost, 5535 of them:
 * the run stops before 0, so there is no 0 to take off (the parser took one off anyway
 * and the gap, and every later offset in the file, was a block short). */
static void test_tftp_wrap_to_one_run_ending_at_block_zero(void)
{
    static const uint8_t oack[] = {0, 6, 'b', 'l', 'k', 's', 'i', 'z', 'e', 0, '8', 0};
    static const uint16_t blocks[] = {1, 30000, 60000, 65535, 1, 30000, 60000};
    struct rec r;
    struct rw_xfer_sink s;
    struct rw_tftp *t = transfer_flow(&r, &s, RW_TOSERVER);
    const struct rw_tftp_counters *c = rw_tftp_counters(t);
    uint64_t lost;

    rw_tftp_datagram(t, RW_TOCLIENT, oack, sizeof(oack));
    for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++)
        send_data(t, RW_TOSERVER, blocks[i], 8);
    lost = 29998 + 29999 + 5534 + 29998 + 29999; /* 65535 -> 1 lost nothing */
    CU_ASSERT_EQUAL(c->blocks_lost, lost);
    CU_ASSERT_EQUAL(c->wraps, 1);
    send_data(t, RW_TOSERVER, 0, 3);
    CU_ASSERT_EQUAL(c->blocks_lost, lost + 5535);
    CU_ASSERT_EQUAL(r.gap, (lost + 5535) * 8);
    CU_ASSERT_EQUAL(c->wraps, 2);
    CU_ASSERT_EQUAL(r.bytes, 7 * 8 + 3);
    CU_ASSERT_EQUAL(r.closes, 1);
    CU_ASSERT_EQUAL(r.truncs, 0);
    rw_tftp_free(&t);
}

static void test_tftp_hostile_datagrams(void)
{
    static const uint8_t junk[][6] = {{0, 9, 1, 2, 3, 4}, {0xff, 0xff, 0, 0, 0, 0},
                                      {0, 6, 'x', 0, 0, 0}};
    static const uint8_t short_data[] = {0, 3, 0};
    struct rec r;
    struct rw_xfer_sink s;
    struct rw_tftp *t = transfer_flow(&r, &s, RW_TOCLIENT);
    const struct rw_tftp_counters *c = rw_tftp_counters(t);
    uint8_t rnd[64];
    uint32_t x = 12345;

    for (size_t i = 0; i < 3; i++)
        rw_tftp_datagram(t, RW_TOCLIENT, junk[i], 6);
    rw_tftp_datagram(t, RW_TOCLIENT, short_data, sizeof(short_data));
    rw_tftp_datagram(t, 7, short_data, sizeof(short_data));
    rw_tftp_datagram(t, RW_TOCLIENT, NULL, 5);
    CU_ASSERT_EQUAL(c->bad[RW_TOCLIENT], 4); /* 2 unknown, odd OACK, short DATA */
    CU_ASSERT_EQUAL(c->datagrams[RW_TOCLIENT], 4);
    /* A second transfer call or a bad direction is ignored. */
    rw_tftp_transfer(t, RW_TOSERVER, "z", 1, NULL);
    CU_ASSERT_EQUAL(c->bad[RW_TOSERVER], 1);
    for (int i = 0; i < 2000; i++) {
        size_t n = (size_t)(x % sizeof(rnd));

        for (size_t j = 0; j < n; j++) {
            x = x * 1103515245u + 12345u;
            rnd[j] = (uint8_t)(x >> 16);
        }
        if (n >= 2)
            rnd[1] = (uint8_t)(rnd[1] % 7);
        rw_tftp_datagram(t, (uint8_t)(x & 1), rnd, n);
    }
    rw_tftp_end(t);
    CU_ASSERT_EQUAL(r.opens, r.closes);
    CU_ASSERT(r.opens <= 1);
    rw_tftp_free(&t);
    rw_tftp_free(&t);
    rw_tftp_free(NULL);
}

static void test_tftp_allocation_failure(void)
{
    struct rec r;
    struct rw_xfer_sink s = sink_for(&r);
    struct rw_flow_key k = udp_key(1000, 69);
    struct rw_tftp *t;
    size_t b;

    rw_alloc_hook_set(1);
    t = rw_tftp_new(&s, &k);
    CU_ASSERT_PTR_NULL(t);
    CU_ASSERT_EQUAL(rw_alloc_hook_failures(), 1);
    rw_alloc_hook_set(0);
    /* The parser is one allocation; the copy of the last request (kept to recognise a
     * retransmission) is a second, sized to the request: without it the request is still
     * announced, and the loss counted. */
    rw_alloc_hook_set(2);
    t = rw_tftp_new(&s, &k);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    b = rw_tftp_bytes(t);
    rw_tftp_datagram(t, RW_TOSERVER, wrq, sizeof(wrq));
    CU_ASSERT_EQUAL(rw_alloc_hook_failures(), 1);
    CU_ASSERT_EQUAL(rw_tftp_bytes(t), b);
    rw_alloc_hook_set(0);
    CU_ASSERT_EQUAL(r.expects, 1);
    CU_ASSERT_EQUAL(rw_tftp_counters(t)->nomem, 1);
    rw_tftp_free(&t);
}


/* rw_tftp_bytes: the parser plus the strings it keeps, each sized to what it holds: a
 * request flow's copy of its last request (name NUL mode), a transfer's name and meta. */
static void test_tftp_bytes_follow_what_is_kept(void)
{
    struct rec r;
    struct rw_xfer_sink s = sink_for(&r);
    struct rw_flow_key k = udp_key(1000, 69);
    struct rw_tftp *t = rw_tftp_new(&s, &k);
    struct rw_xfer_meta meta = {0};
    size_t b0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(rw_tftp_bytes(NULL), 0);
    b0 = rw_tftp_bytes(t);
    CU_ASSERT(b0 < 1024);
    rw_tftp_datagram(t, RW_TOSERVER, wrq, sizeof(wrq));
    CU_ASSERT_EQUAL(rw_tftp_bytes(t), b0 + strlen("a.txt") + 1 + strlen("octet"));
    rw_tftp_datagram(t, RW_TOSERVER, wrq, sizeof(wrq)); /* a retransmission: same */
    CU_ASSERT_EQUAL(rw_tftp_bytes(t), b0 + strlen("a.txt") + 1 + strlen("octet"));
    rw_tftp_free(&t);
    /* A transfer flow: the name and each meta string, NUL-terminated. */
    t = rw_tftp_new(&s, &k);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    meta.app_proto = "tftp";
    meta.method = "WRQ";
    meta.uri = "a.txt";
    meta.content_type = "octet";
    rw_tftp_transfer(t, RW_TOSERVER, "a.txt", 5, &meta);
    CU_ASSERT_EQUAL(rw_tftp_bytes(t), b0 + 6 + 5 + 4 + 6 + 6);
    rw_tftp_free(&t);
}

static CU_TestInfo tftp_tests[] = {
    {"test_tftp_wrq_announces_upload_with_options", test_tftp_wrq_announces_upload_with_options},
    {"test_tftp_rrq_announces_download_and_odd_mode",
     test_tftp_rrq_announces_download_and_odd_mode},
    {"test_tftp_request_truncated_at_every_length", test_tftp_request_truncated_at_every_length},
    {"test_tftp_hostile_requests_and_options", test_tftp_hostile_requests_and_options},
    {"test_tftp_download_blocks_then_short_block_closes",
     test_tftp_download_blocks_then_short_block_closes},
    {"test_tftp_upload_direction_from_transfer", test_tftp_upload_direction_from_transfer},
    {"test_tftp_empty_file_and_untracked_file", test_tftp_empty_file_and_untracked_file},
    {"test_tftp_lost_block_reports_gap", test_tftp_lost_block_reports_gap},
    {"test_tftp_error_and_end_truncate", test_tftp_error_and_end_truncate},
    {"test_tftp_data_after_refusal_is_not_a_retransmission",
     test_tftp_data_after_refusal_is_not_a_retransmission},
    {"test_tftp_oack_sets_blksize", test_tftp_oack_sets_blksize},
    {"test_tftp_blksize_with_leading_zeros", test_tftp_blksize_with_leading_zeros},
    {"test_tftp_block_numbers_wrap_to_zero_or_one", test_tftp_block_numbers_wrap_to_zero_or_one},
    {"test_tftp_wrap_inside_a_run_of_lost_blocks", test_tftp_wrap_inside_a_run_of_lost_blocks},
    {"test_tftp_wrap_to_one_run_ending_at_block_zero",
     test_tftp_wrap_to_one_run_ending_at_block_zero},
    {"test_tftp_hostile_datagrams", test_tftp_hostile_datagrams},
    {"test_tftp_allocation_failure", test_tftp_allocation_failure},
    {"test_tftp_bytes_follow_what_is_kept", test_tftp_bytes_follow_what_is_kept},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rw_suites_tftp[] = {
    {"tftp", NULL, NULL, NULL, NULL, tftp_tests},
    CU_SUITE_INFO_NULL,
};
