/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_rw_workers.c — --workers' pieces: the host's batch queue and the core's worker engines. */
#include <CUnit/CUnit.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rw.h"
#include "rw_queue.h"
#include "rw_test.h"

/* ---- the batch queue ------------------------------------------------------------------- */

enum { QT_BATCHES = 3, QT_BYTES = 64, QT_SENT = 2000 };

struct qt_consumer {
    struct rw_queue *q;
    uint64_t seen[QT_SENT];
    size_t n;
};

static void *qt_consume(void *arg)
{
    struct qt_consumer *c = arg;

    while (c->n < QT_SENT) {
        struct rw_batch *b = rw_queue_get_full(c->q, 0);
        uint64_t seq;

        CU_ASSERT_EQUAL(b->used, sizeof(seq));
        memcpy(&seq, b->data, sizeof(seq));
        c->seen[c->n++] = seq;
        rw_queue_put_empty(c->q, b);
    }
    return NULL;
}

/* Batches arrive whole and in the order sent, through a queue far smaller than the stream. */
static void test_queue_keeps_order_across_threads(void)
{
    struct qt_consumer *c = calloc(1, sizeof(*c));
    pthread_t t;

    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    c->q = rw_queue_new(1, QT_BATCHES, QT_BYTES);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c->q);
    CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, qt_consume, c), 0);
    for (uint64_t i = 0; i < QT_SENT; i++) {
        struct rw_batch *b = rw_queue_get_empty(c->q);

        CU_ASSERT_EQUAL(b->used, 0);
        CU_ASSERT_EQUAL(b->cap, QT_BYTES);
        memcpy(b->data, &i, sizeof(i));
        b->used = sizeof(i);
        rw_queue_put_full(c->q, 0, b);
    }
    pthread_join(t, NULL);
    CU_ASSERT_EQUAL_FATAL(c->n, QT_SENT);
    for (size_t i = 0; i < QT_SENT; i++)
        if (c->seen[i] != i)
            CU_FAIL("batch out of order");
    rw_queue_free(&c->q);
    CU_ASSERT_PTR_NULL(c->q);
    free(c);
}

struct qt_waiter {
    struct rw_queue *q;
    struct rw_batch *got;
    int done;
};

static void *qt_wait_empty(void *arg)
{
    struct qt_waiter *w = arg;

    w->got = rw_queue_get_empty(w->q);
    __atomic_store_n(&w->done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* The producer cannot run ahead by more than the queue's batches: memory stays fixed. */
static void test_queue_producer_waits_when_all_batches_are_out(void)
{
    struct qt_waiter w = {0};
    struct rw_batch *b[QT_BATCHES];
    struct timespec ms50 = {0, 50 * 1000 * 1000};
    pthread_t t;

    w.q = rw_queue_new(1, QT_BATCHES, QT_BYTES);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w.q);
    for (size_t i = 0; i < QT_BATCHES; i++) {
        b[i] = rw_queue_get_empty(w.q);
        b[i]->used = 1;
        rw_queue_put_full(w.q, 0, b[i]);
    }
    CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, qt_wait_empty, &w), 0);
    nanosleep(&ms50, NULL);
    CU_ASSERT_EQUAL(__atomic_load_n(&w.done, __ATOMIC_SEQ_CST), 0); /* still waiting */
    /* The consumer gives the oldest back: the producer gets exactly that one. */
    CU_ASSERT_PTR_EQUAL(rw_queue_get_full(w.q, 0), b[0]);
    rw_queue_put_empty(w.q, b[0]);
    pthread_join(t, NULL);
    CU_ASSERT_EQUAL(w.done, 1);
    CU_ASSERT_PTR_EQUAL(w.got, b[0]);
    CU_ASSERT_EQUAL(w.got->used, 0);
    rw_queue_put_full(w.q, 0, w.got);
    for (size_t i = 0; i < QT_BATCHES; i++)
        rw_queue_put_empty(w.q, rw_queue_get_full(w.q, 0));
    rw_queue_free(&w.q);
}

