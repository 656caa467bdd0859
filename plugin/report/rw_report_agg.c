/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_report_agg.c — EVE records into the report's bounded tables, and sorted views of them. */
#include "rw_report_agg.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "rw_alloc.h"

/* ---- aggregation ---- */

int rw_report_agg_init(struct rw_report *r)
{
    memset(r, 0, sizeof(*r));
    r->span.first = r->span.last = RW_REPORT_NO_TIME;
    if (rw_report_map_init(&r->sensors, RW_REPORT_SENSORS_MAX, sizeof(struct rw_report_count)) ||
        rw_report_map_init(&r->types, RW_REPORT_TYPES_MAX, sizeof(struct rw_report_count)) ||
        rw_report_map_init(&r->rules, RW_REPORT_RULES_MAX, sizeof(struct rw_report_rule)) ||
        rw_report_map_init(&r->dests, RW_REPORT_DESTS_MAX, sizeof(struct rw_report_dest)) ||
        rw_report_map_init(&r->prefixes, RW_REPORT_PREFIXES_MAX,
                           sizeof(struct rw_report_prefix)) ||
        rw_report_map_init(&r->hosts, RW_REPORT_HOSTS_MAX, sizeof(struct rw_report_host)) ||
        rw_report_map_init(&r->pairs, RW_REPORT_PAIRS_MAX, sizeof(struct rw_report_count)) ||
        rw_report_map_init(&r->series, RW_REPORT_SERIES_MAX, sizeof(struct rw_report_series)) ||
        rw_report_map_init(&r->hours, RW_REPORT_POINTS_MAX, sizeof(struct rw_report_point)) ||
        rw_report_map_init(&r->days, RW_REPORT_POINTS_MAX, sizeof(struct rw_report_point)) ||
        rw_report_map_init(&r->tls, RW_REPORT_TLS_MAX, sizeof(struct rw_report_tls)) ||
        rw_report_map_init(&r->filekeys, RW_REPORT_FILES_MAX * 2, sizeof(struct rw_report_count)))
        return -1;
    return 0;
}

void rw_report_agg_cleanup(struct rw_report *r)
{
    rw_report_map_cleanup(&r->sensors);
    rw_report_map_cleanup(&r->types);
    rw_report_map_cleanup(&r->rules);
    rw_report_map_cleanup(&r->dests);
    rw_report_map_cleanup(&r->prefixes);
    rw_report_map_cleanup(&r->hosts);
    rw_report_map_cleanup(&r->pairs);
    rw_report_map_cleanup(&r->series);
    rw_report_map_cleanup(&r->hours);
    rw_report_map_cleanup(&r->days);
    rw_report_map_cleanup(&r->tls);
    rw_report_map_cleanup(&r->filekeys);
    rw_free(r->files);
    r->files = NULL;
}

