/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_rw_http.c — HTTP/1.x parser: bodies as files, multipart, chunked, pipelining, gaps, hostile input. */
#include <CUnit/CUnit.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rw_alloc.h"
#include "rw_http.h"
#include "rw_test.h"

#define S(lit) (lit), (sizeof(lit) - 1)

/* ---- a recording sink --------------------------------------------------------------------- */

#define REC_FILES_MAX 80
#define REC_FILE_BYTES 8192
#define REC_LOG_BYTES 8192

struct rec_file {
    uint8_t dir;
    char name[RW_FILE_NAME_MAX_BYTES + 8];
    size_t name_len;
    char method[32], host[300], uri[600], ctype[200], cenc[200];
    uint64_t declared;
    uint8_t cred;
    uint8_t data[REC_FILE_BYTES];
    size_t len;        /* bytes received (data kept up to REC_FILE_BYTES) */
    uint64_t gap;
    int closes;
    int truncated;
};

struct rec {
    struct rec_file f[REC_FILES_MAX];
    int n;
    int bad;           /* calls on ids never opened or already closed, names not matching */
    int zero_calls;    /* calls with id 0 (open_zero mode) */
    int open_zero;     /* file_open returns 0 */
    char log[REC_LOG_BYTES];
    size_t loglen;
};

static struct rec rec_a, rec_b;

static void rec_log(struct rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void rec_log(struct rec *r, const char *fmt, ...)
{
    va_list ap;
    int w;

    va_start(ap, fmt);
    w = vsnprintf(r->log + r->loglen, sizeof(r->log) - r->loglen, fmt, ap);
    va_end(ap);
    if (w > 0 && (size_t)w < sizeof(r->log) - r->loglen)
        r->loglen += (size_t)w;
}

static void cpy(char *dst, size_t sz, const char *s)
{
    snprintf(dst, sz, "%s", s != NULL ? s : "(null)");
}

static uint32_t rec_open(void *ctx, uint8_t dir, const char *name, size_t name_len,
                         const struct rw_xfer_meta *m)
{
    struct rec *r = ctx;
    struct rec_file *f;

    if (r->n >= REC_FILES_MAX) {
        r->bad++;
        return 0;
    }
    f = &r->f[r->n++];
    f->dir = dir;
    if (name == NULL || name_len > RW_FILE_NAME_MAX_BYTES || strlen(name) != name_len)
        r->bad++;
    else
        memcpy(f->name, name, name_len);
    f->name_len = name_len;
    if (m == NULL || m->app_proto == NULL || strcmp(m->app_proto, "http") != 0 ||
        m->anonymous != 0) {
        r->bad++;
    } else {
        cpy(f->method, sizeof(f->method), m->method);
        cpy(f->host, sizeof(f->host), m->host);
        cpy(f->uri, sizeof(f->uri), m->uri);
        cpy(f->ctype, sizeof(f->ctype), m->content_type);
        cpy(f->cenc, sizeof(f->cenc), m->content_encoding);
        f->declared = m->declared_size;
        f->cred = m->credentials;
    }
    rec_log(r, "O%d:%u:%s:%llu|", r->n, dir, f->name, (unsigned long long)f->declared);
    return r->open_zero ? 0 : (uint32_t)r->n;
}

static struct rec_file *rec_get(struct rec *r, uint32_t id)
{
    if (id == 0) {
        r->zero_calls++;
        return NULL;
    }
    if (id > (uint32_t)r->n || r->f[id - 1].closes != 0) {
        r->bad++;
        return NULL;
    }
    return &r->f[id - 1];
}

static void rec_data(void *ctx, uint32_t id, const uint8_t *p, size_t n)
{
    struct rec_file *f = rec_get(ctx, id);

    if (f == NULL)
        return;
    if (n == 0)
        ((struct rec *)ctx)->bad++;
    for (size_t i = 0; i < n; i++) {
        if (f->len + i < REC_FILE_BYTES)
            f->data[f->len + i] = p[i];
    }
    f->len += n;
}

static void rec_gap(void *ctx, uint32_t id, uint64_t n)
{
    struct rec *r = ctx;
    struct rec_file *f = rec_get(r, id);

    if (f == NULL)
        return;
    f->gap += n;
    rec_log(r, "G%u:%llu|", id, (unsigned long long)n);
}

static void rec_close(void *ctx, uint32_t id, int truncated)
{
    struct rec *r = ctx;
    struct rec_file *f;

    if (id == 0) {
        r->zero_calls++;
        return;
    }
    f = rec_get(r, id);
    if (f == NULL)
        return;
    f->closes++;
    f->truncated = truncated;
    rec_log(r, "C%u:%d:%zu|", id, truncated, f->len);
}

static struct rw_http *rec_new(struct rec *r)
{
    struct rw_xfer_sink s;

    memset(r, 0, sizeof(*r));
    memset(&s, 0, sizeof(s));
    s.ctx = r;
    s.file_open = rec_open;
    s.file_data = rec_data;
    s.file_gap = rec_gap;
    s.file_close = rec_close;
    return rw_http_new(&s);
}

/* Every file opened was closed exactly once and no call was out of place. */
static void rec_consistent(const struct rec *r)
{
    CU_ASSERT_EQUAL(r->bad, 0);
    for (int i = 0; i < r->n; i++)
        CU_ASSERT_EQUAL(r->f[i].closes, 1);
}

static int rec_same(const struct rec *a, const struct rec *b)
{
    if (a->n != b->n || a->loglen != b->loglen || memcmp(a->log, b->log, a->loglen) != 0)
        return 0;
    for (int i = 0; i < a->n; i++) {
        size_t keep = a->f[i].len < REC_FILE_BYTES ? a->f[i].len : REC_FILE_BYTES;

        if (a->f[i].len != b->f[i].len || memcmp(a->f[i].data, b->f[i].data, keep) != 0 ||
            strcmp(a->f[i].ctype, b->f[i].ctype) != 0 || a->f[i].gap != b->f[i].gap)
            return 0;
    }
    return 1;
}

/* Checks file i: direction, name, body, truncation. */
static void expect_file(const struct rec *r, int i, uint8_t dir, const char *name,
                        const char *body, size_t body_len, int truncated)
{
    const struct rec_file *f;

    CU_ASSERT_FATAL(i < r->n);
    f = &r->f[i];
    CU_ASSERT_EQUAL(f->dir, dir);
    CU_ASSERT_STRING_EQUAL(f->name, name);
    CU_ASSERT_EQUAL(f->name_len, strlen(name));
    CU_ASSERT_EQUAL(f->len, body_len);
    if (body != NULL && f->len == body_len && body_len <= REC_FILE_BYTES)
        CU_ASSERT_EQUAL(memcmp(f->data, body, body_len), 0);
    CU_ASSERT_EQUAL(f->closes, 1);
    CU_ASSERT_EQUAL(f->truncated, truncated);
}

/* ---- feeding ----------------------------------------------------------------------------- */

static uint32_t rnd_state = 12345;

static uint32_t rnd(void)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 8) & 0xffffff;
}

/* Feeds len bytes: mode 0 whole, 1 byte by byte, 2 random pieces of 1..17, 3 split at `at`. */
static void feed(struct rw_http *h, uint8_t dir, const char *s, size_t len, int mode, size_t at)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0;

    switch (mode) {
    case 0:
        rw_http_data(h, dir, p, len);
        break;
    case 1:
        for (i = 0; i < len; i++)
            rw_http_data(h, dir, p + i, 1);
        break;
    case 2:
        while (i < len) {
            size_t k = 1 + rnd() % 17;

            if (k > len - i)
                k = len - i;
            rw_http_data(h, dir, p + i, k);
            i += k;
        }
        break;
    default:
        if (at > len)
            at = len;
        rw_http_data(h, dir, p, at);
        rw_http_data(h, dir, p + at, len - at);
        break;
    }
}

/* One exchange: all requests, then all responses, then the end. */
static struct rw_http *exchange(struct rec *r, const char *req, size_t rlen, const char *resp,
                                size_t slen, int mode, size_t at)
{
    struct rw_http *h = rec_new(r);

    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    feed(h, RW_TOSERVER, req, rlen, mode, at);
    if (resp != NULL)
        feed(h, RW_TOCLIENT, resp, slen, mode, at);
    rw_http_end(h);
    rec_consistent(r);
    return h;
}

