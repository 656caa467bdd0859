/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_flowtable.c — bidirectional flow table: keyed hash, per-class LRU timeouts, memcap. */
#include "rw_flowtable.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sodium.h>
#include <time.h>

#include "rw_alloc.h"

/*
 * How the table works.
 *
 * Identity. A flow is (address, port) x 2 unordered, protocol, VLAN ids. Ports count
 * only for TCP and UDP: ICMP and ICMPv6 keep the first packet's type/code in info.key
 * for the record, but an echo request and its reply are one flow; other protocols store
 * ports 0. Keys are normalized on the way in (IPv4 bytes 4..15, unused VLAN slots and
 * non-identity ports zeroed) so stray bytes from a caller cannot split a flow.
 *
 * Hash. SipHash-2-4 (libsodium's crypto_shorthash) with a per-table 128-bit key from
 * libsodium's CSPRNG, over the key with its two endpoints in a canonical order (the smaller
 * (address, port) first), so both directions hash alike and an attacker who does not
 * know the key cannot aim packets at one chain. The seed only decides which bucket a
 * flow sits in; nothing observable (flow end order, reasons, counters) depends on it.
 *
 * Time. The table keeps one packet clock, now = the highest packet time seen so far (or
 * passed to rw_flowtable_expire). A packet stamped earlier than that counts at `now`:
 * start_us and last_us are taken from this clock, so start_us <= last_us always and
 * every LRU list stays sorted by last_us even when a capture's clock steps back.
 *
 * Timeout classes and expiry. Each flow sits in one doubly linked list per class (TCP
 * new / established / closed, UDP new / established, other), appended at the tail on
 * every packet, so each list is sorted by last_us and, within equal times, by packet
 * order. A flow of class c has timed out at now when
 *
 *     last_us + timeout[c] <= now        (an idle time equal to the timeout ends it)
 *
 * Expiry looks only at the list heads. Timed-out flows end in order of their deadline
 * (last_us + timeout), ties broken by LRU position (a global packet sequence number),
 * so the order is the one continuous checking would give and depends only on packet
 * order and times. Cost: O(classes) per call plus O(classes) per ended flow.
 *
 * Memcap accounting, exact for what the host reports: memuse = sizeof(struct
 * rw_flowtable) + nbuckets * pointer + the sum over flows of (record bytes + charge),
 * where a flow's charge is extra_bytes_per_flow (the least core state a flow holds) until
 * the host sets it with rw_flowtable_charge. The bucket count is the largest power of
 * two <= memcap / per_flow / 2, per_flow = record bytes + extra_bytes_per_flow (at most
 * FT_MAX_BUCKETS), fixed at creation, so the load factor stays below 4 and the table
 * never rehashes. A new flow evicts until memuse + per_flow <= memcap; a charge that grows
 * evicts other flows until memuse <= memcap. So memuse <= memcap always holds, except
 * while the one flow being charged is alone larger than the cap. max_flows =
 * (memcap - fixed part) / per_flow bounds the flow count. Records come from a pool
 * (rw_pool): no malloc bookkeeping per record; freed records the pool keeps for reuse
 * are not counted. A new flow is allocated before anything is evicted, so an allocation
 * failure costs only the new packet (memcap_drops), never an existing flow; the table
 * momentarily holds one record more in memory then than memuse says.
 *
 * Shedding by value. Each flow also sits in one LRU list per value (enum rw_ft_keep, set
 * by the host), appended on every packet like its timeout-class list. To make room the
 * table takes, in this order, the head of the NONE list (ended), the head of the SHED list
 * (the shed callback gives state up; the flow moves to the tail of the list of the value
 * the host then gives), the head of the RULE list, the head of the FILE list (ended). A
 * value says what losing the flow costs, so age decides only within a value. O(1) per
 * flow shed. Flush picks the globally least recently seen flow: the smallest sequence
 * number among the timeout-class list heads.
 */

#ifndef RW_TESTABLE
#ifdef RW_TEST_BUILD
#define RW_TESTABLE
#else
#define RW_TESTABLE static
#endif
#endif

#define FT_US_PER_SEC 1000000ULL
#define FT_MAX_BUCKETS (1UL << 30)

enum ft_class { FT_TCP_NEW, FT_TCP_EST, FT_TCP_CLOSED, FT_UDP_NEW, FT_UDP_EST, FT_OTHER,
                FT_NCLASS };

/* TCP tracking, in Suricata's words. Order matters: states from FT_FIN_WAIT1 on are
 * past the first FIN. */
