/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw.h — the public API of the reelwatch detection core; the one header a host includes. */
#ifndef RW_H
#define RW_H

#include <stddef.h>
#include <stdint.h>

#include "rw_alloc.h"
#include "rw_cursor.h"
#include "rw_diag.h"
#include "rw_limits.h"
#include "rw_num.h"

/*
 * The core is a library with no capture code and no mutable globals. A host
 * (the standalone libpcap sensor in plugin/pcap, or an IDS such as Suricata)
 * owns packets, threads and its flow table, and feeds the core at one of two
 * layers:
 *
 *   packet layer  rw_engine_flow_new / rw_engine_packet / rw_engine_flow_end:
 *                 the core classifies (nDPI), reassembles and extracts files.
 *   event layer   rw_engine_flow_end with no core flow state, and (later)
 *                 file events: for hosts that already parse flows and files.
 *
 * Everything the core writes goes through one struct rw_output.
 */

/* Error codes: fallible functions return 0 or one of these (negative). */
enum {
    RW_OK = 0,
    RW_ENOMEM = -1,  /* an allocation failed; the work was dropped and counted */
    RW_EINVAL = -2,  /* an argument or a value was out of range */
    RW_EIO = -3,     /* a read or write failed (errno is kept where it helps) */
    RW_EPARSE = -4,  /* user input (rules, lists, options) had errors: see the diag */
    RW_ELIMIT = -5,  /* a configured bound was reached */
    RW_ENOENT = -6,  /* no such file or name */
};

/* rw_strerror returns a static English text for an RW_E* code; never NULL. */
const char *rw_strerror(int err);

/* An IP address. IPv4 lives in a[0..3] with the rest zero. family is 4, 6 or 0 (none). */
struct rw_addr {
    uint8_t family;
    uint8_t a[16];
};

/* rw_addr_format writes the address in its usual text form (RFC 5952 for IPv6) into buf,
 * always NUL-terminated. Returns the length, or RW_EINVAL when buf is too small. */
int rw_addr_format(const struct rw_addr *addr, char *buf, size_t len);

/* A flow key. src/sport is the client: the sender of the first SYN, else of the first
 * packet. For ICMP, sport/dport carry type/code of the first packet and are not part of
 * the flow's identity. vlan[0] is the outermost tag. */
struct rw_flow_key {
    struct rw_addr src, dst;
    uint16_t sport, dport;
    uint8_t proto; /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6, other */
    uint8_t nvlan;
    uint16_t vlan[RW_VLAN_MAX_LAYERS];
};

enum rw_dir { RW_TOSERVER = 0, RW_TOCLIENT = 1 };

/* Suricata's flow.state words. */
enum rw_flow_state { RW_FLOW_NEW = 0, RW_FLOW_ESTABLISHED, RW_FLOW_CLOSED };

/* Suricata's flow.reason words: idle timeout, ended early (memcap eviction), end of run. */
enum rw_flow_reason { RW_END_TIMEOUT = 0, RW_END_FORCED, RW_END_SHUTDOWN };

/* TCP flag bits as on the wire (byte 13 of the TCP header). */
enum {
    RW_TCP_FIN = 0x01, RW_TCP_SYN = 0x02, RW_TCP_RST = 0x04, RW_TCP_PSH = 0x08,
    RW_TCP_ACK = 0x10, RW_TCP_URG = 0x20, RW_TCP_ECE = 0x40, RW_TCP_CWR = 0x80,
};

/*
 * What the host knows about a flow, passed with every call. The host owns it; the core
 * reads it during the call and keeps nothing. Counters are per direction, indexed by
 * enum rw_dir. Times are packet times in microseconds since the Unix epoch.
 */
