/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_magic.c — file typing: a table of known prefixes first, libmagic only on candidates. */
#include "rw_magic.h"

#include <errno.h>
#include <fcntl.h>
#include <magic.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rw.h"

/* In glibc, stderr is a normal variable a program may set (glibc manual, "Standard
 * Streams"): that is how the warnings libmagic prints while loading become diags. */
#ifdef __GLIBC__
#define MAGIC_CAPTURE_STDERR 1
#else
#define MAGIC_CAPTURE_STDERR 0
#endif

#define MAGIC_TEXT_CHECK_BYTES 1024
#define MAGIC_MXF_RUNIN_MAX_BYTES 65536

struct rw_magic {
    magic_t desc_cookie;    /* MAGIC_NONE: the description */
    magic_t mime_cookie;    /* MAGIC_MIME_TYPE */
    struct rw_magic_stats stats;
    /* libmagic's cookies are not thread-safe: a host's workers share one object and take
     * turns (a file is typed once, from its first bytes: the lock is rarely contended). */
    pthread_mutex_t lock;
};

/*
 * The prefix table: one entry per signature that starts a format the rules care about
 * (video, audio, image, image sequence, project, 3D, archive, document, executable) or a
 * text format libmagic names. A buffer matching none of them does not go to libmagic.
 * An entry matches when bytes[i] == buf[off + i] & mask[i] for every i (mask NULL: all
 * 0xff), and, when len2 > 0, bytes2 is at off2 too. Sources: FORMATS-AND-RANGES.md and
 * the format specifications named beside each line.
 */
struct magic_prefix {
    uint32_t off;
    uint8_t len;
    const char *bytes;
    const char *mask;
    uint32_t off2;
    uint8_t len2;
    const char *bytes2;
};

#define P(o, s) {(o), sizeof(s) - 1, (s), NULL, 0, 0, NULL}
#define PM(o, s, m) {(o), sizeof(s) - 1, (s), (m), 0, 0, NULL}
#define P2(o, s, o2, s2) {(o), sizeof(s) - 1, (s), NULL, (o2), sizeof(s2) - 1, (s2)}

/* The MXF header partition pack key, up to the byte that says open/closed (SMPTE 377-1). */
static const uint8_t magic_mxf_key[] = {0x06, 0x0e, 0x2b, 0x34, 0x02, 0x05,
                                        0x01, 0x01, 0x0d, 0x01, 0x02};

