/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_pcapgen.c — deterministic generator of reelwatch's test captures (pcaps/README.md). */

/*
 * The file is a small library of builders, each layer on top of the one below, so a new
 * scenario is a few dozen lines:
 *
 *   struct gen          the output (libpcap pcap_dump), a virtual clock, a seeded PRNG and
 *                       a sticky error flag checked once at the end (like ferror)
 *   frame_begin/_end    Ethernet II (+ 802.1Q / 802.1ad tags) + IPv4 or IPv6 header,
 *                       IPv4 header checksum, transport checksum over the pseudo-header
 *   gen_udp, gen_icmp6_echo           one datagram
 *   struct gen_tcp      one TCP connection: handshake, data cut at the MSS with ACKs,
 *                       FIN / FIN / ACK; knobs for evasion cases (segment size, out of
 *                       order, a duplicated segment, overlapping segments)
 *   build_*             payloads: DNS, NTP, TLS hellos, HTTP (multipart, chunked), NTLMSSP,
 *                       and the files themselves (Toon Boom xstage, PSD, ProRes MOV, PNG,
 *                       OpenEXR, ZIP, Blender, DPX, USD crate, .cube LUT)
 *   ftp_* / tftp_* / smb2_*   control and data connections, TFTP blocks, SMB2 messages
 *   scene_* / cmd_*     the captures: demo, flood, vlan, ipv6, timeouts, evasion, and the
 *                       file-transfer oracles http-upload, http-evasion, ftp, tftp, smb2, raw
 *
 * The output is a function of the command line only: time is a virtual clock that starts
 * at 2024-03-14T09:00:00Z and moves by fixed steps, and the only randomness is xorshift64*
 * from a fixed seed (or the flood's SEED). libpcap writes the file header in host byte
 * order, so captures are byte-identical across runs on machines of the same endianness.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define GEN_SNAPLEN 65535u
#define GEN_USEC 1000000ULL
#define GEN_EPOCH_US (1710406800ULL * GEN_USEC) /* 2024-03-14T09:00:00Z */
#define GEN_SEED 0x7265656c77617463ULL          /* "reelwatc": every capture but the flood */
#define GEN_FLOOD_SEED 1ULL                     /* the flood's SEED when none is given */
#define GEN_FLOOD_MAX (1ULL << 22)              /* distinct sources in 100.64.0.0/10 */
#define GEN_NTP_UNIX_OFFSET 2208988800ULL       /* seconds from 1900-01-01 to 1970-01-01 */
#define GEN_MS 1000ULL

/* TCP flags (RFC 9293 section 3.1) */
#define GEN_TCP_FIN 0x01
#define GEN_TCP_SYN 0x02
#define GEN_TCP_PSH 0x08
#define GEN_TCP_ACK 0x10

/* The uploaded files; pcaps/README.md repeats these sizes and tests assert them. */
#define GEN_XSTAGE_BYTES 20480u
#define GEN_PSD_WIDTH 400u
#define GEN_PSD_HEIGHT 250u
#define GEN_PSD_CHANNELS 3u
#define GEN_PSD_HDR_BYTES 40u /* 26 header + 3 empty section lengths + compression */
#define GEN_MOV_BYTES 2097152u
#define GEN_MOV_FRAME_BYTES 262144u
#define GEN_EVASION_PSD_SIDE 32u

/* Directions: side 0 is the client (sent the SYN or the first datagram). */
enum { GEN_C2S = 0, GEN_S2C = 1 };

struct gen {
    pcap_t *pd;
    pcap_dumper_t *dump;
    uint64_t now_us; /* virtual clock, microseconds since the Unix epoch */
    uint64_t prng;   /* xorshift64* state, never 0 */
    uint64_t pkts;
    uint16_t ip_id; /* IPv4 identification, one counter for every sender */
    int err;        /* sticky: set by the first failure, checked by gen_close */
    size_t l3off;   /* offsets into frame of the packet being built */
    size_t l4off;
    size_t frag_bytes; /* > 0: IPv4 packets with a payload go out as fragments (fragments) */
    int encap;         /* enum gen_encap: --encap wraps every frame as it is written */
    uint8_t frame[GEN_SNAPLEN];
    uint8_t eframe[GEN_SNAPLEN]; /* the wrapped frame (encap) */
};

struct gen_host {
    int v6;
    uint8_t addr[16]; /* IPv4 uses the first 4 bytes */
    uint8_t mac[6];
    uint8_t ttl; /* TTL / hop limit its packets carry when the sensor sees them */
};

/* Tags outermost first; tpid 0x8100 (802.1Q) or 0x88a8 (802.1ad S-tag). */
struct gen_link {
    int ntags;
    uint16_t tpid[2];
    uint16_t vid[2];
};

/* Two hosts, their ports and the link between them; [GEN_C2S] is the client's side. */
struct gen_path {
    const struct gen_host *host[2];
    uint16_t port[2];
    const struct gen_link *link; /* NULL: untagged */
};

/* Per-send knobs for evasion scenarios; NULL means plain in-order MSS segments. */
struct gen_tcp_knobs {
    size_t seg_size;      /* bytes per segment including any overlap; 0: the MSS */
    unsigned ooo_group;   /* > 1: segments go out in groups of this many, each reversed */
    long dup_seg;         /* index of one segment sent twice in a row; -1: none */
    size_t overlap;       /* each segment after the first re-sends this many earlier bytes */
    int overlap_conflict; /* the re-sent bytes are 'X' instead of the real data */
};

struct gen_tcp {
    struct gen *g;
    struct gen_path path;
    uint32_t nxt[2];      /* next sequence number each side sends */
    uint32_t last_ack[2]; /* last acknowledgment number each side sent */
    int have_ack[2];
    uint16_t mss; /* announced by both SYNs; data is cut at this size */
    uint16_t win; /* receive window both sides announce (no window scaling) */
    uint32_t rtt_us;     /* pause before one side answers the other */
    uint32_t seg_gap_us; /* pause before each data segment */
    uint32_t ack_gap_us; /* pause before a pure ACK */
    int last_dir;        /* side that sent last, for the turn-around pause */
};

/* A growable byte buffer for payloads; oom is sticky like gen.err. */
struct gbuf {
    uint8_t *p;
    size_t len;
    size_t cap;
    int oom;
};

struct cmd_args {
    uint64_t n;
    uint64_t seed;
    const char *oracle; /* busy-http: where to write the files' oracle (NULL: nowhere) */
    int encap; /* enum gen_encap (--encap) */
};

static const uint8_t gen_router_mac[6] = { 0x02, 0x52, 0x57, 0x00, 0x00, 0x01 };

/* ---------------------------------------------------------------------------------- */
/* Output, clock, PRNG                                                                 */

static void gen_fail(struct gen *g, const char *what)
{
    if (!g->err)
        fprintf(stderr, "rw_pcapgen: %s\n", what);
    g->err = 1;
}

/* splitmix64: spreads a small seed (0, 1, 2 ...) over all 64 bits. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* xorshift64* (Vigna 2014). */
static uint64_t gen_rand(struct gen *g)
{
    uint64_t x = g->prng;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    g->prng = x;
    return x * 0x2545f4914f6cdd1dULL;
}

static uint32_t gen_rand32(struct gen *g)
{
    return (uint32_t)(gen_rand(g) >> 32);
}

static void gen_rand_bytes(struct gen *g, uint8_t *p, size_t n)
{
    size_t i;
    uint64_t r = 0;

    for (i = 0; i < n; i++) {
        if ((i & 7) == 0)
            r = gen_rand(g);
        p[i] = (uint8_t)(r >> (8 * (i & 7)));
    }
}

static void gen_advance(struct gen *g, uint64_t us)
{
    g->now_us += us;
}

/* Moves the clock to GEN_EPOCH + offset; scenes are scheduled at fixed offsets. */
static void gen_at(struct gen *g, uint64_t offset_us)
{
    uint64_t t = GEN_EPOCH_US + offset_us;

    if (t < g->now_us) {
        gen_fail(g, "internal: scene scheduled before the clock");
        return;
    }
    g->now_us = t;
}

/* Opens the output with link type dlt (DLT_EN10MB but for --encap chdlc). */
static struct gen *gen_open_dlt(const char *path, uint64_t seed, int dlt)
{
    struct gen *g = calloc(1, sizeof(*g));

    if (g == NULL) {
        fprintf(stderr, "rw_pcapgen: out of memory\n");
        return NULL;
    }
    g->now_us = GEN_EPOCH_US;
    g->prng = mix64(seed);
    if (g->prng == 0)
        g->prng = GEN_SEED;
    g->ip_id = 0x4d21;
    g->pd = pcap_open_dead(dlt, (int)GEN_SNAPLEN);
    if (g->pd == NULL) {
        fprintf(stderr, "rw_pcapgen: pcap_open_dead failed\n");
        goto fail;
    }
    g->dump = pcap_dump_open(g->pd, path);
    if (g->dump == NULL) {
        fprintf(stderr, "rw_pcapgen: %s\n", pcap_geterr(g->pd));
        goto fail;
    }
    return g;
fail:
    if (g->pd != NULL)
        pcap_close(g->pd);
    free(g);
    return NULL;
}

/* An Ethernet capture; tools/bench/rw_benchgen.c, which includes this file, calls it. */
static struct gen *gen_open(const char *path, uint64_t seed) __attribute__((unused));

static struct gen *gen_open(const char *path, uint64_t seed)
{
    return gen_open_dlt(path, seed, DLT_EN10MB);
}

/* Flushes and closes; returns 0, or -1 when anything failed on the way. */
static int gen_close(struct gen *g)
{
    int rc = g->err ? -1 : 0;

    if (pcap_dump_flush(g->dump) != 0 || ferror(pcap_dump_file(g->dump))) {
        fprintf(stderr, "rw_pcapgen: write failed: %s\n", strerror(errno));
        rc = -1;
    }
    pcap_dump_close(g->dump);
    pcap_close(g->pd);
    free(g);
    return rc;
}

static size_t encap_frame(struct gen *g, size_t len);

static void gen_write(struct gen *g, size_t len)
{
    struct pcap_pkthdr h;
    const uint8_t *f = g->frame;

    if (g->encap != 0) {
        len = encap_frame(g, len);
        f = g->eframe;
        if (len == 0)
            return;
    }

    memset(&h, 0, sizeof(h));
    h.ts.tv_sec = (time_t)(g->now_us / GEN_USEC);
    h.ts.tv_usec = (suseconds_t)(g->now_us % GEN_USEC);
    h.caplen = (bpf_u_int32)len;
    h.len = (bpf_u_int32)len;
    pcap_dump((u_char *)g->dump, &h, f);
    g->pkts++;
}

/* ---------------------------------------------------------------------------------- */
/* Bytes                                                                               */

static void wr16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static int gb_reserve(struct gbuf *b, size_t n)
{
    size_t cap;
    uint8_t *np;

    if (b->oom)
        return -1;
    if (n <= b->cap - b->len)
        return 0;
    cap = b->cap != 0 ? b->cap : 256;
    while (cap - b->len < n) {
        if (cap > SIZE_MAX / 2) {
            b->oom = 1;
            return -1;
        }
        cap *= 2;
    }
    np = realloc(b->p, cap);
    if (np == NULL) {
        b->oom = 1;
        return -1;
    }
    b->p = np;
    b->cap = cap;
    return 0;
}

static void gb_put(struct gbuf *b, const void *d, size_t n)
{
    if (n == 0 || gb_reserve(b, n) != 0)
        return;
    memcpy(b->p + b->len, d, n);
    b->len += n;
}

static void gb_fill(struct gbuf *b, uint8_t v, size_t n)
{
    if (n == 0 || gb_reserve(b, n) != 0)
        return;
    memset(b->p + b->len, v, n);
    b->len += n;
}

static void gb_rand(struct gbuf *b, struct gen *g, size_t n)
{
    if (n == 0 || gb_reserve(b, n) != 0)
        return;
    gen_rand_bytes(g, b->p + b->len, n);
    b->len += n;
}

static void gb_str(struct gbuf *b, const char *s)
{
    gb_put(b, s, strlen(s));
}

static void gb_fmt(struct gbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void gb_fmt(struct gbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = 1;
        return;
    }
    if (gb_reserve(b, (size_t)n + 1) != 0)
        return;
    va_start(ap, fmt);
    if (vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap) != n)
        b->oom = 1;
    else
        b->len += (size_t)n;
    va_end(ap);
}

