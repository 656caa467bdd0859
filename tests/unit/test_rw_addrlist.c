/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_rw_addrlist.c — address lists: longest-prefix answers (v4, v6), file formats, messages. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rw_addrlist.h"
#include "rw_test.h"

#define DATA "../data/lists/"

/* Adds each CIDR of a NULL-terminated array; every one must be accepted. */
static struct rw_addrlist *list_of(const char *name, const char *const *cidrs)
{
    struct rw_addrlist *l = rw_addrlist_new(name, 7);

    CU_ASSERT_PTR_NOT_NULL_FATAL(l);
    for (size_t i = 0; cidrs[i] != NULL; i++) {
        struct rw_cidr c;
        char why[256];

        CU_ASSERT_EQUAL_FATAL(rw_addrlist_parse_cidr(cidrs[i], strlen(cidrs[i]), &c, why,
                                                     sizeof(why)), 0);
        CU_ASSERT_EQUAL_FATAL(rw_addrlist_add(l, &c, 0), 0);
    }
    return l;
}

/* The length written after the '/' of a prefix text. */
static unsigned prefix_bits(const char *prefix)
{
    const char *slash = strchr(prefix, '/');
    char *end = NULL;
    unsigned long v;

    CU_ASSERT_PTR_NOT_NULL_FATAL(slash);
    errno = 0;
    v = strtoul(slash + 1, &end, 10);
    CU_ASSERT_FATAL(errno == 0 && end != slash + 1 && *end == '\0' && v <= 128);
    return (unsigned)v;
}

/* Looks addr up and checks the prefix text; want NULL means "no match". */
static void expect_match(const struct rw_addrlist *l, const char *addr, const char *want)
{
    struct rw_addr a = rw_test_addr(addr);
    struct rw_addrlist_match m;
    int hit;

    memset(&m, 0, sizeof(m));
    hit = rw_addrlist_lookup(l, &a, &m);
    if (want == NULL) {
        if (hit)
            fprintf(stderr, "\n%s matched %s, expected no match\n", addr, m.prefix);
        CU_ASSERT_EQUAL(hit, 0);
        CU_ASSERT_EQUAL(rw_addrlist_lookup(l, &a, NULL), 0);
        return;
    }
    if (!hit || strcmp(m.prefix, want) != 0)
        fprintf(stderr, "\n%s -> %s, expected %s\n", addr, hit ? m.prefix : "(none)", want);
    CU_ASSERT_EQUAL(hit, 1);
    CU_ASSERT_STRING_EQUAL(m.prefix, want);
    CU_ASSERT_STRING_EQUAL(m.list, rw_addrlist_name(l));
    CU_ASSERT_EQUAL(m.index, 7);
    CU_ASSERT_EQUAL(m.bits, prefix_bits(want));
    CU_ASSERT_EQUAL(rw_addrlist_lookup(l, &a, NULL), 1);
}

static void expect_diag(const struct rw_diag *d, const char *const *lines)
{
    size_t n = 0;

    while (lines[n] != NULL)
        n++;
    for (size_t i = 0; i < rw_diag_count(d) || i < n; i++) {
        const char *got = rw_diag_line(d, i);

        if (got == NULL || i >= n || strcmp(got, lines[i]) != 0)
            fprintf(stderr, "\ndiag line %zu:\n  got  %s\n  want %s\n", i,
                    got == NULL ? "(none)" : got, i < n ? lines[i] : "(none)");
        CU_ASSERT(got != NULL && i < n && strcmp(got, lines[i]) == 0);
    }
    CU_ASSERT_EQUAL(rw_diag_count(d), n);
}

static void test_addrlist_longest_prefix_v4(void)
{
    static const char *const cidrs[] = {"10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24",
                                        "10.1.2.3/32", "10.1.2.128/25", NULL};
    struct rw_addrlist *l = list_of("corp", cidrs);

    CU_ASSERT_EQUAL(rw_addrlist_count(l), 5);
    expect_match(l, "10.1.2.3", "10.1.2.3/32");
    expect_match(l, "10.1.2.4", "10.1.2.0/24");
    expect_match(l, "10.1.2.200", "10.1.2.128/25");
    expect_match(l, "10.1.3.1", "10.1.0.0/16");
    expect_match(l, "10.200.0.1", "10.0.0.0/8");
    expect_match(l, "10.255.255.255", "10.0.0.0/8");
    expect_match(l, "9.255.255.255", NULL);
    expect_match(l, "11.0.0.0", NULL);
    expect_match(l, "::a01:203", NULL);   /* the same 32 bits as 10.1.2.3, but IPv6 */
    rw_addrlist_free(&l);
    CU_ASSERT_PTR_NULL(l);
}

