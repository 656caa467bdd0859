/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_engine_app.c — a flow's application layer: choosing its parser (first bytes, port or
 * an announcement), feeding it the flow's bytes and gaps, and the sink the parsers report
 * files and announcements to. */
#include "rw_engine_int.h"

#include <netinet/in.h>
#include <pthread.h>
#include <string.h>

#include "rw_classify.h"
#include "rw_expect.h"
#include "rw_files.h"
#include "rw_ftp.h"
#include "rw_http.h"
#include "rw_magic.h"
#include "rw_smb.h"
#include "rw_smtp.h"
#include "rw_stream.h"
#include "rw_tftp.h"

/* ---- the sink the parsers report to (rw_xfer.h) --------------------------------------- */

static uint32_t sink_file_open(void *ctx, uint8_t dir, const char *name, size_t name_len,
                               const struct rw_xfer_meta *meta)
{
    struct rw_flow *f = ctx;
    struct rw_files_call c = re_call(f);

    /* A file no rule could fire on (its direction's receiver is in no rule's lists, or
     * the direction is no rule's) and no fileinfo record will show is not tracked: the
     * parser goes on, its bytes are not typed or hashed (issue 7: rule-aware work). */
    if (!(f->rules_apply & (1u << (dir & 1))) && !(f->e->eve_types & RW_EVE_FILEINFO))
        return 0;
    return f->files == NULL ? 0 : rw_files_open(f->files, &c, dir, name, name_len, meta);
}

static void sink_file_data(void *ctx, uint32_t id, const uint8_t *data, size_t len)
{
    struct rw_flow *f = ctx;
    struct rw_files_call c = re_call(f);

    if (f->files != NULL)
        rw_files_data(f->files, &c, id, data, len);
}

static void sink_file_gap(void *ctx, uint32_t id, uint64_t len)
{
    struct rw_flow *f = ctx;
    struct rw_files_call c = re_call(f);

    if (f->files != NULL)
        rw_files_gap(f->files, &c, id, len);
}

static void sink_file_close(void *ctx, uint32_t id, int truncated)
{
    struct rw_flow *f = ctx;
    struct rw_files_call c = re_call(f);

    if (f->files != NULL)
        rw_files_close(f->files, &c, id, truncated);
}

static void sink_expect(void *ctx, const struct rw_addr *client, uint16_t client_port,
                        const struct rw_addr *server, uint16_t server_port, uint8_t dir,
                        const char *name, size_t name_len, const struct rw_xfer_meta *meta)
{
    struct rw_flow *f = ctx;
    pthread_mutex_t *lock = re_expect_lock(f->e);

    pthread_mutex_lock(lock);
    rw_expect_set_owner(f->e->expect, f->e->expect_owner);
    (void)rw_expect_add(f->e->expect, f->e->now_us, client, client_port, server, server_port,
                        dir, name, name_len, meta);
    pthread_mutex_unlock(lock);
}

static struct rw_xfer_sink engine_sink(struct rw_flow *f)
{
    return (struct rw_xfer_sink){
        .ctx = f,
        .file_open = sink_file_open,
        .file_data = sink_file_data,
        .file_gap = sink_file_gap,
        .file_close = sink_file_close,
        .expect = sink_expect,
    };
}

/* ---- choosing a parser ------------------------------------------------------------------ */

/* HTTP/1.x request methods a client may start a connection with (RFC 9110, WebDAV). */
static int engine_is_http_request(const uint8_t *p, size_t n)
{
    static const char *const methods[] = {
        "GET ", "POST ", "PUT ", "HEAD ", "PATCH ", "DELETE ", "OPTIONS ", "CONNECT ",
        "TRACE ", "PROPFIND ", "PROPPATCH ", "MKCOL ", "COPY ", "MOVE ", "LOCK ", "UNLOCK ",
    };

    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        size_t k = strlen(methods[i]);

        if (n >= k && memcmp(p, methods[i], k) == 0)
            return 1;
    }
    return 0;
}

/* A client's first line naming HTTP/1.x although its method is none of the above
 * (OPTIONSHTTP/1.1, GET/ HTTP/1.1, a garbage method): libhtp parses such a line, the
 * server answers it with HTTP, and Suricata detects it from that answer. A line that
 * starts with the version is a status line: a server's answer in a flow whose start was
 * not seen (or ended early by the memcap), which is no request and gets no parser. */
