/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_capture.h — libpcap sources for the standalone host: files, directories, interfaces. */
#ifndef RW_CAPTURE_H
#define RW_CAPTURE_H

#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>

/* The inputs of one -r run: a single file, or every regular file of a directory (not
 * recursive, hidden files skipped) in byte-wise name order. */
struct rw_capture_input {
    char *path;
    uint64_t size;       /* file size, for the progress line */
};

struct rw_capture_inputs {
    struct rw_capture_input *items;
    size_t n;
    uint64_t total_bytes;
};

/* rw_capture_inputs_list fills *in from path. Returns 0, or -1 with a one-line reason in
 * err ("PATH: No such file or directory", "PATH: no capture files in directory"). */
int rw_capture_inputs_list(const char *path, struct rw_capture_inputs *in, char *err,
                           size_t errlen);
void rw_capture_inputs_cleanup(struct rw_capture_inputs *in);

/* rw_capture_open_file opens a pcap or pcapng file with microsecond timestamps. NULL with
 * err filled ("PATH: unknown file format", ...) when libpcap refuses it. */
pcap_t *rw_capture_open_file(const char *path, char *err, size_t errlen);

/* rw_capture_open_file_buffered is rw_capture_open_file reading through the caller's
 * stdio buffer buf of buflen bytes, which must outlive the capture (until pcap_close).
 * libpcap reads every record with two freads: with stdio's default buffer (4 KiB) that is
 * a read(2) every few packets, and on this machine kind the system calls cost as much as
 * the copying (docs/performance.md). The FILE takes no stdio lock (FSETLOCKING_BYCALLER):
 * only one thread may read the capture. */
#define RW_CAPTURE_FILE_BUFFER_BYTES (1u << 20)
pcap_t *rw_capture_open_file_buffered(const char *path, char *buf, size_t buflen, char *err,
                                      size_t errlen);

/* The kernel buffer of each live capture socket when -B is not given: 64 MiB holds a
 * 100 MB burst at ~1.5 Gbit/s while a worker is busy (docs/performance.md, live burst);
 * libpcap's own 2 MiB default dropped 7 to 13% of it. */
#define RW_CAPTURE_BUFFER_KIB_DEFAULT 65536

struct rw_live_opts {
    const char *iface;
    int snaplen;          /* bytes; 0: 262144 */
    int buffer_kib;       /* kernel buffer; 0: RW_CAPTURE_BUFFER_KIB_DEFAULT */
    int promisc;          /* 1: promiscuous */
    const char *bpf;      /* filter expression or NULL */
};

/* rw_capture_open_live creates, configures and activates a live capture and applies the
 * BPF filter. NULL with err filled on failure. Warnings from activation go to stderr. */
pcap_t *rw_capture_open_live(const struct rw_live_opts *o, char *err, size_t errlen);

/* rw_capture_join_fanout joins live capture p to the kernel's PACKET_FANOUT group
 * group_id in hash mode (the kernel's symmetric flow hash: both directions of a flow reach
 * the same member; fragments are hashed as their whole datagram). Every worker's capture
 * joins the same group, so each sees its share of the interface's flows. Linux AF_PACKET
 * only: -1 with err filled elsewhere ("eth0: cannot join fanout group 7: ..."). */
int rw_capture_join_fanout(pcap_t *p, const char *iface, uint16_t group_id, char *err,
                           size_t errlen);

/* rw_capture_set_filter compiles and applies expr (may be NULL: no filter). */
int rw_capture_set_filter(pcap_t *p, const char *expr, char *err, size_t errlen);

/* Progress line on a terminal: bytes and packets done, rate and ETA, redrawn at most
 * every 250 ms of wall time on one line of stderr. */
struct rw_progress {
    int enabled;
    uint64_t total_bytes;
    uint64_t done_before;  /* bytes of files already finished */
    double start_s, last_s;
};

void rw_progress_init(struct rw_progress *pr, int enabled, uint64_t total_bytes);
void rw_progress_update(struct rw_progress *pr, uint64_t file_pos, uint64_t pkts);
void rw_progress_file_done(struct rw_progress *pr, uint64_t file_size);
void rw_progress_end(struct rw_progress *pr);

#endif
