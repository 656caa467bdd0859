/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_http.c — HTTP/1.x parser: frames requests and responses, reports bodies and multipart parts as files. */
#include "rw_http.h"

#include <stddef.h>
#include <string.h>

#include "rw_alloc.h"
#include "rw_num.h"

/* Content-Length above this is absurd (and keeps every sum below 2^63). */
#define HTTP_LENGTH_MAX (1ULL << 62)
/* Hex digits of a chunk size: 15 keeps it below 2^60. */
#define CHUNK_HEX_MAX 15
/* Decimal digits of one Content-Length element: more is over 2^62 anyway. */
#define CL_DIGITS_MAX 20
/* "\r\n--" before the boundary. */
#define DELIM_PREFIX_BYTES 4
/* A boundary is 1..70 characters (RFC 2046 5.1.1). */
#define BOUNDARY_CHARS_MAX 70

/* Per-direction states. S_SKIPLINE drops bytes through the next LF (after a gap). */
enum {
    S_START = 0, S_HDRS, S_BODY_LEN, S_BODY_EOF, S_CHUNK_SIZE, S_CHUNK_DATA, S_CHUNK_END,
    S_TRAILERS, S_SKIPLINE, S_OPAQUE,
};

/* Multipart states. MP_SEARCH drops bytes up to the next delimiter (after a gap). */
enum { MP_PREAMBLE = 0, MP_SEARCH, MP_TAIL, MP_TAIL_SKIP, MP_HDRS, MP_DATA, MP_EPILOGUE };

/* A request as kept for its own body and for the response that answers it. */
struct http_txn {
    char method[RW_HTTP_METHOD_MAX_BYTES + 1];
    char host[RW_HOSTNAME_MAX_BYTES + 1];
    char uri[RW_HTTP_URI_KEEP_BYTES + 1];
    char name[RW_FILE_NAME_MAX_BYTES + 1];
    size_t name_len;
    uint8_t credentials;
    uint8_t is_head;
    uint8_t is_connect;
};

/* What the headers of the message in progress said. */
struct http_msg {
    uint64_t cl;
    uint8_t has_cl, cl_bad, has_te, chunked;
    uint8_t form, multipart, has_boundary, has_cd_name;
    int status;
    size_t boundary_len, cd_name_len;
    char ctype[RW_HTTP_FIELD_KEEP_BYTES + 1];
    char cenc[RW_HTTP_FIELD_KEEP_BYTES + 1];
    char boundary[BOUNDARY_CHARS_MAX + 1];
    char cd_name[RW_FILE_NAME_MAX_BYTES + 1];
};

struct http_dir {
    uint8_t st;
    uint8_t line_over;   /* the current line passed RW_HTTP_LINE_MAX_BYTES */
    uint8_t body_mp;     /* the body goes through the multipart reader */
    uint8_t body_file;   /* the body is a file */
    uint8_t file_open;
    uint32_t file_id;
    uint64_t decl;       /* declared size for the lazily opened file */
    size_t line_len;
    size_t hdr_bytes;    /* bytes of the header (or trailer) block so far */
    uint64_t left;       /* body or chunk bytes still to come */
    struct http_msg m;
    uint8_t line[RW_HTTP_LINE_MAX_BYTES + 1];
};

/* The multipart/form-data reader of the request direction. */
struct http_mp {
    uint8_t st;
    uint8_t line_over;
    uint8_t tail_len;    /* bytes seen after a delimiter, up to 2 */
    uint8_t tail0;
    uint8_t part_file;   /* the current part is a file */
    uint8_t has_name, has_name_star;
    size_t k;            /* bytes of delim matched, not yet passed on */
    size_t dlen;
    size_t line_len, hdr_bytes, name_len, name_star_len;
    uint8_t delim[DELIM_PREFIX_BYTES + BOUNDARY_CHARS_MAX];
    char ctype[RW_HTTP_FIELD_KEEP_BYTES + 1];
    char name[RW_FILE_NAME_MAX_BYTES + 1];
    char name_star[RW_FILE_NAME_MAX_BYTES + 1];
    uint8_t line[RW_HTTP_LINE_MAX_BYTES + 1];
};

struct rw_http {
    struct rw_xfer_sink sink;
    struct rw_http_counters c;
    uint8_t ended, opaque, cred_seen;
    struct http_txn req;   /* the request being read */
    struct http_txn resp;  /* the request the response being read answers */
    unsigned q_head, q_len;
    struct http_txn q[RW_HTTP_PIPELINE_MAX];
    struct http_dir d[2];
    struct http_mp mp;
};

/* ---- small text helpers ---------------------------------------------------------------- */

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Case-insensitive: s[0..n) equals the NUL-terminated lit. */
static int ieq(const char *s, size_t n, const char *lit)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (lit[i] == '\0' || lower((unsigned char)s[i]) != lower((unsigned char)lit[i]))
            return 0;
    }
    return lit[i] == '\0';
}

