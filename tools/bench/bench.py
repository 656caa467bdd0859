#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""make bench: reelwatch against the libpcap read floor, tcpdump and ndpiReader.

Whole processes are timed (wall clock, median of --runs) and their peak RSS is read from
wait4()'s rusage of that one child. Inputs are cached in BUILD/bench/: a capture is
regenerated only when the SHA-256 of the binary that writes it (or its arguments)
changed. With --profile it runs perf record -g on the bench capture and callgrind on a
20 MB slice instead, and writes the reports to BUILD/bench/profile/.

Goals (issue 7), on a 2-core machine: alerts only >= 0.5x the floor, >= 5x ndpiReader,
peak RSS <= 64 MiB; default output >= 3x ndpiReader, <= 128 MiB; <= 400 bytes per
tracked flow at 1M flows; a 1,000,000-prefix list loads in <= 2 s and costs <= 10% of
throughput.
"""

import argparse
import collections
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

from truth import (SURICATA_MAGIC_UNKNOWN, SURICATA_TYPES, alert_list,
                   check_truth, crosscheck_tshark, load_truth, suricata_normalize,
                   truth_path)

MIB = 1024 * 1024
FLOOD_FLOWS = 1000000
FLOOD_BASE_FLOWS = 1000
PREFIXES = 1000000
SLICE_BYTES = 20000000
KEEPALIVE_SESSIONS = (4096, 20000)
# tshark --export-objects numbers at most 500 objects of one name: the cross-check runs on
# the 20 MB slice and on a keep-alive capture small enough for that.
CROSSCHECK_SESSIONS = 512
LIVE_BYTES = 100000000  # the live burst: 100 MB of the bench's mixed traffic


def say(msg):
    print(msg, flush=True)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def cached(out, producer, args, also=()):
    """Runs producer+args (which writes out and the files in also) unless out's .sig names
    the same inputs and every file is there."""
    sig = sha256_file(producer) + " " + " ".join(args)
    sig_path = out + ".sig"
    if os.path.exists(out) and os.path.exists(sig_path) and all(map(os.path.exists, also)):
        with open(sig_path) as f:
            if f.read() == sig:
                say(f"bench: reusing {out} (generator unchanged)")
                return
    if os.path.exists(sig_path):
        os.unlink(sig_path)
    t0 = time.perf_counter()
    subprocess.run([producer] + args, check=True, stdout=subprocess.DEVNULL)
    say(f"bench: generated {out} in {time.perf_counter() - t0:.1f} s")
    with open(sig_path, "w") as f:
        f.write(sig)


def run_once(cmd, stdout_path=os.devnull, cwd=None):
    """One whole process: (wall seconds, CPU seconds, peak RSS bytes, exit code)."""
    err_path = stdout_path + ".err" if stdout_path != os.devnull else os.devnull
    with open(stdout_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss * 1024, p.returncode


def measure(name, cmd, runs, before=None):
    """runs whole runs of one command: the record measure_interleaved() gives."""
    return measure_interleaved([("one", name, cmd, before)], runs)["one"]


def measure_interleaved(specs, runs):
    """Times every spec once per round, runs rounds, so that a machine whose speed drifts
    (a shared VM: the same binary's CPU time moved by up to 2x within minutes here) moves
    every tool alike and the ratios of one run stay fair. specs: (key, name, cmd, before);
    returns {key: {name, cmd, walls, wall (median), cpus, cpu (median), rss (largest)}}."""
    walls, cpus, rss = ({k: [] for k, *_ in specs} for _ in range(3))
    for _ in range(runs):
        for key, name, cmd, before in specs:
            if before is not None:
                before()
            wall, cpu, peak, code = run_once(cmd)
            if code != 0:
                say(f"bench: {name}: exit code {code}: {' '.join(cmd)}")
                rerun = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                sys.stderr.write(rerun.stderr.decode(errors="replace")[-2000:])
                raise SystemExit(1)
            walls[key].append(wall)
            cpus[key].append(cpu)
            rss[key].append(peak)
    out = collections.OrderedDict()
    for key, name, cmd, _ in specs:
        w, c = walls[key], cpus[key]
        out[key] = {"name": name, "cmd": cmd, "walls": w, "wall": statistics.median(w),
                    "cpus": c, "cpu": statistics.median(c), "rss": max(rss[key])}
        say(f"  {name:<38} wall {' '.join(f'{x:6.2f}' for x in w)} s, CPU "
            f"{' '.join(f'{x:6.2f}' for x in c)} s, peak RSS {max(rss[key]) / MIB:7.1f} MiB")
    return out


def eve_counts(path):
    types, sids, protos = collections.Counter(), collections.Counter(), collections.Counter()
    stats = None
    with open(path) as f:
        for line in f:
            rec = json.loads(line)
            t = rec.get("event_type")
            types[t] += 1
            if t == "alert":
                sids[rec["alert"]["signature_id"]] += 1
            elif t == "flow":
                protos[rec.get("app_proto", "?")] += 1
            elif t == "stats":
                stats = rec["stats"]
    return types, sids, protos, stats


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    return f"{model}, {os.cpu_count()} CPUs (nproc), {mem / (1 << 30):.1f} GiB RAM, " \
           f"Linux {platform.release()}"


def tool_version(cmd):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=20)
        return p.stdout.decode(errors="replace")
    except (OSError, subprocess.TimeoutExpired):
        return ""


def make_rules_1m(rules, bench_dir, gen):
    """BUILD/bench/rules_1m/: links to every entry of rules/, a 1M-prefix list and a rule."""
    d = os.path.join(bench_dir, "rules_1m")
    os.makedirs(d, exist_ok=True)
    for name in os.listdir(rules):
        link = os.path.join(d, name)
        target = os.path.abspath(os.path.join(rules, name))
        if os.path.islink(link) and os.readlink(link) == target:
            continue
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(target, link)
    cached(os.path.join(d, "bench_1m.txt"), gen,
           ["prefixes", str(PREFIXES), os.path.join(d, "bench_1m.txt")])
    with open(os.path.join(d, "zz-bench-1m.yaml"), "w") as f:
        f.write("""# make bench: 1,000,000 prefixes that no bench-capture address is in.
lists:
  bench1m:
    description: benchmark prefixes from rw_benchgen (900,000 IPv4 /24, 100,000 IPv6 /48)
    file: bench_1m.txt
rules:
  - sid: 9290001
    rev: 1
    msg: "BENCH traffic to the benchmark prefix list"
    classtype: policy-violation
    severity: 3
    level: flow
    match:
      dst: [bench1m]
      direction: any
""")
    return d


def verdict(ok):
    return "MEETS" if ok else "MISSES"


def fmt_rate(pkts, wire, wall):
    return pkts / wall, wire * 8 / wall / 1e9


def flood_stats(path):
    """The flow counters of a flood run's final stats record."""
    _, _, _, st = eve_counts(path)
    fl = st["flow"] if st else {}
    return (fl.get("total", 0), fl.get("mgr", {}).get("flows_evicted", 0),
            fl.get("memuse", 0))


def per_flow_runs(a, bench_dir, flood, flood_small):
    """Peak RSS of a 1000-flow and a 1M-flow SYN flood (stats only), and what the flow
    table charges one flow against flow.memcap."""
    flood_base_dir = os.path.join(bench_dir, "out-flood-1k")
    flood_dir = os.path.join(bench_dir, "out-flood-1m")
    for d in (flood_base_dir, flood_dir):
        os.makedirs(d, exist_ok=True)

    def clear(d):
        return lambda: os.path.exists(os.path.join(d, "eve.json")) and \
            os.unlink(os.path.join(d, "eve.json"))

    def flood_run(memcap_mib, with_base):
        flood_cmd = ["-c", a.rules, "--set", "eve.types=stats",
                     "--set", f"flow.memcap={memcap_mib}MiB"]
        base = None
        if with_base:
            base = measure(f"reelwatch, 1000-flow SYN flood, {memcap_mib} MiB cap",
                           [a.bin, "-r", flood_small, "-l", flood_base_dir] + flood_cmd, 1,
                           before=clear(flood_base_dir))
        big = measure(f"reelwatch, 1M-flow SYN flood, {memcap_mib} MiB cap",
                      [a.bin, "-r", flood, "-l", flood_dir] + flood_cmd, 1,
                      before=clear(flood_dir))
        return base, big, flood_stats(os.path.join(flood_dir, "eve.json"))

    def charge_of(memcap_mib, total, evicted, fixed):
        # Every flow of the flood lives to the end unless evicted, so the flows admitted at
        # once are total - evicted; the final memuse (no flow left) is the fixed part.
        return (memcap_mib * MIB - fixed) / max(total - evicted, 1)

    # The flow table sizes its bucket array from flow.memcap (never rehashed) and evicts
    # when the flows' charges reach it. A first run at 1 GiB tells what one flow is charged
    # if it evicts; the measured run gets a cap that admits all 1M flows.
    charged = None
    memcap_mib = 1024
    for attempt in range(2):
        f_base, f_1m, (total, evicted, fixed) = flood_run(memcap_mib, True)
        if evicted == 0:
            break
        charged = charge_of(memcap_mib, total, evicted, fixed)
        memcap_mib = int(charged * FLOOD_FLOWS * 1.05 / MIB) + 1
        say(f"bench: the flow table charges {charged:.0f} B per flow against flow.memcap: "
            f"rerunning with flow.memcap={memcap_mib}MiB")
    if charged is None:
        # Nothing was evicted: a run at a small cap shows the charge.
        _, _, (t2, e2, fixed2) = flood_run(64, False)
        if e2 > 0:
            charged = charge_of(64, t2, e2, fixed2)
    return {"f_base": f_base, "f_1m": f_1m, "charged": charged, "memcap_mib": memcap_mib,
            "flood_flows": total or FLOOD_FLOWS, "evicted": evicted}


def per_flow_only(a):
    """make bench's memory-per-flow part alone (--per-flow)."""
    bench_dir = os.path.join(a.build, "bench")
    os.makedirs(bench_dir, exist_ok=True)
    flood = os.path.join(bench_dir, "flood_1m.pcap")
    flood_small = os.path.join(bench_dir, "flood_1k.pcap")
    cached(flood, a.pcapgen, ["flood", str(FLOOD_FLOWS), flood])
    cached(flood_small, a.pcapgen, ["flood", str(FLOOD_BASE_FLOWS), flood_small])
    pf = per_flow_runs(a, bench_dir, flood, flood_small)
    n = pf["flood_flows"]
    per_flow = (pf["f_1m"]["rss"] - pf["f_base"]["rss"]) / max(n - FLOOD_BASE_FLOWS, 1)
    say(f"  {verdict(per_flow <= 400):<6}  memory per tracked flow at 1M flows <= 400 B   "
        f"{per_flow:.0f} B (peak RSS delta over a 1000-flow run; "
        f"{pf['f_1m']['rss'] / max(n, 1):.0f} B as RSS/flows; the table charges "
        f"{pf['charged'] or 0:.0f} B/flow against flow.memcap)")
    say(f"flood: {n - pf['evicted']} of {n} flows tracked at once "
        f"(flow.memcap={pf['memcap_mib']}MiB)")


def bench(a):
    bench_dir = os.path.join(a.build, "bench")
    os.makedirs(bench_dir, exist_ok=True)
    pcap = os.path.join(bench_dir, "bench.pcap")
    flood = os.path.join(bench_dir, "flood_1m.pcap")
    flood_small = os.path.join(bench_dir, "flood_1k.pcap")
    t_start = time.perf_counter()

    say(f"bench: machine: {machine()}")
    cached(pcap, a.gen, ["bench", pcap, str(a.bytes)], also=[truth_path(pcap)])
    cached(flood, a.pcapgen, ["flood", str(FLOOD_FLOWS), flood])
    cached(flood_small, a.pcapgen, ["flood", str(FLOOD_BASE_FLOWS), flood_small])
    rules_1m = make_rules_1m(a.rules, bench_dir, a.gen)
    ka = {}
    for n in KEEPALIVE_SESSIONS:
        ka[n] = os.path.join(bench_dir, f"keepalive_{n}.pcap")
        cached(ka[n], a.gen, ["keepalive", str(n), ka[n]], also=[truth_path(ka[n])])
    slice_pcap = os.path.join(bench_dir, "slice.pcap")
    ka_small = os.path.join(bench_dir, f"keepalive_{CROSSCHECK_SESSIONS}.pcap")
    cached(slice_pcap, a.gen, ["bench", slice_pcap, str(SLICE_BYTES)],
           also=[truth_path(slice_pcap)])
    cached(ka_small, a.gen, ["keepalive", str(CROSSCHECK_SESSIONS), ka_small],
           also=[truth_path(ka_small)])
    live_pcap = os.path.join(bench_dir, "live.pcap")
    cached(live_pcap, a.gen, ["bench", live_pcap, str(LIVE_BYTES)], also=[truth_path(live_pcap)])

    floor_out = os.path.join(bench_dir, "floor.txt")
    load_before = os.getloadavg()[0]
    run_once([a.floor, pcap], floor_out)  # also warms the page cache
    with open(floor_out) as f:
        m = re.match(r"packets (\d+) bytes (\d+) wire (\d+)", f.read())
    pkts, wire = int(m.group(1)), int(m.group(3))
    size = os.path.getsize(pcap)
    say(f"bench: {pcap}: {size / 1e9:.2f} GB file, {pkts} packets, {wire} bytes on the wire "
        f"(mean {wire / pkts:.0f} B/packet)")

    out_alert = os.path.join(bench_dir, "out-alerts")
    out_all = os.path.join(bench_dir, "out-default")
    out_alert_w2 = os.path.join(bench_dir, "out-alerts-w2")
    out_all_w2 = os.path.join(bench_dir, "out-default-w2")
    out_1m = os.path.join(bench_dir, "out-1m")
    for d in (out_alert, out_all, out_alert_w2, out_all_w2, out_1m):
        os.makedirs(d, exist_ok=True)

    def clear(d):
        return lambda: os.path.exists(os.path.join(d, "eve.json")) and \
            os.unlink(os.path.join(d, "eve.json"))

    rw = [a.bin, "-r", pcap, "-c", a.rules]
    alerts_set = ["--set", "eve.types=alert,stats"]
    # The same reader through a 1 MiB stdio buffer, as reelwatch opens captures: libpcap's
    # own open reads through stdio's 4 KiB default, a read(2) every few packets.
    specs = [
        ("floor", "libpcap read floor (rw_readfloor)", [a.floor, pcap], None),
        ("floor_buf", "read floor, 1 MiB stdio buffer", [a.floor, "-b", str(1 << 20), pcap],
         None),
        ("tcpdump", "tcpdump -r FILE -w /dev/null", ["tcpdump", "-r", pcap, "-w", "/dev/null"],
         None),
        ("ndpi", "ndpiReader -i FILE", ["ndpiReader", "-i", pcap], None),
        ("rw_alert", "reelwatch alerts only", rw + ["-l", out_alert] + alerts_set,
         clear(out_alert)),
        ("rw_all", "reelwatch default output", rw + ["-l", out_all], clear(out_all)),
        ("rw_alert_w2", "reelwatch alerts only, 2 workers",
         rw + ["-l", out_alert_w2, "--workers", "2"] + alerts_set, clear(out_alert_w2)),
        ("rw_all_w2", "reelwatch default output, 2 workers",
         rw + ["-l", out_all_w2, "--workers", "2"], clear(out_all_w2)),
        ("rw_alert_1m", "reelwatch alerts only, +1M prefixes",
         [a.bin, "-r", pcap, "-c", rules_1m, "-l", out_1m] + alerts_set, clear(out_1m)),
    ]
    suri_timed = {}
    if shutil.which("suricata"):
        for mode in SURICATA_TYPES:
            cmd, d = suricata_cmd(a, "bench.pcap", pcap, mode)
            key = "suri_alert" if mode == "alerts only" else "suri_all"
            specs.append((key, f"suricata, {mode}", cmd, clear(d)))
            suri_timed[mode] = key
    say(f"bench: timing, {a.runs} rounds, every tool once a round (wall seconds per run):")
    res = measure_interleaved(specs, a.runs)

    say("bench: rule loading (-T), memory per flow:")
    t_1m = measure("reelwatch -T, rules + 1M prefixes", [a.bin, "-T", "-c", rules_1m], a.runs)
    t_def = measure("reelwatch -T, default rules", [a.bin, "-T", "-c", a.rules], a.runs)
    pf = per_flow_runs(a, bench_dir, flood, flood_small)
    f_base, f_1m, charged = pf["f_base"], pf["f_1m"], pf["charged"]
    memcap_mib, flood_flows, evicted = pf["memcap_mib"], pf["flood_flows"], pf["evicted"]

    say("bench: ground truth (issue 17): every upload in every mode, against the oracle")
    truth_ok = True
    truth_lines = []
    for cap in (slice_pcap, ka_small):
        good, line = crosscheck_tshark(a, cap)
        truth_ok = truth_ok and good
        truth_lines.append(line)
        say(line)
    reuse = {"alerts only": (os.path.join(out_alert, "eve.json"), res["rw_alert"]["rss"]),
             "default output": (os.path.join(out_all, "eve.json"), res["rw_all"]["rss"]),
             "alerts only, 2 workers": (os.path.join(out_alert_w2, "eve.json"),
                                        res["rw_alert_w2"]["rss"]),
             "default output, 2 workers": (os.path.join(out_all_w2, "eve.json"),
                                           res["rw_all_w2"]["rss"])}
    good, ls = truth_runs(a, pcap, "bench.pcap", reuse)
    truth_ok = truth_ok and good
    truth_lines += ls
    for n in KEEPALIVE_SESSIONS:
        good, ls = truth_runs(a, ka[n], f"{n} concurrent keep-alive HTTP sessions")
        truth_ok = truth_ok and good
        truth_lines += ls

    say("bench: Suricata as a peer")
    if shutil.which("suricata"):
        suri_lines = suricata_peer(a, [("bench.pcap", pcap)] + [
            (f"{n} sessions", ka[n]) for n in KEEPALIVE_SESSIONS],
            {mode: res[key] for mode, key in suri_timed.items()})
    else:
        suri_lines = ["Suricata as a peer: SKIP (no suricata; make deps installs 7.0.10 from "
                      "bookworm-backports)"]

    say("bench: live burst")
    live_ok, live_lines = live_burst(a, live_pcap)
    for line in live_lines:
        say(line)

    # What the runs wrote: sanity, so a fast run that did nothing is seen.
    ta, sa, _, st_a = eve_counts(os.path.join(out_alert, "eve.json"))
    tall, sall, pall, st_all = eve_counts(os.path.join(out_all, "eve.json"))
    t1m, s1m, _, _ = eve_counts(os.path.join(out_1m, "eve.json"))
    ta2, sa2, _, _ = eve_counts(os.path.join(out_alert_w2, "eve.json"))
    tall2, sall2, pall2, _ = eve_counts(os.path.join(out_all_w2, "eve.json"))

    # The table.
    lines = []
    lines.append(f"machine: {machine()}")
    lines.append(f"capture: {pcap}: {size / 1e9:.2f} GB, {pkts} packets, "
                 f"{wire / 1e9:.2f} GB on the wire, mean {wire / pkts:.0f} B/packet, "
                 f"{st_all['flow']['total'] if st_all else '?'} flows (reelwatch)")
    load_after = os.getloadavg()[0]
    lines.append(f"median of {a.runs} runs; peak RSS is the largest of the runs; load average "
                 f"{load_before:.2f} before, {load_after:.2f} after ({os.cpu_count()} CPUs)")
    # A single-threaded process that waited for a CPU shows wall clock well above CPU time.
    starved = [r["name"] for r in res.values() if r["wall"] > 1.15 * r["cpu"] + 0.05]
    if starved:
        lines.append("WARNING: the machine was busy with other work (wall clock > 1.15x CPU "
                     f"time for: {', '.join(starved)}): wall-clock figures are inflated; the "
                     "CPU-time ratios (user + system) are steadier")
    lines.append("")
    lines.append(f"| {'tool':<38} | {'wall s':>6} | {'CPU s':>6} | {'Mpkt/s':>6} | {'Gbit/s':>6} | "
                 f"{'RSS MiB':>7} | {'x floor':>7} | {'x nDPI':>6} | {'CPU x floor':>11} | "
                 f"{'CPU x nDPI':>10} |")
    lines.append(f"|{'-' * 40}|{'-' * 8}|{'-' * 8}|{'-' * 8}|{'-' * 8}|{'-' * 9}|{'-' * 9}|"
                 f"{'-' * 8}|{'-' * 13}|{'-' * 12}|")
    for key, r in res.items():
        pps, gbps = fmt_rate(pkts, wire, r["wall"])
        xf = res["floor"]["wall"] / r["wall"]
        xn = res["ndpi"]["wall"] / r["wall"]
        cf = res["floor"]["cpu"] / r["cpu"]
        cn = res["ndpi"]["cpu"] / r["cpu"]
        lines.append(f"| {r['name']:<38} | {r['wall']:6.2f} | {r['cpu']:6.2f} | {pps / 1e6:6.3f} | "
                     f"{gbps:6.2f} | {r['rss'] / MIB:7.1f} | {xf:7.3f} | {xn:6.2f} | {cf:11.3f} | "
                     f"{cn:10.2f} |")
    lines.append("")

    ra, rall = res["rw_alert"], res["rw_all"]
    goals = []
    for tag, ka, kall in (("", "rw_alert", "rw_all"), (", 2 workers", "rw_alert_w2", "rw_all_w2")):
        ra_, rall_ = res[ka], res[kall]
        goals += [
            (f"alerts only{tag}: >= 0.5x the read floor",
             res["floor"]["wall"] / ra_["wall"] >= 0.5,
             f"{res['floor']['wall'] / ra_['wall']:.3f}x; "
             f"{res['floor_buf']['wall'] / ra_['wall']:.3f}x the buffered floor"),
            (f"alerts only{tag}: >= 5x ndpiReader",
             res["ndpi"]["wall"] / ra_["wall"] >= 5,
             f"{res['ndpi']['wall'] / ra_['wall']:.2f}x ({res['ndpi']['cpu'] / ra_['cpu']:.2f}x "
             f"CPU time)"),
            (f"alerts only{tag}: peak RSS <= 64 MiB", ra_["rss"] <= 64 * MIB,
             f"{ra_['rss'] / MIB:.1f} MiB"),
            (f"default output{tag}: >= 3x ndpiReader",
             res["ndpi"]["wall"] / rall_["wall"] >= 3,
             f"{res['ndpi']['wall'] / rall_['wall']:.2f}x ({res['ndpi']['cpu'] / rall_['cpu']:.2f}x "
             f"CPU time)"),
            (f"default output{tag}: peak RSS <= 128 MiB", rall_["rss"] <= 128 * MIB,
             f"{rall_['rss'] / MIB:.1f} MiB"),
        ]
    per_flow_raw = f_1m["rss"] / max(flood_flows, 1)
    per_flow = (f_1m["rss"] - f_base["rss"]) / max(flood_flows - FLOOD_BASE_FLOWS, 1)
    goals.append(("memory per tracked flow at 1M flows <= 400 B", per_flow <= 400,
                  f"{per_flow:.0f} B (peak RSS delta over a 1000-flow run; "
                  f"{per_flow_raw:.0f} B as RSS/flows; the table charges "
                  f"{charged or 0:.0f} B/flow against flow.memcap)"))
    load = t_1m["wall"]
    goals.append(("1M-prefix list loads (-T) in <= 2 s", load <= 2.0,
                  f"{load:.2f} s for -T with the list ({t_def['wall']:.2f} s without: "
                  f"{load - t_def['wall']:.2f} s for the list)"))
    cost = 1 - ra["wall"] / res["rw_alert_1m"]["wall"]
    cost_run = 1 - ra["wall"] / max(res["rw_alert_1m"]["wall"] - (load - t_def["wall"]), 1e-9)
    goals.append(("1M-prefix list costs <= 10% of throughput", cost <= 0.10,
                  f"{cost * 100:.1f}% (alerts only, {ra['wall']:.2f} s -> "
                  f"{res['rw_alert_1m']['wall']:.2f} s with the load; "
                  f"{cost_run * 100:.1f}% without it; CPU time "
                  f"{(1 - ra['cpu'] / res['rw_alert_1m']['cpu']) * 100:.1f}% with it)"))
    lines.append("goals (issue 7; throughput judged on wall-clock medians, CPU-time ratio in "
                 "brackets):")
    for text, ok, val in goals:
        lines.append(f"  {verdict(ok):<6}  {text:<57} {val}")
    lines.append("")
    lines.append("goals (issue 15; Suricata single with the same record types; wall-clock "
                 "medians, CPU-time ratio in brackets):")
    for text, ok, val in issue15_goals(res):
        lines.append(f"  {verdict(ok):<6}  {text:<57} {val}")
    lines.append("")
    lines.append(f"flood: {flood_flows - evicted} of {flood_flows} flows tracked at once "
                 f"(flow.memcap={memcap_mib}MiB), peak RSS "
                 f"{f_1m['rss'] / MIB:.1f} MiB (1000 flows: {f_base['rss'] / MIB:.1f} MiB)")
    lines.append("reelwatch output check:")
    lines.append(f"  alerts only:    {dict(ta)}; alerts by sid {dict(sorted(sa.items()))}")
    lines.append(f"  default output: {dict(tall)}; alerts by sid {dict(sorted(sall.items()))}")
    lines.append(f"                  flows by app_proto {dict(pall.most_common())}")
    lines.append(f"  +1M prefixes:   {dict(t1m)}; alerts by sid {dict(sorted(s1m.items()))}")
    same = (ta2, sa2, tall2, sall2, pall2) == (ta, sa, tall, sall, pall)
    lines.append(f"  2 workers:      {'the same record and alert counts as one' if same else 'DIFFERENT: '}"
                 f"{'' if same else f'{dict(ta2)} {dict(sa2)} / {dict(tall2)} {dict(sall2)}'}")
    lines.append("ground truth (issue 17; 'seen': a fileinfo record with the oracle's name, size "
                 "and type, or in alerts-only mode every file alert the oracle implies):")
    lines += truth_lines
    lines.append(f"ground truth: {'every upload seen and exactly the implied alerts, in every mode' if truth_ok else 'FAILED: uploads missed or alerts differ (see above)'}")
    lines += suri_lines
    lines += live_lines
    lines.append(f"live burst: {'0 kernel drops and the offline alerts with the default settings' if live_ok else 'FAILED: drops or alerts differ with the default settings (see above)'}")
    lines.append(f"bench: total {time.perf_counter() - t_start:.0f} s")

    say("")
    for line in lines:
        say(line)
    with open(os.path.join(bench_dir, "results.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(bench_dir, "results.json"), "w") as f:
        json.dump({"machine": machine(), "packets": pkts, "wire_bytes": wire,
                   "file_bytes": size, "runs": res, "load_1m": t_1m, "load_default": t_def,
                   "flood_1m": f_1m, "flood_1k": f_base, "flood_flows": flood_flows,
                   "truth_ok": truth_ok, "truth": truth_lines, "live_ok": live_ok,
                   "live": live_lines},
                  f, indent=1)
    if not truth_ok:
        raise SystemExit("bench: ground truth: FAILED (uploads missed or alerts differ)")
    if not live_ok:
        raise SystemExit("bench: live burst: FAILED (drops or alerts differ)")


MODES = [("alerts only", ["--set", "eve.types=alert,stats"], 1, True),
         ("default output", [], 1, False),
         ("alerts only, 2 workers", ["--set", "eve.types=alert,stats"], 2, True),
         ("default output, 2 workers", [], 2, False),
         ("alerts only, 4 workers", ["--set", "eve.types=alert,stats"], 4, True),
         ("default output, 4 workers", [], 4, False)]



def truth_runs(a, pcap, label, reuse=None):
    """Every mode on pcap, each checked against the oracle: (all ok, lines).
    reuse maps a mode name to an EVE file and peak RSS a timed run already wrote."""
    truth = load_truth(truth_path(pcap))
    bench_dir = os.path.join(a.build, "bench")
    lines = [f"{label}: {len(truth)} uploads in the oracle ({truth_path(pcap)})"]
    all_ok = True
    for mode, extra, workers, alerts_only in MODES:
        if reuse and mode in reuse:
            eve, rss = reuse[mode]
        else:
            d = os.path.join(bench_dir, "truth-" + re.sub(r"[^a-z0-9]+", "-",
                                                          (label + " " + mode).lower()))
            os.makedirs(d, exist_ok=True)
            eve = os.path.join(d, "eve.json")
            if os.path.exists(eve):
                os.unlink(eve)
            cmd = [a.bin, "-r", pcap, "-c", a.rules, "-l", d] + extra
            if workers > 1:
                cmd += ["--workers", str(workers)]
            _, _, rss, code = run_once(cmd, os.path.join(d, "stdout"))
            if code != 0:
                lines.append(f"  FAIL {mode}: exit code {code}: {' '.join(cmd)}")
                all_ok = False
                continue
        ok, ls = check_truth(mode, eve, truth, alerts_only, rss)
        all_ok = all_ok and ok
        lines += ls
        say("bench: checked" + ls[0][6:])
    return all_ok, lines


LIVE_MODES = [("default output", [], 1, False, 0),
              ("alerts only, 2 workers", ["--set", "eve.types=alert,stats"], 2, True, 0),
              ("default output, -B 2048 (libpcap's default)", [], 1, False, 2048)]


def live_burst(a, pcap):
    """tcpreplay --topspeed of pcap into reelwatch listening live with its defaults on a
    veth pair (tools/bench/live.py), against an offline replay of the same capture and the
    oracle. The -B 2048 row shows what libpcap's own buffer did; it is not judged.
    Returns (ok, lines)."""
    import live
    truth = load_truth(truth_path(pcap))
    bench_dir = os.path.join(a.build, "bench")
    lines = [f"live burst (issue 17 item 6): tcpreplay --topspeed of {os.path.basename(pcap)} "
             f"({os.path.getsize(pcap) / 1e6:.0f} MB) on a veth pair, the sensor in its own "
             "network namespace"]
    if os.geteuid() != 0 or shutil.which("tcpreplay") is None or shutil.which("ip") is None:
        lines.append("  SKIP live burst: needs root, ip (iproute2) and tcpreplay")
        return True, lines
    all_ok = True
    offline = {}
    for mode, extra, workers, alerts_only, bkib in LIVE_MODES:
        key = (tuple(extra), workers)
        if key not in offline:
            d = os.path.join(bench_dir, "live-offline-" + str(len(offline)))
            os.makedirs(d, exist_ok=True)
            eve = os.path.join(d, "eve.json")
            if os.path.exists(eve):
                os.unlink(eve)
            cmd = [a.bin, "-r", pcap, "-c", a.rules, "-l", d] + extra
            if workers > 1:
                cmd += ["--workers", str(workers)]
            run_once(cmd)
            offline[key] = alert_list(eve)
        args = argparse.Namespace(bin=a.bin, rules=a.rules, pcap=pcap,
                                  out=os.path.join(bench_dir, "live-" + re.sub(
                                      r"[^a-z0-9]+", "-", mode.lower())),
                                  mbps=0, topspeed=True, workers=workers,
                                  alerts_only=alerts_only, buffer_kib=bkib, settle=3.0)
        r = live.run(args)
        judged = bkib == 0
        if not r.get("eve") or not os.path.exists(r["eve"]):
            lines.append(f"  FAIL {mode}: no EVE output: {r.get('stderr', '')[-300:]}")
            all_ok = all_ok and not judged
            continue
        got = alert_list(r["eve"])
        exp = offline[key]
        missing = collections.Counter(exp) - collections.Counter(got)
        extra_a = collections.Counter(got) - collections.Counter(exp)
        good, tl = check_truth(mode, r["eve"], truth, alerts_only)
        drops, ifdrops = r.get("kernel_drops"), r.get("kernel_ifdrops")
        sent, recv = r.get("sent_packets") or 0, r.get("kernel_packets") or 0
        ok = (r.get("rc") == 0 and drops == 0 and ifdrops == 0 and recv >= sent > 0 and
              not missing and not extra_a and good)
        if judged:
            all_ok = all_ok and ok
        tag = ("OK  " if ok else "FAIL") if judged else "ref "
        lines.append(f"  {tag} {mode:<44} sent {sent} packets at {r.get('mbps', 0):.0f} Mbit/s, "
                     f"{r.get('pps', 0) / 1e3:.0f}k packets/s; kernel drops {drops} "
                     f"({100.0 * (drops or 0) / max(recv, 1):.2f}%), interface drops {ifdrops}; "
                     f"alerts {len(got) - sum(extra_a.values())} of the offline "
                     f"{len(exp)}, {sum(extra_a.values())} extra; "
                     f"{re.search(r'[0-9]+ of [0-9]+ uploads seen', tl[0]).group(0)}; peak RSS "
                     f"{(r.get('peak_rss_kib') or 0) / 1024:.1f} MiB; memcap.pressure "
                     f"{r.get('memcap_pressure')}")
    return all_ok, lines


def issue15_goals(res):
    """Issue 15's goals: (text, met, value) for each that this run measured."""
    def ratio(num, den, want):
        w, c = res[num]["wall"] / res[den]["wall"], res[num]["cpu"] / res[den]["cpu"]
        return w >= want, f"{w:.2f}x ({c:.2f}x CPU time; {res[num]['wall']:.2f} s / " \
                          f"{res[den]['wall']:.2f} s)"
    goals = []
    if "suri_alert" in res:
        goals.append(("alerts only: >= 8x Suricata single, alerts only",
                      *ratio("suri_alert", "rw_alert", 8)))
    if "suri_all" in res:
        goals.append(("default output: >= 3x Suricata single, same records",
                      *ratio("suri_all", "rw_all", 3)))
    goals.append(("default output: >= 3x ndpiReader", *ratio("ndpi", "rw_all", 3)))
    w = res["rw_all"]["wall"] / res["rw_all_w2"]["wall"]
    goals.append(("default output, 2 workers: >= 1.7x one worker", w >= 1.7,
                  f"{w:.2f}x ({res['rw_all']['wall']:.2f} s -> {res['rw_all_w2']['wall']:.2f} s; "
                  f"CPU {res['rw_all']['cpu']:.2f} s -> {res['rw_all_w2']['cpu']:.2f} s)"))
    return goals


def suricata_cmd(a, label, pcap, mode):
    """The command line of suricata --runmode single -r PCAP for one output mode, with its
    own directory and configuration (written here). Returns (cmd, directory)."""
    sdir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "suricata")
    d = os.path.join(a.build, "bench", "suricata-" + re.sub(r"[^a-z0-9]+", "-",
                                                            (label + " " + mode).lower()))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(sdir, "suricata.yaml")) as f:
        template = f.read()
    conf = os.path.join(d, "suricata.yaml")
    with open(conf, "w") as f:
        f.write(template.replace("        - alert\n", SURICATA_TYPES[mode], 1))
    return (["suricata", "--runmode", "single", "-c", conf, "-S",
             os.path.join(sdir, "reelwatch-peer.rules"), "-r", pcap, "-l", d, "-k", "none"], d)


def suricata_peer(a, captures, timed):
    """suricata --runmode single -r CAPTURE in both output modes, every capture checked
    against its oracle. The first capture's runs were timed already with the other tools
    (timed: mode -> result; its EVE is the last timed run's); the others run here. Returns
    the lines; not judged."""
    lines = [f"Suricata {tool_version(['suricata', '-V']).strip().split()[-2]} as a peer "
             "(tools/bench/suricata/: the default rule set's job in Suricata rules; not judged):"]
    for cap_i, (label, pcap) in enumerate(captures):
        truth = load_truth(truth_path(pcap))
        for mode in SURICATA_TYPES:
            cmd, d = suricata_cmd(a, label, pcap, mode)
            eve = os.path.join(d, "eve.json")
            if cap_i == 0 and mode in timed:
                rss = timed[mode]["rss"]
            else:
                if os.path.exists(eve):
                    os.unlink(eve)
                _, _, rss, _ = run_once(cmd, os.path.join(d, "stdout"))
            norm = os.path.join(d, "eve-normalized.json")
            suricata_normalize(eve, norm)
            _, ls = check_truth(f"{label}, {mode}", norm, truth, mode == "alerts only", rss,
                                SURICATA_MAGIC_UNKNOWN)
            lines += [("  peer" + ln[6:]) if i == 0 else ln for i, ln in enumerate(ls)]
    return lines


def truth_only(a):
    """--truth PCAP...: every mode on each capture against its oracle; exit 1 on a miss."""
    ok = True
    for pcap in a.truth:
        if a.crosscheck:
            good, line = crosscheck_tshark(a, pcap)
            ok = ok and good
            say(line)
        good, lines = truth_runs(a, pcap, os.path.basename(pcap))
        ok = ok and good
        for line in lines:
            say(line)
    if not ok:
        raise SystemExit(1)


def profile(a):
    """perf record -g on the bench capture (default output) and callgrind on a slice."""
    bench_dir = os.path.join(a.build, "bench")
    prof = os.path.join(bench_dir, "profile")
    os.makedirs(prof, exist_ok=True)
    pcap = os.path.join(bench_dir, "bench.pcap")
    slice_pcap = os.path.join(bench_dir, "slice.pcap")
    cached(pcap, a.gen, ["bench", pcap, str(a.bytes)])
    cached(slice_pcap, a.gen, ["bench", slice_pcap, str(SLICE_BYTES)])
    for mode, extra in (("default", []), ("alerts", ["--set", "eve.types=alert,stats"])):
        out = os.path.join(prof, f"out-{mode}")
        os.makedirs(out, exist_ok=True)
        data = os.path.join(prof, f"perf-{mode}.data")
        cmd = ["perf", "record", "-g", "-o", data, "--", a.bin, "-r", pcap, "-c", a.rules,
               "-l", out] + extra
        say("bench-profile: " + " ".join(cmd))
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        for kind, flags in (("self", ["--no-children"]), ("children", ["--children"])):
            rep = os.path.join(prof, f"perf-{mode}-{kind}.txt")
            with open(rep, "w") as f:
                subprocess.run(["perf", "report", "-i", data, "--stdio", "-g", "none",
                                "--percent-limit", "0.5"] + flags,
                               check=True, stdout=f, stderr=subprocess.DEVNULL)
            say(f"bench-profile: {rep}")
        rep = os.path.join(prof, f"perf-{mode}-dso.txt")
        with open(rep, "w") as f:
            subprocess.run(["perf", "report", "-i", data, "--stdio", "--sort", "dso",
                            "-g", "none"], check=True, stdout=f, stderr=subprocess.DEVNULL)
    out = os.path.join(prof, "out-callgrind")
    os.makedirs(out, exist_ok=True)
    cg = os.path.join(prof, "callgrind.out")
    cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={cg}", a.bin, "-r",
           slice_pcap, "-c", a.rules, "-l", out]
    say("bench-profile: " + " ".join(cmd))
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for kind, flags in (("self", []), ("inclusive", ["--inclusive=yes"])):
        rep = os.path.join(prof, f"callgrind-{kind}.txt")
        with open(rep, "w") as f:
            subprocess.run(["callgrind_annotate"] + flags + [cg], check=True, stdout=f)
        say(f"bench-profile: {rep}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--bin", default="build/reelwatch")
    ap.add_argument("--rules", default="rules")
    ap.add_argument("--gen", default="build/tools/bench/rw_benchgen")
    ap.add_argument("--floor", default="build/tools/bench/rw_readfloor")
    ap.add_argument("--pcapgen", default="build/tools/rw_pcapgen")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bytes", type=int, default=1100000000)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--per-flow", action="store_true",
                    help="only the memory-per-flow part (SYN floods of 1000 and 1M flows)")
    ap.add_argument("--wait-idle", type=int, default=0, metavar="SECONDS",
                    help="wait up to SECONDS for a 1-minute load average below 0.5")
    ap.add_argument("--truth", nargs="+", metavar="PCAP",
                    help="only the ground-truth check: every mode on each capture (which "
                         "has CAPTURE.truth.tsv beside it)")
    ap.add_argument("--crosscheck", action="store_true",
                    help="with --truth: first check each oracle against tshark and file(1)")
    ap.add_argument("--suricata", nargs="+", metavar="PCAP",
                    help="only the Suricata peer rows, on these captures (with their oracles)")
    ap.add_argument("--live", metavar="PCAP",
                    help="only the live burst, with PCAP (which has PCAP.truth.tsv beside it)")
    a = ap.parse_args()
    if a.truth:
        truth_only(a)
        return
    if a.suricata:
        lines = suricata_peer(a, [(os.path.basename(p), p) for p in a.suricata], {})
        for line in lines:
            say(line)
        return
    if a.live:
        good, lines = live_burst(a, a.live)
        for line in lines:
            say(line)
        if not good:
            raise SystemExit(1)
        return
    tools = () if a.per_flow else ("tcpdump", "ndpiReader")
    for tool in tools + (("perf", "valgrind") if a.profile else ()):
        if shutil.which(tool) is None:
            raise SystemExit(f"bench: {tool} not found (make bench-deps installs it)")
    if a.bytes < 1000000000 and not a.profile:
        say(f"bench: note: --bytes {a.bytes} is below the 1 GB issue 7 asks for")
    deadline = time.time() + a.wait_idle
    while a.wait_idle > 0 and os.getloadavg()[0] >= 0.5 and time.time() < deadline:
        time.sleep(5)
    if a.wait_idle > 0:
        say(f"bench: load average {os.getloadavg()[0]:.2f} at start")
    if a.profile:
        profile(a)
    elif a.per_flow:
        per_flow_only(a)
    else:
        bench(a)


if __name__ == "__main__":
    main()
