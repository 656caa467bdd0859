/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_rw_util.c — rw_addr_format: inet_ntop's exact text from our own formatter. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "rw.h"
#include "rw_test.h"

/* xorshift64: a fixed, repeatable stream (the seed is the test's, not the clock's). */
static uint64_t rng_state = UINT64_C(0x9e3779b97f4a7c15);

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static unsigned long mismatches;

/* Compares rw_addr_format with glibc's inet_ntop on one address; prints the first few. */
static void check_one(const struct rw_addr *a)
{
    char want[INET6_ADDRSTRLEN], got[INET6_ADDRSTRLEN];
    int af = a->family == 4 ? AF_INET : AF_INET6;
    int n;

    CU_ASSERT_PTR_NOT_NULL_FATAL(inet_ntop(af, a->a, want, sizeof(want)));
    n = rw_addr_format(a, got, sizeof(got));
    if (n != (int)strlen(want) || strcmp(got, want) != 0) {
        if (mismatches++ < 5)
            fprintf(stderr, "\nrw_addr_format: %s, inet_ntop: %s\n", got, want);
    }
}

static struct rw_addr v6_of_groups(const unsigned w[8])
{
    struct rw_addr a;

    memset(&a, 0, sizeof(a));
    a.family = 6;
    for (int i = 0; i < 8; i++) {
        a.a[2 * i] = (uint8_t)(w[i] >> 8);
        a.a[2 * i + 1] = (uint8_t)w[i];
    }
    return a;
}

static const char *fmt(const struct rw_addr *a)
{
    static char buf[64];

    CU_ASSERT(rw_addr_format(a, buf, sizeof(buf)) >= 0);
    return buf;
}

