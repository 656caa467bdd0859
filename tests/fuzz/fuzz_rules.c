/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_rules.c — libFuzzer target: a YAML rule file through rw_rules_load and every accessor. */
#define _GNU_SOURCE /* FNM_CASEFOLD */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rw.h"
#include "rw_rules.h"

/*
 * Input: the bytes of one rule file. They are written to r.yaml in a private temporary
 * directory that also holds copies of the project's small list files (those of
 * tests/data/lists beside r.yaml; those of rules/lists and tests/bad/lists under lists/,
 * fuzz_rules_files below), so the relative "file:" and "categories:" names the seed rule
 * files use resolve and the list parsers run behind the YAML. Each input is loaded three or
 * four times:
 *
 *   1. as it is (home_net must come from the file);
 *   2. with --set options: the value of every comment line "#set NAME=VALUE" (at most
 *      FUZZ_RULES_MAX_SETS; YAML ignores comments), else home_net=... and watch=...;
 *   3. like 1 with the Nth rw_* allocation failing, N derived from the input's bytes and
 *      within the allocations load 1 made, so every OOM exit of the loader is reachable;
 *   4. when the input holds the line "#8<", as a directory: the part before that line is
 *      a.yaml and the rest b.yaml (one name space over several files).
 *
 * Oracles: the rw_rules.h contract on (result, *err, diag); on a loaded set, every accessor
 * with its indexes in range (rules, sids, lists, type groups, suppress entries); and
 * rw_rules_glob agreeing with fnmatch(3) (FNM_CASEFOLD) on the rules' filename globs
 * where both define the same language (lower case, digits, ". _ /", "*", "?" and simple
 * bracket expressions).
 */

#ifndef FUZZ_SRCDIR
#define FUZZ_SRCDIR "."
#endif

#define FUZZ_RULES_MAX_SETS 8
#define FUZZ_RULES_SET_MAX_BYTES 256

static char fuzz_rules_dir[4096];
static char fuzz_rules_path[4200];   /* DIR/r.yaml */
static char fuzz_rules_sub[4200];    /* DIR/d: a.yaml and b.yaml, links to the list files */

static void fuzz_rules_die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_rules: %s%s%s\n", what, detail != NULL ? ": " : "",
            detail != NULL ? detail : "");
    abort();
}

/* Copies src (relative to the source tree) to the temporary directory's dst; a missing
 * source is only warned about, so the target still runs outside a checkout. */
static void fuzz_rules_copy(const char *srcdir, const char *src, const char *dst)
{
    char in[4200], out[4200], buf[65536];
    int fi = -1, fo = -1;
    ssize_t n;

    if ((size_t)snprintf(in, sizeof(in), "%s/%s", srcdir, src) >= sizeof(in) ||
        (size_t)snprintf(out, sizeof(out), "%s/%s", fuzz_rules_dir, dst) >= sizeof(out))
        fuzz_rules_die("path too long", src);
    fi = open(in, O_RDONLY | O_CLOEXEC);
    if (fi < 0) {
        fprintf(stderr, "fuzz_rules: warning: %s: %s\n", in, strerror(errno));
        return;
    }
    fo = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fo < 0)
        fuzz_rules_die("cannot create", out);
    while ((n = read(fi, buf, sizeof(buf))) > 0)
        if (write(fo, buf, (size_t)n) != n)
            fuzz_rules_die("cannot write", out);
    close(fi);
    close(fo);
}

