/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_expect.c — libFuzzer target: the table of announced data connections (rw_expect). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rw.h"
#include "rw_alloc.h"
#include "rw_expect.h"
#include "rw_limits.h"

/*
 * Input: a table size byte (max = 1 + byte % 16), then operations, each an op byte and its
 * arguments (missing bytes read as 0):
 *
 *   op % 4 == 0  add:    a, aport, b, bport, dir, time step, name length n, n name bytes;
 *                        when op & 0x80 the same announcement is added again at once with
 *                        the other address of the side that listens (an alternate pair)
 *           1    take:   src, sport, dst, dport, time step
 *           2    expire: time step
 *           3    add with the Nth allocation from now failing (N = 1 + next byte % 4)
 *
 * Addresses are indexes into fuzz_expect_addrs (IPv4, IPv6, and one of family 0); a port
 * byte picks 0, 20, 21, 1024, 50000 or 65535 (byte % 8 >= 6: the byte itself); a time step
 * byte advances packet time by byte * 1 s (> 0x80: by (byte - 0x80) * 10 s), so the
 * 120 s timeout is crossed. The name is "#<id>:" then the n input bytes, so a hit names
 * the add it came from.
 *
 * Oracles (rw_expect.h): an add returns RW_EINVAL exactly for the bad arguments listed in
 * the header, else 0 (or RW_ENOMEM under the failing allocation); count never exceeds max
 * and always equals added - taken - expired - evicted - alternates_dropped; a take that
 * hits returns an announcement that was added, not yet handed out, younger than the
 * timeout, whose endpoints match the flow by the header's rule, with its name (cut to
 * RW_FILE_NAME_MAX_BYTES), method and uri copied, announced_dir as added and dir
 * translated to the new flow; a take removes one entry, or two for a pair; expire returns
 * what it dropped; after the timeout every entry is gone; a miss leaves *out untouched.
 * FUZZ_EXPECT_VERBOSE=1 in the environment prints every take.
 */

#define FUZZ_EXPECT_MAX_IDS 4096
#define FUZZ_EXPECT_TIMEOUT_US ((uint64_t)RW_EXPECT_TIMEOUT_SEC * 1000000u)

static const struct rw_addr fuzz_expect_addrs[] = {
    {4, {192, 0, 2, 10}},
    {4, {198, 51, 100, 20}},
    {4, {10, 0, 0, 5}},
    {4, {0}},
    {6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}},
    {6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20}},
    {0, {0}},
};
#define FUZZ_EXPECT_NADDR (sizeof(fuzz_expect_addrs) / sizeof(fuzz_expect_addrs[0]))

static const uint16_t fuzz_expect_ports[] = {0, 20, 21, 1024, 50000, 65535};

/* What the harness knows of every add that returned 0. */
struct fuzz_expect_add {
    struct rw_addr a, b;
    uint16_t aport, bport;
    uint8_t dir;
    uint8_t taken;
    int partner; /* the other add of an alternate pair (same name), or -1 */
    uint64_t added_us;
    size_t name_len;
    uint8_t name[RW_FILE_NAME_MAX_BYTES + 64];
};

static struct fuzz_expect_add *fuzz_expect_ids;

struct fuzz_expect_in {
    const uint8_t *p;
    size_t n, off;
};

static uint8_t fuzz_expect_byte(struct fuzz_expect_in *in)
{
    return in->off < in->n ? in->p[in->off++] : 0;
}

static void fuzz_expect_fail(const char *what)
{
    fprintf(stderr, "fuzz_expect: %s\n", what);
    abort();
}

static void fuzz_expect_check(int cond, const char *what)
{
    if (!cond)
        fuzz_expect_fail(what);
}

static uint16_t fuzz_expect_port(uint8_t b)
{
    return b % 8 >= 6 ? b : fuzz_expect_ports[b % 8];
}

static uint64_t fuzz_expect_step(uint8_t b)
{
    return b > 0x80 ? (uint64_t)(b - 0x80) * 10000000u : (uint64_t)b * 1000000u;
}

static int fuzz_expect_addr_eq(const struct rw_addr *x, const struct rw_addr *y)
{
    return x->family == y->family && memcmp(x->a, y->a, sizeof(x->a)) == 0;
}

