/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_rw_rules.c — the rule-set loader: default set, --set, directories, catalogue, OOM. */
#include <CUnit/CUnit.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rw_rules.h"
#include "rw_test.h"

#define RULES_DIR "../../rules"
#define BAD_DIR "../bad/"
#define DATA "../data/lists/"

static void print_diag(const struct rw_diag *d)
{
    for (size_t i = 0; rw_diag_line(d, i) != NULL; i++)
        fprintf(stderr, "\n  diag: %s", rw_diag_line(d, i));
}

/* Loads path; it must succeed with no diagnostics. */
static struct rw_ruleset *load_ok(const char *path, const char *const *sets, size_t nsets)
{
    struct rw_diag *d = rw_diag_new();
    int err = -100;
    struct rw_ruleset *rs = rw_rules_load(path, sets, nsets, d, &err);

    if (rs == NULL || rw_diag_count(d) != 0)
        print_diag(d);
    CU_ASSERT_EQUAL(err, 0);
    CU_ASSERT_EQUAL(rw_diag_count(d), 0);
    rw_diag_free(&d);
    return rs;
}

/* Loads path; it must be refused with exactly the lines of want (NULL-terminated). */
static void load_bad(const char *path, const char *const *sets, size_t nsets,
                     const char *const *want)
{
    struct rw_diag *d = rw_diag_new();
    int err = -100;
    struct rw_ruleset *rs = rw_rules_load(path, sets, nsets, d, &err);
    size_t n = 0;

    while (want[n] != NULL)
        n++;
    CU_ASSERT_PTR_NULL(rs);
    CU_ASSERT_EQUAL(err, RW_EPARSE);
    for (size_t i = 0; i < n || rw_diag_line(d, i) != NULL; i++) {
        const char *got = rw_diag_line(d, i);

        if (got == NULL || i >= n || strcmp(got, want[i]) != 0)
            fprintf(stderr, "\n%s line %zu:\n  got  %s\n  want %s", path, i,
                    got == NULL ? "(none)" : got, i < n ? want[i] : "(none)");
        CU_ASSERT(got != NULL && i < n && strcmp(got, want[i]) == 0);
    }
    CU_ASSERT_EQUAL(rw_diag_count(d), n);
    rw_rules_free(&rs);
    rw_diag_free(&d);
}

static void expect_summary(const struct rw_ruleset *rs, const char *want)
{
    char buf[128];

    rw_rules_summary(rs, buf, sizeof(buf));
    if (strcmp(buf, want) != 0)
        fprintf(stderr, "\nsummary: %s\n   want: %s\n", buf, want);
    CU_ASSERT_STRING_EQUAL(buf, want);
}

static uint64_t group_bit(const struct rw_ruleset *rs, const char *name)
{
    for (size_t i = 0; i < rw_rules_group_count(rs); i++)
        if (strcmp(rw_rules_group(rs, i)->name, name) == 0)
            return 1ULL << i;
    CU_FAIL_FATAL("no such type group");
    return 0;
}

/* Which lists hold addr, as "name prefix; name prefix". */
static void expect_lists(const struct rw_ruleset *rs, const char *addr, const char *want)
{
    struct rw_addr a = rw_test_addr(addr);
    struct rw_addrlist_match m[4];
    size_t n = rw_rules_lookup_dst(rs, &a, m, 4);
    char got[512];
    size_t o = 0;

    got[0] = '\0';
    for (size_t i = 0; i < n && i < 4; i++)
        o += (size_t)snprintf(got + o, sizeof(got) - o, "%s%s %s", i ? "; " : "", m[i].list,
                              m[i].prefix);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "\n%s: got '%s' want '%s'\n", addr, got, want);
    CU_ASSERT_STRING_EQUAL(got, want);
}

/* --- temporary rule directories -------------------------------------------------------- */

static char tmpdir[64];

static void tmp_begin(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/rw_rules_XXXXXX");
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tmpdir));
}

static const char *tmp_path(const char *name)
{
    static char path[512];
    int n = snprintf(path, sizeof(path), "%s/%s", tmpdir, name);

    CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(path));
    return path;
}

static void tmp_write(const char *name, const char *text)
{
    FILE *f = fopen(tmp_path(name), "w");

    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_FATAL(fputs(text, f) >= 0);
    CU_ASSERT_FATAL(fclose(f) == 0);
}

/* Removes the files of the temporary directory, then the directory. */
static void tmp_end(void)
{
    DIR *d = opendir(tmpdir);
    struct dirent *e;

    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    for (e = readdir(d); e != NULL; e = readdir(d))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            unlink(tmp_path(e->d_name));
    closedir(d);
    CU_ASSERT_EQUAL(rmdir(tmpdir), 0);
}

/* --- the default rule set -------------------------------------------------------------- */

