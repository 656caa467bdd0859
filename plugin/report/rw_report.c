/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_report.c — `reelwatch report`: options, reading EVE files line by line, output. */
#define _GNU_SOURCE /* memmem */
#include "rw_report.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rw_alloc.h"
#include "rw_report_agg.h"

enum { REPORT_OK = 0, REPORT_USAGE = 2, REPORT_INPUT = 3, REPORT_OUTPUT = 4 };
enum report_format { FORMAT_HTML, FORMAT_TEXT, FORMAT_JSON };

/* Lines of an input through one fixed buffer: a line longer than the limit is skipped
 * whole and reported as oversized, so no line ever costs more than the buffer. */
struct line_reader {
    FILE *f;
    char *buf;
    size_t cap, start, end;
    int eof, error;
};

enum { LINE_EOF = 0, LINE_OK = 1, LINE_OVERSIZED = 2 };

static int reader_next(struct line_reader *lr, char **line, size_t *len)
{
    int skipping = 0;

    for (;;) {
        char *nl = memchr(lr->buf + lr->start, '\n', lr->end - lr->start);
        size_t got;

        if (nl != NULL) {
            size_t at = lr->start;

            lr->start = (size_t)(nl - lr->buf) + 1;
            if (skipping)
                return LINE_OVERSIZED;
            *line = lr->buf + at;
            *len = (size_t)(nl - (lr->buf + at));
            *nl = '\0';
            return LINE_OK;
        }
        if (lr->start > 0) {
            memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
            lr->end -= lr->start;
            lr->start = 0;
        }
        if (lr->end == lr->cap - 1) { /* a full buffer and no newline: skip to the next */
            skipping = 1;
            lr->end = 0;
        }
        if (lr->eof) {
            if (lr->end == 0)
                return skipping ? LINE_OVERSIZED : LINE_EOF;
            *line = lr->buf;
            *len = lr->end;
            lr->buf[lr->end] = '\0';
            lr->start = lr->end = 0;
            return skipping ? LINE_OVERSIZED : LINE_OK;
        }
        got = fread(lr->buf + lr->end, 1, lr->cap - 1 - lr->end, lr->f);
        lr->end += got;
        if (got == 0) {
            lr->eof = 1;
            lr->error = ferror(lr->f);
        }
    }
}

struct report_opts {
    const char *out;
    enum report_format format;
    const char *tz;
    enum rw_report_bucket bucket;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: reelwatch report [-o OUT] [--format html|text|json] [--tz ZONE]\n"
               "                        [--bucket auto|hour|day] EVE.json...\n"
               "  -o OUT       write the report to OUT (default: standard output)\n"
               "  --format F   html (default): one self-contained page; text; json\n"
               "  --tz ZONE    times in ZONE: UTC (default), +HH:MM / -HH:MM, or a zoneinfo\n"
               "               name such as Europe/Paris\n"
               "  --bucket B   timeline bars per hour or per day (auto: hours up to two days)\n"
               "  EVE.json     EVE files from reelwatch or Suricata; - reads standard input\n");
}

/* "+02:00", "-0530", "UTC", "Europe/Paris". Returns 0 or -1 with a message printed. */
static int parse_tz(struct rw_report *r, const char *tz)
{
    char path[PATH_MAX];
    struct stat st;
    size_t n = strlen(tz);

    if (strcmp(tz, "UTC") == 0 || strcmp(tz, "Z") == 0) {
        snprintf(r->tz_label, sizeof(r->tz_label), "UTC");
        return 0;
    }
    if ((tz[0] == '+' || tz[0] == '-') && (n == 6 || n == 5)) {
        const char *m = tz + (n == 6 ? 4 : 3);

        if (tz[1] >= '0' && tz[1] <= '2' && tz[2] >= '0' && tz[2] <= '9' &&
            (n == 5 || tz[3] == ':') && m[0] >= '0' && m[0] <= '5' && m[1] >= '0' &&
            m[1] <= '9') {
            long h = (tz[1] - '0') * 10 + (tz[2] - '0'), mi = (m[0] - '0') * 10 + (m[1] - '0');

            if (h <= 14) {
                r->tz_fixed = (tz[0] == '-' ? -1 : 1) * (h * 3600 + mi * 60);
                snprintf(r->tz_label, sizeof(r->tz_label), "UTC%c%02ld:%02ld", tz[0], h, mi);
                return 0;
            }
        }
    }
    /* A zoneinfo name: refuse what tzset would silently take as UTC. */
    if (n > 0 && n < 48 && tz[0] != '/' && strstr(tz, "..") == NULL &&
        snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz) < (int)sizeof(path) &&
        stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        if (setenv("TZ", tz, 1) != 0)
            return -1;
        tzset();
        r->tz_zoneinfo = 1;
        snprintf(r->tz_label, sizeof(r->tz_label), "%s", tz);
        return 0;
    }
    fprintf(stderr,
            "reelwatch report: --tz: expected UTC, +HH:MM, -HH:MM or a zoneinfo name, found "
            "\"%.64s\"\n",
            tz);
    return -1;
}