static void fuzz_expect_invariants(const struct rw_expect *e, size_t max)
{
    const struct rw_expect_counters *c = rw_expect_counters(e);
    size_t n = rw_expect_count(e);

    fuzz_expect_check(n <= max, "more entries than max");
    fuzz_expect_check(c->added - c->taken - c->expired - c->evicted - c->alternates_dropped == n,
                      "count is not added - taken - expired - evicted - alternates_dropped");
}

/* One add; returns the id recorded, or -1. */
static int fuzz_expect_do_add(struct rw_expect *e, uint64_t now, const struct rw_addr *a,
                              uint16_t aport, const struct rw_addr *b, uint16_t bport,
                              uint8_t dir, const uint8_t *name, size_t name_len, int may_oom,
                              size_t *nids)
{
    struct rw_xfer_meta meta;
    const struct rw_expect_counters *c = rw_expect_counters(e);
    uint64_t refused0 = c->refused, nomem0 = c->nomem, added0 = c->added;
    int bad = a->family != b->family || (a->family != 4 && a->family != 6) ||
              (aport == 0 && bport == 0) || dir > RW_TOCLIENT;
    int rc;

    memset(&meta, 0, sizeof(meta));
    meta.app_proto = "ftp-data";
    meta.method = dir == RW_TOSERVER ? "STOR" : "RETR";
    meta.uri = (const char *)name;
    rc = rw_expect_add(e, now, a, aport, b, bport, dir, (const char *)name, name_len, &meta);
    if (bad) {
        fuzz_expect_check(rc == RW_EINVAL && c->refused == refused0 + 1 && c->added == added0,
                          "bad add not refused");
        return -1;
    }
    if (rc == RW_ENOMEM) {
        fuzz_expect_check(may_oom && c->nomem == nomem0 + 1 && c->added == added0,
                          "RW_ENOMEM without a failing allocation");
        return -1;
    }
    fuzz_expect_check(rc == 0 && c->added == added0 + 1, "good add failed");
    if (*nids >= FUZZ_EXPECT_MAX_IDS)
        fuzz_expect_fail("harness: too many ids");
    {
        struct fuzz_expect_add *x = &fuzz_expect_ids[*nids];

        x->a = *a;
        x->b = *b;
        x->aport = aport;
        x->bport = bport;
        x->dir = dir;
        x->taken = 0;
        x->partner = -1;
        x->added_us = now;
        x->name_len = name_len;
        memcpy(x->name, name, name_len);
    }
    return (int)(*nids)++;
}

/* Whether flow k matches announcement x in either orientation; *fwd and *rev say which. */
static int fuzz_expect_matches(const struct fuzz_expect_add *x, const struct rw_flow_key *k,
                               int *fwd_out, int *rev_out)
{
    int fwd = fuzz_expect_addr_eq(&k->src, &x->a) && fuzz_expect_addr_eq(&k->dst, &x->b) &&
              (x->aport == 0 || k->sport == x->aport) && (x->bport == 0 || k->dport == x->bport);
    int rev = fuzz_expect_addr_eq(&k->src, &x->b) && fuzz_expect_addr_eq(&k->dst, &x->a) &&
              (x->bport == 0 || k->sport == x->bport) && (x->aport == 0 || k->dport == x->aport);

    *fwd_out = fwd;
    *rev_out = rev;
    return fwd || rev;
}