/* The same exchange whole, byte by byte, in random pieces and split at every offset
 * gives the same sink calls and bytes. */
static void split_invariant(const char *req, size_t rlen, const char *resp, size_t slen)
{
    struct rw_http *h = exchange(&rec_a, req, rlen, resp, slen, 0, 0);
    size_t max = rlen > slen ? rlen : slen;

    CU_ASSERT(rec_a.n > 0);
    rw_http_free(&h);
    for (int mode = 1; mode <= 2; mode++) {
        for (int rep = 0; rep < (mode == 2 ? 20 : 1); rep++) {
            h = exchange(&rec_b, req, rlen, resp, slen, mode, 0);
            CU_ASSERT(rec_same(&rec_a, &rec_b));
            rw_http_free(&h);
        }
    }
    for (size_t at = 0; at <= max; at++) {
        h = exchange(&rec_b, req, rlen, resp, slen, 3, at);
        if (!rec_same(&rec_a, &rec_b)) {
            fprintf(stderr, "\nsplit at %zu differs:\n%s\n%s\n", at, rec_a.log, rec_b.log);
            CU_FAIL("split changes the result");
            rw_http_free(&h);
            break;
        }
        rw_http_free(&h);
    }
}

/* ---- exchanges used by several tests --------------------------------------------------- */

/* A browser upload: three files, two fields, a filename="" part (no file chosen). */
static const char mp_req[] =
    "POST /cgi/upload.php HTTP/1.1\r\n"
    "Host: media.example\r\n"
    "Cookie: s=1\r\n"
    "Content-Type: multipart/form-data; boundary=----WebKitFormBoundaryX3\r\n"
    "Content-Length: 838\r\n"
    "\r\n"
    "preamble ignored\r\n"
    "------WebKitFormBoundaryX3\r\n"
    "Content-Disposition: form-data; name=\"title\"\r\n"
    "\r\n"
    "Episode 7\r\n"
    "------WebKitFormBoundaryX3\r\n"
    "Content-Disposition: form-data; name=\"f1\"; filename=\"ep07 comp.mov\"\r\n"
    "Content-Type: video/quicktime\r\n"
    "\r\n"
    "MOVDATA\r\n--not-the-boundary\r\n------WebKitFormBoundaryX\r\r\n\r\n"
    "------WebKitFormBoundaryX3\r\n"
    "content-disposition: form-data; name=\"f2\"; filename=\"a.txt\"; "
    "filename*=UTF-8''r%C3%A9sum%C3%A9.pdf\r\n"
    "Content-Type: application/pdf\r\n"
    "\r\n"
    "%PDF-1.4\r\n"
    "------WebKitFormBoundaryX3\r\n"
    "Content-Disposition: form-data; name=\"notes\"\r\n"
    "\r\n"
    "line1\r\nline2\r\n"
    "------WebKitFormBoundaryX3\r\n"
    "Content-Disposition: form-data; name=\"f3\"; filename=\"\"\r\n"
    "Content-Type: application/octet-stream\r\n"
    "\r\n"
    "\r\n"
    "------WebKitFormBoundaryX3\r\n"
    "Content-Disposition: form-data; name=\"f4\"; filename=\"sc\\\"ene.xml\"\r\n"
    "\r\n"
    "<scene/>\r\n"
    "------WebKitFormBoundaryX3--\r\n"
    "epilogue ignored\r\n";

static const char mp_resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

static size_t mp_body_len(void)
{
    return strlen(strstr(mp_req, "\r\n\r\n") + 4);
}

static void check_mp(const struct rec *r)
{
    CU_ASSERT_EQUAL(r->n, 3);
    expect_file(r, 0, RW_TOSERVER, "ep07 comp.mov",
                S("MOVDATA\r\n--not-the-boundary\r\n------WebKitFormBoundaryX\r\r\n"), 0);
    expect_file(r, 1, RW_TOSERVER, "r\xc3\xa9sum\xc3\xa9.pdf", S("%PDF-1.4"), 0);
    expect_file(r, 2, RW_TOSERVER, "sc\"ene.xml", S("<scene/>"), 0);
    CU_ASSERT_STRING_EQUAL(r->f[0].ctype, "video/quicktime");
    CU_ASSERT_STRING_EQUAL(r->f[1].ctype, "application/pdf");
    CU_ASSERT_STRING_EQUAL(r->f[2].ctype, "(null)");
    CU_ASSERT_STRING_EQUAL(r->f[0].method, "POST");
    CU_ASSERT_STRING_EQUAL(r->f[0].host, "media.example");
    CU_ASSERT_STRING_EQUAL(r->f[0].uri, "/cgi/upload.php");
    CU_ASSERT_EQUAL(r->f[0].declared, 0);
    CU_ASSERT_EQUAL(r->f[0].cred, 1);
}

/* ---- tests ------------------------------------------------------------------------------- */

static void test_http_post_content_length_is_upload_response_is_download(void)
{
    static const char req[] = "POST /up/report%20final.pdf?x=1&y=%2F HTTP/1.1\r\n"
                              "HOST: files.example\r\n"
                              "Content-Type: application/pdf\r\n"
                              "content-length: 11\r\n"
                              "\r\n"
                              "hello world";
    static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    struct rw_http *h = exchange(&rec_a, S(req), S(resp), 0, 0);
    const struct rw_http_counters *c = rw_http_counters(h);

    CU_ASSERT_EQUAL(rec_a.n, 2);
    expect_file(&rec_a, 0, RW_TOSERVER, "report final.pdf", S("hello world"), 0);
    expect_file(&rec_a, 1, RW_TOCLIENT, "report final.pdf", S("ok"), 0);
    CU_ASSERT_STRING_EQUAL(rec_a.f[0].method, "POST");
    CU_ASSERT_STRING_EQUAL(rec_a.f[0].host, "files.example");
    CU_ASSERT_STRING_EQUAL(rec_a.f[0].uri, "/up/report%20final.pdf?x=1&y=%2F");
    CU_ASSERT_STRING_EQUAL(rec_a.f[0].ctype, "application/pdf");
    CU_ASSERT_STRING_EQUAL(rec_a.f[0].cenc, "(null)");
    CU_ASSERT_EQUAL(rec_a.f[0].declared, 11);
    CU_ASSERT_EQUAL(rec_a.f[0].cred, 0);
    CU_ASSERT_EQUAL(rec_a.f[1].declared, 2);
    CU_ASSERT_STRING_EQUAL(rec_a.f[1].method, "POST");
    CU_ASSERT_EQUAL(c->requests, 1);
    CU_ASSERT_EQUAL(c->responses, 1);
    CU_ASSERT_EQUAL(c->files[RW_TOSERVER], 1);
    CU_ASSERT_EQUAL(c->files[RW_TOCLIENT], 1);
    CU_ASSERT_EQUAL(rw_http_credentials_seen(h), 0);
    rw_http_free(&h);
    CU_ASSERT_PTR_NULL(h);
    split_invariant(S(req), S(resp));
}

static void test_http_put_chunked_with_extensions_and_trailers(void)
{
    static const char req[] = "PUT /dav/scene.blend HTTP/1.1\r\n"
                              "Host: dav\r\n"
                              "Transfer-Encoding: gzip, chunked\r\n"
                              "Content-Length: 3\r\n"
                              "\r\n"
                              "5;name=x\r\nhello\r\n"
                              "1 \t;a=\"b\"\r\n \r\n"
                              "A\r\n0123456789\r\n"
                              "0\r\nX-Checksum: 1\r\nX-More: 2\r\n\r\n"
                              "MKCOL /dav/newdir/ HTTP/1.1\r\nHost: dav\r\n\r\n";
    static const char resp[] = "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
                               "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
    struct rw_http *h = exchange(&rec_a, S(req), S(resp), 0, 0);
    const struct rw_http_counters *c = rw_http_counters(h);

    CU_ASSERT_EQUAL(rec_a.n, 1);
    expect_file(&rec_a, 0, RW_TOSERVER, "scene.blend", S("hello 0123456789"), 0);
    CU_ASSERT_EQUAL(rec_a.f[0].declared, 0);
    CU_ASSERT_STRING_EQUAL(rec_a.f[0].method, "PUT");
    CU_ASSERT_EQUAL(c->chunks[RW_TOSERVER], 4);
    CU_ASSERT_EQUAL(c->te_and_cl[RW_TOSERVER], 1);
    CU_ASSERT_EQUAL(c->requests, 2);
    CU_ASSERT_EQUAL(c->responses, 2);
    CU_ASSERT_EQUAL(c->responses_unpaired, 0);
    rw_http_free(&h);
    split_invariant(S(req), S(resp));
}