static int engine_is_http_line(const uint8_t *p, size_t n)
{
    static const char tag[] = "HTTP/1.";
    const size_t k = sizeof(tag) - 1;

    if (n >= 5 && memcmp(p, "HTTP/", 5) == 0)
        return 0;
    for (size_t i = 1; i + k <= n && p[i] != '\n'; i++)
        if (memcmp(p + i, tag, k) == 0)
            return 1;
    return 0;
}

/* An FTP client's usual first commands, any case. */
static int engine_is_ftp_command(const uint8_t *p, size_t n)
{
    static const char *const cmds[] = { "USER ", "AUTH TLS", "AUTH SSL", "FEAT\r" };

    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        size_t k = strlen(cmds[i]);

        if (n >= k && strncasecmp((const char *)p, cmds[i], k) == 0)
            return 1;
    }
    return 0;
}

/* SMTP: the server port (25 RFC 5321, 587 RFC 6409, 2525 a common alternative), or a
 * client whose first command is EHLO or HELO (after the server's 220 greeting). */
static int engine_is_smtp(const struct rw_flow_key *k, const uint8_t *p, size_t n)
{
    if (k->dport == 25 || k->dport == 587 || k->dport == 2525)
        return 1;
    return n >= 5 && (strncasecmp((const char *)p, "EHLO ", 5) == 0 ||
                      strncasecmp((const char *)p, "HELO ", 5) == 0);
}

/* A NetBIOS session message (type 0) carrying SMB1, SMB2 or an SMB3 transform header. */
static int engine_is_smb(const uint8_t *p, size_t n)
{
    return n >= 8 && p[0] == 0 && (p[4] == 0xfe || p[4] == 0xff || p[4] == 0xfd) &&
           p[5] == 'S' && p[6] == 'M' && p[7] == 'B';
}

/* Does a raw stream start with a file's magic? The prefix table answers without libmagic
 * for everything that is not a candidate. */
static int engine_starts_file(struct rw_engine *e, const uint8_t *p, size_t n)
{
    struct rw_filetype ft;

    if (n == 0 || rw_magic_identify(e->magic, p, n, NULL, &ft) != 0)
        return 0;
    if (ft.flags & (RW_FT_PREFILTERED | RW_FT_MAGIC_FAILED))
        return 0;
    return strcmp(ft.desc, "data") != 0 && strncmp(ft.mime, "text/", 5) != 0;
}

static void engine_app_set(struct rw_engine *e, struct rw_flow *f, uint8_t app)
{
    struct rw_xfer_sink sink = engine_sink(f);

    f->app = app;
    e->stats.app[app]++;
    switch (app) {
    case APP_HTTP:
        f->p.http = rw_http_new(&sink);
        break;
    case APP_FTP:
        f->p.ftp = rw_ftp_new(&sink, &f->info->key);
        break;
    case APP_SMB:
        f->p.smb = rw_smb_new(&sink);
        break;
    case APP_TFTP:
        f->p.tftp = rw_tftp_new(&sink, &f->info->key);
        break;
    case APP_SMTP:
        f->p.smtp = rw_smtp_new(&sink);
        break;
    default:
        return;
    }
    if (f->p.http == NULL) {
        /* No memory for the parser: the flow is volume only. */
        e->stats.flow_state_oom++;
        f->app = APP_OPAQUE;
    }
}

/* Opens the announced file on this flow (FTP data connection, TFTP transfer). */
static void engine_take_hit(struct rw_engine *e, struct rw_flow *f)
{
    struct rw_expect_hit *h = f->hit;

    f->hit = NULL;
    e->stats.expect_hits++;
    if (strcmp(h->meta.app_proto != NULL ? h->meta.app_proto : "", "tftp") == 0) {
        engine_app_set(e, f, APP_TFTP);
        if (f->app == APP_TFTP)
            rw_tftp_transfer(f->p.tftp, h->dir, h->name, h->name_len, &h->meta);
    } else {
        f->app = APP_FTP_DATA;
        e->stats.app[APP_FTP_DATA]++;
        f->data_dir = h->dir;
        f->data_id = sink_file_open(f, h->dir, h->name, h->name_len, &h->meta);
    }
    rw_free(h);
}

