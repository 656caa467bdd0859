/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_capture.c — opening capture files, directories and live interfaces; the progress line. */
#include "rw_capture.h"

#include <dirent.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "rw.h"

static int inputs_add(struct rw_capture_inputs *in, const char *path, uint64_t size,
                      size_t *cap)
{
    if (in->n == *cap) {
        size_t ncap = *cap == 0 ? 16 : *cap * 2;
        struct rw_capture_input *ni = rw_realloc(in->items, ncap * sizeof(*ni));

        if (ni == NULL)
            return -1;
        in->items = ni;
        *cap = ncap;
    }
    in->items[in->n].path = rw_strdup(path);
    if (in->items[in->n].path == NULL)
        return -1;
    in->items[in->n].size = size;
    in->total_bytes += size;
    in->n++;
    return 0;
}

static int inputs_cmp(const void *a, const void *b)
{
    const struct rw_capture_input *x = a, *y = b;

    return strcmp(x->path, y->path);
}

int rw_capture_inputs_list(const char *path, struct rw_capture_inputs *in, char *err,
                           size_t errlen)
{
    struct stat st;
    DIR *d = NULL;
    struct dirent *de;
    size_t cap = 0;
    char full[4096];
    int rc = -1;

    memset(in, 0, sizeof(*in));
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (inputs_add(in, path, (uint64_t)st.st_size, &cap) != 0) {
            snprintf(err, errlen, "%s: out of memory", path);
            goto out;
        }
        return 0;
    }
    d = opendir(path);
    if (d == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        goto out;
    }
    while ((de = readdir(d)) != NULL) {
        int n;

        if (de->d_name[0] == '.')
            continue;
        n = snprintf(full, sizeof(full), "%s/%s", path, de->d_name);
        if (n < 0 || (size_t)n >= sizeof(full)) {
            snprintf(err, errlen, "%s: path too long", path);
            goto out;
        }
        /* An entry that cannot be looked at (dangling or looping symlink, no permission)
         * is kept: opening it reports why. Directories and devices are skipped. */
        if (stat(full, &st) != 0)
            st.st_size = 0;
        else if (!S_ISREG(st.st_mode))
            continue;
        if (inputs_add(in, full, (uint64_t)st.st_size, &cap) != 0) {
            snprintf(err, errlen, "%s: out of memory", path);
            goto out;
        }
    }
    if (in->n == 0) {
        snprintf(err, errlen, "%s: no capture files in directory", path);
        goto out;
    }
    qsort(in->items, in->n, sizeof(in->items[0]), inputs_cmp);
    rc = 0;
out:
    if (d != NULL)
        closedir(d);
    if (rc != 0)
        rw_capture_inputs_cleanup(in);
    return rc;
}

void rw_capture_inputs_cleanup(struct rw_capture_inputs *in)
{
    for (size_t i = 0; i < in->n; i++)
        rw_free(in->items[i].path);
    rw_free(in->items);
    memset(in, 0, sizeof(*in));
}

pcap_t *rw_capture_open_file(const char *path, char *err, size_t errlen)
{
    return rw_capture_open_file_buffered(path, NULL, 0, err, errlen);
}

