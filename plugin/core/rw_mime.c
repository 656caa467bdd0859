/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_mime.c — streaming MIME reader: headers, multipart boundaries, base64 and QP decoding. */
#include "rw_mime.h"

#include <string.h>

#include "rw_alloc.h"
#include "rw_limits.h"

enum mime_state {
    M_HEADERS, /* an entity's header block */
    M_BODY,    /* an entity's body: content for its file, if it has one */
    M_SKIP,    /* preamble, epilogue, or a body we do not follow: only delimiters count */
};

enum mime_enc { ENC_IDENTITY, ENC_BASE64, ENC_QP };

enum mime_field { F_NONE = -1, F_TYPE = 0, F_DISP, F_CTE, F_N };

struct mime_boundary {
    uint8_t len;
    uint8_t b[RW_MIME_BOUNDARY_MAX_BYTES];
};

struct rw_mime {
    struct rw_xfer_sink sink;
    struct rw_mime_counters *c;
    const char *method;
    uint8_t dir;
    uint8_t credentials;
    uint8_t state;          /* enum mime_state */
    uint8_t depth;          /* boundaries in force */
    /* the line being assembled */
    uint8_t mid_line;       /* part of this line was already passed on (long body line) */
    uint8_t overflow;       /* a header line too long: the rest up to LF is dropped */
    int8_t field;           /* enum mime_field the current (maybe folded) header feeds */
    size_t len;
    /* the current entity's body */
    uint8_t enc;            /* enum mime_enc */
    uint8_t has_file;
    uint8_t pend_len;       /* line end held back: it belongs to a delimiter if one follows */
    uint8_t pend[2];
    uint8_t b64_n;          /* sextets in b64_acc */
    uint8_t qp_hold_len;    /* an "=" or "=X" cut off at the end of a long line's piece */
    uint8_t qp_hold[2];
    uint32_t b64_acc;
    uint32_t file_id;
    size_t flen[F_N];
    char fval[F_N][RW_MIME_FIELD_MAX_BYTES];
    struct mime_boundary bnd[RW_MIME_DEPTH_MAX];
    uint8_t line[RW_MIME_LINE_MAX_BYTES];
};

/* ---------------------------------------------------------------------------------------- */
/* small helpers */

static uint8_t lower(uint8_t ch)
{
    return ch >= 'A' && ch <= 'Z' ? (uint8_t)(ch - 'A' + 'a') : ch;
}

static int is_blank(uint8_t ch)
{
    return ch == ' ' || ch == '\t';
}

static int ci_prefix(const uint8_t *s, size_t n, const char *word)
{
    size_t wl = strlen(word);

    if (n < wl)
        return 0;
    for (size_t i = 0; i < wl; i++)
        if (lower(s[i]) != (uint8_t)word[i])
            return 0;
    return 1;
}

static int hexval(uint8_t ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch = lower(ch);
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    return -1;
}

/* ---------------------------------------------------------------------------------------- */
/* header values: "type/subtype; attr=value; attr="quoted"" (RFC 2045 5.1, RFC 2183) */

/* The value's first token (type/subtype or disposition type), lower case, into out. */
static size_t value_type(const char *v, size_t n, char *out, size_t max)
{
    size_t i = 0, k = 0;

    while (i < n && is_blank((uint8_t)v[i]))
        i++;
    while (i < n && v[i] != ';' && !is_blank((uint8_t)v[i]) && k + 1 < max)
        out[k++] = (char)lower((uint8_t)v[i++]);
    out[k] = '\0';
    return k;
}

/* RFC 2231 4: charset'language'%XX-encoded; the value is decoded in place. */
static size_t rfc2231_decode(uint8_t *s, size_t n)
{
    size_t i = 0, k = 0, quotes = 0;
    size_t start;

    for (start = 0; start < n && quotes < 2; start++)
        if (s[start] == '\'')
            quotes++;
    if (quotes < 2)
        start = 0;
    for (i = start; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            s[k++] = (uint8_t)(hexval(s[i + 1]) << 4 | hexval(s[i + 2]));
            i += 2;
        } else {
            s[k++] = s[i];
        }
    }
    return k;
}

/*
 * Finds parameter attr (lower case) in a header value and copies its value into out
 * (at most max bytes, *cut set when more was there). attr* (RFC 2231) counts too and is
 * percent-decoded. Returns the length, or -1 when the parameter is absent.
 */