/* Looks for an announcement naming this flow; keeps it in f->hit until bytes come. */
void re_expect_lookup(struct rw_engine *e, struct rw_flow *f, uint64_t now_us)
{
    struct rw_expect_hit *h;

    pthread_mutex_t *lock = re_expect_lock(e);
    size_t pending;
    int rc;

    if (f->hit != NULL)
        return;
    pthread_mutex_lock(lock);
    pending = rw_expect_count(e->expect);
    pthread_mutex_unlock(lock);
    if (pending == 0)
        return;
    h = rw_malloc(sizeof(*h));
    if (h == NULL) {
        e->stats.flow_state_oom++;
        return;
    }
    pthread_mutex_lock(lock);
    rw_expect_set_owner(e->expect, e->expect_owner);
    rc = rw_expect_take(e->expect, now_us, &f->info->key, h);
    pthread_mutex_unlock(lock);
    if (rc != 0) {
        rw_free(h);
        return;
    }
    /* meta's strings point into h itself: it is not moved after this. */
    f->hit = h;
}

/*
 * Chooses the parser from the first bytes of a direction. Server ports say FTP (21),
 * SMB (445, 139), TFTP (69) and SMTP (25, 587, 2525) up front; otherwise the client's
 * first bytes decide: an HTTP method, an FTP login, a NetBIOS/SMB header, EHLO/HELO; a
 * file's magic at the start of either direction makes a raw file (netcat-style);
 * anything else is opaque volume. A server
 * that speaks first without a file (an FTP or SMTP banner) leaves the choice to the
 * client's first bytes.
 */
static void engine_app_choose(struct rw_engine *e, struct rw_flow *f, uint8_t dir,
                              const uint8_t *p, size_t n)
{
    const struct rw_flow_key *k = &f->info->key;

    if (f->hit != NULL) {
        engine_take_hit(e, f);
        return;
    }
    if (k->proto == IPPROTO_UDP) {
        engine_app_set(e, f, k->dport == 69 ? APP_TFTP : APP_UNDECIDED);
    } else if (k->dport == 21 || engine_is_ftp_command(p, dir == RW_TOSERVER ? n : 0)) {
        engine_app_set(e, f, APP_FTP);
    } else if (engine_is_smb(p, n) || k->dport == 445 || k->dport == 139) {
        engine_app_set(e, f, APP_SMB);
    } else if (dir == RW_TOSERVER &&
               (engine_is_http_request(p, n) || engine_is_http_line(p, n))) {
        engine_app_set(e, f, APP_HTTP);
    } else if (engine_is_smtp(k, p, dir == RW_TOSERVER ? n : 0)) {
        engine_app_set(e, f, APP_SMTP);
    }
    if (f->app != APP_UNDECIDED)
        return;
    if (engine_starts_file(e, p, n)) {
        f->app = APP_RAW;
        e->stats.app[APP_RAW]++;
        f->data_dir = dir;
        f->data_id = sink_file_open(f, dir, NULL, 0, NULL);
    } else if (dir == RW_TOSERVER || f->looked[RW_TOSERVER]) {
        f->app = APP_OPAQUE;
        e->stats.app[APP_OPAQUE]++;
    }
}

/* Feeds bytes to the chosen parser (nothing while undecided). */
static void engine_app_feed(struct rw_flow *f, uint8_t dir, const uint8_t *p, size_t n)
{
    switch (f->app) {
    case APP_HTTP:
        rw_http_data(f->p.http, dir, p, n);
        break;
    case APP_FTP:
        rw_ftp_data(f->p.ftp, dir, p, n);
        break;
    case APP_SMB:
        rw_smb_data(f->p.smb, dir, p, n);
        break;
    case APP_TFTP:
        rw_tftp_datagram(f->p.tftp, dir, p, n);
        break;
    case APP_SMTP:
        rw_smtp_data(f->p.smtp, dir, p, n);
        break;
    case APP_FTP_DATA:
    case APP_RAW:
        if (dir == f->data_dir)
            sink_file_data(f, f->data_id, p, n);
        break;
    default:
        break;
    }
}

/* Chooses the parser on the bytes collected for dir followed by p (n bytes; may be 0),
 * then hands the collected bytes to it. */
