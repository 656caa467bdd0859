/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_host_int.h — what the standalone host's files share: the parsed options, the host and
 * its workers, and the functions main.c, rw_host.c and rw_replay.c call in one another.
 * Not part of any API: only plugin/pcap/main.c, rw_host.c and rw_replay.c include it. */
#ifndef RW_HOST_INT_H
#define RW_HOST_INT_H

#include <pcap/pcap.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rw.h"
#include "rw_capture.h"
#include "rw_decode.h"
#include "rw_evefile.h"
#include "rw_flowtable.h"
#include "rw_queue.h"

/* The command line, as main.c parsed it. */
struct host_opts {
    const char *read_path;
    const char *rules_path;
    const char *log_dir;
    struct rw_live_opts live;
    const char *sets[RW_SET_MAX];
    size_t nsets;
    int test_only;
    int verbose;
    char *bpf;
    struct rw_flowtable_config ft;
    const char *run_user;      /* --user: drop to this user after opening capture and EVE */
    const char *run_group;     /* --group: its group (default: the user's primary group) */
    uid_t run_uid;             /* resolved from run_user; only meaningful when run_user */
    gid_t run_gid;
    int stats_interval_sec;    /* --stats-interval: 0 = one stats record at the end */
    int workers;               /* --workers: flow-sharded threads (1: no threads) */
};

struct host;

/*
 * One worker: a flow table and an engine of its own (the first worker has the owner
 * engine, the others rw_engine_worker_new's). With --workers 1 the one worker runs on
 * the main thread and nothing below about threads applies.
 *
 * Replay with N > 1: the main thread reads and decodes every packet and appends it to the
 * batch of the worker its address pair hashes to (so an FTP or TFTP control flow and its
 * data flows meet in one worker, in capture order); workers take batches from their
 * queue. Live with N > 1: every worker has its own capture socket in one PACKET_FANOUT
 * group and decodes its own packets; the main thread only keeps time, stats and signals.
 */
struct worker {
    struct host *h;
    struct rw_engine *engine;
    struct rw_flowtable *ft;
    struct rw_decode_stats dstats; /* live: this worker's decoding (replay decodes in
                                    * the reader, host.dstats) */
    uint64_t now_us;               /* this worker's packet clock */
    pthread_t thread;
    int started;
    /* Replay: the reader's fields, a cache line away from the worker's: now_us is written
     * on every packet and cur read on every one (false sharing made each hand-off a miss). */
    char pad_reader[64];
    struct rw_queue *q;            /* replay: batches from the reader (host.q) */
    size_t idx;                    /* replay: this worker's line in q */
    struct rw_batch *cur;          /* replay: the batch the reader is filling */
    pcap_t *pcap;                  /* live: this worker's fanout member */
    int dlt;
    uint64_t kernel_packets, kernel_drops, kernel_ifdrops;
};

struct host {
    struct host_opts *o;
    struct rw_engine *engine;      /* the owner engine (worker 0's) */
    struct rw_engine_config ecfg;  /* kept for reloads */
    struct worker *w;              /* o->workers of them */
    size_t nw;
    struct rw_evefile *eve;
    struct rw_decode_stats dstats;
    uint64_t now_us;          /* packet clock: the latest packet time seen */
    uint64_t pkts;
    uint64_t capture_errors;  /* inputs that failed to open or stopped early */
    int stats_started;        /* replay: the first packet set the stats clock */
    uint64_t stats_next_us;   /* replay: packet time of the next periodic stats record */
    int priv_failed;          /* dropping privileges failed: exit 1 */
    /* Threads (--workers > 1): pausing every worker between packets (stats, reload) and
     * stopping them. */
    int threads;              /* 1 while worker threads run */
    pthread_mutex_t mu;
    pthread_cond_t cv_paused, cv_resume;
    size_t paused;            /* workers waiting in host_worker_pause */
    size_t exited;            /* live: worker threads that have returned */
    uint64_t resume_gen;
    int pause_req;            /* live: atomic; workers pause at their next loop */
    int stop_req;             /* live: atomic; workers return */
    uint64_t next_tick_us;    /* replay: packet time of the next clock message */
    uint64_t sent_us;         /* replay: clock of the last packet handed to a worker */
    char *readbuf;            /* replay: the capture files' stdio buffer (NULL: stdio's) */
    struct rw_queue *q;       /* replay with threads: the workers' batch pool */
};

/* --- rw_host.c: signals, workers, per-packet flow work, pausing, stats, live capture ---- */

/* Signal flags: the only globals, as signal handlers need (set by rw_host_setup_signals's
 * handlers, read between packets). */
extern volatile sig_atomic_t rw_host_sig_stop;
extern volatile sig_atomic_t rw_host_sig_hup;

/* SIGINT and SIGTERM set rw_host_sig_stop, SIGHUP rw_host_sig_hup; SIGPIPE is ignored.
 * Returns 0, or -1 with errno. */
int rw_host_setup_signals(void);
/* The workers' flow tables and engines (o->workers of them); -1 after a message. */
int rw_host_setup_workers(struct host *h);
/* Frees what rw_host_setup_workers made; flows still open end with reason shutdown. */
void rw_host_free_workers(struct host *h);
/* A decoded packet's flow work, on the worker that owns its flow, at packet clock now_us. */
void rw_host_worker_packet(struct worker *w, const struct rw_decoded *d, uint64_t now_us);
/* A worker thread waits here, between two packets, until the main thread resumes it. */
void rw_host_worker_pause(struct host *h);
/* SIGHUP, between two packets: reopen eve.json and reload the rules. */
void rw_host_handle_hup(struct host *h);
/* Drops root for --user once the capture and eve.json are open; -1 after a message. */
int rw_host_drop_privileges(struct host *h);
/* Live capture with one worker, on this thread; with worker threads (PACKET_FANOUT). */
int rw_host_run_live(struct host *h);
int rw_host_run_live_workers(struct host *h);
/* One stats record stamped ts_us; at the end, stamped with the packet clock. */
void rw_host_write_stats_at(struct host *h, uint64_t ts_us);
void rw_host_write_stats(struct host *h);
/* Prints diag's lines on stderr; returns how many. */
int rw_host_print_diag(const struct rw_diag *diag);

/* --- rw_replay.c: replay of files and directories, the reader and the replay workers --- */

/* Replays every capture of o->read_path (with worker threads when h->nw > 1); 0, or -1
 * when an input could not be read. */
int rw_replay_run_inputs(struct host *h);
/* Replay: every worker pauses once it has worked off what was handed to it so far. */
void rw_replay_pause(struct host *h);

#endif
