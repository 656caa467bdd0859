/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_num.c — strict number, size and duration parsing with range checks. */
#include "rw_num.h"

#include <string.h>

/* Reads decimal digits; fails on none or on overflow. Leaves *end after the digits. */
static int num_digits(const char *s, uint64_t *v, const char **end)
{
    uint64_t x = 0;
    const char *p = s;

    if (*p < '0' || *p > '9')
        return -1;
    while (*p >= '0' && *p <= '9') {
        unsigned d = (unsigned)(*p - '0');

        if (x > (UINT64_MAX - d) / 10)
            return -1;
        x = x * 10 + d;
        p++;
    }
    *v = x;
    *end = p;
    return 0;
}

static int num_finish(uint64_t v, uint64_t mult, uint64_t min, uint64_t max, uint64_t *out,
                      const char **why, const char *what)
{
    if (mult != 0 && v > UINT64_MAX / mult) {
        if (why != NULL)
            *why = "a value that fits in 64 bits";
        return -1;
    }
    v *= mult;
    if (v < min || v > max) {
        if (why != NULL)
            *why = what;
        return -1;
    }
    *out = v;
    return 0;
}

int rw_num_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out, const char **why)
{
    uint64_t v;
    const char *end;

    if (num_digits(s, &v, &end) != 0 || *end != '\0') {
        if (why != NULL)
            *why = "a whole number";
        return -1;
    }
    return num_finish(v, 1, min, max, out, why, "a number in range");
}

struct num_unit {
    const char *unit;
    uint64_t mult;
};

static const struct num_unit size_units[] = {
    {"", 1}, {"B", 1},
    {"KB", 1000ULL}, {"MB", 1000ULL * 1000}, {"GB", 1000ULL * 1000 * 1000},
    {"TB", 1000ULL * 1000 * 1000 * 1000},
    {"KiB", 1ULL << 10}, {"MiB", 1ULL << 20}, {"GiB", 1ULL << 30}, {"TiB", 1ULL << 40},
};

static const struct num_unit duration_units[] = {
    {"", 1}, {"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400},
};

/* A number, an optional single space, then one of the table's units (a space must be
 * followed by a unit). */
static int num_parse_units(const char *s, const struct num_unit *units, size_t nunits,
                           uint64_t min, uint64_t max, uint64_t *out, const char **why,
                           const char *what)
{
    uint64_t v;
    const char *end;
    int spaced = 0;

    if (num_digits(s, &v, &end) == 0) {
        if (*end == ' ') {
            end++;
            spaced = 1;
        }
        for (size_t i = 0; i < nunits; i++)
            if (strcmp(end, units[i].unit) == 0 && !(spaced && *end == '\0'))
                return num_finish(v, units[i].mult, min, max, out, why, "a value in range");
    }
    if (why != NULL)
        *why = what;
    return -1;
}

int rw_num_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out, const char **why)
{
    return num_parse_units(s, size_units, sizeof(size_units) / sizeof(size_units[0]), min, max,
                           out, why, "a size such as 65536, 64KiB or 5GB");
}

int rw_num_parse_duration(const char *s, uint64_t min, uint64_t max, uint64_t *out,
                          const char **why)
{
    return num_parse_units(s, duration_units, sizeof(duration_units) / sizeof(duration_units[0]),
                           min, max, out, why, "a duration such as 90s, 30m or 24h");
}
