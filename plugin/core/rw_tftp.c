/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_tftp.c — TFTP (RFC 1350, RFC 2347, RFC 2348): requests announce, DATA blocks are files. */
#include <string.h>
#include <strings.h>

#include "rw_alloc.h"
#include "rw_cursor.h"
#include "rw_num.h"
#include "rw_tftp.h"

/* RFC 1350 5 opcodes, RFC 2347 OACK. */
enum { TFTP_RRQ = 1, TFTP_WRQ = 2, TFTP_DATA = 3, TFTP_ACK = 4, TFTP_ERROR = 5, TFTP_OACK = 6 };

enum { ROLE_REQUEST = 0, ROLE_TRANSFER };
enum { FILE_NONE = 0, FILE_OPEN, FILE_DONE };

struct rw_tftp {
    struct rw_xfer_sink sink;
    struct rw_flow_key key;
    struct rw_tftp_counters c;
    uint8_t role;
    uint8_t file_dir;
    uint8_t file_state;
    uint8_t ended;
    uint8_t wrap_to_one;   /* this peer numbers 65535 -> 1 */
    uint16_t next_block;   /* the block expected next */
    uint16_t last_block;   /* the last block fed (retransmissions of it after the end) */
    uint32_t blksize;
    uint32_t file_id;
    /* Transfer flow: the file's name and meta; name and the meta strings point into
     * strs, one allocation of just their size (NULL when there are none). */
    size_t name_len;
    const char *name;
    struct rw_xfer_meta meta;
    /* Request flow: the previous request (name NUL mode), to recognise retransmissions,
     * in strs, last_len bytes. */
    uint8_t last_op;
    size_t last_len;
    char *strs;
    size_t strs_bytes;     /* bytes allocated at strs */
};

struct rw_tftp *rw_tftp_new(const struct rw_xfer_sink *sink, const struct rw_flow_key *key)
{
    struct rw_tftp *t;

    if (key == NULL)
        return NULL;
    t = rw_calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    if (sink != NULL)
        t->sink = *sink;
    t->key = *key;
    t->role = ROLE_REQUEST;
    t->next_block = 1;
    t->blksize = RW_TFTP_BLKSIZE_DEFAULT;
    return t;
}

void rw_tftp_free(struct rw_tftp **tp)
{
    if (tp == NULL || *tp == NULL)
        return;
    rw_free((*tp)->strs);
    rw_free(*tp);
    *tp = NULL;
}

const struct rw_tftp_counters *rw_tftp_counters(const struct rw_tftp *t)
{
    return &t->c;
}

/* The bytes keep will store for src (at most cap of it, and its NUL); 0 for NULL. */
static size_t keep_size(size_t cap, const char *src)
{
    return src == NULL ? 0 : strnlen(src, cap) + 1;
}

/* Copies a string of at most cap bytes to *at (NUL-terminated) and moves *at past it;
 * NULL stays NULL. */
static const char *keep(char **at, size_t cap, const char *src)
{
    char *dst = *at;
    size_t n;

    if (src == NULL)
        return NULL;
    n = strnlen(src, cap);
    memcpy(dst, src, n);
    dst[n] = '\0';
    *at += n + 1;
    return dst;
}

