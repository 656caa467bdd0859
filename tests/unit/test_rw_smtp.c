/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_rw_smtp.c — SMTP sessions and MIME: attachments named, decoded and sized exactly. */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rw_alloc.h"
#include "rw_smtp.h"
#include "rw_test.h"

/* ---------------------------------------------------------------------------------------- */
/* a sink that records files: opens with their meta, bytes, closes */

#define FILES_MAX 8
#define FILE_BYTES 8192

struct rfile {
    char name[600];
    size_t name_len;
    char method[16], app[16], ctype[64];
    uint8_t dir, cred;
    uint8_t data[FILE_BYTES];
    size_t len;     /* bytes received (kept up to FILE_BYTES) */
    int closed;     /* 0 open, 1 closed, 2 closed truncated */
    int events;     /* data calls after close, or other misuse */
};

struct rec {
    size_t n;
    struct rfile f[FILES_MAX];
    int bad; /* calls with an unknown id, expect calls */
};

static uint32_t rec_open(void *ctx, uint8_t dir, const char *name, size_t name_len,
                         const struct rw_xfer_meta *meta)
{
    struct rec *r = ctx;
    struct rfile *f;

    if (r->n == FILES_MAX)
        return 0;
    f = &r->f[r->n++];
    memset(f, 0, sizeof(*f));
    CU_ASSERT_FATAL(name_len < sizeof(f->name));
    memcpy(f->name, name, name_len);
    f->name_len = name_len;
    f->dir = dir;
    f->cred = meta->credentials;
    snprintf(f->method, sizeof(f->method), "%s", meta->method ? meta->method : "(null)");
    snprintf(f->app, sizeof(f->app), "%s", meta->app_proto ? meta->app_proto : "(null)");
    snprintf(f->ctype, sizeof(f->ctype), "%s", meta->content_type ? meta->content_type : "");
    return (uint32_t)r->n;
}

static struct rfile *rec_get(struct rec *r, uint32_t id)
{
    if (id == 0 || id > r->n) {
        r->bad++;
        return NULL;
    }
    return &r->f[id - 1];
}

static void rec_data(void *ctx, uint32_t id, const uint8_t *data, size_t len)
{
    struct rfile *f = rec_get(ctx, id);

    if (f == NULL)
        return;
    if (f->closed)
        f->events++;
    for (size_t i = 0; i < len; i++, f->len++)
        if (f->len < FILE_BYTES)
            f->data[f->len] = data[i];
}

static void rec_gap(void *ctx, uint32_t id, uint64_t len)
{
    (void)id, (void)len;
    ((struct rec *)ctx)->bad++;
}

static void rec_close(void *ctx, uint32_t id, int truncated)
{
    struct rfile *f = rec_get(ctx, id);

    if (f == NULL)
        return;
    if (f->closed)
        f->events++;
    f->closed = truncated ? 2 : 1;
}

static struct rw_smtp *mk(struct rec *r)
{
    struct rw_xfer_sink sink = {r, rec_open, rec_data, rec_gap, rec_close, NULL};
    struct rw_smtp *s;

    memset(r, 0, sizeof(*r));
    s = rw_smtp_new(&sink);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    return s;
}

#define C2S RW_TOSERVER
#define S2C RW_TOCLIENT

static void say(struct rw_smtp *s, uint8_t dir, const char *text)
{
    rw_smtp_data(s, dir, (const uint8_t *)text, strlen(text));
}

/* The usual opening: greeting, EHLO, envelope. */
static void open_session(struct rw_smtp *s)
{
    say(s, S2C, "220 mx.example.org ESMTP\r\n");
    say(s, C2S, "EHLO ws40.studio.example\r\n");
    say(s, S2C, "250-mx.example.org\r\n250-PIPELINING\r\n250 CHUNKING\r\n");
    say(s, C2S, "MAIL FROM:<artist@studio.example>\r\n");
    say(s, S2C, "250 2.1.0 Ok\r\n");
    say(s, C2S, "RCPT TO:<drop@example.net>\r\n");
    say(s, S2C, "250 2.1.5 Ok\r\n");
}

