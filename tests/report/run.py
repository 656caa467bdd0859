#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""run.py — end-to-end checks of `reelwatch report` (make report-test, run by make e2e).

Each check replays a real or generated capture with reelwatch, runs `reelwatch report` on
the EVE it wrote, and compares the report with what jq computes from the same EVE on its
own (never with the report's code):

  demo       pcaps/demo.pcap: bytes per host and hour and day, the files sent to flagged
             ranges (sender, receiver, name, size, SHA-256, rules), alerts per rule with
             first and last seen, destinations, encrypted uploads, record counts; the text
             format says the same
  days       rw_pcapgen days (the host-window scenario): the daily batch, day by day, in
             UTC and with --tz -10:00 and --tz Asia/Tokyo
  bench      40 MB of the benchmark's mixed traffic (tools/bench/rw_benchgen): thousands of
             hosts, TLS with SNI, uploads to 175.45.176.0/22; same comparisons
  suricata   Suricata 7.0.10's own EVE of the demo capture (tests/report/data, recorded
             with `suricata -r pcaps/demo.pcap -k none`), alone and beside reelwatch's:
             Suricata's record types are counted, its fileinfo (no direction field) is
             read sender-first, its wall-clock stats time stays out of the time span
  bad        malformed, non-object, oversized, blank and unknown-type lines are counted and
             shown; a hostile file name is escaped; unreadable inputs and bad options give
             one-line errors and exit statuses, and no output file
  caps       a generated EVE past every table's cap: peak RSS stays under a bound, and
             every overflow is reported
  browser    Debian's headless Chromium renders the demo's and the days' reports to PNG,
             prints them to PDF and dumps the DOM: the charts, bars, file markers and
             tables are there, and the console logged nothing (a control page with a
             failing script proves the console check can fail)

The runner ends with "N passed, N failed" and exits 1 on any failure. Screenshots go to
BUILD/report/ (docs/img/ holds a copy of the days report's).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

RESULTS = []

# jq: the flagged destinations are those an alert names with alert.context.list.
JQ_FLAGGED = '([.[] | select(.event_type == "alert" and .alert.context.list) | .dest_ip] | unique)'


def check(name, ok, detail=''):
    RESULTS.append((name, ok))
    print('%s %s%s' % ('PASS' if ok else 'FAIL', name, '' if ok else ': ' + detail))
    return ok


def equal(name, got, want):
    return check(name, got == want, 'got %r, want %r' % (got, want))


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, **kw)


def jq(program, path, *args):
    p = run(['jq', '-s', '-c'] + list(args) + [program, path])
    if p.returncode != 0:
        raise RuntimeError('jq failed: %s' % p.stderr.decode())
    return json.loads(p.stdout)


def report_json(binary, inputs, *opts):
    p = run([binary, 'report', '--format', 'json'] + list(opts) + inputs)
    if p.returncode != 0:
        raise RuntimeError('report failed (%d): %s' % (p.returncode, p.stderr.decode()))
    return json.loads(p.stdout)


def tz_day(off_seconds):
    """A jq expression: the local day of .flow.start at a fixed offset."""
    return ('(.flow.start[0:19] + "Z" | fromdateiso8601 + %d | strftime("%%Y-%%m-%%d"))'
            % off_seconds)


def jq_local(off_seconds):
    """A jq function lt: an EVE timestamp as local "YYYY-MM-DD HH:MM:SS" at a fixed offset."""
    return ('def lt: .[0:19] + "Z" | fromdateiso8601 + %d | strftime("%%Y-%%m-%%d %%H:%%M:%%S"); '
            % off_seconds)


def expect_hosts(eve, day_expr):
    prog = JQ_FLAGGED + ''' as $F
      | [.[] | select(.event_type == "flow" and (.dest_ip | IN($F[])))]
      | group_by(.src_ip) | map({host: .[0].src_ip, bytes: (map(.flow.bytes_toserver) | add),
          flows: length,
          days: (group_by(%s) | map({key: (.[0] | %s),
                                      value: (map(.flow.bytes_toserver) | add)})
                 | from_entries)})
      | sort_by(.host)''' % (day_expr, day_expr)
    return jq(prog, eve)


