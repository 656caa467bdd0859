/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_evefile.c — EVE line sink: buffered stdio to DIR/eve.json or stdout. */
#include "rw_evefile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EVEFILE_BUF_BYTES (256 * 1024)

struct rw_evefile {
    FILE *fp;
    char *dir;        /* resolved directory; NULL for stdout */
    char *path;       /* resolved DIR/eve.json; NULL for stdout */
    uid_t uid;        /* the user that writes (owner allowed besides root) */
    gid_t gid;
    int failed;
    char buf[EVEFILE_BUF_BYTES]; /* the file's stdio buffer (not stdout's) */
};

/* One directory of the chain: owned by root or uid, not writable by others unless sticky. */
static int evefile_dir_safe(const char *path, uid_t uid, char *err, size_t errlen)
{
    struct stat st;

    if (lstat(path, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: not a directory", path);
        return 1;
    }
    if (st.st_uid != 0 && st.st_uid != uid) {
        snprintf(err, errlen, "%s: owned by uid %lu, neither root nor the user reelwatch "
                              "writes as (uid %lu); refused: that user could redirect eve.json",
                 path, (unsigned long)st.st_uid, (unsigned long)uid);
        return 1;
    }
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0) {
        snprintf(err, errlen, "%s: %s-writable without the sticky bit; refused: another "
                              "user could redirect eve.json (chmod go-w it)",
                 path, (st.st_mode & S_IWOTH) != 0 ? "world" : "group");
        return 1;
    }
    return 0;
}

int rw_evefile_check_dir(const char *dir, uid_t uid, char *resolved, size_t reslen, char *err,
                         size_t errlen)
{
    char real[PATH_MAX], cur[PATH_MAX];
    char *slash;
    int rc;

    if (realpath(dir, real) == NULL) {
        /* Worded as opening the file would be: "DIR/eve.json: No such file or directory". */
        snprintf(err, errlen, "%s/eve.json: %s", dir, strerror(errno));
        return -1;
    }
    snprintf(cur, sizeof(cur), "%s", real);
    /* The directory itself, then each parent up to "/": none may be swappable by another
     * user, or the resolved path could be redirected after this check. */
    for (;;) {
        rc = evefile_dir_safe(cur[0] != '\0' ? cur : "/", uid, err, errlen);
        if (rc != 0)
            return rc;
        if (cur[0] == '\0' || strcmp(cur, "/") == 0)
            break;
        slash = strrchr(cur, '/');
        if (slash == NULL)
            break;
        *slash = '\0';
    }
    if (resolved != NULL) {
        if (strlen(real) >= reslen) {
            snprintf(err, errlen, "%s: path too long", dir);
            return -1;
        }
        snprintf(resolved, reslen, "%s", real);
    }
    return 0;
}

/* Opens path (in an already checked directory) without following a link, and checks what
 * was opened: a regular file with one link, owned by root or the writing user. O_NONBLOCK
 * keeps a FIFO put in its place from blocking the open; it is cleared for the file. */
static FILE *evefile_fopen(struct rw_evefile *ef, char *err, size_t errlen, int *refused)
{
    int fd = open(ef->path,
                  O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK,
                  0640);
    struct stat st;
    FILE *fp;
    int fl;

    if (fd < 0) {
        if (errno == ELOOP) {
            snprintf(err, errlen, "%s: is a symbolic link; refused", ef->path);
            *refused = 1;
        } else {
            snprintf(err, errlen, "%s: %s", ef->path, strerror(errno));
        }
        return NULL;
    }
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s: %s", ef->path, strerror(errno));
        goto fail;
    }
    if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
        snprintf(err, errlen, "%s: not a plain file with one link; refused", ef->path);
        *refused = 1;
        goto fail;
    }
    fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        snprintf(err, errlen, "%s: %s", ef->path, strerror(errno));
        goto fail;
    }
    if (st.st_uid != 0 && st.st_uid != ef->uid) {
        snprintf(err, errlen, "%s: owned by uid %lu, neither root nor uid %lu; refused",
                 ef->path, (unsigned long)st.st_uid, (unsigned long)ef->uid);
        *refused = 1;
        goto fail;
    }
    /* Root opening for a user it will become: hand the file over, so a reopen after the
     * drop (log rotation) can still append to it. */
    if (geteuid() == 0 && ef->uid != 0 && (st.st_uid != ef->uid || st.st_gid != ef->gid) &&
        fchown(fd, ef->uid, ef->gid) != 0) {
        snprintf(err, errlen, "%s: chown: %s", ef->path, strerror(errno));
        goto fail;
    }
    fp = fdopen(fd, "a");
    if (fp == NULL) {
        snprintf(err, errlen, "%s: %s", ef->path, strerror(errno));
        goto fail;
    }
    return fp;
