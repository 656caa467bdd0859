/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_rw_json.c — the streaming writer: Suricata's escaping, structure, limits, OOM. */
#include <CUnit/CUnit.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rw.h"
#include "rw_alloc.h"
#include "rw_json.h"
#include "rw_test.h"

/* The line the writer holds, NUL-terminated, for comparisons (static: tests run serially). */
static const char *text(const struct rw_json *j)
{
    static char buf[1 << 16];

    snprintf(buf, sizeof(buf), "%.*s", (int)j->len, j->buf);
    return buf;
}

/* One string written as a top-level value. */
static struct rw_json *one(const char *s, size_t len)
{
    struct rw_json *j = rw_json_new(0);

    if (j != NULL)
        rw_json_str(j, NULL, s, len);
    return j;
}

/*
 * The rule, written independently of rw_json.c from Suricata 7.0's jsonbuilder.rs: when
 * the bytes are valid UTF-8 (Rust's str::from_utf8) the parsed value is the bytes
 * themselves; otherwise every byte >= 0x80 stands as the text \xnn (lower-case hex) and
 * every other byte as itself. Returns the expected decoded value's length in out.
 */
static size_t documented(const unsigned char *in, size_t n, int valid, char *out)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        if (valid || in[i] < 0x80) {
            out[o++] = (char)in[i];
        } else {
            snprintf(out + o, 5, "\\x%02x", in[i]);
            o += 4;
        }
    }
    return o;
}

