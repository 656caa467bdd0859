/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzzsplit.h — how the stream-parser targets (fuzz_smtp, fuzz_smb) cut a data chunk into
 * pieces when they parse an input a second time, to check that a result does not depend
 * on how the bytes are split. */
#ifndef FUZZSPLIT_H
#define FUZZSPLIT_H

#include <stddef.h>
#include <stdint.h>

/* The length of the next piece of a chunk with left bytes still to feed: 1..64 bytes drawn
 * from *state (a 64-bit LCG, seeded from the input's hash), or all of them when *state is
 * 0 (the run as framed) or left is 0. */
static inline size_t fuzz_piece_len(uint64_t *state, size_t left)
{
    size_t k;

    if (*state == 0 || left == 0)
        return left;
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    k = 1 + (size_t)((*state >> 33) % 64);
    return k < left ? k : left;
}

#endif