static const struct magic_prefix magic_prefixes[] = {
    /* Video */
    P(4, "ftyp"),                           /* ISO BMFF: MP4, MOV, M4V, 3GP, HEIC, AVIF */
    P(4, "moov"), P(4, "mdat"), P(4, "wide"), /* QuickTime without ftyp (first atom) */
    P(4, "free"), P(4, "skip"), P(4, "pnot"),
    P(4, "icpf"),                           /* Apple ProRes frame (SMPTE RDD 36) */
    P(0, "RIFF"), P(0, "RIFX"), P(0, "RF64"), /* AVI, WAV, WebP; After Effects; BWF-64 */
    P(0, "\x1a\x45\xdf\xa3"),               /* EBML: Matroska, WebM */
    P(0, "\x00\x00\x01\xba"),               /* MPEG program stream pack header */
    P(0, "\x00\x00\x01\xb3"),               /* MPEG video sequence header */
    P2(0, "\x47", 188, "\x47"),             /* MPEG transport stream: two sync bytes */
    P2(4, "\x47", 196, "\x47"),             /* BDAV M2TS: 4-byte time code, then TS */
    P(0, "FLV\x01"),                        /* Flash video */
    P(0, "FWS"), P(0, "CWS"), P(0, "ZWS"),  /* SWF: plain, zlib, LZMA */
    P(0, "\x30\x26\xb2\x75\x8e\x66\xcf\x11"), /* ASF: WMV, WMA */
    P(4, "RED1"), P(4, "RED2"),             /* RED R3D */
    P(0, "OggS"),                           /* Ogg: Vorbis, Opus, Theora */
    /* Images and frames */
    P(0, "\x89PNG\r\n\x1a\n"),
    P(0, "\xff\xd8\xff"),                   /* JPEG SOI + marker */
    P(0, "GIF8"),
    P(0, "II*\0"), P(0, "MM\0*"),           /* TIFF (and DNG, CR2, NEF, ...) */
    P(0, "II+\0"), P(0, "MM\0+"),           /* BigTIFF */
    P(0, "8BPS"),                           /* Photoshop PSD, PSB */
    P(0, "\x76\x2f\x31\x01"),               /* OpenEXR */
    P(0, "SDPX"), P(0, "XPDS"),             /* DPX big- and little-endian */
    P(0, "\x80\x2a\x5f\xd7"), P(0, "\xd7\x5f\x2a\x80"), /* Cineon */
    P2(0, "BM", 6, "\0\0\0\0"),             /* BMP: reserved words zero */
    P(0, "\0\0\0\x0cjP  \r\n\x87\n"),       /* JPEG 2000 (JP2) */
    P(0, "\xff\x4f\xff\x51"),               /* JPEG 2000 codestream (J2K) */
    P(0, "\0\0\0\x0cJXL \r\n\x87\n"),       /* JPEG XL container */
    P(0, "#?RADIANCE"), P(0, "#?RGBE"),     /* Radiance HDR */
    /* Projects and scenes */
    P(0, "CSFCHUNK"),                       /* CLIP STUDIO PAINT */
    P(0, "\x33\x84\x78\x0e"),               /* TVPaint */
    P(0, "<?xml"), P(0, "<project"),        /* Harmony .xstage, Final Draft, ... */
    P(0, "\xef\xbb\xbf"),                   /* UTF-8 byte order mark (XML after it) */
    P(0, "#!"),                             /* Nuke scripts, shell and other scripts */
    P(0, "BLENDER"),
    P(0, "FOR4"), P(0, "FOR8"),             /* Maya binary 32- and 64-bit IFF */
    P(0, "//Maya ASCII"),
    P(0, "Kaydara FBX Binary"), P(0, "; FBX"),
    P(0, "PXR-USDC"), P(0, "#usda"),        /* USD crate and ASCII */
    P(0, "Ogawa"),                          /* Alembic */
    P(0, "\x89HDF\r\n\x1a\n"),              /* HDF5: Alembic before Ogawa */
    P(0, "QC4DC4D6"),                       /* Cinema 4D */
    P(0, "glTF"),                           /* glTF binary (.glb) */
    P(0, "\x20\x42\x44\x56"),               /* OpenVDB: 0x56444220 little-endian */
    P(0, "ply\n"),
    /* Archives */
    P(0, "PK\x03\x04"), P(0, "PK\x05\x06"), P(0, "PK\x07\x08"), /* ZIP, empty, spanned */
    P(0, "Rar!\x1a\x07"),                   /* RAR 4 and 5 */
    P(0, "7z\xbc\xaf\x27\x1c"),
    P(0, "\x1f\x8b"),                       /* gzip */
    P(0, "\xfd" "7zXZ\0"),                  /* xz */
    P(0, "BZh"),                            /* bzip2 */
    P(0, "\x28\xb5\x2f\xfd"),               /* Zstandard frame */
    PM(0, "\x50\x2a\x4d\x18", "\xf0\xff\xff\xff"), /* Zstandard skippable frame */
    P(0, "\x04\x22\x4d\x18"),               /* LZ4 frame */
    P(0, "\x1f\x9d"), P(0, "LZIP"),         /* compress, lzip */
    P(257, "ustar"),                        /* POSIX and GNU tar */
    P(0, "070707"), P(0, "070701"), P(0, "070702"), /* cpio (Houdini .hip) */
    P(0, "MSCF"), P(0, "xar!"), P(0, "!<arch>\n"), /* CAB, XAR (.pkg), ar (.deb) */
    P(0, "\xed\xab\xee\xdb"),               /* RPM */
    P(32769, "CD001"),                      /* ISO 9660 */
    /* Documents */
    P(0, "%PDF"), P(0, "%!PS"), P(0, "{\\rtf"),
    P(0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), /* OLE2: .doc, .xls, .msi, old .fla, .max */
    /* Executables */
    P(0, "MZ"),                             /* DOS and PE */
    P(0, "\x7f" "ELF"),
    P(0, "\xfe\xed\xfa\xce"), P(0, "\xfe\xed\xfa\xcf"), /* Mach-O big-endian 32/64 */
    P(0, "\xce\xfa\xed\xfe"), P(0, "\xcf\xfa\xed\xfe"), /* Mach-O little-endian 32/64 */
    P(0, "\xca\xfe\xba\xbe"),               /* Mach-O universal, Java class */
    P(0, "\0asm"),                          /* WebAssembly */
    /* Audio */
    P(0, "ID3"), P(0, "fLaC"), P(0, "FORM"), P(0, "caff"), P(0, "MThd"),
    PM(0, "\xff\xe0", "\xff\xe0"),          /* MPEG audio and ADTS frame sync (11 bits) */
};

/*
 * Known formats and their usual extensions, for RW_FT_EXT_MISMATCH. Keyed by libmagic's
 * MIME type, or (desc) by the start of its description where the stock database gives
 * only application/octet-stream or text/plain. Containers list the formats built on them.
 */
struct magic_format {
    const char *mime;
    const char *desc;
    const char *exts;   /* space-separated, lower case */
};

#define OLE2_EXTS "doc dot xls xlt xla ppt pot pps msi msp msg fla max vsd pub mpp"