/* Parses the writer's line back with jansson; the decoded string must be want[0..n). */
static int round_trips(const struct rw_json *j, const char *want, size_t n)
{
    json_error_t err;
    json_t *v = json_loadb(j->buf, j->len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    int ok = json_is_string(v) && json_string_length(v) == n &&
             memcmp(json_string_value(v), want, n) == 0;

    json_decref(v);
    return ok;
}

struct str_case {
    const char *in;
    size_t len;
    const char *json; /* the exact text written */
};

#define S(lit) lit, sizeof(lit) - 1

static const struct str_case str_cases[] = {
    {S(""), "\"\""},
    /* quote, backslash, LF, TAB, 0x01, 0x1f: Suricata's table (lower-case hex); 0x7f (DEL)
     * is legal JSON as it is */
    {S("a\"b\\c\n\t\x01\x1f\x7f"), "\"a\\\"b\\\\c\\n\\t\\u0001\\u001f\x7f\""},
    {S("\b\f\r\x0b\x1b"), "\"\\b\\f\\r\\u000b\\u001b\""},
    {S("a\0b"), "\"a\\u0000b\""},                         /* NUL is UTF-8: \u0000 */
    {S("/"), "\"/\""},                                    /* solidus not escaped */
    {S("\xff"), "\"\\\\xff\""},                           /* never valid */
    {S("\x80"), "\"\\\\x80\""},                           /* lone continuation */
    {S("\xf5\x80\x80\x80"), "\"\\\\xf5\\\\x80\\\\x80\\\\x80\""}, /* lead past F4 */
    {S("\xc0\xaf"), "\"\\\\xc0\\\\xaf\""},                /* overlong '/' (2 bytes) */
    {S("\xc1\xbf"), "\"\\\\xc1\\\\xbf\""},                /* overlong U+007F */
    {S("\xe0\x80\xaf"), "\"\\\\xe0\\\\x80\\\\xaf\""},      /* overlong '/' (3 bytes) */
    {S("\xf0\x80\x80\xaf"), "\"\\\\xf0\\\\x80\\\\x80\\\\xaf\""}, /* overlong '/' (4 bytes) */
    {S("\xed\xa0\x80"), "\"\\\\xed\\\\xa0\\\\x80\""},      /* surrogate U+D800 */
    {S("\xed\xbf\xbf"), "\"\\\\xed\\\\xbf\\\\xbf\""},      /* surrogate U+DFFF */
    {S("\xf4\x90\x80\x80"), "\"\\\\xf4\\\\x90\\\\x80\\\\x80\""}, /* U+110000 */
    {S("x\xe2\x82"), "\"x\\\\xe2\\\\x82\""},              /* truncated at the end */
    {S("\xe2\x82x"), "\"\\\\xe2\\\\x82x\""},              /* truncated in the middle */
    /* one bad byte switches the whole string: the good "é" after it goes as \x too */
    {S("\xe2\xc3\xa9"), "\"\\\\xe2\\\\xc3\\\\xa9\""},
    /* and ASCII around it is still escaped as usual */
    {S("\"\xff\n\0"), "\"\\\"\\\\xff\\n\\u0000\""},
    /* valid and kept: é, €, U+1F600 (4 bytes), and the edges of each length */
    {S("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\""},
    {S("\xc2\x80\xdf\xbf"), "\"\xc2\x80\xdf\xbf\""},              /* U+0080, U+07FF */
    {S("\xe0\xa0\x80\xed\x9f\xbf"), "\"\xe0\xa0\x80\xed\x9f\xbf\""}, /* U+0800, U+D7FF */
    {S("\xee\x80\x80\xef\xbf\xbf"), "\"\xee\x80\x80\xef\xbf\xbf\""}, /* U+E000, U+FFFF */
    {S("\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"), "\"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\""},
    {S("\xe2\x80\xa8"), "\"\xe2\x80\xa8\""}, /* U+2028: legal in JSON, kept */
    {S("\\x41"), "\"\\\\x41\""},             /* backslash-x text typed by a user */
};

static void test_json_escapes_hostile_strings_exactly(void)
{
    for (size_t i = 0; i < sizeof(str_cases) / sizeof(str_cases[0]); i++) {
        const struct str_case *c = &str_cases[i];
        struct rw_json *j = one(c->in, c->len);
        int valid = rw_json_utf8_valid(c->in, c->len);
        char want[256];
        size_t n = documented((const unsigned char *)c->in, c->len, valid, want);

        CU_ASSERT_PTR_NOT_NULL_FATAL(j);
        CU_ASSERT_EQUAL(rw_json_error(j), 0);
        if (strcmp(text(j), c->json) != 0)
            fprintf(stderr, "\n  case %zu: expected %s\n           got      %s\n", i, c->json,
                    text(j));
        CU_ASSERT_STRING_EQUAL(text(j), c->json);
        CU_ASSERT_TRUE(round_trips(j, want, n));
        rw_json_free(j);
    }
}

/* Every single byte 0..255: the exact escape of Suricata's table for ASCII, \xnn above. */
static void test_json_every_byte_alone(void)
{
    size_t wrong = 0;

    for (unsigned b = 0; b < 256; b++) {
        unsigned char in = (unsigned char)b;
        char want[16];
        struct rw_json *j = one((const char *)&in, 1);

        if (b >= 0x80)
            snprintf(want, sizeof(want), "\"\\\\x%02x\"", b);
        else if (b == '"')
            snprintf(want, sizeof(want), "\"\\\"\"");
        else if (b == '\\')
            snprintf(want, sizeof(want), "\"\\\\\"");
        else if (b == '\b' || b == '\t' || b == '\n' || b == '\f' || b == '\r')
            snprintf(want, sizeof(want), "\"\\%c\"", "btnfr"[b == '\b' ? 0 : b == '\t' ? 1 : b == '\n' ? 2 : b == '\f' ? 3 : 4]);
        else if (b < 0x20)
            snprintf(want, sizeof(want), "\"\\u%04x\"", b);
        else
            snprintf(want, sizeof(want), "\"%c\"", b);
        if (j == NULL || strcmp(text(j), want) != 0) {
            fprintf(stderr, "\n  byte %u: expected %s got %s\n", b, want, j ? text(j) : "NULL");
            wrong++;
        }
        rw_json_free(j);
    }
    CU_ASSERT_EQUAL(wrong, 0);
}

/* Every code point U+0000..U+10FFFF, encoded independently here, parses back to itself,
 * except the surrogates, which are not UTF-8 and come back as three \xnn each. */
static void test_json_every_scalar_value_round_trips(void)
{
    size_t kept = 0, replaced = 0, wrong = 0;

    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        unsigned char b[4];
        char want[16];
        size_t n, wn;
        struct rw_json *j;

        if (cp < 0x80) {
            b[0] = (unsigned char)cp;
            n = 1;
        } else if (cp < 0x800) {
            b[0] = (unsigned char)(0xC0 | cp >> 6);
            b[1] = (unsigned char)(0x80 | (cp & 0x3F));
            n = 2;
        } else if (cp < 0x10000) {
            b[0] = (unsigned char)(0xE0 | cp >> 12);
            b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
            b[2] = (unsigned char)(0x80 | (cp & 0x3F));
            n = 3;
        } else {
            b[0] = (unsigned char)(0xF0 | cp >> 18);
            b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
            b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
            b[3] = (unsigned char)(0x80 | (cp & 0x3F));
            n = 4;
        }
        j = one((const char *)b, n);
        if (j == NULL) {
            wrong++;
            continue;
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            wn = documented(b, n, 0, want);
            if (wn == 12 && round_trips(j, want, wn))
                replaced++;
            else
                wrong++;
        } else if (round_trips(j, (const char *)b, n)) {
            kept++;
        } else {
            wrong++;
        }
        rw_json_free(j);
    }
    CU_ASSERT_EQUAL(kept, 0x110000 - 2048);
    CU_ASSERT_EQUAL(replaced, 2048);
    CU_ASSERT_EQUAL(wrong, 0);
}

/* Every two-byte input (NUL in the middle and at either end included) parses back to the
 * documented value. */
static void test_json_all_two_byte_inputs(void)
{
    size_t wrong = 0;

    for (unsigned v = 0; v < 65536; v++) {
        unsigned char b[2] = {(unsigned char)(v >> 8), (unsigned char)v};
        int valid = (b[0] < 0x80 && b[1] < 0x80) ||
                    (b[0] >= 0xC2 && b[0] <= 0xDF && b[1] >= 0x80 && b[1] <= 0xBF);
        char want[16];
        size_t n = documented(b, 2, valid, want);
        struct rw_json *j = one((const char *)b, 2);

        if (j == NULL || rw_json_utf8_valid((const char *)b, 2) != valid ||
            !round_trips(j, want, n))
            wrong++;
        rw_json_free(j);
    }
    CU_ASSERT_EQUAL(wrong, 0);
}

static void test_json_structure_commas_and_nesting(void)
{
    struct rw_json *j = rw_json_new(0);

    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    rw_json_object_open(j, NULL);
    rw_json_cstr(j, "a", "x");
    rw_json_u64(j, "n", 0);
    rw_json_u64(j, "big", UINT64_MAX); /* saturates */
    rw_json_u64(j, "max", (uint64_t)INT64_MAX);
    rw_json_array_open(j, "arr");
    rw_json_u64(j, NULL, 1);
    rw_json_object_open(j, NULL);
    rw_json_close(j);
    rw_json_array_open(j, NULL);
    rw_json_close(j);
    rw_json_cstr(j, NULL, "s");
    rw_json_close(j);
    rw_json_object_open(j, "o");
    rw_json_bool(j, "t", 1);
    rw_json_bool(j, "f", 0);
    rw_json_cstr(j, "skipped", NULL);
    rw_json_close(j);
    rw_json_str(j, "k\"ey", "", 0);
    rw_json_close(j);
    CU_ASSERT_EQUAL(rw_json_error(j), 0);
    CU_ASSERT_EQUAL(j->buf[j->len], '\0'); /* a finished line is also a C string */
    CU_ASSERT_STRING_EQUAL(text(j), "{\"a\":\"x\",\"n\":0,\"big\":9223372036854775807,"
                                    "\"max\":9223372036854775807,\"arr\":[1,{},[],\"s\"],"
                                    "\"o\":{\"t\":true,\"f\":false},\"k\\\"ey\":\"\"}");
    rw_json_reset(j);
    CU_ASSERT_EQUAL(j->len, 0);
    rw_json_u64(j, NULL, 42);
    CU_ASSERT_STRING_EQUAL(text(j), "42");
    rw_json_free(j);
    rw_json_free(NULL);
}

static void test_json_misuse_is_a_sticky_error(void)
{
    struct rw_json *j = rw_json_new(0);

    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    rw_json_close(j); /* nothing open */
    CU_ASSERT_EQUAL(rw_json_error(j), RW_EINVAL);
    rw_json_u64(j, NULL, 1); /* ignored after the error */
    CU_ASSERT_EQUAL(j->len, 0);
    rw_json_reset(j);
    CU_ASSERT_EQUAL(rw_json_error(j), 0);
    for (int i = 0; i < RW_JSON_MAX_DEPTH + 5; i++)
        rw_json_array_open(j, NULL);
    CU_ASSERT_EQUAL(rw_json_error(j), RW_EINVAL);
    CU_ASSERT_EQUAL(j->depth, RW_JSON_MAX_DEPTH - 1);
    rw_json_reset(j);
    rw_json_str(j, NULL, NULL, 3); /* NULL with a length */
    CU_ASSERT_EQUAL(rw_json_error(j), RW_EINVAL);
    rw_json_reset(j);
    rw_json_str(j, NULL, NULL, 0); /* NULL, empty: "" */
    CU_ASSERT_STRING_EQUAL(text(j), "\"\"");
    CU_ASSERT_EQUAL(rw_json_error(NULL), RW_EINVAL);
    rw_json_free(j);
}

/* A string too long for the line limit fails as RW_ENOMEM and writes nothing of it. */
static void test_json_line_limit(void)
{
    size_t n = RW_JSON_MAX_BYTES / 6 + 1; /* six bytes of output each at worst: too many */
    char *big = malloc(n);
    struct rw_json *j = rw_json_new(0);

    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    memset(big, 1, n);
    rw_json_str(j, NULL, big, n);
    CU_ASSERT_EQUAL(rw_json_error(j), RW_ENOMEM);
    CU_ASSERT_EQUAL(j->len, 0);
    rw_json_reset(j);
    memset(big, 'a', n);
    rw_json_str(j, NULL, big, 100000); /* grows past the first buffer */
    CU_ASSERT_EQUAL(rw_json_error(j), 0);
    CU_ASSERT_EQUAL(j->len, 100002);
    rw_json_free(j);
    free(big);
}

/* Keys and values take a copying path when every byte is plain ASCII and the escaping one
 * otherwise: both give the same text, in members and array elements, and the per-string
 * bound is the same for a plain string as for one that needs escapes. */
static void test_json_plain_fast_path_and_escaped_keys(void)
{
    struct rw_json *j = rw_json_new(0);
    size_t n = RW_JSON_MAX_BYTES / 6 + 1;
    char *big = malloc(n);

    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    rw_json_object_open(j, NULL);
    rw_json_cstr(j, "plain key", "10.0.0.1");
    rw_json_cstr(j, "q\"uote", "a\\b");
    rw_json_cstr(j, "tab\tkey", "");
    rw_json_str(j, "del", "\x7f~ ", 3);
    rw_json_str(j, "nul", "a\0b", 3);
    rw_json_cstr(j, "caf\xc3\xa9", "caf\xc3\xa9");
    rw_json_cstr(j, "bad", "x\xffy");
    rw_json_array_open(j, "arr");
    rw_json_cstr(j, NULL, "2024-03-14T09:00:01.063760+0000");
    rw_json_cstr(j, NULL, "\"");
    rw_json_close(j);
    rw_json_str(j, "empty", NULL, 0);
    rw_json_close(j);
    CU_ASSERT_EQUAL(rw_json_error(j), 0);
    CU_ASSERT_STRING_EQUAL(text(j),
                           "{\"plain key\":\"10.0.0.1\",\"q\\\"uote\":\"a\\\\b\","
                           "\"tab\\tkey\":\"\",\"del\":\"\x7f~ \",\"nul\":\"a\\u0000b\","
                           "\"caf\xc3\xa9\":\"caf\xc3\xa9\",\"bad\":\"x\\\\xffy\","
                           "\"arr\":[\"2024-03-14T09:00:01.063760+0000\",\"\\\"\"],\"empty\":\"\"}");
    rw_json_reset(j);
    memset(big, 'a', n);
    rw_json_str(j, NULL, big, n); /* plain, yet past the bound every string has */
    CU_ASSERT_EQUAL(rw_json_error(j), RW_ENOMEM);
    CU_ASSERT_EQUAL(j->len, 0);
    rw_json_free(j);
    free(big);
}

/* Integers as printf's %llu writes them: 0..199999, every power of ten and its
 * neighbours, and a spread of large values (INT64_MAX the ceiling). */
static void test_json_u64_matches_printf(void)
{
    struct rw_json *j = rw_json_new(0);
    unsigned long bad = 0;
    uint64_t x = 88172645463325252ULL;

    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    for (uint64_t i = 0; i < 260000; i++) {
        uint64_t v = i;
        char want[32];

        if (i >= 200000 && i < 200000 + 57) {
            uint64_t p = 1;

            for (uint64_t k = 0; k < (i - 200000) / 3; k++)
                p *= 10;
            v = p + (i % 3) - 1; /* 10^k - 1, 10^k, 10^k + 1 */
        } else if (i >= 200057) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            v = x >> (i % 64);
        }
        if (v > (uint64_t)INT64_MAX)
            v = (uint64_t)INT64_MAX;
        rw_json_reset(j);
        rw_json_u64(j, NULL, v);
        snprintf(want, sizeof(want), "%llu", (unsigned long long)v);
        if (j->len != strlen(want) || memcmp(j->buf, want, j->len) != 0)
            bad++;
    }
    CU_ASSERT_EQUAL(bad, 0);
    rw_json_free(j);
}

