/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_rw_expect.c — the table of announced data connections: matching, direction, time, bounds. */
#include <CUnit/CUnit.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "rw_expect.h"
#include "rw_test.h"

#define SEC 1000000ULL
#define T0 (1710406800ULL * SEC)

/* A TCP flow key: src/sport is the flow's client (sender of the first SYN). */
static struct rw_flow_key key(const char *src, uint16_t sport, const char *dst, uint16_t dport)
{
    struct rw_flow_key k;

    memset(&k, 0, sizeof(k));
    k.src = rw_test_addr(src);
    k.dst = rw_test_addr(dst);
    k.sport = sport;
    k.dport = dport;
    k.proto = IPPROTO_TCP;
    return k;
}

/* FTP's meta for one command. */
static struct rw_xfer_meta ftp_meta(const char *method, const char *path)
{
    struct rw_xfer_meta m;

    memset(&m, 0, sizeof(m));
    m.app_proto = "ftp-data";
    m.method = method;
    m.uri = path;
    m.credentials = 1;
    return m;
}

/* Adds (a, aport) / (b, bport) with name; must be accepted. */
static void add(struct rw_expect *e, uint64_t now, const char *a, uint16_t aport, const char *b,
                uint16_t bport, uint8_t dir, const char *name)
{
    struct rw_addr aa = rw_test_addr(a), bb = rw_test_addr(b);
    struct rw_xfer_meta m = ftp_meta(dir == RW_TOSERVER ? "STOR" : "RETR", name);

    CU_ASSERT_EQUAL_FATAL(rw_expect_add(e, now, &aa, aport, &bb, bport, dir, name, strlen(name),
                                        &m), 0);
}

/* Takes for the flow and checks name and translated direction; want NULL: no match. */
static void take(struct rw_expect *e, uint64_t now, const struct rw_flow_key *k,
                 const char *want, uint8_t want_dir)
{
    struct rw_expect_hit h;
    int rc;

    memset(&h, 0x5a, sizeof(h));
    rc = rw_expect_take(e, now, k, &h);
    if (want == NULL) {
        CU_ASSERT_EQUAL(rc, RW_ENOENT);
        return;
    }
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(h.name_len, strlen(want));
    CU_ASSERT_STRING_EQUAL(h.name, want);
    CU_ASSERT_EQUAL(h.dir, want_dir);
}

static void test_expect_passive_stor_keeps_upload_direction(void)
{
    struct rw_expect *e = rw_expect_new(16);
    struct rw_flow_key k = key("10.0.0.1", 50000, "10.0.0.2", 40123);
    struct rw_expect_hit h;

    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    /* PASV: the client 10.0.0.1 connects from any port to the server's 40123. */
    add(e, T0, "10.0.0.1", 0, "10.0.0.2", 40123, RW_TOSERVER, "ep07_comp_v3.mov");
    CU_ASSERT_EQUAL(rw_expect_count(e), 1);
    memset(&h, 0, sizeof(h));
    CU_ASSERT_EQUAL_FATAL(rw_expect_take(e, T0 + 1, &k, &h), 0);
    CU_ASSERT_EQUAL(h.dir, RW_TOSERVER);
    CU_ASSERT_EQUAL(h.announced_dir, RW_TOSERVER);
    CU_ASSERT_EQUAL(h.added_us, T0);
    CU_ASSERT_STRING_EQUAL(h.name, "ep07_comp_v3.mov");
    CU_ASSERT_EQUAL(h.name_len, 16);
    CU_ASSERT_STRING_EQUAL(h.meta.app_proto, "ftp-data");
    CU_ASSERT_STRING_EQUAL(h.meta.method, "STOR");
    CU_ASSERT_STRING_EQUAL(h.meta.uri, "ep07_comp_v3.mov");
    CU_ASSERT_PTR_EQUAL(h.meta.uri, h.uri);
    CU_ASSERT_PTR_NULL(h.meta.host);
    CU_ASSERT_PTR_NULL(h.meta.content_type);
    CU_ASSERT_PTR_NULL(h.meta.content_encoding);
    CU_ASSERT_EQUAL(h.meta.credentials, 1);
    CU_ASSERT_EQUAL(h.meta.anonymous, 0);
    /* Taken means removed. */
    CU_ASSERT_EQUAL(rw_expect_count(e), 0);
    take(e, T0 + 2, &k, NULL, 0);
    CU_ASSERT_EQUAL(rw_expect_counters(e)->added, 1);
    CU_ASSERT_EQUAL(rw_expect_counters(e)->taken, 1);
    CU_ASSERT_EQUAL(rw_expect_counters(e)->lookups, 2);
    rw_expect_free(&e);
    CU_ASSERT_PTR_NULL(e);
}

