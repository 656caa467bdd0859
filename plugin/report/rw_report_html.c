/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_report_html.c — the report as one self-contained, printable HTML page with SVG charts. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "rw_alloc.h"
#include "rw_report_agg.h"

/*
 * No script, no external resource: inline CSS and inline SVG only, so the page renders
 * offline, prints, and cannot raise a console error. Every string that came from an EVE
 * record (file names, SNI, signatures, paths) goes through esc(): file names and host
 * names are chosen by whoever sent the traffic.
 */

#define CHART_W 1000
#define CHART_H 190
#define CHART_LEFT 78
#define CHART_RIGHT 12
#define CHART_TOP 26
#define CHART_BOTTOM 34

static const char *const palette[] = {"#c0392b", "#2471a3", "#d68910", "#1e8449",
                                      "#7d3c98", "#17a589", "#a04000", "#5d6d7e"};

/* HTML-escapes s; C0 controls (never valid in HTML text) become U+FFFD. */
static void esc(FILE *f, const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        switch (c) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            if ((c < 0x20 && c != '\t') || c == 0x7f)
                fputs("&#xFFFD;", f);
            else
                fputc(c, f);
        }
    }
}

/* "dprk 175.45.176.0/22", or "other lists and prefixes" past the series cap. */
static void esc_series(FILE *f, const struct rw_report *r, unsigned idx)
{
    const struct rw_report_series *s;

    if (idx >= r->series.n) {
        fputs("other lists and prefixes", f);
        return;
    }
    s = rw_report_map_at(&r->series, idx);
    esc(f, s->list);
    fputc(' ', f);
    esc(f, s->prefix);
}

static void esc_time(FILE *f, const struct rw_report *r, int64_t t)
{
    char b[32];

    rw_report_fmt_time(r, t, 0, b, sizeof(b));
    esc(f, b);
}

static void esc_bytes(FILE *f, uint64_t v)
{
    char b[32];

    rw_report_fmt_bytes(v, b, sizeof(b));
    fprintf(f, "<span title=\"%" PRIu64 " bytes\">", v);
    esc(f, b);
    fputs("</span>", f);
}

static const char css[] =
    "body{font-family:\"DejaVu Sans\",\"Liberation Sans\",Arial,Helvetica,sans-serif;"
    "color:#1b1f23;margin:24px auto;max-width:1100px;padding:0 16px;font-size:14px}"
    "h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;border-bottom:2px solid #1b1f23;"
    "padding-bottom:3px;margin-top:28px}h3{font-size:15px;margin:18px 0 4px}"
    ".sub{color:#57606a;margin:0 0 12px}"
    ".cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}"
    ".card{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;min-width:120px}"
    ".card b{display:block;font-size:20px}.card span{color:#57606a;font-size:12px}"
    "table{border-collapse:collapse;width:100%;margin:6px 0 10px;font-size:12.5px}"
    "th,td{border:1px solid #d0d7de;padding:3px 6px;text-align:left;vertical-align:top}"
    "th{background:#f1f3f5}tr:nth-child(even) td{background:#fafbfc}"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
    ".mono{font-family:\"DejaVu Sans Mono\",\"Liberation Mono\",monospace;font-size:11.5px;"
    "overflow-wrap:anywhere}td.name{min-width:11em}.hash{word-break:break-all;min-width:16em}.t{white-space:nowrap}"
    ".flag{color:#c0392b;font-weight:bold}.warn{color:#a04000}"
    ".legend{font-size:12px;margin:2px 0 8px}.legend i{display:inline-block;width:11px;"
    "height:11px;margin:0 4px 0 12px;vertical-align:-1px}"
    "svg.chart{width:100%;height:auto;display:block}"
    "svg text{font-family:\"DejaVu Sans\",Arial,sans-serif;font-size:11px;fill:#57606a}"
    "section.host{break-inside:avoid;page-break-inside:avoid}"
    "@page{size:A4 landscape;margin:12mm}"
    "@media print{body{margin:0;max-width:none;font-size:11px}h2{break-after:avoid}"
    "tr{break-inside:avoid}}";

static void html_head(const struct rw_report *r, FILE *f)
{
    char a[32], b[32];

    rw_report_fmt_time(r, r->span.first, 1, a, sizeof(a));
    rw_report_fmt_time(r, r->span.last, 1, b, sizeof(b));
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
               "<meta name=\"generator\" content=\"reelwatch report\">\n");
    fprintf(f, "<title>reelwatch investigation report %s .. %s</title>\n", a, b);
    fprintf(f, "<style>%s</style>\n</head>\n<body>\n", css);
    fputs("<h1>Investigation report</h1>\n<p class=\"sub\">What left for flagged address "
          "ranges, when, to where, and which files &mdash; from reelwatch EVE records. "
          "Times in ",
          f);
    esc(f, r->tz_label);
    fputs(".</p>\n", f);
}

