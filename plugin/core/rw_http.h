/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_http.h — HTTP/1.x on libhtp: requests and responses of one connection, their bodies reported as files. */
#ifndef RW_HTTP_H
#define RW_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "rw.h"
#include "rw_limits.h"
#include "rw_xfer.h"

/*
 * HTTP/1.0 and 1.1 read by Debian's libhtp 0.5 (the parser Suricata 7 uses), configured
 * as Suricata 7.0 configures it by default: personality IDS, request and response
 * decompression (gzip, deflate, raw deflate, lzma; at most 2 layers, a 1 MiB bomb limit
 * and 100 ms of decompression time per call), field limits 9000/18000 bytes, at most
 * 1024 headers and 512 transactions. libhtp frames the messages (Content-Length,
 * chunked, read-to-close, HTTP/0.9, pipelining, 100-continue, CONNECT) and hands this
 * module the decoded body bytes, which go to the sink unchanged: typing and sizes are of
 * the real file, as in Suricata's fileinfo. libhtp allocates with malloc, not rw_alloc:
 * the test build's allocation-failure hook does not reach it.
 *
 * Which bodies are files, and their names (Suricata 7, app-layer-htp.c):
 * - A POST or PUT request body of at least one byte is an upload, RW_TOSERVER, named by
 *   the request's normalised URI path (percent-decoded, query and fragment dropped:
 *   "/dav/ep07/comp_v003.psd"). A form-urlencoded POST is such a file too (counted as
 *   forms). Bodies of other methods (PATCH, MKCOL, ...) are no files.
 * - A POST whose Content-Type is multipart/form-data with a boundary (1..70 characters)
 *   is read as parts (RFC 7578): each part whose Content-Disposition has a non-empty
 *   filename= is a file named exactly so (filename* is not read, as in Suricata), with
 *   the part's Content-Type as meta.content_type; it is opened at the end of the part's
 *   headers, so an empty file part is a file of 0 bytes. Other parts are form fields
 *   (counted). A part the body ends inside is closed truncated (multipart_bad).
 *   Without a usable boundary the body is one file named by the URI path.
 * - A response body of at least one byte is a download, RW_TOCLIENT, named by its
 *   Content-Disposition filename=, else by the URI path of the request it answers.
 * - A request or response without a path (a response libhtp could not pair gets the
 *   path "/libhtp::request_uri_not_seen" from libhtp) is named so; a body without any
 *   path is no file (files_unnamed).
 * Files open at their first body byte and close when libhtp completes the message
 * (truncated 0), at rw_http_end (truncated 1, except a read-to-close response, which
 * the close completes), or when a switch of protocol ends parsing.
 *
 * File meta: app_proto "http", method, host (libhtp's normalised hostname), uri (the raw
 * request target), content_type and content_encoding (the message's headers, or the
 * part's Content-Type), declared_size the Content-Length of an identity, unencoded body
 * (0 otherwise), credentials 1 when that request carried Authorization,
 * Proxy-Authorization or Cookie. Strings are cut to the bounds of rw_limits.h (counted).
 *
 * Gaps (rw_http_gap): inside a message they go to libhtp as Suricata 7 passes them: in
 * a body of known length, or a read-to-close body, libhtp skips them and the file gets
 * sink->file_gap; elsewhere libhtp may give up on the direction (stream_errors), after
 * which that direction is not parsed. Inside a multipart body the open part is closed
 * truncated and the next delimiter starts the next part. Between messages a gap is only
 * counted.
 *
 * A 101 response, or a 2xx to CONNECT, ends parsing for both directions (opaque).
 *
 * Memory: the parser itself is a small struct (rw_http_bytes). libhtp keeps the header
 * fields of every open transaction; when those and a header block still arriving pass
 * RW_HTTP_HELD_MAX_BYTES, open files are closed truncated and the connection is no
 * longer parsed (held_overflow). libhtp's connection
 * parser exists only while a message is in progress: it is made at the first byte of a
 * message and destroyed when both directions are between messages with no transaction
 * open, so an idle keep-alive connection holds only the struct. A multipart reader
 * (with its 8 KiB part-header line buffer) exists only during a multipart body.
 */

/* RW_HTTP_METHOD_MAX_BYTES, RW_HTTP_URI_KEEP_BYTES, RW_HTTP_FIELD_KEEP_BYTES and
 * RW_HTTP_LINE_MAX_BYTES (multipart part headers) are in rw_limits.h. */

struct rw_http;

/* Counters since rw_http_new; per direction arrays are indexed by enum rw_dir.
 * Read-only for the caller. The anomaly counters are named like the Suricata 7 HTTP
 * anomaly events they correspond to, counted once per message from libhtp's
 * transaction flags. */