void rw_tftp_transfer(struct rw_tftp *t, uint8_t file_dir, const char *name, size_t name_len,
                      const struct rw_xfer_meta *meta)
{
    if (t == NULL || t->ended)
        return;
    if (t->role == ROLE_TRANSFER || file_dir > RW_TOCLIENT || (name == NULL && name_len > 0)) {
        t->c.bad[0]++;
        return;
    }
    t->role = ROLE_TRANSFER;
    t->file_dir = file_dir;
    t->blksize = RW_TFTP_BLKSIZE_DEFAULT;
    t->c.blksize = t->blksize;
    if (name_len > RW_FILE_NAME_MAX_BYTES) {
        name_len = RW_FILE_NAME_MAX_BYTES;
        t->c.names_truncated++;
    }
    /* A request flow's copy of its last request is not needed by a transfer. */
    rw_free(t->strs);
    t->strs = NULL;
    t->strs_bytes = 0;
    t->last_len = 0;
    memset(&t->meta, 0, sizeof(t->meta));
    t->name = NULL;
    t->name_len = 0;
    {
        size_t need = name_len + 1;
        char *at;

        if (meta != NULL)
            need += keep_size(RW_PROTO_NAME_MAX_BYTES, meta->app_proto) +
                    keep_size(RW_PROTO_NAME_MAX_BYTES, meta->method) +
                    keep_size(RW_FILE_NAME_MAX_BYTES, meta->uri) +
                    keep_size(RW_HOSTNAME_MAX_BYTES, meta->content_type);
        t->strs = rw_malloc(need);
        if (t->strs == NULL) {
            /* The file is still followed, without its name and meta. */
            t->c.nomem++;
            return;
        }
        t->strs_bytes = need;
        at = t->strs;
        if (name_len > 0)
            memcpy(at, name, name_len);
        at[name_len] = '\0';
        t->name = at;
        t->name_len = name_len;
        at += name_len + 1;
        if (meta != NULL) {
            t->meta = *meta;
            t->meta.app_proto = keep(&at, RW_PROTO_NAME_MAX_BYTES, meta->app_proto);
            t->meta.method = keep(&at, RW_PROTO_NAME_MAX_BYTES, meta->method);
            t->meta.uri = keep(&at, RW_FILE_NAME_MAX_BYTES, meta->uri);
            t->meta.content_type = keep(&at, RW_HOSTNAME_MAX_BYTES, meta->content_type);
            t->meta.host = NULL; /* not kept: TFTP has none */
            t->meta.content_encoding = NULL;
        }
    }
}

/* Reads a NUL-terminated string at the cursor; returns its length or -1 without a NUL. */
static long rd_str(struct rw_cur *c, const char **s)
{
    const uint8_t *z = memchr(c->p, 0, rw_cur_left(c));
    long n;

    if (z == NULL)
        return -1;
    n = (long)(z - c->p);
    *s = (const char *)c->p;
    c->p = z + 1;
    return n;
}

/* Parses a blksize value (decimal, RFC 2348: 8..65464); 0 when it is not one. */
static uint32_t parse_blksize(const char *v, long n)
{
    char buf[16];
    uint64_t out;
    const char *why;
    size_t len;

    /* Leading zeros do not change the number, and peers that read it with strtoul take
     * it: a value padded past buf must not pass for a bad one, or the sensor keeps 512
     * while the peers use (say) 8, and the first block ends the file early. */
    while (n > 1 && v[0] == '0') {
        v++;
        n--;
    }
    if (n <= 0 || (size_t)n >= sizeof(buf))
        return 0;
    len = (size_t)n;
    memcpy(buf, v, len);
    buf[len] = '\0';
    for (long i = 0; i < n; i++)
        if (buf[i] < '0' || buf[i] > '9')
            return 0;
    if (rw_num_parse_u64(buf, RW_TFTP_BLKSIZE_MIN, RW_TFTP_BLKSIZE_MAX, &out, &why) != 0)
        return 0;
    return (uint32_t)out;
}

/* Reads "opt\0val\0" pairs to the end; returns -1 when the list is malformed. The last
 * valid blksize goes to *blksize (left alone when none). */
static int read_options(struct rw_tftp *t, struct rw_cur *c, uint32_t *blksize)
{
    while (rw_cur_left(c) > 0) {
        const char *opt, *val;
        long on = rd_str(c, &opt), vn;

        if (on < 0)
            return -1;
        vn = rd_str(c, &val);
        if (vn < 0)
            return -1;
        t->c.options++;
        if (on == 7 && strncasecmp(opt, "blksize", 7) == 0) {
            uint32_t b = parse_blksize(val, vn);

            if (b == 0)
                t->c.blksize_bad++;
            else
                *blksize = b;
        }
    }
    return 0;
}

