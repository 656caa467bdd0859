/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_rw_files_types.c — the type-group cache of rw_files: hits, misses, generations. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "rw.h"
#include "rw_diag.h"
#include "rw_files.h"
#include "rw_magic.h"
#include "rw_rules.h"
#include "rw_test.h"

#define TYPES_RULES "../../rules/reelwatch.yaml"
#define TYPES_MAGIC "../../rules/studio.magic"

/* A PNG header and IHDR chunk (1x1, 8-bit RGBA), enough for libmagic's description. */
static const uint8_t png[] = {
    0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
    0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89,
};

/* One file of one flow: open, the bytes, close. */
static void one_file(const struct rw_files_env *env, uint32_t gen, const char *name,
                     const uint8_t *p, size_t n)
{
    struct rw_flow_info info;
    struct rw_files_call c;
    struct rw_xfer_meta meta;
    struct rw_files *fs = rw_files_new(env);
    uint32_t id;

    CU_ASSERT_PTR_NOT_NULL_FATAL(fs);
    memset(&info, 0, sizeof(info));
    memset(&meta, 0, sizeof(meta));
    memset(&c, 0, sizeof(c));
    meta.app_proto = "http";
    c.info = &info;
    c.gen = gen;
    id = rw_files_open(fs, &c, RW_TOSERVER, name, strlen(name), &meta);
    CU_ASSERT_NOT_EQUAL(id, 0);
    rw_files_data(fs, &c, id, p, n);
    rw_files_close(fs, &c, id, 0);
    rw_files_free(&fs);
}

/* The slot holding mime, or NULL. */
static const char *slot_desc(const struct rw_files_types *t, const char *mime, uint64_t *bits)
{
    for (size_t i = 0; i < RW_FILES_TYPES_SLOTS; i++) {
        if (t->slot[i].rs != NULL && strcmp(t->slot[i].mime, mime) == 0) {
            *bits = t->slot[i].bits;
            return t->slot[i].desc;
        }
    }
    return NULL;
}

static void test_files_types_cache_hits_misses_and_generations(void)
{
    static struct rw_files_types cache; /* large: not on the stack */
    struct rw_files_stats st;
    struct rw_files_env env;
    struct rw_diag *diag = rw_diag_new();
    struct rw_ruleset *rs;
    struct rw_magic *magic;
    const char *desc;
    uint64_t bits = 0, want;
    size_t images = RW_FILES_TYPES_SLOTS;
    int err = 0;

    RW_NEED_FILE(TYPES_RULES);
    RW_NEED_FILE(TYPES_MAGIC);
    CU_ASSERT_PTR_NOT_NULL_FATAL(diag);
    rs = rw_rules_load(TYPES_RULES, NULL, 0, diag, &err);
    magic = rw_magic_new(TYPES_MAGIC, diag, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(magic);
    for (size_t g = 0; g < rw_rules_group_count(rs); g++)
        if (strcmp(rw_rules_group(rs, g)->name, "image") == 0)
            images = g;
    CU_ASSERT_NOT_EQUAL_FATAL(images, RW_FILES_TYPES_SLOTS); /* the default set has it */
    memset(&cache, 0, sizeof(cache));
    memset(&st, 0, sizeof(st));
    memset(&env, 0, sizeof(env));
    env.magic = magic;
    env.rules = rs;
    env.stats = &st;
    env.types = &cache;

    one_file(&env, 1, "a.png", png, sizeof(png));
    CU_ASSERT_EQUAL(cache.misses, 1);
    CU_ASSERT_EQUAL(cache.hits, 0);
    one_file(&env, 1, "b.bin", png, sizeof(png)); /* same bytes, another name: a hit */
    CU_ASSERT_EQUAL(cache.misses, 1);
    CU_ASSERT_EQUAL(cache.hits, 1);
    desc = slot_desc(&cache, "image/png", &bits);
    CU_ASSERT_PTR_NOT_NULL_FATAL(desc);
    CU_ASSERT_EQUAL(strncmp(desc, "PNG image data", 14), 0);
    want = rw_rules_types_of_content(rs, "image/png", desc);
    CU_ASSERT_EQUAL(bits, want);
    CU_ASSERT_TRUE((bits >> images) & 1);
    /* the extension half is not cached: a name alone still decides its groups */
    CU_ASSERT_TRUE((rw_rules_types_of_name(rs, "x.PNG") >> images) & 1);
    CU_ASSERT_EQUAL(rw_rules_types_of_name(rs, "b.bin"), 0);
    CU_ASSERT_EQUAL(rw_rules_types_of(rs, "image/png", desc, "b.bin"), want);
    /* another rule-set generation (a reload) does not trust the old answer */
    one_file(&env, 2, "c.png", png, sizeof(png));
    CU_ASSERT_EQUAL(cache.misses, 2);
    CU_ASSERT_EQUAL(cache.hits, 1);
    one_file(&env, 2, "d.png", png, sizeof(png));
    CU_ASSERT_EQUAL(cache.hits, 2);
    /* no cache: the same answers, nothing counted */
    env.types = NULL;
    one_file(&env, 2, "e.png", png, sizeof(png));
    CU_ASSERT_EQUAL(cache.hits + cache.misses, 4);
    CU_ASSERT_EQUAL(st.typed, 5);
    rw_magic_free(&magic);
    rw_rules_free(&rs);
    rw_diag_free(&diag);
}

static CU_TestInfo files_types_tests[] = {
    {"test_files_types_cache_hits_misses_and_generations",
     test_files_types_cache_hits_misses_and_generations},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rw_suites_files_types[] = {
    {"files_types", NULL, NULL, NULL, NULL, files_types_tests},
    CU_SUITE_INFO_NULL,
};