static const struct {
    const char *src, *dst;
} fuzz_rules_files[] = {
    {"tests/data/lists/plain.txt", "plain.txt"},
    {"tests/data/lists/iprep.csv", "iprep.csv"},
    {"tests/data/lists/iprep-categories.txt", "iprep-categories.txt"},
    {"tests/data/lists/intel.tsv", "intel.tsv"},
    {"rules/lists/dprk.txt", "lists/dprk.txt"},
    {"rules/lists/watch.txt", "lists/watch.txt"},
    {"tests/bad/lists/categories-bad.txt", "lists/categories-bad.txt"},
    {"tests/bad/lists/categories.txt", "lists/categories.txt"},
    {"tests/bad/lists/empty.txt", "lists/empty.txt"},
    {"tests/bad/lists/intel-bad.tsv", "lists/intel-bad.tsv"},
    {"tests/bad/lists/intel-badfields.tsv", "lists/intel-badfields.tsv"},
    {"tests/bad/lists/intel-noheader.tsv", "lists/intel-noheader.tsv"},
    {"tests/bad/lists/lines-bad.txt", "lists/lines-bad.txt"},
    {"tests/bad/lists/plain-bad.txt", "lists/plain-bad.txt"},
    {"tests/bad/lists/rep-bad.csv", "lists/rep-bad.csv"},
    {"tests/bad/lists/rep.csv", "lists/rep.csv"},
};

/* Names in DIR/d that link to DIR, so the directory's rule files resolve the same lists;
 * a.yaml and b.yaml are the rule files themselves. */
#define FUZZ_RULES_NLINKS 5
static const char *const fuzz_rules_links[] = {"lists", "plain.txt", "iprep.csv",
                                               "iprep-categories.txt", "intel.tsv",
                                               "a.yaml", "b.yaml"};

static void fuzz_rules_cleanup(void)
{
    char p[4200];

    for (size_t i = 0; i < sizeof(fuzz_rules_files) / sizeof(fuzz_rules_files[0]); i++)
        if ((size_t)snprintf(p, sizeof(p), "%s/%s", fuzz_rules_dir, fuzz_rules_files[i].dst) <
            sizeof(p))
            unlink(p);
    unlink(fuzz_rules_path);
    for (size_t i = 0; i < sizeof(fuzz_rules_links) / sizeof(fuzz_rules_links[0]); i++)
        if ((size_t)snprintf(p, sizeof(p), "%s/%s", fuzz_rules_sub, fuzz_rules_links[i]) <
            sizeof(p))
            unlink(p);
    if ((size_t)snprintf(p, sizeof(p), "%s/lists", fuzz_rules_dir) < sizeof(p))
        rmdir(p);
    rmdir(fuzz_rules_sub);
    rmdir(fuzz_rules_dir);
}

static void fuzz_rules_setup(void)
{
    const char *tmp = getenv("TMPDIR");
    const char *src = getenv("RW_FUZZ_SRCDIR");
    char sub[4200];

    if (tmp == NULL || tmp[0] == '\0')
        tmp = "/tmp";
    if (src == NULL || src[0] == '\0')
        src = FUZZ_SRCDIR;
    if ((size_t)snprintf(fuzz_rules_dir, sizeof(fuzz_rules_dir), "%s/rw_fuzz_rules.XXXXXX",
                         tmp) >= sizeof(fuzz_rules_dir) ||
        mkdtemp(fuzz_rules_dir) == NULL)
        fuzz_rules_die("mkdtemp failed", strerror(errno));
    if ((size_t)snprintf(sub, sizeof(sub), "%s/lists", fuzz_rules_dir) >= sizeof(sub) ||
        mkdir(sub, 0700) != 0)
        fuzz_rules_die("mkdir failed", strerror(errno));
    (void)snprintf(fuzz_rules_path, sizeof(fuzz_rules_path), "%s/r.yaml", fuzz_rules_dir);
    (void)snprintf(fuzz_rules_sub, sizeof(fuzz_rules_sub), "%s/d", fuzz_rules_dir);
    atexit(fuzz_rules_cleanup);
    if (mkdir(fuzz_rules_sub, 0700) != 0)
        fuzz_rules_die("mkdir failed", strerror(errno));
    for (size_t i = 0; i < sizeof(fuzz_rules_files) / sizeof(fuzz_rules_files[0]); i++)
        fuzz_rules_copy(src, fuzz_rules_files[i].src, fuzz_rules_files[i].dst);
    for (size_t i = 0; i < FUZZ_RULES_NLINKS; i++) {
        char target[4200];

        (void)snprintf(target, sizeof(target), "../%s", fuzz_rules_links[i]);
        (void)snprintf(sub, sizeof(sub), "%s/%s", fuzz_rules_sub, fuzz_rules_links[i]);
        if (symlink(target, sub) != 0)
            fuzz_rules_die("symlink failed", strerror(errno));
    }
}

