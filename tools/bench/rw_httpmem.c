/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_httpmem.c — heap held per HTTP parser (mallinfo2 deltas) against rw_http_bytes, in four states. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "rw_http.h"

/*
 * make http-mem builds and runs it (plugin/core/rw_http.mk). For each state, N parsers
 * (default 20000) are made and brought to that state; the heap in use (mallinfo2
 * uordblks) grows by what they hold. Printed per parser: the measured bytes and the sum
 * of rw_http_bytes, whose constants (rw_http.c) come from these figures.
 *
 *   idle      one exchange each (PUT of 3 bytes, 201): between messages
 *   partial   the first 20 bytes of a request line: a header block spanning packets
 *   waiting   a whole PUT (5 headers, 3-byte body) whose response has not come
 *   gzip      a GET answered by a gzip body, half of it read: a live decompressor
 *
 * Built with -DRW_HTTPMEM_NO_BYTES against a parser without rw_http_bytes (the
 * hand-written one), only the heap is measured.
 */

static const char req[] = "PUT /dav/ep07/comp_v003.psd HTTP/1.1\r\nHost: 175.45.176.80\r\n"
                          "User-Agent: curl/7.88.1\r\nAccept: */*\r\n"
                          "Content-Type: image/vnd.adobe.photoshop\r\nContent-Length: 3\r\n\r\nabc";
static const char resp[] = "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
static const char get[] = "GET /ref.psd HTTP/1.1\r\nHost: cdn\r\n\r\n";

static size_t heap(void)
{
    struct mallinfo2 mi = mallinfo2();

    return mi.uordblks + mi.hblkhd;
}

static void feed(struct rw_http *h, int dir, const void *p, size_t n)
{
    rw_http_data(h, (uint8_t)dir, p, n);
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000;
    struct rw_http **hs = calloc(n, sizeof(*hs));
    static const char *names[] = {"idle", "partial", "waiting", "gzip"};
    static uint8_t body[65536], gz[70000];
    uLongf gzlen = sizeof(gz);
    char head[128];
    int hl;

    if (hs == NULL)
        return 1;
    for (size_t i = 0; i < sizeof(body); i++)
        body[i] = (uint8_t)((i * 7 + 3) ^ (i >> 5));
    if (compress2(gz, &gzlen, body, sizeof(body), 6) != Z_OK)
        return 1;
    hl = snprintf(head, sizeof(head),
                  "HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nContent-Length: %lu\r\n\r\n",
                  (unsigned long)gzlen);
    /* one parser first, so that libhtp's shared configuration is not counted */
    hs[0] = rw_http_new(NULL);
    feed(hs[0], 0, req, strlen(req));
    rw_http_free(&hs[0]);
    printf("%-8s %12s %14s   (%zu parsers)\n", "state", "heap/parser", "rw_http_bytes", n);
    for (int st = 0; st < 4; st++) {
        size_t before = heap(), sum = 0, after;

        for (size_t i = 0; i < n; i++) {
            struct rw_http *h = rw_http_new(NULL);

            if (h == NULL)
                return 1;
            hs[i] = h;
            switch (st) {
            case 0:
                feed(h, 0, req, strlen(req));
                feed(h, 1, resp, strlen(resp));
                break;
            case 1:
                feed(h, 0, req, 20);
                break;
            case 2:
                feed(h, 0, req, strlen(req));
                break;
            default:
                feed(h, 0, get, strlen(get));
                feed(h, 1, head, (size_t)hl);
                feed(h, 1, gz, gzlen / 2);
                break;
            }
        }
        after = heap();
        for (size_t i = 0; i < n; i++) {
#ifndef RW_HTTPMEM_NO_BYTES
            sum += rw_http_bytes(hs[i]);
#endif
            rw_http_free(&hs[i]);
        }
        printf("%-8s %12.0f %14.0f\n", names[st], (double)(after - before) / (double)n,
               (double)sum / (double)n);
    }
    free(hs);
    return 0;
}
