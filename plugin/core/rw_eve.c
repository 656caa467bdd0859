/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_eve.c — EVE JSON records (flow, fileinfo, stats, common header), streamed. */
#include "rw_eve.h"

#include <gcrypt.h>
#include <jansson.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#define EVE_IPPROTO_SCTP 132

/* The last second whose year still has four digits (9999-12-31T23:59:59Z): the schema's
 * timestamp pattern wants exactly four. */
#define EVE_TS_MAX_SEC INT64_C(253402300799)

/* What rw_eve_timestamp writes, digits aside (31 characters and the NUL). */
#define EVE_TS_TEMPLATE "0000-00-00T00:00:00.000000+0000"

/* "00".."99": two digits per table read instead of a division per digit. */
static const char eve_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Writes v (0..99) as two digits at p. */
static void eve_2digits(char *p, unsigned v)
{
    memcpy(p, eve_pairs + 2 * v, 2);
}

/*
 * Every record carries a timestamp, and gmtime_r + snprintf cost about 3,600 instructions
 * each (4% of a default-output run): the civil date is computed from the day number
 * instead (the days-to-civil algorithm for the proleptic Gregorian calendar, as in
 * Howard Hinnant's date algorithms), and the digits are written directly.
 */
void rw_eve_timestamp(uint64_t ts_us, char *buf, size_t len)
{
    uint64_t sec = ts_us / 1000000;
    unsigned usec = (unsigned)(ts_us % 1000000);
    uint64_t days, z, era, doe, yoe, doy, mp, sod;
    unsigned y, m, d;

    if (buf == NULL || len == 0)
        return;
    buf[0] = '\0';
    if (len < sizeof(EVE_TS_TEMPLATE))
        return; /* nothing partial */
    /* Hostile captures can carry any 64-bit time: clamp rather than write a 6-digit year. */
    if (sec > (uint64_t)EVE_TS_MAX_SEC) {
        sec = (uint64_t)EVE_TS_MAX_SEC;
        usec = 999999;
    }
    days = sec / 86400;
    sod = sec % 86400;
    z = days + 719468;                 /* days since 0000-03-01 */
    era = z / 146097;
    doe = z - era * 146097;            /* [0, 146096] */
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;          /* March = 0 */
    d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    y = (unsigned)(yoe + era * 400 + (m <= 2));
    memcpy(buf, EVE_TS_TEMPLATE, sizeof(EVE_TS_TEMPLATE));
    eve_2digits(buf, y / 100);
    eve_2digits(buf + 2, y % 100);
    eve_2digits(buf + 5, m);
    eve_2digits(buf + 8, d);
    eve_2digits(buf + 11, (unsigned)(sod / 3600));
    eve_2digits(buf + 14, (unsigned)(sod / 60 % 60));
    eve_2digits(buf + 17, (unsigned)(sod % 60));
    eve_2digits(buf + 20, usec / 10000);
    eve_2digits(buf + 22, usec / 100 % 100);
    eve_2digits(buf + 24, usec % 100);
}

const char *rw_eve_proto_name(uint8_t proto, char *buf, size_t len)
{
    int n;

    switch (proto) {
    case IPPROTO_TCP:
        return "TCP";
    case IPPROTO_UDP:
        return "UDP";
    case IPPROTO_ICMP:
        return "ICMP";
    case IPPROTO_ICMPV6:
        return "IPv6-ICMP";
    default:
        break;
    }
    if (buf == NULL || len == 0)
        return "";
    n = snprintf(buf, len, "%u", (unsigned)proto);
    if (n < 0 || (size_t)n >= len)
        return "";
    return buf;
}

