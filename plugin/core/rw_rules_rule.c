/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_rules_rule.c — one rule compiled and checked: classtype, metadata, match, window,
 * threshold, suppress; the rules indexed by sid. */
#include "rw_rules_int.h"

#include <stdlib.h>

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

const char *const rr_proto_families[RR_PROTO_FAMILIES] = {"encrypted", "cleartext",
                                                          "file_transfer", "remote_access",
                                                          "vpn"};

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

static void rule_classtype(struct rctx *c, struct rw_rule *r, const struct ynode *rule)
{
    const struct ynode *ct = rr_y_get(rule, "classtype");
    const struct ynode *cat = rr_y_get(rule, "category");
    char q[RW_ADDRLIST_QUOTE_MAX];
    const char *s;

    if (ct != NULL && cat != NULL) {
        const struct ynode *later = rr_y_key(rule, "category");
        const struct ynode *other = rr_y_key(rule, "classtype");

        if (other->line > later->line || (other->line == later->line && other->col > later->col))
            later = other;
        rr_rerr(c, later, "expected category or classtype, found both");
        return;
    }
    if (cat != NULL && rr_want_text(c, cat, 0, &s) == 0)
        r->category = rr_rs_keep(c, cat);
    if (ct == NULL || rr_want_text(c, ct, 0, &s) != 0)
        return;
    for (size_t i = 0; i < NWORDS(classtypes); i++) {
        if (rr_y_is(ct, classtypes[i].name)) {
            r->classtype = classtypes[i].name;
            r->category = classtypes[i].desc;
            r->severity = classtypes[i].prio;
            return;
        }
    }
    rr_rerr(c, ct, "expected a classtype of Suricata's classification.config (policy-violation, "
                "trojan-activity, ...), found %s", rr_y_found(ct, q, sizeof(q)));
}

