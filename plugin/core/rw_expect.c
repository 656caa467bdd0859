/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_expect.c — a bounded, timed hash table of announced data connections (see rw_expect.h). */
#include "rw_expect.h"

#include <string.h>
#include <sys/random.h>

#include "rw_alloc.h"

#define EXPECT_TIMEOUT_US ((uint64_t)RW_EXPECT_TIMEOUT_SEC * 1000000u)

/* The largest bucket array: beyond this, chains grow instead (a table that large is a
 * configuration mistake, not a case to optimise). */
#define EXPECT_MAX_BUCKETS ((size_t)1 << 20)

/* The strings an entry keeps, in this order in its string block. */
enum {
    S_NAME = 0, S_APP_PROTO, S_METHOD, S_HOST, S_URI, S_CONTENT_TYPE, S_CONTENT_ENCODING, S_N
};

static const size_t str_max[S_N] = {
    RW_FILE_NAME_MAX_BYTES, RW_PROTO_NAME_MAX_BYTES, RW_PROTO_NAME_MAX_BYTES,
    RW_HOSTNAME_MAX_BYTES,  RW_FILE_NAME_MAX_BYTES,  RW_HOSTNAME_MAX_BYTES,
    RW_PROTO_NAME_MAX_BYTES,
};

/*
 * One announcement. It sits in two doubly linked lists: its hash chain (keyed by the
 * listening side) and the age list (insertion order, oldest first). Its strings follow
 * the struct in the same allocation, each NUL-terminated; present[] tells an empty string
 * from an absent (NULL) one.
 */
struct expect_entry {
    struct expect_entry *hnext, *hprev;
    struct expect_entry *anext, *aprev;
    struct expect_entry *alt;  /* linked alternate address of the same announcement */
    size_t bucket;
    uint64_t seq, added_us;
    struct rw_addr a, b;
    uint16_t aport, bport;
    uint8_t dir;
    uint8_t credentials, anonymous;
    uint8_t owner;             /* the clock it ages by (rw_expect_set_owner) */
    uint64_t declared_size;
    uint8_t present[S_N];
    uint16_t off[S_N], len[S_N];
    char str[];
};

struct rw_expect {
    size_t max, count;
    size_t nbuckets;  /* a power of two */
    struct expect_entry **buckets;
    struct expect_entry *oldest, *newest;
    uint64_t seq;
    uint64_t key[2];  /* hash key */
    struct rw_expect_counters c;
    /* One packet clock per owner (the host's workers): each is the time its owner last
     * passed in; an entry ages by its owner's clock. */
    unsigned cur_owner;
    uint64_t clock[RW_EXPECT_OWNERS];
};

static int addr_eq(const struct rw_addr *x, const struct rw_addr *y)
{
    if (x->family != y->family)
        return 0;
    return memcmp(x->a, y->a, x->family == 4 ? 4 : 16) == 0;
}

static int addr_ok(const struct rw_addr *x)
{
    return x != NULL && (x->family == 4 || x->family == 6);
}

static uint64_t mix64(uint64_t h)
{
    /* MurmurHash3's fmix64 finaliser: every input bit reaches every output bit. */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

/* The bucket of one endpoint: keyed FNV-1a over family, address and port, then mixed. */
static size_t endpoint_bucket(const struct rw_expect *e, const struct rw_addr *addr,
                              uint16_t port)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ e->key[0];
    size_t n = addr->family == 4 ? 4 : 16;

    h = (h ^ addr->family) * 0x100000001b3ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ addr->a[i]) * 0x100000001b3ULL;
    h = (h ^ (uint8_t)(port >> 8)) * 0x100000001b3ULL;
    h = (h ^ (uint8_t)port) * 0x100000001b3ULL;
    return (size_t)(mix64(h ^ e->key[1]) & (e->nbuckets - 1));
}

