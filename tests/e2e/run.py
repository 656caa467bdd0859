#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""run.py — replays every end-to-end case in tests/e2e and checks its EVE output exactly.

A case is a directory tests/e2e/<name>/ with a case.yaml:

    description: what the case proves
    pcap: tests/data/pcaps/ftp/ftp_pasv_stor_small.pcap   # from the repo root, or
    generate: [demo]            # rw_pcapgen arguments; the output path is appended,
                                # or stands where an argument is "{out}"; [bench, "{out}",
                                # BYTES]: the benchmark's generator (tools/bench)
    rules: rules                # rule path from the repo root (default: rules), or a
                                # file/dir relative to the case dir when it starts with ./
    args: [--set, home_net=10.0.0.0/8]
    exit: 0                     # expected exit code (default 0)
    stderr: [text that must appear on stderr, ...]
    stderr_exact: "the whole of stderr\n"
    stdout_exact: "the whole of stdout\n"   # then stdout is not read as EVE
    argv: [-T, -c, "{case}/bad.yaml"]   # instead of pcap/generate: a plain command line
    live: {port: 18081, send_bytes: 300000}  # instead: live capture on lo, then SIGINT
                                # (or `signal`); more keys: server (listen address,
                                # default 127.0.0.1), client (source address), http_put
                                # (a file name: the bytes go as the body of a PUT of
                                # it), keep_open (true: the connection is still open when
                                # the signal comes, so its flow ends at shutdown)
    signal: TERM                # live: the signal that ends the run (TERM or INT; INT by
                                # default). Replay: send it while the replay runs, as
                                # soon as stderr shows `signal_on` (the run gets -v,
                                # which names each capture as it is opened)
    signal_on: "01.pcap"        # the stderr text that triggers the signal in a replay
    signal_delay: 0.5           # seconds from that text to the signal (default 0)
    generate_dir: [[demo], [flood, 1000000]]  # instead of pcap/generate: a directory of
                                # captures 00.pcap, 01.pcap ... one per argument list,
                                # replayed with -r DIR in name order
    eve_dir: true               # write EVE with -l into a fresh directory and read
                                # eve.json from there (default: EVE on stdout)
    expect:                     # every entry: records matching ALL of `match` (dotted
      - match: {event_type: flow, dest_port: 21, flow.pkts_toserver: 10}
        count: 1                # paths, exact values) number exactly `count`
    records: 14                 # optional: exact total number of EVE lines
    files_tsv: oracle.tsv       # optional: the capture's files (tools/rw_pcapgen oracle,
                                # relative to the case dir): every row must be exactly one
                                # fileinfo record (sender, name, size, sha256 when the
                                # record has one, truncation), and every fileinfo record a
                                # row, except those matched by an entry of files_also
    files_also: [{match...}]    # fileinfo records the oracle does not list (HTTP response
                                # bodies of uploads), each counted by an expect entry
    max_rss_mib: 48             # optional: bound on the run's peak resident memory
    twin: [demo]                # optional: rw_pcapgen arguments of the plain twin of this
                                # case's capture (the same traffic without the tunnel): its
                                # flow, fileinfo and alert records must be the very same
    workers_same: [2, 4]        # optional: run again with --workers N for each N; the
                                # records must be the very same as one thread's, in any
                                # order (stats.flow.memuse aside)

An expect entry may give `count_is_stat: flow.mgr.flows_evicted` instead of `count`: the
count must then equal that counter of the run's stats record. It may also give
`between: {stats.decoder.pkts: [2596, 1002595]}`: matching records must also have each
of these (dotted) values within [low, high].

A case file may also hold `cases:` — a list of such mappings — to keep many small
cases (one per shared capture) in one file; each needs a `name`.

