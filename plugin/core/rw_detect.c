/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_detect.c — rule matching at file, flow and host-window level; thresholds; alert records. */
#include "rw_detect.h"

#include <ctype.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "rw_eve.h"

#define DET_NIL UINT32_MAX
#define DET_USEC 1000000ULL
/* Lists a receiver is looked up in at once; past that, lists are asked one by one. */
#define DET_MATCH_MAX 16

enum { DET_ENT_FREE = 0, DET_ENT_THRESHOLD, DET_ENT_WINDOW };

/* One bucket of a host window: the sums of the events of span/64 of packet time. */
struct det_bucket {
    uint64_t bytes;
    uint64_t first_us;  /* the earliest event in the bucket; meaningless when empty */
    uint32_t files, flows;
};

/* What a table entry is found by. Unused fields stay zero so that keys compare whole. */
struct det_key {
    uint8_t kind;
    uint8_t track;
    uint32_t rule;      /* the rule's index in the set */
    uint32_t list;      /* window: the list's index, DET_NIL for a window of dst any */
    uint32_t ports;     /* by_flow: sport << 16 | dport */
    uint64_t flow_id;   /* by_flow */
    struct rw_addr a, b;
};

/* A threshold or window entry. All of them are allocated by rw_detect_new. */
struct det_entry {
    struct det_key key;
    uint32_t hnext;            /* next entry in the hash chain */
    uint32_t lprev, lnext;     /* least-recently-used list; lprev is the newer neighbour */
    union {
        struct {
            uint64_t tv1_us;   /* start of the current period (Suricata's tv1) */
            uint64_t count;    /* Suricata's current_count (never wraps) */
        } thr;
        struct {
            uint64_t head;     /* absolute number of the newest bucket */
            uint64_t last_us;  /* the latest event */
            uint64_t fired_us; /* when the window last fired */
            uint8_t fired;
            struct det_bucket b[RW_DETECT_WINDOW_BUCKETS];
        } win;
    } u;
};

struct det_level {
    size_t n;
    uint32_t idx[RW_DETECT_RULE_SLOTS];              /* rule indexes, in set order */
    const struct rw_rule *rule[RW_DETECT_RULE_SLOTS];
};

struct rw_detect {
    const struct rw_ruleset *rs;
    struct det_level file, flow, host;
    int names;                 /* some file or host rule has a filename condition */
    struct det_entry *ent;
    uint32_t nent, used;
    uint32_t *heads;           /* hash buckets: first entry index or DET_NIL */
    uint32_t nheads;           /* a power of two */
    /* One least-recently-used list per kind (DET_ENT_THRESHOLD, DET_ENT_WINDOW). */
    uint32_t lru_head[3], lru_tail[3];
    uint32_t free_head;
    uint64_t seed;
    size_t mem;
    struct rw_detect_stats stats;
    /* The table and the counters are shared by every thread of a host with workers: the
     * lock guards them. Events that touch neither (most) never take it. */
    pthread_mutex_t lock;
};

/* Where the receiver of the bytes is listed: one lookup over all lists per event, made
 * when a rule first asks (most events end at a rule's fired bit, byte bound or type before
 * any list is asked), never for a receiver the flow's cache knows to be in no list. */
struct det_dstinfo {
    const struct rw_ruleset *rs;
    const struct rw_addr *addr;
    struct rw_addrlist_match m[DET_MATCH_MAX];
    size_t n, total;
    int looked;                      /* m, n and total are valid */
    struct rw_addrlist_match extra;  /* answer of a list asked on its own */
};

/* One direction of bytes being tested: the event, the sender, the receiver. */
struct det_ctx {
    struct rw_detect *d;
    const struct rw_detect_flow *f;
    const struct rw_detect_file *file;
    uint8_t dir;
    const struct rw_addr *src, *dst;
    const char *direction;
    uint8_t dclass;            /* enum rw_rule_direction of the bytes; 0 for neither */
    unsigned families;
    uint64_t now;
    rw_detect_emit_fn emit;
    void *ectx;
    const char *fname;         /* the file name as a C string, NULL when none */
    uint64_t types;            /* the file's groups, cut to the groups the set has */
    struct det_dstinfo dsti;
};

