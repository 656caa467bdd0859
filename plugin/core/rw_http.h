/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_http.h — HTTP/1.x: requests and responses of one connection, their bodies reported as files. */
#ifndef RW_HTTP_H
#define RW_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "rw.h"
#include "rw_limits.h"
#include "rw_xfer.h"

/*
 * HTTP/1.0 and 1.1 (RFC 9110 semantics, RFC 9112 message syntax, RFC 7578 and RFC 2046
 * for multipart/form-data, RFC 6266 and RFC 8187 for Content-Disposition file names). The
 * parser reads the in-order bytes of one TCP connection, per direction (RW_TOSERVER
 * carries requests, RW_TOCLIENT responses), and reports bodies as files through the sink
 * (rw_xfer.h). It never copies a body: body bytes go straight from the caller's buffer to
 * sink->file_data.
 *
 *   request  = method SP request-target SP "HTTP/1." DIGIT CRLF *(field-line CRLF) CRLF
 *              [ body ]
 *   response = "HTTP/1." DIGIT SP 3DIGIT [ SP reason ] CRLF *(field-line CRLF) CRLF
 *              [ body ]
 *
 * Lines end in CRLF or a bare LF. A start line or header line holds at most
 * RW_HTTP_LINE_MAX_BYTES bytes (longer: counted; an overlong start line is not
 * understood, an overlong header line is ignored), a header block at most
 * RW_HTTP_HDR_MAX_BYTES (more: counted, and the message is abandoned: the direction
 * resyncs, see Gaps). Empty lines before a start line are skipped. A start line that does
 * not parse is counted as junk and skipped. Header names are case-insensitive; an
 * obs-fold continuation line (starting with SP or HT) is counted and ignored (the header
 * keeps the value of its first line).
 *
 * Which bodies are files.
 * - Request bodies (any method: POST, PUT, PATCH, WebDAV PUT/MKCOL/...) of length > 0
 *   are uploads, RW_TOSERVER, named by the last segment of the request target's path
 *   (scheme and authority of an absolute-form target dropped, query and fragment dropped,
 *   percent-decoded except %00 which stays as is; "" when the path ends in '/').
 *   Except:
 *   - application/x-www-form-urlencoded: a form, counted (forms), no file;
 *   - multipart/form-data with a usable boundary (1..70 characters): each part whose
 *     Content-Disposition has a non-empty filename= or filename*= (filename* wins; its
 *     charset and language are dropped and it is percent-decoded) is a file named exactly
 *     as sent, with the part's own Content-Type as meta.content_type. It is opened at the
 *     end of the part's headers, so an empty file part is a file of 0 bytes. Parts
 *     without a file name (or with filename="", a browser's "no file chosen") are form
 *     fields, counted, no file. The preamble and epilogue are ignored. A multipart body
 *     without a usable boundary is counted (multipart_bad) and is one file like any body.
 *     Delimiters are "CRLF--boundary" (the first may start the body); the boundary is
 *     found whatever the split into calls, keeping at most the number of delimiter bytes
 *     already matched, never a copy of the body. A body that ends inside a part (no
 *     close delimiter) closes that part truncated (multipart_bad).
 * - Response bodies of length > 0 are downloads, RW_TOCLIENT, named by the response's
 *   Content-Disposition filename* or filename, else like the request they answer.
 *   A 206 Partial Content body is a file of its own (ranges are not joined here).
 *   Responses to HEAD, 1xx, 204 and 304 have no body. 1xx responses other than 101
 *   (100 Continue, 102, 103) are skipped and answer nothing. A 101, or a 2xx to CONNECT,
 *   switches the connection to opaque: nothing more is parsed in either direction
 *   (counted; a request body in progress still ends by its own framing first).
 * - Body framing (RFC 9112 6.3): Transfer-Encoding whose last coding is chunked wins
 *   over Content-Length (both present: counted). Any other Transfer-Encoding: a request
 *   is abandoned (resync), a response body runs to the connection end. Content-Length
 *   is digits only, at most 2^62; repeated Content-Length headers or comma lists must
 *   all agree. A bad or conflicting one is counted and the message is abandoned
 *   (resync). A request with neither has no body; a response with neither runs to the
 *   connection end and is closed normally (truncated 0) by rw_http_end.
 * - Chunked bodies (RFC 9112 7.1): chunk-size in hex (at most 15 digits, extensions
 *   after ';' ignored), chunk data, CRLF; the last chunk, then trailer lines up to an
 *   empty line. Chunked and multipart combine. A chunked body of 0 data bytes is no
 *   file: chunked and read-to-end bodies open their file at their first byte, bodies with
 *   Content-Length > 0 at the end of the headers. A malformed chunk line closes the file
 *   truncated and the direction resyncs (counted).
 *
 * File meta: app_proto "http", method, host (Host header) and uri (request target) of
 * the request, content_type and content_encoding of the message (of the part for
 * multipart files), declared_size the Content-Length (0 for chunked, read-to-end and
 * multipart parts), credentials 1 when that request carried Authorization,
 * Proxy-Authorization or Cookie, anonymous 0. Kept strings are cut to the bounds below
 * (counted as fields_truncated); names to RW_FILE_NAME_MAX_BYTES (names_truncated).
 *
 * Pipelining and keep-alive: each request, at the end of its headers, joins a queue of
 * RW_HTTP_PIPELINE_MAX unanswered requests; each final response takes the oldest. When
 * the queue is full the request is not queued (counted as pipeline_overflow); a response
 * that finds the queue empty (counted as responses_unpaired) is read as an answer to a
 * GET whose name is "" (still named by its Content-Disposition).
 *
 * Gaps (rw_http_gap): inside a body of known length the gap goes to the file
 * (sink->file_gap, bounded by what is left of the body) and parsing continues; a gap
 * reaching past the body's end closes the file (not truncated: its length is complete)
 * and the direction resyncs. Inside a multipart body of known length the open part is
 * closed truncated and the next delimiter starts the next part. Inside a read-to-end
 * body the gap goes to the file. Anywhere else (start line, headers, chunked framing) the
 * open file is closed truncated and the direction resyncs: bytes are dropped through the
 * next LF, then lines are skipped until one parses as a start line (toserver: method SP
 * target SP HTTP/1.x; toclient: HTTP/1.x SP 3DIGIT). A gap that makes a direction resync
 * also empties the queue of unanswered requests, since whole requests or responses may
 * have been lost (responses to requests lost in a toserver gap would otherwise take the
 * names of later requests). All counted.
 *
 * rw_http_end closes every open file: truncated 1 unless its body is complete, and a
 * read-to-end response body is complete at the connection end. Each file opened is
 * closed exactly once, whatever the input. The sink calls made do not depend on how the
 * bytes are split into calls (file_data call boundaries excepted).
 *
 * Bounds: one fixed allocation per parser (about 40 KiB: a line buffer per direction, a
 * multipart header line buffer, and the queue of RW_HTTP_PIPELINE_MAX requests with
 * their kept strings); nothing grows with the input.
 */

