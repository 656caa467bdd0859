#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bench.py — make bench's Suricata row: Debian's Suricata 7.0.10 alone vs with reelwatch-suricata.so.

    python3 plugin/suricata/bench.py --build build [--runs 3] [--bytes 1100000000]

Both runs use the same command line on the bench capture (build/bench/bench.pcap, made by
tools/bench/rw_benchgen exactly as tools/bench/bench.py makes it, and reused when its .sig
matches): Debian's unmodified /etc/suricata/suricata.yaml, --runmode single, -k none, no
Suricata rules (-S /dev/null), eve-log as configured there; the plugin run adds
dist/reelwatch-suricata.yaml with the default rules. The goals (issue 12): the plugin costs
at most 10% wall time and 64 MiB of peak RSS. Prints one table row and the verdicts; exits
1 when a goal is missed.
"""
import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MIB = 1 << 20


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def bench_pcap(build, nbytes):
    """The bench capture, made as tools/bench/bench.py makes it (same .sig convention)."""
    gen = os.path.join(build, "tools", "bench", "rw_benchgen")
    out = os.path.join(build, "bench", "bench.pcap")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    args = ["bench", out, str(nbytes)]
    sig = sha256_file(gen) + " " + " ".join(args)
    if os.path.exists(out) and os.path.exists(out + ".sig"):
        with open(out + ".sig") as f:
            if f.read() == sig:
                return out
    subprocess.run([gen] + args, check=True, stdout=subprocess.DEVNULL)
    with open(out + ".sig", "w") as f:
        f.write(sig)
    return out


def run_once(cmd, logdir):
    shutil.rmtree(logdir, ignore_errors=True)
    os.makedirs(logdir)
    with open(os.path.join(logdir, "stdout"), "wb") as out:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        with open(os.path.join(logdir, "stdout"), errors="replace") as f:
            sys.stderr.write(f.read()[-3000:])
        raise SystemExit(f"bench-suricata: exit code {code}: {' '.join(cmd)}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss * 1024


def count_lines(path, needle):
    n = 0
    with open(path, errors="replace") as f:
        for line in f:
            if needle in line:
                n += 1
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bytes", type=int, default=1100000000)
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    so = os.path.join(build, "suricata", "reelwatch-suricata.so")
    pcap = bench_pcap(build, a.bytes)
    logdir = os.path.join(build, "bench", "suricata")
    base = ["/usr/bin/suricata", "-c", "/etc/suricata/suricata.yaml", "--runmode", "single",
            "-k", "none", "-S", "/dev/null", "-r", pcap]
    with_plugin = base + ["--include", os.path.join(ROOT, "dist", "reelwatch-suricata.yaml"),
                          "--set", "plugins.0=" + so,
                          "--set", "reelwatch.rules=" + os.path.join(ROOT, "rules")]
    res = {}
    # Interleaved, so that a machine that slows down mid-benchmark hurts both alike.
    for i in range(a.runs):
        for name, cmd in (("alone", base), ("plugin", with_plugin)):
            d = os.path.join(logdir, name)
            wall, cpu, rss = run_once(cmd + ["-l", d], d)
            res.setdefault(name, []).append((wall, cpu, rss))
    alerts = count_lines(os.path.join(logdir, "plugin", "eve.json"), '"context"')
    med = {n: (statistics.median(w for w, _, _ in r), statistics.median(c for _, c, _ in r),
               max(m for _, _, m in r)) for n, r in res.items()}
    dw = med["plugin"][0] / med["alone"][0] - 1
    dr = (med["plugin"][2] - med["alone"][2]) / MIB
    size = os.path.getsize(pcap)
    print(f"suricata-bench: {size / 1e9:.2f} GB capture, --runmode single, median of {a.runs}")
    print(f"| Suricata 7.0.10 alone       | wall {med['alone'][0]:7.2f} s | CPU "
          f"{med['alone'][1]:7.2f} s | peak RSS {med['alone'][2] / MIB:7.1f} MiB |")
    print(f"| Suricata 7.0.10 + reelwatch | wall {med['plugin'][0]:7.2f} s | CPU "
          f"{med['plugin'][1]:7.2f} s | peak RSS {med['plugin'][2] / MIB:7.1f} MiB | "
          f"{alerts} reelwatch alerts |")
    ok_w, ok_r = dw <= 0.10, dr <= 64
    print(f"  plugin wall cost {dw * 100:+.1f}% (goal <= 10%): {'ok' if ok_w else 'MISSED'}")
    print(f"  plugin RSS cost {dr:+.1f} MiB (goal <= 64 MiB): {'ok' if ok_r else 'MISSED'}")
    print("  walls alone:  " + " ".join(f"{w:.2f}" for w, _, _ in res["alone"]))
    print("  walls plugin: " + " ".join(f"{w:.2f}" for w, _, _ in res["plugin"]))
    return 0 if ok_w and ok_r else 1


if __name__ == "__main__":
    sys.exit(main())