/* ---- the table: hash chains, LRU list, free list ------------------------------------ */

static uint64_t det_mix(uint64_t h, uint64_t w)
{
    h ^= w;
    h *= 0x9E3779B97F4A7C15ULL;
    return h ^ (h >> 29);
}

static uint64_t det_addr_word(const struct rw_addr *a, int half)
{
    uint64_t w = 0;

    memcpy(&w, a->a + 8 * half, 8);
    return w;
}

static uint32_t det_hash(const struct rw_detect *d, const struct det_key *k)
{
    uint64_t h = d->seed;

    h = det_mix(h, (uint64_t)k->kind << 56 | (uint64_t)k->track << 48 | k->rule);
    h = det_mix(h, (uint64_t)k->list << 32 | k->ports);
    h = det_mix(h, k->flow_id);
    h = det_mix(h, (uint64_t)k->a.family << 8 | k->b.family);
    h = det_mix(h, det_addr_word(&k->a, 0));
    h = det_mix(h, det_addr_word(&k->a, 1));
    h = det_mix(h, det_addr_word(&k->b, 0));
    h = det_mix(h, det_addr_word(&k->b, 1));
    return (uint32_t)(h ^ (h >> 32)) & (d->nheads - 1);
}

static int det_addr_eq(const struct rw_addr *x, const struct rw_addr *y)
{
    return x->family == y->family && memcmp(x->a, y->a, sizeof(x->a)) == 0;
}

static int det_key_eq(const struct det_key *x, const struct det_key *y)
{
    return x->kind == y->kind && x->track == y->track && x->rule == y->rule &&
           x->list == y->list && x->ports == y->ports && x->flow_id == y->flow_id &&
           det_addr_eq(&x->a, &y->a) && det_addr_eq(&x->b, &y->b);
}

static void det_lru_unlink(struct rw_detect *d, uint32_t i)
{
    struct det_entry *e = &d->ent[i];
    uint8_t kind = e->key.kind;

    if (e->lprev != DET_NIL)
        d->ent[e->lprev].lnext = e->lnext;
    else
        d->lru_head[kind] = e->lnext;
    if (e->lnext != DET_NIL)
        d->ent[e->lnext].lprev = e->lprev;
    else
        d->lru_tail[kind] = e->lprev;
    e->lprev = e->lnext = DET_NIL;
}

static void det_lru_push(struct rw_detect *d, uint32_t i)
{
    struct det_entry *e = &d->ent[i];
    uint8_t kind = e->key.kind;

    e->lprev = DET_NIL;
    e->lnext = d->lru_head[kind];
    if (d->lru_head[kind] != DET_NIL)
        d->ent[d->lru_head[kind]].lprev = i;
    d->lru_head[kind] = i;
    if (d->lru_tail[kind] == DET_NIL)
        d->lru_tail[kind] = i;
}

/* Takes entry i out of its hash chain. */
static void det_unhash(struct rw_detect *d, uint32_t i)
{
    uint32_t *pp = &d->heads[det_hash(d, &d->ent[i].key)];

    while (*pp != DET_NIL && *pp != i)
        pp = &d->ent[*pp].hnext;
    if (*pp == i)
        *pp = d->ent[i].hnext;
}

/*
 * Finds the entry of key k and makes it the most recently used of its kind. With create, a
 * missing entry is made (zeroed but for its key), from the free list or by evicting the
 * least recently used threshold entry, or when there is none the least recently used
 * window; *created says which. Returns NULL only when missing and !create.
 */
static struct det_entry *det_get(struct rw_detect *d, const struct det_key *k, int create,
                                 int *created)
{
    uint32_t h = det_hash(d, k), i;
    struct det_entry *e;

    if (created != NULL)
        *created = 0;
    for (i = d->heads[h]; i != DET_NIL; i = d->ent[i].hnext) {
        if (det_key_eq(&d->ent[i].key, k)) {
            det_lru_unlink(d, i);
            det_lru_push(d, i);
            return &d->ent[i];
        }
    }
    if (!create)
        return NULL;
    if (d->free_head != DET_NIL) {
        i = d->free_head;
        d->free_head = d->ent[i].hnext;
        d->used++;
    } else {
        /* A threshold entry goes first: losing one may let one more alert through, while
         * losing a window forgets what a host sent. So events that only make threshold
         * entries (traffic from many addresses) can never flush the windows. */
        i = d->lru_tail[DET_ENT_THRESHOLD];
        if (i == DET_NIL)
            i = d->lru_tail[DET_ENT_WINDOW];
        det_lru_unlink(d, i);
        det_unhash(d, i);
        d->stats.evictions++;
    }
    e = &d->ent[i];
    memset(e, 0, sizeof(*e));
    e->key = *k;
    e->hnext = d->heads[h];
    d->heads[h] = i;
    det_lru_push(d, i);
    if (created != NULL)
        *created = 1;
    return e;
}