/* snprintf into a fixed buffer; truncation is a bug in the generator and fails it. */
static void gen_snprintf(struct gen *g, char *buf, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void gen_snprintf(struct gen *g, char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    if (r < 0 || (size_t)r >= n)
        gen_fail(g, "internal: text longer than its buffer");
}

static void gb_u8(struct gbuf *b, uint32_t v)
{
    uint8_t x = (uint8_t)v;

    gb_put(b, &x, 1);
}

static void gb_u16(struct gbuf *b, uint32_t v)
{
    uint8_t x[2];

    wr16(x, v);
    gb_put(b, x, 2);
}

static void gb_u24(struct gbuf *b, uint32_t v)
{
    uint8_t x[3] = { (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

    gb_put(b, x, 3);
}

static void gb_u32(struct gbuf *b, uint32_t v)
{
    uint8_t x[4];

    wr32(x, v);
    gb_put(b, x, 4);
}

/* Back-patches a length field at off to the bytes written after it. */
static void gb_len16(struct gbuf *b, size_t off)
{
    if (!b->oom && off + 2 <= b->len)
        wr16(b->p + off, (uint32_t)(b->len - off - 2));
}

static void gb_len24(struct gbuf *b, size_t off)
{
    size_t n = b->len - off - 3;

    if (b->oom || off + 3 > b->len)
        return;
    b->p[off] = (uint8_t)(n >> 16);
    wr16(b->p + off + 1, (uint32_t)n);
}

static void gb_free(struct gbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

/* ---------------------------------------------------------------------------------- */
/* Hosts, frames, checksums                                                            */

/*
 * host_init parses addr (IPv4 or IPv6 text). A local host (on the sensor's segment) gets
 * MAC 02:00 + the last four address bytes; frames from or to any other host carry the
 * router's MAC.
 */
static void host_init(struct gen *g, struct gen_host *h, const char *addr, int local,
                      uint8_t ttl)
{
    memset(h, 0, sizeof(*h));
    h->ttl = ttl;
    if (inet_pton(AF_INET, addr, h->addr) == 1) {
        h->v6 = 0;
        h->mac[0] = 0x02;
        memcpy(h->mac + 2, h->addr, 4);
    } else if (inet_pton(AF_INET6, addr, h->addr) == 1) {
        h->v6 = 1;
        h->mac[0] = 0x02;
        memcpy(h->mac + 2, h->addr + 12, 4);
    } else {
        gen_fail(g, "internal: bad address literal");
    }
    if (!local)
        memcpy(h->mac, gen_router_mac, sizeof(gen_router_mac));
}

static void path_init(struct gen_path *p, const struct gen_host *client, uint16_t cport,
                      const struct gen_host *server, uint16_t sport, const struct gen_link *link)
{
    p->host[GEN_C2S] = client;
    p->host[GEN_S2C] = server;
    p->port[GEN_C2S] = cport;
    p->port[GEN_S2C] = sport;
    p->link = link;
}

/* RFC 1071 Internet checksum: 16-bit ones' complement sum, folded at the end. */
static uint64_t csum_add(uint64_t sum, const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i + 1 < n; i += 2)
        sum += (uint64_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        sum += (uint64_t)p[n - 1] << 8;
    return sum;
}

static uint16_t csum_fold(uint64_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/*
 * frame_begin writes the link header of a packet from side dir of p and returns where
 * the transport header goes (room for l4_len bytes), or NULL (g->err set) when the frame
 * would exceed the snap length. frame_end then writes the IP header and checksums.
 *
 *   Ethernet II (14) [+ 4 per tag: TPID, PCP/DEI/VID] + IPv4 (20, no options) or IPv6 (40)
 */
static uint8_t *frame_begin(struct gen *g, const struct gen_path *p, int dir, size_t l4_len)
{
    const struct gen_host *src = p->host[dir];
    const struct gen_host *dst = p->host[dir ^ 1];
    size_t off = 12;
    int i;

    if (g->err)
        return NULL;
    memcpy(g->frame, dst->mac, 6);
    memcpy(g->frame + 6, src->mac, 6);
    for (i = 0; p->link != NULL && i < p->link->ntags; i++) {
        wr16(g->frame + off, p->link->tpid[i]);
        wr16(g->frame + off + 2, p->link->vid[i] & 0x0fffu);
        off += 4;
    }
    wr16(g->frame + off, src->v6 ? 0x86dd : 0x0800);
    g->l3off = off + 2;
    g->l4off = g->l3off + (src->v6 ? 40 : 20);
    if (l4_len > GEN_SNAPLEN - g->l4off) {
        gen_fail(g, "internal: frame larger than the snap length");
        return NULL;
    }
    return g->frame + g->l4off;
}

/*
 * gen_write_fragments writes the IPv4 packet being built (transport length l4_len) as
 * fragments (RFC 791 3.2): each carries up to g->frag_bytes bytes of the transport
 * header and data (a multiple of 8), all but the last with More Fragments set, the
 * offset in 8-byte units, DF clear, the same identification and their own header
 * checksum. A packet that would fit in one fragment is cut after its first 16 bytes, so
 * every packet with a payload is fragmented. See pcaps/README.md, "fragments".
 */
static void gen_write_fragments(struct gen *g, size_t l4_len)
{
    uint8_t *ip = g->frame + g->l3off;
    uint8_t *l4 = g->frame + g->l4off;
    uint8_t *copy = malloc(l4_len);
    size_t step = g->frag_bytes < l4_len ? g->frag_bytes : 16;
    size_t off, n;

    if (copy == NULL) {
        gen_fail(g, "out of memory");
        return;
    }
    memcpy(copy, l4, l4_len);
    for (off = 0; off < l4_len; off += n) {
        n = l4_len - off < step ? l4_len - off : step;
        wr16(ip + 2, (uint32_t)(20 + n));
        wr16(ip + 6, (uint32_t)((off + n < l4_len ? 0x2000u : 0) | (uint32_t)(off / 8)));
        wr16(ip + 10, 0);
        wr16(ip + 10, csum_fold(csum_add(0, ip, 20)));
        memcpy(l4, copy + off, n);
        gen_write(g, g->l4off + n);
    }
    free(copy);
}

/*
 * IPv4 (RFC 791):
 *   0      4      8             16    19                 31
 *   | ver  | IHL  |     TOS     |      total length       |
 *   |       identification      |flags|  fragment offset  |
 *   |    TTL      |  protocol   |     header checksum     |
 *   |                    source address                   |
 *   |                 destination address                 |
 * IPv6 (RFC 8200): ver/class/label (4), payload length (2), next header, hop limit,
 * source (16), destination (16). Transport checksums (RFC 9293 3.1, RFC 768, RFC 4443
 * 2.3) cover a pseudo-header of the addresses, protocol and transport length; ICMPv4
 * has none. A UDP checksum that computes to 0 is sent as 0xffff.
 */
static void frame_end(struct gen *g, const struct gen_path *p, int dir, uint8_t proto,
                      size_t l4_len, size_t csum_off)
{
    const struct gen_host *src = p->host[dir];
    const struct gen_host *dst = p->host[dir ^ 1];
    uint8_t *ip = g->frame + g->l3off;
    uint8_t *l4 = g->frame + g->l4off;
    uint64_t sum = (uint64_t)proto + l4_len;
    uint16_t c;

    if (src->v6) {
        wr32(ip, 0x60000000u);
        wr16(ip + 4, (uint32_t)l4_len);
        ip[6] = proto;
        ip[7] = src->ttl;
        memcpy(ip + 8, src->addr, 16);
        memcpy(ip + 24, dst->addr, 16);
        sum = csum_add(sum, ip + 8, 32);
    } else {
        ip[0] = 0x45;
        ip[1] = 0;
        wr16(ip + 2, (uint32_t)(20 + l4_len));
        wr16(ip + 4, g->ip_id++);
        wr16(ip + 6, 0x4000); /* DF */
        ip[8] = src->ttl;
        ip[9] = proto;
        wr16(ip + 10, 0);
        memcpy(ip + 12, src->addr, 4);
        memcpy(ip + 16, dst->addr, 4);
        wr16(ip + 10, csum_fold(csum_add(0, ip, 20)));
        sum = proto == IPPROTO_ICMP ? 0 : csum_add(sum, ip + 12, 8);
    }
    wr16(l4 + csum_off, 0);
    c = csum_fold(csum_add(sum, l4, l4_len));
    if (c == 0 && proto == IPPROTO_UDP)
        c = 0xffff;
    wr16(l4 + csum_off, c);
    if (g->frag_bytes != 0 && !src->v6 && l4_len > 20)
        gen_write_fragments(g, l4_len);
    else
        gen_write(g, g->l4off + l4_len);
}

/* ---------------------------------------------------------------------------------- */
/* UDP, ICMPv6                                                                         */

/* One UDP datagram (RFC 768: source port, destination port, length, checksum). */
static void gen_udp(struct gen *g, const struct gen_path *p, int dir, const uint8_t *data,
                    size_t len)
{
    uint8_t *l4 = frame_begin(g, p, dir, 8 + len);

    if (l4 == NULL)
        return;
    wr16(l4, p->port[dir]);
    wr16(l4 + 2, p->port[dir ^ 1]);
    wr16(l4 + 4, (uint32_t)(8 + len));
    if (len != 0)
        memcpy(l4 + 8, data, len);
    frame_end(g, p, dir, IPPROTO_UDP, 8 + len, 6);
}

/* A request from the client and, rtt_us later, the server's answer. */
static void gen_udp_exchange(struct gen *g, const struct gen_path *p, const struct gbuf *req,
                             const struct gbuf *resp, uint64_t rtt_us)
{
    if (req->oom || resp->oom) {
        gen_fail(g, "out of memory");
        return;
    }
    gen_udp(g, p, GEN_C2S, req->p, req->len);
    gen_advance(g, rtt_us);
    gen_udp(g, p, GEN_S2C, resp->p, resp->len);
}

/* ICMPv6 echo (RFC 4443 4.1/4.2): type 128/129, code, checksum, identifier, sequence. */
static void gen_icmp6_echo(struct gen *g, const struct gen_path *p, int dir, uint8_t type,
                           uint16_t id, uint16_t seq, const uint8_t *data, size_t len)
{
    uint8_t *l4 = frame_begin(g, p, dir, 8 + len);

    if (l4 == NULL)
        return;
    l4[0] = type;
    l4[1] = 0;
    wr16(l4 + 4, id);
    wr16(l4 + 6, seq);
    if (len != 0)
        memcpy(l4 + 8, data, len);
    frame_end(g, p, dir, IPPROTO_ICMPV6, 8 + len, 2);
}

/* ---------------------------------------------------------------------------------- */
/* TCP                                                                                 */

static void gen_tcp_init(struct gen_tcp *s, struct gen *g, const struct gen_path *p,
                         uint32_t rtt_us)
{
    memset(s, 0, sizeof(*s));
    s->g = g;
    s->path = *p;
    s->mss = p->host[GEN_C2S]->v6 ? 1440 : 1460; /* a 1500-byte MTU */
    s->win = 64240;
    s->rtt_us = rtt_us;
    s->seg_gap_us = 100;
    s->ack_gap_us = 40;
    s->last_dir = GEN_C2S;
}

/*
 * One segment (RFC 9293 3.1):
 *   | source port | destination port | sequence | acknowledgment |
 *   | offset, flags | window | checksum | urgent | options (MSS on SYNs) | data
 * The first junk bytes of data go out as 'X' (a conflicting overlap).
 */
static void tcp_emit(struct gen_tcp *s, int dir, uint8_t flags, uint32_t seq, uint32_t ack,
                     const uint8_t *data, size_t len, size_t junk)
{
    size_t hlen = (flags & GEN_TCP_SYN) ? 24 : 20;
    uint8_t *l4 = frame_begin(s->g, &s->path, dir, hlen + len);

    if (l4 == NULL)
        return;
    wr16(l4, s->path.port[dir]);
    wr16(l4 + 2, s->path.port[dir ^ 1]);
    wr32(l4 + 4, seq);
    wr32(l4 + 8, (flags & GEN_TCP_ACK) ? ack : 0);
    l4[12] = (uint8_t)((hlen / 4) << 4);
    l4[13] = flags;
    wr16(l4 + 14, s->win);
    wr16(l4 + 18, 0);
    if (flags & GEN_TCP_SYN) {
        l4[20] = 2; /* kind MSS, length 4 */
        l4[21] = 4;
        wr16(l4 + 22, s->mss);
    }
    if (len != 0)
        memcpy(l4 + hlen, data, len);
    if (junk != 0)
        memset(l4 + hlen, 'X', junk);
    if (flags & GEN_TCP_ACK) {
        s->have_ack[dir] = 1;
        s->last_ack[dir] = ack;
    }
    frame_end(s->g, &s->path, dir, IPPROTO_TCP, hlen + len, 16);
}

/* A pure ACK from dir, unless dir already acknowledged exactly this (no duplicate ACKs). */
static void tcp_ack(struct gen_tcp *s, int dir, uint32_t ack)
{
    if (s->have_ack[dir] && s->last_ack[dir] == ack)
        return;
    gen_advance(s->g, s->ack_gap_us);
    tcp_emit(s, dir, GEN_TCP_ACK, s->nxt[dir], ack, NULL, 0, 0);
}

/* Only the client's SYN (a connection attempt nobody answers, or a flood packet). */
static void gen_tcp_syn(struct gen_tcp *s)
{
    uint32_t isn = gen_rand32(s->g);

    tcp_emit(s, GEN_C2S, GEN_TCP_SYN, isn, 0, NULL, 0, 0);
    s->nxt[GEN_C2S] = isn + 1;
}

/* SYN, SYN/ACK rtt later, ACK (RFC 9293 3.5). */
static void gen_tcp_open(struct gen_tcp *s)
{
    uint32_t isn;

    gen_tcp_syn(s);
    gen_advance(s->g, s->rtt_us);
    isn = gen_rand32(s->g);
    tcp_emit(s, GEN_S2C, GEN_TCP_SYN | GEN_TCP_ACK, isn, s->nxt[GEN_C2S], NULL, 0, 0);
    s->nxt[GEN_S2C] = isn + 1;
    gen_advance(s->g, s->ack_gap_us);
    tcp_emit(s, GEN_C2S, GEN_TCP_ACK, s->nxt[GEN_C2S], s->nxt[GEN_S2C], NULL, 0, 0);
    s->last_dir = GEN_C2S;
}

/* What one gen_tcp_send cuts its data into. */
struct tcp_burst {
    uint32_t base;    /* sequence number of data[0] */
    const uint8_t *data;
    size_t len;
    size_t chunk;     /* new bytes per segment */
    size_t nseg;
    const struct gen_tcp_knobs *k;
};

/* Segment i carries new bytes [i*chunk, +chunk) preceded by up to overlap old bytes. */
static void tcp_segment(struct gen_tcp *s, int dir, const struct tcp_burst *b, size_t i)
{
    size_t from = i * b->chunk;
    size_t to = from + b->chunk < b->len ? from + b->chunk : b->len;
    size_t junk = 0;
    uint8_t flags = GEN_TCP_ACK;

    if (i > 0) {
        from = from > b->k->overlap ? from - b->k->overlap : 0;
        if (b->k->overlap_conflict)
            junk = i * b->chunk - from;
    }
    if (i == b->nseg - 1)
        flags |= GEN_TCP_PSH;
    gen_advance(s->g, s->seg_gap_us);
    tcp_emit(s, dir, flags, b->base + (uint32_t)from, s->nxt[dir ^ 1], b->data + from,
             to - from, junk);
}

/*
 * gen_tcp_send sends len bytes from side dir, cut into segments, and has the other side
 * acknowledge them: after every second segment, after each out-of-order group, and at
 * the end. When the other side spoke last, the first segment waits rtt_us. Knobs:
 * seg_size, ooo_group (groups sent in reverse, acknowledged after the group), dup_seg
 * (one segment sent twice), overlap (with or without conflicting bytes). With knobs,
 * tshark reports the intended out-of-order / retransmission analysis flags.
 */
static void gen_tcp_send(struct gen_tcp *s, int dir, const uint8_t *data, size_t len,
                         const struct gen_tcp_knobs *k)
{
    static const struct gen_tcp_knobs plain = { 0, 0, -1, 0, 0 };
    struct tcp_burst b;
    size_t seg, group, gs, ge, n, i, since_ack = 0;

    if (len == 0)
        return;
    b.k = k != NULL ? k : &plain;
    seg = b.k->seg_size != 0 ? b.k->seg_size : s->mss;
    if (b.k->overlap >= seg) {
        gen_fail(s->g, "internal: TCP overlap must be smaller than the segment");
        return;
    }
    b.base = s->nxt[dir];
    b.data = data;
    b.len = len;
    b.chunk = seg - b.k->overlap;
    b.nseg = (len + b.chunk - 1) / b.chunk;
    group = b.k->ooo_group > 1 ? b.k->ooo_group : 1;
    if (dir != s->last_dir)
        gen_advance(s->g, s->rtt_us);
    s->last_dir = dir;
    for (gs = 0; gs < b.nseg; gs = ge) {
        ge = gs + group < b.nseg ? gs + group : b.nseg;
        for (n = 0; n < ge - gs; n++) {
            i = group > 1 ? ge - 1 - n : gs + n;
            tcp_segment(s, dir, &b, i);
            if (b.k->dup_seg >= 0 && (size_t)b.k->dup_seg == i)
                tcp_segment(s, dir, &b, i);
        }
        since_ack += ge - gs;
        if (group > 1 || since_ack >= 2 || ge == b.nseg) {
            tcp_ack(s, dir ^ 1, b.base + (uint32_t)(ge * b.chunk < len ? ge * b.chunk : len));
            since_ack = 0;
        }
    }
    s->nxt[dir] = b.base + (uint32_t)len;
}

static void gen_tcp_send_buf(struct gen_tcp *s, int dir, const struct gbuf *b)
{
    if (b->oom) {
        gen_fail(s->g, "out of memory");
        return;
    }
    gen_tcp_send(s, dir, b->p, b->len, NULL);
}

static void gen_tcp_send_str(struct gen_tcp *s, int dir, const char *text)
{
    gen_tcp_send(s, dir, (const uint8_t *)text, strlen(text), NULL);
}

/* Side dir closes: FIN/ACK, the peer's FIN/ACK, the last ACK (RFC 9293 3.6). */
static void gen_tcp_close(struct gen_tcp *s, int dir)
{
    int peer = dir ^ 1;

    gen_advance(s->g, dir != s->last_dir ? s->rtt_us : s->seg_gap_us);
    tcp_emit(s, dir, GEN_TCP_FIN | GEN_TCP_ACK, s->nxt[dir], s->nxt[peer], NULL, 0, 0);
    s->nxt[dir]++;
    gen_advance(s->g, s->rtt_us);
    tcp_emit(s, peer, GEN_TCP_FIN | GEN_TCP_ACK, s->nxt[peer], s->nxt[dir], NULL, 0, 0);
    s->nxt[peer]++;
    gen_advance(s->g, s->ack_gap_us);
    tcp_emit(s, dir, GEN_TCP_ACK, s->nxt[dir], s->nxt[peer], NULL, 0, 0);
    s->last_dir = dir;
}

/* ---------------------------------------------------------------------------------- */
/* Files                                                                               */

/*
 * A Toon Boom Harmony scene (.xstage): XML whose root is <project source="Harmony ...">,
 * with elements, columns, nodes and links for a handful of layers, padded with
 * whitespace before the end to exactly GEN_XSTAGE_BYTES.
 */
static void build_xstage(struct gbuf *b, struct gen *g)
{
    static const char *const layer[] = {
        "BG_forest", "OL_trees", "UL_rocks", "CH_mira_head", "CH_mira_body",
        "CH_mira_arm_l", "CH_mira_arm_r", "CH_mira_mouth", "CH_dok_head", "CH_dok_body",
        "PR_lantern", "FX_fireflies", "FX_mist",
    };
    static const char tail[] = "  </scenes>\n</project>\n";
    size_t n = sizeof(layer) / sizeof(layer[0]);
    size_t i, j, end;

    gb_str(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
              "<project source=\"Harmony Premium\" version=\"2200\" build=\"18012\" "
              "creator=\"harmony\">\n  <elements>\n");
    for (i = 0; i < n; i++) {
        gb_fmt(b, "    <element id=\"%zu\" elementName=\"%s\" elementFolder=\"%s\" "
                  "rootFolder=\"elements\" pixmapFormat=\"SCAN\" scanType=\"COLOR\" "
                  "fieldChart=\"12\" vectorType=\"2\">\n      <drawings>\n",
               i + 1, layer[i], layer[i]);
        for (j = 1; j <= 4 + i % 5; j++)
            gb_fmt(b, "        <dwg name=\"%zu\"/>\n", j);
        gb_str(b, "      </drawings>\n    </element>\n");
    }
    gb_str(b, "  </elements>\n  <options>\n    <resolution name=\"HDTV_1080p24\" "
              "size=\"1920,1080\" fov=\"41.112090439166927\" projection=\"0\"/>\n"
              "    <framerate val=\"24\"/>\n  </options>\n  <scenes>\n"
              "    <scene name=\"Top\" id=\"0a4c7e21f39b6d58\" nbframes=\"120\" "
              "startFrame=\"1\" stopFrame=\"120\">\n      <columns>\n");
    for (i = 0; i < n; i++) {
        gb_fmt(b, "        <column type=\"0\" name=\"%s\" id=\"%zu\">\n", layer[i], i + 1);
        for (j = 0; j < 12; j++)
            gb_fmt(b, "          <elementSeq exposures=\"%zu-%zu\" val=\"%zu\" id=\"%zu\"/>\n",
                   j * 10 + 1, j * 10 + 10, j % (4 + i % 5) + 1, i + 1);
        gb_str(b, "        </column>\n");
    }
    gb_str(b, "      </columns>\n      <nodeslist>\n");
    for (i = 0; i < n; i++)
        gb_fmt(b, "        <module type=\"READ\" name=\"%s\" pos=\"%zu,%zu,0\" "
                  "version=\"1\">\n          <attrs>\n            <offset><x val=\"0\"/>"
                  "<y val=\"0\"/><z val=\"%zu\"/></offset>\n            <scale><x val=\"1\"/>"
                  "<y val=\"1\"/></scale>\n            <canAnimate val=\"Y\"/>\n"
                  "          </attrs>\n          <element col=\"%s\"/>\n        </module>\n",
               layer[i], 120 * i, 40 * (i % 3), n - i, layer[i]);
    gb_str(b, "        <module type=\"COMPOSITE\" name=\"Composite\" version=\"1\"/>\n"
              "        <module type=\"WRITE\" name=\"Write\" version=\"1\">\n          <attrs>"
              "<drawingName val=\"frames/ep07_sc012-\"/><exportFormat val=\"PNG4\"/>"
              "</attrs>\n        </module>\n      </nodeslist>\n      <linkedlist>\n");
    for (i = 0; i < n; i++)
        gb_fmt(b, "        <link out=\"%s\" in=\"Composite\" inport=\"%zu\"/>\n", layer[i], i);
    gb_str(b, "        <link out=\"Composite\" in=\"Write\"/>\n      </linkedlist>\n"
              "    </scene>\n");
    end = b->len + sizeof(tail) - 1;
    if (!b->oom && end > GEN_XSTAGE_BYTES) {
        fprintf(stderr, "rw_pcapgen: internal: xstage content is %zu bytes\n", end);
        gen_fail(g, "internal: xstage content outgrew GEN_XSTAGE_BYTES");
        return;
    }
    gb_fill(b, ' ', GEN_XSTAGE_BYTES - end);
    gb_str(b, tail);
}

/*
 * A Photoshop file (Adobe PSD specification): "8BPS", version 1, 6 reserved zero bytes,
 * channels, height, width, depth, color mode (3 = RGB); empty color mode data, image
 * resources and layer/mask sections; compression 0 (raw) and planar channel data.
 */
static void build_psd(struct gbuf *b, uint32_t width, uint32_t height)
{
    uint32_t c, y, x;

    gb_str(b, "8BPS");
    gb_u16(b, 1);
    gb_fill(b, 0, 6);
    gb_u16(b, GEN_PSD_CHANNELS);
    gb_u32(b, height);
    gb_u32(b, width);
    gb_u16(b, 8);
    gb_u16(b, 3);
    gb_u32(b, 0);
    gb_u32(b, 0);
    gb_u32(b, 0);
    gb_u16(b, 0);
    if (gb_reserve(b, (size_t)GEN_PSD_CHANNELS * width * height) != 0)
        return;
    for (c = 0; c < GEN_PSD_CHANNELS; c++)
        for (y = 0; y < height; y++)
            for (x = 0; x < width; x++)
                b->p[b->len++] = (uint8_t)(c == 1 ? 60 + (y * 140) / height
                                                  : ((x / 8 + y / 16) % 7) * 6 + c * 20);
}

/*
 * A ProRes QuickTime movie as it starts on the wire:
 *   00 00 00 14 'ftyp' 'qt  ' 00 00 02 00 'qt  '   file type (20 bytes)
 *   00 00 00 08 'wide'                             placeholder atom (8)
 *   size 'mdat'                                     media data (the rest of the file)
 * The mdat payload is ProRes frames (SMPTE RDD 36): frame size, 'icpf', a 148-byte frame
 * header (size, version, creator 'apl0', 1920x1080, 4:2:2 progressive, 16:9, 24 fps,
 * BT.709, no alpha, both quantisation matrices), a picture header and a slice size table,
 * then slice data (PRNG bytes). Total bytes (the demo's: GEN_MOV_BYTES); no moov atom.
 * The last frame holds what is left and must exceed its headers (> 2204 bytes).
 */
static void build_mov_n(struct gbuf *b, struct gen *g, uint32_t bytes)
{
    static const uint8_t ftyp[] = { 0, 0, 0, 0x14, 'f', 't', 'y', 'p', 'q', 't', ' ', ' ',
                                    0, 0, 2, 0, 'q', 't', ' ', ' ', 0, 0, 0, 8, 'w', 'i',
                                    'd', 'e' };
    const uint32_t nslices = 1020; /* 15 slices of 8 macroblocks x 68 rows */
    size_t left, frame, data, i;

    gb_put(b, ftyp, sizeof(ftyp));
    gb_u32(b, bytes - (uint32_t)sizeof(ftyp));
    gb_str(b, "mdat");
    for (left = bytes - sizeof(ftyp) - 8; left > 0 && !b->oom; left -= frame) {
        frame = left < GEN_MOV_FRAME_BYTES ? left : GEN_MOV_FRAME_BYTES;
        gb_u32(b, (uint32_t)frame);
        gb_str(b, "icpf");
        gb_u16(b, 148); /* frame header size */
        gb_u16(b, 0);   /* version */
        gb_str(b, "apl0");
        gb_u16(b, 1920);
        gb_u16(b, 1080);
        gb_u8(b, 0x80); /* chroma 4:2:2, progressive */
        gb_u8(b, 0x32); /* aspect 16:9, 24 fps */
        gb_u8(b, 1);    /* BT.709 primaries, transfer, matrix */
        gb_u8(b, 1);
        gb_u8(b, 1);
        gb_u8(b, 0); /* no alpha */
        gb_u8(b, 0);
        gb_u8(b, 3); /* luma and chroma matrices follow */
        for (i = 0; i < 128; i++)
            gb_u8(b, 4 + (i % 64) / 4);
        gb_u8(b, 8 << 3); /* picture header: 8 bytes */
        data = frame - 8 - 148;
        gb_u32(b, (uint32_t)data);
        gb_u16(b, nslices);
        gb_u8(b, 3 << 4); /* log2 slice width in macroblocks */
        data -= 8 + 2 * nslices;
        for (i = 0; i < nslices; i++)
            gb_u16(b, (uint32_t)(data / nslices + (i == nslices - 1 ? data % nslices : 0)));
        gb_rand(b, g, data);
    }
}

static void build_mov(struct gbuf *b, struct gen *g)
{
    build_mov_n(b, g, GEN_MOV_BYTES);
}

/* CRC-32 (ISO 3309, as PNG uses it), bitwise: the PNG is tiny. */
static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
    size_t i;
    int k;

    crc = ~crc;
    for (i = 0; i < n; i++) {
        crc ^= p[i];
        for (k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static void png_chunk(struct gbuf *b, const char *type, const uint8_t *data, size_t len)
{
    uint32_t crc = crc32_update(0, (const uint8_t *)type, 4);

    crc = crc32_update(crc, data, len);
    gb_u32(b, (uint32_t)len);
    gb_put(b, type, 4);
    gb_put(b, data, len);
    gb_u32(b, crc);
}

/*
 * A 16x16 RGB PNG (RFC 2083): signature, IHDR, one IDAT holding a zlib stream (RFC 1950)
 * with a single stored deflate block (RFC 1951), IEND.
 */
static void build_png(struct gbuf *b)
{
    static const uint8_t sig[] = { 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a };
    static const uint8_t ihdr[] = { 0, 0, 0, 16, 0, 0, 0, 16, 8, 2, 0, 0, 0 };
    uint8_t raw[16 * (1 + 16 * 3)];
    struct gbuf z = { 0 };
    uint32_t a = 1, s = 0;
    size_t i, x, y;

    for (y = 0, i = 0; y < 16; y++) {
        raw[i++] = 0; /* filter: none */
        for (x = 0; x < 16; x++) {
            raw[i++] = (uint8_t)(x * 16);
            raw[i++] = (uint8_t)(y * 16);
            raw[i++] = (uint8_t)((x ^ y) * 16);
        }
    }
    for (i = 0; i < sizeof(raw); i++) {
        a = (a + raw[i]) % 65521;
        s = (s + a) % 65521;
    }
    gb_u8(&z, 0x78); /* CM 8, 32K window, check bits */
    gb_u8(&z, 0x01);
    gb_u8(&z, 0x01); /* BFINAL, stored */
    gb_u8(&z, sizeof(raw) & 0xff);
    gb_u8(&z, sizeof(raw) >> 8);
    gb_u8(&z, ~sizeof(raw) & 0xff);
    gb_u8(&z, (~sizeof(raw) >> 8) & 0xff);
    gb_put(&z, raw, sizeof(raw));
    gb_u32(&z, s << 16 | a);
    gb_put(b, sig, sizeof(sig));
    png_chunk(b, "IHDR", ihdr, sizeof(ihdr));
    if (z.oom)
        b->oom = 1;
    else
        png_chunk(b, "IDAT", z.p, z.len);
    png_chunk(b, "IEND", NULL, 0);
    gb_free(&z);
}

/* Little-endian fields (OpenEXR, ZIP, Blender, SMB2, NTLMSSP). */
static void wr16le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void wr32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void gb_u16le(struct gbuf *b, uint32_t v)
{
    uint8_t x[2];

    wr16le(x, v);
    gb_put(b, x, 2);
}

static void gb_u32le(struct gbuf *b, uint32_t v)
{
    uint8_t x[4];

    wr32le(x, v);
    gb_put(b, x, 4);
}

static void gb_u64le(struct gbuf *b, uint64_t v)
{
    gb_u32le(b, (uint32_t)v);
    gb_u32le(b, (uint32_t)(v >> 32));
}

/* ASCII text as UTF-16LE (SMB2 and NTLMSSP strings). */
static void gb_utf16(struct gbuf *b, const char *s)
{
    for (; *s != '\0'; s++)
        gb_u16le(b, (uint8_t)*s);
}

/* An OpenEXR attribute: name NUL, type NUL, size (LE32), value. */
static void exr_attr(struct gbuf *b, const char *name, const char *type, const uint8_t *v,
                     size_t n)
{
    gb_put(b, name, strlen(name) + 1);
    gb_put(b, type, strlen(type) + 1);
    gb_u32le(b, (uint32_t)n);
    gb_put(b, v, n);
}

/*
 * An uncompressed scan-line OpenEXR image (OpenEXR file layout): magic 76 2f 31 01,
 * version 2, header attributes (channels B, G, R as HALF; compression NONE; data and
 * display windows 0,0..side-1,side-1; lineOrder INCREASING_Y; pixelAspectRatio,
 * screenWindowCenter, screenWindowWidth), a NUL, the line offset table (LE64 per line),
 * then per line: y (LE32), data size (LE32) and the B, G, R halves of the line.
 * Size: header + 8 * side + side * (8 + 6 * side).
 */
static void build_exr(struct gbuf *b, uint32_t side)
{
    static const uint8_t one[4] = { 0, 0, 0x80, 0x3f }; /* 1.0f */
    static const uint8_t zero8[8] = { 0 };
    uint8_t ch[3 * 18 + 1], box[16];
    size_t start = b->len, i, hdr;
    uint32_t x, y, c;

    memset(ch, 0, sizeof(ch));
    for (i = 0; i < 3; i++) {
        ch[i * 18] = (uint8_t)"BGR"[i];
        wr32le(ch + i * 18 + 2, 1);  /* pixel type HALF */
        wr32le(ch + i * 18 + 10, 1); /* x sampling */
        wr32le(ch + i * 18 + 14, 1); /* y sampling */
    }
    memset(box, 0, sizeof(box));
    wr32le(box + 8, side - 1);
    wr32le(box + 12, side - 1);
    gb_put(b, "\x76\x2f\x31\x01", 4);
    gb_u32le(b, 2);
    exr_attr(b, "channels", "chlist", ch, sizeof(ch));
    exr_attr(b, "compression", "compression", zero8, 1);
    exr_attr(b, "dataWindow", "box2i", box, sizeof(box));
    exr_attr(b, "displayWindow", "box2i", box, sizeof(box));
    exr_attr(b, "lineOrder", "lineOrder", zero8, 1);
    exr_attr(b, "pixelAspectRatio", "float", one, 4);
    exr_attr(b, "screenWindowCenter", "v2f", zero8, 8);
    exr_attr(b, "screenWindowWidth", "float", one, 4);
    gb_u8(b, 0);
    hdr = b->len - start + 8 * (size_t)side;
    for (y = 0; y < side; y++)
        gb_u64le(b, hdr + (uint64_t)y * (8 + 6 * side));
    for (y = 0; y < side; y++) {
        gb_u32le(b, y);
        gb_u32le(b, 6 * side);
        for (c = 0; c < 3; c++)
            for (x = 0; x < side; x++)
                gb_u16le(b, 0x3000u + ((x * 7 + y * 3 + c * 64) & 0x3ffu)); /* 0.125..0.25 */
    }
}

/* MS-DOS time and date of 2024-03-14 09:00:00 (ZIP local and central headers). */
#define GEN_ZIP_TIME 0x4800u
#define GEN_ZIP_DATE 0x586eu

/*
 * A ZIP archive (PKWARE APPNOTE 4.3) of one stored member: local file header
 * 50 4b 03 04, version 2.0, no flags, method 0, time, date, CRC-32, sizes, name; the data;
 * central directory header 50 4b 01 02 (made by Unix 3.0, mode 0644); end of central
 * directory 50 4b 05 06. Size: 30 + 46 + 2 * strlen(name) + 22 + len.
 */
static void build_zip(struct gbuf *b, const char *name, const uint8_t *data, size_t len)
{
    uint32_t crc = crc32_update(0, data, len);
    size_t nlen = strlen(name), cd;

    gb_u32le(b, 0x04034b50);
    gb_u16le(b, 20);
    gb_u16le(b, 0);
    gb_u16le(b, 0);
    gb_u16le(b, GEN_ZIP_TIME);
    gb_u16le(b, GEN_ZIP_DATE);
    gb_u32le(b, crc);
    gb_u32le(b, (uint32_t)len);
    gb_u32le(b, (uint32_t)len);
    gb_u16le(b, (uint32_t)nlen);
    gb_u16le(b, 0);
    gb_put(b, name, nlen);
    gb_put(b, data, len);
    cd = b->len;
    gb_u32le(b, 0x02014b50);
    gb_u16le(b, 0x031e);
    gb_u16le(b, 20);
    gb_u16le(b, 0);
    gb_u16le(b, 0);
    gb_u16le(b, GEN_ZIP_TIME);
    gb_u16le(b, GEN_ZIP_DATE);
    gb_u32le(b, crc);
    gb_u32le(b, (uint32_t)len);
    gb_u32le(b, (uint32_t)len);
    gb_u16le(b, (uint32_t)nlen);
    gb_u16le(b, 0); /* extra */
    gb_u16le(b, 0); /* comment */
    gb_u16le(b, 0); /* disk */
    gb_u16le(b, 0); /* internal attributes */
    gb_u32le(b, 0644u << 16);
    gb_u32le(b, 0); /* local header offset */
    gb_put(b, name, nlen);
    gb_u32le(b, 0x06054b50);
    gb_u16le(b, 0);
    gb_u16le(b, 0);
    gb_u16le(b, 1);
    gb_u16le(b, 1);
    gb_u32le(b, (uint32_t)(b->len - cd - 12));
    gb_u32le(b, (uint32_t)cd);
    gb_u16le(b, 0);
}

/* A Blender file block header (64-bit pointers): code, size, old pointer, SDNA, count. */
static void blend_block(struct gbuf *b, const char *code, size_t len, uint64_t ptr)
{
    gb_put(b, code, 4);
    gb_u32le(b, (uint32_t)len);
    gb_u64le(b, ptr);
    gb_u32le(b, 0);
    gb_u32le(b, 1);
}

/*
 * A Blender 2.93 .blend: "BLENDER" '-' (8-byte pointers) 'v' (little-endian) "293", a
 * REND block of 72 bytes, a DATA block of data_len PRNG bytes, and ENDB.
 * Size: 12 + 24 + 72 + 24 + data_len + 24.
 */
static void build_blend(struct gbuf *b, struct gen *g, size_t data_len)
{
    gb_str(b, "BLENDER-v293");
    blend_block(b, "REND", 72, 0x7f3a00001000ULL);
    gb_u32le(b, 1);   /* sfra */
    gb_u32le(b, 120); /* efra */
    gb_str(b, "sc012_layout");
    gb_fill(b, 0, 72 - 8 - 12);
    blend_block(b, "DATA", data_len, 0x7f3a00002000ULL);
    gb_rand(b, g, data_len);
    blend_block(b, "ENDB", 0, 0);
}

/*
 * A DPX image (SMPTE 268M, big-endian): a 2048-byte header (magic "SDPX", image offset
 * 2048, "V2.0", file size, generic header 1664 and industry header 384 bytes, file name,
 * creation time, creator; image header at 768: orientation 0, 1 element, width, height;
 * element 0: descriptor 50 (RGB), 10 bits, packing 1 (filled, method A), data offset
 * 2048), then one 32-bit word per pixel. Size: 2048 + 4 * width * height.
 */
static void build_dpx(struct gbuf *b, const char *fname, uint32_t width, uint32_t height)
{
    size_t start = b->len;
    uint8_t *h;
    uint32_t i, r, gg, bl;

    if (gb_reserve(b, 2048) != 0)
        return;
    h = b->p + start;
    memset(h, 0, 2048);
    memcpy(h, "SDPX", 4);
    wr32(h + 4, 2048);
    memcpy(h + 8, "V2.0", 4);
    wr32(h + 16, 2048 + 4 * width * height);
    wr32(h + 20, 1);
    wr32(h + 24, 1664);
    wr32(h + 28, 384);
    memcpy(h + 36, fname, strnlen(fname, 99));
    memcpy(h + 136, "2024:03:14:09:00:00Z", 20);
    memcpy(h + 160, "Nuke 14.0v5", 11);
    wr16(h + 768, 0);
    wr16(h + 770, 1);
    wr32(h + 772, width);
    wr32(h + 776, height);
    wr32(h + 792, 1023); /* reference high data code */
    h[800] = 50;         /* RGB */
    h[801] = 2;          /* transfer: linear */
    h[802] = 2;
    h[803] = 10;
    wr16(h + 804, 1);
    wr32(h + 808, 2048);
    b->len += 2048;
    for (i = 0; i < width * height; i++) {
        r = (i % width) * 1023 / width;
        gg = (i / width) * 1023 / height;
        bl = 512;
        gb_u32(b, r << 22 | gg << 12 | bl << 2);
    }
}

/*
 * A binary USD crate (.usdc): "PXR-USDC", version 0.8.0, the table-of-contents offset
 * (LE64, the last 40 bytes) and PRNG bytes. Size: bytes.
 */
static void build_usdc(struct gbuf *b, struct gen *g, size_t bytes)
{
    static const uint8_t ver[8] = { 0, 8, 0, 0, 0, 0, 0, 0 };

    gb_str(b, "PXR-USDC");
    gb_put(b, ver, sizeof(ver));
    gb_u64le(b, bytes - 40);
    gb_rand(b, g, bytes - 24);
}

/* ---------------------------------------------------------------------------------- */
/* Application payloads                                                                */

/*
 * DNS (RFC 1035 4.1): header (id, flags, 4 counts), question (labels, type, class IN),
 * and for a response one answer naming the question by pointer 0xc00c.
 */
static void build_dns(struct gbuf *b, uint16_t id, const char *name, uint16_t qtype,
                      const uint8_t *rdata, size_t rdlen)
{
    const char *p = name;
    size_t n;

    gb_u16(b, id);
    gb_u16(b, rdata != NULL ? 0x8180 : 0x0100); /* response + RD + RA, or query + RD */
    gb_u16(b, 1);
    gb_u16(b, rdata != NULL ? 1 : 0);
    gb_u16(b, 0);
    gb_u16(b, 0);
    while (*p != '\0') {
        n = strcspn(p, ".");
        gb_u8(b, (uint32_t)n);
        gb_put(b, p, n);
        p += n;
        if (*p == '.')
            p++;
    }
    gb_u8(b, 0);
    gb_u16(b, qtype);
    gb_u16(b, 1);
    if (rdata == NULL)
        return;
    gb_u16(b, 0xc00c);
    gb_u16(b, qtype);
    gb_u16(b, 1);
    gb_u32(b, 3600);
    gb_u16(b, (uint32_t)rdlen);
    gb_put(b, rdata, rdlen);
}

/* NTP timestamp (RFC 5905 6): seconds since 1900 and a 32-bit binary fraction. */
static void gb_ntp_time(struct gbuf *b, uint64_t unix_us)
{
    gb_u32(b, (uint32_t)(unix_us / GEN_USEC + GEN_NTP_UNIX_OFFSET));
    gb_u32(b, (uint32_t)(((unix_us % GEN_USEC) << 32) / GEN_USEC));
}

/*
 * NTPv4 (RFC 5905 7.3): LI/VN/mode, stratum, poll, precision, root delay, root
 * dispersion, reference id, then reference, origin, receive and transmit timestamps.
 * A client request (mode 3) carries only its transmit time; the server (mode 4, stratum
 * 2) echoes it as origin.
 */
static void build_ntp(struct gbuf *b, int server, uint64_t origin_us, uint64_t now_us)
{
    gb_u8(b, server ? 0x24 : 0x23);
    gb_u8(b, server ? 2 : 0);
    gb_u8(b, 6);
    gb_u8(b, server ? 0xe7 : 0xe9); /* precision 2^-25 / 2^-23 s */
    gb_u32(b, server ? 0x00000a3c : 0);
    gb_u32(b, server ? 0x00000d12 : 0);
    gb_u32(b, server ? 0xc0000201 : 0); /* reference: 192.0.2.1 */
    if (server) {
        gb_ntp_time(b, now_us - 64 * GEN_USEC);
        gb_ntp_time(b, origin_us);
        gb_ntp_time(b, now_us - 120);
    } else {
        gb_fill(b, 0, 24);
    }
    gb_ntp_time(b, now_us);
}

/*
 * A TLS 1.3 ClientHello as browsers send it (RFC 8446 4.1.2) in a TLS 1.0 record:
 *   record: 16 03 01 len | handshake: 01 len24 | 03 03 random[32] sid[32]
 *   cipher suites, compression (null), extensions: server_name (RFC 6066 3),
 *   extended_master_secret, renegotiation_info, supported_groups, ec_point_formats,
 *   session_ticket, ALPN (h2, http/1.1), status_request, signature_algorithms,
 *   key_share (x25519), psk_key_exchange_modes, supported_versions (1.3, 1.2).
 */
static void build_client_hello(struct gbuf *b, struct gen *g, const char *sni,
                               const uint8_t sid[32])
{
    static const uint16_t suites[] = { 0x1301, 0x1303, 0x1302, 0xc02b, 0xc02f, 0xcca9,
                                       0xcca8, 0xc02c, 0xc030, 0xc013, 0xc014, 0x009c,
                                       0x009d, 0x002f, 0x0035 };
    static const uint16_t sigalgs[] = { 0x0403, 0x0503, 0x0603, 0x0804, 0x0805,
                                        0x0806, 0x0401, 0x0501, 0x0601 };
    size_t rec, hs, ext, n = strlen(sni), i;

    gb_u8(b, 0x16);
    gb_u16(b, 0x0301);
    rec = b->len;
    gb_u16(b, 0);
    gb_u8(b, 0x01);
    hs = b->len;
    gb_u24(b, 0);
    gb_u16(b, 0x0303);
    gb_rand(b, g, 32);
    gb_u8(b, 32);
    gb_put(b, sid, 32);
    gb_u16(b, (uint32_t)sizeof(suites));
    for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
        gb_u16(b, suites[i]);
    gb_u8(b, 1);
    gb_u8(b, 0);
    ext = b->len;
    gb_u16(b, 0);
    gb_u16(b, 0x0000); /* server_name: list length, host_name (0), name length, name */
    gb_u16(b, (uint32_t)(n + 5));
    gb_u16(b, (uint32_t)(n + 3));
    gb_u8(b, 0);
    gb_u16(b, (uint32_t)n);
    gb_put(b, sni, n);
    gb_u16(b, 0x0017); /* extended_master_secret */
    gb_u16(b, 0);
    gb_u16(b, 0xff01); /* renegotiation_info: empty */
    gb_u16(b, 1);
    gb_u8(b, 0);
    gb_u16(b, 0x000a); /* supported_groups: x25519, secp256r1, secp384r1 */
    gb_u16(b, 8);
    gb_u16(b, 6);
    gb_u16(b, 0x001d);
    gb_u16(b, 0x0017);
    gb_u16(b, 0x0018);
    gb_u16(b, 0x000b); /* ec_point_formats: uncompressed */
    gb_u16(b, 2);
    gb_u8(b, 1);
    gb_u8(b, 0);
    gb_u16(b, 0x0023); /* session_ticket: empty */
    gb_u16(b, 0);
    gb_u16(b, 0x0010); /* ALPN: "h2", "http/1.1" */
    gb_u16(b, 14);
    gb_u16(b, 12);
    gb_u8(b, 2);
    gb_str(b, "h2");
    gb_u8(b, 8);
    gb_str(b, "http/1.1");
    gb_u16(b, 0x0005); /* status_request: OCSP, no responders, no extensions */
    gb_u16(b, 5);
    gb_u8(b, 1);
    gb_u32(b, 0);
    gb_u16(b, 0x000d); /* signature_algorithms */
    gb_u16(b, (uint32_t)(2 + sizeof(sigalgs)));
    gb_u16(b, (uint32_t)sizeof(sigalgs));
    for (i = 0; i < sizeof(sigalgs) / sizeof(sigalgs[0]); i++)
        gb_u16(b, sigalgs[i]);
    gb_u16(b, 0x0033); /* key_share: x25519, 32-byte key */
    gb_u16(b, 38);
    gb_u16(b, 36);
    gb_u16(b, 0x001d);
    gb_u16(b, 32);
    gb_rand(b, g, 32);
    gb_u16(b, 0x002d); /* psk_key_exchange_modes: psk_dhe_ke */
    gb_u16(b, 2);
    gb_u8(b, 1);
    gb_u8(b, 1);
    gb_u16(b, 0x002b); /* supported_versions: TLS 1.3, TLS 1.2 */
    gb_u16(b, 5);
    gb_u8(b, 4);
    gb_u16(b, 0x0304);
    gb_u16(b, 0x0303);
    gb_len16(b, ext);
    gb_len24(b, hs);
    gb_len16(b, rec);
}

/* One TLS record of type with len opaque (encrypted-looking) bytes. */
static void tls_record(struct gbuf *b, struct gen *g, uint8_t type, size_t len)
{
    gb_u8(b, type);
    gb_u16(b, 0x0303);
    gb_u16(b, (uint32_t)len);
    gb_rand(b, g, len);
}

/*
 * The server's first flight (RFC 8446 4.1.3): ServerHello (TLS_AES_128_GCM_SHA256,
 * supported_versions 1.3, key_share x25519, the client's session id echoed), a
 * compatibility ChangeCipherSpec, then encrypted records (EncryptedExtensions,
 * Certificate, CertificateVerify, Finished) as application_data.
 */
static void build_server_flight(struct gbuf *b, struct gen *g, const uint8_t sid[32])
{
    size_t rec, hs, ext;

    gb_u8(b, 0x16);
    gb_u16(b, 0x0303);
    rec = b->len;
    gb_u16(b, 0);
    gb_u8(b, 0x02);
    hs = b->len;
    gb_u24(b, 0);
    gb_u16(b, 0x0303);
    gb_rand(b, g, 32);
    gb_u8(b, 32);
    gb_put(b, sid, 32);
    gb_u16(b, 0x1301);
    gb_u8(b, 0);
    ext = b->len;
    gb_u16(b, 0);
    gb_u16(b, 0x002b);
    gb_u16(b, 2);
    gb_u16(b, 0x0304);
    gb_u16(b, 0x0033);
    gb_u16(b, 36);
    gb_u16(b, 0x001d);
    gb_u16(b, 32);
    gb_rand(b, g, 32);
    gb_len16(b, ext);
    gb_len24(b, hs);
    gb_len16(b, rec);
    gb_u8(b, 0x14); /* change_cipher_spec */
    gb_u16(b, 0x0303);
    gb_u16(b, 1);
    gb_u8(b, 1);
    tls_record(b, g, 0x17, 36);
    tls_record(b, g, 0x17, 2594);
    tls_record(b, g, 0x17, 281);
    tls_record(b, g, 0x17, 53);
}

static void http_date(const struct gen *g, char *buf, size_t n)
{
    time_t t = (time_t)(g->now_us / GEN_USEC);
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL || strftime(buf, n, "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0)
        buf[0] = '\0';
}

/* An nginx-style HTTP/1.1 response with a body of the given type. */
static void build_http_response(struct gbuf *b, const struct gen *g, const char *ctype,
                                const uint8_t *body, size_t len)
{
    char date[64];

    http_date(g, date, sizeof(date));
    gb_fmt(b, "HTTP/1.1 200 OK\r\nServer: nginx/1.18.0\r\nDate: %s\r\nContent-Type: %s\r\n"
              "Content-Length: %zu\r\nConnection: keep-alive\r\n\r\n",
           date, ctype, len);
    gb_put(b, body, len);
}

/*
 * A browser's multipart/form-data upload (RFC 7578) of one file in field "file":
 * no Authorization, no Cookie.
 */
static void build_upload_request(struct gbuf *b, const char *host, const char *fname,
                                 const char *ctype, const struct gbuf *file)
{
    static const char boundary[] = "---------------------------41184676334181294823977601";
    struct gbuf body = { 0 };

    gb_fmt(&body, "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
                  "Content-Type: %s\r\n\r\n",
           boundary, fname, ctype);
    gb_put(&body, file->p, file->len);
    gb_fmt(&body, "\r\n--%s--\r\n", boundary);
    gb_fmt(b, "POST /upload HTTP/1.1\r\nHost: %s\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; "
              "Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0\r\nAccept: */*\r\n"
              "Accept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate\r\n"
              "Content-Type: multipart/form-data; boundary=%s\r\nContent-Length: %zu\r\n"
              "Origin: http://%s\r\nConnection: keep-alive\r\n\r\n",
           host, boundary, body.len, host);
    if (body.oom || file->oom)
        b->oom = 1;
    else
        gb_put(b, body.p, body.len);
    gb_free(&body);
}

/* ---------------------------------------------------------------------------------- */
/* Scenes                                                                              */

/* Checks and frees payload buffers; any that ran out of memory fails the capture. */
static void gbufs_done(struct gen *g, struct gbuf *b, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (b[i].oom)
            gen_fail(g, "out of memory");
        gb_free(&b[i]);
    }
}

/* A DNS query from p's client and the server's answer (A or AAAA: rdlen 4 or 16). */
static void scene_dns(struct gen *g, const struct gen_path *p, const char *name,
                      const char *answer)
{
    struct gbuf m[2] = { { 0 }, { 0 } };
    uint8_t rdata[16];
    int v6 = strchr(answer, ':') != NULL;
    uint16_t id = (uint16_t)gen_rand32(g);

    if (inet_pton(v6 ? AF_INET6 : AF_INET, answer, rdata) != 1) {
        gen_fail(g, "internal: bad DNS answer literal");
        return;
    }
    build_dns(&m[0], id, name, v6 ? 28 : 1, NULL, 0);
    build_dns(&m[1], id, name, v6 ? 28 : 1, rdata, v6 ? 16 : 4);
    gen_udp_exchange(g, p, &m[0], &m[1], 600);
    gbufs_done(g, m, 2);
}

static void scene_ntp(struct gen *g, const struct gen_path *p)
{
    struct gbuf m[2] = { { 0 }, { 0 } };
    uint64_t sent = g->now_us;

    build_ntp(&m[0], 0, 0, sent);
    build_ntp(&m[1], 1, sent, sent + 9 * GEN_MS);
    gen_udp_exchange(g, p, &m[0], &m[1], 9 * GEN_MS);
    gbufs_done(g, m, 2);
}

/*
 * A TLS 1.3 session: ClientHello with SNI; ServerHello, CCS and encrypted handshake;
 * the client's CCS + Finished and a request; session tickets and a response; the
 * client's encrypted close_notify and FIN.
 */
static void scene_tls(struct gen *g, const struct gen_path *p, const char *sni)
{
    struct gbuf m[6] = { { 0 }, { 0 }, { 0 }, { 0 }, { 0 }, { 0 } };
    struct gen_tcp s;
    uint8_t sid[32];

    gen_tcp_init(&s, g, p, 12 * GEN_MS);
    gen_tcp_open(&s);
    gen_rand_bytes(g, sid, sizeof(sid));
    build_client_hello(&m[0], g, sni, sid);
    gen_tcp_send_buf(&s, GEN_C2S, &m[0]);
    build_server_flight(&m[1], g, sid);
    gen_tcp_send_buf(&s, GEN_S2C, &m[1]);
    gb_u8(&m[2], 0x14);
    gb_u16(&m[2], 0x0303);
    gb_u16(&m[2], 1);
    gb_u8(&m[2], 1);
    tls_record(&m[2], g, 0x17, 53);
    gen_tcp_send_buf(&s, GEN_C2S, &m[2]);
    tls_record(&m[3], g, 0x17, 412);
    gen_tcp_send_buf(&s, GEN_C2S, &m[3]);
    tls_record(&m[4], g, 0x17, 234);
    tls_record(&m[4], g, 0x17, 234);
    tls_record(&m[4], g, 0x17, 1803);
    gen_tcp_send_buf(&s, GEN_S2C, &m[4]);
    tls_record(&m[5], g, 0x17, 19);
    gen_tcp_send_buf(&s, GEN_C2S, &m[5]);
    gen_tcp_close(&s, GEN_C2S);
    gbufs_done(g, m, 6);
}

/* GET /images/logo.png from www.example.com: a 16x16 PNG. */
static void scene_http_get(struct gen *g, const struct gen_path *p)
{
    struct gbuf m[2] = { { 0 }, { 0 } };
    struct gbuf png = { 0 };
    struct gen_tcp s;

    gen_tcp_init(&s, g, p, 12 * GEN_MS);
    gen_tcp_open(&s);
    gen_tcp_send_str(&s, GEN_C2S,
                     "GET /images/logo.png HTTP/1.1\r\nHost: www.example.com\r\n"
                     "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) "
                     "Gecko/20100101 Firefox/123.0\r\nAccept: image/avif,image/webp,*/*\r\n"
                     "Accept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate\r\n"
                     "Connection: keep-alive\r\nReferer: http://www.example.com/\r\n\r\n");
    build_png(&png);
    build_http_response(&m[0], g, "image/png", png.p, png.len);
    gen_tcp_send_buf(&s, GEN_S2C, &m[0]);
    gen_tcp_close(&s, GEN_C2S);
    gbufs_done(g, m, 2);
    gbufs_done(g, &png, 1);
}

/* One multipart POST of file and the server's small JSON answer. */
static void http_upload_one(struct gen_tcp *s, const char *host, const char *fname,
                            const char *ctype, const struct gbuf *file)
{
    struct gbuf m[3] = { { 0 }, { 0 }, { 0 } };

    build_upload_request(&m[0], host, fname, ctype, file);
    gen_tcp_send_buf(s, GEN_C2S, &m[0]);
    gb_fmt(&m[1], "{\"status\":\"ok\",\"name\":\"%s\",\"size\":%zu}", fname, file->len);
    build_http_response(&m[2], s->g, "application/json", m[1].p, m[1].len);
    gen_tcp_send_buf(s, GEN_S2C, &m[2]);
    gbufs_done(s->g, m, 3);
}

/* Two POSTs on one keep-alive connection: the xstage scene, then the PSD. */
static void scene_http_upload(struct gen *g, const struct gen_path *p, const char *host)
{
    struct gbuf f[2] = { { 0 }, { 0 } };
    struct gen_tcp s;

    build_xstage(&f[0], g);
    build_psd(&f[1], GEN_PSD_WIDTH, GEN_PSD_HEIGHT);
    gen_tcp_init(&s, g, p, 180 * GEN_MS);
    gen_tcp_open(&s);
    http_upload_one(&s, host, "ep07_sc012.xstage", "application/octet-stream", &f[0]);
    http_upload_one(&s, host, "ep07_bg_forest.psd", "image/vnd.adobe.photoshop", &f[1]);
    gen_tcp_close(&s, GEN_C2S);
    gbufs_done(g, f, 2);
}

/*
 * Anonymous FTP (RFC 959) with a passive-mode STOR. The data connection goes from the
 * client's data_port to the port the 227 reply names.
 */
/* Editing notes as the go-betweens wrote them (UTF-8, Korean and Chinese). */
#define DEMO_NOTES                                                                          \
    "EP07 SC012 / SC013 - \xed\x8e\xb8\xec\xa7\x91 \xeb\xa9\x94\xeb\xaa\xa8 (edit notes)\n"       \
    "1. \xeb\xb0\xb0\xea\xb2\xbd \xec\x83\x89\xec\x83\x81 \xec\x88\x98\xec\xa0\x95 - "                    \
    "\xe8\x83\x8c\xe6\x99\xaf\xe9\xa2\x9c\xe8\x89\xb2\xe9\x9c\x80\xe8\xa6\x81\xe8\xb0\x83\xe6\x95\xb4\n" \
    "2. comp v3 -> v4 \xeb\x82\xb4\xec\x9d\xbc\xea\xb9\x8c\xec\xa7\x80 / \xe6\x98\x8e\xe5\xa4\xa9\xe4\xba\xa4\n"
static void scene_ftp_upload(struct gen *g, const struct gen_path *ctl_path, uint16_t data_port,
                             uint16_t pasv_port)
{
    struct gbuf m[4] = { { 0 }, { 0 }, { 0 }, { 0 } };
    struct gen_path dp;
    struct gen_tcp c, d;
    const uint8_t *a = ctl_path->host[GEN_S2C]->addr;

    gen_tcp_init(&c, g, ctl_path, 180 * GEN_MS);
    gen_tcp_open(&c);
    gen_tcp_send_str(&c, GEN_S2C, "220 (vsFTPd 3.0.3)\r\n");
    gen_tcp_send_str(&c, GEN_C2S, "USER anonymous\r\n");
    gen_tcp_send_str(&c, GEN_S2C, "331 Please specify the password.\r\n");
    gen_tcp_send_str(&c, GEN_C2S, "PASS guest@\r\n");
    gen_tcp_send_str(&c, GEN_S2C, "230 Login successful.\r\n");
    gen_tcp_send_str(&c, GEN_C2S, "TYPE I\r\n");
    gen_tcp_send_str(&c, GEN_S2C, "200 Switching to Binary mode.\r\n");
    gen_tcp_send_str(&c, GEN_C2S, "PASV\r\n");
    gb_fmt(&m[0], "227 Entering Passive Mode (%u,%u,%u,%u,%u,%u).\r\n", a[0], a[1], a[2], a[3],
           pasv_port >> 8, pasv_port & 0xffu);
    gen_tcp_send_buf(&c, GEN_S2C, &m[0]);
    path_init(&dp, ctl_path->host[GEN_C2S], data_port, ctl_path->host[GEN_S2C], pasv_port,
              ctl_path->link);
    gen_tcp_init(&d, g, &dp, 180 * GEN_MS);
    gen_advance(g, 2 * GEN_MS);
    gen_tcp_open(&d);
    gen_tcp_send_str(&c, GEN_C2S, "STOR ep07_comp_v3.mov\r\n");
    gen_tcp_send_str(&c, GEN_S2C, "150 Ok to send data.\r\n");
    build_mov(&m[1], g);
    gen_tcp_send_buf(&d, GEN_C2S, &m[1]);
    gen_tcp_close(&d, GEN_C2S);
    gen_tcp_send_str(&c, GEN_S2C, "226 Transfer complete.\r\n");
    /* The editing notes, in Korean and Chinese: a second passive STOR on the next ports. */
    gen_tcp_send_str(&c, GEN_C2S, "PASV\r\n");
    gb_fmt(&m[2], "227 Entering Passive Mode (%u,%u,%u,%u,%u,%u).\r\n", a[0], a[1], a[2], a[3],
           (pasv_port + 1) >> 8, (pasv_port + 1) & 0xffu);
    gen_tcp_send_buf(&c, GEN_S2C, &m[2]);
    path_init(&dp, ctl_path->host[GEN_C2S], (uint16_t)(data_port + 1), ctl_path->host[GEN_S2C],
              (uint16_t)(pasv_port + 1), ctl_path->link);
    gen_tcp_init(&d, g, &dp, 180 * GEN_MS);
    gen_advance(g, 2 * GEN_MS);
    gen_tcp_open(&d);
    gen_tcp_send_str(&c, GEN_C2S, "STOR ep07_notes.txt\r\n");
    gen_tcp_send_str(&c, GEN_S2C, "150 Ok to send data.\r\n");
    gb_str(&m[3], DEMO_NOTES);
    gen_tcp_send_buf(&d, GEN_C2S, &m[3]);
    gen_tcp_close(&d, GEN_C2S);
    gen_tcp_send_str(&c, GEN_S2C, "226 Transfer complete.\r\n");
    gen_tcp_send_str(&c, GEN_C2S, "QUIT\r\n");
    gen_tcp_send_str(&c, GEN_S2C, "221 Goodbye.\r\n");
    gen_tcp_close(&c, GEN_S2C);
    gbufs_done(g, m, 4);
}

/* ---------------------------------------------------------------------------------- */
/* Commands                                                                            */

static void cmd_demo(struct gen *g, const struct cmd_args *a)
{
    struct gen_host ws40, ws41, dns, ntp, web, kp;
    struct gen_path p;

    (void)a;
    host_init(g, &ws40, "10.20.30.40", 1, 128);
    host_init(g, &ws41, "10.20.30.41", 1, 128);
    host_init(g, &dns, "10.0.0.53", 0, 63);
    host_init(g, &ntp, "192.0.2.123", 0, 54);
    host_init(g, &web, "93.184.216.34", 0, 55);
    host_init(g, &kp, "175.45.176.23", 0, 46);

    path_init(&p, &ws40, 51001, &dns, 53, NULL);
    scene_dns(g, &p, "www.example.org", "93.184.216.34");
    gen_advance(g, 20 * GEN_MS);
    path_init(&p, &ws40, 51002, &dns, 53, NULL);
    scene_dns(g, &p, "www.example.org", "2606:2800:220:1:248:1893:25c8:1946");
    gen_advance(g, 20 * GEN_MS);
    path_init(&p, &ws40, 51003, &dns, 53, NULL);
    scene_dns(g, &p, "www.example.com", "93.184.216.34");

    gen_at(g, 100 * GEN_MS);
    path_init(&p, &ws40, 50443, &web, 443, NULL);
    scene_tls(g, &p, "www.example.org");

    gen_at(g, 500 * GEN_MS);
    path_init(&p, &ws40, 123, &ntp, 123, NULL);
    scene_ntp(g, &p);

    gen_at(g, 1000 * GEN_MS);
    path_init(&p, &ws41, 50080, &web, 80, NULL);
    scene_http_get(g, &p);

    gen_at(g, 2000 * GEN_MS);
    path_init(&p, &ws40, 50100, &kp, 80, NULL);
    scene_http_upload(g, &p, "175.45.176.23");

    gen_at(g, 6000 * GEN_MS);
    path_init(&p, &ws40, 50121, &kp, 21, NULL);
    scene_ftp_upload(g, &p, 50122, 40123);
}

/*
 * Index i (< 2^22) to a host in 100.64.0.0/10 through a bijection on 22 bits (xorshifts
 * and odd multipliers are invertible modulo 2^22), so the sources are distinct.
 */
static uint32_t flood_source(uint32_t i, uint64_t seed)
{
    const uint32_t m = (1u << 22) - 1;
    uint64_t k = mix64(seed);
    uint32_t x = (i + (uint32_t)k) & m;

    x ^= x >> 11;
    x = (x * 0x2c1b3u) & m;
    x ^= x >> 13;
    x = (x * ((uint32_t)(k >> 32) | 1u)) & m;
    x ^= x >> 9;
    return 0x64400000u | x;
}

/* a->n SYNs from distinct sources to 10.0.0.1:80, 1 us apart; streamed. */
static void cmd_flood(struct gen *g, const struct cmd_args *a)
{
    struct gen_host src, dst;
    struct gen_path p;
    struct gen_tcp s;
    uint64_t i;

    host_init(g, &dst, "10.0.0.1", 1, 64);
    host_init(g, &src, "100.64.0.0", 0, 64);
    for (i = 0; i < a->n && !g->err; i++) {
        wr32(src.addr, flood_source((uint32_t)i, a->seed));
        src.ttl = (uint8_t)(49 + gen_rand32(g) % 16);
        path_init(&p, &src, (uint16_t)(1024 + gen_rand32(g) % 64512), &dst, 80, NULL);
        gen_tcp_init(&s, g, &p, 0);
        gen_tcp_syn(&s);
        gen_advance(g, 1);
    }
}

/* A short HTTP exchange: handshake, GET, 200 with a small body, client close. */
static void scene_short_tcp(struct gen *g, const struct gen_path *p, const char *what)
{
    struct gbuf m[2] = { { 0 }, { 0 } };
    struct gen_tcp s;

    gen_tcp_init(&s, g, p, 1 * GEN_MS);
    gen_tcp_open(&s);
    gb_fmt(&m[0], "GET /%s HTTP/1.1\r\nHost: intranet.studio.example\r\nAccept: */*\r\n\r\n",
           what);
    gen_tcp_send_buf(&s, GEN_C2S, &m[0]);
    build_http_response(&m[1], g, "text/plain", (const uint8_t *)what, strlen(what));
    gen_tcp_send_buf(&s, GEN_S2C, &m[1]);
    gen_tcp_close(&s, GEN_C2S);
    gbufs_done(g, m, 2);
}

static void cmd_vlan(struct gen *g, const struct cmd_args *a)
{
    static const struct gen_link v100 = { 1, { 0x8100, 0 }, { 100, 0 } };
    static const struct gen_link qinq = { 2, { 0x88a8, 0x8100 }, { 200, 300 } };
    struct gen_host ws, dns, web;
    struct gen_path p;

    (void)a;
    host_init(g, &ws, "10.20.30.40", 1, 64);
    host_init(g, &dns, "10.0.0.53", 1, 64);
    host_init(g, &web, "10.0.0.80", 1, 64);

    path_init(&p, &ws, 50100, &web, 80, &v100);
    scene_short_tcp(g, &p, "vlan100");
    gen_at(g, 1000 * GEN_MS);
    path_init(&p, &ws, 53053, &dns, 53, &v100);
    scene_dns(g, &p, "vlan100.studio.example", "10.0.100.1");

    gen_at(g, 2000 * GEN_MS);
    path_init(&p, &ws, 50200, &web, 80, &qinq);
    scene_short_tcp(g, &p, "qinq200-300");
    gen_at(g, 3000 * GEN_MS);
    path_init(&p, &ws, 53053, &dns, 53, &qinq);
    scene_dns(g, &p, "qinq.studio.example", "10.0.200.1");

    gen_at(g, 4000 * GEN_MS);
    path_init(&p, &ws, 53053, &dns, 53, NULL);
    scene_dns(g, &p, "untagged.studio.example", "10.0.0.1");
}

static void cmd_ipv6(struct gen *g, const struct cmd_args *a)
{
    struct gen_host cl, srv, dns;
    struct gen_path p;
    uint8_t data[56];
    size_t i;

    (void)a;
    host_init(g, &cl, "2001:db8::10", 1, 64);
    host_init(g, &srv, "2001:db8:1::20", 0, 58);
    host_init(g, &dns, "2001:db8::53", 1, 64);

    path_init(&p, &cl, 53535, &dns, 53, NULL);
    scene_dns(g, &p, "www.example.org", "2001:db8:1::20");

    gen_at(g, 100 * GEN_MS);
    path_init(&p, &cl, 50443, &srv, 443, NULL);
    scene_tls(g, &p, "www.example.org");

    gen_at(g, 1000 * GEN_MS);
    for (i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(0x10 + i);
    path_init(&p, &cl, 0, &srv, 0, NULL);
    gen_icmp6_echo(g, &p, GEN_C2S, 128, 0x1234, 1, data, sizeof(data));
    gen_advance(g, 12 * GEN_MS);
    gen_icmp6_echo(g, &p, GEN_S2C, 129, 0x1234, 1, data, sizeof(data));
}

/* One UDP datagram at the given offset from the epoch. */
static void udp_at(struct gen *g, const struct gen_path *p, int dir, uint64_t at_us,
                   const char *text)
{
    gen_at(g, at_us);
    gen_udp(g, p, dir, (const uint8_t *)text, strlen(text));
}

/*
 * Idle timeouts by packet time; pcaps/README.md lists each flow's end. No expiry deadline
 * falls on a packet time, so "idle > timeout" and "idle >= timeout" agree.
 */
static void cmd_timeouts(struct gen *g, const struct cmd_args *a)
{
    struct gen_host h40, h41, h42, h43, h44, srv;
    struct gen_path pa, pb, pc, pd, pe;
    struct gen_tcp e, d;
    uint64_t k;

    (void)a;
    host_init(g, &h40, "10.20.30.40", 1, 64);
    host_init(g, &h41, "10.20.30.41", 1, 64);
    host_init(g, &h42, "10.20.30.42", 1, 64);
    host_init(g, &h43, "10.20.30.43", 1, 64);
    host_init(g, &h44, "10.20.30.44", 1, 64);
    host_init(g, &srv, "10.0.0.80", 1, 64);
    path_init(&pa, &h40, 40000, &srv, 5001, NULL);
    path_init(&pb, &h41, 41000, &srv, 5001, NULL);
    path_init(&pc, &h42, 42000, &srv, 5002, NULL);
    path_init(&pd, &h44, 44001, &srv, 8443, NULL);
    path_init(&pe, &h43, 43000, &srv, 8080, NULL);

    udp_at(g, &pa, GEN_C2S, 0, "A request 1\n");
    udp_at(g, &pa, GEN_S2C, 1 * GEN_MS, "A reply 1\n");
    gen_at(g, 1 * GEN_USEC);
    gen_tcp_init(&e, g, &pe, 1 * GEN_MS);
    gen_tcp_open(&e);
    gen_tcp_send_str(&e, GEN_C2S, "E hello\n");
    gen_tcp_send_str(&e, GEN_S2C, "E bye\n");
    gen_tcp_close(&e, GEN_C2S);
    udp_at(g, &pc, GEN_C2S, 2 * GEN_USEC, "C one-way\n");
    for (k = 0; k <= 40; k++) {
        udp_at(g, &pb, k % 2 == 0 ? GEN_C2S : GEN_S2C, (5 + 10 * k) * GEN_USEC,
               k % 2 == 0 ? "B tick\n" : "B tock\n");
        if (k == 0) {
            gen_at(g, 7 * GEN_USEC);
            gen_tcp_init(&d, g, &pd, 0);
            gen_tcp_syn(&d);
        }
        if (k == 39) {
            udp_at(g, &pa, GEN_C2S, 401 * GEN_USEC, "A request 2\n");
            udp_at(g, &pa, GEN_S2C, 401 * GEN_USEC + 1 * GEN_MS, "A reply 2\n");
        }
    }
}

/*
 * The same POST of a small PSD to 175.45.176.23:80 six times, each on its own client
 * port, the request sent plainly or with one evasion knob.
 */
static void cmd_evasion(struct gen *g, const struct cmd_args *a)
{
    static const struct gen_tcp_knobs knobs[] = {
        { 0, 0, -1, 0, 0 },   /* 50001: plain */
        { 16, 0, -1, 0, 0 },  /* 50002: 16-byte segments */
        { 0, 4, -1, 0, 0 },   /* 50003: groups of 4 segments in reverse order */
        { 0, 0, 1, 0, 0 },    /* 50004: segment 1 sent twice */
        { 0, 0, -1, 100, 0 }, /* 50005: 100 bytes of overlap, same data */
        { 0, 0, -1, 100, 1 }, /* 50006: 100 bytes of overlap, conflicting 'X' bytes */
    };
    struct gen_host ws, kp;
    struct gen_path p;
    struct gen_tcp s;
    struct gbuf m[3] = { { 0 }, { 0 }, { 0 } };
    size_t i;

    (void)a;
    host_init(g, &ws, "10.20.30.40", 1, 128);
    host_init(g, &kp, "175.45.176.23", 0, 46);
    build_psd(&m[0], GEN_EVASION_PSD_SIDE, GEN_EVASION_PSD_SIDE);
    build_upload_request(&m[1], "175.45.176.23", "evasion.psd", "image/vnd.adobe.photoshop",
                         &m[0]);
    build_http_response(&m[2], g, "application/json", (const uint8_t *)"{\"status\":\"ok\"}",
                        15);
    for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]) && !m[1].oom && !m[2].oom; i++) {
        gen_at(g, i * GEN_USEC);
        path_init(&p, &ws, (uint16_t)(50001 + i), &kp, 80, NULL);
        gen_tcp_init(&s, g, &p, 180 * GEN_MS);
        gen_tcp_open(&s);
        gen_tcp_send(&s, GEN_C2S, m[1].p, m[1].len, &knobs[i]);
        gen_tcp_send_buf(&s, GEN_S2C, &m[2]);
        gen_tcp_close(&s, GEN_C2S);
    }
    gbufs_done(g, m, 3);
}

/* ---------------------------------------------------------------------------------- */
/* Transfers: HTTP                                                                     */

#define GEN_UP_PSD_SIDE 64u          /* comp_v003.psd: 40 + 3 * 64 * 64 = 12328 bytes */
#define GEN_UP_EXR_SIDE 32u          /* sh010_plate.*.exr: 6969 bytes */
#define GEN_UP_BLEND_DATA 4000u
#define GEN_UP_MOV_BYTES 300000u
#define GEN_UP_USDC_BYTES 5000u
#define GEN_HTTP_AUTH "Basic amRvZTpSZWVsMjAyNCE=" /* jdoe:Reel2024! */
#define GEN_HTTP_COOKIE "sessionid=4f1c2a9e7b3d5e60; csrftoken=Qm9yZWFs"

/*
 * A client request: request line, Host, User-Agent, Accept, the extra header lines
 * (each ending in CRLF, or ""), and with a body its Content-Type and Content-Length.
 */
static void build_http_request(struct gbuf *b, const char *method, const char *uri,
                               const char *host, const char *extra, const char *ctype,
                               const struct gbuf *body)
{
    gb_fmt(b, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n%s",
           method, uri, host, extra);
    if (body != NULL) {
        gb_fmt(b, "Content-Type: %s\r\nContent-Length: %zu\r\n", ctype, body->len);
        if (body->oom)
            b->oom = 1;
    }
    gb_str(b, "\r\n");
    if (body != NULL)
        gb_put(b, body->p, body->len);
}

/* A response with a status line, nginx headers and an optional text body. */
static void build_http_status(struct gbuf *b, const struct gen *g, const char *status,
                              const char *text)
{
    char date[64];

    http_date(g, date, sizeof(date));
    gb_fmt(b, "HTTP/1.1 %s\r\nServer: nginx/1.18.0\r\nDate: %s\r\n", status, date);
    if (text == NULL) {
        gb_str(b, "Content-Length: 0\r\n\r\n");
        return;
    }
    gb_fmt(b, "Content-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s", strlen(text), text);
}

/* One multipart/form-data part (RFC 7578): a plain field when fname is NULL. */
struct gen_part {
    const char *name;
    const char *fname;
    const char *ctype;
    const struct gbuf *data;
};

static void build_multipart(struct gbuf *b, const char *boundary, const struct gen_part *part,
                            size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        gb_fmt(b, "--%s\r\nContent-Disposition: form-data; name=\"%s\"", boundary,
               part[i].name);
        if (part[i].fname != NULL)
            gb_fmt(b, "; filename=\"%s\"\r\nContent-Type: %s", part[i].fname, part[i].ctype);
        gb_str(b, "\r\n\r\n");
        if (part[i].data->oom)
            b->oom = 1;
        gb_put(b, part[i].data->p, part[i].data->len);
        gb_str(b, "\r\n");
    }
    gb_fmt(b, "--%s--\r\n", boundary);
}

/*
 * Chunked transfer coding (RFC 9112 7.1): the first chunks have the sizes in first[]
 * (splitting the file's headers), then chunks of up to 4096 bytes, then the last chunk.
 */
static void build_chunked(struct gbuf *b, const struct gbuf *data, const size_t *first,
                          size_t nfirst)
{
    size_t off = 0, i = 0, n;

    if (data->oom)
        b->oom = 1;
    while (off < data->len && !b->oom) {
        n = i < nfirst ? first[i++] : 4096;
        if (n > data->len - off)
            n = data->len - off;
        gb_fmt(b, "%zx\r\n", n);
        gb_put(b, data->p + off, n);
        gb_str(b, "\r\n");
        off += n;
    }
    gb_str(b, "0\r\n\r\n");
}

/* Sends a request and the server's answer on s. */
static void http_exchange(struct gen_tcp *s, const struct gbuf *req, const char *status,
                          const char *text)
{
    struct gbuf r = { 0 };

    gen_tcp_send_buf(s, GEN_C2S, req);
    build_http_status(&r, s->g, status, text);
    gen_tcp_send_buf(s, GEN_S2C, &r);
    gbufs_done(s->g, &r, 1);
}

/* The PUT of comp_v003.psd (12328 bytes) every HTTP capture shares. */
static void build_psd_put(struct gbuf *b, const char *host, const char *uri, const char *extra,
                          const char *ctype)
{
    struct gbuf psd = { 0 };

    build_psd(&psd, GEN_UP_PSD_SIDE, GEN_UP_PSD_SIDE);
    build_http_request(b, "PUT", uri, host, extra, ctype, &psd);
    gb_free(&psd);
}

/* A PUT with Content-Length and Basic credentials, answered 201. */
static void scene_put_psd(struct gen *g, const struct gen_path *p, const char *host)
{
    struct gbuf req = { 0 };
    struct gen_tcp s;

    build_psd_put(&req, host, "/dav/ep07/comp_v003.psd", "Authorization: " GEN_HTTP_AUTH "\r\n",
                  "image/vnd.adobe.photoshop");
    gen_tcp_init(&s, g, p, 180 * GEN_MS);
    gen_tcp_open(&s);
    http_exchange(&s, &req, "201 Created", NULL);
    gen_tcp_close(&s, GEN_C2S);
    gbufs_done(g, &req, 1);
}

/* multipart POST with a Cookie: two fields and three files (EXR, ZIP, Blender). */
static void scene_post_multipart(struct gen *g, const struct gen_path *p, const char *host)
{
    static const char boundary[] = "----WebKitFormBoundary7MA4YWxkTrZu0gW";
    static const char notes[] = "sh010 v003: plate retimed, grain matched, for client review\n";
    struct gbuf f[7] = { { 0 }, { 0 }, { 0 }, { 0 }, { 0 }, { 0 }, { 0 } };
    struct gen_tcp s;
    struct gen_part part[5];
    char ctype[96];

    build_exr(&f[0], GEN_UP_EXR_SIDE);
    build_zip(&f[1], "ep07/sc012/notes.txt", (const uint8_t *)notes, sizeof(notes) - 1);
    build_blend(&f[2], g, GEN_UP_BLEND_DATA);
    gb_str(&f[3], "ep07");
    gb_str(&f[4], "sh010 comp v003 for review");
    part[0] = (struct gen_part){ "project", NULL, NULL, &f[3] };
    part[1] = (struct gen_part){ "plate", "sh010_plate.0101.exr", "image/x-exr", &f[0] };
    part[2] = (struct gen_part){ "refs", "sh010_refs.zip", "application/zip", &f[1] };
    part[3] = (struct gen_part){ "comment", NULL, NULL, &f[4] };
    part[4] = (struct gen_part){ "scene", "sc012_layout.blend", "application/x-blender",
                                 &f[2] };
    build_multipart(&f[5], boundary, part, 5);
    gen_snprintf(g, ctype, sizeof(ctype), "multipart/form-data; boundary=%s", boundary);
    build_http_request(&f[6], "POST", "/upload", host, "Cookie: " GEN_HTTP_COOKIE "\r\n", ctype,
                       &f[5]);
    gen_tcp_init(&s, g, p, 180 * GEN_MS);
    gen_tcp_open(&s);
    http_exchange(&s, &f[6], "200 OK", "stored 3 files\n");
    gen_tcp_close(&s, GEN_C2S);
    gbufs_done(g, f, 7);
}

/* POST of a MOV in chunked coding; the first chunks cut through ftyp, wide, mdat, icpf. */
static void scene_post_chunked(struct gen *g, const struct gen_path *p, const char *host)
{
    static const size_t first[] = { 6, 10, 7, 9, 5, 3, 16 };
    struct gbuf m[2] = { { 0 }, { 0 } };
    struct gen_tcp s;

    build_mov_n(&m[0], g, GEN_UP_MOV_BYTES);
    gb_fmt(&m[1], "POST /upload/ep07_comp_v004.mov HTTP/1.1\r\nHost: %s\r\n"
                  "User-Agent: curl/7.88.1\r\nAccept: */*\r\nContent-Type: video/quicktime\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n",
           host);
    build_chunked(&m[1], &m[0], first, sizeof(first) / sizeof(first[0]));
    gen_tcp_init(&s, g, p, 180 * GEN_MS);
    gen_tcp_open(&s);
    http_exchange(&s, &m[1], "201 Created", NULL);
    gen_tcp_close(&s, GEN_C2S);
    gbufs_done(g, m, 2);
}

/* PUT with Expect: 100-continue: headers, 100 Continue, body, 201 Created. */
static void scene_put_expect(struct gen *g, const struct gen_path *p, const char *host)
{
    struct gbuf m[3] = { { 0 }, { 0 }, { 0 } };
    struct gen_tcp s;

    build_xstage(&m[0], g);
    gb_fmt(&m[1], "PUT /dav/ep07/ep07_sc013.xstage HTTP/1.1\r\nHost: %s\r\n"
                  "User-Agent: curl/7.88.1\r\nAccept: */*\r\nContent-Type: application/xml\r\n"
                  "Content-Length: %zu\r\nExpect: 100-continue\r\n\r\n",
           host, m[0].len);
    gb_str(&m[2], "HTTP/1.1 100 Continue\r\n\r\n");
    gen_tcp_init(&s, g, p, 180 * GEN_MS);
    gen_tcp_open(&s);
    gen_tcp_send_buf(&s, GEN_C2S, &m[1]);
    gen_tcp_send_buf(&s, GEN_S2C, &m[2]);
    http_exchange(&s, &m[0], "201 Created", NULL);
    gen_tcp_close(&s, GEN_C2S);
    gbufs_done(g, m, 3);
}

/* Two PUTs sent back to back on one keep-alive connection, then both answers. */
static void scene_put_pipelined(struct gen *g, const struct gen_path *p, const char *host)
{
    struct gbuf m[4] = { { 0 }, { 0 }, { 0 }, { 0 } };
    struct gen_tcp s;

    build_dpx(&m[0], "sh010_0101.dpx", 24, 16);
    build_dpx(&m[1], "sh010_0102.dpx", 24, 16);
    build_http_request(&m[2], "PUT", "/dav/ep07/sh010_0101.dpx", host, "", "image/x-dpx", &m[0]);
    build_http_request(&m[2], "PUT", "/dav/ep07/sh010_0102.dpx", host, "", "image/x-dpx", &m[1]);
    build_http_status(&m[3], g, "201 Created", NULL);
    build_http_status(&m[3], g, "201 Created", NULL);
    gen_tcp_init(&s, g, p, 180 * GEN_MS);
    gen_tcp_open(&s);
    gen_tcp_send_buf(&s, GEN_C2S, &m[2]);
    gen_tcp_send_buf(&s, GEN_S2C, &m[3]);
    gen_tcp_close(&s, GEN_C2S);
    gbufs_done(g, m, 4);
}

/* GET of a PNG from a benign server: a file that comes in, not out. */
static void scene_get_png(struct gen *g, const struct gen_path *p)
{
    struct gbuf m[3] = { { 0 }, { 0 }, { 0 } };
    struct gen_tcp s;

    build_png(&m[0]);
    build_http_request(&m[1], "GET", "/assets/ref_board.png", "www.example.com", "", NULL, NULL);
    build_http_response(&m[2], g, "image/png", m[0].p, m[0].len);
    gen_tcp_init(&s, g, p, 12 * GEN_MS);
    gen_tcp_open(&s);
    gen_tcp_send_buf(&s, GEN_C2S, &m[1]);
    gen_tcp_send_buf(&s, GEN_S2C, &m[2]);
    gen_tcp_close(&s, GEN_C2S);
    gbufs_done(g, m, 3);
}

/* WebDAV (RFC 4918): MKCOL of a collection, then a PUT of a USD crate into it. */
static void scene_webdav(struct gen *g, const struct gen_path *p, const char *host)
{
    struct gbuf m[3] = { { 0 }, { 0 }, { 0 } };
    struct gen_tcp s;

    build_usdc(&m[0], g, GEN_UP_USDC_BYTES);
    build_http_request(&m[1], "MKCOL", "/dav/ep07/sc012/", host, "", NULL, NULL);
    build_http_request(&m[2], "PUT", "/dav/ep07/sc012/prop_lantern.usdc", host, "",
                       "application/octet-stream", &m[0]);
    gen_tcp_init(&s, g, p, 180 * GEN_MS);
    gen_tcp_open(&s);
    http_exchange(&s, &m[1], "201 Created", NULL);
    http_exchange(&s, &m[2], "201 Created", NULL);
    gen_tcp_close(&s, GEN_C2S);
    gbufs_done(g, m, 3);
}

/* An application/x-www-form-urlencoded POST: form data, not a file. */
static void scene_post_form(struct gen *g, const struct gen_path *p, const char *host)
{
    struct gbuf m[2] = { { 0 }, { 0 } };
    struct gen_tcp s;

    gb_str(&m[0], "shot=sh010&version=3&status=approved&note=grain+matched%2C+ship+it");
    build_http_request(&m[1], "POST", "/review", host, "",
                       "application/x-www-form-urlencoded", &m[0]);
    gen_tcp_init(&s, g, p, 180 * GEN_MS);
    gen_tcp_open(&s);
    http_exchange(&s, &m[1], "200 OK", "ok\n");
    gen_tcp_close(&s, GEN_C2S);
    gbufs_done(g, m, 2);
}

static void cmd_http_upload(struct gen *g, const struct cmd_args *a)
{
    static const char host[] = "175.45.176.80";
    struct gen_host ws, kp, web;
    struct gen_path p;

    (void)a;
    host_init(g, &ws, "10.1.2.10", 1, 128);
    host_init(g, &kp, host, 0, 46);
    host_init(g, &web, "93.184.216.34", 0, 55);

    path_init(&p, &ws, 51001, &kp, 80, NULL);
    scene_put_psd(g, &p, host);
    gen_at(g, 2 * GEN_USEC);
    path_init(&p, &ws, 51002, &kp, 80, NULL);
    scene_post_multipart(g, &p, host);
    gen_at(g, 4 * GEN_USEC);
    path_init(&p, &ws, 51003, &kp, 80, NULL);
    scene_post_chunked(g, &p, host);
    gen_at(g, 8 * GEN_USEC);
    path_init(&p, &ws, 51004, &kp, 80, NULL);
    scene_put_expect(g, &p, host);
    gen_at(g, 10 * GEN_USEC);
    path_init(&p, &ws, 51005, &kp, 80, NULL);
    scene_put_pipelined(g, &p, host);
    gen_at(g, 12 * GEN_USEC);
    path_init(&p, &ws, 51006, &web, 80, NULL);
    scene_get_png(g, &p);
    gen_at(g, 14 * GEN_USEC);
    path_init(&p, &ws, 51007, &kp, 80, NULL);
    scene_webdav(g, &p, host);
    gen_at(g, 16 * GEN_USEC);
    path_init(&p, &ws, 51008, &kp, 80, NULL);
    scene_post_form(g, &p, host);
}

/*
 * The PUT of comp_v003.psd again, one connection per case (start times in pcaps/README.md):
 * cut into 1-byte segments, sent out of order, with conflicting overlaps, with a
 * retransmission; the PSD named notes.txt; over IPv6; over VLAN 42.
 */
static void cmd_http_evasion(struct gen *g, const struct cmd_args *a)
{
    static const struct gen_tcp_knobs knobs[] = {
        { 1, 0, -1, 0, 0 },   /* 52001: 1-byte segments */
        { 0, 4, -1, 0, 0 },   /* 52002: groups of 4 segments in reverse order */
        { 0, 0, -1, 100, 1 }, /* 52003: 100 bytes of overlap, conflicting 'X' bytes */
        { 0, 0, 3, 0, 0 },    /* 52004: segment 3 sent twice */
    };
    static const uint64_t start_s[] = { 0, 3, 4, 5 };
    static const struct gen_link v42 = { 1, { 0x8100, 0 }, { 42, 0 } };
    static const char host[] = "175.45.176.80";
    struct gbuf m[4] = { { 0 }, { 0 }, { 0 }, { 0 } };
    struct gen_host ws, kp, ws6, kp6;
    struct gen_path p;
    struct gen_tcp s;
    size_t i;

    (void)a;
    host_init(g, &ws, "10.1.2.10", 1, 128);
    host_init(g, &kp, host, 0, 46);
    host_init(g, &ws6, "2001:db8:10::10", 1, 64);
    host_init(g, &kp6, "2001:db8:175::80", 0, 52);
    build_psd_put(&m[0], host, "/dav/ep07/comp_v003.psd", "", "image/vnd.adobe.photoshop");
    build_psd_put(&m[1], host, "/dav/ep07/notes.txt", "", "text/plain");
    build_psd_put(&m[2], "[2001:db8:175::80]", "/dav/ep07/comp_v003.psd", "",
                  "image/vnd.adobe.photoshop");
    build_http_status(&m[3], g, "201 Created", NULL);
    for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]) && !m[0].oom; i++) {
        gen_at(g, start_s[i] * GEN_USEC);
        path_init(&p, &ws, (uint16_t)(52001 + i), &kp, 80, NULL);
        gen_tcp_init(&s, g, &p, 180 * GEN_MS);
        gen_tcp_open(&s);
        gen_tcp_send(&s, GEN_C2S, m[0].p, m[0].len, &knobs[i]);
        gen_tcp_send_buf(&s, GEN_S2C, &m[3]);
        gen_tcp_close(&s, GEN_C2S);
    }
    gen_at(g, 6 * GEN_USEC);
    path_init(&p, &ws, 52005, &kp, 80, NULL);
    gen_tcp_init(&s, g, &p, 180 * GEN_MS);
    gen_tcp_open(&s);
    http_exchange(&s, &m[1], "201 Created", NULL);
    gen_tcp_close(&s, GEN_C2S);
    gen_at(g, 7 * GEN_USEC);
    path_init(&p, &ws6, 52006, &kp6, 80, NULL);
    gen_tcp_init(&s, g, &p, 180 * GEN_MS);
    gen_tcp_open(&s);
    http_exchange(&s, &m[2], "201 Created", NULL);
    gen_tcp_close(&s, GEN_C2S);
    gen_at(g, 8 * GEN_USEC);
    path_init(&p, &ws, 52007, &kp, 80, &v42);
    gen_tcp_init(&s, g, &p, 180 * GEN_MS);
    gen_tcp_open(&s);
    http_exchange(&s, &m[0], "201 Created", NULL);
    gen_tcp_close(&s, GEN_C2S);
    gbufs_done(g, m, 4);
}

/* ---------------------------------------------------------------------------------- */
/* Transfers: FTP, TFTP, raw TCP                                                       */

#define GEN_FTP_MOV_BYTES 524288u
#define GEN_FTP_PASS "Reel2024!"

/* A 3D LUT in the .cube text format: title, size, then size^3 "r g b" lines. */
static void build_cube(struct gbuf *b, const char *title, unsigned n)
{
    unsigned r, gg, bl;

    gb_fmt(b, "TITLE \"%s\"\nLUT_3D_SIZE %u\nDOMAIN_MIN 0.0 0.0 0.0\nDOMAIN_MAX 1.0 1.0 1.0\n",
           title, n);
    for (bl = 0; bl < n; bl++)
        for (gg = 0; gg < n; gg++)
            for (r = 0; r < n; r++)
                gb_fmt(b, "%.6f %.6f %.6f\n", r / (double)(n - 1) * 0.98,
                       gg / (double)(n - 1) * 0.97, bl / (double)(n - 1) * 0.95);
}

/* A text file of n numbered lines of a render log. */
static void build_log(struct gbuf *b, unsigned n)
{
    unsigned i;

    for (i = 0; i < n; i++)
        gb_fmt(b, "ep07_sc012 frame %04u rendered in %u.%us on farm-node-%02u\n", 101 + i,
               30 + i * 7 % 20, i % 10, i % 16);
}

/* A command from the client and the server's reply on an FTP control connection. */
static void ftp_say(struct gen_tcp *c, const char *cmd, const char *reply)
{
    gen_tcp_send_str(c, GEN_C2S, cmd);
    gen_tcp_send_str(c, GEN_S2C, reply);
}

static void ftp_login(struct gen_tcp *c, const char *user, const char *pass)
{
    char cmd[64];

    gen_tcp_open(c);
    gen_tcp_send_str(c, GEN_S2C, "220 (vsFTPd 3.0.3)\r\n");
    gen_snprintf(c->g, cmd, sizeof(cmd), "USER %s\r\n", user);
    ftp_say(c, cmd, "331 Please specify the password.\r\n");
    gen_snprintf(c->g, cmd, sizeof(cmd), "PASS %s\r\n", pass);
    ftp_say(c, cmd, "230 Login successful.\r\n");
    ftp_say(c, "TYPE I\r\n", "200 Switching to Binary mode.\r\n");
}

/* PASV and its 227 reply naming the server's address and port. */
static void ftp_pasv(struct gen_tcp *c, uint16_t port)
{
    struct gbuf m = { 0 };
    const uint8_t *a = c->path.host[GEN_S2C]->addr;

    gen_tcp_send_str(c, GEN_C2S, "PASV\r\n");
    gb_fmt(&m, "227 Entering Passive Mode (%u,%u,%u,%u,%u,%u).\r\n", a[0], a[1], a[2], a[3],
           port >> 8, port & 0xffu);
    gen_tcp_send_buf(c, GEN_S2C, &m);
    gbufs_done(c->g, &m, 1);
}

/*
 * One data connection from side `from` of TCP path dp (GEN_C2S: dp's initiator), opened
 * before the control connection's cmd; the data, then the sender closes. reply150 and the
 * 226 go on the control connection.
 */
static void ftp_transfer(struct gen_tcp *c, const struct gen_path *dp, int open_first,
                         const char *cmd, const char *reply150, int from,
                         const struct gbuf *data, const char *reply226)
{
    struct gen_tcp d;

    gen_tcp_init(&d, c->g, dp, 180 * GEN_MS);
    if (open_first) {
        gen_advance(c->g, 2 * GEN_MS);
        gen_tcp_open(&d);
        gen_tcp_send_str(c, GEN_C2S, cmd);
    } else {
        gen_tcp_send_str(c, GEN_C2S, cmd);
        gen_advance(c->g, 2 * GEN_MS);
        gen_tcp_open(&d);
    }
    gen_tcp_send_str(c, GEN_S2C, reply150);
    gen_tcp_send_buf(&d, from, data);
    gen_tcp_close(&d, from);
    gen_tcp_send_str(c, GEN_S2C, reply226);
}

/* Anonymous, passive: STOR of an xstage, LIST, RETR of a README. */
static void scene_ftp_anon(struct gen *g, const struct gen_host *cl, const struct gen_host *srv)
{
    static const char listing[] =
        "-rw-r--r--    1 ftp      ftp         20480 Mar 14 09:00 ep07_sc012.xstage\r\n"
        "-rw-r--r--    1 ftp      ftp           612 Jan 02 03:04 README.txt\r\n"
        "drwxr-xr-x    2 ftp      ftp          4096 Jan 02 03:04 incoming\r\n";
    struct gbuf f[3] = { { 0 }, { 0 }, { 0 } };
    struct gen_path cp, dp;
    struct gen_tcp c;
    char r150[128];

    build_xstage(&f[0], g);
    gb_str(&f[1], listing);
    gb_str(&f[2], "Welcome to the drop box.\r\n");
    gb_fill(&f[2], '-', 60);
    gb_str(&f[2], "\r\nUploads go to incoming/. Files are removed after 7 days.\r\n");
    build_log(&f[2], 7);
    path_init(&cp, cl, 50021, srv, 21, NULL);
    gen_tcp_init(&c, g, &cp, 180 * GEN_MS);
    ftp_login(&c, "anonymous", "guest@");
    ftp_pasv(&c, 40001);
    path_init(&dp, cl, 50022, srv, 40001, NULL);
    ftp_transfer(&c, &dp, 1, "STOR ep07_sc012.xstage\r\n", "150 Ok to send data.\r\n", GEN_C2S,
                 &f[0], "226 Transfer complete.\r\n");
    ftp_pasv(&c, 40002);
    path_init(&dp, cl, 50023, srv, 40002, NULL);
    ftp_transfer(&c, &dp, 1, "LIST\r\n", "150 Here comes the directory listing.\r\n", GEN_S2C,
                 &f[1], "226 Directory send OK.\r\n");
    ftp_pasv(&c, 40003);
    path_init(&dp, cl, 50024, srv, 40003, NULL);
    gen_snprintf(g, r150, sizeof(r150),
             "150 Opening BINARY mode data connection for README.txt (%zu bytes).\r\n", f[2].len);
    ftp_transfer(&c, &dp, 1, "RETR README.txt\r\n", r150, GEN_S2C, &f[2],
                 "226 Transfer complete.\r\n");
    ftp_say(&c, "QUIT\r\n", "221 Goodbye.\r\n");
    gen_tcp_close(&c, GEN_S2C);
    gbufs_done(g, f, 3);
}

/*
 * Named user: active STOR of a ProRes MOV (the server connects from port 20 to the
 * client's PORT), then passive APPE of a log and STOU (name from "150 FILE:").
 */
static void scene_ftp_user(struct gen *g, const struct gen_host *cl, const struct gen_host *srv)
{
    struct gbuf f[3] = { { 0 }, { 0 }, { 0 } };
    struct gen_path cp, dp;
    struct gen_tcp c;
    char cmd[80];
    const uint8_t *a = cl->addr;

    build_mov_n(&f[0], g, GEN_FTP_MOV_BYTES);
    build_log(&f[1], 24);
    build_dpx(&f[2], "sh010_0103.dpx", 20, 16);
    path_init(&cp, cl, 50031, srv, 21, NULL);
    gen_tcp_init(&c, g, &cp, 180 * GEN_MS);
    ftp_login(&c, "jdoe", GEN_FTP_PASS);
    gen_snprintf(g, cmd, sizeof(cmd), "PORT %u,%u,%u,%u,%u,%u\r\n", a[0], a[1], a[2], a[3],
             50240 >> 8, 50240 & 0xff);
    ftp_say(&c, cmd, "200 PORT command successful. Consider using PASV.\r\n");
    path_init(&dp, srv, 20, cl, 50240, NULL);
    ftp_transfer(&c, &dp, 0, "STOR ep07_comp_v004.mov\r\n", "150 Ok to send data.\r\n", GEN_S2C,
                 &f[0], "226 Transfer complete.\r\n");
    ftp_pasv(&c, 40004);
    path_init(&dp, cl, 50032, srv, 40004, NULL);
    ftp_transfer(&c, &dp, 1, "APPE render.log\r\n", "150 Ok to send data.\r\n", GEN_C2S, &f[1],
                 "226 Transfer complete.\r\n");
    ftp_pasv(&c, 40005);
    path_init(&dp, cl, 50033, srv, 40005, NULL);
    ftp_transfer(&c, &dp, 1, "STOU\r\n", "150 FILE: sh010_0103.dpx\r\n", GEN_C2S, &f[2],
                 "226 Transfer complete.\r\n");
    ftp_say(&c, "QUIT\r\n", "221 Goodbye.\r\n");
    gen_tcp_close(&c, GEN_S2C);
    gbufs_done(g, f, 3);
}

/* IPv6, named user: EPSV STOR of an EXR, EPRT RETR of a LUT (RFC 2428). */
static void scene_ftp_v6(struct gen *g, const struct gen_host *cl, const struct gen_host *srv)
{
    struct gbuf f[2] = { { 0 }, { 0 } };
    struct gen_path cp, dp;
    struct gen_tcp c;
    char r150[128];

    build_exr(&f[0], GEN_UP_EXR_SIDE);
    build_cube(&f[1], "show_v2", 5);
    path_init(&cp, cl, 50041, srv, 21, NULL);
    gen_tcp_init(&c, g, &cp, 180 * GEN_MS);
    ftp_login(&c, "jdoe", GEN_FTP_PASS);
    ftp_say(&c, "EPSV\r\n", "229 Entering Extended Passive Mode (|||40006|)\r\n");
    path_init(&dp, cl, 50042, srv, 40006, NULL);
    ftp_transfer(&c, &dp, 1, "STOR sh010_plate.0102.exr\r\n", "150 Ok to send data.\r\n",
                 GEN_C2S, &f[0], "226 Transfer complete.\r\n");
    ftp_say(&c, "EPRT |2|2001:db8:10::10|50250|\r\n",
            "200 EPRT command successful. Consider using EPSV.\r\n");
    path_init(&dp, srv, 20, cl, 50250, NULL);
    gen_snprintf(g, r150, sizeof(r150),
             "150 Opening BINARY mode data connection for show_v2.cube (%zu bytes).\r\n",
             f[1].len);
    ftp_transfer(&c, &dp, 0, "RETR show_v2.cube\r\n", r150, GEN_C2S, &f[1],
                 "226 Transfer complete.\r\n");
    ftp_say(&c, "QUIT\r\n", "221 Goodbye.\r\n");
    gen_tcp_close(&c, GEN_S2C);
    gbufs_done(g, f, 2);
}

static void cmd_ftp(struct gen *g, const struct cmd_args *a)
{
    struct gen_host ws, kp, ws6, kp6;

    (void)a;
    host_init(g, &ws, "10.1.2.10", 1, 128);
    host_init(g, &kp, "175.45.176.80", 0, 46);
    host_init(g, &ws6, "2001:db8:10::10", 1, 64);
    host_init(g, &kp6, "2001:db8:175::80", 0, 52);
    scene_ftp_anon(g, &ws, &kp);
    gen_at(g, 20 * GEN_USEC);
    scene_ftp_user(g, &ws, &kp);
    gen_at(g, 40 * GEN_USEC);
    scene_ftp_v6(g, &ws6, &kp6);
}

/* TFTP (RFC 1350) opcodes; OACK is RFC 2347. */
enum { TFTP_RRQ = 1, TFTP_WRQ = 2, TFTP_DATA = 3, TFTP_ACK = 4, TFTP_OACK = 6 };

static void tftp_ack(struct gen *g, const struct gen_path *p, int dir, uint16_t block)
{
    uint8_t m[4];

    wr16(m, TFTP_ACK);
    wr16(m + 2, block);
    gen_udp(g, p, dir, m, sizeof(m));
}

/*
 * The DATA blocks of file from side dir of p (the server's TID port), each acknowledged;
 * block `resend` is sent twice, a second apart, its first ACK lost (not captured).
 */
static void tftp_blocks(struct gen *g, const struct gen_path *p, int dir, const struct gbuf *file,
                        size_t blksize, long resend)
{
    struct gbuf m = { 0 };
    size_t off = 0, n;
    uint16_t block = 1;
    int copy;

    if (file->oom) {
        gen_fail(g, "out of memory");
        return;
    }
    for (;;) {
        n = file->len - off < blksize ? file->len - off : blksize;
        for (copy = 0; copy < (resend == block ? 2 : 1); copy++) {
            m.len = 0;
            gb_u16(&m, TFTP_DATA);
            gb_u16(&m, block);
            gb_put(&m, file->p + off, n);
            if (m.oom)
                break;
            gen_advance(g, copy ? 1 * GEN_USEC : 300);
            gen_udp(g, p, dir, m.p, m.len);
        }
        gen_advance(g, 2 * GEN_MS);
        tftp_ack(g, p, dir ^ 1, block);
        off += n;
        block++;
        if (n < blksize)
            break;
    }
    gbufs_done(g, &m, 1);
}

/* RRQ or WRQ: opcode, file name, mode "octet", then option name / value pairs. */
static void tftp_request(struct gen *g, const struct gen_path *p, int op, const char *fname,
                         const char *opt, const char *val)
{
    struct gbuf m = { 0 };

    gb_u16(&m, (uint32_t)op);
    gb_put(&m, fname, strlen(fname) + 1);
    gb_put(&m, "octet", 6);
    if (opt != NULL) {
        gb_put(&m, opt, strlen(opt) + 1);
        gb_put(&m, val, strlen(val) + 1);
    }
    if (!m.oom)
        gen_udp(g, p, GEN_C2S, m.p, m.len);
    gbufs_done(g, &m, 1);
}

static void cmd_tftp(struct gen *g, const struct cmd_args *a)
{
    struct gen_host ws, srv;
    struct gen_path req, tid;
    struct gbuf f[3] = { { 0 }, { 0 }, { 0 } };
    struct gbuf o = { 0 };

    (void)a;
    host_init(g, &ws, "10.1.2.10", 1, 128);
    host_init(g, &srv, "175.45.176.81", 0, 46);
    build_dpx(&f[0], "sh010_0101.dpx", 20, 16);
    build_cube(&f[1], "show_v1", 4);
    build_exr(&f[2], GEN_UP_EXR_SIDE);

    /* WRQ: the server answers ACK 0 from its TID; DATA 3 retransmitted */
    path_init(&req, &ws, 50069, &srv, 69, NULL);
    path_init(&tid, &ws, 50069, &srv, 40069, NULL);
    tftp_request(g, &req, TFTP_WRQ, "sh010_0101.dpx", NULL, NULL);
    gen_advance(g, 2 * GEN_MS);
    tftp_ack(g, &tid, GEN_S2C, 0);
    tftp_blocks(g, &tid, GEN_C2S, &f[0], 512, 3);

    /* RRQ: the server sends DATA 1 from its TID */
    gen_at(g, 10 * GEN_USEC);
    path_init(&req, &ws, 50070, &srv, 69, NULL);
    path_init(&tid, &ws, 50070, &srv, 40070, NULL);
    tftp_request(g, &req, TFTP_RRQ, "luts/show_v1.cube", NULL, NULL);
    tftp_blocks(g, &tid, GEN_S2C, &f[1], 512, -1);

    /* WRQ with blksize 1428 (RFC 2348): OACK instead of ACK 0 */
    gen_at(g, 20 * GEN_USEC);
    path_init(&req, &ws, 50071, &srv, 69, NULL);
    path_init(&tid, &ws, 50071, &srv, 40071, NULL);
    tftp_request(g, &req, TFTP_WRQ, "sh010_plate.0101.exr", "blksize", "1428");
    gb_u16(&o, TFTP_OACK);
    gb_put(&o, "blksize\0" "1428", 13);
    gen_advance(g, 2 * GEN_MS);
    if (!o.oom)
        gen_udp(g, &tid, GEN_S2C, o.p, o.len);
    tftp_blocks(g, &tid, GEN_C2S, &f[2], 1428, -1);
    gbufs_done(g, &o, 1);
    gbufs_done(g, f, 3);
}

/* A netcat-style raw upload of a PSD to port 4444, and a stream of PRNG bytes. */
static void cmd_raw(struct gen *g, const struct cmd_args *a)
{
    struct gen_host ws, kp;
    struct gen_path p;
    struct gen_tcp s;
    struct gbuf f[2] = { { 0 }, { 0 } };

    (void)a;
    host_init(g, &ws, "10.1.2.10", 1, 128);
    host_init(g, &kp, "175.45.176.80", 0, 46);
    build_psd(&f[0], GEN_UP_PSD_SIDE, GEN_UP_PSD_SIDE);
    path_init(&p, &ws, 53001, &kp, 4444, NULL);
    gen_tcp_init(&s, g, &p, 180 * GEN_MS);
    gen_tcp_open(&s);
    gen_tcp_send_buf(&s, GEN_C2S, &f[0]);
    gen_tcp_close(&s, GEN_C2S);

    gen_at(g, 2 * GEN_USEC);
    gb_rand(&f[1], g, 8000);
    path_init(&p, &ws, 53002, &kp, 7777, NULL);
    gen_tcp_init(&s, g, &p, 180 * GEN_MS);
    gen_tcp_open(&s);
    gen_tcp_send_buf(&s, GEN_C2S, &f[1]);
    gen_tcp_close(&s, GEN_C2S);
    gbufs_done(g, f, 2);
}

/* ---------------------------------------------------------------------------------- */
/* Transfers: SMB2                                                                     */

/* [MS-SMB2] 2.2.1 commands, flags and status codes used here. */
enum {
    SMB2_NEGOTIATE = 0,
    SMB2_SESSION_SETUP = 1,
    SMB2_LOGOFF = 2,
    SMB2_TREE_CONNECT = 3,
    SMB2_TREE_DISCONNECT = 4,
    SMB2_CREATE = 5,
    SMB2_CLOSE = 6,
    SMB2_READ = 8,
    SMB2_WRITE = 9
};
#define SMB2_FLAGS_SERVER_TO_REDIR 0x00000001u
#define SMB2_FLAGS_RELATED_OPERATIONS 0x00000004u
#define SMB2_STATUS_MORE_PROCESSING 0xc0000016u
#define SMB2_SESSION_ID 0x0000100000000011ULL
#define SMB2_TREE_ID 5u
#define SMB2_HDR_BYTES 64u
#define GEN_SMB_EXR_SIDE 64u     /* comp_v003.exr: 25913 bytes, written in 3 chunks */
#define GEN_SMB_CHUNK_BYTES 10000u
#define GEN_SMB_MOV_BYTES 100000u /* read in 65536 + 34464 */
#define GEN_SMB_READ_BYTES 65536u
/* 2024-03-14T09:00:00Z as a FILETIME (100 ns since 1601-01-01) */
#define GEN_FILETIME_T0 ((1710406800ULL + 11644473600ULL) * 10000000ULL)

/* One SMB2 connection: the TCP connection, the next MessageId, the session. */
struct gen_smb2 {
    struct gen_tcp *s;
    uint64_t msg_id;
    uint64_t session;
    uint32_t tree;
};

/*
 * The 64-byte SMB2 sync header ([MS-SMB2] 2.2.1.2): FE 'SMB', StructureSize 64,
 * CreditCharge, Status, Command, CreditRequest/Response, Flags, NextCommand (patched by
 * smb2_send for compounds), MessageId, Reserved (process id 0xfeff), TreeId, SessionId,
 * Signature (zero: unsigned).
 */
static void smb2_hdr(struct gbuf *b, const struct gen_smb2 *c, uint16_t cmd, int resp,
                     uint32_t status, uint64_t msg_id, uint32_t flags)
{
    gb_put(b, "\xfeSMB", 4);
    gb_u16le(b, SMB2_HDR_BYTES);
    gb_u16le(b, cmd == SMB2_NEGOTIATE ? 0 : 1);
    gb_u32le(b, status);
    gb_u16le(b, cmd);
    gb_u16le(b, resp ? 32 : 31);
    gb_u32le(b, flags | (resp ? SMB2_FLAGS_SERVER_TO_REDIR : 0));
    gb_u32le(b, 0);
    gb_u64le(b, msg_id);
    gb_u32le(b, 0xfeff);
    gb_u32le(b, cmd == SMB2_TREE_CONNECT && !resp ? 0 : c->tree); /* 0 until connected */
    gb_u64le(b, cmd == SMB2_NEGOTIATE ? 0 : c->session);
    gb_fill(b, 0, 16);
}

/*
 * One NetBIOS session message (RFC 1002 4.3.1: type 0, 24-bit length) holding n SMB2
 * messages; all but the last are padded to 8 bytes and their NextCommand set.
 */
static void smb2_send(struct gen_smb2 *c, int dir, struct gbuf *msg, size_t n)
{
    struct gbuf out = { 0 };
    size_t i, total = 0, pad;

    for (i = 0; i < n; i++) {
        if (msg[i].oom || msg[i].len < SMB2_HDR_BYTES) {
            gen_fail(c->s->g, "out of memory");
            return;
        }
        pad = i + 1 < n ? (8 - msg[i].len % 8) % 8 : 0;
        gb_fill(&msg[i], 0, pad);
        if (i + 1 < n && !msg[i].oom)
            wr32le(msg[i].p + 20, (uint32_t)msg[i].len);
        total += msg[i].len;
    }
    gb_u8(&out, 0);
    gb_u24(&out, (uint32_t)total);
    for (i = 0; i < n; i++)
        gb_put(&out, msg[i].p, msg[i].len);
    gen_tcp_send_buf(c->s, dir, &out);
    gbufs_done(c->s->g, &out, 1);
}

/* A request and its response, each one SMB2 message; frees both. */
static void smb2_exchange(struct gen_smb2 *c, struct gbuf *req, struct gbuf *resp)
{
    smb2_send(c, GEN_C2S, req, 1);
    smb2_send(c, GEN_S2C, resp, 1);
    gbufs_done(c->s->g, req, 1);
    gbufs_done(c->s->g, resp, 1);
}

/* NTLMSSP security buffer: length, maximum length, offset. */
static void ntlm_field(struct gbuf *b, size_t len, size_t off)
{
    gb_u16le(b, (uint32_t)len);
    gb_u16le(b, (uint32_t)len);
    gb_u32le(b, (uint32_t)off);
}

static void ntlm_version(struct gbuf *b)
{
    static const uint8_t v[8] = { 10, 0, 0x61, 0x4a, 0, 0, 0, 15 }; /* 10.0.19041, rev 15 */

    gb_put(b, v, sizeof(v));
}

/* AV pairs of the CHALLENGE's target info: NbDomainName, NbComputerName, Timestamp, EOL. */
static void ntlm_target_info(struct gbuf *b)
{
    gb_u16le(b, 2);
    gb_u16le(b, 2 * 6);
    gb_utf16(b, "STUDIO");
    gb_u16le(b, 1);
    gb_u16le(b, 2 * 4);
    gb_utf16(b, "FS01");
    gb_u16le(b, 7);
    gb_u16le(b, 8);
    gb_u64le(b, GEN_FILETIME_T0);
    gb_u32le(b, 0);
}

/*
 * NTLMSSP ([MS-NLMP] 2.2.1) NEGOTIATE (type 1), CHALLENGE (type 2) and AUTHENTICATE
 * (type 3, NTLMv2 response, domain STUDIO, user jdoe, workstation WS-0110), raw (no
 * SPNEGO) as SMB2 SESSION_SETUP security buffers.
 */
static void build_ntlm(struct gbuf *b, struct gen *g, int type)
{
    struct gbuf ti = { 0 };
    size_t off;

    gb_put(b, "NTLMSSP", 8);
    gb_u32le(b, (uint32_t)type);
    if (type == 1) {
        gb_u32le(b, 0xe2088297u);
        ntlm_field(b, 0, 40);
        ntlm_field(b, 0, 40);
        ntlm_version(b);
        return;
    }
    ntlm_target_info(&ti);
    if (type == 2) {
        ntlm_field(b, 12, 56);
        gb_u32le(b, 0xe2898215u);
        gb_rand(b, g, 8); /* server challenge */
        gb_fill(b, 0, 8);
        ntlm_field(b, ti.len, 56 + 12);
        ntlm_version(b);
        gb_utf16(b, "STUDIO");
        gb_put(b, ti.p, ti.len);
        gbufs_done(g, &ti, 1);
        return;
    }
    off = 88;
    ntlm_field(b, 24, off + 12 + 8 + 14); /* LM: after domain, user, workstation */
    ntlm_field(b, 16 + 28 + ti.len + 4, off + 12 + 8 + 14 + 24);
    ntlm_field(b, 12, off);
    ntlm_field(b, 8, off + 12);
    ntlm_field(b, 14, off + 12 + 8);
    ntlm_field(b, 16, off + 12 + 8 + 14 + 24 + 16 + 28 + ti.len + 4);
    gb_u32le(b, 0xe2888215u);
    ntlm_version(b);
    gb_fill(b, 0, 16); /* MIC */
    gb_utf16(b, "STUDIO");
    gb_utf16(b, "jdoe");
    gb_utf16(b, "WS-0110");
    gb_fill(b, 0, 24);
    gb_rand(b, g, 16); /* NTProofStr */
    gb_u16le(b, 0x0101);
    gb_fill(b, 0, 6);
    gb_u64le(b, GEN_FILETIME_T0);
    gb_rand(b, g, 8); /* client challenge */
    gb_u32le(b, 0);
    gb_put(b, ti.p, ti.len);
    gb_u32le(b, 0);
    gb_rand(b, g, 16); /* encrypted random session key */
    gbufs_done(g, &ti, 1);
}

/* NEGOTIATE (2.2.3/2.2.4): SMB 2.0.2 .. 3.0.2 offered, 3.0.2 chosen. */
static void smb2_negotiate(struct gen_smb2 *c)
{
    struct gbuf q = { 0 }, r = { 0 };

    smb2_hdr(&q, c, SMB2_NEGOTIATE, 0, 0, c->msg_id, 0);
    gb_u16le(&q, 36);
    gb_u16le(&q, 4);
    gb_u16le(&q, 1); /* signing enabled */
    gb_u16le(&q, 0);
    gb_u32le(&q, 0x7f);
    gb_rand(&q, c->s->g, 16); /* ClientGuid */
    gb_u64le(&q, 0);
    gb_u16le(&q, 0x0202);
    gb_u16le(&q, 0x0210);
    gb_u16le(&q, 0x0300);
    gb_u16le(&q, 0x0302);
    smb2_hdr(&r, c, SMB2_NEGOTIATE, 1, 0, c->msg_id, 0);
    gb_u16le(&r, 65);
    gb_u16le(&r, 1);
    gb_u16le(&r, 0x0302);
    gb_u16le(&r, 0);
    gb_rand(&r, c->s->g, 16); /* ServerGuid */
    gb_u32le(&r, 0x2f);
    gb_u32le(&r, 8388608);
    gb_u32le(&r, 8388608);
    gb_u32le(&r, 8388608);
    gb_u64le(&r, GEN_FILETIME_T0);
    gb_u64le(&r, 0);
    gb_u16le(&r, 0x80);
    gb_u16le(&r, 0);
    gb_u32le(&r, 0);
    smb2_exchange(c, &q, &r);
    c->msg_id++;
}

/* SESSION_SETUP (2.2.5/2.2.6) with one NTLMSSP message each way. */
static void smb2_session_round(struct gen_smb2 *c, int type, uint32_t status)
{
    struct gbuf q = { 0 }, r = { 0 }, t = { 0 };

    build_ntlm(&t, c->s->g, type);
    smb2_hdr(&q, c, SMB2_SESSION_SETUP, 0, 0, c->msg_id, 0);
    gb_u16le(&q, 25);
    gb_u8(&q, 0);
    gb_u8(&q, 1);
    gb_u32le(&q, 1); /* DFS */
    gb_u32le(&q, 0);
    gb_u16le(&q, SMB2_HDR_BYTES + 24);
    gb_u16le(&q, (uint32_t)t.len);
    gb_u64le(&q, 0);
    gb_put(&q, t.p, t.len);
    if (c->session == 0)
        c->session = SMB2_SESSION_ID;
    t.len = 0;
    if (status != 0)
        build_ntlm(&t, c->s->g, 2);
    smb2_hdr(&r, c, SMB2_SESSION_SETUP, 1, status, c->msg_id, 0);
    gb_u16le(&r, 9);
    gb_u16le(&r, 0);
    gb_u16le(&r, t.len != 0 ? SMB2_HDR_BYTES + 8 : 0);
    gb_u16le(&r, (uint32_t)t.len);
    gb_put(&r, t.p, t.len);
    gbufs_done(c->s->g, &t, 1);
    smb2_exchange(c, &q, &r);
    c->msg_id++;
}

/* TREE_CONNECT (2.2.9/2.2.10) to a disk share; the response carries the TreeId. */
static void smb2_tree_connect(struct gen_smb2 *c, const char *unc)
{
    struct gbuf q = { 0 }, r = { 0 };

    smb2_hdr(&q, c, SMB2_TREE_CONNECT, 0, 0, c->msg_id, 0);
    gb_u16le(&q, 9);
    gb_u16le(&q, 0);
    gb_u16le(&q, SMB2_HDR_BYTES + 8);
    gb_u16le(&q, (uint32_t)(2 * strlen(unc)));
    gb_utf16(&q, unc);
    c->tree = SMB2_TREE_ID;
    smb2_hdr(&r, c, SMB2_TREE_CONNECT, 1, 0, c->msg_id, 0);
    gb_u16le(&r, 16);
    gb_u8(&r, 1); /* disk */
    gb_u8(&r, 0);
    gb_u32le(&r, 0);
    gb_u32le(&r, 0);
    gb_u32le(&r, 0x001f01ff);
    smb2_exchange(c, &q, &r);
    c->msg_id++;
}

/* An SMB2 FileId: persistent and volatile halves; related operations use all ones. */
static void gb_fileid(struct gbuf *b, uint64_t fid)
{
    gb_u64le(b, fid == UINT64_MAX ? UINT64_MAX : fid);
    gb_u64le(b, fid == UINT64_MAX ? UINT64_MAX : fid | 0x00000000c0000000ULL);
}

/* CREATE request (2.2.13): name at 120 (64 + 56), no create contexts. */
static void smb2_create_req(struct gbuf *q, const struct gen_smb2 *c, uint64_t id,
                            uint32_t flags, const char *name, int write)
{
    smb2_hdr(q, c, SMB2_CREATE, 0, 0, id, flags);
    gb_u16le(q, 57);
    gb_u8(q, 0);
    gb_u8(q, 0);
    gb_u32le(q, 2); /* impersonation */
    gb_u64le(q, 0);
    gb_u64le(q, 0);
    gb_u32le(q, write ? 0x00130197u : 0x00120089u); /* generic write / read access */
    gb_u32le(q, 0x80);                               /* FILE_ATTRIBUTE_NORMAL */
    gb_u32le(q, 7);
    gb_u32le(q, write ? 5 : 1); /* FILE_OVERWRITE_IF / FILE_OPEN */
    gb_u32le(q, 0x40);          /* FILE_NON_DIRECTORY_FILE */
    gb_u16le(q, SMB2_HDR_BYTES + 56);
    gb_u16le(q, (uint32_t)(2 * strlen(name)));
    gb_u32le(q, 0);
    gb_u32le(q, 0);
    gb_utf16(q, name);
}

/* CREATE response (2.2.14): action, times, sizes, attributes, FileId. */
static void smb2_create_resp(struct gbuf *r, const struct gen_smb2 *c, uint64_t id,
                             uint32_t flags, uint64_t fid, int write, uint64_t eof)
{
    int i;

    smb2_hdr(r, c, SMB2_CREATE, 1, 0, id, flags);
    gb_u16le(r, 89);
    gb_u8(r, 0);
    gb_u8(r, 0);
    gb_u32le(r, write ? 2 : 1); /* FILE_CREATED / FILE_OPENED */
    for (i = 0; i < 4; i++)
        gb_u64le(r, GEN_FILETIME_T0);
    gb_u64le(r, (eof + 4095) & ~4095ULL);
    gb_u64le(r, eof);
    gb_u32le(r, 0x80);
    gb_u32le(r, 0);
    gb_fileid(r, fid);
    gb_u32le(r, 0);
    gb_u32le(r, 0);
}

/* WRITE request (2.2.21): DataOffset 112 (64 + 48) from the SMB2 header, then data. */
static void smb2_write_req(struct gbuf *q, const struct gen_smb2 *c, uint64_t id,
                           uint32_t flags, uint64_t fid, const uint8_t *data, size_t len,
                           uint64_t offset)
{
    smb2_hdr(q, c, SMB2_WRITE, 0, 0, id, flags);
    gb_u16le(q, 49);
    gb_u16le(q, SMB2_HDR_BYTES + 48);
    gb_u32le(q, (uint32_t)len);
    gb_u64le(q, offset);
    gb_fileid(q, fid);
    gb_u32le(q, 0);
    gb_u32le(q, 0);
    gb_u16le(q, 0);
    gb_u16le(q, 0);
    gb_u32le(q, 0);
    gb_put(q, data, len);
}

/* WRITE response (2.2.22): Count. */
static void smb2_write_resp(struct gbuf *r, const struct gen_smb2 *c, uint64_t id,
                            uint32_t flags, size_t len)
{
    smb2_hdr(r, c, SMB2_WRITE, 1, 0, id, flags);
    gb_u16le(r, 17);
    gb_u16le(r, 0);
    gb_u32le(r, (uint32_t)len);
    gb_u32le(r, 0);
    gb_u16le(r, 0);
    gb_u16le(r, 0);
}

/* CLOSE request (2.2.15) and response (2.2.16, no attributes returned). */
static void smb2_close_pair(struct gbuf *q, struct gbuf *r, const struct gen_smb2 *c,
                            uint64_t id, uint32_t flags, uint64_t fid)
{
    smb2_hdr(q, c, SMB2_CLOSE, 0, 0, id, flags);
    gb_u16le(q, 24);
    gb_u16le(q, 0);
    gb_u32le(q, 0);
    gb_fileid(q, fid);
    smb2_hdr(r, c, SMB2_CLOSE, 1, 0, id, flags);
    gb_u16le(r, 60);
    gb_u16le(r, 0);
    gb_u32le(r, 0);
    gb_fill(r, 0, 4 * 8 + 8 + 8 + 4);
}

static void smb2_close(struct gen_smb2 *c, uint64_t fid)
{
    struct gbuf q = { 0 }, r = { 0 };

    smb2_close_pair(&q, &r, c, c->msg_id, 0, fid);
    smb2_exchange(c, &q, &r);
    c->msg_id++;
}

static void smb2_create(struct gen_smb2 *c, const char *name, uint64_t fid, int write,
                        uint64_t eof)
{
    struct gbuf q = { 0 }, r = { 0 };

    smb2_create_req(&q, c, c->msg_id, 0, name, write);
    smb2_create_resp(&r, c, c->msg_id, 0, fid, write, eof);
    smb2_exchange(c, &q, &r);
    c->msg_id++;
}

/* Writes file in chunks of `chunk` bytes, each at its offset. */
static void smb2_write_file(struct gen_smb2 *c, uint64_t fid, const struct gbuf *file,
                            size_t chunk)
{
    struct gbuf q = { 0 }, r = { 0 };
    size_t off, n;

    for (off = 0; off < file->len; off += n) {
        n = file->len - off < chunk ? file->len - off : chunk;
        smb2_write_req(&q, c, c->msg_id, 0, fid, file->p + off, n, off);
        smb2_write_resp(&r, c, c->msg_id, 0, n);
        smb2_exchange(c, &q, &r);
        c->msg_id++;
    }
}

/* Reads file in READs (2.2.19/2.2.20) of up to `chunk` bytes; data at 80 (64 + 16). */
static void smb2_read_file(struct gen_smb2 *c, uint64_t fid, const struct gbuf *file,
                           size_t chunk)
{
    struct gbuf q = { 0 }, r = { 0 };
    size_t off, n;

    for (off = 0; off < file->len; off += n) {
        n = file->len - off < chunk ? file->len - off : chunk;
        smb2_hdr(&q, c, SMB2_READ, 0, 0, c->msg_id, 0);
        gb_u16le(&q, 49);
        gb_u8(&q, 0x50);
        gb_u8(&q, 0);
        gb_u32le(&q, (uint32_t)chunk);
        gb_u64le(&q, off);
        gb_fileid(&q, fid);
        gb_u32le(&q, 0);
        gb_u32le(&q, 0);
        gb_u32le(&q, 0);
        gb_u16le(&q, 0);
        gb_u16le(&q, 0);
        gb_u8(&q, 0);
        smb2_hdr(&r, c, SMB2_READ, 1, 0, c->msg_id, 0);
        gb_u16le(&r, 17);
        gb_u8(&r, SMB2_HDR_BYTES + 16);
        gb_u8(&r, 0);
        gb_u32le(&r, (uint32_t)n);
        gb_u32le(&r, 0);
        gb_u32le(&r, 0);
        gb_put(&r, file->p + off, n);
        smb2_exchange(c, &q, &r);
        c->msg_id++;
    }
}

/* TREE_DISCONNECT or LOGOFF (2.2.11/2.2.7): StructureSize 4 both ways. */
static void smb2_bye(struct gen_smb2 *c, uint16_t cmd)
{
    struct gbuf q = { 0 }, r = { 0 };

    smb2_hdr(&q, c, cmd, 0, 0, c->msg_id, 0);
    gb_u16le(&q, 4);
    gb_u16le(&q, 0);
    smb2_hdr(&r, c, cmd, 1, 0, c->msg_id, 0);
    gb_u16le(&r, 4);
    gb_u16le(&r, 0);
    smb2_exchange(c, &q, &r);
    c->msg_id++;
}

/* CREATE + WRITE + CLOSE in one compounded request, answered by one compounded response. */
static void smb2_compound_put(struct gen_smb2 *c, const char *name, uint64_t fid,
                              const struct gbuf *file)
{
    struct gbuf q[3] = { { 0 }, { 0 }, { 0 } }, r[3] = { { 0 }, { 0 }, { 0 } };
    uint64_t id = c->msg_id;

    smb2_create_req(&q[0], c, id, 0, name, 1);
    smb2_write_req(&q[1], c, id + 1, SMB2_FLAGS_RELATED_OPERATIONS, UINT64_MAX, file->p,
                   file->len, 0);
    smb2_close_pair(&q[2], &r[2], c, id + 2, SMB2_FLAGS_RELATED_OPERATIONS, UINT64_MAX);
    smb2_create_resp(&r[0], c, id, 0, fid, 1, 0);
    smb2_write_resp(&r[1], c, id + 1, SMB2_FLAGS_RELATED_OPERATIONS, file->len);
    smb2_send(c, GEN_C2S, q, 3);
    smb2_send(c, GEN_S2C, r, 3);
    gbufs_done(c->s->g, q, 3);
    gbufs_done(c->s->g, r, 3);
    c->msg_id += 3;
}

static void cmd_smb2(struct gen *g, const struct cmd_args *a)
{
    struct gen_host ws, fs;
    struct gen_path p;
    struct gen_tcp s;
    struct gen_smb2 c;
    struct gbuf f[3] = { { 0 }, { 0 }, { 0 } };

    (void)a;
    host_init(g, &ws, "10.1.2.10", 1, 128);
    host_init(g, &fs, "175.45.176.82", 0, 46);
    build_exr(&f[0], GEN_SMB_EXR_SIDE);
    build_mov_n(&f[1], g, GEN_SMB_MOV_BYTES);
    build_dpx(&f[2], "sh010_0101.dpx", 24, 16);
    if (f[0].oom || f[1].oom || f[2].oom) {
        gbufs_done(g, f, 3);
        return;
    }
    path_init(&p, &ws, 50445, &fs, 445, NULL);
    gen_tcp_init(&s, g, &p, 180 * GEN_MS);
    memset(&c, 0, sizeof(c));
    c.s = &s;
    gen_tcp_open(&s);
    smb2_negotiate(&c);
    smb2_session_round(&c, 1, SMB2_STATUS_MORE_PROCESSING);
    smb2_session_round(&c, 3, 0);
    smb2_tree_connect(&c, "\\\\175.45.176.82\\share");
    smb2_create(&c, "shots\\sh010\\comp_v003.exr", 0x11, 1, 0);
    smb2_write_file(&c, 0x11, &f[0], GEN_SMB_CHUNK_BYTES);
    smb2_close(&c, 0x11);
    smb2_create(&c, "editorial\\ep07_ref_v001.mov", 0x12, 0, f[1].len);
    smb2_read_file(&c, 0x12, &f[1], GEN_SMB_READ_BYTES);
    smb2_close(&c, 0x12);
    smb2_compound_put(&c, "shots\\sh010\\sh010_0101.dpx", 0x13, &f[2]);
    smb2_bye(&c, SMB2_TREE_DISCONNECT);
    smb2_bye(&c, SMB2_LOGOFF);
    gen_tcp_close(&s, GEN_C2S);
    gbufs_done(g, f, 3);
}

/* ---------------------------------------------------------------------------------- */
/* Mission scenarios: days, parallel, fragments, threshold (pcaps/README.md)           */

#define GEN_HOUR_US (3600ULL * GEN_USEC)
#define GEN_PARALLEL_PARTS 4u
#define GEN_PARALLEL_PART_BYTES 51200u   /* 4 x 51200 = the 204800-byte MOV */
#define GEN_PARALLEL_TURN_SEGS 8u        /* segments each connection sends per turn */
#define GEN_FRAG_BYTES 512u              /* IPv4 fragment payload (a multiple of 8) */
#define GEN_THRESHOLD_MOV_BYTES 100000u

/* One PUT of the 12328-byte PSD to uri with Basic credentials, answered 201, on a
 * connection of its own. */
static void scene_put_psd_as(struct gen *g, const struct gen_path *p, const char *host,
                             const char *uri)
{
    struct gbuf req = { 0 };
    struct gen_tcp s;

    build_psd_put(&req, host, uri, "Authorization: " GEN_HTTP_AUTH "\r\n",
                  "image/vnd.adobe.photoshop");
    gen_tcp_init(&s, g, p, 180 * GEN_MS);
    gen_tcp_open(&s);
    http_exchange(&s, &req, "201 Created", NULL);
    gen_tcp_close(&s, GEN_C2S);
    gbufs_done(g, &req, 1);
}

/*
 * days: the studio host 10.1.2.10 PUTs one PSD a day to 175.45.176.80 for four days
 * (each 25 hours after the last, so no two fall within 24 hours), then three more
 * within five hours on the fifth day: the third of the burst is the third file within
 * 24 hours.
 */
static void cmd_days(struct gen *g, const struct cmd_args *a)
{
    static const char host[] = "175.45.176.80";
    static const struct {
        uint64_t at_h; /* hours after 2024-03-14T09:00:00Z */
        const char *uri;
    } put[] = {
        { 0, "/dav/ep07/day1_comp_v001.psd" },  { 25, "/dav/ep07/day2_comp_v002.psd" },
        { 50, "/dav/ep07/day3_comp_v003.psd" }, { 75, "/dav/ep07/day4_comp_v004.psd" },
        { 100, "/dav/ep07/burst_a.psd" },       { 102, "/dav/ep07/burst_b.psd" },
        { 105, "/dav/ep07/burst_c.psd" },
    };
    struct gen_host ws, kp;
    struct gen_path p;
    size_t i;

    (void)a;
    host_init(g, &ws, "10.1.2.10", 1, 128);
    host_init(g, &kp, host, 0, 46);
    for (i = 0; i < sizeof(put) / sizeof(put[0]); i++) {
        gen_at(g, put[i].at_h * GEN_HOUR_US);
        path_init(&p, &ws, (uint16_t)(52001 + i), &kp, 80, NULL);
        scene_put_psd_as(g, &p, host, put[i].uri);
    }
}

/*
 * spread: the studio host 10.1.2.10 PUTs one PSD to each of four addresses of the flagged
 * 175.45.176.0/22 (.80, .81, .82, .83), an hour apart: four flows to four servers, so a
 * sensor sharding flows over workers by address pair sees them in different workers,
 * and a per-sender host window must still count all four.
 */
static void cmd_spread(struct gen *g, const struct cmd_args *a)
{
    static const char *const hosts[] = {"175.45.176.80", "175.45.176.81", "175.45.176.82",
                                        "175.45.176.83"};
    struct gen_host ws, kp;
    struct gen_path p;
    char uri[64];
    size_t i;

    (void)a;
    host_init(g, &ws, "10.1.2.10", 1, 128);
    for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
        host_init(g, &kp, hosts[i], 0, 46);
        gen_at(g, i * GEN_HOUR_US);
        gen_snprintf(g, uri, sizeof(uri), "/dav/ep07/spread_%zu.psd", i + 1);
        path_init(&p, &ws, (uint16_t)(54001 + i), &kp, 80, NULL);
        scene_put_psd_as(g, &p, hosts[i], uri);
    }
}

