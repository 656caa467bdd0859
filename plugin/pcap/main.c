/* SPDX-License-Identifier: GPL-2.0-or-later */
/* main.c — reelwatch, the standalone libpcap host: its command line (options, -h, -V, exit
 * codes, --user), and the run from rules to the last stats record. The host's workers,
 * signals, stats and live capture are in rw_host.c, the replay of files and its threads in
 * rw_replay.c (what they share: rw_host_int.h). */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <grp.h>
#include <pcap/pcap.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rw.h"
#include "rw_capture.h"
#include "rw_evefile.h"
#include "rw_flowtable.h"
#include "rw_host_int.h"
#include "rw_report.h"

/* RW_VERSION comes from the file VERSION at the top of the tree, the one place that holds
 * it: the Makefile passes it as -DRW_VERSION (dist/package.mk); built any other way, -V's
 * use of it does not compile. */

/* The rule set -c defaults to. The source tree's build keeps the relative "rules" so that
 * `make run` works from the checkout; `make install` builds its binary with
 * -DRW_DEFAULT_RULES='"$(SYSCONFDIR)/reelwatch"' (dist/install.mk). */
#ifndef RW_DEFAULT_RULES
#define RW_DEFAULT_RULES "rules"
#endif

/* --stats-interval: at most a day. */
#define RW_STATS_INTERVAL_MAX_SEC 86400

/* Exit codes (documented in reelwatch -h and docs/). */
enum {
    EXIT_OK = 0,
    EXIT_CONFIG = 1,   /* rules, lists or --set refused; -T found errors */
    EXIT_USAGE = 2,    /* bad command line */
    EXIT_CAPTURE = 3,  /* an input could not be opened (others were still processed) */
    EXIT_OUTPUT = 4,   /* EVE output could not be opened or written */
};

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: reelwatch [options] -r PATH | -i IFACE [BPF filter ...]\n"
            "       reelwatch report [-o OUT] [--format html|text|json] [--tz ZONE] EVE...\n"
            "\n"
            "  -r PATH           replay a pcap/pcapng file, or every capture in a directory\n"
            "                    in name order\n"
            "  -i IFACE          capture live on IFACE\n"
            "  -s SNAPLEN        live: bytes captured per packet (default 262144)\n"
            "  -B KIB            live: kernel buffer size in KiB, per worker\n"
            "                    (default 65536)\n"
            "  -p                live: do not put the interface in promiscuous mode\n"
            "  -c PATH           rule file or directory of rule files\n"
            "                    (default: " RW_DEFAULT_RULES ")\n"
            "  -l DIR            write DIR/eve.json (default: EVE on stdout); DIR and the\n"
            "                    directories above it must not be writable by other users\n"
            "  --user NAME       started as root: open the capture and EVE, then run as NAME\n"
            "  --group NAME      with --user: run as group NAME (default: NAME's own group)\n"
            "  --workers N       shard flows over N threads, each with its own flow table\n"
            "                    and nDPI (default 1); live: N sockets in one PACKET_FANOUT\n"
            "                    group; flow.memcap is divided between them\n"
            "  --stats-interval SECONDS\n"
            "                    a stats record every SECONDS of packet time (replay) or\n"
            "                    wall time (live); 0, the default: one at the end only\n"
            "  --set NAME=VALUE  override a setting: a rule-set variable such as\n"
            "                    home_net=10.0.0.0/8,fd00::/8, eve.types=alert,stats,\n"
            "                    flow.memcap=256MiB, flow.timeout.tcp_closed=5s ...\n"
            "  -T                load and check rules and settings, then exit\n"
            "  -v                more messages on stderr\n"
            "  -V, --version     print the version\n"
            "  -h, --help        this help\n"
            "\n"
            "exit codes: 0 ok; 1 rules or settings refused; 2 usage; 3 an input could not\n"
            "be opened (the others were processed); 4 EVE output failed\n");
}