/* ---- set-up --------------------------------------------------------------------------- */

static const char *det_level_name(uint8_t level)
{
    switch (level) {
    case RW_RULE_FILE:
        return "file";
    case RW_RULE_FLOW:
        return "flow";
    default:
        return "host";
    }
}

/* Sorts the rules into the three levels; returns 0 or RW_ELIMIT (reported in diag). */
static int det_slot_rules(struct rw_detect *d, struct rw_diag *diag)
{
    size_t count[4] = {0, 0, 0, 0};
    int rc = 0;

    for (size_t i = 0; i < rw_rules_count(d->rs); i++) {
        const struct rw_rule *r = rw_rules_rule(d->rs, i);
        struct det_level *lv;

        if (r->level == RW_RULE_FILE)
            lv = &d->file;
        else if (r->level == RW_RULE_FLOW)
            lv = &d->flow;
        else if (r->level == RW_RULE_HOST)
            lv = &d->host;
        else
            continue;
        count[r->level]++;
        if (r->nfilenames > 0)
            d->names = 1;
        if (lv->n < RW_DETECT_RULE_SLOTS) {
            lv->idx[lv->n] = (uint32_t)i;
            lv->rule[lv->n] = r;
            lv->n++;
        }
    }
    for (uint8_t lvl = RW_RULE_FILE; lvl <= RW_RULE_HOST; lvl++) {
        if (count[lvl] <= RW_DETECT_RULE_SLOTS)
            continue;
        if (diag != NULL)
            rw_diag_add(diag, "rules", 0, 0, "expected at most %d rules at level %s, found %zu",
                        RW_DETECT_RULE_SLOTS, det_level_name(lvl), count[lvl]);
        rc = RW_ELIMIT;
    }
    return rc;
}

struct rw_detect *rw_detect_new(const struct rw_ruleset *rs, size_t max_tracked,
                                struct rw_diag *diag, int *err)
{
    struct rw_detect *d = NULL;
    uint32_t nheads = 16;
    int rc = 0;

    if (max_tracked == 0)
        max_tracked = RW_DETECT_TRACKED_DEFAULT;
    if (max_tracked > RW_DETECT_TRACKED_MAX)
        max_tracked = RW_DETECT_TRACKED_MAX;
    while (nheads < max_tracked)
        nheads <<= 1;
    d = rw_calloc(1, sizeof(*d));
    if (d == NULL) {
        rc = RW_ENOMEM;
        goto out;
    }
    pthread_mutex_init(&d->lock, NULL);
    d->rs = rs;
    rc = det_slot_rules(d, diag);
    if (rc != 0)
        goto out;
    d->nent = (uint32_t)max_tracked;
    d->nheads = nheads;
    d->ent = rw_calloc(max_tracked, sizeof(*d->ent));
    d->heads = rw_malloc((size_t)nheads * sizeof(*d->heads));
    if (d->ent == NULL || d->heads == NULL) {
        rc = RW_ENOMEM;
        goto out;
    }
    for (uint32_t i = 0; i < nheads; i++)
        d->heads[i] = DET_NIL;
    /* The free list is threaded through hnext. */
    for (uint32_t i = 0; i < d->nent; i++) {
        d->ent[i].hnext = i + 1 < d->nent ? i + 1 : DET_NIL;
        d->ent[i].lprev = d->ent[i].lnext = DET_NIL;
    }
    d->free_head = 0;
    for (size_t k = 0; k < 3; k++)
        d->lru_head[k] = d->lru_tail[k] = DET_NIL;
    /* A keyed hash: addresses come from the network, chains must not be steerable. */
    if (getrandom(&d->seed, sizeof(d->seed), GRND_NONBLOCK) != (ssize_t)sizeof(d->seed))
        d->seed = det_mix(0x5EED5EED5EED5EEDULL, (uint64_t)(uintptr_t)d);
    d->mem = sizeof(*d) + max_tracked * sizeof(*d->ent) + (size_t)nheads * sizeof(*d->heads);
out:
    if (rc != 0)
        rw_detect_free(&d);
    if (err != NULL)
        *err = rc;
    return d;
}

