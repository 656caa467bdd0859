/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_detect_track.c — what the detector keeps between events: its table of threshold and
 * window entries (set-up, hash chains, LRU list, free list), thresholds, suppression and
 * raising an alert, host windows. */
#include "rw_detect_int.h"

#include <pthread.h>
#include <stddef.h>
#include <string.h>
#include <sys/random.h>

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

const char *rd_level_name(uint8_t level)
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
                        RW_DETECT_RULE_SLOTS, rd_level_name(lvl), count[lvl]);
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

void rd_alert_init(const struct det_ctx *c, const struct rw_rule *r, const char *list,
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
void rd_raise(const struct det_ctx *c, const struct rw_rule *r, uint32_t ridx,
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
    rd_alert_init(c, r, m != NULL ? m->list : NULL, m, &a);
    a.window.span_sec = r->window.span_sec;
    a.window.files = after.files;
    a.window.bytes = after.bytes;
    a.window.flows = after.flows;
    a.window.first_us = after.first_us;
    a.window.last_us = e->u.win.last_us;
    a.bytes = after.bytes;
    pthread_mutex_unlock(&c->d->lock);
    rd_raise(c, r, ridx, &a);
}

/* Adds to every window of host rule r that the receiver belongs to. */
void rd_host_add(struct det_ctx *c, const struct rw_rule *r, uint32_t ridx, uint64_t files,
                 uint64_t bytes, uint64_t flows)
{
    if (files == 0 && bytes == 0 && flows == 0)
        return;
    if (r->ndst == 0) {
        det_window_add(c, r, ridx, DET_NIL, NULL, files, bytes, flows);
        return;
    }
    for (size_t i = 0; i < r->ndst; i++) {
        const struct rw_addrlist_match *m = rd_holds(&c->dsti, r->dst[i]);
        struct rw_addrlist_match copy;

        if (m == NULL)
            continue;
        copy = *m; /* rd_holds may reuse its scratch match for the next list */
        det_window_add(c, r, ridx, (uint32_t)r->dst[i], &copy, files, bytes, flows);
    }
}

