/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench_oracle.c — the bench's ground truth: every upload rw_benchgen writes, and the alerts the default rules imply. */

/*
 * Included by rw_benchgen.c after rw_pcapgen.c (one translation unit, like the builders it
 * uses). The generator calls oracle_flow_open when it opens a TCP flow that may carry
 * uploads, and oracle_upload for every upload, after the request went out; the oracle
 * writes one TSV row per upload next to the capture (OUT.truth.tsv):
 *
 *   time  sender  sport  receiver  dport  app_proto  filename  size  magic  mime  groups  sids
 *
 * filename is the name Suricata would give the file (the multipart filename), size its
 * bytes, magic the start of libmagic's description (with rules/studio.magic), mime the
 * Content-Type the sender declared, groups the default type groups the name's extension
 * puts it in, sids the alerts of the default rules (rules/reelwatch.yaml) the upload
 * causes, sorted, "-" for none. oracle_default_rules is the one place those rules'
 * logic is written down; tools/bench/bench.py compares reelwatch's EVE output with it.
 *
 * Limits of the model, checked where they could bite: IPv4 uploads only; the capture
 * spans less than a day (so rule 9100004's 24 h window never slides and its 1 GiB bound
 * is never reached: the oracle fails the capture if a host comes near it); a flow toward
 * a flagged range carries nothing but uploads (so its flow alerts belong to one upload).
 */

#define ORACLE_PAIRS_MAX (1u << 17) /* sender/receiver pairs toward flagged ranges */
#define ORACLE_HOSTS_MAX (1u << 16) /* senders of files toward flagged ranges */
#define ORACLE_SIDS_MAX 8u
#define ORACLE_KP_NET 0xaf2db000u  /* 175.45.176.0/22, the first range of rules/lists/dprk.txt */
#define ORACLE_KP_MASK 0xfffffc00u
#define ORACLE_BIG_FLOW_BYTES (64u * 1024u) /* 9100003 bytes: {min: 64KiB} */
#define ORACLE_THRESHOLD_US (3600ULL * GEN_USEC) /* 9100005 threshold seconds: 3600 */
#define ORACLE_WINDOW_FILES 3u                    /* 9100004 window files: 3 */
#define ORACLE_WINDOW_BYTES (1ULL << 30)          /* 9100004 window bytes: 1GiB */
#define ORACLE_WINDOW_US (86400ULL * GEN_USEC)    /* 9100004 window span: 24h */

/* Default type groups (rules/reelwatch.yaml types:), as bits. */
enum {
    OG_VIDEO = 1u << 0,
    OG_AUDIO = 1u << 1,
    OG_IMAGE = 1u << 2,
    OG_IMAGE_SEQUENCE = 1u << 3,
    OG_PROJECT = 1u << 4,
    OG_3D = 1u << 5,
    OG_ARCHIVE = 1u << 6,
    OG_DOCUMENT = 1u << 7,
    OG_EXECUTABLE = 1u << 8,
};

static const char *const oracle_group_names[] = {
    "video", "audio", "image", "image_sequence", "project", "3d", "archive", "document",
    "executable",
};

/* The ext: lists of rules/reelwatch.yaml for the extensions the bench writes. */
static const struct {
    const char *ext;
    unsigned groups;
} oracle_ext_groups[] = {
    { "mov", OG_VIDEO },   { "png", OG_IMAGE },           { "exr", OG_IMAGE_SEQUENCE },
    { "dpx", OG_IMAGE_SEQUENCE }, { "psd", OG_PROJECT },  { "xstage", OG_PROJECT },
    { "blend", OG_3D },    { "usdc", OG_3D },             { "zip", OG_ARCHIVE },
};

struct oracle_pair {
    uint32_t src, dst;
    uint64_t last_us; /* last 9100005 alert; 0 with used = 0: never */
    int used;
};

struct oracle_host {
    uint32_t addr;
    uint32_t files;     /* files toward flagged ranges */
    uint64_t bytes;     /* payload toward flagged ranges */
    uint64_t fired_us;  /* last 9100004 alert */
    int fired, used;
};