/*
 * parallel: one 204800-byte MOV PUT as four parts of 51200 bytes, each on its own
 * connection to 175.45.176.80 (ports 53001..53004), all four open at once and sending
 * in turns of GEN_PARALLEL_TURN_SEGS segments: no flow carries 64 KiB, the four together
 * carry 204800 bytes of file.
 */
static void cmd_parallel(struct gen *g, const struct cmd_args *a)
{
    static const char host[] = "175.45.176.80";
    struct gen_host ws, kp;
    struct gen_path p[GEN_PARALLEL_PARTS];
    struct gen_tcp s[GEN_PARALLEL_PARTS];
    struct gbuf mov = { 0 }, part = { 0 }, req[GEN_PARALLEL_PARTS];
    size_t sent[GEN_PARALLEL_PARTS] = { 0 }, turn, i, n, left;
    char uri[64];

    (void)a;
    memset(req, 0, sizeof(req));
    host_init(g, &ws, "10.1.2.10", 1, 128);
    host_init(g, &kp, host, 0, 46);
    build_mov_n(&mov, g, GEN_PARALLEL_PARTS * GEN_PARALLEL_PART_BYTES);
    if (mov.oom) {
        gbufs_done(g, &mov, 1);
        return;
    }
    for (i = 0; i < GEN_PARALLEL_PARTS; i++) {
        part.p = mov.p + i * GEN_PARALLEL_PART_BYTES;
        part.len = GEN_PARALLEL_PART_BYTES;
        gen_snprintf(g, uri, sizeof(uri), "/dav/ep07/comp_v004_part%zu.mov", i + 1);
        build_http_request(&req[i], "PUT", uri, host,
                           "Authorization: " GEN_HTTP_AUTH "\r\n", "video/quicktime", &part);
        path_init(&p[i], &ws, (uint16_t)(53001 + i), &kp, 80, NULL);
        gen_tcp_init(&s[i], g, &p[i], 180 * GEN_MS);
        gen_tcp_open(&s[i]);
        gen_advance(g, 10 * GEN_MS);
    }
    for (turn = 0, left = GEN_PARALLEL_PARTS; left > 0; turn++) {
        left = 0;
        for (i = 0; i < GEN_PARALLEL_PARTS; i++) {
            if (sent[i] == req[i].len || req[i].oom)
                continue;
            n = req[i].len - sent[i];
            if (n > (size_t)GEN_PARALLEL_TURN_SEGS * s[i].mss)
                n = (size_t)GEN_PARALLEL_TURN_SEGS * s[i].mss;
            gen_tcp_send(&s[i], GEN_C2S, req[i].p + sent[i], n, NULL);
            sent[i] += n;
            left += sent[i] < req[i].len;
        }
    }
    for (i = 0; i < GEN_PARALLEL_PARTS; i++) {
        struct gbuf r = { 0 };

        build_http_status(&r, g, "201 Created", NULL);
        gen_tcp_send_buf(&s[i], GEN_S2C, &r);
        gbufs_done(g, &r, 1);
        gen_tcp_close(&s[i], GEN_C2S);
    }
    gbufs_done(g, req, GEN_PARALLEL_PARTS);
    gbufs_done(g, &mov, 1);
}