static void test_util_addr_format_rfc5952_by_hand(void)
{
    static const struct {
        unsigned w[8];
        const char *text;
    } cases[] = {
        {{0, 0, 0, 0, 0, 0, 0, 0}, "::"},
        {{0, 0, 0, 0, 0, 0, 0, 1}, "::1"},
        {{1, 0, 0, 0, 0, 0, 0, 0}, "1::"},
        {{0x2001, 0xdb8, 0, 0, 0, 0, 0, 1}, "2001:db8::1"},
        {{0x2001, 0xdb8, 0, 1, 0, 0, 0, 1}, "2001:db8:0:1::1"},         /* one zero: no :: */
        {{1, 0, 0, 1, 0, 0, 1, 1}, "1::1:0:0:1:1"},                    /* tie: the first */
        {{1, 0, 0, 1, 0, 0, 0, 1}, "1:0:0:1::1"},                      /* the longest */
        {{0xfe80, 0, 0, 0, 0x0abc, 0xDEF0, 0x10, 0xffff}, "fe80::abc:def0:10:ffff"},
        {{0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201}, "::ffff:192.0.2.1"}, /* IPv4-mapped */
        {{0, 0, 0, 0, 0, 0, 0xc000, 0x0201}, "::192.0.2.1"},           /* IPv4-compatible */
        {{0, 0, 0, 0, 0, 0, 0, 0x0201}, "::201"},                      /* seven zeros: hex */
        {{0, 0, 0, 0, 0, 0xfffe, 0xc000, 0x0201}, "::fffe:c000:201"},  /* not mapped */
        {{0, 0, 0, 0, 0xffff, 0, 0xc000, 0x0201}, "::ffff:0:c000:201"},
        {{0, 0, 0, 0, 0, 0xffff, 0, 0}, "::ffff:0.0.0.0"},
        {{0x64, 0xff9b, 0, 0, 0, 0, 0xc000, 0x0201}, "64:ff9b::c000:201"}, /* NAT64: hex */
        {{1, 2, 3, 4, 5, 6, 7, 8}, "1:2:3:4:5:6:7:8"},
        {{0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff},
         "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct rw_addr a = v6_of_groups(cases[i].w);

        CU_ASSERT_STRING_EQUAL(fmt(&a), cases[i].text);
    }
}

static void test_util_addr_format_ipv4_by_hand(void)
{
    struct rw_addr a = {.family = 4, .a = {0, 0, 0, 0}};

    CU_ASSERT_STRING_EQUAL(fmt(&a), "0.0.0.0");
    memcpy(a.a, (const uint8_t[]){10, 9, 100, 255}, 4);
    CU_ASSERT_STRING_EQUAL(fmt(&a), "10.9.100.255");
    memcpy(a.a, (const uint8_t[]){175, 45, 176, 1}, 4);
    CU_ASSERT_STRING_EQUAL(fmt(&a), "175.45.176.1");
    CU_ASSERT_EQUAL(rw_addr_format(&a, (char[16]){0}, 16), 12);
}

/* Every pattern of zero and non-zero groups (256), each with non-zero values drawn from
 * the forms that change the text: 1, ffff (IPv4-mapped), one to four hex digits. */
static void test_util_addr_format_ipv6_every_zero_pattern_as_inet_ntop(void)
{
    static const unsigned vals[] = {1, 0xffff, 0xa, 0xab, 0xabc, 0xabcd, 0x100, 0x1000};

    mismatches = 0;
    for (unsigned mask = 0; mask < 256; mask++) {
        for (unsigned v = 0; v < 64; v++) {
            unsigned w[8];
            struct rw_addr a;

            for (int i = 0; i < 8; i++) {
                unsigned pick = i >= 5 ? (v >> (2 * (i - 5))) & 3 : (unsigned)(rng() % 8);

                /* Groups 5..7 run through the first four values in turn: 1 and ffff in
                 * the positions that decide the dotted quad. */
                w[i] = (mask >> i & 1) ? vals[pick] : 0;
            }
            a = v6_of_groups(w);
            check_one(&a);
        }
    }
    CU_ASSERT_EQUAL(mismatches, 0);
}

/* Random addresses: half with each byte zero at even odds (long and competing runs),
 * half uniform; and the dotted-quad prefixes with random last 32 bits. */
static void test_util_addr_format_ipv6_random_as_inet_ntop(void)
{
    struct rw_addr a;

    mismatches = 0;
    memset(&a, 0, sizeof(a));
    a.family = 6;
    for (unsigned long n = 0; n < 400000; n++) {
        uint64_t r0 = rng(), r1 = rng(), z = rng();

        memcpy(a.a, &r0, 8);
        memcpy(a.a + 8, &r1, 8);
        if (n % 2 == 0) {
            for (int i = 0; i < 16; i++) {
                if (z >> (i / 2 * 2 + (n / 2 % 2)) & 1) /* whole groups, sometimes bytes */
                    a.a[i] = 0;
            }
        }
        check_one(&a);
        /* ::a.b.c.d and ::ffff:a.b.c.d with the same last 32 bits */
        memset(a.a, 0, 12);
        check_one(&a);
        a.a[10] = 0xff;
        a.a[11] = 0xff;
        check_one(&a);
    }
    CU_ASSERT_EQUAL(mismatches, 0);
}

/* Every value in every byte of an IPv4 address, and random ones. */
static void test_util_addr_format_ipv4_as_inet_ntop(void)
{
    struct rw_addr a;

    mismatches = 0;
    memset(&a, 0, sizeof(a));
    a.family = 4;
    for (int pos = 0; pos < 4; pos++) {
        for (unsigned v = 0; v < 256; v++) {
            uint64_t r = rng();

            memcpy(a.a, &r, 4);
            a.a[pos] = (uint8_t)v;
            check_one(&a);
        }
    }
    for (unsigned long n = 0; n < 200000; n++) {
        uint64_t r = rng();

        memcpy(a.a, &r, 4);
        check_one(&a);
    }
    CU_ASSERT_EQUAL(mismatches, 0);
}

/* A buffer one byte short gives RW_EINVAL and an empty string, as inet_ntop's ENOSPC did;
 * an exact fit gives the text. */
static void test_util_addr_format_short_buffer_and_bad_family(void)
{
    unsigned w[8] = {0x2001, 0xdb8, 0x85a3, 0x8d3, 0x1319, 0x8a2e, 0x370, 0x7348};
    struct rw_addr a = v6_of_groups(w), none;
    const char *text = "2001:db8:85a3:8d3:1319:8a2e:370:7348";
    char buf[64];

    for (size_t len = 1; len <= strlen(text); len++) {
        memset(buf, 'x', sizeof(buf));
        CU_ASSERT_EQUAL(rw_addr_format(&a, buf, len), RW_EINVAL);
        CU_ASSERT_EQUAL(buf[0], '\0');
    }
    CU_ASSERT_EQUAL(rw_addr_format(&a, buf, strlen(text) + 1), (int)strlen(text));
    CU_ASSERT_STRING_EQUAL(buf, text);
    memset(&none, 0, sizeof(none));
    buf[0] = 'x';
    CU_ASSERT_EQUAL(rw_addr_format(&none, buf, sizeof(buf)), RW_EINVAL);
    CU_ASSERT_EQUAL(buf[0], '\0');
    none.family = 5;
    CU_ASSERT_EQUAL(rw_addr_format(&none, buf, sizeof(buf)), RW_EINVAL);
    CU_ASSERT_EQUAL(rw_addr_format(NULL, buf, sizeof(buf)), RW_EINVAL);
    CU_ASSERT_EQUAL(rw_addr_format(&a, NULL, 10), RW_EINVAL);
    CU_ASSERT_EQUAL(rw_addr_format(&a, buf, 0), RW_EINVAL);
}

static CU_TestInfo util_tests[] = {
    {"test_util_addr_format_rfc5952_by_hand", test_util_addr_format_rfc5952_by_hand},
    {"test_util_addr_format_ipv4_by_hand", test_util_addr_format_ipv4_by_hand},
    {"test_util_addr_format_ipv6_every_zero_pattern_as_inet_ntop",
     test_util_addr_format_ipv6_every_zero_pattern_as_inet_ntop},
    {"test_util_addr_format_ipv6_random_as_inet_ntop",
     test_util_addr_format_ipv6_random_as_inet_ntop},
    {"test_util_addr_format_ipv4_as_inet_ntop", test_util_addr_format_ipv4_as_inet_ntop},
    {"test_util_addr_format_short_buffer_and_bad_family",
     test_util_addr_format_short_buffer_and_bad_family},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rw_suites_util[] = {
    {"util", NULL, NULL, NULL, NULL, util_tests},
    CU_SUITE_INFO_NULL,
};
