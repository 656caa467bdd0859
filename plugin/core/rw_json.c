/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_json.c — the streaming JSON writer behind EVE records (escaping as Suricata's). */
#include "rw_json.h"

#include <string.h>

#include "rw.h"
#include "rw_alloc.h"

static const char json_hex[] = "0123456789abcdef";

/*
 * What each byte becomes inside a valid-UTF-8 string (Suricata's ESCAPED table, itself
 * serde-json's): 0 = itself, 'u' = \u00xx, else the letter after a backslash.
 */
static const char json_esc[256] = {
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'b', 't', 'n', 'u', 'f', 'r', 'u', 'u',
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
    0, 0, '"', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '\\', 0, 0, 0,
    /* 0x60..0xFF: nothing (the rest of the table is zero) */
};

/*
 * 1 for the bytes that stand for themselves in both forms of a string: printable ASCII
 * and DEL, less '"' and '\\'. A string made only of these (addresses, timestamps, names,
 * most hosts and URIs) is copied as it is, with no UTF-8 check and no escaping pass.
 */
static const unsigned char json_plain[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x10 */
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20: '"' */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x30 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x40 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x50: '\\' */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x60 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x70 */
    /* 0x80..0xFF: 0 */
};

#define JSON_ONES UINT64_C(0x0101010101010101)
#define JSON_HIGH UINT64_C(0x8080808080808080)

/* Non-zero when some byte of x is zero (exact as a whole-word test: Hacker's Delight,
 * section 6-1). */
static inline uint64_t json_has_zero(uint64_t x)
{
    return (x - JSON_ONES) & ~x & JSON_HIGH;
}

/*
 * 1 when the eight bytes at s are all json_plain bytes: no byte has the high bit, none is
 * below 0x20 (only such a byte borrows into its clear high bit when 0x20 is subtracted
 * from every byte), and none equals '"' or '\\'.
 */
static inline int json_word_plain(const unsigned char *s)
{
    uint64_t x;

    memcpy(&x, s, 8);
    return ((x | ((x - 0x20 * JSON_ONES) & ~x)) & JSON_HIGH) == 0 &&
           json_has_zero(x ^ ('"' * JSON_ONES)) == 0 && json_has_zero(x ^ ('\\' * JSON_ONES)) == 0;
}

/* 1 when s[0..len) is all json_plain bytes: a byte at a time through the table for short
 * strings, eight at a time from 8 bytes on, the last word overlapping. */
static int json_is_plain(const unsigned char *s, size_t len)
{
    size_t i = 0;

    if (len < 8) {
        while (i < len && json_plain[s[i]])
            i++;
        return i == len;
    }
    for (; i + 8 <= len; i += 8) {
        if (!json_word_plain(s + i))
            return 0;
    }
    return i == len || json_word_plain(s + len - 8);
}

struct rw_json *rw_json_new(size_t cap)
{
    struct rw_json *j = rw_malloc(sizeof(*j));

    if (j == NULL)
        return NULL;
    if (cap < 64)
        cap = 64;
    j->buf = rw_malloc(cap);
    if (j->buf == NULL) {
        rw_free(j);
        return NULL;
    }
    j->cap = cap;
    rw_json_reset(j);
    return j;
}

void rw_json_free(struct rw_json *j)
{
    if (j == NULL)
        return;
    rw_free(j->buf);
    rw_free(j);
}

void rw_json_reset(struct rw_json *j)
{
    j->len = 0;
    j->err = 0;
    j->depth = 0;
    j->first = 1;
    j->array = 0;
}

int rw_json_error(const struct rw_json *j)
{
    return j == NULL ? RW_EINVAL : j->err;
}

/* Grows the buffer for n more bytes and a NUL. 0, or -1 with the error set. */
static int json_grow(struct rw_json *j, size_t n)
{
    size_t cap = j->cap;
    char *nb;

    n++;
    if (n > RW_JSON_MAX_BYTES - j->len) {
        j->err = RW_ENOMEM;
        return -1;
    }
    while (cap - j->len < n)
        cap *= 2;
    if (cap > RW_JSON_MAX_BYTES)
        cap = RW_JSON_MAX_BYTES;
    nb = rw_realloc(j->buf, cap);
    if (nb == NULL) {
        j->err = RW_ENOMEM;
        return -1;
    }
    j->buf = nb;
    j->cap = cap;
    return 0;
}

/* Makes room for n more bytes and a NUL after them. 0, or -1 with the error set. The
 * common case (room enough) is the one compare, inlined into every writer. */
static inline int json_room(struct rw_json *j, size_t n)
{
    if (j->err != 0)
        return -1;
    if (n < j->cap - j->len)
        return 0;
    return json_grow(j, n);
}

/*
 * The length of the well-formed UTF-8 sequence at s (left bytes remain), or 0. RFC 3629
 * section 4, as Rust's str::from_utf8 (which Suricata uses) checks it: no overlongs (C0,
 * C1, E0 80..9F, F0 80..8F), no surrogates (ED A0..BF), nothing above U+10FFFF.
 */
static size_t json_utf8_len(const unsigned char *s, size_t left)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xBF;
    size_t n;

    if (c < 0x80)
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

int rw_json_utf8_valid(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    while (i < len) {
        size_t k;

        if (u[i] < 0x80) {
            i++;
            continue;
        }
        k = json_utf8_len(u + i, len - i);
        if (k == 0)
            return 0;
        i += k;
    }
    return 1;
}

/*
 * Writes s quoted and escaped. Worst cases per input byte: 6 ("\u00xx") when valid, 5
 * ("\\xnn") when not; room for the whole string is made once.
 */
static void json_string(struct rw_json *j, const char *s, size_t len, int valid)
{
    const unsigned char *u = (const unsigned char *)s;
    char *o;

    if (len > (RW_JSON_MAX_BYTES - 2) / 6) {
        j->err = j->err != 0 ? j->err : RW_ENOMEM;
        return;
    }
    if (json_room(j, len * 6 + 2) != 0)
        return;
    o = j->buf + j->len;
    *o++ = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = u[i];
        char e;

        if (c >= 0x80) {
            if (valid) {
                *o++ = (char)c;
            } else {
                *o++ = '\\';
                *o++ = '\\';
                *o++ = 'x';
                *o++ = json_hex[c >> 4];
                *o++ = json_hex[c & 0x0F];
            }
            continue;
        }
        e = json_esc[c];
        if (e == 0) {
            *o++ = (char)c;
        } else if (e == 'u') {
            memcpy(o, "\\u00", 4);
            o[4] = json_hex[c >> 4];
            o[5] = json_hex[c & 0x0F];
            o += 6;
        } else {
            *o++ = '\\';
            *o++ = e;
        }
    }
    *o++ = '"';
    j->len = (size_t)(o - j->buf);
}

