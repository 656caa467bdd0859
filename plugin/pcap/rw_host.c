/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_host.c — the standalone host's run time: signals, the workers (a flow table and an
 * engine each) and their per-packet flow work, pausing them between packets, SIGHUP
 * reloads, dropping root, stats records, and live capture (one worker, or worker threads
 * in a PACKET_FANOUT group). main.c drives it; rw_replay.c replays files through it. */
/* setresuid/getresuid and friends are GNU extensions. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <poll.h>
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
#include "rw_host_int.h"
#include "rw_queue.h"

/* Signal flags: the only globals, as signal handlers need. */
volatile sig_atomic_t rw_host_sig_stop;
volatile sig_atomic_t rw_host_sig_hup;

static void on_stop(int sig)
{
    (void)sig;
    rw_host_sig_stop = 1;
}

static void on_hup(int sig)
{
    (void)sig;
    rw_host_sig_hup = 1;
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

/* A decoded packet's flow work, on the worker that owns its flow, at packet clock now_us. */
void rw_host_worker_packet(struct worker *w, const struct rw_decoded *d, uint64_t now_us)
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

/* A worker waits here, between two packets, until the main thread resumes it. */
void rw_host_worker_pause(struct host *h)
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
        rw_replay_pause(h);
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

/* SIGHUP, between two packets: reopen eve.json (log rotation) and reload the rules, their
 * lists and the magic files. A bad new set is reported and the running one kept. */
void rw_host_handle_hup(struct host *h)
{
    struct rw_diag *diag = rw_diag_new();
    char summary[256];
    int rc;

    rw_host_sig_hup = 0;
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
        rw_host_print_diag(diag);
        fprintf(stderr, "reelwatch: reload refused (%zu error%s); keeping the running rules\n",
                rw_diag_count(diag), rw_diag_count(diag) == 1 ? "" : "s");
    } else {
        rw_engine_summary(h->engine, summary, sizeof(summary));
        fprintf(stderr, "reelwatch: rules reloaded: %s\n", summary);
    }
    host_resume(h);
    rw_diag_free(&diag);
}

/*
 * Drops root for good once the capture and eve.json are open: supplementary groups, then
 * the group, then the user (real, effective and saved), and no new privileges from exec.
 * Then checks it took, and that root cannot be had back. Returns 0, or -1 with a message
 * (the caller stops: running on as root by mistake is worse than not running).
 */
int rw_host_drop_privileges(struct host *h)
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
    rw_host_worker_packet(w, &d, ts > w->now_us ? ts : w->now_us);
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
int rw_host_run_live(struct host *h)
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
    if (rw_host_drop_privileges(h) != 0)
        return -1;
    last_wall = ctl_wall = time(NULL);
    next_stats = last_wall + h->o->stats_interval_sec;
    while (!rw_host_sig_stop && !rw_evefile_failed(h->eve)) {
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
                rw_host_write_stats_at(h, (uint64_t)now * 1000000u);
                next_stats = now + h->o->stats_interval_sec;
            }
            rw_evefile_flush(h->eve);
        }
        if (rw_host_sig_hup)
            rw_host_handle_hup(h);
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
            rw_host_worker_pause(h);
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
int rw_host_run_live_workers(struct host *h)
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
    if (rw_host_drop_privileges(h) != 0)
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
    while (rc == 0 && !rw_host_sig_stop && !rw_evefile_failed(h->eve) &&
           !__atomic_load_n(&h->stop_req, __ATOMIC_SEQ_CST)) {
        time_t now;

        (void)poll(NULL, 0, 100);
        now = time(NULL);
        if (now != last_wall) {
            last_wall = now;
            if (h->o->stats_interval_sec != 0 && now >= next_stats) {
                rw_host_write_stats_at(h, (uint64_t)now * 1000000u);
                next_stats = now + h->o->stats_interval_sec;
            }
            rw_evefile_flush(h->eve);
        }
        if (rw_host_sig_hup)
            rw_host_handle_hup(h);
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
void rw_host_write_stats_at(struct host *h, uint64_t ts_us)
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

void rw_host_write_stats(struct host *h)
{
    /* Packet time keeps replays reproducible; with no packet at all, the wall clock. */
    rw_host_write_stats_at(h, h->now_us != 0 ? h->now_us : (uint64_t)time(NULL) * 1000000u);
}

int rw_host_setup_signals(void)
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

/* The workers' flow tables and engines: flow.memcap is shared out evenly. */
int rw_host_setup_workers(struct host *h)
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

/* Frees what rw_host_setup_workers made; flows still open end with reason shutdown. */
void rw_host_free_workers(struct host *h)
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

int rw_host_print_diag(const struct rw_diag *diag)
{
    const char *line;
    size_t i;

    for (i = 0; (line = rw_diag_line(diag, i)) != NULL; i++)
        fprintf(stderr, "%s\n", line);
    return (int)i;
}
