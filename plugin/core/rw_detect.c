/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_detect.c — rule matching at file, flow and host-window level: protocols, conditions
 * and the file and flow events. The table, thresholds and windows are in
 * rw_detect_track.c, the alert records in rw_detect_eve.c. */
#include "rw_detect_int.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

/* ---- protocols ------------------------------------------------------------------------ */

static const struct {
    const char *name;
    unsigned fam;
} det_proto_families[] = {
    /* nDPI names (any '.'-separated part) and Suricata's app_proto words. */
    {"TLS", RW_DETECT_FAM_ENCRYPTED},
    {"DTLS", RW_DETECT_FAM_ENCRYPTED},
    {"QUIC", RW_DETECT_FAM_ENCRYPTED},
    {"SSH", RW_DETECT_FAM_ENCRYPTED | RW_DETECT_FAM_REMOTE_ACCESS},
    {"IMAPS", RW_DETECT_FAM_ENCRYPTED},
    {"POP3S", RW_DETECT_FAM_ENCRYPTED},
    {"SMTPS", RW_DETECT_FAM_ENCRYPTED},
    {"FTPS", RW_DETECT_FAM_ENCRYPTED | RW_DETECT_FAM_FILE_TRANSFER},
    {"DoH_DoT", RW_DETECT_FAM_ENCRYPTED},
    {"Tor", RW_DETECT_FAM_ENCRYPTED | RW_DETECT_FAM_VPN},
    {"OpenVPN", RW_DETECT_FAM_ENCRYPTED | RW_DETECT_FAM_VPN},
    {"WireGuard", RW_DETECT_FAM_ENCRYPTED | RW_DETECT_FAM_VPN},
    {"IPsec", RW_DETECT_FAM_ENCRYPTED | RW_DETECT_FAM_VPN},
    {"IKE", RW_DETECT_FAM_ENCRYPTED | RW_DETECT_FAM_VPN},
    {"ikev2", RW_DETECT_FAM_ENCRYPTED | RW_DETECT_FAM_VPN},
    {"PPTP", RW_DETECT_FAM_VPN},
    {"L2TP", RW_DETECT_FAM_VPN},
    {"RDP", RW_DETECT_FAM_ENCRYPTED | RW_DETECT_FAM_REMOTE_ACCESS},
    {"VNC", RW_DETECT_FAM_REMOTE_ACCESS},
    {"rfb", RW_DETECT_FAM_REMOTE_ACCESS},
    {"TeamViewer", RW_DETECT_FAM_ENCRYPTED | RW_DETECT_FAM_REMOTE_ACCESS},
    {"AnyDesk", RW_DETECT_FAM_ENCRYPTED | RW_DETECT_FAM_REMOTE_ACCESS},
    {"Telnet", RW_DETECT_FAM_REMOTE_ACCESS},
    {"FTP_CONTROL", RW_DETECT_FAM_FILE_TRANSFER},
    {"FTP_DATA", RW_DETECT_FAM_FILE_TRANSFER},
    {"ftp", RW_DETECT_FAM_FILE_TRANSFER},
    {"ftp-data", RW_DETECT_FAM_FILE_TRANSFER},
    {"TFTP", RW_DETECT_FAM_FILE_TRANSFER},
    {"SMBv1", RW_DETECT_FAM_FILE_TRANSFER},
    {"SMBv23", RW_DETECT_FAM_FILE_TRANSFER},
    {"smb", RW_DETECT_FAM_FILE_TRANSFER},
    {"NFS", RW_DETECT_FAM_FILE_TRANSFER},
    {"AFP", RW_DETECT_FAM_FILE_TRANSFER},
    {"Rsync", RW_DETECT_FAM_FILE_TRANSFER},
    {"BitTorrent", RW_DETECT_FAM_FILE_TRANSFER},
};

static const struct {
    const char *name;
    unsigned fam;
} det_category_families[] = {
    {"VPN", RW_DETECT_FAM_VPN},
    {"RemoteAccess", RW_DETECT_FAM_REMOTE_ACCESS},
    {"Download-FileTransfer-FileSharing", RW_DETECT_FAM_FILE_TRANSFER},
    {"FileSharing", RW_DETECT_FAM_FILE_TRANSFER},
    {"DataTransfer", RW_DETECT_FAM_FILE_TRANSFER},
};

