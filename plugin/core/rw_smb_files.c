/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_smb_files.c — the SMB parser's tables (files by FileId, pending requests, pipe trees)
 * and file data: in order to the sink, out-of-order READ answers held (bounded). */
#include "rw_smb_int.h"

#include <string.h>

#include "rw_alloc.h"

static const uint8_t fid_related[16] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};
/* ---- tables ---------------------------------------------------------------------- */

int sm_is_pipe_tree(const struct rw_smb *s, uint32_t tree_id)
{
    for (size_t i = 0; i < s->pipe_trees_n; i++)
        if (s->pipe_trees[i] == tree_id)
            return 1;
    return 0;
}

void sm_add_pipe_tree(struct rw_smb *s, uint32_t tree_id)
{
    if (sm_is_pipe_tree(s, tree_id))
        return;
    s->pipe_trees[s->pipe_trees_next] = tree_id;
    s->pipe_trees_next = (uint8_t)((s->pipe_trees_next + 1) % RW_SMB_PIPE_TREES_MAX);
    if (s->pipe_trees_n < RW_SMB_PIPE_TREES_MAX)
        s->pipe_trees_n++;
}

static void ooo_drain(struct rw_smb *s, int idx, int all);

void sm_file_close(struct rw_smb *s, struct smb_file *f, int truncated)
{
    if (!f->opened)
        return;
    ooo_drain(s, (int)(f - s->files), 1);
    f->opened = 0;
    s->open_count--;
    s->c.files_closed++;
    if (s->sink.file_close != NULL)
        s->sink.file_close(s->sink.ctx, f->sink_id, truncated);
}

/* Forgets file idx: closes it if open and drops every reference to it. */
void sm_file_drop(struct rw_smb *s, int idx, int truncated)
{
    struct smb_file *f = &s->files[idx];

    sm_file_close(s, f, truncated);
    ooo_drain(s, idx, 1);
    if (f->name != NULL)
        s->name_bytes -= f->name_len + 1;
    rw_free(f->name);
    memset(f, 0, sizeof(*f));
    for (size_t i = 0; i < s->pending_cap; i++)
        if (s->pending[i].used && s->pending[i].file == idx)
            s->pending[i].file = -1;
    for (int i = 0; i < 2; i++) {
        if (s->d[i].data_file == idx)
            s->d[i].data_file = -1;
        if (s->d[i].chain_file == idx)
            s->d[i].chain_file = -1;
    }
}

/* Doubles a table of *cap entries of size bytes (from SMB_TABLE_FIRST), up to max entries,
 * zeroing the new ones. 0, or -1 when it is at max or memory is short (counted). */
static int table_grow(struct rw_smb *s, void **tab, uint32_t *cap, size_t size, uint32_t max)
{
    uint32_t n = *cap == 0 ? SMB_TABLE_FIRST : *cap * 2;
    uint8_t *t;

    if (*cap >= max)
        return -1;
    if (n > max)
        n = max;
    t = rw_realloc(*tab, (size_t)n * size);
    if (t == NULL) {
        s->c.nomem++;
        return -1;
    }
    memset(t + (size_t)*cap * size, 0, (size_t)(n - *cap) * size);
    *tab = t;
    *cap = n;
    return 0;
}

/* A free file slot, growing the table or evicting the least recently used entry when it is
 * full. -1 when there is none at all (no memory for the first). */
int sm_file_alloc(struct rw_smb *s)
{
    int victim = 0;
    uint32_t old = s->files_cap;
    void *tab = s->files;

    for (int i = 0; i < (int)s->files_cap; i++) {
        if (!s->files[i].used)
            return i;
        if (s->files[i].lru < s->files[victim].lru)
            victim = i;
    }
    if (table_grow(s, &tab, &s->files_cap, sizeof(*s->files), RW_SMB_FILEIDS_MAX) == 0) {
        s->files = tab;
        return (int)old;
    }
    if (s->files_cap == 0)
        return -1;
    s->c.fileids_evicted++;
    sm_file_drop(s, victim, 1);
    return victim;
}

int sm_file_by_fid(struct rw_smb *s, const uint8_t *fid)
{
    for (int i = 0; i < (int)s->files_cap; i++)
        if (s->files[i].used && s->files[i].has_fid && memcmp(s->files[i].fid, fid, 16) == 0)
            return i;
    return -1;
}

