/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_rw_ftp.c — the FTP control channel: announcements, transfers, logins, TLS, hostile input. */
#define _GNU_SOURCE /* memmem */
#include <CUnit/CUnit.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rw_alloc.h"
#include "rw_ftp.h"
#include "rw_test.h"

/* Test builds only: the size of the parser state (rw_ftp.c). */
size_t rw__ftp_state_size(void);
const uint8_t *rw__ftp_line_buf(const struct rw_ftp *ftp, uint8_t dir);

/* ---------------------------------------------------------------------------------------- */
/* a sink that records every expect call, strings copied */

#define REC_MAX 64
#define REC_STR 600

struct call {
    struct rw_addr cli, srv;
    uint16_t cport, sport;
    uint8_t dir;
    size_t name_len;
    char name[REC_STR];
    int app_null, method_null, uri_null;
    char app[32], method[32], uri[REC_STR];
    uint8_t cred, anon;
    int other_meta; /* host, content_type, content_encoding or declared_size were set */
};

struct rec {
    size_t n;     /* calls recorded (at most REC_MAX) */
    size_t total; /* calls made */
    struct call c[REC_MAX];
    int other_calls; /* file_open & co: must never happen */
};

static void copy_str(char *dst, size_t cap, int *was_null, const char *src)
{
    *was_null = src == NULL;
    dst[0] = '\0';
    if (src != NULL)
        snprintf(dst, cap, "%s", src);
}

static void rec_expect(void *ctx, const struct rw_addr *client, uint16_t client_port,
                       const struct rw_addr *server, uint16_t server_port, uint8_t dir,
                       const char *name, size_t name_len, const struct rw_xfer_meta *meta)
{
    struct rec *r = ctx;
    struct call *c;

    r->total++;
    if (r->n == REC_MAX)
        return;
    c = &r->c[r->n++];
    memset(c, 0, sizeof(*c));
    c->cli = *client;
    c->srv = *server;
    c->cport = client_port;
    c->sport = server_port;
    c->dir = dir;
    c->name_len = name_len;
    if (name_len < REC_STR) {
        memcpy(c->name, name, name_len);
        c->name[name_len] = '\0';
    }
    copy_str(c->app, sizeof(c->app), &c->app_null, meta->app_proto);
    copy_str(c->method, sizeof(c->method), &c->method_null, meta->method);
    copy_str(c->uri, sizeof(c->uri), &c->uri_null, meta->uri);
    c->cred = meta->credentials;
    c->anon = meta->anonymous;
    c->other_meta = meta->host != NULL || meta->content_type != NULL ||
                    meta->content_encoding != NULL || meta->declared_size != 0;
}

static uint32_t rec_open(void *ctx, uint8_t dir, const char *name, size_t name_len,
                         const struct rw_xfer_meta *meta)
{
    (void)dir, (void)name, (void)name_len, (void)meta;
    ((struct rec *)ctx)->other_calls++;
    return 1;
}

static void rec_fdata(void *ctx, uint32_t id, const uint8_t *data, size_t len)
{
    (void)id, (void)data, (void)len;
    ((struct rec *)ctx)->other_calls++;
}

static void rec_fgap(void *ctx, uint32_t id, uint64_t len)
{
    (void)id, (void)len;
    ((struct rec *)ctx)->other_calls++;
}

static void rec_fclose(void *ctx, uint32_t id, int truncated)
{
    (void)id, (void)truncated;
    ((struct rec *)ctx)->other_calls++;
}

static struct rw_flow_key key4(void)
{
    struct rw_flow_key k;

    memset(&k, 0, sizeof(k));
    k.src = rw_test_addr("10.0.0.1");
    k.dst = rw_test_addr("10.0.0.2");
    k.sport = 40000;
    k.dport = 21;
    k.proto = IPPROTO_TCP;
    return k;
}

static struct rw_flow_key key6(void)
{
    struct rw_flow_key k;

    memset(&k, 0, sizeof(k));
    k.src = rw_test_addr("fd00:10:16:1::3");
    k.dst = rw_test_addr("fd00:10:16:1::2");
    k.sport = 40000;
    k.dport = 21;
    k.proto = IPPROTO_TCP;
    return k;
}

/* A parser for k recording into r (zeroed here). */
static struct rw_ftp *mk(struct rec *r, const struct rw_flow_key *k)
{
    struct rw_xfer_sink s;
    struct rw_ftp *f;

    memset(r, 0, sizeof(*r));
    memset(&s, 0, sizeof(s));
    s.ctx = r;
    s.expect = rec_expect;
    s.file_open = rec_open;
    s.file_data = rec_fdata;
    s.file_gap = rec_fgap;
    s.file_close = rec_fclose;
    f = rw_ftp_new(&s, k);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    return f;
}

static struct rw_ftp *mk4(struct rec *r)
{
    struct rw_flow_key k = key4();

    return mk(r, &k);
}

/* Feeds text (NUL-terminated) in one call. */
static void C(struct rw_ftp *f, const char *text)
{
    rw_ftp_data(f, RW_TOSERVER, (const uint8_t *)text, strlen(text));
}

static void S(struct rw_ftp *f, const char *text)
{
    rw_ftp_data(f, RW_TOCLIENT, (const uint8_t *)text, strlen(text));
}

static int addr_is(const struct rw_addr *a, const char *text)
{
    struct rw_addr want = rw_test_addr(text);

    return a->family == want.family && memcmp(a->a, want.a, sizeof(want.a)) == 0;
}

/* Checks call i exactly. name NULL: the empty name with uri NULL. */
static void check_call(const struct rec *r, size_t i, const char *cli, uint16_t cport,
                       const char *srv, uint16_t sport, uint8_t dir, const char *name,
                       const char *method, uint8_t cred, uint8_t anon)
{
    const struct call *c;

    CU_ASSERT_FATAL(i < r->n);
    c = &r->c[i];
    CU_ASSERT(addr_is(&c->cli, cli));
    CU_ASSERT_EQUAL(c->cport, cport);
    CU_ASSERT(addr_is(&c->srv, srv));
    CU_ASSERT_EQUAL(c->sport, sport);
    CU_ASSERT_EQUAL(c->dir, dir);
    CU_ASSERT_EQUAL(c->name_len, name != NULL ? strlen(name) : 0);
    CU_ASSERT_STRING_EQUAL(c->name, name != NULL ? name : "");
    CU_ASSERT_FALSE(c->app_null);
    CU_ASSERT_STRING_EQUAL(c->app, "ftp-data");
    CU_ASSERT_FALSE(c->method_null);
    CU_ASSERT_STRING_EQUAL(c->method, method);
    if (name == NULL || name[0] == '\0') {
        CU_ASSERT(c->uri_null);
    } else {
        CU_ASSERT_FALSE(c->uri_null);
        CU_ASSERT_STRING_EQUAL(c->uri, name);
    }
    CU_ASSERT_EQUAL(c->cred, cred);
    CU_ASSERT_EQUAL(c->anon, anon);
    CU_ASSERT_FALSE(c->other_meta);
    CU_ASSERT_EQUAL(r->other_calls, 0);
}

#define CNT(f) (rw_ftp_counters(f))

/* Login as a named user (credentials). */
static void login_alice(struct rw_ftp *f)
{
    S(f, "220 (vsFTPd 3.0.3)\r\n");
    C(f, "USER alice\r\n");
    S(f, "331 Please specify the password.\r\n");
    C(f, "PASS wonderland\r\n");
    S(f, "230 Login successful.\r\n");
}

/* ---------------------------------------------------------------------------------------- */
/* announcements */

