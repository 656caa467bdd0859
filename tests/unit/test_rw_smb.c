/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_rw_smb.c — SMB files from hand-built sessions: names, offsets, compounds, splits, lies. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rw_alloc.h"
#include "rw_smb.h"
#include "rw_test.h"

size_t rw__smb_utf16_to_utf8(const uint8_t *in, size_t in_len, char *out, size_t cap,
                             int *invalid, int *cut);

/* ---- a recording sink ---------------------------------------------------------- */

#define REC_FILES 96

struct rec_file {
    uint8_t dir;
    int closed, truncated;
    size_t name_len;
    char name[RW_FILE_NAME_MAX_BYTES + 1];
    char method[16], uri[RW_FILE_NAME_MAX_BYTES + 1], app[16];
    uint64_t bytes, gap;
    uint32_t hash;           /* over data bytes and gap markers, in order */
    uint8_t head[64];
    size_t head_len;
};

struct rec {
    int n;
    int open_zero;           /* file_open returns 0 */
    int bad_calls;           /* calls for unknown ids, or after close */
    struct rec_file f[REC_FILES];
};

static void cpy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src == NULL ? "(null)" : src);
}

static uint32_t r_open(void *ctx, uint8_t dir, const char *name, size_t name_len,
                       const struct rw_xfer_meta *m)
{
    struct rec *r = ctx;
    struct rec_file *f;

    if (r->n >= REC_FILES) {
        r->bad_calls++;
        return 0;
    }
    f = &r->f[r->n++];
    f->dir = dir;
    f->name_len = name_len;
    memcpy(f->name, name, name_len < RW_FILE_NAME_MAX_BYTES ? name_len : RW_FILE_NAME_MAX_BYTES);
    cpy(f->method, sizeof(f->method), m->method);
    cpy(f->uri, sizeof(f->uri), m->uri);
    cpy(f->app, sizeof(f->app), m->app_proto);
    f->hash = 2166136261u;
    return r->open_zero ? 0 : (uint32_t)r->n;
}

static struct rec_file *r_file(struct rec *r, uint32_t id)
{
    if (r->open_zero && id == 0 && r->n > 0)
        return &r->f[r->n - 1];
    if (id == 0 || id > (uint32_t)r->n || r->f[id - 1].closed) {
        r->bad_calls++;
        return NULL;
    }
    return &r->f[id - 1];
}

static void r_data(void *ctx, uint32_t id, const uint8_t *d, size_t n)
{
    struct rec_file *f = r_file(ctx, id);

    if (f == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        f->hash = (f->hash ^ d[i]) * 16777619u;
        if (f->head_len < sizeof(f->head))
            f->head[f->head_len++] = d[i];
    }
    f->bytes += n;
}

static void r_gap(void *ctx, uint32_t id, uint64_t n)
{
    struct rec_file *f = r_file(ctx, id);

    if (f == NULL)
        return;
    f->gap += n;
    f->hash = (f->hash ^ 0x47u ^ (uint32_t)n) * 16777619u;
}

static void r_close(void *ctx, uint32_t id, int truncated)
{
    struct rec_file *f = r_file(ctx, id);

    if (f == NULL)
        return;
    f->closed = 1;
    f->truncated = truncated;
}

static struct rw_xfer_sink sink_for(struct rec *r)
{
    struct rw_xfer_sink s = {r, r_open, r_data, r_gap, r_close, NULL};

    memset(r, 0, sizeof(*r));
    return s;
}

/* ---- building SMB2 streams ----------------------------------------------------- */

#define BUF_MAX (1u << 16)
#define STEPS_MAX 256

/* Two byte streams (per direction) and the order in which their pieces are sent. */
struct script {
    uint8_t b[2][BUF_MAX];
    size_t n[2];
    size_t mark[2];
    size_t nsteps;
    struct {
        uint8_t dir;
        size_t off, len;
    } st[STEPS_MAX];
};

static void p8(struct script *s, uint8_t d, uint8_t v)
{
    if (s->n[d] >= BUF_MAX)
        CU_FAIL_FATAL("test script too long");
    s->b[d][s->n[d]++] = v;
}

static void p16(struct script *s, uint8_t d, uint16_t v)
{
    p8(s, d, (uint8_t)v);
    p8(s, d, (uint8_t)(v >> 8));
}

static void p32(struct script *s, uint8_t d, uint32_t v)
{
    p16(s, d, (uint16_t)v);
    p16(s, d, (uint16_t)(v >> 16));
}

static void p64(struct script *s, uint8_t d, uint64_t v)
{
    p32(s, d, (uint32_t)v);
    p32(s, d, (uint32_t)(v >> 32));
}

static void pz(struct script *s, uint8_t d, size_t n)
{
    while (n-- > 0)
        p8(s, d, 0);
}

static void put16at(struct script *s, uint8_t d, size_t at, uint16_t v)
{
    s->b[d][at] = (uint8_t)v;
    s->b[d][at + 1] = (uint8_t)(v >> 8);
}

static void put32at(struct script *s, uint8_t d, size_t at, uint32_t v)
{
    put16at(s, d, at, (uint16_t)v);
    put16at(s, d, at + 2, (uint16_t)(v >> 16));
}

/* The bytes written to d since the last step become the next step. */
static void step(struct script *s, uint8_t d)
{
    CU_ASSERT_FATAL(s->nsteps < STEPS_MAX);
    if (s->n[d] == s->mark[d])
        return;
    s->st[s->nsteps].dir = d;
    s->st[s->nsteps].off = s->mark[d];
    s->st[s->nsteps].len = s->n[d] - s->mark[d];
    s->nsteps++;
    s->mark[d] = s->n[d];
}

/* NetBIOS session message header; nb_end patches the 24-bit length. */
static size_t nb_begin(struct script *s, uint8_t d)
{
    size_t at = s->n[d];

    pz(s, d, 4);
    return at;
}

static void nb_end(struct script *s, uint8_t d, size_t at)
{
    size_t len = s->n[d] - at - 4;

    s->b[d][at] = 0;
    s->b[d][at + 1] = (uint8_t)(len >> 16);
    s->b[d][at + 2] = (uint8_t)(len >> 8);
    s->b[d][at + 3] = (uint8_t)len;
}

#define F_RESP 0x1u
#define F_ASYNC 0x2u
#define F_RELATED 0x4u

/* [MS-SMB2] 2.2.1 header; returns where it starts (NextCommand is at +20). */
static size_t hdr(struct script *s, uint8_t d, uint16_t cmd, uint32_t flags, uint64_t mid,
                  uint32_t tree, uint32_t status)
{
    size_t at = s->n[d];

    p8(s, d, 0xfe);
    p8(s, d, 'S');
    p8(s, d, 'M');
    p8(s, d, 'B');
    p16(s, d, 64);
    p16(s, d, 1);
    p32(s, d, status);
    p16(s, d, cmd);
    p16(s, d, 1);
    p32(s, d, flags | (d == RW_TOCLIENT ? F_RESP : 0));
    p32(s, d, 0);
    p64(s, d, mid);
    if (flags & F_ASYNC) {
        p64(s, d, 0x1234);
    } else {
        p32(s, d, 0xfeff);
        p32(s, d, tree);
    }
    p64(s, d, 0x4000000000001ULL);
    pz(s, d, 16);
    return at;
}

/* Pads to 8 and links header at `at` to the next one (compounding). */
static void link_next(struct script *s, uint8_t d, size_t at)
{
    while ((s->n[d] - at) % 8 != 0)
        p8(s, d, 0);
    put32at(s, d, at + 20, (uint32_t)(s->n[d] - at));
}

static void fid_put(struct script *s, uint8_t d, uint32_t fid)
{
    if (fid == 0xffffffffu) {
        p64(s, d, UINT64_MAX);
        p64(s, d, UINT64_MAX);
        return;
    }
    p64(s, d, fid);
    p64(s, d, 0x5500000000000000ULL | fid);
}

/* A command whose body the parser skips: StructureSize and filler. */
static void body_plain(struct script *s, uint8_t d, uint16_t size)
{
    p16(s, d, size);
    pz(s, d, (size_t)(size & ~1u) - 2 + 8);
}

/* CREATE request with a UTF-16LE name given as code units. */
static size_t create_req16(struct script *s, uint32_t flags, uint64_t mid, uint32_t tree,
                           const uint16_t *name, size_t units)
{
    size_t at = hdr(s, RW_TOSERVER, 5, flags, mid, tree, 0);

    p16(s, 0, 57);
    pz(s, 0, 42);
    p16(s, 0, 120);                  /* NameOffset */
    p16(s, 0, (uint16_t)(units * 2)); /* NameLength */
    p32(s, 0, 0);
    p32(s, 0, 0);
    for (size_t i = 0; i < units; i++)
        p16(s, 0, name[i]);
    if (units == 0)
        p8(s, 0, 0);
    return at;
}

static size_t create_req(struct script *s, uint32_t flags, uint64_t mid, uint32_t tree,
                         const char *name)
{
    uint16_t u[600];
    size_t n = 0;

    for (const unsigned char *c = (const unsigned char *)name; *c != '\0' && n < 600; c++)
        u[n++] = *c; /* Latin-1 test names */
    return create_req16(s, flags, mid, tree, u, n);
}

static size_t create_resp(struct script *s, uint32_t flags, uint64_t mid, uint32_t fid,
                          uint32_t status)
{
    size_t at = hdr(s, RW_TOCLIENT, 5, flags, mid, 1, status);

    if (status != 0) {
        body_plain(s, 1, 9);
        return at;
    }
    p16(s, 1, 89);
    pz(s, 1, 62);
    fid_put(s, 1, fid);
    p32(s, 1, 0);
    p32(s, 1, 0);
    return at;
}

static uint8_t pat(uint32_t seed, uint64_t i)
{
    return (uint8_t)(seed * 31u + i * 7u + (i >> 8));
}

static size_t write_req(struct script *s, uint32_t flags, uint64_t mid, uint32_t fid, uint64_t off,
                        uint32_t len, uint32_t seed)
{
    size_t at = hdr(s, RW_TOSERVER, 9, flags, mid, 1, 0);

    p16(s, 0, 49);
    p16(s, 0, 112); /* DataOffset */
    p32(s, 0, len);
    p64(s, 0, off);
    fid_put(s, 0, fid);
    pz(s, 0, 16);
    for (uint32_t i = 0; i < len; i++)
        p8(s, 0, pat(seed, off + i));
    return at;
}

static size_t read_req(struct script *s, uint32_t flags, uint64_t mid, uint32_t fid, uint64_t off,
                       uint32_t len)
{
    size_t at = hdr(s, RW_TOSERVER, 8, flags, mid, 1, 0);

    p16(s, 0, 49);
    p8(s, 0, 0);
    p8(s, 0, 0);
    p32(s, 0, len);
    p64(s, 0, off);
    fid_put(s, 0, fid);
    pz(s, 0, 17);
    return at;
}

static size_t read_resp(struct script *s, uint32_t flags, uint64_t mid, uint64_t off, uint32_t len,
                        uint32_t seed, uint32_t status)
{
    size_t at = hdr(s, RW_TOCLIENT, 8, flags, mid, 1, status);

    if (status != 0) {
        body_plain(s, 1, 9);
        return at;
    }
    p16(s, 1, 17);
    p8(s, 1, 80); /* DataOffset */
    p8(s, 1, 0);
    p32(s, 1, len);
    pz(s, 1, 8);
    for (uint32_t i = 0; i < len; i++)
        p8(s, 1, pat(seed, off + i));
    return at;
}

static size_t close_req(struct script *s, uint32_t flags, uint64_t mid, uint32_t fid)
{
    size_t at = hdr(s, RW_TOSERVER, 6, flags, mid, 1, 0);

    p16(s, 0, 24);
    pz(s, 0, 6);
    fid_put(s, 0, fid);
    return at;
}

static size_t close_resp(struct script *s, uint32_t flags, uint64_t mid)
{
    size_t at = hdr(s, RW_TOCLIENT, 6, flags, mid, 1, 0);

    body_plain(s, 1, 60);
    return at;
}

static size_t tree_resp(struct script *s, uint64_t mid, uint32_t tree, uint8_t type)
{
    size_t at = hdr(s, RW_TOCLIENT, 3, 0, mid, tree, 0);

    p16(s, 1, 16);
    p8(s, 1, type);
    pz(s, 1, 13);
    return at;
}