/* Families of the name s[0..n). The first letters are compared first, folded as
 * strncasecmp folds them: most names are passed over without strlen and strncasecmp
 * (this runs for every part of every flow's names). */
static unsigned det_name_families(const char *s, size_t n)
{
    int c0;

    if (n == 0)
        return 0;
    c0 = tolower((unsigned char)s[0]);
    for (size_t i = 0; i < sizeof(det_proto_families) / sizeof(det_proto_families[0]); i++) {
        const char *w = det_proto_families[i].name;

        if (tolower((unsigned char)w[0]) == c0 && strlen(w) == n && strncasecmp(w, s, n) == 0)
            return det_proto_families[i].fam;
    }
    return 0;
}

/* Is this name a protocol at all (not empty, not nDPI's "Unknown", not "failed")? */
static int det_known_name(const char *s)
{
    return s != NULL && s[0] != '\0' && strcasecmp(s, "Unknown") != 0 &&
           strcasecmp(s, "failed") != 0;
}

unsigned rw_detect_families(const char *proto, const char *app_proto, const char *category)
{
    unsigned fam = 0;

    if (proto != NULL) {
        for (const char *p = proto;;) {
            size_t n = strcspn(p, ".");

            fam |= det_name_families(p, n);
            if (p[n] == '\0')
                break;
            p += n + 1;
        }
    }
    if (app_proto != NULL)
        fam |= det_name_families(app_proto, strlen(app_proto));
    for (size_t i = 0; category != NULL &&
                       i < sizeof(det_category_families) / sizeof(det_category_families[0]);
         i++) {
        if (strcasecmp(category, det_category_families[i].name) == 0)
            fam |= det_category_families[i].fam;
    }
    if (!(fam & RW_DETECT_FAM_ENCRYPTED) && (det_known_name(proto) || det_known_name(app_proto)))
        fam |= RW_DETECT_FAM_CLEARTEXT;
    return fam;
}

int8_t rw_detect_anonymity(const char *app_proto, int credentials, int anonymous_login)
{
    static const char *const with_credentials[] = {"http", "ftp", "ftp-data", "tftp"};

    if (anonymous_login)
        return 1;
    if (credentials)
        return 0;
    for (size_t i = 0; app_proto != NULL && i < sizeof(with_credentials) / sizeof(char *); i++) {
        if (strcasecmp(app_proto, with_credentials[i]) == 0)
            return 1;
    }
    return -1;
}

static unsigned det_family_word(const char *w)
{
    static const struct {
        const char *word;
        unsigned fam;
    } words[] = {
        {"encrypted", RW_DETECT_FAM_ENCRYPTED},
        {"cleartext", RW_DETECT_FAM_CLEARTEXT},
        {"file_transfer", RW_DETECT_FAM_FILE_TRANSFER},
        {"remote_access", RW_DETECT_FAM_REMOTE_ACCESS},
        {"vpn", RW_DETECT_FAM_VPN},
    };

    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (strcasecmp(w, words[i].word) == 0)
            return words[i].fam;
    }
    return 0;
}

/* Does the rule's proto name w match the flow: the whole nDPI name, one of its parts
 * (a master name matches its sub-protocols), or the Suricata word? */
static int det_proto_name_match(const char *w, const struct rw_detect_flow *f)
{
    size_t wl = strlen(w);

    if (f->app_proto != NULL && strcasecmp(w, f->app_proto) == 0)
        return 1;
    if (f->proto == NULL)
        return 0;
    if (strcasecmp(w, f->proto) == 0)
        return 1;
    for (const char *p = f->proto;;) {
        size_t n = strcspn(p, ".");

        if (n == wl && strncasecmp(p, w, n) == 0)
            return 1;
        if (p[n] == '\0')
            return 0;
        p += n + 1;
    }
}

static int det_proto_ok(const struct det_ctx *c, const struct rw_rule *r)
{
    if (r->nprotos == 0)
        return 1;
    for (size_t i = 0; i < r->nprotos; i++) {
        unsigned fam = det_family_word(r->protos[i]);

        if (fam != 0 ? (c->families & fam) != 0 : det_proto_name_match(r->protos[i], c->f))
            return 1;
    }
    return 0;
}

/* ---- conditions --------------------------------------------------------------------------- */

