/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_smtp.c — SMTP session parser: commands, replies, DATA with dot-unstuffing, BDAT chunks. */
#include "rw_smtp.h"

#include <string.h>

#include "rw_alloc.h"
#include "rw_limits.h"

/* The commands whose replies matter, and what the client direction is reading. */
enum smtp_cmd { C_OTHER = 0, C_DATA, C_DATA_END, C_BDAT, C_STARTTLS };
enum smtp_mode { S_CMD, S_DATA, S_BDAT };
/* Where DATA is within a line: at its start, after a first ".", after ".\r", inside. */
enum smtp_dstate { D_BOL, D_DOT, D_DOTCR, D_MID };

struct smtp_dir {
    size_t len;
    uint8_t skipping; /* through the next LF: an overlong line or a gap */
    uint8_t buf[RW_SMTP_LINE_MAX_BYTES];
};

struct rw_smtp {
    struct rw_xfer_sink sink;
    struct rw_mime *mime; /* the message being read, or NULL */
    uint64_t bdat_left;   /* bytes of the current BDAT chunk still to come */
    uint64_t msg_bytes;   /* bytes of the current message handed on */
    uint8_t ended;
    uint8_t tls;
    uint8_t mode;         /* enum smtp_mode */
    uint8_t dstate;       /* enum smtp_dstate */
    uint8_t bdat_last;
    uint8_t authed;       /* a 235 reply was seen */
    uint8_t q[RW_SMTP_PIPELINE_MAX]; /* commands waiting for their reply, oldest first */
    size_t qhead, qlen;
    struct rw_smtp_counters c;
    struct smtp_dir d[2];
};

static uint8_t upper(uint8_t ch)
{
    return ch >= 'a' && ch <= 'z' ? (uint8_t)(ch - 'a' + 'A') : ch;
}

static int verb_is(const uint8_t *p, size_t n, const char *verb)
{
    size_t k = strlen(verb);

    if (n < k || (n > k && p[k] != ' ' && p[k] != '\t'))
        return 0;
    for (size_t i = 0; i < k; i++)
        if (upper(p[i]) != (uint8_t)verb[i])
            return 0;
    return 1;
}

static void enqueue(struct rw_smtp *s, uint8_t cmd)
{
    if (s->qlen == RW_SMTP_PIPELINE_MAX) {
        s->c.pipeline_overflow++;
        s->qhead = (s->qhead + 1) % RW_SMTP_PIPELINE_MAX;
        s->qlen--;
    }
    s->q[(s->qhead + s->qlen) % RW_SMTP_PIPELINE_MAX] = cmd;
    s->qlen++;
}

/* ---------------------------------------------------------------------------------------- */
/* messages */

static void msg_begin(struct rw_smtp *s, const char *method)
{
    if (s->mime != NULL)
        return;
    s->msg_bytes = 0;
    s->mime = rw_mime_new(&s->sink, RW_TOSERVER, method, s->authed, &s->c.mime);
    if (s->mime == NULL)
        s->c.nomem++;
}

static void msg_end(struct rw_smtp *s, int truncated)
{
    if (s->mime == NULL)
        return;
    rw_mime_end(s->mime, truncated);
    rw_mime_free(&s->mime);
    if (truncated)
        s->c.messages_truncated++;
    else
        s->c.messages++;
}

static void msg_bytes(struct rw_smtp *s, const uint8_t *p, size_t n)
{
    if (n == 0)
        return;
    s->msg_bytes += n;
    rw_mime_data(s->mime, p, n);
}

/*
 * DATA (RFC 5321 4.1.1.4, 4.5.2): passes the message on without the stuffing dots and
 * stops after the line holding only "." (CRLF or bare LF). Returns the bytes consumed.
 */
static size_t data_feed(struct rw_smtp *s, const uint8_t *p, size_t n)
{
    size_t i = 0, span = 0;

    while (i < n) {
        uint8_t ch = p[i];

        switch (s->dstate) {
        case D_BOL:
            if (ch == '.') {
                msg_bytes(s, p + span, i - span);
                s->dstate = D_DOT;
                span = ++i;
                break;
            }
            s->dstate = ch == '\n' ? D_BOL : D_MID;
            i++;
            break;
        case D_DOT:
            if (ch == '\r') {
                s->dstate = D_DOTCR;
                span = ++i;
                break;
            }
            if (ch == '\n') {
                msg_end(s, 0);
                enqueue(s, C_DATA_END);
                s->mode = S_CMD;
                return i + 1;
            }
            s->dstate = D_MID; /* a stuffing dot: dropped, ch is data */
            break;
        case D_DOTCR:
            if (ch == '\n') {
                msg_end(s, 0);
                enqueue(s, C_DATA_END);
                s->mode = S_CMD;
                return i + 1;
            }
            msg_bytes(s, (const uint8_t *)"\r", 1); /* ".\r" + data: the CR is data */
            s->dstate = D_MID;
            break;
        default:
            if (ch == '\n')
                s->dstate = D_BOL;
            i++;
            break;
        }
    }
    msg_bytes(s, p + span, n - span);
    return n;
}

