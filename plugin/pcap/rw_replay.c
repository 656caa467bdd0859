/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_replay.c — the standalone host's replay of capture files and directories: the reader
 * (decodes every packet, keeps the packet clock and the periodic stats on it) and, with
 * --workers N > 1, the batches it hands each worker thread and the workers' loop. */
#include <errno.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rw.h"
#include "rw_capture.h"
#include "rw_decode.h"
#include "rw_evefile.h"
#include "rw_flowtable.h"
#include "rw_host_int.h"
#include "rw_queue.h"

/* ---- replay with worker threads: batches of messages ------------------------------------ */

/* Batches per worker and their size: a message is at most a header and one packet's
 * layer-3 bytes (a snaplen of at most 256 KiB). 8 x 512 KiB per worker in one pool that
 * all workers share (rw_queue.h), fixed. */
enum { HOST_BATCHES = 8, HOST_BATCH_BYTES = 512 * 1024 };

enum { MSG_PACKET = 1, MSG_CLOCK, MSG_PAUSE, MSG_END };

/* One message in a batch; a packet's layer-3 bytes follow it. Sizes are rounded up to 8. */
struct host_msg {
    uint32_t kind;
    uint32_t size;         /* this message, header included */
    uint64_t ts_us;        /* the packet clock */
    uint32_t payload_off;  /* MSG_PACKET: the payload's offset from the layer-3 header */
    struct rw_decoded d;   /* MSG_PACKET: l3 and payload are rebuilt by the worker */
};

/* The reader's clock message interval: idle flows of a worker that gets no packets for a
 * while still end on time (to within this much packet time). */
#define HOST_CLOCK_TICK_US 1000000u

/* A symmetric hash of the address pair: both directions, and every flow between the
 * same two hosts, go to one worker. */
static size_t host_shard(const struct host *h, const struct rw_flow_key *k)
{
    uint64_t x = 0, y = 0, v;

    for (int i = 0; i < 16; i += 8) {
        uint64_t a, b;

        memcpy(&a, k->src.a + i, 8);
        memcpy(&b, k->dst.a + i, 8);
        x ^= a;
        y ^= b;
    }
    v = x ^ y; /* symmetric: xor does not care which side is which */
    v ^= v >> 33;
    v *= 0xff51afd7ed558ccdULL;
    v ^= v >> 33;
    v *= 0xc4ceb9fe1a85ec53ULL;
    v ^= v >> 33;
    return (size_t)(v % h->nw);
}

static void host_flush_batch(struct worker *w)
{
    if (w->cur != NULL && w->cur->used > 0) {
        rw_queue_put_full(w->q, w->idx, w->cur);
        w->cur = NULL;
    }
}

/* Room for a message of size bytes in w's batch; hands a full one over first. */
static struct host_msg *host_msg_room(struct worker *w, uint32_t size)
{
    if (w->cur != NULL && w->cur->used + size > w->cur->cap)
        host_flush_batch(w);
    if (w->cur == NULL)
        w->cur = rw_queue_get_empty(w->q);
    w->cur->used += size;
    return (struct host_msg *)(void *)(w->cur->data + w->cur->used - size);
}

static void host_send(struct worker *w, uint32_t kind, uint64_t ts_us)
{
    struct host_msg *m = host_msg_room(w, (uint32_t)sizeof(struct host_msg));

    memset(m, 0, sizeof(*m));
    m->kind = kind;
    m->size = (uint32_t)sizeof(struct host_msg);
    m->ts_us = ts_us;
}