/* A table with no row says so, rather than showing bare headers. */
static void empty_row(FILE *f, size_t rows, int cols, const char *what)
{
    if (rows == 0)
        fprintf(f, "<tr><td colspan=\"%d\">%s</td></tr>\n", cols, what);
}

static void card(FILE *f, const char *id, uint64_t v, const char *label)
{
    fprintf(f, "<div class=\"card\" id=\"%s\"><b>%" PRIu64 "</b><span>%s</span></div>\n", id, v,
            label);
}

static void html_case(const struct rw_report *r, FILE *f)
{
    size_t *ridx = rw_report_sorted_rules(r);

    fprintf(f, "<h2 id=\"case\">The case</h2>\n<div class=\"cards\">\n");
    card(f, "c-hosts", r->hosts.n, "hosts sending to flagged ranges");
    card(f, "c-dests", r->dests.n, "flagged destinations");
    fprintf(f, "<div class=\"card\" id=\"c-bytes\"><b>");
    esc_bytes(f, r->bytes_flagged);
    fprintf(f, "</b><span>sent in %" PRIu64 " flows</span></div>\n", r->flows_flagged);
    card(f, "c-files", r->files_flagged, "files sent to flagged ranges");
    card(f, "c-alerts", r->n_alert, "alerts");
    fprintf(f, "</div>\n<table id=\"case-facts\">\n<tr><th>Time span</th><td>");
    esc_time(f, r, r->span.first);
    fputs(" &ndash; ", f);
    esc_time(f, r, r->span.last);
    fputc(' ', f);
    esc(f, r->tz_label);
    fputs("</td></tr>\n<tr><th>Sensors</th><td>", f);
    for (size_t i = 0; i < r->sensors.n; i++) {
        const struct rw_report_count *c = rw_report_map_at(&r->sensors, i);
        const char *k = rw_report_map_key(&r->sensors, i);

        esc(f, k[0] != '\0' ? k : "(no sensor name in the records)");
        fprintf(f, " (%" PRIu64 " records)%s", c->n, i + 1 < r->sensors.n ? ", " : "");
    }
    fprintf(f, "; written by %s</td></tr>\n",
            r->from_reelwatch && r->from_suricata ? "reelwatch and Suricata"
            : r->from_suricata                    ? "Suricata"
            : r->from_reelwatch                   ? "reelwatch"
                                                  : "an unknown producer");
    fprintf(f,
            "<tr><th>Records</th><td>%" PRIu64 ": %" PRIu64 " alert, %" PRIu64
            " fileinfo, %" PRIu64 " flow, %" PRIu64 " stats, %" PRIu64
            " other Suricata types</td></tr>\n",
            r->records, r->n_alert, r->n_fileinfo, r->n_flow, r->n_stats, r->n_other_known);
    fprintf(f, "<tr><th>Not used</th><td%s>%" PRIu64 " malformed lines, %" PRIu64
               " oversized lines, %" PRIu64 " records of unknown type</td></tr>\n",
            r->malformed + r->oversized + r->unknown > 0 ? " class=\"warn\"" : "", r->malformed,
            r->oversized, r->unknown);
    fprintf(f, "<tr><th>Rule set</th><td>");
    for (size_t k = 0; ridx != NULL && k < r->rules.n; k++) {
        const struct rw_report_rule *ru = rw_report_map_at(&r->rules, ridx[k]);

        fprintf(f, "%s%" PRIu64 " rev %" PRIu64, k > 0 ? ", " : "", ru->sid, ru->rev);
    }
    fprintf(f, "%s (as seen in the alerts)</td></tr>\n</table>\n",
            r->rules.n == 0 ? "no alert" : "");
    fprintf(f, "<h3>Inputs</h3>\n<table id=\"inputs\">\n<tr><th>EVE file</th><th class=\"n\">"
               "lines</th><th class=\"n\">records</th><th class=\"n\">malformed</th>"
               "<th class=\"n\">oversized</th><th class=\"n\">unknown type</th><th>sensor "
               "stats (last record)</th></tr>\n");
    for (size_t i = 0; i < r->ninputs; i++) {
        const struct rw_report_input *in = &r->inputs[i];

        fputs("<tr><td class=\"mono\">", f);
        esc(f, in->path);
        fprintf(f,
                "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
                "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
                "</td><td class=\"n\">%" PRIu64 "</td><td>",
                in->lines, in->records, in->malformed, in->oversized, in->unknown);
        if (in->have_stats)
            fprintf(f, "%" PRIu64 " packets, %" PRIu64 " flows, %" PRIu64 " alerts",
                    in->stat_pkts, in->stat_flows, in->stat_alerts);
        else
            fputs("&ndash;", f);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
    rw_free(ridx);
}

struct chart_ctx {
    const struct rw_report *r;
    int day;
    int64_t bmin, bmax;
    double slot; /* width of one bucket */
};

static double chart_x(const struct chart_ctx *c, double bucket)
{
    return CHART_LEFT + (bucket - (double)c->bmin) * c->slot;
}

static void chart_axes(const struct chart_ctx *c, FILE *f, uint64_t ymax)
{
    int64_t nb = c->bmax - c->bmin + 1, step = nb / 8 + 1;
    const int plot_h = CHART_H - CHART_TOP - CHART_BOTTOM;

    for (int g = 0; g <= 4; g++) {
        double y = CHART_H - CHART_BOTTOM - plot_h * g / 4.0;
        char b[32];

        rw_report_fmt_bytes(ymax * (uint64_t)g / 4, b, sizeof(b));
        fprintf(f,
                "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                "stroke-width=\"1\"/><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                CHART_LEFT, CHART_W - CHART_RIGHT, y, y, g == 0 ? "#57606a" : "#e1e4e8",
                CHART_LEFT - 6, y + 4, b);
    }
    for (int64_t b = c->bmin; b <= c->bmax; b += step) {
        char t[32];

        rw_report_fmt_bucket(b, c->day, t, sizeof(t));
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                chart_x(c, (double)b + 0.5), CHART_H - CHART_BOTTOM + 16, t);
    }
}

