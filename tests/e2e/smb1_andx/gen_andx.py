#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""gen_andx.py — writes the SMB1 AndX chain capture of the smb1_andx e2e case.

    python3 tests/e2e/smb1_andx/gen_andx.py OUT.pcap

One TCP connection 10.1.2.10:50446 -> 10.1.2.20:445, NetBIOS session messages of SMB1
([MS-CIFS] 2.2.3.1), requests and responses in turn, with three files whose data moves
only in a chained command ([MS-CIFS] 2.2.3.4 batched "AndX" messages):

  docs\\andx_locked.bin   5000 bytes up: NT_CREATE_ANDX alone (FID 0x4001), then one
                          request LOCKING_ANDX + WRITE_ANDX (the FID given)
  docs\\andx_created.bin  3000 bytes up: one request NT_CREATE_ANDX + WRITE_ANDX (FID
                          0xFFFF: the chain's open), answered by NT_CREATE_ANDX (FID
                          0x4002) + WRITE_ANDX
  docs\\andx_read.bin     4000 bytes down: NT_CREATE_ANDX alone (FID 0x4003), then
                          LOCKING_ANDX + READ_ANDX answered by LOCKING_ANDX + READ_ANDX

each closed by a CLOSE. Every byte is deterministic: the capture is the same on every run.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from pcapwrite import ACK, FIN, PSH, SYN, Writer  # noqa: E402  (the e2e directory)

CLI, SRV, SP, DP = "10.1.2.10", "10.1.2.20", 50446, 445


def data(seed, n):
    return bytes((seed * 31 + i * 7 + (i >> 8)) & 0xFF for i in range(n))


