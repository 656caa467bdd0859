/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_smb.c — libFuzzer target: the SMB2/SMB1 file follower (rw_smb, rw_smb1, rw_smb_files). */
#include <sanitizer/allocator_interface.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzsplit.h"
#include "rw.h"
#include "rw_alloc.h"
#include "rw_limits.h"
#include "rw_smb.h"

/*
 * Input: chunks of one TCP connection, each led by one byte h (the framing of fuzz_ftp.c):
 *
 *   h >> 7          direction: 0 RW_TOSERVER (requests), 1 RW_TOCLIENT (responses)
 *   h & 0x7f = 0    rw_smb_data with no bytes
 *           1..124  rw_smb_data with that many bytes, which follow (cut to what is left)
 *           125     rw_smb_data: a 16-bit big-endian length follows, then the bytes
 *           126     rw_smb_gap of (next byte) bytes, or, when that byte is 0xff, of the
 *                   32-bit big-endian length that follows it
 *           127     rw_smb_end (later chunks are still fed and must change nothing)
 *
 * fuzz_smb.dict holds NetBIOS and SMB headers and commands; mkcorpus.py writes seeds from
 * the SMB captures. Each input is parsed twice:
 *
 *   A  as framed;
 *   B  each data chunk fed in pieces of 1..64 bytes (lengths from the input's hash): the
 *      file calls (names, meta, the bytes of each file, gaps, closes) and all counters must
 *      be A's (rw_smb.h: the result never depends on how bytes are split into calls).
 *
 * The sink checks rw_xfer.h and rw_smb.h: ids are those file_open gave; no call after a
 * file's close; each file closed once, with truncated 0 or 1; every file opened is closed
 * by rw_smb_end; at most RW_FILES_PER_FLOW_MAX open at once; a file moves data or a gap
 * before its close (it is opened at its first data); names at most RW_FILE_NAME_MAX_BYTES
 * of valid UTF-8; meta "smb", "WRITE" upload / "READ" download, uri the name (NULL only for
 * an empty name); gaps not empty; no file longer than 2^64; expect never called. The
 * bytes handed to files of a direction are at most what the parser counted in
 * write_bytes / read_bytes, and those at most the direction's bytes fed (plus its gaps).
 * After every call rw_smb_bytes is the parser's live heap (ASan's count of the bytes
 * allocated since rw_smb_new) and within the header's bounds; after rw_smb_end no head or
 * held bytes remain; rw_smb_free leaves nothing. The counters agree with the sink's calls.
 * When the input's hash says so, every third file_open returns 0 (an untracked file, whose
 * calls carry id 0). One input in four runs again split with no sink at all (rw_smb_new
 * (NULL)): the counters must be A's but for files_untracked, which is then every file.
 * One input in sixteen runs once more with the Nth allocation failing (N from the hash):
 * every failure is counted in nomem and the contract still holds.
 * FUZZ_SMB_VERBOSE=1 prints each file (direction, name, bytes, gaps, truncated) and the
 * counters of run A.
 */

#define FUZZ_SMB_LOG_MAX (1u << 22)
#define FUZZ_SMB_FILES 4096
/* rw_smb_bytes at most: the state, full tables (entries well under these sizes), the held
 * bytes, two heads and every remembered name. */
#define FUZZ_SMB_TABLES_MAX                                                                 \
    ((size_t)RW_SMB_PENDING_MAX * 64 + (size_t)RW_SMB_FILEIDS_MAX * 128 +                  \
     (size_t)RW_SMB_FILEIDS_MAX * (RW_FILE_NAME_MAX_BYTES + 1))
#define FUZZ_SMB_BYTES_MAX                                                                  \
    (FUZZ_SMB_TABLES_MAX + (size_t)RW_SMB_OOO_MAX_BYTES + 2 * (size_t)RW_SMB_HEAD_MAX_BYTES)

struct fuzz_smb_run {
    uint8_t *log;
    size_t len;
    uint32_t last_id;   /* file of the last logged data call */
    uint32_t nfiles;    /* file_open calls */
    uint32_t nopen;     /* files open now (tracked or not) */
    uint32_t untracked; /* file_open calls that returned 0 */
    int zero_every;     /* every zero_every-th file_open returns 0 (0: never) */
    uint64_t fed[2];    /* bytes given to rw_smb_data, per direction */
    uint64_t gapped[2]; /* bytes announced by rw_smb_gap, per direction */
    uint64_t data[2];   /* bytes handed to tracked files, per file direction */
    uint64_t sum;       /* every byte handed out, folded (they are all read) */
    uint8_t state[FUZZ_SMB_FILES]; /* 1 open, 2 closed */
    uint8_t dir[FUZZ_SMB_FILES];
    uint8_t moved[FUZZ_SMB_FILES]; /* a data or gap call came */
    uint64_t pos[FUZZ_SMB_FILES];  /* data + gap bytes: the file's length so far */
    uint64_t gaps[FUZZ_SMB_FILES]; /* ... of which gaps */
    int verbose;
};