/*
 * Community ID v1 (https://github.com/corelight/community-id-spec), seed 0:
 *
 *   sha1( seed:16 | saddr:32/128 | daddr:32/128 | proto:8 | 0:8 | sport:16 | dport:16 )
 *
 * all big-endian, ports only for TCP, UDP, SCTP, ICMP and ICMPv6, endpoints ordered so the
 * smaller address (then port) comes first. ICMP "ports" follow Zeek via pycommunityid:
 * a request/reply type maps to (type, counterpart type) and is two-way; any other type
 * maps to (type, code), is one-way and is never reordered.
 *
 * Written here with libgcrypt rather than nDPI's ndpi_flowv4_flow_hash: rw_classify is
 * the only module that calls nDPI, and nDPI's function wants IPv4 addresses and ports in
 * host byte order, which its header does not say (network order silently gives wrong
 * ids). The unit tests check both against the spec's vectors.
 */
static int eve_icmp_counterpart(uint8_t proto, uint8_t type, uint8_t *other)
{
    /* Pairs of {type, counterpart} (pycommunityid icmp.py and icmp6.py). */
    static const uint8_t v4[][2] = {
        {8, 0}, {0, 8},     /* echo, echo reply */
        {13, 14}, {14, 13}, /* timestamp, timestamp reply */
        {15, 16}, {16, 15}, /* information request, reply */
        {10, 9}, {9, 10},   /* router solicitation, advertisement */
        {17, 18}, {18, 17}, /* address mask request, reply */
    };
    static const uint8_t v6[][2] = {
        {128, 129}, {129, 128}, /* echo request, reply */
        {130, 131}, {131, 130}, /* MLD listener query, report */
        {133, 134}, {134, 133}, /* router solicitation, advertisement */
        {135, 136}, {136, 135}, /* neighbor solicitation, advertisement */
        {139, 140}, {140, 139}, /* node information (WRU) query, reply */
        {144, 145}, {145, 144}, /* home agent address discovery request, reply */
    };
    const uint8_t(*tab)[2] = proto == IPPROTO_ICMP ? v4 : v6;
    size_t n = proto == IPPROTO_ICMP ? sizeof(v4) / sizeof(v4[0]) : sizeof(v6) / sizeof(v6[0]);

    for (size_t i = 0; i < n; i++) {
        if (tab[i][0] == type) {
            *other = tab[i][1];
            return 1;
        }
    }
    return 0;
}

static size_t eve_base64(const uint8_t *in, size_t n, char *out)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;

    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;

        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = b64[v >> 18 & 0x3f];
        out[o++] = b64[v >> 12 & 0x3f];
        out[o++] = (char)(i + 1 < n ? b64[v >> 6 & 0x3f] : '=');
        out[o++] = (char)(i + 2 < n ? b64[v & 0x3f] : '=');
    }
    out[o] = '\0';
    return o;
}

/* "1:" + 28 base64 characters + NUL */
#define EVE_CID_BYTES 31