/* One host's chart: stacked bars by series, one marker per listed file it sent. */
static void chart_host(const struct chart_ctx *c, FILE *f, const char *ip,
                       const struct rw_report_point *p, size_t np)
{
    const int plot_h = CHART_H - CHART_TOP - CHART_BOTTOM;
    const struct rw_report *r = c->r;
    uint64_t ymax = 1;
    size_t i, j;

    for (i = 0; i < np; i = j) {
        uint64_t sum = 0;

        for (j = i; j < np && p[j].bucket == p[i].bucket; j++)
            sum += p[j].bytes;
        ymax = sum > ymax ? sum : ymax;
    }
    fprintf(f, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"bytes "
               "sent to flagged ranges by ",
            CHART_W, CHART_H);
    esc(f, ip);
    fprintf(f, " per %s\" xmlns=\"http://www.w3.org/2000/svg\">\n", c->day ? "day" : "hour");
    chart_axes(c, f, ymax);
    for (i = 0; i < np; i = j) {
        double y = CHART_H - CHART_BOTTOM, w = c->slot * 0.8 > 1 ? c->slot * 0.8 : 1;
        char b[32];

        rw_report_fmt_bucket(p[i].bucket, c->day, b, sizeof(b));
        for (j = i; j < np && p[j].bucket == p[i].bucket; j++) {
            double h = (double)p[j].bytes / (double)ymax * plot_h;

            y -= h;
            fprintf(f,
                    "<rect class=\"bar\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
                    "fill=\"%s\"><title>%s: %" PRIu64 " bytes to ",
                    chart_x(c, (double)p[j].bucket + 0.1), y, w, h > 0.5 ? h : 0.5,
                    palette[p[j].series % 8], b, p[j].bytes);
            esc_series(f, r, p[j].series);
            fputs("</title></rect>\n", f);
        }
    }
    for (i = 0; i < r->nfiles; i++) {
        const struct rw_report_file *x = &r->files[i];
        int64_t local = x->ts / 1000000 + rw_report_tz_offset(r, x->ts);
        double pos = (double)local / (c->day ? 86400.0 : 3600.0), whole = floor(pos), cx;

        if (strcmp(x->sender, ip) != 0)
            continue;
        /* Within its bucket's bar, at the file's time of the hour or day. */
        cx = chart_x(c, whole + 0.1 + 0.8 * (pos - whole));
        fprintf(f,
                "<path class=\"file\" d=\"M%.2f %d l-5 -9 h10 z\" fill=\"%s\" stroke=\"#1b1f23\" "
                "stroke-width=\"0.6\"><title>",
                cx, CHART_TOP - 4, palette[x->series % 8]);
        esc_time(f, r, x->ts);
        fputs(" ", f);
        esc(f, x->name);
        fprintf(f, " (%" PRIu64 " bytes) to ", x->size);
        esc(f, x->receiver);
        fputs("</title></path>\n", f);
    }
    fputs("</svg>\n", f);
}

