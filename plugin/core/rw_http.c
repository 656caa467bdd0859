/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_http.c — HTTP/1.x on Debian's libhtp (Suricata's parser): bodies, decoded, and multipart parts as files. */
#include "rw_http.h"

#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include <htp/htp.h>

#include "rw_alloc.h"
#include "rw_http_mp.h"

/* What libhtp holds, measured with mallinfo2 (tools/bench/rw_httpmem.c, numbers in
 * docs/architecture.md): a connection parser with its connection, one transaction
 * beyond its header bytes, one header beyond its name and value, one decompressor. */
#define RW_HTTP_CONNP_BYTES 1800
#define RW_HTTP_TX_BYTES 1900
#define RW_HTTP_HEADER_OVERHEAD_BYTES 150
#define RW_HTTP_DECODER_BYTES 48000


/* libhtp's own limits, set as Suricata 7.0's HTPConfigSetDefaultsPhase1 sets them. */
#define HTP_FIELD_SOFT_BYTES 9000
#define HTP_FIELD_HARD_BYTES 18000
#define HTP_MAX_TX 512
#define HTP_HEADERS_MAX 1024
#define HTP_LZMA_MEMLIMIT_BYTES (1024 * 1024)
#define HTP_BOMB_LIMIT_BYTES (1024 * 1024)
#define HTP_TIME_LIMIT_USEC 100000
#define HTP_DECOMPRESS_LAYERS_MAX 2

/* What kind of file a request body is (Suricata 7: only POST and PUT bodies are). */
enum { BODY_NONE = 0, BODY_FILE, BODY_MULTIPART };

/* Ours, per libhtp transaction (its user data). */
struct http_tx {
    uint8_t req_body;    /* BODY_* */
    uint8_t decoding[2]; /* this direction's body is being decompressed */
    uint8_t decoded[2];  /* counted in decoded[] already */
    uint8_t counted;     /* request-side flags counted */
    uint8_t credentials;
    uint64_t req_flags;  /* tx->flags when the request was complete */
    uint64_t hdr_flags;  /* the request header fields' flags */
    size_t held;         /* header bytes charged to this transaction */
};

/* Per direction: the body file in progress and the bytes libhtp may be buffering. */
struct http_dir {
    uint8_t file_open;
    uint8_t in_msg;      /* between the message's start and its completion */
    uint8_t in_head;     /* between the message's start and the end of its headers */
    uint8_t error;       /* libhtp gave up on this direction */
    uint32_t file_id;
    uint64_t pend;       /* bytes fed while in_head: libhtp holds at most these */
};

/* The sink's file calls (rw_xfer.h; expect is never called: HTTP announces no flows). */
struct http_sink {
    void *ctx;
    uint32_t (*file_open)(void *ctx, uint8_t dir, const char *name, size_t name_len,
                          const struct rw_xfer_meta *meta);
    void (*file_data)(void *ctx, uint32_t id, const uint8_t *data, size_t len);
    void (*file_gap)(void *ctx, uint32_t id, uint64_t len);
    void (*file_close)(void *ctx, uint32_t id, int truncated);
};

struct rw_http {
    struct http_sink sink;
    struct rw_http_counters c;
    uint8_t ended, opaque, cred_seen;
    uint8_t stopped;     /* header bytes passed RW_HTTP_HELD_MAX_BYTES: no more parsing */
    htp_connp_t *connp;  /* NULL while the connection is idle */
    struct rw__http_mp *mp; /* NULL unless a multipart body is being read */
    htp_tx_t *mp_tx;     /* the request whose multipart body that is */
    uint32_t tx_live;    /* transactions libhtp holds */
    uint32_t decoders;   /* bodies being decompressed now */
    size_t held;         /* header bytes of live transactions */
    struct http_dir d[2];
};

static htp_cfg_t *http_cfg;
static pthread_once_t http_cfg_once = PTHREAD_ONCE_INIT;

