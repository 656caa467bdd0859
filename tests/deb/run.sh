#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# run.sh — the Debian package on this machine: install, run, upgrade, purge (make deb-test).
#
#   tests/deb/run.sh OUTDIR VERSION      (as root, after make deb)
#
# Installs OUTDIR/reelwatch_VERSION_ARCH.deb with apt (and reelwatch-suricata when it was
# built), replays pcaps/demo.pcap with the installed /usr/sbin/reelwatch and its default rule
# set /etc/reelwatch (the same 11 alerts as the checkout's binary), edits the site's list,
# reinstalls the package and then upgrades it to a newer version (the same package with its
# version raised), checking the edited list survives both, purges it and checks nothing is
# left: files, the user and group, systemd's state, dpkg's records. Refuses to start when
# reelwatch is installed or its user exists already (it would remove them). Purges at the
# end whatever happened. Prints "deb-test: N checks passed, N failed"; exits 1 on a failure.
set -u
out=$1
version=$2
arch=$(dpkg --print-architecture)
deb=$out/reelwatch_${version}_$arch.deb
sdeb=$out/reelwatch-suricata_${version}_$arch.deb
pass=0
failed=0
tmp=

APT="apt-get -y -q -o DPkg::Lock::Timeout=600"

ok() { pass=$((pass + 1)); }
bad() { failed=$((failed + 1)); echo "deb-test: FAIL: $*" >&2; }
# check NAME EXPECTED ACTUAL
check() {
    if [ "$2" = "$3" ]; then ok; else
        bad "$1"; printf '  expected: %s\n  actual:   %s\n' "$2" "$3" >&2
    fi
}
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

cleanup() {
    for p in reelwatch-suricata reelwatch; do
        if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -qv 'not-installed'; then
            $APT purge "$p" </dev/null >/dev/null 2>&1 || echo "deb-test: could not purge $p" >&2
        fi
    done
    [ -n "$tmp" ] && rm -rf "$tmp"
}

[ -f "$deb" ] || { echo "deb-test: no $deb (make deb)" >&2; exit 1; }
for p in reelwatch reelwatch-suricata; do
    if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -qv 'not-installed'; then
        echo "deb-test: $p is installed on this machine already: the test would purge it" >&2
        exit 1
    fi
done
if getent passwd reelwatch >/dev/null || getent group reelwatch >/dev/null || [ -e /etc/reelwatch ]; then
    echo "deb-test: the user or group reelwatch or /etc/reelwatch exists already: the test would remove it" >&2
    exit 1
fi
tmp=$(mktemp -d /tmp/rw-debtest.XXXXXX)
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# The demo's alerts: the README's table (time, source, destination, sid, level, file).
cat > "$tmp/alerts.want" <<'ALERTS'
09:00:02	10.20.30.40	175.45.176.23	9100005	flow	-
09:00:02	10.20.30.40	175.45.176.23	9100001	file	ep07_sc012.xstage
09:00:02	10.20.30.40	175.45.176.23	9100006	file	ep07_sc012.xstage
09:00:02	10.20.30.40	175.45.176.23	9100001	file	ep07_bg_forest.psd
09:00:02	10.20.30.40	175.45.176.23	9100006	file	ep07_bg_forest.psd
09:00:02	10.20.30.40	175.45.176.23	9100003	flow	-
09:00:08	10.20.30.40	175.45.176.23	9100001	file	ep07_comp_v3.mov
09:00:08	10.20.30.40	175.45.176.23	9100006	file	ep07_comp_v3.mov
09:00:08	10.20.30.40	175.45.176.23	9100004	host	-
09:00:08	10.20.30.40	175.45.176.23	9100003	flow	-
09:00:09	10.20.30.40	175.45.176.23	9100002	file	ep07_notes.txt
ALERTS
alerts() {
    jq -r 'select(.event_type == "alert")
      | [.timestamp[11:19], .src_ip, .dest_ip, .alert.signature_id,
         .alert.context.level, .fileinfo.filename // "-"] | @tsv' "$1"
}
# replay NAME: the installed binary on the demo with its default rule set
replay() {
    /usr/sbin/reelwatch -r pcaps/demo.pcap > "$tmp/eve.json" 2>"$tmp/stderr"
    check "$1: exit status" 0 "$?"
    check "$1: the demo's 11 alerts" "$(cat "$tmp/alerts.want")" "$(alerts "$tmp/eve.json")"
}

echo "== deb-test: install $deb"
list="$deb"
[ -f "$sdeb" ] && list="$list $sdeb"
abs=""
for f in $list; do abs="$abs $(readlink -f "$f")"; done
# shellcheck disable=SC2086
$APT install $abs </dev/null >"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log" >&2; bad "apt-get install"; exit 1; }
check "installed version" "$version" "$(dpkg-query -W -f='${Version}' reelwatch)"
check "reelwatch -V" "reelwatch $version" "$(/usr/sbin/reelwatch -V | cut -d' ' -f1-2)"
check "the system user" "reelwatch:/nonexistent:/usr/sbin/nologin" \
    "$(getent passwd reelwatch | cut -d: -f1,6,7)"