static void expect_file(const struct rec *r, size_t i, const char *name, const char *data,
                        size_t len, int closed, const char *method, const char *ctype)
{
    const struct rfile *f;

    CU_ASSERT_FATAL(i < r->n);
    f = &r->f[i];
    if (f->name_len != strlen(name) || memcmp(f->name, name, f->name_len) != 0)
        fprintf(stderr, "\n  file %zu: name '%.*s', want '%s'", i, (int)f->name_len, f->name,
                name);
    CU_ASSERT_EQUAL(f->name_len, strlen(name));
    CU_ASSERT_EQUAL(memcmp(f->name, name, f->name_len), 0);
    if (f->len != len)
        fprintf(stderr, "\n  file %s: %zu bytes, want %zu", name, f->len, len);
    CU_ASSERT_EQUAL(f->len, len);
    if (data != NULL && f->len == len && len <= FILE_BYTES)
        CU_ASSERT_EQUAL(memcmp(f->data, data, len), 0);
    CU_ASSERT_EQUAL(f->closed, closed);
    CU_ASSERT_EQUAL(f->events, 0);
    CU_ASSERT_EQUAL(f->dir, RW_TOSERVER);
    CU_ASSERT_STRING_EQUAL(f->app, "smtp");
    CU_ASSERT_STRING_EQUAL(f->method, method);
    CU_ASSERT_STRING_EQUAL(f->ctype, ctype);
}

/* ---------------------------------------------------------------------------------------- */
/* DATA */

/* A multipart/mixed message: a text part (no file), a base64 PDF (Content-Disposition
 * filename), then the close delimiter and an epilogue. "JVBERi0xLjQKaGVsbG8K" is base64
 * of "%PDF-1.4\nhello\n" (15 bytes). */
static const char msg_b64[] =
    "From: artist@studio.example\r\n"
    "Subject: ep07\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed;\r\n"
    "\tboundary=\"=_b1\"\r\n"
    "\r\n"
    "preamble\r\n"
    "--=_b1\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "see attached\r\n"
    "--=_b1\r\n"
    "Content-Type: application/pdf; name=\"wrong.pdf\"\r\n"
    "Content-Transfer-Encoding: BASE64\r\n"
    "Content-Disposition: attachment;\r\n"
    " filename=\"cut_notes.pdf\"; size=15\r\n"
    "\r\n"
    "JVBERi0x\r\n"
    "LjQKaGVs bG8K\r\n"
    "--=_b1--\r\n"
    "epilogue\r\n";

static void test_smtp_data_base64_attachment_decoded(void)
{
    struct rec r;
    struct rw_smtp *s = mk(&r);
    const struct rw_smtp_counters *c = rw_smtp_counters(s);

    open_session(s);
    say(s, C2S, "DATA\r\n");
    say(s, S2C, "354 End data with <CR><LF>.<CR><LF>\r\n");
    say(s, C2S, msg_b64);
    CU_ASSERT_EQUAL(r.n, 1);
    say(s, C2S, ".\r\n");
    say(s, S2C, "250 2.0.0 Ok: queued\r\n");
    say(s, C2S, "QUIT\r\n");
    say(s, S2C, "221 2.0.0 Bye\r\n");
    rw_smtp_end(s);
    CU_ASSERT_EQUAL_FATAL(r.n, 1);
    expect_file(&r, 0, "cut_notes.pdf", "%PDF-1.4\nhello\n", 15, 1, "DATA", "application/pdf");
    CU_ASSERT_EQUAL(r.f[0].cred, 0);
    CU_ASSERT_EQUAL(c->data, 1);
    CU_ASSERT_EQUAL(c->messages, 1);
    CU_ASSERT_EQUAL(c->messages_truncated, 0);
    CU_ASSERT_EQUAL(c->mime.parts, 3);
    CU_ASSERT_EQUAL(c->mime.files, 1);
    CU_ASSERT_EQUAL(c->mime.b64_invalid, 0);
    CU_ASSERT_EQUAL(c->replies_bad, 0);
    CU_ASSERT_EQUAL(r.bad, 0);
    rw_smtp_free(&s);
    CU_ASSERT_PTR_NULL(s);
}