/* The listening side is b when it has a port, else a. */
static size_t entry_bucket(const struct rw_expect *e, const struct expect_entry *x)
{
    if (x->bport != 0)
        return endpoint_bucket(e, &x->b, x->bport);
    return endpoint_bucket(e, &x->a, x->aport);
}

struct rw_expect *rw_expect_new(size_t max)
{
    struct rw_expect *e;
    size_t nb = 16;

    if (max == 0)
        max = RW_EXPECT_MAX;
    while (nb < max && nb < EXPECT_MAX_BUCKETS)
        nb <<= 1;
    e = rw_calloc(1, sizeof(*e));
    if (e == NULL)
        return NULL;
    e->buckets = rw_calloc(nb, sizeof(e->buckets[0]));
    if (e->buckets == NULL) {
        rw_free(e);
        return NULL;
    }
    e->max = max;
    e->nbuckets = nb;
    /* A key the wire cannot guess. Without getrandom (old kernels) the addresses of the
     * heap blocks still vary from run to run under ASLR. */
    if (getrandom(e->key, sizeof(e->key), GRND_NONBLOCK) != (ssize_t)sizeof(e->key)) {
        e->key[0] = (uint64_t)(uintptr_t)e;
        e->key[1] = mix64((uint64_t)(uintptr_t)e->buckets);
    }
    return e;
}

static void entry_unlink(struct rw_expect *e, struct expect_entry *x)
{
    if (x->hprev != NULL)
        x->hprev->hnext = x->hnext;
    else
        e->buckets[x->bucket] = x->hnext;
    if (x->hnext != NULL)
        x->hnext->hprev = x->hprev;
    if (x->aprev != NULL)
        x->aprev->anext = x->anext;
    else
        e->oldest = x->anext;
    if (x->anext != NULL)
        x->anext->aprev = x->aprev;
    else
        e->newest = x->aprev;
    if (x->alt != NULL)
        x->alt->alt = NULL;
    e->count--;
    rw_free(x);
}

void rw_expect_free(struct rw_expect **ep)
{
    struct rw_expect *e;
    struct expect_entry *x, *next;

    if (ep == NULL || *ep == NULL)
        return;
    e = *ep;
    for (x = e->oldest; x != NULL; x = next) {
        next = x->anext;
        rw_free(x);
    }
    rw_free(e->buckets);
    rw_free(e);
    *ep = NULL;
}

static int expired(const struct expect_entry *x, uint64_t now_us)
{
    return now_us > x->added_us && now_us - x->added_us > EXPECT_TIMEOUT_US;
}

void rw_expect_set_owner(struct rw_expect *e, unsigned owner)
{
    if (e != NULL)
        e->cur_owner = owner < RW_EXPECT_OWNERS ? owner : 0;
}

size_t rw_expect_expire(struct rw_expect *e, uint64_t now_us)
{
    size_t n = 0;

    if (e == NULL)
        return 0;
    e->clock[e->cur_owner] = now_us;
    /* The age list is in insertion order; packet time may step back a little between
     * flows, so an entry behind a younger one waits until that one goes (lookups still
     * check every candidate's own age). */
    while (e->oldest != NULL && expired(e->oldest, e->clock[e->oldest->owner])) {
        entry_unlink(e, e->oldest);
        e->c.expired++;
        n++;
    }
    return n;
}