struct rw_flow_info {
    struct rw_flow_key key;
    /* (the four bytes after the 44-byte key, where padding would be) */
    uint8_t tcp_flags[2];      /* OR of the TCP flags seen in each direction */
    uint8_t state;             /* enum rw_flow_state */
    uint8_t reason;            /* enum rw_flow_reason; read by rw_engine_flow_end */
    uint64_t flow_id;          /* stable id: rw_flow_id() for hosts without their own */
    uint64_t start_us, last_us;
    uint64_t pkts[2];
    uint64_t bytes[2];         /* layer-3 bytes as on the wire (IP total length) */
    uint64_t payload[2];       /* transport payload bytes as on the wire */
    const char *tcp_state;     /* Suricata's TCP state word ("established", ...) or NULL */
    const char *app_proto;     /* event-layer hosts: their protocol name, else NULL */
};

/* rw_flow_id derives a flow id from the key and the start time: the same flow in the
 * same capture gets the same id on every run. The value fits in 52 bits so that jq and
 * other double-based JSON readers print it exactly. */
uint64_t rw_flow_id(const struct rw_flow_key *key, uint64_t start_us);

/* One packet of a flow at the packet layer. Pointers are borrowed for the call only. */
struct rw_packet {
    const uint8_t *l3;           /* the IP header; l3_len bytes were captured */
    uint32_t l3_len;
    const uint8_t *payload;      /* transport payload as captured (may be truncated) */
    uint32_t payload_len;
    uint32_t payload_wire_len;   /* payload length per the headers (>= payload_len) */
    uint64_t ts_us;
    uint32_t tcp_seq, tcp_ack;
    uint8_t tcp_flags;
    uint8_t dir;                 /* enum rw_dir */
};

/* Where EVE records go. write() gets one JSON object without a newline; it returns 0 or
 * a negative RW_E* code. The core never writes anything else anywhere. */
struct rw_output {
    void *ctx;
    int (*write)(void *ctx, const char *line, size_t len);
};

/* A named counter for the stats record: path is Suricata's dotted stats path, e.g.
 * "decoder.event.ipv4.trunc_pkt" or "capture.kernel_drops". */
struct rw_counter {
    const char *path;
    uint64_t value;
};

struct rw_engine_config {
    const char *rules_path;         /* a rule file or a directory of them; NULL: none */
    const char *const *sets;        /* "NAME=VALUE" overrides (--set), nsets of them */
    size_t nsets;
    const char *magic_path;         /* extra magic files, colon-separated; NULL: none */
    int events_only;                /* 1: an event-layer host (rw_events_*): no nDPI module
                                     * is set up, and the packet layer must not be used */
};

struct rw_engine;
struct rw_flow;

/* rw_engine_new loads rules and lists, sets up nDPI and output. Errors in user input
 * are all added to diag (which the caller owns) and the engine is refused: NULL is
 * returned with *err = RW_EPARSE. On OOM NULL with *err = RW_ENOMEM. The engine keeps
 * a copy of *out. */
struct rw_engine *rw_engine_new(const struct rw_engine_config *cfg, const struct rw_output *out,
                                struct rw_diag *diag, int *err);

/* rw_engine_reload loads the rules, their lists and the magic files again from cfg (and
 * the --set values in it) and, only when everything loads, swaps them in: flows, streams
 * and files in progress go on; rule state (rules fired per flow and file, thresholds,
 * host windows) starts over with the new set. On any error the running set stays, every
 * problem is added to diag and RW_EPARSE (or RW_ENOMEM) is returned. Call it between
 * packets, from the thread that feeds the engine (with workers: see rw_engine_worker_new).
 * RW_EINVAL for a worker engine. */
int rw_engine_reload(struct rw_engine *e, const struct rw_engine_config *cfg,
                     struct rw_diag *diag);