static const struct magic_format magic_formats[] = {
    /* Video */
    {"video/quicktime", NULL, "mov qt moov braw"},
    {"video/mp4", NULL, "mp4 m4v m4p f4v mov"},
    {"video/x-m4v", NULL, "m4v mp4"},
    {"video/3gpp", NULL, "3gp 3gpp"},
    {"video/3gpp2", NULL, "3g2 3gp2"},
    {"application/mxf", NULL, "mxf"},
    {"video/x-msvideo", NULL, "avi divx"},
    {"video/x-matroska", NULL, "mkv mka mks mk3d"},
    {"video/webm", NULL, "webm"},
    {"video/x-prores", NULL, "prores"},
    {"video/x-flv", NULL, "flv"},
    {"video/mp2t", NULL, "ts m2ts mts m2t tsv"},
    {"video/mpeg", NULL, "mpg mpeg m2v mpe vob m1v"},
    {"video/x-ms-asf", NULL, "asf wmv wma"},
    {"application/x-shockwave-flash", NULL, "swf"},
    /* Audio */
    {"audio/x-wav", NULL, "wav wave bwf"},
    {"audio/x-aiff", NULL, "aif aiff aifc"},
    {"audio/mpeg", NULL, "mp3 mp2 mpga"},
    {"audio/flac", NULL, "flac"},
    {"audio/ogg", NULL, "ogg oga opus spx"},
    {"video/ogg", NULL, "ogv ogg"},
    {"audio/x-m4a", NULL, "m4a m4b mp4"},
    {"audio/midi", NULL, "mid midi"},
    /* Images and frames */
    {"image/png", NULL, "png"},
    {"image/jpeg", NULL, "jpg jpeg jpe jfif"},
    {"image/gif", NULL, "gif"},
    {"image/tiff", NULL, "tif tiff dng cr2 nef arw orf pef srw 3fr iiq"},
    {"image/x-exr", NULL, "exr sxr"},
    {"image/x-dpx", NULL, "dpx"},
    {NULL, "Cineon image", "cin"},
    {"image/vnd.adobe.photoshop", NULL, "psd psb pdd"},
    {"image/bmp", NULL, "bmp dib"},
    {"image/x-ms-bmp", NULL, "bmp dib"},
    {"image/webp", NULL, "webp"},
    {"image/heic", NULL, "heic heif"},
    {"image/heif", NULL, "heif heic"},
    {"image/avif", NULL, "avif"},
    {"image/jp2", NULL, "jp2 jpf jpx j2k"},
    {"image/x-jp2-codestream", NULL, "j2k j2c jpc"},
    {"image/jxl", NULL, "jxl"},
    {"image/vnd.radiance", NULL, "hdr pic rgbe"},
    /* Projects (studio.magic) and scenes */
    {"application/x-aftereffects-project", NULL, "aep aet"},
    {"application/x-clip-studio-paint", NULL, "clip"},
    {"application/x-tvpaint-project", NULL, "tvpp"},
    {"application/x-toonboom-harmony", NULL, "xstage"},
    {"text/x-nuke", NULL, "nk nknc nkind"},
    {"application/x-krita", NULL, "kra krz"},
    {"image/openraster", NULL, "ora"},
    {"application/x-blender", NULL, "blend"},
    {"model/x-maya-binary", NULL, "mb"},
    {NULL, "Alias Maya Binary", "mb"},
    {NULL, "Alias Maya Ascii", "ma"},
    {"model/x-alembic", NULL, "abc"},
    {NULL, "Kaydara FBX", "fbx"},
    {NULL, "USD crate", "usd usdc"},
    {NULL, "USD ASCII", "usd usda"},
    {"model/vnd.usdz+zip", NULL, "usdz"},
    {"model/x-cinema4d", NULL, "c4d"},
    {"model/gltf-binary", NULL, "glb"},
    /* Archives */
    {"application/zip", NULL,
     "zip zipx jar war ear apk aab ipa xpi crx epub cbz docx docm xlsx xlsm pptx pptm odt ods "
     "odp odg kra krz ora usdz fla xd sketch whl nupkg aar 3mf idml vsix appx msix"},
    {"application/x-rar", NULL, "rar cbr"},
    {"application/vnd.rar", NULL, "rar cbr"},
    {"application/x-7z-compressed", NULL, "7z cb7"},
    {"application/x-tar", NULL, "tar ustar gtar"},
    {"application/gzip", NULL, "gz tgz taz gzip prproj svgz blend emz"},
    {"application/x-gzip", NULL, "gz tgz taz gzip prproj svgz blend emz"},
    {"application/x-xz", NULL, "xz txz"},
    {"application/x-bzip2", NULL, "bz2 bz tbz tbz2"},
    {"application/zstd", NULL, "zst zstd tzst blend"},
    {"application/x-lz4", NULL, "lz4"},
    {"application/x-lzip", NULL, "lz tlz"},
    {"application/x-compress", NULL, "z taz"},
    {"application/x-cpio", NULL, "cpio hip hipnc hiplc"},
    {"application/vnd.ms-cab-compressed", NULL, "cab"},
    {"application/x-iso9660-image", NULL, "iso"},
    {"application/x-xar", NULL, "xar pkg"},
    {"application/vnd.debian.binary-package", NULL, "deb udeb"},
    {"application/x-archive", NULL, "a ar lib"},
    {"application/x-rpm", NULL, "rpm"},
    /* Documents */
    {"application/pdf", NULL, "pdf ai"},
    {"application/postscript", NULL, "ps eps ai"},
    {"text/rtf", NULL, "rtf"},
    {"application/rtf", NULL, "rtf"},
    {"application/x-ole-storage", NULL, OLE2_EXTS},
    {"application/CDFV2", NULL, OLE2_EXTS},
    {"application/msword", NULL, "doc dot"},
    {"application/vnd.ms-excel", NULL, "xls xlt xla"},
    {"application/vnd.ms-powerpoint", NULL, "ppt pot pps"},
    {"application/vnd.ms-msi", NULL, "msi msp"},
    {"application/vnd.ms-outlook", NULL, "msg"},
    {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", NULL,
     "docx docm dotx"},
    {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", NULL,
     "xlsx xlsm xltx"},
    {"application/vnd.openxmlformats-officedocument.presentationml.presentation", NULL,
     "pptx pptm potx"},
    {"application/vnd.oasis.opendocument.text", NULL, "odt ott"},
    {"application/vnd.oasis.opendocument.spreadsheet", NULL, "ods ots"},
    {"application/vnd.oasis.opendocument.presentation", NULL, "odp otp"},
    {"application/vnd.oasis.opendocument.graphics", NULL, "odg otg"},
    {"application/epub+zip", NULL, "epub"},
    {"application/java-archive", NULL, "jar war ear"},
    {"application/vnd.android.package-archive", NULL, "apk"},
    /* Executables */
    {"application/x-dosexec", NULL, "exe dll sys com scr ocx cpl drv efi mui"},
    {"application/vnd.microsoft.portable-executable", NULL,
     "exe dll sys com scr ocx cpl drv efi mui"},
    {"application/x-executable", NULL, "elf bin out axf run so"},
    {"application/x-pie-executable", NULL, "elf bin out axf run so"},
    {"application/x-sharedlib", NULL, "so elf bin"},
    {"application/x-object", NULL, "o ko elf"},
    {"application/x-mach-binary", NULL, "dylib bundle so o macho"},
    {"application/x-java-applet", NULL, "class"},
    {"application/wasm", NULL, "wasm"},
};

