/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_test.h — helpers shared by the unit tests. */
#ifndef RW_TEST_H
#define RW_TEST_H

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rw_addrlist.h"

/* Real captures recorded by others, copied into tests/data/pcaps (SOURCES.tsv gives each
 * one's origin and licence); tests run from tests/unit. */
#define RW_TEST_PCAPS "../data/pcaps/"

/* RW_NEED_FILE fails the test, saying plainly which file is absent, instead of passing. */
#define RW_NEED_FILE(path)                                                                  \
    do {                                                                                    \
        if (access((path), R_OK) != 0) {                                                    \
            fprintf(stderr, "\nMISSING required test input %s (tests/data/pcaps/SOURCES.tsv "     \
                            "lists the captures)\n", (path));                               \
            CU_FAIL_FATAL("required test input is absent: " path);                          \
        }                                                                                   \
    } while (0)

/* rw_test_write writes text to dir/name (failing the test when it cannot) and returns the
 * path in a static buffer: copy it before the next call. */
static inline const char *rw_test_write(const char *dir, const char *name, const char *text)
{
    static char path[512];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fp = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    fputs(text, fp);
    fclose(fp);
    return path;
}

/* rw_test_addr parses an address the test knows to be good (fails the test otherwise). */
static inline struct rw_addr rw_test_addr(const char *text)
{
    struct rw_cidr c;
    char why[256];

    memset(&c, 0, sizeof(c));
    if (rw_addrlist_parse_cidr(text, strlen(text), &c, why, sizeof(why)) != 0)
        CU_FAIL_FATAL("test address does not parse");
    return c.addr;
}

#endif
