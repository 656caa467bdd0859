/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_smb1.c — SMB1 ([MS-CIFS]) commands: NT_CREATE_ANDX, WRITE_ANDX, READ_ANDX, CLOSE. */
#include "rw_smb_int.h"

#include <string.h>

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16;
}

/* An SMB1 FID as a 16-byte FileId: the FID, zeros, and a tag no SMB2 FileId needs. */
static void smb1_fid(const uint8_t *at, uint8_t *fid)
{
    memset(fid, 0, 16);
    fid[0] = at[0];
    fid[1] = at[1];
    fid[14] = 'S';
    fid[15] = '1';
}

/* The message byte at offset off (base <= off < pos). */
#define B(d, off) ((d)->buf + ((off) - (d)->base))

/* Bytes of the current command to gather (to its offset): WordCount, words, ByteCount; a
 * create's name too, as far as the buffer goes. */
static uint32_t smb1_wants(const struct smb_dir *d, uint8_t dir)
{
    if (dir == RW_TOSERVER && d->cmd1 == SMB1_NT_CREATE_ANDX)
        return d->base + RW_SMB_HEAD_MAX_BYTES;
    return d->at + 1u + 2u * *B(d, d->at) + 2u;
}

/* The command's words: w points at them, wc counts them, have is the bytes from WordCount
 * on that are in the buffer. */
#define WORDS(d) B(d, (d)->at + 1)
#define WC(d) (*B(d, (d)->at))
#define HAVE(d) ((d)->pos - (d)->at)

/* The data region of a WRITE_ANDX or READ_ANDX: len bytes at doff (from the header). The
 * bytes already gathered into the buffer (a chained command's data can be) are fed now,
 * the rest streams. Returns 0, or -1 (counted) when the region lies. */
static int smb1_data(struct rw_smb *s, uint8_t dir, uint32_t doff, uint32_t len,
                     uint64_t foff, int idx)
{
    struct smb_dir *d = &s->d[dir];
    uint32_t n;

    if (len == 0)
        return 0;
    if (doff >= d->pos || doff < d->base)
        return sm_plan_data(s, dir, doff, len, foff, idx); /* checks and counts */
    if (len > d->pdu_len - doff || foff > UINT64_MAX - len) {
        s->c.malformed[dir]++;
        return -1;
    }
    n = d->pos - doff < len ? d->pos - doff : len;
    d->fill = NULL;
    if (dir == RW_TOSERVER)
        s->c.write_bytes += n;
    else
        s->c.read_bytes += n;
    sm_file_bytes(s, idx, dir, foff, B(d, doff), n, len);
    if (n == len)
        return 0;
    return sm_plan_data(s, dir, d->pos, len - n, foff + n, idx);
}

static void smb1_create_req(struct rw_smb *s, struct smb_dir *d, int unicode)
{
    char name[RW_FILE_NAME_MAX_BYTES];
    uint32_t at = d->at + 1 + 48 + 2, nlen;
    size_t name_len = 0, have;
    int invalid = 0, cut = 0, short_buf;

    s->c.creates++;
    if (WC(d) != 24 || d->pos < at) {
        s->c.malformed[RW_TOSERVER]++;
        return;
    }
    nlen = le16(WORDS(d) + 5);
    if (unicode && (at & 1))
        at++; /* the name is aligned to 2 from the header */
    if (at > d->pdu_len || nlen > d->pdu_len - at) {
        s->c.malformed[RW_TOSERVER]++;
        return;
    }
    have = at < d->pos ? d->pos - at : 0;
    if (have > nlen)
        have = nlen;
    short_buf = have < nlen;
    if (unicode) {
        while (have >= 2 && *B(d, at + have - 2) == 0 && *B(d, at + have - 1) == 0)
            have -= 2; /* the terminating NUL */
        name_len = rw__smb_utf16_to_utf8(B(d, at), have, name, sizeof(name), &invalid, &cut);
    } else {
        /* OEM names: read as Latin-1; the terminating NUL dropped. */
        for (size_t i = 0; i < have && *B(d, at + i) != 0; i++) {
            uint8_t b = *B(d, at + i);
            size_t k = b < 0x80 ? 1 : 2;

            if (sizeof(name) - name_len < k) {
                cut = 1;
                break;
            }
            if (k == 1) {
                name[name_len++] = (char)b;
            } else {
                name[name_len++] = (char)(0xc0 | b >> 6);
                name[name_len++] = (char)(0x80 | (b & 0x3f));
            }
        }
    }
    if (cut || short_buf)
        s->c.names_truncated++;
    if (invalid)
        s->c.names_invalid++;
    d->chain_file = sm_file_new(s, name, name_len);
    sm_pending_add(s, SMB1_CMD_BASE | SMB1_NT_CREATE_ANDX, d->h.mid, d->chain_file);
}

