/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_addrlist.c — libFuzzer target: one list file read in every rw_addrlist format. */
#define _GNU_SOURCE /* memfd_create */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rw.h"
#include "rw_addrlist.h"

/*
 * Input: the bytes of a list file. They go into an in-memory file (memfd, opened by path
 * as /proc/self/fd/N) and are read as:
 *
 *   - plain, iprep (after a fixed categories file, min_score 20) and zeek entries, each
 *     both with rw_addrlist_load (the streaming file reader) and rw_addrlist_parse (the
 *     buffer parser): the two must agree on the return code, the prefix and skip counts,
 *     every diagnostic line and every lookup;
 *   - an iprep categories file, again both ways;
 *   - one more parse, in a format picked by the input's hash, with the Nth rw_* allocation
 *     failing (N also from the hash), for the OOM exits;
 *   - for one input in eight (by hash), the input repeated past FUZZ_ADDRLIST_BIG_BYTES,
 *     load against parse again: the file reader works in 64 KiB chunks, and only a file
 *     that big has lines across chunk boundaries (and, without a newline, a line longer
 *     than a chunk).
 *
 * Further oracles: in plain format every line whose first token rw_addrlist_parse_cidr
 * accepts must be found by a lookup of its address, with a prefix at least as long; a
 * lookup's prefix text must parse back to a prefix holding the address; a CIDR that
 * parses must format and parse back to itself.
 */

#define FUZZ_ADDRLIST_MIN_SCORE 20
#define FUZZ_ADDRLIST_BIG_BYTES (140 * 1024)

static const char fuzz_addrlist_cats[] = "1,BadHosts,Known bad hosts\n"
                                         "2,DPRK,Address space tied to North Korea\n"
                                         "59,Relay,Relay servers seen in incidents\n";

static const struct rw_addr fuzz_addrlist_probes[] = {
    {4, {0}},
    {4, {10, 1, 2, 3}},
    {4, {175, 45, 176, 23}},
    {4, {198, 51, 100, 7}},
    {4, {255, 255, 255, 255}},
    {6, {0}},
    {6, {0x20, 0x01, 0x0d, 0xb8, 0xbe, 0xef, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
    {6, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
         0xff, 0xff}},
};

static int fuzz_addrlist_fd = -1;
static char fuzz_addrlist_path[64];
static uint8_t *fuzz_addrlist_big_buf;

static void fuzz_addrlist_die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_addrlist: %s%s%s\n", what, detail != NULL ? ": " : "",
            detail != NULL ? detail : "");
    abort();
}

static void fuzz_addrlist_fill(const uint8_t *data, size_t size)
{
    size_t done = 0;

    if (fuzz_addrlist_fd < 0) {
        fuzz_addrlist_fd = memfd_create("fuzz_addrlist", MFD_CLOEXEC);
        if (fuzz_addrlist_fd < 0)
            fuzz_addrlist_die("memfd_create failed", NULL);
        (void)snprintf(fuzz_addrlist_path, sizeof(fuzz_addrlist_path), "/proc/self/fd/%d",
                       fuzz_addrlist_fd);
    }
    if (ftruncate(fuzz_addrlist_fd, 0) != 0)
        fuzz_addrlist_die("ftruncate failed", NULL);
    while (done < size) {
        ssize_t w = pwrite(fuzz_addrlist_fd, data + done, size - done, (off_t)done);

        if (w <= 0)
            fuzz_addrlist_die("pwrite failed", NULL);
        done += (size_t)w;
    }
}

static int fuzz_addrlist_holds(const struct rw_cidr *c, const struct rw_addr *a)
{
    unsigned bits = c->bits;

    if (c->addr.family != a->family)
        return 0;
    for (unsigned i = 0; i < 16 && bits > 0; i++, bits = bits >= 8 ? bits - 8 : 0) {
        uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));

        if ((c->addr.a[i] & mask) != (a->a[i] & mask))
            return 0;
    }
    return 1;
}

/* A lookup must give a prefix that parses back, holds the address and has its length. */
static int fuzz_addrlist_lookup(const struct rw_addrlist *l, const struct rw_addr *a,
                                struct rw_addrlist_match *m)
{
    char why[RW_DIAG_LINE_MAX_BYTES];
    struct rw_cidr c;
    int r = rw_addrlist_lookup(l, a, m);

    if (r != 0 && r != 1)
        fuzz_addrlist_die("rw_addrlist_lookup returned neither 0 nor 1", NULL);
    if (r == 0)
        return 0;
    if (memchr(m->prefix, '\0', sizeof(m->prefix)) == NULL)
        fuzz_addrlist_die("match prefix not NUL-terminated", NULL);
    if (rw_addrlist_parse_cidr(m->prefix, strlen(m->prefix), &c, why, sizeof(why)) != 0)
        fuzz_addrlist_die("match prefix does not parse", m->prefix);
    if (c.bits != m->bits || !fuzz_addrlist_holds(&c, a))
        fuzz_addrlist_die("match prefix does not hold the address", m->prefix);
    return 1;
}

