/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_rules.c — loading a rule set: vars, lists, type groups, then the rules of every file. */
#include "rw_rules_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/*
 * Loading runs in three steps. (1) Each rule file is read (bounded) and libyaml's events
 * are turned into a small tree of nodes with their marks; nesting depth and node count
 * are checked on every event, so nothing deep is ever built. (2) The definitions of every
 * file are compiled: vars, lists (list files are read here) and type groups. --set
 * overrides are applied. (3) The rules of every file are compiled against those names.
 * Every mistake is reported with its position and compiling goes on; at the end any
 * error refuses the whole set. Out of memory stops at once, without diagnostics.
 */

/* --- vars ---------------------------------------------------------------------------- */

static const char *const var_keys[] = {"home_net"};

static void compile_vars(struct rctx *c, const struct ynode *n)
{
    const struct ynode *k, *v;
    struct rw_addrlist *l;

    if (rr_want_map(c, n, var_keys, 1) != 0)
        return;
    k = rr_y_key(n, "home_net");
    if (k == NULL)
        return;
    v = k->next;
    if (c->home_key != NULL) {
        rr_rerr(c, k, "expected a unique variable name, found 'home_net' again (first at "
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
    rr_add_cidrs(c, l, v, 0);
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
        rr_rerr_at(c, "--set", 0, 0, "expected NAME=VALUE, found %s", q);
        return;
    }
    if (memchr(s, '.', nlen) != NULL)
        return;
    if (nlen != strlen("home_net") || memcmp(s, "home_net", nlen) != 0) {
        rw__addrlist_quote(s, nlen, q, sizeof(q));
        rr_rerr_at(c, "--set", 0, 0, "unknown variable %s", q);
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
            rr_rerr_at(c, "--set", 0, 0, "home_net: expected at least one CIDR, found none");
            bad = 1;
        } else if (rw_addrlist_parse_cidr(p + a, b - a, &cidr, why, sizeof(why)) != 0) {
            rr_rerr_at(c, "--set", 0, 0, "home_net: %s", why);
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
    const struct ynode *file = rr_y_get(body, "file");
    const struct ynode *cats = rr_y_get(body, "categories");
    struct rw_addrlist_opts o;
    const char *name, *path;
    int rc;

    if (file == NULL || rr_want_text(c, file, 0, &name) != 0)
        return;
    memset(&o, 0, sizeof(o));
    o.format = (enum rw_addrlist_format)format;
    o.min_score = (unsigned)min_score;
    o.ref_file = c->f->path;
    if (format == RW_ADDRLIST_IPREP) {
        if (cats == NULL) {
            rr_rerr(c, body, "expected key 'categories' (format iprep needs a categories file), "
                          "found none");
            return;
        }
        if (rr_want_text(c, cats, 0, &name) != 0)
            return;
        path = rr_resolve_path(c, cats->text);
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
    path = rr_resolve_path(c, file->text);
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

    if (rr_want_map(c, body, list_keys, sizeof(list_keys) / sizeof(list_keys[0])) != 0)
        return;
    v = rr_y_get(body, "format");
    if (v != NULL)
        rr_want_word(c, v, format_words, 3, &format);
    v = rr_y_get(body, "allow_empty");
    if (v != NULL)
        rr_want_bool(c, v, &allow_empty);
    v = rr_y_get(body, "description");
    if (v != NULL)
        rr_want_text(c, v, 1, &s);
    v = rr_y_get(body, "min_score");
    if (v != NULL)
        rr_want_u64(c, v, 0, RW_ADDRLIST_IPREP_MAX_SCORE, &min_score);
    for (size_t i = 0; i < 2; i++) {
        const char *opt = i == 0 ? "categories" : "min_score";
        const struct ynode *k = rr_y_key(body, opt);

        if (k != NULL && format != RW_ADDRLIST_IPREP)
            rr_rerr(c, k, "expected '%s' only with format iprep, found format %s", opt,
                    format_words[format]);
    }
    if (rr_y_get(body, "file") == NULL && rr_y_get(body, "cidrs") == NULL)
        rr_rerr(c, body, "expected key 'file' or 'cidrs', found neither");
    v = rr_y_get(body, "cidrs");
    if (v != NULL)
        rr_add_cidrs(c, l, v, 1);
    if (c->errors == errors)
        list_load_file(c, l, body, format, min_score);
    if (c->errors == errors && !c->oom && rw_addrlist_count(l) == 0 && !allow_empty)
        rr_rerr(c, key, "expected at least one prefix in list '%s' (or allow_empty: true), found "
                     "none", rw_addrlist_name(l));
}

static void compile_lists(struct rctx *c, const struct ynode *n)
{
    char q[RW_ADDRLIST_QUOTE_MAX];
    struct rw_ruleset *rs = c->rs;

    if (n->kind != Y_MAP) {
        rr_rerr(c, n, "expected a mapping of list names, found %s", rr_y_found(n, q, sizeof(q)));
        return;
    }
    for (const struct ynode *k = n->first; k != NULL && !c->oom; k = k->next->next) {
        struct rw_addrlist *l;

        if (rr_want_name(c, k, 1) != 0)
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

    rs->by_name = rr_rs_alloc(c, (rs->nlists + 1) * sizeof(*rs->by_name));
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
        rr_rerr_at(c, d->f->path, d->key->line, d->key->col,
                   "expected a unique list name, found '%s' again (first at %s:%lu:%lu)",
                   d->key->text, d0->f->path, d0->key->line, d0->key->col);
    }
}

/* The index of the list named like n, or -1. */
long rr_find_list(const struct rw_ruleset *rs, const struct ynode *n)
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

    if (rr_want_map(c, body, group_keys, sizeof(group_keys) / sizeof(group_keys[0])) != 0)
        return;
    v = rr_y_get(body, "mime");
    if (v != NULL)
        rr_keep_strlist(c, v, rr_ok_glob, 0, &g->mime, &g->nmime);
    v = rr_y_get(body, "magic");
    if (v != NULL)
        rr_keep_strlist(c, v, rr_ok_glob, 0, &g->magic, &g->nmagic);
    v = rr_y_get(body, "ext");
    if (v != NULL)
        rr_keep_strlist(c, v, rr_ok_ext, 1, &g->ext, &g->next);
    v = rr_y_get(body, "description");
    if (v != NULL)
        rr_want_text(c, v, 1, &s);
    if (rr_y_get(body, "mime") == NULL && rr_y_get(body, "magic") == NULL &&
        rr_y_get(body, "ext") == NULL)
        rr_rerr(c, body, "expected at least one of mime, magic, ext, found none");
}

static void compile_types(struct rctx *c, const struct ynode *n)
{
    char q[RW_ADDRLIST_QUOTE_MAX];
    struct rw_ruleset *rs = c->rs;

    if (n->kind != Y_MAP) {
        rr_rerr(c, n, "expected a mapping of type group names, found %s",
                rr_y_found(n, q, sizeof(q)));
        return;
    }
    for (const struct ynode *k = n->first; k != NULL && !c->oom; k = k->next->next) {
        size_t i;

        if (rr_want_name(c, k, 0) != 0)
            continue;
        for (i = 0; i < rs->ngroups; i++)
            if (strcmp(rs->groups[i].name, k->text) == 0)
                break;
        if (i < rs->ngroups) {
            rr_rerr(c, k, "expected a unique type group name, found '%s' again (first at "
                       "%s:%lu:%lu)", k->text, c->groupdefs[i].f->path, c->groupdefs[i].key->line,
                 c->groupdefs[i].key->col);
            continue;
        }
        if (rs->ngroups == RW_RULES_MAX_TYPE_GROUPS) {
            if (!c->said_too_many_groups)
                rr_rerr(c, k, "expected at most %d type groups, found more",
                        RW_RULES_MAX_TYPE_GROUPS);
            c->said_too_many_groups = 1;
            continue;
        }
        c->groupdefs[rs->ngroups].f = c->f;
        c->groupdefs[rs->ngroups].key = k;
        rs->groups[rs->ngroups].name = rr_rs_keep(c, k);
        compile_group(c, &rs->groups[rs->ngroups++], k->next);
    }
}

/* The bit of the group named like n, or 0. */
uint64_t rr_find_group(const struct rw_ruleset *rs, const struct ynode *n)
{
    for (size_t i = 0; i < rs->ngroups; i++)
        if (strcmp(rs->groups[i].name, n->text) == 0)
            return 1ULL << i;
    return 0;
}

/* --- loading ------------------------------------------------------------------------- */

static const char *const top_keys[] = {"vars", "lists", "types", "rules"};

/* Counts lists, rules and suppress entries over every file, to size the arrays once. */
static void count_all(struct rctx *c, size_t *nlists, size_t *nrules, size_t *nsuppress)
{
    *nlists = *nrules = *nsuppress = 0;
    for (size_t i = 0; i < c->nfiles; i++) {
        const struct ynode *lists = rr_y_get(c->files[i].root, "lists");
        const struct ynode *rules = rr_y_get(c->files[i].root, "rules");

        if (lists != NULL && lists->kind == Y_MAP)
            *nlists += lists->n / 2;
        if (rules == NULL || rules->kind != Y_SEQ)
            continue;
        *nrules += rules->n;
        for (const struct ynode *r = rules->first; r != NULL; r = r->next) {
            const struct ynode *s = rr_y_get(r, "suppress");

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
    rs->lists = rr_rs_alloc(c, (nl + 1) * sizeof(*rs->lists));
    c->listdefs = rr_tmp_alloc(c, (nl + 1) * sizeof(*c->listdefs));
    rs->rules = rr_rs_alloc(c, (nr + 1) * sizeof(*rs->rules));
    rs->owned = rr_rs_alloc(c, (ns + 1) * sizeof(*rs->owned));
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
    if (rr_want_map(c, f->root, top_keys, NWORDS(top_keys)) != 0) {
        c->incomplete = 1;
        return;
    }
    v = rr_y_get(f->root, "vars");
    if (v != NULL)
        compile_vars(c, v);
    v = rr_y_get(f->root, "lists");
    if (v != NULL)
        compile_lists(c, v);
    v = rr_y_get(f->root, "types");
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
    v = rr_y_get(f->root, "rules");
    if (v == NULL)
        return;
    if (v->kind != Y_SEQ) {
        rr_rerr(c, v, "expected a list of rules, found %s", rr_y_found(v, q, sizeof(q)));
        return;
    }
    for (const struct ynode *r = v->first; r != NULL && !c->oom; r = r->next)
        rr_compile_rule(c, r);
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
    char *path = rr_arena_alloc(&c->rs->mem, dl + (size_t)slash + nl + 1);
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
    f->dir = last == NULL ? "" : rr_arena_strndup(&c->tmp, path, (size_t)(last - path));
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

    names = rr_tmp_alloc(c, (RW_RULES_MAX_FILES + 1) * sizeof(*names));
    c->files = rr_tmp_alloc(c, RW_RULES_MAX_FILES * sizeof(*c->files));
    if (names == NULL || c->files == NULL)
        goto out;
    if (d == NULL) {
        rr_rerr_at(c, path, 0, 0, "expected a readable directory, found %s", strerror(errno));
        goto out;
    }
    for (;;) {
        e = readdir(d);
        if (e == NULL)
            break;
        if (!is_rule_file(e->d_name))
            continue;
        if (n == RW_RULES_MAX_FILES) {
            rr_rerr_at(c, path, 0, 0, "expected at most %d rule files, found more",
                       RW_RULES_MAX_FILES);
            goto out;
        }
        names[n] = rr_arena_strndup(&c->tmp, e->d_name, strlen(e->d_name));
        if (names[n++] == NULL) {
            c->oom = 1;
            goto out;
        }
    }
    if (n == 0) {
        rr_rerr_at(c, path, 0, 0, "expected at least one *.yaml or *.yml file, found none");
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
        rr_rerr_at(c, path, 0, 0, "expected a readable file or directory, found %s",
                   strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        if (list_dir(c, path) != 0)
            return -1;
    } else {
        c->files = rr_tmp_alloc(c, sizeof(*c->files));
        if (c->files == NULL || add_file(c, "", path) != 0)
            return -1;
    }
    for (size_t i = 0; i < c->nfiles && !c->oom; i++) {
        char *buf = NULL;
        size_t len = 0;

        size_t errors = c->errors;

        if (rr_read_rule_file(c, c->files[i].path, &buf, &len) == 0)
            rr_tree_parse(c, &c->files[i], buf, len);
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
        rr_rerr_at(c, path, 0, 0, "expected home_net under vars (or --set home_net=CIDR,...), "
                               "found none");
    for (size_t i = 0; i < c->nfiles && !c->oom; i++)
        compile_rules(c, &c->files[i]);
    if (!c->oom)
        rr_index_sids(c);
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
    rr_arena_free(&c.tmp);
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
    rr_arena_free(&rs->mem);
    rw_free(rs);
    *rsp = NULL;
}
