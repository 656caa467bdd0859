/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_smb.c — SMB2/SMB3 ([MS-SMB2]) and SMB1 ([MS-CIFS]) files: names, data streamed, closes. */
#include <string.h>

#include "rw_alloc.h"
#include "rw_cursor.h"
#include "rw_smb.h"

/*
 * [MS-SMB2] 2.2.1 SMB2 packet header (64 bytes, little-endian):
 *
 *    0        4        6             8               12        14            16
 *   | FE 'SMB'| StrSz=64| CreditCharge| Status/ChanSeq | Command | Credits     |
 *   16        20            24              32
 *   | Flags   | NextCommand | MessageId (8) | sync: Reserved(4) TreeId(4)
 *                                           | async: AsyncId (8)
 *   40                 48
 *   | SessionId (8)     | Signature (16) |
 *
 * Offsets in command bodies (DataOffset, NameOffset) count from the start of this header.
 */
#define SMB2_HDR_BYTES 64u

/* [MS-SMB2] 2.2.1.2 Flags */
#define SMB2_FLAGS_SERVER_TO_REDIR 0x00000001u
#define SMB2_FLAGS_ASYNC_COMMAND 0x00000002u
#define SMB2_FLAGS_RELATED_OPERATIONS 0x00000004u

/* [MS-SMB2] 2.2.1 Command */
enum {
    SMB2_TREE_CONNECT = 0x0003,
    SMB2_CREATE = 0x0005,
    SMB2_CLOSE = 0x0006,
    SMB2_READ = 0x0008,
    SMB2_WRITE = 0x0009,
};

/* [MS-ERREF] 2.3.1 NTSTATUS values used here. */
#define STATUS_SUCCESS 0x00000000u
#define STATUS_PENDING 0x00000103u
#define STATUS_BUFFER_OVERFLOW 0x80000005u

/* Fixed parts of the command bodies read (StructureSize rounded down to even, [MS-SMB2]
 * 2.2.9ff.: the odd byte is the first of the variable buffer). */
#define TREE_CONNECT_RESP_BYTES 16u /* 2.2.10: ShareType at 2 */
#define CREATE_REQ_BYTES 56u        /* 2.2.13: NameOffset at 44, NameLength at 46 */
#define CREATE_RESP_BYTES 88u       /* 2.2.14: FileId at 64 */
#define CLOSE_REQ_BYTES 24u         /* 2.2.15: FileId at 8 */
#define READ_REQ_BYTES 48u          /* 2.2.19: Length at 4, Offset at 8, FileId at 16 */
#define READ_RESP_BYTES 16u         /* 2.2.20: DataOffset (1 byte) at 2, DataLength at 4 */
#define WRITE_REQ_BYTES 48u         /* 2.2.21: DataOffset at 2, Length at 4, Offset at 8,
                                     * FileId at 16 */
#define SHARE_TYPE_PIPE 0x02        /* 2.2.10 SMB2_SHARE_TYPE_PIPE */

/* NetBIOS session service packet types (RFC 1002 4.3.1). */
#define NBSS_SESSION_MESSAGE 0x00

enum { ST_NB = 0, ST_HEAD, ST_BODY, ST_SKIP, ST_LOST };

struct smb_file {
    uint8_t used;
    uint8_t has_fid;
    uint8_t opened;      /* sink->file_open was called and the file is not closed yet */
    uint8_t over_limit;  /* not opened: too many open files */
    uint8_t close_req;   /* a CLOSE request was seen */
    uint8_t pipe;        /* created on an IPC$ tree */
    uint8_t dir;         /* the file's direction once opened */
    uint8_t fid[16];
    uint64_t next;       /* next expected offset */
    uint64_t lru;
    uint32_t sink_id;
    char *name;          /* owned, NUL-terminated; NULL when unknown */
    size_t name_len;
};

/* Bytes of a file that came ahead of its next expected offset (pipelined READs answered
 * out of order), held until the file reaches them; a list in offset order. */
