#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# yajl.sh — builds build/yajl/reelwatch: reelwatch with rw_json.c replaced by
# tools/bench/rw_json_yajl.c (Debian's libyajl), for the writer comparison in
# docs/performance.md. Needs libyajl-dev (not a project dependency: apt-get install
# libyajl-dev). Run from the repository root.
set -eu
b=build/yajl
# Every object as usual (rw_json.c too, unused), then the link again without rw_json.o.
make --no-print-directory BUILD=$b OPT="-O2 -g -D_FORTIFY_SOURCE=2 -DRW_JSON_YAJL" -j2 \
    $b/reelwatch >/dev/null
flags=$(pkg-config --cflags libndpi 2>/dev/null || true)
cc -std=c11 -O2 -g -DRW_JSON_YAJL -DRW_TEST_BUILD -D_DEFAULT_SOURCE -Iplugin/core $flags \
    -c tools/bench/rw_json_yajl.c -o $b/rw_json_yajl.o
objs=$(find $b/plugin -name '*.o' ! -name rw_json.o | sort)
cc -o $b/reelwatch $objs $b/rw_json_yajl.o -lndpi -lm -lgcrypt -lpcap -lyaml -ljansson \
    -lsodium -lmagic -lpthread -lyajl
echo "yajl.sh: wrote $b/reelwatch"