static void test_addrlist_longest_prefix_v6(void)
{
    static const char *const cidrs[] = {"2001:db8::/32", "2001:db8:1::/48", "2001:db8:1:2::/64",
                                        "2001:db8:1:2::5/128", "fc00::/7", NULL};
    struct rw_addrlist *l = list_of("v6", cidrs);

    CU_ASSERT_EQUAL(rw_addrlist_count(l), 5);
    expect_match(l, "2001:db8:1:2::5", "2001:db8:1:2::5/128");
    expect_match(l, "2001:db8:1:2::6", "2001:db8:1:2::/64");
    expect_match(l, "2001:db8:1:3::1", "2001:db8:1::/48");
    expect_match(l, "2001:db8:ffff::1", "2001:db8::/32");
    expect_match(l, "fd12:3456::1", "fc00::/7");
    expect_match(l, "fe00::1", NULL);
    expect_match(l, "2001:db9::", NULL);
    rw_addrlist_free(&l);
}

/* nDPI's combined ndpi_ptree files 2001:db8::/32 under IPv4 (bytes 4..15 are zero) and then
 * matches 32.1.13.184 (0x20 0x01 0x0d 0xb8). Separate trees must not. */
static void test_addrlist_v6_prefix_never_matches_v4_address(void)
{
    static const char *const v6[] = {"2001:db8::/32", NULL};
    static const char *const v4[] = {"32.1.13.184/32", "32.0.0.0/8", NULL};
    struct rw_addrlist *l6 = list_of("v6", v6);
    struct rw_addrlist *l4 = list_of("v4", v4);

    expect_match(l6, "32.1.13.184", NULL);
    expect_match(l6, "2001:db8::", "2001:db8::/32");
    expect_match(l4, "2001:db8::", NULL);
    expect_match(l4, "2001:db8::1", NULL);
    expect_match(l4, "32.1.13.184", "32.1.13.184/32");
    rw_addrlist_free(&l6);
    rw_addrlist_free(&l4);
}