/* --- loading ------------------------------------------------------------------------- */

/* Writes s into out (size cap) with bytes outside printable ASCII as \xHH, cut to fit
 * with "..." when longer than about 200 bytes. */
static void magic_clean(const char *s, char *out, size_t cap)
{
    size_t o = 0;

    for (size_t i = 0; s[i] != '\0'; i++) {
        unsigned char c = (unsigned char)s[i];

        if (o + 8 >= cap || i >= 200) {
            snprintf(out + o, cap - o, "...");
            return;
        }
        if (c >= 0x20 && c < 0x7f)
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
    }
    out[o] = '\0';
}

/* Parses the decimal line number in s[0..n); 0 when it is not one. */
static unsigned long magic_line_number(const char *s, size_t n)
{
    char digits[24];
    uint64_t v;

    if (n == 0 || n >= sizeof(digits))
        return 0;
    memcpy(digits, s, n);
    digits[n] = '\0';
    if (rw_num_parse_u64(digits, 1, 0xffffffffUL, &v, NULL) != 0)
        return 0;
    return (unsigned long)v;
}

/* One problem libmagic reported while loading path. text is libmagic's line: "FILE, N:
 * Warning: MSG" (warnings), "line N: MSG" (magic_error) or just "MSG". */
static void magic_report(struct rw_diag *diag, const char *path, const char *text)
{
    char clean[256];
    const char *file = path;
    char filebuf[256];
    unsigned long line = 0;
    const char *w = strstr(text, ": Warning: ");
    const char *msg = text;

    if (w != NULL) {
        /* "FILE, N: Warning: MSG": N after the last ", " before the warning. */
        const char *comma = NULL;

        for (const char *p = text; p + 1 < w; p++)
            if (p[0] == ',' && p[1] == ' ')
                comma = p;
        if (comma != NULL) {
            line = magic_line_number(comma + 2, (size_t)(w - comma - 2));
            if (line > 0 && (size_t)(comma - text) < sizeof(filebuf)) {
                memcpy(filebuf, text, (size_t)(comma - text));
                filebuf[comma - text] = '\0';
                file = filebuf;
            }
        }
        msg = w + strlen(": Warning: ");
    } else if (strncmp(text, "Warning: ", 9) == 0) {
        msg = text + 9;
    } else if (strncmp(text, "line ", 5) == 0) {
        const char *colon = strchr(text + 5, ':');

        if (colon != NULL) {
            line = magic_line_number(text + 5, (size_t)(colon - text - 5));
            if (line > 0)
                msg = colon[1] == ' ' ? colon + 2 : colon + 1;
        }
    }
    magic_clean(msg, clean, sizeof(clean));
    rw_diag_add(diag, file, line, 0, "expected valid magic(5), found %s", clean);
}

