/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_classify.c — the one wrapper around nDPI 4.2: per-flow classification. */
/* rw_classify.h uses size_t without including <stddef.h>: include it first until it does. */
#include <stddef.h>

#include "rw_classify.h"

#include <stdint.h>
#include <string.h>

#include <netinet/in.h>

#include <gcrypt.h>
#include <ndpi_api.h>

#include "rw.h"

/*
 * Version guard. nDPI changes the signature of ndpi_detection_process_packet between
 * releases (7 arguments in 4.0, 5 in 4.2, 6 from 4.6) and the layout of its structs with
 * every build. NDPI_MAJOR/NDPI_MINOR (ndpi_define.h) pin the release at compile time; the
 * _Generic assertion below pins the exact prototype this file calls (top-level const on
 * parameters is not part of a function type, C11 6.7.6.3p15); rw_classify_new compares
 * ndpi_get_api_version() with NDPI_API_VERSION so that a libndpi.so from another build
 * than the headers is refused at run time instead of being miscalled.
 */
#if !defined(NDPI_MAJOR) || !defined(NDPI_MINOR) || !defined(NDPI_API_VERSION)
/* make lint runs cppcheck without nDPI's include path, so it lands here: */
/* cppcheck-suppress preprocessorErrorDirective */
#error "rw_classify.c: nDPI headers without NDPI_MAJOR/NDPI_MINOR/NDPI_API_VERSION"
#elif NDPI_MAJOR != 4 || NDPI_MINOR != 2
/* cppcheck-suppress preprocessorErrorDirective */
#error "rw_classify.c needs nDPI 4.2 (5-argument ndpi_detection_process_packet): port it"
#endif

typedef ndpi_protocol (*cls_process_fn)(struct ndpi_detection_module_struct *,
                                        struct ndpi_flow_struct *, const unsigned char *,
                                        unsigned short, u_int64_t);

_Static_assert(_Generic(&ndpi_detection_process_packet, cls_process_fn: 1, default: 0),
               "ndpi_detection_process_packet is not the nDPI 4.2 five-argument function");
_Static_assert(NDPI_MAX_RISK <= 64, "nDPI risks no longer fit the 64-bit rw_cls_result.risk");

/*
 * The bytes one flow's nDPI state takes while it is classified, beyond the 688-byte
 * struct. Measured with a malloc hook on nDPI over the 1134 flows of the shared captures
 * (peak live bytes per flow, state freed once classified): median 0, 90th percentile
 * 2056 (the 2048-byte TLS reassembly buffer, which nDPI allocates for any TCP flow that
 * reaches its TLS dissector), 99th percentile 7056 (TLS handshakes whose certificate
 * chain is buffered whole, plus certificate strings), maximum 41728 (an unclassifiable
 * 1.3 MB TCP transfer: the TLS dissector keeps buffering what it takes for a record until
 * the packet budget ends it). 8 KiB covers the 99th percentile. It is an estimate for
 * memcap accounting, not a bound: a hostile peer can make nDPI hold one announced TLS
 * record plus one packet (~128 KiB), and nDPI's own allocations cannot be capped from
 * here without a process-wide malloc hook (a global, which the core avoids).
 */
#define RW_CLS_NDPI_EXTRA_BYTES 8192

/*
 * nDPI's module is set up at the first flow that is classified, not by rw_classify_new:
 * setting it up (its host and IP lists, automata) costs about 62 M instructions, a
 * twelfth of a whole alerts-only run over the 100 MB bench slice, and an engine whose
 * flows are never classified (no flow records, no rule with a protocol) never needs it.
 */
/*
 * Two things a module keeps so that each flow does less: the names of the protocol pairs
 * it has concluded (cls_names: nDPI's "TLS.Google" and our app_proto word depend only on
 * the two protocol ids, and ndpi_protocol2name's snprintf was a third of a conclusion),
 * direct-mapped, a pair evicting the one in its slot; and up to CLS_SPARE_FLOWS of
 * nDPI's flow structs whose flows have concluded, zeroed again for the next flow instead
 * of freed and allocated (at most 8 * 688 bytes, not counted per flow).
 */
#define CLS_NAME_SLOTS 64
#define CLS_SPARE_FLOWS 8