/* [MS-CIFS] 2.2.3.1 SMB1 header; PIDLow 0xfeff. */
static void smb1_hdr(struct script *s, uint8_t d, uint8_t cmd, uint16_t mid, int unicode)
{
    p8(s, d, 0xff);
    p8(s, d, 'S');
    p8(s, d, 'M');
    p8(s, d, 'B');
    p8(s, d, cmd);
    p32(s, d, 0);
    p8(s, d, (uint8_t)(0x18 | (d == RW_TOCLIENT ? 0x80 : 0)));
    p16(s, d, (uint16_t)(0x4807 | (unicode ? 0x8000 : 0)));
    pz(s, d, 12);
    p16(s, d, 0x0800); /* TID */
    p16(s, d, 0xfeff); /* PIDLow */
    p16(s, d, 0x0064); /* UID */
    p16(s, d, mid);
}

/* NT_CREATE_ANDX request (2.2.4.64.1): UTF-16 name + NUL after a pad byte, or OEM + NUL. */
static void smb1_create_req(struct script *s, uint16_t mid, const char *name, int unicode)
{
    size_t n = strlen(name);
    uint16_t nlen = (uint16_t)(unicode ? 2 * n + 2 : n + 1);

    smb1_hdr(s, 0, 0xa2, mid, unicode);
    p8(s, 0, 24);
    p8(s, 0, 0xff);
    pz(s, 0, 3);
    p8(s, 0, 0);
    p16(s, 0, nlen);
    pz(s, 0, 41);
    p16(s, 0, (uint16_t)(nlen + (unicode ? 1 : 0)));
    if (unicode)
        p8(s, 0, 0);
    for (size_t i = 0; i < n; i++) {
        p8(s, 0, (uint8_t)name[i]);
        if (unicode)
            p8(s, 0, 0);
    }
    pz(s, 0, unicode ? 2 : 1);
}

static void smb1_create_resp(struct script *s, uint16_t mid, uint16_t fid, uint16_t type)
{
    smb1_hdr(s, 1, 0xa2, mid, 1);
    p8(s, 1, 34);
    p8(s, 1, 0xff);
    pz(s, 1, 3);
    p8(s, 1, 0);
    p16(s, 1, fid);
    pz(s, 1, 4 + 32 + 4 + 8 + 8);
    p16(s, 1, type);
    p16(s, 1, 0);
    p8(s, 1, 0);
    p16(s, 1, 0);
}

/* WRITE_ANDX request (2.2.4.43.1), 14 words, data at 64 after a pad byte. */
static void smb1_write_req(struct script *s, uint16_t mid, uint16_t fid, uint32_t off, uint16_t len,
                           uint32_t seed)
{
    smb1_hdr(s, 0, 0x2f, mid, 1);
    p8(s, 0, 14);
    p8(s, 0, 0xff);
    pz(s, 0, 3);
    p16(s, 0, fid);
    p32(s, 0, off);
    pz(s, 0, 10);
    p16(s, 0, len);
    p16(s, 0, 64);
    p32(s, 0, 0);
    p16(s, 0, (uint16_t)(len + 1));
    p8(s, 0, 0);
    for (uint32_t i = 0; i < len; i++)
        p8(s, 0, pat(seed, off + i));
}

static void smb1_read_req(struct script *s, uint16_t mid, uint16_t fid, uint32_t off, uint16_t len)
{
    smb1_hdr(s, 0, 0x2e, mid, 1);
    p8(s, 0, 12);
    p8(s, 0, 0xff);
    pz(s, 0, 3);
    p16(s, 0, fid);
    p32(s, 0, off);
    p16(s, 0, len);
    pz(s, 0, 12);
    p16(s, 0, 0);
}

/* READ_ANDX response (2.2.4.42.2), data at 60 after a pad byte. */
static void smb1_read_resp(struct script *s, uint16_t mid, uint32_t off, uint16_t len,
                           uint32_t seed)
{
    smb1_hdr(s, 1, 0x2e, mid, 1);
    p8(s, 1, 12);
    p8(s, 1, 0xff);
    pz(s, 1, 3);
    pz(s, 1, 6);
    p16(s, 1, len);
    p16(s, 1, 60);
    pz(s, 1, 10);
    p16(s, 1, (uint16_t)(len + 1));
    p8(s, 1, 0);
    for (uint32_t i = 0; i < len; i++)
        p8(s, 1, pat(seed, off + i));
}

static void smb1_close(struct script *s, uint8_t d, uint16_t mid, uint16_t fid)
{
    smb1_hdr(s, d, 0x04, mid, 1);
    if (d == RW_TOSERVER) {
        p8(s, 0, 3);
        p16(s, 0, fid);
        p32(s, 0, 0);
    } else {
        p8(s, 1, 0);
    }
    p16(s, d, 0);
}

/* One request (or response) alone in its NetBIOS message. */
#define ONE(s, d, call)                                                                     \
    do {                                                                                    \
        size_t nb_ = nb_begin((s), (d));                                                     \
        (void)(call);                                                                       \
        nb_end((s), (d), nb_);                                                               \
        step((s), (d));                                                                     \
    } while (0)

/* The reference session: every feature once. Files, in order of their first data:
 *   1 "dir\évil.exe"       WRITE 3 x 100 (offsets 0, 100, 200), CLOSE: 300 bytes up, closed
 *   2 "Test\Payroll.xlsx"  READ 1000 + 500, CLOSE: 1500 bytes down, closed
 *   3 "c.txt"              compounded CREATE + WRITE 64 + CLOSE, responses compounded
 *   4 "big.bin"            async READ: STATUS_PENDING, then 2000 bytes; CLOSE request only
 *   5 "\WINDOWS\x.exe"     SMB1 WRITE_ANDX 200 + 100, CLOSE: 300 bytes up, closed
 *   6 "r1.txt"             SMB1 READ_ANDX 300 (OEM name), CLOSE: 300 bytes down, closed
 * plus: a named pipe on an IPC$ tree (50 bytes, no file), an SMB1 pipe (40 bytes, no
 * file), an encrypted message, an SMB1 NEGOTIATE, a keepalive. */
static void build_session(struct script *s)
{
    static const uint16_t evil[] = {'d', 'i', 'r', '\\', 0xe9, 'v', 'i', 'l', '.', 'e', 'x', 'e'};
    size_t nb, a;

    memset(s, 0, sizeof(*s));
    /* NetBIOS keepalive (type 0x85), then NEGOTIATE and SESSION_SETUP, skipped. */
    p8(s, 0, 0x85);
    pz(s, 0, 3);
    ONE(s, 0, (hdr(s, 0, 0, 0, 0, 0, 0), body_plain(s, 0, 36)));
    ONE(s, 1, (hdr(s, 1, 0, 0, 0, 0, 0), body_plain(s, 1, 65)));
    ONE(s, 0, (hdr(s, 0, 1, 0, 1, 0, 0), body_plain(s, 0, 25)));
    ONE(s, 1, (hdr(s, 1, 1, 0, 1, 0, 0), body_plain(s, 1, 9)));
    /* TREE_CONNECT to a disk share (tree 1) and to IPC$ (tree 9, share type pipe). */
    ONE(s, 0, (hdr(s, 0, 3, 0, 2, 0, 0), body_plain(s, 0, 9)));
    ONE(s, 1, tree_resp(s, 2, 1, 1));
    ONE(s, 0, (hdr(s, 0, 3, 0, 3, 0, 0), body_plain(s, 0, 9)));
    ONE(s, 1, tree_resp(s, 3, 9, 2));
    /* File 1: upload. */
    ONE(s, 0, create_req16(s, 0, 10, 1, evil, sizeof(evil) / 2));
    ONE(s, 1, create_resp(s, 0, 10, 0xa1, 0));
    ONE(s, 0, write_req(s, 0, 11, 0xa1, 0, 100, 1));
    ONE(s, 0, write_req(s, 0, 12, 0xa1, 100, 100, 1));
    ONE(s, 0, write_req(s, 0, 13, 0xa1, 200, 100, 1));
    ONE(s, 0, close_req(s, 0, 14, 0xa1));
    ONE(s, 1, close_resp(s, 0, 14));
    /* The pipe. */
    ONE(s, 0, create_req(s, 0, 20, 9, "svcctl"));
    ONE(s, 1, create_resp(s, 0, 20, 0xb1, 0));
    ONE(s, 0, write_req(s, 0, 21, 0xb1, 0, 50, 9));
    /* File 2: download. */
    ONE(s, 0, create_req(s, 0, 30, 1, "Test\\Payroll.xlsx"));
    ONE(s, 1, create_resp(s, 0, 30, 0xa2, 0));
    ONE(s, 0, read_req(s, 0, 31, 0xa2, 0, 1000));
    ONE(s, 1, read_resp(s, 0, 31, 0, 1000, 2, 0));
    ONE(s, 0, read_req(s, 0, 32, 0xa2, 1000, 1000));
    ONE(s, 1, read_resp(s, 0, 32, 1000, 500, 2, 0));
    ONE(s, 0, close_req(s, 0, 33, 0xa2));
    ONE(s, 1, close_resp(s, 0, 33));
    /* File 3: one compounded message each way. */
    nb = nb_begin(s, 0);
    a = create_req(s, 0, 40, 1, "c.txt");
    link_next(s, 0, a);
    a = write_req(s, F_RELATED, 41, 0xffffffffu, 0, 64, 3);
    link_next(s, 0, a);
    close_req(s, F_RELATED, 42, 0xffffffffu);
    nb_end(s, 0, nb);
    step(s, 0);
    nb = nb_begin(s, 1);
    a = create_resp(s, 0, 40, 0xa3, 0);
    link_next(s, 1, a);
    a = hdr(s, 1, 9, F_RELATED, 41, 1, 0);
    body_plain(s, 1, 17);
    link_next(s, 1, a);
    close_resp(s, F_RELATED, 42);
    nb_end(s, 1, nb);
    step(s, 1);
    /* File 4: async read. */
    ONE(s, 0, create_req(s, 0, 50, 1, "big.bin"));
    ONE(s, 1, create_resp(s, 0, 50, 0xa4, 0));
    ONE(s, 0, read_req(s, 0, 51, 0xa4, 0, 4096));
    ONE(s, 1, read_resp(s, F_ASYNC, 51, 0, 0, 0, 0x103));
    ONE(s, 1, read_resp(s, F_ASYNC, 51, 0, 2000, 4, 0));
    ONE(s, 0, close_req(s, 0, 52, 0xa4));
    /* SMB1: upload "\WINDOWS\x.exe" (UTF-16), download "r1.txt" (OEM), a pipe. */
    ONE(s, 0, (smb1_create_req(s, 60, "\\WINDOWS\\x.exe", 1), 0));
    ONE(s, 1, (smb1_create_resp(s, 60, 0x4004, 0), 0));
    ONE(s, 0, (smb1_write_req(s, 61, 0x4004, 0, 200, 5), 0));
    ONE(s, 0, (smb1_write_req(s, 62, 0x4004, 200, 100, 5), 0));
    ONE(s, 0, (smb1_close(s, 0, 63, 0x4004), 0));
    ONE(s, 1, (smb1_close(s, 1, 63, 0), 0));
    ONE(s, 0, (smb1_create_req(s, 64, "r1.txt", 0), 0));
    ONE(s, 1, (smb1_create_resp(s, 64, 0x4005, 0), 0));
    ONE(s, 0, (smb1_read_req(s, 65, 0x4005, 0, 300), 0));
    ONE(s, 1, (smb1_read_resp(s, 65, 0, 300, 6), 0));
    ONE(s, 0, (smb1_close(s, 0, 66, 0x4005), 0));
    ONE(s, 1, (smb1_close(s, 1, 66, 0), 0));
    ONE(s, 0, (smb1_create_req(s, 67, "\\srvsvc", 1), 0));
    ONE(s, 1, (smb1_create_resp(s, 67, 0x4006, 2), 0));
    ONE(s, 0, (smb1_write_req(s, 68, 0x4006, 0, 40, 7), 0));
    /* An encrypted message (transform header + 60 opaque bytes) and an SMB1 message. */
    nb = nb_begin(s, 1);
    p8(s, 1, 0xfd);
    p8(s, 1, 'S');
    p8(s, 1, 'M');
    p8(s, 1, 'B');
    pz(s, 1, 60);
    nb_end(s, 1, nb);
    step(s, 1);
    nb = nb_begin(s, 0);
    p8(s, 0, 0xff);
    p8(s, 0, 'S');
    p8(s, 0, 'M');
    p8(s, 0, 'B');
    p8(s, 0, 0x72);
    pz(s, 0, 30);
    nb_end(s, 0, nb);
    step(s, 0);
}