static void html_legend(const struct rw_report *r, FILE *f)
{
    fputs("<div class=\"legend\">", f);
    for (size_t i = 0; i < r->series.n; i++) {
        fprintf(f, "<i style=\"background:%s\"></i>", palette[i % 8]);
        esc_series(f, r, (unsigned)i);
    }
    if (r->series.overflow > 0) {
        fprintf(f, "<i style=\"background:%s\"></i>", palette[RW_REPORT_SERIES_OTHER % 8]);
        esc_series(f, r, RW_REPORT_SERIES_OTHER);
    }
    fputs("<i style=\"background:none\"></i>&#9660; a file sent (hover for its name)</div>\n",
          f);
}

static void html_timelines(const struct rw_report *r, FILE *f)
{
    struct chart_ctx c = {.r = r, .day = rw_report_use_days(r)};
    size_t n = 0, *hidx = rw_report_sorted_hosts(r);
    struct rw_report_point *p = rw_report_points(r, c.day, &n);

    fprintf(f, "<h2 id=\"timelines\">Bytes sent to flagged ranges, per host and %s</h2>\n",
            c.day ? "day" : "hour");
    if (n == 0 || hidx == NULL) {
        fputs("<p>No flow to a flagged destination in these records.</p>\n", f);
        goto out;
    }
    c.bmin = c.bmax = p[0].bucket;
    for (size_t i = 0; i < n; i++) {
        c.bmin = p[i].bucket < c.bmin ? p[i].bucket : c.bmin;
        c.bmax = p[i].bucket > c.bmax ? p[i].bucket : c.bmax;
    }
    c.slot = (double)(CHART_W - CHART_LEFT - CHART_RIGHT) / (double)(c.bmax - c.bmin + 1);
    fprintf(f, "<p>Every flow's bytes toward the flagged side, at the hour or day its flow "
               "started; bars stacked by flagged list and prefix, one marker per file. All "
               "charts share one time axis.</p>\n");
    html_legend(r, f);
    for (size_t k = 0; k < r->hosts.n && k < RW_REPORT_CHART_HOSTS_MAX; k++) {
        const struct rw_report_host *h = rw_report_map_at(&r->hosts, hidx[k]);
        const char *ip = rw_report_map_key(&r->hosts, hidx[k]);
        size_t cnt, i = rw_report_points_of(p, n, h->idx, &cnt);
        fputs("<section class=\"host\">\n<h3>", f);
        esc(f, ip);
        fputs(" &mdash; ", f);
        esc_bytes(f, h->bytes);
        fprintf(f, " in %" PRIu64 " flows, %" PRIu64 " files, %" PRIu64 " alerts</h3>\n",
                h->flows, h->files, h->alerts);
        chart_host(&c, f, ip, p + i, cnt);
        fputs("</section>\n", f);
    }
    if (r->hosts.n > RW_REPORT_CHART_HOSTS_MAX)
        fprintf(f, "<p class=\"warn\">%zu more hosts are not charted (the %d largest are); "
                   "the text report (--format text) lists every host.</p>\n",
                r->hosts.n - RW_REPORT_CHART_HOSTS_MAX, RW_REPORT_CHART_HOSTS_MAX);
out:
    rw_free(p);
    rw_free(hidx);
}