struct smb_ooo {
    struct smb_ooo *next;
    int file;            /* index into files */
    uint8_t hole;        /* no bytes: a gap of len */
    uint64_t off;
    uint64_t len;
    uint8_t data[];
};

struct smb_pending {
    uint8_t used;
    uint16_t cmd;
    int file;            /* index into files, -1 when none */
    uint64_t mid;
    uint64_t offset;     /* READ: file offset requested */
    uint64_t seq;
};

/* The SMB2 header fields of the message being read. */
struct smb_hdr {
    uint16_t cmd;
    uint32_t status;
    uint32_t flags;
    uint32_t next_cmd;
    uint64_t mid;
    uint32_t tree_id;
};

struct smb_dir {
    uint8_t st;
    uint8_t nb[4];
    uint8_t nb_have;
    uint32_t nb_left;     /* bytes of the NetBIOS message not consumed yet */
    uint32_t pdu_len;     /* bytes of the current SMB2 message (once its header is read) */
    uint32_t pos;         /* bytes of the current SMB2 message consumed */
    uint32_t want;        /* ST_HEAD: bytes gathered into buf before acting */
    uint8_t first;        /* the current SMB2 message is the first of its NetBIOS message */
    uint8_t smb1;         /* SMB1 message: 1 gathering its header, 2 its words */
    uint32_t data_start;  /* ST_BODY: the data region [data_start, data_end) of the message */
    uint32_t data_end;
    int data_file;        /* file index the data belongs to, -1 when none */
    uint64_t data_off;    /* file offset of the byte at data_start */
    int chain_file;       /* the file of the last CREATE in this NetBIOS message */
    struct smb_hdr h;
    uint8_t *buf;         /* RW_SMB_HEAD_MAX_BYTES, while a message head is gathered across
                           * packets; NULL between calls otherwise (see rw_smb_data) */
};

struct rw_smb {
    struct rw_xfer_sink sink;
    struct rw_smb_counters c;
    uint8_t ended;
    uint32_t open_count;
    uint64_t clock;        /* ticks for LRU and pending age */
    struct smb_dir d[2];
    uint32_t pipe_trees[RW_SMB_PIPE_TREES_MAX];
    uint8_t pipe_trees_n;
    uint8_t pipe_trees_next;
    /* Both tables grow by doubling as requests and files come, up to their maximum, so an
     * idle connection holds only what it has used. */
    struct smb_pending *pending;
    struct smb_file *files;
    uint32_t pending_cap, files_cap;
    struct smb_pending scratch; /* a request no memory could be found for: never found */
    struct smb_ooo *ooo;        /* held out-of-order bytes, in offset order */
    size_t ooo_bytes;           /* their allocations, at most RW_SMB_OOO_MAX_BYTES */
};

/* The first size of the growing tables. */
#define SMB_TABLE_FIRST 4u

static const uint8_t fid_related[16] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

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

/* Converts UTF-16LE to UTF-8 into out (cap bytes, no NUL added): unpaired surrogates and
 * an odd last byte become U+FFFD (*invalid set); stops at a character that does not fit
 * (*cut set). Returns the bytes written. */
RW_TESTABLE size_t rw__smb_utf16_to_utf8(const uint8_t *in, size_t in_len, char *out, size_t cap,
                                         int *invalid, int *cut);