static void test_expect_passive_retr_is_download_on_the_flow(void)
{
    struct rw_expect *e = rw_expect_new(16);
    struct rw_flow_key k = key("10.0.0.1", 50001, "10.0.0.2", 21003);

    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    add(e, T0, "10.0.0.1", 0, "10.0.0.2", 21003, RW_TOCLIENT, "index.html");
    take(e, T0, &k, "index.html", RW_TOCLIENT);
    rw_expect_free(&e);
}

static void test_expect_active_translates_direction(void)
{
    struct rw_expect *e = rw_expect_new(16);
    /* PORT: the server 10.0.0.2 connects from :20 to the client's announced 44133, so the
     * data flow's client (src) is the FTP server. */
    struct rw_flow_key k1 = key("10.0.0.2", 20, "10.0.0.1", 44133);
    struct rw_flow_key k2 = key("10.0.0.2", 38111, "10.0.0.1", 44134);

    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    add(e, T0, "10.0.0.1", 44133, "10.0.0.2", 0, RW_TOSERVER, "up.bin");
    add(e, T0, "10.0.0.1", 44134, "10.0.0.2", 0, RW_TOCLIENT, "down.bin");
    /* STOR: the file goes from the FTP client = the data flow's server: RW_TOCLIENT. */
    take(e, T0 + 5, &k1, "up.bin", RW_TOCLIENT);
    /* RETR (from any server port): from the FTP server = the data flow's client. */
    take(e, T0 + 5, &k2, "down.bin", RW_TOSERVER);
    CU_ASSERT_EQUAL(rw_expect_count(e), 0);
    rw_expect_free(&e);
}

static void test_expect_flow_seen_from_the_listener_flips(void)
{
    struct rw_expect *e = rw_expect_new(16);
    /* Passive entry, but the flow was keyed by its first packet from the server's port
     * (SYN missed): src is the listening side. */
    struct rw_flow_key k = key("10.0.0.2", 40123, "10.0.0.1", 50000);
    struct rw_expect_hit h;

    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    add(e, T0, "10.0.0.1", 0, "10.0.0.2", 40123, RW_TOSERVER, "f");
    CU_ASSERT_EQUAL_FATAL(rw_expect_take(e, T0, &k, &h), 0);
    CU_ASSERT_EQUAL(h.dir, RW_TOCLIENT);
    CU_ASSERT_EQUAL(h.announced_dir, RW_TOSERVER);
    rw_expect_free(&e);
}

static void test_expect_timeout_by_packet_time(void)
{
    struct rw_expect *e = rw_expect_new(16);
    struct rw_flow_key k = key("10.0.0.1", 50000, "10.0.0.2", 40000);
    const uint64_t tmo = (uint64_t)RW_EXPECT_TIMEOUT_SEC * SEC;

    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    /* Exactly the timeout later: still there. */
    add(e, T0, "10.0.0.1", 0, "10.0.0.2", 40000, RW_TOSERVER, "a");
    take(e, T0 + tmo, &k, "a", RW_TOSERVER);
    CU_ASSERT_EQUAL(rw_expect_counters(e)->expired, 0);
    /* One microsecond more: gone, and counted. */
    add(e, T0, "10.0.0.1", 0, "10.0.0.2", 40000, RW_TOSERVER, "b");
    take(e, T0 + tmo + 1, &k, NULL, 0);
    CU_ASSERT_EQUAL(rw_expect_counters(e)->expired, 1);
    CU_ASSERT_EQUAL(rw_expect_count(e), 0);
    /* Packet time that steps back does not expire anything. */
    add(e, T0 + 10 * SEC, "10.0.0.1", 0, "10.0.0.2", 40000, RW_TOSERVER, "c");
    take(e, T0, &k, "c", RW_TOSERVER);
    /* Housekeeping: rw_expect_expire drops only the old ones. */
    add(e, T0, "10.0.0.1", 0, "10.0.0.2", 40001, RW_TOSERVER, "d");
    add(e, T0 + 100 * SEC, "10.0.0.1", 0, "10.0.0.2", 40002, RW_TOSERVER, "e");
    CU_ASSERT_EQUAL(rw_expect_expire(e, T0 + tmo + 1), 1);
    CU_ASSERT_EQUAL(rw_expect_count(e), 1);
    CU_ASSERT_EQUAL(rw_expect_counters(e)->expired, 2);
    rw_expect_free(&e);
}