/* BDAT (RFC 3030 2): the chunk's bytes as they are. Returns the bytes consumed. */
static size_t bdat_feed(struct rw_smtp *s, const uint8_t *p, size_t n)
{
    size_t take = s->bdat_left < n ? (size_t)s->bdat_left : n;

    msg_bytes(s, p, take);
    s->bdat_left -= take;
    if (s->bdat_left == 0) {
        if (s->bdat_last)
            msg_end(s, 0);
        s->mode = S_CMD;
    }
    return take;
}

/* "BDAT" SP chunk-size [SP "LAST"] (RFC 3030 2); the size is 1*DIGIT. */
static void cmd_bdat(struct rw_smtp *s, const uint8_t *p, size_t n)
{
    size_t i = 4, digits = 0;
    uint64_t size = 0;

    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    for (; i < n && p[i] >= '0' && p[i] <= '9'; i++, digits++) {
        if (size > (UINT64_MAX - 9) / 10) {
            digits = 0;
            break;
        }
        size = size * 10 + (uint64_t)(p[i] - '0');
    }
    s->bdat_last = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    if (n - i >= 4 && upper(p[i]) == 'L' && upper(p[i + 1]) == 'A' && upper(p[i + 2]) == 'S' &&
        upper(p[i + 3]) == 'T') {
        s->bdat_last = 1;
        i += 4;
    }
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    if (digits == 0 || i != n) {
        s->c.bdat_bad++;
        enqueue(s, C_OTHER);
        return;
    }
    s->c.bdat++;
    enqueue(s, C_BDAT);
    msg_begin(s, "BDAT");
    s->bdat_left = size;
    s->mode = S_BDAT;
    if (size == 0 && s->bdat_last) {
        msg_end(s, 0);
        s->mode = S_CMD;
    } else if (size == 0) {
        s->mode = S_CMD;
    }
}

/* One client command line (line end removed). */
static void command(struct rw_smtp *s, const uint8_t *p, size_t n)
{
    s->c.commands++;
    if (verb_is(p, n, "DATA") && n == 4) {
        s->c.data++;
        enqueue(s, C_DATA);
        msg_begin(s, "DATA");
        s->mode = S_DATA;
        s->dstate = D_BOL;
    } else if (verb_is(p, n, "BDAT")) {
        cmd_bdat(s, p, n);
    } else if (verb_is(p, n, "STARTTLS")) {
        enqueue(s, C_STARTTLS);
    } else {
        if (verb_is(p, n, "RSET") || verb_is(p, n, "HELO") || verb_is(p, n, "EHLO"))
            msg_end(s, 1);
        enqueue(s, C_OTHER);
    }
}