/* ---- feeding -------------------------------------------------------------------- */

struct result {
    struct rec r;
    struct rw_smb_counters c;
};

/* Splits: 0 whole steps; 1 byte by byte; 2 random (seed); 3 one cut at byte `cut` of the
 * whole script. limit: bytes sent in all (SIZE_MAX: all), then rw_smb_end. */
static void run(const struct script *s, int how, uint32_t seed, size_t cut, size_t limit,
                struct result *out)
{
    struct rw_xfer_sink sink = sink_for(&out->r);
    struct rw_smb *smb = rw_smb_new(&sink);
    size_t sent = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(smb);
    for (size_t i = 0; i < s->nsteps && sent < limit; i++) {
        const uint8_t *p = s->b[s->st[i].dir] + s->st[i].off;
        size_t n = s->st[i].len, done = 0;

        if (n > limit - sent)
            n = limit - sent;
        while (done < n) {
            size_t k = n - done;

            if (how == 1)
                k = 1;
            else if (how == 2) {
                seed = seed * 1103515245u + 12345u;
                k = 1 + (seed >> 16) % 97;
                if (k > n - done)
                    k = n - done;
            } else if (how == 3 && sent + done < cut && sent + done + k > cut) {
                k = cut - sent - done;
            }
            rw_smb_data(smb, s->st[i].dir, p + done, k);
            done += k;
        }
        sent += n;
    }
    rw_smb_end(smb);
    out->c = *rw_smb_counters(smb);
    rw_smb_free(&smb);
    CU_ASSERT_PTR_NULL(smb);
}

static size_t script_bytes(const struct script *s)
{
    size_t t = 0;

    for (size_t i = 0; i < s->nsteps; i++)
        t += s->st[i].len;
    return t;
}

static uint32_t hash_pat(uint32_t seed, uint64_t from, uint64_t to)
{
    uint32_t h = 2166136261u;

    for (uint64_t i = from; i < to; i++)
        h = (h ^ pat(seed, i)) * 16777619u;
    return h;
}

static struct script S;
static struct result R1, R2;

static void check_file(const struct rec_file *f, uint8_t dir, const char *name,
                       const char *method, uint64_t bytes, uint32_t seed, int truncated)
{
    CU_ASSERT_EQUAL(f->dir, dir);
    CU_ASSERT_EQUAL(f->name_len, strlen(name));
    CU_ASSERT_STRING_EQUAL(f->name, name);
    CU_ASSERT_STRING_EQUAL(f->uri, name);
    CU_ASSERT_STRING_EQUAL(f->method, method);
    CU_ASSERT_STRING_EQUAL(f->app, "smb");
    CU_ASSERT_EQUAL(f->bytes, bytes);
    CU_ASSERT_EQUAL(f->gap, 0);
    CU_ASSERT_EQUAL(f->hash, hash_pat(seed, 0, bytes));
    CU_ASSERT_EQUAL(f->closed, 1);
    CU_ASSERT_EQUAL(f->truncated, truncated);
}

static void test_smb_session_files_exact(void)
{
    const struct rw_smb_counters *c = &R1.c;

    build_session(&S);
    run(&S, 0, 0, 0, SIZE_MAX, &R1);
    CU_ASSERT_EQUAL_FATAL(R1.r.n, 6);
    CU_ASSERT_EQUAL(R1.r.bad_calls, 0);
    check_file(&R1.r.f[0], RW_TOSERVER, "dir\\\xc3\xa9vil.exe", "WRITE", 300, 1, 0);
    check_file(&R1.r.f[1], RW_TOCLIENT, "Test\\Payroll.xlsx", "READ", 1500, 2, 0);
    check_file(&R1.r.f[2], RW_TOSERVER, "c.txt", "WRITE", 64, 3, 0);
    check_file(&R1.r.f[3], RW_TOCLIENT, "big.bin", "READ", 2000, 4, 0);
    check_file(&R1.r.f[4], RW_TOSERVER, "\\WINDOWS\\x.exe", "WRITE", 300, 5, 0);
    check_file(&R1.r.f[5], RW_TOCLIENT, "r1.txt", "READ", 300, 6, 0);
    CU_ASSERT_EQUAL(c->nbss_other[RW_TOSERVER], 1);
    CU_ASSERT_EQUAL(c->smb2_msgs[RW_TOSERVER], 21);
    CU_ASSERT_EQUAL(c->smb2_msgs[RW_TOCLIENT], 17);
    CU_ASSERT_EQUAL(c->compounded[RW_TOSERVER], 2);
    CU_ASSERT_EQUAL(c->compounded[RW_TOCLIENT], 2);
    CU_ASSERT_EQUAL(c->encrypted_msgs[RW_TOCLIENT], 1);
    CU_ASSERT_EQUAL(c->encrypted_bytes[RW_TOCLIENT], 64);
    CU_ASSERT_EQUAL(c->smb1_msgs[RW_TOSERVER], 10);
    CU_ASSERT_EQUAL(c->smb1_msgs[RW_TOCLIENT], 6);
    CU_ASSERT_EQUAL(c->malformed[0] + c->malformed[1], 0);
    CU_ASSERT_EQUAL(c->creates, 8);
    CU_ASSERT_EQUAL(c->creates_ok, 8);
    CU_ASSERT_EQUAL(c->pipes, 2);
    CU_ASSERT_EQUAL(c->pipe_bytes, 90);
    CU_ASSERT_EQUAL(c->writes, 8);
    CU_ASSERT_EQUAL(c->reads, 4);
    CU_ASSERT_EQUAL(c->write_bytes, 300 + 50 + 64 + 300 + 40);
    CU_ASSERT_EQUAL(c->read_bytes, 3500 + 300);
    CU_ASSERT_EQUAL(c->closes, 6);
    CU_ASSERT_EQUAL(c->async_interim, 1);
    CU_ASSERT_EQUAL(c->responses_orphan, 0);
    CU_ASSERT_EQUAL(c->files_opened, 6);
    CU_ASSERT_EQUAL(c->files_closed, 6);
    CU_ASSERT_EQUAL(c->lost[0] + c->lost[1], 0);
}

static void same(const struct result *a, const struct result *b)
{
    CU_ASSERT_EQUAL(memcmp(&a->r, &b->r, sizeof(a->r)), 0);
    CU_ASSERT_EQUAL(memcmp(&a->c, &b->c, sizeof(a->c)), 0);
}

/* S fed whole, in one-byte pieces, in random pieces (seeds 1..nseeds) and cut anywhere in
 * two: the same calls and counters every time. */
static void check_split_anywhere(uint32_t nseeds)
{
    size_t total = script_bytes(&S);

    run(&S, 0, 0, 0, SIZE_MAX, &R1);
    run(&S, 1, 0, 0, SIZE_MAX, &R2);
    same(&R1, &R2);
    for (uint32_t seed = 1; seed <= nseeds; seed++) {
        run(&S, 2, seed, 0, SIZE_MAX, &R2);
        same(&R1, &R2);
    }
    for (size_t cut = 1; cut < total; cut++) {
        run(&S, 3, 0, cut, SIZE_MAX, &R2);
        if (memcmp(&R1, &R2, sizeof(R1)) != 0) {
            fprintf(stderr, "\nsplit at %zu differs\n", cut);
            CU_FAIL("split result differs");
            break;
        }
    }
}

static void test_smb_split_anywhere_same_result(void)
{
    build_session(&S);
    check_split_anywhere(100);
}

/* The stream cut at every offset, then the end: files are prefixes of the full ones,
 * every opened file is closed, nothing is called for an unknown id. */
static void test_smb_truncated_at_every_offset(void)
{
    size_t total;
    int bad = 0;

    build_session(&S);
    total = script_bytes(&S);
    run(&S, 0, 0, 0, SIZE_MAX, &R1);
    for (size_t lim = 0; lim <= total && bad == 0; lim++) {
        run(&S, 0, 0, 0, lim, &R2);
        bad += R2.r.bad_calls != 0;
        bad += R2.r.n > R1.r.n;
        bad += R2.c.files_opened != R2.c.files_closed;
        for (int i = 0; i < R2.r.n && i < R1.r.n; i++) {
            bad += strcmp(R2.r.f[i].name, R1.r.f[i].name) != 0;
            bad += R2.r.f[i].bytes > R1.r.f[i].bytes;
            bad += memcmp(R2.r.f[i].head, R1.r.f[i].head, R2.r.f[i].head_len) != 0;
            bad += R2.r.f[i].closed != 1;
        }
        if (bad)
            fprintf(stderr, "\ntruncated at %zu: %d problems\n", lim, bad);
    }
    CU_ASSERT_EQUAL(bad, 0);
    /* Exactly at the end: identical to the full run. */
    run(&S, 0, 0, 0, total, &R2);
    same(&R1, &R2);
}

/* ---- offsets, ends, gaps ------------------------------------------------------------- */

static struct rw_smb *fresh(struct rec *r, struct rw_xfer_sink *sink)
{
    struct rw_smb *smb;

    *sink = sink_for(r);
    smb = rw_smb_new(sink);
    CU_ASSERT_PTR_NOT_NULL_FATAL(smb);
    return smb;
}

static void feed_all(struct rw_smb *smb, const struct script *s)
{
    for (size_t i = 0; i < s->nsteps; i++)
        rw_smb_data(smb, s->st[i].dir, s->b[s->st[i].dir] + s->st[i].off, s->st[i].len);
}

static void open_file(struct script *s, uint64_t mid, const char *name, uint32_t fid)
{
    ONE(s, 0, create_req(s, 0, mid, 1, name));
    ONE(s, 1, create_resp(s, 0, mid, fid, 0));
}

static void test_smb_offsets_policy(void)
{
    struct rec r;
    struct rw_xfer_sink sink;
    struct rw_smb *smb = fresh(&r, &sink);
    const struct rw_smb_counters *c = rw_smb_counters(smb);

    memset(&S, 0, sizeof(S));
    open_file(&S, 1, "o.bin", 7);
    ONE(&S, 0, write_req(&S, 0, 2, 7, 0, 10, 5));  /* fed */
    ONE(&S, 0, write_req(&S, 0, 3, 7, 30, 10, 5)); /* gap 20, fed */
    ONE(&S, 0, write_req(&S, 0, 4, 7, 35, 10, 5)); /* 5 rewritten, 5 fed */
    ONE(&S, 0, write_req(&S, 0, 5, 7, 0, 5, 5));   /* rewritten */
    feed_all(smb, &S);
    rw_smb_end(smb);
    CU_ASSERT_EQUAL_FATAL(r.n, 1);
    CU_ASSERT_EQUAL(r.f[0].bytes, 25);
    CU_ASSERT_EQUAL(r.f[0].gap, 20);
    CU_ASSERT_EQUAL(c->offset_gaps, 1);
    CU_ASSERT_EQUAL(c->bytes_rewritten, 10);
    CU_ASSERT_EQUAL(r.f[0].truncated, 1); /* no CLOSE */
    CU_ASSERT_EQUAL(r.f[0].head[10], pat(5, 30));
    CU_ASSERT_EQUAL(r.f[0].head[20], pat(5, 40));
    rw_smb_free(&smb);

    /* First data at an offset, READ of a file that was written: wrong direction. */
    smb = fresh(&r, &sink);
    c = rw_smb_counters(smb);
    memset(&S, 0, sizeof(S));
    open_file(&S, 1, "p.bin", 8);
    ONE(&S, 0, write_req(&S, 0, 2, 8, 4096, 10, 6));
    ONE(&S, 0, read_req(&S, 0, 3, 8, 0, 10));
    ONE(&S, 1, read_resp(&S, 0, 3, 0, 10, 6, 0));
    ONE(&S, 0, close_req(&S, 0, 4, 8));
    feed_all(smb, &S);
    rw_smb_end(smb);
    CU_ASSERT_EQUAL_FATAL(r.n, 1);
    CU_ASSERT_EQUAL(r.f[0].gap, 4096);
    CU_ASSERT_EQUAL(r.f[0].bytes, 10);
    CU_ASSERT_EQUAL(c->bytes_wrong_dir, 10);
    CU_ASSERT_EQUAL(r.f[0].truncated, 0); /* CLOSE request seen */
    rw_smb_free(&smb);
}

