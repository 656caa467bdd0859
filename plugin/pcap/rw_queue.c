/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_queue.c — bounded batch pool between the reader thread and its workers. */
#include "rw_queue.h"

#include <pthread.h>

#include "rw.h"

/* A ring of batch pointers; each holds at most n (the queue's batch count) at once. */
struct queue_ring {
    struct rw_batch **slot;
    size_t head, count;
};

/* One consumer's line of full batches and the condition it waits on. */
struct queue_line {
    struct queue_ring full;
    pthread_cond_t have_full;
    int waiting;              /* atomic: the consumer waits and nothing is on its way */
};

struct rw_queue {
    pthread_mutex_t mu;
    pthread_cond_t have_empty;
    size_t n;                 /* batches */
    size_t nc;                /* consumers */
    size_t low;               /* a waiting producer resumes with this many empty... */
    size_t starving;          /* ...or with one, when a consumer waits for work */
    int producer_waits;
    struct queue_ring empty;  /* the pool */
    struct rw_batch **all;    /* every batch, for freeing */
    struct rw_batch **slots;  /* the lines' slots: n for each */
    struct queue_line line[]; /* nc of them */
};

static void ring_push(struct queue_ring *r, size_t n, struct rw_batch *b)
{
    r->slot[(r->head + r->count) % n] = b;
    r->count++;
}

static struct rw_batch *ring_pop(struct queue_ring *r, size_t n)
{
    struct rw_batch *b = r->slot[r->head];

    r->head = (r->head + 1) % n;
    r->count--;
    return b;
}

struct rw_queue *rw_queue_new(size_t nconsumers, size_t nbatches, size_t batch_bytes)
{
    struct rw_queue *q;

    if (nconsumers == 0 || nbatches == 0 || batch_bytes == 0 ||
        nconsumers > (SIZE_MAX - sizeof(*q)) / sizeof(q->line[0]) / nbatches)
        return NULL;
    q = rw_calloc(1, sizeof(*q) + nconsumers * sizeof(q->line[0]));
    if (q == NULL)
        return NULL;
    q->n = nbatches;
    q->nc = nconsumers;
    q->low = nbatches / 4 > 0 ? nbatches / 4 : 1;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->have_empty, NULL);
    for (size_t c = 0; c < nconsumers; c++)
        pthread_cond_init(&q->line[c].have_full, NULL);
    q->all = rw_calloc(nbatches, sizeof(*q->all));
    q->empty.slot = rw_calloc(nbatches, sizeof(*q->empty.slot));
    q->slots = rw_calloc(nconsumers * nbatches, sizeof(*q->slots));
    if (q->all == NULL || q->empty.slot == NULL || q->slots == NULL) {
        rw_queue_free(&q);
        return NULL;
    }
    for (size_t c = 0; c < nconsumers; c++)
        q->line[c].full.slot = q->slots + c * nbatches;
    for (size_t i = 0; i < nbatches; i++) {
        struct rw_batch *b = rw_malloc(sizeof(*b) + batch_bytes);

        if (b == NULL) {
            rw_queue_free(&q);
            return NULL;
        }
        b->used = 0;
        b->cap = batch_bytes;
        q->all[i] = b;
        ring_push(&q->empty, q->n, b);
    }
    return q;
}

void rw_queue_free(struct rw_queue **qp)
{
    struct rw_queue *q;

    if (qp == NULL || *qp == NULL)
        return;
    q = *qp;
    for (size_t i = 0; q->all != NULL && i < q->n; i++)
        rw_free(q->all[i]);
    rw_free(q->all);
    rw_free(q->empty.slot);
    rw_free(q->slots);
    for (size_t c = 0; c < q->nc; c++)
        pthread_cond_destroy(&q->line[c].have_full);
    pthread_cond_destroy(&q->have_empty);
    pthread_mutex_destroy(&q->mu);
    rw_free(q);
    *qp = NULL;
}

struct rw_batch *rw_queue_get_empty(struct rw_queue *q)
{
    struct rw_batch *b;

    pthread_mutex_lock(&q->mu);
    if (q->empty.count == 0) {
        q->producer_waits = 1;
        while (q->empty.count == 0 || (q->empty.count < q->low && q->starving == 0))
            pthread_cond_wait(&q->have_empty, &q->mu);
        q->producer_waits = 0;
    }
    b = ring_pop(&q->empty, q->n);
    pthread_mutex_unlock(&q->mu);
    return b;
}

void rw_queue_put_full(struct rw_queue *q, size_t c, struct rw_batch *b)
{
    pthread_mutex_lock(&q->mu);
    ring_push(&q->line[c].full, q->n, b);
    /* It has work now: one early hand-off per dry spell, not one per packet until the
     * consumer is scheduled. */
    __atomic_store_n(&q->line[c].waiting, 0, __ATOMIC_RELAXED);
    pthread_cond_signal(&q->line[c].have_full);
    pthread_mutex_unlock(&q->mu);
}

struct rw_batch *rw_queue_get_full(struct rw_queue *q, size_t c)
{
    struct rw_batch *b;

    pthread_mutex_lock(&q->mu);
    if (q->line[c].full.count == 0) {
        /* Out of work while the producer waits for a quarter of the pool: it should go on
         * with what is back already. */
        q->starving++;
        __atomic_store_n(&q->line[c].waiting, 1, __ATOMIC_RELAXED);
        if (q->producer_waits && q->empty.count > 0)
            pthread_cond_signal(&q->have_empty);
        while (q->line[c].full.count == 0)
            pthread_cond_wait(&q->line[c].have_full, &q->mu);
        __atomic_store_n(&q->line[c].waiting, 0, __ATOMIC_RELAXED);
        q->starving--;
    }
    b = ring_pop(&q->line[c].full, q->n);
    pthread_mutex_unlock(&q->mu);
    return b;
}

int rw_queue_starving(const struct rw_queue *q, size_t c)
{
    return __atomic_load_n(&q->line[c].waiting, __ATOMIC_RELAXED);
}

void rw_queue_put_empty(struct rw_queue *q, struct rw_batch *b)
{
    b->used = 0;
    pthread_mutex_lock(&q->mu);
    ring_push(&q->empty, q->n, b);
    if (q->producer_waits && (q->empty.count == q->low || q->starving > 0))
        pthread_cond_signal(&q->have_empty);
    pthread_mutex_unlock(&q->mu);
}