static void host_dispatch(struct host *h, const struct rw_decoded *d)
{
    struct worker *w = &h->w[host_shard(h, &d->key)];
    size_t body = d->l3_len;
    uint32_t size;
    struct host_msg *m;

    /* The payload lies inside the layer-3 bytes the decoder kept; copy to its end. */
    if (d->payload_len > 0 && d->payload >= d->l3 &&
        (size_t)(d->payload - d->l3) + d->payload_len > body)
        body = (size_t)(d->payload - d->l3) + d->payload_len;
    size = (uint32_t)((sizeof(*m) + body + 7) & ~(size_t)7);
    m = host_msg_room(w, size);
    m->kind = MSG_PACKET;
    m->size = size;
    m->ts_us = h->now_us;
    h->sent_us = h->now_us;
    m->d = *d;
    m->payload_off = d->payload_len > 0 ? (uint32_t)(d->payload - d->l3) : 0;
    memcpy(m + 1, d->l3, body);
    /* A worker that ran out of work gets what is there now: while the traffic is another
     * worker's its batch would take long to fill (docs/performance.md, round three). */
    for (size_t i = 0; i < h->nw; i++)
        if (h->w[i].cur != NULL && rw_queue_starving(h->q, i))
            host_flush_batch(&h->w[i]);
}

/* Replay: every worker pauses once it has worked off what was handed to it so far
 * (host_quiesce, rw_host.c, then waits for them all). */
void rw_replay_pause(struct host *h)
{
    for (size_t i = 0; i < h->nw; i++) {
        host_send(&h->w[i], MSG_PAUSE, h->sent_us);
        host_flush_batch(&h->w[i]);
    }
}

/* How far ahead of the message it works on a worker prefetches its batch. The reader wrote
 * the batch on another core a few hundred KiB ago: without this the first load of every
 * message header missed the cache (most of a two-worker replay's extra CPU time,
 * docs/performance.md "Workers, round three"). A packet's flow work takes about a
 * microsecond, long enough for the lines of the next few packets to arrive. */
#define HOST_PREFETCH_BYTES 4096u

static void *worker_replay_main(void *arg)
{
    struct worker *w = arg;
    int done = 0;

    while (!done) {
        struct rw_batch *b = rw_queue_get_full(w->q, w->idx);
        size_t pf = 0; /* the batch is prefetched up to here */

        for (size_t off = 0; off < b->used;) {
            struct host_msg *m = (struct host_msg *)(void *)(b->data + off);
            struct rw_decoded d;
            size_t pf_end = off + HOST_PREFETCH_BYTES < b->used ? off + HOST_PREFETCH_BYTES
                                                                : b->used;

            for (; pf < pf_end; pf += 64)
                __builtin_prefetch(b->data + pf, 0, 3);

            switch (m->kind) {
            case MSG_PACKET:
                d = m->d;
                d.l3 = (const uint8_t *)(m + 1);
                d.payload = d.l3 + m->payload_off;
                rw_host_worker_packet(w, &d, m->ts_us);
                break;
            case MSG_CLOCK:
                if (m->ts_us > w->now_us)
                    w->now_us = m->ts_us;
                rw_flowtable_expire(w->ft, w->now_us);
                break;
            case MSG_PAUSE:
                /* As one thread would be here: idle flows ended up to the last packet. */
                if (m->ts_us > w->now_us)
                    w->now_us = m->ts_us;
                rw_flowtable_expire(w->ft, w->now_us);
                rw_host_worker_pause(w->h);
                break;
            default:
                /* MSG_END: flows still open end now, on this thread, while the other
                 * workers end theirs (the main thread's flush then finds none). */
                rw_flowtable_flush(w->ft, RW_END_SHUTDOWN);
                done = 1;
                break;
            }
            off += m->size;
        }
        rw_queue_put_empty(w->q, b);
    }
    return NULL;
}

/* Ends the replay threads: every batch is worked off, then each thread ends the flows
 * still open (reason shutdown, in parallel) and returns. Their clocks are brought to the
 * last packet's first, so flows idle by then end as timed out, as with one thread. */
static void host_stop_replay_threads(struct host *h)
{
    if (!h->threads)
        return;
    for (size_t i = 0; i < h->nw; i++) {
        host_send(&h->w[i], MSG_CLOCK, h->sent_us);
        host_send(&h->w[i], MSG_END, h->sent_us);
        host_flush_batch(&h->w[i]);
    }
    for (size_t i = 0; i < h->nw; i++)
        if (h->w[i].started)
            pthread_join(h->w[i].thread, NULL);
    h->threads = 0;
}