/* Short keys and values are copied in the same pass that looks for their end and checks
 * that they are plain: no strlen, no memcpy call. Longer ones take the general path. */
#define JSON_SHORT_BYTES 48

/*
 * Copies the NUL-terminated s quoted to the end of the text when it is plain and shorter
 * than JSON_SHORT_BYTES; then returns 1. Else writes nothing and returns 0 (the caller
 * takes the general path). Room must be made by the caller for JSON_SHORT_BYTES + 2.
 */
static inline int json_short_plain(struct rw_json *j, const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    char *o = j->buf + j->len + 1;
    size_t i = 0;

    while (i < JSON_SHORT_BYTES && json_plain[u[i]]) {
        o[i] = (char)u[i];
        i++;
    }
    if (u[i] != '\0' || i >= JSON_SHORT_BYTES)
        return 0;
    o[-1] = '"';
    o[i] = '"';
    j->len += i + 2;
    return 1;
}

/* The comma and the key before a member. 0, or -1 when nothing may be written. */
static int json_member(struct rw_json *j, const char *key)
{
    size_t n;

    if (j->err != 0)
        return -1;
    /* Room for the comma, a short key, its quotes and the colon, in one check. */
    if (json_room(j, JSON_SHORT_BYTES + 4) != 0)
        return -1;
    if (j->first & (UINT32_C(1) << j->depth))
        j->first &= ~(UINT32_C(1) << j->depth);
    else
        j->buf[j->len++] = ',';
    if (key == NULL)
        return 0;
    /* Keys are program literals or libyaml's (valid UTF-8): no validation. */
    if (json_short_plain(j, key)) {
        j->buf[j->len++] = ':';
        return 0;
    }
    n = strlen(key);
    if (json_is_plain((const unsigned char *)key, n)) {
        char *o;

        if (json_room(j, n + 3) != 0)
            return -1;
        o = j->buf + j->len;
        o[0] = '"';
        memcpy(o + 1, key, n);
        o[n + 1] = '"';
        o[n + 2] = ':';
        j->len += n + 3;
        return 0;
    }
    json_string(j, key, n, 1);
    if (json_room(j, 1) != 0)
        return -1;
    j->buf[j->len++] = ':';
    return 0;
}

