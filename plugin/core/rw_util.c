/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_util.c — small core helpers declared in rw.h: error texts, address text, flow ids. */
#include "rw.h"

#include <arpa/inet.h>
#include <gcrypt.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

const char *rw_strerror(int err)
{
    switch (err) {
    case RW_OK:
        return "success";
    case RW_ENOMEM:
        return "out of memory";
    case RW_EINVAL:
        return "invalid argument";
    case RW_EIO:
        return "input/output error";
    case RW_EPARSE:
        return "invalid input (see the diagnostics)";
    case RW_ELIMIT:
        return "limit reached";
    case RW_ENOENT:
        return "no such file or name";
    default:
        return "unknown error";
    }
}

int rw_addr_format(const struct rw_addr *addr, char *buf, size_t len)
{
    int af;

    if (buf == NULL || len == 0)
        return RW_EINVAL;
    buf[0] = '\0';
    if (addr == NULL)
        return RW_EINVAL;
    if (addr->family == 4)
        af = AF_INET;
    else if (addr->family == 6)
        af = AF_INET6;
    else
        return RW_EINVAL;
    /* glibc's inet_ntop writes RFC 5952 text: lower case, the longest (first) run of two or
     * more zero groups as "::", IPv4-mapped addresses as ::ffff:a.b.c.d. It fails with
     * ENOSPC, writing nothing useful, when len is too small. */
    if (len > (size_t)INT32_MAX || inet_ntop(af, addr->a, buf, (socklen_t)len) == NULL) {
        buf[0] = '\0';
        return RW_EINVAL;
    }
    return (int)strlen(buf);
}

/* The key fields in a fixed big-endian layout (no struct padding is ever hashed). */
#define FLOW_ID_INPUT_BYTES (1 + 16 + 16 + 2 + 2 + 1 + 1 + 2 * RW_VLAN_MAX_LAYERS + 8)

static size_t flow_id_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
    return 2;
}

uint64_t rw_flow_id(const struct rw_flow_key *key, uint64_t start_us)
{
    uint8_t in[FLOW_ID_INPUT_BYTES];
    uint8_t digest[20];
    uint8_t nvlan = key->nvlan > RW_VLAN_MAX_LAYERS ? RW_VLAN_MAX_LAYERS : key->nvlan;
    int icmp = key->proto == IPPROTO_ICMP || key->proto == IPPROTO_ICMPV6;
    uint64_t id = 0;
    size_t n = 0;

    memset(in, 0, sizeof(in));
    in[n++] = key->src.family;
    memcpy(in + n, key->src.a, 16);
    n += 16;
    memcpy(in + n, key->dst.a, 16);
    n += 16;
    /* ICMP type/code are not part of the flow's identity (rw.h). */
    n += flow_id_put16(in + n, icmp ? 0 : key->sport);
    n += flow_id_put16(in + n, icmp ? 0 : key->dport);
    in[n++] = key->proto;
    in[n++] = nvlan;
    for (size_t i = 0; i < RW_VLAN_MAX_LAYERS; i++)
        n += flow_id_put16(in + n, i < nvlan ? key->vlan[i] : 0);
    for (int i = 7; i >= 0; i--)
        in[n++] = (uint8_t)(start_us >> (8 * i));

    /* SHA-1 is used for its stable, well-mixed output, not for security. One hash per
     * flow; libgcrypt initialises itself on first use. */
    gcry_md_hash_buffer(GCRY_MD_SHA1, digest, in, n);
    for (size_t i = 0; i < 8; i++)
        id = id << 8 | digest[i];
    id &= (UINT64_C(1) << 52) - 1;
    return id == 0 ? 1 : id;
}
