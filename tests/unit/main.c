/* SPDX-License-Identifier: GPL-2.0-or-later */
/* main.c — registers every CUnit suite (tests/unit/test_*.c) and runs them. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#include "suites.gen.h"

int main(int argc, char **argv)
{
    CU_SuiteInfo *all[] = {RW_ALL_SUITES NULL};
    unsigned failures;

    if (CU_initialize_registry() != CUE_SUCCESS) {
        fprintf(stderr, "rw_unit: cannot set up CUnit: %s\n", CU_get_error_msg());
        return 2;
    }
    for (size_t i = 0; all[i] != NULL; i++) {
        if (CU_register_suites(all[i]) != CUE_SUCCESS) {
            fprintf(stderr, "rw_unit: cannot register suites: %s\n", CU_get_error_msg());
            CU_cleanup_registry();
            return 2;
        }
    }
    CU_basic_set_mode(argc > 1 && strcmp(argv[1], "-q") == 0 ? CU_BRM_NORMAL : CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failures = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
    CU_cleanup_registry();
    return failures == 0 ? 0 : 1;
}
