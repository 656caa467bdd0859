/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_rules.c — rule files: a bounded tree from libyaml events, then a checked compile. */
#include "rw_rules.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

/*
 * Loading runs in three steps. (1) Each rule file is read (bounded) and libyaml's events
 * are turned into a small tree of nodes with their marks; nesting depth and node count
 * are checked on every event, so nothing deep is ever built. (2) The definitions of every
 * file are compiled: vars, lists (list files are read here) and type groups. --set
 * overrides are applied. (3) The rules of every file are compiled against those names.
 * Every mistake is reported with its position and compiling goes on; at the end any
 * error refuses the whole set. Out of memory stops at once, without diagnostics.
 */

/* --- arena: many small allocations freed together ------------------------------------ */

struct arena_chunk {
    struct arena_chunk *next;
    size_t used, size;
    max_align_t data[];
};

struct arena {
    struct arena_chunk *head;
};

/* Test builds give every allocation its own chunk, so that the OOM walk fails each one. */
#ifdef RW_TEST_BUILD
#define ARENA_CHUNK_BYTES 0
#else
#define ARENA_CHUNK_BYTES (32 * 1024)
#endif

static void *arena_alloc(struct arena *a, size_t n)
{
    const size_t align = alignof(max_align_t);
    struct arena_chunk *c = a->head;
    void *p;

    if (n > SIZE_MAX / 2)
        return NULL;
    n = n == 0 ? align : (n + align - 1) / align * align;
    if (c == NULL || c->size - c->used < n) {
        size_t size = n > ARENA_CHUNK_BYTES ? n : ARENA_CHUNK_BYTES;

        c = rw_malloc(sizeof(*c) + size);
        if (c == NULL)
            return NULL;
        c->size = size;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    p = (char *)c->data + c->used;
    c->used += n;
    return p;
}

static void *arena_zalloc(struct arena *a, size_t n)
{
    void *p = arena_alloc(a, n);

    if (p != NULL)
        memset(p, 0, n);
    return p;
}

static char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *d = arena_alloc(a, n + 1);

    if (d == NULL)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static void arena_free(struct arena *a)
{
    while (a->head != NULL) {
        struct arena_chunk *next = a->head->next;

        rw_free(a->head);
        a->head = next;
    }
}

/* --- the rule set -------------------------------------------------------------------- */

/* A list's name and index, for finding lists by name. */
struct list_name {
    const char *name;
    size_t ix;
};

/* A rule with what only the loader needs. */
struct rule_priv {
    struct rw_rule pub;
    unsigned long sid_line, sid_col;        /* for duplicate-sid messages */
    const unsigned long *proto_line;        /* position of each proto name */
    const unsigned long *proto_col;
};

struct rw_ruleset {
    struct arena mem;                       /* every string and array of the set */
    struct rw_addrlist *home;               /* home_net */
    struct rw_addrlist **lists;             /* named lists, definition order */
    size_t nlists, caplists;
    struct list_name *by_name;           /* lists sorted by name */
    struct rw_typegroup groups[RW_RULES_MAX_TYPE_GROUPS];
    size_t ngroups;
    struct rule_priv *rules;
    size_t nrules, caprules;
    const struct rule_priv **by_sid;        /* rules with a valid sid, sorted by sid */
    size_t nby_sid;
    struct rw_addrlist **owned;             /* inline suppress CIDR lists */
    size_t nowned, capowned;
};

/* --- the YAML tree ------------------------------------------------------------------- */

enum ykind { Y_SCALAR, Y_SEQ, Y_MAP };

/* A node: scalars hold NUL-terminated text; sequences and mappings hold children (a
 * mapping's children alternate key, value). Lines and columns count from 1. */
struct ynode {
    struct ynode *next, *first, *last;
    const char *text;
    size_t len;
    size_t n;
    unsigned long line, col;
    uint8_t kind;
    uint8_t plain;                          /* scalar written without quotes */
};

/* One rule file. */
struct yfile {
    const char *path;                       /* as named in diagnostics (set arena) */
    const char *dir;                        /* for relative names; "" means none */
    struct ynode *root;                     /* NULL: empty or unreadable */
};

/* Where a list was defined (for duplicate-name messages). */
struct listdef {
    const struct yfile *f;
    const struct ynode *key;
};

/* Where a type group was defined. */
struct groupdef {
    const struct yfile *f;
    const struct ynode *key;
};

struct rctx {
    struct rw_ruleset *rs;
    struct arena tmp;                       /* trees and scratch, freed after the load */
    struct rw_diag *diag;
    size_t errors;
    int oom;
    const struct yfile *f;                  /* file being compiled */
    struct yfile *files;
    size_t nfiles;
    const struct yfile *home_file;          /* where home_net was defined */
    const struct ynode *home_key;
    struct listdef *listdefs;
    struct groupdef groupdefs[RW_RULES_MAX_TYPE_GROUPS];
    int said_too_many_groups;
    int incomplete;                         /* a file could not be read or parsed: names it
                                             * would have defined are not reported missing */
};

static void rerr_at(struct rctx *c, const char *file, unsigned long line, unsigned long col,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Adds one diagnostic, unless the load already ran out of memory (then it means nothing). */
static void rerr_at(struct rctx *c, const char *file, unsigned long line, unsigned long col,
                    const char *fmt, ...)
{
    char msg[RW_DIAG_LINE_MAX_BYTES];
    va_list ap;

    if (c->oom)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    c->errors++;
    rw_diag_add(c->diag, file, line, col, "%s", msg);
}

static void rerr(struct rctx *c, const struct ynode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Adds a diagnostic at node n of the file being compiled. */
static void rerr(struct rctx *c, const struct ynode *n, const char *fmt, ...)
{
    char msg[RW_DIAG_LINE_MAX_BYTES];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    rerr_at(c, c->f->path, n->line, n->col, "%s", msg);
}

static void *rs_alloc(struct rctx *c, size_t n)
{
    void *p = arena_zalloc(&c->rs->mem, n);

    if (p == NULL)
        c->oom = 1;
    return p;
}

static void *tmp_alloc(struct rctx *c, size_t n)
{
    void *p = arena_zalloc(&c->tmp, n);

    if (p == NULL)
        c->oom = 1;
    return p;
}

/* Copies a scalar's text into the set. */
static const char *rs_keep(struct rctx *c, const struct ynode *n)
{
    const char *s = arena_strndup(&c->rs->mem, n->text, n->len);

    if (s == NULL)
        c->oom = 1;
    return s;
}

static int y_is_null(const struct ynode *n)
{
    return n->kind == Y_SCALAR && n->plain &&
           (n->len == 0 || strcmp(n->text, "~") == 0 || strcmp(n->text, "null") == 0 ||
            strcmp(n->text, "Null") == 0 || strcmp(n->text, "NULL") == 0);
}

/* Describes a node for "found ...": 'text', null, a list, a mapping. */
static const char *y_found(const struct ynode *n, char *buf, size_t len)
{
    if (n->kind == Y_SEQ)
        return "a list";
    if (n->kind == Y_MAP)
        return "a mapping";
    if (y_is_null(n))
        return "null";
    rw__addrlist_quote(n->text, n->len, buf, len);
    return buf;
}

static int y_is(const struct ynode *n, const char *word)
{
    return n->kind == Y_SCALAR && n->len == strlen(word) && memcmp(n->text, word, n->len) == 0;
}

/* The value of key in mapping m (the first, should it repeat), or NULL. */
static const struct ynode *y_get(const struct ynode *m, const char *key)
{
    if (m == NULL || m->kind != Y_MAP)
        return NULL;
    for (const struct ynode *k = m->first; k != NULL; k = k->next->next)
        if (y_is(k, key))
            return k->next;
    return NULL;
}

/* The key node of key in mapping m, or NULL. */
static const struct ynode *y_key(const struct ynode *m, const char *key)
{
    if (m == NULL || m->kind != Y_MAP)
        return NULL;
    for (const struct ynode *k = m->first; k != NULL; k = k->next->next)
        if (y_is(k, key))
            return k;
    return NULL;
}

/* --- reading files and building the tree --------------------------------------------- */

/* Reads a whole rule file (at most RW_RULES_FILE_MAX_BYTES) into *bufp (rw_malloc). */
static int read_rule_file(struct rctx *c, const char *path, char **bufp, size_t *lenp)
{
    struct stat st;
    char *buf = NULL;
    size_t have = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc = -1;

    if (fd < 0) {
        rerr_at(c, path, 0, 0, "expected a readable file, found %s", strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rerr_at(c, path, 0, 0, "expected a readable file, found not a regular file");
        goto out;
    }
    if (st.st_size > (off_t)RW_RULES_FILE_MAX_BYTES) {
        rerr_at(c, path, 0, 0, "expected at most %d bytes, found %lld", RW_RULES_FILE_MAX_BYTES,
                (long long)st.st_size);
        goto out;
    }
    buf = rw_malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        c->oom = 1;
        goto out;
    }
    while (have < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + have, (size_t)st.st_size - have);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rerr_at(c, path, 0, 0, "expected a readable file, found %s", strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        have += (size_t)n;
    }
    buf[have] = '\0';
    *bufp = buf;
    *lenp = have;
    buf = NULL;
    rc = 0;
out:
    rw_free(buf);
    if (fd >= 0)
        close(fd);
    return rc;
}

/* Reports libyaml's own error with its mark (reader errors carry only a byte offset). */
static void yaml_report(struct rctx *c, const struct yfile *f, const yaml_parser_t *p,
                        const char *buf, size_t len)
{
    unsigned long line, col;
    const char *problem = p->problem != NULL ? p->problem : "unknown problem";

    if (p->error == YAML_MEMORY_ERROR) {
        c->oom = 1;
        return;
    }
    if (p->error == YAML_READER_ERROR) {
        size_t off = p->problem_offset < len ? p->problem_offset : len;
        size_t bol = 0;

        line = 1;
        for (size_t i = 0; i < off; i++) {
            if (buf[i] == '\n') {
                line++;
                bol = i + 1;
            }
        }
        rerr_at(c, f->path, line, (unsigned long)(off - bol) + 1,
                "expected valid YAML, found a syntax error: %s", problem);
        return;
    }
    line = (unsigned long)p->problem_mark.line + 1;
    col = (unsigned long)p->problem_mark.column + 1;
    if (p->context != NULL)
        rerr_at(c, f->path, line, col,
                "expected valid YAML, found a syntax error: %s (%s at line %lu column %lu)",
                problem, p->context, (unsigned long)p->context_mark.line + 1,
                (unsigned long)p->context_mark.column + 1);
    else
        rerr_at(c, f->path, line, col, "expected valid YAML, found a syntax error: %s", problem);
}

/* The state of turning one file's events into a tree. */
struct tbuild {
    struct ynode *stack[RW_RULES_MAX_DEPTH];
    size_t depth;
    size_t nodes;
    int docs;
};

/* Makes a node for an event and hangs it under the open container (or as the root). */
static struct ynode *tree_node(struct rctx *c, struct yfile *f, struct tbuild *t,
                               const yaml_event_t *ev, enum ykind kind)
{
    struct ynode *n;

    if (++t->nodes > RW_RULES_MAX_NODES) {
        rerr_at(c, f->path, (unsigned long)ev->start_mark.line + 1,
                (unsigned long)ev->start_mark.column + 1,
                "expected at most %d YAML nodes, found more", RW_RULES_MAX_NODES);
        return NULL;
    }
    n = tmp_alloc(c, sizeof(*n));
    if (n == NULL)
        return NULL;
    n->kind = (uint8_t)kind;
    n->line = (unsigned long)ev->start_mark.line + 1;
    n->col = (unsigned long)ev->start_mark.column + 1;
    if (t->depth == 0) {
        f->root = n;
    } else {
        struct ynode *parent = t->stack[t->depth - 1];

        if (parent->last != NULL)
            parent->last->next = n;
        else
            parent->first = n;
        parent->last = n;
        parent->n++;
    }
    return n;
}

/* Refuses explicit tags (a plain !name is a tag in YAML, not a string). */
static int tree_tag_ok(struct rctx *c, const struct yfile *f, const yaml_event_t *ev,
                       const yaml_char_t *tag)
{
    char q[RW_ADDRLIST_QUOTE_MAX];

    if (tag == NULL)
        return 1;
    rw__addrlist_quote((const char *)tag, strlen((const char *)tag), q, sizeof(q));
    rerr_at(c, f->path, (unsigned long)ev->start_mark.line + 1,
            (unsigned long)ev->start_mark.column + 1,
            "expected a value without a YAML tag (quote text that starts with '!'), found %s", q);
    return 0;
}

/* Handles one event; returns 0 to go on, 1 at the end, -1 to stop on an error. */
static int tree_event(struct rctx *c, struct yfile *f, struct tbuild *t, const yaml_event_t *ev)
{
    unsigned long line = (unsigned long)ev->start_mark.line + 1;
    unsigned long col = (unsigned long)ev->start_mark.column + 1;
    struct ynode *n;
    char q[RW_ADDRLIST_QUOTE_MAX];

    switch (ev->type) {
    case YAML_STREAM_END_EVENT:
        return 1;
    case YAML_DOCUMENT_START_EVENT:
        if (t->docs++ == 0)
            return 0;
        rerr_at(c, f->path, line, col, "expected a single YAML document, found another");
        return -1;
    case YAML_ALIAS_EVENT:
        rw__addrlist_quote((const char *)ev->data.alias.anchor,
                           strlen((const char *)ev->data.alias.anchor), q, sizeof(q));
        rerr_at(c, f->path, line, col,
                "expected a value (aliases are not supported), found the alias %s", q);
        return -1;
    case YAML_SCALAR_EVENT:
        if (!tree_tag_ok(c, f, ev, ev->data.scalar.tag))
            return -1;
        n = tree_node(c, f, t, ev, Y_SCALAR);
        if (n == NULL)
            return -1;
        n->text = arena_strndup(&c->tmp, (const char *)ev->data.scalar.value,
                                ev->data.scalar.length);
        if (n->text == NULL) {
            c->oom = 1;
            return -1;
        }
        n->len = ev->data.scalar.length;
        n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        return 0;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        if (!tree_tag_ok(c, f, ev, ev->type == YAML_SEQUENCE_START_EVENT
                                       ? ev->data.sequence_start.tag
                                       : ev->data.mapping_start.tag))
            return -1;
        if (t->depth == RW_RULES_MAX_DEPTH) {
            rerr_at(c, f->path, line, col, "expected at most %d levels of nesting, found more",
                    RW_RULES_MAX_DEPTH);
            return -1;
        }
        n = tree_node(c, f, t, ev, ev->type == YAML_SEQUENCE_START_EVENT ? Y_SEQ : Y_MAP);
        if (n == NULL)
            return -1;
        t->stack[t->depth++] = n;
        return 0;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        t->depth--;
        return 0;
    default:
        return 0;
    }
}

/* Parses one file into f->root. Errors are reported; f->root may stay NULL. */
static void tree_parse(struct rctx *c, struct yfile *f, const char *buf, size_t len)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    struct tbuild t;
    int r = 0;

    memset(&t, 0, sizeof(t));
    if (!yaml_parser_initialize(&parser)) {
        c->oom = 1;
        return;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    while (r == 0) {
        if (!yaml_parser_parse(&parser, &ev)) {
            yaml_report(c, f, &parser, buf, len);
            r = -1;
            break;
        }
        r = tree_event(c, f, &t, &ev);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    if (r < 0)
        f->root = NULL;
}

/* --- checked values ------------------------------------------------------------------ */

/* A scalar that is not null and has no NUL byte; empty allowed when allow_empty. */
static int want_text(struct rctx *c, const struct ynode *n, int allow_empty, const char **out)
{
    char q[RW_ADDRLIST_QUOTE_MAX];

    if (n->kind != Y_SCALAR || y_is_null(n)) {
        rerr(c, n, "expected a string, found %s", y_found(n, q, sizeof(q)));
        return -1;
    }
    if (n->len == 0 && !allow_empty) {
        rerr(c, n, "expected a non-empty string, found ''");
        return -1;
    }
    if (memchr(n->text, '\0', n->len) != NULL) {
        rerr(c, n, "expected a string without NUL characters, found %s",
             y_found(n, q, sizeof(q)));
        return -1;
    }
    *out = n->text;
    return 0;
}

static int want_u64(struct rctx *c, const struct ynode *n, uint64_t min, uint64_t max,
                    uint64_t *out)
{
    char q[RW_ADDRLIST_QUOTE_MAX];
    uint64_t v;

    if (n->kind == Y_SCALAR && rw_num_parse_u64(n->text, min, max, &v, NULL) == 0) {
        *out = v;
        return 0;
    }
    rerr(c, n, "expected an integer from %llu to %llu, found %s", (unsigned long long)min,
         (unsigned long long)max, y_found(n, q, sizeof(q)));
    return -1;
}

static int want_size(struct rctx *c, const struct ynode *n, uint64_t min, uint64_t *out)
{
    char q[RW_ADDRLIST_QUOTE_MAX];
    uint64_t v;

    if (n->kind != Y_SCALAR || rw_num_parse_size(n->text, 0, UINT64_MAX, &v, NULL) != 0) {
        rerr(c, n, "expected a size such as 65536, 64KiB or 5GB, found %s",
             y_found(n, q, sizeof(q)));
        return -1;
    }
    if (v < min) {
        rerr(c, n, "expected a size of at least %llu byte%s, found %s", (unsigned long long)min,
             min == 1 ? "" : "s", y_found(n, q, sizeof(q)));
        return -1;
    }
    *out = v;
    return 0;
}

/* max is a whole number of days (RW_RULES_WINDOW_MAX_SEC). */
_Static_assert(RW_RULES_WINDOW_MAX_SEC % 86400 == 0, "the window limit is shown in days");
static int want_duration(struct rctx *c, const struct ynode *n, uint64_t max, uint64_t *out)
{
    char q[RW_ADDRLIST_QUOTE_MAX];
    uint64_t v;

    if (n->kind == Y_SCALAR && rw_num_parse_duration(n->text, 1, max, &v, NULL) == 0) {
        *out = v;
        return 0;
    }
    rerr(c, n, "expected a duration from 1s to %llud such as 90s, 15m, 24h or 7d, found %s",
         (unsigned long long)(max / 86400), y_found(n, q, sizeof(q)));
    return -1;
}

static int want_bool(struct rctx *c, const struct ynode *n, int *out)
{
    char q[RW_ADDRLIST_QUOTE_MAX];

    if (y_is(n, "true") || y_is(n, "false")) {
        *out = y_is(n, "true");
        return 0;
    }
    rerr(c, n, "expected true or false, found %s", y_found(n, q, sizeof(q)));
    return -1;
}

/* Joins words as "a, b, c" into buf. */
static const char *join_words(const char *const *words, size_t n, char *buf, size_t len)
{
    size_t o = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < n && o < len; i++) {
        int w = snprintf(buf + o, len - o, "%s%s", i == 0 ? "" : ", ", words[i]);

        if (w < 0 || (size_t)w >= len - o)
            break;
        o += (size_t)w;
    }
    return buf;
}

/* One of words; *out is its index. */
static int want_word(struct rctx *c, const struct ynode *n, const char *const *words, size_t nw,
                     int *out)
{
    char q[RW_ADDRLIST_QUOTE_MAX];
    char list[256];

    for (size_t i = 0; i < nw; i++) {
        if (y_is(n, words[i])) {
            *out = (int)i;
            return 0;
        }
    }
    rerr(c, n, "expected one of %s, found %s", join_words(words, nw, list, sizeof(list)),
         y_found(n, q, sizeof(q)));
    return -1;
}

static int key_cmp(const void *a, const void *b)
{
    const struct ynode *x = *(const struct ynode *const *)a;
    const struct ynode *y = *(const struct ynode *const *)b;
    size_t n = x->len < y->len ? x->len : y->len;
    int r = memcmp(x->text, y->text, n);

    if (r != 0)
        return r;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->col < y->col ? -1 : (x->col > y->col ? 1 : 0);
}

/* Reports each key of mapping m that repeats an earlier one. */
static void map_dups(struct rctx *c, const struct ynode *m)
{
    size_t nk = m->n / 2, i = 0;
    const struct ynode **keys;
    char q[RW_ADDRLIST_QUOTE_MAX];

    if (nk < 2)
        return;
    keys = tmp_alloc(c, nk * sizeof(*keys));
    if (keys == NULL)
        return;
    for (const struct ynode *k = m->first; k != NULL; k = k->next->next)
        if (k->kind == Y_SCALAR)
            keys[i++] = k;
    qsort(keys, i, sizeof(*keys), key_cmp);
    for (size_t j = 1, first = 0; j < i; j++) {
        if (keys[j]->len != keys[first]->len ||
            memcmp(keys[j]->text, keys[first]->text, keys[j]->len) != 0) {
            first = j;
            continue;
        }
        rw__addrlist_quote(keys[j]->text, keys[j]->len, q, sizeof(q));
        rerr(c, keys[j], "expected each key once, found %s again (first at %s:%lu:%lu)", q,
             c->f->path, keys[first]->line, keys[first]->col);
    }
}

/*
 * Checks that n is a mapping whose keys are all among keys[] and none repeats. Returns -1
 * only when n is not a mapping; unknown keys are reported and skipped by the callers,
 * which look keys up by name.
 */
static int want_map(struct rctx *c, const struct ynode *n, const char *const *keys, size_t nk)
{
    char q[RW_ADDRLIST_QUOTE_MAX];
    char list[512];

    if (n->kind != Y_MAP) {
        rerr(c, n, "expected a mapping, found %s", y_found(n, q, sizeof(q)));
        return -1;
    }
    for (const struct ynode *k = n->first; k != NULL; k = k->next->next) {
        size_t i;

        if (k->kind != Y_SCALAR) {
            rerr(c, k, "expected a key name, found %s", y_found(k, q, sizeof(q)));
            continue;
        }
        for (i = 0; i < nk; i++)
            if (y_is(k, keys[i]))
                break;
        if (keys != NULL && i == nk)
            rerr(c, k, "expected one of %s, found %s", join_words(keys, nk, list, sizeof(list)),
                 y_found(k, q, sizeof(q)));
    }
    map_dups(c, n);
    return 0;
}

/* A required key: reported at the mapping when absent. */
static const struct ynode *want_key(struct rctx *c, const struct ynode *m, const char *key)
{
    const struct ynode *v = y_get(m, key);

    if (v == NULL)
        rerr(c, m, "expected key '%s', found none", key);
    return v;
}

/* A string or a list of strings (a single string is a list of one); at least one entry.
 * Sets *items to the first item node (walk with ->next) and *n to the count, or returns -1
 * after reporting. */
static int want_strlist(struct rctx *c, const struct ynode *n, const struct ynode **items,
                        size_t *count)
{
    char q[RW_ADDRLIST_QUOTE_MAX];
    int bad = 0;

    if (n->kind == Y_SCALAR) {
        if (want_text(c, n, 0, &(const char *){NULL}) != 0)
            return -1;
        *items = n;
        *count = 1;
        return 0;
    }
    if (n->kind != Y_SEQ) {
        rerr(c, n, "expected a string or a list of strings, found %s", y_found(n, q, sizeof(q)));
        return -1;
    }
    if (n->n == 0) {
        rerr(c, n, "expected at least one entry, found an empty list");
        return -1;
    }
    for (const struct ynode *i = n->first; i != NULL; i = i->next)
        if (want_text(c, i, 0, &(const char *){NULL}) != 0)
            bad = 1;
    *items = n->first;
    *count = n->n;
    return bad ? -1 : 0;
}

/* A string list copied into the set, each entry checked by ok() when given and turned to
 * lower case when lower is set. */
static int keep_strlist(struct rctx *c, const struct ynode *n,
                        int (*ok)(struct rctx *c, const struct ynode *item), int lower,
                        const char *const **out, size_t *count)
{
    const struct ynode *items;
    const char **v;
    size_t nitems, i = 0;
    int bad = 0;

    if (want_strlist(c, n, &items, &nitems) != 0)
        return -1;
    v = rs_alloc(c, nitems * sizeof(*v));
    if (v == NULL)
        return -1;
    for (const struct ynode *it = items; it != NULL && i < nitems; it = it->next, i++) {
        char *copy;

        if (ok != NULL && ok(c, it) != 0)
            bad = 1;
        copy = arena_strndup(&c->rs->mem, it->text, it->len);
        if (copy == NULL) {
            c->oom = 1;
            return -1;
        }
        for (char *p = copy; lower && *p != '\0'; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        v[i] = copy;
    }
    *out = v;
    *count = nitems;
    return bad ? -1 : 0;
}

/* --- names, globs, CIDRs ------------------------------------------------------------- */

static int name_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '-';
}

/* A list or group name: letters, digits, _ and -, at most RW_RULES_NAME_MAX_BYTES - 1;
 * list names must also start with a letter or '_' (so they never look like addresses). */
static int want_name(struct rctx *c, const struct ynode *n, int list)
{
    char q[RW_ADDRLIST_QUOTE_MAX];
    int ok = n->kind == Y_SCALAR && n->len > 0 && n->len < RW_RULES_NAME_MAX_BYTES;

    for (size_t i = 0; ok && i < n->len; i++)
        ok = name_char(n->text[i]);
    if (ok && list)
        ok = !(n->text[0] >= '0' && n->text[0] <= '9') && n->text[0] != '-';
    if (!ok) {
        rerr(c, n, "expected a %s name (%sletters, digits, _ or -, at most %d bytes), found %s",
             list ? "list" : "type group", list ? "a letter or _, then " : "",
             RW_RULES_NAME_MAX_BYTES - 1, y_found(n, q, sizeof(q)));
        return -1;
    }
    if (list && y_is(n, "any")) {
        rerr(c, n, "expected a list name other than 'any', found 'any'");
        return -1;
    }
    return 0;
}

/* Length of the glob element at p (a class "[...]" or an escape counts as one), 0 when
 * the element is malformed (an open class, a trailing backslash). */
static size_t glob_elem(const char *p)
{
    size_t i = 1;

    if (p[0] == '\\')
        return p[1] == '\0' ? 0 : 2;
    if (p[0] != '[')
        return 1;
    if (p[i] == '!' || p[i] == '^')
        i++;
    if (p[i] == ']')
        i++;
    while (p[i] != '\0' && p[i] != ']')
        i++;
    return p[i] == ']' ? i + 1 : 0;
}

static int glob_valid(const char *p)
{
    while (*p != '\0') {
        size_t n = glob_elem(p);

        if (n == 0)
            return 0;
        p += n;
    }
    return 1;
}

static int ok_glob(struct rctx *c, const struct ynode *n)
{
    char q[RW_ADDRLIST_QUOTE_MAX];

    if (glob_valid(n->text))
        return 0;
    rerr(c, n, "expected a glob pattern (*, ?, [a-z], \\x), found %s", y_found(n, q, sizeof(q)));
    return -1;
}

static int ok_ext(struct rctx *c, const struct ynode *n)
{
    char q[RW_ADDRLIST_QUOTE_MAX];
    int ok = n->len < 32 && n->text[0] != '.' && n->text[n->len - 1] != '.';

    for (size_t i = 0; ok && i < n->len; i++)
        ok = name_char(n->text[i]) || n->text[i] == '.' || n->text[i] == '+';
    if (ok)
        return 0;
    rerr(c, n, "expected a file name extension without the leading dot (mov, tar.gz), found %s",
         y_found(n, q, sizeof(q)));
    return -1;
}

/* A string list of CIDRs (a single string is one) added to l; reports each bad entry.
 * An empty list is allowed when allow_empty. */
static int add_cidrs(struct rctx *c, struct rw_addrlist *l, const struct ynode *n, int allow_empty)
{
    const struct ynode *items;
    size_t count, i = 0;
    int bad = 0;

    if (allow_empty && n->kind == Y_SEQ && n->n == 0)
        return 0;
    if (want_strlist(c, n, &items, &count) != 0)
        return -1;
    for (const struct ynode *it = items; it != NULL && i < count; it = it->next, i++) {
        char why[RW_DIAG_LINE_MAX_BYTES];
        struct rw_cidr cidr;

        if (rw_addrlist_parse_cidr(it->text, it->len, &cidr, why, sizeof(why)) != 0) {
            rerr(c, it, "%s", why);
            bad = 1;
        } else if (rw_addrlist_add(l, &cidr, 0) == RW_ENOMEM) {
            c->oom = 1;
            return -1;
        }
    }
    return bad ? -1 : 0;
}

/* A file name relative to the directory of the rule file naming it (tmp arena). */
static const char *resolve_path(struct rctx *c, const char *name)
{
    size_t dl = strlen(c->f->dir), nl = strlen(name);
    int slash = dl > 0 && c->f->dir[dl - 1] != '/';
    char *p;

    if (name[0] == '/' || dl == 0)
        return name;
    p = tmp_alloc(c, dl + (size_t)slash + nl + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, c->f->dir, dl);
    if (slash)
        p[dl] = '/';
    memcpy(p + dl + (size_t)slash, name, nl + 1);
    return p;
}

/* --- vars ---------------------------------------------------------------------------- */

static const char *const var_keys[] = {"home_net"};

static void compile_vars(struct rctx *c, const struct ynode *n)
{
    const struct ynode *k, *v;
    struct rw_addrlist *l;

    if (want_map(c, n, var_keys, 1) != 0)
        return;
    k = y_key(n, "home_net");
    if (k == NULL)
        return;
    v = k->next;
    if (c->home_key != NULL) {
        rerr(c, k, "expected a unique variable name, found 'home_net' again (first at "
                   "%s:%lu:%lu)", c->home_file->path, c->home_key->line, c->home_key->col);
        return;
    }
    c->home_file = c->f;
    c->home_key = k;
    l = rw_addrlist_new("home_net", 0);
    if (l == NULL) {
        c->oom = 1;
        return;
    }
    c->rs->home = l;
    add_cidrs(c, l, v, 0);
}

/* --set NAME=VALUE: a comma-separated CIDR list for home_net. Names with a dot belong to
 * the host or the engine. */
static void apply_set(struct rctx *c, const char *s)
{
    const char *eq = strchr(s, '=');
    size_t nlen = eq == NULL ? strlen(s) : (size_t)(eq - s);
    char q[RW_ADDRLIST_QUOTE_MAX];
    struct rw_addrlist *l;
    const char *p;
    int bad = 0;

    if (eq == NULL || nlen == 0) {
        rw__addrlist_quote(s, strlen(s), q, sizeof(q));
        rerr_at(c, "--set", 0, 0, "expected NAME=VALUE, found %s", q);
        return;
    }
    if (memchr(s, '.', nlen) != NULL)
        return;
    if (nlen != strlen("home_net") || memcmp(s, "home_net", nlen) != 0) {
        rw__addrlist_quote(s, nlen, q, sizeof(q));
        rerr_at(c, "--set", 0, 0, "unknown variable %s", q);
        return;
    }
    l = rw_addrlist_new("home_net", 0);
    if (l == NULL) {
        c->oom = 1;
        return;
    }
    for (p = eq + 1;; p++) {
        size_t n = strcspn(p, ",");
        size_t a = 0, b = n;
        char why[RW_DIAG_LINE_MAX_BYTES];
        struct rw_cidr cidr;

        while (a < b && (p[a] == ' ' || p[a] == '\t'))
            a++;
        while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t'))
            b--;
        if (b == a && p[n] == '\0' && p == eq + 1) {
            rerr_at(c, "--set", 0, 0, "home_net: expected at least one CIDR, found none");
            bad = 1;
        } else if (rw_addrlist_parse_cidr(p + a, b - a, &cidr, why, sizeof(why)) != 0) {
            rerr_at(c, "--set", 0, 0, "home_net: %s", why);
            bad = 1;
        } else if (rw_addrlist_add(l, &cidr, 0) == RW_ENOMEM) {
            c->oom = 1;
            bad = 1;
            break;
        }
        p += n;
        if (*p == '\0')
            break;
    }
    if (bad) {
        rw_addrlist_free(&l);
        return;
    }
    rw_addrlist_free(&c->rs->home);
    c->rs->home = l;
}

/* --- lists --------------------------------------------------------------------------- */

static const char *const list_keys[] = {"file",       "format",    "cidrs",      "allow_empty",
                                        "categories", "min_score", "description"};
static const char *const format_words[] = {"plain", "iprep", "zeek"};

/* Reads the list's file (and an iprep categories file first). */
static void list_load_file(struct rctx *c, struct rw_addrlist *l, const struct ynode *body,
                           int format, uint64_t min_score)
{
    const struct ynode *file = y_get(body, "file");
    const struct ynode *cats = y_get(body, "categories");
    struct rw_addrlist_opts o;
    const char *name, *path;
    int rc;

    if (file == NULL || want_text(c, file, 0, &name) != 0)
        return;
    memset(&o, 0, sizeof(o));
    o.format = (enum rw_addrlist_format)format;
    o.min_score = (unsigned)min_score;
    o.ref_file = c->f->path;
    if (format == RW_ADDRLIST_IPREP) {
        if (cats == NULL) {
            rerr(c, body, "expected key 'categories' (format iprep needs a categories file), "
                          "found none");
            return;
        }
        if (want_text(c, cats, 0, &name) != 0)
            return;
        path = resolve_path(c, cats->text);
        if (path == NULL)
            return;
        o.ref_line = cats->line;
        o.ref_col = cats->col;
        rc = rw_addrlist_load_categories(l, path, &o, c->diag);
        if (rc == RW_ENOMEM)
            c->oom = 1;
        if (rc != 0) {
            c->errors++;
            return;
        }
    }
    path = resolve_path(c, file->text);
    if (path == NULL)
        return;
    o.ref_line = file->line;
    o.ref_col = file->col;
    rc = rw_addrlist_load(l, path, &o, c->diag);
    if (rc == RW_ENOMEM)
        c->oom = 1;
    else if (rc != 0)
        c->errors++;
}

/* The mapping of one list: file and/or cidrs, format and its options. */
static void compile_list_body(struct rctx *c, struct rw_addrlist *l, const struct ynode *key,
                              const struct ynode *body)
{
    const struct ynode *v;
    size_t errors = c->errors;
    int format = RW_ADDRLIST_PLAIN, allow_empty = 0;
    uint64_t min_score = 1;
    const char *s;

    if (want_map(c, body, list_keys, sizeof(list_keys) / sizeof(list_keys[0])) != 0)
        return;
    v = y_get(body, "format");
    if (v != NULL)
        want_word(c, v, format_words, 3, &format);
    v = y_get(body, "allow_empty");
    if (v != NULL)
        want_bool(c, v, &allow_empty);
    v = y_get(body, "description");
    if (v != NULL)
        want_text(c, v, 1, &s);
    v = y_get(body, "min_score");
    if (v != NULL)
        want_u64(c, v, 0, RW_ADDRLIST_IPREP_MAX_SCORE, &min_score);
    for (size_t i = 0; i < 2; i++) {
        const char *opt = i == 0 ? "categories" : "min_score";
        const struct ynode *k = y_key(body, opt);

        if (k != NULL && format != RW_ADDRLIST_IPREP)
            rerr(c, k, "expected '%s' only with format iprep, found format %s", opt,
                 format_words[format]);
    }
    if (y_get(body, "file") == NULL && y_get(body, "cidrs") == NULL)
        rerr(c, body, "expected key 'file' or 'cidrs', found neither");
    v = y_get(body, "cidrs");
    if (v != NULL)
        add_cidrs(c, l, v, 1);
    if (c->errors == errors)
        list_load_file(c, l, body, format, min_score);
    if (c->errors == errors && !c->oom && rw_addrlist_count(l) == 0 && !allow_empty)
        rerr(c, key, "expected at least one prefix in list '%s' (or allow_empty: true), found "
                     "none", rw_addrlist_name(l));
}

static void compile_lists(struct rctx *c, const struct ynode *n)
{
    char q[RW_ADDRLIST_QUOTE_MAX];
    struct rw_ruleset *rs = c->rs;

    if (n->kind != Y_MAP) {
        rerr(c, n, "expected a mapping of list names, found %s", y_found(n, q, sizeof(q)));
        return;
    }
    for (const struct ynode *k = n->first; k != NULL && !c->oom; k = k->next->next) {
        struct rw_addrlist *l;

        if (want_name(c, k, 1) != 0)
            continue;
        if (rs->nlists == rs->caplists) {
            c->oom = 1;   /* the capacity was counted beforehand: cannot happen */
            return;
        }
        l = rw_addrlist_new(k->text, rs->nlists);
        if (l == NULL) {
            c->oom = 1;
            return;
        }
        c->listdefs[rs->nlists].f = c->f;
        c->listdefs[rs->nlists].key = k;
        rs->lists[rs->nlists++] = l;
        compile_list_body(c, l, k, k->next);
    }
}

/* Sorting lists by name, then by definition order. */
static int list_name_cmp(const void *a, const void *b)
{
    const struct list_name *x = a, *y = b;
    int r = strcmp(x->name, y->name);

    if (r != 0)
        return r;
    return x->ix < y->ix ? -1 : (x->ix > y->ix ? 1 : 0);
}

/* Builds the by-name index and reports names defined twice. */
static void index_lists(struct rctx *c)
{
    struct rw_ruleset *rs = c->rs;

    rs->by_name = rs_alloc(c, (rs->nlists + 1) * sizeof(*rs->by_name));
    if (rs->by_name == NULL)
        return;
    for (size_t i = 0; i < rs->nlists; i++) {
        rs->by_name[i].name = rw_addrlist_name(rs->lists[i]);
        rs->by_name[i].ix = i;
    }
    qsort(rs->by_name, rs->nlists, sizeof(*rs->by_name), list_name_cmp);
    for (size_t i = 1, first = 0; i < rs->nlists; i++) {
        const struct listdef *d = &c->listdefs[rs->by_name[i].ix];
        const struct listdef *d0 = &c->listdefs[rs->by_name[first].ix];

        if (strcmp(rs->by_name[i].name, rs->by_name[first].name) != 0) {
            first = i;
            continue;
        }
        rerr_at(c, d->f->path, d->key->line, d->key->col,
                "expected a unique list name, found '%s' again (first at %s:%lu:%lu)",
                d->key->text, d0->f->path, d0->key->line, d0->key->col);
    }
}

/* The index of the list named like n, or -1. */
static long find_list(const struct rw_ruleset *rs, const struct ynode *n)
{
    size_t lo = 0, hi = rs->nlists;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = strcmp(n->text, rs->by_name[mid].name);

        if (r == 0)
            return (long)rs->by_name[mid].ix;
        if (r < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

/* --- type groups --------------------------------------------------------------------- */

static const char *const group_keys[] = {"mime", "magic", "ext", "description"};

static void compile_group(struct rctx *c, struct rw_typegroup *g, const struct ynode *body)
{
    const struct ynode *v;
    const char *s;

    if (want_map(c, body, group_keys, sizeof(group_keys) / sizeof(group_keys[0])) != 0)
        return;
    v = y_get(body, "mime");
    if (v != NULL)
        keep_strlist(c, v, ok_glob, 0, &g->mime, &g->nmime);
    v = y_get(body, "magic");
    if (v != NULL)
        keep_strlist(c, v, ok_glob, 0, &g->magic, &g->nmagic);
    v = y_get(body, "ext");
    if (v != NULL)
        keep_strlist(c, v, ok_ext, 1, &g->ext, &g->next);
    v = y_get(body, "description");
    if (v != NULL)
        want_text(c, v, 1, &s);
    if (y_get(body, "mime") == NULL && y_get(body, "magic") == NULL && y_get(body, "ext") == NULL)
        rerr(c, body, "expected at least one of mime, magic, ext, found none");
}

static void compile_types(struct rctx *c, const struct ynode *n)
{
    char q[RW_ADDRLIST_QUOTE_MAX];
    struct rw_ruleset *rs = c->rs;

    if (n->kind != Y_MAP) {
        rerr(c, n, "expected a mapping of type group names, found %s", y_found(n, q, sizeof(q)));
        return;
    }
    for (const struct ynode *k = n->first; k != NULL && !c->oom; k = k->next->next) {
        size_t i;

        if (want_name(c, k, 0) != 0)
            continue;
        for (i = 0; i < rs->ngroups; i++)
            if (strcmp(rs->groups[i].name, k->text) == 0)
                break;
        if (i < rs->ngroups) {
            rerr(c, k, "expected a unique type group name, found '%s' again (first at "
                       "%s:%lu:%lu)", k->text, c->groupdefs[i].f->path, c->groupdefs[i].key->line,
                 c->groupdefs[i].key->col);
            continue;
        }
        if (rs->ngroups == RW_RULES_MAX_TYPE_GROUPS) {
            if (!c->said_too_many_groups)
                rerr(c, k, "expected at most %d type groups, found more",
                     RW_RULES_MAX_TYPE_GROUPS);
            c->said_too_many_groups = 1;
            continue;
        }
        c->groupdefs[rs->ngroups].f = c->f;
        c->groupdefs[rs->ngroups].key = k;
        rs->groups[rs->ngroups].name = rs_keep(c, k);
        compile_group(c, &rs->groups[rs->ngroups++], k->next);
    }
}

/* The bit of the group named like n, or 0. */
static uint64_t find_group(const struct rw_ruleset *rs, const struct ynode *n)
{
    for (size_t i = 0; i < rs->ngroups; i++)
        if (strcmp(rs->groups[i].name, n->text) == 0)
            return 1ULL << i;
    return 0;
}

/* --- rules --------------------------------------------------------------------------- */

/* Suricata's etc/classification.config: short name, description, priority. */
static const struct {
    const char *name;
    const char *desc;
    uint8_t prio;
} classtypes[] = {
    {"not-suspicious", "Not Suspicious Traffic", 3},
    {"unknown", "Unknown Traffic", 3},
    {"bad-unknown", "Potentially Bad Traffic", 2},
    {"attempted-recon", "Attempted Information Leak", 2},
    {"successful-recon-limited", "Information Leak", 2},
    {"successful-recon-largescale", "Large Scale Information Leak", 2},
    {"attempted-dos", "Attempted Denial of Service", 2},
    {"successful-dos", "Denial of Service", 2},
    {"attempted-user", "Attempted User Privilege Gain", 1},
    {"unsuccessful-user", "Unsuccessful User Privilege Gain", 1},
    {"successful-user", "Successful User Privilege Gain", 1},
    {"attempted-admin", "Attempted Administrator Privilege Gain", 1},
    {"successful-admin", "Successful Administrator Privilege Gain", 1},
    {"rpc-portmap-decode", "Decode of an RPC Query", 2},
    {"shellcode-detect", "Executable code was detected", 1},
    {"string-detect", "A suspicious string was detected", 3},
    {"suspicious-filename-detect", "A suspicious filename was detected", 2},
    {"suspicious-login", "An attempted login using a suspicious username was detected", 2},
    {"system-call-detect", "A system call was detected", 2},
    {"tcp-connection", "A TCP connection was detected", 4},
    {"trojan-activity", "A Network Trojan was detected", 1},
    {"unusual-client-port-connection", "A client was using an unusual port", 2},
    {"network-scan", "Detection of a Network Scan", 3},
    {"denial-of-service", "Detection of a Denial of Service Attack", 2},
    {"non-standard-protocol", "Detection of a non-standard protocol or event", 2},
    {"protocol-command-decode", "Generic Protocol Command Decode", 3},
    {"web-application-activity", "access to a potentially vulnerable web application", 2},
    {"web-application-attack", "Web Application Attack", 1},
    {"misc-activity", "Misc activity", 3},
    {"misc-attack", "Misc Attack", 2},
    {"icmp-event", "Generic ICMP event", 3},
    {"inappropriate-content", "Inappropriate Content was Detected", 1},
    {"policy-violation", "Potential Corporate Privacy Violation", 1},
    {"default-login-attempt", "Attempt to login by a default username and password", 2},
    {"targeted-activity", "Targeted Malicious Activity was Detected", 1},
    {"exploit-kit", "Exploit Kit Activity Detected", 1},
    {"external-ip-check", "Device Retrieving External IP Address Detected", 2},
    {"domain-c2", "Domain Observed Used for C2 Detected", 1},
    {"pup-activity", "Possibly Unwanted Program Detected", 2},
    {"credential-theft", "Successful Credential Theft Detected", 1},
    {"social-engineering", "Possible Social Engineering Attempted", 2},
    {"coin-mining", "Crypto Currency Mining Activity Detected", 2},
    {"command-and-control", "Malware Command and Control Activity Detected", 1},
};

static const char *const proto_families[] = {"encrypted", "cleartext", "file_transfer",
                                             "remote_access", "vpn"};

static const char *const rule_keys[] = {"sid",      "rev",        "msg",   "classtype",
                                        "category", "severity",   "metadata", "references",
                                        "level",    "match",      "window", "threshold",
                                        "suppress"};
static const char *const level_words[] = {"file", "flow", "host"};
static const char *const match_keys[] = {"dst",  "not_dst",  "direction", "proto",    "type",
                                         "not_type", "filename", "bytes", "anonymous"};
/* Which match keys each level takes (bits over match_keys). */
static const unsigned match_keys_file = 0x1ff;
static const unsigned match_keys_flow = 0x1 | 0x2 | 0x4 | 0x8 | 0x80 | 0x100;
static const unsigned match_keys_host = 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x20 | 0x40 | 0x100;
static const char *const direction_words[] = {"any", "outbound", "inbound"};
static const char *const window_keys[] = {"span", "files", "bytes", "flows"};
static const char *const threshold_keys[] = {"type", "track", "count", "seconds"};
static const char *const threshold_words[] = {"limit", "threshold", "both"};
static const char *const track_words[] = {"by_src", "by_dst", "by_both", "by_flow"};
static const char *const suppress_keys[] = {"track", "ip"};
static const char *const bytes_keys[] = {"min", "max"};

#define NWORDS(a) (sizeof(a) / sizeof((a)[0]))

static void rule_classtype(struct rctx *c, struct rw_rule *r, const struct ynode *rule)
{
    const struct ynode *ct = y_get(rule, "classtype");
    const struct ynode *cat = y_get(rule, "category");
    char q[RW_ADDRLIST_QUOTE_MAX];
    const char *s;

    if (ct != NULL && cat != NULL) {
        const struct ynode *later = y_key(rule, "category");
        const struct ynode *other = y_key(rule, "classtype");

        if (other->line > later->line || (other->line == later->line && other->col > later->col))
            later = other;
        rerr(c, later, "expected category or classtype, found both");
        return;
    }
    if (cat != NULL && want_text(c, cat, 0, &s) == 0)
        r->category = rs_keep(c, cat);
    if (ct == NULL || want_text(c, ct, 0, &s) != 0)
        return;
    for (size_t i = 0; i < NWORDS(classtypes); i++) {
        if (y_is(ct, classtypes[i].name)) {
            r->classtype = classtypes[i].name;
            r->category = classtypes[i].desc;
            r->severity = classtypes[i].prio;
            return;
        }
    }
    rerr(c, ct, "expected a classtype of Suricata's classification.config (policy-violation, "
                "trojan-activity, ...), found %s", y_found(ct, q, sizeof(q)));
}

/* metadata: a mapping of key -> string or list of strings. */
static void rule_metadata(struct rctx *c, struct rw_rule *r, const struct ynode *n)
{
    char q[RW_ADDRLIST_QUOTE_MAX];
    struct rw_rule_meta *m;
    size_t i = 0;

    if (n->kind != Y_MAP) {
        rerr(c, n, "expected a mapping of key: [values], found %s", y_found(n, q, sizeof(q)));
        return;
    }
    map_dups(c, n);
    m = rs_alloc(c, (n->n / 2 + 1) * sizeof(*m));
    if (m == NULL)
        return;
    for (const struct ynode *k = n->first; k != NULL; k = k->next->next) {
        const char *s;

        if (want_text(c, k, 0, &s) != 0)
            continue;
        m[i].key = rs_keep(c, k);
        if (keep_strlist(c, k->next, NULL, 0, &m[i].values, &m[i].nvalues) == 0)
            i++;
    }
    r->metadata = m;
    r->nmetadata = i;
}

/* dst / not_dst: list names; dst may be "any" alone. */
static void rule_dst(struct rctx *c, const struct ynode *n, int allow_any, const size_t **out,
                     size_t *count)
{
    const struct ynode *items;
    size_t nitems, i = 0, k = 0;
    size_t *v;

    if (want_strlist(c, n, &items, &nitems) != 0)
        return;
    if (allow_any && nitems == 1 && y_is(items, "any"))
        return;
    v = rs_alloc(c, nitems * sizeof(*v));
    if (v == NULL)
        return;
    for (const struct ynode *it = items; it != NULL && i < nitems; it = it->next, i++) {
        char q[RW_ADDRLIST_QUOTE_MAX];
        long ix = find_list(c->rs, it);

        if (allow_any && y_is(it, "any"))
            rerr(c, it, "expected 'any' alone, found it with list names");
        else if (ix < 0 && !c->incomplete)
            rerr(c, it, "expected a list defined under lists, found %s",
                 y_found(it, q, sizeof(q)));
        else
            v[k++] = (size_t)ix;
    }
    *out = v;
    *count = k;
}

/* type / not_type: group names as bits. */
static void rule_types(struct rctx *c, const struct ynode *n, uint64_t *bits)
{
    const struct ynode *items;
    size_t nitems, i = 0;

    if (want_strlist(c, n, &items, &nitems) != 0)
        return;
    for (const struct ynode *it = items; it != NULL && i < nitems; it = it->next, i++) {
        char q[RW_ADDRLIST_QUOTE_MAX];
        uint64_t b = find_group(c->rs, it);

        if (b == 0 && !c->incomplete)
            rerr(c, it, "expected a type group defined under types, found %s",
                 y_found(it, q, sizeof(q)));
        *bits |= b;
    }
}

static int ok_proto(struct rctx *c, const struct ynode *n)
{
    char q[RW_ADDRLIST_QUOTE_MAX];
    int ok = n->len < RW_PROTO_NAME_MAX_BYTES;

    for (size_t i = 0; ok && i < n->len; i++)
        ok = name_char(n->text[i]) || n->text[i] == '.';
    if (ok)
        return 0;
    rerr(c, n, "expected a protocol name (nDPI's, such as TLS or HTTP, or one of encrypted, "
               "cleartext, file_transfer, remote_access, vpn), found %s",
         y_found(n, q, sizeof(q)));
    return -1;
}

static void rule_protos(struct rctx *c, struct rule_priv *rp, const struct ynode *n)
{
    const struct ynode *items;
    const char **names;
    unsigned long *lines, *cols;
    size_t nitems, i = 0;

    if (want_strlist(c, n, &items, &nitems) != 0)
        return;
    names = rs_alloc(c, nitems * sizeof(*names));
    lines = rs_alloc(c, nitems * sizeof(*lines));
    cols = rs_alloc(c, nitems * sizeof(*cols));
    if (names == NULL || lines == NULL || cols == NULL)
        return;
    for (const struct ynode *it = items; it != NULL && i < nitems; it = it->next, i++) {
        ok_proto(c, it);
        names[i] = rs_keep(c, it);
        lines[i] = it->line;
        cols[i] = it->col;
    }
    rp->pub.protos = names;
    rp->pub.nprotos = nitems;
    rp->proto_line = lines;
    rp->proto_col = cols;
}

static void rule_bytes(struct rctx *c, struct rw_rule *r, const struct ynode *n)
{
    const struct ynode *min, *max;

    if (want_map(c, n, bytes_keys, NWORDS(bytes_keys)) != 0)
        return;
    min = y_get(n, "min");
    max = y_get(n, "max");
    if (min == NULL && max == NULL) {
        rerr(c, n, "expected key 'min' or 'max', found neither");
        return;
    }
    if (min != NULL && want_size(c, min, 0, &r->bytes_min) != 0)
        return;
    if (max != NULL && want_size(c, max, r->bytes_min, &r->bytes_max) != 0)
        return;
}

/* match: the conditions; which keys a level takes is checked here. */
static void rule_match(struct rctx *c, struct rule_priv *rp, const struct ynode *n)
{
    struct rw_rule *r = &rp->pub;
    unsigned allowed = r->level == RW_RULE_FLOW   ? match_keys_flow
                       : r->level == RW_RULE_HOST ? match_keys_host
                                                  : match_keys_file;
    const struct ynode *v;
    int dir = RW_DIR_ANY, anon = 0;

    if (want_map(c, n, match_keys, NWORDS(match_keys)) != 0)
        return;
    for (size_t i = 0; i < NWORDS(match_keys); i++) {
        char list[256];
        const char *words[NWORDS(match_keys)];
        size_t nw = 0;
        const struct ynode *k = y_key(n, match_keys[i]);

        if (k == NULL || (allowed & (1u << i)) != 0)
            continue;
        for (size_t j = 0; j < NWORDS(match_keys); j++)
            if ((allowed & (1u << j)) != 0)
                words[nw++] = match_keys[j];
        rerr(c, k, "expected a key valid at level %s (%s), found '%s'",
             level_words[r->level - 1], join_words(words, nw, list, sizeof(list)), k->text);
    }
    v = y_get(n, "dst");
    if (v != NULL)
        rule_dst(c, v, 1, &r->dst, &r->ndst);
    v = y_get(n, "not_dst");
    if (v != NULL)
        rule_dst(c, v, 0, &r->not_dst, &r->nnot_dst);
    v = y_get(n, "direction");
    if (v != NULL && want_word(c, v, direction_words, NWORDS(direction_words), &dir) == 0)
        r->direction = (uint8_t)dir;
    v = y_get(n, "proto");
    if (v != NULL)
        rule_protos(c, rp, v);
    v = y_get(n, "type");
    if (v != NULL)
        rule_types(c, v, &r->types);
    v = y_get(n, "not_type");
    if (v != NULL)
        rule_types(c, v, &r->not_types);
    v = y_get(n, "filename");
    if (v != NULL)
        keep_strlist(c, v, ok_glob, 0, &r->filenames, &r->nfilenames);
    v = y_get(n, "bytes");
    if (v != NULL)
        rule_bytes(c, r, v);
    v = y_get(n, "anonymous");
    if (v != NULL && want_bool(c, v, &anon) == 0)
        r->anonymous = (int8_t)anon;
}

static void rule_window(struct rctx *c, struct rw_rule *r, const struct ynode *n)
{
    const struct ynode *v;

    if (want_map(c, n, window_keys, NWORDS(window_keys)) != 0)
        return;
    v = want_key(c, n, "span");
    if (v != NULL)
        want_duration(c, v, RW_RULES_WINDOW_MAX_SEC, &r->window.span_sec);
    v = y_get(n, "files");
    if (v != NULL)
        want_u64(c, v, 1, UINT32_MAX, &r->window.files);
    v = y_get(n, "bytes");
    if (v != NULL)
        want_size(c, v, 1, &r->window.bytes);
    v = y_get(n, "flows");
    if (v != NULL)
        want_u64(c, v, 1, UINT32_MAX, &r->window.flows);
    if (y_get(n, "files") == NULL && y_get(n, "bytes") == NULL && y_get(n, "flows") == NULL)
        rerr(c, n, "expected at least one of files, bytes, flows, found none");
}

static void rule_threshold(struct rctx *c, struct rw_rule *r, const struct ynode *n)
{
    const struct ynode *type, *track, *count, *seconds;
    int t = 0, k = 0;
    uint64_t cnt = 0, sec = 0;
    int bad = 0;

    if (want_map(c, n, threshold_keys, NWORDS(threshold_keys)) != 0)
        return;
    type = want_key(c, n, "type");
    track = want_key(c, n, "track");
    count = want_key(c, n, "count");
    seconds = want_key(c, n, "seconds");
    if (type == NULL || want_word(c, type, threshold_words, NWORDS(threshold_words), &t) != 0)
        bad = 1;
    if (track == NULL || want_word(c, track, track_words, NWORDS(track_words), &k) != 0)
        bad = 1;
    if (count == NULL || want_u64(c, count, 1, UINT32_MAX, &cnt) != 0)
        bad = 1;
    if (seconds == NULL || want_u64(c, seconds, 1, UINT32_MAX, &sec) != 0)
        bad = 1;
    if (bad)
        return;
    r->threshold.type = (uint8_t)(t + RW_THRESHOLD_LIMIT);
    r->threshold.track = (uint8_t)(k + RW_TRACK_BY_SRC);
    r->threshold.count = (uint32_t)cnt;
    r->threshold.seconds = (uint32_t)sec;
}

/* One entry of a suppress ip: a list name, else a CIDR (kept in the entry's own list). */
static void suppress_ip(struct rctx *c, struct rw_rule_suppress *s, size_t *lists,
                        const struct ynode *it)
{
    struct rw_ruleset *rs = c->rs;
    char why[RW_DIAG_LINE_MAX_BYTES];
    struct rw_cidr cidr;
    long ix = find_list(rs, it);
    size_t k = 0;

    if (ix >= 0) {
        lists[s->nlists++] = (size_t)ix;
        return;
    }
    if (rw_addrlist_parse_cidr(it->text, it->len, &cidr, why, sizeof(why)) != 0) {
        /* Name-like text is a missing list; anything else a bad CIDR. */
        while (k < it->len && name_char(it->text[k]))
            k++;
        if (k < it->len)
            rerr(c, it, "%s", why);
        else if (!c->incomplete)
            rerr(c, it, "expected a CIDR or a list defined under lists, found '%s'", it->text);
        return;
    }
    if (s->cidrs == NULL) {
        struct rw_addrlist *l = rw_addrlist_new("suppress", 0);

        if (l == NULL || rs->nowned == rs->capowned) {
            rw_addrlist_free(&l);
            c->oom = 1;
            return;
        }
        rs->owned[rs->nowned++] = l;
        s->cidrs = l;
    }
    if (rw_addrlist_add(rs->owned[rs->nowned - 1], &cidr, 0) == RW_ENOMEM)
        c->oom = 1;
}

/* suppress: [{track: by_src|by_dst, ip: CIDR or list name, or a list of them}]. */
static void rule_suppress_one(struct rctx *c, struct rw_rule_suppress *s, const struct ynode *n)
{
    const struct ynode *track, *ip, *items;
    size_t nitems, i = 0;
    size_t *lists;
    int t = 0;

    if (want_map(c, n, suppress_keys, NWORDS(suppress_keys)) != 0)
        return;
    track = want_key(c, n, "track");
    ip = want_key(c, n, "ip");
    if (track != NULL && want_word(c, track, track_words, 2, &t) == 0)
        s->track = (uint8_t)(t + RW_TRACK_BY_SRC);
    if (ip == NULL || want_strlist(c, ip, &items, &nitems) != 0)
        return;
    lists = rs_alloc(c, nitems * sizeof(*lists));
    if (lists == NULL)
        return;
    s->lists = lists;
    for (const struct ynode *it = items; it != NULL && i < nitems && !c->oom; it = it->next, i++)
        suppress_ip(c, s, lists, it);
}

static void rule_suppress(struct rctx *c, struct rw_rule *r, const struct ynode *n)
{
    char q[RW_ADDRLIST_QUOTE_MAX];
    struct rw_rule_suppress *s;
    size_t i = 0;

    if (n->kind != Y_SEQ) {
        rerr(c, n, "expected a list of {track, ip} entries, found %s", y_found(n, q, sizeof(q)));
        return;
    }
    s = rs_alloc(c, (n->n + 1) * sizeof(*s));
    if (s == NULL)
        return;
    for (const struct ynode *it = n->first; it != NULL && !c->oom; it = it->next)
        rule_suppress_one(c, &s[i++], it);
    r->suppress = s;
    r->nsuppress = i;
}

/* The identity of a rule: sid, rev, msg, classtype/category, severity, metadata,
 * references. */
static void rule_identity(struct rctx *c, struct rule_priv *rp, const struct ynode *n)
{
    struct rw_rule *r = &rp->pub;
    const struct ynode *v;
    uint64_t u = 0;
    const char *s;

    v = want_key(c, n, "sid");
    if (v != NULL && want_u64(c, v, 1, UINT32_MAX, &u) == 0) {
        r->sid = (uint32_t)u;
        rp->sid_line = v->line;
        rp->sid_col = v->col;
    }
    v = y_get(n, "rev");
    if (v != NULL && want_u64(c, v, 0, UINT32_MAX, &u) == 0)
        r->rev = (uint32_t)u;
    v = want_key(c, n, "msg");
    if (v != NULL && want_text(c, v, 0, &s) == 0)
        r->msg = rs_keep(c, v);
    rule_classtype(c, r, n);
    v = y_get(n, "severity");
    if (v != NULL && want_u64(c, v, 1, 4, &u) == 0)
        r->severity = (uint8_t)u;
    if (r->severity == 0)
        r->severity = 3;
    v = y_get(n, "metadata");
    if (v != NULL)
        rule_metadata(c, r, v);
    v = y_get(n, "references");
    if (v != NULL)
        keep_strlist(c, v, NULL, 0, &r->references, &r->nreferences);
}

static void compile_rule(struct rctx *c, const struct ynode *n)
{
    struct rw_ruleset *rs = c->rs;
    struct rule_priv *rp;
    struct rw_rule *r;
    const struct ynode *v;
    int level = -1;

    if (want_map(c, n, rule_keys, NWORDS(rule_keys)) != 0)
        return;
    if (rs->nrules == rs->caprules) {
        c->oom = 1;   /* counted beforehand: cannot happen */
        return;
    }
    rp = &rs->rules[rs->nrules++];
    r = &rp->pub;
    r->anonymous = -1;
    r->bytes_max = UINT64_MAX;
    r->file = c->f->path;
    r->line = n->line;
    rule_identity(c, rp, n);
    v = want_key(c, n, "level");
    if (v != NULL && want_word(c, v, level_words, NWORDS(level_words), &level) == 0)
        r->level = (uint8_t)(level + RW_RULE_FILE);
    v = y_get(n, "match");
    if (v != NULL)
        rule_match(c, rp, v);
    v = y_get(n, "window");
    if (r->level == RW_RULE_HOST && v == NULL)
        rerr(c, n, "expected key 'window' (level host needs one), found none");
    else if (v != NULL && r->level != 0 && r->level != RW_RULE_HOST)
        rerr(c, y_key(n, "window"), "expected 'window' only at level host, found level %s",
             level_words[r->level - 1]);
    else if (v != NULL)
        rule_window(c, r, v);
    v = y_get(n, "threshold");
    if (v != NULL)
        rule_threshold(c, r, v);
    v = y_get(n, "suppress");
    if (v != NULL)
        rule_suppress(c, r, v);
}

static int sid_cmp(const void *a, const void *b)
{
    const struct rule_priv *x = *(const struct rule_priv *const *)a;
    const struct rule_priv *y = *(const struct rule_priv *const *)b;

    if (x->pub.sid != y->pub.sid)
        return x->pub.sid < y->pub.sid ? -1 : 1;
    return x < y ? -1 : (x > y ? 1 : 0);
}

/* Sorts the rules by sid for rw_rules_by_sid and reports sids used twice. */
static void index_sids(struct rctx *c)
{
    struct rw_ruleset *rs = c->rs;
    size_t n = 0;

    rs->by_sid = rs_alloc(c, (rs->nrules + 1) * sizeof(*rs->by_sid));
    if (rs->by_sid == NULL)
        return;
    for (size_t i = 0; i < rs->nrules; i++)
        if (rs->rules[i].pub.sid != 0)
            rs->by_sid[n++] = &rs->rules[i];
    qsort(rs->by_sid, n, sizeof(*rs->by_sid), sid_cmp);
    rs->nby_sid = n;
    for (size_t i = 1, first = 0; i < n; i++) {
        const struct rule_priv *r = rs->by_sid[i], *r0 = rs->by_sid[first];

        if (r->pub.sid != r0->pub.sid) {
            first = i;
            continue;
        }
        rerr_at(c, r->pub.file, r->sid_line, r->sid_col,
                "expected a unique sid, found %lu again (first at %s:%lu:%lu)",
                (unsigned long)r->pub.sid, r0->pub.file, r0->sid_line, r0->sid_col);
    }
}

/* --- loading ------------------------------------------------------------------------- */

static const char *const top_keys[] = {"vars", "lists", "types", "rules"};

/* Counts lists, rules and suppress entries over every file, to size the arrays once. */
static void count_all(struct rctx *c, size_t *nlists, size_t *nrules, size_t *nsuppress)
{
    *nlists = *nrules = *nsuppress = 0;
    for (size_t i = 0; i < c->nfiles; i++) {
        const struct ynode *lists = y_get(c->files[i].root, "lists");
        const struct ynode *rules = y_get(c->files[i].root, "rules");

        if (lists != NULL && lists->kind == Y_MAP)
            *nlists += lists->n / 2;
        if (rules == NULL || rules->kind != Y_SEQ)
            continue;
        *nrules += rules->n;
        for (const struct ynode *r = rules->first; r != NULL; r = r->next) {
            const struct ynode *s = y_get(r, "suppress");

            if (s != NULL && s->kind == Y_SEQ)
                *nsuppress += s->n;
        }
    }
}

static int alloc_arrays(struct rctx *c)
{
    struct rw_ruleset *rs = c->rs;
    size_t nl, nr, ns;

    count_all(c, &nl, &nr, &ns);
    rs->lists = rs_alloc(c, (nl + 1) * sizeof(*rs->lists));
    c->listdefs = tmp_alloc(c, (nl + 1) * sizeof(*c->listdefs));
    rs->rules = rs_alloc(c, (nr + 1) * sizeof(*rs->rules));
    rs->owned = rs_alloc(c, (ns + 1) * sizeof(*rs->owned));
    rs->caplists = nl;
    rs->caprules = nr;
    rs->capowned = ns;
    return c->oom ? -1 : 0;
}

/* Step 2 for one file: vars, lists and types. */
static void compile_defs(struct rctx *c, const struct yfile *f)
{
    const struct ynode *v;

    c->f = f;
    if (f->root == NULL)
        return;
    if (want_map(c, f->root, top_keys, NWORDS(top_keys)) != 0) {
        c->incomplete = 1;
        return;
    }
    v = y_get(f->root, "vars");
    if (v != NULL)
        compile_vars(c, v);
    v = y_get(f->root, "lists");
    if (v != NULL)
        compile_lists(c, v);
    v = y_get(f->root, "types");
    if (v != NULL)
        compile_types(c, v);
}

/* Step 3 for one file: its rules. */
static void compile_rules(struct rctx *c, const struct yfile *f)
{
    char q[RW_ADDRLIST_QUOTE_MAX];
    const struct ynode *v;

    c->f = f;
    if (f->root == NULL || f->root->kind != Y_MAP)
        return;
    v = y_get(f->root, "rules");
    if (v == NULL)
        return;
    if (v->kind != Y_SEQ) {
        rerr(c, v, "expected a list of rules, found %s", y_found(v, q, sizeof(q)));
        return;
    }
    for (const struct ynode *r = v->first; r != NULL && !c->oom; r = r->next)
        compile_rule(c, r);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int is_rule_file(const char *name)
{
    size_t n = strlen(name);

    if (name[0] == '.')
        return 0;
    return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
           (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

/* Adds a file to c->files: its path as shown and its directory. */
static int add_file(struct rctx *c, const char *dir, const char *name)
{
    struct yfile *f = &c->files[c->nfiles];
    size_t dl = strlen(dir), nl = strlen(name);
    int slash = dl > 0 && dir[dl - 1] != '/';
    char *path = arena_alloc(&c->rs->mem, dl + (size_t)slash + nl + 1);
    const char *last;

    if (path == NULL) {
        c->oom = 1;
        return -1;
    }
    memcpy(path, dir, dl);
    if (slash)
        path[dl] = '/';
    memcpy(path + dl + (size_t)slash, name, nl + 1);
    f->path = path;
    last = strrchr(path, '/');
    f->dir = last == NULL ? "" : arena_strndup(&c->tmp, path, (size_t)(last - path));
    if (f->dir == NULL) {
        c->oom = 1;
        return -1;
    }
    if (last == path)
        f->dir = "/";
    c->nfiles++;
    return 0;
}

/* Lists the rule files of directory path, in byte order of their names. */
static int list_dir(struct rctx *c, const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    const char **names;
    size_t n = 0;
    int rc = -1;

    names = tmp_alloc(c, (RW_RULES_MAX_FILES + 1) * sizeof(*names));
    c->files = tmp_alloc(c, RW_RULES_MAX_FILES * sizeof(*c->files));
    if (names == NULL || c->files == NULL)
        goto out;
    if (d == NULL) {
        rerr_at(c, path, 0, 0, "expected a readable directory, found %s", strerror(errno));
        goto out;
    }
    for (;;) {
        e = readdir(d);
        if (e == NULL)
            break;
        if (!is_rule_file(e->d_name))
            continue;
        if (n == RW_RULES_MAX_FILES) {
            rerr_at(c, path, 0, 0, "expected at most %d rule files, found more",
                    RW_RULES_MAX_FILES);
            goto out;
        }
        names[n] = arena_strndup(&c->tmp, e->d_name, strlen(e->d_name));
        if (names[n++] == NULL) {
            c->oom = 1;
            goto out;
        }
    }
    if (n == 0) {
        rerr_at(c, path, 0, 0, "expected at least one *.yaml or *.yml file, found none");
        goto out;
    }
    qsort(names, n, sizeof(*names), name_cmp);
    for (size_t i = 0; i < n; i++)
        if (add_file(c, path, names[i]) != 0)
            goto out;
    rc = 0;
out:
    if (d != NULL)
        closedir(d);
    return rc;
}

/* Step 1: find the files and parse each into a tree. */
static int parse_files(struct rctx *c, const char *path)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        rerr_at(c, path, 0, 0, "expected a readable file or directory, found %s",
                strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        if (list_dir(c, path) != 0)
            return -1;
    } else {
        c->files = tmp_alloc(c, sizeof(*c->files));
        if (c->files == NULL || add_file(c, "", path) != 0)
            return -1;
    }
    for (size_t i = 0; i < c->nfiles && !c->oom; i++) {
        char *buf = NULL;
        size_t len = 0;

        size_t errors = c->errors;

        if (read_rule_file(c, c->files[i].path, &buf, &len) == 0)
            tree_parse(c, &c->files[i], buf, len);
        rw_free(buf);
        if (c->errors != errors)
            c->incomplete = 1;
    }
    return c->oom ? -1 : 0;
}

static void compile_all(struct rctx *c, const char *path, const char *const *sets, size_t nsets)
{
    if (alloc_arrays(c) != 0)
        return;
    for (size_t i = 0; i < c->nfiles && !c->oom; i++)
        compile_defs(c, &c->files[i]);
    if (c->oom)
        return;
    index_lists(c);
    for (size_t i = 0; i < nsets && !c->oom; i++)
        apply_set(c, sets[i]);
    if (c->rs->home == NULL && !c->oom && !c->incomplete)
        rerr_at(c, path, 0, 0, "expected home_net under vars (or --set home_net=CIDR,...), "
                               "found none");
    for (size_t i = 0; i < c->nfiles && !c->oom; i++)
        compile_rules(c, &c->files[i]);
    if (!c->oom)
        index_sids(c);
}

struct rw_ruleset *rw_rules_load(const char *path, const char *const *sets, size_t nsets,
                                 struct rw_diag *diag, int *err)
{
    struct rctx c;
    int rc = 0;

    memset(&c, 0, sizeof(c));
    c.diag = diag;
    c.rs = rw_calloc(1, sizeof(*c.rs));
    if (c.rs == NULL) {
        rc = RW_ENOMEM;
        goto out;
    }
    if (parse_files(&c, path) == 0)
        compile_all(&c, path, sets, nsets);
    if (c.oom)
        rc = RW_ENOMEM;
    else if (c.errors > 0)
        rc = RW_EPARSE;
out:
    arena_free(&c.tmp);
    if (rc != 0)
        rw_rules_free(&c.rs);
    if (err != NULL)
        *err = rc;
    return c.rs;
}

void rw_rules_free(struct rw_ruleset **rsp)
{
    struct rw_ruleset *rs;

    if (rsp == NULL || *rsp == NULL)
        return;
    rs = *rsp;
    rw_addrlist_free(&rs->home);
    for (size_t i = 0; i < rs->nlists; i++)
        rw_addrlist_free(&rs->lists[i]);
    for (size_t i = 0; i < rs->nowned; i++)
        rw_addrlist_free(&rs->owned[i]);
    arena_free(&rs->mem);
    rw_free(rs);
    *rsp = NULL;
}

/* --- using a loaded set -------------------------------------------------------------- */

void rw_rules_summary(const struct rw_ruleset *rs, char *buf, size_t len)
{
    size_t prefixes = 0;

    if (buf == NULL || len == 0)
        return;
    for (size_t i = 0; i < rs->nlists; i++)
        prefixes += rw_addrlist_count(rs->lists[i]);
    /* Cut to fit on purpose: the contract allows it. */
    snprintf(buf, len, "%zu rule%s, %zu list%s (%zu prefix%s), %zu type group%s", rs->nrules,
             rs->nrules == 1 ? "" : "s", rs->nlists, rs->nlists == 1 ? "" : "s", prefixes,
             prefixes == 1 ? "" : "es", rs->ngroups, rs->ngroups == 1 ? "" : "s");
}

int rw_rules_is_home(const struct rw_ruleset *rs, const struct rw_addr *addr)
{
    return rs->home != NULL && rw_addrlist_lookup(rs->home, addr, NULL);
}

size_t rw_rules_lookup_dst(const struct rw_ruleset *rs, const struct rw_addr *addr,
                           struct rw_addrlist_match *out, size_t max)
{
    size_t n = 0;

    for (size_t i = 0; i < rs->nlists; i++) {
        if (n < max ? rw_addrlist_lookup(rs->lists[i], addr, &out[n])
                    : rw_addrlist_lookup(rs->lists[i], addr, NULL))
            n++;
    }
    return n;
}

size_t rw_rules_count(const struct rw_ruleset *rs)
{
    return rs->nrules;
}

const struct rw_rule *rw_rules_rule(const struct rw_ruleset *rs, size_t i)
{
    return i < rs->nrules ? &rs->rules[i].pub : NULL;
}

const struct rw_rule *rw_rules_by_sid(const struct rw_ruleset *rs, uint32_t sid)
{
    size_t lo = 0, hi = rs->nby_sid;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (rs->by_sid[mid]->pub.sid == sid)
            return &rs->by_sid[mid]->pub;
        if (rs->by_sid[mid]->pub.sid > sid)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

size_t rw_rules_list_count(const struct rw_ruleset *rs)
{
    return rs->nlists;
}

const struct rw_addrlist *rw_rules_list(const struct rw_ruleset *rs, size_t i)
{
    return i < rs->nlists ? rs->lists[i] : NULL;
}

size_t rw_rules_group_count(const struct rw_ruleset *rs)
{
    return rs->ngroups;
}

const struct rw_typegroup *rw_rules_group(const struct rw_ruleset *rs, size_t i)
{
    return i < rs->ngroups ? &rs->groups[i] : NULL;
}

static unsigned char fold(unsigned char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch - 'A' + 'a') : ch;
}

/* Does the glob element at p (glob_elem long) match ch? */
static int glob_elem_match(const char *p, size_t n, unsigned char ch)
{
    size_t i = 1, end = n - 1;
    int neg = 0, hit = 0;

    if (p[0] == '?')
        return 1;
    if (p[0] == '\\')
        return fold((unsigned char)p[1]) == fold(ch);
    if (p[0] != '[')
        return fold((unsigned char)p[0]) == fold(ch);
    if (p[i] == '!' || p[i] == '^') {
        neg = 1;
        i++;
    }
    for (; i < end; i++) {
        unsigned char lo = fold((unsigned char)p[i]), hi = lo;

        if (i + 2 < end && p[i + 1] == '-') {
            hi = fold((unsigned char)p[i + 2]);
            i += 2;
        }
        if (fold(ch) >= lo && fold(ch) <= hi)
            hit = 1;
    }
    return hit != neg;
}

int rw_rules_glob(const char *pattern, const char *s)
{
    const char *p = pattern, *star_p = NULL, *star_s = NULL;

    if (!glob_valid(pattern))
        return 0;
    while (*s != '\0') {
        size_t n;

        if (*p == '*') {
            star_p = ++p;
            star_s = s;
            continue;
        }
        n = *p == '\0' ? 0 : glob_elem(p);
        if (n != 0 && glob_elem_match(p, n, (unsigned char)*s)) {
            p += n;
            s++;
            continue;
        }
        if (star_p == NULL)
            return 0;
        p = star_p;
        s = ++star_s;
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}

/* Does name end in ".ext" (ext is lower case; name compared without regard to case)? */
static int has_ext(const char *name, size_t nlen, const char *ext)
{
    size_t el = strlen(ext);

    if (nlen < el + 2 || name[nlen - el - 1] != '.')
        return 0;
    for (size_t i = 0; i < el; i++)
        if (fold((unsigned char)name[nlen - el + i]) != (unsigned char)ext[i])
            return 0;
    return 1;
}

static int any_glob(const char *const *pats, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (rw_rules_glob(pats[i], s))
            return 1;
    return 0;
}

uint64_t rw_rules_types_of(const struct rw_ruleset *rs, const char *mime, const char *desc,
                           const char *filename)
{
    return rw_rules_types_of_content(rs, mime, desc) | rw_rules_types_of_name(rs, filename);
}

uint64_t rw_rules_types_of_name(const struct rw_ruleset *rs, const char *filename)
{
    size_t flen;
    uint64_t bits = 0;

    if (rs == NULL || filename == NULL)
        return 0;
    flen = strlen(filename);
    for (size_t i = 0; i < rs->ngroups; i++) {
        const struct rw_typegroup *g = &rs->groups[i];

        for (size_t j = 0; j < g->next; j++) {
            if (has_ext(filename, flen, g->ext[j])) {
                bits |= 1ULL << i;
                break;
            }
        }
    }
    return bits;
}

uint64_t rw_rules_types_of_content(const struct rw_ruleset *rs, const char *mime,
                                   const char *desc)
{
    char type[128];
    uint64_t bits = 0;

    if (rs == NULL || (mime == NULL && desc == NULL))
        return 0;
    if (mime != NULL) {
        size_t n = strcspn(mime, ";");

        while (n > 0 && mime[n - 1] == ' ')
            n--;
        if (n >= sizeof(type))
            n = sizeof(type) - 1;
        memcpy(type, mime, n);
        type[n] = '\0';
    }
    for (size_t i = 0; i < rs->ngroups; i++) {
        const struct rw_typegroup *g = &rs->groups[i];
        int hit = (mime != NULL && any_glob(g->mime, g->nmime, type)) ||
                  (desc != NULL && any_glob(g->magic, g->nmagic, desc));

        if (hit)
            bits |= 1ULL << i;
    }
    return bits;
}

int rw_rules_suppressed(const struct rw_ruleset *rs, const struct rw_rule *r,
                        const struct rw_addr *src, const struct rw_addr *dst)
{
    for (size_t i = 0; i < r->nsuppress; i++) {
        const struct rw_rule_suppress *s = &r->suppress[i];
        const struct rw_addr *a = s->track == RW_TRACK_BY_DST ? dst : src;

        if (s->cidrs != NULL && rw_addrlist_lookup(s->cidrs, a, NULL))
            return 1;
        for (size_t j = 0; j < s->nlists; j++)
            if (rw_addrlist_lookup(rs->lists[s->lists[j]], a, NULL))
                return 1;
    }
    return 0;
}

int rw_rules_check_protos(const struct rw_ruleset *rs, int (*known)(void *ctx, const char *name),
                          void *ctx, struct rw_diag *diag)
{
    int rc = 0;

    for (size_t i = 0; i < rs->nrules; i++) {
        const struct rule_priv *rp = &rs->rules[i];

        for (size_t j = 0; j < rp->pub.nprotos; j++) {
            const char *name = rp->pub.protos[j];
            char q[RW_ADDRLIST_QUOTE_MAX];
            size_t k;

            for (k = 0; k < NWORDS(proto_families); k++)
                if (strcasecmp(name, proto_families[k]) == 0)
                    break;
            if (k < NWORDS(proto_families) || known(ctx, name))
                continue;
            rw__addrlist_quote(name, strlen(name), q, sizeof(q));
            rw_diag_add(diag, rp->pub.file, rp->proto_line[j], rp->proto_col[j],
                        "expected a protocol nDPI knows or one of encrypted, cleartext, "
                        "file_transfer, remote_access, vpn, found %s", q);
            rc = RW_EPARSE;
        }
    }
    return rc;
}
