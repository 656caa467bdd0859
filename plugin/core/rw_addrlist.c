/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_addrlist.c — address lists in nDPI Patricia trees (per family) and their file formats. */
#include "rw_addrlist.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ndpi_api.h>

struct rw_addrlist {
    char *name;
    size_t index;
    ndpi_patricia_tree_t *tree4;      /* maxbits 32 */
    ndpi_patricia_tree_t *tree6;      /* maxbits 128 */
    size_t count;                     /* distinct prefixes */
    size_t skipped;
    char *cat_name[RW_ADDRLIST_IPREP_MAX_CATS];   /* iprep categories, NULL: undefined */
    unsigned long cat_line[RW_ADDRLIST_IPREP_MAX_CATS];
};

/* What a line parser reads. */
enum lp_kind { LP_ENTRIES, LP_CATEGORIES };

/* State of one pass over a list or categories file. */
struct lp {
    struct rw_addrlist *l;
    const char *fname;
    struct rw_diag *diag;
    const struct rw_addrlist_opts *o;
    enum lp_kind kind;
    unsigned long lineno;
    size_t errors;
    int oom;
    /* Zeek: the #fields header */
    int have_fields;
    int said_no_fields;
    size_t nfields, col_indicator, col_type;
};

/* One field of a split line: offset from the line start and length. */
struct lp_field {
    size_t off, len;
};

#define LP_MAX_FIELDS 64            /* Zeek rows: fields beyond are an error */
#define LP_READ_CHUNK_BYTES (64 * 1024)
_Static_assert(LP_READ_CHUNK_BYTES > RW_LIST_LINE_MAX_BYTES + 1, "a whole line must fit");

struct rw_addrlist *rw_addrlist_new(const char *name, size_t index)
{
    struct rw_addrlist *l = rw_calloc(1, sizeof(*l));

    if (l == NULL)
        return NULL;
    l->name = rw_strdup(name);
    l->index = index;
    l->tree4 = ndpi_patricia_new(32);
    l->tree6 = ndpi_patricia_new(128);
    if (l->name == NULL || l->tree4 == NULL || l->tree6 == NULL)
        rw_addrlist_free(&l);
    return l;
}

void rw_addrlist_free(struct rw_addrlist **lp)
{
    struct rw_addrlist *l;

    if (lp == NULL || *lp == NULL)
        return;
    l = *lp;
    if (l->tree4 != NULL)
        ndpi_patricia_destroy(l->tree4, NULL);
    if (l->tree6 != NULL)
        ndpi_patricia_destroy(l->tree6, NULL);
    for (size_t i = 0; i < RW_ADDRLIST_IPREP_MAX_CATS; i++)
        rw_free(l->cat_name[i]);
    rw_free(l->name);
    rw_free(l);
    *lp = NULL;
}

const char *rw_addrlist_name(const struct rw_addrlist *l)
{
    return l->name;
}

size_t rw_addrlist_count(const struct rw_addrlist *l)
{
    return l->count;
}

size_t rw_addrlist_skipped(const struct rw_addrlist *l)
{
    return l->skipped;
}

const char *rw_addrlist_category(const struct rw_addrlist *l, unsigned id)
{
    if (id >= RW_ADDRLIST_IPREP_MAX_CATS)
        return NULL;
    return l->cat_name[id];
}

void rw__addrlist_quote(const char *s, size_t len, char *buf, size_t buflen)
{
    static const char hex[] = "0123456789abcdef";
    size_t shown = len > 64 ? 64 : len;
    size_t o = 0;

    if (buflen == 0)
        return;
    /* Each source byte needs at most 4 output bytes; stop early rather than overflow. */
    if (o + 1 < buflen)
        buf[o++] = '\'';
    for (size_t i = 0; i < shown && o + 4 + 5 < buflen; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
            buf[o++] = (char)c;
        } else {
            buf[o++] = '\\';
            buf[o++] = 'x';
            buf[o++] = hex[c >> 4];
            buf[o++] = hex[c & 15];
        }
    }
    if (shown < len && o + 3 < buflen) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    if (o + 1 < buflen)
        buf[o++] = '\'';
    buf[o] = '\0';
}

