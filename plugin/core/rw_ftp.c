/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_ftp.c — FTP control channel parser: pairs transfer commands with announced data endpoints. */
#include "rw_ftp.h"

#include <arpa/inet.h>
#include <string.h>

#include "rw_alloc.h"
#include "rw_num.h"

/* TLS record framing (RFC 8446 5.1): type, legacy version (3.x), 16-bit length. A record
 * is at most 2^14 bytes plus 2048 of expansion (RFC 5246 6.2.3). */
#define TLS_HDR_BYTES 5
#define TLS_RECORD_MAX_BYTES (16384 + 2048)
#define TLS_TYPE_MIN 20 /* change_cipher_spec */
#define TLS_TYPE_MAX 23 /* application_data */

/* Telnet (RFC 854): IAC, and the option commands that take one more byte. */
#define TELNET_IAC 0xff
#define TELNET_WILL 251
#define TELNET_DONT 254

/* The commands this parser tells apart. C_NONE is "no command" (empty queue). */
enum ftp_cmd {
    C_NONE = 0, C_OTHER, C_USER, C_PASS, C_REIN, C_AUTH, C_PASV, C_EPSV, C_PORT, C_EPRT,
    C_STOR, C_APPE, C_STOU, C_RETR, C_LIST, C_NLST, C_MLSD,
};

static const struct {
    char verb[5];
    uint8_t cmd;
} ftp_verbs[] = {
    {"USER", C_USER}, {"PASS", C_PASS}, {"REIN", C_REIN}, {"AUTH", C_AUTH},
    {"PASV", C_PASV}, {"EPSV", C_EPSV}, {"PORT", C_PORT}, {"EPRT", C_EPRT},
    {"STOR", C_STOR}, {"APPE", C_APPE}, {"STOU", C_STOU}, {"RETR", C_RETR},
    {"LIST", C_LIST}, {"NLST", C_NLST}, {"MLSD", C_MLSD},
};

/* Where a data connection was announced: the port that listens and, when the text gave
 * one, the address (family 0 for EPSV, which names none). */
struct ftp_endpoint {
    uint8_t active; /* 1: PORT/EPRT, the client listens; 0: PASV/EPSV, the server does */
    uint16_t port;
    struct rw_addr addr;
};

/* Who gets the reply to the outstanding PASV/EPSV. */
enum { OWN_NONE = 0, OWN_XFER, OWN_DISCARD };

struct ftp_dir {
    uint8_t *buf;       /* RW_FTP_LINE_MAX_BYTES, only while a line spans packets (a line
                         * whole in one packet is read where it is); NULL otherwise */
    size_t len;         /* bytes of the current line in buf */
    uint8_t skipping;   /* discarding through the next LF (overlong line or gap) */
    uint8_t tls;        /* reading TLS records, not lines */
    uint8_t tls_hdr_len;
    uint8_t tls_hdr[TLS_HDR_BYTES];
    size_t tls_skip;    /* bytes of the current TLS record still to skip */
};

/* The one transfer command between its command and its expect call. */
struct ftp_xfer {
    uint8_t used;
    uint8_t cmd;
    uint8_t need_ep;    /* waiting for the reply to a pipelined PASV/EPSV */
    uint8_t need_name;  /* STOU: waiting for the 1xx reply that names the file */
    uint32_t serial;    /* its command's place in the command stream (see queue) */
    struct ftp_endpoint ep;
    size_t name_len;
    char name[RW_FILE_NAME_MAX_BYTES + 1];
};

struct rw_ftp {
    struct rw_xfer_sink sink;
    struct rw_flow_key key;
    uint8_t ended;
    /* login */
    uint8_t user_seen, user_anon;   /* the latest USER: sent, and anonymous or ftp */
    uint8_t logged_in, login_named, login_anon; /* the login the server accepted (230) */
    /* the latest announcement not yet used */
    uint8_t ep_ready;
    struct ftp_endpoint ep;
    uint32_t ep_serial;       /* the PORT/EPRT command that gave ep, for its refusal */
    uint8_t pasv_pending, pasv_owner;
    struct ftp_xfer xfer;
    /* replies */
    uint16_t ml_code;         /* inside a multi-line reply: its code, else 0 */
    uint8_t reply_announced;  /* the current 227/229 reply gave an endpoint */
    /* commands waiting for their final reply, oldest first; each has a serial number so
     * that a reply acts on the state its own command made, not on a later command's */
    struct {
        uint8_t cmd;
        uint32_t serial;
    } q[RW_FTP_PIPELINE_MAX];
    size_t qhead, qlen;
    uint32_t serial; /* the latest command's */
    struct rw_ftp_counters c;
    struct ftp_dir d[2];
};

