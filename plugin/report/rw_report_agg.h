/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_report_agg.h — the report's bounded aggregation model, filled from EVE records. */
#ifndef RW_REPORT_AGG_H
#define RW_REPORT_AGG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/*
 * Every table has a fixed cap. A record that would need a new entry past the cap is still
 * counted in the totals, and the table's `overflow` counter says how many records found no
 * room; the report prints every non-zero overflow, so nothing is dropped silently.
 */
#define RW_REPORT_LINE_MAX_BYTES (1024 * 1024) /* longer EVE lines are skipped, counted */
#define RW_REPORT_STR_MAX_BYTES 512            /* names, SNI, signatures kept (UTF-8 safe cut) */
#define RW_REPORT_KEY_MAX_BYTES 256            /* table keys (addresses, names): longer are cut */
#define RW_REPORT_INPUTS_MAX 4096              /* EVE files on one command line */
#define RW_REPORT_HOSTS_MAX 4096               /* hosts that sent to flagged ranges */
#define RW_REPORT_DESTS_MAX 4096               /* flagged destinations with their own row */
#define RW_REPORT_PREFIXES_MAX 65536           /* flagged prefixes named by alerts */
#define RW_REPORT_PAIRS_MAX 65536              /* host-destination pairs */
#define RW_REPORT_SERIES_MAX 64                /* destination list + prefix combinations */
#define RW_REPORT_SERIES_OTHER RW_REPORT_SERIES_MAX /* the series of those past the cap */
#define RW_REPORT_POINTS_MAX 262144            /* timeline cells (host, series, bucket) */
#define RW_REPORT_FILES_MAX 10000              /* files to flagged ranges listed one by one */
#define RW_REPORT_FILE_SIDS_MAX 8              /* rules listed per file */
#define RW_REPORT_RULES_MAX 1024               /* distinct sids */
#define RW_REPORT_TLS_MAX 4096                 /* encrypted upload rows (host, dest, SNI) */
#define RW_REPORT_SENSORS_MAX 64               /* distinct sensor names */
#define RW_REPORT_TYPES_MAX 64                 /* distinct unknown event types named */
#define RW_REPORT_DEST_HOSTS_SHOWN 8           /* host addresses kept per destination */
#define RW_REPORT_CHART_HOSTS_MAX 50           /* hosts charted in HTML (largest first) */
#define RW_REPORT_ROWS_MAX 500                 /* rows per table in HTML and text */

/* A bounded map from a string key to a fixed-size zeroed value (rw_report_map.c). */
struct rw_report_map {
    size_t cap;        /* most entries */
    size_t n;          /* entries */
    size_t elem;       /* value size in bytes */
    size_t nslots;     /* power of two, at least twice cap */
    uint32_t *slots;   /* entry index + 1, 0 = empty */
    char **keys;       /* owned */
    unsigned char *vals;
    size_t alloc;      /* entries allocated in keys/vals */
    uint64_t overflow; /* new entries refused at the cap or for lack of memory */
};

int rw_report_map_init(struct rw_report_map *m, size_t cap, size_t elem);
void rw_report_map_cleanup(struct rw_report_map *m);
/* The value for key; when absent, a new zeroed one if create, else NULL. NULL also when the
 * map is full (overflow counted). The pointer is valid until the next creating call. */
void *rw_report_map_get(struct rw_report_map *m, const char *key, int create);
void *rw_report_map_at(const struct rw_report_map *m, size_t i);
const char *rw_report_map_key(const struct rw_report_map *m, size_t i);

/* Time: microseconds since the epoch, UTC. */
#define RW_REPORT_NO_TIME INT64_MIN

struct rw_report_span {
    int64_t first, last;
};

struct rw_report_input {
    const char *path; /* borrowed from argv */
    uint64_t lines, records, malformed, oversized, unknown;
    int have_stats;
    uint64_t stat_pkts, stat_flows, stat_alerts; /* the input's last stats record */
};

struct rw_report_rule {
    uint64_t sid, rev, severity, count;
    char msg[RW_REPORT_STR_MAX_BYTES];
    char category[128];
    char level[16];
    struct rw_report_span seen;
};

/* A flagged prefix, learnt from an alert's alert.context.list and .prefix: every address
 * in it is flagged, whether or not an alert named that address. */
struct rw_report_prefix {
    char list[64];
    char prefix[64]; /* normalised: masked address / length */
    unsigned series;
};

struct rw_report_dest {
    char list[64];
    char prefix[64];
    unsigned series;
    struct rw_report_span seen;
    uint64_t bytes, flows, files, file_bytes, alerts, nhosts;
    char hosts[RW_REPORT_DEST_HOSTS_SHOWN][48];
};

struct rw_report_host {
    uint64_t bytes, flows, files, file_bytes, alerts;
    struct rw_report_span seen;
    unsigned idx; /* order of first appearance */
};

struct rw_report_point {
    unsigned host;   /* rw_report_host.idx */
    unsigned series; /* index in the series map */
    int64_t bucket;  /* local hour or day number */
    uint64_t bytes;
};

struct rw_report_file {
    int64_t ts;
    char sender[48], receiver[48];
    char proto[24];
    char name[RW_REPORT_STR_MAX_BYTES];
    char groups[128]; /* type groups from the alerts, comma separated */
    char magic[160];
    char state[12];
    char sha256[65];
    uint64_t size;
    int have_fileinfo;
    unsigned nsids, more_sids;
    uint64_t sids[RW_REPORT_FILE_SIDS_MAX];
    unsigned series;
};

