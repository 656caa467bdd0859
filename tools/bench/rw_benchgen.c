/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_benchgen.c — the benchmark's captures and rule inputs (make bench, docs/performance.md). */

/*
 * This tool reuses rw_pcapgen's builders without copying them: it includes the generator's
 * source with its main renamed, and adds two commands of its own.
 *
 *   rw_benchgen bench OUT.pcap [BYTES]    a deterministic mixed capture of at least BYTES
 *                                         (default 1100000000) bytes of file
 *   rw_benchgen keepalive N OUT.pcap      N concurrent keep-alive HTTP sessions, uploads
 *                                         among them (see ka_capture)
 *   rw_benchgen prefixes N OUT.txt        a plain list file of N distinct prefixes
 *                                         (90% IPv4 /24 in 64.0.0.0/2, 10% IPv6 /48 in
 *                                         2a00::/8), none of which the bench capture uses
 *
 * bench and keepalive also write OUT.truth.tsv, the oracle: every upload and the alerts the
 * default rules imply for it (bench_oracle.c). Any other command line is handed to
 * rw_pcapgen's main (demo, flood, ...).
 *
 * The bench capture is rounds of short flows, repeated until the file reaches BYTES; a
 * round k is a function of k and the PRNG only, so a smaller BYTES gives a prefix of the
 * same traffic (callgrind profiles such a slice). One round holds:
 *
 *   5 DNS lookups        A from an IPv4 client, AAAA over IPv6 for every fourth
 *   2 short HTTP GETs    to the intranet server 10.0.0.80
 *   1 TLS 1.3 session    a real ClientHello with an SNI from a list of 24 services; every
 *                        fourth over IPv6
 *   1 HTTP download      a body of 4 to 128 KiB of random bytes
 *   an upload            every 11th round (about 1% of flows): a multipart POST whose body
 *                        is a real studio file (PSD, Toon Boom xstage, OpenEXR, Blender,
 *                        ProRes MOV, ZIP, DPX, USD crate, PNG); every fourth upload goes to
 *                        175.45.176.0/22 (the default rules' dprk list), the others to an
 *                        unflagged review server
 *
 * Every third round runs on 802.1Q VLAN 100 and every tenth on 802.1ad QinQ 200/300.
 * Clients are 4096 IPv4 hosts in 10.20.0.0/16 and 1024 IPv6 hosts in fd00:20::/64.
 */

#define main rw_pcapgen_main
int rw_pcapgen_main(int argc, char **argv);
#include "../rw_pcapgen.c"
#undef main
#include "bench_oracle.c"

#define BENCH_DEFAULT_BYTES 1100000000ULL
#define BENCH_MIN_BYTES 100000ULL
#define BENCH_MAX_BYTES (64ULL * 1000 * 1000 * 1000)
#define BENCH_CLIENTS4 4096u
#define BENCH_CLIENTS6 1024u
#define BENCH_UPLOAD_EVERY 11u  /* rounds; a round has 9 flows, so about 1% of flows */
#define BENCH_KP_EVERY 4u       /* uploads; one in four goes to 175.45.176.0/22 */
#define BENCH_DL_MIN_BYTES 4096u
#define BENCH_DL_SPAN_BYTES (124u * 1024u)
#define BENCH_PREFIX_MAX 4000000ULL
#define BENCH_ROUND_GAP_US 3000u

static const char *const bench_sni[] = {
    "www.google.com",         "fonts.gstatic.com",         "www.youtube.com",
    "login.microsoftonline.com", "outlook.office365.com",  "teams.microsoft.com",
    "github.com",             "api.github.com",            "slack.com",
    "edgeapi.slack.com",      "www.dropbox.com",           "api.frame.io",
    "shotgrid.autodesk.com",  "aws.amazon.com",            "s3.amazonaws.com",
    "www.netflix.com",        "zoom.us",                   "www.wikipedia.org",
    "cdn.jsdelivr.net",       "update.adobe.com",          "creativecloud.adobe.com",
    "www.blender.org",        "docs.python.org",           "www.apple.com",
};

