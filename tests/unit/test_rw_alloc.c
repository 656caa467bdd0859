/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_rw_alloc.c — the allocation wrappers' pools (rw_pool). */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rw.h"
#include "rw_test.h"

enum { POOL_OBJ = 196, POOL_N = 1000 };

/* Objects come zeroed, 8-byte aligned, rounded to 8 bytes apart, distinct, across many
 * slabs; a freed one is the next one handed out, zeroed again. */
static void test_pool_hands_out_zeroed_distinct_objects_and_reuses_freed_ones(void)
{
    struct rw_pool *p = rw_pool_new(POOL_OBJ);
    unsigned char **obj = calloc(POOL_N, sizeof(*obj));

    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(obj);
    for (size_t i = 0; i < POOL_N; i++) {
        obj[i] = rw_pool_get(p);
        CU_ASSERT_PTR_NOT_NULL_FATAL(obj[i]);
        CU_ASSERT_EQUAL((uintptr_t)obj[i] % 8, 0);
        for (size_t k = 0; k < POOL_OBJ; k++)
            if (obj[i][k] != 0)
                CU_FAIL("object not zeroed");
        memset(obj[i], (int)(i & 0xff) | 1, POOL_OBJ); /* every byte of it is usable */
    }
    /* No two overlap: each still holds its own pattern. */
    for (size_t i = 0; i < POOL_N; i++)
        for (size_t k = 0; k < POOL_OBJ; k++)
            if (obj[i][k] != (unsigned char)((int)(i & 0xff) | 1))
                CU_FAIL("objects overlap");
    rw_pool_put(p, obj[10]);
    rw_pool_put(p, obj[20]);
    rw_pool_put(p, NULL);
    CU_ASSERT_PTR_EQUAL(rw_pool_get(p), obj[20]);
    CU_ASSERT_PTR_EQUAL(rw_pool_get(p), obj[10]);
    for (size_t k = 0; k < POOL_OBJ; k++)
        if (obj[10][k] != 0)
            CU_FAIL("reused object not zeroed");
    rw_pool_free(&p);
    CU_ASSERT_PTR_NULL(p);
    rw_pool_free(&p);
    free(obj);
}

/* Sizes out of range are refused; every get counts for the allocation-failure hook. */
static void test_pool_refuses_bad_sizes_and_counts_gets_as_allocations(void)
{
    struct rw_pool *p;
    void *a, *b;

    CU_ASSERT_PTR_NULL(rw_pool_new(0));
    CU_ASSERT_PTR_NULL(rw_pool_new(1u << 20));
    p = rw_pool_new(24);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    rw_alloc_hook_set(2);
    a = rw_pool_get(p);
    b = rw_pool_get(p);
    CU_ASSERT_EQUAL(rw_alloc_hook_failures(), 1);
    rw_alloc_hook_set(0);
    CU_ASSERT_PTR_NOT_NULL(a);
    CU_ASSERT_PTR_NULL(b);
    rw_pool_put(p, a);
    CU_ASSERT_PTR_EQUAL(rw_pool_get(p), a);
    rw_alloc_hook_set(1);
    CU_ASSERT_PTR_NULL(rw_pool_new(24));
    rw_alloc_hook_set(0);
    rw_pool_free(&p);
}

static CU_TestInfo alloc_tests[] = {
    {"pool_hands_out_zeroed_distinct_objects_and_reuses_freed_ones",
     test_pool_hands_out_zeroed_distinct_objects_and_reuses_freed_ones},
    {"pool_refuses_bad_sizes_and_counts_gets_as_allocations",
     test_pool_refuses_bad_sizes_and_counts_gets_as_allocations},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rw_suites_alloc[] = {
    {"alloc", NULL, NULL, NULL, NULL, alloc_tests},
    CU_SUITE_INFO_NULL,
};
