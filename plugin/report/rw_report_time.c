/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_report_time.c — EVE timestamps, the report's zone (--tz), buckets and formats. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rw_report_agg.h"

/* Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned mo, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;

    y -= mo <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *mo, unsigned *d)
{
    int64_t era;
    unsigned doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *mo = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*mo <= 2);
}

static int digits(const char *s, int n, unsigned *out)
{
    unsigned v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 0;
}

int rw_report_parse_time(const char *s, int64_t *out)
{
    unsigned y, mo, d, h, mi, se, zh = 0, zm = 0;
    int64_t usec = 0, scale = 100000, secs;
    const char *p;
    int sign = 1;

    if (strlen(s) < 19 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
        s[7] != '-' || digits(s + 8, 2, &d) || s[10] != 'T' || digits(s + 11, 2, &h) ||
        s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &se))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return -1;
    p = s + 19;
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++) {
            usec += (*p - '0') * scale;
            scale /= 10;
        }
    }
    if (*p == '+' || *p == '-') {
        sign = *p == '-' ? -1 : 1;
        p++;
        if (digits(p, 2, &zh))
            return -1;
        p += 2;
        if (*p == ':')
            p++;
        if (digits(p, 2, &zm) || zh > 23 || zm > 59)
            return -1;
        p += 2;
    } else if (*p == 'Z') {
        p++;
    }
    if (*p != '\0')
        return -1;
    secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    secs -= sign * (int64_t)(zh * 3600 + zm * 60);
    *out = secs * 1000000 + usec;
    return 0;
}

long rw_report_tz_offset(const struct rw_report *r, int64_t t)
{
    struct tm tm;
    time_t secs;

    if (!r->tz_zoneinfo)
        return r->tz_fixed;
    secs = (time_t)(t >= 0 ? t / 1000000 : -((-t + 999999) / 1000000));
    if (localtime_r(&secs, &tm) == NULL)
        return 0;
    return tm.tm_gmtoff;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

int64_t rw_report_bucket_of(const struct rw_report *r, int64_t t, int day)
{
    int64_t local = floor_div(t, 1000000) + rw_report_tz_offset(r, t);

    return floor_div(local, day ? 86400 : 3600);
}

static void fmt_local_secs(int64_t local, int what, char *buf, size_t n)
{
    int64_t days = floor_div(local, 86400), rem = local - days * 86400, y;
    unsigned mo, d;

    civil_from_days(days, &y, &mo, &d);
    if (what == 1)
        snprintf(buf, n, "%04lld-%02u-%02u", (long long)y, mo, d);
    else if (what == 2)
        snprintf(buf, n, "%02u:%02u", (unsigned)(rem / 3600), (unsigned)(rem % 3600 / 60));
    else
        snprintf(buf, n, "%04lld-%02u-%02u %02u:%02u:%02u", (long long)y, mo, d,
                 (unsigned)(rem / 3600), (unsigned)(rem % 3600 / 60), (unsigned)(rem % 60));
}

void rw_report_fmt_time(const struct rw_report *r, int64_t t, int what, char *buf, size_t n)
{
    if (t == RW_REPORT_NO_TIME) {
        snprintf(buf, n, "-");
        return;
    }
    fmt_local_secs(floor_div(t, 1000000) + rw_report_tz_offset(r, t), what, buf, n);
}

void rw_report_fmt_bucket(int64_t b, int day, char *buf, size_t n)
{
    char d[16], h[8];

    fmt_local_secs(b * (day ? 86400 : 3600), 1, d, sizeof(d));
    if (day) {
        snprintf(buf, n, "%s", d);
        return;
    }
    fmt_local_secs(b * 3600, 2, h, sizeof(h));
    snprintf(buf, n, "%s %s", d, h);
}

int rw_report_use_days(const struct rw_report *r)
{
    size_t i;
    int64_t lo = INT64_MAX, hi = INT64_MIN;

    if (r->bucket_opt != RW_REPORT_BUCKET_AUTO)
        return r->bucket_opt == RW_REPORT_BUCKET_DAY;
    /* Hours while the flagged traffic fits in two days, days beyond. */
    for (i = 0; i < r->hours.n; i++) {
        const struct rw_report_point *p = rw_report_map_at(&r->hours, i);

        lo = p->bucket < lo ? p->bucket : lo;
        hi = p->bucket > hi ? p->bucket : hi;
    }
    return r->hours.n > 0 && hi - lo >= 48;
}

void rw_report_fmt_bytes(uint64_t v, char *buf, size_t n)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double x = (double)v;
    unsigned u = 0;

    while (x >= 1024 && u < 5) {
        x /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, n, "%llu B", (unsigned long long)v);
    else
        snprintf(buf, n, "%.1f %s", x, units[u]);
}
