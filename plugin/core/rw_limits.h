/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_limits.h — every bound on attacker- or author-controlled input, units in the name. */
#ifndef RW_LIMITS_H
#define RW_LIMITS_H

/* Decoding */
#define RW_VLAN_MAX_LAYERS 2          /* 802.1Q + QinQ; more is counted as too_many_layers */
#define RW_DECODE_MAX_ENCAP_DEPTH 4   /* tunnels (VXLAN, GRE) inside each other */
#define RW_IPV6_MAX_EXT_HEADERS 16    /* extension headers walked before giving up */

/* Flow table. flow.memcap bounds every per-flow byte: the host's record, the core's state,
 * nDPI's while classifying, the stream's held bytes, the parser and the open files
 * (docs/architecture.md). The default holds 4,212 HTTP flows open at once with the
 * 41 KiB HTTP parser and nDPI's state (about 53 KiB each, 213 MiB: e2e busy_http), four
 * times the ~1,024 sessions a busy studio link keeps open (docs/performance.md). */
#define RW_FLOW_MEMCAP_DEFAULT_BYTES (256ULL * 1024 * 1024)
#define RW_FLOW_MEMCAP_MIN_BYTES (64ULL * 1024)

/* Idle timeouts, seconds of packet time (Suricata's defaults, but closed). A TCP flow
 * closed by RST or by FIN both ways has nothing left to carry: it ends after a short
 * closed timeout, long enough for the retransmissions of a lost last ACK or of data in
 * flight at a RST (one or two RTOs), so its parsers and files do not wait out an idle
 * timeout; a SYN on it ends it at once (port reuse). */
#define RW_TIMEOUT_TCP_NEW_SEC 60
#define RW_TIMEOUT_TCP_EST_SEC 600
#define RW_TIMEOUT_TCP_CLOSED_SEC 5
#define RW_TIMEOUT_UDP_NEW_SEC 30
#define RW_TIMEOUT_UDP_EST_SEC 300
#define RW_TIMEOUT_OTHER_SEC 30

/* nDPI: packets per flow before giving up (LIBRARY-NOTES.md) */
#define RW_NDPI_MAX_TCP_PKTS 80
#define RW_NDPI_MAX_UDP_PKTS 24

/* Strings kept per flow from the wire */
#define RW_HOSTNAME_MAX_BYTES 256
#define RW_PROTO_NAME_MAX_BYTES 64
#define RW_RISKS_MAX 16

/* Rule files */
#define RW_RULES_FILE_MAX_BYTES (4 * 1024 * 1024)
#define RW_RULES_MAX_DEPTH 16
#define RW_RULES_MAX_FILES 256
#define RW_LIST_FILE_MAX_BYTES (256 * 1024 * 1024)
#define RW_SET_MAX 64                 /* --set options */
#define RW_RULES_MAX_NODES 262144     /* scalars, lists and mappings per rule file */
#define RW_RULES_MAX_TYPE_GROUPS 64   /* a rule's type set is one 64-bit mask */
#define RW_RULES_WINDOW_MAX_SEC (30 * 86400) /* the longest host window span */
#define RW_RULES_NAME_MAX_BYTES 64    /* list and type group names */
#define RW_LIST_LINE_MAX_BYTES 8192   /* longer lines in a list file are an error */

/* Diagnostics */
#define RW_DIAG_MAX_LINES 200
#define RW_DIAG_LINE_MAX_BYTES 512

/* Streams, transfers and files */
#define RW_STREAM_OOO_MAX_BYTES (256 * 1024)           /* out-of-order bytes held per direction */
#define RW_STREAM_OOO_MAX_SEGMENTS 64                  /* out-of-order segments held per direction */
#define RW_STREAM_GLOBAL_MAX_BYTES (64ULL * 1024 * 1024) /* out-of-order bytes held in all flows */
#define RW_STREAM_MAX_AHEAD_BYTES (1024ULL * 1024 * 1024) /* a segment further ahead of the next
                                                            * expected byte is dropped */
#define RW_APP_SNIFF_BYTES 16                          /* first bytes of a direction collected
                                                        * before a parser is chosen */
#define RW_APP_DECIDE_BYTES 512                        /* ... and looked at, at most */
#define RW_FILE_HEAD_MAX_BYTES 4096                    /* first bytes of a file kept for typing */
#define RW_FILE_NAME_MAX_BYTES 512                     /* file names kept */
#define RW_FILES_PER_FLOW_MAX 64                       /* files open at once in one flow */
#define RW_SMB_OOO_MAX_BYTES (1024 * 1024)            /* SMB file bytes held ahead of the next
                                                        * offset, per connection */
#define RW_SMB1_ANDX_MAX 16                            /* commands read of one SMB1 AndX chain */
#define RW_HTTP_HDR_MAX_BYTES 16384                    /* one HTTP header block */
#define RW_HTTP_LINE_MAX_BYTES 8192                    /* one request/status/header line */
#define RW_HTTP_METHOD_MAX_BYTES 24                    /* longer methods are cut */
#define RW_HTTP_URI_KEEP_BYTES 512                     /* request target kept for meta.uri */
#define RW_HTTP_FIELD_KEEP_BYTES 128                   /* Content-Type, Content-Encoding kept */
#define RW_HTTP_HELD_MAX_BYTES (256 * 1024)            /* HTTP header bytes libhtp holds for
                                                        * one connection's open messages */
#define RW_FTP_LINE_MAX_BYTES 2048                     /* one FTP command or reply line */
#define RW_SMTP_LINE_MAX_BYTES 2048                    /* one SMTP command or reply line
                                                        * (RFC 5321 4.5.3.1.4 says 512) */
#define RW_SMTP_PIPELINE_MAX 32                        /* unanswered commands (RFC 2920) */
#define RW_MIME_LINE_MAX_BYTES 2048                    /* a longer body line is passed on in
                                                        * pieces (never a boundary) */
#define RW_MIME_FIELD_MAX_BYTES 1024                   /* Content-Type, -Disposition,
                                                        * -Transfer-Encoding values kept */
#define RW_MIME_DEPTH_MAX 8                            /* nested multiparts followed */
#define RW_MIME_BOUNDARY_MAX_BYTES 70                  /* RFC 2046 5.1.1 */
#define RW_EXPECT_MAX 4096                             /* announced data connections pending */
#define RW_EXPECT_TIMEOUT_SEC 120                      /* how long an announcement waits */

/* File typing */
/* Bytes a caller should collect before identifying a file (or the whole file when it is
 * shorter): tar's "ustar" is at 257, a ZIP's first member name at 30, a Harmony scene's
 * root element within 1 KiB; libmagic reads a little further for some formats. */
#define RW_MAGIC_WANT_BYTES 4096
/* Bytes looked at, at most; the rest of a longer buffer is ignored. MXF may put up to
 * 64 KiB of run-in before its header partition key (SMPTE 377-1). */
#define RW_MAGIC_MAX_BYTES (65536 + 16)
/* Bytes of libmagic warnings kept while checking an extra magic file. */
#define RW_MAGIC_CHECK_LOG_BYTES 16384

/* Detection: threshold and host-window entries (default, most), rules per level */
#define RW_DETECT_TRACKED_DEFAULT 4096
#define RW_DETECT_TRACKED_MAX (1u << 18)
#define RW_DETECT_RULE_SLOTS 128

/* EVE */
#define RW_EVE_LINE_MAX_BYTES (64 * 1024)

/* Workers: threads that feed one engine each (rw_engine_worker_new); a host's
 * --workers is at most this. */
#define RW_WORKERS_MAX 64

#endif