static void html_files(const struct rw_report *r, FILE *f)
{
    fprintf(f, "<h2 id=\"files\">Files sent to flagged ranges</h2>\n<p>%" PRIu64 " files, ",
            r->files_flagged);
    esc_bytes(f, r->file_bytes_flagged);
    fputs(".</p>\n<table id=\"files-table\">\n<tr><th>time</th><th>sender</th><th>receiver"
          "</th><th>protocol</th><th>name</th><th>type group</th><th class=\"n\">size</th>"
          "<th>state</th><th>SHA-256</th><th>rules</th></tr>\n",
          f);
    for (size_t i = 0; i < r->nfiles && i < RW_REPORT_ROWS_MAX; i++) {
        const struct rw_report_file *x = &r->files[i];

        fputs("<tr><td class=\"t\">", f);
        esc_time(f, r, x->ts);
        fputs("</td><td>", f);
        esc(f, x->sender);
        fputs("</td><td>", f);
        esc(f, x->receiver);
        fputs("</td><td>", f);
        esc(f, x->proto);
        fputs("</td><td class=\"mono name\">", f);
        esc(f, x->name);
        fputs("</td><td>", f);
        esc(f, x->groups);
        fprintf(f, "</td><td class=\"n\">%" PRIu64 "</td><td>", x->size);
        esc(f, x->state);
        fputs("</td><td class=\"mono hash\">", f);
        esc(f, x->sha256);
        fputs("</td><td>", f);
        for (unsigned s = 0; s < x->nsids; s++)
            fprintf(f, "%s%" PRIu64, s > 0 ? " " : "", x->sids[s]);
        fputs("</td></tr>\n", f);
    }
    empty_row(f, r->nfiles, 10, "No file was sent to a flagged range.");
    fputs("</table>\n", f);
    if (r->nfiles > RW_REPORT_ROWS_MAX || r->files_unlisted > 0)
        fprintf(f, "<p class=\"warn\">%zu of %" PRIu64 " files shown; --format text or json "
                   "lists up to %d.</p>\n",
                r->nfiles < RW_REPORT_ROWS_MAX ? r->nfiles : (size_t)RW_REPORT_ROWS_MAX,
                r->files_flagged, RW_REPORT_FILES_MAX);
}

static void html_rules(const struct rw_report *r, FILE *f)
{
    size_t *idx = rw_report_sorted_rules(r);

    fputs("<h2 id=\"alerts\">Alerts by rule</h2>\n<table id=\"rules-table\">\n<tr><th>sid"
          "</th><th>rev</th><th>severity</th><th>level</th><th>signature</th><th class=\"n\">"
          "alerts</th><th>first seen</th><th>last seen</th></tr>\n",
          f);
    for (size_t k = 0; idx != NULL && k < r->rules.n; k++) {
        const struct rw_report_rule *ru = rw_report_map_at(&r->rules, idx[k]);

        fprintf(f, "<tr><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>",
                ru->sid, ru->rev, ru->severity);
        esc(f, ru->level);
        fputs("</td><td>", f);
        esc(f, ru->msg);
        fprintf(f, "</td><td class=\"n\">%" PRIu64 "</td><td>", ru->count);
        esc_time(f, r, ru->seen.first);
        fputs("</td><td>", f);
        esc_time(f, r, ru->seen.last);
        fputs("</td></tr>\n", f);
    }
    empty_row(f, r->rules.n, 8, "No alert.");
    fputs("</table>\n", f);
    rw_free(idx);
}

