/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_report_text.c — the report as terminal text (--format text) and as JSON (--format json). */
#include <inttypes.h>
#include <string.h>

#include "rw_alloc.h"
#include "rw_report_agg.h"

/* EVE strings are attacker-controlled: control bytes would drive the terminal, so they
 * print as \xNN. */
static void put_safe(FILE *f, const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
    }
}

static void text_case(const struct rw_report *r, FILE *f)
{
    char a[32], b[32];

    fprintf(f, "reelwatch investigation report\n\nInputs\n");
    for (size_t i = 0; i < r->ninputs; i++) {
        const struct rw_report_input *in = &r->inputs[i];

        fprintf(f, "  ");
        put_safe(f, in->path);
        fprintf(f,
                ": %" PRIu64 " lines, %" PRIu64 " records, %" PRIu64 " malformed, %" PRIu64
                " oversized, %" PRIu64 " unknown type",
                in->lines, in->records, in->malformed, in->oversized, in->unknown);
        if (in->have_stats)
            fprintf(f, "; sensor stats: %" PRIu64 " packets, %" PRIu64 " flows, %" PRIu64
                       " alerts",
                    in->stat_pkts, in->stat_flows, in->stat_alerts);
        fputc('\n', f);
    }
    rw_report_fmt_time(r, r->span.first, 0, a, sizeof(a));
    rw_report_fmt_time(r, r->span.last, 0, b, sizeof(b));
    fprintf(f, "Time span: %s .. %s %s\n", a, b, r->tz_label);
    fprintf(f, "Sensors:");
    for (size_t i = 0; i < r->sensors.n; i++) {
        const struct rw_report_count *c = rw_report_map_at(&r->sensors, i);
        const char *k = rw_report_map_key(&r->sensors, i);

        fputc(' ', f);
        put_safe(f, k[0] != '\0' ? k : "(unnamed)");
        fprintf(f, " (%" PRIu64 " records)%s", c->n, i + 1 < r->sensors.n ? "," : "");
    }
    fprintf(f, "; written by %s\n",
            r->from_reelwatch && r->from_suricata ? "reelwatch and Suricata"
            : r->from_suricata                    ? "Suricata"
            : r->from_reelwatch                   ? "reelwatch"
                                                  : "unknown");
    fprintf(f,
            "Records: %" PRIu64 " (alert %" PRIu64 ", fileinfo %" PRIu64 ", flow %" PRIu64
            ", stats %" PRIu64 ", other Suricata %" PRIu64 "); %" PRIu64 " malformed, %" PRIu64
            " oversized, %" PRIu64 " of unknown type\n",
            r->records, r->n_alert, r->n_fileinfo, r->n_flow, r->n_stats, r->n_other_known,
            r->malformed, r->oversized, r->unknown);
    fprintf(f,
            "Flagged: %zu destinations, %zu hosts, %" PRIu64 " flows, %" PRIu64
            " bytes sent, %" PRIu64 " files (%" PRIu64 " bytes), %" PRIu64 " alerts\n",
            r->dests.n, r->hosts.n, r->flows_flagged, r->bytes_flagged, r->files_flagged,
            r->file_bytes_flagged, r->alerts_flagged);
}

static void text_timeline(const struct rw_report *r, FILE *f)
{
    int day = rw_report_use_days(r);
    size_t n = 0, *hidx = rw_report_sorted_hosts(r);
    struct rw_report_point *p = rw_report_points(r, day, &n);

    fprintf(f, "\nBytes sent to flagged ranges per host and %s (%s)\n", day ? "day" : "hour",
            r->tz_label);
    for (size_t k = 0; hidx != NULL && k < r->hosts.n; k++) {
        const struct rw_report_host *h = rw_report_map_at(&r->hosts, hidx[k]);
        uint64_t rows = 0;

        fputs("  ", f);
        put_safe(f, rw_report_map_key(&r->hosts, hidx[k]));
        fprintf(f, ": %" PRIu64 " bytes in %" PRIu64 " flows, %" PRIu64 " files, %" PRIu64
                   " alerts\n",
                h->bytes, h->flows, h->files, h->alerts);
        size_t cnt, from = rw_report_points_of(p, n, h->idx, &cnt);

        for (size_t i = from; i < from + cnt; i++) {
            uint64_t sum = 0;
            size_t j;
            char b[32];

            for (j = i; j < from + cnt && p[j].bucket == p[i].bucket; j++)
                sum += p[j].bytes;
            rw_report_fmt_bucket(p[i].bucket, day, b, sizeof(b));
            if (rows++ < RW_REPORT_ROWS_MAX)
                fprintf(f, "    %-16s %14" PRIu64 "\n", b, sum);
            i = j - 1;
        }
    }
    rw_free(p);
    rw_free(hidx);
}

