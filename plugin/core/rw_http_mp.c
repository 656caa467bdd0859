/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_http_mp.c — multipart/form-data (RFC 7578, RFC 2046) for rw_http: parts, their file names, their bytes. */
#include "rw_http_mp.h"

#include <stddef.h>
#include <string.h>

#include "rw_alloc.h"

/* "\r\n--" before the boundary. */
#define DELIM_PREFIX_BYTES 4

/* Multipart states. MP_SEARCH drops bytes up to the next delimiter (after a gap). */
enum { MP_PREAMBLE = 0, MP_SEARCH, MP_TAIL, MP_TAIL_SKIP, MP_HDRS, MP_DATA, MP_EPILOGUE };

struct rw__http_mp {
    struct rw__http_mp_sink sink;
    struct rw_http_counters *c;
    uint8_t st;
    uint8_t line_over;
    uint8_t tail_len;    /* bytes seen after a delimiter, up to 2 */
    uint8_t tail0;
    uint8_t part_file;   /* the current part is a file */
    uint8_t has_name;
    size_t k;            /* bytes of delim matched, not yet passed on */
    size_t dlen;
    size_t line_len, hdr_bytes, name_len;
    uint8_t delim[DELIM_PREFIX_BYTES + RW_HTTP_MP_BOUNDARY_MAX];
    char ctype[RW_HTTP_FIELD_KEEP_BYTES + 1];
    char name[RW_FILE_NAME_MAX_BYTES + 1];
    uint8_t line[RW_HTTP_LINE_MAX_BYTES + 1];
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
static void keep(struct rw__http_mp *mp, char *out, size_t outsz, const char *s, size_t n)
{
    if (n >= outsz) {
        n = outsz - 1;
        mp->c->fields_truncated++;
    }
    memcpy(out, s, n);
    out[n] = '\0';
}

/*
 * Finds parameter `want` (case-insensitive) in a header value "type *( ; name=value )";
 * value a token or a quoted-string (unquoted here). Copies it into out (outsz,
 * NUL-terminated). Returns 1 when found, 0 when not; *cut set when the value was cut.
 */
int rw__http_param_find(const char *v, size_t n, const char *want, char *out, size_t outsz,
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


/* Content-Disposition file name as Suricata 7 reads it: the filename= parameter (quotes
 * removed); filename* (RFC 8187) is not read. Returns 1 with a non-empty name. */
int rw__http_cd_filename(struct rw_http_counters *c, const char *v, size_t n, char *out,
                          size_t outsz, size_t *outlen)
{
    int cut;

    if (!rw__http_param_find(v, n, "filename", out, outsz, outlen, &cut))
        return 0;
    if (cut)
        c->names_truncated++;
    return *outlen > 0;
}

/* ---- the reader ------------------------------------------------------------------------- */

struct rw__http_mp *rw__http_mp_new(const char *boundary, size_t blen,
                                    const struct rw__http_mp_sink *sink,
                                    struct rw_http_counters *c)
{
    struct rw__http_mp *mp;

    if (blen == 0 || blen > RW_HTTP_MP_BOUNDARY_MAX)
        return NULL;
    mp = rw_malloc(sizeof(*mp));
    if (mp == NULL)
        return NULL;
    /* All but the line buffer: a line is read only up to line_len, written first. */
    memset(mp, 0, offsetof(struct rw__http_mp, line));
    mp->sink = *sink;
    mp->c = c;
    mp->st = MP_PREAMBLE;
    memcpy(mp->delim, "\r\n--", DELIM_PREFIX_BYTES);
    memcpy(mp->delim + DELIM_PREFIX_BYTES, boundary, blen);
    mp->dlen = DELIM_PREFIX_BYTES + blen;
    mp->k = 2; /* the body start counts as the CRLF before the first delimiter */
    return mp;
}

static void mp_emit(struct rw__http_mp *mp, const uint8_t *p, size_t n)
{
    if (mp->st == MP_DATA && mp->part_file && n > 0)
        mp->sink.part_data(mp->sink.ctx, p, n);
}

/* A delimiter was matched: the part before it is complete. */
static void mp_delim(struct rw__http_mp *mp)
{
    if (mp->part_file)
        mp->sink.part_close(mp->sink.ctx, 0);
    mp->part_file = 0;
    mp->k = 0;
    mp->st = MP_TAIL;
    mp->tail_len = 0;
}

/* Scans for the delimiter in MP_PREAMBLE, MP_SEARCH and MP_DATA; returns bytes used. */
static size_t mp_scan(struct rw__http_mp *mp, const uint8_t *p, size_t n)
{
    size_t i = 0, from = 0;

    while (i < n) {
        if (mp->k == 0) {
            const uint8_t *cr = memchr(p + i, '\r', n - i);

            if (cr == NULL) {
                i = n;
                break;
            }
            i = (size_t)(cr - p);
            mp_emit(mp, p + from, i - from);
            mp->k = 1;
            from = ++i;
            continue;
        }
        if (p[i] == mp->delim[mp->k]) {
            mp->k++;
            from = ++i;
            if (mp->k == mp->dlen) {
                mp_delim(mp);
                return i;
            }
            continue;
        }
        /* Mismatch: the matched bytes equal the pattern's prefix; since the boundary holds
         * no CR, no later match can start inside them. Re-examine p[i]. */
        mp_emit(mp, mp->delim, mp->k);
        mp->k = 0;
        from = i;
    }
    mp_emit(mp, p + from, n - from);
    return n;
}

static void mp_header(struct rw__http_mp *mp, const char *s, size_t n)
{
    const char *colon = memchr(s, ':', n);
    const char *v;
    size_t nl, vl;

    if (n > 0 && is_ows(s[0])) {
        mp->c->multipart_folded++;
        return;
    }
    if (colon == NULL)
        return;
    nl = (size_t)(colon - s);
    v = colon + 1;
    vl = n - nl - 1;
    trim(&v, &vl);
    if (ieq(s, nl, "content-disposition")) {
        /* filename="" (a browser's "no file chosen") is no file. Suricata 7.0.10 agrees
         * on evasion.pcap, but reports one such part, the last of its body, as a file of 0
         * bytes with an empty name in a real capture (docs/architecture.md). */
        mp->has_name = (uint8_t)rw__http_cd_filename(mp->c, v, vl, mp->name, sizeof(mp->name),
                                                      &mp->name_len);
    } else if (ieq(s, nl, "content-type")) {
        keep(mp, mp->ctype, sizeof(mp->ctype), v, vl);
    }
}

/* The empty line after a part's headers. */
static void mp_part_begin(struct rw__http_mp *mp)
{
    mp->st = MP_DATA;
    mp->k = 0;
    if (mp->has_name) {
        mp->sink.part_open(mp->sink.ctx, mp->name, mp->name_len, mp->ctype);
        mp->part_file = 1;
    } else {
        mp->c->form_fields++;
        mp->part_file = 0;
    }
}

/* Reads part header lines; returns bytes used. */
static size_t mp_hdrs(struct rw__http_mp *mp, const uint8_t *p, size_t n)
{
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
        mp->c->multipart_bad++;
        mp->st = MP_SEARCH;
        mp->k = 0;
        return used;
    }
    if (lf == NULL)
        return used;
    len = mp->line_len;
    if (len > 0 && mp->line[len - 1] == '\r' && !mp->line_over)
        len--;
    if (mp->line_over)
        mp->c->multipart_lines_overlong++;
    else if (len == 0)
        mp_part_begin(mp);
    else
        mp_header(mp, (const char *)mp->line, len);
    mp->line_len = 0;
    mp->line_over = 0;
    return used;
}

static void mp_feed(struct rw__http_mp *mp, const uint8_t *p, size_t n)
{
    while (n > 0) {
        size_t used = n;

        switch (mp->st) {
        case MP_PREAMBLE:
        case MP_SEARCH:
        case MP_DATA:
            used = mp_scan(mp, p, n);
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
            used = mp_hdrs(mp, p, n);
            break;
        default: /* MP_EPILOGUE */
            break;
        }
        p += used;
        n -= used;
    }
}

void rw__http_mp_feed(struct rw__http_mp *mp, const uint8_t *p, size_t n)
{
    if (mp != NULL)
        mp_feed(mp, p, n);
}

void rw__http_mp_gap(struct rw__http_mp *mp)
{
    if (mp == NULL)
        return;
    if (mp->part_file)
        mp->sink.part_close(mp->sink.ctx, 1);
    mp->part_file = 0;
    if (mp->st != MP_EPILOGUE)
        mp->st = MP_SEARCH;
    mp->k = 0;
}

int rw__http_mp_part_open(const struct rw__http_mp *mp)
{
    return mp != NULL && mp->part_file;
}

void rw__http_mp_finish(struct rw__http_mp **mpp, int truncated)
{
    struct rw__http_mp *mp;

    if (mpp == NULL || *mpp == NULL)
        return;
    mp = *mpp;
    if (mp->st == MP_DATA && mp->part_file && mp->k > 0)
        mp_emit(mp, mp->delim, mp->k); /* matched bytes that were data after all */
    if (mp->st != MP_EPILOGUE && !truncated)
        mp->c->multipart_bad++;
    if (mp->part_file)
        mp->sink.part_close(mp->sink.ctx, 1);
    rw_free(mp);
    *mpp = NULL;
}

void rw__http_mp_free(struct rw__http_mp **mpp)
{
    if (mpp == NULL || *mpp == NULL)
        return;
    rw_free(*mpp);
    *mpp = NULL;
}

size_t rw__http_mp_bytes(void)
{
    return sizeof(struct rw__http_mp);
}