uid=$(id -u reelwatch)
if [ "$uid" -lt 1000 ]; then ok; else bad "reelwatch's uid $uid is not a system uid"; fi
check "the user's group" "reelwatch" "$(id -gn reelwatch)"
check "conffiles" "/etc/logrotate.d/reelwatch
/etc/reelwatch/lists/dprk.txt
/etc/reelwatch/lists/watch.txt
/etc/reelwatch/reelwatch.yaml
/etc/reelwatch/studio.magic" \
    "$(dpkg-query -W -f='${Conffiles}\n' reelwatch | awk 'NF {print $1}' | sort)"
check "unit installed, not enabled" "/lib/systemd/system/reelwatch.service none" \
    "$(ls /lib/systemd/system/reelwatch.service) $(ls /etc/systemd/system/*.wants/reelwatch.service 2>/dev/null || echo none)"
check "manual page" "/usr/share/man/man8/reelwatch.8.gz" "$(ls /usr/share/man/man8/reelwatch.8.gz)"
check "manual page version" '.TH REELWATCH 8 "2026" "reelwatch '"$version"'" "System Administration"' \
    "$(zcat /usr/share/man/man8/reelwatch.8.gz | grep '^\.TH')"
check "reelwatch -T with the default rule set" \
    "reelwatch: configuration OK: 6 rules, 2 lists (4 prefixes), 9 type groups" \
    "$(/usr/sbin/reelwatch -T 2>&1)"
replay "installed"

if [ -f "$sdeb" ]; then
    check "reelwatch-suricata depends on the Suricata it was built against" \
        "suricata (= $(dpkg-query -W -f='${Version}' suricata))" \
        "$(dpkg-query -W -f='${Depends}' reelwatch-suricata | tr ',' '\n' | grep -o 'suricata (= [^)]*)')"
    so=$(dpkg -L reelwatch-suricata | grep '/reelwatch-suricata\.so$')
    if [ -f "$so" ]; then ok; else bad "reelwatch-suricata.so not installed"; fi
    if grep -q "$so" /etc/suricata/reelwatch-suricata.yaml; then ok; else
        bad "/etc/suricata/reelwatch-suricata.yaml does not load $so"; fi
fi

# The site edits its list; the sensor's log directory holds a file.
echo "198.51.100.0/24   # added by deb-test" >> /etc/reelwatch/lists/watch.txt
cp /etc/reelwatch/lists/watch.txt "$tmp/watch.edited"
mkdir -p /var/log/reelwatch && echo '{}' > /var/log/reelwatch/eve.json

echo "== deb-test: reinstall over itself"
# shellcheck disable=SC2086
$APT install --reinstall $abs </dev/null >"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log" >&2; bad "apt-get install --reinstall"; }
check "edited list kept by the reinstall" "$(cat "$tmp/watch.edited")" "$(cat /etc/reelwatch/lists/watch.txt)"

echo "== deb-test: upgrade to $version+debtest1"
dpkg-deb -R "$deb" "$tmp/pkg"
sed -i "s/^Version: .*/Version: $version+debtest1/" "$tmp/pkg/DEBIAN/control"
dpkg-deb --root-owner-group -b "$tmp/pkg" "$tmp/reelwatch_$version+debtest1_$arch.deb" >/dev/null
$APT install "$tmp/reelwatch_$version+debtest1_$arch.deb" </dev/null >"$tmp/apt.log" 2>&1 ||
    { cat "$tmp/apt.log" >&2; bad "apt-get install (upgrade)"; }
check "upgraded version" "$version+debtest1" "$(dpkg-query -W -f='${Version}' reelwatch)"
check "edited list kept by the upgrade" "$(cat "$tmp/watch.edited")" "$(cat /etc/reelwatch/lists/watch.txt)"
check "the edited list is loaded" \
    "reelwatch: configuration OK: 6 rules, 2 lists (5 prefixes), 9 type groups" \
    "$(/usr/sbin/reelwatch -T 2>&1)"
check "one user after the upgrade" "1" "$(getent passwd | grep -c '^reelwatch:')"
replay "upgraded"

echo "== deb-test: purge"
$APT purge reelwatch-suricata reelwatch </dev/null >"$tmp/apt.log" 2>&1 ||
    $APT purge reelwatch </dev/null >"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log" >&2; bad "apt-get purge"; }
check "dpkg forgets the package" "" \
    "$(dpkg-query -W -f='${Status}' reelwatch 2>/dev/null | grep -v 'not-installed')"
left=""
for f in /usr/sbin/reelwatch /etc/reelwatch /etc/logrotate.d/reelwatch \
         /lib/systemd/system/reelwatch.service /usr/share/man/man8/reelwatch.8.gz \
         /usr/share/doc/reelwatch /var/log/reelwatch /etc/suricata/reelwatch-suricata.yaml \
         /var/lib/dpkg/info/reelwatch.list /var/lib/dpkg/info/reelwatch.postrm; do
    [ -e "$f" ] && left="$left $f"
done
left="$left$(find /etc/systemd /var/lib/systemd -name '*reelwatch*' 2>/dev/null | sed 's/^/ /' | tr -d '\n')"
left="$left$(find /usr/lib -name 'reelwatch*' 2>/dev/null | sed 's/^/ /' | tr -d '\n')"
check "nothing left on disk" "" "$left"
check "no user or group left" "" "$(getent passwd reelwatch; getent group reelwatch)"

echo "deb-test: $pass checks passed, $failed failed"
[ "$failed" = 0 ]