static void smb1_create_resp(struct rw_smb *s, struct smb_dir *d)
{
    struct smb_pending *p = sm_pending_find(s, SMB1_CMD_BASE | SMB1_NT_CREATE_ANDX, d->h.mid);
    uint8_t fid[16];
    int idx, old;

    if (p == NULL) {
        s->c.responses_orphan++;
        return;
    }
    idx = p->file;
    p->used = 0;
    if (idx < 0)
        return;
    if (d->h.status != STATUS_SUCCESS || WC(d) < 34 || HAVE(d) < 66) {
        if (d->h.status == STATUS_SUCCESS)
            s->c.malformed[RW_TOCLIENT]++;
        sm_file_drop(s, idx, 1);
        return;
    }
    smb1_fid(WORDS(d) + 5, fid);
    old = sm_file_by_fid(s, fid);
    if (old >= 0 && old != idx)
        sm_file_drop(s, old, s->files[old].close_req ? 0 : 1);
    memcpy(s->files[idx].fid, fid, 16);
    s->files[idx].has_fid = 1;
    if (le16(WORDS(d) + 63) != 0) {
        s->files[idx].pipe = 1; /* ResourceType: a named pipe or a device */
        s->c.pipes++;
    }
    s->c.creates_ok++;
}

static void smb1_write_req(struct rw_smb *s, struct smb_dir *d)
{
    const uint8_t *w = WORDS(d);
    uint8_t fid[16];
    uint64_t off;
    uint32_t len;

    if ((WC(d) != 12 && WC(d) != 14) || HAVE(d) < 1u + 2u * WC(d)) {
        s->c.malformed[RW_TOSERVER]++;
        return;
    }
    off = le32(w + 6);
    if (WC(d) == 14)
        off |= (uint64_t)le32(w + 24) << 32;
    len = (uint32_t)le16(w + 18) << 16 | le16(w + 20);
    smb1_fid(w + 4, fid);
    if (smb1_data(s, RW_TOSERVER, le16(w + 22), len, off, sm_file_for(s, d, fid, 1)) == 0)
        s->c.writes++;
}

static void smb1_read_req(struct rw_smb *s, struct smb_dir *d)
{
    const uint8_t *w = WORDS(d);
    uint8_t fid[16];
    struct smb_pending *p;
    uint64_t off;

    if ((WC(d) != 10 && WC(d) != 12) || HAVE(d) < 1u + 2u * WC(d)) {
        s->c.malformed[RW_TOSERVER]++;
        return;
    }
    off = le32(w + 6);
    if (WC(d) == 12)
        off |= (uint64_t)le32(w + 20) << 32;
    smb1_fid(w + 4, fid);
    p = sm_pending_add(s, SMB1_CMD_BASE | SMB1_READ_ANDX, d->h.mid, sm_file_for(s, d, fid, 1));
    p->offset = off;
}

static void smb1_read_resp(struct rw_smb *s, struct smb_dir *d)
{
    struct smb_pending *p = sm_pending_find(s, SMB1_CMD_BASE | SMB1_READ_ANDX, d->h.mid);
    const uint8_t *w = WORDS(d);
    uint32_t len;
    int idx;
    uint64_t off;

    if (p == NULL) {
        s->c.responses_orphan++;
        return;
    }
    idx = p->file;
    off = p->offset;
    p->used = 0;
    if (d->h.status != STATUS_SUCCESS && d->h.status != STATUS_BUFFER_OVERFLOW)
        return;
    if (WC(d) != 12 || HAVE(d) < 25) {
        s->c.malformed[RW_TOCLIENT]++;
        return;
    }
    len = (uint32_t)le16(w + 14) << 16 | le16(w + 10);
    if (smb1_data(s, RW_TOCLIENT, le16(w + 12), len, off, idx) == 0)
        s->c.reads++;
}

static void smb1_close_req(struct rw_smb *s, struct smb_dir *d)
{
    uint8_t fid[16];
    int idx;

    s->c.closes++;
    if (WC(d) != 3 || HAVE(d) < 7) {
        s->c.malformed[RW_TOSERVER]++;
        return;
    }
    smb1_fid(WORDS(d), fid);
    idx = sm_file_for(s, d, fid, 0);
    if (idx >= 0)
        s->files[idx].close_req = 1;
    sm_pending_add(s, SMB1_CMD_BASE | SMB1_CLOSE, d->h.mid, idx);
}

static void smb1_close_resp(struct rw_smb *s, struct smb_dir *d)
{
    struct smb_pending *p = sm_pending_find(s, SMB1_CMD_BASE | SMB1_CLOSE, d->h.mid);
    int idx;

    if (p == NULL) {
        s->c.responses_orphan++;
        return;
    }
    idx = p->file;
    p->used = 0;
    if (idx >= 0 && d->h.status == STATUS_SUCCESS)
        sm_file_drop(s, idx, 0);
}

/* [MS-CIFS] 2.2.3.4: the commands whose parameter block begins with the AndX words. */
static int smb1_is_andx(uint8_t cmd)
{
    switch (cmd) {
    case SMB1_LOCKING_ANDX:
    case SMB1_OPEN_ANDX:
    case SMB1_READ_ANDX:
    case SMB1_WRITE_ANDX:
    case SMB1_SESSION_SETUP_ANDX:
    case SMB1_LOGOFF_ANDX:
    case SMB1_TREE_CONNECT_ANDX:
    case SMB1_NT_CREATE_ANDX:
        return 1;
    default:
        return 0;
    }
}

