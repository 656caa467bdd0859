/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_test_decode.h — the decoder's contract checks, shared by the decode unit suites. */
#ifndef RW_TEST_DECODE_H
#define RW_TEST_DECODE_H

#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rw_alloc.h"
#include "rw_decode.h"

/* Reasons are the counters that say why a packet was not a flow packet: all events plus
 * invalid, arp, unknown_ethertype and too_many_layers. */
static int is_reason(int i)
{
    return i == RW_DEC_INVALID || i == RW_DEC_ARP || i == RW_DEC_UNKNOWN_ETHERTYPE ||
           i == RW_DEC_TOO_MANY_LAYERS || i >= RW_DEC_EV_ETH_PKT_TOO_SMALL;
}

static uint64_t reasons(const struct rw_decode_stats *st)
{
    uint64_t n = 0;

    for (int i = 0; i < RW_DEC_COUNTER_N; i++)
        if (is_reason(i))
            n += st->c[i];
    return n;
}

/*
 * Copies the frame into a heap block of exactly caplen bytes (so that ASan reports any
 * read past it), decodes it and checks the contract: a 0 return bumped exactly one reason
 * counter; a 1 return bumped none and left every pointer inside the captured bytes.
 * Pointers in *out are rebased onto `pkt` so that the caller may look at them.
 */
static int decode_checked(struct rw_decode_stats *st, int dlt, const uint8_t *pkt,
                          uint32_t caplen, uint32_t wirelen, struct rw_decoded *out)
{
    uint8_t *copy = rw_malloc(caplen == 0 ? 1 : caplen);
    uint64_t before = reasons(st), pkts = st->c[RW_DEC_PKTS];
    int r;

    CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
    if (caplen > 0)
        memcpy(copy, pkt, caplen);
    r = rw_decode_packet(st, dlt, caplen == 0 ? NULL : copy, caplen, wirelen, out);
    CU_ASSERT_EQUAL(st->c[RW_DEC_PKTS], pkts + 1);
    CU_ASSERT(r == 0 || r == 1);
    if (r == 0) {
        CU_ASSERT_EQUAL(reasons(st), before + 1);
    } else {
        CU_ASSERT_EQUAL(reasons(st), before);
        CU_ASSERT_PTR_NOT_NULL_FATAL(out->l3);
        CU_ASSERT_PTR_NOT_NULL_FATAL(out->payload);
        CU_ASSERT_FATAL(out->l3 >= copy && out->l3_len <= caplen &&
                        (size_t)(out->l3 - copy) <= caplen - out->l3_len);
        CU_ASSERT_FATAL(out->payload >= copy && out->payload_len <= caplen &&
                        (size_t)(out->payload - copy) <= caplen - out->payload_len);
        CU_ASSERT(out->payload_len <= out->payload_wire_len);
        CU_ASSERT(out->l3_len <= out->ip_wire_len);
        out->l3 = pkt + (out->l3 - copy);
        out->payload = pkt + (out->payload - copy);
    }
    rw_free(copy);
    return r;
}

/* Asserts that exactly the listed counters (index, value pairs, ended by -1) are non-zero,
 * ignoring pkts, bytes and max_pkt_size. */
static void expect_counters(const struct rw_decode_stats *st, ...)
{
    uint64_t want[RW_DEC_COUNTER_N] = {0};
    va_list ap;
    int i;

    va_start(ap, st);
    while ((i = va_arg(ap, int)) >= 0)
        want[i] = va_arg(ap, uint64_t);
    va_end(ap);
    for (i = 0; i < RW_DEC_COUNTER_N; i++) {
        if (i == RW_DEC_PKTS || i == RW_DEC_BYTES || i == RW_DEC_MAX_PKT_SIZE)
            continue;
        if (st->c[i] != want[i])
            fprintf(stderr, "\n  counter %s: got %llu, want %llu", rw_decode_counter_path[i],
                    (unsigned long long)st->c[i], (unsigned long long)want[i]);
        CU_ASSERT_EQUAL(st->c[i], want[i]);
    }
}
#define C(idx, v) (int)(idx), (uint64_t)(v)
#define END (-1)

static void expect_addr(const struct rw_addr *a, const char *text)
{
    uint8_t b[16] = {0};
    int fam = strchr(text, ':') != NULL ? AF_INET6 : AF_INET;

    CU_ASSERT_EQUAL_FATAL(inet_pton(fam, text, b), 1);
    CU_ASSERT_EQUAL(a->family, fam == AF_INET6 ? 6 : 4);
    CU_ASSERT_EQUAL(memcmp(a->a, b, 16), 0);
}

#endif
