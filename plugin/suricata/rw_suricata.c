/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_suricata.c — reelwatch-suricata.so: Suricata 7.0's flows and files fed to the core's event layer. */

/*
 * A thin host. Suricata parses packets, flows and files; this file only translates its
 * objects into the core's event layer (plugin/core/rw.h: rw_events_*), and the core's
 * alert records into lines of Suricata's eve-log. Nothing here decides anything: the
 * rules, lists, home_net, typing and the records all come from plugin/core.
 *
 *   Init             reads the reelwatch: node, loads the rule set (refusing it with
 *                    file:line:col messages, which makes suricata -T fail), registers a
 *                    flow storage and four eve-log sub-modules named eve-log.reelwatch.
 *   packet (cond)    every packet: is the flow one some rule could fire on? Decided once
 *                    per flow and rule-set generation, kept in the flow storage.
 *   packet (log)     packets of such flows: counters, the files' storage flag (so the
 *                    filedata logger sees their bytes), Suricata's depth limits lifted,
 *                    the flow rules at each packet with payload.
 *   filedata         a file's bytes as they come: opened, typed, grown, closed.
 *   flow             the flow's end.
 *
 * Threads: every callback holds Suricata's lock of its flow; the state in the flow
 * storage is reached under it only. The engine (rules, lists, detector) is shared by
 * every thread, read under g_rw.lock; a reload (SIGHUP) takes it for writing.
 */

#include "suricata-common.h"
#include "decode.h"
#include "output.h" /* before the output-*.h headers, which use its types */

#include "app-layer-parser.h"
#include "app-layer-protos.h"
#include "conf.h"
#include "flow-storage.h"
#include "flow.h"
#include "output-file.h"
#include "output-filedata.h"
#include "output-flow.h"
#include "output-json.h"
#include "output-packet.h"
#include "stream-tcp.h"
#include "suricata-plugin.h"
#include "util-debug.h"
#include "util-file.h"

#include <pthread.h>

#include "rw.h"

#define RW_SC_SETS_MAX 64
#define RW_SC_LINE_MAX_BYTES (1u << 20)

/* The plugin's process-wide state: configuration and the one engine every thread reads. */
static struct {
    struct rw_engine *engine;
    struct rw_engine_config cfg;
    const char *sets[RW_SC_SETS_MAX];
    char *home_set;                  /* "home_net=..." from Suricata's HOME_NET */
    pthread_rwlock_t lock;           /* read: any callback; write: reload */
    int reload_flag;                 /* set to 1 by Suricata on SIGHUP */
    uint32_t gen;                    /* bumped by each successful reload (atomic): flows
                                      * judged at an older one are judged again */
    FlowStorageId storage;
} g_rw;

/* One Suricata thread's handle (one per sub-module per thread). */
struct rw_sc_thread {
    OutputJsonThreadCtx *jt;
    struct rw_events *ev;
    char *line;                      /* a record without its outer braces, for jb */
    size_t line_size;
};

/* A followed flow (in the flow storage; see RwScMark for the other values). */
struct rw_sc_flow {
    struct rw_flow_info info;
    struct rw_evflow *fl;
    uint8_t dirs;                    /* rw_events_flow_wanted: 1 << enum rw_dir, and
                                      * RW_EVENTS_LISTED << dir towards a flagged range,
                                      * RW_EVENTS_FLOW_RULES */
    uint8_t store_set;
};

static void RwScFlowFree(void *ptr)
{
    struct rw_sc_flow *s = ptr;

    if (ptr == NULL || ((uintptr_t)ptr & 1u))
        return;
    rw_events_flow_free(&s->fl);
    SCFree(s);
}

/* ---- the core's output: a record becomes an eve-log line ----------------------------- */

static int RwScWrite(void *ctx, const char *line, size_t len)
{
    struct rw_sc_thread *t = ctx;
    JsonBuilder *jb;

    if (len < 2 || line[0] != '{' || line[len - 1] != '}' || len > RW_SC_LINE_MAX_BYTES)
        return RW_EINVAL;
    if (t->line_size < len - 1) {
        char *n = SCRealloc(t->line, len - 1);

        if (n == NULL)
            return RW_ENOMEM;
        t->line = n;
        t->line_size = len - 1;
    }
    /* The record's members, appended as they are: the same keys and values as the
     * standalone sensor's line; eve-log adds its host and pcap_filename and writes. */
    memcpy(t->line, line + 1, len - 2);
    t->line[len - 2] = '\0';
    jb = jb_new_object();
    if (jb == NULL)
        return RW_ENOMEM;
    if (len > 2 && !jb_set_formatted(jb, t->line)) {
        jb_free(jb);
        return RW_ENOMEM;
    }
    OutputJsonBuilderBuffer(jb, t->jt);
    jb_free(jb);
    return 0;
}