static long value_param(const char *v, size_t n, const char *attr, uint8_t *out, size_t max,
                        int *cut)
{
    size_t i = 0, al = strlen(attr);

    *cut = 0;
    while (i < n && v[i] != ';')
        i++;
    while (i < n) {
        size_t a0, a1, k = 0;
        int star = 0;

        i++; /* the ';' */
        while (i < n && is_blank((uint8_t)v[i]))
            i++;
        a0 = i;
        while (i < n && v[i] != '=' && v[i] != ';')
            i++;
        a1 = i;
        while (a1 > a0 && is_blank((uint8_t)v[a1 - 1]))
            a1--;
        if (i >= n || v[i] == ';')
            continue;
        i++; /* the '=' */
        while (i < n && is_blank((uint8_t)v[i]))
            i++;
        if (a1 - a0 == al + 1 && v[a1 - 1] == '*')
            star = 1;
        if (a1 - a0 != al + (size_t)star || !ci_prefix((const uint8_t *)v + a0, al, attr)) {
            /* not ours: skip the value, quoted or not */
            if (i < n && v[i] == '"') {
                for (i++; i < n && v[i] != '"'; i++)
                    if (v[i] == '\\')
                        i++;
            }
            while (i < n && v[i] != ';')
                i++;
            continue;
        }
        if (i < n && v[i] == '"') {
            for (i++; i < n && v[i] != '"'; i++) {
                if (v[i] == '\\' && i + 1 < n)
                    i++;
                if (k < max)
                    out[k++] = (uint8_t)v[i];
                else
                    *cut = 1;
            }
        } else {
            for (; i < n && v[i] != ';' && !is_blank((uint8_t)v[i]); i++) {
                if (k < max)
                    out[k++] = (uint8_t)v[i];
                else
                    *cut = 1;
            }
        }
        if (star)
            k = rfc2231_decode(out, k);
        return (long)k;
    }
    return -1;
}

/* ---------------------------------------------------------------------------------------- */
/* bodies */

static void emit(struct rw_mime *m, const uint8_t *p, size_t n)
{
    if (m->has_file && n > 0 && m->sink.file_data != NULL)
        m->sink.file_data(m->sink.ctx, m->file_id, p, n);
}

/* The whole bytes held by the sextets of an unfinished quantum (2 or 3 sextets hold 1 or
 * 2 bytes); appended to out. */
static size_t b64_tail(struct rw_mime *m, uint8_t *out)
{
    size_t k = 0;

    if (m->b64_n == 2) {
        out[k++] = (uint8_t)(m->b64_acc >> 4);
    } else if (m->b64_n == 3) {
        out[k++] = (uint8_t)(m->b64_acc >> 10);
        out[k++] = (uint8_t)(m->b64_acc >> 2);
    }
    m->b64_n = 0;
    m->b64_acc = 0;
    return k;
}

/* RFC 2045 6.8: 4 characters of the alphabet give 3 bytes; "=" ends the quantum. */
static void b64_decode(struct rw_mime *m, const uint8_t *p, size_t n)
{
    uint8_t out[384];
    size_t k = 0;

    for (size_t i = 0; i < n; i++) {
        uint8_t ch = p[i];
        int v;

        if (ch >= 'A' && ch <= 'Z')
            v = ch - 'A';
        else if (ch >= 'a' && ch <= 'z')
            v = ch - 'a' + 26;
        else if (ch >= '0' && ch <= '9')
            v = ch - '0' + 52;
        else if (ch == '+')
            v = 62;
        else if (ch == '/')
            v = 63;
        else {
            if (ch == '=')
                k += b64_tail(m, out + k);
            else if (ch != '\r' && ch != '\n' && !is_blank(ch))
                m->c->b64_invalid++;
            continue;
        }
        m->b64_acc = m->b64_acc << 6 | (uint32_t)v;
        if (++m->b64_n == 4) {
            out[k++] = (uint8_t)(m->b64_acc >> 16);
            out[k++] = (uint8_t)(m->b64_acc >> 8);
            out[k++] = (uint8_t)m->b64_acc;
            m->b64_n = 0;
            m->b64_acc = 0;
        }
        if (k + 3 > sizeof(out)) {
            emit(m, out, k);
            k = 0;
        }
    }
    emit(m, out, k);
}

/* The end of a base64 body without its padding. */
static void b64_flush(struct rw_mime *m)
{
    uint8_t out[2];

    emit(m, out, b64_tail(m, out));
}