/* Host settings (flow.*) are taken here; every other --set goes to the core. */
static int host_take_set(struct host_opts *o, const char *s)
{
    const struct {
        const char *name;
        uint32_t *field;
    } timeouts[] = {
        {"flow.timeout.tcp_new", &o->ft.timeout_tcp_new_sec},
        {"flow.timeout.tcp_established", &o->ft.timeout_tcp_est_sec},
        {"flow.timeout.tcp_closed", &o->ft.timeout_tcp_closed_sec},
        {"flow.timeout.udp_new", &o->ft.timeout_udp_new_sec},
        {"flow.timeout.udp_established", &o->ft.timeout_udp_est_sec},
        {"flow.timeout.other", &o->ft.timeout_other_sec},
    };
    const char *eq = strchr(s, '=');
    const char *why = NULL;
    uint64_t v;

    if (eq == NULL || strncmp(s, "flow.", 5) != 0)
        return 0;
    if ((size_t)(eq - s) == strlen("flow.memcap") && strncmp(s, "flow.memcap", 11) == 0) {
        if (rw_num_parse_size(eq + 1, RW_FLOW_MEMCAP_MIN_BYTES, UINT64_MAX / 2, &v, &why) != 0) {
            fprintf(stderr, "--set: flow.memcap: expected a size of at least %llu bytes "
                            "(such as 64MiB), found '%s'\n",
                    (unsigned long long)RW_FLOW_MEMCAP_MIN_BYTES, eq + 1);
            return -1;
        }
        o->ft.memcap_bytes = v;
        return 1;
    }
    for (size_t i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++) {
        if ((size_t)(eq - s) != strlen(timeouts[i].name) ||
            strncmp(s, timeouts[i].name, strlen(timeouts[i].name)) != 0)
            continue;
        if (rw_num_parse_duration(eq + 1, 1, 7 * 86400, &v, &why) != 0) {
            fprintf(stderr, "--set: %s: expected a duration from 1s to 7d (such as 90s or "
                            "10m), found '%s'\n", timeouts[i].name, eq + 1);
            return -1;
        }
        *timeouts[i].field = (uint32_t)v;
        return 1;
    }
    fprintf(stderr, "--set: unknown setting '%.*s'\n", (int)(eq - s), s);
    return -1;
}