/* Copies at most n-1 bytes of s, cut back to a UTF-8 character boundary. */
static void copy_str(char *dst, size_t n, const char *s)
{
    size_t len = strlen(s);

    if (len >= n) {
        len = n - 1;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(dst, s, len);
    dst[len] = '\0';
}

static const char *jstr(json_t *o, const char *path)
{
    char part[64];
    const char *dot;
    json_t *cur = o;

    while (cur != NULL && (dot = strchr(path, '.')) != NULL) {
        size_t len = (size_t)(dot - path);

        if (len >= sizeof(part))
            return NULL;
        memcpy(part, path, len);
        part[len] = '\0';
        cur = json_object_get(cur, part);
        path = dot + 1;
    }
    cur = cur != NULL ? json_object_get(cur, path) : NULL;
    return json_is_string(cur) ? json_string_value(cur) : NULL;
}

static json_t *jget(json_t *o, const char *a, const char *b)
{
    json_t *x = json_object_get(o, a);

    return b == NULL || x == NULL ? x : json_object_get(x, b);
}

/* A non-negative integer field, or 0. */
static uint64_t juint(json_t *v)
{
    return json_is_integer(v) && json_integer_value(v) >= 0 ? (uint64_t)json_integer_value(v)
                                                            : 0;
}

static void span_add(struct rw_report_span *s, int64_t t)
{
    if (t == RW_REPORT_NO_TIME)
        return;
    if (s->first == RW_REPORT_NO_TIME || t < s->first)
        s->first = t;
    if (s->last == RW_REPORT_NO_TIME || t > s->last)
        s->last = t;
}

static unsigned series_of(struct rw_report *r, const char *list, const char *prefix)
{
    char key[160];
    struct rw_report_series *s;
    size_t n = r->series.n;

    snprintf(key, sizeof(key), "%s %s", list, prefix);
    s = rw_report_map_get(&r->series, key, 1);
    if (s == NULL)
        return RW_REPORT_SERIES_OTHER; /* overflow counted; charted as "other" */
    if (r->series.n != n) {
        copy_str(s->list, sizeof(s->list), list);
        copy_str(s->prefix, sizeof(s->prefix), prefix);
        s->idx = (unsigned)n;
    }
    return s->idx;
}

/* "a.b.c.d[/len]" or an IPv6 one into its masked bytes; -1 if not an address. */
static int parse_prefix(const char *text, int *v6, unsigned char addr[16], unsigned *len)
{
    char buf[64];
    const char *slash = strchr(text, '/');
    size_t alen = slash != NULL ? (size_t)(slash - text) : strlen(text);
    unsigned max, l;

    if (alen >= sizeof(buf))
        return -1;
    memcpy(buf, text, alen);
    buf[alen] = '\0';
    memset(addr, 0, 16);
    *v6 = strchr(buf, ':') != NULL;
    if (inet_pton(*v6 ? AF_INET6 : AF_INET, buf, addr) != 1)
        return -1;
    max = *v6 ? 128 : 32;
    l = max;
    if (slash != NULL) {
        const char *p = slash + 1;

        if (*p == '\0' || strlen(p) > 3)
            return -1;
        for (l = 0; *p != '\0'; p++) {
            if (*p < '0' || *p > '9')
                return -1;
            l = l * 10 + (unsigned)(*p - '0');
        }
        if (l > max)
            return -1;
    }
    for (unsigned bit = l; bit < max; bit++)
        addr[bit / 8] &= (unsigned char)~(0x80u >> (bit % 8));
    *len = l;
    return 0;
}

static void prefix_key(char *key, size_t n, int v6, const unsigned char addr[16], unsigned len)
{
    char a[INET6_ADDRSTRLEN];

    if (inet_ntop(v6 ? AF_INET6 : AF_INET, addr, a, sizeof(a)) == NULL)
        a[0] = '\0';
    snprintf(key, n, "%s/%u", a, len);
}

/* Remembers a flagged prefix named by an alert (the address itself when none is named). */
static void prefix_learn(struct rw_report *r, const char *ip, const char *list,
                         const char *prefix)
{
    struct rw_report_prefix *p;
    unsigned char addr[16];
    char key[80];
    unsigned len;
    int v6;
    size_t n = r->prefixes.n;

    if (parse_prefix(prefix != NULL ? prefix : ip, &v6, addr, &len) != 0 &&
        parse_prefix(ip, &v6, addr, &len) != 0)
        return;
    prefix_key(key, sizeof(key), v6, addr, len);
    p = rw_report_map_get(&r->prefixes, key, 1);
    if (p == NULL || r->prefixes.n == n)
        return;
    copy_str(p->list, sizeof(p->list), list);
    copy_str(p->prefix, sizeof(p->prefix), key);
    p->series = series_of(r, p->list, p->prefix);
    if (v6)
        r->plen6[len] = 1;
    else
        r->plen4[len] = 1;
}

/* The longest flagged prefix holding ip, or NULL. */
static const struct rw_report_prefix *flag_of(struct rw_report *r, const char *ip)
{
    unsigned char addr[16], m[16];
    unsigned len;
    int v6;
    const unsigned char *lens;
    char key[80];

    if (ip == NULL || r->prefixes.n == 0 || parse_prefix(ip, &v6, addr, &len) != 0)
        return NULL;
    lens = v6 ? r->plen6 : r->plen4;
    for (int l = (int)len; l >= 0; l--) {
        const struct rw_report_prefix *p;

        if (!lens[l])
            continue;
        memcpy(m, addr, 16);
        for (unsigned bit = (unsigned)l; bit < len; bit++)
            m[bit / 8] &= (unsigned char)~(0x80u >> (bit % 8));
        prefix_key(key, sizeof(key), v6, m, (unsigned)l);
        p = rw_report_map_get(&r->prefixes, key, 0);
        if (p != NULL)
            return p;
    }
    return NULL;
}

/* The flagged destination's entry, made on first use; NULL when its table is full. */
static struct rw_report_dest *dest_get(struct rw_report *r, const char *ip,
                                       const struct rw_report_prefix *fl)
{
    struct rw_report_dest *d;
    size_t n = r->dests.n;

    d = rw_report_map_get(&r->dests, ip, 1);
    if (d != NULL && r->dests.n != n) {
        copy_str(d->list, sizeof(d->list), fl->list);
        copy_str(d->prefix, sizeof(d->prefix), fl->prefix);
        d->series = fl->series;
        d->seen.first = d->seen.last = RW_REPORT_NO_TIME;
    }
    return d;
}

void rw_report_agg_learn(struct rw_report *r, json_t *rec)
{
    const char *type = jstr(rec, "event_type"), *ip = jstr(rec, "dest_ip");
    const char *list = jstr(rec, "alert.context.list");
    uint64_t overflow = r->prefixes.overflow;

    /* Pass 2 meets the same alert and counts a refused prefix then, once. (A series is
     * made once per new prefix, in whichever pass, so its refusals count here.) */
    if (type != NULL && strcmp(type, "alert") == 0 && ip != NULL && list != NULL)
        prefix_learn(r, ip, list, jstr(rec, "alert.context.prefix"));
    r->prefixes.overflow = overflow;
}

static struct rw_report_host *host_get(struct rw_report *r, const char *ip)
{
    struct rw_report_host *h;
    size_t n = r->hosts.n;

    h = rw_report_map_get(&r->hosts, ip, 1);
    if (h != NULL && r->hosts.n != n) {
        h->idx = (unsigned)n;
        h->seen.first = h->seen.last = RW_REPORT_NO_TIME;
    }
    return h;
}

/* Counts a host talking to a flagged destination (distinct pairs). */
static void pair_add(struct rw_report *r, struct rw_report_dest *d, const char *dip,
                     const char *hip)
{
    char key[128];
    size_t n = r->pairs.n;

    snprintf(key, sizeof(key), "%s %s", hip, dip);
    if (rw_report_map_get(&r->pairs, key, 1) == NULL || r->pairs.n == n)
        return;
    if (d->nhosts < RW_REPORT_DEST_HOSTS_SHOWN)
        copy_str(d->hosts[d->nhosts], sizeof(d->hosts[0]), hip);
    d->nhosts++;
}

static void point_add(struct rw_report_map *m, unsigned host,
                      unsigned series, int64_t bucket, uint64_t bytes)
{
    char key[96];
    struct rw_report_point *p;

    snprintf(key, sizeof(key), "%u %u %lld", host, series, (long long)bucket);
    p = rw_report_map_get(m, key, 1);
    if (p == NULL)
        return;
    p->host = host;
    p->series = series;
    p->bucket = bucket;
    p->bytes += bytes;
}

static int is_encrypted(json_t *rec)
{
    const char *app = jstr(rec, "app_proto"), *ndpi = jstr(rec, "ndpi.protocol");

    return (app != NULL && (strcmp(app, "tls") == 0 || strcmp(app, "quic") == 0 ||
                            strcmp(app, "ssh") == 0)) ||
           (ndpi != NULL && (strncmp(ndpi, "TLS", 3) == 0 || strncmp(ndpi, "QUIC", 4) == 0 ||
                             strncmp(ndpi, "SSH", 3) == 0));
}

static void tls_add(struct rw_report *r, json_t *rec, const char *src, const char *dst,
                    int flagged, int64_t start)
{
    const char *sni = jstr(rec, "ndpi.hostname");
    struct rw_report_tls *t;
    char key[400];

    if (sni == NULL)
        sni = jstr(rec, "tls.sni");
    snprintf(key, sizeof(key), "%s %s %.255s", src, dst, sni != NULL ? sni : "");
    t = rw_report_map_get(&r->tls, key, 1);
    if (t == NULL)
        return;
    if (t->flows == 0) {
        copy_str(t->host, sizeof(t->host), src);
        copy_str(t->dest, sizeof(t->dest), dst);
        copy_str(t->sni, sizeof(t->sni), sni != NULL ? sni : "");
        t->flagged = flagged;
        t->seen.first = t->seen.last = RW_REPORT_NO_TIME;
    }
    t->flows++;
    t->bytes += juint(jget(rec, "flow", "bytes_toserver"));
    span_add(&t->seen, start);
}

static void on_flow(struct rw_report *r, json_t *rec, int64_t ts)
{
    const char *src = jstr(rec, "src_ip"), *dst = jstr(rec, "dest_ip");
    const char *s = jstr(rec, "flow.start"), *hip = src, *dip = dst;
    const struct rw_report_prefix *fl;
    struct rw_report_dest *d;
    struct rw_report_host *h;
    uint64_t bytes = juint(jget(rec, "flow", "bytes_toserver"));
    int64_t start;

    if (src == NULL || dst == NULL)
        return;
    if (s == NULL || rw_report_parse_time(s, &start) != 0)
        start = ts;
    fl = flag_of(r, dst);
    if (fl == NULL && (fl = flag_of(r, src)) != NULL) {
        /* The flagged side opened the connection (active FTP data): what the studio host
         * sent went to the client. */
        hip = dst;
        dip = src;
        bytes = juint(jget(rec, "flow", "bytes_toclient"));
    }
    if (is_encrypted(rec))
        tls_add(r, rec, src, dst, fl != NULL, start);
    if (fl == NULL)
        return;
    r->flows_flagged++;
    r->bytes_flagged += bytes;
    d = dest_get(r, dip, fl);
    if (d != NULL) {
        d->flows++;
        d->bytes += bytes;
        span_add(&d->seen, start);
        span_add(&d->seen, ts);
        pair_add(r, d, dip, hip);
    }
    h = host_get(r, hip);
    if (h == NULL)
        return;
    h->flows++;
    h->bytes += bytes;
    span_add(&h->seen, start);
    point_add(&r->hours, h->idx, fl->series, rw_report_bucket_of(r, start, 0), bytes);
    point_add(&r->days, h->idx, fl->series, rw_report_bucket_of(r, start, 1), bytes);
}

/* The listed file open under key (no fileinfo record yet), or NULL. */
static struct rw_report_file *file_open(struct rw_report *r, const char *key)
{
    struct rw_report_count *c = rw_report_map_get(&r->filekeys, key, 0);

    if (c == NULL || c->n == 0 || c->n > r->nfiles)
        return NULL;
    return r->files[c->n - 1].have_fileinfo ? NULL : &r->files[c->n - 1];
}

static struct rw_report_file *file_new(struct rw_report *r, const char *key, int64_t ts,
                                       const char *snd, const char *rcv, const char *name,
                                       unsigned series)
{
    struct rw_report_file *f;
    struct rw_report_count *c;

    if (r->nfiles == RW_REPORT_FILES_MAX)
        return NULL;
    if (r->files == NULL) {
        r->files = rw_calloc(RW_REPORT_FILES_MAX, sizeof(*r->files));
        if (r->files == NULL)
            return NULL;
    }
    c = rw_report_map_get(&r->filekeys, key, 1);
    if (c == NULL)
        return NULL;
    f = &r->files[r->nfiles++];
    c->n = r->nfiles;
    f->ts = ts;
    f->series = series;
    copy_str(f->sender, sizeof(f->sender), snd);
    copy_str(f->receiver, sizeof(f->receiver), rcv);
    copy_str(f->name, sizeof(f->name), name);
    return f;
}

static void file_key(char *key, size_t n, json_t *rec, const char *name)
{
    snprintf(key, n, "%lld %.255s", (long long)json_integer_value(json_object_get(rec, "flow_id")),
             name);
}

static void file_fill(struct rw_report_file *f, json_t *rec, json_t *fi)
{
    const char *v;

    if ((v = jstr(rec, "app_proto")) != NULL)
        copy_str(f->proto, sizeof(f->proto), v);
    if ((v = jstr(fi, "magic")) != NULL)
        copy_str(f->magic, sizeof(f->magic), v);
    if ((v = jstr(fi, "state")) != NULL)
        copy_str(f->state, sizeof(f->state), v);
    if ((v = jstr(fi, "sha256")) != NULL)
        copy_str(f->sha256, sizeof(f->sha256), v);
    f->size = juint(json_object_get(fi, "size"));
}

static void on_fileinfo(struct rw_report *r, json_t *rec, int64_t ts)
{
    const char *dir = jstr(rec, "direction"), *src = jstr(rec, "src_ip");
    const char *dst = jstr(rec, "dest_ip"), *name = jstr(rec, "fileinfo.filename");
    json_t *fi = json_object_get(rec, "fileinfo");
    const char *snd = src, *rcv = dst;
    const struct rw_report_prefix *fl;
    struct rw_report_dest *d;
    struct rw_report_host *h;
    struct rw_report_file *f;
    char key[320];
    uint64_t size = juint(json_object_get(fi, "size"));

    /* Suricata 7 writes no direction in fileinfo: its src_ip is then the file's sender. */
    if (src == NULL || dst == NULL)
        return;
    if (dir != NULL && strcmp(dir, "to_client") == 0) {
        snd = dst;
        rcv = src;
    }
    fl = flag_of(r, rcv);
    if (fl == NULL)
        return;
    if (name == NULL)
        name = "";
    r->files_flagged++;
    r->file_bytes_flagged += size;
    d = dest_get(r, rcv, fl);
    if (d != NULL) {
        d->files++;
        d->file_bytes += size;
        span_add(&d->seen, ts);
    }
    h = host_get(r, snd);
    if (h != NULL) {
        h->files++;
        h->file_bytes += size;
        span_add(&h->seen, ts);
    }
    file_key(key, sizeof(key), rec, name);
    f = file_open(r, key);
    if (f == NULL)
        f = file_new(r, key, ts, snd, rcv, name, fl->series);
    if (f == NULL) {
        r->files_unlisted++;
        r->files_unlisted_bytes += size;
        return;
    }
    f->ts = ts;
    f->have_fileinfo = 1;
    file_fill(f, rec, fi);
}

static void file_alert(struct rw_report *r, json_t *rec, int64_t ts, uint64_t sid,
                       const struct rw_report_prefix *fl)
{
    json_t *fi = json_object_get(rec, "fileinfo"), *groups, *g;
    const char *name = jstr(fi, "filename");
    struct rw_report_file *f;
    char key[320];
    size_t i;

    if (name == NULL)
        return;
    file_key(key, sizeof(key), rec, name);
    f = file_open(r, key);
    if (f == NULL) {
        f = file_new(r, key, ts, jstr(rec, "src_ip"), jstr(rec, "dest_ip"), name, fl->series);
        if (f == NULL)
            return;
        file_fill(f, rec, fi);
    }
    for (i = 0; i < f->nsids && f->sids[i] != sid; i++)
        ;
    if (i == f->nsids) {
        if (f->nsids < RW_REPORT_FILE_SIDS_MAX)
            f->sids[f->nsids++] = sid;
        else
            f->more_sids++;
    }
    groups = jget(rec, "alert", "context");
    groups = json_object_get(groups, "type_groups");
    json_array_foreach(groups, i, g) {
        const char *s = json_string_value(g);
        size_t len = strlen(f->groups);

        if (s == NULL || strstr(f->groups, s) != NULL)
            continue;
        snprintf(f->groups + len, sizeof(f->groups) - len, "%s%s", len > 0 ? "," : "", s);
    }
}

static void on_alert(struct rw_report *r, json_t *rec, int64_t ts)
{
    json_t *a = json_object_get(rec, "alert");
    uint64_t sid = juint(json_object_get(a, "signature_id"));
    const char *dst = jstr(rec, "dest_ip"), *src = jstr(rec, "src_ip");
    const char *list = jstr(a, "context.list"), *level = jstr(a, "context.level");
    const struct rw_report_prefix *fl;
    struct rw_report_rule *ru;
    struct rw_report_dest *d;
    char key[32];
    size_t n = r->rules.n;

    snprintf(key, sizeof(key), "%llu", (unsigned long long)sid);
    ru = rw_report_map_get(&r->rules, key, 1);
    if (ru != NULL) {
        if (r->rules.n != n) {
            const char *v;

            ru->sid = sid;
            ru->seen.first = ru->seen.last = RW_REPORT_NO_TIME;
            if ((v = jstr(a, "signature")) != NULL)
                copy_str(ru->msg, sizeof(ru->msg), v);
            if ((v = jstr(a, "category")) != NULL)
                copy_str(ru->category, sizeof(ru->category), v);
            if (level != NULL)
                copy_str(ru->level, sizeof(ru->level), level);
        }
        ru->rev = juint(json_object_get(a, "rev"));
        ru->severity = juint(json_object_get(a, "severity"));
        ru->count++;
        span_add(&ru->seen, ts);
    }
    if (dst != NULL && list != NULL)
        prefix_learn(r, dst, list, jstr(a, "context.prefix"));
    fl = flag_of(r, dst);
    if (fl == NULL)
        return;
    r->alerts_flagged++;
    d = dest_get(r, dst, fl);
    if (d != NULL) {
        d->alerts++;
        span_add(&d->seen, ts);
    }
    if (src != NULL) {
        struct rw_report_host *h = host_get(r, src);

        if (d != NULL)
            pair_add(r, d, dst, src);
        if (h != NULL) {
            h->alerts++;
            span_add(&h->seen, ts);
        }
    }
    if (level != NULL && strcmp(level, "file") == 0)
        file_alert(r, rec, ts, sid, fl);
}

static void on_stats(struct rw_report_input *in, json_t *rec)
{
    json_t *s = json_object_get(rec, "stats");

    in->have_stats = 1;
    in->stat_pkts = juint(jget(jget(s, "decoder", NULL), "pkts", NULL));
    in->stat_flows = juint(jget(jget(s, "flow", NULL), "total", NULL));
    in->stat_alerts = juint(jget(jget(s, "detect", NULL), "alert", NULL));
}

/* Suricata's own record types: known, counted, not used. */
static int suricata_type(const char *t)
{
    static const char *const names[] = {
        "dns", "http", "tls", "ssh", "smtp", "ftp", "ftp_data", "smb", "nfs", "tftp",
        "dhcp", "krb5", "snmp", "sip", "rdp", "rfb", "mqtt", "http2", "quic", "pgsql",
        "ike", "anomaly", "netflow", "drop", "dcerpc", "bittorrent-dht", "frame",
        "arp", "ldap", "modbus", "dnp3", "enip", "websocket", "pop3", "template"};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(t, names[i]) == 0)
            return 1;
    return 0;
}

