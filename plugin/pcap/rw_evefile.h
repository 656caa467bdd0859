/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_evefile.h — where the standalone host writes EVE lines: a file (reopened on SIGHUP) or stdout. */
#ifndef RW_EVEFILE_H
#define RW_EVEFILE_H

#include <sys/types.h>

#include "rw.h"

struct rw_evefile;

/* rw_evefile_open opens DIR/eve.json for appending (created 0640), or stdout when dir is
 * NULL, for the current effective user: rw_evefile_open_as(dir, geteuid(), getegid(), ...,
 * NULL).
 * On failure returns NULL and writes the reason into err (errlen bytes). */
struct rw_evefile *rw_evefile_open(const char *dir, char *err, size_t errlen);

/* rw_evefile_open_as opens DIR/eve.json for a process that will run as uid:gid (after
 * dropping root). The directory is resolved (realpath) and DIR and every directory above
 * it must be safe: owned by root or by uid, and not group- or world-writable unless the
 * sticky bit is set. eve.json is opened with O_NOFOLLOW and must be a regular file owned
 * by root or uid with one link. When running as root with uid != 0, the file is given to
 * uid:gid so a reopen after the drop works. Later reopens use the resolved path and apply
 * the same checks. NULL on any failure, with the reason in err; *refused (may be NULL) is
 * then 1 when a safety rule refused the path, 0 when it simply could not be opened (no
 * such directory, out of memory). dir NULL: stdout, no checks. */
struct rw_evefile *rw_evefile_open_as(const char *dir, uid_t uid, gid_t gid, char *err,
                                      size_t errlen, int *refused);

/* rw_evefile_check_dir applies the directory rule of rw_evefile_open_as to dir for uid.
 * Returns 0 when safe, 1 when refused by the rule, -1 when it could not be checked
 * (realpath or lstat failed); the reason in err otherwise. resolved (may be NULL)
 * receives realpath(dir) (reslen bytes; PATH_MAX is always enough). */
int rw_evefile_check_dir(const char *dir, uid_t uid, char *resolved, size_t reslen, char *err,
                         size_t errlen);

/* rw_evefile_output gives the struct rw_output the core writes through. */
struct rw_output rw_evefile_output(struct rw_evefile *ef);

/* rw_evefile_reopen closes and reopens the file (log rotation); no-op for stdout.
 * Returns 0 or RW_EIO (the old stream is kept then). */
int rw_evefile_reopen(struct rw_evefile *ef);

/* rw_evefile_flush pushes buffered lines out. Returns 0 or RW_EIO. */
int rw_evefile_flush(struct rw_evefile *ef);

/* rw_evefile_failed is 1 once a write failed (disk full, closed pipe): the host stops. */
int rw_evefile_failed(const struct rw_evefile *ef);

/* rw_evefile_close flushes, closes and frees; *efp set to NULL. Returns 0 or RW_EIO when
 * the final flush failed. */
int rw_evefile_close(struct rw_evefile **efp);

#endif
