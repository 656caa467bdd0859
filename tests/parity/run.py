#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""run.py — the files reelwatch reports against Debian's Suricata 7.0.10's, capture by capture.

    python3 tests/parity/run.py [--bin build/reelwatch] [--build build] [--keep DIR]

Debian's Suricata (bookworm-backports 7.0.10, the oracle) runs over each capture on its own
(every capture in tests/data/pcaps, pcaps/demo.pcap and captures tools/rw_pcapgen writes
(transfers of each protocol, HTTP evasions, encapsulated variants) and the HTTP evasion
capture of tests/e2e/http_suricata), with tests/parity/suricata.yaml (fileinfo records, no
body, stream or checksum limits). build/reelwatch then reads each capture on its own.

A file is (capture, protocol, name, size, direction, state). For each Suricata file the
script looks for reelwatch's on the same flow: same name and size (and state), same name
other size, or not seen; reelwatch's files left over are extra. The figures are printed per
protocol. Every difference must be listed in tests/parity/differences.tsv (capture,
protocol, name, difference, count, why), each also named in docs/eve.md's "Differences
from Suricata" section; a difference not listed fails, and so does a listed one that no
longer occurs, so the list stays true.

Which capture a Suricata record belongs to is found by its flow: Suricata's pcap_filename
names the file being read when the record was written, which for a flow that ends by
timeout is a later capture, so the flow's addresses and ports are looked up in the flow
records reelwatch wrote for each capture (which also say which side is the client, hence
the file's direction: Suricata writes a file's record from its sender).

Also run here: tests/e2e/http_suricata/run_suricata.sh --check (Suricata's files for that
capture still equal its recorded suricata.tsv).

Exit status: 0 when every difference is listed, 1 otherwise, 2 when Suricata is missing or
a tool fails.
"""
import argparse
import collections
import csv
import ipaddress
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# rw_pcapgen captures in the corpus: (capture name, generator arguments).
GENERATED = [
    ('gen_http_upload.pcap', ['http-upload']),
    ('gen_http_evasion.pcap', ['http-evasion']),
    ('gen_ftp.pcap', ['ftp']),
    ('gen_smb2.pcap', ['smb2']),
    ('gen_tftp.pcap', ['tftp']),
    ('gen_smtp_upload.pcap', ['smtp-upload']),
    ('gen_encap_erspan1_http_upload.pcap', ['--encap', 'erspan1', 'http-upload']),
    ('gen_encap_ip6ip_ftp.pcap', ['--encap', 'ip6ip', 'ftp']),
    ('gen_encap_erspan2_smb2.pcap', ['--encap', 'erspan2', 'smb2']),
    ('gen_encap_geneve_demo.pcap', ['--encap', 'geneve', 'demo']),
]
COPIED = [
    ('demo.pcap', 'pcaps/demo.pcap'),
    ('http_suricata_evasion.pcap', 'tests/e2e/http_suricata/evasion.pcap'),
]
DIFF_COLS = ['capture', 'protocol', 'name', 'difference', 'count', 'why']


def die(msg):
    print('parity: ' + msg, file=sys.stderr)
    sys.exit(2)


def ip(text):
    """One spelling per address: Suricata writes IPv6 addresses in full, reelwatch short."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return str(text)


def src(r):
    return (ip(r.get('src_ip')), r.get('src_port', 0))


def dest(r):
    return (ip(r.get('dest_ip')), r.get('dest_port', 0))


def tuple_key(r):
    """The flow's endpoints, unordered, with the transport protocol."""
    return (r.get('proto'),) + tuple(sorted([src(r), dest(r)], key=str))