static void test_rules_default_set_loads_with_exact_summary(void)
{
    struct rw_ruleset *rs;
    const struct rw_rule *r;
    struct rw_addr a;

    RW_NEED_FILE(RULES_DIR "/reelwatch.yaml");
    rs = load_ok(RULES_DIR, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    expect_summary(rs, "6 rules, 2 lists (4 prefixes), 9 type groups");
    /* Lists: dprk then watch (empty, allowed). */
    CU_ASSERT_STRING_EQUAL(rw_addrlist_name(rw_rules_list(rs, 0)), "dprk");
    CU_ASSERT_STRING_EQUAL(rw_addrlist_name(rw_rules_list(rs, 1)), "watch");
    CU_ASSERT_EQUAL(rw_addrlist_count(rw_rules_list(rs, 1)), 0);
    CU_ASSERT_PTR_NULL(rw_rules_list(rs, 2));
    expect_lists(rs, "175.45.176.0", "dprk 175.45.176.0/22");
    expect_lists(rs, "175.45.179.255", "dprk 175.45.176.0/22");
    expect_lists(rs, "175.45.180.0", "");
    expect_lists(rs, "210.52.109.200", "dprk 210.52.109.0/24");
    expect_lists(rs, "77.94.35.9", "dprk 77.94.35.0/24");
    expect_lists(rs, "202.72.96.4", "dprk 202.72.96.4/30");
    expect_lists(rs, "202.72.96.7", "dprk 202.72.96.4/30");
    expect_lists(rs, "202.72.96.8", "");
    expect_lists(rs, "2001:db8::1", "");
    /* home_net: RFC 1918 and ULA. */
    a = rw_test_addr("10.9.8.7");
    CU_ASSERT_EQUAL(rw_rules_is_home(rs, &a), 1);
    a = rw_test_addr("172.31.255.255");
    CU_ASSERT_EQUAL(rw_rules_is_home(rs, &a), 1);
    a = rw_test_addr("172.32.0.0");
    CU_ASSERT_EQUAL(rw_rules_is_home(rs, &a), 0);
    a = rw_test_addr("fd00:1::5");
    CU_ASSERT_EQUAL(rw_rules_is_home(rs, &a), 1);
    a = rw_test_addr("175.45.176.1");
    CU_ASSERT_EQUAL(rw_rules_is_home(rs, &a), 0);
    /* The six sids and their shapes. */
    CU_ASSERT_EQUAL(rw_rules_count(rs), 6);
    for (uint32_t sid = 9100001; sid <= 9100006; sid++) {
        r = rw_rules_by_sid(rs, sid);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r);
        CU_ASSERT_EQUAL(r->rev, 1);
        CU_ASSERT_STRING_EQUAL(r->classtype, "policy-violation");
        CU_ASSERT_STRING_EQUAL(r->category, "Potential Corporate Privacy Violation");
        CU_ASSERT_PTR_EQUAL(r, rw_rules_rule(rs, sid - 9100001));
    }
    CU_ASSERT_PTR_NULL(rw_rules_by_sid(rs, 9100007));
    r = rw_rules_by_sid(rs, 9100001);
    CU_ASSERT_EQUAL(r->severity, 1);
    CU_ASSERT_EQUAL(r->level, RW_RULE_FILE);
    CU_ASSERT_EQUAL(r->direction, RW_DIR_OUTBOUND);
    CU_ASSERT_EQUAL(r->ndst, 2);
    CU_ASSERT_EQUAL(r->dst[0], 0);
    CU_ASSERT_EQUAL(r->dst[1], 1);
    CU_ASSERT_EQUAL(r->types, group_bit(rs, "video") | group_bit(rs, "audio") |
                                  group_bit(rs, "image") | group_bit(rs, "image_sequence") |
                                  group_bit(rs, "project") | group_bit(rs, "3d") |
                                  group_bit(rs, "archive"));
    CU_ASSERT_EQUAL(rw_rules_by_sid(rs, 9100002)->not_types, r->types);
    CU_ASSERT_EQUAL(rw_rules_by_sid(rs, 9100002)->types, 0);
    CU_ASSERT_EQUAL(rw_rules_by_sid(rs, 9100002)->severity, 2);
    r = rw_rules_by_sid(rs, 9100003);
    CU_ASSERT_EQUAL(r->level, RW_RULE_FLOW);
    CU_ASSERT_EQUAL(r->bytes_min, 65536);
    CU_ASSERT_EQUAL(r->bytes_max, UINT64_MAX);
    r = rw_rules_by_sid(rs, 9100004);
    CU_ASSERT_EQUAL(r->level, RW_RULE_HOST);
    CU_ASSERT_EQUAL(r->window.span_sec, 86400);
    CU_ASSERT_EQUAL(r->window.files, 3);
    CU_ASSERT_EQUAL(r->window.bytes, 1ULL << 30);
    CU_ASSERT_EQUAL(r->window.flows, 0);
    r = rw_rules_by_sid(rs, 9100005);
    CU_ASSERT_EQUAL(r->severity, 3);
    CU_ASSERT_EQUAL(r->direction, RW_DIR_ANY);
    CU_ASSERT_EQUAL(r->threshold.type, RW_THRESHOLD_LIMIT);
    CU_ASSERT_EQUAL(r->threshold.track, RW_TRACK_BY_BOTH);
    CU_ASSERT_EQUAL(r->threshold.count, 1);
    CU_ASSERT_EQUAL(r->threshold.seconds, 3600);
    r = rw_rules_by_sid(rs, 9100006);
    CU_ASSERT_EQUAL(r->ndst, 0);
    CU_ASSERT_EQUAL(r->anonymous, 1);
    CU_ASSERT_EQUAL(r->direction, RW_DIR_OUTBOUND);
    CU_ASSERT_STRING_EQUAL(r->file, RULES_DIR "/reelwatch.yaml");
    rw_rules_free(&rs);
    CU_ASSERT_PTR_NULL(rs);
    rw_rules_free(&rs);   /* NULL is fine */
}

/* The default groups put every format of FORMATS-AND-RANGES.md somewhere. MIME types and
 * descriptions are what Debian's file 5.44 printed for sample files; NULL means unknown. */
