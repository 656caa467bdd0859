/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_rules_int.h — what the rule loader's files share: the rule set's layout, the YAML
 * tree, the load context and the helpers of rw_rules_yaml.c, rw_rules_rule.c and
 * rw_rules.c. Not part of the core's API: only the rw_rules*.c files include it. */
#ifndef RW_RULES_INT_H
#define RW_RULES_INT_H

#include "rw_rules.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>

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


/* --- shared helpers ----------------------------------------------------------------- */

void *rr_arena_alloc(struct arena *a, size_t n);
char *rr_arena_strndup(struct arena *a, const char *s, size_t n);
void rr_arena_free(struct arena *a);
void rr_rerr_at(struct rctx *c, const char *file, unsigned long line, unsigned long col,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void rr_rerr(struct rctx *c, const struct ynode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void *rr_rs_alloc(struct rctx *c, size_t n);
void *rr_tmp_alloc(struct rctx *c, size_t n);
const char *rr_rs_keep(struct rctx *c, const struct ynode *n);
const char *rr_y_found(const struct ynode *n, char *buf, size_t len);
int rr_y_is(const struct ynode *n, const char *word);
const struct ynode *rr_y_get(const struct ynode *m, const char *key);
const struct ynode *rr_y_key(const struct ynode *m, const char *key);
int rr_read_rule_file(struct rctx *c, const char *path, char **bufp, size_t *lenp);
void rr_tree_parse(struct rctx *c, struct yfile *f, const char *buf, size_t len);
int rr_want_text(struct rctx *c, const struct ynode *n, int allow_empty, const char **out);
int rr_want_u64(struct rctx *c, const struct ynode *n, uint64_t min, uint64_t max,
                uint64_t *out);
int rr_want_size(struct rctx *c, const struct ynode *n, uint64_t min, uint64_t *out);
int rr_want_duration(struct rctx *c, const struct ynode *n, uint64_t max, uint64_t *out);
int rr_want_bool(struct rctx *c, const struct ynode *n, int *out);
const char *rr_join_words(const char *const *words, size_t n, char *buf, size_t len);
int rr_want_word(struct rctx *c, const struct ynode *n, const char *const *words, size_t nw,
                 int *out);
void rr_map_dups(struct rctx *c, const struct ynode *m);
int rr_want_map(struct rctx *c, const struct ynode *n, const char *const *keys, size_t nk);
const struct ynode *rr_want_key(struct rctx *c, const struct ynode *m, const char *key);
int rr_want_strlist(struct rctx *c, const struct ynode *n, const struct ynode **items,
                    size_t *count);
int rr_keep_strlist(struct rctx *c, const struct ynode *n,
                    int (*ok)(struct rctx *c, const struct ynode *item), int lower,
                    const char *const **out, size_t *count);
int rr_name_char(char ch);
int rr_want_name(struct rctx *c, const struct ynode *n, int list);
size_t rr_glob_elem(const char *p);
int rr_glob_valid(const char *p);
int rr_ok_glob(struct rctx *c, const struct ynode *n);
int rr_ok_ext(struct rctx *c, const struct ynode *n);
int rr_add_cidrs(struct rctx *c, struct rw_addrlist *l, const struct ynode *n, int allow_empty);
const char *rr_resolve_path(struct rctx *c, const char *name);
void rr_compile_rule(struct rctx *c, const struct ynode *n);
void rr_index_sids(struct rctx *c);
long rr_find_list(const struct rw_ruleset *rs, const struct ynode *n);
uint64_t rr_find_group(const struct rw_ruleset *rs, const struct ynode *n);

/* The protocol family names a rule's proto list may use besides nDPI's protocols. */
#define RR_PROTO_FAMILIES 5
extern const char *const rr_proto_families[RR_PROTO_FAMILIES];

#define NWORDS(a) (sizeof(a) / sizeof((a)[0]))

#endif
