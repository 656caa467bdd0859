/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_magic.h — file typing: a table of known prefixes first, libmagic only on candidates. */
#ifndef RW_MAGIC_H
#define RW_MAGIC_H

#include <stddef.h>
#include <stdint.h>

#include "rw_limits.h"

#include "rw_diag.h"

/*
 * What a file is, from its first bytes and its name, in the words the rule set's type
 * groups match on (rw_rules_types_of): libmagic's MIME type and description, and the
 * file name's extension.
 *
 * One call to libmagic costs 10-180 us (about 180 us on data that matches nothing), so a
 * small table of known magic prefixes (offset, bytes) decides first whether the bytes can
 * be one of the formats the rules care about. Only candidates go to libmagic, which
 * loads the studio magic file(s) before the system database: the first file that
 * matches wins, so rules/studio.magic names what Debian's database does not know.
 * Anything else is "application/octet-stream" / "data", or "text/plain" when the first
 * bytes are printable ASCII or UTF-8, without a libmagic call.
 *
 * A struct rw_magic holds two libmagic cookies and is not thread-safe: use one per
 * thread. Loading (rw_magic_new) is a startup or reload step; see its contract.
 */

/* Where Debian's compiled database lives (libmagic-mgc: /usr/lib/file/magic.mgc, linked
 * from /usr/share/misc/magic.mgc; libmagic adds ".mgc" to the name). */
#ifndef RW_MAGIC_SYSTEM_DB
#define RW_MAGIC_SYSTEM_DB "/usr/share/misc/magic"
#endif

/* RW_MAGIC_WANT_BYTES, RW_MAGIC_MAX_BYTES, RW_MAGIC_CHECK_LOG_BYTES: see rw_limits.h. */

#define RW_MAGIC_MIME_MAX 64
#define RW_MAGIC_DESC_MAX 128
#define RW_MAGIC_EXT_MAX 16

/* struct rw_filetype.flags */
enum {
    /* The bytes identify a known format and the name's extension is not one of that
     * format's usual extensions (a .txt whose bytes are a PSD). See rw_magic_identify. */
    RW_FT_EXT_MISMATCH = 0x01,
    /* The prefix table said no libmagic call was needed: mime and desc are "data",
     * "text/plain" or "empty", decided by this module. */
    RW_FT_PREFILTERED = 0x02,
    /* libmagic failed on this buffer; mime and desc say "data" and the failure is counted. */
    RW_FT_MAGIC_FAILED = 0x04,
};

/* The result of rw_magic_identify; the caller owns it. Strings are always NUL-terminated;
 * longer values are cut to fit. */
struct rw_filetype {
    char mime[RW_MAGIC_MIME_MAX];  /* "image/vnd.adobe.photoshop": the type only, anything
                                    * libmagic adds after it (", ..." or "; ...") cut off */
    char desc[RW_MAGIC_DESC_MAX];  /* libmagic's description, "Adobe Photoshop Image, ..." */
    char ext[RW_MAGIC_EXT_MAX];    /* the name's extension, lower case, no dot; "" if none */
    uint32_t flags;                /* RW_FT_* */
};

/* Counters since rw_magic_new. */
struct rw_magic_stats {
    uint64_t calls;               /* rw_magic_identify calls that typed a buffer */
    uint64_t prefiltered;         /* of those, decided without libmagic */
    uint64_t libmagic_calls;      /* magic_buffer() calls: two per libmagic typing, one
                                   * when the description is "data" */
    uint64_t libmagic_failures;   /* typings where libmagic returned an error */
    uint64_t ext_mismatches;      /* typings flagged RW_FT_EXT_MISMATCH */
};

struct rw_magic;

