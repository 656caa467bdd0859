/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_tftp.c — libFuzzer target: the TFTP request and transfer parser (rw_tftp). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rw.h"
#include "rw_alloc.h"
#include "rw_limits.h"
#include "rw_tftp.h"

/*
 * Input: a setup byte s, for a transfer flow the name, then the datagrams of one UDP flow.
 *
 *   s & 3         role: 0 a request flow (port 69: no rw_tftp_transfer), 1 a transfer
 *                 flow, 2 a transfer flow with meta NULL, 3 a transfer flow after a
 *                 refused rw_tftp_transfer (file_dir 2)
 *   s >> 2 & 1    file_dir given to rw_tftp_transfer
 *   s >> 3 & 1    an IPv6 flow key (else IPv4)
 *   s >> 4 & 3    the ids file_open returns: 0 counting from 1, 1 always 0 (untracked),
 *                 2 0xffffffff, 3 always 7
 *   s >> 6 & 1    a transfer flow's empty name is passed as NULL
 *
 * Transfer flows then take a name byte L: below 0xf0, L name bytes follow (cut to what
 * is left); from 0xf0, a made-up name of RW_FILE_NAME_MAX_BYTES - 8 + (L - 0xf0) bytes
 * with meta strings longer than their bounds, so the cuts are crossed. Then datagrams,
 * each led by one byte h:
 *
 *   h >> 7          direction: 0 RW_TOSERVER, 1 RW_TOCLIENT (of this flow)
 *   h & 0x7f 0..123 rw_tftp_datagram with that many bytes, which follow (cut to what is left)
 *            124    rw_tftp_datagram: a 16-bit big-endian length follows, then the bytes
 *            125    a DATA datagram made here: block (16 bits), length (16 bits), filler
 *            126    rw_tftp_end (later datagrams are still fed and must change nothing)
 *            127    rw_tftp_transfer again with the setup's arguments (a transfer flow only;
 *                   ignored and counted as bad)
 *
 * Oracles:
 *
 *   A  The sink checks rw_xfer.h: ids are those file_open gave (0 passed on when it gave
 *      0); no call after a file's close; one file per flow; each closed once, and closed
 *      by rw_tftp_end; names at most RW_FILE_NAME_MAX_BYTES. A model of the behaviour
 *      rw_tftp.h describes (requests, block order, wrap-around, losses, OACK, ERROR, end,
 *      and every counter), written from the header and not from rw_tftp.c, runs next to
 *      the parser: after every datagram the sink calls (every argument; file_data must
 *      be the datagram's own bytes after the 4-byte header) and all counters must be the
 *      model's. rw_tftp_bytes stays within the state and the strings the header lets it
 *      keep, and does not move on a transfer flow (datagram bytes are never copied).
 *   B  The same input with sink NULL, or with every callback NULL: the counters are A's
 *      but for expects (0) and files_untracked (every file opened).
 *   C  One input in sixteen, with the Nth allocation failing (N from the input's hash):
 *      rw_tftp_new returns NULL on a first failure; otherwise the file calls are A's but
 *      for the name and meta, requests are announced as in A or more often (a request
 *      not kept is not recognised when repeated), and nothing leaks.
 *
 * FUZZ_TFTP_VERBOSE=1 prints each datagram and the model's counters as they diverge.
 */

#define FUZZ_TFTP_LOG_MAX 16384
#define FUZZ_TFTP_REQ_KEEP (RW_FILE_NAME_MAX_BYTES + 1 + RW_HOSTNAME_MAX_BYTES)
#define FUZZ_TFTP_XFER_KEEP                                                                    \
    (2 * (RW_FILE_NAME_MAX_BYTES + 1) + 2 * (RW_PROTO_NAME_MAX_BYTES + 1) +                    \
     RW_HOSTNAME_MAX_BYTES + 1)

enum { FT_NONE = 0, FT_OPEN, FT_DONE };

struct fuzz_tftp_log {
    uint8_t buf[FUZZ_TFTP_LOG_MAX];
    size_t len;
};

/* What the sink saw. */
struct fuzz_tftp_run {
    struct fuzz_tftp_log got;
    struct rw_flow_key key;
    const uint8_t *dg;     /* the datagram being fed */
    size_t dg_len;
    uint8_t ids;           /* s >> 4 & 3 */
    uint32_t id;           /* what file_open returned */
    uint32_t nfiles;
    int state;             /* FT_* of the flow's one file */
    int check_meta;        /* 0 in run C: name and meta may be missing */
    uint64_t expects;
    uint64_t files;        /* a hash of the file calls but for name and meta (A vs C) */
};

/* What rw_tftp.h says should happen. */
struct fuzz_tftp_model {
    struct fuzz_tftp_log want;
    struct rw_tftp_counters c;
    int transfer, ended, with_expect;
    uint8_t file_dir;
    uint32_t blksize;
    int state;
    uint16_t next;         /* the block expected next */
    int wrap1;             /* the peer numbers 65535 -> 1 */
    int fed;               /* a block was fed */
    uint16_t last;         /* the last block fed */
    /* request flow: the previous well-formed request, names and modes cut */
    int have_prev;
    uint16_t prev_op;
    size_t prev_name_len, prev_mode_len;
    uint8_t prev_name[RW_FILE_NAME_MAX_BYTES], prev_mode[RW_HOSTNAME_MAX_BYTES];
    /* transfer flow: what file_open must be given */
    const uint8_t *name;
    size_t name_len;
    const struct rw_xfer_meta *meta;
};