/* The file a WRITE, READ or CLOSE names: the chain's CREATE for an SMB2 related
 * operation's all-ones FileId and for any SMB1 command chained after an NT_CREATE_ANDX
 * (its FID is not known yet: the server uses the chain's open), else the FileId's entry,
 * made (nameless) when the CREATE was not seen. -1 when there is none. */
int sm_file_for(struct rw_smb *s, struct smb_dir *d, const uint8_t *fid, int make)
{
    int idx;

    if (d->smb1 ? d->chain_file >= 0
                : (d->h.flags & SMB2_FLAGS_RELATED_OPERATIONS) &&
                      memcmp(fid, fid_related, 16) == 0)
        idx = d->chain_file;
    else
        idx = sm_file_by_fid(s, fid);
    if (idx < 0 && make && memcmp(fid, fid_related, 16) != 0) {
        s->c.fileid_unknown++;
        idx = sm_file_alloc(s);
        if (idx < 0)
            return -1;
        s->files[idx].used = 1;
        s->files[idx].has_fid = 1;
        memcpy(s->files[idx].fid, fid, 16);
    }
    if (idx >= 0)
        s->files[idx].lru = ++s->clock;
    return idx;
}

struct smb_pending *sm_pending_add(struct rw_smb *s, uint16_t cmd, uint64_t mid, int file)
{
    struct smb_pending *victim = s->pending, *p = NULL;
    uint32_t old = s->pending_cap;
    void *tab = s->pending;

    for (size_t i = 0; i < s->pending_cap && p == NULL; i++) {
        if (!s->pending[i].used)
            p = &s->pending[i];
        else if (s->pending[i].seq < victim->seq)
            victim = &s->pending[i];
    }
    if (p == NULL &&
        table_grow(s, &tab, &s->pending_cap, sizeof(*s->pending), RW_SMB_PENDING_MAX) == 0) {
        s->pending = tab;
        p = &s->pending[old];
    } else if (p == NULL && victim != NULL) {
        s->c.pending_evicted++;
        p = victim;
    } else if (p == NULL) {
        p = &s->scratch; /* no memory for the first: this request is not remembered */
    }
    memset(p, 0, sizeof(*p));
    p->used = 1;
    p->cmd = cmd;
    p->mid = mid;
    p->file = file;
    p->seq = ++s->clock;
    return p;
}

struct smb_pending *sm_pending_find(struct rw_smb *s, uint16_t cmd, uint64_t mid)
{
    for (size_t i = 0; i < s->pending_cap; i++)
        if (s->pending[i].used && s->pending[i].cmd == cmd && s->pending[i].mid == mid)
            return &s->pending[i];
    return NULL;
}

/* ---- file data --------------------------------------------------------------------- */

/* Opens f at its first data in direction dir; returns 0 when its data may be fed. */
static int file_ready(struct rw_smb *s, struct smb_file *f, uint8_t dir)
{
    struct rw_xfer_meta meta;

    if (f->opened)
        return 0;
    if (f->over_limit)
        return -1;
    if (s->open_count >= RW_FILES_PER_FLOW_MAX) {
        f->over_limit = 1;
        s->c.files_over_limit++;
        return -1;
    }
    memset(&meta, 0, sizeof(meta));
    meta.app_proto = "smb";
    meta.method = dir == RW_TOSERVER ? "WRITE" : "READ";
    meta.uri = f->name;
    f->opened = 1;
    f->dir = dir;
    s->open_count++;
    s->c.files_opened++;
    f->sink_id = 0;
    if (s->sink.file_open != NULL)
        f->sink_id = s->sink.file_open(s->sink.ctx, dir, f->name != NULL ? f->name : "",
                                       f->name_len, &meta);
    if (f->sink_id == 0)
        s->c.files_untracked++;
    return 0;
}

/* Bytes [off, off + n) of open file f in its stream: p holds them, or NULL for a gap. */
static void file_put(struct rw_smb *s, struct smb_file *f, uint64_t off, const uint8_t *p,
                     uint64_t n)
{
    if (off + n <= f->next) {
        s->c.bytes_rewritten += n;
        return;
    }
    if (off < f->next) {
        uint64_t k = f->next - off;

        s->c.bytes_rewritten += k;
        if (p != NULL)
            p += k;
        n -= k;
        off = f->next;
    }
    if (p == NULL) {
        /* A hole in the capture: the file's bytes up to off + n are missing. */
        if (s->sink.file_gap != NULL)
            s->sink.file_gap(s->sink.ctx, f->sink_id, off + n - f->next);
        f->next = off + n;
        return;
    }
    if (off > f->next) {
        s->c.offset_gaps++;
        if (s->sink.file_gap != NULL)
            s->sink.file_gap(s->sink.ctx, f->sink_id, off - f->next);
    }
    if (s->sink.file_data != NULL)
        s->sink.file_data(s->sink.ctx, f->sink_id, p, (size_t)n);
    f->next = off + n;
}

