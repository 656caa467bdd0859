/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_http.c — libFuzzer target: the HTTP/1.x parser (rw_http), alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rw.h"
#include "rw_alloc.h"
#include "rw_http.h"
#include "rw_limits.h"

/*
 * Input: a sequence of chunks of one HTTP connection, each led by one byte h:
 *
 *   h >> 7          direction: 0 RW_TOSERVER (requests), 1 RW_TOCLIENT (responses)
 *   h & 0x7f = 0    rw_http_data with no bytes
 *           1..124  rw_http_data with that many bytes, which follow (cut to what is left)
 *           125     rw_http_data: a 16-bit big-endian length follows, then the bytes
 *           126     rw_http_gap of (next byte) bytes (0 included)
 *           127     rw_http_end (later chunks are still fed and must change nothing)
 *
 * Every byte the parser hands out (file names, meta strings, file data) is read and
 * folded into a checksum that decides a branch (ASan then checks each was in bounds;
 * the multipart reader starts with its line buffer uncleared, and a line must be read
 * only as far as it was filled). rw_http_bytes is called after every chunk and must
 * come back to its first value once rw_http_end released libhtp. The file callbacks
 * are checked against rw_xfer.h: ids are those the sink gave, a closed id
 * gets no more calls, names are at most RW_FILE_NAME_MAX_BYTES, at most
 * RW_FILES_PER_FLOW_MAX files are open at once; every file is closed by the end.
 */

#define FUZZ_HTTP_IDS 4096

struct fuzz_http_sink {
    uint32_t next_id;
    uint8_t open[FUZZ_HTTP_IDS];
    size_t nopen;
    uint64_t sum;
    int ended;
};

static void fuzz_http_check(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_http: %s\n", what);
        abort();
    }
}

/* Reads every byte: an uninitialised one reaches the branch below under MSan. */
static void fuzz_http_touch(struct fuzz_http_sink *s, const void *p, size_t n)
{
    const uint8_t *b = p;

    for (size_t i = 0; i < n; i++)
        s->sum = s->sum * 31 + b[i];
    if (s->sum == 0x5eedULL) /* a branch on the value: what MSan checks */
        s->sum++;
}

static void fuzz_http_touch_str(struct fuzz_http_sink *s, const char *str)
{
    if (str != NULL)
        fuzz_http_touch(s, str, strlen(str));
}

static uint32_t fuzz_http_open(void *ctx, uint8_t dir, const char *name, size_t name_len,
                               const struct rw_xfer_meta *meta)
{
    struct fuzz_http_sink *s = ctx;
    uint32_t id;

    fuzz_http_check(!s->ended, "file opened after rw_http_end");
    fuzz_http_check(dir <= RW_TOCLIENT, "direction out of range");
    fuzz_http_check(name_len <= RW_FILE_NAME_MAX_BYTES, "file name too long");
    fuzz_http_check(name != NULL || name_len == 0, "name NULL with a length");
    fuzz_http_touch(s, name, name_len);
    fuzz_http_check(meta != NULL, "no meta");
    fuzz_http_touch_str(s, meta->app_proto);
    fuzz_http_touch_str(s, meta->method);
    fuzz_http_touch_str(s, meta->host);
    fuzz_http_touch_str(s, meta->uri);
    fuzz_http_touch_str(s, meta->content_type);
    fuzz_http_touch_str(s, meta->content_encoding);
    fuzz_http_touch(s, &meta->declared_size, sizeof(meta->declared_size));
    fuzz_http_touch(s, &meta->credentials, 1);
    fuzz_http_check(s->nopen < RW_FILES_PER_FLOW_MAX, "more files open than a flow may have");
    if (s->next_id + 1 >= FUZZ_HTTP_IDS)
        return 0; /* as an engine out of memory: the parser must go on with id 0 */
    id = ++s->next_id;
    s->open[id] = 1;
    s->nopen++;
    return id;
}

static void fuzz_http_data(void *ctx, uint32_t id, const uint8_t *data, size_t len)
{
    struct fuzz_http_sink *s = ctx;

    fuzz_http_check(id < FUZZ_HTTP_IDS && (id == 0 || s->open[id]), "data for a closed id");
    fuzz_http_touch(s, data, len);
}

static void fuzz_http_gap(void *ctx, uint32_t id, uint64_t len)
{
    struct fuzz_http_sink *s = ctx;

    (void)len;
    fuzz_http_check(id < FUZZ_HTTP_IDS && (id == 0 || s->open[id]), "gap for a closed id");
}

static void fuzz_http_close(void *ctx, uint32_t id, int truncated)
{
    struct fuzz_http_sink *s = ctx;

    fuzz_http_check(truncated == 0 || truncated == 1, "truncated not 0 or 1");
    fuzz_http_check(id < FUZZ_HTTP_IDS && (id == 0 || s->open[id]), "close of a closed id");
    if (id != 0) {
        s->open[id] = 0;
        s->nopen--;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fuzz_http_sink s;
    struct rw_xfer_sink sink = {&s, fuzz_http_open, fuzz_http_data, fuzz_http_gap,
                                fuzz_http_close, NULL};
    struct rw_http *h;
    size_t i = 0, idle;

    memset(&s, 0, sizeof(s));
    h = rw_http_new(&sink);
    if (h == NULL)
        return 0;
    idle = rw_http_bytes(h);
    while (i < size) {
        uint8_t hd = data[i++];
        uint8_t dir = hd >> 7, op = hd & 0x7f;
        size_t n;

        if (op == 127) {
            rw_http_end(h);
            s.ended = 1;
            continue;
        }
        if (op == 126) {
            rw_http_gap(h, dir, i < size ? data[i++] : 0);
            continue;
        }
        if (op == 125) {
            n = i + 2 <= size ? (size_t)data[i] << 8 | data[i + 1] : 0;
            i = i + 2 <= size ? i + 2 : size;
        } else {
            n = op;
        }
        if (n > size - i)
            n = size - i;
        rw_http_data(h, dir, data + i, n);
        i += n;
        fuzz_http_check(rw_http_bytes(h) >= idle, "rw_http_bytes below an idle parser's");
    }
    if (!s.ended)
        rw_http_end(h);
    fuzz_http_check(s.nopen == 0, "a file left open after rw_http_end");
    fuzz_http_check(rw_http_bytes(h) == idle, "rw_http_end left libhtp's parser alive");
    rw_http_free(&h);
    fuzz_http_check(h == NULL, "rw_http_free did not clear the pointer");
    return 0;
}
