/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_rw_magic.c — file typing: samples, extension mismatch, prefilter, bad magic, OOM. */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rw.h"
#include "rw_magic.h"
#include "rw_rules.h"
#include "rw_test.h"

/* Private to rw_magic.c, visible in test builds (RW_TESTABLE). */
void rw__magic_libmagic(struct rw_magic *m, const uint8_t *buf, size_t len,
                        struct rw_filetype *out);

#define STUDIO_MAGIC "../../rules/studio.magic"
#define RULES_DIR "../../rules"
#define FILES_DIR "../data/files/"
#define SAMPLE_MAX 2048

static struct rw_magic *suite_magic;

static int suite_init(void)
{
    struct rw_diag *d = rw_diag_new();
    int err = -100;

    suite_magic = rw_magic_new(STUDIO_MAGIC, d, &err);
    if (suite_magic == NULL)
        for (size_t i = 0; rw_diag_line(d, i) != NULL; i++)
            fprintf(stderr, "\n  magic: %s", rw_diag_line(d, i));
    rw_diag_free(&d);
    return suite_magic == NULL ? 1 : 0;
}

static int suite_cleanup(void)
{
    rw_magic_free(&suite_magic);
    return 0;
}

/* Reads tests/data/files/name into buf; returns its length. Fails the test if absent. */
static size_t read_sample(const char *name, uint8_t *buf, size_t cap)
{
    char path[256];
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), FILES_DIR "%s", name);
    if (access(path, R_OK) != 0) {
        fprintf(stderr, "\nMISSING sample %s (run tests/data/files/make.py)\n", path);
        CU_FAIL("required sample file is absent");
        return 0;
    }
    f = fopen(path, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

static uint64_t libmagic_calls(void)
{
    struct rw_magic_stats st;

    rw_magic_stats(suite_magic, &st);
    return st.libmagic_calls;
}

/*
 * Every sample, with what libmagic says given the sample's bytes as a buffer, the studio
 * magic file first. These equal `file -b` and `file -b --mime-type` with
 * -m rules/studio.magic:/usr/share/misc/magic except where noted: file(1) reads a file,
 * so it adds gzip's trailing size and ELF section details, which a buffer of first bytes
 * cannot give; reelwatch cuts the MIME type at ',' and the description at 127 bytes, and
 * hands libmagic an MXF from its key on (file says "data" after a run-in).
 */
static const struct {
    const char *name, *mime, *desc, *ext, *groups;
} samples[] = {
    /* Video */
    {"movie_ftyp.mov", "video/quicktime",
     "ISO Media, Apple QuickTime movie, Apple QuickTime (.MOV/QT)", "mov", "video"},
    {"movie_wide.mov", "video/quicktime", "Apple QuickTime movie (unoptimized)", "mov", "video"},
    {"movie_free.mov", "video/quicktime", "Apple QuickTime movie (fast start)", "mov", "video"},
    {"clip.mp4", "video/mp4", "ISO Media, MP4 Base Media v1 [ISO 14496-12:2003]", "mp4", "video"},
    {"essence.mxf", "application/mxf", "Material exchange container format", "mxf", "video"},
    {"essence_runin.mxf", "application/mxf", "Material exchange container format", "mxf",
     "video"},
    {"movie.avi", "video/x-msvideo", "RIFF (little-endian) data, AVI, 16 x 16, 25.00 fps,", "avi",
     "video"},
    {"movie.mkv", "video/x-matroska", "Matroska data", "mkv", "video"},
    {"movie.webm", "video/webm", "WebM", "webm", "video"},
    {"frame.prores", "video/x-prores", "Apple ProRes video frame, 1920 x 1080", "prores",
     "video"},
    {"banner.swf", "application/x-shockwave-flash", "Macromedia Flash data, version 10", "swf",
     "video"},
    /* Images and frames */
    {"still.png", "image/png", "PNG image data, 16 x 16, 8-bit/color RGB, non-interlaced", "png",
     "image"},
    {"still.jpg", "image/jpeg",
     "JPEG image data, JFIF standard 1.01, aspect ratio, density 1x1, segment length 16, "
     "baseline, precision 8, 16x16, components 3", "jpg", "image"},
    {"still.gif", "image/gif", "GIF image data, version 89a, 16 x 16", "gif", "image"},
    {"frame.tif", "image/tiff",
     "TIFF image data, little-endian, direntries=8, height=16, bps=8, compression=none, "
     "PhotometricInterpretation=RGB, width=16", "tif", "image image_sequence"},
    {"frame_big.tif", "image/tiff", "Big TIFF image data, little-endian", "tif",
     "image image_sequence"},
    {"frame.exr", "image/x-exr",
     "OpenEXR image data, version 2, storage: scanline, compression: zip, dataWindow: "
     "(0 0)-(15 15), displayWindow: (0 0)-(15 15), li", "exr", "image image_sequence"},
    {"frame.dpx", "image/x-dpx", "DPX image data, big-endian, 16x16, left to right/top to bottom",
     "dpx", "image image_sequence"},
    {"frame.cin", "application/octet-stream", "Cineon image data", "cin", "image_sequence"},
    {"paint.psd", "image/vnd.adobe.photoshop",
     "Adobe Photoshop Image, 16 x 16, RGB, 3x 8-bit channels", "psd", "image project"},
    {"paint_big.psb", "image/vnd.adobe.photoshop",
     "Adobe Photoshop Image (PSB), 16 x 16, RGB, 3x 8-bit channels", "psb", "image project"},
    /* Projects and scenes: the studio magic file names all but .prproj */
    {"comp.aep", "application/x-aftereffects-project", "Adobe After Effects project", "aep",
     "project"},
    {"page.clip", "application/x-clip-studio-paint", "CLIP STUDIO PAINT document", "clip",
     "project"},
    {"anim.tvpp", "application/x-tvpaint-project", "TVPaint Animation project", "tvpp",
     "project"},
    {"scene.xstage", "application/x-toonboom-harmony",
     "Toon Boom Harmony scene, version 21.1.0, ASCII text", "xstage", "project"},
    {"comp.nk", "text/x-nuke", "Nuke script, version 13.2 v5, ASCII text", "nk", "project"},
    {"paint.kra", "application/x-krita", "Krita document", "kra", "project"},
    {"paint.ora", "image/openraster", "OpenRaster image", "ora", "image project"},
    {"edit.prproj", "application/gzip", "gzip compressed data, max compression, from Unix",
     "prproj", "archive"},
    {"rig64.mb", "model/x-maya-binary", "Alias Maya Binary File, 64-bit", "mb", "3d"},
    {"rig32.mb", "application/octet-stream", "Alias Maya Binary File, version 2020 scene", "mb",
     "3d"},
    {"rig.ma", "text/plain", "Alias Maya Ascii File, version 2022 scene, ASCII text", "ma", "3d"},
    {"cache.abc", "model/x-alembic", "Alembic Ogawa cache", "abc", "3d"},
    {"set.c4d", "model/x-cinema4d", "Maxon Cinema 4D scene", "c4d", "3d"},
    {"prop.usdz", "model/vnd.usdz+zip", "USDZ package, USD crate layer first", "usdz", "3d"},
    {"prop.usdc", "application/octet-stream", "USD crate, version 0.8.0", "usdc", "3d"},
    {"prop.usda", "text/plain", "USD ASCII, version 1.0", "usda", "3d"},
    {"scene.blend", "application/x-blender",
     "Blender3D, saved as 64-bits little endian with version 2.93", "blend", "3d"},
    {"model.fbx", "application/octet-stream", "Kaydara FBX model, version 7400", "fbx", "3d"},
    /* Archives */
    {"bundle.zip", "application/zip",
     "Zip archive data, at least v2.0 to extract, compression method=deflate", "zip", "archive"},
    {"bundle4.rar", "application/x-rar", "RAR archive data", "rar", "archive"},
    {"bundle5.rar", "application/x-rar", "RAR archive data, v5", "rar", "archive"},
    {"bundle.7z", "application/x-7z-compressed", "7-zip archive data, version 0.4", "7z",
     "archive"},
    {"bundle.tar", "application/x-tar", "POSIX tar archive", "tar", "archive"},
    {"bundle.gz", "application/gzip", "gzip compressed data, max compression, from Unix", "gz",
     "archive"},
    {"bundle.xz", "application/x-xz", "XZ compressed data, checksum CRC64", "xz", "archive"},
    {"bundle.bz2", "application/x-bzip2", "bzip2 compressed data, block size = 900k", "bz2",
     "archive"},
    {"bundle.zst", "application/zstd", "Zstandard compressed data (v0.8+), Dictionary ID: None",
     "zst", "archive"},
    /* Audio, documents, executables */
    {"mix.wav", "audio/x-wav",
     "RIFF (little-endian) data, WAVE audio, Microsoft PCM, 16 bit, stereo 48000 Hz", "wav",
     "audio"},
    {"mix.mp3", "audio/mpeg",
     "Audio file with ID3 version 2.3.0, contains: MPEG ADTS, layer III, v1, 128 kbps, "
     "44.1 kHz, JntStereo", "mp3", "audio"},
    {"mix.flac", "audio/flac", "FLAC audio bitstream data, 24 bit, stereo, 48 kHz, length unknown",
     "flac", "audio"},
    {"script.pdf", "application/pdf", "PDF document, version 1.7, 0 pages", "pdf", "document"},
    {"budget.doc", "application/x-ole-storage",
     "Composite Document File V2 Document, Can't read SAT", "doc", "document"},
    {"tool.elf", "application/x-executable", "ELF 64-bit LSB executable, x86-64, version 1 (SYSV)",
     "elf", "executable"},
    {"tool.exe", "application/vnd.microsoft.portable-executable",
     "PE32+ executable (console) x86-64, for MS Windows", "exe", "executable"},
    {"tool.macho", "application/x-mach-binary",
     "Mach-O 64-bit x86_64 executable, flags:<NOUNDEFS|DYLDLINK|TWOLEVEL|PIE>", "macho",
     "executable"},
};

#define NSAMPLES (sizeof(samples) / sizeof(samples[0]))

const char *rw__magic_known_mime(const char *desc);

/* Samples whose description is in rw_magic's known-MIME table: each gets that MIME type
 * without a second libmagic walk, and it must be the one libmagic gives. */
static size_t known_mime_samples(void)
{
    size_t n = 0;

    for (size_t i = 0; i < NSAMPLES; i++) {
        const char *mime = rw__magic_known_mime(samples[i].desc);

        if (mime == NULL)
            continue;
        CU_ASSERT_STRING_EQUAL(mime, samples[i].mime);
        n++;
    }
    return n;
}

static void test_magic_known_mime_table_matches_whole_words_only(void)
{
    CU_ASSERT_EQUAL(known_mime_samples(), 19); /* 3 MOV, PNG, JPEG, GIF, 2 TIFF, EXR, DPX,
                                                * 2 PSD, ZIP, PDF, 2 MXF, xstage, nk, blend */
    CU_ASSERT_STRING_EQUAL(rw__magic_known_mime("PNG image data"), "image/png");
    CU_ASSERT_STRING_EQUAL(rw__magic_known_mime("Apple QuickTime movie (fast start)"),
                           "video/quicktime");
    CU_ASSERT_PTR_NULL(rw__magic_known_mime("PNG image datum"));
    CU_ASSERT_PTR_NULL(rw__magic_known_mime("PNG image"));
    CU_ASSERT_PTR_NULL(rw__magic_known_mime("Zip archive datax"));
    CU_ASSERT_PTR_NULL(rw__magic_known_mime(""));
    CU_ASSERT_PTR_NULL(rw__magic_known_mime("RIFF (big-endian) data, WAVE audio"));
    CU_ASSERT_PTR_NULL(rw__magic_known_mime("Blender3D BPython script"));
}

static void test_magic_types_every_sample_exactly(void)
{
    static uint8_t buf[SAMPLE_MAX];
    struct rw_filetype ft;
    uint64_t before = libmagic_calls();

    CU_ASSERT_EQUAL(NSAMPLES, 56);   /* one per file make.py writes */
    for (size_t i = 0; i < NSAMPLES; i++) {
        size_t n = read_sample(samples[i].name, buf, sizeof(buf));

        CU_ASSERT_EQUAL_FATAL(rw_magic_identify(suite_magic, buf, n, samples[i].name, &ft), 0);
        if (strcmp(ft.mime, samples[i].mime) != 0 || strcmp(ft.desc, samples[i].desc) != 0)
            fprintf(stderr, "\n  %s: got '%s' / '%s'", samples[i].name, ft.mime, ft.desc);
        CU_ASSERT_STRING_EQUAL(ft.mime, samples[i].mime);
        CU_ASSERT_STRING_EQUAL(ft.desc, samples[i].desc);
        CU_ASSERT_STRING_EQUAL(ft.ext, samples[i].ext);
        CU_ASSERT_EQUAL(ft.flags, 0);   /* libmagic was asked; the extensions fit */
    }
    /* One walk for descriptions whose MIME type their entry fixes, two for the others;
     * the expected MIME types above were written from libmagic's own MIME answers, so
     * they also check the shortcut's table. */
    CU_ASSERT_EQUAL(libmagic_calls() - before, 2 * NSAMPLES - known_mime_samples());
}

/* The sample's bytes alone (no file name) put it in the expected type groups of the
 * default rule set: the studio descriptions and MIME types say what the groups look for. */
static void test_magic_sample_types_land_in_the_default_type_groups(void)
{
    static uint8_t buf[SAMPLE_MAX];
    struct rw_diag *d = rw_diag_new();
    struct rw_ruleset *rs;
    struct rw_filetype ft;
    int err = -100;

    RW_NEED_FILE(RULES_DIR "/reelwatch.yaml");
    rs = rw_rules_load(RULES_DIR, NULL, 0, d, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    for (size_t i = 0; i < NSAMPLES; i++) {
        size_t n = read_sample(samples[i].name, buf, sizeof(buf));
        uint64_t want = 0, got;

        for (const char *p = samples[i].groups; *p != '\0';) {
            size_t len = strcspn(p, " ");
            size_t g;

            for (g = 0; g < rw_rules_group_count(rs); g++)
                if (strlen(rw_rules_group(rs, g)->name) == len &&
                    memcmp(rw_rules_group(rs, g)->name, p, len) == 0)
                    break;
            CU_ASSERT_FATAL(g < rw_rules_group_count(rs));
            want |= 1ULL << g;
            p += len + (p[len] == ' ');
        }
        CU_ASSERT_EQUAL_FATAL(rw_magic_identify(suite_magic, buf, n, NULL, &ft), 0);
        got = rw_rules_types_of(rs, ft.mime, ft.desc, NULL);
        if (got != want)
            fprintf(stderr, "\n  %s: groups 0x%llx, want 0x%llx (%s)", samples[i].name,
                    (unsigned long long)got, (unsigned long long)want, samples[i].groups);
        CU_ASSERT_EQUAL(got, want);
    }
    rw_rules_free(&rs);
    rw_diag_free(&d);
}

/* Identifies the sample's bytes under another name. */
static struct rw_filetype as_named(const char *sample, const char *name)
{
    static uint8_t buf[SAMPLE_MAX];
    struct rw_filetype ft;
    size_t n = read_sample(sample, buf, sizeof(buf));

    memset(&ft, 0x55, sizeof(ft));
    CU_ASSERT_EQUAL(rw_magic_identify(suite_magic, buf, n, name, &ft), 0);
    return ft;
}

static void test_magic_flags_extension_that_contradicts_the_bytes(void)
{
    struct rw_magic_stats before, after;
    struct rw_filetype ft;

    rw_magic_stats(suite_magic, &before);
    ft = as_named("paint.psd", "holiday/notes.txt");         /* PSD bytes named .txt */
    CU_ASSERT_STRING_EQUAL(ft.ext, "txt");
    CU_ASSERT_STRING_EQUAL(ft.mime, "image/vnd.adobe.photoshop");
    CU_ASSERT_EQUAL(ft.flags, RW_FT_EXT_MISMATCH);
    ft = as_named("bundle.zip", "C:\\Users\\a\\report.JPG");  /* ZIP named .jpg */
    CU_ASSERT_STRING_EQUAL(ft.ext, "jpg");
    CU_ASSERT_EQUAL(ft.flags, RW_FT_EXT_MISMATCH);
    ft = as_named("cache.abc", "cache.zip");                 /* studio format, other name */
    CU_ASSERT_EQUAL(ft.flags, RW_FT_EXT_MISMATCH);
    ft = as_named("comp.nk", "/tmp/readme.txt");             /* a Nuke script is known too */
    CU_ASSERT_EQUAL(ft.flags, RW_FT_EXT_MISMATCH);
    ft = as_named("rig32.mb", "rig.ma");                     /* keyed by description */
    CU_ASSERT_EQUAL(ft.flags, RW_FT_EXT_MISMATCH);
    rw_magic_stats(suite_magic, &after);
    CU_ASSERT_EQUAL(after.ext_mismatches - before.ext_mismatches, 5);
}

static void test_magic_accepts_usual_extensions_of_the_format(void)
{
    struct rw_magic_stats before, after;
    struct rw_filetype ft;

    rw_magic_stats(suite_magic, &before);
    ft = as_named("paint.psd", "PAINT.PSD");                 /* case is ignored */
    CU_ASSERT_STRING_EQUAL(ft.ext, "psd");
    CU_ASSERT_EQUAL(ft.flags, 0);
    ft = as_named("paint.psd", "paint.psb");                 /* PSB is the same signature */
    CU_ASSERT_EQUAL(ft.flags, 0);
    ft = as_named("paint.kra", "paint.kra");                 /* a ZIP that is Krita */
    CU_ASSERT_STRING_EQUAL(ft.mime, "application/x-krita");
    CU_ASSERT_EQUAL(ft.flags, 0);
    ft = as_named("bundle.zip", "deck.docx");                /* formats built on ZIP */
    CU_ASSERT_EQUAL(ft.flags, 0);
    ft = as_named("bundle.zip", "old_scene.fla");
    CU_ASSERT_EQUAL(ft.flags, 0);
    ft = as_named("edit.prproj", "edit.prproj");             /* Premiere is gzip */
    CU_ASSERT_EQUAL(ft.flags, 0);
    ft = as_named("budget.doc", "scene.max");                /* 3ds Max is OLE2 */
    CU_ASSERT_EQUAL(ft.flags, 0);
    ft = as_named("bundle.7z", "shots.7z.001");              /* split archive part */
    CU_ASSERT_STRING_EQUAL(ft.ext, "001");
    CU_ASSERT_EQUAL(ft.flags, 0);
    ft = as_named("tool.elf", "libfoo.so.1");                /* versioned library */
    CU_ASSERT_EQUAL(ft.flags, 0);
    ft = as_named("tool.elf", "tool");                       /* no extension */
    CU_ASSERT_STRING_EQUAL(ft.ext, "");
    CU_ASSERT_EQUAL(ft.flags, 0);
    ft = as_named("tool.elf", NULL);
    CU_ASSERT_STRING_EQUAL(ft.ext, "");
    CU_ASSERT_EQUAL(ft.flags, 0);
    ft = as_named("scene.xstage", "scene.xml");              /* xstage is known: mismatch */
    CU_ASSERT_EQUAL(ft.flags, RW_FT_EXT_MISMATCH);
    rw_magic_stats(suite_magic, &after);
    CU_ASSERT_EQUAL(after.ext_mismatches - before.ext_mismatches, 1);
}

static void test_magic_extension_is_last_component_lowercased(void)
{
    static const struct {
        const char *name, *ext;
    } cases[] = {
        {"a/b.dir/file", ""},            /* the dot is in a directory name */
        {"a\\b.dir\\Shot.MOV", "mov"},   /* Windows separators */
        {".psd", ""},                    /* a hidden file, not an extension */
        {"archive.tar.gz", "gz"},
        {"trailing.", ""},
        {"x.abcdefghijklmno", "abcdefghijklmno"},  /* 15 bytes: kept */
        {"x.abcdefghijklmnop", ""},                /* 16 bytes: too long */
        {"x.mov?dl=1", ""},              /* not an extension character */
        {"x.c++", "c++"},
        {"x.tar_v2-1", "tar_v2-1"},
    };
    /* "plain ascii\n" bytes: prefiltered text, so no libmagic call is needed here. */
    static const uint8_t text[] = "plain ascii\n";
    struct rw_filetype ft;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CU_ASSERT_EQUAL(rw_magic_identify(suite_magic, text, sizeof(text) - 1, cases[i].name,
                                          &ft), 0);
        if (strcmp(ft.ext, cases[i].ext) != 0)
            fprintf(stderr, "\n  %s: ext '%s'", cases[i].name, ft.ext);
        CU_ASSERT_STRING_EQUAL(ft.ext, cases[i].ext);
        CU_ASSERT_EQUAL(ft.flags, RW_FT_PREFILTERED);   /* text never mismatches */
    }
}

/* A fixed pseudo-random byte pattern, no signature at any offset the table checks. */
static void fill_noise(uint8_t *buf, size_t n, uint32_t seed)
{
    uint32_t x = seed;

    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
}

static void test_magic_skips_libmagic_for_data_matching_no_prefix(void)
{
    static uint8_t noise[RW_MAGIC_WANT_BYTES];
    struct rw_magic_stats before, after;
    struct rw_filetype ft;
    /* "scene notes: v003 approved\r\n": printable ASCII with CR LF */
    static const uint8_t ascii[] = "scene notes: v003 approved\r\n";
    /* "caf\xc3\xa9 \xe2\x82\xac": "café €" in UTF-8 (2- and 3-byte sequences) */
    static const uint8_t utf8[] = "caf\xc3\xa9 \xe2\x82\xac";
    /* "ab\xc0\x80": an overlong NUL, invalid UTF-8 */
    static const uint8_t overlong[] = "ab\xc0\x80";
    /* "ab\xed\xa0\x80": a UTF-16 surrogate encoded in UTF-8, invalid */
    static const uint8_t surrogate[] = "ab\xed\xa0\x80";
    /* "ab\x00cd": a NUL makes it binary */
    static const uint8_t nul[] = "ab\x00" "cd";

    fill_noise(noise, sizeof(noise), 7);
    rw_magic_stats(suite_magic, &before);
    CU_ASSERT_EQUAL(rw_magic_identify(suite_magic, noise, sizeof(noise), "x.psd", &ft), 0);
    CU_ASSERT_STRING_EQUAL(ft.mime, "application/octet-stream");
    CU_ASSERT_STRING_EQUAL(ft.desc, "data");
    CU_ASSERT_EQUAL(ft.flags, RW_FT_PREFILTERED);   /* unknown bytes never mismatch */
    CU_ASSERT_EQUAL(rw_magic_identify(suite_magic, ascii, sizeof(ascii) - 1, NULL, &ft), 0);
    CU_ASSERT_STRING_EQUAL(ft.mime, "text/plain");
    CU_ASSERT_STRING_EQUAL(ft.desc, "ASCII text");
    CU_ASSERT_EQUAL(ft.flags, RW_FT_PREFILTERED);
    CU_ASSERT_EQUAL(rw_magic_identify(suite_magic, utf8, sizeof(utf8) - 1, NULL, &ft), 0);
    CU_ASSERT_STRING_EQUAL(ft.mime, "text/plain");
    CU_ASSERT_STRING_EQUAL(ft.desc, "Unicode text, UTF-8 text");
    /* A sequence cut by the end of the buffer: "caf\xc3" is still text. */
    CU_ASSERT_EQUAL(rw_magic_identify(suite_magic, utf8, 4, NULL, &ft), 0);
    CU_ASSERT_STRING_EQUAL(ft.desc, "Unicode text, UTF-8 text");
    CU_ASSERT_EQUAL(rw_magic_identify(suite_magic, overlong, sizeof(overlong) - 1, NULL, &ft), 0);
    CU_ASSERT_STRING_EQUAL(ft.desc, "data");
    CU_ASSERT_EQUAL(rw_magic_identify(suite_magic, surrogate, sizeof(surrogate) - 1, NULL, &ft),
                    0);
    CU_ASSERT_STRING_EQUAL(ft.desc, "data");
    CU_ASSERT_EQUAL(rw_magic_identify(suite_magic, nul, sizeof(nul) - 1, NULL, &ft), 0);
    CU_ASSERT_STRING_EQUAL(ft.desc, "data");
    CU_ASSERT_EQUAL(rw_magic_identify(suite_magic, NULL, 0, "empty.mov", &ft), 0);
    CU_ASSERT_STRING_EQUAL(ft.mime, "application/x-empty");
    CU_ASSERT_STRING_EQUAL(ft.desc, "empty");
    CU_ASSERT_STRING_EQUAL(ft.ext, "mov");
    CU_ASSERT_EQUAL(ft.flags, RW_FT_PREFILTERED);
    rw_magic_stats(suite_magic, &after);
    CU_ASSERT_EQUAL(after.libmagic_calls, before.libmagic_calls);
    CU_ASSERT_EQUAL(after.calls - before.calls, 8);
    CU_ASSERT_EQUAL(after.prefiltered - before.prefiltered, 8);
}

static void test_magic_sends_text_formats_and_candidates_to_libmagic(void)
{
    struct rw_filetype ft;
    uint64_t before = libmagic_calls();
    /* "#!/bin/sh\necho ok\n": a script; "#!" is a candidate (Nuke scripts start so) */
    static const uint8_t sh[] = "#!/bin/sh\necho ok\n";
    /* "<?xml version=\"1.0\"?>\n<a/>\n": XML without a Harmony root */
    static const uint8_t xml[] = "<?xml version=\"1.0\"?>\n<a/>\n";
    /* RIFX, size 16 big-endian, form "WAVE": a big-endian RIFF that is not After Effects */
    static const uint8_t rifx[] = "RIFX\x00\x00\x00\x10WAVEfmt ";
    uint8_t vdb[64];

    CU_ASSERT_EQUAL(rw_magic_identify(suite_magic, sh, sizeof(sh) - 1, "run.sh", &ft), 0);
    CU_ASSERT_STRING_EQUAL(ft.mime, "text/x-shellscript");
    CU_ASSERT_STRING_EQUAL(ft.desc, "POSIX shell script, ASCII text executable");
    CU_ASSERT_EQUAL(ft.flags, 0);
    CU_ASSERT_EQUAL(rw_magic_identify(suite_magic, xml, sizeof(xml) - 1, "a.xml", &ft), 0);
    CU_ASSERT_STRING_EQUAL(ft.mime, "text/xml");
    CU_ASSERT_STRING_EQUAL(ft.desc, "XML 1.0 document, ASCII text");
    CU_ASSERT_EQUAL(ft.flags, 0);
    /* The studio entry does not hide the stock one. */
    CU_ASSERT_EQUAL(rw_magic_identify(suite_magic, rifx, sizeof(rifx) - 1, "a.rifx", &ft), 0);
    CU_ASSERT_STRING_EQUAL(ft.mime, "application/octet-stream");
    CU_ASSERT_STRING_EQUAL(ft.desc, "RIFF (big-endian) data, WAVE audio");
    CU_ASSERT_EQUAL(libmagic_calls() - before, 6);
    /* The OpenVDB prefix (20 42 44 56) then noise: a candidate libmagic calls "data", so the
     * MIME call is saved. */
    fill_noise(vdb, sizeof(vdb), 5);
    memcpy(vdb, "\x20\x42\x44\x56", 4);
    CU_ASSERT_EQUAL(rw_magic_identify(suite_magic, vdb, sizeof(vdb), "x.vdb", &ft), 0);
    CU_ASSERT_STRING_EQUAL(ft.mime, "application/octet-stream");
    CU_ASSERT_STRING_EQUAL(ft.desc, "data");
    CU_ASSERT_EQUAL(ft.flags, 0);
    CU_ASSERT_EQUAL(libmagic_calls() - before, 7);
}

static void test_magic_finds_mxf_key_after_at_most_64k_of_runin(void)
{
    static uint8_t buf[RW_MAGIC_MAX_BYTES + 64];
    uint8_t key[64];
    size_t klen = read_sample("essence.mxf", key, sizeof(key));
    struct rw_filetype ft;
    uint64_t before = libmagic_calls();

    CU_ASSERT_EQUAL_FATAL(klen, 64);
    /* 65536 bytes of "x" run-in, then the partition pack: found (run-in may be 64 KiB). */
    memset(buf, 'x', sizeof(buf));
    memcpy(buf + 65536, key, 16);
    CU_ASSERT_EQUAL(rw_magic_identify(suite_magic, buf, 65536 + 16, "a.mxf", &ft), 0);
    CU_ASSERT_STRING_EQUAL(ft.mime, "application/mxf");
    CU_ASSERT_STRING_EQUAL(ft.desc, "Material exchange container format");
    CU_ASSERT_EQUAL(ft.flags, 0);
    /* One byte more of run-in: not an MXF (and all 'x' before it: text). */
    memset(buf, 'x', sizeof(buf));
    memcpy(buf + 65537, key, 16);
    CU_ASSERT_EQUAL(rw_magic_identify(suite_magic, buf, 65537 + 16, "a.mxf", &ft), 0);
    CU_ASSERT_STRING_EQUAL(ft.desc, "ASCII text");
    CU_ASSERT_EQUAL(ft.flags, RW_FT_PREFILTERED);
    /* Key cut short by the end of the buffer: no match. */
    memset(buf, 0, 300);
    memcpy(buf + 256, key, 10);
    CU_ASSERT_EQUAL(rw_magic_identify(suite_magic, buf, 266, NULL, &ft), 0);
    CU_ASSERT_STRING_EQUAL(ft.desc, "data");
    /* Only the MXF reached libmagic, and took one walk: its entry fixes its MIME type. */
    CU_ASSERT_EQUAL(libmagic_calls() - before, 1);
}

/* Writes text to dir/name and returns the path in buf. */
static const char *write_magic(const char *dir, const char *name, const char *text, char *buf,
                               size_t cap)
{
    FILE *f;

    snprintf(buf, cap, "%s/%s", dir, name);
    f = fopen(buf, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
    return buf;
}

/* Loads paths: must be refused with RW_EPARSE and exactly the lines of want. */
static void load_bad(const char *paths, const char *const *want, size_t nwant)
{
    struct rw_diag *d = rw_diag_new();
    int err = -100;
    struct rw_magic *m = rw_magic_new(paths, d, &err);

    CU_ASSERT_PTR_NULL(m);
    CU_ASSERT_EQUAL(err, RW_EPARSE);
    CU_ASSERT_EQUAL(rw_diag_count(d), nwant);
    for (size_t i = 0; i < nwant; i++) {
        const char *got = rw_diag_line(d, i);

        if (got == NULL || strcmp(got, want[i]) != 0)
            fprintf(stderr, "\n  got  %s\n  want %s", got ? got : "(none)", want[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(got);
        CU_ASSERT_STRING_EQUAL(got, want[i]);
    }
    rw_magic_free(&m);
    rw_diag_free(&d);
}

static void test_magic_refuses_bad_magic_files_with_exact_diags(void)
{
    char dir[] = "/tmp/rw_magic_test_XXXXXX";
    char p1[256], p2[256], p3[256], p4[256], p5[256], both[600];
    char w[4][600];
    const char *want[4] = {w[0], w[1], w[2], w[3]};

    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    /* A misspelt type: libmagic would warn on stderr and load the rest. */
    write_magic(dir, "type.magic", "0\tstrnig\tFOO\tfoo\n", p1, sizeof(p1));
    snprintf(w[0], sizeof(w[0]),
             "%s:1: expected valid magic(5), found type `strnig\\x09FOO\\x09foo' invalid", p1);
    load_bad(p1, want, 1);
    /* A bad regex on line 2 (an error libmagic keeps in magic_error). */
    write_magic(dir, "regex.magic", "0\tstring\tFOO\tfoo\n>0\tregex\t[\tbar\n", p2, sizeof(p2));
    snprintf(w[0], sizeof(w[0]), "%s:2: expected valid magic(5), found regex error 2 for `[', "
             "(Invalid regular expression)", p2);
    load_bad(p2, want, 1);
    /* An annotation without a value. */
    write_magic(dir, "mime.magic", "0\tstring\tFOO\tfoo\n!:mime\n", p3, sizeof(p3));
    snprintf(w[0], sizeof(w[0]), "%s:2: expected valid magic(5), found Bad magic entry ''", p3);
    load_bad(p3, want, 1);
    /* Two mistakes in one file: both reported, in order. */
    write_magic(dir, "two.magic",
                "0\tstrnig\tA\ta\n0\tstring\tB\tb\nxyz\tstring\tC\tc\n0\tbeshort\t1\tn %s\n", p4,
                sizeof(p4));
    snprintf(w[0], sizeof(w[0]),
             "%s:1: expected valid magic(5), found type `strnig\\x09A\\x09a' invalid", p4);
    snprintf(w[1], sizeof(w[1]),
             "%s:3: expected valid magic(5), found offset `xyz\\x09string\\x09C\\x09c' invalid",
             p4);
    snprintf(w[2], sizeof(w[2]), "%s:4: expected valid magic(5), found Printf format is not "
             "valid for type `beshort' in description `n %%s'", p4);
    load_bad(p4, want, 3);
    /* A missing file, beside the good studio file and a bad one: each bad one reported. */
    snprintf(p5, sizeof(p5), "%s/missing.magic", dir);
    snprintf(both, sizeof(both), "%s:%s:%s", STUDIO_MAGIC, p5, p1);
    snprintf(w[0], sizeof(w[0]),
             "%s: expected a readable magic file, found No such file or directory", p5);
    snprintf(w[1], sizeof(w[1]),
             "%s:1: expected valid magic(5), found type `strnig\\x09FOO\\x09foo' invalid", p1);
    load_bad(both, want, 2);
    unlink(p1);
    unlink(p2);
    unlink(p3);
    unlink(p4);
    rmdir(dir);
}

/* A magic file that loads but fails at match time ("name use count (50) exceeded") on a
 * ZIP: the typing says "data", is flagged and counted, and is not an error. */
static void test_magic_reports_libmagic_failure_as_flag_not_error(void)
{
    char dir[] = "/tmp/rw_magic_test_XXXXXX";
    char path[256];
    /* "PK\3\4" then "aaaa": a ZIP local header start, a prefix table candidate */
    static const uint8_t zip[] = "PK\x03\x04" "aaaa";
    struct rw_diag *d = rw_diag_new();
    struct rw_magic_stats st;
    struct rw_filetype ft;
    struct rw_magic *m;
    int err = -100;

    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    write_magic(dir, "loop.magic", "0\tname\tloop\n>0\tuse\tloop\n\n"
                "0\tstring\tPK\\003\\004\n>0\tuse\tloop\n", path, sizeof(path));
    m = rw_magic_new(path, d, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(rw_diag_count(d), 0);
    CU_ASSERT_EQUAL(rw_magic_identify(m, zip, sizeof(zip) - 1, "a.zip", &ft), 0);
    CU_ASSERT_STRING_EQUAL(ft.mime, "application/octet-stream");
    CU_ASSERT_STRING_EQUAL(ft.desc, "data");
    CU_ASSERT_EQUAL(ft.flags, RW_FT_MAGIC_FAILED);
    rw_magic_stats(m, &st);
    CU_ASSERT_EQUAL(st.calls, 1);
    CU_ASSERT_EQUAL(st.prefiltered, 0);
    CU_ASSERT_EQUAL(st.libmagic_calls, 1);
    CU_ASSERT_EQUAL(st.libmagic_failures, 1);
    CU_ASSERT_EQUAL(st.ext_mismatches, 0);
    rw_magic_free(&m);
    rw_diag_free(&d);
    unlink(path);
    rmdir(dir);
}

static void test_magic_loads_system_database_alone(void)
{
    static uint8_t buf[SAMPLE_MAX];
    const char *none[] = {NULL, "", "::"};   /* no extra file; empty entries are skipped */
    size_t n = read_sample("comp.aep", buf, sizeof(buf));

    for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
        struct rw_diag *d = rw_diag_new();
        int err = -100;
        struct rw_magic *m = rw_magic_new(none[i], d, &err);
        struct rw_filetype ft;

        CU_ASSERT_PTR_NOT_NULL_FATAL(m);
        CU_ASSERT_EQUAL(err, 0);
        CU_ASSERT_EQUAL(rw_diag_count(d), 0);
        /* Without the studio file, an After Effects project is only a big-endian RIFF. */
        CU_ASSERT_EQUAL(rw_magic_identify(m, buf, n, "comp.aep", &ft), 0);
        CU_ASSERT_STRING_EQUAL(ft.mime, "application/octet-stream");
        CU_ASSERT_STRING_EQUAL(ft.desc, "RIFF (big-endian) data");
        CU_ASSERT_EQUAL(ft.flags, 0);
        rw_magic_free(&m);
        CU_ASSERT_PTR_NULL(m);
        rw_diag_free(&d);
    }
    rw_magic_free(NULL);
}

/* rw_magic_new makes 4 allocations with one extra file (object, path list, path copy,
 * warning buffer): each failure gives NULL, RW_ENOMEM, no diag and no leak. */
static void test_magic_new_survives_every_allocation_failure(void)
{
    unsigned long n;

    for (n = 1; n < 100; n++) {
        struct rw_diag *d = rw_diag_new();
        int err = -100;
        struct rw_magic *m;

        CU_ASSERT_PTR_NOT_NULL_FATAL(d);
        rw_alloc_hook_set(n);
        m = rw_magic_new(STUDIO_MAGIC, d, &err);
        rw_alloc_hook_set(0);
        if (m != NULL) {
            CU_ASSERT_EQUAL(err, 0);
            rw_magic_free(&m);
            rw_diag_free(&d);
            break;
        }
        CU_ASSERT_EQUAL(err, RW_ENOMEM);
        CU_ASSERT_EQUAL(rw_diag_count(d), 0);
        rw_diag_free(&d);
    }
    CU_ASSERT_EQUAL(n, 5);
}

static void test_magic_survives_hostile_and_truncated_buffers(void)
{
    static const char *const formats[] = {"paint.psd", "still.png", "paint.kra", "prop.usdz",
                                          "bundle.tar", "frame.exr", "clip.mp4", "comp.aep",
                                          "movie_free.mov", "frame.prores", "comp.nk",
                                          "scene.xstage", "essence_runin.mxf", "tool.exe"};
    static uint8_t buf[SAMPLE_MAX];
    static uint8_t big[RW_MAGIC_MAX_BYTES * 2];
    struct rw_filetype ft;
    uint64_t before = libmagic_calls();
    uint8_t one;

    CU_ASSERT_EQUAL(rw_magic_identify(NULL, buf, 1, NULL, &ft), RW_EINVAL);
    CU_ASSERT_EQUAL(rw_magic_identify(suite_magic, buf, 1, NULL, NULL), RW_EINVAL);
    CU_ASSERT_EQUAL(rw_magic_identify(suite_magic, NULL, 1, NULL, &ft), RW_EINVAL);
    /* Every single byte: too short for any prefix, so never libmagic. */
    for (unsigned v = 0; v < 256; v++) {
        one = (uint8_t)v;
        CU_ASSERT_EQUAL(rw_magic_identify(suite_magic, &one, 1, NULL, &ft), 0);
        CU_ASSERT_EQUAL(ft.flags, RW_FT_PREFILTERED);
    }
    CU_ASSERT_EQUAL(libmagic_calls(), before);
    /* Every prefix of every length of these samples, copied to a buffer of exactly that
     * length so that ASan sees any read past it. */
    for (size_t f = 0; f < sizeof(formats) / sizeof(formats[0]); f++) {
        size_t n = read_sample(formats[f], buf, sizeof(buf));

        for (size_t len = 0; len <= n; len++) {
            uint8_t *cut = malloc(len ? len : 1);

            CU_ASSERT_PTR_NOT_NULL_FATAL(cut);
            memcpy(cut, buf, len);
            CU_ASSERT_EQUAL(rw_magic_identify(suite_magic, cut, len, formats[f], &ft), 0);
            CU_ASSERT(memchr(ft.mime, '\0', sizeof(ft.mime)) != NULL);
            CU_ASSERT(memchr(ft.desc, '\0', sizeof(ft.desc)) != NULL);
            CU_ASSERT(ft.mime[0] != '\0' && ft.desc[0] != '\0');
            free(cut);
        }
    }
    /* Longer than RW_MAGIC_MAX_BYTES: the tail is not looked at. */
    memset(big, 'a', sizeof(big));
    big[sizeof(big) - 1] = 0;
    CU_ASSERT_EQUAL(rw_magic_identify(suite_magic, big, sizeof(big), NULL, &ft), 0);
    CU_ASSERT_STRING_EQUAL(ft.desc, "ASCII text");
}

static double now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Prints the cost per call with and without the prefix table. Measures only: no assertion
 * on time, since machines and sanitizer builds differ. "libmagic" is what a typing costs
 * without the table (rw__magic_libmagic: the description call, and the MIME call unless
 * the description is "data"). */
static void test_magic_benchmark_prints_cost_per_call(void)
{
    static const char *const matching[] = {"still.png", "paint.psd", "clip.mp4", "bundle.zip",
                                            "comp.aep", "comp.nk"};
    static const size_t sizes[] = {64, RW_MAGIC_WANT_BYTES};
    static uint8_t buf[RW_MAGIC_WANT_BYTES];
    struct rw_filetype ft;
    const int loops = 200;
    double t0;
    size_t n;

    printf("\n    per call, us; matching (identify = table + libmagic):");
    for (size_t i = 0; i < sizeof(matching) / sizeof(matching[0]); i++) {
        n = read_sample(matching[i], buf, sizeof(buf));
        t0 = now_us();
        for (int k = 0; k < loops; k++)
            rw_magic_identify(suite_magic, buf, n, matching[i], &ft);
        printf(" %s %.1f;", matching[i], (now_us() - t0) / loops);
    }
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        fill_noise(buf, sizes[i], 99);
        t0 = now_us();
        for (int k = 0; k < loops; k++) {
            memset(&ft, 0, sizeof(ft));
            rw__magic_libmagic(suite_magic, buf, sizes[i], &ft);
        }
        printf("\n    non-matching %zu B: libmagic only %.1f", sizes[i], (now_us() - t0) / loops);
        CU_ASSERT_STRING_EQUAL(ft.desc, "data");
        t0 = now_us();
        for (int k = 0; k < loops * 100; k++)
            rw_magic_identify(suite_magic, buf, sizes[i], NULL, &ft);
        printf(", with the prefix table %.3f", (now_us() - t0) / (loops * 100));
        CU_ASSERT_EQUAL(ft.flags, RW_FT_PREFILTERED);
    }
    memset(buf, 'a', sizeof(buf));
    t0 = now_us();
    for (int k = 0; k < loops * 100; k++)
        rw_magic_identify(suite_magic, buf, sizeof(buf), NULL, &ft);
    printf("\n    ASCII text 4 KiB, with the prefix table %.3f\n    ",
           (now_us() - t0) / (loops * 100));
    CU_ASSERT_STRING_EQUAL(ft.desc, "ASCII text");
}

static CU_TestInfo magic_tests[] = {
    {"test_magic_types_every_sample_exactly", test_magic_types_every_sample_exactly},
    {"test_magic_known_mime_table_matches_whole_words_only",
     test_magic_known_mime_table_matches_whole_words_only},
    {"test_magic_sample_types_land_in_the_default_type_groups",
     test_magic_sample_types_land_in_the_default_type_groups},
    {"test_magic_flags_extension_that_contradicts_the_bytes",
     test_magic_flags_extension_that_contradicts_the_bytes},
    {"test_magic_accepts_usual_extensions_of_the_format",
     test_magic_accepts_usual_extensions_of_the_format},
    {"test_magic_extension_is_last_component_lowercased",
     test_magic_extension_is_last_component_lowercased},
    {"test_magic_skips_libmagic_for_data_matching_no_prefix",
     test_magic_skips_libmagic_for_data_matching_no_prefix},
    {"test_magic_sends_text_formats_and_candidates_to_libmagic",
     test_magic_sends_text_formats_and_candidates_to_libmagic},
    {"test_magic_finds_mxf_key_after_at_most_64k_of_runin",
     test_magic_finds_mxf_key_after_at_most_64k_of_runin},
    {"test_magic_refuses_bad_magic_files_with_exact_diags",
     test_magic_refuses_bad_magic_files_with_exact_diags},
    {"test_magic_reports_libmagic_failure_as_flag_not_error",
     test_magic_reports_libmagic_failure_as_flag_not_error},
    {"test_magic_loads_system_database_alone", test_magic_loads_system_database_alone},
    {"test_magic_new_survives_every_allocation_failure",
     test_magic_new_survives_every_allocation_failure},
    {"test_magic_survives_hostile_and_truncated_buffers",
     test_magic_survives_hostile_and_truncated_buffers},
    {"test_magic_benchmark_prints_cost_per_call", test_magic_benchmark_prints_cost_per_call},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rw_suites_magic[] = {
    {"magic", suite_init, suite_cleanup, NULL, NULL, magic_tests},
    CU_SUITE_INFO_NULL,
};