/* The transfer the setup describes. */
struct fuzz_tftp_setup {
    uint8_t role, file_dir, v6, ids;
    const char *name;
    size_t name_len;
    struct rw_xfer_meta meta;
    const struct rw_xfer_meta *metap;
};

static int fuzz_tftp_verbose = -1;

static void fuzz_tftp_die(const char *what)
{
    fprintf(stderr, "fuzz_tftp: %s\n", what);
    abort();
}

/* ---- event logs ----------------------------------------------------------------- */

static void fl_put(struct fuzz_tftp_log *l, const void *p, size_t n)
{
    if (n > FUZZ_TFTP_LOG_MAX - l->len)
        fuzz_tftp_die("event log full (harness)");
    if (n > 0)
        memcpy(l->buf + l->len, p, n);
    l->len += n;
}

static void fl_u64(struct fuzz_tftp_log *l, uint64_t v)
{
    fl_put(l, &v, sizeof(v));
}

static void fl_bytes(struct fuzz_tftp_log *l, const void *p, size_t n)
{
    fl_u64(l, n);
    fl_put(l, p, n);
}

static void fl_str(struct fuzz_tftp_log *l, const char *s)
{
    if (s == NULL)
        fl_u64(l, UINT64_MAX);
    else
        fl_bytes(l, s, strlen(s));
}

static void fl_meta(struct fuzz_tftp_log *l, const struct rw_xfer_meta *m)
{
    fl_str(l, m->app_proto);
    fl_str(l, m->method);
    fl_str(l, m->host);
    fl_str(l, m->uri);
    fl_str(l, m->content_type);
    fl_str(l, m->content_encoding);
    fl_u64(l, m->declared_size);
    fl_u64(l, (uint64_t)m->credentials << 8 | m->anonymous);
}

static void fl_addr(struct fuzz_tftp_log *l, const struct rw_addr *a)
{
    fl_put(l, &a->family, 1);
    fl_put(l, a->a, sizeof(a->a));
}

/* ---- the sink ----------------------------------------------------------------------- */

static void fuzz_tftp_fold(struct fuzz_tftp_run *r, char tag, uint64_t a, uint64_t b)
{
    uint64_t v[3] = {(uint64_t)tag, a, b};

    for (size_t i = 0; i < 3; i++)
        r->files = (r->files ^ v[i]) * 1099511628211ULL;
}

static size_t fuzz_tftp_strlen_max(const char *s)
{
    return s == NULL ? 0 : strlen(s);
}

static uint32_t fuzz_tftp_open(void *ctx, uint8_t dir, const char *name, size_t name_len,
                               const struct rw_xfer_meta *meta)
{
    struct fuzz_tftp_run *r = ctx;
    static const uint32_t fixed[4] = {1, 0, 0xffffffffu, 7};

    if (r->nfiles > 0)
        fuzz_tftp_die("a second file_open on one flow");
    if (dir > RW_TOCLIENT || name_len > RW_FILE_NAME_MAX_BYTES ||
        (name == NULL && name_len > 0) || meta == NULL)
        fuzz_tftp_die("file_open arguments break rw_xfer.h");
    if (fuzz_tftp_strlen_max(meta->app_proto) > RW_PROTO_NAME_MAX_BYTES ||
        fuzz_tftp_strlen_max(meta->method) > RW_PROTO_NAME_MAX_BYTES ||
        fuzz_tftp_strlen_max(meta->uri) > RW_FILE_NAME_MAX_BYTES ||
        fuzz_tftp_strlen_max(meta->content_type) > RW_HOSTNAME_MAX_BYTES)
        fuzz_tftp_die("file_open meta strings past the bounds of rw_tftp.h");
    r->nfiles++;
    r->state = FT_OPEN;
    r->id = fixed[r->ids];
    fl_put(&r->got, "O", 1);
    fl_put(&r->got, &dir, 1);
    if (r->check_meta) {
        fl_bytes(&r->got, name, name_len);
        fl_meta(&r->got, meta);
    }
    fl_u64(&r->got, r->id);
    fuzz_tftp_fold(r, 'O', dir, r->id);
    return r->id;
}

static void fuzz_tftp_check_id(const struct fuzz_tftp_run *r, uint32_t id)
{
    if (r->nfiles == 0 || id != r->id)
        fuzz_tftp_die("a file call with an id file_open did not give");
    if (r->state != FT_OPEN)
        fuzz_tftp_die("a file call after the file's close");
}