static void test_http_urlencoded_form_is_counted_not_a_file(void)
{
    static const char req[] = "POST /login HTTP/1.1\r\n"
                              "Content-Type: Application/X-WWW-Form-Urlencoded; charset=utf-8\r\n"
                              "Authorization: Basic dTpw\r\n"
                              "Content-Length: 13\r\n\r\n"
                              "user=a&pass=b"
                              "GET /after HTTP/1.1\r\n\r\n";
    struct rw_http *h = exchange(&rec_a, S(req), NULL, 0, 0, 0);
    const struct rw_http_counters *c = rw_http_counters(h);

    CU_ASSERT_EQUAL(rec_a.n, 0);
    CU_ASSERT_EQUAL(c->forms, 1);
    CU_ASSERT_EQUAL(c->requests, 2);
    CU_ASSERT_EQUAL(c->junk_lines[RW_TOSERVER], 0);
    CU_ASSERT_EQUAL(c->credentials, 1);
    CU_ASSERT_EQUAL(rw_http_credentials_seen(h), 1);
    rw_http_free(&h);
}

static void test_http_multipart_three_files_and_fields(void)
{
    char req[sizeof(mp_req) + 16];
    struct rw_http *h;
    const struct rw_http_counters *c;

    /* the Content-Length above must be the body's real length */
    CU_ASSERT_EQUAL_FATAL(mp_body_len(), 838);
    memcpy(req, mp_req, sizeof(mp_req));
    h = exchange(&rec_a, req, strlen(req), S(mp_resp), 0, 0);
    c = rw_http_counters(h);
    check_mp(&rec_a);
    CU_ASSERT_EQUAL(c->multipart, 1);
    CU_ASSERT_EQUAL(c->multipart_bad, 0);
    CU_ASSERT_EQUAL(c->form_fields, 3);
    CU_ASSERT_EQUAL(c->files[RW_TOSERVER], 3);
    CU_ASSERT_EQUAL(c->files[RW_TOCLIENT], 0);
    rw_http_free(&h);
}

static void test_http_multipart_split_at_every_byte(void)
{
    split_invariant(S(mp_req), S(mp_resp));
    check_mp(&rec_a);
}

/* Writes body as chunks of `size` bytes after hdrs; returns the length. */
static size_t chunkify(char *out, size_t outsz, const char *hdrs, const char *body, size_t blen,
                       size_t size)
{
    size_t o = (size_t)snprintf(out, outsz, "%s", hdrs);

    for (size_t i = 0; i < blen; i += size) {
        size_t k = blen - i < size ? blen - i : size;

        CU_ASSERT_FATAL(o + k + 64 < outsz);
        o += (size_t)snprintf(out + o, outsz - o, "%zx;ext=1\r\n", k);
        memcpy(out + o, body + i, k);
        o += k;
        o += (size_t)snprintf(out + o, outsz - o, "\r\n");
    }
    o += (size_t)snprintf(out + o, outsz - o, "0\r\n\r\n");
    return o;
}

static void test_http_multipart_inside_chunked(void)
{
    static char req[16384];
    const char *body = strstr(mp_req, "\r\n\r\n") + 4;
    static const size_t sizes[] = {1, 2, 3, 7, 26, 1000};

    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t n = chunkify(req, sizeof(req),
                            "POST /cgi/upload.php HTTP/1.1\r\nHost: media.example\r\n"
                            "Cookie: s=1\r\nTransfer-Encoding: chunked\r\n"
                            "Content-Type: multipart/form-data; boundary=\"----WebKitFormBoundaryX3\""
                            "\r\n\r\n",
                            body, strlen(body), sizes[i]);
        struct rw_http *h = exchange(&rec_a, req, n, S(mp_resp), 0, 0);

        check_mp(&rec_a);
        CU_ASSERT_EQUAL(rw_http_counters(h)->multipart_bad, 0);
        rw_http_free(&h);
        if (sizes[i] == 7)
            split_invariant(req, n, S(mp_resp));
    }
}

static void test_http_chunk_sizes_split_headers_and_crlf(void)
{
    static char resp[4096];
    static const char body[] = "HTTP/1.1 200 OK\r\nnot headers\r\n\r\n0\r\n\r\nend";
    static const char req[] = "GET /files/dl.bin HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n";

    for (size_t size = 1; size <= sizeof(body); size++) {
        size_t n = chunkify(resp, sizeof(resp),
                            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                            "Content-Type: application/octet-stream\r\n\r\n",
                            body, sizeof(body) - 1, size);
        struct rw_http *h;

        /* and a second response after it must still be found */
        n += (size_t)snprintf(resp + n, sizeof(resp) - n,
                              "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nxyz");
        h = exchange(&rec_a, S(req), resp, n, 0, 0);
        CU_ASSERT_EQUAL(rec_a.n, 2);
        expect_file(&rec_a, 0, RW_TOCLIENT, "dl.bin", S(body), 0);
        expect_file(&rec_a, 1, RW_TOCLIENT, "b", S("xyz"), 0);
        CU_ASSERT_EQUAL(rw_http_counters(h)->chunks_bad[RW_TOCLIENT], 0);
        rw_http_free(&h);
        if (size == 3)
            split_invariant(S(req), resp, n);
    }
}

static void test_http_expect_100_continue(void)
{
    static const char req[] = "PUT /upload/cut_v2.mxf HTTP/1.1\r\n"
                              "Host: s3\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"
                              "MXF!";
    static const char resp[] = "HTTP/1.1 100 Continue\r\n\r\n"
                               "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                               "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\ndone!";
    struct rw_http *h = exchange(&rec_a, S(req), S(resp), 0, 0);
    const struct rw_http_counters *c = rw_http_counters(h);

    CU_ASSERT_EQUAL(rec_a.n, 2);
    expect_file(&rec_a, 0, RW_TOSERVER, "cut_v2.mxf", S("MXF!"), 0);
    expect_file(&rec_a, 1, RW_TOCLIENT, "cut_v2.mxf", S("done!"), 0);
    CU_ASSERT_STRING_EQUAL(rec_a.f[1].method, "PUT");
    CU_ASSERT_EQUAL(c->expect_continue, 1);
    CU_ASSERT_EQUAL(c->responses_1xx, 2);
    CU_ASSERT_EQUAL(c->responses, 1);
    CU_ASSERT_EQUAL(c->responses_unpaired, 0);
    rw_http_free(&h);
    split_invariant(S(req), S(resp));
}

static void test_http_pipelined_head_and_get(void)
{
    static const char req[] = "HEAD /a.bin HTTP/1.1\r\nHost: h\r\n\r\n"
                              "GET /b.bin HTTP/1.1\r\nHost: h\r\n\r\n"
                              "HEAD /c.bin HTTP/1.1\r\nHost: h\r\n\r\n"
                              "GET /d/e.txt?v=2 HTTP/1.1\r\nHost: h\r\n\r\n";
    static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
                               "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nBBBBB"
                               "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                               "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                               "3\r\nEEE\r\n0\r\n\r\n";
    struct rw_http *h = exchange(&rec_a, S(req), S(resp), 0, 0);
    const struct rw_http_counters *c = rw_http_counters(h);

    CU_ASSERT_EQUAL(rec_a.n, 2);
    expect_file(&rec_a, 0, RW_TOCLIENT, "b.bin", S("BBBBB"), 0);
    expect_file(&rec_a, 1, RW_TOCLIENT, "e.txt", S("EEE"), 0);
    CU_ASSERT_STRING_EQUAL(rec_a.f[1].uri, "/d/e.txt?v=2");
    CU_ASSERT_EQUAL(c->requests, 4);
    CU_ASSERT_EQUAL(c->responses, 4);
    CU_ASSERT_EQUAL(c->files[RW_TOSERVER], 0);
    CU_ASSERT_EQUAL(c->junk_lines[RW_TOCLIENT], 0);
    rw_http_free(&h);
    split_invariant(S(req), S(resp));
}