static void test_expect_full_table_evicts_oldest(void)
{
    struct rw_expect *e = rw_expect_new(4);
    char name[16];

    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    for (int i = 0; i < 6; i++) {
        snprintf(name, sizeof(name), "f%d", i);
        add(e, T0 + (uint64_t)i, "10.0.0.1", 0, "10.0.0.2", (uint16_t)(30000 + i), RW_TOSERVER,
            name);
    }
    CU_ASSERT_EQUAL(rw_expect_count(e), 4);
    CU_ASSERT_EQUAL(rw_expect_counters(e)->evicted, 2);
    for (int i = 0; i < 6; i++) {
        struct rw_flow_key k = key("10.0.0.1", 50000, "10.0.0.2", (uint16_t)(30000 + i));

        snprintf(name, sizeof(name), "f%d", i);
        take(e, T0 + 10, &k, i < 2 ? NULL : name, RW_TOSERVER);
    }
    CU_ASSERT_EQUAL(rw_expect_count(e), 0);
    rw_expect_free(&e);
}

static void test_expect_no_match_for_other_ports_or_addresses(void)
{
    struct rw_expect *e = rw_expect_new(16);
    struct rw_flow_key miss[] = {
        key("10.0.0.1", 50000, "10.0.0.2", 40001), /* other server port */
        key("10.0.0.9", 50000, "10.0.0.2", 40000), /* other client */
        key("10.0.0.1", 50000, "10.0.0.3", 40000), /* other server */
        key("10.0.0.2", 40000, "10.0.0.9", 50000), /* reversed, other client */
        key("::ffff:10.0.0.1", 50000, "::ffff:10.0.0.2", 40000), /* IPv6 spelling */
        key("10.0.0.2", 20, "10.0.0.1", 40000),   /* right port on the wrong side */
    };
    struct rw_flow_key hit = key("10.0.0.1", 1, "10.0.0.2", 40000);

    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    add(e, T0, "10.0.0.1", 0, "10.0.0.2", 40000, RW_TOSERVER, "x");
    for (size_t i = 0; i < sizeof(miss) / sizeof(miss[0]); i++)
        take(e, T0, &miss[i], NULL, 0);
    CU_ASSERT_EQUAL(rw_expect_count(e), 1);
    /* An active entry wants the fixed port on the client side. */
    add(e, T0, "10.0.0.1", 41000, "10.0.0.2", 0, RW_TOSERVER, "y");
    {
        struct rw_flow_key wrong = key("10.0.0.1", 5, "10.0.0.2", 41000);
        struct rw_flow_key other = key("10.0.0.2", 20, "10.0.0.1", 41001);

        /* 10.0.0.1:5 -> 10.0.0.2:41000: neither entry (x wants :40000, y wants client
         * port 41000). */
        take(e, T0, &wrong, NULL, 0);
        take(e, T0, &other, NULL, 0);
    }
    take(e, T0, &hit, "x", RW_TOSERVER);
    rw_expect_free(&e);
}

static void test_expect_ipv6_passive_and_active(void)
{
    struct rw_expect *e = rw_expect_new(16);
    struct rw_flow_key kp = key("fd00:10:16:1::3", 52200, "fd00:10:16:1::2", 21008);
    struct rw_flow_key ka = key("fd00:10:16:1::2", 20, "fd00:10:16:1::3", 40467);
    struct rw_flow_key k4 = key("10.0.0.3", 52200, "10.0.0.2", 21008);

    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    add(e, T0, "fd00:10:16:1::3", 0, "fd00:10:16:1::2", 21008, RW_TOSERVER, "p.txt");
    add(e, T0, "fd00:10:16:1::3", 40467, "fd00:10:16:1::2", 0, RW_TOSERVER, "a.txt");
    take(e, T0, &k4, NULL, 0);
    take(e, T0, &ka, "a.txt", RW_TOCLIENT);
    take(e, T0, &kp, "p.txt", RW_TOSERVER);
    rw_expect_free(&e);
}

