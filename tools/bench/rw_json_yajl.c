/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_json_yajl.c — rw_json.h on Debian's libyajl (yajl_gen): the writer measured, not kept. */
/*
 * Built only for the writer comparison in docs/performance.md ("EVE writer: jansson,
 * yajl, our own"): the same records, the same calls, with yajl_gen doing the writing.
 * It replaces plugin/core/rw_json.c in a build of its own:
 *
 *   sh tools/bench/yajl.sh      # needs libyajl-dev; writes build/yajl/reelwatch
 *
 * (tools/bench/yajl.sh does that.) Escaping: yajl writes control characters as
 * \u00XX with upper-case hex where Suricata writes lower case, and it has no notion of
 * Suricata's \xnn for bytes that are not UTF-8, so strings that are not UTF-8 are turned
 * into that text first (a copy), as Suricata's try_string_from_bytes does.
 */
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "rw.h"
#include "rw_alloc.h"
#include "rw_json.h"

static const char yj_hex[] = "0123456789abcdef";

struct rw_json *rw_json_new(size_t cap)
{
    struct rw_json *j = rw_malloc(sizeof(*j));

    (void)cap;
    if (j == NULL)
        return NULL;
    memset(j, 0, sizeof(*j));
    j->gen = yajl_gen_alloc(NULL);
    if (j->gen == NULL) {
        rw_free(j);
        return NULL;
    }
    return j;
}

void rw_json_free(struct rw_json *j)
{
    if (j == NULL)
        return;
    yajl_gen_free(j->gen);
    rw_free(j);
}

void rw_json_reset(struct rw_json *j)
{
    yajl_gen_reset(j->gen, NULL);
    yajl_gen_clear(j->gen);
    j->buf = NULL;
    j->len = 0;
    j->err = 0;
    j->depth = 0;
}

int rw_json_error(const struct rw_json *j)
{
    return j == NULL ? RW_EINVAL : j->err;
}

static void yj_check(struct rw_json *j, yajl_gen_status st)
{
    if (st != yajl_gen_status_ok && j->err == 0)
        j->err = RW_EINVAL;
}

static void yj_key(struct rw_json *j, const char *key)
{
    if (key != NULL && j->err == 0)
        yj_check(j, yajl_gen_string(j->gen, (const unsigned char *)key, strlen(key)));
}

/* After the outermost close, buf and len point into yajl's buffer. */
static void yj_done(struct rw_json *j)
{
    const unsigned char *b;
    size_t n;

    if (j->depth == 0 && yajl_gen_get_buf(j->gen, &b, &n) == yajl_gen_status_ok) {
        j->buf = (char *)(uintptr_t)b;
        j->len = n;
    }
}

void rw_json_object_open(struct rw_json *j, const char *key)
{
    yj_key(j, key);
    if (j->err == 0) {
        yj_check(j, yajl_gen_map_open(j->gen));
        j->depth++;
        j->array &= ~(UINT32_C(1) << j->depth);
    }
}

void rw_json_array_open(struct rw_json *j, const char *key)
{
    yj_key(j, key);
    if (j->err == 0) {
        yj_check(j, yajl_gen_array_open(j->gen));
        j->depth++;
        j->array |= UINT32_C(1) << j->depth;
    }
}

void rw_json_close(struct rw_json *j)
{
    if (j->err != 0)
        return;
    if (j->depth == 0) {
        j->err = RW_EINVAL;
        return;
    }
    /* yajl does not check which kind it closes: the writer's own bit says. */
    if (j->array & (UINT32_C(1) << j->depth))
        yj_check(j, yajl_gen_array_close(j->gen));
    else
        yj_check(j, yajl_gen_map_close(j->gen));
    j->depth--;
    yj_done(j);
}

void rw_json_str(struct rw_json *j, const char *key, const char *s, size_t len)
{
    yj_key(j, key);
    if (j->err != 0)
        return;
    if (rw_json_utf8_valid(s, len)) {
        yj_check(j, yajl_gen_string(j->gen, (const unsigned char *)s, len));
    } else {
        unsigned char *t = rw_malloc(len * 4 + 1);
        size_t o = 0;

        if (t == NULL) {
            j->err = RW_ENOMEM;
            return;
        }
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)s[i];

            if (c < 0x80) {
                t[o++] = c;
            } else {
                t[o++] = '\\';
                t[o++] = 'x';
                t[o++] = (unsigned char)yj_hex[c >> 4];
                t[o++] = (unsigned char)yj_hex[c & 0x0F];
            }
        }
        yj_check(j, yajl_gen_string(j->gen, t, o));
        rw_free(t);
    }
    yj_done(j);
}

void rw_json_cstr(struct rw_json *j, const char *key, const char *s)
{
    if (s != NULL)
        rw_json_str(j, key, s, strlen(s));
}

void rw_json_u64(struct rw_json *j, const char *key, uint64_t v)
{
    yj_key(j, key);
    if (j->err == 0)
        yj_check(j, yajl_gen_integer(j->gen, v > (uint64_t)INT64_MAX ? INT64_MAX
                                                                      : (long long)v));
    yj_done(j);
}

void rw_json_bool(struct rw_json *j, const char *key, int v)
{
    yj_key(j, key);
    if (j->err == 0)
        yj_check(j, yajl_gen_bool(j->gen, v));
    yj_done(j);
}

/* The same RFC 3629 check as rw_json.c's (not yajl's, which would reject NUL-free
 * overlongs differently): copied so that this file replaces rw_json.c whole. */
int rw_json_utf8_valid(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    while (i < len) {
        unsigned char c = u[i], lo = 0x80, hi = 0xBF;
        size_t n;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            n = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 3;
            lo = c == 0xE0 ? 0xA0 : 0x80;
            hi = c == 0xED ? 0x9F : 0xBF;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 4;
            lo = c == 0xF0 ? 0x90 : 0x80;
            hi = c == 0xF4 ? 0x8F : 0xBF;
        } else {
            return 0;
        }
        if (len - i < n || u[i + 1] < lo || u[i + 1] > hi)
            return 0;
        for (size_t k = 2; k < n; k++) {
            if ((u[i + k] & 0xC0) != 0x80)
                return 0;
        }
        i += n;
    }
    return 1;
}