static int parse_opts(struct report_opts *o, struct rw_report *r, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'}, {"format", required_argument, NULL, 'f'},
        {"tz", required_argument, NULL, 'z'},     {"bucket", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            o->out = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "html") == 0)
                o->format = FORMAT_HTML;
            else if (strcmp(optarg, "text") == 0)
                o->format = FORMAT_TEXT;
            else if (strcmp(optarg, "json") == 0)
                o->format = FORMAT_JSON;
            else {
                fprintf(stderr,
                        "reelwatch report: --format: expected html, text or json, found "
                        "\"%.64s\"\n",
                        optarg);
                return REPORT_USAGE;
            }
            break;
        case 'z':
            o->tz = optarg;
            break;
        case 'b':
            if (strcmp(optarg, "auto") == 0)
                o->bucket = RW_REPORT_BUCKET_AUTO;
            else if (strcmp(optarg, "hour") == 0)
                o->bucket = RW_REPORT_BUCKET_HOUR;
            else if (strcmp(optarg, "day") == 0)
                o->bucket = RW_REPORT_BUCKET_DAY;
            else {
                fprintf(stderr,
                        "reelwatch report: --bucket: expected auto, hour or day, found "
                        "\"%.64s\"\n",
                        optarg);
                return REPORT_USAGE;
            }
            break;
        case 'h':
            usage(stdout);
            exit(REPORT_OK);
        default:
            usage(stderr);
            return REPORT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "reelwatch report: no EVE file given\n");
        usage(stderr);
        return REPORT_USAGE;
    }
    if (argc - optind > RW_REPORT_INPUTS_MAX) {
        fprintf(stderr, "reelwatch report: more than %d EVE files\n", RW_REPORT_INPUTS_MAX);
        return REPORT_USAGE;
    }
    snprintf(r->tz_label, sizeof(r->tz_label), "UTC");
    if (o->tz != NULL && parse_tz(r, o->tz) != 0)
        return REPORT_USAGE;
    r->tz_name = o->tz;
    r->bucket_opt = o->bucket;
    return REPORT_OK;
}

/* One pass over an input: learn (pass 1: alerts only, for flagged destinations) or
 * aggregate (pass 2). Returns 0, or -1 after a read error (message printed). */
