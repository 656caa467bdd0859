/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_smb.h — SMB2/SMB3 and SMB1 over TCP: files moved by CREATE, WRITE, READ and CLOSE. */
#ifndef RW_SMB_H
#define RW_SMB_H

#include <stddef.h>
#include <stdint.h>

#include "rw.h"
#include "rw_xfer.h"

/*
 * SMB2 and SMB3 ([MS-SMB2]) carry files inside one TCP connection: the client opens a
 * file by name (CREATE), the server answers with a 16-byte FileId, and WRITE requests
 * (upload) or READ responses (download) move the file's bytes at explicit offsets until
 * CLOSE. This parser reads the in-order bytes of one connection, per direction, and
 * reports every file whose bytes move through the struct rw_xfer_sink it is given.
 *
 * Framing ([MS-SMB2] 2.1): each message is preceded by a 4-byte NetBIOS session service
 * header (RFC 1002 4.3.1): type 0x00 (session message) and a 24-bit big-endian length
 * (port 445 direct TCP; on port 139 the top 7 bits are 0 and the length has 17 bits, the
 * same value). Other NetBIOS types (session request 0x81, responses 0x82..0x84, keepalive
 * 0x85) are skipped by their 17-bit length and counted; any other type byte loses the
 * direction (see below). Inside a session message:
 *
 *   0xFE 'S' 'M' 'B'   an SMB2 header (64 bytes, [MS-SMB2] 2.2.1) and its command; several
 *                      may be compounded, each NextCommand bytes after the previous
 *                      ([MS-SMB2] 3.2.4.1.4): NextCommand must be at least 64 and stay
 *                      inside the session message, else it is counted and the rest of the
 *                      message is taken as one command (no loops: every step moves >= 64).
 *   0xFD 'S' 'M' 'B'   an SMB3 transform header ([MS-SMB2] 2.2.41): encrypted, counted as
 *                      opaque volume (messages and bytes) and skipped.
 *   0xFC 'S' 'M' 'B'   a compression transform header (2.2.42): counted and skipped.
 *   0xFF 'S' 'M' 'B'   SMB1 ([MS-CIFS] 2.2.3.1): counted; every command of its AndX
 *                      chain is read for files (see "SMB1" below).
 *   anything else      counted as malformed and skipped.
 *
 * Only the SMB2 header and the fixed part of the commands below are gathered (a bounded
 * buffer of RW_SMB_HEAD_MAX_BYTES per direction; CREATE and TREE_CONNECT gather their
 * name too, as far as it fits). WRITE and READ data are never buffered (but for an SMB1
 * chain's, below, that came with a head): they go to
 * sink->file_data straight from the input as they stream past.
 *
 *   TREE_CONNECT (2.2.10)        a successful response with ShareType PIPE (the IPC$
 *                                share) marks its TreeId as a pipe share: CREATEs on it
 *                                are named pipes, counted only (the request's path is not
 *                                read).
 *   CREATE (2.2.13/2.2.14)       the request's UTF-16LE name, converted to UTF-8 (invalid
 *                                sequences become U+FFFD, cut to RW_FILE_NAME_MAX_BYTES at
 *                                a character boundary, counted), is paired with the FileId
 *                                of the successful response with the same MessageId.
 *   WRITE (2.2.21)               request: Length bytes at DataOffset (from the header) must
 *                                lie inside the message and after the fixed part, else
 *                                the WRITE is counted as malformed and its data skipped.
 *   READ (2.2.19/2.2.20)         request: remembers FileId and Offset by MessageId; the
 *                                response's DataLength bytes at DataOffset (checked as
 *                                for WRITE) are the file's bytes. A STATUS_PENDING interim
 *                                response (async, 3.3.4.2) keeps the request waiting for
 *                                its final response.
 *   CLOSE (2.2.15/2.2.16)        the request marks the file closed; the response (or the
 *                                end) closes it.
 *
 * Related compounded requests (SMB2_FLAGS_RELATED_OPERATIONS with FileId all 0xFF,
 * 3.2.4.1.4) use the file of the CREATE earlier in the same session message, before its
 * FileId is known: a compounded CREATE + WRITE + CLOSE uploads a file in one message.
 *
 * SMB1. NT_CREATE_ANDX ([MS-CIFS] 2.2.4.64) gives the name (UTF-16LE when Flags2 has
 * SMB_FLAGS2_UNICODE, else OEM bytes read as Latin-1; the terminating NUL dropped) and,
 * in its response, the 16-bit FID and ResourceType (not 0: a named pipe, counted only);
 * WRITE_ANDX (2.2.4.43) and READ_ANDX (2.2.4.42) move data at DataOffset (from the SMB1
 * header), checked as for SMB2; CLOSE (2.2.4.5) ends the file. Responses are paired by
 * PIDLow and MID (and the command: the commands of a chain share the MID). The files are
 * reported exactly as SMB2's.
 *
 * SMB1 AndX chains (2.2.3.4). An AndX command (LOCKING, OPEN, READ, WRITE, SESSION_SETUP,
 * LOGOFF, TREE_CONNECT, NT_CREATE) names the next command of the message (AndXCommand,
 * 0xFF: none) and its offset from the header (AndXOffset); requests and responses alike
 * are walked, and each command is read as if it came alone, its words and ByteCount
 * gathered at its offset (the buffer holds one command's head at a time). The walk stops,
 * counted in andx_stopped, when AndXOffset does not lie after the command's own offset or
 * not inside the message, after RW_SMB1_ANDX_MAX commands, when the next command lies
 * inside a data region not streamed yet (the data is read, the rest of the chain not), or
 * when a gap covers it. A WRITE_ANDX, READ_ANDX or CLOSE chained after an NT_CREATE_ANDX
 * uses the create's file (the server uses the chain's open; the FID is not known yet). A
 * command followed by another one in a response succeeded (a chain ends at its first
 * failure, whose status the header carries). Data already gathered with a command's head
 * (a chained command's data can be) is fed from the buffer; the rest streams.
 *
 * Files. A file is opened through sink->file_open at its first data: the first WRITE
 * (dir RW_TOSERVER, an upload) or the first READ response data (dir RW_TOCLIENT, a
 * download), with meta app_proto "smb", method "WRITE" or "READ", uri the name (NULL
 * when the CREATE was not seen: a FileId first met in a WRITE or READ is a file with an
 * empty name, counted). A CREATE whose file moves no data is no file. A file carries one
 * direction: data of the other direction on the same FileId is counted, not fed.
 *
 * Offsets. The engine sees each file as one ordered byte stream. The parser keeps the
 * next expected offset (the highest end seen): data at that offset is fed; data further
 * on is preceded by sink->file_gap for the bytes skipped (the first data of a file at an
 * offset > 0 too); data (or the part of it) below it — rewrites, re-reads — is counted
 * and not fed. Data ahead of it once the file has begun (pipelined READs answered out of
 * order) is held, up to RW_SMB_OOO_MAX_BYTES per connection, and fed once the bytes
 * before it have come and the message that brought them has ended (where the two overlap,
 * that message's bytes are kept), or at the file's close with gaps for what never came;
 * past the bound (counted) the file's held bytes are fed first, with gaps, then the new
 * data. A message's data is held whole or not at all: its first bytes to come take room
 * for the rest of it (up to a gap), so what is held, and the bound, do not depend on how
 * the message's bytes are split into calls. The head of the file (what the engine types)
 * is thus always in offset order.
 *
 * Ends. The CLOSE response closes the file with truncated 0. rw_smb_end closes every open
 * file: truncated 0 when its CLOSE request was seen, else 1. A file evicted from the
 * FileId table while open is closed truncated 1.
 *
 * Gaps and loss. A gap inside WRITE or READ data is passed on as sink->file_gap and the
 * parser continues; a gap inside data that is skipped anyway is absorbed; any other gap
 * loses the direction's framing: the direction is then ignored (bytes counted) until
 * rw_smb_end. The result never depends on how bytes are split into calls.
 *
 * Bounds: one allocation for the parser state (two head buffers, the tables below), plus
 * one allocation per remembered name (at most RW_FILE_NAME_MAX_BYTES + 1 bytes). Tables:
 * RW_SMB_PENDING_MAX unanswered requests (full: the oldest is forgotten, counted),
 * RW_SMB_FILEIDS_MAX files (full: the least recently used is forgotten, counted; closed
 * truncated if open), RW_SMB_PIPE_TREES_MAX pipe-share TreeIds, and at most
 * RW_FILES_PER_FLOW_MAX files open in the sink at once (more: counted, not opened).
 */