/* Clears every bit past bits in a 16-byte address; returns 1 if any was set. */
static int cidr_mask(uint8_t a[16], unsigned bits)
{
    int had = 0;

    for (unsigned i = 0; i < 16; i++) {
        unsigned keep = bits >= 8 * (i + 1) ? 8 : (bits > 8 * i ? bits - 8 * i : 0);
        uint8_t mask = (uint8_t)(keep == 0 ? 0 : (0xffu << (8 - keep)) & 0xffu);

        if ((a[i] & (uint8_t)~mask) != 0)
            had = 1;
        a[i] &= mask;
    }
    return had;
}

int rw_addrlist_format_cidr(const struct rw_cidr *c, char *buf, size_t len)
{
    char addr[INET6_ADDRSTRLEN + 4]; /* "/128" */
    int n;

    if (buf == NULL || len == 0)
        return RW_EINVAL;
    buf[0] = '\0';
    /* Once per matched flow: rw_addr_format and three digits, not inet_ntop + snprintf
     * (about 2,800 instructions a call). The text is the same. */
    n = rw_addr_format(&c->addr, addr, INET6_ADDRSTRLEN);
    if (n < 0)
        return RW_EINVAL;
    addr[n++] = '/';
    if (c->bits >= 100)
        addr[n++] = (char)('0' + c->bits / 100);
    if (c->bits >= 10)
        addr[n++] = (char)('0' + c->bits / 10 % 10);
    addr[n++] = (char)('0' + c->bits % 10);
    if ((size_t)n >= len)
        return RW_EINVAL;
    memcpy(buf, addr, (size_t)n);
    buf[n] = '\0';
    return n;
}

/* Parses the part after '/'; maxbits is 32 or 128. */
static int cidr_parse_bits(const char *s, size_t len, unsigned maxbits, uint8_t *bits)
{
    char tmp[8];
    uint64_t v;

    if (len == 0 || len >= sizeof(tmp))
        return -1;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    if (rw_num_parse_u64(tmp, 0, maxbits, &v, NULL) != 0)
        return -1;
    *bits = (uint8_t)v;
    return 0;
}

int rw_addrlist_parse_cidr(const char *s, size_t len, struct rw_cidr *out, char *why,
                           size_t whylen)
{
    char q[RW_ADDRLIST_QUOTE_MAX];
    char abuf[64];
    char net[RW_ADDRLIST_PREFIX_MAX];
    const char *slash = memchr(s, '/', len);
    size_t alen = slash == NULL ? len : (size_t)(slash - s);
    struct rw_cidr c;
    unsigned maxbits;

    memset(&c, 0, sizeof(c));
    rw__addrlist_quote(s, len, q, sizeof(q));
    if (alen == 0 || alen >= sizeof(abuf) || memchr(s, '\0', len) != NULL)
        goto bad_addr;
    memcpy(abuf, s, alen);
    abuf[alen] = '\0';
    if (memchr(abuf, ':', alen) != NULL) {
        if (inet_pton(AF_INET6, abuf, c.addr.a) != 1)
            goto bad_addr;
        c.addr.family = 6;
        maxbits = 128;
    } else {
        if (inet_pton(AF_INET, abuf, c.addr.a) != 1)
            goto bad_addr;
        c.addr.family = 4;
        maxbits = 32;
    }
    c.bits = (uint8_t)maxbits;
    if (slash != NULL &&
        cidr_parse_bits(slash + 1, len - alen - 1, maxbits, &c.bits) != 0) {
        rw__addrlist_quote(slash + 1, len - alen - 1, q, sizeof(q));
        snprintf(why, whylen, "expected a prefix length from 0 to %u, found %s", maxbits, q);
        return RW_EINVAL;
    }
    if (cidr_mask(c.addr.a, c.bits)) {
        rw_addrlist_format_cidr(&c, net, sizeof(net));
        snprintf(why, whylen, "expected a network address (%s), found host bits set in %s", net,
                 q);
        return RW_EINVAL;
    }
    *out = c;
    return 0;
bad_addr:
    snprintf(why, whylen, "expected an IPv4 or IPv6 address or CIDR, found %s", q);
    return RW_EINVAL;
}

