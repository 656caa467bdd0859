/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_cursor.h — checked readers over untrusted bytes: never read past the end. */
#ifndef RW_CURSOR_H
#define RW_CURSOR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * A cursor is a window [p, end) into borrowed bytes. Every reader checks the length
 * first and returns 0 on success or -1 when too few bytes remain, in which case the
 * cursor is left unchanged. Nothing ever casts a struct onto packet bytes.
 */
struct rw_cur {
    const uint8_t *p;
    const uint8_t *end;
};

static inline void rw_cur_init(struct rw_cur *c, const uint8_t *p, size_t len)
{
    c->p = p;
    c->end = p + len;
}

static inline size_t rw_cur_left(const struct rw_cur *c)
{
    return (size_t)(c->end - c->p);
}

static inline int rw_cur_skip(struct rw_cur *c, size_t n)
{
    if (rw_cur_left(c) < n)
        return -1;
    c->p += n;
    return 0;
}

static inline int rw_rd_u8(struct rw_cur *c, uint8_t *v)
{
    if (rw_cur_left(c) < 1)
        return -1;
    *v = c->p[0];
    c->p += 1;
    return 0;
}

static inline int rw_rd_u16be(struct rw_cur *c, uint16_t *v)
{
    if (rw_cur_left(c) < 2)
        return -1;
    *v = (uint16_t)((unsigned)c->p[0] << 8 | c->p[1]);
    c->p += 2;
    return 0;
}

static inline int rw_rd_u16le(struct rw_cur *c, uint16_t *v)
{
    if (rw_cur_left(c) < 2)
        return -1;
    *v = (uint16_t)((unsigned)c->p[1] << 8 | c->p[0]);
    c->p += 2;
    return 0;
}

static inline int rw_rd_u32be(struct rw_cur *c, uint32_t *v)
{
    if (rw_cur_left(c) < 4)
        return -1;
    *v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 | (uint32_t)c->p[2] << 8 | c->p[3];
    c->p += 4;
    return 0;
}

static inline int rw_rd_u32le(struct rw_cur *c, uint32_t *v)
{
    if (rw_cur_left(c) < 4)
        return -1;
    *v = (uint32_t)c->p[3] << 24 | (uint32_t)c->p[2] << 16 | (uint32_t)c->p[1] << 8 | c->p[0];
    c->p += 4;
    return 0;
}

static inline int rw_rd_u64le(struct rw_cur *c, uint64_t *v)
{
    uint32_t lo = 0, hi = 0;

    if (rw_cur_left(c) < 8 || rw_rd_u32le(c, &lo) != 0 || rw_rd_u32le(c, &hi) != 0)
        return -1;
    *v = (uint64_t)hi << 32 | lo;
    return 0;
}

static inline int rw_rd_bytes(struct rw_cur *c, void *dst, size_t n)
{
    if (rw_cur_left(c) < n)
        return -1;
    memcpy(dst, c->p, n);
    c->p += n;
    return 0;
}

#endif