/* Pipelined READs answered out of offset order (as Windows does: the real capture
 * smb2_read_mimikatz_exe_download.pcap): the bytes ahead are held, the file is whole. */
static void test_smb_out_of_order_reads_held(void)
{
    struct rec r;
    struct rw_xfer_sink sink;
    struct rw_smb *smb = fresh(&r, &sink);
    const struct rw_smb_counters *c = rw_smb_counters(smb);

    memset(&S, 0, sizeof(S));
    open_file(&S, 1, "ooo.bin", 7);
    ONE(&S, 0, read_req(&S, 0, 2, 7, 0, 100));
    ONE(&S, 0, read_req(&S, 0, 3, 7, 100, 100));
    ONE(&S, 0, read_req(&S, 0, 4, 7, 200, 100));
    ONE(&S, 0, read_req(&S, 0, 5, 7, 300, 100));
    ONE(&S, 1, read_resp(&S, 0, 2, 0, 100, 9, 0));
    ONE(&S, 1, read_resp(&S, 0, 5, 300, 100, 9, 0)); /* held */
    ONE(&S, 1, read_resp(&S, 0, 4, 200, 100, 9, 0)); /* held */
    ONE(&S, 1, read_resp(&S, 0, 3, 100, 100, 9, 0)); /* fed, then 200 and 300 */
    ONE(&S, 0, close_req(&S, 0, 6, 7));
    ONE(&S, 1, close_resp(&S, 0, 6));
    feed_all(smb, &S);
    rw_smb_end(smb);
    CU_ASSERT_EQUAL_FATAL(r.n, 1);
    CU_ASSERT_EQUAL(r.f[0].bytes, 400);
    CU_ASSERT_EQUAL(r.f[0].gap, 0);
    CU_ASSERT_EQUAL(r.f[0].hash, hash_pat(9, 0, 400));
    CU_ASSERT_EQUAL(r.f[0].closed, 1);
    CU_ASSERT_EQUAL(r.f[0].truncated, 0);
    CU_ASSERT_EQUAL(c->ooo_held, 2);
    CU_ASSERT_EQUAL(c->ooo_overflow, 0);
    CU_ASSERT_EQUAL(c->offset_gaps, 0);
    CU_ASSERT_EQUAL(c->bytes_rewritten, 0);
    rw_smb_free(&smb);

    /* A READ that never comes: at the close the held bytes follow a gap for it. */
    smb = fresh(&r, &sink);
    c = rw_smb_counters(smb);
    memset(&S, 0, sizeof(S));
    open_file(&S, 1, "lost.bin", 8);
    ONE(&S, 0, read_req(&S, 0, 2, 8, 0, 100));
    ONE(&S, 0, read_req(&S, 0, 3, 8, 100, 100));
    ONE(&S, 0, read_req(&S, 0, 4, 8, 200, 100));
    ONE(&S, 1, read_resp(&S, 0, 2, 0, 100, 9, 0));
    ONE(&S, 1, read_resp(&S, 0, 4, 200, 100, 9, 0));
    ONE(&S, 0, close_req(&S, 0, 5, 8));
    ONE(&S, 1, close_resp(&S, 0, 5));
    feed_all(smb, &S);
    rw_smb_end(smb);
    CU_ASSERT_EQUAL_FATAL(r.n, 1);
    CU_ASSERT_EQUAL(r.f[0].bytes, 200);
    CU_ASSERT_EQUAL(r.f[0].gap, 100);
    CU_ASSERT_EQUAL(r.f[0].head[63], pat(9, 63));
    CU_ASSERT_EQUAL(c->ooo_held, 1);
    CU_ASSERT_EQUAL(c->offset_gaps, 1);
    rw_smb_free(&smb);
}

/* Past RW_SMB_OOO_MAX_BYTES held, the file's held bytes go out first (a gap for the READ
 * still missing), then the newcomer; the late READ is then a rewrite. */
static void test_smb_out_of_order_bound(void)
{
    struct rec r;
    struct rw_xfer_sink sink;
    struct rw_smb *smb = fresh(&r, &sink);
    const struct rw_smb_counters *c = rw_smb_counters(smb);
    const uint32_t big = 60000;
    size_t peak = 0;

    memset(&S, 0, sizeof(S));
    open_file(&S, 1, "big.bin", 7);
    ONE(&S, 0, read_req(&S, 0, 2, 7, 0, 10));
    for (uint32_t i = 0; i < 20; i++)
        ONE(&S, 0, read_req(&S, 0, 3 + i, 7, 10 + (uint64_t)i * big, big));
    ONE(&S, 1, read_resp(&S, 0, 2, 0, 10, 4, 0));
    feed_all(smb, &S);
    for (uint32_t i = 1; i < 20; i++) { /* mids 4..22; mid 3 (offset 10) comes last */
        memset(&S, 0, sizeof(S));
        ONE(&S, 1, read_resp(&S, 0, 3 + i, 10 + (uint64_t)i * big, big, 4, 0));
        feed_all(smb, &S);
        if (rw_smb_bytes(smb) > peak)
            peak = rw_smb_bytes(smb);
    }
    memset(&S, 0, sizeof(S));
    ONE(&S, 1, read_resp(&S, 0, 3, 10, big, 4, 0));
    feed_all(smb, &S);
    rw_smb_end(smb);
    CU_ASSERT(peak < sizeof(struct rw_xfer_sink) + 2 * RW_SMB_HEAD_MAX_BYTES + 64 * 1024 +
                         RW_SMB_OOO_MAX_BYTES);
    CU_ASSERT_EQUAL(c->ooo_held, 17);   /* 17 x (60000 + the entry) fit in 1 MiB */
    CU_ASSERT_EQUAL(c->ooo_overflow, 1);
    CU_ASSERT_EQUAL_FATAL(r.n, 1);
    CU_ASSERT_EQUAL(r.f[0].bytes, 10 + 19 * (uint64_t)big);
    CU_ASSERT_EQUAL(r.f[0].gap, big);
    CU_ASSERT_EQUAL(c->offset_gaps, 1);
    CU_ASSERT_EQUAL(c->bytes_rewritten, big);
    CU_ASSERT_EQUAL(r.f[0].truncated, 1); /* no CLOSE */
    rw_smb_free(&smb);
}

/* Feeds the steps of S in pieces of `piece` bytes (0: each step whole). */
static void feed_pieces(struct rw_smb *smb, const struct script *s, size_t piece)
{
    for (size_t i = 0; i < s->nsteps; i++) {
        const uint8_t *p = s->b[s->st[i].dir] + s->st[i].off;
        size_t n = s->st[i].len;

        for (size_t done = 0; done < n;) {
            size_t k = piece == 0 || piece > n - done ? n - done : piece;

            rw_smb_data(smb, s->st[i].dir, p + done, k);
            done += k;
        }
    }
}

/* Held out-of-order data does not depend on how its messages are split: a message's data
 * is held as one entry whose room is taken at its first piece, so the counters, the bound
 * and the files are those of whole messages. Found by fuzz_smb
 * (regress/smb/ooo-held-per-piece): every piece was held as an entry of its own, so
 * ooo_held counted pieces, and each piece's entry header counted against
 * RW_SMB_OOO_MAX_BYTES, which small segments reached sooner (and 1-byte segments after
 * some 25 KB). */
static void test_smb_out_of_order_split_same_result(void)
{
    static const size_t pieces[] = {0, 1460, 7};
    const uint32_t big = 60000;

    memset(&S, 0, sizeof(S));
    open_file(&S, 1, "ooo.bin", 7);
    ONE(&S, 0, read_req(&S, 0, 2, 7, 0, 100));
    ONE(&S, 0, read_req(&S, 0, 3, 7, 100, 100));
    ONE(&S, 0, read_req(&S, 0, 4, 7, 200, 100));
    ONE(&S, 0, read_req(&S, 0, 5, 7, 300, 100));
    ONE(&S, 1, read_resp(&S, 0, 2, 0, 100, 9, 0));
    ONE(&S, 1, read_resp(&S, 0, 5, 300, 100, 9, 0));
    ONE(&S, 1, read_resp(&S, 0, 4, 200, 100, 9, 0));
    ONE(&S, 1, read_resp(&S, 0, 3, 100, 100, 9, 0));
    ONE(&S, 0, close_req(&S, 0, 6, 7));
    ONE(&S, 1, close_resp(&S, 0, 6));
    run(&S, 0, 0, 0, SIZE_MAX, &R1);
    CU_ASSERT_EQUAL(R1.c.ooo_held, 2);
    CU_ASSERT_EQUAL_FATAL(R1.r.n, 1);
    check_file(&R1.r.f[0], RW_TOCLIENT, "ooo.bin", "READ", 400, 9, 0);
    run(&S, 1, 0, 0, SIZE_MAX, &R2);
    same(&R1, &R2);
    for (uint32_t seed = 1; seed <= 20; seed++) {
        run(&S, 2, seed, 0, SIZE_MAX, &R2);
        same(&R1, &R2);
    }

    /* The bound: 17 whole 60000-byte answers fit, the 18th does not, in any pieces. */
    for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
        struct rec r;
        struct rw_xfer_sink sink;
        struct rw_smb *smb = fresh(&r, &sink);
        const struct rw_smb_counters *c = rw_smb_counters(smb);

        memset(&S, 0, sizeof(S));
        open_file(&S, 1, "big.bin", 7);
        ONE(&S, 0, read_req(&S, 0, 2, 7, 0, 10));
        for (uint32_t j = 0; j < 20; j++)
            ONE(&S, 0, read_req(&S, 0, 3 + j, 7, 10 + (uint64_t)j * big, big));
        ONE(&S, 1, read_resp(&S, 0, 2, 0, 10, 4, 0));
        feed_pieces(smb, &S, pieces[i]);
        for (uint32_t j = 1; j < 20; j++) {
            memset(&S, 0, sizeof(S));
            ONE(&S, 1, read_resp(&S, 0, 3 + j, 10 + (uint64_t)j * big, big, 4, 0));
            feed_pieces(smb, &S, pieces[i]);
        }
        memset(&S, 0, sizeof(S));
        ONE(&S, 1, read_resp(&S, 0, 3, 10, big, 4, 0));
        feed_pieces(smb, &S, pieces[i]);
        rw_smb_end(smb);
        CU_ASSERT_EQUAL(c->ooo_held, 17);
        CU_ASSERT_EQUAL(c->ooo_overflow, 1);
        CU_ASSERT_EQUAL(c->offset_gaps, 1);
        CU_ASSERT_EQUAL(c->bytes_rewritten, big);
        CU_ASSERT_EQUAL_FATAL(r.n, 1);
        CU_ASSERT_EQUAL(r.f[0].bytes, 10 + 19 * (uint64_t)big);
        CU_ASSERT_EQUAL(r.f[0].gap, big);
        rw_smb_free(&smb);
    }
}

/* A held answer that overlaps the answer reaching it is fed after that whole answer, so
 * the reaching answer's bytes are kept where they overlap, however it is split. Found by
 * fuzz_smb (regress/smb/held-answer-overlap-split): held bytes were fed after every piece,
 * so when a piece reached the held answer's offset the held bytes took the rest of the
 * overlap, and which answer's bytes the file got depended on the segmentation. */