static void text_files(const struct rw_report *r, FILE *f)
{
    fprintf(f, "\nFiles sent to flagged ranges: %" PRIu64 " (%zu listed)\n", r->files_flagged,
            r->nfiles);
    for (size_t i = 0; i < r->nfiles && i < RW_REPORT_ROWS_MAX; i++) {
        const struct rw_report_file *x = &r->files[i];
        char t[32];

        rw_report_fmt_time(r, x->ts, 0, t, sizeof(t));
        fprintf(f, "  %s  ", t);
        put_safe(f, x->sender);
        fputs(" -> ", f);
        put_safe(f, x->receiver);
        fputs("  ", f);
        put_safe(f, x->proto[0] != '\0' ? x->proto : "-");
        fprintf(f, "  %" PRIu64 " bytes  ", x->size);
        put_safe(f, x->state[0] != '\0' ? x->state : "-");
        fputs("  ", f);
        put_safe(f, x->name);
        fputs("  [", f);
        put_safe(f, x->groups[0] != '\0' ? x->groups : "-");
        fputs("]  sids", f);
        for (unsigned s = 0; s < x->nsids; s++)
            fprintf(f, "%c%" PRIu64, s == 0 ? ' ' : ',', x->sids[s]);
        if (x->nsids == 0)
            fprintf(f, " -");
        if (x->sha256[0] != '\0') {
            fprintf(f, "  sha256 ");
            put_safe(f, x->sha256);
        }
        fputc('\n', f);
    }
}

static void text_rules(const struct rw_report *r, FILE *f)
{
    size_t *idx = rw_report_sorted_rules(r);

    fprintf(f, "\nAlerts by rule\n");
    for (size_t k = 0; idx != NULL && k < r->rules.n; k++) {
        const struct rw_report_rule *ru = rw_report_map_at(&r->rules, idx[k]);
        char a[32], b[32];

        rw_report_fmt_time(r, ru->seen.first, 0, a, sizeof(a));
        rw_report_fmt_time(r, ru->seen.last, 0, b, sizeof(b));
        fprintf(f, "  %" PRIu64 " rev %" PRIu64 " severity %" PRIu64 ": %" PRIu64
                   " alerts, first %s, last %s  ",
                ru->sid, ru->rev, ru->severity, ru->count, a, b);
        put_safe(f, ru->msg);
        fputc('\n', f);
    }
    rw_free(idx);
}

static void text_tls(const struct rw_report *r, FILE *f)
{
    size_t *idx = rw_report_sorted_tls(r);

    fprintf(f, "\nEncrypted uploads (TLS, QUIC, SSH)\n");
    for (size_t k = 0; idx != NULL && k < r->tls.n && k < RW_REPORT_ROWS_MAX; k++) {
        const struct rw_report_tls *t = rw_report_map_at(&r->tls, idx[k]);

        fputs("  ", f);
        put_safe(f, t->host);
        fputs(" -> ", f);
        put_safe(f, t->dest);
        fprintf(f, "  %" PRIu64 " flows  %" PRIu64 " bytes  %s  sni ", t->flows, t->bytes,
                t->flagged ? "FLAGGED" : "-");
        put_safe(f, t->sni[0] != '\0' ? t->sni : "-");
        fputc('\n', f);
    }
    rw_free(idx);
}

