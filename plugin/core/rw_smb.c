/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_smb.c — SMB2/SMB3 ([MS-SMB2]) and SMB1 ([MS-CIFS]) files: names, data streamed,
 * closes. This file: the parser's life, names, SMB2 commands, the NetBIOS/SMB framing. */
#include "rw_smb_int.h"

#include <string.h>

#include "rw_alloc.h"
#include "rw_cursor.h"

struct rw_smb *rw_smb_new(const struct rw_xfer_sink *sink)
{
    struct rw_smb *s = rw_calloc(1, sizeof(*s));

    if (s == NULL)
        return NULL;
    if (sink != NULL)
        s->sink = *sink;
    for (int i = 0; i < 2; i++) {
        s->d[i].data_file = -1;
        s->d[i].chain_file = -1;
    }
    return s;
}

void rw_smb_free(struct rw_smb **sp)
{
    if (sp == NULL || *sp == NULL)
        return;
    for (size_t i = 0; i < (*sp)->files_cap; i++)
        rw_free((*sp)->files[i].name);
    while ((*sp)->ooo != NULL) {
        struct smb_ooo *o = (*sp)->ooo;

        (*sp)->ooo = o->next;
        rw_free(o);
    }
    rw_free((*sp)->files);
    rw_free((*sp)->pending);
    for (int i = 0; i < 2; i++)
        rw_free((*sp)->d[i].buf);
    rw_free(*sp);
    *sp = NULL;
}

const struct rw_smb_counters *rw_smb_counters(const struct rw_smb *s)
{
    return &s->c;
}

/* ---- names ---------------------------------------------------------------------- */