/*
 * Workers. A host that feeds flows from several threads gives each thread beyond the first
 * a worker engine: rw_engine_worker_new(e) shares e's rule set, lists, magic files,
 * detector (thresholds and host windows count across all workers) and expectation table
 * (an FTP data connection may be fed to another worker than its control connection), and
 * has its own nDPI module, stream pool, parsers and counters. The rules for the host:
 *   - each flow is fed to one engine (e or one worker) for its whole life, and each engine
 *     from one thread at a time;
 *   - e's rw_output write() is then called from several threads and must be safe so
 *     (one whole line per call);
 *   - rw_engine_reload(e) and rw_engine_stats(e) (which sums every worker's counters) are
 *     called while no worker is inside an engine call; a reload updates the workers;
 *   - workers are freed before e (rw_engine_free(e) frees any left).
 * Returns NULL with *err RW_ENOMEM, or RW_EINVAL when e is itself a worker or has
 * RW_WORKERS_MAX workers.
 */
struct rw_engine *rw_engine_worker_new(struct rw_engine *e, int *err);

/* rw_engine_free releases the engine and sets *ep to NULL; NULL is fine. */
void rw_engine_free(struct rw_engine **ep);

/* rw_engine_summary writes a one-line description of the loaded rule set into buf. */
void rw_engine_summary(const struct rw_engine *e, char *buf, size_t len);

/* rw_engine_flow_state_bytes is the memory one core flow state may take once set up
 * (for the host's flow memcap accounting). */
size_t rw_engine_flow_state_bytes(const struct rw_engine *e);

/* rw_engine_flow_bytes is the memory the core flow state f holds now: the state itself,
 * nDPI's while the flow is classified (with an allowance for nDPI's own buffers once it
 * has seen payload), then the classification result, the stream's held bytes and the
 * open files. It never is below rw_engine_flow_state_bytes; 0 for NULL. O(1): a host
 * calls it after each packet to charge the flow against its memcap. The protocol
 * parser's state is counted too (rw_<parser>_bytes: what it holds now), so a host's
 * flow memcap bounds every per-flow byte: there is no separate cap on parsers. */
size_t rw_engine_flow_bytes(const struct rw_flow *f);

/* What losing a flow's core state would cost, lowest first: the order in which a host
 * short of memory sheds (its flow table's values use the same numbers). */
enum rw_flow_keep {
    RW_FLOW_KEEP_NONE = 0, /* no rule can fire on the flow (or it has no state) */
    RW_FLOW_KEEP_SHED,     /* a rule can fire, and it holds classification state that
                            * rw_engine_flow_shed can drop without ending the flow */
    RW_FLOW_KEEP_RULE,     /* a rule can fire on the flow */
    RW_FLOW_KEEP_FILE,     /* ... and a file is open in it */
};

/* rw_engine_flow_keep is f's enum rw_flow_keep value now. O(1); NULL: RW_FLOW_KEEP_NONE. */
unsigned rw_engine_flow_keep(const struct rw_flow *f);

/* rw_engine_flow_shed drops what f can go on without under memory pressure: nDPI's
 * per-flow state (classification ends now with nDPI's answer so far, its guess if it
 * has none, as at its packet budget). Returns rw_engine_flow_bytes(f) after. NULL: 0. */
size_t rw_engine_flow_shed(struct rw_engine *e, struct rw_flow *f);

/* rw_engine_flow_new makes the core's state for a new flow. NULL when memory is short:
 * the flow is then only counted (the core counts the drop). Owned by the host until it
 * passes it back to rw_engine_flow_end. */
struct rw_flow *rw_engine_flow_new(struct rw_engine *e, const struct rw_flow_info *info);

/* rw_engine_packet feeds one packet of the flow. f may be NULL (state could not be
 * made). info already includes this packet in its counters. Never fails: problems in
 * the packet are counted. */
void rw_engine_packet(struct rw_engine *e, struct rw_flow *f, const struct rw_flow_info *info,
                      const struct rw_packet *pkt);

/* rw_engine_flow_end writes the flow's records (flow, and later alerts) and frees the
 * core's state; *fp is set to NULL. fp or *fp may be NULL for event-layer hosts. */
