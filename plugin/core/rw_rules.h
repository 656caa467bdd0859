/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_rules.h — the rule set: YAML rule files compiled into lists, type groups and rules. */
#ifndef RW_RULES_H
#define RW_RULES_H

#include <stddef.h>

#include "rw_limits.h"
#include <stdint.h>

#include "rw.h"
#include "rw_addrlist.h"

/*
 * A rule set is loaded from one YAML file or from every *.yaml / *.yml file of a
 * directory (in byte order of their names; names starting with '.' are skipped). The
 * files share one name space: a list or type group defined in one file may be used by
 * rules in any other. docs/rules.md describes every key.
 *
 * Loading is all or nothing: every mistake in every file (rule files, list files, --set
 * values) is added to the caller's rw_diag as "file:line:col: expected X, found Y", and
 * then the whole set is refused. A loaded set is read-only: any number of threads may
 * use it at once.
 *
 * Limits: RW_RULES_FILE_MAX_BYTES per rule file, RW_RULES_MAX_FILES files,
 * RW_RULES_MAX_DEPTH levels of YAML nesting (checked while parsing, before anything deep
 * is built), RW_RULES_MAX_NODES YAML nodes per file, RW_RULES_MAX_TYPE_GROUPS groups,
 * RW_LIST_FILE_MAX_BYTES per list file. YAML aliases and tags are refused.
 */


enum rw_rule_level { RW_RULE_FILE = 1, RW_RULE_FLOW, RW_RULE_HOST };

/* outbound: source inside home_net, destination outside; inbound: the reverse. */
enum rw_rule_direction { RW_DIR_ANY = 0, RW_DIR_OUTBOUND, RW_DIR_INBOUND };

enum rw_threshold_type { RW_THRESHOLD_NONE = 0, RW_THRESHOLD_LIMIT, RW_THRESHOLD_THRESHOLD,
                         RW_THRESHOLD_BOTH };

enum rw_track { RW_TRACK_BY_SRC = 1, RW_TRACK_BY_DST, RW_TRACK_BY_BOTH, RW_TRACK_BY_FLOW };

/* A named group of file types. Read-only; owned by the rule set. */
struct rw_typegroup {
    const char *name;
    const char *const *mime;    /* globs over libmagic's MIME type (parameters cut off) */
    size_t nmime;
    const char *const *magic;   /* globs over libmagic's description */
    size_t nmagic;
    const char *const *ext;     /* file name extensions, lower case, without the dot */
    size_t next;
};

/* One metadata entry, Suricata's "metadata: key value" as key -> values. */
struct rw_rule_meta {
    const char *key;
    const char *const *values;
    size_t nvalues;
};

/* One suppress entry: alerts whose tracked address is in cidrs or in one of the named
 * lists are not raised. */
struct rw_rule_suppress {
    uint8_t track;                     /* RW_TRACK_BY_SRC or RW_TRACK_BY_DST */
    const struct rw_addrlist *cidrs;   /* the CIDRs given inline, or NULL */
    const size_t *lists;               /* indexes of named lists (rw_rules_list) */
    size_t nlists;
};

/*
 * A compiled rule. Every field is read-only and owned by the rule set. A condition that
 * is absent matches everything: ndst 0 (any destination), nprotos 0, types 0, nfilenames
 * 0, bytes_min 0 with bytes_max UINT64_MAX, anonymous -1.
 */
struct rw_rule {
    uint32_t sid;
    uint32_t rev;                      /* 0 when not given, as Suricata */
    const char *msg;
    const char *classtype;             /* NULL when not given */
    const char *category;              /* classtype's description, the category text, or NULL */
    uint8_t severity;                  /* 1 (highest) .. 4; default: classtype's, else 3 */
    uint8_t level;                     /* enum rw_rule_level */
    uint8_t direction;                 /* enum rw_rule_direction */
    int8_t anonymous;                  /* -1 any, 0 must not be, 1 must be anonymous */
    const struct rw_rule_meta *metadata;
    size_t nmetadata;
    const char *const *references;
    size_t nreferences;
    const size_t *dst;                 /* list indexes: destination in any of them */
    size_t ndst;
    const size_t *not_dst;             /* list indexes: destination in none of them */
    size_t nnot_dst;
    const char *const *protos;         /* nDPI names or family words, as written */
    size_t nprotos;
    uint64_t types;                    /* type-group bits: the file is in one of them */
    uint64_t not_types;                /* type-group bits: the file is in none of them */
    const char *const *filenames;      /* globs, matched without regard to case */
    size_t nfilenames;
    uint64_t bytes_min, bytes_max;
    struct {
        uint64_t span_sec;             /* level host only; 0 otherwise */
        uint64_t files, bytes, flows;  /* 0: that bound is not used */
    } window;
    struct {
        uint8_t type;                  /* enum rw_threshold_type; NONE: no threshold */
        uint8_t track;                 /* enum rw_track */
        uint32_t count, seconds;
    } threshold;
    const struct rw_rule_suppress *suppress;
    size_t nsuppress;
    const char *file;                  /* the rule file and line where the rule starts */
    unsigned long line;
};

