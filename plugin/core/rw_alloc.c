/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_alloc.c — allocation wrappers with an Nth-allocation failure hook for tests. */
#include "rw_alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if RW_ASAN
#include <sanitizer/asan_interface.h>
#define POOL_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define POOL_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POOL_POISON(p, n) ((void)(p), (void)(n))
#define POOL_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#ifdef RW_TEST_BUILD
/* The hook is process state by design: tests walk N over whole operations. The count is
 * per thread: the tests that set the hook allocate on one thread, and the standalone
 * binary, built with the hook, has worker threads that allocate at once. One shared atomic
 * count moved its cache line between their cores on every allocation. */
static _Thread_local unsigned long alloc_count;
static unsigned long alloc_fail_at;
static unsigned long alloc_failures;

static int alloc_should_fail(void)
{
    unsigned long n = ++alloc_count;
    unsigned long at = __atomic_load_n(&alloc_fail_at, __ATOMIC_RELAXED);

    if (at != 0 && n >= at) {
        __atomic_add_fetch(&alloc_failures, 1, __ATOMIC_RELAXED);
        return 1;
    }
    return 0;
}

unsigned long rw_alloc_hook_set(unsigned long fail_at)
{
    unsigned long n = alloc_count;

    alloc_count = 0;
    alloc_failures = 0;
    alloc_fail_at = fail_at;
    return n;
}

unsigned long rw_alloc_hook_failures(void)
{
    return alloc_failures;
}
#else
static int alloc_should_fail(void)
{
    return 0;
}

unsigned long rw_alloc_hook_set(unsigned long fail_at)
{
    (void)fail_at;
    return 0;
}

unsigned long rw_alloc_hook_failures(void)
{
    return 0;
}
#endif

void *rw_malloc(size_t n)
{
    if (alloc_should_fail())
        return NULL;
    return malloc(n);
}

void *rw_calloc(size_t nmemb, size_t size)
{
    if (alloc_should_fail())
        return NULL;
    return calloc(nmemb, size);
}

void *rw_realloc(void *p, size_t n)
{
    if (alloc_should_fail())
        return NULL;
    return realloc(p, n);
}

char *rw_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = rw_malloc(len + 1);

    if (d == NULL)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *rw_strdup(const char *s)
{
    return rw_strndup(s, strlen(s));
}

void rw_free(void *p)
{
    free(p);
}

/* ---- pools ---------------------------------------------------------------------------- */

#define POOL_SLAB_BYTES (64u * 1024u)

struct pool_slab {
    struct pool_slab *next;
    uint64_t pad;               /* objects start 16-byte aligned */
    unsigned char data[];
};

struct rw_pool {
    size_t size;                /* object size, a multiple of 8 */
    size_t per_slab;            /* objects in one slab */
    void *free_list;            /* freed objects, linked through their first word */
    struct pool_slab *slabs;
    unsigned char *carve;       /* the next never-used object of the newest slab */
    size_t left;                /* ... and how many are left there */
};

struct rw_pool *rw_pool_new(size_t size)
{
    struct rw_pool *p;

    if (size == 0 || size > POOL_SLAB_BYTES / 4)
        return NULL;
    p = rw_calloc(1, sizeof(*p));
    if (p == NULL)
        return NULL;
    p->size = (size + 7) & ~(size_t)7;
    p->per_slab = POOL_SLAB_BYTES / p->size;
    return p;
}

void *rw_pool_get(struct rw_pool *p)
{
    void *obj;

    if (alloc_should_fail())
        return NULL;
    if (p->free_list != NULL) {
        obj = p->free_list;
        POOL_UNPOISON(obj, p->size);
        memcpy(&p->free_list, obj, sizeof(void *));
    } else {
        if (p->left == 0) {
            struct pool_slab *s = malloc(sizeof(*s) + p->per_slab * p->size);

            if (s == NULL)
                return NULL;
            s->next = p->slabs;
            p->slabs = s;
            p->carve = s->data;
            p->left = p->per_slab;
            POOL_POISON(s->data, p->per_slab * p->size);
        }
        obj = p->carve;
        p->carve += p->size;
        p->left--;
        POOL_UNPOISON(obj, p->size);
    }
    memset(obj, 0, p->size);
    return obj;
}

void rw_pool_put(struct rw_pool *p, void *obj)
{
    if (obj == NULL)
        return;
    memcpy(obj, &p->free_list, sizeof(void *));
    p->free_list = obj;
    POOL_POISON((unsigned char *)obj + sizeof(void *), p->size - sizeof(void *));
}

void rw_pool_free(struct rw_pool **pp)
{
    struct rw_pool *p;

    if (pp == NULL || *pp == NULL)
        return;
    p = *pp;
    while (p->slabs != NULL) {
        struct pool_slab *s = p->slabs;

        p->slabs = s->next;
        POOL_UNPOISON(s->data, p->per_slab * p->size);
        free(s);
    }
    rw_free(p);
    *pp = NULL;
}
