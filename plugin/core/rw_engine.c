/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_engine.c — the detection core's entry points: ties classification, rules and EVE together.
 * A flow's application layer (choosing and feeding its parser) is in rw_engine_app.c. */
#include "rw_engine_int.h"

#include <dirent.h>
#include <gcrypt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "rw.h"
#include "rw_classify.h"
#include "rw_detect.h"
#include "rw_eve.h"
#include "rw_events.h"
#include "rw_expect.h"
#include "rw_files.h"
#include "rw_ftp.h"
#include "rw_http.h"
#include "rw_magic.h"
#include "rw_anomaly.h"
#include "rw_rules.h"
#include "rw_smb.h"
#include "rw_smtp.h"
#include "rw_stream.h"
#include "rw_tftp.h"

static const struct {
    const char *name;
    unsigned bit;
} eve_type_names[] = {
    {"alert", RW_EVE_ALERT},
    {"fileinfo", RW_EVE_FILEINFO},
    {"anomaly", RW_EVE_ANOMALY},
    {"flow", RW_EVE_FLOW},
    {"stats", RW_EVE_STATS},
};

/* Parses "alert,flow,stats" into a bit set; reports unknown words. */
static int engine_parse_eve_types(const char *value, unsigned *bits, struct rw_diag *diag)
{
    const char *p = value;
    int bad = 0;

    *bits = 0;
    while (*p != '\0') {
        size_t n = strcspn(p, ",");
        size_t i;

        for (i = 0; i < sizeof(eve_type_names) / sizeof(eve_type_names[0]); i++) {
            if (strlen(eve_type_names[i].name) == n &&
                strncmp(eve_type_names[i].name, p, n) == 0)
                break;
        }
        if (i == sizeof(eve_type_names) / sizeof(eve_type_names[0])) {
            rw_diag_add(diag, "--set", 0, 0,
                        "eve.types: expected alert, anomaly, fileinfo, flow or stats, found '%.*s'",
                        (int)n, p);
            bad = 1;
        } else {
            *bits |= eve_type_names[i].bit;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return bad ? RW_EPARSE : 0;
}

/*
 * Splits the --set list: names the engine owns (eve.*) are applied here, names without a
 * dot are rule-set variables and go to the rules loader, any other dotted name is an
 * error (the host has already taken its own, such as flow.memcap).
 */
static int engine_apply_sets(struct rw_engine *e, const struct rw_engine_config *cfg,
                             const char **rule_sets, size_t *nrule_sets, struct rw_diag *diag)
{
    int rc = 0;

    *nrule_sets = 0;
    for (size_t i = 0; i < cfg->nsets; i++) {
        const char *s = cfg->sets[i];
        const char *eq = strchr(s, '=');
        size_t nlen = eq == NULL ? strlen(s) : (size_t)(eq - s);

        if (eq == NULL || nlen == 0) {
            rw_diag_add(diag, "--set", 0, 0, "expected NAME=VALUE, found '%s'", s);
            rc = RW_EPARSE;
        } else if (nlen == strlen("eve.types") && strncmp(s, "eve.types", nlen) == 0) {
            if (engine_parse_eve_types(eq + 1, &e->eve_types, diag) != 0)
                rc = RW_EPARSE;
        } else if (nlen == strlen("file.sha256") && strncmp(s, "file.sha256", nlen) == 0) {
            if (strcmp(eq + 1, "yes") == 0 || strcmp(eq + 1, "true") == 0) {
                e->sha256 = 1;
            } else if (strcmp(eq + 1, "no") == 0 || strcmp(eq + 1, "false") == 0) {
                e->sha256 = 0;
            } else {
                rw_diag_add(diag, "--set", 0, 0, "file.sha256: expected yes or no, found '%s'",
                            eq + 1);
                rc = RW_EPARSE;
            }
        } else if (memchr(s, '.', nlen) != NULL) {
            rw_diag_add(diag, "--set", 0, 0, "unknown setting '%.*s'", (int)nlen, s);
            rc = RW_EPARSE;
        } else {
            rule_sets[(*nrule_sets)++] = s;
        }
    }
    return rc;
}

/*
 * The magic files to load before the system database: the configured list, else every
 * "*.magic" file in the rules directory (or in the directory of the rule file), in name
 * order, colon-separated into buf. "" when there are none.
 */
static void engine_magic_paths(const struct rw_engine_config *cfg, char *buf, size_t len)
{
    char dir[4096];
    struct stat st;
    struct dirent **names = NULL;
    int n;
    size_t used = 0;

    buf[0] = '\0';
    if (cfg->magic_path != NULL) {
        snprintf(buf, len, "%s", cfg->magic_path);
        return;
    }
    if (cfg->rules_path == NULL || stat(cfg->rules_path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        snprintf(dir, sizeof(dir), "%s", cfg->rules_path);
    } else {
        const char *slash = strrchr(cfg->rules_path, '/');

        if (slash == NULL)
            snprintf(dir, sizeof(dir), ".");
        else
            snprintf(dir, sizeof(dir), "%.*s", (int)(slash - cfg->rules_path), cfg->rules_path);
    }
    n = scandir(dir, &names, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        size_t k = strlen(names[i]->d_name);

        if (k > 6 && strcmp(names[i]->d_name + k - 6, ".magic") == 0) {
            int w = snprintf(buf + used, len - used, "%s%s/%s", used > 0 ? ":" : "", dir,
                             names[i]->d_name);

            if (w > 0 && (size_t)w < len - used)
                used += (size_t)w;
        }
        free(names[i]);
    }
    free(names);
}

/* The lock that guards the expectation table every worker of the owner shares. */
pthread_mutex_t *re_expect_lock(struct rw_engine *e)
{
    return &(e->owner != NULL ? e->owner : e)->expect_lock;
}

/* Writes a record (NULL: it could not be built), counting what is lost. Returns 0 or the
 * RW_E* code of the loss. */
static int engine_emit(struct rw_engine *e, struct rw_json *rec)
{
    int rc;

    if (rec == NULL) {
        e->stats.eve_oom++;
        return RW_ENOMEM;
    }
    rc = rw_eve_emit(&e->out, rec);
    if (rc == RW_ENOMEM)
        e->stats.eve_oom++;
    else if (rc != 0)
        e->stats.eve_write_errors++;
    return rc;
}

/* The detect emit callback: one EVE alert record per alert. */
static int engine_alert(void *ctx, const struct rw_alert *a)
{
    struct rw_flow *f = ctx;
    struct rw_engine *e = f->e;

    f->alerted = 1;
    e->stats.alerts++;
    if (!(e->eve_types & RW_EVE_ALERT))
        return 0;
    return engine_emit(e, rw_detect_alert_record(a, a->ts_us));
}

/* rw_files' record callback: a finished fileinfo record. Installed only while fileinfo
 * records are written (engine_setup_transfers, rw_engine_reload). */
static void engine_file_record(void *ctx, struct rw_json *rec)
{
    (void)engine_emit(ctx, rec);
}

/* Loads what file handling needs: magic files, the detection object, the tables. */
static int engine_setup_transfers(struct rw_engine *e, const struct rw_engine_config *cfg,
                                  struct rw_diag *diag)
{
    char paths[8192];
    int rc = 0;

    engine_magic_paths(cfg, paths, sizeof(paths));
    e->magic = rw_magic_new(paths, diag, &rc);
    if (e->magic == NULL)
        return rc != 0 ? rc : RW_ENOMEM;
    if (e->rules != NULL) {
        e->detect = rw_detect_new(e->rules, 0, diag, &rc);
        if (e->detect == NULL)
            return rc == RW_ELIMIT ? RW_EPARSE : (rc != 0 ? rc : RW_ENOMEM);
    }
    for (size_t i = 0; e->rules != NULL && i < rw_rules_count(e->rules); i++)
        if (rw_rules_rule(e->rules, i)->nprotos > 0)
            e->rules_use_proto = 1;
    e->expect = rw_expect_new(0);
    e->pool = rw_stream_pool_new(0);
    if (e->expect == NULL || e->pool == NULL)
        return RW_ENOMEM;
    e->fenv = (struct rw_files_env){
        .magic = e->magic,
        .rules = e->rules,
        .detect = e->detect,
        .emit = engine_alert,
        .emit_ctx = NULL, /* the flow, set per call: see re_call */
        .record = (e->eve_types & RW_EVE_FILEINFO) ? engine_file_record : NULL,
        .record_ctx = e,
        .sha256 = e->sha256,
        .types = &e->ftypes,
        .stats = &e->fstats,
    };
    return 0;
}

struct rw_engine *rw_engine_new(const struct rw_engine_config *cfg, const struct rw_output *out,
                                struct rw_diag *diag, int *err)
{
    struct rw_engine *e = NULL;
    const char *rule_sets[RW_SET_MAX];
    size_t nrule_sets = 0;
    int rc = 0;

    if (cfg->nsets > RW_SET_MAX) {
        rw_diag_add(diag, "--set", 0, 0, "expected at most %d settings, found %zu", RW_SET_MAX,
                    cfg->nsets);
        rc = RW_EPARSE;
        goto out;
    }
    /* libgcrypt (Community ID, flow ids, file hashes) wants its version check first. */
    if (gcry_check_version(NULL) == NULL) {
        rw_diag_add(diag, NULL, 0, 0, "libgcrypt failed to initialise");
        rc = RW_EPARSE;
        goto out;
    }
    e = rw_calloc(1, sizeof(*e));
    if (e == NULL) {
        rc = RW_ENOMEM;
        goto out;
    }
    pthread_mutex_init(&e->expect_lock, NULL);
    e->out = *out;
    e->eve_types = RW_EVE_ALL;
    rc = engine_apply_sets(e, cfg, rule_sets, &nrule_sets, diag);
    if (cfg->rules_path != NULL) {
        int lrc = 0;

        e->rules = rw_rules_load(cfg->rules_path, rule_sets, nrule_sets, diag, &lrc);
        if (e->rules == NULL && rc == 0)
            rc = lrc != 0 ? lrc : RW_EPARSE;
    }
    if (rc == 0 || rc == RW_EPARSE) {
        /* Magic files are checked even when the rules had errors: report everything. */
        int trc = engine_setup_transfers(e, cfg, diag);

        if (rc == 0)
            rc = trc;
    }
    if (rc != 0)
        goto out;
    e->classify = cfg->events_only ? NULL : rw_classify_new();
    e->flows = rw_pool_new(sizeof(struct rw_flow));
    e->eve_stats = rw_json_new(RW_EVE_LINE_MAX_BYTES);
    if ((e->classify == NULL && !cfg->events_only) || e->flows == NULL || e->eve_stats == NULL)
        rc = RW_ENOMEM;
out:
    if (rc != 0) {
        rw_engine_free(&e);
        if (rc == RW_EPARSE && rw_diag_count(diag) == 0)
            rw_diag_add(diag, NULL, 0, 0, "rule set refused");
    }
    if (err != NULL)
        *err = rc;
    return e;
}

void rw_engine_free(struct rw_engine **ep)
{
    struct rw_engine *e;

    if (ep == NULL || *ep == NULL)
        return;
    e = *ep;
    rw_json_free(e->eve_stats);
    rw_classify_free(&e->classify);
    rw_stream_pool_free(&e->pool);
    rw_pool_free(&e->flows);
    if (e->owner != NULL) {
        /* A worker: the shared parts are its owner's. */
        struct rw_engine *o = e->owner;

        for (size_t i = 0; i < o->nworkers; i++) {
            if (o->workers[i] == e) {
                o->workers[i] = o->workers[--o->nworkers];
                break;
            }
        }
    } else {
        while (e->nworkers > 0) {
            struct rw_engine *w = e->workers[e->nworkers - 1];

            rw_engine_free(&w);
        }
        rw_detect_free(&e->detect);
        rw_magic_free(&e->magic);
        rw_expect_free(&e->expect);
        rw_rules_free(&e->rules);
        pthread_mutex_destroy(&e->expect_lock);
    }
    rw_free(e);
    *ep = NULL;
}

/* Points a worker at its owner's shared parts (at creation and after a reload). */
static void engine_share(struct rw_engine *w, const struct rw_engine *o)
{
    w->out = o->out;
    w->rules = o->rules;
    w->detect = o->detect;
    w->magic = o->magic;
    w->expect = o->expect;
    w->eve_types = o->eve_types;
    w->sha256 = o->sha256;
    w->gen = o->gen;
    w->rules_use_proto = o->rules_use_proto;
    w->fenv = o->fenv;
    w->fenv.record_ctx = w;
    w->fenv.stats = &w->fstats;
    w->fenv.types = &w->ftypes;
}

struct rw_engine *rw_engine_worker_new(struct rw_engine *e, int *err)
{
    struct rw_engine *w = NULL;
    int rc = RW_ENOMEM;

    if (e == NULL || e->owner != NULL || e->nworkers >= RW_WORKERS_MAX) {
        rc = RW_EINVAL;
        goto out;
    }
    w = rw_calloc(1, sizeof(*w));
    if (w == NULL)
        goto out;
    w->owner = e;
    e->workers[e->nworkers++] = w;
    w->expect_owner = (unsigned)e->nworkers;
    engine_share(w, e);
    w->pool = rw_stream_pool_new(0);
    w->classify = rw_classify_new();
    w->flows = rw_pool_new(sizeof(struct rw_flow));
    if (w->pool == NULL || w->classify == NULL || w->flows == NULL) {
        rw_engine_free(&w);
        goto out;
    }
    rc = 0;
out:
    if (err != NULL)
        *err = rc;
    return w;
}

int rw_engine_reload(struct rw_engine *e, const struct rw_engine_config *cfg, struct rw_diag *diag)
{
    struct rw_engine *n;
    int err = 0;

    if (e->owner != NULL)
        return RW_EINVAL; /* reload the owner: it updates its workers */
    n = rw_engine_new(cfg, &e->out, diag, &err);
    if (n == NULL)
        return err != 0 ? err : RW_ENOMEM;
    /* Swap the loaded pieces; n leaves with the old ones. Flows keep their parsers,
     * streams and files; the expectation table and nDPI stay. */
#define ENGINE_SWAP(field)                                                                  \
    do {                                                                                    \
        __typeof__(e->field) tmp_ = e->field;                                               \
        e->field = n->field;                                                                \
        n->field = tmp_;                                                                    \
    } while (0)
    ENGINE_SWAP(rules);
    ENGINE_SWAP(detect);
    ENGINE_SWAP(magic);
    ENGINE_SWAP(eve_types);
    ENGINE_SWAP(sha256);
    ENGINE_SWAP(rules_use_proto);
#undef ENGINE_SWAP
    e->fenv.record = (e->eve_types & RW_EVE_FILEINFO) ? engine_file_record : NULL;
    e->fenv.magic = e->magic;
    e->fenv.rules = e->rules;
    e->fenv.detect = e->detect;
    e->fenv.sha256 = e->sha256;
    e->gen++;
    for (size_t i = 0; i < e->nworkers; i++)
        engine_share(e->workers[i], e);
    rw_engine_free(&n);
    return 0;
}

void rw_engine_summary(const struct rw_engine *e, char *buf, size_t len)
{
    if (e->rules != NULL)
        rw_rules_summary(e->rules, buf, len);
    else
        snprintf(buf, len, "no rules loaded");
}

size_t rw_engine_flow_state_bytes(const struct rw_engine *e)
{
    /* Right after rw_engine_flow_new, before nDPI's state (unclassified flows never get
     * one): the least a flow holds, what a host's table charges a new flow until
     * rw_engine_flow_bytes says more. */
    (void)e;
    return sizeof(struct rw_flow);
}

/* What the flow's protocol parser holds now (0 without one). */
static size_t engine_parser_bytes(const struct rw_flow *f)
{
    switch (f->app) {
    case APP_HTTP:
        return rw_http_bytes(f->p.http);
    case APP_FTP:
        return rw_ftp_bytes(f->p.ftp);
    case APP_SMB:
        return rw_smb_bytes(f->p.smb);
    case APP_TFTP:
        return rw_tftp_bytes(f->p.tftp);
    case APP_SMTP:
        return rw_smtp_bytes(f->p.smtp);
    default:
        return 0;
    }
}

size_t rw_engine_flow_bytes(const struct rw_flow *f)
{
    if (f == NULL)
        return 0;
    return sizeof(*f) + rw_classify_flow_bytes(&f->cls) + rw_stream_bytes(f->stream) +
           rw_files_bytes(f->files) + (f->hit != NULL ? sizeof(*f->hit) : 0) +
           engine_parser_bytes(f);
}

unsigned rw_engine_flow_keep(const struct rw_flow *f)
{
    if (f == NULL || !f->rules_apply)
        return RW_FLOW_KEEP_NONE;
    if (f->cls.ndpi != NULL && !f->cls.done)
        return RW_FLOW_KEEP_SHED;
    if ((f->files != NULL && rw_files_open_count(f->files) > 0) ||
        ((f->app == APP_FTP_DATA || f->app == APP_RAW) && f->data_id != 0))
        return RW_FLOW_KEEP_FILE;
    return RW_FLOW_KEEP_RULE;
}

size_t rw_engine_flow_shed(struct rw_engine *e, struct rw_flow *f)
{
    if (f == NULL)
        return 0;
    /* The host counts it (exception_policy.flow.memcap.bypass). */
    if (f->cls.ndpi != NULL && !f->cls.done)
        rw_classify_flow_finish(e->classify, &f->cls);
    return rw_engine_flow_bytes(f);
}

/* ---- the flow as the rules and the parsers see it ------------------------------------ */

/* Does addr sit in one of the rule's dst lists? ms/n: the lists holding addr. */
static int engine_in_rule_lists(const struct rw_rule *r, const struct rw_addrlist_match *ms,
                                size_t n)
{
    for (size_t i = 0; i < r->ndst; i++)
        for (size_t j = 0; j < n; j++)
            if (ms[j].index == r->dst[i])
                return 1;
    return 0;
}

/*
 * Could any rule fire on the bytes a flow carries each way? Returns a mask: bit
 * (1 << RW_TOSERVER) when some rule could fire on what the client sends (the server the
 * receiver), bit (1 << RW_TOCLIENT) for what the server sends. A rule can fire on a
 * direction when its receiver is in one of the rule's dst lists (or the rule has none)
 * and the direction is the rule's (outbound: sender inside home_net, receiver outside;
 * inbound the reverse), as rw_detect judges them. Everything else about a rule (protocol,
 * type, bytes) is learnt later.
 */
static unsigned engine_rules_apply(const struct rw_engine *e, const struct rw_flow_key *k,
                                   uint8_t addrs[2])
{
    struct rw_addrlist_match ms[2][8];
    size_t n[2];
    int shome, dhome;
    uint8_t dclass[2];
    unsigned mask = 0;

    if (e->rules == NULL || e->detect == NULL)
        return 0;
    n[0] = rw_rules_lookup_dst(e->rules, &k->src, ms[0], 8);
    n[1] = rw_rules_lookup_dst(e->rules, &k->dst, ms[1], 8);
    shome = rw_rules_is_home(e->rules, &k->src);
    dhome = rw_rules_is_home(e->rules, &k->dst);
    /* Hand the answers to rw_detect, which would otherwise look them up again (the
     * longest-prefix lookups are the cost of a big list). */
    addrs[RW_TOSERVER] = (uint8_t)(RW_DETECT_ADDR_KNOWN | (shome ? RW_DETECT_ADDR_SRC_HOME : 0) |
                                   (dhome ? RW_DETECT_ADDR_DST_HOME : 0) |
                                   (n[1] == 0 ? RW_DETECT_ADDR_DST_UNLISTED : 0));
    addrs[RW_TOCLIENT] = (uint8_t)(RW_DETECT_ADDR_KNOWN | (dhome ? RW_DETECT_ADDR_SRC_HOME : 0) |
                                   (shome ? RW_DETECT_ADDR_DST_HOME : 0) |
                                   (n[0] == 0 ? RW_DETECT_ADDR_DST_UNLISTED : 0));
    n[0] = n[0] > 8 ? 8 : n[0];
    n[1] = n[1] > 8 ? 8 : n[1];
    dclass[RW_TOSERVER] = shome && !dhome ? RW_DIR_OUTBOUND : !shome && dhome ? RW_DIR_INBOUND : 0;
    dclass[RW_TOCLIENT] = dhome && !shome ? RW_DIR_OUTBOUND : !dhome && shome ? RW_DIR_INBOUND : 0;
    for (size_t i = 0; i < rw_rules_count(e->rules) && mask != 3u; i++) {
        const struct rw_rule *r = rw_rules_rule(e->rules, i);

        for (unsigned d = RW_TOSERVER; d <= RW_TOCLIENT; d++) {
            /* The receiver of direction d: the server for TOSERVER (ms[1]), else the client. */
            const struct rw_addrlist_match *rm = ms[d == RW_TOSERVER ? 1 : 0];
            size_t rn = n[d == RW_TOSERVER ? 1 : 0];

            if (r->direction != RW_DIR_ANY && r->direction != dclass[d])
                continue;
            if (r->ndst == 0 || engine_in_rule_lists(r, rm, rn))
                mask |= 1u << d;
        }
    }
    return mask;
}

/* Refreshes f's rules view from the host's info and nDPI's result, for this call. */
static void engine_bind(struct rw_engine *e, struct rw_flow *f, const struct rw_flow_info *info,
                        uint64_t now_us)
{
    const struct rw_cls_result *r = rw_classify_result(&f->cls);
    int8_t anon;

    e->now_us = now_us;
    if (f->gen != e->gen) {
        memset(&f->det, 0, sizeof(f->det));
        f->rules_apply = (uint8_t)engine_rules_apply(e, &info->key, f->det.addrs);
        f->gen = e->gen;
    }
    f->info = info;
    e->view.info = info;
    e->view.proto = r->done && !f->cls_off ? r->proto : NULL;
    e->view.app_proto = r->done && !f->cls_off ? r->app_proto : NULL;
    e->view.category = r->done && !f->cls_off ? r->category : NULL;
    e->view.hostname = r->host[0] != '\0' ? r->host : NULL;
    /* nDPI's names change only once, when it is done: compute the families then. */
    if (r->done && !f->fam_done && !f->cls_off) {
        f->families = rw_detect_families(r->proto, r->app_proto, r->category) |
                      RW_DETECT_FAM_COMPUTED;
        f->fam_done = 1;
    }
    e->view.families = f->fam_done ? f->families : 0;
    anon = f->files != NULL ? rw_files_anonymous(f->files) : -1;
    if (f->app == APP_HTTP && f->p.http != NULL && anon == -1)
        anon = rw_http_credentials_seen(f->p.http) ? 0 : -1;
    e->view.anonymous = anon;
    e->view.state = &f->det;
}

struct rw_files_call re_call(struct rw_flow *f)
{
    /* The emit context is the flow being worked on: the alert marks it. */
    f->e->fenv.emit_ctx = f;
    return (struct rw_files_call){
        .info = f->info, .flow = &f->e->view, .now_us = f->e->now_us, .gen = f->e->gen };
}

/* ---- the packet layer ------------------------------------------------------------------ */

struct rw_flow *rw_engine_flow_new(struct rw_engine *e, const struct rw_flow_info *info)
{
    struct rw_flow *f = rw_pool_get(e->flows);

    if (f == NULL) {
        e->stats.flow_state_oom++;
        return NULL;
    }
    f->e = e;
    f->gen = e->gen;
    f->rules_apply = (uint8_t)engine_rules_apply(e, &info->key, f->det.addrs);
    /* Do only the work something will use (issue: rule-aware work): a flow no rule can
     * fire on needs its bytes only for fileinfo records, and nDPI only for flow records
     * or rules. Such a flow is still counted and its flow record written. */
    f->light = !f->rules_apply && !(e->eve_types & RW_EVE_FILEINFO);
    if (!(e->eve_types & RW_EVE_FLOW) && (f->light || !e->rules_use_proto)) {
        /* Nobody reads its classification: no flow record, no rule with a protocol. */
        f->cls.done = 1;
        f->cls_off = 1;
    } else {
        /* On OOM the wrapper marks the flow done and "failed": it is still counted. */
        rw_classify_flow_init(e->classify, &f->cls, info->key.proto);
    }
    if (f->light) {
        e->stats.light_flows++;
        return f;
    }
    /* The stream and the file table wait for the first bytes (engine_flow_bytes_setup): a
     * flow that never sends any (a SYN flood, a scan) costs only this struct. */
    if (info->key.proto == IPPROTO_TCP || info->key.proto == IPPROTO_UDP) {
        f->info = info;
        re_expect_lookup(e, f, info->start_us);
    }
    return f;
}

/* Makes the flow's stream (TCP) and file table, once, at its first packet that carries
 * bytes (or, for TCP, a FIN or RST): nothing can open a file before, and only TCP and UDP
 * bytes reach a parser. */
static void engine_flow_bytes_setup(struct rw_engine *e, struct rw_flow *f, uint8_t l4proto)
{
    f->bytes_setup = 1;
    f->files = rw_files_new(&e->fenv);
    if (l4proto == IPPROTO_TCP)
        f->stream = rw_stream_new_from(e->pool, &f->u.sstart);
    /* sstart is spent: the same bytes now collect the first bytes of each direction. */
    memset(&f->u.sn, 0, sizeof(f->u.sn));
    if (f->files == NULL || (l4proto == IPPROTO_TCP && f->stream == NULL))
        e->stats.flow_state_oom++;
}

void rw_engine_packet(struct rw_engine *e, struct rw_flow *f, const struct rw_flow_info *info,
                      const struct rw_packet *pkt)
{
    int just_classified = 0;

    if (f == NULL)
        return;
    if (!f->cls.done) {
        rw_classify_packet(e->classify, &f->cls, pkt->l3, pkt->l3_len, pkt->ts_us);
        just_classified = f->cls.done;
    }
    if (f->light)
        return;
    if (!f->bytes_setup &&
        (info->key.proto == IPPROTO_TCP ? !rw_stream_start_packet(&f->u.sstart, pkt)
                                        : info->key.proto == IPPROTO_UDP && pkt->payload_len > 0))
        engine_flow_bytes_setup(e, f, info->key.proto);
    engine_bind(e, f, info, pkt->ts_us);
    if (info->key.proto == IPPROTO_TCP && f->stream != NULL) {
        struct rw_stream_sink ss = { f, re_stream_sink_data, re_stream_sink_gap };

        rw_stream_packet(f->stream, pkt, &ss);
    } else if (info->key.proto == IPPROTO_UDP) {
        re_app_data(e, f, pkt->dir, pkt->payload, pkt->payload_len);
    }
    /* The flow rules look at payload totals, the protocol and the parsers' findings: a
     * packet without payload changes none of them, except the flow's first packet (any
     * traffic to a list) and the one that completes classification. */
    if (e->detect != NULL && f->rules_apply &&
        (pkt->payload_wire_len > 0 || info->pkts[0] + info->pkts[1] == 1 || just_classified)) {
        engine_bind(e, f, info, pkt->ts_us);
        rw_detect_flow(e->detect, &e->view, RW_DET_FLOW_PROGRESS, pkt->ts_us, engine_alert, f);
    }
}

/* What engine_anomaly_emit needs to write a flow's anomaly records. */
struct engine_anomaly_ctx {
    struct rw_engine *e;
    const struct rw_flow_info *info;
};

static void engine_anomaly_emit(void *ctx, const char *event)
{
    const struct engine_anomaly_ctx *a = ctx;

    (void)engine_emit(a->e, rw_eve_anomaly_record(a->info, a->info->last_us, "http", event));
}

/* The HTTP parser's anomalies, one record per event per connection, before it ends. */
static void engine_http_anomalies(struct rw_engine *e, struct rw_flow *f,
                                  const struct rw_flow_info *info)
{
    struct engine_anomaly_ctx a = { e, info };

    rw_http_end(f->p.http); /* read-to-close bodies complete, their anomalies counted */
    (void)rw_anomaly_http(rw_http_counters(f->p.http), engine_anomaly_emit, &a);
}

/* Ends everything a flow's bytes started, in order: the stream's held bytes, the parser,
 * its files, then the flow rules. */
static void engine_flow_finish(struct rw_engine *e, struct rw_flow *f,
                               const struct rw_flow_info *info)
{
    struct rw_files_call c;

    engine_bind(e, f, info, info->last_us);
    if (f->stream != NULL) {
        struct rw_stream_sink ss = { f, re_stream_sink_data, re_stream_sink_gap };

        rw_stream_end(f->stream, &ss);
        rw_stream_free(&f->stream);
    }
    re_app_flush(e, f, RW_TOSERVER);
    re_app_flush(e, f, RW_TOCLIENT);
    if (f->app == APP_HTTP && f->p.http != NULL && (e->eve_types & RW_EVE_ANOMALY))
        engine_http_anomalies(e, f, info);
    re_app_end(f);
    if (f->files != NULL) {
        c = re_call(f);
        rw_files_end(f->files, &c);
        rw_files_free(&f->files);
    }
    rw_free(f->hit);
    f->hit = NULL;
    if (e->detect != NULL && f->rules_apply) {
        engine_bind(e, f, info, info->last_us);
        rw_detect_flow(e->detect, &e->view, RW_DET_FLOW_END, info->last_us, engine_alert, f);
    }
    rw_classify_flow_finish(e->classify, &f->cls);
}

void rw_engine_flow_end(struct rw_engine *e, struct rw_flow **fp, const struct rw_flow_info *info)
{
    struct rw_flow *f = fp == NULL ? NULL : *fp;

    if (f != NULL)
        engine_flow_finish(e, f, info);
    if (e->eve_types & RW_EVE_FLOW)
        (void)engine_emit(e, rw_eve_flow_record(info,
                                                f == NULL ? NULL : rw_classify_result(&f->cls),
                                                f != NULL && f->alerted));
    if (f != NULL) {
        rw_classify_flow_cleanup(&f->cls);
        rw_pool_put(e->flows, f);
        *fp = NULL;
    }
}

void rw_engine_file_event(struct rw_engine *e, const struct rw_flow_info *info,
                          const struct rw_file_event *ev)
{
    if (ev->state == RW_FILE_OPEN)
        return;
    e->stats.files++;
    if (e->eve_types & RW_EVE_FILEINFO)
        (void)engine_emit(e, rw_eve_fileinfo_record(info, ev));
}

/* Adds one engine's counters to the sums. */
static void engine_add_counters(const struct rw_engine *w, struct engine_counters *c,
                                struct rw_files_stats *fs)
{
    c->flow_state_oom += w->stats.flow_state_oom;
    c->eve_oom += w->stats.eve_oom;
    c->eve_write_errors += w->stats.eve_write_errors;
    c->alerts += w->stats.alerts;
    c->files += w->stats.files;
    for (size_t i = 0; i < sizeof(c->app) / sizeof(c->app[0]); i++)
        c->app[i] += w->stats.app[i];
    c->expect_hits += w->stats.expect_hits;
    c->light_flows += w->stats.light_flows;
    fs->open_now += w->fstats.open_now;
    fs->nomem += w->fstats.nomem;
    fs->refused += w->fstats.refused;
}

void rw_engine_stats(struct rw_engine *e, uint64_t ts_us, const struct rw_counter *c, size_t n)
{
    struct rw_counter all[256];
    size_t k = 0;
    struct rw_detect_stats ds = { 0 };
    struct engine_counters st = { 0 };
    struct rw_files_stats fs = { 0 };
    uint64_t expect_nomem;

    if (!(e->eve_types & RW_EVE_STATS))
        return;
    if (e->detect != NULL)
        rw_detect_stats(e->detect, &ds);
    engine_add_counters(e, &st, &fs);
    for (size_t i = 0; i < e->nworkers; i++)
        engine_add_counters(e->workers[i], &st, &fs);
    pthread_mutex_lock(re_expect_lock(e));
    expect_nomem = rw_expect_counters(e->expect)->nomem;
    pthread_mutex_unlock(re_expect_lock(e));
    for (size_t i = 0; i < n && k < sizeof(all) / sizeof(all[0]) - 16; i++)
        all[k++] = c[i];
    all[k++] = (struct rw_counter){"detect.alert", st.alerts};
    /* Records that could not be built or written: Suricata's nearest word for lost output. */
    all[k++] = (struct rw_counter){"detect.alert_queue_overflow", st.eve_oom + st.eve_write_errors};
    all[k++] = (struct rw_counter){"detect.alerts_suppressed", ds.suppressed + ds.thresholded};
    all[k++] = (struct rw_counter){"file_store.open_files", fs.open_now};
    all[k++] = (struct rw_counter){"app_layer.flow.http", st.app[APP_HTTP]};
    all[k++] = (struct rw_counter){"app_layer.flow.ftp", st.app[APP_FTP]};
    all[k++] = (struct rw_counter){"app_layer.flow.ftp_data", st.app[APP_FTP_DATA]};
    all[k++] = (struct rw_counter){"app_layer.flow.smb", st.app[APP_SMB]};
    all[k++] = (struct rw_counter){"app_layer.flow.tftp", st.app[APP_TFTP]};
    all[k++] = (struct rw_counter){"app_layer.flow.smtp", st.app[APP_SMTP]};
    all[k++] = (struct rw_counter){"app_layer.expectations", st.expect_hits};
    /* Flows no rule or record could use, only counted: Suricata calls such flows bypassed. */
    all[k++] = (struct rw_counter){"flow_bypassed.closed", st.light_flows};
    all[k++] = (struct rw_counter){"memcap.pressure", st.flow_state_oom + fs.nomem + fs.refused +
                                                      expect_nomem};
    /* Written from storage taken at set-up: the record that counts lost records is not
     * lost itself when memory runs short. */
    if (e->eve_stats == NULL || rw_eve_stats_into(e->eve_stats, ts_us, all, k) != 0)
        e->stats.eve_oom++;
    else if (e->out.write(e->out.ctx, e->eve_stats->buf, e->eve_stats->len) != 0)
        e->stats.eve_write_errors++;
}

/* ---- what the event layer (rw_events.c) reads of an engine ---------------------------- */

void rw__engine_parts(const struct rw_engine *e, struct rw__engine_parts *p)
{
    p->rules = e->rules;
    p->detect = e->detect;
    p->magic = e->magic;
    p->gen = e->gen;
    p->alerts = (e->eve_types & RW_EVE_ALERT) != 0;
}

unsigned rw__engine_rules_apply(const struct rw_engine *e, const struct rw_flow_key *k,
                                uint8_t addrs[2])
{
    return engine_rules_apply(e, k, addrs);
}