/*
 * rw_magic_new opens libmagic twice (descriptions and MIME types) and loads the
 * colon-separated magic files in extra_magic_paths (text magic(5) or compiled .mgc; NULL
 * or "" for none; empty entries are skipped), then RW_MAGIC_SYSTEM_DB, in that order.
 *
 * libmagic skips a bad magic entry with a warning on stderr and still loads the rest, and
 * skips a missing file silently; reelwatch refuses instead. Each extra file is first
 * loaded alone: a missing or unreadable file is the diag
 * "path: expected a readable magic file, found <strerror>", and every warning or error
 * libmagic reports is "path:line: expected valid magic(5), found <libmagic's text>" (or
 * "path: ..." when libmagic names no line), with bytes outside printable ASCII shown as
 * \xHH. To read the warnings, the check points glibc's stderr at a bounded memory stream
 * for the duration of magic_load (elsewhere only errors are seen): call rw_magic_new when
 * no other thread writes to stderr, as at startup or while a reload holds the other
 * threads. A missing system database is "RW_MAGIC_SYSTEM_DB: expected a readable magic
 * file, found ...".
 *
 * Returns the object, owned by the caller (rw_magic_free), with *err = 0. On any error in
 * a magic file: NULL, *err = RW_EPARSE and every problem added to diag (diag may be NULL).
 * On OOM: NULL, *err = RW_ENOMEM. err may be NULL.
 */
struct rw_magic *rw_magic_new(const char *extra_magic_paths, struct rw_diag *diag, int *err);

/* rw_magic_free closes libmagic, releases the object and sets *mp to NULL; NULL is fine. */
void rw_magic_free(struct rw_magic **mp);

/*
 * rw_magic_identify types the first len bytes of a file (at most RW_MAGIC_MAX_BYTES are
 * looked at; buf may be NULL when len is 0) named filename (may be NULL; a path or URL
 * path is fine, only the last component counts). buf is read during the call only.
 *
 * 1. The extension: the text after the last '.' of the last path component ('/' or '\'),
 *    lower-cased, when it is 1..15 letters, digits, '_', '-' or '+' and the component
 *    does not start with that dot; else "".
 * 2. The prefix table: if the bytes start no known format (and no text format libmagic
 *    recognises: "<?xml", "#!", "//Maya ASCII", ...), the answer is, without libmagic and
 *    flagged RW_FT_PREFILTERED: "application/x-empty" / "empty" for len 0;
 *    "text/plain" / "ASCII text" or "Unicode text, UTF-8 text" when the first 1024 bytes
 *    are printable ASCII (with tab, CR, LF, FF, VT, BS, BEL, ESC) or valid UTF-8;
 *    otherwise "application/octet-stream" / "data". An MXF key after up to 64 KiB of
 *    run-in is found here and libmagic is given the bytes from the key on.
 * 3. libmagic: mime and desc as libmagic gives them (bounded copies; desc cut at 127
 *    bytes, mime at the first ',', ';' or space).
 * 4. RW_FT_EXT_MISMATCH: set when the bytes identify a format in this module's table of
 *    known formats (keyed by libmagic's MIME type, or by the start of its description
 *    where the stock database gives no MIME type), the name has an extension that is not
 *    all digits (split archives .001, versioned .so.1), and that extension is not one of
 *    the format's usual extensions. Containers list the formats built on them (ZIP: kra,
 *    docx, usdz, ...; gzip: prproj, tgz, ...; OLE2: doc, max, fla, ...). Text, XML,
 *    scripts, "data" and unknown formats never mismatch.
 *
 * Returns 0 with *out filled in, or RW_EINVAL (m or out NULL, or buf NULL with len > 0).
 * A libmagic failure is not an error: out says "data", flags has RW_FT_MAGIC_FAILED and
 * the failure is counted. Does not allocate (libmagic allocates inside its calls).
 */
int rw_magic_identify(struct rw_magic *m, const uint8_t *buf, size_t len, const char *filename,
                      struct rw_filetype *out);

/* rw_magic_stats copies the counters into out. */
void rw_magic_stats(struct rw_magic *m, struct rw_magic_stats *out);

#endif