/* Copies each string, bounded, into one allocation after the entry. */
static struct expect_entry *entry_make(struct rw_expect *e, const char *name, size_t name_len,
                                       const struct rw_xfer_meta *meta)
{
    const char *s[S_N] = {0};
    size_t l[S_N] = {0};
    size_t total = 0;
    struct expect_entry *x;

    s[S_NAME] = name;
    l[S_NAME] = name != NULL ? name_len : 0;
    if (meta != NULL) {
        s[S_APP_PROTO] = meta->app_proto;
        s[S_METHOD] = meta->method;
        s[S_HOST] = meta->host;
        s[S_URI] = meta->uri;
        s[S_CONTENT_TYPE] = meta->content_type;
        s[S_CONTENT_ENCODING] = meta->content_encoding;
        for (int i = S_APP_PROTO; i < S_N; i++)
            l[i] = s[i] != NULL ? strnlen(s[i], str_max[i] + 1) : 0;
    }
    for (int i = 0; i < S_N; i++) {
        if (l[i] > str_max[i]) {
            l[i] = str_max[i];
            e->c.truncated++;
        }
        total += l[i] + 1;
    }
    x = rw_malloc(sizeof(*x) + total);
    if (x == NULL)
        return NULL;
    memset(x, 0, sizeof(*x));
    total = 0;
    for (int i = 0; i < S_N; i++) {
        x->present[i] = s[i] != NULL;
        x->off[i] = (uint16_t)total;
        x->len[i] = (uint16_t)l[i];
        if (l[i] > 0)
            memcpy(x->str + total, s[i], l[i]);
        x->str[total + l[i]] = '\0';
        total += l[i] + 1;
    }
    if (meta != NULL) {
        x->credentials = meta->credentials;
        x->anonymous = meta->anonymous;
        x->declared_size = meta->declared_size;
    }
    return x;
}

/* Two consecutive entries are alternates of one announcement: same time, ports, dir and
 * name, and exactly one of the two addresses differs. */
static int is_alternate(const struct expect_entry *p, const struct expect_entry *x)
{
    int same_a, same_b;

    if (p->alt != NULL || p->added_us != x->added_us || p->dir != x->dir ||
        p->aport != x->aport || p->bport != x->bport || p->len[S_NAME] != x->len[S_NAME])
        return 0;
    if (memcmp(p->str + p->off[S_NAME], x->str + x->off[S_NAME], x->len[S_NAME]) != 0)
        return 0;
    same_a = addr_eq(&p->a, &x->a);
    same_b = addr_eq(&p->b, &x->b);
    return same_a != same_b;
}

int rw_expect_add(struct rw_expect *e, uint64_t now_us, const struct rw_addr *a, uint16_t aport,
                  const struct rw_addr *b, uint16_t bport, uint8_t dir, const char *name,
                  size_t name_len, const struct rw_xfer_meta *meta)
{
    struct expect_entry *x;

    if (e == NULL)
        return RW_EINVAL;
    if (!addr_ok(a) || !addr_ok(b) || a->family != b->family || (aport == 0 && bport == 0) ||
        (dir != RW_TOSERVER && dir != RW_TOCLIENT) || (name == NULL && name_len != 0)) {
        e->c.refused++;
        return RW_EINVAL;
    }
    rw_expect_expire(e, now_us);
    x = entry_make(e, name, name_len, meta);
    if (x == NULL) {
        e->c.nomem++;
        return RW_ENOMEM;
    }
    if (e->count >= e->max) {
        entry_unlink(e, e->oldest);
        e->c.evicted++;
    }
    x->a = *a;
    x->b = *b;
    x->aport = aport;
    x->bport = bport;
    x->dir = dir;
    x->added_us = now_us;
    x->owner = (uint8_t)e->cur_owner;
    x->seq = ++e->seq;
    x->bucket = entry_bucket(e, x);
    if (e->newest != NULL && is_alternate(e->newest, x)) {
        x->alt = e->newest;
        e->newest->alt = x;
    }
    x->hnext = e->buckets[x->bucket];
    if (x->hnext != NULL)
        x->hnext->hprev = x;
    e->buckets[x->bucket] = x;
    x->aprev = e->newest;
    if (e->newest != NULL)
        e->newest->anext = x;
    else
        e->oldest = x;
    e->newest = x;
    e->count++;
    e->c.added++;
    return 0;
}

static int side_match(const struct rw_addr *addr, uint16_t port, const struct rw_addr *fa,
                      uint16_t fport)
{
    return addr_eq(addr, fa) && (port == 0 || port == fport);
}