/* Dot-stuffing (RFC 5321 4.5.2) undone in a 7bit attachment; a quoted-printable one with
 * =XX, a soft line break, trailing blanks and a bad "=". The last line end of a part
 * belongs to the delimiter. */
static void test_smtp_dot_unstuffing_7bit_and_quoted_printable(void)
{
    static const char want_qp[] = "a=b\r\nlong line joined\r\ncaf\xc3\xa9 =zz";
    struct rec r;
    struct rw_smtp *s = mk(&r);
    const struct rw_smtp_counters *c = rw_smtp_counters(s);

    open_session(s);
    say(s, C2S, "DATA\r\n");
    say(s, S2C, "354 go ahead\r\n");
    say(s, C2S, "Content-Type: multipart/mixed; boundary=XYZ\r\n\r\n"
                "--XYZ\r\n"
                "Content-Disposition: attachment; filename=shot.list\r\n\r\n"
                "..hidden\r\n"
                "...\r\n"
                "plain\r\n"
                "--XYZ\r\n"
                "Content-Type: text/plain; name=notes.txt\r\n"
                "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
                "a=3Db  \r\n"
                "long line =\r\n"
                "joined\r\n"
                "caf=C3=A9 =zz\r\n"
                "--XYZ--\r\n"
                ".\r\n");
    CU_ASSERT_EQUAL_FATAL(r.n, 2);
    expect_file(&r, 0, "shot.list", ".hidden\r\n..\r\nplain", 18, 1, "DATA", "");
    expect_file(&r, 1, "notes.txt", want_qp, strlen(want_qp), 1, "DATA", "text/plain");
    CU_ASSERT_EQUAL(c->mime.qp_invalid, 1);
    CU_ASSERT_EQUAL(c->messages, 1);
    rw_smtp_free(&s);
}

/* RFC 3030: chunks of exactly n bytes, cut anywhere (here inside a header name and inside
 * the base64), LAST ends the message; a later message on the same connection is read
 * too. The name comes from Content-Type alone. "UmVlbA==" is "Reel". */
static void test_smtp_bdat_chunks_and_last(void)
{
    static const char m1[] = "Subject: x\r\nContent-Type: image/x-exr; name=\"plate 01.exr\"\r\n"
                             "Content-Transfer-Encoding: base64\r\n\r\nUmVl\r\nbA==\r\n";
    char cmd[64];
    struct rec r;
    struct rw_smtp *s = mk(&r);
    const struct rw_smtp_counters *c = rw_smtp_counters(s);
    size_t cut = 20, n = strlen(m1);

    open_session(s);
    snprintf(cmd, sizeof(cmd), "BDAT %zu\r\n", cut);
    say(s, C2S, cmd);
    rw_smtp_data(s, C2S, (const uint8_t *)m1, cut);
    say(s, S2C, "250 2.0.0 Ok: 20 bytes\r\n");
    CU_ASSERT_EQUAL(r.n, 0);
    snprintf(cmd, sizeof(cmd), "BDAT %zu LAST\r\n", n - cut);
    say(s, C2S, cmd);
    rw_smtp_data(s, C2S, (const uint8_t *)m1 + cut, n - cut);
    CU_ASSERT_EQUAL_FATAL(r.n, 1);
    expect_file(&r, 0, "plate 01.exr", "Reel", 4, 1, "BDAT", "image/x-exr");
    /* pipelined: the next message's BDAT LAST right behind, in one segment */
    say(s, C2S, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 63 LAST\r\n"
                "Content-Disposition: attachment; filename=\"a.bin\"\r\n\r\n0123456789"
                "RSET\r\n");
    say(s, S2C, "250 2.0.0 Ok\r\n250 Ok\r\n250 Ok\r\n250 Ok\r\n250 Ok\r\n");
    CU_ASSERT_EQUAL_FATAL(r.n, 2);
    expect_file(&r, 1, "a.bin", "0123456789", 10, 1, "BDAT", "");
    CU_ASSERT_EQUAL(c->bdat, 3);
    CU_ASSERT_EQUAL(c->messages, 2);
    CU_ASSERT_EQUAL(c->commands, 2 + 2 + 2 + 2 + 1);
    CU_ASSERT_EQUAL(c->pipeline_overflow, 0);
    rw_smtp_free(&s);
}