struct bench_oracle {
    struct gen *g;
    FILE *f;
    char *path;
    struct oracle_pair *pairs;
    struct oracle_host *hosts;
    uint64_t rows;
};

/* One TCP flow as the oracle follows it: its ends, and what the rules keep per flow. */
struct oracle_flow {
    uint32_t client, server;
    uint16_t cport, sport;
    uint64_t c2s_bytes;  /* TCP payload from the client so far */
    int flagged;         /* the server is in a flagged range */
    int big_fired;       /* 9100003 fired on this flow */
    int pending_flow_alert; /* 9100005 fired at the flow's first packet, not yet reported */
};

/* What the generator knows about one uploaded file. */
struct oracle_upload {
    const char *name;   /* as the transfer names it (multipart filename) */
    size_t size;
    const char *magic;  /* libmagic's description starts with this */
    const char *mime;   /* the declared Content-Type */
    int anonymous;      /* no Authorization, no Cookie */
};

static uint32_t oracle_addr4(const struct gen_host *h)
{
    return (uint32_t)h->addr[0] << 24 | (uint32_t)h->addr[1] << 16 | (uint32_t)h->addr[2] << 8 |
           h->addr[3];
}

/* home_net of rules/reelwatch.yaml, IPv4 part: 10/8, 172.16/12, 192.168/16. */
static int oracle_home(uint32_t a)
{
    return (a >> 24) == 10 || (a & 0xfff00000u) == 0xac100000u || (a & 0xffff0000u) == 0xc0a80000u;
}

static int oracle_flagged(uint32_t a)
{
    return (a & ORACLE_KP_MASK) == ORACLE_KP_NET;
}

static uint32_t oracle_hash(uint32_t a, uint32_t b)
{
    return (uint32_t)(mix64((uint64_t)a << 32 | b) >> 32);
}

static struct oracle_pair *oracle_pair_get(struct bench_oracle *o, uint32_t src, uint32_t dst)
{
    uint32_t i = oracle_hash(src, dst) & (ORACLE_PAIRS_MAX - 1), n;

    for (n = 0; n < ORACLE_PAIRS_MAX; n++, i = (i + 1) & (ORACLE_PAIRS_MAX - 1)) {
        struct oracle_pair *p = &o->pairs[i];

        if (!p->used) {
            p->used = 1;
            p->src = src;
            p->dst = dst;
            return p;
        }
        if (p->src == src && p->dst == dst)
            return p;
    }
    gen_fail(o->g, "oracle: too many sender/receiver pairs toward flagged ranges");
    return NULL;
}

static struct oracle_host *oracle_host_get(struct bench_oracle *o, uint32_t addr)
{
    uint32_t i = oracle_hash(addr, 0) & (ORACLE_HOSTS_MAX - 1), n;

    for (n = 0; n < ORACLE_HOSTS_MAX; n++, i = (i + 1) & (ORACLE_HOSTS_MAX - 1)) {
        struct oracle_host *h = &o->hosts[i];

        if (!h->used) {
            h->used = 1;
            h->addr = addr;
            return h;
        }
        if (h->addr == addr)
            return h;
    }
    gen_fail(o->g, "oracle: too many senders toward flagged ranges");
    return NULL;
}

/* The default type groups of a file name: the rules' ext lists (the last dot's suffix). */
static unsigned oracle_groups(struct bench_oracle *o, const char *name)
{
    const char *dot = strrchr(name, '.');
    size_t i;

    for (i = 0; dot != NULL && i < sizeof(oracle_ext_groups) / sizeof(oracle_ext_groups[0]); i++)
        if (strcmp(dot + 1, oracle_ext_groups[i].ext) == 0)
            return oracle_ext_groups[i].groups;
    gen_fail(o->g, "oracle: a file name whose type groups the oracle does not know");
    return 0;
}

/* Opens OUT.truth.tsv beside the capture OUT.pcap. NULL (and g failed) on error. */
static struct bench_oracle *oracle_open(struct gen *g, const char *pcap_path)
{
    struct bench_oracle *o = calloc(1, sizeof(*o));
    size_t n = strlen(pcap_path);

