/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_smtp.c — libFuzzer target: the SMTP parser and its MIME reader (rw_smtp, rw_mime). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzsplit.h"
#include "rw.h"
#include "rw_alloc.h"
#include "rw_limits.h"
#include "rw_smtp.h"

/*
 * Input: chunks of one connection, each led by one byte h (the framing of fuzz_ftp.c):
 *
 *   h >> 7          direction: 0 RW_TOSERVER (commands, messages), 1 RW_TOCLIENT (replies)
 *   h & 0x7f = 0    rw_smtp_data with no bytes
 *           1..124  rw_smtp_data with that many bytes, which follow (cut to what is left)
 *           125     rw_smtp_data: a 16-bit big-endian length follows, then the bytes
 *           126     rw_smtp_gap of (next byte) bytes
 *           127     rw_smtp_end (later chunks are still fed and must change nothing)
 *
 * fuzz_smtp.dict holds commands, replies and MIME headers; mkcorpus.py writes sessions.
 * Each input is parsed twice:
 *
 *   A  as framed;
 *   B  each data chunk fed in pieces of 1..64 bytes (lengths from the input's hash): the
 *      file calls (names, meta, the bytes of each file, closes) and all counters must be
 *      A's (rw_smtp.h: the result does not depend on how the bytes are split).
 *
 * The sink checks the contract of rw_xfer.h: ids are those file_open gave; no data after
 * a file's close; each file closed once; every file opened is closed by rw_smtp_end;
 * names at most RW_FILE_NAME_MAX_BYTES; meta says "smtp" with method "DATA" or "BDAT";
 * expect is never called. rw_smtp_bytes stays within the state and one reader. One input
 * in sixteen runs a third time with the Nth allocation failing (N from the hash).
 */

#define FUZZ_SMTP_LOG_MAX (1u << 22)
#define FUZZ_SMTP_FILES 4096

struct fuzz_smtp_run {
    uint8_t *log;
    size_t len;
    uint32_t last_id;   /* file of the last logged data call */
    uint32_t nfiles;
    uint8_t state[FUZZ_SMTP_FILES]; /* 1 open, 2 closed */
};

static void fuzz_smtp_die(const char *what)
{
    fprintf(stderr, "fuzz_smtp: %s\n", what);
    abort();
}

static void fuzz_smtp_log(struct fuzz_smtp_run *r, const void *p, size_t n)
{
    if (n > FUZZ_SMTP_LOG_MAX - r->len)
        n = FUZZ_SMTP_LOG_MAX - r->len;
    memcpy(r->log + r->len, p, n);
    r->len += n;
}

static uint32_t fuzz_smtp_open(void *ctx, uint8_t dir, const char *name, size_t name_len,
                               const struct rw_xfer_meta *meta)
{
    struct fuzz_smtp_run *r = ctx;
    uint8_t tag = 'O';

    if (dir != RW_TOSERVER || name_len > RW_FILE_NAME_MAX_BYTES || meta == NULL ||
        meta->app_proto == NULL || strcmp(meta->app_proto, "smtp") != 0 ||
        meta->method == NULL ||
        (strcmp(meta->method, "DATA") != 0 && strcmp(meta->method, "BDAT") != 0))
        fuzz_smtp_die("file_open arguments break rw_mime.h");
    if (r->nfiles == FUZZ_SMTP_FILES)
        return 0;
    r->state[r->nfiles++] = 1;
    fuzz_smtp_log(r, &tag, 1);
    fuzz_smtp_log(r, name, name_len);
    fuzz_smtp_log(r, meta->method, 4);
    if (meta->content_type != NULL)
        fuzz_smtp_log(r, meta->content_type, strlen(meta->content_type));
    r->last_id = 0;
    return r->nfiles;
}

static void fuzz_smtp_check_id(const struct fuzz_smtp_run *r, uint32_t id)
{
    if (id == 0 || id > r->nfiles)
        fuzz_smtp_die("a file call with an id file_open did not give");
    if (r->state[id - 1] != 1)
        fuzz_smtp_die("a file call after the file's close");
}

static void fuzz_smtp_data(void *ctx, uint32_t id, const uint8_t *data, size_t len)
{
    struct fuzz_smtp_run *r = ctx;

    fuzz_smtp_check_id(r, id);
    if (id != r->last_id) {
        uint8_t tag[5] = {'D', (uint8_t)(id >> 24), (uint8_t)(id >> 16), (uint8_t)(id >> 8),
                          (uint8_t)id};

        fuzz_smtp_log(r, tag, sizeof(tag));
        r->last_id = id;
    }
    fuzz_smtp_log(r, data, len);
}

