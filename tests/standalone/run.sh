#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# run.sh — the suite needs nothing outside the checkout (make standalone-test).
#
#   tests/standalone/run.sh [E2E_CASE...]
#
# Copies the files git knows (tracked, or new and not ignored; build/ excepted) to
# /tmp/rw-alone.XXXXXX/reelwatch, where nothing lies beside the copy (no ../shared), and
# there builds everything, runs the whole unit suite (which reads the real captures,
# Suricata's schema, the rules, the lists and the bad-input catalogue) and a few end-to-end
# cases (by default demo, real_files, cli and tutorial). The run happens in a private
# mount namespace where an empty tmpfs hides the directory holding the checkout (and the
# main work tree's, for a git worktree), so a test that opens a file of the original
# checkout or of a neighbour such as ../shared by an absolute path fails too. Without
# namespaces (no root, no unprivileged user namespaces) it still runs from the copy and says
# that absolute paths went unchecked. Exit status: the suite's.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
cases=${*:-demo real_files cli tutorial}

base=$(mktemp -d /tmp/rw-alone.XXXXXX)
trap 'rm -rf "$base"' EXIT
trap 'exit 1' INT TERM HUP
copy=$base/reelwatch
mkdir "$copy"
cd "$here"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard -- . ':!build' |
        tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -C "$copy" -xf -
else
    tar --exclude=./build --exclude=./.git -cf - . | tar -C "$copy" -xf -
fi

# Directories to hide: the checkout's parent, and the main work tree's when this is a git
# worktree. Never one that holds the copy or a system directory.
hide=""
for d in "$(dirname "$here")" \
         "$(dirname "$(dirname "$(cd "$(git rev-parse --git-common-dir 2>/dev/null || echo .)" && pwd)")")"; do
    case "$d" in
    /|/tmp|/tmp/*|/usr|/usr/*|/etc|/etc/*|/bin|/lib|/lib64|/sbin|/var|/proc|/dev|/sys|/run) continue ;;
    esac
    case "$base/" in "$d"/*) continue ;; esac
    case " $hide " in *" $d "*) continue ;; esac
    [ -d "$d" ] && hide="$hide $d"
done

# The run itself, as a script of its own: HIDE... are mounted over first (inside the
# namespace), then the build, the unit suite and the cases, with the time each took.
cat > "$base/inner.sh" <<'INNER'
set -e
base=$1 copy=$2 cases=$3 hide=$4
for d in $hide; do mount -t tmpfs -o ro,size=4k rw-standalone "$d"; done
cd "$copy"
s=$(date +%s)
make --no-print-directory -j2 all >"$base/build.log" 2>&1 || { tail -n 30 "$base/build.log"; exit 1; }
echo "standalone: built in $(($(date +%s) - s)) s"
make --no-print-directory unit >"$base/unit.log" 2>&1 || { tail -n 40 "$base/unit.log"; exit 1; }
grep -E '^ *(suites|tests|asserts) ' "$base/unit.log"
echo "standalone: unit suite passed at $(($(date +%s) - s)) s"
# shellcheck disable=SC2086
python3 tests/e2e/run.py --bin build/reelwatch --build build $cases >"$base/e2e.log" 2>&1 ||
    { grep -v '^ok ' "$base/e2e.log"; exit 1; }
tail -n 1 "$base/e2e.log"
echo "standalone: e2e cases ($cases) passed at $(($(date +%s) - s)) s"
INNER

echo "== standalone: $copy (hidden:${hide:- nothing})"
if [ -n "$hide" ] && unshare --mount --propagation private true 2>/dev/null; then
    unshare --mount --propagation private sh "$base/inner.sh" "$base" "$copy" "$cases" "$hide"
elif [ -n "$hide" ] && unshare --user --map-root-user --mount true 2>/dev/null; then
    unshare --user --map-root-user --mount sh "$base/inner.sh" "$base" "$copy" "$cases" "$hide"
else
    echo "standalone: note: no mount namespace here: absolute paths outside the copy went unchecked"
    sh "$base/inner.sh" "$base" "$copy" "$cases" ""
fi