/*
 * fragments: the PSD PUT to 175.45.176.80 twice: first (port 54001) with every IPv4
 * packet of the request cut into fragments of GEN_FRAG_BYTES (the handshake, the ACKs,
 * the response and the close are whole), then (port 54002, a second later) the same
 * request unfragmented, as the control.
 */
static void cmd_fragments(struct gen *g, const struct cmd_args *a)
{
    static const char host[] = "175.45.176.80";
    struct gbuf req = { 0 }, r = { 0 };
    struct gen_host ws, kp;
    struct gen_path p;
    struct gen_tcp s;

    (void)a;
    host_init(g, &ws, "10.1.2.10", 1, 128);
    host_init(g, &kp, host, 0, 46);
    build_psd_put(&req, host, "/dav/ep07/frag_comp_v003.psd",
                  "Authorization: " GEN_HTTP_AUTH "\r\n", "image/vnd.adobe.photoshop");
    path_init(&p, &ws, 54001, &kp, 80, NULL);
    gen_tcp_init(&s, g, &p, 180 * GEN_MS);
    gen_tcp_open(&s);
    g->frag_bytes = GEN_FRAG_BYTES;
    gen_tcp_send_buf(&s, GEN_C2S, &req);
    g->frag_bytes = 0;
    build_http_status(&r, g, "201 Created", NULL);
    gen_tcp_send_buf(&s, GEN_S2C, &r);
    gen_tcp_close(&s, GEN_C2S);
    gbufs_done(g, &r, 1);
    gbufs_done(g, &req, 1);
    gen_at(g, GEN_USEC);
    path_init(&p, &ws, 54002, &kp, 80, NULL);
    scene_put_psd_as(g, &p, host, "/dav/ep07/whole_comp_v003.psd");
}

