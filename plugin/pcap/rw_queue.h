/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_queue.h — a bounded queue of packet batches from the reader thread to one worker. */
#ifndef RW_QUEUE_H
#define RW_QUEUE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The standalone host's replay with --workers: one reader thread decodes packets and
 * appends each to the batch of the worker its flow belongs to; a full batch goes to the
 * worker, which hands it back empty. A queue owns a fixed number of batches of a fixed
 * size, allocated at creation: memory is bounded and nothing is allocated per packet.
 * The reader waits when all its batches are at the worker (the worker is behind); the
 * worker waits when it has none. One producer and one consumer per queue; the lock is
 * taken once per batch, not per packet.
 */

/* One batch: used bytes of data[] hold messages the two sides agree on. data[] is
 * 8-byte aligned and cap bytes long. */
struct rw_batch {
    size_t used;
    size_t cap;
    _Alignas(8) uint8_t data[];
};

struct rw_queue;

/* rw_queue_new allocates nbatches (>= 1) batches of batch_bytes each; NULL on OOM. */
struct rw_queue *rw_queue_new(size_t nbatches, size_t batch_bytes);

/* rw_queue_free frees the queue and all its batches; *qp is set to NULL. The batches
 * must all be back (no thread uses the queue any more). */
void rw_queue_free(struct rw_queue **qp);

/* Producer: an empty batch (used 0), waiting until the consumer returns one. */
struct rw_batch *rw_queue_get_empty(struct rw_queue *q);

/* Producer: hands b to the consumer. Never waits. */
void rw_queue_put_full(struct rw_queue *q, struct rw_batch *b);

/* Consumer: the oldest full batch, waiting until there is one. */
struct rw_batch *rw_queue_get_full(struct rw_queue *q);

/* Consumer: gives b back to the producer (its used is reset). */
void rw_queue_put_empty(struct rw_queue *q, struct rw_batch *b);

#endif
