/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_num.h — the one range-checked way to turn text into numbers, sizes and durations. */
#ifndef RW_NUM_H
#define RW_NUM_H

#include <stdint.h>

/*
 * Each parser takes the whole string (no leading or trailing junk, no sign, no empty
 * string), checks the range [min, max] and returns 0 with *out set, or -1 with *why set
 * to a static phrase for "expected X, found Y" messages ("a whole number",
 * "a number from 1 to 3", ...). why may be NULL.
 */
int rw_num_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out, const char **why);

/* Sizes: a whole number with an optional unit B, KB, MB, GB, TB (powers of 1000) or KiB,
 * MiB, GiB, TiB (powers of 1024); case-sensitive, optional space before the unit. */
int rw_num_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out, const char **why);

/* Durations in seconds: a whole number with an optional unit s, m, h or d. */
int rw_num_parse_duration(const char *s, uint64_t min, uint64_t max, uint64_t *out,
                          const char **why);

#endif