/*
 * threshold: one PUT of a 100000-byte MOV to 175.45.176.80 (port 55001) in 1460-byte
 * segments: the 45th data segment carries the flow's payload to the client from 64240
 * to 65700 bytes, across 64 KiB (65536).
 */
static void cmd_threshold(struct gen *g, const struct cmd_args *a)
{
    static const char host[] = "175.45.176.80";
    struct gbuf mov = { 0 }, req = { 0 };
    struct gen_host ws, kp;
    struct gen_path p;
    struct gen_tcp s;

    (void)a;
    host_init(g, &ws, "10.1.2.10", 1, 128);
    host_init(g, &kp, host, 0, 46);
    build_mov_n(&mov, g, GEN_THRESHOLD_MOV_BYTES);
    build_http_request(&req, "PUT", "/dav/ep07/comp_v005.mov", host,
                       "Authorization: " GEN_HTTP_AUTH "\r\n", "video/quicktime", &mov);
    path_init(&p, &ws, 55001, &kp, 80, NULL);
    gen_tcp_init(&s, g, &p, 180 * GEN_MS);
    gen_tcp_open(&s);
    http_exchange(&s, &req, "201 Created", NULL);
    gen_tcp_close(&s, GEN_C2S);
    gbufs_done(g, &req, 1);
    gbufs_done(g, &mov, 1);
}