static void test_queue_new_survives_every_allocation_failure(void)
{
    unsigned long n;

    CU_ASSERT_PTR_NULL(rw_queue_new(0, 4, 64));
    CU_ASSERT_PTR_NULL(rw_queue_new(1, 0, 64));
    CU_ASSERT_PTR_NULL(rw_queue_new(1, 4, 0));
    CU_ASSERT_PTR_NULL(rw_queue_new(SIZE_MAX / 2, 4, 64));
    for (n = 1;; n++) {
        struct rw_queue *q;

        rw_alloc_hook_set(n);
        q = rw_queue_new(2, QT_BATCHES, QT_BYTES);
        rw_alloc_hook_set(0);
        if (q != NULL) {
            rw_queue_free(&q);
            break;
        }
    }
    /* Seven allocations (the queue with its lines, three arrays, each batch): failing any
     * of them gives
     * NULL and frees the rest; the walk first gets a queue when the eighth would fail. */
    CU_ASSERT_EQUAL(n, 4 + QT_BATCHES + 1);
}

/* A producer that found the pool out resumes only once a quarter of it is back (8
 * batches: 2), so it fills several batches per wake-up rather than one. */
static void test_queue_producer_resumes_at_a_quarter(void)
{
    struct qt_waiter w = {0};
    struct rw_batch *b[8];
    struct timespec ms50 = {0, 50 * 1000 * 1000};
    pthread_t t;

    w.q = rw_queue_new(1, 8, QT_BYTES);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w.q);
    for (size_t i = 0; i < 8; i++) {
        b[i] = rw_queue_get_empty(w.q);
        b[i]->used = 1;
        rw_queue_put_full(w.q, 0, b[i]);
    }
    CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, qt_wait_empty, &w), 0);
    nanosleep(&ms50, NULL);
    rw_queue_put_empty(w.q, rw_queue_get_full(w.q, 0)); /* one back: not yet */
    nanosleep(&ms50, NULL);
    CU_ASSERT_EQUAL(__atomic_load_n(&w.done, __ATOMIC_SEQ_CST), 0);
    rw_queue_put_empty(w.q, rw_queue_get_full(w.q, 0)); /* two: the producer goes on */
    pthread_join(t, NULL);
    CU_ASSERT_PTR_EQUAL(w.got, b[0]);
    /* The second one is there at once. */
    CU_ASSERT_PTR_EQUAL(rw_queue_get_empty(w.q), b[1]);
    rw_queue_put_empty(w.q, b[0]);
    rw_queue_put_empty(w.q, b[1]);
    for (size_t i = 2; i < 8; i++)
        rw_queue_put_empty(w.q, rw_queue_get_full(w.q, 0));
    rw_queue_free(&w.q);
}

struct qt_starver {
    struct rw_queue *q;
    struct rw_batch *got;
};

static void *qt_wait_full_1(void *arg)
{
    struct qt_starver *s = arg;

    s->got = rw_queue_get_full(s->q, 1);
    return NULL;
}

/* ... but a consumer out of work lets it go on with a single batch back; meanwhile the
 * consumer shows as starving (the producer hands it a partly filled batch) until a batch
 * is sent to it. */