void rw_detect_free(struct rw_detect **dp)
{
    struct rw_detect *d;

    if (dp == NULL || *dp == NULL)
        return;
    d = *dp;
    pthread_mutex_destroy(&d->lock);
    rw_free(d->ent);
    rw_free(d->heads);
    rw_free(d);
    *dp = NULL;
}

void rw_detect_stats(struct rw_detect *d, struct rw_detect_stats *out)
{
    pthread_mutex_lock(&d->lock);
    *out = d->stats;
    out->tracked = d->used;
    pthread_mutex_unlock(&d->lock);
}

size_t rw_detect_memory_bytes(const struct rw_detect *d)
{
    return d->mem;
}

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
static const struct rw_addrlist_match *det_holds(struct det_dstinfo *di, size_t idx)
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
        if (det_holds(&c->dsti, r->not_dst[i]) != NULL)
            return 0;
    }
    for (size_t i = 0; i < r->ndst && *m == NULL; i++)
        *m = det_holds(&c->dsti, r->dst[i]);
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

static uint64_t det_sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Is now inside [start, start + len)? A time before start counts as inside (packet times
 * may step back a little), and no sum can wrap, whatever times the capture claims. */
static int det_within(uint64_t now, uint64_t start, uint64_t len)
{
    return now < start || now - start < len;
}

/* ---- thresholds (Suricata's detect-engine-threshold.c, ThresholdHandlePacket) ---------- */

static int det_addr_cmp(const struct rw_addr *x, const struct rw_addr *y)
{
    if (x->family != y->family)
        return x->family < y->family ? -1 : 1;
    return memcmp(x->a, y->a, sizeof(x->a));
}

static void det_threshold_key(const struct det_ctx *c, const struct rw_rule *r, uint32_t ridx,
                              struct det_key *k)
{
    const struct rw_flow_key *fk = &c->f->info->key;

    memset(k, 0, sizeof(*k));
    k->kind = DET_ENT_THRESHOLD;
    k->track = r->threshold.track;
    k->rule = ridx;
    k->list = DET_NIL;
    switch (r->threshold.track) {
    case RW_TRACK_BY_SRC:
        k->a = *c->src;
        break;
    case RW_TRACK_BY_DST:
        k->a = *c->dst;
        break;
    case RW_TRACK_BY_BOTH:
        /* Suricata's IP pair has no direction. */
        k->a = det_addr_cmp(c->src, c->dst) <= 0 ? *c->src : *c->dst;
        k->b = det_addr_cmp(c->src, c->dst) <= 0 ? *c->dst : *c->src;
        break;
    default:
        k->flow_id = c->f->info->flow_id;
        k->ports = (uint32_t)fk->sport << 16 | fk->dport;
        k->a = fk->src;
        k->b = fk->dst;
        break;
    }
}

/* Returns 1 when the threshold lets this rule event alert. */
static int det_threshold(const struct det_ctx *c, const struct rw_rule *r, uint32_t ridx)
{
    uint64_t period = (uint64_t)r->threshold.seconds * DET_USEC;
    uint32_t count = r->threshold.count;
    struct det_entry *e;
    struct det_key k;
    int within;

    det_threshold_key(c, r, ridx, &k);
    e = det_get(c->d, &k, 0, NULL);
    if (e == NULL) {
        /* threshold with count 1 alerts on every match and keeps no entry, as Suricata. */
        if (r->threshold.type == RW_THRESHOLD_THRESHOLD && count == 1)
            return 1;
        e = det_get(c->d, &k, 1, NULL);
        e->u.thr.tv1_us = c->now;
        e->u.thr.count = 1;
        /* limit: the first match alerts; threshold and both only when count is 1. */
        return r->threshold.type == RW_THRESHOLD_LIMIT || count == 1;
    }
    within = det_within(c->now, e->u.thr.tv1_us, period);
    if (!within) {
        e->u.thr.tv1_us = c->now;
        e->u.thr.count = 1;
        return r->threshold.type == RW_THRESHOLD_LIMIT ||
               (r->threshold.type == RW_THRESHOLD_BOTH && count == 1);
    }
    e->u.thr.count++;
    switch (r->threshold.type) {
    case RW_THRESHOLD_LIMIT:
        return e->u.thr.count <= count;
    case RW_THRESHOLD_THRESHOLD:
        if (e->u.thr.count >= count) {
            e->u.thr.count = 0;
            return 1;
        }
        return 0;
    default:
        return e->u.thr.count == count;
    }
}