def expect_files(eve, off=0):
    prog = jq_local(off) + JQ_FLAGGED + ''' as $F
      | ([.[] | select(.event_type == "alert" and .alert.context.level == "file")
          | {key: "\\(.flow_id) \\(.fileinfo.filename)", sid: .alert.signature_id}]
         | group_by(.key) | map({key: .[0].key, value: (map(.sid) | unique)}) | from_entries)
        as $S
      | [.[] | select(.event_type == "fileinfo" and .direction == "to_server"
                      and (.dest_ip | IN($F[])))
          | {time: (.timestamp | lt), sender: .src_ip,
             receiver: .dest_ip, proto: .app_proto, name: .fileinfo.filename,
             size: .fileinfo.size, state: .fileinfo.state, sha256: .fileinfo.sha256,
             sids: ($S["\\(.flow_id) \\(.fileinfo.filename)"] // [])}]
      | sort_by(.time, .name)'''
    return jq(prog, eve)


def expect_rules(eve, off=0):
    prog = jq_local(off) + '''[.[] | select(.event_type == "alert")] | group_by(.alert.signature_id)
      | map({sid: .[0].alert.signature_id, count: length,
             first: (map(.timestamp) | min | lt), last: (map(.timestamp) | max | lt)})'''
    return jq(prog, eve)


def expect_dests(eve):
    prog = JQ_FLAGGED + ''' as $F
      | [.[] | select(.event_type == "flow" and (.dest_ip | IN($F[])))]
      | group_by(.dest_ip) | map({dest: .[0].dest_ip, bytes: (map(.flow.bytes_toserver) | add),
                                  flows: length, nhosts: (map(.src_ip) | unique | length)})
      | sort_by(.dest)'''
    flows = jq(prog, eve)
    prog = JQ_FLAGGED + ''' as $F
      | [.[] | select(.event_type == "fileinfo" and .direction == "to_server"
                      and (.dest_ip | IN($F[])))] | group_by(.dest_ip)
      | map({key: .[0].dest_ip, value: length}) | from_entries'''
    files = jq(prog, eve)
    prog = JQ_FLAGGED + ''' as $F
      | [.[] | select(.event_type == "alert" and (.dest_ip | IN($F[])))] | group_by(.dest_ip)
      | map({key: .[0].dest_ip, value: length}) | from_entries'''
    alerts = jq(prog, eve)
    for d in flows:
        d['files'] = files.get(d['dest'], 0)
        d['alerts'] = alerts.get(d['dest'], 0)
    return flows


def expect_tls(eve):
    prog = '''[.[] | select(.event_type == "flow" and .app_proto == "tls")]
      | group_by([.src_ip, .dest_ip, (.ndpi.hostname // "")])
      | map({host: .[0].src_ip, dest: .[0].dest_ip, sni: (.[0].ndpi.hostname // ""),
             flows: length, bytes: (map(.flow.bytes_toserver) | add)})
      | sort_by(.host, .dest, .sni)'''
    return jq(prog, eve)


def expect_counts(eve):
    prog = '''{total: length} + (group_by(.event_type)
      | map({key: .[0].event_type, value: length}) | from_entries)'''
    return jq(prog, eve)


def compare_all(tag, eve, rep, off=0):
    """Every number of the JSON report against jq on the same EVE."""
    hosts = sorted(({'host': h['host'], 'bytes': h['bytes'], 'flows': h['flows'],
                     'days': h['days']} for h in rep['hosts']), key=lambda h: h['host'])
    equal(tag + ': bytes per host and day', hosts, expect_hosts(eve, tz_day(off)))
    files = sorted(({k: f[k] for k in ('time', 'sender', 'receiver', 'proto', 'name', 'size',
                                       'state', 'sha256', 'sids')}
                    for f in rep['files']), key=lambda f: (f['time'], f['name']))
    equal(tag + ': files sent to flagged ranges', files, expect_files(eve, off))
    equal(tag + ': alerts by rule',
          [{k: r[k] for k in ('sid', 'count', 'first', 'last')} for r in rep['rules']],
          expect_rules(eve, off))
    dests = sorted(({k: d[k] for k in ('dest', 'bytes', 'flows', 'nhosts', 'files', 'alerts')}
                    for d in rep['destinations']), key=lambda d: d['dest'])
    equal(tag + ': destinations', dests, expect_dests(eve))
    tls = sorted(({k: t[k] for k in ('host', 'dest', 'sni', 'flows', 'bytes')}
                  for t in rep['encrypted']), key=lambda t: (t['host'], t['dest'], t['sni']))
    equal(tag + ': encrypted uploads', tls, expect_tls(eve))
    c = expect_counts(eve)
    equal(tag + ': record counts',
          {k: rep['records'][k] for k in ('total', 'alert', 'fileinfo', 'flow', 'stats')},
          {k: c.get(k, 0) for k in ('total', 'alert', 'fileinfo', 'flow', 'stats')})