static void test_queue_starving_consumer_wakes_the_producer(void)
{
    struct qt_waiter w = {0};
    struct qt_starver st = {0};
    struct rw_batch *b[8];
    struct timespec ms50 = {0, 50 * 1000 * 1000};
    pthread_t t, ts;

    w.q = rw_queue_new(2, 8, QT_BYTES);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w.q);
    st.q = w.q;
    for (size_t i = 0; i < 8; i++) {
        b[i] = rw_queue_get_empty(w.q);
        rw_queue_put_full(w.q, 0, b[i]);
    }
    CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, qt_wait_empty, &w), 0);
    nanosleep(&ms50, NULL);
    rw_queue_put_empty(w.q, rw_queue_get_full(w.q, 0)); /* one back: not yet */
    nanosleep(&ms50, NULL);
    CU_ASSERT_EQUAL(__atomic_load_n(&w.done, __ATOMIC_SEQ_CST), 0);
    /* Consumer 1 runs out of work: the producer takes the one batch back and fills it. */
    size_t left = 7;

    CU_ASSERT_EQUAL_FATAL(pthread_create(&ts, NULL, qt_wait_full_1, &st), 0);
    nanosleep(&ms50, NULL);
    CU_ASSERT_EQUAL(__atomic_load_n(&w.done, __ATOMIC_SEQ_CST), 1);
    CU_ASSERT_EQUAL(rw_queue_starving(w.q, 1), 1); /* waits, nothing sent to it yet */
    CU_ASSERT_EQUAL(rw_queue_starving(w.q, 0), 0);
    if (!__atomic_load_n(&w.done, __ATOMIC_SEQ_CST)) { /* failed: let it go, do not hang */
        rw_queue_put_empty(w.q, rw_queue_get_full(w.q, 0));
        left--;
    }
    pthread_join(t, NULL);
    CU_ASSERT_PTR_EQUAL(w.got, b[0]);
    rw_queue_put_full(w.q, 1, w.got);
    CU_ASSERT_EQUAL(rw_queue_starving(w.q, 1), 0); /* a batch is on its way */
    pthread_join(ts, NULL);
    CU_ASSERT_PTR_EQUAL(st.got, w.got);
    rw_queue_put_empty(w.q, st.got);
    for (size_t i = 0; i < left; i++)
        rw_queue_put_empty(w.q, rw_queue_get_full(w.q, 0));
    rw_queue_free(&w.q);
}

/* Two consumers share the pool: one that takes nothing may hold every batch but the
 * last, and the producer still gets that one for the other consumer at once (no waiting
 * behind the slow consumer's share); the lines keep their batches apart, in order. */
static void test_queue_slow_consumer_does_not_starve_the_other(void)
{
    struct rw_queue *q = rw_queue_new(2, QT_BATCHES, QT_BYTES);
    struct rw_batch *b[QT_BATCHES];

    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    for (size_t i = 0; i + 1 < QT_BATCHES; i++) {
        b[i] = rw_queue_get_empty(q);
        b[i]->used = 1 + i;
        rw_queue_put_full(q, 0, b[i]);
    }
    b[QT_BATCHES - 1] = rw_queue_get_empty(q); /* the last one: no wait */
    b[QT_BATCHES - 1]->used = 9;
    rw_queue_put_full(q, 1, b[QT_BATCHES - 1]);
    CU_ASSERT_PTR_EQUAL(rw_queue_get_full(q, 1), b[QT_BATCHES - 1]);
    CU_ASSERT_EQUAL(b[QT_BATCHES - 1]->used, 9);
    rw_queue_put_empty(q, b[QT_BATCHES - 1]);
    CU_ASSERT_EQUAL(b[QT_BATCHES - 1]->used, 0);
    /* Consumer 0's line gives its batches in the order sent, none of consumer 1's. */
    for (size_t i = 0; i + 1 < QT_BATCHES; i++) {
        struct rw_batch *got = rw_queue_get_full(q, 0);

        CU_ASSERT_PTR_EQUAL(got, b[i]);
        CU_ASSERT_EQUAL(got->used, 1 + i);
        rw_queue_put_empty(q, got);
    }
    /* Every batch is back in the pool: the producer gets them all without waiting. */
    for (size_t i = 0; i < QT_BATCHES; i++)
        b[i] = rw_queue_get_empty(q);
    for (size_t i = 0; i < QT_BATCHES; i++)
        rw_queue_put_empty(q, b[i]);
    rw_queue_free(&q);
}

/* ---- worker engines -------------------------------------------------------------------- */

/* An output several threads write to at once: counts lines by sid and type. */
struct wk_out {
    pthread_mutex_t mu;
    size_t lines, alerts, flows;
    char last_alert[4096];
    char stats[4096];
};

static int wk_write(void *ctx, const char *line, size_t len)
{
    struct wk_out *o = ctx;

    pthread_mutex_lock(&o->mu);
    o->lines++;
    if (strstr(line, "\"event_type\":\"alert\"") != NULL) {
        o->alerts++;
        snprintf(o->last_alert, sizeof(o->last_alert), "%.*s", (int)len, line);
    } else if (strstr(line, "\"event_type\":\"flow\"") != NULL) {
        o->flows++;
    } else if (strstr(line, "\"event_type\":\"stats\"") != NULL) {
        snprintf(o->stats, sizeof(o->stats), "%.*s", (int)len, line);
    }
    pthread_mutex_unlock(&o->mu);
    return 0;
}