static void fuzz_tftp_data(void *ctx, uint32_t id, const uint8_t *data, size_t len)
{
    struct fuzz_tftp_run *r = ctx;
    uintptr_t d = (uintptr_t)data, b = (uintptr_t)r->dg;
    uint64_t off = UINT64_MAX;

    fuzz_tftp_check_id(r, id);
    if (r->dg != NULL && d >= b && d <= b + r->dg_len && len <= b + r->dg_len - d)
        off = d - b;
    else
        fuzz_tftp_die("file_data bytes are not the datagram's");
    fl_put(&r->got, "D", 1);
    fl_u64(&r->got, id);
    fl_u64(&r->got, off);
    fl_u64(&r->got, len);
    fuzz_tftp_fold(r, 'D', off, len);
}

static void fuzz_tftp_gap(void *ctx, uint32_t id, uint64_t len)
{
    struct fuzz_tftp_run *r = ctx;

    fuzz_tftp_check_id(r, id);
    fl_put(&r->got, "G", 1);
    fl_u64(&r->got, id);
    fl_u64(&r->got, len);
    fuzz_tftp_fold(r, 'G', id, len);
}

static void fuzz_tftp_close(void *ctx, uint32_t id, int truncated)
{
    struct fuzz_tftp_run *r = ctx;

    fuzz_tftp_check_id(r, id);
    r->state = FT_DONE;
    fl_put(&r->got, "C", 1);
    fl_u64(&r->got, id);
    fl_u64(&r->got, truncated != 0);
    fuzz_tftp_fold(r, 'C', id, truncated != 0);
}

static void fuzz_tftp_expect(void *ctx, const struct rw_addr *client, uint16_t client_port,
                             const struct rw_addr *server, uint16_t server_port, uint8_t dir,
                             const char *name, size_t name_len, const struct rw_xfer_meta *meta)
{
    struct fuzz_tftp_run *r = ctx;

    if (client == NULL || server == NULL || name == NULL || meta == NULL)
        fuzz_tftp_die("expect with a NULL argument");
    r->expects++;
    fl_put(&r->got, "E", 1);
    fl_addr(&r->got, client);
    fl_u64(&r->got, client_port);
    fl_addr(&r->got, server);
    fl_u64(&r->got, server_port);
    fl_put(&r->got, &dir, 1);
    fl_bytes(&r->got, name, name_len);
    fl_meta(&r->got, meta);
}

/* ---- the model ------------------------------------------------------------------- */

/* A NUL-terminated string at *off of p (n bytes): its length, or -1 without a NUL. */
static long fm_str(const uint8_t *p, size_t n, size_t *off)
{
    for (size_t i = *off; i < n; i++) {
        if (p[i] == 0) {
            long len = (long)(i - *off);

            *off = i + 1;
            return len;
        }
    }
    return -1;
}

static int fm_lower(int ch)
{
    return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

static int fm_caseeq(const uint8_t *s, size_t n, const char *word)
{
    size_t w = strlen(word);

    if (n != w)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (fm_lower(s[i]) != word[i])
            return 0;
    return 1;
}

/* RFC 2348: a decimal number of octets, 8..65464; 0 when v is not one. */
static uint32_t fm_blksize(const uint8_t *v, size_t n)
{
    uint64_t x = 0;

    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return 0;
        x = x * 10 + (uint64_t)(v[i] - '0');
        if (x > RW_TFTP_BLKSIZE_MAX)
            return 0;
    }
    return x >= RW_TFTP_BLKSIZE_MIN ? (uint32_t)x : 0;
}

/* Option pairs from off to the end: -1 when the list is malformed (the pairs before
 * the broken one are counted); the last valid blksize in *blk. */
static int fm_options(struct fuzz_tftp_model *m, const uint8_t *p, size_t n, size_t off,
                      uint32_t *blk)
{
    while (off < n) {
        size_t o = off, v;
        long on = fm_str(p, n, &off), vn;

        if (on < 0)
            return -1;
        v = off;
        vn = fm_str(p, n, &off);
        if (vn < 0)
            return -1;
        m->c.options++;
        if (fm_caseeq(p + o, (size_t)on, "blksize")) {
            uint32_t b = fm_blksize(p + v, (size_t)vn);

            if (b == 0)
                m->c.blksize_bad++;
            else
                *blk = b;
        }
    }
    return 0;
}

static void fm_expect(struct fuzz_tftp_model *m, const struct fuzz_tftp_run *r, uint16_t op,
                      const uint8_t *name, size_t name_len, const uint8_t *mode,
                      size_t mode_len)
{
    char uri[RW_FILE_NAME_MAX_BYTES + 1], ct[RW_HOSTNAME_MAX_BYTES + 1];
    struct rw_xfer_meta meta = {0};
    uint8_t dir = op == 2 ? RW_TOSERVER : RW_TOCLIENT;

    memcpy(uri, name, name_len);
    uri[name_len] = '\0';
    memcpy(ct, mode, mode_len);
    ct[mode_len] = '\0';
    meta.app_proto = "tftp";
    meta.method = op == 2 ? "WRQ" : "RRQ";
    meta.uri = uri;
    meta.content_type = ct;
    m->c.expects++;
    fl_put(&m->want, "E", 1);
    fl_addr(&m->want, &r->key.src);
    fl_u64(&m->want, r->key.sport);
    fl_addr(&m->want, &r->key.dst);
    fl_u64(&m->want, 0);
    fl_put(&m->want, &dir, 1);
    fl_bytes(&m->want, name, name_len);
    fl_meta(&m->want, &meta);
}