/* The escape of one byte alone in a string that is otherwise plain ASCII (no quotes). */
static size_t escape_one(unsigned b, char *out)
{
    if (b >= 0x80)
        return (size_t)snprintf(out, 8, "\\\\x%02x", b);
    if (b == '"' || b == '\\')
        return (size_t)snprintf(out, 8, "\\%c", b);
    if (b == '\b' || b == '\t' || b == '\n' || b == '\f' || b == '\r')
        return (size_t)snprintf(out, 8, "\\%c", "btnfr"[b == '\b' ? 0 : b == '\t' ? 1 : b == '\n' ? 2 : b == '\f' ? 3 : 4]);
    if (b < 0x20)
        return (size_t)snprintf(out, 8, "\\u%04x", b);
    out[0] = (char)b;
    return 1;
}

/* Plain strings are recognised eight bytes at a time: every byte value at every position
 * of strings of 1 to 25 bytes, on backgrounds of plain bytes next to the borders of the
 * plain range (space, '!', '#', '[', ']', '~', DEL), gives the escaped text exactly. */
static void test_json_every_byte_at_every_position(void)
{
    static const char *const backgrounds[] = {"abcdefgh", " !#[]~\x7f/", "\x7f\x7f\x7f\x7f~~~~"};
    struct rw_json *j = rw_json_new(0);
    size_t wrong = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    for (size_t bg = 0; bg < 3; bg++) {
        for (size_t len = 1; len <= 25; len++) {
            for (size_t pos = 0; pos < len; pos++) {
                for (unsigned b = 0; b < 256; b++) {
                    unsigned char in[32];
                    char want[64];
                    size_t o = 0;

                    for (size_t i = 0; i < len; i++)
                        in[i] = (unsigned char)backgrounds[bg][i % 8];
                    in[pos] = (unsigned char)b;
                    want[o++] = '"';
                    for (size_t i = 0; i < len; i++)
                        o += escape_one(in[i], want + o);
                    want[o++] = '"';
                    rw_json_reset(j);
                    rw_json_str(j, NULL, (const char *)in, len);
                    if (rw_json_error(j) != 0 || j->len != o || memcmp(j->buf, want, o) != 0)
                        wrong++;
                }
            }
        }
    }
    CU_ASSERT_EQUAL(wrong, 0);
    rw_json_free(j);
}