/* ---- raising an alert ------------------------------------------------------------------ */

static void det_alert_init(const struct det_ctx *c, const struct rw_rule *r, const char *list,
                           const struct rw_addrlist_match *m, struct rw_alert *a)
{
    memset(a, 0, sizeof(*a));
    a->rule = r;
    a->rules = c->d->rs;
    a->level = r->level;
    a->dir = c->dir;
    a->direction = c->direction;
    a->ts_us = c->now;
    a->flow = c->f->info;
    a->proto = c->f->proto;
    a->app_proto = c->f->app_proto != NULL ? c->f->app_proto : c->f->info->app_proto;
    a->hostname = c->f->hostname;
    a->src = c->src;
    a->dst = c->dst;
    a->list = list;
    a->anonymous = -1;
    if (r->anonymous >= 0)
        a->anonymous = c->file != NULL ? c->file->anonymous : c->f->anonymous;
    if (m != NULL)
        memcpy(a->prefix, m->prefix, sizeof(a->prefix));
    a->prefix[sizeof(a->prefix) - 1] = '\0';
}

/* Suppression, then the threshold, then the emit callback (outside the lock: it builds
 * and writes the record). */
static void det_raise(const struct det_ctx *c, const struct rw_rule *r, uint32_t ridx,
                      const struct rw_alert *a)
{
    struct rw_detect *d = c->d;
    int ok;

    if (r->nsuppress > 0 && rw_rules_suppressed(d->rs, r, c->src, c->dst)) {
        pthread_mutex_lock(&d->lock);
        d->stats.suppressed++;
        pthread_mutex_unlock(&d->lock);
        return;
    }
    if (r->threshold.type != RW_THRESHOLD_NONE) {
        pthread_mutex_lock(&d->lock);
        ok = det_threshold(c, r, ridx);
        if (!ok)
            d->stats.thresholded++;
        pthread_mutex_unlock(&d->lock);
        if (!ok)
            return;
    }
    ok = c->emit != NULL && c->emit(c->ectx, a) == 0;
    pthread_mutex_lock(&d->lock);
    if (ok)
        d->stats.alerts++;
    else
        d->stats.alerts_failed++;
    pthread_mutex_unlock(&d->lock);
}

/* ---- host windows ---------------------------------------------------------------------- */

struct det_totals {
    uint64_t files, bytes, flows, first_us;
};


static uint32_t det_sat_add32(uint32_t a, uint64_t b)
{
    return b >= (uint64_t)(UINT32_MAX - a) ? UINT32_MAX : a + (uint32_t)b;
}

static void det_window_totals(const struct det_entry *e, struct det_totals *t)
{
    memset(t, 0, sizeof(*t));
    t->first_us = UINT64_MAX;
    for (size_t i = 0; i < RW_DETECT_WINDOW_BUCKETS; i++) {
        const struct det_bucket *b = &e->u.win.b[i];

        if (b->files == 0 && b->flows == 0 && b->bytes == 0)
            continue;
        t->files += b->files;
        t->flows += b->flows;
        t->bytes = det_sat_add(t->bytes, b->bytes);
        if (b->first_us < t->first_us)
            t->first_us = b->first_us;
    }
}

static int det_window_over(const struct rw_rule *r, const struct det_totals *t)
{
    return (r->window.files != 0 && t->files >= r->window.files) ||
           (r->window.bytes != 0 && t->bytes >= r->window.bytes) ||
           (r->window.flows != 0 && t->flows >= r->window.flows);
}