static void fuzz_smtp_gap(void *ctx, uint32_t id, uint64_t len)
{
    (void)ctx, (void)id, (void)len;
    fuzz_smtp_die("rw_smtp never reports a file gap");
}

static void fuzz_smtp_close(void *ctx, uint32_t id, int truncated)
{
    struct fuzz_smtp_run *r = ctx;
    uint8_t tag[2] = {'C', (uint8_t)(truncated != 0)};

    fuzz_smtp_check_id(r, id);
    r->state[id - 1] = 2;
    fuzz_smtp_log(r, tag, sizeof(tag));
    r->last_id = 0;
}

static void fuzz_smtp_expect(void *ctx, const struct rw_addr *client, uint16_t client_port,
                             const struct rw_addr *server, uint16_t server_port, uint8_t dir,
                             const char *name, size_t name_len, const struct rw_xfer_meta *meta)
{
    (void)ctx, (void)client, (void)client_port, (void)server, (void)server_port, (void)dir;
    (void)name, (void)name_len, (void)meta;
    fuzz_smtp_die("rw_smtp never announces connections");
}

/* Feeds the input; split > 0 cuts each data chunk in pieces of 1..64 bytes. Returns the
 * parser's counters through *c (when it could be made). */
static int fuzz_smtp_feed(struct fuzz_smtp_run *r, const uint8_t *data, size_t size,
                          uint64_t split, struct rw_smtp_counters *c)
{
    struct rw_xfer_sink sink = {r, fuzz_smtp_open, fuzz_smtp_data, fuzz_smtp_gap,
                                fuzz_smtp_close, fuzz_smtp_expect};
    struct rw_smtp *s = rw_smtp_new(&sink);
    size_t off = 0;

    if (s == NULL)
        return -1;
    while (off < size) {
        uint8_t h = data[off++], dir = h >> 7, op = h & 0x7f;
        size_t n = op;

        if (op == 126) {
            rw_smtp_gap(s, dir, off < size ? data[off] : 0);
            off += off < size;
            continue;
        }
        if (op == 127) {
            rw_smtp_end(s);
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

            rw_smtp_data(s, dir, data + off + i, k);
            if (rw_smtp_bytes(s) > RW_SMTP_LINE_MAX_BYTES * 2 + 8192 + 65536)
                fuzz_smtp_die("rw_smtp_bytes beyond the parser and one MIME reader");
            if (k == 0)
                break;
            i += k;
        }
        off += n;
    }
    rw_smtp_end(s);
    for (uint32_t i = 0; i < r->nfiles; i++)
        if (r->state[i] != 2)
            fuzz_smtp_die("a file still open after rw_smtp_end");
    *c = *rw_smtp_counters(s);
    rw_smtp_free(&s);
    if (s != NULL)
        fuzz_smtp_die("rw_smtp_free left the pointer");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fuzz_smtp_run a, b;
    static uint8_t *loga, *logb;
    struct rw_smtp_counters ca, cb;
    uint64_t hash = 1469598103934665603ULL;

    if (loga == NULL) {
        loga = malloc(FUZZ_SMTP_LOG_MAX);
        logb = malloc(FUZZ_SMTP_LOG_MAX);
        if (loga == NULL || logb == NULL)
            fuzz_smtp_die("out of memory");
    }
    for (size_t i = 0; i < size; i++)
        hash = (hash ^ data[i]) * 1099511628211ULL;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    a.log = loga;
    b.log = logb;
    if (fuzz_smtp_feed(&a, data, size, 0, &ca) != 0 ||
        fuzz_smtp_feed(&b, data, size, hash | 1, &cb) != 0)
        fuzz_smtp_die("rw_smtp_new failed without an allocation failure");
    if (a.len != b.len || memcmp(a.log, b.log, a.len) != 0)
        fuzz_smtp_die("the files depend on how the bytes were split");
    if (memcmp(&ca, &cb, sizeof(ca)) != 0)
        fuzz_smtp_die("the counters depend on how the bytes were split");
    if ((hash >> 60) == 0) {
        memset(&a, 0, sizeof(a));
        a.log = loga;
        rw_alloc_hook_set(1 + (hash >> 8) % 3);
        (void)fuzz_smtp_feed(&a, data, size, 0, &ca);
        rw_alloc_hook_set(0);
    }
    return 0;
}