static void fuzz_expect_check_hit(const struct rw_expect_hit *h, const struct rw_flow_key *k,
                                  uint64_t now, size_t nids)
{
    unsigned long id;
    char *end;
    const struct fuzz_expect_add *x;
    size_t want_len;
    int fwd, rev;

    fuzz_expect_check(h->name_len <= RW_FILE_NAME_MAX_BYTES && h->name[h->name_len] == '\0',
                      "hit name too long or not terminated");
    fuzz_expect_check(h->name[0] == '#', "hit name is not one the harness added");
    id = strtoul(h->name + 1, &end, 10);
    fuzz_expect_check(*end == ':' && id < nids, "hit names an id never added");
    x = &fuzz_expect_ids[id];
    fuzz_expect_check(!x->taken, "an announcement handed out twice");
    if (!fuzz_expect_matches(x, k, &fwd, &rev) && x->partner >= 0)
        x = &fuzz_expect_ids[x->partner];
    fuzz_expect_check(fuzz_expect_matches(x, k, &fwd, &rev), "hit does not match the flow");
    fuzz_expect_check(now - x->added_us <= FUZZ_EXPECT_TIMEOUT_US, "expired entry handed out");
    fuzz_expect_check(h->added_us == x->added_us, "added_us");
    want_len = x->name_len < RW_FILE_NAME_MAX_BYTES ? x->name_len : RW_FILE_NAME_MAX_BYTES;
    fuzz_expect_check(h->name_len == want_len && memcmp(h->name, x->name, want_len) == 0,
                      "name not copied (cut at RW_FILE_NAME_MAX_BYTES)");
    fuzz_expect_check(h->announced_dir == x->dir, "announced_dir");
    fuzz_expect_check(h->meta.app_proto != NULL && strcmp(h->meta.app_proto, "ftp-data") == 0,
                      "app_proto");
    fuzz_expect_check(h->meta.method != NULL &&
                          strcmp(h->meta.method, x->dir == RW_TOSERVER ? "STOR" : "RETR") == 0,
                      "method");
    fuzz_expect_check(h->meta.host == NULL && h->meta.content_type == NULL, "meta NULLs");
    /* the file moves a -> b for an upload (RW_TOSERVER), b -> a for a download */
    if (fwd != rev) {
        uint8_t want = (uint8_t)((x->dir == RW_TOSERVER) == fwd ? RW_TOSERVER : RW_TOCLIENT);

        fuzz_expect_check(h->dir == want, "dir not translated to the new flow");
    }
    fuzz_expect_ids[id].taken = 1;
    if (fuzz_expect_ids[id].partner >= 0)
        fuzz_expect_ids[fuzz_expect_ids[id].partner].taken = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_expect_in in = {data, size, 0};
    struct rw_expect *e;
    size_t max, nids = 0;
    uint64_t now = 1600000000000000ULL;
    uint8_t name[RW_FILE_NAME_MAX_BYTES + 64];

    if (fuzz_expect_ids == NULL) {
        fuzz_expect_ids = calloc(FUZZ_EXPECT_MAX_IDS, sizeof(*fuzz_expect_ids));
        if (fuzz_expect_ids == NULL)
            fuzz_expect_fail("out of memory");
    }
    max = 1 + fuzz_expect_byte(&in) % 16;
    e = rw_expect_new(max);
    fuzz_expect_check(e != NULL, "rw_expect_new failed");
    while (in.off < in.n && nids < FUZZ_EXPECT_MAX_IDS - 2) {
        uint8_t op = fuzz_expect_byte(&in);

        switch (op % 4) {
        case 0:
        case 3: {
            const struct rw_addr *a = &fuzz_expect_addrs[fuzz_expect_byte(&in) % FUZZ_EXPECT_NADDR];
            uint16_t aport = fuzz_expect_port(fuzz_expect_byte(&in));
            const struct rw_addr *b = &fuzz_expect_addrs[fuzz_expect_byte(&in) % FUZZ_EXPECT_NADDR];
            uint16_t bport = fuzz_expect_port(fuzz_expect_byte(&in));
            uint8_t dir = fuzz_expect_byte(&in) % 3;
            size_t n, hl;
            int id;

            now += fuzz_expect_step(fuzz_expect_byte(&in));
            n = fuzz_expect_byte(&in);
            if (n == 255) /* past RW_FILE_NAME_MAX_BYTES with the "#id:" head */
                n = RW_FILE_NAME_MAX_BYTES + 32;
            hl = (size_t)snprintf((char *)name, sizeof(name), "#%zu:", nids);
            for (size_t i = 0; i < n && hl + i < sizeof(name); i++)
                name[hl + i] = fuzz_expect_byte(&in);
            n = hl + n < sizeof(name) ? hl + n : sizeof(name);
            if (op % 4 == 3)
                rw_alloc_hook_set(1 + fuzz_expect_byte(&in) % 4);
            id = fuzz_expect_do_add(e, now, a, aport, b, bport, dir, name, n, op % 4 == 3, &nids);
            if (op % 4 == 3)
                rw_alloc_hook_set(0);
            if (id >= 0 && (op & 0x80)) {
                /* the alternate: another address for the listening side, same name */
                const struct rw_addr *alt = &fuzz_expect_addrs[(op >> 4 & 7) % FUZZ_EXPECT_NADDR];
                int id2 = -1;

                if (aport != 0 && !fuzz_expect_addr_eq(alt, a))
                    id2 = fuzz_expect_do_add(e, now, alt, aport, b, bport, dir, name, n, 0, &nids);
                else if (aport == 0 && !fuzz_expect_addr_eq(alt, b))
                    id2 = fuzz_expect_do_add(e, now, a, aport, alt, bport, dir, name, n, 0, &nids);
                if (id2 >= 0)
                    fuzz_expect_ids[id].partner = id2;
            }
            break;
        }
        case 1: {
            struct rw_flow_key k;
            struct rw_expect_hit h, h0;
            const struct rw_expect_counters *c = rw_expect_counters(e);
            struct rw_expect_counters c0 = *c;
            size_t before = rw_expect_count(e), after;
            int rc;

            memset(&k, 0, sizeof(k));
            k.src = fuzz_expect_addrs[fuzz_expect_byte(&in) % FUZZ_EXPECT_NADDR];
            k.sport = fuzz_expect_port(fuzz_expect_byte(&in));
            k.dst = fuzz_expect_addrs[fuzz_expect_byte(&in) % FUZZ_EXPECT_NADDR];
            k.dport = fuzz_expect_port(fuzz_expect_byte(&in));
            k.proto = 6;
            now += fuzz_expect_step(fuzz_expect_byte(&in));
            memset(&h, 0x5a, sizeof(h));
            h0 = h;
            rc = rw_expect_take(e, now, &k, &h);
            after = rw_expect_count(e);
            if (getenv("FUZZ_EXPECT_VERBOSE") != NULL)
                fprintf(stderr, "fuzz_expect: take %zu -> %zu entries: %s dir %u \"%.*s\"\n",
                        before, after, rc == 0 ? "hit" : "miss", rc == 0 ? h.dir : 0,
                        rc == 0 ? (int)h.name_len : 0, rc == 0 ? h.name : "");
            if (rc == RW_ENOENT) {
                fuzz_expect_check(memcmp(&h, &h0, sizeof(h)) == 0, "a miss wrote *out");
                /* no live entry the harness knows of may match */
                for (size_t i = 0; i < nids; i++) {
                    int f, r;

                    if (!fuzz_expect_ids[i].taken &&
                        now - fuzz_expect_ids[i].added_us <= FUZZ_EXPECT_TIMEOUT_US &&
                        fuzz_expect_matches(&fuzz_expect_ids[i], &k, &f, &r)) {
                        /* it may have been evicted or dropped as an alternate: only a
                         * table that never evicted or dropped one must have it */
                        fuzz_expect_check(c->evicted > 0 || c->alternates_dropped > 0,
                                          "a live matching entry was not found");
                    }
                }
            } else {
                fuzz_expect_check(rc == 0, "take returned neither 0 nor RW_ENOENT");
                fuzz_expect_check_hit(&h, &k, now, nids);
                fuzz_expect_check(c->taken == c0.taken + 1 &&
                                      c->alternates_dropped - c0.alternates_dropped <= 1 &&
                                      before - after == 1 + (c->alternates_dropped -
                                                             c0.alternates_dropped) +
                                                            (c->expired - c0.expired),
                                  "take removed neither one entry nor a pair");
            }
            break;
        }
        default: {
            size_t before, dropped;

            now += fuzz_expect_step(fuzz_expect_byte(&in));
            before = rw_expect_count(e);
            dropped = rw_expect_expire(e, now);
            fuzz_expect_check(rw_expect_count(e) == before - dropped, "expire's return");
            break;
        }
        }
        fuzz_expect_invariants(e, max);
    }
    now += FUZZ_EXPECT_TIMEOUT_US + 1;
    (void)rw_expect_expire(e, now);
    fuzz_expect_check(rw_expect_count(e) == 0, "entries left after the timeout");
    fuzz_expect_invariants(e, max);
    rw_expect_free(&e);
    fuzz_expect_check(e == NULL, "rw_expect_free did not clear the pointer");
    return 0;
}
