#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""split_multipart.py BODY BOUNDARY OUTDIR: writes each file part of a multipart body
under its filename and prints name, size and SHA-256 of every part (plain fields too)."""
import hashlib, os, re, sys
body = open(sys.argv[1], 'rb').read()
b = b'--' + sys.argv[2].encode()
os.makedirs(sys.argv[3], exist_ok=True)
for part in body.split(b)[1:]:
    if part.startswith(b'--'):
        break
    head, _, data = part[2:].partition(b'\r\n\r\n')
    data = data[:-2]
    m = re.search(rb'filename="([^"]*)"', head)
    n = re.search(rb'name="([^"]*)"', head)
    name = (m or n).group(1).decode()
    if m:
        open(os.path.join(sys.argv[3], name), 'wb').write(data)
    print('%s\t%s\t%d\t%s' % ('file' if m else 'field', name, len(data),
                               hashlib.sha256(data).hexdigest()))
