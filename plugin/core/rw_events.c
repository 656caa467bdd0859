/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_events.c — the event layer: flows and files a host parsed itself, through the core's rules. */
#include "rw_events.h"

#include <string.h>

#include "rw_eve.h"
#include "rw_files.h"
#include "rw_xfer.h"

/*
 * A host that parses flows and files itself (Suricata) reports, per flow, its progress,
 * its files (opened, bytes, closed) and its end. The files go through rw_files, the same
 * module the packet layer's parsers report to, so typing (the first RW_MAGIC_WANT_BYTES
 * through rw_magic), type groups, the file rule events and the alert records are the
 * packet layer's. What differs is only who owns what: the engine's pieces are read at
 * every call (a reload swaps them), each flow carries its own rw_files environment (the
 * flow may be reported by several host threads over its life, one at a time), and alerts
 * go to the output of the rw_events the call came through (the calling thread's).
 */

struct rw_events {
    struct rw_engine *e;
    struct rw_output out;
    struct rw_events_counters st;
};

/* A followed file: the host's key and rw_files' id. */
struct events_file {
    uint64_t key;
    uint32_t id;
};

struct rw_evflow {
    struct rw_files_env env;          /* refreshed at every call (engine_parts) */
    struct rw_files_stats fstats;     /* this flow's files only */
    struct rw_files *files;           /* from the first file on */
    struct events_file *map;          /* RW_FILES_PER_FLOW_MAX entries, with files */
    size_t nmap;
    struct rw_detect_flowstate det;
    uint32_t gen;                     /* rule-set generation of det and rules_apply */
    uint8_t rules_apply;              /* bit 1 << enum rw_dir: directions a rule could fire on */
};

/* The context of one call: alerts go to this thread's output. */
struct events_call {
    struct rw_events *ev;
    struct rw_evflow *fl;
    struct rw__engine_parts parts;
    struct rw_detect_flow view;
};

struct rw_events *rw_events_new(struct rw_engine *e, const struct rw_output *out)
{
    struct rw_events *ev = rw_calloc(1, sizeof(*ev));

    if (ev == NULL)
        return NULL;
    ev->e = e;
    ev->out = *out;
    return ev;
}

void rw_events_free(struct rw_events **evp)
{
    if (evp == NULL || *evp == NULL)
        return;
    rw_free(*evp);
    *evp = NULL;
}

void rw_events_counters(const struct rw_events *ev, struct rw_events_counters *out)
{
    *out = ev->st;
}

uint32_t rw_events_generation(const struct rw_events *ev)
{
    struct rw__engine_parts p;

    rw__engine_parts(ev->e, &p);
    return p.gen;
}

/* Could a flow or host rule fire on one of the directions in dirs? The same test as the
 * engine's (rw_engine.c, engine_rules_apply), for rules above level file only. */
static int events_flow_rules_apply(const struct rw_ruleset *rs, const struct rw_flow_key *k,
                                   const uint8_t addrs[2], unsigned dirs)
{
    struct rw_addrlist_match ms[2][8];
    size_t n[2];

    n[0] = rw_rules_lookup_dst(rs, &k->src, ms[0], 8);
    n[1] = rw_rules_lookup_dst(rs, &k->dst, ms[1], 8);
    n[0] = n[0] > 8 ? 8 : n[0];
    n[1] = n[1] > 8 ? 8 : n[1];
    for (size_t i = 0; i < rw_rules_count(rs); i++) {
        const struct rw_rule *r = rw_rules_rule(rs, i);

        if (r->level == RW_RULE_FILE)
            continue;
        for (unsigned d = RW_TOSERVER; d <= RW_TOCLIENT; d++) {
            /* The receiver of direction d: the server for TOSERVER (ms[1]), else the client. */
            const struct rw_addrlist_match *rm = ms[d == RW_TOSERVER ? 1 : 0];
            size_t rn = n[d == RW_TOSERVER ? 1 : 0];
            int shome = (addrs[d] & RW_DETECT_ADDR_SRC_HOME) != 0;
            int dhome = (addrs[d] & RW_DETECT_ADDR_DST_HOME) != 0;
            uint8_t cls = shome && !dhome ? RW_DIR_OUTBOUND : !shome && dhome ? RW_DIR_INBOUND : 0;
            int listed = r->ndst == 0;

            if (!(dirs & (1u << d)) || (r->direction != RW_DIR_ANY && r->direction != cls))
                continue;
            for (size_t a = 0; a < r->ndst && !listed; a++)
                for (size_t b = 0; b < rn && !listed; b++)
                    listed = rm[b].index == r->dst[a];
            if (listed)
                return 1;
        }
    }
    return 0;
}