/* RRQ / WRQ on a request flow: | op | name | 0 | mode | 0 | [opt | 0 | val | 0]* */
static void fm_request(struct fuzz_tftp_model *m, const struct fuzz_tftp_run *r, uint16_t op,
                       const uint8_t *p, size_t n)
{
    size_t off = 2, name_off = 2, mode_off, name_len, mode_len;
    long nn = fm_str(p, n, &off), mn;
    uint32_t blk = 0;

    if (nn <= 0) {
        m->c.requests_bad++;
        return;
    }
    mode_off = off;
    mn = fm_str(p, n, &off);
    if (mn < 0 || fm_options(m, p, n, off, &blk) != 0) {
        m->c.requests_bad++;
        return;
    }
    name_len = (size_t)nn;
    if (name_len > RW_FILE_NAME_MAX_BYTES) {
        name_len = RW_FILE_NAME_MAX_BYTES;
        m->c.names_truncated++;
    }
    mode_len = (size_t)mn > RW_HOSTNAME_MAX_BYTES ? RW_HOSTNAME_MAX_BYTES : (size_t)mn;
    if (!fm_caseeq(p + mode_off, mode_len, "netascii") &&
        !fm_caseeq(p + mode_off, mode_len, "octet") &&
        !fm_caseeq(p + mode_off, mode_len, "mail"))
        m->c.modes_unknown++;
    if (blk != 0)
        m->c.blksize = blk;
    if (m->have_prev && m->prev_op == op && m->prev_name_len == name_len &&
        m->prev_mode_len == mode_len && memcmp(m->prev_name, p + name_off, name_len) == 0 &&
        memcmp(m->prev_mode, p + mode_off, mode_len) == 0) {
        m->c.requests_repeated++;
        return;
    }
    m->have_prev = 1;
    m->prev_op = op;
    m->prev_name_len = name_len;
    m->prev_mode_len = mode_len;
    memcpy(m->prev_name, p + name_off, name_len);
    memcpy(m->prev_mode, p + mode_off, mode_len);
    if (op == 2)
        m->c.wrq++;
    else
        m->c.rrq++;
    if (m->with_expect)
        fm_expect(m, r, op, p + name_off, name_len, p + mode_off, mode_len);
}

static void fm_close(struct fuzz_tftp_model *m, const struct fuzz_tftp_run *r, int truncated)
{
    if (m->state != FT_OPEN)
        return;
    m->state = FT_DONE;
    if (truncated)
        m->c.files_truncated++;
    else
        m->c.files_closed++;
    fl_put(&m->want, "C", 1);
    fl_u64(&m->want, r->id);
    fl_u64(&m->want, truncated != 0);
}

static void fm_open(struct fuzz_tftp_model *m, const struct fuzz_tftp_run *r)
{
    static const struct rw_xfer_meta none;

    m->state = FT_OPEN;
    m->c.files_opened++;
    if (r->id == 0)
        m->c.files_untracked++;
    fl_put(&m->want, "O", 1);
    fl_put(&m->want, &m->file_dir, 1);
    if (r->check_meta) {
        fl_bytes(&m->want, m->name, m->name_len);
        fl_meta(&m->want, m->meta != NULL ? m->meta : &none);
    }
    fl_u64(&m->want, r->id);
}

/* DATA in file_dir: | 3 | block | bytes | (p is the whole datagram, n >= 4). */
static void fm_data(struct fuzz_tftp_model *m, const struct fuzz_tftp_run *r, const uint8_t *p,
                    size_t n)
{
    uint16_t block = (uint16_t)(p[2] << 8 | p[3]), ahead, behind;
    size_t len = n - 4;

    /* After 65535 comes 0, or 1 from a peer that skips 0. */
    if (m->fed && m->last == 65535 && m->next == 0 && block == 1) {
        m->wrap1 = 1;
        m->next = 1;
    }
    if (m->state == FT_DONE) {
        /* After the end, only the last block can come again (its ACK was lost). */
        if (m->fed && block == m->last)
            m->c.duplicates++;
        else
            m->c.data_after_end++;
        return;
    }
    ahead = (uint16_t)(block - m->next);
    behind = (uint16_t)(m->next - block);
    if (ahead != 0 && behind <= 32768) {
        m->c.duplicates++;
        return;
    }
    if (m->state == FT_NONE)
        fm_open(m, r);
    if (ahead > 0) {
        /* The blocks next .. block - 1 were lost; 0 is not one for a wrap-to-1 peer. */
        uint64_t lost = ahead;
        int crosses = block < m->next; /* the lost run passes 65535 */

        if (crosses) {
            m->c.wraps++;
            if (m->wrap1 && block != 0)
                lost--;
        }
        m->c.blocks_lost += lost;
        if (lost > 0) {
            fl_put(&m->want, "G", 1);
            fl_u64(&m->want, r->id);
            fl_u64(&m->want, lost * m->blksize);
        }
    }
    m->c.blocks++;
    m->c.bytes += len;
    if (len > 0) {
        fl_put(&m->want, "D", 1);
        fl_u64(&m->want, r->id);
        fl_u64(&m->want, 4);
        fl_u64(&m->want, len);
    }
    m->fed = 1;
    m->last = block;
    if (block == 65535) {
        m->c.wraps++;
        m->next = m->wrap1 ? 1 : 0;
    } else {
        m->next = (uint16_t)(block + 1);
    }
    if (len > m->blksize)
        m->c.blocks_oversized++;
    else if (len < m->blksize)
        fm_close(m, r, 0);
}

