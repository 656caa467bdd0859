/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_magic.c — libFuzzer target: file typing (prefix table, libmagic, extension check). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rw.h"
#include "rw_magic.h"

/*
 * Input: a name selector byte, then the file's first bytes.
 *
 *   byte 0 < 0x80   the file name is fuzz_magic_names[byte 0 % count] (NULL included)
 *   byte 0 >= 0x80  the next (byte 0 & 0x7f) bytes are the name (cut at a NUL and at the
 *                   end of the input), the file's bytes follow
 *
 * rw_magic_identify runs on the bytes (copied into an allocation of exactly their size,
 * so a read past them is a heap-buffer-overflow) with rules/studio.magic and the system
 * database loaded once per process. Oracles besides the sanitizers (rw_magic.h):
 *   - returns RW_OK; mime, desc and ext are NUL-terminated inside their arrays; mime has
 *     no ',', ';', space or tab; flags only holds RW_FT_* bits;
 *   - ext is exactly what the header's rule 1 gives for the name (computed here again);
 *   - the same bytes give the same mime, desc and flags without a name, except
 *     RW_FT_EXT_MISMATCH, which needs an extension that is not all digits;
 *   - an empty buffer is "application/x-empty" / "empty", prefiltered; a prefiltered
 *     buffer is "text/plain" or "application/octet-stream", with no libmagic call;
 *   - the counters move by exactly what the result says (calls, prefiltered, mismatches,
 *     failures; libmagic_calls by 0 when prefiltered, else 1 or 2);
 *   - bytes past RW_MAGIC_MAX_BYTES change nothing;
 *   - RW_EINVAL for a NULL buffer with a length, a NULL object or a NULL result.
 * FUZZ_MAGIC_VERBOSE=1 in the environment prints each typing on stderr.
 */

#ifndef FUZZ_SRCDIR
#define FUZZ_SRCDIR "."
#endif

#define FUZZ_MAGIC_NAME_MAX 128

static const char *const fuzz_magic_names[] = {
    NULL,          "",           "a.txt",        "scene.PSD",     "x/y/paint.kra",
    "c:\\d\\a.ZIP", ".hidden",    "part.001",     "lib.so.1",      "a.tar.gz",
    "noext",       "a.",         "a.b/c",        "a.abcdefghijklmno", "a.abcdefghijklmnop",
    "a.m+_-",      "a.t xt",     "movie.mov",    "clip.mp4",      "/upload/doc.docx",
    "a.exe",       "a.pdf",      "a.png",        "a.JPG",         "a.blend",
};

static struct rw_magic *fuzz_magic_m;
static int fuzz_magic_verbose;

static void fuzz_magic_fail(const char *what)
{
    fprintf(stderr, "fuzz_magic: %s\n", what);
    abort();
}

static void fuzz_magic_check(int cond, const char *what)
{
    if (!cond)
        fuzz_magic_fail(what);
}

static void fuzz_magic_setup(void)
{
    const char *src = getenv("RW_FUZZ_SRCDIR");
    char path[4096];
    struct rw_diag *diag = NULL;
    int err = 0;

    if (src == NULL || src[0] == '\0')
        src = FUZZ_SRCDIR;
    if ((size_t)snprintf(path, sizeof(path), "%s/rules/studio.magic", src) >= sizeof(path))
        fuzz_magic_fail("source path too long");
    diag = rw_diag_new();
    fuzz_magic_m = rw_magic_new(path, diag, &err);
    if (fuzz_magic_m == NULL) {
        fprintf(stderr, "fuzz_magic: cannot load %s (err %d); set RW_FUZZ_SRCDIR\n", path,
                err);
        abort();
    }
    rw_diag_free(&diag);
    fuzz_magic_verbose = getenv("FUZZ_MAGIC_VERBOSE") != NULL;
}