/* Fills an nDPI prefix for the first bits of addr. */
static int addrlist_prefix(const struct rw_addr *addr, unsigned bits, ndpi_prefix_t *p)
{
    memset(p, 0, sizeof(*p));
    if (addr->family == 4) {
        struct in_addr in;

        memcpy(&in, addr->a, sizeof(in));
        return ndpi_fill_prefix_v4(p, &in, (int)bits, 32);
    }
    if (addr->family == 6) {
        struct in6_addr in6;

        memcpy(&in6, addr->a, sizeof(in6));
        return ndpi_fill_prefix_v6(p, &in6, (int)bits, 128);
    }
    return -1;
}

/* In a node's u64 beside the iprep category bits (ids 0..59): the prefix was added. */
#define ADDRLIST_PRESENT (1ULL << 63)

int rw_addrlist_add(struct rw_addrlist *l, const struct rw_cidr *c, uint64_t categories)
{
    ndpi_patricia_tree_t *t = c->addr.family == 4 ? l->tree4 : l->tree6;
    ndpi_patricia_node_t *node;
    ndpi_prefix_t p;
    uint8_t check[16];

    if ((c->addr.family != 4 && c->addr.family != 6) || c->bits > (c->addr.family == 4 ? 32 : 128))
        return RW_EINVAL;
    memcpy(check, c->addr.a, sizeof(check));
    if (cidr_mask(check, c->bits) || addrlist_prefix(&c->addr, c->bits, &p) != 0)
        return RW_EINVAL;
    /* One walk: ndpi_patricia_lookup finds the prefix or inserts it (new and glue nodes
     * come zeroed), and ADDRLIST_PRESENT tells a prefix added before from a new one. A
     * search_exact first would walk the tree twice per line of a big list. */
    node = ndpi_patricia_lookup(t, &p);
    if (node == NULL)
        return RW_ENOMEM;
    if (!(ndpi_patricia_get_node_u64(node) & ADDRLIST_PRESENT))
        l->count++;
    ndpi_patricia_set_node_u64(node, ndpi_patricia_get_node_u64(node) | ADDRLIST_PRESENT |
                                         categories);
    return 0;
}

int rw_addrlist_lookup(const struct rw_addrlist *l, const struct rw_addr *addr,
                       struct rw_addrlist_match *m)
{
    ndpi_patricia_tree_t *t;
    ndpi_patricia_node_t *node;
    ndpi_prefix_t p;
    const ndpi_prefix_t *np;
    struct rw_cidr c;

    if (addr->family == 4)
        t = l->tree4;
    else if (addr->family == 6)
        t = l->tree6;
    else
        return 0;
    if (addrlist_prefix(addr, addr->family == 4 ? 32 : 128, &p) != 0)
        return 0;
    node = ndpi_patricia_search_best(t, &p);
    if (node == NULL)
        return 0;
    if (m == NULL)
        return 1;
    np = ndpi_patricia_get_node_prefix(node);
    memset(&c, 0, sizeof(c));
    c.addr.family = addr->family;
    memcpy(c.addr.a, &np->add, addr->family == 4 ? 4 : 16);
    c.bits = (uint8_t)np->bitlen;
    m->list = l->name;
    m->index = l->index;
    m->bits = c.bits;
    m->categories = ndpi_patricia_get_node_u64(node) & ~ADDRLIST_PRESENT;
    rw_addrlist_format_cidr(&c, m->prefix, sizeof(m->prefix));
    return 1;
}

/* --- line parsing ------------------------------------------------------------------ */

