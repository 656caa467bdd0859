/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_evewriter.c — fileinfo records from fuzzed strings and numbers, read back by jansson. */
/*
 * Input: 24 bytes of numbers, then length-prefixed fields (one length byte, then that
 * many bytes, cut short at the end of the input):
 *
 *   | ts_us (8, BE) | size (8, BE) | flow_id (8, BE) | sel (1) | field ... |
 *
 * sel: app_proto (bits 0-1: http, ftp-data, tftp, smb), dir (bit 2), state (bits 3-4),
 * gaps (bit 5), IPv6 (bit 6). Fields in order: filename, method, host, uri, magic,
 * mode, app_proto extra; C-string fields end at their first NUL as a host's would.
 *
 * Every record must be one line of JSON that jansson parses (duplicates refused) and
 * whose strings decode to the documented escape of the input (rw_json.h, docs/eve.md):
 * the bytes themselves when they are UTF-8 (jansson's json_stringn is the reference:
 * it accepts exactly RFC 3629 UTF-8), else every byte >= 0x80 as the text \xnn.
 * Numbers come back as written (saturated at INT64_MAX). A free-form walk of the writer
 * (objects, arrays, strings, numbers chosen by the input) must parse too.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rw.h"
#include "rw_eve.h"
#include "rw_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FIELDS 7

static void fail(const char *what, const struct rw_json *j)
{
    fprintf(stderr, "fuzz_evewriter: %s: %.*s\n", what, j == NULL ? 0 : (int)j->len,
            j == NULL ? "" : j->buf);
    abort();
}

/* The documented value of s as a decoded JSON string, into out (4 * len bytes). */
static size_t documented(const uint8_t *s, size_t len, char *out)
{
    json_t *ref = json_stringn((const char *)s, len);
    size_t o = 0;

    if (ref != NULL) {
        json_decref(ref);
        memcpy(out, s, len);
        return len;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < 0x80) {
            out[o++] = (char)s[i];
        } else {
            snprintf(out + o, 5, "\\x%02x", s[i]);
            o += 4;
        }
    }
    return o;
}

static void check_str(const struct rw_json *j, json_t *v, const uint8_t *s, size_t len)
{
    char want[4 * 256 + 1];
    size_t n = documented(s, len, want);

    if (!json_is_string(v) || json_string_length(v) != n ||
        memcmp(json_string_value(v), want, n) != 0)
        fail("a string did not round-trip", j);
}

static uint64_t be64(const uint8_t *p)
{
    uint64_t v = 0;

    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static json_t *parse(const struct rw_json *j)
{
    json_error_t err;
    json_t *t;

    if (memchr(j->buf, '\n', j->len) != NULL)
        fail("a newline inside the line", j);
    t = json_loadb(j->buf, j->len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
    if (t == NULL) {
        fprintf(stderr, "fuzz_evewriter: jansson: %s at %d\n", err.text, err.position);
        fail("not JSON", j);
    }
    return t;
}

/* The writer alone: an op stream over the same bytes, closed at the end. */
static void walk(const uint8_t *data, size_t size)
{
    struct rw_json *j = rw_json_new(0);
    unsigned depth = 0;
    json_t *t;

    if (j == NULL)
        return;
    rw_json_array_open(j, NULL);
    for (size_t i = 0; i < size && depth < 20;) {
        uint8_t op = data[i++];
        size_t n = op >> 3;

        if (n > size - i)
            n = size - i;
        switch (op & 7) {
        case 0:
            rw_json_object_open(j, NULL);
            rw_json_str(j, "k", (const char *)data + i, n);
            rw_json_u64(j, "n", n);
            rw_json_close(j);
            i += n;
            break;
        case 1:
            rw_json_array_open(j, NULL);
            depth++;
            break;
        case 2:
            if (depth > 0) {
                rw_json_close(j);
                depth--;
            }
            break;
        case 3:
            rw_json_u64(j, NULL, i >= 8 ? be64(data + i - 8) : n);
            break;
        case 4:
            rw_json_bool(j, NULL, n & 1);
            break;
        default:
            rw_json_str(j, NULL, (const char *)data + i, n);
            i += n;
            break;
        }
    }
    while (depth-- > 0)
        rw_json_close(j);
    rw_json_close(j);
    if (rw_json_error(j) != 0 || j->depth != 0)
        fail("the walk failed", j);
    t = parse(j);
    json_decref(t);
    rw_json_free(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const aps[] = {"http", "ftp-data", "tftp", "smb"};
    const uint8_t *f[FIELDS];
    size_t flen[FIELDS], p = 25;
    char cstr[FIELDS][256];
    struct rw_flow_info info;
    struct rw_file_event ev;
    struct rw_json *rec;
    json_t *t, *fi, *sub;
    uint8_t sel;

    if (size < 25)
        return 0;
    walk(data, size);
    sel = data[24];
    for (int i = 0; i < FIELDS; i++) {
        size_t n = p < size ? data[p++] : 0;

        if (n > size - p)
            n = size - p;
        f[i] = data + p;
        flen[i] = n;
        p += n;
        /* a host's C string: up to the first NUL */
        memcpy(cstr[i], f[i], n);
        cstr[i][n] = '\0';
    }
    memset(&info, 0, sizeof(info));
    info.key.proto = 6;
    info.key.src.family = info.key.dst.family = sel & 0x40 ? 6 : 4;
    info.key.src.a[0] = 10;
    info.key.dst.a[0] = 192;
    info.key.sport = 40000;
    info.key.dport = 80;
    info.flow_id = be64(data + 16);
    memset(&ev, 0, sizeof(ev));
    ev.ts_us = be64(data);
    ev.size = be64(data + 8);
    ev.app_proto = aps[sel & 3];
    ev.dir = sel & 4 ? RW_TOCLIENT : RW_TOSERVER;
    ev.state = (uint8_t)(sel >> 3 & 3);
    ev.gaps = sel >> 5 & 1;
    ev.filename = (const char *)f[0];
    ev.filename_len = flen[0];
    ev.method = cstr[1];
    ev.host = cstr[2];
    ev.uri = cstr[3];
    ev.magic = flen[4] > 0 ? cstr[4] : NULL;
    ev.mode = cstr[5];
    rec = rw_eve_fileinfo_record(&info, &ev);
    if (rec == NULL)
        return 0; /* out of memory only */
    t = parse(rec);
    fi = json_object_get(t, "fileinfo");
    check_str(rec, json_object_get(fi, "filename"), f[0], flen[0]);
    if (ev.magic != NULL)
        check_str(rec, json_object_get(fi, "magic"), (const uint8_t *)cstr[4], strlen(cstr[4]));
    if (json_integer_value(json_object_get(fi, "size")) !=
        (json_int_t)(ev.size > INT64_MAX ? INT64_MAX : ev.size))
        fail("size", rec);
    if ((sel & 3) == 0) {
        sub = json_object_get(t, "http");
        check_str(rec, json_object_get(sub, "hostname"), (const uint8_t *)cstr[2],
                  strlen(cstr[2]));
        check_str(rec, json_object_get(sub, "url"), (const uint8_t *)cstr[3], strlen(cstr[3]));
    } else {
        sub = json_object_get(t, (sel & 3) == 1 ? "ftp_data" : (sel & 3) == 2 ? "tftp" : "smb");
        check_str(rec, json_object_get(sub, (sel & 3) == 2 ? "file" : "filename"), f[0], flen[0]);
    }
    json_decref(t);
    rw_json_free(rec);
    return 0;
}