/* ---------------------------------------------------------------------------------------- */
/* small helpers */

/* A partial line that will never be read is wiped, so that no PASS argument lingers, and
 * its buffer goes: an idle direction holds none. */
static void dir_drop_line(struct ftp_dir *d)
{
    if (d->buf != NULL) {
        memset(d->buf, 0, d->len);
        rw_free(d->buf);
        d->buf = NULL;
    }
    d->len = 0;
}

static int is_digit(uint8_t ch)
{
    return ch >= '0' && ch <= '9';
}

static uint8_t to_upper(uint8_t ch)
{
    return ch >= 'a' && ch <= 'z' ? (uint8_t)(ch - 'a' + 'A') : ch;
}

static int ci_equal(const uint8_t *s, size_t n, const char *word)
{
    size_t wl = strlen(word);

    if (n != wl)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (to_upper(s[i]) != to_upper((uint8_t)word[i]))
            return 0;
    return 1;
}

static void trim(const uint8_t **s, size_t *n)
{
    while (*n > 0 && ((*s)[0] == ' ' || (*s)[0] == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

/* A run of 1..5 decimal digits, nothing else, as a number in [min, max]. */
static int parse_digits(const uint8_t *s, size_t n, uint64_t min, uint64_t max, uint64_t *out)
{
    char buf[8];

    if (n == 0 || n > 5)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i]))
            return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return rw_num_parse_u64(buf, min, max, out, NULL);
}

static int addr_eq(const struct rw_addr *x, const struct rw_addr *y)
{
    return x->family == y->family && memcmp(x->a, y->a, x->family == 4 ? 4 : 16) == 0;
}

static int addr_unspecified(const struct rw_addr *x)
{
    static const uint8_t zero[16];

    return memcmp(x->a, zero, x->family == 4 ? 4 : 16) == 0;
}

static const char *cmd_name(uint8_t cmd)
{
    switch (cmd) {
    case C_STOR:
        return "STOR";
    case C_APPE:
        return "APPE";
    case C_STOU:
        return "STOU";
    case C_RETR:
        return "RETR";
    default:
        return "";
    }
}

static int cmd_is_file(uint8_t cmd)
{
    return cmd == C_STOR || cmd == C_APPE || cmd == C_STOU || cmd == C_RETR;
}

/* ---------------------------------------------------------------------------------------- */
/* announcements: PASV/PORT six numbers, EPSV (|||port|), EPRT |af|addr|port| */

/*
 * "h1,h2,h3,h4,p1,p2" at s: six numbers of 1..3 digits, each 0..255, and no seventh
 * field after them. *used gets the bytes read.
 */
static int six_at(const uint8_t *s, size_t n, size_t *used, struct ftp_endpoint *ep)
{
    uint64_t v[6];
    size_t i = 0;

    for (int k = 0; k < 6; k++) {
        size_t j;

        if (k > 0) {
            if (i >= n || s[i] != ',')
                return -1;
            i++;
        }
        for (j = i; j < n && is_digit(s[j]); j++)
            ;
        if (j - i > 3 || parse_digits(s + i, j - i, 0, 255, &v[k]) != 0)
            return -1;
        i = j;
    }
    if (i < n && (is_digit(s[i]) || s[i] == ','))
        return -1;
    if ((v[4] << 8 | v[5]) == 0)
        return -1;
    /* The whole endpoint: the caller's may be uninitialised, and a PASV reply must not
     * inherit `active` from whatever was there. */
    memset(ep, 0, sizeof(*ep));
    ep->port = (uint16_t)(v[4] << 8 | v[5]);
    ep->addr.family = 4;
    for (int k = 0; k < 4; k++)
        ep->addr.a[k] = (uint8_t)v[k];
    *used = i;
    return 0;
}

/* The six numbers of a 227 reply wherever they first appear (RFC 1123 4.1.2.6: "scan for
 * the first digit"); a run of digits and commas that is not six good numbers is skipped
 * whole, so that "(300,1,1,1,4,1)" does not yield "1,1,1,4,1,..." from its middle. */