static void fm_oack(struct fuzz_tftp_model *m, uint8_t dir, const uint8_t *p, size_t n)
{
    uint32_t blk = 0;

    m->c.oacks++;
    if (fm_options(m, p, n, 2, &blk) != 0) {
        m->c.bad[dir]++;
        return;
    }
    /* Options are agreed before the first DATA: a late OACK changes nothing. */
    if (blk != 0 && m->state == FT_NONE) {
        m->blksize = blk;
        m->c.blksize = blk;
    }
}

static void fm_datagram(struct fuzz_tftp_model *m, const struct fuzz_tftp_run *r, uint8_t dir,
                        const uint8_t *p, size_t n)
{
    uint16_t op;

    if (m->ended)
        return;
    m->c.datagrams[dir]++;
    if (n < 2) {
        m->c.bad[dir]++;
        return;
    }
    op = (uint16_t)(p[0] << 8 | p[1]);
    if ((op == 1 || op == 2) && !m->transfer && dir == RW_TOSERVER) {
        fm_request(m, r, op, p, n);
    } else if (op == 3 && n < 4) {
        m->c.bad[dir]++;
    } else if (op == 3 && !m->transfer) {
        m->c.data_unannounced++;
    } else if (op == 3 && dir != m->file_dir) {
        m->c.data_wrong_dir++;
    } else if (op == 3) {
        fm_data(m, r, p, n);
    } else if (op == 4) {
        m->c.acks++;
    } else if (op == 5) {
        m->c.errors++;
        fm_close(m, r, 1);
        if (m->transfer && m->state == FT_NONE)
            m->state = FT_DONE; /* refused before any DATA: no file */
    } else if (op == 6 && m->transfer) {
        fm_oack(m, dir, p, n);
    } else {
        m->c.bad[dir]++;
    }
}

/* ---- running one input ------------------------------------------------------------ */

static void fuzz_tftp_key(struct rw_flow_key *k, int v6)
{
    memset(k, 0, sizeof(*k));
    k->src.family = v6 ? 6 : 4;
    k->dst.family = k->src.family;
    if (v6) {
        k->src.a[0] = k->dst.a[0] = 0x20;
        k->src.a[1] = k->dst.a[1] = 0x01;
        k->src.a[2] = k->dst.a[2] = 0x0d;
        k->src.a[3] = k->dst.a[3] = 0xb8;
        k->src.a[15] = 0x10;
        k->dst.a[15] = 0x20;
    } else {
        memcpy(k->src.a, "\xc0\x00\x02\x0a", 4);
        memcpy(k->dst.a, "\xc6\x33\x64\x14", 4);
    }
    k->sport = 50618;
    k->dport = 69;
    k->proto = 17;
}

/* Reads the setup; returns the offset of the first datagram. long_buf holds a made-up
 * name and long_meta[] the overlong meta strings. */
static size_t fuzz_tftp_setup(struct fuzz_tftp_setup *su, const uint8_t *data, size_t size)
{
    static char long_name[RW_FILE_NAME_MAX_BYTES + 8];
    static char long_app[RW_PROTO_NAME_MAX_BYTES + 9], long_method[RW_PROTO_NAME_MAX_BYTES + 9];
    static char long_mode[RW_HOSTNAME_MAX_BYTES + 9];
    size_t off = 1;
    uint8_t s = size > 0 ? data[0] : 0, l;

    if (long_name[0] == '\0') {
        for (size_t i = 0; i + 1 < sizeof(long_name); i++)
            long_name[i] = (char)('a' + i % 26);
        memset(long_app, 'p', sizeof(long_app) - 1);
        memset(long_method, 'M', sizeof(long_method) - 1);
        memset(long_mode, 'o', sizeof(long_mode) - 1);
    }
    memset(su, 0, sizeof(*su));
    su->role = s & 3;
    su->file_dir = s >> 2 & 1;
    su->v6 = s >> 3 & 1;
    su->ids = s >> 4 & 3;
    if (su->role == 0)
        return off;
    l = off < size ? data[off] : 0;
    off += off < size;
    su->meta.app_proto = "tftp";
    su->meta.method = su->file_dir == RW_TOSERVER ? "WRQ" : "RRQ";
    su->meta.content_type = "octet";
    su->meta.host = "not.kept";
    su->meta.content_encoding = "not.kept";
    su->meta.declared_size = l;
    su->meta.credentials = l & 1;
    su->meta.anonymous = l >> 1 & 1;
    if (l < 0xf0) {
        su->name_len = l < size - off ? l : size - off;
        su->name = (const char *)data + off;
        off += su->name_len;
        su->meta.uri = NULL;
    } else {
        su->name_len = RW_FILE_NAME_MAX_BYTES - 8 + (size_t)(l - 0xf0);
        su->name = long_name;
        su->meta.uri = long_name;
        su->meta.app_proto = long_app;
        su->meta.method = long_method;
        su->meta.content_type = long_mode;
    }
    if (su->name_len == 0 && (s & 0x40))
        su->name = NULL;
    su->metap = su->role == 2 ? NULL : &su->meta;
    return off;
}