struct cls_name {
    uint32_t key;                         /* master id << 16 | app id */
    uint8_t used;
    char proto[RW_PROTO_NAME_MAX_BYTES];  /* as rw_cls_result.proto */
    char app_proto[16];                   /* as rw_cls_result.app_proto */
};

struct rw_classify {
    struct ndpi_detection_module_struct *ndpi; /* owned; one per thread; NULL until set up */
    uint8_t setup_failed;                      /* 1: setting nDPI up failed; not retried */
    uint8_t nspare;                            /* flow structs in spare */
    uint64_t fed;                              /* packets handed to nDPI (for the tests) */
    void *spare[CLS_SPARE_FLOWS];              /* owned; rw_calloc'ed, nDPI data freed */
    struct cls_name names[CLS_NAME_SLOTS];
};

/*
 * app_proto words. The rule, in order:
 *  1. the app protocol (the upper one, e.g. SMBv23 in "NetBIOS.SMBv23", HTTP in
 *     "SSH.HTTP" — nDPI stacks the port guess under what DPI found) when it is a
 *     protocol Suricata has an app-layer name for: that name;
 *  2. else the master protocol (TLS in "TLS.YouTube", DNS in "DNS.Google") when Suricata
 *     has a name for it: that name;
 *  3. else nDPI's name of the master protocol, or of the app protocol when there is no
 *     master, lowercased, with every character outside [a-z0-9_-] dropped ("STUN" ->
 *     "stun", "DoH_DoT" -> "doh_dot"), truncated to fit;
 *  4. "failed" (Suricata's word for "no protocol found") when nDPI's result is Unknown
 *     or rule 3 leaves nothing.
 * A result nDPI only guessed at give-up follows the same rule; r.guessed says it was one.
 * Implicit-TLS mail (SMTPS, IMAPS, POP3S) is "tls", as Suricata sees it on the wire.
 */
struct cls_word {
    uint16_t id;
    const char *word;
};

static const struct cls_word cls_words[] = {
    {NDPI_PROTOCOL_FTP_CONTROL, "ftp"},
    {NDPI_PROTOCOL_MAIL_POP, "pop3"},
    {NDPI_PROTOCOL_MAIL_SMTP, "smtp"},
    {NDPI_PROTOCOL_MAIL_IMAP, "imap"},
    {NDPI_PROTOCOL_DNS, "dns"},
    {NDPI_PROTOCOL_HTTP, "http"},
    {NDPI_PROTOCOL_MDNS, "mdns"},
    {NDPI_PROTOCOL_NTP, "ntp"},
    {NDPI_PROTOCOL_NFS, "nfs"},
    {NDPI_PROTOCOL_SNMP, "snmp"},
    {NDPI_PROTOCOL_SMBV1, "smb"},
    {NDPI_PROTOCOL_DHCP, "dhcp"},
    {NDPI_PROTOCOL_POSTGRES, "pgsql"},
    {NDPI_PROTOCOL_MAIL_POPS, "tls"},
    {NDPI_PROTOCOL_MAIL_SMTPS, "tls"},
    {NDPI_PROTOCOL_SMBV23, "smb"},
    {NDPI_PROTOCOL_MODBUS, "modbus"},
    {NDPI_PROTOCOL_MAIL_IMAPS, "tls"},
    {NDPI_PROTOCOL_IRC, "irc"},
    {NDPI_PROTOCOL_JABBER, "jabber"},
    {NDPI_PROTOCOL_TELNET, "telnet"},
    {NDPI_PROTOCOL_RDP, "rdp"},
    {NDPI_PROTOCOL_VNC, "rfb"},
    {NDPI_PROTOCOL_TLS, "tls"},
    {NDPI_PROTOCOL_SSH, "ssh"},
    {NDPI_PROTOCOL_TFTP, "tftp"},
    {NDPI_PROTOCOL_SIP, "sip"},
    {NDPI_PROTOCOL_KERBEROS, "krb5"},
    {NDPI_PROTOCOL_LDAP, "ldap"},
    {NDPI_PROTOCOL_DCERPC, "dcerpc"},
    {NDPI_PROTOCOL_HTTP_CONNECT, "http"},
    {NDPI_PROTOCOL_HTTP_PROXY, "http"},
    {NDPI_PROTOCOL_LLMNR, "llmnr"},
    {NDPI_PROTOCOL_FTP_DATA, "ftp-data"},
    {NDPI_PROTOCOL_QUIC, "quic"},
    {NDPI_PROTOCOL_MQTT, "mqtt"},
    {NDPI_PROTOCOL_DNP3, "dnp3"},
    {NDPI_PROTOCOL_WEBSOCKET, "websocket"},
    {NDPI_PROTOCOL_ETHERNET_IP, "enip"},
};

