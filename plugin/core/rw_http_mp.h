/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_http_mp.h — multipart/form-data reader of rw_http (private to the core). */
#ifndef RW_HTTP_MP_H
#define RW_HTTP_MP_H

#include <stddef.h>
#include <stdint.h>

#include "rw_http.h"

/*
 * A multipart/form-data request body (RFC 7578, RFC 2046 5.1) read as it streams:
 * delimiters are "CRLF--boundary" (the first may start the body), found whatever the
 * split into calls, keeping at most the delimiter bytes already matched, never a copy of
 * the body. Part header lines are at most RW_HTTP_LINE_MAX_BYTES (longer: counted,
 * ignored), a part's header block at most RW_HTTP_HDR_MAX_BYTES (more: the part is
 * skipped, multipart_bad). A part whose Content-Disposition has a non-empty filename=
 * (Suricata's reading: filename* is not read) is a file: part_open at the end of its
 * headers (so an empty part is a file of 0 bytes), part_data with its bytes, part_close
 * at the next delimiter (0) or when the body ends inside it (1). Other parts are counted
 * as form_fields. The preamble and epilogue are ignored. Counters go to the caller's
 * struct rw_http_counters. rw__ names: shared by rw_http.c and rw_http_mp.c only.
 */

/* A boundary is 1..70 characters (RFC 2046 5.1.1). */
#define RW_HTTP_MP_BOUNDARY_MAX 70

struct rw__http_mp;

struct rw__http_mp_sink {
    void *ctx;
    /* name: name_len bytes, NUL-terminated; ctype: the part's Content-Type, "" if none */
    void (*part_open)(void *ctx, const char *name, size_t name_len, const char *ctype);
    void (*part_data)(void *ctx, const uint8_t *p, size_t n);
    void (*part_close)(void *ctx, int truncated);
};

/* A reader for a body with this boundary (1..RW_HTTP_MP_BOUNDARY_MAX bytes, else NULL);
 * NULL also when memory is short. sink is copied; c is kept. */
struct rw__http_mp *rw__http_mp_new(const char *boundary, size_t blen,
                                    const struct rw__http_mp_sink *sink,
                                    struct rw_http_counters *c);
void rw__http_mp_feed(struct rw__http_mp *mp, const uint8_t *p, size_t n);
/* Bytes are missing: the open part is closed truncated; the next delimiter goes on. */
void rw__http_mp_gap(struct rw__http_mp *mp);
/* 1 while a file part is open. */
int rw__http_mp_part_open(const struct rw__http_mp *mp);
/* The body ended (truncated: cut short): the open part is closed, the reader freed, *mpp
 * set to NULL. A body complete without its close delimiter counts multipart_bad. */
void rw__http_mp_finish(struct rw__http_mp **mpp, int truncated);
/* Frees the reader with no sink calls; *mpp set to NULL. NULL is fine. */
void rw__http_mp_free(struct rw__http_mp **mpp);
/* What one reader holds (its struct, with an 8 KiB part-header line buffer). */
size_t rw__http_mp_bytes(void);

/* Parameter `want` (case-insensitive) of a header value "type *( ; name=value )", token
 * or quoted-string, copied into out (outsz, NUL-terminated). 1 when found; *cut set when
 * the value was cut. */
int rw__http_param_find(const char *v, size_t n, const char *want, char *out, size_t outsz,
                        size_t *outlen, int *cut);
/* Content-Disposition filename= as Suricata 7 reads it; 1 with a non-empty name. */
int rw__http_cd_filename(struct rw_http_counters *c, const char *v, size_t n, char *out,
                         size_t outsz, size_t *outlen);

#endif