void rw_engine_flow_end(struct rw_engine *e, struct rw_flow **fp, const struct rw_flow_info *info);

/*
 * Event layer: a file a host has parsed itself (an IDS with its own HTTP, FTP or SMB
 * parsers). The host reports each file when it ends; pointers are borrowed for the call.
 */
enum rw_file_state { RW_FILE_OPEN = 0, RW_FILE_CLOSED, RW_FILE_TRUNCATED };

struct rw_file_event {
    const char *filename;      /* as seen on the wire (any bytes), filename_len of them */
    size_t filename_len;
    const char *magic;         /* the host's description of the bytes, or NULL */
    uint64_t size;             /* bytes of the file seen */
    uint64_t ts_us;            /* packet time of the event */
    const char *app_proto;     /* the protocol that carried it ("http", "ftp-data", ...) */
    uint8_t dir;               /* enum rw_dir: RW_TOSERVER is an upload */
    uint8_t state;             /* enum rw_file_state */
    uint8_t gaps;              /* 1 when bytes of the file were missing */
    /* Optional (NULL when unknown): the transfer, written under the protocol's own EVE
     * object (http: http_method, hostname, url; ftp-data: command; tftp: packet, mode;
     * smb: command), and the file's SHA-256 (32 bytes). */
    const char *method;        /* "PUT", "STOR", "WRQ", "WRITE" */
    const char *host;          /* HTTP Host */
    const char *uri;           /* HTTP request target */
    const char *mode;          /* TFTP transfer mode ("octet") */
    const uint8_t *sha256;
};

/* rw_engine_file_event takes a file event of the flow described by info and writes its
 * fileinfo record once the file has ended (state CLOSED or TRUNCATED); an OPEN event
 * is accepted and writes nothing yet. Never fails: problems are counted. */
void rw_engine_file_event(struct rw_engine *e, const struct rw_flow_info *info,
                          const struct rw_file_event *ev);

/*
 * Event layer, per flow: for a host that parses flows and files itself (Suricata) and
 * reports events instead of packets. The rules, lists, typing (rw_magic with the studio
 * magic file) and alert records are the engine's, exactly as at the packet layer.
 *
 *   rw_events        one per host thread: the engine it reads (rules, lists, detector,
 *                    magic; a reload of the engine is picked up at the next call) and the
 *                    output this thread's alerts go to. Calls on one rw_events come from
 *                    one thread at a time; rw_engine_reload must not run during any call.
 *   rw_evflow        the core's state for one flow, owned by the host (any thread may
 *                    pass it, one at a time). Made only for flows some rule could fire on.
 *
 * The host's struct rw_flow_info is passed with every call and read during the call:
 * key, counters (pkts, bytes, payload per direction: flow rules fire on payload at the
 * call where it crosses their bound, as at the packet layer), times, app_proto. Files
 * are named by a host key (any 64-bit value unique among the flow's open files, e.g. the
 * address of the host's own file object).
 */
struct rw_events;
struct rw_evflow;

/* Counters of one rw_events since rw_events_new. */
struct rw_events_counters {
    uint64_t flows;          /* rw_evflow made */
    uint64_t flows_nomem;    /* ... refused for lack of memory */
    uint64_t files;          /* files followed (opened) */
    uint64_t files_refused;  /* files not followed: no rule could fire on their direction,
                              * a bound (RW_FILES_PER_FLOW_MAX) or memory */
    uint64_t alerts;         /* alerts written */
    uint64_t alerts_failed;  /* alerts lost: could not be built or written */
};

/* rw_events_new makes a thread's handle on e writing alerts to out (copied). NULL on OOM.
 * e must outlive it. */
struct rw_events *rw_events_new(struct rw_engine *e, const struct rw_output *out);

/* rw_events_free releases ev and sets *evp to NULL; NULL is fine. */
void rw_events_free(struct rw_events **evp);