static void text_dests(const struct rw_report *r, FILE *f)
{
    size_t *idx = rw_report_sorted_dests(r);

    fprintf(f, "\nFlagged destinations\n");
    for (size_t k = 0; idx != NULL && k < r->dests.n && k < RW_REPORT_ROWS_MAX; k++) {
        const struct rw_report_dest *d = rw_report_map_at(&r->dests, idx[k]);
        char a[32], b[32];

        rw_report_fmt_time(r, d->seen.first, 0, a, sizeof(a));
        rw_report_fmt_time(r, d->seen.last, 0, b, sizeof(b));
        fputs("  ", f);
        put_safe(f, rw_report_map_key(&r->dests, idx[k]));
        fputs("  ", f);
        put_safe(f, d->list);
        fputc(' ', f);
        put_safe(f, d->prefix);
        fprintf(f, "  first %s, last %s, %" PRIu64 " bytes, %" PRIu64 " flows, %" PRIu64
                   " files, %" PRIu64 " alerts, hosts",
                a, b, d->bytes, d->flows, d->files, d->alerts);
        for (uint64_t i = 0; i < d->nhosts && i < RW_REPORT_DEST_HOSTS_SHOWN; i++) {
            fputc(' ', f);
            put_safe(f, d->hosts[i]);
        }
        if (d->nhosts > RW_REPORT_DEST_HOSTS_SHOWN)
            fprintf(f, " (+%" PRIu64 ")", d->nhosts - RW_REPORT_DEST_HOSTS_SHOWN);
        fputc('\n', f);
    }
    rw_free(idx);
}

static void text_limits(const struct rw_report *r, FILE *f)
{
    struct rw_report_capped maps[RW_REPORT_CAPPED_TABLES];

    rw_report_capped_tables(r, maps);
    fprintf(f, "\nInput quality and limits\n");
    fprintf(f, "  malformed lines %" PRIu64 ", oversized lines %" PRIu64
               " (over %d bytes), unknown event types %" PRIu64 "\n",
            r->malformed, r->oversized, RW_REPORT_LINE_MAX_BYTES, r->unknown);
    for (size_t i = 0; i < r->types.n; i++) {
        const struct rw_report_count *c = rw_report_map_at(&r->types, i);

        fprintf(f, "  unknown event_type ");
        put_safe(f, rw_report_map_key(&r->types, i));
        fprintf(f, ": %" PRIu64 "\n", c->n);
    }
    for (size_t i = 0; i < RW_REPORT_CAPPED_TABLES; i++)
        if (maps[i].m->overflow > 0)
            fprintf(f, "  table full: %s (%zu kept): %" PRIu64 " records found no room\n",
                    maps[i].short_name, maps[i].m->cap, maps[i].m->overflow);
    if (r->files_unlisted > 0)
        fprintf(f, "  files not listed: %" PRIu64 " (%" PRIu64 " bytes); counted in totals\n",
                r->files_unlisted, r->files_unlisted_bytes);
}

int rw_report_write_text(const struct rw_report *r, FILE *f)
{
    text_case(r, f);
    text_timeline(r, f);
    text_files(r, f);
    text_rules(r, f);
    text_tls(r, f);
    text_dests(r, f);
    text_limits(r, f);
    return ferror(f) ? -1 : 0;
}

/* ---- JSON: the same numbers for scripts and the tests ---- */

static json_t *json_time(const struct rw_report *r, int64_t t)
{
    char b[32];

    if (t == RW_REPORT_NO_TIME)
        return json_null();
    rw_report_fmt_time(r, t, 0, b, sizeof(b));
    return json_string(b);
}

/* jansson refuses invalid UTF-8; EVE strings were valid when parsed, and cuts keep it. */
static json_t *jstring(const char *s)
{
    json_t *v = json_string(s);

    return v != NULL ? v : json_string("?");
}

