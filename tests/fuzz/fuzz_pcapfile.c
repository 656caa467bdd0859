/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_pcapfile.c — libFuzzer target: a pcap/pcapng file read as the host replays one. */
#define _GNU_SOURCE /* memfd_create */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzzhost.h"
#include "rw_capture.h"
#include "rw_decode.h"

/*
 * Input: the bytes of a capture file. They are written to an in-memory file (memfd) and
 * opened by path (/proc/self/fd/N) with rw_capture_open_file, as plugin/pcap/main.c does
 * for -r; every record pcap_next_ex returns goes through the host's packet path
 * (fuzzhost.c) with the file's link type, caplen and wire length as libpcap gives them.
 * libpcap's own reader is not our code: what is fuzzed is our handling of what it returns
 * (link types we do not decode, caplen > wire length, odd time stamps, truncated files).
 * One input in four (by its hash) is read a second time with the Nth rw_* allocation
 * failing, N from the hash within the allocations the first read made.
 */

static int fuzz_pcapfile_fd = -1;
static char fuzz_pcapfile_path[64];

static void fuzz_pcapfile_die(const char *what)
{
    perror(what);
    abort();
}

static void fuzz_pcapfile_setup(void)
{
    int n;

    fuzz_pcapfile_fd = memfd_create("fuzz_pcapfile", MFD_CLOEXEC);
    if (fuzz_pcapfile_fd < 0)
        fuzz_pcapfile_die("fuzz_pcapfile: memfd_create");
    n = snprintf(fuzz_pcapfile_path, sizeof(fuzz_pcapfile_path), "/proc/self/fd/%d",
                 fuzz_pcapfile_fd);
    if (n < 0 || (size_t)n >= sizeof(fuzz_pcapfile_path))
        fuzz_pcapfile_die("fuzz_pcapfile: path");
}

static void fuzz_pcapfile_fill(const uint8_t *data, size_t size)
{
    size_t done = 0;

    if (ftruncate(fuzz_pcapfile_fd, 0) != 0)
        fuzz_pcapfile_die("fuzz_pcapfile: ftruncate");
    while (done < size) {
        ssize_t w = pwrite(fuzz_pcapfile_fd, data + done, size - done, (off_t)done);

        if (w <= 0)
            fuzz_pcapfile_die("fuzz_pcapfile: pwrite");
        done += (size_t)w;
    }
}

/* Reads the capture in the memfd through the host's packet path; returns the rw_*
 * allocations made, or 0 when libpcap refused the file. */
static unsigned long fuzz_pcapfile_run(unsigned long fail_at)
{
    char err[PCAP_ERRBUF_SIZE + 256];
    struct pcap_pkthdr *hdr;
    const u_char *pkt;
    unsigned long allocs;
    pcap_t *p;
    int dlt;

    p = rw_capture_open_file(fuzz_pcapfile_path, err, sizeof(err));
    if (p == NULL)
        return 0;
    dlt = pcap_datalink(p);
    (void)rw_decode_linktype_supported(dlt);
    fuzzhost_begin(fail_at);
    while (pcap_next_ex(p, &hdr, &pkt) == 1) {
        uint64_t ts = hdr->ts.tv_sec < 0 ? 0
                                         : (uint64_t)hdr->ts.tv_sec * 1000000u +
                                               (uint64_t)hdr->ts.tv_usec;

        fuzzhost_packet(dlt, ts, pkt, hdr->caplen, hdr->len);
    }
    allocs = fuzzhost_end();
    pcap_close(p);
    return allocs;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[PCAP_ERRBUF_SIZE + 256];
    struct rw_capture_inputs in;
    uint32_t h = fuzzhost_hash(data, size);
    unsigned long allocs;

    if (fuzz_pcapfile_fd < 0)
        fuzz_pcapfile_setup();
    fuzz_pcapfile_fill(data, size);
    /* the -r path lister, on a single file */
    if (rw_capture_inputs_list(fuzz_pcapfile_path, &in, err, sizeof(err)) == 0)
        rw_capture_inputs_cleanup(&in);
    allocs = fuzz_pcapfile_run(0);
    if (allocs > 0 && (h & 3) == 0)
        fuzz_pcapfile_run(1 + (h >> 2) % allocs);
    return 0;
}