static int RwScDiscard(void *ctx, const char *line, size_t len)
{
    (void)ctx;
    (void)line;
    (void)len;
    return 0;
}

/* ---- threads ------------------------------------------------------------------------- */

static void RwScReloadStart(void);

static TmEcode RwScThreadInit(ThreadVars *tv, const void *initdata, void **data)
{
    static pthread_once_t reload_once = PTHREAD_ONCE_INIT;
    struct rw_sc_thread *t = SCCalloc(1, sizeof(*t));
    void *jt = NULL;
    struct rw_output out;

    if (t == NULL)
        return TM_ECODE_FAILED;
    if (JsonLogThreadInit(tv, initdata, &jt) != TM_ECODE_OK) {
        SCFree(t);
        return TM_ECODE_FAILED;
    }
    t->jt = jt;
    out = (struct rw_output){ .ctx = t, .write = RwScWrite };
    t->ev = rw_events_new(g_rw.engine, &out);
    if (t->ev == NULL) {
        JsonLogThreadDeinit(tv, jt);
        SCFree(t);
        return TM_ECODE_FAILED;
    }
    *data = t;
    pthread_once(&reload_once, RwScReloadStart);
    return TM_ECODE_OK;
}

static TmEcode RwScThreadDeinit(ThreadVars *tv, void *data)
{
    struct rw_sc_thread *t = data;

    if (t == NULL)
        return TM_ECODE_OK;
    if (t->ev != NULL) {
        struct rw_events_counters c;

        rw_events_counters(t->ev, &c);
        if (c.flows > 0 || c.files_refused > 0)
            SCLogPerf("reelwatch: %s: %" PRIu64 " flows followed (%" PRIu64 " refused, no "
                      "memory), %" PRIu64 " files (%" PRIu64 " not followed), %" PRIu64
                      " alerts (%" PRIu64 " lost)",
                      tv->name, c.flows, c.flows_nomem, c.files, c.files_refused, c.alerts,
                      c.alerts_failed);
    }
    rw_events_free(&t->ev);
    JsonLogThreadDeinit(tv, t->jt);
    SCFree(t->line);
    SCFree(t);
    return TM_ECODE_OK;
}

/* ---- SIGHUP: reload the rule set, keep the old one on error --------------------------- */

static void RwScLogDiag(const struct rw_diag *d, int error)
{
    for (size_t i = 0; rw_diag_line(d, i) != NULL; i++) {
        if (error)
            SCLogError("reelwatch: %s", rw_diag_line(d, i));
        else
            SCLogWarning("reelwatch: %s", rw_diag_line(d, i));
    }
}

static void RwScMaybeReload(void)
{
    struct rw_diag *d;
    char summary[256];
    int rc;

    if (__atomic_exchange_n(&g_rw.reload_flag, 0, __ATOMIC_ACQ_REL) == 0)
        return;
    d = rw_diag_new();
    if (d == NULL)
        return;
    pthread_rwlock_wrlock(&g_rw.lock);
    rc = rw_engine_reload(g_rw.engine, &g_rw.cfg, d);
    rw_engine_summary(g_rw.engine, summary, sizeof(summary));
    if (rc == 0)
        __atomic_add_fetch(&g_rw.gen, 1, __ATOMIC_RELEASE);
    pthread_rwlock_unlock(&g_rw.lock);
    if (rc == 0) {
        SCLogNotice("reelwatch: rule set reloaded: %s", summary);
    } else {
        RwScLogDiag(d, 1);
        SCLogError("reelwatch: reload refused (%s), the running rule set stays", rw_strerror(rc));
    }
    rw_diag_free(&d);
}

/* Polls the SIGHUP flag: a reload happens within RW_SC_RELOAD_POLL_MS whether packets flow
 * or not, and never inside a packet callback (a flow's first packets are judged by one
 * rule set). Started with the first Suricata thread, after any daemonising fork. */
