#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The bench's ground truth: reads rw_benchgen's oracles and compares EVE output with them.

rw_benchgen writes CAPTURE.truth.tsv beside each capture it makes (tools/bench/
bench_oracle.c): one row per upload with the sids the default rules imply. check_truth
says whether one run's EVE file reported every upload (a fileinfo record with the oracle's
name, size and type; in alerts-only mode every implied file alert) and exactly the implied
alerts. Used by bench.py (make bench) and tests/ops/live_rate.py.
"""

import collections
import json
import os
import shutil
import subprocess

MIB = 1024 * 1024

# The ground truth (issue 17): rw_benchgen writes OUT.truth.tsv beside each capture, one
# row per upload with the sids the default rules imply (bench_oracle.c says how).
FILE_SIDS = {9100001, 9100002, 9100006}
FLOW_SIDS = {9100003, 9100005}
HOST_SIDS = {9100004}
def truth_path(pcap):
    return (pcap[:-5] if pcap.endswith(".pcap") else pcap) + ".truth.tsv"


def load_truth(path):
    rows = []
    with open(path) as f:
        head = f.readline().rstrip("\n").split("\t")
        for line in f:
            r = dict(zip(head, line.rstrip("\n").split("\t")))
            r["size"] = int(r["size"])
            r["sids"] = [] if r["sids"] == "-" else [int(x) for x in r["sids"].split(",")]
            rows.append(r)
    return rows


def alert_key(sid, src, sport, dst, dport, name):
    """What identifies one alert: file alerts by flow and file name, flow alerts by flow,
    host alerts by sender (the window spans the sender's flows)."""
    if sid in HOST_SIDS:
        return (sid, src)
    if sid in FLOW_SIDS:
        return (sid, src, int(sport), dst, int(dport))
    return (sid, src, int(sport), dst, int(dport), name)


def expected_alerts(truth):
    exp = collections.Counter()
    for r in truth:
        for sid in r["sids"]:
            exp[alert_key(sid, r["sender"], r["sport"], r["receiver"], r["dport"],
                          r["filename"])] += 1
    return exp


def upload_key(src, sport, dst, dport, name):
    return (src, int(sport), dst, int(dport), name)


def fmt_upload(k):
    return f"{k[0]}:{k[1]} -> {k[2]}:{k[3]} {k[4]}"


def check_truth(mode, eve_path, truth, alerts_only, rss=None, magic_unknown=()):
    """Compares one run's EVE output with the oracle: (ok, summary lines). Files whose
    oracle type starts with one of magic_unknown are checked by name and size only."""
    files = collections.defaultdict(list)
    got = collections.Counter()
    file_alerts = collections.Counter()
    stats = None
    with open(eve_path) as f:
        for line in f:
            rec = json.loads(line)
            t = rec.get("event_type")
            if t == "fileinfo" and rec.get("direction") == "to_server":
                fi = rec["fileinfo"]
                files[upload_key(rec["src_ip"], rec["src_port"], rec["dest_ip"],
                                 rec["dest_port"], fi.get("filename", ""))].append(fi)
            elif t == "alert":
                sid = rec["alert"]["signature_id"]
                name = rec.get("fileinfo", {}).get("filename", "")
                got[alert_key(sid, rec["src_ip"], rec["src_port"], rec["dest_ip"],
                              rec["dest_port"], name)] += 1
                if sid in FILE_SIDS:
                    file_alerts[(sid,) + upload_key(rec["src_ip"], rec["src_port"],
                                                     rec["dest_ip"], rec["dest_port"], name)] += 1
            elif t == "stats":
                stats = rec["stats"]
    exp = expected_alerts(truth)
    missing_alerts = exp - got
    extra_alerts = got - exp
    seen, missing, wrong = 0, [], []
    observable = 0
    for r in truth:
        k = upload_key(r["sender"], r["sport"], r["receiver"], r["dport"], r["filename"])
        if alerts_only:
            fsids = [s for s in r["sids"] if s in FILE_SIDS]
            if not fsids:
                continue
            observable += 1
            if all(file_alerts[(s,) + k] > 0 for s in fsids):
                seen += 1
                for s in fsids:
                    file_alerts[(s,) + k] -= 1
            else:
                missing.append(fmt_upload(k))
            continue
        observable += 1
        recs = files.get(k, [])
        hit = None
        for i, fi in enumerate(recs):
            if fi.get("size") == r["size"] and (fi.get("magic", "").startswith(r["magic"]) or
                                                r["magic"].startswith(tuple(magic_unknown))):
                hit = i
                break
        if hit is not None:
            recs.pop(hit)
            seen += 1
        elif recs:
            fi = recs.pop(0)
            wrong.append(f"{fmt_upload(k)}: size {fi.get('size')} magic "
                         f"'{fi.get('magic', '')[:40]}' state {fi.get('state')}, expected "
                         f"{r['size']} '{r['magic']}'")
        else:
            missing.append(fmt_upload(k))
    extra_files = sum(len(v) for k, v in files.items()
                      if v and not k[4].startswith("/") and k[4] != "")
    ok = seen == observable and not missing_alerts and not extra_alerts
    n_exp, n_got = sum(exp.values()), sum(got.values())
    pressure = stats.get("memcap", {}).get("pressure", "?") if stats else "?"
    fl = stats.get("flow", {}) if stats else {}
    what = "file alerts" if alerts_only else "fileinfo: name, size, type"
    lines = [f"  {'OK  ' if ok else 'FAIL'} {mode:<27} {seen} of {observable} uploads seen "
             f"({what}); alerts {n_got - sum(extra_alerts.values())} of {n_exp} expected, "
             f"{sum(extra_alerts.values())} extra (total {n_got})"
             + (f"; peak RSS {rss / MIB:.1f} MiB" if rss else "")
             + f"; memcap.pressure {pressure}; flows evicted "
               f"{fl.get('mgr', {}).get('flows_evicted', '?')}"]
    if alerts_only and observable < len(truth):
        lines.append(f"       ({len(truth) - observable} of {len(truth)} uploads imply no file "
                     "alert, so alerts-only output cannot show them: stills to unflagged hosts)")
    if extra_files:
        lines.append(f"       {extra_files} fileinfo records on upload flows the oracle does "
                     "not list")
    for label, items in (("missing", missing), ("wrong", wrong),
                         ("missing alert", [str(k) for k in missing_alerts.elements()]),
                         ("extra alert", [str(k) for k in extra_alerts.elements()])):
        for item in items[:5]:
            lines.append(f"       {label}: {item}")
        if len(items) > 5:
            lines.append(f"       ... and {len(items) - 5} more {label}")
    by_sid = collections.Counter(k[0] for k in got.elements())
    lines.append(f"       alerts by sid {dict(sorted(by_sid.items()))}")
    return ok, lines


def crosscheck_tshark(a, pcap):
    """The oracle checked once by someone else: tshark lists the capture's POSTs (sender,
    receiver, ports, multipart filename) and exports their bodies (--export-objects http);
    the file part of each body is typed by file(1) with the same magic as reelwatch.
    Returns (ok, line)."""
    truth = load_truth(truth_path(pcap))
    d = os.path.join(a.build, "bench", "tshark-" + os.path.basename(pcap))
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    p = subprocess.run(["tshark", "-r", pcap, "-Y", "http.request.method==POST", "-T", "fields",
                        "-E", "separator=/t", "-e", "ip.src", "-e", "tcp.srcport", "-e", "ip.dst",
                        "-e", "tcp.dstport", "-e", "mime_multipart.header.content-disposition"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True, text=True)
    posts = [line.split("\t") for line in p.stdout.splitlines() if line]
    subprocess.run(["tshark", "-r", pcap, "--export-objects", f"http,{d}"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    # Objects are numbered upload, upload(1), ... in packet order: the requests' multipart
    # bodies and the JSON answers, alternately.
    bodies = []
    names = sorted((n for n in os.listdir(d) if n.startswith("upload")),
                   key=lambda n: int(n[7:-1]) if "(" in n else 0)
    magic = f"{os.path.join(a.rules, 'studio.magic')}:/usr/share/misc/magic.mgc"
    for n in names:
        with open(os.path.join(d, n), "rb") as f:
            data = f.read()
        if not data.startswith(b"--"):
            continue
        boundary = data.split(b"\r\n", 1)[0]
        body = data[data.index(b"\r\n\r\n") + 4:data.rindex(b"\r\n" + boundary + b"--")]
        part = os.path.join(d, "part")
        with open(part, "wb") as f:
            f.write(body)
        t = subprocess.run(["file", "-b", "-m", magic, part], stdout=subprocess.PIPE,
                           text=True, check=True).stdout.strip()
        bodies.append((len(body), t))
    agree, first_bad = 0, None
    for i, r in enumerate(truth):
        ok = i < len(posts) and i < len(bodies)
        if ok:
            src, sport, dst, dport, disp = (posts[i] + [""] * 5)[:5]
            ok = (src, sport, dst, dport) == (r["sender"], r["sport"], r["receiver"], r["dport"]) \
                and f'filename="{r["filename"]}"' in disp \
                and bodies[i][0] == r["size"] and bodies[i][1].startswith(r["magic"])
        if ok:
            agree += 1
        elif first_bad is None:
            first_bad = f"first disagreement: oracle row {i + 1} {r['filename']}"
    ok = agree == len(truth) == len(posts) == len(bodies)
    shutil.rmtree(d, ignore_errors=True)
    return ok, (f"  {'OK  ' if ok else 'FAIL'} oracle vs tshark on {os.path.basename(pcap)}: "
                f"{agree} of {len(truth)} oracle uploads agree with tshark's {len(posts)} POSTs "
                f"and {len(bodies)} exported bodies (sender, receiver, ports, filename, size, "
                f"file(1) type)" + (f"; {first_bad}" if first_bad else ""))


def alert_list(eve):
    """Every alert as (sid, sender, sport, receiver, dport, file name), sorted."""
    out = []
    with open(eve) as f:
        for line in f:
            rec = json.loads(line)
            if rec.get("event_type") == "alert":
                out.append((rec["alert"]["signature_id"], rec["src_ip"], rec["src_port"],
                            rec["dest_ip"], rec["dest_port"],
                            rec.get("fileinfo", {}).get("filename", "")))
    return sorted(out)


# Suricata as a peer (issue 15 item 1): tools/bench/suricata/ holds a configuration and
# rules doing the default rule set's job. A reelwatch rule that needs "magic OR extension"
# is two Suricata rules, the second at sid + 1000; they count as one.
SURICATA_SID_MAP = {9101001: 9100001, 9101006: 9100006}
SURICATA_TYPES = {"alerts only": "        - alert\n",
                  "flow+fileinfo+alert+stats": "        - alert\n        - flow\n"
                                               "        - files:\n            force-magic: yes\n"}
# Suricata has Debian's magic only, not rules/studio.magic.
SURICATA_MAGIC_UNKNOWN = ("Toon Boom Harmony scene", "USD crate")


def suricata_normalize(src, dst):
    """Suricata's EVE as reelwatch writes it, for check_truth: mapped sids, one alert per
    file and sid, the alert's file name in fileinfo, fileinfo records marked to_server (the
    comparison matches them by sender, receiver, ports and name)."""
    seen = set()
    with open(src) as f, open(dst, "w") as out:
        for line in f:
            rec = json.loads(line)
            t = rec.get("event_type")
            if t == "alert":
                sid = SURICATA_SID_MAP.get(rec["alert"]["signature_id"],
                                           rec["alert"]["signature_id"])
                rec["alert"]["signature_id"] = sid
                files = rec.get("files") or []
                if files:
                    rec["fileinfo"] = {"filename": files[0].get("filename", "")}
                if sid in FILE_SIDS:
                    k = (sid, rec["src_ip"], rec["src_port"], rec["dest_ip"], rec["dest_port"],
                         rec.get("fileinfo", {}).get("filename", ""))
                    if k in seen:
                        continue
                    seen.add(k)
            elif t == "fileinfo":
                rec["direction"] = "to_server"
            elif t == "stats":
                rec["stats"] = {"memcap": {"pressure": "n/a"}, "flow": {"mgr": {
                    "flows_evicted": "n/a"}}}
            out.write(json.dumps(rec) + "\n")