static void test_addrlist_default_routes_and_host_prefixes(void)
{
    static const char *const all4[] = {"0.0.0.0/0", "255.255.255.255/32", NULL};
    static const char *const all6[] = {"::/0", "::/128", "::1",
                                       "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", NULL};
    struct rw_addrlist *l4 = list_of("all4", all4);
    struct rw_addrlist *l6 = list_of("all6", all6);

    expect_match(l4, "0.0.0.0", "0.0.0.0/0");
    expect_match(l4, "1.2.3.4", "0.0.0.0/0");
    expect_match(l4, "255.255.255.254", "0.0.0.0/0");
    expect_match(l4, "255.255.255.255", "255.255.255.255/32");
    expect_match(l4, "::", NULL);
    expect_match(l6, "::", "::/128");
    expect_match(l6, "::1", "::1/128");
    expect_match(l6, "::2", "::/0");
    expect_match(l6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", "::/0");
    expect_match(l6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
    expect_match(l6, "0.0.0.0", NULL);
    CU_ASSERT_EQUAL(rw_addrlist_count(l6), 4);
    rw_addrlist_free(&l4);
    rw_addrlist_free(&l6);
}

static void test_addrlist_same_prefix_twice_is_kept_once(void)
{
    static const char *const cidrs[] = {"175.45.176.0/22", "175.45.176.0/22", "2001:db8::/32",
                                        "2001:db8::/32", NULL};
    struct rw_addrlist *l = list_of("dups", cidrs);
    struct rw_cidr c;
    struct rw_addr a = rw_test_addr("175.45.177.9");
    struct rw_addrlist_match m;
    char why[256];

    CU_ASSERT_EQUAL(rw_addrlist_count(l), 2);
    /* Categories of a repeated prefix are ORed together. */
    CU_ASSERT_EQUAL(rw_addrlist_parse_cidr("175.45.176.0/22", 15, &c, why, sizeof(why)), 0);
    CU_ASSERT_EQUAL(rw_addrlist_add(l, &c, 1u << 3), 0);
    CU_ASSERT_EQUAL(rw_addrlist_add(l, &c, 1u << 5), 0);
    CU_ASSERT_EQUAL(rw_addrlist_count(l), 2);
    CU_ASSERT_EQUAL(rw_addrlist_lookup(l, &a, &m), 1);
    CU_ASSERT_EQUAL(m.categories, (1u << 3) | (1u << 5));
    /* Host bits are refused by add too. */
    c.addr.a[3] = 1;
    CU_ASSERT_EQUAL(rw_addrlist_add(l, &c, 0), RW_EINVAL);
    c.addr.a[3] = 0;
    c.bits = 33;
    CU_ASSERT_EQUAL(rw_addrlist_add(l, &c, 0), RW_EINVAL);
    rw_addrlist_free(&l);
}

static void test_addrlist_parse_cidr_exact_messages(void)
{
    static const struct {
        const char *in, *why;
    } cases[] = {
        {"10.0.0.1/8", "expected a network address (10.0.0.0/8), found host bits set in "
                       "'10.0.0.1/8'"},
        {"10.0.0.0/33", "expected a prefix length from 0 to 32, found '33'"},
        {"2001:db8::/129", "expected a prefix length from 0 to 128, found '129'"},
        {"1.2.3.4/", "expected a prefix length from 0 to 32, found ''"},
        {"1.2.3.4/+8", "expected a prefix length from 0 to 32, found '+8'"},
        {"1.2.3.4/-0", "expected a prefix length from 0 to 32, found '-0'"},
        {"1.2.3.4/8/8", "expected a prefix length from 0 to 32, found '8/8'"},
        {"::ffff:1.2.3.4/96", "expected a network address (::ffff:0.0.0.0/96), found host bits "
                              "set in '::ffff:1.2.3.4/96'"},
        {"fe80::1%eth0", "expected an IPv4 or IPv6 address or CIDR, found 'fe80::1%eth0'"},
        {"010.1.1.1", "expected an IPv4 or IPv6 address or CIDR, found '010.1.1.1'"},
        {"1.2.3", "expected an IPv4 or IPv6 address or CIDR, found '1.2.3'"},
        {"", "expected an IPv4 or IPv6 address or CIDR, found ''"},
        {"/8", "expected an IPv4 or IPv6 address or CIDR, found '/8'"},
        {"host\tname", "expected an IPv4 or IPv6 address or CIDR, found 'host\\x09name'"},
    };
    struct rw_cidr c;
    char why[512];
    char text[RW_ADDRLIST_PREFIX_MAX];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        why[0] = '\0';
        CU_ASSERT_EQUAL(rw_addrlist_parse_cidr(cases[i].in, strlen(cases[i].in), &c, why,
                                               sizeof(why)), RW_EINVAL);
        if (strcmp(why, cases[i].why) != 0)
            fprintf(stderr, "\n%s:\n  got  %s\n  want %s\n", cases[i].in, why, cases[i].why);
        CU_ASSERT_STRING_EQUAL(why, cases[i].why);
    }
    /* Good ones, and only len bytes are read (the '9' after them is not part of it). */
    CU_ASSERT_EQUAL(rw_addrlist_parse_cidr("192.0.2.0/249", 12, &c, why, sizeof(why)), 0);
    CU_ASSERT_EQUAL(c.addr.family, 4);
    CU_ASSERT_EQUAL(c.bits, 24);
    CU_ASSERT_EQUAL(rw_addrlist_format_cidr(&c, text, sizeof(text)), 12);
    CU_ASSERT_STRING_EQUAL(text, "192.0.2.0/24");
    CU_ASSERT_EQUAL(rw_addrlist_parse_cidr("2001:DB8:0:0::", 14, &c, why, sizeof(why)), 0);
    CU_ASSERT_EQUAL(c.addr.family, 6);
    CU_ASSERT_EQUAL(c.bits, 128);
    CU_ASSERT_EQUAL(rw_addrlist_format_cidr(&c, text, sizeof(text)), 14);
    CU_ASSERT_STRING_EQUAL(text, "2001:db8::/128");
    CU_ASSERT_EQUAL(rw_addrlist_format_cidr(&c, text, 14), RW_EINVAL);
    CU_ASSERT_STRING_EQUAL(text, "");
}

static void test_addrlist_quote_escapes_and_cuts(void)
{
    char buf[RW_ADDRLIST_QUOTE_MAX];
    char long_in[100];

    rw__addrlist_quote("a'b\\c\x01\xff", 7, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "'a\\x27b\\x5cc\\x01\\xff'");
    memset(long_in, 'x', sizeof(long_in));
    rw__addrlist_quote(long_in, sizeof(long_in), buf, sizeof(buf));
    CU_ASSERT_EQUAL(strlen(buf), 1 + 64 + 3 + 1);
    CU_ASSERT_STRING_EQUAL(buf + 61, "xxxx...'");
    rw__addrlist_quote("abcdef", 6, buf, 6);   /* a tiny buffer still ends in NUL */
    CU_ASSERT_EQUAL(strlen(buf) < 6, 1);
}

static void test_addrlist_loads_plain_file(void)
{
    struct rw_addrlist *l = rw_addrlist_new("plain", 7);
    struct rw_diag *d = rw_diag_new();
    struct rw_addrlist_opts o;

    RW_NEED_FILE(DATA "plain.txt");
    memset(&o, 0, sizeof(o));
    CU_ASSERT_EQUAL(rw_addrlist_load(l, DATA "plain.txt", &o, d), 0);
    CU_ASSERT_EQUAL(rw_diag_count(d), 0);
    CU_ASSERT_EQUAL(rw_addrlist_count(l), 7);
    CU_ASSERT_EQUAL(rw_addrlist_skipped(l), 0);
    expect_match(l, "175.45.179.255", "175.45.176.0/22");
    expect_match(l, "175.45.180.0", NULL);
    expect_match(l, "210.52.109.77", "210.52.109.0/24");
    expect_match(l, "77.94.35.1", "77.94.35.0/24");
    expect_match(l, "202.72.96.7", "202.72.96.4/30");
    expect_match(l, "202.72.96.8", NULL);
    expect_match(l, "198.51.100.7", "198.51.100.7/32");
    expect_match(l, "198.51.100.8", NULL);
    expect_match(l, "2001:db8:1::99", "2001:db8:1::/48");
    expect_match(l, "2001:db8:2::99", "2001:db8::/32");
    rw_addrlist_free(&l);
    rw_diag_free(&d);
}

static void test_addrlist_loads_iprep_file_with_categories(void)
{
    struct rw_addrlist *l = rw_addrlist_new("rep", 7);
    struct rw_addrlist *l70 = rw_addrlist_new("rep70", 7);
    struct rw_diag *d = rw_diag_new();
    struct rw_addrlist_opts o;
    struct rw_addr a = rw_test_addr("175.45.176.1");
    struct rw_addrlist_match m;

    RW_NEED_FILE(DATA "iprep.csv");
    memset(&o, 0, sizeof(o));
    o.format = RW_ADDRLIST_IPREP;
    o.min_score = 1;
    CU_ASSERT_EQUAL(rw_addrlist_load_categories(l, DATA "iprep-categories.txt", &o, d), 0);
    CU_ASSERT_STRING_EQUAL(rw_addrlist_category(l, 1), "BadHosts");
    CU_ASSERT_STRING_EQUAL(rw_addrlist_category(l, 2), "DPRK");
    CU_ASSERT_STRING_EQUAL(rw_addrlist_category(l, 59), "Relay");
    CU_ASSERT_PTR_NULL(rw_addrlist_category(l, 3));
    CU_ASSERT_PTR_NULL(rw_addrlist_category(l, 60));
    CU_ASSERT_EQUAL(rw_addrlist_load(l, DATA "iprep.csv", &o, d), 0);
    /* 175.45.176.0/22 (twice: categories 2 and 1), 210.52.109.0/24, 198.51.100.7,
     * 2001:db8:beef::/48; 77.94.35.0/24 scores 0 ("no data") and is skipped. */
    CU_ASSERT_EQUAL(rw_addrlist_count(l), 4);
    CU_ASSERT_EQUAL(rw_addrlist_skipped(l), 1);
    CU_ASSERT_EQUAL(rw_addrlist_lookup(l, &a, &m), 1);
    CU_ASSERT_STRING_EQUAL(m.prefix, "175.45.176.0/22");
    CU_ASSERT_EQUAL(m.categories, (1u << 1) | (1u << 2));
    expect_match(l, "198.51.100.7", "198.51.100.7/32");
    expect_match(l, "2001:db8:beef:1::", "2001:db8:beef::/48");
    expect_match(l, "77.94.35.1", NULL);
    /* min_score 70 also skips the 30 and 60 rows. */
    o.min_score = 70;
    CU_ASSERT_EQUAL(rw_addrlist_load_categories(l70, DATA "iprep-categories.txt", &o, d), 0);
    CU_ASSERT_EQUAL(rw_addrlist_load(l70, DATA "iprep.csv", &o, d), 0);
    CU_ASSERT_EQUAL(rw_addrlist_count(l70), 3);
    CU_ASSERT_EQUAL(rw_addrlist_skipped(l70), 3);
    CU_ASSERT_EQUAL(rw_addrlist_lookup(l70, &a, &m), 1);
    CU_ASSERT_EQUAL(m.categories, 1u << 2);
    expect_match(l70, "210.52.109.1", NULL);
    CU_ASSERT_EQUAL(rw_diag_count(d), 0);
    rw_addrlist_free(&l);
    rw_addrlist_free(&l70);
    rw_diag_free(&d);
}

static void test_addrlist_loads_zeek_intel_file(void)
{
    struct rw_addrlist *l = rw_addrlist_new("intel", 7);
    struct rw_diag *d = rw_diag_new();
    struct rw_addrlist_opts o;

    RW_NEED_FILE(DATA "intel.tsv");
    memset(&o, 0, sizeof(o));
    o.format = RW_ADDRLIST_ZEEK;
    CU_ASSERT_EQUAL(rw_addrlist_load(l, DATA "intel.tsv", &o, d), 0);
    CU_ASSERT_EQUAL(rw_diag_count(d), 0);
    CU_ASSERT_EQUAL(rw_addrlist_count(l), 3);
    CU_ASSERT_EQUAL(rw_addrlist_skipped(l), 2);   /* Intel::DOMAIN and Intel::URL */
    expect_match(l, "175.45.178.3", "175.45.176.0/22");
    expect_match(l, "210.52.109.7", "210.52.109.7/32");
    expect_match(l, "210.52.109.8", NULL);
    expect_match(l, "2001:db8:dead::1", "2001:db8:dead::1/128");
    rw_addrlist_free(&l);
    rw_diag_free(&d);
}

static void test_addrlist_parse_reports_every_error_with_column(void)
{
    /* Line 2: host bits at column 3; line 3: junk after the entry at column 17; line 5:
     * bad length; line 6: a NUL byte at column 5; line 7 is good (no final newline). */
    static const char buf[] = "# list\n"
                              "  10.0.0.1/8\n"
                              "192.168.0.0/16  junk here\n"
                              "\n"
                              "fc00::/200\n"
                              "1.2.\0003.4\n"
                              "172.16.0.0/12";
    static const char *const want[] = {
        "mem.txt:2:3: expected a network address (10.0.0.0/8), found host bits set in "
        "'10.0.0.1/8'",
        "mem.txt:3:17: expected the end of the line or a # comment, found 'junk'",
        "mem.txt:5:1: expected a prefix length from 0 to 128, found '200'",
        "mem.txt:6:5: expected text, found a NUL byte",
        NULL};
    struct rw_addrlist *l = rw_addrlist_new("mem", 0);
    struct rw_diag *d = rw_diag_new();
    struct rw_addrlist_opts o;

    memset(&o, 0, sizeof(o));
    CU_ASSERT_EQUAL(rw_addrlist_parse(l, "mem.txt", buf, sizeof(buf) - 1, &o, d), RW_EPARSE);
    expect_diag(d, want);
    CU_ASSERT_EQUAL(rw_addrlist_count(l), 2);   /* 192.168.0.0/16 and 172.16.0.0/12 */
    rw_addrlist_free(&l);
    rw_diag_free(&d);
}

static void test_addrlist_categories_file_needs_one_category(void)
{
    static const char *const want[] = {"cats.txt: expected at least one category, found none",
                                       NULL};
    struct rw_addrlist *l = rw_addrlist_new("rep", 0);
    struct rw_diag *d = rw_diag_new();

    CU_ASSERT_EQUAL(rw_addrlist_parse_categories(l, "cats.txt", "# none\n\n", 8, d), RW_EPARSE);
    expect_diag(d, want);
    rw_addrlist_free(&l);
    rw_diag_free(&d);
}

/* Writes n bytes of c then tail to a new temporary file; returns its path (static). */
static const char *temp_file(char fill, size_t n, const char *tail)
{
    static char path[64];
    char chunk[4096];
    int fd;

    snprintf(path, sizeof(path), "/tmp/rw_addrlist_XXXXXX");
    fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    memset(chunk, fill, sizeof(chunk));
    while (n > 0) {
        size_t k = n < sizeof(chunk) ? n : sizeof(chunk);

        CU_ASSERT_FATAL(write(fd, chunk, k) == (ssize_t)k);
        n -= k;
    }
    CU_ASSERT_FATAL(write(fd, tail, strlen(tail)) == (ssize_t)strlen(tail));
    close(fd);
    return path;
}

static void test_addrlist_line_longer_than_read_buffer_is_one_error(void)
{
    /* A 100000-byte comment line (longer than the 64 KiB read buffer), then two entries. */
    const char *path = temp_file('#', 100000, "\n192.0.2.0/24\n10.0.0.1/8\n");
    struct rw_addrlist *l = rw_addrlist_new("long", 0);
    struct rw_diag *d = rw_diag_new();
    struct rw_addrlist_opts o;
    char want1[256], want2[256];
    const char *want[] = {want1, want2, NULL};

    snprintf(want1, sizeof(want1), "%s:1:1: expected a line of at most 8192 bytes, found more",
             path);
    snprintf(want2, sizeof(want2), "%s:3:1: expected a network address (10.0.0.0/8), found "
             "host bits set in '10.0.0.1/8'", path);
    memset(&o, 0, sizeof(o));
    CU_ASSERT_EQUAL(rw_addrlist_load(l, path, &o, d), RW_EPARSE);
    expect_diag(d, want);
    CU_ASSERT_EQUAL(rw_addrlist_count(l), 1);
    unlink(path);
    rw_addrlist_free(&l);
    rw_diag_free(&d);
}

static void test_addrlist_refuses_oversized_and_missing_files(void)
{
    char path[] = "/tmp/rw_addrlist_big_XXXXXX";
    int fd = mkstemp(path);
    struct rw_addrlist *l = rw_addrlist_new("big", 0);
    struct rw_diag *d = rw_diag_new();
    struct rw_addrlist_opts o;
    char want1[256];
    const char *want[] = {want1,
                          "r.yaml:4:11: expected a readable file, found '/nonexistent/x.txt': No "
                          "such file or directory",
                          NULL};

    CU_ASSERT_FATAL(fd >= 0);
    /* Sparse: the size is checked before anything is read. */
    CU_ASSERT_FATAL(ftruncate(fd, (off_t)RW_LIST_FILE_MAX_BYTES + 1) == 0);
    close(fd);
    snprintf(want1, sizeof(want1), "%s: expected at most 268435456 bytes, found 268435457 in '%s'",
             path, path);
    memset(&o, 0, sizeof(o));
    CU_ASSERT_EQUAL(rw_addrlist_load(l, path, &o, d), RW_EPARSE);
    o.ref_file = "r.yaml";
    o.ref_line = 4;
    o.ref_col = 11;
    CU_ASSERT_EQUAL(rw_addrlist_load(l, "/nonexistent/x.txt", &o, d), RW_EPARSE);
    expect_diag(d, want);
    unlink(path);
    rw_addrlist_free(&l);
    rw_diag_free(&d);
}

/* Every allocation of a list load fails in turn: RW_ENOMEM (or NULL), never a crash or leak. */
static void test_addrlist_oom_walk_over_load(void)
{
    unsigned long n;

    RW_NEED_FILE(DATA "iprep.csv");
    for (n = 1; n < 1000; n++) {
        struct rw_diag *d = rw_diag_new();
        struct rw_addrlist *l;
        struct rw_addrlist_opts o;
        int rc = RW_ENOMEM;

        memset(&o, 0, sizeof(o));
        o.format = RW_ADDRLIST_IPREP;
        o.min_score = 1;
        rw_alloc_hook_set(n);
        l = rw_addrlist_new("rep", 0);
        if (l != NULL)
            rc = rw_addrlist_load_categories(l, DATA "iprep-categories.txt", &o, d);
        if (rc == 0)
            rc = rw_addrlist_load(l, DATA "iprep.csv", &o, d);
        if (rw_alloc_hook_failures() == 0) {
            rw_alloc_hook_set(0);
            CU_ASSERT_EQUAL(rc, 0);
            CU_ASSERT_EQUAL(rw_addrlist_count(l), 4);
            rw_addrlist_free(&l);
            rw_diag_free(&d);
            break;
        }
        rw_alloc_hook_set(0);
        CU_ASSERT_EQUAL(rc, RW_ENOMEM);
        rw_addrlist_free(&l);
        rw_diag_free(&d);
    }
    CU_ASSERT(n > 3 && n < 1000);   /* the walk reached a run with no failure */
}

/* The IPv4 text is written without inet_ntop: it must be inet_ntop's text, every digit
 * count of every octet and of the length, and refuse a buffer one byte short. */
static void test_addrlist_format_v4_is_inet_ntop_text(void)
{
    static const struct {
        uint8_t a[4];
        uint8_t bits;
        const char *want;
    } cases[] = {
        {{0, 0, 0, 0}, 0, "0.0.0.0/0"},
        {{9, 10, 99, 100}, 7, "9.10.99.100/7"},
        {{175, 45, 176, 0}, 22, "175.45.176.0/22"},
        {{255, 255, 255, 255}, 32, "255.255.255.255/32"},
        {{100, 109, 110, 190}, 10, "100.109.110.190/10"},
    };
    char text[RW_ADDRLIST_PREFIX_MAX];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct rw_cidr c;
        size_t n = strlen(cases[i].want);

        memset(&c, 0, sizeof(c));
        c.addr.family = 4;
        memcpy(c.addr.a, cases[i].a, 4);
        c.bits = cases[i].bits;
        CU_ASSERT_EQUAL(rw_addrlist_format_cidr(&c, text, sizeof(text)), (int)n);
        CU_ASSERT_STRING_EQUAL(text, cases[i].want);
        CU_ASSERT_EQUAL(rw_addrlist_format_cidr(&c, text, n + 1), (int)n);
        CU_ASSERT_STRING_EQUAL(text, cases[i].want);
        CU_ASSERT_EQUAL(rw_addrlist_format_cidr(&c, text, n), RW_EINVAL);
        CU_ASSERT_STRING_EQUAL(text, "");
    }
}