static int parse_int_opt(const char *opt, const char *val, uint64_t min, uint64_t max, int *out)
{
    uint64_t v;
    const char *why = NULL;

    if (rw_num_parse_u64(val, min, max, &v, &why) != 0) {
        fprintf(stderr, "reelwatch: %s: expected a whole number from %llu to %llu, found '%s'\n",
                opt, (unsigned long long)min, (unsigned long long)max, val);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* Joins the trailing arguments into one BPF expression, as tcpdump does. */
static int join_filter(struct host_opts *o, int argc, char **argv)
{
    size_t len = 0;

    if (argc == 0)
        return 0;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    o->bpf = rw_malloc(len);
    if (o->bpf == NULL)
        return -1;
    o->bpf[0] = '\0';
    for (int i = 0; i < argc; i++) {
        if (i > 0)
            strncat(o->bpf, " ", len - strlen(o->bpf) - 1);
        strncat(o->bpf, argv[i], len - strlen(o->bpf) - 1);
    }
    return 0;
}

static int parse_args(struct host_opts *o, int argc, char **argv)
{
    enum { OPT_SET = 256, OPT_USER, OPT_GROUP, OPT_STATS, OPT_WORKERS };
    static const struct option longopts[] = {
        {"set", required_argument, NULL, OPT_SET},
        {"user", required_argument, NULL, OPT_USER},
        {"group", required_argument, NULL, OPT_GROUP},
        {"stats-interval", required_argument, NULL, OPT_STATS},
        {"workers", required_argument, NULL, OPT_WORKERS},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    o->rules_path = RW_DEFAULT_RULES;
    o->live.promisc = 1;
    o->workers = 1;
    while ((c = getopt_long(argc, argv, "+r:i:c:l:s:B:pTvVh", longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            o->read_path = optarg;
            break;
        case 'i':
            o->live.iface = optarg;
            break;
        case 'c':
            o->rules_path = optarg;
            break;
        case 'l':
            o->log_dir = optarg;
            break;
        case 's':
            if (parse_int_opt("-s", optarg, 64, 262144, &o->live.snaplen) != 0)
                return EXIT_USAGE;
            break;
        case 'B':
            if (parse_int_opt("-B", optarg, 1, INT_MAX / 1024, &o->live.buffer_kib) != 0)
                return EXIT_USAGE;
            break;
        case 'p':
            o->live.promisc = 0;
            break;
        case 'T':
            o->test_only = 1;
            break;
        case 'v':
            o->verbose++;
            break;
        case 'V':
            printf("reelwatch %s (nDPI %s, %s)\n", RW_VERSION, "4.2", pcap_lib_version());
            exit(EXIT_OK);
        case 'h':
            usage(stdout);
            exit(EXIT_OK);
        case OPT_USER:
            o->run_user = optarg;
            break;
        case OPT_GROUP:
            o->run_group = optarg;
            break;
        case OPT_STATS:
            if (parse_int_opt("--stats-interval", optarg, 0, RW_STATS_INTERVAL_MAX_SEC,
                              &o->stats_interval_sec) != 0)
                return EXIT_USAGE;
            break;
        case OPT_WORKERS:
            if (parse_int_opt("--workers", optarg, 1, RW_WORKERS_MAX, &o->workers) != 0)
                return EXIT_USAGE;
            break;
        case OPT_SET: {
            int t = host_take_set(o, optarg);

            if (t < 0)
                return EXIT_CONFIG;
            if (t == 0) {
                if (o->nsets == RW_SET_MAX) {
                    fprintf(stderr, "reelwatch: --set: at most %d settings\n", RW_SET_MAX);
                    return EXIT_USAGE;
                }
                o->sets[o->nsets++] = optarg;
            }
            break;
        }
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (!o->test_only && (o->read_path == NULL) == (o->live.iface == NULL)) {
        fprintf(stderr, "reelwatch: give exactly one of -r PATH or -i IFACE (or -T)\n");
        usage(stderr);
        return EXIT_USAGE;
    }
    if (o->run_group != NULL && o->run_user == NULL) {
        fprintf(stderr, "reelwatch: --group needs --user\n");
        return EXIT_USAGE;
    }
    if (join_filter(o, argc - optind, argv + optind) != 0) {
        fprintf(stderr, "reelwatch: out of memory\n");
        return EXIT_USAGE;
    }
    o->live.bpf = o->bpf;
    return EXIT_OK;
}

/* Looks up --user and --group before anything is opened, so a typo fails early. */
static int host_resolve_user(struct host_opts *o)
{
    struct passwd *pw;
    struct group *gr;

    if (o->run_user == NULL)
        return 0;
    if (geteuid() != 0) {
        fprintf(stderr, "reelwatch: --user %s: only root can change user (running as uid "
                        "%lu); start as root or leave --user out\n",
                o->run_user, (unsigned long)geteuid());
        return -1;
    }
    errno = 0;
    pw = getpwnam(o->run_user);
    if (pw == NULL) {
        fprintf(stderr, "reelwatch: --user %s: no such user\n", o->run_user);
        return -1;
    }
    if (pw->pw_uid == 0) {
        fprintf(stderr, "reelwatch: --user %s: that is root; name an unprivileged user\n",
                o->run_user);
        return -1;
    }
    o->run_uid = pw->pw_uid;
    o->run_gid = pw->pw_gid;
    if (o->run_group != NULL) {
        gr = getgrnam(o->run_group);
        if (gr == NULL) {
            fprintf(stderr, "reelwatch: --group %s: no such group\n", o->run_group);
            return -1;
        }
        o->run_gid = gr->gr_gid;
    }
    if (o->run_gid == 0) {
        fprintf(stderr, "reelwatch: --user %s: its group is root's (gid 0); name another "
                        "with --group\n", o->run_user);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct host_opts o;
    struct host h;
    struct rw_diag *diag = NULL;
    struct rw_engine_config ecfg;
    struct rw_output out;
    char err[512], summary[256];
    int rc, eerr = 0, status = EXIT_OK, finished = 0;

    /* `reelwatch report EVE...`: the investigation report (plugin/report). */
    if (argc > 1 && strcmp(argv[1], "report") == 0)
        return rw_report_main(argc - 1, argv + 1);
    memset(&o, 0, sizeof(o));
    memset(&h, 0, sizeof(h));
    h.o = &o;
    rc = parse_args(&o, argc, argv);
    if (rc != EXIT_OK) {
        status = rc;
        goto out;
    }
    if (!o.test_only && host_resolve_user(&o) != 0) {
        status = EXIT_CONFIG;
        goto out;
    }
    diag = rw_diag_new();
    if (diag == NULL) {
        fprintf(stderr, "reelwatch: out of memory\n");
        status = EXIT_CONFIG;
        goto out;
    }
    if (!o.test_only) {
        /* Opened as root when started so, but checked for the user it will run as. */
        int refused = 0;

        h.eve = rw_evefile_open_as(o.log_dir, o.run_user != NULL ? o.run_uid : geteuid(),
                                   o.run_user != NULL ? o.run_gid : getegid(), err,
                                   sizeof(err), &refused);
        if (h.eve == NULL) {
            fprintf(stderr, "reelwatch: %s EVE output: %s\n",
                    refused ? "refusing unsafe" : "cannot open", err);
            status = refused ? EXIT_CONFIG : EXIT_OUTPUT;
            goto out;
        }
        out = rw_evefile_output(h.eve);
    } else {
        out = (struct rw_output){0};
    }
    ecfg = (struct rw_engine_config){
        .rules_path = o.rules_path,
        .sets = o.sets,
        .nsets = o.nsets,
    };
    h.ecfg = ecfg;
    h.engine = rw_engine_new(&ecfg, &out, diag, &eerr);
    if (h.engine == NULL) {
        int n = rw_host_print_diag(diag);

        if (eerr == RW_ENOMEM && n == 0)
            fprintf(stderr, "reelwatch: out of memory while loading rules\n");
        fprintf(stderr, "reelwatch: %zu error%s; rule set refused\n", rw_diag_count(diag),
                rw_diag_count(diag) == 1 ? "" : "s");
        status = EXIT_CONFIG;
        goto out;
    }
    rw_engine_summary(h.engine, summary, sizeof(summary));
    if (o.test_only) {
        printf("reelwatch: configuration OK: %s\n", summary);
        finished = 1;
        goto out;
    }
    if (o.verbose)
        fprintf(stderr, "reelwatch: %s\n", summary);
    if (rw_host_setup_workers(&h) != 0) {
        status = EXIT_CONFIG;
        goto out;
    }
    if (rw_host_setup_signals() != 0) {
        fprintf(stderr, "reelwatch: cannot install signal handlers: %s\n", strerror(errno));
        status = EXIT_CONFIG;
        goto out;
    }
    if (o.read_path != NULL)
        rc = rw_host_drop_privileges(&h) != 0 ? -1 : rw_replay_run_inputs(&h);
    else if (h.nw > 1)
        rc = rw_host_run_live_workers(&h);
    else
        rc = rw_host_run_live(&h);
    if (h.priv_failed) {
        status = EXIT_CONFIG;
        goto out;
    }
    if (rc != 0)
        status = EXIT_CAPTURE;
    /* Flows still open end now; their records and the stats come before exit. */
    for (size_t i = 0; i < h.nw; i++)
        rw_flowtable_flush(h.w[i].ft, RW_END_SHUTDOWN);
    rw_host_write_stats(&h);
    finished = 1;
out:
    /* After a finished run the process ends here: the kernel takes the memory back at
     * once, while freeing a big rule set node by node costs (1M prefixes: about 0.6 s,
     * docs/performance.md). Sanitizer builds free everything, so leaks stay visible. */
    if (!finished || RW_ASAN) {
        rw_host_free_workers(&h);
        rw_engine_free(&h.engine);
    }
    if (h.eve != NULL && rw_evefile_close(&h.eve) != 0) {
        fprintf(stderr, "reelwatch: writing EVE output failed: %s\n", strerror(errno));
        status = EXIT_OUTPUT;
    }
    rw_diag_free(&diag);
    rw_free(o.bpf);
    return status;
}