static void test_smb_held_answer_fed_after_the_reaching_message(void)
{
    uint32_t h = 2166136261u;

    memset(&S, 0, sizeof(S));
    open_file(&S, 1, "lap.bin", 7);
    ONE(&S, 0, read_req(&S, 0, 2, 7, 0, 64));
    ONE(&S, 0, read_req(&S, 0, 3, 7, 64, 27));
    ONE(&S, 0, read_req(&S, 0, 4, 7, 85, 64));
    ONE(&S, 1, read_resp(&S, 0, 2, 0, 64, 1, 0));
    ONE(&S, 1, read_resp(&S, 0, 4, 85, 64, 3, 0)); /* held: [85, 149) */
    ONE(&S, 1, read_resp(&S, 0, 3, 64, 27, 2, 0)); /* [64, 91): overlaps 6 held bytes */
    ONE(&S, 0, close_req(&S, 0, 5, 7));
    ONE(&S, 1, close_resp(&S, 0, 5));
    run(&S, 0, 0, 0, SIZE_MAX, &R1);
    CU_ASSERT_EQUAL_FATAL(R1.r.n, 1);
    for (uint64_t i = 0; i < 149; i++)
        h = (h ^ pat(i < 64 ? 1 : i < 91 ? 2 : 3, i)) * 16777619u;
    CU_ASSERT_EQUAL(R1.r.f[0].bytes, 149);
    CU_ASSERT_EQUAL(R1.r.f[0].gap, 0);
    CU_ASSERT_EQUAL(R1.r.f[0].hash, h);
    CU_ASSERT_EQUAL(R1.c.ooo_held, 1);
    CU_ASSERT_EQUAL(R1.c.bytes_rewritten, 6);
    CU_ASSERT_EQUAL(R1.r.f[0].truncated, 0);
    run(&S, 1, 0, 0, SIZE_MAX, &R2);
    same(&R1, &R2);
    for (uint32_t seed = 1; seed <= 20; seed++) {
        run(&S, 2, seed, 0, SIZE_MAX, &R2);
        same(&R1, &R2);
    }
}

static void test_smb_gap_inside_data_continues_elsewhere_loses(void)
{
    struct rec r;
    struct rw_xfer_sink sink;
    struct rw_smb *smb = fresh(&r, &sink);
    const struct rw_smb_counters *c = rw_smb_counters(smb);
    size_t w;

    memset(&S, 0, sizeof(S));
    open_file(&S, 1, "g.bin", 7);
    ONE(&S, 0, write_req(&S, 0, 2, 7, 0, 1000, 5));
    ONE(&S, 0, close_req(&S, 0, 3, 7));
    ONE(&S, 1, close_resp(&S, 0, 3));
    /* steps: 0 create, 1 resp, 2 write (4 + 112 + 1000), 3 close, 4 close resp */
    w = S.st[2].off;
    rw_smb_data(smb, 0, S.b[0] + S.st[0].off, S.st[0].len);
    rw_smb_data(smb, 1, S.b[1] + S.st[1].off, S.st[1].len);
    rw_smb_data(smb, 0, S.b[0] + w, 4 + 112 + 300);
    rw_smb_gap(smb, 0, 200);
    rw_smb_data(smb, 0, S.b[0] + w + 616, S.st[2].len - 616);
    rw_smb_data(smb, 0, S.b[0] + S.st[3].off, S.st[3].len);
    rw_smb_data(smb, 1, S.b[1] + S.st[4].off, S.st[4].len);
    CU_ASSERT_EQUAL_FATAL(r.n, 1);
    CU_ASSERT_EQUAL(r.f[0].bytes, 800);
    CU_ASSERT_EQUAL(r.f[0].gap, 200);
    CU_ASSERT_EQUAL(r.f[0].closed, 1);
    CU_ASSERT_EQUAL(r.f[0].truncated, 0);
    CU_ASSERT_EQUAL(c->gaps[0], 1);
    CU_ASSERT_EQUAL(c->lost[0], 0);
    /* A gap in a header: the direction is lost, the other one goes on. */
    rw_smb_gap(smb, 0, 3);
    CU_ASSERT_EQUAL(c->lost[0], 1);
    rw_smb_data(smb, 0, S.b[0], 100);
    CU_ASSERT_EQUAL(c->lost_bytes[0], 103);
    rw_smb_data(smb, 1, S.b[1] + S.st[4].off, S.st[4].len); /* a second CLOSE response */
    CU_ASSERT_EQUAL(c->responses_orphan, 1);
    rw_smb_end(smb);
    rw_smb_free(&smb);
}

/* ---- lies ------------------------------------------------------------------------ */

/* Runs script S, then one good WRITE + CLOSE on a fresh file; returns the malformed count.
 * The good file must come through intact whatever came before. */
static uint64_t lie_then_good(struct rec *r)
{
    struct rw_xfer_sink sink;
    struct rw_smb *smb = fresh(r, &sink);
    uint64_t bad;

    open_file(&S, 900, "good", 99);
    ONE(&S, 0, write_req(&S, 0, 901, 99, 0, 40, 8));
    ONE(&S, 0, close_req(&S, 0, 902, 99));
    ONE(&S, 1, close_resp(&S, 0, 902));
    feed_all(smb, &S);
    rw_smb_end(smb);
    bad = rw_smb_counters(smb)->malformed[0] + rw_smb_counters(smb)->malformed[1];
    CU_ASSERT_FATAL(r->n >= 1);
    check_file(&r->f[r->n - 1], RW_TOSERVER, "good", "WRITE", 40, 8, 0);
    CU_ASSERT_EQUAL(r->bad_calls, 0);
    rw_smb_free(&smb);
    return bad;
}

static void test_smb_lying_data_offsets_and_lengths(void)
{
    struct rec r;
    size_t a;

    /* WRITE DataOffset past the message, before the fixed part, Length past the end. */
    memset(&S, 0, sizeof(S));
    open_file(&S, 1, "w", 7);
    a = S.n[0] + 4;
    ONE(&S, 0, write_req(&S, 0, 2, 7, 0, 10, 1));
    put16at(&S, 0, a + 66, 0xffff);
    a = S.n[0] + 4;
    ONE(&S, 0, write_req(&S, 0, 3, 7, 0, 10, 1));
    put16at(&S, 0, a + 66, 64);
    a = S.n[0] + 4;
    ONE(&S, 0, write_req(&S, 0, 4, 7, 0, 10, 1));
    put32at(&S, 0, a + 68, 11);
    a = S.n[0] + 4;
    ONE(&S, 0, write_req(&S, 0, 5, 7, UINT64_MAX - 3, 10, 1)); /* offset + length wraps */
    CU_ASSERT_EQUAL(lie_then_good(&r), 4);
    CU_ASSERT_EQUAL(r.n, 1); /* "w" never moved a byte */

    /* READ response DataOffset outside, DataLength past the end. */
    memset(&S, 0, sizeof(S));
    open_file(&S, 1, "r", 7);
    ONE(&S, 0, read_req(&S, 0, 2, 7, 0, 10));
    a = S.n[1] + 4;
    ONE(&S, 1, read_resp(&S, 0, 2, 0, 10, 1, 0));
    S.b[1][a + 66] = 0xff;
    ONE(&S, 0, read_req(&S, 0, 3, 7, 0, 10));
    a = S.n[1] + 4;
    ONE(&S, 1, read_resp(&S, 0, 3, 0, 10, 1, 0));
    S.b[1][a + 66] = 10;
    ONE(&S, 0, read_req(&S, 0, 4, 7, 0, 10));
    a = S.n[1] + 4;
    ONE(&S, 1, read_resp(&S, 0, 4, 0, 10, 1, 0));
    put32at(&S, 1, a + 68, 0x7fffffff);
    CU_ASSERT_EQUAL(lie_then_good(&r), 3);
    CU_ASSERT_EQUAL(r.n, 1);

    /* CREATE name past the end, name offset inside the fixed part. */
    memset(&S, 0, sizeof(S));
    a = S.n[0] + 4;
    ONE(&S, 0, create_req(&S, 0, 1, 1, "abc"));
    put16at(&S, 0, a + 64 + 46, 0x4000);
    a = S.n[0] + 4;
    ONE(&S, 0, create_req(&S, 0, 2, 1, "abc"));
    put16at(&S, 0, a + 64 + 44, 8);
    ONE(&S, 1, create_resp(&S, 0, 1, 5, 0));
    CU_ASSERT_EQUAL(lie_then_good(&r), 2);
}

static void test_smb1_lying_fields(void)
{
    struct rec r;
    size_t a, nb;

    memset(&S, 0, sizeof(S));
    ONE(&S, 0, (smb1_create_req(&S, 1, "a.exe", 1), 0));
    ONE(&S, 1, (smb1_create_resp(&S, 1, 0x10, 0), 0));
    a = S.n[0] + 4;
    ONE(&S, 0, (smb1_write_req(&S, 2, 0x10, 0, 10, 1), 0));
    put16at(&S, 0, a + 33 + 22, 0xffff); /* DataOffset past the message */
    a = S.n[0] + 4;
    ONE(&S, 0, (smb1_write_req(&S, 3, 0x10, 0, 10, 1), 0));
    put16at(&S, 0, a + 33 + 20, 11); /* DataLength past the message */
    a = S.n[0] + 4;
    ONE(&S, 0, (smb1_write_req(&S, 4, 0x10, 0, 10, 1), 0));
    S.b[0][a + 32] = 13; /* WordCount */
    a = S.n[0] + 4;
    ONE(&S, 0, (smb1_create_req(&S, 5, "b.exe", 1), 0));
    put16at(&S, 0, a + 33 + 5, 0x4000); /* NameLength past the message */
    nb = nb_begin(&S, 0);
    p8(&S, 0, 0xff);
    p8(&S, 0, 'S');
    p8(&S, 0, 'M');
    p8(&S, 0, 'B');
    pz(&S, 0, 20); /* shorter than a header */
    nb_end(&S, 0, nb);
    step(&S, 0);
    CU_ASSERT_EQUAL(lie_then_good(&r), 5);
    CU_ASSERT_EQUAL(r.n, 1); /* "a.exe" never moved a byte */
}

static void test_smb_lying_next_command_and_framing(void)
{
    struct rec r;
    size_t nb, a, b;
    struct rw_xfer_sink sink;
    struct rw_smb *smb;

    /* NextCommand 8 (would loop), NextCommand past the message: counted, the rest of the
     * message is taken as that one command. */
    memset(&S, 0, sizeof(S));
    nb = nb_begin(&S, 0);
    a = hdr(&S, 0, 13, 0, 1, 1, 0);
    body_plain(&S, 0, 4);
    put32at(&S, 0, a + 20, 8);
    b = hdr(&S, 0, 13, 0, 2, 1, 0); /* swallowed by the first */
    body_plain(&S, 0, 4);
    nb_end(&S, 0, nb);
    nb = nb_begin(&S, 0);
    b = hdr(&S, 0, 13, 0, 2, 1, 0);
    body_plain(&S, 0, 4);
    put32at(&S, 0, b + 20, 0x10000);
    nb_end(&S, 0, nb);
    step(&S, 0);
    /* A session message too short for an SMB2 header; an unknown protocol id; a
     * response flag on a request. */
    nb = nb_begin(&S, 0);
    p8(&S, 0, 0xfe);
    p8(&S, 0, 'S');
    p8(&S, 0, 'M');
    p8(&S, 0, 'B');
    pz(&S, 0, 20);
    nb_end(&S, 0, nb);
    nb = nb_begin(&S, 0);
    pz(&S, 0, 70);
    nb_end(&S, 0, nb);
    nb = nb_begin(&S, 0);
    a = hdr(&S, 0, 9, F_RESP, 3, 1, 0);
    body_plain(&S, 0, 49);
    nb_end(&S, 0, nb);
    nb = nb_begin(&S, 0); /* two bytes: too short for any protocol id */
    pz(&S, 0, 2);
    nb_end(&S, 0, nb);
    step(&S, 0);
    CU_ASSERT_EQUAL(lie_then_good(&r), 6);
    CU_ASSERT_EQUAL(r.n, 1);

    /* An unknown NetBIOS type loses the direction. */
    smb = fresh(&r, &sink);
    memset(&S, 0, sizeof(S));
    p8(&S, 0, 0x42);
    pz(&S, 0, 9);
    step(&S, 0);
    feed_all(smb, &S);
    CU_ASSERT_EQUAL(rw_smb_counters(smb)->lost[0], 1);
    CU_ASSERT_EQUAL(rw_smb_counters(smb)->lost_bytes[0], 6);
    rw_smb_end(smb);
    rw_smb_end(smb);
    rw_smb_data(smb, 1, S.b[0], 4);
    rw_smb_free(&smb);
    rw_smb_free(&smb);
    rw_smb_free(NULL);
}

