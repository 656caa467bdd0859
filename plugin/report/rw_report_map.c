/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_report_map.c — the report's bounded string-keyed map (open addressing, fixed cap). */
#include <string.h>

#include "rw_alloc.h"
#include "rw_report_agg.h"

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */

    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

int rw_report_map_init(struct rw_report_map *m, size_t cap, size_t elem)
{
    memset(m, 0, sizeof(*m));
    m->cap = cap;
    m->elem = elem;
    m->nslots = 16;
    while (m->nslots < cap * 2)
        m->nslots *= 2;
    m->slots = rw_calloc(m->nslots, sizeof(*m->slots));
    return m->slots == NULL ? -1 : 0;
}

void rw_report_map_cleanup(struct rw_report_map *m)
{
    for (size_t i = 0; i < m->n; i++)
        rw_free(m->keys[i]);
    rw_free(m->keys);
    rw_free(m->vals);
    rw_free(m->slots);
    memset(m, 0, sizeof(*m));
}

static int map_grow(struct rw_report_map *m)
{
    size_t na = m->alloc == 0 ? 64 : m->alloc * 2;
    char **k;
    unsigned char *v;

    if (na > m->cap)
        na = m->cap;
    k = rw_realloc(m->keys, na * sizeof(*k));
    if (k == NULL)
        return -1;
    m->keys = k;
    v = rw_realloc(m->vals, na * m->elem);
    if (v == NULL)
        return -1;
    m->vals = v;
    m->alloc = na;
    return 0;
}

void *rw_report_map_get(struct rw_report_map *m, const char *key, int create)
{
    char cut[RW_REPORT_KEY_MAX_BYTES];
    size_t mask = m->nslots - 1, i, len = strnlen(key, sizeof(cut));
    char *copy;

    /* Keys come from EVE strings: a longer one is cut (at a UTF-8 character boundary), so
     * every entry costs at most RW_REPORT_KEY_MAX_BYTES of key. */
    if (len == sizeof(cut)) {
        len--;
        while (len > 0 && ((unsigned char)key[len] & 0xC0) == 0x80)
            len--;
        memcpy(cut, key, len);
        cut[len] = '\0';
        key = cut;
    }
    i = (size_t)hash_str(key) & mask;

    while (m->slots[i] != 0) {
        size_t e = m->slots[i] - 1;

        if (strcmp(m->keys[e], key) == 0)
            return m->vals + e * m->elem;
        i = (i + 1) & mask;
    }
    if (!create)
        return NULL;
    if (m->n >= m->cap || (m->n == m->alloc && map_grow(m) != 0)) {
        m->overflow++;
        return NULL;
    }
    copy = rw_strdup(key);
    if (copy == NULL) {
        m->overflow++;
        return NULL;
    }
    m->keys[m->n] = copy;
    memset(m->vals + m->n * m->elem, 0, m->elem);
    m->slots[i] = (uint32_t)(m->n + 1);
    return m->vals + m->n++ * m->elem;
}

void *rw_report_map_at(const struct rw_report_map *m, size_t i)
{
    return m->vals + i * m->elem;
}

const char *rw_report_map_key(const struct rw_report_map *m, size_t i)
{
    return m->keys[i];
}