#define RW_SC_RELOAD_POLL_MS 100

static void *RwScReloadThread(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "RW#reload");
    for (;;) {
        struct timespec ts = { 0, RW_SC_RELOAD_POLL_MS * 1000000L };

        nanosleep(&ts, NULL);
        RwScMaybeReload();
    }
    return NULL;
}

static void RwScReloadStart(void)
{
    pthread_t th;

    if (pthread_create(&th, NULL, RwScReloadThread, NULL) != 0)
        SCLogError("reelwatch: no reload thread: SIGHUP will not reload the rules");
    else
        pthread_detach(th);
}

/* ---- flows ----------------------------------------------------------------------------- */

static void RwScAddr(const FlowAddress *fa, int v4, struct rw_addr *a)
{
    memset(a, 0, sizeof(*a));
    a->family = v4 ? 4 : 6;
    if (v4)
        memcpy(a->a, &fa->addr_data32[0], 4);
    else
        memcpy(a->a, fa->address.address_un_data8, 16);
}

static uint64_t RwScUs(SCTime_t t)
{
    return SCTIME_SECS(t) * 1000000u + SCTIME_USECS(t);
}

static void RwScKey(const Flow *f, struct rw_flow_key *k)
{
    int v4 = FLOW_IS_IPV4(f);

    memset(k, 0, sizeof(*k));
    RwScAddr(&f->src, v4, &k->src);
    RwScAddr(&f->dst, v4, &k->dst);
    k->sport = f->sp;
    k->dport = f->dp;
    k->proto = f->proto;
    for (int i = 0; i < VLAN_MAX_LAYERS && i < RW_VLAN_MAX_LAYERS && f->vlan_id[i] != 0; i++)
        k->vlan[k->nvlan++] = f->vlan_id[i];
}

/* Suricata's word for the flow's protocol, or NULL while unknown. */
static const char *RwScAppProto(const Flow *f)
{
    if (f->alproto == ALPROTO_UNKNOWN || f->alproto == ALPROTO_FAILED)
        return NULL;
    return AppProtoToString(f->alproto);
}

/* The flow storage holds a struct rw_sc_flow, or an odd value: the flow was judged at
 * rule-set generation value >> 2 and is not followed (bit 1 clear) or only its files are
 * (bit 1 set: no flow or host rule could fire on it, so its packets are not looked at and
 * its state is made at its first file). */
#define RW_SC_FILES_ONLY 2u

static void *RwScMark(uint32_t gen, int files_only)
{
    return (void *)(((uintptr_t)gen << 2) | (files_only ? RW_SC_FILES_ONLY : 0) | 1u);
}

/* The state for a followed flow; NULL on OOM (counted by the core). Under g_rw.lock. */
static struct rw_sc_flow *RwScFlowNew(struct rw_sc_thread *t, Flow *f,
                                      const struct rw_flow_key *key, unsigned wanted)
{
    struct rw_sc_flow *s = SCCalloc(1, sizeof(*s));

    if (s == NULL)
        return NULL;
    s->info.key = *key;
    s->dirs = (uint8_t)wanted;
    s->info.flow_id = (uint64_t)FlowGetId(f);
    s->info.start_us = RwScUs(f->startts);
    s->info.last_us = s->info.start_us;
    s->fl = rw_events_flow_new(t->ev, &s->info);
    if (s->fl == NULL) {
        SCFree(s);
        return NULL;
    }
    return s;
}

/* Sets the storage flag on the flow's files in the directions rules could fire on: only
 * those files reach the filedata logger. The app-layer parser copies the flow's flags into
 * its state when it makes it. */
static void RwScStoreFiles(Flow *f, unsigned wanted)
{
    uint16_t fl = (uint16_t)(((wanted & (1u << RW_TOSERVER)) ? FLOWFILE_STORE_TS : 0) |
                             ((wanted & (1u << RW_TOCLIENT)) ? FLOWFILE_STORE_TC : 0));

    FileUpdateFlowFileFlags(f, fl, STREAM_TOSERVER);
}

/* The flow's state when its packets are followed, else NULL; decides on the first packet
 * of each flow (and again after a reload). Called with the flow locked. */
static struct rw_sc_flow *RwScFlowGet(struct rw_sc_thread *t, Flow *f)
{
    void *v = FlowGetStorageById(f, g_rw.storage);
    struct rw_sc_flow *s = NULL;
    struct rw_flow_key key;
    uint32_t gen;
    unsigned wanted;