static void test_http_download_is_inbound_with_disposition_and_encoding(void)
{
    static const char req[] = "GET /dl?id=3 HTTP/1.1\r\nHost: cdn\r\n\r\n"
                              "GET /x/ HTTP/1.1\r\nHost: cdn\r\n\r\n"
                              "GET /y/raw.mov HTTP/1.1\r\nHost: cdn\r\n\r\n";
    static const char resp[] =
        "HTTP/1.1 200 OK\r\n"
        "Content-Disposition: attachment; filename=\"movie.mov\"\r\n"
        "Content-Encoding: gzip\r\nContent-Type: video/quicktime\r\nContent-Length: 4\r\n\r\n"
        "GZGZ"
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nix"
        "HTTP/1.1 200 OK\r\nContent-Disposition: inline; filename*=UTF-8''tr%C3%A8s.mov\r\n"
        "Content-Length: 1\r\n\r\nT";
    struct rw_http *h = exchange(&rec_a, S(req), S(resp), 0, 0);
    const struct rw_http_counters *c = rw_http_counters(h);

    CU_ASSERT_EQUAL(rec_a.n, 3);
    expect_file(&rec_a, 0, RW_TOCLIENT, "movie.mov", S("GZGZ"), 0);
    expect_file(&rec_a, 1, RW_TOCLIENT, "", S("ix"), 0);
    expect_file(&rec_a, 2, RW_TOCLIENT, "tr\xc3\xa8s.mov", S("T"), 0);
    CU_ASSERT_STRING_EQUAL(rec_a.f[0].cenc, "gzip");
    CU_ASSERT_STRING_EQUAL(rec_a.f[0].ctype, "video/quicktime");
    CU_ASSERT_STRING_EQUAL(rec_a.f[0].uri, "/dl?id=3");
    CU_ASSERT_STRING_EQUAL(rec_a.f[0].host, "cdn");
    CU_ASSERT_STRING_EQUAL(rec_a.f[0].method, "GET");
    CU_ASSERT_EQUAL(c->files[RW_TOSERVER], 0);
    CU_ASSERT_EQUAL(c->files[RW_TOCLIENT], 3);
    rw_http_free(&h);
}

static void test_http_credentials_per_request_and_for_the_flow(void)
{
    struct rw_http *h = rec_new(&rec_a);

    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    rw_http_data(h, RW_TOSERVER, (const uint8_t *)S("PUT /a HTTP/1.1\r\nContent-Length: 1\r\n\r\nA"));
    CU_ASSERT_EQUAL(rw_http_credentials_seen(h), 0);
    rw_http_data(h, RW_TOSERVER,
                 (const uint8_t *)S("PUT /b HTTP/1.1\r\nproxy-authorization: x\r\n"
                                    "Content-Length: 1\r\n\r\nB"));
    CU_ASSERT_EQUAL(rw_http_credentials_seen(h), 1);
    rw_http_data(h, RW_TOSERVER, (const uint8_t *)S("PUT /c HTTP/1.1\r\nContent-Length: 1\r\n\r\nC"));
    rw_http_data(h, RW_TOSERVER,
                 (const uint8_t *)S("PUT /d HTTP/1.1\r\nCOOKIE: sid=2\r\nContent-Length: 1\r\n\r\nD"));
    rw_http_end(h);
    rec_consistent(&rec_a);
    CU_ASSERT_EQUAL(rec_a.n, 4);
    CU_ASSERT_EQUAL(rec_a.f[0].cred, 0);
    CU_ASSERT_EQUAL(rec_a.f[1].cred, 1);
    CU_ASSERT_EQUAL(rec_a.f[2].cred, 0);
    CU_ASSERT_EQUAL(rec_a.f[3].cred, 1);
    CU_ASSERT_EQUAL(rw_http_counters(h)->credentials, 2);
    CU_ASSERT_EQUAL(rw_http_credentials_seen(h), 1);
    rw_http_free(&h);
}

static void test_http_read_until_close_ends_normally(void)
{
    static const char req[] = "GET /stream.ts HTTP/1.0\r\n\r\n";
    static const char resp[] = "HTTP/1.0 200 OK\r\nContent-Type: video/mp2t\r\n\r\nTSTSTS";
    struct rw_http *h = exchange(&rec_a, S(req), S(resp), 0, 0);

    CU_ASSERT_EQUAL(rec_a.n, 1);
    expect_file(&rec_a, 0, RW_TOCLIENT, "stream.ts", S("TSTSTS"), 0);
    CU_ASSERT_EQUAL(rec_a.f[0].declared, 0);
    rw_http_free(&h);
    /* the same, a lying Content-Length: truncated */
    h = exchange(&rec_a, S(req), S("HTTP/1.0 200 OK\r\nContent-Length: 100\r\n\r\nTSTSTS"), 0, 0);
    CU_ASSERT_EQUAL(rec_a.n, 1);
    expect_file(&rec_a, 0, RW_TOCLIENT, "stream.ts", S("TSTSTS"), 1);
    CU_ASSERT_EQUAL(rec_a.f[0].declared, 100);
    CU_ASSERT_EQUAL(rw_http_counters(h)->files_truncated[RW_TOCLIENT], 1);
    rw_http_free(&h);
    /* unknown transfer coding in a response: until close */
    h = exchange(&rec_a, S(req),
                 S("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\nabc"), 0,
                 0);
    CU_ASSERT_EQUAL(rec_a.n, 1);
    expect_file(&rec_a, 0, RW_TOCLIENT, "stream.ts", S("abc"), 0);
    CU_ASSERT_EQUAL(rw_http_counters(h)->te_unknown[RW_TOCLIENT], 1);
    rw_http_free(&h);
}

static void test_http_uri_names(void)
{
    static const struct {
        const char *target, *name;
    } cases[] = {
        {"/", ""},
        {"/a/b/", ""},
        {"/a/b%2Fc.txt", "b/c.txt"},
        {"/%41%zz%4", "A%zz%4"},
        {"/x%00y", "x%00y"},
        {"http://host.example:8080/p/q.zip?r#s", "q.zip"},
        {"http://host.example", ""},
        {"http://host.example?x=/y", ""},
        {"file.bin", "file.bin"},
        {"/a#b/c", "a"},
    };
    char buf[512];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int n = snprintf(buf, sizeof(buf), "PUT %s HTTP/1.1\r\nContent-Length: 1\r\n\r\nZ",
                         cases[i].target);
        struct rw_http *h = exchange(&rec_a, buf, (size_t)n, NULL, 0, 0, 0);

        CU_ASSERT_EQUAL(rec_a.n, 1);
        if (rec_a.n == 1 && strcmp(rec_a.f[0].name, cases[i].name) != 0)
            fprintf(stderr, "\n%s -> '%s'\n", cases[i].target, rec_a.f[0].name);
        expect_file(&rec_a, 0, RW_TOSERVER, cases[i].name, S("Z"), 0);
        rw_http_free(&h);
    }
}

static void test_http_gap_in_known_length_body_goes_to_file(void)
{
    struct rw_http *h = rec_new(&rec_a);
    const struct rw_http_counters *c;

    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    rw_http_data(h, RW_TOSERVER, (const uint8_t *)S("POST /g.bin HTTP/1.1\r\nContent-Length: 10\r\n\r\nab"));
    rw_http_gap(h, RW_TOSERVER, 5);
    rw_http_data(h, RW_TOSERVER, (const uint8_t *)S("xyzGET /next.bin HTTP/1.1\r\n\r\n"));
    /* a gap running past the body's end: the file is complete, the direction resyncs */
    rw_http_data(h, RW_TOSERVER, (const uint8_t *)S("PUT /p HTTP/1.1\r\nContent-Length: 3\r\n\r\nP"));
    rw_http_gap(h, RW_TOSERVER, 50);
    rw_http_data(h, RW_TOSERVER, (const uint8_t *)S("ader: x\r\nPUT /q HTTP/1.1\r\nContent-Length: 1\r\n\r\nQ"));
    rw_http_end(h);
    c = rw_http_counters(h);
    rec_consistent(&rec_a);
    CU_ASSERT_EQUAL(rec_a.n, 3);
    expect_file(&rec_a, 0, RW_TOSERVER, "g.bin", NULL, 5, 0);
    CU_ASSERT_EQUAL(rec_a.f[0].gap, 5);
    CU_ASSERT_EQUAL(memcmp(rec_a.f[0].data, "abxyz", 5), 0);
    expect_file(&rec_a, 1, RW_TOSERVER, "p", S("P"), 0);
    CU_ASSERT_EQUAL(rec_a.f[1].gap, 2);
    expect_file(&rec_a, 2, RW_TOSERVER, "q", S("Q"), 0);
    CU_ASSERT_EQUAL(c->requests, 4);
    CU_ASSERT_EQUAL(c->gaps[RW_TOSERVER], 2);
    CU_ASSERT_EQUAL(c->resyncs[RW_TOSERVER], 1);
    rw_http_free(&h);
}

