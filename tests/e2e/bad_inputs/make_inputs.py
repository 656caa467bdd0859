#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""make_inputs.py — writes the bad captures of this case from the first three packets of
pcaps/demo.pcap (two DNS and one NTP datagram: 75, 91 and 75 captured bytes). Run from
this directory; the outputs are committed, this script says how they were made."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
DEMO = os.path.join(HERE, '..', '..', '..', 'pcaps', 'demo.pcap')


def main():
    demo = open(DEMO, 'rb').read()
    hdr = demo[:24]  # little-endian pcap 2.4, snaplen 65535, DLT_EN10MB
    off, recs = 24, []
    for _ in range(3):
        ts, us, cl, ol = struct.unpack('<IIII', demo[off:off + 16])
        recs.append((ts, us, cl, ol, demo[off + 16:off + 16 + cl]))
        off += 16 + cl

    def rec(r, cl=None, ol=None):
        return struct.pack('<IIII', r[0], r[1], r[2] if cl is None else cl,
                           r[3] if ol is None else ol) + r[4]

    def snap(s):
        return hdr[:16] + struct.pack('<I', s) + hdr[20:]

    good = hdr + b''.join(rec(r) for r in recs)
    out = {
        'good3.pcap': good,
        # The last record's data cut 10 bytes short; the last record's header cut at 8.
        'truncated_record.pcap': good[:-10],
        'truncated_record_header.pcap': good[:-(16 + recs[2][2]) + 8],
        'snaplen_0.pcap': snap(0) + good[24:],
        'snaplen_2p31.pcap': snap(2 ** 31) + good[24:],
        # snaplen 64, records of 75, 91, 75 bytes.
        'caplen_over_snaplen.pcap': snap(64) + good[24:],
        # the first record padded to 70000 bytes: over the snaplen, under 256 KiB.
        'caplen_70000.pcap': hdr + rec(recs[0][:4] + (recs[0][4] + b'\0' * (70000 - recs[0][2]),),
                                      70000, 70000) + rec(recs[1]) + rec(recs[2]),
        # a record header claiming 262145 bytes (256 KiB + 1), then nothing.
        'caplen_over_256k.pcap': hdr + rec(recs[0]) + struct.pack('<IIII', recs[1][0], recs[1][1],
                                                                   262145, 262145),
    }

    def blk(t, body):
        body += b'\0' * ((4 - len(body) % 4) % 4)
        n = 12 + len(body)
        return struct.pack('<II', t, n) + body + struct.pack('<I', n)

    def epb(r):
        t = r[0] * 1000000 + r[1]
        return blk(6, struct.pack('<IIIII', 0, t >> 32, t & 0xffffffff, r[2], r[3]) + r[4])

    shb = blk(0x0A0D0D0A, struct.pack('<IHHq', 0x1A2B3C4D, 1, 0, -1))
    idb = blk(1, struct.pack('<HHI', 1, 0, 65535))
    # Block types no reader knows: 0x00000BAD, and 0x80001234 (bit 31: local use).
    out['pcapng_unknown_blocks.pcapng'] = (shb + idb + epb(recs[0]) + blk(0xBAD, b'unknown block body!') +
                                           epb(recs[1]) + blk(0x80001234, b'\1\2\3\4') + epb(recs[2]))
    for name, data in out.items():
        with open(os.path.join(HERE, name), 'wb') as f:
            f.write(data)
    mixed = os.path.join(HERE, 'mixed_dir')
    os.makedirs(mixed, exist_ok=True)
    for name, data in [('a_good.pcap', good), ('b_pcapng_unknown_blocks.pcapng', out['pcapng_unknown_blocks.pcapng']),
                       ('c_truncated.pcap', out['truncated_record.pcap']),
                       ('d_not_a_capture.pcap', b'this is not a capture\n'), ('e_empty.pcap', b''),
                       ('f_caplen_over_256k.pcap', out['caplen_over_256k.pcap'])]:
        with open(os.path.join(mixed, name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main()
