/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_util.c — small core helpers declared in rw.h: error texts, address text, flow ids. */
#include "rw.h"

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

/* The longest address text and its NUL: INET6_ADDRSTRLEN ("ffff:...:255.255.255.255"). */
#define RW_ADDR_TEXT_MAX_BYTES 46

/* Writes v (0..255) in decimal at p; returns the number of digits. */
static size_t addr_dec8(char *p, unsigned v)
{
    if (v >= 100) {
        p[0] = (char)('0' + v / 100);
        p[1] = (char)('0' + v / 10 % 10);
        p[2] = (char)('0' + v % 10);
        return 3;
    }
    if (v >= 10) {
        p[0] = (char)('0' + v / 10);
        p[1] = (char)('0' + v % 10);
        return 2;
    }
    p[0] = (char)('0' + v);
    return 1;
}

/* "a.b.c.d" as inet_ntop's "%u.%u.%u.%u"; at most 15 characters, no NUL. */
static size_t addr_v4(char *p, const uint8_t *a)
{
    size_t n = addr_dec8(p, a[0]);

    for (int i = 1; i < 4; i++) {
        p[n++] = '.';
        n += addr_dec8(p + n, a[i]);
    }
    return n;
}

/* v (a 16-bit group) as "%x": lower case, no leading zeros; returns its length. */
static size_t addr_hex16(char *p, unsigned v)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = v >= 0x1000 ? 4 : v >= 0x100 ? 3 : v >= 0x10 ? 2 : 1;

    for (size_t i = n; i-- > 0; v >>= 4)
        p[i] = hex[v & 0x0F];
    return n;
}

/*
 * IPv6 text exactly as glibc's inet_ntop (resolv/inet_ntop.c, from BIND) writes it, which
 * is RFC 5952 section 4: groups in lower-case hex without leading zeros; the longest run
 * of two or more zero groups (the first of equal runs) as "::"; and, when that run starts
 * the address and is six groups long (IPv4-compatible) or five followed by ffff
 * (IPv4-mapped), the last 32 bits as a dotted quad. At most 45 characters, no NUL.
 */
static size_t addr_v6(char *p, const uint8_t *a)
{
    unsigned w[8];
    int best = -1, best_len = 0, cur = -1, cur_len = 0;
    size_t n = 0;

    for (int i = 0; i < 8; i++) {
        w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
        if (w[i] == 0) {
            if (cur < 0)
                cur = i;
            cur_len++;
            if (cur_len > best_len) {
                best = cur;
                best_len = cur_len;
            }
        } else {
            cur = -1;
            cur_len = 0;
        }
    }
    if (best_len < 2)
        best = -1;
    for (int i = 0; i < 8; i++) {
        if (best >= 0 && i >= best && i < best + best_len) {
            if (i == best)
                p[n++] = ':';
            continue;
        }
        if (i != 0)
            p[n++] = ':';
        if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff)))
            return n + addr_v4(p + n, a + 12);
        n += addr_hex16(p + n, w[i]);
    }
    if (best >= 0 && best + best_len == 8)
        p[n++] = ':';
    return n;
}

int rw_addr_format(const struct rw_addr *addr, char *buf, size_t len)
{
    char tmp[RW_ADDR_TEXT_MAX_BYTES];
    size_t n;

    if (buf == NULL || len == 0)
        return RW_EINVAL;
    buf[0] = '\0';
    if (addr == NULL)
        return RW_EINVAL;
    /* Every record carries two addresses; inet_ntop (sprintf per group) cost ~1,850
     * instructions each, these writers about a tenth. tests/unit/test_rw_util.c holds
     * them to inet_ntop's text over edge cases and millions of random addresses. */
    if (addr->family == 4)
        n = addr_v4(tmp, addr->a);
    else if (addr->family == 6)
        n = addr_v6(tmp, addr->a);
    else
        return RW_EINVAL;
    if (n >= len)
        return RW_EINVAL; /* as inet_ntop's ENOSPC: nothing partial */
    memcpy(buf, tmp, n);
    buf[n] = '\0';
    return (int)n;
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