static void test_http_gap_pairing_kept_in_bodies_reset_on_resync(void)
{
    struct rw_http *h = rec_new(&rec_a);
    const struct rw_http_counters *c;

    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    rw_http_data(h, RW_TOSERVER, (const uint8_t *)S("GET /a.bin HTTP/1.1\r\n\r\nGET /b.bin HTTP/1.1\r\n\r\n"
                                                    "GET /c.bin HTTP/1.1\r\n\r\nGET /d.bin HTTP/1.1\r\n\r\n"));
    rw_http_data(h, RW_TOCLIENT, (const uint8_t *)S("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nAAAA"));
    rw_http_gap(h, RW_TOCLIENT, 6); /* inside a known body: pairing is safe */
    rw_http_data(h, RW_TOCLIENT, (const uint8_t *)S("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nB"
                                                    "HTTP/1.1 200 OK\r\nCont"));
    rw_http_gap(h, RW_TOCLIENT, 5); /* in headers: resync, pairing lost */
    rw_http_data(h, RW_TOCLIENT, (const uint8_t *)S("x: 1\r\n\r\nC\r\n"
                                                    "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nD"));
    rw_http_end(h);
    c = rw_http_counters(h);
    rec_consistent(&rec_a);
    CU_ASSERT_EQUAL(rec_a.n, 3);
    expect_file(&rec_a, 0, RW_TOCLIENT, "a.bin", S("AAAA"), 0);
    CU_ASSERT_EQUAL(rec_a.f[0].gap, 6);
    expect_file(&rec_a, 1, RW_TOCLIENT, "b.bin", S("B"), 0);
    expect_file(&rec_a, 2, RW_TOCLIENT, "", S("D"), 0);
    CU_ASSERT_EQUAL(c->responses, 4);
    CU_ASSERT_EQUAL(c->responses_unpaired, 1);
    CU_ASSERT_EQUAL(c->junk_lines[RW_TOCLIENT], 1); /* "C" */
    CU_ASSERT_EQUAL(c->resyncs[RW_TOCLIENT], 1);
    rw_http_free(&h);
}

static void test_http_gap_in_chunked_body_and_headers_resyncs(void)
{
    struct rw_http *h = rec_new(&rec_a);
    const struct rw_http_counters *c;

    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    rw_http_data(h, RW_TOCLIENT, (const uint8_t *)S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                                    "4\r\nab"));
    rw_http_gap(h, RW_TOCLIENT, 7);
    /* junk until a status line; "HTTP/1.1 404" inside a line does not count */
    rw_http_data(h, RW_TOCLIENT, (const uint8_t *)S("cd\r\n3\r\nxyz\r\nsee HTTP/1.1 200 OK\r\n"
                                                    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                                                    "HTTP/1.1 200 OK\r\nConte"));
    rw_http_gap(h, RW_TOCLIENT, 3);
    rw_http_data(h, RW_TOCLIENT, (const uint8_t *)S("ngth: 2\r\n\r\nzz\r\nHTTP/1.1 204 No\r\n\r\n"
                                                    "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1"));
    rw_http_end(h);
    c = rw_http_counters(h);
    rec_consistent(&rec_a);
    CU_ASSERT_EQUAL(rec_a.n, 3);
    expect_file(&rec_a, 0, RW_TOCLIENT, "", S("ab"), 1);
    expect_file(&rec_a, 1, RW_TOCLIENT, "", S("ok"), 0);
    expect_file(&rec_a, 2, RW_TOCLIENT, "", S("1"), 0);
    CU_ASSERT_EQUAL(c->resyncs[RW_TOCLIENT], 2);
    CU_ASSERT_EQUAL(c->junk_lines[RW_TOCLIENT], 4); /* 3, xyz, see..., zz */
    CU_ASSERT_EQUAL(c->responses, 5);
    CU_ASSERT_EQUAL(c->responses_unpaired, 5);
    rw_http_free(&h);
}

static void test_http_gap_in_multipart_part_finds_next_part(void)
{
    static const char head[] = "POST /u HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=BB\r\n"
                               "Content-Length: 138\r\n\r\n"
                               "--BB\r\nContent-Disposition: form-data; name=a; filename=one.bin\r\n\r\n"
                               "11";
    static const char tail[] = "1\r\n--BB\r\nContent-Disposition: form-data; filename=two\r\n\r\n"
                               "22\r\n--BB--";
    struct rw_http *h = rec_new(&rec_a);
    const struct rw_http_counters *c;

    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    rw_http_data(h, RW_TOSERVER, (const uint8_t *)S(head));
    rw_http_gap(h, RW_TOSERVER, 3);
    rw_http_data(h, RW_TOSERVER, (const uint8_t *)S(tail));
    rw_http_data(h, RW_TOSERVER, (const uint8_t *)S("GET /z HTTP/1.1\r\n\r\n"));
    rw_http_end(h);
    c = rw_http_counters(h);
    rec_consistent(&rec_a);
    CU_ASSERT_EQUAL(rec_a.n, 2);
    expect_file(&rec_a, 0, RW_TOSERVER, "one.bin", S("11"), 1);
    expect_file(&rec_a, 1, RW_TOSERVER, "two", S("22"), 0);
    CU_ASSERT_EQUAL(c->requests, 2);
    CU_ASSERT_EQUAL(c->multipart_bad, 0);
    CU_ASSERT_EQUAL(c->junk_lines[RW_TOSERVER], 0);
    rw_http_free(&h);
}

static void test_http_gap_in_read_until_close_body(void)
{
    struct rw_http *h = rec_new(&rec_a);

    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    rw_http_data(h, RW_TOSERVER, (const uint8_t *)S("GET /v.mp4 HTTP/1.1\r\n\r\n"));
    rw_http_data(h, RW_TOCLIENT, (const uint8_t *)S("HTTP/1.1 200 OK\r\n\r\n"));
    rw_http_gap(h, RW_TOCLIENT, 1000); /* before any byte: the file opens for it */
    rw_http_data(h, RW_TOCLIENT, (const uint8_t *)S("abc"));
    rw_http_end(h);
    rec_consistent(&rec_a);
    CU_ASSERT_EQUAL(rec_a.n, 1);
    expect_file(&rec_a, 0, RW_TOCLIENT, "v.mp4", S("abc"), 0);
    CU_ASSERT_EQUAL(rec_a.f[0].gap, 1000);
    rw_http_free(&h);
}

/* A full exchange cut at every offset, or with a gap at every offset: never a crash, every
 * file closed exactly once, never more files than the whole exchange. */