void rw_report_agg_record(struct rw_report *r, struct rw_report_input *in, json_t *rec)
{
    const char *type = jstr(rec, "event_type"), *ts_s = jstr(rec, "timestamp");
    const char *sensor = jstr(rec, "host");
    struct rw_report_count *c;
    int64_t ts;

    if (type == NULL || ts_s == NULL || rw_report_parse_time(ts_s, &ts) != 0) {
        in->malformed++;
        r->malformed++;
        return;
    }
    in->records++;
    r->records++;
    /* Suricata stamps stats with the wall clock, not packet time: not part of the case. */
    if (strcmp(type, "stats") != 0)
        span_add(&r->span, ts);
    c = rw_report_map_get(&r->sensors, sensor != NULL ? sensor : "", 1);
    if (c != NULL)
        c->n++;
    if (json_object_get(jget(rec, "alert", NULL), "context") != NULL ||
        json_object_get(rec, "ndpi") != NULL)
        r->from_reelwatch = 1;
    if (strcmp(type, "alert") == 0) {
        r->n_alert++;
        on_alert(r, rec, ts);
    } else if (strcmp(type, "flow") == 0) {
        r->n_flow++;
        on_flow(r, rec, ts);
    } else if (strcmp(type, "fileinfo") == 0) {
        r->n_fileinfo++;
        on_fileinfo(r, rec, ts);
    } else if (strcmp(type, "stats") == 0) {
        r->n_stats++;
        on_stats(in, rec);
    } else if (suricata_type(type)) {
        r->n_other_known++;
        r->from_suricata = 1;
    } else {
        in->unknown++;
        r->unknown++;
        c = rw_report_map_get(&r->types, type, 1);
        if (c != NULL)
            c->n++;
    }
}

