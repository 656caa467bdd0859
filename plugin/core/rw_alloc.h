/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_alloc.h — the allocator every module uses, with a failure hook in test builds. */
#ifndef RW_ALLOC_H
#define RW_ALLOC_H

#include <stddef.h>

/* RW_ASAN is 1 in AddressSanitizer builds (gcc's and clang's way of saying so), else 0:
 * pools poison freed objects then, and a finished run frees everything for the leak
 * checker. */
#if defined(__SANITIZE_ADDRESS__)
#define RW_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RW_ASAN 1
#endif
#endif
#ifndef RW_ASAN
#define RW_ASAN 0
#endif

/* RW_TESTABLE marks a private function that unit tests call: static except in test builds. */
#ifdef RW_TEST_BUILD
#define RW_TESTABLE
#else
#define RW_TESTABLE static
#endif

/* rw_malloc, rw_calloc, rw_realloc and rw_strdup behave as their libc namesakes. In test
 * builds (RW_TEST_BUILD) the Nth allocation after rw_alloc_hook_set(N) fails, and so does
 * every later one until the hook is set again (rw_alloc_hook_set(0) turns it off). Each
 * thread counts its own allocations (the count is reset only on the thread that sets the
 * hook): set it while no other thread allocates. */
void *rw_malloc(size_t n);
void *rw_calloc(size_t nmemb, size_t size);
void *rw_realloc(void *p, size_t n);
char *rw_strdup(const char *s);
char *rw_strndup(const char *s, size_t n);
void rw_free(void *p);

/*
 * A pool of fixed-size objects (flow records, per-flow state) carved from 64 KiB slabs:
 * no malloc header or rounding per object, and a freed object is reused by the next
 * rw_pool_get. Slabs go back only with rw_pool_free, so a pool keeps what its busiest
 * moment needed (callers bound that, e.g. by a memcap). One thread at a time. In test
 * builds every rw_pool_get counts as an allocation for the failure hook; under ASan freed
 * objects are poisoned (all but their first 8 bytes, which link the free list).
 */
struct rw_pool;

/* rw_pool_new makes a pool of objects of size bytes (rounded up to 8); NULL on OOM. */
struct rw_pool *rw_pool_new(size_t size);

/* rw_pool_get returns a zeroed object, or NULL when memory is short. */
void *rw_pool_get(struct rw_pool *p);

/* rw_pool_put gives obj (from rw_pool_get of this pool) back; NULL is fine. */
void rw_pool_put(struct rw_pool *p, void *obj);

/* rw_pool_free releases every slab (objects still out become invalid) and sets *pp to
 * NULL; NULL is fine. */
void rw_pool_free(struct rw_pool **pp);

/* Test hook: fail the Nth allocation from now (0 turns the hook off). Returns how many
 * allocations this thread made since the last call. Does nothing outside test builds. */
unsigned long rw_alloc_hook_set(unsigned long fail_at);

/* How many allocations failed on purpose since the hook was set. */
unsigned long rw_alloc_hook_failures(void);

#endif