/* Reports every warning line in log; returns how many. */
static size_t magic_report_log(struct rw_diag *diag, const char *path, char *log)
{
    size_t n = 0;
    char *line = log;

    while (*line != '\0') {
        char *end = strchr(line, '\n');

        if (end != NULL)
            *end = '\0';
        if (*line != '\0' && strncmp(line, "Warning: using regular magic file", 33) != 0) {
            magic_report(diag, path, line);
            n++;
        }
        if (end == NULL)
            break;
        line = end + 1;
    }
    return n;
}

/*
 * Loads one extra magic file alone, with MAGIC_CHECK, and reports what libmagic says about
 * it. Adds 1 to *problems per problem. Returns 0, or RW_ENOMEM.
 */
static int magic_check_file(const char *path, struct rw_diag *diag, size_t *problems)
{
    magic_t cookie = NULL;
    char *log = NULL;
    const char *err_text;
    size_t found = 0;
    int fd, r, ret = RW_OK;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rw_diag_add(diag, path, 0, 0, "expected a readable magic file, found %s",
                    strerror(errno));
        (*problems)++;
        goto out;
    }
    cookie = magic_open(MAGIC_CAPTURE_STDERR ? MAGIC_CHECK : MAGIC_NONE);
    log = rw_calloc(1, RW_MAGIC_CHECK_LOG_BYTES);
    if (cookie == NULL || log == NULL) {
        ret = RW_ENOMEM;
        goto out;
    }
#if MAGIC_CAPTURE_STDERR
    {
        FILE *cap = fmemopen(log, RW_MAGIC_CHECK_LOG_BYTES - 1, "w");
        FILE *saved = stderr;

        if (cap == NULL) {
            ret = RW_ENOMEM;
            goto out;
        }
        fflush(stderr);
        stderr = cap;
        r = magic_load(cookie, path);
        stderr = saved;
        fclose(cap);
    }
#else
    r = magic_load(cookie, path);
#endif
    log[RW_MAGIC_CHECK_LOG_BYTES - 1] = '\0';
    found = magic_report_log(diag, path, log);
    err_text = magic_error(cookie);
    /* "could not find any valid magic files!" only repeats the warnings above. */
    if (err_text != NULL && (found == 0 || strstr(err_text, "could not find") == NULL)) {
        magic_report(diag, path, err_text);
        found++;
    } else if (r != 0 && found == 0) {
        rw_diag_add(diag, path, 0, 0, "expected valid magic(5), found a file libmagic "
                                      "cannot load");
        found++;
    }
    *problems += found;
out:
    if (fd >= 0)
        close(fd);
    if (cookie != NULL)
        magic_close(cookie);
    rw_free(log);
    return ret;
}

/* Checks every extra magic file and builds "extra1:extra2:SYSTEM" into *pathsp. */
static int magic_check_all(const char *extra, struct rw_diag *diag, size_t *problems,
                           char **pathsp)
{
    size_t extra_len = extra == NULL ? 0 : strlen(extra);
    size_t cap = extra_len + 1 + sizeof(RW_MAGIC_SYSTEM_DB);
    char *paths = rw_malloc(cap);
    size_t used = 0;
    const char *p = extra;
    int ret = RW_OK;

    *pathsp = NULL;
    if (paths == NULL)
        return RW_ENOMEM;
    while (p != NULL && *p != '\0') {
        size_t n = strcspn(p, ":");
        char *one;

        if (n > 0) {
            one = rw_strndup(p, n);
            if (one == NULL) {
                ret = RW_ENOMEM;
                goto out;
            }
            ret = magic_check_file(one, diag, problems);
            rw_free(one);
            if (ret != RW_OK)
                goto out;
            memcpy(paths + used, p, n);
            used += n;
            paths[used++] = ':';
        }
        p += n;
        if (*p == ':')
            p++;
    }
    if (access(RW_MAGIC_SYSTEM_DB ".mgc", R_OK) != 0 && access(RW_MAGIC_SYSTEM_DB, R_OK) != 0) {
        rw_diag_add(diag, RW_MAGIC_SYSTEM_DB, 0, 0,
                    "expected a readable magic file, found %s", strerror(errno));
        (*problems)++;
    }
    memcpy(paths + used, RW_MAGIC_SYSTEM_DB, sizeof(RW_MAGIC_SYSTEM_DB));
out:
    if (ret != RW_OK)
        rw_free(paths);
    else
        *pathsp = paths;
    return ret;
}