/*
 * RFC 2045 6.7: =XX is one byte, other bytes are themselves. final: p ends its line (a
 * trailing "=" is then a soft break, trailing blanks are dropped); else an "=" near the
 * end waits in qp_hold for the next piece. Returns 1 when the line ended in a soft break.
 */
static int qp_decode(struct rw_mime *m, const uint8_t *p, size_t n, int final)
{
    uint8_t out[256], tmp[2 + RW_MIME_LINE_MAX_BYTES];
    size_t k = 0, i = 0;
    int soft = 0;

    if (m->qp_hold_len > 0) {
        memcpy(tmp, m->qp_hold, m->qp_hold_len);
        memcpy(tmp + m->qp_hold_len, p, n);
        n += m->qp_hold_len;
        p = tmp;
        m->qp_hold_len = 0;
    }
    if (final)
        while (n > 0 && is_blank(p[n - 1]))
            n--;
    for (i = 0; i < n; i++) {
        if (k + 1 > sizeof(out)) {
            emit(m, out, k);
            k = 0;
        }
        if (p[i] != '=') {
            out[k++] = p[i];
            continue;
        }
        if (i + 1 == n && final) {
            soft = 1;
            break;
        }
        if (!final && n - i < 3) {
            m->qp_hold_len = (uint8_t)(n - i);
            memcpy(m->qp_hold, p + i, n - i);
            break;
        }
        if (i + 2 < n && hexval(p[i + 1]) >= 0 && hexval(p[i + 2]) >= 0) {
            out[k++] = (uint8_t)(hexval(p[i + 1]) << 4 | hexval(p[i + 2]));
            i += 2;
        } else {
            m->c->qp_invalid++;
            out[k++] = '=';
        }
    }
    emit(m, out, k);
    return soft;
}

/* Ends the current entity's body: pads out base64, closes its file. */
static void entity_end(struct rw_mime *m, int truncated)
{
    if (m->enc == ENC_BASE64)
        b64_flush(m);
    m->pend_len = 0;
    m->qp_hold_len = 0;
    if (m->has_file) {
        if (truncated)
            m->c->files_truncated++;
        if (m->sink.file_close != NULL)
            m->sink.file_close(m->sink.ctx, m->file_id, truncated);
    }
    m->has_file = 0;
    m->file_id = 0;
}

/* A new entity's header block begins. */
static void entity_begin(struct rw_mime *m)
{
    m->state = M_HEADERS;
    m->field = F_NONE;
    memset(m->flen, 0, sizeof(m->flen));
    m->enc = ENC_IDENTITY;
}

/* Opens the entity's file when it has a name (see the top of rw_mime.h). */
static void entity_file(struct rw_mime *m, const char *ctype)
{
    uint8_t name[RW_FILE_NAME_MAX_BYTES];
    struct rw_xfer_meta meta;
    long len;
    int cut = 0;

    len = value_param(m->fval[F_DISP], m->flen[F_DISP], "filename", name, sizeof(name), &cut);
    if (len < 0)
        len = value_param(m->fval[F_TYPE], m->flen[F_TYPE], "name", name, sizeof(name), &cut);
    if (len < 0)
        return;
    if (cut)
        m->c->names_truncated++;
    memset(&meta, 0, sizeof(meta));
    meta.app_proto = "smtp";
    meta.method = m->method;
    meta.content_type = ctype[0] != '\0' ? ctype : NULL;
    meta.credentials = m->credentials;
    m->c->files++;
    m->has_file = 1;
    m->file_id = m->sink.file_open != NULL
                     ? m->sink.file_open(m->sink.ctx, m->dir, (const char *)name, (size_t)len,
                                         &meta)
                     : 0;
}