static void fuzz_rules_write(const char *path, const uint8_t *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    size_t done = 0;

    if (fd < 0)
        fuzz_rules_die("cannot create", path);
    while (done < size) {
        ssize_t n = write(fd, data + done, size - done);

        if (n <= 0)
            fuzz_rules_die("cannot write", path);
        done += (size_t)n;
    }
    close(fd);
}

/* nDPI is not linked into the question: a fixed set of names counts as known. */
static int fuzz_rules_known(void *ctx, const char *name)
{
    static const char *const known[] = {"HTTP", "TLS", "FTP_DATA", "SMBv23", "SSH", "QUIC"};

    (void)ctx;
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(known[i], name) == 0)
            return 1;
    return 0;
}

static void fuzz_rules_check_diag(const struct rw_diag *diag)
{
    const char *line;

    for (size_t i = 0; (line = rw_diag_line(diag, i)) != NULL; i++)
        if (strlen(line) >= RW_DIAG_LINE_MAX_BYTES)
            fuzz_rules_die("diag line longer than RW_DIAG_LINE_MAX_BYTES", line);
}

/* Is p in the glob language rw_rules_glob and fnmatch(3) read alike? Lower case, digits,
 * ". _ /", '*', '?', and brackets of those characters with at most one range "x-y"
 * (x <= y), optionally negated with '!'. */
static int fuzz_rules_glob_simple(const char *p)
{
    while (*p != '\0') {
        if (*p == '[') {
            int n = 0, ranges = 0;

            p++;
            if (*p == '!')
                p++;
            for (; *p != ']'; p++, n++) {
                if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' ||
                      *p == '_'))
                    return 0;
                if (p[1] == '-' && p[2] != ']') {
                    if (ranges++ > 0 || p[2] < p[0] ||
                        !((p[2] >= 'a' && p[2] <= 'z') || (p[2] >= '0' && p[2] <= '9')))
                        return 0;
                    p += 2;
                }
            }
            if (n == 0)
                return 0;
            p++;
            continue;
        }
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
              *p == '/' || *p == '*' || *p == '?'))
            return 0;
        p++;
    }
    return 1;
}

/* Subjects for globs: fixed names and the rule's own text (so a glob can meet a string
 * the input chose). Only lower case, digits and ". _ / -" are compared with fnmatch. */
static void fuzz_rules_check_glob(const char *glob, const struct rw_rule *r)
{
    static const char *const names[] = {"report.pdf", "", "a/b/c.tar.gz", "x.mov", "..",
                                        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"};
    const char *subj[sizeof(names) / sizeof(names[0]) + 8];
    size_t n = 0;
    int simple = fuzz_rules_glob_simple(glob);

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        subj[n++] = names[i];
    subj[n++] = r->msg != NULL ? r->msg : "";
    for (size_t k = 0; k < r->nfilenames && k < 4; k++)
        subj[n++] = r->filenames[k];
    for (size_t i = 0; i < n; i++) {
        int ours = rw_rules_glob(glob, subj[i]), theirs;
        const char *c = subj[i];

        if (ours != 0 && ours != 1)
            fuzz_rules_die("rw_rules_glob returned neither 0 nor 1", glob);
        for (; *c != '\0'; c++)
            if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '.' ||
                  *c == '_' || *c == '/' || *c == '-'))
                break;
        if (!simple || *c != '\0')
            continue;
        theirs = fnmatch(glob, subj[i], FNM_CASEFOLD) == 0;
        if (ours != theirs) {
            fprintf(stderr, "fuzz_rules: glob '%s' on '%s': rw_rules_glob %d, fnmatch %d\n",
                    glob, subj[i], ours, theirs);
            fuzz_rules_die("rw_rules_glob disagrees with fnmatch", glob);
        }
    }
}