/* Did this event add to a total that is now at its bound? */
static int det_window_hit(const struct rw_rule *r, const struct det_totals *t, uint64_t files,
                          uint64_t bytes, uint64_t flows)
{
    return (r->window.files != 0 && files != 0 && t->files >= r->window.files) ||
           (r->window.bytes != 0 && bytes != 0 && t->bytes >= r->window.bytes) ||
           (r->window.flows != 0 && flows != 0 && t->flows >= r->window.flows);
}

/* Moves the window of e forward to bucket nb, emptying the buckets that left it. */
static void det_window_advance(struct det_entry *e, uint64_t nb, int created)
{
    uint64_t head = e->u.win.head;

    if (created) {
        e->u.win.head = nb;
        return;
    }
    if (nb <= head)
        return;
    if (nb - head >= RW_DETECT_WINDOW_BUCKETS) {
        memset(e->u.win.b, 0, sizeof(e->u.win.b));
    } else {
        for (uint64_t i = head + 1; i <= nb; i++)
            memset(&e->u.win.b[i % RW_DETECT_WINDOW_BUCKETS], 0, sizeof(struct det_bucket));
    }
    e->u.win.head = nb;
}

/* Adds files, bytes and flows to the window of rule r for the sender and list lidx. */
static void det_window_add(const struct det_ctx *c, const struct rw_rule *r, uint32_t ridx,
                           uint32_t lidx, const struct rw_addrlist_match *m, uint64_t files,
                           uint64_t bytes, uint64_t flows)
{
    uint64_t span_us = r->window.span_sec * DET_USEC;
    uint64_t width = span_us / RW_DETECT_WINDOW_BUCKETS;
    struct det_totals before, after;
    struct det_bucket *b;
    struct det_entry *e;
    struct rw_alert a;
    struct det_key k;
    uint64_t nb;
    int created, fire;

    if (width == 0)
        width = 1;
    nb = c->now / width;
    memset(&k, 0, sizeof(k));
    k.kind = DET_ENT_WINDOW;
    k.rule = ridx;
    k.list = lidx;
    k.a = *c->src;
    pthread_mutex_lock(&c->d->lock);
    e = det_get(c->d, &k, 1, &created);
    det_window_advance(e, nb, created);
    if (nb + RW_DETECT_WINDOW_BUCKETS <= e->u.win.head) {
        pthread_mutex_unlock(&c->d->lock);
        return; /* older than the whole window: already out of it */
    }
    det_window_totals(e, &before);
    b = &e->u.win.b[nb % RW_DETECT_WINDOW_BUCKETS];
    if (b->files == 0 && b->flows == 0 && b->bytes == 0)
        b->first_us = c->now;
    else if (c->now < b->first_us)
        b->first_us = c->now;
    b->files = det_sat_add32(b->files, files);
    b->flows = det_sat_add32(b->flows, flows);
    b->bytes = det_sat_add(b->bytes, bytes);
    if (c->now > e->u.win.last_us)
        e->u.win.last_us = c->now;
    det_window_totals(e, &after);
    /* Only an event that adds to a total at its bound can fire: the first time the window
     * gets there, and again while it stays there once a whole span has passed. */
    fire = det_window_hit(r, &after, files, bytes, flows) &&
           (!det_window_over(r, &before) ||
            (e->u.win.fired && !det_within(c->now, e->u.win.fired_us, span_us)));
    if (!fire) {
        pthread_mutex_unlock(&c->d->lock);
        return;
    }
    e->u.win.fired = 1;
    e->u.win.fired_us = c->now;
    det_alert_init(c, r, m != NULL ? m->list : NULL, m, &a);
    a.window.span_sec = r->window.span_sec;
    a.window.files = after.files;
    a.window.bytes = after.bytes;
    a.window.flows = after.flows;
    a.window.first_us = after.first_us;
    a.window.last_us = e->u.win.last_us;
    a.bytes = after.bytes;
    pthread_mutex_unlock(&c->d->lock);
    det_raise(c, r, ridx, &a);
}

