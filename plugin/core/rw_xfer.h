/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_xfer.h — the interface between protocol parsers (HTTP, FTP, ...) and the engine's files. */
#ifndef RW_XFER_H
#define RW_XFER_H

#include <stddef.h>
#include <stdint.h>

#include "rw.h"

/*
 * A parser sees the in-order bytes of one flow, per direction, from the stream
 * reassembler (or the datagrams of a UDP flow), and reports the files it finds through a
 * struct rw_xfer_sink that the engine gives it. The engine owns the files: it keeps the
 * first bytes for typing (at most RW_FILE_HEAD_MAX_BYTES), counts the rest, hashes when
 * asked, and turns file ends into fileinfo records and rule events. Parsers never copy
 * file bodies.
 *
 * Directions are enum rw_dir of the flow carrying the bytes: a file sent by the client
 * (POST body, FTP STOR on a data connection the client opened) is RW_TOSERVER. A parser
 * that learns the file's real direction otherwise (FTP active mode: the server opens the
 * data connection, but STOR still sends the file from the client) says so with `dir`.
 */

/* What a parser knows about the transfer a file belongs to. Strings are borrowed for the
 * call (the engine copies what it keeps, bounded); any may be NULL. */
struct rw_xfer_meta {
    const char *app_proto;         /* "http", "ftp-data", "smb", "tftp", ... */
    const char *method;            /* HTTP method or FTP command ("POST", "STOR") */
    const char *host;              /* HTTP Host */
    const char *uri;               /* HTTP request target, FTP path */
    const char *content_type;      /* declared type (HTTP Content-Type or part type) */
    const char *content_encoding;  /* HTTP Content-Encoding */
    uint64_t declared_size;        /* Content-Length or SIZE reply; 0 when unknown */
    uint8_t credentials;           /* 1: the client sent credentials (Authorization, Cookie,
                                    * a non-anonymous FTP login) */
    uint8_t anonymous;             /* 1: an anonymous login was accepted (FTP) */
};

/* The engine's side. ctx is the engine's per-flow state. A file id is > 0; 0 means the
 * engine could not track the file (memory): the parser keeps parsing and passes 0 on,
 * which the engine ignores. */
struct rw_xfer_sink {
    void *ctx;
    uint32_t (*file_open)(void *ctx, uint8_t dir, const char *name, size_t name_len,
                          const struct rw_xfer_meta *meta);
    void (*file_data)(void *ctx, uint32_t id, const uint8_t *data, size_t len);
    void (*file_gap)(void *ctx, uint32_t id, uint64_t len);
    /* truncated: the file ended before its declared end (connection closed, gap, ...) */
    void (*file_close)(void *ctx, uint32_t id, int truncated);
    /*
     * FTP and the like announce a data connection: the next new flow between client
     * address `client` (any port when client_port is 0) and server `server`:server_port
     * (either side may open it) carries the file `name` in direction dir (RW_TOSERVER:
     * an upload by the control connection's client). May be NULL for parsers that never
     * announce connections.
     */
    void (*expect)(void *ctx, const struct rw_addr *client, uint16_t client_port,
                   const struct rw_addr *server, uint16_t server_port, uint8_t dir,
                   const char *name, size_t name_len, const struct rw_xfer_meta *meta);
};

#endif