/* ---------------------------------------------------------------------------------- */
/* busy-http: more HTTP flows open at once than the old fixed parser cap (issue 17)     */

#define GEN_BUSY_BG 4200u          /* keep-alive GETs held open across the uploads */
#define GEN_BUSY_UPLOADS 12u       /* PUTs to the flagged range while they are open */
#define GEN_BUSY_MOV_BYTES 100000u /* each odd upload's MOV: past 64 KiB in one flow */

/*
 * busy-http: GEN_BUSY_BG studio hosts (10.2.0.1 up, 200 per /24) each open a connection
 * to one of 50 web servers in 198.51.100.0/24 (TEST-NET-2: no list holds it) and send a
 * GET, which stays unanswered; with all of them open, GEN_BUSY_UPLOADS workstations
 * (10.1.2.11 up, one upload each, so no host window counts two) open a connection each
 * (ports 56001 up) to 175.45.176.80..83 in turn, then PUT a file on each: busy_01.psd,
 * busy_02.mov, ... (odd numbers the 12328-byte PSD, even ones a GEN_BUSY_MOV_BYTES ProRes
 * MOV), each answered 201 and closed; then every GET is answered 304 (no body) and
 * closed. At the uploads GEN_BUSY_BG + 1 HTTP flows are open at once. With an oracle
 * path, the uploads are written there as a files TSV (tests/e2e run.py files_tsv).
 */