    if (v != NULL && !((uintptr_t)v & 1u))
        return v;
    /* Every packet of a flow that is not followed comes here: no lock for it. */
    gen = __atomic_load_n(&g_rw.gen, __ATOMIC_ACQUIRE);
    if (v != NULL && ((uintptr_t)v >> 2) == (uintptr_t)gen)
        return NULL;
    pthread_rwlock_rdlock(&g_rw.lock);
    gen = __atomic_load_n(&g_rw.gen, __ATOMIC_ACQUIRE);
    RwScKey(f, &key);
    wanted = rw_events_flow_wanted(t->ev, &key);
    if (wanted & (RW_EVENTS_FLOW_RULES | (RW_EVENTS_LISTED << RW_TOSERVER) |
                  (RW_EVENTS_LISTED << RW_TOCLIENT)))
        s = RwScFlowNew(t, f, &key, wanted);
    pthread_rwlock_unlock(&g_rw.lock);
    if (s != NULL) {
        FlowSetStorageById(f, g_rw.storage, s);
    } else {
        if (wanted != 0)
            RwScStoreFiles(f, wanted);
        FlowSetStorageById(f, g_rw.storage, RwScMark(gen, wanted != 0));
    }
    return s;
}

/* The state of a flow at one of its files: made now for a files-only flow, with Suricata's
 * counters so far. NULL when the flow is not followed. Called with the flow locked. */
static struct rw_sc_flow *RwScFlowForFile(struct rw_sc_thread *t, Flow *f)
{
    void *v = FlowGetStorageById(f, g_rw.storage);
    struct rw_sc_flow *s = NULL;
    struct rw_flow_key key;
    unsigned wanted;

    if (v == NULL)
        return NULL;
    if (!((uintptr_t)v & 1u))
        return v;
    if (!((uintptr_t)v & RW_SC_FILES_ONLY))
        return NULL;
    RwScKey(f, &key);
    pthread_rwlock_rdlock(&g_rw.lock);
    wanted = rw_events_flow_wanted(t->ev, &key);
    if (wanted != 0)
        s = RwScFlowNew(t, f, &key, wanted);
    pthread_rwlock_unlock(&g_rw.lock);
    if (s == NULL)
        return NULL;
    s->store_set = 1;
    s->info.pkts[RW_TOSERVER] = f->todstpktcnt;
    s->info.pkts[RW_TOCLIENT] = f->tosrcpktcnt;
    s->info.bytes[RW_TOSERVER] = f->todstbytecnt;
    s->info.bytes[RW_TOCLIENT] = f->tosrcbytecnt;
    FlowSetStorageById(f, g_rw.storage, s);
    return s;
}

/* Takes Suricata's counters (which include this packet) and ours (IP and payload bytes,
 * as the standalone sensor counts them) into info. */
static void RwScCount(struct rw_sc_flow *s, const Flow *f, const Packet *p)
{
    struct rw_flow_info *info = &s->info;
    int d = PKT_IS_TOSERVER(p) ? RW_TOSERVER : RW_TOCLIENT;

    info->pkts[RW_TOSERVER] = f->todstpktcnt;
    info->pkts[RW_TOCLIENT] = f->tosrcpktcnt;
    info->last_us = RwScUs(p->ts);
    info->app_proto = RwScAppProto(f);
    if (PKT_IS_PSEUDOPKT(p))
        return;
    if (PKT_IS_IPV4(p))
        info->bytes[d] += IPV4_GET_IPLEN(p);
    else if (PKT_IS_IPV6(p))
        info->bytes[d] += 40u + IPV6_GET_PLEN(p);
    info->payload[d] += p->payload_len;
    if (PKT_IS_TCP(p))
        info->tcp_flags[d] |= p->tcph->th_flags;
}

/* A followed flow's files reach the filedata logger; towards a flagged range they are not
 * cut at Suricata's body limit or stream depth (other flows keep both). Depth is set again
 * on every packet: protocol detection resets it to the protocol's default. */
