/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_rw_evefile.c — the EVE sink: directory safety rules, O_NOFOLLOW, ownership hand-over,
 * reopen for log rotation, allocation failures. Built and run by `make ops-test`. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rw_alloc.h"
#include "rw_evefile.h"

/* A fresh private directory (0700, ours) for each test, removed with what it holds. */
static char tdir[64];

static void mk_tdir(void)
{
    snprintf(tdir, sizeof(tdir), "/tmp/rw_evefile.XXXXXX");
    CU_ASSERT_FATAL(mkdtemp(tdir) != NULL);
}

static void rm_tdir(void)
{
    char cmd[256];

    /* Restore modes first so that nested directories can be removed. */
    snprintf(cmd, sizeof(cmd), "chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", tdir, tdir);
    CU_ASSERT(system(cmd) == 0);
}

static void path_in(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", tdir, name);
}

/* Reads a whole small file into buf (NUL-terminated); returns its length or -1. */
static long slurp(const char *path, char *buf, size_t len)
{
    FILE *fp = fopen(path, "rb");
    size_t n;

    if (fp == NULL)
        return -1;
    n = fread(buf, 1, len - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return (long)n;
}

static int emit(struct rw_evefile *ef, const char *line)
{
    struct rw_output out = rw_evefile_output(ef);

    return out.write(out.ctx, line, strlen(line));
}

static void test_lines_and_mode(void)
{
    char err[PATH_MAX + 256], path[PATH_MAX], buf[64];
    struct rw_evefile *ef;
    struct stat st;
    int refused = -1;
    mode_t old = umask(022);

    mk_tdir();
    ef = rw_evefile_open_as(tdir, geteuid(), getegid(), err, sizeof(err), &refused);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ef);
    CU_ASSERT_EQUAL(refused, 0);
    CU_ASSERT_EQUAL(emit(ef, "{\"a\":1}"), 0);
    CU_ASSERT_EQUAL(emit(ef, "{}"), 0);
    CU_ASSERT_EQUAL(rw_evefile_failed(ef), 0);
    CU_ASSERT_EQUAL(rw_evefile_close(&ef), 0);
    CU_ASSERT_PTR_NULL(ef);
    path_in(path, sizeof(path), "eve.json");
    CU_ASSERT_EQUAL(slurp(path, buf, sizeof(buf)), 11);
    CU_ASSERT_STRING_EQUAL(buf, "{\"a\":1}\n{}\n");
    CU_ASSERT_EQUAL(stat(path, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 07777, 0640);
    /* Appending, never truncating: a second run adds to the same file. */
    ef = rw_evefile_open(tdir, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(ef);
    CU_ASSERT_EQUAL(emit(ef, "x"), 0);
    CU_ASSERT_EQUAL(rw_evefile_close(&ef), 0);
    CU_ASSERT_EQUAL(slurp(path, buf, sizeof(buf)), 13);
    CU_ASSERT_STRING_EQUAL(buf, "{\"a\":1}\n{}\nx\n");
    umask(old);
    rm_tdir();
}

static void test_stdout_and_null(void)
{
    char err[64];
    struct rw_evefile *ef = rw_evefile_open(NULL, err, sizeof(err));

    CU_ASSERT_PTR_NOT_NULL_FATAL(ef);
    CU_ASSERT_EQUAL(rw_evefile_reopen(ef), 0); /* no-op for stdout */
    CU_ASSERT_EQUAL(rw_evefile_close(&ef), 0);
    CU_ASSERT_EQUAL(rw_evefile_close(&ef), 0); /* *efp NULL: fine */
    CU_ASSERT_EQUAL(rw_evefile_close(NULL), 0);
}

/* Every mode of the directory itself, for its owner (us). */
static void test_dir_modes(void)
{
    static const struct {
        mode_t mode;
        int want;
        const char *why; /* the text after "DIR: " */
    } cases[] = {
        {0700, 0, ""},
        {0755, 0, ""},
        {0750, 0, ""},
        {01777, 0, ""},
        {01770, 0, ""},
        {0777, 1, "world-writable without the sticky bit; refused: another user could "
                  "redirect eve.json (chmod go-w it)"},
        {0775, 1, "group-writable without the sticky bit; refused: another user could "
                  "redirect eve.json (chmod go-w it)"},
        {0730, 1, "group-writable without the sticky bit; refused: another user could "
                  "redirect eve.json (chmod go-w it)"},
        {0703, 1, "world-writable without the sticky bit; refused: another user could "
                  "redirect eve.json (chmod go-w it)"},
    };
    char err[PATH_MAX + 256], want[PATH_MAX + 256], res[PATH_MAX], d[PATH_MAX];

    mk_tdir();
    path_in(d, sizeof(d), "logs");
    CU_ASSERT_FATAL(mkdir(d, 0700) == 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct rw_evefile *ef;
        int refused = -1;

        CU_ASSERT_FATAL(chmod(d, cases[i].mode) == 0);
        err[0] = '\0';
        CU_ASSERT_EQUAL(rw_evefile_check_dir(d, geteuid(), res, sizeof(res), err, sizeof(err)),
                        cases[i].want);
        ef = rw_evefile_open_as(d, geteuid(), getegid(), err, sizeof(err), &refused);
        if (cases[i].want == 0) {
            CU_ASSERT_STRING_EQUAL(res, d);
            CU_ASSERT_PTR_NOT_NULL(ef);
            CU_ASSERT_EQUAL(refused, 0);
            CU_ASSERT_EQUAL(rw_evefile_close(&ef), 0);
        } else {
            snprintf(want, sizeof(want), "%s: %s", d, cases[i].why);
            CU_ASSERT_STRING_EQUAL(err, want);
            CU_ASSERT_PTR_NULL(ef);
            CU_ASSERT_EQUAL(refused, 1);
        }
    }
    rm_tdir();
}

/* An unsafe directory anywhere above makes the chain unsafe; relative paths and ".."
 * are resolved first. */
static void test_parent_and_resolution(void)
{
    char err[PATH_MAX + 256], want[PATH_MAX + 256], res[PATH_MAX], a[PATH_MAX], b[PATH_MAX];
    char cwd[PATH_MAX], link[PATH_MAX];
    int refused = -1;

    mk_tdir();
    path_in(a, sizeof(a), "open");
    path_in(b, sizeof(b), "open/logs");
    CU_ASSERT_FATAL(mkdir(a, 0700) == 0 && mkdir(b, 0700) == 0);
    CU_ASSERT_FATAL(chmod(a, 0777) == 0);
    CU_ASSERT_EQUAL(rw_evefile_check_dir(b, geteuid(), NULL, 0, err, sizeof(err)), 1);
    snprintf(want, sizeof(want), "%s: world-writable without the sticky bit; refused: another "
                                 "user could redirect eve.json (chmod go-w it)", a);
    CU_ASSERT_STRING_EQUAL(err, want);
    CU_ASSERT_PTR_NULL(rw_evefile_open_as(b, geteuid(), getegid(), err, sizeof(err), &refused));
    CU_ASSERT_EQUAL(refused, 1);
    CU_ASSERT_FATAL(chmod(a, 0755) == 0);
    /* A symbolic link to the directory is resolved, and the target's chain is checked. */
    path_in(link, sizeof(link), "via");
    CU_ASSERT_FATAL(symlink(b, link) == 0);
    CU_ASSERT_EQUAL(rw_evefile_check_dir(link, geteuid(), res, sizeof(res), err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(res, b);
    /* Relative, with "..": resolved against the working directory. */
    CU_ASSERT_FATAL(getcwd(cwd, sizeof(cwd)) != NULL);
    CU_ASSERT_FATAL(chdir(b) == 0);
    CU_ASSERT_EQUAL(rw_evefile_check_dir("../logs/.", geteuid(), res, sizeof(res), err,
                                         sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(res, b);
    CU_ASSERT_FATAL(chdir(cwd) == 0);
    /* resolved too small: refused with a reason, never cut short. */
    CU_ASSERT_EQUAL(rw_evefile_check_dir(b, geteuid(), res, 4, err, sizeof(err)), -1);
    /* A tiny err buffer is filled, truncated, and still terminated. */
    CU_ASSERT_FATAL(chmod(a, 0777) == 0);
    CU_ASSERT_EQUAL(rw_evefile_check_dir(b, geteuid(), NULL, 0, err, 8), 1);
    CU_ASSERT_EQUAL(strlen(err), 7);
    rm_tdir();
}

static void test_missing_and_not_dir(void)
{
    char err[PATH_MAX + 256], want[PATH_MAX + 256], d[PATH_MAX];
    int refused = -1;

    mk_tdir();
    path_in(d, sizeof(d), "nope");
    CU_ASSERT_EQUAL(rw_evefile_check_dir(d, geteuid(), NULL, 0, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s/eve.json: No such file or directory", d);
    CU_ASSERT_STRING_EQUAL(err, want);
    CU_ASSERT_PTR_NULL(rw_evefile_open_as(d, geteuid(), getegid(), err, sizeof(err), &refused));
    CU_ASSERT_EQUAL(refused, 0);
    CU_ASSERT_STRING_EQUAL(err, want);
    path_in(d, sizeof(d), "plain");
    CU_ASSERT_FATAL(close(open(d, O_CREAT | O_WRONLY, 0600)) == 0);
    CU_ASSERT_EQUAL(rw_evefile_check_dir(d, geteuid(), NULL, 0, err, sizeof(err)), 1);
    snprintf(want, sizeof(want), "%s: not a directory", d);
    CU_ASSERT_STRING_EQUAL(err, want);
    rm_tdir();
}

/* What sits at DIR/eve.json: a symbolic link, a hard link, a FIFO, a directory. */
static void test_file_kinds(void)
{
    char err[PATH_MAX + 256], want[PATH_MAX + 256], eve[PATH_MAX], other[PATH_MAX];
    struct stat st;
    int refused = -1;

    mk_tdir();
    path_in(eve, sizeof(eve), "eve.json");
    path_in(other, sizeof(other), "victim");
    CU_ASSERT_FATAL(symlink(other, eve) == 0);
    CU_ASSERT_PTR_NULL(rw_evefile_open_as(tdir, geteuid(), getegid(), err, sizeof(err), &refused));
    CU_ASSERT_EQUAL(refused, 1);
    snprintf(want, sizeof(want), "%s: is a symbolic link; refused", eve);
    CU_ASSERT_STRING_EQUAL(err, want);
    CU_ASSERT_EQUAL(lstat(other, &st), -1); /* the target was not created */
    CU_ASSERT_FATAL(unlink(eve) == 0);

    CU_ASSERT_FATAL(close(open(other, O_CREAT | O_WRONLY, 0600)) == 0);
    CU_ASSERT_FATAL(link(other, eve) == 0);
    CU_ASSERT_PTR_NULL(rw_evefile_open_as(tdir, geteuid(), getegid(), err, sizeof(err), &refused));
    CU_ASSERT_EQUAL(refused, 1);
    snprintf(want, sizeof(want), "%s: not a plain file with one link; refused", eve);
    CU_ASSERT_STRING_EQUAL(err, want);
    CU_ASSERT_FATAL(unlink(eve) == 0);

    /* A FIFO with no reader must not block the start. */
    CU_ASSERT_FATAL(mkfifo(eve, 0600) == 0);
    CU_ASSERT_PTR_NULL(rw_evefile_open_as(tdir, geteuid(), getegid(), err, sizeof(err), &refused));
    CU_ASSERT_FATAL(unlink(eve) == 0);

    CU_ASSERT_FATAL(mkdir(eve, 0700) == 0);
    CU_ASSERT_PTR_NULL(rw_evefile_open_as(tdir, geteuid(), getegid(), err, sizeof(err), &refused));
    CU_ASSERT_EQUAL(refused, 0);
    snprintf(want, sizeof(want), "%s: Is a directory", eve);
    CU_ASSERT_STRING_EQUAL(err, want);
    rm_tdir();
}

/* Log rotation: rename, reopen, and the new lines go to a new file; a directory made
 * unsafe since the start makes the reopen fail and the old stream stays in use. */
static void test_reopen(void)
{
    char err[PATH_MAX + 256], eve[PATH_MAX], old[PATH_MAX], buf[64];
    struct rw_evefile *ef;

    mk_tdir();
    path_in(eve, sizeof(eve), "eve.json");
    path_in(old, sizeof(old), "eve.json.1");
    ef = rw_evefile_open(tdir, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(ef);
    CU_ASSERT_EQUAL(emit(ef, "one"), 0);
    CU_ASSERT_FATAL(rename(eve, old) == 0);
    CU_ASSERT_EQUAL(rw_evefile_reopen(ef), 0);
    CU_ASSERT_EQUAL(emit(ef, "two"), 0);
    CU_ASSERT_EQUAL(rw_evefile_flush(ef), 0);
    CU_ASSERT_EQUAL(slurp(old, buf, sizeof(buf)), 4);
    CU_ASSERT_STRING_EQUAL(buf, "one\n");
    CU_ASSERT_EQUAL(slurp(eve, buf, sizeof(buf)), 4);
    CU_ASSERT_STRING_EQUAL(buf, "two\n");
    /* Now someone makes the directory world-writable and plants a link. */
    CU_ASSERT_FATAL(rename(eve, old) == 0);
    CU_ASSERT_FATAL(chmod(tdir, 0777) == 0);
    CU_ASSERT_EQUAL(rw_evefile_reopen(ef), RW_EIO);
    CU_ASSERT_EQUAL(emit(ef, "three"), 0);
    CU_ASSERT_EQUAL(rw_evefile_failed(ef), 0);
    CU_ASSERT_EQUAL(rw_evefile_close(&ef), 0);
    CU_ASSERT_EQUAL(slurp(old, buf, sizeof(buf)), 10);
    CU_ASSERT_STRING_EQUAL(buf, "two\nthree\n");
    CU_ASSERT_EQUAL(access(eve, F_OK), -1);
    rm_tdir();
}

/* As root: ownership rules and the hand-over to the user reelwatch will run as. */
static void test_owners_as_root(void)
{
    const uid_t u = 65534;
    const gid_t g = 65534;
    char err[PATH_MAX + 256], want[PATH_MAX + 256], d[PATH_MAX], eve[PATH_MAX + 16];
    struct rw_evefile *ef;
    struct stat st;
    int refused = -1;

    if (geteuid() != 0) {
        fprintf(stderr, "\nSKIP test_owners_as_root: needs root\n");
        return;
    }
    mk_tdir();
    CU_ASSERT_FATAL(chmod(tdir, 0755) == 0);
    path_in(d, sizeof(d), "users");
    CU_ASSERT_FATAL(mkdir(d, 0755) == 0 && chown(d, u, g) == 0);
    CU_ASSERT_EQUAL(rw_evefile_check_dir(d, 0, NULL, 0, err, sizeof(err)), 1);
    snprintf(want, sizeof(want), "%s: owned by uid 65534, neither root nor the user reelwatch "
                                 "writes as (uid 0); refused: that user could redirect eve.json", d);
    CU_ASSERT_STRING_EQUAL(err, want);
    CU_ASSERT_EQUAL(rw_evefile_check_dir(d, u, NULL, 0, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(rw_evefile_check_dir(d, 1000, NULL, 0, err, sizeof(err)), 1);
    /* Root writing for uid u: the new file is handed over. */
    ef = rw_evefile_open_as(d, u, g, err, sizeof(err), &refused);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ef);
    CU_ASSERT_EQUAL(rw_evefile_close(&ef), 0);
    snprintf(eve, sizeof(eve), "%s/eve.json", d);
    CU_ASSERT_EQUAL(stat(eve, &st), 0);
    CU_ASSERT_EQUAL(st.st_uid, u);
    CU_ASSERT_EQUAL(st.st_gid, g);
    /* A file of another user in root's directory is refused for root. */
    CU_ASSERT_FATAL(chown(d, 0, 0) == 0);
    ef = rw_evefile_open_as(d, 0, 0, err, sizeof(err), &refused);
    CU_ASSERT_PTR_NULL(ef);
    CU_ASSERT_EQUAL(refused, 1);
    snprintf(want, sizeof(want), "%s: owned by uid 65534, neither root nor uid 0; refused", eve);
    CU_ASSERT_STRING_EQUAL(err, want);
    /* A root-owned file is taken over for the user. */
    CU_ASSERT_FATAL(chown(eve, 0, 0) == 0);
    ef = rw_evefile_open_as(d, u, g, err, sizeof(err), &refused);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ef);
    CU_ASSERT_EQUAL(rw_evefile_close(&ef), 0);
    CU_ASSERT_EQUAL(stat(eve, &st), 0);
    CU_ASSERT_EQUAL(st.st_uid, u);
    rm_tdir();
}

/* Every allocation of open_as fails in turn: NULL, "out of memory", nothing leaked. */
static void test_alloc_failures(void)
{
    char err[PATH_MAX + 256];
    unsigned long n, fails = 0;

    mk_tdir();
    for (n = 1; n < 64; n++) {
        struct rw_evefile *ef;
        int refused = -1;

        rw_alloc_hook_set(n);
        ef = rw_evefile_open_as(tdir, geteuid(), getegid(), err, sizeof(err), &refused);
        if (rw_alloc_hook_failures() == 0) {
            rw_alloc_hook_set(0);
            CU_ASSERT_PTR_NOT_NULL(ef);
            CU_ASSERT_EQUAL(rw_evefile_close(&ef), 0);
            break;
        }
        rw_alloc_hook_set(0);
        fails++;
        CU_ASSERT_PTR_NULL(ef);
        CU_ASSERT_EQUAL(refused, 0);
        CU_ASSERT_STRING_EQUAL(err, "out of memory");
    }
    /* The object, the directory and the path: three allocations. */
    CU_ASSERT_EQUAL(fails, 3);
    rm_tdir();
}

static CU_TestInfo evefile_tests[] = {
    {"lines and mode", test_lines_and_mode},
    {"stdout and NULL", test_stdout_and_null},
    {"directory modes", test_dir_modes},
    {"parent directories and resolution", test_parent_and_resolution},
    {"missing directory, not a directory", test_missing_and_not_dir},
    {"what eve.json is", test_file_kinds},
    {"reopen", test_reopen},
    {"owners (root)", test_owners_as_root},
    {"allocation failures", test_alloc_failures},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rw_suites_evefile[] = {
    {"rw_evefile", NULL, NULL, NULL, NULL, evefile_tests},
    CU_SUITE_INFO_NULL,
};