/* See rw_smb_int.h. */
size_t rw__smb_utf16_to_utf8(const uint8_t *in, size_t in_len, char *out, size_t cap,
                             int *invalid, int *cut)
{
    size_t i = 0, o = 0;

    *invalid = 0;
    *cut = 0;
    while (i < in_len) {
        uint32_t cp;
        uint8_t enc[4];
        size_t k;

        if (in_len - i < 2) {
            cp = 0xfffd;
            *invalid = 1;
            i = in_len;
        } else {
            uint32_t u = (uint32_t)in[i] | (uint32_t)in[i + 1] << 8;

            i += 2;
            cp = u;
            if (u >= 0xd800 && u <= 0xdbff) {
                uint32_t lo = 0;

                if (in_len - i >= 2)
                    lo = (uint32_t)in[i] | (uint32_t)in[i + 1] << 8;
                if (lo >= 0xdc00 && lo <= 0xdfff) {
                    cp = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
                    i += 2;
                } else {
                    cp = 0xfffd;
                    *invalid = 1;
                }
            } else if (u >= 0xdc00 && u <= 0xdfff) {
                cp = 0xfffd;
                *invalid = 1;
            }
        }
        if (cp < 0x80) {
            enc[0] = (uint8_t)cp;
            k = 1;
        } else if (cp < 0x800) {
            enc[0] = (uint8_t)(0xc0 | cp >> 6);
            enc[1] = (uint8_t)(0x80 | (cp & 0x3f));
            k = 2;
        } else if (cp < 0x10000) {
            enc[0] = (uint8_t)(0xe0 | cp >> 12);
            enc[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
            enc[2] = (uint8_t)(0x80 | (cp & 0x3f));
            k = 3;
        } else {
            enc[0] = (uint8_t)(0xf0 | cp >> 18);
            enc[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
            enc[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
            enc[3] = (uint8_t)(0x80 | (cp & 0x3f));
            k = 4;
        }
        if (cap - o < k) {
            *cut = 1;
            break;
        }
        memcpy(out + o, enc, k);
        o += k;
    }
    return o;
}

/* ---- commands ---------------------------------------------------------------------- */

static void rd_at(const uint8_t *buf, uint32_t at, uint32_t len, struct rw_cur *c)
{
    rw_cur_init(c, buf + at, len - at);
}

/* A 64-bit little-endian field through two checked 32-bit reads. */
static int rd_u64le(struct rw_cur *c, uint64_t *v)
{
    uint32_t lo = 0, hi = 0;

    if (rw_rd_u32le(c, &lo) != 0 || rw_rd_u32le(c, &hi) != 0)
        return -1;
    *v = (uint64_t)hi << 32 | lo;
    return 0;
}

/* Sets the data region of the current message: len bytes at offset doff (from the
 * header) that belong to file idx at file offset foff. The region must follow what was
 * gathered and end inside the message. Returns 0, or -1 (counted) when it lies. */
int sm_plan_data(struct rw_smb *s, uint8_t dir, uint32_t doff, uint32_t len, uint64_t foff,
                 int idx)
{
    struct smb_dir *d = &s->d[dir];

    if (len == 0)
        return 0;
    if (doff < d->pos || doff > d->pdu_len || len > d->pdu_len - doff ||
        foff > UINT64_MAX - len) {
        s->c.malformed[dir]++;
        return -1;
    }
    d->data_start = doff;
    d->data_end = doff + len;
    d->data_off = foff;
    d->data_file = idx;
    return 0;
}

/* A new entry for a CREATE's file, named (a copy; a name lost to memory is counted). */
int sm_file_new(struct rw_smb *s, const char *name, size_t name_len)
{
    int idx = sm_file_alloc(s);
    struct smb_file *f;

    if (idx < 0)
        return -1;
    f = &s->files[idx];
    f->used = 1;
    f->lru = ++s->clock;
    if (name_len > 0) {
        f->name = rw_malloc(name_len + 1);
        if (f->name == NULL) {
            s->c.nomem++;
        } else {
            memcpy(f->name, name, name_len);
            f->name[name_len] = '\0';
            f->name_len = name_len;
            s->name_bytes += name_len + 1;
        }
    }
    return idx;
}

static void create_req(struct rw_smb *s, struct smb_dir *d)
{
    struct rw_cur c;
    uint16_t noff, nlen;
    char name[RW_FILE_NAME_MAX_BYTES];
    size_t name_len = 0, have;
    int invalid = 0, cut = 0, idx;
    struct smb_file *f;

    s->c.creates++;
    if (d->pos < SMB2_HDR_BYTES + CREATE_REQ_BYTES) {
        s->c.malformed[RW_TOSERVER]++;
        return;
    }
    rd_at(d->buf, SMB2_HDR_BYTES + 44, d->pos, &c);
    if (rw_rd_u16le(&c, &noff) != 0 || rw_rd_u16le(&c, &nlen) != 0)
        return; /* cannot happen: the length was checked */
    if (nlen > 0 && (noff < SMB2_HDR_BYTES + CREATE_REQ_BYTES || noff > d->pdu_len ||
                     nlen > d->pdu_len - noff)) {
        s->c.malformed[RW_TOSERVER]++;
        return;
    }
    if (nlen > 0) {
        have = noff < d->pos ? d->pos - noff : 0;
        if (have > nlen)
            have = nlen;
        name_len = rw__smb_utf16_to_utf8(d->buf + noff, have, name, sizeof(name), &invalid,
                                         &cut);
        if (cut || have < nlen)
            s->c.names_truncated++;
        if (invalid)
            s->c.names_invalid++;
    }
    idx = sm_file_new(s, name, name_len);
    if (idx < 0) {
        sm_pending_add(s, SMB2_CREATE, d->h.mid, -1);
        return;
    }
    f = &s->files[idx];
    f->pipe = (uint8_t)sm_is_pipe_tree(s, d->h.tree_id);
    if (f->pipe)
        s->c.pipes++;
    d->chain_file = idx;
    sm_pending_add(s, SMB2_CREATE, d->h.mid, idx);
}

static void create_resp(struct rw_smb *s, struct smb_dir *d)
{
    struct smb_pending *p = sm_pending_find(s, SMB2_CREATE, d->h.mid);
    int idx, old;

    if (p == NULL) {
        s->c.responses_orphan++;
        return;
    }
    if (d->h.status == STATUS_PENDING) {
        s->c.async_interim++;
        return;
    }
    idx = p->file;
    p->used = 0;
    if (idx < 0)
        return;
    if (d->h.status != STATUS_SUCCESS || d->pos < SMB2_HDR_BYTES + 64 + 16) {
        if (d->h.status == STATUS_SUCCESS)
            s->c.malformed[RW_TOCLIENT]++;
        sm_file_drop(s, idx, 1);
        return;
    }
    old = sm_file_by_fid(s, d->buf + SMB2_HDR_BYTES + 64);
    if (old >= 0 && old != idx)
        sm_file_drop(s, old, s->files[old].close_req ? 0 : 1);
    memcpy(s->files[idx].fid, d->buf + SMB2_HDR_BYTES + 64, 16);
    s->files[idx].has_fid = 1;
    s->c.creates_ok++;
}

static void write_req(struct rw_smb *s, struct smb_dir *d)
{
    struct rw_cur c;
    uint16_t doff;
    uint32_t len;
    uint64_t off;
    int idx;

    if (d->pos < SMB2_HDR_BYTES + WRITE_REQ_BYTES) {
        s->c.malformed[RW_TOSERVER]++;
        return;
    }
    rd_at(d->buf, SMB2_HDR_BYTES + 2, d->pos, &c);
    if (rw_rd_u16le(&c, &doff) != 0 || rw_rd_u32le(&c, &len) != 0 || rd_u64le(&c, &off) != 0)
        return; /* cannot happen: the length was checked */
    idx = sm_file_for(s, d, d->buf + SMB2_HDR_BYTES + 16, 1);
    if (sm_plan_data(s, RW_TOSERVER, doff, len, off, idx) == 0)
        s->c.writes++;
}

static void read_req(struct rw_smb *s, struct smb_dir *d)
{
    struct rw_cur c;
    uint64_t off;
    struct smb_pending *p;

    if (d->pos < SMB2_HDR_BYTES + READ_REQ_BYTES) {
        s->c.malformed[RW_TOSERVER]++;
        return;
    }
    rd_at(d->buf, SMB2_HDR_BYTES + 8, d->pos, &c);
    if (rd_u64le(&c, &off) != 0)
        return; /* cannot happen: the length was checked */
    p = sm_pending_add(s, SMB2_READ, d->h.mid, sm_file_for(s, d, d->buf + SMB2_HDR_BYTES + 16, 1));
    p->offset = off;
}

static void read_resp(struct rw_smb *s, struct smb_dir *d)
{
    struct smb_pending *p = sm_pending_find(s, SMB2_READ, d->h.mid);
    struct rw_cur c;
    uint8_t doff;
    uint32_t len;
    int idx;
    uint64_t off;

    if (p == NULL) {
        s->c.responses_orphan++;
        return;
    }
    if (d->h.status == STATUS_PENDING) {
        s->c.async_interim++;
        return;
    }
    idx = p->file;
    off = p->offset;
    p->used = 0;
    if (d->h.status != STATUS_SUCCESS && d->h.status != STATUS_BUFFER_OVERFLOW)
        return;
    if (d->pos < SMB2_HDR_BYTES + READ_RESP_BYTES) {
        s->c.malformed[RW_TOCLIENT]++;
        return;
    }
    rd_at(d->buf, SMB2_HDR_BYTES + 2, d->pos, &c);
    if (rw_rd_u8(&c, &doff) != 0 || rw_cur_skip(&c, 1) != 0 || rw_rd_u32le(&c, &len) != 0)
        return; /* cannot happen: the length was checked */
    if (sm_plan_data(s, RW_TOCLIENT, doff, len, off, idx) == 0)
        s->c.reads++;
}

static void close_req(struct rw_smb *s, struct smb_dir *d)
{
    int idx;

    s->c.closes++;
    if (d->pos < SMB2_HDR_BYTES + CLOSE_REQ_BYTES) {
        s->c.malformed[RW_TOSERVER]++;
        return;
    }
    idx = sm_file_for(s, d, d->buf + SMB2_HDR_BYTES + 8, 0);
    if (idx >= 0)
        s->files[idx].close_req = 1;
    sm_pending_add(s, SMB2_CLOSE, d->h.mid, idx);
}

static void close_resp(struct rw_smb *s, struct smb_dir *d)
{
    struct smb_pending *p = sm_pending_find(s, SMB2_CLOSE, d->h.mid);
    int idx;

    if (p == NULL) {
        s->c.responses_orphan++;
        return;
    }
    if (d->h.status == STATUS_PENDING) {
        s->c.async_interim++;
        return;
    }
    idx = p->file;
    p->used = 0;
    if (idx >= 0 && d->h.status == STATUS_SUCCESS)
        sm_file_drop(s, idx, 0);
}

static void tree_resp(struct rw_smb *s, struct smb_dir *d)
{
    if (d->h.status != STATUS_SUCCESS || (d->h.flags & SMB2_FLAGS_ASYNC_COMMAND))
        return;
    if (d->pos < SMB2_HDR_BYTES + TREE_CONNECT_RESP_BYTES) {
        s->c.malformed[RW_TOCLIENT]++;
        return;
    }
    if (d->buf[SMB2_HDR_BYTES + 2] == SHARE_TYPE_PIPE)
        sm_add_pipe_tree(s, d->h.tree_id);
}

/* Bytes of a command to gather before acting (header included). */
static uint32_t command_wants(uint16_t cmd, uint8_t dir)
{
    if (dir == RW_TOSERVER) {
        switch (cmd) {
        case SMB2_CREATE:
            return RW_SMB_HEAD_MAX_BYTES;
        case SMB2_WRITE:
            return SMB2_HDR_BYTES + WRITE_REQ_BYTES;
        case SMB2_READ:
            return SMB2_HDR_BYTES + READ_REQ_BYTES;
        case SMB2_CLOSE:
            return SMB2_HDR_BYTES + CLOSE_REQ_BYTES;
        default:
            return SMB2_HDR_BYTES;
        }
    }
    switch (cmd) {
    case SMB2_TREE_CONNECT:
        return SMB2_HDR_BYTES + TREE_CONNECT_RESP_BYTES;
    case SMB2_CREATE:
        return SMB2_HDR_BYTES + CREATE_RESP_BYTES;
    case SMB2_READ:
        return SMB2_HDR_BYTES + READ_RESP_BYTES;
    case SMB2_CLOSE:
        return SMB2_HDR_BYTES; /* only the status matters */
    default:
        return SMB2_HDR_BYTES;
    }
}

static void command(struct rw_smb *s, uint8_t dir)
{
    struct smb_dir *d = &s->d[dir];

    if (dir == RW_TOSERVER) {
        switch (d->h.cmd) {
        case SMB2_CREATE:
            create_req(s, d);
            break;
        case SMB2_WRITE:
            write_req(s, d);
            break;
        case SMB2_READ:
            read_req(s, d);
            break;
        case SMB2_CLOSE:
            close_req(s, d);
            break;
        default:
            break;
        }
        return;
    }
    switch (d->h.cmd) {
    case SMB2_TREE_CONNECT:
        tree_resp(s, d);
        break;
    case SMB2_CREATE:
        create_resp(s, d);
        break;
    case SMB2_READ:
        read_resp(s, d);
        break;
    case SMB2_CLOSE:
        close_resp(s, d);
        break;
    default:
        break;
    }
}

/* ---- framing ---------------------------------------------------------------------- */

static void lose(struct rw_smb *s, uint8_t dir)
{
    s->c.lost[dir]++;
    s->d[dir].st = ST_LOST;
    s->d[dir].data_file = -1;
    s->d[dir].fill = NULL;
    rw_free(s->d[dir].buf); /* nothing more is read this way */
    s->d[dir].buf = NULL;
}

/* Skips the rest of the NetBIOS message. */
static void skip_message(struct smb_dir *d)
{
    d->st = d->nb_left > 0 ? ST_SKIP : ST_NB;
}

/* Starts the next SMB message inside the NetBIOS message (nb_left > 0). */
static void pdu_begin(struct rw_smb *s, uint8_t dir)
{
    struct smb_dir *d = &s->d[dir];

    d->pos = 0;
    d->want = 4;
    d->pdu_len = 0;
    d->smb1 = 0;
    d->base = 0;
    d->andx_next = 0;
    d->data_start = d->data_end = 0;
    d->data_file = -1;
    d->fill = NULL;
    if (d->nb_left < 4) {
        s->c.malformed[dir]++;
        skip_message(d);
        return;
    }
    d->st = ST_HEAD;
}

static void pdu_end(struct rw_smb *s, uint8_t dir)
{
    struct smb_dir *d = &s->d[dir];

    d->data_file = -1;
    d->fill = NULL;
    if (d->nb_left == 0) {
        d->st = ST_NB;
        return;
    }
    d->first = 0;
    pdu_begin(s, dir);
}

/* The head is gathered (and acted on): stream the rest of the message. */
static void enter_body(struct rw_smb *s, uint8_t dir)
{
    struct smb_dir *d = &s->d[dir];

    d->st = ST_BODY;
    if (d->pos == d->pdu_len)
        pdu_end(s, dir);
}

static void nb_header(struct rw_smb *s, uint8_t dir)
{
    struct smb_dir *d = &s->d[dir];
    uint8_t type = d->nb[0];

    d->nb_have = 0;
    d->chain_file = -1;
    if (type == NBSS_SESSION_MESSAGE) {
        s->c.nbss_msgs[dir]++;
        d->nb_left = (uint32_t)d->nb[1] << 16 | (uint32_t)d->nb[2] << 8 | d->nb[3];
        d->first = 1;
        if (d->nb_left == 0)
            d->st = ST_NB;
        else
            pdu_begin(s, dir);
        return;
    }
    if (type >= 0x81 && type <= 0x85) {
        /* RFC 1002 4.3.1: E bit extends the 16-bit length. */
        s->c.nbss_other[dir]++;
        d->nb_left = (uint32_t)(d->nb[1] & 1) << 16 | (uint32_t)d->nb[2] << 8 | d->nb[3];
        skip_message(d);
        return;
    }
    lose(s, dir);
}

/* The first four bytes of an SMB message name its protocol. */
static void head_magic(struct rw_smb *s, uint8_t dir)
{
    struct smb_dir *d = &s->d[dir];
    const uint8_t *b = d->buf;

    if (b[1] == 'S' && b[2] == 'M' && b[3] == 'B') {
        switch (b[0]) {
        case 0xfe:
            if (d->nb_left + 4 < SMB2_HDR_BYTES) {
                s->c.malformed[dir]++;
                skip_message(d);
                return;
            }
            d->want = SMB2_HDR_BYTES;
            return;
        case 0xfd:
            s->c.encrypted_msgs[dir]++;
            s->c.encrypted_bytes[dir] += 4 + (uint64_t)d->nb_left;
            skip_message(d);
            return;
        case 0xfc:
            s->c.compressed_msgs[dir]++;
            skip_message(d);
            return;
        case 0xff:
            s->c.smb1_msgs[dir]++;
            if (d->nb_left + 4 < SMB1_WORDS) {
                s->c.malformed[dir]++;
                skip_message(d);
                return;
            }
            d->pdu_len = d->pos + d->nb_left; /* one message: AndX chains stay inside */
            d->data_start = d->data_end = d->pdu_len;
            sm_smb1_begin(d);
            return;
        default:
            break;
        }
    }
    s->c.malformed[dir]++;
    skip_message(d);
}

/* The 64-byte SMB2 header is in: read it, size the message, decide what to gather. */
static void head_smb2(struct rw_smb *s, uint8_t dir)
{
    struct smb_dir *d = &s->d[dir];
    struct rw_cur c;
    uint32_t rest = d->pos + d->nb_left, want;

    rw_cur_init(&c, d->buf + 8, SMB2_HDR_BYTES - 8);
    memset(&d->h, 0, sizeof(d->h));
    if (rw_rd_u32le(&c, &d->h.status) != 0 || rw_rd_u16le(&c, &d->h.cmd) != 0 ||
        rw_cur_skip(&c, 2) != 0 || rw_rd_u32le(&c, &d->h.flags) != 0 ||
        rw_rd_u32le(&c, &d->h.next_cmd) != 0 || rd_u64le(&c, &d->h.mid) != 0 ||
        rw_cur_skip(&c, 4) != 0 || rw_rd_u32le(&c, &d->h.tree_id) != 0)
        return; /* cannot happen: 64 bytes are in */
    if (d->h.flags & SMB2_FLAGS_ASYNC_COMMAND)
        d->h.tree_id = 0; /* the 8 bytes are the AsyncId */
    s->c.smb2_msgs[dir]++;
    if (!d->first)
        s->c.compounded[dir]++;
    d->pdu_len = rest;
    if (d->h.next_cmd != 0) {
        if (d->h.next_cmd < SMB2_HDR_BYTES || d->h.next_cmd > rest)
            s->c.malformed[dir]++; /* the rest of the NetBIOS message is this one */
        else
            d->pdu_len = d->h.next_cmd;
    }
    d->data_start = d->data_end = d->pdu_len;
    if (((d->h.flags & SMB2_FLAGS_SERVER_TO_REDIR) != 0) != (dir == RW_TOCLIENT)) {
        /* A response from the client or a request from the server: not acted on. */
        s->c.malformed[dir]++;
        enter_body(s, dir);
        return;
    }
    want = command_wants(d->h.cmd, dir);
    if (want > d->pdu_len)
        want = d->pdu_len;
    d->want = want;
    if (d->want <= d->pos) {
        command(s, dir);
        enter_body(s, dir);
    }
}

static void head_done(struct rw_smb *s, uint8_t dir)
{
    struct smb_dir *d = &s->d[dir];

    if (d->pos == 4) {
        head_magic(s, dir);
        return;
    }
    if (d->smb1) {
        if (sm_smb1_head(s, dir) == 0)
            enter_body(s, dir);
        return;
    }
    if (d->pos == SMB2_HDR_BYTES && d->pdu_len == 0) {
        head_smb2(s, dir);
        return;
    }
    command(s, dir);
    enter_body(s, dir);
}

/* Consumes up to n bytes (p NULL: missing bytes) of the message body; returns how many. */
static size_t body(struct rw_smb *s, uint8_t dir, const uint8_t *p, uint64_t n)
{
    struct smb_dir *d = &s->d[dir];
    uint64_t k;

    uint32_t stop = d->andx_next > d->pos ? d->andx_next : d->pdu_len;

    if (p == NULL && d->andx_next > d->pos && n >= d->andx_next - d->pos) {
        /* The chained command's words are in a gap: the chain ends here. */
        s->c.andx_stopped[dir]++;
        d->andx_next = 0;
        stop = d->pdu_len;
    }
    if (d->pos < d->data_start && d->data_start < stop) {
        k = d->data_start - d->pos;
    } else if (d->pos >= d->data_start && d->pos < d->data_end) {
        k = d->data_end - d->pos;
        if (k > n)
            k = n;
        if (dir == RW_TOSERVER)
            s->c.write_bytes += k;
        else
            s->c.read_bytes += k;
        sm_file_bytes(s, d->data_file, dir, d->data_off + (d->pos - d->data_start), p, k,
                      d->data_end - d->pos);
    } else {
        k = stop - d->pos;
    }
    if (k > n)
        k = n;
    d->pos += (uint32_t)k;
    d->nb_left -= (uint32_t)k;
    if (d->andx_next != 0 && d->pos == d->andx_next)
        sm_smb1_resume(d); /* the next command of the AndX chain is to be gathered */
    else if (d->pos == d->pdu_len)
        pdu_end(s, dir);
    return (size_t)k;
}

void rw_smb_data(struct rw_smb *s, uint8_t dir, const uint8_t *p, size_t n)
{
    struct smb_dir *d;

    if (s == NULL || s->ended || dir > RW_TOCLIENT || p == NULL)
        return;
    d = &s->d[dir];
    while (n > 0) {
        size_t k;

        switch (d->st) {
        case ST_NB:
            k = 4 - d->nb_have;
            if (k > n)
                k = n;
            memcpy(d->nb + d->nb_have, p, k);
            d->nb_have = (uint8_t)(d->nb_have + k);
            if (d->nb_have == 4)
                nb_header(s, dir);
            break;
        case ST_HEAD:
            if (d->buf == NULL) {
                d->buf = rw_malloc(RW_SMB_HEAD_MAX_BYTES);
                if (d->buf == NULL) {
                    s->c.nomem++;
                    lose(s, dir);
                    continue;
                }
            }
            k = d->want - d->pos;
            if (k > n)
                k = n;
            memcpy(d->buf + (d->pos - d->base), p, k);
            d->pos += (uint32_t)k;
            d->nb_left -= (uint32_t)k;
            if (d->pos == d->want)
                head_done(s, dir);
            break;
        case ST_BODY:
            k = body(s, dir, p, n);
            break;
        case ST_SKIP:
            k = d->nb_left < n ? d->nb_left : n;
            d->nb_left -= (uint32_t)k;
            if (d->nb_left == 0)
                d->st = ST_NB;
            break;
        default:
            s->c.lost_bytes[dir] += n;
            return;
        }
        p += k;
        n -= k;
    }
    /* A head is held only while it spans packets: between messages the buffer goes. */
    if (d->st != ST_HEAD && d->buf != NULL) {
        rw_free(d->buf);
        d->buf = NULL;
    }
}

void rw_smb_gap(struct rw_smb *s, uint8_t dir, uint64_t n)
{
    struct smb_dir *d;

    if (s == NULL || s->ended || dir > RW_TOCLIENT || n == 0)
        return;
    d = &s->d[dir];
    s->c.gaps[dir]++;
    if (d->st == ST_LOST) {
        s->c.lost_bytes[dir] += n;
        return;
    }
    if (d->st == ST_SKIP && n <= d->nb_left) {
        d->nb_left -= (uint32_t)n;
        if (d->nb_left == 0)
            d->st = ST_NB;
        return;
    }
    if (d->st == ST_BODY && n <= d->pdu_len - d->pos) {
        while (n > 0 && d->st == ST_BODY)
            n -= body(s, dir, NULL, n);
        return;
    }
    lose(s, dir);
    s->c.lost_bytes[dir] += n;
}

void rw_smb_end(struct rw_smb *s)
{
    if (s == NULL || s->ended)
        return;
    for (int i = 0; i < (int)s->files_cap; i++)
        if (s->files[i].used)
            sm_file_close(s, &s->files[i], s->files[i].close_req ? 0 : 1);
    for (int i = 0; i < 2; i++) {
        rw_free(s->d[i].buf);
        s->d[i].buf = NULL;
    }
    s->ended = 1;
}

size_t rw_smb_bytes(const struct rw_smb *p)
{
    if (p == NULL)
        return 0;
    return sizeof(*p) + (size_t)p->pending_cap * sizeof(*p->pending) +
           (size_t)p->files_cap * sizeof(*p->files) +
           p->ooo_bytes + p->name_bytes + (p->d[0].buf != NULL ? RW_SMB_HEAD_MAX_BYTES : 0) +
           (p->d[1].buf != NULL ? RW_SMB_HEAD_MAX_BYTES : 0);
}