int rw_eve_community_id(const struct rw_flow_key *key, char *buf, size_t len)
{
    uint8_t in[2 + 16 + 16 + 1 + 1 + 2 + 2];
    uint8_t digest[20];
    const uint8_t *sa, *da;
    size_t alen, n = 0;
    uint16_t sp, dp;
    int ports, swap;

    if (buf == NULL || len < EVE_CID_BYTES)
        return RW_EINVAL;
    buf[0] = '\0';
    if (key == NULL || key->src.family != key->dst.family ||
        (key->src.family != 4 && key->src.family != 6))
        return RW_EINVAL;
    alen = key->src.family == 4 ? 4 : 16;
    sa = key->src.a;
    da = key->dst.a;
    sp = key->sport;
    dp = key->dport;
    ports = key->proto == IPPROTO_TCP || key->proto == IPPROTO_UDP ||
            key->proto == EVE_IPPROTO_SCTP || key->proto == IPPROTO_ICMP ||
            key->proto == IPPROTO_ICMPV6;
    if (key->proto == IPPROTO_ICMP || key->proto == IPPROTO_ICMPV6) {
        uint8_t other;

        if (eve_icmp_counterpart(key->proto, (uint8_t)key->sport, &other)) {
            sp = (uint8_t)key->sport;
            dp = other;
            swap = memcmp(sa, da, alen) > 0 || (memcmp(sa, da, alen) == 0 && sp > dp);
        } else {
            sp = (uint8_t)key->sport; /* type */
            dp = (uint8_t)key->dport; /* code */
            swap = 0;                 /* one-way: direction is part of the id */
        }
    } else {
        swap = memcmp(sa, da, alen) > 0 || (memcmp(sa, da, alen) == 0 && ports && sp > dp);
    }
    if (swap) {
        const uint8_t *ta = sa;
        uint16_t tp = sp;

        sa = da;
        da = ta;
        sp = dp;
        dp = tp;
    }
    in[n++] = 0; /* seed 0, big-endian */
    in[n++] = 0;
    memcpy(in + n, sa, alen);
    n += alen;
    memcpy(in + n, da, alen);
    n += alen;
    in[n++] = key->proto;
    in[n++] = 0;
    if (ports) {
        in[n++] = (uint8_t)(sp >> 8);
        in[n++] = (uint8_t)sp;
        in[n++] = (uint8_t)(dp >> 8);
        in[n++] = (uint8_t)dp;
    }
    gcry_md_hash_buffer(GCRY_MD_SHA1, digest, in, n);
    buf[0] = '1';
    buf[1] = ':';
    eve_base64(digest, sizeof(digest), buf + 2);
    return 0;
}

/* A string field from a bounded, maybe unterminated array or a host's C string. */
static void eve_str(struct rw_json *j, const char *key, const char *s, size_t max)
{
    rw_json_str(j, key, s, strnlen(s, max));
}

int rw_eve_has_ports(uint8_t proto)
{
    return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == EVE_IPPROTO_SCTP;
}

static void eve_header_flow(struct rw_json *j, const struct rw_flow_info *info, int swap)
{
    const struct rw_flow_key *k = &info->key;
    size_t nvlan = k->nvlan > RW_VLAN_MAX_LAYERS ? RW_VLAN_MAX_LAYERS : k->nvlan;
    char a0[INET6_ADDRSTRLEN], a1[INET6_ADDRSTRLEN], pbuf[8], cid[EVE_CID_BYTES + 1];
    int n0 = rw_addr_format(&k->src, a0, sizeof(a0));
    int n1 = rw_addr_format(&k->dst, a1, sizeof(a1));
    const char *src = a0, *dst = a1;
    int nsrc = n0, ndst = n1;
    uint16_t sport = k->sport, dport = k->dport;

    if (nvlan > 0) {
        rw_json_array_open(j, "vlan");
        for (size_t i = 0; i < nvlan; i++)
            rw_json_u64(j, NULL, k->vlan[i]);
        rw_json_close(j);
    }
    /* An alert to the client names the sender src: the values change places, the keys
     * keep theirs (and are written only when both sides have one, as before). */
    if (swap && n0 >= 0 && n1 >= 0) {
        src = a1;
        nsrc = n1;
        dst = a0;
        ndst = n0;
    }
    if (swap) {
        sport = k->dport;
        dport = k->sport;
    }
    /* The lengths are known: no strlen again. */
    if (nsrc >= 0)
        rw_json_str(j, "src_ip", src, (size_t)nsrc);
    if (rw_eve_has_ports(k->proto))
        rw_json_u64(j, "src_port", sport);
    if (ndst >= 0)
        rw_json_str(j, "dest_ip", dst, (size_t)ndst);
    if (rw_eve_has_ports(k->proto))
        rw_json_u64(j, "dest_port", dport);
    rw_json_cstr(j, "proto", rw_eve_proto_name(k->proto, pbuf, sizeof(pbuf)));
    if (k->proto == IPPROTO_ICMP || k->proto == IPPROTO_ICMPV6) {
        /* As Suricata: the first packet's type and code instead of ports. */
        rw_json_u64(j, "icmp_type", k->sport);
        rw_json_u64(j, "icmp_code", k->dport);
    }
    if (rw_eve_community_id(k, cid, sizeof(cid)) == 0)
        rw_json_str(j, "community_id", cid, EVE_CID_BYTES - 1);
}