def msg(d, cmd, mid, blocks, status=0):
    """An SMB1 message: header, then the blocks, each (cmd, words, bytes, data_word); the
    AndX words (first 4 bytes of the words of an AndX command) are linked here, and the word at
    index data_word (AndX words counted) is set to the offset of the block's data (its
    bytes after one pad byte)."""
    out, at, built = bytearray(), 32, []
    for (c, words, byts, data_word) in blocks:
        words = bytearray(words)
        if data_word is not None:
            words[2 * data_word:2 * data_word + 2] = struct.pack("<H", at + 1 + len(words) + 3)
        blk = bytearray(struct.pack("<B", len(words) // 2) + words +
                        struct.pack("<H", len(byts)) + byts)
        built.append((c, blk))
        at += len(blk)
    at = 32
    for i, (c, blk) in enumerate(built):
        if c in (0x24, 0x2E, 0x2F, 0xA2):
            nxt = built[i + 1][0] if i + 1 < len(built) else 0xFF
            blk[1] = nxt
            blk[3:5] = struct.pack("<H", at + len(blk) if i + 1 < len(built) else 0)
        at += len(blk)
        out += blk
    h = (b"\xffSMB" + struct.pack("<BIBH", cmd, status, 0x18 | 0x80 * d, 0xc807) +
         b"\x00" * 12 + struct.pack("<HHHH", 0x0800, 0xfeff, 0x0064, mid))
    m = h + bytes(out)
    return struct.pack(">I", len(m)) + m


ANDX = b"\xff\x00\x00\x00"


def create_req(name):
    n = name.encode("utf-16-le") + b"\x00\x00"
    words = (ANDX + struct.pack("<BHIIIQIIIIIB", 0, len(n), 0, 0, 0x0012019f, 0, 0x80, 3,
                                5, 0x40, 2, 0))
    return (0xA2, words, b"\x00" + n, None)


def create_resp(fid, size):
    words = ANDX + struct.pack("<BHI", 0, fid, 2) + b"\x00" * 32 + struct.pack(
        "<IQQHHB", 0x80, size, size, 0, 0, 0)
    return (0xA2, words, b"", None)


def write_req(fid, off, payload):
    words = ANDX + struct.pack("<HIIHHHHHI", fid, off, 0, 0, 0, 0, len(payload), 0, 0)
    return (0x2F, words, b"\x00" + payload, 11)


def write_resp(n):
    return (0x2F, ANDX + struct.pack("<HHI", n, 0xFFFF, 0), b"", None)


def locking_req(fid):
    return (0x24, ANDX + struct.pack("<HBBIHH", fid, 0, 0, 0, 0, 0), b"", None)


def locking_resp():
    return (0x24, ANDX, b"", None)


def read_req(fid, off, n):
    return (0x2E, ANDX + struct.pack("<HIHHIHI", fid, off, n, n, 0, 0, 0), b"", None)


def read_resp(payload):
    words = ANDX + struct.pack("<HHHHHH", 0xFFFF, 0, 0, len(payload), 0, 0) + b"\x00" * 8
    return (0x2E, words, b"\x00" + payload, 6)


def close_req(fid):
    return (0x04, struct.pack("<HI", fid, 0xFFFFFFFF), b"", None)


def close_resp():
    return (0x04, b"", b"", None)


def negotiate():
    req = msg(0, 0x72, 1, [(0x72, b"", b"\x02NT LM 0.12\x00", None)])
    resp = msg(1, 0x72, 1, [(0x72, struct.pack("<HBHHIIIIQhB", 0, 3, 50, 1, 65536, 65536, 0,
                                                0x8000e3fc, 0, 0, 0), b"", None)])
    return [(0, req), (1, resp)]


def exchanges():
    up1, up2, down = data(1, 5000), data(2, 3000), data(3, 4000)
    ex = negotiate()
    # 1: create alone, then LOCKING_ANDX + WRITE_ANDX
    ex += [(0, msg(0, 0xA2, 10, [create_req("docs\\andx_locked.bin")])),
           (1, msg(1, 0xA2, 10, [create_resp(0x4001, 0)])),
           (0, msg(0, 0x24, 11, [locking_req(0x4001), write_req(0x4001, 0, up1)])),
           (1, msg(1, 0x24, 11, [locking_resp(), write_resp(len(up1))])),
           (0, msg(0, 0x04, 12, [close_req(0x4001)])),
           (1, msg(1, 0x04, 12, [close_resp()]))]
    # 2: NT_CREATE_ANDX + WRITE_ANDX in one request
    ex += [(0, msg(0, 0xA2, 20, [create_req("docs\\andx_created.bin"),
                                 write_req(0xFFFF, 0, up2)])),
           (1, msg(1, 0xA2, 20, [create_resp(0x4002, 0), write_resp(len(up2))])),
           (0, msg(0, 0x04, 21, [close_req(0x4002)])),
           (1, msg(1, 0x04, 21, [close_resp()]))]
    # 3: create alone, then LOCKING_ANDX + READ_ANDX both ways
    ex += [(0, msg(0, 0xA2, 30, [create_req("docs\\andx_read.bin")])),
           (1, msg(1, 0xA2, 30, [create_resp(0x4003, len(down))])),
           (0, msg(0, 0x24, 31, [locking_req(0x4003), read_req(0x4003, 0, len(down))])),
           (1, msg(1, 0x24, 31, [locking_resp(), read_resp(down)])),
           (0, msg(0, 0x04, 32, [close_req(0x4003)])),
           (1, msg(1, 0x04, 32, [close_resp()]))]
    return ex




def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen_andx.py OUT.pcap")
    with open(sys.argv[1], "wb") as f:
        w = Writer(f)
        seq = [1000, 50000]
        ends = [(CLI, SRV, SP, DP), (SRV, CLI, DP, SP)]
        w.pkt(CLI, SRV, SP, DP, seq[0], 0, SYN)
        w.pkt(SRV, CLI, DP, SP, seq[1], seq[0] + 1, SYN | ACK)
        seq = [seq[0] + 1, seq[1] + 1]
        w.pkt(CLI, SRV, SP, DP, seq[0], seq[1], ACK)
        for (d, b) in exchanges():
            for i in range(0, len(b), 1400):
                seg = b[i:i + 1400]
                w.pkt(*ends[d], seq[d], seq[1 - d], PSH | ACK, seg)
                seq[d] += len(seg)
            w.pkt(*ends[1 - d], seq[1 - d], seq[d], ACK)
        w.pkt(CLI, SRV, SP, DP, seq[0], seq[1], FIN | ACK)
        w.pkt(SRV, CLI, DP, SP, seq[1], seq[0] + 1, FIN | ACK)
        w.pkt(CLI, SRV, SP, DP, seq[0] + 1, seq[1] + 1, ACK)


if __name__ == "__main__":
    main()