static int parse_pasv_reply(const uint8_t *s, size_t n, struct ftp_endpoint *ep)
{
    size_t i = 0, used;

    while (i < n) {
        if (!is_digit(s[i])) {
            i++;
            continue;
        }
        if (six_at(s + i, n - i, &used, ep) == 0)
            return 0;
        while (i < n && (is_digit(s[i]) || s[i] == ','))
            i++;
    }
    return -1;
}

/* PORT's argument: exactly the six numbers, blanks around them allowed. */
static int parse_port_arg(const uint8_t *s, size_t n, struct ftp_endpoint *ep)
{
    size_t used;

    trim(&s, &n);
    if (six_at(s, n, &used, ep) != 0 || used != n)
        return -1;
    ep->active = 1;
    return 0;
}

/* RFC 2428 delimiters: printable ASCII 33..126. Digits are refused too, since they
 * would make the fields ambiguous. */
static int delim_ok(uint8_t ch)
{
    return ch >= 33 && ch <= 126 && !is_digit(ch);
}

/* 229: "(" d d d port d ")" somewhere in the text. */
static int parse_epsv_reply(const uint8_t *s, size_t n, struct ftp_endpoint *ep)
{
    for (size_t i = 0; i + 6 < n; i++) {
        uint8_t d = s[i + 1];
        size_t j;
        uint64_t port;

        if (s[i] != '(' || !delim_ok(d) || s[i + 2] != d || s[i + 3] != d)
            continue;
        for (j = i + 4; j < n && is_digit(s[j]); j++)
            ;
        if (j + 1 < n && s[j] == d && s[j + 1] == ')' &&
            parse_digits(s + i + 4, j - (i + 4), 1, 65535, &port) == 0) {
            memset(ep, 0, sizeof(*ep));
            ep->port = (uint16_t)port;
            return 0;
        }
    }
    return -1;
}