def collect(tmp, build):
    """Copies or writes every capture of the corpus into tmp/in; returns their names."""
    indir = os.path.join(tmp, 'in')
    os.makedirs(indir)
    names = []
    data = os.path.join(ROOT, 'tests', 'data', 'pcaps')
    for sub in sorted(os.listdir(data)):
        d = os.path.join(data, sub)
        if not os.path.isdir(d):
            continue
        for f in sorted(os.listdir(d)):
            if f.endswith('.pcap') or f.endswith('.pcapng'):
                if f in names:
                    die('two captures named %s in tests/data/pcaps' % f)
                shutil.copyfile(os.path.join(d, f), os.path.join(indir, f))
                names.append(f)
    for name, rel in COPIED:
        src = os.path.join(ROOT, rel)
        if not os.path.exists(src):
            die('%s is missing (make demo writes pcaps/demo.pcap)' % rel)
        shutil.copyfile(src, os.path.join(indir, name))
        names.append(name)
    gen = os.path.join(build, 'tools', 'rw_pcapgen')
    for name, gargs in GENERATED:
        p = subprocess.run([gen] + gargs + [os.path.join(indir, name)],
                           capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            die('rw_pcapgen %s failed: %s' % (' '.join(gargs), p.stderr.strip()))
        names.append(name)
    # Suricata reads a directory's files oldest first: one second apart in name order, so
    # every run reads them in the same order.
    for i, name in enumerate(sorted(names)):
        os.utime(os.path.join(indir, name), (1700000000 + i, 1700000000 + i))
    return indir, sorted(names)


def suricata_skips(path):
    """True for a capture Suricata 7.0.10's PcapFile refuses: a pcap header with no packet
    after it, or a link type it does not decode (NFLOG 239, radiotap 127, Linux cooked v2
    276). In directory mode it skipped them; alone it waits 61 s for its reader thread
    before it gives up, so they are not handed to it."""
    with open(path, 'rb') as f:
        head = f.read(24)
        more = f.read(1)
    if len(head) < 24 or head[:4] not in (b'\xd4\xc3\xb2\xa1', b'\xa1\xb2\xc3\xd4',
                                          b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d'):
        return False  # pcapng or not a pcap: Suricata reads or reports it itself
    order = '<' if head[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
    linktype = struct.unpack(order + 'I', head[20:24])[0] & 0xFFFF
    return not more or linktype in (127, 239, 276)


def run_suricata(indir, tmp, names):
    """Suricata over each capture on its own (about 0.2 s each). One run over the whole
    directory was not repeatable: in pcap-file directory mode Suricata 7.0.10 sometimes
    misses an active-mode FTP data file (ftp_port_retr_camera_raw_image_fff.pcap: seen in
    two of three runs), which it reports on every run of the capture alone. A capture of
    a link type Suricata refuses (NFLOG) gives no records, as in directory mode."""
    recs = []
    for name in names:
        if suricata_skips(os.path.join(indir, name)):
            continue
        out = os.path.join(tmp, 'suricata', name)
        os.makedirs(out)
        cmd = ['suricata', '-c', os.path.join(HERE, 'suricata.yaml'),
               '-r', os.path.join(indir, name), '-l', out, '-k', 'none', '--runmode', 'single']
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        if p.returncode != 0:
            if 'not (yet) supported' in p.stdout + p.stderr:
                continue
            die('suricata failed on %s (%d): %s'
                % (name, p.returncode, (p.stdout + p.stderr).strip()[-2000:]))
        path = os.path.join(out, 'eve.json')
        if not os.path.exists(path):
            continue
        with open(path) as f:
            for line in f:
                recs.append(json.loads(line))
    return recs


def run_reelwatch(binary, indir, names):
    """Each capture's reelwatch records: {capture: [record, ...]}."""
    out = {}
    for name in names:
        cmd = [binary, '-r', os.path.join(indir, name), '-c', os.path.join(ROOT, 'rules'),
               '--set', 'eve.types=fileinfo,flow']
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
        if p.returncode not in (0, 1):
            die('reelwatch failed on %s (%d): %s' % (name, p.returncode, p.stderr.strip()))
        out[name] = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    return out


def file_row(r, client):
    """(protocol, name, size, direction, state) of a fileinfo record. reelwatch says the
    direction; Suricata writes a file's record from its sender, so its direction is
    to_server when the sender is the flow's client (client: (ip, port), or None when the
    flow is unknown: then the sender on the lower port is taken for the server)."""
    f = r['fileinfo']
    if r.get('direction') in ('to_server', 'to_client'):
        direction = r['direction']
    elif client is not None:
        direction = 'to_server' if src(r) == client else 'to_client'
    else:
        direction = 'to_client' if src(r)[1] < dest(r)[1] else 'to_server'
    return (r.get('app_proto', '?'), f.get('filename', ''), f.get('size', 0), direction,
            f.get('state', ''))


def compare(sur_recs, rw_by_cap):
    """Returns (figures per protocol, differences as {(capture, proto, name, diff): n})."""
    flows = collections.defaultdict(dict)  # tuple -> {capture: client}
    for cap, recs in rw_by_cap.items():
        for r in recs:
            if r.get('event_type') == 'flow':
                flows[tuple_key(r)][cap] = src(r)
    # Suricata's files by capture and flow. A flow found in several captures (a generated
    # capture and its encapsulated variant) is the capture Suricata was reading, if one.
    sur = collections.defaultdict(list)
    for r in sur_recs:
        if r.get('event_type') != 'fileinfo':
            continue
        k = tuple_key(r)
        caps = flows.get(k, {})
        named = os.path.basename(r.get('pcap_filename', '?'))
        if named in caps or not caps:
            cap = named
        else:
            cap = sorted(caps)[0]
        sur[(cap, k)].append(file_row(r, caps.get(cap)))
    rw = collections.defaultdict(list)
    for cap, recs in rw_by_cap.items():
        for r in recs:
            if r.get('event_type') == 'fileinfo':
                rw[(cap, tuple_key(r))].append(file_row(r, None))
    figures = collections.defaultdict(collections.Counter)
    diffs = collections.Counter()
    for key in sorted(set(sur) | set(rw), key=str):
        cap = key[0]
        left = list(rw.get(key, []))
        for proto, name, size, direction, state in sorted(sur.get(key, []), key=str):
            figures[proto]['suricata'] += 1
            exact = [x for x in left if x[1:4] == (name, size, direction) and x[0] == proto]
            if exact:
                x = exact[0]
                left.remove(x)
                if x[4] == state:
                    figures[proto]['same'] += 1
                else:
                    figures[proto]['other state'] += 1
                    diffs[(cap, proto, name, 'state %s, reelwatch %s' % (state, x[4]))] += 1
                continue
            named = [x for x in left if x[1] == name and x[3] == direction and x[0] == proto]
            if named:
                x = named[0]
                left.remove(x)
                figures[proto]['other size'] += 1
                diffs[(cap, proto, name, 'size %d, reelwatch %d' % (size, x[2]))] += 1
                continue
            figures[proto]['not seen'] += 1
            diffs[(cap, proto, name, 'not seen (%s, %d bytes)' % (direction, size))] += 1
        for proto, name, size, direction, state in left:
            figures[proto]['extra'] += 1
            diffs[(cap, proto, name, 'extra (%s, %d bytes)' % (direction, size))] += 1
    return figures, diffs


def load_allowlist(path):
    allowed = {}
    errors = []
    with open(path, newline='') as f:
        rows = list(csv.reader(f, delimiter='\t'))
    if not rows or rows[0] != DIFF_COLS:
        die('%s:1: expected the header %s' % (path, '\t'.join(DIFF_COLS)))
    for i, row in enumerate(rows[1:], 2):
        if not row or row[0].startswith('#'):
            continue
        if len(row) != len(DIFF_COLS) or not row[5].strip() or not row[4].isdigit():
            errors.append('%s:%d: expected %d tab-separated columns with a count and a reason'
                          % (path, i, len(DIFF_COLS)))
            continue
        k = tuple(row[:4])
        if k in allowed:
            errors.append('%s:%d: listed twice' % (path, i))
        allowed[k] = (int(row[4]), row[5], i)
    return allowed, errors


def check_docs(allowed, docs):
    """Every listed difference's capture and name appear in docs/eve.md's section."""
    text = open(docs).read()
    m = re.search(r'^## Differences from Suricata\n(.*?)(?=^## |\Z)', text, re.S | re.M)
    if not m:
        return ['%s: no "## Differences from Suricata" section' % docs]
    sect = m.group(1)
    errors = []
    for (cap, proto, name, diff), (_, _, line) in sorted(allowed.items(), key=lambda x: x[1][2]):
        if cap not in sect or (name != '*' and ('`%s`' % name) not in sect):
            errors.append('differences.tsv:%d: %s %s is not in docs/eve.md\'s "Differences '
                          'from Suricata"' % (line, cap, name))
    return errors


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--bin', default=os.path.join(ROOT, 'build', 'reelwatch'))
    ap.add_argument('--build', default=os.path.join(ROOT, 'build'))
    ap.add_argument('--keep', help='keep the captures and Suricata\'s output in this directory')
    ap.add_argument('--list', action='store_true',
                    help='print every difference as an allowlist row (to start an entry)')
    args = ap.parse_args()
    if shutil.which('suricata') is None:
        die('suricata is not installed (make deps installs it from bookworm-backports)')
    tmp = args.keep or tempfile.mkdtemp(prefix='rw-parity-')
    if args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
    try:
        indir, names = collect(tmp, os.path.abspath(args.build))
        sur_recs = run_suricata(indir, tmp, names)
        rw = run_reelwatch(os.path.abspath(args.bin), indir, names)
        figures, diffs = compare(sur_recs, rw)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    print('%-10s %9s %6s %11s %12s %9s %6s' % ('protocol', 'suricata', 'same', 'other size',
                                               'other state', 'not seen', 'extra'))
    for proto in sorted(figures):
        c = figures[proto]
        print('%-10s %9d %6d %11d %12d %9d %6d' % (proto, c['suricata'], c['same'],
                                                  c['other size'], c['other state'],
                                                  c['not seen'], c['extra']))
    if args.list:
        for (cap, proto, name, diff), n in sorted(diffs.items()):
            print('\t'.join([cap, proto, name, diff, str(n), 'WHY']))
        return 0

    allowed, errors = load_allowlist(os.path.join(HERE, 'differences.tsv'))
    errors += check_docs(allowed, os.path.join(ROOT, 'docs', 'eve.md'))
    # A row naming "*" with the difference "extra" or "not seen" covers every such file of
    # the capture and protocol (a capture Suricata cannot read, or a protocol it has no
    # files for); its count is theirs together.
    seen = collections.Counter()
    for k, n in sorted(diffs.items()):
        wild = (k[0], k[1], '*', k[3].split(' (')[0])
        key = k if k in allowed else wild if wild in allowed else None
        if key is None:
            errors.append('not listed: %s\t%s\t%s\t%s\t%d' % (k + (n,)))
            continue
        seen[key] += n
    for k, (n, _, line) in sorted(allowed.items(), key=lambda x: x[1][2]):
        if k not in seen:
            errors.append('differences.tsv:%d: no longer occurs: %s %s %r: %s'
                          % (line, k[0], k[1], k[2], k[3]))
        elif seen[k] != n:
            errors.append('differences.tsv:%d: %s %s %r: %s occurs %d times, listed %d'
                          % (line, k[0], k[1], k[2], k[3], seen[k], n))

    p = subprocess.run(['sh', os.path.join(ROOT, 'tests', 'e2e', 'http_suricata',
                                           'run_suricata.sh'), '--check'],
                       capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        errors.append('tests/e2e/http_suricata/run_suricata.sh --check: '
                      + (p.stdout + p.stderr).strip())
    for e in errors:
        print('parity: ' + e, file=sys.stderr)
    listed = sum(n for n, _, _ in allowed.values())
    print('parity: %d captures, %d differences, all listed in differences.tsv (%d entries)'
          % (len(names), sum(diffs.values()), len(allowed)) if not errors else
          'parity: FAILED (%d problems; %d differences listed)' % (len(errors), listed))
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