static void test_rules_default_groups_cover_every_studio_format(void)
{
    static const struct {
        const char *mime, *desc, *name, *groups;
    } cases[] = {
        {"video/quicktime", "ISO Media, Apple QuickTime movie, Apple QuickTime (.MOV/QT)",
         "sc010.mov", "video"},
        {"video/quicktime", "Apple QuickTime movie (unoptimized)", NULL, "video"},
        {"application/octet-stream", "data", "legacy_wide_mdat.MOV", "video"},
        {"video/mp4", "ISO Media, MP4 Base Media v1 [ISO 14496-12:2003]", NULL, "video"},
        {"video/x-m4v", "ISO Media, Apple iTunes Video (.M4V) Video", NULL, "video"},
        {"application/mxf", "Material exchange container format", NULL, "video"},
        {"video/x-msvideo", "RIFF (little-endian) data, AVI", NULL, "video"},
        {"video/x-matroska", "Matroska data", NULL, "video"},
        {"video/webm", "WebM", NULL, "video"},
        {"application/x-shockwave-flash", "Macromedia Flash data, version 10", NULL, "video"},
        {"application/octet-stream", "data", "A001C002.prores", "video"},
        {"image/x-exr", "OpenEXR image data, version 2, storage: scanline", NULL,
         "image image_sequence"},
        {"image/x-dpx", "DPX image data, big-endian, 0x0, left to right/top to bottom", NULL,
         "image image_sequence"},
        {"text/plain", "Cineon image data", NULL, "image_sequence"},
        {"image/tiff", "TIFF image data, little-endian, direntries=0", NULL,
         "image image_sequence"},
        {"image/tiff", "Big TIFF image data, little-endian", NULL, "image image_sequence"},
        {"image/png; charset=binary", "PNG image data, 16 x 16, 8-bit/color RGB", NULL, "image"},
        {"image/jpeg", "JPEG image data, JFIF standard 1.01", NULL, "image"},
        {"image/x-tga", "Targa image data - RGB 16 x 16 x 24", NULL, "image"},
        {"image/vnd.adobe.photoshop", "Adobe Photoshop Image, 16 x 16, RGB", NULL,
         "image project"},
        {"image/vnd.adobe.photoshop", "Adobe Photoshop Image (PSB), 16 x 16, RGB", NULL,
         "image project"},
        {"application/x-blender", "Blender3D, saved as 64-bits little endian with version 2.93",
         NULL, "3d"},
        {"text/plain", "Alias Maya Ascii File, version 2020 scene, ASCII text", NULL, "3d"},
        {"application/octet-stream", "Alias Maya Binary File,", NULL, "3d"},
        {"application/octet-stream", "Kaydara FBX model, version 7400", NULL, "3d"},
        {"application/octet-stream", "USD crate, version 0.8.0", NULL, "3d"},
        {"text/plain", "USD ASCII, version 1.0", NULL, "3d"},
        {"application/zip", "Zip archive data, at least v2.0 to extract", NULL, "archive"},
        {"application/x-rar", "RAR archive data, v5", NULL, "archive"},
        {"application/x-7z-compressed", "7-zip archive data, version 0.4", NULL, "archive"},
        {"application/x-tar", "POSIX tar archive", NULL, "archive"},
        {"application/gzip", "gzip compressed data, max compression", NULL, "archive"},
        {"application/x-xz", "XZ compressed data, checksum CRC64", NULL, "archive"},
        {"application/x-bzip2", "bzip2 compressed data, block size = 900k", NULL, "archive"},
        {"application/zstd", "Zstandard compressed data (v0.8+), Dictionary ID: None", NULL,
         "archive"},
        /* Formats the stock database does not know: extension (or the studio magic file). */
        {"application/octet-stream", "RIFF (big-endian) data", "comp_v12.aep", "project"},
        {"application/octet-stream", "data", "rig.mb", "3d"},
        {"application/octet-stream", "data", "cache.abc", "3d"},
        {"application/octet-stream", "data", "page1.clip", "project"},
        {"text/plain", "ASCII text, with no line terminators", "set.c4d", "3d"},
        {"application/octet-stream", "data", "anim.tvpp", "project"},
        {"text/plain", "ASCII text", "ep01_sc010.xstage", "project"},
        {"application/zip", "Zip archive data", "paint.kra", "project archive"},
        {"application/zip", "Zip archive data", "paint.ora", "project archive"},
        {"application/zip", "Zip archive data", "prop.usdz", "3d archive"},
        {"application/octet-stream", "a /opt/Nuke12.2v4/libnuke-12.2.4.so -nx script executable",
         "comp.nk", "project"},
        {"application/gzip", "gzip compressed data", "edit.prproj", "project archive"},
        {"application/octet-stream", "data", "layout.tpl", "project"},
        {"application/octet-stream", "data", "scene.tbpkg", "project"},
        {"application/octet-stream", "data", "fx.hip", "3d"},
        {"application/octet-stream", "data", "intro.fla", "project"},
        {NULL, "Alembic Ogawa cache", NULL, "3d"},
        {NULL, NULL, "backup.tar.gz", "archive"},
        /* The other groups. */
        {"audio/x-wav", "RIFF (little-endian) data, WAVE audio, Microsoft PCM", NULL, "audio"},
        {"application/octet-stream", "Audio file with ID3 version 2.3.0", NULL, "audio"},
        {"application/pdf", "PDF document, version 1.7", NULL, "document"},
        {"application/x-pie-executable", "ELF 64-bit LSB pie executable, x86-64", NULL,
         "executable"},
        /* Nothing. */
        {"text/plain", "ASCII text", "notes.txt", ""},
        {"application/octet-stream", "data", NULL, ""},
        {NULL, NULL, ".mov", ""},
        {NULL, NULL, NULL, ""},
    };
    struct rw_ruleset *rs;

    RW_NEED_FILE(RULES_DIR "/reelwatch.yaml");
    rs = load_ok(RULES_DIR, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t want = 0, got;
        char names[128];
        const char *p = cases[i].groups;

        while (*p != '\0') {
            size_t n = strcspn(p, " ");

            snprintf(names, sizeof(names), "%.*s", (int)n, p);
            want |= group_bit(rs, names);
            p += n + (p[n] == ' ');
        }
        got = rw_rules_types_of(rs, cases[i].mime, cases[i].desc, cases[i].name);
        if (got != want)
            fprintf(stderr, "\ncase %zu (%s | %s | %s): got %#llx want %#llx (%s)\n", i,
                    cases[i].mime, cases[i].desc, cases[i].name, (unsigned long long)got,
                    (unsigned long long)want, cases[i].groups);
        CU_ASSERT_EQUAL(got, want);
    }
    rw_rules_free(&rs);
}

/* The extension half of the type groups against a plain reading of its contract (the name
 * ends in "." + ext, a character before the dot, the name folded to lower case), over
 * the default set and names built from the letters of its extensions, dots and capitals:
 * names with up to four dots take the tail path, more take the per-extension path. */
static int ext_oracle(const char *name, const char *ext)
{
    size_t nl = strlen(name), el = strlen(ext);

    if (nl < el + 2 || name[nl - el - 1] != '.')
        return 0;
    for (size_t i = 0; i < el; i++)
        if (tolower((unsigned char)name[nl - el + i]) != (unsigned char)ext[i])
            return 0;
    return 1;
}