#define RW_SMB_PENDING_MAX 64     /* requests awaiting their response */
#define RW_SMB_FILEIDS_MAX 256    /* CREATEd FileIds remembered */
#define RW_SMB_PIPE_TREES_MAX 16  /* TreeIds of IPC$ shares remembered */
#define RW_SMB_HEAD_MAX_BYTES (64 + 56 + 2 * RW_FILE_NAME_MAX_BYTES) /* header + CREATE + name */

struct rw_smb;

/* Counters since rw_smb_new; per-direction arrays are indexed by enum rw_dir. Read-only
 * for the caller. */
struct rw_smb_counters {
    uint64_t nbss_msgs[2];        /* NetBIOS session messages (type 0) */
    uint64_t nbss_other[2];       /* other NetBIOS packets (session request, keepalive) */
    uint64_t smb2_msgs[2];        /* SMB2 headers read (compounded ones included) */
    uint64_t compounded[2];       /* ... of which after NextCommand */
    uint64_t smb1_msgs[2];        /* SMB1 messages */
    uint64_t andx_cmds[2];        /* ... their AndX chained commands read (after the first) */
    uint64_t andx_stopped[2];     /* ... chains cut: AndXOffset not past the command's or not
                                   * inside the message, RW_SMB1_ANDX_MAX commands read, the
                                   * next command inside a data region still to stream, or
                                   * in a gap */
    uint64_t encrypted_msgs[2];   /* SMB3 transform (encrypted) messages, skipped */
    uint64_t encrypted_bytes[2];  /* ... their bytes (NetBIOS header excluded) */
    uint64_t compressed_msgs[2];  /* SMB3 compression transform messages, skipped */
    uint64_t malformed[2];        /* unknown protocol ids, short commands, lying lengths or
                                   * offsets, bad NextCommand */
    uint64_t gaps[2];             /* rw_smb_gap calls */
    uint64_t lost[2];             /* framing lost (bad NetBIOS type, gap in a header) */
    uint64_t lost_bytes[2];       /* bytes ignored after framing was lost */
    uint64_t creates;             /* CREATE requests */
    uint64_t creates_ok;          /* ... paired with a successful response */
    uint64_t pipes;               /* CREATEs on a pipe tree (SMB1: of a pipe ResourceType):
                                   * named pipes, never files */
    uint64_t writes;              /* WRITE requests with valid data */
    uint64_t reads;               /* READ responses with valid data */
    uint64_t write_bytes;         /* bytes carried by WRITE requests */
    uint64_t read_bytes;          /* bytes carried by READ responses */
    uint64_t closes;              /* CLOSE requests */
    uint64_t async_interim;       /* STATUS_PENDING interim responses */
    uint64_t responses_orphan;    /* responses with no request waiting (READ, CREATE, ...) */
    uint64_t fileid_unknown;      /* WRITE/READ of a FileId never CREATEd in view */
    uint64_t files_opened;        /* sink->file_open calls */
    uint64_t files_untracked;     /* ... that returned 0 */
    uint64_t files_closed;        /* sink->file_close calls */
    uint64_t files_over_limit;    /* files not opened: RW_FILES_PER_FLOW_MAX open already */
    uint64_t pipe_bytes;          /* data bytes on pipes, counted only */
    uint64_t bytes_rewritten;     /* data bytes below the next expected offset, not fed */
    uint64_t bytes_wrong_dir;     /* data bytes against the file's direction, not fed */
    uint64_t offset_gaps;         /* sink->file_gap calls for forward offset jumps */
    uint64_t pending_evicted;     /* requests forgotten: table full */
    uint64_t fileids_evicted;     /* FileIds forgotten: table full */
    uint64_t names_truncated;     /* names cut to RW_FILE_NAME_MAX_BYTES or to the buffer */
    uint64_t names_invalid;       /* names holding invalid UTF-16 (replaced by U+FFFD) */
    uint64_t nomem;               /* names (or held bytes) dropped for lack of memory */
    uint64_t ooo_held;            /* messages' data (up to a gap) ahead of their file's next
                                   * offset, held */
    uint64_t ooo_overflow;        /* ... fed at once instead: RW_SMB_OOO_MAX_BYTES reached */
};