/* RFC 9110 5.6.2 tchar. */
static int is_tchar(uint8_t c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return 1;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static void trim(const char **s, size_t *n)
{
    while (*n > 0 && is_ows(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && is_ows((*s)[*n - 1]))
        (*n)--;
}

/* Copies s[0..n) into out (size outsz, NUL-terminated); counts a cut. */
static void keep(struct rw_http *h, char *out, size_t outsz, const char *s, size_t n)
{
    if (n >= outsz) {
        n = outsz - 1;
        h->c.fields_truncated++;
    }
    memcpy(out, s, n);
    out[n] = '\0';
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Percent-decodes s[0..n) into out (outsz, NUL-terminated): invalid escapes and %00 stay
 * as they are. Returns 1 when the result was cut to fit. */
static int pct_decode(const char *s, size_t n, char *out, size_t outsz, size_t *outlen)
{
    size_t i = 0, o = 0;
    int cut = 0;

    while (i < n) {
        char ch = s[i];
        size_t step = 1;

        if (ch == '%' && n - i >= 3) {
            int a = hexval((unsigned char)s[i + 1]), b = hexval((unsigned char)s[i + 2]);

            if (a >= 0 && b >= 0 && (a | b) != 0) {
                ch = (char)(a * 16 + b);
                step = 3;
            }
        }
        if (o + 1 >= outsz) {
            cut = 1;
            break;
        }
        out[o++] = ch;
        i += step;
    }
    out[o] = '\0';
    *outlen = o;
    return cut;
}

/* The file name of a request target: the last segment of its path, percent-decoded. An
 * absolute-form target ("http://host/path") loses its scheme and authority. */
static void uri_name(struct rw_http *h, const char *t, size_t n, struct http_txn *x)
{
    size_t i, start = 0, end;

    if (n > 0 && t[0] != '/') {
        for (i = 0; i + 2 < n && t[i] != '/'; i++) {
            if (t[i] == ':' && t[i + 1] == '/' && t[i + 2] == '/') {
                start = i + 3;
                while (start < n && t[start] != '/' && t[start] != '?' && t[start] != '#')
                    start++;
                break;
            }
        }
    }
    for (end = start; end < n && t[end] != '?' && t[end] != '#'; end++)
        ;
    for (i = end; i > start && t[i - 1] != '/'; i--)
        ;
    if (pct_decode(t + i, end - i, x->name, sizeof(x->name), &x->name_len))
        h->c.names_truncated++;
}

/*
 * Finds parameter `want` (case-insensitive) in a header value "type *( ; name=value )";
 * value a token or a quoted-string (unquoted here). Copies it into out (outsz,
 * NUL-terminated). Returns 1 when found, 0 when not; *cut set when the value was cut.
 */
static int param_find(const char *v, size_t n, const char *want, char *out, size_t outsz,
                      size_t *outlen, int *cut)
{
    size_t i = 0;

    *cut = 0;
    /* skip the type */
    while (i < n && v[i] != ';')
        i++;
    while (i < n) {
        size_t ns, ne, o = 0;
        int match;

        i++; /* ';' */
        while (i < n && is_ows(v[i]))
            i++;
        ns = i;
        while (i < n && v[i] != '=' && v[i] != ';')
            i++;
        ne = i;
        while (ne > ns && is_ows(v[ne - 1]))
            ne--;
        if (i >= n || v[i] == ';')
            continue;
        i++; /* '=' */
        while (i < n && is_ows(v[i]))
            i++;
        match = ieq(v + ns, ne - ns, want);
        if (i < n && v[i] == '"') {
            i++;
            while (i < n && v[i] != '"') {
                if (v[i] == '\\' && i + 1 < n)
                    i++;
                if (match) {
                    if (o + 1 < outsz)
                        out[o++] = v[i];
                    else
                        *cut = 1;
                }
                i++;
            }
            if (i < n)
                i++; /* closing quote */
        } else {
            while (i < n && v[i] != ';' && !is_ows(v[i])) {
                if (match) {
                    if (o + 1 < outsz)
                        out[o++] = v[i];
                    else
                        *cut = 1;
                }
                i++;
            }
        }
        while (i < n && v[i] != ';')
            i++;
        if (match) {
            out[o] = '\0';
            *outlen = o;
            return 1;
        }
    }
    return 0;
}

/* Content-Disposition file name: filename* (RFC 8187: charset'lang'pct-encoded) wins over
 * filename. Returns 1 with a non-empty name. */
static int cd_filename(struct rw_http *h, const char *v, size_t n, char *out, size_t outsz,
                       size_t *outlen)
{
    char raw[RW_FILE_NAME_MAX_BYTES * 3 + 1];
    size_t rlen = 0;
    int cut;

    if (param_find(v, n, "filename*", raw, sizeof(raw), &rlen, &cut)) {
        const char *q1 = memchr(raw, '\'', rlen);
        const char *q2 = q1 != NULL ? memchr(q1 + 1, '\'', rlen - (size_t)(q1 + 1 - raw)) : NULL;

        if (q2 != NULL) {
            size_t off = (size_t)(q2 + 1 - raw);

            if (pct_decode(raw + off, rlen - off, out, outsz, outlen) || cut)
                h->c.names_truncated++;
            if (*outlen > 0)
                return 1;
        }
    }
    if (param_find(v, n, "filename", raw, sizeof(raw), &rlen, &cut)) {
        if (rlen >= outsz) {
            rlen = outsz - 1;
            cut = 1;
        }
        if (cut)
            h->c.names_truncated++;
        memcpy(out, raw, rlen);
        out[rlen] = '\0';
        *outlen = rlen;
        return rlen > 0;
    }
    return 0;
}

/* ---- sink calls ------------------------------------------------------------------------- */

static void f_open(struct rw_http *h, uint8_t dir, const char *name, size_t nlen,
                   const struct rw_xfer_meta *m)
{
    struct http_dir *d = &h->d[dir];

    d->file_id = h->sink.file_open != NULL ? h->sink.file_open(h->sink.ctx, dir, name, nlen, m)
                                           : 0;
    d->file_open = 1;
    h->c.files[dir]++;
}

static void f_data(struct rw_http *h, uint8_t dir, const uint8_t *p, size_t n)
{
    struct http_dir *d = &h->d[dir];

    if (d->file_open && n > 0 && h->sink.file_data != NULL)
        h->sink.file_data(h->sink.ctx, d->file_id, p, n);
}

static void f_gap(struct rw_http *h, uint8_t dir, uint64_t n)
{
    struct http_dir *d = &h->d[dir];

    if (d->file_open && n > 0 && h->sink.file_gap != NULL)
        h->sink.file_gap(h->sink.ctx, d->file_id, n);
}

static void f_close(struct rw_http *h, uint8_t dir, int truncated)
{
    struct http_dir *d = &h->d[dir];

    if (!d->file_open)
        return;
    d->file_open = 0;
    if (truncated)
        h->c.files_truncated[dir]++;
    if (h->sink.file_close != NULL)
        h->sink.file_close(h->sink.ctx, d->file_id, truncated);
}

static const char *opt(const char *s)
{
    return s != NULL && s[0] != '\0' ? s : NULL;
}

/* Opens the file of the whole body of direction dir. */
static void open_body_file(struct rw_http *h, uint8_t dir)
{
    struct http_dir *d = &h->d[dir];
    const struct http_txn *x = dir == RW_TOSERVER ? &h->req : &h->resp;
    struct rw_xfer_meta m;
    const char *name = x->name;
    size_t nlen = x->name_len;

    memset(&m, 0, sizeof(m));
    m.app_proto = "http";
    m.method = opt(x->method);
    m.host = opt(x->host);
    m.uri = opt(x->uri);
    m.content_type = opt(d->m.ctype);
    m.content_encoding = opt(d->m.cenc);
    m.declared_size = d->decl;
    m.credentials = x->credentials;
    if (dir == RW_TOCLIENT && d->m.has_cd_name) {
        name = d->m.cd_name;
        nlen = d->m.cd_name_len;
    }
    f_open(h, dir, name, nlen, &m);
}

/* ---- multipart/form-data ---------------------------------------------------------------- */

static void mp_start(struct rw_http *h, const char *boundary, size_t blen)
{
    struct http_mp *mp = &h->mp;

    mp->st = MP_PREAMBLE;
    memcpy(mp->delim, "\r\n--", DELIM_PREFIX_BYTES);
    memcpy(mp->delim + DELIM_PREFIX_BYTES, boundary, blen);
    mp->dlen = DELIM_PREFIX_BYTES + blen;
    mp->k = 2; /* the body start counts as the CRLF before the first delimiter */
    mp->part_file = 0;
}

static void mp_emit(struct rw_http *h, const uint8_t *p, size_t n)
{
    if (h->mp.st == MP_DATA && h->mp.part_file)
        f_data(h, RW_TOSERVER, p, n);
}

/* A delimiter was matched: the part before it is complete. */
static void mp_delim(struct rw_http *h)
{
    struct http_mp *mp = &h->mp;

    if (mp->part_file)
        f_close(h, RW_TOSERVER, 0);
    mp->part_file = 0;
    mp->k = 0;
    mp->st = MP_TAIL;
    mp->tail_len = 0;
}

/* Scans for the delimiter in MP_PREAMBLE, MP_SEARCH and MP_DATA; returns bytes used. */
static size_t mp_scan(struct rw_http *h, const uint8_t *p, size_t n)
{
    struct http_mp *mp = &h->mp;
    size_t i = 0, from = 0;

    while (i < n) {
        if (mp->k == 0) {
            const uint8_t *cr = memchr(p + i, '\r', n - i);

            if (cr == NULL) {
                i = n;
                break;
            }
            i = (size_t)(cr - p);
            mp_emit(h, p + from, i - from);
            mp->k = 1;
            from = ++i;
            continue;
        }
        if (p[i] == mp->delim[mp->k]) {
            mp->k++;
            from = ++i;
            if (mp->k == mp->dlen) {
                mp_delim(h);
                return i;
            }
            continue;
        }
        /* Mismatch: the matched bytes equal the pattern's prefix; since the boundary holds
         * no CR, no later match can start inside them. Re-examine p[i]. */
        mp_emit(h, mp->delim, mp->k);
        mp->k = 0;
        from = i;
    }
    mp_emit(h, p + from, n - from);
    return n;
}

static void mp_header(struct rw_http *h, const char *s, size_t n)
{
    struct http_mp *mp = &h->mp;
    const char *colon = memchr(s, ':', n);
    const char *v;
    size_t nl, vl;

    if (n > 0 && is_ows(s[0])) {
        h->c.obs_fold[RW_TOSERVER]++;
        return;
    }
    if (colon == NULL)
        return;
    nl = (size_t)(colon - s);
    v = colon + 1;
    vl = n - nl - 1;
    trim(&v, &vl);
    if (ieq(s, nl, "content-disposition")) {
        mp->has_name = (uint8_t)cd_filename(h, v, vl, mp->name, sizeof(mp->name), &mp->name_len);
    } else if (ieq(s, nl, "content-type")) {
        keep(h, mp->ctype, sizeof(mp->ctype), v, vl);
    }
}

/* The empty line after a part's headers. */
static void mp_part_begin(struct rw_http *h)
{
    struct http_mp *mp = &h->mp;

    mp->st = MP_DATA;
    mp->k = 0;
    if (mp->has_name) {
        struct rw_xfer_meta m;

        memset(&m, 0, sizeof(m));
        m.app_proto = "http";
        m.method = opt(h->req.method);
        m.host = opt(h->req.host);
        m.uri = opt(h->req.uri);
        m.content_type = opt(mp->ctype);
        m.credentials = h->req.credentials;
        f_open(h, RW_TOSERVER, mp->name, mp->name_len, &m);
        mp->part_file = 1;
    } else {
        h->c.form_fields++;
        mp->part_file = 0;
    }
}

/* Reads part header lines; returns bytes used. */
static size_t mp_hdrs(struct rw_http *h, const uint8_t *p, size_t n)
{
    struct http_mp *mp = &h->mp;
    const uint8_t *lf = memchr(p, '\n', n);
    size_t take = lf != NULL ? (size_t)(lf - p) : n, used = lf != NULL ? take + 1 : n, room;
    size_t len;

    mp->hdr_bytes += used;
    room = RW_HTTP_LINE_MAX_BYTES - mp->line_len;
    if (take > room) {
        take = room;
        mp->line_over = 1;
    }
    memcpy(mp->line + mp->line_len, p, take);
    mp->line_len += take;
    if (mp->hdr_bytes > RW_HTTP_HDR_MAX_BYTES) {
        h->c.headers_overlong[RW_TOSERVER]++;
        h->c.multipart_bad++;
        mp->st = MP_SEARCH;
        mp->k = 0;
        return used;
    }
    if (lf == NULL)
        return used;
    h->c.lines[RW_TOSERVER]++;
    len = mp->line_len;
    if (len > 0 && mp->line[len - 1] == '\r' && !mp->line_over)
        len--;
    if (mp->line_over)
        h->c.lines_overlong[RW_TOSERVER]++;
    else if (len == 0)
        mp_part_begin(h);
    else
        mp_header(h, (const char *)mp->line, len);
    mp->line_len = 0;
    mp->line_over = 0;
    return used;
}

static void mp_feed(struct rw_http *h, const uint8_t *p, size_t n)
{
    struct http_mp *mp = &h->mp;

    while (n > 0) {
        size_t used = n;

        switch (mp->st) {
        case MP_PREAMBLE:
        case MP_SEARCH:
        case MP_DATA:
            used = mp_scan(h, p, n);
            break;
        case MP_TAIL:
            /* "--" after the delimiter closes the body; anything else: a part follows
             * after the end of this line. */
            if (mp->tail_len == 0) {
                mp->tail0 = p[0];
                mp->tail_len = 1;
                used = 1;
                if (p[0] != '-')
                    mp->st = p[0] == '\n' ? MP_HDRS : MP_TAIL_SKIP;
            } else {
                used = 1;
                mp->st = p[0] == '-' ? MP_EPILOGUE : p[0] == '\n' ? MP_HDRS : MP_TAIL_SKIP;
            }
            if (mp->st == MP_HDRS) {
                mp->line_len = 0;
                mp->line_over = 0;
                mp->hdr_bytes = 0;
                mp->has_name = 0;
                mp->ctype[0] = '\0';
            }
            break;
        case MP_TAIL_SKIP: {
            const uint8_t *lf = memchr(p, '\n', n);

            if (lf != NULL) {
                used = (size_t)(lf - p) + 1;
                mp->st = MP_HDRS;
                mp->line_len = 0;
                mp->line_over = 0;
                mp->hdr_bytes = 0;
                mp->has_name = 0;
                mp->ctype[0] = '\0';
            }
            break;
        }
        case MP_HDRS:
            used = mp_hdrs(h, p, n);
            break;
        default: /* MP_EPILOGUE */
            break;
        }
        p += used;
        n -= used;
    }
}

/* The multipart body ended (truncated: the connection ended or a gap cut it). */
static void mp_finish(struct rw_http *h, int truncated)
{
    struct http_mp *mp = &h->mp;

    if (mp->st == MP_DATA && mp->part_file && mp->k > 0)
        f_data(h, RW_TOSERVER, mp->delim, mp->k); /* matched bytes that were data after all */
    if (mp->st != MP_EPILOGUE && !truncated)
        h->c.multipart_bad++;
    if (mp->part_file)
        f_close(h, RW_TOSERVER, 1);
    mp->part_file = 0;
    mp->k = 0;
    mp->st = MP_EPILOGUE;
}

/* ---- bodies ---------------------------------------------------------------------------- */

static void body_bytes(struct rw_http *h, uint8_t dir, const uint8_t *p, size_t n)
{
    struct http_dir *d = &h->d[dir];

    if (n == 0)
        return;
    if (d->body_mp) {
        mp_feed(h, p, n);
        return;
    }
    if (!d->body_file)
        return;
    if (!d->file_open)
        open_body_file(h, dir);
    f_data(h, dir, p, n);
}

/* The body of direction dir is over. */
static void body_done(struct rw_http *h, uint8_t dir, int truncated)
{
    struct http_dir *d = &h->d[dir];

    if (d->body_mp)
        mp_finish(h, truncated);
    else
        f_close(h, dir, truncated);
    d->body_mp = 0;
    d->body_file = 0;
}

static void msg_reset(struct http_dir *d)
{
    memset(&d->m, 0, sizeof(d->m));
    d->line_len = 0;
    d->line_over = 0;
    d->hdr_bytes = 0;
    d->left = 0;
    d->decl = 0;
}

/* The message of direction dir is complete: the next start line is due. */
static void msg_done(struct rw_http *h, uint8_t dir)
{
    struct http_dir *d = &h->d[dir];

    msg_reset(d);
    d->st = h->opaque ? S_OPAQUE : S_START;
}

/* Framing is lost: close what is open (truncated) and look for the next start line. */
static void resync(struct rw_http *h, uint8_t dir, int skip_line)
{
    struct http_dir *d = &h->d[dir];

    body_done(h, dir, 1);
    h->c.resyncs[dir]++;
    msg_reset(d);
    d->st = h->opaque ? S_OPAQUE : skip_line ? S_SKIPLINE : S_START;
}

/* ---- start lines and headers ------------------------------------------------------------ */

static int parse_request_line(struct rw_http *h, const char *s, size_t n)
{
    size_t i = 0, ms, me, ts, te;

    while (i < n && is_tchar((uint8_t)s[i]))
        i++;
    if (i == 0 || i >= n || s[i] != ' ')
        return -1;
    ms = 0;
    me = i++;
    ts = i;
    while (i < n && s[i] != ' ' && (uint8_t)s[i] > 0x20 && s[i] != 0x7f)
        i++;
    te = i;
    if (te == ts || i >= n || s[i] != ' ')
        return -1;
    i++;
    if (n - i != 8 || memcmp(s + i, "HTTP/1.", 7) != 0 || s[i + 7] < '0' || s[i + 7] > '9')
        return -1;
    memset(&h->req, 0, sizeof(h->req));
    keep(h, h->req.method, sizeof(h->req.method), s + ms, me - ms);
    keep(h, h->req.uri, sizeof(h->req.uri), s + ts, te - ts);
    uri_name(h, s + ts, te - ts, &h->req);
    h->req.is_head = me == 4 && memcmp(s, "HEAD", 4) == 0;
    h->req.is_connect = me == 7 && memcmp(s, "CONNECT", 7) == 0;
    return 0;
}

static int parse_status_line(const char *s, size_t n, int *status)
{
    if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || s[7] < '0' || s[7] > '9' || s[8] != ' ')
        return -1;
    for (size_t i = 9; i < 12; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
    }
    if (n > 12 && s[12] != ' ')
        return -1;
    *status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
    return *status >= 100 ? 0 : -1;
}

/* Content-Length: 1#( digits ), every element equal, and equal to earlier headers. */
static void header_cl(struct http_msg *m, const char *v, size_t n)
{
    size_t i = 0;

    for (;;) {
        const char *e = v + i;
        size_t en = 0;
        char buf[CL_DIGITS_MAX + 1];
        uint64_t val;

        while (i + en < n && v[i + en] != ',')
            en++;
        i += en;
        trim(&e, &en);
        if (en == 0 || en > CL_DIGITS_MAX) {
            m->cl_bad = 1;
            return;
        }
        memcpy(buf, e, en);
        buf[en] = '\0';
        if (rw_num_parse_u64(buf, 0, HTTP_LENGTH_MAX, &val, NULL) != 0 ||
            (m->has_cl && val != m->cl)) {
            m->cl_bad = 1;
            return;
        }
        m->cl = val;
        m->has_cl = 1;
        if (i >= n)
            return;
        i++; /* ',' */
    }
}

/* Transfer-Encoding: only the last coding matters (chunked must be last, RFC 9112 6.3). */
static void header_te(struct http_msg *m, const char *v, size_t n)
{
    const char *last = v;
    size_t ln = n;

    for (size_t i = 0; i < n; i++) {
        if (v[i] == ',') {
            last = v + i + 1;
            ln = n - i - 1;
        }
    }
    trim(&last, &ln);
    m->has_te = 1;
    m->chunked = (uint8_t)ieq(last, ln, "chunked");
}

static void header_ctype(struct rw_http *h, uint8_t dir, const char *v, size_t n)
{
    struct http_msg *m = &h->d[dir].m;
    const char *t = v;
    size_t tn = 0;
    size_t blen = 0;
    int cut;

    keep(h, m->ctype, sizeof(m->ctype), v, n);
    while (tn < n && v[tn] != ';')
        tn++;
    trim(&t, &tn);
    m->form = (uint8_t)ieq(t, tn, "application/x-www-form-urlencoded");
    m->multipart = (uint8_t)ieq(t, tn, "multipart/form-data");
    m->has_boundary = 0;
    if (m->multipart &&
        param_find(v, n, "boundary", m->boundary, sizeof(m->boundary), &blen, &cut) && !cut &&
        blen > 0) {
        m->has_boundary = 1;
        for (size_t i = 0; i < blen; i++) {
            if ((uint8_t)m->boundary[i] < 0x20 || (uint8_t)m->boundary[i] > 0x7e)
                m->has_boundary = 0;
        }
        m->boundary_len = blen;
    }
}

static void header_line(struct rw_http *h, uint8_t dir, const char *s, size_t n)
{
    struct http_msg *m = &h->d[dir].m;
    const char *colon, *v;
    size_t nl, vl;

    if (is_ows(s[0])) {
        h->c.obs_fold[dir]++;
        return;
    }
    colon = memchr(s, ':', n);
    if (colon == NULL)
        return;
    nl = (size_t)(colon - s);
    v = colon + 1;
    vl = n - nl - 1;
    trim(&v, &vl);
    if (ieq(s, nl, "content-length")) {
        header_cl(m, v, vl);
    } else if (ieq(s, nl, "transfer-encoding")) {
        header_te(m, v, vl);
    } else if (ieq(s, nl, "content-type")) {
        header_ctype(h, dir, v, vl);
    } else if (ieq(s, nl, "content-encoding")) {
        keep(h, m->cenc, sizeof(m->cenc), v, vl);
    } else if (dir == RW_TOSERVER) {
        if (ieq(s, nl, "host")) {
            keep(h, h->req.host, sizeof(h->req.host), v, vl);
        } else if (ieq(s, nl, "authorization") || ieq(s, nl, "proxy-authorization") ||
                   ieq(s, nl, "cookie")) {
            h->req.credentials = 1;
        } else if (ieq(s, nl, "expect") && ieq(v, vl, "100-continue")) {
            h->c.expect_continue++;
        }
    } else if (ieq(s, nl, "content-disposition")) {
        m->has_cd_name =
            (uint8_t)cd_filename(h, v, vl, m->cd_name, sizeof(m->cd_name), &m->cd_name_len);
    }
}

/* Starts a body of `framing`: S_BODY_LEN with len, S_CHUNK_SIZE, S_BODY_EOF, or none. */
static void body_begin(struct rw_http *h, uint8_t dir, uint8_t st, uint64_t len)
{
    struct http_dir *d = &h->d[dir];

    if (st == S_BODY_LEN && len == 0) {
        msg_done(h, dir);
        return;
    }
    d->st = st;
    d->left = len;
    d->decl = st == S_BODY_LEN ? len : 0;
    d->line_len = 0;
    d->line_over = 0;
    d->body_mp = 0;
    d->body_file = 1;
    if (dir == RW_TOSERVER) {
        if (d->m.form) {
            h->c.forms++;
            d->body_file = 0;
        } else if (d->m.multipart && d->m.has_boundary) {
            h->c.multipart++;
            d->body_file = 0;
            d->body_mp = 1;
            mp_start(h, d->m.boundary, d->m.boundary_len);
        } else if (d->m.multipart) {
            h->c.multipart_bad++;
        }
    }
    if (d->body_file && st == S_BODY_LEN)
        open_body_file(h, dir);
}

static void request_headers_end(struct rw_http *h)
{
    struct http_msg *m = &h->d[RW_TOSERVER].m;

    if (m->cl_bad) {
        h->c.length_bad[RW_TOSERVER]++;
        resync(h, RW_TOSERVER, 0);
        return;
    }
    if (m->has_te && !m->chunked) {
        h->c.te_unknown[RW_TOSERVER]++;
        resync(h, RW_TOSERVER, 0);
        return;
    }
    h->c.requests++;
    if (h->req.credentials) {
        h->c.credentials++;
        h->cred_seen = 1;
    }
    if (h->q_len < RW_HTTP_PIPELINE_MAX) {
        h->q[(h->q_head + h->q_len) % RW_HTTP_PIPELINE_MAX] = h->req;
        h->q_len++;
    } else {
        h->c.pipeline_overflow++;
    }
    if (m->chunked) {
        if (m->has_cl)
            h->c.te_and_cl[RW_TOSERVER]++;
        body_begin(h, RW_TOSERVER, S_CHUNK_SIZE, 0);
    } else {
        body_begin(h, RW_TOSERVER, S_BODY_LEN, m->has_cl ? m->cl : 0);
    }
}

static void go_opaque(struct rw_http *h)
{
    struct http_dir *ds = &h->d[RW_TOSERVER];

    h->opaque = 1;
    h->c.opaque++;
    h->d[RW_TOCLIENT].st = S_OPAQUE;
    if (ds->st == S_START || ds->st == S_SKIPLINE)
        ds->st = S_OPAQUE;
}

static void response_headers_end(struct rw_http *h)
{
    struct http_dir *d = &h->d[RW_TOCLIENT];
    struct http_msg *m = &d->m;
    int st = m->status;

    if (st >= 100 && st < 200 && st != 101) {
        h->c.responses_1xx++;
        msg_done(h, RW_TOCLIENT);
        return;
    }
    if (st == 101 || (st >= 200 && st < 300 && h->resp.is_connect)) {
        msg_reset(d);
        go_opaque(h);
        return;
    }
    if (h->resp.is_head || st == 204 || st == 304) {
        msg_done(h, RW_TOCLIENT);
        return;
    }
    if (m->has_te) {
        if (m->chunked) {
            if (m->has_cl)
                h->c.te_and_cl[RW_TOCLIENT]++;
            body_begin(h, RW_TOCLIENT, S_CHUNK_SIZE, 0);
        } else {
            h->c.te_unknown[RW_TOCLIENT]++;
            body_begin(h, RW_TOCLIENT, S_BODY_EOF, 0);
        }
        return;
    }
    if (m->cl_bad) {
        h->c.length_bad[RW_TOCLIENT]++;
        resync(h, RW_TOCLIENT, 0);
        return;
    }
    body_begin(h, RW_TOCLIENT, m->has_cl ? S_BODY_LEN : S_BODY_EOF, m->cl);
}

/* A final response starts: it answers the oldest queued request. */
static void response_take(struct rw_http *h)
{
    if (h->q_len > 0) {
        h->resp = h->q[h->q_head];
        h->q_head = (h->q_head + 1) % RW_HTTP_PIPELINE_MAX;
        h->q_len--;
    } else {
        h->c.responses_unpaired++;
        memset(&h->resp, 0, sizeof(h->resp));
    }
    h->c.responses++;
}

static void start_line(struct rw_http *h, uint8_t dir, const char *s, size_t n)
{
    struct http_dir *d = &h->d[dir];
    int status = 0;

    if (n == 0)
        return; /* empty lines before a message are allowed (RFC 9112 2.2) */
    if (d->line_over) {
        h->c.junk_lines[dir]++;
        return;
    }
    if (dir == RW_TOSERVER) {
        if (parse_request_line(h, s, n) != 0) {
            h->c.junk_lines[dir]++;
            return;
        }
    } else {
        if (parse_status_line(s, n, &status) != 0) {
            h->c.junk_lines[dir]++;
            return;
        }
        if (status >= 200 || status == 101)
            response_take(h);
    }
    msg_reset(d);
    d->m.status = status;
    d->hdr_bytes = n;
    d->st = S_HDRS;
}

/* Chunk-size line: 1*HEXDIG [ BWS ";" ext ]. Returns 0 with *size. */
static int parse_chunk_size(const char *s, size_t n, uint64_t *size)
{
    size_t i = 0;
    uint64_t v = 0;

    while (i < n && hexval((unsigned char)s[i]) >= 0) {
        if (i >= CHUNK_HEX_MAX)
            return -1;
        v = v * 16 + (uint64_t)hexval((unsigned char)s[i]);
        i++;
    }
    if (i == 0)
        return -1;
    while (i < n && is_ows(s[i]))
        i++;
    if (i < n && s[i] != ';')
        return -1;
    *size = v;
    return 0;
}

/* A complete line of direction dir (CR stripped; d->line_over says it was cut). */
static void line_done(struct rw_http *h, uint8_t dir, const char *s, size_t n)
{
    struct http_dir *d = &h->d[dir];
    uint64_t size;

    h->c.lines[dir]++;
    if (d->line_over)
        h->c.lines_overlong[dir]++;
    switch (d->st) {
    case S_START:
        start_line(h, dir, s, n);
        break;
    case S_HDRS:
        if (n == 0 && !d->line_over) {
            if (dir == RW_TOSERVER)
                request_headers_end(h);
            else
                response_headers_end(h);
        } else if (!d->line_over) {
            header_line(h, dir, s, n);
        }
        break;
    case S_CHUNK_SIZE:
        if (d->line_over || parse_chunk_size(s, n, &size) != 0) {
            h->c.chunks_bad[dir]++;
            resync(h, dir, 0);
        } else if (size == 0) {
            h->c.chunks[dir]++;
            body_done(h, dir, 0);
            d->st = S_TRAILERS;
            d->hdr_bytes = 0;
        } else {
            h->c.chunks[dir]++;
            d->left = size;
            d->st = S_CHUNK_DATA;
        }
        break;
    case S_CHUNK_END:
        if (n != 0 || d->line_over) {
            h->c.chunks_bad[dir]++;
            resync(h, dir, 0);
        } else {
            d->st = S_CHUNK_SIZE;
        }
        break;
    case S_TRAILERS:
        if (n == 0 && !d->line_over)
            msg_done(h, dir);
        break;
    default: /* S_SKIPLINE */
        d->st = h->opaque ? S_OPAQUE : S_START;
        break;
    }
    d->line_len = 0;
    d->line_over = 0;
}

/* Line-reading states: takes bytes up to and including the next LF. Returns bytes used. */
static size_t line_feed(struct rw_http *h, uint8_t dir, const uint8_t *p, size_t n)
{
    struct http_dir *d = &h->d[dir];
    const uint8_t *lf = memchr(p, '\n', n);
    size_t take = lf != NULL ? (size_t)(lf - p) : n, used = lf != NULL ? take + 1 : n;
    size_t room = RW_HTTP_LINE_MAX_BYTES - d->line_len, len;

    if (d->st == S_SKIPLINE) {
        if (lf != NULL)
            line_done(h, dir, "", 0);
        return used;
    }
    if (take > room) {
        take = room;
        d->line_over = 1;
    }
    memcpy(d->line + d->line_len, p, take);
    d->line_len += take;
    if (d->st == S_HDRS || d->st == S_TRAILERS) {
        d->hdr_bytes += used;
        if (d->hdr_bytes > RW_HTTP_HDR_MAX_BYTES) {
            h->c.headers_overlong[dir]++;
            resync(h, dir, lf == NULL);
            return used;
        }
    }
    if (lf == NULL)
        return used;
    len = d->line_len;
    if (len > 0 && d->line[len - 1] == '\r' && !d->line_over)
        len--;
    d->line[len] = '\0';
    line_done(h, dir, (const char *)d->line, len);
    return used;
}

static size_t dir_feed(struct rw_http *h, uint8_t dir, const uint8_t *p, size_t n)
{
    struct http_dir *d = &h->d[dir];
    size_t take;

    switch (d->st) {
    case S_BODY_LEN:
    case S_CHUNK_DATA:
        take = d->left < n ? (size_t)d->left : n;
        body_bytes(h, dir, p, take);
        d->left -= take;
        if (d->left == 0) {
            if (d->st == S_CHUNK_DATA) {
                d->st = S_CHUNK_END;
            } else {
                body_done(h, dir, 0);
                msg_done(h, dir);
            }
        }
        return take;
    case S_BODY_EOF:
        body_bytes(h, dir, p, n);
        return n;
    case S_OPAQUE:
        return n;
    case S_START:
        if (h->opaque) {
            d->st = S_OPAQUE;
            return n;
        }
        return line_feed(h, dir, p, n);
    default:
        return line_feed(h, dir, p, n);
    }
}

/* ---- API -------------------------------------------------------------------------------- */

struct rw_http *rw_http_new(const struct rw_xfer_sink *sink)
{
    struct rw_http *h = rw_malloc(sizeof(*h));

    if (h == NULL)
        return NULL;
    /* Everything starts zero except the three line buffers (24 KiB of the 40): a line is
     * read only up to its line_len, written first. Clearing them cost as much as parsing
     * a short HTTP flow (callgrind, default output: calloc's memset 5% of all work). */
    memset(h, 0, offsetof(struct rw_http, d));
    for (size_t i = 0; i < 2; i++)
        memset(&h->d[i], 0, offsetof(struct http_dir, line));
    memset(&h->mp, 0, offsetof(struct http_mp, line));
    if (sink != NULL)
        h->sink = *sink;
    return h;
}

void rw_http_free(struct rw_http **hp)
{
    if (hp == NULL || *hp == NULL)
        return;
    rw_free(*hp);
    *hp = NULL;
}

void rw_http_data(struct rw_http *h, uint8_t dir, const uint8_t *p, size_t n)
{
    if (h == NULL || h->ended || dir > RW_TOCLIENT || p == NULL)
        return;
    while (n > 0) {
        size_t used = dir_feed(h, dir, p, n);

        p += used;
        n -= used;
    }
}

void rw_http_gap(struct rw_http *h, uint8_t dir, uint64_t n)
{
    struct http_dir *d;

    if (h == NULL || h->ended || dir > RW_TOCLIENT || n == 0)
        return;
    d = &h->d[dir];
    h->c.gaps[dir]++;
    switch (d->st) {
    case S_OPAQUE:
        return;
    case S_BODY_EOF:
        if (d->body_file && !d->file_open)
            open_body_file(h, dir);
        f_gap(h, dir, n);
        return;
    case S_BODY_LEN:
        if (d->body_mp) {
            if (h->mp.part_file)
                f_close(h, RW_TOSERVER, 1);
            h->mp.part_file = 0;
            if (h->mp.st != MP_EPILOGUE)
                h->mp.st = MP_SEARCH;
            h->mp.k = 0;
        } else {
            f_gap(h, dir, n < d->left ? n : d->left);
        }
        if (n < d->left) {
            d->left -= n;
            return;
        }
        body_done(h, dir, 0);
        if (n == d->left) {
            msg_done(h, dir);
            return;
        }
        break;
    default:
        break;
    }
    /* Framing is lost: whole messages may be gone, so pairing starts afresh. */
    h->q_len = 0;
    resync(h, dir, 1);
}

void rw_http_end(struct rw_http *h)
{
    if (h == NULL || h->ended)
        return;
    for (uint8_t dir = RW_TOSERVER; dir <= RW_TOCLIENT; dir++) {
        switch (h->d[dir].st) {
        case S_BODY_EOF:
            body_done(h, dir, 0);
            break;
        case S_BODY_LEN:
        case S_CHUNK_SIZE:
        case S_CHUNK_DATA:
        case S_CHUNK_END:
            body_done(h, dir, 1);
            break;
        default:
            break;
        }
    }
    h->ended = 1;
}

const struct rw_http_counters *rw_http_counters(const struct rw_http *h)
{
    return h != NULL ? &h->c : NULL;
}

int rw_http_credentials_seen(const struct rw_http *h)
{
    return h != NULL && h->cred_seen;
}

size_t rw_http_bytes(const struct rw_http *h)
{
    return h == NULL ? 0 : sizeof(*h);
}