static void fuzz_smb_die(const char *what)
{
    fprintf(stderr, "fuzz_smb: %s\n", what);
    abort();
}

static void fuzz_smb_log(struct fuzz_smb_run *r, const void *p, size_t n)
{
    if (n > FUZZ_SMB_LOG_MAX - r->len)
        n = FUZZ_SMB_LOG_MAX - r->len;
    memcpy(r->log + r->len, p, n);
    r->len += n;
}

static void fuzz_smb_log_u64(struct fuzz_smb_run *r, uint8_t tag, uint32_t id, uint64_t v)
{
    uint8_t b[13] = {tag, (uint8_t)(id >> 24), (uint8_t)(id >> 16), (uint8_t)(id >> 8),
                     (uint8_t)id};

    for (int i = 0; i < 8; i++)
        b[5 + i] = (uint8_t)(v >> (56 - 8 * i));
    fuzz_smb_log(r, b, sizeof(b));
}

/* Valid UTF-8 (RFC 3629): shortest forms, no surrogates, nothing above U+10FFFF. */
static int fuzz_smb_utf8(const uint8_t *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        uint8_t c = s[i];
        size_t k;
        uint32_t cp;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            k = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            k = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            k = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (n - i - 1 < k)
            return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + j] & 0x3f);
        }
        if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += k + 1;
    }
    return 1;
}

static uint32_t fuzz_smb_open(void *ctx, uint8_t dir, const char *name, size_t name_len,
                              const struct rw_xfer_meta *meta)
{
    struct fuzz_smb_run *r = ctx;
    uint8_t tag[4] = {'O', dir, (uint8_t)(name_len >> 8), (uint8_t)name_len};

    if (dir > RW_TOCLIENT || name == NULL || meta == NULL)
        fuzz_smb_die("file_open without a direction, a name or meta");
    if (name_len > RW_FILE_NAME_MAX_BYTES)
        fuzz_smb_die("file_open name longer than RW_FILE_NAME_MAX_BYTES");
    if (!fuzz_smb_utf8((const uint8_t *)name, name_len))
        fuzz_smb_die("file_open name is not valid UTF-8");
    if (meta->app_proto == NULL || strcmp(meta->app_proto, "smb") != 0 ||
        meta->method == NULL ||
        strcmp(meta->method, dir == RW_TOSERVER ? "WRITE" : "READ") != 0)
        fuzz_smb_die("file_open meta is not smb WRITE (upload) or READ (download)");
    if (meta->uri == NULL ? name_len != 0
                          : memcmp(meta->uri, name, name_len) != 0 || meta->uri[name_len] != 0)
        fuzz_smb_die("file_open meta uri is not the name");
    if (r->nopen >= RW_FILES_PER_FLOW_MAX)
        fuzz_smb_die("more than RW_FILES_PER_FLOW_MAX files open at once");
    r->nopen++;
    if (r->verbose)
        fprintf(stderr, "fuzz_smb: open %u %s \"%.*s\"\n", r->nfiles + 1,
                dir == RW_TOSERVER ? "WRITE" : "READ", (int)name_len, name);
    fuzz_smb_log(r, tag, sizeof(tag));
    fuzz_smb_log(r, name, name_len);
    r->last_id = 0;
    r->nfiles++;
    if ((r->zero_every != 0 && r->nfiles % (uint32_t)r->zero_every == 0) ||
        r->nfiles > FUZZ_SMB_FILES) {
        r->untracked++;
        return 0;
    }
    r->state[r->nfiles - 1] = 1;
    r->dir[r->nfiles - 1] = dir;
    return r->nfiles;
}