static void cmd_busy_http(struct gen *g, const struct cmd_args *a)
{
    static const char *const hosts[] = {"175.45.176.80", "175.45.176.81", "175.45.176.82",
                                        "175.45.176.83"};
    struct gen_host *cl = calloc(GEN_BUSY_BG, sizeof(*cl));
    struct gen_host srv[50], ws[GEN_BUSY_UPLOADS], kp[4];
    struct gen_tcp *bg = calloc(GEN_BUSY_BG, sizeof(*bg));
    struct gen_tcp up[GEN_BUSY_UPLOADS];
    struct gen_path p;
    struct gbuf mov = { 0 };
    FILE *tsv = NULL;
    char addr[64], uri[96], name[32];
    size_t i;

    if (cl == NULL || bg == NULL) {
        gen_fail(g, "out of memory");
        goto out;
    }
    if (a->oracle != NULL) {
        tsv = fopen(a->oracle, "w");
        if (tsv == NULL) {
            gen_fail(g, a->oracle);
            goto out;
        }
        fprintf(tsv, "flow\tapp_proto\tfilename\tsize\tsha256\tdirection\ttransfer\ttruncated"
                     "\tcredentials\tnotes\n");
    }
    for (i = 0; i < 50; i++) {
        gen_snprintf(g, addr, sizeof(addr), "198.51.100.%zu", i + 1);
        host_init(g, &srv[i], addr, 0, 52);
    }
    for (i = 0; i < GEN_BUSY_UPLOADS; i++) {
        gen_snprintf(g, addr, sizeof(addr), "10.1.2.%zu", 11 + i);
        host_init(g, &ws[i], addr, 1, 128);
    }
    for (i = 0; i < 4; i++)
        host_init(g, &kp[i], hosts[i], 0, 46);
    build_mov_n(&mov, g, GEN_BUSY_MOV_BYTES);
    for (i = 0; i < GEN_BUSY_BG; i++) {
        struct gbuf req = { 0 };

        gen_snprintf(g, addr, sizeof(addr), "10.2.%zu.%zu", i / 200, i % 200 + 1);
        host_init(g, &cl[i], addr, 1, 128);
        path_init(&p, &cl[i], (uint16_t)(40000 + i % 20000), &srv[i % 50], 80, NULL);
        gen_tcp_init(&bg[i], g, &p, GEN_MS);
        gen_tcp_open(&bg[i]);
        gen_snprintf(g, uri, sizeof(uri), "/assets/%zu.json", i);
        gen_snprintf(g, addr, sizeof(addr), "198.51.100.%zu", i % 50 + 1);
        build_http_request(&req, "GET", uri, addr, "", NULL, NULL);
        gen_tcp_send_buf(&bg[i], GEN_C2S, &req);
        gbufs_done(g, &req, 1);
    }
    for (i = 0; i < GEN_BUSY_UPLOADS; i++) {
        path_init(&p, &ws[i], (uint16_t)(56001 + i), &kp[i % 4], 80, NULL);
        gen_tcp_init(&up[i], g, &p, 2 * GEN_MS);
        gen_tcp_open(&up[i]);
    }
    for (i = 0; i < GEN_BUSY_UPLOADS; i++) {
        struct gbuf req = { 0 };
        int is_mov = (i & 1) != 0;

        gen_snprintf(g, name, sizeof(name), "busy_%02zu.%s", i + 1, is_mov ? "mov" : "psd");
        gen_snprintf(g, uri, sizeof(uri), "/dav/ep07/%s", name);
        if (is_mov)
            build_http_request(&req, "PUT", uri, hosts[i % 4],
                               "Authorization: " GEN_HTTP_AUTH "\r\n", "video/quicktime", &mov);
        else
            build_psd_put(&req, hosts[i % 4], uri, "Authorization: " GEN_HTTP_AUTH "\r\n",
                          "image/vnd.adobe.photoshop");
        http_exchange(&up[i], &req, "201 Created", NULL);
        gen_tcp_close(&up[i], GEN_C2S);
        gbufs_done(g, &req, 1);
        if (tsv != NULL)
            fprintf(tsv, "10.1.2.%zu:%zu -> %s:80\thttp\t%s\t%u\t-\ttoserver\tupload\tno\t"
                         "Authorization: " GEN_HTTP_AUTH "\tPUT %s while %u GETs are open "
                         "(named by its URI path, as Suricata names it); 201 Created\n",
                    11 + i, 56001 + i, hosts[i % 4], uri, is_mov ? GEN_BUSY_MOV_BYTES : 12328u, uri,
                    GEN_BUSY_BG);
    }
    for (i = 0; i < GEN_BUSY_BG; i++) {
        struct gbuf r = { 0 };

        build_http_status(&r, g, "304 Not Modified", NULL);
        gen_tcp_send_buf(&bg[i], GEN_S2C, &r);
        gbufs_done(g, &r, 1);
        gen_tcp_close(&bg[i], GEN_C2S);
    }
out:
    if (tsv != NULL && fclose(tsv) != 0)
        gen_fail(g, a->oracle);
    gbufs_done(g, &mov, 1);
    free(bg);
    free(cl);
}

/* ---------------------------------------------------------------------------------- */
/* SMTP (smtp-upload): mail with production files attached                              */