/* Records start with this much buffer: a flow record is about 600 bytes (99% of the
 * bench's records are under 800), an alert with metadata about 1,200; longer ones double
 * it. 1,024 is within glibc's per-thread cache (requests up to 1,032 bytes), which
 * 2,048 was not: each record's buffer came from the main arena's bins. */
#define EVE_REC_INIT_BYTES 1024

struct rw_json *rw_eve_begin(const char *event_type, uint64_t ts_us,
                             const struct rw_flow_info *info, const char *app_proto, int swap)
{
    char ts[RW_EVE_TS_BYTES];
    struct rw_json *j = rw_json_new(EVE_REC_INIT_BYTES);

    if (j == NULL)
        return NULL;
    rw_eve_timestamp(ts_us, ts, sizeof(ts));
    rw_json_object_open(j, NULL);
    rw_json_cstr(j, "timestamp", ts);
    if (info != NULL) {
        /* flow_id is a JSON integer: ids past INT64_MAX keep their low 52 bits. */
        uint64_t id = info->flow_id;

        if (id > (uint64_t)INT64_MAX)
            id &= (UINT64_C(1) << 52) - 1;
        rw_json_u64(j, "flow_id", id);
    }
    rw_json_cstr(j, "event_type", event_type);
    if (info != NULL)
        eve_header_flow(j, info, swap);
    if (app_proto != NULL && app_proto[0] != '\0')
        eve_str(j, "app_proto", app_proto, RW_PROTO_NAME_MAX_BYTES);
    return j;
}

struct rw_json *rw_eve_end(struct rw_json *j)
{
    if (j == NULL)
        return NULL;
    rw_json_close(j);
    if (rw_json_error(j) != 0 || j->depth != 0) {
        rw_json_free(j);
        return NULL;
    }
    return j;
}

static const char *eve_state_name(uint8_t state)
{
    switch (state) {
    case RW_FLOW_NEW:
        return "new";
    case RW_FLOW_ESTABLISHED:
        return "established";
    case RW_FLOW_CLOSED:
        return "closed";
    default:
        return NULL;
    }
}

static const char *eve_reason_name(uint8_t reason)
{
    switch (reason) {
    case RW_END_TIMEOUT:
        return "timeout";
    case RW_END_FORCED:
        return "forced";
    case RW_END_SHUTDOWN:
        return "shutdown";
    default:
        return NULL;
    }
}

static void eve_flow_object(struct rw_json *j, const struct rw_flow_info *info, int alerted)
{
    char start[RW_EVE_TS_BYTES], end[RW_EVE_TS_BYTES];
    uint64_t s0 = info->start_us / 1000000, s1 = info->last_us / 1000000;

    rw_eve_timestamp(info->start_us, start, sizeof(start));
    rw_eve_timestamp(info->last_us, end, sizeof(end));
    rw_json_object_open(j, "flow");
    rw_json_u64(j, "pkts_toserver", info->pkts[RW_TOSERVER]);
    rw_json_u64(j, "pkts_toclient", info->pkts[RW_TOCLIENT]);
    rw_json_u64(j, "bytes_toserver", info->bytes[RW_TOSERVER]);
    rw_json_u64(j, "bytes_toclient", info->bytes[RW_TOCLIENT]);
    rw_json_cstr(j, "start", start);
    rw_json_cstr(j, "end", end);
    /* Suricata's age: whole seconds of the last packet minus those of the first. */
    rw_json_u64(j, "age", s1 > s0 ? s1 - s0 : 0);
    rw_json_cstr(j, "state", eve_state_name(info->state));
    rw_json_cstr(j, "reason", eve_reason_name(info->reason));
    rw_json_bool(j, "alerted", alerted);
    rw_json_close(j);
}