/* Random bytes inside well-formed framing, and random bytes alone: never a crash, every
 * opened file closed, nothing for unknown ids. */
static void test_smb_random_bytes(void)
{
    static uint8_t junk[4096];
    uint32_t x = 99;

    for (int round = 0; round < 300; round++) {
        struct rec r;
        struct rw_xfer_sink sink;
        struct rw_smb *smb = fresh(&r, &sink);

        build_session(&S);
        for (int k = 0; k < 8; k++) {
            size_t i = (size_t)(x % S.nsteps), at;

            x = x * 1103515245u + 12345u;
            at = S.st[i].off + (x >> 8) % S.st[i].len;
            S.b[S.st[i].dir][at] = (uint8_t)(x >> 3);
        }
        feed_all(smb, &S);
        for (size_t j = 0; j < sizeof(junk); j++) {
            x = x * 1103515245u + 12345u;
            junk[j] = (uint8_t)(x >> 16);
        }
        rw_smb_data(smb, (uint8_t)(round & 1), junk, (size_t)(x % sizeof(junk)));
        rw_smb_end(smb);
        CU_ASSERT_EQUAL(r.bad_calls, 0);
        CU_ASSERT_EQUAL(rw_smb_counters(smb)->files_opened, rw_smb_counters(smb)->files_closed);
        rw_smb_free(&smb);
    }
}

/* ---- tables ---------------------------------------------------------------------- */

static void test_smb_tables_are_bounded(void)
{
    struct rec r;
    struct rw_xfer_sink sink;
    struct rw_smb *smb = fresh(&r, &sink);
    const struct rw_smb_counters *c = rw_smb_counters(smb);
    char name[16];

    /* 300 CREATEs: the oldest 44 FileIds are forgotten. */
    memset(&S, 0, sizeof(S));
    for (uint32_t i = 0; i < 300; i++) {
        snprintf(name, sizeof(name), "f%u", i);
        open_file(&S, 1000 + i, name, 0x100 + i);
        if (i % 50 == 49) {
            feed_all(smb, &S);
            memset(&S, 0, sizeof(S));
        }
    }
    CU_ASSERT_EQUAL(c->creates_ok, 300);
    CU_ASSERT_EQUAL(c->fileids_evicted, 300 - RW_SMB_FILEIDS_MAX);
    /* A WRITE to a forgotten FileId is a nameless file; to a kept one, named. */
    ONE(&S, 0, write_req(&S, 0, 5000, 0x100, 0, 5, 1));
    ONE(&S, 0, write_req(&S, 0, 5001, 0x100 + 299, 0, 5, 1));
    /* 70 READs never answered: the oldest 6 are forgotten. */
    for (uint32_t i = 0; i < 70; i++)
        ONE(&S, 0, read_req(&S, 0, 6000 + i, 0x100 + 299, 0, 5));
    ONE(&S, 1, read_resp(&S, 0, 6000, 0, 5, 1, 0));
    feed_all(smb, &S);
    CU_ASSERT_EQUAL(c->fileid_unknown, 1);
    CU_ASSERT_EQUAL_FATAL(r.n, 2);
    CU_ASSERT_EQUAL(r.f[0].name_len, 0);
    CU_ASSERT_STRING_EQUAL(r.f[0].uri, "(null)");
    CU_ASSERT_STRING_EQUAL(r.f[1].name, "f299");
    CU_ASSERT_EQUAL(c->pending_evicted, 6);
    CU_ASSERT_EQUAL(c->responses_orphan, 1);
    rw_smb_end(smb);
    rw_smb_free(&smb);

    /* More files open at once than RW_FILES_PER_FLOW_MAX. */
    smb = fresh(&r, &sink);
    c = rw_smb_counters(smb);
    memset(&S, 0, sizeof(S));
    for (uint32_t i = 0; i < RW_FILES_PER_FLOW_MAX + 2; i++) {
        snprintf(name, sizeof(name), "m%u", i);
        open_file(&S, 10 * i + 1, name, 0x200 + i);
        ONE(&S, 0, write_req(&S, 0, 10 * i + 2, 0x200 + i, 0, 3, 1));
    }
    feed_all(smb, &S);
    CU_ASSERT_EQUAL(c->files_opened, RW_FILES_PER_FLOW_MAX);
    CU_ASSERT_EQUAL(c->files_over_limit, 2);
    rw_smb_end(smb);
    CU_ASSERT_EQUAL(r.n, RW_FILES_PER_FLOW_MAX);
    CU_ASSERT_EQUAL(c->files_closed, RW_FILES_PER_FLOW_MAX);
    rw_smb_free(&smb);
}

