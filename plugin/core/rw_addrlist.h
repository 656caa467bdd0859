/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_addrlist.h — named address lists: CIDRs in prefix trees, from text, iprep or Zeek files. */
#ifndef RW_ADDRLIST_H
#define RW_ADDRLIST_H

#include <stddef.h>

#include "rw_limits.h"
#include <stdint.h>

#include "rw.h"

/*
 * An address list is a named set of IPv4 and IPv6 prefixes. Each family has its own nDPI
 * Patricia tree (the raw ndpi_patricia_* API; never the combined ndpi_ptree, which files
 * 2001:db8::/32 under IPv4 and then matches 32.1.13.184). A lookup returns the longest
 * prefix of the list that holds the address, as text ("175.45.176.0/22").
 *
 * Entries come from three list file formats, or one at a time from rw_addrlist_add:
 *
 *   plain   one address or CIDR a line, '#' starts a comment (also after the entry),
 *           blank lines ignored: the FireHOL netset form.
 *   iprep   Suricata's IP reputation CSV, "ip,category,score" (ip may be a CIDR); a header
 *           line starting "ip," is skipped; category ids come from a categories file
 *           "id,short_name,description" loaded first (rw_addrlist_load_categories).
 *   zeek    Zeek Intel framework TSV: a "#fields" line names the tab-separated columns,
 *           "indicator" and "indicator_type" must be among them; rows of type Intel::ADDR
 *           and Intel::SUBNET are loaded, other types are skipped and counted. Other lines
 *           starting with '#' are ignored.
 *
 * A CIDR with host bits set (10.0.0.1/8) is an error, never silently masked. The same
 * prefix given twice is kept once. Every error is added to the caller's rw_diag as
 * "file:line:col: expected X, found Y" (line and column of the bad token, from 1); parsing
 * goes on to the end so that every error is reported. A list is not thread-safe while it
 * is being filled; once filled, lookups from several threads at once are fine.
 */


/* Room for the longest prefix text, "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128". */
#define RW_ADDRLIST_PREFIX_MAX 56

/* Suricata's iprep limits: category ids 0..59, scores 0..127 (0 means "no data"). */
#define RW_ADDRLIST_IPREP_MAX_CATS 60
#define RW_ADDRLIST_IPREP_MAX_SCORE 127
#define RW_ADDRLIST_IPREP_NAME_MAX 32  /* short name bytes, with the NUL (as Suricata) */

/* One prefix: addr with all bits past bits zero. Public, plain data. */
struct rw_cidr {
    struct rw_addr addr;
    uint8_t bits;  /* 0..32 for family 4, 0..128 for family 6 */
};

enum rw_addrlist_format { RW_ADDRLIST_PLAIN = 0, RW_ADDRLIST_IPREP, RW_ADDRLIST_ZEEK };

/* How a list file is read. */
struct rw_addrlist_opts {
    enum rw_addrlist_format format;
    unsigned min_score;          /* iprep: rows scoring lower are skipped and counted */
    const char *ref_file;        /* where the list file was named (a rule file), for errors
                                  * opening or sizing it; NULL: report against the list file */
    unsigned long ref_line, ref_col;
};

/* The answer of a lookup. Filled by the callee; the caller provides the storage. */
struct rw_addrlist_match {
    const char *list;                      /* the list's name, owned by the list */
    size_t index;                          /* the index given to rw_addrlist_new */
    char prefix[RW_ADDRLIST_PREFIX_MAX];   /* the matched prefix, "175.45.176.0/22" */
    uint8_t bits;                          /* its length */
    uint64_t categories;                   /* iprep: bit i set for category id i; else 0 */
};

struct rw_addrlist;

/* rw_addrlist_new makes an empty list named name (copied) with a caller-chosen index
 * (reported back in matches). NULL on OOM. */
struct rw_addrlist *rw_addrlist_new(const char *name, size_t index);

/* rw_addrlist_free releases the list and sets *lp to NULL; NULL is fine. */
void rw_addrlist_free(struct rw_addrlist **lp);

/* The name given to rw_addrlist_new; owned by the list. */
const char *rw_addrlist_name(const struct rw_addrlist *l);

