#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""follow.py PCAP SRCPORT DSTPORT OUT [resp]: writes the bytes the TCP connection from
SRCPORT to DSTPORT carried from SRCPORT's side (with "resp": from DSTPORT's side) (tshark's follow,tcp,raw; duplicate and overlapping
bytes resolved by tshark), and prints size and SHA-256."""
import hashlib, subprocess, sys
pcap, sp, dp, out = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
resp = len(sys.argv) > 5 and sys.argv[5] == 'resp'
q = lambda a: subprocess.run(['tshark', '-o', 'tcp.reassemble_out_of_order:TRUE', '-r', pcap] + a,
                             capture_output=True, text=True, check=True).stdout
ids = q(['-Y', 'tcp.srcport==%s && tcp.dstport==%s && tcp.flags.syn==1' % (sp, dp), '-T',
         'fields', '-e', 'tcp.stream']).split()
if len(ids) != 1:
    sys.exit('expected one SYN from %s to %s, found %d' % (sp, dp, len(ids)))
text = q(['-q', '-z', 'follow,tcp,raw,' + ids[0]])
data = bytearray()
body = text.splitlines()
for line in body:
    if not line or line.startswith(('Follow:', 'Filter:', 'Node ', '=')):
        continue
    if line.startswith('\t') == resp:  # no tab: node 0, the SYN sender
        data += bytes.fromhex(line.strip())
open(out, 'wb').write(data)
print('%d\t%s' % (len(data), hashlib.sha256(data).hexdigest()))
