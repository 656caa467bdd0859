/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_smb_int.h — what the SMB parser's files share: the protocol's constants, the
 * connection's state, and the helpers of rw_smb.c (SMB2 commands, framing), rw_smb_files.c
 * (file and request tables, file data) and rw_smb1.c. Only the rw_smb*.c files include it. */
#ifndef RW_SMB_INT_H
#define RW_SMB_INT_H

#include "rw_smb.h"

#include <stddef.h>
#include <stdint.h>

/*
 * [MS-SMB2] 2.2.1 SMB2 packet header (64 bytes, little-endian):
 *
 *    0        4        6             8               12        14            16
 *   | FE 'SMB'| StrSz=64| CreditCharge| Status/ChanSeq | Command | Credits     |
 *   16        20            24              32
 *   | Flags   | NextCommand | MessageId (8) | sync: Reserved(4) TreeId(4)
 *                                           | async: AsyncId (8)
 *   40                 48
 *   | SessionId (8)     | Signature (16) |
 *
 * Offsets in command bodies (DataOffset, NameOffset) count from the start of this header.
 */
#define SMB2_HDR_BYTES 64u

/* [MS-SMB2] 2.2.1.2 Flags */
#define SMB2_FLAGS_SERVER_TO_REDIR 0x00000001u
#define SMB2_FLAGS_ASYNC_COMMAND 0x00000002u
#define SMB2_FLAGS_RELATED_OPERATIONS 0x00000004u

/* [MS-SMB2] 2.2.1 Command */
enum {
    SMB2_TREE_CONNECT = 0x0003,
    SMB2_CREATE = 0x0005,
    SMB2_CLOSE = 0x0006,
    SMB2_READ = 0x0008,
    SMB2_WRITE = 0x0009,
};

/* [MS-ERREF] 2.3.1 NTSTATUS values used here. */
#define STATUS_SUCCESS 0x00000000u
#define STATUS_PENDING 0x00000103u
#define STATUS_BUFFER_OVERFLOW 0x80000005u

/* Fixed parts of the command bodies read (StructureSize rounded down to even, [MS-SMB2]
 * 2.2.9ff.: the odd byte is the first of the variable buffer). */
#define TREE_CONNECT_RESP_BYTES 16u /* 2.2.10: ShareType at 2 */
#define CREATE_REQ_BYTES 56u        /* 2.2.13: NameOffset at 44, NameLength at 46 */
#define CREATE_RESP_BYTES 88u       /* 2.2.14: FileId at 64 */
#define CLOSE_REQ_BYTES 24u         /* 2.2.15: FileId at 8 */
#define READ_REQ_BYTES 48u          /* 2.2.19: Length at 4, Offset at 8, FileId at 16 */
#define READ_RESP_BYTES 16u         /* 2.2.20: DataOffset (1 byte) at 2, DataLength at 4 */
#define WRITE_REQ_BYTES 48u         /* 2.2.21: DataOffset at 2, Length at 4, Offset at 8,
                                     * FileId at 16 */
#define SHARE_TYPE_PIPE 0x02        /* 2.2.10 SMB2_SHARE_TYPE_PIPE */

/* NetBIOS session service packet types (RFC 1002 4.3.1). */
#define NBSS_SESSION_MESSAGE 0x00

enum { ST_NB = 0, ST_HEAD, ST_BODY, ST_SKIP, ST_LOST };

struct smb_file {
    uint8_t used;
    uint8_t has_fid;
    uint8_t opened;      /* sink->file_open was called and the file is not closed yet */
    uint8_t over_limit;  /* not opened: too many open files */
    uint8_t close_req;   /* a CLOSE request was seen */
    uint8_t pipe;        /* created on an IPC$ tree */
    uint8_t dir;         /* the file's direction once opened */
    uint8_t fid[16];
    uint64_t next;       /* next expected offset */
    uint64_t lru;
    uint32_t sink_id;
    char *name;          /* owned, NUL-terminated; NULL when unknown */
    size_t name_len;
};

