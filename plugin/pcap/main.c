/* SPDX-License-Identifier: GPL-2.0-or-later */
/* main.c — reelwatch, the standalone libpcap host: options, capture loop, flows into the core. */
/* setresuid/getresuid and friends are GNU extensions. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "rw.h"
#include "rw_capture.h"
#include "rw_decode.h"
#include "rw_evefile.h"
#include "rw_flowtable.h"
#include "rw_queue.h"
#include "rw_report.h"

/* RW_VERSION comes from the file VERSION at the top of the tree, the one place that holds
 * it: the Makefile passes it as -DRW_VERSION (dist/package.mk); built any other way, -V's
 * use of it does not compile. */

/* The rule set -c defaults to. The source tree's build keeps the relative "rules" so that
 * `make run` works from the checkout; `make install` builds its binary with
 * -DRW_DEFAULT_RULES='"$(SYSCONFDIR)/reelwatch"' (dist/install.mk). */
#ifndef RW_DEFAULT_RULES
#define RW_DEFAULT_RULES "rules"
#endif

/* --stats-interval: at most a day. */
#define RW_STATS_INTERVAL_MAX_SEC 86400

/* Exit codes (documented in reelwatch -h and docs/). */
enum {
    EXIT_OK = 0,
    EXIT_CONFIG = 1,   /* rules, lists or --set refused; -T found errors */
    EXIT_USAGE = 2,    /* bad command line */
    EXIT_CAPTURE = 3,  /* an input could not be opened (others were still processed) */
    EXIT_OUTPUT = 4,   /* EVE output could not be opened or written */
};

/* Signal flags: the only globals, as signal handlers need. */
static volatile sig_atomic_t sig_stop;
static volatile sig_atomic_t sig_hup;

static void on_stop(int sig)
{
    (void)sig;
    sig_stop = 1;
}

static void on_hup(int sig)
{
    (void)sig;
    sig_hup = 1;
}

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

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: reelwatch [options] -r PATH | -i IFACE [BPF filter ...]\n"
            "       reelwatch report [-o OUT] [--format html|text|json] [--tz ZONE] EVE...\n"
            "\n"
            "  -r PATH           replay a pcap/pcapng file, or every capture in a directory\n"
            "                    in name order\n"
            "  -i IFACE          capture live on IFACE\n"
            "  -s SNAPLEN        live: bytes captured per packet (default 262144)\n"
            "  -B KIB            live: kernel buffer size in KiB, per worker\n"
            "                    (default 65536)\n"
            "  -p                live: do not put the interface in promiscuous mode\n"
            "  -c PATH           rule file or directory of rule files\n"
            "                    (default: " RW_DEFAULT_RULES ")\n"
            "  -l DIR            write DIR/eve.json (default: EVE on stdout); DIR and the\n"
            "                    directories above it must not be writable by other users\n"
            "  --user NAME       started as root: open the capture and EVE, then run as NAME\n"
            "  --group NAME      with --user: run as group NAME (default: NAME's own group)\n"
            "  --workers N       shard flows over N threads, each with its own flow table\n"
            "                    and nDPI (default 1); live: N sockets in one PACKET_FANOUT\n"
            "                    group; flow.memcap is divided between them\n"
            "  --stats-interval SECONDS\n"
            "                    a stats record every SECONDS of packet time (replay) or\n"
            "                    wall time (live); 0, the default: one at the end only\n"
            "  --set NAME=VALUE  override a setting: a rule-set variable such as\n"
            "                    home_net=10.0.0.0/8,fd00::/8, eve.types=alert,stats,\n"
            "                    flow.memcap=256MiB, flow.timeout.tcp_closed=5s ...\n"
            "  -T                load and check rules and settings, then exit\n"
            "  -v                more messages on stderr\n"
            "  -V, --version     print the version\n"
            "  -h, --help        this help\n"
            "\n"
            "exit codes: 0 ok; 1 rules or settings refused; 2 usage; 3 an input could not\n"
            "be opened (the others were processed); 4 EVE output failed\n");
}

/* Host settings (flow.*) are taken here; every other --set goes to the core. */
static int host_take_set(struct host_opts *o, const char *s)
{
    const struct {
        const char *name;
        uint32_t *field;
    } timeouts[] = {
        {"flow.timeout.tcp_new", &o->ft.timeout_tcp_new_sec},
        {"flow.timeout.tcp_established", &o->ft.timeout_tcp_est_sec},
        {"flow.timeout.tcp_closed", &o->ft.timeout_tcp_closed_sec},
        {"flow.timeout.udp_new", &o->ft.timeout_udp_new_sec},
        {"flow.timeout.udp_established", &o->ft.timeout_udp_est_sec},
        {"flow.timeout.other", &o->ft.timeout_other_sec},
    };
    const char *eq = strchr(s, '=');
    const char *why = NULL;
    uint64_t v;

    if (eq == NULL || strncmp(s, "flow.", 5) != 0)
        return 0;
    if ((size_t)(eq - s) == strlen("flow.memcap") && strncmp(s, "flow.memcap", 11) == 0) {
        if (rw_num_parse_size(eq + 1, RW_FLOW_MEMCAP_MIN_BYTES, UINT64_MAX / 2, &v, &why) != 0) {
            fprintf(stderr, "--set: flow.memcap: expected a size of at least %llu bytes "
                            "(such as 64MiB), found '%s'\n",
                    (unsigned long long)RW_FLOW_MEMCAP_MIN_BYTES, eq + 1);
            return -1;
        }
        o->ft.memcap_bytes = v;
        return 1;
    }
    for (size_t i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++) {
        if ((size_t)(eq - s) != strlen(timeouts[i].name) ||
            strncmp(s, timeouts[i].name, strlen(timeouts[i].name)) != 0)
            continue;
        if (rw_num_parse_duration(eq + 1, 1, 7 * 86400, &v, &why) != 0) {
            fprintf(stderr, "--set: %s: expected a duration from 1s to 7d (such as 90s or "
                            "10m), found '%s'\n", timeouts[i].name, eq + 1);
            return -1;
        }
        *timeouts[i].field = (uint32_t)v;
        return 1;
    }
    fprintf(stderr, "--set: unknown setting '%.*s'\n", (int)(eq - s), s);
    return -1;
}