struct rw_http_counters {
    uint64_t gaps[2];               /* rw_http_gap calls */
    uint64_t stream_errors[2];      /* libhtp gave up on a direction */
    uint64_t data_other;            /* libhtp stopped at a CONNECT awaiting its answer */
    uint64_t requests;              /* request headers complete */
    uint64_t responses;             /* response headers complete */
    uint64_t responses_unpaired;    /* responses libhtp could not pair with a request */
    uint64_t http_0_9;              /* HTTP/0.9 requests */
    uint64_t credentials;           /* requests with Authorization/Proxy-Authorization/Cookie */
    uint64_t expect_continue;       /* requests with Expect: 100-continue */
    uint64_t files[2];              /* sink->file_open calls */
    uint64_t files_truncated[2];    /* files closed with truncated 1 */
    uint64_t files_unnamed[2];      /* bodies with no name at all: no file */
    uint64_t decoded[2];            /* bodies decompressed (Content-Encoding) */
    uint64_t forms;                 /* x-www-form-urlencoded request bodies */
    uint64_t form_fields;           /* multipart parts without a file name */
    uint64_t multipart;             /* multipart/form-data bodies with a usable boundary */
    uint64_t multipart_bad;         /* no usable boundary, or body ended inside a part */
    uint64_t multipart_folded;      /* folded part header lines ignored */
    uint64_t multipart_lines_overlong; /* part header lines over RW_HTTP_LINE_MAX_BYTES */
    uint64_t opaque;                /* switches to opaque (101, 2xx to CONNECT) */
    uint64_t fields_truncated;      /* kept strings cut (method, host, uri, types) */
    uint64_t names_truncated;       /* file names cut to RW_FILE_NAME_MAX_BYTES */
    uint64_t connp_made;            /* libhtp connection parsers made (one per busy spell) */
    uint64_t oom;                   /* allocations that failed: parsing or files lost */
    uint64_t held_overflow;         /* header bytes held past RW_HTTP_HELD_MAX_BYTES: the
                                     * connection is no longer parsed */
    /* Suricata 7 anomaly events */
    uint64_t request_smuggling;            /* REQUEST_SMUGGLING: Content-Length and chunked */
    uint64_t invalid_transfer_encoding;    /* INVALID_TRANSFER_ENCODING_VALUE_IN_REQUEST */
    uint64_t invalid_content_length;       /* INVALID_CONTENT_LENGTH_FIELD_IN_REQUEST */
    uint64_t request_line_invalid;         /* REQUEST_LINE_INVALID */
    uint64_t response_status_line_invalid; /* RESPONSE_INVALID_STATUS (status line) */
    uint64_t header_invalid[2];            /* REQUEST/RESPONSE_HEADER_INVALID */
    uint64_t invalid_field_folding[2];     /* INVALID_REQUEST/RESPONSE_FIELD_FOLDING */
    uint64_t header_repetition[2];         /* REQUEST/RESPONSE_HEADER_REPETITION */
    uint64_t field_too_long[2];            /* REQUEST/RESPONSE_FIELD_TOO_LONG */
    uint64_t too_many_headers[2];          /* REQUEST/RESPONSE_TOO_MANY_HEADERS */
    uint64_t missing_host_header;          /* MISSING_HOST_HEADER */
    uint64_t host_header_ambiguous;        /* HOST_HEADER_AMBIGUOUS */
    uint64_t host_invalid;                 /* URI_HOST_INVALID or HEADER_HOST_INVALID */
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

/* rw_http_end says the connection is over: libhtp completes a read-to-close response
 * (truncated 0); other open files are closed truncated 1. The connection parser is
 * released. Later calls are ignored. */
void rw_http_end(struct rw_http *h);

/* rw_http_counters gives the parser's counters; the pointer lives as long as the parser. */
const struct rw_http_counters *rw_http_counters(const struct rw_http *h);

/* rw_http_credentials_seen is 1 when any request so far carried Authorization,
 * Proxy-Authorization or Cookie (for the flow record and rules), else 0. */
int rw_http_credentials_seen(const struct rw_http *h);

/*
 * rw_http_bytes is what the parser holds now, for the flow memcap: 0 for NULL. Cheap (a
 * few additions), call it after every packet. libhtp's allocations are opaque, so the
 * figure is computed: the struct, plus while libhtp's connection parser lives a measured
 * constant for it and for each open transaction and decompressor, the bytes of each open
 * transaction's header fields (with a measured per-field overhead) and the bytes fed to
 * a header block not yet complete (libhtp buffers at most those), plus the multipart
 * reader while one is in use. docs/architecture.md gives the measurement and the bytes
 * of an idle parser.
 */
size_t rw_http_bytes(const struct rw_http *h);

#endif