/* File names as RFC 2183 / RFC 2231 / RFC 2045 give them. */
static void test_smtp_names_quoted_rfc2231_and_content_type(void)
{
    static const struct {
        const char *headers;
        const char *name;
    } cases[] = {
        {"Content-Disposition: attachment; filename=\"a \\\"q\\\" b.psd\"\r\n", "a \"q\" b.psd"},
        {"Content-Disposition: attachment; filename*=UTF-8''na%C3%AFve%20plan.psd\r\n",
         "na\xc3\xafve plan.psd"},
        {"Content-Disposition: inline; FileName = plain.tga ; size=3\r\n", "plain.tga"},
        {"Content-Type: image/png; charset=x; name=logo.png\r\n", "logo.png"},
        {"Content-Type: image/png; name=\"ct.png\"\r\n"
         "Content-Disposition: attachment; filename=\"cd.png\"\r\n", "cd.png"},
        {"Content-Disposition: attachment; filename=\"\"\r\n", ""},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct rec r;
        struct rw_smtp *s = mk(&r);

        say(s, C2S, "DATA\r\n");
        say(s, S2C, "354 go\r\n");
        say(s, C2S, cases[i].headers);
        say(s, C2S, "\r\nabc\r\n.\r\n");
        CU_ASSERT_EQUAL(r.n, 1);
        if (r.n == 1) {
            CU_ASSERT_EQUAL(r.f[0].name_len, strlen(cases[i].name));
            CU_ASSERT_EQUAL(memcmp(r.f[0].name, cases[i].name, r.f[0].name_len), 0);
            /* a single-part message: the body's last line end is the file's */
            CU_ASSERT_EQUAL(r.f[0].len, 5);
        }
        rw_smtp_free(&s);
    }
}

/* multipart/alternative inside multipart/mixed, and a forwarded message/rfc822 whose own
 * multipart holds an attachment: three files, each closed by its own delimiter. */
static void test_smtp_nested_multipart_and_forwarded_message(void)
{
    struct rec r;
    struct rw_smtp *s = mk(&r);

    say(s, C2S, "DATA\r\n");
    say(s, S2C, "354 go\r\n");
    say(s, C2S, "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
                "--outer\r\n"
                "Content-Type: multipart/alternative; boundary=inner\r\n\r\n"
                "--inner\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
                "--inner\r\nContent-Type: text/html; name=body.html\r\n\r\n<p>hi</p>\r\n"
                "--inner--\r\n"
                "--outer\r\n"
                "Content-Type: message/rfc822\r\n\r\n"
                "Subject: fwd\r\n"
                "Content-Type: multipart/mixed; boundary=fw\r\n\r\n"
                "--fw\r\nContent-Disposition: attachment; filename=inner.txt\r\n\r\n"
                "in\r\n--fw--\r\n"
                "--outer\r\n"
                "Content-Disposition: attachment; filename=last.txt\r\n\r\n"
                "end\r\n"
                "--outer--\r\n.\r\n");
    CU_ASSERT_EQUAL_FATAL(r.n, 3);
    expect_file(&r, 0, "body.html", "<p>hi</p>", 9, 1, "DATA", "text/html");
    expect_file(&r, 1, "inner.txt", "in", 2, 1, "DATA", "");
    expect_file(&r, 2, "last.txt", "end", 3, 1, "DATA", "");
    rw_smtp_free(&s);
}

/* DATA refused: no message. RSET and the connection's end inside a message: the open file
 * is closed truncated. STARTTLS accepted: nothing more is read. */