static const char *cls_suricata_word(uint16_t id)
{
    for (size_t i = 0; i < sizeof(cls_words) / sizeof(cls_words[0]); i++) {
        if (cls_words[i].id == id)
            return cls_words[i].word;
    }
    return NULL;
}

/*
 * nDPI's host_server_name is a general-purpose field: besides DNS names, HTTP Host and
 * TLS/QUIC SNI it also receives whatever other dissectors extract (a mail dissector's
 * host word after a "220" greeting lands there even on FTP flows: "---------" and
 * "proftpd" on the shared captures).
 * r.host promises a DNS name, an HTTP Host or an SNI, so it is kept only when the app or
 * master protocol is one of these.
 */
static int cls_has_host(uint16_t id)
{
    switch (id) {
    case NDPI_PROTOCOL_DNS:
    case NDPI_PROTOCOL_MDNS:
    case NDPI_PROTOCOL_LLMNR:
    case NDPI_PROTOCOL_HTTP:
    case NDPI_PROTOCOL_HTTP_CONNECT:
    case NDPI_PROTOCOL_HTTP_PROXY:
    case NDPI_PROTOCOL_TLS:
    case NDPI_PROTOCOL_DTLS:
    case NDPI_PROTOCOL_QUIC:
    case NDPI_PROTOCOL_MAIL_SMTPS:
    case NDPI_PROTOCOL_MAIL_IMAPS:
    case NDPI_PROTOCOL_MAIL_POPS:
        return 1;
    default:
        return 0;
    }
}

