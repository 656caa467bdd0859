/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_eve.c — EVE JSON records (flow, stats, common header) built with jansson. */
#include "rw_eve.h"

#include <gcrypt.h>
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

/* Writes v as exactly n decimal digits (zero-padded) at p. */
static void eve_digits(char *p, unsigned v, int n)
{
    while (n-- > 0) {
        p[n] = (char)('0' + v % 10);
        v /= 10;
    }
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
    eve_digits(buf, y, 4);
    eve_digits(buf + 5, m, 2);
    eve_digits(buf + 8, d, 2);
    eve_digits(buf + 11, (unsigned)(sod / 3600), 2);
    eve_digits(buf + 14, (unsigned)(sod / 60 % 60), 2);
    eve_digits(buf + 17, (unsigned)(sod % 60), 2);
    eve_digits(buf + 20, usec, 6);
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

/*
 * The length of the well-formed UTF-8 sequence starting at s (left bytes remain), or 0
 * when s[0] does not start one. RFC 3629 section 4: no overlongs (C0, C1, E0 80..9F,
 * F0 80..8F), no surrogates (ED A0..BF), nothing above U+10FFFF (F4 90.., F5..FF). NUL is
 * refused too, so that it becomes visible "\x00" text.
 */
static size_t eve_utf8_len(const unsigned char *s, size_t left)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xBF;
    size_t n;

    if (c >= 0x01 && c <= 0x7F)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (left < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    }
    return n;
}

json_t *rw_eve_json_string(const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *u = (const unsigned char *)s;
    json_t *js = NULL;
    char *tmp = NULL;
    size_t i = 0, o = 0;

    if (s == NULL)
        return len == 0 ? json_string("") : NULL;
    while (i < len) {
        size_t k = eve_utf8_len(u + i, len - i);

        if (k == 0)
            break;
        i += k;
    }
    if (i == len)
        return json_stringn(s, len); /* the usual case: nothing to replace, no copy */

    /* Each bad byte grows to four characters ("\xNN"). */
    if (len > (SIZE_MAX - 1) / 4)
        return NULL;
    tmp = rw_malloc(len * 4 + 1);
    if (tmp == NULL)
        goto out;
    memcpy(tmp, s, i);
    o = i;
    while (i < len) {
        size_t k = eve_utf8_len(u + i, len - i);

        if (k == 0) {
            tmp[o++] = '\\';
            tmp[o++] = 'x';
            tmp[o++] = hex[u[i] >> 4];
            tmp[o++] = hex[u[i] & 0x0F];
            i++;
        } else {
            memcpy(tmp + o, u + i, k);
            o += k;
            i += k;
        }
    }
    js = json_stringn(tmp, o);
out:
    rw_free(tmp);
    return js;
}

/* A string field from a bounded, maybe unterminated array or a host's C string. */
static json_t *eve_str(const char *s, size_t max)
{
    return rw_eve_json_string(s, strnlen(s, max));
}

/* JSON integers are signed 64-bit: counters past INT64_MAX saturate instead of wrapping. */
static json_t *eve_u64(uint64_t v)
{
    return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}

static int eve_set(json_t *obj, const char *key, json_t *value)
{
    /* Steals value, also on failure (jansson decrefs it); a NULL value fails. */
    return json_object_set_new_nocheck(obj, key, value) == 0 ? 0 : -1;
}

int rw_eve_has_ports(uint8_t proto)
{
    return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == EVE_IPPROTO_SCTP;
}

