/* rw_alloc.c — allocation wrappers with an Nth-allocation failure hook for tests. */
#include "rw_alloc.h"

#include <stdlib.h>
#include <string.h>

#ifdef RW_TEST_BUILD
/* The hook is process state by design: tests walk N over whole operations. */
static unsigned long alloc_count;
static unsigned long alloc_fail_at;
static unsigned long alloc_failures;

/* Atomic: a host's worker threads allocate at once (the hook itself is set by
 * single-threaded tests only). */
static int alloc_should_fail(void)
{
    unsigned long n = __atomic_add_fetch(&alloc_count, 1, __ATOMIC_RELAXED);
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