/* ---- sorted views ---- */

static const struct rw_report *sort_ctx;

static int cmp_host(const void *a, const void *b)
{
    const struct rw_report_host *x = rw_report_map_at(&sort_ctx->hosts, *(const size_t *)a);
    const struct rw_report_host *y = rw_report_map_at(&sort_ctx->hosts, *(const size_t *)b);

    if (x->bytes != y->bytes)
        return x->bytes < y->bytes ? 1 : -1;
    return strcmp(rw_report_map_key(&sort_ctx->hosts, *(const size_t *)a),
                  rw_report_map_key(&sort_ctx->hosts, *(const size_t *)b));
}

static int cmp_dest(const void *a, const void *b)
{
    const struct rw_report_dest *x = rw_report_map_at(&sort_ctx->dests, *(const size_t *)a);
    const struct rw_report_dest *y = rw_report_map_at(&sort_ctx->dests, *(const size_t *)b);

    if (x->bytes != y->bytes)
        return x->bytes < y->bytes ? 1 : -1;
    return strcmp(rw_report_map_key(&sort_ctx->dests, *(const size_t *)a),
                  rw_report_map_key(&sort_ctx->dests, *(const size_t *)b));
}

static int cmp_rule(const void *a, const void *b)
{
    const struct rw_report_rule *x = rw_report_map_at(&sort_ctx->rules, *(const size_t *)a);
    const struct rw_report_rule *y = rw_report_map_at(&sort_ctx->rules, *(const size_t *)b);

    return x->sid < y->sid ? -1 : x->sid > y->sid;
}