static int magic_open_one(magic_t *cookiep, int flags, const char *paths, struct rw_diag *diag,
                          size_t *problems)
{
    const char *e;

    *cookiep = magic_open(flags);
    if (*cookiep == NULL)
        return RW_ENOMEM;
    if (magic_load(*cookiep, paths) != 0) {
        e = magic_error(*cookiep);
        if (magic_errno(*cookiep) == ENOMEM)
            return RW_ENOMEM;
        magic_report(diag, paths, e != NULL ? e : "an error");
        (*problems)++;
    }
    return RW_OK;
}

struct rw_magic *rw_magic_new(const char *extra_magic_paths, struct rw_diag *diag, int *err)
{
    struct rw_magic *m = NULL;
    char *paths = NULL;
    size_t problems = 0;
    int ret;

    m = rw_calloc(1, sizeof(*m));
    if (m == NULL) {
        ret = RW_ENOMEM;
        goto out;
    }
    pthread_mutex_init(&m->lock, NULL);
    ret = magic_check_all(extra_magic_paths, diag, &problems, &paths);
    if (ret != RW_OK || problems > 0)
        goto out;
    ret = magic_open_one(&m->desc_cookie, MAGIC_NONE, paths, diag, &problems);
    if (ret == RW_OK && problems == 0)
        ret = magic_open_one(&m->mime_cookie, MAGIC_MIME_TYPE, paths, diag, &problems);
out:
    rw_free(paths);
    if (ret == RW_OK && problems > 0)
        ret = RW_EPARSE;
    if (ret != RW_OK)
        rw_magic_free(&m);
    if (err != NULL)
        *err = ret;
    return m;
}

void rw_magic_free(struct rw_magic **mp)
{
    struct rw_magic *m;

    if (mp == NULL || *mp == NULL)
        return;
    m = *mp;
    if (m->desc_cookie != NULL)
        magic_close(m->desc_cookie);
    if (m->mime_cookie != NULL)
        magic_close(m->mime_cookie);
    pthread_mutex_destroy(&m->lock);
    rw_free(m);
    *mp = NULL;
}

void rw_magic_stats(struct rw_magic *m, struct rw_magic_stats *out)
{
    if (out == NULL)
        return;
    if (m == NULL) {
        memset(out, 0, sizeof(*out));
    } else {
        pthread_mutex_lock(&m->lock);
        *out = m->stats;
        pthread_mutex_unlock(&m->lock);
    }
}

/* --- typing -------------------------------------------------------------------------- */

/* Copies at most n bytes of src (up to its NUL) into dst of size cap, cut to fit. */
static void magic_copy(char *dst, size_t cap, const char *src, size_t n)
{
    size_t len = strnlen(src, n);

    if (len >= cap)
        len = cap - 1;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

static void magic_set(struct rw_filetype *out, const char *mime, const char *desc)
{
    magic_copy(out->mime, sizeof(out->mime), mime, strlen(mime));
    magic_copy(out->desc, sizeof(out->desc), desc, strlen(desc));
}

/* The extension of the last path component, lower-cased, into ext (see the header). */
static void magic_extension(const char *name, char ext[RW_MAGIC_EXT_MAX])
{
    const char *base, *dot;
    size_t n;

    ext[0] = '\0';
    if (name == NULL)
        return;
    base = name;
    for (const char *p = name; *p != '\0'; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    dot = strrchr(base, '.');
    if (dot == NULL || dot == base)
        return;
    n = strlen(dot + 1);
    if (n == 0 || n >= RW_MAGIC_EXT_MAX)
        return;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)dot[1 + i];

        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
                   c == '+')) {
            ext[0] = '\0';
            return;
        }
        ext[i] = (char)c;
    }
    ext[n] = '\0';
}

static int magic_prefix_match(const struct magic_prefix *e, const uint8_t *buf, size_t len)
{
    if ((size_t)e->off + e->len > len)
        return 0;
    for (size_t i = 0; i < e->len; i++) {
        uint8_t b = buf[e->off + i];

        if (e->mask != NULL)
            b &= (uint8_t)e->mask[i];
        if (b != (uint8_t)e->bytes[i])
            return 0;
    }
    if (e->len2 == 0)
        return 1;
    if ((size_t)e->off2 + e->len2 > len)
        return 0;
    return memcmp(buf + e->off2, e->bytes2, e->len2) == 0;
}

/*
 * Decides whether buf may start a format libmagic should name. Returns 1 with *start the
 * offset libmagic should begin at (past an MXF run-in), or 0.
 */