static void test_http_truncation_and_gap_at_every_offset(void)
{
    static char req[4096], resp[2048];
    size_t rlen, slen;
    struct rw_http *h;
    int full;

    rlen = (size_t)snprintf(req, sizeof(req), "%s", mp_req);
    rlen += (size_t)snprintf(req + rlen, sizeof(req) - rlen,
                             "HEAD /h HTTP/1.1\r\n\r\nPUT /c.bin HTTP/1.1\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
                             "GET /e HTTP/1.1\r\n\r\n");
    slen = (size_t)snprintf(resp, sizeof(resp),
                            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
                            "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"
                            "HTTP/1.1 100 Continue\r\n\r\n"
                            "HTTP/1.1 201 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"
                            "HTTP/1.1 200 OK\r\n\r\nto the end");
    h = exchange(&rec_a, req, rlen, resp, slen, 0, 0);
    full = rec_a.n;
    CU_ASSERT_EQUAL(full, 7); /* 3 parts, c.bin, download abc, hi, "to the end" */
    CU_ASSERT_EQUAL(rw_http_counters(h)->files_truncated[RW_TOSERVER], 0);
    CU_ASSERT_EQUAL(rw_http_counters(h)->files_truncated[RW_TOCLIENT], 0);
    rw_http_free(&h);
    for (size_t cut = 0; cut <= rlen + slen; cut++) {
        h = rec_new(&rec_b);
        CU_ASSERT_PTR_NOT_NULL_FATAL(h);
        if (cut <= rlen) {
            rw_http_data(h, RW_TOSERVER, (const uint8_t *)req, cut);
        } else {
            rw_http_data(h, RW_TOSERVER, (const uint8_t *)req, rlen);
            rw_http_data(h, RW_TOCLIENT, (const uint8_t *)resp, cut - rlen);
        }
        rw_http_end(h);
        rw_http_data(h, RW_TOSERVER, (const uint8_t *)"x", 1); /* ignored after the end */
        rec_consistent(&rec_b);
        CU_ASSERT(rec_b.n <= full);
        rw_http_free(&h);
    }
    for (int dir = 0; dir < 2; dir++) {
        const char *s = dir == 0 ? req : resp;
        size_t n = dir == 0 ? rlen : slen;

        for (size_t at = 0; at < n; at++) {
            for (uint64_t g = 1; g <= 64; g *= 4) {
                size_t skip = at + g < n ? at + (size_t)g : n;

                h = rec_new(&rec_b);
                CU_ASSERT_PTR_NOT_NULL_FATAL(h);
                if (dir == 1)
                    rw_http_data(h, RW_TOSERVER, (const uint8_t *)req, rlen);
                rw_http_data(h, (uint8_t)dir, (const uint8_t *)s, at);
                rw_http_gap(h, (uint8_t)dir, g);
                rw_http_data(h, (uint8_t)dir, (const uint8_t *)s + skip, n - skip);
                if (dir == 0)
                    rw_http_data(h, RW_TOCLIENT, (const uint8_t *)resp, slen);
                rw_http_end(h);
                rec_consistent(&rec_b);
                CU_ASSERT_EQUAL(rw_http_counters(h)->gaps[dir], 1);
                rw_http_free(&h);
            }
        }
    }
}

static void test_http_hostile_lengths(void)
{
    static const char *bad_cl[] = {
        "Content-Length: abc\r\n",
        "Content-Length: -1\r\n",
        "Content-Length: +5\r\n",
        "Content-Length: 4611686018427387905\r\n", /* 2^62 + 1 */
        "Content-Length: 99999999999999999999999\r\n",
        "Content-Length: 5, 6\r\n",
        "Content-Length: 5\r\nContent-Length: 6\r\n",
        "Content-Length: \r\n",
        "Content-Length: 5,\r\n",
    };
    char buf[512];

    for (size_t i = 0; i < sizeof(bad_cl) / sizeof(bad_cl[0]); i++) {
        int n = snprintf(buf, sizeof(buf), "POST /x HTTP/1.1\r\n%s\r\nhello\r\n"
                                           "GET /y HTTP/1.1\r\n\r\n", bad_cl[i]);
        struct rw_http *h = exchange(&rec_a, buf, (size_t)n, NULL, 0, 0, 0);
        const struct rw_http_counters *c = rw_http_counters(h);

        CU_ASSERT_EQUAL(rec_a.n, 0);
        CU_ASSERT_EQUAL(c->length_bad[RW_TOSERVER], 1);
        CU_ASSERT_EQUAL(c->requests, 1); /* only GET /y */
        CU_ASSERT_EQUAL(c->junk_lines[RW_TOSERVER], 1); /* "hello" */
        rw_http_free(&h);
    }
    {
        /* agreeing duplicates are fine; 2^62 itself is accepted, and ends truncated */
        struct rw_http *h = exchange(&rec_a, S("PUT /d HTTP/1.1\r\nContent-Length: 2, 2\r\n"
                                               "Content-Length: 2\r\n\r\nDDPUT /e HTTP/1.1\r\n"
                                               "Content-Length: 4611686018427387904\r\n\r\nEE"),
                                     NULL, 0, 0, 0);

        CU_ASSERT_EQUAL(rec_a.n, 2);
        expect_file(&rec_a, 0, RW_TOSERVER, "d", S("DD"), 0);
        expect_file(&rec_a, 1, RW_TOSERVER, "e", S("EE"), 1);
        CU_ASSERT_EQUAL(rec_a.f[1].declared, 1ULL << 62);
        rw_http_free(&h);
    }
    {
        /* a 16-digit chunk size, a chunk without its CRLF, a non-hex size */
        static const char *bad_chunks[] = {"1000000000000000\r\n", "2\r\nabX\r\n", "zz\r\n",
                                           "5 x\r\n"};

        for (size_t i = 0; i < 4; i++) {
            int n = snprintf(buf, sizeof(buf),
                             "PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n%s"
                             "GET /y HTTP/1.1\r\n\r\n", bad_chunks[i]);
            struct rw_http *h = exchange(&rec_a, buf, (size_t)n, NULL, 0, 0, 0);
            const struct rw_http_counters *c = rw_http_counters(h);

            CU_ASSERT_EQUAL(c->chunks_bad[RW_TOSERVER], 1);
            CU_ASSERT_EQUAL(c->requests, 2);
            CU_ASSERT_EQUAL(c->resyncs[RW_TOSERVER], 1);
            CU_ASSERT_EQUAL(c->files_truncated[RW_TOSERVER], (unsigned)rec_a.n);
            rw_http_free(&h);
        }
    }
    {
        /* request with a transfer coding that is not chunked: abandoned */
        struct rw_http *h = exchange(&rec_a, S("POST /t HTTP/1.1\r\nTransfer-Encoding: chunked, gzip"
                                               "\r\n\r\nxx\r\nGET /y HTTP/1.1\r\n\r\n"),
                                     NULL, 0, 0, 0);

        CU_ASSERT_EQUAL(rec_a.n, 0);
        CU_ASSERT_EQUAL(rw_http_counters(h)->te_unknown[RW_TOSERVER], 1);
        CU_ASSERT_EQUAL(rw_http_counters(h)->requests, 1);
        rw_http_free(&h);
    }
}

static void test_http_overlong_lines_and_header_blocks(void)
{
    static char buf[RW_HTTP_HDR_MAX_BYTES * 2];
    size_t n;
    struct rw_http *h;
    const struct rw_http_counters *c;

    /* an overlong header line is ignored; the request still works */
    n = (size_t)snprintf(buf, sizeof(buf), "PUT /o HTTP/1.1\r\nX-Long: ");
    memset(buf + n, 'a', RW_HTTP_LINE_MAX_BYTES);
    n += RW_HTTP_LINE_MAX_BYTES;
    n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\r\n folded: yes\r\nContent-Length: 1\r\n\r\nO");
    h = exchange(&rec_a, buf, n, NULL, 0, 1, 0);
    c = rw_http_counters(h);
    CU_ASSERT_EQUAL(rec_a.n, 1);
    expect_file(&rec_a, 0, RW_TOSERVER, "o", S("O"), 0);
    CU_ASSERT_EQUAL(c->lines_overlong[RW_TOSERVER], 1);
    CU_ASSERT_EQUAL(c->obs_fold[RW_TOSERVER], 1);
    rw_http_free(&h);
    /* a header block over the limit: abandoned, the next request is found */
    n = (size_t)snprintf(buf, sizeof(buf), "PUT /o HTTP/1.1\r\n");
    while (n < RW_HTTP_HDR_MAX_BYTES + 100)
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "X-Header-Fill: %0100d\r\n", 7);
    n += (size_t)snprintf(buf + n, sizeof(buf) - n, "Content-Length: 1\r\n\r\nO"
                                                    "PUT /p HTTP/1.1\r\nContent-Length: 1\r\n\r\nP");
    h = exchange(&rec_a, buf, n, NULL, 0, 0, 0);
    c = rw_http_counters(h);
    CU_ASSERT_EQUAL(rec_a.n, 1);
    expect_file(&rec_a, 0, RW_TOSERVER, "p", S("P"), 0);
    CU_ASSERT_EQUAL(c->headers_overlong[RW_TOSERVER], 1);
    CU_ASSERT_EQUAL(c->requests, 1);
    rw_http_free(&h);
    /* a start line with no LF at all: bounded, junk */
    memset(buf, 'G', sizeof(buf));
    h = exchange(&rec_a, buf, sizeof(buf), NULL, 0, 0, 0);
    CU_ASSERT_EQUAL(rec_a.n, 0);
    CU_ASSERT_EQUAL(rw_http_counters(h)->requests, 0);
    rw_http_free(&h);
    /* an overlong file name is cut and counted */
    n = (size_t)snprintf(buf, sizeof(buf), "PUT /");
    memset(buf + n, 'n', 700);
    n += 700;
    n += (size_t)snprintf(buf + n, sizeof(buf) - n, " HTTP/1.1\r\nContent-Length: 1\r\n\r\nN");
    h = exchange(&rec_a, buf, n, NULL, 0, 0, 0);
    CU_ASSERT_EQUAL(rec_a.n, 1);
    CU_ASSERT_EQUAL(rec_a.f[0].name_len, RW_FILE_NAME_MAX_BYTES);
    CU_ASSERT_EQUAL(rw_http_counters(h)->names_truncated, 1);
    CU_ASSERT_EQUAL(strlen(rec_a.f[0].uri), RW_HTTP_URI_KEEP_BYTES);
    CU_ASSERT_EQUAL(rw_http_counters(h)->fields_truncated, 1);
    rw_http_free(&h);
}