static void test_rules_types_of_name_matches_every_tail(void)
{
    static const char alphabet[] = "..aAgGzZtTrRmMoOvVpPsSdDx.";
    size_t positives = 0;
    static const struct {
        const char *name;
        const char *groups;
    } cases[] = {
        {"shot.MOV", "video"},     {"x.tar.gz", "archive"}, {"x.TAR.GZ", "archive"},
        {".mov", ""},              {"a.mov.", ""},          {"a..mov", "video"},
        {"a.b.c.d.e.f.psd", "project"}, {"mov", ""},        {"", ""},
    };
    struct rw_ruleset *rs;
    uint64_t seed = 88172645463325252ULL;
    char name[24];

    RW_NEED_FILE(RULES_DIR "/reelwatch.yaml");
    rs = load_ok(RULES_DIR, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t want = cases[i].groups[0] != '\0' ? group_bit(rs, cases[i].groups) : 0;

        CU_ASSERT_EQUAL(rw_rules_types_of_name(rs, cases[i].name), want);
    }
    for (size_t round = 0; round < 200000; round++) {
        size_t len = 0, pre, post;
        uint64_t want = 0;
        const struct rw_typegroup *pg;
        const char *ext;

        seed ^= seed << 13; /* xorshift64: the same names every run */
        seed ^= seed >> 7;
        seed ^= seed << 17;
        /* a random head (0..7), often a dot and a real extension in random case, then a
         * random tail (0..2, mostly none) */
        pre = (size_t)(seed % 8);
        for (size_t k = 0; k < pre; k++)
            name[len++] = alphabet[(seed >> (8 + 5 * k)) % (sizeof(alphabet) - 1)];
        pg = rw_rules_group(rs, (size_t)(seed >> 48) % rw_rules_group_count(rs));
        ext = pg->ext[(size_t)(seed >> 52) % pg->next];
        if ((seed >> 44) & 3)
            name[len++] = '.';
        for (size_t k = 0; ext[k] != '\0' && len < sizeof(name) - 3; k++)
            name[len++] = (char)(((seed >> (k % 40)) & 1) ? toupper((unsigned char)ext[k])
                                                          : ext[k]);
        post = (seed >> 58) % 8 < 2 ? (size_t)(seed >> 61) % 3 : 0;
        for (size_t k = 0; k < post; k++)
            name[len++] = alphabet[(seed >> (3 * k)) % (sizeof(alphabet) - 1)];
        name[len] = '\0';
        for (size_t g = 0; g < rw_rules_group_count(rs); g++) {
            const struct rw_typegroup *tg = rw_rules_group(rs, g);

            for (size_t j = 0; j < tg->next; j++) {
                if (ext_oracle(name, tg->ext[j])) {
                    want |= 1ULL << g;
                    break;
                }
            }
        }
        positives += want != 0;
        if (rw_rules_types_of_name(rs, name) != want) {
            fprintf(stderr, "\nname \"%s\": got %#llx want %#llx\n", name,
                    (unsigned long long)rw_rules_types_of_name(rs, name),
                    (unsigned long long)want);
            CU_FAIL("types_of_name differs from the contract");
            break;
        }
    }
    /* the names hit extensions often enough to mean something */
    CU_ASSERT_TRUE(positives > 50000);
    rw_rules_free(&rs);
}

/* --- --set ------------------------------------------------------------------------------ */

static void test_rules_set_overrides_home_net(void)
{
    static const char *const sets[] = {"flow.memcap=64mb", "home_net=10.0.0.0/8",
                                       "home_net= 192.0.2.0/24 , 2001:db8::/32", "eve.types=x"};
    struct rw_ruleset *rs;
    struct rw_addr a;

    RW_NEED_FILE(RULES_DIR "/reelwatch.yaml");
    rs = load_ok(RULES_DIR, sets, 4);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    /* The last home_net wins and replaces the file's value whole. */
    a = rw_test_addr("192.0.2.77");
    CU_ASSERT_EQUAL(rw_rules_is_home(rs, &a), 1);
    a = rw_test_addr("2001:db8:5::1");
    CU_ASSERT_EQUAL(rw_rules_is_home(rs, &a), 1);
    a = rw_test_addr("10.1.1.1");
    CU_ASSERT_EQUAL(rw_rules_is_home(rs, &a), 0);
    a = rw_test_addr("fd00::1");
    CU_ASSERT_EQUAL(rw_rules_is_home(rs, &a), 0);
    expect_summary(rs, "6 rules, 2 lists (4 prefixes), 9 type groups");
    rw_rules_free(&rs);
}

static void test_rules_set_reports_every_bad_setting(void)
{
    static const char *const sets[] = {"home_net=10.0.0.1/8,,fc00::/7", "home_net=", "HOME_NET=x",
                                       "=1", "debug", "flow.memcap=whatever"};
    static const char *const want[] = {
        "--set: home_net: expected a network address (10.0.0.0/8), found host bits set in "
        "'10.0.0.1/8'",
        "--set: home_net: expected an IPv4 or IPv6 address or CIDR, found ''",
        "--set: home_net: expected at least one CIDR, found none",
        "--set: unknown variable 'HOME_NET'",
        "--set: expected NAME=VALUE, found '=1'",
        "--set: expected NAME=VALUE, found 'debug'",
        NULL};

    RW_NEED_FILE(RULES_DIR "/reelwatch.yaml");
    load_bad(RULES_DIR, sets, 6, want);
}