/* Copies the NUL-terminated prefix of src (at most srclen bytes) into dst, truncating. */
static void cls_copy(char *dst, size_t dstlen, const char *src, size_t srclen)
{
    size_t n = src == NULL ? 0 : strnlen(src, srclen);

    if (n >= dstlen)
        n = dstlen - 1;
    if (n > 0)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

static void cls_app_proto(struct rw_classify *c, struct rw_cls_result *r)
{
    const char *w = NULL;
    const char *name;
    uint16_t id;
    size_t n = 0;

    if (r->app_id != NDPI_PROTOCOL_UNKNOWN)
        w = cls_suricata_word(r->app_id);
    if (w == NULL && r->master_id != NDPI_PROTOCOL_UNKNOWN)
        w = cls_suricata_word(r->master_id);
    if (w != NULL) {
        cls_copy(r->app_proto, sizeof(r->app_proto), w, SIZE_MAX);
        return;
    }
    id = r->master_id != NDPI_PROTOCOL_UNKNOWN ? r->master_id : r->app_id;
    name = id != NDPI_PROTOCOL_UNKNOWN ? ndpi_get_proto_name(c->ndpi, id) : NULL;
    for (; name != NULL && *name != '\0' && n + 1 < sizeof(r->app_proto); name++) {
        char ch = *name;

        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-')
            r->app_proto[n++] = ch;
    }
    r->app_proto[n] = '\0';
    if (n == 0)
        cls_copy(r->app_proto, sizeof(r->app_proto), "failed", SIZE_MAX);
}

/* The results no flow needs its own copy of: classifying (all zero), a flow whose
 * caller set done (none), and a flow nDPI could not classify for lack of memory (failed:
 * "Unspecified" is nDPI 4.2's name of NDPI_PROTOCOL_CATEGORY_UNSPECIFIED, which
 * rw_classify_new checks). */
static const struct rw_cls_result cls_pending;
static const struct rw_cls_result cls_none = {.done = 1};
static const struct rw_cls_result cls_failed = {
    .proto = "Unknown", .app_proto = "failed", .category = "Unspecified", .done = 1};

/* The flow ends without nDPI's result (no memory for its state or its result). */
static void cls_set_failed(struct rw_cls_flow *cf)
{
    rw_free(cf->r);
    cf->r = NULL;
    cf->done = 1;
    cf->failed = 1;
}

/*
 * The only call of nDPI's packet function. The caller clamps l3_len to the IP total
 * length; nDPI takes an unsigned short, so anything longer (IPv4 BIG TCP, IPv6 jumbograms,
 * a bad caller) is cut to 65535 here rather than wrapped.
 */
static ndpi_protocol cls_process(struct rw_classify *c, struct ndpi_flow_struct *flow,
                                 const uint8_t *l3, uint32_t l3_len, uint64_t ts_us)
{
    unsigned short len = l3_len > 0xffffu ? (unsigned short)0xffffu : (unsigned short)l3_len;

    return ndpi_detection_process_packet(c->ndpi, flow, l3, len, (u_int64_t)(ts_us / 1000));
}

/*
 * Would nDPI 4.2 leave this flow's state as it is whatever the next packet? Then the
 * packet is counted toward the budget but not handed over. ndpi_detection_process_packet
 * (ndpi_main.c) returns at once, changing nothing, once fail_with_unknown is set; past
 * NDPI_MAX_NUM_PKTS_PER_FLOW_TO_DISSECT packets it only counts them (num_processed_pkts,
 * which nothing reads afterwards); and once the protocol is known with extra dissection
 * on (check_extra_packets) but the dissector's extra-packet function is gone (it ran out
 * of its max_extra_packets_to_check, as HTTP does after 8 packets of a long upload
 * without the response), ndpi_process_extra_packet only re-reads the headers and updates
 * the connection tracking (addresses, sequence numbers, counters): no dissector runs for
 * the flow again, and neither ndpi_extra_dissection_possible, ndpi_detection_giveup (which
 * returns a known protocol as it is) nor what cls_conclude copies reads those fields.
 * packet_counter > 0 keeps rw_classify_flow_bytes as it was (it reads packet_counter).
 * Every state is final: later packets are skipped too, and since the last packet fed
 * did not end classification, a skipped one cannot either (the budget still can).
 */
static int cls_ndpi_idle(const struct ndpi_flow_struct *flow)
{
    if (flow->fail_with_unknown || flow->num_processed_pkts >= NDPI_MAX_NUM_PKTS_PER_FLOW_TO_DISSECT)
        return 1;
    return flow->check_extra_packets && flow->extra_packets_func == NULL &&
           flow->detected_protocol_stack[0] != NDPI_PROTOCOL_UNKNOWN && flow->packet_counter > 0;
}

/* Fills r->proto and r->app_proto for r's protocol ids p, from the module's name slots
 * or, on a miss, from nDPI (then kept in the slot). */
static void cls_names(struct rw_classify *c, ndpi_protocol p, struct rw_cls_result *r)
{
    uint32_t key = (uint32_t)r->master_id << 16 | r->app_id;
    struct cls_name *n = &c->names[(key * 2654435761u) >> 26]; /* 6 bits: 64 slots */

    _Static_assert(CLS_NAME_SLOTS == 64, "the slot index takes the hash's top 6 bits");
    _Static_assert(sizeof(n->proto) == sizeof(r->proto) &&
                   sizeof(n->app_proto) == sizeof(r->app_proto), "slot and result differ");
    if (!n->used || n->key != key) {
        ndpi_protocol2name(c->ndpi, p, r->proto, (u_int)sizeof(r->proto));
        r->proto[sizeof(r->proto) - 1] = '\0';
        cls_app_proto(c, r);
        memcpy(n->proto, r->proto, sizeof(n->proto));
        memcpy(n->app_proto, r->app_proto, sizeof(n->app_proto));
        n->key = key;
        n->used = 1;
        return;
    }
    memcpy(r->proto, n->proto, sizeof(r->proto));
    memcpy(r->app_proto, n->app_proto, sizeof(r->app_proto));
}

/* Frees a flow's nDPI state: its buffers to nDPI, the struct to the spares if there is
 * room (rw_classify_flow_init zeroes it again), else to rw_free. */
static void cls_drop_flow(struct rw_classify *c, struct ndpi_flow_struct *flow)
{
    ndpi_free_flow_data(flow);
    if (c->nspare < CLS_SPARE_FLOWS)
        c->spare[c->nspare++] = flow;
    else
        rw_free(flow);
}

/* Gives up (nDPI keeps what it detected, else guesses), copies the result out of nDPI's
 * state, then frees that state: the strings copied here die with it. */
static void cls_conclude(struct rw_classify *c, struct rw_cls_flow *cf)
{
    struct ndpi_flow_struct *flow = cf->ndpi;
    struct rw_cls_result *r = rw_calloc(1, sizeof(*r));
    u_int8_t guessed = 0;
    ndpi_protocol p;
    const char *cat;

    if (r == NULL) {
        cls_drop_flow(c, flow);
        cf->ndpi = NULL;
        cls_set_failed(cf);
        return;
    }
    cf->r = r;
    p = ndpi_detection_giveup(c->ndpi, flow, 1, &guessed);
    r->master_id = p.master_protocol;
    r->app_id = p.app_protocol;
    cls_names(c, p, r);
    cat = ndpi_category_get_name(c->ndpi, ndpi_get_proto_category(c->ndpi, p));
    cls_copy(r->category, sizeof(r->category), cat, SIZE_MAX);
    if (cls_has_host(p.app_protocol) || cls_has_host(p.master_protocol))
        cls_copy(r->host, sizeof(r->host), flow->host_server_name,
                 sizeof(flow->host_server_name));
    r->risk = (uint64_t)flow->risk;
    r->guessed = guessed != 0;
    r->done = 1;
    cf->done = 1;

    /* Allocated with rw_calloc (rw_classify_flow_init): nDPI frees its members only. */
    cls_drop_flow(c, flow);
    cf->ndpi = NULL;
}

/*
 * Sets nDPI up as LIBRARY-NOTES.md says (all protocols enabled), once, at the first flow
 * to classify. Returns the module, or NULL when setting it up failed (no memory, or an
 * nDPI build whose names differ from the ones this file writes): then every flow of this
 * module ends "failed".
 */
static struct ndpi_detection_module_struct *cls_module(struct rw_classify *c)
{
    NDPI_PROTOCOL_BITMASK all;

    if (c->ndpi != NULL || c->setup_failed)
        return c->ndpi;
    c->ndpi = ndpi_init_detection_module(ndpi_no_prefs);
    if (c->ndpi == NULL) {
        c->setup_failed = 1;
        return NULL;
    }
    NDPI_BITMASK_SET_ALL(all);
    ndpi_set_protocol_detection_bitmask2(c->ndpi, &all);
    ndpi_finalize_initialization(c->ndpi);
    if (strcmp(ndpi_category_get_name(c->ndpi, NDPI_PROTOCOL_CATEGORY_UNSPECIFIED),
               cls_failed.category) != 0) {
        /* A failed flow's record would not say what nDPI says: another nDPI build. */
        ndpi_exit_detection_module(c->ndpi);
        c->ndpi = NULL;
        c->setup_failed = 1;
    }
    return c->ndpi;
}

#ifdef RW_TEST_BUILD
/* Has c set nDPI up? For the tests that check that nothing sets it up early. */
int rw__classify_ready(const struct rw_classify *c);

int rw__classify_ready(const struct rw_classify *c)
{
    return c->ndpi != NULL;
}

/* How many packets c handed to nDPI. For the tests that check which packets are skipped. */
uint64_t rw__classify_fed(const struct rw_classify *c);

uint64_t rw__classify_fed(const struct rw_classify *c)
{
    return c->fed;
}
#endif

struct rw_classify *rw_classify_new(void)
{
    struct rw_classify *c = NULL;

    if (ndpi_get_api_version() != NDPI_API_VERSION)
        goto out; /* the loaded libndpi is another build than the headers */
    /* nDPI finishes libgcrypt's initialisation in its set-up unless something did before.
     * That set-up now happens at a module's first flow, possibly in two worker threads at
     * once, and libgcrypt's initialisation is not thread-safe: finish it here, in the
     * thread that creates the modules, as nDPI would (it then skips it). */
    if (!gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P)) {
        if (gcry_check_version(NULL) == NULL)
            goto out;
        gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
    }
    c = rw_calloc(1, sizeof(*c));
out:
    return c;
}