static void eve_tcp_object(struct rw_json *j, const struct rw_flow_info *info)
{
    /* Suricata's EveTcpFlags order; "ecn" is the ECE bit. */
    static const struct {
        uint8_t bit;
        const char *name;
    } flags[] = {
        {RW_TCP_SYN, "syn"}, {RW_TCP_FIN, "fin"}, {RW_TCP_RST, "rst"}, {RW_TCP_PSH, "psh"},
        {RW_TCP_ACK, "ack"}, {RW_TCP_URG, "urg"}, {RW_TCP_ECE, "ecn"}, {RW_TCP_CWR, "cwr"},
    };
    static const char hex[] = "0123456789abcdef";
    uint8_t v[3] = {(uint8_t)(info->tcp_flags[RW_TOSERVER] | info->tcp_flags[RW_TOCLIENT]),
                    info->tcp_flags[RW_TOSERVER], info->tcp_flags[RW_TOCLIENT]};
    static const char *const names[3] = {"tcp_flags", "tcp_flags_ts", "tcp_flags_tc"};

    rw_json_object_open(j, "tcp");
    for (size_t i = 0; i < 3; i++) {
        char s[2] = {hex[v[i] >> 4], hex[v[i] & 0x0F]};

        rw_json_str(j, names[i], s, 2);
    }
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        if (v[0] & flags[i].bit)
            rw_json_bool(j, flags[i].name, 1);
    }
    if (info->tcp_state != NULL)
        eve_str(j, "state", info->tcp_state, RW_PROTO_NAME_MAX_BYTES);
    rw_json_close(j);
}

static void eve_ndpi_object(struct rw_json *j, const struct rw_cls_result *cls)
{
    const char *names[RW_RISKS_MAX];
    size_t nrisks = cls->risk == 0 ? 0 : rw_classify_risk_names(cls->risk, names, RW_RISKS_MAX);

    rw_json_object_open(j, "ndpi");
    eve_str(j, "protocol", cls->proto, sizeof(cls->proto));
    eve_str(j, "category", cls->category, sizeof(cls->category));
    if (cls->host[0] != '\0')
        eve_str(j, "hostname", cls->host, sizeof(cls->host));
    if (nrisks > 0) {
        rw_json_array_open(j, "risks");
        for (size_t i = 0; i < nrisks && i < RW_RISKS_MAX; i++)
            eve_str(j, NULL, names[i], RW_PROTO_NAME_MAX_BYTES);
        rw_json_close(j);
    }
    rw_json_bool(j, "guessed", cls->guessed);
    rw_json_close(j);
}

struct rw_json *rw_eve_flow_record(const struct rw_flow_info *info,
                                   const struct rw_cls_result *cls, int alerted)
{
    const char *app = info->app_proto;
    struct rw_json *j;

    if (cls != NULL && cls->app_proto[0] != '\0')
        app = cls->app_proto;
    j = rw_eve_begin("flow", info->last_us, info, app, 0);
    if (j == NULL)
        return NULL;
    /* Payload byte counts (info->payload) have no place in Suricata's flow object, whose
     * additionalProperties is false: they are not written. */
    eve_flow_object(j, info, alerted);
    if (info->key.proto == IPPROTO_TCP)
        eve_tcp_object(j, info);
    if (cls != NULL)
        eve_ndpi_object(j, cls);
    return rw_eve_end(j);
}

struct rw_json *rw_eve_anomaly_record(const struct rw_flow_info *info, uint64_t ts_us,
                                      const char *app_proto, const char *event)
{
    struct rw_json *j = rw_eve_begin("anomaly", ts_us, info, NULL, 0);

    if (j == NULL)
        return NULL;
    rw_json_object_open(j, "anomaly");
    rw_json_str(j, "app_proto", app_proto, strnlen(app_proto, RW_PROTO_NAME_MAX_BYTES));
    rw_json_cstr(j, "type", "applayer");
    rw_json_str(j, "event", event, strnlen(event, RW_PROTO_NAME_MAX_BYTES));
    rw_json_cstr(j, "layer", "proto_parser");
    rw_json_close(j);
    return rw_eve_end(j);
}