static void test_rules_set_alone_defines_home_net_for_an_empty_file(void)
{
    static const char *const sets[] = {"home_net=192.168.0.0/16"};
    struct rw_ruleset *rs;
    char line[1024];
    const char *w[] = {line, NULL};

    tmp_begin();
    tmp_write("empty.yaml", "# comments only: an empty rule file is fine\n");
    rs = load_ok(tmp_path("empty.yaml"), sets, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    expect_summary(rs, "0 rules, 0 lists (0 prefixes), 0 type groups");
    rw_rules_free(&rs);
    /* Without --set, home_net is missing. */
    snprintf(line, sizeof(line), "%s: expected home_net under vars (or --set home_net=CIDR,...), "
             "found none", tmp_path("empty.yaml"));
    load_bad(tmp_path("empty.yaml"), NULL, 0, w);
    tmp_end();
}

/* --- directories ------------------------------------------------------------------------ */

static void test_rules_directory_of_two_files_shares_names(void)
{
    struct rw_ruleset *rs;
    const struct rw_rule *r;
    char want_file[1024];

    tmp_begin();
    /* Rules in 20-rules.yml use a list and a group defined in 10-defs.yaml; hidden files
     * and other extensions are not read. */
    tmp_write("10-defs.yaml", "vars: {home_net: [10.0.0.0/8]}\n"
                              "lists:\n"
                              "  relay: {cidrs: [198.51.100.0/24, '2001:db8:77::/48']}\n"
                              "types:\n"
                              "  video: {mime: ['video/*'], ext: [mov]}\n");
    tmp_write("20-rules.yml", "rules:\n"
                              "  - {sid: 2, msg: second, level: flow, match: {dst: relay}}\n"
                              "  - {sid: 1, msg: first, level: file, match: {type: video}}\n");
    tmp_write(".hidden.yaml", "this is: [not read\n");
    tmp_write("notes.txt", "not: [read\n");
    rs = load_ok(tmpdir, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    expect_summary(rs, "2 rules, 1 list (2 prefixes), 1 type group");
    r = rw_rules_rule(rs, 0);
    CU_ASSERT_EQUAL(r->sid, 2);
    CU_ASSERT_EQUAL(r->ndst, 1);
    CU_ASSERT_EQUAL(r->dst[0], 0);
    snprintf(want_file, sizeof(want_file), "%s/20-rules.yml", tmpdir);
    CU_ASSERT_STRING_EQUAL(r->file, want_file);
    CU_ASSERT_EQUAL(r->line, 2);
    r = rw_rules_rule(rs, 1);
    CU_ASSERT_EQUAL(r->sid, 1);
    CU_ASSERT_EQUAL(r->types, 1);
    CU_ASSERT_EQUAL(r->line, 3);
    CU_ASSERT_PTR_NULL(rw_rules_rule(rs, 2));
    CU_ASSERT_PTR_EQUAL(rw_rules_by_sid(rs, 1), r);
    expect_lists(rs, "2001:db8:77:1::9", "relay 2001:db8:77::/48");
    rw_rules_free(&rs);
    tmp_end();
}

static void test_rules_duplicate_sid_across_files_is_refused(void)
{
    static const char *const want[] = {
        BAD_DIR "dir-duplicates/b.yml:1:8: expected a unique variable name, found 'home_net' "
                "again (first at " BAD_DIR "dir-duplicates/a.yaml:1:8)",
        BAD_DIR "dir-duplicates/b.yml:5:3: expected a unique type group name, found 'video' "
                "again (first at " BAD_DIR "dir-duplicates/a.yaml:5:3)",
        BAD_DIR "dir-duplicates/b.yml:3:3: expected a unique list name, found 'dprk' again "
                "(first at " BAD_DIR "dir-duplicates/a.yaml:3:3)",
        BAD_DIR "dir-duplicates/b.yml:7:11: expected a unique sid, found 9100001 again (first "
                "at " BAD_DIR "dir-duplicates/a.yaml:7:11)",
        NULL};

    RW_NEED_FILE(BAD_DIR "dir-duplicates/a.yaml");
    load_bad(BAD_DIR "dir-duplicates", NULL, 0, want);
}

static void test_rules_refuses_missing_path_and_empty_directory(void)
{
    static const char *const missing[] = {
        "/nonexistent/rules: expected a readable file or directory, found No such file or "
        "directory",
        NULL};
    char line[1024];
    const char *empty[] = {line, NULL};

    load_bad("/nonexistent/rules", NULL, 0, missing);
    tmp_begin();
    tmp_write("rules.txt", "vars: {home_net: 10.0.0.0/8}\n");
    snprintf(line, sizeof(line), "%s: expected at least one *.yaml or *.yml file, found none",
             tmpdir);
    load_bad(tmpdir, NULL, 0, empty);
    tmp_end();
}

static void test_rules_refuses_oversized_file_and_too_many_nodes(void)
{
    char line[1][1024];
    const char *want[] = {line[0], NULL};
    int fd;
    FILE *f;

    tmp_begin();
    fd = open(tmp_path("big.yaml"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_FATAL(ftruncate(fd, RW_RULES_FILE_MAX_BYTES + 1) == 0);   /* sparse */
    close(fd);
    snprintf(line[0], sizeof(line[0]), "%s: expected at most 4194304 bytes, found 4194305",
             tmp_path("big.yaml"));
    load_bad(tmp_path("big.yaml"), NULL, 0, want);
    unlink(tmp_path("big.yaml"));
    /* A flat flow list of RW_RULES_MAX_NODES ones after three other nodes (the root
     * mapping, its key, the list): item k (from 0) is node 4 + k and sits at column
     * 9 + 2k, so the first node over the limit is item RW_RULES_MAX_NODES - 3. */
    f = fopen(tmp_path("many.yaml"), "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("rules: [", f);
    for (int i = 0; i < RW_RULES_MAX_NODES; i++)
        fputs(i == 0 ? "1" : ",1", f);
    fputs("]\n", f);
    CU_ASSERT_FATAL(fclose(f) == 0);
    snprintf(line[0], sizeof(line[0]), "%s:1:%d: expected at most 262144 YAML nodes, found more",
             tmp_path("many.yaml"), 9 + 2 * (RW_RULES_MAX_NODES - 3));
    load_bad(tmp_path("many.yaml"), NULL, 0, want);
    tmp_end();
}

/* --- every field ------------------------------------------------------------------------ */

static const char every_field[] =
    "vars:\n"
    "  home_net: 10.0.0.0/8\n"
    "lists:\n"
    "  dprk: {cidrs: [175.45.176.0/22]}\n"
    "  allow: {cidrs: [198.51.100.0/24], description: partners}\n"
    "types:\n"
    "  video: {mime: ['video/*']}\n"
    "  project: {ext: [AEP, psd]}\n"
    "rules:\n"
    "  - sid: 4294967295\n"
    "    rev: 7\n"
    "    msg: every field\n"
    "    category: Data exfiltration\n"
    "    metadata: {team: [vfx, comp], created_at: 2024_06_01}\n"
    "    references: ['url,example.org/a', 'cve,2024-0001']\n"
    "    level: file\n"
    "    match:\n"
    "      dst: [dprk]\n"
    "      not_dst: allow\n"
    "      direction: inbound\n"
    "      proto: [TLS, encrypted]\n"
    "      type: video\n"
    "      not_type: [project]\n"
    "      filename: ['*.MOV', 'shot_[0-9]*']\n"
    "      bytes: {min: 5 GB, max: 1TiB}\n"
    "      anonymous: false\n"
    "    threshold: {type: both, track: by_flow, count: 3, seconds: 60}\n"
    "    suppress:\n"
    "      - {track: by_src, ip: [10.1.0.0/16, allow]}\n"
    "      - {track: by_dst, ip: '2001:db8::/32'}\n"
    "  - {sid: 1, msg: defaults, level: host, window: {span: 90m, flows: 12}}\n";

static void test_rules_compiles_every_field(void)
{
    struct rw_ruleset *rs;
    const struct rw_rule *r;
    struct rw_addr src, dst;

    tmp_begin();
    tmp_write("all.yaml", every_field);
    rs = load_ok(tmp_path("all.yaml"), NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    r = rw_rules_by_sid(rs, 4294967295u);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(r->rev, 7);
    CU_ASSERT_STRING_EQUAL(r->msg, "every field");
    CU_ASSERT_PTR_NULL(r->classtype);
    CU_ASSERT_STRING_EQUAL(r->category, "Data exfiltration");
    CU_ASSERT_EQUAL(r->severity, 3);
    CU_ASSERT_EQUAL_FATAL(r->nmetadata, 2);
    CU_ASSERT_STRING_EQUAL(r->metadata[0].key, "team");
    CU_ASSERT_EQUAL_FATAL(r->metadata[0].nvalues, 2);
    CU_ASSERT_STRING_EQUAL(r->metadata[0].values[1], "comp");
    CU_ASSERT_STRING_EQUAL(r->metadata[1].key, "created_at");
    CU_ASSERT_EQUAL_FATAL(r->metadata[1].nvalues, 1);
    CU_ASSERT_STRING_EQUAL(r->metadata[1].values[0], "2024_06_01");
    CU_ASSERT_EQUAL_FATAL(r->nreferences, 2);
    CU_ASSERT_STRING_EQUAL(r->references[0], "url,example.org/a");
    CU_ASSERT_STRING_EQUAL(r->references[1], "cve,2024-0001");
    CU_ASSERT_EQUAL(r->level, RW_RULE_FILE);
    CU_ASSERT_EQUAL_FATAL(r->ndst, 1);
    CU_ASSERT_EQUAL(r->dst[0], 0);
    CU_ASSERT_EQUAL_FATAL(r->nnot_dst, 1);
    CU_ASSERT_EQUAL(r->not_dst[0], 1);
    CU_ASSERT_EQUAL(r->direction, RW_DIR_INBOUND);
    CU_ASSERT_EQUAL_FATAL(r->nprotos, 2);
    CU_ASSERT_STRING_EQUAL(r->protos[0], "TLS");
    CU_ASSERT_STRING_EQUAL(r->protos[1], "encrypted");
    CU_ASSERT_EQUAL(r->types, 1);
    CU_ASSERT_EQUAL(r->not_types, 2);
    CU_ASSERT_EQUAL_FATAL(r->nfilenames, 2);
    CU_ASSERT_STRING_EQUAL(r->filenames[1], "shot_[0-9]*");
    CU_ASSERT_EQUAL(r->bytes_min, 5000000000ULL);
    CU_ASSERT_EQUAL(r->bytes_max, 1ULL << 40);
    CU_ASSERT_EQUAL(r->anonymous, 0);
    CU_ASSERT_EQUAL(r->window.span_sec, 0);
    CU_ASSERT_EQUAL(r->threshold.type, RW_THRESHOLD_BOTH);
    CU_ASSERT_EQUAL(r->threshold.track, RW_TRACK_BY_FLOW);
    CU_ASSERT_EQUAL(r->threshold.count, 3);
    CU_ASSERT_EQUAL(r->threshold.seconds, 60);
    CU_ASSERT_EQUAL_FATAL(r->nsuppress, 2);
    CU_ASSERT_EQUAL(r->suppress[0].track, RW_TRACK_BY_SRC);
    CU_ASSERT_EQUAL(r->suppress[0].nlists, 1);
    CU_ASSERT_EQUAL(r->suppress[1].track, RW_TRACK_BY_DST);
    CU_ASSERT_EQUAL(r->suppress[1].nlists, 0);
    CU_ASSERT_EQUAL(r->line, 10);
    /* Extensions are kept in lower case. */
    CU_ASSERT_STRING_EQUAL(rw_rules_group(rs, 1)->ext[0], "aep");
    /* Suppression: by_src 10.1/16 or the allow list; by_dst 2001:db8::/32. */
    src = rw_test_addr("10.1.9.9");
    dst = rw_test_addr("175.45.176.1");
    CU_ASSERT_EQUAL(rw_rules_suppressed(rs, r, &src, &dst), 1);
    src = rw_test_addr("198.51.100.3");
    CU_ASSERT_EQUAL(rw_rules_suppressed(rs, r, &src, &dst), 1);
    src = rw_test_addr("10.2.0.1");
    CU_ASSERT_EQUAL(rw_rules_suppressed(rs, r, &src, &dst), 0);
    dst = rw_test_addr("2001:db8::9");
    CU_ASSERT_EQUAL(rw_rules_suppressed(rs, r, &src, &dst), 1);
    CU_ASSERT_EQUAL(rw_rules_suppressed(rs, r, &dst, &src), 0);
    /* Defaults of the second rule. */
    r = rw_rules_by_sid(rs, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(r->rev, 0);
    CU_ASSERT_PTR_NULL(r->category);
    CU_ASSERT_EQUAL(r->severity, 3);
    CU_ASSERT_EQUAL(r->level, RW_RULE_HOST);
    CU_ASSERT_EQUAL(r->direction, RW_DIR_ANY);
    CU_ASSERT_EQUAL(r->anonymous, -1);
    CU_ASSERT_EQUAL(r->ndst + r->nnot_dst + r->nprotos + r->nfilenames + r->nsuppress, 0);
    CU_ASSERT_EQUAL(r->types | r->not_types, 0);
    CU_ASSERT_EQUAL(r->bytes_min, 0);
    CU_ASSERT_EQUAL(r->bytes_max, UINT64_MAX);
    CU_ASSERT_EQUAL(r->window.span_sec, 5400);
    CU_ASSERT_EQUAL(r->window.flows, 12);
    CU_ASSERT_EQUAL(r->window.files + r->window.bytes, 0);
    CU_ASSERT_EQUAL(r->threshold.type, RW_THRESHOLD_NONE);
    rw_rules_free(&rs);
    tmp_end();
}

static void test_rules_lookup_reports_each_list_with_its_longest_prefix(void)
{
    struct rw_ruleset *rs;
    struct rw_addr a = rw_test_addr("175.45.176.9");
    struct rw_addrlist_match m[1];

    tmp_begin();
    tmp_write("l.yaml", "vars: {home_net: 10.0.0.0/8}\n"
                        "lists:\n"
                        "  wide: {cidrs: [175.0.0.0/8, 175.45.0.0/16]}\n"
                        "  none: {cidrs: [192.0.2.0/24]}\n"
                        "  narrow: {cidrs: [175.45.176.0/22, 175.45.176.9/32]}\n"
                        "  same: {cidrs: [175.45.176.0/22]}\n");
    rs = load_ok(tmp_path("l.yaml"), NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    expect_lists(rs, "175.45.176.9", "wide 175.45.0.0/16; narrow 175.45.176.9/32; "
                                     "same 175.45.176.0/22");
    expect_lists(rs, "175.45.176.10", "wide 175.45.0.0/16; narrow 175.45.176.0/22; "
                                      "same 175.45.176.0/22");
    expect_lists(rs, "175.1.1.1", "wide 175.0.0.0/8");
    /* Fewer slots than matches: the count is still all of them. */
    CU_ASSERT_EQUAL(rw_rules_lookup_dst(rs, &a, m, 1), 3);
    CU_ASSERT_STRING_EQUAL(m[0].list, "wide");
    CU_ASSERT_EQUAL(m[0].index, 0);
    CU_ASSERT_EQUAL(rw_rules_lookup_dst(rs, &a, NULL, 0), 3);
    rw_rules_free(&rs);
    tmp_end();
}

static void test_rules_loads_every_list_file_format(void)
{
    struct rw_ruleset *rs;

    RW_NEED_FILE(DATA "formats.yaml");
    rs = load_ok(DATA "formats.yaml", NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    /* plain 7, iprep 4, iprep with min_score 70 3, Zeek 3, inline 2. */
    expect_summary(rs, "0 rules, 5 lists (19 prefixes), 0 type groups");
    expect_lists(rs, "175.45.176.1", "plain 175.45.176.0/22; rep 175.45.176.0/22; "
                                     "rep70 175.45.176.0/22; intel 175.45.176.0/22");
    expect_lists(rs, "210.52.109.7", "plain 210.52.109.0/24; rep 210.52.109.0/24; "
                                     "intel 210.52.109.7/32");
    expect_lists(rs, "2001:db8:dead::1", "plain 2001:db8::/32; intel 2001:db8:dead::1/128; "
                                         "inline 2001:db8::/32");
    CU_ASSERT_EQUAL(rw_addrlist_skipped(rw_rules_list(rs, 1)), 1);
    CU_ASSERT_EQUAL(rw_addrlist_skipped(rw_rules_list(rs, 2)), 3);
    CU_ASSERT_EQUAL(rw_addrlist_skipped(rw_rules_list(rs, 3)), 2);
    CU_ASSERT_STRING_EQUAL(rw_addrlist_category(rw_rules_list(rs, 1), 2), "DPRK");
    rw_rules_free(&rs);
}

/* --- glob and protocol names ------------------------------------------------------------ */

static void test_rules_glob_matches_shell_patterns(void)
{
    static const struct {
        const char *pat, *s;
        int want;
    } cases[] = {
        {"*.mov", "SHOT_010.MOV", 1}, {"*.mov", "shot.mov.txt", 0},
        {"video/*", "video/quicktime", 1}, {"video/*", "audio/x-wav", 0},
        {"*QuickTime*", "ISO Media, Apple QuickTime movie", 1},
        {"shot_[0-9][0-9]*", "shot_42_v3.exr", 1}, {"shot_[0-9][0-9]*", "shot_4a.exr", 0},
        {"[!a-c]x", "dx", 1}, {"[!a-c]x", "Bx", 0}, {"[^a-c]x", "cx", 0},
        {"a?c", "abc", 1}, {"a?c", "ac", 0}, {"\\*lit", "*lit", 1}, {"\\*lit", "xlit", 0},
        {"[]]", "]", 1}, {"*", "", 1}, {"", "", 1}, {"", "x", 0}, {"**a**b", "xxaxxb", 1},
        {"*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0},
        {"[abc", "a", 0}, {"x\\", "x", 0}, {"*/*", "a/b", 1}, {"[a-", "a", 0},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int got = rw_rules_glob(cases[i].pat, cases[i].s);

        if (got != cases[i].want)
            fprintf(stderr, "\nglob '%s' on '%s': got %d\n", cases[i].pat, cases[i].s, got);
        CU_ASSERT_EQUAL(got, cases[i].want);
    }
}

static int known_tls_only(void *ctx, const char *name)
{
    (*(int *)ctx)++;
    return strcmp(name, "TLS") == 0;
}

static void test_rules_check_protos_reports_names_ndpi_does_not_know(void)
{
    struct rw_ruleset *rs;
    struct rw_diag *d = rw_diag_new();
    int calls = 0;
    char line[1024];

    tmp_begin();
    tmp_write("p.yaml", "vars: {home_net: 10.0.0.0/8}\n"
                        "rules:\n"
                        "  - sid: 1\n"
                        "    msg: m\n"
                        "    level: flow\n"
                        "    match: {proto: [TLS, Encrypted, Telnett, vpn]}\n");
    rs = load_ok(tmp_path("p.yaml"), NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    CU_ASSERT_EQUAL(rw_rules_check_protos(rs, known_tls_only, &calls, d), RW_EPARSE);
    CU_ASSERT_EQUAL(calls, 2);   /* family words are not asked about */
    CU_ASSERT_EQUAL(rw_diag_count(d), 1);
    snprintf(line, sizeof(line), "%s:6:37: expected a protocol nDPI knows or one of encrypted, "
             "cleartext, file_transfer, remote_access, vpn, found 'Telnett'", tmp_path("p.yaml"));
    CU_ASSERT_STRING_EQUAL(rw_diag_line(d, 0), line);
    rw_rules_free(&rs);
    rw_diag_free(&d);
    tmp_end();
}

/* --- the catalogue of bad inputs -------------------------------------------------------- */

/* Reads an .expect file into lines (at most max), "../bad/" being the catalogue root. */
static size_t read_expect(const char *path, char lines[][RW_DIAG_LINE_MAX_BYTES], size_t max)
{
    FILE *f = fopen(path, "r");
    size_t n = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    while (n < max && fgets(lines[n], RW_DIAG_LINE_MAX_BYTES, f) != NULL) {
        lines[n][strcspn(lines[n], "\n")] = '\0';
        n++;
    }
    fclose(f);
    return n;
}

/* Drops every "../bad/" from a diagnostic so that .expect files name catalogue paths. */
static void strip_root(const char *in, char *out, size_t len)
{
    size_t o = 0;
    size_t rl = strlen(BAD_DIR);

    while (*in != '\0' && o + 1 < len) {
        if (strncmp(in, BAD_DIR, rl) == 0) {
            in += rl;
            continue;
        }
        out[o++] = *in++;
    }
    out[o] = '\0';
}

static int check_case(const char *name)
{
    static char want[64][RW_DIAG_LINE_MAX_BYTES];
    char path[256], expect[256], got[RW_DIAG_LINE_MAX_BYTES];
    struct rw_diag *d = rw_diag_new();
    struct rw_ruleset *rs;
    size_t base = strlen(name), n;
    int err = -100, ok = 1;

    if (base > 5 && strcmp(name + base - 5, ".yaml") == 0)
        base -= 5;
    snprintf(path, sizeof(path), BAD_DIR "%s", name);
    snprintf(expect, sizeof(expect), BAD_DIR "%.*s.expect", (int)base, name);
    n = read_expect(expect, want, 64);
    rs = rw_rules_load(path, NULL, 0, d, &err);
    if (rs != NULL || err != RW_EPARSE || n == 0 || rw_diag_count(d) != n)
        ok = 0;
    for (size_t i = 0; i < n || rw_diag_line(d, i) != NULL; i++) {
        const char *line = rw_diag_line(d, i);

        if (line != NULL)
            strip_root(line, got, sizeof(got));
        if (line == NULL || i >= n || strcmp(got, want[i]) != 0) {
            fprintf(stderr, "\n%s line %zu:\n  got  %s\n  want %s", name, i,
                    line == NULL ? "(none)" : got, i < n ? want[i] : "(none)");
            ok = 0;
        }
    }
    rw_rules_free(&rs);
    rw_diag_free(&d);
    return ok;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void test_rules_bad_catalogue_gives_exact_messages(void)
{
    DIR *dir;
    struct dirent *e;
    char *names[128];
    size_t n = 0, failed = 0;

    RW_NEED_FILE(BAD_DIR "top-unknown-key.yaml");
    dir = opendir(BAD_DIR);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    for (e = readdir(dir); e != NULL && n < 128; e = readdir(dir)) {
        size_t len = strlen(e->d_name);

        if ((len > 5 && strcmp(e->d_name + len - 5, ".yaml") == 0) ||
            (strncmp(e->d_name, "dir-", 4) == 0 && strchr(e->d_name, '.') == NULL))
            names[n++] = strdup(e->d_name);
    }
    closedir(dir);
    qsort(names, n, sizeof(names[0]), name_cmp);
    for (size_t i = 0; i < n; i++) {
        if (!check_case(names[i]))
            failed++;
        free(names[i]);
    }
    /* Every case has an .expect file; a case that disappears is noticed here. */
    CU_ASSERT_EQUAL(n, 37);
    CU_ASSERT_EQUAL(failed, 0);
}

/* --- out of memory ---------------------------------------------------------------------- */

/* Every allocation of loading the default set fails in turn: the load returns RW_ENOMEM
 * with no diagnostics, never crashes or leaks (ASan), and the walk ends with a clean load. */
static void test_rules_oom_walk_over_default_rules(void)
{
    static const char *const sets[] = {"home_net=10.0.0.0/8,fd00::/8"};
    unsigned long n;
    unsigned long failures_seen = 0;

    RW_NEED_FILE(RULES_DIR "/reelwatch.yaml");
    for (n = 1; n < 20000; n++) {
        struct rw_diag *d = rw_diag_new();
        struct rw_ruleset *rs;
        int err = -100;

        rw_alloc_hook_set(n);
        rs = rw_rules_load(RULES_DIR, sets, 1, d, &err);
        if (rw_alloc_hook_failures() == 0) {
            rw_alloc_hook_set(0);
            CU_ASSERT_PTR_NOT_NULL(rs);
            CU_ASSERT_EQUAL(err, 0);
            expect_summary(rs, "6 rules, 2 lists (4 prefixes), 9 type groups");
            rw_rules_free(&rs);
            rw_diag_free(&d);
            break;
        }
        rw_alloc_hook_set(0);
        failures_seen++;
        CU_ASSERT_PTR_NULL(rs);
        CU_ASSERT_EQUAL(err, RW_ENOMEM);
        if (rw_diag_count(d) != 0) {
            fprintf(stderr, "\nOOM at allocation %lu left a diagnostic:", n);
            print_diag(d);
        }
        CU_ASSERT_EQUAL(rw_diag_count(d), 0);
        rw_rules_free(&rs);
        rw_diag_free(&d);
    }
    CU_ASSERT(failures_seen > 10);
    CU_ASSERT(n < 20000);
}

static CU_TestInfo rules_tests[] = {
    {"test_rules_default_set_loads_with_exact_summary",
     test_rules_default_set_loads_with_exact_summary},
    {"test_rules_default_groups_cover_every_studio_format",
     test_rules_default_groups_cover_every_studio_format},
    {"test_rules_types_of_name_matches_every_tail", test_rules_types_of_name_matches_every_tail},
    {"test_rules_set_overrides_home_net", test_rules_set_overrides_home_net},
    {"test_rules_set_reports_every_bad_setting", test_rules_set_reports_every_bad_setting},
    {"test_rules_set_alone_defines_home_net_for_an_empty_file",
     test_rules_set_alone_defines_home_net_for_an_empty_file},
    {"test_rules_directory_of_two_files_shares_names",
     test_rules_directory_of_two_files_shares_names},
    {"test_rules_duplicate_sid_across_files_is_refused",
     test_rules_duplicate_sid_across_files_is_refused},
    {"test_rules_refuses_missing_path_and_empty_directory",
     test_rules_refuses_missing_path_and_empty_directory},
    {"test_rules_refuses_oversized_file_and_too_many_nodes",
     test_rules_refuses_oversized_file_and_too_many_nodes},
    {"test_rules_compiles_every_field", test_rules_compiles_every_field},
    {"test_rules_lookup_reports_each_list_with_its_longest_prefix",
     test_rules_lookup_reports_each_list_with_its_longest_prefix},
    {"test_rules_loads_every_list_file_format", test_rules_loads_every_list_file_format},
    {"test_rules_glob_matches_shell_patterns", test_rules_glob_matches_shell_patterns},
    {"test_rules_check_protos_reports_names_ndpi_does_not_know",
     test_rules_check_protos_reports_names_ndpi_does_not_know},
    {"test_rules_bad_catalogue_gives_exact_messages",
     test_rules_bad_catalogue_gives_exact_messages},
    {"test_rules_oom_walk_over_default_rules", test_rules_oom_walk_over_default_rules},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rw_suites_rules[] = {
    {"rules", NULL, NULL, NULL, NULL, rules_tests},
    CU_SUITE_INFO_NULL,
};