/* RW_HTTP_PIPELINE_MAX, RW_HTTP_METHOD_MAX_BYTES, RW_HTTP_URI_KEEP_BYTES and
 * RW_HTTP_FIELD_KEEP_BYTES are in rw_limits.h. */

struct rw_http;

/* Counters since rw_http_new; per direction arrays are indexed by enum rw_dir.
 * Read-only for the caller. */
struct rw_http_counters {
    uint64_t lines[2];              /* start, header, chunk and trailer lines read */
    uint64_t lines_overlong[2];     /* lines longer than RW_HTTP_LINE_MAX_BYTES */
    uint64_t headers_overlong[2];   /* header blocks over RW_HTTP_HDR_MAX_BYTES: abandoned */
    uint64_t junk_lines[2];         /* lines skipped where a start line was expected */
    uint64_t gaps[2];               /* rw_http_gap calls */
    uint64_t resyncs[2];            /* times a direction lost its framing */
    uint64_t requests;              /* request headers complete */
    uint64_t responses;             /* final responses (status >= 200, and 101) */
    uint64_t responses_1xx;         /* 1xx skipped (100 Continue ...) */
    uint64_t responses_unpaired;    /* final responses with no request queued */
    uint64_t pipeline_overflow;     /* requests not queued: RW_HTTP_PIPELINE_MAX reached */
    uint64_t credentials;           /* requests with Authorization/Proxy-Authorization/Cookie */
    uint64_t expect_continue;       /* requests with Expect: 100-continue */
    uint64_t files[2];              /* sink->file_open calls */
    uint64_t files_truncated[2];    /* files closed with truncated 1 */
    uint64_t forms;                 /* x-www-form-urlencoded request bodies */
    uint64_t form_fields;           /* multipart parts without a file name */
    uint64_t multipart;             /* multipart/form-data bodies with a usable boundary */
    uint64_t multipart_bad;         /* no usable boundary, or body ended inside a part */
    uint64_t chunks[2];             /* chunk-size lines understood */
    uint64_t chunks_bad[2];         /* malformed chunk-size lines or chunk ends: resync */
    uint64_t length_bad[2];         /* Content-Length not digits, > 2^62, conflicting */
    uint64_t te_and_cl[2];          /* chunked and Content-Length both: chunked used */
    uint64_t te_unknown[2];         /* Transfer-Encoding not ending in chunked */
    uint64_t obs_fold[2];           /* obs-fold continuation lines ignored */
    uint64_t opaque;                /* switches to opaque (101, 2xx to CONNECT) */
    uint64_t fields_truncated;      /* kept strings cut (method, host, uri, types) */
    uint64_t names_truncated;       /* file names cut to RW_FILE_NAME_MAX_BYTES */
};