const char *rw_eve_file_state_name(uint8_t state)
{
    switch (state) {
    case RW_FILE_CLOSED:
        return "CLOSED";
    case RW_FILE_TRUNCATED:
        return "TRUNCATED";
    default:
        return "OPEN";
    }
}

/*
 * The transfer behind a file, under the protocol's own EVE object as Suricata names its
 * fields: http {http_method, hostname, url}, ftp_data {command, filename}, tftp {packet,
 * file, mode}, smb {command, filename}. Other protocols get nothing.
 */
static void eve_file_transfer(struct rw_json *j, const struct rw_file_event *ev)
{
    const char *ap = ev->app_proto;

    if (ap == NULL)
        return;
    if (strcmp(ap, "http") == 0) {
        rw_json_object_open(j, "http");
        rw_json_cstr(j, "http_method", ev->method);
        rw_json_cstr(j, "hostname", ev->host);
        rw_json_cstr(j, "url", ev->uri);
        rw_json_close(j);
    } else if (ev->filename != NULL && strcmp(ap, "ftp-data") == 0) {
        rw_json_object_open(j, "ftp_data");
        rw_json_cstr(j, "command", ev->method);
        rw_json_str(j, "filename", ev->filename, ev->filename_len);
        rw_json_close(j);
    } else if (ev->filename != NULL && strcmp(ap, "tftp") == 0) {
        rw_json_object_open(j, "tftp");
        if (ev->method != NULL)
            rw_json_cstr(j, "packet", strcmp(ev->method, "WRQ") == 0 ? "write" : "read");
        rw_json_str(j, "file", ev->filename, ev->filename_len);
        rw_json_cstr(j, "mode", ev->mode);
        rw_json_close(j);
    } else if (ev->filename != NULL && strcmp(ap, "smb") == 0) {
        rw_json_object_open(j, "smb");
        rw_json_cstr(j, "command", ev->method);
        rw_json_str(j, "filename", ev->filename, ev->filename_len);
        rw_json_close(j);
    }
}

struct rw_json *rw_eve_fileinfo_record(const struct rw_flow_info *info,
                                       const struct rw_file_event *ev)
{
    struct rw_json *j = rw_eve_begin("fileinfo", ev->ts_us, info, ev->app_proto, 0);

    if (j == NULL)
        return NULL;
    rw_json_cstr(j, "direction", ev->dir == RW_TOSERVER ? "to_server" : "to_client");
    rw_json_object_open(j, "fileinfo");
    if (ev->filename != NULL)
        rw_json_str(j, "filename", ev->filename, ev->filename_len);
    rw_json_cstr(j, "magic", ev->magic);
    rw_json_bool(j, "gaps", ev->gaps);
    rw_json_cstr(j, "state", rw_eve_file_state_name(ev->state));
    rw_json_bool(j, "stored", 0);
    rw_json_u64(j, "size", ev->size);
    if (ev->sha256 != NULL) {
        static const char hexd[] = "0123456789abcdef";
        char hex[64];

        for (size_t i = 0; i < 32; i++) {
            hex[2 * i] = hexd[ev->sha256[i] >> 4];
            hex[2 * i + 1] = hexd[ev->sha256[i] & 0x0F];
        }
        rw_json_str(j, "sha256", hex, sizeof(hex));
    }
    rw_json_close(j);
    eve_file_transfer(j, ev);
    return rw_eve_end(j);
}

/*
 * Adds one counter under stats. Returns 0 when added or skipped (empty path, empty or
 * non-UTF-8 component, or a path through or onto a value of the other kind), -1 on OOM.
 * Objects are created only past the last existing node, so a skipped path leaves
 * nothing behind. Stats records are rare (one per interval): their nesting is still
 * worked out in a jansson tree, then written with the others' writer.
 */