/* Keys and C-string values shorter than 48 bytes are copied in the pass that finds their
 * end; longer or non-plain ones take the general path. Around that length, with a byte
 * to escape first, last or nowhere, the text is the same as rw_json_str's with the length
 * given (whose escaping the tests above pin down), and the escape itself is checked. */
static void test_json_short_keys_and_values_agree_with_general_path(void)
{
    static const unsigned char specials[] = {0, '"', '\\', '\n', 0x7f, 0xc3, 0xff};
    struct rw_json *a = rw_json_new(0), *b = rw_json_new(0);
    size_t wrong = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    for (size_t len = 1; len <= 100; len++) {
        for (size_t sp = 0; sp < sizeof(specials); sp++) {
            for (int where = 0; where < 2; where++) {
                char str[128];

                memset(str, 'k', len);
                str[len] = '\0';
                if (specials[sp] != 0)
                    str[where == 0 ? 0 : len - 1] = (char)specials[sp];
                rw_json_reset(a);
                rw_json_reset(b);
                rw_json_object_open(a, NULL);
                rw_json_object_open(b, NULL);
                rw_json_cstr(a, "first", "x");
                rw_json_str(b, "first", "x", 1);
                rw_json_cstr(a, str, str);            /* the short path, where it applies */
                rw_json_str(b, str, str, strlen(str)); /* the general one */
                rw_json_u64(a, str, len);
                rw_json_u64(b, str, len);
                rw_json_close(a);
                rw_json_close(b);
                if (rw_json_error(a) != 0 || a->len != b->len || memcmp(a->buf, b->buf, a->len) != 0)
                    wrong++;
            }
        }
    }
    CU_ASSERT_EQUAL(wrong, 0);
    /* the exact text at the border, with an escape in the last byte */
    rw_json_reset(a);
    rw_json_cstr(a, NULL, "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\"");
    CU_ASSERT_STRING_EQUAL(text(a), "\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\\\"\"");
    rw_json_free(a);
    rw_json_free(b);
}