static json_t *json_hosts(const struct rw_report *r)
{
    json_t *arr = json_array();
    size_t nd = 0, nh = 0, *hidx = rw_report_sorted_hosts(r);
    struct rw_report_point *pd = rw_report_points(r, 1, &nd);
    struct rw_report_point *ph = rw_report_points(r, 0, &nh);

    for (size_t k = 0; hidx != NULL && k < r->hosts.n; k++) {
        const struct rw_report_host *h = rw_report_map_at(&r->hosts, hidx[k]);
        json_t *days = json_object(), *hours = json_object();
        size_t cd, fd = rw_report_points_of(pd, nd, h->idx, &cd);
        size_t ch, fh = rw_report_points_of(ph, nh, h->idx, &ch);
        char b[32];

        for (size_t i = fd; i < fd + cd; i++) {
            rw_report_fmt_bucket(pd[i].bucket, 1, b, sizeof(b));
            json_object_set_new(days, b,
                                json_integer((json_int_t)(json_integer_value(
                                                              json_object_get(days, b)) +
                                                          (json_int_t)pd[i].bytes)));
        }
        for (size_t i = fh; i < fh + ch; i++) {
            rw_report_fmt_bucket(ph[i].bucket, 0, b, sizeof(b));
            json_object_set_new(hours, b,
                                json_integer((json_int_t)(json_integer_value(
                                                              json_object_get(hours, b)) +
                                                          (json_int_t)ph[i].bytes)));
        }
        json_array_append_new(
            arr, json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:o, s:o}", "host",
                           rw_report_map_key(&r->hosts, hidx[k]), "bytes", (json_int_t)h->bytes,
                           "flows", (json_int_t)h->flows, "files", (json_int_t)h->files,
                           "file_bytes", (json_int_t)h->file_bytes, "alerts",
                           (json_int_t)h->alerts, "days", days, "hours", hours));
    }
    rw_free(pd);
    rw_free(ph);
    rw_free(hidx);
    return arr;
}

static json_t *json_files(const struct rw_report *r)
{
    json_t *arr = json_array();

    for (size_t i = 0; i < r->nfiles; i++) {
        const struct rw_report_file *x = &r->files[i];
        json_t *sids = json_array();

        for (unsigned s = 0; s < x->nsids; s++)
            json_array_append_new(sids, json_integer((json_int_t)x->sids[s]));
        json_array_append_new(
            arr, json_pack("{s:o, s:s, s:s, s:s, s:o, s:s, s:I, s:s, s:o, s:o, s:b}", "time",
                           json_time(r, x->ts), "sender", x->sender, "receiver", x->receiver,
                           "proto", x->proto, "name", jstring(x->name), "type_groups",
                           x->groups, "size", (json_int_t)x->size, "state", x->state, "sha256",
                           x->sha256[0] != '\0' ? jstring(x->sha256) : json_null(), "sids",
                           sids, "fileinfo", x->have_fileinfo));
    }
    return arr;
}

static json_t *json_rules(const struct rw_report *r)
{
    json_t *arr = json_array();
    size_t *idx = rw_report_sorted_rules(r);

    for (size_t k = 0; idx != NULL && k < r->rules.n; k++) {
        const struct rw_report_rule *ru = rw_report_map_at(&r->rules, idx[k]);

        json_array_append_new(arr, json_pack("{s:I, s:I, s:I, s:o, s:s, s:I, s:o, s:o}", "sid",
                                             (json_int_t)ru->sid, "rev", (json_int_t)ru->rev,
                                             "severity", (json_int_t)ru->severity, "msg",
                                             jstring(ru->msg), "level", ru->level, "count",
                                             (json_int_t)ru->count, "first",
                                             json_time(r, ru->seen.first), "last",
                                             json_time(r, ru->seen.last)));
    }
    rw_free(idx);
    return arr;
}