/* The blank line after an entity's headers: what its body is. */
static void headers_end(struct rw_mime *m)
{
    char ctype[RW_MIME_FIELD_MAX_BYTES], cte[32];
    uint8_t b[RW_MIME_BOUNDARY_MAX_BYTES + 1];
    long blen;
    int cut;

    m->c->parts++;
    value_type(m->fval[F_TYPE], m->flen[F_TYPE], ctype, sizeof(ctype));
    value_type(m->fval[F_CTE], m->flen[F_CTE], cte, sizeof(cte));
    m->enc = strcmp(cte, "base64") == 0             ? ENC_BASE64
             : strcmp(cte, "quoted-printable") == 0 ? ENC_QP
                                                    : ENC_IDENTITY;
    m->b64_n = 0;
    m->b64_acc = 0;
    m->pend_len = 0;
    if (strncmp(ctype, "multipart/", 10) == 0) {
        m->state = M_SKIP;
        blen = value_param(m->fval[F_TYPE], m->flen[F_TYPE], "boundary", b, sizeof(b), &cut);
        if (blen <= 0 || cut || blen > RW_MIME_BOUNDARY_MAX_BYTES) {
            m->c->boundary_bad++;
        } else if (m->depth >= RW_MIME_DEPTH_MAX) {
            m->c->depth_exceeded++;
        } else {
            m->bnd[m->depth].len = (uint8_t)blen;
            memcpy(m->bnd[m->depth].b, b, (size_t)blen);
            m->depth++;
        }
        return;
    }
    if (strcmp(ctype, "message/rfc822") == 0) {
        entity_begin(m);
        return;
    }
    m->state = M_BODY;
    entity_file(m, ctype);
}

/* One header line (no line end). Folded lines (RFC 5322 2.2.3) continue a field. */
static void header_line(struct rw_mime *m, const uint8_t *p, size_t n)
{
    static const char *const names[F_N] = {
        "content-type:", "content-disposition:", "content-transfer-encoding:"};
    size_t skip = 0;

    if (n == 0) {
        headers_end(m);
        return;
    }
    if (is_blank(p[0])) {
        if (m->field == F_NONE)
            return;
        while (skip < n && is_blank(p[skip]))
            skip++;
        p += skip;
        n -= skip;
        if (m->flen[m->field] < sizeof(m->fval[0]))
            m->fval[m->field][m->flen[m->field]++] = ' ';
    } else {
        m->field = F_NONE;
        for (int f = 0; f < F_N; f++) {
            if (ci_prefix(p, n, names[f])) {
                m->field = (int8_t)f;
                skip = strlen(names[f]);
                m->flen[f] = 0;
                break;
            }
        }
        if (m->field == F_NONE)
            return;
        p += skip;
        n -= skip;
        while (n > 0 && is_blank(p[0])) {
            p++;
            n--;
        }
    }
    if (n > sizeof(m->fval[0]) - m->flen[m->field]) {
        m->c->fields_truncated++;
        n = sizeof(m->fval[0]) - m->flen[m->field];
    }
    memcpy(m->fval[m->field] + m->flen[m->field], p, n);
    m->flen[m->field] += n;
}

/*
 * Is this line a delimiter of one of the boundaries in force (innermost first)? Returns
 * its level + 1, or 0; *close says "--boundary--". RFC 2046 5.1.1: "--" boundary, then
 * "--" for the close delimiter, then blanks only.
 */
static int delimiter(const struct rw_mime *m, const uint8_t *p, size_t n, int *close)
{
    for (int i = m->depth - 1; i >= 0; i--) {
        const struct mime_boundary *b = &m->bnd[i];
        size_t k = 2 + (size_t)b->len;

        if (n < k || p[0] != '-' || p[1] != '-' || memcmp(p + 2, b->b, b->len) != 0)
            continue;
        *close = n >= k + 2 && p[k] == '-' && p[k + 1] == '-';
        if (*close)
            k += 2;
        while (k < n && is_blank(p[k]))
            k++;
        if (k == n)
            return i + 1;
    }
    return 0;
}

/* A piece of a body line: start (the line begins here), whole (and ends here: its line
 * end, or the message's end, follows) and eol (the line end, eol_len bytes; 0 for a
 * piece of a long line or the message's last line). */
static void body_piece(struct rw_mime *m, const uint8_t *p, size_t n, int start, int whole,
                       const uint8_t *eol, size_t eol_len)
{
    int close = 0, lv;

    if (start && whole && m->depth > 0 && n >= 2 && p[0] == '-' && p[1] == '-' &&
        (lv = delimiter(m, p, n, &close)) > 0) {
        entity_end(m, 0);
        m->depth = (uint8_t)(close ? lv - 1 : lv);
        if (close)
            m->state = M_SKIP;
        else
            entity_begin(m);
        return;
    }
    if (m->state != M_BODY || !m->has_file)
        return;
    switch (m->enc) {
    case ENC_BASE64:
        b64_decode(m, p, n);
        break;
    case ENC_QP:
        if (start && m->pend_len > 0)
            emit(m, m->pend, m->pend_len);
        if (start)
            m->pend_len = 0;
        if (!qp_decode(m, p, n, eol_len > 0) && eol_len > 0) {
            memcpy(m->pend, eol, eol_len);
            m->pend_len = (uint8_t)eol_len;
        }
        break;
    default:
        if (start && m->pend_len > 0)
            emit(m, m->pend, m->pend_len);
        if (start)
            m->pend_len = 0;
        emit(m, p, n);
        if (eol_len > 0) {
            memcpy(m->pend, eol, eol_len);
            m->pend_len = (uint8_t)eol_len;
        }
        break;
    }
}