/* The header's rule 1, written again from the contract. */
static void fuzz_magic_ext(const char *name, char ext[RW_MAGIC_EXT_MAX])
{
    const char *base = name, *dot = NULL;
    size_t n;

    ext[0] = '\0';
    if (name == NULL)
        return;
    for (const char *p = name; *p != '\0'; p++) {
        if (*p == '/' || *p == '\\') {
            base = p + 1;
            dot = NULL;
        } else if (*p == '.') {
            dot = p;
        }
    }
    if (dot == NULL || dot == base)
        return;
    n = strlen(dot + 1);
    if (n < 1 || n > 15)
        return;
    for (size_t i = 0; i < n; i++) {
        char c = dot[1 + i];

        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                   c == '-' || c == '+')) {
            ext[0] = '\0';
            return;
        }
        ext[i] = c;
    }
    ext[n] = '\0';
}

static int fuzz_magic_terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

static void fuzz_magic_one(const uint8_t *buf, size_t len, const char *name,
                           struct rw_filetype *out)
{
    struct rw_magic_stats s0, s1;
    char want_ext[RW_MAGIC_EXT_MAX];
    uint64_t lm;

    rw_magic_stats(fuzz_magic_m, &s0);
    memset(out, 0xa5, sizeof(*out));
    fuzz_magic_check(rw_magic_identify(fuzz_magic_m, buf, len, name, out) == RW_OK,
                     "rw_magic_identify failed");
    rw_magic_stats(fuzz_magic_m, &s1);

    fuzz_magic_check(fuzz_magic_terminated(out->mime, sizeof(out->mime)), "mime not terminated");
    fuzz_magic_check(fuzz_magic_terminated(out->desc, sizeof(out->desc)), "desc not terminated");
    fuzz_magic_check(fuzz_magic_terminated(out->ext, sizeof(out->ext)), "ext not terminated");
    fuzz_magic_check(out->mime[0] != '\0', "empty mime");
    fuzz_magic_check(out->desc[0] != '\0', "empty desc");
    fuzz_magic_check(strpbrk(out->mime, ",; \t") == NULL, "mime holds ',', ';' or a space");
    fuzz_magic_check((out->flags & ~(uint32_t)(RW_FT_EXT_MISMATCH | RW_FT_PREFILTERED |
                                               RW_FT_MAGIC_FAILED)) == 0,
                     "unknown flag bits");
    fuzz_magic_ext(name, want_ext);
    if (strcmp(want_ext, out->ext) != 0) {
        fprintf(stderr, "fuzz_magic: name \"%s\": ext \"%s\", want \"%s\"\n",
                name != NULL ? name : "(null)", out->ext, want_ext);
        abort();
    }
    if (out->flags & RW_FT_EXT_MISMATCH) {
        fuzz_magic_check(out->ext[0] != '\0' && strspn(out->ext, "0123456789") < strlen(out->ext),
                         "mismatch without a non-numeric extension");
        fuzz_magic_check((out->flags & (RW_FT_PREFILTERED | RW_FT_MAGIC_FAILED)) == 0,
                         "mismatch on a prefiltered or failed typing");
    }
    if (len == 0)
        fuzz_magic_check((out->flags & RW_FT_PREFILTERED) && strcmp(out->mime, "application/x-empty") == 0 &&
                             strcmp(out->desc, "empty") == 0,
                         "empty buffer not typed empty");
    else if (out->flags & RW_FT_PREFILTERED)
        fuzz_magic_check(
            (strcmp(out->mime, "text/plain") == 0 &&
             (strcmp(out->desc, "ASCII text") == 0 ||
              strcmp(out->desc, "Unicode text, UTF-8 text") == 0)) ||
                (strcmp(out->mime, "application/octet-stream") == 0 &&
                 strcmp(out->desc, "data") == 0),
            "prefiltered result is neither text nor data");
    if (out->flags & RW_FT_MAGIC_FAILED)
        fuzz_magic_check(strcmp(out->desc, "data") == 0, "failed typing not \"data\"");