void rw_classify_free(struct rw_classify **cp)
{
    if (cp == NULL || *cp == NULL)
        return;
    if ((*cp)->ndpi != NULL)
        ndpi_exit_detection_module((*cp)->ndpi);
    while ((*cp)->nspare > 0)
        rw_free((*cp)->spare[--(*cp)->nspare]);
    rw_free(*cp);
    *cp = NULL;
}

int rw_classify_flow_init(struct rw_classify *c, struct rw_cls_flow *cf, uint8_t l4proto)
{
    memset(cf, 0, sizeof(*cf));
    cf->l4proto = l4proto;
    if (cls_module(c) == NULL) {
        cls_set_failed(cf);
        return RW_ENOMEM;
    }
    /* Our allocator, not ndpi_flow_malloc: zeroed (nDPI requires it), counted by the OOM
     * hook, and freed by cls_conclude with ndpi_free_flow_data + rw_free (or kept spare). */
    if (c->nspare > 0) {
        cf->ndpi = c->spare[--c->nspare];
        memset(cf->ndpi, 0, SIZEOF_FLOW_STRUCT);
        return 0;
    }
    cf->ndpi = rw_calloc(1, SIZEOF_FLOW_STRUCT);
    if (cf->ndpi == NULL) {
        cls_set_failed(cf);
        return RW_ENOMEM;
    }
    return 0;
}

