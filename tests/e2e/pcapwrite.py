# SPDX-License-Identifier: GPL-2.0-or-later
"""pcapwrite.py — the classic-pcap writer of the e2e capture generators
(http_suricata/gen_evasion.py, smb1_andx/gen_andx.py): Ethernet, IPv4 and TCP with real
checksums, one packet per millisecond from 2026-01-01T00:00:00Z, so a generator's output is
the same bytes on every run."""
import struct


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip4(a):
    return bytes(int(x) for x in a.split("."))


class Writer:
    def __init__(self, f):
        self.f = f
        self.t = 1767225600  # 2026-01-01T00:00:00Z
        self.us = 0
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))

    def pkt(self, src, dst, sp, dp, seq, ack, flags, payload=b""):
        s, d = ip4(src), ip4(dst)
        tcp = struct.pack("!HHIIBBHHH", sp, dp, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4,
                          flags, 65535, 0, 0) + payload
        ph = s + d + struct.pack("!BBH", 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", csum(ph + tcp)) + tcp[18:]
        iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, s, d)
        iph = iph[:10] + struct.pack("!H", csum(iph)) + iph[12:]
        frame = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + iph + tcp
        self.us += 1000
        self.f.write(struct.pack("<IIII", self.t + self.us // 1000000, self.us % 1000000,
                                 len(frame), len(frame)) + frame)


SYN, FIN, PSH, ACK = 0x02, 0x01, 0x08, 0x10