/* ---- small text helpers ---------------------------------------------------------------- */

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

/* Copies a libhtp string into out (outsz, NUL-terminated); counts a cut. */
static void keep_b(struct rw_http *h, char *out, size_t outsz, bstr *b)
{
    if (b == NULL) {
        out[0] = '\0';
        return;
    }
    keep(h, out, outsz, (const char *)bstr_ptr(b), bstr_len(b));
}

/* The value of header `name` of a libhtp header table, or NULL. */
static bstr *hdr(const htp_table_t *t, const char *name)
{
    const htp_header_t *x = t != NULL ? htp_table_get_c(t, name) : NULL;

    return x != NULL ? x->value : NULL;
}

/* ---- sink calls ------------------------------------------------------------------------- */

static const char *opt(const char *s)
{
    return s != NULL && s[0] != '\0' ? s : NULL;
}

/* Bounded copies of what a file's meta borrows from its transaction. */
struct http_meta_buf {
    char method[RW_HTTP_METHOD_MAX_BYTES + 1];
    char host[RW_HOSTNAME_MAX_BYTES + 1];
    char uri[RW_HTTP_URI_KEEP_BYTES + 1];
    char ctype[RW_HTTP_FIELD_KEEP_BYTES + 1];
    char cenc[RW_HTTP_FIELD_KEEP_BYTES + 1];
};

static void meta_of(struct rw_http *h, htp_tx_t *tx, uint8_t dir, struct http_meta_buf *b,
                    struct rw_xfer_meta *m)
{
    const struct http_tx *x = htp_tx_get_user_data(tx);
    const htp_table_t *t = dir == RW_TOSERVER ? tx->request_headers : tx->response_headers;
    int64_t cl = dir == RW_TOSERVER ? tx->request_content_length : tx->response_content_length;
    enum htp_transfer_coding_t te =
        dir == RW_TOSERVER ? tx->request_transfer_coding : tx->response_transfer_coding;

    keep_b(h, b->method, sizeof(b->method), tx->request_method);
    keep_b(h, b->host, sizeof(b->host), tx->request_hostname);
    keep_b(h, b->uri, sizeof(b->uri), tx->request_uri);
    keep_b(h, b->ctype, sizeof(b->ctype), hdr(t, "content-type"));
    keep_b(h, b->cenc, sizeof(b->cenc), hdr(t, "content-encoding"));
    memset(m, 0, sizeof(*m));
    m->app_proto = "http";
    m->method = opt(b->method);
    m->host = opt(b->host);
    m->uri = opt(b->uri);
    m->content_type = opt(b->ctype);
    m->content_encoding = opt(b->cenc);
    /* The file is the decoded body: an encoded body's Content-Length is not its size. */
    if (te == HTP_CODING_IDENTITY && cl > 0 && b->cenc[0] == '\0')
        m->declared_size = (uint64_t)cl;
    m->credentials = x != NULL ? x->credentials : 0;
}