/* 1: the flow's src is a; 2: the flow's src is b; 0: no match. */
static int entry_match(const struct expect_entry *x, const struct rw_flow_key *k)
{
    if (side_match(&x->a, x->aport, &k->src, k->sport) &&
        side_match(&x->b, x->bport, &k->dst, k->dport))
        return 1;
    if (side_match(&x->b, x->bport, &k->src, k->sport) &&
        side_match(&x->a, x->aport, &k->dst, k->dport))
        return 2;
    return 0;
}

/* The newest live match in one chain; *how gets entry_match's answer. */
static struct expect_entry *chain_find(struct rw_expect *e, size_t bucket, uint64_t now_us,
                                       const struct rw_flow_key *k, struct expect_entry *best,
                                       int *how)
{
    for (struct expect_entry *x = e->buckets[bucket]; x != NULL; x = x->hnext) {
        int m;

        e->c.probes++;
        if (expired(x, now_us) || (best != NULL && x->seq < best->seq))
            continue;
        m = entry_match(x, k);
        if (m != 0) {
            best = x;
            *how = m;
        }
    }
    return best;
}

static void copy_str(const struct expect_entry *x, int i, char *dst, const char **meta_field)
{
    memcpy(dst, x->str + x->off[i], (size_t)x->len[i] + 1);
    if (meta_field != NULL)
        *meta_field = x->present[i] ? dst : NULL;
}

static void hit_fill(const struct expect_entry *x, int how, struct rw_expect_hit *out)
{
    memset(&out->meta, 0, sizeof(out->meta));
    out->announced_dir = x->dir;
    out->dir = how == 1 ? x->dir : (uint8_t)(x->dir == RW_TOSERVER ? RW_TOCLIENT : RW_TOSERVER);
    out->added_us = x->added_us;
    out->name_len = x->len[S_NAME];
    copy_str(x, S_NAME, out->name, NULL);
    copy_str(x, S_APP_PROTO, out->app_proto, &out->meta.app_proto);
    copy_str(x, S_METHOD, out->method, &out->meta.method);
    copy_str(x, S_HOST, out->host, &out->meta.host);
    copy_str(x, S_URI, out->uri, &out->meta.uri);
    copy_str(x, S_CONTENT_TYPE, out->content_type, &out->meta.content_type);
    copy_str(x, S_CONTENT_ENCODING, out->content_encoding, &out->meta.content_encoding);
    out->meta.declared_size = x->declared_size;
    out->meta.credentials = x->credentials;
    out->meta.anonymous = x->anonymous;
}

int rw_expect_take(struct rw_expect *e, uint64_t now_us, const struct rw_flow_key *new_flow,
                   struct rw_expect_hit *out)
{
    struct expect_entry *best = NULL;
    size_t b1, b2;
    int how = 0;

    if (e == NULL || new_flow == NULL || out == NULL)
        return RW_EINVAL;
    e->c.lookups++;
    rw_expect_expire(e, now_us);
    if (e->count == 0 || !addr_ok(&new_flow->src) || !addr_ok(&new_flow->dst))
        return RW_ENOENT;
    /* The listening side is the flow's dst when its SYN was seen, else possibly its src. */
    b1 = endpoint_bucket(e, &new_flow->dst, new_flow->dport);
    b2 = endpoint_bucket(e, &new_flow->src, new_flow->sport);
    best = chain_find(e, b1, now_us, new_flow, best, &how);
    if (b2 != b1)
        best = chain_find(e, b2, now_us, new_flow, best, &how);
    if (best == NULL)
        return RW_ENOENT;
    hit_fill(best, how, out);
    if (best->alt != NULL) {
        entry_unlink(e, best->alt);
        e->c.alternates_dropped++;
    }
    entry_unlink(e, best);
    e->c.taken++;
    return 0;
}

size_t rw_expect_count(const struct rw_expect *e)
{
    return e != NULL ? e->count : 0;
}

const struct rw_expect_counters *rw_expect_counters(const struct rw_expect *e)
{
    return &e->c;
}
