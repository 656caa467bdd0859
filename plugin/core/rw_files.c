/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_files.c — the files of one flow: bounded heads for typing, counts, hashes, rule events, fileinfo. */
#include "rw_files.h"

#include <gcrypt.h>
#include <stddef.h>
#include <string.h>

#include "rw_eve.h"

/* One tracked file. About 6 KiB: the head dominates. Everything before name is zeroed when
 * the file opens; the text fields after it are set by rw_files_open (each is written up to
 * its NUL), the head is read only up to head_len, ft only once typed (rw_magic_identify or
 * files_type fills all of it): zeroing those 6 KiB cost 7,400 instructions a file. */
struct rw_file {
    uint32_t id;
    uint8_t dir;
    uint8_t typed;
    uint8_t gaps;
    uint8_t credentials;
    uint8_t anonymous_login;
    int8_t anonymous;                /* rw_detect_anonymity of the three above, at open */
    uint32_t gen;                    /* rule-set generation of dfs and types */
    uint64_t size;
    size_t name_len;
    size_t head_len;
    uint64_t types;
    struct rw_detect_filestate dfs;
    gcry_md_hd_t md;                 /* NULL unless hashing */
    struct rw_file *next;
    /* not zeroed at open (see above) */
    char name[RW_FILE_NAME_MAX_BYTES + 1];
    char app_proto[RW_PROTO_NAME_MAX_BYTES + 1];
    char method[RW_PROTO_NAME_MAX_BYTES + 1];
    char mode[RW_PROTO_NAME_MAX_BYTES + 1];
    char host[RW_HOSTNAME_MAX_BYTES + 1];
    char uri[RW_FILE_NAME_MAX_BYTES + 1];
    struct rw_filetype ft;
    uint8_t head[RW_FILE_HEAD_MAX_BYTES];
};

struct rw_files {
    const struct rw_files_env *env;
    struct rw_file *open;            /* newest first */
    size_t nopen;
    uint32_t next_id;
    int8_t anonymous;
};

struct rw_files *rw_files_new(const struct rw_files_env *env)
{
    struct rw_files *fs = rw_calloc(1, sizeof(*fs));

    if (fs == NULL)
        return NULL;
    fs->env = env;
    fs->next_id = 1;
    fs->anonymous = -1;
    return fs;
}

static void files_release(struct rw_files *fs, struct rw_file *f)
{
    if (f->md != NULL)
        gcry_md_close(f->md);
    fs->env->stats->open_now--;
    fs->nopen--;
    rw_free(f);
}

void rw_files_free(struct rw_files **fp)
{
    struct rw_files *fs;

    if (fp == NULL || *fp == NULL)
        return;
    fs = *fp;
    while (fs->open != NULL) {
        struct rw_file *f = fs->open;

        fs->open = f->next;
        files_release(fs, f);
    }
    rw_free(fs);
    *fp = NULL;
}

