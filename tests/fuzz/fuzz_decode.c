/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_decode.c — libFuzzer target: frames through decode, flow table, nDPI and EVE writing. */
#include <stddef.h>
#include <stdint.h>

#include "fuzzhost.h"

/*
 * Input: a sequence of frames, each a 6-byte header and its bytes (README.md):
 *
 *   | link (1) | tstep (1) | caplen (2, big endian) | wire_extra (2, big endian) | bytes |
 *
 *   link        index into fuzz_decode_dlts (taken modulo its length); entry 12 is a
 *               link type the decoder does not handle
 *   tstep       packet time advance: 0..127 ms, or 128..255 for (tstep - 127) * 10 s, so
 *               idle timeouts (30 s .. 600 s) are reachable
 *   caplen      bytes that follow, cut to what is left of the input
 *   wire_extra  wirelen = caplen + wire_extra; 0xffff means wirelen 0 (a record claiming
 *               fewer wire bytes than it holds, which pcap files can do)
 *
 * A tail shorter than a header is ignored. The first frame is at 2020-09-13T12:26:40Z.
 * One input in four (by its hash) runs a second time with the Nth rw_* allocation of the
 * run failing, N from the hash within the allocations the first run made.
 */

#define FUZZ_DECODE_HDR_BYTES 6
#define FUZZ_DECODE_T0_US 1600000000000000ULL

/* DLT values as libpcap numbers them on Linux (rw_decode.c), then one it does not know. */
static const int fuzz_decode_dlts[] = {
    1,   /* EN10MB */
    113, /* LINUX_SLL */
    276, /* LINUX_SLL2 */
    12,  /* RAW */
    101, /* LINKTYPE_RAW */
    228, /* IPV4 */
    229, /* IPV6 */
    0,   /* NULL (host byte order) */
    108, /* LOOP (network byte order) */
    239, /* NFLOG */
    127, /* IEEE802_11_RADIO */
    105, /* IEEE802_11 */
    147, /* USER0: not decoded */
    104, /* C_HDLC (Cisco HDLC), after USER0 so that older seeds keep their meaning */
};

static unsigned long fuzz_decode_run(const uint8_t *data, size_t size, unsigned long fail_at)
{
    const size_t ndlt = sizeof(fuzz_decode_dlts) / sizeof(fuzz_decode_dlts[0]);
    uint64_t ts = FUZZ_DECODE_T0_US;
    size_t off = 0;

    fuzzhost_begin(fail_at);
    while (size - off >= FUZZ_DECODE_HDR_BYTES) {
        const uint8_t *h = data + off;
        uint32_t caplen = (uint32_t)h[2] << 8 | h[3];
        uint32_t extra = (uint32_t)h[4] << 8 | h[5];
        uint32_t wirelen;

        off += FUZZ_DECODE_HDR_BYTES;
        if (caplen > size - off)
            caplen = (uint32_t)(size - off);
        wirelen = extra == 0xffff ? 0 : caplen + extra;
        if (h[1] < 0x80)
            ts += (uint64_t)h[1] * 1000u;
        else
            ts += (uint64_t)(h[1] - 0x7f) * 10000000u;
        fuzzhost_packet(fuzz_decode_dlts[h[0] % ndlt], ts, data + off, caplen, wirelen);
        off += caplen;
    }
    return fuzzhost_end();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t h = fuzzhost_hash(data, size);
    unsigned long allocs = fuzz_decode_run(data, size, 0);

    if (allocs > 0 && (h & 3) == 0)
        fuzz_decode_run(data, size, 1 + (h >> 2) % allocs);
    return 0;
}