/* The match of list idx for the receiver, or NULL when the list does not hold it. */
const struct rw_addrlist_match *rd_holds(struct det_dstinfo *di, size_t idx)
{
    size_t n;

    if (!di->looked) {
        di->total = rw_rules_lookup_dst(di->rs, di->addr, di->m, DET_MATCH_MAX);
        di->n = di->total < DET_MATCH_MAX ? di->total : DET_MATCH_MAX;
        di->looked = 1;
    }
    n = di->n < DET_MATCH_MAX ? di->n : DET_MATCH_MAX;

    for (size_t i = 0; i < n; i++) {
        if (di->m[i].index == idx)
            return &di->m[i];
    }
    if (di->total <= n || idx >= rw_rules_list_count(di->rs))
        return NULL;
    if (!rw_addrlist_lookup(rw_rules_list(di->rs, idx), di->addr, &di->extra))
        return NULL;
    return &di->extra;
}

/*
 * The conditions every level shares: direction, dst, not_dst, proto, anonymous. On a
 * match, *list and *m say which of the rule's dst lists (the first, in the rule's order)
 * holds the receiver (NULL for dst any).
 */
static int det_flow_conds(struct det_ctx *c, const struct rw_rule *r, int8_t anonymous,
                          const char **list, const struct rw_addrlist_match **m)
{
    *list = NULL;
    *m = NULL;
    if (r->direction != RW_DIR_ANY && r->direction != c->dclass)
        return 0;
    if (r->anonymous >= 0 && anonymous != r->anonymous)
        return 0;
    for (size_t i = 0; i < r->nnot_dst; i++) {
        if (rd_holds(&c->dsti, r->not_dst[i]) != NULL)
            return 0;
    }
    for (size_t i = 0; i < r->ndst && *m == NULL; i++)
        *m = rd_holds(&c->dsti, r->dst[i]);
    if (r->ndst > 0 && *m == NULL)
        return 0;
    if (*m != NULL)
        *list = (*m)->list;
    return det_proto_ok(c, r);
}

static int det_has_file_conds(const struct rw_rule *r)
{
    return r->types != 0 || r->not_types != 0 || r->nfilenames > 0;
}

/* type, not_type and filename against the file of c. */
static int det_file_conds(const struct det_ctx *c, const struct rw_rule *r)
{
    if (r->types != 0 && (c->types & r->types) == 0)
        return 0;
    if ((c->types & r->not_types) != 0)
        return 0;
    if (r->nfilenames == 0)
        return 1;
    if (c->fname == NULL)
        return 0;
    for (size_t i = 0; i < r->nfilenames; i++) {
        if (rw_rules_glob(r->filenames[i], c->fname))
            return 1;
    }
    return 0;
}

/* The byte bounds: a minimum alone is tested at every event, a maximum only at the end. */
static int det_bytes_ok(const struct rw_rule *r, uint64_t n, int at_end)
{
    if (r->bytes_max != UINT64_MAX)
        return at_end && n >= r->bytes_min && n <= r->bytes_max;
    return n >= r->bytes_min;
}

static int det_bit(const uint64_t *words, size_t slot)
{
    return (words[slot / 64] >> (slot % 64)) & 1;
}

static void det_set_bit(uint64_t *words, size_t slot)
{
    words[slot / 64] |= 1ULL << (slot % 64);
}

/* ---- events ----------------------------------------------------------------------------- */