static void test_http_multipart_oddities(void)
{
    struct rw_http *h;
    const struct rw_http_counters *c;

    /* no boundary: one file like any body */
    h = exchange(&rec_a, S("POST /m.bin HTTP/1.1\r\nContent-Type: multipart/form-data\r\n"
                           "Content-Length: 3\r\n\r\nabc"), NULL, 0, 0, 0);
    c = rw_http_counters(h);
    CU_ASSERT_EQUAL(rec_a.n, 1);
    expect_file(&rec_a, 0, RW_TOSERVER, "m.bin", S("abc"), 0);
    CU_ASSERT_EQUAL(c->multipart_bad, 1);
    rw_http_free(&h);
    /* a boundary over 70 characters is not usable */
    h = exchange(&rec_a, S("POST /m.bin HTTP/1.1\r\nContent-Type: multipart/form-data; boundary="
                           "12345678901234567890123456789012345678901234567890123456789012345678901"
                           "\r\nContent-Length: 3\r\n\r\nabc"), NULL, 0, 0, 0);
    CU_ASSERT_EQUAL(rec_a.n, 1);
    CU_ASSERT_EQUAL(rw_http_counters(h)->multipart_bad, 1);
    rw_http_free(&h);
    /* the body ends inside a part: truncated; an empty file part is a file of 0 bytes */
    h = exchange(&rec_a, S("POST /m HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                           "Content-Length: 116\r\n\r\n"
                           "--b\r\nContent-Disposition: form-data; filename=empty\r\n\r\n"
                           "\r\n--b\r\nContent-Disposition: form-data; filename=cut\r\n\r\nabc\r\n-"),
                 NULL, 0, 0, 0);
    c = rw_http_counters(h);
    CU_ASSERT_EQUAL(rec_a.n, 2);
    expect_file(&rec_a, 0, RW_TOSERVER, "empty", "", 0, 0);
    expect_file(&rec_a, 1, RW_TOSERVER, "cut", S("abc\r\n-"), 1);
    CU_ASSERT_EQUAL(c->multipart_bad, 1);
    rw_http_free(&h);
}