static json_t *json_dests(const struct rw_report *r)
{
    json_t *arr = json_array();
    size_t *idx = rw_report_sorted_dests(r);

    for (size_t k = 0; idx != NULL && k < r->dests.n; k++) {
        const struct rw_report_dest *d = rw_report_map_at(&r->dests, idx[k]);
        json_t *hosts = json_array();

        for (uint64_t i = 0; i < d->nhosts && i < RW_REPORT_DEST_HOSTS_SHOWN; i++)
            json_array_append_new(hosts, json_string(d->hosts[i]));
        json_array_append_new(
            arr, json_pack("{s:s, s:o, s:o, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:o}", "dest",
                           rw_report_map_key(&r->dests, idx[k]), "list", jstring(d->list),
                           "prefix", jstring(d->prefix), "first", json_time(r, d->seen.first),
                           "last", json_time(r, d->seen.last), "bytes", (json_int_t)d->bytes,
                           "flows", (json_int_t)d->flows, "files", (json_int_t)d->files,
                           "alerts", (json_int_t)d->alerts, "nhosts", (json_int_t)d->nhosts,
                           "hosts", hosts));
    }
    rw_free(idx);
    return arr;
}

static json_t *json_tls(const struct rw_report *r)
{
    json_t *arr = json_array();
    size_t *idx = rw_report_sorted_tls(r);

    for (size_t k = 0; idx != NULL && k < r->tls.n; k++) {
        const struct rw_report_tls *t = rw_report_map_at(&r->tls, idx[k]);

        json_array_append_new(arr, json_pack("{s:s, s:s, s:o, s:b, s:I, s:I}", "host", t->host,
                                             "dest", t->dest, "sni", jstring(t->sni),
                                             "flagged", t->flagged, "flows",
                                             (json_int_t)t->flows, "bytes",
                                             (json_int_t)t->bytes));
    }
    rw_free(idx);
    return arr;
}

int rw_report_write_json(const struct rw_report *r, FILE *f)
{
    json_t *root, *inputs = json_array(), *types = json_object();
    int rc;

    for (size_t i = 0; i < r->ninputs; i++) {
        const struct rw_report_input *in = &r->inputs[i];

        json_array_append_new(inputs, json_pack("{s:o, s:I, s:I, s:I, s:I, s:I}", "path",
                                                jstring(in->path), "lines",
                                                (json_int_t)in->lines, "records",
                                                (json_int_t)in->records, "malformed",
                                                (json_int_t)in->malformed, "oversized",
                                                (json_int_t)in->oversized, "unknown",
                                                (json_int_t)in->unknown));
    }
    for (size_t i = 0; i < r->types.n; i++)
        json_object_set_new(types, rw_report_map_key(&r->types, i),
                            json_integer((json_int_t)((const struct rw_report_count *)
                                                          rw_report_map_at(&r->types, i))
                                             ->n));
    root = json_pack(
        "{s:s, s:o, s:o, s:o, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:o,"
        " s:{s:I, s:I, s:I, s:I, s:I}, s:s, s:o, s:o, s:o, s:o, s:o}",
        "tz", r->tz_label, "inputs", inputs, "first", json_time(r, r->span.first), "last",
        json_time(r, r->span.last), "records", "total", (json_int_t)r->records, "alert",
        (json_int_t)r->n_alert, "fileinfo", (json_int_t)r->n_fileinfo, "flow",
        (json_int_t)r->n_flow, "stats", (json_int_t)r->n_stats, "other",
        (json_int_t)r->n_other_known, "malformed", (json_int_t)r->malformed, "oversized",
        (json_int_t)r->oversized, "unknown", (json_int_t)r->unknown, "unknown_types", types,
        "flagged", "flows", (json_int_t)r->flows_flagged, "bytes", (json_int_t)r->bytes_flagged,
        "files", (json_int_t)r->files_flagged, "file_bytes", (json_int_t)r->file_bytes_flagged,
        "alerts", (json_int_t)r->alerts_flagged, "bucket", rw_report_use_days(r) ? "day" : "hour",
        "hosts", json_hosts(r), "files", json_files(r), "rules", json_rules(r), "destinations",
        json_dests(r), "encrypted", json_tls(r));
    if (root == NULL)
        return -1;
    rc = json_dumpf(root, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    fputc('\n', f);
    json_decref(root);
    return rc != 0 || ferror(f) ? -1 : 0;
}
