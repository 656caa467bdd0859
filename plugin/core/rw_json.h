/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_json.h — a streaming JSON writer: one compact line into a growing buffer, no tree. */
#ifndef RW_JSON_H
#define RW_JSON_H

#include <stddef.h>
#include <stdint.h>

/*
 * EVE records are written straight into a buffer, key after key, as Suricata's own
 * JsonBuilder (rust/src/jsonbuilder.rs, Suricata 6.0 on) does: no tree of objects, one
 * allocation per record (plus a doubling when a record outgrows it).
 *
 * Strings are escaped exactly as JsonBuilder's set_string_from_bytes escapes them:
 *   - bytes that are valid UTF-8 as a whole (RFC 3629: no overlongs, no surrogates,
 *     nothing past U+10FFFF; NUL is valid) are written as they are, except '"' and '\\'
 *     (backslash-escaped), \b \t \n \f \r, and every other byte below 0x20 as \u00xx
 *     (lower-case hex). 0x7F and all non-ASCII characters stay raw UTF-8.
 *   - any other bytes: every byte of 0x80 and above becomes the four characters "\xnn"
 *     (lower-case hex; the backslash is then escaped, so the JSON text holds "\\xnn"),
 *     the ASCII bytes stay and are escaped as above. One invalid byte switches the whole
 *     string to this form, valid multi-byte characters included, as in Suricata.
 * Keys are escaped the same way (they are program literals or rule metadata keys).
 *
 * Errors are sticky: after an allocation fails or the line would pass RW_JSON_MAX_BYTES
 * (less up to 52 bytes of working room a member takes before it knows its key's length)
 * every call does nothing, and rw_json_error() says why. Nesting past RW_JSON_MAX_DEPTH is
 * an error too. The writer is not thread-safe; each record has its own.
 */

#define RW_JSON_MAX_DEPTH 32
#define RW_JSON_MAX_BYTES (16u * 1024 * 1024)

struct rw_json {
    char *buf;          /* read-only: the text so far; NUL-terminated (not counted in len)
                         * once a close has returned to the top level */
    size_t len;         /* read-only */
    size_t cap;         /* private */
    int err;            /* private: 0 or RW_E* */
    unsigned depth;     /* private: open objects and arrays */
    uint32_t first;     /* private: bit d set when level d has no member yet */
    uint32_t array;     /* private: bit d set when level d is an array */
#ifdef RW_JSON_YAJL
    void *gen;          /* private: the yajl_gen of tools/bench/rw_json_yajl.c (measured) */
#endif
};

/* rw_json_new allocates a writer with cap bytes of buffer (at least 64). The caller owns
 * it and frees it with rw_json_free (NULL is fine). NULL on OOM. */
struct rw_json *rw_json_new(size_t cap);
void rw_json_free(struct rw_json *j);

/* rw_json_reset empties the writer, keeping its buffer, and clears any error. */
void rw_json_reset(struct rw_json *j);

/* rw_json_error: 0 while every write succeeded, else RW_ENOMEM (allocation, size limit) or
 * RW_EINVAL (a close without an open, nesting too deep). */
int rw_json_error(const struct rw_json *j);

/*
 * Members. key names the member inside an object; pass NULL for an element of an array or
 * for a value at the top level. Each writes the separating comma itself.
 */
void rw_json_object_open(struct rw_json *j, const char *key);
void rw_json_array_open(struct rw_json *j, const char *key);
void rw_json_close(struct rw_json *j);  /* closes the innermost object or array */

/* rw_json_str writes len bytes of s (any bytes, NULL only when len is 0) escaped as above. */
void rw_json_str(struct rw_json *j, const char *key, const char *s, size_t len);
/* rw_json_cstr writes a NUL-terminated string (NULL writes nothing, not even the key). */
void rw_json_cstr(struct rw_json *j, const char *key, const char *s);
/* rw_json_u64 writes v in decimal; values past INT64_MAX saturate to INT64_MAX, as JSON
 * readers that hold integers in a signed 64-bit type (jansson, Suricata's) need. */
void rw_json_u64(struct rw_json *j, const char *key, uint64_t v);
void rw_json_bool(struct rw_json *j, const char *key, int v);

/* rw_json_utf8_valid: 1 when s[0..len) is well-formed UTF-8 (RFC 3629), NUL allowed. */
int rw_json_utf8_valid(const char *s, size_t len);

#endif