static void f_open(struct rw_http *h, uint8_t dir, const char *name, size_t nlen,
                   const struct rw_xfer_meta *m)
{
    struct http_dir *d = &h->d[dir];

    if (nlen > RW_FILE_NAME_MAX_BYTES) {
        nlen = RW_FILE_NAME_MAX_BYTES;
        h->c.names_truncated++;
    }
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

/* Opens the file of a whole body: a response's Content-Disposition file name, else the
 * request's normalised URI path (libhtp's parsed_uri->path: percent-decoded, without
 * query and fragment), as Suricata 7 names it. No path, no file (Suricata's rule too). */
static void open_body_file(struct rw_http *h, htp_tx_t *tx, uint8_t dir)
{
    struct http_meta_buf b;
    struct rw_xfer_meta m;
    char cd[RW_FILE_NAME_MAX_BYTES + 1];
    size_t cdlen = 0;
    bstr *v = dir == RW_TOCLIENT ? hdr(tx->response_headers, "content-disposition") : NULL;

    if (v != NULL && rw__http_cd_filename(&h->c, (const char *)bstr_ptr(v), bstr_len(v), cd, sizeof(cd),
                                 &cdlen)) {
        meta_of(h, tx, dir, &b, &m);
        f_open(h, dir, cd, cdlen, &m);
        return;
    }
    if (tx->parsed_uri == NULL || tx->parsed_uri->path == NULL) {
        h->c.files_unnamed[dir]++;
        return;
    }
    meta_of(h, tx, dir, &b, &m);
    cdlen = bstr_len(tx->parsed_uri->path);
    if (cdlen >= sizeof(cd)) {
        cdlen = sizeof(cd) - 1;
        h->c.names_truncated++;
    }
    memcpy(cd, bstr_ptr(tx->parsed_uri->path), cdlen);
    cd[cdlen] = '\0'; /* names go to the sink NUL-terminated too */
    f_open(h, dir, cd, cdlen, &m);
}

/* ---- libhtp callbacks ------------------------------------------------------------------- */

static struct rw_http *http_of(const htp_tx_t *tx)
{
    return htp_connp_get_user_data(tx->connp);
}

/* Our record of a transaction, made at its first callback. NULL when memory is short (the
 * transaction is then parsed but its bodies are no files, counted). */
static struct http_tx *tx_of(struct rw_http *h, htp_tx_t *tx)
{
    struct http_tx *x = htp_tx_get_user_data(tx);

    if (x != NULL)
        return x;
    x = rw_calloc(1, sizeof(*x));
    if (x == NULL) {
        h->c.oom++;
        return NULL;
    }
    htp_tx_set_user_data(tx, x);
    h->tx_live++;
    return x;
}

/* Releases our record; libhtp frees the transaction itself. */
static void tx_drop(struct rw_http *h, htp_tx_t *tx)
{
    struct http_tx *x = htp_tx_get_user_data(tx);

    if (x == NULL)
        return;
    h->held -= x->held;
    h->decoders -= (uint32_t)x->decoding[0] + x->decoding[1];
    h->tx_live--;
    htp_tx_set_user_data(tx, NULL);
    rw_free(x);
}

/* Bytes a header block holds in libhtp: names, values and the start line, plus a measured
 * per-field overhead (docs/architecture.md). *flags gets the fields' own flags (folded,
 * repeated, ...), which libhtp keeps per header rather than per transaction. */
static size_t head_bytes(const htp_table_t *t, const bstr *line, uint64_t *flags)
{
    size_t n = line != NULL ? bstr_len(line) + RW_HTTP_HEADER_OVERHEAD_BYTES : 0;
    size_t count = t != NULL ? htp_table_size(t) : 0;

    *flags = 0;
    for (size_t i = 0; i < count; i++) {
        const htp_header_t *x = htp_table_get_index(t, i, NULL);

        if (x != NULL) {
            n += bstr_len(x->name) + bstr_len(x->value) + RW_HTTP_HEADER_OVERHEAD_BYTES;
            *flags |= x->flags;
        }
    }
    return n;
}

/* Counts the anomaly flags libhtp raised on a transaction that `before` did not have. */
static void count_flags(struct rw_http *h, uint64_t flags, uint64_t before, uint8_t dir)
{
    uint64_t f = flags & ~before;

    if (f & HTP_REQUEST_SMUGGLING)
        h->c.request_smuggling++;
    if (f & HTP_REQUEST_INVALID_T_E)
        h->c.invalid_transfer_encoding++;
    if (f & HTP_REQUEST_INVALID_C_L)
        h->c.invalid_content_length++;
    if (f & HTP_REQUEST_INVALID)
        h->c.request_line_invalid++;
    if (f & HTP_STATUS_LINE_INVALID)
        h->c.response_status_line_invalid++;
    if (f & (HTP_FIELD_UNPARSEABLE | HTP_FIELD_INVALID))
        h->c.header_invalid[dir]++;
    if (f & HTP_INVALID_FOLDING)
        h->c.invalid_field_folding[dir]++;
    if (f & HTP_FIELD_REPEATED)
        h->c.header_repetition[dir]++;
    if (f & HTP_FIELD_LONG)
        h->c.field_too_long[dir]++;
    if (f & HTP_HEADERS_TOO_MANY)
        h->c.too_many_headers[dir]++;
    if (f & HTP_HOST_MISSING)
        h->c.missing_host_header++;
    if (f & HTP_HOST_AMBIGUOUS)
        h->c.host_header_ambiguous++;
    if (f & HTP_HOST_INVALID)
        h->c.host_invalid++;
}

/* At a response's headers (libhtp makes the decompressor then, when it knows the coding
 * already) or a body's first bytes: is libhtp decompressing it? Its decoder then lives
 * until the message completes. */
static void note_decoding(struct rw_http *h, struct http_tx *x, const htp_tx_t *tx, uint8_t dir)
{
    enum htp_content_encoding_t ce = dir == RW_TOSERVER
                                         ? tx->request_content_encoding
                                         : tx->response_content_encoding_processing;

    if (x == NULL || x->decoding[dir] || x->decoded[dir])
        return;
    if (ce > HTP_COMPRESSION_NONE) {
        x->decoded[dir] = 1;
        h->c.decoded[dir]++;
        x->decoding[dir] = 1;
        h->decoders++;
    }
}

static int cb_request_start(htp_tx_t *tx)
{
    struct rw_http *h = http_of(tx);

    h->d[RW_TOSERVER].in_msg = 1;
    h->d[RW_TOSERVER].in_head = 1;
    (void)tx_of(h, tx);
    return HTP_OK;
}

/* Suricata 7 (app-layer-htp.c): a POST body is multipart/form-data parts when its
 * Content-Type says so with a boundary, else one file; a PUT body is one file; other
 * methods' bodies are no files. */
static int cb_request_headers(htp_tx_t *tx)
{
    struct rw_http *h = http_of(tx);
    struct http_tx *x = tx_of(h, tx);
    bstr *ct = hdr(tx->request_headers, "content-type");
    bstr *ex = hdr(tx->request_headers, "expect");

    h->d[RW_TOSERVER].in_head = 0;
    h->d[RW_TOSERVER].pend = 0;
    h->c.requests++;
    if (ex != NULL && bstr_cmp_c_nocase(ex, "100-continue") == 0)
        h->c.expect_continue++;
    if (x == NULL)
        return HTP_OK;
    {
        /* += : libhtp may run a response's hooks before its request's (a response that
         * comes first) */
        size_t n = head_bytes(tx->request_headers, tx->request_line, &x->hdr_flags);

        x->held += n;
        h->held += n;
    }
    if (htp_table_get_c(tx->request_headers, "authorization") != NULL ||
        htp_table_get_c(tx->request_headers, "proxy-authorization") != NULL ||
        htp_table_get_c(tx->request_headers, "cookie") != NULL) {
        x->credentials = 1;
        h->cred_seen = 1;
        h->c.credentials++;
    }
    if (ct != NULL && bstr_index_of_c_nocase(ct, "application/x-www-form-urlencoded") >= 0)
        h->c.forms++;
    if (tx->request_method_number == HTP_M_PUT) {
        x->req_body = BODY_FILE;
    } else if (tx->request_method_number == HTP_M_POST) {
        x->req_body = BODY_FILE;
        if (ct != NULL && bstr_index_of_c_nocase(ct, "multipart/form-data") >= 0) {
            char bnd[RW_HTTP_MP_BOUNDARY_MAX + 2];
            size_t blen = 0;
            int cut;

            if (rw__http_param_find((const char *)bstr_ptr(ct), bstr_len(ct), "boundary", bnd,
                           sizeof(bnd), &blen, &cut) &&
                !cut && blen > 0 && blen <= RW_HTTP_MP_BOUNDARY_MAX) {
                x->req_body = BODY_MULTIPART;
                h->c.multipart++;
            } else {
                h->c.multipart_bad++;
            }
        }
    }
    return HTP_OK;
}

/* The multipart reader's calls: a file part is a file of the request. */
static void mp_part_open(void *ctx, const char *name, size_t name_len, const char *ctype)
{
    struct rw_http *h = ctx;
    struct http_meta_buf b;
    struct rw_xfer_meta m;

    meta_of(h, h->mp_tx, RW_TOSERVER, &b, &m);
    m.content_type = opt(ctype);
    m.content_encoding = NULL;
    m.declared_size = 0;
    f_open(h, RW_TOSERVER, name, name_len, &m);
}

static void mp_part_data(void *ctx, const uint8_t *p, size_t n)
{
    f_data(ctx, RW_TOSERVER, p, n);
}

static void mp_part_close(void *ctx, int truncated)
{
    f_close(ctx, RW_TOSERVER, truncated);
}

/* The boundary again, from the headers (kept nowhere between callbacks). */
static int mp_begin(struct rw_http *h, htp_tx_t *tx)
{
    bstr *ct = hdr(tx->request_headers, "content-type");
    struct rw__http_mp_sink sink = {h, mp_part_open, mp_part_data, mp_part_close};
    char bnd[RW_HTTP_MP_BOUNDARY_MAX + 2];
    size_t blen = 0;
    int cut;

    if (ct == NULL || !rw__http_param_find((const char *)bstr_ptr(ct), bstr_len(ct), "boundary",
                                           bnd, sizeof(bnd), &blen, &cut))
        return -1;
    h->mp = rw__http_mp_new(bnd, blen, &sink, &h->c);
    if (h->mp == NULL) {
        h->c.oom++;
        return -1;
    }
    h->mp_tx = tx;
    return 0;
}

static int cb_request_body_data(htp_tx_data_t *d)
{
    struct rw_http *h = http_of(d->tx);
    struct http_tx *x = htp_tx_get_user_data(d->tx);

    if (x == NULL || d->len == 0)
        return HTP_OK;
    note_decoding(h, x, d->tx, RW_TOSERVER);
    if (x->req_body == BODY_NONE)
        return HTP_OK;
    if (x->req_body == BODY_MULTIPART) {
        if (h->mp == NULL && mp_begin(h, d->tx) < 0) {
            x->req_body = BODY_NONE;
            return HTP_OK;
        }
        if (d->data == NULL)
            rw__http_mp_gap(h->mp); /* the part it falls in is cut; the next delimiter goes on */
        else
            rw__http_mp_feed(h->mp, d->data, d->len);
        return HTP_OK;
    }
    if (!h->d[RW_TOSERVER].file_open) {
        open_body_file(h, d->tx, RW_TOSERVER);
        if (!h->d[RW_TOSERVER].file_open) {
            x->req_body = BODY_NONE;
            return HTP_OK;
        }
    }
    if (d->data == NULL)
        f_gap(h, RW_TOSERVER, d->len);
    else
        f_data(h, RW_TOSERVER, d->data, d->len);
    return HTP_OK;
}

static int cb_request_complete(htp_tx_t *tx)
{
    struct rw_http *h = http_of(tx);
    struct http_tx *x = htp_tx_get_user_data(tx);

    rw__http_mp_finish(&h->mp, 0);
    f_close(h, RW_TOSERVER, 0);
    if (x != NULL && x->decoding[RW_TOSERVER]) {
        x->decoding[RW_TOSERVER] = 0;
        h->decoders--;
    }
    h->d[RW_TOSERVER].in_msg = 0;
    h->d[RW_TOSERVER].in_head = 0;
    if (tx->is_protocol_0_9)
        h->c.http_0_9++;
    if (x != NULL && !x->counted) {
        count_flags(h, tx->flags | (x->hdr_flags & HTP_FIELD_REPEATED), 0,
                    RW_TOSERVER);
        x->req_flags = tx->flags;
        x->counted = 1;
    }
    return HTP_OK;
}

static int cb_response_start(htp_tx_t *tx)
{
    struct rw_http *h = http_of(tx);

    h->d[RW_TOCLIENT].in_msg = 1;
    h->d[RW_TOCLIENT].in_head = 1;
    if (htp_tx_get_user_data(tx) == NULL && tx->request_progress < HTP_REQUEST_LINE)
        h->c.responses_unpaired++;
    (void)tx_of(h, tx);
    return HTP_OK;
}

static int cb_response_headers(htp_tx_t *tx)
{
    struct rw_http *h = http_of(tx);
    struct http_tx *x = htp_tx_get_user_data(tx);
    int st = tx->response_status_number;

    h->d[RW_TOCLIENT].in_head = 0;
    h->d[RW_TOCLIENT].pend = 0;
    h->c.responses++;
    /* libhtp makes the decompressor with the headers (it holds ~48 KiB from then on) */
    note_decoding(h, x, tx, RW_TOCLIENT);
    if (x != NULL) {
        uint64_t fl;
        size_t n = head_bytes(tx->response_headers, tx->response_line, &fl);

        x->held += n;
        h->held += n;
        count_flags(h, fl & HTP_FIELD_REPEATED, 0, RW_TOCLIENT);
    }
    /* 101 Switching Protocols, or a 2xx to CONNECT: what follows is not HTTP. */
    if (st == 101 || (tx->request_method_number == HTP_M_CONNECT && st >= 200 && st < 300))
        h->opaque = 1;
    return HTP_OK;
}

static int cb_response_body_data(htp_tx_data_t *d)
{
    struct rw_http *h = http_of(d->tx);

    if (d->len == 0)
        return HTP_OK;
    note_decoding(h, htp_tx_get_user_data(d->tx), d->tx, RW_TOCLIENT);
    if (!h->d[RW_TOCLIENT].file_open)
        open_body_file(h, d->tx, RW_TOCLIENT);
    if (d->data == NULL)
        f_gap(h, RW_TOCLIENT, d->len);
    else
        f_data(h, RW_TOCLIENT, d->data, d->len);
    return HTP_OK;
}

static int cb_response_complete(htp_tx_t *tx)
{
    struct rw_http *h = http_of(tx);
    struct http_tx *x = htp_tx_get_user_data(tx);

    f_close(h, RW_TOCLIENT, 0);
    if (x != NULL && x->decoding[RW_TOCLIENT]) {
        x->decoding[RW_TOCLIENT] = 0;
        h->decoders--;
    }
    h->d[RW_TOCLIENT].in_msg = 0;
    h->d[RW_TOCLIENT].in_head = 0;
    count_flags(h, tx->flags, x != NULL ? x->req_flags : 0, RW_TOCLIENT);
    return HTP_OK;
}

/* Both sides are complete; libhtp destroys the transaction (tx_auto_destroy) next. */
static int cb_tx_complete(htp_tx_t *tx)
{
    tx_drop(http_of(tx), tx);
    return HTP_OK;
}

/* The one configuration every parser shares, made once and never changed afterwards: as
 * Suricata 7.0 configures libhtp by default (HTPConfigSetDefaultsPhase1, personality IDS). */
static void http_cfg_make(void)
{
    htp_cfg_t *cfg = htp_config_create();

    if (cfg == NULL)
        return;
    htp_config_set_server_personality(cfg, HTP_SERVER_IDS);
    /* The IDS personality lowercases paths; Suricata's file names keep their case. */
    htp_config_set_convert_lowercase(cfg, HTP_DECODER_URL_PATH, 0);
    htp_config_set_parse_request_cookies(cfg, 0);
    htp_config_set_allow_space_uri(cfg, 1);
    htp_config_set_plusspace_decode(cfg, HTP_DECODER_URLENCODED, 0);
    htp_config_set_request_decompression(cfg, 1);
    htp_config_set_response_decompression(cfg, 1);
    htp_config_set_response_decompression_layer_limit(cfg, HTP_DECOMPRESS_LAYERS_MAX);
    htp_config_set_lzma_layers(cfg, 1);
    htp_config_set_lzma_memlimit(cfg, HTP_LZMA_MEMLIMIT_BYTES);
    htp_config_set_compression_bomb_limit(cfg, HTP_BOMB_LIMIT_BYTES);
    htp_config_set_compression_time_limit(cfg, HTP_TIME_LIMIT_USEC);
    htp_config_set_max_tx(cfg, HTP_MAX_TX);
    htp_config_set_number_headers_limit(cfg, HTP_HEADERS_MAX);
    htp_config_set_field_limits(cfg, HTP_FIELD_SOFT_BYTES, HTP_FIELD_HARD_BYTES);
    htp_config_set_tx_auto_destroy(cfg, 1);
    htp_config_set_log_level(cfg, HTP_LOG_NONE);
    htp_config_register_request_start(cfg, cb_request_start);
    htp_config_register_request_headers(cfg, cb_request_headers);
    htp_config_register_request_body_data(cfg, cb_request_body_data);
    htp_config_register_request_complete(cfg, cb_request_complete);
    htp_config_register_response_start(cfg, cb_response_start);
    htp_config_register_response_headers(cfg, cb_response_headers);
    htp_config_register_response_body_data(cfg, cb_response_body_data);
    htp_config_register_response_complete(cfg, cb_response_complete);
    htp_config_register_transaction_complete(cfg, cb_tx_complete);
    http_cfg = cfg;
}

/* ---- connection parser lifetime --------------------------------------------------------- */

/* Drops libhtp's connection parser and our records of its transactions (no sink calls). */
static void connp_drop(struct rw_http *h)
{
    htp_conn_t *conn;

    if (h->connp == NULL)
        return;
    conn = htp_connp_get_connection(h->connp);
    if (conn != NULL) {
        for (size_t i = 0; i < htp_list_size(conn->transactions); i++) {
            htp_tx_t *tx = htp_list_get(conn->transactions, i);

            if (tx != NULL)
                tx_drop(h, tx);
        }
    }
    htp_connp_destroy_all(h->connp);
    h->connp = NULL;
    for (size_t i = 0; i < 2; i++) {
        h->d[i].in_msg = 0;
        h->d[i].in_head = 0;
        h->d[i].error = 0;
        h->d[i].pend = 0;
    }
}

static int connp_need(struct rw_http *h)
{
    if (h->connp != NULL)
        return 0;
    if (pthread_once(&http_cfg_once, http_cfg_make) != 0 || http_cfg == NULL) {
        h->c.oom++;
        return -1;
    }
    h->connp = htp_connp_create(http_cfg);
    if (h->connp == NULL) {
        h->c.oom++;
        return -1;
    }
    htp_connp_set_user_data(h->connp, h);
    htp_connp_open(h->connp, NULL, 0, NULL, 0, NULL);
    h->c.connp_made++;
    return 0;
}

/* After every call: a connection between messages gives its parser back; one that
 * switched protocols stops parsing. */
static void connp_settle(struct rw_http *h)
{
    if (h->connp == NULL)
        return;
    if (h->opaque && !h->d[RW_TOSERVER].file_open && h->mp == NULL) {
        h->c.opaque++;
        f_close(h, RW_TOCLIENT, 0);
        connp_drop(h);
        return;
    }
    if (h->tx_live == 0 && !h->d[RW_TOSERVER].in_msg && !h->d[RW_TOCLIENT].in_msg &&
        !h->d[RW_TOSERVER].error && !h->d[RW_TOCLIENT].error)
        connp_drop(h);
}

/* ---- API -------------------------------------------------------------------------------- */

struct rw_http *rw_http_new(const struct rw_xfer_sink *sink)
{
    struct rw_http *h = rw_calloc(1, sizeof(*h));

    if (h == NULL)
        return NULL;
    if (sink != NULL) {
        h->sink.ctx = sink->ctx;
        h->sink.file_open = sink->file_open;
        h->sink.file_data = sink->file_data;
        h->sink.file_gap = sink->file_gap;
        h->sink.file_close = sink->file_close;
    }
    return h;
}

void rw_http_free(struct rw_http **hp)
{
    struct rw_http *h;

    if (hp == NULL || *hp == NULL)
        return;
    h = *hp;
    connp_drop(h);
    rw__http_mp_free(&h->mp);
    rw_free(h);
    *hp = NULL;
}

/* Feeds libhtp; data NULL is a gap of n bytes, which libhtp 0.5 takes inside bodies (as
 * Suricata 7 passes gaps to it). */
static void feed(struct rw_http *h, uint8_t dir, const uint8_t *p, size_t n)
{
    struct http_dir *d = &h->d[dir];
    int rc;

    if (h->opaque || h->stopped || d->error || connp_need(h) < 0)
        return;
    if (d->in_head || !d->in_msg)
        d->pend += n;
    if (dir == RW_TOSERVER)
        rc = htp_connp_req_data(h->connp, NULL, p, n);
    else
        rc = htp_connp_res_data(h->connp, NULL, p, n);
    if (!d->in_head)
        d->pend = 0;
    if (rc == HTP_STREAM_ERROR) {
        d->error = 1;
        h->c.stream_errors[dir]++;
    } else if (rc == HTP_STREAM_DATA_OTHER) {
        h->c.data_other++;
    }
    /* libhtp keeps every header of every open transaction (up to 1024 fields of 18,000
     * bytes each, 512 transactions): past our bound the connection is given up. */
    if (h->held + h->d[0].pend + h->d[1].pend > RW_HTTP_HELD_MAX_BYTES) {
        h->c.held_overflow++;
        h->stopped = 1;
        rw__http_mp_finish(&h->mp, 1);
        f_close(h, RW_TOSERVER, 1);
        f_close(h, RW_TOCLIENT, 1);
        connp_drop(h);
        return;
    }
    connp_settle(h);
}

void rw_http_data(struct rw_http *h, uint8_t dir, const uint8_t *p, size_t n)
{
    if (h == NULL || h->ended || dir > RW_TOCLIENT || p == NULL || n == 0)
        return;
    feed(h, dir, p, n);
}

void rw_http_gap(struct rw_http *h, uint8_t dir, uint64_t n)
{
    if (h == NULL || h->ended || dir > RW_TOCLIENT || n == 0)
        return;
    h->c.gaps[dir]++;
    if (h->connp == NULL || !h->d[dir].in_msg)
        return; /* between messages: nothing is cut; the next bytes start afresh */
    feed(h, dir, NULL, (size_t)n);
}

void rw_http_end(struct rw_http *h)
{
    if (h == NULL || h->ended)
        return;
    if (h->connp != NULL && !h->opaque)
        htp_connp_close(h->connp, NULL);
    rw__http_mp_finish(&h->mp, 1);
    f_close(h, RW_TOSERVER, 1);
    f_close(h, RW_TOCLIENT, 1);
    connp_drop(h);
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
    size_t n;

    if (h == NULL)
        return 0;
    n = sizeof(*h) + h->held + (size_t)h->d[0].pend + (size_t)h->d[1].pend;
    if (h->mp != NULL)
        n += rw__http_mp_bytes();
    if (h->connp != NULL)
        n += RW_HTTP_CONNP_BYTES + (size_t)h->tx_live * RW_HTTP_TX_BYTES +
             (size_t)h->decoders * RW_HTTP_DECODER_BYTES;
    return n;
}