static void RwScLiftLimits(struct rw_sc_flow *s, Flow *f, const Packet *p)
{
    if (!s->store_set) {
        RwScStoreFiles(f, s->dirs);
        s->store_set = 1;
    }
    /* Past Suricata's limits only towards a flagged range (a listed receiver). */
    if (!(s->dirs & ((RW_EVENTS_LISTED << RW_TOSERVER) | (RW_EVENTS_LISTED << RW_TOCLIENT))))
        return;
    if (f->proto == IPPROTO_TCP && f->protoctx != NULL)
        TcpSessionSetReassemblyDepth((TcpSession *)f->protoctx, 0);
    if (f->alproto == ALPROTO_HTTP1 && f->alstate != NULL) {
        uint64_t n = AppLayerParserGetTxCnt(f, f->alstate);

        if (n > 0)
            AppLayerParserSetStreamDepthFlag(f->proto, f->alproto, f->alstate, n - 1,
                                             STREAM_FLAGS_FOR_PACKET(p));
    }
}

static int RwScPacketCond(ThreadVars *tv, void *data, const Packet *p)
{
    (void)tv;
    if (p->flow == NULL)
        return FALSE;
    return RwScFlowGet(data, p->flow) != NULL;
}

static int RwScPacketLog(ThreadVars *tv, void *data, const Packet *p)
{
    struct rw_sc_thread *t = data;
    Flow *f = p->flow;
    struct rw_sc_flow *s;

    (void)tv;
    if (f == NULL || (s = RwScFlowGet(t, f)) == NULL)
        return 0;
    /* The rules look at a flow at its first packet (traffic to a list) and at packets
     * that carry payload, as at the packet layer. */
    int first = !s->store_set;

    RwScCount(s, f, p);
    RwScLiftLimits(s, f, p);
    if ((p->payload_len > 0 || first) && !PKT_IS_PSEUDOPKT(p) &&
        (s->dirs & RW_EVENTS_FLOW_RULES)) {
        pthread_rwlock_rdlock(&g_rw.lock);
        rw_events_flow_progress(t->ev, s->fl, &s->info, s->info.last_us);
        pthread_rwlock_unlock(&g_rw.lock);
    }
    return 0;
}

static int RwScFlowLog(ThreadVars *tv, void *data, Flow *f)
{
    struct rw_sc_thread *t = data;
    void *v = FlowGetStorageById(f, g_rw.storage);
    struct rw_sc_flow *s = v;

    (void)tv;
    if (v == NULL || ((uintptr_t)v & 1u) || s->fl == NULL)
        return 0;
    s->info.pkts[RW_TOSERVER] = f->todstpktcnt;
    s->info.pkts[RW_TOCLIENT] = f->tosrcpktcnt;
    s->info.last_us = RwScUs(f->lastts);
    s->info.app_proto = RwScAppProto(f);
    s->info.state = RW_FLOW_CLOSED;
    pthread_rwlock_rdlock(&g_rw.lock);
    rw_events_flow_end(t->ev, &s->fl, &s->info);
    pthread_rwlock_unlock(&g_rw.lock);
    return 0;
}

/* ---- files ----------------------------------------------------------------------------- */

static int RwScFiledataLog(ThreadVars *tv, void *data, const Packet *p, File *ff, void *tx,
                           const uint64_t tx_id, const uint8_t *bytes, uint32_t len,
                           uint8_t flags, uint8_t dir)
{
    struct rw_sc_thread *t = data;
    struct rw_sc_flow *s;
    uint64_t key = (uint64_t)(uintptr_t)ff;
    uint64_t now;

    (void)tv;
    (void)tx;
    (void)tx_id;
    if (p->flow == NULL)
        return 0;
    s = RwScFlowForFile(t, p->flow);
    if (s == NULL)
        return 0;
    now = RwScUs(p->ts);
    pthread_rwlock_rdlock(&g_rw.lock);
    if (flags & OUTPUT_FILEDATA_FLAG_OPEN)
        (void)rw_events_file_open(t->ev, s->fl, &s->info, key,
                                  (dir & STREAM_TOCLIENT) ? RW_TOCLIENT : RW_TOSERVER,
                                  (const char *)ff->name, ff->name_len,
                                  AppProtoToString(p->flow->alproto), now);
    if (bytes != NULL && len > 0)
        rw_events_file_data(t->ev, s->fl, &s->info, key, bytes, len, now);
    if (flags & OUTPUT_FILEDATA_FLAG_CLOSE)
        rw_events_file_close(t->ev, s->fl, &s->info, key,
                             ff->state != FILE_STATE_CLOSED || (ff->flags & FILE_HAS_GAPS), now);
    pthread_rwlock_unlock(&g_rw.lock);
    return 0;
}