static int cmp_tls(const void *a, const void *b)
{
    const struct rw_report_tls *x = rw_report_map_at(&sort_ctx->tls, *(const size_t *)a);
    const struct rw_report_tls *y = rw_report_map_at(&sort_ctx->tls, *(const size_t *)b);

    if (x->flagged != y->flagged)
        return y->flagged - x->flagged;
    if (x->bytes != y->bytes)
        return x->bytes < y->bytes ? 1 : -1;
    return strcmp(rw_report_map_key(&sort_ctx->tls, *(const size_t *)a),
                  rw_report_map_key(&sort_ctx->tls, *(const size_t *)b));
}

static size_t *sorted(const struct rw_report *r, const struct rw_report_map *m,
                      int (*cmp)(const void *, const void *))
{
    size_t *idx;

    if (m->n == 0)
        return NULL;
    idx = rw_malloc(m->n * sizeof(*idx));
    if (idx == NULL)
        return NULL;
    for (size_t i = 0; i < m->n; i++)
        idx[i] = i;
    sort_ctx = r; /* qsort has no context argument in C11; the report is single-threaded */
    qsort(idx, m->n, sizeof(*idx), cmp);
    sort_ctx = NULL;
    return idx;
}

size_t *rw_report_sorted_hosts(const struct rw_report *r)
{
    return sorted(r, &r->hosts, cmp_host);
}