RW_TESTABLE int rw__magic_candidate(const uint8_t *buf, size_t len, size_t *start);

RW_TESTABLE int rw__magic_candidate(const uint8_t *buf, size_t len, size_t *start)
{
    size_t limit;
    const uint8_t *p;

    *start = 0;
    for (size_t i = 0; i < sizeof(magic_prefixes) / sizeof(magic_prefixes[0]); i++)
        if (magic_prefix_match(&magic_prefixes[i], buf, len))
            return 1;
    /* MXF: the key, at 0 or after a run-in of at most 64 KiB. */
    limit = len < MAGIC_MXF_RUNIN_MAX_BYTES + sizeof(magic_mxf_key)
                ? len : MAGIC_MXF_RUNIN_MAX_BYTES + sizeof(magic_mxf_key);
    p = buf;
    while (limit >= sizeof(magic_mxf_key) && (size_t)(p - buf) <= limit - sizeof(magic_mxf_key)) {
        p = memchr(p, magic_mxf_key[0], limit - sizeof(magic_mxf_key) + 1 - (size_t)(p - buf));
        if (p == NULL)
            break;
        if (memcmp(p, magic_mxf_key, sizeof(magic_mxf_key)) == 0) {
            *start = (size_t)(p - buf);
            return 1;
        }
        p++;
    }
    return 0;
}

/* Length of the UTF-8 sequence at s (n bytes left), 0 when invalid; a sequence cut by the
 * end of the buffer counts as valid. */