/* The file of a call, or NULL for id 0 (untracked: nothing to check but the count). */
static struct fuzz_smb_run *fuzz_smb_check_id(struct fuzz_smb_run *r, uint32_t id)
{
    if (id == 0) {
        if (r->untracked == 0)
            fuzz_smb_die("a file call with id 0 while every file_open gave an id");
        return NULL;
    }
    if (id > r->nfiles || r->state[id - 1] == 0)
        fuzz_smb_die("a file call with an id file_open did not give");
    if (r->state[id - 1] != 1)
        fuzz_smb_die("a file call after the file's close");
    return r;
}

static void fuzz_smb_advance(struct fuzz_smb_run *r, uint32_t id, uint64_t n)
{
    if (id == 0)
        return;
    r->moved[id - 1] = 1;
    if (__builtin_add_overflow(r->pos[id - 1], n, &r->pos[id - 1]))
        fuzz_smb_die("a file longer than 2^64 bytes (data and gaps)");
}

static void fuzz_smb_data(void *ctx, uint32_t id, const uint8_t *data, size_t len)
{
    struct fuzz_smb_run *r = ctx;

    if (fuzz_smb_check_id(r, id) != NULL)
        r->data[r->dir[id - 1]] += len;
    if (data == NULL && len > 0)
        fuzz_smb_die("file_data with NULL bytes");
    for (size_t i = 0; i < len; i++)
        r->sum = r->sum * 31 + data[i];
    fuzz_smb_advance(r, id, len);
    if (id != r->last_id) {
        fuzz_smb_log_u64(r, 'D', id, 0);
        r->last_id = id;
    }
    fuzz_smb_log(r, data, len);
}

static void fuzz_smb_gap(void *ctx, uint32_t id, uint64_t len)
{
    struct fuzz_smb_run *r = ctx;

    (void)fuzz_smb_check_id(r, id);
    if (len == 0)
        fuzz_smb_die("file_gap of no bytes");
    fuzz_smb_advance(r, id, len);
    if (id != 0)
        r->gaps[id - 1] += len;
    fuzz_smb_log_u64(r, 'G', id, len);
    r->last_id = 0;
}

static void fuzz_smb_close(void *ctx, uint32_t id, int truncated)
{
    struct fuzz_smb_run *r = ctx;

    if (fuzz_smb_check_id(r, id) != NULL) {
        if (!r->moved[id - 1])
            fuzz_smb_die("a file closed before any data or gap: files open at their first data");
        r->state[id - 1] = 2;
        if (r->verbose)
            fprintf(stderr, "fuzz_smb: file %u %s: %llu bytes, %llu in gaps, truncated %d\n",
                    id, r->dir[id - 1] == RW_TOSERVER ? "up" : "down",
                    (unsigned long long)r->pos[id - 1], (unsigned long long)r->gaps[id - 1],
                    truncated);
    }
    if (truncated != 0 && truncated != 1)
        fuzz_smb_die("file_close truncated neither 0 nor 1");
    if (r->nopen == 0)
        fuzz_smb_die("more file_close calls than file_open calls");
    r->nopen--;
    fuzz_smb_log_u64(r, 'C', id, (uint64_t)truncated);
    r->last_id = 0;
}

static void fuzz_smb_expect(void *ctx, const struct rw_addr *client, uint16_t client_port,
                            const struct rw_addr *server, uint16_t server_port, uint8_t dir,
                            const char *name, size_t name_len, const struct rw_xfer_meta *meta)
{
    (void)ctx, (void)client, (void)client_port, (void)server, (void)server_port, (void)dir;
    (void)name, (void)name_len, (void)meta;
    fuzz_smb_die("rw_smb never announces connections");
}

/* rw_smb_bytes must be the parser's live heap: every byte allocated since base. */
static void fuzz_smb_check_bytes(const struct rw_smb *s, size_t base, size_t idle)
{
    size_t b = rw_smb_bytes(s);

    if (b > idle + FUZZ_SMB_BYTES_MAX)
        fuzz_smb_die("rw_smb_bytes beyond the state, the tables, the held bytes and two heads");
    if (__sanitizer_get_current_allocated_bytes() - base != b)
        fuzz_smb_die("rw_smb_bytes is not the memory the parser holds");
}

/* Feeds the input; split > 0 cuts each data chunk in pieces of 1..64 bytes. Returns the
 * parser's counters through *c, or -1 when rw_smb_new failed. */