fail:
    close(fd);
    return NULL;
}

struct rw_evefile *rw_evefile_open(const char *dir, char *err, size_t errlen)
{
    return rw_evefile_open_as(dir, geteuid(), getegid(), err, errlen, NULL);
}

struct rw_evefile *rw_evefile_open_as(const char *dir, uid_t uid, gid_t gid, char *err,
                                      size_t errlen, int *refused)
{
    struct rw_evefile *ef;
    char real[PATH_MAX];
    int rc, ref = 0;
    size_t n;

    if (refused == NULL)
        refused = &ref;
    *refused = 0;
    ef = rw_calloc(1, sizeof(*ef));

    if (ef == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    ef->uid = uid;
    ef->gid = gid;
    if (dir == NULL) {
        ef->fp = stdout;
    } else {
        rc = rw_evefile_check_dir(dir, uid, real, sizeof(real), err, errlen);
        if (rc != 0) {
            *refused = rc == 1;
            goto fail;
        }
        n = strlen(real) + 1;
        ef->dir = rw_malloc(n);
        ef->path = rw_malloc(n + sizeof("/eve.json"));
        if (ef->dir == NULL || ef->path == NULL) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        memcpy(ef->dir, real, n);
        snprintf(ef->path, n + sizeof("/eve.json"), "%s/eve.json",
                 strcmp(real, "/") == 0 ? "" : real);
        ef->fp = evefile_fopen(ef, err, errlen, refused);
        if (ef->fp == NULL)
            goto fail;
    }
    /* stdout keeps libc's buffer: it outlives this object. */
    if (ef->path != NULL)
        setvbuf(ef->fp, ef->buf, _IOFBF, sizeof(ef->buf));
    return ef;
fail:
    rw_free(ef->dir);
    rw_free(ef->path);
    rw_free(ef);
    return NULL;
}

/* Worker threads write at once: the stream's own lock keeps each line whole (stdio locks
 * every call, but a line is two). */
static int evefile_write(void *ctx, const char *line, size_t len)
{
    struct rw_evefile *ef = ctx;
    int rc = 0;

    if (__atomic_load_n(&ef->failed, __ATOMIC_RELAXED))
        return RW_EIO;
    flockfile(ef->fp);
    if (fwrite(line, 1, len, ef->fp) != len || putc('\n', ef->fp) == EOF) {
        __atomic_store_n(&ef->failed, 1, __ATOMIC_RELAXED);
        rc = RW_EIO;
    }
    funlockfile(ef->fp);
    return rc;
}

struct rw_output rw_evefile_output(struct rw_evefile *ef)
{
    return (struct rw_output){.ctx = ef, .write = evefile_write};
}

int rw_evefile_flush(struct rw_evefile *ef)
{
    if (fflush(ef->fp) != 0) {
        __atomic_store_n(&ef->failed, 1, __ATOMIC_RELAXED);
        return RW_EIO;
    }
    return 0;
}

int rw_evefile_reopen(struct rw_evefile *ef)
{
    char err[PATH_MAX + 256];
    int refused = 0;
    FILE *fp;

    if (ef->path == NULL)
        return 0;
    /* The same rules as at start: the directory may have been changed since. */
    if (rw_evefile_check_dir(ef->dir, ef->uid, NULL, 0, err, sizeof(err)) != 0 ||
        (fp = evefile_fopen(ef, err, sizeof(err), &refused)) == NULL) {
        fprintf(stderr, "reelwatch: %s\n", err);
        errno = EPERM;
        return RW_EIO;
    }
    rw_evefile_flush(ef);
    fclose(ef->fp);
    ef->fp = fp;
    setvbuf(ef->fp, ef->buf, _IOFBF, sizeof(ef->buf));
    return 0;
}

int rw_evefile_failed(const struct rw_evefile *ef)
{
    return __atomic_load_n(&ef->failed, __ATOMIC_RELAXED);
}

int rw_evefile_close(struct rw_evefile **efp)
{
    struct rw_evefile *ef;
    int rc = 0;

    if (efp == NULL || *efp == NULL)
        return 0;
    ef = *efp;
    if (fflush(ef->fp) != 0 || ef->failed)
        rc = RW_EIO;
    if (ef->path != NULL)
        fclose(ef->fp);
    rw_free(ef->dir);
    rw_free(ef->path);
    rw_free(ef);
    *efp = NULL;
    return rc;
}