def replay(binary, pcap, eve, *args):
    with open(eve, 'wb') as out:
        p = subprocess.run([binary, '-r', pcap, '-c', os.path.join(ROOT, 'rules')] + list(args),
                           stdout=out, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise RuntimeError('replay of %s failed: %s' % (pcap, p.stderr.decode()))


def check_demo(a, tmp):
    eve = os.path.join(tmp, 'demo.json')
    replay(a.bin, os.path.join(ROOT, 'pcaps', 'demo.pcap'), eve, '--set', 'file.sha256=yes')
    rep = report_json(a.bin, [eve])
    compare_all('demo', eve, rep)
    equal('demo: hourly bytes', rep['hosts'][0]['hours'], {'2024-03-14 09:00': 2486989})
    equal('demo: flagged totals', rep['flagged'],
          {'flows': 4, 'bytes': 2486989, 'files': 4, 'file_bytes': 2417813, 'alerts': 11})
    text = run([a.bin, 'report', '--format', 'text', eve]).stdout.decode()
    for line in ['Flagged: 1 destinations, 1 hosts, 4 flows, 2486989 bytes sent, 4 files '
                 '(2417813 bytes), 11 alerts',
                 '    2024-03-14 09:00' + ' ' * 8 + '2486989',
                 '  2024-03-14 09:00:08  10.20.30.40 -> 175.45.176.23  ftp-data  2097152 bytes  '
                 'CLOSED  ep07_comp_v3.mov  [video]  sids 9100001,9100006  sha256 '
                 '6840e6a19dc02065ba5b38a5ab4e9bb444fe2d04a3d62ce992a06fcbe99e60af',
                 '  9100004 rev 1 severity 1: 1 alerts, first 2024-03-14 09:00:08, last '
                 '2024-03-14 09:00:08  REELWATCH host sent several files or a large volume to '
                 'flagged ranges within 24h',
                 '  10.20.30.40 -> 93.184.216.34  1 flows  1224 bytes  -  sni www.example.org']:
        check('demo: text has %r' % line[:60], line + '\n' in text, text)
    return eve


def check_days(a, tmp):
    pcap, eve = os.path.join(tmp, 'days.pcap'), os.path.join(tmp, 'days.json')
    p = run([os.path.join(a.build, 'tools', 'rw_pcapgen'), 'days', pcap])
    check('days: capture generated', p.returncode == 0, p.stderr.decode())
    replay(a.bin, pcap, eve, '--set', 'file.sha256=yes')
    rep = report_json(a.bin, [eve])
    compare_all('days', eve, rep)
    equal('days: chart buckets are days', rep['bucket'], 'day')
    equal('days: the daily batch', rep['hosts'][0]['days'],
          {'2024-03-14': 13103, '2024-03-15': 13103, '2024-03-16': 13103,
           '2024-03-17': 13103, '2024-03-18': 39288})
    rep = report_json(a.bin, [eve], '--tz', '-10:00')
    compare_all('days --tz -10:00', eve, rep, -36000)
    equal('days --tz -10:00: zone label', rep['tz'], 'UTC-10:00')
    rep = report_json(a.bin, [eve], '--tz', 'Asia/Tokyo')
    compare_all('days --tz Asia/Tokyo', eve, rep, 32400)
    equal('days --tz Asia/Tokyo: first file in local time', rep['files'][0]['time'],
          '2024-03-14 18:00:00')
    return eve


def check_bench(a, tmp):
    pcap, eve = os.path.join(tmp, 'bench.pcap'), os.path.join(tmp, 'bench.json')
    p = run([os.path.join(a.build, 'tools', 'bench', 'rw_benchgen'), 'bench', pcap, '40000000'])
    if not check('bench: capture generated', p.returncode == 0, p.stderr.decode()):
        return
    replay(a.bin, pcap, eve, '--set', 'file.sha256=yes')
    rep = report_json(a.bin, [eve])
    compare_all('bench', eve, rep)
    check('bench: many hosts and TLS rows', len(rep['hosts']) > 10 and len(rep['encrypted']) > 100,
          '%d hosts, %d encrypted rows' % (len(rep['hosts']), len(rep['encrypted'])))


BAD_LINES = [
    b'not json at all',
    b'[1, 2, 3]',
    b'{"event_type": "flow"}',                                    # no timestamp
    b'{"timestamp": "2024-03-14T09:00:00.000000+0000"}',          # no event_type
    b'{"timestamp": "yesterday", "event_type": "alert"}',         # bad timestamp
    b'',                                                          # blank: not a record
    b'{"timestamp": "2024-03-14T09:00:00.000000+0000", "event_type": "mystery"}',
    b'{"timestamp": "2024-03-14T09:00:00.000000+0000", "event_type": "mystery"}',
    b'{"timestamp": "2024-03-14T09:00:00.000000+0000", "event_type": "dns", "dns": {}}',
    b'{"timestamp": "2024-03-14T09:00:00.000000+0000", "event_type": "flow", "x": "'
    + b'A' * (1024 * 1024 + 10) + b'"}',                          # oversized
    b'{"timestamp": "2024-03-14T09:00:00.000000+0000", "event_type": "fileinfo"',  # cut
    # an alert from a "host" whose address is a terminal escape and 5000 bytes long
    b'{"timestamp": "2024-03-14T09:00:05.000000+0000", "event_type": "alert", "flow_id": 9,'
    b' "src_ip": "\\u001b[2J' + b'B' * 5000 + b'", "dest_ip": "175.45.176.23",'
    b' "alert": {"signature_id": 9100005, "context": {"list": "dprk",'
    b' "prefix": "175.45.176.0/22", "level": "flow"}}}',
]


def check_bad(a, tmp, demo_eve):
    bad = os.path.join(tmp, 'bad.json')
    with open(demo_eve, 'rb') as f:
        demo = f.read().split(b'\n')
    hostile = []
    for line in demo:
        if b'ep07_notes.txt' in line:
            line = line.replace(b'ep07_notes.txt',
                                b'<script>alert(1)</script>\\u001b[31m\\"&.txt')
        hostile.append(line)
    with open(bad, 'wb') as f:
        f.write(b'\n'.join(BAD_LINES) + b'\n' + b'\n'.join(hostile))
    rep = report_json(a.bin, [bad, demo_eve])
    equal('bad: counts per input',
          [{k: i[k] for k in ('lines', 'records', 'malformed', 'oversized', 'unknown')}
           for i in rep['inputs']],
          [{'lines': 11 + 29, 'records': 4 + 29, 'malformed': 6, 'oversized': 1, 'unknown': 2},
           {'lines': 29, 'records': 29, 'malformed': 0, 'oversized': 0, 'unknown': 0}])
    equal('bad: unknown types named', rep['unknown_types'], {'mystery': 2})
    equal('bad: Suricata types counted', rep['records']['other'], 1)
    out = os.path.join(tmp, 'bad.html')
    p = run([a.bin, 'report', '-o', out, bad])
    equal('bad: html exit status', (p.returncode, p.stderr), (0, b''))
    html = open(out, encoding='utf-8').read()
    check('bad: html shows the counts',
          '6 malformed lines (not a JSON object, no event_type or timestamp), 1 lines longer '
          'than 1048576 bytes, 2 records of an unknown type' in html, 'not found')
    check('bad: hostile name escaped',
          '&lt;script&gt;alert(1)&lt;/script&gt;&#xFFFD;[31m&quot;&amp;.txt' in html
          and '<script' not in html, 'raw markup in the page')
    text = run([a.bin, 'report', '--format', 'text', bad]).stdout.decode()
    check('bad: text escapes control bytes',
          '<script>alert(1)</script>\\x1b[31m"&.txt' in text and '\x1b' not in text, text)
    check('bad: a long hostile address is cut to 255 bytes, escaped',
          '  \\x1b[2J' + 'B' * 251 + ': 0 bytes in 0 flows, 0 files, 1 alerts\n' in text, text)
    check('bad: html escapes the hostile address',
          '&#xFFFD;[2J' + 'B' * 251 + ' ' in html and '\x1b' not in html, 'raw escape')
    check('bad: text shows the counts',
          '  malformed lines 6, oversized lines 1 (over 1048576 bytes), unknown event types 2\n'
          '  unknown event_type mystery: 2\n' in text, text)

    missing = os.path.join(tmp, 'nope', 'eve.json')
    out = os.path.join(tmp, 'never.html')
    cases = [
        ([missing], 3, 'reelwatch report: cannot open %s: No such file or directory\n' % missing),
        ([tmp], 3, 'reelwatch report: cannot read %s: Is a directory\n' % tmp),
        ([demo_eve, missing], 3,
         'reelwatch report: cannot open %s: No such file or directory\n' % missing),
        (['--tz', 'Mars/Olympus', demo_eve], 2,
         'reelwatch report: --tz: expected UTC, +HH:MM, -HH:MM or a zoneinfo name, found '
         '"Mars/Olympus"\n'),
        (['--format', 'pdf', demo_eve], 2,
         'reelwatch report: --format: expected html, text or json, found "pdf"\n'),
    ]
    for args, status, err in cases:
        p = run([a.bin, 'report', '-o', out] + args)
        equal('bad: %s' % ' '.join(os.path.basename(x) for x in args),
              (p.returncode, p.stderr.decode()), (status, err))
        check('bad: no output after %s' % os.path.basename(args[-1]),
              not os.path.exists(out) and not os.path.exists(out + '.part'), 'file left')
    p = run([a.bin, 'report', '-o', os.path.join(tmp, 'nodir', 'r.html'), demo_eve])
    equal('bad: unwritable output', (p.returncode, p.stderr.decode()),
          (4, 'reelwatch report: cannot write %s: No such file or directory\n'
           % os.path.join(tmp, 'nodir', 'r.html')))


def write_caps_eve(path, n_hosts, n_files):
    """A generated EVE past the caps: n_hosts senders, each with files to its own flagged
    address, and as many TLS rows."""
    with open(path, 'w') as f:
        for i in range(n_hosts):
            host = '10.%d.%d.%d' % (i >> 16 & 255, i >> 8 & 255, i & 255)
            dest = '175.%d.%d.%d' % (i >> 16 & 255, i >> 8 & 255, i & 255)
            day = 1 + i % 28
            ts = '2024-03-%02dT%02d:00:00.000000+0000' % (day, i % 24)
            fid = 1000 + i
            f.write(json.dumps({'timestamp': ts, 'flow_id': fid, 'event_type': 'alert',
                                'src_ip': host, 'dest_ip': dest, 'alert': {
                                    'signature_id': 9100005, 'rev': 1, 'severity': 3,
                                    'signature': 'x', 'context': {
                                        'level': 'flow', 'list': 'watch',
                                        'prefix': '175.%d.%d.0/24' % (
                                            i >> 16 & 255, i >> 8 & 255)}}}) + '\n')
            for k in range(n_files):
                f.write(json.dumps({'timestamp': ts, 'flow_id': fid, 'event_type': 'fileinfo',
                                    'src_ip': host, 'dest_ip': dest, 'direction': 'to_server',
                                    'app_proto': 'http', 'fileinfo': {
                                        'filename': 'shot_%06d_%02d.exr' % (i, k),
                                        'size': 1000 + k, 'state': 'CLOSED'}}) + '\n')
            f.write(json.dumps({'timestamp': ts, 'flow_id': fid, 'event_type': 'flow',
                                'src_ip': host, 'dest_ip': dest, 'app_proto': 'tls',
                                'flow': {'bytes_toserver': 5000, 'start': ts},
                                'ndpi': {'hostname': 'relay%d.example' % i}}) + '\n')


def check_suricata(a, tmp, demo_eve):
    suri = os.path.join(ROOT, 'tests', 'report', 'data', 'suricata-7.0.10-demo-eve.json')
    rep = report_json(a.bin, [suri])
    equal('suricata: records', rep['records'],
          {'total': 39, 'alert': 0, 'fileinfo': 7, 'flow': 10, 'stats': 1, 'other': 21,
           'malformed': 0, 'oversized': 0, 'unknown': 0})
    equal('suricata: nothing flagged without alerts', rep['flagged'],
          {'flows': 0, 'bytes': 0, 'files': 0, 'file_bytes': 0, 'alerts': 0})
    equal('suricata: time span is packet time', (rep['first'], rep['last']),
          ('2024-03-14 09:00:00', '2024-03-14 09:00:10'))
    rep = report_json(a.bin, [suri, demo_eve])
    want = jq('[.[] | select(.event_type == "fileinfo" and .dest_ip == "175.45.176.23"'
              ' and (.direction // "to_server") == "to_server")]'
              ' | {files: length, file_bytes: (map(.fileinfo.size) | add)}', suri)
    got = {k: rep['flagged'][k] for k in ('files', 'file_bytes')}
    equal('suricata beside reelwatch: files to the flagged range from both',
          got, {'files': want['files'] + 4, 'file_bytes': want['file_bytes'] + 2417813})
    text = run([a.bin, 'report', '--format', 'text', suri, demo_eve]).stdout.decode()
    check('suricata beside reelwatch: both producers named',
          'Sensors: (unnamed) (68 records); written by reelwatch and Suricata\n' in text, text)


def check_caps(a, tmp):
    eve = os.path.join(tmp, 'caps.json')
    n_hosts, n_files = 20000, 4
    write_caps_eve(eve, n_hosts, n_files)
    rss = os.path.join(tmp, 'caps.rss')
    p = run([sys.executable, os.path.join(ROOT, 'tests', 'e2e', 'peakrss.py'), rss, a.bin,
             'report', '--format', 'json', eve])
    if not equal('caps: exit status', p.returncode, 0):
        return
    rep = json.loads(p.stdout)
    peak_mib = int(open(rss).read()) / 1024
    print('     caps: %d MiB of EVE, peak RSS %.1f MiB'
          % (os.path.getsize(eve) >> 20, peak_mib))
    if os.environ.get('RW_E2E_SANITIZED') != '1':  # ASan's shadow memory is not ours
        check('caps: peak RSS under 160 MiB', peak_mib < 160, '%.1f MiB' % peak_mib)
    equal('caps: flagged totals count every record', rep['flagged'],
          {'flows': n_hosts, 'bytes': 5000 * n_hosts, 'files': n_hosts * n_files,
           'file_bytes': n_hosts * sum(1000 + k for k in range(n_files)), 'alerts': n_hosts})
    equal('caps: hosts and destinations kept', (len(rep['hosts']), len(rep['destinations']),
                                                len(rep['files']), len(rep['encrypted'])),
          (4096, 4096, 10000, 4096))
    text = run([a.bin, 'report', '--format', 'text', eve]).stdout.decode()
    # A record that needed an entry past a cap: an alert, 4 files and a flow per unkept
    # host and destination; one flow per unkept TLS row; 79 /24 series.
    for line in ['  table full: destinations (4096 kept): %d records found no room'
                 % (6 * (n_hosts - 4096)),
                 '  table full: hosts (4096 kept): %d records found no room'
                 % (6 * (n_hosts - 4096)),
                 '  table full: series (64 kept): %d records found no room' % (79 - 64),
                 '  table full: encrypted rows (4096 kept): %d records found no room'
                 % (n_hosts - 4096),
                 '  files not listed: %d (%d bytes); counted in totals'
                 % (n_hosts * n_files - 10000,
                    n_hosts * sum(1000 + k for k in range(n_files)) - 2500 * sum(
                        1000 + k for k in range(n_files)))]:
        check('caps: text says %r' % line.strip()[:50], line + '\n' in text,
              '\n'.join(l for l in text.split('\n') if 'table' in l or 'listed' in l))


def chromium(html, out, tmp, mode='screenshot'):
    prof = tempfile.mkdtemp(dir=tmp)
    cmd = [a_chromium, '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
           '--no-first-run', '--disable-background-networking', '--disable-component-update',
           '--disable-sync', '--user-data-dir=' + prof, '--enable-logging=stderr', '--v=0',
           '--window-size=1280,2000', '--hide-scrollbars']
    cmd += {'dom': ['--dump-dom'], 'screenshot': ['--screenshot=' + str(out)],
            'pdf': ['--print-to-pdf=' + str(out), '--no-pdf-header-footer']}[mode]
    return run(cmd + ['file://' + html], timeout=120)


a_chromium = None


def console_errors(stderr):
    """Console messages chromium logged at error level, and uncaught exceptions."""
    return [l for l in stderr.split('\n')
            if 'Uncaught' in l or re.search(r'CONSOLE[:(]\d+', l) or 'net::ERR' in l]


def check_browser(a, tmp, eves):
    global a_chromium
    a_chromium = shutil.which('chromium') or shutil.which('chromium-browser')
    if not check('browser: chromium installed (make deps)', a_chromium is not None, 'missing'):
        return
    outdir = os.path.join(a.build, 'report')
    os.makedirs(outdir, exist_ok=True)
    # The console check must be able to fail: a page with a failing script and a missing
    # image trips it.
    bad = os.path.join(tmp, 'console-control.html')
    with open(bad, 'w') as f:
        f.write('<!DOCTYPE html><html><body><img src="nope.png">'
                '<script>console.error("control"); undefined_function();</script></body></html>')
    p = chromium(bad, None, tmp, 'dom')
    check('browser: the console check sees a console error and an uncaught exception',
          len(console_errors(p.stderr.decode('utf-8', 'replace'))) >= 2,
          p.stderr.decode('utf-8', 'replace')[-800:])
    for name, eve, hosts in eves:
        html = os.path.join(outdir, name + '-report.html')
        png = os.path.join(outdir, name + '-report.png')
        # From the EVE's directory, so the page names the input as an analyst would.
        p = run([a.bin, 'report', '-o', html, os.path.basename(eve)], cwd=os.path.dirname(eve))
        equal('browser %s: report written' % name, p.returncode, 0)
        if os.path.exists(png):
            os.unlink(png)
        p = chromium(os.path.abspath(html), png, tmp)
        err = p.stderr.decode('utf-8', 'replace')
        check('browser %s: screenshot' % name, p.returncode == 0 and os.path.getsize(png) > 20000,
              err[-500:])
        equal('browser %s: no console error' % name, console_errors(err), [])
        pdf = os.path.join(tmp, name + '-report.pdf')
        p = chromium(os.path.abspath(html), pdf, tmp, 'pdf')
        check('browser %s: prints to PDF' % name, p.returncode == 0 and os.path.exists(pdf)
              and open(pdf, 'rb').read(5) == b'%PDF-', p.stderr.decode('utf-8', 'replace')[-500:])
        p = chromium(os.path.abspath(html), None, tmp, 'dom')
        dom = p.stdout.decode('utf-8', 'replace')
        equal('browser %s: no console error in dump' % name,
              console_errors(p.stderr.decode('utf-8', 'replace')), [])
        equal('browser %s: one chart per host' % name, dom.count('<svg class="chart"'), hosts)
        for table in ['case-facts', 'inputs', 'files-table', 'rules-table', 'tls-table',
                      'dests-table', 'quality-list']:
            check('browser %s: %s rendered' % (name, table), 'id="%s"' % table in dom, 'absent')
        check('browser %s: bars and file markers' % name,
              dom.count('class="bar"') > 0 and dom.count('class="file"') > 0, 'absent')
        check('browser %s: no script, no external resource' % name,
              '<script' not in dom and not re.search(r'(src|href)="(https?:)?//', dom),
              'found')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--bin', required=True)
    ap.add_argument('--build', required=True)
    ap.add_argument('only', nargs='*', help='demo days bench suricata bad caps browser')
    a = ap.parse_args()
    a.bin = os.path.abspath(a.bin)
    a.build = os.path.abspath(a.build)
    want = set(a.only) or {'demo', 'days', 'bench', 'suricata', 'bad', 'caps', 'browser'}
    with tempfile.TemporaryDirectory() as tmp:
        demo = check_demo(a, tmp)
        days = check_days(a, tmp)
        if 'bench' in want:
            check_bench(a, tmp)
        if 'suricata' in want:
            check_suricata(a, tmp, demo)
        if 'bad' in want:
            check_bad(a, tmp, demo)
        if 'caps' in want:
            check_caps(a, tmp)
        if 'browser' in want:
            check_browser(a, tmp, [('demo', demo, 1), ('days', days, 1)])
    failed = sum(1 for _, ok in RESULTS if not ok)
    print('%d passed, %d failed' % (len(RESULTS) - failed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