unsigned rw_events_flow_wanted(const struct rw_events *ev, const struct rw_flow_key *key)
{
    struct rw__engine_parts p;
    uint8_t addrs[2];
    unsigned dirs = rw__engine_rules_apply(ev->e, key, addrs);

    if (dirs == 0)
        return 0;
    for (unsigned d = RW_TOSERVER; d <= RW_TOCLIENT; d++)
        if ((dirs & (1u << d)) && (addrs[d] & RW_DETECT_ADDR_KNOWN) &&
            !(addrs[d] & RW_DETECT_ADDR_DST_UNLISTED))
            dirs |= RW_EVENTS_LISTED << d;
    rw__engine_parts(ev->e, &p);
    if (p.rules != NULL && events_flow_rules_apply(p.rules, key, addrs, dirs & 3u))
        dirs |= RW_EVENTS_FLOW_RULES;
    return dirs;
}

/* The alert callback of rw_detect (directly or through rw_files). */
static int events_alert(void *ctx, const struct rw_alert *a)
{
    struct events_call *c = ctx;
    int rc;

    if (!c->parts.alerts)
        return 0;
    rc = rw_eve_emit(&c->ev->out, rw_detect_alert_record(a, a->ts_us));
    if (rc == 0)
        c->ev->st.alerts++;
    else
        c->ev->st.alerts_failed++;
    return rc;
}

/* Starts a call: the engine's pieces now, the flow's rule state for this generation and
 * the flow as the rules see it. */
static void events_begin(struct events_call *c, struct rw_events *ev, struct rw_evflow *fl,
                         const struct rw_flow_info *info)
{
    memset(c, 0, sizeof(*c));
    c->ev = ev;
    c->fl = fl;
    rw__engine_parts(ev->e, &c->parts);
    if (fl->gen != c->parts.gen) {
        memset(&fl->det, 0, sizeof(fl->det));
        fl->rules_apply = (uint8_t)rw__engine_rules_apply(ev->e, &info->key, fl->det.addrs);
        fl->gen = c->parts.gen;
    }
    fl->env.magic = c->parts.magic;
    fl->env.rules = c->parts.rules;
    fl->env.detect = c->parts.detect;
    fl->env.emit = events_alert;
    fl->env.emit_ctx = c;
    c->view.info = info;
    c->view.app_proto = info->app_proto;
    c->view.families = rw_detect_families(NULL, info->app_proto, NULL) | RW_DETECT_FAM_COMPUTED;
    c->view.anonymous = fl->files != NULL ? rw_files_anonymous(fl->files) : -1;
    c->view.state = &fl->det;
}

static struct rw_files_call events_files_call(const struct events_call *c, uint64_t now_us)
{
    return (struct rw_files_call){
        .info = c->view.info, .flow = &c->view, .now_us = now_us, .gen = c->parts.gen };
}

struct rw_evflow *rw_events_flow_new(struct rw_events *ev, const struct rw_flow_info *info)
{
    struct rw_evflow *fl = rw_calloc(1, sizeof(*fl));
    struct rw__engine_parts p;

    if (fl == NULL) {
        ev->st.flows_nomem++;
        return NULL;
    }
    rw__engine_parts(ev->e, &p);
    fl->gen = p.gen;
    fl->rules_apply = (uint8_t)rw__engine_rules_apply(ev->e, &info->key, fl->det.addrs);
    fl->env.stats = &fl->fstats;
    ev->st.flows++;
    return fl;
}

void rw_events_flow_progress(struct rw_events *ev, struct rw_evflow *fl,
                             const struct rw_flow_info *info, uint64_t now_us)
{
    struct events_call c;

    if (fl == NULL)
        return;
    events_begin(&c, ev, fl, info);
    if (c.parts.detect != NULL && fl->rules_apply)
        rw_detect_flow(c.parts.detect, &c.view, RW_DET_FLOW_PROGRESS, now_us, events_alert, &c);
}