static void test_smtp_refused_reset_end_and_starttls(void)
{
    struct rec r;
    struct rw_smtp *s = mk(&r);
    const struct rw_smtp_counters *c = rw_smtp_counters(s);

    say(s, C2S, "DATA\r\n");
    say(s, S2C, "554 5.5.1 Error: no valid recipients\r\n");
    say(s, C2S, "RSET\r\nDATA\r\n");
    say(s, S2C, "250 Ok\r\n354 go\r\n");
    say(s, C2S, "Content-Disposition: attachment; filename=a.txt\r\n\r\npart");
    CU_ASSERT_EQUAL(r.n, 1);
    say(s, C2S, "ial\r\n.\r\n");
    /* BDAT interrupted by RSET between chunks */
    say(s, C2S, "BDAT 54\r\nContent-Disposition: attachment; filename=b.txt\r\n\r\nxyz");
    say(s, C2S, "RSET\r\n");
    CU_ASSERT_EQUAL(c->data_refused, 1);
    CU_ASSERT_EQUAL_FATAL(r.n, 2);
    expect_file(&r, 0, "a.txt", "partial\r\n", 9, 1, "DATA", "");
    expect_file(&r, 1, "b.txt", "xyz", 3, 2, "BDAT", "");
    /* a message cut by the connection's end */
    say(s, C2S, "DATA\r\n");
    say(s, C2S, "Content-Disposition: attachment; filename=c.txt\r\n\r\nxy");
    rw_smtp_end(s);
    CU_ASSERT_EQUAL_FATAL(r.n, 3);
    expect_file(&r, 2, "c.txt", "xy", 2, 2, "DATA", "");
    CU_ASSERT_EQUAL(c->messages_truncated, 2);
    CU_ASSERT_EQUAL(c->mime.files_truncated, 2);
    rw_smtp_free(&s);

    s = mk(&r);
    c = rw_smtp_counters(s);
    say(s, C2S, "STARTTLS\r\n");
    say(s, S2C, "220 2.0.0 Ready to start TLS\r\n");
    say(s, C2S, "DATA\r\nContent-Disposition: attachment; filename=x\r\n\r\nx\r\n.\r\n");
    rw_smtp_end(s);
    CU_ASSERT_EQUAL(r.n, 0);
    CU_ASSERT_EQUAL(c->tls, 1);
    CU_ASSERT_EQUAL(c->data, 0);
    rw_smtp_free(&s);
}

/* ---------------------------------------------------------------------------------------- */
/* hostile: splits, truncation, limits, allocation failure */