static int eve_header_flow(json_t *rec, const struct rw_flow_info *info)
{
    const struct rw_flow_key *k = &info->key;
    size_t nvlan = k->nvlan > RW_VLAN_MAX_LAYERS ? RW_VLAN_MAX_LAYERS : k->nvlan;
    char addr[INET6_ADDRSTRLEN], pbuf[8], cid[EVE_CID_BYTES + 1];
    int rc = 0;

    if (nvlan > 0) {
        json_t *arr = json_array();

        for (size_t i = 0; i < nvlan && arr != NULL; i++)
            rc |= json_array_append_new(arr, json_integer(k->vlan[i]));
        rc |= eve_set(rec, "vlan", arr);
    }
    if (rw_addr_format(&k->src, addr, sizeof(addr)) >= 0)
        rc |= eve_set(rec, "src_ip", json_string(addr));
    if (rw_eve_has_ports(k->proto))
        rc |= eve_set(rec, "src_port", json_integer(k->sport));
    if (rw_addr_format(&k->dst, addr, sizeof(addr)) >= 0)
        rc |= eve_set(rec, "dest_ip", json_string(addr));
    if (rw_eve_has_ports(k->proto))
        rc |= eve_set(rec, "dest_port", json_integer(k->dport));
    rc |= eve_set(rec, "proto", json_string(rw_eve_proto_name(k->proto, pbuf, sizeof(pbuf))));
    if (k->proto == IPPROTO_ICMP || k->proto == IPPROTO_ICMPV6) {
        /* As Suricata: the first packet's type and code instead of ports. */
        rc |= eve_set(rec, "icmp_type", json_integer(k->sport));
        rc |= eve_set(rec, "icmp_code", json_integer(k->dport));
    }
    if (rw_eve_community_id(k, cid, sizeof(cid)) == 0)
        rc |= eve_set(rec, "community_id", json_string(cid));
    return rc;
}

json_t *rw_eve_header(const char *event_type, uint64_t ts_us, const struct rw_flow_info *info,
                      const char *app_proto)
{
    char ts[RW_EVE_TS_BYTES];
    json_t *rec = json_object();
    int rc = 0;

    if (rec == NULL)
        return NULL;
    rw_eve_timestamp(ts_us, ts, sizeof(ts));
    rc |= eve_set(rec, "timestamp", json_string(ts));
    if (info != NULL) {
        /* flow_id is a JSON integer: ids past INT64_MAX keep their low 52 bits. */
        uint64_t id = info->flow_id;

        if (id > (uint64_t)INT64_MAX)
            id &= (UINT64_C(1) << 52) - 1;

        rc |= eve_set(rec, "flow_id", json_integer((json_int_t)id));
    }
    rc |= eve_set(rec, "event_type", json_string(event_type));
    if (info != NULL)
        rc |= eve_header_flow(rec, info);
    if (app_proto != NULL && app_proto[0] != '\0')
        rc |= eve_set(rec, "app_proto", eve_str(app_proto, RW_PROTO_NAME_MAX_BYTES));
    if (rc != 0) {
        json_decref(rec);
        return NULL;
    }
    return rec;
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

static json_t *eve_flow_object(const struct rw_flow_info *info, int alerted)
{
    char start[RW_EVE_TS_BYTES], end[RW_EVE_TS_BYTES];
    uint64_t s0 = info->start_us / 1000000, s1 = info->last_us / 1000000;
    const char *state = eve_state_name(info->state);
    const char *reason = eve_reason_name(info->reason);
    json_t *fo = json_object();
    int rc = 0;

    if (fo == NULL)
        return NULL;
    rw_eve_timestamp(info->start_us, start, sizeof(start));
    rw_eve_timestamp(info->last_us, end, sizeof(end));
    rc |= eve_set(fo, "pkts_toserver", eve_u64(info->pkts[RW_TOSERVER]));
    rc |= eve_set(fo, "pkts_toclient", eve_u64(info->pkts[RW_TOCLIENT]));
    rc |= eve_set(fo, "bytes_toserver", eve_u64(info->bytes[RW_TOSERVER]));
    rc |= eve_set(fo, "bytes_toclient", eve_u64(info->bytes[RW_TOCLIENT]));
    rc |= eve_set(fo, "start", json_string(start));
    rc |= eve_set(fo, "end", json_string(end));
    /* Suricata's age: whole seconds of the last packet minus those of the first. */
    rc |= eve_set(fo, "age", eve_u64(s1 > s0 ? s1 - s0 : 0));
    if (state != NULL)
        rc |= eve_set(fo, "state", json_string(state));
    if (reason != NULL)
        rc |= eve_set(fo, "reason", json_string(reason));
    rc |= eve_set(fo, "alerted", json_boolean(alerted));
    if (rc != 0) {
        json_decref(fo);
        return NULL;
    }
    return fo;
}

static json_t *eve_hex8(uint8_t v)
{
    static const char hex[] = "0123456789abcdef";
    char s[3] = {hex[v >> 4], hex[v & 0x0F], '\0'};

    return json_string(s);
}

static json_t *eve_tcp_object(const struct rw_flow_info *info)
{
    /* Suricata's EveTcpFlags order; "ecn" is the ECE bit. */
    static const struct {
        uint8_t bit;
        const char *name;
    } flags[] = {
        {RW_TCP_SYN, "syn"}, {RW_TCP_FIN, "fin"}, {RW_TCP_RST, "rst"}, {RW_TCP_PSH, "psh"},
        {RW_TCP_ACK, "ack"}, {RW_TCP_URG, "urg"}, {RW_TCP_ECE, "ecn"}, {RW_TCP_CWR, "cwr"},
    };
    uint8_t ts = info->tcp_flags[RW_TOSERVER], tc = info->tcp_flags[RW_TOCLIENT];
    uint8_t all = (uint8_t)(ts | tc);
    json_t *to = json_object();
    int rc = 0;

    if (to == NULL)
        return NULL;
    rc |= eve_set(to, "tcp_flags", eve_hex8(all));
    rc |= eve_set(to, "tcp_flags_ts", eve_hex8(ts));
    rc |= eve_set(to, "tcp_flags_tc", eve_hex8(tc));
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        if (all & flags[i].bit)
            rc |= eve_set(to, flags[i].name, json_true());
    }
    if (info->tcp_state != NULL)
        rc |= eve_set(to, "state", eve_str(info->tcp_state, RW_PROTO_NAME_MAX_BYTES));
    if (rc != 0) {
        json_decref(to);
        return NULL;
    }
    return to;
}