size_t *rw_report_sorted_dests(const struct rw_report *r)
{
    return sorted(r, &r->dests, cmp_dest);
}

size_t *rw_report_sorted_rules(const struct rw_report *r)
{
    return sorted(r, &r->rules, cmp_rule);
}

void rw_report_capped_tables(const struct rw_report *r,
                             struct rw_report_capped out[RW_REPORT_CAPPED_TABLES])
{
    const struct rw_report_capped t[RW_REPORT_CAPPED_TABLES] = {
        {"sensors", "sensors", &r->sensors},
        {"unknown types", "unknown types", &r->types},
        {"rules", "rules", &r->rules},
        {"destinations", "destinations", &r->dests},
        {"flagged prefixes", "flagged prefixes", &r->prefixes},
        {"hosts", "hosts", &r->hosts},
        {"host-destination pairs", "host-destination pairs", &r->pairs},
        {"list and prefix series", "series", &r->series},
        {"hourly cells", "hourly cells", &r->hours},
        {"daily cells", "daily cells", &r->days},
        {"encrypted upload rows", "encrypted rows", &r->tls},
        {"file keys", "file keys", &r->filekeys},
    };

    memcpy(out, t, sizeof(t));
}

size_t *rw_report_sorted_tls(const struct rw_report *r)
{
    return sorted(r, &r->tls, cmp_tls);
}