static void fuzz_addrlist_same(const struct rw_addrlist *a, const struct rw_addrlist *b,
                               const struct rw_diag *da, const struct rw_diag *db)
{
    struct rw_addrlist_match ma, mb;
    const char *la, *lb;
    size_t i;

    if (rw_addrlist_count(a) != rw_addrlist_count(b) ||
        rw_addrlist_skipped(a) != rw_addrlist_skipped(b))
        fuzz_addrlist_die("load and parse disagree on counts", NULL);
    if (rw_diag_count(da) != rw_diag_count(db))
        fuzz_addrlist_die("load and parse disagree on the number of errors", NULL);
    for (i = 0; (la = rw_diag_line(da, i)) != NULL; i++) {
        lb = rw_diag_line(db, i);
        if (lb == NULL || strcmp(la, lb) != 0) {
            fprintf(stderr, "load:  %s\nparse: %s\n", la, lb != NULL ? lb : "(none)");
            fuzz_addrlist_die("load and parse disagree on a diagnostic", NULL);
        }
    }
    if (rw_diag_line(db, i) != NULL)
        fuzz_addrlist_die("parse has more diagnostic lines than load", NULL);
    for (i = 0; i < sizeof(fuzz_addrlist_probes) / sizeof(fuzz_addrlist_probes[0]); i++) {
        int ra = fuzz_addrlist_lookup(a, &fuzz_addrlist_probes[i], &ma);
        int rb = fuzz_addrlist_lookup(b, &fuzz_addrlist_probes[i], &mb);

        if (ra != rb || (ra == 1 && (strcmp(ma.prefix, mb.prefix) != 0 ||
                                     ma.categories != mb.categories || ma.index != mb.index)))
            fuzz_addrlist_die("load and parse disagree on a lookup", NULL);
    }
}

/* Plain format: the first token of every clean line that parses as a CIDR is in the list
 * (lp_line and lp_plain in rw_addrlist.c: blanks are ' ' and '\t', '#' and ';' start a
 * comment; longer lines, lines with a NUL and a first-line BOM are handled first). */
static void fuzz_addrlist_check_plain(const struct rw_addrlist *l, const char *buf, size_t len)
{
    char why[RW_DIAG_LINE_MAX_BYTES];
    struct rw_addrlist_match m;
    struct rw_cidr c;
    size_t start = 0, lineno = 0;

    while (start < len) {
        const char *nl = memchr(buf + start, '\n', len - start);
        size_t end = nl == NULL ? len : (size_t)(nl - buf);
        const char *line = buf + start;
        size_t n = end - start, i = 0, t;

        start = end + 1;
        lineno++;
        if (n > RW_LIST_LINE_MAX_BYTES)
            continue;
        if (n > 0 && line[n - 1] == '\r')
            n--;
        if (lineno == 1 && n >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
            line += 3;
            n -= 3;
        }
        if (memchr(line, '\0', n) != NULL)
            continue;
        while (i < n && (line[i] == ' ' || line[i] == '\t'))
            i++;
        t = i;
        while (i < n && line[i] != ' ' && line[i] != '\t' && line[i] != '#' && line[i] != ';')
            i++;
        if (i == t || rw_addrlist_parse_cidr(line + t, i - t, &c, why, sizeof(why)) != 0)
            continue;
        if (!fuzz_addrlist_lookup(l, &c.addr, &m) || m.bits < c.bits)
            fuzz_addrlist_die("a good plain entry is not found by lookup", line + t);
    }
}

/* A CIDR that parses formats and parses back to itself. */
static void fuzz_addrlist_roundtrip(const uint8_t *data, size_t size)
{
    char why[RW_DIAG_LINE_MAX_BYTES], text[RW_ADDRLIST_PREFIX_MAX];
    struct rw_cidr a, b;
    const uint8_t *nl = memchr(data, '\n', size);
    size_t n = nl == NULL ? size : (size_t)(nl - data);
    int len;

    if (rw_addrlist_parse_cidr((const char *)data, n, &a, why, sizeof(why)) != 0)
        return;
    len = rw_addrlist_format_cidr(&a, text, sizeof(text));
    if (len < 0 || (size_t)len != strlen(text))
        fuzz_addrlist_die("rw_addrlist_format_cidr failed", NULL);
    if (rw_addrlist_parse_cidr(text, (size_t)len, &b, why, sizeof(why)) != 0)
        fuzz_addrlist_die("formatted CIDR does not parse", text);
    if (a.bits != b.bits || a.addr.family != b.addr.family ||
        memcmp(a.addr.a, b.addr.a, sizeof(a.addr.a)) != 0)
        fuzz_addrlist_die("CIDR changed in a format/parse round trip", text);
}

