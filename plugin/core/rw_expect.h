/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_expect.h — data connections announced on a control channel (FTP), waiting for their flow. */
#ifndef RW_EXPECT_H
#define RW_EXPECT_H

#include <stddef.h>
#include <stdint.h>

#include "rw.h"
#include "rw_xfer.h"

/*
 * The engine's table of announced data connections. A parser (rw_ftp) announces through
 * struct rw_xfer_sink.expect that the next new flow between two endpoints carries a file;
 * the engine files the announcement here with rw_expect_add and, when a flow starts,
 * takes it back out with rw_expect_take. An entry names the two sides of the control
 * connection:
 *
 *   a, aport   the control connection's client (the FTP client); aport 0 = any port
 *   b, bport   the control connection's server (the FTP server); bport 0 = any port
 *   dir        the file's direction on the CONTROL connection: RW_TOSERVER is an upload
 *              by a (STOR), RW_TOCLIENT a download by a (RETR)
 *
 * Exactly the side that listens has a port. FTP passive mode (PASV/EPSV): the client
 * connects from any port to the server's announced port, so the entry is
 * (a, 0) -> (b, port). Active mode (PORT/EPRT): the server connects from port 20 or any
 * other port to the client's announced port, so the entry is (a, port) <- (b, 0).
 * A new flow matches when its two ends are a and b in either order, each port equal to
 * the entry's where that is not 0. The usual orientation is that the flow's src (the
 * sender of its first SYN) is the side without a port; the reverse orientation is also
 * accepted, for flows whose SYN was not seen.
 *
 * Bounds: at most `max` entries (rw_expect_new); adding to a full table evicts the
 * oldest entry (counted). An entry lives RW_EXPECT_TIMEOUT_SEC seconds of packet time:
 * it still matches when now - added == the timeout and is gone one microsecond later
 * (counted as expired). Strings are copied, each cut to its bound (counted): the name and
 * uri at RW_FILE_NAME_MAX_BYTES, host and content_type at RW_HOSTNAME_MAX_BYTES,
 * app_proto, method and content_encoding at RW_PROTO_NAME_MAX_BYTES.
 *
 * Lookups hash the listening side's (address, port) with a key drawn from getrandom() per
 * table, so their cost does not grow with the table: a full table is not scanned, and an
 * attacker who picks the announced ports cannot pile entries into one chain on purpose.
 *
 * One announcement, two addresses: a parser that is not sure which address the data
 * connection will use (a PASV reply naming another address than the control
 * connection's server) adds the entry twice in a row, at the same now_us, with the same
 * ports, dir and name, differing only in a or only in b. Such consecutive entries are
 * linked: taking one removes the other (counted as alternates_dropped), so that the
 * unused address does not wait for a later flow.
 *
 * Not thread-safe: one table per engine thread.
 */

struct rw_expect;

/* What rw_expect_take found: a plain value the caller provides and owns. meta's strings
 * point into this struct's own buffers (NULL where the announcement had none), so the
 * struct must not be copied by value while meta is in use; copy the fields instead. */
struct rw_expect_hit {
    uint8_t dir;      /* enum rw_dir ON THE NEW FLOW (its src is the flow's client), already
                       * translated from the announcement: an FTP active-mode STOR (server
                       * opened the data connection) is RW_TOCLIENT, a passive STOR
                       * RW_TOSERVER, an active RETR RW_TOSERVER, a passive RETR RW_TOCLIENT */
    uint8_t announced_dir; /* the entry's dir, relative to the control connection */
    uint64_t added_us;     /* packet time of the announcement */
    size_t name_len;       /* bytes of name before its NUL; the name may hold NUL bytes */
    char name[RW_FILE_NAME_MAX_BYTES + 1];
    struct rw_xfer_meta meta;
    char app_proto[RW_PROTO_NAME_MAX_BYTES + 1];
    char method[RW_PROTO_NAME_MAX_BYTES + 1];
    char host[RW_HOSTNAME_MAX_BYTES + 1];
    char uri[RW_FILE_NAME_MAX_BYTES + 1];
    char content_type[RW_HOSTNAME_MAX_BYTES + 1];
    char content_encoding[RW_PROTO_NAME_MAX_BYTES + 1];
};

