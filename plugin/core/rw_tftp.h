/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_tftp.h — TFTP: read and write requests announce transfers; DATA blocks carry the file. */
#ifndef RW_TFTP_H
#define RW_TFTP_H

#include <stddef.h>
#include <stdint.h>

#include "rw.h"
#include "rw_xfer.h"

/*
 * TFTP (RFC 1350, options RFC 2347, blksize RFC 2348) runs over UDP. The client sends a
 * request to port 69; the server answers from a new port (its transfer ID), so the file
 * travels on another flow whose first sender is the server. One parser object serves one
 * flow, in one of two roles:
 *
 * Request flow (the engine makes one for UDP flows to port 69). Datagrams of direction
 * RW_TOSERVER are read as requests:
 *
 *    2 bytes   string   1 byte  string  1 byte  [ string 1 byte  string 1 byte ]*
 *   | opcode | filename |  0  |  mode  |  0  | [ option |  0  |  value  |  0  ]*
 *
 * opcode 1 RRQ (read: a download, RW_TOCLIENT) or 2 WRQ (write: an upload, RW_TOSERVER).
 * A request with a non-empty name and a NUL-terminated mode calls
 *   sink->expect(&key->src, key->sport, &key->dst, 0, dir, name, name_len, &meta)
 * (the server's transfer port is not known yet: 0 = any) with meta app_proto "tftp",
 * method "RRQ" or "WRQ", uri the name, content_type the mode as sent, cut to
 * RW_HOSTNAME_MAX_BYTES (netascii, octet, mail, matched case-insensitively; any other is
 * counted and still announced). The name is cut to RW_FILE_NAME_MAX_BYTES (counted).
 * Options are read in pairs; "blksize" (any case) with a decimal value 8..65464 (leading
 * zeros allowed, as peers reading it with strtoul take them) is remembered
 * (counters.blksize), another value is counted. A request identical to the previous
 * well-formed one (a retransmission: same opcode, name and mode as cut; options are not
 * compared) is counted and not announced again. Malformed requests (missing NULs, empty
 * name, odd option list) are counted, never announced. Other opcodes on a request flow
 * are counted.
 *
 * Transfer flow (after rw_tftp_transfer). file_dir is the direction on THIS flow in which
 * DATA travels; ACKs go the other way. Blocks hold 512 bytes unless an OACK (opcode 6)
 * before the first DATA names another blksize (8..65464); the parser cannot tell the
 * server on this flow, so an OACK from either side counts.
 *
 *   DATA (3)   | 3 | block | 0..blksize bytes |   the first DATA opens the file
 *              (sink->file_open with the name and a copy of the meta given to
 *              rw_tftp_transfer). Blocks are numbered from 1; after 65535 comes 0 (most
 *              implementations) or 1 (some): both are accepted (a 1 there marks the peer
 *              as one that skips 0, at later wraps too). The next block in sequence
 *              goes to sink->file_data (the bytes straight from the datagram, no copy); a
 *              block behind it (1..32768 behind, modulo 65536) is a retransmission, counted
 *              and not fed; a block k ahead (k up to 32767) means k blocks were lost:
 *              sink->file_gap(k * blksize) then its data. A retransmission opens nothing
 *              (before any block is fed, 0 and 32769..65535 are behind block 1). An empty
 *              block is not passed to file_data. A block shorter than blksize ends the
 *              file (sink->file_close, truncated 0). A block longer than blksize is
 *              counted and fed. DATA against file_dir is counted; so is DATA after the
 *              end: the last block fed again is a retransmission (its ACK was lost), any
 *              other block data_after_end.
 *   ERROR (5)  | 5 | code | message | 0 |   from either side ends an open file, truncated
 *              1 (the body is not checked); before any DATA it ends the transfer with no
 *              file at all (later DATA is after the end).
 *   ACK (4), OACK (6) counted. OACK sets blksize until the first DATA; later, or with an
 *              odd option list (counted as bad), it changes nothing. Anything else, and
 *              RRQ/WRQ, are counted as bad.
 *
 * rw_tftp_end closes a file still open, truncated 1.
 *
 * Bounds: besides its state, the parser holds at most one allocation, sized to what it
 * keeps: on a transfer flow the name and the meta strings, cut to RW_FILE_NAME_MAX_BYTES
 * (name, uri), RW_HOSTNAME_MAX_BYTES (content_type) and RW_PROTO_NAME_MAX_BYTES
 * (app_proto, method); on a request flow the previous request's name and mode, cut as
 * announced. Datagram bytes are never copied.
 */

#define RW_TFTP_BLKSIZE_DEFAULT 512
#define RW_TFTP_BLKSIZE_MIN 8      /* RFC 2348 */
#define RW_TFTP_BLKSIZE_MAX 65464  /* RFC 2348 */