static void test_ftp_pasv_stor_expects_control_endpoints(void)
{
    struct rec r;
    struct rw_ftp *f = mk4(&r);

    login_alice(f);
    C(f, "TYPE I\r\n");
    S(f, "200 Switching to Binary mode.\r\n");
    C(f, "PASV\r\n");
    S(f, "227 Entering Passive Mode (10,0,0,2,156,64).\r\n");
    CU_ASSERT_EQUAL(r.total, 0);
    C(f, "STOR /up/report.pdf\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 1);
    /* Passive: any client port, the server's 156*256+64 = 40000. */
    check_call(&r, 0, "10.0.0.1", 0, "10.0.0.2", 40000, RW_TOSERVER, "/up/report.pdf", "STOR", 1,
               0);
    S(f, "150 Ok to send data.\r\n226 Transfer complete.\r\n");
    C(f, "QUIT\r\n");
    S(f, "221 Goodbye.\r\n");
    rw_ftp_end(f);
    CU_ASSERT_EQUAL(r.total, 1);
    CU_ASSERT_EQUAL(CNT(f)->announcements, 1);
    CU_ASSERT_EQUAL(CNT(f)->announcements_bad, 0);
    CU_ASSERT_EQUAL(CNT(f)->transfers, 1);
    CU_ASSERT_EQUAL(CNT(f)->transfers_unannounced, 0);
    CU_ASSERT_EQUAL(CNT(f)->transfers_dropped, 0);
    CU_ASSERT_EQUAL(CNT(f)->expects, 1);
    CU_ASSERT_EQUAL(CNT(f)->logins, 1);
    CU_ASSERT_EQUAL(CNT(f)->logins_anonymous, 0);
    CU_ASSERT_EQUAL(CNT(f)->lines[RW_TOSERVER], 6);
    CU_ASSERT_EQUAL(CNT(f)->lines[RW_TOCLIENT], 8);
    CU_ASSERT_EQUAL(CNT(f)->replies_bad, 0);
    rw_ftp_free(&f);
    CU_ASSERT_PTR_NULL(f);
}

/* One PASV reply text, one STOR: the port it yields (0 = no expect, counted bad). */
static uint16_t pasv_port_of(const char *reply, uint64_t *bad)
{
    struct rec r;
    struct rw_ftp *f = mk4(&r);
    uint16_t port = 0;

    C(f, "PASV\r\n");
    S(f, reply);
    C(f, "STOR x\r\n");
    *bad = CNT(f)->announcements_bad;
    if (r.n > 0)
        port = r.c[0].sport;
    if (r.n > 0)
        CU_ASSERT(addr_is(&r.c[0].srv, "10.0.0.2"));
    CU_ASSERT_EQUAL(r.total, port != 0 ? 1 : 0);
    rw_ftp_free(&f);
    return port;
}

static void test_ftp_pasv_numbers_anywhere_in_227(void)
{
    uint64_t bad;

    CU_ASSERT_EQUAL(pasv_port_of("227 Entering Passive Mode (10,0,0,2,4,1)\r\n", &bad), 1025);
    CU_ASSERT_EQUAL(bad, 0);
    /* No parentheses (RFC 1123 4.1.2.6), "=" prefix, trailing text. */
    CU_ASSERT_EQUAL(pasv_port_of("227 Entering Passive Mode 10,0,0,2,4,2\r\n", &bad), 1026);
    CU_ASSERT_EQUAL(pasv_port_of("227 =10,0,0,2,4,3 is it\r\n", &bad), 1027);
    CU_ASSERT_EQUAL(pasv_port_of("227 Mode 1 on 10,0,0,2,4,4.\r\n", &bad), 1028);
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(pasv_port_of("227 10,0,0,2,255,255\r\n", &bad), 65535);
    /* A bad run is skipped whole, not read from its middle: the next good run counts. */
    CU_ASSERT_EQUAL(pasv_port_of("227 (300,0,0,2,4,5) then 10,0,0,2,4,6\r\n", &bad), 1030);
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(pasv_port_of("227 (1000,0,0,2,4,5)\r\n", &bad), 0);
    CU_ASSERT_EQUAL(bad, 1);
    /* A seventh field makes the run not six numbers. */
    CU_ASSERT_EQUAL(pasv_port_of("227 (10,0,0,2,4,5,6)\r\n", &bad), 0);
    CU_ASSERT_EQUAL(bad, 1);
    /* Multi-line 227 with the numbers on a continuation line. */
    CU_ASSERT_EQUAL(pasv_port_of("227-Entering Passive Mode\r\n 10,0,0,2,4,7\r\n227 OK\r\n", &bad),
                    1031);
    CU_ASSERT_EQUAL(bad, 0);
    /* Two sets in one reply: the first is the announcement. */
    CU_ASSERT_EQUAL(pasv_port_of("227-(10,0,0,2,4,8)\r\n227 (10,0,0,2,4,9)\r\n", &bad), 1032);
    CU_ASSERT_EQUAL(pasv_port_of("227 (10,0,0,2,4,8) (10,0,0,2,4,9)\r\n", &bad), 1032);
}

static void test_ftp_epsv_any_delimiter(void)
{
    static const struct {
        const char *reply;
        uint16_t port;
    } cases[] = {
        {"229 Entering Extended Passive Mode (|||40001|)\r\n", 40001},
        {"229 Entering Extended Passive Mode (!!!40002!)\r\n", 40002},
        {"229 (###5#)\r\n", 5},
        {"229 ok (~~~65535~)\r\n", 65535},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct rec r;
        struct rw_ftp *f = mk4(&r);

        C(f, "EPSV\r\n");
        S(f, cases[i].reply);
        C(f, "RETR pub/rand.txt\r\n");
        CU_ASSERT_EQUAL(r.total, 1);
        /* EPSV names no address: only the control connection's server. */
        check_call(&r, 0, "10.0.0.1", 0, "10.0.0.2", cases[i].port, RW_TOCLIENT, "pub/rand.txt",
                   "RETR", 0, 0);
        CU_ASSERT_EQUAL(CNT(f)->announcements, 1);
        rw_ftp_free(&f);
    }
}

static void test_ftp_port_active_stor(void)
{
    struct rec r;
    struct rw_ftp *f = mk4(&r);

    login_alice(f);
    C(f, "PORT 10,0,0,1,200,10\r\n");
    CU_ASSERT_EQUAL(CNT(f)->announcements, 1);
    S(f, "200 PORT command successful. Consider using PASV.\r\n");
    C(f, "STOR index.html\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 1);
    /* Active: the client's announced port, any server port. */
    check_call(&r, 0, "10.0.0.1", 51210, "10.0.0.2", 0, RW_TOSERVER, "index.html", "STOR", 1, 0);
    /* Blanks around PORT's argument are fine; another address adds a second call. */
    C(f, "PORT  10,0,0,9,200,11 \r\n");
    S(f, "200 ok\r\n");
    C(f, "RETR b.bin\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 3);
    check_call(&r, 1, "10.0.0.1", 51211, "10.0.0.2", 0, RW_TOCLIENT, "b.bin", "RETR", 1, 0);
    check_call(&r, 2, "10.0.0.9", 51211, "10.0.0.2", 0, RW_TOCLIENT, "b.bin", "RETR", 1, 0);
    /* PORT 0.0.0.0: only the control address. */
    C(f, "PORT 0,0,0,0,200,12\r\n");
    C(f, "STOR c\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 4);
    check_call(&r, 3, "10.0.0.1", 51212, "10.0.0.2", 0, RW_TOSERVER, "c", "STOR", 1, 0);
    CU_ASSERT_EQUAL(CNT(f)->expects, 4);
    rw_ftp_free(&f);
}

static void test_ftp_port_refused_is_not_used(void)
{
    struct rec r;
    struct rw_ftp *f = mk4(&r);

    C(f, "PORT 10,0,0,1,200,10\r\n");
    S(f, "500 Illegal PORT command.\r\n");
    C(f, "STOR x\r\n");
    CU_ASSERT_EQUAL(r.total, 0);
    CU_ASSERT_EQUAL(CNT(f)->transfers_unannounced, 1);
    rw_ftp_free(&f);
}

static void test_ftp_eprt_ipv4_and_ipv6(void)
{
    struct rec r;
    struct rw_ftp *f = mk4(&r);
    struct rw_flow_key k6 = key6();

    C(f, "EPRT |1|10.0.0.1|6000|\r\n");
    S(f, "200 EPRT command successful.\r\n");
    C(f, "APPE log.txt\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 1);
    check_call(&r, 0, "10.0.0.1", 6000, "10.0.0.2", 0, RW_TOSERVER, "log.txt", "APPE", 0, 0);
    rw_ftp_free(&f);

    f = mk(&r, &k6);
    C(f, "EPRT |2|fd00:10:16:1::3|6001|\r\n");
    S(f, "200 EPRT command successful.\r\n");
    C(f, "STOR a.txt\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 1);
    check_call(&r, 0, "fd00:10:16:1::3", 6001, "fd00:10:16:1::2", 0, RW_TOSERVER, "a.txt", "STOR",
               0, 0);
    /* Another delimiter and another address: two calls, control address first. */
    C(f, "EPRT !2!fd00::7!6002!\r\n");
    S(f, "200 ok\r\n");
    C(f, "RETR b.txt\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 3);
    check_call(&r, 1, "fd00:10:16:1::3", 6002, "fd00:10:16:1::2", 0, RW_TOCLIENT, "b.txt", "RETR",
               0, 0);
    check_call(&r, 2, "fd00::7", 6002, "fd00:10:16:1::2", 0, RW_TOCLIENT, "b.txt", "RETR", 0, 0);
    /* EPRT with IPv4 on an IPv6 control connection: the family differs, one call. */
    C(f, "EPRT |1|192.0.2.1|6003|\r\n");
    C(f, "STOR c.txt\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 4);
    check_call(&r, 3, "fd00:10:16:1::3", 6003, "fd00:10:16:1::2", 0, RW_TOSERVER, "c.txt", "STOR",
               0, 0);
    /* EPSV on IPv6. */
    C(f, "EPSV\r\n");
    S(f, "229 Entering Extended Passive Mode (|||30001|)\r\n");
    C(f, "STOR d.txt\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 5);
    check_call(&r, 4, "fd00:10:16:1::3", 0, "fd00:10:16:1::2", 30001, RW_TOSERVER, "d.txt", "STOR",
               0, 0);
    /* PASV's IPv4 address on an IPv6 control connection: one call. */
    C(f, "PASV\r\n");
    S(f, "227 Entering Passive Mode (192,0,2,1,117,49).\r\n");
    C(f, "STOR e.txt\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 6);
    check_call(&r, 5, "fd00:10:16:1::3", 0, "fd00:10:16:1::2", 30001, RW_TOSERVER, "e.txt", "STOR",
               0, 0);
    CU_ASSERT_EQUAL(CNT(f)->announcements, 5);
    rw_ftp_free(&f);
}

static void test_ftp_pasv_other_address_two_calls(void)
{
    struct rec r;
    struct rw_ftp *f = mk4(&r);

    /* A server behind NAT announcing its private address. */
    C(f, "PASV\r\n");
    S(f, "227 Entering Passive Mode (192,168,1,5,117,48).\r\n");
    C(f, "STOR a\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 2);
    check_call(&r, 0, "10.0.0.1", 0, "10.0.0.2", 30000, RW_TOSERVER, "a", "STOR", 0, 0);
    check_call(&r, 1, "10.0.0.1", 0, "192.168.1.5", 30000, RW_TOSERVER, "a", "STOR", 0, 0);
    /* 0.0.0.0: only the control connection's server. */
    C(f, "PASV\r\n");
    S(f, "227 Entering Passive Mode (0,0,0,0,117,49).\r\n");
    C(f, "RETR b\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 3);
    check_call(&r, 2, "10.0.0.1", 0, "10.0.0.2", 30001, RW_TOCLIENT, "b", "RETR", 0, 0);
    CU_ASSERT_EQUAL(CNT(f)->expects, 3);
    CU_ASSERT_EQUAL(CNT(f)->transfers, 2);
    rw_ftp_free(&f);
}

/* ---------------------------------------------------------------------------------------- */
/* transfer commands */

static void test_ftp_stou_name_from_preliminary_reply(void)
{
    struct rec r;
    struct rw_ftp *f = mk4(&r);

    C(f, "PASV\r\n");
    S(f, "227 Entering Passive Mode (10,0,0,2,117,48).\r\n");
    C(f, "STOU\r\n");
    CU_ASSERT_EQUAL(r.total, 0); /* waits for the 1xx reply */
    S(f, "150 FILE: stou.6Hf2a\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 1);
    check_call(&r, 0, "10.0.0.1", 0, "10.0.0.2", 30000, RW_TOSERVER, "stou.6Hf2a", "STOU", 0, 0);
    S(f, "226 Transfer complete.\r\n");
    /* 125 works the same. */
    C(f, "PASV\r\n");
    S(f, "227 Entering Passive Mode (10,0,0,2,117,49).\r\n");
    C(f, "STOU\r\n");
    S(f, "125 FILE: u2\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 2);
    check_call(&r, 1, "10.0.0.1", 0, "10.0.0.2", 30001, RW_TOSERVER, "u2", "STOU", 0, 0);
    S(f, "226 ok\r\n");
    /* A 1xx without FILE: the call is made with an empty name. */
    C(f, "PASV\r\n");
    S(f, "227 Entering Passive Mode (10,0,0,2,117,50).\r\n");
    C(f, "STOU\r\n");
    S(f, "150 Opening BINARY mode data connection.\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 3);
    check_call(&r, 2, "10.0.0.1", 0, "10.0.0.2", 30002, RW_TOSERVER, NULL, "STOU", 0, 0);
    S(f, "226 ok\r\n");
    /* A STOU answered 226 without a 1xx, and one refused: dropped, no call. */
    C(f, "PASV\r\n");
    S(f, "227 Entering Passive Mode (10,0,0,2,117,51).\r\n");
    C(f, "STOU\r\n");
    S(f, "226 ok\r\n");
    CU_ASSERT_EQUAL(CNT(f)->transfers_dropped, 1);
    C(f, "PASV\r\n");
    S(f, "227 Entering Passive Mode (10,0,0,2,117,52).\r\n");
    C(f, "STOU\r\n");
    S(f, "553 Could not create file.\r\n");
    CU_ASSERT_EQUAL(r.total, 3);
    CU_ASSERT_EQUAL(CNT(f)->transfers, 5);
    CU_ASSERT_EQUAL(CNT(f)->transfers_dropped, 2);
    rw_ftp_free(&f);
    /* Only STOU's own 1xx names it: a LIST answered earlier in a pipeline does not. */
    f = mk4(&r);
    C(f, "PASV\r\nLIST\r\nPORT 10,0,0,1,0,9\r\nSTOU\r\n");
    S(f, "227 (10,0,0,2,0,21)\r\n150 FILE: not-this\r\n226 ok\r\n200 PORT ok\r\n");
    CU_ASSERT_EQUAL(r.total, 0);
    S(f, "150 FILE: s.1\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 1);
    check_call(&r, 0, "10.0.0.1", 9, "10.0.0.2", 0, RW_TOSERVER, "s.1", "STOU", 0, 0);
    rw_ftp_free(&f);
}

static void test_ftp_directions_and_methods(void)
{
    static const struct {
        const char *cmd, *method, *name;
        uint8_t dir;
    } cases[] = {
        {"STOR up.bin\r\n", "STOR", "up.bin", RW_TOSERVER},
        {"APPE up.log\r\n", "APPE", "up.log", RW_TOSERVER},
        {"RETR down.zip\r\n", "RETR", "down.zip", RW_TOCLIENT},
        {"RETR dir with spaces/f n.txt\r\n", "RETR", "dir with spaces/f n.txt", RW_TOCLIENT},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct rec r;
        struct rw_ftp *f = mk4(&r);

        C(f, "PASV\r\n");
        S(f, "227 (10,0,0,2,0,21)\r\n");
        C(f, cases[i].cmd);
        CU_ASSERT_EQUAL(r.total, 1);
        check_call(&r, 0, "10.0.0.1", 0, "10.0.0.2", 21, cases[i].dir, cases[i].name,
                   cases[i].method, 0, 0);
        rw_ftp_free(&f);
    }
}

static void test_ftp_epsv_all_is_not_an_announcement(void)
{
    struct rec r;
    struct rw_ftp *f = mk4(&r);

    /* EPSV ALL only forbids PORT from now on: the 227 before it is still to be used. */
    C(f, "PASV\r\n");
    S(f, "227 (10,0,0,2,0,21)\r\n");
    C(f, "EPSV ALL\r\n");
    S(f, "200 EPSV ALL ok.\r\n");
    C(f, "STOR x\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 1);
    check_call(&r, 0, "10.0.0.1", 0, "10.0.0.2", 21, RW_TOSERVER, "x", "STOR", 0, 0);
    CU_ASSERT_EQUAL(CNT(f)->announcements_bad, 0);
    rw_ftp_free(&f);
}

static void test_ftp_transfer_without_argument_is_ignored(void)
{
    struct rec r;
    struct rw_ftp *f = mk4(&r);

    C(f, "PASV\r\n");
    S(f, "227 (10,0,0,2,0,21)\r\n");
    C(f, "STOR\r\nRETR\r\nAPPE\r\n");
    CU_ASSERT_EQUAL(r.total, 0);
    CU_ASSERT_EQUAL(CNT(f)->transfers, 0);
    /* The announcement is still there for the next real transfer. */
    C(f, "STOR real\r\n");
    CU_ASSERT_EQUAL(r.total, 1);
    check_call(&r, 0, "10.0.0.1", 0, "10.0.0.2", 21, RW_TOSERVER, "real", "STOR", 0, 0);
    rw_ftp_free(&f);
}

static void test_ftp_listings_consume_announcement(void)
{
    static const char *const lists[] = {"LIST\r\n", "NLST -la\r\n", "MLSD /pub\r\n", "list\r\n"};

    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        struct rec r;
        struct rw_ftp *f = mk4(&r);

        C(f, "PASV\r\n");
        S(f, "227 (10,0,0,2,0,21)\r\n");
        C(f, lists[i]);
        CU_ASSERT_EQUAL(r.total, 0);
        S(f, "150 Here comes the directory listing.\r\n226 Directory send OK.\r\n");
        C(f, "STOR a\r\n");
        CU_ASSERT_EQUAL(r.total, 0);
        CU_ASSERT_EQUAL(CNT(f)->transfers, 1);
        CU_ASSERT_EQUAL(CNT(f)->transfers_unannounced, 1);
        CU_ASSERT_EQUAL(CNT(f)->expects, 0);
        rw_ftp_free(&f);
    }
}

static void test_ftp_second_transfer_needs_new_announcement(void)
{
    struct rec r;
    struct rw_ftp *f = mk4(&r);

    C(f, "PASV\r\n");
    S(f, "227 (10,0,0,2,0,21)\r\n");
    C(f, "STOR a\r\n");
    S(f, "150 ok\r\n226 ok\r\n");
    C(f, "STOR b\r\n");
    S(f, "425 Use PORT or PASV first.\r\n");
    C(f, "RETR c\r\n");
    CU_ASSERT_EQUAL(r.total, 1);
    CU_ASSERT_EQUAL(CNT(f)->transfers, 3);
    CU_ASSERT_EQUAL(CNT(f)->transfers_unannounced, 2);
    CU_ASSERT_EQUAL(CNT(f)->expects, 1);
    /* A PORT is also used up by one transfer. */
    C(f, "PORT 10,0,0,1,0,22\r\n");
    C(f, "RETR d\r\n");
    C(f, "RETR e\r\n");
    CU_ASSERT_EQUAL(r.total, 2);
    check_call(&r, 1, "10.0.0.1", 22, "10.0.0.2", 0, RW_TOCLIENT, "d", "RETR", 0, 0);
    CU_ASSERT_EQUAL(CNT(f)->transfers_unannounced, 3);
    rw_ftp_free(&f);
}

static void test_ftp_pipelined_pasv_then_stor(void)
{
    struct rec r;
    struct rw_ftp *f = mk4(&r);

    C(f, "PASV\r\nSTOR pipelined.bin\r\n");
    CU_ASSERT_EQUAL(r.total, 0);
    S(f, "227 Entering Passive Mode (10,0,0,2,100,1).\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 1);
    check_call(&r, 0, "10.0.0.1", 0, "10.0.0.2", 25601, RW_TOSERVER, "pipelined.bin", "STOR", 0,
               0);
    S(f, "150 ok\r\n226 ok\r\n");
    /* PASV, LIST, STOR pipelined: LIST takes the reply, STOR has none. */
    C(f, "PASV\r\nLIST\r\nSTOR late\r\n");
    S(f, "227 Entering Passive Mode (10,0,0,2,100,2).\r\n");
    CU_ASSERT_EQUAL(r.total, 1);
    CU_ASSERT_EQUAL(CNT(f)->transfers_unannounced, 1);
    /* Pipelined PASV refused: the waiting STOR is dropped. */
    C(f, "PASV\r\nRETR gone\r\n");
    S(f, "150 x\r\n226 y\r\n"); /* replies to LIST */
    S(f, "425 ok\r\n");         /* to STOR late */
    S(f, "500 PASV not allowed.\r\n");
    CU_ASSERT_EQUAL(r.total, 1);
    CU_ASSERT_EQUAL(CNT(f)->transfers_dropped, 1);
    /* Pipelined EPSV and STOU: the call waits for both the 229 and the 150 FILE:. */
    C(f, "EPSV\r\nSTOU\r\n");
    S(f, "500 no\r\n"); /* to RETR gone */
    S(f, "229 Entering Extended Passive Mode (|||4000|)\r\n");
    CU_ASSERT_EQUAL(r.total, 1);
    S(f, "150 FILE: u.1\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 2);
    check_call(&r, 1, "10.0.0.1", 0, "10.0.0.2", 4000, RW_TOSERVER, "u.1", "STOU", 0, 0);
    rw_ftp_free(&f);
}

static void test_ftp_pending_transfer_replaced_is_dropped(void)
{
    struct rec r;
    struct rw_ftp *f = mk4(&r);

    /* STOR a waits for the 227 of its pipelined PASV; the client moves on to PORT and
     * STOR b before any reply: a is abandoned (counted), b is announced by the PORT. */
    C(f, "PASV\r\nSTOR a\r\nPORT 10,0,0,1,0,5\r\nSTOR b\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 1);
    check_call(&r, 0, "10.0.0.1", 5, "10.0.0.2", 0, RW_TOSERVER, "b", "STOR", 0, 0);
    CU_ASSERT_EQUAL(CNT(f)->transfers, 2);
    CU_ASSERT_EQUAL(CNT(f)->transfers_dropped, 1);
    rw_ftp_free(&f);
}

static void test_ftp_pipeline_overflow_counted(void)
{
    struct rec r;
    struct rw_ftp *f = mk4(&r);

    for (int i = 0; i < RW_FTP_PIPELINE_MAX + 3; i++)
        C(f, "NOOP\r\n");
    CU_ASSERT_EQUAL(CNT(f)->pipeline_overflow, 3);
    rw_ftp_free(&f);
}

/* ---------------------------------------------------------------------------------------- */
/* logins and passwords */

/* Logs in with user/reply sequence and does one PASV STOR; returns cred*2+anon of the call. */
static int login_meta(const char *user, const char *final_reply, uint64_t *anon_logins)
{
    struct rec r;
    struct rw_ftp *f = mk4(&r);
    int out = -1;

    S(f, "220 hi\r\n");
    C(f, user);
    S(f, "331 Password please.\r\n");
    C(f, "PASS guest@example.org\r\n");
    S(f, final_reply);
    C(f, "PASV\r\n");
    S(f, "227 (10,0,0,2,0,21)\r\n");
    C(f, "STOR x\r\n");
    CU_ASSERT_EQUAL(r.total, 1);
    if (r.n == 1)
        out = r.c[0].cred * 2 + r.c[0].anon;
    *anon_logins = CNT(f)->logins_anonymous;
    rw_ftp_free(&f);
    return out;
}

static void test_ftp_login_anonymous_or_credentials(void)
{
    uint64_t a;

    CU_ASSERT_EQUAL(login_meta("USER anonymous\r\n", "230 Login successful.\r\n", &a), 1);
    CU_ASSERT_EQUAL(a, 1);
    CU_ASSERT_EQUAL(login_meta("USER ftp\r\n", "230 Login successful.\r\n", &a), 1);
    CU_ASSERT_EQUAL(a, 1);
    CU_ASSERT_EQUAL(login_meta("user Anonymous\r\n", "230 ok\r\n", &a), 1);
    CU_ASSERT_EQUAL(login_meta("USER alice\r\n", "230 Login successful.\r\n", &a), 2);
    CU_ASSERT_EQUAL(a, 0);
    /* "anonymousX" is a named user. */
    CU_ASSERT_EQUAL(login_meta("USER anonymousX\r\n", "230 ok\r\n", &a), 2);
    /* Refused logins give neither flag. */
    CU_ASSERT_EQUAL(login_meta("USER alice\r\n", "530 Login incorrect.\r\n", &a), 0);
    CU_ASSERT_EQUAL(login_meta("USER anonymous\r\n", "530 Login incorrect.\r\n", &a), 0);
    CU_ASSERT_EQUAL(a, 0);
    /* Multi-line 230. */
    CU_ASSERT_EQUAL(login_meta("USER bob\r\n", "230-Welcome\r\n230-to the server\r\n230 ok\r\n", &a),
                    2);
}

static void test_ftp_refused_relogin_keeps_login(void)
{
    struct rec r;
    struct rw_ftp *f = mk4(&r);

    login_alice(f);
    C(f, "USER anonymous\r\n");
    S(f, "530 Can't change to another user.\r\n");
    C(f, "PASS x\r\n");
    S(f, "503 Login with USER first.\r\n");
    C(f, "PORT 10,0,0,1,0,5\r\nSTOR x\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 1);
    check_call(&r, 0, "10.0.0.1", 5, "10.0.0.2", 0, RW_TOSERVER, "x", "STOR", 1, 0);
    /* An accepted change of user replaces it. */
    C(f, "USER ftp\r\n");
    S(f, "331 ok\r\n");
    C(f, "PASS a@b\r\n");
    S(f, "230 ok\r\n");
    C(f, "PORT 10,0,0,1,0,6\r\nSTOR y\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 2);
    check_call(&r, 1, "10.0.0.1", 6, "10.0.0.2", 0, RW_TOSERVER, "y", "STOR", 0, 1);
    CU_ASSERT_EQUAL(CNT(f)->logins, 2);
    CU_ASSERT_EQUAL(CNT(f)->logins_anonymous, 1);
    rw_ftp_free(&f);
    /* A 230 that followed no USER: neither flag. */
    f = mk4(&r);
    S(f, "230 Welcome, autologin\r\n");
    C(f, "PORT 10,0,0,1,0,7\r\nSTOR z\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 1);
    check_call(&r, 0, "10.0.0.1", 7, "10.0.0.2", 0, RW_TOSERVER, "z", "STOR", 0, 0);
    rw_ftp_free(&f);
}

static void test_ftp_rein_forgets_login(void)
{
    struct rec r;
    struct rw_ftp *f = mk4(&r);

    login_alice(f);
    C(f, "REIN\r\n");
    S(f, "220 ready\r\n");
    C(f, "PASV\r\n");
    S(f, "227 (10,0,0,2,0,21)\r\n");
    C(f, "STOR x\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 1);
    check_call(&r, 0, "10.0.0.1", 0, "10.0.0.2", 21, RW_TOSERVER, "x", "STOR", 0, 0);
    rw_ftp_free(&f);
}

/* The parser's state and the buffers it holds while a line spans packets. */
static int state_holds(const struct rw_ftp *f, const char *needle)
{
    for (uint8_t dir = RW_TOSERVER; dir <= RW_TOCLIENT; dir++) {
        const uint8_t *b = rw__ftp_line_buf(f, dir);

        if (b != NULL && memmem(b, RW_FTP_LINE_MAX_BYTES, needle, strlen(needle)) != NULL)
            return 1;
    }
    return memmem(f, rw__ftp_state_size(), needle, strlen(needle)) != NULL;
}

static void test_ftp_password_never_kept(void)
{
    struct rec r;
    struct rw_ftp *f = mk4(&r);
    char longpass[RW_FTP_LINE_MAX_BYTES + 64];

    /* The needle itself must be findable: the user name is kept nowhere either, so check
     * the search with a line still in the buffer. */
    C(f, "USER zorro\r\nPASS Kq7!unguessable-PW");
    CU_ASSERT(state_holds(f, "Kq7!unguessable")); /* partial line: in the buffer, for now */
    C(f, "\r\n");
    CU_ASSERT_FALSE(state_holds(f, "Kq7!unguessable"));
    CU_ASSERT_FALSE(state_holds(f, "unguess"));
    S(f, "230 ok\r\n");
    CU_ASSERT_FALSE(state_holds(f, "unguess"));
    /* A partial PASS line lost to a gap. */
    C(f, "PASS Gap9-secret-xyz");
    CU_ASSERT(state_holds(f, "Gap9-secret"));
    rw_ftp_gap(f, RW_TOSERVER, 10);
    CU_ASSERT_FALSE(state_holds(f, "Gap9-secret"));
    C(f, "\r\n");
    /* An overlong PASS line. */
    memset(longpass, 'p', sizeof(longpass));
    memcpy(longpass, "PASS Long5-secret-", 18);
    rw_ftp_data(f, RW_TOSERVER, (const uint8_t *)longpass, RW_FTP_LINE_MAX_BYTES - 10);
    CU_ASSERT(state_holds(f, "Long5-secret"));
    rw_ftp_data(f, RW_TOSERVER, (const uint8_t *)longpass, 64);
    CU_ASSERT_EQUAL(CNT(f)->lines_overlong[RW_TOSERVER], 1);
    CU_ASSERT_FALSE(state_holds(f, "Long5-secret"));
    C(f, "\r\n");
    /* A partial PASS line when the connection ends. */
    C(f, "PASS End3-secret-abc");
    CU_ASSERT(state_holds(f, "End3-secret"));
    rw_ftp_end(f);
    CU_ASSERT_FALSE(state_holds(f, "End3-secret"));
    /* AUTH TLS 234 with a partial PASS line pending. */
    rw_ftp_free(&f);
    f = mk4(&r);
    C(f, "AUTH TLS\r\nPASS Tls1-secret-q");
    S(f, "234 Proceed with negotiation.\r\n");
    CU_ASSERT_FALSE(state_holds(f, "Tls1-secret"));
    rw_ftp_free(&f);
}

/* ---------------------------------------------------------------------------------------- */
/* lines and replies */

static void test_ftp_multiline_reply_pairs_once(void)
{
    struct rec r;
    struct rw_ftp *f = mk4(&r);

    /* A continuation line that starts with another code does not end the reply. */
    S(f, "220-Welcome\r\n230 not the end\r\n220-still\r\n220 done\r\n");
    CU_ASSERT_EQUAL(CNT(f)->logins, 0);
    CU_ASSERT_EQUAL(CNT(f)->replies_bad, 0);
    /* "227-" inside a 211 reply is text, not an announcement. */
    C(f, "STAT\r\n");
    S(f, "211-Status\r\n227 (10,0,0,2,0,21)\r\n211 End\r\n");
    CU_ASSERT_EQUAL(CNT(f)->announcements, 0);
    /* A multi-line 227 to PASV pairs with it; STOR gets the endpoint. */
    C(f, "PASV\r\n");
    S(f, "227-Entering Passive Mode (10,0,0,2,0,22)\r\n227-more\r\n227 done\r\n");
    C(f, "STOR x\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 1);
    CU_ASSERT_EQUAL(r.c[0].sport, 22);
    CU_ASSERT_EQUAL(CNT(f)->announcements, 1);
    /* Not replies: counted. */
    S(f, "hello\r\n99 x\r\n2222 x\r\n600 x\r\n");
    CU_ASSERT_EQUAL(CNT(f)->replies_bad, 4);
    rw_ftp_free(&f);
}

static void test_ftp_commands_case_insensitive(void)
{
    struct rec r;
    struct rw_ftp *f = mk4(&r);

    C(f, "pasv\r\n");
    S(f, "227 (10,0,0,2,0,21)\r\n");
    C(f, "sToR MixedCase.TXT\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 1);
    check_call(&r, 0, "10.0.0.1", 0, "10.0.0.2", 21, RW_TOSERVER, "MixedCase.TXT", "STOR", 0, 0);
    C(f, "Port 10,0,0,1,0,23\r\nretr y\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 2);
    check_call(&r, 1, "10.0.0.1", 23, "10.0.0.2", 0, RW_TOCLIENT, "y", "RETR", 0, 0);
    /* Not verbs: near misses. */
    C(f, "PORT 10,0,0,1,0,24\r\nSTORE z\r\nSTO z\r\n");
    CU_ASSERT_EQUAL(r.total, 2);
    CU_ASSERT_EQUAL(CNT(f)->transfers, 2);
    rw_ftp_free(&f);
}

static void test_ftp_telnet_iac_skipped(void)
{
    struct rec r;
    struct rw_ftp *f = mk4(&r);

    C(f, "PASV\r\n");
    S(f, "227 (10,0,0,2,0,21)\r\n");
    C(f, "STOR a\r\n");
    S(f, "150 ok\r\n");
    /* IAC IP IAC DM ABOR: the 426 answers STOR, the 226 ABOR. */
    C(f, "\377\364\377\362ABOR\r\n");
    S(f, "426 Failure writing network stream.\r\n226 ABOR successful.\r\n");
    /* IAC IP IAC DM before a transfer verb: recognised. */
    C(f, "PASV\r\n");
    S(f, "227 (10,0,0,2,0,22)\r\n");
    C(f, "\377\364\377\362RETR b\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 2);
    check_call(&r, 1, "10.0.0.1", 0, "10.0.0.2", 22, RW_TOCLIENT, "b", "RETR", 0, 0);
    /* Option negotiation (IAC WONT x, three bytes) before a verb. */
    C(f, "PORT 10,0,0,1,0,23\r\n");
    C(f, "\377\374\001STOR c\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 3);
    check_call(&r, 2, "10.0.0.1", 23, "10.0.0.2", 0, RW_TOSERVER, "c", "STOR", 0, 0);
    /* Lone IAC bytes are harmless. */
    C(f, "\xff\r\n\xff\xff\xff\r\n");
    CU_ASSERT_EQUAL(CNT(f)->lines[RW_TOSERVER], 9);
    rw_ftp_free(&f);
}

/* A TLS record header: type, version 3.3, length. */
static void tls_record(struct rw_ftp *f, uint8_t dir, uint8_t type, const char *body)
{
    size_t n = strlen(body);
    uint8_t h[5] = {type, 3, 3, (uint8_t)(n >> 8), (uint8_t)n};

    rw_ftp_data(f, dir, h, sizeof(h));
    rw_ftp_data(f, dir, (const uint8_t *)body, n);
}

static void test_ftp_auth_tls_records_skipped_then_clear_text(void)
{
    struct rec r;
    struct rw_ftp *f = mk4(&r);

    S(f, "220 hi\r\n");
    C(f, "AUTH TLS\r\n");
    S(f, "234 Proceed with negotiation.\r\n");
    CU_ASSERT_EQUAL(CNT(f)->tls, 1);
    /* Records whose bodies look like FTP are skipped whole. */
    tls_record(f, RW_TOSERVER, 22, "PASV\r\nPORT 10,0,0,1,0,99\r\nSTOR hidden\r\n");
    tls_record(f, RW_TOCLIENT, 22, "227 (10,0,0,2,0,98)\r\n");
    tls_record(f, RW_TOCLIENT, 20, "\x01");
    tls_record(f, RW_TOSERVER, 23, "STOR hidden2\r\n");
    CU_ASSERT_EQUAL(r.total, 0);
    CU_ASSERT_EQUAL(CNT(f)->announcements, 0);
    CU_ASSERT_EQUAL(CNT(f)->tls_records[RW_TOSERVER], 2);
    CU_ASSERT_EQUAL(CNT(f)->tls_records[RW_TOCLIENT], 2);
    /* A byte that cannot start a record: clear text again, from that byte. */
    C(f, "PASV\r\n");
    S(f, "227 Entering Passive Mode (10,0,0,2,0,97).\r\n");
    C(f, "STOR clear.txt\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 1);
    check_call(&r, 0, "10.0.0.1", 0, "10.0.0.2", 97, RW_TOSERVER, "clear.txt", "STOR", 0, 0);
    /* 234 to anything but AUTH starts nothing. */
    C(f, "NOOP\r\n");
    S(f, "234 odd\r\n");
    CU_ASSERT_EQUAL(CNT(f)->tls, 1);
    rw_ftp_free(&f);
}

static void test_ftp_tls_bad_header_resyncs(void)
{
    struct rec r;
    struct rw_ftp *f = mk4(&r);
    /* A record header in all but its version: were it taken for one, its length (27)
     * would swallow the PORT and STOR lines after it. */
    static const uint8_t bad_version[] = {22, 9, 1, 0, 27, 'x', 'y', '\n'};
    static const uint8_t too_long[] = {23, 3, 3, 0xff, 0xff, '\n'};

    C(f, "AUTH TLS\r\n");
    S(f, "234 ok\r\n");
    /* Version byte not 3: skip through the next LF, then lines. */
    rw_ftp_data(f, RW_TOSERVER, bad_version, sizeof(bad_version));
    C(f, "PORT 10,0,0,1,0,5\r\nSTOR a\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 1);
    check_call(&r, 0, "10.0.0.1", 5, "10.0.0.2", 0, RW_TOSERVER, "a", "STOR", 0, 0);
    /* A record longer than TLS allows: same. */
    rw_ftp_data(f, RW_TOCLIENT, too_long, sizeof(too_long));
    S(f, "200 ok\r\n");
    CU_ASSERT_EQUAL(CNT(f)->tls_records[RW_TOCLIENT], 0);
    CU_ASSERT_EQUAL(CNT(f)->lines[RW_TOCLIENT], 2);
    rw_ftp_free(&f);
}

static void test_ftp_overlong_lines(void)
{
    struct rec r;
    struct rw_ftp *f = mk4(&r);
    char line[RW_FTP_LINE_MAX_BYTES + 2];
    char want[RW_FILE_NAME_MAX_BYTES + 1];

    /* Exactly RW_FTP_LINE_MAX_BYTES before the LF, CR included: read; the name is cut. */
    memset(line, 'n', sizeof(line));
    memcpy(line, "STOR ", 5);
    line[RW_FTP_LINE_MAX_BYTES - 1] = '\r';
    line[RW_FTP_LINE_MAX_BYTES] = '\n';
    C(f, "PASV\r\n");
    S(f, "227 (10,0,0,2,0,21)\r\n");
    rw_ftp_data(f, RW_TOSERVER, (const uint8_t *)line, RW_FTP_LINE_MAX_BYTES + 1);
    CU_ASSERT_EQUAL(CNT(f)->lines_overlong[RW_TOSERVER], 0);
    CU_ASSERT_EQUAL_FATAL(r.total, 1);
    memset(want, 'n', RW_FILE_NAME_MAX_BYTES);
    want[RW_FILE_NAME_MAX_BYTES] = '\0';
    check_call(&r, 0, "10.0.0.1", 0, "10.0.0.2", 21, RW_TOSERVER, want, "STOR", 0, 0);
    CU_ASSERT_EQUAL(CNT(f)->names_truncated, 1);
    /* One byte more: skipped through its LF, counted; the next line is read. */
    C(f, "PASV\r\n");
    S(f, "227 (10,0,0,2,0,22)\r\n");
    memset(line, 'n', sizeof(line));
    memcpy(line, "STOR ", 5);
    line[RW_FTP_LINE_MAX_BYTES] = '\r';
    line[RW_FTP_LINE_MAX_BYTES + 1] = '\n';
    rw_ftp_data(f, RW_TOSERVER, (const uint8_t *)line, sizeof(line));
    CU_ASSERT_EQUAL(CNT(f)->lines_overlong[RW_TOSERVER], 1);
    CU_ASSERT_EQUAL(r.total, 1);
    C(f, "STOR short\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 2);
    check_call(&r, 1, "10.0.0.1", 0, "10.0.0.2", 22, RW_TOSERVER, "short", "STOR", 0, 0);
    /* Overlong reply: skipped and counted; the overlong command still got paired. */
    memset(line, '7', sizeof(line));
    line[sizeof(line) - 1] = '\n';
    rw_ftp_data(f, RW_TOCLIENT, (const uint8_t *)line, sizeof(line));
    CU_ASSERT_EQUAL(CNT(f)->lines_overlong[RW_TOCLIENT], 1);
    rw_ftp_free(&f);
}

static void test_ftp_crlf_and_bare_lf_alike(void)
{
    struct rec r1, r2;
    struct rw_ftp *f1 = mk4(&r1);
    struct rw_ftp *f2 = mk4(&r2);

    C(f1, "USER anonymous\r\n");
    S(f1, "230 ok\r\n");
    C(f1, "PASV\r\n");
    S(f1, "227 (10,0,0,2,0,21)\r\n");
    C(f1, "RETR a b\r\n");
    C(f2, "USER anonymous\n");
    S(f2, "230 ok\n");
    C(f2, "PASV\n");
    S(f2, "227 (10,0,0,2,0,21)\n");
    C(f2, "RETR a b\n");
    CU_ASSERT_EQUAL_FATAL(r1.total, 1);
    CU_ASSERT_EQUAL_FATAL(r2.total, 1);
    CU_ASSERT_EQUAL(memcmp(&r1.c[0], &r2.c[0], sizeof(r1.c[0])), 0);
    check_call(&r2, 0, "10.0.0.1", 0, "10.0.0.2", 21, RW_TOCLIENT, "a b", "RETR", 0, 1);
    CU_ASSERT_EQUAL(memcmp(CNT(f1), CNT(f2), sizeof(*CNT(f1))), 0);
    rw_ftp_free(&f1);
    rw_ftp_free(&f2);
}

static void test_ftp_gap_skips_first_line(void)
{
    struct rec r;
    struct rw_ftp *f = mk4(&r);

    C(f, "PASV\r\n");
    S(f, "227 (10,0,0,2,0,21)\r\n");
    /* A gap at a line boundary: the next full line is still not acted on. */
    rw_ftp_gap(f, RW_TOSERVER, 100);
    C(f, "STOR lost\r\n");
    CU_ASSERT_EQUAL(r.total, 0);
    C(f, "STOR found\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 1);
    check_call(&r, 0, "10.0.0.1", 0, "10.0.0.2", 21, RW_TOSERVER, "found", "STOR", 0, 0);
    /* A gap in the middle of a line. */
    C(f, "PORT 10,0,0,1,0,5\r\nST");
    rw_ftp_gap(f, RW_TOSERVER, 3);
    C(f, "OR x\r\nSTOR y\r\n");
    CU_ASSERT_EQUAL_FATAL(r.total, 2);
    check_call(&r, 1, "10.0.0.1", 5, "10.0.0.2", 0, RW_TOSERVER, "y", "STOR", 0, 0);
    /* A gap before the 227: that reply is lost. */
    C(f, "PASV\r\n");
    rw_ftp_gap(f, RW_TOCLIENT, 7);
    S(f, "227 (10,0,0,2,0,22)\r\n");
    C(f, "STOR z\r\n");
    CU_ASSERT_EQUAL(r.total, 2);
    CU_ASSERT_EQUAL(CNT(f)->gaps[RW_TOSERVER], 2);
    CU_ASSERT_EQUAL(CNT(f)->gaps[RW_TOCLIENT], 1);
    rw_ftp_free(&f);
    /* A gap empties the command queue: the 234 can no longer be paired with AUTH. */
    f = mk4(&r);
    C(f, "AUTH TLS\r\n");
    rw_ftp_gap(f, RW_TOSERVER, 1);
    S(f, "234 Proceed.\r\n");
    CU_ASSERT_EQUAL(CNT(f)->tls, 0);
    CU_ASSERT_EQUAL(CNT(f)->gaps[RW_TOSERVER], 1);
    /* A zero gap is no gap. */
    rw_ftp_gap(f, RW_TOSERVER, 0);
    CU_ASSERT_EQUAL(CNT(f)->gaps[RW_TOSERVER], 1);
    rw_ftp_free(&f);
}

static void test_ftp_end_drops_pending(void)
{
    struct rec r;
    struct rw_ftp *f = mk4(&r);

    C(f, "PASV\r\nSTOR waiting\r\n");
    rw_ftp_end(f);
    CU_ASSERT_EQUAL(CNT(f)->transfers_dropped, 1);
    /* Later calls are ignored. */
    S(f, "227 (10,0,0,2,0,21)\r\n");
    C(f, "PORT 10,0,0,1,0,5\r\nSTOR after\r\n");
    rw_ftp_gap(f, RW_TOSERVER, 5);
    rw_ftp_end(f);
    CU_ASSERT_EQUAL(r.total, 0);
    CU_ASSERT_EQUAL(CNT(f)->transfers_dropped, 1);
    CU_ASSERT_EQUAL(CNT(f)->lines[RW_TOSERVER], 2);
    CU_ASSERT_EQUAL(CNT(f)->lines[RW_TOCLIENT], 0);
    CU_ASSERT_EQUAL(CNT(f)->gaps[RW_TOSERVER], 0);
    rw_ftp_free(&f);
    /* A STOU waiting for its 1xx. */
    f = mk4(&r);
    C(f, "PORT 10,0,0,1,0,5\r\nSTOU\r\n");
    rw_ftp_end(f);
    CU_ASSERT_EQUAL(r.total, 0);
    CU_ASSERT_EQUAL(CNT(f)->transfers_dropped, 1);
    rw_ftp_free(&f);
}

static void test_ftp_bad_announcements_counted(void)
{
    static const char *const bad_cmds[] = {
        "PORT 10,0,0,1,0,0\r\n",     /* port 0 */
        "PORT 10,0,0,256,1,1\r\n",   /* 256 */
        "PORT 10,0,0,1,1\r\n",       /* five numbers */
        "PORT 10,0,0,1,1,1,1\r\n",   /* seven */
        "PORT\r\n",                  /* nothing */
        "PORT 10,0,0,1,1,x\r\n",
        "PORT 0010,0,0,1,1,1\r\n",   /* four digits */
        "EPRT |3|10.0.0.1|5|\r\n",   /* family 3 */
        "EPRT |1|10.0.0.1||\r\n",    /* no port */
        "EPRT |1|10.0.0.1|0|\r\n",   /* port 0 */
        "EPRT |1|10.0.0.1|65536|\r\n",
        "EPRT |1|300.0.0.1|5|\r\n",
        "EPRT |2|10.0.0.1|5|\r\n",   /* IPv4 text as IPv6 */
        "EPRT |1|10.0.0.1|5\r\n",    /* no closing delimiter */
        "EPRT |1|10.0.0.1|5|x\r\n",
        "EPRT 1|10.0.0.1|5|1\r\n",   /* digit delimiter */
        "EPRT ||\r\n",
        "EPRT\r\n",
    };
    static const char *const bad_replies[] = {
        "227 Entering Passive Mode (256,0,0,2,1,1)\r\n",
        "227 Entering Passive Mode (10,0,0,2,0,0)\r\n",
        "227 Entering Passive Mode (10,0,0,2,1)\r\n",
        "227 Entering Passive Mode\r\n",
        "227\r\n",
        "229 Entering Extended Passive Mode (|||0|)\r\n",
        "229 Entering Extended Passive Mode (|||65536|)\r\n",
        "229 Entering Extended Passive Mode (||||)\r\n",
        "229 Entering Extended Passive Mode (|||5)\r\n",
        "229 Entering Extended Passive Mode (|1|5|)\r\n",
        "229 (1115|)\r\n",
        "229\r\n",
    };

    for (size_t i = 0; i < sizeof(bad_cmds) / sizeof(bad_cmds[0]); i++) {
        struct rec r;
        struct rw_ftp *f = mk4(&r);

        C(f, bad_cmds[i]);
        C(f, "STOR x\r\n");
        CU_ASSERT_EQUAL(r.total, 0);
        CU_ASSERT_EQUAL(CNT(f)->announcements, 0);
        if (CNT(f)->announcements_bad != 1)
            fprintf(stderr, "\nnot counted bad: %s", bad_cmds[i]);
        CU_ASSERT_EQUAL(CNT(f)->announcements_bad, 1);
        CU_ASSERT_EQUAL(CNT(f)->transfers_unannounced, 1);
        rw_ftp_free(&f);
    }
    for (size_t i = 0; i < sizeof(bad_replies) / sizeof(bad_replies[0]); i++) {
        struct rec r;
        struct rw_ftp *f = mk4(&r);

        C(f, bad_replies[i][2] == '7' ? "PASV\r\n" : "EPSV\r\n");
        S(f, bad_replies[i]);
        C(f, "STOR x\r\n");
        CU_ASSERT_EQUAL(r.total, 0);
        CU_ASSERT_EQUAL(CNT(f)->announcements, 0);
        if (CNT(f)->announcements_bad != 1)
            fprintf(stderr, "\nnot counted bad: %s", bad_replies[i]);
        CU_ASSERT_EQUAL(CNT(f)->announcements_bad, 1);
        CU_ASSERT_EQUAL(CNT(f)->transfers_unannounced, 1);
        rw_ftp_free(&f);
    }
}

static void test_ftp_null_sink_and_bad_arguments(void)
{
    struct rw_flow_key k = key4();
    struct rw_xfer_sink s;
    struct rw_ftp *f = rw_ftp_new(NULL, &k);

    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    C(f, "PASV\r\n");
    S(f, "227 (10,0,0,2,0,21)\r\n");
    C(f, "STOR x\r\n");
    CU_ASSERT_EQUAL(CNT(f)->transfers, 1);
    CU_ASSERT_EQUAL(CNT(f)->expects, 0);
    /* Bad directions and NULL bytes are ignored. */
    rw_ftp_data(f, 2, (const uint8_t *)"PASV\r\n", 6);
    rw_ftp_data(f, RW_TOSERVER, NULL, 6);
    rw_ftp_gap(f, 7, 1);
    CU_ASSERT_EQUAL(CNT(f)->lines[0] + CNT(f)->lines[1], 3);
    CU_ASSERT_EQUAL(CNT(f)->gaps[0] + CNT(f)->gaps[1], 0);
    rw_ftp_free(&f);
    memset(&s, 0, sizeof(s));
    f = rw_ftp_new(&s, &k); /* expect NULL */
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    C(f, "PORT 10,0,0,1,0,5\r\nSTOR y\r\n");
    CU_ASSERT_EQUAL(CNT(f)->transfers, 1);
    CU_ASSERT_EQUAL(CNT(f)->expects, 0);
    rw_ftp_free(&f);
    rw_ftp_free(&f);
    rw_ftp_free(NULL);
    CU_ASSERT_PTR_NULL(rw_ftp_new(&s, NULL));
    rw_ftp_data(NULL, 0, (const uint8_t *)"x", 1);
    rw_ftp_gap(NULL, 0, 1);
    rw_ftp_end(NULL);
}

/* ---------------------------------------------------------------------------------------- */
/* hostile: splits, truncation, random bytes, allocation failure */

struct step {
    uint8_t dir;
    const char *text;
    size_t len; /* 0: strlen */
};

/* A session touching every feature: login, PASV (NAT), pipelining, EPSV, PORT, EPRT, STOU,
 * listings, multi-line replies, IAC, a TLS interlude. */
static const struct step session[] = {
    {RW_TOCLIENT, "220-Welcome\r\n220 (vsFTPd 3.0.3)\r\n", 0},
    {RW_TOSERVER, "USER alice\r\n", 0},
    {RW_TOCLIENT, "331 Please specify the password.\r\n", 0},
    {RW_TOSERVER, "PASS s3cret\r\n", 0},
    {RW_TOCLIENT, "230-Hi\r\n230 Login successful.\r\n", 0},
    {RW_TOSERVER, "PASV\r\n", 0},
    {RW_TOCLIENT, "227 Entering Passive Mode (192,168,1,5,117,48).\r\n", 0},
    {RW_TOSERVER, "STOR up/one.bin\r\n", 0},
    {RW_TOCLIENT, "150 Ok to send data.\r\n226 Transfer complete.\r\n", 0},
    {RW_TOSERVER, "PASV\r\nRETR two.txt\n", 0},
    {RW_TOCLIENT, "227 =10,0,0,2,4,1\n150 ok\n226 ok\n", 0},
    {RW_TOSERVER, "EPSV\r\nLIST\r\n", 0},
    {RW_TOCLIENT, "229 Entering Extended Passive Mode (|||40001|)\r\n150 x\r\n226 y\r\n", 0},
    {RW_TOSERVER, "port 10,0,0,7,200,10\r\nAPPE three.log\r\n", 0},
    {RW_TOCLIENT, "200 PORT ok\r\n150 ok\r\n226 ok\r\n", 0},
    {RW_TOSERVER, "EPRT |1|10.0.0.1|6000|\r\nSTOU\r\n", 0},
    {RW_TOCLIENT, "200 EPRT ok\r\n150 FILE: four.u\r\n226 ok\r\n", 0},
    {RW_TOSERVER, "\377\364\377\362ABOR\r\n", 0},
    {RW_TOCLIENT, "225 No transfer to ABOR.\r\n", 0},
    {RW_TOSERVER, "AUTH TLS\r\n", 0},
    {RW_TOCLIENT, "234 Proceed.\r\n", 0},
    {RW_TOSERVER, "\x16\x03\x01\x00\x0bSTOR hide\r\n", 16},
    {RW_TOCLIENT, "\x16\x03\x03\x00\x06" "227 (1", 11},
    {RW_TOSERVER, "PASV\r\n", 0},
    {RW_TOCLIENT, "227 Entering Passive Mode (10,0,0,2,4,2).\r\n", 0},
    {RW_TOSERVER, "RETR five.zip\r\nQUIT\r\n", 0},
    {RW_TOCLIENT, "221 Goodbye.\r\n", 0},
};
#define NSTEPS (sizeof(session) / sizeof(session[0]))

static size_t step_len(size_t i)
{
    return session[i].len != 0 ? session[i].len : strlen(session[i].text);
}

/* The calls as text, for comparing runs. */
static void rec_text(const struct rec *r, char *out, size_t cap)
{
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < r->n && used < cap; i++) {
        const struct call *c = &r->c[i];
        char a[64], b[64];
        int w;

        rw_addr_format(&c->cli, a, sizeof(a));
        rw_addr_format(&c->srv, b, sizeof(b));
        w = snprintf(out + used, cap - used, "%s:%u>%s:%u d%u %s %s %s u%d c%u a%u\n", a,
                     c->cport, b, c->sport, c->dir, c->name, c->method, c->uri, c->uri_null,
                     c->cred, c->anon);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Feeds the session: mode 0 whole steps, 1 byte by byte, 2 random splits (seed). Stops
 * after `limit` bytes in all (SIZE_MAX: everything), then ends. */
static void run_session(struct rec *r, struct rw_ftp_counters *cnt, int mode, uint64_t seed,
                        size_t limit)
{
    struct rw_ftp *f = mk4(r);
    size_t fed = 0;

    for (size_t i = 0; i < NSTEPS && fed < limit; i++) {
        const uint8_t *p = (const uint8_t *)session[i].text;
        size_t n = step_len(i), off = 0;

        if (n > limit - fed)
            n = limit - fed;
        while (off < n) {
            size_t k = n - off;

            if (mode == 1)
                k = 1;
            else if (mode == 2)
                k = 1 + (size_t)(rnd(&seed) % (k < 9 ? k : 9));
            if (k > n - off)
                k = n - off;
            rw_ftp_data(f, session[i].dir, p + off, k);
            off += k;
        }
        fed += n;
    }
    rw_ftp_end(f);
    *cnt = *CNT(f);
    rw_ftp_free(&f);
}

static void test_ftp_session_expects_exactly(void)
{
    struct rec r;
    struct rw_ftp_counters c;

    run_session(&r, &c, 0, 0, SIZE_MAX);
    CU_ASSERT_EQUAL_FATAL(r.total, 7);
    check_call(&r, 0, "10.0.0.1", 0, "10.0.0.2", 30000, RW_TOSERVER, "up/one.bin", "STOR", 1, 0);
    check_call(&r, 1, "10.0.0.1", 0, "192.168.1.5", 30000, RW_TOSERVER, "up/one.bin", "STOR", 1,
               0);
    check_call(&r, 2, "10.0.0.1", 0, "10.0.0.2", 1025, RW_TOCLIENT, "two.txt", "RETR", 1, 0);
    check_call(&r, 3, "10.0.0.1", 51210, "10.0.0.2", 0, RW_TOSERVER, "three.log", "APPE", 1, 0);
    check_call(&r, 4, "10.0.0.7", 51210, "10.0.0.2", 0, RW_TOSERVER, "three.log", "APPE", 1, 0);
    check_call(&r, 5, "10.0.0.1", 6000, "10.0.0.2", 0, RW_TOSERVER, "four.u", "STOU", 1, 0);
    check_call(&r, 6, "10.0.0.1", 0, "10.0.0.2", 1026, RW_TOCLIENT, "five.zip", "RETR", 1, 0);
    CU_ASSERT_EQUAL(c.tls, 1);
    CU_ASSERT_EQUAL(c.tls_records[RW_TOSERVER], 1);
    CU_ASSERT_EQUAL(c.tls_records[RW_TOCLIENT], 1);
    CU_ASSERT_EQUAL(c.announcements, 6);
    CU_ASSERT_EQUAL(c.announcements_bad, 0);
    CU_ASSERT_EQUAL(c.transfers, 5);
    CU_ASSERT_EQUAL(c.transfers_unannounced, 0);
    CU_ASSERT_EQUAL(c.transfers_dropped, 0);
    CU_ASSERT_EQUAL(c.expects, 7);
    CU_ASSERT_EQUAL(c.logins, 1);
    CU_ASSERT_EQUAL(c.replies_bad, 0);
    CU_ASSERT_EQUAL(c.lines_overlong[0] + c.lines_overlong[1], 0);
}

static void test_ftp_same_calls_however_split(void)
{
    static char want[8192], got[8192];
    struct rec r;
    struct rw_ftp_counters c0, c;

    run_session(&r, &c0, 0, 0, SIZE_MAX);
    CU_ASSERT_EQUAL_FATAL(r.total, 7);
    rec_text(&r, want, sizeof(want));
    run_session(&r, &c, 1, 0, SIZE_MAX);
    rec_text(&r, got, sizeof(got));
    CU_ASSERT_STRING_EQUAL(got, want);
    CU_ASSERT_EQUAL(memcmp(&c, &c0, sizeof(c)), 0);
    for (uint64_t seed = 1; seed <= 300; seed++) {
        run_session(&r, &c, 2, seed * 0x9e3779b97f4a7c15ULL, SIZE_MAX);
        rec_text(&r, got, sizeof(got));
        CU_ASSERT_STRING_EQUAL(got, want);
        CU_ASSERT_EQUAL(memcmp(&c, &c0, sizeof(c)), 0);
    }
}

static void test_ftp_truncated_at_every_offset(void)
{
    static char full[8192], got[8192];
    struct rec r;
    struct rw_ftp_counters c;
    size_t total = 0, prev = 0;

    for (size_t i = 0; i < NSTEPS; i++)
        total += step_len(i);
    run_session(&r, &c, 0, 0, SIZE_MAX);
    rec_text(&r, full, sizeof(full));
    for (size_t cut = 0; cut <= total; cut++) {
        run_session(&r, &c, 0, 0, cut);
        rec_text(&r, got, sizeof(got));
        /* Whatever was announced is the start of the full session's calls, never more,
         * and the calls only grow with the cut. */
        CU_ASSERT_EQUAL(strncmp(full, got, strlen(got)), 0);
        CU_ASSERT(r.total >= prev);
        CU_ASSERT_EQUAL(c.expects, r.total);
        /* Every started transfer was either called, unannounced or dropped at the end. */
        CU_ASSERT(c.transfers_dropped <= 1);
        prev = r.total;
    }
    CU_ASSERT_EQUAL(prev, 7);
}

/* Call invariants that hold whatever the input. */
static void check_invariants(const struct rec *r, const struct rw_flow_key *k,
                             const struct rw_ftp_counters *c)
{
    CU_ASSERT_EQUAL(c->expects, r->total);
    CU_ASSERT_EQUAL(r->other_calls, 0);
    for (size_t i = 0; i < r->n; i++) {
        const struct call *x = &r->c[i];
        int passive = x->cport == 0;

        CU_ASSERT((x->cport == 0) != (x->sport == 0));
        CU_ASSERT(x->dir == RW_TOSERVER || x->dir == RW_TOCLIENT);
        CU_ASSERT(x->name_len <= RW_FILE_NAME_MAX_BYTES);
        CU_ASSERT(x->cli.family == k->src.family && x->srv.family == k->src.family);
        /* The control side that does not come from the announcement is the control's. */
        if (passive) {
            CU_ASSERT(memcmp(&x->cli, &k->src, sizeof(x->cli)) == 0);
        } else {
            CU_ASSERT(memcmp(&x->srv, &k->dst, sizeof(x->srv)) == 0);
        }
        CU_ASSERT(strcmp(x->method, "STOR") == 0 || strcmp(x->method, "APPE") == 0 ||
                  strcmp(x->method, "STOU") == 0 || strcmp(x->method, "RETR") == 0);
        CU_ASSERT_EQUAL(x->dir, strcmp(x->method, "RETR") == 0 ? RW_TOCLIENT : RW_TOSERVER);
        CU_ASSERT(x->cred + x->anon <= 1);
    }
    CU_ASSERT(c->transfers_unannounced + c->transfers_dropped <= c->transfers);
    CU_ASSERT(c->logins_anonymous <= c->logins);
}

static void test_ftp_random_bytes_never_crash(void)
{
    static uint8_t buf[4096];
    struct rw_flow_key k = key4();

    for (uint64_t seed = 1; seed <= 400; seed++) {
        uint64_t s = seed * 0x2545f4914f6cdd1dULL;
        struct rec r;
        struct rw_ftp *f = mk(&r, &k);

        for (int round = 0; round < 8; round++) {
            size_t n = (size_t)(rnd(&s) % sizeof(buf));

            for (size_t i = 0; i < n; i++) {
                uint64_t v = rnd(&s);

                /* Mostly printable with frequent line ends, some raw bytes. */
                buf[i] = (uint8_t)(v % 8 == 0 ? '\n' : v % 5 == 0 ? v >> 8 : 32 + (v >> 8) % 95);
            }
            rw_ftp_data(f, (uint8_t)(rnd(&s) & 1), buf, n);
            if (rnd(&s) % 16 == 0)
                rw_ftp_gap(f, (uint8_t)(rnd(&s) & 1), rnd(&s) % 100);
        }
        rw_ftp_end(f);
        check_invariants(&r, &k, CNT(f));
        rw_ftp_free(&f);
    }
}

/* Random sequences of FTP fragments: reaches deep states (pipelines, TLS, STOU). */
static void test_ftp_fragment_soup_never_crash(void)
{
    static const char *const frags[] = {
        "PASV\r\n", "EPSV\r\n", "PORT 10,0,0,1,1,2\r\n", "PORT 10,0,0,9,1,3\r\n",
        "EPRT |1|10.0.0.8|77|\r\n", "EPRT |2|::1|5|\r\n", "STOR a\r\n", "RETR b\r\n",
        "APPE c\r\n", "STOU\r\n", "LIST\r\n", "USER anonymous\r\n", "USER bob\r\n",
        "PASS x\r\n", "REIN\r\n", "AUTH TLS\r\n", "\377\364\377\362ABOR\r\n", "\r\n", "ST",
        "227 (10,0,0,2,1,4)\r\n", "227 (192,168,0,1,1,5)\r\n", "229 (|||6|)\r\n",
        "227 (0,0,0,0,1,7)\r\n", "227-x\r\n", "150 FILE: n\r\n", "125 go\r\n", "226 ok\r\n",
        "230 ok\r\n", "234 tls\r\n", "500 no\r\n", "550 no\r\n", "\x16\x03\x03\x00\x02xy",
        "\x17\x03", "\x03\x00\x01z", "\n",
    };
    const size_t nf = sizeof(frags) / sizeof(frags[0]);
    struct rw_flow_key k = key4();

    for (uint64_t seed = 1; seed <= 2000; seed++) {
        uint64_t s = seed * 0x9e3779b97f4a7c15ULL;
        struct rec r;
        struct rw_ftp *f = mk(&r, &k);

        for (int i = 0; i < 60; i++) {
            const char *fr = frags[rnd(&s) % nf];
            size_t n = fr[0] == '\x16' ? 7 : fr[0] == '\x17' ? 2 : fr[0] == '\x03' ? 4
                                                                                     : strlen(fr);

            rw_ftp_data(f, (uint8_t)(rnd(&s) % 2), (const uint8_t *)fr, n);
            if (rnd(&s) % 50 == 0)
                rw_ftp_gap(f, (uint8_t)(rnd(&s) % 2), 1);
        }
        rw_ftp_end(f);
        check_invariants(&r, &k, CNT(f));
        rw_ftp_free(&f);
    }
}

static void test_ftp_new_allocation_failures(void)
{
    struct rw_flow_key k = key4();
    struct rec r;
    struct rw_xfer_sink s;
    unsigned long n, n_ok = 0;
    int ok = 0;

    memset(&s, 0, sizeof(s));
    s.ctx = &r;
    s.expect = rec_expect;
    for (n = 1; n < 10 && !ok; n++) {
        struct rw_ftp *f;

        memset(&r, 0, sizeof(r));
        rw_alloc_hook_set(n);
        f = rw_ftp_new(&s, &k);
        if (f == NULL) {
            CU_ASSERT(rw_alloc_hook_failures() > 0);
            rw_alloc_hook_set(0);
            continue;
        }
        rw_alloc_hook_set(0);
        ok = 1;
        n_ok = n;
        /* Works normally, and allocates nothing more while parsing. */
        rw_alloc_hook_set(1);
        C(f, "PASV\r\n");
        S(f, "227 (10,0,0,2,0,21)\r\n");
        C(f, "STOR x\r\n");
        rw_ftp_end(f);
        CU_ASSERT_EQUAL(rw_alloc_hook_failures(), 0);
        rw_alloc_hook_set(0);
        CU_ASSERT_EQUAL(r.total, 1);
        rw_ftp_free(&f);
    }
    CU_ASSERT(ok);
    CU_ASSERT_EQUAL(n_ok, 2); /* exactly one allocation: the first fails, the second not */
}


/* rw_ftp_bytes: a line whole in one packet is read where it is; a line spanning packets is
 * held in a buffer that goes when the line ends, at a gap, or at the end. */
static void test_ftp_bytes_hold_a_line_only_while_it_spans_packets(void)
{
    struct rec r;
    struct rw_ftp *f = mk4(&r);
    size_t b0 = rw_ftp_bytes(f);

    CU_ASSERT_EQUAL(rw_ftp_bytes(NULL), 0);
    CU_ASSERT(b0 < 2048); /* no line buffer while idle */
    C(f, "USER alice\r\n");
    CU_ASSERT_EQUAL(rw_ftp_bytes(f), b0);
    C(f, "PASS sec");
    CU_ASSERT_EQUAL(rw_ftp_bytes(f), b0 + RW_FTP_LINE_MAX_BYTES);
    S(f, "331 pass");
    CU_ASSERT_EQUAL(rw_ftp_bytes(f), b0 + 2 * RW_FTP_LINE_MAX_BYTES);
    C(f, "ret\r\n");
    S(f, "word\r\n");
    CU_ASSERT_EQUAL(rw_ftp_bytes(f), b0);
    CU_ASSERT_EQUAL(CNT(f)->lines[RW_TOSERVER], 2);
    CU_ASSERT_EQUAL(CNT(f)->lines[RW_TOCLIENT], 1);
    C(f, "NOOP");
    rw_ftp_gap(f, RW_TOSERVER, 5);
    CU_ASSERT_EQUAL(rw_ftp_bytes(f), b0);
    S(f, "200 o");
    rw_ftp_end(f);
    CU_ASSERT_EQUAL(rw_ftp_bytes(f), b0);
    rw_ftp_free(&f);
}

/* A line spanning packets with no memory for its buffer is skipped like an overlong one
 * and counted; the next line is read. */
static void test_ftp_line_buffer_allocation_failure(void)
{
    struct rec r;
    struct rw_ftp *f = mk4(&r);

    rw_alloc_hook_set(1);
    C(f, "PASV");
    CU_ASSERT_EQUAL(rw_alloc_hook_failures(), 1);
    rw_alloc_hook_set(0);
    C(f, "\r\n");
    CU_ASSERT_EQUAL(CNT(f)->lines_nomem[RW_TOSERVER], 1);
    CU_ASSERT_EQUAL(CNT(f)->lines[RW_TOSERVER], 0);
    C(f, "NOOP\r\n");
    CU_ASSERT_EQUAL(CNT(f)->lines[RW_TOSERVER], 1);
    rw_ftp_free(&f);
}

static CU_TestInfo ftp_tests[] = {
    {"test_ftp_pasv_stor_expects_control_endpoints", test_ftp_pasv_stor_expects_control_endpoints},
    {"test_ftp_pasv_numbers_anywhere_in_227", test_ftp_pasv_numbers_anywhere_in_227},
    {"test_ftp_epsv_any_delimiter", test_ftp_epsv_any_delimiter},
    {"test_ftp_port_active_stor", test_ftp_port_active_stor},
    {"test_ftp_port_refused_is_not_used", test_ftp_port_refused_is_not_used},
    {"test_ftp_eprt_ipv4_and_ipv6", test_ftp_eprt_ipv4_and_ipv6},
    {"test_ftp_pasv_other_address_two_calls", test_ftp_pasv_other_address_two_calls},
    {"test_ftp_stou_name_from_preliminary_reply", test_ftp_stou_name_from_preliminary_reply},
    {"test_ftp_directions_and_methods", test_ftp_directions_and_methods},
    {"test_ftp_epsv_all_is_not_an_announcement", test_ftp_epsv_all_is_not_an_announcement},
    {"test_ftp_transfer_without_argument_is_ignored",
     test_ftp_transfer_without_argument_is_ignored},
    {"test_ftp_listings_consume_announcement", test_ftp_listings_consume_announcement},
    {"test_ftp_second_transfer_needs_new_announcement",
     test_ftp_second_transfer_needs_new_announcement},
    {"test_ftp_pipelined_pasv_then_stor", test_ftp_pipelined_pasv_then_stor},
    {"test_ftp_pending_transfer_replaced_is_dropped",
     test_ftp_pending_transfer_replaced_is_dropped},
    {"test_ftp_pipeline_overflow_counted", test_ftp_pipeline_overflow_counted},
    {"test_ftp_login_anonymous_or_credentials", test_ftp_login_anonymous_or_credentials},
    {"test_ftp_refused_relogin_keeps_login", test_ftp_refused_relogin_keeps_login},
    {"test_ftp_rein_forgets_login", test_ftp_rein_forgets_login},
    {"test_ftp_password_never_kept", test_ftp_password_never_kept},
    {"test_ftp_bytes_hold_a_line_only_while_it_spans_packets",
     test_ftp_bytes_hold_a_line_only_while_it_spans_packets},
    {"test_ftp_line_buffer_allocation_failure", test_ftp_line_buffer_allocation_failure},
    {"test_ftp_multiline_reply_pairs_once", test_ftp_multiline_reply_pairs_once},
    {"test_ftp_commands_case_insensitive", test_ftp_commands_case_insensitive},
    {"test_ftp_telnet_iac_skipped", test_ftp_telnet_iac_skipped},
    {"test_ftp_auth_tls_records_skipped_then_clear_text",
     test_ftp_auth_tls_records_skipped_then_clear_text},
    {"test_ftp_tls_bad_header_resyncs", test_ftp_tls_bad_header_resyncs},
    {"test_ftp_overlong_lines", test_ftp_overlong_lines},
    {"test_ftp_crlf_and_bare_lf_alike", test_ftp_crlf_and_bare_lf_alike},
    {"test_ftp_gap_skips_first_line", test_ftp_gap_skips_first_line},
    {"test_ftp_end_drops_pending", test_ftp_end_drops_pending},
    {"test_ftp_bad_announcements_counted", test_ftp_bad_announcements_counted},
    {"test_ftp_null_sink_and_bad_arguments", test_ftp_null_sink_and_bad_arguments},
    {"test_ftp_session_expects_exactly", test_ftp_session_expects_exactly},
    {"test_ftp_same_calls_however_split", test_ftp_same_calls_however_split},
    {"test_ftp_truncated_at_every_offset", test_ftp_truncated_at_every_offset},
    {"test_ftp_random_bytes_never_crash", test_ftp_random_bytes_never_crash},
    {"test_ftp_fragment_soup_never_crash", test_ftp_fragment_soup_never_crash},
    {"test_ftp_new_allocation_failures", test_ftp_new_allocation_failures},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rw_suites_ftp[] = {
    {"ftp", NULL, NULL, NULL, NULL, ftp_tests},
    CU_SUITE_INFO_NULL,
};