/* Servers avoid 64.0.0.0/2, where the prefix list lives, and every flagged range. */
static const char *const bench_web4[] = {
    "13.107.42.14",  "142.250.74.100", "151.101.1.69", "140.82.112.3",  "185.199.108.153",
    "52.84.150.39",  "34.120.208.123", "162.159.135.42", "13.33.21.104", "142.251.36.46",
    "151.101.65.140", "54.230.10.21",
};
static const char *const bench_web6[] = {
    "2a00:1450:4001:82b::2004", "2a04:4e42::645", "2606:4700::6810:84e5", "2620:1ec:21::14",
};
static const char *const bench_dns_names[] = {
    "www.google.com", "github.com", "slack.com", "intranet.studio.example",
    "render01.studio.example", "license.studio.example", "api.frame.io", "zoom.us",
    "www.wikipedia.org", "s3.amazonaws.com", "teams.microsoft.com", "nas02.studio.example",
};

struct bench_world {
    struct gen *g;
    struct gen_host client4, client6, dns4, dns6, intranet, web4, web6, review, kp;
    struct gen_link vlan, qinq;
    uint16_t next_port;
    uint64_t uploads;
    struct bench_oracle *oracle;
};

static uint16_t bench_port(struct bench_world *w)
{
    uint16_t p = w->next_port;

    w->next_port = (uint16_t)(p >= 60999 ? 32768 : p + 1);
    return p;
}

