/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_queue.h — a bounded pool of packet batches from the reader thread to its workers. */
#ifndef RW_QUEUE_H
#define RW_QUEUE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The standalone host's replay with --workers: one reader thread decodes packets and
 * appends each to the batch of the worker its flow belongs to; a full batch goes to that
 * worker, which hands it back empty. A queue owns a fixed number of batches of a fixed
 * size, allocated at creation: memory is bounded and nothing is allocated per packet.
 *
 * The empty batches are one pool for all the workers (consumers); each worker has its own
 * line of full ones. A worker that falls behind for a while (its flows carry the heavy
 * part of the traffic just then) may hold all but one of the pool's batches: the reader
 * waits only when the whole pool is out, not as soon as that one worker's share is, so
 * the other workers are not starved meanwhile. With a fixed share per worker the reader
 * waited on the busy worker's queue while the idle worker had nothing to do (head-of-line
 * blocking: most of a two-worker replay's idle time, docs/performance.md "Workers, round
 * three"). One producer; one consumer per line; the lock is taken once per batch.
 */

/* One batch: used bytes of data[] hold messages the two sides agree on. data[] is
 * 8-byte aligned and cap bytes long. */
struct rw_batch {
    size_t used;
    size_t cap;
    _Alignas(8) uint8_t data[];
};

struct rw_queue;

/* rw_queue_new allocates nbatches (>= 1) batches of batch_bytes each, shared by
 * nconsumers (>= 1) lines; NULL on OOM or a zero argument. */
struct rw_queue *rw_queue_new(size_t nconsumers, size_t nbatches, size_t batch_bytes);

/* rw_queue_free frees the queue and all its batches; *qp is set to NULL. The batches
 * must all be back (no thread uses the queue any more). */
void rw_queue_free(struct rw_queue **qp);

/* Producer: an empty batch (used 0). When the pool is out it waits until a quarter of the
 * batches (at least one) are back, and then fills them one after the other without a
 * wake-up each: the reader runs on the workers' cores (two cores, three threads), and
 * every wake-up preempted a worker. It goes on with one back when a consumer has run out
 * of work meanwhile. So that this always comes, the batches the producer
 * and the consumers may keep back at once (a batch being filled for each consumer, one
 * each while it is paused) must be at most three quarters of nbatches. */
struct rw_batch *rw_queue_get_empty(struct rw_queue *q);

/* Producer: hands b to consumer c (< nconsumers), after the batches sent to it before.
 * Never waits. */
void rw_queue_put_full(struct rw_queue *q, size_t c, struct rw_batch *b);

/* Consumer c: its oldest full batch, waiting until there is one. */
struct rw_batch *rw_queue_get_full(struct rw_queue *q, size_t c);

/* Producer: whether consumer c waits for work and none was handed to it since (a hint,
 * read without the lock): the producer then hands over the batch it is filling for c
 * before it is full. */
int rw_queue_starving(const struct rw_queue *q, size_t c);

/* Consumer: gives b back to the pool (its used is reset). */
void rw_queue_put_empty(struct rw_queue *q, struct rw_batch *b);

#endif