static void fuzz_rules_check_rule(const struct rw_ruleset *rs, const struct rw_rule *r)
{
    size_t nlists = rw_rules_list_count(rs), ngroups = rw_rules_group_count(rs);
    struct rw_addr a = {4, {10, 1, 2, 3}}, b = {4, {175, 45, 176, 23}};

    if (rw_rules_by_sid(rs, r->sid) != r)
        fuzz_rules_die("rw_rules_by_sid does not find the rule of its sid", r->msg);
    for (size_t k = 0; k < r->ndst; k++)
        if (r->dst[k] >= nlists)
            fuzz_rules_die("rule dst list index out of range", r->msg);
    for (size_t k = 0; k < r->nnot_dst; k++)
        if (r->not_dst[k] >= nlists)
            fuzz_rules_die("rule not_dst list index out of range", r->msg);
    if (ngroups < 64 && ((r->types | r->not_types) >> ngroups) != 0)
        fuzz_rules_die("rule type bit past the last type group", r->msg);
    for (size_t k = 0; k < r->nsuppress; k++)
        for (size_t j = 0; j < r->suppress[k].nlists; j++)
            if (r->suppress[k].lists[j] >= nlists)
                fuzz_rules_die("suppress list index out of range", r->msg);
    for (size_t k = 0; k < r->nfilenames; k++)
        fuzz_rules_check_glob(r->filenames[k], r);
    (void)rw_rules_suppressed(rs, r, &a, &b);
    (void)rw_rules_suppressed(rs, r, &b, &a);
}