static void det_ctx_init(struct det_ctx *c, struct rw_detect *d, const struct rw_detect_flow *f,
                         const struct rw_detect_file *file, uint8_t dir, uint64_t now,
                         rw_detect_emit_fn emit, void *ectx)
{
    const struct rw_flow_key *k = &f->info->key;
    uint8_t scratch = 0, *cache;
    int shome, dhome;

    /* The match arrays (1.4 KiB) are written before they are read: clear the rest only.
     * This runs for every payload packet of a flow a rule could fire on. */
    memset(c, 0, offsetof(struct det_ctx, dsti));
    c->d = d;
    c->f = f;
    c->file = file;
    c->dir = dir;
    c->src = dir == RW_TOSERVER ? &k->src : &k->dst;
    c->dst = dir == RW_TOSERVER ? &k->dst : &k->src;
    /* Longest-prefix lookups are the costly part of an event: a flow's addresses never
     * change, so home_net membership and "receiver in no list" are looked up once. */
    cache = f->state != NULL ? &f->state->addrs[dir] : &scratch;
    if (!(*cache & RW_DETECT_ADDR_KNOWN)) {
        *cache = RW_DETECT_ADDR_KNOWN;
        if (rw_rules_is_home(d->rs, c->src))
            *cache |= RW_DETECT_ADDR_SRC_HOME;
        if (rw_rules_is_home(d->rs, c->dst))
            *cache |= RW_DETECT_ADDR_DST_HOME;
        if (rw_rules_lookup_dst(d->rs, c->dst, NULL, 0) == 0)
            *cache |= RW_DETECT_ADDR_DST_UNLISTED;
    }
    shome = (*cache & RW_DETECT_ADDR_SRC_HOME) != 0;
    dhome = (*cache & RW_DETECT_ADDR_DST_HOME) != 0;
    if (shome && !dhome) {
        c->dclass = RW_DIR_OUTBOUND;
        c->direction = "outbound";
    } else if (!shome && dhome) {
        c->dclass = RW_DIR_INBOUND;
        c->direction = "inbound";
    } else {
        c->dclass = 0;
        c->direction = shome ? "internal" : "external";
    }
    c->families = f->families & ~(unsigned)RW_DETECT_FAM_COMPUTED;
    /* No names (not classified yet, or nobody classifies): no families to add. */
    if (!(f->families & RW_DETECT_FAM_COMPUTED) &&
        (f->proto != NULL || f->app_proto != NULL || f->category != NULL))
        c->families |= rw_detect_families(f->proto, f->app_proto, f->category);
    c->now = now;
    c->emit = emit;
    c->ectx = ectx;
    c->dsti.rs = d->rs;
    c->dsti.addr = c->dst;
    /* A receiver in no list needs no lookup; any other is looked up at rd_holds. */
    c->dsti.total = 0;
    c->dsti.n = 0;
    c->dsti.looked = (*cache & RW_DETECT_ADDR_DST_UNLISTED) != 0;
}

/*
 * Does r fail a condition that never changes for the flow and direction of c: direction
 * (home_net and the flow's addresses), dst or not_dst (the receiver's lists)? The rule set
 * is fixed too: a new one clears the flow's and the files' state.
 */
static int det_fixed_fails(struct det_ctx *c, const struct rw_rule *r)
{
    int holds = 0;

    if (r->direction != RW_DIR_ANY && r->direction != c->dclass)
        return 1;
    for (size_t i = 0; i < r->nnot_dst && !holds; i++)
        holds = rd_holds(&c->dsti, r->not_dst[i]) != NULL;
    if (holds)
        return 1;
    for (size_t i = 0; i < r->ndst && !holds; i++)
        holds = rd_holds(&c->dsti, r->dst[i]) != NULL;
    return r->ndst > 0 && !holds;
}

/*
 * Can no flow or host rule act on this direction of the flow any more? Each flow rule has
 * fired or fails a fixed condition (det_fixed_fails), and each host rule has file
 * conditions (the files count those) or fails a fixed one. Payload, names, families and
 * anonymous, which move, are not relied on.
 */
static int det_flow_quiet(struct det_ctx *c)
{
    const struct rw_detect_flowstate *st = c->f->state;
    const struct rw_detect *d = c->d;

    for (size_t s = 0; s < d->flow.n; s++) {
        if (!det_bit(st->fired, s) && !det_fixed_fails(c, d->flow.rule[s]))
            return 0;
    }
    for (size_t s = 0; s < d->host.n; s++) {
        const struct rw_rule *r = d->host.rule[s];

        if (!det_has_file_conds(r) && !det_fixed_fails(c, r))
            return 0;
    }
    return 1;
}

/*
 * A direction's flow and host rules depend on its payload total, the flow's names and
 * families, anonymous, the fired and counted bits, and what never changes for the flow
 * (addresses, so lists and direction; the rule set, whose change clears the state). When
 * none of the changing ones moved since the direction's last event, that event's answer
 * stands: a rule whose conditions passed then has its bit set now, the others fail again,
 * and a host rule would add 0 bytes and 0 flows. Only a flow without names or families
 * (nobody classifies it, or not yet) is summed up this way, in two bytes.
 */
static int det_flow_unchanged(const struct rw_detect_flow *f, uint8_t dir)
{
    const struct rw_detect_flowstate *st = f->state;

    return st->seen[dir] && st->seen_anon[dir] == f->anonymous &&
           st->payload[dir] == f->info->payload[dir] && f->proto == NULL &&
           f->app_proto == NULL && f->category == NULL &&
           (f->families & ~(unsigned)RW_DETECT_FAM_COMPUTED) == 0;
}