/* Bytes of a file that came ahead of its next expected offset (pipelined READs answered
 * out of order), held until the file reaches them; a list in offset order. An entry holds
 * the data of one message from the piece that came first to the message's end (or to a
 * gap): it is made with room for all of it, and the later pieces join it as they come. */
struct smb_ooo {
    struct smb_ooo *next;
    int file;            /* index into files */
    uint8_t hole;        /* no bytes: a gap of len */
    uint64_t off;
    uint64_t len;        /* room for data (the rest of the message), or the hole's length */
    uint64_t have;       /* data bytes in so far (len for a hole) */
    uint8_t data[];
};

struct smb_pending {
    uint8_t used;
    uint16_t cmd;
    int file;            /* index into files, -1 when none */
    uint64_t mid;
    uint64_t offset;     /* READ: file offset requested */
    uint64_t seq;
};

/* The SMB2 header fields of the message being read. */
struct smb_hdr {
    uint16_t cmd;
    uint32_t status;
    uint32_t flags;
    uint32_t next_cmd;
    uint64_t mid;
    uint32_t tree_id;
};

struct smb_dir {
    uint8_t st;
    uint8_t nb[4];
    uint8_t nb_have;
    uint32_t nb_left;     /* bytes of the NetBIOS message not consumed yet */
    uint32_t pdu_len;     /* bytes of the current SMB2 message (once its header is read) */
    uint32_t pos;         /* bytes of the current SMB2 message consumed */
    uint32_t want;        /* ST_HEAD: bytes gathered into buf before acting */
    uint8_t first;        /* the current SMB2 message is the first of its NetBIOS message */
    uint8_t smb1;         /* SMB1 message: 1 gathering its header, 2 its words */
    uint32_t data_start;  /* ST_BODY: the data region [data_start, data_end) of the message */
    uint32_t data_end;
    int data_file;        /* file index the data belongs to, -1 when none */
    uint64_t data_off;    /* file offset of the byte at data_start */
    int chain_file;       /* the file of the last CREATE in this NetBIOS message */
    /* SMB1 AndX chain walk: buf holds the message from offset base; the command being read
     * has its WordCount at offset at and code cmd1; andx_n commands of the message read so
     * far; andx_next (0: none) is the next command's offset, still to stream up to. */
    uint32_t base;
    uint32_t at;
    uint32_t andx_next;
    uint8_t cmd1;
    uint8_t andx_n;
    uint8_t unicode;      /* SMB1: Flags2 says names are UTF-16LE */
    struct smb_ooo *fill; /* ST_BODY: the held entry the data region's next piece joins */
    struct smb_hdr h;
    uint8_t *buf;         /* RW_SMB_HEAD_MAX_BYTES, while a message head is gathered across
                           * packets; NULL between calls otherwise (see rw_smb_data) */
};

struct rw_smb {
    struct rw_xfer_sink sink;
    struct rw_smb_counters c;
    uint8_t ended;
    uint32_t open_count;
    uint64_t clock;        /* ticks for LRU and pending age */
    struct smb_dir d[2];
    uint32_t pipe_trees[RW_SMB_PIPE_TREES_MAX];
    uint8_t pipe_trees_n;
    uint8_t pipe_trees_next;
    /* Both tables grow by doubling as requests and files come, up to their maximum, so an
     * idle connection holds only what it has used. */
    struct smb_pending *pending;
    struct smb_file *files;
    uint32_t pending_cap, files_cap;
    struct smb_pending scratch; /* a request no memory could be found for: never found */
    struct smb_ooo *ooo;        /* held out-of-order bytes, in offset order */
    size_t ooo_bytes;           /* their allocations, at most RW_SMB_OOO_MAX_BYTES */
    size_t name_bytes;          /* the allocations of the files' names */
};

/* The first size of the growing tables. */
#define SMB_TABLE_FIRST 4u
/* ---- SMB1 ------------------------------------------------------------------------- */

