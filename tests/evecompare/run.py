#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""run.py — replays the same captures through two reelwatch binaries and compares the EVE.

Built for the change of EVE writer (jansson trees -> rw_json, issue 15): OLD is a build of
the commit before it, NEW the current one. Every record of NEW must equal OLD's as a parsed
JSON object, key order included (objects are read as lists of pairs). Strings may differ
only where the escaping intentionally changed to Suricata's (docs/eve.md): both sides are
then decoded back to the wire bytes they stand for, and those must be equal.

    python3 tests/evecompare/run.py --old OLD/reelwatch --new build/reelwatch \
        --pcapgen build/tools/rw_pcapgen [--slice slice.pcap]

Inputs: every e2e case that replays one capture (tests/e2e/*/case.yaml with pcap: or
generate:, its rules and args), every capture under tests/data/pcaps with the default
rules and SHA-256 on, and the optional bench slice. Prints one line per input and a
closing 'N passed, N failed' line; exits 1 on any difference.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STATS_ARGS = ["--set", "file.sha256=yes"]


def pairs(line):
    return json.loads(line, object_pairs_hook=lambda kv: ("obj", kv))


def wire_bytes_old(s):
    """The old writer: valid UTF-8 kept, every other byte (and NUL) as \\xNN upper-case."""
    return re.sub(r"\\x([0-9A-F]{2})", lambda m: chr(0xDC00 + int(m.group(1), 16)),
                  s).encode("utf-8", "surrogateescape")


def wire_bytes_new(s):
    """Suricata's rule: when the input was not UTF-8, every byte >= 0x80 is \\xnn."""
    return re.sub(r"\\x([0-9a-f]{2})", lambda m: chr(0xDC00 + int(m.group(1), 16)),
                  s).encode("utf-8", "surrogateescape")


def same(a, b, path, notes):
    if isinstance(a, tuple) and isinstance(b, tuple):
        ka = [k for k, _ in a[1]]
        kb = [k for k, _ in b[1]]
        if ka != kb:
            notes.append(f"{path}: keys {ka} != {kb}")
            return False
        return all(same(va, vb, f"{path}.{k}", notes) for (k, va), (_, vb) in zip(a[1], b[1]))
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            notes.append(f"{path}: array lengths {len(a)} != {len(b)}")
            return False
        return all(same(x, y, f"{path}[{i}]", notes) for i, (x, y) in enumerate(zip(a, b)))
    if type(a) is not type(b):
        notes.append(f"{path}: {a!r} != {b!r}")
        return False
    if a == b:
        return True
    if isinstance(a, str) and wire_bytes_old(a) == wire_bytes_new(b):
        notes.append(f"escaping: {path}: {a!r} -> {b!r}")
        return True
    notes.append(f"{path}: {a!r} != {b!r}")
    return False


def run(binary, pcap, rules, args):
    with tempfile.TemporaryDirectory() as d:
        p = subprocess.run([binary, "-r", pcap, "-c", rules, "-l", d] + args,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)
        path = os.path.join(d, "eve.json")
        lines = open(path, encoding="utf-8").read().splitlines() if os.path.exists(path) else []
        return p.returncode, lines


def inputs(a, tmp):
    for case in sorted(glob.glob(os.path.join(ROOT, "tests/e2e/*/case.yaml"))):
        c = yaml.safe_load(open(case))
        cdir = os.path.dirname(case)
        name = os.path.basename(cdir)
        if any(k in c for k in ("live", "argv", "generate_dir", "signal_on")):
            continue
        if "pcap" in c:
            pcap = os.path.join(ROOT, c["pcap"])
        elif "generate" in c:
            gen = [str(x) for x in c["generate"]]
            pcap = os.path.join(tmp, name + ".pcap")
            if gen[0] == "bench":
                continue  # the bench generator: the slice below stands for it
            if "{out}" in gen:
                gen = [pcap if x == "{out}" else x for x in gen]
            else:
                gen = gen + [pcap]
            subprocess.run([a.pcapgen] + gen, check=True, stdout=subprocess.DEVNULL)
        else:
            continue
        rules = c.get("rules", "rules")
        rules = os.path.join(cdir, rules) if rules.startswith("./") else os.path.join(ROOT, rules)
        yield "e2e/" + name, pcap, rules, [str(x) for x in c.get("args", [])]
    for pcap in sorted(glob.glob(os.path.join(ROOT, "tests/data/pcaps/**/*.pcap*"), recursive=True)):
        yield os.path.relpath(pcap, ROOT), pcap, os.path.join(ROOT, "rules"), STATS_ARGS
    if a.slice:
        yield "bench slice", a.slice, os.path.join(ROOT, "rules"), STATS_ARGS


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", required=True)
    ap.add_argument("--new", required=True)
    ap.add_argument("--pcapgen", required=True)
    ap.add_argument("--slice")
    a = ap.parse_args()
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, pcap, rules, args in inputs(a, tmp):
            rc_old, old = run(a.old, pcap, rules, args)
            rc_new, new = run(a.new, pcap, rules, args)
            notes = []
            ok = rc_old == rc_new and len(old) == len(new)
            if not ok:
                notes.append(f"exit {rc_old}/{rc_new}, records {len(old)}/{len(new)}")
            identical = 0
            for i, (x, y) in enumerate(zip(old, new)):
                if x == y:
                    identical += 1
                    continue
                if '"event_type":"stats"' in x and re.sub(r'"timestamp":"[^"]*"', "", x) == \
                        re.sub(r'"timestamp":"[^"]*"', "", y):
                    # a capture without packets: the stats record has wall-clock time
                    notes.append(f"record {i + 1}: stats timestamp is wall-clock time")
                    identical += 1
                    continue
                if not same(pairs(x), pairs(y), f"record {i + 1}", notes):
                    ok = False
            esc = [n for n in notes if n.startswith("escaping:")]
            print(f"{'PASS' if ok else 'FAIL'} {name}: {len(new)} records, {identical} "
                  f"byte-identical, {len(esc)} strings escaped the Suricata way")
            for n in notes[:5]:
                print("    " + n)
            passed += ok
            failed += not ok
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
