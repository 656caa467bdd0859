#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Live capture at a fixed moderate rate holds every packet with the default settings.

rw_benchgen writes a 60 MB mixed capture and its oracle (every upload, the alerts the
default rules imply); reelwatch replays it offline, then listens with its defaults (no -B)
on one end of a veth pair in its own network namespace while tcpreplay sends the capture at
200 Mbit/s into the other end (tools/bench/live.py). Asserted, for default output with one
worker and for alerts only with two: tcpreplay sent every packet; the sockets received
them all (capture.kernel_packets) and dropped none (kernel_drops, kernel_ifdrops 0); the
live run's alerts are exactly the offline run's (sid, sender, receiver, ports, file name);
both match the oracle, every upload seen. The offline checks always run; the live ones
need root, ip and tcpreplay, and otherwise say SKIP and why (exit code 77).

usage: tests/ops/live_rate.py --bin build/reelwatch --build build
"""

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tools", "bench"))
import truth  # noqa: E402  (tools/bench/truth.py: the oracle comparison)
import live  # noqa: E402  (tools/bench/live.py: the veth pair and tcpreplay)

CAPTURE_BYTES = 60000000
RATE_MBPS = 200
SKIPPED = 77  # the exit code run.sh reads as SKIP

PASS, FAIL, SKIP = [0], [0], [0]


def ok(name, detail=""):
    PASS[0] += 1
    print(f"ok   {name}", flush=True)


def bad(name, detail=""):
    FAIL[0] += 1
    print(f"FAIL {name}" + (f"\n  {detail}" if detail else ""), flush=True)


def eq(name, expected, actual):
    if expected == actual:
        ok(name)
    else:
        bad(name, f"expected: {expected!r}\n  actual:   {actual!r}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default="build/reelwatch")
    ap.add_argument("--build", default="build")
    a = ap.parse_args()
    gen = os.path.join(a.build, "tools", "bench", "rw_benchgen")
    print("== live capture at a fixed rate (200 Mbit/s), default settings", flush=True)
    why = None
    if os.geteuid() != 0:
        why = "needs root"
    elif shutil.which("ip") is None:
        why = "no ip command (Debian package iproute2)"
    elif shutil.which("tcpreplay") is None:
        why = "no tcpreplay (Debian package tcpreplay)"
    d = tempfile.mkdtemp(prefix="rw_liverate.")
    try:
        pcap = os.path.join(d, "mixed.pcap")
        g = subprocess.run([gen, "bench", pcap, str(CAPTURE_BYTES)], check=True,
                           stdout=subprocess.PIPE, text=True)
        packets = int(re.search(r"wrote (\d+) packets", g.stdout).group(1))
        oracle = truth.load_truth(truth.truth_path(pcap))
        offline = {}
        for mode, extra, workers, alerts_only in (
                ("default output", [], 1, False),
                ("alerts only, 2 workers", ["--set", "eve.types=alert,stats"], 2, True)):
            off_dir = os.path.join(d, "off-" + str(workers))
            os.makedirs(off_dir)
            cmd = [a.bin, "-r", pcap, "-c", os.path.join(TOP, "rules"), "-l", off_dir] + extra
            if workers > 1:
                cmd += ["--workers", str(workers)]
            eq(f"offline {mode}: reelwatch exit 0", 0,
               subprocess.run(cmd, stdout=subprocess.DEVNULL).returncode)
            off_eve = os.path.join(off_dir, "eve.json")
            good, lines = truth.check_truth("offline " + mode, off_eve, oracle, alerts_only)
            (ok if good else bad)(lines[0].strip()[5:],
                                  "\n  ".join(lines[1:]))
            offline[mode] = truth.alert_list(off_eve)
            if why:
                SKIP[0] += 1
                print(f"SKIP live {mode}: {why}", flush=True)
                continue

            args = argparse.Namespace(bin=a.bin, rules=os.path.join(TOP, "rules"), pcap=pcap,
                                      out=os.path.join(d, "live-" + str(workers)),
                                      mbps=RATE_MBPS, topspeed=False, workers=workers,
                                      alerts_only=alerts_only, buffer_kib=0, settle=2.0)
            r = live.run(args)
            eq(f"live {mode}: tcpreplay and reelwatch exit 0", (0, 0),
               (r.get("tcpreplay_rc"), r.get("rc")))
            sent = r.get("sent_packets")
            eq(f"live {mode}: tcpreplay sent every packet of the capture", packets, sent)
            got = r.get("kernel_packets") or 0
            eq(f"live {mode}: the sockets received every packet sent ({sent})",
               True, sent is not None and got >= sent)
            eq(f"live {mode}: 0 kernel drops, 0 interface drops at {RATE_MBPS} Mbit/s "
               f"(measured {r.get('mbps', 0):.0f} Mbit/s)", (0, 0),
               (r.get("kernel_drops"), r.get("kernel_ifdrops")))
            if r.get("eve") and os.path.exists(r["eve"]):
                live_alerts = truth.alert_list(r["eve"])
                diff = (collections.Counter(offline[mode]) - collections.Counter(live_alerts),
                        collections.Counter(live_alerts) - collections.Counter(offline[mode]))
                eq(f"live {mode}: the offline run's {len(offline[mode])} alerts, no more, "
                   "no fewer", ([], []), (sorted(diff[0].elements())[:5],
                                          sorted(diff[1].elements())[:5]))
                good, lines = truth.check_truth("live " + mode, r["eve"], oracle, alerts_only)
                (ok if good else bad)(lines[0].strip()[5:],
                                      "\n  ".join(lines[1:]))
            else:
                bad(f"live {mode}: no EVE output", r.get("stderr", ""))
    finally:
        shutil.rmtree(d, ignore_errors=True)
    print(f"live-rate: {PASS[0]} passed, {FAIL[0]} failed, {SKIP[0]} skipped", flush=True)
    return 1 if FAIL[0] else SKIPPED if SKIP[0] else 0


if __name__ == "__main__":
    sys.exit(main())