RW_TESTABLE size_t rw__smb_utf16_to_utf8(const uint8_t *in, size_t in_len, char *out, size_t cap,
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

/* ---- tables ---------------------------------------------------------------------- */

static int is_pipe_tree(const struct rw_smb *s, uint32_t tree_id)
{
    for (size_t i = 0; i < s->pipe_trees_n; i++)
        if (s->pipe_trees[i] == tree_id)
            return 1;
    return 0;
}

static void add_pipe_tree(struct rw_smb *s, uint32_t tree_id)
{
    if (is_pipe_tree(s, tree_id))
        return;
    s->pipe_trees[s->pipe_trees_next] = tree_id;
    s->pipe_trees_next = (uint8_t)((s->pipe_trees_next + 1) % RW_SMB_PIPE_TREES_MAX);
    if (s->pipe_trees_n < RW_SMB_PIPE_TREES_MAX)
        s->pipe_trees_n++;
}

static void ooo_drain(struct rw_smb *s, int idx, int all);

static void file_close(struct rw_smb *s, struct smb_file *f, int truncated)
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
static void file_drop(struct rw_smb *s, int idx, int truncated)
{
    struct smb_file *f = &s->files[idx];

    file_close(s, f, truncated);
    ooo_drain(s, idx, 1);
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
static int file_alloc(struct rw_smb *s)
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
    file_drop(s, victim, 1);
    return victim;
}

static int file_by_fid(struct rw_smb *s, const uint8_t *fid)
{
    for (int i = 0; i < (int)s->files_cap; i++)
        if (s->files[i].used && s->files[i].has_fid && memcmp(s->files[i].fid, fid, 16) == 0)
            return i;
    return -1;
}

/* The file a WRITE, READ or CLOSE names: the chain's CREATE for a related operation's
 * all-ones FileId, else the FileId's entry, made (nameless) when the CREATE was not seen.
 * -1 when there is none. */
static int file_for(struct rw_smb *s, struct smb_dir *d, const uint8_t *fid, int make)
{
    int idx;

    if ((d->h.flags & SMB2_FLAGS_RELATED_OPERATIONS) && memcmp(fid, fid_related, 16) == 0)
        idx = d->chain_file;
    else
        idx = file_by_fid(s, fid);
    if (idx < 0 && make && memcmp(fid, fid_related, 16) != 0) {
        s->c.fileid_unknown++;
        idx = file_alloc(s);
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

static struct smb_pending *pending_add(struct rw_smb *s, uint16_t cmd, uint64_t mid, int file)
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

static struct smb_pending *pending_find(struct rw_smb *s, uint16_t cmd, uint64_t mid)
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
 * order. 0, or -1 when the bound or memory says no (counted): the caller feeds it now. */
static int ooo_hold(struct rw_smb *s, int idx, uint64_t off, const uint8_t *p, uint64_t n)
{
    size_t sz = sizeof(struct smb_ooo) + (p != NULL ? (size_t)n : 0);
    struct smb_ooo *o, **at;

    if ((p != NULL && n > RW_SMB_OOO_MAX_BYTES) || s->ooo_bytes + sz > RW_SMB_OOO_MAX_BYTES) {
        s->c.ooo_overflow++;
        return -1;
    }
    o = rw_malloc(sz);
    if (o == NULL) {
        s->c.nomem++;
        return -1;
    }
    o->file = idx;
    o->hole = p == NULL;
    o->off = off;
    o->len = n;
    if (p != NULL)
        memcpy(o->data, p, (size_t)n);
    at = &s->ooo;
    while (*at != NULL && (*at)->off <= off)
        at = &(*at)->next;
    o->next = *at;
    *at = o;
    s->ooo_bytes += sz;
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
        if (f->opened)
            file_put(s, f, o->off, o->hole ? NULL : o->data, o->len);
        rw_free(o);
        at = &s->ooo;
    }
}

/* Bytes [off, off + n) of file idx, moving in dir: p holds them, or NULL for a gap. Bytes
 * ahead of the file's next offset are held (bounded) until the bytes before them come. */
static void file_bytes(struct rw_smb *s, int idx, uint8_t dir, uint64_t off, const uint8_t *p,
                       uint64_t n)
{
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
    if (off > f->next && f->next > 0 && ooo_hold(s, idx, off, p, n) == 0)
        return;
    if (off > f->next)
        ooo_drain(s, idx, 1); /* past the bound: what is held goes first, with its gaps */
    file_put(s, f, off, p, n);
    ooo_drain(s, idx, 0);
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
static int plan_data(struct rw_smb *s, uint8_t dir, uint32_t doff, uint32_t len, uint64_t foff,
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
static int file_new(struct rw_smb *s, const char *name, size_t name_len)
{
    int idx = file_alloc(s);
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
    idx = file_new(s, name, name_len);
    if (idx < 0) {
        pending_add(s, SMB2_CREATE, d->h.mid, -1);
        return;
    }
    f = &s->files[idx];
    f->pipe = (uint8_t)is_pipe_tree(s, d->h.tree_id);
    if (f->pipe)
        s->c.pipes++;
    d->chain_file = idx;
    pending_add(s, SMB2_CREATE, d->h.mid, idx);
}

static void create_resp(struct rw_smb *s, struct smb_dir *d)
{
    struct smb_pending *p = pending_find(s, SMB2_CREATE, d->h.mid);
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
        file_drop(s, idx, 1);
        return;
    }
    old = file_by_fid(s, d->buf + SMB2_HDR_BYTES + 64);
    if (old >= 0 && old != idx)
        file_drop(s, old, s->files[old].close_req ? 0 : 1);
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
    idx = file_for(s, d, d->buf + SMB2_HDR_BYTES + 16, 1);
    if (plan_data(s, RW_TOSERVER, doff, len, off, idx) == 0)
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
    p = pending_add(s, SMB2_READ, d->h.mid, file_for(s, d, d->buf + SMB2_HDR_BYTES + 16, 1));
    p->offset = off;
}

static void read_resp(struct rw_smb *s, struct smb_dir *d)
{
    struct smb_pending *p = pending_find(s, SMB2_READ, d->h.mid);
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
    if (plan_data(s, RW_TOCLIENT, doff, len, off, idx) == 0)
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
    idx = file_for(s, d, d->buf + SMB2_HDR_BYTES + 8, 0);
    if (idx >= 0)
        s->files[idx].close_req = 1;
    pending_add(s, SMB2_CLOSE, d->h.mid, idx);
}

static void close_resp(struct rw_smb *s, struct smb_dir *d)
{
    struct smb_pending *p = pending_find(s, SMB2_CLOSE, d->h.mid);
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
        file_drop(s, idx, 0);
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
        add_pipe_tree(s, d->h.tree_id);
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

/* ---- SMB1 ------------------------------------------------------------------------- */

/*
 * [MS-CIFS] 2.2.3.1 SMB1 header (32 bytes, little-endian), then the parameter block
 * (WordCount, 2 x WordCount bytes) and the data block (ByteCount, bytes):
 *
 *    0          4     5          9      10       12        14             22
 *   | FF 'SMB' | Cmd | Status  | Flags | Flags2 | PIDHigh | Security (8) | Reserved |
 *    24    26       28    30    32          33
 *   | TID | PIDLow | UID | MID | WordCount | Words ... | ByteCount | Bytes ...
 *
 * Only the first command of an AndX chain is read. Files: NT_CREATE_ANDX (2.2.4.64) gives
 * the name and, in its response, the 16-bit FID and ResourceType (non-zero: a pipe);
 * WRITE_ANDX (2.2.4.43) and READ_ANDX (2.2.4.42) move data at DataOffset (from the
 * header); CLOSE (2.2.4.5). Pending requests are keyed by PIDLow and MID.
 */
#define SMB1_HDR_BYTES 32u
#define SMB1_WORDS (SMB1_HDR_BYTES + 1u)
#define SMB1_FLAGS_REPLY 0x80
#define SMB1_FLAGS2_UNICODE 0x8000
#define SMB1_CMD_BASE 0x100 /* SMB1 commands in the pending table: apart from SMB2's */
enum {
    SMB1_CLOSE = 0x04,
    SMB1_READ_ANDX = 0x2e,
    SMB1_WRITE_ANDX = 0x2f,
    SMB1_NT_CREATE_ANDX = 0xa2,
};

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
static uint32_t smb1_wants(const struct smb_dir *d, uint8_t dir)
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
    pending_add(s, SMB1_CMD_BASE | SMB1_NT_CREATE_ANDX, d->h.mid, file_new(s, name, name_len));
}

static void smb1_create_resp(struct rw_smb *s, struct smb_dir *d)
{
    struct smb_pending *p = pending_find(s, SMB1_CMD_BASE | SMB1_NT_CREATE_ANDX, d->h.mid);
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
        file_drop(s, idx, 1);
        return;
    }
    smb1_fid(d->buf + SMB1_WORDS + 5, fid);
    old = file_by_fid(s, fid);
    if (old >= 0 && old != idx)
        file_drop(s, old, s->files[old].close_req ? 0 : 1);
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
    if (plan_data(s, RW_TOSERVER, le16(w + 22), len, off, file_for(s, d, fid, 1)) == 0)
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
    p = pending_add(s, SMB1_CMD_BASE | SMB1_READ_ANDX, d->h.mid, file_for(s, d, fid, 1));
    p->offset = off;
}

static void smb1_read_resp(struct rw_smb *s, struct smb_dir *d)
{
    struct smb_pending *p = pending_find(s, SMB1_CMD_BASE | SMB1_READ_ANDX, d->h.mid);
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
    if (plan_data(s, RW_TOCLIENT, le16(w + 12), len, off, idx) == 0)
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
    idx = file_for(s, d, fid, 0);
    if (idx >= 0)
        s->files[idx].close_req = 1;
    pending_add(s, SMB1_CMD_BASE | SMB1_CLOSE, d->h.mid, idx);
}

static void smb1_close_resp(struct rw_smb *s, struct smb_dir *d)
{
    struct smb_pending *p = pending_find(s, SMB1_CMD_BASE | SMB1_CLOSE, d->h.mid);
    int idx;

    if (p == NULL) {
        s->c.responses_orphan++;
        return;
    }
    idx = p->file;
    p->used = 0;
    if (idx >= 0 && d->h.status == STATUS_SUCCESS)
        file_drop(s, idx, 0);
}

/* The gathered SMB1 message: header fields into d->h, then the command. */
static void smb1_command(struct rw_smb *s, uint8_t dir)
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

/* ---- framing ---------------------------------------------------------------------- */

static void lose(struct rw_smb *s, uint8_t dir)
{
    s->c.lost[dir]++;
    s->d[dir].st = ST_LOST;
    s->d[dir].data_file = -1;
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
    d->data_start = d->data_end = 0;
    d->data_file = -1;
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
            d->smb1 = 1;
            d->pdu_len = d->pos + d->nb_left; /* one message: AndX chains stay inside */
            d->data_start = d->data_end = d->pdu_len;
            d->want = SMB1_WORDS;
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
    if (d->smb1 == 1) {
        uint32_t want = smb1_wants(d, dir);

        d->smb1 = 2;
        d->want = want < d->pdu_len ? want : d->pdu_len;
        if (d->want > d->pos)
            return;
    }
    if (d->smb1) {
        smb1_command(s, dir);
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

    if (d->pos < d->data_start) {
        k = d->data_start - d->pos;
    } else if (d->pos < d->data_end) {
        k = d->data_end - d->pos;
        if (k > n)
            k = n;
        if (dir == RW_TOSERVER)
            s->c.write_bytes += k;
        else
            s->c.read_bytes += k;
        file_bytes(s, d->data_file, dir, d->data_off + (d->pos - d->data_start), p, k);
    } else {
        k = d->pdu_len - d->pos;
    }
    if (k > n)
        k = n;
    d->pos += (uint32_t)k;
    d->nb_left -= (uint32_t)k;
    if (d->pos == d->pdu_len)
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
            memcpy(d->buf + d->pos, p, k);
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
            file_close(s, &s->files[i], s->files[i].close_req ? 0 : 1);
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
           p->ooo_bytes + (p->d[0].buf != NULL ? RW_SMB_HEAD_MAX_BYTES : 0) +
           (p->d[1].buf != NULL ? RW_SMB_HEAD_MAX_BYTES : 0);
}
