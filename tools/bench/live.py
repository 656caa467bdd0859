#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Live capture on a veth pair: tcpreplay sends a capture, reelwatch listens in its own namespace.

The sensor's end of the pair lives in a network namespace of its own, the sender's end in
the root namespace; both ends get a 9000-byte MTU so that 802.1Q/802.1ad frames of the
generated captures (up to 1522 bytes) pass. Only addresses on this machine are involved.

    live.py --bin build/reelwatch --rules rules --pcap CAPTURE [--mbps N | --topspeed]
            [--workers N] [--alerts-only] [--buffer-kib N] --out DIR

prints one JSON object: tcpreplay's figures (packets sent, rate), reelwatch's exit code, its
final stats (capture.kernel_packets, kernel_drops, kernel_ifdrops, memcap.pressure) and the
EVE file written (DIR/eve.json). Needs root, ip (iproute2) and tcpreplay. Used by make bench
(the topspeed burst) and tests/ops/live_rate.sh (a fixed moderate rate).
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time


def sh(*cmd, check=True):
    return subprocess.run(cmd, check=check, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)


def final_stats(eve):
    st = None
    with open(eve) as f:
        for line in f:
            if '"stats"' in line:
                rec = json.loads(line)
                if rec.get("event_type") == "stats":
                    st = rec["stats"]
    return st or {}


def run(a):
    tag = f"rwl{os.getpid() % 100000}"
    ns, sensor, sender = tag + "ns", tag + "s", tag + "t"
    out = {"ok": False}
    rw = None
    try:
        sh("ip", "netns", "add", ns)
        sh("ip", "link", "add", sender, "mtu", "9000", "type", "veth", "peer", "name", sensor,
           "mtu", "9000")
        sh("ip", "link", "set", sensor, "netns", ns)
        sh("ip", "link", "set", sender, "up")
        sh("ip", "-n", ns, "link", "set", sensor, "up")
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        os.makedirs(a.out, exist_ok=True)
        eve = os.path.join(a.out, "eve.json")
        if os.path.exists(eve):
            os.unlink(eve)
        cmd = ["ip", "netns", "exec", ns, a.bin, "-i", sensor, "-c", a.rules, "-l", a.out, "-v"]
        if a.alerts_only:
            cmd += ["--set", "eve.types=alert,stats"]
        if a.workers > 1:
            cmd += ["--workers", str(a.workers)]
        if a.buffer_kib:
            cmd += ["-B", str(a.buffer_kib)]
        out["cmd"] = " ".join(cmd[4:])
        err_path = os.path.join(a.out, "reelwatch.err")
        with open(err_path, "w") as err:
            rw = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        # Started when it says so (-v), or within 10 s.
        for _ in range(100):
            with open(err_path) as f:
                if re.search(r"capturing|listening|running|fanout", f.read()):
                    break
            if rw.poll() is not None:
                break
            time.sleep(0.1)
        time.sleep(1.0)
        rate = ["--topspeed"] if a.topspeed else ["--mbps", str(a.mbps)]
        t0 = time.perf_counter()
        rep = sh("tcpreplay", "-i", sender, *rate, a.pcap, check=False)
        out["replay_seconds"] = time.perf_counter() - t0
        out["tcpreplay"] = rep.stdout.strip().splitlines()[-8:] + rep.stderr.strip().splitlines()[-3:]
        m = re.search(r"Actual: (\d+) packets \((\d+) bytes\) sent in ([\d.]+) seconds", rep.stdout)
        if m:
            out["sent_packets"] = int(m.group(1))
            out["sent_bytes"] = int(m.group(2))
            secs = float(m.group(3))
            out["mbps"] = int(m.group(2)) * 8 / max(secs, 1e-9) / 1e6
            out["pps"] = int(m.group(1)) / max(secs, 1e-9)
        out["tcpreplay_rc"] = rep.returncode
        time.sleep(a.settle)
        # Peak RSS, with the packet rings (mapped into the process, counted once touched).
        try:
            with open(f"/proc/{rw.pid}/status") as f:
                m = re.search(r"VmHWM:\s+(\d+) kB", f.read())
                out["peak_rss_kib"] = int(m.group(1)) if m else None
        except OSError:
            out["peak_rss_kib"] = None
        rw.send_signal(signal.SIGTERM)
        try:
            out["rc"] = rw.wait(timeout=120)
        except subprocess.TimeoutExpired:
            rw.kill()
            out["rc"] = rw.wait()
        rw = None
        with open(err_path) as f:
            out["stderr"] = f.read()[-2000:]
        st = final_stats(eve)
        cap = st.get("capture", {})
        out["kernel_packets"] = cap.get("kernel_packets")
        out["kernel_drops"] = cap.get("kernel_drops")
        out["kernel_ifdrops"] = cap.get("kernel_ifdrops")
        out["memcap_pressure"] = st.get("memcap", {}).get("pressure")
        out["decoder_pkts"] = st.get("decoder", {}).get("pkts")
        out["eve"] = eve
        out["ok"] = out["rc"] == 0 and rep.returncode == 0
    finally:
        if rw is not None:
            rw.kill()
            rw.wait()
        sh("ip", "link", "del", sender, check=False)
        sh("ip", "netns", "del", ns, check=False)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default="build/reelwatch")
    ap.add_argument("--rules", default="rules")
    ap.add_argument("--pcap", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--mbps", type=float, default=300)
    ap.add_argument("--topspeed", action="store_true")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--alerts-only", action="store_true")
    ap.add_argument("--buffer-kib", type=int, default=0, help="-B; 0: reelwatch's default")
    ap.add_argument("--settle", type=float, default=2.0,
                    help="seconds between the end of the replay and SIGTERM")
    a = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("live.py: needs root (network namespaces, veth pairs)")
    json.dump(run(a), sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
