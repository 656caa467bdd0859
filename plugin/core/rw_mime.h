/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_mime.h — streaming MIME reader: attachments of a mail message become files, decoded. */
#ifndef RW_MIME_H
#define RW_MIME_H

#include <stddef.h>
#include <stdint.h>

#include "rw_xfer.h"

/*
 * A mail message (RFC 5322 header block, then a body) is read as it streams past, once,
 * with fixed memory: RW_MIME_LINE_MAX_BYTES of line, three Content-* header values of
 * RW_MIME_FIELD_MAX_BYTES, and RW_MIME_DEPTH_MAX multipart boundaries.
 *
 * Entities (RFC 2045, 2046): the message and, inside multipart bodies, each part
 * between "--boundary" delimiter lines (RFC 2046 5.1.1; the CRLF before a delimiter
 * belongs to the delimiter, "--boundary--" closes the multipart, text before the first
 * and after the last delimiter is ignored). A multipart nests up to RW_MIME_DEPTH_MAX
 * deep; a message/rfc822 part is read as a message of its own (its headers, then its
 * body). A deeper one, or one without a usable boundary (missing, empty or longer
 * than 70 bytes), is counted and its body skipped.
 *
 * Files: an entity with a file name is an attachment and becomes one file, as in
 * Suricata: the name is the Content-Disposition "filename" parameter (RFC 2183), or its
 * RFC 2231 form filename*=charset'lang'%XX (percent-decoded), else the Content-Type
 * "name" parameter; quoted-strings lose their quotes and backslashes (RFC 2045 5.1). RFC
 * 2047 encoded words are kept as they are. Names are cut to RW_FILE_NAME_MAX_BYTES
 * (counted). A part without a name is no file, whatever its disposition.
 *
 * Bodies reach the sink decoded (RFC 2045 6): base64 (characters outside the alphabet
 * are ignored and counted; "=" ends the quantum) and quoted-printable (=XX; a final "="
 * is a soft line break; trailing blanks of a line are dropped; "=" not followed by two
 * hex digits is kept as it is and counted). 7bit, 8bit, binary and unknown encodings
 * pass as they are, line ends included, except the line end before a delimiter. So a
 * file's size and type are those of the decoded file.
 *
 * meta for file_open: app_proto "smtp", method (the caller's, e.g. "DATA" or "BDAT"),
 * content_type the part's type/subtype, credentials as given to rw_mime_new.
 */

struct rw_mime;

/* Counters of a reader, owned by the caller (so that one set can sum several messages). */
struct rw_mime_counters {
    uint64_t messages;          /* rw_mime_new calls that got a reader */
    uint64_t parts;             /* entities whose header block ended */
    uint64_t files;             /* file_open calls */
    uint64_t files_truncated;   /* files closed truncated (the message or the flow ended
                                 * inside them, or a gap) */
    uint64_t lines_overlong;    /* lines longer than RW_MIME_LINE_MAX_BYTES */
    uint64_t fields_truncated;  /* Content-* values cut to RW_MIME_FIELD_MAX_BYTES */
    uint64_t names_truncated;   /* file names cut to RW_FILE_NAME_MAX_BYTES */
    uint64_t depth_exceeded;    /* multiparts deeper than RW_MIME_DEPTH_MAX, skipped */
    uint64_t boundary_bad;      /* multiparts without a usable boundary, skipped */
    uint64_t b64_invalid;       /* bytes outside the base64 alphabet, ignored */
    uint64_t qp_invalid;        /* "=" not followed by two hex digits, kept */
    uint64_t gaps;              /* rw_mime_gap calls */
};

/*
 * rw_mime_new starts reading one message. sink (copied) gets the files; dir is their
 * direction; method and credentials go into each file's meta (method must outlive the
 * reader: a string literal). c (borrowed, must outlive the reader) is where counts go.
 * Returns NULL when memory is short.
 */
struct rw_mime *rw_mime_new(const struct rw_xfer_sink *sink, uint8_t dir, const char *method,
                            uint8_t credentials, struct rw_mime_counters *c);

/* rw_mime_free releases the reader without calling the sink and sets *mp to NULL. */
void rw_mime_free(struct rw_mime **mp);

/* rw_mime_data reads the next n bytes of the message (as sent: dot-stuffing already
 * undone). p is borrowed for the call. Never fails: oddities are counted. */
void rw_mime_data(struct rw_mime *m, const uint8_t *p, size_t n);

/* rw_mime_gap says n bytes of the message are missing: a file being read is closed
 * truncated, and reading resumes at the next line that is a delimiter. */
void rw_mime_gap(struct rw_mime *m, uint64_t n);

/* rw_mime_end ends the message: a file still open is closed, truncated when the message
 * did not end cleanly (truncated != 0: RSET, a gap, the connection's end). */
void rw_mime_end(struct rw_mime *m, int truncated);

/* rw_mime_bytes gives the bytes the reader holds (its one fixed-size block). */
size_t rw_mime_bytes(const struct rw_mime *m);

#endif