static CU_TestInfo addrlist_tests[] = {
    {"test_addrlist_format_v4_is_inet_ntop_text", test_addrlist_format_v4_is_inet_ntop_text},
    {"test_addrlist_longest_prefix_v4", test_addrlist_longest_prefix_v4},
    {"test_addrlist_longest_prefix_v6", test_addrlist_longest_prefix_v6},
    {"test_addrlist_v6_prefix_never_matches_v4_address",
     test_addrlist_v6_prefix_never_matches_v4_address},
    {"test_addrlist_default_routes_and_host_prefixes",
     test_addrlist_default_routes_and_host_prefixes},
    {"test_addrlist_same_prefix_twice_is_kept_once", test_addrlist_same_prefix_twice_is_kept_once},
    {"test_addrlist_parse_cidr_exact_messages", test_addrlist_parse_cidr_exact_messages},
    {"test_addrlist_quote_escapes_and_cuts", test_addrlist_quote_escapes_and_cuts},
    {"test_addrlist_loads_plain_file", test_addrlist_loads_plain_file},
    {"test_addrlist_loads_iprep_file_with_categories",
     test_addrlist_loads_iprep_file_with_categories},
    {"test_addrlist_loads_zeek_intel_file", test_addrlist_loads_zeek_intel_file},
    {"test_addrlist_parse_reports_every_error_with_column",
     test_addrlist_parse_reports_every_error_with_column},
    {"test_addrlist_categories_file_needs_one_category",
     test_addrlist_categories_file_needs_one_category},
    {"test_addrlist_line_longer_than_read_buffer_is_one_error",
     test_addrlist_line_longer_than_read_buffer_is_one_error},
    {"test_addrlist_refuses_oversized_and_missing_files",
     test_addrlist_refuses_oversized_and_missing_files},
    {"test_addrlist_oom_walk_over_load", test_addrlist_oom_walk_over_load},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rw_suites_addrlist[] = {
    {"addrlist", NULL, NULL, NULL, NULL, addrlist_tests},
    CU_SUITE_INFO_NULL,
};