Every EVE line of every case must be valid JSON and valid against Suricata's schema
(tests/data/eve-schema.json, from Suricata); every run must write exactly one stats record unless the
case says `stats: 0`. The runner ends with "N passed, N failed" and exits 1 on any
failure.
"""
import argparse
import json
import os
import subprocess
import sys
import signal
import socket
import tempfile
import threading
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import evecheck  # noqa: E402

MISSING = object()


def get_path(rec, dotted):
    cur = rec
    for part in dotted.split('.'):
        if not isinstance(cur, dict) or part not in cur:
            return MISSING
        cur = cur[part]
    return cur


def matches(rec, match):
    for k, v in match.items():
        got = get_path(rec, k)
        if v is None:
            if got is not MISSING:
                return False
        elif got is MISSING or got != v:
            return False
    return True


def within(rec, bounds):
    for k, (lo, hi) in bounds.items():
        got = get_path(rec, k)
        if got is MISSING or not isinstance(got, (int, float)) or not lo <= got <= hi:
            return False
    return True


SIGNALS = {'TERM': signal.SIGTERM, 'INT': signal.SIGINT}


class Result:
    def __init__(self, returncode, stdout, stderr, maxrss_kib):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.maxrss_kib = maxrss_kib


def run_measured(cmd, timeout, tmp):
    """Runs cmd from the repo root with its output in files; returns its peak RSS too."""
    rss = os.path.join(tmp, 'rss')
    with open(os.path.join(tmp, 'out'), 'w+b') as out, \
            open(os.path.join(tmp, 'err'), 'w+b') as err:
        p = subprocess.run([sys.executable, os.path.join(HERE, 'peakrss.py'), rss] + cmd,
                           stdout=out, stderr=err, cwd=ROOT, timeout=timeout)
        out.seek(0)
        err.seek(0)
        with open(rss) as f:
            maxrss = int(f.read())
        return Result(p.returncode, out.read().decode('utf-8', 'replace'),
                      err.read().decode('utf-8', 'replace'), maxrss)


def load_cases(only):
    cases = []
    for name in sorted(os.listdir(HERE)):
        d = os.path.join(HERE, name)
        f = os.path.join(d, 'case.yaml')
        if not os.path.isfile(f):
            continue
        with open(f, encoding='utf-8') as fh:
            spec = yaml.safe_load(fh)
        subs = spec.pop('cases', None)
        spec['_dir'] = d
        if subs is None:
            cases.append((name, d, spec))
        else:
            for sub in subs:
                merged = dict(spec)
                merged.update(sub)
                cases.append(('%s/%s' % (name, sub['name']), d, merged))
    if only:
        cases = [c for c in cases if any(o in c[0] for o in only)]
    return cases


def resolve_rules(case_dir, rules):
    if rules.startswith('./'):
        return os.path.join(case_dir, rules[2:])
    return os.path.join(ROOT, rules)


def run_case(name, case_dir, spec, binary, build, tmp):
    errors = []
    if 'live' in spec:
        return run_live(spec, binary, tmp, errors)
    if 'argv' in spec:
        # A command-line case: the arguments as given, "{case}" standing for the case dir.
        cmd = [binary] + [str(a).replace('{case}', case_dir) for a in spec['argv']]
        return check_run(spec, cmd, tmp, errors)
    if 'pcap' in spec:
        pcap = os.path.normpath(os.path.join(ROOT, spec['pcap']))
        if not os.path.exists(pcap):
            return ['required capture is absent: %s (see tests/data/pcaps/SOURCES.tsv)' % pcap]
    elif 'generate' in spec:
        pcap = os.path.join(tmp, name.replace('/', '_') + '.pcap')
        err = generate(build, spec['generate'], pcap)
        if err:
            return [err]
    elif 'generate_dir' in spec:
        pcap = os.path.join(tmp, name.replace('/', '_') + '.d')
        os.makedirs(pcap, exist_ok=True)
        for i, gargs in enumerate(spec['generate_dir']):
            err = generate(build, gargs, os.path.join(pcap, '%02d.pcap' % i))
            if err:
                return [err]
    else:
        return ['case has neither pcap nor generate']
    cmd = [binary, '-r', pcap, '-c', resolve_rules(case_dir, spec.get('rules', 'rules'))]
    cmd += [str(a) for a in spec.get('args', [])]
    if 'signal' in spec:
        return run_signalled(spec, cmd, tmp, errors)
    try:
        r = run_measured(cmd, spec.get('timeout', 300), tmp)
    except subprocess.TimeoutExpired:
        return ['timed out: %s' % ' '.join(cmd)]
    errors = check_result(spec, r, errors)
    if 'twin' in spec:
        errors += check_twin(spec, cmd, pcap, r, build, tmp)
    for n in spec.get('workers_same', []):
        errors += check_workers_same(spec, cmd, r, int(n), tmp)
    return errors


def canonical_records(stdout):
    """The run's records, order aside: sorted JSON lines. Only stats.flow.memuse may differ
    between worker counts (each worker's flow table has its own fixed part), and the time
    of a stats record of a run without packets (the wall clock's)."""
    out = []
    for line in stdout.splitlines():
        rec = json.loads(line)
        if rec.get('event_type') == 'stats':
            rec.get('stats', {}).get('flow', {}).pop('memuse', None)
            if rec.get('stats', {}).get('decoder', {}).get('pkts') == 0:
                rec.pop('timestamp', None)  # no packet: stamped with the wall clock
        out.append(json.dumps(rec, sort_keys=True))
    return sorted(out)


def check_workers_same(spec, cmd, one, n, tmp):
    """The same capture with --workers n must give the very same records as one thread."""
    try:
        many = run_measured(cmd + ['--workers', str(n)], spec.get('timeout', 300), tmp)
    except subprocess.TimeoutExpired:
        return ['timed out with --workers %d' % n]
    if many.returncode != one.returncode:
        return ['--workers %d: exit %d, one thread exit %d; stderr: %s' %
                (n, many.returncode, one.returncode, many.stderr.strip()[-1000:])]
    a, b = canonical_records(one.stdout), canonical_records(many.stdout)
    if a == b:
        return []
    only_one = [x for x in a if x not in set(b)][:3]
    only_many = [x for x in b if x not in set(a)][:3]
    return ['--workers %d: %d records, one thread %d; only with one thread: %s; only with '
            '%d workers: %s' % (n, len(b), len(a), only_one, n, only_many)]


def twin_records(stdout):
    """The flow, fileinfo and alert records of a run, order aside."""
    out = []
    for line in stdout.splitlines():
        rec = json.loads(line)
        if rec.get('event_type') in ('flow', 'fileinfo', 'alert'):
            out.append(json.dumps(rec, sort_keys=True))
    return sorted(out)


def check_twin(spec, cmd, pcap, r, build, tmp):
    """The case's capture wraps its twin's packets in a tunnel or other link: both must give
    the very same flows, files and alerts."""
    twin = os.path.join(tmp, 'twin.pcap')
    err = generate(build, spec['twin'], twin)
    if err:
        return [err]
    try:
        t = run_measured([twin if a == pcap else a for a in cmd], spec.get('timeout', 300), tmp)
    except subprocess.TimeoutExpired:
        return ['timed out on the twin']
    a, b = twin_records(r.stdout), twin_records(t.stdout)
    if a == b:
        return []
    return ['twin %s: %d records, this capture %d; only here: %s; only in the twin: %s' %
            (spec['twin'], len(b), len(a), [x for x in a if x not in set(b)][:2],
             [x for x in b if x not in set(a)][:2])]


def generate(build, gargs, pcap):
    """rw_pcapgen with gargs, the output path where "{out}" stands, else last. Arguments
    starting with "bench" go to tools/bench/rw_benchgen (the benchmark's mixed traffic)."""
    args = [str(a) for a in gargs]
    args = [pcap if a == '{out}' else a for a in args] if '{out}' in args else args + [pcap]
    tool = 'bench/rw_benchgen' if args and args[0] == 'bench' else 'rw_pcapgen'
    gen = [os.path.join(build, 'tools', tool)] + args
    r = subprocess.run(gen, capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        return 'rw_pcapgen failed (%d): %s' % (r.returncode, r.stderr.strip())
    return None


def eve_dir_args(spec, tmp):
    """With eve_dir: a fresh -l directory and its eve.json path; else no arguments."""
    if not spec.get('eve_dir'):
        return [], None
    logdir = os.path.join(tmp, 'evedir')
    os.makedirs(logdir, exist_ok=True)
    eve = os.path.join(logdir, 'eve.json')
    if os.path.exists(eve):
        os.unlink(eve)
    return ['-l', logdir], eve


def run_signalled(spec, cmd, tmp, errors):
    """A replay that gets `signal` while it runs: as soon as stderr shows `signal_on`.
    Everything written before the signal, the flows still open and the stats must be in
    the output (stdout, or eve.json with eve_dir)."""
    sig = SIGNALS[spec['signal']]
    extra, eve = eve_dir_args(spec, tmp)
    cmd = cmd[:1] + ['-v'] + extra + cmd[1:]
    trigger = spec['signal_on']
    with open(os.path.join(tmp, 'out'), 'w+b') as out:
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, cwd=ROOT)
        err_lines = []
        sent = False
        # A run that hangs is killed (and then fails on its exit code and output).
        watchdog = threading.Timer(spec.get('timeout', 300), p.kill)
        watchdog.start()
        try:
            for raw in p.stderr:
                line = raw.decode('utf-8', 'replace')
                err_lines.append(line)
                if not sent and trigger in line:
                    time.sleep(float(spec.get('signal_delay', 0)))
                    p.send_signal(sig)
                    sent = True
            p.wait()
        finally:
            watchdog.cancel()
        if not sent:
            errors.append('stderr never showed %r: the signal was not sent' % trigger)
        out.seek(0)
        stdout = out.read().decode('utf-8', 'replace')
    if eve is not None:
        if stdout:
            errors.append('stdout is not empty with -l: %r' % stdout[:200])
        with open(eve, encoding='utf-8') as f:
            stdout = f.read()
    return check_result(spec, Result(p.returncode, stdout, ''.join(err_lines), 0), errors)


def run_live(spec, binary, tmp, errors):
    """Live capture on loopback: reelwatch -i lo with a BPF filter, a real TCP transfer
    on 127.0.0.1, then SIGINT; every record and the stats must be in eve.json."""
    live = spec['live']
    logdir = os.path.join(tmp, 'live')
    os.makedirs(logdir, exist_ok=True)
    eve = os.path.join(logdir, 'eve.json')
    if os.path.exists(eve):
        os.unlink(eve)
    port = int(live['port'])
    server = live.get('server', '127.0.0.1')
    sig = SIGNALS[spec.get('signal', 'INT')]
    body = b'\x00' * int(live['send_bytes'])
    if 'http_put' in live:
        body = ('PUT /%s HTTP/1.1\r\nHost: %s:%d\r\nContent-Length: %d\r\n\r\n' %
                (live['http_put'], server, port, len(body))).encode() + body
    cmd = [binary, '-i', live.get('iface', 'lo'), '-l', logdir, '-c',
           resolve_rules(spec['_dir'], spec.get('rules', 'rules'))] + \
        [str(a) for a in spec.get('args', [])] + ['tcp', 'port', str(port)]
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((server, port))
    srv.listen(1)
    got = []
    received = threading.Event()

    def serve():
        conn, _ = srv.accept()
        n = 0
        while True:
            b = conn.recv(65536)
            if not b:
                break
            n += len(b)
            if n >= len(body):
                received.set()
        conn.close()
        got.append(n)

    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    try:
        time.sleep(1.0)  # the capture is open before traffic starts
        if p.poll() is not None:
            srv.close()
            return ['reelwatch -i exited early (%d): %s' % (p.returncode,
                                                            p.stderr.read().decode())]
        t = threading.Thread(target=serve)
        t.start()
        src = (live['client'], 0) if 'client' in live else None
        c = socket.create_connection((server, port), source_address=src)
        c.sendall(body)
        if live.get('keep_open'):
            # The flow is still open when the signal comes: it ends at shutdown.
            received.wait(10)
            time.sleep(0.6)  # the ring buffer hands over its last block
            p.send_signal(sig)
            _, err = p.communicate(timeout=10)
            c.close()
            t.join(10)
        else:
            c.close()
            t.join(10)
            time.sleep(0.6)  # the ring buffer hands over its last block
            p.send_signal(sig)
            _, err = p.communicate(timeout=10)
    finally:
        srv.close()
        if p.poll() is None:
            p.kill()
    if got != [len(body)]:
        errors.append('the test transfer itself failed: %r' % got)
    with open(eve, encoding='utf-8') as f:
        out = f.read()
    r = Result(p.returncode, out, err.decode('utf-8', 'replace'), 0)
    return check_result(spec, r, errors)


def check_run(spec, cmd, tmp, errors):
    try:
        r = run_measured(cmd, spec.get('timeout', 300), tmp)
    except subprocess.TimeoutExpired:
        return ['timed out: %s' % ' '.join(cmd)]
    return check_result(spec, r, errors)


def check_result(spec, r, errors):
    # Sanitizer builds inflate memory by design (shadow memory, quarantine): the bound is
    # checked by the plain build's run of the same case.
    if 'max_rss_mib' in spec and not os.environ.get('RW_E2E_SANITIZED') and \
            r.maxrss_kib > spec['max_rss_mib'] * 1024:
        errors.append('peak RSS %.1f MiB, bound %d MiB' % (r.maxrss_kib / 1024.0,
                                                          spec['max_rss_mib']))
    want_exit = spec.get('exit', 0)
    if r.returncode != want_exit:
        errors.append('exit %d, expected %d; stderr: %s' % (r.returncode, want_exit,
                                                             r.stderr.strip()[-2000:]))
    if 'stderr_exact' in spec and r.stderr != spec['stderr_exact']:
        errors.append('stderr differs; expected:\n%s\ngot:\n%s' % (spec['stderr_exact'], r.stderr))
    for text in spec.get('stderr', []):
        if text not in r.stderr:
            errors.append('stderr lacks %r; stderr was: %s' % (text, r.stderr.strip()[-2000:]))
    if 'stdout_exact' in spec:
        if r.stdout != spec['stdout_exact']:
            errors.append('stdout differs; expected:\n%s\ngot:\n%s' % (spec['stdout_exact'],
                                                                        r.stdout))
        return errors
    lines = r.stdout.splitlines()
    recs = []
    for i, line in enumerate(lines, 1):
        try:
            recs.append(json.loads(line))
        except ValueError as e:
            errors.append('line %d is not JSON: %s' % (i, e))
    for err in evecheck.validate_lines(lines):
        errors.append('schema: %s' % err)
    nstats = sum(1 for x in recs if x.get('event_type') == 'stats')
    want_stats = spec.get('stats', None if 'argv' in spec else 1)
    if want_stats is not None and nstats != want_stats:
        errors.append('%d stats records, expected %d' % (nstats, want_stats))
    if 'records' in spec and len(recs) != spec['records']:
        errors.append('%d records, expected %d' % (len(recs), spec['records']))
    stats = next((x for x in recs if x.get('event_type') == 'stats'), {})
    for exp in spec.get('expect', []):
        got = [x for x in recs if matches(x, exp.get('match', {})) and
               within(x, exp.get('between', {}))]
        if 'count_is_stat' in exp:
            want = get_path(stats, exp['count_is_stat'])
            if want is MISSING or len(got) != want:
                errors.append('%d records match %s, expected %s = %s' %
                              (len(got), json.dumps(exp.get('match', {}), sort_keys=True),
                               exp['count_is_stat'], want))
        elif len(got) != exp['count']:
            errors.append('%d records match %s, expected %d' %
                          (len(got), json.dumps(exp.get('match', {}), sort_keys=True),
                           exp['count']))
    if 'files_tsv' in spec:
        check_files(spec, recs, errors)
    if errors and os.environ.get('RW_E2E_DUMP'):
        sys.stderr.write(r.stdout)
    return errors


def tsv_ends(row):
    """A TSV row's two endpoints ("ip:port") and the sending host. The flow is written
    "A -> B" (initiator first; TFTP adds "(data: C <-> D)", the transfer's own flow) and
    the row's direction says which of A and B sends the file."""
    flow = row['flow']
    host = lambda ep: ep.rsplit(':', 1)[0].strip('[]')  # noqa: E731
    ends = lambda a, b: frozenset('%s:%s' % (host(x), x.rsplit(':', 1)[1]) for x in (a, b))  # noqa: E731
    main, _, data = flow.partition(' (data: ')
    a, b = [x.strip() for x in main.split('->')]
    sender = host(a) if row['direction'] == 'toserver' else host(b)
    if data:
        c, d = [x.strip() for x in data.rstrip(')').split('<->')]
        return ends(c, d), sender
    return ends(a, b), sender


def record_ends(rec):
    sender = rec['src_ip'] if rec.get('direction') == 'to_server' else rec['dest_ip']
    return frozenset(['%s:%s' % (rec['src_ip'], rec.get('src_port')),
                      '%s:%s' % (rec['dest_ip'], rec.get('dest_port'))]), sender


def check_files(spec, recs, errors):
    path = os.path.join(spec['_dir'], spec['files_tsv'])
    with open(path, encoding='utf-8') as fp:
        head = fp.readline().rstrip('\n').split('\t')
        rows = [dict(zip(head, line.rstrip('\n').split('\t'))) for line in fp if line.strip()]
    files = [x for x in recs if x.get('event_type') == 'fileinfo']
    also = spec.get('files_also', [])
    left = [x for x in files if not any(matches(x, m) for m in also)]
    for row in rows:
        name = '' if row['filename'] == '-' else row['filename']
        want = (tsv_ends(row), name, int(row['size']), row['truncated'] == 'yes')
        hit = [x for x in left
               if (record_ends(x), x['fileinfo'].get('filename', ''), x['fileinfo']['size'],
                   x['fileinfo']['state'] == 'TRUNCATED') == want
               and x['fileinfo'].get('sha256', row['sha256']) == row['sha256']]
        if len(hit) != 1:
            errors.append('oracle row %s: %d fileinfo records, expected 1' %
                          (json.dumps([sorted(want[0][0]), want[0][1]] + list(want[1:])), len(hit)))
        else:
            left.remove(hit[0])
    for x in left:
        errors.append('fileinfo record not in the oracle: %s' % json.dumps(x['fileinfo'], sort_keys=True))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--bin', default=os.path.join(ROOT, 'build', 'reelwatch'))
    ap.add_argument('--build', default=os.path.join(ROOT, 'build'))
    ap.add_argument('only', nargs='*', help='run only cases whose name contains one of these')
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    build = os.path.abspath(a.build)
    try:
        evecheck.validate_lines([])
    except evecheck.SchemaNotFound as e:
        print('e2e: %s; cannot validate output' % e)
        print('0 passed, 1 failed')
        return 1
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix='rw_e2e_') as tmp:
        for name, case_dir, spec in load_cases(a.only):
            errs = run_case(name, case_dir, spec, binary, build, tmp)
            if errs:
                failed += 1
                print('FAIL %s' % name)
                for e in errs:
                    print('     %s' % e)
            else:
                passed += 1
                print('ok   %s' % name)
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed or passed == 0 else 0


if __name__ == '__main__':
    sys.exit(main())