/* EPRT's argument: d af d addr d port d, af 1 (IPv4) or 2 (IPv6). */
static int parse_eprt_arg(const uint8_t *s, size_t n, struct ftp_endpoint *ep)
{
    const uint8_t *f[3];
    size_t fl[3], i = 1;
    uint8_t d;
    char text[64];
    uint64_t port;
    int af;

    trim(&s, &n);
    if (n < 2 || !delim_ok(s[0]) || s[n - 1] != s[0])
        return -1;
    d = s[0];
    for (int k = 0; k < 3; k++) {
        const uint8_t *end = memchr(s + i, d, n - i);

        if (end == NULL)
            return -1;
        f[k] = s + i;
        fl[k] = (size_t)(end - (s + i));
        i += fl[k] + 1;
    }
    if (i != n)
        return -1;
    if (ci_equal(f[0], fl[0], "1"))
        af = AF_INET;
    else if (ci_equal(f[0], fl[0], "2"))
        af = AF_INET6;
    else
        return -1;
    if (fl[1] == 0 || fl[1] >= sizeof(text) || memchr(f[1], '\0', fl[1]) != NULL)
        return -1;
    memcpy(text, f[1], fl[1]);
    text[fl[1]] = '\0';
    memset(ep, 0, sizeof(*ep));
    if (inet_pton(af, text, ep->addr.a) != 1)
        return -1;
    if (parse_digits(f[2], fl[2], 1, 65535, &port) != 0)
        return -1;
    ep->addr.family = af == AF_INET ? 4 : 6;
    ep->port = (uint16_t)port;
    ep->active = 1;
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* transfers */

static void call_expect(struct rw_ftp *ftp, const struct rw_addr *client, uint16_t cport,
                        const struct rw_addr *server, uint16_t sport,
                        const struct rw_xfer_meta *meta)
{
    const struct ftp_xfer *x = &ftp->xfer;

    if (ftp->sink.expect == NULL)
        return;
    ftp->c.expects++;
    ftp->sink.expect(ftp->sink.ctx, client, cport, server, sport,
                     x->cmd == C_RETR ? RW_TOCLIENT : RW_TOSERVER, x->name, x->name_len, meta);
}

/* The expect call(s) for the transfer in ftp->xfer, once it has its endpoint and name. */
static void xfer_try_fire(struct rw_ftp *ftp)
{
    struct ftp_xfer *x = &ftp->xfer;
    const struct rw_addr *cli = &ftp->key.src, *srv = &ftp->key.dst;
    const struct rw_addr *ann = &x->ep.addr;
    struct rw_xfer_meta meta;
    int alt;

    if (!x->used || x->need_ep || x->need_name)
        return;
    memset(&meta, 0, sizeof(meta));
    meta.app_proto = "ftp-data";
    meta.method = cmd_name(x->cmd);
    meta.uri = x->name_len > 0 ? x->name : NULL;
    meta.credentials = ftp->logged_in && ftp->login_named;
    meta.anonymous = ftp->logged_in && ftp->login_anon;
    /* The announced address as a second choice: same family as the control connection,
     * not 0.0.0.0 / ::, and not the address already expected. */
    alt = ann->family == cli->family && !addr_unspecified(ann);
    if (x->ep.active) {
        call_expect(ftp, cli, x->ep.port, srv, 0, &meta);
        if (alt && !addr_eq(ann, cli))
            call_expect(ftp, ann, x->ep.port, srv, 0, &meta);
    } else {
        call_expect(ftp, cli, 0, srv, x->ep.port, &meta);
        if (alt && !addr_eq(ann, srv))
            call_expect(ftp, cli, 0, ann, x->ep.port, &meta);
    }
    x->used = 0;
}

static void xfer_drop(struct rw_ftp *ftp)
{
    if (ftp->xfer.used) {
        ftp->xfer.used = 0;
        ftp->c.transfers_dropped++;
    }
}

static void xfer_start(struct rw_ftp *ftp, uint8_t cmd, const uint8_t *name, size_t name_len,
                       const struct ftp_endpoint *ep)
{
    struct ftp_xfer *x = &ftp->xfer;

    xfer_drop(ftp);
    memset(x, 0, offsetof(struct ftp_xfer, name));
    x->used = 1;
    x->cmd = cmd;
    x->need_ep = ep == NULL;
    x->need_name = cmd == C_STOU;
    x->serial = ftp->serial;
    if (ep != NULL)
        x->ep = *ep;
    if (name_len > RW_FILE_NAME_MAX_BYTES) {
        name_len = RW_FILE_NAME_MAX_BYTES;
        ftp->c.names_truncated++;
    }
    if (name_len > 0)
        memcpy(x->name, name, name_len);
    x->name[name_len] = '\0';
    x->name_len = name_len;
    xfer_try_fire(ftp);
}

/* A command that uses the data connection: it takes the latest announcement, or the reply
 * to a PASV/EPSV still on its way; a second one finds none. */
static void data_command(struct rw_ftp *ftp, uint8_t cmd, const uint8_t *name, size_t name_len)
{
    int file = cmd_is_file(cmd);

    if (file)
        ftp->c.transfers++;
    if (ftp->ep_ready) {
        ftp->ep_ready = 0;
        if (file)
            xfer_start(ftp, cmd, name, name_len, &ftp->ep);
    } else if (ftp->pasv_pending && ftp->pasv_owner == OWN_NONE) {
        ftp->pasv_owner = file ? OWN_XFER : OWN_DISCARD;
        if (file)
            xfer_start(ftp, cmd, name, name_len, NULL);
    } else if (file) {
        ftp->c.transfers_unannounced++;
    }
}

/* A 227/229 reply gave an endpoint. */
static void passive_reply(struct rw_ftp *ftp, const struct ftp_endpoint *ep)
{
    ftp->c.announcements++;
    if (ftp->pasv_pending && ftp->pasv_owner == OWN_XFER && ftp->xfer.used &&
        ftp->xfer.need_ep) {
        ftp->xfer.ep = *ep;
        ftp->xfer.need_ep = 0;
        xfer_try_fire(ftp);
    } else if (!(ftp->pasv_pending && ftp->pasv_owner == OWN_DISCARD)) {
        ftp->ep = *ep;
        ftp->ep_ready = 1;
    }
    ftp->pasv_pending = 0;
    ftp->pasv_owner = OWN_NONE;
}

/* The PASV/EPSV got no usable endpoint: a transfer waiting for it is dropped. */
static void passive_failed(struct rw_ftp *ftp)
{
    if (ftp->pasv_pending && ftp->pasv_owner == OWN_XFER && ftp->xfer.need_ep)
        xfer_drop(ftp);
    ftp->pasv_pending = 0;
    ftp->pasv_owner = OWN_NONE;
}

static void active_command(struct rw_ftp *ftp, int ok, const struct ftp_endpoint *ep)
{
    ftp->pasv_pending = 0;
    ftp->pasv_owner = OWN_NONE;
    ftp->ep_ready = 0;
    if (!ok) {
        ftp->c.announcements_bad++;
        return;
    }
    ftp->c.announcements++;
    ftp->ep = *ep;
    ftp->ep_ready = 1;
    ftp->ep_serial = ftp->serial;
}

/* ---------------------------------------------------------------------------------------- */
/* commands */

static void queue_push(struct rw_ftp *ftp, uint8_t cmd)
{
    size_t tail;

    if (ftp->qlen == RW_FTP_PIPELINE_MAX) {
        ftp->c.pipeline_overflow++;
        ftp->qhead = (ftp->qhead + 1) % RW_FTP_PIPELINE_MAX;
        ftp->qlen--;
    }
    tail = (ftp->qhead + ftp->qlen) % RW_FTP_PIPELINE_MAX;
    /* Wraps after 2^32 commands; 0 is never a command's, so a zeroed xfer matches none. */
    if (++ftp->serial == 0)
        ftp->serial = 1;
    ftp->q[tail].cmd = cmd;
    ftp->q[tail].serial = ftp->serial;
    ftp->qlen++;
}

/* The oldest unanswered command (C_NONE, serial 0 when there is none). */
static uint8_t queue_peek(const struct rw_ftp *ftp, uint32_t *serial)
{
    *serial = ftp->qlen > 0 ? ftp->q[ftp->qhead].serial : 0;
    return ftp->qlen > 0 ? ftp->q[ftp->qhead].cmd : C_NONE;
}

static uint8_t queue_pop(struct rw_ftp *ftp, uint32_t *serial)
{
    uint8_t cmd = queue_peek(ftp, serial);

    if (ftp->qlen > 0) {
        ftp->qhead = (ftp->qhead + 1) % RW_FTP_PIPELINE_MAX;
        ftp->qlen--;
    }
    return cmd;
}

static uint8_t verb_lookup(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < sizeof(ftp_verbs) / sizeof(ftp_verbs[0]); i++)
        if (ci_equal(s, n, ftp_verbs[i].verb))
            return ftp_verbs[i].cmd;
    return C_OTHER;
}