static int fuzz_smb_feed(struct fuzz_smb_run *r, const uint8_t *data, size_t size,
                         uint64_t split, int no_sink, struct rw_smb_counters *c)
{
    struct rw_xfer_sink sink = {r,
                                fuzz_smb_open,
                                fuzz_smb_data,
                                fuzz_smb_gap,
                                fuzz_smb_close,
                                fuzz_smb_expect};
    size_t base = __sanitizer_get_current_allocated_bytes(), idle, end_len = 0, off = 0;
    struct rw_smb *s = rw_smb_new(no_sink ? NULL : &sink);
    const struct rw_smb_counters *cp;
    struct rw_smb_counters at_end;
    int ended = 0;

    if (s == NULL)
        return -1;
    idle = rw_smb_bytes(s);
    cp = rw_smb_counters(s);
    fuzz_smb_check_bytes(s, base, idle);
    while (off < size) {
        uint8_t h = data[off++], dir = h >> 7, op = h & 0x7f;
        size_t n = op;

        if (op == 126) {
            uint64_t g = off < size ? data[off] : 0;

            off += off < size;
            if (g == 0xff) {
                g = 0;
                for (int i = 0; i < 4; i++, off += off < size)
                    g = g << 8 | (off < size ? data[off] : 0);
            }
            rw_smb_gap(s, dir, g);
            r->gapped[dir] += ended ? 0 : g;
            fuzz_smb_check_bytes(s, base, idle);
            continue;
        }
        if (op == 127) {
            rw_smb_end(s);
            fuzz_smb_check_bytes(s, base, idle);
            if (!ended) {
                ended = 1;
                at_end = *cp;
                end_len = r->len;
            }
            continue;
        }
        if (op == 125) {
            n = off + 2 <= size ? (size_t)data[off] << 8 | data[off + 1] : 0;
            off += off + 2 <= size ? 2 : size - off;
        }
        if (n > size - off)
            n = size - off;
        for (size_t i = 0; i < n || (n == 0 && i == 0);) {
            size_t k = fuzz_piece_len(&split, n - i);

            rw_smb_data(s, dir, data + off + i, k);
            fuzz_smb_check_bytes(s, base, idle);
            if (k == 0)
                break;
            i += k;
        }
        r->fed[dir] += ended ? 0 : n;
        off += n;
    }
    rw_smb_end(s);
    if (ended && (r->len != end_len || memcmp(&at_end, cp, sizeof(at_end)) != 0))
        fuzz_smb_die("a call after rw_smb_end changed something");
    fuzz_smb_check_bytes(s, base, idle);
    if (rw_smb_bytes(s) > idle + FUZZ_SMB_TABLES_MAX)
        fuzz_smb_die("rw_smb_bytes holds a head or held bytes after rw_smb_end");
    if (r->nopen != 0)
        fuzz_smb_die("a file still open after rw_smb_end");
    *c = *cp;
    if (no_sink ? c->files_untracked != c->files_opened || c->files_closed != c->files_opened
                : c->files_opened != r->nfiles || c->files_closed != r->nfiles ||
                      c->files_untracked != r->untracked)
        fuzz_smb_die("files_opened, files_closed or files_untracked disagree with the sink");
    if (r->data[RW_TOSERVER] > c->write_bytes || r->data[RW_TOCLIENT] > c->read_bytes)
        fuzz_smb_die("files got more bytes than write_bytes / read_bytes counted");
    if (r->data[RW_TOSERVER] > r->fed[RW_TOSERVER] || r->data[RW_TOCLIENT] > r->fed[RW_TOCLIENT])
        fuzz_smb_die("files got more bytes than their direction was fed");
    if (c->write_bytes > r->fed[RW_TOSERVER] + r->gapped[RW_TOSERVER] ||
        c->read_bytes > r->fed[RW_TOCLIENT] + r->gapped[RW_TOCLIENT])
        fuzz_smb_die("write_bytes / read_bytes beyond what the direction was fed");
    rw_smb_free(&s);
    if (s != NULL)
        fuzz_smb_die("rw_smb_free left the pointer");
    if (__sanitizer_get_current_allocated_bytes() != base)
        fuzz_smb_die("rw_smb_free did not release everything");
    return 0;
}