/* Counters since rw_expect_new; read-only for the caller. */
struct rw_expect_counters {
    uint64_t added;             /* entries filed */
    uint64_t taken;             /* entries handed out by rw_expect_take */
    uint64_t expired;           /* removed after RW_EXPECT_TIMEOUT_SEC without a flow */
    uint64_t evicted;           /* removed because the table was full */
    uint64_t alternates_dropped; /* removed because their linked alternate was taken */
    uint64_t refused;           /* rw_expect_add calls with bad arguments (RW_EINVAL) */
    uint64_t nomem;             /* rw_expect_add calls that found no memory */
    uint64_t truncated;         /* strings cut to their bound */
    uint64_t lookups;           /* rw_expect_take calls */
    uint64_t probes;            /* entries compared during lookups (cost, not a count of
                                 * anything on the wire) */
};

/* rw_expect_new makes an empty table of at most max entries (0 means RW_EXPECT_MAX).
 * Returns NULL only when memory is short. Free with rw_expect_free. */
struct rw_expect *rw_expect_new(size_t max);

/* rw_expect_free frees the table and every entry in it and sets *ep to NULL; NULL and
 * *ep == NULL are fine. */
void rw_expect_free(struct rw_expect **ep);

/*
 * rw_expect_add files an announcement made at packet time now_us (see the top of this
 * file for a, aport, b, bport and dir). name (name_len bytes, any bytes, may be NULL when
 * name_len is 0) and meta (may be NULL) are borrowed for the call; the table copies what
 * it keeps, bounded. Entries older than the timeout are dropped first; a full table then
 * evicts its oldest entry. Returns 0; RW_EINVAL (counted as refused) when a or b is NULL,
 * their families differ or are not 4 or 6, both ports are 0, or dir is not an enum
 * rw_dir; RW_ENOMEM (counted) when no memory was left for the entry.
 */
int rw_expect_add(struct rw_expect *e, uint64_t now_us, const struct rw_addr *a, uint16_t aport,
                  const struct rw_addr *b, uint16_t bport, uint8_t dir, const char *name,
                  size_t name_len, const struct rw_xfer_meta *meta);

/*
 * rw_expect_take looks for the announcement that new_flow (src = the flow's client)
 * carries, at packet time now_us. When several match, the newest wins. The entry found is
 * REMOVED from the table (with its linked alternate, if any) and copied into *out, whose
 * dir is translated to new_flow's orientation (see struct rw_expect_hit). Entries older
 * than the timeout are dropped first and never match. Returns 0 when found, RW_ENOENT
 * when nothing matches (*out is then untouched), RW_EINVAL when an argument is NULL.
 *
 * When to call it: FTP clients often open the data connection before they send the
 * transfer command (right after the PASV/EPSV reply, and servers in active mode right
 * after PORT/EPRT), so the announcement usually does not exist yet when the data flow's
 * SYN is seen. Look up when the flow starts and, on a miss, again when its first payload
 * byte arrives: no data moves before the command has been sent.
 */
int rw_expect_take(struct rw_expect *e, uint64_t now_us, const struct rw_flow_key *new_flow,
                   struct rw_expect_hit *out);

/* Owners: a host with worker threads shares one table between them, each with its own
 * packet clock, and one worker may run ahead of another in packet time (replay: by up to
 * the batches queued for the other). rw_expect_set_owner (0 <= owner < RW_EXPECT_OWNERS,
 * else 0) says whose clock the following calls' now_us is, until set again; an entry
 * ages by the clock of the owner that added it, so a worker ahead in time does not expire
 * another's announcements before that one's data flow arrives. A table used by one
 * thread never calls it: everything is owner 0, one clock. The caller serialises. */
#define RW_EXPECT_OWNERS (RW_WORKERS_MAX + 1)
void rw_expect_set_owner(struct rw_expect *e, unsigned owner);

/* rw_expect_expire drops the entries older than the timeout at now_us (for housekeeping
 * between lookups) and returns how many it dropped. */
size_t rw_expect_expire(struct rw_expect *e, uint64_t now_us);

/* rw_expect_count is the number of entries waiting. */
size_t rw_expect_count(const struct rw_expect *e);

/* rw_expect_counters gives the table's counters; the pointer lives as long as the table. */
const struct rw_expect_counters *rw_expect_counters(const struct rw_expect *e);

#endif