/*
 * Once any filedata logger (ours) runs, Suricata keeps a transaction alive until each of
 * its files was stored (app-layer-parser.c: files_opened != files_stored), and files that
 * nobody asked to store never are: every file transaction would then live, with its body
 * buffers, until its flow ends. A file we did not ask to store counts as stored as soon as
 * Suricata has logged it, so transactions go when they would without the plugin.
 */
static int RwScFileLog(ThreadVars *tv, void *data, const Packet *p, const File *ff, void *tx,
                       const uint64_t tx_id, uint8_t dir)
{
    AppLayerTxData *txd;

    (void)tv;
    (void)data;
    (void)tx_id;
    (void)dir;
    if ((ff->flags & FILE_STORE) || p->flow == NULL || tx == NULL)
        return 0;
    txd = AppLayerParserGetTxData(p->flow->proto, p->flow->alproto, tx);
    if (txd != NULL && txd->files_stored < txd->files_opened)
        txd->files_stored++;
    return 0;
}

/* ---- configuration and registration ------------------------------------------------- */

/* home_net=<Suricata's HOME_NET> when it is a plain list of networks: "[a,b]" -> "a,b". */
static char *RwScHomeNet(void)
{
    const char *v = NULL;
    char *out;
    size_t n, k = 0;

    if (ConfGet("vars.address-groups.HOME_NET", &v) != 1 || v == NULL)
        return NULL;
    if (strpbrk(v, "!$") != NULL) {
        SCLogWarning("reelwatch: HOME_NET '%s' uses negation or variables; set "
                     "reelwatch.set: [home_net=...] instead", v);
        return NULL;
    }
    n = strlen(v);
    out = SCMalloc(n + sizeof("home_net="));
    if (out == NULL)
        return NULL;
    memcpy(out, "home_net=", 9);
    k = 9;
    for (size_t i = 0; i < n; i++)
        if (v[i] != '[' && v[i] != ']' && v[i] != ' ' && v[i] != '"')
            out[k++] = v[i];
    out[k] = '\0';
    return out;
}

/* Reads reelwatch.rules and reelwatch.set; home_net defaults to Suricata's HOME_NET. */
static int RwScConfig(void)
{
    ConfNode *set = ConfGetNode("reelwatch.set");
    ConfNode *c;
    size_t n = 0;
    int have_home = 0;

    if (ConfGet("reelwatch.rules", &g_rw.cfg.rules_path) != 1)
        g_rw.cfg.rules_path = NULL;
    if (set != NULL) {
        TAILQ_FOREACH (c, &set->head, next) {
            if (c->val == NULL)
                continue;
            if (n >= RW_SC_SETS_MAX - 1) {
                SCLogError("reelwatch.set: expected at most %d values", RW_SC_SETS_MAX - 1);
                return -1;
            }
            if (strncmp(c->val, "home_net=", 9) == 0)
                have_home = 1;
            g_rw.sets[n++] = c->val;
        }
    }
    g_rw.cfg.events_only = 1; /* Suricata classifies: no nDPI module */
    if (!have_home && (g_rw.home_set = RwScHomeNet()) != NULL) {
        g_rw.sets[n++] = g_rw.home_set;
        SCLogNotice("reelwatch: %s (Suricata's HOME_NET)", g_rw.home_set);
    }
    g_rw.cfg.sets = g_rw.sets;
    g_rw.cfg.nsets = n;
    return 0;
}

/* Adds "reelwatch" to the types of the first enabled eve-log, unless some eve-log lists it
 * already or reelwatch.eve-log is "no": the include file alone then enables our records
 * in Debian's unmodified suricata.yaml. Runs before Suricata sets its outputs up. */