static int read_pass(struct rw_report *r, struct rw_report_input *in, struct line_reader *lr,
                     int learn)
{
    static const char alert_tag[] = "\"event_type\":\"alert\"";
    char *line;
    size_t len;
    int st;

    while ((st = reader_next(lr, &line, &len)) != LINE_EOF) {
        json_error_t jerr;
        json_t *rec;

        if (learn) {
            if (st == LINE_OK && memmem(line, len, alert_tag, sizeof(alert_tag) - 1) != NULL &&
                (rec = json_loadb(line, len, 0, &jerr)) != NULL) {
                if (json_is_object(rec))
                    rw_report_agg_learn(r, rec);
                json_decref(rec);
            }
            continue;
        }
        in->lines++;
        r->lines++;
        if (st == LINE_OVERSIZED) {
            in->oversized++;
            r->oversized++;
            continue;
        }
        if (len == 0 || (len == 1 && line[0] == '\r')) {
            in->lines--; /* blank lines are not records */
            r->lines--;
            continue;
        }
        rec = json_loadb(line, len, 0, &jerr);
        if (rec == NULL || !json_is_object(rec)) {
            in->malformed++;
            r->malformed++;
        } else {
            rw_report_agg_record(r, in, rec);
        }
        json_decref(rec);
    }
    if (lr->error) {
        fprintf(stderr, "reelwatch report: %s: read error: %s\n", in->path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Reads one input: pass 1 (learn) only for regular files, which can be read twice. */
static int read_input(struct rw_report *r, struct rw_report_input *in, char *buf, int learn)
{
    struct line_reader lr = {.buf = buf, .cap = RW_REPORT_LINE_MAX_BYTES + 1};
    struct stat st;
    int rc = -1, is_stdin = strcmp(in->path, "-") == 0;

    if (learn && is_stdin)
        return 0;
    lr.f = is_stdin ? stdin : fopen(in->path, "r");
    if (lr.f == NULL) {
        fprintf(stderr, "reelwatch report: cannot open %s: %s\n", in->path, strerror(errno));
        return -1;
    }
    if (fstat(fileno(lr.f), &st) != 0) {
        fprintf(stderr, "reelwatch report: cannot read %s: %s\n", in->path, strerror(errno));
        goto out;
    }
    if (S_ISDIR(st.st_mode)) {
        fprintf(stderr, "reelwatch report: cannot read %s: Is a directory\n", in->path);
        goto out;
    }
    if (learn && !S_ISREG(st.st_mode)) {
        rc = 0;
        goto out;
    }
    rc = read_pass(r, in, &lr, learn);
out:
    if (!is_stdin)
        fclose(lr.f);
    return rc;
}

/* Writes to OUT.part, renamed over OUT when complete: no half report is left behind. */
static int write_output(const struct report_opts *o, const struct rw_report *r)
{
    char part[PATH_MAX];
    FILE *f;
    int wrc, to_stdout = o->out == NULL || strcmp(o->out, "-") == 0;

    if (to_stdout) {
        f = stdout;
    } else {
        if (snprintf(part, sizeof(part), "%s.part", o->out) >= (int)sizeof(part)) {
            fprintf(stderr, "reelwatch report: output path too long\n");
            return REPORT_OUTPUT;
        }
        f = fopen(part, "w");
        if (f == NULL) {
            fprintf(stderr, "reelwatch report: cannot write %s: %s\n", o->out, strerror(errno));
            return REPORT_OUTPUT;
        }
    }
    if (o->format == FORMAT_TEXT)
        wrc = rw_report_write_text(r, f);
    else if (o->format == FORMAT_JSON)
        wrc = rw_report_write_json(r, f);
    else
        wrc = rw_report_write_html(r, f);
    if (fflush(f) != 0 || ferror(f))
        wrc = -1;
    if (!to_stdout) {
        if (fclose(f) != 0)
            wrc = -1;
        if (wrc == 0 && rename(part, o->out) != 0)
            wrc = -1;
        if (wrc != 0)
            unlink(part);
    }
    if (wrc != 0) {
        fprintf(stderr, "reelwatch report: cannot write %s: %s\n", to_stdout ? "output" : o->out,
                strerror(errno));
        return REPORT_OUTPUT;
    }
    return REPORT_OK;
}

int rw_report_main(int argc, char **argv)
{
    struct report_opts o = {.format = FORMAT_HTML, .bucket = RW_REPORT_BUCKET_AUTO};
    struct rw_report r;
    char *buf = NULL;
    int status;

    if (rw_report_agg_init(&r) != 0) {
        fprintf(stderr, "reelwatch report: out of memory\n");
        status = REPORT_OUTPUT;
        goto out;
    }
    status = parse_opts(&o, &r, argc, argv);
    if (status != REPORT_OK)
        goto out;
    r.ninputs = (size_t)(argc - optind);
    r.inputs = rw_calloc(r.ninputs, sizeof(*r.inputs));
    buf = rw_malloc(RW_REPORT_LINE_MAX_BYTES + 1);
    if (r.inputs == NULL || buf == NULL) {
        fprintf(stderr, "reelwatch report: out of memory\n");
        status = REPORT_OUTPUT;
        goto out;
    }
    for (size_t i = 0; i < r.ninputs; i++)
        r.inputs[i].path = argv[optind + (int)i];
    /* Pass 1 learns the flagged destinations from every input's alerts, so that a flow
     * written before its destination's first alert (or in an earlier file) still counts;
     * pass 2 aggregates. Standard input and pipes are read once (pass 2 learns too). */
    for (int learn = 1; learn >= 0; learn--) {
        for (size_t i = 0; i < r.ninputs; i++) {
            if (read_input(&r, &r.inputs[i], buf, learn) != 0) {
                status = REPORT_INPUT;
                goto out;
            }
        }
    }
    status = write_output(&o, &r);
out:
    rw_free(buf);
    rw_free(r.inputs);
    rw_report_agg_cleanup(&r);
    return status;
}