static void html_tls(const struct rw_report *r, FILE *f)
{
    size_t *idx = rw_report_sorted_tls(r);

    fputs("<h2 id=\"encrypted\">Encrypted uploads</h2>\n<p>TLS, QUIC and SSH flows: what "
          "each host sent, by destination and server name (SNI). Their content is not "
          "visible; flagged destinations first.</p>\n<table id=\"tls-table\">\n<tr><th>host"
          "</th><th>destination</th><th>SNI</th><th class=\"n\">flows</th><th class=\"n\">"
          "bytes sent</th><th>first</th><th>last</th></tr>\n",
          f);
    for (size_t k = 0; idx != NULL && k < r->tls.n && k < RW_REPORT_ROWS_MAX; k++) {
        const struct rw_report_tls *t = rw_report_map_at(&r->tls, idx[k]);

        fputs("<tr><td>", f);
        esc(f, t->host);
        fprintf(f, "</td><td%s>", t->flagged ? " class=\"flag\"" : "");
        esc(f, t->dest);
        fputs(t->flagged ? " (flagged)" : "", f);
        fputs("</td><td class=\"mono\">", f);
        esc(f, t->sni[0] != '\0' ? t->sni : "-");
        fprintf(f, "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">", t->flows);
        esc_bytes(f, t->bytes);
        fputs("</td><td>", f);
        esc_time(f, r, t->seen.first);
        fputs("</td><td>", f);
        esc_time(f, r, t->seen.last);
        fputs("</td></tr>\n", f);
    }
    empty_row(f, r->tls.n, 7, "No TLS, QUIC or SSH flow.");
    fputs("</table>\n", f);
    rw_free(idx);
}

static void html_dests(const struct rw_report *r, FILE *f)
{
    size_t *idx = rw_report_sorted_dests(r);

    fputs("<h2 id=\"destinations\">Flagged destinations</h2>\n<p>Addresses in a prefix that "
          "an alert placed in a flagged list.</p>\n<table id=\"dests-table\">\n<tr><th>address</th><th>list"
          "</th><th>prefix</th><th>first seen</th><th>last seen</th><th class=\"n\">bytes "
          "sent to it</th><th class=\"n\">flows</th><th class=\"n\">files</th><th class=\"n\">"
          "alerts</th><th>hosts that talked to it</th></tr>\n",
          f);
    for (size_t k = 0; idx != NULL && k < r->dests.n && k < RW_REPORT_ROWS_MAX; k++) {
        const struct rw_report_dest *d = rw_report_map_at(&r->dests, idx[k]);

        fputs("<tr><td class=\"flag\">", f);
        esc(f, rw_report_map_key(&r->dests, idx[k]));
        fputs("</td><td>", f);
        esc(f, d->list);
        fputs("</td><td>", f);
        esc(f, d->prefix);
        fputs("</td><td>", f);
        esc_time(f, r, d->seen.first);
        fputs("</td><td>", f);
        esc_time(f, r, d->seen.last);
        fputs("</td><td class=\"n\">", f);
        esc_bytes(f, d->bytes);
        fprintf(f,
                "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
                "</td><td class=\"n\">%" PRIu64 "</td><td>",
                d->flows, d->files, d->alerts);
        for (uint64_t i = 0; i < d->nhosts && i < RW_REPORT_DEST_HOSTS_SHOWN; i++) {
            fputs(i > 0 ? ", " : "", f);
            esc(f, d->hosts[i]);
        }
        if (d->nhosts > RW_REPORT_DEST_HOSTS_SHOWN)
            fprintf(f, " and %" PRIu64 " more", d->nhosts - RW_REPORT_DEST_HOSTS_SHOWN);
        fputs("</td></tr>\n", f);
    }
    empty_row(f, r->dests.n, 10, "No flagged destination.");
    fputs("</table>\n", f);
    rw_free(idx);
}

static void html_limits(const struct rw_report *r, FILE *f)
{
    struct rw_report_capped maps[RW_REPORT_CAPPED_TABLES];
    int any = 0;

    fputs("<h2 id=\"quality\">Input quality and limits</h2>\n<ul id=\"quality-list\">\n", f);
    fprintf(f,
            "<li>%" PRIu64 " malformed lines (not a JSON object, no event_type or timestamp), "
            "%" PRIu64 " lines longer than %d bytes, %" PRIu64 " records of an unknown type: "
            "counted, not used.</li>\n",
            r->malformed, r->oversized, RW_REPORT_LINE_MAX_BYTES, r->unknown);
    for (size_t i = 0; i < r->types.n; i++) {
        const struct rw_report_count *c = rw_report_map_at(&r->types, i);

        fputs("<li>unknown event_type <code>", f);
        esc(f, rw_report_map_key(&r->types, i));
        fprintf(f, "</code>: %" PRIu64 "</li>\n", c->n);
    }
    rw_report_capped_tables(r, maps);
    for (size_t i = 0; i < RW_REPORT_CAPPED_TABLES; i++) {
        if (maps[i].m->overflow == 0)
            continue;
        any = 1;
        fprintf(f, "<li class=\"warn\">table of %s full at %zu: %" PRIu64
                   " records found no room (they still count in the totals)</li>\n",
                maps[i].name, maps[i].m->cap, maps[i].m->overflow);
    }
    if (r->files_unlisted > 0)
        fprintf(f, "<li class=\"warn\">%" PRIu64 " files (%" PRIu64 " bytes) not listed one by "
                   "one; counted in the totals</li>\n",
                r->files_unlisted, r->files_unlisted_bytes);
    else if (!any)
        fputs("<li>No table reached its limit: every record is in the figures above.</li>\n",
              f);
    fputs("</ul>\n", f);
}

int rw_report_write_html(const struct rw_report *r, FILE *f)
{
    html_head(r, f);
    html_case(r, f);
    html_timelines(r, f);
    html_files(r, f);
    html_rules(r, f);
    html_tls(r, f);
    html_dests(r, f);
    html_limits(r, f);
    fputs("<p class=\"sub\">Written by <code>reelwatch report</code>; every figure comes from "
          "the EVE records listed under Inputs.</p>\n</body>\n</html>\n",
          f);
    return ferror(f) ? -1 : 0;
}