/*
 * [MS-CIFS] 2.2.3.1 SMB1 header (32 bytes, little-endian), then the parameter block
 * (WordCount, 2 x WordCount bytes) and the data block (ByteCount, bytes):
 *
 *    0          4     5          9      10       12        14             22
 *   | FF 'SMB' | Cmd | Status  | Flags | Flags2 | PIDHigh | Security (8) | Reserved |
 *    24    26       28    30    32          33
 *   | TID | PIDLow | UID | MID | WordCount | Words ... | ByteCount | Bytes ...
 *
 * AndX chains (2.2.3.4): each AndX command's first words are AndXCommand (0xFF: the end),
 * a reserved byte and AndXOffset, the next command's WordCount from the header; the walk
 * is in rw_smb1.c (sm_smb1_head). Files: NT_CREATE_ANDX (2.2.4.64) gives
 * the name and, in its response, the 16-bit FID and ResourceType (non-zero: a pipe);
 * WRITE_ANDX (2.2.4.43) and READ_ANDX (2.2.4.42) move data at DataOffset (from the
 * header); CLOSE (2.2.4.5). Pending requests are keyed by PIDLow and MID.
 */
#define SMB1_HDR_BYTES 32u
#define SMB1_WORDS (SMB1_HDR_BYTES + 1u)
#define SMB1_FLAGS_REPLY 0x80
#define SMB1_FLAGS2_UNICODE 0x8000
#define SMB1_CMD_BASE 0x100 /* SMB1 commands in the pending table: apart from SMB2's */
#define SMB1_ANDX_NONE 0xff
enum {
    SMB1_CLOSE = 0x04,
    SMB1_LOCKING_ANDX = 0x24,
    SMB1_OPEN_ANDX = 0x2d,
    SMB1_READ_ANDX = 0x2e,
    SMB1_WRITE_ANDX = 0x2f,
    SMB1_SESSION_SETUP_ANDX = 0x73,
    SMB1_LOGOFF_ANDX = 0x74,
    SMB1_TREE_CONNECT_ANDX = 0x75,
    SMB1_NT_CREATE_ANDX = 0xa2,
};

/* --- shared helpers ----------------------------------------------------------------- */

/* Converts UTF-16LE to UTF-8 into out (cap bytes, no NUL added): unpaired surrogates and
 * an odd last byte become U+FFFD (*invalid set); stops at a character that does not fit
 * (*cut set). Returns the bytes written. */
size_t rw__smb_utf16_to_utf8(const uint8_t *in, size_t in_len, char *out, size_t cap,
                             int *invalid, int *cut);
int sm_plan_data(struct rw_smb *s, uint8_t dir, uint32_t doff, uint32_t len, uint64_t foff,
                 int idx);
int sm_file_new(struct rw_smb *s, const char *name, size_t name_len);
int sm_is_pipe_tree(const struct rw_smb *s, uint32_t tree_id);
void sm_add_pipe_tree(struct rw_smb *s, uint32_t tree_id);
void sm_file_close(struct rw_smb *s, struct smb_file *f, int truncated);
void sm_file_drop(struct rw_smb *s, int idx, int truncated);
int sm_file_alloc(struct rw_smb *s);
int sm_file_by_fid(struct rw_smb *s, const uint8_t *fid);
int sm_file_for(struct rw_smb *s, struct smb_dir *d, const uint8_t *fid, int make);
struct smb_pending *sm_pending_add(struct rw_smb *s, uint16_t cmd, uint64_t mid, int file);
struct smb_pending *sm_pending_find(struct rw_smb *s, uint16_t cmd, uint64_t mid);
void sm_file_bytes(struct rw_smb *s, int idx, uint8_t dir, uint64_t off, const uint8_t *p,
                   uint64_t n, uint64_t rest);
/* SMB1: the message begins (its header is to be gathered from offset 0). */
void sm_smb1_begin(struct smb_dir *d);
/* SMB1: the bytes asked for (d->want) are in: reads the command, walks its AndX chain as
 * far as the gathered bytes go. Returns 1 when more bytes are to be gathered (d->want
 * raised), 0 when the rest of the message is to stream (up to d->andx_next if set). */
int sm_smb1_head(struct rw_smb *s, uint8_t dir);
/* SMB1: the stream reached d->andx_next: gathers the chained command there. */
void sm_smb1_resume(struct smb_dir *d);

#endif