/* Holds [off, off + n) of file idx (ahead of its next offset) in the list, in offset
 * order: a hole, or data with room for the rest bytes of its message from off on, which
 * the message's later pieces fill (dir's fill). The bound is thus met or missed by the
 * whole message at its first piece, however it is split. 0, or -1 when the bound or
 * memory says no (counted): the caller feeds it now. */
static int ooo_hold(struct rw_smb *s, uint8_t dir, int idx, uint64_t off, const uint8_t *p,
                    uint64_t n, uint64_t rest)
{
    uint64_t room = p != NULL ? rest : 0;
    struct smb_ooo *o, **at;

    if (room > RW_SMB_OOO_MAX_BYTES ||
        s->ooo_bytes + sizeof(struct smb_ooo) + room > RW_SMB_OOO_MAX_BYTES) {
        s->c.ooo_overflow++;
        return -1;
    }
    o = rw_malloc(sizeof(struct smb_ooo) + (size_t)room);
    if (o == NULL) {
        s->c.nomem++;
        return -1;
    }
    o->file = idx;
    o->hole = p == NULL;
    o->off = off;
    o->len = p != NULL ? room : n;
    o->have = n;
    if (p != NULL) {
        memcpy(o->data, p, (size_t)n);
        s->d[dir].fill = o;
    }
    at = &s->ooo;
    while (*at != NULL && (*at)->off <= off)
        at = &(*at)->next;
    o->next = *at;
    *at = o;
    s->ooo_bytes += sizeof(*o) + (size_t)room;
    s->c.ooo_held++;
    return 0;
}

/* Feeds file idx the held bytes its next offset has reached (all of them, in offset
 * order with gaps between, when all is set), or forgets them when the file is not open. */
static void ooo_drain(struct rw_smb *s, int idx, int all)
{
    struct smb_ooo **at = &s->ooo;

    while (*at != NULL) {
        struct smb_ooo *o = *at;
        struct smb_file *f = &s->files[idx];

        if (o->file != idx) {
            at = &o->next;
            continue;
        }
        if (f->opened && !all && o->off > f->next)
            return;
        *at = o->next;
        s->ooo_bytes -= sizeof(*o) + (o->hole ? 0 : (size_t)o->len);
        for (int i = 0; i < 2; i++)
            if (s->d[i].fill == o)
                s->d[i].fill = NULL;
        if (f->opened)
            file_put(s, f, o->off, o->hole ? NULL : o->data, o->have);
        rw_free(o);
        at = &s->ooo;
    }
}

/* Bytes [off, off + n) of file idx, moving in dir: p holds them, or NULL for a gap; rest
 * is the bytes of their message's data from off on. Bytes ahead of the file's next offset
 * are held (bounded) until the bytes before them come and their message has ended. */
void sm_file_bytes(struct rw_smb *s, int idx, uint8_t dir, uint64_t off, const uint8_t *p,
                   uint64_t n, uint64_t rest)
{
    struct smb_ooo *o = s->d[dir].fill;
    struct smb_file *f;

    if (idx < 0 || n == 0)
        return;
    f = &s->files[idx];
    if (f->pipe) {
        s->c.pipe_bytes += n;
        return;
    }
    if (file_ready(s, f, dir) != 0)
        return;
    if (dir != f->dir) {
        s->c.bytes_wrong_dir += n;
        return;
    }
    s->d[dir].fill = NULL;
    if (o != NULL && p != NULL && o->file == idx && o->off + o->have == off &&
        n <= o->len - o->have) {
        /* The next piece of a message whose first piece was held: it joins its entry. */
        memcpy(o->data + o->have, p, (size_t)n);
        o->have += n;
        s->d[dir].fill = o;
        return;
    }
    if (off > f->next && f->next > 0 && ooo_hold(s, dir, idx, off, p, n, rest) == 0)
        return;
    if (off > f->next)
        ooo_drain(s, idx, 1); /* past the bound: what is held goes first, with its gaps */
    file_put(s, f, off, p, n);
    /* What is held comes after the whole message: feeding it after a piece would let held
     * bytes win over the rest of the message where they overlap as the message is split. */
    if (n == rest)
        ooo_drain(s, idx, 0);
}