/* The meta file_open must be given: the setup's, cut to the header's bounds, host and
 * content_encoding not kept. */
static void fuzz_tftp_want_meta(const struct fuzz_tftp_setup *su, struct rw_xfer_meta *m,
                                char (*bufs)[RW_FILE_NAME_MAX_BYTES + 1])
{
    static const size_t caps[4] = {RW_PROTO_NAME_MAX_BYTES, RW_PROTO_NAME_MAX_BYTES,
                                   RW_FILE_NAME_MAX_BYTES, RW_HOSTNAME_MAX_BYTES};
    const char *src[4] = {su->meta.app_proto, su->meta.method, su->meta.uri,
                          su->meta.content_type};
    const char *out[4];

    for (int i = 0; i < 4; i++) {
        out[i] = NULL;
        if (src[i] != NULL) {
            size_t n = strnlen(src[i], caps[i]);

            memcpy(bufs[i], src[i], n);
            bufs[i][n] = '\0';
            out[i] = bufs[i];
        }
    }
    *m = su->meta;
    m->app_proto = out[0];
    m->method = out[1];
    m->uri = out[2];
    m->content_type = out[3];
    m->host = NULL;
    m->content_encoding = NULL;
}

static void fuzz_tftp_show(const char *what, const struct rw_tftp_counters *c)
{
    const uint64_t *v = (const uint64_t *)(const void *)c;

    fprintf(stderr, "  %s:", what);
    for (size_t i = 0; i < sizeof(*c) / sizeof(uint64_t); i++)
        fprintf(stderr, " %llu", (unsigned long long)v[i]);
    fprintf(stderr, "\n");
}

/* After each step: the sink's calls and the counters are the model's. */
static void fuzz_tftp_compare(struct fuzz_tftp_run *r, struct fuzz_tftp_model *m,
                              const struct rw_tftp *t, const char *step)
{
    const struct rw_tftp_counters *c = rw_tftp_counters(t);

    if (fuzz_tftp_verbose)
        fprintf(stderr, "fuzz_tftp: %s\n", step);
    if (r->got.len != m->want.len || memcmp(r->got.buf, m->want.buf, r->got.len) != 0)
        fuzz_tftp_die("the sink calls are not the ones rw_tftp.h describes");
    if (memcmp(c, &m->c, sizeof(*c)) != 0) {
        if (fuzz_tftp_verbose) {
            fuzz_tftp_show("parser", c);
            fuzz_tftp_show("model ", &m->c);
        }
        fuzz_tftp_die("the counters are not the ones rw_tftp.h describes");
    }
    r->got.len = 0;
    m->want.len = 0;
}

/* Checks rw_tftp_bytes against the header's bounds; b0 is the value right after new and
 * *xfer_bytes the value after rw_tftp_transfer (0 on a request flow). */
static void fuzz_tftp_check_bytes(const struct rw_tftp *t, size_t b0, size_t xfer_bytes)
{
    size_t b = rw_tftp_bytes(t);

    if (xfer_bytes != 0 && b != xfer_bytes)
        fuzz_tftp_die("rw_tftp_bytes moved on a transfer flow");
    if (b < b0 || b > b0 + (xfer_bytes != 0 ? FUZZ_TFTP_XFER_KEEP : FUZZ_TFTP_REQ_KEEP))
        fuzz_tftp_die("rw_tftp_bytes beyond the state and the strings rw_tftp.h keeps");
}

struct fuzz_tftp_feed {
    const struct fuzz_tftp_setup *su;
    struct fuzz_tftp_run *r;
    struct fuzz_tftp_model *m;  /* NULL: no model (runs B and C) */
    const struct rw_xfer_sink *sink;
};

/* Makes the parser and the transfer the setup describes. */
static struct rw_tftp *fuzz_tftp_start(const struct fuzz_tftp_feed *f, size_t *b0,
                                       size_t *xb)
{
    const struct fuzz_tftp_setup *su = f->su;
    struct rw_tftp *t = rw_tftp_new(f->sink, &f->r->key);

    if (t == NULL)
        return NULL;
    *b0 = rw_tftp_bytes(t);
    *xb = 0;
    if (su->role == 0)
        return t;
    if (su->role == 3) {
        rw_tftp_transfer(t, 2, su->name, su->name_len, su->metap);
        if (f->m != NULL)
            f->m->c.bad[0]++;
    }
    rw_tftp_transfer(t, su->file_dir, su->name, su->name_len, su->metap);
    *xb = rw_tftp_bytes(t);
    if (f->m != NULL) {
        f->m->transfer = 1;
        f->m->file_dir = su->file_dir;
        f->m->c.blksize = RW_TFTP_BLKSIZE_DEFAULT;
        if (su->name_len > RW_FILE_NAME_MAX_BYTES)
            f->m->c.names_truncated++;
        f->m->name = (const uint8_t *)su->name;
        f->m->name_len = su->name_len > RW_FILE_NAME_MAX_BYTES ? RW_FILE_NAME_MAX_BYTES
                                                               : su->name_len;
        fuzz_tftp_compare(f->r, f->m, t, "rw_tftp_transfer");
    }
    return t;
}