static void test_expect_newest_announcement_wins(void)
{
    struct rw_expect *e = rw_expect_new(16);
    struct rw_flow_key k = key("10.0.0.1", 50000, "10.0.0.2", 40000);

    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    add(e, T0, "10.0.0.1", 0, "10.0.0.2", 40000, RW_TOSERVER, "old");
    add(e, T0 + SEC, "10.0.0.1", 0, "10.0.0.2", 40000, RW_TOSERVER, "new");
    take(e, T0 + 2 * SEC, &k, "new", RW_TOSERVER);
    take(e, T0 + 2 * SEC, &k, "old", RW_TOSERVER);
    rw_expect_free(&e);
}

static void test_expect_alternate_addresses_go_together(void)
{
    struct rw_expect *e = rw_expect_new(16);
    /* PASV announced 192.168.1.2 while the control server is 203.0.113.5: two entries in
     * a row at the same time; the data connection uses the control address. */
    struct rw_flow_key k = key("10.0.0.1", 50000, "203.0.113.5", 1025);
    struct rw_flow_key k2 = key("10.0.0.1", 50000, "192.168.1.2", 1025);

    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    add(e, T0, "10.0.0.1", 0, "203.0.113.5", 1025, RW_TOSERVER, "f");
    add(e, T0, "10.0.0.1", 0, "192.168.1.2", 1025, RW_TOSERVER, "f");
    CU_ASSERT_EQUAL(rw_expect_count(e), 2);
    take(e, T0, &k, "f", RW_TOSERVER);
    CU_ASSERT_EQUAL(rw_expect_count(e), 0);
    CU_ASSERT_EQUAL(rw_expect_counters(e)->alternates_dropped, 1);
    take(e, T0, &k2, NULL, 0);
    /* Active alternates (client side differs) also pair, and the announced one can win. */
    add(e, T0, "10.0.0.1", 40000, "203.0.113.5", 0, RW_TOSERVER, "g");
    add(e, T0, "172.16.0.1", 40000, "203.0.113.5", 0, RW_TOSERVER, "g");
    {
        struct rw_flow_key ka = key("203.0.113.5", 20, "172.16.0.1", 40000);

        take(e, T0, &ka, "g", RW_TOCLIENT);
    }
    CU_ASSERT_EQUAL(rw_expect_count(e), 0);
    /* Not alternates: another time, another name, or both addresses differ. */
    add(e, T0, "10.0.0.1", 0, "203.0.113.5", 1025, RW_TOSERVER, "h");
    add(e, T0 + 1, "10.0.0.1", 0, "192.168.1.2", 1025, RW_TOSERVER, "h");
    add(e, T0 + 1, "10.0.0.1", 0, "192.168.1.3", 1025, RW_TOSERVER, "i");
    add(e, T0 + 1, "10.0.0.9", 0, "192.168.1.4", 1025, RW_TOSERVER, "i");
    take(e, T0 + 2, &k, "h", RW_TOSERVER);
    CU_ASSERT_EQUAL(rw_expect_count(e), 3);
    CU_ASSERT_EQUAL(rw_expect_counters(e)->alternates_dropped, 2);
    rw_expect_free(&e);
}

