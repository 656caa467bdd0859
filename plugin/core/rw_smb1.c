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

/* Bytes of an SMB1 message to gather: header, words, ByteCount; a create's name too. */
uint32_t sm_smb1_wants(const struct smb_dir *d, uint8_t dir)
{
    uint8_t cmd = d->buf[4];

    if (dir == RW_TOSERVER && cmd == SMB1_NT_CREATE_ANDX)
        return RW_SMB_HEAD_MAX_BYTES;
    return SMB1_WORDS + 2u * d->buf[32] + 2u;
}

static void smb1_create_req(struct rw_smb *s, struct smb_dir *d, int unicode)
{
    char name[RW_FILE_NAME_MAX_BYTES];
    uint32_t at = SMB1_WORDS + 48 + 2, nlen;
    size_t name_len = 0, have;
    int invalid = 0, cut = 0, short_buf;

    s->c.creates++;
    if (d->buf[32] != 24 || d->pos < at) {
        s->c.malformed[RW_TOSERVER]++;
        return;
    }
    nlen = le16(d->buf + SMB1_WORDS + 5);
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
        while (have >= 2 && d->buf[at + have - 2] == 0 && d->buf[at + have - 1] == 0)
            have -= 2; /* the terminating NUL */
        name_len = rw__smb_utf16_to_utf8(d->buf + at, have, name, sizeof(name), &invalid,
                                         &cut);
    } else {
        /* OEM names: read as Latin-1; the terminating NUL dropped. */
        for (size_t i = 0; i < have && d->buf[at + i] != 0; i++) {
            uint8_t b = d->buf[at + i];
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
    sm_pending_add(s, SMB1_CMD_BASE | SMB1_NT_CREATE_ANDX, d->h.mid,
                   sm_file_new(s, name, name_len));
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
    if (d->h.status != STATUS_SUCCESS || d->buf[32] < 34 || d->pos < SMB1_WORDS + 65) {
        if (d->h.status == STATUS_SUCCESS)
            s->c.malformed[RW_TOCLIENT]++;
        sm_file_drop(s, idx, 1);
        return;
    }
    smb1_fid(d->buf + SMB1_WORDS + 5, fid);
    old = sm_file_by_fid(s, fid);
    if (old >= 0 && old != idx)
        sm_file_drop(s, old, s->files[old].close_req ? 0 : 1);
    memcpy(s->files[idx].fid, fid, 16);
    s->files[idx].has_fid = 1;
    if (le16(d->buf + SMB1_WORDS + 63) != 0) {
        s->files[idx].pipe = 1; /* ResourceType: a named pipe or a device */
        s->c.pipes++;
    }
    s->c.creates_ok++;
}

static void smb1_write_req(struct rw_smb *s, struct smb_dir *d)
{
    const uint8_t *w = d->buf + SMB1_WORDS;
    uint8_t fid[16];
    uint64_t off;
    uint32_t len;

    if ((d->buf[32] != 12 && d->buf[32] != 14) || d->pos < SMB1_WORDS + 2u * d->buf[32]) {
        s->c.malformed[RW_TOSERVER]++;
        return;
    }
    off = le32(w + 6);
    if (d->buf[32] == 14)
        off |= (uint64_t)le32(w + 24) << 32;
    len = (uint32_t)le16(w + 18) << 16 | le16(w + 20);
    smb1_fid(w + 4, fid);
    if (sm_plan_data(s, RW_TOSERVER, le16(w + 22), len, off, sm_file_for(s, d, fid, 1)) == 0)
        s->c.writes++;
}

static void smb1_read_req(struct rw_smb *s, struct smb_dir *d)
{
    const uint8_t *w = d->buf + SMB1_WORDS;
    uint8_t fid[16];
    struct smb_pending *p;
    uint64_t off;

    if ((d->buf[32] != 10 && d->buf[32] != 12) || d->pos < SMB1_WORDS + 2u * d->buf[32]) {
        s->c.malformed[RW_TOSERVER]++;
        return;
    }
    off = le32(w + 6);
    if (d->buf[32] == 12)
        off |= (uint64_t)le32(w + 20) << 32;
    smb1_fid(w + 4, fid);
    p = sm_pending_add(s, SMB1_CMD_BASE | SMB1_READ_ANDX, d->h.mid, sm_file_for(s, d, fid, 1));
    p->offset = off;
}

static void smb1_read_resp(struct rw_smb *s, struct smb_dir *d)
{
    struct smb_pending *p = sm_pending_find(s, SMB1_CMD_BASE | SMB1_READ_ANDX, d->h.mid);
    const uint8_t *w = d->buf + SMB1_WORDS;
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
    if (d->buf[32] != 12 || d->pos < SMB1_WORDS + 24) {
        s->c.malformed[RW_TOCLIENT]++;
        return;
    }
    len = (uint32_t)le16(w + 14) << 16 | le16(w + 10);
    if (sm_plan_data(s, RW_TOCLIENT, le16(w + 12), len, off, idx) == 0)
        s->c.reads++;
}

static void smb1_close_req(struct rw_smb *s, struct smb_dir *d)
{
    uint8_t fid[16];
    int idx;

    s->c.closes++;
    if (d->buf[32] != 3 || d->pos < SMB1_WORDS + 6) {
        s->c.malformed[RW_TOSERVER]++;
        return;
    }
    smb1_fid(d->buf + SMB1_WORDS, fid);
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

/* The gathered SMB1 message: header fields into d->h, then the command. */
void sm_smb1_command(struct rw_smb *s, uint8_t dir)
{
    struct smb_dir *d = &s->d[dir];
    const uint8_t *b = d->buf;
    int reply = (b[9] & SMB1_FLAGS_REPLY) != 0;

    memset(&d->h, 0, sizeof(d->h));
    d->h.cmd = (uint16_t)(SMB1_CMD_BASE | b[4]);
    d->h.status = le32(b + 5);
    d->h.mid = (uint64_t)le16(b + 26) << 16 | le16(b + 30);
    d->h.tree_id = UINT32_MAX;
    if (reply != (dir == RW_TOCLIENT)) {
        s->c.malformed[dir]++;
        return;
    }
    switch (b[4] | (dir == RW_TOCLIENT ? 0x100 : 0)) {
    case SMB1_NT_CREATE_ANDX:
        smb1_create_req(s, d, (le16(b + 10) & SMB1_FLAGS2_UNICODE) != 0);
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