static void request(struct rw_tftp *t, uint16_t op, struct rw_cur *c)
{
    const char *name, *mode;
    long nn, mn;
    size_t name_len, mode_len;
    uint32_t blksize = 0;
    char mode_buf[RW_HOSTNAME_MAX_BYTES + 1];
    char uri_buf[RW_FILE_NAME_MAX_BYTES + 1];
    struct rw_xfer_meta meta;
    uint8_t dir = op == TFTP_WRQ ? RW_TOSERVER : RW_TOCLIENT;

    nn = rd_str(c, &name);
    if (nn <= 0) {
        t->c.requests_bad++;
        return;
    }
    mn = rd_str(c, &mode);
    if (mn < 0 || read_options(t, c, &blksize) != 0) {
        t->c.requests_bad++;
        return;
    }
    name_len = (size_t)nn;
    if (name_len > RW_FILE_NAME_MAX_BYTES) {
        name_len = RW_FILE_NAME_MAX_BYTES;
        t->c.names_truncated++;
    }
    mode_len = (size_t)mn < RW_HOSTNAME_MAX_BYTES ? (size_t)mn : RW_HOSTNAME_MAX_BYTES;
    memcpy(mode_buf, mode, mode_len);
    mode_buf[mode_len] = '\0';
    if (strcasecmp(mode_buf, "netascii") != 0 && strcasecmp(mode_buf, "octet") != 0 &&
        strcasecmp(mode_buf, "mail") != 0)
        t->c.modes_unknown++;
    if (blksize != 0)
        t->c.blksize = blksize;
    /* A retransmission repeats opcode, name and mode. */
    if (t->last_op == op && t->last_len == name_len + 1 + mode_len && t->strs != NULL &&
        memcmp(t->strs, name, name_len) == 0 && t->strs[name_len] == '\0' &&
        memcmp(t->strs + name_len + 1, mode_buf, mode_len) == 0) {
        t->c.requests_repeated++;
        return;
    }
    /* The copy takes just its size; without memory, a retransmission of this request is
     * not recognised (it announces again, which the expectation table merges). */
    t->last_op = (uint8_t)op;
    rw_free(t->strs);
    t->strs_bytes = 0;
    t->last_len = 0;
    t->strs = rw_malloc(name_len + 1 + mode_len);
    if (t->strs != NULL) {
        t->strs_bytes = name_len + 1 + mode_len;
        memcpy(t->strs, name, name_len);
        t->strs[name_len] = '\0';
        memcpy(t->strs + name_len + 1, mode_buf, mode_len);
        t->last_len = name_len + 1 + mode_len;
    } else {
        t->c.nomem++;
    }
    memcpy(uri_buf, name, name_len);
    uri_buf[name_len] = '\0';
    if (op == TFTP_WRQ)
        t->c.wrq++;
    else
        t->c.rrq++;
    memset(&meta, 0, sizeof(meta));
    meta.app_proto = "tftp";
    meta.method = op == TFTP_WRQ ? "WRQ" : "RRQ";
    meta.uri = uri_buf; /* NUL-terminated copy of the name */
    meta.content_type = mode_buf;
    if (t->sink.expect != NULL) {
        t->c.expects++;
        t->sink.expect(t->sink.ctx, &t->key.src, t->key.sport, &t->key.dst, 0, dir, name,
                       name_len, &meta);
    }
}

static void file_close(struct rw_tftp *t, int truncated)
{
    if (t->file_state != FILE_OPEN)
        return;
    t->file_state = FILE_DONE;
    if (truncated)
        t->c.files_truncated++;
    else
        t->c.files_closed++;
    if (t->sink.file_close != NULL)
        t->sink.file_close(t->sink.ctx, t->file_id, truncated);
}

static void feed(struct rw_tftp *t, uint16_t block, const uint8_t *p, size_t n)
{
    t->c.blocks++;
    t->c.bytes += n;
    if (t->sink.file_data != NULL && n > 0)
        t->sink.file_data(t->sink.ctx, t->file_id, p, n);
    t->last_block = block;
    if (block == 65535) {
        t->c.wraps++;
        t->next_block = t->wrap_to_one ? 1 : 0;
    } else {
        t->next_block = (uint16_t)(block + 1);
    }
    if (n > t->blksize)
        t->c.blocks_oversized++;
    else if (n < t->blksize)
        file_close(t, 0);
}