static size_t magic_utf8_len(const uint8_t *s, size_t n)
{
    size_t need;
    uint32_t cp;

    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        need = 2;
        cp = s[0] & 0x1fu;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        need = 3;
        cp = s[0] & 0x0fu;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        need = 4;
        cp = s[0] & 0x07u;
    } else {
        return 0;
    }
    for (size_t i = 1; i < need; i++) {
        if (i >= n)
            return n;
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    if ((need == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (need == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return need;
}

/* 1 for ASCII text, 2 for UTF-8 text, 0 otherwise (first MAGIC_TEXT_CHECK_BYTES bytes). */
static int magic_text_kind(const uint8_t *buf, size_t len)
{
    size_t n = len < MAGIC_TEXT_CHECK_BYTES ? len : MAGIC_TEXT_CHECK_BYTES;
    int kind = 1;

    for (size_t i = 0; i < n;) {
        uint8_t c = buf[i];

        if ((c >= 0x20 && c < 0x7f) || (c >= 0x07 && c <= 0x0d) || c == 0x1b) {
            i++;
        } else if (c >= 0x80) {
            size_t k = magic_utf8_len(buf + i, n - i);

            if (k == 0)
                return 0;
            kind = 2;
            i += k;
        } else {
            return 0;
        }
    }
    return kind;
}

/* Is word one of the space-separated words of list? */
static int magic_word_in(const char *list, const char *word)
{
    size_t wl = strlen(word);

    for (const char *p = list; *p != '\0';) {
        size_t n = strcspn(p, " ");

        if (n == wl && memcmp(p, word, n) == 0)
            return 1;
        p += n;
        while (*p == ' ')
            p++;
    }
    return 0;
}

static const struct magic_format *magic_format_of(const char *mime, const char *desc)
{
    size_t nf = sizeof(magic_formats) / sizeof(magic_formats[0]);

    for (size_t i = 0; i < nf; i++)
        if (magic_formats[i].mime != NULL && strcmp(magic_formats[i].mime, mime) == 0)
            return &magic_formats[i];
    for (size_t i = 0; i < nf; i++)
        if (magic_formats[i].desc != NULL &&
            strncmp(magic_formats[i].desc, desc, strlen(magic_formats[i].desc)) == 0)
            return &magic_formats[i];
    return NULL;
}

static int magic_ext_mismatch(const struct rw_filetype *ft)
{
    const struct magic_format *f;
    size_t digits = strspn(ft->ext, "0123456789");

    if (ft->ext[0] == '\0' || ft->ext[digits] == '\0')
        return 0;
    f = magic_format_of(ft->mime, ft->desc);
    return f != NULL && !magic_word_in(f->exts, ft->ext);
}

/*
 * Descriptions whose MIME type libmagic's own entry fixes: for these the second walk of
 * the database (the MIME cookie, as long as the first: 0.1-0.5 ms for video and image
 * formats) is saved. A prefix counts when the description equals it or goes on with ','
 * or ' '. Each has a sample in tests/unit/test_rw_magic.c, typed with both cookies there
 * too, so a libmagic whose entries disagree fails the suite.
 */
static const struct {
    const char *desc;
    const char *mime;
} magic_known_mime[] = {
    {"Adobe Photoshop Image", "image/vnd.adobe.photoshop"},
    {"ISO Media, Apple QuickTime movie", "video/quicktime"},
    {"Apple QuickTime movie", "video/quicktime"},
    {"PNG image data", "image/png"},
    {"JPEG image data", "image/jpeg"},
    {"GIF image data", "image/gif"},
    {"TIFF image data", "image/tiff"},
    {"Big TIFF image data", "image/tiff"},
    {"OpenEXR image data", "image/x-exr"},
    {"DPX image data", "image/x-dpx"},
    {"Zip archive data", "application/zip"},
    {"PDF document", "application/pdf"},
    {"Material exchange container format", "application/mxf"},
    /* With its comma: the system database's "Blender3D BPython script" is another entry. */
    {"Blender3D,", "application/x-blender"},
    /* Ours (rules/studio.magic): every entry printing these names carries this MIME
     * type, and no entry of the system database prints them. */
    {"Toon Boom Harmony scene", "application/x-toonboom-harmony"},
    {"Nuke script", "text/x-nuke"},
};

RW_TESTABLE const char *rw__magic_known_mime(const char *desc);

RW_TESTABLE const char *rw__magic_known_mime(const char *desc)
{
    for (size_t i = 0; i < sizeof(magic_known_mime) / sizeof(magic_known_mime[0]); i++) {
        size_t n = strlen(magic_known_mime[i].desc);

        if (strncmp(desc, magic_known_mime[i].desc, n) == 0 &&
            (desc[n] == '\0' || desc[n] == ',' || desc[n] == ' '))
            return magic_known_mime[i].mime;
    }
    return NULL;
}

/* Runs libmagic over buf: the description, then the MIME type, except after "data"
 * (libmagic matched nothing, so its MIME type is application/octet-stream) and for the
 * descriptions above. On failure out says "data". */
RW_TESTABLE void rw__magic_libmagic(struct rw_magic *m, const uint8_t *buf, size_t len,
                                    struct rw_filetype *out);

RW_TESTABLE void rw__magic_libmagic(struct rw_magic *m, const uint8_t *buf, size_t len,
                                    struct rw_filetype *out)
{
    const char *desc, *mime = NULL;

    m->stats.libmagic_calls++;
    desc = magic_buffer(m->desc_cookie, buf, len);
    if (desc != NULL && strcmp(desc, "data") == 0) {
        magic_set(out, "application/octet-stream", "data");
        return;
    }
    if (desc != NULL) {
        magic_copy(out->desc, sizeof(out->desc), desc, strlen(desc));
        mime = rw__magic_known_mime(desc);
        if (mime == NULL) {
            m->stats.libmagic_calls++;
            mime = magic_buffer(m->mime_cookie, buf, len);
        }
    }
    if (mime == NULL) {
        m->stats.libmagic_failures++;
        out->flags |= RW_FT_MAGIC_FAILED;
        magic_set(out, "application/octet-stream", "data");
        return;
    }
    magic_copy(out->mime, sizeof(out->mime), mime, strcspn(mime, ",; \t"));
}

/* rw_magic_identify's work, under the lock; its arguments are checked already. */
static int magic_identify(struct rw_magic *m, const uint8_t *buf, size_t len,
                          const char *filename, struct rw_filetype *out)
{
    size_t start;
    int text;

    memset(out, 0, sizeof(*out));
    m->stats.calls++;
    magic_extension(filename, out->ext);
    if (len > RW_MAGIC_MAX_BYTES)
        len = RW_MAGIC_MAX_BYTES;
    if (len == 0 || !rw__magic_candidate(buf, len, &start)) {
        out->flags |= RW_FT_PREFILTERED;
        m->stats.prefiltered++;
        text = len == 0 ? 0 : magic_text_kind(buf, len);
        if (len == 0)
            magic_set(out, "application/x-empty", "empty");
        else if (text == 1)
            magic_set(out, "text/plain", "ASCII text");
        else if (text == 2)
            magic_set(out, "text/plain", "Unicode text, UTF-8 text");
        else
            magic_set(out, "application/octet-stream", "data");
        return RW_OK;
    }
    rw__magic_libmagic(m, buf + start, len - start, out);
    if ((out->flags & RW_FT_MAGIC_FAILED) == 0 && magic_ext_mismatch(out)) {
        out->flags |= RW_FT_EXT_MISMATCH;
        m->stats.ext_mismatches++;
    }
    return RW_OK;
}

int rw_magic_identify(struct rw_magic *m, const uint8_t *buf, size_t len, const char *filename,
                      struct rw_filetype *out)
{
    int rc;

    if (m == NULL || out == NULL || (buf == NULL && len > 0))
        return RW_EINVAL;
    pthread_mutex_lock(&m->lock);
    rc = magic_identify(m, buf, len, filename, out);
    pthread_mutex_unlock(&m->lock);
    return rc;
}