    fuzz_magic_check(s1.calls == s0.calls + 1, "calls counter");
    fuzz_magic_check(s1.prefiltered - s0.prefiltered == !!(out->flags & RW_FT_PREFILTERED),
                     "prefiltered counter");
    fuzz_magic_check(s1.ext_mismatches - s0.ext_mismatches == !!(out->flags & RW_FT_EXT_MISMATCH),
                     "ext_mismatches counter");
    fuzz_magic_check(s1.libmagic_failures - s0.libmagic_failures ==
                         !!(out->flags & RW_FT_MAGIC_FAILED),
                     "libmagic_failures counter");
    lm = s1.libmagic_calls - s0.libmagic_calls;
    if (out->flags & RW_FT_PREFILTERED)
        fuzz_magic_check(lm == 0, "libmagic called on a prefiltered buffer");
    else
        fuzz_magic_check(lm == 1 || lm == 2, "libmagic_calls counter");
}

static void fuzz_magic_same(const struct rw_filetype *a, const struct rw_filetype *b,
                            uint32_t ignore, const char *what)
{
    if (strcmp(a->mime, b->mime) != 0 || strcmp(a->desc, b->desc) != 0 ||
        (a->flags & ~ignore) != (b->flags & ~ignore)) {
        fprintf(stderr, "fuzz_magic: %s: \"%s\" / \"%s\" / %#x vs \"%s\" / \"%s\" / %#x\n", what,
                a->mime, a->desc, (unsigned)a->flags, b->mime, b->desc, (unsigned)b->flags);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const size_t nnames = sizeof(fuzz_magic_names) / sizeof(fuzz_magic_names[0]);
    char namebuf[FUZZ_MAGIC_NAME_MAX + 1];
    const char *name;
    struct rw_filetype r, r_noname, r_cut;
    uint8_t *copy;
    size_t off = 1, len;

    if (fuzz_magic_m == NULL)
        fuzz_magic_setup();
    if (size == 0)
        return 0;
    if (data[0] < 0x80) {
        name = fuzz_magic_names[data[0] % nnames];
    } else {
        size_t n = data[0] & 0x7fu;

        if (n > size - 1)
            n = size - 1;
        memcpy(namebuf, data + 1, n);
        namebuf[n] = '\0';
        name = namebuf;
        off += n;
    }
    len = size - off;
    copy = malloc(len > 0 ? len : 1);
    if (copy == NULL)
        fuzz_magic_fail("out of memory");
    if (len > 0)
        memcpy(copy, data + off, len);

    fuzz_magic_one(len > 0 ? copy : NULL, len, name, &r);
    if (fuzz_magic_verbose)
        fprintf(stderr, "fuzz_magic: \"%s\" %zu bytes: %s / %s / ext \"%s\" / flags %#x\n",
                name != NULL ? name : "(null)", len, r.mime, r.desc, r.ext, (unsigned)r.flags);
    fuzz_magic_one(len > 0 ? copy : NULL, len, NULL, &r_noname);
    fuzz_magic_check(r_noname.ext[0] == '\0' && !(r_noname.flags & RW_FT_EXT_MISMATCH),
                     "no name, yet an extension");
    fuzz_magic_same(&r, &r_noname, RW_FT_EXT_MISMATCH, "typing depends on the name");
    if (len > RW_MAGIC_MAX_BYTES) {
        fuzz_magic_one(copy, RW_MAGIC_MAX_BYTES, name, &r_cut);
        fuzz_magic_same(&r, &r_cut, 0, "bytes past RW_MAGIC_MAX_BYTES changed the typing");
    }
    fuzz_magic_check(rw_magic_identify(fuzz_magic_m, NULL, len + 1, name, &r) == RW_EINVAL,
                     "NULL buffer with a length accepted");
    fuzz_magic_check(rw_magic_identify(NULL, copy, len, name, &r) == RW_EINVAL,
                     "NULL object accepted");
    fuzz_magic_check(rw_magic_identify(fuzz_magic_m, copy, len, name, NULL) == RW_EINVAL,
                     "NULL result accepted");
    free(copy);
    return 0;
}