static void client_line(struct rw_ftp *ftp, const uint8_t *s, size_t n)
{
    const uint8_t *arg;
    size_t vl = 0, al = 0;
    struct ftp_endpoint ep;
    uint8_t cmd;

    /* Telnet IAC sequences ahead of the verb (IAC IP IAC DM before ABOR, RFC 959 4.1.3;
     * RFC 854): two bytes, or three for the option talk WILL/WONT/DO/DONT (251..254). */
    while (n >= 2 && s[0] == TELNET_IAC) {
        size_t k = s[1] >= TELNET_WILL && s[1] <= TELNET_DONT ? 3 : 2;

        if (k > n)
            k = n;
        s += k;
        n -= k;
    }
    if (n == 0)
        return;
    arg = s + n; /* no argument: an empty one at the line's end, never NULL (NULL + 0 is UB) */
    while (vl < n && s[vl] != ' ')
        vl++;
    if (vl < n) {
        arg = s + vl + 1;
        al = n - vl - 1;
    }
    cmd = verb_lookup(s, vl);
    /* A transfer without a path is a syntax error (501) that changes nothing. */
    if ((cmd == C_STOR || cmd == C_APPE || cmd == C_RETR) && al == 0)
        cmd = C_OTHER;
    /* "EPSV ALL" only forbids PORT and friends from now on (RFC 2428 4); 200 answers it. */
    if (cmd == C_EPSV && ci_equal(arg, al, "ALL"))
        cmd = C_OTHER;
    queue_push(ftp, cmd);
    switch (cmd) {
    case C_USER:
        ftp->user_seen = 1;
        ftp->user_anon = ci_equal(arg, al, "anonymous") || ci_equal(arg, al, "ftp");
        /* The login in force stays until the server accepts another (a server refuses a
         * change of user with 530 and keeps the session as it was). */
        break;
    case C_REIN:
        ftp->user_seen = 0;
        ftp->user_anon = 0;
        ftp->logged_in = 0;
        ftp->login_named = 0;
        ftp->login_anon = 0;
        break;
    case C_PASV:
    case C_EPSV:
        ftp->ep_ready = 0;
        ftp->pasv_pending = 1;
        ftp->pasv_owner = OWN_NONE;
        break;
    case C_PORT:
        active_command(ftp, parse_port_arg(arg, al, &ep) == 0, &ep);
        break;
    case C_EPRT:
        active_command(ftp, parse_eprt_arg(arg, al, &ep) == 0, &ep);
        break;
    case C_STOR:
    case C_APPE:
    case C_RETR:
        data_command(ftp, cmd, arg, al);
        break;
    case C_STOU:
    case C_LIST:
    case C_NLST:
    case C_MLSD:
        data_command(ftp, cmd, NULL, 0);
        break;
    default:
        break;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* replies */

static void tls_start(struct rw_ftp *ftp)
{
    ftp->c.tls++;
    for (int i = 0; i < 2; i++) {
        struct ftp_dir *d = &ftp->d[i];

        d->tls = 1;
        d->tls_hdr_len = 0;
        d->tls_skip = 0;
        dir_drop_line(d);
        d->skipping = 0;
    }
}

/* "FILE: name" in a preliminary reply to STOU (RFC 1123 4.1.2.9). */
static void stou_name(struct rw_ftp *ftp, const uint8_t *s, size_t n)
{
    struct ftp_xfer *x = &ftp->xfer;

    for (size_t i = 0; i + 5 <= n; i++) {
        size_t len;

        if (!ci_equal(s + i, 5, "FILE:"))
            continue;
        i += 5;
        while (i < n && s[i] == ' ')
            i++;
        len = n - i;
        if (len > RW_FILE_NAME_MAX_BYTES) {
            len = RW_FILE_NAME_MAX_BYTES;
            ftp->c.names_truncated++;
        }
        if (len > 0)
            memcpy(x->name, s + i, len);
        x->name[len] = '\0';
        x->name_len = len;
        return;
    }
}

/* Every line of a reply, with the text after the code (continuation lines whole). */
static void reply_text(struct rw_ftp *ftp, unsigned code, const uint8_t *s, size_t n)
{
    struct ftp_endpoint ep;
    uint32_t serial;
    uint8_t head = queue_peek(ftp, &serial);

    if (code == 227 && !ftp->reply_announced && parse_pasv_reply(s, n, &ep) == 0) {
        ftp->reply_announced = 1;
        passive_reply(ftp, &ep);
    } else if (code == 229 && !ftp->reply_announced && parse_epsv_reply(s, n, &ep) == 0) {
        ftp->reply_announced = 1;
        passive_reply(ftp, &ep);
    } else if (code < 200 && (serial == ftp->xfer.serial || head == C_NONE) &&
               ftp->xfer.used && ftp->xfer.need_name) {
        stou_name(ftp, s, n);
        if (ftp->xfer.name_len > 0) {
            ftp->xfer.need_name = 0;
            xfer_try_fire(ftp);
        }
    }
}

/* The last line of a reply. */
static void reply_done(struct rw_ftp *ftp, unsigned code)
{
    uint8_t cmd;
    uint32_t serial;
    int own; /* the reply answers the command of the transfer in ftp->xfer */

    ftp->ml_code = 0;
    if (code < 200) {
        /* Preliminary: the command stays open. A STOU reply without "FILE:" names no file. */
        cmd = queue_peek(ftp, &serial);
        if ((serial == ftp->xfer.serial || cmd == C_NONE) && ftp->xfer.used &&
            ftp->xfer.need_name) {
            ftp->xfer.need_name = 0;
            xfer_try_fire(ftp);
        }
        return;
    }
    cmd = queue_pop(ftp, &serial);
    own = ftp->xfer.used && serial != 0 && serial == ftp->xfer.serial;
    if ((code == 227 || code == 229) && !ftp->reply_announced) {
        ftp->c.announcements_bad++;
        passive_failed(ftp);
    }
    if (code == 230) {
        ftp->logged_in = 1;
        ftp->login_named = ftp->user_seen && !ftp->user_anon;
        ftp->login_anon = ftp->user_seen && ftp->user_anon;
        ftp->c.logins++;
        if (ftp->login_anon)
            ftp->c.logins_anonymous++;
    } else if (code == 234 && cmd == C_AUTH) {
        tls_start(ftp);
    }
    if ((cmd == C_PASV || cmd == C_EPSV) && code != 227 && code != 229)
        passive_failed(ftp);
    if (code >= 400) {
        switch (cmd) {
        case C_PORT:
        case C_EPRT:
            if (ftp->ep_ready && ftp->ep.active && ftp->ep_serial == serial)
                ftp->ep_ready = 0;
            break;
        case C_STOR:
        case C_APPE:
        case C_STOU:
        case C_RETR:
            if (own)
                xfer_drop(ftp);
            break;
        default:
            break;
        }
    } else if (cmd == C_STOU && own && ftp->xfer.need_name) {
        /* Done without a preliminary reply: the data connection has come and gone. */
        xfer_drop(ftp);
    }
}

static int is_code(const uint8_t *s, size_t n)
{
    return n >= 3 && s[0] >= '1' && s[0] <= '5' && is_digit(s[1]) && is_digit(s[2]);
}

static unsigned code_of(const uint8_t *s)
{
    return (unsigned)(s[0] - '0') * 100 + (unsigned)(s[1] - '0') * 10 + (unsigned)(s[2] - '0');
}

static void server_line(struct rw_ftp *ftp, const uint8_t *s, size_t n)
{
    unsigned code;

    if (n == 0)
        return;
    if (ftp->ml_code != 0) {
        /* RFC 959 4.2: a multi-line reply ends with a line "ddd SP text" of its code. */
        if (is_code(s, n) && code_of(s) == ftp->ml_code && (n == 3 || s[3] == ' ')) {
            code = ftp->ml_code;
            reply_text(ftp, code, s + 3, n - 3);
            reply_done(ftp, code);
        } else {
            reply_text(ftp, ftp->ml_code, s, n);
        }
        return;
    }
    if (!is_code(s, n) || (n > 3 && s[3] != ' ' && s[3] != '-')) {
        ftp->c.replies_bad++;
        return;
    }
    code = code_of(s);
    ftp->reply_announced = 0;
    reply_text(ftp, code, s + 3, n - 3);
    if (n > 3 && s[3] == '-')
        ftp->ml_code = (uint16_t)code;
    else
        reply_done(ftp, code);
}

/* ---------------------------------------------------------------------------------------- */
/* bytes to lines */

static void dir_resync(struct ftp_dir *d)
{
    dir_drop_line(d);
    d->skipping = 1;
    d->tls = 0;
    d->tls_hdr_len = 0;
    d->tls_skip = 0;
}

/* Reads TLS records; returns the bytes used, fewer than n when the direction went back to
 * clear text. */
static size_t tls_feed(struct rw_ftp *ftp, uint8_t dir, const uint8_t *p, size_t n)
{
    struct ftp_dir *d = &ftp->d[dir];
    size_t i = 0;

    while (i < n) {
        if (d->tls_skip > 0) {
            size_t k = n - i < d->tls_skip ? n - i : d->tls_skip;

            i += k;
            d->tls_skip -= k;
            continue;
        }
        if (d->tls_hdr_len == 0 && (p[i] < TLS_TYPE_MIN || p[i] > TLS_TYPE_MAX)) {
            d->tls = 0; /* clear text again, from this byte */
            return i;
        }
        d->tls_hdr[d->tls_hdr_len++] = p[i++];
        if (d->tls_hdr_len == 2 && d->tls_hdr[1] != 3) {
            dir_resync(d); /* not a record after all: find the next line */
            return i;
        }
        if (d->tls_hdr_len == TLS_HDR_BYTES) {
            d->tls_skip = (size_t)d->tls_hdr[3] << 8 | d->tls_hdr[4];
            d->tls_hdr_len = 0;
            if (d->tls_skip > TLS_RECORD_MAX_BYTES) {
                dir_resync(d);
                return i;
            }
            ftp->c.tls_records[dir]++;
        }
    }
    return i;
}

/* A line that cannot be read (too long, or no memory to hold it) is passed over: the
 * command still gets a reply, so it keeps its place in the pairing, and the rest of the
 * line is skipped up to its end. Returns the bytes used of the n given. */
static size_t text_give_up(struct rw_ftp *ftp, uint8_t dir, int ends_here, size_t take,
                           size_t n)
{
    if (dir == RW_TOSERVER)
        queue_push(ftp, C_OTHER);
    if (!ends_here) {
        ftp->d[dir].skipping = 1;
        return n;
    }
    return take + 1;
}

/* Reads up to one line end; returns the bytes used. */
static size_t text_feed(struct rw_ftp *ftp, uint8_t dir, const uint8_t *p, size_t n)
{
    struct ftp_dir *d = &ftp->d[dir];
    const uint8_t *lf = memchr(p, '\n', n);
    size_t take = lf != NULL ? (size_t)(lf - p) : n;
    const uint8_t *line;
    size_t len;

    if (d->skipping) {
        if (lf == NULL)
            return n;
        d->skipping = 0;
        return take + 1;
    }
    if (take > RW_FTP_LINE_MAX_BYTES - d->len) {
        ftp->c.lines_overlong[dir]++;
        dir_drop_line(d);
        return text_give_up(ftp, dir, lf != NULL, take, n);
    }
    if (lf != NULL && d->len == 0) {
        /* The whole line is in this packet: read it where it is. */
        line = p;
        len = take;
    } else {
        /* The line spans packets: hold it until its end, in a buffer only it has. */
        if (d->buf == NULL) {
            d->buf = rw_malloc(RW_FTP_LINE_MAX_BYTES);
            if (d->buf == NULL) {
                ftp->c.lines_nomem[dir]++;
                d->len = 0;
                return text_give_up(ftp, dir, lf != NULL, take, n);
            }
        }
        memcpy(d->buf + d->len, p, take);
        d->len += take;
        if (lf == NULL)
            return n;
        line = d->buf;
        len = d->len;
    }
    if (len > 0 && line[len - 1] == '\r')
        len--;
    ftp->c.lines[dir]++;
    if (dir == RW_TOSERVER)
        client_line(ftp, line, len);
    else
        server_line(ftp, line, len);
    /* Nothing of a line outlives its processing: PASS arguments are not kept, and the
     * buffer of a line that spanned packets goes. */
    dir_drop_line(d);
    return take + 1;
}

/* ---------------------------------------------------------------------------------------- */
/* API */

struct rw_ftp *rw_ftp_new(const struct rw_xfer_sink *sink, const struct rw_flow_key *control_key)
{
    struct rw_ftp *ftp;

    if (control_key == NULL)
        return NULL;
    ftp = rw_calloc(1, sizeof(*ftp));
    if (ftp == NULL)
        return NULL;
    if (sink != NULL)
        ftp->sink = *sink;
    ftp->key = *control_key;
    return ftp;
}

void rw_ftp_free(struct rw_ftp **fp)
{
    if (fp == NULL || *fp == NULL)
        return;
    dir_drop_line(&(*fp)->d[RW_TOSERVER]);
    dir_drop_line(&(*fp)->d[RW_TOCLIENT]);
    rw_free(*fp);
    *fp = NULL;
}

void rw_ftp_data(struct rw_ftp *ftp, uint8_t dir, const uint8_t *p, size_t n)
{
    if (ftp == NULL || ftp->ended || dir > RW_TOCLIENT || p == NULL)
        return;
    while (n > 0) {
        size_t used = ftp->d[dir].tls ? tls_feed(ftp, dir, p, n) : text_feed(ftp, dir, p, n);

        p += used;
        n -= used;
    }
}

void rw_ftp_gap(struct rw_ftp *ftp, uint8_t dir, uint64_t n)
{
    if (ftp == NULL || ftp->ended || dir > RW_TOCLIENT || n == 0)
        return;
    ftp->c.gaps[dir]++;
    dir_resync(&ftp->d[dir]);
    /* Commands or replies may be lost: what answers what is unknown from here. */
    ftp->qlen = 0;
    if (dir == RW_TOCLIENT)
        ftp->ml_code = 0;
}

void rw_ftp_end(struct rw_ftp *ftp)
{
    if (ftp == NULL || ftp->ended)
        return;
    xfer_drop(ftp);
    dir_drop_line(&ftp->d[RW_TOSERVER]);
    dir_drop_line(&ftp->d[RW_TOCLIENT]);
    ftp->ended = 1;
}

const struct rw_ftp_counters *rw_ftp_counters(const struct rw_ftp *ftp)
{
    return &ftp->c;
}

#ifdef RW_TEST_BUILD
/* For tests: the size of the parser state, which they search for password bytes. */
size_t rw__ftp_state_size(void);

size_t rw__ftp_state_size(void)
{
    return sizeof(struct rw_ftp);
}

/* For tests: the buffer a direction holds while a line spans packets, or NULL. */
const uint8_t *rw__ftp_line_buf(const struct rw_ftp *ftp, uint8_t dir);

const uint8_t *rw__ftp_line_buf(const struct rw_ftp *ftp, uint8_t dir)
{
    return ftp->d[dir].buf;
}
#endif

size_t rw_ftp_bytes(const struct rw_ftp *p)
{
    if (p == NULL)
        return 0;
    return sizeof(*p) + (p->d[0].buf != NULL ? RW_FTP_LINE_MAX_BYTES : 0) +
           (p->d[1].buf != NULL ? RW_FTP_LINE_MAX_BYTES : 0);
}