/*
 * Replay: periodic stats on packet time. The first packet starts the clock; a record is
 * due at every multiple of the interval after it and is written, stamped with that
 * boundary, before the first packet at or past it is counted: a quiet stretch of capture
 * still gets one record per interval, as a live sensor's would. A jump in packet time
 * past more than RW_STATS_CATCHUP_MAX boundaries (a capture from another day, a bad
 * clock) writes only the latest one, so a hostile timestamp cannot make a flood.
 */
#define RW_STATS_CATCHUP_MAX 1000

static void host_stats_tick_packet(struct host *h)
{
    uint64_t iv = (uint64_t)h->o->stats_interval_sec * 1000000u;
    uint64_t due;

    if (iv == 0)
        return;
    if (!h->stats_started) {
        h->stats_started = 1;
        h->stats_next_us = h->now_us + iv;
        return;
    }
    if (h->now_us < h->stats_next_us)
        return;
    due = (h->now_us - h->stats_next_us) / iv + 1;
    if (due > RW_STATS_CATCHUP_MAX) {
        h->stats_next_us += (due - 1) * iv;
        due = 1;
    }
    for (; due > 0; due--) {
        rw_host_write_stats_at(h, h->stats_next_us);
        h->stats_next_us += iv;
    }
}

/* Replay: reader side. Decodes, then does the flow work itself (one worker) or hands the
 * packet to its worker. */
static void host_packet(struct host *h, int dlt, const struct pcap_pkthdr *hdr,
                        const uint8_t *data)
{
    struct rw_decoded d;
    uint64_t ts;

    ts = hdr->ts.tv_sec < 0 ? 0 : (uint64_t)hdr->ts.tv_sec * 1000000u + (uint64_t)hdr->ts.tv_usec;
    /* The flow clock never runs backwards, so expiry stays ordered across files. */
    if (ts > h->now_us)
        h->now_us = ts;
    host_stats_tick_packet(h);
    h->pkts++;
    if (rw_decode_packet(&h->dstats, dlt, data, hdr->caplen, hdr->len, &d) != 1)
        return;
    if (!h->threads) {
        rw_host_worker_packet(&h->w[0], &d, h->now_us);
        return;
    }
    if (h->now_us >= h->next_tick_us) {
        for (size_t i = 0; i < h->nw && h->next_tick_us != 0; i++)
            host_send(&h->w[i], MSG_CLOCK, h->now_us);
        h->next_tick_us = h->now_us + HOST_CLOCK_TICK_US;
    }
    host_dispatch(h, &d);
}

/* Reads one capture to its end (or to a stop signal). Returns 0, or -1 when it could not
 * be opened. A read error in the middle is reported and counted; what was read counts. */
static int host_read_file(struct host *h, const char *path, struct rw_progress *pr)
{
    char err[PCAP_ERRBUF_SIZE + 256];
    struct pcap_pkthdr *hdr;
    const u_char *data;
    pcap_t *p;
    FILE *fp;
    uint64_t n = 0;
    int dlt, rc;

    p = rw_capture_open_file_buffered(path, h->readbuf, h->readbuf != NULL ?
                                      RW_CAPTURE_FILE_BUFFER_BYTES : 0, err, sizeof(err));
    if (p == NULL) {
        fprintf(stderr, "reelwatch: %s\n", err);
        h->capture_errors++;
        return -1;
    }
    if (rw_capture_set_filter(p, h->o->bpf, err, sizeof(err)) != 0) {
        fprintf(stderr, "reelwatch: %s\n", err);
        pcap_close(p);
        h->capture_errors++;
        return -1;
    }
    dlt = pcap_datalink(p);
    if (!rw_decode_linktype_supported(dlt))
        fprintf(stderr, "reelwatch: warning: %s: link type %d (%s) is not decoded; its packets "
                        "are counted as invalid\n", path, dlt,
                pcap_datalink_val_to_name(dlt) ? pcap_datalink_val_to_name(dlt) : "unknown");
    fp = pcap_file(p);
    while (!rw_host_sig_stop && !rw_evefile_failed(h->eve)) {
        rc = pcap_next_ex(p, &hdr, &data);
        if (rc == 1) {
            host_packet(h, dlt, hdr, data);
            if ((++n & 0x3ff) == 0) {
                rw_progress_update(pr, fp != NULL ? (uint64_t)ftello(fp) : 0, h->pkts);
                if (rw_host_sig_hup)
                    rw_host_handle_hup(h);
            }
            continue;
        }
        if (rc == PCAP_ERROR) {
            fprintf(stderr, "reelwatch: warning: %s: %s; read %llu packets, the rest of the "
                            "file is skipped\n", path, pcap_geterr(p), (unsigned long long)n);
            h->capture_errors++;
        }
        break;
    }
    pcap_close(p);
    return 0;
}