static struct rw_addrlist *fuzz_addrlist_new(void)
{
    struct rw_addrlist *l = rw_addrlist_new("fuzz", 7);

    if (l == NULL)
        fuzz_addrlist_die("out of memory", NULL);
    return l;
}

/* Reads the input in one format both ways and compares. */
static void fuzz_addrlist_format(enum rw_addrlist_format fmt, const uint8_t *data, size_t size)
{
    struct rw_addrlist *a = fuzz_addrlist_new(), *b = fuzz_addrlist_new();
    struct rw_diag *da = rw_diag_new(), *db = rw_diag_new(), *dc = rw_diag_new();
    struct rw_addrlist_opts o;
    int ra, rb;

    if (da == NULL || db == NULL || dc == NULL)
        fuzz_addrlist_die("out of memory", NULL);
    memset(&o, 0, sizeof(o));
    o.format = fmt;
    o.min_score = FUZZ_ADDRLIST_MIN_SCORE;
    if (fmt == RW_ADDRLIST_IPREP &&
        (rw_addrlist_parse_categories(a, "cats", fuzz_addrlist_cats,
                                      sizeof(fuzz_addrlist_cats) - 1, dc) != 0 ||
         rw_addrlist_parse_categories(b, "cats", fuzz_addrlist_cats,
                                      sizeof(fuzz_addrlist_cats) - 1, dc) != 0))
        fuzz_addrlist_die("the fixed categories file was refused", rw_diag_line(dc, 0));
    ra = rw_addrlist_load(a, fuzz_addrlist_path, &o, da);
    rb = rw_addrlist_parse(b, fuzz_addrlist_path, (const char *)data, size, &o, db);
    if (ra != rb)
        fuzz_addrlist_die("load and parse disagree on the return code", NULL);
    if (ra != 0 && ra != RW_EPARSE)
        fuzz_addrlist_die("unexpected return code", rw_strerror(ra));
    if ((ra == RW_EPARSE) != (rw_diag_count(da) > 0))
        fuzz_addrlist_die("RW_EPARSE and diagnostics do not go together", NULL);
    fuzz_addrlist_same(a, b, da, db);
    if (fmt == RW_ADDRLIST_PLAIN)
        fuzz_addrlist_check_plain(b, (const char *)data, size);
    rw_addrlist_free(&a);
    rw_addrlist_free(&b);
    rw_diag_free(&da);
    rw_diag_free(&db);
    rw_diag_free(&dc);
}

/* The input as a categories file, both ways. */
static void fuzz_addrlist_categories(const uint8_t *data, size_t size)
{
    struct rw_addrlist *a = fuzz_addrlist_new(), *b = fuzz_addrlist_new();
    struct rw_diag *da = rw_diag_new(), *db = rw_diag_new();
    int ra, rb;

    if (da == NULL || db == NULL)
        fuzz_addrlist_die("out of memory", NULL);
    ra = rw_addrlist_load_categories(a, fuzz_addrlist_path, NULL, da);
    rb = rw_addrlist_parse_categories(b, fuzz_addrlist_path, (const char *)data, size, db);
    if (ra != rb)
        fuzz_addrlist_die("categories: load and parse disagree on the return code", NULL);
    fuzz_addrlist_same(a, b, da, db);
    for (unsigned id = 0; id < 64; id++) {
        const char *na = rw_addrlist_category(a, id), *nb = rw_addrlist_category(b, id);

        if ((na == NULL) != (nb == NULL) || (na != NULL && strcmp(na, nb) != 0))
            fuzz_addrlist_die("categories: load and parse disagree on a name", NULL);
        if (na != NULL && (id >= RW_ADDRLIST_IPREP_MAX_CATS ||
                           strlen(na) >= RW_ADDRLIST_IPREP_NAME_MAX))
            fuzz_addrlist_die("category id or name out of bounds", na);
    }
    rw_addrlist_free(&a);
    rw_addrlist_free(&b);
    rw_diag_free(&da);
    rw_diag_free(&db);
}