void rw_events_flow_free(struct rw_evflow **flp)
{
    struct rw_evflow *fl;

    if (flp == NULL || *flp == NULL)
        return;
    fl = *flp;
    rw_files_free(&fl->files);
    rw_free(fl->map);
    rw_free(fl);
    *flp = NULL;
}

void rw_events_flow_end(struct rw_events *ev, struct rw_evflow **flp,
                        const struct rw_flow_info *info)
{
    struct rw_evflow *fl = flp == NULL ? NULL : *flp;
    struct events_call c;

    if (fl == NULL)
        return;
    events_begin(&c, ev, fl, info);
    if (fl->files != NULL) {
        struct rw_files_call fc = events_files_call(&c, info->last_us);

        rw_files_end(fl->files, &fc);
        fl->nmap = 0;
    }
    if (c.parts.detect != NULL && fl->rules_apply) {
        c.view.anonymous = fl->files != NULL ? rw_files_anonymous(fl->files) : -1;
        rw_detect_flow(c.parts.detect, &c.view, RW_DET_FLOW_END, info->last_us, events_alert,
                       &c);
    }
    rw_events_flow_free(flp);
}

/* The map entry of key, or NULL. */
static struct events_file *events_find(struct rw_evflow *fl, uint64_t key)
{
    for (size_t i = 0; i < fl->nmap; i++)
        if (fl->map[i].key == key)
            return &fl->map[i];
    return NULL;
}

/* Ends the file of map entry m and drops the entry. */
static void events_close(struct events_call *c, struct events_file *m, int truncated,
                         uint64_t now_us)
{
    struct rw_evflow *fl = c->fl;
    struct rw_files_call fc = events_files_call(c, now_us);

    rw_files_close(fl->files, &fc, m->id, truncated);
    *m = fl->map[--fl->nmap];
}

int rw_events_file_open(struct rw_events *ev, struct rw_evflow *fl,
                        const struct rw_flow_info *info, uint64_t key, uint8_t dir,
                        const char *name, size_t name_len, const char *app_proto,
                        uint64_t now_us)
{
    struct events_call c;
    struct events_file *m;
    struct rw_xfer_meta meta = { .app_proto = app_proto };
    struct rw_files_call fc;
    uint32_t id;

    if (fl == NULL)
        return 0;
    events_begin(&c, ev, fl, info);
    m = events_find(fl, key);
    if (m != NULL)
        events_close(&c, m, 1, now_us);
    if (dir > RW_TOCLIENT || !(fl->rules_apply & (1u << dir)))
        goto refused;
    if (fl->files == NULL)
        fl->files = rw_files_new(&fl->env);
    if (fl->map == NULL)
        fl->map = rw_calloc(RW_FILES_PER_FLOW_MAX, sizeof(*fl->map));
    if (fl->files == NULL || fl->map == NULL || fl->nmap >= RW_FILES_PER_FLOW_MAX)
        goto refused;
    fc = events_files_call(&c, now_us);
    id = rw_files_open(fl->files, &fc, dir, name, name_len, &meta);
    if (id == 0)
        goto refused;
    fl->map[fl->nmap++] = (struct events_file){ key, id };
    ev->st.files++;
    return 1;
refused:
    ev->st.files_refused++;
    return 0;
}

void rw_events_file_data(struct rw_events *ev, struct rw_evflow *fl,
                         const struct rw_flow_info *info, uint64_t key, const uint8_t *p,
                         size_t n, uint64_t now_us)
{
    struct events_call c;
    struct events_file *m;
    struct rw_files_call fc;

    if (fl == NULL || n == 0)
        return;
    m = events_find(fl, key);
    if (m == NULL)
        return;
    events_begin(&c, ev, fl, info);
    fc = events_files_call(&c, now_us);
    rw_files_data(fl->files, &fc, m->id, p, n);
}

void rw_events_file_close(struct rw_events *ev, struct rw_evflow *fl,
                          const struct rw_flow_info *info, uint64_t key, int truncated,
                          uint64_t now_us)
{
    struct events_call c;
    struct events_file *m;

    if (fl == NULL)
        return;
    m = events_find(fl, key);
    if (m == NULL)
        return;
    events_begin(&c, ev, fl, info);
    events_close(&c, m, truncated, now_us);
}