static void det_flow_seen(const struct rw_detect_flow *f, uint8_t dir)
{
    struct rw_detect_flowstate *st = f->state;

    st->seen[dir] = f->proto == NULL && f->app_proto == NULL && f->category == NULL &&
                    (f->families & ~(unsigned)RW_DETECT_FAM_COMPUTED) == 0;
    st->seen_anon[dir] = f->anonymous;
}

void rw_detect_flow(struct rw_detect *d, const struct rw_detect_flow *f,
                    enum rw_detect_flow_event ev, uint64_t now_us, rw_detect_emit_fn emit,
                    void *ctx)
{
    struct rw_detect_flowstate *st;

    if (d == NULL || f == NULL || f->info == NULL || f->state == NULL)
        return;
    st = f->state;
    for (uint8_t dir = RW_TOSERVER; dir <= RW_TOCLIENT; dir++) {
        uint64_t cur = f->info->payload[dir];
        struct det_ctx c;

        if (f->info->pkts[dir] == 0)
            continue;
        /* No rule can act on this direction whatever moves: nothing to evaluate. */
        if (st->addrs[dir] & RW_DETECT_ADDR_QUIET) {
            st->payload[dir] = cur;
            continue;
        }
        /* The end tests byte maximums: always evaluated. */
        if (ev == RW_DET_FLOW_PROGRESS && det_flow_unchanged(f, dir))
            continue;
        det_ctx_init(&c, d, f, NULL, dir, now_us, emit, ctx);
        for (size_t s = 0; s < d->flow.n; s++) {
            const struct rw_rule *r = d->flow.rule[s];
            const struct rw_addrlist_match *m;
            const char *list;
            struct rw_alert a;

            if (det_bit(st->fired, s) || !det_bytes_ok(r, cur, ev == RW_DET_FLOW_END) ||
                !det_flow_conds(&c, r, f->anonymous, &list, &m))
                continue;
            det_set_bit(st->fired, s);
            rd_alert_init(&c, r, list, m, &a);
            a.bytes = cur;
            rd_raise(&c, r, d->flow.idx[s], &a);
        }
        for (size_t s = 0; s < d->host.n; s++) {
            const struct rw_rule *r = d->host.rule[s];
            const struct rw_addrlist_match *m;
            const char *list;
            int first;

            /* Host rules with file conditions count only the files that pass them. */
            if (det_has_file_conds(r) || !det_flow_conds(&c, r, f->anonymous, &list, &m))
                continue;
            first = !det_bit(st->counted[dir], s);
            det_set_bit(st->counted[dir], s);
            rd_host_add(&c, r, d->host.idx[s], 0,
                         first ? cur : (cur > st->payload[dir] ? cur - st->payload[dir] : 0),
                         first ? 1 : 0);
        }
        st->payload[dir] = cur;
        det_flow_seen(f, dir);
        if (det_flow_quiet(&c))
            st->addrs[dir] |= RW_DETECT_ADDR_QUIET;
    }
}

/* The file's name as a C string for globs: NUL bytes become '?', cut at the name limit. */
static const char *det_file_name(const struct rw_detect_file *file, char *buf, size_t len)
{
    size_t n;

    if (file->name == NULL)
        return NULL;
    n = file->name_len < len - 1 ? file->name_len : len - 1;
    for (size_t i = 0; i < n; i++)
        buf[i] = file->name[i] == '\0' ? '?' : file->name[i];
    buf[n] = '\0';
    return buf;
}

static void det_file_rules(struct det_ctx *c, enum rw_detect_file_event ev)
{
    const struct rw_detect_file *file = c->file;
    struct rw_detect_filestate *fs = file->fstate;
    struct rw_detect *d = c->d;

    for (size_t s = 0; s < d->file.n; s++) {
        const struct rw_rule *r = d->file.rule[s];
        const struct rw_addrlist_match *m;
        const char *list;
        struct rw_alert a;
        uint64_t groups;

        if (det_bit(fs->fired, s) || !det_bytes_ok(r, file->size, ev == RW_DET_FILE_END) ||
            !det_file_conds(c, r) || !det_flow_conds(c, r, file->anonymous, &list, &m))
            continue;
        det_set_bit(fs->fired, s);
        rd_alert_init(c, r, list, m, &a);
        if (file->app_proto != NULL)
            a.app_proto = file->app_proto;
        a.file = file;
        a.bytes = file->size;
        groups = r->types != 0 ? (c->types & r->types) : c->types;
        a.types = groups;
        for (size_t g = 0; g < 64 && groups != 0; g++) {
            if (groups & (1ULL << g)) {
                a.type_group = rw_rules_group(d->rs, g)->name;
                break;
            }
        }
        rd_raise(c, r, d->file.idx[s], &a);
    }
}

