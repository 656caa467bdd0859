/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_ftp.h — the FTP control channel: logins, announced data connections, transfer commands. */
#ifndef RW_FTP_H
#define RW_FTP_H

#include <stddef.h>
#include <stdint.h>

#include "rw.h"
#include "rw_xfer.h"

/*
 * FTP (RFC 959, RFC 1123 4.1, RFC 2428 for EPRT/EPSV) moves files on separate data
 * connections that the control connection announces. This parser reads the in-order
 * bytes of one control connection, per direction, and for every transfer command calls
 * sink->expect with the endpoints of the data connection that will carry the file. The
 * engine files the announcement (rw_expect) and opens the file when that flow appears.
 *
 * Lines. Commands and replies are lines ending in CRLF or a bare LF; a line may hold at
 * most RW_FTP_LINE_MAX_BYTES bytes before its LF (CR included). A longer line is counted
 * and skipped through its LF. A gap (rw_ftp_gap) drops the partial line and everything up
 * to and including the next LF, since where that line began is unknown: the first line
 * after a gap is never acted on. The result does not depend on how the bytes are split
 * into calls.
 *
 * Commands are matched case-insensitively: "VERB" or "VERB SP argument". Leading Telnet
 * IAC sequences (sent with ABOR) are skipped. Replies are "ddd text" or multi-line
 * "ddd-text" ... "ddd text". Replies are paired with commands in order (a queue of
 * RW_FTP_PIPELINE_MAX unanswered commands; a gap empties it).
 *
 * Data endpoints, the "announcement":
 *
 *   PASV -> 227 h1,h2,h3,h4,p1,p2   passive: the six numbers are taken from wherever
 *                                   they first appear in the reply text, with or without
 *                                   parentheses (RFC 1123 4.1.2.6). Each is 0..255, the
 *                                   port p1*256+p2 is not 0.
 *   EPSV -> 229 (|||port|)          passive, the control connection's server address;
 *                                   any delimiter 33..126 used four times (RFC 2428).
 *   PORT h1,h2,h3,h4,p1,p2          active: the server connects to the client's port.
 *   EPRT |1|a.b.c.d|port|           active, IPv4; EPRT |2|v6addr|port| active, IPv6.
 *
 * Which address the data connection uses. A passive reply may name another address than
 * the control connection's server: a server behind NAT that announces its private
 * address (clients then connect to the control address instead: curl, lftp and FileZilla
 * do), or a proxy or FXP setup that really sends the data elsewhere. Suricata keys its
 * ftp-data expectation on the control connection's addresses and only takes the port
 * from the reply. We expect BOTH: first the control connection's server address, then,
 * when the announced address differs and is not 0.0.0.0 / ::, the announced one, in two
 * consecutive sink->expect calls with the same name (rw_expect links such a pair, so
 * taking one drops the other). Active mode is symmetric: the control connection's client
 * address first, then the address in PORT/EPRT when it differs.
 *
 * What sink->expect gets: client = the control connection's client (control_key->src),
 * server = its server (control_key->dst). Passive: client_port 0 (any), server_port the
 * announced port. Active: client_port the announced port, server_port 0 (the server
 * connects from port 20 or, for many servers, any port). dir is relative to the control
 * connection: RW_TOSERVER for STOR, APPE and STOU (upload), RW_TOCLIENT for RETR
 * (download), whoever opens the data connection. meta: app_proto "ftp-data", method the
 * command ("STOR", "APPE", "STOU", "RETR"), uri the path as sent (NULL when empty),
 * credentials 1 after a non-anonymous login the server accepted (230), anonymous 1 after
 * an accepted login as "anonymous" or "ftp" (both 0 after a 230 that followed no USER). A
 * refused later login leaves the accepted one in force; REIN ends it. Passwords are
 * never kept.
 *
 * One announcement serves one data command (STOR, APPE, STOU, RETR, and LIST, NLST, MLSD,
 * which use the data connection but carry no file): a second transfer without a new
 * PASV/EPSV/PORT/EPRT makes no expect call and is counted (real servers refuse it or use
 * the RFC 959 default port, which no client relies on). The name of a STOR/APPE/RETR is
 * its argument, cut to RW_FILE_NAME_MAX_BYTES (counted); a STOR, APPE or RETR without
 * an argument is refused by servers and ignored here. STOU's file name comes from its
 * preliminary reply ("125 FILE: name" or "150 FILE: name", RFC 1123 4.1.2.9), else the
 * name is empty; STOU's expect call is therefore made at that 1xx reply, every other
 * transfer's at its command. A client that pipelines PASV and STOR before the 227 reply
 * gets its expect call when the reply arrives.
 *
 * AUTH: after a 234 reply to AUTH the control connection carries TLS. TLS records
 * (RFC 8446 5.1 framing: type 20..23, version 3.x, 16-bit length) are then skipped whole
 * in each direction until a byte that cannot start a record: then the direction is read
 * as clear text again (a client that ends TLS with CCC, RFC 4217 12, or never starts it).
 *
 * Bounds: the parser allocates one fixed-size state (two line buffers of
 * RW_FTP_LINE_MAX_BYTES and one pending transfer name) and nothing else.
 */