static void json_open(struct rw_json *j, const char *key, char c)
{
    if (json_member(j, key) != 0)
        return;
    if (j->depth + 1 >= RW_JSON_MAX_DEPTH) {
        j->err = RW_EINVAL;
        return;
    }
    if (json_room(j, 1) != 0)
        return;
    j->buf[j->len++] = c;
    j->depth++;
    j->first |= UINT32_C(1) << j->depth;
    if (c == '[')
        j->array |= UINT32_C(1) << j->depth;
}

void rw_json_object_open(struct rw_json *j, const char *key)
{
    json_open(j, key, '{');
}

void rw_json_array_open(struct rw_json *j, const char *key)
{
    json_open(j, key, '[');
}

void rw_json_close(struct rw_json *j)
{
    char c;

    if (j->err != 0)
        return;
    if (j->depth == 0) {
        j->err = RW_EINVAL;
        return;
    }
    c = j->array & (UINT32_C(1) << j->depth) ? ']' : '}';
    if (json_room(j, 1) != 0)
        return;
    j->buf[j->len++] = c;
    j->first &= ~(UINT32_C(1) << j->depth);
    j->array &= ~(UINT32_C(1) << j->depth);
    j->depth--;
    j->buf[j->len] = '\0'; /* room kept by json_room: hosts may treat the line as a string */
}

/* A string value after its key: copied when plain, else checked and escaped. */
static void json_value(struct rw_json *j, const char *s, size_t len)
{
    if (json_is_plain((const unsigned char *)s, len)) {
        char *o;

        if (len > (RW_JSON_MAX_BYTES - 2) / 6) { /* json_string's bound, kept the same */
            j->err = RW_ENOMEM;
            return;
        }
        if (json_room(j, len + 2) != 0)
            return;
        o = j->buf + j->len;
        o[0] = '"';
        if (len > 0)
            memcpy(o + 1, s, len);
        o[len + 1] = '"';
        j->len += len + 2;
        return;
    }
    json_string(j, s, len, rw_json_utf8_valid(s, len));
}

void rw_json_str(struct rw_json *j, const char *key, const char *s, size_t len)
{
    if (s == NULL && len != 0) {
        if (j->err == 0)
            j->err = RW_EINVAL;
        return;
    }
    if (json_member(j, key) != 0)
        return;
    json_value(j, s, len);
}

void rw_json_cstr(struct rw_json *j, const char *key, const char *s)
{
    if (s == NULL)
        return;
    if (json_member(j, key) != 0)
        return;
    if (json_room(j, JSON_SHORT_BYTES + 2) != 0)
        return;
    if (json_short_plain(j, s))
        return;
    json_value(j, s, strlen(s));
}

/* "00".."99": two digits per division. */
static const char json_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

void rw_json_u64(struct rw_json *j, const char *key, uint64_t v)
{
    char tmp[20];
    size_t n = sizeof(tmp);

    if (v > (uint64_t)INT64_MAX)
        v = (uint64_t)INT64_MAX;
    if (json_member(j, key) != 0)
        return;
    while (v >= 100) {
        n -= 2;
        memcpy(tmp + n, json_pairs + 2 * (v % 100), 2);
        v /= 100;
    }
    if (v >= 10) {
        n -= 2;
        memcpy(tmp + n, json_pairs + 2 * v, 2);
    } else {
        tmp[--n] = (char)('0' + v);
    }
    if (json_room(j, sizeof(tmp) - n) != 0)
        return;
    memcpy(j->buf + j->len, tmp + n, sizeof(tmp) - n);
    j->len += sizeof(tmp) - n;
}

void rw_json_bool(struct rw_json *j, const char *key, int v)
{
    const char *w = v ? "true" : "false";
    size_t n = v ? 4 : 5;

    if (json_member(j, key) != 0 || json_room(j, n) != 0)
        return;
    memcpy(j->buf + j->len, w, n);
    j->len += n;
}