static void det_file_hosts(struct det_ctx *c)
{
    const struct rw_detect_file *file = c->file;
    struct rw_detect_filestate *fs = file->fstate;
    struct rw_detect_flowstate *st = c->f->state;
    struct rw_detect *d = c->d;

    for (size_t s = 0; s < d->host.n; s++) {
        const struct rw_rule *r = d->host.rule[s];
        const struct rw_addrlist_match *m;
        const char *list;
        uint64_t bytes = 0, flows = 0;
        int first;

        if (!det_file_conds(c, r) || !det_flow_conds(c, r, file->anonymous, &list, &m))
            continue;
        first = !det_bit(fs->counted, s);
        det_set_bit(fs->counted, s);
        if (det_has_file_conds(r)) {
            /* Bytes and flows of the matching files; otherwise the flow events count them. */
            bytes = first ? file->size : (file->size > fs->size ? file->size - fs->size : 0);
            if (!det_bit(st->counted[c->dir], s)) {
                det_set_bit(st->counted[c->dir], s);
                flows = 1;
            }
        }
        rd_host_add(c, r, d->host.idx[s], first ? 1 : 0, bytes, flows);
    }
}

/*
 * Can no rule act on this file any more? Each file rule has fired or fails a condition
 * that never changes for the file, and so does each host rule: direction (the flow's
 * addresses), anonymous (the file's protocol and login), dst and not_dst (the receiver),
 * type, not_type and filename (the file is typed before its first event; a new rule set
 * zeroes the file's state). Only the flow's protocol names and the file's size change
 * between events, and a rule failing one of these fails whatever they become.
 */
static int det_file_quiet(struct det_ctx *c)
{
    const struct rw_detect_file *file = c->file;
    const struct rw_detect *d = c->d;

    for (size_t s = 0; s < d->file.n + d->host.n; s++) {
        int is_file = s < d->file.n;
        const struct rw_rule *r = is_file ? d->file.rule[s] : d->host.rule[s - d->file.n];

        if (is_file && det_bit(file->fstate->fired, s))
            continue;
        if ((r->anonymous >= 0 && file->anonymous != r->anonymous) || !det_file_conds(c, r) ||
            det_fixed_fails(c, r))
            continue;
        return 0;
    }
    return 1;
}

int rw_detect_file_skip(struct rw_detect_filestate *fs, uint64_t size)
{
    if (!fs->quiet)
        return 0;
    fs->size = size;
    return 1;
}

void rw_detect_file(struct rw_detect *d, const struct rw_detect_flow *f,
                    const struct rw_detect_file *file, enum rw_detect_file_event ev,
                    uint64_t now_us, rw_detect_emit_fn emit, void *ctx)
{
    char name[RW_FILE_NAME_MAX_BYTES + 1];
    struct det_ctx c;
    size_t ngroups;

    if (d == NULL || f == NULL || f->info == NULL || f->state == NULL || file == NULL ||
        file->fstate == NULL)
        return;
    /* Most files meet no rule: their chunks (one event each) end here. */
    if (file->fstate->quiet) {
        file->fstate->size = file->size;
        return;
    }
    det_ctx_init(&c, d, f, file, file->dir == RW_TOCLIENT ? RW_TOCLIENT : RW_TOSERVER, now_us,
                 emit, ctx);
    /* Only a filename condition reads the name: no copy at every chunk without one. */
    c.fname = d->names ? det_file_name(file, name, sizeof(name)) : NULL;
    /* Bits past the set's groups name no group: the caller's word is not trusted. */
    ngroups = rw_rules_group_count(d->rs);
    c.types = ngroups >= 64 ? file->types : file->types & ((1ULL << ngroups) - 1);
    det_file_rules(&c, ev);
    det_file_hosts(&c);
    file->fstate->size = file->size;
    file->fstate->quiet = (uint8_t)det_file_quiet(&c);
}

