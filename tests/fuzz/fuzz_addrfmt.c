/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_addrfmt.c — rw_addr_format and rw_addrlist_format_cidr against glibc's inet_ntop. */
/*
 * Input: | sel (1) | len (1) | bits (1) | address (16, zero-filled when short) |
 *
 * sel bit 0: IPv4 (the first 4 address bytes) or IPv6; len: the buffer size given to
 * rw_addr_format (0..255; 0 must be refused); bits: the CIDR prefix length (mod 33 or 129).
 *
 * rw_addr_format must write exactly inet_ntop's text and return its length when it fits
 * (length + NUL <= len), else return RW_EINVAL with an empty string; never write past
 * len. rw_addrlist_format_cidr must write inet_ntop's text, '/' and the bits in decimal.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rw.h"
#include "rw_addrlist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *got, const char *want)
{
    fprintf(stderr, "fuzz_addrfmt: %s: got \"%s\", want \"%s\"\n", what, got, want);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rw_addr a;
    struct rw_cidr c;
    char want[INET6_ADDRSTRLEN], wantc[INET6_ADDRSTRLEN + 8], gotc[INET6_ADDRSTRLEN + 8];
    char *buf;
    size_t len, wlen;
    int n;

    if (size < 3)
        return 0;
    memset(&a, 0, sizeof(a));
    a.family = (data[0] & 1) ? 4 : 6;
    memcpy(a.a, data + 3, size - 3 > 16 ? 16 : size - 3);
    if (a.family == 4)
        memset(a.a + 4, 0, 12);
    if (inet_ntop(a.family == 4 ? AF_INET : AF_INET6, a.a, want, sizeof(want)) == NULL)
        abort();
    wlen = strlen(want);

    /* An exactly sized heap buffer: ASan catches a write past len. */
    len = data[1];
    buf = malloc(len == 0 ? 1 : len);
    if (buf == NULL)
        return 0;
    n = rw_addr_format(&a, buf, len);
    if (len == 0) {
        if (n != RW_EINVAL)
            fail("len 0 accepted", "", want);
    } else if (wlen + 1 <= len) {
        if (n != (int)wlen || strcmp(buf, want) != 0)
            fail("text", buf, want);
    } else if (n != RW_EINVAL || buf[0] != '\0') {
        fail("short buffer accepted", buf, want);
    }
    free(buf);

    c.addr = a;
    c.bits = (uint8_t)(data[2] % (a.family == 4 ? 33 : 129));
    snprintf(wantc, sizeof(wantc), "%s/%u", want, (unsigned)c.bits);
    n = rw_addrlist_format_cidr(&c, gotc, sizeof(gotc));
    if (n != (int)strlen(wantc) || strcmp(gotc, wantc) != 0)
        fail("cidr", gotc, wantc);
    return 0;
}
