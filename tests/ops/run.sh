#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/ops/run.sh — operations tests (make ops-test): install into a temporary DESTDIR and
# run the installed binary, the documentation's examples, periodic stats, the EVE
# directory rules, the privilege drop on a live capture, and a live capture on a veth pair
# in a network namespace. Tests that need root or namespaces say SKIP and why.
#
# usage: tests/ops/run.sh [--bin build/reelwatch] [--build build]
set -u

BIN=build/reelwatch
BUILD=build
while [ $# -gt 0 ]; do
    case "$1" in
    --bin) BIN=$2; shift 2 ;;
    --build) BUILD=$2; shift 2 ;;
    *) echo "usage: $0 [--bin BIN] [--build DIR]" >&2; exit 2 ;;
    esac
done
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 1
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
DEMO=$TOP/pcaps/demo.pcap
NOBODY_UID=$(id -u nobody 2>/dev/null)

T=$(mktemp -d /tmp/rw_ops.XXXXXX) || exit 1
chmod 0755 "$T"
T=$(realpath "$T")
NS=""
VETH=""
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    [ -n "$VETH" ] && ip link del "$VETH" 2>/dev/null
    [ -n "$NS" ] && ip netns del "$NS" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT

PASS=0
FAIL=0
SKIP=0
ok() { PASS=$((PASS + 1)); echo "ok   $*"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }
skip() { SKIP=$((SKIP + 1)); echo "SKIP $*"; }
# eq NAME EXPECTED ACTUAL
eq() {
    if [ "$2" == "$3" ]; then ok "$1"; else bad "$1"; echo "  expected: $(printf '%q' "$2")"; echo "  actual:   $(printf '%q' "$3")"; fi
}
alerts() { jq -c 'select(.event_type=="alert")' "$@" | wc -l; }
is_root() { [ "$(id -u)" = 0 ]; }
# Waits (up to 30 s) for reelwatch's "-v" line saying the capture is open and root dropped.
wait_running() {
    local pid=$1 log=$2
    for _ in $(seq 300); do
        grep -q 'running as uid' "$log" 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# Stops a reelwatch with SIGTERM and returns its exit status; after 30 s, SIGKILL and 124.
stop_wait() {
    local pid=$1
    kill -TERM "$pid"
    for _ in $(seq 300); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid"
        wait "$pid"
        return 124
    fi
    wait "$pid"
}

echo "== install"
MK="make --no-print-directory -s BUILD=$BUILD"
D=$T/dest
if $MK install DESTDIR="$D" >"$T/inst.log" 2>&1; then
    eq "install: files under DESTDIR (PREFIX=/usr/local)" \
"./etc/logrotate.d/reelwatch 644
./usr/local/etc/reelwatch/lists/dprk.txt 644
./usr/local/etc/reelwatch/lists/watch.txt 644
./usr/local/etc/reelwatch/reelwatch.yaml 644
./usr/local/etc/reelwatch/studio.magic 644
./usr/local/lib/systemd/system/reelwatch.service 644
./usr/local/sbin/reelwatch 755
./usr/local/share/man/man8/reelwatch.8 644" \
        "$(cd "$D" && find . -type f -printf '%p %m\n' | sort)"
    eq "install: unit runs the installed binary on the installed rules" \
"ExecStartPre=/usr/local/sbin/reelwatch -T -c /usr/local/etc/reelwatch
ExecStartPre=/bin/chgrp reelwatch /var/log/reelwatch
ExecStart=/usr/local/sbin/reelwatch -i \${RW_IFACE} -c /usr/local/etc/reelwatch -l /var/log/reelwatch --user reelwatch \$RW_OPTIONS" \
        "$(grep '^ExecStart' "$D/usr/local/lib/systemd/system/reelwatch.service")"
    eq "install: no placeholder left" "" "$(grep -rlI '@[A-Z]*@' "$D" || true)"
    eq "install: man page names the configuration directory" \
        "Rule file or directory of rule files. Default: \\fI/usr/local/etc/reelwatch\\fR." \
        "$(grep '^Rule file or directory' "$D/usr/local/share/man/man8/reelwatch.8")"
    if command -v groff >/dev/null; then
        eq "install: man page formats without warnings" "" \
            "$(groff -man -ww -z "$D/usr/local/share/man/man8/reelwatch.8" 2>&1)"
    fi
    eq "install: compiled-in default rules" "                    (default: /usr/local/etc/reelwatch)" \
        "$("$D/usr/local/sbin/reelwatch" -h | grep '(default: /')"
    eq "install: installed rules check" \
        "reelwatch: configuration OK: 6 rules, 2 lists (4 prefixes), 9 type groups" \
        "$("$D/usr/local/sbin/reelwatch" -T -c "$D/usr/local/etc/reelwatch" 2>&1)"
    "$D/usr/local/sbin/reelwatch" -r "$DEMO" -c "$D/usr/local/etc/reelwatch" >"$T/inst.json" 2>"$T/inst.err"
    eq "install: installed binary on demo.pcap: exit 0, 11 alerts" "0 11" "$? $(alerts "$T/inst.json")"
    # The site's own list survives a reinstall and an uninstall once edited.
    echo 198.51.100.7 >>"$D/usr/local/etc/reelwatch/lists/watch.txt"
    $MK install DESTDIR="$D" >>"$T/inst.log" 2>&1
    eq "reinstall: the edited site list is kept" "198.51.100.7" \
        "$(tail -1 "$D/usr/local/etc/reelwatch/lists/watch.txt")"
    $MK uninstall DESTDIR="$D" >>"$T/inst.log" 2>&1
    eq "uninstall: only the edited site list is left" "./usr/local/etc/reelwatch/lists/watch.txt" \
        "$(cd "$D" && find . -type f)"
    rm "$D/usr/local/etc/reelwatch/lists/watch.txt"
    $MK install DESTDIR="$D" >>"$T/inst.log" 2>&1
    $MK uninstall DESTDIR="$D" >>"$T/inst.log" 2>&1
    eq "uninstall: no file left" "" "$(find "$D" -type f)"
    eq "uninstall: reelwatch's own directories removed" "" "$(find "$D" -path '*reelwatch*')"
else
    bad "make install DESTDIR=$D"; cat "$T/inst.log"
fi

D=$T/destusr
if $MK install DESTDIR="$D" PREFIX=/usr >"$T/inst2.log" 2>&1; then
    eq "install PREFIX=/usr: configuration in /etc/reelwatch, unit in /lib/systemd/system" \
"./etc/logrotate.d/reelwatch
./etc/reelwatch/lists/dprk.txt
./etc/reelwatch/lists/watch.txt
./etc/reelwatch/reelwatch.yaml
./etc/reelwatch/studio.magic
./lib/systemd/system/reelwatch.service
./usr/sbin/reelwatch
./usr/share/man/man8/reelwatch.8" "$(cd "$D" && find . -type f | sort)"
    eq "install PREFIX=/usr: compiled-in default rules" "                    (default: /etc/reelwatch)" \
        "$("$D/usr/sbin/reelwatch" -h | grep '(default: /')"
else
    bad "make install PREFIX=/usr DESTDIR=$D"; cat "$T/inst2.log"
fi

# Without DESTDIR the compiled-in path exists: the installed binary finds its rules alone.
P=$T/prefix
if $MK install PREFIX="$P" LOGROTATEDIR="$P/logrotate.d" >"$T/inst3.log" 2>&1; then
    (cd "$T" && "$P/sbin/reelwatch" -r "$DEMO" >"$T/pfx.json" 2>"$T/pfx.err")
    eq "install PREFIX=$P: installed binary without -c, from another directory: exit 0, 11 alerts" \
        "0 11" "$? $(alerts "$T/pfx.json")"
    eq "install PREFIX=$P: alerts by sid" \
"      3 9100001
      1 9100002
      2 9100003
      1 9100004
      1 9100005
      3 9100006" "$(jq -r 'select(.event_type=="alert") | .alert.signature_id' "$T/pfx.json" | sort | uniq -c)"
    $MK uninstall PREFIX="$P" LOGROTATEDIR="$P/logrotate.d" >>"$T/inst3.log" 2>&1
    eq "uninstall PREFIX=$P: no file left" "" "$(find "$P" -type f)"
else
    bad "make install PREFIX=$P"; cat "$T/inst3.log"
fi

echo "== documentation examples"
if python3 tests/ops/docex.py --bin "$BIN" --top "$TOP" --tmp "$T/docex" \
    README.md docs/investigation.md docs/eve.md docs/deployment.md; then
    ok "documentation examples print exactly what the documents show"
else
    bad "documentation examples (diff above)"
fi

echo "== periodic stats"
"$BIN" -r "$DEMO" --stats-interval 2 >"$T/st2.json" 2>"$T/st2.err"
eq "stats-interval 2: exit 0" "0" "$?"
eq "stats-interval 2: 5 periodic records on packet time and the final one" \
"2024-03-14T09:00:02.000000+0000
2024-03-14T09:00:04.000000+0000
2024-03-14T09:00:06.000000+0000
2024-03-14T09:00:08.000000+0000
2024-03-14T09:00:10.000000+0000
2024-03-14T09:00:10.319800+0000" "$(jq -r 'select(.event_type=="stats") | .timestamp' "$T/st2.json")"
eq "stats-interval 2: counters are cumulative (decoder.pkts, detect.alert, flow.total)" \
"40 0 6
382 6 7
382 6 7
406 6 9
2591 10 10
2596 11 10" "$(jq -r 'select(.event_type=="stats") | .stats | "\(.decoder.pkts) \(.detect.alert) \(.flow.total)"' "$T/st2.json")"
eq "stats-interval 2: the other records are unchanged (11 alerts, 7 fileinfo, 10 flow)" \
    "11 7 10" "$(alerts "$T/st2.json") $(jq -c 'select(.event_type=="fileinfo")' "$T/st2.json" | wc -l) $(jq -c 'select(.event_type=="flow")' "$T/st2.json" | wc -l)"
"$BIN" -r "$DEMO" --stats-interval 1 >"$T/st1.json" 2>/dev/null
eq "stats-interval 1: 10 periodic + 1 final" "11" "$(jq -c 'select(.event_type=="stats")' "$T/st1.json" | wc -l)"
"$BIN" -r "$DEMO" --stats-interval 11 >"$T/st11.json" 2>/dev/null
eq "stats-interval 11 (longer than the capture): only the final record" "1" \
    "$(jq -c 'select(.event_type=="stats")' "$T/st11.json" | wc -l)"
"$BIN" -r "$DEMO" >"$T/st0.json" 2>/dev/null
eq "no --stats-interval: only the final record, same as before" "1 2596" \
    "$(jq -c 'select(.event_type=="stats")' "$T/st0.json" | wc -l) $(jq -r 'select(.event_type=="stats") | .stats.decoder.pkts' "$T/st0.json")"
# Hostile clocks: a quiet gap of 5.5 intervals gives its 5 records; a jump of 31 years in
# packet time gives one record (at the latest boundary), not a billion.
python3 - "$T/jump.pcap" <<'PY'
import struct, sys
def frame(i):
    ip = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 28, i, 0, 64, 17, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    return b'\x02' * 6 + b'\x04' * 6 + b'\x08\x00' + ip + struct.pack('>HHHH', 1000, 2000, 8, 0)
with open(sys.argv[1], 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i, (sec, usec) in enumerate([(1000, 0), (1005, 500000), (1000000000, 0)]):
        fr = frame(i)
        f.write(struct.pack('<IIII', sec, usec, len(fr), len(fr)) + fr)
PY
"$BIN" -r "$T/jump.pcap" --stats-interval 1 >"$T/jump.json" 2>"$T/jump.err"
eq "stats on a hostile clock: 5 records for the gap, 1 for the jump, then the final one" \
"0 1970-01-01T00:16:41.000000+0000 1
1970-01-01T00:16:42.000000+0000 1
1970-01-01T00:16:43.000000+0000 1
1970-01-01T00:16:44.000000+0000 1
1970-01-01T00:16:45.000000+0000 1
2001-09-09T01:46:40.000000+0000 2
2001-09-09T01:46:40.000000+0000 3" \
    "$? $(jq -r 'select(.event_type=="stats") | "\(.timestamp) \(.stats.decoder.pkts)"' "$T/jump.json")"
"$BIN" -r "$DEMO" --stats-interval 86401 >/dev/null 2>"$T/stbad.err"
eq "stats-interval 86401: usage error" \
    "2 reelwatch: --stats-interval: expected a whole number from 0 to 86400, found '86401'" \
    "$? $(head -1 "$T/stbad.err")"
"$BIN" -r "$DEMO" --stats-interval 2s >/dev/null 2>"$T/stbad.err"
eq "stats-interval 2s: usage error" \
    "2 reelwatch: --stats-interval: expected a whole number from 0 to 86400, found '2s'" \
    "$? $(head -1 "$T/stbad.err")"

echo "== EVE directory rules"
mkdir -m 0777 "$T/ww" && chmod 0777 "$T/ww"
"$BIN" -r "$DEMO" -l "$T/ww" >/dev/null 2>"$T/e.err"
eq "world-writable EVE dir: exit 1, reason, nothing written" \
    "1 reelwatch: refusing unsafe EVE output: $T/ww: world-writable without the sticky bit; refused: another user could redirect eve.json (chmod go-w it) 0" \
    "$? $(cat "$T/e.err") $(find "$T/ww" -type f | wc -l)"
mkdir "$T/ww/sub"
"$BIN" -r "$DEMO" -l "$T/ww/sub" >/dev/null 2>"$T/e.err"
eq "safe dir under a world-writable one: exit 1, names the parent" \
    "1 reelwatch: refusing unsafe EVE output: $T/ww: world-writable without the sticky bit; refused: another user could redirect eve.json (chmod go-w it)" \
    "$? $(cat "$T/e.err")"
mkdir "$T/gw" && chmod 0775 "$T/gw"
"$BIN" -r "$DEMO" -l "$T/gw" >/dev/null 2>"$T/e.err"
eq "group-writable EVE dir: exit 1" \
    "1 reelwatch: refusing unsafe EVE output: $T/gw: group-writable without the sticky bit; refused: another user could redirect eve.json (chmod go-w it)" \
    "$? $(cat "$T/e.err")"
mkdir "$T/sticky" && chmod 1777 "$T/sticky"
"$BIN" -r "$DEMO" -l "$T/sticky" >/dev/null 2>"$T/e.err"
eq "world-writable with the sticky bit: accepted, 11 alerts" "0 11" "$? $(alerts "$T/sticky/eve.json")"
rm -f "$T/sticky/eve.json"
ln -s "$T/victim" "$T/sticky/eve.json"
"$BIN" -r "$DEMO" -l "$T/sticky" >/dev/null 2>"$T/e.err"
eq "eve.json a symbolic link: exit 1, link target not created" \
    "1 reelwatch: refusing unsafe EVE output: $T/sticky/eve.json: is a symbolic link; refused no" \
    "$? $(cat "$T/e.err") $([ -e "$T/victim" ] && echo yes || echo no)"
rm -f "$T/sticky/eve.json"
mkdir "$T/hl" && touch "$T/hl/other" && ln "$T/hl/other" "$T/hl/eve.json"
"$BIN" -r "$DEMO" -l "$T/hl" >/dev/null 2>"$T/e.err"
eq "eve.json a hard link: exit 1" \
    "1 reelwatch: refusing unsafe EVE output: $T/hl/eve.json: not a plain file with one link; refused" \
    "$? $(cat "$T/e.err")"
"$BIN" -r "$DEMO" -l "$T/missing" >/dev/null 2>"$T/e.err"
eq "missing EVE dir: exit 4 as before" \
    "4 reelwatch: cannot open EVE output: $T/missing/eve.json: No such file or directory" \
    "$? $(cat "$T/e.err")"
if is_root; then

    mkdir "$T/other" && chown nobody "$T/other" && chmod 0755 "$T/other"
    "$BIN" -r "$DEMO" -l "$T/other" >/dev/null 2>"$T/e.err"
    eq "EVE dir owned by another user: exit 1" \
        "1 reelwatch: refusing unsafe EVE output: $T/other: owned by uid $NOBODY_UID, neither root nor the user reelwatch writes as (uid 0); refused: that user could redirect eve.json" \
        "$? $(cat "$T/e.err")"
    # Replay reads its captures as NAME (docs/deployment.md): a copy nobody can read, since
    # the checkout may sit under a directory only root can enter (a mktemp -d clone).
    chmod o+x "$T" && mkdir -m 0755 "$T/pub" && install -m 0644 "$DEMO" "$T/pub/demo.pcap"
    "$BIN" -r "$T/pub/demo.pcap" -l "$T/other" --user nobody >/dev/null 2>"$T/e.err"
    eq "the same dir is fine for --user nobody (its owner): 11 alerts, file owned by nobody" \
        "0 11 nobody" "$? $(alerts "$T/other/eve.json") $(stat -c %U "$T/other/eve.json")"
    mkdir "$T/of" && touch "$T/of/eve.json" && chown nobody "$T/of/eve.json"
    "$BIN" -r "$DEMO" -l "$T/of" >/dev/null 2>"$T/e.err"
    eq "eve.json owned by another user: exit 1" \
        "1 reelwatch: refusing unsafe EVE output: $T/of/eve.json: owned by uid $NOBODY_UID, neither root nor uid 0; refused" \
        "$? $(cat "$T/e.err")"
else
    skip "EVE dirs owned by other users: needs root"
fi

echo "== privileges"
"$BIN" -r "$DEMO" --group nogroup >/dev/null 2>"$T/p.err"
eq "--group without --user: usage error" "2 reelwatch: --group needs --user" "$? $(cat "$T/p.err")"
if is_root; then
    "$BIN" -r "$DEMO" --user rw_no_such_user_x >/dev/null 2>"$T/p.err"
    eq "--user unknown: exit 1" "1 reelwatch: --user rw_no_such_user_x: no such user" "$? $(cat "$T/p.err")"
    "$BIN" -r "$DEMO" --user root >/dev/null 2>"$T/p.err"
    eq "--user root: exit 1" "1 reelwatch: --user root: that is root; name an unprivileged user" "$? $(cat "$T/p.err")"
    "$BIN" -r "$DEMO" --user nobody --group rw_no_such_group_x >/dev/null 2>"$T/p.err"
    eq "--group unknown: exit 1" "1 reelwatch: --group rw_no_such_group_x: no such group" "$? $(cat "$T/p.err")"
    if command -v setpriv >/dev/null; then
        setpriv --reuid=nobody --regid=nogroup --clear-groups "$BIN" -r "$DEMO" --user nobody >/dev/null 2>"$T/p.err"
        RC=$?
        eq "--user when not root: exit 1" \
            "1 reelwatch: --user nobody: only root can change user (running as uid $NOBODY_UID); start as root or leave --user out" \
            "$RC $(cat "$T/p.err")"
    fi
    # Live on lo: root opens the capture and eve.json, then runs as nobody and keeps writing.
    PORT=$((41000 + $$ % 2000))
    mkdir "$T/live"
    "$BIN" -i lo -l "$T/live" --user nobody --stats-interval 1 -v -c rules tcp port $PORT \
        >/dev/null 2>"$T/live.err" &
    RP=$!
    PIDS="$PIDS $RP"
    if wait_running $RP "$T/live.err"; then
        GID_NOGROUP=$(id -g nobody)
        eq "live --user nobody: uid, gid and groups in /proc (real, effective, saved, fs)" \
"Uid:	$NOBODY_UID	$NOBODY_UID	$NOBODY_UID	$NOBODY_UID
Gid:	$GID_NOGROUP	$GID_NOGROUP	$GID_NOGROUP	$GID_NOGROUP
Groups:	$GID_NOGROUP 
CapPrm:	0000000000000000
CapEff:	0000000000000000
NoNewPrivs:	1" "$(grep -E '^(Uid|Gid|Groups|NoNewPrivs|CapEff|CapPrm):' /proc/$RP/status)"
        # Log rotation as logrotate does it (rename, create for the user, SIGHUP), after a
        # couple of periodic stats records.
        sleep 2.2
        mv "$T/live/eve.json" "$T/live/eve.json.1"
        install -m 0640 -o nobody -g "$GID_NOGROUP" /dev/null "$T/live/eve.json"
        kill -HUP $RP
        sleep 1
        timeout 60 python3 - "$PORT" <<'PY'
import socket, sys
socket.setdefaulttimeout(30)
port = int(sys.argv[1])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('127.0.0.1', port))
srv.listen(4)
for i in range(3):
    c = socket.create_connection(('127.0.0.1', port))
    a, _ = srv.accept()
    c.sendall(b'x' * (1000 * (i + 1)))
    c.shutdown(socket.SHUT_WR)
    n = 0
    while True:
        b = a.recv(65536)
        if not b:
            break
        n += len(b)
    a.close()
    c.close()
PY
        sleep 2.5
        stop_wait $RP
        RC=$?
        eq "live --user nobody: exit 0 on SIGTERM" "0" "$RC"
        eq "live --user nobody: eve.json owned by nobody" "nobody" "$(stat -c %U "$T/live/eve.json")"
        eq "live SIGHUP as nobody: rules reloaded once, no warning" \
            "reelwatch: rules reloaded: 6 rules, 2 lists (4 prefixes), 9 type groups" \
            "$(grep -E 'reload|warning' "$T/live.err")"
        N1=$(jq -c 'select(.event_type=="stats")' "$T/live/eve.json.1" | wc -l)
        if [ "$N1" -ge 1 ]; then ok "live SIGHUP: the rotated file has the $N1 stats records written before it"; else bad "live SIGHUP: no stats record in eve.json.1"; fi
        eq "live SIGHUP: no flow record in the rotated file (flows end after the rotation)" "0" \
            "$(jq -c 'select(.event_type=="flow")' "$T/live/eve.json.1" | wc -l)"
        cat "$T/live/eve.json.1" "$T/live/eve.json" >"$T/live/all.json"
        # bytes_toserver counts frames (payload + headers of a handful of packets).
        eq "live --user nobody: the 3 flows, written after the drop, each with its payload" \
"1000
2000
3000" "$(jq -r --argjson p $PORT 'select(.event_type=="flow" and .dest_port==$p) | .flow.bytes_toserver' "$T/live/eve.json" | sort -n | awk '{ n = int(($1 + 500) / 1000) * 1000; print ($1 > n && $1 - n < 800) ? n : "bytes_toserver=" $1 }')"
        eq "live --user nobody: 3 TCP flow records to the port" "3" \
            "$(jq -c --argjson p $PORT 'select(.event_type=="flow" and .dest_port==$p and .proto=="TCP")' "$T/live/eve.json" | wc -l)"
        NST=$(jq -c 'select(.event_type=="stats")' "$T/live/all.json" | wc -l)
        if [ "$NST" -ge 3 ]; then ok "live --stats-interval 1: $NST stats records (>= 2 periodic + final)"; else bad "live --stats-interval 1: only $NST stats records"; fi
        eq "live stats carry the kernel counters" "true true true" \
            "$(jq -r 'select(.event_type=="stats") | .stats.capture | [has("kernel_packets"), has("kernel_drops"), has("kernel_ifdrops")] | map(tostring) | join(" ")' "$T/live/all.json" | sort -u)"
        eq "live stats: kernel_packets grows and ends at 12 or more" "ok" \
            "$(jq -s -r '[.[] | select(.event_type=="stats") | .stats.capture.kernel_packets] | if (. == sort) and (last >= 12) then "ok" else tostring end' "$T/live/all.json")"
    else
        bad "live --user nobody did not start: $(cat "$T/live.err")"
    fi
else
    skip "privilege drop on a live capture: needs root (run make ops-test as root)"
fi

echo "== live capture on a veth pair in a network namespace"
if ! is_root; then
    skip "veth/netns capture: needs root"
elif ! command -v ip >/dev/null; then
    skip "veth/netns capture: no ip command (Debian package iproute2)"
elif ! ip netns add "rwops$$" 2>"$T/ns.err"; then
    skip "veth/netns capture: network namespaces not permitted here ($(cat "$T/ns.err"))"
else
    NS=rwops$$
    VETH=rwo$$a
    PEER=rwo$$b
    if ! ip link add "$VETH" type veth peer name "$PEER" 2>"$T/ns.err"; then
        VETH=""
        skip "veth/netns capture: veth pairs not permitted here ($(cat "$T/ns.err"))"
    elif ip link set "$PEER" netns "$NS" 2>"$T/ns.err" &&
        ip addr add 10.213.77.1/30 dev "$VETH" && ip link set "$VETH" up &&
        ip -n "$NS" addr add 10.213.77.2/30 dev "$PEER" && ip -n "$NS" link set "$PEER" up &&
        ip -n "$NS" link set lo up; then
        cat >"$T/lab.yaml" <<'YAML'
# One list, one group, one rule: a Photoshop file sent to the lab listener.
lists:
  lab:
    cidrs: [10.213.77.1/32]
types:
  project:
    magic: ["Adobe Photoshop Image*"]
    ext: [psd]
rules:
  - sid: 9200001
    rev: 1
    msg: "OPS-TEST Photoshop file sent to the lab listener"
    classtype: policy-violation
    severity: 1
    level: file
    match:
      dst: [lab]
      direction: outbound
      type: [project]
YAML
        eq "veth: the small rule file checks with home_net from --set" \
            "reelwatch: configuration OK: 1 rule, 1 list (1 prefix), 1 type group" \
            "$("$BIN" -T -c "$T/lab.yaml" --set home_net=10.213.77.2/32 2>&1)"
        # A Photoshop file: 8BPS header (RGB, 3 channels, 8 bits, 64 x 32), then pixels.
        python3 -c '
import struct, sys
hdr = b"8BPS" + struct.pack(">H6xHIIHH", 1, 3, 32, 64, 8, 3)
body = hdr + struct.pack(">III", 0, 0, 0) + struct.pack(">H", 0) + bytes(range(256)) * 160
open(sys.argv[1], "wb").write(body)' "$T/shot_010_bg.psd"
        PSD_SIZE=$(stat -c %s "$T/shot_010_bg.psd")
        python3 - >"$T/srv.log" 2>&1 <<'PY' &
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_PUT(self):
        n = int(self.headers.get('Content-Length', '0'))
        left = n
        while left > 0:
            b = self.rfile.read(min(left, 65536))
            if not b:
                break
            left -= len(b)
        self.send_response(201)
        self.send_header('Content-Length', '0')
        self.end_headers()
        print('got', n - left, flush=True)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(('10.213.77.1', 8080), H)
s.timeout = 60  # never wait for ever: the test fails instead
print('listening', flush=True)
s.handle_request()
PY
        SRV=$!
        PIDS="$PIDS $SRV"
        for _ in $(seq 100); do grep -q listening "$T/srv.log" && break; sleep 0.1; done
        mkdir "$T/veth"
        "$BIN" -i "$VETH" -l "$T/veth" -c "$T/lab.yaml" --set home_net=10.213.77.2/32 \
            --user nobody -v tcp port 8080 >/dev/null 2>"$T/veth.err" &
        RV=$!
        PIDS="$PIDS $RV"
        if ! grep -q listening "$T/srv.log"; then
            bad "veth: the HTTP listener did not start: $(cat "$T/srv.log")"
        elif wait_running $RV "$T/veth.err"; then
            timeout 60 ip netns exec "$NS" python3 -c '
import http.client, sys
body = open(sys.argv[1], "rb").read()
c = http.client.HTTPConnection("10.213.77.1", 8080, timeout=10)
c.request("PUT", "/upload/shot_010_bg.psd", body=body, headers={"Host": "lab.example"})
r = c.getresponse()
print(r.status)' "$T/shot_010_bg.psd" >"$T/cli.log" 2>&1
            eq "veth: the upload crossed the namespace" "201" "$(cat "$T/cli.log")"
            wait $SRV
            eq "veth: the listener got every byte" "listening
got $PSD_SIZE" "$(cat "$T/srv.log")"
            sleep 1.5
            stop_wait $RV
            eq "veth: reelwatch exit 0" "0" "$?"
            eq "veth: exactly one alert: sid, sender, listener, file, type group" \
                "9200001 10.213.77.2 10.213.77.1 8080 http /upload/shot_010_bg.psd project lab 10.213.77.1/32" \
                "$(jq -r 'select(.event_type=="alert") | [.alert.signature_id, .src_ip, .dest_ip, .dest_port, .app_proto, .fileinfo.filename, (.alert.context.type_groups | join(",")), .alert.context.list, .alert.context.prefix] | map(tostring) | join(" ")' "$T/veth/eve.json")"
            eq "veth: the file's fileinfo record: name, size, state, method, magic" \
                "/upload/shot_010_bg.psd $PSD_SIZE CLOSED PUT /upload/shot_010_bg.psd Adobe Photoshop Image, 64 x 32, RGB, 3x 8-bit channels" \
                "$(jq -r 'select(.event_type=="fileinfo" and .direction=="to_server") | [.fileinfo.filename, .fileinfo.size, .fileinfo.state, .http.http_method, .http.url, .fileinfo.magic] | map(tostring) | join(" ")' "$T/veth/eve.json")"
        else
            bad "veth: reelwatch did not start: $(cat "$T/veth.err")"
        fi
    else
        bad "veth: could not set up the pair: $(cat "$T/ns.err")"
    fi
fi

echo "== live capture at a fixed rate with the default settings (tests/ops/live_rate.py)"
python3 tests/ops/live_rate.py --bin "$BIN" --build "$BUILD"
case $? in
0) ok "live fixed rate: 0 drops, the offline alerts, every upload" ;;
77) skip "live fixed rate: see above" ;;
*) bad "live fixed rate: see above" ;;
esac

echo "ops-test: $PASS passed, $FAIL failed, $SKIP skipped"
[ "$FAIL" -eq 0 ]