struct rw_ruleset;

/*
 * rw_rules_load compiles the rule file or directory at path. sets holds nsets "NAME=VALUE"
 * overrides of rule-set variables (--set); a variable of addresses takes a comma-separated
 * CIDR list. Names containing a dot (flow.memcap, eve.types) belong to the host or the
 * engine and are ignored here; any other unknown name is the error
 * "--set: unknown variable 'x'". Relative list and categories file names resolve against
 * the directory of the rule file naming them.
 *
 * Returns the set, owned by the caller (rw_rules_free), with *err = 0. On errors in the
 * input, every one is added to diag and NULL is returned with *err = RW_EPARSE. On OOM,
 * NULL with *err = RW_ENOMEM and no diagnostics for the unfinished load. err may be NULL.
 */
struct rw_ruleset *rw_rules_load(const char *path, const char *const *sets, size_t nsets,
                                 struct rw_diag *diag, int *err);

/* rw_rules_free releases the set and sets *rsp to NULL; NULL is fine. */
void rw_rules_free(struct rw_ruleset **rsp);

/* rw_rules_summary writes "6 rules, 2 lists (4 prefixes), 9 type groups" into buf
 * (always NUL-terminated, cut to fit). Prefixes count the named lists only. */
void rw_rules_summary(const struct rw_ruleset *rs, char *buf, size_t len);

/* rw_rules_is_home returns 1 when addr is inside home_net, else 0. */
int rw_rules_is_home(const struct rw_ruleset *rs, const struct rw_addr *addr);

/*
 * rw_rules_lookup_dst finds every named list holding addr, with the longest prefix of
 * each. The first max matches (in list definition order) are stored in out; the return
 * value is how many lists hold addr, which may exceed max. Does not allocate.
 */
size_t rw_rules_lookup_dst(const struct rw_ruleset *rs, const struct rw_addr *addr,
                           struct rw_addrlist_match *out, size_t max);

/* Rules in definition order (files in load order, then position). */
size_t rw_rules_count(const struct rw_ruleset *rs);
const struct rw_rule *rw_rules_rule(const struct rw_ruleset *rs, size_t i);

/* The rule with this sid, or NULL. */
const struct rw_rule *rw_rules_by_sid(const struct rw_ruleset *rs, uint32_t sid);

/* Named lists in definition order; a list's index is its position here. */
size_t rw_rules_list_count(const struct rw_ruleset *rs);
const struct rw_addrlist *rw_rules_list(const struct rw_ruleset *rs, size_t i);

/* Type groups in definition order; group i is bit (1 << i) of rw_rule.types. */
size_t rw_rules_group_count(const struct rw_ruleset *rs);
const struct rw_typegroup *rw_rules_group(const struct rw_ruleset *rs, size_t i);

/*
 * rw_rules_types_of returns the type-group bits a file belongs to: group i when its MIME
 * type (text after ';' ignored) matches one of the group's mime globs, or its libmagic
 * description one of the magic globs (without regard to case), or its name ends in one of
 * the extensions (".ext", without regard to case). Any argument may be NULL.
 */
uint64_t rw_rules_types_of(const struct rw_ruleset *rs, const char *mime, const char *desc,
                           const char *filename);
/* The two halves of rw_rules_types_of, OR-ed together there: the groups decided by the
 * bytes' type (MIME type and description: the same for many files, so callers may cache
 * them by the pair) and those decided by the name's extension. */
uint64_t rw_rules_types_of_content(const struct rw_ruleset *rs, const char *mime,
                                   const char *desc);
uint64_t rw_rules_types_of_name(const struct rw_ruleset *rs, const char *filename);

/* rw_rules_glob matches s against a shell glob (*, ?, [a-z], [!a-z], \x), ASCII letters
 * without regard to case. '*' also matches '/'. Returns 1 on a match. Linear in practice:
 * it backtracks only to the last '*'. */
int rw_rules_glob(const char *pattern, const char *s);

/* rw_rules_suppressed returns 1 when one of the rule's suppress entries holds the tracked
 * address (src for by_src, dst for by_dst). */
int rw_rules_suppressed(const struct rw_ruleset *rs, const struct rw_rule *r,
                        const struct rw_addr *src, const struct rw_addr *dst);

/*
 * rw_rules_check_protos validates the rules' proto names, which need nDPI (kept in
 * rw_classify): every name that is not a family word (encrypted, cleartext,
 * file_transfer, remote_access, vpn) is passed to known(ctx, name), which returns 1 when
 * nDPI knows it. Each unknown name is added to diag at its position in its rule file.
 * Returns 0, or RW_EPARSE when a name was unknown: the caller then refuses the set.
 */
int rw_rules_check_protos(const struct rw_ruleset *rs, int (*known)(void *ctx, const char *name),
                          void *ctx, struct rw_diag *diag);

#endif