static void test_http_connect_and_upgrade_go_opaque(void)
{
    struct rw_http *h;
    const struct rw_http_counters *c;

    h = exchange(&rec_a, S("CONNECT host:443 HTTP/1.1\r\nHost: host:443\r\n\r\n"
                           "PUT /not-http HTTP/1.1\r\nContent-Length: 1\r\n\r\nX"),
                 S("HTTP/1.1 200 Connection established\r\n\r\n"
                   "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nY"), 2, 0);
    c = rw_http_counters(h);
    /* requests are fed first: the PUT is parsed before the 200 arrives, then opaque */
    CU_ASSERT_EQUAL(c->opaque, 1);
    CU_ASSERT_EQUAL(c->files[RW_TOCLIENT], 0);
    CU_ASSERT_EQUAL(c->responses, 1);
    rw_http_free(&h);

    h = rec_new(&rec_a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    rw_http_data(h, RW_TOSERVER, (const uint8_t *)S("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n"));
    rw_http_data(h, RW_TOCLIENT, (const uint8_t *)S("HTTP/1.1 101 Switching\r\n\r\n\x81\x05hello"));
    rw_http_data(h, RW_TOSERVER, (const uint8_t *)S("PUT /x HTTP/1.1\r\nContent-Length: 1\r\n\r\nX"));
    rw_http_end(h);
    c = rw_http_counters(h);
    rec_consistent(&rec_a);
    CU_ASSERT_EQUAL(rec_a.n, 0);
    CU_ASSERT_EQUAL(c->opaque, 1);
    CU_ASSERT_EQUAL(c->requests, 1);
    rw_http_free(&h);
    /* a refused CONNECT stays HTTP */
    h = exchange(&rec_a, S("CONNECT host:443 HTTP/1.1\r\n\r\n"),
                 S("HTTP/1.1 407 Auth\r\nContent-Length: 2\r\n\r\nnoHTTP/1.1 200 OK\r\n"
                   "Content-Length: 1\r\n\r\nY"), 0, 0);
    CU_ASSERT_EQUAL(rw_http_counters(h)->opaque, 0);
    CU_ASSERT_EQUAL(rec_a.n, 2);
    rw_http_free(&h);
}

static void test_http_pipeline_overflow_pairs_the_first(void)
{
    static char req[8192], resp[8192];
    size_t rn = 0, sn = 0;
    struct rw_http *h;
    const struct rw_http_counters *c;

    for (int i = 0; i < RW_HTTP_PIPELINE_MAX + 8; i++) {
        rn += (size_t)snprintf(req + rn, sizeof(req) - rn, "GET /f%d HTTP/1.1\r\n\r\n", i);
        sn += (size_t)snprintf(resp + sn, sizeof(resp) - sn,
                               "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n%d", i % 10);
    }
    h = exchange(&rec_a, req, rn, resp, sn, 0, 0);
    c = rw_http_counters(h);
    CU_ASSERT_EQUAL(rec_a.n, RW_HTTP_PIPELINE_MAX + 8);
    CU_ASSERT_STRING_EQUAL(rec_a.f[0].name, "f0");
    {
        char last[16];

        snprintf(last, sizeof(last), "f%d", RW_HTTP_PIPELINE_MAX - 1);
        CU_ASSERT_STRING_EQUAL(rec_a.f[RW_HTTP_PIPELINE_MAX - 1].name, last);
    }
    CU_ASSERT_STRING_EQUAL(rec_a.f[RW_HTTP_PIPELINE_MAX].name, "");
    CU_ASSERT_EQUAL(c->pipeline_overflow, 8);
    CU_ASSERT_EQUAL(c->responses_unpaired, 8);
    rw_http_free(&h);
}

static void test_http_without_sink_or_ids_only_counts(void)
{
    struct rw_http *h = rw_http_new(NULL);

    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    rw_http_data(h, RW_TOSERVER, (const uint8_t *)S(mp_req));
    rw_http_gap(h, RW_TOSERVER, 3);
    rw_http_data(h, 7, (const uint8_t *)S(mp_req)); /* bad direction: ignored */
    rw_http_data(h, RW_TOSERVER, NULL, 5);
    rw_http_end(h);
    CU_ASSERT_EQUAL(rw_http_counters(h)->files[RW_TOSERVER], 3);
    rw_http_free(&h);
    rw_http_free(&h);
    rw_http_free(NULL);
    rw_http_data(NULL, 0, (const uint8_t *)"x", 1);
    rw_http_gap(NULL, 0, 1);
    rw_http_end(NULL);
    CU_ASSERT_PTR_NULL(rw_http_counters(NULL));
    CU_ASSERT_EQUAL(rw_http_credentials_seen(NULL), 0);

    /* file_open returning 0: parsing goes on, 0 is passed on */
    h = rec_new(&rec_a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    rec_a.open_zero = 1;
    rw_http_data(h, RW_TOSERVER, (const uint8_t *)S(mp_req));
    rw_http_end(h);
    CU_ASSERT_EQUAL(rec_a.n, 3);
    CU_ASSERT(rec_a.zero_calls >= 6);
    CU_ASSERT_EQUAL(rec_a.bad, 0);
    CU_ASSERT_EQUAL(rw_http_counters(h)->multipart_bad, 0);
    rw_http_free(&h);
}

static void test_http_out_of_memory(void)
{
    unsigned long n;

    for (n = 1; n < 10; n++) {
        struct rw_http *h;

        rw_alloc_hook_set(n);
        h = rec_new(&rec_a);
        if (rw_alloc_hook_failures() == 0) {
            rw_alloc_hook_set(0);
            CU_ASSERT_PTR_NOT_NULL(h);
            rw_http_data(h, RW_TOSERVER, (const uint8_t *)S(mp_req));
            rw_http_end(h);
            check_mp(&rec_a);
            rw_http_free(&h);
            break;
        }
        rw_alloc_hook_set(0);
        CU_ASSERT_PTR_NULL(h);
    }
    CU_ASSERT_EQUAL(n, 2); /* one allocation: the second run has no failure */
}

static void test_http_bad_start_lines_are_junk(void)
{
    static const char req[] = "GET /x HTTP/2.0\r\n"
                              "GET  /x HTTP/1.1\r\n"
                              "GET /x HTTP/1.1 \r\n"
                              "G@T /x HTTP/1.1\r\n"
                              "GET /x\r\n"
                              "\r\n\r\n"
                              "put /ok.bin HTTP/1.0\r\nContent-Length: 1\r\n\r\nK";
    static const char resp[] = "HTTP/1.1 099 Low\r\n"
                               "HTTP/1.1 2000 OK\r\n"
                               "HTTP/2 200\r\n"
                               "HTTP/1.1 20x\r\n"
                               "HTTP/1.1 200OK\r\n"
                               "HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nR";
    struct rw_http *h = exchange(&rec_a, S(req), S(resp), 0, 0);
    const struct rw_http_counters *c = rw_http_counters(h);

    CU_ASSERT_EQUAL(c->junk_lines[RW_TOSERVER], 5);
    CU_ASSERT_EQUAL(c->junk_lines[RW_TOCLIENT], 5);
    CU_ASSERT_EQUAL(c->requests, 1);
    CU_ASSERT_EQUAL(c->responses, 1);
    CU_ASSERT_EQUAL(rec_a.n, 2);
    expect_file(&rec_a, 0, RW_TOSERVER, "ok.bin", S("K"), 0);
    CU_ASSERT_STRING_EQUAL(rec_a.f[0].method, "put");
    expect_file(&rec_a, 1, RW_TOCLIENT, "ok.bin", S("R"), 0);
    rw_http_free(&h);
}

/* Random streams of HTTP pieces in random splits with random gaps: never a crash, every
 * file opened is closed exactly once, bytes only between open and close. */
static void test_http_random_pieces_keep_the_contract(void)
{
    static const char *pieces[] = {
        "GET /a HTTP/1.1\r\n", "POST /b.bin HTTP/1.1\r\n", "HEAD /h HTTP/1.1\r\n",
        "CONNECT x:1 HTTP/1.1\r\n", "HTTP/1.1 200 OK\r\n", "HTTP/1.1 100 Continue\r\n",
        "HTTP/1.1 101 Up\r\n", "HTTP/1.0 204 No\r\n", "Content-Length: 5\r\n",
        "Content-Length: 99999\r\n", "Transfer-Encoding: chunked\r\n",
        "Content-Type: multipart/form-data; boundary=zz\r\n",
        "Content-Type: application/x-www-form-urlencoded\r\n",
        "Content-Disposition: form-data; name=f; filename=\"q.txt\"\r\n", "Cookie: a\r\n",
        "\r\n", "\r\n", "5\r\n", "0\r\n", "3;x\r\n", "hello", "abc\r\n", "--zz\r\n",
        "--zz--\r\n", "\r\n--zz", "\n", "\r", " fold\r\n", "Expect: 100-continue\r\n",
    };
    static char buf[2][4096];
    size_t len[2];
    int total = 0, truncated = 0;

    rnd_state = 4242;
    for (int iter = 0; iter < 3000; iter++) {
        struct rw_http *h = rec_new(&rec_b);

        CU_ASSERT_PTR_NOT_NULL_FATAL(h);
        for (int d = 0; d < 2; d++) {
            char *out = buf[d];
            size_t o = 0;

            for (int k = 0; k < 40; k++) {
                const char *p = pieces[rnd() % (sizeof(pieces) / sizeof(pieces[0]))];
                int w = snprintf(out + o, sizeof(buf[0]) - o, "%s", p);

                if (w < 0 || (size_t)w >= sizeof(buf[0]) - o)
                    break;
                o += (size_t)w;
            }
            len[d] = o;
        }
        for (size_t at[2] = {0, 0}; at[0] < len[0] || at[1] < len[1];) {
            int d = (int)(rnd() % 2);
            size_t k = 1 + rnd() % 40;

            if (at[d] >= len[d])
                d = !d;
            if (k > len[d] - at[d])
                k = len[d] - at[d];
            if (rnd() % 23 == 0) {
                rw_http_gap(h, (uint8_t)d, k);
            } else {
                rw_http_data(h, (uint8_t)d, (const uint8_t *)buf[d] + at[d], k);
            }
            at[d] += k;
        }
        rw_http_end(h);
        rec_consistent(&rec_b);
        total += rec_b.n;
        for (int i = 0; i < rec_b.n; i++)
            truncated += rec_b.f[i].truncated;
        rw_http_free(&h);
        if (rec_b.bad != 0)
            break;
    }
    CU_ASSERT(total > 1000);
    CU_ASSERT(truncated > 100);
}

static CU_TestInfo http_tests[] = {
    {"test_http_post_content_length_is_upload_response_is_download",
     test_http_post_content_length_is_upload_response_is_download},
    {"test_http_put_chunked_with_extensions_and_trailers",
     test_http_put_chunked_with_extensions_and_trailers},
    {"test_http_urlencoded_form_is_counted_not_a_file",
     test_http_urlencoded_form_is_counted_not_a_file},
    {"test_http_multipart_three_files_and_fields", test_http_multipart_three_files_and_fields},
    {"test_http_multipart_split_at_every_byte", test_http_multipart_split_at_every_byte},
    {"test_http_multipart_inside_chunked", test_http_multipart_inside_chunked},
    {"test_http_chunk_sizes_split_headers_and_crlf", test_http_chunk_sizes_split_headers_and_crlf},
    {"test_http_expect_100_continue", test_http_expect_100_continue},
    {"test_http_pipelined_head_and_get", test_http_pipelined_head_and_get},
    {"test_http_download_is_inbound_with_disposition_and_encoding",
     test_http_download_is_inbound_with_disposition_and_encoding},
    {"test_http_credentials_per_request_and_for_the_flow",
     test_http_credentials_per_request_and_for_the_flow},
    {"test_http_read_until_close_ends_normally", test_http_read_until_close_ends_normally},
    {"test_http_uri_names", test_http_uri_names},
    {"test_http_gap_in_known_length_body_goes_to_file",
     test_http_gap_in_known_length_body_goes_to_file},
    {"test_http_gap_pairing_kept_in_bodies_reset_on_resync",
     test_http_gap_pairing_kept_in_bodies_reset_on_resync},
    {"test_http_gap_in_chunked_body_and_headers_resyncs",
     test_http_gap_in_chunked_body_and_headers_resyncs},
    {"test_http_gap_in_multipart_part_finds_next_part",
     test_http_gap_in_multipart_part_finds_next_part},
    {"test_http_gap_in_read_until_close_body", test_http_gap_in_read_until_close_body},
    {"test_http_truncation_and_gap_at_every_offset", test_http_truncation_and_gap_at_every_offset},
    {"test_http_hostile_lengths", test_http_hostile_lengths},
    {"test_http_bad_start_lines_are_junk", test_http_bad_start_lines_are_junk},
    {"test_http_random_pieces_keep_the_contract", test_http_random_pieces_keep_the_contract},
    {"test_http_overlong_lines_and_header_blocks", test_http_overlong_lines_and_header_blocks},
    {"test_http_multipart_oddities", test_http_multipart_oddities},
    {"test_http_connect_and_upgrade_go_opaque", test_http_connect_and_upgrade_go_opaque},
    {"test_http_pipeline_overflow_pairs_the_first", test_http_pipeline_overflow_pairs_the_first},
    {"test_http_without_sink_or_ids_only_counts", test_http_without_sink_or_ids_only_counts},
    {"test_http_out_of_memory", test_http_out_of_memory},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rw_suites_http[] = {
    {"http", NULL, NULL, NULL, NULL, http_tests},
    CU_SUITE_INFO_NULL,
};