static json_t *eve_ndpi_object(const struct rw_cls_result *cls)
{
    const char *names[RW_RISKS_MAX];
    size_t nrisks = cls->risk == 0 ? 0 : rw_classify_risk_names(cls->risk, names, RW_RISKS_MAX);
    json_t *no = json_object();
    int rc = 0;

    if (no == NULL)
        return NULL;
    rc |= eve_set(no, "protocol", eve_str(cls->proto, sizeof(cls->proto)));
    rc |= eve_set(no, "category", eve_str(cls->category, sizeof(cls->category)));
    if (cls->host[0] != '\0')
        rc |= eve_set(no, "hostname", eve_str(cls->host, sizeof(cls->host)));
    if (nrisks > 0) {
        json_t *arr = json_array();

        for (size_t i = 0; i < nrisks && i < RW_RISKS_MAX && arr != NULL; i++)
            rc |= json_array_append_new(arr, eve_str(names[i], RW_PROTO_NAME_MAX_BYTES));
        rc |= eve_set(no, "risks", arr);
    }
    rc |= eve_set(no, "guessed", json_boolean(cls->guessed));
    if (rc != 0) {
        json_decref(no);
        return NULL;
    }
    return no;
}

json_t *rw_eve_flow_record(const struct rw_flow_info *info, const struct rw_cls_result *cls,
                           int alerted)
{
    const char *app = info->app_proto;
    json_t *rec;
    int rc = 0;

    if (cls != NULL && cls->app_proto[0] != '\0')
        app = cls->app_proto;
    rec = rw_eve_header("flow", info->last_us, info, app);
    if (rec == NULL)
        return NULL;
    /* Payload byte counts (info->payload) have no place in Suricata's flow object, whose
     * additionalProperties is false: they are not written. */
    rc |= eve_set(rec, "flow", eve_flow_object(info, alerted));
    if (info->key.proto == IPPROTO_TCP)
        rc |= eve_set(rec, "tcp", eve_tcp_object(info));
    if (cls != NULL)
        rc |= eve_set(rec, "ndpi", eve_ndpi_object(cls));
    if (rc != 0) {
        json_decref(rec);
        return NULL;
    }
    return rec;
}

