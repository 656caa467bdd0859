/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_smtp.h — SMTP sessions: the mail a client sends (DATA, BDAT), read for attachments. */
#ifndef RW_SMTP_H
#define RW_SMTP_H

#include <stddef.h>
#include <stdint.h>

#include "rw_mime.h"
#include "rw_xfer.h"

/*
 * SMTP (RFC 5321) carries mail from the client to the server on one connection. This
 * parser reads the in-order bytes of both directions and hands each message's bytes to
 * a MIME reader (rw_mime.h), which reports the attachments as files sent by the client
 * (RW_TOSERVER), decoded.
 *
 * Client lines are commands ending in CRLF or a bare LF, at most RW_SMTP_LINE_MAX_BYTES
 * long (longer ones are counted and skipped through their LF). Verbs are matched case-
 * insensitively. A message starts at:
 *
 *   DATA      (RFC 5321 4.1.1.4) the message follows, up to a line holding only ".";
 *             a line starting with "." loses that dot (dot-stuffing, 4.5.2). The message
 *             starts as soon as DATA is sent, since a client waits for the 354 reply; a
 *             reply to DATA other than 354 before any message byte came ends it unread.
 *   BDAT n [LAST]  (RFC 3030 CHUNKING) exactly n bytes of message follow the command
 *             line, taken as they are; LAST ends the message. Suricata 7 does not follow
 *             BDAT; this parser does.
 *
 * RSET, HELO or EHLO inside a message, a gap in a BDAT chunk's count, and the end of the
 * connection inside a message end it truncated (its open file is closed truncated). A gap
 * inside DATA drops the lost bytes: the MIME reader resumes at the next delimiter.
 *
 * Server lines are replies "ddd text" or multi-line "ddd-text" ... "ddd text", paired in
 * order with the commands (pipelining, RFC 2920; RW_SMTP_PIPELINE_MAX unanswered ones are
 * remembered, more is counted). A 220 reply to STARTTLS (RFC 3207) turns the connection
 * to TLS: nothing more is read. A 235 reply (RFC 4954, authentication succeeded) makes the
 * later files' meta.credentials 1.
 *
 * Bounds: one fixed-size state (two line buffers) plus one MIME reader while a message
 * is being read; rw_smtp_bytes says how much.
 */

struct rw_smtp;

/* Counters since rw_smtp_new; per-direction arrays are indexed by enum rw_dir. */
struct rw_smtp_counters {
    uint64_t lines[2];          /* complete command and reply lines read */
    uint64_t lines_overlong[2]; /* longer than RW_SMTP_LINE_MAX_BYTES, skipped */
    uint64_t gaps[2];           /* rw_smtp_gap calls */
    uint64_t commands;          /* client command lines */
    uint64_t data;              /* DATA commands */
    uint64_t bdat;              /* BDAT commands understood */
    uint64_t bdat_bad;          /* BDAT commands without a usable size: ignored */
    uint64_t messages;          /* messages that ended cleanly (".", BDAT LAST) */
    uint64_t messages_truncated;/* messages ended by RSET, HELO/EHLO, a gap or the end */
    uint64_t data_refused;      /* DATA answered other than 354 before any byte */
    uint64_t replies_bad;       /* server lines that are not replies */
    uint64_t pipeline_overflow; /* commands beyond RW_SMTP_PIPELINE_MAX unanswered */
    uint64_t tls;               /* STARTTLS accepted: the rest is not read */
    uint64_t nomem;             /* messages not read for lack of memory */
    struct rw_mime_counters mime; /* what the MIME readers found */
};

/*
 * rw_smtp_new starts a parser for one connection. sink (copied; may be NULL, then the
 * parser only counts) gets the files: file_open, file_data, file_close, never expect.
 * Returns NULL when memory is short.
 */
struct rw_smtp *rw_smtp_new(const struct rw_xfer_sink *sink);

/* rw_smtp_free releases the parser (and a message being read) without calling the sink,
 * and sets *sp to NULL; NULL is fine. */
void rw_smtp_free(struct rw_smtp **sp);

/* rw_smtp_data feeds n in-order bytes of direction dir (RW_TOSERVER: the client's). p is
 * borrowed for the call. Never fails: oddities are counted. */
void rw_smtp_data(struct rw_smtp *s, uint8_t dir, const uint8_t *p, size_t n);

/* rw_smtp_gap says n bytes of direction dir are missing (see the top of this file). */
void rw_smtp_gap(struct rw_smtp *s, uint8_t dir, uint64_t n);

/* rw_smtp_end says the connection is over: a message being read ends truncated; later
 * calls are ignored. */
void rw_smtp_end(struct rw_smtp *s);

/* rw_smtp_counters gives the parser's counters; the pointer lives as long as the parser. */
const struct rw_smtp_counters *rw_smtp_counters(const struct rw_smtp *s);

/* rw_smtp_bytes gives the bytes the parser holds now (its state and a MIME reader). */
size_t rw_smtp_bytes(const struct rw_smtp *s);

#endif