/* A closed TCP flow 192.0.2.<c>:<sport> -> 198.51.100.2:443 with some payload. */
static struct rw_flow_info wk_flow(uint8_t c, uint16_t sport)
{
    struct rw_flow_info fi;

    memset(&fi, 0, sizeof(fi));
    fi.key.src = (struct rw_addr){.family = 4, .a = {192, 0, 2, c}};
    fi.key.dst = (struct rw_addr){.family = 4, .a = {198, 51, 100, 2}};
    fi.key.sport = sport;
    fi.key.dport = 443;
    fi.key.proto = IPPROTO_TCP;
    fi.flow_id = (uint64_t)c << 16 | sport;
    fi.start_us = 1710406800000000ULL;
    fi.last_us = 1710406801000000ULL;
    fi.pkts[RW_TOSERVER] = 3;
    fi.payload[RW_TOSERVER] = 100;
    fi.state = RW_FLOW_CLOSED;
    fi.reason = RW_END_TIMEOUT;
    return fi;
}

static void wk_one_flow(struct rw_engine *e, uint8_t c, uint16_t sport)
{
    struct rw_flow_info fi = wk_flow(c, sport);
    struct rw_flow *f = rw_engine_flow_new(e, &fi);

    rw_engine_flow_end(e, &f, &fi);
}

/* A worker shares the owner's rules and output, follows its reloads, and is refused the
 * owner's jobs; the owner's stats count the worker's alerts. */
static void test_worker_shares_rules_follows_reloads_and_counts_in_stats(void)
{
    char dir[] = "/tmp/rw_workers_XXXXXX";
    struct wk_out o = {.mu = PTHREAD_MUTEX_INITIALIZER};
    struct rw_output out = {.ctx = &o, .write = wk_write};
    struct rw_engine_config cfg = {0};
    struct rw_diag *d = rw_diag_new();
    struct rw_engine *e, *w, *ww;
    char one[512];
    int err = -99;

    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(one, sizeof(one), "%s", rw_test_write(dir, "one.yaml",
        "vars: {home_net: [192.0.2.0/24]}\n"
        "lists: {flag: {cidrs: [198.51.100.0/24]}}\n"
        "rules:\n"
        "  - {sid: 1, msg: first set, level: flow, match: {dst: [flag]}}\n"));
    cfg.rules_path = one;
    e = rw_engine_new(&cfg, &out, d, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    w = rw_engine_worker_new(e, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    CU_ASSERT_EQUAL(err, 0);
    ww = rw_engine_worker_new(w, &err);
    CU_ASSERT_PTR_NULL(ww);
    CU_ASSERT_EQUAL(err, RW_EINVAL);
    CU_ASSERT_EQUAL(rw_engine_reload(w, &cfg, d), RW_EINVAL);

    wk_one_flow(w, 1, 40000);
    CU_ASSERT_EQUAL(o.alerts, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.last_alert, "\"signature_id\":1,"));
    CU_ASSERT_EQUAL(o.flows, 1);

    cfg.rules_path = rw_test_write(dir, "two.yaml",
        "vars: {home_net: [192.0.2.0/24]}\n"
        "lists: {flag: {cidrs: [198.51.100.0/24]}}\n"
        "rules:\n"
        "  - {sid: 2, msg: second set, level: flow, match: {dst: [flag]}}\n");
    CU_ASSERT_EQUAL_FATAL(rw_engine_reload(e, &cfg, d), 0);
    wk_one_flow(w, 1, 40001);
    CU_ASSERT_EQUAL(o.alerts, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.last_alert, "\"signature_id\":2,"));
    wk_one_flow(e, 1, 40002);
    CU_ASSERT_EQUAL(o.alerts, 3);

    rw_engine_stats(e, 1710406802000000ULL, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.stats, "\"detect\":{\"alert\":3,"));
    /* The owner frees a worker still registered with it (no leak under ASan). */
    rw_engine_free(&e);
    rw_diag_free(&d);
    remove(one);
    remove(cfg.rules_path);
    rmdir(dir);
}