int rw_classify_packet(struct rw_classify *c, struct rw_cls_flow *cf, const uint8_t *l3,
                       uint32_t l3_len, uint64_t ts_us)
{
    uint16_t budget = cf->l4proto == IPPROTO_TCP ? RW_NDPI_MAX_TCP_PKTS : RW_NDPI_MAX_UDP_PKTS;
    ndpi_protocol p;

    if (cf->done)
        return 1;
    if (cf->ndpi == NULL) {
        rw_classify_flow_finish(c, cf); /* never initialised: nothing to feed */
        return 1;
    }
    cf->pkts++;
    if (l3 != NULL && l3_len > 0 && !cls_ndpi_idle(cf->ndpi)) {
        c->fed++;
        p = cls_process(c, cf->ndpi, l3, l3_len, ts_us);
        if (p.app_protocol != NDPI_PROTOCOL_UNKNOWN &&
            !ndpi_extra_dissection_possible(c->ndpi, cf->ndpi)) {
            cls_conclude(c, cf);
            return 1;
        }
    }
    if (cf->pkts >= budget) {
        cls_conclude(c, cf);
        return 1;
    }
    return 0;
}

void rw_classify_flow_finish(struct rw_classify *c, struct rw_cls_flow *cf)
{
    if (cf->done)
        return;
    if (cf->ndpi == NULL)
        cls_set_failed(cf);
    else
        cls_conclude(c, cf);
}

void rw_classify_flow_cleanup(struct rw_cls_flow *cf)
{
    if (cf->ndpi != NULL) {
        ndpi_free_flow_data(cf->ndpi);
        rw_free(cf->ndpi);
    }
    rw_free(cf->r);
    memset(cf, 0, sizeof(*cf));
}

const struct rw_cls_result *rw_classify_result(const struct rw_cls_flow *cf)
{
    if (cf->r != NULL)
        return cf->r;
    if (!cf->done)
        return &cls_pending;
    return cf->failed ? &cls_failed : &cls_none;
}

size_t rw_classify_flow_bytes(const struct rw_cls_flow *cf)
{
    const struct ndpi_flow_struct *flow = cf->ndpi;
    size_t n = cf->r != NULL ? sizeof(*cf->r) : 0;

    /* packet_counter counts the packets with payload nDPI has seen: before the first one
     * it has allocated nothing of its own. */
    if (flow != NULL)
        n += SIZEOF_FLOW_STRUCT + (flow->packet_counter > 0 ? RW_CLS_NDPI_EXTRA_BYTES : 0);
    return n;
}

size_t rw_classify_risk_names(uint64_t risk, const char **names, size_t max)
{
    size_t n = 0;

    /* Bit 0 is NDPI_NO_RISK and bits from NDPI_MAX_RISK on have no name in 4.2 (nDPI would
     * format them into a shared static buffer): both are skipped. */
    for (unsigned bit = 1; bit < (unsigned)NDPI_MAX_RISK && n < max; bit++) {
        if ((risk >> bit) & 1u)
            names[n++] = ndpi_risk2str((ndpi_risk_enum)bit);
    }
    return n;
}

size_t rw_classify_flow_state_bytes(void)
{
    return SIZEOF_FLOW_STRUCT + RW_CLS_NDPI_EXTRA_BYTES;
}