static void fuzz_smb_print(const struct rw_smb_counters *c)
{
    fprintf(stderr,
            "fuzz_smb: nbss %llu/%llu smb2 %llu/%llu smb1 %llu/%llu andx %llu/%llu stopped "
            "%llu/%llu compounded %llu/%llu "
            "malformed %llu/%llu lost %llu/%llu creates %llu ok %llu pipes %llu writes %llu "
            "reads %llu closes %llu async %llu orphans %llu unknown %llu ooo %llu rewritten "
            "%llu wrong-dir %llu offset-gaps %llu names-cut %llu\n",
            (unsigned long long)c->nbss_msgs[0], (unsigned long long)c->nbss_msgs[1],
            (unsigned long long)c->smb2_msgs[0], (unsigned long long)c->smb2_msgs[1],
            (unsigned long long)c->smb1_msgs[0], (unsigned long long)c->smb1_msgs[1],
            (unsigned long long)c->andx_cmds[0], (unsigned long long)c->andx_cmds[1],
            (unsigned long long)c->andx_stopped[0], (unsigned long long)c->andx_stopped[1],
            (unsigned long long)c->compounded[0], (unsigned long long)c->compounded[1],
            (unsigned long long)c->malformed[0], (unsigned long long)c->malformed[1],
            (unsigned long long)c->lost[0], (unsigned long long)c->lost[1],
            (unsigned long long)c->creates, (unsigned long long)c->creates_ok,
            (unsigned long long)c->pipes, (unsigned long long)c->writes,
            (unsigned long long)c->reads, (unsigned long long)c->closes,
            (unsigned long long)c->async_interim, (unsigned long long)c->responses_orphan,
            (unsigned long long)c->fileid_unknown, (unsigned long long)c->ooo_held,
            (unsigned long long)c->bytes_rewritten, (unsigned long long)c->bytes_wrong_dir,
            (unsigned long long)c->offset_gaps, (unsigned long long)c->names_truncated);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fuzz_smb_run a, b;
    static uint8_t *loga, *logb;
    struct rw_smb_counters ca, cb;
    uint64_t hash = 1469598103934665603ULL;
    int zero_every;

    if (loga == NULL) {
        loga = malloc(FUZZ_SMB_LOG_MAX);
        logb = malloc(FUZZ_SMB_LOG_MAX);
        if (loga == NULL || logb == NULL)
            fuzz_smb_die("out of memory");
    }
    for (size_t i = 0; i < size; i++)
        hash = (hash ^ data[i]) * 1099511628211ULL;
    zero_every = (hash >> 56 & 3) == 0 ? 3 : 0;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    a.log = loga;
    b.log = logb;
    a.zero_every = b.zero_every = zero_every;
    a.verbose = getenv("FUZZ_SMB_VERBOSE") != NULL;
    if (fuzz_smb_feed(&a, data, size, 0, 0, &ca) != 0 ||
        fuzz_smb_feed(&b, data, size, hash | 1, 0, &cb) != 0)
        fuzz_smb_die("rw_smb_new failed without an allocation failure");
    if (a.len != b.len || memcmp(a.log, b.log, a.len) != 0)
        fuzz_smb_die("the files depend on how the bytes were split");
    if (memcmp(&ca, &cb, sizeof(ca)) != 0) {
        const uint64_t *x = (const uint64_t *)&ca, *y = (const uint64_t *)&cb;

        for (size_t i = 0; i < sizeof(ca) / sizeof(*x); i++)
            if (x[i] != y[i])
                fprintf(stderr, "fuzz_smb: counter %zu: %llu whole, %llu split\n", i,
                        (unsigned long long)x[i], (unsigned long long)y[i]);
        fuzz_smb_die("the counters depend on how the bytes were split");
    }
    if (a.verbose)
        fuzz_smb_print(&ca);
    if ((hash >> 58 & 3) == 1) {
        /* No sink: the parser only counts, the same but for files_untracked. */
        memset(&b, 0, sizeof(b));
        b.log = logb;
        if (fuzz_smb_feed(&b, data, size, hash | 1, 1, &cb) != 0)
            fuzz_smb_die("rw_smb_new failed without an allocation failure");
        cb.files_untracked = ca.files_untracked;
        if (memcmp(&ca, &cb, sizeof(ca)) != 0)
            fuzz_smb_die("the counters depend on the sink");
    }
    if ((hash >> 60) == 0) {
        unsigned long failed;
        int rc;

        memset(&a, 0, sizeof(a));
        a.log = loga;
        a.zero_every = zero_every;
        rw_alloc_hook_set(1 + (hash >> 8) % 8);
        rc = fuzz_smb_feed(&a, data, size, (hash >> 4) & 1 ? hash | 1 : 0, 0, &ca);
        failed = rw_alloc_hook_failures();
        rw_alloc_hook_set(0);
        if (rc != 0 ? failed != 1 : ca.nomem != failed)
            fuzz_smb_die("an allocation failure not counted in nomem");
    }
    return 0;
}