/*
 * rw_http_new starts a parser for one connection. sink (copied; its ctx is passed back on
 * every call) receives file_open, file_data, file_gap and file_close; expect is never
 * called. sink or any callback may be NULL: the parser then only counts (an absent
 * file_open counts as id 0). Returns NULL only when memory is short.
 */
struct rw_http *rw_http_new(const struct rw_xfer_sink *sink);

/* rw_http_free releases the parser and sets *hp to NULL, making no sink calls (files
 * still open are not closed: call rw_http_end first for that). NULL is fine. */
void rw_http_free(struct rw_http **hp);

/* rw_http_data feeds n in-order bytes of direction dir (enum rw_dir). p is borrowed for
 * the call. Sink calls are made from here. Never fails: oddities are counted. Ignored
 * after rw_http_end, for a bad dir, or p NULL. */
void rw_http_data(struct rw_http *h, uint8_t dir, const uint8_t *p, size_t n);

/* rw_http_gap says n bytes of direction dir are missing (see Gaps above). */
void rw_http_gap(struct rw_http *h, uint8_t dir, uint64_t n);

/* rw_http_end says the connection is over: open files are closed (truncated 1 unless the
 * body is complete; read-to-end response bodies are complete). Later calls are ignored. */
void rw_http_end(struct rw_http *h);

/* rw_http_counters gives the parser's counters; the pointer lives as long as the parser. */
const struct rw_http_counters *rw_http_counters(const struct rw_http *h);

/* rw_http_credentials_seen is 1 when any request so far carried Authorization,
 * Proxy-Authorization or Cookie (for the flow record and rules), else 0. */
int rw_http_credentials_seen(const struct rw_http *h);

/* rw_http_bytes is the memory h holds now, in bytes (its fixed allocation), for a host's
 * flow memcap accounting. 0 for NULL. O(1). */
size_t rw_http_bytes(const struct rw_http *h);

#endif