static void engine_app_decide(struct rw_engine *e, struct rw_flow *f, uint8_t dir,
                              const uint8_t *p, size_t n)
{
    uint8_t head[RW_APP_DECIDE_BYTES];
    size_t k = f->u.sn.len[dir];
    size_t m = n < sizeof(head) - k ? n : sizeof(head) - k;

    memcpy(head, f->u.sn.bytes[dir], k);
    if (m > 0)
        memcpy(head + k, p, m);
    if (!f->expect_tried) {
        f->expect_tried = 1;
        re_expect_lookup(e, f, e->now_us);
    }
    engine_app_choose(e, f, dir, head, k + m);
    f->looked[dir] = 1;
    if (k > 0) {
        f->u.sn.len[dir] = 0;
        engine_app_feed(f, dir, f->u.sn.bytes[dir], k);
    }
}

/*
 * In-order bytes of one direction (the stream's sink, or a UDP datagram). A TCP
 * direction's first RW_APP_SNIFF_BYTES are collected before the parser is chosen, so
 * that a request sent one byte per segment is still recognised; a gap or the flow's end
 * decides on what was collected.
 */
void re_app_data(struct rw_engine *e, struct rw_flow *f, uint8_t dir, const uint8_t *p,
                 size_t n)
{
    if (n == 0 || dir > RW_TOCLIENT)
        return;
    if (f->app == APP_UNDECIDED && !f->looked[dir]) {
        if (f->info->key.proto == IPPROTO_TCP &&
            (size_t)f->u.sn.len[dir] + n < RW_APP_SNIFF_BYTES) {
            memcpy(f->u.sn.bytes[dir] + f->u.sn.len[dir], p, n);
            f->u.sn.len[dir] = (uint8_t)(f->u.sn.len[dir] + n);
            return;
        }
        engine_app_decide(e, f, dir, p, n);
    }
    engine_app_feed(f, dir, p, n);
}

/* Decides on whatever was collected (before a gap, at the end). */
void re_app_flush(struct rw_engine *e, struct rw_flow *f, uint8_t dir)
{
    if (f->bytes_setup && f->app == APP_UNDECIDED && !f->looked[dir] && f->u.sn.len[dir] > 0)
        engine_app_decide(e, f, dir, NULL, 0);
}

static void engine_app_gap(struct rw_flow *f, uint8_t dir, uint64_t n)
{
    if (dir > RW_TOCLIENT)
        return;
    re_app_flush(f->e, f, dir);
    switch (f->app) {
    case APP_HTTP:
        rw_http_gap(f->p.http, dir, n);
        break;
    case APP_FTP:
        rw_ftp_gap(f->p.ftp, dir, n);
        break;
    case APP_SMB:
        rw_smb_gap(f->p.smb, dir, n);
        break;
    case APP_SMTP:
        rw_smtp_gap(f->p.smtp, dir, n);
        break;
    case APP_FTP_DATA:
    case APP_RAW:
        if (dir == f->data_dir)
            sink_file_gap(f, f->data_id, n);
        break;
    default:
        break;
    }
}

/* Ends the parser: files still open are closed by it (or by rw_files_end after). */
void re_app_end(struct rw_flow *f)
{
    switch (f->app) {
    case APP_HTTP:
        rw_http_end(f->p.http);
        rw_http_free(&f->p.http);
        break;
    case APP_FTP:
        rw_ftp_end(f->p.ftp);
        rw_ftp_free(&f->p.ftp);
        break;
    case APP_SMB:
        rw_smb_end(f->p.smb);
        rw_smb_free(&f->p.smb);
        break;
    case APP_TFTP:
        rw_tftp_end(f->p.tftp);
        rw_tftp_free(&f->p.tftp);
        break;
    case APP_SMTP:
        rw_smtp_end(f->p.smtp);
        rw_smtp_free(&f->p.smtp);
        break;
    case APP_FTP_DATA:
    case APP_RAW: {
        /* The connection's end is the file's end (RFC 959 stream mode), when the sender
         * said so with a FIN: a TCP stream that stopped without one (capture cut, reset,
         * timeout) carried part of the file. */
        int fin = f->info->key.proto != IPPROTO_TCP ||
                  (f->info->tcp_flags[f->data_dir] & RW_TCP_FIN) != 0;

        sink_file_close(f, f->data_id, !fin);
        f->data_id = 0;
        break;
    }
    default:
        break;
    }
}

void re_stream_sink_data(void *ctx, uint8_t dir, const uint8_t *p, size_t n)
{
    struct rw_flow *f = ctx;

    re_app_data(f->e, f, dir, p, n);
}

void re_stream_sink_gap(void *ctx, uint8_t dir, uint64_t n)
{
    engine_app_gap(ctx, dir, n);
}

