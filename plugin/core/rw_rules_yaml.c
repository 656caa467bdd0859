/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_rules_yaml.c — rule files read (bounded) into a small tree from libyaml's events;
 * the checked values, names, globs and CIDRs every part of the loader asks for. */
#include "rw_rules_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

/* --- arena: many small allocations freed together ------------------------------------ */

void *rr_arena_alloc(struct arena *a, size_t n)
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
    void *p = rr_arena_alloc(a, n);

    if (p != NULL)
        memset(p, 0, n);
    return p;
}

char *rr_arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *d = rr_arena_alloc(a, n + 1);

    if (d == NULL)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

void rr_arena_free(struct arena *a)
{
    while (a->head != NULL) {
        struct arena_chunk *next = a->head->next;

        rw_free(a->head);
        a->head = next;
    }
}

/* Adds one diagnostic, unless the load already ran out of memory (then it means nothing). */
void rr_rerr_at(struct rctx *c, const char *file, unsigned long line, unsigned long col,
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

void rr_rerr(struct rctx *c, const struct ynode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Adds a diagnostic at node n of the file being compiled. */
void rr_rerr(struct rctx *c, const struct ynode *n, const char *fmt, ...)
{
    char msg[RW_DIAG_LINE_MAX_BYTES];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    rr_rerr_at(c, c->f->path, n->line, n->col, "%s", msg);
}

void *rr_rs_alloc(struct rctx *c, size_t n)
{
    void *p = arena_zalloc(&c->rs->mem, n);

    if (p == NULL)
        c->oom = 1;
    return p;
}

void *rr_tmp_alloc(struct rctx *c, size_t n)
{
    void *p = arena_zalloc(&c->tmp, n);

    if (p == NULL)
        c->oom = 1;
    return p;
}

/* Copies a scalar's text into the set. */
const char *rr_rs_keep(struct rctx *c, const struct ynode *n)
{
    const char *s = rr_arena_strndup(&c->rs->mem, n->text, n->len);

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
const char *rr_y_found(const struct ynode *n, char *buf, size_t len)
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

int rr_y_is(const struct ynode *n, const char *word)
{
    return n->kind == Y_SCALAR && n->len == strlen(word) && memcmp(n->text, word, n->len) == 0;
}

/* The value of key in mapping m (the first, should it repeat), or NULL. */
const struct ynode *rr_y_get(const struct ynode *m, const char *key)
{
    if (m == NULL || m->kind != Y_MAP)
        return NULL;
    for (const struct ynode *k = m->first; k != NULL; k = k->next->next)
        if (rr_y_is(k, key))
            return k->next;
    return NULL;
}

/* The key node of key in mapping m, or NULL. */
const struct ynode *rr_y_key(const struct ynode *m, const char *key)
{
    if (m == NULL || m->kind != Y_MAP)
        return NULL;
    for (const struct ynode *k = m->first; k != NULL; k = k->next->next)
        if (rr_y_is(k, key))
            return k;
    return NULL;
}

/* --- reading files and building the tree --------------------------------------------- */

/* Reads a whole rule file (at most RW_RULES_FILE_MAX_BYTES) into *bufp (rw_malloc). */
int rr_read_rule_file(struct rctx *c, const char *path, char **bufp, size_t *lenp)
{
    struct stat st;
    char *buf = NULL;
    size_t have = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc = -1;

    if (fd < 0) {
        rr_rerr_at(c, path, 0, 0, "expected a readable file, found %s", strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rr_rerr_at(c, path, 0, 0, "expected a readable file, found not a regular file");
        goto out;
    }
    if (st.st_size > (off_t)RW_RULES_FILE_MAX_BYTES) {
        rr_rerr_at(c, path, 0, 0, "expected at most %d bytes, found %lld", RW_RULES_FILE_MAX_BYTES,
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
            rr_rerr_at(c, path, 0, 0, "expected a readable file, found %s", strerror(errno));
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
        rr_rerr_at(c, f->path, line, (unsigned long)(off - bol) + 1,
                   "expected valid YAML, found a syntax error: %s", problem);
        return;
    }
    line = (unsigned long)p->problem_mark.line + 1;
    col = (unsigned long)p->problem_mark.column + 1;
    if (p->context != NULL)
        rr_rerr_at(c, f->path, line, col,
                   "expected valid YAML, found a syntax error: %s (%s at line %lu column %lu)",
                   problem, p->context, (unsigned long)p->context_mark.line + 1,
                   (unsigned long)p->context_mark.column + 1);
    else
        rr_rerr_at(c, f->path, line, col, "expected valid YAML, found a syntax error: %s", problem);
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
        rr_rerr_at(c, f->path, (unsigned long)ev->start_mark.line + 1,
                   (unsigned long)ev->start_mark.column + 1,
                   "expected at most %d YAML nodes, found more", RW_RULES_MAX_NODES);
        return NULL;
    }
    n = rr_tmp_alloc(c, sizeof(*n));
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
    rr_rerr_at(c, f->path, (unsigned long)ev->start_mark.line + 1,
               (unsigned long)ev->start_mark.column + 1,
               "expected a value without a YAML tag (quote text that starts with '!'), "
               "found %s",
               q);
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
        rr_rerr_at(c, f->path, line, col, "expected a single YAML document, found another");
        return -1;
    case YAML_ALIAS_EVENT:
        rw__addrlist_quote((const char *)ev->data.alias.anchor,
                           strlen((const char *)ev->data.alias.anchor), q, sizeof(q));
        rr_rerr_at(c, f->path, line, col,
                   "expected a value (aliases are not supported), found the alias %s", q);
        return -1;
    case YAML_SCALAR_EVENT:
        if (!tree_tag_ok(c, f, ev, ev->data.scalar.tag))
            return -1;
        n = tree_node(c, f, t, ev, Y_SCALAR);
        if (n == NULL)
            return -1;
        n->text = rr_arena_strndup(&c->tmp, (const char *)ev->data.scalar.value,
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
            rr_rerr_at(c, f->path, line, col, "expected at most %d levels of nesting, found more",
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
void rr_tree_parse(struct rctx *c, struct yfile *f, const char *buf, size_t len)
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
int rr_want_text(struct rctx *c, const struct ynode *n, int allow_empty, const char **out)
{
    char q[RW_ADDRLIST_QUOTE_MAX];

    if (n->kind != Y_SCALAR || y_is_null(n)) {
        rr_rerr(c, n, "expected a string, found %s", rr_y_found(n, q, sizeof(q)));
        return -1;
    }
    if (n->len == 0 && !allow_empty) {
        rr_rerr(c, n, "expected a non-empty string, found ''");
        return -1;
    }
    if (memchr(n->text, '\0', n->len) != NULL) {
        rr_rerr(c, n, "expected a string without NUL characters, found %s",
                rr_y_found(n, q, sizeof(q)));
        return -1;
    }
    *out = n->text;
    return 0;
}

int rr_want_u64(struct rctx *c, const struct ynode *n, uint64_t min, uint64_t max,
                uint64_t *out)
{
    char q[RW_ADDRLIST_QUOTE_MAX];
    uint64_t v;

    if (n->kind == Y_SCALAR && rw_num_parse_u64(n->text, min, max, &v, NULL) == 0) {
        *out = v;
        return 0;
    }
    rr_rerr(c, n, "expected an integer from %llu to %llu, found %s", (unsigned long long)min,
            (unsigned long long)max, rr_y_found(n, q, sizeof(q)));
    return -1;
}

int rr_want_size(struct rctx *c, const struct ynode *n, uint64_t min, uint64_t *out)
{
    char q[RW_ADDRLIST_QUOTE_MAX];
    uint64_t v;

    if (n->kind != Y_SCALAR || rw_num_parse_size(n->text, 0, UINT64_MAX, &v, NULL) != 0) {
        rr_rerr(c, n, "expected a size such as 65536, 64KiB or 5GB, found %s",
                rr_y_found(n, q, sizeof(q)));
        return -1;
    }
    if (v < min) {
        rr_rerr(c, n, "expected a size of at least %llu byte%s, found %s", (unsigned long long)min,
                min == 1 ? "" : "s", rr_y_found(n, q, sizeof(q)));
        return -1;
    }
    *out = v;
    return 0;
}

/* max is a whole number of days (RW_RULES_WINDOW_MAX_SEC). */
_Static_assert(RW_RULES_WINDOW_MAX_SEC % 86400 == 0, "the window limit is shown in days");
int rr_want_duration(struct rctx *c, const struct ynode *n, uint64_t max, uint64_t *out)
{
    char q[RW_ADDRLIST_QUOTE_MAX];
    uint64_t v;

    if (n->kind == Y_SCALAR && rw_num_parse_duration(n->text, 1, max, &v, NULL) == 0) {
        *out = v;
        return 0;
    }
    rr_rerr(c, n, "expected a duration from 1s to %llud such as 90s, 15m, 24h or 7d, found %s",
            (unsigned long long)(max / 86400), rr_y_found(n, q, sizeof(q)));
    return -1;
}

int rr_want_bool(struct rctx *c, const struct ynode *n, int *out)
{
    char q[RW_ADDRLIST_QUOTE_MAX];

    if (rr_y_is(n, "true") || rr_y_is(n, "false")) {
        *out = rr_y_is(n, "true");
        return 0;
    }
    rr_rerr(c, n, "expected true or false, found %s", rr_y_found(n, q, sizeof(q)));
    return -1;
}

/* Joins words as "a, b, c" into buf. */
const char *rr_join_words(const char *const *words, size_t n, char *buf, size_t len)
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
int rr_want_word(struct rctx *c, const struct ynode *n, const char *const *words, size_t nw,
                 int *out)
{
    char q[RW_ADDRLIST_QUOTE_MAX];
    char list[256];

    for (size_t i = 0; i < nw; i++) {
        if (rr_y_is(n, words[i])) {
            *out = (int)i;
            return 0;
        }
    }
    rr_rerr(c, n, "expected one of %s, found %s", rr_join_words(words, nw, list, sizeof(list)),
            rr_y_found(n, q, sizeof(q)));
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
void rr_map_dups(struct rctx *c, const struct ynode *m)
{
    size_t nk = m->n / 2, i = 0;
    const struct ynode **keys;
    char q[RW_ADDRLIST_QUOTE_MAX];

    if (nk < 2)
        return;
    keys = rr_tmp_alloc(c, nk * sizeof(*keys));
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
        rr_rerr(c, keys[j], "expected each key once, found %s again (first at %s:%lu:%lu)", q,
                c->f->path, keys[first]->line, keys[first]->col);
    }
}

/*
 * Checks that n is a mapping whose keys are all among keys[] and none repeats. Returns -1
 * only when n is not a mapping; unknown keys are reported and skipped by the callers,
 * which look keys up by name.
 */
int rr_want_map(struct rctx *c, const struct ynode *n, const char *const *keys, size_t nk)
{
    char q[RW_ADDRLIST_QUOTE_MAX];
    char list[512];

    if (n->kind != Y_MAP) {
        rr_rerr(c, n, "expected a mapping, found %s", rr_y_found(n, q, sizeof(q)));
        return -1;
    }
    for (const struct ynode *k = n->first; k != NULL; k = k->next->next) {
        size_t i;

        if (k->kind != Y_SCALAR) {
            rr_rerr(c, k, "expected a key name, found %s", rr_y_found(k, q, sizeof(q)));
            continue;
        }
        for (i = 0; i < nk; i++)
            if (rr_y_is(k, keys[i]))
                break;
        if (keys != NULL && i == nk)
            rr_rerr(c, k, "expected one of %s, found %s",
                    rr_join_words(keys, nk, list, sizeof(list)), rr_y_found(k, q, sizeof(q)));
    }
    rr_map_dups(c, n);
    return 0;
}

/* A required key: reported at the mapping when absent. */
const struct ynode *rr_want_key(struct rctx *c, const struct ynode *m, const char *key)
{
    const struct ynode *v = rr_y_get(m, key);

    if (v == NULL)
        rr_rerr(c, m, "expected key '%s', found none", key);
    return v;
}

/* A string or a list of strings (a single string is a list of one); at least one entry.
 * Sets *items to the first item node (walk with ->next) and *n to the count, or returns -1
 * after reporting. */
int rr_want_strlist(struct rctx *c, const struct ynode *n, const struct ynode **items,
                    size_t *count)
{
    char q[RW_ADDRLIST_QUOTE_MAX];
    int bad = 0;

    if (n->kind == Y_SCALAR) {
        if (rr_want_text(c, n, 0, &(const char *){NULL}) != 0)
            return -1;
        *items = n;
        *count = 1;
        return 0;
    }
    if (n->kind != Y_SEQ) {
        rr_rerr(c, n, "expected a string or a list of strings, found %s",
                rr_y_found(n, q, sizeof(q)));
        return -1;
    }
    if (n->n == 0) {
        rr_rerr(c, n, "expected at least one entry, found an empty list");
        return -1;
    }
    for (const struct ynode *i = n->first; i != NULL; i = i->next)
        if (rr_want_text(c, i, 0, &(const char *){NULL}) != 0)
            bad = 1;
    *items = n->first;
    *count = n->n;
    return bad ? -1 : 0;
}

/* A string list copied into the set, each entry checked by ok() when given and turned to
 * lower case when lower is set. */
int rr_keep_strlist(struct rctx *c, const struct ynode *n,
                    int (*ok)(struct rctx *c, const struct ynode *item), int lower,
                    const char *const **out, size_t *count)
{
    const struct ynode *items;
    const char **v;
    size_t nitems, i = 0;
    int bad = 0;

    if (rr_want_strlist(c, n, &items, &nitems) != 0)
        return -1;
    v = rr_rs_alloc(c, nitems * sizeof(*v));
    if (v == NULL)
        return -1;
    for (const struct ynode *it = items; it != NULL && i < nitems; it = it->next, i++) {
        char *copy;

        if (ok != NULL && ok(c, it) != 0)
            bad = 1;
        copy = rr_arena_strndup(&c->rs->mem, it->text, it->len);
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

int rr_name_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '-';
}

/* A list or group name: letters, digits, _ and -, at most RW_RULES_NAME_MAX_BYTES - 1;
 * list names must also start with a letter or '_' (so they never look like addresses). */
int rr_want_name(struct rctx *c, const struct ynode *n, int list)
{
    char q[RW_ADDRLIST_QUOTE_MAX];
    int ok = n->kind == Y_SCALAR && n->len > 0 && n->len < RW_RULES_NAME_MAX_BYTES;

    for (size_t i = 0; ok && i < n->len; i++)
        ok = rr_name_char(n->text[i]);
    if (ok && list)
        ok = !(n->text[0] >= '0' && n->text[0] <= '9') && n->text[0] != '-';
    if (!ok) {
        rr_rerr(c, n, "expected a %s name (%sletters, digits, _ or -, at most %d bytes), found %s",
                list ? "list" : "type group", list ? "a letter or _, then " : "",
                RW_RULES_NAME_MAX_BYTES - 1, rr_y_found(n, q, sizeof(q)));
        return -1;
    }
    if (list && rr_y_is(n, "any")) {
        rr_rerr(c, n, "expected a list name other than 'any', found 'any'");
        return -1;
    }
    return 0;
}

/* Length of the glob element at p (a class "[...]" or an escape counts as one), 0 when
 * the element is malformed (an open class, a trailing backslash). */
size_t rr_glob_elem(const char *p)
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

int rr_glob_valid(const char *p)
{
    while (*p != '\0') {
        size_t n = rr_glob_elem(p);

        if (n == 0)
            return 0;
        p += n;
    }
    return 1;
}

int rr_ok_glob(struct rctx *c, const struct ynode *n)
{
    char q[RW_ADDRLIST_QUOTE_MAX];

    if (rr_glob_valid(n->text))
        return 0;
    rr_rerr(c, n, "expected a glob pattern (*, ?, [a-z], \\x), found %s",
            rr_y_found(n, q, sizeof(q)));
    return -1;
}

int rr_ok_ext(struct rctx *c, const struct ynode *n)
{
    char q[RW_ADDRLIST_QUOTE_MAX];
    int ok = n->len < 32 && n->text[0] != '.' && n->text[n->len - 1] != '.';

    for (size_t i = 0; ok && i < n->len; i++)
        ok = rr_name_char(n->text[i]) || n->text[i] == '.' || n->text[i] == '+';
    if (ok)
        return 0;
    rr_rerr(c, n, "expected a file name extension without the leading dot (mov, tar.gz), found %s",
            rr_y_found(n, q, sizeof(q)));
    return -1;
}

/* A string list of CIDRs (a single string is one) added to l; reports each bad entry.
 * An empty list is allowed when allow_empty. */
int rr_add_cidrs(struct rctx *c, struct rw_addrlist *l, const struct ynode *n, int allow_empty)
{
    const struct ynode *items;
    size_t count, i = 0;
    int bad = 0;

    if (allow_empty && n->kind == Y_SEQ && n->n == 0)
        return 0;
    if (rr_want_strlist(c, n, &items, &count) != 0)
        return -1;
    for (const struct ynode *it = items; it != NULL && i < count; it = it->next, i++) {
        char why[RW_DIAG_LINE_MAX_BYTES];
        struct rw_cidr cidr;

        if (rw_addrlist_parse_cidr(it->text, it->len, &cidr, why, sizeof(why)) != 0) {
            rr_rerr(c, it, "%s", why);
            bad = 1;
        } else if (rw_addrlist_add(l, &cidr, 0) == RW_ENOMEM) {
            c->oom = 1;
            return -1;
        }
    }
    return bad ? -1 : 0;
}

/* A file name relative to the directory of the rule file naming it (tmp arena). */
const char *rr_resolve_path(struct rctx *c, const char *name)
{
    size_t dl = strlen(c->f->dir), nl = strlen(name);
    int slash = dl > 0 && c->f->dir[dl - 1] != '/';
    char *p;

    if (name[0] == '/' || dl == 0)
        return name;
    p = rr_tmp_alloc(c, dl + (size_t)slash + nl + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, c->f->dir, dl);
    if (slash)
        p[dl] = '/';
    memcpy(p + dl + (size_t)slash, name, nl + 1);
    return p;
}