/* rw_events_counters copies ev's counters to out. */
void rw_events_counters(const struct rw_events *ev, struct rw_events_counters *out);

/* rw_events_generation is the engine's rule-set generation, bumped by every successful
 * rw_engine_reload: a host that cached rw_events_flow_wanted's answer asks again when it
 * changes. */
uint32_t rw_events_generation(const struct rw_events *ev);

/* rw_events_flow_wanted says which directions of a flow with this key some rule could
 * fire on (its addresses against the rules' lists, home_net and directions): bit
 * 1 << enum rw_dir for each. 0: none could, and the host need not report the flow at all;
 * files travelling a direction whose bit is clear are not followed. For each such
 * direction, RW_EVENTS_LISTED << dir is also set when its receiver is in one of the rule
 * set's lists (a flagged range): a host may follow those transfers past its own limits. */
#define RW_EVENTS_LISTED 4u
/* Also set when a flow or host rule (not only file rules) could fire on a wanted direction:
 * without it the host need report only the flow's files (and may make the flow's state at
 * its first file), not its progress. */
#define RW_EVENTS_FLOW_RULES 16u
unsigned rw_events_flow_wanted(const struct rw_events *ev, const struct rw_flow_key *key);

/* rw_events_flow_new makes the core's state for a flow the host will report. NULL on OOM
 * (counted): the flow is then not followed. */
struct rw_evflow *rw_events_flow_new(struct rw_events *ev, const struct rw_flow_info *info);

/* rw_events_flow_progress runs the flow and host rules after the host updated info (a
 * packet with payload): an alert fires at the call where a bound is crossed. */
void rw_events_flow_progress(struct rw_events *ev, struct rw_evflow *fl,
                             const struct rw_flow_info *info, uint64_t now_us);

/* rw_events_flow_end ends the flow: open files end TRUNCATED, the flow rules run a last
 * time (info->last_us is the time), the state is freed and *flp set to NULL. NULL fine. */
void rw_events_flow_end(struct rw_events *ev, struct rw_evflow **flp,
                        const struct rw_flow_info *info);

/* rw_events_flow_free frees the state without any event (the host is shutting down). */
void rw_events_flow_free(struct rw_evflow **flp);

/* rw_events_file_open starts a file of the flow: name (any bytes, cut at
 * RW_FILE_NAME_MAX_BYTES), direction (enum rw_dir) and the protocol that carries it.
 * A file on a direction no rule could fire on is not followed. If key is already open
 * in the flow, that file first ends TRUNCATED. Returns 1 when followed, else 0. */
int rw_events_file_open(struct rw_events *ev, struct rw_evflow *fl,
                        const struct rw_flow_info *info, uint64_t key, uint8_t dir,
                        const char *name, size_t name_len, const char *app_proto,
                        uint64_t now_us);

/* rw_events_file_data adds n bytes of file key (the next ones): they are counted, the
 * first RW_MAGIC_WANT_BYTES type the file (its type groups, then the rules see it
 * identified), then every call is a growth event. Unknown keys are ignored. */
void rw_events_file_data(struct rw_events *ev, struct rw_evflow *fl,
                         const struct rw_flow_info *info, uint64_t key, const uint8_t *p,
                         size_t n, uint64_t now_us);

/* rw_events_file_close ends file key: truncated (the host lost bytes or gave up on it)
 * or complete; typed now if it was not, the end rules run. Unknown keys are ignored. */
void rw_events_file_close(struct rw_events *ev, struct rw_evflow *fl,
                          const struct rw_flow_info *info, uint64_t key, int truncated,
                          uint64_t now_us);

/* rw_engine_stats writes one stats record at packet time ts_us, with the host's counters
 * (n of them) merged with the core's own. */
void rw_engine_stats(struct rw_engine *e, uint64_t ts_us, const struct rw_counter *c, size_t n);

#endif
