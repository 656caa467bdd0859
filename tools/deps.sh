#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# deps.sh — install the Debian packages the build and the tests need, only those missing.
#
#   tools/deps.sh "PKGS" "BPO_PKGS"
#
# PKGS come from the machine's suites (bookworm); BPO_PKGS from bookworm-backports, which is
# part of Debian's archive: when a backports package is missing and no apt source names the
# suite yet, a deb822 source for it is added. A prepared machine pays one dpkg-query per
# package and touches nothing.
set -eu
pkgs=$1
bpo=${2-}

missing() {
    out=""
    for p in $1; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || out="$out $p"
    done
    echo "$out"
}

need=$(missing "$pkgs")
need_bpo=$(missing "$bpo")
[ -z "$need$need_bpo" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "deps: need root to apt-get install$need$need_bpo" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if [ -n "$need_bpo" ] && ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "deps: adding Debian's bookworm-backports suite (/etc/apt/sources.list.d/reelwatch-backports.sources)"
    cat > /etc/apt/sources.list.d/reelwatch-backports.sources <<SRC
Types: deb deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
echo "deps: installing$need${need_bpo:+ (backports:$need_bpo)}"
apt-get update -qq
if [ -n "$need_bpo" ]; then
    apt-get install -y -qq --no-install-recommends -t bookworm-backports $need_bpo >/dev/null
fi
if [ -n "$need" ]; then
    apt-get install -y -qq --no-install-recommends $need >/dev/null
fi