/* Adds to every window of host rule r that the receiver belongs to. */
static void det_host_add(struct det_ctx *c, const struct rw_rule *r, uint32_t ridx, uint64_t files,
                         uint64_t bytes, uint64_t flows)
{
    if (files == 0 && bytes == 0 && flows == 0)
        return;
    if (r->ndst == 0) {
        det_window_add(c, r, ridx, DET_NIL, NULL, files, bytes, flows);
        return;
    }
    for (size_t i = 0; i < r->ndst; i++) {
        const struct rw_addrlist_match *m = det_holds(&c->dsti, r->dst[i]);
        struct rw_addrlist_match copy;

        if (m == NULL)
            continue;
        copy = *m; /* det_holds may reuse its scratch match for the next list */
        det_window_add(c, r, ridx, (uint32_t)r->dst[i], &copy, files, bytes, flows);
    }
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
    /* A receiver in no list needs no lookup; any other is looked up at det_holds. */
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
        holds = det_holds(&c->dsti, r->not_dst[i]) != NULL;
    if (holds)
        return 1;
    for (size_t i = 0; i < r->ndst && !holds; i++)
        holds = det_holds(&c->dsti, r->dst[i]) != NULL;
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
            det_alert_init(&c, r, list, m, &a);
            a.bytes = cur;
            det_raise(&c, r, d->flow.idx[s], &a);
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
            det_host_add(&c, r, d->host.idx[s], 0,
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
        det_alert_init(c, r, list, m, &a);
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
        det_raise(c, r, d->file.idx[s], &a);
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
        det_host_add(c, r, d->host.idx[s], first ? 1 : 0, bytes, flows);
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

/* ---- EVE ------------------------------------------------------------------------------- */

static void det_time(struct rw_json *j, const char *key, uint64_t us)
{
    char ts[RW_EVE_TS_BYTES];

    rw_eve_timestamp(us, ts, sizeof(ts));
    rw_json_cstr(j, key, ts);
}

static void det_metadata(struct rw_json *j, const struct rw_rule *r)
{
    rw_json_object_open(j, "metadata");
    for (size_t i = 0; i < r->nmetadata; i++) {
        const struct rw_rule_meta *m = &r->metadata[i];

        /* Keys come from libyaml, which only passes valid UTF-8. */
        rw_json_array_open(j, m->key);
        for (size_t k = 0; k < m->nvalues; k++)
            rw_json_cstr(j, NULL, m->values[k]);
        rw_json_close(j);
    }
    rw_json_close(j);
}

static void det_window_json(struct rw_json *j, const struct rw_alert *a)
{
    rw_json_object_open(j, "window");
    rw_json_u64(j, "span", a->window.span_sec);
    rw_json_u64(j, "files", a->window.files);
    rw_json_u64(j, "bytes", a->window.bytes);
    rw_json_u64(j, "flows", a->window.flows);
    det_time(j, "first", a->window.first_us);
    det_time(j, "last", a->window.last_us);
    rw_json_close(j);
}

static void det_type_groups(struct rw_json *j, const struct rw_alert *a)
{
    size_t ng = a->rules == NULL ? 0 : rw_rules_group_count(a->rules);

    rw_json_array_open(j, "type_groups");
    for (size_t g = 0; g < ng && g < 64; g++) {
        if (a->types & (1ULL << g))
            rw_json_cstr(j, NULL, rw_rules_group(a->rules, g)->name);
    }
    rw_json_close(j);
}

static void det_context(struct rw_json *j, const struct rw_alert *a)
{
    rw_json_object_open(j, "context");
    rw_json_cstr(j, "level", det_level_name(a->level));
    rw_json_cstr(j, "direction", a->direction);
    if (a->list != NULL) {
        rw_json_cstr(j, "list", a->list);
        rw_json_cstr(j, "prefix", a->prefix);
    }
    if (a->types != 0)
        det_type_groups(j, a);
    if (a->file != NULL && a->file->ext_mismatch)
        rw_json_bool(j, "ext_mismatch", 1);
    if (a->anonymous >= 0)
        rw_json_bool(j, "anonymous", a->anonymous);
    if (a->level != RW_RULE_HOST)
        rw_json_u64(j, "bytes", a->bytes);
    if (a->proto != NULL && a->proto[0] != '\0')
        rw_json_str(j, "proto", a->proto, strnlen(a->proto, RW_PROTO_NAME_MAX_BYTES));
    if (a->hostname != NULL && a->hostname[0] != '\0')
        rw_json_str(j, "hostname", a->hostname, strnlen(a->hostname, RW_HOSTNAME_MAX_BYTES));
    if (a->level == RW_RULE_HOST)
        det_window_json(j, a);
    rw_json_close(j);
}

static void det_alert_object(struct rw_json *j, const struct rw_alert *a)
{
    const struct rw_rule *r = a->rule;

    rw_json_object_open(j, "alert");
    rw_json_cstr(j, "action", "allowed");
    rw_json_u64(j, "gid", 1);
    rw_json_u64(j, "signature_id", r->sid);
    rw_json_u64(j, "rev", r->rev);
    rw_json_cstr(j, "signature", r->msg);
    /* Suricata writes an empty category for a rule without classtype. */
    rw_json_cstr(j, "category", r->category != NULL ? r->category : "");
    rw_json_u64(j, "severity", (uint64_t)r->severity);
    if (r->nmetadata > 0)
        det_metadata(j, r);
    if (r->nreferences > 0) {
        rw_json_array_open(j, "references");
        for (size_t i = 0; i < r->nreferences; i++)
            rw_json_cstr(j, NULL, r->references[i]);
        rw_json_close(j);
    }
    det_context(j, a);
    rw_json_close(j);
}

/* Suricata's alert flow object: counters so far, start, and the flow's own endpoints. */
static void det_flow_object(struct rw_json *j, const struct rw_flow_info *info)
{
    const struct rw_flow_key *k = &info->key;
    char addr[RW_ADDRLIST_PREFIX_MAX];

    rw_json_object_open(j, "flow");
    rw_json_u64(j, "pkts_toserver", info->pkts[RW_TOSERVER]);
    rw_json_u64(j, "pkts_toclient", info->pkts[RW_TOCLIENT]);
    rw_json_u64(j, "bytes_toserver", info->bytes[RW_TOSERVER]);
    rw_json_u64(j, "bytes_toclient", info->bytes[RW_TOCLIENT]);
    det_time(j, "start", info->start_us);
    if (rw_addr_format(&k->src, addr, sizeof(addr)) >= 0)
        rw_json_cstr(j, "src_ip", addr);
    if (rw_addr_format(&k->dst, addr, sizeof(addr)) >= 0)
        rw_json_cstr(j, "dest_ip", addr);
    if (rw_eve_has_ports(k->proto)) {
        rw_json_u64(j, "src_port", k->sport);
        rw_json_u64(j, "dest_port", k->dport);
    }
    rw_json_close(j);
}

static void det_fileinfo(struct rw_json *j, const struct rw_detect_file *file)
{
    rw_json_object_open(j, "fileinfo");
    if (file->name != NULL)
        rw_json_str(j, "filename", file->name,
                    file->name_len < RW_FILE_NAME_MAX_BYTES ? file->name_len
                                                            : RW_FILE_NAME_MAX_BYTES);
    rw_json_cstr(j, "magic", file->desc);
    rw_json_bool(j, "gaps", file->gaps);
    rw_json_cstr(j, "state", rw_eve_file_state_name(file->state));
    rw_json_u64(j, "size", file->size);
    rw_json_close(j);
}

/* Alerts name the sender src and the receiver dest, as Suricata's alerts name the packet's
 * addresses: for bytes going to the client the header's (flow-ordered) pair is swapped. */
struct rw_json *rw_detect_alert_record(const struct rw_alert *a, uint64_t ts_us)
{
    struct rw_json *j;

    if (a == NULL || a->rule == NULL)
        return NULL;
    j = rw_eve_begin("alert", ts_us, a->flow, a->app_proto,
                     a->flow != NULL && a->dir == RW_TOCLIENT);
    if (j == NULL)
        return NULL;
    if (a->flow != NULL)
        rw_json_cstr(j, "direction", a->dir == RW_TOCLIENT ? "to_client" : "to_server");
    det_alert_object(j, a);
    if (a->flow != NULL)
        det_flow_object(j, a->flow);
    if (a->file != NULL)
        det_fileinfo(j, a->file);
    return rw_eve_end(j);
}