static void smb1_dispatch(struct rw_smb *s, struct smb_dir *d, uint8_t dir)
{
    switch (d->cmd1 | (dir == RW_TOCLIENT ? 0x100 : 0)) {
    case SMB1_NT_CREATE_ANDX:
        smb1_create_req(s, d, d->unicode);
        break;
    case SMB1_NT_CREATE_ANDX | 0x100:
        smb1_create_resp(s, d);
        break;
    case SMB1_WRITE_ANDX:
        smb1_write_req(s, d);
        break;
    case SMB1_READ_ANDX:
        smb1_read_req(s, d);
        break;
    case SMB1_READ_ANDX | 0x100:
        smb1_read_resp(s, d);
        break;
    case SMB1_CLOSE:
        smb1_close_req(s, d);
        break;
    case SMB1_CLOSE | 0x100:
        smb1_close_resp(s, d);
        break;
    default:
        break;
    }
}

/* Reads the command at d->at (its words gathered) and finds the next one of the chain.
 * Returns 1 when the next command is to be read from d->at (re-based), 0 when the rest of
 * the message streams (to d->andx_next when the chain goes on past the gathered bytes). */
static int smb1_one(struct rw_smb *s, uint8_t dir)
{
    struct smb_dir *d = &s->d[dir];
    uint32_t status = d->h.status, next = 0, keep;
    uint8_t ncmd = SMB1_ANDX_NONE;

    if (d->at == SMB1_HDR_BYTES) {
        const uint8_t *b = d->buf;
        int reply = (b[9] & SMB1_FLAGS_REPLY) != 0;

        memset(&d->h, 0, sizeof(d->h));
        d->h.cmd = (uint16_t)(SMB1_CMD_BASE | b[4]);
        d->h.status = status = le32(b + 5);
        d->unicode = (le16(b + 10) & SMB1_FLAGS2_UNICODE) != 0;
        d->h.mid = (uint64_t)le16(b + 26) << 16 | le16(b + 30);
        d->h.tree_id = UINT32_MAX;
        if (reply != (dir == RW_TOCLIENT)) {
            s->c.malformed[dir]++;
            return 0;
        }
    } else {
        s->c.andx_cmds[dir]++;
    }
    d->andx_n++;
    if (smb1_is_andx(d->cmd1) && HAVE(d) >= 5 && WC(d) >= 2) {
        ncmd = WORDS(d)[0];
        next = le16(WORDS(d) + 2);
    }
    /* [MS-CIFS] 2.2.3.4: a chain's response stops at its first failing command, whose
     * status the header carries: a command followed by another one succeeded. */
    if (ncmd != SMB1_ANDX_NONE)
        d->h.status = STATUS_SUCCESS;
    smb1_dispatch(s, d, dir);
    d->h.status = status;
    if (ncmd == SMB1_ANDX_NONE)
        return 0;
    if (next <= d->at || next >= d->pdu_len || d->andx_n >= RW_SMB1_ANDX_MAX ||
        (d->data_end > d->pos && d->data_end > d->data_start && next < d->data_end)) {
        s->c.andx_stopped[dir]++;
        return 0;
    }
    d->cmd1 = ncmd;
    if (next > d->pos) {
        d->andx_next = next;
        return 0;
    }
    /* The next command is in the buffer already (or right after it): it becomes the
     * buffer's start. */
    keep = d->pos - next;
    memmove(d->buf, B(d, next), keep);
    d->base = d->at = next;
    return 1;
}

void sm_smb1_begin(struct smb_dir *d)
{
    d->smb1 = 1;
    d->base = 0;
    d->at = SMB1_HDR_BYTES;
    d->andx_next = 0;
    d->andx_n = 0;
    d->want = SMB1_WORDS;
}

int sm_smb1_head(struct rw_smb *s, uint8_t dir)
{
    struct smb_dir *d = &s->d[dir];

    for (;;) {
        if (d->smb1 == 1) {
            uint32_t want = d->at == SMB1_HDR_BYTES ? SMB1_WORDS : d->at + 1;

            if (d->pos < want) {
                d->want = want < d->pdu_len ? want : d->pdu_len;
                if (d->want > d->pos)
                    return 1;
            }
            if (d->pos <= d->at)
                return 0; /* cannot happen: the walk checked next < pdu_len */
            if (d->at == SMB1_HDR_BYTES)
                d->cmd1 = d->buf[4];
            want = smb1_wants(d, dir);
            d->smb1 = 2;
            d->want = want < d->pdu_len ? want : d->pdu_len;
            if (d->want > d->pos)
                return 1;
        }
        if (smb1_one(s, dir) == 0)
            return 0;
        d->smb1 = 1;
    }
}

void sm_smb1_resume(struct smb_dir *d)
{
    d->base = d->at = d->andx_next;
    d->andx_next = 0;
    d->smb1 = 1;
    d->want = d->at + 1;
    d->st = ST_HEAD;
}
