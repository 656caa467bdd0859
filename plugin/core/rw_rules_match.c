/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_rules_match.c — using a loaded rule set: lookups, globs, the type groups of a file,
 * suppressions. */
#include "rw_rules_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

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

/* Does the glob element at p (rr_glob_elem long) match ch? */
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

    if (!rr_glob_valid(pattern))
        return 0;
    while (*s != '\0') {
        size_t n;

        if (*p == '*') {
            star_p = ++p;
            star_s = s;
            continue;
        }
        n = *p == '\0' ? 0 : rr_glob_elem(p);
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

/* Does ext equal the name's tail after the dot at dot (folded as has_ext folds it)? */
static int tail_is_ext(const char *name, size_t nlen, size_t dot, const char *ext)
{
    const char *t = name + dot + 1;
    size_t tl = nlen - dot - 1, i = 0;

    while (i < tl && (unsigned char)ext[i] == fold((unsigned char)t[i]))
        i++;
    return i == tl && ext[i] == '\0';
}

/* Most names have one or two dots, and an extension can only follow one of them (not the
 * first byte: has_ext wants a character before the dot). Trying each extension against
 * those few tails is has_ext's answer without a strlen per extension; a name with more
 * dots takes has_ext itself, so no name costs more than before. */
#define TYPES_NAME_DOTS 4

uint64_t rw_rules_types_of_name(const struct rw_ruleset *rs, const char *filename)
{
    size_t flen, dots[TYPES_NAME_DOTS], ndots = 0;
    uint64_t bits = 0;

    if (rs == NULL || filename == NULL)
        return 0;
    flen = strlen(filename);
    for (size_t k = flen; k-- > 1 && ndots <= TYPES_NAME_DOTS;) {
        if (filename[k] == '.') {
            if (ndots == TYPES_NAME_DOTS) {
                ndots++; /* too many: has_ext below */
                break;
            }
            dots[ndots++] = k;
        }
    }
    if (ndots == 0)
        return 0;
    if (ndots <= TYPES_NAME_DOTS) {
        for (size_t i = 0; i < rs->ngroups; i++) {
            const struct rw_typegroup *g = &rs->groups[i];

            for (size_t j = 0; j < g->next && !(bits & (1ULL << i)); j++) {
                for (size_t d = 0; d < ndots; d++) {
                    if (tail_is_ext(filename, flen, dots[d], g->ext[j])) {
                        bits |= 1ULL << i;
                        break;
                    }
                }
            }
        }
        return bits;
    }
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

            for (k = 0; k < NWORDS(rr_proto_families); k++)
                if (strcasecmp(name, rr_proto_families[k]) == 0)
                    break;
            if (k < NWORDS(rr_proto_families) || known(ctx, name))
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