/* rw_smb_new starts a parser for one TCP connection (src of the flow = the SMB client).
 * sink is copied; its ctx is passed back on every call; sink->expect is never called.
 * sink or any of its callbacks may be NULL: the parser then only counts (a NULL
 * file_open counts files as untracked). Returns NULL only when memory is short. */
struct rw_smb *rw_smb_new(const struct rw_xfer_sink *sink);

/* rw_smb_free releases the parser without calling the sink (call rw_smb_end first to
 * close open files) and sets *sp to NULL; NULL and *sp == NULL are fine. */
void rw_smb_free(struct rw_smb **sp);

/* rw_smb_data feeds n in-order bytes of direction dir (enum rw_dir: RW_TOSERVER carries
 * the client's requests, RW_TOCLIENT the server's responses). p is borrowed for the call;
 * the sink's file callbacks may be called from here. Never fails: oddities are counted.
 * Calls after rw_smb_end, or with another dir, are ignored. */
void rw_smb_data(struct rw_smb *s, uint8_t dir, const uint8_t *p, size_t n);

/* rw_smb_gap says n bytes of direction dir are missing (see "Gaps and loss" above). */
void rw_smb_gap(struct rw_smb *s, uint8_t dir, uint64_t n);

/* rw_smb_end says the connection is over: every open file is closed (truncated 0 when
 * its CLOSE request was seen, else 1). Later calls are ignored. */
void rw_smb_end(struct rw_smb *s);

/* rw_smb_counters gives the parser's counters; the pointer lives as long as the parser. */
const struct rw_smb_counters *rw_smb_counters(const struct rw_smb *s);

/* rw_smb_bytes is the memory the parser holds now, in bytes: its state and tables, the
 * names of the files it remembers, the out-of-order bytes it holds, and a message head
 * while one spans packets (the sum of its allocations' sizes). 0 for NULL. O(1), for a
 * host's flow memcap accounting. */
size_t rw_smb_bytes(const struct rw_smb *p);

#endif