struct rw_report_tls {
    char host[48], dest[48];
    char sni[256];
    int flagged;
    uint64_t bytes, flows;
    struct rw_report_span seen;
};

struct rw_report_series {
    char list[64], prefix[64];
    unsigned idx;
};

struct rw_report_count {
    uint64_t n;
};

enum rw_report_bucket { RW_REPORT_BUCKET_AUTO, RW_REPORT_BUCKET_HOUR, RW_REPORT_BUCKET_DAY };

struct rw_report {
    /* options */
    const char *tz_name; /* NULL: UTC */
    long tz_fixed;       /* seconds east of UTC when tz_zoneinfo is 0 */
    int tz_zoneinfo;     /* 1: tz_name is an IANA zone, resolved with localtime_r */
    char tz_label[64];
    enum rw_report_bucket bucket_opt;

    struct rw_report_input *inputs;
    size_t ninputs;

    /* counts over all inputs */
    uint64_t lines, records, malformed, oversized, unknown;
    uint64_t n_alert, n_fileinfo, n_flow, n_stats, n_other_known;
    int from_reelwatch, from_suricata;
    struct rw_report_span span;

    struct rw_report_map sensors;  /* name -> count */
    struct rw_report_map types;    /* unknown event_type -> count */
    struct rw_report_map rules;    /* sid -> rule */
    struct rw_report_map prefixes; /* flagged prefix -> prefix */
    unsigned char plen4[33];       /* prefix lengths present, IPv4 */
    unsigned char plen6[129];      /* ... and IPv6 */
    struct rw_report_map dests;    /* flagged address -> dest */
    struct rw_report_map hosts;    /* sender to flagged -> host */
    struct rw_report_map pairs;    /* "host dest" -> count */
    struct rw_report_map series;   /* "list prefix" -> series */
    struct rw_report_map hours;    /* "host series hour" -> point */
    struct rw_report_map days;     /* "host series day" -> point */
    struct rw_report_map tls;      /* "host dest sni" -> tls */
    struct rw_report_map filekeys; /* "flow_id name" -> count (file index + 1 still open) */

    struct rw_report_file *files;
    size_t nfiles;
    uint64_t files_unlisted, files_unlisted_bytes;
    uint64_t flows_flagged, bytes_flagged, files_flagged, file_bytes_flagged;
    uint64_t alerts_flagged;
};

/* Zeroes r and allocates its tables. 0, or -1 when out of memory. */
int rw_report_agg_init(struct rw_report *r);
void rw_report_agg_cleanup(struct rw_report *r);

/* Pass 1 (optional, seekable inputs): learns flagged destinations from one alert record. */
void rw_report_agg_learn(struct rw_report *r, json_t *rec);
/* Pass 2: one parsed record of input in. Bad or unknown records are counted, not fatal. */
void rw_report_agg_record(struct rw_report *r, struct rw_report_input *in, json_t *rec);

/* Times (rw_report_time.c). "2024-03-14T09:00:02.180480+0000" -> microseconds since the epoch, UTC; -1 if bad. */
int rw_report_parse_time(const char *s, int64_t *out);
/* The report zone's offset east of UTC at t (microseconds), in seconds. */
long rw_report_tz_offset(const struct rw_report *r, int64_t t);
/* Local bucket number of t: hours or days since the epoch, in the report's zone. */
int64_t rw_report_bucket_of(const struct rw_report *r, int64_t t, int day);
/* Writes "YYYY-MM-DD HH:MM:SS" (what: 0) or "YYYY-MM-DD" (what: 1) or "HH:MM" (2) of t in
 * the report's zone. */
void rw_report_fmt_time(const struct rw_report *r, int64_t t, int what, char *buf, size_t n);
/* Local start of bucket b as a date string. */
void rw_report_fmt_bucket(int64_t b, int day, char *buf, size_t n);
/* 1 when the chosen granularity is days. */
int rw_report_use_days(const struct rw_report *r);
/* "1.5 MiB" style sizes. */
void rw_report_fmt_bytes(uint64_t v, char *buf, size_t n);

/* The capped tables, for the limits section of every report format: the name the HTML
 * page gives each, the text report's shorter one, and the table. */
struct rw_report_capped {
    const char *name;
    const char *short_name;
    const struct rw_report_map *m;
};
#define RW_REPORT_CAPPED_TABLES 12
void rw_report_capped_tables(const struct rw_report *r,
                             struct rw_report_capped out[RW_REPORT_CAPPED_TABLES]);

/* Sorted index arrays over the tables (caller frees). NULL when empty or out of memory. */
size_t *rw_report_sorted_hosts(const struct rw_report *r);
size_t *rw_report_sorted_dests(const struct rw_report *r);
size_t *rw_report_sorted_rules(const struct rw_report *r);
size_t *rw_report_sorted_tls(const struct rw_report *r);
/* The timeline points of one granularity sorted by host, bucket, series (caller frees). */
struct rw_report_point *rw_report_points(const struct rw_report *r, int day, size_t *n);
/* Where host's points start in such an array, and how many there are (binary search). */
size_t rw_report_points_of(const struct rw_report_point *p, size_t n, unsigned host,
                           size_t *count);

/* Writers: 0, or -1 when writing failed (errno set). */
int rw_report_write_html(const struct rw_report *r, FILE *f);
int rw_report_write_text(const struct rw_report *r, FILE *f);
int rw_report_write_json(const struct rw_report *r, FILE *f);

#endif