enum ft_tcp {
    FT_TS_NONE = 0,
    FT_TS_SYN_SENT,
    FT_TS_SYN_RECV,
    FT_TS_ESTABLISHED,
    FT_TS_FIN_WAIT1,  /* the client sent FIN */
    FT_TS_FIN_WAIT2,  /* ... and the server acknowledged it */
    FT_TS_CLOSE_WAIT, /* the server sent FIN first */
    FT_TS_CLOSED,     /* RST, or FIN both ways */
};

static const char *const ft_tcp_words[] = {
    [FT_TS_NONE] = "none",
    [FT_TS_SYN_SENT] = "syn_sent",
    [FT_TS_SYN_RECV] = "syn_recv",
    [FT_TS_ESTABLISHED] = "established",
    [FT_TS_FIN_WAIT1] = "fin_wait1",
    [FT_TS_FIN_WAIT2] = "fin_wait2",
    [FT_TS_CLOSE_WAIT] = "close_wait",
    [FT_TS_CLOSED] = "closed",
};

/* The record: the public struct first (so a struct rw_ft_flow * converts back), then
 * state no one else needs to see. */
struct ft_rec {
    struct rw_ft_flow f; /* f.tcp: enum ft_tcp */
    uint64_t seq;     /* LRU position: the table's packet sequence number at the last touch */
    uint32_t fin_ack; /* the ack number that acknowledges the client's FIN */
    uint32_t charge;  /* the core state's bytes charged to memuse besides the record */
    struct rw_ft_flow *vprev, *vnext; /* LRU list of its value (f.keep) */
};

struct ft_list {
    struct rw_ft_flow *head, *tail;
};

struct rw_flowtable {
    struct rw_ft_flow **buckets;
    struct rw_pool *recs;        /* the flow records: no malloc header or rounding each */
    /* The flow of the last packet (NULL after it ended): a packet of the same flow, either
     * direction, is found without hashing. A key is in at most one flow, so this answers
     * what the chain would. */
    struct rw_ft_flow *last;
    unsigned char sipkey[crypto_shorthash_KEYBYTES]; /* SipHash-2-4 key (libsodium) */
    struct ft_list lru[FT_NCLASS];
    struct ft_list vlru[RW_FT_KEEP_N];
    rw_flowtable_shed_fn shed;
    uint64_t timeout_us[FT_NCLASS];
    uint64_t now_us;
    uint64_t seq;
    /* No timeout-class list head has a deadline before this: ft_expire has nothing to
     * end while now_us is earlier. (It took the place of per_flow, now ft_per_flow(), so
     * the struct that memuse counts kept its size.) */
    uint64_t next_dl;
    uint32_t extra;    /* extra bytes per flow */
    uint32_t mask;     /* buckets - 1 (at most FT_MAX_BUCKETS - 1): beside extra, so the
                        * struct, which memuse counts, kept its size when last came */
    uint64_t memcap;
    rw_flowtable_end_fn end;
    void *end_ctx;
    struct rw_flowtable_stats st;
};

static struct ft_rec *ft_rec(struct rw_ft_flow *f)
{
    return (struct ft_rec *)f;
}

/* Record bytes + extra bytes per flow: a new flow's charge. */
static uint64_t ft_per_flow(const struct rw_flowtable *t)
{
    return sizeof(struct ft_rec) + (uint64_t)t->extra;
}

static uint64_t ft_deadline(const struct rw_flowtable *t, const struct rw_ft_flow *f);

/* SipHash-2-4 ---------------------------------------------------------------------- */

#define FT_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

/* Keys ------------------------------------------------------------------------------ */

static int ft_has_ports(uint8_t proto)
{
    return proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}