static void test_expect_refuses_bad_arguments(void)
{
    struct rw_expect *e = rw_expect_new(16);
    struct rw_addr v4 = rw_test_addr("10.0.0.1"), v6 = rw_test_addr("2001:db8::1");
    struct rw_addr none;
    struct rw_flow_key k = key("10.0.0.1", 1, "10.0.0.2", 2);
    struct rw_expect_hit h;

    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    memset(&none, 0, sizeof(none));
    CU_ASSERT_EQUAL(rw_expect_add(e, T0, &v4, 0, &v4, 0, RW_TOSERVER, "x", 1, NULL), RW_EINVAL);
    CU_ASSERT_EQUAL(rw_expect_add(e, T0, &v4, 0, &v6, 21, RW_TOSERVER, "x", 1, NULL),
                    RW_EINVAL);
    CU_ASSERT_EQUAL(rw_expect_add(e, T0, &none, 0, &none, 21, RW_TOSERVER, "x", 1, NULL),
                    RW_EINVAL);
    CU_ASSERT_EQUAL(rw_expect_add(e, T0, NULL, 0, &v4, 21, RW_TOSERVER, "x", 1, NULL),
                    RW_EINVAL);
    CU_ASSERT_EQUAL(rw_expect_add(e, T0, &v4, 0, &v4, 21, 2, "x", 1, NULL), RW_EINVAL);
    CU_ASSERT_EQUAL(rw_expect_add(e, T0, &v4, 0, &v4, 21, RW_TOSERVER, NULL, 3, NULL),
                    RW_EINVAL);
    CU_ASSERT_EQUAL(rw_expect_counters(e)->refused, 6);
    CU_ASSERT_EQUAL(rw_expect_count(e), 0);
    CU_ASSERT_EQUAL(rw_expect_take(e, T0, NULL, &h), RW_EINVAL);
    CU_ASSERT_EQUAL(rw_expect_take(e, T0, &k, NULL), RW_EINVAL);
    CU_ASSERT_EQUAL(rw_expect_add(NULL, T0, &v4, 0, &v4, 21, RW_TOSERVER, "x", 1, NULL),
                    RW_EINVAL);
    rw_expect_free(&e);
    rw_expect_free(&e);
    rw_expect_free(NULL);
}