/* Builds the DATA datagram of op 125 in buf (4 + 65535 bytes): block, length, then the
 * filler written once, so that long blocks cost nothing to make. */
static size_t fuzz_tftp_make_data(uint8_t *buf, const uint8_t *arg)
{
    size_t n = (size_t)arg[2] << 8 | arg[3];

    if (buf[4] == 0)
        for (size_t i = 0; i < 65535; i++)
            buf[4 + i] = (uint8_t)(1 + i * 7);
    buf[0] = 0;
    buf[1] = 3;
    buf[2] = arg[0];
    buf[3] = arg[1];
    return 4 + n;
}

/* One datagram to the parser, and to the model. */
static void fuzz_tftp_step(const struct fuzz_tftp_feed *f, struct rw_tftp *t, uint8_t dir,
                           const uint8_t *p, size_t n)
{
    f->r->dg = p;
    f->r->dg_len = n;
    rw_tftp_datagram(t, dir, p, n);
    f->r->dg = NULL;
    if (f->m != NULL) {
        char step[64];

        fm_datagram(f->m, f->r, dir, p, n);
        snprintf(step, sizeof(step), "datagram dir %u, %zu bytes, opcode %d", dir, n,
                 n >= 2 ? p[0] << 8 | p[1] : -1);
        fuzz_tftp_compare(f->r, f->m, t, step);
    }
}

/* Feeds the whole input; returns -1 when rw_tftp_new failed, else 0 with the counters. */
static int fuzz_tftp_feed(const struct fuzz_tftp_feed *f, const uint8_t *data, size_t size,
                          size_t off, struct rw_tftp_counters *out)
{
    static uint8_t made[4 + 65535];
    size_t b0, xb;
    struct rw_tftp *t = fuzz_tftp_start(f, &b0, &xb);

    if (t == NULL)
        return -1;
    while (off < size) {
        uint8_t h = data[off++], dir = h >> 7, op = h & 0x7f;
        size_t n = op;

        if (op == 126) {
            rw_tftp_end(t);
            if (f->m != NULL) {
                fm_close(f->m, f->r, 1);
                f->m->ended = 1;
                fuzz_tftp_compare(f->r, f->m, t, "rw_tftp_end");
            }
            continue;
        }
        if (op == 127) {
            if (f->su->role != 0) {
                rw_tftp_transfer(t, f->su->file_dir, f->su->name, f->su->name_len, f->su->metap);
                if (f->m != NULL && !f->m->ended)
                    f->m->c.bad[0]++;
                if (f->m != NULL)
                    fuzz_tftp_compare(f->r, f->m, t, "rw_tftp_transfer again");
            }
            continue;
        }
        if (op == 125) {
            uint8_t arg[4] = {0};

            for (int i = 0; i < 4 && off < size; i++)
                arg[i] = data[off++];
            fuzz_tftp_step(f, t, dir, made, fuzz_tftp_make_data(made, arg));
            fuzz_tftp_check_bytes(t, b0, xb);
            continue;
        }
        if (op == 124) {
            n = off + 2 <= size ? (size_t)data[off] << 8 | data[off + 1] : 0;
            off += off + 2 <= size ? 2 : size - off;
        }
        if (n > size - off)
            n = size - off;
        fuzz_tftp_step(f, t, dir, data + off, n);
        fuzz_tftp_check_bytes(t, b0, xb);
        off += n;
    }
    rw_tftp_end(t);
    if (f->m != NULL) {
        fm_close(f->m, f->r, 1);
        f->m->ended = 1;
        fuzz_tftp_compare(f->r, f->m, t, "rw_tftp_end at the end");
    }
    if (f->r->state == FT_OPEN)
        fuzz_tftp_die("a file still open after rw_tftp_end");
    *out = *rw_tftp_counters(t);
    rw_tftp_free(&t);
    if (t != NULL)
        fuzz_tftp_die("rw_tftp_free left the pointer");
    return 0;
}

static void fuzz_tftp_run_init(struct fuzz_tftp_run *r, const struct fuzz_tftp_setup *su,
                               int check_meta)
{
    r->got.len = 0;
    fuzz_tftp_key(&r->key, su->v6);
    r->dg = NULL;
    r->dg_len = 0;
    r->ids = su->ids;
    r->id = 0;
    r->nfiles = 0;
    r->state = FT_NONE;
    r->check_meta = check_meta;
    r->expects = 0;
    r->files = 1469598103934665603ULL;
}