/* A complete line in m->line (LF included, len bytes). */
static void line_done(struct rw_mime *m)
{
    size_t n = m->len, eol = 1;
    int start = !m->mid_line;

    if (n >= 2 && m->line[n - 2] == '\r')
        eol = 2;
    m->len = 0;
    m->mid_line = 0;
    if (m->overflow) {
        m->overflow = 0;
        return;
    }
    if (m->state == M_HEADERS)
        header_line(m, m->line, n - eol);
    else
        body_piece(m, m->line, n - eol, start, 1, m->line + n - eol, eol);
}

/* The line buffer is full without a LF. */
static void line_full(struct rw_mime *m)
{
    m->c->lines_overlong += !m->mid_line && !m->overflow;
    if (m->state == M_HEADERS || m->overflow) {
        /* a header line is kept as far as it fits; the rest is dropped */
        if (!m->overflow && m->state == M_HEADERS)
            header_line(m, m->line, m->len);
        m->overflow = 1;
        m->len = 0;
        return;
    }
    /* keep a CR at the end: it may start the line end */
    size_t keep = m->line[m->len - 1] == '\r' ? 1 : 0;

    body_piece(m, m->line, m->len - keep, !m->mid_line, 0, NULL, 0);
    m->mid_line = 1;
    if (keep)
        m->line[0] = '\r';
    m->len = keep;
}

struct rw_mime *rw_mime_new(const struct rw_xfer_sink *sink, uint8_t dir, const char *method,
                            uint8_t credentials, struct rw_mime_counters *c)
{
    struct rw_mime *m = rw_calloc(1, sizeof(*m));

    if (m == NULL || c == NULL) {
        rw_free(m);
        return NULL;
    }
    if (sink != NULL)
        m->sink = *sink;
    m->c = c;
    m->dir = dir;
    m->method = method;
    m->credentials = credentials;
    entity_begin(m);
    c->messages++;
    return m;
}

void rw_mime_free(struct rw_mime **mp)
{
    if (mp == NULL || *mp == NULL)
        return;
    rw_free(*mp);
    *mp = NULL;
}

void rw_mime_data(struct rw_mime *m, const uint8_t *p, size_t n)
{
    if (m == NULL)
        return;
    while (n > 0) {
        const uint8_t *lf = memchr(p, '\n', n);
        size_t take = lf != NULL ? (size_t)(lf - p) + 1 : n;
        size_t room = sizeof(m->line) - m->len;

        if (take > room)
            take = room;
        memcpy(m->line + m->len, p, take);
        m->len += take;
        p += take;
        n -= take;
        if (m->line[m->len - 1] == '\n')
            line_done(m);
        else if (m->len == sizeof(m->line))
            line_full(m);
    }
}

void rw_mime_gap(struct rw_mime *m, uint64_t n)
{
    (void)n;
    if (m == NULL)
        return;
    m->c->gaps++;
    if (m->has_file)
        entity_end(m, 1);
    m->len = 0;
    m->mid_line = 1; /* the next line end ends a piece of unknown line: no delimiter */
    m->overflow = 0;
    if (m->state == M_HEADERS)
        m->state = M_SKIP;
    else if (m->state == M_BODY)
        m->state = M_SKIP;
}

void rw_mime_end(struct rw_mime *m, int truncated)
{
    if (m == NULL)
        return;
    if (m->len > 0 && !m->overflow) {
        /* a last line without its line end */
        if (m->state == M_HEADERS)
            header_line(m, m->line, m->len);
        else
            body_piece(m, m->line, m->len, !m->mid_line, 1, NULL, 0);
    }
    m->len = 0;
    /* the line end held back before the end of the message is the file's own */
    if (m->state == M_BODY && m->pend_len > 0 && m->enc != ENC_BASE64)
        emit(m, m->pend, m->pend_len);
    entity_end(m, truncated);
}

size_t rw_mime_bytes(const struct rw_mime *m)
{
    return m == NULL ? 0 : sizeof(*m);
}