static void test_expect_copies_strings_within_bounds(void)
{
    struct rw_expect *e = rw_expect_new(16);
    struct rw_addr a = rw_test_addr("10.0.0.1"), b = rw_test_addr("10.0.0.2");
    struct rw_flow_key k = key("10.0.0.1", 7, "10.0.0.2", 9);
    static char big[2000], method[100];
    char name[8] = {'a', '\0', 'b', 'c'}; /* 4 bytes, a NUL inside */
    struct rw_xfer_meta m;
    static struct rw_expect_hit h;

    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    memset(big, 'u', sizeof(big) - 1);
    memset(method, 'M', sizeof(method) - 1);
    memset(&m, 0, sizeof(m));
    m.uri = big;
    m.method = method;
    m.host = "";
    m.declared_size = 1234;
    m.anonymous = 1;
    CU_ASSERT_EQUAL_FATAL(rw_expect_add(e, T0, &a, 0, &b, 9, RW_TOSERVER, name, 4, &m), 0);
    /* The caller's buffers may change once the call returns. */
    memset(big, 'z', sizeof(big) - 1);
    name[0] = 'q';
    CU_ASSERT_EQUAL(rw_expect_counters(e)->truncated, 2);
    CU_ASSERT_EQUAL_FATAL(rw_expect_take(e, T0, &k, &h), 0);
    CU_ASSERT_EQUAL(h.name_len, 4);
    CU_ASSERT_EQUAL(memcmp(h.name, "a\0bc", 5), 0);
    CU_ASSERT_EQUAL(strlen(h.meta.uri), RW_FILE_NAME_MAX_BYTES);
    CU_ASSERT_EQUAL(h.meta.uri[0], 'u');
    CU_ASSERT_EQUAL(strlen(h.meta.method), RW_PROTO_NAME_MAX_BYTES);
    CU_ASSERT_PTR_NOT_NULL(h.meta.host);
    CU_ASSERT_STRING_EQUAL(h.meta.host, "");
    CU_ASSERT_PTR_NULL(h.meta.app_proto);
    CU_ASSERT_EQUAL(h.meta.declared_size, 1234);
    CU_ASSERT_EQUAL(h.meta.anonymous, 1);
    CU_ASSERT_EQUAL(h.meta.credentials, 0);
    /* No name and no meta at all. */
    CU_ASSERT_EQUAL_FATAL(rw_expect_add(e, T0, &a, 0, &b, 9, RW_TOCLIENT, NULL, 0, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(rw_expect_take(e, T0, &k, &h), 0);
    CU_ASSERT_EQUAL(h.name_len, 0);
    CU_ASSERT_STRING_EQUAL(h.name, "");
    CU_ASSERT_PTR_NULL(h.meta.uri);
    CU_ASSERT_PTR_NULL(h.meta.method);
    CU_ASSERT_EQUAL(h.dir, RW_TOCLIENT);
    rw_expect_free(&e);
}

static void test_expect_full_table_lookups_stay_short(void)
{
    struct rw_expect *e = rw_expect_new(RW_EXPECT_MAX);
    struct rw_addr a = rw_test_addr("10.0.0.1"), b = rw_test_addr("10.0.0.2");
    uint64_t probes;

    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    /* One server, one client, RW_EXPECT_MAX ports: what a hostile server could announce. */
    for (unsigned i = 0; i < RW_EXPECT_MAX; i++)
        CU_ASSERT_EQUAL_FATAL(rw_expect_add(e, T0, &a, 0, &b, (uint16_t)(1024 + i),
                                            RW_TOSERVER, "f", 1, NULL), 0);
    CU_ASSERT_EQUAL(rw_expect_count(e), RW_EXPECT_MAX);
    /* A miss in a full table looks at a couple of chains, not at 4096 entries. */
    {
        struct rw_flow_key k = key("10.0.0.1", 50000, "10.0.0.2", 80);

        take(e, T0, &k, NULL, 0);
        CU_ASSERT(rw_expect_counters(e)->probes < 64);
    }
    probes = rw_expect_counters(e)->probes;
    /* Each data connection comes from a new ephemeral port, as clients open them; a fixed
     * client port would put every reverse-orientation probe into one chain, whose length
     * is luck of the per-table key. */
    for (unsigned i = 0; i < RW_EXPECT_MAX; i++) {
        struct rw_flow_key k = key("10.0.0.1", (uint16_t)(50000 + i), "10.0.0.2",
                                   (uint16_t)(1024 + i));

        take(e, T0, &k, "f", RW_TOSERVER);
    }
    /* Scanning would cost about RW_EXPECT_MAX^2 / 2 = 8.4 million probes; hashing about
     * two per lookup. */
    CU_ASSERT(rw_expect_counters(e)->probes - probes < 4 * RW_EXPECT_MAX);
    CU_ASSERT_EQUAL(rw_expect_count(e), 0);
    rw_expect_free(&e);
}

static void test_expect_out_of_memory_is_counted(void)
{
    struct rw_addr a = rw_test_addr("10.0.0.1"), b = rw_test_addr("10.0.0.2");
    struct rw_flow_key k = key("10.0.0.1", 7, "10.0.0.2", 9);
    struct rw_expect_hit h;
    unsigned long n;

    for (n = 1; n < 100; n++) {
        struct rw_expect *e;
        int rc = RW_ENOMEM;

        rw_alloc_hook_set(n);
        e = rw_expect_new(8);
        if (e != NULL)
            rc = rw_expect_add(e, T0, &a, 0, &b, 9, RW_TOSERVER, "f", 1, NULL);
        if (rw_alloc_hook_failures() == 0) {
            rw_alloc_hook_set(0);
            CU_ASSERT_EQUAL(rc, 0);
            CU_ASSERT_EQUAL(rw_expect_take(e, T0, &k, &h), 0);
            rw_expect_free(&e);
            break;
        }
        rw_alloc_hook_set(0);
        CU_ASSERT_EQUAL(rc, RW_ENOMEM);
        if (e != NULL) {
            CU_ASSERT_EQUAL(rw_expect_counters(e)->nomem, 1);
            CU_ASSERT_EQUAL(rw_expect_count(e), 0);
            CU_ASSERT_EQUAL(rw_expect_take(e, T0, &k, &h), RW_ENOENT);
        }
        rw_expect_free(&e);
    }
    CU_ASSERT_EQUAL(n, 4); /* table, buckets, entry: the fourth run has no failure */
}

/* Workers share the table with clocks of their own: a worker far ahead in packet time
 * (another capture's hour) does not age another worker's announcement, which its owner
 * still finds at its own time; the owner's own clock still ages it. */
static void test_expect_entries_age_by_their_owners_clock(void)
{
    struct rw_expect *e = rw_expect_new(16);
    struct rw_flow_key k1 = key("10.0.0.1", 50000, "10.0.0.2", 40000);
    struct rw_flow_key k2 = key("10.0.1.1", 50000, "10.0.1.2", 40000);
    const uint64_t tmo = (uint64_t)RW_EXPECT_TIMEOUT_SEC * SEC;
    const uint64_t t2 = T0 + 3600 * SEC;

    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    rw_expect_set_owner(e, 1);
    add(e, T0, "10.0.0.1", 0, "10.0.0.2", 40000, RW_TOSERVER, "one");
    rw_expect_set_owner(e, 2);
    add(e, t2, "10.0.1.1", 0, "10.0.1.2", 40000, RW_TOSERVER, "two");
    CU_ASSERT_EQUAL(rw_expect_expire(e, t2 + SEC), 0); /* owner 2's clock ages only "two" */
    take(e, t2 + SEC, &k1, NULL, 0); /* too old for the taker's clock... */
    rw_expect_set_owner(e, 1);
    take(e, T0 + 5 * SEC, &k1, "one", RW_TOSERVER); /* ...not for its owner's */
    CU_ASSERT_EQUAL(rw_expect_counters(e)->expired, 0);
    add(e, T0 + 10 * SEC, "10.0.0.1", 0, "10.0.0.2", 40000, RW_TOSERVER, "three");
    /* Aged out by its owner's clock, but behind "two" in the age list: it waits. */
    CU_ASSERT_EQUAL(rw_expect_expire(e, T0 + 10 * SEC + tmo + 1), 0);
    take(e, T0 + 10 * SEC + tmo + 1, &k1, NULL, 0);
    rw_expect_set_owner(e, 2);
    take(e, t2 + SEC, &k2, "two", RW_TOSERVER);
    rw_expect_set_owner(e, 1);
    CU_ASSERT_EQUAL(rw_expect_expire(e, T0 + 10 * SEC + tmo + 1), 1);
    CU_ASSERT_EQUAL(rw_expect_count(e), 0);
    rw_expect_set_owner(e, RW_EXPECT_OWNERS); /* out of range: owner 0 */
    add(e, T0, "10.0.0.1", 0, "10.0.0.2", 40000, RW_TOSERVER, "four");
    rw_expect_set_owner(e, 0);
    take(e, T0, &k1, "four", RW_TOSERVER);
    rw_expect_free(&e);
}

static CU_TestInfo expect_tests[] = {
    {"test_expect_passive_stor_keeps_upload_direction",
     test_expect_passive_stor_keeps_upload_direction},
    {"test_expect_passive_retr_is_download_on_the_flow",
     test_expect_passive_retr_is_download_on_the_flow},
    {"test_expect_active_translates_direction", test_expect_active_translates_direction},
    {"test_expect_flow_seen_from_the_listener_flips", test_expect_flow_seen_from_the_listener_flips},
    {"test_expect_timeout_by_packet_time", test_expect_timeout_by_packet_time},
    {"test_expect_full_table_evicts_oldest", test_expect_full_table_evicts_oldest},
    {"test_expect_no_match_for_other_ports_or_addresses",
     test_expect_no_match_for_other_ports_or_addresses},
    {"test_expect_ipv6_passive_and_active", test_expect_ipv6_passive_and_active},
    {"test_expect_newest_announcement_wins", test_expect_newest_announcement_wins},
    {"test_expect_alternate_addresses_go_together", test_expect_alternate_addresses_go_together},
    {"test_expect_refuses_bad_arguments", test_expect_refuses_bad_arguments},
    {"test_expect_copies_strings_within_bounds", test_expect_copies_strings_within_bounds},
    {"test_expect_full_table_lookups_stay_short", test_expect_full_table_lookups_stay_short},
    {"test_expect_out_of_memory_is_counted", test_expect_out_of_memory_is_counted},
    {"test_expect_entries_age_by_their_owners_clock", test_expect_entries_age_by_their_owners_clock},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rw_suites_expect[] = {
    {"expect", NULL, NULL, NULL, NULL, expect_tests},
    CU_SUITE_INFO_NULL,
};