enum { WK_THREADS = 4, WK_FLOWS = 300 };

struct wk_thread {
    struct rw_engine *e;
    uint8_t client;
};

static void *wk_feed(void *arg)
{
    struct wk_thread *t = arg;

    for (uint16_t i = 0; i < WK_FLOWS; i++)
        wk_one_flow(t->e, t->client, (uint16_t)(30000 + i));
    return NULL;
}

/* Four threads feed their own worker engines at once; the detector they share applies one
 * threshold across all of them (limit 5 per destination: exactly 5 alerts of 1200 matches),
 * and every record arrives. */
static void test_workers_share_one_threshold_across_threads(void)
{
    char dir[] = "/tmp/rw_workers_XXXXXX";
    struct wk_out o = {.mu = PTHREAD_MUTEX_INITIALIZER};
    struct rw_output out = {.ctx = &o, .write = wk_write};
    struct rw_engine_config cfg = {0};
    struct rw_diag *d = rw_diag_new();
    struct wk_thread t[WK_THREADS];
    pthread_t tid[WK_THREADS];
    struct rw_engine *e;
    int err = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    cfg.rules_path = rw_test_write(dir, "limit.yaml",
        "vars: {home_net: [192.0.2.0/24]}\n"
        "lists: {flag: {cidrs: [198.51.100.0/24]}}\n"
        "rules:\n"
        "  - {sid: 7, msg: limited, level: flow, match: {dst: [flag]},\n"
        "     threshold: {type: limit, track: by_dst, count: 5, seconds: 3600}}\n");
    e = rw_engine_new(&cfg, &out, d, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    for (size_t i = 0; i < WK_THREADS; i++) {
        t[i].e = i == 0 ? e : rw_engine_worker_new(e, &err);
        t[i].client = (uint8_t)(10 + i);
        CU_ASSERT_PTR_NOT_NULL_FATAL(t[i].e);
    }
    for (size_t i = 0; i < WK_THREADS; i++)
        CU_ASSERT_EQUAL_FATAL(pthread_create(&tid[i], NULL, wk_feed, &t[i]), 0);
    for (size_t i = 0; i < WK_THREADS; i++)
        pthread_join(tid[i], NULL);
    CU_ASSERT_EQUAL(o.alerts, 5);
    CU_ASSERT_EQUAL(o.flows, WK_THREADS * WK_FLOWS);
    rw_engine_stats(e, 1710406802000000ULL, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.stats, "\"detect\":{\"alert\":5,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o.stats, "\"alerts_suppressed\":1195"));
    for (size_t i = WK_THREADS; i-- > 1;)
        rw_engine_free(&t[i].e);
    rw_engine_free(&e);
    rw_diag_free(&d);
    remove(cfg.rules_path);
    rmdir(dir);
}

static CU_TestInfo worker_tests[] = {
    {"queue_keeps_order_across_threads", test_queue_keeps_order_across_threads},
    {"queue_producer_waits_when_all_batches_are_out",
     test_queue_producer_waits_when_all_batches_are_out},
    {"queue_new_survives_every_allocation_failure",
     test_queue_new_survives_every_allocation_failure},
    {"queue_producer_resumes_at_a_quarter", test_queue_producer_resumes_at_a_quarter},
    {"queue_starving_consumer_wakes_the_producer",
     test_queue_starving_consumer_wakes_the_producer},
    {"queue_slow_consumer_does_not_starve_the_other",
     test_queue_slow_consumer_does_not_starve_the_other},
    {"worker_shares_rules_follows_reloads_and_counts_in_stats",
     test_worker_shares_rules_follows_reloads_and_counts_in_stats},
    {"workers_share_one_threshold_across_threads",
     test_workers_share_one_threshold_across_threads},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rw_suites_workers[] = {
    {"workers", NULL, NULL, NULL, NULL, worker_tests},
    CU_SUITE_INFO_NULL,
};