static void lp_error(struct lp *p, size_t col0, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Adds "fname:line:col: message" (col0 counts from 0). */
static void lp_error(struct lp *p, size_t col0, const char *fmt, ...)
{
    char msg[RW_DIAG_LINE_MAX_BYTES];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    p->errors++;
    rw_diag_add(p->diag, p->fname, p->lineno, (unsigned long)col0 + 1, "%s", msg);
}

static int lp_is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Parses a CIDR token at line[off..off+len); reports at its column. */
static int lp_cidr(struct lp *p, const char *line, size_t off, size_t len, struct rw_cidr *c)
{
    char why[RW_DIAG_LINE_MAX_BYTES];

    if (rw_addrlist_parse_cidr(line + off, len, c, why, sizeof(why)) != 0) {
        lp_error(p, off, "%s", why);
        return -1;
    }
    return 0;
}

/* Parses a whole number field into [0, max]; reports "expected <what> from 0 to max". */
static int lp_number(struct lp *p, const char *line, const struct lp_field *f, uint64_t max,
                     const char *what, uint64_t *v)
{
    char tmp[24];
    char q[RW_ADDRLIST_QUOTE_MAX];

    if (f->len > 0 && f->len < sizeof(tmp)) {
        memcpy(tmp, line + f->off, f->len);
        tmp[f->len] = '\0';
        if (rw_num_parse_u64(tmp, 0, max, v, NULL) == 0)
            return 0;
    }
    rw__addrlist_quote(line + f->off, f->len, q, sizeof(q));
    lp_error(p, f->off, "expected %s from 0 to %llu, found %s", what, (unsigned long long)max, q);
    return -1;
}

static void lp_add(struct lp *p, const struct rw_cidr *c, uint64_t categories)
{
    if (rw_addrlist_add(p->l, c, categories) == RW_ENOMEM)
        p->oom = 1;
}

/* plain: one address or CIDR, then only blanks or a comment ('#' or ';'). */
static void lp_plain(struct lp *p, const char *line, size_t len)
{
    struct rw_cidr c;
    size_t i = 0;
    size_t start;
    char q[RW_ADDRLIST_QUOTE_MAX];

    while (i < len && lp_is_blank(line[i]))
        i++;
    if (i == len || line[i] == '#' || line[i] == ';')
        return;
    start = i;
    while (i < len && !lp_is_blank(line[i]) && line[i] != '#' && line[i] != ';')
        i++;
    if (lp_cidr(p, line, start, i - start, &c) == 0)
        lp_add(p, &c, 0);
    while (i < len && lp_is_blank(line[i]))
        i++;
    if (i < len && line[i] != '#' && line[i] != ';') {
        start = i;
        while (i < len && !lp_is_blank(line[i]))
            i++;
        rw__addrlist_quote(line + start, i - start, q, sizeof(q));
        lp_error(p, start, "expected the end of the line or a # comment, found %s", q);
    }
}

/* Splits line at sep into at most max fields, trimming blanks when trim is set. Returns the
 * number of fields found (which may exceed max; only max are stored). */
static size_t lp_split(const char *line, size_t len, char sep, int trim, struct lp_field *f,
                       size_t max)
{
    size_t n = 0;
    size_t start = 0;

    for (size_t i = 0; i <= len; i++) {
        if (i < len && line[i] != sep)
            continue;
        if (n < max) {
            size_t a = start, b = i;

            while (trim && a < b && lp_is_blank(line[a]))
                a++;
            while (trim && b > a && lp_is_blank(line[b - 1]))
                b--;
            f[n].off = a;
            f[n].len = b - a;
        }
        n++;
        start = i + 1;
    }
    return n;
}

/* iprep: "ip,category,score" (Suricata's reputation file). */
static void lp_iprep(struct lp *p, const char *line, size_t len)
{
    struct lp_field f[3];
    struct rw_cidr c;
    uint64_t cat, score;
    size_t i = 0;
    size_t n;
    int bad = 0;

    while (i < len && lp_is_blank(line[i]))
        i++;
    if (i == len || line[i] == '#' || (len - i >= 3 && memcmp(line + i, "ip,", 3) == 0))
        return;
    n = lp_split(line, len, ',', 1, f, 3);
    if (n != 3) {
        lp_error(p, i, "expected 3 comma-separated fields (ip,category,score), found %zu", n);
        return;
    }
    if (lp_cidr(p, line, f[0].off, f[0].len, &c) != 0)
        bad = 1;
    if (lp_number(p, line, &f[1], RW_ADDRLIST_IPREP_MAX_CATS - 1, "a category id", &cat) != 0) {
        bad = 1;
    } else if (p->l->cat_name[cat] == NULL) {
        lp_error(p, f[1].off, "expected a category id defined in the categories file, found %llu",
                 (unsigned long long)cat);
        bad = 1;
    }
    if (lp_number(p, line, &f[2], RW_ADDRLIST_IPREP_MAX_SCORE, "a score", &score) != 0)
        bad = 1;
    if (bad)
        return;
    if (score < p->o->min_score) {
        p->l->skipped++;
        return;
    }
    lp_add(p, &c, 1ULL << cat);
}

static int lp_field_is(const char *line, const struct lp_field *f, const char *word)
{
    return f->len == strlen(word) && memcmp(line + f->off, word, f->len) == 0;
}

/* Zeek: "#fields<TAB>name<TAB>name...", remembering the two columns we read. */
static void lp_zeek_fields(struct lp *p, const char *line, size_t len)
{
    struct lp_field f[LP_MAX_FIELDS];
    size_t n = lp_split(line, len, '\t', 0, f, LP_MAX_FIELDS);
    int have_ind = 0, have_type = 0;

    p->have_fields = 0;
    if (n > LP_MAX_FIELDS) {
        lp_error(p, 0, "expected at most %d fields in #fields, found %zu", LP_MAX_FIELDS - 1,
                 n - 1);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        if (lp_field_is(line, &f[i], "indicator") && !have_ind) {
            p->col_indicator = i - 1;
            have_ind = 1;
        } else if (lp_field_is(line, &f[i], "indicator_type") && !have_type) {
            p->col_type = i - 1;
            have_type = 1;
        }
    }
    if (!have_ind)
        lp_error(p, 0, "expected a field named 'indicator' in #fields, found none");
    if (!have_type)
        lp_error(p, 0, "expected a field named 'indicator_type' in #fields, found none");
    p->nfields = n - 1;
    p->have_fields = have_ind && have_type;
}

/* Zeek Intel row: Intel::ADDR and Intel::SUBNET are loaded, other types counted. */
static void lp_zeek_row(struct lp *p, const char *line, size_t len)
{
    struct lp_field f[LP_MAX_FIELDS];
    const struct lp_field *ind, *type;
    struct rw_cidr c;
    char q[RW_ADDRLIST_QUOTE_MAX];
    size_t n;

    if (!p->have_fields) {
        if (!p->said_no_fields)
            lp_error(p, 0, "expected a #fields line naming indicator and indicator_type before "
                           "the first row, found a row");
        p->said_no_fields = 1;
        return;
    }
    n = lp_split(line, len, '\t', 0, f, LP_MAX_FIELDS);
    if (n != p->nfields) {
        lp_error(p, 0, "expected %zu tab-separated fields, found %zu", p->nfields, n);
        return;
    }
    ind = &f[p->col_indicator];
    type = &f[p->col_type];
    if (lp_field_is(line, type, "Intel::ADDR")) {
        if (memchr(line + ind->off, '/', ind->len) != NULL) {
            rw__addrlist_quote(line + ind->off, ind->len, q, sizeof(q));
            lp_error(p, ind->off, "expected an address for Intel::ADDR, found %s", q);
        } else if (lp_cidr(p, line, ind->off, ind->len, &c) == 0) {
            lp_add(p, &c, 0);
        }
    } else if (lp_field_is(line, type, "Intel::SUBNET")) {
        if (lp_cidr(p, line, ind->off, ind->len, &c) == 0)
            lp_add(p, &c, 0);
    } else {
        p->l->skipped++;
    }
}

static void lp_zeek(struct lp *p, const char *line, size_t len)
{
    if (len >= 7 && memcmp(line, "#fields", 7) == 0 && (len == 7 || line[7] == '\t'))
        lp_zeek_fields(p, line, len);
    else if (len > 0 && line[0] != '#')
        lp_zeek_row(p, line, len);
}

/* Categories file: "id,short_name,description" (the description may hold commas). */
static void lp_category(struct lp *p, const char *line, size_t len)
{
    struct lp_field f[3];
    struct rw_addrlist *l = p->l;
    char q[RW_ADDRLIST_QUOTE_MAX];
    uint64_t id;
    size_t i = 0, n;
    const char *c2;

    while (i < len && lp_is_blank(line[i]))
        i++;
    if (i == len || line[i] == '#')
        return;
    n = lp_split(line, len, ',', 1, f, 3);
    if (n < 3) {
        lp_error(p, i,
                 "expected 3 comma-separated fields (id,short_name,description), found %zu", n);
        return;
    }
    c2 = memchr(line + f[1].off + f[1].len, ',', len - f[1].off - f[1].len);
    f[2].off = (size_t)(c2 - line) + 1;
    f[2].len = len - f[2].off;
    if (lp_number(p, line, &f[0], RW_ADDRLIST_IPREP_MAX_CATS - 1, "a category id", &id) != 0)
        return;
    if (f[1].len == 0 || f[1].len >= RW_ADDRLIST_IPREP_NAME_MAX) {
        rw__addrlist_quote(line + f[1].off, f[1].len, q, sizeof(q));
        lp_error(p, f[1].off, "expected a short name of 1 to %d bytes, found %s",
                 RW_ADDRLIST_IPREP_NAME_MAX - 1, q);
        return;
    }
    if (l->cat_name[id] != NULL) {
        lp_error(p, f[0].off,
                 "expected each category id once, found %llu again (first at line %lu)",
                 (unsigned long long)id, l->cat_line[id]);
        return;
    }
    l->cat_name[id] = rw_strndup(line + f[1].off, f[1].len);
    if (l->cat_name[id] == NULL) {
        p->oom = 1;
        return;
    }
    l->cat_line[id] = p->lineno;
}

/* One line without its '\n'. Strips '\r' and, on line 1, a UTF-8 byte order mark. */
static void lp_line(struct lp *p, const char *line, size_t len)
{
    const char *nul;

    p->lineno++;
    if (len > RW_LIST_LINE_MAX_BYTES) {
        lp_error(p, 0, "expected a line of at most %d bytes, found more", RW_LIST_LINE_MAX_BYTES);
        return;
    }
    if (len > 0 && line[len - 1] == '\r')
        len--;
    if (p->lineno == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
        line += 3;
        len -= 3;
    }
    nul = memchr(line, '\0', len);
    if (nul != NULL) {
        lp_error(p, (size_t)(nul - line), "expected text, found a NUL byte");
        return;
    }
    if (p->kind == LP_CATEGORIES)
        lp_category(p, line, len);
    else if (p->o->format == RW_ADDRLIST_IPREP)
        lp_iprep(p, line, len);
    else if (p->o->format == RW_ADDRLIST_ZEEK)
        lp_zeek(p, line, len);
    else
        lp_plain(p, line, len);
}

/* Feeds every line of buf; the last line needs no '\n'. */
static void lp_feed(struct lp *p, const char *buf, size_t len)
{
    size_t start = 0;

    while (start < len && !p->oom) {
        const char *nl = memchr(buf + start, '\n', len - start);
        size_t end = nl == NULL ? len : (size_t)(nl - buf);

        lp_line(p, buf + start, end - start);
        start = end + 1;
    }
}

static int lp_result(const struct lp *p)
{
    if (p->oom)
        return RW_ENOMEM;
    return p->errors > 0 ? RW_EPARSE : 0;
}

static void lp_init(struct lp *p, struct rw_addrlist *l, const char *fname,
                    const struct rw_addrlist_opts *o, enum lp_kind kind, struct rw_diag *diag)
{
    memset(p, 0, sizeof(*p));
    p->l = l;
    p->fname = fname;
    p->o = o;
    p->kind = kind;
    p->diag = diag;
}

static void lp_categories_done(struct lp *p)
{
    for (size_t i = 0; i < RW_ADDRLIST_IPREP_MAX_CATS; i++)
        if (p->l->cat_name[i] != NULL)
            return;
    if (p->errors == 0 && !p->oom) {
        p->errors++;
        rw_diag_add(p->diag, p->fname, 0, 0, "expected at least one category, found none");
    }
}

int rw_addrlist_parse(struct rw_addrlist *l, const char *fname, const char *buf, size_t len,
                      const struct rw_addrlist_opts *o, struct rw_diag *diag)
{
    struct lp p;

    lp_init(&p, l, fname, o, LP_ENTRIES, diag);
    lp_feed(&p, buf, len);
    return lp_result(&p);
}

int rw_addrlist_parse_categories(struct rw_addrlist *l, const char *fname, const char *buf,
                                 size_t len, struct rw_diag *diag)
{
    struct rw_addrlist_opts o;
    struct lp p;

    memset(&o, 0, sizeof(o));
    lp_init(&p, l, fname, &o, LP_CATEGORIES, diag);
    lp_feed(&p, buf, len);
    lp_categories_done(&p);
    return lp_result(&p);
}

/* Reports a file problem at the rule file that named it, else against the file. */
static void lp_file_error(struct lp *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void lp_file_error(struct lp *p, const char *fmt, ...)
{
    char msg[RW_DIAG_LINE_MAX_BYTES];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    p->errors++;
    if (p->o->ref_file != NULL)
        rw_diag_add(p->diag, p->o->ref_file, p->o->ref_line, p->o->ref_col, "%s", msg);
    else
        rw_diag_add(p->diag, p->fname, 0, 0, "%s", msg);
}

/* Hands every complete line of buf[0..have) to lp_line (or drops the rest of an
 * over-long line when *skipping); returns where the unfinished line starts. */
static size_t lp_take_lines(struct lp *p, const char *buf, size_t have, int *skipping)
{
    size_t start = 0;

    while (!p->oom) {
        const char *nl = memchr(buf + start, '\n', have - start);

        if (nl == NULL)
            break;
        if (*skipping)
            *skipping = 0;
        else
            lp_line(p, buf + start, (size_t)(nl - (buf + start)));
        start = (size_t)(nl - buf) + 1;
    }
    return start;
}

/*
 * Streams the file through lp_line with one bounded buffer: lines longer than the buffer
 * are reported once and skipped to their end. The size limit is checked on the opened file
 * and again while reading (the file may grow).
 */
static void lp_stream(struct lp *p, int fd, char *buf, size_t cap)
{
    size_t have = 0, total = 0;
    int skipping = 0;
    char q[RW_ADDRLIST_QUOTE_MAX];

    rw__addrlist_quote(p->fname, strlen(p->fname), q, sizeof(q));
    for (;;) {
        ssize_t n = read(fd, buf + have, cap - have);
        size_t start;

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            lp_file_error(p, "expected a readable file, found %s: %s", q, strerror(errno));
            return;
        }
        total += (size_t)n;
        if (total > (size_t)RW_LIST_FILE_MAX_BYTES) {
            lp_file_error(p, "expected at most %d bytes, found more in %s",
                          RW_LIST_FILE_MAX_BYTES, q);
            return;
        }
        have += (size_t)n;
        start = lp_take_lines(p, buf, have, &skipping);
        if (p->oom)
            return;
        if (n == 0) {
            if (have > start && !skipping)
                lp_line(p, buf + start, have - start);
            return;
        }
        if (start == 0 && have == cap) {
            /* No newline in a full buffer: report the line once, then drop it. */
            if (!skipping)
                lp_line(p, buf, RW_LIST_LINE_MAX_BYTES + 1);
            skipping = 1;
            have = 0;
            continue;
        }
        memmove(buf, buf + start, have - start);
        have -= start;
    }
}

/* Opens, checks and streams one file of the given kind. */
static int lp_load(struct rw_addrlist *l, const char *path, const struct rw_addrlist_opts *o,
                   enum lp_kind kind, struct rw_diag *diag)
{
    struct lp p;
    struct stat st;
    char q[RW_ADDRLIST_QUOTE_MAX];
    char *buf = NULL;
    int fd;

    lp_init(&p, l, path, o, kind, diag);
    rw__addrlist_quote(path, strlen(path), q, sizeof(q));
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        lp_file_error(&p, "expected a readable file, found %s: %s", q, strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        lp_file_error(&p, "expected a readable file, found %s: not a regular file", q);
        goto out;
    }
    if (st.st_size > (off_t)RW_LIST_FILE_MAX_BYTES) {
        lp_file_error(&p, "expected at most %d bytes, found %lld in %s", RW_LIST_FILE_MAX_BYTES,
                      (long long)st.st_size, q);
        goto out;
    }
    buf = rw_malloc(LP_READ_CHUNK_BYTES);
    if (buf == NULL) {
        p.oom = 1;
        goto out;
    }
    lp_stream(&p, fd, buf, LP_READ_CHUNK_BYTES);
    if (kind == LP_CATEGORIES)
        lp_categories_done(&p);
out:
    rw_free(buf);
    if (fd >= 0)
        close(fd);
    return lp_result(&p);
}

int rw_addrlist_load(struct rw_addrlist *l, const char *path, const struct rw_addrlist_opts *o,
                     struct rw_diag *diag)
{
    return lp_load(l, path, o, LP_ENTRIES, diag);
}

int rw_addrlist_load_categories(struct rw_addrlist *l, const char *path,
                                const struct rw_addrlist_opts *o, struct rw_diag *diag)
{
    struct rw_addrlist_opts co;

    memset(&co, 0, sizeof(co));
    if (o != NULL)
        co = *o;
    return lp_load(l, path, &co, LP_CATEGORIES, diag);
}