static int ft_is_icmp(uint8_t proto)
{
    return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

/* ft_key_norm copies in to k with every byte outside the key's meaning zeroed. */
static void ft_key_norm(struct rw_flow_key *k, const struct rw_flow_key *in)
{
    size_t alen;

    memset(k, 0, sizeof *k);
    k->src.family = in->src.family;
    alen = in->src.family == 4 ? 4 : 16;
    memcpy(k->src.a, in->src.a, alen);
    k->dst.family = in->dst.family;
    alen = in->dst.family == 4 ? 4 : 16;
    memcpy(k->dst.a, in->dst.a, alen);
    k->proto = in->proto;
    if (ft_has_ports(in->proto) || ft_is_icmp(in->proto)) {
        k->sport = in->sport;
        k->dport = in->dport;
    }
    k->nvlan = in->nvlan < RW_VLAN_MAX_LAYERS ? in->nvlan : RW_VLAN_MAX_LAYERS;
    for (size_t i = 0; i < k->nvlan; i++)
        k->vlan[i] = in->vlan[i];
}

static int ft_addr_eq(const struct rw_addr *a, const struct rw_addr *b)
{
    return a->family == b->family && memcmp(a->a, b->a, sizeof a->a) == 0;
}

/* ft_ep_cmp orders endpoints (family, address, identity port). */
static int ft_ep_cmp(const struct rw_addr *a, uint16_t ap, const struct rw_addr *b, uint16_t bp)
{
    int c;

    if (a->family != b->family)
        return a->family < b->family ? -1 : 1;
    c = memcmp(a->a, b->a, sizeof a->a);
    if (c != 0)
        return c;
    return (ap > bp) - (ap < bp);
}

/* ft_put_ep writes an endpoint as (family, address bytes of that family, port): an IPv4
 * endpoint is 7 bytes, not 19. The family byte comes first, so the encoding stays
 * unambiguous. */
static uint8_t *ft_put_ep(uint8_t *p, const struct rw_addr *a, uint16_t port)
{
    size_t alen = a->family == 4 ? 4 : sizeof a->a;

    *p++ = a->family;
    memcpy(p, a->a, alen);
    p += alen;
    *p++ = (uint8_t)(port >> 8);
    *p++ = (uint8_t)port;
    return p;
}

/* ft_hash hashes a normalized key the same way in both directions: only the bytes that
 * carry meaning (the VLAN ids in use, the address bytes of the family), so that an IPv4
 * packet without VLAN hashes 16 bytes (two SipHash blocks) instead of 46. */
static uint32_t ft_hash(const struct rw_flowtable *t, const struct rw_flow_key *k)
{
    uint8_t buf[2 + 2 * RW_VLAN_MAX_LAYERS + 2 * (1 + 16 + 2)];
    uint8_t *p = buf;
    uint16_t sp = ft_has_ports(k->proto) ? k->sport : 0;
    uint16_t dp = ft_has_ports(k->proto) ? k->dport : 0;
    unsigned char out[crypto_shorthash_BYTES];
    uint64_t h;

    *p++ = k->proto;
    *p++ = k->nvlan;
    for (size_t i = 0; i < k->nvlan; i++) {
        *p++ = (uint8_t)(k->vlan[i] >> 8);
        *p++ = (uint8_t)k->vlan[i];
    }
    if (ft_ep_cmp(&k->src, sp, &k->dst, dp) <= 0) {
        p = ft_put_ep(p, &k->src, sp);
        p = ft_put_ep(p, &k->dst, dp);
    } else {
        p = ft_put_ep(p, &k->dst, dp);
        p = ft_put_ep(p, &k->src, sp);
    }
    crypto_shorthash(out, buf, (unsigned long long)(p - buf), t->sipkey);
    memcpy(&h, out, sizeof(h));
    return (uint32_t)(h ^ (h >> 32));
}

/* ft_match returns the direction of packet key pk within flow key fk, or -1 when the
 * packet is not of this flow. Both keys are normalized. */
static int ft_match(const struct rw_flow_key *fk, const struct rw_flow_key *pk)
{
    int ports = ft_has_ports(fk->proto);

    if (fk->proto != pk->proto || fk->nvlan != pk->nvlan)
        return -1;
    for (size_t i = 0; i < fk->nvlan; i++)
        if (fk->vlan[i] != pk->vlan[i])
            return -1;
    if (ft_addr_eq(&fk->src, &pk->src) && ft_addr_eq(&fk->dst, &pk->dst) &&
        (!ports || (fk->sport == pk->sport && fk->dport == pk->dport)))
        return RW_TOSERVER;
    if (ft_addr_eq(&fk->src, &pk->dst) && ft_addr_eq(&fk->dst, &pk->src) &&
        (!ports || (fk->sport == pk->dport && fk->dport == pk->sport)))
        return RW_TOCLIENT;
    return -1;
}

/* Lists ----------------------------------------------------------------------------- */

static void ft_lru_unlink(struct rw_flowtable *t, struct rw_ft_flow *f)
{
    struct ft_list *l = &t->lru[f->tclass];

    if (f->prev != NULL)
        f->prev->next = f->next;
    else
        l->head = f->next;
    if (f->next != NULL)
        f->next->prev = f->prev;
    else
        l->tail = f->prev;
    f->prev = NULL;
    f->next = NULL;
}

static void ft_lru_append(struct rw_flowtable *t, struct rw_ft_flow *f, uint8_t tclass)
{
    struct ft_list *l = &t->lru[tclass];

    f->tclass = tclass;
    f->next = NULL;
    f->prev = l->tail;
    if (l->tail != NULL) {
        l->tail->next = f;
    } else {
        /* A new head. The only way a head's deadline can come earlier: a head that leaves
         * hands over to a flow seen no earlier, with the same timeout. */
        uint64_t dl;

        l->head = f;
        dl = ft_deadline(t, f);
        if (dl < t->next_dl)
            t->next_dl = dl;
    }
    l->tail = f;
}

static void ft_vlru_unlink(struct rw_flowtable *t, struct rw_ft_flow *f)
{
    struct ft_list *l = &t->vlru[f->keep];
    struct ft_rec *r = ft_rec(f);

    if (r->vprev != NULL)
        ft_rec(r->vprev)->vnext = r->vnext;
    else
        l->head = r->vnext;
    if (r->vnext != NULL)
        ft_rec(r->vnext)->vprev = r->vprev;
    else
        l->tail = r->vprev;
    r->vprev = NULL;
    r->vnext = NULL;
}

static void ft_vlru_append(struct rw_flowtable *t, struct rw_ft_flow *f, uint8_t keep)
{
    struct ft_list *l = &t->vlru[keep];
    struct ft_rec *r = ft_rec(f);

    f->keep = keep;
    r->vnext = NULL;
    r->vprev = l->tail;
    if (l->tail != NULL)
        ft_rec(l->tail)->vnext = f;
    else
        l->head = f;
    l->tail = f;
}

static void ft_hash_unlink(struct rw_flowtable *t, struct rw_ft_flow *f)
{
    struct rw_ft_flow **pp = &t->buckets[f->hash & t->mask];

    while (*pp != NULL && *pp != f)
        pp = &(*pp)->hnext;
    if (*pp == f)
        *pp = f->hnext;
    f->hnext = NULL;
}

static uint8_t ft_class_of(const struct rw_ft_flow *f)
{
    uint8_t proto = f->info.key.proto;
    uint8_t state = f->info.state;

    if (proto == IPPROTO_TCP)
        return state == RW_FLOW_NEW ? FT_TCP_NEW
                                    : state == RW_FLOW_ESTABLISHED ? FT_TCP_EST : FT_TCP_CLOSED;
    if (proto == IPPROTO_UDP)
        return state == RW_FLOW_NEW ? FT_UDP_NEW : FT_UDP_EST;
    return FT_OTHER;
}

/* ft_end takes f out of the table, hands it to the end callback and frees it. */
static void ft_end(struct rw_flowtable *t, struct rw_ft_flow *f, int reason)
{
    if (t->last == f)
        t->last = NULL;
    ft_lru_unlink(t, f);
    ft_vlru_unlink(t, f);
    ft_hash_unlink(t, f);
    f->info.reason = (uint8_t)reason;
    t->end(t->end_ctx, f);
    t->st.active--;
    t->st.memuse -= rw_flowtable_record_bytes() + ft_rec(f)->charge;
    rw_pool_put(t->recs, ft_rec(f));
}

static uint64_t ft_deadline(const struct rw_flowtable *t, const struct rw_ft_flow *f)
{
    uint64_t to = t->timeout_us[f->tclass];

    return f->info.last_us > UINT64_MAX - to ? UINT64_MAX : f->info.last_us + to;
}

/* ft_oldest returns the least recently seen flow of the whole table other than skip
 * (NULL: any), or NULL. */
static struct rw_ft_flow *ft_oldest(const struct rw_flowtable *t, const struct rw_ft_flow *skip)
{
    struct rw_ft_flow *best = NULL;

    for (size_t c = 0; c < FT_NCLASS; c++) {
        struct rw_ft_flow *h = t->lru[c].head;

        if (h != NULL && h == skip)
            h = h->next;
        if (h != NULL && (best == NULL || ft_rec(h)->seq < ft_rec(best)->seq))
            best = h;
    }
    return best;
}

/* ft_value_head returns the least recently seen flow of value list v other than skip. */
static struct rw_ft_flow *ft_value_head(const struct rw_flowtable *t, uint8_t v,
                                        const struct rw_ft_flow *skip)
{
    struct rw_ft_flow *h = t->vlru[v].head;

    return h != NULL && h == skip ? ft_rec(h)->vnext : h;
}

/*
 * ft_shed_one frees some memory by value (see "Shedding by value" above), never touching
 * skip (NULL: none). Returns 0 when there was nothing left to shed.
 */
static int ft_shed_one(struct rw_flowtable *t, const struct rw_ft_flow *skip)
{
    struct rw_ft_flow *f;
    uint64_t *count[RW_FT_KEEP_N] = { &t->st.shed_none, &t->st.shed_rule, &t->st.shed_rule,
                                      &t->st.shed_file };

    for (uint8_t v = 0; v < RW_FT_KEEP_N; v++) {
        f = ft_value_head(t, v, skip);
        if (f == NULL)
            continue;
        if (v == RW_FT_KEEP_SHED && t->shed != NULL) {
            struct ft_rec *r = ft_rec(f);
            uint8_t keep = RW_FT_KEEP_RULE;
            size_t b = t->shed(t->end_ctx, f, &keep);
            uint32_t c = b > UINT32_MAX ? UINT32_MAX : (uint32_t)b;

            /* Whatever the host says, the flow leaves the SHED list: no flow is asked twice
             * in a row, so this loop always ends. */
            if (keep == RW_FT_KEEP_SHED || keep >= RW_FT_KEEP_N)
                keep = RW_FT_KEEP_RULE;
            ft_vlru_unlink(t, f);
            ft_vlru_append(t, f, keep);
            t->st.memuse = t->st.memuse - r->charge + c;
            r->charge = c;
            t->st.shed_state++;
            return 1;
        }
        t->st.evicted++;
        (*count[v])++;
        ft_end(t, f, RW_END_FORCED);
        return 1;
    }
    return 0;
}

/* ft_expire ends every flow timed out at t->now_us, earliest deadline first. */
static void ft_expire(struct rw_flowtable *t)
{
    if (t->now_us < t->next_dl)
        return;
    for (;;) {
        struct rw_ft_flow *best = NULL;
        uint64_t best_dl = 0, next = UINT64_MAX;

        for (size_t c = 0; c < FT_NCLASS; c++) {
            struct rw_ft_flow *h = t->lru[c].head;
            uint64_t dl;

            if (h == NULL)
                continue;
            dl = ft_deadline(t, h);
            if (dl > t->now_us) {
                if (dl < next)
                    next = dl;
                continue;
            }
            if (best == NULL || dl < best_dl ||
                (dl == best_dl && ft_rec(h)->seq < ft_rec(best)->seq)) {
                best = h;
                best_dl = dl;
            }
        }
        if (best == NULL) {
            t->next_dl = next;
            return;
        }
        t->st.timeouts++;
        ft_end(t, best, RW_END_TIMEOUT);
    }
}

/* TCP ------------------------------------------------------------------------------- */

/*
 * ft_tcp_update follows one packet through the states. The flow becomes ESTABLISHED
 * on the first server packet that is not a RST and carries ACK or data: the SYN-ACK
 * normally, or a reply on a flow picked up mid-stream. RST closes at once; so does a
 * FIN from both sides. A first packet without SYN is taken mid-stream, as Suricata's
 * stream.midstream does ("established"). Sequence numbers are only used to see the
 * server acknowledge the client's FIN (fin_wait2); nothing is validated.
 */
static void ft_tcp_update(struct ft_rec *r, int dir, const struct rw_decoded *d)
{
    struct rw_flow_info *in = &r->f.info;
    uint8_t fl = d->tcp_flags;
    uint8_t synack = fl & (RW_TCP_SYN | RW_TCP_ACK);

    if (r->f.tcp == FT_TS_CLOSED)
        return;
    if (fl & RW_TCP_RST) {
        r->f.tcp = FT_TS_CLOSED;
        in->state = RW_FLOW_CLOSED;
        in->tcp_state = ft_tcp_words[r->f.tcp];
        return;
    }
    if (dir == RW_TOCLIENT && in->state == RW_FLOW_NEW &&
        ((fl & RW_TCP_ACK) || d->payload_wire_len > 0))
        in->state = RW_FLOW_ESTABLISHED;

    if (r->f.tcp == FT_TS_NONE)
        r->f.tcp = synack == RW_TCP_SYN ? FT_TS_SYN_SENT
                   : synack == (RW_TCP_SYN | RW_TCP_ACK) ? FT_TS_SYN_RECV
                                                        : FT_TS_ESTABLISHED;
    else if (r->f.tcp == FT_TS_SYN_SENT && dir == RW_TOCLIENT &&
             synack == (RW_TCP_SYN | RW_TCP_ACK))
        r->f.tcp = FT_TS_SYN_RECV;
    else if ((r->f.tcp == FT_TS_SYN_SENT || r->f.tcp == FT_TS_SYN_RECV) && synack == RW_TCP_ACK)
        r->f.tcp = FT_TS_ESTABLISHED;
    else if (r->f.tcp == FT_TS_FIN_WAIT1 && dir == RW_TOCLIENT && (fl & RW_TCP_ACK) &&
             (int32_t)(d->tcp_ack - r->fin_ack) >= 0)
        r->f.tcp = FT_TS_FIN_WAIT2;

    if (fl & RW_TCP_FIN) {
        uint8_t bit = (uint8_t)(1u << dir);

        if ((r->f.tcp_fin_seen & bit) == 0 && dir == RW_TOSERVER)
            r->fin_ack = d->tcp_seq + d->payload_wire_len + ((fl & RW_TCP_SYN) ? 2 : 1);
        r->f.tcp_fin_seen |= bit;
        if (r->f.tcp_fin_seen == 3) {
            r->f.tcp = FT_TS_CLOSED;
            in->state = RW_FLOW_CLOSED;
        } else if (r->f.tcp < FT_TS_FIN_WAIT1) {
            r->f.tcp = dir == RW_TOSERVER ? FT_TS_FIN_WAIT1 : FT_TS_CLOSE_WAIT;
        }
    }
    in->tcp_state = ft_tcp_words[r->f.tcp];
}

/* Public ---------------------------------------------------------------------------- */

size_t rw_flowtable_record_bytes(void)
{
    return sizeof(struct ft_rec);
}

static uint64_t ft_timeout_us(uint32_t sec, uint32_t dflt)
{
    return (uint64_t)(sec != 0 ? sec : dflt) * FT_US_PER_SEC;
}

/* ft_seed draws the SipHash key from libsodium's CSPRNG (getrandom underneath). The key
 * only decides which bucket a flow lands in, never anything observable. */
static int ft_seed(struct rw_flowtable *t)
{
    if (sodium_init() < 0)
        return -1;
    randombytes_buf(t->sipkey, sizeof(t->sipkey));
    return 0;
}

struct rw_flowtable *rw_flowtable_new(const struct rw_flowtable_config *cfg,
                                      rw_flowtable_end_fn end, void *end_ctx)
{
    static const struct rw_flowtable_config defaults;
    struct rw_flowtable *t = NULL;
    uint64_t memcap, fixed, n;
    size_t nb = 1;

    if (cfg == NULL)
        cfg = &defaults;
    memcap = cfg->memcap_bytes != 0 ? cfg->memcap_bytes : RW_FLOW_MEMCAP_DEFAULT_BYTES;
    if (end == NULL || memcap < RW_FLOW_MEMCAP_MIN_BYTES ||
        cfg->extra_bytes_per_flow > memcap - rw_flowtable_record_bytes())
        return NULL;

    t = rw_calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    if (cfg->extra_bytes_per_flow > UINT32_MAX)
        goto fail;
    t->extra = (uint32_t)cfg->extra_bytes_per_flow;
    t->memcap = memcap;
    /* The largest power of two <= half the flows the cap admits at their least: chains
     * stay below 4 on average even then, and real flows (which hold more than their
     * least, a classified one twice as much) keep them near 1 or 2. 8 bytes of buckets
     * per flow where a pointer per flow would be 16 at the next power of two. */
    n = memcap / ft_per_flow(t) / 2;
    while (nb * 2 <= n && nb < FT_MAX_BUCKETS)
        nb <<= 1;
    fixed = sizeof *t + (uint64_t)nb * sizeof *t->buckets;
    if (fixed >= memcap || (memcap - fixed) / ft_per_flow(t) == 0)
        goto fail;
    t->st.max_flows = (memcap - fixed) / ft_per_flow(t);
    t->buckets = rw_calloc(nb, sizeof *t->buckets);
    if (t->buckets == NULL)
        goto fail;
    t->recs = rw_pool_new(sizeof(struct ft_rec));
    if (t->recs == NULL)
        goto fail;
    t->mask = (uint32_t)(nb - 1);
    t->end = end;
    t->end_ctx = end_ctx;
    t->shed = cfg->shed;
    t->timeout_us[FT_TCP_NEW] = ft_timeout_us(cfg->timeout_tcp_new_sec, RW_TIMEOUT_TCP_NEW_SEC);
    t->timeout_us[FT_TCP_EST] = ft_timeout_us(cfg->timeout_tcp_est_sec, RW_TIMEOUT_TCP_EST_SEC);
    t->timeout_us[FT_TCP_CLOSED] =
        ft_timeout_us(cfg->timeout_tcp_closed_sec, RW_TIMEOUT_TCP_CLOSED_SEC);
    t->timeout_us[FT_UDP_NEW] = ft_timeout_us(cfg->timeout_udp_new_sec, RW_TIMEOUT_UDP_NEW_SEC);
    t->timeout_us[FT_UDP_EST] = ft_timeout_us(cfg->timeout_udp_est_sec, RW_TIMEOUT_UDP_EST_SEC);
    t->timeout_us[FT_OTHER] = ft_timeout_us(cfg->timeout_other_sec, RW_TIMEOUT_OTHER_SEC);
    if (ft_seed(t) != 0)
        goto fail;
    t->st.memuse = fixed;
    t->st.memuse_peak = fixed;
    return t;
fail:
    rw_free(t->buckets);
    rw_pool_free(&t->recs);
    rw_free(t);
    return NULL;
}

void rw_flowtable_flush(struct rw_flowtable *t, int reason)
{
    struct rw_ft_flow *f;

    if (t == NULL)
        return;
    while ((f = ft_oldest(t, NULL)) != NULL)
        ft_end(t, f, reason);
}

void rw_flowtable_free(struct rw_flowtable **tp)
{
    struct rw_flowtable *t;

    if (tp == NULL || *tp == NULL)
        return;
    t = *tp;
    rw_flowtable_flush(t, RW_END_SHUTDOWN);
    rw_free(t->buckets);
    rw_pool_free(&t->recs);
    rw_free(t);
    *tp = NULL;
}

void rw_flowtable_expire(struct rw_flowtable *t, uint64_t now_us)
{
    if (t == NULL)
        return;
    if (now_us > t->now_us)
        t->now_us = now_us;
    ft_expire(t);
}

static struct rw_ft_flow *ft_lookup(const struct rw_flowtable *t, const struct rw_flow_key *k,
                                    uint32_t h, int *dir)
{
    for (struct rw_ft_flow *f = t->buckets[h & t->mask]; f != NULL; f = f->hnext) {
        if (f->hash == h) {
            int m = ft_match(&f->info.key, k);

            if (m >= 0) {
                *dir = m;
                return f;
            }
        }
    }
    return NULL;
}

/* ft_create makes the flow of packet key k (normalized) and puts it in its hash chain
 * (the caller appends it to its LRU list), evicting the least recently seen flow first
 * when the table is full. NULL on OOM (counted). */
static struct rw_ft_flow *ft_create(struct rw_flowtable *t, const struct rw_flow_key *k,
                                    uint32_t h, uint8_t tcp_flags, int *dir)
{
    struct ft_rec *r = rw_pool_get(t->recs);
    struct rw_ft_flow *f;
    size_t slot = h & t->mask;

    if (r == NULL) {
        t->st.memcap_drops++;
        return NULL;
    }
    while (t->st.active > 0 && t->st.memuse + ft_per_flow(t) > t->memcap &&
           ft_shed_one(t, NULL))
        ;
    f = &r->f;
    f->info.key = *k;
    *dir = RW_TOSERVER;
    if (k->proto == IPPROTO_TCP &&
        (tcp_flags & (RW_TCP_SYN | RW_TCP_ACK)) == (RW_TCP_SYN | RW_TCP_ACK)) {
        /* A SYN-ACK first: its receiver sent the SYN, so it is the client. */
        f->info.key.src = k->dst;
        f->info.key.dst = k->src;
        f->info.key.sport = k->dport;
        f->info.key.dport = k->sport;
        *dir = RW_TOCLIENT;
    }
    f->info.start_us = t->now_us;
    f->info.state = RW_FLOW_NEW;
    f->hash = h;
    f->hnext = t->buckets[slot];
    t->buckets[slot] = f;

    t->st.active++;
    t->st.total++;
    if (k->proto == IPPROTO_TCP)
        t->st.tcp++;
    else if (k->proto == IPPROTO_UDP)
        t->st.udp++;
    else if (k->proto == IPPROTO_ICMP)
        t->st.icmpv4++;
    else if (k->proto == IPPROTO_ICMPV6)
        t->st.icmpv6++;
    r->charge = t->extra;
    t->st.memuse += ft_per_flow(t);
    if (t->st.memuse > t->st.memuse_peak)
        t->st.memuse_peak = t->st.memuse;
    return f;
}

struct rw_ft_flow *rw_flowtable_packet(struct rw_flowtable *t, const struct rw_decoded *d,
                                       uint64_t ts_us, int *dir, int *created)
{
    struct rw_flow_key k;
    struct rw_ft_flow *f;
    struct ft_rec *r;
    uint32_t h;
    int pdir = RW_TOSERVER;
    int isnew = 0;
    uint8_t syn_only;

    if (created != NULL)
        *created = 0;
    if (ts_us > t->now_us)
        t->now_us = ts_us;
    ft_expire(t);

    ft_key_norm(&k, &d->key);
    syn_only = k.proto == IPPROTO_TCP &&
               (d->tcp_flags & (RW_TCP_SYN | RW_TCP_ACK | RW_TCP_RST)) == RW_TCP_SYN;
    f = NULL;
    if (t->last != NULL && (pdir = ft_match(&t->last->info.key, &k)) >= 0) {
        f = t->last;
        h = f->hash; /* both directions hash alike: what ft_hash(t, &k) gives */
    } else {
        pdir = RW_TOSERVER;
        h = ft_hash(t, &k);
        f = ft_lookup(t, &k, h, &pdir);
    }
    if (f != NULL && syn_only && f->info.state == RW_FLOW_CLOSED) {
        /* Port reuse: a new SYN on a closed connection starts a new flow. The old one
         * has nothing left to see; it ends as if its closed timeout had run out. */
        t->st.timeouts++;
        ft_end(t, f, RW_END_TIMEOUT);
        f = NULL;
    }
    if (f == NULL) {
        f = ft_create(t, &k, h, d->tcp_flags, &pdir);
        if (f == NULL)
            return NULL;
        isnew = 1;
    }
    r = ft_rec(f);
    r->seq = ++t->seq;
    f->info.last_us = t->now_us;
    f->info.pkts[pdir]++;
    f->info.bytes[pdir] += d->ip_wire_len;
    f->info.payload[pdir] += d->payload_wire_len;
    if (k.proto == IPPROTO_TCP) {
        f->info.tcp_flags[pdir] |= d->tcp_flags;
        ft_tcp_update(r, pdir, d);
        if (isnew && (d->tcp_flags & (RW_TCP_SYN | RW_TCP_FIN)) == RW_TCP_FIN &&
            d->payload_wire_len == 0) {
            /* A bare FIN on no known flow is the tail of a connection already ended (a
             * FIN retransmitted in TIME_WAIT after the closed timeout, or a capture that
             * started during the close): it has nothing to carry, so it takes the short
             * closed timeout instead of holding a record for tcp_new's. */
            r->f.tcp = FT_TS_CLOSED;
            f->info.state = RW_FLOW_CLOSED;
            f->info.tcp_state = ft_tcp_words[FT_TS_CLOSED];
        }
    } else if (pdir == RW_TOCLIENT && f->info.state == RW_FLOW_NEW) {
        f->info.state = RW_FLOW_ESTABLISHED;
    }
    if (!isnew) {
        ft_lru_unlink(t, f);
        ft_vlru_unlink(t, f);
    }
    ft_lru_append(t, f, ft_class_of(f));
    ft_vlru_append(t, f, isnew ? RW_FT_KEEP_RULE : f->keep);
    t->last = f;
    if (dir != NULL)
        *dir = pdir;
    if (created != NULL)
        *created = isnew;
    return f;
}

void rw_flowtable_set_keep(struct rw_flowtable *t, struct rw_ft_flow *flow, uint8_t keep)
{
    if (keep >= RW_FT_KEEP_N)
        keep = RW_FT_KEEP_FILE;
    if (keep == flow->keep)
        return;
    /* The flow was just seen (the host sets its value after a packet): the tail of its new
     * list keeps that list in LRU order. */
    ft_vlru_unlink(t, flow);
    ft_vlru_append(t, flow, keep);
}

void rw_flowtable_get_stats(const struct rw_flowtable *t, struct rw_flowtable_stats *st)
{
    *st = t->st;
}

void rw_flowtable_charge(struct rw_flowtable *t, struct rw_ft_flow *flow, size_t bytes)
{
    struct ft_rec *r = ft_rec(flow);
    uint32_t c = bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)bytes;

    if (c == r->charge)
        return;
    t->st.memuse = t->st.memuse - r->charge + c;
    r->charge = c;
    while (t->st.memuse > t->memcap && ft_shed_one(t, flow))
        ;
    if (t->st.memuse > t->st.memuse_peak)
        t->st.memuse_peak = t->st.memuse;
}