/* A session with every feature; steps alternate directions. */
static const struct {
    uint8_t dir;
    const char *text;
} session[] = {
    {S2C, "220 mx ESMTP\r\n"},
    {C2S, "EHLO a\r\n"},
    {S2C, "250-mx\r\n250 CHUNKING\r\n"},
    {C2S, "AUTH PLAIN AGFAYg==\r\n"},
    {S2C, "235 2.7.0 Authentication successful\r\n"},
    {C2S, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"},
    {S2C, "250 Ok\r\n250 Ok\r\n354 go\r\n"},
    {C2S, NULL}, /* msg_b64 */
    {C2S, "..\r\n.\r\n"},
    {S2C, "250 queued\r\n"},
    {C2S, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 65\r\n"
          "Content-Transfer-Encoding: base64\r\nContent-Type: a/b; name=n.bin\r"},
    {C2S, "BDAT 25 LAST\r\n\n\r\n=?q?= UmVlbA==\r\nZZZZ\r\n"},
    {S2C, "250 Ok\r\n250 Ok\r\n250 Ok\r\n250 Ok\r\n"},
    {C2S, "QUIT\r\n"},
};
#define NSTEPS (sizeof(session) / sizeof(session[0]))

static const char *step_text(size_t i)
{
    return session[i].text != NULL ? session[i].text : msg_b64;
}

static uint64_t rnd(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* Feeds the session: mode 0 whole steps, 1 byte by byte, 2 random splits; stops after
 * limit bytes, then ends. The files go to r. */
static void run_session(struct rec *r, int mode, uint64_t seed, size_t limit)
{
    struct rw_smtp *s = mk(r);
    size_t fed = 0;

    for (size_t i = 0; i < NSTEPS && fed < limit; i++) {
        const uint8_t *p = (const uint8_t *)step_text(i);
        size_t n = strlen(step_text(i)), off = 0;

        if (n > limit - fed)
            n = limit - fed;
        while (off < n) {
            size_t k = mode == 1 ? 1 : mode == 2 ? 1 + (size_t)(rnd(&seed) % 13) : n - off;

            if (k > n - off)
                k = n - off;
            rw_smtp_data(s, session[i].dir, p + off, k);
            off += k;
        }
        fed += n;
    }
    rw_smtp_end(s);
    rw_smtp_free(&s);
}

static void test_smtp_session_files_exactly(void)
{
    struct rec r;

    run_session(&r, 0, 0, SIZE_MAX);
    CU_ASSERT_EQUAL_FATAL(r.n, 2);
    expect_file(&r, 0, "cut_notes.pdf", "%PDF-1.4\nhello\n", 15, 1, "DATA", "application/pdf");
    CU_ASSERT_EQUAL(r.f[0].cred, 1);
    /* "=?q?=" holds one character outside the alphabet ('?' twice): ignored; "Reel"; then
     * "ZZZZ" without padding, 3 more bytes */
    expect_file(&r, 1, "n.bin", "Reel\x65\x96\x59", 7, 1, "BDAT", "a/b");
    CU_ASSERT_EQUAL(r.bad, 0);
}

/* The same files, byte for byte, however the bytes are split into calls. */
static void test_smtp_same_files_however_split(void)
{
    static struct rec whole, other;

    run_session(&whole, 0, 0, SIZE_MAX);
    for (int mode = 1; mode <= 2; mode++) {
        for (uint64_t seed = 1; seed <= (mode == 1 ? 1u : 40u); seed++) {
            run_session(&other, mode, seed * 0x9e3779b97f4a7c15ULL, SIZE_MAX);
            CU_ASSERT_EQUAL_FATAL(other.n, whole.n);
            for (size_t i = 0; i < whole.n; i++) {
                CU_ASSERT_EQUAL(other.f[i].name_len, whole.f[i].name_len);
                CU_ASSERT_EQUAL(memcmp(other.f[i].name, whole.f[i].name, whole.f[i].name_len),
                                0);
                CU_ASSERT_EQUAL(other.f[i].len, whole.f[i].len);
                CU_ASSERT_EQUAL(memcmp(other.f[i].data, whole.f[i].data, whole.f[i].len), 0);
                CU_ASSERT_EQUAL(other.f[i].closed, whole.f[i].closed);
            }
        }
    }
}

/* Cut at every offset: every file opened is closed exactly once, and never with data
 * after its close; a file cut before its end is truncated. */
static void test_smtp_truncated_at_every_offset(void)
{
    static struct rec r;
    size_t total = 0;

    for (size_t i = 0; i < NSTEPS; i++)
        total += strlen(step_text(i));
    for (size_t cut = 0; cut <= total; cut++) {
        run_session(&r, 0, 0, cut);
        CU_ASSERT_EQUAL(r.bad, 0);
        for (size_t i = 0; i < r.n; i++) {
            CU_ASSERT(r.f[i].closed != 0);
            CU_ASSERT_EQUAL(r.f[i].events, 0);
        }
    }
}

/* Limits: overlong lines, deep nesting, a bad boundary, a huge BDAT size, a gap. */
static void test_smtp_hostile_input_counted(void)
{
    static char big[RW_SMTP_LINE_MAX_BYTES + 100], body[8192];
    struct rec r;
    struct rw_smtp *s = mk(&r);
    const struct rw_smtp_counters *c = rw_smtp_counters(s);
    size_t k = 0;

    memset(big, 'A', sizeof(big) - 3);
    memcpy(big + sizeof(big) - 3, "\r\n", 3);
    say(s, C2S, big);
    say(s, S2C, big);
    CU_ASSERT_EQUAL(c->lines_overlong[C2S], 1);
    CU_ASSERT_EQUAL(c->lines_overlong[S2C], 1);
    say(s, C2S, "BDAT 99999999999999999999999\r\nBDAT x\r\nBDAT 5 LASTX\r\n");
    CU_ASSERT_EQUAL(c->bdat_bad, 3);
    /* nine nested multiparts: the ninth is skipped, the file inside it is not seen; one
     * boundary of 71 bytes is refused */
    say(s, C2S, "DATA\r\n");
    for (int i = 0; i < RW_MIME_DEPTH_MAX + 1; i++)
        k += (size_t)snprintf(body + k, sizeof(body) - k,
                              "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n", i,
                              i);
    k += (size_t)snprintf(body + k, sizeof(body) - k,
                          "Content-Disposition: attachment; filename=deep.txt\r\n\r\nx\r\n");
    rw_smtp_data(s, C2S, (const uint8_t *)body, k);
    say(s, C2S, "--b7\r\nContent-Type: multipart/mixed; boundary=\""
                "12345678901234567890123456789012345678901234567890123456789012345678901\"\r\n"
                "\r\n--b7\r\nContent-Disposition: attachment; filename=ok.txt\r\n\r\nok\r\n"
                "--b7--\r\n.\r\n");
    CU_ASSERT_EQUAL(c->mime.depth_exceeded, 1);
    CU_ASSERT_EQUAL(c->mime.boundary_bad, 1);
    CU_ASSERT_EQUAL_FATAL(r.n, 1);
    expect_file(&r, 0, "ok.txt", "ok", 2, 1, "DATA", "");
    /* a gap inside an attachment: closed truncated, reading resumes at the delimiter */
    say(s, C2S, "DATA\r\nContent-Type: multipart/mixed; boundary=g\r\n\r\n--g\r\n"
                "Content-Disposition: attachment; filename=gap.bin\r\n\r\nbefore\r\n");
    rw_smtp_gap(s, C2S, 100);
    say(s, C2S, "lost\r\n--g\r\nContent-Disposition: attachment; filename=after.bin\r\n\r\n"
                "after\r\n--g--\r\n.\r\n");
    CU_ASSERT_EQUAL_FATAL(r.n, 3);
    expect_file(&r, 1, "gap.bin", "before", 6, 2, "DATA", "");
    expect_file(&r, 2, "after.bin", "after", 5, 1, "DATA", "");
    CU_ASSERT_EQUAL(c->mime.gaps, 1);
    CU_ASSERT(rw_smtp_bytes(s) >= sizeof(big) / 2);
    rw_smtp_free(&s);
}

/* Every allocation failing in turn: no crash, no leak (ASan), files still paired. */
static void test_smtp_allocation_failure(void)
{
    for (unsigned long n = 1; n <= 3; n++) {
        struct rec r;
        struct rw_xfer_sink sink = {&r, rec_open, rec_data, rec_gap, rec_close, NULL};
        struct rw_smtp *s;

        memset(&r, 0, sizeof(r));
        rw_alloc_hook_set(n);
        s = rw_smtp_new(&sink);
        if (s != NULL) {
            say(s, C2S, "DATA\r\n");
            say(s, C2S, msg_b64);
            say(s, C2S, ".\r\n");
            rw_smtp_end(s);
            CU_ASSERT(rw_smtp_counters(s)->nomem + rw_smtp_counters(s)->messages == 1);
        }
        rw_alloc_hook_set(0);
        rw_smtp_free(&s);
        for (size_t i = 0; i < r.n; i++)
            CU_ASSERT_EQUAL(r.f[i].closed, 1);
    }
}

static CU_TestInfo rw_smtp_tests[] = {
    {"test_smtp_data_base64_attachment_decoded", test_smtp_data_base64_attachment_decoded},
    {"test_smtp_dot_unstuffing_7bit_and_quoted_printable",
     test_smtp_dot_unstuffing_7bit_and_quoted_printable},
    {"test_smtp_bdat_chunks_and_last", test_smtp_bdat_chunks_and_last},
    {"test_smtp_names_quoted_rfc2231_and_content_type",
     test_smtp_names_quoted_rfc2231_and_content_type},
    {"test_smtp_nested_multipart_and_forwarded_message",
     test_smtp_nested_multipart_and_forwarded_message},
    {"test_smtp_refused_reset_end_and_starttls", test_smtp_refused_reset_end_and_starttls},
    {"test_smtp_session_files_exactly", test_smtp_session_files_exactly},
    {"test_smtp_same_files_however_split", test_smtp_same_files_however_split},
    {"test_smtp_truncated_at_every_offset", test_smtp_truncated_at_every_offset},
    {"test_smtp_hostile_input_counted", test_smtp_hostile_input_counted},
    {"test_smtp_allocation_failure", test_smtp_allocation_failure},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rw_suites_smtp[] = {
    {"smtp", NULL, NULL, NULL, NULL, rw_smtp_tests},
    CU_SUITE_INFO_NULL,
};