/* B: no sink, or a sink without callbacks: the counters are A's but for the calls. */
static void fuzz_tftp_run_b(const struct fuzz_tftp_setup *su, const uint8_t *data, size_t size,
                            size_t off, uint64_t hash, const struct rw_tftp_counters *ca)
{
    static struct fuzz_tftp_run r;
    struct rw_xfer_sink none = {&r, NULL, NULL, NULL, NULL, NULL};
    struct fuzz_tftp_feed f = {su, &r, NULL, (hash & 2) ? &none : NULL};
    struct rw_tftp_counters cb, want = *ca;

    fuzz_tftp_run_init(&r, su, 1);
    if (fuzz_tftp_feed(&f, data, size, off, &cb) != 0)
        fuzz_tftp_die("rw_tftp_new failed without an allocation failure");
    want.expects = 0;
    want.files_untracked = want.files_opened;
    if (memcmp(&cb, &want, sizeof(cb)) != 0)
        fuzz_tftp_die("the counters depend on the sink's callbacks");
}

/* C: with the Nth allocation failing. */
static void fuzz_tftp_run_c(const struct fuzz_tftp_setup *su, const uint8_t *data, size_t size,
                            size_t off, uint64_t hash, const struct fuzz_tftp_run *ra,
                            const struct rw_tftp_counters *ca)
{
    static struct fuzz_tftp_run r;
    struct rw_xfer_sink sink = {&r, fuzz_tftp_open, fuzz_tftp_data, fuzz_tftp_gap,
                                fuzz_tftp_close, fuzz_tftp_expect};
    struct fuzz_tftp_feed f = {su, &r, NULL, &sink};
    struct rw_tftp_counters cc, a = *ca;
    unsigned long n = 1 + (hash >> 8) % 3, failed;
    int rc;

    fuzz_tftp_run_init(&r, su, 0);
    rw_alloc_hook_set(n);
    rc = fuzz_tftp_feed(&f, data, size, off, &cc);
    failed = rw_alloc_hook_failures();
    rw_alloc_hook_set(0);
    if (rc != 0) {
        if (n != 1)
            fuzz_tftp_die("rw_tftp_new failed on a later allocation's failure");
        return;
    }
    if (n == 1)
        fuzz_tftp_die("rw_tftp_new did not return NULL when its allocation failed");
    if (cc.rrq + cc.wrq + cc.requests_repeated != a.rrq + a.wrq + a.requests_repeated ||
        cc.rrq < a.rrq || cc.wrq < a.wrq || cc.expects != r.expects ||
        r.expects < ra->expects)
        fuzz_tftp_die("requests announced differently when memory was short");
    if (cc.nomem != failed)
        fuzz_tftp_die("nomem does not count the allocations that failed");
    cc.rrq = a.rrq;
    cc.wrq = a.wrq;
    cc.requests_repeated = a.requests_repeated;
    cc.expects = a.expects;
    cc.nomem = a.nomem;
    if (memcmp(&cc, &a, sizeof(cc)) != 0 || r.files != ra->files)
        fuzz_tftp_die("the file was followed differently when memory was short");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fuzz_tftp_run ra;
    static struct fuzz_tftp_model m;
    static char bufs[4][RW_FILE_NAME_MAX_BYTES + 1];
    struct rw_xfer_sink sink = {&ra, fuzz_tftp_open, fuzz_tftp_data, fuzz_tftp_gap,
                                fuzz_tftp_close, fuzz_tftp_expect};
    struct fuzz_tftp_setup su;
    struct rw_xfer_meta want_meta;
    struct fuzz_tftp_feed f = {&su, &ra, &m, &sink};
    struct rw_tftp_counters ca;
    uint64_t hash = 1469598103934665603ULL;
    size_t off;

    if (fuzz_tftp_verbose < 0) {
        const char *v = getenv("FUZZ_TFTP_VERBOSE");

        fuzz_tftp_verbose = v != NULL && v[0] == '1';
    }
    for (size_t i = 0; i < size; i++)
        hash = (hash ^ data[i]) * 1099511628211ULL;
    off = fuzz_tftp_setup(&su, data, size);
    fuzz_tftp_want_meta(&su, &want_meta, bufs);

    /* A: against the model. */
    fuzz_tftp_run_init(&ra, &su, 1);
    memset(&m, 0, sizeof(m));
    m.with_expect = 1;
    m.blksize = RW_TFTP_BLKSIZE_DEFAULT;
    m.next = 1;
    m.meta = su.role == 2 ? NULL : &want_meta;
    if (fuzz_tftp_feed(&f, data, size, off, &ca) != 0)
        fuzz_tftp_die("rw_tftp_new failed without an allocation failure");
    if (ca.expects != ra.expects || ca.files_opened != ra.nfiles)
        fuzz_tftp_die("the counters disagree with the calls made");

    fuzz_tftp_run_b(&su, data, size, off, hash, &ca);
    if ((hash >> 60) == 0)
        fuzz_tftp_run_c(&su, data, size, off, hash, &ra, &ca);
    return 0;
}
