#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# mkdeb.sh — build the Debian packages with dpkg-buildpackage in a copy of the tree.
#
#   dist/mkdeb.sh OUTDIR VERSION PLUGIN_SO
#
# dpkg-buildpackage writes its packages into the parent of the tree it builds, so the tree
# is copied to OUTDIR/src (removed once built) and the packages land in OUTDIR: nothing is
# written outside it.
# The copy holds the files git knows (tracked, or new and not ignored) as they are in the
# work tree; debian/changelog is written there from VERSION. When PLUGIN_SO exists, it and
# dist/reelwatch-suricata.yaml go to debian/plugin/ and reelwatch-suricata joins
# debian/control. lintian checks the result (OUTDIR/lintian.txt); an error tag fails.
set -eu
out=$1
version=$2
plugin=$3
src=$out/src

rm -rf "$out"
mkdir -p "$src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard -- . ':!build' |
        tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -C "$src" -xf -
else
    tar --exclude=./build --exclude=./.git -cf - . | tar -C "$src" -xf -
fi

# The changelog's date is the last commit's, so two builds of one commit agree.
when=$(git log -1 --format=%ct 2>/dev/null || date +%s)
cat > "$src/debian/changelog" <<CHANGES
reelwatch ($version) unstable; urgency=medium

  * Release $version (the file VERSION).

 -- reelwatch maintainers <maintainers@users.noreply.h-seed-a98b3b75.example>  $(date -R -u -d "@$when")
CHANGES

if [ -f "$plugin" ]; then
    if [ ! -f dist/reelwatch-suricata.yaml ]; then
        echo "mkdeb: $plugin exists but dist/reelwatch-suricata.yaml does not" >&2
        exit 1
    fi
    mkdir -p "$src/debian/plugin"
    cp "$plugin" "$src/debian/plugin/reelwatch-suricata.so"
    cp dist/reelwatch-suricata.yaml "$src/debian/plugin/reelwatch-suricata.yaml"
    cat "$src/debian/control.suricata" >> "$src/debian/control"
    echo "mkdeb: with reelwatch-suricata ($plugin)"
else
    echo "mkdeb: no $plugin (make suricata builds it): reelwatch only"
fi
rm -f "$src/debian/control.suricata"

# The copy goes once built: the top-level Makefile includes every *.d under build/, and the
# staging tree holds directories such as etc/logrotate.d.
(cd "$src" && DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-parallel=2} \
    dpkg-buildpackage -b -us -uc >../build.log 2>&1) || {
    rm -rf "$src"
    tail -n 40 "$out/build.log" >&2
    echo "mkdeb: dpkg-buildpackage failed: $out/build.log" >&2
    exit 1
}
rm -rf "$src"
ls "$out"/*.deb
changes=$(ls "$out"/reelwatch_"$version"_*.changes)
rc=0
lintian --display-info --pedantic --show-overrides --fail-on error "$changes" > "$out/lintian.txt" 2>"$out/lintian.err" || rc=$?
grep -v "root privileges is not recommended" "$out/lintian.err" >> "$out/lintian.txt" || true
echo "== lintian $(lintian --version | cut -d' ' -f2) ($out/lintian.txt):"
if [ -s "$out/lintian.txt" ]; then cat "$out/lintian.txt"; else echo "(no tags)"; fi
exit $rc