struct rw_tftp;

/* Counters since rw_tftp_new; per-direction arrays are indexed by enum rw_dir of the flow.
 * Read-only for the caller. */
struct rw_tftp_counters {
    uint64_t datagrams[2];       /* rw_tftp_datagram calls */
    uint64_t bad[2];             /* datagrams too short, unknown opcodes, opcodes out of
                                  * place for the flow's role */
    uint64_t rrq;                /* read requests announced */
    uint64_t wrq;                /* write requests announced */
    uint64_t requests_bad;       /* malformed requests, not announced */
    uint64_t requests_repeated;  /* retransmitted requests, not announced again */
    uint64_t modes_unknown;      /* modes other than netascii, octet, mail */
    uint64_t options;            /* option pairs read (requests and OACKs) */
    uint64_t blksize_bad;        /* blksize values outside 8..65464 or not numbers */
    uint64_t blksize;            /* block size: requested (request flow) or in use
                                  * (transfer flow, 512 until an OACK) */
    uint64_t names_truncated;    /* names cut to RW_FILE_NAME_MAX_BYTES */
    uint64_t expects;            /* sink->expect calls */
    uint64_t blocks;             /* DATA blocks fed */
    uint64_t bytes;              /* bytes fed */
    uint64_t duplicates;         /* retransmitted DATA blocks, not fed */
    uint64_t blocks_lost;        /* blocks skipped (file_gap) */
    uint64_t blocks_oversized;   /* DATA longer than blksize */
    uint64_t wraps;              /* block number wrapped past 65535 (block 65535 fed,
                                  * or a run of lost blocks passing it) */
    uint64_t data_wrong_dir;     /* DATA against file_dir */
    uint64_t data_after_end;     /* DATA that was not a retransmission after the file ended */
    uint64_t data_unannounced;   /* DATA on a flow without rw_tftp_transfer */
    uint64_t acks;               /* ACK datagrams */
    uint64_t oacks;              /* OACK datagrams */
    uint64_t nomem;              /* names and meta not kept (the file is still followed
                                  * without them), requests not kept for retransmissions */
    uint64_t errors;             /* ERROR datagrams */
    uint64_t files_opened;       /* sink->file_open calls */
    uint64_t files_untracked;    /* ... that returned 0 */
    uint64_t files_closed;       /* sink->file_close calls with truncated 0 */
    uint64_t files_truncated;    /* sink->file_close calls with truncated 1 */
};

/* rw_tftp_new starts a parser for one UDP flow. sink is copied (its ctx is passed back on
 * every call); sink or any callback may be NULL: the parser then only counts. key is
 * copied: src is the flow's client (its first sender), dst the server. Returns NULL when
 * key is NULL or memory is short. */
struct rw_tftp *rw_tftp_new(const struct rw_xfer_sink *sink, const struct rw_flow_key *key);

/* rw_tftp_free releases the parser without calling the sink and sets *tp to NULL; NULL
 * and *tp == NULL are fine. */
void rw_tftp_free(struct rw_tftp **tp);

/* rw_tftp_transfer makes this flow a transfer flow: the engine found (rw_expect) that it
 * carries the file a request announced. file_dir (enum rw_dir on THIS flow) is the
 * direction DATA travels; name (name_len bytes, may be NULL when 0) and meta (may be NULL)
 * are borrowed for the call and copied, bounded (meta's host and content_encoding are not
 * kept: TFTP has neither). Called once, before the flow's datagrams; a second call, or a
 * call with a bad file_dir, is ignored (counted as bad); a call after rw_tftp_end is
 * ignored. Without memory for the copy the file is still followed, without name and meta
 * (counted as nomem). */
void rw_tftp_transfer(struct rw_tftp *t, uint8_t file_dir, const char *name, size_t name_len,
                      const struct rw_xfer_meta *meta);

/* rw_tftp_datagram reads one datagram of n bytes in direction dir (enum rw_dir). p is
 * borrowed for the call; the sink may be called from here. Never fails: oddities are
 * counted. Ignored after rw_tftp_end. */
void rw_tftp_datagram(struct rw_tftp *t, uint8_t dir, const uint8_t *p, size_t n);

/* rw_tftp_end says the flow is over: a file still open is closed truncated 1. Later calls
 * are ignored. */
void rw_tftp_end(struct rw_tftp *t);

/* rw_tftp_counters gives the parser's counters; the pointer lives as long as the parser. */
const struct rw_tftp_counters *rw_tftp_counters(const struct rw_tftp *t);

/* rw_tftp_bytes is the memory the parser holds now, in bytes: its state plus the strings
 * it keeps (see Bounds above); it does not grow with the datagrams. 0 for NULL. O(1), for
 * a host's flow memcap accounting. */
size_t rw_tftp_bytes(const struct rw_tftp *p);

#endif