/* Replay with --workers > 1: one batch pool for all, a thread per worker. */
static int host_start_replay_threads(struct host *h)
{
    if (h->nw < 2)
        return 0;
    h->q = rw_queue_new(h->nw, HOST_BATCHES * h->nw, HOST_BATCH_BYTES);
    if (h->q == NULL) {
        fprintf(stderr, "reelwatch: out of memory for the worker queues\n");
        h->capture_errors++;
        return -1;
    }
    for (size_t i = 0; i < h->nw; i++) {
        h->w[i].q = h->q;
        h->w[i].idx = i;
    }
    h->threads = 1;
    for (size_t i = 0; i < h->nw; i++) {
        if (pthread_create(&h->w[i].thread, NULL, worker_replay_main, &h->w[i]) != 0) {
            fprintf(stderr, "reelwatch: cannot start worker %zu: %s\n", i, strerror(errno));
            h->capture_errors++;
            host_stop_replay_threads(h);
            return -1;
        }
        h->w[i].started = 1;
    }
    return 0;
}

/* The replay reader's loop over the inputs, and what it needs. */
struct host_reader {
    struct host *h;
    struct rw_capture_inputs *in;
    struct rw_progress *pr;
    int failed;
};

static void *host_reader_main(void *arg)
{
    struct host_reader *r = arg;
    struct host *h = r->h;

    for (size_t i = 0; i < r->in->n && !rw_host_sig_stop && !rw_evefile_failed(h->eve); i++) {
        if (h->o->verbose)
            fprintf(stderr, "reelwatch: reading %s\n", r->in->items[i].path);
        if (host_read_file(h, r->in->items[i].path, r->pr) != 0)
            r->failed = 1;
        rw_progress_file_done(r->pr, r->in->items[i].size);
    }
    return NULL;
}

int rw_replay_run_inputs(struct host *h)
{
    struct host_reader r;
    pthread_t reader;
    struct rw_capture_inputs in;
    struct rw_progress pr;
    char err[4352];
    int failed = 0;

    if (rw_capture_inputs_list(h->o->read_path, &in, err, sizeof(err)) != 0) {
        fprintf(stderr, "reelwatch: %s\n", err);
        h->capture_errors++;
        return -1;
    }
    /* Without it (no memory) files are read through stdio's small default buffer. */
    h->readbuf = rw_malloc(RW_CAPTURE_FILE_BUFFER_BYTES);
    if (host_start_replay_threads(h) != 0) {
        rw_free(h->readbuf);
        rw_capture_inputs_cleanup(&in);
        return -1;
    }
    rw_progress_init(&pr, isatty(STDERR_FILENO), in.total_bytes);
    r = (struct host_reader){.h = h, .in = &in, .pr = &pr};
    /*
     * With worker threads the reader is a thread of its own too, so that glibc gives it an
     * arena of its own: the FILE and pcap_t it writes on every packet then do not sit
     * next to what the main thread allocated for the workers at set-up (their nDPI
     * modules, written on every packet): in the main arena they did, and libpcap's store
     * of each packet header missed (docs/performance.md "Workers, round three"). If the
     * thread cannot be made, this thread reads.
     */
    if (h->threads && pthread_create(&reader, NULL, host_reader_main, &r) == 0)
        pthread_join(reader, NULL);
    else
        host_reader_main(&r);
    failed = r.failed;
    rw_progress_end(&pr);
    rw_capture_inputs_cleanup(&in);
    host_stop_replay_threads(h);
    rw_free(h->readbuf);
    h->readbuf = NULL;
    return failed ? -1 : 0;
}