/* How many distinct prefixes the list holds. */
size_t rw_addrlist_count(const struct rw_addrlist *l);

/* How many well-formed entries were left out: Zeek rows of other indicator types, iprep
 * rows scoring below min_score. */
size_t rw_addrlist_skipped(const struct rw_addrlist *l);

/* rw_addrlist_add inserts one prefix (host bits must be clear: RW_EINVAL otherwise).
 * Adding a prefix again ORs categories into it. Returns 0, RW_EINVAL or RW_ENOMEM. */
int rw_addrlist_add(struct rw_addrlist *l, const struct rw_cidr *c, uint64_t categories);

/* rw_addrlist_parse reads list entries from untrusted bytes buf[0..len) in the given
 * format; fname names them in diagnostics. Returns 0, RW_EPARSE when errors were added to
 * diag (the entries that were good are in the list: callers refuse the list), or
 * RW_ENOMEM (the list is then incomplete). A NUL byte in a line is an error. */
int rw_addrlist_parse(struct rw_addrlist *l, const char *fname, const char *buf, size_t len,
                      const struct rw_addrlist_opts *o, struct rw_diag *diag);

/* rw_addrlist_load reads the list file at path (at most RW_LIST_FILE_MAX_BYTES, lines at
 * most RW_LIST_LINE_MAX_BYTES), as rw_addrlist_parse. A file that cannot be read or is too
 * big is one error at o->ref_file:ref_line:ref_col (or against path). Returns 0,
 * RW_EPARSE or RW_ENOMEM. */
int rw_addrlist_load(struct rw_addrlist *l, const char *path, const struct rw_addrlist_opts *o,
                     struct rw_diag *diag);

/* rw_addrlist_parse_categories / _load_categories read an iprep categories file
 * ("id,short_name,description"; ids 0..59, each once; '#' comments) into the list, for
 * the iprep rows that follow. At least one category is required. Same returns as above. */
int rw_addrlist_parse_categories(struct rw_addrlist *l, const char *fname, const char *buf,
                                 size_t len, struct rw_diag *diag);
int rw_addrlist_load_categories(struct rw_addrlist *l, const char *path,
                                const struct rw_addrlist_opts *o, struct rw_diag *diag);

/* The short name of iprep category id, or NULL when the id is not defined. Owned by the
 * list. */
const char *rw_addrlist_category(const struct rw_addrlist *l, unsigned id);

/* rw_addrlist_lookup finds the longest prefix of l that holds addr (family 4 or 6; an
 * IPv4 address never matches an IPv6 prefix and the reverse). Returns 1 and fills *m when
 * m is not NULL, or 0 when no prefix holds it. Does not allocate. */
int rw_addrlist_lookup(const struct rw_addrlist *l, const struct rw_addr *addr,
                       struct rw_addrlist_match *m);

/* rw_addrlist_parse_cidr parses "a.b.c.d", "a.b.c.d/n", an IPv6 address or "x::/n" from
 * s[0..len). An address alone is a /32 or /128. Returns 0, or RW_EINVAL with the complete
 * "expected X, found Y" text of the problem in why (host bits set, bad length, bad
 * address). */
int rw_addrlist_parse_cidr(const char *s, size_t len, struct rw_cidr *out, char *why,
                           size_t whylen);

/* rw_addrlist_format_cidr writes "addr/bits" into buf (RFC 5952 text for IPv6). Returns
 * the length, or RW_EINVAL when buf is too small (RW_ADDRLIST_PREFIX_MAX always fits). */
int rw_addrlist_format_cidr(const struct rw_cidr *c, char *buf, size_t len);

/* rw__addrlist_quote renders untrusted text for a diagnostic: in single quotes, bytes
 * outside printable ASCII (and the quote and backslash) as \xHH, cut after 64 source
 * bytes with "..." added. Always NUL-terminates buf. Shared with rw_rules. */
void rw__addrlist_quote(const char *s, size_t len, char *buf, size_t buflen);

/* The size of a buffer rw__addrlist_quote never truncates: 64 bytes * 4 + quotes + "...". */
#define RW_ADDRLIST_QUOTE_MAX 264

#endif
