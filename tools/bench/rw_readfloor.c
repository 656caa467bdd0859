/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_readfloor.c — the benchmark's read floor: libpcap reads a capture, every byte is read. */

/*
 * usage: rw_readfloor [-b BYTES] FILE.pcap
 *
 * The least any pcap-reading analyser must do: open the file with libpcap, take every
 * packet with pcap_next_ex, and read each captured byte once (summed into a checksum so
 * the compiler cannot drop the loop). Prints "packets N bytes B wire W sum S" on stdout.
 * With -b, the file is read through a stdio buffer of BYTES (as reelwatch reads captures)
 * instead of libpcap's own open (stdio's default, the file system block).
 * Exit 0, 1 when the file cannot be read, 2 on usage.
 */

#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sums 8 bytes at a time (memcpy: no alignment assumed), then the tail. */
static uint64_t floor_touch(const uint8_t *p, size_t n)
{
    uint64_t sum = 0, w;
    size_t i = 0;

    for (; i + 8 <= n; i += 8) {
        memcpy(&w, p + i, sizeof(w));
        sum += w;
    }
    for (; i < n; i++)
        sum += p[i];
    return sum;
}

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *h = NULL;
    const u_char *data = NULL;
    uint64_t pkts = 0, bytes = 0, wire = 0, sum = 0;
    unsigned long bufsize = 0;
    char *buf = NULL;
    pcap_t *pd;
    int rc;

    if (argc == 4 && strcmp(argv[1], "-b") == 0) {
        char *end = NULL;

        bufsize = strtoul(argv[2], &end, 10);
        if (end == argv[2] || *end != '\0' || bufsize == 0 || bufsize > (1ul << 30)) {
            fprintf(stderr, "rw_readfloor: -b: expected bytes from 1 to 2^30\n");
            return 2;
        }
        argv += 2;
        argc -= 2;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: rw_readfloor [-b BYTES] FILE.pcap\n");
        return 2;
    }
    err[0] = '\0';
    if (bufsize > 0) {
        FILE *fp = fopen(argv[1], "rb");

        buf = malloc(bufsize);
        if (fp == NULL || buf == NULL) {
            fprintf(stderr, "rw_readfloor: %s: cannot open\n", argv[1]);
            return 1;
        }
        setvbuf(fp, buf, _IOFBF, bufsize);
        pd = pcap_fopen_offline(fp, err);
    } else {
        pd = pcap_open_offline(argv[1], err);
    }
    if (pd == NULL) {
        fprintf(stderr, "rw_readfloor: %s\n", err);
        return 1;
    }
    while ((rc = pcap_next_ex(pd, &h, &data)) == 1) {
        pkts++;
        bytes += h->caplen;
        wire += h->len;
        sum += floor_touch(data, h->caplen);
    }
    if (rc == -1) {
        fprintf(stderr, "rw_readfloor: %s\n", pcap_geterr(pd));
        pcap_close(pd);
        return 1;
    }
    pcap_close(pd);
    free(buf);
    printf("packets %llu bytes %llu wire %llu sum %016llx\n", (unsigned long long)pkts,
           (unsigned long long)bytes, (unsigned long long)wire, (unsigned long long)sum);
    return 0;
}