static void RwScEnableEve(void)
{
    ConfNode *outputs = ConfGetNode("outputs");
    ConfNode *o, *first = NULL;
    int enable = 1;

    if (ConfGetBool("reelwatch.eve-log", &enable) == 1 && !enable)
        return;
    if (outputs == NULL)
        return;
    TAILQ_FOREACH (o, &outputs->head, next) {
        ConfNode *eve = ConfNodeLookupChild(o, "eve-log");
        ConfNode *types, *c;

        if (eve == NULL || !ConfNodeChildValueIsTrue(eve, "enabled"))
            continue;
        types = ConfNodeLookupChild(eve, "types");
        if (types == NULL)
            continue;
        TAILQ_FOREACH (c, &types->head, next) {
            if ((c->val != NULL && strcmp(c->val, "reelwatch") == 0) ||
                ConfNodeLookupChild(c, "reelwatch") != NULL)
                return;
        }
        if (first == NULL)
            first = types;
    }
    if (first != NULL) {
        ConfNode *n = ConfNodeNew();
        char idx[16];
        int k = 0;

        TAILQ_FOREACH (o, &first->head, next)
            k++;
        snprintf(idx, sizeof(idx), "%d", k);
        if (n == NULL || (n->name = SCStrdup(idx)) == NULL || (n->val = SCStrdup("reelwatch")) == NULL)
            FatalError("reelwatch: out of memory");
        n->parent = first;
        TAILQ_INSERT_TAIL(&first->head, n, next);
        SCLogConfig("reelwatch: added 'reelwatch' to the eve-log types (entry %d)", k);
    }
}

static void RwScInit(void)
{
    static const struct rw_output discard = { NULL, RwScDiscard };
    pthread_rwlockattr_t attr;
    struct rw_diag *d = rw_diag_new();
    char summary[256];
    int err = 0;

    if (d == NULL || RwScConfig() != 0)
        FatalError("reelwatch: could not read the reelwatch: node");
    if (g_rw.cfg.rules_path == NULL)
        SCLogWarning("reelwatch: no reelwatch.rules set: no rule will fire");
    g_rw.engine = rw_engine_new(&g_rw.cfg, &discard, d, &err);
    if (g_rw.engine == NULL) {
        RwScLogDiag(d, 1);
        FatalError("reelwatch: rule set %s refused (%s)",
                   g_rw.cfg.rules_path != NULL ? g_rw.cfg.rules_path : "(none)", rw_strerror(err));
    }
    RwScLogDiag(d, 0);
    rw_diag_free(&d);
    rw_engine_summary(g_rw.engine, summary, sizeof(summary));
    SCLogNotice("reelwatch: %s", summary);

    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&g_rw.lock, &attr);
    pthread_rwlockattr_destroy(&attr);

    g_rw.storage = FlowStorageRegister("reelwatch", sizeof(void *), NULL, RwScFlowFree);
    if (g_rw.storage.id < 0)
        FatalError("reelwatch: could not register flow storage");
    /* Files of followed flows are cut at no depth (FileReassemblyDepth() applies only to
     * transactions flagged as such: RwScLiftLimits). */
    FileReassemblyDepthEnable(0);
    OutputRegisterFileRotationFlag(&g_rw.reload_flag);
    RwScEnableEve();

    /* eve-log sub-modules, all enabled by "reelwatch" in an eve-log's types: they share its
     * file, threading and filetype. Logger ids only name them for profiling. */
    OutputRegisterPacketSubModule(LOGGER_JSON_METADATA, "eve-log", "RwEvePacket",
                                  "eve-log.reelwatch", OutputJsonLogInitSub, RwScPacketLog,
                                  RwScPacketCond, RwScThreadInit, RwScThreadDeinit, NULL);
    OutputRegisterFiledataSubModule(LOGGER_FILEDATA, "eve-log", "RwEveFiledata",
                                    "eve-log.reelwatch", OutputJsonLogInitSub, RwScFiledataLog,
                                    RwScThreadInit, RwScThreadDeinit, NULL);
    OutputRegisterFileSubModule(LOGGER_FILE, "eve-log", "RwEveFile", "eve-log.reelwatch",
                                OutputJsonLogInitSub, RwScFileLog, RwScThreadInit,
                                RwScThreadDeinit, NULL);
    OutputRegisterFlowSubModule(LOGGER_JSON_FLOW, "eve-log", "RwEveFlow", "eve-log.reelwatch",
                                OutputJsonLogInitSub, RwScFlowLog, RwScThreadInit,
                                RwScThreadDeinit, NULL);
}

static SCPlugin rw_plugin = {
    .name = "reelwatch",
    .license = "GPLv2",
    .author = "reelwatch",
    .Init = RwScInit,
};

__attribute__((visibility("default"))) SCPlugin *SCPluginRegister(void);

SCPlugin *SCPluginRegister(void)
{
    return &rw_plugin;
}