/* One server reply line: "ddd", "ddd text" or "ddd-text". */
static void reply(struct rw_smtp *s, const uint8_t *p, size_t n)
{
    unsigned code;
    uint8_t cmd;

    if (n < 3 || p[0] < '1' || p[0] > '5' || p[1] < '0' || p[1] > '9' || p[2] < '0' ||
        p[2] > '9' || (n > 3 && p[3] != ' ' && p[3] != '-')) {
        s->c.replies_bad++;
        return;
    }
    if (n > 3 && p[3] == '-')
        return; /* a multi-line reply goes on */
    code = (unsigned)(p[0] - '0') * 100 + (unsigned)(p[1] - '0') * 10 + (unsigned)(p[2] - '0');
    if (code == 235)
        s->authed = 1;
    if (s->qlen == 0)
        return; /* the greeting, or a reply to something we did not see */
    cmd = s->q[s->qhead];
    s->qhead = (s->qhead + 1) % RW_SMTP_PIPELINE_MAX;
    s->qlen--;
    if (cmd == C_DATA && code != 354 && s->mode == S_DATA && s->msg_bytes == 0 &&
        s->dstate == D_BOL) {
        /* refused: no message follows */
        s->c.data_refused++;
        rw_mime_free(&s->mime);
        s->mode = S_CMD;
    } else if (cmd == C_STARTTLS && code == 220) {
        s->c.tls++;
        s->tls = 1;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* lines */

static void line_done(struct rw_smtp *s, uint8_t dir, const uint8_t *p, size_t n)
{
    if (n > 0 && p[n - 1] == '\n')
        n--;
    if (n > 0 && p[n - 1] == '\r')
        n--;
    s->c.lines[dir]++;
    if (dir == RW_TOSERVER)
        command(s, p, n);
    else
        reply(s, p, n);
}

/* Reads lines of dir from p; stops early when a command switched the client direction
 * to message bytes. Returns the bytes consumed. */
static size_t lines_feed(struct rw_smtp *s, uint8_t dir, const uint8_t *p, size_t n)
{
    struct smtp_dir *d = &s->d[dir];
    size_t used = 0;

    while (used < n && !s->tls && (dir == RW_TOCLIENT || s->mode == S_CMD)) {
        const uint8_t *lf = memchr(p + used, '\n', n - used);
        size_t take = lf != NULL ? (size_t)(lf - (p + used)) + 1 : n - used;

        if (d->skipping) {
            used += take;
            if (lf != NULL)
                d->skipping = 0;
            continue;
        }
        if (d->len == 0 && lf != NULL && take <= sizeof(d->buf)) {
            /* a whole line in the input: no copy */
            line_done(s, dir, p + used, take);
            used += take;
            continue;
        }
        if (take > sizeof(d->buf) - d->len) {
            s->c.lines_overlong[dir]++;
            d->len = 0;
            d->skipping = 1;
            continue;
        }
        memcpy(d->buf + d->len, p + used, take);
        d->len += take;
        used += take;
        if (lf != NULL) {
            size_t len = d->len;

            d->len = 0;
            line_done(s, dir, d->buf, len);
        }
    }
    return used;
}

struct rw_smtp *rw_smtp_new(const struct rw_xfer_sink *sink)
{
    struct rw_smtp *s = rw_calloc(1, sizeof(*s));

    if (s != NULL && sink != NULL)
        s->sink = *sink;
    return s;
}

void rw_smtp_free(struct rw_smtp **sp)
{
    if (sp == NULL || *sp == NULL)
        return;
    rw_mime_free(&(*sp)->mime);
    rw_free(*sp);
    *sp = NULL;
}

void rw_smtp_data(struct rw_smtp *s, uint8_t dir, const uint8_t *p, size_t n)
{
    if (s == NULL || s->ended || dir > RW_TOCLIENT)
        return;
    while (n > 0 && !s->tls) {
        size_t used;

        if (dir == RW_TOSERVER && s->mode == S_DATA)
            used = data_feed(s, p, n);
        else if (dir == RW_TOSERVER && s->mode == S_BDAT)
            used = bdat_feed(s, p, n);
        else
            used = lines_feed(s, dir, p, n);
        p += used;
        n -= used;
    }
}

void rw_smtp_gap(struct rw_smtp *s, uint8_t dir, uint64_t n)
{
    if (s == NULL || s->ended || dir > RW_TOCLIENT)
        return;
    s->c.gaps[dir]++;
    s->d[dir].len = 0;
    if (dir == RW_TOCLIENT) {
        s->d[dir].skipping = 1;
        s->qlen = 0; /* which reply answers what is unknown now */
        return;
    }
    if (s->mode == S_DATA) {
        s->msg_bytes += n;
        rw_mime_gap(s->mime, n);
        s->dstate = D_MID; /* inside a line of unknown start */
    } else if (s->mode == S_BDAT && n < s->bdat_left) {
        s->msg_bytes += n;
        rw_mime_gap(s->mime, n);
        s->bdat_left -= n;
    } else {
        /* the chunk's end, and what followed it, are lost */
        msg_end(s, 1);
        s->mode = S_CMD;
        s->d[dir].skipping = 1;
    }
}

void rw_smtp_end(struct rw_smtp *s)
{
    if (s == NULL || s->ended)
        return;
    msg_end(s, 1);
    s->ended = 1;
}

const struct rw_smtp_counters *rw_smtp_counters(const struct rw_smtp *s)
{
    return &s->c;
}

size_t rw_smtp_bytes(const struct rw_smtp *s)
{
    return s == NULL ? 0 : sizeof(*s) + rw_mime_bytes(s->mime);
}