/* Copies a borrowed, maybe NULL string into a bounded field, cut at its size. */
static void files_copy(char *dst, size_t size, const char *src)
{
    size_t n = src == NULL ? 0 : strnlen(src, size - 1);

    if (n > 0)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

static struct rw_file *files_find(struct rw_files *fs, uint32_t id, struct rw_file ***link)
{
    struct rw_file **pp = &fs->open;

    if (id == 0)
        return NULL;
    for (; *pp != NULL; pp = &(*pp)->next) {
        if ((*pp)->id == id) {
            if (link != NULL)
                *link = pp;
            return *pp;
        }
    }
    return NULL;
}

uint32_t rw_files_open(struct rw_files *fs, const struct rw_files_call *c, uint8_t dir,
                       const char *name, size_t name_len, const struct rw_xfer_meta *meta)
{
    struct rw_files_stats *st = fs->env->stats;
    struct rw_file *f;

    if (fs->nopen >= RW_FILES_PER_FLOW_MAX || st->open_now >= RW_FILES_OPEN_MAX ||
        fs->next_id == UINT32_MAX || dir > RW_TOCLIENT) {
        st->refused++;
        return 0;
    }
    f = rw_malloc(sizeof(*f));
    if (f == NULL) {
        st->nomem++;
        return 0;
    }
    memset(f, 0, offsetof(struct rw_file, name));
    f->app_proto[0] = '\0';
    f->method[0] = '\0';
    f->mode[0] = '\0';
    f->host[0] = '\0';
    f->uri[0] = '\0';
    if (fs->env->sha256 && gcry_md_open(&f->md, GCRY_MD_SHA256, 0) != 0) {
        rw_free(f);
        st->nomem++;
        return 0;
    }
    f->id = fs->next_id++;
    f->gen = c->gen;
    f->dir = dir;
    f->name_len = name == NULL ? 0 : (name_len > RW_FILE_NAME_MAX_BYTES ? RW_FILE_NAME_MAX_BYTES
                                                                       : name_len);
    if (f->name_len > 0)
        memcpy(f->name, name, f->name_len);
    f->name[f->name_len] = '\0';
    if (meta != NULL) {
        files_copy(f->app_proto, sizeof(f->app_proto), meta->app_proto);
        files_copy(f->method, sizeof(f->method), meta->method);
        files_copy(f->host, sizeof(f->host), meta->host);
        files_copy(f->uri, sizeof(f->uri), meta->uri);
        /* TFTP puts its transfer mode in content_type (rw_tftp.h). */
        if (meta->app_proto != NULL && strcmp(meta->app_proto, "tftp") == 0)
            files_copy(f->mode, sizeof(f->mode), meta->content_type);
        f->credentials = meta->credentials != 0;
        f->anonymous_login = meta->anonymous != 0;
    }
    f->anonymous = rw_detect_anonymity(f->app_proto[0] != '\0' ? f->app_proto : NULL,
                                       f->credentials, f->anonymous_login);
    fs->anonymous = f->anonymous;
    f->next = fs->open;
    fs->open = f;
    fs->nopen++;
    st->opened++;
    st->open_now++;
    return f->id;
}

/* The file as the rules see it; d must live as long as the view is used. */
static void files_view(struct rw_file *f, uint8_t state, struct rw_detect_file *d)
{
    memset(d, 0, sizeof(*d));
    d->name = f->name;
    d->name_len = f->name_len;
    d->dir = f->dir;
    d->size = f->size;
    if (f->typed) {
        d->mime = f->ft.mime;
        d->desc = f->ft.desc;
        d->ext = f->ft.ext;
        d->ext_mismatch = (f->ft.flags & RW_FT_EXT_MISMATCH) != 0;
    }
    d->types = f->types;
    d->app_proto = f->app_proto[0] != '\0' ? f->app_proto : NULL;
    d->credentials = f->credentials;
    d->anonymous = f->anonymous;
    d->state = state;
    d->gaps = f->gaps;
    d->fstate = &f->dfs;
}

static void files_event(struct rw_files *fs, const struct rw_files_call *c, struct rw_file *f,
                        enum rw_detect_file_event ev, uint8_t state)
{
    struct rw_detect_file d;

    if (fs->env->detect == NULL || c->flow == NULL)
        return;
    if (f->gen != c->gen) {
        /* The rules were reloaded: old rule slots mean nothing to the new set. */
        memset(&f->dfs, 0, sizeof(f->dfs));
        f->types = rw_rules_types_of(fs->env->rules, f->typed ? f->ft.mime : NULL,
                                     f->typed ? f->ft.desc : NULL, f->name);
        f->gen = c->gen;
    }
    /* A file no rule can act on: no view to build at each chunk. */
    if (rw_detect_file_skip(&f->dfs, f->size))
        return;
    files_view(f, state, &d);
    rw_detect_file(fs->env->detect, c->flow, &d, ev, c->now_us, fs->env->emit,
                   fs->env->emit_ctx);
}

/* Types the file from its head (with its name: the extension is the second signal). */
/* The type groups the bytes' type decides, through the engine's cache when there is one
 * (rw_files.h): FNV-1a over the MIME type and the description picks the slot. */
static uint64_t files_types_content(struct rw_files *fs, const struct rw_files_call *c,
                                    const char *mime, const char *desc)
{
    struct rw_files_types *t = fs->env->types;
    const struct rw_ruleset *rs = fs->env->rules;
    size_t ml = strnlen(mime, sizeof(t->slot[0].mime));
    size_t dl = strnlen(desc, sizeof(t->slot[0].desc));
    uint64_t h = UINT64_C(14695981039346656037), bits;
    unsigned i;

    if (t == NULL || rs == NULL || ml >= sizeof(t->slot[0].mime) ||
        dl >= sizeof(t->slot[0].desc))
        return rw_rules_types_of_content(rs, mime, desc);
    for (size_t k = 0; k <= ml; k++) /* the NUL too: "ab"+"c" is not "a"+"bc" */
        h = (h ^ (unsigned char)mime[k]) * UINT64_C(1099511628211);
    for (size_t k = 0; k < dl; k++)
        h = (h ^ (unsigned char)desc[k]) * UINT64_C(1099511628211);
    i = (unsigned)(h % RW_FILES_TYPES_SLOTS);
    if (t->slot[i].rs == rs && t->slot[i].gen == c->gen && strcmp(t->slot[i].mime, mime) == 0 &&
        strcmp(t->slot[i].desc, desc) == 0) {
        t->hits++;
        return t->slot[i].bits;
    }
    t->misses++;
    bits = rw_rules_types_of_content(rs, mime, desc);
    t->slot[i].rs = rs;
    t->slot[i].gen = c->gen;
    t->slot[i].bits = bits;
    memcpy(t->slot[i].mime, mime, ml + 1);
    memcpy(t->slot[i].desc, desc, dl + 1);
    return bits;
}

static void files_type(struct rw_files *fs, const struct rw_files_call *c, struct rw_file *f)
{
    if (f->typed)
        return;
    f->typed = 1;
    if (fs->env->magic != NULL &&
        rw_magic_identify(fs->env->magic, f->head, f->head_len, f->name, &f->ft) == 0) {
        fs->env->stats->typed++;
        if (f->ft.flags & RW_FT_EXT_MISMATCH)
            fs->env->stats->ext_mismatch++;
        f->types = files_types_content(fs, c, f->ft.mime, f->ft.desc) |
                   rw_rules_types_of_name(fs->env->rules, f->name);
    } else {
        memset(&f->ft, 0, sizeof(f->ft));
        f->types = rw_rules_types_of(fs->env->rules, NULL, NULL, f->name);
    }
    files_event(fs, c, f, RW_DET_FILE_IDENTIFIED, RW_FILE_OPEN);
}

void rw_files_data(struct rw_files *fs, const struct rw_files_call *c, uint32_t id,
                   const uint8_t *p, size_t n)
{
    struct rw_file *f = files_find(fs, id, NULL);

    if (f == NULL || n == 0)
        return;
    f->size += n;
    if (f->md != NULL)
        gcry_md_write(f->md, p, n);
    if (!f->typed && !f->gaps && f->head_len < sizeof(f->head)) {
        size_t k = sizeof(f->head) - f->head_len;

        if (k > n)
            k = n;
        memcpy(f->head + f->head_len, p, k);
        f->head_len += k;
    }
    if (!f->typed) {
        if (f->head_len >= RW_MAGIC_WANT_BYTES || f->head_len >= sizeof(f->head))
            files_type(fs, c, f);
        return;
    }
    files_event(fs, c, f, RW_DET_FILE_GREW, RW_FILE_OPEN);
}

void rw_files_gap(struct rw_files *fs, const struct rw_files_call *c, uint32_t id, uint64_t n)
{
    struct rw_file *f = files_find(fs, id, NULL);

    if (f == NULL || n == 0)
        return;
    f->gaps = 1;
    /* A hash over bytes with holes means nothing: drop it. */
    if (f->md != NULL) {
        gcry_md_close(f->md);
        f->md = NULL;
    }
    /* What is in the head is all libmagic will get: type now, before bytes from after the
     * hole could arrive. */
    if (!f->typed && f->head_len > 0)
        files_type(fs, c, f);
}

static void files_record(struct rw_files *fs, const struct rw_files_call *c,
                         struct rw_file *f, uint8_t state)
{
    struct rw_file_event ev;
    const uint8_t *digest = NULL;
    struct rw_json *rec;

    if (fs->env->record == NULL)
        return;
    if (f->md != NULL) {
        gcry_md_final(f->md);
        digest = gcry_md_read(f->md, GCRY_MD_SHA256);
    }
    memset(&ev, 0, sizeof(ev));
    ev.filename = f->name;
    ev.filename_len = f->name_len;
    ev.magic = f->typed && f->ft.desc[0] != '\0' ? f->ft.desc : NULL;
    ev.size = f->size;
    ev.ts_us = c->now_us;
    ev.app_proto = f->app_proto[0] != '\0' ? f->app_proto : NULL;
    ev.dir = f->dir;
    ev.state = state;
    ev.gaps = f->gaps;
    ev.method = f->method[0] != '\0' ? f->method : NULL;
    ev.host = f->host[0] != '\0' ? f->host : NULL;
    ev.uri = f->uri[0] != '\0' ? f->uri : NULL;
    ev.mode = f->mode[0] != '\0' ? f->mode : NULL;
    ev.sha256 = digest;
    rec = rw_eve_fileinfo_record(c->info, &ev);
    fs->env->record(fs->env->record_ctx, rec);
}

static void files_finish(struct rw_files *fs, const struct rw_files_call *c, struct rw_file **link,
                         int truncated)
{
    struct rw_file *f = *link;
    uint8_t state = truncated || f->gaps ? RW_FILE_TRUNCATED : RW_FILE_CLOSED;

    files_type(fs, c, f);
    files_event(fs, c, f, RW_DET_FILE_END, state);
    files_record(fs, c, f, state);
    if (state == RW_FILE_CLOSED)
        fs->env->stats->closed++;
    else
        fs->env->stats->truncated++;
    *link = f->next;
    files_release(fs, f);
}

void rw_files_close(struct rw_files *fs, const struct rw_files_call *c, uint32_t id,
                    int truncated)
{
    struct rw_file **link = NULL;

    if (files_find(fs, id, &link) == NULL)
        return;
    files_finish(fs, c, link, truncated);
}

void rw_files_end(struct rw_files *fs, const struct rw_files_call *c)
{
    /* Oldest first, so records come out in the order the files began. */
    while (fs->open != NULL) {
        struct rw_file **link = &fs->open;

        while ((*link)->next != NULL)
            link = &(*link)->next;
        files_finish(fs, c, link, 1);
    }
}

size_t rw_files_open_count(const struct rw_files *fs)
{
    return fs->nopen;
}

size_t rw_files_bytes(const struct rw_files *fs)
{
    return fs == NULL ? 0 : sizeof(*fs) + fs->nopen * sizeof(struct rw_file);
}

int8_t rw_files_anonymous(const struct rw_files *fs)
{
    return fs->anonymous;
}