static void test_smb_untracked_file_and_null_sink(void)
{
    struct rec r;
    struct rw_xfer_sink sink;
    struct rw_smb *smb = fresh(&r, &sink);
    const struct rw_smb_counters *c;

    r.open_zero = 1;
    build_session(&S);
    feed_all(smb, &S);
    rw_smb_end(smb);
    c = rw_smb_counters(smb);
    CU_ASSERT_EQUAL(c->files_untracked, 6);
    CU_ASSERT_EQUAL(r.n, 6);
    rw_smb_free(&smb);

    smb = rw_smb_new(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(smb);
    feed_all(smb, &S);
    rw_smb_end(smb);
    CU_ASSERT_EQUAL(rw_smb_counters(smb)->files_opened, 6);
    CU_ASSERT_EQUAL(rw_smb_counters(smb)->files_untracked, 6);
    rw_smb_free(&smb);
}

static void test_smb_create_failure_and_related_write(void)
{
    struct rec r;
    struct rw_xfer_sink sink;
    struct rw_smb *smb = fresh(&r, &sink);
    size_t nb, a;

    /* A compounded CREATE + WRITE whose CREATE fails: the file was opened by the WRITE,
     * and is closed truncated when the failure is seen. */
    memset(&S, 0, sizeof(S));
    nb = nb_begin(&S, 0);
    a = create_req(&S, 0, 1, 1, "denied.txt");
    link_next(&S, 0, a);
    write_req(&S, F_RELATED, 2, 0xffffffffu, 0, 16, 2);
    nb_end(&S, 0, nb);
    step(&S, 0);
    ONE(&S, 1, create_resp(&S, 0, 1, 0, 0xc0000022u));
    feed_all(smb, &S);
    CU_ASSERT_EQUAL_FATAL(r.n, 1);
    CU_ASSERT_STRING_EQUAL(r.f[0].name, "denied.txt");
    CU_ASSERT_EQUAL(r.f[0].bytes, 16);
    CU_ASSERT_EQUAL(r.f[0].closed, 1);
    CU_ASSERT_EQUAL(r.f[0].truncated, 1);
    CU_ASSERT_EQUAL(rw_smb_counters(smb)->creates_ok, 0);
    /* A related WRITE with no CREATE before it in its message: no file. */
    memset(&S, 0, sizeof(S));
    ONE(&S, 0, write_req(&S, F_RELATED, 3, 0xffffffffu, 0, 16, 2));
    feed_all(smb, &S);
    CU_ASSERT_EQUAL(r.n, 1);
    CU_ASSERT_EQUAL(rw_smb_counters(smb)->write_bytes, 32);
    rw_smb_end(smb);
    rw_smb_free(&smb);
}

/* ---- names ------------------------------------------------------------------------ */

static void test_smb_utf16_names(void)
{
    static const uint8_t pair[] = {0x3d, 0xd8, 0x00, 0xde, 'a', 0}; /* U+1F600 'a' */
    static const uint8_t lone[] = {0x00, 0xdc, 'b', 0, 0x00, 0xd8}; /* low alone, high at end */
    static const uint8_t odd[] = {'c', 0, 'd'};
    char out[16];
    int inv, cut;
    size_t n;

    n = rw__smb_utf16_to_utf8(pair, sizeof(pair), out, sizeof(out), &inv, &cut);
    CU_ASSERT_EQUAL(n, 5);
    CU_ASSERT_EQUAL(memcmp(out, "\xf0\x9f\x98\x80" "a", 5), 0);
    CU_ASSERT_EQUAL(inv, 0);
    n = rw__smb_utf16_to_utf8(lone, sizeof(lone), out, sizeof(out), &inv, &cut);
    CU_ASSERT_EQUAL(n, 7);
    CU_ASSERT_EQUAL(memcmp(out, "\xef\xbf\xbd" "b" "\xef\xbf\xbd", 7), 0);
    CU_ASSERT_EQUAL(inv, 1);
    n = rw__smb_utf16_to_utf8(odd, sizeof(odd), out, sizeof(out), &inv, &cut);
    CU_ASSERT_EQUAL(n, 4);
    CU_ASSERT_EQUAL(memcmp(out, "c" "\xef\xbf\xbd", 4), 0);
    CU_ASSERT_EQUAL(inv, 1);
    /* Cut at a character boundary: the 4-byte character does not fit in 4 - 0 ... 3. */
    n = rw__smb_utf16_to_utf8(pair, sizeof(pair), out, 3, &inv, &cut);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_EQUAL(cut, 1);
    n = rw__smb_utf16_to_utf8(pair, sizeof(pair), out, 4, &inv, &cut);
    CU_ASSERT_EQUAL(n, 4);
    CU_ASSERT_EQUAL(cut, 1);
}

/* A CREATE name longer than the bound: cut to RW_FILE_NAME_MAX_BYTES at a boundary. */
static void test_smb_long_name_cut(void)
{
    static uint16_t u[700];
    struct rec r;
    struct rw_xfer_sink sink;
    struct rw_smb *smb = fresh(&r, &sink);

    for (size_t i = 0; i < 700; i++)
        u[i] = i % 2 ? 0x00e9 : 'x'; /* 1 and 2 UTF-8 bytes alternately */
    memset(&S, 0, sizeof(S));
    ONE(&S, 0, create_req16(&S, 0, 1, 1, u, 700));
    ONE(&S, 1, create_resp(&S, 0, 1, 7, 0));
    ONE(&S, 0, write_req(&S, 0, 2, 7, 0, 1, 1));
    feed_all(smb, &S);
    rw_smb_end(smb);
    CU_ASSERT_EQUAL_FATAL(r.n, 1);
    /* The buffer holds 1024 name bytes (512 units: 768 UTF-8 bytes); 170 x "x\u00e9" is
     * 510 bytes, then "x", and the next 2-byte character does not fit. */
    CU_ASSERT_EQUAL(r.f[0].name_len, 511);
    CU_ASSERT_EQUAL(rw_smb_counters(smb)->names_truncated, 1);
    rw_smb_free(&smb);
}

/* ---- memory ---------------------------------------------------------------------- */

static void test_smb_allocation_failure_walk(void)
{
    int completed = 0;

    build_session(&S);
    for (unsigned long n = 1; n < 1000 && !completed; n++) {
        struct rec r;
        struct rw_xfer_sink sink = sink_for(&r);
        struct rw_smb *smb;
        unsigned long failed;

        rw_alloc_hook_set(n);
        smb = rw_smb_new(&sink);
        if (smb == NULL) {
            failed = rw_alloc_hook_failures();
            rw_alloc_hook_set(0);
            CU_ASSERT_EQUAL(n, 1);
            CU_ASSERT_EQUAL(failed, 1);
            continue;
        }
        feed_all(smb, &S);
        rw_smb_end(smb);
        failed = rw_alloc_hook_failures();
        rw_alloc_hook_set(0);
        /* What is lost to memory is counted: a name (the file still comes), a table entry
         * (a request or file not remembered) or a message head (the direction is lost);
         * every file that came is closed, and with no failure all six come. */
        CU_ASSERT(r.n <= 6);
        if (failed == 0)
            CU_ASSERT_EQUAL(r.n, 6);
        CU_ASSERT_EQUAL(r.bad_calls, 0);
        CU_ASSERT_EQUAL(rw_smb_counters(smb)->nomem, failed);
        for (int i = 0; i < r.n; i++)
            CU_ASSERT_EQUAL(r.f[i].closed, 1);
        if (failed == 0)
            completed = 1;
        rw_smb_free(&smb);
    }
    CU_ASSERT_EQUAL(completed, 1);
}


/* rw_smb_bytes: an idle parser holds its state only; a message head is held only while it
 * spans packets; the request and file tables grow with use and never past their maximum. */
static void test_smb_bytes_follow_what_is_held(void)
{
    struct rec r;
    struct rw_xfer_sink sink;
    struct rw_smb *smb = fresh(&r, &sink);
    size_t b0 = rw_smb_bytes(smb), b1, b2;
    const uint8_t *m;

    CU_ASSERT_EQUAL(rw_smb_bytes(NULL), 0);
    CU_ASSERT(b0 < 1024); /* the tables and head buffers come only when used */
    memset(&S, 0, sizeof(S));
    ONE(&S, 0, (hdr(&S, 0, 0, 0, 0, 0, 0), body_plain(&S, 0, 36)));
    m = S.b[0] + S.st[0].off;
    /* The NetBIOS header and half the SMB2 header: the head is held. */
    rw_smb_data(smb, RW_TOSERVER, m, 4 + 32);
    CU_ASSERT_EQUAL(rw_smb_bytes(smb), b0 + RW_SMB_HEAD_MAX_BYTES);
    /* The rest: the message is done, the buffer goes. */
    rw_smb_data(smb, RW_TOSERVER, m + 36, S.st[0].len - 36);
    CU_ASSERT_EQUAL(rw_smb_bytes(smb), b0);
    /* A session with six files: the tables grew, no head is held between messages. */
    build_session(&S);
    feed_all(smb, &S);
    b1 = rw_smb_bytes(smb);
    CU_ASSERT(b1 > b0);
    CU_ASSERT(b1 < b0 + RW_SMB_HEAD_MAX_BYTES);
    /* Many files at once: the file table stops at RW_SMB_FILEIDS_MAX entries. */
    for (uint32_t i = 0; i < RW_SMB_FILEIDS_MAX + 40; i++) {
        char name[32];

        if (i % 100 == 0)
            memset(&S, 0, sizeof(S));
        snprintf(name, sizeof(name), "f%u.bin", (unsigned)i);
        open_file(&S, 1000 + 2 * (uint64_t)i, name, 0x1000 + i);
        if (i % 100 == 99 || i == RW_SMB_FILEIDS_MAX + 39)
            feed_all(smb, &S);
    }
    CU_ASSERT(rw_smb_counters(smb)->fileids_evicted > 0);
    b2 = rw_smb_bytes(smb);
    CU_ASSERT(b2 > b1);
    CU_ASSERT(b2 < b0 + RW_SMB_FILEIDS_MAX * 128 + RW_SMB_PENDING_MAX * 64 +
                       RW_SMB_FILEIDS_MAX * 16);
    rw_smb_end(smb);
    CU_ASSERT(rw_smb_bytes(smb) <= b2);
    rw_smb_free(&smb);
}

/* rw_smb_bytes counts the names the parser remembers: a CREATE's name costs its UTF-8 bytes
 * and a NUL from the request until the file is forgotten. Found by fuzz_smb
 * (regress/smb/name-bytes-uncounted): the names were not counted, so up to
 * RW_SMB_FILEIDS_MAX x (RW_FILE_NAME_MAX_BYTES + 1) bytes per connection escaped the
 * engine's flow memcap. */
static void test_smb_bytes_count_remembered_names(void)
{
    static const char name[] = "Test\\2009-12 Payroll.xlsx";
    struct rec r;
    struct rw_xfer_sink sink;
    struct rw_smb *smb = fresh(&r, &sink);
    size_t b0, b1;

    /* A CREATE that fails: the tables are made, the name is forgotten with the file. */
    memset(&S, 0, sizeof(S));
    ONE(&S, 0, create_req(&S, 0, 1, 1, "gone.txt"));
    ONE(&S, 1, create_resp(&S, 0, 1, 0, 0xc0000034u));
    feed_all(smb, &S);
    b0 = rw_smb_bytes(smb);
    memset(&S, 0, sizeof(S));
    ONE(&S, 0, create_req(&S, 0, 2, 1, name));
    feed_all(smb, &S);
    b1 = rw_smb_bytes(smb);
    CU_ASSERT_EQUAL(b1, b0 + strlen(name) + 1);
    /* The file moves data and is closed: held until its CLOSE response, then forgotten. */
    memset(&S, 0, sizeof(S));
    ONE(&S, 1, create_resp(&S, 0, 2, 7, 0));
    ONE(&S, 0, write_req(&S, 0, 3, 7, 0, 10, 1));
    ONE(&S, 0, close_req(&S, 0, 4, 7));
    feed_all(smb, &S);
    CU_ASSERT_EQUAL(rw_smb_bytes(smb), b1);
    memset(&S, 0, sizeof(S));
    ONE(&S, 1, close_resp(&S, 0, 4));
    feed_all(smb, &S);
    CU_ASSERT_EQUAL(rw_smb_bytes(smb), b0);
    CU_ASSERT_EQUAL_FATAL(r.n, 1);
    check_file(&r.f[0], RW_TOSERVER, name, "WRITE", 10, 1, 0);
    rw_smb_end(smb);
    rw_smb_free(&smb);
}

/* ---- SMB1 AndX chains ------------------------------------------------------------ */

/* Links the AndX command whose WordCount is at cmd_at (header at hdr_at) to the command
 * `next` beginning at the script's end. */
static void smb1_link(struct script *s, uint8_t d, size_t hdr_at, size_t cmd_at, uint8_t next)
{
    s->b[d][cmd_at + 1] = next;
    put16at(s, d, cmd_at + 3, (uint16_t)(s->n[d] - hdr_at));
}

/* LOCKING_ANDX (2.2.4.32): request 8 words (FID, no locks), response 2; no bytes. */
static size_t smb1_locking_block(struct script *s, uint8_t d, uint16_t fid)
{
    size_t at = s->n[d];

    p8(s, d, d == RW_TOSERVER ? 8 : 2);
    p8(s, d, 0xff);
    pz(s, d, 3);
    if (d == RW_TOSERVER) {
        p16(s, d, fid);
        pz(s, d, 10);
    }
    p16(s, d, 0);
    return at;
}

/* A chained WRITE_ANDX block (14 words): data right after a pad byte, DataOffset from
 * the header at hdr_at. */
static size_t smb1_write_block(struct script *s, size_t hdr_at, uint16_t fid, uint32_t off,
                               uint16_t len, uint32_t seed)
{
    size_t at = s->n[0];

    p8(s, 0, 14);
    p8(s, 0, 0xff);
    pz(s, 0, 3);
    p16(s, 0, fid);
    p32(s, 0, off);
    pz(s, 0, 10);
    p16(s, 0, len);
    p16(s, 0, (uint16_t)(at + 1 + 28 + 2 + 1 - hdr_at));
    p32(s, 0, 0);
    p16(s, 0, (uint16_t)(len + 1));
    p8(s, 0, 0);
    for (uint32_t i = 0; i < len; i++)
        p8(s, 0, pat(seed, off + i));
    return at;
}

static size_t smb1_read_block(struct script *s, uint16_t fid, uint32_t off, uint16_t len)
{
    size_t at = s->n[0];

    p8(s, 0, 12);
    p8(s, 0, 0xff);
    pz(s, 0, 3);
    p16(s, 0, fid);
    p32(s, 0, off);
    p16(s, 0, len);
    pz(s, 0, 12);
    p16(s, 0, 0);
    return at;
}

static size_t smb1_read_resp_block(struct script *s, size_t hdr_at, uint32_t off, uint16_t len,
                                   uint32_t seed)
{
    size_t at = s->n[1];

    p8(s, 1, 12);
    p8(s, 1, 0xff);
    pz(s, 1, 3);
    pz(s, 1, 6);
    p16(s, 1, len);
    p16(s, 1, (uint16_t)(at + 1 + 24 + 2 + 1 - hdr_at));
    pz(s, 1, 10);
    p16(s, 1, (uint16_t)(len + 1));
    p8(s, 1, 0);
    for (uint32_t i = 0; i < len; i++)
        p8(s, 1, pat(seed, off + i));
    return at;
}

/* The NT_CREATE_ANDX response block for FID fid (2.2.4.64.2, 34 words). */
static size_t smb1_create_resp_block(struct script *s, uint16_t fid)
{
    size_t at = s->n[1];

    p8(s, 1, 34);
    p8(s, 1, 0xff);
    pz(s, 1, 3);
    p8(s, 1, 0);
    p16(s, 1, fid);
    pz(s, 1, 4 + 32 + 4 + 8 + 8);
    p16(s, 1, 0);
    p16(s, 1, 0);
    p8(s, 1, 0);
    p16(s, 1, 0);
    return at;
}

/* One NetBIOS message: NT_CREATE_ANDX name chained with a WRITE_ANDX of len bytes (FID
 * 0xffff: the chain's open). */
static void chain_create_write(struct script *s, uint16_t mid, const char *name, uint16_t len,
                               uint32_t seed)
{
    size_t nb = nb_begin(s, 0), h = s->n[0];

    smb1_create_req(s, mid, name, 1);
    smb1_link(s, 0, h, h + 32, 0x2f);
    smb1_write_block(s, h, 0xffff, 0, len, seed);
    nb_end(s, 0, nb);
    step(s, 0);
}

/* The reference chained session:
 *   1 "chain\up.exe"   NT_CREATE_ANDX + WRITE_ANDX 300 (all in the create's head buffer)
 *   2 "big.bin"        NT_CREATE_ANDX + WRITE_ANDX 3000 (part in the buffer, part streamed)
 *   3 "lk.dat"         LOCKING_ANDX + 8 junk bytes + READ_ANDX 1500, answered by
 *                      LOCKING_ANDX + READ_ANDX (streamed up to the chained command)
 *   4 "cr.txt"         NT_CREATE_ANDX + READ_ANDX 700, answered by NT_CREATE_ANDX +
 *                      READ_ANDX (two pending requests of one MID)
 * each closed by a CLOSE; the creates of 1 and 2 answered alone. */
static void build_chains(struct script *s)
{
    size_t nb, h, a;

    memset(s, 0, sizeof(*s));
    chain_create_write(s, 10, "chain\\up.exe", 300, 11);
    ONE(s, 1, (smb1_create_resp(s, 10, 0x30, 0), 0));
    ONE(s, 0, (smb1_close(s, 0, 11, 0x30), 0));
    ONE(s, 1, (smb1_close(s, 1, 11, 0), 0));
    chain_create_write(s, 12, "big.bin", 3000, 12);
    ONE(s, 1, (smb1_create_resp(s, 12, 0x31, 0), 0));
    ONE(s, 0, (smb1_close(s, 0, 13, 0x31), 0));
    ONE(s, 1, (smb1_close(s, 1, 13, 0), 0));

    ONE(s, 0, (smb1_create_req(s, 14, "lk.dat", 0), 0));
    ONE(s, 1, (smb1_create_resp(s, 14, 0x32, 0), 0));
    nb = nb_begin(s, 0);
    h = s->n[0];
    smb1_hdr(s, 0, 0x24, 15, 1);
    a = smb1_locking_block(s, 0, 0x32);
    pz(s, 0, 8);
    smb1_link(s, 0, h, a, 0x2e);
    smb1_read_block(s, 0x32, 0, 1500);
    nb_end(s, 0, nb);
    step(s, 0);
    nb = nb_begin(s, 1);
    h = s->n[1];
    smb1_hdr(s, 1, 0x24, 15, 1);
    a = smb1_locking_block(s, 1, 0);
    smb1_link(s, 1, h, a, 0x2e);
    smb1_read_resp_block(s, h, 0, 1500, 13);
    nb_end(s, 1, nb);
    step(s, 1);
    ONE(s, 0, (smb1_close(s, 0, 16, 0x32), 0));
    ONE(s, 1, (smb1_close(s, 1, 16, 0), 0));

    nb = nb_begin(s, 0);
    h = s->n[0];
    smb1_create_req(s, 17, "cr.txt", 1);
    smb1_link(s, 0, h, h + 32, 0x2e);
    smb1_read_block(s, 0xffff, 0, 700);
    nb_end(s, 0, nb);
    step(s, 0);
    nb = nb_begin(s, 1);
    h = s->n[1];
    smb1_hdr(s, 1, 0xa2, 17, 1);
    a = smb1_create_resp_block(s, 0x33);
    smb1_link(s, 1, h, a, 0x2e);
    smb1_read_resp_block(s, h, 0, 700, 14);
    nb_end(s, 1, nb);
    step(s, 1);
    ONE(s, 0, (smb1_close(s, 0, 18, 0x33), 0));
    ONE(s, 1, (smb1_close(s, 1, 18, 0), 0));
}

static void test_smb1_andx_chains_exact(void)
{
    const struct rw_smb_counters *c = &R1.c;

    build_chains(&S);
    run(&S, 0, 0, 0, SIZE_MAX, &R1);
    CU_ASSERT_EQUAL_FATAL(R1.r.n, 4);
    CU_ASSERT_EQUAL(R1.r.bad_calls, 0);
    check_file(&R1.r.f[0], RW_TOSERVER, "chain\\up.exe", "WRITE", 300, 11, 0);
    check_file(&R1.r.f[1], RW_TOSERVER, "big.bin", "WRITE", 3000, 12, 0);
    check_file(&R1.r.f[2], RW_TOCLIENT, "lk.dat", "READ", 1500, 13, 0);
    check_file(&R1.r.f[3], RW_TOCLIENT, "cr.txt", "READ", 700, 14, 0);
    CU_ASSERT_EQUAL(c->andx_cmds[RW_TOSERVER], 4);
    CU_ASSERT_EQUAL(c->andx_cmds[RW_TOCLIENT], 2);
    CU_ASSERT_EQUAL(c->andx_stopped[RW_TOSERVER], 0);
    CU_ASSERT_EQUAL(c->andx_stopped[RW_TOCLIENT], 0);
    CU_ASSERT_EQUAL(c->creates, 4);
    CU_ASSERT_EQUAL(c->creates_ok, 4);
    CU_ASSERT_EQUAL(c->writes, 2);
    CU_ASSERT_EQUAL(c->reads, 2);
    CU_ASSERT_EQUAL(c->write_bytes, 3300);
    CU_ASSERT_EQUAL(c->read_bytes, 2200);
    CU_ASSERT_EQUAL(c->responses_orphan, 0);
    CU_ASSERT_EQUAL(c->fileid_unknown, 0);
    CU_ASSERT_EQUAL(c->malformed[RW_TOSERVER], 0);
    CU_ASSERT_EQUAL(c->malformed[RW_TOCLIENT], 0);
}

/* The chained session in one-byte pieces, random pieces and cut anywhere in two: the same
 * calls and counters. */
static void test_smb1_andx_split_anywhere_same_result(void)
{
    build_chains(&S);
    check_split_anywhere(50);
}

/* LOCKING_ANDX of FID 0x40 chained to a WRITE_ANDX of 50 bytes; the AndXOffset of the
 * locking block is then patched by the caller. Returns the header's offset. */
static size_t lock_write(struct script *s, uint16_t mid, size_t *lock_at)
{
    size_t h = s->n[0];

    smb1_hdr(s, 0, 0x24, mid, 1);
    *lock_at = smb1_locking_block(s, 0, 0x40);
    smb1_link(s, 0, h, *lock_at, 0x2f);
    smb1_write_block(s, h, 0x40, 0, 50, 21);
    return h;
}

static void test_smb1_andx_hostile_chains(void)
{
    const struct rw_smb_counters *c = &R1.c;
    size_t nb, h, a, b;

    memset(&S, 0, sizeof(S));
    ONE(&S, 0, (smb1_create_req(&S, 1, "h.bin", 1), 0));
    ONE(&S, 1, (smb1_create_resp(&S, 1, 0x40, 0), 0));
    /* AndXOffset backwards (into the header). */
    nb = nb_begin(&S, 0);
    h = lock_write(&S, 2, &a);
    put16at(&S, 0, a + 3, 10);
    nb_end(&S, 0, nb);
    /* AndXOffset of the first command to itself. */
    nb = nb_begin(&S, 0);
    h = lock_write(&S, 3, &a);
    put16at(&S, 0, a + 3, 32);
    nb_end(&S, 0, nb);
    /* A chained command's AndXOffset to itself. */
    nb = nb_begin(&S, 0);
    h = S.n[0];
    smb1_hdr(&S, 0, 0x24, 4, 1);
    a = smb1_locking_block(&S, 0, 0x40);
    smb1_link(&S, 0, h, a, 0x24);
    b = smb1_locking_block(&S, 0, 0x40);
    smb1_link(&S, 0, h, b, 0x2f);
    put16at(&S, 0, b + 3, (uint16_t)(b - h));
    smb1_write_block(&S, h, 0x40, 0, 50, 21);
    nb_end(&S, 0, nb);
    /* AndXOffset at the message's end. */
    nb = nb_begin(&S, 0);
    h = lock_write(&S, 5, &a);
    put16at(&S, 0, a + 3, (uint16_t)(S.n[0] - h));
    nb_end(&S, 0, nb);
    /* 20 LOCKING_ANDX, then the WRITE_ANDX: 16 commands read, the rest not. */
    nb = nb_begin(&S, 0);
    h = S.n[0];
    smb1_hdr(&S, 0, 0x24, 6, 1);
    a = smb1_locking_block(&S, 0, 0x40);
    for (int i = 0; i < 19; i++) {
        smb1_link(&S, 0, h, a, 0x24);
        a = smb1_locking_block(&S, 0, 0x40);
    }
    smb1_link(&S, 0, h, a, 0x2f);
    smb1_write_block(&S, h, 0x40, 0, 50, 21);
    nb_end(&S, 0, nb);
    /* AndXCommand 0xFF ends the chain, whatever AndXOffset says. */
    nb = nb_begin(&S, 0);
    h = lock_write(&S, 7, &a);
    S.b[0][a + 1] = 0xff;
    nb_end(&S, 0, nb);
    /* A WRITE_ANDX whose data (still to stream) holds the next command's offset: the data
     * is read (60 bytes), the chain stops. */
    nb = nb_begin(&S, 0);
    h = S.n[0];
    smb1_hdr(&S, 0, 0x2f, 8, 1);
    a = smb1_write_block(&S, h, 0x40, 0, 60, 22);
    S.b[0][a + 1] = 0x24;
    put16at(&S, 0, a + 3, (uint16_t)(a + 40 - h));
    nb_end(&S, 0, nb);
    step(&S, 0);
    run(&S, 0, 0, 0, SIZE_MAX, &R1);
    CU_ASSERT_EQUAL(c->andx_cmds[RW_TOSERVER], 1 + 15);
    CU_ASSERT_EQUAL(c->andx_stopped[RW_TOSERVER], 6);
    CU_ASSERT_EQUAL(c->writes, 1);
    CU_ASSERT_EQUAL(c->write_bytes, 60);
    CU_ASSERT_EQUAL(c->malformed[RW_TOSERVER], 0);
    CU_ASSERT_EQUAL_FATAL(R1.r.n, 1);
    CU_ASSERT_EQUAL(R1.r.f[0].bytes, 60);
    CU_ASSERT_EQUAL(R1.r.f[0].hash, hash_pat(22, 0, 60));
    run(&S, 1, 0, 0, SIZE_MAX, &R2);
    same(&R1, &R2);
}

/* A gap over a chained command's words ends the chain (counted); the message's end is
 * still found and the next message is read. */
static void test_smb1_andx_gap_ends_chain(void)
{
    struct rec r;
    struct rw_xfer_sink sink;
    struct rw_smb *smb;
    const struct rw_smb_counters *c;
    size_t nb, h, a, cut;

    memset(&S, 0, sizeof(S));
    ONE(&S, 0, (smb1_create_req(&S, 1, "g.bin", 1), 0));
    ONE(&S, 1, (smb1_create_resp(&S, 1, 0x40, 0), 0));
    nb = nb_begin(&S, 0);
    h = lock_write(&S, 2, &a);
    put16at(&S, 0, a + 3, (uint16_t)(a + 19 + 4 - h)); /* 4 junk bytes: streamed to */
    memmove(S.b[0] + a + 23, S.b[0] + a + 19, S.n[0] - (a + 19));
    S.b[0][a + 19] = S.b[0][a + 20] = S.b[0][a + 21] = S.b[0][a + 22] = 0xee;
    S.n[0] += 4;
    put16at(&S, 0, a + 23 + 1 + 22, (uint16_t)(a + 23 + 32 - h)); /* DataOffset */
    nb_end(&S, 0, nb);
    cut = a + 19 + 2; /* the gap: from two junk bytes in to the message's end */
    step(&S, 0);
    ONE(&S, 0, (smb1_write_req(&S, 3, 0x40, 0, 30, 23), 0));
    sink = sink_for(&r);
    smb = rw_smb_new(&sink);
    CU_ASSERT_PTR_NOT_NULL_FATAL(smb);
    rw_smb_data(smb, 0, S.b[0], S.st[0].len);
    rw_smb_data(smb, 1, S.b[1], S.st[1].len);
    rw_smb_data(smb, 0, S.b[0] + S.st[2].off, cut - S.st[2].off);
    rw_smb_gap(smb, 0, S.st[2].off + S.st[2].len - cut);
    rw_smb_data(smb, 0, S.b[0] + S.st[3].off, S.st[3].len);
    rw_smb_end(smb);
    c = rw_smb_counters(smb);
    CU_ASSERT_EQUAL(c->andx_stopped[RW_TOSERVER], 1);
    CU_ASSERT_EQUAL(c->andx_cmds[RW_TOSERVER], 0);
    CU_ASSERT_EQUAL(c->gaps[RW_TOSERVER], 1);
    CU_ASSERT_EQUAL(c->lost[RW_TOSERVER], 0);
    CU_ASSERT_EQUAL(c->writes, 1);
    CU_ASSERT_EQUAL(c->write_bytes, 30);
    CU_ASSERT_EQUAL_FATAL(r.n, 1);
    CU_ASSERT_EQUAL(r.f[0].bytes, 30);
    CU_ASSERT_EQUAL(r.f[0].hash, hash_pat(23, 0, 30));
    rw_smb_free(&smb);
}

static CU_TestInfo smb_tests[] = {
    {"test_smb_session_files_exact", test_smb_session_files_exact},
    {"test_smb_split_anywhere_same_result", test_smb_split_anywhere_same_result},
    {"test_smb_truncated_at_every_offset", test_smb_truncated_at_every_offset},
    {"test_smb_offsets_policy", test_smb_offsets_policy},
    {"test_smb_out_of_order_reads_held", test_smb_out_of_order_reads_held},
    {"test_smb_out_of_order_bound", test_smb_out_of_order_bound},
    {"test_smb_out_of_order_split_same_result", test_smb_out_of_order_split_same_result},
    {"test_smb_held_answer_fed_after_the_reaching_message",
     test_smb_held_answer_fed_after_the_reaching_message},
    {"test_smb_gap_inside_data_continues_elsewhere_loses",
     test_smb_gap_inside_data_continues_elsewhere_loses},
    {"test_smb_lying_data_offsets_and_lengths", test_smb_lying_data_offsets_and_lengths},
    {"test_smb_lying_next_command_and_framing", test_smb_lying_next_command_and_framing},
    {"test_smb1_lying_fields", test_smb1_lying_fields},
    {"test_smb1_andx_chains_exact", test_smb1_andx_chains_exact},
    {"test_smb1_andx_split_anywhere_same_result", test_smb1_andx_split_anywhere_same_result},
    {"test_smb1_andx_hostile_chains", test_smb1_andx_hostile_chains},
    {"test_smb1_andx_gap_ends_chain", test_smb1_andx_gap_ends_chain},
    {"test_smb_random_bytes", test_smb_random_bytes},
    {"test_smb_tables_are_bounded", test_smb_tables_are_bounded},
    {"test_smb_untracked_file_and_null_sink", test_smb_untracked_file_and_null_sink},
    {"test_smb_create_failure_and_related_write", test_smb_create_failure_and_related_write},
    {"test_smb_utf16_names", test_smb_utf16_names},
    {"test_smb_long_name_cut", test_smb_long_name_cut},
    {"test_smb_allocation_failure_walk", test_smb_allocation_failure_walk},
    {"test_smb_bytes_follow_what_is_held", test_smb_bytes_follow_what_is_held},
    {"test_smb_bytes_count_remembered_names", test_smb_bytes_count_remembered_names},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rw_suites_smb[] = {
    {"smb", NULL, NULL, NULL, NULL, smb_tests},
    CU_SUITE_INFO_NULL,
};