/* RFC 2045 6.8 base64 in lines of 76 characters, each ending in CRLF. */
static void gb_base64(struct gbuf *b, const uint8_t *p, size_t n)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t col = 0;

    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        char q[4] = { al[v >> 18 & 63], al[v >> 12 & 63], i + 1 < n ? al[v >> 6 & 63] : '=',
                      i + 2 < n ? al[v & 63] : '=' };

        gb_put(b, q, 4);
        col += 4;
        if (col == 76 || i + 3 >= n) {
            gb_str(b, "\r\n");
            col = 0;
        }
    }
}

/* RFC 2045 6.7 quoted-printable that keeps every byte: "=" and bytes outside 33..126
 * (but SP and TAB before a printable byte) as =XX, LF included, so lines are only soft
 * breaks ("=" CRLF) before 76 columns, the last one too: the decoded body is exactly p. */
static void gb_qp(struct gbuf *b, const uint8_t *p, size_t n)
{
    size_t col = 0;

    for (size_t i = 0; i < n; i++) {
        int blank_ok = (p[i] == ' ' || p[i] == '\t') && i + 1 < n && p[i + 1] > 32 &&
                       p[i + 1] < 127;
        char e[4];

        if ((p[i] >= 33 && p[i] <= 126 && p[i] != '=') || blank_ok)
            snprintf(e, sizeof(e), "%c", p[i]);
        else
            snprintf(e, sizeof(e), "=%02X", p[i]);
        if (col + strlen(e) > 75) {
            gb_str(b, "=\r\n");
            col = 0;
        }
        gb_str(b, e);
        col += strlen(e);
    }
    gb_str(b, "=\r\n");
}

/* RFC 5321 4.5.2: a line of the message starting with "." gets one more. */
static void gb_dot_stuff(struct gbuf *out, const struct gbuf *in)
{
    for (size_t i = 0; i < in->len; i++) {
        if (in->p[i] == '.' && (i == 0 || in->p[i - 1] == '\n'))
            gb_put(out, ".", 1);
        gb_put(out, in->p + i, 1);
    }
}

static void smtp_say(struct gen_tcp *s, const char *cmd, const char *reply)
{
    gen_tcp_send_str(s, GEN_C2S, cmd);
    gen_tcp_send_str(s, GEN_S2C, reply);
}

/*
 * smtp-upload: 10.20.30.40 mails two production files to a server in 175.45.176.0/22
 * (the demo's flagged range) on port 25. Message 1 goes with DATA (RFC 5321): a text part
 * holding a line that starts with a dot (sent dot-stuffed) and ep07_bg_forest.psd, the
 * demo's PSD (300040 bytes), in base64, named by Content-Disposition. Message 2 goes with
 * BDAT (RFC 3030) in chunks of 4000 bytes: ep07_sc012.xstage (20480 bytes) in quoted-
 * printable, named by Content-Type alone. Suricata 7 reports the PSD and not the xstage.
 */
static void cmd_smtp_upload(struct gen *g, const struct cmd_args *a)
{
    struct gbuf f[2] = { { 0 }, { 0 } }, m[3] = { { 0 }, { 0 }, { 0 } };
    struct gen_host ws, mx;
    struct gen_path p;
    struct gen_tcp s;
    char cmd[64];

    (void)a;
    host_init(g, &ws, "10.20.30.40", 1, 128);
    host_init(g, &mx, "175.45.176.25", 0, 46);
    build_psd(&f[0], GEN_PSD_WIDTH, GEN_PSD_HEIGHT);
    build_xstage(&f[1], g);
    gb_str(&m[0], "From: artist@studio.example\r\nTo: drop@example.net\r\n"
                  "Subject: ep07 backgrounds\r\nMIME-Version: 1.0\r\n"
                  "Content-Type: multipart/mixed; boundary=\"=_reel_1\"\r\n\r\n"
                  "--=_reel_1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                  "forest plate attached\r\n.the line above the dot\r\n"
                  "--=_reel_1\r\nContent-Type: image/vnd.adobe.photoshop\r\n"
                  "Content-Transfer-Encoding: base64\r\n"
                  "Content-Disposition: attachment; filename=\"ep07_bg_forest.psd\"\r\n\r\n");
    gb_base64(&m[0], f[0].p, f[0].len);
    gb_str(&m[0], "--=_reel_1--\r\n");
    gb_dot_stuff(&m[1], &m[0]);
    gb_str(&m[1], ".\r\n");
    gb_str(&m[2], "From: artist@studio.example\r\nSubject: sc012\r\nMIME-Version: 1.0\r\n"
                  "Content-Type: application/octet-stream; name=ep07_sc012.xstage\r\n"
                  "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
    gb_qp(&m[2], f[1].p, f[1].len);

    path_init(&p, &ws, 50225, &mx, 25, NULL);
    gen_tcp_init(&s, g, &p, 180 * GEN_MS);
    gen_tcp_open(&s);
    gen_tcp_send_str(&s, GEN_S2C, "220 mx.example.net ESMTP Postfix\r\n");
    smtp_say(&s, "EHLO ws40.studio.example\r\n",
             "250-mx.example.net\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 8BITMIME\r\n");
    smtp_say(&s, "MAIL FROM:<artist@studio.example>\r\n", "250 2.1.0 Ok\r\n");
    smtp_say(&s, "RCPT TO:<drop@example.net>\r\n", "250 2.1.5 Ok\r\n");
    smtp_say(&s, "DATA\r\n", "354 End data with <CR><LF>.<CR><LF>\r\n");
    gen_tcp_send_buf(&s, GEN_C2S, &m[1]);
    gen_tcp_send_str(&s, GEN_S2C, "250 2.0.0 Ok: queued as 4F1A2\r\n");
    smtp_say(&s, "MAIL FROM:<artist@studio.example>\r\n", "250 2.1.0 Ok\r\n");
    smtp_say(&s, "RCPT TO:<drop@example.net>\r\n", "250 2.1.5 Ok\r\n");
    for (size_t off = 0; off < m[2].len; off += 4000) {
        size_t n = m[2].len - off < 4000 ? m[2].len - off : 4000;

        gen_snprintf(g, cmd, sizeof(cmd), "BDAT %zu%s\r\n", n, off + n == m[2].len ? " LAST" : "");
        gen_tcp_send_str(&s, GEN_C2S, cmd);
        gen_tcp_send(&s, GEN_C2S, m[2].p + off, n, NULL);
        gen_tcp_send_str(&s, GEN_S2C, "250 2.0.0 Ok\r\n");
    }
    smtp_say(&s, "QUIT\r\n", "221 2.0.0 Bye\r\n");
    gen_tcp_close(&s, GEN_C2S);
    gbufs_done(g, f, 2);
    gbufs_done(g, m, 3);
}

/* ---------------------------------------------------------------------------------- */
/* Encapsulations (--encap): the same capture as a span or remote span port sees it     */

/*
 * encap_frame wraps the Ethernet frame just built (g->frame, len bytes) into g->eframe
 * and returns the new length, or 0 after gen_fail. The inner packet is unchanged, so a
 * capture and its wrapped twin must give the same flows, files and alerts. Outer
 * addresses are TEST-NET-1: the tunnel runs 192.0.2.201 -> 192.0.2.202 (or
 * 2001:db8::201 -> 2001:db8::202) between MACs 02:00:00:00:02:01 -> 02:00:00:00:02:02.
 */
enum gen_encap {
    GEN_ENCAP_NONE,
    GEN_ENCAP_PPPOE,   /* RFC 2516 session, PPP protocol 0x0021 / 0x0057 */
    GEN_ENCAP_MPLS,    /* RFC 3032, two labels (1000, 2000) over the frame's own link */
    GEN_ENCAP_MPLS_PW, /* RFC 4448 Ethernet pseudowire: label 3000, control word, frame */
    GEN_ENCAP_ERSPAN1, /* GRE 0x88be without sequence number, the frame */
    GEN_ENCAP_ERSPAN2, /* GRE 0x88be with sequence number, 8-byte header, the frame */
    GEN_ENCAP_ERSPAN3, /* GRE 0x22eb, 12-byte header + 8-byte platform sub-header */
    GEN_ENCAP_GENEVE,  /* RFC 8926 on UDP 6081, one 8-byte option, Ethernet payload */
    GEN_ENCAP_TEREDO,  /* RFC 4380 on UDP 3544, origin indication, the IPv6 packet */
    GEN_ENCAP_IPIP,    /* outer IPv4, protocol 4 (RFC 2003) or 41 (RFC 4213) */
    GEN_ENCAP_IP6IP,   /* outer IPv6, next header 4 or 41 (RFC 2473) */
    GEN_ENCAP_CHDLC,   /* DLT_C_HDLC: address 0x0f, control 0, ethertype */
};

static const struct {
    const char *name;
    int dlt;
} gen_encaps[] = {
    [GEN_ENCAP_NONE] = { "none", DLT_EN10MB },
    [GEN_ENCAP_PPPOE] = { "pppoe", DLT_EN10MB },
    [GEN_ENCAP_MPLS] = { "mpls", DLT_EN10MB },
    [GEN_ENCAP_MPLS_PW] = { "mpls-pw", DLT_EN10MB },
    [GEN_ENCAP_ERSPAN1] = { "erspan1", DLT_EN10MB },
    [GEN_ENCAP_ERSPAN2] = { "erspan2", DLT_EN10MB },
    [GEN_ENCAP_ERSPAN3] = { "erspan3", DLT_EN10MB },
    [GEN_ENCAP_GENEVE] = { "geneve", DLT_EN10MB },
    [GEN_ENCAP_TEREDO] = { "teredo", DLT_EN10MB },
    [GEN_ENCAP_IPIP] = { "ipip", DLT_EN10MB },
    [GEN_ENCAP_IP6IP] = { "ip6ip", DLT_EN10MB },
    [GEN_ENCAP_CHDLC] = { "chdlc", 104 }, /* DLT_C_HDLC */
};

#define GEN_ENCAP_N (int)(sizeof(gen_encaps) / sizeof(gen_encaps[0]))

static int encap_parse(const char *name)
{
    for (int i = 1; i < GEN_ENCAP_N; i++)
        if (strcmp(name, gen_encaps[i].name) == 0)
            return i;
    return -1;
}

static int encap_dlt(int encap)
{
    return encap > 0 && encap < GEN_ENCAP_N ? gen_encaps[encap].dlt : DLT_EN10MB;
}

/* Outer Ethernet II between the tunnel end points; returns the next offset. */
static size_t encap_outer_eth(uint8_t *o, uint16_t type)
{
    static const uint8_t dst[6] = { 0x02, 0x00, 0x00, 0x00, 0x02, 0x02 };
    static const uint8_t src[6] = { 0x02, 0x00, 0x00, 0x00, 0x02, 0x01 };

    memcpy(o, dst, 6);
    memcpy(o + 6, src, 6);
    wr16(o + 12, type);
    return 14;
}

/* Outer IPv4 (RFC 791, no options, checksum set) carrying l4_len bytes of proto. */
static size_t encap_outer_ipv4(struct gen *g, uint8_t *ip, uint8_t proto, size_t l4_len)
{
    static const uint8_t src[4] = { 192, 0, 2, 201 }, dst[4] = { 192, 0, 2, 202 };

    ip[0] = 0x45;
    ip[1] = 0;
    wr16(ip + 2, (uint32_t)(20 + l4_len));
    wr16(ip + 4, (uint32_t)(g->pkts & 0xffff));
    wr16(ip + 6, 0x4000);
    ip[8] = 64;
    ip[9] = proto;
    wr16(ip + 10, 0);
    memcpy(ip + 12, src, 4);
    memcpy(ip + 16, dst, 4);
    wr16(ip + 10, csum_fold(csum_add(0, ip, 20)));
    return 20;
}

/* Outer IPv6 (RFC 8200) with next header nh and payload length plen. */
static size_t encap_outer_ipv6(uint8_t *ip, uint8_t nh, size_t plen)
{
    static const uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 0x02, [15] = 0x01 };
    static const uint8_t dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 0x02, [15] = 0x02 };

    wr32(ip, 0x60000000u);
    wr16(ip + 4, (uint32_t)plen);
    ip[6] = nh;
    ip[7] = 64;
    memcpy(ip + 8, src, 16);
    memcpy(ip + 24, dst, 16);
    return 40;
}

/* Outer UDP (RFC 768) with checksum 0 (none, allowed over IPv4). */
static size_t encap_outer_udp(uint8_t *u, uint16_t sport, uint16_t dport, size_t len)
{
    wr16(u, sport);
    wr16(u + 2, dport);
    wr16(u + 4, (uint32_t)(8 + len));
    wr16(u + 6, 0);
    return 8;
}

/*
 * The header that goes between the outer IPv4/UDP (or GRE) and the mirrored frame, for
 * the tunnels that carry the whole Ethernet frame; returns its length.
 *   ERSPAN II: | Ver 1 | VLAN 0 | COS 0 | En 0 | T 0 | Session 7 | Reserved | Index 0 |
 *   ERSPAN III: | Ver 2 | VLAN 0 | COS | BSO | T | Session 7 | Timestamp | SGT 0 | P 0 |
 *               FT 0 | Hw ID 5 | D 0 | Gra 1 | O 1 | + 8-byte platform sub-header
 *   Geneve: | Ver 0 | Opt Len 2 | O 0 | C 0 | 0x6558 | VNI 4242 | 0 | one option:
 *           class 0x0102, type 0x80, length 1, 4 bytes of data
 */
static size_t encap_tunnel_hdr(struct gen *g, uint8_t *o)
{
    switch (g->encap) {
    case GEN_ENCAP_ERSPAN1:
        wr32(o, 0x000088beu);
        return 4;
    case GEN_ENCAP_ERSPAN2:
        wr32(o, 0x100088beu);
        wr32(o + 4, (uint32_t)g->pkts);
        wr32(o + 8, 0x10000007u);
        wr32(o + 12, 0);
        return 16;
    case GEN_ENCAP_ERSPAN3:
        wr32(o, 0x100022ebu);
        wr32(o + 4, (uint32_t)g->pkts);
        wr32(o + 8, 0x20000007u);
        wr32(o + 12, (uint32_t)(g->now_us & 0xffffffffu));
        wr32(o + 16, (5u << 4) | (1u << 1) | 1u);
        memset(o + 20, 0, 8);
        wr16(o + 20, 3); /* platform id 3 in the sub-header's first bits */
        return 28;
    default: /* GEN_ENCAP_GENEVE */
        wr32(o, 0x02006558u);
        wr32(o + 4, 4242u << 8);
        wr32(o + 8, 0x01028001u);
        wr32(o + 12, 0x5245454cu); /* "REEL" */
        return 16;
    }
}

static size_t encap_frame(struct gen *g, size_t len)
{
    uint8_t *f = g->frame, *o = g->eframe;
    size_t l2 = 12, n = 0, l3len, hdr;
    uint16_t et;

    while (l2 + 4 <= len && (f[l2] << 8 | f[l2 + 1]) != 0x0800 &&
           (f[l2] << 8 | f[l2 + 1]) != 0x86dd)
        l2 += 4; /* 802.1Q / 802.1ad tags */
    et = (uint16_t)(f[l2] << 8 | f[l2 + 1]);
    l2 += 2;
    l3len = len - l2;
    if (len + 80 > sizeof(g->eframe)) {
        gen_fail(g, "encap: frame too large to wrap");
        return 0;
    }
    switch (g->encap) {
    case GEN_ENCAP_PPPOE:
        memcpy(o, f, l2 - 2);
        n = l2 - 2;
        wr16(o + n, 0x8864);
        o[n + 2] = 0x11; /* version 1, type 1 */
        o[n + 3] = 0x00; /* code: session data */
        wr16(o + n + 4, 0x2a);
        wr16(o + n + 6, (uint32_t)(l3len + 2));
        wr16(o + n + 8, et == 0x0800 ? 0x0021 : 0x0057);
        n += 10;
        break;
    case GEN_ENCAP_MPLS:
        memcpy(o, f, l2 - 2);
        n = l2 - 2;
        wr16(o + n, 0x8847);
        wr32(o + n + 2, (1000u << 12) | 64u);
        wr32(o + n + 6, (2000u << 12) | 0x100u | 64u);
        n += 10;
        break;
    case GEN_ENCAP_MPLS_PW:
        n = encap_outer_eth(o, 0x8847);
        wr32(o + n, (3000u << 12) | 0x100u | 64u);
        wr32(o + n + 4, 0); /* control word: 0000, flags 0, sequence 0 */
        memcpy(o + n + 8, f, len);
        return n + 8 + len;
    case GEN_ENCAP_ERSPAN1:
    case GEN_ENCAP_ERSPAN2:
    case GEN_ENCAP_ERSPAN3:
        n = encap_outer_eth(o, 0x0800);
        hdr = encap_tunnel_hdr(g, o + n + 20);
        n += encap_outer_ipv4(g, o + n, 47, hdr + len);
        memcpy(o + n + hdr, f, len);
        return n + hdr + len;
    case GEN_ENCAP_GENEVE:
        n = encap_outer_eth(o, 0x0800);
        hdr = encap_tunnel_hdr(g, o + n + 28);
        n += encap_outer_ipv4(g, o + n, 17, 8 + hdr + len);
        n += encap_outer_udp(o + n, 49152, 6081, hdr + len);
        memcpy(o + n + hdr, f, len);
        return n + hdr + len;
    case GEN_ENCAP_TEREDO:
        if (et != 0x86dd) {
            gen_fail(g, "encap teredo: only IPv6 packets ride in Teredo");
            return 0;
        }
        n = encap_outer_eth(o, 0x0800);
        n += encap_outer_ipv4(g, o + n, 17, 8 + 8 + l3len);
        n += encap_outer_udp(o + n, 3544, 3544, 8 + l3len);
        wr16(o + n, 0);                      /* origin indication */
        wr16(o + n + 2, 3544 ^ 0xffff);      /* origin port, obfuscated */
        wr32(o + n + 4, 0xc0000265u ^ 0xffffffffu); /* origin 192.0.2.101, obfuscated */
        n += 8;
        break;
    case GEN_ENCAP_IPIP:
        n = encap_outer_eth(o, 0x0800);
        n += encap_outer_ipv4(g, o + n, et == 0x0800 ? 4 : 41, l3len);
        break;
    case GEN_ENCAP_IP6IP:
        n = encap_outer_eth(o, 0x86dd);
        n += encap_outer_ipv6(o + n, et == 0x0800 ? 4 : 41, l3len);
        break;
    default: /* GEN_ENCAP_CHDLC */
        if (l2 != 14) {
            gen_fail(g, "encap chdlc: VLAN tags have no place on a Cisco HDLC link");
            return 0;
        }
        o[0] = 0x0f;
        o[1] = 0x00;
        wr16(o + 2, et);
        n = 4;
        break;
    }
    memcpy(o + n, f + l2, l3len);
    return n + l3len;
}

/* ---------------------------------------------------------------------------------- */
/* main                                                                                */

static void usage(FILE *f)
{
    fprintf(f, "usage: rw_pcapgen demo OUT.pcap\n"
               "       rw_pcapgen flood N OUT.pcap [SEED]   (N <= %llu, SEED default %llu)\n"
               "       rw_pcapgen vlan OUT.pcap\n"
               "       rw_pcapgen ipv6 OUT.pcap\n"
               "       rw_pcapgen timeouts OUT.pcap\n"
               "       rw_pcapgen evasion OUT.pcap\n"
               "       rw_pcapgen http-upload OUT.pcap\n"
               "       rw_pcapgen http-evasion OUT.pcap\n"
               "       rw_pcapgen ftp OUT.pcap\n"
               "       rw_pcapgen tftp OUT.pcap\n"
               "       rw_pcapgen smb2 OUT.pcap\n"
               "       rw_pcapgen raw OUT.pcap\n"
               "       rw_pcapgen days OUT.pcap\n"
               "       rw_pcapgen parallel OUT.pcap\n"
               "       rw_pcapgen spread OUT.pcap\n"
               "       rw_pcapgen fragments OUT.pcap\n"
               "       rw_pcapgen threshold OUT.pcap\n"
               "       rw_pcapgen busy-http OUT.pcap [ORACLE.tsv]\n"
               "       rw_pcapgen smtp-upload OUT.pcap\n"
               "Writes a deterministic capture (Ethernet, pcap); see pcaps/README.md.\n"
               "Any of these may start with --encap KIND to wrap every frame in KIND: pppoe,\n"
               "  mpls, mpls-pw, erspan1, erspan2, erspan3, geneve, teredo (IPv6 packets\n"
               "  only), ipip (IPv4 outer), ip6ip (IPv6 outer), chdlc (Cisco HDLC link type).\n",
            (unsigned long long)GEN_FLOOD_MAX, (unsigned long long)GEN_FLOOD_SEED);
}

/* Decimal or 0x-hex, digits only, within [0, max]; 0 or -1. */
static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    char *end = NULL;
    unsigned long long v;

    if (s[0] < '0' || s[0] > '9')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 0);
    if (errno != 0 || end == s || *end != '\0' || v > max)
        return -1;
    *out = v;
    return 0;
}

static int run(void (*cmd)(struct gen *, const struct cmd_args *), const char *path,
               const struct cmd_args *a, uint64_t seed)
{
    struct gen *g = gen_open_dlt(path, seed, encap_dlt(a->encap));
    uint64_t pkts;

    if (g == NULL)
        return 1;
    g->encap = a->encap;
    cmd(g, a);
    pkts = g->pkts;
    if (gen_close(g) != 0) {
        unlink(path);
        return 1;
    }
    printf("rw_pcapgen: wrote %llu packets to %s\n", (unsigned long long)pkts, path);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*fn)(struct gen *, const struct cmd_args *);
    } simple[] = {
        { "demo", cmd_demo },         { "vlan", cmd_vlan },       { "ipv6", cmd_ipv6 },
        { "timeouts", cmd_timeouts }, { "evasion", cmd_evasion },
        { "http-upload", cmd_http_upload }, { "http-evasion", cmd_http_evasion },
        { "ftp", cmd_ftp },           { "tftp", cmd_tftp },       { "smb2", cmd_smb2 },
        { "raw", cmd_raw },           { "days", cmd_days },       { "parallel", cmd_parallel },
        { "spread", cmd_spread },
        { "fragments", cmd_fragments }, { "threshold", cmd_threshold },
        { "smtp-upload", cmd_smtp_upload },
    };
    struct cmd_args a = { 0, GEN_FLOOD_SEED, NULL, GEN_ENCAP_NONE };
    size_t i;

    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "--encap") == 0) {
        a.encap = encap_parse(argv[2]);
        if (a.encap < 0) {
            fprintf(stderr, "rw_pcapgen: unknown encapsulation '%s'\n", argv[2]);
            usage(stderr);
            return 2;
        }
        argc -= 2;
        argv += 2;
    }
    for (i = 0; argc == 3 && i < sizeof(simple) / sizeof(simple[0]); i++)
        if (strcmp(argv[1], simple[i].name) == 0)
            return run(simple[i].fn, argv[2], &a, GEN_SEED);
    if ((argc == 3 || argc == 4) && strcmp(argv[1], "busy-http") == 0) {
        a.oracle = argc == 4 ? argv[3] : NULL;
        return run(cmd_busy_http, argv[2], &a, GEN_SEED);
    }
    if ((argc == 4 || argc == 5) && strcmp(argv[1], "flood") == 0 &&
        parse_u64(argv[2], GEN_FLOOD_MAX, &a.n) == 0 &&
        (argc == 4 || parse_u64(argv[4], UINT64_MAX, &a.seed) == 0))
        return run(cmd_flood, argv[3], &a, a.seed);
    usage(stderr);
    return 2;
}