/* host_init on an address written by fmt; a text longer than 63 bytes fails the capture. */
static void bench_host(struct bench_world *w, struct gen_host *h, int local, uint8_t ttl,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void bench_host(struct bench_world *w, struct gen_host *h, int local, uint8_t ttl,
                       const char *fmt, ...)
{
    char text[64];
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (r < 0 || (size_t)r >= sizeof(text)) {
        gen_fail(w->g, "internal: address text longer than its buffer");
        return;
    }
    host_init(w->g, h, text, local, ttl);
}

static void bench_pick_client4(struct bench_world *w)
{
    uint32_t i = gen_rand32(w->g) % BENCH_CLIENTS4;

    bench_host(w, &w->client4, 1, 128, "10.20.%u.%u", 1u + i / 250u, 1u + i % 250u);
}

static void bench_pick_client6(struct bench_world *w)
{
    uint32_t i = gen_rand32(w->g) % BENCH_CLIENTS6;

    bench_host(w, &w->client6, 1, 64, "fd00:20::%x:%x", (i >> 8) + 1u, i & 0xffu);
}

/* An HTTP GET of a body of random bytes (4 to 128 KiB) from an external web server. */
static void scene_bench_download(struct bench_world *w, const struct gen_path *p, uint64_t k)
{
    struct gen *g = w->g;
    struct gbuf m[3] = { { 0 }, { 0 }, { 0 } };
    struct gen_tcp s;
    size_t len = BENCH_DL_MIN_BYTES + gen_rand32(g) % BENCH_DL_SPAN_BYTES;

    gen_tcp_init(&s, g, p, 20 * GEN_MS);
    gen_tcp_open(&s);
    gb_fmt(&m[0], "GET /assets/%llu.bin HTTP/1.1\r\nHost: cdn.example.net\r\n"
                  "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 "
                  "Firefox/123.0\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n",
           (unsigned long long)k);
    gen_tcp_send_buf(&s, GEN_C2S, &m[0]);
    gb_rand(&m[1], g, len);
    build_http_response(&m[2], g, "application/octet-stream", m[1].p, m[1].len);
    gen_tcp_send_buf(&s, GEN_S2C, &m[2]);
    gen_tcp_close(&s, GEN_C2S);
    gbufs_done(g, m, 3);
}

/* One studio file, chosen by n; fname and ctype describe it. */
static void bench_studio_file(struct bench_world *w, uint64_t n, struct gbuf *f,
                              struct oracle_upload *u)
{
    const char **fname = &u->name, **ctype = &u->mime, **magic = &u->magic;
    static const uint8_t notes[] = "sh010 v003 review notes\n";

    switch (n % 9) {
    case 0:
        build_psd(f, GEN_UP_PSD_SIDE, GEN_UP_PSD_SIDE);
        *fname = "comp_v003.psd";
        *magic = "Adobe Photoshop Image";
        *ctype = "image/vnd.adobe.photoshop";
        break;
    case 1:
        build_xstage(f, w->g);
        *fname = "ep07_sc012.xstage";
        *magic = "Toon Boom Harmony scene";
        *ctype = "application/octet-stream";
        break;
    case 2:
        build_exr(f, GEN_UP_EXR_SIDE);
        *fname = "sh010_plate.1001.exr";
        *magic = "OpenEXR image data";
        *ctype = "image/x-exr";
        break;
    case 3:
        build_blend(f, w->g, GEN_UP_BLEND_DATA);
        *fname = "mira_rig_v12.blend";
        *magic = "Blender3D";
        *ctype = "application/x-blender";
        break;
    case 4:
        build_mov_n(f, w->g, GEN_UP_MOV_BYTES);
        *fname = "ep07_comp_v3.mov";
        *magic = "ISO Media, Apple QuickTime movie";
        *ctype = "video/quicktime";
        break;
    case 5:
        build_zip(f, "notes.txt", notes, sizeof(notes) - 1);
        *fname = "sh010_delivery.zip";
        *magic = "Zip archive data";
        *ctype = "application/zip";
        break;
    case 6:
        build_dpx(f, "sh010_plate.1001.dpx", 64, 36);
        *fname = "sh010_plate.1001.dpx";
        *magic = "DPX image data";
        *ctype = "image/x-dpx";
        break;
    case 7:
        build_usdc(f, w->g, GEN_UP_USDC_BYTES);
        *fname = "set_forest.usdc";
        *magic = "USD crate";
        *ctype = "application/octet-stream";
        break;
    default:
        build_png(f);
        *fname = "logo_v2.png";
        *magic = "PNG image data";
        *ctype = "image/png";
        break;
    }
}

/*
 * One multipart POST of file f (described by u) and the server's small JSON answer on s,
 * told to the oracle: the bench's ground truth for this upload.
 */
static void bench_upload_on(struct bench_world *w, struct gen_tcp *s, struct oracle_flow *fl,
                            const char *host, struct gbuf *f, struct oracle_upload *u)
{
    struct gbuf m[3] = { { 0 }, { 0 }, { 0 } };

    u->size = f->len;
    u->anonymous = 1; /* build_upload_request sends no Authorization and no Cookie */
    build_upload_request(&m[0], host, u->name, u->mime, f);
    gen_tcp_send_buf(s, GEN_C2S, &m[0]);
    oracle_upload(w->oracle, fl, u, m[0].len);
    gb_fmt(&m[1], "{\"status\":\"ok\",\"name\":\"%s\",\"size\":%zu}", u->name, f->len);
    build_http_response(&m[2], s->g, "application/json", m[1].p, m[1].len);
    gen_tcp_send_buf(s, GEN_S2C, &m[2]);
    gbufs_done(s->g, m, 3);
}

/* A multipart POST of one studio file with no credentials, to review or to kp. */
static void scene_bench_upload(struct bench_world *w)
{
    struct gen *g = w->g;
    struct gbuf f = { 0 };
    struct oracle_upload u = { 0 };
    struct oracle_flow fl;
    struct gen_path p;
    struct gen_tcp s;
    const struct gen_host *srv;
    char host[64];
    uint64_t n = w->uploads++;

    if (n % BENCH_KP_EVERY == 0) {
        uint32_t r = gen_rand32(g);

        bench_host(w, &w->kp, 0, 46, "175.45.%u.%u", 176u + (r & 3u), 1u + (r >> 8) % 254u);
        srv = &w->kp;
    } else {
        srv = &w->review;
    }
    bench_pick_client4(w);
    bench_studio_file(w, n, &f, &u);
    gen_snprintf(g, host, sizeof(host), "%u.%u.%u.%u", srv->addr[0], srv->addr[1],
                 srv->addr[2], srv->addr[3]);
    path_init(&p, &w->client4, bench_port(w), srv, 80, NULL);
    gen_tcp_init(&s, g, &p, 180 * GEN_MS);
    oracle_flow_open(w->oracle, &fl, &p);
    gen_tcp_open(&s);
    bench_upload_on(w, &s, &fl, host, &f, &u);
    gen_tcp_close(&s, GEN_C2S);
    gbufs_done(g, &f, 1);
}

static void bench_round(struct bench_world *w, uint64_t k)
{
    struct gen *g = w->g;
    const struct gen_link *link = k % 10 == 9 ? &w->qinq : k % 3 == 0 ? &w->vlan : NULL;
    const size_t nnames = sizeof(bench_dns_names) / sizeof(bench_dns_names[0]);
    const size_t nsni = sizeof(bench_sni) / sizeof(bench_sni[0]);
    struct gen_path p;
    char what[48];
    unsigned i;

    for (i = 0; i < 5; i++) {
        const char *name = bench_dns_names[gen_rand32(g) % nnames];

        if (i == 3 && k % 4 == 1) {
            bench_pick_client6(w);
            path_init(&p, &w->client6, bench_port(w), &w->dns6, 53, link);
            scene_dns(g, &p, name, "2a00:1450:4001:82b::2004");
        } else {
            bench_pick_client4(w);
            path_init(&p, &w->client4, bench_port(w), &w->dns4, 53, link);
            scene_dns(g, &p, name, "142.250.74.100");
        }
        gen_advance(g, 200);
    }
    for (i = 0; i < 2; i++) {
        bench_pick_client4(w);
        gen_snprintf(g, what, sizeof(what), "status/%llu/%u", (unsigned long long)k, i);
        path_init(&p, &w->client4, bench_port(w), &w->intranet, 80, link);
        scene_short_tcp(g, &p, what);
        gen_advance(g, 200);
    }
    if (k % 4 == 2) {
        host_init(g, &w->web6, bench_web6[gen_rand32(g) % 4], 0, 55);
        bench_pick_client6(w);
        path_init(&p, &w->client6, bench_port(w), &w->web6, 443, link);
    } else {
        host_init(g, &w->web4, bench_web4[gen_rand32(g) % 12], 0, 55);
        bench_pick_client4(w);
        path_init(&p, &w->client4, bench_port(w), &w->web4, 443, link);
    }
    scene_tls(g, &p, bench_sni[gen_rand32(g) % nsni]);
    gen_advance(g, 200);
    host_init(g, &w->web4, bench_web4[gen_rand32(g) % 12], 0, 55);
    bench_pick_client4(w);
    path_init(&p, &w->client4, bench_port(w), &w->web4, 80, link);
    scene_bench_download(w, &p, k);
    if (k % BENCH_UPLOAD_EVERY == 5) {
        gen_advance(g, 200);
        scene_bench_upload(w);
    }
    gen_advance(g, BENCH_ROUND_GAP_US);
}

/* Rounds until the file holds at least limit bytes (or a write failed). */
static int bench_capture(const char *path, uint64_t limit)
{
    struct gen *g = gen_open(path, GEN_SEED);
    struct bench_world w;
    uint64_t k, pkts;
    int64_t size = 0;
    int orc;

    if (g == NULL)
        return 1;
    memset(&w, 0, sizeof(w));
    w.g = g;
    w.next_port = 32768;
    w.vlan.ntags = 1;
    w.vlan.tpid[0] = 0x8100;
    w.vlan.vid[0] = 100;
    w.qinq.ntags = 2;
    w.qinq.tpid[0] = 0x88a8;
    w.qinq.tpid[1] = 0x8100;
    w.qinq.vid[0] = 200;
    w.qinq.vid[1] = 300;
    host_init(g, &w.dns4, "10.0.0.53", 1, 64);
    host_init(g, &w.dns6, "fd00:20::53", 1, 64);
    host_init(g, &w.intranet, "10.0.0.80", 1, 64);
    host_init(g, &w.review, "203.0.113.80", 0, 52);
    w.oracle = oracle_open(g, path);
    for (k = 0; !g->err; k++) {
        bench_round(&w, k);
        if ((k & 63) == 0) {
            size = pcap_dump_ftell64(g->dump);
            if (size < 0) {
                gen_fail(g, "pcap_dump_ftell64 failed");
                break;
            }
            if ((uint64_t)size >= limit)
                break;
        }
    }
    pkts = g->pkts;
    orc = oracle_close(w.oracle, g->err);
    if (gen_close(g) != 0 || orc != 0) {
        unlink(path);
        return 1;
    }
    printf("rw_benchgen: wrote %llu packets, %llu rounds, %llu uploads, %lld bytes to %s\n",
           (unsigned long long)pkts, (unsigned long long)k + 1, (unsigned long long)w.uploads,
           (long long)size, path);
    return 0;
}

/*
 * The keep-alive cases: n HTTP/1.1 sessions open at once. Every session does its
 * three-way handshake first, then KA_ROUNDS rounds go over all sessions in turn (one
 * request each), then every session closes: between the first and the last handshake
 * and the first FIN, all n flows are live. Client i is 10.20.(1 + i / 250).(1 + i % 250).
 * One session in KA_KP_EVERY talks to 175.45.176.0/22 and carries only uploads (a studio
 * file each round); the others GET 512 to 2047 bytes from an external web server, and
 * one request in KA_UPLOAD_EVERY of theirs is an upload instead.
 */
#define KA_ROUNDS 3u
#define KA_KP_EVERY 32u
#define KA_UPLOAD_EVERY 25u
#define KA_MAX_SESSIONS 60000u
#define KA_RTT_US 300u

struct ka_session {
    struct gen_host client, server;
    struct gen_tcp s;
    struct oracle_flow fl;
};

static void ka_get(struct bench_world *w, struct ka_session *c, uint64_t i, unsigned r)
{
    struct gen *g = w->g;
    struct gbuf m[3] = { { 0 }, { 0 }, { 0 } };

    gb_fmt(&m[0], "GET /ka/%llu/%u.json HTTP/1.1\r\nHost: api.example.net\r\n"
                  "User-Agent: ShotGridDesktop/1.8\r\nAccept: */*\r\n"
                  "Connection: keep-alive\r\n\r\n",
           (unsigned long long)i, r);
    gen_tcp_send_buf(&c->s, GEN_C2S, &m[0]);
    oracle_flow_bytes(w->oracle, &c->fl, m[0].len);
    gb_rand(&m[1], g, 512 + gen_rand32(g) % 1536);
    build_http_response(&m[2], g, "application/octet-stream", m[1].p, m[1].len);
    gen_tcp_send_buf(&c->s, GEN_S2C, &m[2]);
    gbufs_done(g, m, 3);
}

static int ka_capture(const char *path, uint64_t n)
{
    struct gen *g = gen_open(path, GEN_SEED);
    struct bench_world w;
    struct ka_session *ss = NULL;
    uint64_t i, reqs = 0, pkts;
    unsigned r;
    int orc;

    if (g == NULL)
        return 1;
    memset(&w, 0, sizeof(w));
    w.g = g;
    w.oracle = oracle_open(g, path);
    ss = calloc(n, sizeof(*ss));
    if (ss == NULL)
        gen_fail(g, "out of memory");
    for (i = 0; i < n && !g->err; i++) {
        struct ka_session *c = &ss[i];
        struct gen_path p;

        bench_host(&w, &c->client, 1, 128, "10.20.%u.%u", 1u + (unsigned)(i / 250u),
                   1u + (unsigned)(i % 250u));
        if (i % KA_KP_EVERY == KA_KP_EVERY - 1)
            bench_host(&w, &c->server, 0, 46, "175.45.%u.%u", 176u + (unsigned)(i & 3u),
                       1u + (unsigned)((i >> 2) % 254u));
        else
            host_init(g, &c->server, bench_web4[i % 12], 0, 55);
        path_init(&p, &c->client, (uint16_t)(32768u + i % 28000u), &c->server, 80, NULL);
        gen_tcp_init(&c->s, g, &p, KA_RTT_US);
        oracle_flow_open(w.oracle, &c->fl, &p);
        gen_tcp_open(&c->s);
        gen_advance(g, 20);
    }
    for (r = 0; r < KA_ROUNDS && !g->err; r++) {
        for (i = 0; i < n && !g->err; i++, reqs++) {
            struct ka_session *c = &ss[i];

            if (c->fl.flagged || reqs % KA_UPLOAD_EVERY == KA_UPLOAD_EVERY / 2) {
                struct gbuf f = { 0 };
                struct oracle_upload u = { 0 };
                char host[64];

                bench_studio_file(&w, w.uploads++, &f, &u);
                gen_snprintf(g, host, sizeof(host), "%u.%u.%u.%u", c->server.addr[0],
                             c->server.addr[1], c->server.addr[2], c->server.addr[3]);
                bench_upload_on(&w, &c->s, &c->fl, host, &f, &u);
                gbufs_done(g, &f, 1);
            } else {
                ka_get(&w, c, i, r);
            }
            gen_advance(g, 20);
        }
    }
    for (i = 0; i < n && !g->err; i++)
        gen_tcp_close(&ss[i].s, GEN_C2S);
    pkts = g->pkts;
    orc = oracle_close(w.oracle, g->err);
    free(ss);
    if (gen_close(g) != 0 || orc != 0) {
        unlink(path);
        return 1;
    }
    printf("rw_benchgen: wrote %llu packets, %llu sessions, %llu requests, %llu uploads to %s\n",
           (unsigned long long)pkts, (unsigned long long)n, (unsigned long long)reqs,
           (unsigned long long)w.uploads, path);
    return 0;
}

/*
 * n distinct prefixes: index i through an odd multiplier (a bijection modulo 2^22 and
 * 2^32) to a /24 in 64.0.0.0/2, or for every tenth index a /48 in 2a00::/8.
 */
static int bench_prefixes(const char *path, uint64_t n)
{
    FILE *f = fopen(path, "w");
    uint64_t i, n4 = 0, n6 = 0;
    int rc = 0;

    if (f == NULL) {
        fprintf(stderr, "rw_benchgen: %s: %s\n", path, strerror(errno));
        return 1;
    }
    fprintf(f, "# %llu benchmark prefixes from rw_benchgen (no bench-capture address is in "
               "any)\n", (unsigned long long)n);
    for (i = 0; i < n; i++) {
        if (i % 10 == 9) {
            uint32_t x = (uint32_t)(n6++ * 2654435761u);

            fprintf(f, "2a%02x:%x:%x::/48\n", x >> 24, (x >> 8) & 0xffffu, (x & 0xffu) << 8);
        } else {
            uint32_t x = (uint32_t)((n4++ * 2654435761u) & ((1u << 22) - 1));

            fprintf(f, "%u.%u.%u.0/24\n", 64u + (x >> 16), (x >> 8) & 0xffu, x & 0xffu);
        }
    }
    if (fflush(f) != 0 || ferror(f))
        rc = 1;
    if (fclose(f) != 0)
        rc = 1;
    if (rc != 0) {
        fprintf(stderr, "rw_benchgen: %s: write failed\n", path);
        unlink(path);
        return 1;
    }
    printf("rw_benchgen: wrote %llu prefixes (%llu IPv4, %llu IPv6) to %s\n",
           (unsigned long long)n, (unsigned long long)n4, (unsigned long long)n6, path);
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t v = BENCH_DEFAULT_BYTES;

    if ((argc == 3 || argc == 4) && strcmp(argv[1], "bench") == 0) {
        if (argc == 4 && parse_u64(argv[3], BENCH_MAX_BYTES, &v) != 0) {
            fprintf(stderr, "rw_benchgen: BYTES: expected %llu to %llu, found '%s'\n",
                    (unsigned long long)BENCH_MIN_BYTES, (unsigned long long)BENCH_MAX_BYTES,
                    argv[3]);
            return 2;
        }
        if (v < BENCH_MIN_BYTES)
            v = BENCH_MIN_BYTES;
        return bench_capture(argv[2], v);
    }
    if (argc == 4 && strcmp(argv[1], "keepalive") == 0) {
        if (parse_u64(argv[2], KA_MAX_SESSIONS, &v) != 0 || v == 0) {
            fprintf(stderr, "rw_benchgen: N: expected 1 to %u, found '%s'\n", KA_MAX_SESSIONS,
                    argv[2]);
            return 2;
        }
        return ka_capture(argv[3], v);
    }
    if (argc == 4 && strcmp(argv[1], "prefixes") == 0) {
        if (parse_u64(argv[2], BENCH_PREFIX_MAX, &v) != 0 || v == 0) {
            fprintf(stderr, "rw_benchgen: N: expected 1 to %llu, found '%s'\n",
                    (unsigned long long)BENCH_PREFIX_MAX, argv[2]);
            return 2;
        }
        return bench_prefixes(argv[3], v);
    }
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        printf("usage: rw_benchgen bench OUT.pcap [BYTES]   (default %llu)\n"
               "       rw_benchgen keepalive N OUT.pcap   (N sessions at once, N <= %u)\n"
               "       rw_benchgen prefixes N OUT.txt     (N <= %llu)\n"
               "       rw_benchgen <any rw_pcapgen command>\n",
               (unsigned long long)BENCH_DEFAULT_BYTES, KA_MAX_SESSIONS,
               (unsigned long long)BENCH_PREFIX_MAX);
        return 0;
    }
    return rw_pcapgen_main(argc, argv);
}