/* Unanswered commands remembered for pairing replies; more is counted and forgets the
 * oldest. */
#define RW_FTP_PIPELINE_MAX 16

struct rw_ftp;

/* Counters since rw_ftp_new; per direction arrays are indexed by enum rw_dir of the
 * control connection. Read-only for the caller. */
struct rw_ftp_counters {
    uint64_t lines[2];            /* complete lines read */
    uint64_t lines_overlong[2];   /* lines longer than RW_FTP_LINE_MAX_BYTES, skipped */
    uint64_t gaps[2];             /* rw_ftp_gap calls */
    uint64_t replies_bad;         /* server lines that are not "ddd" replies */
    uint64_t logins;              /* 230 replies: logins accepted, anonymous ones included */
    uint64_t logins_anonymous;    /* ... of which after USER anonymous or USER ftp */
    uint64_t announcements;       /* PASV/EPSV replies and PORT/EPRT commands understood */
    uint64_t announcements_bad;   /* 227/229 replies, PORT and EPRT commands not
                                   * understood (bad numbers, port 0, missing fields) */
    uint64_t transfers;           /* STOR, APPE, STOU and RETR commands with a name */
    uint64_t transfers_unannounced; /* ... with no announcement to use: no expect call */
    uint64_t transfers_dropped;   /* ... announced but abandoned before the expect call:
                                   * refused, replaced by the next, or the end came */
    uint64_t expects;             /* sink->expect calls */
    uint64_t names_truncated;     /* names cut to RW_FILE_NAME_MAX_BYTES */
    uint64_t pipeline_overflow;   /* unanswered commands beyond RW_FTP_PIPELINE_MAX */
    uint64_t tls;                 /* 234 replies to AUTH: TLS started */
    uint64_t tls_records[2];      /* TLS records skipped */
    uint64_t lines_nomem[2];      /* lines spanning packets with no memory to hold them:
                                   * skipped like overlong ones */
};

/*
 * rw_ftp_new starts a parser for one control connection. sink (copied; its ctx is
 * passed back on every call) receives the expect calls; file_open and the other file
 * callbacks are never called, since the control connection carries no file. sink or
 * sink->expect may be NULL: the parser then only counts. control_key (copied) gives the
 * addresses: src is the FTP client, dst the server. Returns NULL when memory is short or
 * control_key is NULL.
 */
struct rw_ftp *rw_ftp_new(const struct rw_xfer_sink *sink, const struct rw_flow_key *control_key);

/* rw_ftp_free releases the parser (making no calls) and sets *fp to NULL; NULL is fine. */
void rw_ftp_free(struct rw_ftp **fp);

/* rw_ftp_data feeds n in-order bytes of the control connection in direction dir (enum
 * rw_dir: RW_TOSERVER carries commands, RW_TOCLIENT replies). p is borrowed for the call.
 * sink->expect may be called from here. Never fails: oddities are counted. */
void rw_ftp_data(struct rw_ftp *ftp, uint8_t dir, const uint8_t *p, size_t n);

/* rw_ftp_gap says n bytes of direction dir are missing: the partial line is dropped and
 * reading resumes after the next line end (see the top of this file). */
void rw_ftp_gap(struct rw_ftp *ftp, uint8_t dir, uint64_t n);

/* rw_ftp_end says the control connection is over: a transfer still waiting for its
 * announcement or its STOU reply is dropped (counted); later calls are ignored. */
void rw_ftp_end(struct rw_ftp *ftp);

/* rw_ftp_counters gives the parser's counters; the pointer lives as long as the parser. */
const struct rw_ftp_counters *rw_ftp_counters(const struct rw_ftp *ftp);

/* rw_ftp_bytes is the memory the parser holds now, in bytes: its state plus the buffers
 * it keeps only while a line or message spans packets. 0 for NULL. O(1), for a host's flow
 * memcap accounting. */
size_t rw_ftp_bytes(const struct rw_ftp *p);

#endif