static int cmp_point(const void *a, const void *b)
{
    const struct rw_report_point *x = a, *y = b;

    if (x->host != y->host)
        return x->host < y->host ? -1 : 1;
    if (x->bucket != y->bucket)
        return x->bucket < y->bucket ? -1 : 1;
    return x->series < y->series ? -1 : x->series > y->series;
}

struct rw_report_point *rw_report_points(const struct rw_report *r, int day, size_t *n)
{
    const struct rw_report_map *m = day ? &r->days : &r->hours;
    struct rw_report_point *p;

    *n = 0;
    if (m->n == 0)
        return NULL;
    p = rw_malloc(m->n * sizeof(*p));
    if (p == NULL)
        return NULL;
    memcpy(p, m->vals, m->n * sizeof(*p));
    qsort(p, m->n, sizeof(*p), cmp_point);
    *n = m->n;
    return p;
}

size_t rw_report_points_of(const struct rw_report_point *p, size_t n, unsigned host,
                           size_t *count)
{
    size_t lo = 0, hi = n, end;

    while (lo < hi) { /* the first point of host or after it */
        size_t mid = lo + (hi - lo) / 2;

        if (p[mid].host < host)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (end = lo; end < n && p[end].host == host; end++)
        ;
    *count = end - lo;
    return lo;
}