    if (o == NULL) {
        gen_fail(g, "out of memory");
        return NULL;
    }
    o->g = g;
    o->pairs = calloc(ORACLE_PAIRS_MAX, sizeof(*o->pairs));
    o->hosts = calloc(ORACLE_HOSTS_MAX, sizeof(*o->hosts));
    o->path = malloc(n + sizeof(".truth.tsv"));
    if (o->pairs == NULL || o->hosts == NULL || o->path == NULL) {
        gen_fail(g, "out of memory");
        goto fail;
    }
    memcpy(o->path, pcap_path, n + 1);
    if (n > 5 && strcmp(pcap_path + n - 5, ".pcap") == 0)
        n -= 5;
    memcpy(o->path + n, ".truth.tsv", sizeof(".truth.tsv"));
    o->f = fopen(o->path, "w");
    if (o->f == NULL) {
        fprintf(stderr, "rw_benchgen: %s: %s\n", o->path, strerror(errno));
        gen_fail(g, "cannot write the oracle");
        goto fail;
    }
    fprintf(o->f, "time\tsender\tsport\treceiver\tdport\tapp_proto\tfilename\tsize\tmagic\tmime"
                  "\tgroups\tsids\n");
    return o;
fail:
    free(o->pairs);
    free(o->hosts);
    free(o->path);
    free(o);
    return NULL;
}

/* Closes the oracle; 0, or -1 (file removed) when it or the capture failed. */
static int oracle_close(struct bench_oracle *o, int failed)
{
    int rc = 0;

    if (o == NULL)
        return -1;
    if (fflush(o->f) != 0 || ferror(o->f))
        rc = -1;
    if (fclose(o->f) != 0)
        rc = -1;
    if (rc != 0 || failed) {
        if (rc != 0)
            fprintf(stderr, "rw_benchgen: %s: write failed\n", o->path);
        unlink(o->path);
        rc = -1;
    } else {
        printf("rw_benchgen: wrote %llu uploads to %s\n", (unsigned long long)o->rows, o->path);
    }
    free(o->pairs);
    free(o->hosts);
    free(o->path);
    free(o);
    return rc;
}

/*
 * The flow rule 9100005 (traffic to a flagged range, threshold limit by_both 1 per
 * 3600 s) fires at a flow's first packet: decide it when the flow opens.
 */
static void oracle_flow_open(struct bench_oracle *o, struct oracle_flow *fl,
                             const struct gen_path *p)
{
    struct oracle_pair *pair;

    memset(fl, 0, sizeof(*fl));
    fl->client = oracle_addr4(p->host[GEN_C2S]);
    fl->server = oracle_addr4(p->host[GEN_S2C]);
    fl->cport = p->port[GEN_C2S];
    fl->sport = p->port[GEN_S2C];
    fl->flagged = oracle_flagged(fl->server);
    if (!fl->flagged)
        return;
    pair = oracle_pair_get(o, fl->client, fl->server);
    if (pair == NULL)
        return;
    if (pair->last_us == 0 || o->g->now_us - pair->last_us >= ORACLE_THRESHOLD_US) {
        pair->last_us = o->g->now_us;
        fl->pending_flow_alert = 1;
    }
}

/* Payload the client sent on a flow that was not an upload (a flagged flow must not). */
static void oracle_flow_bytes(struct bench_oracle *o, struct oracle_flow *fl, size_t n)
{
    if (fl->flagged)
        gen_fail(o->g, "oracle: a flow toward a flagged range carried more than uploads");
    fl->c2s_bytes += n;
}

/*
 * The default rule set (rules/reelwatch.yaml) applied to one upload of req_bytes of
 * request on flow fl: the sids it fires, into sids[] (at most ORACLE_SIDS_MAX), sorted.
 *
 *   9100001  file, to dprk/watch, outbound, in a production group
 *   9100002  file, to dprk/watch, outbound, in no production group
 *   9100003  flow, to dprk/watch, outbound, payload toward it reaches 64 KiB (once a flow)
 *   9100004  host, to dprk/watch, outbound: a sender's 3rd file (or 1 GiB) within 24 h
 *   9100005  flow, to dprk/watch, any direction, limit 1 per 3600 s by sender and receiver
 *   9100006  file, outbound, anonymous, in video, image_sequence, project, 3d or archive
 *
 * The production groups are video, audio, image, image_sequence, project, 3d, archive.
 * The site list "watch" ships empty, so only dprk can flag a receiver.
 */