pcap_t *rw_capture_open_file_buffered(const char *path, char *buf, size_t buflen, char *err,
                                      size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    FILE *fp = fopen(path, "rbe");
    pcap_t *p;

    if (fp == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    /* glibc ignores the size unless it is given the buffer too. A failed setvbuf leaves
     * stdio's own buffer: slower, not wrong. */
    if (buf != NULL && buflen > 0)
        (void)setvbuf(fp, buf, _IOFBF, buflen);
    /* Only the thread that reads the capture touches this FILE. Once a process has threads
     * (--workers) glibc takes the FILE's lock in every fread, and libpcap calls fread twice
     * per record: that was 4.9% of a two-worker replay's samples (1.5% with one thread). */
    (void)__fsetlocking(fp, FSETLOCKING_BYCALLER);
    p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
    if (p == NULL) {
        fclose(fp); /* libpcap owns the file only once it has accepted it */
        /* libpcap's messages already start with the path for I/O errors; keep one. */
        if (strncmp(ebuf, path, strlen(path)) == 0)
            snprintf(err, errlen, "%s", ebuf);
        else
            snprintf(err, errlen, "%s: %s", path, ebuf);
    }
    return p;
}

int rw_capture_set_filter(pcap_t *p, const char *expr, char *err, size_t errlen)
{
    struct bpf_program prog;

    if (expr == NULL || *expr == '\0')
        return 0;
    if (pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        snprintf(err, errlen, "filter '%s': %s", expr, pcap_geterr(p));
        return -1;
    }
    if (pcap_setfilter(p, &prog) != 0) {
        snprintf(err, errlen, "filter '%s': %s", expr, pcap_geterr(p));
        pcap_freecode(&prog);
        return -1;
    }
    pcap_freecode(&prog);
    return 0;
}

pcap_t *rw_capture_open_live(const struct rw_live_opts *o, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_create(o->iface, ebuf);
    int rc;

    if (p == NULL) {
        snprintf(err, errlen, "%s: %s", o->iface, ebuf);
        return NULL;
    }
    pcap_set_snaplen(p, o->snaplen > 0 ? o->snaplen : 262144);
    pcap_set_promisc(p, o->promisc);
    pcap_set_timeout(p, 250);
    pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_MICRO);
    pcap_set_buffer_size(p, (o->buffer_kib > 0 ? o->buffer_kib : RW_CAPTURE_BUFFER_KIB_DEFAULT) *
                                1024);
    rc = pcap_activate(p);
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", o->iface,
                 rc == PCAP_ERROR ? pcap_geterr(p) : pcap_statustostr(rc));
        pcap_close(p);
        return NULL;
    }
    if (rc > 0)
        fprintf(stderr, "reelwatch: warning: %s: %s\n", o->iface, pcap_statustostr(rc));
    if (rw_capture_set_filter(p, o->bpf, err, errlen) != 0) {
        pcap_close(p);
        return NULL;
    }
    return p;
}

static double progress_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void rw_progress_init(struct rw_progress *pr, int enabled, uint64_t total_bytes)
{
    memset(pr, 0, sizeof(*pr));
    pr->enabled = enabled;
    pr->total_bytes = total_bytes;
    pr->start_s = progress_now();
    pr->last_s = pr->start_s; /* a replay shorter than one redraw interval shows nothing */
}

void rw_progress_update(struct rw_progress *pr, uint64_t file_pos, uint64_t pkts)
{
    double now, el, rate;
    uint64_t done;

    if (!pr->enabled)
        return;
    now = progress_now();
    if (now - pr->last_s < 0.25)
        return;
    pr->last_s = now;
    el = now - pr->start_s;
    done = pr->done_before + file_pos;
    rate = el > 0 ? (double)done / el : 0;
    fprintf(stderr, "\r\033[K%.1f / %.1f MB  %llu pkts  %.1f MB/s  ETA %.0fs", (double)done / 1e6,
            (double)pr->total_bytes / 1e6, (unsigned long long)pkts, rate / 1e6,
            rate > 0 && pr->total_bytes > done ? (double)(pr->total_bytes - done) / rate : 0.0);
}

void rw_progress_file_done(struct rw_progress *pr, uint64_t file_size)
{
    pr->done_before += file_size;
}

void rw_progress_end(struct rw_progress *pr)
{
    if (pr->enabled && pr->last_s > pr->start_s)
        fprintf(stderr, "\r\033[K");
}

int rw_capture_join_fanout(pcap_t *p, const char *iface, uint16_t group_id, char *err,
                           size_t errlen)
{
    int fd = pcap_fileno(p);
    int arg = (int)((uint32_t)group_id |
                    (uint32_t)(PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG) << 16);

    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot join fanout group %u: no capture socket", iface,
                 (unsigned)group_id);
        return -1;
    }
    if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof(arg)) != 0) {
        snprintf(err, errlen, "%s: cannot join fanout group %u (--workers needs a Linux "
                              "AF_PACKET interface): %s", iface, (unsigned)group_id,
                 strerror(errno));
        return -1;
    }
    return 0;
}