/* The input repeated past FUZZ_ADDRLIST_BIG_BYTES, read both ways in one format. */
static void fuzz_addrlist_big(const uint8_t *data, size_t size, uint32_t h)
{
    struct rw_addrlist *a, *b;
    struct rw_diag *da, *db;
    struct rw_addrlist_opts o;
    size_t n = 0;
    int ra, rb;

    if (size == 0)
        return;
    if (fuzz_addrlist_big_buf == NULL) {
        /* inputs are bounded by -max_len; repeat at most that much past the threshold */
        fuzz_addrlist_big_buf = malloc(2 * FUZZ_ADDRLIST_BIG_BYTES);
        if (fuzz_addrlist_big_buf == NULL)
            fuzz_addrlist_die("out of memory", NULL);
    }
    while (n < FUZZ_ADDRLIST_BIG_BYTES && n + size <= 2 * FUZZ_ADDRLIST_BIG_BYTES) {
        memcpy(fuzz_addrlist_big_buf + n, data, size);
        n += size;
    }
    if (n < FUZZ_ADDRLIST_BIG_BYTES)
        return;
    fuzz_addrlist_fill(fuzz_addrlist_big_buf, n);
    a = fuzz_addrlist_new();
    b = fuzz_addrlist_new();
    da = rw_diag_new();
    db = rw_diag_new();
    if (da == NULL || db == NULL)
        fuzz_addrlist_die("out of memory", NULL);
    memset(&o, 0, sizeof(o));
    o.format = (enum rw_addrlist_format)((h >> 8) % 3);
    o.min_score = FUZZ_ADDRLIST_MIN_SCORE;
    if (o.format == RW_ADDRLIST_IPREP &&
        (rw_addrlist_parse_categories(a, "cats", fuzz_addrlist_cats,
                                      sizeof(fuzz_addrlist_cats) - 1, da) != 0 ||
         rw_addrlist_parse_categories(b, "cats", fuzz_addrlist_cats,
                                      sizeof(fuzz_addrlist_cats) - 1, db) != 0))
        fuzz_addrlist_die("the fixed categories file was refused", NULL);
    ra = rw_addrlist_load(a, fuzz_addrlist_path, &o, da);
    rb = rw_addrlist_parse(b, fuzz_addrlist_path, (const char *)fuzz_addrlist_big_buf, n, &o,
                           db);
    if (ra != rb)
        fuzz_addrlist_die("big file: load and parse disagree on the return code", NULL);
    fuzz_addrlist_same(a, b, da, db);
    rw_addrlist_free(&a);
    rw_addrlist_free(&b);
    rw_diag_free(&da);
    rw_diag_free(&db);
}

/* One parse with the Nth rw_* allocation failing: no crash, no leak, an honest result. */
static void fuzz_addrlist_oom(const uint8_t *data, size_t size, uint32_t h)
{
    struct rw_addrlist *l = fuzz_addrlist_new();
    struct rw_diag *d = rw_diag_new();
    struct rw_addrlist_opts o;
    unsigned long allocs;
    int r;

    if (d == NULL)
        fuzz_addrlist_die("out of memory", NULL);
    memset(&o, 0, sizeof(o));
    o.format = (enum rw_addrlist_format)(h % 3);
    o.min_score = FUZZ_ADDRLIST_MIN_SCORE;
    if (o.format == RW_ADDRLIST_IPREP)
        (void)rw_addrlist_parse_categories(l, "cats", fuzz_addrlist_cats,
                                           sizeof(fuzz_addrlist_cats) - 1, d);
    rw_alloc_hook_set(0);
    (void)rw_addrlist_parse(l, "f", (const char *)data, size, &o, d);
    allocs = rw_alloc_hook_set(0);
    rw_addrlist_free(&l);
    if (allocs > 0) {
        l = fuzz_addrlist_new();
        if (o.format == RW_ADDRLIST_IPREP)
            (void)rw_addrlist_parse_categories(l, "cats", fuzz_addrlist_cats,
                                               sizeof(fuzz_addrlist_cats) - 1, d);
        rw_alloc_hook_set(1 + (h >> 2) % allocs);
        r = rw_addrlist_parse(l, "f", (const char *)data, size, &o, d);
        if (rw_alloc_hook_failures() > 0 && r == 0)
            fuzz_addrlist_die("an allocation failed but parse returned 0", NULL);
        rw_alloc_hook_set(0);
        rw_addrlist_free(&l);
    }
    rw_diag_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t h = 2166136261u;

    fuzz_addrlist_fill(data, size);
    fuzz_addrlist_format(RW_ADDRLIST_PLAIN, data, size);
    fuzz_addrlist_format(RW_ADDRLIST_IPREP, data, size);
    fuzz_addrlist_format(RW_ADDRLIST_ZEEK, data, size);
    fuzz_addrlist_categories(data, size);
    fuzz_addrlist_roundtrip(data, size);
    /* FNV-1a of the input picks the OOM case */
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 16777619u;
    fuzz_addrlist_oom(data, size, h);
    if ((h & 0x70000) == 0)
        fuzz_addrlist_big(data, size, h);
    return 0;
}