static unsigned oracle_default_rules(struct bench_oracle *o, struct oracle_flow *fl,
                                     const struct oracle_upload *u, unsigned groups,
                                     size_t req_bytes, uint32_t *sids)
{
    const unsigned production = OG_VIDEO | OG_AUDIO | OG_IMAGE | OG_IMAGE_SEQUENCE |
                                OG_PROJECT | OG_3D | OG_ARCHIVE;
    const unsigned unattended = OG_VIDEO | OG_IMAGE_SEQUENCE | OG_PROJECT | OG_3D | OG_ARCHIVE;
    int outbound = oracle_home(fl->client) && !oracle_home(fl->server);
    unsigned n = 0, i, j;

    if (fl->flagged && outbound)
        sids[n++] = (groups & production) ? 9100001 : 9100002;
    if (fl->flagged && outbound && !fl->big_fired && fl->c2s_bytes >= ORACLE_BIG_FLOW_BYTES) {
        fl->big_fired = 1;
        sids[n++] = 9100003;
    }
    if (fl->flagged && outbound) {
        struct oracle_host *h = oracle_host_get(o, fl->client);

        if (h != NULL) {
            h->files++;
            h->bytes += req_bytes;
            if (h->bytes >= ORACLE_WINDOW_BYTES / 2)
                gen_fail(o->g, "oracle: a sender nears rule 9100004's byte bound");
            if (h->files >= ORACLE_WINDOW_FILES &&
                (!h->fired || o->g->now_us - h->fired_us >= ORACLE_WINDOW_US)) {
                h->fired = 1;
                h->fired_us = o->g->now_us;
                sids[n++] = 9100004;
            }
        }
    }
    if (fl->pending_flow_alert) {
        fl->pending_flow_alert = 0;
        sids[n++] = 9100005;
    }
    if (outbound && u->anonymous && (groups & unattended))
        sids[n++] = 9100006;
    for (i = 1; i < n; i++)
        for (j = i; j > 0 && sids[j - 1] > sids[j]; j--) {
            uint32_t t = sids[j];

            sids[j] = sids[j - 1];
            sids[j - 1] = t;
        }
    return n;
}

static void oracle_ip4_text(uint32_t a, char *buf, size_t n)
{
    snprintf(buf, n, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xffu, (a >> 8) & 0xffu, a & 0xffu);
}

/* One upload of u in a request of req_bytes on flow fl, sent just now: its row. */
static void oracle_upload(struct bench_oracle *o, struct oracle_flow *fl,
                          const struct oracle_upload *u, size_t req_bytes)
{
    uint32_t sids[ORACLE_SIDS_MAX];
    unsigned groups = oracle_groups(o, u->name), n, i, first = 1;
    char src[16], dst[16];

    fl->c2s_bytes += req_bytes;
    n = oracle_default_rules(o, fl, u, groups, req_bytes, sids);
    oracle_ip4_text(fl->client, src, sizeof(src));
    oracle_ip4_text(fl->server, dst, sizeof(dst));
    fprintf(o->f, "%llu.%06llu\t%s\t%u\t%s\t%u\thttp\t%s\t%zu\t%s\t%s\t",
            (unsigned long long)(o->g->now_us / GEN_USEC),
            (unsigned long long)(o->g->now_us % GEN_USEC), src, fl->cport, dst, fl->sport,
            u->name, u->size, u->magic, u->mime);
    for (i = 0; i < sizeof(oracle_group_names) / sizeof(oracle_group_names[0]); i++)
        if (groups & (1u << i)) {
            fprintf(o->f, "%s%s", first ? "" : ",", oracle_group_names[i]);
            first = 0;
        }
    fputc('\t', o->f);
    for (i = 0; i < n; i++)
        fprintf(o->f, "%s%u", i ? "," : "", sids[i]);
    fprintf(o->f, "%s\n", n == 0 ? "-" : "");
    o->rows++;
}