json_t *rw_eve_anomaly_record(const struct rw_flow_info *info, uint64_t ts_us,
                              const char *app_proto, const char *event)
{
    json_t *rec = rw_eve_header("anomaly", ts_us, info, NULL);
    json_t *a = json_object();
    int rc = 0;

    if (rec == NULL || a == NULL) {
        json_decref(rec);
        json_decref(a);
        return NULL;
    }
    rc |= eve_set(a, "app_proto", eve_str(app_proto, RW_PROTO_NAME_MAX_BYTES));
    rc |= eve_set(a, "type", json_string("applayer"));
    rc |= eve_set(a, "event", eve_str(event, RW_PROTO_NAME_MAX_BYTES));
    rc |= eve_set(a, "layer", json_string("proto_parser"));
    rc |= eve_set(rec, "anomaly", a);
    if (rc != 0) {
        json_decref(rec);
        return NULL;
    }
    return rec;
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

/* An optional string field: skipped when s is NULL. */
static int eve_set_opt(json_t *obj, const char *key, const char *s)
{
    return s == NULL ? 0 : eve_set(obj, key, rw_eve_json_string(s, strlen(s)));
}

/*
 * The transfer behind a file, under the protocol's own EVE object as Suricata names its
 * fields: http {http_method, hostname, url}, ftp_data {command, filename}, tftp {packet,
 * file, mode}, smb {command, filename}. Other protocols get nothing.
 */
static int eve_file_transfer(json_t *rec, const struct rw_file_event *ev)
{
    const char *ap = ev->app_proto;
    json_t *o;
    int rc = 0;

    if (ap == NULL)
        return 0;
    o = json_object();
    if (o == NULL)
        return -1;
    if (strcmp(ap, "http") == 0) {
        rc |= eve_set_opt(o, "http_method", ev->method);
        rc |= eve_set_opt(o, "hostname", ev->host);
        rc |= eve_set_opt(o, "url", ev->uri);
        return rc | eve_set(rec, "http", o);
    }
    if (ev->filename != NULL && strcmp(ap, "ftp-data") == 0) {
        rc |= eve_set_opt(o, "command", ev->method);
        rc |= eve_set(o, "filename", rw_eve_json_string(ev->filename, ev->filename_len));
        return rc | eve_set(rec, "ftp_data", o);
    }
    if (ev->filename != NULL && strcmp(ap, "tftp") == 0) {
        if (ev->method != NULL)
            rc |= eve_set(o, "packet", json_string(strcmp(ev->method, "WRQ") == 0 ? "write"
                                                                                  : "read"));
        rc |= eve_set(o, "file", rw_eve_json_string(ev->filename, ev->filename_len));
        rc |= eve_set_opt(o, "mode", ev->mode);
        return rc | eve_set(rec, "tftp", o);
    }
    if (ev->filename != NULL && strcmp(ap, "smb") == 0) {
        rc |= eve_set_opt(o, "command", ev->method);
        rc |= eve_set(o, "filename", rw_eve_json_string(ev->filename, ev->filename_len));
        return rc | eve_set(rec, "smb", o);
    }
    json_decref(o);
    return 0;
}

json_t *rw_eve_fileinfo_record(const struct rw_flow_info *info, const struct rw_file_event *ev)
{
    json_t *rec, *fi;
    int rc = 0;

    rec = rw_eve_header("fileinfo", ev->ts_us, info, ev->app_proto);
    if (rec == NULL)
        return NULL;
    rc |= eve_set(rec, "direction", json_string(ev->dir == RW_TOSERVER ? "to_server" : "to_client"));
    fi = json_object();
    rc |= eve_set(rec, "fileinfo", fi);
    if (rc == 0) {
        if (ev->filename != NULL)
            rc |= eve_set(fi, "filename", rw_eve_json_string(ev->filename, ev->filename_len));
        if (ev->magic != NULL)
            rc |= eve_set(fi, "magic", rw_eve_json_string(ev->magic, strlen(ev->magic)));
        rc |= eve_set(fi, "gaps", json_boolean(ev->gaps));
        rc |= eve_set(fi, "state", json_string(rw_eve_file_state_name(ev->state)));
        rc |= eve_set(fi, "stored", json_false());
        rc |= eve_set(fi, "size", eve_u64(ev->size));
        if (ev->sha256 != NULL) {
            char hex[65];

            for (size_t i = 0; i < 32; i++)
                snprintf(hex + 2 * i, 3, "%02x", ev->sha256[i]);
            rc |= eve_set(fi, "sha256", json_string(hex));
        }
        rc |= eve_file_transfer(rec, ev);
    }
    if (rc != 0) {
        json_decref(rec);
        return NULL;
    }
    return rec;
}

/*
 * Adds one counter under stats. Returns 0 when added or skipped (empty path, empty or
 * non-UTF-8 component, or a path through or onto a value of the other kind), -1 on OOM.
 * Objects are created only past the last existing node, so a skipped path leaves
 * nothing behind.
 */
static int eve_stats_add(json_t *stats, const char *path, uint64_t value)
{
    json_t *node = stats;
    const char *p = path;

    if (path == NULL || path[0] == '\0')
        return 0;
    /* Validate the whole path first: creation below must not fail half-way. */
    for (const char *c = path;;) {
        const char *dot = strchr(c, '.');
        size_t n = dot == NULL ? strlen(c) : (size_t)(dot - c);

        if (n == 0)
            return 0;
        for (size_t i = 0; i < n;) {
            size_t k = eve_utf8_len((const unsigned char *)c + i, n - i);

            if (k == 0)
                return 0;
            i += k;
        }
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

            if (child == NULL)
                return json_object_setn_new_nocheck(node, p, n, eve_u64(value)) == 0 ? 0 : -1;
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

json_t *rw_eve_stats_record(uint64_t ts_us, const struct rw_counter *c, size_t n)
{
    json_t *rec = rw_eve_header("stats", ts_us, NULL, NULL);
    json_t *stats = json_object();
    int rc = 0;

    if (rec == NULL || stats == NULL)
        goto fail;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = eve_stats_add(stats, c[i].path, c[i].value);
    if (rc != 0)
        goto fail;
    rc = eve_set(rec, "stats", stats);
    stats = NULL;
    if (rc != 0)
        goto fail;
    return rec;
fail:
    json_decref(stats);
    json_decref(rec);
    return NULL;
}

/* Records up to this size are dumped into a buffer on the stack (almost all are: a flow
 * record is about 600 bytes); longer ones through json_dumps. */
#define EVE_DUMP_STACK_BYTES 4096

int rw_eve_emit(const struct rw_output *out, json_t *rec)
{
    json_free_t free_fn = NULL;
    char buf[EVE_DUMP_STACK_BYTES];
    char *line = NULL;
    size_t n;
    int rc;

    if (rec == NULL)
        return RW_ENOMEM; /* a builder ran out of memory: emit(out, build(...)) */
    if (out == NULL || out->write == NULL) {
        rc = RW_EINVAL;
        goto out;
    }
    /* Compact, UTF-8 kept as is; jansson (>= 2.8) keeps keys in insertion order. A line
     * longer than RW_EVE_LINE_MAX_BYTES is still written: records are bounded by the
     * string limits, and an alert must not be lost to a size check. */
    n = json_dumpb(rec, buf, sizeof(buf), JSON_COMPACT);
    if (n > 0 && n <= sizeof(buf)) {
        rc = out->write(out->ctx, buf, n);
        goto out;
    }
    line = json_dumps(rec, JSON_COMPACT);
    if (line == NULL) {
        rc = RW_ENOMEM;
        goto out;
    }
    rc = out->write(out->ctx, line, strlen(line));
out:
    if (line != NULL) {
        json_get_alloc_funcs(NULL, &free_fn);
        free_fn(line);
    }
    json_decref(rec);
    return rc;
}