static void fuzz_rules_check_set(const struct rw_ruleset *rs, struct rw_diag *diag)
{
    static const struct rw_addr addrs[] = {
        {4, {0}},
        {4, {10, 1, 2, 3}},
        {4, {175, 45, 176, 23}},
        {4, {255, 255, 255, 255}},
        {6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
        {6, {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
    };
    struct rw_addrlist_match m[4];
    char buf[256];

    rw_rules_summary(rs, buf, sizeof(buf));
    for (size_t i = 0; i < rw_rules_count(rs); i++)
        fuzz_rules_check_rule(rs, rw_rules_rule(rs, i));
    for (size_t i = 0; i < rw_rules_list_count(rs); i++)
        if (rw_addrlist_name(rw_rules_list(rs, i)) == NULL)
            fuzz_rules_die("list without a name", NULL);
    for (size_t i = 0; i < rw_rules_group_count(rs); i++) {
        const struct rw_typegroup *g = rw_rules_group(rs, i);

        if (g->name == NULL)
            fuzz_rules_die("type group without a name", NULL);
        /* the group's own patterns as subjects: its globs meet strings the input chose */
        (void)rw_rules_types_of(rs, g->nmime > 0 ? g->mime[0] : NULL,
                                g->nmagic > 0 ? g->magic[0] : NULL,
                                g->next > 0 ? g->ext[0] : NULL);
    }
    for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
        size_t n = rw_rules_lookup_dst(rs, &addrs[i], m, 4);

        for (size_t k = 0; k < n && k < 4; k++)
            if (m[k].index >= rw_rules_list_count(rs) || memchr(m[k].prefix, '\0',
                                                               sizeof(m[k].prefix)) == NULL)
                fuzz_rules_die("rw_rules_lookup_dst: bad match", m[k].list);
        (void)rw_rules_is_home(rs, &addrs[i]);
    }
    (void)rw_rules_types_of(rs, "image/png; charset=binary", "PNG image data", "x.PNG");
    (void)rw_rules_types_of(rs, NULL, NULL, NULL);
    (void)rw_rules_check_protos(rs, fuzz_rules_known, NULL, diag);
}

/* Loads path once, checks the contract, frees. fail_at: the rw_* allocation of the load
 * to fail, 0 for none. Returns how many rw_* allocations the load made. */
static unsigned long fuzz_rules_load(const char *path, const char *const *sets, size_t nsets,
                                     unsigned long fail_at)
{
    struct rw_diag *diag = rw_diag_new();
    struct rw_ruleset *rs;
    unsigned long failures, allocs;
    int err = 12345;

    if (diag == NULL)
        fuzz_rules_die("out of memory", NULL);
    rw_alloc_hook_set(fail_at);
    rs = rw_rules_load(path, sets, nsets, diag, &err);
    failures = rw_alloc_hook_failures();
    allocs = rw_alloc_hook_set(0);
    if (rs != NULL && err != 0)
        fuzz_rules_die("a set was returned with *err != 0", rw_strerror(err));
    if (rs == NULL && err != RW_EPARSE && err != RW_ENOMEM)
        fuzz_rules_die("NULL returned with *err neither RW_EPARSE nor RW_ENOMEM",
                       rw_strerror(err));
    if (rs == NULL && err == RW_EPARSE && rw_diag_count(diag) == 0)
        fuzz_rules_die("RW_EPARSE without a diagnostic", NULL);
    if (rs != NULL && rw_diag_count(diag) != 0)
        fuzz_rules_die("a set was returned with diagnostics", rw_diag_line(diag, 0));
    if (failures > 0 && rs != NULL)
        fuzz_rules_die("a set was returned although an allocation failed", NULL);
    fuzz_rules_check_diag(diag);
    if (rs != NULL)
        fuzz_rules_check_set(rs, diag);
    rw_rules_free(&rs);
    rw_diag_free(&diag);
    return allocs;
}

/* Collects the values of "#set NAME=VALUE" lines into sets (storage: buf). */
static size_t fuzz_rules_sets(const uint8_t *data, size_t size, const char **sets,
                              char buf[][FUZZ_RULES_SET_MAX_BYTES])
{
    size_t n = 0, off = 0;

    while (off < size && n < FUZZ_RULES_MAX_SETS) {
        const uint8_t *nl = memchr(data + off, '\n', size - off);
        size_t end = nl == NULL ? size : (size_t)(nl - data), len = end - off;

        if (len > 5 && len - 5 < FUZZ_RULES_SET_MAX_BYTES && memcmp(data + off, "#set ", 5) == 0 &&
            memchr(data + off + 5, '\0', len - 5) == NULL) {
            memcpy(buf[n], data + off + 5, len - 5);
            buf[n][len - 5] = '\0';
            sets[n] = buf[n];
            n++;
        }
        off = end + 1;
    }
    return n;
}

/* Writes the two halves around the first "\n#8<\n" as d/a.yaml and d/b.yaml; 0 when the
 * input has no such line. */
static int fuzz_rules_split(const uint8_t *data, size_t size)
{
    static const char cut[] = "\n#8<\n";
    char a[4300], b[4300];

    for (size_t i = 0; i + sizeof(cut) - 1 <= size; i++) {
        if (memcmp(data + i, cut, sizeof(cut) - 1) != 0)
            continue;
        (void)snprintf(a, sizeof(a), "%s/a.yaml", fuzz_rules_sub);
        (void)snprintf(b, sizeof(b), "%s/b.yaml", fuzz_rules_sub);
        fuzz_rules_write(a, data, i + 1);
        fuzz_rules_write(b, data + i + sizeof(cut) - 1, size - i - (sizeof(cut) - 1));
        return 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const fixed[] = {"home_net=10.0.0.0/8,fd00::/8", "watch=1.2.3.4"};
    static char setbuf[FUZZ_RULES_MAX_SETS][FUZZ_RULES_SET_MAX_BYTES];
    const char *sets[FUZZ_RULES_MAX_SETS];
    unsigned long allocs;
    uint32_t h = 2166136261u;
    size_t nsets;

    if (fuzz_rules_dir[0] == '\0')
        fuzz_rules_setup();
    fuzz_rules_write(fuzz_rules_path, data, size);
    allocs = fuzz_rules_load(fuzz_rules_path, NULL, 0, 0);
    nsets = fuzz_rules_sets(data, size, sets, setbuf);
    if (nsets > 0)
        fuzz_rules_load(fuzz_rules_path, sets, nsets, 0);
    else
        fuzz_rules_load(fuzz_rules_path, fixed, 2, 0);
    /* FNV-1a of the input picks which allocation of load 1 fails */
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 16777619u;
    if (allocs > 0)
        fuzz_rules_load(fuzz_rules_path, NULL, 0, 1 + h % allocs);
    if (fuzz_rules_split(data, size))
        fuzz_rules_load(fuzz_rules_sub, sets, nsets, 0);
    return 0;
}