static void data(struct rw_tftp *t, uint8_t dir, struct rw_cur *c)
{
    uint16_t block, ahead, behind;
    const uint8_t *p;
    size_t n;

    if (rw_rd_u16be(c, &block) != 0) {
        t->c.bad[dir]++;
        return;
    }
    p = c->p;
    n = rw_cur_left(c);
    if (t->role != ROLE_TRANSFER) {
        t->c.data_unannounced++;
        return;
    }
    if (dir != t->file_dir) {
        t->c.data_wrong_dir++;
        return;
    }
    /* After 65535 some peers go on with 0, others with 1 (the block after 65535 is
     * expected as 0; a 1 there means the peer skips 0). */
    if (t->next_block == 0 && block == 1 && t->last_block == 65535 && t->c.blocks > 0) {
        t->wrap_to_one = 1;
        t->next_block = 1;
    }
    if (t->file_state == FILE_DONE) {
        /* Only a block that was fed can come again: after an ERROR that refused the
         * transfer before any DATA, last_block is no block at all. */
        if (t->c.blocks > 0 && block == t->last_block)
            t->c.duplicates++;
        else
            t->c.data_after_end++;
        return;
    }
    ahead = (uint16_t)(block - t->next_block);
    behind = (uint16_t)(t->next_block - block);
    if (ahead != 0 && behind >= 1 && behind <= 32768) {
        t->c.duplicates++;
        return;
    }
    if (t->file_state == FILE_NONE) {
        t->file_state = FILE_OPEN;
        t->c.files_opened++;
        t->file_id = 0;
        if (t->sink.file_open != NULL)
            t->file_id = t->sink.file_open(t->sink.ctx, t->file_dir, t->name, t->name_len,
                                           &t->meta);
        if (t->file_id == 0)
            t->c.files_untracked++;
    }
    if (ahead != 0) {
        /* Blocks lost: next_block .. block - 1. A run that passes 65535 is a wrap of the
         * numbers as much as feeding 65535 is; with wrap-to-one numbering, 0 is not a
         * block, and it is in the run only when the run goes on past it (block > 0). */
        uint64_t lost = ahead;

        if (block < t->next_block) {
            t->c.wraps++;
            if (t->wrap_to_one && block != 0)
                lost--;
        }
        t->c.blocks_lost += lost;
        if (t->sink.file_gap != NULL && lost > 0)
            t->sink.file_gap(t->sink.ctx, t->file_id, lost * t->blksize);
    }
    feed(t, block, p, n);
}

static void oack(struct rw_tftp *t, uint8_t dir, struct rw_cur *c)
{
    uint32_t blksize = 0;

    t->c.oacks++;
    if (read_options(t, c, &blksize) != 0) {
        t->c.bad[dir]++;
        return;
    }
    /* Options are agreed before the first DATA; a late OACK changes nothing. */
    if (blksize != 0 && t->file_state == FILE_NONE) {
        t->blksize = blksize;
        t->c.blksize = blksize;
    }
}

void rw_tftp_datagram(struct rw_tftp *t, uint8_t dir, const uint8_t *p, size_t n)
{
    struct rw_cur c;
    uint16_t op;

    if (t == NULL || t->ended || dir > RW_TOCLIENT || (p == NULL && n > 0))
        return;
    t->c.datagrams[dir]++;
    rw_cur_init(&c, p, n);
    if (rw_rd_u16be(&c, &op) != 0) {
        t->c.bad[dir]++;
        return;
    }
    switch (op) {
    case TFTP_RRQ:
    case TFTP_WRQ:
        if (t->role == ROLE_REQUEST && dir == RW_TOSERVER)
            request(t, op, &c);
        else
            t->c.bad[dir]++;
        break;
    case TFTP_DATA:
        data(t, dir, &c);
        break;
    case TFTP_ACK:
        t->c.acks++;
        break;
    case TFTP_ERROR:
        t->c.errors++;
        file_close(t, 1);
        if (t->file_state == FILE_NONE && t->role == ROLE_TRANSFER)
            t->file_state = FILE_DONE; /* refused before any DATA: no file */
        break;
    case TFTP_OACK:
        if (t->role == ROLE_TRANSFER)
            oack(t, dir, &c);
        else
            t->c.bad[dir]++;
        break;
    default:
        t->c.bad[dir]++;
        break;
    }
}

void rw_tftp_end(struct rw_tftp *t)
{
    if (t == NULL || t->ended)
        return;
    file_close(t, 1);
    t->ended = 1;
}

size_t rw_tftp_bytes(const struct rw_tftp *p)
{
    return p == NULL ? 0 : sizeof(*p) + p->strs_bytes;
}