/* metadata: a mapping of key -> string or list of strings. */
static void rule_metadata(struct rctx *c, struct rw_rule *r, const struct ynode *n)
{
    char q[RW_ADDRLIST_QUOTE_MAX];
    struct rw_rule_meta *m;
    size_t i = 0;

    if (n->kind != Y_MAP) {
        rr_rerr(c, n, "expected a mapping of key: [values], found %s", rr_y_found(n, q, sizeof(q)));
        return;
    }
    rr_map_dups(c, n);
    m = rr_rs_alloc(c, (n->n / 2 + 1) * sizeof(*m));
    if (m == NULL)
        return;
    for (const struct ynode *k = n->first; k != NULL; k = k->next->next) {
        const char *s;

        if (rr_want_text(c, k, 0, &s) != 0)
            continue;
        m[i].key = rr_rs_keep(c, k);
        if (rr_keep_strlist(c, k->next, NULL, 0, &m[i].values, &m[i].nvalues) == 0)
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

    if (rr_want_strlist(c, n, &items, &nitems) != 0)
        return;
    if (allow_any && nitems == 1 && rr_y_is(items, "any"))
        return;
    v = rr_rs_alloc(c, nitems * sizeof(*v));
    if (v == NULL)
        return;
    for (const struct ynode *it = items; it != NULL && i < nitems; it = it->next, i++) {
        char q[RW_ADDRLIST_QUOTE_MAX];
        long ix = rr_find_list(c->rs, it);

        if (allow_any && rr_y_is(it, "any"))
            rr_rerr(c, it, "expected 'any' alone, found it with list names");
        else if (ix < 0 && !c->incomplete)
            rr_rerr(c, it, "expected a list defined under lists, found %s",
                    rr_y_found(it, q, sizeof(q)));
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

    if (rr_want_strlist(c, n, &items, &nitems) != 0)
        return;
    for (const struct ynode *it = items; it != NULL && i < nitems; it = it->next, i++) {
        char q[RW_ADDRLIST_QUOTE_MAX];
        uint64_t b = rr_find_group(c->rs, it);

        if (b == 0 && !c->incomplete)
            rr_rerr(c, it, "expected a type group defined under types, found %s",
                    rr_y_found(it, q, sizeof(q)));
        *bits |= b;
    }
}

static int ok_proto(struct rctx *c, const struct ynode *n)
{
    char q[RW_ADDRLIST_QUOTE_MAX];
    int ok = n->len < RW_PROTO_NAME_MAX_BYTES;

    for (size_t i = 0; ok && i < n->len; i++)
        ok = rr_name_char(n->text[i]) || n->text[i] == '.';
    if (ok)
        return 0;
    rr_rerr(c, n, "expected a protocol name (nDPI's, such as TLS or HTTP, or one of encrypted, "
               "cleartext, file_transfer, remote_access, vpn), found %s",
         rr_y_found(n, q, sizeof(q)));
    return -1;
}

static void rule_protos(struct rctx *c, struct rule_priv *rp, const struct ynode *n)
{
    const struct ynode *items;
    const char **names;
    unsigned long *lines, *cols;
    size_t nitems, i = 0;

    if (rr_want_strlist(c, n, &items, &nitems) != 0)
        return;
    names = rr_rs_alloc(c, nitems * sizeof(*names));
    lines = rr_rs_alloc(c, nitems * sizeof(*lines));
    cols = rr_rs_alloc(c, nitems * sizeof(*cols));
    if (names == NULL || lines == NULL || cols == NULL)
        return;
    for (const struct ynode *it = items; it != NULL && i < nitems; it = it->next, i++) {
        ok_proto(c, it);
        names[i] = rr_rs_keep(c, it);
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

    if (rr_want_map(c, n, bytes_keys, NWORDS(bytes_keys)) != 0)
        return;
    min = rr_y_get(n, "min");
    max = rr_y_get(n, "max");
    if (min == NULL && max == NULL) {
        rr_rerr(c, n, "expected key 'min' or 'max', found neither");
        return;
    }
    if (min != NULL && rr_want_size(c, min, 0, &r->bytes_min) != 0)
        return;
    if (max != NULL && rr_want_size(c, max, r->bytes_min, &r->bytes_max) != 0)
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

    if (rr_want_map(c, n, match_keys, NWORDS(match_keys)) != 0)
        return;
    for (size_t i = 0; i < NWORDS(match_keys); i++) {
        char list[256];
        const char *words[NWORDS(match_keys)];
        size_t nw = 0;
        const struct ynode *k = rr_y_key(n, match_keys[i]);

        if (k == NULL || (allowed & (1u << i)) != 0)
            continue;
        for (size_t j = 0; j < NWORDS(match_keys); j++)
            if ((allowed & (1u << j)) != 0)
                words[nw++] = match_keys[j];
        rr_rerr(c, k, "expected a key valid at level %s (%s), found '%s'",
                level_words[r->level - 1], rr_join_words(words, nw, list, sizeof(list)), k->text);
    }
    v = rr_y_get(n, "dst");
    if (v != NULL)
        rule_dst(c, v, 1, &r->dst, &r->ndst);
    v = rr_y_get(n, "not_dst");
    if (v != NULL)
        rule_dst(c, v, 0, &r->not_dst, &r->nnot_dst);
    v = rr_y_get(n, "direction");
    if (v != NULL && rr_want_word(c, v, direction_words, NWORDS(direction_words), &dir) == 0)
        r->direction = (uint8_t)dir;
    v = rr_y_get(n, "proto");
    if (v != NULL)
        rule_protos(c, rp, v);
    v = rr_y_get(n, "type");
    if (v != NULL)
        rule_types(c, v, &r->types);
    v = rr_y_get(n, "not_type");
    if (v != NULL)
        rule_types(c, v, &r->not_types);
    v = rr_y_get(n, "filename");
    if (v != NULL)
        rr_keep_strlist(c, v, rr_ok_glob, 0, &r->filenames, &r->nfilenames);
    v = rr_y_get(n, "bytes");
    if (v != NULL)
        rule_bytes(c, r, v);
    v = rr_y_get(n, "anonymous");
    if (v != NULL && rr_want_bool(c, v, &anon) == 0)
        r->anonymous = (int8_t)anon;
}

static void rule_window(struct rctx *c, struct rw_rule *r, const struct ynode *n)
{
    const struct ynode *v;

    if (rr_want_map(c, n, window_keys, NWORDS(window_keys)) != 0)
        return;
    v = rr_want_key(c, n, "span");
    if (v != NULL)
        rr_want_duration(c, v, RW_RULES_WINDOW_MAX_SEC, &r->window.span_sec);
    v = rr_y_get(n, "files");
    if (v != NULL)
        rr_want_u64(c, v, 1, UINT32_MAX, &r->window.files);
    v = rr_y_get(n, "bytes");
    if (v != NULL)
        rr_want_size(c, v, 1, &r->window.bytes);
    v = rr_y_get(n, "flows");
    if (v != NULL)
        rr_want_u64(c, v, 1, UINT32_MAX, &r->window.flows);
    if (rr_y_get(n, "files") == NULL && rr_y_get(n, "bytes") == NULL &&
        rr_y_get(n, "flows") == NULL)
        rr_rerr(c, n, "expected at least one of files, bytes, flows, found none");
}

static void rule_threshold(struct rctx *c, struct rw_rule *r, const struct ynode *n)
{
    const struct ynode *type, *track, *count, *seconds;
    int t = 0, k = 0;
    uint64_t cnt = 0, sec = 0;
    int bad = 0;

    if (rr_want_map(c, n, threshold_keys, NWORDS(threshold_keys)) != 0)
        return;
    type = rr_want_key(c, n, "type");
    track = rr_want_key(c, n, "track");
    count = rr_want_key(c, n, "count");
    seconds = rr_want_key(c, n, "seconds");
    if (type == NULL || rr_want_word(c, type, threshold_words, NWORDS(threshold_words), &t) != 0)
        bad = 1;
    if (track == NULL || rr_want_word(c, track, track_words, NWORDS(track_words), &k) != 0)
        bad = 1;
    if (count == NULL || rr_want_u64(c, count, 1, UINT32_MAX, &cnt) != 0)
        bad = 1;
    if (seconds == NULL || rr_want_u64(c, seconds, 1, UINT32_MAX, &sec) != 0)
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
    long ix = rr_find_list(rs, it);
    size_t k = 0;

    if (ix >= 0) {
        lists[s->nlists++] = (size_t)ix;
        return;
    }
    if (rw_addrlist_parse_cidr(it->text, it->len, &cidr, why, sizeof(why)) != 0) {
        /* Name-like text is a missing list; anything else a bad CIDR. */
        while (k < it->len && rr_name_char(it->text[k]))
            k++;
        if (k < it->len)
            rr_rerr(c, it, "%s", why);
        else if (!c->incomplete)
            rr_rerr(c, it, "expected a CIDR or a list defined under lists, found '%s'", it->text);
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

    if (rr_want_map(c, n, suppress_keys, NWORDS(suppress_keys)) != 0)
        return;
    track = rr_want_key(c, n, "track");
    ip = rr_want_key(c, n, "ip");
    if (track != NULL && rr_want_word(c, track, track_words, 2, &t) == 0)
        s->track = (uint8_t)(t + RW_TRACK_BY_SRC);
    if (ip == NULL || rr_want_strlist(c, ip, &items, &nitems) != 0)
        return;
    lists = rr_rs_alloc(c, nitems * sizeof(*lists));
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
        rr_rerr(c, n, "expected a list of {track, ip} entries, found %s",
                rr_y_found(n, q, sizeof(q)));
        return;
    }
    s = rr_rs_alloc(c, (n->n + 1) * sizeof(*s));
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

    v = rr_want_key(c, n, "sid");
    if (v != NULL && rr_want_u64(c, v, 1, UINT32_MAX, &u) == 0) {
        r->sid = (uint32_t)u;
        rp->sid_line = v->line;
        rp->sid_col = v->col;
    }
    v = rr_y_get(n, "rev");
    if (v != NULL && rr_want_u64(c, v, 0, UINT32_MAX, &u) == 0)
        r->rev = (uint32_t)u;
    v = rr_want_key(c, n, "msg");
    if (v != NULL && rr_want_text(c, v, 0, &s) == 0)
        r->msg = rr_rs_keep(c, v);
    rule_classtype(c, r, n);
    v = rr_y_get(n, "severity");
    if (v != NULL && rr_want_u64(c, v, 1, 4, &u) == 0)
        r->severity = (uint8_t)u;
    if (r->severity == 0)
        r->severity = 3;
    v = rr_y_get(n, "metadata");
    if (v != NULL)
        rule_metadata(c, r, v);
    v = rr_y_get(n, "references");
    if (v != NULL)
        rr_keep_strlist(c, v, NULL, 0, &r->references, &r->nreferences);
}

void rr_compile_rule(struct rctx *c, const struct ynode *n)
{
    struct rw_ruleset *rs = c->rs;
    struct rule_priv *rp;
    struct rw_rule *r;
    const struct ynode *v;
    int level = -1;

    if (rr_want_map(c, n, rule_keys, NWORDS(rule_keys)) != 0)
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
    v = rr_want_key(c, n, "level");
    if (v != NULL && rr_want_word(c, v, level_words, NWORDS(level_words), &level) == 0)
        r->level = (uint8_t)(level + RW_RULE_FILE);
    v = rr_y_get(n, "match");
    if (v != NULL)
        rule_match(c, rp, v);
    v = rr_y_get(n, "window");
    if (r->level == RW_RULE_HOST && v == NULL)
        rr_rerr(c, n, "expected key 'window' (level host needs one), found none");
    else if (v != NULL && r->level != 0 && r->level != RW_RULE_HOST)
        rr_rerr(c, rr_y_key(n, "window"), "expected 'window' only at level host, found level %s",
                level_words[r->level - 1]);
    else if (v != NULL)
        rule_window(c, r, v);
    v = rr_y_get(n, "threshold");
    if (v != NULL)
        rule_threshold(c, r, v);
    v = rr_y_get(n, "suppress");
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
void rr_index_sids(struct rctx *c)
{
    struct rw_ruleset *rs = c->rs;
    size_t n = 0;

    rs->by_sid = rr_rs_alloc(c, (rs->nrules + 1) * sizeof(*rs->by_sid));
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
        rr_rerr_at(c, r->pub.file, r->sid_line, r->sid_col,
                   "expected a unique sid, found %lu again (first at %s:%lu:%lu)",
                   (unsigned long)r->pub.sid, r0->pub.file, r0->sid_line, r0->sid_col);
    }
}