static int parse_int_opt(const char *opt, const char *val, uint64_t min, uint64_t max, int *out)
{
    uint64_t v;
    const char *why = NULL;

    if (rw_num_parse_u64(val, min, max, &v, &why) != 0) {
        fprintf(stderr, "reelwatch: %s: expected a whole number from %llu to %llu, found '%s'\n",
                opt, (unsigned long long)min, (unsigned long long)max, val);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* Joins the trailing arguments into one BPF expression, as tcpdump does. */
static int join_filter(struct host_opts *o, int argc, char **argv)
{
    size_t len = 0;

    if (argc == 0)
        return 0;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    o->bpf = rw_malloc(len);
    if (o->bpf == NULL)
        return -1;
    o->bpf[0] = '\0';
    for (int i = 0; i < argc; i++) {
        if (i > 0)
            strncat(o->bpf, " ", len - strlen(o->bpf) - 1);
        strncat(o->bpf, argv[i], len - strlen(o->bpf) - 1);
    }
    return 0;
}

static int parse_args(struct host_opts *o, int argc, char **argv)
{
    enum { OPT_SET = 256, OPT_USER, OPT_GROUP, OPT_STATS, OPT_WORKERS };
    static const struct option longopts[] = {
        {"set", required_argument, NULL, OPT_SET},
        {"user", required_argument, NULL, OPT_USER},
        {"group", required_argument, NULL, OPT_GROUP},
        {"stats-interval", required_argument, NULL, OPT_STATS},
        {"workers", required_argument, NULL, OPT_WORKERS},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    o->rules_path = RW_DEFAULT_RULES;
    o->live.promisc = 1;
    o->workers = 1;
    while ((c = getopt_long(argc, argv, "+r:i:c:l:s:B:pTvVh", longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            o->read_path = optarg;
            break;
        case 'i':
            o->live.iface = optarg;
            break;
        case 'c':
            o->rules_path = optarg;
            break;
        case 'l':
            o->log_dir = optarg;
            break;
        case 's':
            if (parse_int_opt("-s", optarg, 64, 262144, &o->live.snaplen) != 0)
                return EXIT_USAGE;
            break;
        case 'B':
            if (parse_int_opt("-B", optarg, 1, INT_MAX / 1024, &o->live.buffer_kib) != 0)
                return EXIT_USAGE;
            break;
        case 'p':
            o->live.promisc = 0;
            break;
        case 'T':
            o->test_only = 1;
            break;
        case 'v':
            o->verbose++;
            break;
        case 'V':
            printf("reelwatch %s (nDPI %s, %s)\n", RW_VERSION, "4.2", pcap_lib_version());
            exit(EXIT_OK);
        case 'h':
            usage(stdout);
            exit(EXIT_OK);
        case OPT_USER:
            o->run_user = optarg;
            break;
        case OPT_GROUP:
            o->run_group = optarg;
            break;
        case OPT_STATS:
            if (parse_int_opt("--stats-interval", optarg, 0, RW_STATS_INTERVAL_MAX_SEC,
                              &o->stats_interval_sec) != 0)
                return EXIT_USAGE;
            break;
        case OPT_WORKERS:
            if (parse_int_opt("--workers", optarg, 1, RW_WORKERS_MAX, &o->workers) != 0)
                return EXIT_USAGE;
            break;
        case OPT_SET: {
            int t = host_take_set(o, optarg);

            if (t < 0)
                return EXIT_CONFIG;
            if (t == 0) {
                if (o->nsets == RW_SET_MAX) {
                    fprintf(stderr, "reelwatch: --set: at most %d settings\n", RW_SET_MAX);
                    return EXIT_USAGE;
                }
                o->sets[o->nsets++] = optarg;
            }
            break;
        }
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (!o->test_only && (o->read_path == NULL) == (o->live.iface == NULL)) {
        fprintf(stderr, "reelwatch: give exactly one of -r PATH or -i IFACE (or -T)\n");
        usage(stderr);
        return EXIT_USAGE;
    }
    if (o->run_group != NULL && o->run_user == NULL) {
        fprintf(stderr, "reelwatch: --group needs --user\n");
        return EXIT_USAGE;
    }
    if (join_filter(o, argc - optind, argv + optind) != 0) {
        fprintf(stderr, "reelwatch: out of memory\n");
        return EXIT_USAGE;
    }
    o->live.bpf = o->bpf;
    return EXIT_OK;
}

static void host_flow_end(void *ctx, struct rw_ft_flow *flow)
{
    struct worker *w = ctx;

    rw_engine_flow_end(w->engine, &flow->core, &flow->info);
}

/* The flow table's shed callback: the core drops what the flow can go on without. The
 * table's values are the core's (enum rw_flow_keep). */
_Static_assert((int)RW_FT_KEEP_NONE == (int)RW_FLOW_KEEP_NONE &&
                   (int)RW_FT_KEEP_SHED == (int)RW_FLOW_KEEP_SHED &&
                   (int)RW_FT_KEEP_RULE == (int)RW_FLOW_KEEP_RULE &&
                   (int)RW_FT_KEEP_FILE == (int)RW_FLOW_KEEP_FILE,
               "flow table and core values differ");

static size_t host_flow_shed(void *ctx, struct rw_ft_flow *flow, uint8_t *keep)
{
    struct worker *w = ctx;
    size_t b = rw_engine_flow_shed(w->engine, flow->core);

    *keep = (uint8_t)rw_engine_flow_keep(flow->core);
    return b;
}

static void host_write_stats_at(struct host *h, uint64_t ts_us);

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
        host_write_stats_at(h, h->stats_next_us);
        h->stats_next_us += iv;
    }
}

/* A decoded packet's flow work, on the worker that owns its flow, at packet clock now_us. */
static void worker_packet(struct worker *w, const struct rw_decoded *d, uint64_t now_us)
{
    struct rw_ft_flow *fl;
    struct rw_packet p;
    int dir, created;

    w->now_us = now_us;
    fl = rw_flowtable_packet(w->ft, d, now_us, &dir, &created);
    if (fl == NULL)
        return;
    if (created) {
        fl->info.flow_id = rw_flow_id(&fl->info.key, fl->info.start_us);
        fl->core = rw_engine_flow_new(w->engine, &fl->info);
    }
    p = (struct rw_packet){
        .l3 = d->l3,
        .l3_len = d->l3_len,
        .payload = d->payload,
        .payload_len = d->payload_len,
        .payload_wire_len = d->payload_wire_len,
        .ts_us = now_us,
        .tcp_seq = d->tcp_seq,
        .tcp_ack = d->tcp_ack,
        .tcp_flags = d->tcp_flags,
        .dir = (uint8_t)dir,
    };
    rw_engine_packet(w->engine, fl->core, &fl->info, &p);
    /* Charge what the core holds now, and what losing it would cost: the table sheds at
     * the memcap on real sizes, by value. */
    rw_flowtable_set_keep(w->ft, fl, (uint8_t)rw_engine_flow_keep(fl->core));
    rw_flowtable_charge(w->ft, fl, rw_engine_flow_bytes(fl->core));
}

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

/* Replay: every worker pauses once it has worked off what was handed to it so far
 * (host_quiesce then waits for them all). */
static void host_replay_pause(struct host *h)
{
    for (size_t i = 0; i < h->nw; i++) {
        host_send(&h->w[i], MSG_PAUSE, h->sent_us);
        host_flush_batch(&h->w[i]);
    }
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

/* A worker waits here, between two packets, until the main thread resumes it. */
static void host_worker_pause(struct host *h)
{
    uint64_t gen;

    pthread_mutex_lock(&h->mu);
    gen = h->resume_gen;
    h->paused++;
    pthread_cond_signal(&h->cv_paused);
    while (h->resume_gen == gen)
        pthread_cond_wait(&h->cv_resume, &h->mu);
    pthread_mutex_unlock(&h->mu);
}

/* Stops every worker between two packets (replay: after every packet read so far) and
 * returns with all of them waiting; host_resume lets them go on. No-ops without threads. */
static void host_quiesce(struct host *h)
{
    if (!h->threads)
        return;
    if (h->o->read_path != NULL) {
        host_replay_pause(h);
    } else {
        __atomic_store_n(&h->pause_req, 1, __ATOMIC_SEQ_CST);
    }
    pthread_mutex_lock(&h->mu);
    while (h->paused + h->exited < h->nw)
        pthread_cond_wait(&h->cv_paused, &h->mu);
    pthread_mutex_unlock(&h->mu);
}

static void host_resume(struct host *h)
{
    if (!h->threads)
        return;
    __atomic_store_n(&h->pause_req, 0, __ATOMIC_SEQ_CST);
    pthread_mutex_lock(&h->mu);
    h->paused = 0;
    h->resume_gen++;
    pthread_cond_broadcast(&h->cv_resume);
    pthread_mutex_unlock(&h->mu);
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
                worker_packet(w, &d, m->ts_us);
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
                host_worker_pause(w->h);
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
        worker_packet(&h->w[0], &d, h->now_us);
        return;
    }
    if (h->now_us >= h->next_tick_us) {
        for (size_t i = 0; i < h->nw && h->next_tick_us != 0; i++)
            host_send(&h->w[i], MSG_CLOCK, h->now_us);
        h->next_tick_us = h->now_us + HOST_CLOCK_TICK_US;
    }
    host_dispatch(h, &d);
}

static int print_diag(const struct rw_diag *diag);

/* SIGHUP, between two packets: reopen eve.json (log rotation) and reload the rules, their
 * lists and the magic files. A bad new set is reported and the running one kept. */
static void host_handle_hup(struct host *h)
{
    struct rw_diag *diag = rw_diag_new();
    char summary[256];
    int rc;

    sig_hup = 0;
    /* Workers wait between packets while the rules and the log change under them. */
    host_quiesce(h);
    if (rw_evefile_reopen(h->eve) != 0)
        fprintf(stderr, "reelwatch: warning: could not reopen EVE log: %s\n", strerror(errno));
    if (diag == NULL) {
        host_resume(h);
        fprintf(stderr, "reelwatch: reload failed (out of memory); keeping the running rules\n");
        return;
    }
    rc = rw_engine_reload(h->engine, &h->ecfg, diag);
    if (rc != 0) {
        print_diag(diag);
        fprintf(stderr, "reelwatch: reload refused (%zu error%s); keeping the running rules\n",
                rw_diag_count(diag), rw_diag_count(diag) == 1 ? "" : "s");
    } else {
        rw_engine_summary(h->engine, summary, sizeof(summary));
        fprintf(stderr, "reelwatch: rules reloaded: %s\n", summary);
    }
    host_resume(h);
    rw_diag_free(&diag);
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
    while (!sig_stop && !rw_evefile_failed(h->eve)) {
        rc = pcap_next_ex(p, &hdr, &data);
        if (rc == 1) {
            host_packet(h, dlt, hdr, data);
            if ((++n & 0x3ff) == 0) {
                rw_progress_update(pr, fp != NULL ? (uint64_t)ftello(fp) : 0, h->pkts);
                if (sig_hup)
                    host_handle_hup(h);
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

/* Looks up --user and --group before anything is opened, so a typo fails early. */
static int host_resolve_user(struct host_opts *o)
{
    struct passwd *pw;
    struct group *gr;

    if (o->run_user == NULL)
        return 0;
    if (geteuid() != 0) {
        fprintf(stderr, "reelwatch: --user %s: only root can change user (running as uid "
                        "%lu); start as root or leave --user out\n",
                o->run_user, (unsigned long)geteuid());
        return -1;
    }
    errno = 0;
    pw = getpwnam(o->run_user);
    if (pw == NULL) {
        fprintf(stderr, "reelwatch: --user %s: no such user\n", o->run_user);
        return -1;
    }
    if (pw->pw_uid == 0) {
        fprintf(stderr, "reelwatch: --user %s: that is root; name an unprivileged user\n",
                o->run_user);
        return -1;
    }
    o->run_uid = pw->pw_uid;
    o->run_gid = pw->pw_gid;
    if (o->run_group != NULL) {
        gr = getgrnam(o->run_group);
        if (gr == NULL) {
            fprintf(stderr, "reelwatch: --group %s: no such group\n", o->run_group);
            return -1;
        }
        o->run_gid = gr->gr_gid;
    }
    if (o->run_gid == 0) {
        fprintf(stderr, "reelwatch: --user %s: its group is root's (gid 0); name another "
                        "with --group\n", o->run_user);
        return -1;
    }
    return 0;
}

/*
 * Drops root for good once the capture and eve.json are open: supplementary groups, then
 * the group, then the user (real, effective and saved), and no new privileges from exec.
 * Then checks it took, and that root cannot be had back. Returns 0, or -1 with a message
 * (the caller stops: running on as root by mistake is worse than not running).
 */
static int host_drop_privileges(struct host *h)
{
    const struct host_opts *o = h->o;
    uid_t ru, eu, su;
    gid_t rg, eg, sg;

    if (o->run_user == NULL)
        return 0;
    if (setgroups(1, &o->run_gid) != 0 || setresgid(o->run_gid, o->run_gid, o->run_gid) != 0 ||
        setresuid(o->run_uid, o->run_uid, o->run_uid) != 0) {
        fprintf(stderr, "reelwatch: cannot drop privileges to %s: %s\n", o->run_user,
                strerror(errno));
        goto fail;
    }
    if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0 ||
        ru != o->run_uid || eu != o->run_uid || su != o->run_uid || rg != o->run_gid ||
        eg != o->run_gid || sg != o->run_gid) {
        fprintf(stderr, "reelwatch: dropping privileges to %s did not take\n", o->run_user);
        goto fail;
    }
    if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0) {
        fprintf(stderr, "reelwatch: after dropping to %s, root could be regained; stopping\n",
                o->run_user);
        goto fail;
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        fprintf(stderr, "reelwatch: prctl(PR_SET_NO_NEW_PRIVS): %s\n", strerror(errno));
        goto fail;
    }
    if (o->verbose)
        fprintf(stderr, "reelwatch: running as uid %lu gid %lu (%s)\n",
                (unsigned long)o->run_uid, (unsigned long)o->run_gid, o->run_user);
    return 0;
fail:
    h->priv_failed = 1;
    return -1;
}

/* Reads worker w's kernel counters from its capture. */
static void host_live_pcap_stats(struct worker *w)
{
    struct pcap_stat ps;

    if (pcap_stats(w->pcap, &ps) == 0) {
        w->kernel_packets = ps.ps_recv;
        w->kernel_drops = ps.ps_drop;
        w->kernel_ifdrops = ps.ps_ifdrop;
    }
}

static void worker_live_packet(u_char *user, const struct pcap_pkthdr *hdr, const u_char *data)
{
    struct worker *w = (struct worker *)(void *)user;
    struct rw_decoded d;
    uint64_t ts;

    ts = hdr->ts.tv_sec < 0 ? 0 : (uint64_t)hdr->ts.tv_sec * 1000000u + (uint64_t)hdr->ts.tv_usec;
    if (rw_decode_packet(&w->dstats, w->dlt, data, hdr->caplen, hdr->len, &d) != 1)
        return;
    worker_packet(w, &d, ts > w->now_us ? ts : w->now_us);
}

/*
 * One round of a live worker (the main thread's, or a worker thread's): wait up to
 * poll_ms for packets and take all there are with non-blocking pcap_dispatch; once a
 * second of wall time let the packet clock follow the wall when the link was quiet and
 * end idle flows. A quiet link still wakes the loop, so idle flows end on time and
 * signals are seen (libpcap's own blocking read can wait for ever on an idle TPACKET_V3
 * ring). Returns the packets taken, or -1 after reporting a capture error.
 */
static int worker_live_round(struct worker *w, struct pollfd *pfd, int poll_ms,
                             time_t *last_wall)
{
    const char *iface = w->h->o->live.iface;
    time_t now;
    int n;

    if (poll(pfd, 1, poll_ms) < 0 && errno != EINTR) {
        fprintf(stderr, "reelwatch: %s: poll: %s\n", iface, strerror(errno));
        return -1;
    }
    n = pcap_dispatch(w->pcap, -1, worker_live_packet, (u_char *)(void *)w);
    if (n == PCAP_ERROR) {
        fprintf(stderr, "reelwatch: %s: %s\n", iface, pcap_geterr(w->pcap));
        return -1;
    }
    now = time(NULL);
    if (now != *last_wall) {
        if (n == 0 && now > *last_wall)
            w->now_us += (uint64_t)(now - *last_wall) * 1000000u;
        *last_wall = now;
        rw_flowtable_expire(w->ft, w->now_us);
    }
    return n;
}

/* Opens worker w's capture (joined to fanout group group_id when fanout). Returns 0, or
 * -1 with the reason printed. */
static int worker_live_open(struct worker *w, int fanout, uint16_t group_id)
{
    char err[PCAP_ERRBUF_SIZE + 256];
    const struct rw_live_opts *o = &w->h->o->live;

    w->pcap = rw_capture_open_live(o, err, sizeof(err));
    if (w->pcap == NULL ||
        (fanout && rw_capture_join_fanout(w->pcap, o->iface, group_id, err, sizeof(err)) != 0)) {
        fprintf(stderr, "reelwatch: %s\n", err);
        return -1;
    }
    if (pcap_get_selectable_fd(w->pcap) < 0 || pcap_setnonblock(w->pcap, 1, err) != 0) {
        fprintf(stderr, "reelwatch: %s: cannot poll the capture: %s\n", o->iface,
                pcap_get_selectable_fd(w->pcap) < 0 ? "no selectable descriptor" : err);
        return -1;
    }
    w->dlt = pcap_datalink(w->pcap);
    w->now_us = (uint64_t)time(NULL) * 1000000u;
    return 0;
}

/* Live capture with one worker: its rounds on this thread, and once a second the stats
 * records, EVE flushes and signals. */
static int host_run_live(struct host *h)
{
    enum { POLL_MS = 250 };
    struct worker *w = &h->w[0];
    struct pollfd pfd;
    time_t last_wall, ctl_wall, next_stats;
    int rc = 0;

    if (worker_live_open(w, 0, 0) != 0) {
        h->capture_errors++;
        return -1;
    }
    if (!rw_decode_linktype_supported(w->dlt))
        fprintf(stderr, "reelwatch: warning: %s: link type %d is not decoded\n",
                h->o->live.iface, w->dlt);
    pfd = (struct pollfd){.fd = pcap_get_selectable_fd(w->pcap), .events = POLLIN};
    /* The interface is open: root is no longer needed. */
    if (host_drop_privileges(h) != 0)
        return -1;
    last_wall = ctl_wall = time(NULL);
    next_stats = last_wall + h->o->stats_interval_sec;
    while (!sig_stop && !rw_evefile_failed(h->eve)) {
        time_t now;

        if (worker_live_round(w, &pfd, POLL_MS, &last_wall) < 0) {
            h->capture_errors++;
            rc = -1;
            break;
        }
        now = time(NULL);
        if (now != ctl_wall) {
            ctl_wall = now;
            if (h->o->stats_interval_sec != 0 && now >= next_stats) {
                host_live_pcap_stats(w);
                host_write_stats_at(h, (uint64_t)now * 1000000u);
                next_stats = now + h->o->stats_interval_sec;
            }
            rw_evefile_flush(h->eve);
        }
        if (sig_hup)
            host_handle_hup(h);
    }
    host_live_pcap_stats(w);
    h->now_us = w->now_us;
    return rc;
}

/* ---- live capture with worker threads ---------------------------------------------------- */

/* A worker thread's capture loop: rounds until the sensor stops, pausing when asked. */
static void *worker_live_main(void *arg)
{
    enum { POLL_MS = 100 };
    struct worker *w = arg;
    struct host *h = w->h;
    struct pollfd pfd = {.fd = pcap_get_selectable_fd(w->pcap), .events = POLLIN};
    time_t last_wall = time(NULL);

    while (!__atomic_load_n(&h->stop_req, __ATOMIC_SEQ_CST)) {
        if (__atomic_load_n(&h->pause_req, __ATOMIC_SEQ_CST))
            host_worker_pause(h);
        if (worker_live_round(w, &pfd, POLL_MS, &last_wall) < 0)
            break;
    }
    pthread_mutex_lock(&h->mu);
    if (!__atomic_load_n(&h->stop_req, __ATOMIC_SEQ_CST))
        h->capture_errors++; /* a capture failed: the whole sensor stops */
    __atomic_store_n(&h->stop_req, 1, __ATOMIC_SEQ_CST);
    h->exited++;
    pthread_cond_signal(&h->cv_paused);
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

/*
 * Live capture with --workers N > 1: N captures of the interface joined in one
 * PACKET_FANOUT group (hash mode), one per worker thread; this thread keeps wall time for
 * the stats records, flushes the EVE log and handles signals.
 */
static int host_run_live_workers(struct host *h)
{
    uint16_t group = (uint16_t)(getpid() & 0xffff);
    time_t last_wall, next_stats;
    int rc = 0;

    for (size_t i = 0; i < h->nw; i++) {
        if (worker_live_open(&h->w[i], 1, group) != 0) {
            h->capture_errors++;
            return -1;
        }
    }
    if (!rw_decode_linktype_supported(h->w[0].dlt))
        fprintf(stderr, "reelwatch: warning: %s: link type %d is not decoded\n",
                h->o->live.iface, h->w[0].dlt);
    if (h->o->verbose)
        fprintf(stderr, "reelwatch: %s: %zu workers in fanout group %u\n", h->o->live.iface,
                h->nw, (unsigned)group);
    if (host_drop_privileges(h) != 0)
        return -1;
    h->threads = 1;
    for (size_t i = 0; i < h->nw; i++) {
        if (pthread_create(&h->w[i].thread, NULL, worker_live_main, &h->w[i]) != 0) {
            fprintf(stderr, "reelwatch: cannot start worker %zu: %s\n", i, strerror(errno));
            __atomic_store_n(&h->stop_req, 1, __ATOMIC_SEQ_CST);
            rc = -1;
            break;
        }
        h->w[i].started = 1;
    }
    last_wall = time(NULL);
    next_stats = last_wall + h->o->stats_interval_sec;
    while (rc == 0 && !sig_stop && !rw_evefile_failed(h->eve) &&
           !__atomic_load_n(&h->stop_req, __ATOMIC_SEQ_CST)) {
        time_t now;

        (void)poll(NULL, 0, 100);
        now = time(NULL);
        if (now != last_wall) {
            last_wall = now;
            if (h->o->stats_interval_sec != 0 && now >= next_stats) {
                host_write_stats_at(h, (uint64_t)now * 1000000u);
                next_stats = now + h->o->stats_interval_sec;
            }
            rw_evefile_flush(h->eve);
        }
        if (sig_hup)
            host_handle_hup(h);
    }
    __atomic_store_n(&h->stop_req, 1, __ATOMIC_SEQ_CST);
    for (size_t i = 0; i < h->nw; i++)
        if (h->w[i].started)
            pthread_join(h->w[i].thread, NULL);
    h->threads = 0;
    for (size_t i = 0; i < h->nw; i++) {
        host_live_pcap_stats(&h->w[i]);
        if (h->w[i].now_us > h->now_us)
            h->now_us = h->w[i].now_us;
    }
    if (h->capture_errors > 0)
        rc = -1;
    return rc;
}

/* One stats record at ts_us with every host counter (cumulative since start, like
 * Suricata's) merged with the core's. */
static void host_write_stats_at(struct host *h, uint64_t ts_us)
{
    struct rw_counter c[RW_DEC_COUNTER_N + 16];
    struct rw_decode_stats ds = h->dstats;
    struct rw_flowtable_stats fs = { 0 };
    size_t n = 0;

    /* With worker threads: every one of them waits between two packets meanwhile. */
    host_quiesce(h);
    for (size_t w = 0; h->threads && w < h->nw; w++)
        if (h->w[w].pcap != NULL)
            host_live_pcap_stats(&h->w[w]);
    for (size_t w = 0; w < h->nw; w++) {
        struct rw_flowtable_stats one;

        for (int i = 0; i < RW_DEC_COUNTER_N; i++) {
            if (i == RW_DEC_MAX_PKT_SIZE) /* a maximum, not a count */
                ds.c[i] = h->w[w].dstats.c[i] > ds.c[i] ? h->w[w].dstats.c[i] : ds.c[i];
            else
                ds.c[i] += h->w[w].dstats.c[i];
        }
        if (h->w[w].ft == NULL)
            continue;
        rw_flowtable_get_stats(h->w[w].ft, &one);
        fs.active += one.active;
        fs.total += one.total;
        fs.tcp += one.tcp;
        fs.udp += one.udp;
        fs.icmpv4 += one.icmpv4;
        fs.icmpv6 += one.icmpv6;
        fs.memcap_drops += one.memcap_drops;
        fs.memuse += one.memuse;
        fs.timeouts += one.timeouts;
        fs.evicted += one.evicted;
        fs.shed_none += one.shed_none;
        fs.shed_rule += one.shed_rule;
        fs.shed_file += one.shed_file;
        fs.shed_state += one.shed_state;
    }
    for (int i = 0; i < RW_DEC_COUNTER_N; i++)
        if (ds.c[i] != 0 || i == RW_DEC_PKTS || i == RW_DEC_BYTES)
            c[n++] = (struct rw_counter){rw_decode_counter_path[i], ds.c[i]};
    c[n++] = (struct rw_counter){"flow.active", fs.active};
    c[n++] = (struct rw_counter){"flow.total", fs.total};
    c[n++] = (struct rw_counter){"flow.tcp", fs.tcp};
    c[n++] = (struct rw_counter){"flow.udp", fs.udp};
    c[n++] = (struct rw_counter){"flow.icmpv4", fs.icmpv4};
    c[n++] = (struct rw_counter){"flow.icmpv6", fs.icmpv6};
    c[n++] = (struct rw_counter){"flow.memcap", fs.memcap_drops};
    c[n++] = (struct rw_counter){"flow.memuse", fs.memuse};
    c[n++] = (struct rw_counter){"flow.mgr.flows_timeout", fs.timeouts};
    c[n++] = (struct rw_counter){"flow.mgr.flows_evicted", fs.evicted};
    /* What was shed at the memcap, by value (docs/eve.md): flows no rule could fire on
     * (passed), classification states dropped (bypassed), flows a rule could fire on
     * (dropped), and flows with a file open (evicted while work was still due). */
    c[n++] = (struct rw_counter){"exception_policy.flow.memcap.pass_flow", fs.shed_none};
    c[n++] = (struct rw_counter){"exception_policy.flow.memcap.bypass", fs.shed_state};
    c[n++] = (struct rw_counter){"exception_policy.flow.memcap.drop_flow", fs.shed_rule};
    c[n++] = (struct rw_counter){"flow.mgr.flows_evicted_needs_work", fs.shed_file};
    c[n++] = (struct rw_counter){"capture.errors", h->capture_errors};
    if (h->o->live.iface != NULL) {
        uint64_t kp = 0, kd = 0, ki = 0;

        for (size_t w = 0; w < h->nw; w++) {
            kp += h->w[w].kernel_packets;
            kd += h->w[w].kernel_drops;
            ki += h->w[w].kernel_ifdrops;
        }
        c[n++] = (struct rw_counter){"capture.kernel_packets", kp};
        c[n++] = (struct rw_counter){"capture.kernel_drops", kd};
        c[n++] = (struct rw_counter){"capture.kernel_ifdrops", ki};
    }
    rw_engine_stats(h->engine, ts_us, c, n);
    host_resume(h);
}

static void host_write_stats(struct host *h)
{
    /* Packet time keeps replays reproducible; with no packet at all, the wall clock. */
    host_write_stats_at(h, h->now_us != 0 ? h->now_us : (uint64_t)time(NULL) * 1000000u);
}

static int host_setup_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop;
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
        return -1;
    sa.sa_handler = on_hup;
    if (sigaction(SIGHUP, &sa, NULL) != 0)
        return -1;
    sa.sa_handler = SIG_IGN;
    return sigaction(SIGPIPE, &sa, NULL);
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

/* The workers' flow tables and engines: flow.memcap is shared out evenly. */
static int host_setup_workers(struct host *h)
{
    struct rw_flowtable_config ft = h->o->ft;
    uint64_t memcap = ft.memcap_bytes != 0 ? ft.memcap_bytes : RW_FLOW_MEMCAP_DEFAULT_BYTES;

    h->nw = (size_t)h->o->workers;
    h->w = rw_calloc(h->nw, sizeof(*h->w));
    if (h->w == NULL) {
        fprintf(stderr, "reelwatch: out of memory\n");
        return -1;
    }
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv_paused, NULL);
    pthread_cond_init(&h->cv_resume, NULL);
    ft.memcap_bytes = memcap / h->nw;
    if (ft.memcap_bytes < RW_FLOW_MEMCAP_MIN_BYTES) {
        fprintf(stderr, "reelwatch: flow.memcap %llu bytes over %zu workers leaves less than "
                        "%llu bytes each; raise flow.memcap or use fewer workers\n",
                (unsigned long long)memcap, h->nw,
                (unsigned long long)RW_FLOW_MEMCAP_MIN_BYTES);
        return -1;
    }
    for (size_t i = 0; i < h->nw; i++) {
        struct worker *w = &h->w[i];
        int err = 0;

        w->h = h;
        w->engine = i == 0 ? h->engine : rw_engine_worker_new(h->engine, &err);
        if (w->engine == NULL) {
            fprintf(stderr, "reelwatch: cannot set up worker %zu: %s\n", i, rw_strerror(err));
            return -1;
        }
        ft.extra_bytes_per_flow = rw_engine_flow_state_bytes(w->engine);
        ft.shed = host_flow_shed;
        w->ft = rw_flowtable_new(&ft, host_flow_end, w);
        if (w->ft == NULL) {
            fprintf(stderr, "reelwatch: cannot create the flow table (out of memory)\n");
            return -1;
        }
    }
    return 0;
}

/* Frees what host_setup_workers made; flows still open end with reason shutdown. */
static void host_free_workers(struct host *h)
{
    for (size_t i = 0; h->w != NULL && i < h->nw; i++) {
        rw_flowtable_free(&h->w[i].ft);
        if (i > 0)
            rw_engine_free(&h->w[i].engine);
        h->w[i].q = NULL;
        if (h->w[i].pcap != NULL)
            pcap_close(h->w[i].pcap);
    }
    if (h->w != NULL) {
        pthread_cond_destroy(&h->cv_resume);
        pthread_cond_destroy(&h->cv_paused);
        pthread_mutex_destroy(&h->mu);
    }
    rw_queue_free(&h->q);
    rw_free(h->w);
    h->w = NULL;
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

    for (size_t i = 0; i < r->in->n && !sig_stop && !rw_evefile_failed(h->eve); i++) {
        if (h->o->verbose)
            fprintf(stderr, "reelwatch: reading %s\n", r->in->items[i].path);
        if (host_read_file(h, r->in->items[i].path, r->pr) != 0)
            r->failed = 1;
        rw_progress_file_done(r->pr, r->in->items[i].size);
    }
    return NULL;
}

static int host_run_inputs(struct host *h)
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

static int print_diag(const struct rw_diag *diag)
{
    const char *line;
    size_t i;

    for (i = 0; (line = rw_diag_line(diag, i)) != NULL; i++)
        fprintf(stderr, "%s\n", line);
    return (int)i;
}

int main(int argc, char **argv)
{
    struct host_opts o;
    struct host h;
    struct rw_diag *diag = NULL;
    struct rw_engine_config ecfg;
    struct rw_output out;
    char err[512], summary[256];
    int rc, eerr = 0, status = EXIT_OK, finished = 0;

    /* `reelwatch report EVE...`: the investigation report (plugin/report). */
    if (argc > 1 && strcmp(argv[1], "report") == 0)
        return rw_report_main(argc - 1, argv + 1);
    memset(&o, 0, sizeof(o));
    memset(&h, 0, sizeof(h));
    h.o = &o;
    rc = parse_args(&o, argc, argv);
    if (rc != EXIT_OK) {
        status = rc;
        goto out;
    }
    if (!o.test_only && host_resolve_user(&o) != 0) {
        status = EXIT_CONFIG;
        goto out;
    }
    diag = rw_diag_new();
    if (diag == NULL) {
        fprintf(stderr, "reelwatch: out of memory\n");
        status = EXIT_CONFIG;
        goto out;
    }
    if (!o.test_only) {
        /* Opened as root when started so, but checked for the user it will run as. */
        int refused = 0;

        h.eve = rw_evefile_open_as(o.log_dir, o.run_user != NULL ? o.run_uid : geteuid(),
                                   o.run_user != NULL ? o.run_gid : getegid(), err,
                                   sizeof(err), &refused);
        if (h.eve == NULL) {
            fprintf(stderr, "reelwatch: %s EVE output: %s\n",
                    refused ? "refusing unsafe" : "cannot open", err);
            status = refused ? EXIT_CONFIG : EXIT_OUTPUT;
            goto out;
        }
        out = rw_evefile_output(h.eve);
    } else {
        out = (struct rw_output){0};
    }
    ecfg = (struct rw_engine_config){
        .rules_path = o.rules_path,
        .sets = o.sets,
        .nsets = o.nsets,
    };
    h.ecfg = ecfg;
    h.engine = rw_engine_new(&ecfg, &out, diag, &eerr);
    if (h.engine == NULL) {
        int n = print_diag(diag);

        if (eerr == RW_ENOMEM && n == 0)
            fprintf(stderr, "reelwatch: out of memory while loading rules\n");
        fprintf(stderr, "reelwatch: %zu error%s; rule set refused\n", rw_diag_count(diag),
                rw_diag_count(diag) == 1 ? "" : "s");
        status = EXIT_CONFIG;
        goto out;
    }
    rw_engine_summary(h.engine, summary, sizeof(summary));
    if (o.test_only) {
        printf("reelwatch: configuration OK: %s\n", summary);
        finished = 1;
        goto out;
    }
    if (o.verbose)
        fprintf(stderr, "reelwatch: %s\n", summary);
    if (host_setup_workers(&h) != 0) {
        status = EXIT_CONFIG;
        goto out;
    }
    if (host_setup_signals() != 0) {
        fprintf(stderr, "reelwatch: cannot install signal handlers: %s\n", strerror(errno));
        status = EXIT_CONFIG;
        goto out;
    }
    if (o.read_path != NULL)
        rc = host_drop_privileges(&h) != 0 ? -1 : host_run_inputs(&h);
    else if (h.nw > 1)
        rc = host_run_live_workers(&h);
    else
        rc = host_run_live(&h);
    if (h.priv_failed) {
        status = EXIT_CONFIG;
        goto out;
    }
    if (rc != 0)
        status = EXIT_CAPTURE;
    /* Flows still open end now; their records and the stats come before exit. */
    for (size_t i = 0; i < h.nw; i++)
        rw_flowtable_flush(h.w[i].ft, RW_END_SHUTDOWN);
    host_write_stats(&h);
    finished = 1;
out:
    /* After a finished run the process ends here: the kernel takes the memory back at
     * once, while freeing a big rule set node by node costs (1M prefixes: about 0.6 s,
     * docs/performance.md). Sanitizer builds free everything, so leaks stay visible. */
    if (!finished || RW_ASAN) {
        host_free_workers(&h);
        rw_engine_free(&h.engine);
    }
    if (h.eve != NULL && rw_evefile_close(&h.eve) != 0) {
        fprintf(stderr, "reelwatch: writing EVE output failed: %s\n", strerror(errno));
        status = EXIT_OUTPUT;
    }
    rw_diag_free(&diag);
    rw_free(o.bpf);
    return status;
}