static int eve_stats_add(json_t *stats, const char *path, uint64_t value)
{
    json_t *node = stats;
    const char *p = path;

    if (path == NULL || path[0] == '\0' || !rw_json_utf8_valid(path, strlen(path)))
        return 0;
    /* Validate the whole path first: creation below must not fail half-way. */
    for (const char *c = path;;) {
        const char *dot = strchr(c, '.');
        size_t n = dot == NULL ? strlen(c) : (size_t)(dot - c);

        if (n == 0)
            return 0;
        if (dot == NULL)
            break;
        c = dot + 1;
    }
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot == NULL ? strlen(p) : (size_t)(dot - p);
        json_t *child = json_object_getn(node, p, n);

        if (dot == NULL) {
            uint64_t old;

            if (child == NULL) {
                json_t *v = json_integer(value > (uint64_t)INT64_MAX ? INT64_MAX
                                                                     : (json_int_t)value);

                return json_object_setn_new_nocheck(node, p, n, v) == 0 ? 0 : -1;
            }
            if (!json_is_integer(child))
                return 0; /* the path names an object here */
            old = (uint64_t)json_integer_value(child);
            old = old > UINT64_MAX - value ? UINT64_MAX : old + value;
            json_integer_set(child, old > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)old);
            return 0;
        }
        if (child == NULL) {
            child = json_object();
            if (json_object_setn_new_nocheck(node, p, n, child) != 0)
                return -1;
        } else if (!json_is_object(child)) {
            return 0; /* the path runs through a value */
        }
        node = child;
        p = dot + 1;
    }
}

/* Writes the members of a stats object (objects and integers only), in insertion order. */
static void eve_stats_write(struct rw_json *j, json_t *obj)
{
    const char *key;
    json_t *v;

    json_object_foreach(obj, key, v) {
        if (json_is_object(v)) {
            rw_json_object_open(j, key);
            eve_stats_write(j, v);
            rw_json_close(j);
        } else {
            rw_json_u64(j, key, (uint64_t)json_integer_value(v));
        }
    }
}

int rw_eve_stats_into(struct rw_json *j, uint64_t ts_us, const struct rw_counter *c, size_t n)
{
    char ts[RW_EVE_TS_BYTES];
    json_t *stats = json_object();
    int rc = 0;

    rw_json_reset(j);
    if (stats == NULL)
        return RW_ENOMEM;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = eve_stats_add(stats, c[i].path, c[i].value);
    if (rc != 0) {
        rc = RW_ENOMEM;
        goto out;
    }
    rw_eve_timestamp(ts_us, ts, sizeof(ts));
    rw_json_object_open(j, NULL);
    rw_json_cstr(j, "timestamp", ts);
    rw_json_cstr(j, "event_type", "stats");
    rw_json_object_open(j, "stats");
    eve_stats_write(j, stats);
    rw_json_close(j);
    rw_json_close(j);
    rc = rw_json_error(j);
out:
    json_decref(stats);
    return rc;
}

struct rw_json *rw_eve_stats_record(uint64_t ts_us, const struct rw_counter *c, size_t n)
{
    struct rw_json *j = rw_json_new(EVE_REC_INIT_BYTES);

    if (j != NULL && rw_eve_stats_into(j, ts_us, c, n) != 0) {
        rw_json_free(j);
        j = NULL;
    }
    return j;
}

int rw_eve_emit(const struct rw_output *out, struct rw_json *rec)
{
    int rc;

    if (rec == NULL)
        return RW_ENOMEM; /* a builder ran out of memory: emit(out, build(...)) */
    if (out == NULL || out->write == NULL) {
        rc = RW_EINVAL;
        goto out;
    }
    /* A line longer than RW_EVE_LINE_MAX_BYTES is still written: records are bounded by
     * the string limits, and an alert must not be lost to a size check. */
    rc = out->write(out->ctx, rec->buf, rec->len);
out:
    rw_json_free(rec);
    return rc;
}