static void test_json_out_of_memory(void)
{
    struct rw_json *j;
    char big[300];

    rw_alloc_hook_set(1);
    CU_ASSERT_PTR_NULL(rw_json_new(0));
    rw_alloc_hook_set(2);
    CU_ASSERT_PTR_NULL(rw_json_new(0)); /* the buffer */
    rw_alloc_hook_set(0);
    j = rw_json_new(64);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    memset(big, 'b', sizeof(big));
    rw_alloc_hook_set(1); /* the growth */
    rw_json_str(j, NULL, big, sizeof(big));
    rw_alloc_hook_set(0);
    CU_ASSERT_EQUAL(rw_json_error(j), RW_ENOMEM);
    CU_ASSERT_EQUAL(j->len, 0);
    rw_json_free(j);
}

static CU_TestInfo json_tests[] = {
    {"test_json_escapes_hostile_strings_exactly", test_json_escapes_hostile_strings_exactly},
    {"test_json_every_byte_alone", test_json_every_byte_alone},
    {"test_json_every_scalar_value_round_trips", test_json_every_scalar_value_round_trips},
    {"test_json_all_two_byte_inputs", test_json_all_two_byte_inputs},
    {"test_json_structure_commas_and_nesting", test_json_structure_commas_and_nesting},
    {"test_json_misuse_is_a_sticky_error", test_json_misuse_is_a_sticky_error},
    {"test_json_line_limit", test_json_line_limit},
    {"test_json_out_of_memory", test_json_out_of_memory},
    {"test_json_short_keys_and_values_agree_with_general_path",
     test_json_short_keys_and_values_agree_with_general_path},
    {"test_json_every_byte_at_every_position", test_json_every_byte_at_every_position},
    {"test_json_u64_matches_printf", test_json_u64_matches_printf},
    {"test_json_plain_fast_path_and_escaped_keys", test_json_plain_fast_path_and_escaped_keys},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rw_suites_json[] = {
    {"json", NULL, NULL, NULL, NULL, json_tests},
    CU_SUITE_INFO_NULL,
};
